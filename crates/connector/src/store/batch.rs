//! Group commit: one task per [`Store`](super::Store) owns the writes of the turn path
//! (accepting a message, finishing a reply) and commits those of every session together.
//!
//! Why: every message costs writes, and one transaction each means one commit each (an
//! fsync on PostgreSQL) and, on SQLite, pooled writers meeting `SQLITE_BUSY` and sleeping
//! in its busy handler. Here the writes queue in a channel instead. The task takes what
//! has queued (at most [`MAX_BATCH`]), runs each operation in turn inside one
//! transaction, commits, and only then answers each caller, so an `ack` or an end event
//! still follows the commit of what it reports. There is no timer: a batch is whatever
//! queued while the previous one committed, so a lone write waits for nothing.
//!
//! Everything that must hold across nodes is still decided by the statements themselves
//! (the session row is written first, then read), exactly as in a transaction of its own.
//!
//! Lock order: a batch runs its operations in session-id order (arrival order within a
//! session), and each operation's first statement writes its session row, so two nodes'
//! batches on one PostgreSQL take session locks in the same order and cannot deadlock
//! each other.
//!
//! Failure: an operation's own outcome (an unknown session, the limit reached) is its
//! answer and leaves the batch alone. A statement that fails (a value the database
//! refuses, a deadlock with some other transaction) aborts the transaction: the batch is
//! rolled back and each operation is run again in a transaction of its own, so only the
//! failing one fails.

use sqlx::postgres::{PgConnection, PgPool, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::{Row, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::connect::Engine;
use super::{Accepted, EntryStatus, ReplyStatus, StoreError};

/// The most operations one transaction commits.
pub(super) const MAX_BATCH: usize = 256;

/// The queue into the store's writer task.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    /// Unbounded, yet bounded in practice: every caller awaits its answer, so at most one
    /// operation per session task and per reply task is ever queued.
    queue: mpsc::UnboundedSender<Op>,
}

/// A user message to accept (see [`Store::accept_message`](super::Store::accept_message)).
pub(super) struct AcceptOp {
    pub session_id: String,
    pub message_id: String,
    pub text: String,
    /// `payload.context` as JSON text.
    pub context: Option<String>,
    pub agents: Vec<String>,
    pub max_messages: u32,
    pub now_ms: i64,
}

/// A reply to finish (see [`Store::finish_reply`](super::Store::finish_reply)).
pub(super) struct FinishOp {
    pub session_id: String,
    pub message_id: String,
    pub agent: String,
    pub text: String,
    pub prompt_tokens: Option<i64>,
    pub candidates_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    pub usage_estimated: bool,
    pub status: EntryStatus,
    pub error: Option<String>,
    pub now_ms: i64,
}

/// One queued operation with the caller waiting for its answer.
enum Op {
    Accept(Pending<AcceptOp, Option<Accepted>>),
    Finish(Pending<FinishOp, ReplyStatus>),
}

struct Pending<Req, Res> {
    req: Req,
    /// Set once the operation ran; final only after the commit.
    done: Option<Result<Res, StoreError>>,
    answer: oneshot::Sender<Result<Res, StoreError>>,
}

/// Why a transaction did not commit.
enum Abort {
    Begin(sqlx::Error),
    Statement(sqlx::Error),
    Commit(sqlx::Error),
}

impl Writer {
    /// Starts the writer task on the current runtime; it ends when the last `Writer` is
    /// dropped.
    pub(super) fn spawn(engine: Engine) -> Writer {
        let (queue, ops) = mpsc::unbounded_channel();
        tokio::spawn(run(engine, ops));
        Writer { queue }
    }

    pub(super) async fn accept(&self, req: AcceptOp) -> Result<Option<Accepted>, StoreError> {
        let (answer, answered) = oneshot::channel();
        self.submit(Op::Accept(Pending::new(req, answer)))?;
        answered.await.map_err(|_| writer_gone())?
    }

    pub(super) async fn finish(&self, req: FinishOp) -> Result<ReplyStatus, StoreError> {
        let (answer, answered) = oneshot::channel();
        self.submit(Op::Finish(Pending::new(req, answer)))?;
        answered.await.map_err(|_| writer_gone())?
    }

    fn submit(&self, op: Op) -> Result<(), StoreError> {
        self.queue.send(op).map_err(|_| writer_gone())
    }
}

impl<Req, Res> Pending<Req, Res> {
    fn new(req: Req, answer: oneshot::Sender<Result<Res, StoreError>>) -> Self {
        Pending {
            req,
            done: None,
            answer,
        }
    }

    fn answer(self) {
        // The caller may have gone away (its connection dropped); the write stands.
        let _ = self
            .answer
            .send(self.done.unwrap_or_else(|| Err(writer_gone())));
    }
}

impl Op {
    fn session_id(&self) -> &str {
        match self {
            Op::Accept(pending) => &pending.req.session_id,
            Op::Finish(pending) => &pending.req.session_id,
        }
    }

    fn fail(&mut self, error: StoreError) {
        match self {
            Op::Accept(pending) => pending.done = Some(Err(error)),
            Op::Finish(pending) => pending.done = Some(Err(error)),
        }
    }

    fn answer(self) {
        match self {
            Op::Accept(pending) => pending.answer(),
            Op::Finish(pending) => pending.answer(),
        }
    }
}

async fn run(engine: Engine, mut ops: mpsc::UnboundedReceiver<Op>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while ops.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Stable: a session's operations keep their arrival order.
        batch.sort_by(|a, b| a.session_id().cmp(b.session_id()));
        commit(&engine, &mut batch).await;
        crate::metrics::store_batch(batch.len());
        for op in batch.drain(..) {
            op.answer();
        }
    }
}

