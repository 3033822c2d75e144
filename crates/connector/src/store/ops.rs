//! Every write of the store, written once over [`WriteConn`] and run on either engine.
//!
//! Writes that must stay consistent across concurrent writers (two connections, two
//! processes, two nodes) open with a write on the session row: PostgreSQL then holds
//! that row's lock and SQLite its write lock until commit, so counting and numbering are
//! serialised per session. [`accept`] and [`finish`] run inside the group-commit writer's
//! shared transactions (`batch.rs`); the others each in a statement or transaction of
//! their own. The SQL uses `$N` placeholders, which both engines accept.

use super::batch::{AcceptOp, FinishOp};
use super::queries::{message_not_found, session_not_found, to_u32};
use super::write::{Abort, Arg, WriteConn, columns, in_transaction};
use super::{Accepted, EntryStatus, ReplyStatus, StoreError};

/// A failed statement (the transaction is spoiled), or the operation's own answer.
pub(super) type Outcome<T> = Result<Result<T, StoreError>, StoreError>;

pub(super) async fn create_session<C: WriteConn>(
    conn: &mut C,
    id: &str,
    connector: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let inserted = conn
        .execute(
            "INSERT INTO sessions (id, connector, created_at_ms, last_active_ms, message_count) \
             VALUES ($1, $2, $3, $3, 0) ON CONFLICT (id) DO NOTHING",
            &[Arg::Text(id), Arg::Text(connector), Arg::Int(now_ms)],
        )
        .await?;
    if inserted == 0 {
        return Err(StoreError::AlreadyExists {
            what: format!("session `{id}`"),
        });
    }
    Ok(())
}

pub(super) async fn touch_session<C: WriteConn>(
    conn: &mut C,
    id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let updated = conn
        .execute(
            "UPDATE sessions SET last_active_ms = $2 WHERE id = $1",
            &[Arg::Text(id), Arg::Int(now_ms)],
        )
        .await?;
    if updated == 0 {
        return Err(session_not_found(id));
    }
    Ok(())
}

pub(super) async fn begin_reply<C: WriteConn>(
    conn: &mut C,
    session_id: &str,
    message_id: &str,
    agent: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let inserted = conn
        .execute(
            "INSERT INTO replies (session_id, message_id, agent, status, text, started_at_ms) \
             SELECT session_id, message_id, $3, 'streaming', '', $4 FROM messages \
             WHERE session_id = $1 AND message_id = $2 \
             ON CONFLICT (session_id, message_id, agent) DO NOTHING",
            &[
                Arg::Text(session_id),
                Arg::Text(message_id),
                Arg::Text(agent),
                Arg::Int(now_ms),
            ],
        )
        .await?;
    if inserted == 1 {
        return Ok(());
    }
    let exists = conn
        .fetch(
            "SELECT 1 FROM messages WHERE session_id = $1 AND message_id = $2",
            &[Arg::Text(session_id), Arg::Text(message_id)],
        )
        .await?;
    Err(if exists.is_empty() {
        message_not_found(session_id, message_id)
    } else {
        StoreError::AlreadyExists {
            what: format!(
                "reply of agent `{agent}` to message `{message_id}` in session `{session_id}`"
            ),
        }
    })
}

/// Marks the session's replies still `streaming` as `interrupted`; returns
/// `(message_number, message_id, agent)` of each.
pub(super) async fn mark_interrupted<C: WriteConn>(
    conn: &mut C,
    session_id: &str,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    in_transaction(conn, async |conn| {
        mark_interrupted_in_transaction(conn, session_id).await
    })
    .await
    .map_err(Abort::into_inner)
}

async fn mark_interrupted_in_transaction<C: WriteConn>(
    conn: &mut C,
    session_id: &str,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    // The session row first, as every batched write does (`batch.rs`), so this and a
    // batch holding the session cannot wait on each other's reply rows.
    conn.execute(
        "UPDATE sessions SET message_count = message_count WHERE id = $1",
        &[Arg::Text(session_id)],
    )
    .await?;
    let rows = conn
        .fetch(
            "UPDATE replies SET status = 'interrupted' \
             WHERE session_id = $1 AND status = 'streaming' \
             RETURNING (SELECT message_number FROM messages m \
              WHERE m.session_id = replies.session_id AND m.message_id = replies.message_id), \
             message_id, agent",
            &[Arg::Text(session_id)],
        )
        .await?;
    rows.into_iter()
        .map(|row| {
            let [number, message_id, agent] = columns(row, "replies")?;
            Ok((
                number.int("messages.message_number")?,
                message_id.text("replies.message_id")?,
                agent.text("replies.agent")?,
            ))
        })
        .collect()
}

