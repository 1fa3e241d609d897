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
        .create_round(new_round("open"), &codes(&["D01", "D02"]))
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

// ---------------------------------------------------------------------------------------------
// 1. Migrations apply, reverse cleanly and re-apply.

#[test]
fn migration_versions_match_between_backends() {
    let names = |m: &dyn MigrationSource<Sqlite>| -> Vec<String> {
        m.migrations()
            .unwrap()
            .iter()
            .map(|m| m.name().to_string())
            .collect()
    };
    let sqlite = names(&SQLITE_MIGRATIONS);
    let pg: Vec<String> = MigrationSource::<Pg>::migrations(&PG_MIGRATIONS)
        .unwrap()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, pg,
        "migrations/sqlite and migrations/postgres must have the same versions"
    );
}

fn migrations_roundtrip(store: &Store) {
    let expected = match store.backend() {
        Backend::Sqlite => MigrationSource::<Sqlite>::migrations(&SQLITE_MIGRATIONS)
            .unwrap()
            .len(),
        Backend::Postgres => MigrationSource::<Pg>::migrations(&PG_MIGRATIONS)
            .unwrap()
            .len(),
    };
    assert!(expected > 0);
    assert_eq!(
        user_objects(store),
        Vec::<String>::new(),
        "a fresh database is empty"
    );

    assert_eq!(
        store.migrate().unwrap(),
        expected,
        "first migrate applies every migration"
    );
    assert_eq!(
        store.migrate().unwrap(),
        0,
        "a second migrate has nothing to do"
    );
    let mut declared: Vec<String> = diesel_tables().into_iter().map(|t| t.name).collect();
    declared.sort();
    assert_eq!(
        user_tables(store),
        declared,
        "migrations create exactly diesel's tables"
    );
    store
        .create_department(new_department("D01", None))
        .unwrap();

    assert_eq!(
        store.revert_all().unwrap(),
        expected,
        "revert_all reverts every migration"
    );
    assert_eq!(
        user_objects(store),
        Vec::<String>::new(),
        "revert_all leaves no kaoping object behind"
    );
    assert_eq!(store.revert_all().unwrap(), 0);

    assert_eq!(
        store.migrate().unwrap(),
        expected,
        "migrations re-apply after a revert"
    );
    assert_eq!(user_tables(store), declared);
    assert_eq!(
        store.departments().unwrap(),
        vec![],
        "the re-applied schema starts empty"
    );
    let row = store
        .create_department(new_department("D02", None))
        .unwrap();
    assert_eq!(store.departments().unwrap(), vec![row]);
}

on_both!(migrations_roundtrip => migrations_roundtrip_sqlite, migrations_roundtrip_postgres);

// ---------------------------------------------------------------------------------------------
// 2. Schema drift: schema.rs against the migrated database.

/// Nullability as diesel's type system knows it.
trait NullFlag {
    const NULLABLE: bool;
}

impl NullFlag for diesel::sql_types::is_nullable::IsNullable {
    const NULLABLE: bool = true;
}

impl NullFlag for diesel::sql_types::is_nullable::NotNull {
    const NULLABLE: bool = false;
}

