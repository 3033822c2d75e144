//! Opening a store from its URL: engine choice, pool settings, and the embedded migrations.
//!
//! Migrations are compiled into the binary (`include_str!`), so a deployed `duplex` needs no
//! migration files beside it. On PostgreSQL, sqlx takes an advisory lock while migrating, so
//! several nodes starting at once migrate the shared database exactly once.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::sqlite_thread::SqliteThread;
use super::{Store, StoreError};

/// Where a [`Store`]'s reads go.
#[derive(Debug, Clone)]
pub(super) enum Engine {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Where a [`Store`]'s writes go.
#[derive(Debug, Clone)]
pub(super) enum Writes {
    /// The one write connection, on its own thread.
    Sqlite(SqliteThread),
    Postgres(PgPool),
}

/// `(version, description, SQL)` for each engine, oldest first.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "sessions",
    include_str!("../../migrations/sqlite/0001_sessions.sql"),
)];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "sessions",
    include_str!("../../migrations/postgres/0001_sessions.sql"),
)];

/// How long a SQLite writer waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections for SQLite reads. Writes have one connection of their own, on its own
/// thread (`sqlite_thread.rs`): SQLite lets one writer in at a time anyway, and writes
/// queued for one connection run in order, where writers on several connections would
/// sleep in SQLite's busy handler.
const SQLITE_READ_CONNECTIONS: u32 = 8;
const POSTGRES_MAX_CONNECTIONS: u32 = 16;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

impl Store {
    /// Opens the store at `url` and brings its schema up to date.
    ///
    /// - `sqlite://PATH` (or `sqlite:PATH`): the file and its parent directories are created
    ///   when missing; WAL journal, `synchronous = NORMAL` (a committed message survives a
    ///   `kill -9` of the process), and a busy timeout so concurrent writers wait their turn.
    /// - `postgres://USER@HOST:PORT/DB` (or `postgresql://`).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            connect_postgres(url).await
        } else {
            Err(StoreError::InvalidUrl {
                url: redact(url),
                hint:
                    "use `sqlite://PATH` for the embedded store or `postgres://USER@HOST:PORT/DB` \
                       for a shared one"
                        .into(),
            })
        }
    }

    /// Closes every pooled connection, waiting for queries in flight (on SQLite, for the
    /// writes queued to the write thread; its connection closes with the last handle).
    pub async fn close(&self) {
        match &self.reads {
            Engine::Sqlite(pool) => pool.close().await,
            Engine::Postgres(pool) => pool.close().await,
        }
        match &self.writes {
            Writes::Sqlite(thread) => {
                // Runs after every write queued before it; a stopped thread has none left.
                let _ = thread.call(|_| ()).await;
            }
            Writes::Postgres(pool) => pool.close().await,
        }
    }

    /// `"sqlite"` or `"postgres"`, for logs and metrics.
    pub fn engine_name(&self) -> &'static str {
        match &self.reads {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(_) => "postgres",
        }
    }
}

impl Store {
    fn new(reads: Engine, writes: Writes) -> Store {
        let writer = super::batch::Writer::spawn(writes.clone());
        Store {
            reads,
            writes,
            writer,
        }
    }
}

async fn connect_sqlite(url: &str) -> Result<Store, StoreError> {
    let options = SqliteConnectOptions::from_str(url).map_err(|source| StoreError::Connect {
        url: redact(url),
        hint: "write the URL as `sqlite://PATH`, for example `sqlite://data/duplex.db`",
        source,
    })?;
    let directory = options.get_filename().parent().map(|dir| dir.to_path_buf());
    if let Some(directory) = directory.filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(&directory).map_err(|error| StoreError::Connect {
            url: redact(url),
            hint: "check that the store's directory can be created and written",
            source: sqlx::Error::Io(error),
        })?;
    }
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true);
    let pool = |connections: u32| {
        SqlitePoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
    };
    let connect_error = |source| StoreError::Connect {
        url: redact(url),
        hint: "check that the file's directory exists and is writable",
        source,
    };
    // Migrations first: they create the file and switch it to WAL.
    let migrating = pool(1).await.map_err(connect_error)?;
    migrator(SQLITE_MIGRATIONS)
        .run(&migrating)
        .await
        .map_err(|source| StoreError::Migrate {
            url: redact(url),
            source,
        })?;
    migrating.close().await;
    let writes = SqliteThread::open(options.get_filename(), SQLITE_BUSY_TIMEOUT)?;
    let reads = pool(SQLITE_READ_CONNECTIONS).await.map_err(connect_error)?;
    Ok(Store::new(Engine::Sqlite(reads), Writes::Sqlite(writes)))
}

async fn connect_postgres(url: &str) -> Result<Store, StoreError> {
    let pool = PgPoolOptions::new()
        .max_connections(POSTGRES_MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url)
        .await
        .map_err(|source| StoreError::Connect {
            url: redact(url),
            hint: "check that PostgreSQL is running (scripts/ensure-postgres.sh starts a local one) \
                   and that the URL's user, host, port and database are right",
            source,
        })?;
    migrator(POSTGRES_MIGRATIONS)
        .run(&pool)
        .await
        .map_err(|source| StoreError::Migrate {
            url: redact(url),
            source,
        })?;
    Ok(Store::new(
        Engine::Postgres(pool.clone()),
        Writes::Postgres(pool),
    ))
}

fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// The URL with the password of its user-info part replaced by `***`, safe to log.
pub(super) fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
        return url.to_owned();
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |at| scheme_end + at);
    let authority = &url[scheme_end..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let Some(colon) = authority[..at].find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:***{}",
        &url[..scheme_end],
        &authority[..colon],
        &url[scheme_end + at..]
    )
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/duplex?sslmode=require"),
            "postgres://app:***@db:5432/duplex?sslmode=require"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/postgres"),
            "postgres://postgres@127.0.0.1/postgres"
        );
        assert_eq!(redact("sqlite://data/a@b.db"), "sqlite://data/a@b.db");
        assert_eq!(redact("sqlite:duplex.db"), "sqlite:duplex.db");
    }
}
