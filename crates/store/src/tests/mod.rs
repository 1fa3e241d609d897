//! Persistence tests. Each body runs twice: on a fresh SQLite file and on a fresh PostgreSQL
//! database created on the server named by `KAOPING_TEST_PG` (skipped with a note when that is
//! unset, a failure when `CI` is set).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, SqlType, Text};
use diesel::sqlite::Sqlite;

use super::{
    micros, schema, Backend, DbPool, EvidenceMeta, IdempotencyRecord, NewDepartment, NewEvidence,
    NewRound, NewSubmission, Store, StoreError, StoreResult, SubmissionRow, PG_MIGRATIONS,
    SQLITE_MIGRATIONS,
};

// ---------------------------------------------------------------------------------------------
// Harness: one fresh database per test, on each backend.

const PG_ENV: &str = "KAOPING_TEST_PG";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// `kaoping_t_<pid>_<n>`: unique within the process, and across concurrent test processes.
fn unique_name() -> String {
    format!(
        "kaoping_t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// Removes the SQLite file and its WAL side files when the test ends, also on panic.
struct SqliteFile(PathBuf);

impl Drop for SqliteFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}

fn run_sqlite(body: fn(&Store)) {
    let file = SqliteFile(std::env::temp_dir().join(format!("{}.sqlite", unique_name())));
    let path = file.0.to_str().expect("temp dir path is UTF-8").to_string();
    let store =
        Store::connect(&path).unwrap_or_else(|e| panic!("cannot open SQLite file {path}: {e:?}"));
    assert_eq!(store.backend(), Backend::Sqlite);
    body(&store);
    drop(store); // close every pooled connection before the file goes
    drop(file);
}

/// The PostgreSQL server to test against, or None (with a note) outside CI.
fn pg_server() -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "{PG_ENV} is not set but CI is: CI must run the PostgreSQL store tests \
             (set {PG_ENV}=postgres://postgres@127.0.0.1:5432/postgres)"
        ),
        _ => {
            eprintln!("note: {PG_ENV} is not set; skipping a PostgreSQL store test");
            None
        }
    }
}

/// `server` with its database name replaced by `db` (user, host, port and query kept).
fn with_database(server: &str, db: &str) -> String {
    let (scheme, rest) = server
        .split_once("://")
        .unwrap_or_else(|| panic!("{PG_ENV}={server:?} is not a postgres:// URL"));
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{db}{query}")
}

/// Drops the test database when the test ends, also on panic.
struct PgDatabase {
    server: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let dropped = PgConnection::establish(&self.server)
            .map_err(|e| e.to_string())
            .and_then(|mut c| {
                diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut c)
                .map_err(|e| e.to_string())
            });
        if let Err(e) = dropped {
            eprintln!("warning: cannot drop test database {}: {e}", self.name);
        }
    }
}

