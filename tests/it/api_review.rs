//! The reviewer workflow over HTTP: assignment and conflicts of interest, judgments within the
//! bands, double review and reconciliation, overrides, If-Match, release, appeals, and the audit
//! log replayed into the final sheet — on SQLite and PostgreSQL.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use reqwest::{Method, Response};
use serde_json::{json, Value};

/// A closed round with 君山 and 汨罗 submitted, and four reviewers: 甲 belongs to 汨罗, 乙 and 丙
/// belong nowhere, 组长 is a lead reviewer.
struct Setup {
    round: i64,
    junshan: String,
    miluo: String,
    /// (reviewer id, token) of 甲, 乙, 丙, 组长.
    jia: (i64, String),
    yi: (i64, String),
    bing: (i64, String),
    lead: (i64, String),
}

async fn setup(app: &TestApp) -> Setup {
    let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let miluo = app.department(MILUO_CODE, "汨罗市").await;
    let round = app.round(AHEAD, &[JUNSHAN_CODE, MILUO_CODE]).await;
    submit_ok(app, round, &junshan, JUNSHAN).await;
    submit_ok(app, round, &miluo, MILUO).await;
    let s = Setup {
        round,
        jia: reviewer(app, "甲", Some(MILUO_CODE), false).await,
        yi: reviewer(app, "乙", None, false).await,
        bing: reviewer(app, "丙", None, false).await,
        lead: reviewer(app, "组长", None, true).await,
        junshan,
        miluo,
    };
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(ADMIN),
            json!({ "reason": "测试：提前截止" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    s
}

async fn assign(app: &TestApp, round: i64, code: &str, reviewer: i64) -> Response {
    app.post(
        &format!("/api/v1/rounds/{round}/assignments"),
        Some(ADMIN),
        json!({ "department": code, "reviewer": reviewer }),
    )
    .await
}

fn item_path(round: i64, code: &str, kind: &str, item: &str) -> String {
    dept_path(round, code, &format!("{kind}/{item}"))
}

/// The item's ETag as the reviewer reads it.
async fn etag(app: &TestApp, round: i64, code: &str, item: &str, token: &str) -> String {
    let r = app
        .get(&item_path(round, code, "judgments", item), Some(token))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    r.headers()["etag"].to_str().expect("etag").to_string()
}

async fn put(app: &TestApp, path: &str, token: &str, if_match: Option<&str>, b: Value) -> Response {
    let mut req = app
        .client
        .request(Method::PUT, format!("{}{path}", app.base))
        .bearer_auth(token)
        .json(&b);
    if let Some(t) = if_match {
        req = req.header("If-Match", t);
    }
    req.send().await.expect("request sent")
}

/// Reads the ETag, then judges; expects 200.
async fn judge(
    app: &TestApp,
    s: &Setup,
    code: &str,
    item: &str,
    who: &(i64, String),
    b: Value,
) -> Value {
    let tag = etag(app, s.round, code, item, &who.1).await;
    let r = put(
        app,
        &item_path(s.round, code, "judgments", item),
        &who.1,
        Some(&tag),
        b,
    )
    .await;
    let status = r.status();
    let v = body(r).await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn sheet(app: &TestApp, round: i64, code: &str, token: &str) -> Value {
    let r = app
        .get(&dept_path(round, code, "score-sheet"), Some(token))
        .await;
    assert_eq!(r.status(), 200);
    body(r).await
}

fn item<'a>(sheet: &'a Value, code: &str) -> &'a Value {
    sheet["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == code))
        .unwrap_or_else(|| panic!("no item {code} in {sheet}"))
}

on_both!(
    assignment_refuses_conflicts_of_interest_and_spreads_evenly,
    |app| {
        let s = setup(&app).await;
        // 甲 belongs to 汨罗
        let e = assert_error(
            assign(&app, s.round, MILUO_CODE, s.jia.0).await,
            409,
            "conflict_of_interest",
        )
        .await;
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(MILUO_CODE),
            "{e}"
        );
        // 乙 declares a conflict with 君山 (a reviewer may declare their own)
        let r = app
            .post(
                &format!("/api/v1/reviewers/{}/conflicts", s.yi.0),
                Some(&s.yi.1),
                json!({ "department": JUNSHAN_CODE, "reason": "配偶在该部门任职" }),
            )
            .await;
        assert_eq!(r.status(), 201);
        assert_error(
            assign(&app, s.round, JUNSHAN_CODE, s.yi.0).await,
            409,
            "conflict_of_interest",
        )
        .await;
        // a department token may not assign
        let r = app
            .post(
                &format!("/api/v1/rounds/{}/assignments", s.round),
                Some(&s.junshan),
                json!({ "department": JUNSHAN_CODE, "reviewer": s.bing.0 }),
            )
            .await;
        assert_error(r, 403, "forbidden").await;

        let r = app
            .post(
                &format!("/api/v1/rounds/{}/assignments/auto", s.round),
                Some(ADMIN),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let auto = body(r).await;
        assert_eq!(auto["unfilled"], json!([]), "{auto}");
        let r = app
            .get(
                &format!("/api/v1/rounds/{}/assignments", s.round),
                Some(ADMIN),
            )
            .await;
        let all = body(r).await;
        let all = all.as_array().expect("list");
        assert_eq!(
            all.len(),
            4,
            "two reviewers for each of two departments: {all:?}"
        );
        for a in all {
            let (dept, rev) = (
                a["department"].as_str().unwrap_or(""),
                a["reviewer_id"].as_i64(),
            );
            assert!(
                !(dept == MILUO_CODE && rev == Some(s.jia.0)),
                "甲 never on 汨罗"
            );
            assert!(
                !(dept == JUNSHAN_CODE && rev == Some(s.yi.0)),
                "乙 never on 君山"
            );
        }
        let mut load = std::collections::BTreeMap::new();
        for a in all {
            *load.entry(a["reviewer_id"].as_i64()).or_insert(0) += 1;
        }
        assert!(load.values().all(|n| *n <= 2), "spread evenly: {load:?}");
        // the reviewer's queue lists their submissions with the items to judge
        let mine: Vec<&Value> = all
            .iter()
            .filter(|a| a["reviewer_id"] == s.bing.0)
            .collect();
        let r = app.get("/api/v1/queue", Some(&s.bing.1)).await;
        let q = body(r).await;
        assert_eq!(q.as_array().map(Vec::len), Some(mine.len()), "{q}");
        if let Some(first) = q.as_array().and_then(|a| a.first()) {
            assert!(first["submitted"].as_bool().unwrap_or(false));
            let items: Vec<&str> = first["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["item"].as_str())
                .collect();
            for code in ["indicator_quality", "problems", "suggestions"] {
                assert!(items.contains(&code), "{items:?}");
            }
        }
    }
);

on_both!(
    judgments_keep_the_bands_and_need_a_reason_and_if_match,
    |app| {
        let s = setup(&app).await;
        assert_eq!(
            assign(&app, s.round, JUNSHAN_CODE, s.bing.0).await.status(),
            201
        );
        let path = item_path(s.round, JUNSHAN_CODE, "judgments", "problems");
        // the item shows hints, the suggested band and the bands
        let r = app.get(&path, Some(&s.bing.1)).await;
        let view = body(r).await;
        assert!(view["hints"].is_object(), "{view}");
        assert!(view["suggested"].is_object(), "{view}");
        assert!(
            view["bands"].as_array().is_some_and(|b| !b.is_empty()),
            "{view}"
        );
        let tag = etag(&app, s.round, JUNSHAN_CODE, "problems", &s.bing.1).await;
        // without If-Match: 428; with a wrong one: 412
        assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                None,
                json!({ "score": "16", "reason": "问题较全面" }),
            )
            .await,
            428,
            "precondition_required",
        )
        .await;
        assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                Some("\"stale\""),
                json!({ "score": "16", "reason": "问题较全面" }),
            )
            .await,
            412,
            "precondition_failed",
        )
        .await;
        // 12.3 is off the rubric's 0.5 step; 19 lies between bands and needs a discretionary reason of
        // 10 characters; no reason; a JSON number (scores are exact decimal strings)
        let e = assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                Some(&tag),
                json!({ "score": "12.3", "reason": "问题较全面" }),
            )
            .await,
            422,
            "invalid_judgment",
        )
        .await;
        assert_eq!(e["error"]["details"]["field"], "score");
        let e = assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                Some(&tag),
                json!({ "score": "19", "reason": "问题较全面" }),
            )
            .await,
            422,
            "invalid_judgment",
        )
        .await;
        assert_eq!(e["error"]["details"]["field"], "reason");
        let e = assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                Some(&tag),
                json!({ "score": "16", "reason": "  " }),
            )
            .await,
            422,
            "invalid_judgment",
        )
        .await;
        assert_eq!(e["error"]["details"]["field"], "reason");
        assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                Some(&tag),
                json!({ "score": 16, "reason": "问题较全面" }),
            )
            .await,
            422,
            "invalid_request",
        )
        .await;
        // indicator_quality takes its three sub-scores within 0–5, 0–3, 0–2
        let q = item_path(s.round, JUNSHAN_CODE, "judgments", "indicator_quality");
        let qtag = etag(&app, s.round, JUNSHAN_CODE, "indicator_quality", &s.bing.1).await;
        let e = assert_error(
            put(
                &app,
                &q,
                &s.bing.1,
                Some(&qtag),
                json!({ "sub_scores": ["4", "4", "1"], "reason": "可衡量" }),
            )
            .await,
            422,
            "invalid_judgment",
        )
        .await;
        assert_eq!(e["error"]["details"]["field"], "sub_scores");
        // a reviewer not assigned may not judge; nor may a department
        assert_error(
            put(
                &app,
                &path,
                &s.yi.1,
                Some(&tag),
                json!({ "score": "16", "reason": "问题较全面" }),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
        assert_error(
            put(
                &app,
                &path,
                &s.junshan,
                Some(&tag),
                json!({ "score": "16", "reason": "问题较全面" }),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
        // a good judgment: with one reviewer assigned it is the item's score
        let r = put(
            &app,
            &path,
            &s.bing.1,
            Some(&tag),
            json!({ "score": "16", "reason": "问题覆盖三个方面" }),
        )
        .await;
        assert_eq!(r.status(), 200);
        let new_tag = r.headers()["etag"].to_str().expect("etag").to_string();
        assert_ne!(new_tag, tag);
        assert_eq!(body(r).await["score"], "16");
        // the old ETag is stale now
        assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                Some(&tag),
                json!({ "score": "18", "reason": "改判" }),
            )
            .await,
            412,
            "precondition_failed",
        )
        .await;
        let v = judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "indicator_quality",
            &s.bing,
            json!({ "sub_scores": ["4", "2", "2"], "reason": "指标大多可衡量" }),
        )
        .await;
        assert_eq!(v["score"], "8");
    }
);

