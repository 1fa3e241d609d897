//! The error envelope and its stable codes: malformed JSON, wrong content types, unknown fields,
//! oversized bodies, bad paths, unknown routes and methods, validation of departments and rounds.
//! Bad input is a 4xx in the envelope, never a 500.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::json;

on_both!(malformed_json_is_400_invalid_json_with_position, |app| {
    let r = app
        .client
        .post(format!("{}/api/v1/departments", app.base))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body("{\n  \"code\": \"1\",\n  \"name\": ")
        .send()
        .await
        .expect("sent");
    let v = assert_error(r, 400, "invalid_json").await;
    assert_eq!(v["error"]["details"]["line"], 3, "{v}");
    assert!(v["error"]["details"]["column"].as_u64().is_some(), "{v}");

    // the same on a submission
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let broken = &JUNSHAN[..JUNSHAN.len() / 2];
    let v = assert_error(
        submit(&app, round, &dept, broken).await,
        400,
        "invalid_json",
    )
    .await;
    assert!(
        v["error"]["details"]["line"].as_u64().unwrap_or(0) > 1,
        "{v}"
    );
    assert!(v["error"]["details"]["column"].is_u64(), "{v}");
    let v = assert_error(
        submit(&app, round, &dept, "{\"department\": }").await,
        400,
        "invalid_json",
    )
    .await;
    assert_eq!(v["error"]["details"]["line"], 1, "{v}");
    assert_eq!(v["error"]["details"]["column"], 16, "{v}");
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    app.stop().await;
});

on_both!(wrong_content_type_is_415, |app| {
    let r = app
        .client
        .post(format!("{}/api/v1/departments", app.base))
        .bearer_auth(ADMIN)
        .header("content-type", "text/plain")
        .body(r#"{"code":"1","name":"x","category":"县区"}"#)
        .send()
        .await
        .expect("sent");
    assert_error(r, 415, "unsupported_media_type").await;

    let (dept, round) = junshan_round(&app, AHEAD).await;
    for ct in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
    ] {
        let r = app
            .client
            .post(format!("{}{}", app.base, submissions_path(round)))
            .bearer_auth(&dept)
            .header("content-type", ct)
            .body(JUNSHAN)
            .send()
            .await
            .expect("sent");
        assert_error(r, 415, "unsupported_media_type").await;
    }
    // no content type at all
    let r = app
        .client
        .post(format!("{}{}", app.base, submissions_path(round)))
        .bearer_auth(&dept)
        .body(JUNSHAN)
        .send()
        .await
        .expect("sent");
    assert_error(r, 415, "unsupported_media_type").await;
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    app.stop().await;
});

on_both!(unknown_fields_are_422_naming_the_field, |app| {
    let r = app
        .post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": "1", "name": "x", "category": "县区", "colour": "red" }),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert!(
        v["error"]["message"].as_str().unwrap().contains("colour"),
        "{v}"
    );

    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "viewer", "scope": "all" }),
        )
        .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert!(
        v["error"]["message"].as_str().unwrap().contains("scope"),
        "{v}"
    );

    let (dept, round) = junshan_round(&app, AHEAD).await;
    let pkg = edited(JUNSHAN, |p| p["reviewer_note"] = json!("好"));
    let v = assert_error(
        submit(&app, round, &dept, &pkg).await,
        422,
        "invalid_request",
    )
    .await;
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("reviewer_note"),
        "{v}"
    );
    // deep inside the report too
    let pkg = edited(JUNSHAN, |p| {
        p["report"]["department_table"]["stamp"] = json!(true)
    });
    let v = assert_error(
        submit(&app, round, &dept, &pkg).await,
        422,
        "invalid_request",
    )
    .await;
    assert!(
        v["error"]["message"].as_str().unwrap().contains("stamp"),
        "{v}"
    );
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    app.stop().await;
});

on_both!(amounts_given_as_json_numbers_are_refused, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    // "1885.44" → 1885.44
    let pkg = edited(JUNSHAN, |p| {
        p["report"]["department_table"]["funds"][0]["executed"] = json!(1885.44)
    });
    assert_error(
        submit(&app, round, &dept, &pkg).await,
        422,
        "invalid_request",
    )
    .await;
    // an integer is refused as well
    let pkg = edited(JUNSHAN, |p| {
        p["report"]["department_table"]["funds"][0]["weight"] = json!(10)
    });
    assert_error(
        submit(&app, round, &dept, &pkg).await,
        422,
        "invalid_request",
    )
    .await;
    // and inside an uploaded report
    let mut report = fixture(JUNSHAN)["report"].clone();
    report["basic_data"]["staffing"]["authorized"] = json!(20);
    let form = Form::new().part(
        "report",
        file_part(
            report.to_string().as_bytes(),
            "report.json",
            "application/json",
        ),
    );
    let v = assert_error(
        submit_form(&app, round, &dept, form, &[]).await,
        422,
        "invalid_request",
    )
    .await;
    assert_eq!(v["error"]["details"]["field"], "report", "{v}");
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    // the same package with the amount as a string is accepted
    let pkg = edited(JUNSHAN, |p| {
        p["report"]["department_table"]["funds"][0]["executed"] = json!("1885.44")
    });
    submit_ok(&app, round, &dept, &pkg).await;
    app.stop().await;
});

