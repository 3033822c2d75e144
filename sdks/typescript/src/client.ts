// The Duplex connector client, generated from its definition. Do not edit.

import type * as runtime from "./runtime/index.js";
import type { DuplexConnectorEnvironment } from "./connection.js";
import { ChatChannel } from "./channels/chat.js";

/** Options of {@link DuplexConnectorClient}. */
export interface DuplexConnectorClientOptions extends runtime.SocketOptions {
  /** The server to connect to. Default: `DuplexConnectorEnvironment.Local`. */
  environment?: DuplexConnectorEnvironment;
  /** A URL that replaces the environment's, such as a proxy or a local server. */
  baseUrl?: string;
  /**
   * The connector's secret, sent as the first message `{"secret": ...}` on every
   * (re)connect together with the `session_id` of the last `connected` message, so a
   * dropped connection resumes the same session; or else as `?secret=`.
   *
   * The API key, or a function returning it: called again on every (re)connect. Sent as `{"secret": <value>, "session_id": <the last session_id>}`, the first message after each connect, which resumes the session, or as the `secret` query parameter.
   */
  secret?: runtime.Supplier<string>;
  /** Headers sent with every connection. Browsers cannot set headers; there they are dropped with a warning. */
  headers?: Record<string, string>;
}

/**
 * The agent-chat WebSocket protocol spoken by `duplex serve`, compatible with Connic's
 * WebSocket connector. A client authenticates, gets a session, sends chat messages and
 * receives each attached agent's reply, streamed in chunks or whole.
 *
 * Every message is one JSON object in one text frame. Messages the server sends always
 * carry a `type`; of the messages a client sends, only the auth message and the short
 * chat form have none.
 *
 * Operations are written from the server's side: `receive` is what a client sends,
 * `send` is what a client receives. `docs/protocol.md` describes the rules (ordering,
 * errors, close codes) for people. Tests validate every message the server sends
 * against the schemas below.
 *
 * A client of the Duplex connector API (version 1.0.0): one property per channel, whose `connect()` opens a socket.
 */
export class DuplexConnectorClient {
  /**
   * One WebSocket connection is one session at a time. With `require_auth` on (the
   * default), the secret comes in the query (`?secret=`), in a header
   * (`X-Connic-Secret` or `Authorization: Bearer`), or as the first message (`auth`).
   */
  readonly chat: ChatChannel;

  constructor(options: DuplexConnectorClientOptions = {}) {
    this.chat = new ChatChannel(options);
  }
}
