//! `kaoping serve` as a person runs it: the demo prints a token and URLs that work, and
//! `--log-format json` logs one JSON object per line with the request id.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and reads its stdout up to the "serving on" line.
fn serve(args: &[&str], db: &std::path::Path) -> (Server, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}", db.display()))
        .args(args)
        .env_remove("KAOPING_ADMIN_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kaoping serve");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut reader = BufReader::new(stdout).lines();
    for line in reader.by_ref() {
        let line = line.expect("stdout line");
        let done = line.starts_with("kaoping serving on");
        lines.push(line);
        if done || Instant::now() > deadline {
            break;
        }
    }
    // keep draining what the server prints after its banner
    std::thread::spawn(move || reader.for_each(drop));
    assert!(
        lines.iter().any(|l| l.starts_with("kaoping serving on")),
        "{lines:?}"
    );
    (server, lines)
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("kaoping-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn base_url(lines: &[String]) -> String {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("kaoping serving on "))
        .and_then(|l| l.split_whitespace().next())
        .expect("base url")
        .to_string()
}

#[test]
fn demo_prints_a_token_and_score_sheet_urls_that_work() {
    let db = temp_db("demo");
    let (_server, lines) = serve(&["--demo"], &db);
    let base = base_url(&lines);
    let at = lines
        .iter()
        .position(|l| l.starts_with("Demo round"))
        .expect("demo section");
    let token = lines[at + 1..]
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with("kp_"))
        .expect("admin token printed")
        .to_string();
    let urls: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("http") && w.ends_with("/score-sheet"))
        })
        .map(str::to_string)
        .collect();
    assert_eq!(urls.len(), 4, "{lines:?}");
    let client = reqwest::blocking::Client::new();
    for url in &urls {
        let r = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .expect("GET score sheet");
        assert_eq!(r.status(), 200, "{url}");
        let v: serde_json::Value = r.json().expect("json");
        assert_eq!(v["rubric"], "yueyang-2024");
        assert_eq!(v["items"].as_array().map(Vec::len), Some(12));
    }
    let r = client.get(format!("{base}/docs/")).send().expect("docs");
    assert_eq!(r.status(), 200);
    drop(_server);
    let _ = std::fs::remove_file(&db);
}

#[test]
fn first_start_prints_an_admin_token_once_and_json_logs_carry_the_request_id() {
    let db = temp_db("jsonlog");
    let (mut server, lines) = serve(&["--log-format", "json"], &db);
    let token = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with("kp_"))
        .expect("first admin token")
        .to_string();
    let base = base_url(&lines);
    let client = reqwest::blocking::Client::new();
    let r = client
        .get(format!("{base}/api/v1/rounds"))
        .bearer_auth(&token)
        .header("X-Request-Id", "req-json-42")
        .send()
        .expect("GET rounds");
    assert_eq!(r.status(), 200);
    let _ = server.0.kill();
    let _ = server.0.wait();
    let mut stderr = String::new();
    if let Some(mut e) = server.0.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    let logged = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .any(|v| v["span"]["request_id"] == "req-json-42" && v["fields"]["status"] == 200);
    assert!(logged, "no JSON log line with the request id:\n{stderr}");
    assert!(!stderr.contains(&token), "the token must not be logged");
    // the same database again: no new admin token is printed
    let (_again, lines) = serve(&[], &db);
    assert!(
        !lines.iter().any(|l| l.trim().starts_with("kp_")),
        "{lines:?}"
    );
    let _ = std::fs::remove_file(&db);
}
