//! Integration-test harness: each test gets its own database (a SQLite file, or a PostgreSQL
//! database created for it when KAOPING_TEST_PG names a server) and its own server on port 0,
//! driven over HTTP with reqwest.

#[macro_use]
pub mod api_helpers;
pub mod common;
pub mod docx_gen;
pub mod from_document;
#[path = "../../../crates/domain/src/ingest/hostile.rs"]
pub mod hostile;
pub mod serve_process;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::{Connection, PgConnection, RunQueryDsl};
use kaoping::server::{self, ServerConfig};
use reqwest::{Method, Response};
use serde_json::{json, Value};

pub const ADMIN: &str = "kp_test_admin_token_0123456789abcdef";
pub const JUNSHAN: &str = include_str!("../../fixtures/junshan-2024.json");
pub const MILUO: &str = include_str!("../../fixtures/miluo-2024.json");

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The in-process servers' clock: 2026-06-01 10:00 in Shanghai when the first test asked, then
/// running on. A fixed start keeps `AHEAD` ahead and the built-in calendar covering "today"
/// whatever day the tests run.
pub fn test_now() -> chrono::DateTime<chrono::Utc> {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let elapsed = START.get_or_init(std::time::Instant::now).elapsed();
    let base = chrono::DateTime::parse_from_rfc3339("2026-06-01T10:00:00+08:00")
        .expect("a valid instant")
        .with_timezone(&chrono::Utc);
    base + chrono::TimeDelta::from_std(elapsed).expect("elapsed time fits")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test, removed when the test ends.
pub enum TestDb {
    Sqlite(PathBuf),
    Postgres { server: String, name: String },
}

impl TestDb {
    /// An empty database. None when PostgreSQL is not configured outside CI; in CI a missing
    /// server is a failure.
    pub fn create(backend: Backend) -> Option<TestDb> {
        Self::made(backend, false)
    }

    /// A database with every migration applied: a copy of a template migrated once per test
    /// run, instead of migrating each test's database (the servers' start then finds nothing to
    /// apply). Tests of migrations and of a first start use [`TestDb::create`].
    pub fn migrated(backend: Backend) -> Option<TestDb> {
        Self::made(backend, true)
    }

    fn made(backend: Backend, migrated: bool) -> Option<TestDb> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("kaoping-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                let path = dir.join(format!("api-{}-{n}.db", std::process::id()));
                if migrated {
                    std::fs::copy(template::sqlite(), &path).expect("copy the SQLite template");
                }
                Some(TestDb::Sqlite(path))
            }
            Backend::Postgres => {
                let Ok(server) = std::env::var("KAOPING_TEST_PG") else {
                    assert!(
                        std::env::var_os("CI").is_none(),
                        "CI must run the PostgreSQL tests: set KAOPING_TEST_PG to a server URL"
                    );
                    eprintln!("KAOPING_TEST_PG is not set: PostgreSQL variant skipped");
                    return None;
                };
                let name = format!("kaoping_api_{}_{n}", std::process::id());
                let mut conn =
                    PgConnection::establish(&server).expect("connect to KAOPING_TEST_PG");
                if migrated {
                    let template = template::postgres(&server);
                    // the template may be read by one CREATE DATABASE at a time
                    let _one = template::CLONING.lock().unwrap_or_else(|e| e.into_inner());
                    diesel::sql_query(format!(
                        "CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY"
                    ))
                    .execute(&mut conn)
                    .expect("clone the PostgreSQL template");
                } else {
                    diesel::sql_query(format!("CREATE DATABASE {name}"))
                        .execute(&mut conn)
                        .expect("create database");
                }
                Some(TestDb::Postgres { server, name })
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite(path) => format!("sqlite://{}", path.display()),
            TestDb::Postgres { server, name } => {
                let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(server);
                format!("{base}/{name}")
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDb::Postgres { server, name } => {
                if let Ok(mut conn) = PgConnection::establish(server) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn);
                }
            }
        }
    }
}

/// Migrated template databases, made once per test process.
mod template {
    use std::path::PathBuf;
    use std::sync::{Mutex, OnceLock};

    use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
    use kaoping::store::Store;

    pub static CLONING: Mutex<()> = Mutex::new(());

