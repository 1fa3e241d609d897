//! Graceful shutdown (issue 8, item 5), with the real binary: SIGTERM lets the requests under
//! way finish (and their writes are stored), refuses new connections at once, and the process
//! exits 0 within its shutdown timeout; a webhook delivery still pending at SIGTERM is sent
//! after the restart, exactly once and signed — on SQLite and on PostgreSQL.

use crate::support;
use support::{Backend, TestDb, ADMIN};

use crate::support::serve_process;
use serve_process::*;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kaoping::webhook::verify;
use serde_json::{json, Value};

/// `shutdown_timeout` in src/server.rs.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
const SECRET: &str = "s3cr3t-for-the-dashboard-0123456789";

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            use super::*;

            #[test]
            fn sqlite() {
                super::$name(TestDb::create(Backend::Sqlite).expect("sqlite db"));
            }

            #[test]
            fn postgres() {
                if let Some(db) = TestDb::create(Backend::Postgres) {
                    super::$name(db);
                }
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// A request sent by hand over one connection, so the test decides when each byte goes out

/// A POST whose head and first bytes are sent, the rest held back.
struct Slow {
    what: &'static str,
    stream: TcpStream,
    rest: Vec<u8>,
}

/// Reads one response with a Content-Length: (status, body).
fn read_response(stream: &mut TcpStream) -> (u16, Vec<u8>) {
    let (head, mut body) = read_head(stream).expect("a response head");
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head}"));
    let length: usize = parse_headers(&head)
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a content-length: {head}"));
    let mut chunk = [0u8; 8192];
    while body.len() < length {
        let n = stream.read(&mut chunk).expect("read the body");
        assert!(n > 0, "the connection closed mid-body");
        body.extend_from_slice(&chunk[..n]);
    }
    (status, body)
}

impl Slow {
    /// Opens a connection, has a worker serve a first request on it (so the connection is
    /// accepted before the signal), then sends the POST's head, waits for 100 Continue, and
    /// sends `first` bytes of `body`.
    fn start(
        what: &'static str,
        server: &Server,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
        first: usize,
    ) -> Slow {
        let mut stream = TcpStream::connect(server.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nHost: kaoping\r\n\r\n")
            .expect("send GET");
        let (status, _) = read_response(&mut stream);
        assert_eq!(status, 200, "{what}: /readyz on the connection");
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: kaoping\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        // the server answers 100 Continue once it has taken the request up: from then on it is
        // under way (a request still unread in the socket when SIGTERM comes is not)
        head.push_str("Expect: 100-continue\r\n\r\n");
        stream.write_all(head.as_bytes()).expect("send the head");
        let (interim, rest) = read_head(&mut stream).expect("an interim response");
        assert!(
            interim.starts_with("HTTP/1.1 100") && rest.is_empty(),
            "{what}: expected 100 Continue, got {interim}"
        );
        stream
            .write_all(&body[..first])
            .expect("send the first bytes");
        Slow {
            what,
            stream,
            rest: body[first..].to_vec(),
        }
    }

    /// Sends the rest slowly, 64 KiB every 10 ms, and reads the answer.
    fn finish(mut self) -> (u16, Value) {
        for chunk in self.rest.chunks(64 * 1024) {
            self.stream
                .write_all(chunk)
                .unwrap_or_else(|e| panic!("{}: the server cut the upload: {e}", self.what));
            std::thread::sleep(Duration::from_millis(10));
        }
        let (status, body) = read_response(&mut self.stream);
        let body = serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).to_string()));
        (status, body)
    }
}

