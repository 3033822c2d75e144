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
//! On SQLite the store's write thread (`sqlite_thread.rs`) is the writer: operations go
//! straight into its queue and it gathers and commits them itself, with no task between
//! the caller and the connection. On PostgreSQL a tokio task gathers them and runs each
//! batch on one pooled connection. The operations themselves are `ops.rs`, the same for
//! both, and so is [`commit_and_answer`].
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

use tokio::sync::{mpsc, oneshot};

use super::connect::Writes;
use super::ops;
use super::pg_write::PgWrite;
use super::sqlite_thread::SqliteThread;
use super::write::{Abort, WriteConn, in_transaction};
use super::{Accepted, EntryStatus, ReplyStatus, StoreError};

/// The most operations one transaction commits.
pub(super) const MAX_BATCH: usize = 256;

/// Where the turn path's writes are queued.
#[derive(Debug, Clone)]
pub(super) enum Writer {
    /// The write thread gathers the batches itself.
    Sqlite(SqliteThread),
    /// Into the writer task. Unbounded, yet bounded in practice: every caller awaits its
    /// answer, so at most one operation per session task and per reply task is queued.
    Postgres(mpsc::UnboundedSender<Op>),
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
pub(super) enum Op {
    Accept(Pending<AcceptOp, Option<Accepted>>),
    Finish(Pending<FinishOp, ReplyStatus>),
}

pub(super) struct Pending<Req, Res> {
    req: Req,
    /// Set once the operation ran; final only after the commit.
    done: Option<Result<Res, StoreError>>,
    answer: oneshot::Sender<Result<Res, StoreError>>,
}

impl Writer {
    /// The writer for `writes`; on PostgreSQL this starts the writer task on the current
    /// runtime, which ends when the last `Writer` is dropped.
    pub(super) fn spawn(writes: Writes) -> Writer {
        match writes {
            Writes::Sqlite(thread) => Writer::Sqlite(thread),
            Writes::Postgres(pool) => {
                let (queue, ops) = mpsc::unbounded_channel();
                tokio::spawn(run_postgres(PgWrite::new(pool), ops));
                Writer::Postgres(queue)
            }
        }
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
        match self {
            Writer::Sqlite(thread) => thread.submit(op),
            Writer::Postgres(queue) => queue.send(op).map_err(|_| writer_gone()),
        }
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

async fn run_postgres(mut conn: PgWrite, mut ops: mpsc::UnboundedReceiver<Op>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while ops.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit_and_answer(&mut conn, &mut batch).await;
    }
}

/// Runs and commits the operations in `batch` (emptying it), then answers each caller:
/// only after the commit, so what an answer reports is on record.
pub(super) async fn commit_and_answer<C: WriteConn>(conn: &mut C, batch: &mut Vec<Op>) {
    // Stable: a session's operations keep their arrival order.
    batch.sort_by(|a, b| a.session_id().cmp(b.session_id()));
    commit(conn, batch).await;
    crate::metrics::store_batch(batch.len());
    for op in batch.drain(..) {
        op.answer();
    }
}

/// Runs and commits `batch`, leaving each operation's answer in it.
async fn commit<C: WriteConn>(conn: &mut C, batch: &mut [Op]) {
    match run_batch(conn, batch).await {
        Ok(()) => {}
        Err(Abort::Statement(error)) if batch.len() > 1 => {
            tracing::warn!(%error, ops = batch.len(), "a write failed in a batch; running the batch's writes one by one");
            for op in batch.iter_mut() {
                if let Err(abort) = run_batch(conn, std::slice::from_mut(op)).await {
                    op.fail(abort.into_inner());
                }
            }
        }
        Err(abort) => {
            let error = abort.into_inner();
            if let [op] = batch {
                op.fail(error);
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

/// Runs `batch` in one transaction; `Err` means nothing of it was committed.
async fn run_batch<C: WriteConn>(conn: &mut C, batch: &mut [Op]) -> Result<(), Abort> {
    in_transaction(conn, async |conn| run_ops(conn, batch).await).await
}

async fn run_ops<C: WriteConn>(conn: &mut C, batch: &mut [Op]) -> Result<(), StoreError> {
    for op in batch.iter_mut() {
        match op {
            Op::Accept(pending) => pending.done = Some(ops::accept(conn, &pending.req).await?),
            Op::Finish(pending) => pending.done = Some(ops::finish(conn, &pending.req).await?),
        }
    }
    Ok(())
}

pub(super) fn writer_gone() -> StoreError {
    StoreError::Commit {
        detail: "the store's writer has stopped (the store was closed)".into(),
    }
}
