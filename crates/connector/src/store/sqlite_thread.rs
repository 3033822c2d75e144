//! The SQLite write connection, owned by one OS thread that runs the store's writes on it.
//!
//! Why: through sqlx, every statement is a round trip to its SQLite worker thread (a
//! channel send and a wake-up each way), and a group-commit batch of N turns runs about
//! 5N of them one after another; that bound the connector's chat throughput
//! (docs/benchmarks.md). Here the thread is the group-commit writer itself: the turn
//! path's operations (`batch.rs`) go straight into its queue, and it takes what has queued,
//! runs it synchronously on prepared statements kept in rusqlite's cache, commits and
//! answers each caller, so a write costs one hand-off each way and nothing in between.
//! Every write of the store goes through this one connection, so writers in one process
//! queue for it instead of sleeping in SQLite's busy handler; reads stay on sqlx's pool.
//! Checkpoints run beside it, on a connection of their own (`checkpoint.rs`).

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Statement};
use tokio::sync::oneshot;

use super::StoreError;
use super::batch::{self, MAX_BATCH, Op};
use super::checkpoint;
use super::write::{Arg, Cell, Row, WriteConn};

/// Prepared statements kept: every write statement of `ops.rs`, with room to spare.
const STATEMENT_CACHE: usize = 32;

/// A handle to the write thread; the thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct SqliteThread {
    work: mpsc::Sender<Work>,
}

/// What the thread is given to do, in order.
#[expect(
    clippy::large_enum_variant,
    reason = "nearly all work is `Op`s, passed by value so a write allocates nothing more; \
              the queue holds a few at a time"
)]
enum Work {
    /// A turn-path write, committed in a batch with the others queued beside it.
    Op(Op),
    /// Anything else, run on its own.
    Job(Job),
}

type Job = Box<dyn FnOnce(&mut SqliteWrite) + Send>;

/// The thread's connection, as a [`WriteConn`].
pub(super) struct SqliteWrite {
    conn: Connection,
}

impl SqliteThread {
    /// Opens the database file at `path` (which the migrations already created, in WAL
    /// mode) and starts the thread, and the checkpointer beside it.
    pub(super) fn open(path: &Path, busy_timeout: Duration) -> Result<SqliteThread, StoreError> {
        let conn = open(path, busy_timeout)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Commits never checkpoint (a checkpoint syncs the database file, which would
        // stall every write queued behind it): the checkpointer does, on its own thread.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let running = checkpoint::start(open(path, busy_timeout)?)?;
        let (work, queue) = mpsc::channel::<Work>();
        std::thread::Builder::new()
            .name("duplex-sqlite-writer".into())
            .spawn(move || {
                serve(SqliteWrite { conn }, &queue);
                // The checkpointer stops with the writer.
                drop(running);
            })
            .map_err(|error| thread_error("write", &error))?;
        Ok(SqliteThread { work })
    }

    /// Queues a turn-path write; its caller is answered after the commit.
    pub(super) fn submit(&self, op: Op) -> Result<(), StoreError> {
        self.work
            .send(Work::Op(op))
            .map_err(|_| batch::writer_gone())
    }

    /// Runs `job` on the thread, after the work queued before it, and returns its result.
    pub(super) async fn call<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut SqliteWrite) -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = oneshot::channel();
        self.work
            .send(Work::Job(Box::new(move |conn| {
                // The caller may have gone away; what the job wrote stands.
                let _ = answer.send(job(conn));
            })))
            .map_err(|_| batch::writer_gone())?;
        answered.await.map_err(|_| batch::writer_gone())
    }
}

/// A connection to the store's database file, as the write thread and the checkpointer
/// each hold one.
pub(super) fn open(path: &Path, busy_timeout: Duration) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy_timeout)?;
    Ok(conn)
}

/// The store could not start its `which` thread.
pub(super) fn thread_error(which: &str, error: &std::io::Error) -> StoreError {
    StoreError::Commit {
        detail: format!("cannot start the SQLite {which} thread: {error}"),
    }
}

