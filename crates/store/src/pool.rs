//! Connection pools. The backend is picked from the URL scheme here, so a PostgreSQL connection
//! error is reported as PostgreSQL said it (diesel's MultiConnection would hide it).

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::{StoreError, StoreResult};

#[derive(Clone)]
pub enum DbPool {
    Sqlite(r2d2::Pool<ConnectionManager<SqliteConnection>>),
    Pg(r2d2::Pool<ConnectionManager<PgConnection>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How long a request waits for the database (a pooled connection, a SQLite lock) before it is
/// answered "unavailable" instead: bounded, so that a database that is down or locked gives a
/// quick 503, not a hang.
pub const DEFAULT_DB_WAIT: Duration = Duration::from_secs(5);

/// WAL for concurrent readers, enforced foreign keys, a bounded wait instead of SQLITE_BUSY, and
/// no checkpoints in a request: `checkpoint.rs` runs them on their own thread.
#[derive(Debug)]
struct SqlitePragmas {
    busy_ms: u128,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // busy_timeout first, so the statements after it wait rather than fail; journal_mode is
        // a property of the file, set once when the pool is built
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
             PRAGMA wal_autocheckpoint = 0;",
            self.busy_ms
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The PostgreSQL advisory lock migrations run under ("kaoping" and 1).
const MIGRATION_LOCK: i64 = 0x6b61_6f70_696e_6701;

/// Runs `f` holding the migration lock: a session lock of this connection, waited for while
/// another server migrates, and released before the connection goes back to the pool (or with
/// the session, should the process die).
pub(super) fn with_migration_lock<T>(
    c: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> StoreResult<T>,
) -> StoreResult<T> {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(c)?;
    let done = f(c);
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(c);
    let done = done?;
    unlocked?;
    Ok(done)
}

impl DbPool {
    /// A pool on `url`; a request waits at most `wait` for a connection or a lock.
    pub fn connect(url: &str, wait: Duration) -> StoreResult<DbPool> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // connect once outside the pool so PostgreSQL's own message reaches the operator
            PgConnection::establish(url).map_err(StoreError::Connect)?;
            let pool = r2d2::Pool::builder()
                .max_size(16)
                .connection_timeout(wait)
                .build(ConnectionManager::<PgConnection>::new(url))?;
            return Ok(DbPool::Pg(pool));
        }
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        if path.is_empty() || url.contains("://") && !url.starts_with("sqlite://") {
            return Err(StoreError::BadUrl(url.to_string()));
        }
        let mut first = SqliteConnection::establish(path).map_err(StoreError::Connect)?;
        first.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .connection_timeout(wait)
            .connection_customizer(Box::new(SqlitePragmas {
                busy_ms: wait.as_millis(),
            }))
            .build(ConnectionManager::<SqliteConnection>::new(path))?;
        Ok(DbPool::Sqlite(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbPool::Sqlite(_) => Backend::Sqlite,
            DbPool::Pg(_) => Backend::Postgres,
        }
    }

    /// Connections in use and idle, for the metrics.
    pub fn state(&self) -> r2d2::State {
        match self {
            DbPool::Sqlite(p) => p.state(),
            DbPool::Pg(p) => p.state(),
        }
    }
}
