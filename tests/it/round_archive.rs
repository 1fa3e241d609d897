//! Round archives end to end, through the binary: a rich round built over HTTP on SQLite is
//! exported, imported into PostgreSQL, exported again, imported into SQLite and exported again.
//! The three archives hold the same round once ids are set aside, the last database serves the
//! same results, and damaged, truncated, repeated or conflicting imports are refused without
//! writing anything.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::{Connection, RunQueryDsl, SqliteConnection};
use reqwest::Method;
use serde_json::{json, Value};

/// 市直: takes part, never submits; its parent is not in the round.
const ABSENT_CODE: &str = "430600903";
const PARENT_CODE: &str = "430600900";
/// The department reviewer 乙 belongs to: in no round.
const AUDIT_CODE: &str = "430600904";

/// Evidence bytes that are not text: every byte value.
fn binary_evidence() -> Vec<u8> {
    (0..=255u8).cycle().take(1000).collect()
}

/// The ETag of a GET.
async fn etag(app: &TestApp, path: &str, token: &str) -> String {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status(), 200, "{path}");
    r.headers()["etag"].to_str().expect("etag").to_string()
}

async fn created(r: reqwest::Response, what: &str) -> Value {
    let status = r.status();
    let v = body(r).await;
    assert!(status == 200 || status == 201, "{what}: {status} {v}");
    v
}

