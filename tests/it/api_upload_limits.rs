//! Uploads (issue 8): evidence of submissions and appeals is limited in type (nothing a browser
//! would render or run is stored, since evidence is served back with its type) and in size (the
//! body limit holds for appeal uploads as for submissions); a client's file name is cut to its
//! last component and only ever reaches a download as a sanitised Content-Disposition.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use reqwest::multipart::Form;
use serde_json::{json, Value};

async fn expect_ok(r: reqwest::Response, what: &str) -> Value {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    assert!((200..300).contains(&status), "{what}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

on_both!(evidence_of_an_active_type_is_refused, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    for (name, mime) in [
        ("page.html", "text/html"),
        ("logo.svg", "image/svg+xml"),
        ("run.js", "text/javascript"),
        ("data.xml", "application/xml"),
    ] {
        let form = Form::new().part("report", report_part(JUNSHAN)).part(
            "evidence",
            file_part(b"<script>alert(1)</script>", name, mime),
        );
        let v = assert_error(
            submit_form(&app, round, &dept, form, &[]).await,
            415,
            "unsupported_media_type",
        )
        .await;
        assert_eq!(v["error"]["details"]["field"], "evidence", "{v}");
        assert_eq!(v["error"]["details"]["content_type"], mime, "{v}");
    }
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    // what reviewers open is accepted, a type given with parameters or in capitals too
    let accepted = [
        ("会议纪要.pdf", "application/pdf"),
        (
            "自评表.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "报告.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("照片.jpg", "image/jpeg"),
        ("附件.zip", "application/zip"),
        ("说明.txt", "text/plain; charset=utf-8"),
        ("未知", "application/octet-stream"),
        ("扫描件.PNG", "IMAGE/PNG"),
    ];
    let mut form = Form::new().part("report", report_part(JUNSHAN));
    for (name, mime) in accepted {
        form = form.part("evidence", file_part(b"bytes", name, mime));
    }
    let v = expect_ok(
        submit_form(&app, round, &dept, form, &[]).await,
        "accepted types",
    )
    .await;
    let types: Vec<&str> = v["submission"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["content_type"].as_str())
        .collect();
    assert_eq!(types.len(), accepted.len(), "{v}");
    assert_eq!(types[5], "text/plain");
    assert_eq!(types[7], "image/png");
    app.stop().await;
});

/// A released round of 君山 whose items are all judged; returns (round, 君山's token).
async fn released_round(app: &TestApp) -> (i64, String) {
    let (dept, round) = junshan_round(app, AHEAD).await;
    submit_ok(app, round, &dept, JUNSHAN).await;
    let (id, reviewer) = reviewer(app, "评审甲", None, false).await;
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/assignments"),
            Some(ADMIN),
            json!({ "department": JUNSHAN_CODE, "reviewer": id }),
        )
        .await;
    expect_ok(r, "assign").await;
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(ADMIN),
            json!({ "reason": "测试：提前截止" }),
        )
        .await;
    expect_ok(r, "close").await;
    let items = expect_ok(
        app.get(
            &dept_path(round, JUNSHAN_CODE, "judgments"),
            Some(&reviewer),
        )
        .await,
        "items",
    )
    .await;
    for item in items.as_array().expect("items") {
        if !item["score"].is_null() {
            continue;
        }
        let subs = item["sub_scores"].as_array().expect("sub_scores");
        let b = if subs.is_empty() {
            let score = item["suggested"]["max"]
                .as_str()
                .unwrap_or_else(|| item["max"].as_str().expect("max"));
            json!({ "score": score, "reason": "按评分标准评定" })
        } else {
            let maxes: Vec<&Value> = subs.iter().map(|s| &s["max"]).collect();
            json!({ "sub_scores": maxes, "reason": "指标可衡量" })
        };
        let code = item["item"].as_str().expect("item");
        let r = app
            .client
            .put(format!(
                "{}{}",
                app.base,
                dept_path(round, JUNSHAN_CODE, &format!("judgments/{code}"))
            ))
            .bearer_auth(&reviewer)
            .header("If-Match", item["etag"].as_str().expect("etag"))
            .json(&b)
            .send()
            .await
            .expect("sent");
        expect_ok(r, code).await;
    }
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/release"),
            Some(ADMIN),
            json!({}),
        )
        .await;
    expect_ok(r, "release").await;
    (round, dept)
}

async fn appeal_form(app: &TestApp, round: i64, token: &str, form: Form) -> reqwest::Response {
    app.client
        .post(format!(
            "{}{}",
            app.base,
            dept_path(round, JUNSHAN_CODE, "appeals")
        ))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("sent")
}

fn appeal_with(name: &str, bytes: &[u8], mime: &str) -> Form {
    Form::new()
        .text("item", "problems")
        .text("reason", "报告第五部分从四个方面分析了问题")
        .part("evidence", file_part(bytes, name, mime))
}

