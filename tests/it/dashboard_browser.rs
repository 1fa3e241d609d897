//! The dashboard in a real browser: `kaoping serve --demo` is started, headless Chromium (driven
//! through chromedriver's W3C WebDriver HTTP API, with reqwest) opens `/dashboard?round=ID`
//! without a token, and what the page shows is compared with what the API answers: the same
//! departments in the same order with the same rank, total and grade, for all categories and
//! for one; charts drawn; then a department's token shows its own published sheet. The Swagger UI
//! under its own, looser policy must still render. Screenshots go to `target/`.
//!
//! Without chromium and chromedriver the test says "browser test skipped" and passes, except
//! under `CI=true`, where it fails: CI must run it (`.ci/run` installs both).

use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const DASHBOARD_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

/// A child process killed and reaped when the test ends, passing or not.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// chromedriver's path, or None (and a note on stderr) when the browser is not installed.
pub(crate) fn browser_tools() -> Option<PathBuf> {
    let driver = find_on_path("chromedriver");
    if driver.is_some() && Path::new(CHROMIUM).is_file() {
        return driver;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI must run the browser test: install chromium chromium-driver"
    );
    // straight to the stream, past the test harness's capture, so a log shows the skip
    let _ = writeln!(
        std::io::stderr(),
        "browser test skipped: install chromium chromium-driver"
    );
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

// ------------------------------------------------------------------ the server

pub(crate) struct Demo {
    _server: Killed,
    pub(crate) base: String,
    pub(crate) round: i64,
    pub(crate) admin: String,
    db: PathBuf,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.db);
    }
}

/// `kaoping serve --demo` on a free port and a fresh SQLite file; reads its banner for the base
/// URL, the demo round and the demo's admin token.
pub(crate) fn start_demo() -> Demo {
    let dir = std::env::temp_dir().join("kaoping-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    // one file per demo: the browser tests run at once in one process
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let db = dir.join(format!("dashboard-{}-{n}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}", db.display()))
        .env_remove("KAOPING_ADMIN_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kaoping serve --demo");
    let stdout = child.stdout.take().expect("stdout");
    let server = Killed(child);
    let mut lines = Vec::new();
    let mut reader = BufReader::new(stdout).lines();
    for line in reader.by_ref() {
        let line = line.expect("stdout line");
        let done = line.starts_with("kaoping serving on");
        lines.push(line);
        if done {
            break;
        }
    }
    std::thread::spawn(move || reader.for_each(drop));
    let base = lines
        .iter()
        .find_map(|l| l.strip_prefix("kaoping serving on "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no base URL in {lines:?}"))
        .to_string();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Demo round "))
        .unwrap_or_else(|| panic!("no demo round in {lines:?}"));
    let round = lines[at]
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("round id in {:?}", lines[at]));
    let admin = lines[at + 1..]
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with("kp_"))
        .unwrap_or_else(|| panic!("no admin token in {lines:?}"))
        .to_string();
    Demo {
        _server: server,
        base,
        round,
        admin,
        db,
    }
}

// ------------------------------------------------------------------ WebDriver

/// A chromedriver process and one browser session on it; both end when this is dropped.
pub(crate) struct Browser {
    http: reqwest::blocking::Client,
    driver: String,
    session: String,
    _chromedriver: Killed,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.driver, self.session))
            .timeout(Duration::from_secs(10))
            .send();
    }
}