/// A round with everything an archive must carry: a department hierarchy, a resubmission with
/// binary evidence, three reviewers (one withdrawn by a conflict of interest), double review and
/// a reconciliation, an override, appeals with evidence (one upheld, one rejected), two
/// published versions and a settings change.
async fn rich_round(app: &TestApp) -> i64 {
    let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let miluo = app.department(MILUO_CODE, "汨罗市数据局").await;
    for (code, name, parent) in [
        (PARENT_CODE, "示例市财政局", None),
        (ABSENT_CODE, "示例市未报送局", Some(PARENT_CODE)),
        (AUDIT_CODE, "示例市审计局", None),
    ] {
        let r = app
            .post(
                "/api/v1/departments",
                Some(ADMIN),
                json!({ "code": code, "name": name, "category": "市直", "parent": parent }),
            )
            .await;
        created(r, code).await;
    }
    let (bing_id, bing) = reviewer(app, "丙", None, true).await;
    let (yi_id, yi) = reviewer(app, "乙", Some(AUDIT_CODE), false).await;
    let (jia_id, _) = reviewer(app, "甲", None, false).await;
    // a second lead, who judged nothing, reconciles (a lead who judged the item may not)
    let (_, ding) = reviewer(app, "丁", None, true).await;
    let round = app
        .round(AHEAD, &[JUNSHAN_CODE, MILUO_CODE, ABSENT_CODE])
        .await;
    // 乙 declares a conflict with 汨罗 himself
    let r = app
        .post(
            &format!("/api/v1/reviewers/{yi_id}/conflicts"),
            Some(&yi),
            json!({ "department": MILUO_CODE, "reason": "曾在汨罗市数据局任职" }),
        )
        .await;
    created(r, "乙's conflict").await;

    // 君山 submits twice (the first stays as history), 汨罗 once
    let form = reqwest::multipart::Form::new()
        .part("report", report_part(JUNSHAN))
        .part(
            "evidence",
            file_part(b"%PDF-1.4 minutes", "会议纪要.pdf", "application/pdf"),
        );
    assert_eq!(
        submit_form(app, round, &junshan, form, &[]).await.status(),
        201
    );
    let form = reqwest::multipart::Form::new()
        .part("report", report_part(JUNSHAN))
        .part(
            "evidence",
            file_part(&binary_evidence(), "签到表.png", "image/png"),
        )
        .part(
            "evidence",
            file_part("通知全文".as_bytes(), "通知.txt", "text/plain"),
        );
    assert_eq!(
        submit_form(app, round, &junshan, form, &[]).await.status(),
        201
    );
    submit_ok(app, round, &miluo, MILUO).await;
    // 汨罗's report also came by e-mail: the receipt travels with the round
    let r = app
        .call(
            reqwest::Method::PUT,
            &dept_path(round, MILUO_CODE, "timing"),
            Some(ADMIN),
            Some(json!({
                "receipt": { "received_at": "2026-05-29T02:00:00Z", "via": "email" },
                "reason": "邮件报送"
            })),
        )
        .await;
    assert_eq!(r.status(), 200, "汨罗's timing");

    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(ADMIN),
            json!({ "reason": "测试：提前截止" }),
        )
        .await;
    created(r, "close").await;
    for (code, id) in [
        (JUNSHAN_CODE, bing_id),
        (MILUO_CODE, bing_id),
        (JUNSHAN_CODE, yi_id),
        (MILUO_CODE, jia_id),
    ] {
        let r = app
            .post(
                &format!("/api/v1/rounds/{round}/assignments"),
                Some(ADMIN),
                json!({ "department": code, "reviewer": id }),
            )
            .await;
        created(r, "assignment").await;
    }
    // 甲 turns out to have a conflict: withdrawn from 汨罗
    let r = app
        .post(
            &format!("/api/v1/reviewers/{jia_id}/conflicts"),
            Some(ADMIN),
            json!({ "department": MILUO_CODE, "reason": "近亲属在汨罗市数据局" }),
        )
        .await;
    created(r, "甲's conflict").await;

    judge_all(app, round, JUNSHAN_CODE, &bing).await;
    judge_all(app, round, JUNSHAN_CODE, &yi).await;
    judge_all(app, round, MILUO_CODE, &bing).await;
    // 乙 changes his mind on 君山's problems: the two judgments now differ, the lead decides
    let path = dept_path(round, JUNSHAN_CODE, "judgments/problems");
    let tag = etag(app, &path, &yi).await;
    let b = json!({ "score": "10", "reason": "问题未归纳，原因分析不足" });
    let r = send(app, Method::PUT, &path, &yi, &tag, b).await;
    created(r, "乙's second judgment").await;
    let tag = etag(app, &path, &ding).await;
    let b = json!({ "score": "16", "reason": "组长裁定：问题覆盖三个方面" });
    let path = dept_path(round, JUNSHAN_CODE, "decisions/problems");
    let r = send(app, Method::PUT, &path, &ding, &tag, b).await;
    created(r, "reconciliation").await;
    // an admin corrects an automatic item
    let sheet_path = dept_path(round, JUNSHAN_CODE, "score-sheet");
    let tag = etag(app, &sheet_path, ADMIN).await;
    let b = json!({ "score": "6", "reason": "更正：报送时间以收文登记为准" });
    let path = dept_path(round, JUNSHAN_CODE, "overrides/timeliness");
    let r = send(app, Method::PUT, &path, ADMIN, &tag, b).await;
    created(r, "override").await;

    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/publish"),
            Some(ADMIN),
            json!({}),
        )
        .await;
    created(r, "version 1").await;

    // appeals: one with evidence upheld, one rejected
    let appeals = dept_path(round, JUNSHAN_CODE, "appeals");
    let form = reqwest::multipart::Form::new()
        .text("item", "suggestions")
        .text("reason", "建议与问题一一对应，请复核")
        .part(
            "evidence",
            file_part(
                &binary_evidence()[..300],
                "对应表.bin",
                "application/octet-stream",
            ),
        );
    let r = app
        .client
        .post(format!("{}{appeals}", app.base))
        .bearer_auth(&junshan)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    let first = created(r, "appeal with evidence").await;
    let second = created(
        app.post(
            &appeals,
            Some(&junshan),
            json!({ "item": "problems", "reason": "问题覆盖四个方面" }),
        )
        .await,
        "second appeal",
    )
    .await;
    let decide = |id: &Value| {
        format!(
            "/api/v1/rounds/{round}/appeals/{}/decision",
            id.as_i64().expect("appeal id")
        )
    };
    let tag = etag(app, &sheet_path, ADMIN).await;
    let b = json!({ "outcome": "upheld", "score": "15", "reason": "复核：建议与问题逐一对应" });
    let r = send(app, Method::POST, &decide(&first["id"]), ADMIN, &tag, b).await;
    created(r, "upheld").await;
    let r = app
        .post(
            &decide(&second["id"]),
            Some(ADMIN),
            json!({ "outcome": "rejected", "reason": "问题仍只覆盖三个方面" }),
        )
        .await;
    created(r, "rejected").await;
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/publish"),
            Some(ADMIN),
            json!({ "reason": "复核后更正" }),
        )
        .await;
    created(r, "version 2").await;
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/rounds/{round}"),
            Some(ADMIN),
            Some(json!({ "public_results": true, "reason": "结果向社会公开" })),
        )
        .await;
    created(r, "settings").await;
    round
}