on_both!(
    two_reviewers_are_averaged_within_the_threshold_and_reconciled_beyond,
    |app| {
        let s = setup(&app).await;
        for r in [&s.yi, &s.bing] {
            assert_eq!(assign(&app, s.round, JUNSHAN_CODE, r.0).await.status(), 201);
        }
        judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "problems",
            &s.yi,
            json!({ "score": "16", "reason": "三个方面" }),
        )
        .await;
        let v = judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "suggestions",
            &s.yi,
            json!({ "score": "12", "reason": "较全面" }),
        )
        .await;
        assert_eq!(
            v["progress"]["state"], "awaiting_reviews",
            "the second reviewer is missing: {v}"
        );
        let r = app
            .get(&format!("/api/v1/rounds/{}/review", s.round), Some(ADMIN))
            .await;
        let status = body(r).await;
        assert!(
            status["not_judged"].as_array().is_some_and(|p| p
                .iter()
                .any(|x| x["item"] == "problems" && x["missing"] == json!(["丙"]))),
            "{status}"
        );
        // 15 and 16: within 2 points, the mean
        judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "problems",
            &s.bing,
            json!({ "score": "15", "reason": "两个方面，原因分析不足" }),
        )
        .await;
        let sh = sheet(&app, s.round, JUNSHAN_CODE, ADMIN).await;
        assert_eq!(item(&sh, "problems")["score"], "15.5");
        assert_eq!(item(&sh, "problems")["judgment"]["basis"], "mean");
        // 12 and 6: beyond the threshold, a lead reviewer decides
        judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "suggestions",
            &s.bing,
            json!({ "score": "6", "reason": "建议过于简单" }),
        )
        .await;
        let sh = sheet(&app, s.round, JUNSHAN_CODE, ADMIN).await;
        assert_eq!(
            item(&sh, "suggestions")["status"],
            "awaiting_reconciliation"
        );
        assert_eq!(item(&sh, "suggestions")["score"], Value::Null);
        let r = app
            .get(
                &format!("/api/v1/rounds/{}/review", s.round),
                Some(&s.lead.1),
            )
            .await;
        let status = body(r).await;
        let waiting = &status["awaiting_reconciliation"];
        assert!(
            waiting.as_array().is_some_and(|w| w
                .iter()
                .any(|x| x["item"] == "suggestions" && x["department"] == JUNSHAN_CODE)),
            "{status}"
        );
        // the lead's queue holds the decision; a plain reviewer's does not
        let queue = body(app.get("/api/v1/queue", Some(&s.lead.1)).await).await;
        let decide: Vec<&Value> = queue
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|e| e["items"].as_array().into_iter().flatten())
            .filter(|i| i["task"] == "reconcile")
            .collect();
        assert_eq!(decide.len(), 1, "{queue}");
        assert_eq!(decide[0]["item"], "suggestions");
        let plain = body(app.get("/api/v1/queue", Some(&s.yi.1)).await).await;
        assert!(!plain.to_string().contains("reconcile"), "{plain}");
        // a plain reviewer may not decide; the lead may, within the bands and with a reason
        let path = item_path(s.round, JUNSHAN_CODE, "decisions", "suggestions");
        let tag = etag(&app, s.round, JUNSHAN_CODE, "suggestions", &s.lead.1).await;
        assert_error(
            put(
                &app,
                &path,
                &s.yi.1,
                Some(&tag),
                json!({ "score": "9", "reason": "裁定" }),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
        assert_error(
            put(&app, &path, &s.lead.1, Some(&tag), json!({ "score": "9" })).await,
            422,
            "invalid_judgment",
        )
        .await;
        let r = put(
            &app,
            &path,
            &s.lead.1,
            Some(&tag),
            json!({ "score": "9", "reason": "建议与问题对应不全" }),
        )
        .await;
        assert_eq!(r.status(), 200);
        // there is nothing to reconcile on an item within the threshold
        let ptag = etag(&app, s.round, JUNSHAN_CODE, "problems", &s.lead.1).await;
        assert_error(
            put(
                &app,
                &item_path(s.round, JUNSHAN_CODE, "decisions", "problems"),
                &s.lead.1,
                Some(&ptag),
                json!({ "score": "16", "reason": "裁定" }),
            )
            .await,
            409,
            "conflict",
        )
        .await;
        let sh = sheet(&app, s.round, JUNSHAN_CODE, ADMIN).await;
        let sug = item(&sh, "suggestions");
        assert_eq!(sug["score"], "9");
        assert_eq!(sug["judgment"]["basis"], "reconciliation");
        assert_eq!(
            sug["judgment"]["reviews"].as_array().map(Vec::len),
            Some(2),
            "{sug}"
        );
    }
);

