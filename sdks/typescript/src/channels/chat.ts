// The `chat` channel of the Duplex connector API, generated from its definition. Do not edit.

import * as runtime from "../runtime/index.js";
import type { DuplexConnectorClientOptions } from "../client.js";
import { AUTH_SCHEMES, baseUrl } from "../connection.js";
import type { Ack, Auth, Cancel, Connected, Error, History, HistoryRequest, Message, Ping, Pong, Response, ShortMessage, StreamChunk, StreamEnd, StreamStart } from "../types.js";

/** Every message the client sends on `chat`. */
export type ChatSendMessage = Auth | Message | ShortMessage | Cancel | Ping | HistoryRequest;

/** Every message the client receives on `chat`. */
export type ChatReceiveMessage = Connected | Pong | History | Ack | StreamStart | StreamChunk | StreamEnd | Response | Error;

/** The events of a {@link ChatSocket}: the runtime's (`open`, `message`, `unknown`, `binary`, `socketError`, `close`, `reconnecting`) plus one per received message, named after it. */
export interface ChatSocketEvents extends Omit<runtime.SocketEvents<ChatReceiveMessage>, "error"> {
  /** The runtime's `error` event, renamed because a message takes its name. */
  socketError: runtime.SocketEvents<ChatReceiveMessage>["error"];
  /**
   * Connected
   *
   * The session is ready.
   */
  connected: [Connected];
  /**
   * Pong
   *
   * The answer to `ping`.
   */
  pong: [Pong];
  /**
   * History
   *
   * The session's stored history, oldest first.
   */
  history: [History];
  /**
   * Ack
   *
   * The message was received and stored, with its number in the session.
   */
  ack: [Ack];
  /**
   * Stream start
   *
   * An agent starts its streamed reply.
   */
  streamStart: [StreamStart];
  /**
   * Stream chunk
   *
   * The next piece of an agent's streamed reply.
   */
  streamChunk: [StreamChunk];
  /**
   * Stream end
   *
   * An agent's streamed reply ended, with its full text and token usage.
   */
  streamEnd: [StreamEnd];
  /**
   * Response
   *
   * An agent's whole reply, when the connector does not stream.
   */
  response: [Response];
  /**
   * Error
   *
   * Something went wrong; `code` says what, `retryable` whether to try again.
   */
  error: [Error];
}

/** The arguments of `connect()` on `chat`: its parameters, and callbacks registered before the first connection. */
export interface ChatConnectArgs extends runtime.ConnectCallbacks<ChatReceiveMessage> {
  /** Connect to this path instead of the spec's address `/ws`, for a channel mounted elsewhere (`/chat/support`); relative to the client's base URL. */
  address?: string;
  /** Resumes this `session_id` (from an earlier `connected` message) on the first connect. Later reconnects always resume the latest one by themselves. */
  sessionId?: string;
  /**
   * The connector's secret, instead of sending it as the first message.
   *
   * Query parameter `secret`.
   */
  secret?: string;
  /**
   * The connector's secret.
   *
   * Header `X-Connic-Secret`.
   */
  xConnicSecret?: string;
  /**
   * `Bearer <secret>`.
   *
   * Header `Authorization`.
   */
  authorization?: string;
}

/** A reconnecting socket on `chat`. Sends made while (re)connecting are queued and flushed in order; received messages arrive as typed events, and through `for await`. */
export class ChatSocket extends runtime.Socket<ChatSendMessage, ChatReceiveMessage, ChatSocketEvents> {
  /** The `session_id` the next (re)connect resumes: the latest `connected` message's, else the one given to `connect()`; `undefined` before either. */
  get sessionId(): string | undefined {
    return this.resumeValue;
  }

  /**
   * Auth
   *
   * Must come within the auth timeout (10 s by default) when the connector requires
   * auth and no secret came with the upgrade request. A wrong secret gets an
   * `unauthorized` error and the connection closes. With `session_id` of a session that
   * has not expired, the reply is `connected` with the same id and `resumed: true`;
   * otherwise a fresh session with `resumed: false`.
   *
   * Sends a `auth` message.
   */
  sendAuth(message: Auth): void {
    this.send(message);
  }

  /**
   * Message
   *
   * `id` is optional; when missing the server assigns one and uses it in every event
   * about this message. Without `payload.agent`, every agent of the connector answers.
   *
   * Sends a `message` message.
   */
  sendMessage(message: Omit<Message, "type"> & { type?: "message" }): void {
    this.send({ ...message, type: "message" });
  }

  /**
   * Short message
   *
   * A chat message in the short form: `{"message": "..."}`.
   *
   * Sends a `shortMessage` message.
   */
  sendShortMessage(message: ShortMessage): void {
    this.send(message);
  }