/// Runs and commits `batch`, leaving each operation's answer in it.
async fn commit(engine: &Engine, batch: &mut [Op]) {
    let outcome = match engine {
        Engine::Sqlite(pool) => sqlite::run(pool, batch).await,
        Engine::Postgres(pool) => postgres::run(pool, batch).await,
    };
    match outcome {
        Ok(()) => {}
        Err(Abort::Statement(error)) if batch.len() > 1 => {
            tracing::warn!(%error, ops = batch.len(), "a write failed in a batch; running the batch's writes one by one");
            for op in batch.iter_mut() {
                let alone = std::slice::from_mut(op);
                let outcome = match engine {
                    Engine::Sqlite(pool) => sqlite::run(pool, alone).await,
                    Engine::Postgres(pool) => postgres::run(pool, alone).await,
                };
                if let Err(abort) = outcome {
                    op.fail(StoreError::Database(abort.into_inner()));
                }
            }
        }
        Err(abort) => {
            let error = abort.into_inner();
            if let [op] = batch {
                op.fail(StoreError::Database(error));
            } else {
                let detail = error.to_string();
                for op in batch.iter_mut() {
                    op.fail(StoreError::Commit {
                        detail: detail.clone(),
                    });
                }
            }
        }
    }
}

impl Abort {
    fn into_inner(self) -> sqlx::Error {
        match self {
            Abort::Begin(error) | Abort::Statement(error) | Abort::Commit(error) => error,
        }
    }
}

fn writer_gone() -> StoreError {
    StoreError::Commit {
        detail: "the store's writer has stopped (the store was closed)".into(),
    }
}

/// How each engine opens a transaction that is about to write.
pub(super) trait WritePool {
    type Db: sqlx::Database;

    async fn begin_write(&self) -> Result<Transaction<'static, Self::Db>, sqlx::Error>;
}

impl WritePool for SqlitePool {
    type Db = Sqlite;

