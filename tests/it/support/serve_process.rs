//! Helpers for the tests that run the real `kaoping serve` binary (crash_safety, instances,
//! graceful_shutdown): start it on a database and read its banner, kill it with SIGKILL or stop
//! it with SIGTERM, a blocking JSON client, a webhook receiver on a chosen port, a seeded random
//! source, and read-only looks at the database behind the server's back.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{ADMIN, JUNSHAN};

/// A deadline still ahead (the calendar covers up to 2026-12-31).
pub const AHEAD: &str = "2026-12-31";
/// How long a server may take to print its banner (migrations included).
const START_TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// The server process

/// A `kaoping serve` child process; killed (SIGKILL) and reaped when dropped.
pub struct Server {
    child: Child,
    pub name: String,
    pub base: String,
    pub addr: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
    exited: Option<ExitStatus>,
}

impl Server {
    /// Starts `kaoping serve` on `db_url` with the test admin token (KAOPING_ADMIN_TOKEN), two
    /// workers and `extra` arguments, and waits for its "serving on" banner.
    pub fn start(name: &str, db_url: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kaoping"))
            .args(["serve", "--bind", "127.0.0.1:0", "--workers", "2"])
            .args(["--database-url", db_url])
            .args(extra)
            .env("KAOPING_ADMIN_TOKEN", ADMIN)
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kaoping serve");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let err_pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err_pipe).lines() {
                match line {
                    Ok(l) => sink.lock().unwrap().push(l),
                    Err(_) => break,
                }
            }
        });
        let out_pipe = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out_pipe).lines() {
                let Ok(line) = line else { break };
                // keeps draining after the banner: a full pipe must not block the server
                let _ = tx.send(line);
            }
        });
        let mut server = Server {
            child,
            name: name.to_string(),
            base: String::new(),
            addr: "127.0.0.1:1".parse().expect("addr"),
            stderr,
            exited: None,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        let mut seen = Vec::new();
        let base = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left.max(Duration::from_millis(1))) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("kaoping serving on ") {
                        break rest.split_whitespace().next().unwrap_or("").to_string();
                    }
                    seen.push(line);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                    "{name}: no banner within {START_TIMEOUT:?}\nstdout: {seen:?}\nstderr:\n{}",
                    server.stderr_text()
                ),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let exit = server.wait_exit(Duration::from_secs(10));
                    // the stderr reader may still be catching up with the last lines
                    std::thread::sleep(Duration::from_millis(100));
                    panic!(
                        "{name}: exited ({exit:?}) before its banner\nstdout: {seen:?}\nstderr:\n{}",
                        server.stderr_text()
                    )
                }
            }
        };
        server.addr = base
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("{name}: banner address {base:?}"));
        server.base = base;
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn api(&self) -> Api {
        Api::new(&self.base)
    }

    /// What the server logged on stderr so far (for failure messages).
    pub fn stderr_text(&self) -> String {
        let lines = self.stderr.lock().unwrap();
        let from = lines.len().saturating_sub(60);
        lines[from..].join("\n")
    }

    /// SIGKILL (`Child::kill` on Unix), then reap it: no handler runs, nothing is flushed.
    pub fn sigkill(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            self.exited = self.child.wait().ok();
        }
    }

    /// SIGTERM, the signal systemd, Docker and Kubernetes stop a service with.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM {} failed", self.pid());
    }

    /// Waits up to `timeout` for the process to exit; None when it still runs.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if let Some(s) = self.exited {
            return Some(s);
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                self.exited = Some(s);
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether a new TCP connection to the server's port is refused.
    pub fn refuses_connections(&self) -> bool {
        refuses(self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.sigkill();
    }
}

/// Whether a TCP connection to `addr` fails (refused, reset or timed out).
pub fn refuses(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err()
}

/// Polls `cond` every 20 ms until it holds; panics with `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------------
// A blocking JSON client

/// An answer: status, ETag, headers and the body (JSON when it parses, else a string).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub etag: Option<String>,
    pub headers: HashMap<String, String>,
    pub body: Value,
}

impl Reply {
    fn read(r: reqwest::blocking::Response) -> Result<Reply, reqwest::Error> {
        let status = r.status().as_u16();
        let headers: HashMap<String, String> = r
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let text = r.text()?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Reply {
            status,
            etag: headers.get("etag").cloned(),
            headers,
            body,
        })
    }

    /// Asserts the status and returns the body.
    pub fn expect(self, status: u16, what: &str) -> Value {
        assert_eq!(self.status, status, "{what}: {}", self.body);
        self.body
    }
}

