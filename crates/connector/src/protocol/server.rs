//! What the server sends: one enum, serialized with the seed's field names and a
//! `type` tag. Every addition to the seed (`status`, `error`, `resumed`,
//! `interrupted`, `pong`, `history`) is a new field or a new event, never a changed one.

use serde::Serialize;

use super::ErrorCode;
use crate::store::HistoryEntry;
use crate::usage::TokenUsage;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    Connected {
        session_id: String,
        agents: Vec<String>,
        /// True when the client's `session_id` was resumed.
        resumed: bool,
        /// Replies of this session that a dead server left unfinished, now recorded
        /// as interrupted.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        interrupted: Vec<InterruptedReply>,
    },
    Ack {
        id: String,
        message_number: u32,
    },
    StreamStart {
        id: String,
        agent: String,
    },
    StreamChunk {
        id: String,
        agent: String,
        chunk: String,
    },
    StreamEnd {
        id: String,
        agent: String,
        full_response: String,
        token_usage: TokenUsage,
        status: ReplyOutcome,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<ErrorBody>,
    },
    Response {
        id: String,
        agent: String,
        response: String,
        token_usage: TokenUsage,
        status: ReplyOutcome,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<ErrorBody>,
    },
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The agent whose reply failed, for agent errors.
        #[serde(skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        code: ErrorCode,
        message: String,
        retryable: bool,
    },
    Pong {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// The session's stored history, oldest first, in answer to a `history` request.
    History {
        session_id: String,
        entries: Vec<HistoryEntry>,
    },
}

/// How a reply ended, in `stream_end` and `response`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyOutcome {
    Completed,
    Cancelled,
    Failed,
    /// The server shut down before the reply finished.
    Interrupted,
}

/// Why a reply failed, inside its end event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterruptedReply {
    pub id: String,
    pub agent: String,
}

impl ServerEvent {
    /// An `error` event with the code's own `retryable`.
    pub fn error(id: Option<String>, code: ErrorCode, message: impl Into<String>) -> ServerEvent {
        ServerEvent::Error {
            id,
            agent: None,
            code,
            message: message.into(),
            retryable: code.retryable(),
        }
    }

    /// The `type` tag, for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ServerEvent::Connected { .. } => "connected",
            ServerEvent::Ack { .. } => "ack",
            ServerEvent::StreamStart { .. } => "stream_start",
            ServerEvent::StreamChunk { .. } => "stream_chunk",
            ServerEvent::StreamEnd { .. } => "stream_end",
            ServerEvent::Response { .. } => "response",
            ServerEvent::Error { .. } => "error",
            ServerEvent::Pong { .. } => "pong",
            ServerEvent::History { .. } => "history",
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server events always serialize")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[track_caller]
    fn check(event: ServerEvent, expected: Value) {
        let got: Value = serde_json::from_str(&event.to_json()).expect("json");
        assert_eq!(got, expected);
    }

    #[test]
    fn seed_shapes() {
        check(
            ServerEvent::Ack {
                id: "msg-001".into(),
                message_number: 1,
            },
            json!({"type": "ack", "id": "msg-001", "message_number": 1}),
        );
        check(
            ServerEvent::StreamEnd {
                id: "m".into(),
                agent: "assistant".into(),
                full_response: "hi".into(),
                token_usage: TokenUsage::new(45, 15),
                status: ReplyOutcome::Completed,
                error: None,
            },
            json!({"type": "stream_end", "id": "m", "agent": "assistant", "full_response": "hi",
                   "token_usage": {"prompt_tokens": 45, "candidates_tokens": 15, "total_tokens": 60},
                   "status": "completed"}),
        );
        check(
            ServerEvent::error(Some("m".into()), ErrorCode::Busy, "wait"),
            json!({"type": "error", "id": "m", "code": "busy", "message": "wait", "retryable": true}),
        );
        check(
            ServerEvent::Connected {
                session_id: "s".into(),
                agents: vec!["a".into()],
                resumed: false,
                interrupted: vec![],
            },
            json!({"type": "connected", "session_id": "s", "agents": ["a"], "resumed": false}),
        );
    }
}