fn run_pg(body: fn(&Store)) {
    let Some(server) = pg_server() else { return };
    let name = unique_name();
    let mut admin = PgConnection::establish(&server)
        .unwrap_or_else(|e| panic!("cannot connect to {PG_ENV}={server}: {e}"));
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .unwrap_or_else(|e| panic!("cannot drop a stale {name}: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .unwrap_or_else(|e| panic!("cannot create {name}: {e}"));
    drop(admin);
    let database = PgDatabase { server, name };
    let url = with_database(&database.server, &database.name);
    let store = Store::connect(&url).unwrap_or_else(|e| panic!("cannot connect to {url}: {e:?}"));
    assert_eq!(store.backend(), Backend::Postgres);
    body(&store);
    drop(store);
    drop(database);
}

/// `on_both!(body => name_sqlite, name_postgres);` makes two tests running `body(&Store)`, each
/// test name optionally preceded by attributes (e.g. `#[ignore = "…"]`).
macro_rules! on_both {
    ($body:ident => $(#[$sa:meta])* $sqlite:ident, $(#[$pa:meta])* $postgres:ident) => {
        #[test]
        $(#[$sa])*
        fn $sqlite() {
            run_sqlite($body)
        }

        #[test]
        $(#[$pa])*
        fn $postgres() {
            run_pg($body)
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

fn now() -> i64 {
    micros(chrono::Utc::now())
}

fn migrated(store: &Store) {
    store.migrate().unwrap_or_else(|e| panic!("migrate: {e:?}"));
}

fn new_department(code: &str, parent: Option<&str>) -> NewDepartment {
    NewDepartment {
        code: code.to_string(),
        name: format!("部门{code}"),
        category: "administrative".to_string(),
        parent_code: parent.map(str::to_string),
        created_at: now(),
    }
}

fn new_round(state: &str) -> NewRound {
    let t = now();
    NewRound {
        year: 2025,
        title: "2025年度部门整体支出绩效自评".to_string(),
        deadline: "2026-03-31".to_string(),
        rubric_id: "default-2025".to_string(),
        rubric_source: "[rubric]\nid = \"default-2025\"\n".to_string(),
        state: state.to_string(),
        created_at: t,
        updated_at: t,
        reviewers_per_submission: 2,
        appeal_days: 5,
        calendar_revision: 0,
    }
}

fn codes(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| c.to_string()).collect()
}

/// Departments D01 and D02, an open round with both, and an admin token: (round id, token id).
fn round_fixture(store: &Store) -> (i64, i64) {
    migrated(store);
    store
        .create_department(new_department("D01", None))
        .unwrap();
    store
        .create_department(new_department("D02", None))
        .unwrap();
    let (round, _) = store
        .create_round(new_round("open"), &codes(&["D01", "D02"]), |_| vec![])
        .unwrap();
    let token = store
        .insert_token("hash-admin", "admin", None, Some("admin"), now())
        .unwrap();
    (round.id, token.id)
}

fn new_submission(round_id: i64, code: &str, by: i64, n: i64) -> NewSubmission {
    NewSubmission {
        round_id,
        department_code: code.to_string(),
        submitted_at: now(),
        late: n % 2 == 1,
        package: format!("{{\"n\":{n}}}"),
        score_sheet: format!("{{\"total\":\"{n}.5\"}}"),
        total_scaled: n * 10_000 + 5_000,
        complete: n % 3 == 0,
        submitted_by: by,
        source_name: (n % 2 == 0).then(|| format!("package-{n}.zip")),
        scored_with: String::new(),
    }
}

fn respond(row: &SubmissionRow, metas: &[EvidenceMeta]) -> StoreResult<(i32, String)> {
    Ok((
        201,
        format!(
            "{{\"id\":{},\"seq\":{},\"evidence\":{}}}",
            row.id,
            row.seq,
            metas.len()
        ),
    ))
}

/// Loads a raw query's rows on whichever backend the store has.
fn query<U>(store: &Store, sql: &str) -> Vec<U>
where
    U: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
{
    let rows = match &store.pool {
        DbPool::Sqlite(p) => diesel::sql_query(sql).load::<U>(&mut *p.get().unwrap()),
        DbPool::Pg(p) => diesel::sql_query(sql).load::<U>(&mut *p.get().unwrap()),
    };
    rows.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(store: &Store, table: &str) -> i64 {
    query::<Count>(store, &format!("SELECT COUNT(*) AS n FROM {table}"))[0].n
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Every table, index, view or trigger in the database that is not diesel's bookkeeping or
/// SQLite's own.
fn user_objects(store: &Store) -> Vec<String> {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT type || ' ' || name AS name FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name <> '__diesel_schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT c.relkind::text || ' ' || c.relname::text AS name FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relname NOT LIKE '\\_\\_diesel\\_schema\\_migrations%'"
        }
    };
    let mut names: Vec<String> = query::<Name>(store, sql)
        .into_iter()
        .map(|r| r.name)
        .collect();
    names.sort();
    names
}

/// The tables (not indexes etc.) outside diesel's bookkeeping.
fn user_tables(store: &Store) -> Vec<String> {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '__diesel_schema_migrations' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' ORDER BY name"
        }
    };
    query::<Name>(store, sql)
        .into_iter()
        .map(|r| r.name)
        .collect()
}

mod concurrency;
mod migrations;
mod records;
