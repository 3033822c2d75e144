/**
 * The TypeScript SDK against a real `duplex serve` (see `server.ts`): the README
 * walkthrough, streamed and whole replies, cancel, resume after the server is killed
 * and restarted, and every error code a client can cause.
 * Run by scripts/test-sdks.sh: tsc -p test/tsconfig.json, then node --test.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { WebSocket as NodeWebSocket } from "ws";

import {
  type ChatSocket,
  type CloseInfo,
  DuplexConnectorClient,
  type DuplexConnectorClientOptions,
  ServerClosedError,
} from "../src/index.js";
import { SECRET, Server } from "./server.js";
import { walkthrough } from "./walkthrough.js";

let server: Server;

before(async () => {
  server = await Server.start();
});

after(async () => {
  await server.stop();
});

const FAST = { initialDelayMs: 50, maxDelayMs: 300, maxAttempts: 60 };

function client(
  prefix = "",
  options: DuplexConnectorClientOptions = {},
): DuplexConnectorClient {
  return new DuplexConnectorClient({
    baseUrl: `${server.url}${prefix}`,
    secret: SECRET,
    reconnect: FAST,
    ...options,
  });
}

/** The code block under `## Walkthrough` in the README. */
function readmeWalkthrough(): string {
  const readme = readFileSync(
    new URL("../../../README.md", import.meta.url),
    "utf8",
  );
  const section = readme.slice(readme.indexOf("## Walkthrough"));
  const found = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(
    found?.[1] !== undefined,
    "the README has a ts code block under ## Walkthrough",
  );
  return found[1];
}

/** The lines between the markers of walkthrough.ts, dedented, behind the README's import. */
function testedWalkthrough(): string {
  const source = readFileSync(
    new URL("../../walkthrough.ts", import.meta.url),
    "utf8",
  );
  const lines = source.split("\n");
  const start = lines.findIndex((l) => l.includes("// walkthrough:start"));
  const end = lines.findIndex((l) => l.includes("// walkthrough:end"));
  const body = lines.slice(start + 1, end).map((l) => l.replace(/^ {2}/, ""));
  return `import { DuplexConnectorClient } from "@duplex/connector";\n\n${body.join("\n")}\n`;
}

describe("walkthrough", () => {
  it("is the README's, line for line", () => {
    assert.equal(readmeWalkthrough(), testedWalkthrough());
  });

  it("runs against the server", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) =>
      lines.push(args.map(String).join(" "));
    try {
      await walkthrough(server.url, SECRET);
    } finally {
      console.log = log;
    }
    assert.match(lines[0] ?? "", /^session \S+ agents echo$/);
    const chunks = lines
      .filter((l) => l.startsWith("chunk "))
      .map((l) => l.slice(6));
    assert.equal(chunks.join(""), "What is the weather like today?");
    assert.match(
      lines.find((l) => l.startsWith("tokens")) ?? "",
      /^tokens \d+$/,
    );
    assert.ok(lines.includes("status cancelled"), lines.join("\n"));
    assert.ok(lines.includes("resumed true true"), lines.join("\n"));
  });
});

describe("replies", () => {
  it("streams chunks, then a stream_end with the whole text and usage", async () => {
    const socket = client().chat.connect();
    try {
      await socket.waitFor("connected");
      socket.sendMessage({ id: "s-1", payload: { message: "one two three" } });
      const ack = await socket.waitFor("ack", (a) => a.id === "s-1");
      assert.equal(ack.message_number, 1);
      const chunks: string[] = [];
      let end;
      for await (const event of socket.until((e) => e.type === "stream_end")) {
        if (event.type === "stream_chunk") chunks.push(event.chunk);
        if (event.type === "stream_end") end = event;
      }
      assert.equal(chunks.join(""), "one two three");
      assert.equal(end?.full_response, "one two three");
      assert.equal(end?.status, "completed");
      assert.ok((end?.token_usage.total_tokens ?? 0) > 0);
    } finally {
      socket.close();
    }
  });

  it("answers whole with one response when the connector does not stream", async () => {
    const socket = client("/plain").chat.connect();
    try {
      await socket.waitFor("connected");
      socket.sendMessage({ id: "p-1", payload: { message: "all at once" } });
      const response = await socket.waitFor("response");
      assert.equal(response.id, "p-1");
      assert.equal(response.response, "all at once");
      assert.equal(response.agent, "echo");
      assert.equal(response.status, "completed");
    } finally {
      socket.close();
    }
  });

  it("connects to a connector mounted at another path (the address override)", async () => {
    const socket = client().chat.connect({ address: "/chat/support" });
    try {
      await socket.waitFor("connected");
      socket.sendMessage({ id: "m-1", payload: { message: "elsewhere" } });
      // Only the `/chat/support` connector answers whole: `/ws` streams.
      const response = await socket.waitFor("response");
      assert.equal(response.response, "elsewhere");
    } finally {
      socket.close();
    }
  });

  it("cancels a running reply", async () => {
    const socket = client().chat.connect();
    try {
      await socket.waitFor("connected");
      socket.sendMessage({
        id: "c-1",
        payload: { message: "word ".repeat(100) },
      });
      await socket.waitFor("streamChunk", (c) => c.id === "c-1");
      socket.sendCancel({ id: "c-1" });
      const end = await socket.waitFor("streamEnd", (e) => e.id === "c-1");
      assert.equal(end.status, "cancelled");
      assert.ok(end.full_response.length < "word ".repeat(100).length);
    } finally {
      socket.close();
    }
  });
});

