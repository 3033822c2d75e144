// The web chat page: UI only. Every protocol message goes through the generated
// TypeScript SDK (sdks/typescript); this file holds no wire format of its own.
//
// The secret and the session id live in sessionStorage, so a reload in the same tab
// reconnects, resumes the session and shows its history again. Agent output is only
// ever written with `textContent`, never parsed as HTML.

import {
  type ChatSocket,
  DuplexConnectorClient,
  type HistoryEntry,
  type ReplyError,
  type TokenUsage,
} from "../../sdks/typescript/src/index.js";

const connectorPath =
  document.querySelector<HTMLMetaElement>('meta[name="duplex-connector-path"]')?.content ?? "/ws";
const secretKey = `duplex:${connectorPath}:secret`;
const sessionKey = `duplex:${connectorPath}:session`;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) {
    throw new Error(`the page has no #${id}`);
  }
  return found as T;
}

const ui = {
  state: element<HTMLParagraphElement>("state"),
  authForm: element<HTMLFormElement>("auth"),
  secret: element<HTMLInputElement>("secret"),
  chat: element<HTMLElement>("chat"),
  sessionId: element<HTMLElement>("session-id"),
  agents: element<HTMLElement>("agents"),
  log: element<HTMLOListElement>("log"),
  errors: element<HTMLParagraphElement>("errors"),
  compose: element<HTMLFormElement>("compose"),
  input: element<HTMLTextAreaElement>("input"),
  send: element<HTMLButtonElement>("send"),
  forget: element<HTMLButtonElement>("forget"),
};

/** The secret the form was given; the SDK asks for it on every (re)connect. */
let currentSecret = "";

