//! Agents: what answers a chat message.
//!
//! The server knows agents only through [`Agent`]: given the session's history and the
//! new message, an agent returns a stream of [`AgentEvent`]s (text chunks, then one
//! `Done` with token usage) and stops early when its [`CancellationToken`] fires.
//! Each kind lives in its own module and is chosen by `kind` in `duplex.toml`.

pub mod config;
pub mod deadline;
pub mod echo;
pub mod http;
pub mod local;
pub mod openai;
pub mod prompt;
pub mod webhook;

use std::sync::Arc;

use futures::stream::BoxStream;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::usage::TokenUsage;

/// Everything an agent gets for one turn.
#[derive(Debug, Clone)]
pub struct AgentRequest {
    pub session_id: String,
    pub message_id: String,
    pub message: String,
    /// `payload.context` as the client sent it.
    pub context: Option<Value>,
    /// Completed earlier turns of the session, oldest first. Shared: every reply of a
    /// turn gets the same one, and its texts are the session's own copies (`Arc<str>`),
    /// so a turn costs no copy of a long history.
    pub history: Arc<[Turn]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub role: Role,
    /// For assistant turns, the agent that spoke.
    pub agent: Option<Arc<str>>,
    pub content: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    Chunk(String),
    /// The last event of a successful reply.
    Done(TokenUsage),
}

/// Why a reply failed; maps onto the protocol's error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AgentError {
    pub kind: AgentErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentErrorKind {
    /// `agent_error`: the backend failed or answered something unusable.
    Failed,
    /// `agent_timeout`: no first token, or no next chunk, in time.
    Timeout,
    /// `busy`: the agent's queue is full.
    Busy,
    /// `rate_limited`: the backend refused for rate reasons.
    RateLimited,
}

impl AgentError {
    pub fn new(kind: AgentErrorKind, message: impl Into<String>) -> AgentError {
        AgentError {
            kind,
            message: message.into(),
        }
    }
}

/// The replies of one agent. Implementations are shared by every session.
pub trait Agent: Send + Sync + 'static {
    /// Starts a reply. The stream ends after `Done`, after an error, or soon after
    /// `cancel` fires (then with no `Done`); a cancel must stop the work itself.
    fn reply(
        &self,
        request: AgentRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<AgentEvent, AgentError>>;
}