/// The thread's loop: a batch is every operation queued by the time the last commit
/// ended (at most [`MAX_BATCH`]), so a lone write waits for nothing; a job runs after the
/// operations queued before it.
fn serve(mut conn: SqliteWrite, queue: &mpsc::Receiver<Work>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut next = queue.recv().ok();
    while let Some(work) = next.take() {
        match work {
            Work::Job(job) => job(&mut conn),
            Work::Op(op) => {
                batch.push(op);
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(Work::Op(op)) => batch.push(op),
                        Ok(job) => {
                            next = Some(job);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                // This thread never waits inside a write, so `block_on` only drives a
                // future that is finished when first polled.
                futures::executor::block_on(batch::commit_and_answer(&mut conn, &mut batch));
            }
        }
        if next.is_none() {
            next = queue.recv().ok();
        }
    }
}

/// Binds `args` to the statement's `$N` placeholders by their numbers (SQLite numbers
/// named parameters in order of first appearance, which need not be `N`).
fn bind(statement: &mut Statement<'_>, args: &[Arg<'_>]) -> Result<(), StoreError> {
    for at in 1..=statement.parameter_count() {
        let number = statement
            .parameter_name(at)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|number| number.parse::<usize>().ok());
        let Some(arg) = number.and_then(|number| args.get(number.wrapping_sub(1))) else {
            return Err(StoreError::Corrupt {
                what: "a store statement".into(),
                detail: format!(
                    "parameter {at} has no `$N` value among {} given",
                    args.len()
                ),
            });
        };
        match *arg {
            Arg::Text(value) => statement.raw_bind_parameter(at, value)?,
            Arg::NullableText(value) => statement.raw_bind_parameter(at, value)?,
            Arg::Int(value) => statement.raw_bind_parameter(at, value)?,
            Arg::NullableInt(value) => statement.raw_bind_parameter(at, value)?,
            Arg::Bool(value) => statement.raw_bind_parameter(at, value)?,
        }
    }
    Ok(())
}

fn cell(value: ValueRef<'_>) -> Result<Cell, StoreError> {
    Ok(match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(value) => Cell::Int(value),
        ValueRef::Text(text) => Cell::Text(
            std::str::from_utf8(text)
                .map_err(|error| StoreError::Corrupt {
                    what: "a text column".into(),
                    detail: error.to_string(),
                })?
                .to_owned(),
        ),
        ValueRef::Real(_) | ValueRef::Blob(_) => {
            return Err(StoreError::Corrupt {
                what: "a column".into(),
                detail: "a real or blob value, which the store never writes".into(),
            });
        }
    })
}

impl SqliteWrite {
    fn run(&mut self, sql: &'static str) -> Result<(), StoreError> {
        self.conn.prepare_cached(sql)?.raw_execute()?;
        Ok(())
    }
}

impl WriteConn for SqliteWrite {
    async fn begin(&mut self) -> Result<(), StoreError> {
        if !self.conn.is_autocommit() {
            // A transaction left open by a failure that could not roll back.
            self.run("ROLLBACK")?;
        }
        self.run("BEGIN IMMEDIATE")
    }

    async fn commit(&mut self) -> Result<(), StoreError> {
        self.run("COMMIT")
    }

    async fn rollback(&mut self) -> Result<(), StoreError> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.run("ROLLBACK")
    }

    async fn execute(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        let mut statement = self.conn.prepare_cached(sql)?;
        bind(&mut statement, args)?;
        let changed = statement.raw_execute()?;
        Ok(u64::try_from(changed).unwrap_or(u64::MAX))
    }

    async fn fetch(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<Vec<Row>, StoreError> {
        let mut statement = self.conn.prepare_cached(sql)?;
        bind(&mut statement, args)?;
        let width = statement.column_count();
        let mut rows = statement.raw_query();
        let mut found = Vec::new();
        while let Some(row) = rows.next()? {
            found.push(
                (0..width)
                    .map(|at| cell(row.get_ref(at)?))
                    .collect::<Result<Row, StoreError>>()?,
            );
        }
        Ok(found)
    }
}
