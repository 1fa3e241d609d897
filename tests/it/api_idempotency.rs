//! Idempotency-Key: a submission is stored once however often it is retried, also when the
//! retries race; the retry gets the first response; the same key with another body is refused.
//! And concurrent submissions without a key are each stored, none answered with a 500.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use futures_util::future::join_all;
use reqwest::multipart::Form;
use reqwest::Method;
use serde_json::{json, Value};

async fn keyed(
    app: &TestApp,
    round: i64,
    token: &str,
    package: &str,
    key: &str,
) -> reqwest::Response {
    app.post_raw(
        &submissions_path(round),
        token,
        package,
        &[("Idempotency-Key", key)],
    )
    .await
}

fn replayed(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap_or_default().to_string())
}

on_both!(
    a_retry_returns_the_first_response_and_stores_nothing,
    |app| {
        let (dept, round) = junshan_round(&app, AHEAD).await;
        let r = keyed(&app, round, &dept, JUNSHAN, "retry-1").await;
        assert_eq!(r.status(), 201);
        assert_eq!(replayed(&r), None, "the first answer is not a replay");
        let first = r.text().await.expect("body");
        for _ in 0..3 {
            let r = keyed(&app, round, &dept, JUNSHAN, "retry-1").await;
            assert_eq!(r.status(), 201);
            assert_eq!(replayed(&r).as_deref(), Some("true"));
            assert_eq!(
                r.text().await.expect("body"),
                first,
                "the same body, byte for byte"
            );
        }
        assert_eq!(history(&app, round, JUNSHAN_CODE).await.len(), 1);

        // another key is another submission
        let r = keyed(&app, round, &dept, JUNSHAN, "retry-2").await;
        assert_eq!(r.status(), 201);
        assert_eq!(replayed(&r), None);
        let second = body(r).await;
        assert_eq!(second["submission"]["seq"], 2);
        // a retry of the first after the second still answers as the first did
        let r = keyed(&app, round, &dept, JUNSHAN, "retry-1").await;
        assert_eq!(r.text().await.expect("body"), first);
        let h = history(&app, round, JUNSHAN_CODE).await;
        assert_eq!(h.len(), 2);
        assert_eq!(
            h[1]["current"], true,
            "the replay did not make the first current again"
        );
        let first: Value = serde_json::from_str(&first).expect("JSON");
        assert_eq!(h[0]["id"], first["submission"]["id"]);
        app.stop().await;
    }
);

on_both!(same_key_with_another_body_is_422, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let r = keyed(&app, round, &dept, JUNSHAN, "k").await;
    assert_eq!(r.status(), 201);
    let other = edited(JUNSHAN, |p| p["report"]["problems"] = json!([]));
    let r = keyed(&app, round, &dept, &other, "k").await;
    assert_error(r, 422, "idempotency_mismatch").await;
    assert_eq!(history(&app, round, JUNSHAN_CODE).await.len(), 1);
    // and the first request's retry is still answered
    let r = keyed(&app, round, &dept, JUNSHAN, "k").await;
    assert_eq!(r.status(), 201);
    assert_eq!(replayed(&r).as_deref(), Some("true"));
    app.stop().await;
});

on_both!(
    a_retry_after_the_round_closed_still_gets_the_first_response,
    |app| {
        let (dept, round) = junshan_round(&app, AHEAD).await;
        let r = keyed(&app, round, &dept, JUNSHAN, "before-close").await;
        assert_eq!(r.status(), 201);
        let first = r.text().await.expect("body");
        let close = format!("/api/v1/rounds/{round}/close");
        assert_eq!(
            app.call(
                Method::POST,
                &close,
                Some(ADMIN),
                Some(json!({ "reason": "测试：提前截止" }))
            )
            .await
            .status(),
            200
        );
        let r = keyed(&app, round, &dept, JUNSHAN, "before-close").await;
        assert_eq!(r.status(), 201);
        assert_eq!(replayed(&r).as_deref(), Some("true"));
        assert_eq!(r.text().await.expect("body"), first);
        // a new key is a new submission: refused
        let r = keyed(&app, round, &dept, JUNSHAN, "after-close").await;
        assert_error(r, 409, "conflict").await;
        assert_eq!(history(&app, round, JUNSHAN_CODE).await.len(), 1);
        app.stop().await;
    }
);

on_both!(multipart_retry_is_replayed, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    // each form gets a new random boundary: the retry's bytes differ, its content does not
    let form = || {
        Form::new().part("report", report_part(JUNSHAN)).part(
            "evidence",
            file_part(b"minutes", "minutes.pdf", "application/pdf"),
        )
    };
    let key = [("Idempotency-Key", "upload-1")];
    let r = submit_form(&app, round, &dept, form(), &key).await;
    assert_eq!(r.status(), 201);
    let first = r.text().await.expect("body");
    let r = submit_form(&app, round, &dept, form(), &key).await;
    assert_eq!(r.status(), 201);
    assert_eq!(replayed(&r).as_deref(), Some("true"));
    assert_eq!(r.text().await.expect("body"), first);
    assert_eq!(history(&app, round, JUNSHAN_CODE).await.len(), 1);
    // another evidence file under the same key is another request
    let other = Form::new().part("report", report_part(JUNSHAN)).part(
        "evidence",
        file_part(b"other minutes", "minutes.pdf", "application/pdf"),
    );
    let r = submit_form(&app, round, &dept, other, &key).await;
    assert_error(r, 422, "idempotency_mismatch").await;
    assert_eq!(history(&app, round, JUNSHAN_CODE).await.len(), 1);
    app.stop().await;
});

