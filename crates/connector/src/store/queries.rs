//! The store's API: reads through sqlx, writes handed to `ops.rs` where writes go.
//!
//! Reads are written once for both pool types (`on_engine!`); the SQL uses `$N`
//! placeholders, which both engines accept. Writes run through `on_writes!`: on SQLite on
//! the store's one write connection, on its own thread (`sqlite_thread.rs`), so writers
//! queue for it instead of sleeping in SQLite's busy handler; on PostgreSQL on the pool.
//! The two writes of every turn, [`Store::accept_message`] and [`Store::finish_reply`],
//! are queued to the group-commit writer (`batch.rs`), which commits those of all
//! sessions together.

use serde_json::Value;
use sqlx::Row;

use super::batch::{AcceptOp, FinishOp};
use super::connect::{Engine, Writes};
use super::ops;
use super::pg_write::PgWrite;
use super::{
    Accepted, EntryRole, EntryStatus, HistoryEntry, ReplyStatus, SessionRecord, Store, StoreError,
};
use crate::usage::TokenUsage;

/// Runs the write `$op` (a future over `$conn: &mut impl WriteConn`) where writes go: on
/// the SQLite write thread, or on a PostgreSQL pooled connection. `$op` may borrow only
/// what it owns, as it may run on the thread.
macro_rules! on_writes {
    ($writes:expr, $conn:ident => $op:expr) => {
        match $writes {
            Writes::Sqlite(thread) => {
                // The thread never waits inside a write, so `block_on` drives a future
                // that is already finished when first polled.
                thread
                    .call(move |$conn| futures::executor::block_on($op))
                    .await?
            }
            Writes::Postgres(pool) => {
                let $conn = &mut PgWrite::new(pool.clone());
                $op.await
            }
        }
    };
}

/// Runs `$body` with `$pool` bound to whichever pool `$engine` holds.
macro_rules! on_engine {
    ($engine:expr, $pool:ident => $body:expr) => {
        match $engine {
            Engine::Sqlite($pool) => $body,
            Engine::Postgres($pool) => $body,
        }
    };
}

impl Store {
    /// Creates a session with no messages. Fails with [`StoreError::AlreadyExists`] when the
    /// id is taken.
    pub async fn create_session(
        &self,
        id: &str,
        connector: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (id, connector) = (id.to_owned(), connector.to_owned());
        on_writes!(&self.writes, conn => ops::create_session(conn, &id, &connector, now_ms))
    }