/// A multipart form: the report (JSON) and one evidence file.
fn multipart(report: &Value, evidence: &[u8]) -> (String, Vec<u8>) {
    let boundary = "kaoping-graceful-shutdown-boundary-7f3a9c1e";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"report\"; filename=\"report.json\"\r\nContent-Type: application/json\r\n\r\n{report}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"minutes.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(evidence);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

// ---------------------------------------------------------------------------------------------

on_both!(sigterm_finishes_requests_under_way_and_refuses_new_ones);

fn sigterm_finishes_requests_under_way_and_refuses_new_ones(db: TestDb) {
    let url = db.url();
    let mut rng = Rng::new(seed(0x7e57_0005));
    let mut server = Server::start("first start", &url, &[]);
    let api = server.api();
    let upload = api.department("430611001", "岳阳市君山区数据局");
    let json_dept = api.department("430681001", "汨罗市数据局");
    let round = api.round(&["430611001", "430681001"]);
    let path = submissions_path(round);

    // two submissions under way: a 3 MiB multipart upload and a JSON package, each half sent
    let evidence = rng.bytes(3 * 1024 * 1024);
    let report = package("430611001", "岳阳市君山区数据局", "上传中")["report"].clone();
    let (content_type, form) = multipart(&report, &evidence);
    let half = form.len() / 2;
    let uploading = Slow::start(
        "multipart",
        &server,
        &path,
        &[
            ("Authorization", format!("Bearer {upload}")),
            ("Content-Type", content_type),
        ],
        form,
        half,
    );
    let package = package("430681001", "汨罗市数据局", "JSON中").to_string();
    let half = package.len() / 2;
    let posting = Slow::start(
        "json",
        &server,
        &path,
        &[
            ("Authorization", format!("Bearer {json_dept}")),
            ("Content-Type", "application/json".to_string()),
        ],
        package.into_bytes(),
        half,
    );

    server.sigterm();
    let stopping = Instant::now();
    // new connections are refused at once, while the two requests are still under way
    wait_until(
        "new connections to be refused after SIGTERM",
        Duration::from_secs(5),
        || server.refuses_connections(),
    );
    assert!(
        server.wait_exit(Duration::ZERO).is_none(),
        "the server waits for the requests under way"
    );
    let refused_after = stopping.elapsed();

    let (status, answer) = uploading.finish();
    assert_eq!(status, 201, "the upload under way completes: {answer}");
    let uploaded = answer["submission"].clone();
    assert_eq!(
        uploaded["evidence"][0]["sha256"],
        json!(sha256_hex(&evidence)),
        "{uploaded}"
    );
    let (status, answer) = posting.finish();
    assert_eq!(
        status, 201,
        "the JSON submission under way completes: {answer}"
    );
    let posted = answer["submission"].clone();

    let exit = server
        .wait_exit(SHUTDOWN_TIMEOUT + Duration::from_secs(5))
        .unwrap_or_else(|| {
            panic!(
                "no exit within the shutdown timeout\n{}",
                server.stderr_text()
            )
        });
    assert!(
        exit.success(),
        "SIGTERM ends in exit 0, not {exit:?}\n{}",
        server.stderr_text()
    );
    let exited_after = stopping.elapsed();
    assert!(
        exited_after < SHUTDOWN_TIMEOUT,
        "exited after {exited_after:?}"
    );
    eprintln!("refused new connections after {refused_after:?}, exited 0 after {exited_after:?}");

    // both writes are stored, whole, with their audit entries
    let server = Server::start("restart", &url, &[]);
    let api = server.api();
    for (code, sent) in [("430611001", &uploaded), ("430681001", &posted)] {
        let history = api
            .get(
                &format!("/api/v1/rounds/{round}/departments/{code}/submissions"),
                ADMIN,
            )
            .expect(200, "history");
        assert_eq!(
            history.as_array().map(Vec::len),
            Some(1),
            "{code}: {history}"
        );
        assert_eq!(history[0]["id"], sent["id"], "{code}");
        assert_eq!(history[0]["evidence"], sent["evidence"], "{code}");
    }
    let file = api
        .send(
            api.client
                .get(api.url(uploaded["evidence"][0]["url"].as_str().expect("url")))
                .bearer_auth(ADMIN),
        )
        .expect("download");
    assert_eq!(file.status, 200);
    let logged = api
        .audit(round)
        .iter()
        .filter(|e| e["action"] == "submission")
        .count();
    assert_eq!(logged, 2, "one audit entry per submission");
    let (stored, _) = kaoping::store::Store::connect(&url)
        .expect("open")
        .evidence_file(uploaded["evidence"][0]["id"].as_i64().expect("id"))
        .expect("evidence row");
    assert_eq!(stored.content, evidence, "the evidence bytes, whole");
}

on_both!(a_webhook_pending_at_sigterm_is_sent_after_the_restart);

fn a_webhook_pending_at_sigterm_is_sent_after_the_restart(db: TestDb) {
    let url = db.url();
    let mut server = Server::start("first start", &url, &[]);
    let api = server.api();
    // the receiver is down: nothing listens on its port yet
    let port = free_port();
    let hook_url = format!("http://127.0.0.1:{port}/hooks/kaoping");
    let hook = api
        .post(
            "/api/v1/webhooks",
            ADMIN,
            &json!({ "url": hook_url, "secret": SECRET, "description": "市财政局绩效看板" }),
        )
        .expect(201, "register webhook");
    let hook = hook["id"].as_i64().expect("webhook id");

    // a round submitted, judged and published
    let code = "430611001";
    let dept = api.department(code, "岳阳市君山区数据局");
    let round = api.round(&[code]);
    let r = api
        .send(
            api.client
                .post(api.url(&submissions_path(round)))
                .bearer_auth(&dept)
                .json(&package(code, "岳阳市君山区数据局", "公布")),
        )
        .expect("submit");
    assert_eq!(r.status, 201, "{}", r.body);
    let (reviewer, token) = api.reviewer("丙");
    api.close(round);
    api.assign(round, code, reviewer);
    api.judge(
        round,
        code,
        "indicator_quality",
        &token,
        &json!({ "sub_scores": ["4", "2", "2"], "reason": "指标大多可衡量" }),
    );
    api.judge(
        round,
        code,
        "problems",
        &token,
        &json!({ "score": "16", "reason": "问题覆盖三个方面" }),
    );
    api.judge(
        round,
        code,
        "suggestions",
        &token,
        &json!({ "score": "12", "reason": "建议较全面" }),
    );
    let sheet = api
        .get(
            &format!("/api/v1/rounds/{round}/departments/{code}/score-sheet"),
            ADMIN,
        )
        .expect(200, "sheet");
    let levels = sheet["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == "indicator_levels"));
    if levels.is_some_and(|i| i["score"].is_null()) {
        api.judge(
            round,
            code,
            "indicator_levels",
            &token,
            &json!({ "score": "3", "reason": "部分指标未细化到三级" }),
        );
    }
    api.post(
        &format!("/api/v1/rounds/{round}/publish"),
        ADMIN,
        &json!({ "reason": "首次公布" }),
    )
    .expect(201, "publish");

    // the worker tries at once, cannot connect, and schedules a retry
    let deliveries = format!("/api/v1/webhooks/{hook}/deliveries");
    let mut failed = Value::Null;
    wait_until("the first attempt to fail", Duration::from_secs(20), || {
        failed = api.get(&deliveries, ADMIN).expect(200, "deliveries");
        failed[0]["attempt_log"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    });
    assert_eq!(failed[0]["state"], "pending", "{failed}");
    let delivery = failed[0]["id"].as_i64().expect("delivery id");

    server.sigterm();
    let exit = server
        .wait_exit(SHUTDOWN_TIMEOUT + Duration::from_secs(5))
        .expect("exits within the shutdown timeout");
    assert!(exit.success(), "{exit:?}\n{}", server.stderr_text());
    assert_eq!(
        count(
            &url,
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE state = 'pending'"
        ),
        1,
        "the delivery is still pending after the stop"
    );

    // the receiver comes up, the server restarts: the delivery is sent, once
    let rx = Receiver::start_on(port);
    let server = Server::start("restart", &url, &[]);
    let api = server.api();
    wait_until(
        "the receiver to get the event",
        Duration::from_secs(20),
        || !rx.requests().is_empty(),
    );
    let mut after = Value::Null;
    wait_until(
        "the delivery to be recorded as delivered",
        Duration::from_secs(20),
        || {
            after = api.get(&deliveries, ADMIN).expect(200, "deliveries");
            after[0]["state"] == "delivered"
        },
    );
    // the worker polls every second: a second send would have come by now
    std::thread::sleep(Duration::from_secs(2));
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 1, "delivered exactly once");
    let req = &reqs[0];
    assert_eq!(req.header("x-kaoping-delivery"), delivery.to_string());
    assert_eq!(req.header("x-kaoping-event"), "round.published");
    assert!(
        verify(SECRET, &req.body, req.header("x-kaoping-signature-256")),
        "a valid signature"
    );
    let event: Value = serde_json::from_slice(&req.body).expect("the event is JSON");
    assert_eq!(event["round_id"], round);
    assert_eq!(event["version"], 1);
    let log = after[0]["attempt_log"].as_array().expect("attempt log");
    let (last, before) = log.split_last().expect("attempts");
    assert_eq!(
        last["status_code"], 200,
        "delivered after the restart: {after}"
    );
    assert!(
        !before.is_empty() && before.iter().all(|a| a["status_code"].is_null()),
        "only failed attempts (cannot connect) before the stop: {after}"
    );
}
