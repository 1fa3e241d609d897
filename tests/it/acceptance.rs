//! The two whole reports of shared/reports, transcribed by hand, score as RUBRIC.md says.

use crate::support::common;

use common::*;
use rust_decimal_macros::dec;

#[test]
fn junshan_scores_full_on_completeness_and_tables() {
    let s = sheet(&default_rubric(), &junshan());
    assert_eq!(item(&s, "body_complete").score, Some(dec!(8)));
    assert_eq!(item(&s, "attachments_complete").score, Some(dec!(7)));
    assert_eq!(item(&s, "indicator_weights").score, Some(dec!(5)));
    assert_eq!(item(&s, "indicator_levels").score, Some(dec!(5)));
    assert!(item(&s, "body_complete").deductions.is_empty());
}

#[test]
fn junshan_basic_expenditure_mismatch_is_found() {
    let s = sheet(&default_rubric(), &junshan());
    let f = s
        .findings
        .iter()
        .find(|f| f.code == "figure_mismatch" && f.message.contains("基本支出"))
        .expect("a finding on 基本支出");
    assert!(
        f.message.contains("183.19") && f.message.contains("183.17"),
        "{}",
        f.message
    );
    assert!(
        f.location.contains("正文") && f.location.contains("自评表"),
        "{}",
        f.location
    );
}

#[test]
fn junshan_projects_without_their_own_table_are_a_finding_not_a_deduction() {
    let s = sheet(&default_rubric(), &junshan());
    let f = s
        .findings
        .iter()
        .find(|f| f.code == "project_without_table")
        .expect("finding");
    assert!(
        f.message.contains("数字展馆") && f.message.contains("其他资金"),
        "{}",
        f.message
    );
    assert_eq!(item(&s, "attachments_complete").score, Some(dec!(7)));
}

#[test]
fn miluo_body_is_incomplete_and_names_the_missing_parts() {
    let s = sheet(&default_rubric(), &miluo());
    let body = item(&s, "body_complete");
    assert_eq!(body.score, Some(dec!(0)));
    let reasons: Vec<&str> = body.deductions.iter().map(|d| d.reason.as_str()).collect();
    for part in [
        "三、政府性基金预算支出情况",
        "四、国有资本经营预算支出情况",
        "五、社会保险基金预算支出情况",
        "九、部门整体支出绩效自评结果拟应用和公开情况",
        "十、其他需要说明的情况",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(part)),
            "{part} not named in {reasons:?}"
        );
    }
    // 七、存在的主要问题及改进建议 covers both 问题 and 改进措施
    assert!(!reasons
        .iter()
        .any(|r| r.contains("存在的问题") || r.contains("下一步改进措施")));
    let points: rust_decimal::Decimal = body.deductions.iter().map(|d| d.points).sum();
    assert_eq!(points, dec!(8));
}

#[test]
fn miluo_attachments_and_cost_weights() {
    let s = sheet(&default_rubric(), &miluo());
    assert_eq!(item(&s, "attachments_complete").score, Some(dec!(7)));
    assert_eq!(item(&s, "indicator_weights").score, Some(dec!(5)));
    assert!(
        !s.findings.iter().any(|f| f.code == "figure_mismatch"),
        "{:?}",
        s.findings
    );
}

#[test]
fn miluo_weights_do_not_conform_under_the_national_only_rubric() {
    let s = sheet(&national_rubric(), &miluo());
    let w = item(&s, "indicator_weights");
    assert_eq!(w.score, Some(dec!(0)));
    assert_eq!(w.deductions.len(), 5, "one deduction per table");
    assert!(
        w.deductions[0].reason.contains("成本20"),
        "{}",
        w.deductions[0].reason
    );
    // 君山区 uses the national scheme throughout
    assert_eq!(
        item(&sheet(&national_rubric(), &junshan()), "indicator_weights").score,
        Some(dec!(5))
    );
}

#[test]
fn judgment_items_wait_with_a_suggested_band() {
    for pkg in [junshan(), miluo()] {
        let s = sheet(&default_rubric(), &pkg);
        assert!(!s.complete);
        assert_eq!(s.grade, None);
        for code in ["indicator_quality", "problems", "suggestions"] {
            assert_eq!(item(&s, code).score, None, "{code}");
            assert!(item(&s, code).hints.is_some(), "{code} has hints");
        }
        let band = item(&s, "problems").suggested.as_ref().expect("band");
        assert!(band.min > dec!(0) && band.max <= dec!(20));
    }
}

#[test]
fn score_sheet_json_has_the_fields_relied_on() {
    let s = sheet(&default_rubric(), &junshan());
    let v = serde_json::to_value(&s).expect("json");
    assert_eq!(v["rubric"], "yueyang-2024");
    assert_eq!(v["complete"], false);
    assert!(v["grade"].is_null());
    assert!(v["total"].is_string(), "decimals are strings on the wire");
    let body = v["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == "body_complete"))
        .expect("item");
    assert_eq!(body["max"], "8");
    assert_eq!(body["score"], "8");
    assert_eq!(body["method"], "automatic");
    assert!(body["deductions"].is_array());
    let problems = v["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == "problems"))
        .expect("item");
    assert!(problems["score"].is_null());
    assert_eq!(problems["method"], "judgment");
    assert!(
        problems["suggested"]["min"].is_string() && problems["suggested"]["reason"].is_string()
    );
    assert!(problems["hints"].is_object());
    let f = &v["findings"][0];
    for key in ["code", "severity", "message", "location"] {
        assert!(f[key].is_string(), "finding.{key}");
    }
}

#[test]
fn fixtures_round_trip_and_keep_printed_scale() {
    for pkg in [junshan(), miluo()] {
        let text = serde_json::to_string(&pkg).expect("serialize");
        let back: kaoping::model::Package = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(pkg, back);
    }
    let m = miluo();
    let t = m
        .report
        .as_ref()
        .and_then(|r| r.project_tables.first())
        .expect("project table");
    assert_eq!(
        t.indicators[0].score.map(|d| d.to_string()).as_deref(),
        Some("2.00")
    );
}
