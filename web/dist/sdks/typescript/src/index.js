// The public API of the Duplex connector SDK, generated from its definition. Do not edit.
export { DuplexConnectorClient } from "./client.js";
export { DuplexConnectorEnvironment } from "./connection.js";
export * from "./types.js";
export * from "./channels/chat.js";
export * as runtime from "./runtime/index.js";
export { QueueFullError, ServerClosedError, SocketClosedError, SocketError } from "./runtime/index.js";
