//! Helpers shared by the api_* test files (on top of `support`): packages edited from the
//! fixtures, submissions as JSON or multipart, paths, and tests on a bare database.

use reqwest::multipart::{Form, Part};
use reqwest::Response;
use serde_json::{json, Value};

use crate::support::*;

pub const JUNSHAN_CODE: &str = "430611001";
pub const MILUO_CODE: &str = "430681001";
/// A deadline still ahead: the in-process servers' clock starts at 2026-06-01 (`test_now`).
pub const AHEAD: &str = "2026-12-31";
/// A deadline already past.
pub const PAST: &str = "2025-05-10";

/// A fixture as a JSON value.
pub fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

/// A fixture with an edit applied, as JSON text.
pub fn edited(text: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut v = fixture(text);
    edit(&mut v);
    v.to_string()
}

/// Registers 君山 (and optionally 汨罗) and opens a round with them; returns (君山 token, round).
pub async fn junshan_round(app: &TestApp, deadline: &str) -> (String, i64) {
    let dept = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let round = app.round(deadline, &[JUNSHAN_CODE]).await;
    (dept, round)
}

pub fn submissions_path(round: i64) -> String {
    format!("/api/v1/rounds/{round}/submissions")
}

/// …/departments/{code}/{tail}
pub fn dept_path(round: i64, code: &str, tail: &str) -> String {
    format!("/api/v1/rounds/{round}/departments/{code}/{tail}")
}

/// POSTs a package (JSON text) as the department.
pub async fn submit(app: &TestApp, round: i64, token: &str, package: &str) -> Response {
    app.post_raw(&submissions_path(round), token, package, &[])
        .await
}

/// Submits and expects 201; returns the response body.
pub async fn submit_ok(app: &TestApp, round: i64, token: &str, package: &str) -> Value {
    let r = submit(app, round, token, package).await;
    let status = r.status();
    let v = body(r).await;
    assert_eq!(status, 201, "{v}");
    v
}

/// The `report` of a fixture as an uploaded JSON file.
pub fn report_part(text: &str) -> Part {
    let report = fixture(text)["report"].to_string();
    Part::bytes(report.into_bytes())
        .file_name("report.json")
        .mime_str("application/json")
        .expect("mime")
}

/// A file part with a name and content type.
pub fn file_part(bytes: &[u8], name: &str, mime: &str) -> Part {
    Part::bytes(bytes.to_vec())
        .file_name(name.to_string())
        .mime_str(mime)
        .expect("mime")
}

/// POSTs a multipart form as the department.
pub async fn submit_form(
    app: &TestApp,
    round: i64,
    token: &str,
    form: Form,
    headers: &[(&str, &str)],
) -> Response {
    let mut req = app
        .client
        .post(format!("{}{}", app.base, submissions_path(round)))
        .bearer_auth(token)
        .multipart(form);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("request sent")
}

/// A token of any role; returns the whole answer ({id, token, role, department}).
pub async fn issue(app: &TestApp, role: &str, department: Option<&str>) -> Value {
    let mut req = json!({ "role": role });
    if let Some(d) = department {
        req["department"] = json!(d);
    }
    let r = app.post("/api/v1/tokens", Some(ADMIN), req).await;
    let status = r.status();
    let v = body(r).await;
    assert_eq!(status, 201, "{v}");
    v
}

/// The department's submission history, read as the admin.
pub async fn history(app: &TestApp, round: i64, code: &str) -> Vec<Value> {
    let r = app
        .get(&dept_path(round, code, "submissions"), Some(ADMIN))
        .await;
    assert_eq!(r.status(), 200);
    body(r).await.as_array().expect("history is a list").clone()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Asserts a 4xx answer in the envelope (any code): bad input never makes a 500.
pub async fn assert_client_error(r: Response, what: &str) -> Value {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    assert!((400..500).contains(&status), "{what}: {status} {text}");
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text}"));
    assert!(v["error"]["code"].is_string(), "{what}: {v}");
    assert!(v["error"]["message"].is_string(), "{what}: {v}");
    v
}

/// A round with 君山 and 汨罗 in it, 君山 having submitted once with one evidence file.
pub struct Scene {
    pub round: i64,
    pub junshan: String,
    pub miluo: String,
    pub evidence_url: String,
}

