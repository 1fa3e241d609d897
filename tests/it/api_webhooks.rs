//! Webhooks against a local receiver, on SQLite and PostgreSQL: registration without the secret
//! ever coming back, signed deliveries sent byte for byte, retries with backoff and the attempt
//! log, giving up and the retry endpoint, deliveries surviving a restart, two servers on one
//! database sending each event once, admins only, and a real publication end to end.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kaoping::server::ServerConfig;
use kaoping::store::{AttemptOutcome, NewAttempt, NewEvent, Store};
use kaoping::webhook::{verify, WebhookConfig, WebhookWorker};
use reqwest::Method;
use serde_json::{json, Value};

const SECRET: &str = "s3cr3t-for-the-dashboard-0123456789";

// ---------------------------------------------------------------------------------------------
// A receiver: a tiny HTTP/1.1 server on port 0 that records every request and answers with the
// statuses queued, then with its default status.

#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    /// Lower-case names.
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

struct Receiver {
    url: String,
    log: Arc<Mutex<Vec<Received>>>,
    queued: Arc<Mutex<VecDeque<u16>>>,
    default: Arc<AtomicU16>,
    /// How long to take before answering, in milliseconds.
    delay_ms: Arc<AtomicU16>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    /// Answers `default` to every request (after any queued answers).
    fn start(default: u16) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!(
            "http://{}/hooks/kaoping",
            listener.local_addr().expect("addr")
        );
        let r = Receiver {
            url,
            log: Arc::default(),
            queued: Arc::default(),
            default: Arc::new(AtomicU16::new(default)),
            delay_ms: Arc::default(),
            stop: Arc::default(),
        };
        let (log, queued, status, delay, stop) = (
            r.log.clone(),
            r.queued.clone(),
            r.default.clone(),
            r.delay_ms.clone(),
            r.stop.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let answer = queued
                            .lock()
                            .unwrap()
                            .pop_front()
                            .unwrap_or_else(|| status.load(Ordering::SeqCst));
                        let delay = Duration::from_millis(delay.load(Ordering::SeqCst).into());
                        serve(stream, answer, delay, &log);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        r
    }

    /// The next answers, before the default.
    fn queue(&self, statuses: &[u16]) {
        self.queued.lock().unwrap().extend(statuses);
    }