/// A tuple of diesel columns (a table's `all_columns`): each column's name and nullability.
trait ColumnList {
    fn columns() -> Vec<(&'static str, bool)>;
}

macro_rules! column_lists {
    () => {};
    ($head:ident $(, $tail:ident)*) => {
        impl<$head, $($tail),*> ColumnList for ($head, $($tail,)*)
        where
            $head: diesel::Column,
            <$head as Expression>::SqlType: SqlType,
            <<$head as Expression>::SqlType as SqlType>::IsNull: NullFlag,
            $(
                $tail: diesel::Column,
                <$tail as Expression>::SqlType: SqlType,
                <<$tail as Expression>::SqlType as SqlType>::IsNull: NullFlag,
            )*
        {
            fn columns() -> Vec<(&'static str, bool)> {
                vec![
                    ($head::NAME, <<$head as Expression>::SqlType as SqlType>::IsNull::NULLABLE),
                    $(($tail::NAME, <<$tail as Expression>::SqlType as SqlType>::IsNull::NULLABLE),)*
                ]
            }
        }
        column_lists!($($tail),*);
    };
}

column_lists!(C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13, C14, C15, C16);

fn column_list<T: ColumnList>(_all_columns: T) -> Vec<(&'static str, bool)> {
    T::columns()
}

/// One table as diesel declares it.
#[derive(Debug)]
struct DieselTable {
    name: String,
    /// Column names parsed from the SQL diesel renders for `SELECT all_columns`.
    columns: Vec<String>,
    /// Column names and nullability from the column types.
    typed: Vec<(&'static str, bool)>,
}

/// `SELECT `t`.`a`, `t`.`b` FROM `t` -- binds: []` → ("t", ["a", "b"]).
fn parse_select(sql: &str) -> (String, Vec<String>) {
    let unquote = |s: &str| s.trim().trim_matches(|c| c == '`' || c == '"').to_string();
    let list = sql
        .strip_prefix("SELECT ")
        .unwrap_or_else(|| panic!("not a SELECT: {sql}"));
    let (list, from) = list
        .split_once(" FROM ")
        .unwrap_or_else(|| panic!("no FROM: {sql}"));
    let table = unquote(from.split_whitespace().next().unwrap());
    let columns = list
        .split(", ")
        .map(|qualified| {
            let (t, c) = qualified
                .split_once('.')
                .unwrap_or_else(|| panic!("unqualified column {qualified:?} in {sql}"));
            assert_eq!(unquote(t), table, "{sql}");
            unquote(c)
        })
        .collect();
    (table, columns)
}

macro_rules! diesel_tables {
    ($($t:ident),* $(,)?) => {
        vec![$({
            let sql = diesel::debug_query::<Sqlite, _>(
                &schema::$t::table.select(schema::$t::all_columns),
            )
            .to_string();
            let (name, columns) = parse_select(&sql);
            assert_eq!(name, stringify!($t));
            DieselTable { name, columns, typed: column_list(schema::$t::all_columns) }
        }),*]
    };
}

fn diesel_tables() -> Vec<DieselTable> {
    diesel_tables!(
        departments,
        rounds,
        round_departments,
        tokens,
        submissions,
        evidence,
        idempotency_keys
    )
}

/// A column in schema.rs's text: name, diesel type without `Nullable<…>`, nullable.
type SourceColumn = (String, String, bool);

/// schema.rs's own text: table → its columns in order.
fn schema_source() -> BTreeMap<String, Vec<SourceColumn>> {
    let mut tables = BTreeMap::new();
    let mut current: Option<(String, Vec<SourceColumn>)> = None;
    let mut in_table_macro = false;
    for line in include_str!("schema.rs").lines().map(str::trim) {
        if line.starts_with("diesel::table!") {
            in_table_macro = true;
        } else if in_table_macro && current.is_none() && line.ends_with('{') {
            let name = line.split_whitespace().next().unwrap().to_string();
            current = Some((name, Vec::new()));
        } else if let Some((_, columns)) = current.as_mut().filter(|_| line.contains("->")) {
            let (col, ty) = line.split_once("->").unwrap();
            let ty = ty.trim().trim_end_matches(',').trim();
            let (ty, nullable) = match ty
                .strip_prefix("Nullable<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Some(inner) => (inner, true),
                None => (ty, false),
            };
            columns.push((col.trim().to_string(), ty.to_string(), nullable));
        } else if line == "}" {
            if let Some((name, columns)) = current.take() {
                tables.insert(name, columns);
                in_table_macro = false;
            }
        }
    }
    tables
}

#[test]
fn diesel_views_of_schema_agree() {
    // the three readings of schema.rs (rendered SQL, column types, source text) agree, so each
    // can stand for diesel's declaration below
    let source = schema_source();
    let tables = diesel_tables();
    assert_eq!(
        source.len(),
        tables.len(),
        "every table! in schema.rs is listed in diesel_tables!"
    );
    for t in &tables {
        let typed_names: Vec<&str> = t.typed.iter().map(|(n, _)| *n).collect();
        assert_eq!(t.columns, typed_names, "{}", t.name);
        let text = &source[&t.name];
        let text_view: Vec<(&str, bool)> = text
            .iter()
            .map(|(n, _, null)| (n.as_str(), *null))
            .collect();
        assert_eq!(
            text_view, t.typed,
            "{}: schema.rs text vs diesel types",
            t.name
        );
    }
    assert!(tables.iter().any(|t| t.typed.iter().any(|(_, null)| *null)));
}

#[derive(QueryableByName, Debug)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    decl_type: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName, Debug)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

/// A column as the database has it: name, declared type, nullable.
fn db_columns(store: &Store, table: &str) -> Vec<(String, String, bool)> {
    match &store.pool {
        DbPool::Sqlite(p) => {
            let rows: Vec<SqliteColumn> = diesel::sql_query(
                "SELECT name, type AS decl_type, \"notnull\" AS not_null, pk \
                 FROM pragma_table_info(?) ORDER BY cid",
            )
            .bind::<Text, _>(table)
            .load(&mut *p.get().unwrap())
            .unwrap();
            let pk_columns = rows.iter().filter(|r| r.pk > 0).count();
            rows.into_iter()
                .map(|r| {
                    // an INTEGER PRIMARY KEY is the rowid: never NULL though not flagged NOT NULL
                    let rowid =
                        r.pk == 1 && pk_columns == 1 && r.decl_type.eq_ignore_ascii_case("INTEGER");
                    let nullable = r.not_null == 0 && !rowid;
                    (r.name, r.decl_type.to_ascii_uppercase(), nullable)
                })
                .collect()
        }
        DbPool::Pg(p) => {
            let rows: Vec<PgColumn> = diesel::sql_query(
                "SELECT column_name::text AS name, data_type::text AS data_type, \
                 is_nullable = 'YES' AS nullable FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind::<Text, _>(table)
            .load(&mut *p.get().unwrap())
            .unwrap();
            rows.into_iter()
                .map(|r| (r.name, r.data_type, r.nullable))
                .collect()
        }
    }
}

/// Whether a database column type fits a diesel SQL type.
fn type_fits(backend: Backend, diesel_type: &str, db_type: &str) -> bool {
    match backend {
        // PostgreSQL: exactly the type diesel's Pg backend reads and writes
        Backend::Postgres => {
            let expected = match diesel_type {
                "BigInt" => "bigint",
                "Integer" => "integer",
                "Text" => "text",
                "Bool" => "boolean",
                "Binary" => "bytea",
                other => panic!("schema.rs uses {other}: add it to type_fits"),
            };
            db_type == expected
        }
        // SQLite: a declared type with the right affinity
        Backend::Sqlite => match diesel_type {
            "BigInt" | "Integer" => db_type.contains("INT"),
            "Text" => ["CHAR", "CLOB", "TEXT"].iter().any(|t| db_type.contains(t)),
            "Bool" => db_type == "BOOLEAN",
            "Binary" => db_type == "BLOB",
            other => panic!("schema.rs uses {other}: add it to type_fits"),
        },
    }
}

fn schema_matches_migrations(store: &Store) {
    migrated(store);
    let source = schema_source();
    let tables = diesel_tables();
    let mut declared: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
    declared.sort();
    assert_eq!(
        user_tables(store),
        declared,
        "the database has exactly diesel's tables"
    );
    for t in &tables {
        let db = db_columns(store, &t.name);
        let db_names: Vec<&str> = db.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(
            db_names, t.columns,
            "columns of {} (database vs schema.rs, in order)",
            t.name
        );
        let db_null: Vec<(&str, bool)> =
            db.iter().map(|(n, _, null)| (n.as_str(), *null)).collect();
        assert_eq!(
            db_null, t.typed,
            "nullability of {} (database vs schema.rs)",
            t.name
        );
        for ((col, db_type, _), (_, diesel_type, _)) in db.iter().zip(&source[&t.name]) {
            assert!(
                type_fits(store.backend(), diesel_type, db_type),
                "{}.{col}: database type {db_type} does not fit diesel's {diesel_type}",
                t.name
            );
        }
    }
}

on_both!(schema_matches_migrations => schema_matches_migrations_sqlite, schema_matches_migrations_postgres);

// ---------------------------------------------------------------------------------------------
// 3. SQLite pragmas on pooled connections.

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

#[derive(QueryableByName)]
struct ForeignKeys {
    #[diesel(sql_type = Integer)]
    foreign_keys: i32,
}

#[derive(QueryableByName)]
struct BusyTimeout {
    #[diesel(sql_type = Integer)]
    timeout: i32,
}

fn sqlite_pragmas(store: &Store) {
    let DbPool::Sqlite(pool) = &store.pool else {
        panic!("not SQLite")
    };
    // several connections held at once, so each one is a separately customised connection
    let mut conns: Vec<_> = (0..3).map(|_| pool.get().unwrap()).collect();
    for conn in &mut conns {
        let c = &mut **conn;
        let mode: JournalMode = diesel::sql_query("PRAGMA journal_mode")
            .get_result(c)
            .unwrap();
        assert_eq!(mode.journal_mode.to_ascii_lowercase(), "wal");
        let fk: ForeignKeys = diesel::sql_query("PRAGMA foreign_keys")
            .get_result(c)
            .unwrap();
        assert_eq!(fk.foreign_keys, 1);
        let busy: BusyTimeout = diesel::sql_query("PRAGMA busy_timeout")
            .get_result(c)
            .unwrap();
        assert!(busy.timeout >= 5000, "busy_timeout is {} ms", busy.timeout);
    }
    drop(conns);
    // and foreign keys are really enforced
    migrated(store);
    let err = store
        .insert_token("h", "department", Some("NOPE"), None, now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _
            ))
        ),
        "{err:?}"
    );
}

