//! The small interface every store write is written against, so that each write's SQL and
//! logic exist once and run on both engines: on PostgreSQL through sqlx
//! (`pg_write.rs`), on SQLite through the rusqlite connection that the store's write
//! thread owns (`sqlite_thread.rs`), where a whole group-commit batch runs synchronously
//! in one hand-off to that thread instead of one round trip per statement.

use std::future::Future;

use super::StoreError;

/// A value for a statement's `$N` placeholder: `args[0]` is `$1`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Arg<'a> {
    Text(&'a str),
    NullableText(Option<&'a str>),
    Int(i64),
    NullableInt(Option<i64>),
    Bool(bool),
}

/// One column of a returned row. A boolean comes back as `Int` (0 or 1), as SQLite
/// stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// A returned row, its cells in the statement's column order.
pub(super) type Row = Vec<Cell>;

/// One write connection: a transaction at a time, and statements in or out of it.
pub(super) trait WriteConn {
    /// Opens a transaction that holds the write lock from the start (SQLite's
    /// `BEGIN IMMEDIATE`), so a reader never has to upgrade.
    fn begin(&mut self) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn commit(&mut self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Abandons the open transaction, if any.
    fn rollback(&mut self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Runs `sql` and returns how many rows it changed.
    fn execute(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Runs `sql` and returns its rows.
    fn fetch(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> impl Future<Output = Result<Vec<Row>, StoreError>> + Send;
}

/// Why a transaction did not commit; nothing of it was.
pub(super) enum Abort {
    Begin(StoreError),
    /// A statement failed, which spoils the transaction.
    Statement(StoreError),
    Commit(StoreError),
}

impl Abort {
    pub(super) fn into_inner(self) -> StoreError {
        match self {
            Abort::Begin(error) | Abort::Statement(error) | Abort::Commit(error) => error,
        }
    }
}

/// Runs `body` in one transaction on `conn`: committed when it succeeds, rolled back
/// otherwise.
pub(super) async fn in_transaction<C: WriteConn, T>(
    conn: &mut C,
    body: impl AsyncFnOnce(&mut C) -> Result<T, StoreError>,
) -> Result<T, Abort> {
    conn.begin().await.map_err(Abort::Begin)?;
    let outcome = match body(conn).await {
        Ok(done) => conn.commit().await.map(|()| done).map_err(Abort::Commit),
        Err(error) => Err(Abort::Statement(error)),
    };
    if outcome.is_err() {
        // The abort says what failed; a failed rollback adds nothing to it.
        let _ = conn.rollback().await;
    }
    outcome
}

impl Cell {
    pub(super) fn int(&self, what: &str) -> Result<i64, StoreError> {
        match self {
            Cell::Int(value) => Ok(*value),
            other => Err(unexpected(what, "an integer", other)),
        }
    }

    pub(super) fn text(self, what: &str) -> Result<String, StoreError> {
        match self {
            Cell::Text(value) => Ok(value),
            other => Err(unexpected(what, "text", &other)),
        }
    }
}

/// The cells of `row`, which must have exactly `N` columns.
pub(super) fn columns<const N: usize>(row: Row, what: &str) -> Result<[Cell; N], StoreError> {
    let found = row.len();
    row.try_into().map_err(|_| StoreError::Corrupt {
        what: what.into(),
        detail: format!("expected {N} columns, got {found}"),
    })
}

fn unexpected(what: &str, wanted: &str, found: &Cell) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        detail: format!("expected {wanted}, found {found:?}"),
    }
}
