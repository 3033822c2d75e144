// The `chat` channel of the Duplex connector API, generated from its definition. Do not edit.
import * as runtime from "../runtime/index.js";
import { AUTH_SCHEMES, baseUrl } from "../connection.js";
/** A reconnecting socket on `chat`. Sends made while (re)connecting are queued and flushed in order; received messages arrive as typed events, and through `for await`. */
export class ChatSocket extends runtime.Socket {
    /** The `session_id` the next (re)connect resumes: the latest `connected` message's, else the one given to `connect()`; `undefined` before either. */
    get sessionId() {
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
    sendAuth(message) {
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
    sendMessage(message) {
        this.send({ ...message, type: "message" });
    }
    /**
     * Short message
     *
     * A chat message in the short form: `{"message": "..."}`.
     *
     * Sends a `shortMessage` message.
     */
    sendShortMessage(message) {
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
    sendCancel(message) {
        this.send({ ...message, type: "cancel" });
    }
    /**
     * Ping
     *
     * An application-level ping.
     *
     * Sends a `ping` message.
     */
    sendPing(message) {
        this.send({ ...message, type: "ping" });
    }
    /**
     * History request
     *
     * Asks for the current session's history; answered by `history`.
     *
     * Sends a `historyRequest` message.
     */
    sendHistoryRequest(message) {
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
    #options;
    constructor(options) {
        this.#options = options;
    }
    /** Opens a socket. It connects at once, and reconnects on drops as the client's `reconnect` options say. */
    connect(args = {}) {
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
function classify(data) {
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