on_both!(
    an_override_shows_the_automatic_value_and_who_changed_it,
    |app| {
        let s = setup(&app).await;
        assert_eq!(
            assign(&app, s.round, JUNSHAN_CODE, s.bing.0).await.status(),
            201
        );
        let path = item_path(s.round, JUNSHAN_CODE, "overrides", "body_complete");
        let tag = etag(&app, s.round, JUNSHAN_CODE, "body_complete", &s.bing.1).await;
        assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                Some(&tag),
                json!({ "score": "6", "reason": "" }),
            )
            .await,
            422,
            "invalid_judgment",
        )
        .await;
        assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                Some(&tag),
                json!({ "score": "9", "reason": "满分为8分" }),
            )
            .await,
            422,
            "invalid_judgment",
        )
        .await;
        // a judgment item is judged, not overridden
        let ptag = etag(&app, s.round, JUNSHAN_CODE, "problems", &s.bing.1).await;
        assert_error(
            put(
                &app,
                &item_path(s.round, JUNSHAN_CODE, "overrides", "problems"),
                &s.bing.1,
                Some(&ptag),
                json!({ "score": "20", "reason": "x" }),
            )
            .await,
            422,
            "invalid_judgment",
        )
        .await;
        let r = put(
            &app,
            &path,
            &s.bing.1,
            Some(&tag),
            json!({ "score": "6", "reason": "第三部分“绩效目标完成情况”只有标题，没有内容" }),
        )
        .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let sh = sheet(&app, s.round, JUNSHAN_CODE, ADMIN).await;
        let b = item(&sh, "body_complete");
        assert_eq!(b["score"], "6");
        assert_eq!(b["automatic_score"], "8");
        assert_eq!(b["status"], "overridden");
        assert_eq!(b["override"]["by"], "丙");
    }
);

