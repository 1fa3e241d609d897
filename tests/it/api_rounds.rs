//! Departments and rounds: registration, duplicate codes, validation of a round (departments,
//! rubric, deadline), opening, reading and closing.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use reqwest::Method;
use serde_json::json;

on_both!(departments_duplicate_code_is_409, |app| {
    app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let r = app
        .post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": JUNSHAN_CODE, "name": "另一个", "category": "县区" }),
        )
        .await;
    assert_error(r, 409, "conflict").await;
    let r = app
        .post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": "bad code!", "name": "x", "category": "县区" }),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert_eq!(v["error"]["details"]["field"], "code");
    let r = app
        .post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": "child", "name": "x", "category": "县区", "parent": "nobody" }),
        )
        .await;
    assert_error(r, 404, "not_found").await;
    let list = body(app.get("/api/v1/departments", Some(ADMIN)).await).await;
    let list = list.as_array().expect("list");
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["code"], JUNSHAN_CODE);
    assert_eq!(list[0]["name"], "岳阳市君山区数据局");
    app.stop().await;
});

on_both!(round_validation, |app| {
    app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let round = |deadline: &str, rubric: &str, departments: Vec<&str>| {
        json!({ "year": 2024, "title": "2024年度考核", "deadline": deadline,
                "rubric": rubric, "departments": departments })
    };
    let r = app
        .post(
            "/api/v1/rounds",
            Some(ADMIN),
            round(AHEAD, "yueyang-2024", vec![JUNSHAN_CODE, "999"]),
        )
        .await;
    let v = assert_error(r, 404, "not_found").await;
    assert!(
        v["error"]["message"].as_str().unwrap().contains("999"),
        "{v}"
    );
    let r = app
        .post(
            "/api/v1/rounds",
            Some(ADMIN),
            round(AHEAD, "shanghai-1999", vec![JUNSHAN_CODE]),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert_eq!(v["error"]["details"]["field"], "rubric", "{v}");
    for deadline in ["2030-01-01", "1999-12-31"] {
        let r = app
            .post(
                "/api/v1/rounds",
                Some(ADMIN),
                round(deadline, "yueyang-2024", vec![JUNSHAN_CODE]),
            )
            .await;
        let v = assert_error(r, 422, "invalid_request").await;
        assert_eq!(v["error"]["details"]["field"], "deadline", "{v}");
    }
    // not a date at all
    let r = app
        .post(
            "/api/v1/rounds",
            Some(ADMIN),
            round("2026-02-30", "yueyang-2024", vec![JUNSHAN_CODE]),
        )
        .await;
    assert_error(r, 422, "invalid_request").await;
    let r = app
        .post(
            "/api/v1/rounds",
            Some(ADMIN),
            round(AHEAD, "yueyang-2024", vec![]),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert_eq!(v["error"]["details"]["field"], "departments", "{v}");
    // nothing was created
    let rounds = body(app.get("/api/v1/rounds", Some(ADMIN)).await).await;
    assert_eq!(rounds, json!([]));
    app.stop().await;
});

on_both!(rounds_open_and_close, |app| {
    app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    app.department(MILUO_CODE, "汨罗市数据局").await;
    let r = app
        .post(
            "/api/v1/rounds",
            Some(ADMIN),
            json!({ "year": 2024, "title": "2024年度考核", "deadline": AHEAD,
                    "rubric": "yueyang-2024", "departments": [MILUO_CODE, JUNSHAN_CODE] }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created = body(r).await;
    assert_eq!(created["state"], "open");
    assert_eq!(created["year"], 2024);
    assert_eq!(created["deadline"], AHEAD);
    assert_eq!(created["rubric"], "yueyang-2024");
    assert_eq!(created["departments"], json!([JUNSHAN_CODE, MILUO_CODE]));
    let id = created["id"].as_i64().expect("id");
    let got = body(app.get(&format!("/api/v1/rounds/{id}"), Some(ADMIN)).await).await;
    assert_eq!(got, created);
    let list = body(app.get("/api/v1/rounds", Some(ADMIN)).await).await;
    assert_eq!(list, json!([created]));

    let close = format!("/api/v1/rounds/{id}/close");
    // before its deadline a round closes only with a reason (提前截止), audited
    let r = app.call(Method::POST, &close, Some(ADMIN), None).await;
    let e = assert_error(r, 422, "invalid_request").await;
    assert_eq!(e["error"]["details"]["field"], "reason");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("提前截止"),
        "{e}"
    );
    let r = app
        .call(
            Method::POST,
            &close,
            Some(ADMIN),
            Some(json!({ "reason": "测试：提前截止" })),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["state"], "closed");
    let r = app.call(Method::POST, &close, Some(ADMIN), None).await;
    assert_error(r, 409, "conflict").await;
    let got = body(app.get(&format!("/api/v1/rounds/{id}"), Some(ADMIN)).await).await;
    assert_eq!(got["state"], "closed");
    let r = app
        .call(
            Method::POST,
            "/api/v1/rounds/424242/close",
            Some(ADMIN),
            None,
        )
        .await;
    assert_error(r, 404, "not_found").await;
    assert_error(
        app.get("/api/v1/rounds/424242", Some(ADMIN)).await,
        404,
        "not_found",
    )
    .await;
    app.stop().await;
});