fn webdriver(
    http: &reqwest::blocking::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    let mut request = http.request(method.clone(), url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status();
    let v: Value = response
        .json()
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    assert!(status.is_success(), "{method} {url}: {status} {v}");
    v["value"].clone()
}

impl Browser {
    pub(crate) fn start(chromedriver: &Path) -> Browser {
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let guard = Killed(child);
        let driver = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("http client");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = http
                .get(format!("{driver}/status"))
                .send()
                .ok()
                .and_then(|r| r.json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-dev-shm-usage",
                    "--window-size=1400,1000",
                ],
            },
        }}});
        let created = webdriver(
            &http,
            reqwest::Method::POST,
            &format!("{driver}/session"),
            Some(capabilities),
        );
        let session = created["sessionId"]
            .as_str()
            .expect("session id")
            .to_string();
        Browser {
            http,
            driver,
            session,
            _chromedriver: guard,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.driver, self.session)
    }

    fn post(&self, path: &str, body: Value) -> Value {
        webdriver(
            &self.http,
            reqwest::Method::POST,
            &self.url(path),
            Some(body),
        )
    }

    pub(crate) fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    pub(crate) fn run(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": [] }))
    }

    /// Runs `script` until it returns something truthy; fails with `what` and the page's
    /// message box after `secs`.
    pub(crate) fn wait_for(&self, what: &str, script: &str, secs: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.run(script);
            let truthy = !(v.is_null()
                || v == false
                || v == 0
                || v.as_str() == Some("")
                || v.as_array().is_some_and(Vec::is_empty));
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                let message = self.run(
                    "const m = document.getElementById('message'); return m ? m.textContent : ''",
                );
                panic!(
                    "timed out waiting for {what}; message box: {message}; browser log: {:?}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn element(&self, css: &str) -> String {
        let v = self.post("/element", json!({ "using": "css selector", "value": css }));
        v[ELEMENT].as_str().expect("element id").to_string()
    }

    pub(crate) fn click(&self, css: &str) {
        let id = self.element(css);
        self.post(&format!("/element/{id}/click"), json!({}));
    }

    pub(crate) fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.post(&format!("/element/{id}/value"), json!({ "text": text }));
    }

    /// The page's whole height in the window, then a PNG of it.
    pub(crate) fn screenshot(&self, path: &Path) {
        let height = self
            .run("return document.documentElement.scrollHeight")
            .as_u64()
            .unwrap_or(1000)
            .clamp(600, 4000);
        let _ = self.post(
            "/window/rect",
            json!({ "width": 1400, "height": height + 120 }),
        );
        let png = webdriver(
            &self.http,
            reqwest::Method::GET,
            &self.url("/screenshot"),
            None,
        );
        let bytes = base64_decode(png.as_str().expect("base64 screenshot"));
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot is not a PNG"
        );
        std::fs::create_dir_all(path.parent().expect("parent")).expect("target dir");
        std::fs::write(path, &bytes).expect("write the screenshot");
    }

    /// Console messages since the last call (chromedriver's log extension); empty when the
    /// driver does not offer it.
    pub(crate) fn log(&self) -> Vec<String> {
        self.http
            .post(self.url("/se/log"))
            .json(&json!({ "type": "browser" }))
            .send()
            .ok()
            .and_then(|r| r.json::<Value>().ok())
            .and_then(|v| v["value"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e["message"].as_str().map(str::to_string))
            .collect()
    }
}

/// Standard base64 (the screenshot), without a crate for it.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

// ------------------------------------------------------------------ comparisons

const READ_TABLE: &str =
    "return Array.from(document.querySelectorAll('#ranking tbody tr')).map(tr => ({
    department: tr.dataset.department, rank: tr.dataset.rank, total: tr.dataset.total,
    grade: tr.dataset.grade, standing: tr.dataset.standing,
    rank_text: tr.querySelector('.rank').textContent,
    total_text: tr.querySelector('.total').textContent,
    grade_text: tr.querySelector('.grade-cell').textContent,
    grade_class: (tr.querySelector('.grade-cell .grade') || {className: ''}).className,
    greyed: tr.classList.contains('not-submitted') }))";

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The table in the page against the API's rows, row by row.
fn assert_table_matches(page: &Value, api: &Value, what: &str) {
    let page = page.as_array().expect("page rows");
    let rows = api["rows"].as_array().expect("API rows");
    let order =
        |rows: &[Value]| -> Vec<String> { rows.iter().map(|r| text(&r["department"])).collect() };
    assert_eq!(order(page), order(rows), "{what}: departments and order");
    for (p, r) in page.iter().zip(rows) {
        let code = text(&r["department"]);
        assert_eq!(p["rank"], text(&r["rank"]), "{what}: rank of {code}");
        assert_eq!(p["total"], text(&r["total"]), "{what}: total of {code}");
        assert_eq!(p["grade"], text(&r["grade"]), "{what}: grade of {code}");
        assert_eq!(p["standing"], r["standing"], "{what}: standing of {code}");
        if r["standing"] == "ranked" {
            assert_eq!(
                p["rank_text"],
                text(&r["rank"]),
                "{what}: shown rank of {code}"
            );
            assert_eq!(p["total_text"], r["total"], "{what}: shown total of {code}");
            assert_eq!(p["grade_text"], r["grade"], "{what}: shown grade of {code}");
            let colour = match r["grade"].as_str() {
                Some("优") => "grade-a",
                Some("良") => "grade-b",
                Some("中") => "grade-c",
                Some("差") => "grade-d",
                _ => "grade-none",
            };
            assert!(
                text(&p["grade_class"]).contains(colour),
                "{what}: grade colour of {code}: {}",
                p["grade_class"]
            );
        } else {
            assert_eq!(p["greyed"], true, "{what}: {code} not submitted, greyed");
        }
    }
}