/// A blocking client bound to one server.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub client: reqwest::blocking::Client,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: base.to_string(),
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request; Err when no answer came (connection refused, reset, timeout).
    pub fn send(&self, req: reqwest::blocking::RequestBuilder) -> Result<Reply, reqwest::Error> {
        Reply::read(req.send()?)
    }

    pub fn get(&self, path: &str, token: &str) -> Reply {
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// A judgment, decision or override under If-Match.
    pub fn put_item(
        &self,
        path: &str,
        token: &str,
        if_match: &str,
        body: &Value,
    ) -> Result<Reply, reqwest::Error> {
        self.send(
            self.client
                .put(self.url(path))
                .bearer_auth(token)
                .header("If-Match", if_match)
                .json(body),
        )
    }

    // --- setup, as the admin -----------------------------------------------------------------

    /// Registers a department and returns a department token for it.
    pub fn department(&self, code: &str, name: &str) -> String {
        self.post(
            "/api/v1/departments",
            ADMIN,
            &json!({ "code": code, "name": name, "category": "县区" }),
        )
        .expect(201, "create department");
        let t = self
            .post(
                "/api/v1/tokens",
                ADMIN,
                &json!({ "role": "department", "department": code }),
            )
            .expect(201, "department token");
        t["token"].as_str().expect("token").to_string()
    }

    /// Opens a round with the departments; returns its id.
    pub fn round(&self, departments: &[&str]) -> i64 {
        let r = self
            .post(
                "/api/v1/rounds",
                ADMIN,
                &json!({ "year": 2024, "title": "2024年度部门整体支出绩效自评考核", "deadline": AHEAD,
                         "rubric": "yueyang-2024", "departments": departments }),
            )
            .expect(201, "create round");
        r["id"].as_i64().expect("round id")
    }

    /// Registers a reviewer and issues its token: (id, token).
    pub fn reviewer(&self, name: &str) -> (i64, String) {
        let r = self
            .post(
                "/api/v1/reviewers",
                ADMIN,
                &json!({ "name": name, "department": null, "lead": false }),
            )
            .expect(201, "create reviewer");
        let id = r["id"].as_i64().expect("reviewer id");
        let t = self
            .post(
                "/api/v1/tokens",
                ADMIN,
                &json!({ "role": "reviewer", "reviewer": id }),
            )
            .expect(201, "reviewer token");
        (id, t["token"].as_str().expect("token").to_string())
    }

    pub fn assign(&self, round: i64, code: &str, reviewer: i64) {
        self.post(
            &format!("/api/v1/rounds/{round}/assignments"),
            ADMIN,
            &json!({ "department": code, "reviewer": reviewer }),
        )
        .expect(201, "assign");
    }

    pub fn close(&self, round: i64) {
        self.post(
            &format!("/api/v1/rounds/{round}/close"),
            ADMIN,
            &json!({ "reason": "测试：提前截止" }),
        )
        .expect(200, "close round");
    }

    /// The whole audit log of a round, every page, as the admin.
    pub fn audit(&self, round: i64) -> Vec<Value> {
        let mut all: Vec<Value> = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .get(
                    &format!("/api/v1/rounds/{round}/audit?after={after}&limit=1000"),
                    ADMIN,
                )
                .expect(200, "audit log");
            let page = page.as_array().expect("audit page").clone();
            let Some(last) = page.last() else { break };
            after = last["id"].as_i64().expect("entry id");
            all.extend(page);
        }
        all
    }

    /// Reads the item's ETag as `token`.
    pub fn item_etag(&self, round: i64, code: &str, item: &str, token: &str) -> String {
        let r = self.get(&judgment_path(round, code, item), token);
        assert_eq!(r.status, 200, "GET {item}: {}", r.body);
        r.etag.expect("an item has an ETag")
    }

    /// Reads the ETag and judges; expects 200.
    pub fn judge(&self, round: i64, code: &str, item: &str, token: &str, body: &Value) {
        let tag = self.item_etag(round, code, item, token);
        let r = self
            .put_item(&judgment_path(round, code, item), token, &tag, body)
            .expect("PUT judgment");
        assert_eq!(r.status, 200, "judge {code} {item}: {}", r.body);
    }

    pub fn ready(&self) -> bool {
        self.send(self.client.get(self.url("/readyz")))
            .is_ok_and(|r| r.status == 200)
    }
}

pub fn judgment_path(round: i64, code: &str, item: &str) -> String {
    format!("/api/v1/rounds/{round}/departments/{code}/judgments/{item}")
}