async fn appeal_uploads_are_limited(backend: Backend) {
    // the JSON package (~25 kB) fits; 100 kB of evidence does not
    let Some(app) = TestApp::spawn_with(backend, |c| c.api.max_body_bytes = 64 * 1024).await else {
        return;
    };
    let (round, dept) = released_round(&app).await;
    let r = appeal_form(
        &app,
        round,
        &dept,
        appeal_with("page.html", b"<html>", "text/html"),
    )
    .await;
    let v = assert_error(r, 415, "unsupported_media_type").await;
    assert_eq!(v["error"]["details"]["field"], "evidence", "{v}");
    let big = vec![b'%'; 100 * 1024];
    let r = appeal_form(
        &app,
        round,
        &dept,
        appeal_with("scan.pdf", &big, "application/pdf"),
    )
    .await;
    assert_error(r, 413, "payload_too_large").await;
    let appeals = dept_path(round, JUNSHAN_CODE, "appeals");
    let listed = expect_ok(app.get(&appeals, Some(&dept)).await, "appeals").await;
    assert_eq!(listed, json!([]), "nothing was filed");
    let r = appeal_form(
        &app,
        round,
        &dept,
        appeal_with("第五部分.txt", "第五部分原文".as_bytes(), "text/plain"),
    )
    .await;
    let v = expect_ok(r, "a small appeal").await;
    assert_eq!(v["evidence"][0]["name"], "第五部分.txt");
    app.stop().await;
}

#[actix_rt::test]
async fn appeal_uploads_are_limited_sqlite() {
    appeal_uploads_are_limited(Backend::Sqlite).await;
}

#[actix_rt::test]
async fn appeal_uploads_are_limited_postgres() {
    appeal_uploads_are_limited(Backend::Postgres).await;
}

/// One multipart part with a Content-Disposition written byte for byte, as a hostile client
/// would (reqwest escapes what it sends).
fn raw_part(boundary: &str, disposition: &str, mime: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {mime}\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    out
}

on_both!(
    file_names_are_cut_and_downloads_sanitise_content_disposition,
    |app| {
        let (dept, round) = junshan_round(&app, AHEAD).await;
        let boundary = "kaoping-raw-boundary-7f3a";
        let report = fixture(JUNSHAN)["report"].to_string();
        let mut body = raw_part(
            boundary,
            r#"form-data; name="report"; filename="report.json""#,
            "application/json",
            report.as_bytes(),
        );
        let long = "长".repeat(300) + ".pdf";
        // (sent, stored)
        let names: [(String, &str); 6] = [
            (r"..\\..\\Windows\\evil.pdf".to_string(), "evil.pdf"),
            ("/etc/cron.d/job.pdf".to_string(), "job.pdf"),
            (r#"pass\"wd; x=1.pdf"#.to_string(), "pass\"wd; x=1.pdf"),
            ("tab\there.pdf".to_string(), "tabhere.pdf"),
            ("..".to_string(), "unnamed"),
            (long.clone(), ""),
        ];
        for (sent, _) in &names {
            body.extend(raw_part(
                boundary,
                &format!(r#"form-data; name="evidence"; filename="{sent}""#),
                "application/pdf",
                b"%PDF-1.4",
            ));
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let r = app
            .client
            .post(format!("{}{}", app.base, submissions_path(round)))
            .bearer_auth(&dept)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("sent");
        let v = expect_ok(r, "raw upload").await;
        let evidence = v["submission"]["evidence"].as_array().expect("evidence");
        assert_eq!(evidence.len(), names.len(), "{v}");
        for ((sent, stored), e) in names.iter().zip(evidence) {
            let name = e["name"].as_str().expect("name");
            if stored.is_empty() {
                // the long one: 200 characters at most, the rest dropped
                assert_eq!(name.chars().count(), 200, "{sent}");
                assert!(long.starts_with(name));
            } else {
                assert_eq!(name, *stored, "{sent}");
            }
            let r = app.get(e["url"].as_str().expect("url"), Some(&dept)).await;
            assert_eq!(r.status(), 200);
            let disposition = r.headers()["content-disposition"]
                .to_str()
                .expect("an ASCII header")
                .to_string();
            // one attachment, an ASCII name with nothing that ends the quoted string or the
            // header, and the real name percent-encoded
            let (ascii, encoded) = disposition
                .strip_prefix("attachment; filename=\"")
                .and_then(|rest| rest.split_once("\"; filename*=UTF-8''"))
                .unwrap_or_else(|| panic!("{disposition}"));
            assert!(
                ascii
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c)),
                "{disposition}"
            );
            assert!(
                encoded
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_~%".contains(c)),
                "{disposition}"
            );
            let decoded = percent_decode(encoded);
            assert_eq!(decoded, name, "{disposition}");
            assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        }
        app.stop().await;
    }
);

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex byte"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}
