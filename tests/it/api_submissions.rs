//! Submissions: the server's receipt time, resubmission and history, lateness, closed rounds,
//! multipart uploads with evidence files.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use chrono::{DateTime, Utc};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not an RFC 3339 instant: {v}"))
}

fn assert_recent(at: DateTime<Utc>, before: DateTime<Utc>) {
    let after = test_now();
    assert!(
        before - chrono::Duration::seconds(2) <= at && at <= after + chrono::Duration::seconds(2),
        "{at} is not between {before} and {after}"
    );
}

on_both!(the_server_stamps_the_receipt_time, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let before = test_now();
    // the client claims an old receipt time; it is ignored
    let pkg = edited(JUNSHAN, |p| {
        p["submitted_at"] = json!("2025-01-02T03:04:05Z")
    });
    let v = submit_ok(&app, round, &dept, &pkg).await;
    let at = instant(&v["submission"]["submitted_at"]);
    assert_recent(at, before);
    assert_eq!(v["submission"]["late"], false);
    let h = history(&app, round, JUNSHAN_CODE).await;
    assert_eq!(instant(&h[0]["submitted_at"]), at);

    // a claimed receipt before the deadline does not make a late submission timely
    let late_round = app.round(PAST, &[JUNSHAN_CODE]).await;
    let pkg = edited(JUNSHAN, |p| {
        p["submitted_at"] = json!("2025-05-01T09:00:00+08:00")
    });
    let v = submit_ok(&app, late_round, &dept, &pkg).await;
    assert_recent(instant(&v["submission"]["submitted_at"]), before);
    assert_eq!(v["submission"]["late"], true);
    app.stop().await;
});

on_both!(
    resubmission_before_the_deadline_replaces_and_keeps_history,
    |app| {
        let (dept, round) = junshan_round(&app, AHEAD).await;
        let first = submit_ok(&app, round, &dept, JUNSHAN).await;
        assert_eq!(first["submission"]["seq"], 1);
        assert_eq!(first["submission"]["current"], true);
        assert_eq!(first["submission"]["late"], false);
        // a second package with half its report body scores differently
        let thinner = edited(JUNSHAN, |p| {
            let body = p["report"]["body"].as_array_mut().expect("body parts");
            body.truncate(5);
        });
        let second = submit_ok(&app, round, &dept, &thinner).await;
        assert_eq!(second["submission"]["seq"], 2);
        assert_eq!(second["submission"]["current"], true);
        assert_ne!(second["submission"]["id"], first["submission"]["id"]);
        assert_ne!(
            second["score_sheet"]["total"], first["score_sheet"]["total"],
            "the two packages should score differently"
        );

        let h = history(&app, round, JUNSHAN_CODE).await;
        assert_eq!(h.len(), 2);
        assert_eq!(h[0]["id"], first["submission"]["id"]);
        assert_eq!(h[0]["seq"], 1);
        assert_eq!(h[0]["current"], false);
        assert_eq!(h[0]["total"], first["submission"]["total"]);
        assert_eq!(h[1], second["submission"]);
        // the score sheet is the current submission's
        let sheet = body(
            app.get(&dept_path(round, JUNSHAN_CODE, "score-sheet"), Some(&dept))
                .await,
        )
        .await;
        assert_eq!(sheet, second["score_sheet"]);
        assert_eq!(sheet["total"], second["submission"]["total"]);
        app.stop().await;
    }
);

on_both!(
    after_the_deadline_submissions_are_accepted_and_late,
    |app| {
        let (dept, round) = junshan_round(&app, PAST).await;
        let first = submit_ok(&app, round, &dept, JUNSHAN).await;
        assert_eq!(first["submission"]["late"], true);
        let second = submit_ok(&app, round, &dept, JUNSHAN).await;
        assert_eq!(second["submission"]["late"], true);
        assert_eq!(second["submission"]["seq"], 2);
        let h = history(&app, round, JUNSHAN_CODE).await;
        assert_eq!(h.len(), 2);
        assert!(h.iter().all(|s| s["late"] == true), "{h:?}");
        assert_eq!(
            h.iter().filter(|s| s["current"] == true).count(),
            1,
            "{h:?}"
        );
        // the same package before the deadline of another round is on time
        let ahead = app.round(AHEAD, &[JUNSHAN_CODE]).await;
        let on_time = submit_ok(&app, ahead, &dept, JUNSHAN).await;
        assert_eq!(on_time["submission"]["late"], false);
        app.stop().await;
    }
);

