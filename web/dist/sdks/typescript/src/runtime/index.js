/**
 * The WebSocket runtime that every generated SDK carries: a reconnecting socket with
 * typed events, transport detection, and helpers that build each connection's URL,
 * headers and credentials.
 */
export * from "./classify.js";
export * from "./socket.js";
export * from "./target.js";
export * from "./transport.js";
