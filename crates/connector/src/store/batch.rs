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
//! On SQLite a batch is handed whole to the store's write thread (`sqlite_thread.rs`) and
//! runs there synchronously; on PostgreSQL it runs on one pooled connection. The
//! operations themselves are `ops.rs`, the same for both.
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

impl Writer {
    /// Starts the writer task on the current runtime; it ends when the last `Writer` is
    /// dropped.
    pub(super) fn spawn(writes: Writes) -> Writer {
        let (queue, ops) = mpsc::unbounded_channel();
        tokio::spawn(run(writes, ops));
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

/// Where the writer's batches run.
enum BatchConn {
    Sqlite(SqliteThread),
    Postgres(PgWrite),
}

async fn run(writes: Writes, mut ops: mpsc::UnboundedReceiver<Op>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut conn = match writes {
        Writes::Sqlite(thread) => BatchConn::Sqlite(thread),
        Writes::Postgres(pool) => BatchConn::Postgres(PgWrite::new(pool)),
    };
    while ops.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Stable: a session's operations keep their arrival order.
        batch.sort_by(|a, b| a.session_id().cmp(b.session_id()));
        match &mut conn {
            BatchConn::Sqlite(thread) => {
                // The whole batch in one hand-off: it runs on the write thread, which
                // never waits inside it, so `block_on` only drives a finished future.
                let mut taken = std::mem::take(&mut batch);
                match thread
                    .call(move |conn| {
                        futures::executor::block_on(commit(conn, &mut taken));
                        taken
                    })
                    .await
                {
                    Ok(done) => batch = done,
                    // The thread is gone with the operations; each caller hears it.
                    Err(_) => continue,
                }
            }
            BatchConn::Postgres(conn) => commit(conn, &mut batch).await,
        }
        crate::metrics::store_batch(batch.len());
        for op in batch.drain(..) {
            op.answer();
        }
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
