//! The API's models: every message payload and every type they use.

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct Ack {
    #[serde(rename = "type")]
    pub type_: AckType,
    /// The message's id, as sent or as assigned.
    pub id: ::std::string::String,
    /// The message's number in the session, from 1.
    pub message_number: i64,
}

/// Authentication, the first message when the secret did not come with the upgrade
/// request, and/or the session to resume. With `require_auth = false` the secret may
/// be left out.
#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct Auth {
    /// The connector's secret.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub secret: ::std::option::Option<::std::string::String>,
    /// A session to resume.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub session_id: ::std::option::Option<::std::string::String>,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct Cancel {
    #[serde(rename = "type")]
    pub type_: CancelType,
    /// The message whose replies to stop.
    pub id: ::std::string::String,
}

/// Chosen by the client to correlate events; assigned by the server when missing.
pub type ClientId = ::std::string::String;

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct Connected {
    #[serde(rename = "type")]
    pub type_: ConnectedType,
    /// The session, for conversation memory and for resuming.
    pub session_id: ::std::string::String,
    /// The names of the connector's agents.
    pub agents: ::std::vec::Vec<::std::string::String>,
    /// True when the client asked to resume this session and got it back.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub resumed: ::std::option::Option<bool>,
    /// On resume, the replies of this session that were cut off and never reported: the
    /// reply a server stopped mid-reply (a node killed or restarted) and the replies of
    /// acknowledged messages still queued behind it, which never started. Each is listed
    /// once, on whichever node the client resumes, and stays `interrupted` in the history
    /// for good. A reply cut off by a killed node keeps no text (chunks are not stored as
    /// they stream); one interrupted by a graceful shutdown keeps its partial text.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub interrupted: ::std::option::Option<::std::vec::Vec<InterruptedReply>>,
}

#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
pub struct Error {
    #[serde(rename = "type")]
    pub type_: ErrorType,
    /// The message the error is about, when there is one.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub id: ::std::option::Option<::std::string::String>,
    /// The agent the error is about, for `agent_error` and `agent_timeout`.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub agent: ::std::option::Option<::std::string::String>,
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: ::std::string::String,
    /// Whether sending the same thing again later may succeed.
    pub retryable: bool,
}

/// See the table in docs/protocol.md for what each means and whether the session stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
pub enum ErrorCode {
    #[serde(rename = "unauthorized")]
    Unauthorized,
    #[serde(rename = "auth_timeout")]
    AuthTimeout,
    #[serde(rename = "invalid_json")]
    InvalidJson,
    #[serde(rename = "invalid_message")]
    InvalidMessage,
    #[serde(rename = "message_too_large")]
    MessageTooLarge,
    #[serde(rename = "session_limit_reached")]
    SessionLimitReached,
    #[serde(rename = "session_expired")]
    SessionExpired,
    #[serde(rename = "unknown_agent")]
    UnknownAgent,
    #[serde(rename = "agent_error")]
    AgentError,
    #[serde(rename = "agent_timeout")]
    AgentTimeout,
    #[serde(rename = "busy")]
    Busy,
    #[serde(rename = "rate_limited")]
    RateLimited,
    #[serde(rename = "internal")]
    Internal,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct History {
    #[serde(rename = "type")]
    pub type_: HistoryType,
    pub session_id: ::std::string::String,
    pub entries: ::std::vec::Vec<HistoryEntry>,
}

/// A user message, or an agent's reply to one.
#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
pub struct HistoryEntry {
    pub role: HistoryEntryRole,
    pub message_id: ::std::string::String,
    pub message_number: i64,
    /// The user's message, or the reply's text (partial unless completed).
    pub text: ::std::string::String,
    /// For replies, the agent that replied.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub agent: ::std::option::Option<::std::string::String>,
    /// For user messages, `payload.context` as sent.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub context: ::std::option::Option<
        ::std::collections::BTreeMap<::std::string::String, ::serde_json::Value>,
    >,
    /// For replies; `interrupted` when the node serving it stopped mid-reply, or the session was resumed on another connection while it ran.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub status: ::std::option::Option<HistoryEntryStatus>,
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub token_usage: ::std::option::Option<TokenUsage>,
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub error: ::std::option::Option<::std::string::String>,
    /// When the message was received or the reply started, in ms since the Unix epoch.
    pub created_at_ms: i64,
    /// When the reply ended.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub finished_at_ms: ::std::option::Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
pub enum HistoryEntryRole {
    #[serde(rename = "user")]
    User,
    #[serde(rename = "agent")]
    Agent,
}

/// For replies; `interrupted` when the node serving it stopped mid-reply, or the session was resumed on another connection while it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
pub enum HistoryEntryStatus {
    #[serde(rename = "streaming")]
    Streaming,
    #[serde(rename = "completed")]
    Completed,
    #[serde(rename = "cancelled")]
    Cancelled,
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "interrupted")]
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct HistoryRequest {
    #[serde(rename = "type")]
    pub type_: HistoryRequestType,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct InterruptedReply {
    /// The message whose reply was cut off.
    pub id: ::std::string::String,
    pub agent: ::std::string::String,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct Message {
    #[serde(rename = "type")]
    pub type_: MessageType,
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub id: ::std::option::Option<ClientId>,
    pub payload: MessagePayload,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct MessagePayload {
    /// The user's text.
    pub message: ::std::string::String,
    /// Free-form data passed to the agents with the message.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub context: ::std::option::Option<
        ::std::collections::BTreeMap<::std::string::String, ::serde_json::Value>,
    >,
    /// One of the connector's agents; without it every agent answers.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub agent: ::std::option::Option<::std::string::String>,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct Ping {
    #[serde(rename = "type")]
    pub type_: PingType,
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub id: ::std::option::Option<ClientId>,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct Pong {
    #[serde(rename = "type")]
    pub type_: PongType,
    /// The ping's `id`, when it had one.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub id: ::std::option::Option<::std::string::String>,
}

/// Why a reply failed, inside its `stream_end` or `response`.
#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
pub struct ReplyError {
    pub code: ErrorCode,
    pub message: ::std::string::String,
}

/// How a reply ended: `completed`; `cancelled` by the client; `failed` (see `error`);
/// `interrupted` when the server shut down before the reply finished, or the session was
/// resumed on another connection while it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
pub enum ReplyStatus {
    #[serde(rename = "completed")]
    Completed,
    #[serde(rename = "cancelled")]
    Cancelled,
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "interrupted")]
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
pub struct Response {
    #[serde(rename = "type")]
    pub type_: ResponseType,
    pub id: ::std::string::String,
    pub agent: ::std::string::String,
    /// The whole reply; the text so far when cancelled or failed.
    pub response: ::std::string::String,
    pub token_usage: TokenUsage,
    pub status: ReplyStatus,
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub error: ::std::option::Option<ReplyError>,
}

/// The seed's short form; it may carry the full form's fields at top level.
#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct ShortMessage {
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub id: ::std::option::Option<ClientId>,
    /// The user's text.
    pub message: ::std::string::String,
    /// Free-form data passed to the agents with the message.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub context: ::std::option::Option<
        ::std::collections::BTreeMap<::std::string::String, ::serde_json::Value>,
    >,
    /// One of the connector's agents; without it every agent answers.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub agent: ::std::option::Option<::std::string::String>,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct StreamChunk {
    #[serde(rename = "type")]
    pub type_: StreamChunkType,
    pub id: ::std::string::String,
    pub agent: ::std::string::String,
    /// The next piece of text.
    pub chunk: ::std::string::String,
}

#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
pub struct StreamEnd {
    #[serde(rename = "type")]
    pub type_: StreamEndType,
    pub id: ::std::string::String,
    pub agent: ::std::string::String,
    /// The whole reply; the text so far when cancelled or failed.
    pub full_response: ::std::string::String,
    pub token_usage: TokenUsage,
    pub status: ReplyStatus,
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub error: ::std::option::Option<ReplyError>,
}

#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct StreamStart {
    #[serde(rename = "type")]
    pub type_: StreamStartType,
    pub id: ::std::string::String,
    pub agent: ::std::string::String,
}

/// Tokens used by one reply, in Connic's names (`candidates_tokens` is the completion).
#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
pub struct TokenUsage {
    pub prompt_tokens: i64,
    pub candidates_tokens: i64,
    pub total_tokens: i64,
    /// Present and true when the agent's backend reported no usage and the counts were estimated.
    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
    pub estimated: ::std::option::Option<bool>,
}

/// Always `"ack"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AckType;

impl ::serde::Serialize for AckType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"ack\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for AckType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"ack\"", deserializer, AckType)
    }
}

