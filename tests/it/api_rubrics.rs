//! 考评细则 versions at run time: uploaded and listed, a round opened with one, and a dry run of
//! a candidate on a round that lists exactly the departments whose totals change and writes
//! nothing.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::support::api_helpers::*;
use crate::support::*;

const YUEYANG: &str = include_str!("../../rubric/yueyang-2024.toml");

/// yueyang-2024 under another id, with two points a working day late instead of one.
fn candidate() -> String {
    let src = YUEYANG
        .replace("id = \"yueyang-2024\"", "id = \"yueyang-2024-trial\"")
        .replace(
            "rule = { kind = \"timeliness\", per_working_day = 1 }",
            "rule = { kind = \"timeliness\", per_working_day = 2 }",
        );
    assert_ne!(src, YUEYANG);
    src
}

fn at(instant: &'static str) -> kaoping::service::Clock {
    let t: DateTime<Utc> = DateTime::parse_from_rfc3339(instant)
        .expect("an instant")
        .with_timezone(&Utc);
    kaoping::service::Clock::new(move || t)
}

async fn upload(app: &TestApp, source: &str) -> reqwest::Response {
    app.post("/api/v1/rubrics", Some(ADMIN), json!({ "source": source }))
        .await
}

fn etag(r: &reqwest::Response) -> String {
    r.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

on_both!(
    a_dry_run_lists_exactly_the_departments_whose_totals_change,
    |app| {
        let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
        let miluo = app.department(MILUO_CODE, "汨罗市数据局").await;
        // due Thursday 28 May 2026: 汨罗 hands in the day before (another instance, its clock on
        // 27 May), 君山 on Monday 1 June (the test clock), two working days late
        let round = app.round("2026-05-28", &[JUNSHAN_CODE, MILUO_CODE]).await;
        let early = app.beside(at("2026-05-27T10:00:00+08:00"));
        submit_ok(&early, round, &miluo, MILUO).await;
        submit_ok(&app, round, &junshan, JUNSHAN).await;

        let r = upload(&app, &candidate()).await;
        assert_eq!(r.status(), 201);
        let version = body(r).await;
        assert_eq!(
            (version["id"].as_str(), version["built_in"].as_bool()),
            (Some("yueyang-2024-trial"), Some(false))
        );
        let hash = version["content_hash"].as_str().expect("hash").to_string();
        let list = body(app.get("/api/v1/rubrics", Some(ADMIN)).await).await;
        let ids: Vec<&str> = list
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|v| v["id"].as_str())
            .collect();
        assert!(
            ids.contains(&"yueyang-2024") && ids.contains(&"yueyang-2024-trial"),
            "{list}"
        );

        let sheet_path = dept_path(round, JUNSHAN_CODE, "score-sheet");
        let before = app.get(&sheet_path, Some(ADMIN)).await;
        let (before_tag, before_sheet) = (etag(&before), body(before).await);
        let round_before = body(
            app.get(&format!("/api/v1/rounds/{round}"), Some(ADMIN))
                .await,
        )
        .await;

        let path = format!("/api/v1/rounds/{round}/rubric-trial?rubric_hash={hash}");
        let r = app.get(&path, Some(ADMIN)).await;
        assert_eq!(r.status(), 200);
        let trial = body(r).await;
        assert_eq!(trial["changed"], json!([JUNSHAN_CODE]), "{trial}");
        let row = |code: &str| -> Value {
            trial["departments"]
                .as_array()
                .and_then(|a| a.iter().find(|d| d["department"] == code))
                .cloned()
                .expect("row")
        };
        let j = row(JUNSHAN_CODE);
        assert_eq!(
            j["items"],
            json!([{ "item": "timeliness", "before": "8", "after": "6" }]),
            "{j}"
        );
        let total = |v: &Value| {
            v.as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .expect("a total")
        };
        assert_eq!(total(&j["total_before"]) - total(&j["total_after"]), 2.0);
        assert_eq!(row(MILUO_CODE)["items"], json!([]));
        assert_eq!(
            (
                trial["rubric_before"].as_str(),
                trial["rubric_after"].as_str()
            ),
            (Some("yueyang-2024"), Some("yueyang-2024-trial"))
        );

        let r = app.get(&format!("{path}&format=csv"), Some(ADMIN)).await;
        assert_eq!(r.status(), 200);
        let csv = r.text().await.unwrap_or_default();
        assert!(
            csv.starts_with('\u{feff}') && csv.contains("timeliness 8→6"),
            "{csv}"
        );

        // nothing was written: the round, the sheet and its ETag are as they were
        let after = app.get(&sheet_path, Some(ADMIN)).await;
        assert_eq!(etag(&after), before_tag);
        assert_eq!(body(after).await, before_sheet);
        let round_after = body(
            app.get(&format!("/api/v1/rounds/{round}"), Some(ADMIN))
                .await,
        )
        .await;
        assert_eq!(round_after, round_before);
        early.stop().await;
        app.stop().await;
    }
);

