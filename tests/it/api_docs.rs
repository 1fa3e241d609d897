//! The API description as a tested artifact, Swagger UI served from the binary with nothing
//! loaded from the internet, request ids, and the metrics.

use crate::support;

use std::path::PathBuf;

use support::*;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json")
}

/// Fails when openapi/openapi.json differs from what the code generates. To accept a change:
/// `UPDATE_OPENAPI=1 cargo test --test it api_docs`.
#[test]
fn committed_openapi_matches_the_code() {
    let generated = kaoping::api::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(committed_path(), &generated).expect("write openapi/openapi.json");
    }
    let committed =
        std::fs::read_to_string(committed_path()).expect("openapi/openapi.json is committed");
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run UPDATE_OPENAPI=1 cargo test --test it api_docs and commit it"
    );
    let v: serde_json::Value = serde_json::from_str(&committed).expect("json");
    assert!(
        v["openapi"].as_str().is_some_and(|s| s.starts_with("3.1")),
        "OpenAPI 3.1"
    );
    for path in [
        "/api/v1/departments",
        "/api/v1/rounds",
        "/api/v1/rounds/{id}",
        "/api/v1/rounds/{id}/close",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/rounds/{id}/submissions",
        "/api/v1/rounds/{id}/departments/{code}/score-sheet",
        "/api/v1/rounds/{id}/departments/{code}/submissions",
        "/healthz",
        "/readyz",
    ] {
        assert!(v["paths"][path].is_object(), "{path} is described");
    }
    for schema in [
        "Package",
        "ScoreSheet",
        "ErrorEnvelope",
        "Round",
        "SubmitResponse",
    ] {
        assert!(
            v["components"]["schemas"][schema].is_object(),
            "schema {schema}"
        );
    }
}

#[actix_rt::test]
async fn served_openapi_is_the_committed_one() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let served = body(app.get("/api/v1/openapi.json", None).await).await;
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(committed_path()).expect("committed"))
            .expect("json");
    assert_eq!(served, committed);
    app.stop().await;
}

/// Every URL in a page or script that points off this server.
fn external_urls(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for scheme in ["http://", "https://", "//cdn", "//unpkg", "//fonts."] {
        for (at, _) in text.match_indices(scheme) {
            let url: String = text[at..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !"\"'`)".contains(*c))
                .collect();
            // the OpenAPI/Swagger licence and spec links inside comments are text, not loads;
            // anything the page would fetch is a src/href/url
            let before = &text[at.saturating_sub(12)..at];
            if before.contains("src=")
                || before.contains("href=")
                || before.contains("url")
                || before.contains("import")
            {
                found.push(url);
            }
        }
    }
    found
}

#[actix_rt::test]
async fn swagger_ui_loads_nothing_from_the_internet() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let r = app.get("/docs/", None).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("swagger"), "{html}");
    assert!(
        external_urls(&html).is_empty(),
        "{:?}",
        external_urls(&html)
    );
    // every asset the page names is served by this binary
    let assets: Vec<String> = html
        .split(['"', '\''])
        .filter(|s| s.ends_with(".js") || s.ends_with(".css") || s.ends_with(".png"))
        .map(|s| s.trim_start_matches("./").to_string())
        .collect();
    assert!(!assets.is_empty(), "{html}");
    for asset in &assets {
        let r = app.get(&format!("/docs/{asset}"), None).await;
        assert_eq!(r.status(), 200, "{asset}");
        let text = r.text().await.unwrap_or_default();
        if asset.contains("initializer") {
            assert!(text.contains("/api/v1/openapi.json"), "{text}");
            assert!(
                text.contains("\"validatorUrl\": \"none\"")
                    || text.contains("validatorUrl\":\"none"),
                "{text}"
            );
            assert!(
                external_urls(&text).is_empty(),
                "{:?}",
                external_urls(&text)
            );
        }
    }
    app.stop().await;
}

#[actix_rt::test]
async fn request_id_is_returned_and_a_sane_one_is_kept() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let r = app.get("/healthz", None).await;
    let id = r
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(id.len(), 16, "{id}");
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("abc-123")
    );
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .header("X-Request-Id", "bad id\u{7f}")
        .send()
        .await;
    if let Ok(r) = r {
        assert_ne!(
            r.headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok()),
            Some("bad id\u{7f}")
        );
    }
    app.stop().await;
}

on_both!(metrics_need_an_admin_and_count_requests, |app| {
    let dept = app.department("430611001", "岳阳市君山区数据局").await;
    let round = app.round("2026-12-31", &["430611001"]).await;
    let r = app
        .post_raw(
            &format!("/api/v1/rounds/{round}/submissions"),
            &dept,
            JUNSHAN,
            &[],
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_error(app.get("/metrics", None).await, 401, "unauthenticated").await;
    assert_error(app.get("/metrics", Some(&dept)).await, 403, "forbidden").await;
    let r = app.get("/metrics", Some(ADMIN)).await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("text");
    assert!(
        text.contains("kaoping_http_requests_total{route=\"/api/v1/rounds/{id}/submissions\",method=\"POST\",status=\"201\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("kaoping_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains("kaoping_db_pool_connections{state=\"idle\"}"),
        "{text}"
    );
    assert!(text.contains("kaoping_submissions_total 1"), "{text}");
    assert!(text.contains("kaoping_checks_total 1"), "{text}");
    app.stop().await;
});

/// The length bounds the service enforces are the `maxLength` the document states.
#[test]
fn free_text_bounds_are_documented() {
    use kaoping::service::text::{
        CODE_MAX, DESCRIPTION_MAX, NAME_MAX, REASON_MAX, SECRET_MAX, URL_MAX,
    };
    let doc: serde_json::Value =
        serde_json::from_str(&kaoping::api::openapi_json()).expect("openapi json");
    let cases: &[(&str, &str, usize)] = &[
        ("DepartmentIn", "code", CODE_MAX),
        ("DepartmentIn", "name", NAME_MAX),
        ("DepartmentIn", "category", NAME_MAX),
        ("DepartmentIn", "parent", CODE_MAX),
        ("RoundIn", "title", NAME_MAX),
        ("RoundIn", "rubric", CODE_MAX),
        ("TokenIn", "department", CODE_MAX),
        ("TokenIn", "label", NAME_MAX),
        ("ReviewerIn", "name", NAME_MAX),
        ("ReviewerIn", "department", CODE_MAX),
        ("ConflictIn", "department", CODE_MAX),
        ("ConflictIn", "reason", REASON_MAX),
        ("AssignmentIn", "department", CODE_MAX),
        ("JudgmentIn", "reason", REASON_MAX),
        ("RoundSettingsIn", "reason", REASON_MAX),
        ("AppealIn", "item", CODE_MAX),
        ("AppealIn", "reason", REASON_MAX),
        ("AppealDecisionIn", "reason", REASON_MAX),
        ("PublishIn", "reason", REASON_MAX),
        ("WebhookIn", "url", URL_MAX),
        ("WebhookIn", "secret", SECRET_MAX),
        ("WebhookIn", "description", DESCRIPTION_MAX),
    ];
    for (schema, field, max) in cases {
        let stated = &doc["components"]["schemas"][schema]["properties"][field]["maxLength"];
        assert_eq!(stated.as_u64(), Some(*max as u64), "{schema}.{field}");
    }
}