/// Always `"cancel"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CancelType;

impl ::serde::Serialize for CancelType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"cancel\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for CancelType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"cancel\"", deserializer, CancelType)
    }
}

/// Always `"connected"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ConnectedType;

impl ::serde::Serialize for ConnectedType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"connected\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for ConnectedType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"connected\"", deserializer, ConnectedType)
    }
}

/// Always `"error"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ErrorType;

impl ::serde::Serialize for ErrorType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"error\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for ErrorType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"error\"", deserializer, ErrorType)
    }
}

/// Always `"history"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct HistoryType;

impl ::serde::Serialize for HistoryType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"history\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for HistoryType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"history\"", deserializer, HistoryType)
    }
}

/// Always `"history"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct HistoryRequestType;

impl ::serde::Serialize for HistoryRequestType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"history\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for HistoryRequestType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"history\"", deserializer, HistoryRequestType)
    }
}

/// Always `"message"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MessageType;

impl ::serde::Serialize for MessageType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"message\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for MessageType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"message\"", deserializer, MessageType)
    }
}

/// Always `"ping"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PingType;

impl ::serde::Serialize for PingType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"ping\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for PingType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"ping\"", deserializer, PingType)
    }
}

/// Always `"pong"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PongType;

impl ::serde::Serialize for PongType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"pong\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for PongType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"pong\"", deserializer, PongType)
    }
}

/// Always `"response"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ResponseType;

impl ::serde::Serialize for ResponseType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"response\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for ResponseType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"response\"", deserializer, ResponseType)
    }
}

/// Always `"stream_chunk"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StreamChunkType;

impl ::serde::Serialize for StreamChunkType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"stream_chunk\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for StreamChunkType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"stream_chunk\"", deserializer, StreamChunkType)
    }
}

/// Always `"stream_end"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StreamEndType;

impl ::serde::Serialize for StreamEndType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"stream_end\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for StreamEndType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"stream_end\"", deserializer, StreamEndType)
    }
}

/// Always `"stream_start"` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StreamStartType;

impl ::serde::Serialize for StreamStartType {
    fn serialize<S: ::serde::Serializer>(
        &self,
        serializer: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        crate::runtime::wire::serialize_literal("\"stream_start\"", serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for StreamStartType {
    fn deserialize<D: ::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> ::std::result::Result<Self, D::Error> {
        crate::runtime::wire::deserialize_literal("\"stream_start\"", deserializer, StreamStartType)
    }
}