on_both!(a_closed_round_takes_no_submissions, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    submit_ok(&app, round, &dept, JUNSHAN).await;
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/rounds/{round}/close"),
            Some(ADMIN),
            Some(json!({ "reason": "测试：提前截止" })),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = submit(&app, round, &dept, JUNSHAN).await;
    assert_error(r, 409, "conflict").await;
    let form = Form::new().part("report", report_part(JUNSHAN));
    let r = submit_form(&app, round, &dept, form, &[]).await;
    assert_error(r, 409, "conflict").await;
    let h = history(&app, round, JUNSHAN_CODE).await;
    assert_eq!(h.len(), 1);
    // what was submitted stays readable
    let r = app
        .get(&dept_path(round, JUNSHAN_CODE, "score-sheet"), Some(&dept))
        .await;
    assert_eq!(r.status(), 200);
    app.stop().await;
});

on_both!(multipart_report_with_documents_and_evidence, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let notice = json!({ "title": "关于开展2024年度部门整体支出绩效自评工作的通知",
                         "document_number": "岳财绩〔2025〕3号", "text": "各预算部门：……", "sealed": true });
    let group = json!({ "title": "关于成立绩效自评工作小组的通知", "text": "组长：……" });
    let check = json!({ "units": [{ "kind": "own", "name": "岳阳市君山区数据局", "done": true }] });
    let pdf = b"%PDF-1.4\n% minutes of the working group\n".to_vec();
    let png: Vec<u8> = (0u8..=255).cycle().take(3000).collect();
    let form = Form::new()
        .part("report", report_part(JUNSHAN))
        .part(
            "notice",
            file_part(
                notice.to_string().as_bytes(),
                "notice.json",
                "application/json",
            ),
        )
        .text("working_group", group.to_string())
        .part(
            "self_check",
            file_part(
                check.to_string().as_bytes(),
                "self_check.json",
                "application/json",
            ),
        )
        .part(
            "evidence",
            file_part(&pdf, "会议纪要.pdf", "application/pdf"),
        )
        .part(
            "evidence",
            file_part(&png, "../../etc/photo.png", "image/png"),
        );
    let r = submit_form(&app, round, &dept, form, &[]).await;
    let status = r.status();
    let v = body(r).await;
    assert_eq!(status, 201, "{v}");
    let s = &v["submission"];
    assert_eq!(s["department"], JUNSHAN_CODE);
    assert_eq!(s["source_name"], "report.json");
    assert_eq!(s["late"], false);
    assert_eq!(v["score_sheet"]["rubric"], "yueyang-2024");
    let evidence = s["evidence"].as_array().expect("evidence list");
    assert_eq!(evidence.len(), 2, "{s}");
    assert_eq!(evidence[0]["name"], "会议纪要.pdf");
    assert_eq!(evidence[0]["content_type"], "application/pdf");
    assert_eq!(evidence[0]["size"], pdf.len());
    assert_eq!(evidence[0]["sha256"], sha256_hex(&pdf));
    // a client's path is cut to its file name
    assert_eq!(evidence[1]["name"], "photo.png");
    assert_eq!(evidence[1]["content_type"], "image/png");
    assert_eq!(evidence[1]["sha256"], sha256_hex(&png));

    // the documents count: the same report without them scores lower
    let bare = Form::new().part("report", report_part(JUNSHAN));
    let r = submit_form(&app, round, &dept, bare, &[]).await;
    assert_eq!(r.status(), 201);
    let without = body(r).await;
    assert_ne!(without["score_sheet"]["total"], v["score_sheet"]["total"]);
    assert_eq!(without["submission"]["evidence"], json!([]));

    // downloads: the bytes, the content type, as an attachment
    for (e, bytes) in [(&evidence[0], &pdf), (&evidence[1], &png)] {
        let url = e["url"].as_str().expect("url");
        assert_eq!(
            url,
            dept_path(round, JUNSHAN_CODE, &format!("evidence/{}", e["id"]))
        );
        let r = app.get(url, Some(&dept)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            e["content_type"].as_str().unwrap()
        );
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        let got = r.bytes().await.expect("bytes");
        assert_eq!(&got[..], &bytes[..]);
        assert_eq!(sha256_hex(&got), e["sha256"].as_str().unwrap());
    }
    // the first submission's evidence stays downloadable from the history
    let h = history(&app, round, JUNSHAN_CODE).await;
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["evidence"], s["evidence"]);
    app.stop().await;
});

