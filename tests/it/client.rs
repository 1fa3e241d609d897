//! `kaoping client`, run as a process against a real server: submissions (JSON and multipart,
//! retried), score sheets, rounds, and one clear line with exit code 2 on every failure.

use crate::support;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};
use support::*;

const CODE: &str = "430611001";
const NAME: &str = "岳阳市君山区数据局";

fn fixture() -> String {
    format!(
        "{}/tests/fixtures/junshan-2024.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Runs the binary with these arguments, off the test's runtime so the server keeps answering.
async fn kaoping(args: &[&str], env: &[(&str, &str)]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    actix_web::rt::task::spawn_blocking(move || run(&args, &env))
        .await
        .expect("the child process ran")
}

fn run(args: &[String], env: &[(String, String)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(args)
        .env_remove("KAOPING_SERVER")
        .env_remove("KAOPING_TOKEN")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run kaoping")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a failure: exit code 2, nothing on stdout, one line on stderr; returns that line.
fn failed(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(2), "stdout: {}", stdout(o));
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kaoping-client-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A server with the 君山区 department in round `id`; returns the app, its token and the id.
async fn setup() -> (TestApp, String, i64) {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let token = app.department(CODE, NAME).await;
    let round = app.round("2026-12-31", &[CODE]).await;
    (app, token, round)
}

async fn history(app: &TestApp, round: i64) -> Vec<Value> {
    let r = app
        .get(
            &format!("/api/v1/rounds/{round}/departments/{CODE}/submissions"),
            Some(ADMIN),
        )
        .await;
    assert_eq!(r.status(), 200);
    body(r).await.as_array().expect("history").clone()
}

#[actix_rt::test]
async fn submit_prints_the_department_and_total_and_a_retry_stores_nothing_new() {
    let (app, token, round) = setup().await;
    let round_s = round.to_string();
    let package = fixture();
    let args = [
        "client", "--server", &app.base, "--token", &token, "submit", &round_s, &package,
    ];
    let first = kaoping(&args, &[]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    assert!(out.contains(CODE) && out.contains(NAME), "{out}");
    let stored = history(&app, round).await;
    assert_eq!(stored.len(), 1);
    let total = stored[0]["total"].as_str().expect("total").to_string();
    assert!(out.contains(&format!("total {total} / 100")), "{out}");
    assert!(
        out.contains(&format!("总分 {total} / 100")),
        "the sheet: {out}"
    );
    assert!(!out.contains("stored nothing new"), "{out}");

    let again = kaoping(&args, &[]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("stored nothing new"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        history(&app, round).await.len(),
        1,
        "a retry is stored once"
    );

    let mut as_json = args.to_vec();
    as_json.extend(["--format", "json"]);
    let o = kaoping(&as_json, &[]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["replayed"], true);
    assert_eq!(v["submission"]["department"], CODE);
    assert_eq!(v["submission"]["total"], total.as_str());
    assert!(v["score_sheet"]["items"].is_array(), "{v}");
    assert_eq!(history(&app, round).await.len(), 1);

    // another key is another submission
    let mut fresh = args.to_vec();
    fresh.extend(["--idempotency-key", "second-try"]);
    let o = kaoping(&fresh, &[]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("submission 2 of department"),
        "{}",
        stdout(&o)
    );
    assert_eq!(history(&app, round).await.len(), 2);
    app.stop().await;
}

#[actix_rt::test]
async fn sheet_prints_the_chinese_text_sheet_or_json() {
    let (app, token, round) = setup().await;
    let r = app
        .post_raw(
            &format!("/api/v1/rounds/{round}/submissions"),
            &token,
            JUNSHAN,
            &[],
        )
        .await;
    assert_eq!(r.status(), 201);
    let round_s = round.to_string();
    let o = kaoping(
        &[
            "client", "--server", &app.base, "--token", ADMIN, "sheet", &round_s, CODE,
        ],
        &[],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("部门整体支出绩效自评工作考核评分"), "{out}");
    assert!(out.contains("总分"), "{out}");
    assert!(out.contains("评分项目"), "{out}");

    let o = kaoping(
        &[
            "client", "--server", &app.base, "--token", ADMIN, "--format", "json", "sheet",
            &round_s, CODE,
        ],
        &[],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["rubric"], "yueyang-2024");
    assert!(v["items"].as_array().is_some_and(|i| !i.is_empty()), "{v}");

    // a department that did not submit: the server's refusal, on one line
    let o = kaoping(
        &[
            "client", "--server", &app.base, "--token", ADMIN, "sheet", &round_s, "999",
        ],
        &[],
    )
    .await;
    let err = failed(&o);
    assert!(err.contains("server refused (404 not_found)"), "{err}");
    app.stop().await;
}

#[actix_rt::test]
async fn rounds_list_as_text_and_json_with_server_and_token_from_the_environment() {
    let (app, _token, round) = setup().await;
    let env = [
        ("KAOPING_SERVER", app.base.as_str()),
        ("KAOPING_TOKEN", ADMIN),
    ];
    let o = kaoping(&["client", "rounds", "--format", "json"], &env).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let rounds = v.as_array().expect("a list");
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0]["id"], round);
    assert_eq!(rounds[0]["state"], "open");
    assert_eq!(rounds[0]["deadline"], "2026-12-31");

    let o = kaoping(&["client", "rounds"], &env).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("id"), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with(&round.to_string())
            && l.contains("2024")
            && l.contains("open")
            && l.contains("2026-12-31")
            && l.contains("2024年度部门整体支出绩效自评考核")),
        "{out}"
    );
    app.stop().await;
}

#[actix_rt::test]
async fn multipart_submit_stores_the_evidence_with_its_sha256() {
    let (app, token, round) = setup().await;
    let dir = temp_dir("multipart");
    let package: Value = serde_json::from_str(JUNSHAN).expect("fixture");
    let report = dir.join("report.json");
    std::fs::write(&report, package["report"].to_string()).expect("report file");
    let evidence_bytes = b"%PDF-1.4\n% minutes of the working group\n".to_vec();
    let evidence = dir.join("会议纪要.pdf");
    std::fs::write(&evidence, &evidence_bytes).expect("evidence file");
    let expected: String = Sha256::digest(&evidence_bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let round_s = round.to_string();
    let (report_s, evidence_s) = (report.display().to_string(), evidence.display().to_string());
    let args = [
        "client",
        "--server",
        &app.base,
        "--token",
        &token,
        "submit",
        &round_s,
        "--report",
        &report_s,
        "--evidence",
        &evidence_s,
    ];
    let o = kaoping(&args, &[]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(NAME), "{out}");
    assert!(out.contains(&expected), "the evidence is listed: {out}");

    let again = kaoping(&args, &[]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    let stored = history(&app, round).await;
    assert_eq!(stored.len(), 1, "a retried upload is stored once");
    assert_eq!(stored[0]["source_name"], "report.json");
    let files = stored[0]["evidence"].as_array().expect("evidence");
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["name"], "会议纪要.pdf");
    assert_eq!(files[0]["content_type"], "application/pdf");
    assert_eq!(files[0]["sha256"], expected.as_str());
    assert_eq!(files[0]["size"], evidence_bytes.len());
    app.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[actix_rt::test]
async fn refusals_name_the_status_and_the_code() {
    let (app, token, round) = setup().await;
    let round_s = round.to_string();
    let package = fixture();

    let o = kaoping(
        &[
            "client", "--server", &app.base, "--token", "kp_wrong", "submit", &round_s, &package,
        ],
        &[],
    )
    .await;
    let err = failed(&o);
    assert!(err.contains("401"), "{err}");
    assert!(
        err.contains("server refused (401 unauthenticated)"),
        "{err}"
    );

    let viewer = app.token("viewer").await;
    let o = kaoping(
        &[
            "client", "--server", &app.base, "--token", &viewer, "submit", &round_s, &package,
        ],
        &[],
    )
    .await;
    let err = failed(&o);
    assert!(err.contains("server refused (403 forbidden)"), "{err}");

    // a local file that is not JSON is named before anything is sent
    let dir = temp_dir("refusals");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{ not json").expect("file");
    let broken_s = broken.display().to_string();
    let o = kaoping(
        &[
            "client", "--server", &app.base, "--token", &token, "submit", &round_s, &broken_s,
        ],
        &[],
    )
    .await;
    let err = failed(&o);
    assert!(err.contains("broken.json is not valid JSON"), "{err}");
    assert!(history(&app, round).await.is_empty());
    app.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unreachable_server_is_one_line_naming_it() {
    let args: Vec<String> = [
        "client",
        "--server",
        "http://127.0.0.1:1",
        "--token",
        "t",
        "rounds",
    ]
    .map(String::from)
    .to_vec();
    let o = run(&args, &[]);
    let err = failed(&o);
    assert!(err.contains("cannot reach http://127.0.0.1:1"), "{err}");
    assert!(err.contains("connection refused"), "{err}");
}

#[test]
fn a_non_json_answer_says_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        let page = "<html><body>a proxy's page</body></html>";
        let _ = write!(
            conn,
            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
            page.len()
        );
    });
    let args: Vec<String> = [
        "client".to_string(),
        "--server".to_string(),
        format!("http://{addr}"),
        "--token".to_string(),
        "t".to_string(),
        "rounds".to_string(),
    ]
    .to_vec();
    let o = run(&args, &[]);
    let _ = server.join();
    let err = failed(&o);
    assert!(err.contains("is not JSON"), "{err}");
    assert!(err.contains("/api/v1/rounds"), "{err}");
    assert!(err.contains("<html>"), "{err}");
}