on_both!(a_round_opens_with_an_uploaded_version, |app| {
    let hash = body(upload(&app, &candidate()).await).await["content_hash"]
        .as_str()
        .expect("hash")
        .to_string();
    // uploading the same file again answers the same version
    assert_eq!(
        body(upload(&app, &candidate()).await).await["content_hash"],
        hash
    );
    app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let open = |rubric: &str, hash: Option<&str>| {
        json!({ "year": 2024, "title": "2024年度部门整体支出绩效自评考核", "deadline": AHEAD,
                "rubric": rubric, "rubric_hash": hash, "departments": [JUNSHAN_CODE] })
    };
    let r = app
        .post(
            "/api/v1/rounds",
            Some(ADMIN),
            open("yueyang-2024-trial", None),
        )
        .await;
    assert_eq!(r.status(), 201);
    let round = body(r).await;
    assert_eq!(
        (round["rubric"].as_str(), round["rubric_hash"].as_str()),
        (Some("yueyang-2024-trial"), Some(hash.as_str()))
    );
    let r = app
        .post(
            "/api/v1/rounds",
            Some(ADMIN),
            open("yueyang-2024", Some(&hash)),
        )
        .await;
    let v = assert_client_error(r, "hash of another rubric").await;
    assert_eq!(v["error"]["details"]["field"], "rubric_hash");
    let r = app
        .get(&format!("/api/v1/rubrics/{hash}"), Some(ADMIN))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap_or_default(), candidate());
    app.stop().await;
});

on_both!(bad_rubrics_and_trials_are_refused_clearly, |app| {
    let broken = YUEYANG.replace(
        "max = 10\nmethod = \"automatic\"",
        "max = 11\nmethod = \"automatic\"",
    );
    let v = assert_client_error(upload(&app, &broken).await, "items no longer add up").await;
    assert_eq!(v["error"]["details"]["field"], "source");
    let v = assert_client_error(upload(&app, "id = [").await, "not TOML").await;
    assert_eq!(v["error"]["details"]["field"], "source");
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let r = upload(&app, &candidate()).await;
    let hash = body(r).await["content_hash"]
        .as_str()
        .expect("hash")
        .to_string();
    let path = format!("/api/v1/rounds/{round}/rubric-trial?rubric_hash={hash}");
    assert_eq!(app.get(&path, Some(&dept)).await.status(), 403);
    let r = app
        .get(
            &format!("/api/v1/rounds/{round}/rubric-trial?rubric_hash=00"),
            Some(ADMIN),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app.get(&format!("{path}&format=xml"), Some(ADMIN)).await;
    assert_client_error(r, "unknown format").await;
    let r = app
        .post(
            "/api/v1/rubrics",
            Some(&dept),
            json!({ "source": candidate() }),
        )
        .await;
    assert_eq!(r.status(), 403);
    app.stop().await;
});
