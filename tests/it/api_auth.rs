//! Who may do what: tokens and roles, department-bound tokens, visibility of rounds, score sheets,
//! histories and evidence before publication, revocation, tokens stored hashed.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use diesel::{Connection, RunQueryDsl};
use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::json;

on_both!(admin_token_from_the_configuration_works, |app| {
    let r = app.get("/api/v1/rounds", Some(ADMIN)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await, json!([]));
    // the scheme is case-insensitive, as HTTP says; a token without a scheme is not accepted
    let r = app
        .client
        .get(format!("{}/api/v1/rounds", app.base))
        .header("authorization", format!("bearer {ADMIN}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .get(format!("{}/api/v1/rounds", app.base))
        .header("authorization", ADMIN)
        .send()
        .await
        .expect("sent");
    assert_error(r, 401, "unauthenticated").await;
    let r = app
        .client
        .get(format!("{}/api/v1/rounds", app.base))
        .basic_auth("admin", Some(ADMIN))
        .send()
        .await
        .expect("sent");
    assert_error(r, 401, "unauthenticated").await;
    app.stop().await;
});

on_both!(every_route_needs_a_token, |app| {
    let s = scene(&app).await;
    let round = s.round;
    let gets = [
        "/api/v1/departments".to_string(),
        "/api/v1/rounds".to_string(),
        format!("/api/v1/rounds/{round}"),
        dept_path(round, JUNSHAN_CODE, "score-sheet"),
        dept_path(round, JUNSHAN_CODE, "submissions"),
        s.evidence_url.clone(),
        "/metrics".to_string(),
    ];
    for path in &gets {
        assert_error(app.get(path, None).await, 401, "unauthenticated").await;
    }
    let posts = [
        ("/api/v1/tokens".to_string(), json!({ "role": "viewer" })),
        (
            "/api/v1/rounds".to_string(),
            json!({ "year": 2024, "title": "t", "deadline": AHEAD,
                    "rubric": "yueyang-2024", "departments": [JUNSHAN_CODE] }),
        ),
        (format!("/api/v1/rounds/{round}/close"), json!({})),
        (submissions_path(round), fixture(JUNSHAN)),
    ];
    for (path, b) in posts {
        assert_error(app.post(&path, None, b).await, 401, "unauthenticated").await;
    }
    let r = app
        .call(Method::DELETE, "/api/v1/tokens/1", None, None)
        .await;
    assert_error(r, 401, "unauthenticated").await;
    // nothing changed
    assert_eq!(history(&app, round, JUNSHAN_CODE).await.len(), 1);
    let got = body(
        app.get(&format!("/api/v1/rounds/{round}"), Some(ADMIN))
            .await,
    )
    .await;
    assert_eq!(got["state"], "open");
    app.stop().await;
});

on_both!(only_admins_manage_departments_rounds_and_tokens, |app| {
    let s = scene(&app).await;
    let reviewer = app.token("reviewer").await;
    let viewer = app.token("viewer").await;
    for token in [&reviewer, &viewer, &s.junshan] {
        let r = app
            .post(
                "/api/v1/departments",
                Some(token),
                json!({ "code": "1", "name": "x", "category": "县区" }),
            )
            .await;
        assert_error(r, 403, "forbidden").await;
        let r = app
            .post("/api/v1/tokens", Some(token), json!({ "role": "admin" }))
            .await;
        assert_error(r, 403, "forbidden").await;
        let r = app
            .post(
                "/api/v1/rounds",
                Some(token),
                json!({ "year": 2024, "title": "t", "deadline": AHEAD,
                        "rubric": "yueyang-2024", "departments": [JUNSHAN_CODE] }),
            )
            .await;
        assert_error(r, 403, "forbidden").await;
        let r = app
            .call(
                Method::POST,
                &format!("/api/v1/rounds/{}/close", s.round),
                Some(token),
                None,
            )
            .await;
        assert_error(r, 403, "forbidden").await;
        let r = app
            .call(Method::DELETE, "/api/v1/tokens/1", Some(token), None)
            .await;
        assert_error(r, 403, "forbidden").await;
        assert_error(app.get("/metrics", Some(token)).await, 403, "forbidden").await;
    }
    // nothing changed: one department list, one open round, the admin token still works
    let depts = body(app.get("/api/v1/departments", Some(ADMIN)).await).await;
    assert_eq!(depts.as_array().map(Vec::len), Some(2));
    let rounds = body(app.get("/api/v1/rounds", Some(ADMIN)).await).await;
    assert_eq!(rounds.as_array().map(Vec::len), Some(1));
    assert_eq!(rounds[0]["state"], "open");
    app.stop().await;
});

on_both!(only_departments_submit, |app| {
    let (_, round) = junshan_round(&app, AHEAD).await;
    let reviewer = app.token("reviewer").await;
    let viewer = app.token("viewer").await;
    for token in [ADMIN, reviewer.as_str(), viewer.as_str()] {
        assert_error(submit(&app, round, token, JUNSHAN).await, 403, "forbidden").await;
        let form = Form::new().part("report", report_part(JUNSHAN));
        assert_error(
            submit_form(&app, round, token, form, &[]).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    app.stop().await;
});

on_both!(tokens_are_issued_once_with_their_binding, |app| {
    app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let t = issue(&app, "department", Some(JUNSHAN_CODE)).await;
    assert_eq!(t["role"], "department");
    assert_eq!(t["department"], JUNSHAN_CODE);
    assert!(t["id"].is_i64());
    let token = t["token"].as_str().expect("token");
    assert!(token.len() >= 32, "{token}");
    let other = issue(&app, "department", Some(JUNSHAN_CODE)).await;
    assert_ne!(other["token"], t["token"]);
    let viewer = issue(&app, "viewer", None).await;
    assert_eq!(viewer["role"], "viewer");
    assert_eq!(viewer["department"], json!(null));

    // a department token needs an existing department; the other roles take none
    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "department" }),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert_eq!(v["error"]["details"]["field"], "department");
    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "department", "department": "999" }),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert_eq!(v["error"]["details"]["field"], "department");
    // a reviewer token without a reviewer registers one, belonging to the department given
    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "reviewer", "department": JUNSHAN_CODE, "label": "张三" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v = body(r).await;
    assert!(v["reviewer"].is_i64(), "{v}");
    assert_eq!(v["department"], JUNSHAN_CODE);
    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "reviewer", "department": "999" }),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert_eq!(v["error"]["details"]["field"], "department");
    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "viewer", "reviewer": 1 }),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert_eq!(v["error"]["details"]["field"], "reviewer");
    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "superuser" }),
        )
        .await;
    assert_error(r, 422, "invalid_request").await;
    // the token is never shown again: there is no listing
    let r = app.get("/api/v1/tokens", Some(ADMIN)).await;
    assert_error(r, 405, "method_not_allowed").await;
    app.stop().await;
});