/// What the service answers about a published round: rankings (latest and version 1), 君山's
/// published sheet in both versions, the versions, the live score sheets. Round ids and the
/// URLs that carry them are set aside.
async fn served(client: &reqwest::Client, base: &str, round: i64) -> Value {
    let mut out = serde_json::Map::new();
    for (name, path) in [
        ("rankings", format!("/api/v1/rounds/{round}/rankings")),
        (
            "rankings_v1",
            format!("/api/v1/rounds/{round}/rankings?version=1"),
        ),
        (
            "publications",
            format!("/api/v1/rounds/{round}/publications"),
        ),
        (
            "publication_2",
            format!("/api/v1/rounds/{round}/publications/2"),
        ),
        ("published", dept_path(round, JUNSHAN_CODE, "published")),
        (
            "published_v1",
            format!("{}?version=1", dept_path(round, JUNSHAN_CODE, "published")),
        ),
        (
            "sheet_junshan",
            dept_path(round, JUNSHAN_CODE, "score-sheet"),
        ),
        ("sheet_miluo", dept_path(round, MILUO_CODE, "score-sheet")),
        ("timing_miluo", dept_path(round, MILUO_CODE, "timing")),
        ("csv", format!("/api/v1/rounds/{round}/rankings.csv")),
    ] {
        let r = client
            .get(format!("{base}{path}"))
            .bearer_auth(ADMIN)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 200, "{path}");
        let text = r.text().await.expect("body");
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        out.insert(name.to_string(), without_round(v, round));
    }
    Value::Object(out)
}

/// Drops `round_id` members and writes the round's id in URLs as `R`.
fn without_round(v: Value, round: i64) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k != "round_id")
                .map(|(k, v)| (k, without_round(v, round)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|x| without_round(x, round)).collect())
        }
        Value::String(s) => Value::String(s.replace(&format!("/rounds/{round}/"), "/rounds/R/")),
        other => other,
    }
}

fn kaoping(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run kaoping")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn export(url: &str, round: i64) -> String {
    let o = kaoping(&["export-round", &round.to_string(), "--database-url", url]);
    assert!(o.status.success(), "export from {url}: {}", stderr(&o));
    String::from_utf8(o.stdout).expect("the archive is UTF-8")
}

/// A directory for one test's archive files, removed when the test ends.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(test: &str) -> WorkDir {
        let dir =
            std::env::temp_dir().join(format!("kaoping-archive-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        WorkDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write archive");
        path
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Imports through the binary; returns the new round's id and what it printed.
fn import(url: &str, file: &Path) -> (i64, String) {
    let o = kaoping(&[
        "import-round",
        &file.display().to_string(),
        "--database-url",
        url,
    ]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "import into {url}: {}", stderr(&o));
    let id = out
        .split_once(" as round ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no round id in {out}"));
    (id, out)
}

