/**
 * Tests the runtime against a real `ws` server on a random port: dispatch, queueing,
 * first-message auth, reconnect with fresh credentials, and the ways a socket ends.
 */

import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { afterEach, describe, it } from "node:test";
import { WebSocketServer, type WebSocket } from "ws";

import {
  addHeader,
  addQuery,
  applyAuth,
  expandUrl,
  newTarget,
  QueueFullError,
  ServerClosedError,
  Socket,
  SocketClosedError,
  type AuthScheme,
  type Classified,
  type CloseInfo,
  type SocketConfig,
  type SocketError,
  type SocketEvents,
} from "../src/index.js";

type Out = { type: "say"; text: string };
type Ping = { type: "ping"; n: number };
type In = Ping;
interface Events extends SocketEvents<In> {
  ping: [Ping];
}

function classify(data: unknown): Classified | undefined {
  if (
    typeof data === "object" &&
    data !== null &&
    (data as { type?: unknown }).type === "ping"
  ) {
    return { event: "ping", message: data };
  }
  return undefined;
}

/** A server that records every connection's request and received messages. */
class TestServer {
  readonly wss: WebSocketServer;
  readonly requests: IncomingMessage[] = [];
  readonly received: string[] = [];
  readonly sockets: WebSocket[] = [];
  onConnection: (ws: WebSocket) => void = () => {};

  private constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on("connection", (ws, request) => {
      this.requests.push(request);
      this.sockets.push(ws);
      ws.on("message", (data) => this.received.push(String(data)));
      this.onConnection(ws);
    });
  }

  static async start(): Promise<TestServer> {
    const wss = new WebSocketServer({ port: 0 });
    await new Promise<void>((resolve) => wss.once("listening", resolve));
    return new TestServer(wss);
  }

  get url(): string {
    const address = this.wss.address();
    assert(typeof address === "object" && address !== null);
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const ws of this.wss.clients) {
      ws.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

const servers: TestServer[] = [];
const sockets: Socket<Out, In, Events>[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    socket.close();
  }
  for (const server of servers.splice(0)) {
    await server.stop();
  }
});

async function server(): Promise<TestServer> {
  const s = await TestServer.start();
  servers.push(s);
  return s;
}

function socket(
  config: Partial<SocketConfig<In>> & Pick<SocketConfig<In>, "target">,
): Socket<Out, In, Events> {
  const s = new Socket<Out, In, Events>({
    classify,
    reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
    ...config,
  });
  sockets.push(s);
  return s;
}

