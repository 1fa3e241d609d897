//! 报送时间与延期 (issue 18, item 3): an extension or a recorded receipt for one department
//! scores that department again — its sheet and every line of its history — and no other; a
//! moved round deadline does the same for every department, in one transaction.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::api_helpers::*;
use crate::support::*;

/// A Wednesday: the test clock's Monday 2026-06-01 is three working days after it.
const DEADLINE: &str = "2026-05-27";

fn timeliness(sheet: &Value) -> Value {
    sheet_item(sheet, "timeliness")
}

async fn sheet(app: &TestApp, round: i64, code: &str) -> Value {
    body(
        app.get(&dept_path(round, code, "score-sheet"), Some(ADMIN))
            .await,
    )
    .await
}

async fn put_timing(
    app: &TestApp,
    round: i64,
    code: &str,
    token: &str,
    v: Value,
) -> reqwest::Response {
    app.call(
        Method::PUT,
        &dept_path(round, code, "timing"),
        Some(token),
        Some(v),
    )
    .await
}

/// Every history line agrees with the sheet: same total for the current one, and lateness as
/// the deadline that applies now says.
fn assert_history_agrees(history: &[Value], sheet: &Value, late: &[bool]) {
    let current = history
        .iter()
        .find(|h| h["current"] == true)
        .expect("current");
    assert_eq!(
        current["total"], sheet["total"],
        "{current} vs {}",
        sheet["total"]
    );
    let lates: Vec<bool> = history.iter().map(|h| h["late"] == true).collect();
    assert_eq!(lates, late, "{history:?}");
}

on_both!(
    an_extension_changes_one_department_and_its_history_only,
    |app| {
        let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
        let miluo = app.department(MILUO_CODE, "汨罗市数据局").await;
        let round = app.round(DEADLINE, &[JUNSHAN_CODE, MILUO_CODE]).await;
        submit_ok(&app, round, &junshan, JUNSHAN).await;
        submit_ok(&app, round, &miluo, MILUO).await;
        let before_j = sheet(&app, round, JUNSHAN_CODE).await;
        let before_m = sheet(&app, round, MILUO_CODE).await;
        assert_eq!(
            timeliness(&before_j)["score"],
            "7",
            "three working days late"
        );

        // a department may not grant itself time; a date before the round's is no extension
        let ext =
            json!({ "extended_deadline": "2026-06-05", "reason": "因机构改革，经批准延期报送" });
        assert_error(
            put_timing(&app, round, JUNSHAN_CODE, &junshan, ext.clone()).await,
            403,
            "forbidden",
        )
        .await;
        let v = assert_error(
            put_timing(
                &app,
                round,
                JUNSHAN_CODE,
                ADMIN,
                json!({ "extended_deadline": "2026-05-20", "reason": "误填" }),
            )
            .await,
            422,
            "invalid_request",
        )
        .await;
        assert_eq!(v["error"]["details"]["field"], "extended_deadline");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("延期只能推后"),
            "{v}"
        );

        let r = put_timing(&app, round, JUNSHAN_CODE, ADMIN, ext).await;
        let out = body(r).await;
        assert_eq!(out["deadline"], "2026-06-05", "{out}");
        assert_eq!(out["rescored"], 1);

        let after_j = sheet(&app, round, JUNSHAN_CODE).await;
        assert_eq!(
            timeliness(&after_j)["score"],
            "10",
            "{}",
            timeliness(&after_j)
        );
        assert_history_agrees(
            &history(&app, round, JUNSHAN_CODE).await,
            &after_j,
            &[false],
        );
        // 汨罗 is untouched: same sheet, still late in its history
        assert_eq!(sheet(&app, round, MILUO_CODE).await, before_m);
        assert_history_agrees(&history(&app, round, MILUO_CODE).await, &before_m, &[true]);

        // the department reads its own timing; another department may not
        let own = body(
            app.get(&dept_path(round, JUNSHAN_CODE, "timing"), Some(&junshan))
                .await,
        )
        .await;
        assert_eq!(own["extended_deadline"], "2026-06-05");
        assert_error(
            app.get(&dept_path(round, JUNSHAN_CODE, "timing"), Some(&miluo))
                .await,
            403,
            "forbidden",
        )
        .await;

        // audited, with the reason
        let log = body(
            app.get(&dept_path(round, JUNSHAN_CODE, "audit"), Some(ADMIN))
                .await,
        )
        .await;
        let entry = log
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["action"] == "department_timing")
            .cloned()
            .expect("a department_timing entry");
        assert_eq!(entry["reason"], "因机构改革，经批准延期报送");
    }
);

on_both!(a_recorded_paper_receipt_times_that_submission_only, |app| {
    let (junshan, round) = junshan_round(&app, DEADLINE).await;
    submit_ok(&app, round, &junshan, JUNSHAN).await;
    let paper = json!({
        "receipt": { "received_at": "2026-05-26T09:30:00+08:00", "via": "paper" },
        "reason": "5月26日收到纸质报告（盖章），电子版后补",
    });
    // never in the future
    let v = assert_error(
        put_timing(&app, round, JUNSHAN_CODE, ADMIN, json!({
            "receipt": { "received_at": "2030-01-01T00:00:00Z", "via": "email" }, "reason": "误填" })).await,
        422,
        "invalid_request",
    )
    .await;
    assert_eq!(v["error"]["details"]["field"], "receipt.received_at");
    let out = body(put_timing(&app, round, JUNSHAN_CODE, ADMIN, paper).await).await;
    assert_eq!(out["receipt"]["seq"], 1, "{out}");
    assert_eq!(out["receipt"]["via"], "paper");
    let s = sheet(&app, round, JUNSHAN_CODE).await;
    assert_eq!(timeliness(&s)["score"], "10");
    assert_history_agrees(&history(&app, round, JUNSHAN_CODE).await, &s, &[false]);

    // a resubmission is a new delivery: timed by its own receipt, the first keeps the paper one
    submit_ok(&app, round, &junshan, JUNSHAN).await;
    let s = sheet(&app, round, JUNSHAN_CODE).await;
    let t = timeliness(&s);
    assert_eq!(t["score"], "7", "{t}");
    assert_history_agrees(
        &history(&app, round, JUNSHAN_CODE).await,
        &s,
        &[false, true],
    );
});

on_both!(a_moved_round_deadline_rescores_every_history_line, |app| {
    let (junshan, round) = junshan_round(&app, DEADLINE).await;
    submit_ok(&app, round, &junshan, JUNSHAN).await;
    submit_ok(&app, round, &junshan, JUNSHAN).await;
    let before = sheet(&app, round, JUNSHAN_CODE).await;
    assert_history_agrees(
        &history(&app, round, JUNSHAN_CODE).await,
        &before,
        &[true, true],
    );
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/rounds/{round}"),
            Some(ADMIN),
            Some(json!({ "deadline": AHEAD, "reason": "全市统一延后报送" })),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let after = sheet(&app, round, JUNSHAN_CODE).await;
    assert_eq!(timeliness(&after)["score"], "10");
    let h = history(&app, round, JUNSHAN_CODE).await;
    assert_history_agrees(&h, &after, &[false, false]);
    assert!(h.iter().all(|l| l["total"] == after["total"]), "{h:?}");
});
