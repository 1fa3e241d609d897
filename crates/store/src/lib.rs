//! Persistence: diesel on SQLite (the zero-config default) or PostgreSQL, picked from the URL.
//!
//! All SQL lives here. Every command runs in one transaction; SQLite writes take the write lock up
//! front (`BEGIN IMMEDIATE`) so concurrent writers queue on busy_timeout instead of failing.

mod appeals;
mod archive;
mod calendar;
mod checkpoint;
mod departments;
mod pool;
mod publications;
mod review;
mod reviewers;
mod rounds;
pub mod schema;
mod submissions;
mod timing;
mod tokens;
mod webhooks;

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::{Arc, Mutex};

pub use appeals::{AppealDecision, AppealFileMeta, AppealRow, NewAppeal};
pub use archive::{
    AppealDump, AppealFileRow, ImportedRound, PlaceholderToken, PublicationDump, PublishedSheetRow,
    ReviewItemRow, RoundDump, SubmissionDump, TokenRef,
};
pub use calendar::{
    CalendarChangeRow, NewCalendarChange, RoundDates, RubricVersionRow, SheetUpdate,
    CALENDAR_REMOVE, CALENDAR_SET,
};
pub use departments::{DepartmentRow, NewDepartment};
pub use pool::{Backend, DbPool, DEFAULT_DB_WAIT};
pub use publications::{NewPublication, PublicationMeta, PublicationRow};
pub use review::{
    AuditRow, ItemChange, JudgmentRow, NewAudit, Prior, ResolutionRow, ReviewRows, Versions,
};
pub use reviewers::{AssignmentRow, ConflictRow, ReviewerRow};
pub use rounds::{NewRound, RoundChange, RoundRow};
pub use submissions::{
    EvidenceMeta, EvidenceRow, IdempotencyRecord, IdempotencyRow, NewEvidence, NewSubmission,
    SubmissionRow,
};
pub use timing::DepartmentTimingRow;
pub use tokens::TokenRow;
pub use webhooks::{
    AttemptOutcome, AttemptRow, ClaimedDelivery, DeliveryRow, NewAttempt, NewEvent, WebhookRow,
    DELIVERY_DELIVERED, DELIVERY_FAILED, DELIVERY_PENDING,
};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {0:?} is neither postgres://… nor sqlite://…")]
    BadUrl(String),
    #[error("cannot connect to the database")]
    Connect(#[source] diesel::ConnectionError),
    #[error("no database connection available")]
    Pool(#[from] r2d2::Error),
    #[error("database error")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("stored JSON is unreadable")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Missing(String),
    /// A reviewer would review their own department or one they declared a conflict with.
    #[error("{0}")]
    ConflictOfInterest(String),
    /// The If-Match version is stale.
    #[error("{0}")]
    PreconditionFailed(String),
}

impl StoreError {
    /// The database is unreachable, gone away or locked for longer than the wait: worth trying
    /// again later, not the request's fault nor a bug.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match self {
            StoreError::Pool(_) | StoreError::Connect(_) => true,
            StoreError::Query(E::DatabaseError(
                K::ClosedConnection | K::UnableToSendCommand,
                _,
            )) => true,
            StoreError::Query(E::DatabaseError(_, info)) => {
                let m = info.message();
                // SQLite's SQLITE_BUSY / SQLITE_LOCKED once busy_timeout has run out
                m.contains("database is locked")
                    || m.contains("database table is locked")
                    || m.contains("terminating connection")
                    || m.contains("server closed the connection")
                    || m.contains("no connection to the server")
            }
            _ => false,
        }
    }

    /// A unique constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The database: a pool of connections to one backend.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: DbPool,
    /// SQLite allows one writer at a time: this process's writers queue here, woken the moment
    /// the previous one commits, rather than in SQLite's busy handler, which sleeps in steps of
    /// up to 100 ms. Other processes still meet `busy_timeout`.
    pub(crate) sqlite_writer: Arc<Mutex<()>>,
    /// SQLite's WAL checkpoints, off the request path.
    _checkpointer: Option<Arc<checkpoint::Checkpointer>>,
}

/// Runs `$body` with `$c` bound to a pooled connection of whichever backend the store has.
macro_rules! with_conn {
    ($store:expr, |$c:ident| $body:expr) => {{
        match &$store.pool {
            $crate::DbPool::Sqlite(p) => {
                let mut conn = p.get()?;
                let $c = &mut *conn;
                $body
            }
            $crate::DbPool::Pg(p) => {
                let mut conn = p.get()?;
                let $c = &mut *conn;
                $body
            }
        }
    }};
}

