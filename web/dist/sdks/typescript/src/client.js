// The Duplex connector client, generated from its definition. Do not edit.
import { ChatChannel } from "./channels/chat.js";
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
    chat;
    constructor(options = {}) {
        this.chat = new ChatChannel(options);
    }
}