#[test]
fn sqlite_pragmas_on_pooled_connections() {
    run_sqlite(sqlite_pragmas)
}

// ---------------------------------------------------------------------------------------------
// 4. Departments.

fn departments(store: &Store) {
    migrated(store);
    let new = new_department("D02", None);
    let row = store.create_department(new.clone()).unwrap();
    assert!(row.id > 0);
    assert_eq!(
        (
            &row.code,
            &row.name,
            &row.category,
            &row.parent_code,
            row.created_at
        ),
        (
            &new.code,
            &new.name,
            &new.category,
            &new.parent_code,
            new.created_at
        )
    );
    assert_eq!(store.department("D02").unwrap(), Some(row.clone()));
    assert_eq!(store.department("D99").unwrap(), None);

    match store.create_department(new_department("D02", None)) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("D02"), "{msg}"),
        other => panic!("duplicate code: {other:?}"),
    }
    match store.create_department(new_department("D03", Some("NOPE"))) {
        Err(StoreError::Missing(msg)) => assert!(msg.contains("NOPE"), "{msg}"),
        other => panic!("unknown parent: {other:?}"),
    }
    assert_eq!(store.department("D03").unwrap(), None);

    let child = store
        .create_department(new_department("D02-1", Some("D02")))
        .unwrap();
    assert_eq!(child.parent_code.as_deref(), Some("D02"));
    store
        .create_department(new_department("D10", None))
        .unwrap();
    store
        .create_department(new_department("D01", None))
        .unwrap();
    let listed: Vec<String> = store
        .departments()
        .unwrap()
        .into_iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(listed, ["D01", "D02", "D02-1", "D10"]);
    assert_eq!(store.departments().unwrap()[1], row);
}

