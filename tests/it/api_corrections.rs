//! Corrections as corrections (issue 18, item 4): after an override the current list holds only
//! deductions that count; what was replaced is shown apart, in the JSON the department reads
//! and in the text sheet; no deduction costs 0 points.

use reqwest::Method;

use crate::support::api_helpers::*;
use crate::support::*;

on_both!(
    an_override_leaves_no_superseded_deduction_in_the_current_list,
    |app| {
        let (junshan, round) = junshan_round(&app, AHEAD).await;
        // the fixture has no 自评通知: 未提交自评通知, 0 of 2
        submit_ok(&app, round, &junshan, JUNSHAN).await;
        let r = app
            .post(
                &format!("/api/v1/rounds/{round}/close"),
                Some(ADMIN),
                serde_json::json!({ "reason": "全部部门已报送，提前截止" }),
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let path = dept_path(round, JUNSHAN_CODE, "score-sheet");
        let r = app.get(&path, Some(ADMIN)).await;
        let tag = r.headers()["etag"].to_str().expect("etag").to_string();
        let before = body(r).await;
        assert_eq!(sheet_item(&before, "notice_issued")["score"], "0");
        assert!(!sheet_item(&before, "notice_issued")["deductions"]
            .as_array()
            .expect("list")
            .is_empty());

        let reason = "通知以纸质文件下发，已核对原件：有文号、有日期";
        let r = send(
            &app,
            Method::PUT,
            &dept_path(round, JUNSHAN_CODE, "overrides/notice_issued"),
            ADMIN,
            &tag,
            serde_json::json!({ "score": "2", "reason": reason }),
        )
        .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());

        // the sheet as reviewed (the department reads it so once results are released)
        let sheet = body(app.get(&path, Some(ADMIN)).await).await;
        let notice = sheet_item(&sheet, "notice_issued");
        assert_eq!(notice["score"], "2");
        assert_eq!(notice["status"], "overridden");
        assert_eq!(notice["deductions"], serde_json::json!([]), "{notice}");
        assert_eq!(notice["replaced"]["score"], "0", "{notice}");
        let replaced = notice["replaced"]["deductions"]
            .as_array()
            .expect("replaced deductions");
        assert!(
            replaced
                .iter()
                .any(|d| d["reason"].as_str().is_some_and(|r| r.contains("自评通知"))),
            "{notice}"
        );
        // every deduction in every current list costs points, and they add up to what was lost
        for i in sheet["items"].as_array().expect("items") {
            let lost: rust_decimal::Decimal = i["deductions"]
                .as_array()
                .expect("deductions")
                .iter()
                .map(|d| {
                    let p: rust_decimal::Decimal = d["points"]
                        .as_str()
                        .expect("points")
                        .parse()
                        .expect("decimal");
                    assert!(
                        p > rust_decimal::Decimal::ZERO,
                        "a −0 line in {}: {d}",
                        i["code"]
                    );
                    p
                })
                .sum();
            if let (Some(score), Some(max)) = (i["score"].as_str(), i["max"].as_str()) {
                if i["status"] == "scored" {
                    let (score, max): (rust_decimal::Decimal, rust_decimal::Decimal) =
                        (score.parse().expect("score"), max.parse().expect("max"));
                    assert_eq!(
                        max - score,
                        lost,
                        "{}: deductions explain the score",
                        i["code"]
                    );
                }
            }
        }
        // the text sheet agrees: not among the deductions that count, listed apart as replaced
        let parsed: kaoping::model::ScoreSheet =
            serde_json::from_value(sheet.clone()).expect("a sheet");
        let text = kaoping::render::score_sheet(&parsed);
        let (current, corrections) = text.split_once("更正记录").expect("a corrections section");
        let listed = current
            .split_once("扣分明细")
            .map(|(_, d)| d.split_once("评审参考").map_or(d, |(d, _)| d))
            .unwrap_or_default();
        assert!(!listed.contains("印发通知 扣"), "{text}");
        assert!(listed.contains("内容与附件 扣6分"), "{text}");
        assert!(corrections.contains("原自动评分0分，现为2分"), "{text}");
        assert!(corrections.contains("已不计"), "{text}");
        assert!(!text.contains("扣0分"), "{text}");
        assert!(text.contains(&format!("更正为2分：{reason}")), "{text}");
    }
);
