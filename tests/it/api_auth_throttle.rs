//! Repeated failed authentications are slowed down (issue 8): after `max_failures` unknown or
//! malformed tokens from one address within the window, further failed attempts answer 429
//! `too_many_requests` with Retry-After, in the error envelope, until the window ends; a valid
//! token is never slowed and a request without a token is not an attempt. And no token or
//! webhook secret ever reaches the log, even at debug level.

use crate::support;
use support::*;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kaoping::server::ServerConfig;
use serde_json::json;

/// Three failures per two seconds: low enough to test, the window short enough to wait out.
fn low_limits(c: &mut ServerConfig) {
    c.api.auth_throttle.max_failures = 3;
    c.api.auth_throttle.window = Duration::from_secs(2);
}

async fn rounds_with(app: &TestApp, authorization: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/api/v1/rounds", app.base))
        .header("authorization", authorization)
        .send()
        .await
        .expect("sent")
}

async fn throttled_after_the_limit(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, low_limits).await else {
        return;
    };
    let bad = "Bearer kp_not_a_token_0000000000000000000000000000000000000000000000000000";
    for _ in 0..3 {
        assert_error(rounds_with(&app, bad).await, 401, "unauthenticated").await;
    }
    // the fourth failure within the window
    let r = rounds_with(&app, bad).await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("Retry-After is seconds");
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    let v = assert_error(r, 429, "too_many_requests").await;
    assert_eq!(v["error"]["details"]["retry_after_seconds"], retry, "{v}");
    // a malformed header is a failed attempt too, on any route that takes a token
    let r = app
        .client
        .get(format!("{}/api/v1/departments", app.base))
        .basic_auth("admin", Some(ADMIN))
        .send()
        .await
        .expect("sent");
    assert_error(r, 429, "too_many_requests").await;
    let r = app
        .client
        .get(format!("{}/api/v1/rounds/1/rankings", app.base))
        .header("authorization", bad)
        .send()
        .await
        .expect("sent");
    assert_error(r, 429, "too_many_requests").await;
    // a valid token from the same address is never slowed
    for _ in 0..3 {
        let r = app.get("/api/v1/rounds", Some(ADMIN)).await;
        assert_eq!(r.status(), 200);
        assert!(!r.headers().contains_key("retry-after"));
    }
    // no token at all is not an attempt: still 401, and public routes still answer
    assert_error(
        app.get("/api/v1/rounds", None).await,
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    // once the window has passed, failures are answered 401 again
    tokio_sleep(Duration::from_millis(2100)).await;
    assert_error(rounds_with(&app, bad).await, 401, "unauthenticated").await;
    app.stop().await;
}

async fn tokio_sleep(d: Duration) {
    actix_rt::time::sleep(d).await;
}

#[actix_rt::test]
async fn failed_authentications_are_throttled_sqlite() {
    throttled_after_the_limit(Backend::Sqlite).await;
}

#[actix_rt::test]
async fn failed_authentications_are_throttled_postgres() {
    throttled_after_the_limit(Backend::Postgres).await;
}

/// The defaults: ten failures a minute are answered 401, the eleventh 429 with a wait of about
/// a minute; a revoked token counts like an unknown one.
#[actix_rt::test]
async fn the_default_limit_is_ten_failures_a_minute() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let r = app
        .post("/api/v1/tokens", Some(ADMIN), json!({ "role": "viewer" }))
        .await;
    let created = body(r).await;
    let (id, revoked) = (
        created["id"].as_i64().expect("id"),
        created["token"].as_str().expect("token").to_string(),
    );
    let r = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    for n in 0..10 {
        let token = if n % 2 == 0 {
            revoked.as_str()
        } else {
            "kp_wrong"
        };
        assert_error(
            app.get("/api/v1/me", Some(token)).await,
            401,
            "unauthenticated",
        )
        .await;
    }
    let r = app.get("/api/v1/me", Some(&revoked)).await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((50..=60).contains(&retry), "Retry-After {retry}");
    assert_error(r, 429, "too_many_requests").await;
    assert_eq!(app.get("/api/v1/me", Some(ADMIN)).await.status(), 200);
    app.stop().await;
}

/// `kaoping serve`, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every secret a request carried or an answer gave, and the log of the server at debug level:
/// none of the secrets is in it, though the requests are (their ids are).
#[test]
fn no_token_or_secret_reaches_the_log() {
    let dir = std::env::temp_dir().join("kaoping-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join(format!("secrets-log-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let admin = "kp_configured_admin_token_for_the_log_test_0123456789abcdef";
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .env("KAOPING_ADMIN_TOKEN", admin)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kaoping serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    // the log is read on its own thread so a full pipe never blocks the server
    let log = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut base = None;
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("stdout line");
        if let Some(rest) = line.strip_prefix("kaoping serving on ") {
            base = rest.split_whitespace().next().map(str::to_string);
            break;
        }
        assert!(Instant::now() < deadline, "the server did not start");
    }
    // keep draining what the server prints after its banner
    std::thread::spawn(move || lines.for_each(drop));
    let base = base.expect("base url");
    let client = reqwest::blocking::Client::new();
    let send = |req: reqwest::blocking::RequestBuilder, id: &str| {
        req.header("X-Request-Id", id).send().expect("request sent")
    };
    let r = send(
        client
            .get(format!("{base}/api/v1/rounds"))
            .bearer_auth(admin),
        "log-test-1",
    );
    assert_eq!(r.status(), 200);
    let created: serde_json::Value = send(
        client
            .post(format!("{base}/api/v1/tokens"))
            .bearer_auth(admin)
            .json(&json!({ "role": "viewer" })),
        "log-test-2",
    )
    .json()
    .expect("json");
    let issued = created["token"].as_str().expect("token").to_string();
    let r = send(
        client.get(format!("{base}/api/v1/me")).bearer_auth(&issued),
        "log-test-3",
    );
    assert_eq!(r.status(), 200);
    let secret = "webhook-secret-for-the-log-test-0123";
    let r = send(
        client
            .post(format!("{base}/api/v1/webhooks"))
            .bearer_auth(admin)
            .json(&json!({ "url": "http://127.0.0.1:9/hook", "secret": secret })),
        "log-test-4",
    );
    assert_eq!(r.status(), 201);
    // wrong tokens, past the limit, so the throttle's warning is logged too
    let wrong = "kp_wrong_token_that_must_not_be_logged_0123456789";
    for n in 0..11 {
        let r = send(
            client
                .get(format!("{base}/api/v1/rounds"))
                .bearer_auth(wrong),
            &format!("log-test-wrong-{n}"),
        );
        assert!([401, 429].contains(&r.status().as_u16()));
    }
    drop(server);
    let log = log.join().expect("log reader");
    let _ = std::fs::remove_file(&db);
    assert!(
        log.contains("log-test-4") && log.contains("log-test-wrong-10"),
        "the requests are logged (else this test proves nothing):\n{log}"
    );
    assert!(
        log.contains("repeated authentication failures"),
        "the throttle says so in the log:\n{log}"
    );
    for (what, s) in [
        ("the admin token", admin),
        ("an issued token", issued.as_str()),
        ("a wrong token", wrong),
        ("the webhook secret", secret),
    ] {
        assert!(!log.contains(s), "{what} is in the log");
    }
    // a token's hash is no secret, but it is no business of the log either
    let hash = kaoping::service::hash_token(admin);
    assert!(!log.contains(&hash), "the admin token's hash is in the log");
}
