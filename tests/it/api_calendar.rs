//! 工作日历 at run time: a year imported on one instance opens rounds on another, pins them,
//! scores 调休 days as working days, and cannot be removed while a round uses it.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::support::api_helpers::*;
use crate::support::*;

/// The fictional 2027 arrangement (its file says so): 劳动节 1–5 May, 8 May a 调休 Saturday.
const FICTIONAL_2027: &str = include_str!("../fixtures/calendar/2027-fictional.toml");
/// The same days as a fictional State Council notice (its title and text say so).
const FICTIONAL_2027_NOTICE: &str = include_str!("../fixtures/calendar/notices/2027-fictional.txt");

fn at(instant: &'static str) -> kaoping::service::Clock {
    let t: DateTime<Utc> = DateTime::parse_from_rfc3339(instant)
        .expect("an instant")
        .with_timezone(&Utc);
    kaoping::service::Clock::new(move || t)
}

async fn import(app: &TestApp, text: &str, dry_run: bool) -> reqwest::Response {
    app.post(
        "/api/v1/calendar/years",
        Some(ADMIN),
        json!({ "text": text, "reason": "测试：虚构的 2027 年安排", "dry_run": dry_run }),
    )
    .await
}

async fn remove(app: &TestApp, year: i32, reason: &str) -> reqwest::Response {
    let path = format!("/api/v1/calendar/years/{year}?reason={reason}");
    app.call(reqwest::Method::DELETE, &path, Some(ADMIN), None)
        .await
}

async fn open_2027_round(app: &TestApp) -> reqwest::Response {
    app.post(
        "/api/v1/rounds",
        Some(ADMIN),
        json!({ "year": 2024, "title": "2024年度部门整体支出绩效自评考核", "deadline": "2027-04-30",
                "rubric": "yueyang-2024", "departments": [JUNSHAN_CODE] }),
    )
    .await
}

fn timeliness(sheet: &Value) -> Value {
    sheet_item(sheet, "timeliness")
}

on_both!(
    a_year_imported_on_one_instance_opens_rounds_on_another,
    |app| {
        let dept = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
        // received on the fictional 2027 调休 Saturday, 8 May, at 10:00 in Shanghai
        let other = app.beside(at("2027-05-08T10:00:00+08:00"));
        let v = assert_client_error(open_2027_round(&other).await, "2027 not covered yet").await;
        assert_eq!(v["error"]["details"]["field"], "deadline");
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains("kaoping calendar import"), "{msg}");

        // a dry run shows the new days and stores nothing
        let r = import(&app, FICTIONAL_2027_NOTICE, true).await;
        assert_eq!(r.status(), 200);
        let dry = body(r).await;
        assert_eq!(dry["applied"], false);
        assert_eq!(dry["changes"].as_array().map(Vec::len), Some(365));
        let cal = body(app.get("/api/v1/calendar", Some(ADMIN)).await).await;
        assert_eq!(
            (cal["coverage_end"].as_str(), cal["revision"].as_i64()),
            (Some("2026-12-31"), Some(0))
        );

        let r = import(&app, FICTIONAL_2027_NOTICE, false).await;
        assert_eq!(r.status(), 201);
        let done = body(r).await;
        assert_eq!(done["revision"], 1);
        let cal = body(other.get("/api/v1/calendar?year=2027", Some(&dept)).await).await;
        assert_eq!(cal["coverage_end"], "2027-12-31");
        assert_eq!(cal["years"][0]["revision"], 1);
        assert_eq!(
            cal["years"][0]["workdays"],
            json!([
                "2027-01-31",
                "2027-02-20",
                "2027-04-25",
                "2027-05-08",
                "2027-09-26",
                "2027-10-09"
            ])
        );

        // the other instance opens the round, pinned to the new revision
        let r = open_2027_round(&other).await;
        assert_eq!(r.status(), 201);
        let round = body(r).await;
        assert_eq!(round["calendar_revision"], 1);
        assert_eq!(round["rubric_hash"].as_str().map(str::len), Some(64));
        let id = round["id"].as_i64().expect("round id");
        let v = submit_ok(&other, id, &dept, JUNSHAN).await;
        let t = timeliness(&v["score_sheet"]);
        // 30 April (Fri) → 6, 7 May (Thu, Fri) and 8 May, the 调休 Saturday itself: 3 working days
        assert_eq!(t["score"], "7", "{t}");
        // the deduction says when it was received, and that the day was not rolled forward
        let said = t.to_string();
        assert!(
            said.contains("收到日期2027-05-08") && !said.contains("休息日"),
            "{said}"
        );

        // the year cannot be taken out while the round uses it
        let r = remove(&app, 2027, "test").await;
        let v = assert_client_error(r, "removing a year in use").await;
        assert_eq!(v["error"]["code"], "conflict");
        assert!(v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&id.to_string()));
        let history = body(app.get("/api/v1/calendar/revisions", Some(ADMIN)).await).await;
        assert_eq!(history.as_array().map(Vec::len), Some(1));
        assert_eq!(history[0]["action"], "set");
        other.stop().await;
        app.stop().await;
    }
);

on_both!(an_unused_year_can_be_removed_and_added_again, |app| {
    assert_eq!(import(&app, FICTIONAL_2027, false).await.status(), 201);
    let r = remove(&app, 2027, "撤回").await;
    assert_eq!(r.status(), 200);
    let cal = body(app.get("/api/v1/calendar", Some(ADMIN)).await).await;
    assert_eq!(
        (cal["coverage_end"].as_str(), cal["revision"].as_i64()),
        (Some("2026-12-31"), Some(2))
    );
    // a built-in year has nothing to remove
    let r = remove(&app, 2025, "x").await;
    assert_eq!(r.status(), 404);
    assert_eq!(import(&app, FICTIONAL_2027, false).await.status(), 201);
    app.stop().await;
});

