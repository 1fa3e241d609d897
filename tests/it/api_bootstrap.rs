//! Getting the first token: KAOPING_ADMIN_TOKEN, the admin token made at the first start, and the
//! offline `token create` / `migrate` commands on the database.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use std::process::Command;

use serde_json::json;

async fn get(base: &str, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent")
}

fn kaoping(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("KAOPING_ADMIN_TOKEN")
        .output()
        .expect("run kaoping")
}

on_both_db!(first_start_creates_an_admin_token_once, |db| {
    let (base, handle, created) = start_on(&db, None);
    let token = created.expect("the first start creates an admin token");
    assert_ne!(token, ADMIN);
    // it is an admin token
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/departments"))
        .bearer_auth(&token)
        .json(&json!({ "code": JUNSHAN_CODE, "name": "岳阳市君山区数据局", "category": "县区" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 201);
    handle.stop(true).await;

    // the second start on the same database makes none, and the first token still works
    let (base, handle, created) = start_on(&db, None);
    assert_eq!(created, None);
    let r = get(&base, "/api/v1/departments", &token).await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await.as_array().map(Vec::len), Some(1));
    handle.stop(true).await;
});

on_both_db!(configured_admin_token_is_used_and_no_other_is_made, |db| {
    let (base, handle, created) = start_on(&db, Some(ADMIN));
    assert_eq!(created, None);
    assert_eq!(get(&base, "/api/v1/rounds", ADMIN).await.status(), 200);
    assert_error(
        get(&base, "/api/v1/rounds", "kp_other").await,
        401,
        "unauthenticated",
    )
    .await;
    handle.stop(true).await;
    // started again without it: an admin token exists, so none is made, and it still works
    let (base, handle, created) = start_on(&db, None);
    assert_eq!(created, None);
    assert_eq!(get(&base, "/api/v1/rounds", ADMIN).await.status(), 200);
    handle.stop(true).await;
});

on_both_db!(cli_migrates_and_creates_a_working_token_offline, |db| {
    let url = db.url();
    let out = kaoping(&["migrate", "--database-url", &url]);
    assert!(out.status.success(), "{out:?}");
    let first = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(first.contains("migration(s) applied"), "{first}");
    assert!(
        !first.starts_with("0 "),
        "a fresh database gets its migrations: {first}"
    );
    let out = kaoping(&["migrate", "--database-url", &url]);
    assert!(out.status.success(), "{out:?}");
    let again = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        again.starts_with("0 migration(s)"),
        "nothing left to apply: {again}"
    );

    let out = kaoping(&[
        "token",
        "create",
        "--role",
        "reviewer",
        "--database-url",
        &url,
    ]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let reviewer = stdout.lines().next().expect("a line").trim().to_string();
    assert!(reviewer.len() >= 32, "{stdout}");

    let (base, handle, _) = start_on(&db, Some(ADMIN));
    assert_eq!(get(&base, "/api/v1/rounds", &reviewer).await.status(), 200);
    // it is a reviewer token, not an admin one
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/tokens"))
        .bearer_auth(&reviewer)
        .json(&json!({ "role": "viewer" }))
        .send()
        .await
        .expect("sent");
    assert_error(r, 403, "forbidden").await;
    // a department token for a department registered over HTTP
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/departments"))
        .bearer_auth(ADMIN)
        .json(&json!({ "code": JUNSHAN_CODE, "name": "岳阳市君山区数据局", "category": "县区" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 201);
    let out = kaoping(&[
        "token",
        "create",
        "--role",
        "department",
        "--department",
        JUNSHAN_CODE,
        "--database-url",
        &url,
    ]);
    assert!(out.status.success(), "{out:?}");
    let dept = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .expect("a line")
        .trim()
        .to_string();
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{base}/api/v1/rounds"))
        .bearer_auth(ADMIN)
        .json(
            &json!({ "year": 2024, "title": "2024年度考核", "deadline": AHEAD,
                       "rubric": "yueyang-2024", "departments": [JUNSHAN_CODE] }),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 201);
    let round = body(r).await["id"].as_i64().expect("round id");
    // the department token submits for its department
    let r = client
        .post(format!("{base}{}", submissions_path(round)))
        .bearer_auth(&dept)
        .header("content-type", "application/json")
        .body(JUNSHAN)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 201);
    assert_eq!(body(r).await["submission"]["department"], JUNSHAN_CODE);
    handle.stop(true).await;
});

on_both_db!(cli_department_token_needs_a_department, |db| {
    let url = db.url();
    let out = kaoping(&[
        "token",
        "create",
        "--role",
        "department",
        "--database-url",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.contains("department"), "{stderr}");
    assert!(out.stdout.is_empty(), "no token printed: {out:?}");
    // nor for an unknown one
    let out = kaoping(&[
        "token",
        "create",
        "--role",
        "department",
        "--department",
        "999",
        "--database-url",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
    assert!(out.stdout.is_empty(), "no token printed: {out:?}");
});

/// The error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        line.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    line
}

async fn revoked_configured_token_stays_revoked(db: TestDb) {
    let (base, handle, _) = start_on(&db, Some(ADMIN));
    // the configured token was the first one made: it revokes itself
    let r = reqwest::Client::new()
        .delete(format!("{base}/api/v1/tokens/1"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 204);
    assert_error(
        get(&base, "/api/v1/rounds", ADMIN).await,
        401,
        "unauthenticated",
    )
    .await;
    handle.stop(true).await;

    // restarted with the same KAOPING_ADMIN_TOKEN: it must not come back to life, and a refusal
    // to start must say why rather than report a storage failure
    let mut config = kaoping::server::ServerConfig::new("127.0.0.1:0", &db.url());
    config.admin_token = Some(ADMIN.to_string());
    match kaoping::server::start(&config) {
        Ok(running) => {
            let handle = running.server.handle();
            let base = format!("http://{}", running.addr);
            actix_web::rt::spawn(running.server);
            assert_error(
                get(&base, "/api/v1/rounds", ADMIN).await,
                401,
                "unauthenticated",
            )
            .await;
            handle.stop(true).await;
        }
        Err(e) => {
            let line = chain(&e);
            assert!(line.contains("revoked"), "{line}");
            assert!(!line.contains("storage failed"), "{line}");
        }
    }
}

mod a_revoked_admin_token_from_the_configuration_stays_revoked {
    use super::*;

    #[actix_rt::test]
    async fn sqlite() {
        revoked_configured_token_stays_revoked(TestDb::create(Backend::Sqlite).expect("db")).await;
    }

    #[actix_rt::test]
    async fn postgres() {
        if let Some(db) = TestDb::create(Backend::Postgres) {
            revoked_configured_token_stays_revoked(db).await;
        }
    }
}