on_both!(
    concurrent_writes_with_one_etag_let_exactly_one_through,
    |app| {
        let s = setup(&app).await;
        assert_eq!(
            assign(&app, s.round, JUNSHAN_CODE, s.bing.0).await.status(),
            201
        );
        let path = item_path(s.round, JUNSHAN_CODE, "judgments", "problems");
        let tag = etag(&app, s.round, JUNSHAN_CODE, "problems", &s.bing.1).await;
        let writes = (0..8).map(|n| {
            let (app, path, tag, token) = (&app, &path, &tag, &s.bing.1);
            async move {
                let score = ["13", "14", "15", "16", "17", "18", "10", "20"][n];
                put(
                    app,
                    path,
                    token,
                    Some(tag),
                    json!({ "score": score, "reason": format!("第{n}次") }),
                )
                .await
                .status()
                .as_u16()
            }
        });
        let codes = futures_util::future::join_all(writes).await;
        assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
        assert_eq!(codes.iter().filter(|c| **c == 412).count(), 7, "{codes:?}");
        // the sheet's ETag works as a precondition too, and goes stale with any write
        let r = app
            .get(
                &dept_path(s.round, JUNSHAN_CODE, "score-sheet"),
                Some(ADMIN),
            )
            .await;
        let sheet_tag = r.headers()["etag"].to_str().expect("etag").to_string();
        let again = app
            .client
            .get(format!(
                "{}{}",
                app.base,
                dept_path(s.round, JUNSHAN_CODE, "score-sheet")
            ))
            .bearer_auth(ADMIN)
            .header("If-None-Match", &sheet_tag)
            .send()
            .await
            .expect("sent");
        assert_eq!(again.status(), 304);
        let r = put(
            &app,
            &path,
            &s.bing.1,
            Some(&sheet_tag),
            json!({ "score": "13", "reason": "依整表版本改判" }),
        )
        .await;
        assert_eq!(r.status(), 200);
        assert_error(
            put(
                &app,
                &path,
                &s.bing.1,
                Some(&sheet_tag),
                json!({ "score": "14", "reason": "旧版本" }),
            )
            .await,
            412,
            "precondition_failed",
        )
        .await;
    }
);

/// Judges every judgment item of 君山 with one reviewer.
async fn judge_all(app: &TestApp, s: &Setup) {
    assert_eq!(
        assign(app, s.round, JUNSHAN_CODE, s.bing.0).await.status(),
        201
    );
    assert_eq!(
        assign(app, s.round, MILUO_CODE, s.bing.0).await.status(),
        201
    );
    for code in [JUNSHAN_CODE, MILUO_CODE] {
        judge(
            app,
            s,
            code,
            "indicator_quality",
            &s.bing,
            json!({ "sub_scores": ["4", "2", "2"], "reason": "指标大多可衡量" }),
        )
        .await;
        judge(
            app,
            s,
            code,
            "problems",
            &s.bing,
            json!({ "score": "16", "reason": "问题覆盖三个方面" }),
        )
        .await;
        judge(
            app,
            s,
            code,
            "suggestions",
            &s.bing,
            json!({ "score": "12", "reason": "建议较全面" }),
        )
        .await;
    }
    // 汨罗's partly refined indicators wait for confirmation
    let sh = sheet(app, s.round, MILUO_CODE, ADMIN).await;
    if item(&sh, "indicator_levels")["score"].is_null() {
        judge(
            app,
            s,
            MILUO_CODE,
            "indicator_levels",
            &s.bing,
            json!({ "score": "3", "reason": "部分指标未细化到三级" }),
        )
        .await;
    }
}

