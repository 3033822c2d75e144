//! The Connic connector protocol on the wire: what clients send ([`client`]), what the
//! server sends ([`server`]), the error codes ([`ErrorCode`]) and the close codes
//! ([`close`]).
//!
//! Only this module knows JSON field names. Sessions and agents deal in the typed
//! values, so the seed's shapes are kept in one place and additions stay additive.

pub mod client;
pub mod close;
pub mod server;

use serde::Serialize;

/// The `code` of an `error` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthorized,
    AuthTimeout,
    InvalidJson,
    InvalidMessage,
    MessageTooLarge,
    SessionLimitReached,
    SessionExpired,
    UnknownAgent,
    AgentError,
    AgentTimeout,
    Busy,
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::Unauthorized,
        ErrorCode::AuthTimeout,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidMessage,
        ErrorCode::MessageTooLarge,
        ErrorCode::SessionLimitReached,
        ErrorCode::SessionExpired,
        ErrorCode::UnknownAgent,
        ErrorCode::AgentError,
        ErrorCode::AgentTimeout,
        ErrorCode::Busy,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::AuthTimeout => "auth_timeout",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidMessage => "invalid_message",
            ErrorCode::MessageTooLarge => "message_too_large",
            ErrorCode::SessionLimitReached => "session_limit_reached",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::UnknownAgent => "unknown_agent",
            ErrorCode::AgentError => "agent_error",
            ErrorCode::AgentTimeout => "agent_timeout",
            ErrorCode::Busy => "busy",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
        }
    }

    /// Whether sending the same thing again, unchanged, may succeed later.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::AuthTimeout
                | ErrorCode::AgentError
                | ErrorCode::AgentTimeout
                | ErrorCode::Busy
                | ErrorCode::RateLimited
                | ErrorCode::Internal
        )
    }
}