/// A server whose body limit is 2000 bytes.
async fn small_limit(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |c| c.api.max_body_bytes = 2000).await
}

async fn payload_too_large(app: TestApp) {
    // JSON to an extractor-based route
    let r = app
        .post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": "big", "name": "名".repeat(2000), "category": "县区" }),
        )
        .await;
    assert_error(r, 413, "payload_too_large").await;

    let (dept, round) = junshan_round(&app, AHEAD).await;
    // a JSON package (~25 kB)
    assert_error(
        submit(&app, round, &dept, JUNSHAN).await,
        413,
        "payload_too_large",
    )
    .await;
    // a multipart upload: the report alone is over the limit
    let form = Form::new().part("report", report_part(JUNSHAN));
    let r = submit_form(&app, round, &dept, form, &[]).await;
    assert_error(r, 413, "payload_too_large").await;
    // small parts adding up to more than the limit
    let mut form = Form::new();
    for i in 0..5 {
        form = form.part(
            "evidence",
            file_part(
                &[b'x'; 600],
                &format!("e{i}.bin"),
                "application/octet-stream",
            ),
        );
    }
    let r = submit_form(&app, round, &dept, form, &[]).await;
    assert_error(r, 413, "payload_too_large").await;
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    // a body under the limit still works
    let r = app
        .post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": "small", "name": "小", "category": "县区" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    app.stop().await;
}

mod payload_over_the_limit_is_413 {
    use super::*;

    #[actix_rt::test]
    async fn sqlite() {
        payload_too_large(small_limit(Backend::Sqlite).await.expect("app")).await;
    }

    #[actix_rt::test]
    async fn postgres() {
        if let Some(app) = small_limit(Backend::Postgres).await {
            payload_too_large(app).await;
        }
    }
}

on_both!(non_numeric_ids_in_the_path_are_400_invalid_path, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    assert_error(
        app.get("/api/v1/rounds/abc", Some(ADMIN)).await,
        400,
        "invalid_path",
    )
    .await;
    assert_error(
        app.get("/api/v1/rounds/99999999999999999999", Some(ADMIN))
            .await,
        400,
        "invalid_path",
    )
    .await;
    let r = app
        .call(Method::POST, "/api/v1/rounds/1.5/close", Some(ADMIN), None)
        .await;
    assert_error(r, 400, "invalid_path").await;
    let r = app
        .post_raw("/api/v1/rounds/first/submissions", &dept, JUNSHAN, &[])
        .await;
    assert_error(r, 400, "invalid_path").await;
    let r = app
        .get(
            "/api/v1/rounds/x/departments/430611001/score-sheet",
            Some(ADMIN),
        )
        .await;
    assert_error(r, 400, "invalid_path").await;
    let r = app
        .get(&dept_path(round, JUNSHAN_CODE, "evidence/abc"), Some(ADMIN))
        .await;
    assert_error(r, 400, "invalid_path").await;
    let r = app
        .call(Method::DELETE, "/api/v1/tokens/me", Some(ADMIN), None)
        .await;
    assert_error(r, 400, "invalid_path").await;
    // a number that names nothing is 404
    assert_error(
        app.get("/api/v1/rounds/-1", Some(ADMIN)).await,
        404,
        "not_found",
    )
    .await;
    app.stop().await;
});

on_both!(unknown_routes_and_methods, |app| {
    for path in [
        "/api/v2/rounds",
        "/api/v1/round",
        "/api/v1/rounds/1/unpublish",
        "/",
    ] {
        let r = app.get(path, Some(ADMIN)).await;
        let v = assert_error(r, 404, "route_not_found").await;
        assert!(
            v["error"]["message"].as_str().unwrap().contains(path),
            "{v}"
        );
    }
    for (method, path) in [
        (Method::GET, "/api/v1/tokens"),
        (Method::PUT, "/api/v1/departments"),
        (Method::PUT, "/api/v1/rounds/1"),
        (Method::GET, "/api/v1/rounds/1/close"),
        (Method::GET, "/api/v1/rounds/1/submissions"),
        (Method::DELETE, "/api/v1/rounds/1/departments/x/score-sheet"),
        (Method::POST, "/api/v1/rounds/1/departments/x/evidence/1"),
    ] {
        let r = app.call(method.clone(), path, Some(ADMIN), None).await;
        let v = assert_error(r, 405, "method_not_allowed").await;
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains(method.as_str()),
            "{v}"
        );
    }
    app.stop().await;
});

