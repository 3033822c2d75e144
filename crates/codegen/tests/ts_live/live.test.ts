/**
 * Live tests of generated SDKs, built as published (`dist/`), against a `ws` server
 * that implements the seed Chat API, Fern's `realtime` channel, and the rooms fixture
 * (bearer auth, path and query parameters, `type`-tagged messages). Driven by
 * `crates/codegen/tests/ts_live.rs`, which generates and compiles the SDKs first.
 */

import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, describe, it } from "node:test";
import { WebSocketServer, type WebSocket } from "ws";

import {
  ChatApiClient,
  type ReceiveChat,
} from "../sdks/seed-chat/dist/index.js";
import {
  WebsocketClient,
  type ReceiveEvent2,
  type RealtimeReceiveEvent,
  type SocketError,
} from "../sdks/fern-websocket/dist/index.js";
import { RoomsClient, type Said } from "../sdks/rooms/dist/index.js";

/** One accepted connection, as the server saw it. */
interface Connection {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  ws: WebSocket;
  received: unknown[];
}

const connections: Connection[] = [];
let wss: WebSocketServer;
let baseUrl: string;

function reply(ws: WebSocket, value: unknown): void {
  ws.send(typeof value === "string" ? value : JSON.stringify(value));
}

/** Routes each connection to the API it belongs to, by path. */
function serve(connection: Connection): void {
  const { ws, path } = connection;
  if (path.startsWith("/rooms/")) {
    const nickname = connection.query.get("nickname") ?? "";
    if (!String(connection.headers.authorization ?? "").startsWith("Bearer ")) {
      ws.close(1008, "no token");
      return;
    }
    reply(ws, { type: "joined", nickname });
    let sequence = 0;
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as {
        type: string;
        text: string;
      };
      connection.received.push(message);
      sequence += 1;
      reply(ws, { type: "said", from: nickname, text: message.text, sequence });
    });
    return;
  }
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    connection.received.push(message);
    if (path === "/") {
      reply(ws, { message: `echo: ${String(message.message)}` });
    } else if (path.startsWith("/realtime/")) {
      reply(ws, { alpha: message.sendText, beta: message.sendParam });
      reply(ws, { gamma: "g", delta: 2, epsilon: true });
      reply(ws, { mystery: 1 });
      reply(ws, "not json");
    }
  });
}