/** Resolves once `predicate` holds, polling; fails after two seconds. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!predicate()) {
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function once<T>(register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

describe("target", () => {
  it("fills server variables and names a missing one", () => {
    assert.equal(
      expandUrl("wss://{region}.example.com:{port}", {
        region: "eu",
        port: "443",
      }),
      "wss://eu.example.com:443",
    );
    assert.throws(
      () => expandUrl("wss://{region}.example.com", {}),
      /server variable `region` .* pass it in the `variables` client option/,
    );
  });

  it("builds ws URLs with encoded path and query parameters", () => {
    const target = newTarget("https://api.example.com/v1/", "/rooms/{id}", {
      id: "a b/c",
    });
    addQuery(target, "tags", ["x", "y"]);
    addQuery(target, "skip", undefined);
    addQuery(target, "filter", { a: 1 });
    addHeader(target, "X-Count", 3);
    assert.equal(
      target.url,
      "wss://api.example.com/v1/rooms/a%20b%2Fc?tags=x&tags=y&filter=%7B%22a%22%3A1%7D",
    );
    assert.deepEqual(target.headers, { "X-Count": "3" });
    assert.throws(
      () => newTarget("ws://h", "/rooms/{id}", {}),
      /missing path parameter `id`/,
    );
  });

  it("connects to the caller's address override instead of the spec's", () => {
    const moved = newTarget("http://h:8080/", "/ws", {}, "/chat/support");
    assert.equal(moved.url, "ws://h:8080/chat/support");
    // The override is taken as it is: the spec's placeholders do not apply to it.
    const rooms = newTarget("ws://h", "/rooms/{id}", {}, "/rooms/{x}");
    assert.equal(rooms.url, "ws://h/rooms/{x}");
    assert.throws(
      () => newTarget("ws://h", "/ws", {}, "ws://other/chat"),
      /override `ws:\/\/other\/chat` is not a path: .*baseUrl/,
    );
  });

  it("falls back from a header to the declared query carrier without header support", async () => {
    const scheme: AuthScheme = {
      name: "apiKey",
      kind: "api_key",
      carriers: [
        { in: "header", name: "X-Key", prefix: "Key " },
        { in: "query", name: "key" },
      ],
    };
    const node = newTarget("ws://h", "/", {});
    await applyAuth(node, scheme, async () => "s3cret", true);
    assert.deepEqual(node.headers, { "X-Key": "Key s3cret" });
    const browser = newTarget("ws://h", "/", {});
    await applyAuth(browser, scheme, "s3cret", false);
    assert.equal(browser.url, "ws://h?key=s3cret");
    assert.deepEqual(browser.headers, {});
  });

  it("uses subprotocols and first messages, and names a header-only scheme it cannot send", async () => {
    const target = newTarget("ws://h", "/", {});
    await applyAuth(
      target,
      { name: "p", kind: "bearer", carriers: [{ in: "subprotocol" }] },
      "tok",
      false,
    );
    await applyAuth(
      target,
      {
        name: "f",
        kind: "basic",
        carriers: [{ in: "first_message", field: "auth" }],
      },
      { username: "u", password: "p" },
      false,
    );
    assert.deepEqual(target.protocols, ["tok"]);
    assert.deepEqual(target.firstMessage, { auth: "dTpw" });
    await assert.rejects(
      applyAuth(
        target,
        {
          name: "hdr",
          kind: "bearer",
          carriers: [{ in: "header", name: "Authorization" }],
        },
        "t",
        false,
      ),
      /auth scheme `hdr` can only be sent in a header/,
    );
  });
});

describe("socket", () => {
  it("dispatches typed events, unknown messages and non-JSON errors to every handler", async () => {
    const srv = await server();
    srv.onConnection = (ws) => {
      ws.send(JSON.stringify({ type: "ping", n: 1 }));
      ws.send(JSON.stringify({ type: "mystery" }));
      ws.send("not json");
    };
    const pings: number[] = [];
    const all: In[] = [];
    const unknown: unknown[] = [];
    const errors: SocketError[] = [];
    const s = socket({
      target: async () => newTarget(srv.url, "/", {}),
      callbacks: {
        onMessage: (m) => all.push(m),
        onError: (e) => errors.push(e),
      },
    });
    const second = (m: Ping) => pings.push(m.n * 10);
    s.on("ping", (m) => pings.push(m.n)).on("ping", second);
    s.on("unknown", (m) => unknown.push(m));
    await s.waitForOpen();
    assert.equal(s.readyState, "open");
    await until(() => errors.length === 1, "the non-JSON error");
    assert.deepEqual(pings, [1, 10]);
    assert.deepEqual(all, [{ type: "ping", n: 1 }]);
    assert.deepEqual(unknown, [{ type: "mystery" }]);
    assert.equal(errors[0]?.data, "not json");
    s.off("ping", second);
    srv.sockets[0]?.send(JSON.stringify({ type: "ping", n: 2 }));
    await until(() => all.length === 2, "the second ping");
    assert.deepEqual(pings, [1, 10, 2]);
  });

  it("sends the first message before queued sends, in order, with headers", async () => {
    const srv = await server();
    const s = socket({
      target: async () => {
        const target = newTarget(srv.url, "/room/{id}", { id: 7 });
        addHeader(target, "X-Trace", "t1");
        target.firstMessage = { secret: "k" };
        return target;
      },
    });
    s.send({ type: "say", text: "one" });
    s.send({ type: "say", text: "two" });
    await s.waitForOpen();
    await until(() => srv.received.length === 3, "three messages");
    assert.deepEqual(
      srv.received.map((m) => JSON.parse(m)),
      [
        { secret: "k" },
        { type: "say", text: "one" },
        { type: "say", text: "two" },
      ],
    );
    assert.equal(srv.requests[0]?.url, "/room/7");
    assert.equal(srv.requests[0]?.headers["x-trace"], "t1");
  });

  it("reconnects after a drop, asks for auth again, and flushes queued sends in order", async () => {
    const srv = await server();
    let authCalls = 0;
    const scheme: AuthScheme = {
      name: "token",
      kind: "bearer",
      carriers: [{ in: "header", name: "Authorization", prefix: "Bearer " }],
    };
    const s = socket({
      target: async (transport) => {
        const target = newTarget(srv.url, "/", {});
        await applyAuth(
          target,
          scheme,
          async () => `t${++authCalls}`,
          transport.supportsHeaders,
        );
        return target;
      },
    });
    await s.waitForOpen();
    const reconnecting = once<void>((resolve) =>
      s.on("reconnecting", () => resolve()),
    );
    srv.sockets[0]?.terminate();
    await reconnecting;
    assert.equal(s.readyState, "reconnecting");
    s.send({ type: "say", text: "a" });
    s.send({ type: "say", text: "b" });
    await s.waitForOpen();
    await until(() => srv.received.length === 2, "the queued sends");
    assert.deepEqual(
      srv.received.map((m) => JSON.parse(m).text),
      ["a", "b"],
    );
    assert.equal(authCalls, 2);
    assert.deepEqual(
      srv.requests.map((r) => r.headers.authorization),
      ["Bearer t1", "Bearer t2"],
    );
  });

  it("does not reconnect after close(), a normal close, or a terminal close code", async () => {
    for (const how of ["client", 1000, 1008] as const) {
      const srv = await server();
      const s = socket({ target: async () => newTarget(srv.url, "/", {}) });
      await s.waitForOpen();
      const closed = once<boolean>((resolve) =>
        s.on("close", (info) => resolve(info.willReconnect)),
      );
      if (how === "client") {
        s.close();
        assert.equal(s.readyState, "closing");
      } else {
        srv.sockets[0]?.close(how, "bye");
      }
      assert.equal(await closed, false, `close by ${how}`);
      assert.equal(s.readyState, "closed");
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(srv.requests.length, 1, `no reconnect after ${how}`);
      assert.throws(
        () => s.send({ type: "say", text: "late" }),
        SocketClosedError,
      );
      await assert.rejects(s.waitForOpen(), SocketClosedError);
    }
  });

  it("ends for good, with a typed error, on a close code the API says not to retry", async () => {
    const srv = await server();
    srv.onConnection = (ws) => {
      ws.send(JSON.stringify({ type: "ping", n: 1 }));
      ws.close(4001, "unauthorized");
    };
    const s = socket({
      target: async () => newTarget(srv.url, "/", {}),
      reconnect: { initialDelayMs: 1, jitter: 0 },
      closeCodes: {
        4001: { reconnect: false, description: "Fix the secret." },
        4002: { reconnect: true },
      },
    });
    const closed = once<CloseInfo>((resolve) => s.on("close", resolve));
    const seen: In[] = [];
    const iterated = (async () => {
      for await (const m of s) {
        seen.push(m);
      }
    })();
    const isUnauthorized = (error: unknown) =>
      error instanceof ServerClosedError &&
      error instanceof SocketClosedError &&
      error.code === 4001 &&
      error.reason === "unauthorized" &&
      error.description === "Fix the secret." &&
      error.message.endsWith(
        "4001 (unauthorized), which is not retried: Fix the secret.",
      );
    await assert.rejects(iterated, isUnauthorized);
    const info = await closed;
    assert.equal(info.willReconnect, false);
    assert.ok(isUnauthorized(info.error));
    assert.deepEqual(
      seen,
      [{ type: "ping", n: 1 }],
      "what came before the close",
    );
    assert.equal(srv.requests.length, 1, "no reconnect");
    assert.throws(() => s.send({ type: "say", text: "late" }), isUnauthorized);
    await assert.rejects(s.waitForOpen(), isUnauthorized);
    await assert.rejects(s.waitFor("ping"), isUnauthorized);
  });

  it("reconnects after a close code the API says to retry", async () => {
    const srv = await server();
    srv.onConnection = (ws) => {
      if (srv.sockets.length === 1) {
        ws.close(4002, "auth timeout");
      }
    };
    const s = socket({
      target: async () => newTarget(srv.url, "/", {}),
      reconnect: { initialDelayMs: 1, jitter: 0 },
      closeCodes: { 4001: { reconnect: false }, 4002: { reconnect: true } },
    });
    let opens = 0;
    const reopened = once<void>((resolve) =>
      s.on("open", () => {
        opens += 1;
        if (opens === 2) {
          resolve();
        }
      }),
    );
    const first = await once<CloseInfo>((resolve) => s.on("close", resolve));
    assert.equal(first.code, 4002);
    assert.equal(first.willReconnect, true);
    assert.equal(first.error, undefined);
    await reopened;
    assert.equal(srv.requests.length, 2);
    s.close();
  });

  it("gives up after maxAttempts and stops iterating", async () => {
    const srv = await server();
    const url = srv.url;
    await srv.stop();
    servers.length = 0;
    let attempts = 0;
    const s = socket({
      target: async () => {
        attempts += 1;
        return newTarget(url, "/", {});
      },
      reconnect: { maxAttempts: 2, initialDelayMs: 5, jitter: 1 },
    });
    const messages: In[] = [];
    for await (const m of s) {
      messages.push(m);
    }
    assert.deepEqual(messages, []);
    assert.equal(s.readyState, "closed");
    assert.equal(attempts, 3);
  });

  it("iterates over received messages with for await", async () => {
    const srv = await server();
    srv.onConnection = (ws) => {
      for (const n of [1, 2, 3]) {
        ws.send(JSON.stringify({ type: "ping", n }));
      }
    };
    const s = socket({ target: async () => newTarget(srv.url, "/", {}) });
    const seen: number[] = [];
    for await (const m of s) {
      seen.push(m.n);
      if (seen.length === 3) {
        break;
      }
    }
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it("resumes with the last value the resume event carried, in the first message", async () => {
    const srv = await server();
    let session = 0;
    srv.onConnection = (ws) =>
      ws.send(
        JSON.stringify({ type: "ping", n: ++session, sid: `s${session}` }),
      );
    const s = new Socket<Out, In, Events>({
      classify,
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
      resume: { event: "ping", property: "sid", field: "session", value: "s0" },
      target: async () => {
        const target = newTarget(srv.url, "/", {});
        target.firstMessage = { secret: "k" };
        return target;
      },
    });
    sockets.push(s);
    assert.equal(s.resumeValue, "s0");
    const first = await s.waitFor("ping");
    assert.equal(first.n, 1);
    assert.equal(s.resumeValue, "s1");
    await until(() => srv.received.length === 1, "the first message");
    srv.sockets[0]?.terminate();
    await s.waitFor("ping", (m) => m.n === 2);
    assert.equal(s.resumeValue, "s2");
    await until(() => srv.received.length === 2, "two first messages");
    assert.deepEqual(
      srv.received.map((m) => JSON.parse(m)),
      [
        { secret: "k", session: "s0" },
        { secret: "k", session: "s1" },
      ],
    );
  });

  it("emits its own events under new names when a message takes the name", async () => {
    const srv = await server();
    srv.onConnection = (ws) => ws.send(JSON.stringify({ type: "ping", n: 1 }));
    interface Renamed extends Omit<SocketEvents<In>, "error"> {
      error: [Ping];
      socketError: [SocketError];
    }
    const s = new Socket<Out, In, Renamed>({
      classify: (data) => {
        const c = classify(data);
        return c && { event: "error", message: c.message };
      },
      lifecycle: { error: "socketError" },
      target: async () => newTarget(srv.url, "/", {}),
    });
    const runtimeErrors: string[] = [];
    s.on("socketError", (e) => runtimeErrors.push(e.message));
    const message = await s.waitFor("error");
    assert.equal(message.n, 1);
    srv.sockets[0]?.send("not json");
    await until(() => runtimeErrors.length === 1, "the socketError event");
    assert.match(runtimeErrors[0] ?? "", /not JSON/);
    s.close();
    await assert.rejects(s.waitFor("error"), SocketClosedError);
  });

  it("iterates until a message marks the end, and waitFor rejects on a final close", async () => {
    const srv = await server();
    srv.onConnection = (ws) => {
      for (const n of [1, 2, 3, 4]) {
        ws.send(JSON.stringify({ type: "ping", n }));
      }
    };
    const s = socket({ target: async () => newTarget(srv.url, "/", {}) });
    const seen: number[] = [];
    for await (const m of s.until((m) => m.n === 3)) {
      seen.push(m.n);
    }
    assert.deepEqual(seen, [1, 2, 3]);
    const waiting = s.waitFor("ping", (m) => m.n === 99);
    s.close();
    await assert.rejects(waiting, SocketClosedError);
  });

  it("bounds the send queue", async () => {
    const s = socket({
      target: () => new Promise(() => {}),
      maxQueueSize: 2,
    });
    s.send({ type: "say", text: "1" });
    s.send({ type: "say", text: "2" });
    assert.throws(() => s.send({ type: "say", text: "3" }), QueueFullError);
    assert.equal(s.readyState, "connecting");
  });
});
