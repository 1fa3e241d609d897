//! Store tests: migrations applying and reversing, and schema drift.

use super::*;

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
    if store.backend() == Backend::Postgres {
        assert!(
            published_sheets_cheap_to_write(store),
            "published sheets are lz4-compressed or stored uncompressed on PostgreSQL"
        );
    }
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
        idempotency_keys,
        reviewers,
        reviewer_conflicts,
        assignments,
        review_items,
        judgments,
        resolutions,
        appeals,
        appeal_files,
        audit_log,
        publications,
        published_sheets,
        webhooks,
        webhook_deliveries,
        webhook_attempts,
        calendar_changes,
        rubric_versions
    )
}

/// A column in schema.rs's text: name, diesel type without `Nullable<…>`, nullable.
type SourceColumn = (String, String, bool);

/// schema.rs's own text: table → its columns in order.
fn schema_source() -> BTreeMap<String, Vec<SourceColumn>> {
    let mut tables = BTreeMap::new();
    let mut current: Option<(String, Vec<SourceColumn>)> = None;
    let mut in_table_macro = false;
    for line in include_str!("../schema.rs").lines().map(str::trim) {
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

/// lz4 compression (`l`) or no compression (`e`xternal storage) for published sheets.
fn published_sheets_cheap_to_write(store: &Store) -> bool {
    #[derive(QueryableByName)]
    struct Attribute {
        #[diesel(sql_type = Text)]
        compression: String,
        #[diesel(sql_type = Text)]
        storage: String,
    }
    let DbPool::Pg(pool) = &store.pool else {
        return false;
    };
    let mut c = pool.get().unwrap();
    let a: Attribute = diesel::sql_query(
        "SELECT attcompression::text AS compression, attstorage::text AS storage \
         FROM pg_attribute WHERE attrelid = 'published_sheets'::regclass AND attname = 'sheet'",
    )
    .get_result(&mut c)
    .unwrap();
    a.compression == "l" || a.storage == "e"
}