const client = new DuplexConnectorClient({
  baseUrl: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`,
  // Sent as the first message with the last session id, so a reconnect resumes.
  secret: () => currentSecret,
  reconnect: { maxAttempts: Number.POSITIVE_INFINITY, maxDelayMs: 10_000 },
});

let socket: ChatSocket | undefined;
/** Agent replies on screen, by message id and agent. */
const replies = new Map<string, Reply>();

interface Reply {
  text: HTMLElement;
  meta: HTMLElement;
}

function setState(state: string, text: string): void {
  ui.state.dataset.state = state;
  ui.state.textContent = text;
}

function showError(text: string): void {
  ui.errors.textContent = text;
}

function setReady(ready: boolean): void {
  ui.send.disabled = !ready;
}

function bubble(role: "user" | "agent", who: string, text: string): Reply {
  const item = document.createElement("li");
  item.className = role;
  const label = document.createElement("span");
  label.className = "who";
  label.textContent = who;
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = text;
  const meta = document.createElement("div");
  meta.className = "meta";
  item.append(label, body, meta);
  ui.log.append(item);
  item.scrollIntoView({ block: "end" });
  return { text: body, meta };
}

function replyFor(id: string, agent: string): Reply {
  const key = `${id}\u0000${agent}`;
  let reply = replies.get(key);
  if (reply === undefined) {
    reply = bubble("agent", agent, "");
    replies.set(key, reply);
  }
  return reply;
}

function usageText(usage: TokenUsage): string {
  const estimated = usage.estimated === true ? " (estimated)" : "";
  return `${usage.prompt_tokens} prompt + ${usage.candidates_tokens} completion = ${usage.total_tokens} tokens${estimated}`;
}

function finish(reply: Reply, status: string, usage: TokenUsage | undefined, error: string | undefined): void {
  reply.meta.replaceChildren();
  const parts = [status];
  if (usage !== undefined) {
    parts.push(usageText(usage));
  }
  if (error !== undefined) {
    parts.push(error);
  }
  const line = document.createElement("span");
  line.className = "usage";
  line.textContent = parts.join(" · ");
  reply.meta.append(line);
}

function errorText(error: ReplyError | undefined): string | undefined {
  return error === undefined ? undefined : `${error.code}: ${error.message}`;
}

function showHistory(entries: HistoryEntry[]): void {
  ui.log.replaceChildren();
  replies.clear();
  for (const entry of entries) {
    if (entry.role === "user") {
      bubble("user", "you", entry.text);
      continue;
    }
    const reply = replyFor(entry.message_id, entry.agent ?? "agent");
    reply.text.textContent = entry.text;
    finish(reply, entry.status ?? "completed", entry.token_usage, entry.error);
  }
}

function connect(secret: string): void {
  socket?.close();
  ui.authForm.hidden = true;
  ui.chat.hidden = false;
  setReady(false);
  setState("connecting", "connecting…");
  currentSecret = secret;
  // After a page reload, resume the session this tab had; the SDK resumes by itself
  // on every later reconnect.
  // The spec's address is `/ws`; this page's connector may be mounted elsewhere.
  const chat = client.chat.connect({
    address: connectorPath,
    sessionId: sessionStorage.getItem(sessionKey) ?? undefined,
  });
  socket = chat;
  chat.on("open", () => setState("connecting", "authenticating…"));
  chat.on("connected", (connected) => {
    const previous = sessionStorage.getItem(sessionKey);
    sessionStorage.setItem(sessionKey, connected.session_id);
    ui.sessionId.textContent = connected.session_id;
    ui.agents.textContent = connected.agents.join(", ");
    setState("connected", connected.resumed === true ? "connected (session resumed)" : "connected");
    if (previous !== null && previous !== connected.session_id) {
      showError("the previous session has expired; this is a new one");
    }
    setReady(true);
    chat.sendHistoryRequest({});
  });
  chat.on("history", (history) => showHistory(history.entries));
  chat.on("streamStart", (start) => {
    const reply = replyFor(start.id, start.agent);
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "cancel";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", () => {
      cancel.disabled = true;
      chat.sendCancel({ id: start.id });
    });
    const streaming = document.createElement("span");
    streaming.textContent = "streaming…";
    reply.meta.replaceChildren(streaming, cancel);
  });
  chat.on("streamChunk", (chunk) => {
    replyFor(chunk.id, chunk.agent).text.textContent += chunk.chunk;
  });
  chat.on("streamEnd", (end) => {
    const reply = replyFor(end.id, end.agent);
    reply.text.textContent = end.full_response;
    finish(reply, end.status, end.token_usage, errorText(end.error));
  });
  chat.on("response", (response) => {
    const reply = replyFor(response.id, response.agent);
    reply.text.textContent = response.response;
    finish(reply, response.status, response.token_usage, errorText(response.error));
  });
  chat.on("error", (error) => {
    const about = error.agent === undefined ? "" : ` (${error.agent})`;
    showError(`${error.code}${about}: ${error.message}`);
    if (error.code === "unauthorized") {
      forget(`${error.code}: ${error.message}; enter the secret again`);
    } else if (error.code === "session_expired") {
      sessionStorage.removeItem(sessionKey);
    }
  });
  chat.on("close", (info) => {
    setReady(false);
    if (info.willReconnect) {
      setState("reconnecting", "disconnected, reconnecting…");
    } else if (socket === chat) {
      // A close code the spec says not to retry (4001) comes with the reason and what to do.
      const why = info.error?.message ?? info.reason;
      setState("closed", `disconnected${why === "" ? "" : `: ${why}`}`);
    }
  });
  chat.on("reconnecting", (attempt) => {
    setState("reconnecting", `reconnecting (attempt ${attempt.attempt}, in ${Math.round(attempt.delayMs / 100) / 10} s)…`);
  });
  chat.on("socketError", (error) => {
    ui.state.title = error.message;
  });
}

function forget(reason: string): void {
  sessionStorage.removeItem(secretKey);
  const closing = socket;
  socket = undefined;
  closing?.close();
  setReady(false);
  setState("closed", "not connected");
  ui.chat.hidden = true;
  ui.authForm.hidden = false;
  showError(reason);
  ui.secret.focus();
}

let sent = 0;

ui.compose.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.input.value.trim();
  if (text === "" || socket === undefined || ui.send.disabled) {
    return;
  }
  sent += 1;
  const id = `web-${Date.now().toString(36)}-${sent}`;
  bubble("user", "you", text);
  showError("");
  socket.sendMessage({ id, payload: { message: text } });
  ui.input.value = "";
});

ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    ui.compose.requestSubmit();
  }
});

ui.authForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const secret = ui.secret.value;
  sessionStorage.setItem(secretKey, secret);
  ui.secret.value = "";
  showError("");
  connect(secret);
});

ui.forget.addEventListener("click", () => {
  sessionStorage.removeItem(sessionKey);
  forget("");
});

const remembered = sessionStorage.getItem(secretKey);
if (remembered === null) {
  ui.authForm.hidden = false;
  ui.secret.focus();
} else {
  connect(remembered);
}