pub fn submissions_path(round: i64) -> String {
    format!("/api/v1/rounds/{round}/submissions")
}

/// The version in an item ETag `"i{submission}.{item}.{version}"`.
pub fn etag_version(etag: &str) -> i64 {
    etag.trim_matches('"')
        .rsplit('.')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("not an item ETag: {etag}"))
}

/// The 君山 package made out to another department, its report titled with `marker`.
pub fn package(code: &str, name: &str, marker: &str) -> Value {
    let mut p: Value = serde_json::from_str(JUNSHAN).expect("fixture");
    p["department"]["code"] = json!(code);
    p["department"]["name"] = json!(name);
    p["report"]["title"] = json!(titled(marker));
    p
}

/// The report title that carries a marker.
pub fn titled(marker: &str) -> String {
    format!("2024年度部门整体支出绩效自评报告（{marker}）")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A seeded random source (SplitMix64): the same seed gives the same test.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64 - 1) as usize]
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// The seed: KAOPING_TEST_SEED when set (to replay a failure), else a fixed one.
pub fn seed(default: u64) -> u64 {
    let seed = std::env::var("KAOPING_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    eprintln!("seed {seed} (set KAOPING_TEST_SEED to replay another)");
    seed
}

// ---------------------------------------------------------------------------------------------
// A webhook receiver: a tiny HTTP/1.1 server that records every request and answers 200.

#[derive(Debug, Clone)]
pub struct Received {
    /// Lower-case names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

pub struct Receiver {
    pub url: String,
    log: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    /// Listens on a port of its own.
    pub fn start() -> Receiver {
        Self::on(TcpListener::bind("127.0.0.1:0").expect("bind the receiver"))
    }

    /// Listens on `port` (one that was reserved and let go, see [`free_port`]).
    pub fn start_on(port: u16) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("the receiver cannot take port {port} back: {e}"));
        Self::on(listener)
    }

    fn on(listener: TcpListener) -> Receiver {
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!(
            "http://{}/hooks/kaoping",
            listener.local_addr().expect("addr")
        );
        let r = Receiver {
            url,
            log: Arc::default(),
            stop: Arc::default(),
        };
        let (log, stop) = (r.log.clone(), r.stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = serve_one(stream, &log);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        r
    }

    pub fn requests(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// A port nothing listens on now (bound, then let go).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Reads one request, logs it, answers 200.
fn serve_one(mut stream: TcpStream, log: &Mutex<Vec<Received>>) -> Option<()> {
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let (head, mut body) = read_head(&mut stream)?;
    let headers = parse_headers(&head);
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut chunk = [0u8; 4096];
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    // logged before answering: once the sender has its answer, the request is in the log
    log.lock().unwrap().push(Received { headers, body });
    stream
        .write_all(
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nok",
        )
        .ok()
}

/// Reads up to the end of an HTTP head; returns the head and the bytes read after it.
pub fn read_head(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_string();
            return Some((head, buf[i + 4..].to_vec()));
        }
    }
}

/// The header lines of a head (its first line skipped), names in lower case.
pub fn parse_headers(head: &str) -> HashMap<String, String> {
    head.split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Read-only SQL, behind the server's back

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// `SELECT COUNT(*) …` on the test database.
pub fn count(db_url: &str, sql: &str) -> i64 {
    use diesel::{Connection, RunQueryDsl};
    let rows: Vec<Count> = if db_url.starts_with("postgres") {
        let mut c = diesel::PgConnection::establish(db_url).expect("connect");
        diesel::sql_query(sql).load(&mut c)
    } else {
        let mut c = diesel::SqliteConnection::establish(db_url.trim_start_matches("sqlite://"))
            .expect("connect");
        diesel::sql_query(sql).load(&mut c)
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.first().map_or(0, |r| r.n)
}

#[derive(diesel::QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    idem_key: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    body: String,
}

/// Every idempotency key with the response stored for it.
pub fn idempotency_keys(db_url: &str) -> Vec<(String, String)> {
    use diesel::{Connection, RunQueryDsl};
    let sql = "SELECT idem_key, body FROM idempotency_keys";
    let rows: Vec<KeyRow> = if db_url.starts_with("postgres") {
        let mut c = diesel::PgConnection::establish(db_url).expect("connect");
        diesel::sql_query(sql).load(&mut c)
    } else {
        let mut c = diesel::SqliteConnection::establish(db_url.trim_start_matches("sqlite://"))
            .expect("connect");
        diesel::sql_query(sql).load(&mut c)
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|r| (r.idem_key, r.body)).collect()
}