on_both!(multipart_refuses_what_it_cannot_read, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    // a broken .docx or .xlsx (what it is, its bytes say): read, refused with the reason
    let documents = [
        (
            "report.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK\x03\x04 broken word/document.xml".to_vec(),
        ),
        (
            "report.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            b"PK\x03\x04 broken xl/workbook.xml".to_vec(),
        ),
    ];
    for (name, mime, bytes) in documents {
        let form = Form::new().part("report", file_part(&bytes, name, mime));
        let r = submit_form(&app, round, &dept, form, &[]).await;
        let v = assert_error(r, 422, "unreadable_document").await;
        assert_eq!(v["error"]["details"]["field"], "report", "{name}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(name),
            "{v}"
        );
    }
    // a kind of file kaoping does not read at all, whatever its name
    let form = Form::new().part(
        "report",
        file_part(b"GIF89a\x01\x00", "report.docx", "application/pdf"),
    );
    let v = assert_error(
        submit_form(&app, round, &dept, form, &[]).await,
        415,
        "unsupported_document",
    )
    .await;
    assert_eq!(v["error"]["details"]["field"], "report");
    // no report at all
    let form = Form::new().part("evidence", file_part(b"x", "a.pdf", "application/pdf"));
    let v = assert_error(
        submit_form(&app, round, &dept, form, &[]).await,
        422,
        "invalid_request",
    )
    .await;
    assert_eq!(v["error"]["details"]["field"], "report");
    // a report that is not the report model
    let form = Form::new().part(
        "report",
        file_part(br#"{"title": 1}"#, "report.json", "application/json"),
    );
    let v = assert_error(
        submit_form(&app, round, &dept, form, &[]).await,
        422,
        "invalid_request",
    )
    .await;
    assert_eq!(v["error"]["details"]["field"], "report");
    // a document that is not JSON
    let form = Form::new()
        .part("report", report_part(JUNSHAN))
        .part("notice", Part::text("{\"text\": "));
    let v = assert_error(
        submit_form(&app, round, &dept, form, &[]).await,
        400,
        "invalid_json",
    )
    .await;
    assert_eq!(v["error"]["details"]["field"], "notice");
    // a field the form does not have
    let form = Form::new()
        .part("report", report_part(JUNSHAN))
        .text("comment", "请审阅");
    let v = assert_error(
        submit_form(&app, round, &dept, form, &[]).await,
        422,
        "invalid_request",
    )
    .await;
    assert_eq!(v["error"]["details"]["field"], "comment");
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    app.stop().await;
});

fn shanghai_today() -> chrono::NaiveDate {
    let east8 = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    test_now().with_timezone(&east8).date_naive()
}

on_both!(the_deadline_day_itself_is_on_time, |app| {
    let dept = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let today = shanghai_today();
    let yesterday = today.pred_opt().expect("a day before");
    let on_the_day = app.round(&today.to_string(), &[JUNSHAN_CODE]).await;
    let day_after = app.round(&yesterday.to_string(), &[JUNSHAN_CODE]).await;
    let a = submit_ok(&app, on_the_day, &dept, JUNSHAN).await;
    let b = submit_ok(&app, day_after, &dept, JUNSHAN).await;
    if shanghai_today() != today {
        eprintln!("midnight in Shanghai passed during the test: not judged");
        return;
    }
    assert_eq!(
        a["submission"]["late"], false,
        "submitted on the deadline day"
    );
    assert_eq!(
        b["submission"]["late"], true,
        "submitted the day after the deadline"
    );
    app.stop().await;
});

on_both!(a_text_report_is_read_and_scored, |app| {
    let dept = app.department("430681001", "汨罗市数据局").await;
    let round = app.round(AHEAD, &["430681001"]).await;
    let text = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/reports/003_dbdc2451ec2e8b0c.txt"),
    )
    .expect("report");
    let form = Form::new().part(
        "report",
        file_part(&text, "汨罗市数据局自评报告.txt", "text/plain"),
    );
    let r = submit_form(&app, round, &dept, form, &[]).await;
    assert_eq!(r.status(), 201);
    let v = body(r).await;
    assert_eq!(v["document"]["format"], "text");
    assert_eq!(v["document"]["encoding"], "UTF-8");
    assert!(
        v["document"]["missing"]
            .to_string()
            .contains("其他需要说明的情况"),
        "{}",
        v["document"]
    );
    assert_eq!(v["submission"]["source_name"], "汨罗市数据局自评报告.txt");
    let item = |code: &str| {
        v["score_sheet"]["items"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["code"] == code))
            .cloned()
            .expect("item")
    };
    assert_eq!(item("body_complete")["score"], "0");
    assert_eq!(item("attachments_complete")["score"], "7");
    assert_eq!(item("indicator_weights")["score"], "5");
    app.stop().await;
});