#[derive(diesel::QueryableByName)]
struct TokenHash {
    #[diesel(sql_type = diesel::sql_types::Text)]
    token_hash: String,
}

/// Every stored token column of the database, read directly.
fn stored_token_hashes(db: &TestDb) -> Vec<String> {
    let q = "SELECT token_hash FROM tokens";
    let rows: Vec<TokenHash> = match db {
        TestDb::Sqlite(path) => {
            let mut c = diesel::SqliteConnection::establish(&path.display().to_string())
                .expect("open sqlite");
            diesel::sql_query(q).load(&mut c).expect("query")
        }
        TestDb::Postgres { .. } => {
            let mut c = diesel::PgConnection::establish(&db.url()).expect("open pg");
            diesel::sql_query(q).load(&mut c).expect("query")
        }
    };
    rows.into_iter().map(|r| r.token_hash).collect()
}

on_both!(tokens_are_stored_hashed, |app| {
    app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let issued = [
        issue(&app, "department", Some(JUNSHAN_CODE)).await,
        issue(&app, "reviewer", None).await,
    ];
    let hashes = stored_token_hashes(&app.db);
    // the configured admin token, the one `department` issued and the two issued here
    assert_eq!(hashes.len(), 4, "{hashes:?}");
    let mut plain: Vec<String> = issued
        .iter()
        .map(|t| t["token"].as_str().expect("token").to_string())
        .collect();
    plain.push(ADMIN.to_string());
    for token in &plain {
        assert!(
            !hashes.iter().any(|h| h.contains(token.as_str())),
            "the token itself is stored"
        );
        assert!(
            hashes.contains(&sha256_hex(token.as_bytes())),
            "no SHA-256 of {token} in {hashes:?}"
        );
    }
    app.stop().await;
});

on_both!(revoked_token_is_401, |app| {
    let (_, round) = junshan_round(&app, AHEAD).await;
    let t = issue(&app, "department", Some(JUNSHAN_CODE)).await;
    let (id, token) = (t["id"].as_i64().unwrap(), t["token"].as_str().unwrap());
    let reviewer = app.token("reviewer").await;
    assert_eq!(app.get("/api/v1/rounds", Some(token)).await.status(), 200);

    let path = format!("/api/v1/tokens/{id}");
    let r = app.call(Method::DELETE, &path, Some(ADMIN), None).await;
    assert_eq!(r.status(), 204);
    assert_error(
        app.get("/api/v1/rounds", Some(token)).await,
        401,
        "unauthenticated",
    )
    .await;
    assert_error(
        submit(&app, round, token, JUNSHAN).await,
        401,
        "unauthenticated",
    )
    .await;
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    // revoking twice, or what does not exist, is 404
    let r = app.call(Method::DELETE, &path, Some(ADMIN), None).await;
    assert_error(r, 404, "not_found").await;
    let r = app
        .call(Method::DELETE, "/api/v1/tokens/424242", Some(ADMIN), None)
        .await;
    assert_error(r, 404, "not_found").await;
    // other tokens live on
    assert_eq!(
        app.get("/api/v1/rounds", Some(&reviewer)).await.status(),
        200
    );
    app.stop().await;
});