on_both!(departments => departments_sqlite, departments_postgres);

// ---------------------------------------------------------------------------------------------
// 5. Rounds.

fn rounds(store: &Store) {
    migrated(store);
    store
        .create_department(new_department("D01", None))
        .unwrap();
    store
        .create_department(new_department("D02", None))
        .unwrap();

    match store.create_round(new_round("open"), &codes(&["D01", "NOPE"])) {
        Err(StoreError::Missing(msg)) => assert!(msg.contains("NOPE"), "{msg}"),
        other => panic!("unknown department: {other:?}"),
    }
    assert_eq!(
        store.rounds().unwrap(),
        vec![],
        "nothing stored for a refused round"
    );
    // a failure after the round row is written (the same department twice breaks the link
    // table's primary key) rolls the round back too
    assert!(store
        .create_round(new_round("open"), &codes(&["D01", "D01"]))
        .is_err());
    assert_eq!(
        store.rounds().unwrap(),
        vec![],
        "the round insert was rolled back"
    );
    assert_eq!(count(store, "round_departments"), 0);

    let new = new_round("open");
    let (row, linked) = store
        .create_round(new.clone(), &codes(&["D02", "D01"]))
        .unwrap();
    assert_eq!(
        (
            row.year,
            &row.title,
            &row.deadline,
            &row.rubric_id,
            &row.rubric_source,
            &row.state
        ),
        (
            new.year,
            &new.title,
            &new.deadline,
            &new.rubric_id,
            &new.rubric_source,
            &new.state
        )
    );
    assert_eq!(
        (row.created_at, row.updated_at),
        (new.created_at, new.updated_at)
    );
    assert_eq!(linked, ["D02", "D01"]);
    assert_eq!(
        store.round(row.id).unwrap(),
        Some((row.clone(), codes(&["D01", "D02"])))
    );
    assert_eq!(store.rounds().unwrap(), vec![row.clone()]);
    assert_eq!(store.round(row.id + 1000).unwrap(), None);

    let later = now() + 1_000_000;
    let closed = store
        .set_round_state(row.id, "open", "closed", later)
        .unwrap();
    assert_eq!(
        (closed.id, closed.state.as_str(), closed.updated_at),
        (row.id, "closed", later)
    );
    assert_eq!(closed.created_at, row.created_at);
    assert_eq!(store.round(row.id).unwrap().unwrap().0, closed);

    match store.set_round_state(row.id, "open", "closed", later + 1) {
        Err(StoreError::Conflict(msg)) => {
            assert!(msg.contains("closed"), "names the current state: {msg}")
        }
        other => panic!("second transition: {other:?}"),
    }
    assert_eq!(
        store.round(row.id).unwrap().unwrap().0.updated_at,
        later,
        "a refused move changes nothing"
    );
    match store.set_round_state(row.id + 1000, "open", "closed", later) {
        Err(StoreError::Missing(msg)) => {
            assert!(msg.contains(&(row.id + 1000).to_string()), "{msg}")
        }
        other => panic!("unknown round: {other:?}"),
    }

    // rounds() lists the newest first
    let (second, _) = store
        .create_round(new_round("draft"), &codes(&["D01"]))
        .unwrap();
    let ids: Vec<i64> = store.rounds().unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(ids, [second.id, row.id]);
}

