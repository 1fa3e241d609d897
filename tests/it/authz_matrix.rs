//! The authorization matrix (issue 8): every route of the API × every kind of caller × the
//! phases of a round, as one table. Each cell is the exact status the code answers on purpose:
//! 401 without a token, 403 for a role that may not, 404 for what a caller may not know exists,
//! 409 for a caller who may but not in this phase (or with a conflict of interest), 2xx where it
//! is allowed. The fixtures are built once per backend; writes that would move a round on (close,
//! release, publish) run on a round built fresh for that cell, and callers expected to be refused
//! run before those expected to succeed, so a refused request that wrongly changed something
//! shows up in the cells after it.
//!
//! `every_documented_route_is_in_the_matrix` keeps the table honest: a route added to the OpenAPI
//! document without a row here fails it.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};

use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::{json, Value};

/// A department registered for the matrix and in no round: conflicts are declared with it.
const OUTSIDE_CODE: &str = "430600990";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Phase {
    /// Departments submit.
    Open,
    /// Reviewers judge.
    Closed,
    /// Departments read their sheets and appeal.
    Released,
    /// Published, results not public.
    Published,
    /// Published with `public_results: true`.
    Public,
}

use Phase::*;

const ALL: &[Phase] = &[Open, Closed, Released, Published, Public];
/// Not round-scoped.
const GLOBAL: &[Phase] = &[];

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Open => "open",
            Closed => "closed",
            Released => "released",
            Published => "published",
            Public => "public",
        }
    }

    fn released(self) -> bool {
        matches!(self, Released | Published | Public)
    }
}

/// The callers, in the order of a row's expectations.
const CALLERS: [&str; 9] = [
    "none",
    "admin",
    "reviewer assigned",
    "reviewer unassigned",
    "lead reviewer",
    "reviewer of own dept",
    "department own",
    "department other",
    "viewer",
];
const ADMIN_AT: usize = 1;