before(async () => {
  wss = new WebSocketServer({ port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const address = wss.address();
  assert(typeof address === "object" && address !== null);
  baseUrl = `ws://127.0.0.1:${address.port}`;
  wss.on("connection", (ws, request) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const connection: Connection = {
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      ws,
      received: [],
    };
    connections.push(connection);
    serve(connection);
  });
});

after(async () => {
  for (const ws of wss.clients) {
    ws.terminate();
  }
  await new Promise<void>((resolve) => wss.close(() => resolve()));
});

function next<T>(register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!predicate()) {
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const reconnect = { initialDelayMs: 20, maxDelayMs: 100 };

describe("seed Chat API", () => {
  it("connects with its query parameter, sends typed messages and gets typed events", async () => {
    const client = new ChatApiClient({ baseUrl, reconnect });
    const opened: boolean[] = [];
    const viaCallback: ReceiveChat[] = [];
    const socket = client.root.connect({
      channelId: "123",
      onOpen: () => opened.push(true),
      onMessage: (message) => viaCallback.push(message),
    });
    // Sent before the socket opens: queued, then flushed.
    socket.sendChat({ message: "Hello, world!" });
    const first = next<ReceiveChat>((resolve) =>
      socket.on("receiveChat", resolve),
    );
    const second = next<ReceiveChat>((resolve) =>
      socket.on("receiveChat", resolve),
    );
    assert.deepEqual(await first, { message: "echo: Hello, world!" });
    assert.deepEqual(await second, { message: "echo: Hello, world!" });
    assert.deepEqual(opened, [true]);
    assert.deepEqual(viaCallback, [{ message: "echo: Hello, world!" }]);
    const connection = connections.find((c) => c.path === "/");
    assert.equal(connection?.query.get("channel_id"), "123");
    const closed = next<number>((resolve) =>
      socket.on("close", (info) => resolve(info.code)),
    );
    socket.close();
    assert.equal(await closed, 1000);
    assert.equal(socket.readyState, "closed");
  });
});

describe("Fern realtime channel", () => {
  it("connects with path and query parameters and dispatches each message by shape", async () => {
    const client = new WebsocketClient({ baseUrl, reconnect });
    const socket = client.realtime.connect({
      sessionId: "doc 123",
      model: "m1",
      temperature: 2,
    });
    const unknown = next<unknown>((resolve) => socket.on("unknown", resolve));
    const error = next<SocketError>((resolve) => socket.on("error", resolve));
    const receive = next<RealtimeReceiveEvent>((resolve) =>
      socket.on("receive", resolve),
    );
    const receive2 = next<ReceiveEvent2>((resolve) =>
      socket.on("receive2", resolve),
    );
    socket.sendSend({ sendText: "uvxcdv12344412b", sendParam: 123 });
    const iterated: unknown[] = [];
    for await (const message of socket) {
      iterated.push(message);
      if (iterated.length === 2) {
        break;
      }
    }
    assert.deepEqual(iterated, [
      { alpha: "uvxcdv12344412b", beta: 123 },
      { gamma: "g", delta: 2, epsilon: true },
    ]);
    assert.deepEqual(await receive, { alpha: "uvxcdv12344412b", beta: 123 });
    assert.deepEqual(await receive2, { gamma: "g", delta: 2, epsilon: true });
    assert.deepEqual(await unknown, { mystery: 1 });
    assert.equal((await error).data, "not json");
    const connection = connections.find((c) => c.path.startsWith("/realtime/"));
    assert.equal(connection?.path, "/realtime/doc%20123");
    assert.equal(connection?.query.get("model"), "m1");
    assert.equal(connection?.query.get("temperature"), "2");
    assert.deepEqual(connection?.received, [
      { sendText: "uvxcdv12344412b", sendParam: 123 },
    ]);
    socket.close();
  });
});

describe("rooms (bearer auth)", () => {
  it("refuses to connect without its credential, naming the option", () => {
    const client = new RoomsClient({ baseUrl });
    assert.throws(
      () => client.roomsRoomId.connect({ roomId: "lobby", nickname: "ann" }),
      /needs credentials; pass the `token` option/,
    );
  });

  it("survives a server-side drop: reconnects, asks for the token again, flushes queued sends in order", async () => {
    let tokens = 0;
    const client = new RoomsClient({
      baseUrl,
      reconnect,
      token: async () => `t${++tokens}`,
    });
    const socket = client.roomsRoomId.connect({
      roomId: "lobby",
      nickname: "ann",
    });
    const said: Said[] = [];
    socket.on("said", (message) => said.push(message));
    const joined = next<string>((resolve) =>
      socket.on("joined", (m) => resolve(m.nickname)),
    );
    assert.equal(await joined, "ann");
    socket.sendMessage({ type: "say", text: "one" });
    await until(() => said.length === 1, "the first reply");

    const before = connections.filter((c) => c.path === "/rooms/lobby");
    assert.equal(before.length, 1);
    const reconnecting = next<void>((resolve) =>
      socket.on("reconnecting", () => resolve()),
    );
    before[0]?.ws.terminate();
    await reconnecting;
    assert.equal(socket.readyState, "reconnecting");
    socket.sendMessage({ type: "say", text: "two" });
    socket.sendMessage({ type: "say", text: "three" });
    await socket.waitForOpen();
    await until(() => said.length === 3, "the queued sends' replies");

    const rooms = connections.filter((c) => c.path === "/rooms/lobby");
    assert.equal(rooms.length, 2);
    assert.deepEqual(
      rooms.map((c) => c.headers.authorization),
      ["Bearer t1", "Bearer t2"],
    );
    assert.equal(rooms[1]?.query.get("nickname"), "ann");
    assert.deepEqual(
      rooms[1]?.received.map((m) => (m as { text: string }).text),
      ["two", "three"],
    );
    assert.deepEqual(
      said.map((m) => m.text),
      ["one", "two", "three"],
    );
    assert.equal(tokens, 2);

    const closed = next<boolean>((resolve) =>
      socket.on("close", (info) => resolve(info.willReconnect)),
    );
    socket.close();
    assert.equal(await closed, false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(
      connections.filter((c) => c.path === "/rooms/lobby").length,
      2,
    );
    assert.equal(socket.readyState, "closed");
    assert.equal(tokens, 2);
  });
});
