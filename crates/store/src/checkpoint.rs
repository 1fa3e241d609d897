//! SQLite's WAL checkpoints on a thread of their own. Left to SQLite, the writer whose commit
//! takes the WAL past 1000 pages copies it into the database file before its request can
//! answer: a publication paid for its own 70 MB checkpoint, and one submission in fifty for
//! everyone's. Here the pool's connections never checkpoint (`wal_autocheckpoint = 0`, set by
//! the pool); this thread does, every [`EVERY`], and stops when the last clone of the store is
//! dropped.
//!
//! It checkpoints in this process's writer queue (`Store::sqlite_writer`): a checkpoint that
//! runs beside a stream of writers never catches up with the end of the WAL, and a WAL that is
//! never wholly copied is never started again from the beginning, so it would grow without
//! bound (gigabytes while seeding a province-sized round).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::SqliteConnection;

/// How often the WAL is copied into the database file.
const EVERY: Duration = Duration::from_millis(250);

/// Keeps the checkpoint thread running; dropping the last clone ends it.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the pool's database; None (and SQLite's own checkpoints stay off,
    /// so the WAL grows until the last connection closes) only if no thread can be started.
    pub(crate) fn spawn(
        pool: Pool<ConnectionManager<SqliteConnection>>,
        writer: Arc<Mutex<()>>,
    ) -> Option<Checkpointer> {
        let (stop, stopped) = mpsc::channel::<()>();
        let started = std::thread::Builder::new()
            .name("kaoping-checkpoint".into())
            .spawn(move || loop {
                match stopped.recv_timeout(EVERY) {
                    Err(RecvTimeoutError::Timeout) => checkpoint(&pool, &writer),
                    // the store is gone: one last checkpoint, then stop
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                        checkpoint(&pool, &writer);
                        break;
                    }
                }
            });
        match started {
            Ok(_) => Some(Checkpointer { _stop: stop }),
            Err(e) => {
                tracing::error!(error = %e, "cannot start the SQLite checkpoint thread");
                None
            }
        }
    }
}

/// PASSIVE, between this process's writes: copies the whole WAL unless a reader still needs
/// part of it (then the next round finishes the job).
fn checkpoint(pool: &Pool<ConnectionManager<SqliteConnection>>, writer: &Mutex<()>) {
    let _queue = writer.lock().unwrap_or_else(PoisonError::into_inner);
    let done = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
        c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")
            .map_err(|e| e.to_string())
    });
    if let Err(error) = done {
        tracing::warn!(%error, "SQLite WAL checkpoint failed; retried shortly");
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::Integer;
    use diesel::RunQueryDsl;

    use crate::{DbPool, Store};

    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Integer)]
        wal_autocheckpoint: i32,
    }

    #[test]
    fn the_thread_checkpoints_what_requests_no_longer_do() {
        let dir = std::env::temp_dir().join(format!("kaoping-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("ckpt.sqlite");
        let store = Store::connect(path.to_str().expect("utf-8")).expect("store");
        let DbPool::Sqlite(pool) = &store.pool else {
            panic!("a SQLite store")
        };
        let mut c = pool.get().expect("connection");
        let setting: Setting = diesel::sql_query("PRAGMA wal_autocheckpoint")
            .get_result(&mut c)
            .expect("pragma");
        assert_eq!(setting.wal_autocheckpoint, 0, "requests never checkpoint");
        // 2 MiB in the WAL: under SQLite's own 1000-page threshold, so only the thread copies it
        c.batch_execute(
            "CREATE TABLE filler (b BLOB); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 512) \
             INSERT INTO filler SELECT randomblob(4096) FROM n;",
        )
        .expect("filled");
        drop(c);
        let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while size() < 2 * 1024 * 1024 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(
            size() >= 2 * 1024 * 1024,
            "the database file has the WAL's pages"
        );
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