on_both!(bad_submission_bodies_are_4xx_never_500, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("null", b"null".to_vec()),
        ("array", b"[]".to_vec()),
        ("string", b"\"package\"".to_vec()),
        ("not utf-8", vec![0xff, 0xfe, 0x7b, 0x7d]),
        ("deep nesting", deep.into_bytes()),
        ("missing department", br#"{"year": 2024}"#.to_vec()),
        (
            "wrong types",
            br#"{"department": {"name": 1, "level": "county"}, "year": "2024"}"#.to_vec(),
        ),
        (
            "unknown level",
            br#"{"department": {"name": "x", "level": "province"}, "year": 2024}"#.to_vec(),
        ),
        ("trailing garbage", format!("{JUNSHAN} x").into_bytes()),
        ("BOM", format!("\u{feff}{JUNSHAN}").into_bytes()),
    ];
    for (what, bytes) in bodies {
        let r = app
            .client
            .post(format!("{}{}", app.base, submissions_path(round)))
            .bearer_auth(&dept)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .expect("sent");
        assert_client_error(r, what).await;
    }
    // multipart that is not what it says
    for (what, ct, bytes) in [
        ("no boundary", "multipart/form-data", b"--x\r\n".to_vec()),
        (
            "broken body",
            "multipart/form-data; boundary=XYZ",
            b"--XYZ\r\nContent-Disposition: form-data\r\n\r\nabc".to_vec(),
        ),
        (
            "empty form",
            "multipart/form-data; boundary=XYZ",
            b"--XYZ--\r\n".to_vec(),
        ),
        // a body that ends inside a part, after its line end or in the next delimiter: found by
        // the multipart fuzz target, never answered before actix-multipart 0.8
        (
            "body ends after a line end",
            "multipart/form-data; boundary=XYZ",
            b"--XYZ\r\nContent-Disposition: form-data; name=\"report\"; filename=\"a.txt\"\r\n\r\nabc\r\n"
                .to_vec(),
        ),
        (
            "body ends in a delimiter",
            "multipart/form-data; boundary=XYZ",
            b"--XYZ\r\nContent-Disposition: form-data; name=\"report\"; filename=\"a.txt\"\r\n\r\nabc\r\n--XY"
                .to_vec(),
        ),
    ] {
        let send = app
            .client
            .post(format!("{}{}", app.base, submissions_path(round)))
            .bearer_auth(&dept)
            .header("content-type", ct)
            .body(bytes)
            .send();
        let r = actix_rt::time::timeout(std::time::Duration::from_secs(20), send)
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer in 20 s"))
            .expect("sent");
        assert_client_error(r, what).await;
    }
    // bad idempotency keys
    let long = "k".repeat(201);
    for key in ["", long.as_str()] {
        let r = app
            .post_raw(
                &submissions_path(round),
                &dept,
                JUNSHAN,
                &[("Idempotency-Key", key)],
            )
            .await;
        let v = assert_error(r, 422, "invalid_request").await;
        assert_eq!(v["error"]["details"]["field"], "Idempotency-Key", "{v}");
    }
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    app.stop().await;
});

on_both!(
    a_caller_who_may_never_write_hears_403_before_any_word_on_its_body,
    |app| {
        let viewer = app.token("viewer").await;
        let reviewer = app.token("reviewer").await;
        for (path, token) in [
            ("/api/v1/rounds", &viewer),
            ("/api/v1/departments", &viewer),
            ("/api/v1/rounds", &reviewer),
            ("/api/v1/webhooks", &reviewer),
        ] {
            let r = app
                .post(path, Some(token), json!({ "not": "what this route takes" }))
                .await;
            assert_error(r, 403, "forbidden").await;
        }
        // an admin with the same body is told what is wrong with it
        let r = app
            .post(
                "/api/v1/rounds",
                Some(ADMIN),
                json!({ "not": "what this route takes" }),
            )
            .await;
        assert_eq!(r.status().as_u16(), 422);
        app.stop().await;
    }
);

on_both!(
    automatic_assignment_takes_an_object_null_or_no_body,
    |app| {
        app.department("430611001", "岳阳市君山区数据局").await;
        let round = app.round("2026-12-20", &["430611001"]).await;
        for bad in ["[]", "[2]", "2", "\"x\""] {
            let r = app
                .client
                .post(format!(
                    "{}/api/v1/rounds/{round}/assignments/auto",
                    app.base
                ))
                .bearer_auth(ADMIN)
                .header("content-type", "application/json")
                .body(bad)
                .send()
                .await
                .expect("send");
            assert_error(r, 422, "invalid_request").await;
        }
        app.stop().await;
    }
);