/// A request body; `{reviewer}` in JSON text is replaced by the spare reviewer's id.
#[derive(Clone)]
enum Body {
    Empty,
    Json(&'static str),
    /// 君山's package as JSON.
    Package,
}

/// One line of the table: a route, the phases it is tried in and what each caller gets.
#[derive(Clone)]
struct Row {
    method: Method,
    /// The path as the OpenAPI document writes it.
    template: &'static str,
    phases: &'static [Phase],
    expect: [u16; 9],
    body: Body,
    query: &'static str,
    /// The item of `{item}`.
    item: &'static str,
    /// The department of `{code}` (君山 unless said).
    code: &'static str,
    /// Send the item's current ETag as If-Match.
    if_match: bool,
    /// Where someone is expected to succeed, run on a round built for this cell.
    fresh_round: bool,
    /// `{appeal}` is a pending appeal filed for each caller expected to succeed.
    fresh_appeal: bool,
}

fn row(method: Method, template: &'static str, phases: &'static [Phase], expect: &str) -> Row {
    let codes: Vec<u16> = expect
        .split_whitespace()
        .map(|s| s.parse().unwrap_or_else(|_| panic!("bad status {s:?}")))
        .collect();
    let expect: [u16; 9] = codes
        .try_into()
        .unwrap_or_else(|c| panic!("{template}: {c:?} is not one status per caller"));
    Row {
        method,
        template,
        phases,
        expect,
        body: Body::Empty,
        query: "",
        item: "problems",
        code: JUNSHAN_CODE,
        if_match: false,
        fresh_round: false,
        fresh_appeal: false,
    }
}

impl Row {
    fn json(mut self, text: &'static str) -> Self {
        self.body = Body::Json(text);
        self
    }
    fn package(mut self) -> Self {
        self.body = Body::Package;
        self
    }
    fn query(mut self, q: &'static str) -> Self {
        self.query = q;
        self
    }
    fn item(mut self, item: &'static str) -> Self {
        self.item = item;
        self
    }
    fn code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
    fn if_match(mut self) -> Self {
        self.if_match = true;
        self
    }
    fn fresh_round(mut self) -> Self {
        self.fresh_round = true;
        self
    }
    fn fresh_appeal(mut self) -> Self {
        self.fresh_appeal = true;
        self
    }
}

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const PATCH: Method = Method::PATCH;
const DELETE: Method = Method::DELETE;

/// The matrix. Columns: none, admin, reviewer assigned to 君山, reviewer not assigned, lead
/// reviewer (not assigned), reviewer who belongs to 君山, 君山's token, 汨罗's token (汨罗 takes
/// part in every round), viewer. Paths name 君山 (`{code}`) unless a row says otherwise.
fn matrix() -> Vec<Row> {
    vec![
        // ---- operations and pages: no token needed
        row(GET, "/healthz", GLOBAL, "200 200 200 200 200 200 200 200 200"),
        row(GET, "/readyz", GLOBAL, "200 200 200 200 200 200 200 200 200"),
        row(GET, "/metrics", GLOBAL, "401 200 403 403 403 403 403 403 403"),
        row(GET, "/api/v1/openapi.json", GLOBAL, "200 200 200 200 200 200 200 200 200"),
        row(GET, "/dashboard", GLOBAL, "200 200 200 200 200 200 200 200 200"),
        row(GET, "/console", GLOBAL, "200 200 200 200 200 200 200 200 200"),
        row(GET, "/docs/", GLOBAL, "200 200 200 200 200 200 200 200 200"),
        // ---- departments, tokens, reviewers, webhooks
        row(GET, "/api/v1/departments", GLOBAL, "401 200 200 200 200 200 200 200 200"),
        row(POST, "/api/v1/departments", GLOBAL, "401 201 403 403 403 403 403 403 403")
            .json(r#"{"code":"430600991","name":"矩阵新增部门","category":"市直"}"#),
        row(GET, "/api/v1/me", GLOBAL, "401 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/queue", GLOBAL, "401 403 200 200 200 200 403 403 403"),
        row(GET, "/api/v1/reviewers", GLOBAL, "401 200 403 403 403 403 403 403 403"),
        row(POST, "/api/v1/reviewers", GLOBAL, "401 201 403 403 403 403 403 403 403")
            .json(r#"{"name":"矩阵新增评审","lead":false}"#),
        // the target is the unassigned reviewer: only they and an admin declare their conflicts
        row(POST, "/api/v1/reviewers/{id}/conflicts", GLOBAL, "401 201 403 201 403 403 403 403 403")
            .json(r#"{"department":"430600990","reason":"曾在该部门任职"}"#),
        row(GET, "/api/v1/rounds", GLOBAL, "401 200 200 200 200 200 200 200 200"),
        row(POST, "/api/v1/rounds", GLOBAL, "401 201 403 403 403 403 403 403 403").json(
            r#"{"year":2024,"title":"矩阵新增批次","deadline":"2026-12-31","rubric":"yueyang-2024","departments":["430600990"]}"#,
        ),
        row(POST, "/api/v1/tokens", GLOBAL, "401 201 403 403 403 403 403 403 403")
            .json(r#"{"role":"viewer"}"#),
        row(DELETE, "/api/v1/tokens/{id}", GLOBAL, "401 204 403 403 403 403 403 403 403"),
        row(GET, "/api/v1/webhooks", GLOBAL, "401 200 403 403 403 403 403 403 403"),
        row(POST, "/api/v1/webhooks", GLOBAL, "401 201 403 403 403 403 403 403 403").json(
            r#"{"url":"http://127.0.0.1:9/kaoping-matrix","secret":"matrix-secret-0123456789"}"#,
        ),
        row(DELETE, "/api/v1/webhooks/{id}", GLOBAL, "401 204 403 403 403 403 403 403 403"),
        // ---- the working-day calendar and rubric versions
        row(GET, "/api/v1/calendar", GLOBAL, "401 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/calendar/revisions", GLOBAL, "401 200 403 403 403 403 403 403 403"),
        row(POST, "/api/v1/calendar/years", GLOBAL, "401 200 403 403 403 403 403 403 403").json(
            r#"{"text":"year = 2027\nholidays = [{ date = \"2027-05-03\", name = \"劳动节\" }]\nworkdays = []","reason":"矩阵","dry_run":true}"#,
        ),
        // nothing was imported: a built-in year has nothing to remove
        row(DELETE, "/api/v1/calendar/years/{year}", GLOBAL, "401 404 403 403 403 403 403 403 403")
            .query("?reason=%E7%9F%A9%E9%98%B5"),
        row(GET, "/api/v1/rubrics", GLOBAL, "401 200 200 200 200 200 403 403 403"),
        row(POST, "/api/v1/rubrics", GLOBAL, "401 201 403 403 403 403 403 403 403")
            .json(leaked(json!({ "source": include_str!("../../rubric/sichuan-2024.toml") }))),
        row(GET, "/api/v1/rubrics/{hash}", GLOBAL, "401 200 200 200 200 200 403 403 403"),
        row(GET, "/api/v1/webhooks/{id}/deliveries", GLOBAL, "401 200 403 403 403 403 403 403 403"),
        // the delivery is still pending (its receiver refuses, and the retry waits): 409
        row(POST, "/api/v1/webhooks/{id}/deliveries/{delivery}/retry", GLOBAL,
            "401 409 403 403 403 403 403 403 403"),
        // ---- the round itself
        row(GET, "/api/v1/rounds/{id}", ALL, "401 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/rubric-trial", ALL, "401 200 403 403 403 403 403 403 403")
            .query("?rubric_hash={hash}"),
        row(PATCH, "/api/v1/rounds/{id}", ALL, "401 200 403 403 403 403 403 403 403")
            .json(r#"{"reason":"授权矩阵检查"}"#),
        row(POST, "/api/v1/rounds/{id}/close", &[Open], "401 200 403 403 403 403 403 403 403")
            .json(r#"{"reason":"矩阵：提前截止"}"#)
            .fresh_round(),
        row(POST, "/api/v1/rounds/{id}/close", &[Closed, Released, Published, Public],
            "401 409 403 403 403 403 403 403 403"),
        row(POST, "/api/v1/rounds/{id}/release", &[Closed], "401 200 403 403 403 403 403 403 403")
            .fresh_round(),
        row(POST, "/api/v1/rounds/{id}/release", &[Open, Released, Published, Public],
            "401 409 403 403 403 403 403 403 403"),
        row(POST, "/api/v1/rounds/{id}/publish", &[Closed, Released],
            "401 201 403 403 403 403 403 403 403")
            .json(r#"{"reason":"授权矩阵"}"#)
            .fresh_round(),
        // open: not judged yet; published: nothing changed since the last version
        row(POST, "/api/v1/rounds/{id}/publish", &[Open, Published, Public],
            "401 409 403 403 403 403 403 403 403")
            .json(r#"{"reason":"授权矩阵"}"#),
        // ---- publication: any token once published, no token when public; a department only
        // of a round it takes part in (汨罗 does)
        row(GET, "/api/v1/rounds/{id}/publications", &[Open, Closed, Released],
            "401 404 404 404 404 404 404 404 404"),
        row(GET, "/api/v1/rounds/{id}/publications", &[Published],
            "401 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/publications", &[Public],
            "200 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/publications/{version}", &[Open, Closed, Released],
            "401 404 404 404 404 404 404 404 404"),
        row(GET, "/api/v1/rounds/{id}/publications/{version}", &[Published],
            "401 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/publications/{version}", &[Public],
            "200 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/rankings", &[Open, Closed, Released],
            "401 404 404 404 404 404 404 404 404"),
        row(GET, "/api/v1/rounds/{id}/rankings", &[Published], "401 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/rankings", &[Public], "200 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/rankings.csv", &[Open, Closed, Released],
            "401 404 404 404 404 404 404 404 404"),
        row(GET, "/api/v1/rounds/{id}/rankings.csv", &[Published],
            "401 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/rankings.csv", &[Public],
            "200 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/rankings.xlsx", &[Open, Closed, Released],
            "401 404 404 404 404 404 404 404 404"),
        row(GET, "/api/v1/rounds/{id}/rankings.xlsx", &[Published],
            "401 200 200 200 200 200 200 200 200"),
        row(GET, "/api/v1/rounds/{id}/rankings.xlsx", &[Public],
            "200 200 200 200 200 200 200 200 200"),
        // a department reads only its own published sheet
        row(GET, "/api/v1/rounds/{id}/departments/{code}/published", &[Open, Closed, Released],
            "401 404 404 404 404 404 404 403 404"),
        row(GET, "/api/v1/rounds/{id}/departments/{code}/published", &[Published, Public],
            "401 200 200 200 200 200 200 403 200"),
        // ---- assignments (the spare reviewer on 汨罗): fixed once results are released
        row(POST, "/api/v1/rounds/{id}/assignments", &[Open, Closed],
            "401 201 403 403 403 403 403 403 403")
            .json(r#"{"department":"430681001","reviewer":{reviewer}}"#),
        row(POST, "/api/v1/rounds/{id}/assignments", &[Released, Published, Public],
            "401 409 403 403 403 403 403 403 403")
            .json(r#"{"department":"430681001","reviewer":{reviewer}}"#),
        row(GET, "/api/v1/rounds/{id}/assignments", ALL, "401 200 200 200 200 200 403 403 403"),
        row(POST, "/api/v1/rounds/{id}/assignments/auto", &[Open, Closed],
            "401 200 403 403 403 403 403 403 403")
            .json(r#"{"per_submission":1}"#),
        row(POST, "/api/v1/rounds/{id}/assignments/auto", &[Released, Published, Public],
            "401 409 403 403 403 403 403 403 403")
            .json(r#"{"per_submission":1}"#),
        row(DELETE, "/api/v1/rounds/{id}/assignments/{code}/{reviewer}", &[Open, Closed],
            "401 204 403 403 403 403 403 403 403")
            .code(MILUO_CODE)
            .query("?reason=%E7%9F%A9%E9%98%B5"),
        row(DELETE, "/api/v1/rounds/{id}/assignments/{code}/{reviewer}",
            &[Released, Published, Public], "401 409 403 403 403 403 403 403 403")
            .code(MILUO_CODE)
            .query("?reason=%E7%9F%A9%E9%98%B5"),
        // ---- review status and the audit log
        row(GET, "/api/v1/rounds/{id}/review", ALL, "401 200 403 403 200 403 403 403 403"),
        row(GET, "/api/v1/rounds/{id}/audit", ALL, "401 200 403 403 403 403 403 403 403"),
        // 报送时间与延期: the department reads its own; only an admin records, before release
        row(GET, "/api/v1/rounds/{id}/departments/{code}/timing", ALL,
            "401 200 403 403 403 403 200 403 403"),
        row(PUT, "/api/v1/rounds/{id}/departments/{code}/timing", &[Open, Closed],
            "401 200 403 403 403 403 403 403 403")
            .json(r#"{"extended_deadline":"2026-12-31","reason":"矩阵：经批准延期"}"#),
        row(PUT, "/api/v1/rounds/{id}/departments/{code}/timing", &[Released, Published, Public],
            "401 409 403 403 403 403 403 403 403")
            .json(r#"{"extended_deadline":"2026-12-31","reason":"矩阵：经批准延期"}"#),
        row(GET, "/api/v1/rounds/{id}/departments/{code}/audit", ALL,
            "401 200 403 403 403 403 403 403 403"),
        // ---- judging: admins, lead reviewers and assigned reviewers look; a reviewer of the
        // department is refused as a conflict of interest
        row(GET, "/api/v1/rounds/{id}/departments/{code}/judgments", ALL,
            "401 200 200 403 200 409 403 403 403"),
        row(GET, "/api/v1/rounds/{id}/departments/{code}/judgments/{item}", ALL,
            "401 200 200 403 200 409 403 403 403"),
        row(PUT, "/api/v1/rounds/{id}/departments/{code}/judgments/{item}", &[Closed],
            "401 403 200 403 403 409 403 403 403")
            .json(r#"{"score":"16","reason":"矩阵：三个方面"}"#)
            .if_match(),
        row(PUT, "/api/v1/rounds/{id}/departments/{code}/judgments/{item}",
            &[Open, Released, Published, Public], "401 403 409 403 403 409 403 403 403")
            .json(r#"{"score":"16","reason":"矩阵：三个方面"}"#)
            .if_match(),
        // the closed round's `suggestions` awaits reconciliation (12 against 6)
        row(PUT, "/api/v1/rounds/{id}/departments/{code}/decisions/{item}", &[Closed],
            "401 200 403 403 200 403 403 403 403")
            .item("suggestions")
            .json(r#"{"score":"9","reason":"矩阵：建议与问题对应不全"}"#)
            .if_match(),
        row(PUT, "/api/v1/rounds/{id}/departments/{code}/decisions/{item}",
            &[Open, Released, Published, Public], "401 409 403 403 409 403 403 403 403")
            .item("suggestions")
            .json(r#"{"score":"9","reason":"矩阵：建议与问题对应不全"}"#)
            .if_match(),
        // after release only an admin corrects
        row(PUT, "/api/v1/rounds/{id}/departments/{code}/overrides/{item}", &[Open],
            "401 409 409 403 409 409 403 403 403")
            .item("body_complete")
            .json(r#"{"score":"8","reason":"矩阵：正文完整"}"#)
            .if_match(),
        row(PUT, "/api/v1/rounds/{id}/departments/{code}/overrides/{item}", &[Closed],
            "401 200 200 403 200 409 403 403 403")
            .item("body_complete")
            .json(r#"{"score":"8","reason":"矩阵：正文完整"}"#)
            .if_match(),
        row(PUT, "/api/v1/rounds/{id}/departments/{code}/overrides/{item}",
            &[Released, Published, Public], "401 200 409 403 409 409 403 403 403")
            .item("body_complete")
            .json(r#"{"score":"8","reason":"矩阵：正文完整"}"#)
            .if_match(),
        // ---- appeals: the department files its own once results are released; admins and
        // lead reviewers read all and decide
        row(GET, "/api/v1/rounds/{id}/appeals", ALL, "401 200 403 403 200 403 200 200 403"),
        row(GET, "/api/v1/rounds/{id}/departments/{code}/appeals", ALL,
            "401 200 403 403 200 403 200 403 403"),
        row(POST, "/api/v1/rounds/{id}/departments/{code}/appeals", &[Open, Closed],
            "401 403 403 403 403 403 409 403 403")
            .json(r#"{"item":"suggestions","reason":"矩阵：建议已逐条对应问题"}"#),
        row(POST, "/api/v1/rounds/{id}/departments/{code}/appeals", &[Released, Published, Public],
            "401 403 403 403 403 403 201 403 403")
            .json(r#"{"item":"suggestions","reason":"矩阵：建议已逐条对应问题"}"#),
        // before release there is no appeal: who may decide learns it (404), nobody else does
        row(POST, "/api/v1/rounds/{id}/appeals/{appeal}/decision", &[Open, Closed],
            "401 404 403 403 404 403 403 403 403")
            .json(r#"{"outcome":"rejected","reason":"矩阵：维持原评分"}"#),
        row(POST, "/api/v1/rounds/{id}/appeals/{appeal}/decision", &[Released, Published, Public],
            "401 200 403 403 200 403 403 403 403")
            .json(r#"{"outcome":"rejected","reason":"矩阵：维持原评分"}"#)
            .fresh_appeal(),
        // another department's appeal is hidden from a department (404)
        row(GET, "/api/v1/rounds/{id}/appeals/{appeal}/evidence/{file}", &[Open, Closed],
            "401 404 403 403 404 403 404 404 403"),
        row(GET, "/api/v1/rounds/{id}/appeals/{appeal}/evidence/{file}",
            &[Released, Published, Public], "401 200 403 403 200 403 200 404 403"),
        // ---- submissions and what they hold: admins and reviewers see every department's, a
        // department only its own, a viewer none; a reviewer of the department is refused
        row(GET, "/api/v1/rounds/{id}/departments/{code}/score-sheet", ALL,
            "401 200 200 200 200 409 200 403 403"),
        row(GET, "/api/v1/rounds/{id}/departments/{code}/submissions", ALL,
            "401 200 200 200 200 409 200 403 403"),
        row(GET, "/api/v1/rounds/{id}/departments/{code}/evidence/{evidence_id}", ALL,
            "401 200 200 200 200 409 200 403 403"),
        // 汨罗's token with 君山's package: 403 while open, the round's state first after
        row(POST, "/api/v1/rounds/{id}/submissions", &[Open], "401 403 403 403 403 403 201 403 403")
            .package(),
        row(POST, "/api/v1/rounds/{id}/submissions", &[Closed, Released, Published, Public],
            "401 403 403 403 403 403 409 409 403")
            .package(),
    ]
}

/// Routes served outside the OpenAPI document (pages), which the matrix covers too.
const UNDOCUMENTED: [&str; 4] = ["/api/v1/openapi.json", "/dashboard", "/console", "/docs/"];

#[test]
fn every_documented_route_is_in_the_matrix() {
    let doc: Value = serde_json::from_str(&kaoping::api::openapi_json()).expect("document");
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            if ["get", "post", "put", "patch", "delete", "head", "options"]
                .contains(&method.as_str())
            {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let rows = matrix();
    let mut tabled = BTreeSet::new();
    let mut phases: HashMap<(String, String), Vec<Phase>> = HashMap::new();
    for r in &rows {
        let key = (r.method.to_string(), r.template.to_string());
        tabled.insert(key.clone());
        let seen = phases.entry(key).or_default();
        for p in r.phases {
            assert!(
                !seen.contains(p),
                "{} {} lists {p:?} twice",
                r.method,
                r.template
            );
            seen.push(*p);
        }
    }
    let missing: Vec<_> = documented.difference(&tabled).collect();
    assert!(
        missing.is_empty(),
        "routes of the OpenAPI document with no row in the authorization matrix: {missing:?}"
    );
    let unknown: Vec<_> = tabled
        .difference(&documented)
        .filter(|(_, p)| !UNDOCUMENTED.contains(&p.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "rows for routes not in the document: {unknown:?}"
    );
    // a round-scoped route is tried in every phase
    for ((method, path), seen) in &phases {
        if path.starts_with("/api/v1/rounds/{id}") {
            let mut seen = seen.clone();
            seen.sort();
            assert_eq!(
                seen,
                ALL.to_vec(),
                "{method} {path} is not tried in every phase"
            );
        }
    }
}

/// A round of the fixtures: where 君山's evidence and appeal are.
#[derive(Debug, Clone, Copy)]
struct RoundFx {
    id: i64,
    evidence: i64,
    appeal: i64,
    appeal_file: i64,
}

/// Everything built once per backend.
struct Fx {
    tokens: [Option<String>; 9],
    /// (id, token) of the assigned reviewer and of the second one on the closed round.
    assigned: (i64, String),
    helper: (i64, String),
    unassigned: i64,
    spare_reviewer: i64,
    spare_token: i64,
    webhook_kept: i64,
    webhook_dropped: i64,
    delivery: i64,
    rounds: HashMap<Phase, RoundFx>,
    /// Items not yet appealed in each round, for fresh appeals.
    appealable: Vec<String>,
    next_appeal: Cell<usize>,
}

async fn ok(r: reqwest::Response, what: &str) -> Value {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    assert!((200..300).contains(&status), "{what}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Judges every item of 君山 still waiting for `who`: the suggested band's top (or the
/// maximum), sub-scores at their maximum; `suggestions` as given when Some.
async fn judge_all(app: &TestApp, round: i64, who: &str, suggestions: Option<&str>) {
    let items = ok(
        app.get(&dept_path(round, JUNSHAN_CODE, "judgments"), Some(who))
            .await,
        "judgments",
    )
    .await;
    for item in items.as_array().expect("items") {
        let code = item["item"].as_str().expect("item");
        let mine = item["judgments"].as_array().is_some_and(|j| !j.is_empty());
        if !item["score"].is_null() || mine || item["progress"]["state"] == "automatic" {
            continue;
        }
        let subs = item["sub_scores"].as_array().expect("sub_scores");
        let b = match (code, suggestions) {
            ("suggestions", Some(score)) => json!({ "score": score, "reason": "建议评定" }),
            _ if subs.is_empty() => {
                let score = item["suggested"]["max"]
                    .as_str()
                    .unwrap_or_else(|| item["max"].as_str().expect("max"));
                json!({ "score": score, "reason": "按评分标准评定" })
            }
            _ => {
                let maxes: Vec<&Value> = subs.iter().map(|s| &s["max"]).collect();
                json!({ "sub_scores": maxes, "reason": "指标可衡量" })
            }
        };
        let r = app
            .client
            .put(format!(
                "{}{}",
                app.base,
                dept_path(round, JUNSHAN_CODE, &format!("judgments/{code}"))
            ))
            .bearer_auth(who)
            .header("If-Match", item["etag"].as_str().expect("etag"))
            .json(&b)
            .send()
            .await
            .expect("sent");
        ok(r, &format!("judge {code}")).await;
    }
}

/// A round with 君山 and 汨罗, 君山 submitted with one evidence file and its assigned reviewer,
/// brought to `phase`. With `reconcile`, a second reviewer judges too and `suggestions` awaits a
/// lead reviewer's decision.
async fn build_round(app: &TestApp, fx: &Fx, phase: Phase, reconcile: bool) -> RoundFx {
    let id = app.round(AHEAD, &[JUNSHAN_CODE, MILUO_CODE]).await;
    let own = fx.tokens[6].as_deref().expect("own token");
    let form = Form::new().part("report", report_part(JUNSHAN)).part(
        "evidence",
        file_part(b"%PDF-1.4 minutes", "会议纪要.pdf", "application/pdf"),
    );
    let v = ok(submit_form(app, id, own, form, &[]).await, "submit").await;
    let evidence = v["submission"]["evidence"][0]["id"]
        .as_i64()
        .expect("evidence id");
    let mut reviewers = vec![&fx.assigned];
    if reconcile {
        reviewers.push(&fx.helper);
    }
    for (rid, _) in &reviewers {
        let r = app
            .post(
                &format!("/api/v1/rounds/{id}/assignments"),
                Some(ADMIN),
                json!({ "department": JUNSHAN_CODE, "reviewer": rid }),
            )
            .await;
        ok(r, "assign").await;
    }
    let mut fxr = RoundFx {
        id,
        evidence,
        appeal: 999_999,
        appeal_file: 999_999,
    };
    if phase == Open {
        return fxr;
    }
    let r = app
        .post(
            &format!("/api/v1/rounds/{id}/close"),
            Some(ADMIN),
            json!({ "reason": "测试：提前截止" }),
        )
        .await;
    ok(r, "close").await;
    judge_all(app, id, &fx.assigned.1, reconcile.then_some("12")).await;
    if reconcile {
        judge_all(app, id, &fx.helper.1, Some("6")).await;
    }
    if phase == Closed {
        return fxr;
    }
    let r = app
        .post(
            &format!("/api/v1/rounds/{id}/release"),
            Some(ADMIN),
            json!({}),
        )
        .await;
    ok(r, "release").await;
    let form = Form::new()
        .text("item", "problems")
        .text("reason", "报告第五部分从四个方面分析了问题")
        .part(
            "evidence",
            file_part("第五部分原文".as_bytes(), "第五部分.txt", "text/plain"),
        );
    let r = app
        .client
        .post(format!(
            "{}{}",
            app.base,
            dept_path(id, JUNSHAN_CODE, "appeals")
        ))
        .bearer_auth(own)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    let appeal = ok(r, "appeal").await;
    fxr.appeal = appeal["id"].as_i64().expect("appeal id");
    fxr.appeal_file = appeal["evidence"][0]["id"].as_i64().expect("file id");
    if phase == Released {
        return fxr;
    }
    let r = app
        .post(
            &format!("/api/v1/rounds/{id}/publish"),
            Some(ADMIN),
            json!({}),
        )
        .await;
    ok(r, "publish").await;
    if phase == Published {
        return fxr;
    }
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/rounds/{id}"),
            Some(ADMIN),
            Some(json!({ "public_results": true, "reason": "公开结果" })),
        )
        .await;
    ok(r, "public").await;
    fxr
}

async fn fixtures(app: &TestApp) -> Fx {
    let own = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let other = app.department(MILUO_CODE, "汨罗市数据局").await;
    let r = app
        .post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": OUTSIDE_CODE, "name": "矩阵外部门", "category": "市直" }),
        )
        .await;
    ok(r, "outside department").await;
    let viewer = app.token("viewer").await;
    let assigned = reviewer(app, "评审甲", None, false).await;
    let unassigned = reviewer(app, "评审乙", None, false).await;
    let lead = reviewer(app, "评审组长", None, true).await;
    let conflicted = reviewer(app, "评审丙", Some(JUNSHAN_CODE), false).await;
    let helper = reviewer(app, "评审丁", None, false).await;
    let spare = reviewer(app, "备用评审", None, false).await;
    let spare_token = issue(app, "viewer", None).await["id"]
        .as_i64()
        .expect("token id");
    let mut webhooks = Vec::new();
    for n in 0..2 {
        let r = app
            .post(
                "/api/v1/webhooks",
                Some(ADMIN),
                json!({ "url": format!("http://127.0.0.1:9/kaoping-{n}"),
                        "secret": "matrix-secret-0123456789" }),
            )
            .await;
        webhooks.push(ok(r, "webhook").await["id"].as_i64().expect("webhook id"));
    }
    let mut fx = Fx {
        tokens: [
            None,
            Some(ADMIN.to_string()),
            Some(assigned.1.clone()),
            Some(unassigned.1),
            Some(lead.1),
            Some(conflicted.1),
            Some(own),
            Some(other),
            Some(viewer),
        ],
        assigned,
        helper,
        unassigned: unassigned.0,
        spare_reviewer: spare.0,
        spare_token,
        webhook_kept: webhooks[0],
        webhook_dropped: webhooks[1],
        delivery: 0,
        rounds: HashMap::new(),
        appealable: Vec::new(),
        next_appeal: Cell::new(0),
    };
    for phase in ALL {
        let built = build_round(app, &fx, *phase, *phase == Closed).await;
        fx.rounds.insert(*phase, built);
    }
    let deliveries = ok(
        app.get(
            &format!("/api/v1/webhooks/{}/deliveries", fx.webhook_kept),
            Some(ADMIN),
        )
        .await,
        "deliveries",
    )
    .await;
    fx.delivery = deliveries[0]["id"].as_i64().expect("a delivery");
    let sheet = ok(
        app.get(
            &dept_path(fx.rounds[&Released].id, JUNSHAN_CODE, "score-sheet"),
            Some(ADMIN),
        )
        .await,
        "sheet",
    )
    .await;
    fx.appealable = sheet["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["code"].as_str())
        .filter(|c| !["problems", "suggestions"].contains(c))
        .map(str::to_string)
        .collect();
    fx
}

/// A pending appeal of 君山 in the round, on an item not appealed there yet.
async fn fresh_appeal(app: &TestApp, fx: &Fx, round: i64) -> i64 {
    let n = fx.next_appeal.get();
    fx.next_appeal.set(n + 1);
    let item = &fx.appealable[n % fx.appealable.len()];
    let r = app
        .post(
            &dept_path(round, JUNSHAN_CODE, "appeals"),
            fx.tokens[6].as_deref(),
            json!({ "item": item, "reason": "矩阵：请复核该项评分" }),
        )
        .await;
    ok(r, "fresh appeal").await["id"]
        .as_i64()
        .expect("appeal id")
}

/// The path of a cell: every `{…}` of the template filled in.
fn fill(row: &Row, fx: &Fx, round: Option<&RoundFx>, appeal: Option<i64>) -> String {
    let id = match row.template {
        t if t.starts_with("/api/v1/rounds/{id}") => round.map_or(0, |r| r.id),
        t if t.starts_with("/api/v1/reviewers/{id}") => fx.unassigned,
        t if t.starts_with("/api/v1/tokens/{id}") => fx.spare_token,
        t if t.starts_with("/api/v1/webhooks/{id}") && row.method == DELETE => fx.webhook_dropped,
        _ => fx.webhook_kept,
    };
    let r = round.copied().unwrap_or(RoundFx {
        id: 0,
        evidence: 0,
        appeal: 0,
        appeal_file: 0,
    });
    format!("{}{}", row.template, row.query)
        .replace("{id}", &id.to_string())
        .replace("{code}", row.code)
        .replace("{item}", row.item)
        .replace("{evidence_id}", &r.evidence.to_string())
        .replace("{appeal}", &appeal.unwrap_or(r.appeal).to_string())
        .replace("{file}", &r.appeal_file.to_string())
        .replace("{version}", "1")
        .replace("{reviewer}", &fx.spare_reviewer.to_string())
        .replace("{delivery}", &fx.delivery.to_string())
        .replace("{year}", "2027")
        .replace("{hash}", &yueyang_hash())
}

/// The built-in rubric's content hash, which `/api/v1/rubrics/{hash}` and dry runs name.
fn yueyang_hash() -> String {
    sha256_hex(include_str!("../../rubric/yueyang-2024.toml").as_bytes())
}

/// A body made at run time, for a row (the matrix holds `'static` text).
fn leaked(v: Value) -> &'static str {
    Box::leak(v.to_string().into_boxed_str())
}

/// The item's current ETag, read as an admin.
async fn current_etag(app: &TestApp, round: i64, item: &str) -> String {
    let r = app
        .get(
            &dept_path(round, JUNSHAN_CODE, &format!("judgments/{item}")),
            Some(ADMIN),
        )
        .await;
    r.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("\"none\"")
        .to_string()
}

/// One cell's outcome.
struct Outcome {
    what: String,
    caller: &'static str,
    expected: u16,
    got: u16,
    code: String,
}

async fn run_cell(
    app: &TestApp,
    row: &Row,
    token: Option<&str>,
    path: &str,
    if_match: Option<&str>,
    fx: &Fx,
) -> (u16, String) {
    let mut req = app
        .client
        .request(row.method.clone(), format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(tag) = if_match {
        req = req.header("If-Match", tag);
    }
    req = match &row.body {
        Body::Empty => req,
        Body::Json(text) => req
            .header("content-type", "application/json")
            .body(text.replace("{reviewer}", &fx.spare_reviewer.to_string())),
        Body::Package => req
            .header("content-type", "application/json")
            .body(JUNSHAN.to_string()),
    };
    let r = req.send().await.expect("request sent");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    let code = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
        .unwrap_or_default();
    (status, code)
}

async fn run_matrix(app: TestApp) {
    let fx = fixtures(&app).await;
    let rows = matrix();
    let mut cells = Vec::new();
    for row in &rows {
        let phases: Vec<Option<Phase>> = if row.phases.is_empty() {
            vec![None]
        } else {
            row.phases.iter().copied().map(Some).collect()
        };
        let succeeds = |i: usize| (200..300).contains(&row.expect[i]);
        for phase in phases {
            let round = match phase {
                Some(p) if row.fresh_round && (0..9).any(succeeds) => {
                    Some(build_round(&app, &fx, p, false).await)
                }
                Some(p) => Some(fx.rounds[&p]),
                None => None,
            };
            // refusals first: one that wrongly changed something shows in the cells after it
            let mut order: Vec<usize> = (0..9).filter(|i| !succeeds(*i)).collect();
            order.extend((0..9).filter(|i| succeeds(*i)));
            for i in order {
                let appeal = match (round, phase) {
                    (Some(r), Some(p)) if row.fresh_appeal && p.released() && succeeds(i) => {
                        Some(fresh_appeal(&app, &fx, r.id).await)
                    }
                    _ => None,
                };
                let path = fill(row, &fx, round.as_ref(), appeal);
                let tag = match round {
                    Some(r) if row.if_match => Some(current_etag(&app, r.id, row.item).await),
                    _ => None,
                };
                let (got, code) = run_cell(
                    &app,
                    row,
                    fx.tokens[i].as_deref(),
                    &path,
                    tag.as_deref(),
                    &fx,
                )
                .await;
                cells.push(Outcome {
                    what: format!(
                        "{} {}{}",
                        row.method,
                        row.template,
                        phase.map_or(String::new(), |p| format!(" [{}]", p.label()))
                    ),
                    caller: CALLERS[i],
                    expected: row.expect[i],
                    got,
                    code,
                });
            }
        }
    }
    let wrong: Vec<&Outcome> = cells.iter().filter(|c| c.expected != c.got).collect();
    eprintln!(
        "authorization matrix: {} rows, {} cells, {} mismatches",
        rows.len(),
        cells.len(),
        wrong.len()
    );
    if !wrong.is_empty() {
        let width = wrong
            .iter()
            .map(|c| c.what.chars().count())
            .max()
            .unwrap_or(0);
        eprintln!(
            "{:width$}  {:22}  {:>8}  {:>3}  code",
            "route [phase]", "caller", "expected", "got"
        );
        for c in &wrong {
            eprintln!(
                "{:width$}  {:22}  {:>8}  {:>3}  {}",
                c.what, c.caller, c.expected, c.got, c.code
            );
        }
    }
    // the admin column was exercised: a matrix that refuses everything proves nothing
    assert!(cells
        .iter()
        .any(|c| c.caller == CALLERS[ADMIN_AT] && c.got == 201));
    assert!(
        wrong.is_empty(),
        "{} cells of the authorization matrix differ (table above)",
        wrong.len()
    );
    app.stop().await;
}

on_both!(authorization_matrix, |app| {
    run_matrix(app).await;
});

// A department reads its sheet with the reviewers unnamed; the decision on its appeal names the
// panel too, while admins still see who decided.
on_both!(
    a_department_reads_who_decided_its_appeal_as_the_panel,
    |app| {
        let own = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
        let round = app.round(AHEAD, &[JUNSHAN_CODE]).await;
        submit_ok(&app, round, &own, JUNSHAN).await;
        let (id, lead) = reviewer(&app, "组长李四", None, true).await;
        let r = app
            .post(
                &format!("/api/v1/rounds/{round}/assignments"),
                Some(ADMIN),
                json!({ "department": JUNSHAN_CODE, "reviewer": id }),
            )
            .await;
        ok(r, "assign").await;
        let r = app
            .post(
                &format!("/api/v1/rounds/{round}/close"),
                Some(ADMIN),
                json!({ "reason": "测试：提前截止" }),
            )
            .await;
        ok(r, "close").await;
        judge_all(&app, round, &lead, None).await;
        let r = app
            .post(
                &format!("/api/v1/rounds/{round}/release"),
                Some(ADMIN),
                json!({}),
            )
            .await;
        ok(r, "release").await;
        let appeals = dept_path(round, JUNSHAN_CODE, "appeals");
        let r = app
            .post(
                &appeals,
                Some(&own),
                json!({ "item": "problems", "reason": "报告从四个方面分析了问题" }),
            )
            .await;
        let appeal = ok(r, "appeal").await["id"].as_i64().expect("appeal id");
        let decide = format!("/api/v1/rounds/{round}/appeals/{appeal}/decision");
        let decision = json!({ "outcome": "rejected", "reason": "原评分有据" });
        // the lead judged the item: another lead decides its appeal
        let r = app.post(&decide, Some(&lead), decision.clone()).await;
        assert_eq!(r.status(), 409);
        let (_, other) = reviewer(&app, "组长张三", None, true).await;
        let r = app.post(&decide, Some(&other), decision).await;
        assert_eq!(ok(r, "decide").await["decided_by"], "组长张三");
        for path in [appeals.clone(), format!("/api/v1/rounds/{round}/appeals")] {
            let seen = ok(app.get(&path, Some(&own)).await, "own appeals").await;
            assert_eq!(seen[0]["decided_by"], "评审组", "{path}: {seen}");
            let seen = ok(app.get(&path, Some(ADMIN)).await, "admin appeals").await;
            assert_eq!(seen[0]["decided_by"], "组长张三", "{path}: {seen}");
        }
        app.stop().await;
    }
);
