//! The session store: what a connector remembers across messages, reconnects and restarts.
//!
//! A session's history is written as it happens: each accepted user message (with its
//! `message_number`), each agent reply as it starts (`streaming`) and as it ends (with
//! text, token usage, status and error). Two engines sit behind one [`Store`]:
//! - SQLite (`sqlite://PATH`), the embedded default, in WAL mode;
//! - PostgreSQL (`postgres://...`), shared by several `duplex serve` nodes.
//!
//! Both run the same SQL text (`$N` placeholders work on both) against schemas kept
//! column-for-column identical under `migrations/{sqlite,postgres}/`. Everything that
//! must hold across nodes (message numbers, `max_messages`) is decided inside the
//! database, never in a process's memory.
//!
//! # Layout
//! - [`connect`](self::connect): URL parsing, pool settings, embedded migrations.
//! - `queries`: the API's methods: reads through sqlx, writes handed to `ops`.
//! - `ops`: every write, written once over `write::WriteConn`, which `pg_write` (sqlx)
//!   and `sqlite_thread` (rusqlite, the one SQLite write connection on its own thread)
//!   implement.
//! - `batch`: group commit, which commits the turn path's writes (accepted messages,
//!   finished replies) of all sessions in shared transactions; on SQLite the write
//!   thread runs it, on PostgreSQL a writer task.
//! - `checkpoint`: SQLite's WAL checkpoints, on a thread of their own.

mod batch;
mod checkpoint;
mod connect;
mod ops;
mod pg_write;
mod queries;
mod sqlite_thread;
mod write;

use serde::Serialize;
use serde_json::Value;

use crate::usage::TokenUsage;
use connect::{Engine, Writes};

/// A connection pool to the session store, cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    /// Where reads go.
    reads: Engine,
    /// Where writes go: on SQLite the write thread's connection, on PostgreSQL the pool.
    writes: Writes,
    /// The group-commit writer, on `writes`.
    writer: batch::Writer,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store URL `{url}` is not supported: {hint}")]
    InvalidUrl { url: String, hint: String },
    #[error("cannot open the store at `{url}`: {source}. {hint}")]
    Connect {
        /// The URL with any password replaced by `***`.
        url: String,
        hint: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot migrate the store at `{url}`: {source}")]
    Migrate {
        url: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{what} already exists")]
    AlreadyExists { what: String },
    #[error("the store holds a value it cannot read ({what}): {detail}")]
    Corrupt { what: String, detail: String },
    #[error("store query failed: {0}")]
    Database(#[from] sqlx::Error),
    /// A statement on the SQLite write connection failed.
    #[error("store write failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A write committed together with others (group commit) did not commit; nothing of
    /// it was stored, and sending it again is safe.
    #[error("store write was not committed: {detail}")]
    Commit { detail: String },
}

/// One session as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRecord {
    pub id: String,
    /// The path of the connector that created the session, for example `/ws/chat`.
    pub connector: String,
    pub created_at_ms: i64,
    pub last_active_ms: i64,
    /// User messages accepted so far (what `max_messages` counts).
    pub message_count: u32,
}

/// What [`Store::accept_message`] recorded for a user message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The message's number in its session (its first number when it was sent before).
    pub number: u32,
    /// The agents whose replies this call began (`streaming`): the ones this caller must
    /// answer. Empty when the message was sent before and its replies were begun then.
    pub claimed: Vec<String>,
}

/// How a reply ended, as given to [`Store::finish_reply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyStatus {
    Completed,
    Cancelled,
    Failed,
    /// The node serving the reply died before it ended (see [`Store::mark_interrupted`]).
    Interrupted,
}

/// Where a stored reply stands: still streaming, or ended with a [`ReplyStatus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    Streaming,
    Completed,
    Cancelled,
    Failed,
    Interrupted,
}

/// Who wrote a history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryRole {
    User,
    Agent,
}

/// One line of a session's history, in the shape of the protocol's `history` event entries.
///
/// User messages come in `message_number` order, each followed by its agents' replies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub role: EntryRole,
    pub message_id: String,
    pub message_number: u32,
    /// The user's message, or the reply's text (partial when cancelled or interrupted).
    pub text: String,
    /// For agent entries, the agent that replied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// For user entries, `payload.context` as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// For agent entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<EntryStatus>,
    #[serde(rename = "token_usage", skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the message was received, or when the reply was begun (its message accepted).
    pub created_at_ms: i64,
    /// When the reply ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at_ms: Option<i64>,
}

impl EntryStatus {
    fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Streaming => "streaming",
            EntryStatus::Completed => "completed",
            EntryStatus::Cancelled => "cancelled",
            EntryStatus::Failed => "failed",
            EntryStatus::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> Result<EntryStatus, StoreError> {
        Ok(match text {
            "streaming" => EntryStatus::Streaming,
            "completed" => EntryStatus::Completed,
            "cancelled" => EntryStatus::Cancelled,
            "failed" => EntryStatus::Failed,
            "interrupted" => EntryStatus::Interrupted,
            other => {
                return Err(StoreError::Corrupt {
                    what: "replies.status".into(),
                    detail: format!("unknown status `{other}`"),
                });
            }
        })
    }
}

impl From<ReplyStatus> for EntryStatus {
    fn from(status: ReplyStatus) -> EntryStatus {
        match status {
            ReplyStatus::Completed => EntryStatus::Completed,
            ReplyStatus::Cancelled => EntryStatus::Cancelled,
            ReplyStatus::Failed => EntryStatus::Failed,
            ReplyStatus::Interrupted => EntryStatus::Interrupted,
        }
    }
}