on_both!(
    release_needs_complete_sheets_then_departments_see_reasons_and_appeal,
    |app| {
        let s = setup(&app).await;
        let release = format!("/api/v1/rounds/{}/release", s.round);
        // before judging: not fully scored, listing what is missing
        let e = assert_error(
            app.post(&release, Some(ADMIN), json!({})).await,
            409,
            "not_fully_scored",
        )
        .await;
        assert!(
            e["error"]["details"]["missing"]
                .as_array()
                .is_some_and(|m| m.iter().any(|x| x["item"] == "problems")),
            "{e}"
        );
        // before release a department sees its automatic checks only
        judge_all(&app, &s).await;
        let before = sheet(&app, s.round, JUNSHAN_CODE, &s.junshan).await;
        assert!(item(&before, "problems")["score"].is_null(), "{before}");
        let r = app.post(&release, Some(ADMIN), json!({})).await;
        assert_eq!(r.status(), 200);
        let round = body(r).await;
        assert_eq!(round["state"], "released");
        assert!(round["appeal_deadline"].is_string());
        // after release: every item, deduction and reason, reviewers unnamed
        let after = sheet(&app, s.round, JUNSHAN_CODE, &s.junshan).await;
        assert_eq!(item(&after, "problems")["score"], "16");
        assert_eq!(
            item(&after, "problems")["judgment"]["reason"],
            "问题覆盖三个方面"
        );
        assert_eq!(item(&after, "problems")["judgment"]["by"], "评审组");
        assert_eq!(after["complete"], true);
        // judgments are final now: only appeals change scores
        let tag = etag(&app, s.round, JUNSHAN_CODE, "problems", &s.bing.1).await;
        assert_error(
            put(
                &app,
                &item_path(s.round, JUNSHAN_CODE, "judgments", "problems"),
                &s.bing.1,
                Some(&tag),
                json!({ "score": "18", "reason": "改判" }),
            )
            .await,
            409,
            "conflict",
        )
        .await;
        // a department appeals its own sheet only, with a reason and evidence
        let appeals = dept_path(s.round, JUNSHAN_CODE, "appeals");
        assert_error(app.get(&appeals, Some(&s.miluo)).await, 403, "forbidden").await;
        assert_error(
            app.post(
                &dept_path(s.round, MILUO_CODE, "appeals"),
                Some(&s.junshan),
                json!({ "item": "problems", "reason": "问题分析已覆盖四个方面" }),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
        let form = reqwest::multipart::Form::new()
            .text("item", "problems")
            .text("reason", "报告第五部分从四个方面分析了问题及原因")
            .part(
                "evidence",
                file_part("第五部分原文".as_bytes(), "第五部分.txt", "text/plain"),
            );
        let r = app
            .client
            .post(format!("{}{appeals}", app.base))
            .bearer_auth(&s.junshan)
            .multipart(form)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 201);
        let appeal = body(r).await;
        assert_eq!(appeal["state"], "pending");
        assert_eq!(appeal["score_before"], "16");
        assert_eq!(appeal["evidence"].as_array().map(Vec::len), Some(1));
        let file = app
            .get(
                appeal["evidence"][0]["url"].as_str().unwrap_or(""),
                Some(ADMIN),
            )
            .await;
        assert_eq!(file.text().await.unwrap_or_default(), "第五部分原文");
        // one pending appeal per item
        assert_error(
            app.post(
                &appeals,
                Some(&s.junshan),
                json!({ "item": "problems", "reason": "再次申请复核" }),
            )
            .await,
            409,
            "conflict",
        )
        .await;
        let second = body(
            app.post(
                &appeals,
                Some(&s.junshan),
                json!({ "item": "suggestions", "reason": "建议与问题一一对应" }),
            )
            .await,
        )
        .await;
        // the lead upholds the first with a new score (If-Match), rejects the second
        let id = appeal["id"].as_i64().expect("id");
        let decide = |id: i64| format!("/api/v1/rounds/{}/appeals/{id}/decision", s.round);
        let tag = etag(&app, s.round, JUNSHAN_CODE, "problems", &s.lead.1).await;
        let upheld = app
        .client
        .post(format!("{}{}", app.base, decide(id)))
        .bearer_auth(&s.lead.1)
        .header("If-Match", &tag)
        .json(&json!({ "outcome": "upheld", "score": "20", "reason": "复核确认问题归纳全面并分析了原因" }))
        .send()
        .await
        .expect("sent");
        assert_eq!(upheld.status(), 200);
        assert_eq!(body(upheld).await["state"], "upheld");
        let r = app
            .post(
                &decide(second["id"].as_i64().expect("id")),
                Some(ADMIN),
                json!({ "outcome": "rejected", "reason": "建议仍未对应问题三" }),
            )
            .await;
        assert_eq!(body(r).await["state"], "rejected");
        let sh = sheet(&app, s.round, JUNSHAN_CODE, &s.junshan).await;
        assert_eq!(item(&sh, "problems")["score"], "20");
        assert_eq!(item(&sh, "problems")["judgment"]["basis"], "appeal");
        assert_eq!(item(&sh, "suggestions")["score"], "12");
        // the window closes: a later appeal is refused
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/rounds/{}", s.round),
                Some(ADMIN),
                Some(json!({ "appeal_deadline": "2026-05-29", "reason": "复核期已届满" })),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_error(
            app.post(
                &appeals,
                Some(&s.junshan),
                json!({ "item": "indicator_quality", "reason": "指标质量评分偏低" }),
            )
            .await,
            409,
            "appeal_window_closed",
        )
        .await;
    }
);

on_both!(
    the_audit_log_replays_into_the_final_sheet_and_cannot_be_changed,
    |app| {
        let s = setup(&app).await;
        for r in [&s.yi, &s.bing] {
            assert_eq!(assign(&app, s.round, JUNSHAN_CODE, r.0).await.status(), 201);
        }
        judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "problems",
            &s.yi,
            json!({ "score": "16", "reason": "三个方面" }),
        )
        .await;
        judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "problems",
            &s.yi,
            json!({ "score": "18", "reason": "改判：原因分析较全面" }),
        )
        .await;
        judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "problems",
            &s.bing,
            json!({ "score": "13", "reason": "原因分析不足" }),
        )
        .await;
        judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "suggestions",
            &s.yi,
            json!({ "score": "12", "reason": "较全面" }),
        )
        .await;
        judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "suggestions",
            &s.bing,
            json!({ "score": "11", "reason": "对应不全" }),
        )
        .await;
        let tag = etag(&app, s.round, JUNSHAN_CODE, "problems", &s.lead.1).await;
        assert_eq!(
            put(
                &app,
                &item_path(s.round, JUNSHAN_CODE, "decisions", "problems"),
                &s.lead.1,
                Some(&tag),
                json!({ "score": "16", "reason": "覆盖三个方面" })
            )
            .await
            .status(),
            200
        );
        let tag = etag(&app, s.round, JUNSHAN_CODE, "timeliness", ADMIN).await;
        assert_eq!(
            put(
                &app,
                &item_path(s.round, JUNSHAN_CODE, "overrides", "timeliness"),
                ADMIN,
                Some(&tag),
                json!({ "score": "3", "reason": "系统故障致迟报，经批准顺延" })
            )
            .await
            .status(),
            200
        );
        // withdrawing 乙 removes 乙's judgments (audited)
        let r = app.call(Method::DELETE, &format!("/api/v1/rounds/{}/assignments/{JUNSHAN_CODE}/{}?reason=%E5%B7%A5%E4%BD%9C%E8%B0%83%E6%95%B4", s.round, s.yi.0), Some(ADMIN), None).await;
        assert_eq!(r.status(), 204);
        // only admins read the log
        assert_error(
            app.get(
                &format!("/api/v1/rounds/{}/audit", s.round),
                Some(&s.lead.1),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
        let log = body(
            app.get(&dept_path(s.round, JUNSHAN_CODE, "audit"), Some(ADMIN))
                .await,
        )
        .await;
        let entries: Vec<kaoping::review::AuditEntry> =
            serde_json::from_value(log.clone()).expect("entries");
        let actions: Vec<&str> = log
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for a in [
            "submission",
            "assignment_added",
            "judgment_set",
            "resolution_set",
            "judgment_removed",
            "assignment_removed",
        ] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
        let set = entries
            .iter()
            .find(|e| e.action == kaoping::review::AuditAction::JudgmentSet && e.before.is_some())
            .expect("a changed judgment");
        assert!(set.actor.contains("乙"), "who: {}", set.actor);
        assert_eq!(
            set.before.as_ref().map(|b| b["judgment"]["score"].clone()),
            Some(json!("16"))
        );
        assert_eq!(
            set.after.as_ref().map(|b| b["judgment"]["score"].clone()),
            Some(json!("18"))
        );
        // the round's log holds the round's own events too
        let round_log = body(
            app.get(&format!("/api/v1/rounds/{}/audit", s.round), Some(ADMIN))
                .await,
        )
        .await;
        let round_actions: Vec<&str> = round_log
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(
            round_actions.contains(&"round_created") && round_actions.contains(&"round_state"),
            "{round_actions:?}"
        );

        // replay: the log alone, applied to the package, gives the sheet the API shows
        let ledgers = kaoping::review::replay(&entries);
        let package: kaoping::model::Package = serde_json::from_str(JUNSHAN).expect("package");
        let history = body(
            app.get(
                &dept_path(s.round, JUNSHAN_CODE, "submissions"),
                Some(ADMIN),
            )
            .await,
        )
        .await;
        let received: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(history[0]["submitted_at"].clone()).expect("instant");
        let rubric =
            kaoping::rubric::Rubric::builtin(kaoping::rubric::DEFAULT_RUBRIC).expect("rubric");
        let replayed = kaoping::review::sheet(
            &rubric,
            kaoping::calendar::WorkCalendar::embedded(),
            kaoping::scoring::ScoringInput {
                deadline: AHEAD.parse().ok(),
                received_at: Some(received),
                ..kaoping::scoring::ScoringInput::package(&package)
            },
            &ledgers[JUNSHAN_CODE],
        )
        .expect("replayed sheet");
        let served: kaoping::model::ScoreSheet =
            serde_json::from_value(sheet(&app, s.round, JUNSHAN_CODE, ADMIN).await).expect("sheet");
        assert_eq!(replayed.sheet.total, served.total);
        for (a, b) in replayed.sheet.items.iter().zip(&served.items) {
            assert_eq!(
                (&a.code, a.score, a.status),
                (&b.code, b.score, b.status),
                "{}",
                a.code
            );
        }
        let score = |code: &str| {
            served
                .items
                .iter()
                .find(|i| i.code == code)
                .and_then(|i| i.score)
        };
        assert_eq!(
            score("suggestions"),
            Some(rust_decimal::Decimal::new(11, 0)),
            "丙 alone remains"
        );
        assert_eq!(
            score("problems"),
            Some(rust_decimal::Decimal::new(16, 0)),
            "the lead's decision stands"
        );

        // the log cannot be edited or deleted, even from SQL
        let url = app.db.url();
        let refused = sql_refused(&url, "UPDATE audit_log SET reason = 'x'")
            && sql_refused(&url, "DELETE FROM audit_log");
        assert!(refused, "triggers refuse changes to the audit log");
    }
);