  /**
   * Cancel
   *
   * Each cancelled reply still ends with its `stream_end` (or `response`), with
   * `status: cancelled` and the text produced so far.
   *
   * Sends a `cancel` message.
   */
  sendCancel(message: Omit<Cancel, "type"> & { type?: "cancel" }): void {
    this.send({ ...message, type: "cancel" });
  }

  /**
   * Ping
   *
   * An application-level ping.
   *
   * Sends a `ping` message.
   */
  sendPing(message: Omit<Ping, "type"> & { type?: "ping" }): void {
    this.send({ ...message, type: "ping" });
  }

  /**
   * History request
   *
   * Asks for the current session's history; answered by `history`.
   *
   * Sends a `historyRequest` message.
   */
  sendHistoryRequest(message: Omit<HistoryRequest, "type"> & { type?: "history" }): void {
    this.send({ ...message, type: "history" });
  }
}

/**
 * One WebSocket connection is one session at a time. With `require_auth` on (the
 * default), the secret comes in the query (`?secret=`), in a header
 * (`X-Connic-Secret` or `Authorization: Bearer`), or as the first message (`auth`).
 *
 * The `chat` channel (`/ws`).
 */
export class ChatChannel {
  readonly #options: DuplexConnectorClientOptions;

  constructor(options: DuplexConnectorClientOptions) {
    this.#options = options;
  }

  /** Opens a socket. It connects at once, and reconnects on drops as the client's `reconnect` options say. */
  connect(args: ChatConnectArgs = {}): ChatSocket {
    const options = this.#options;
    if (options.secret === undefined) {
      throw new Error(`DuplexConnectorClient: the \`chat\` channel needs credentials; pass the \`secret\` option`);
    }
    return new ChatSocket({
      reconnect: options.reconnect,
      maxQueueSize: options.maxQueueSize,
      logger: options.logger,
      WebSocket: options.WebSocket,
      webSocketSupportsHeaders: options.webSocketSupportsHeaders,
      callbacks: args,
      classify,
      lifecycle: { error: "socketError" },
      resume: { event: "connected", property: "session_id", field: "session_id", value: args.sessionId },
      closeCodes: {
        1000: { reconnect: false, description: "Normal closure; the client closed and the server answered." },
        1001: { reconnect: true, description: "The server is shutting down; resume on another node or when it is back." },
        4001: { reconnect: false, description: "The secret was missing or wrong; fix the secret before connecting again." },
        4002: { reconnect: true, description: "No valid auth came within the auth timeout." },
        4003: { reconnect: true, description: "The session holds its most messages; continue in a new session." },
        4004: { reconnect: true, description: "The session was idle past the session timeout; continue in a new session." },
        4005: { reconnect: true, description: "A frame or message was over the size limit; do not resend that message." },
        4006: { reconnect: true, description: "The client did not read its events fast enough." },
        4007: { reconnect: true, description: "The peer answered no ping within the ping timeout." },
        4008: { reconnect: true, description: "The server failed (its store, usually); resume after a backoff." },
      },
      target: async (transport) => {
        const target = runtime.newTarget(baseUrl(options), "/ws", {}, args.address);
        runtime.addQuery(target, "secret", args.secret);
        for (const [name, value] of Object.entries(options.headers ?? {})) {
          runtime.addHeader(target, name, value);
        }
        runtime.addHeader(target, "X-Connic-Secret", args.xConnicSecret);
        runtime.addHeader(target, "Authorization", args.authorization);
        if (options.secret !== undefined) {
          await runtime.applyAuth(target, AUTH_SCHEMES.secret, options.secret, transport.supportsHeaders);
        }
        return target;
      },
    });
  }
}

/** Tells a received JSON value apart: by the field the spec fixes for each message, else by its shape. `undefined` means unknown. */
function classify(data: unknown): runtime.Classified | undefined {
  if (runtime.fieldIs(data, "type", "connected")) {
    return { event: "connected", message: data };
  }
  if (runtime.fieldIs(data, "type", "pong")) {
    return { event: "pong", message: data };
  }
  if (runtime.fieldIs(data, "type", "history")) {
    return { event: "history", message: data };
  }
  if (runtime.fieldIs(data, "type", "ack")) {
    return { event: "ack", message: data };
  }
  if (runtime.fieldIs(data, "type", "stream_start")) {
    return { event: "streamStart", message: data };
  }
  if (runtime.fieldIs(data, "type", "stream_chunk")) {
    return { event: "streamChunk", message: data };
  }
  if (runtime.fieldIs(data, "type", "stream_end")) {
    return { event: "streamEnd", message: data };
  }
  if (runtime.fieldIs(data, "type", "response")) {
    return { event: "response", message: data };
  }
  if (runtime.fieldIs(data, "type", "error")) {
    return { event: "error", message: data };
  }
  return undefined;
}