on_both!(keys_belong_to_their_token, |app| {
    let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let miluo = app.department(MILUO_CODE, "汨罗市数据局").await;
    let round = app.round(AHEAD, &[JUNSHAN_CODE, MILUO_CODE]).await;
    let a = body(keyed(&app, round, &junshan, JUNSHAN, "shared").await).await;
    // 汨罗 using the same key neither gets 君山's answer nor a mismatch
    let r = keyed(&app, round, &miluo, MILUO, "shared").await;
    assert_eq!(r.status(), 201);
    assert_eq!(replayed(&r), None);
    let b = body(r).await;
    assert_eq!(b["submission"]["department"], MILUO_CODE);
    assert_ne!(a["submission"]["id"], b["submission"]["id"]);
    assert_eq!(history(&app, round, JUNSHAN_CODE).await.len(), 1);
    assert_eq!(history(&app, round, MILUO_CODE).await.len(), 1);
    app.stop().await;
});

on_both!(concurrent_retries_store_one_submission, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let requests = (0..6).map(|_| keyed(&app, round, &dept, JUNSHAN, "racing-key"));
    let responses = join_all(requests).await;
    let mut ids = Vec::new();
    let mut bodies = Vec::new();
    let mut replays = 0;
    for r in responses {
        let status = r.status();
        if replayed(&r).is_some() {
            replays += 1;
        }
        let text = r.text().await.expect("body");
        assert_eq!(status, 201, "{text}");
        let v: Value = serde_json::from_str(&text).expect("JSON");
        ids.push(v["submission"]["id"].clone());
        bodies.push(text);
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "every answer is the first one"
    );
    assert_eq!(replays, 5, "one original answer, five replays");
    let h = history(&app, round, JUNSHAN_CODE).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["id"], ids[0]);
    app.stop().await;
});

on_both!(
    concurrent_submissions_without_a_key_are_each_stored,
    |app| {
        let (dept, round) = junshan_round(&app, AHEAD).await;
        // one on file first, so the racers also compete to replace the current one
        submit_ok(&app, round, &dept, JUNSHAN).await;
        let requests = (0..4).map(|_| submit(&app, round, &dept, JUNSHAN));
        for r in join_all(requests).await {
            let status = r.status();
            let text = r.text().await.expect("body");
            assert_eq!(status, 201, "{text}");
        }
        let h = history(&app, round, JUNSHAN_CODE).await;
        let seqs: Vec<i64> = h.iter().map(|s| s["seq"].as_i64().expect("seq")).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
        assert_eq!(
            h.iter().filter(|s| s["current"] == true).count(),
            1,
            "{h:?}"
        );
        assert_eq!(h[4]["current"], true);
        app.stop().await;
    }
);

on_both!(same_key_for_another_round_is_not_replayed, |app| {
    let dept = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let first_round = app.round(AHEAD, &[JUNSHAN_CODE]).await;
    let second_round = app.round(AHEAD, &[JUNSHAN_CODE]).await;
    let r = keyed(&app, first_round, &dept, JUNSHAN, "same-key").await;
    assert_eq!(r.status(), 201);
    // the same package and key, sent to another round: another request, not a retry
    let r = keyed(&app, second_round, &dept, JUNSHAN, "same-key").await;
    let status = r.status().as_u16();
    let v = body(r).await;
    assert_ne!(
        v["submission"]["round_id"], first_round,
        "round {second_round} was answered with round {first_round}'s submission: {}",
        v["submission"]
    );
    assert!(
        status == 201 && v["submission"]["round_id"] == second_round
            || status == 422 && v["error"]["code"] == "idempotency_mismatch",
        "{status} {v}"
    );
    assert_eq!(history(&app, first_round, JUNSHAN_CODE).await.len(), 1);
    app.stop().await;
});

on_both!(multipart_retry_with_other_files_is_a_mismatch, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let key = [("Idempotency-Key", "files")];
    let pdf = "application/pdf";
    let two_files = Form::new()
        .part("report", report_part(JUNSHAN))
        .part("evidence", file_part(b"ab", "a.pdf", pdf))
        .part("evidence", file_part(b"c", "c.pdf", pdf));
    let r = submit_form(&app, round, &dept, two_files, &key).await;
    assert_eq!(r.status(), 201);
    // one file whose bytes are the two files' bytes run together with the part name between
    let one_file = Form::new()
        .part("report", report_part(JUNSHAN))
        .part("evidence", file_part(b"abevidencec", "a.pdf", pdf));
    let r = submit_form(&app, round, &dept, one_file, &key).await;
    assert_error(r, 422, "idempotency_mismatch").await;
    // the same bytes under other file names and types
    let renamed = Form::new()
        .part("report", report_part(JUNSHAN))
        .part(
            "evidence",
            file_part(b"ab", "budget.xlsx", "application/vnd.ms-excel"),
        )
        .part("evidence", file_part(b"c", "c.pdf", pdf));
    let r = submit_form(&app, round, &dept, renamed, &key).await;
    assert_error(r, 422, "idempotency_mismatch").await;
    let h = history(&app, round, JUNSHAN_CODE).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["evidence"][0]["name"], "a.pdf");
    app.stop().await;
});