/// A refused import: exit code 2, nothing on stdout, one line on stderr naming each of
/// `expect`, no panic.
fn refused(url: &str, file: &Path, expect: &[&str]) {
    let o = kaoping(&[
        "import-round",
        &file.display().to_string(),
        "--database-url",
        url,
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    for e in expect {
        assert!(err.contains(e), "{e:?} not in {err}");
    }
}

const TABLES: [&str; 19] = [
    "departments",
    "rounds",
    "round_departments",
    "tokens",
    "submissions",
    "evidence",
    "reviewers",
    "reviewer_conflicts",
    "assignments",
    "review_items",
    "judgments",
    "resolutions",
    "appeals",
    "appeal_files",
    "audit_log",
    "publications",
    "published_sheets",
    "webhooks",
    "webhook_deliveries",
];

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in every table of a SQLite database.
fn counts(url: &str) -> Vec<(&'static str, i64)> {
    let mut c = SqliteConnection::establish(url.trim_start_matches("sqlite://")).expect("connect");
    TABLES
        .iter()
        .map(|t| {
            let n = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {t}"))
                .get_result::<Count>(&mut c)
                .expect("count")
                .n;
            (*t, n)
        })
        .collect()
}

/// Each id of a list, by its position (lists are in id order).
fn positions(list: &Value, key: &str) -> std::collections::HashMap<i64, usize> {
    list.as_array()
        .expect("list")
        .iter()
        .enumerate()
        .map(|(i, x)| (x[key].as_i64().expect("id"), i))
        .collect()
}

/// Replaces an id member by its position in the map (null stays null).
fn renumber(v: &mut Value, key: &str, map: &std::collections::HashMap<i64, usize>) {
    if let Some(id) = v[key].as_i64() {
        v[key] = json!(map.get(&id).copied().map_or(-1, |p| p as i64));
    }
}

/// The archive's content with every surrogate id replaced by its position, the export's own
/// metadata left out, and (unless `keep_token_details`) the token labels and revocation times an
/// import sets.
fn normalised(text: &str, keep_token_details: bool) -> Value {
    let mut a: Value = serde_json::from_str(text).expect("archive JSON");
    for k in ["exported_at", "source", "sha256"] {
        a.as_object_mut().expect("object").remove(k);
    }
    let tokens = positions(&a["tokens"], "id");
    let reviewers = positions(&a["reviewers"], "id");
    let submissions = positions(&a["submissions"], "id");
    let appeals = positions(&a["appeals"], "id");
    let audit = positions(&a["audit_log"], "id");
    let mut files = std::collections::HashMap::new();
    for s in a["submissions"].as_array().expect("submissions") {
        for f in s["evidence"].as_array().expect("evidence") {
            let n = files.len();
            files.insert(f["id"].as_i64().expect("id"), n);
        }
    }
    let mut appeal_files = std::collections::HashMap::new();
    for x in a["appeals"].as_array().expect("appeals") {
        for f in x["files"].as_array().expect("files") {
            let n = appeal_files.len();
            appeal_files.insert(f["id"].as_i64().expect("id"), n);
        }
    }
    let each = |a: &mut Value, list: &str, f: &mut dyn FnMut(&mut Value)| {
        for x in a[list].as_array_mut().expect("list") {
            f(x);
        }
    };
    each(&mut a, "tokens", &mut |t| {
        renumber(t, "id", &tokens);
        renumber(t, "reviewer_id", &reviewers);
        if !keep_token_details {
            t["label"] = Value::Null;
            t["revoked_at"] = Value::Null;
        }
    });
    each(&mut a, "reviewers", &mut |r| renumber(r, "id", &reviewers));
    for list in ["reviewer_conflicts", "assignments", "judgments"] {
        each(&mut a, list, &mut |x| {
            renumber(x, "reviewer_id", &reviewers)
        });
    }
    each(&mut a, "submissions", &mut |s| {
        renumber(s, "id", &submissions);
        renumber(s, "submitted_by", &tokens);
        for f in s["evidence"].as_array_mut().expect("evidence") {
            renumber(f, "id", &files);
        }
    });
    each(&mut a, "appeals", &mut |x| {
        renumber(x, "id", &appeals);
        renumber(x, "filed_by", &tokens);
        for f in x["files"].as_array_mut().expect("files") {
            renumber(f, "id", &appeal_files);
        }
    });
    each(&mut a, "audit_log", &mut |e| {
        renumber(e, "id", &audit);
        renumber(e, "actor_token", &tokens);
    });
    a
}

/// Audit ids strictly ascending: the order survives.
fn assert_audit_in_order(text: &str) {
    let a: Value = serde_json::from_str(text).expect("archive JSON");
    let ids: Vec<i64> = a["audit_log"]
        .as_array()
        .expect("audit")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

/// One byte of the first package changed: a digit turned into another.
fn tampered(text: &str) -> String {
    let start = text.find("\"package\": \"").expect("a package") + 12;
    let at = start
        + text[start..]
            .find(|c: char| c.is_ascii_digit())
            .expect("a digit in the package");
    let digit = text.as_bytes()[at];
    let other = if digit == b'9' {
        '0'
    } else {
        char::from(digit + 1)
    };
    format!("{}{other}{}", &text[..at], &text[at + 1..])
}

#[actix_rt::test]
async fn a_round_moves_sqlite_to_postgres_to_sqlite_with_nothing_lost() {
    let dir = WorkDir::new("move");
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let round = rich_round(&app).await;
    let original = served(&app.client, &app.base, round).await;
    let history = body(
        app.get(&dept_path(round, JUNSHAN_CODE, "submissions"), Some(ADMIN))
            .await,
    )
    .await;
    app.stop().await;

    // SQLite → PostgreSQL → SQLite, exporting after each move
    let a = export(&app.db.url(), round);
    let a_file = dir.write("a.json", &a);
    let middle = match TestDb::create(Backend::Postgres) {
        Some(db) => db,
        // the PostgreSQL leg is skipped (TestDb said so); the rest still runs through SQLite
        None => TestDb::create(Backend::Sqlite).expect("sqlite db"),
    };
    let (middle_round, said) = import(&middle.url(), &a_file);
    assert!(said.contains("revoked placeholders"), "{said}");
    let b = export(&middle.url(), middle_round);
    let b_file = dir.write("b.json", &b);
    let last = TestDb::create(Backend::Sqlite).expect("sqlite db");
    let (last_round, _) = import(&last.url(), &b_file);
    let c = export(&last.url(), last_round);

    // what the archive holds
    let av: Value = serde_json::from_str(&a).expect("json");
    assert_eq!(av["format"], "kaoping-round-archive");
    assert_eq!(av["version"], 1);
    assert_eq!(
        av["source"],
        json!({ "backend": "sqlite", "round_id": round })
    );
    let len = |k: &str| av[k].as_array().map_or(0, Vec::len);
    assert_eq!(
        len("submissions"),
        3,
        "the resubmitted one stays as history"
    );
    assert_eq!(len("departments"), 5, "with the parent and 乙's department");
    assert_eq!(
        len("reviewers"),
        4,
        "甲 is in it through his conflict, 丁 through his decision"
    );
    assert_eq!(len("reviewer_conflicts"), 2);
    assert_eq!(len("appeals"), 2);
    assert_eq!(len("publications"), 2);
    assert!(len("resolutions") >= 3, "override, reconciliation, appeal");
    assert_eq!(len("tokens"), 6, "admin, two departments, three reviewers");
    let kinds: Vec<&str> = av["resolutions"]
        .as_array()
        .expect("resolutions")
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    for kind in ["override", "reconciliation", "appeal"] {
        assert!(kinds.contains(&kind), "{kind} not in {kinds:?}");
    }
    assert!(
        !a.contains("token_hash") && !a.contains(ADMIN),
        "no token secrets"
    );
    let evidence = av["submissions"][1]["evidence"]
        .as_array()
        .expect("evidence");
    assert_eq!(evidence[0]["name"], "签到表.png");
    assert_eq!(evidence[0]["sha256"], sha256_hex(&binary_evidence()));
    assert_eq!(evidence[0]["size"], 1000);

    // the same round in all three, in the same order, timestamps and texts byte for byte
    for text in [&a, &b, &c] {
        assert_audit_in_order(text);
    }
    let (na, nb, nc) = (
        normalised(&a, false),
        normalised(&b, false),
        normalised(&c, false),
    );
    for key in na.as_object().expect("object").keys() {
        assert_eq!(na[key], nb[key], "{key}: first move");
        assert_eq!(nb[key], nc[key], "{key}: second move");
    }
    assert_eq!(na, nc);
    // after the first import the tokens are revoked placeholders, and stay as they are
    assert_eq!(
        normalised(&b, true)["tokens"],
        normalised(&c, true)["tokens"]
    );
    let bv: Value = serde_json::from_str(&b).expect("json");
    for t in bv["tokens"].as_array().expect("tokens") {
        assert!(t["revoked_at"].is_i64(), "{t}");
        assert!(
            t["label"]
                .as_str()
                .is_some_and(|l| l.starts_with("imported from round archive")),
            "{t}"
        );
    }

    // the last database serves the same results, and the same evidence bytes
    let (base, handle, _) = start_on(&last, Some(ADMIN));
    let client = reqwest::Client::new();
    let moved = served(&client, &base, last_round).await;
    assert_eq!(moved["rankings"]["version"], 2);
    assert_eq!(moved["rankings"]["rows"].as_array().map(Vec::len), Some(3));
    assert_eq!(moved["publications"].as_array().map(Vec::len), Some(2));
    assert!(
        moved["published"]["total"].is_string(),
        "{}",
        moved["published"]
    );
    assert!(moved["sheet_junshan"]["items"].is_array());
    for key in original.as_object().expect("object").keys() {
        assert_eq!(original[key], moved[key], "{key}");
    }
    let moved_history = body(
        client
            .get(format!(
                "{base}{}",
                dept_path(last_round, JUNSHAN_CODE, "submissions")
            ))
            .bearer_auth(ADMIN)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let files = |h: &Value| -> Vec<(Value, Value, Value)> {
        h.as_array()
            .expect("history")
            .iter()
            .flat_map(|s| s["evidence"].as_array().cloned().unwrap_or_default())
            .map(|f| (f["name"].clone(), f["sha256"].clone(), f["size"].clone()))
            .collect()
    };
    assert_eq!(files(&history), files(&moved_history));
    for s in moved_history.as_array().expect("history") {
        for f in s["evidence"].as_array().expect("evidence") {
            let url = f["url"].as_str().expect("url");
            let bytes = client
                .get(format!("{base}{url}"))
                .bearer_auth(ADMIN)
                .send()
                .await
                .expect("sent")
                .bytes()
                .await
                .expect("bytes");
            assert_eq!(json!(sha256_hex(&bytes)), f["sha256"], "{url}");
        }
    }
    let appeals = body(
        client
            .get(format!("{base}/api/v1/rounds/{last_round}/appeals"))
            .bearer_auth(ADMIN)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let file_url = appeals[0]["evidence"][0]["url"]
        .as_str()
        .expect("appeal file");
    let bytes = client
        .get(format!("{base}{file_url}"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(&bytes[..], &binary_evidence()[..300]);
    handle.stop(true).await;

    // refusals write nothing
    let url = last.url();
    let before = counts(&url);
    refused(
        &url,
        &b_file,
        &["already here", &format!("round {last_round}")],
    );
    refused(&url, &a_file, &["already here"]);
    let bad = dir.write("tampered.json", &tampered(&a));
    refused(&url, &bad, &["checksum mismatch"]);
    let mut cut = a.len() / 2;
    while !a.is_char_boundary(cut) {
        cut -= 1;
    }
    let short = dir.write("truncated.json", &a[..cut]);
    refused(&url, &short, &["not valid JSON", "truncated"]);
    let newer = dir.write(
        "v2.json",
        &a.replacen("\"version\": 1", "\"version\": 2", 1),
    );
    refused(&url, &newer, &["version 2"]);
    // a file whose bytes do not match its stated hash, re-checksummed: still refused
    let mut forged: Value = serde_json::from_str(&a).expect("json");
    forged["submissions"][1]["evidence"][0]["sha256"] = json!("0".repeat(64));
    forged["sha256"] = json!(kaoping::archive::checksum(&forged));
    let forged = dir.write("forged.json", &forged.to_string());
    refused(&url, &forged, &["inconsistent", "签到表.png"]);
    // a receipt for a submission the archive does not hold, re-checksummed: refused
    let mut forged: Value = serde_json::from_str(&a).expect("json");
    let timings = &mut forged["round"]["department_timings"];
    assert_eq!(
        timings[0]["department"], MILUO_CODE,
        "汨罗's timing is exported"
    );
    timings[0]["receipt_seq"] = json!(9);
    forged["sha256"] = json!(kaoping::archive::checksum(&forged));
    let forged = dir.write("receipt.json", &forged.to_string());
    refused(&url, &forged, &["inconsistent", MILUO_CODE, "receipt"]);
    assert_eq!(before, counts(&url), "a refused import writes nothing");
}

#[actix_rt::test]
async fn departments_and_reviewers_already_there_are_reused_or_the_import_is_refused() {
    let dir = WorkDir::new("reuse");
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let round = rich_round(&app).await;
    app.stop().await;
    let a = export(&app.db.url(), round);
    let file = dir.write("reuse.json", &a);

    // 君山 and 丙 are here already, the same: reused; the rest is created
    let same = TestDb::create(Backend::Sqlite).expect("sqlite db");
    let store = kaoping::store::Store::connect(&same.url()).expect("connect");
    store.migrate().expect("migrate");
    store
        .create_department(kaoping::store::NewDepartment {
            code: JUNSHAN_CODE.into(),
            name: "岳阳市君山区数据局".into(),
            category: "县区".into(),
            parent_code: None,
            created_at: 0,
        })
        .expect("department");
    store
        .create_reviewer("丙", None, true, 0)
        .expect("reviewer");
    // another 乙, of no department: not the archive's 乙
    store
        .create_reviewer("乙", None, false, 0)
        .expect("reviewer");
    let (_, said) = import(&same.url(), &file);
    assert!(said.contains("5 (4 created, 1 already here)"), "{said}");
    assert!(said.contains("4 (3 created, 1 already here)"), "{said}");
    assert_eq!(store.reviewers().expect("reviewers").len(), 5);

    // 汨罗's code is here under another name: refused, naming it, nothing written
    let other = TestDb::create(Backend::Sqlite).expect("sqlite db");
    let store = kaoping::store::Store::connect(&other.url()).expect("connect");
    store.migrate().expect("migrate");
    store
        .create_department(kaoping::store::NewDepartment {
            code: MILUO_CODE.into(),
            name: "汨罗市财政局".into(),
            category: "县区".into(),
            parent_code: None,
            created_at: 0,
        })
        .expect("department");
    let before = counts(&other.url());
    refused(
        &other.url(),
        &file,
        &[MILUO_CODE, "汨罗市财政局", "汨罗市数据局"],
    );
    assert_eq!(before, counts(&other.url()));
}