    /// Takes the write lock at `BEGIN`, so a reader never has to upgrade (which SQLite
    /// refuses with `SQLITE_BUSY` instead of waiting).
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl WritePool for PgPool {
    type Db = Postgres;

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// The batch transaction and its operations, written once and expanded for each engine's
/// concrete types (sqlx code generic over the database needs a bound per bound type).
macro_rules! engine_writes {
    ($module:ident, $pool:ty, $conn:ty) => {
        mod $module {
            use super::*;

            /// Runs `batch` in one transaction; `Err` means nothing of it was committed.
            pub(super) async fn run(pool: &$pool, batch: &mut [Op]) -> Result<(), Abort> {
                let mut tx = pool.begin_write().await.map_err(Abort::Begin)?;
                for op in batch.iter_mut() {
                    match op {
                        Op::Accept(pending) => {
                            let done = accept(&mut tx, &pending.req).await;
                            pending.done = Some(done.map_err(Abort::Statement)?);
                        }
                        Op::Finish(pending) => {
                            let done = finish(&mut tx, &pending.req).await;
                            pending.done = Some(done.map_err(Abort::Statement)?);
                        }
                    }
                }
                tx.commit().await.map_err(Abort::Commit)
            }

            /// The outer `Err` is a failed statement (the transaction is spoiled); the
            /// inner one is this operation's own answer.
            async fn accept(
                conn: &mut $conn,
                req: &AcceptOp,
            ) -> Result<Result<Option<Accepted>, StoreError>, sqlx::Error> {
                // The common case, a new message under the limit, takes two statements
                // (three with its reply). The first is a write: it takes the session row's
                // lock (PostgreSQL) before anything is read (SQLite holds its write lock
                // since `BEGIN`), and counts the message before knowing it is new.
                let counted = sqlx::query(
                    "UPDATE sessions SET last_active_ms = $2, message_count = message_count + 1 \
                     WHERE id = $1 AND message_count < $3 RETURNING message_count",
                )
                .bind(&req.session_id)
                .bind(req.now_ms)
                .bind(i64::from(req.max_messages))
                .fetch_optional(&mut *conn)
                .await?
                .map(|row| row.try_get::<i64, _>("message_count"))
                .transpose()?;
                let fresh = match counted {
                    Some(number) => {
                        let inserted = sqlx::query(
                            "INSERT INTO messages \
                             (session_id, message_id, message_number, text, context, created_at_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6) \
                             ON CONFLICT (session_id, message_id) DO NOTHING",
                        )
                        .bind(&req.session_id)
                        .bind(&req.message_id)
                        .bind(number)
                        .bind(&req.text)
                        .bind(req.context.as_deref())
                        .bind(req.now_ms)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected();
                        if inserted == 0 {
                            // Sent before: it counts once, with its first number (below).
                            sqlx::query(
                                "UPDATE sessions SET message_count = message_count - 1 WHERE id = $1",
                            )
                            .bind(&req.session_id)
                            .execute(&mut *conn)
                            .await?;
                        }
                        (inserted == 1).then_some(number)
                    }
                    None => {
                        // At the limit, or no such session: the activity is still recorded.
                        let found = sqlx::query(
                            "UPDATE sessions SET last_active_ms = $2 WHERE id = $1",
                        )
                        .bind(&req.session_id)
                        .bind(req.now_ms)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected();
                        if found == 0 {
                            return Ok(Err(super::super::queries::session_not_found(&req.session_id)));
                        }
                        None
                    }
                };
                let (number, wanted) = match fresh {
                    Some(number) => (number, &req.agents[..]),
                    None => {
                        // Sent before (its first number, even at the limit), or refused.
                        let existing = sqlx::query(
                            "SELECT message_number, \
                             EXISTS (SELECT 1 FROM replies r \
                                     WHERE r.session_id = $1 AND r.message_id = $2) AS answered \
                             FROM messages WHERE session_id = $1 AND message_id = $2",
                        )
                        .bind(&req.session_id)
                        .bind(&req.message_id)
                        .fetch_optional(&mut *conn)
                        .await?;
                        match existing {
                            Some(existing) if existing.try_get::<bool, _>("answered")? => {
                                (existing.try_get::<i64, _>("message_number")?, &[][..])
                            }
                            Some(existing) => {
                                (existing.try_get::<i64, _>("message_number")?, &req.agents[..])
                            }
                            None => return Ok(Ok(None)),
                        }
                    }
                };
                let mut claimed = Vec::with_capacity(wanted.len());
                for agent in wanted {
                    let inserted = sqlx::query(
                        "INSERT INTO replies \
                         (session_id, message_id, agent, status, text, started_at_ms) \
                         VALUES ($1, $2, $3, 'streaming', '', $4) \
                         ON CONFLICT (session_id, message_id, agent) DO NOTHING",
                    )
                    .bind(&req.session_id)
                    .bind(&req.message_id)
                    .bind(agent)
                    .bind(req.now_ms)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                    if inserted == 1 {
                        claimed.push(agent.clone());
                    }
                }
                Ok(super::super::queries::to_u32("messages.message_number", number)
                    .map(|number| Some(Accepted { number, claimed })))
            }

            async fn finish(
                conn: &mut $conn,
                req: &FinishOp,
            ) -> Result<Result<ReplyStatus, StoreError>, sqlx::Error> {
                // The session row first, as in `accept` (lock order); a reply ending is
                // activity on the session, which pushes back its idle timeout (never back).
                sqlx::query(
                    "UPDATE sessions SET last_active_ms = CASE WHEN last_active_ms < $2 THEN $2 \
                     ELSE last_active_ms END WHERE id = $1",
                )
                .bind(&req.session_id)
                .bind(req.now_ms)
                .execute(&mut *conn)
                .await?;
                let stored = sqlx::query(
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
                )
                .bind(&req.session_id)
                .bind(&req.message_id)
                .bind(&req.agent)
                .bind(req.status.as_str())
                .bind(&req.text)
                .bind(req.prompt_tokens)
                .bind(req.candidates_tokens)
                .bind(req.total_tokens)
                .bind(req.usage_estimated)
                .bind(req.error.as_deref())
                .bind(req.now_ms)
                .fetch_optional(&mut *conn)
                .await?;
                let Some(stored) = stored else {
                    return Ok(Err(super::super::queries::message_not_found(
                        &req.session_id,
                        &req.message_id,
                    )));
                };
                let stored: String = stored.try_get("status")?;
                Ok(EntryStatus::parse(&stored).and_then(|status| match status {
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
        }
    };
}

engine_writes!(sqlite, SqlitePool, SqliteConnection);
engine_writes!(postgres, PgPool, PgConnection);