    /// A SQLite file with every migration applied and no WAL beside it, to copy.
    pub fn sqlite() -> &'static PathBuf {
        static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
        TEMPLATE.get_or_init(|| {
            let dir = std::env::temp_dir().join("kaoping-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            let pid = std::process::id();
            let work = dir.join(format!("template-work-{pid}.db"));
            let done = dir.join(format!("template-{pid}.db"));
            for p in [&work, &done] {
                let _ = std::fs::remove_file(p);
            }
            let url = format!("sqlite://{}", work.display());
            Store::connect(&url)
                .expect("template store")
                .migrate()
                .expect("migrate template");
            // one self-contained file, whatever the store left in its WAL
            let mut conn = SqliteConnection::establish(&work.display().to_string())
                .expect("open the template");
            diesel::sql_query(format!("VACUUM INTO '{}'", done.display()))
                .execute(&mut conn)
                .expect("write the template");
            drop(conn);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", work.display()));
            }
            done
        })
    }

    /// The name of a PostgreSQL database with every migration applied, to clone. Templates of
    /// test processes that are gone are dropped first.
    pub fn postgres(server: &str) -> &'static str {
        static TEMPLATE: OnceLock<String> = OnceLock::new();
        TEMPLATE.get_or_init(|| {
            let mut conn = PgConnection::establish(server).expect("connect to KAOPING_TEST_PG");
            #[derive(diesel::QueryableByName)]
            struct Name {
                #[diesel(sql_type = diesel::sql_types::Text)]
                datname: String,
            }
            let old: Vec<Name> = diesel::sql_query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'kaoping_tpl_%'",
            )
            .load(&mut conn)
            .expect("list templates");
            for Name { datname } in old {
                let pid = datname.trim_start_matches("kaoping_tpl_");
                if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                    let _ = diesel::sql_query(format!(
                        "DROP DATABASE IF EXISTS {datname} WITH (FORCE)"
                    ))
                    .execute(&mut conn);
                }
            }
            let name = format!("kaoping_tpl_{}", std::process::id());
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .expect("drop an old template");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create the template");
            let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(server);
            let store = Store::connect(&format!("{base}/{name}")).expect("template store");
            store.migrate().expect("migrate template");
            drop(store);
            name
        })
    }
}

/// A running server with its database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// Shared with the servers started [`TestApp::beside`] it.
    pub db: std::sync::Arc<TestDb>,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(
        backend: Backend,
        adjust: impl FnOnce(&mut ServerConfig),
    ) -> Option<TestApp> {
        let db = TestDb::migrated(backend)?;
        let mut config = ServerConfig::new("127.0.0.1:0", &db.url());
        config.admin_token = Some(ADMIN.to_string());
        config.workers = Some(2);
        // In-process servers are never stopped, so a worker thread would still be polling the
        // database while the test process exits; tests that need it turn it back on.
        config.webhooks.enabled = false;
        config.clock = Some(kaoping::service::Clock::new(test_now));
        adjust(&mut config);
        let running = server::start(&config).expect("server starts");
        let handle = running.server.handle();
        actix_web::rt::spawn(running.server);
        Some(TestApp {
            base: format!("http://{}", running.addr),
            client: reqwest::Client::new(),
            db: std::sync::Arc::new(db),
            handle,
        })
    }

    /// Another server (another instance) on the same database, reading the time from `clock`.
    pub fn beside(&self, clock: kaoping::service::Clock) -> TestApp {
        let mut config = ServerConfig::new("127.0.0.1:0", &self.db.url());
        config.workers = Some(1);
        config.webhooks.enabled = false;
        config.clock = Some(clock);
        let running = server::start(&config).expect("server starts");
        let handle = running.server.handle();
        actix_web::rt::spawn(running.server);
        TestApp {
            base: format!("http://{}", running.addr),
            client: reqwest::Client::new(),
            db: self.db.clone(),
            handle,
        }
    }

    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// POST a raw JSON text (a fixture) as the body.
    pub async fn post_raw(
        &self,
        path: &str,
        token: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("request sent")
    }

    /// Registers a department and returns a department token for it.
    pub async fn department(&self, code: &str, name: &str) -> String {
        let r = self
            .post(
                "/api/v1/departments",
                Some(ADMIN),
                json!({ "code": code, "name": name, "category": "县区" }),
            )
            .await;
        assert_eq!(
            r.status(),
            201,
            "department {code}: {}",
            r.text().await.unwrap_or_default()
        );
        let r = self
            .post(
                "/api/v1/tokens",
                Some(ADMIN),
                json!({ "role": "department", "department": code }),
            )
            .await;
        assert_eq!(r.status(), 201);
        body(r).await["token"].as_str().expect("token").to_string()
    }

    pub async fn token(&self, role: &str) -> String {
        let r = self
            .post("/api/v1/tokens", Some(ADMIN), json!({ "role": role }))
            .await;
        assert_eq!(r.status(), 201);
        body(r).await["token"].as_str().expect("token").to_string()
    }

    /// A round with the given departments and deadline; returns its id.
    pub async fn round(&self, deadline: &str, departments: &[&str]) -> i64 {
        let r = self
            .post(
                "/api/v1/rounds",
                Some(ADMIN),
                json!({ "year": 2024, "title": "2024年度部门整体支出绩效自评考核", "deadline": deadline,
                        "rubric": "yueyang-2024", "departments": departments }),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
        body(r).await["id"].as_i64().expect("round id")
    }
}

pub async fn body(r: Response) -> Value {
    let text = r.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts the error envelope with this status and code, and returns it.
pub async fn assert_error(r: Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "expected {status} {code}");
    assert!(
        r.headers().contains_key("x-request-id"),
        "every response carries a request id"
    );
    let v = body(r).await;
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(v["error"]["message"].is_string(), "{v}");
    v
}

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($app: TestApp) $body

            #[actix_rt::test]
            async fn sqlite() {
                let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
                run(app).await;
            }

            #[actix_rt::test]
            async fn postgres() {
                if let Some(app) = TestApp::spawn(Backend::Postgres).await {
                    run(app).await;
                }
            }
        }
    };
}