// Every response a department, a viewer and the public can read of a judged, appealed,
// published and public round: no reviewer's name, and no reviewer id, anywhere.
on_both!(no_reviewer_name_reaches_departments_or_the_public, |app| {
    let s = setup(&app).await;
    let zhang = reviewer(&app, "评委张三丰", None, false).await;
    let li = reviewer(&app, "评委李四光", None, false).await;
    let lead = reviewer(&app, "组长王五岳", None, true).await;
    let names = ["张三丰", "李四光", "王五岳", "评委", "组长王"];
    for (code, who) in [
        (JUNSHAN_CODE, &zhang),
        (JUNSHAN_CODE, &li),
        (MILUO_CODE, &zhang),
    ] {
        assert_eq!(assign(&app, s.round, code, who.0).await.status(), 201);
    }
    // both judge 君山 within the double-review threshold, so their mean counts and its reason
    // quotes each of them; 张 alone judges 汨罗
    for (code, who, delta) in [
        (JUNSHAN_CODE, &zhang, 0),
        (JUNSHAN_CODE, &li, 1),
        (MILUO_CODE, &zhang, 0),
    ] {
        let subs = if delta == 0 {
            ["4", "2", "2"]
        } else {
            ["4", "3", "2"]
        };
        judge(
            &app,
            &s,
            code,
            "indicator_quality",
            who,
            json!({ "sub_scores": subs, "reason": "指标大多可衡量" }),
        )
        .await;
        let problems = (15 + delta).to_string();
        judge(
            &app,
            &s,
            code,
            "problems",
            who,
            json!({ "score": problems, "reason": "问题覆盖三个方面" }),
        )
        .await;
        let suggestions = (11 + delta).to_string();
        judge(
            &app,
            &s,
            code,
            "suggestions",
            who,
            json!({ "score": suggestions, "reason": "建议较全面" }),
        )
        .await;
    }
    let sh = sheet(&app, s.round, MILUO_CODE, ADMIN).await;
    if item(&sh, "indicator_levels")["score"].is_null() {
        judge(
            &app,
            &s,
            MILUO_CODE,
            "indicator_levels",
            &zhang,
            json!({ "score": "3", "reason": "部分指标未细化到三级" }),
        )
        .await;
    }
    // the admin sees who judged
    let own = sheet(&app, s.round, JUNSHAN_CODE, ADMIN).await;
    assert!(own.to_string().contains("张三丰"), "{own}");
    let r = app
        .post(
            &format!("/api/v1/rounds/{}/release", s.round),
            Some(ADMIN),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // 君山 appeals; the lead upholds it
    let appeals = dept_path(s.round, JUNSHAN_CODE, "appeals");
    let appeal = body(
        app.post(
            &appeals,
            Some(&s.junshan),
            json!({ "item": "problems", "reason": "问题分析已覆盖四个方面" }),
        )
        .await,
    )
    .await;
    let tag = etag(&app, s.round, JUNSHAN_CODE, "problems", &lead.1).await;
    let id = appeal["id"].as_i64().expect("appeal id");
    let r = app
        .client
        .post(format!(
            "{}/api/v1/rounds/{}/appeals/{id}/decision",
            app.base, s.round
        ))
        .bearer_auth(&lead.1)
        .header("If-Match", &tag)
        .json(&json!({ "outcome": "upheld", "score": "18", "reason": "复核确认问题归纳全面" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            &format!("/api/v1/rounds/{}/publish", s.round),
            Some(ADMIN),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/rounds/{}", s.round),
            Some(ADMIN),
            Some(json!({ "public_results": true, "reason": "公开结果" })),
        )
        .await;
    assert_eq!(r.status(), 200);
    let viewer = body(
        app.post("/api/v1/tokens", Some(ADMIN), json!({ "role": "viewer" }))
            .await,
    )
    .await;
    let viewer = viewer["token"].as_str().expect("token").to_string();

    let round = s.round;
    let mut read = Vec::new();
    for (who, token) in [
        ("君山", Some(s.junshan.as_str())),
        ("查看者", Some(viewer.as_str())),
        ("公众", None),
    ] {
        let mut paths = vec![
            format!("/api/v1/rounds/{round}/rankings"),
            format!("/api/v1/rounds/{round}/rankings.csv"),
            format!("/api/v1/rounds/{round}/publications"),
            format!("/api/v1/rounds/{round}/publications/1"),
            format!("/api/v1/rounds/{round}/departments/{JUNSHAN_CODE}/published"),
            format!("/api/v1/rounds/{round}/departments/{MILUO_CODE}/published"),
        ];
        if token.is_some() {
            paths.extend([
                format!("/api/v1/rounds/{round}"),
                "/api/v1/me".to_string(),
                dept_path(round, JUNSHAN_CODE, "score-sheet"),
                dept_path(round, JUNSHAN_CODE, "submissions"),
                dept_path(round, JUNSHAN_CODE, "appeals"),
                dept_path(round, JUNSHAN_CODE, "audit"),
            ]);
        }
        for path in paths {
            let r = app.get(&path, token).await;
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            if status.is_success() {
                read.push(format!("{who} {path}"));
            }
            for name in names {
                assert!(!text.contains(name), "{who} reads {name} at {path}: {text}");
            }
            assert!(
                !text.contains("reviewer_id"),
                "{who} reads a reviewer id at {path}: {text}"
            );
        }
    }
    // the walk read what matters, and the averaged reason names the reviewers by label
    for must in ["君山 /api/v1/rounds", "公众 /api/v1/rounds"] {
        assert!(read.iter().any(|r| r.starts_with(must)), "{read:?}");
    }
    let published = body(
        app.get(
            &format!("/api/v1/rounds/{round}/departments/{JUNSHAN_CODE}/published"),
            Some(s.junshan.as_str()),
        )
        .await,
    )
    .await;
    assert!(published["sheet"].is_object(), "{published}");
    let reason = item(&published["sheet"], "suggestions")["judgment"]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        reason.contains("评审专家1：建议较全面") && reason.contains("评审专家2：建议较全面"),
        "{reason}"
    );
    let dept = sheet(&app, round, JUNSHAN_CODE, &s.junshan).await;
    assert_eq!(
        item(&dept, "suggestions")["judgment"]["reason"],
        reason.as_str()
    );
    app.stop().await;
});

/// Expects 409 conflict_of_interest whose message says `says`.
async fn refused_as_conflict(r: Response, says: &str) {
    let e = assert_error(r, 409, "conflict_of_interest").await;
    let message = e["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains(says), "{e}");
}

on_both!(
    conflicts_follow_the_department_tree_and_a_judging_lead_cannot_decide,
    |app| {
        // 君山 (430611001) with a subordinate unit 430611002, both in one round
        let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
        let unit = json!({ "code": "430611002", "name": "君山区数据中心", "category": "县区", "parent": JUNSHAN_CODE });
        assert_eq!(
            app.post("/api/v1/departments", Some(ADMIN), unit)
                .await
                .status(),
            201
        );
        let centre = issue(&app, "department", Some("430611002")).await["token"]
            .as_str()
            .expect("token")
            .to_string();
        let round = app.round(AHEAD, &[JUNSHAN_CODE, "430611002"]).await;
        submit_ok(&app, round, &junshan, JUNSHAN).await;
        submit_ok(
            &app,
            round,
            &centre,
            &edited(JUNSHAN, |p| p["department"]["code"] = json!("430611002")),
        )
        .await;
        app.post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(ADMIN),
            json!({ "reason": "测试：提前截止" }),
        )
        .await;
        let own = reviewer(&app, "君山评审", Some(JUNSHAN_CODE), false).await;
        reviewer(&app, "外区评审", None, false).await;
        reviewer(&app, "第三评审", None, false).await;
        let lead = reviewer(&app, "复核组长", None, true).await;

        // a reviewer of 君山 is refused its subordinate unit, by hand and by auto-assignment
        refused_as_conflict(assign(&app, round, "430611002", own.0).await, "下属单位").await;
        let auto = body(
            app.post(
                &format!("/api/v1/rounds/{round}/assignments/auto"),
                Some(ADMIN),
                json!({ "per_submission": 2 }),
            )
            .await,
        )
        .await;
        for a in auto["created"].as_array().expect("created") {
            assert_ne!(
                a["reviewer"], own.0,
                "auto-assigned across the tree: {auto}"
            );
        }

        // the lead judges an item of 君山, then may not reconcile it
        let s = Setup {
            round,
            jia: own.clone(),
            yi: own.clone(),
            bing: own,
            lead: lead.clone(),
            junshan,
            miluo: centre,
        };
        assert_eq!(
            assign(&app, round, JUNSHAN_CODE, lead.0).await.status(),
            201
        );
        judge(
            &app,
            &s,
            JUNSHAN_CODE,
            "problems",
            &lead,
            json!({ "score": "16", "reason": "问题覆盖三个方面" }),
        )
        .await;
        let path = item_path(round, JUNSHAN_CODE, "decisions", "problems");
        let tag = etag(&app, round, JUNSHAN_CODE, "problems", &lead.1).await;
        let r = put(
            &app,
            &path,
            &lead.1,
            Some(&tag),
            json!({ "score": "15", "reason": "组长裁定：问题归纳尚可" }),
        )
        .await;
        refused_as_conflict(r, "另一位组长或管理员").await;
        app.stop().await;
    }
);
