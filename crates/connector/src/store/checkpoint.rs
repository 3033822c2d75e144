//! The SQLite checkpointer: copies the WAL back into the database file on a thread and a
//! connection of its own, so that no commit ever waits for it.
//!
//! Why: by default SQLite checkpoints inside the commit that pushes the WAL past 1,000
//! pages, and a checkpoint syncs the database file. On the store's one write connection
//! that stalled every write queued behind it for the length of an `fsync`, which was the
//! tail of the connector's ack latency (docs/benchmarks.md). The write connection turns
//! automatic checkpoints off (`sqlite_thread.rs`) and this thread runs them instead.
//!
//! A passive checkpoint never blocks a writer, but it copies only the frames committed
//! when it began, and SQLite starts the WAL over from its beginning only when a write
//! finds every frame copied. Under a steady stream of commits that moment may not come,
//! so once the WAL holds [`RESTART_PAGES`] the thread asks for a restart checkpoint,
//! which holds new writes back while it copies what the passive ones left (little) and
//! resets the WAL: the file stays bounded, and writes pause rarely and briefly.

use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;

use super::StoreError;
use super::sqlite_thread::thread_error;

/// The pause between checkpoints: each copies what was committed since the last, and
/// every one syncs two files, so they are spaced out rather than run back to back.
const PAUSE: Duration = Duration::from_millis(100);
/// At this many pages in the WAL (4 KiB each, 64 MiB) it is reset, holding writes back
/// for the end of the copy.
const RESTART_PAGES: i64 = 16_000;

/// Keeps the checkpointer running; it stops when this is dropped.
pub(super) struct Running {
    _stop: mpsc::Sender<()>,
}

/// Starts checkpointing on `conn`, a connection to the store's database.
pub(super) fn start(conn: Connection) -> Result<Running, StoreError> {
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("duplex-sqlite-checkpoint".into())
        .spawn(move || run(&conn, &stopped))
        .map_err(|error| thread_error("checkpoint", &error))?;
    Ok(Running { _stop: stop })
}

fn run(conn: &Connection, stopped: &mpsc::Receiver<()>) {
    // Nothing is ever sent: the wait ends with the pause, or when `Running` is dropped.
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(PAUSE) {
        let checked = checkpoint(conn, "PASSIVE").and_then(|pages| {
            if pages >= RESTART_PAGES {
                checkpoint(conn, "RESTART")?;
            }
            Ok(())
        });
        if let Err(error) = checked {
            tracing::warn!(%error, "a SQLite checkpoint failed; it is tried again shortly");
        }
    }
}

/// Runs a checkpoint in `mode`; returns the pages in the WAL when it ended.
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<i64> {
    // A row of (busy, pages in the WAL, pages copied); -1 pages when not in WAL mode.
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
        row.get::<_, i64>(1)
    })
}