pub async fn scene(app: &TestApp) -> Scene {
    let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let miluo = app.department(MILUO_CODE, "汨罗市数据局").await;
    let round = app.round(AHEAD, &[JUNSHAN_CODE, MILUO_CODE]).await;
    let form = Form::new().part("report", report_part(JUNSHAN)).part(
        "evidence",
        file_part(b"%PDF-1.4 minutes", "会议纪要.pdf", "application/pdf"),
    );
    let r = submit_form(app, round, &junshan, form, &[]).await;
    assert_eq!(r.status(), 201);
    let v = body(r).await;
    let evidence_url = v["submission"]["evidence"][0]["url"]
        .as_str()
        .expect("evidence url")
        .to_string();
    Scene {
        round,
        junshan,
        miluo,
        evidence_url,
    }
}

/// Runs a test body on a fresh database of each backend, without a server (the body starts its
/// own). The PostgreSQL variant is skipped when KAOPING_TEST_PG is not set (outside CI).
#[macro_export]
macro_rules! on_both_db {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($db: TestDb) $body

            #[actix_rt::test]
            async fn sqlite() {
                run(TestDb::create(Backend::Sqlite).expect("sqlite db")).await;
            }

            #[actix_rt::test]
            async fn postgres() {
                if let Some(db) = TestDb::create(Backend::Postgres) {
                    run(db).await;
                }
            }
        }
    };
}

/// Starts a server on an existing database; returns its base URL, its handle and the admin token
/// created at this start, if any.
pub fn start_on(
    db: &TestDb,
    admin_token: Option<&str>,
) -> (String, actix_web::dev::ServerHandle, Option<String>) {
    let mut config = kaoping::server::ServerConfig::new("127.0.0.1:0", &db.url());
    config.admin_token = admin_token.map(str::to_string);
    config.workers = Some(1);
    let running = kaoping::server::start(&config).expect("server starts");
    let handle = running.server.handle();
    actix_web::rt::spawn(running.server);
    (
        format!("http://{}", running.addr),
        handle,
        running.new_admin_token,
    )
}

/// Registers a reviewer (of `department`, a lead or not) and issues its token: (id, token).
pub async fn reviewer(
    app: &TestApp,
    name: &str,
    department: Option<&str>,
    lead: bool,
) -> (i64, String) {
    let r = app
        .post(
            "/api/v1/reviewers",
            Some(ADMIN),
            json!({ "name": name, "department": department, "lead": lead }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = body(r).await["id"].as_i64().expect("id");
    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "reviewer", "reviewer": id }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let t = body(r).await;
    assert_eq!(t["reviewer"], id);
    (id, t["token"].as_str().expect("token").to_string())
}

/// Runs a statement directly on the test database (no server in between); true when the
/// database refused it.
pub fn sql_refused(url: &str, sql: &str) -> bool {
    use diesel::{Connection, RunQueryDsl};
    if url.starts_with("postgres") {
        let mut c = diesel::PgConnection::establish(url).expect("connect");
        diesel::sql_query(sql).execute(&mut c).is_err()
    } else {
        let mut c = diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://"))
            .expect("connect");
        diesel::sql_query(sql).execute(&mut c).is_err()
    }
}

/// A JSON write under If-Match.
pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    tag: &str,
    b: Value,
) -> Response {
    app.client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("If-Match", tag)
        .json(&b)
        .send()
        .await
        .expect("sent")
}

/// Judges every item of the department still without a score: the suggested band's top (or the
/// maximum), sub-scores at their maximum.
pub async fn judge_all(app: &TestApp, round: i64, code: &str, reviewer: &str) {
    let items = body(
        app.get(&dept_path(round, code, "judgments"), Some(reviewer))
            .await,
    )
    .await;
    for item in items.as_array().expect("items") {
        if !item["score"].is_null() {
            continue;
        }
        let code_of = item["item"].as_str().expect("item");
        let subs = item["sub_scores"].as_array().expect("sub_scores");
        let b = if subs.is_empty() {
            let score = item["suggested"]["max"]
                .as_str()
                .unwrap_or_else(|| item["max"].as_str().expect("max"));
            json!({ "score": score, "reason": "按评分标准评定" })
        } else {
            let maxes: Vec<&Value> = subs.iter().map(|s| &s["max"]).collect();
            json!({ "sub_scores": maxes, "reason": "指标可衡量" })
        };
        let tag = item["etag"].as_str().expect("etag");
        let path = dept_path(round, code, &format!("judgments/{code_of}"));
        let r = send(app, reqwest::Method::PUT, &path, reviewer, tag, b).await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }
}

/// One item of a score sheet (JSON), by code.
pub fn sheet_item(sheet: &Value, code: &str) -> Value {
    sheet["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == code))
        .cloned()
        .unwrap_or_else(|| panic!("no item {code} in {sheet}"))
}
