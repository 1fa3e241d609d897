//! Publication over HTTP: versions frozen and diffed, rankings with their tie rule and cut-offs,
//! a department's own published sheet, CSV and XLSX exports with ETags, public read — on SQLite
//! and PostgreSQL.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use reqwest::{Method, Response};
use serde_json::{json, Value};

/// Takes part, never submits.
const ABSENT_CODE: &str = "430600903";

/// A closed round: 君山 and 汨罗 (县区) submitted, a 市直 department that did not; a reviewer
/// assigned to both submissions. Returns (round, 君山 token, reviewer token).
async fn closed_round(app: &TestApp) -> (i64, String, String) {
    let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let miluo = app.department(MILUO_CODE, "汨罗市数据局").await;
    let r = app
        .post(
            "/api/v1/departments",
            Some(ADMIN),
            json!({ "code": ABSENT_CODE, "name": "示例市未报送局", "category": "市直" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let round = app
        .round(AHEAD, &[JUNSHAN_CODE, MILUO_CODE, ABSENT_CODE])
        .await;
    submit_ok(app, round, &junshan, JUNSHAN).await;
    submit_ok(app, round, &miluo, MILUO).await;
    let r = app
        .post(
            "/api/v1/reviewers",
            Some(ADMIN),
            json!({ "name": "丙", "lead": true }),
        )
        .await;
    let id = body(r).await["id"].as_i64().expect("reviewer id");
    let r = app
        .post(
            "/api/v1/tokens",
            Some(ADMIN),
            json!({ "role": "reviewer", "reviewer": id }),
        )
        .await;
    let reviewer = body(r).await["token"].as_str().expect("token").to_string();
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(ADMIN),
            json!({ "reason": "测试：提前截止" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    for code in [JUNSHAN_CODE, MILUO_CODE] {
        let r = app
            .post(
                &format!("/api/v1/rounds/{round}/assignments"),
                Some(ADMIN),
                json!({ "department": code, "reviewer": id }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    (round, junshan, reviewer)
}

fn rankings(round: i64, query: &str) -> String {
    format!("/api/v1/rounds/{round}/rankings{query}")
}

async fn publish(app: &TestApp, round: i64, b: Value) -> Response {
    app.post(&format!("/api/v1/rounds/{round}/publish"), Some(ADMIN), b)
        .await
}

fn row<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["department"] == code)
        .unwrap_or_else(|| panic!("{code} is not in {v}"))
}

on_both!(
    publishing_needs_full_scores_then_ranks_every_department,
    |app| {
        let (round, junshan, reviewer) = closed_round(&app).await;
        // only admins publish, and only complete results
        assert_error(
            app.post(
                &format!("/api/v1/rounds/{round}/publish"),
                Some(&junshan),
                json!({}),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
        let e = assert_error(
            publish(&app, round, json!({})).await,
            409,
            "not_fully_scored",
        )
        .await;
        let missing = e["error"]["details"]["missing"]
            .as_array()
            .expect("missing");
        assert!(missing
            .iter()
            .any(|m| m["department"] == JUNSHAN_CODE && m["item"] == "problems"));
        assert_error(
            app.get(&rankings(round, ""), Some(ADMIN)).await,
            404,
            "not_found",
        )
        .await;
        judge_all(&app, round, JUNSHAN_CODE, &reviewer).await;
        judge_all(&app, round, MILUO_CODE, &reviewer).await;
        // a body that is sent must be valid
        for (text, status) in [("{\"reason\": \"x\"", 400), ("{\"reason\": 12}", 422)] {
            let r = app
                .client
                .post(format!("{}/api/v1/rounds/{round}/publish", app.base))
                .bearer_auth(ADMIN)
                .body(text)
                .send()
                .await
                .expect("sent");
            assert_eq!(r.status(), status, "{text}");
        }

        let r = publish(&app, round, json!({})).await;
        assert_eq!(r.status(), 201);
        assert_eq!(
            r.headers()["location"],
            format!("/api/v1/rounds/{round}/publications/1").as_str()
        );
        let p = body(r).await;
        assert_eq!(p["version"], 1);
        assert_eq!(p["reason"], "首次公布");
        assert_eq!(
            (p["departments"].as_i64(), p["ranked"].as_i64()),
            (Some(3), Some(2))
        );
        assert_eq!(p["sha256"].as_str().map(str::len), Some(64));
        let round_view = body(
            app.get(&format!("/api/v1/rounds/{round}"), Some(ADMIN))
                .await,
        )
        .await;
        assert_eq!(round_view["state"], "published");
        assert!(
            round_view["appeal_deadline"].is_string(),
            "publishing releases"
        );

        // the ranking states its rule, cut-offs and rubric, and lists the department that did not submit
        let v = body(app.get(&rankings(round, ""), Some(ADMIN)).await).await;
        assert_eq!(v["version"], 1);
        assert_eq!(v["latest_version"], 1);
        assert_eq!(v["tie_rule"], "standard_competition");
        assert_eq!(v["tie_rule_description"], "标准竞赛排名（1-2-2-4）");
        assert_eq!(v["rubric"], "yueyang-2024");
        assert_eq!(v["cutoffs"][0], json!({ "grade": "优", "min": "90" }));
        assert_eq!(v["categories"], json!(["县区", "市直"]));
        assert_eq!(v["total_rows"], 3);
        let rows = v["rows"].as_array().expect("rows");
        assert_eq!(rows[0]["rank"], 1);
        assert_eq!(rows[2]["department"], ABSENT_CODE);
        assert_eq!(rows[2]["standing"], "not_submitted");
        assert!(rows[2]["rank"].is_null() && rows[2]["total"].is_null());
        // each total is the sum of its item scores, and graded by the cut-offs
        for r in &rows[..2] {
            let sum: rust_decimal::Decimal = r["items"]
                .as_object()
                .expect("items")
                .values()
                .map(|s| {
                    s.as_str()
                        .expect("score")
                        .parse::<rust_decimal::Decimal>()
                        .expect("decimal")
                })
                .sum();
            let total: rust_decimal::Decimal = r["total"]
                .as_str()
                .expect("total")
                .parse()
                .expect("decimal");
            assert_eq!(sum, total, "{r}");
            let grade = if total >= 90.into() {
                "优"
            } else if total >= 80.into() {
                "良"
            } else if total >= 60.into() {
                "中"
            } else {
                "差"
            };
            assert_eq!(r["grade"], grade);
        }
        // the final totals include the judgments, not just the automatic checks
        let sheet = body(
            app.get(&dept_path(round, JUNSHAN_CODE, "score-sheet"), Some(ADMIN))
                .await,
        )
        .await;
        assert_eq!(row(&v, JUNSHAN_CODE)["total"], sheet["total"]);
        assert_eq!(sheet["complete"], true);
        // the summary
        assert_eq!(v["summary"]["ranked"], 2);
        assert_eq!(v["summary"]["not_submitted"], 1);
        let graded: i64 = v["summary"]["grades"]
            .as_array()
            .expect("grades")
            .iter()
            .map(|g| g["count"].as_i64().expect("count"))
            .sum();
        assert_eq!(graded, 2);
        assert_eq!(v["summary"]["items"].as_array().map(Vec::len), Some(12));

        // a category is ranked on its own; pages; dense ties; bad parameters
        let cat = body(
            app.get(
                &rankings(round, "?category=%E5%B8%82%E7%9B%B4"),
                Some(ADMIN),
            )
            .await,
        )
        .await;
        assert_eq!(cat["category"], "市直");
        assert_eq!(cat["total_rows"], 1);
        assert_eq!(cat["rows"][0]["standing"], "not_submitted");
        let page = body(
            app.get(
                &rankings(round, "?offset=1&limit=1&ties=dense"),
                Some(ADMIN),
            )
            .await,
        )
        .await;
        assert_eq!(page["tie_rule"], "dense");
        assert_eq!(page["tie_rule_description"], "密集排名（1-2-2-3）");
        assert_eq!(page["rows"].as_array().map(Vec::len), Some(1));
        assert_eq!(page["rows"][0]["department"], rows[1]["department"]);
        assert_eq!(page["total_rows"], 3);
        let e = assert_error(
            app.get(&rankings(round, "?limit=0"), Some(ADMIN)).await,
            422,
            "invalid_request",
        )
        .await;
        assert_eq!(e["error"]["details"]["field"], "limit");
        let e = assert_error(
            app.get(&rankings(round, "?version=2"), Some(ADMIN)).await,
            422,
            "invalid_request",
        )
        .await;
        assert_eq!(e["error"]["details"]["field"], "version");
        assert_error(
            app.get(&rankings(round, "?ties=olympic"), Some(ADMIN))
                .await,
            400,
            "invalid_request",
        )
        .await;

        // ETag and 304
        let r = app.get(&rankings(round, ""), Some(ADMIN)).await;
        let tag = r.headers()["etag"].to_str().expect("etag").to_string();
        assert_eq!(r.headers()["cache-control"], "private, no-cache");
        let r = app
            .client
            .get(format!("{}{}", app.base, rankings(round, "")))
            .bearer_auth(ADMIN)
            .header("If-None-Match", &tag)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 304);
        assert_eq!(r.headers()["etag"], tag.as_str());

        // a department reads its own published sheet and rank, not another's
        let mine = body(
            app.get(&dept_path(round, JUNSHAN_CODE, "published"), Some(&junshan))
                .await,
        )
        .await;
        assert_eq!(mine["version"], 1);
        assert_eq!(mine["rank"], row(&v, JUNSHAN_CODE)["rank"]);
        assert_eq!(mine["total"], row(&v, JUNSHAN_CODE)["total"]);
        assert_eq!(
            mine["category_rank"], mine["rank"],
            "both submitters are 县区"
        );
        assert_eq!(mine["ranked_of"], 2);
        let problems = mine["sheet"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["code"] == "problems")
            .expect("problems");
        assert_eq!(problems["judgment"]["reason"], "按评分标准评定");
        assert_eq!(
            problems["judgment"]["by"], "评审组",
            "reviewers are not named"
        );
        assert_error(
            app.get(&dept_path(round, MILUO_CODE, "published"), Some(&junshan))
                .await,
            403,
            "forbidden",
        )
        .await;
        // departments may read the rankings once published
        assert_eq!(
            app.get(&rankings(round, ""), Some(&junshan)).await.status(),
            200
        );
        let absent = body(
            app.get(&dept_path(round, ABSENT_CODE, "published"), Some(ADMIN))
                .await,
        )
        .await;
        assert!(absent["sheet"].is_null() && absent["rank"].is_null());
    }
);

on_both!(
    corrections_publish_new_versions_with_a_diff_and_old_ones_stay,
    |app| {
        let (round, junshan, reviewer) = closed_round(&app).await;
        judge_all(&app, round, JUNSHAN_CODE, &reviewer).await;
        judge_all(&app, round, MILUO_CODE, &reviewer).await;
        assert_eq!(publish(&app, round, json!({})).await.status(), 201);
        let v1 = body(app.get(&rankings(round, ""), Some(ADMIN)).await).await;
        let before = row(&v1, JUNSHAN_CODE)["items"]["timeliness"].clone();
        let total_before = row(&v1, JUNSHAN_CODE)["total"].clone();

        // nothing changed: no new version; a new version needs a reason
        let e = assert_error(
            publish(&app, round, json!({})).await,
            422,
            "invalid_request",
        )
        .await;
        assert_eq!(e["error"]["details"]["field"], "reason");
        assert_error(
            publish(&app, round, json!({ "reason": "再次公布" })).await,
            409,
            "conflict",
        )
        .await;

        // an admin corrects an automatic item after publication (a reviewer may not)
        let path = dept_path(round, JUNSHAN_CODE, "overrides/timeliness");
        let tag = app
            .get(&dept_path(round, JUNSHAN_CODE, "score-sheet"), Some(ADMIN))
            .await
            .headers()["etag"]
            .to_str()
            .expect("etag")
            .to_string();
        let b = json!({ "score": "6", "reason": "更正：报送时间以收文登记为准，逾期2个工作日" });
        let r = send(&app, Method::PUT, &path, &reviewer, &tag, b.clone()).await;
        assert_eq!(r.status(), 409, "reviewers judge only closed rounds");
        let r = send(&app, Method::PUT, &path, ADMIN, &tag, b).await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());

        // the published version has not changed
        let still = body(app.get(&rankings(round, ""), Some(ADMIN)).await).await;
        assert_eq!(row(&still, JUNSHAN_CODE)["items"]["timeliness"], before);

        let r = publish(&app, round, json!({ "reason": "更正君山区报送时间" })).await;
        assert_eq!(r.status(), 201);
        assert_eq!(body(r).await["version"], 2);
        let v2 = body(app.get(&rankings(round, ""), Some(ADMIN)).await).await;
        assert_eq!(
            (v2["version"].as_i64(), v2["latest_version"].as_i64()),
            (Some(2), Some(2))
        );
        assert_eq!(row(&v2, JUNSHAN_CODE)["items"]["timeliness"], "6");
        // version 1 is still readable as it was, and now names the latest version
        let old = body(app.get(&rankings(round, "?version=1"), Some(ADMIN)).await).await;
        assert_eq!(old["version"], 1);
        assert_eq!(old["latest_version"], 2);
        assert_eq!(row(&old, JUNSHAN_CODE)["items"]["timeliness"], before);
        assert_eq!(row(&old, JUNSHAN_CODE)["total"], total_before);
        let old_sheet = body(
            app.get(
                &format!("{}?version=1", dept_path(round, JUNSHAN_CODE, "published")),
                Some(&junshan),
            )
            .await,
        )
        .await;
        assert_eq!(old_sheet["total"], total_before);

        // the versions and the diff: who moved, which item, why
        let list = body(
            app.get(&format!("/api/v1/rounds/{round}/publications"), Some(ADMIN))
                .await,
        )
        .await;
        let versions: Vec<i64> = list
            .as_array()
            .expect("list")
            .iter()
            .map(|p| p["version"].as_i64().expect("v"))
            .collect();
        assert_eq!(versions, [1, 2]);
        assert_eq!(list[1]["reason"], "更正君山区报送时间");
        let d = body(
            app.get(
                &format!("/api/v1/rounds/{round}/publications/2"),
                Some(ADMIN),
            )
            .await,
        )
        .await;
        assert_eq!(d["diff"]["from_version"], 1);
        assert_eq!(d["diff"]["to_version"], 2);
        let moved = &d["diff"]["moved"][0];
        assert_eq!(moved["department"], JUNSHAN_CODE);
        assert_eq!(moved["total_before"], total_before);
        assert_eq!(moved["total_after"], row(&v2, JUNSHAN_CODE)["total"]);
        let changed = d["diff"]["items"].as_array().expect("items");
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0]["item"], "timeliness");
        assert_eq!(changed[0]["before"], before);
        assert_eq!(changed[0]["after"], "6");
        assert_eq!(
            changed[0]["reason"],
            "更正：报送时间以收文登记为准，逾期2个工作日"
        );
        let first = body(
            app.get(
                &format!("/api/v1/rounds/{round}/publications/1"),
                Some(ADMIN),
            )
            .await,
        )
        .await;
        assert!(first["diff"].is_null());

        // an upheld appeal after publication becomes version 3
        let appeal = body(
            app.post(
                &dept_path(round, JUNSHAN_CODE, "appeals"),
                Some(&junshan),
                json!({ "item": "suggestions", "reason": "建议与问题一一对应，请复核" }),
            )
            .await,
        )
        .await;
        let id = appeal["id"].as_i64().unwrap_or_else(|| panic!("{appeal}"));
        let tag = app
            .get(&dept_path(round, JUNSHAN_CODE, "score-sheet"), Some(ADMIN))
            .await
            .headers()["etag"]
            .to_str()
            .expect("etag")
            .to_string();
        let r = send(
            &app,
            Method::POST,
            &format!("/api/v1/rounds/{round}/appeals/{id}/decision"),
            ADMIN,
            &tag,
            json!({ "outcome": "upheld", "score": "15", "reason": "复核：建议与问题逐一对应" }),
        )
        .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        assert_eq!(
            publish(&app, round, json!({ "reason": "复核后更正" }))
                .await
                .status(),
            201
        );
        let d3 = body(
            app.get(
                &format!("/api/v1/rounds/{round}/publications/3"),
                Some(ADMIN),
            )
            .await,
        )
        .await;
        let changed = d3["diff"]["items"].as_array().expect("items");
        assert_eq!(changed[0]["item"], "suggestions");
        assert_eq!(changed[0]["after"], "15");
        assert_eq!(changed[0]["reason"], "复核：建议与问题逐一对应");

        // nothing changes a published version, even from SQL
        let url = app.db.url();
        assert!(sql_refused(&url, "UPDATE publications SET reason = 'x'"));
        assert!(sql_refused(&url, "DELETE FROM published_sheets"));
    }
);

on_both!(exports_and_public_read, |app| {
    let (round, junshan, reviewer) = closed_round(&app).await;
    judge_all(&app, round, JUNSHAN_CODE, &reviewer).await;
    judge_all(&app, round, MILUO_CODE, &reviewer).await;
    assert_eq!(publish(&app, round, json!({})).await.status(), 201);
    let v = body(app.get(&rankings(round, ""), Some(ADMIN)).await).await;

    // CSV: BOM, Chinese header, one line per department, exact decimals
    let r = app
        .get(
            &format!("/api/v1/rounds/{round}/rankings.csv?version=1"),
            Some(ADMIN),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers()["cache-control"],
        "private, max-age=31536000, immutable"
    );
    let tag = r.headers()["etag"].to_str().expect("etag").to_string();
    let bytes = r.bytes().await.expect("bytes");
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("排名,部门编码,部门名称,类别,总分,等级"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 4);
    let top = &v["rows"][0];
    assert!(
        lines[1].starts_with(&format!(
            "1,{},{},{},{},{}",
            top["department"].as_str().expect("code"),
            top["name"].as_str().expect("name"),
            top["category"].as_str().expect("category"),
            top["total"].as_str().expect("total"),
            top["grade"].as_str().expect("grade"),
        )),
        "{}",
        lines[1]
    );
    assert!(lines[3].contains(ABSENT_CODE) && lines[3].contains("未报送"));
    let r = app
        .client
        .get(format!(
            "{}/api/v1/rounds/{round}/rankings.csv?version=1",
            app.base
        ))
        .bearer_auth(ADMIN)
        .header("If-None-Match", &tag)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 304);
    assert_error(
        app.get(
            &format!("/api/v1/rounds/{round}/rankings.csv?limit=5"),
            Some(ADMIN),
        )
        .await,
        422,
        "invalid_request",
    )
    .await;

    // XLSX: a ranking sheet and a per-item sheet with Chinese headers
    let r = app
        .get(
            &format!("/api/v1/rounds/{round}/rankings.xlsx"),
            Some(ADMIN),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    let bytes = r.bytes().await.expect("bytes").to_vec();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    assert_eq!(book.sheet_names(), ["排名", "分项得分"]);
    let sheet = book.worksheet_range("排名").expect("排名");
    assert_eq!(
        sheet.get((0, 0)).map(|c| c.to_string()).as_deref(),
        Some("排名")
    );
    assert_eq!(
        sheet.get((1, 1)).map(|c| c.to_string()),
        top["department"].as_str().map(str::to_string)
    );

    // without a token: 401 until the round's results are public, then rankings and exports
    let anonymous = |path: String| {
        let url = format!("{}{path}", app.base);
        let client = app.client.clone();
        async move { client.get(url).send().await.expect("sent") }
    };
    assert_error(anonymous(rankings(round, "")).await, 401, "unauthenticated").await;
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/rounds/{round}"),
            Some(ADMIN),
            Some(json!({ "public_results": true, "reason": "结果向社会公开" })),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await["public_results"], true);
    let r = anonymous(rankings(round, "")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, no-cache");
    assert_eq!(body(r).await["rows"], v["rows"]);
    assert_eq!(
        anonymous(format!("/api/v1/rounds/{round}/rankings.csv"))
            .await
            .status(),
        200
    );
    assert_eq!(
        anonymous(format!("/api/v1/rounds/{round}/rankings.xlsx"))
            .await
            .status(),
        200
    );
    assert_eq!(
        anonymous(format!("/api/v1/rounds/{round}/publications"))
            .await
            .status(),
        200
    );
    // everything else still needs a token; a bad token is never read as anonymous
    for path in [
        dept_path(round, JUNSHAN_CODE, "published"),
        dept_path(round, JUNSHAN_CODE, "score-sheet"),
        format!("/api/v1/rounds/{round}"),
    ] {
        assert_error(anonymous(path).await, 401, "unauthenticated").await;
    }
    // a token never sees less than no token: a department outside the round reads them too
    let outsider = app.department("430600999", "示例市其他局").await;
    assert_eq!(
        app.get(&rankings(round, ""), Some(&outsider))
            .await
            .status(),
        200
    );
    let r = app.get(&rankings(round, ""), Some("kp_not_a_token")).await;
    assert_error(r, 401, "unauthenticated").await;

    // A page polled again is answered from memory, the same bytes.
    let first = anonymous(rankings(round, ""))
        .await
        .bytes()
        .await
        .expect("body");
    let again = anonymous(rankings(round, ""))
        .await
        .bytes()
        .await
        .expect("body");
    assert_eq!(first, again);
    // Another instance makes the results private (here: straight in the database): this one
    // trusts what it read for at most a second.
    let private = format!("UPDATE rounds SET public_results = false WHERE id = {round}");
    assert!(!sql_refused(&app.db.url(), &private));
    actix_rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_error(anonymous(rankings(round, "")).await, 401, "unauthenticated").await;
    // A change made through this instance shows at once, both ways.
    let round_path = format!("/api/v1/rounds/{round}");
    let set_public = |public: bool| {
        app.call(
            Method::PATCH,
            &round_path,
            Some(ADMIN),
            Some(json!({ "public_results": public, "reason": "公开范围调整" })),
        )
    };
    assert_eq!(set_public(true).await.status(), 200);
    assert_eq!(anonymous(rankings(round, "")).await.status(), 200);
    assert_eq!(set_public(false).await.status(), 200);
    assert_error(anonymous(rankings(round, "")).await, 401, "unauthenticated").await;
    let _ = junshan;
});

on_both!(
    a_moved_deadline_rescores_what_was_stored_at_submission,
    |app| {
        let (token, round) = junshan_round(&app, AHEAD).await;
        submit_ok(&app, round, &token, JUNSHAN).await;
        let timeliness = |sheet: &Value| {
            sheet["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|i| i["code"] == "timeliness")
                .expect("timeliness")["score"]
                .clone()
        };
        let path = dept_path(round, JUNSHAN_CODE, "score-sheet");
        let on_time = body(app.get(&path, Some(ADMIN)).await).await;
        assert_eq!(timeliness(&on_time), "10");
        // the deadline moves back to a day long past: the stored sheet no longer holds
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/rounds/{round}"),
                Some(ADMIN),
                Some(json!({ "deadline": PAST, "reason": "通知要求的报送期限更正" })),
            )
            .await;
        assert_eq!(r.status(), 200);
        let late = body(app.get(&path, Some(ADMIN)).await).await;
        assert_ne!(timeliness(&late), "10", "{late}");
    }
);
