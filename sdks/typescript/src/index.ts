// The public API of the Duplex connector SDK, generated from its definition. Do not edit.

export { DuplexConnectorClient, type DuplexConnectorClientOptions } from "./client.js";
export { DuplexConnectorEnvironment } from "./connection.js";
export * from "./types.js";
export * from "./channels/chat.js";
export * as runtime from "./runtime/index.js";
export { type BasicCredentials, type CloseCodeInfo, type CloseInfo, type Logger, QueueFullError, type ReadyState, type ReconnectInfo, type ReconnectOptions, ServerClosedError, SocketClosedError, SocketError, type Supplier } from "./runtime/index.js";