on_both!(rounds => rounds_sqlite, rounds_postgres);

// ---------------------------------------------------------------------------------------------
// 6. Tokens.

fn tokens(store: &Store) {
    migrated(store);
    store
        .create_department(new_department("D01", None))
        .unwrap();
    let t = now();
    let admin = store
        .insert_token("hash-a", "admin", None, Some("first admin"), t)
        .unwrap();
    assert!(admin.id > 0);
    assert_eq!(
        (
            admin.token_hash.as_str(),
            admin.role.as_str(),
            admin.department_code.as_deref()
        ),
        ("hash-a", "admin", None)
    );
    assert_eq!(
        (admin.label.as_deref(), admin.created_at, admin.revoked_at),
        (Some("first admin"), t, None)
    );
    let admin2 = store
        .insert_token("hash-b", "admin", None, None, t)
        .unwrap();
    let dept = store
        .insert_token("hash-d", "department", Some("D01"), None, t)
        .unwrap();
    assert_eq!(dept.department_code.as_deref(), Some("D01"));
    assert!(store
        .insert_token("hash-a", "admin", None, None, t)
        .unwrap_err()
        .is_unique_violation());

    assert_eq!(store.token_by_hash("hash-a").unwrap(), Some(admin.clone()));
    assert_eq!(store.token_by_hash("hash-d").unwrap(), Some(dept.clone()));
    assert_eq!(store.token_by_hash("nope").unwrap(), None);
    assert_eq!(
        store.live_admin_tokens().unwrap(),
        2,
        "the department token is not counted"
    );

    assert!(store.revoke_token(admin.id, t + 1).unwrap());
    assert_eq!(
        store.token_by_hash("hash-a").unwrap(),
        None,
        "a revoked token is not found"
    );
    assert!(
        !store.revoke_token(admin.id, t + 2).unwrap(),
        "revoking twice"
    );
    assert!(
        !store.revoke_token(dept.id + 1000, t).unwrap(),
        "unknown id"
    );
    assert_eq!(store.live_admin_tokens().unwrap(), 1);
    assert!(store.revoke_token(dept.id, t).unwrap());
    assert_eq!(
        store.live_admin_tokens().unwrap(),
        1,
        "revoking a department token"
    );
    assert!(store.revoke_token(admin2.id, t).unwrap());
    assert_eq!(store.live_admin_tokens().unwrap(), 0);
}