/// Accepts a user message and claims its replies (see
/// [`Store::accept_message`](super::Store::accept_message)).
pub(super) async fn accept<C: WriteConn>(
    conn: &mut C,
    req: &AcceptOp,
) -> Outcome<Option<Accepted>> {
    // The common case, a new message under the limit, takes two statements (three with
    // its reply). The first is a write: it takes the session row's lock (PostgreSQL)
    // before anything is read (SQLite holds its write lock since `BEGIN`), and counts the
    // message before knowing it is new.
    let session = Arg::Text(&req.session_id);
    let message = Arg::Text(&req.message_id);
    let counted = conn
        .fetch(
            "UPDATE sessions SET last_active_ms = $2, message_count = message_count + 1 \
             WHERE id = $1 AND message_count < $3 RETURNING message_count",
            &[
                session,
                Arg::Int(req.now_ms),
                Arg::Int(i64::from(req.max_messages)),
            ],
        )
        .await?;
    let fresh = match counted.into_iter().next() {
        Some(row) => {
            let [count] = columns(row, "sessions")?;
            let number = count.int("sessions.message_count")?;
            let inserted = conn
                .execute(
                    "INSERT INTO messages \
                     (session_id, message_id, message_number, text, context, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (session_id, message_id) DO NOTHING",
                    &[
                        session,
                        message,
                        Arg::Int(number),
                        Arg::Text(&req.text),
                        Arg::NullableText(req.context.as_deref()),
                        Arg::Int(req.now_ms),
                    ],
                )
                .await?;
            if inserted == 0 {
                // Sent before: it counts once, with its first number (below).
                conn.execute(
                    "UPDATE sessions SET message_count = message_count - 1 WHERE id = $1",
                    &[session],
                )
                .await?;
            }
            (inserted == 1).then_some(number)
        }
        None => {
            // At the limit, or no such session: the activity is still recorded.
            let found = conn
                .execute(
                    "UPDATE sessions SET last_active_ms = $2 WHERE id = $1",
                    &[session, Arg::Int(req.now_ms)],
                )
                .await?;
            if found == 0 {
                return Ok(Err(session_not_found(&req.session_id)));
            }
            None
        }
    };
    let (number, wanted) = match fresh {
        Some(number) => (number, &req.agents[..]),
        None => {
            // Sent before (its first number, even at the limit), or refused.
            let existing = conn
                .fetch(
                    "SELECT message_number, \
                     CASE WHEN EXISTS (SELECT 1 FROM replies r \
                     WHERE r.session_id = $1 AND r.message_id = $2) THEN 1 ELSE 0 END \
                     FROM messages WHERE session_id = $1 AND message_id = $2",
                    &[session, message],
                )
                .await?;
            let Some(row) = existing.into_iter().next() else {
                return Ok(Ok(None));
            };
            let [number, answered] = columns(row, "messages")?;
            let number = number.int("messages.message_number")?;
            if answered.int("replies")? == 1 {
                (number, &[][..])
            } else {
                (number, &req.agents[..])
            }
        }
    };
    let mut claimed = Vec::with_capacity(wanted.len());
    for agent in wanted {
        let inserted = conn
            .execute(
                "INSERT INTO replies \
                 (session_id, message_id, agent, status, text, started_at_ms) \
                 VALUES ($1, $2, $3, 'streaming', '', $4) \
                 ON CONFLICT (session_id, message_id, agent) DO NOTHING",
                &[session, message, Arg::Text(agent), Arg::Int(req.now_ms)],
            )
            .await?;
        if inserted == 1 {
            claimed.push(agent.clone());
        }
    }
    Ok(to_u32("messages.message_number", number).map(|number| Some(Accepted { number, claimed })))
}

/// Stores how a reply ended (see [`Store::finish_reply`](super::Store::finish_reply)).
pub(super) async fn finish<C: WriteConn>(conn: &mut C, req: &FinishOp) -> Outcome<ReplyStatus> {
    // The session row first, as in `accept` (lock order); a reply ending is activity on
    // the session, which pushes back its idle timeout (never back).
    conn.execute(
        "UPDATE sessions SET last_active_ms = CASE WHEN last_active_ms < $2 THEN $2 \
         ELSE last_active_ms END WHERE id = $1",
        &[Arg::Text(&req.session_id), Arg::Int(req.now_ms)],
    )
    .await?;
    let stored = conn
        .fetch(
            "INSERT INTO replies (session_id, message_id, agent, status, text, prompt_tokens, \
             candidates_tokens, total_tokens, usage_estimated, error, started_at_ms, finished_at_ms) \
             SELECT session_id, message_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11 FROM messages \
             WHERE session_id = $1 AND message_id = $2 \
             ON CONFLICT (session_id, message_id, agent) DO UPDATE SET \
             status = CASE WHEN replies.status = 'interrupted' THEN replies.status \
             ELSE excluded.status END, text = excluded.text, \
             prompt_tokens = excluded.prompt_tokens, candidates_tokens = excluded.candidates_tokens, \
             total_tokens = excluded.total_tokens, usage_estimated = excluded.usage_estimated, \
             error = excluded.error, finished_at_ms = excluded.finished_at_ms \
             RETURNING status",
            &[
                Arg::Text(&req.session_id),
                Arg::Text(&req.message_id),
                Arg::Text(&req.agent),
                Arg::Text(req.status.as_str()),
                Arg::Text(&req.text),
                Arg::NullableInt(req.prompt_tokens),
                Arg::NullableInt(req.candidates_tokens),
                Arg::NullableInt(req.total_tokens),
                Arg::Bool(req.usage_estimated),
                Arg::NullableText(req.error.as_deref()),
                Arg::Int(req.now_ms),
            ],
        )
        .await?;
    let Some(row) = stored.into_iter().next() else {
        return Ok(Err(message_not_found(&req.session_id, &req.message_id)));
    };
    let [status] = columns(row, "replies")?;
    let status = status.text("replies.status")?;
    Ok(EntryStatus::parse(&status).and_then(|status| match status {
        EntryStatus::Completed => Ok(ReplyStatus::Completed),
        EntryStatus::Cancelled => Ok(ReplyStatus::Cancelled),
        EntryStatus::Failed => Ok(ReplyStatus::Failed),
        EntryStatus::Interrupted => Ok(ReplyStatus::Interrupted),
        EntryStatus::Streaming => Err(StoreError::Corrupt {
            what: "replies.status".into(),
            detail: "a finished reply is still `streaming`".into(),
        }),
    }))
}
