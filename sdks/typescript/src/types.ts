// Types of the Duplex connector API, generated from its definition. Do not edit.

export interface Ack {
  type: "ack";
  /** The message's id, as sent or as assigned. */
  id: string;
  /**
   * The message's number in the session, from 1.
   *
   * A 64-bit integer, typed as `number`: JavaScript numbers are exact only up to 2^53.
   */
  message_number: number;
}

/**
 * Authentication, the first message when the secret did not come with the upgrade
 * request, and/or the session to resume. With `require_auth = false` the secret may
 * be left out.
 */
export interface Auth {
  /** The connector's secret. */
  secret?: string;
  /** A session to resume. */
  session_id?: string;
}

export interface Cancel {
  type: "cancel";
  /** The message whose replies to stop. */
  id: string;
}

/** Chosen by the client to correlate events; assigned by the server when missing. */
export type ClientId = string;

export interface Connected {
  type: "connected";
  /** The session, for conversation memory and for resuming. */
  session_id: string;
  /** The names of the connector's agents. */
  agents: string[];
  /** True when the client asked to resume this session and got it back. */
  resumed?: boolean;
  /**
   * On resume, the replies of this session that were cut off and never reported: the
   * reply a server stopped mid-reply (a node killed or restarted) and the replies of
   * acknowledged messages still queued behind it, which never started. Each is listed
   * once, on whichever node the client resumes, and stays `interrupted` in the history
   * for good. A reply cut off by a killed node keeps no text (chunks are not stored as
   * they stream); one interrupted by a graceful shutdown keeps its partial text.
   */
  interrupted?: InterruptedReply[];
}

export interface Error {
  type: "error";
  /** The message the error is about, when there is one. */
  id?: string;
  /** The agent the error is about, for `agent_error` and `agent_timeout`. */
  agent?: string;
  code: ErrorCode;
  /** What went wrong, for people. */
  message: string;
  /** Whether sending the same thing again later may succeed. */
  retryable: boolean;
}

/** See the table in docs/protocol.md for what each means and whether the session stays open. */
export type ErrorCode = "unauthorized" | "auth_timeout" | "invalid_json" | "invalid_message" | "message_too_large" | "session_limit_reached" | "session_expired" | "unknown_agent" | "agent_error" | "agent_timeout" | "busy" | "rate_limited" | "internal";

export interface History {
  type: "history";
  session_id: string;
  entries: HistoryEntry[];
}

/** A user message, or an agent's reply to one. */
export interface HistoryEntry {
  role: HistoryEntryRole;
  message_id: string;
  /** A 64-bit integer, typed as `number`: JavaScript numbers are exact only up to 2^53. */
  message_number: number;
  /** The user's message, or the reply's text (partial unless completed). */
  text: string;
  /** For replies, the agent that replied. */
  agent?: string;
  /** For user messages, `payload.context` as sent. */
  context?: Record<string, unknown>;
  /** For replies; `interrupted` when the node serving it stopped mid-reply, or the session was resumed on another connection while it ran. */
  status?: HistoryEntryStatus;
  token_usage?: TokenUsage;
  error?: string;
  /**
   * When the message was received or the reply started, in ms since the Unix epoch.
   *
   * A 64-bit integer, typed as `number`: JavaScript numbers are exact only up to 2^53.
   */
  created_at_ms: number;
  /**
   * When the reply ended.
   *
   * A 64-bit integer, typed as `number`: JavaScript numbers are exact only up to 2^53.
   */
  finished_at_ms?: number;
}

export type HistoryEntryRole = "user" | "agent";

/** For replies; `interrupted` when the node serving it stopped mid-reply, or the session was resumed on another connection while it ran. */
export type HistoryEntryStatus = "streaming" | "completed" | "cancelled" | "failed" | "interrupted";

export interface HistoryRequest {
  type: "history";
}

export interface InterruptedReply {
  /** The message whose reply was cut off. */
  id: string;
  agent: string;
}

export interface Message {
  type: "message";
  id?: ClientId;
  payload: MessagePayload;
}

export interface MessagePayload {
  /** The user's text. */
  message: string;
  /** Free-form data passed to the agents with the message. */
  context?: Record<string, unknown>;
  /** One of the connector's agents; without it every agent answers. */
  agent?: string;
}

export interface Ping {
  type: "ping";
  id?: ClientId;
}

export interface Pong {
  type: "pong";
  /** The ping's `id`, when it had one. */
  id?: string;
}

/** Why a reply failed, inside its `stream_end` or `response`. */
export interface ReplyError {
  code: ErrorCode;
  message: string;
}

/**
 * How a reply ended: `completed`; `cancelled` by the client; `failed` (see `error`);
 * `interrupted` when the server shut down before the reply finished, or the session was
 * resumed on another connection while it ran.
 */
export type ReplyStatus = "completed" | "cancelled" | "failed" | "interrupted";

export interface Response {
  type: "response";
  id: string;
  agent: string;
  /** The whole reply; the text so far when cancelled or failed. */
  response: string;
  token_usage: TokenUsage;
  status: ReplyStatus;
  error?: ReplyError;
}

/** The seed's short form; it may carry the full form's fields at top level. */
export interface ShortMessage {
  id?: ClientId;
  /** The user's text. */
  message: string;
  /** Free-form data passed to the agents with the message. */
  context?: Record<string, unknown>;
  /** One of the connector's agents; without it every agent answers. */
  agent?: string;
}

export interface StreamChunk {
  type: "stream_chunk";
  id: string;
  agent: string;
  /** The next piece of text. */
  chunk: string;
}

export interface StreamEnd {
  type: "stream_end";
  id: string;
  agent: string;
  /** The whole reply; the text so far when cancelled or failed. */
  full_response: string;
  token_usage: TokenUsage;
  status: ReplyStatus;
  error?: ReplyError;
}

export interface StreamStart {
  type: "stream_start";
  id: string;
  agent: string;
}

/** Tokens used by one reply, in Connic's names (`candidates_tokens` is the completion). */
export interface TokenUsage {
  /** A 64-bit integer, typed as `number`: JavaScript numbers are exact only up to 2^53. */
  prompt_tokens: number;
  /** A 64-bit integer, typed as `number`: JavaScript numbers are exact only up to 2^53. */
  candidates_tokens: number;
  /** A 64-bit integer, typed as `number`: JavaScript numbers are exact only up to 2^53. */
  total_tokens: number;
  /** Present and true when the agent's backend reported no usage and the counts were estimated. */
  estimated?: boolean;
}