on_both!(tokens => tokens_sqlite, tokens_postgres);

// ---------------------------------------------------------------------------------------------
// 7. Submissions, evidence and idempotency.

fn submissions(store: &Store) {
    let (round, by) = round_fixture(store);
    let bytes: Vec<u8> = (0..=255u8).chain([0, 0, 0xff, b'\n', b'\r']).collect();
    let file = NewEvidence {
        name: "会议纪要.pdf".to_string(),
        content_type: "application/pdf".to_string(),
        sha256: "ab".repeat(32),
        content: bytes.clone(),
    };

    let mut inserted = Vec::new();
    for n in 1..=3 {
        let files = if n == 2 { vec![file.clone()] } else { vec![] };
        let new = new_submission(round, "D01", by, n);
        let (row, metas, response) = store
            .insert_submission(new.clone(), files, None, respond)
            .unwrap();
        assert_eq!(row.seq, n as i32);
        assert!(row.is_current);
        assert_eq!(
            (
                row.round_id,
                row.department_code.as_str(),
                row.submitted_at,
                row.late
            ),
            (
                new.round_id,
                new.department_code.as_str(),
                new.submitted_at,
                new.late
            )
        );
        assert_eq!(
            (
                &row.package,
                &row.score_sheet,
                row.total_scaled,
                row.complete,
                row.submitted_by
            ),
            (
                &new.package,
                &new.score_sheet,
                new.total_scaled,
                new.complete,
                new.submitted_by
            )
        );
        assert_eq!(row.source_name, new.source_name);
        assert_eq!(response, respond(&row, &metas).unwrap());
        inserted.push((row, metas));
    }
    let (_, metas2) = &inserted[1];
    assert_eq!(metas2.len(), 1);
    let meta = &metas2[0];
    assert_eq!(meta.submission_id, inserted[1].0.id);
    assert_eq!(
        (
            meta.name.as_str(),
            meta.content_type.as_str(),
            meta.sha256.as_str(),
            meta.size
        ),
        (
            file.name.as_str(),
            file.content_type.as_str(),
            file.sha256.as_str(),
            bytes.len() as i64
        )
    );

    let history = store.submission_history(round, "D01").unwrap();
    assert_eq!(history.len(), 3);
    let seqs: Vec<i32> = history.iter().map(|(r, _)| r.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let current: Vec<bool> = history.iter().map(|(r, _)| r.is_current).collect();
    assert_eq!(current, [false, false, true]);
    for ((stored, stored_metas), (row, metas)) in history.iter().zip(&inserted) {
        assert_eq!(stored.id, row.id);
        assert_eq!(
            SubmissionRow {
                is_current: true,
                ..stored.clone()
            },
            *row,
            "history keeps what was inserted"
        );
        assert_eq!(stored_metas, metas);
    }

    let (evidence, owner) = store.evidence_file(meta.id).unwrap();
    assert_eq!(evidence.content, bytes, "evidence bytes come back exactly");
    assert_eq!(
        (
            evidence.id,
            evidence.submission_id,
            evidence.size,
            evidence.name.as_str()
        ),
        (meta.id, meta.submission_id, meta.size, meta.name.as_str())
    );
    assert_eq!(owner, history[1].0);
    match store.evidence_file(meta.id + 1000) {
        Err(StoreError::Missing(_)) => {}
        other => panic!("unknown evidence: {other:?}"),
    }

    assert_eq!(
        store.current_submission(round, "D01").unwrap(),
        Some(history[2].0.clone())
    );
    assert_eq!(store.submission_history(round, "D02").unwrap(), vec![]);
    assert_eq!(store.current_submission(round, "D02").unwrap(), None);

    // another department's submissions are numbered on their own and leave D01's alone
    let (other, _, _) = store
        .insert_submission(new_submission(round, "D02", by, 9), vec![], None, respond)
        .unwrap();
    assert_eq!((other.seq, other.is_current), (1, true));
    assert_eq!(
        store.current_submission(round, "D01").unwrap(),
        Some(history[2].0.clone())
    );
}

on_both!(submissions => submissions_sqlite, submissions_postgres);

fn submission_idempotency(store: &Store) {
    let (round, by) = round_fixture(store);
    let key = |k| IdempotencyRecord {
        token_id: by,
        key: k,
        request_hash: "req-hash-1",
        now: now(),
    };
    let (first, _, response) = store
        .insert_submission(
            new_submission(round, "D01", by, 1),
            vec![],
            Some(key("key-1")),
            respond,
        )
        .unwrap();
    let stored = store
        .idempotent_response(by, "key-1")
        .unwrap()
        .expect("key stored");
    assert_eq!((stored.status, stored.body.clone()), response);
    assert_eq!(
        (
            stored.token_id,
            stored.idem_key.as_str(),
            stored.request_hash.as_str()
        ),
        (by, "key-1", "req-hash-1")
    );
    assert_eq!(store.idempotent_response(by, "key-2").unwrap(), None);
    assert_eq!(store.idempotent_response(by + 1000, "key-1").unwrap(), None);

    let file = NewEvidence {
        name: "x.txt".to_string(),
        content_type: "text/plain".to_string(),
        sha256: "00".repeat(32),
        content: b"x".to_vec(),
    };
    let err = store
        .insert_submission(
            new_submission(round, "D01", by, 2),
            vec![file.clone()],
            Some(key("key-1")),
            respond,
        )
        .unwrap_err();
    assert!(
        err.is_unique_violation(),
        "same token and key again: {err:?}"
    );
    let history = store.submission_history(round, "D01").unwrap();
    assert_eq!(history.len(), 1, "the refused submission was rolled back");
    assert_eq!(history[0].0, first, "and the previous one is still current");
    assert_eq!(
        store.current_submission(round, "D01").unwrap(),
        Some(first.clone())
    );
    assert_eq!(count(store, "evidence"), 0, "its evidence was rolled back");
    assert_eq!(
        store.idempotent_response(by, "key-1").unwrap(),
        Some(stored),
        "the stored response is kept"
    );

    // a failing `respond` rolls the whole submission back as well
    let err = store
        .insert_submission(
            new_submission(round, "D01", by, 3),
            vec![file],
            Some(key("key-3")),
            |_, _| Err(StoreError::Conflict("respond failed".into())),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.submission_history(round, "D01").unwrap().len(), 1);
    assert_eq!(count(store, "evidence"), 0);
    assert_eq!(store.idempotent_response(by, "key-3").unwrap(), None);

    // a new key works, and numbering continues without a gap
    let (second, _, _) = store
        .insert_submission(
            new_submission(round, "D01", by, 4),
            vec![],
            Some(key("key-4")),
            respond,
        )
        .unwrap();
    assert_eq!((second.seq, second.is_current), (2, true));
}

on_both!(submission_idempotency => submission_idempotency_sqlite, submission_idempotency_postgres);

// ---------------------------------------------------------------------------------------------
// 8. Concurrent submissions through one Store.

fn concurrent_submissions(store: &Store) {
    const THREADS: i64 = 8;
    const EACH: i64 = 10;
    let (round, by) = round_fixture(store);
    let results: Vec<Result<i32, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let store = store.clone();
                s.spawn(move || {
                    (0..EACH)
                        .map(|i| {
                            store
                                .insert_submission(
                                    new_submission(round, "D01", by, t * EACH + i),
                                    vec![],
                                    None,
                                    respond,
                                )
                                .map(|(row, _, _)| row.seq)
                                .map_err(|e| {
                                    let unique = if e.is_unique_violation() {
                                        "unique violation: "
                                    } else {
                                        ""
                                    };
                                    format!("{unique}{e}: {:?}", std::error::Error::source(&e))
                                })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} concurrent submissions failed ({} unique violations), first: {:?}",
        failures.len(),
        results.len(),
        failures
            .iter()
            .filter(|f| f.starts_with("unique violation"))
            .count(),
        failures.first()
    );
    let mut returned: Vec<i32> = results.into_iter().map(Result::unwrap).collect();
    returned.sort_unstable();
    let expected: Vec<i32> = (1..=(THREADS * EACH) as i32).collect();
    assert_eq!(returned, expected, "each insert got its own seq");

    let history = store.submission_history(round, "D01").unwrap();
    let seqs: Vec<i32> = history.iter().map(|(r, _)| r.seq).collect();
    assert_eq!(seqs, expected);
    let current: Vec<i32> = history
        .iter()
        .filter(|(r, _)| r.is_current)
        .map(|(r, _)| r.seq)
        .collect();
    assert_eq!(
        current,
        [(THREADS * EACH) as i32],
        "exactly one current submission, the last"
    );
}

on_both!(concurrent_submissions => concurrent_submissions_sqlite, concurrent_submissions_postgres);

// ---------------------------------------------------------------------------------------------
// 9. Connecting.

fn ping(store: &Store) {
    store.ping().unwrap();
    migrated(store);
    store.ping().unwrap();
}

on_both!(ping => ping_sqlite, ping_postgres);

/// An error's Display followed by each source's.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(" | ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[test]
fn connect_rejects_other_schemes() {
    for url in ["mysql://x", "http://localhost/db", ""] {
        match Store::connect(url) {
            Err(StoreError::BadUrl(u)) => assert_eq!(u, url),
            Err(e) => panic!("{url:?}: {e:?}"),
            Ok(_) => panic!("{url:?} connected"),
        }
    }
}

#[test]
fn connect_reports_libpq_message() {
    match Store::connect("postgres://postgres@127.0.0.1:1/nope") {
        Err(e @ StoreError::Connect(_)) => {
            let source = std::error::Error::source(&e)
                .expect("Connect has a source")
                .to_string();
            assert!(
                source.contains("127.0.0.1") && source.contains("port 1"),
                "libpq's message: {source}"
            );
            assert!(chain(&e).contains(&source));
        }
        Err(e) => panic!("expected Connect: {e:?}"),
        Ok(_) => panic!("connected to port 1"),
    }
}

#[test]
fn connect_reports_postgres_message() {
    let Some(server) = pg_server() else { return };
    let missing = unique_name();
    match Store::connect(&with_database(&server, &missing)) {
        Err(e @ StoreError::Connect(_)) => {
            let text = chain(&e);
            assert!(
                text.contains(&format!("database \"{missing}\" does not exist")),
                "PostgreSQL's message: {text}"
            );
        }
        Err(e) => panic!("expected Connect: {e:?}"),
        Ok(_) => panic!("connected to a database that does not exist"),
    }
}

#[test]
fn with_database_keeps_everything_but_the_name() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
        "postgresql://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
    assert_eq!(
        with_database("postgres://h?sslmode=disable", "x"),
        "postgres://h/x?sslmode=disable"
    );
}
