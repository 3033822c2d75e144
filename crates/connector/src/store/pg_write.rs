//! [`WriteConn`] on PostgreSQL, through sqlx: statements on the pool, or on the
//! transaction [`WriteConn::begin`] opened (rolled back if dropped while open).

use sqlx::postgres::{PgArguments, PgPool, PgRow, Postgres};
use sqlx::query::Query;
use sqlx::{Column, Row as _, Transaction, TypeInfo};

use super::StoreError;
use super::write::{Arg, Cell, Row, WriteConn};

/// The pool, and the transaction in progress.
pub(super) struct PgWrite {
    pool: PgPool,
    tx: Option<Transaction<'static, Postgres>>,
}

impl PgWrite {
    pub(super) fn new(pool: PgPool) -> PgWrite {
        PgWrite { pool, tx: None }
    }
}

fn query<'q>(sql: &'static str, args: &[Arg<'q>]) -> Query<'q, Postgres, PgArguments> {
    args.iter().fold(sqlx::query(sql), |query, arg| match *arg {
        Arg::Text(value) => query.bind(value),
        Arg::NullableText(value) => query.bind(value),
        Arg::Int(value) => query.bind(value),
        Arg::NullableInt(value) => query.bind(value),
        Arg::Bool(value) => query.bind(value),
    })
}

fn cells(row: &PgRow) -> Result<Row, StoreError> {
    (0..row.len())
        .map(|at| {
            let kind = row.column(at).type_info().name();
            Ok(match kind {
                "INT8" => row.try_get::<Option<i64>, _>(at)?.map(Cell::Int),
                "INT4" => row
                    .try_get::<Option<i32>, _>(at)?
                    .map(|n| Cell::Int(n.into())),
                "BOOL" => row
                    .try_get::<Option<bool>, _>(at)?
                    .map(|b| Cell::Int(b.into())),
                "TEXT" | "VARCHAR" => row.try_get::<Option<String>, _>(at)?.map(Cell::Text),
                other => {
                    return Err(StoreError::Corrupt {
                        what: row.column(at).name().into(),
                        detail: format!("a column of type {other}, which the store never writes"),
                    });
                }
            }
            .unwrap_or(Cell::Null))
        })
        .collect()
}

impl WriteConn for PgWrite {
    async fn begin(&mut self) -> Result<(), StoreError> {
        self.tx = Some(self.pool.begin().await?);
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), StoreError> {
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        Ok(())
    }

    async fn rollback(&mut self) -> Result<(), StoreError> {
        if let Some(tx) = self.tx.take() {
            tx.rollback().await?;
        }
        Ok(())
    }

    async fn execute(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        let query = query(sql, args);
        let done = match &mut self.tx {
            Some(tx) => query.execute(&mut **tx).await?,
            None => query.execute(&self.pool).await?,
        };
        Ok(done.rows_affected())
    }

    async fn fetch(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<Vec<Row>, StoreError> {
        let query = query(sql, args);
        let rows = match &mut self.tx {
            Some(tx) => query.fetch_all(&mut **tx).await?,
            None => query.fetch_all(&self.pool).await?,
        };
        rows.iter().map(cells).collect()
    }
}