describe("resume", () => {
  it("resumes the same session, history intact, after the server is killed and restarted", async () => {
    const socket = client().chat.connect();
    try {
      const first = await socket.waitFor("connected");
      assert.equal(first.resumed ?? false, false);
      socket.sendMessage({ id: "r-1", payload: { message: "remember me" } });
      await socket.waitFor("streamEnd", (e) => e.id === "r-1");
      const reconnected = socket.waitFor(
        "connected",
        (c) => c.session_id === first.session_id,
      );
      await server.restart();
      const again = await reconnected;
      assert.equal(again.resumed, true);
      assert.equal(socket.sessionId, first.session_id);
      socket.sendHistoryRequest({});
      const history = await socket.waitFor("history");
      assert.equal(history.session_id, first.session_id);
      const texts = history.entries.map((e) => `${e.role}:${e.text}`);
      assert.deepEqual(texts, ["user:remember me", "agent:remember me"]);
    } finally {
      socket.close();
    }
  });
});

describe("close codes", () => {
  it("a wrong secret fails once, with 4001, even when reconnecting is on", async () => {
    const socket = client("", { secret: "wrong" }).chat.connect();
    let reconnects = 0;
    socket.on("reconnecting", () => {
      reconnects += 1;
    });
    const closed = new Promise<CloseInfo>((resolve) =>
      socket.on("close", resolve),
    );
    const error = socket.waitFor("error");
    const isUnauthorized = (e: unknown) =>
      e instanceof ServerClosedError &&
      e.code === 4001 &&
      e.reason === "unauthorized" &&
      e.description !== undefined &&
      e.message.includes("4001 (unauthorized), which is not retried");
    await assert.rejects(socket.waitFor("connected"), isUnauthorized);
    assert.equal((await error).code, "unauthorized", "the error event first");
    const info = await closed;
    assert.equal(info.willReconnect, false);
    assert.ok(isUnauthorized(info.error));
    assert.equal(reconnects, 0);
    assert.equal(socket.readyState, "closed");
    assert.throws(
      () => socket.sendMessage({ payload: { message: "hi" } }),
      isUnauthorized,
    );
  });
});

/** A `ws` WebSocket that swallows its first frame: the auth message never arrives. */
class MuteFirstFrame extends NodeWebSocket {
  #muted = false;
  override send(data: unknown, ...rest: never[]): void {
    if (!this.#muted) {
      this.#muted = true;
      return;
    }
    super.send(data as string, ...rest);
  }
}

interface Case {
  code: string;
  prefix?: string;
  options?: DuplexConnectorClientOptions;
  /** The close code when the server closes the connection after the error. */
  close?: number;
  /** False when no `connected` comes first (auth failed). */
  authenticates?: boolean;
  act?: (socket: ChatSocket) => Promise<void> | void;
}

const CASES: Case[] = [
  {
    code: "unauthorized",
    options: { secret: "wrong" },
    close: 4001,
    authenticates: false,
  },
  {
    code: "auth_timeout",
    prefix: "/strict",
    options: {
      WebSocket: MuteFirstFrame as never,
      webSocketSupportsHeaders: true,
    },
    close: 4002,
    authenticates: false,
  },
  { code: "invalid_json", act: (s) => s.sendRaw("{not json") },
  { code: "invalid_message", act: (s) => s.send({ type: "nope" } as never) },
  {
    code: "message_too_large",
    prefix: "/strict",
    close: 4005,
    act: (s) => s.sendMessage({ payload: { message: "x".repeat(4096) } }),
  },
  {
    code: "session_limit_reached",
    prefix: "/limited",
    close: 4003,
    act: async (s) => {
      for (const id of ["l-1", "l-2"]) {
        s.sendMessage({ id, payload: { message: "short" } });
        await s.waitFor("streamEnd", (e) => e.id === id);
      }
      s.sendMessage({ id: "l-3", payload: { message: "one too many" } });
    },
  },
  {
    code: "busy",
    prefix: "/strict",
    act: (s) => {
      s.sendMessage({ id: "b-1", payload: { message: "running" } });
      s.sendMessage({ id: "b-2", payload: { message: "rejected" } });
    },
  },
  { code: "session_expired", prefix: "/expiring", close: 4004 },
  {
    code: "unknown_agent",
    act: (s) => s.sendMessage({ payload: { message: "hi", agent: "nobody" } }),
  },
  {
    code: "agent_error",
    prefix: "/failing",
    act: (s) =>
      s.sendMessage({ payload: { message: "a b c", agent: "broken" } }),
  },
  {
    code: "agent_timeout",
    prefix: "/failing",
    act: (s) => s.sendMessage({ payload: { message: "zzz", agent: "sleepy" } }),
  },
];

describe("errors", () => {
  for (const c of CASES) {
    it(`surfaces ${c.code} as a typed error event${c.close === undefined ? "" : `, then close ${c.close}`}`, async () => {
      const socket = client(c.prefix, {
        reconnect: { enabled: false },
        ...c.options,
      }).chat.connect();
      const closed = new Promise<CloseInfo>((resolve) =>
        socket.on("close", resolve),
      );
      try {
        if (c.authenticates !== false) {
          await socket.waitFor("connected");
        }
        const error = socket.waitFor("error", (e) => e.code === c.code);
        await c.act?.(socket);
        const received = await error;
        assert.equal(received.type, "error");
        assert.ok(received.message.length > 0);
        if (c.close !== undefined) {
          const code = (await closed).code;
          // The server cannot read past an oversized frame, and its close frame may be
          // lost in a reset (the connector's known FIXME): then the socket sees 1006.
          const expected =
            c.code === "message_too_large" ? [c.close, 1006] : [c.close];
          assert.ok(
            expected.includes(code),
            `close ${code}, expected ${expected.join(" or ")}`,
          );
        }
      } finally {
        socket.close();
      }
    });
  }
});