    fn set_delay(&self, ms: u16) {
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    fn set_default(&self, status: u16) {
        self.default.store(status, Ordering::SeqCst);
    }

    fn requests(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// Waits until `n` requests came (and a little longer, to catch any extra one).
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.requests().len() < n {
            assert!(
                Instant::now() < deadline,
                "the receiver got {} of {n} requests",
                self.requests().len()
            );
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
        self.requests()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Reads one request, logs it, and answers `status` after `delay`; None when the request could
/// not be read.
fn serve(
    mut stream: TcpStream,
    status: u16,
    delay: Duration,
    log: &Mutex<Vec<Received>>,
) -> Option<()> {
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    // logged before answering: once the sender has its answer, the request is in the log
    log.lock().unwrap().push(Received {
        method,
        path,
        headers,
        body,
    });
    std::thread::sleep(delay);
    let answer = format!(
        "HTTP/1.1 {status} Status\r\ncontent-length: 2\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nok"
    );
    stream.write_all(answer.as_bytes()).ok()
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Polls quickly, retries after 50 ms then 100 ms, gives up after the third attempt.
fn fast() -> WebhookConfig {
    WebhookConfig {
        poll_interval: Duration::from_millis(25),
        base_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        max_attempts: 3,
        timeout: Duration::from_secs(5),
        lease: Duration::from_secs(60),
        enabled: true,
    }
}

/// Runs a test body once on SQLite and once on PostgreSQL, with the fast webhook worker.
macro_rules! on_both_fast {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($app: TestApp) $body

            #[actix_rt::test]
            async fn sqlite() {
                let app = TestApp::spawn_with(Backend::Sqlite, |c| c.webhooks = fast())
                    .await
                    .expect("sqlite app");
                run(app).await;
            }

            #[actix_rt::test]
            async fn postgres() {
                if let Some(app) =
                    TestApp::spawn_with(Backend::Postgres, |c| c.webhooks = fast()).await
                {
                    run(app).await;
                }
            }
        }
    };
}

fn now_micros() -> i64 {
    kaoping::store::micros(chrono::Utc::now())
}

/// An event body as the publisher writes it: compact JSON, non-ASCII text included, so any
/// re-encoding would show.
fn payload(round: i64, version: i32) -> String {
    format!(
        r#"{{"event":"round.published","round_id":{round},"version":{version},"published_at":"2025-06-30T08:00:00Z","reason":"首次公布 — 结果","links":{{"rankings":"/api/v1/rounds/{round}/rankings?version={version}"}},"summary":{{"departments":2,"ranked":2}},"diff":null}}"#
    )
}

/// Queues an event for every active webhook, as publishing does; returns the deliveries.
fn enqueue(db_url: &str, round: i64, version: i32, due: i64) -> Vec<i64> {
    let store = Store::connect(db_url).expect("store");
    let body = payload(round, version);
    store
        .enqueue_webhook_event(&NewEvent {
            round_id: round,
            version,
            event: "round.published",
            payload: &body,
            at: due,
        })
        .expect("enqueue")
}

async fn call(
    base: &str,
    method: Method,
    path: &str,
    token: &str,
    b: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = b {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request sent");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, v)
}

/// Registers a webhook as the admin; returns its id.
async fn register(base: &str, url: &str) -> i64 {
    let (status, v) = call(
        base,
        Method::POST,
        "/api/v1/webhooks",
        ADMIN,
        Some(json!({ "url": url, "secret": SECRET, "description": "市财政局绩效看板" })),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_i64().expect("webhook id")
}

async fn deliveries(base: &str, webhook: i64) -> Vec<Value> {
    let (status, v) = call(
        base,
        Method::GET,
        &format!("/api/v1/webhooks/{webhook}/deliveries"),
        ADMIN,
        None,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v.as_array().expect("a list").clone()
}

/// Polls the webhook's deliveries until `done` holds for them.
async fn wait_deliveries(base: &str, webhook: i64, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let d = deliveries(base, webhook).await;
        if done(&d) {
            return d;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries never got there: {d:#?}"
        );
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

fn all_in(state: &'static str) -> impl Fn(&[Value]) -> bool {
    move |d: &[Value]| !d.is_empty() && d.iter().all(|x| x["state"] == state)
}

fn statuses(delivery: &Value) -> Vec<Value> {
    delivery["attempt_log"]
        .as_array()
        .expect("attempt_log")
        .iter()
        .map(|a| a["status_code"].clone())
        .collect()
}

fn at(attempt: &Value) -> chrono::DateTime<chrono::Utc> {
    attempt["at"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no time in {attempt}"))
}

/// The request is the delivery, signed with the secret over the exact body.
fn assert_signed_delivery(req: &Received, delivery: i64, body: &str) {
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/hooks/kaoping");
    assert_eq!(
        req.body,
        body.as_bytes(),
        "the payload is sent byte for byte"
    );
    assert_eq!(req.header("content-type"), "application/json");
    assert!(
        req.header("user-agent").starts_with("kaoping-webhook/"),
        "{:?}",
        req.headers
    );
    assert_eq!(req.header("x-kaoping-event"), "round.published");
    assert_eq!(req.header("x-kaoping-delivery"), delivery.to_string());
    let signature = req.header("x-kaoping-signature-256");
    assert!(signature.starts_with("sha256="), "{signature}");
    assert!(
        verify(SECRET, &req.body, signature),
        "bad signature {signature}"
    );
    assert!(!verify("another-secret-0123456789", &req.body, signature));
}

/// A server on an existing database with its own webhook settings, keeping its worker.
fn start(
    db: &TestDb,
    webhooks: WebhookConfig,
) -> (String, actix_web::dev::ServerHandle, WebhookWorker) {
    let mut config = ServerConfig::new("127.0.0.1:0", &db.url());
    config.admin_token = Some(ADMIN.to_string());
    config.workers = Some(1);
    config.webhooks = webhooks;
    let running = kaoping::server::start(&config).expect("server starts");
    let handle = running.server.handle();
    actix_web::rt::spawn(running.server);
    (format!("http://{}", running.addr), handle, running.webhooks)
}

// ---------------------------------------------------------------------------------------------
// Registration

on_both_fast!(
    registering_never_returns_the_secret_and_checks_its_input,
    |app| {
        let base = app.base.as_str();
        let (status, created) = call(
            base,
            Method::POST,
            "/api/v1/webhooks",
            ADMIN,
            Some(
                json!({ "url": "https://dashboard.example.gov.cn/hooks", "secret": SECRET,
                     "description": "市财政局绩效看板" }),
            ),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().expect("id");
        assert_eq!(created["url"], "https://dashboard.example.gov.cn/hooks");
        assert_eq!(created["description"], "市财政局绩效看板");
        assert_eq!(created["active"], true);
        assert!(created["created_at"].is_string());
        assert!(created.get("secret").is_none(), "{created}");
        assert!(!created.to_string().contains(SECRET));

        let (status, list) = call(base, Method::GET, "/api/v1/webhooks", ADMIN, None).await;
        assert_eq!(status, 200);
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        assert_eq!(list[0]["id"], id);
        assert!(list[0].get("secret").is_none());
        assert!(!list.to_string().contains(SECRET));

        // bad input: 422 in the envelope, naming the field
        for (input, field) in [
            (
                json!({ "url": "ftp://example.com/x", "secret": SECRET }),
                "url",
            ),
            (json!({ "url": "not a url", "secret": SECRET }), "url"),
            (json!({ "url": "http://", "secret": SECRET }), "url"),
            (
                json!({ "url": format!("https://e.cn/{}", "a".repeat(2000)), "secret": SECRET }),
                "url",
            ),
            (
                json!({ "url": "https://example.com/x", "secret": "short" }),
                "secret",
            ),
            (
                json!({ "url": "https://example.com/x", "secret": "s".repeat(257) }),
                "secret",
            ),
            (
                json!({ "url": "https://example.com/x", "secret": SECRET, "description": "长".repeat(501) }),
                "description",
            ),
        ] {
            let r = app
                .post("/api/v1/webhooks", Some(ADMIN), input.clone())
                .await;
            let e = assert_error(r, 422, "invalid_request").await;
            assert_eq!(e["error"]["details"]["field"], field, "{input}: {e}");
            assert!(!e.to_string().contains(SECRET));
        }
        // a missing secret or an unknown field is refused by the JSON reader
        let r = app
            .post(
                "/api/v1/webhooks",
                Some(ADMIN),
                json!({ "url": "https://example.com/x" }),
            )
            .await;
        assert_client_error(r, "no secret").await;
        let r = app
            .post(
                "/api/v1/webhooks",
                Some(ADMIN),
                json!({ "url": "https://example.com/x", "secret": SECRET, "events": ["x"] }),
            )
            .await;
        assert_client_error(r, "unknown field").await;
        let (_, list) = call(base, Method::GET, "/api/v1/webhooks", ADMIN, None).await;
        assert_eq!(
            list.as_array().map(Vec::len),
            Some(1),
            "nothing refused was stored"
        );

        // delete: 204, then listed as inactive with its (empty) log still readable; again: 404
        let r = app
            .call(
                Method::DELETE,
                &format!("/api/v1/webhooks/{id}"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(r.status(), 204);
        let (_, list) = call(base, Method::GET, "/api/v1/webhooks", ADMIN, None).await;
        assert_eq!(list[0]["active"], false);
        assert_eq!(deliveries(base, id).await, Vec::<Value>::new());
        let r = app
            .call(
                Method::DELETE,
                &format!("/api/v1/webhooks/{id}"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_error(r, 404, "not_found").await;
        assert_error(
            app.get("/api/v1/webhooks/999/deliveries", Some(ADMIN))
                .await,
            404,
            "not_found",
        )
        .await;
        assert_error(
            app.get("/api/v1/webhooks/x/deliveries", Some(ADMIN)).await,
            400,
            "invalid_path",
        )
        .await;
    }
);

on_both!(only_admins_may_touch_webhooks, |app| {
    let department = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let reviewer = app.token("reviewer").await;
    let viewer = app.token("viewer").await;
    let id = register(&app.base, "https://dashboard.example.gov.cn/hooks").await;
    let routes = [
        (
            Method::POST,
            "/api/v1/webhooks".to_string(),
            Some(json!({ "url": "https://x.cn/h", "secret": SECRET })),
        ),
        (Method::GET, "/api/v1/webhooks".to_string(), None),
        (Method::DELETE, format!("/api/v1/webhooks/{id}"), None),
        (
            Method::GET,
            format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/webhooks/{id}/deliveries/1/retry"),
            Some(json!({})),
        ),
    ];
    for (method, path, b) in &routes {
        for token in [&department, &reviewer, &viewer] {
            let r = app.call(method.clone(), path, Some(token), b.clone()).await;
            assert_error(r, 403, "forbidden").await;
        }
        let r = app.call(method.clone(), path, None, b.clone()).await;
        assert_error(r, 401, "unauthenticated").await;
    }
    // nothing changed
    let (_, list) = call(&app.base, Method::GET, "/api/v1/webhooks", ADMIN, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["active"], true);
});

// ---------------------------------------------------------------------------------------------
// Delivery

on_both_fast!(a_delivery_is_signed_and_sent_byte_for_byte, |app| {
    let rx = Receiver::start(200);
    let hook = register(&app.base, &rx.url).await;
    let ids = enqueue(&app.db.url(), 7, 1, now_micros());
    assert_eq!(ids.len(), 1);
    let reqs = rx.wait_for(1).await;
    assert_signed_delivery(&reqs[0], ids[0], &payload(7, 1));
    let d = wait_deliveries(&app.base, hook, all_in("delivered")).await;
    assert_eq!(d.len(), 1);
    let d = &d[0];
    assert_eq!(d["id"], ids[0]);
    assert_eq!(d["webhook_id"], hook);
    assert_eq!(d["round_id"], 7);
    assert_eq!(d["version"], 1);
    assert_eq!(d["event"], "round.published");
    assert_eq!(d["attempts"], 1);
    assert!(d["delivered_at"].is_string(), "{d}");
    assert!(d["next_attempt_at"].is_null(), "{d}");
    let log = d["attempt_log"].as_array().expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[0]["status_code"], 200);
    assert!(log[0]["error"].is_null());
    assert!(log[0]["duration_ms"].as_i64().is_some_and(|ms| ms >= 0));
    // sent once: nothing more arrives
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.requests().len(), 1);
    // a delivered delivery is not retried
    let r = app
        .post(
            &format!("/api/v1/webhooks/{hook}/deliveries/{}/retry", ids[0]),
            Some(ADMIN),
            json!({}),
        )
        .await;
    assert_error(r, 409, "conflict").await;
});

on_both_fast!(
    a_failing_receiver_is_retried_with_backoff_and_every_attempt_logged,
    |app| {
        let rx = Receiver::start(200);
        rx.queue(&[500, 500]);
        let hook = register(&app.base, &rx.url).await;
        let ids = enqueue(&app.db.url(), 3, 2, now_micros());
        let d = wait_deliveries(&app.base, hook, all_in("delivered")).await;
        let d = &d[0];
        assert_eq!(d["attempts"], 3, "{d}");
        assert_eq!(statuses(d), [json!(500), json!(500), json!(200)]);
        let log = d["attempt_log"].as_array().expect("log");
        assert_eq!(
            log.iter().map(|a| a["attempt"].clone()).collect::<Vec<_>>(),
            [json!(1), json!(2), json!(3)]
        );
        assert!(
            log[0]["error"].as_str().is_some_and(|e| e.contains("500")),
            "{d}"
        );
        assert!(log[2]["error"].is_null());
        // 50 ms after the first failure, 100 ms after the second: never sooner
        assert!(
            at(&log[1]) - at(&log[0]) >= chrono::Duration::milliseconds(50),
            "{d}"
        );
        assert!(
            at(&log[2]) - at(&log[1]) >= chrono::Duration::milliseconds(100),
            "{d}"
        );
        // the same delivery, signed the same way, each time
        let reqs = rx.wait_for(3).await;
        assert_eq!(reqs.len(), 3);
        for req in &reqs {
            assert_signed_delivery(req, ids[0], &payload(3, 2));
        }
    }
);

on_both_fast!(
    a_receiver_that_always_fails_is_given_up_and_can_be_retried,
    |app| {
        let rx = Receiver::start(500);
        let hook = register(&app.base, &rx.url).await;
        let ids = enqueue(&app.db.url(), 5, 1, now_micros());
        let d = wait_deliveries(&app.base, hook, all_in("failed")).await;
        let d = &d[0];
        assert_eq!(d["attempts"], 3, "max_attempts is 3: {d}");
        assert_eq!(statuses(d), [json!(500), json!(500), json!(500)]);
        assert!(
            d["next_attempt_at"].is_null() && d["delivered_at"].is_null(),
            "{d}"
        );
        actix_rt::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(rx.requests().len(), 3, "nothing is sent after giving up");

        // unknown deliveries are 404, whatever the webhook
        let retry = |w: i64, d: i64| format!("/api/v1/webhooks/{w}/deliveries/{d}/retry");
        assert_error(
            app.post(&retry(hook, 999), Some(ADMIN), json!({})).await,
            404,
            "not_found",
        )
        .await;
        assert_error(
            app.post(&retry(999, ids[0]), Some(ADMIN), json!({})).await,
            404,
            "not_found",
        )
        .await;

        // the receiver is fixed; the admin retries: pending at once with a fresh set of attempts
        rx.set_default(200);
        let r = app.post(&retry(hook, ids[0]), Some(ADMIN), json!({})).await;
        assert_eq!(r.status(), 200);
        let requeued = body(r).await;
        assert_eq!(requeued["state"], "pending", "{requeued}");
        assert_eq!(requeued["attempts"], 0);
        assert!(requeued["next_attempt_at"].is_string());
        assert_eq!(requeued["attempt_log"].as_array().map(Vec::len), Some(3));
        let d = wait_deliveries(&app.base, hook, all_in("delivered")).await;
        let d = &d[0];
        assert_eq!(d["attempts"], 1);
        assert_eq!(
            statuses(d),
            [json!(500), json!(500), json!(500), json!(200)]
        );
        assert_eq!(d["attempt_log"][3]["attempt"], 4, "the log keeps counting");
        // pending or delivered deliveries are not retried
        assert_error(
            app.post(&retry(hook, ids[0]), Some(ADMIN), json!({})).await,
            409,
            "conflict",
        )
        .await;
    }
);

on_both_fast!(
    an_unreachable_receiver_is_logged_without_the_secret,
    |app| {
        // a port that was just free: nothing listens there
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let hook = register(&app.base, &format!("http://127.0.0.1:{port}/hook")).await;
        enqueue(&app.db.url(), 9, 1, now_micros());
        let d = wait_deliveries(&app.base, hook, all_in("failed")).await;
        for a in d[0]["attempt_log"].as_array().expect("log") {
            assert!(a["status_code"].is_null(), "{a}");
            let e = a["error"].as_str().expect("an error");
            assert!(e.contains("connect"), "{e}");
            assert!(!e.contains(SECRET), "{e}");
        }
    }
);

on_both_fast!(a_deleted_webhook_gets_nothing_more, |app| {
    let rx = Receiver::start(200);
    let hook = register(&app.base, &rx.url).await;
    // queued for later, then the webhook is deleted before it is due
    let later = now_micros() + 600_000;
    let ids = enqueue(&app.db.url(), 4, 1, later);
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/webhooks/{hook}"),
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    actix_rt::time::sleep(Duration::from_millis(1000)).await;
    assert!(rx.requests().is_empty());
    let d = deliveries(&app.base, hook).await;
    assert_eq!(d[0]["id"], ids[0]);
    assert_eq!(d[0]["state"], "pending", "the delivery stays, unsent");
    // and a new event is not queued for it
    assert_eq!(
        enqueue(&app.db.url(), 4, 2, now_micros()),
        Vec::<i64>::new()
    );
});

// ---------------------------------------------------------------------------------------------
// Restarts and several servers

on_both_db!(deliveries_survive_a_restart, |db| {
    let rx = Receiver::start(200);
    rx.queue(&[503]);
    // the first server retries after a second: it stops before then
    let slow_retry = WebhookConfig {
        base_backoff: Duration::from_secs(1),
        ..fast()
    };
    let (base, handle, worker) = start(&db, slow_retry);
    let hook = register(&base, &rx.url).await;
    let first = enqueue(&db.url(), 1, 1, now_micros())[0];
    wait_deliveries(&base, hook, |d| {
        d.first()
            .is_some_and(|x| x["attempt_log"].as_array().is_some_and(|l| l.len() == 1))
    })
    .await;
    // the worker first: a graceful HTTP stop may take longer than the retry delay
    worker.stop();
    handle.stop(true).await;
    let sent = rx.requests().len();

    // queued while no server runs, and the first one's retry comes due meanwhile
    let second = enqueue(&db.url(), 1, 2, now_micros())[0];
    actix_rt::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(rx.requests().len(), sent, "nothing is sent while stopped");

    let (base, handle, worker) = start(&db, fast());
    let d = wait_deliveries(&base, hook, |d| d.len() == 2 && all_in("delivered")(d)).await;
    assert_eq!(d[0]["id"], first);
    assert_eq!(statuses(&d[0]), [json!(503), json!(200)]);
    assert_eq!(d[1]["id"], second);
    assert_eq!(statuses(&d[1]), [json!(200)]);
    let reqs = rx.wait_for(3).await;
    assert_eq!(reqs.len(), 3);
    for req in &reqs {
        let (id, version) = if req.header("x-kaoping-delivery") == first.to_string() {
            (first, 1)
        } else {
            (second, 2)
        };
        assert_signed_delivery(req, id, &payload(1, version));
    }
    handle.stop(true).await;
    worker.stop();
});

on_both_db!(a_stopping_worker_gives_back_what_it_has_not_sent, |db| {
    // a slow receiver: the worker is stopped in the middle of a batch of five
    let rx = Receiver::start(200);
    rx.set_delay(300);
    let (base, handle, worker) = start(&db, fast());
    register(&base, &rx.url).await;
    let ids: Vec<i64> = (1..=5)
        .map(|v| enqueue(&db.url(), 2, v, now_micros())[0])
        .collect();
    rx.wait_for(1).await;
    handle.stop(true).await;
    worker.stop();
    let sent = rx.requests().len();
    assert!(sent < ids.len(), "stopped mid-batch: {sent} sent");
    // whatever was not sent is pending and not leased, so the next start sends it at once
    let store = Store::connect(&db.url()).expect("store");
    let claimed = store
        .claim_due(now_micros(), 60_000_000, 100)
        .expect("claim");
    assert_eq!(
        claimed.len(),
        ids.len() - sent,
        "sent {sent}, claimable {claimed:?}"
    );
});

on_both_db!(two_servers_on_one_database_send_each_event_once, |db| {
    let rx = Receiver::start(200);
    let (base_a, handle_a, worker_a) = start(&db, fast());
    let (_base_b, handle_b, worker_b) = start(&db, fast());
    let hook = register(&base_a, &rx.url).await;
    const EVENTS: usize = 30;
    let mut ids: Vec<i64> = (0..EVENTS)
        .map(|i| enqueue(&db.url(), 100 + i as i64, 1, now_micros())[0])
        .collect();
    let d = wait_deliveries(&base_a, hook, |d| {
        d.len() == EVENTS && all_in("delivered")(d)
    })
    .await;
    assert!(d.iter().all(|x| x["attempts"] == 1), "{d:#?}");
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    let reqs = rx.requests();
    let mut seen: Vec<i64> = reqs
        .iter()
        .map(|r| r.header("x-kaoping-delivery").parse().expect("delivery id"))
        .collect();
    assert_eq!(seen.len(), EVENTS, "each event exactly once");
    seen.sort_unstable();
    ids.sort_unstable();
    assert_eq!(seen, ids);
    handle_a.stop(true).await;
    handle_b.stop(true).await;
    worker_a.stop();
    worker_b.stop();
});

on_both_db!(
    claims_are_exclusive_and_a_lost_lease_records_nothing,
    |db| {
        let store = Store::connect(&db.url()).expect("store");
        store.migrate().expect("migrate");
        let hook = store
            .insert_webhook("http://127.0.0.1:9/hook", SECRET, None, now_micros())
            .expect("webhook");
        let now = now_micros();
        let mut all: Vec<i64> = (0..40)
            .flat_map(|i| enqueue(&db.url(), i, 1, now))
            .collect();
        // four workers, each with its own connections, take small batches until nothing is left
        let url = db.url();
        let mut taken: Vec<i64> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    let url = url.clone();
                    s.spawn(move || {
                        let store = Store::connect(&url).expect("store");
                        let mut mine = Vec::new();
                        loop {
                            let batch =
                                store.claim_due(now_micros(), 60_000_000, 3).expect("claim");
                            if batch.is_empty() {
                                return mine;
                            }
                            assert!(batch
                                .iter()
                                .all(|c| c.webhook_id == hook.id && c.secret == SECRET));
                            mine.extend(batch.iter().map(|c| c.id));
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("worker"))
                .collect()
        });
        taken.sort_unstable();
        all.sort_unstable();
        assert_eq!(taken, all, "every delivery claimed by exactly one worker");
        assert!(format!("{:?}", store.webhook(hook.id).expect("read")).contains("<redacted>"));

        // a lease that ran out: another worker takes the delivery, the first one's result is refused
        let id = enqueue(&db.url(), 77, 1, now)[0];
        let t = now_micros();
        let first = store.claim_due(t, 1_000, 100).expect("claim");
        assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), [id]);
        assert!(
            store.claim_due(t, 1_000, 100).expect("claim").is_empty(),
            "leased"
        );
        let second = store.claim_due(t + 5_000, 60_000_000, 100).expect("claim");
        assert_eq!(second.len(), 1);
        let attempt = NewAttempt {
            at: t,
            status_code: Some(200),
            error: None,
            duration_ms: 3,
        };
        assert!(!store
            .record_attempt(&first[0], &attempt, AttemptOutcome::Delivered)
            .expect("record"));
        assert!(!store.release_claim(&first[0]).expect("release"));
        assert!(store
            .record_attempt(&second[0], &attempt, AttemptOutcome::Delivered)
            .expect("record"));
        let log = store.webhook_deliveries(hook.id).expect("deliveries");
        let (row, attempts) = log.iter().find(|(d, _)| d.id == id).expect("delivery");
        assert_eq!(row.state, "delivered");
        assert_eq!(row.attempts, 1);
        assert_eq!(row.locked_until, None);
        assert_eq!(
            attempts.len(),
            1,
            "only the lease holder's attempt is logged"
        );
    }
);

// ---------------------------------------------------------------------------------------------
// End to end: a real publication

/// Reads the item's ETag as the reviewer, then judges it.
async fn judge(app: &TestApp, round: i64, item: &str, token: &str, b: Value) {
    let path = dept_path(round, JUNSHAN_CODE, &format!("judgments/{item}"));
    let r = app.get(&path, Some(token)).await;
    assert_eq!(r.status(), 200);
    let tag = r.headers()["etag"].to_str().expect("etag").to_string();
    let r = app
        .client
        .put(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("If-Match", tag)
        .json(&b)
        .send()
        .await
        .expect("sent");
    let status = r.status();
    assert_eq!(
        status,
        200,
        "{item}: {}",
        r.text().await.unwrap_or_default()
    );
}

on_both_fast!(publishing_a_round_tells_the_webhook_once, |app| {
    let rx = Receiver::start(200);
    let hook = register(&app.base, &rx.url).await;
    // 君山 submits, the round closes, one reviewer judges every judgment item
    let (junshan, round) = junshan_round(&app, AHEAD).await;
    submit_ok(&app, round, &junshan, JUNSHAN).await;
    let (bing, token) = reviewer(&app, "丙", None, false).await;
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(ADMIN),
            json!({ "reason": "测试：提前截止" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/assignments"),
            Some(ADMIN),
            json!({ "department": JUNSHAN_CODE, "reviewer": bing }),
        )
        .await;
    assert_eq!(r.status(), 201);
    judge(
        &app,
        round,
        "indicator_quality",
        &token,
        json!({ "sub_scores": ["4", "2", "2"], "reason": "指标大多可衡量" }),
    )
    .await;
    judge(
        &app,
        round,
        "problems",
        &token,
        json!({ "score": "16", "reason": "问题覆盖三个方面" }),
    )
    .await;
    judge(
        &app,
        round,
        "suggestions",
        &token,
        json!({ "score": "12", "reason": "建议较全面" }),
    )
    .await;
    let sheet = body(
        app.get(&dept_path(round, JUNSHAN_CODE, "score-sheet"), Some(ADMIN))
            .await,
    )
    .await;
    let levels = sheet["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == "indicator_levels"));
    if levels.is_some_and(|i| i["score"].is_null()) {
        judge(
            &app,
            round,
            "indicator_levels",
            &token,
            json!({ "score": "3", "reason": "部分指标未细化到三级" }),
        )
        .await;
    }

    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/publish"),
            Some(ADMIN),
            json!({ "reason": "首次公布" }),
        )
        .await;
    let status = r.status();
    let published = body(r).await;
    assert_eq!(status, 201, "{published}");

    let reqs = rx.wait_for(1).await;
    let d = wait_deliveries(&app.base, hook, all_in("delivered")).await;
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0]["round_id"], round);
    assert_eq!(d[0]["version"], 1);
    assert_eq!(d[0]["event"], "round.published");
    let req = &reqs[0];
    assert_eq!(req.header("x-kaoping-event"), "round.published");
    assert_eq!(req.header("x-kaoping-delivery"), d[0]["id"].to_string());
    assert!(verify(
        SECRET,
        &req.body,
        req.header("x-kaoping-signature-256")
    ));
    let event: Value = serde_json::from_slice(&req.body).expect("the event is JSON");
    assert_eq!(event["event"], "round.published");
    assert_eq!(event["round_id"], round);
    assert_eq!(event["version"], 1);
    assert_eq!(event["reason"], "首次公布");
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.requests().len(), 1, "one event, sent once");
});