pub(crate) fn get_json(http: &reqwest::blocking::Client, url: &str, token: Option<&str>) -> Value {
    let mut request = http.get(url);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status();
    let v: Value = response.json().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert_eq!(status, 200, "GET {url}: {v}");
    v
}

/// Every `src`/`href` of the page's `<script>` and `<link>` tags.
fn asset_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for (tag, attr) in [("<script", "src=\""), ("<link", "href=\"")] {
        for (at, _) in html.match_indices(tag) {
            let open = &html[at..at + html[at..].find('>').unwrap_or(0)];
            if let Some(start) = open.find(attr) {
                let rest = &open[start + attr.len()..];
                urls.push(rest[..rest.find('"').unwrap_or(rest.len())].to_string());
            }
        }
    }
    urls
}

fn header(response: &reqwest::blocking::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

// ------------------------------------------------------------------ the test

#[test]
fn dashboard_and_docs_work_in_chromium() {
    let Some(chromedriver) = browser_tools() else {
        return;
    };
    let demo = start_demo();
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("http client");
    let (base, round) = (demo.base.as_str(), demo.round);

    // the page as served: headers, and nothing loaded from elsewhere
    let page = http
        .get(format!("{base}/dashboard"))
        .send()
        .expect("GET /dashboard");
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "content-security-policy"), DASHBOARD_CSP);
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert_eq!(header(&page, "x-frame-options"), "DENY");
    assert_eq!(header(&page, "referrer-policy"), "no-referrer");
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert!(header(&page, "content-type").starts_with("text/html"));
    assert!(!header(&page, "etag").is_empty(), "an ETag");
    let html = page.text().expect("html");
    let assets = asset_urls(&html);
    assert!(assets.len() >= 2, "{assets:?}");
    for url in &assets {
        assert!(
            !url.contains("://") && !url.starts_with("//"),
            "{url} is not relative"
        );
    }
    let docs = http
        .get(format!("{base}/docs/"))
        .send()
        .expect("GET /docs/");
    assert_eq!(docs.status(), 200);
    let csp = header(&docs, "content-security-policy");
    assert!(csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header(&docs, "x-frame-options"), "DENY");

    let rankings = |query: &str, token: Option<&str>| {
        get_json(
            &http,
            &format!("{base}/api/v1/rounds/{round}/rankings?limit=10000{query}"),
            token,
        )
    };
    let all = rankings("", None);

    let browser = Browser::start(&chromedriver);
    browser.goto(&format!("{base}/dashboard?round={round}"));
    browser.wait_for(
        "the ranking table",
        "return document.querySelectorAll('#ranking tbody tr').length",
        60,
    );
    browser.wait_for(
        "the page to settle",
        "return document.getElementById('ranking').dataset.state === 'ready'",
        30,
    );
    assert_table_matches(&browser.run(READ_TABLE), &all, "all departments");
    let message = browser.run("return document.getElementById('message').textContent");
    assert_eq!(message, "", "no error shown");

    // charts: one bar per grade and per item, with the API's numbers
    let grade_bars = browser.run(
        "return Array.from(document.querySelectorAll('#grade-chart rect.grade-bar'))
           .map(b => [b.dataset.grade, Number(b.dataset.count)])",
    );
    let grades: Vec<Value> = all["summary"]["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .map(|g| json!([g["grade"], g["count"]]))
        .collect();
    assert!(!grades.is_empty(), "at least one grade bar");
    assert_eq!(grade_bars, Value::Array(grades), "grade bars");
    let item_bars = browser.run(
        "return Array.from(document.querySelectorAll('#item-chart rect.item-bar'))
           .map(b => b.dataset.item)",
    );
    let items: Vec<Value> = all["summary"]["items"]
        .as_array()
        .expect("summary items")
        .iter()
        .map(|i| i["code"].clone())
        .collect();
    assert!(!items.is_empty(), "at least one item bar");
    assert_eq!(item_bars, Value::Array(items), "item bars, most lost first");
    let title = browser.run("return document.getElementById('title').textContent");
    assert_eq!(title, all["title"]);
    let tie_rule = browser.run("return document.getElementById('tie-rule').textContent");
    assert!(
        text(&tie_rule).contains(&text(&all["tie_rule_description"])),
        "{tie_rule}"
    );

    // the export links work without a token for a public round
    let csv = browser.run("return document.getElementById('export-csv').href");
    let exported = http.get(text(&csv)).send().expect("GET the CSV export");
    assert_eq!(exported.status(), 200, "{csv}");

    // the category filter: the category with the fewest departments, against the API's ranking
    let categories: Vec<String> = all["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(text)
        .collect();
    assert!(!categories.is_empty(), "categories");
    let (category, filtered) = categories
        .iter()
        .map(|c| {
            let query = format!("&category={}", percent_encode(c));
            (c.clone(), rankings(&query, None))
        })
        .min_by_key(|(_, v)| v["rows"].as_array().map_or(0, Vec::len))
        .expect("a category");
    let option = format!(
        "#category-filter option[value=\"{}\"]",
        category.replace('"', "\\\"")
    );
    browser.click(&option);
    browser.wait_for(
        "the category's ranking",
        &format!(
            "const t = document.getElementById('ranking');
             return t.dataset.state === 'ready' && t.dataset.category === {}",
            Value::String(category.clone())
        ),
        30,
    );
    assert_table_matches(
        &browser.run(READ_TABLE),
        &filtered,
        &format!("category {category}"),
    );
    let search = browser.run("return window.location.search");
    assert!(text(&search).contains("category="), "{search}");
    browser.screenshot(&target_dir().join("dashboard.png"));

    // a department's own view: its rank, total and grade as published
    let ranked: Vec<&Value> = all["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["standing"] == "ranked")
        .collect();
    let mine = ranked
        .get(1)
        .or(ranked.first())
        .expect("a ranked department");
    let code = text(&mine["department"]);
    let created = http
        .post(format!("{base}/api/v1/tokens"))
        .bearer_auth(&demo.admin)
        .json(&json!({ "role": "department", "department": code }))
        .send()
        .expect("POST /tokens");
    assert_eq!(created.status(), 201);
    let token = text(&created.json::<Value>().expect("token")["token"]);
    let published = get_json(
        &http,
        &format!("{base}/api/v1/rounds/{round}/departments/{code}/published"),
        Some(&token),
    );
    browser.type_into("#token", &token);
    browser.click("#token-apply");
    browser.wait_for(
        "the department's own panel",
        "const p = document.getElementById('own');
         return !p.classList.contains('hidden') && p.dataset.state === 'ready'",
        30,
    );
    let own = browser.run(
        "const d = (id) => document.getElementById(id);
         return { department: d('own').dataset.department, rank: d('own-rank').dataset.rank,
                  total: d('own-total').dataset.total, grade: d('own-grade').dataset.grade,
                  items: Array.from(document.querySelectorAll('#own-items tbody tr'))
                    .map(tr => [tr.dataset.item, tr.dataset.score, tr.dataset.max]) }",
    );
    assert_eq!(own["department"], code.as_str());
    assert_eq!(own["rank"], text(&published["rank"]), "own rank");
    assert_eq!(own["total"], text(&published["total"]), "own total");
    assert_eq!(own["grade"], text(&published["grade"]), "own grade");
    assert_eq!(
        own["rank"],
        text(&mine["rank"]),
        "own rank as in the ranking"
    );
    let sheet_items: Vec<Value> = published["sheet"]["items"]
        .as_array()
        .expect("the published sheet's items")
        .iter()
        .map(|i| json!([i["code"], text(&i["score"]), text(&i["max"])]))
        .collect();
    assert_eq!(own["items"], Value::Array(sheet_items), "own items");
    let stored = browser.run("return sessionStorage.getItem('kaoping.dashboard.token')");
    assert_eq!(stored, token.as_str(), "the token is kept for the session");
    browser.screenshot(&target_dir().join("dashboard-department.png"));
    let log = browser.log();
    assert!(
        !log.iter().any(|l| l.contains("Content Security Policy")),
        "CSP violations on the dashboard: {log:?}"
    );

    // Swagger UI still renders under its own policy
    browser.goto(&format!("{base}/docs/"));
    let docs_title = browser.wait_for(
        "the Swagger UI title",
        "const t = document.querySelector('.swagger-ui .info .title');
         return t ? t.textContent : ''",
        60,
    );
    assert!(text(&docs_title).contains("kaoping"), "{docs_title}");
    let log = browser.log();
    assert!(
        !log.iter().any(|l| l.contains("Content Security Policy")),
        "CSP violations on the docs: {log:?}"
    );
}

/// Percent-encodes a query value (category names are Chinese).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
