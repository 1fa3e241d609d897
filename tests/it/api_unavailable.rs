//! A database that is locked or unreachable is a 503 `unavailable` with Retry-After, answered
//! within the bounded wait (`ServerConfig::db_wait`), never a 500 or a hang; the service
//! answers again as soon as the database is back.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use serde_json::json;

use crate::support;
use support::*;

const WAIT: Duration = Duration::from_secs(1);

async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |c| c.db_wait = WAIT).await
}

/// The answer while the database cannot serve: 503 with Retry-After, in bounded time.
async fn answers_unavailable(app: &TestApp, write: bool) {
    let started = Instant::now();
    let r = if write {
        app.post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": "430699001", "name": "测试局", "category": "行政单位" }),
        )
        .await
    } else {
        app.get("/api/v1/rounds", Some(ADMIN)).await
    };
    let took = started.elapsed();
    assert!(
        r.headers().get("retry-after").is_some(),
        "a 503 says when to try again"
    );
    let v = assert_error(r, 503, "unavailable").await;
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("稍后")),
        "{v}"
    );
    assert!(
        took < Duration::from_secs(15),
        "answered within the wait, took {took:?}"
    );
}

#[actix_rt::test]
async fn a_locked_sqlite_database_is_503_then_serves_again() {
    let app = spawn(Backend::Sqlite).await.expect("sqlite app");
    let TestDb::Sqlite(path) = &*app.db else {
        unreachable!("a SQLite app")
    };
    let mut holder =
        SqliteConnection::establish(&path.display().to_string()).expect("open the database");
    holder
        .batch_execute("BEGIN IMMEDIATE")
        .expect("take the write lock");
    answers_unavailable(&app, true).await;
    holder.batch_execute("ROLLBACK").expect("release the lock");
    drop(holder);
    let r = app
        .post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": "430699001", "name": "测试局", "category": "行政单位" }),
        )
        .await;
    assert_eq!(
        r.status(),
        201,
        "the write goes through once the lock is gone"
    );
    app.stop().await;
}

#[actix_rt::test]
async fn an_unreachable_postgres_database_is_503_then_serves_again() {
    let Some(app) = spawn(Backend::Postgres).await else {
        return;
    };
    let TestDb::Postgres { server, name } = &*app.db else {
        unreachable!("a PostgreSQL app")
    };
    let mut admin = PgConnection::establish(server).expect("connect to KAOPING_TEST_PG");
    let set = |admin: &mut PgConnection, allow: bool| {
        diesel::sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}"))
            .execute(admin)
            .expect("alter database");
    };
    set(&mut admin, false);
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .execute(&mut admin)
    .expect("end the server's sessions");
    answers_unavailable(&app, false).await;
    answers_unavailable(&app, true).await;
    set(&mut admin, true);
    assert_eq!(app.get("/api/v1/rounds", Some(ADMIN)).await.status(), 200);
    app.stop().await;
}