    /// The session `id`, or `None` when it was never created.
    pub async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        const SQL: &str = "SELECT id, connector, created_at_ms, last_active_ms, message_count \
                           FROM sessions WHERE id = $1";
        on_engine!(&self.reads, pool => {
            let row = sqlx::query(SQL).bind(id).fetch_optional(pool).await?;
            row.map(|row| -> Result<SessionRecord, StoreError> {
                Ok(SessionRecord {
                    id: row.try_get("id")?,
                    connector: row.try_get("connector")?,
                    created_at_ms: row.try_get("created_at_ms")?,
                    last_active_ms: row.try_get("last_active_ms")?,
                    message_count: to_u32("sessions.message_count", row.try_get("message_count")?)?,
                })
            })
            .transpose()
        })
    }

    /// Records activity on the session, which pushes back its idle timeout.
    pub async fn touch_session(&self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        on_writes!(&self.writes, conn => ops::touch_session(conn, &id, now_ms))
    }

    /// Accepts a user message and returns its `message_number` (1 for the session's first).
    ///
    /// Returns `None`, storing nothing, when the session already holds `max_messages`
    /// messages. The count is kept in the database, so the limit holds exactly across
    /// connections and nodes. Recording the same `(session_id, message_id)` again returns the
    /// number it got the first time and counts nothing.
    pub async fn record_user_message(
        &self,
        session_id: &str,
        message_id: &str,
        text: &str,
        context: Option<&Value>,
        max_messages: u32,
        now_ms: i64,
    ) -> Result<Option<u32>, StoreError> {
        let accepted = self
            .accept_message(
                session_id,
                message_id,
                text,
                context,
                &[],
                max_messages,
                now_ms,
            )
            .await?;
        Ok(accepted.map(|accepted| accepted.number))
    }

    /// As [`Store::record_user_message`], and in the same transaction begins the replies of
    /// `agents` (status `streaming`), unless the message was sent before and already has
    /// replies. So from the moment a message is accepted, every reply it is owed is on
    /// record (a node that dies leaves them to be found by [`Store::mark_interrupted`]), and
    /// of two copies of one message racing on two connections or nodes, exactly one claims
    /// the replies.
    #[allow(clippy::too_many_arguments)] // The message's columns, its agents, the limit, the clock.
    pub async fn accept_message(
        &self,
        session_id: &str,
        message_id: &str,
        text: &str,
        context: Option<&Value>,
        agents: &[String],
        max_messages: u32,
        now_ms: i64,
    ) -> Result<Option<Accepted>, StoreError> {
        self.writer
            .accept(AcceptOp {
                session_id: session_id.to_owned(),
                message_id: message_id.to_owned(),
                text: text.to_owned(),
                context: context.map(Value::to_string),
                agents: agents.to_vec(),
                max_messages,
                now_ms,
            })
            .await
    }

    /// Records that `agent` started replying to `message_id` (status `streaming`).
    ///
    /// Fails with [`StoreError::NotFound`] when the message was never recorded, and with
    /// [`StoreError::AlreadyExists`] when this agent's reply to it was already begun.
    pub async fn begin_reply(
        &self,
        session_id: &str,
        message_id: &str,
        agent: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (session_id, message_id, agent) = (
            session_id.to_owned(),
            message_id.to_owned(),
            agent.to_owned(),
        );
        on_writes!(&self.writes, conn => ops::begin_reply(conn, &session_id, &message_id, &agent, now_ms))
    }

    /// Records how `agent`'s reply to `message_id` ended: its full (or partial) text, usage,
    /// status and error. Works whether or not [`Store::begin_reply`] was called first.
    ///
    /// Returns the status stored, which is `status` unless a resume already marked the
    /// reply interrupted ([`Store::mark_interrupted`]) and told its client so: then it stays
    /// `Interrupted` (with this text), and the caller should end the reply that way too,
    /// so that the store, the resumed client and this reply's own client agree.
    #[allow(clippy::too_many_arguments)] // Mirrors the reply's stored columns one to one.
    pub async fn finish_reply(
        &self,
        session_id: &str,
        message_id: &str,
        agent: &str,
        text: &str,
        usage: Option<&TokenUsage>,
        status: ReplyStatus,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<ReplyStatus, StoreError> {
        let tokens = |count: fn(&TokenUsage) -> u64| {
            usage.map(|usage| i64::try_from(count(usage)).unwrap_or(i64::MAX))
        };
        let (prompt, candidates, total) = (
            tokens(|usage| usage.prompt_tokens),
            tokens(|usage| usage.candidates_tokens),
            tokens(|usage| usage.total_tokens),
        );
        self.writer
            .finish(FinishOp {
                session_id: session_id.to_owned(),
                message_id: message_id.to_owned(),
                agent: agent.to_owned(),
                text: text.to_owned(),
                prompt_tokens: prompt,
                candidates_tokens: candidates,
                total_tokens: total,
                usage_estimated: usage.is_some_and(|usage| usage.estimated),
                status: EntryStatus::from(status),
                error: error.map(str::to_owned),
                now_ms,
            })
            .await
    }

    /// Marks every reply of the session still `streaming` as `interrupted` and returns their
    /// `(message_id, agent)`, in message order.
    ///
    /// Called when a session is resumed: a reply still streaming then belongs to a connection
    /// or a node that is gone (for example a node killed mid-reply).
    pub async fn mark_interrupted(
        &self,
        session_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let session_id = session_id.to_owned();
        let mut interrupted =
            on_writes!(&self.writes, conn => ops::mark_interrupted(conn, &session_id))?;
        interrupted.sort();
        Ok(interrupted
            .into_iter()
            .map(|(_, message_id, agent)| (message_id, agent))
            .collect())
    }

    /// The session's history: each user message in `message_number` order, followed by the
    /// replies to it in the order they started. Empty for an unknown session.
    pub async fn history(&self, session_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        const MESSAGES: &str = "SELECT message_id, message_number, text, context, created_at_ms \
                                FROM messages WHERE session_id = $1 ORDER BY message_number";
        const REPLIES: &str = "SELECT r.message_id, m.message_number, r.agent, r.status, r.text, \
             r.prompt_tokens, r.candidates_tokens, r.total_tokens, r.usage_estimated, r.error, \
             r.started_at_ms, r.finished_at_ms \
             FROM replies r JOIN messages m \
             ON m.session_id = r.session_id AND m.message_id = r.message_id \
             WHERE r.session_id = $1 ORDER BY m.message_number, r.started_at_ms, r.agent";
        let (messages, replies) = on_engine!(&self.reads, pool => {
            let messages = sqlx::query(MESSAGES).bind(session_id).fetch_all(pool).await?;
            let messages = messages
                .iter()
                .map(|row| -> Result<HistoryEntry, StoreError> {
                    let context: Option<String> = row.try_get("context")?;
                    Ok(HistoryEntry {
                        role: EntryRole::User,
                        message_id: row.try_get("message_id")?,
                        message_number: to_u32("messages.message_number", row.try_get("message_number")?)?,
                        text: row.try_get("text")?,
                        agent: None,
                        context: context.as_deref().map(parse_context).transpose()?,
                        status: None,
                        usage: None,
                        error: None,
                        created_at_ms: row.try_get("created_at_ms")?,
                        finished_at_ms: None,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let replies = sqlx::query(REPLIES).bind(session_id).fetch_all(pool).await?;
            let replies = replies
                .iter()
                .map(|row| -> Result<HistoryEntry, StoreError> {
                    let status: String = row.try_get("status")?;
                    let total: Option<i64> = row.try_get("total_tokens")?;
                    let usage = match total {
                        Some(total) => Some(TokenUsage {
                            prompt_tokens: to_u64(row.try_get("prompt_tokens")?),
                            candidates_tokens: to_u64(row.try_get("candidates_tokens")?),
                            total_tokens: to_u64(Some(total)),
                            estimated: row.try_get("usage_estimated")?,
                        }),
                        None => None,
                    };
                    Ok(HistoryEntry {
                        role: EntryRole::Agent,
                        message_id: row.try_get("message_id")?,
                        message_number: to_u32("messages.message_number", row.try_get("message_number")?)?,
                        text: row.try_get("text")?,
                        agent: Some(row.try_get("agent")?),
                        context: None,
                        status: Some(EntryStatus::parse(&status)?),
                        usage,
                        error: row.try_get("error")?,
                        created_at_ms: row.try_get("started_at_ms")?,
                        finished_at_ms: row.try_get("finished_at_ms")?,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            (messages, replies)
        });
        Ok(interleave(messages, replies))
    }
}

/// Puts each message's replies right after it; both lists are in `message_number` order.
fn interleave(messages: Vec<HistoryEntry>, replies: Vec<HistoryEntry>) -> Vec<HistoryEntry> {
    let mut entries = Vec::with_capacity(messages.len() + replies.len());
    let mut replies = replies.into_iter().peekable();
    for message in messages {
        let number = message.message_number;
        entries.push(message);
        while let Some(reply) = replies.next_if(|reply| reply.message_number == number) {
            entries.push(reply);
        }
    }
    entries
}

fn parse_context(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt {
        what: "messages.context".into(),
        detail: error.to_string(),
    })
}

pub(super) fn to_u32(what: &str, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt {
        what: what.into(),
        detail: format!("{value} is not a count"),
    })
}

fn to_u64(value: Option<i64>) -> u64 {
    value.map_or(0, |value| u64::try_from(value).unwrap_or(0))
}

pub(super) fn session_not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        what: format!("session `{id}`"),
    }
}

pub(super) fn message_not_found(session_id: &str, message_id: &str) -> StoreError {
    StoreError::NotFound {
        what: format!("message `{message_id}` in session `{session_id}`"),
    }
}