/// Runs `$body` in a write transaction (`BEGIN IMMEDIATE` on SQLite).
macro_rules! write_tx {
    ($store:expr, |$c:ident| $body:expr) => {{
        use diesel::Connection as _;
        match &$store.pool {
            $crate::DbPool::Sqlite(p) => {
                let _writer = $store
                    .sqlite_writer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let mut conn = p.get()?;
                conn.immediate_transaction(|$c| $body)
            }
            $crate::DbPool::Pg(p) => {
                let mut conn = p.get()?;
                conn.transaction(|$c| $body)
            }
        }
    }};
}
/// On PostgreSQL, serialises the writers of one department's submission in a round for the rest
/// of the transaction (READ COMMITTED would let two read the same state); SQLite's
/// `BEGIN IMMEDIATE` already serialises every writer.
macro_rules! lock_department {
    ($c:expr, $postgres:expr, $round:expr, $department:expr) => {
        if $postgres {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .bind::<diesel::sql_types::Integer, _>(i32::try_from($round).unwrap_or(i32::MAX))
                .bind::<diesel::sql_types::Text, _>($department)
                .execute($c)?;
        }
    };
}
/// Stores sheets scored again (`SheetUpdate`s) inside a transaction.
macro_rules! write_sheets {
    ($c:expr, $sheets:expr) => {
        for sheet in $sheets {
            diesel::update($crate::schema::submissions::table.find(sheet.id))
                .set(sheet)
                .execute($c)?;
        }
    };
}
pub(crate) use {lock_department, with_conn, write_sheets, write_tx};

impl Store {
    /// Connects to `url` (`postgres://…`, `sqlite://PATH`, or a bare file path for SQLite).
    pub fn connect(url: &str) -> StoreResult<Store> {
        Self::connect_waiting(url, pool::DEFAULT_DB_WAIT)
    }

    /// [`Store::connect`], a request waiting at most `wait` for a connection or a lock.
    pub fn connect_waiting(url: &str, wait: std::time::Duration) -> StoreResult<Store> {
        let pool = DbPool::connect(url, wait)?;
        let sqlite_writer = Arc::default();
        let checkpointer = match &pool {
            DbPool::Sqlite(p) => {
                checkpoint::Checkpointer::spawn(p.clone(), Arc::clone(&sqlite_writer)).map(Arc::new)
            }
            DbPool::Pg(_) => None,
        };
        Ok(Store {
            pool,
            sqlite_writer,
            _checkpointer: checkpointer,
        })
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Applies every pending migration.
    /// On PostgreSQL under an advisory lock: servers started at once on one database take
    /// turns, and the later ones find the schema made instead of racing to make it.
    pub fn migrate(&self) -> StoreResult<usize> {
        match &self.pool {
            DbPool::Sqlite(p) => {
                migrations_done(p.get()?.run_pending_migrations(SQLITE_MIGRATIONS))
            }
            DbPool::Pg(p) => pool::with_migration_lock(&mut *p.get()?, |c| {
                migrations_done(c.run_pending_migrations(PG_MIGRATIONS))
            }),
        }
    }

    /// Reverts every applied migration (used by the test that proves they reverse cleanly).
    pub fn revert_all(&self) -> StoreResult<usize> {
        match &self.pool {
            DbPool::Sqlite(p) => migrations_done(p.get()?.revert_all_migrations(SQLITE_MIGRATIONS)),
            DbPool::Pg(p) => migrations_done(p.get()?.revert_all_migrations(PG_MIGRATIONS)),
        }
    }

    /// Connections in use and idle.
    pub fn pool_state(&self) -> r2d2::State {
        self.pool.state()
    }

    /// The database answers.
    pub fn ping(&self) -> StoreResult<()> {
        use diesel::RunQueryDsl;
        with_conn!(self, |c| {
            diesel::sql_query("SELECT 1").execute(c)?;
            Ok(())
        })
    }
}

/// How many migrations a harness run applied or reverted, or why it failed.
fn migrations_done<T>(
    result: Result<Vec<T>, Box<dyn std::error::Error + Send + Sync>>,
) -> StoreResult<usize> {
    result
        .map(|done| done.len())
        .map_err(|e| StoreError::Migration(e.to_string()))
}

/// Microseconds since the epoch, the stored form of an instant.
pub fn micros(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_micros()
}

pub fn from_micros(us: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(us).unwrap_or_default()
}

#[cfg(test)]
mod tests;
