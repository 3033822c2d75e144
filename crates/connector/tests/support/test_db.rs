//! A throwaway store for one test: a SQLite file in a temp dir, or a uniquely named
//! database on the test PostgreSQL server, dropped again when the test ends (even by panic).
//!
//! PostgreSQL comes from `DUPLEX_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`; `scripts/ensure-postgres.sh` starts one).
//! Include it with `#[path = "support/test_db.rs"] mod test_db;`.

use std::sync::atomic::{AtomicU32, Ordering};

use duplex_connector::store::Store;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Where a test's store lives. Open it as often as needed with [`TestDb::open`].
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    place: Place,
}

#[derive(Debug)]
enum Place {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, database: String },
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("cannot create a temp dir for the SQLite store");
        let url = format!("sqlite://{}", dir.path().join("nested/store.db").display());
        TestDb {
            url,
            place: Place::Sqlite(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin_url =
            std::env::var("DUPLEX_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let database = format!(
            "duplex_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "cannot reach the test PostgreSQL at {admin_url}: {error}. \
                 Run scripts/ensure-postgres.sh, or set DUPLEX_TEST_POSTGRES."
                )
            });
        admin
            .execute(AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .await
            .unwrap_or_else(|error| panic!("cannot create database {database}: {error}"));
        let url = match admin_url.rfind('/') {
            Some(slash) if slash > "postgres://".len() => {
                format!("{}/{database}", &admin_url[..slash])
            }
            _ => panic!("DUPLEX_TEST_POSTGRES must end with /DATABASE, got {admin_url}"),
        };
        TestDb {
            url,
            place: Place::Postgres {
                admin_url,
                database,
            },
        }
    }

    pub async fn open(&self) -> Store {
        Store::connect(&self.url)
            .await
            .unwrap_or_else(|error| panic!("cannot open the test store {}: {error}", self.url))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Place::Postgres {
            admin_url,
            database,
        } = &self.place
        else {
            return;
        };
        let (admin_url, database) = (admin_url.clone(), database.clone());
        // Drop may run inside a runtime; a thread with its own runtime can still block on I/O.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .map_err(|error| error.to_string())?;
                admin
                    .execute(AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
                    )))
                    .await
                    .map_err(|error| error.to_string())?;
                Ok::<(), String>(())
            })
        })
        .join();
        if let Ok(Err(error)) | Err(error) = dropped.map_err(|_| "panicked".to_owned()) {
            eprintln!("warning: could not drop test database: {error}");
        }
    }
}
