//! The SQLite write connection, owned by one OS thread that runs the store's writes on it.
//!
//! Why: through sqlx, every statement is a round trip to its SQLite worker thread (a
//! channel send and a wake-up each way), and a group-commit batch of N turns runs about
//! 5N of them one after another; that bound the connector's chat throughput
//! (docs/benchmarks.md). Here a whole batch is handed to the thread once and runs there
//! synchronously, on prepared statements kept in rusqlite's cache. Every write of the
//! store goes through this one connection, so writers in one process queue for it
//! instead of sleeping in SQLite's busy handler; reads stay on sqlx's pool.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Statement};
use tokio::sync::oneshot;

use super::StoreError;
use super::write::{Arg, Cell, Row, WriteConn};

/// Prepared statements kept: every write statement of `ops.rs`, with room to spare.
const STATEMENT_CACHE: usize = 32;

/// A handle to the write thread; the thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct SqliteThread {
    jobs: mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce(&mut SqliteWrite) + Send>;

/// The thread's connection, as a [`WriteConn`].
pub(super) struct SqliteWrite {
    conn: Connection,
}

impl SqliteThread {
    /// Opens the database file at `path` (which the migrations already created, in WAL
    /// mode) and starts the thread.
    pub(super) fn open(path: &Path, busy_timeout: Duration) -> Result<SqliteThread, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(busy_timeout)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("duplex-sqlite-writer".into())
            .spawn(move || {
                let mut conn = SqliteWrite { conn };
                for job in queue {
                    job(&mut conn);
                }
            })
            .map_err(|error| StoreError::Commit {
                detail: format!("cannot start the SQLite write thread: {error}"),
            })?;
        Ok(SqliteThread { jobs })
    }

    /// Runs `job` on the thread, after the jobs queued before it, and returns its result.
    pub(super) async fn call<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut SqliteWrite) -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                // The caller may have gone away; what the job wrote stands.
                let _ = answer.send(job(conn));
            }))
            .map_err(|_| super::batch::writer_gone())?;
        answered.await.map_err(|_| super::batch::writer_gone())
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
    fn run(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.conn.execute_batch(sql)?)
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
