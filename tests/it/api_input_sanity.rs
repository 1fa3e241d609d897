//! Input that makes sense or a clear refusal (issue 18, item 5): figures as plain decimals,
//! no sign where none belongs, a sane size; document dates checked; the registered
//! department's name on the sheet, never the package's own.

use serde_json::Value;

use crate::support::api_helpers::*;
use crate::support::*;

fn with_executed(v: &str) -> String {
    edited(JUNSHAN, |p| {
        p["report"]["department_table"]["funds"][0]["executed"] = Value::String(v.to_string())
    })
}

on_both!(nonsense_figures_are_refused_with_the_field, |app| {
    let (junshan, round) = junshan_round(&app, AHEAD).await;
    for (bad, why) in [
        ("1E5", "科学计数法"),
        ("79228162514264337593543950335", "过大"),
        ("+5", "不是数字"),
    ] {
        let v = assert_error(
            submit(&app, round, &junshan, &with_executed(bad)).await,
            422,
            "invalid_request",
        )
        .await;
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(why), "{bad}: {v}");
    }
    let v = assert_error(
        submit(&app, round, &junshan, &with_executed("-1")).await,
        422,
        "invalid_request",
    )
    .await;
    assert_eq!(
        v["error"]["details"]["field"], "report.department_table.funds[0].executed",
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("负数"),
        "{v}"
    );
    for year in [99999, 1900, 2023] {
        let pkg = edited(JUNSHAN, |p| p["year"] = year.into());
        let v = assert_error(
            submit(&app, round, &junshan, &pkg).await,
            422,
            "invalid_request",
        )
        .await;
        assert_eq!(v["error"]["details"]["field"], "year", "{year}: {v}");
    }
    // nothing was stored
    let r = app
        .get(&dept_path(round, JUNSHAN_CODE, "submissions"), Some(ADMIN))
        .await;
    assert_eq!(body(r).await, serde_json::json!([]));
});

on_both!(a_judgment_score_with_an_exponent_is_refused, |app| {
    let (junshan, round) = junshan_round(&app, AHEAD).await;
    submit_ok(&app, round, &junshan, JUNSHAN).await;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(ADMIN),
        serde_json::json!({ "reason": "测试：提前截止" }),
    )
    .await;
    let path = dept_path(round, JUNSHAN_CODE, "overrides/timeliness");
    let r = app
        .get(&dept_path(round, JUNSHAN_CODE, "score-sheet"), Some(ADMIN))
        .await;
    let tag = r.headers()["etag"].to_str().expect("etag").to_string();
    let r = send(
        &app,
        reqwest::Method::PUT,
        &path,
        ADMIN,
        &tag,
        serde_json::json!({ "score": "1e1", "reason": "按收文登记，按时报送" }),
    )
    .await;
    let v = assert_error(r, 422, "invalid_request").await;
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("科学计数法"),
        "{v}"
    );
});

on_both!(
    the_sheet_names_the_registered_department_and_dates_are_checked,
    |app| {
        let (junshan, round) = junshan_round(&app, AHEAD).await;
        let pkg = edited(JUNSHAN, |p| {
            p["department"]["name"] = Value::String("<b>别的局</b>\u{202E}gpj.exe".into());
            p["notice"] = serde_json::json!({
                "title": "关于开展2024年度部门整体支出绩效自评工作的通知",
                "issued_on": "1900-01-01",
                "text": "各单位：根据有关要求，现就开展自评工作通知如下。",
            });
        });
        let v = submit_ok(&app, round, &junshan, &pkg).await;
        let sheet = &v["score_sheet"];
        assert_eq!(
            sheet["department"], "岳阳市君山区数据局",
            "{}",
            sheet["department"]
        );
        let found: Vec<&Value> = sheet["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["code"] == "document_date_implausible")
            .collect();
        assert_eq!(found.len(), 1, "{}", sheet["findings"]);
        assert!(found[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1900-01-01"));
    }
);

on_both!(messages_are_in_chinese_and_say_what_to_do, |app| {
    let (junshan, round) = junshan_round(&app, PAST).await;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(ADMIN),
        serde_json::json!({}),
    )
    .await;
    let v = assert_error(
        submit(&app, round, &junshan, JUNSHAN).await,
        409,
        "conflict",
    )
    .await;
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("不再接收材料") && msg.contains("联系财政局管理员"),
        "{v}"
    );
    // a missing query parameter is named, in Chinese
    let r = app
        .call(
            reqwest::Method::DELETE,
            "/api/v1/calendar/years/2026",
            Some(ADMIN),
            None,
        )
        .await;
    let v = assert_client_error(r, "no reason").await;
    assert_eq!(v["error"]["details"]["field"], "reason", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("缺少查询参数 reason"),
        "{v}"
    );
    // another department's sheet before publication
    let miluo = app.department(MILUO_CODE, "汨罗市数据局").await;
    let r = app
        .get(&dept_path(round, JUNSHAN_CODE, "score-sheet"), Some(&miluo))
        .await;
    let v = assert_client_error(r, "another department").await;
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(!msg.is_ascii(), "{v}");
});
