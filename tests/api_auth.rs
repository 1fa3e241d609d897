//! Who may do what: tokens and roles, department-bound tokens, visibility of rounds, score sheets,
//! histories and evidence before publication, revocation, tokens stored hashed.

mod support;
use support::*;

mod api_helpers;
use api_helpers::*;

use diesel::{Connection, RunQueryDsl};
use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::json;

/// A round with 君山 and 汨罗 in it, 君山 having submitted once with one evidence file.
struct Scene {
    round: i64,
    junshan: String,
    miluo: String,
    evidence_url: String,
}

async fn scene(app: &TestApp) -> Scene {
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
    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "reviewer", "department": JUNSHAN_CODE }),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert_eq!(v["error"]["details"]["field"], "department");
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

on_both!(a_department_sees_only_its_rounds, |app| {
    let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let miluo = app.department(MILUO_CODE, "汨罗市数据局").await;
    let both = app.round(AHEAD, &[JUNSHAN_CODE, MILUO_CODE]).await;
    let only_miluo = app.round(AHEAD, &[MILUO_CODE]).await;
    let ids = |v: serde_json::Value| -> Vec<i64> {
        let mut ids: Vec<i64> = v
            .as_array()
            .expect("list")
            .iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect();
        ids.sort_unstable();
        ids
    };
    let seen = ids(body(app.get("/api/v1/rounds", Some(&junshan)).await).await);
    assert_eq!(seen, vec![both]);
    let seen = ids(body(app.get("/api/v1/rounds", Some(&miluo)).await).await);
    assert_eq!(seen, vec![both, only_miluo]);
    for token in [
        ADMIN.to_string(),
        app.token("reviewer").await,
        app.token("viewer").await,
    ] {
        let seen = ids(body(app.get("/api/v1/rounds", Some(&token)).await).await);
        assert_eq!(seen, vec![both, only_miluo]);
    }
    let r = app
        .get(&format!("/api/v1/rounds/{only_miluo}"), Some(&junshan))
        .await;
    assert_error(r, 404, "not_found").await;
    let r = app
        .get(&format!("/api/v1/rounds/{both}"), Some(&junshan))
        .await;
    assert_eq!(r.status(), 200);
    // the hidden round's results are hidden too (404, as if it did not exist)
    let r = app
        .get(
            &dept_path(only_miluo, JUNSHAN_CODE, "score-sheet"),
            Some(&junshan),
        )
        .await;
    assert_error(r, 404, "not_found").await;
    // submitting to a round the department is not in is forbidden
    let r = submit(&app, only_miluo, &junshan, JUNSHAN).await;
    assert_error(r, 403, "forbidden").await;
    assert!(history(&app, only_miluo, MILUO_CODE).await.is_empty());
    app.stop().await;
});

on_both!(
    results_are_hidden_from_other_departments_and_viewers,
    |app| {
        let s = scene(&app).await;
        let sheet = dept_path(s.round, JUNSHAN_CODE, "score-sheet");
        let hist = dept_path(s.round, JUNSHAN_CODE, "submissions");
        let viewer = app.token("viewer").await;
        for (who, token) in [("汨罗", &s.miluo), ("viewer", &viewer)] {
            for path in [&sheet, &hist, &s.evidence_url] {
                let r = app.get(path, Some(token)).await;
                let v = assert_error(r, 403, "forbidden").await;
                let text = v.to_string();
                assert!(
                    !text.contains("score_sheet") && !text.contains("items"),
                    "{who}: {v}"
                );
            }
        }
        // the viewer does not see 汨罗's (empty) results either
        let r = app
            .get(
                &dept_path(s.round, MILUO_CODE, "submissions"),
                Some(&viewer),
            )
            .await;
        assert_error(r, 403, "forbidden").await;
        // the department itself, reviewers and admins do
        let reviewer = app.token("reviewer").await;
        for token in [&s.junshan, &reviewer, &ADMIN.to_string()] {
            for path in [&sheet, &hist, &s.evidence_url] {
                let r = app.get(path, Some(token)).await;
                assert_eq!(r.status(), 200, "{path}");
            }
        }
        let own = body(app.get(&hist, Some(&s.junshan)).await).await;
        assert_eq!(own.as_array().map(Vec::len), Some(1));
        app.stop().await;
    }
);

on_both!(a_department_submits_only_for_itself, |app| {
    let s = scene(&app).await;
    // 汨罗's token with 君山's package
    let r = submit(&app, s.round, &s.miluo, JUNSHAN).await;
    assert_error(r, 403, "forbidden").await;
    // 君山's token with 汨罗's package
    let r = submit(&app, s.round, &s.junshan, MILUO).await;
    assert_error(r, 403, "forbidden").await;
    assert_eq!(history(&app, s.round, JUNSHAN_CODE).await.len(), 1);
    assert!(history(&app, s.round, MILUO_CODE).await.is_empty());
    // a package without a code is taken as the token's department
    let pkg = edited(MILUO, |p| p["department"]["code"] = json!(null));
    let v = submit_ok(&app, s.round, &s.miluo, &pkg).await;
    assert_eq!(v["submission"]["department"], MILUO_CODE);
    assert_eq!(history(&app, s.round, MILUO_CODE).await.len(), 1);
    assert_eq!(history(&app, s.round, JUNSHAN_CODE).await.len(), 1);
    app.stop().await;
});

on_both!(what_does_not_exist_is_404, |app| {
    let s = scene(&app).await;
    let missing = [
        dept_path(424242, JUNSHAN_CODE, "score-sheet"),
        dept_path(424242, JUNSHAN_CODE, "submissions"),
        dept_path(s.round, "999", "score-sheet"),
        dept_path(s.round, "999", "submissions"),
        dept_path(s.round, JUNSHAN_CODE, "evidence/424242"),
        // 汨罗 takes part but has not submitted
        dept_path(s.round, MILUO_CODE, "score-sheet"),
    ];
    for path in &missing {
        assert_error(app.get(path, Some(ADMIN)).await, 404, "not_found").await;
    }
    // 君山's evidence asked for under 汨罗's path
    let id = s.evidence_url.rsplit('/').next().unwrap();
    let r = app
        .get(
            &dept_path(s.round, MILUO_CODE, &format!("evidence/{id}")),
            Some(&s.miluo),
        )
        .await;
    assert_error(r, 404, "not_found").await;
    // a submission to a round that does not exist
    let r = submit(&app, 424242, &s.junshan, JUNSHAN).await;
    assert_error(r, 404, "not_found").await;
    // 汨罗 has no submissions yet: an empty history, not an error
    let r = app
        .get(
            &dept_path(s.round, MILUO_CODE, "submissions"),
            Some(&s.miluo),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await, json!([]));
    app.stop().await;
});
