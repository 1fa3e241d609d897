//! The REST service end to end over HTTP, on SQLite and PostgreSQL.

use crate::support;

use serde_json::json;
use support::*;

on_both!(submission_is_scored_at_once, |app| {
    let dept = app.department("430611001", "岳阳市君山区数据局").await;
    let round = app.round("2025-05-10", &["430611001"]).await;
    let r = app
        .post_raw(
            &format!("/api/v1/rounds/{round}/submissions"),
            &dept,
            JUNSHAN,
            &[],
        )
        .await;
    assert_eq!(r.status(), 201);
    let v = body(r).await;
    assert_eq!(v["submission"]["seq"], 1);
    assert_eq!(v["submission"]["current"], true);
    assert_eq!(v["submission"]["department"], "430611001");
    assert_eq!(v["score_sheet"]["rubric"], "yueyang-2024");
    let body_item = v["score_sheet"]["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == "body_complete"))
        .cloned();
    assert_eq!(body_item.expect("item")["score"], "8");
    // the stored sheet is the one returned
    let sheet = body(
        app.get(
            &format!("/api/v1/rounds/{round}/departments/430611001/score-sheet"),
            Some(&dept),
        )
        .await,
    )
    .await;
    assert_eq!(sheet, v["score_sheet"]);
    app.stop().await;
});

on_both!(health_and_readiness, |app| {
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    assert_eq!(app.get("/readyz", None).await.status(), 200);
    app.stop().await;
});

on_both!(unknown_route_and_method_use_the_envelope, |app| {
    assert_error(
        app.get("/api/v1/nothing-here", Some(ADMIN)).await,
        404,
        "route_not_found",
    )
    .await;
    let r = app
        .call(reqwest::Method::DELETE, "/api/v1/rounds", Some(ADMIN), None)
        .await;
    assert_error(r, 405, "method_not_allowed").await;
    app.stop().await;
});

on_both!(no_token_is_401_and_bad_token_is_401, |app| {
    assert_error(
        app.get("/api/v1/rounds", None).await,
        401,
        "unauthenticated",
    )
    .await;
    assert_error(
        app.get("/api/v1/rounds", Some("kp_wrong")).await,
        401,
        "unauthenticated",
    )
    .await;
    let r = app
        .post(
            "/api/v1/departments",
            None,
            json!({ "code": "1", "name": "x", "category": "县区" }),
        )
        .await;
    assert_error(r, 401, "unauthenticated").await;
    app.stop().await;
});