on_both!(
    a_change_rescores_the_open_rounds_it_touches_and_no_other,
    |app| {
        // an open round due 31 December 2026, a submission received after it (on the test clock's
        // day, so on time here), and a round already past and closed
        let (dept, open) = junshan_round(&app, AHEAD).await;
        submit_ok(&app, open, &dept, JUNSHAN).await;
        let closed = app.round(PAST, &[JUNSHAN_CODE]).await;
        submit_ok(&app, closed, &dept, JUNSHAN).await;
        app.post(
            &format!("/api/v1/rounds/{closed}/close"),
            Some(ADMIN),
            json!({ "reason": "测试：提前截止" }),
        )
        .await;
        let etag = |r: &reqwest::Response| {
            r.headers()
                .get("etag")
                .map(|v| v.to_str().unwrap_or("").to_string())
        };
        let before = app
            .get(&dept_path(closed, JUNSHAN_CODE, "score-sheet"), Some(ADMIN))
            .await;
        let before_tag = etag(&before);

        let done = body(import(&app, FICTIONAL_2027, false).await).await;
        assert_eq!(
            done["rounds"],
            json!([{ "round": open, "submissions": 1 }]),
            "{done}"
        );
        let r = body(
            app.get(&format!("/api/v1/rounds/{open}"), Some(ADMIN))
                .await,
        )
        .await;
        assert_eq!(r["calendar_revision"], 1);
        let r = body(
            app.get(&format!("/api/v1/rounds/{closed}"), Some(ADMIN))
                .await,
        )
        .await;
        assert_eq!(
            r["calendar_revision"], 0,
            "a closed round far from 2027 keeps its calendar"
        );
        let after = app
            .get(&dept_path(closed, JUNSHAN_CODE, "score-sheet"), Some(ADMIN))
            .await;
        assert_eq!(etag(&after), before_tag);
        let audit = body(
            app.get(&format!("/api/v1/rounds/{open}/audit"), Some(ADMIN))
                .await,
        )
        .await;
        let entry = audit
            .as_array()
            .and_then(|a| a.iter().find(|e| e["action"] == "calendar_changed"))
            .cloned()
            .expect("the re-pinning is audited");
        assert_eq!(entry["after"]["calendar_revision"], 1);
        assert_eq!(entry["after"]["rescored"], 1);
        app.stop().await;
    }
);

on_both!(bad_arrangements_and_callers_are_refused_clearly, |app| {
    for (text, expect) in [
        ("year = 2027\nholidays = []\nworkdays = []", "no holiday"),
        ("year = 2027\nholidays = [{ date = \"2027-05-01\", name = \"劳动节\" }]\nworkdays = [\"2027-05-03\"]", "Saturdays or Sundays"),
        ("year = 2029\nholidays = [{ date = \"2029-05-01\", name = \"劳动节\" }]\nworkdays = []", "2018 to 2027"),
        ("year = [", "TOML"),
    ] {
        let v = assert_client_error(import(&app, text, false).await, expect).await;
        assert_eq!(v["error"]["details"]["field"], "text", "{text}: {v}");
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(expect) || expect == "TOML", "{text}: {msg}");
    }
    let r = app
        .post(
            "/api/v1/calendar/years",
            Some(ADMIN),
            json!({ "text": FICTIONAL_2027, "reason": " " }),
        )
        .await;
    let v = assert_client_error(r, "no reason").await;
    assert_eq!(v["error"]["details"]["field"], "reason");
    let dept = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let r = app
        .post(
            "/api/v1/calendar/years",
            Some(&dept),
            json!({ "text": FICTIONAL_2027, "reason": "x" }),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app.get("/api/v1/calendar/revisions", Some(&dept)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        body(app.get("/api/v1/calendar", Some(ADMIN)).await).await["revision"],
        0
    );
    app.stop().await;
});

on_both!(coverage_left_is_measured_and_warned_of, |app| {
    let metrics = app
        .get("/metrics", Some(ADMIN))
        .await
        .text()
        .await
        .unwrap_or_default();
    // the test clock reads 1 June 2026: 213 days to 31 December
    assert!(
        metrics.contains("kaoping_calendar_coverage_days_left 213"),
        "{metrics}"
    );
    let cal = body(app.get("/api/v1/calendar", Some(ADMIN)).await).await;
    assert_eq!(
        (cal["days_left"].as_i64(), cal["warning"].is_null()),
        (Some(213), true)
    );
    let december = app.beside(at("2026-12-01T09:00:00+08:00"));
    let cal = body(december.get("/api/v1/calendar", Some(ADMIN)).await).await;
    assert_eq!(cal["days_left"], 30);
    let warning = cal["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("2027"), "{warning}");
    let metrics = december
        .get("/metrics", Some(ADMIN))
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        metrics.contains("kaoping_calendar_coverage_days_left 30"),
        "{metrics}"
    );
    assert_eq!(december.get("/readyz", None).await.status(), 200);
    december.stop().await;
    // past the end, the warning says it has run out
    let january = app.beside(at("2027-01-05T09:00:00+08:00"));
    let cal = body(january.get("/api/v1/calendar", Some(ADMIN)).await).await;
    assert_eq!(cal["days_left"], -5);
    let warning = cal["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("已于 2026-12-31 到期"), "{warning}");
    january.stop().await;
    app.stop().await;
});
