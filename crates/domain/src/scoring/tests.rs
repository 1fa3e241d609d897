use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::model::{ItemStatus, Judgment, Override, Package};
use crate::rubric::{Rubric, DEFAULT_RUBRIC};

fn junshan() -> Package {
    serde_json::from_str(include_str!("../../../../tests/fixtures/junshan-2024.json"))
        .expect("fixture")
}

const DISCRETIONARY_REASON: &str = "问题归纳全面，但政府采购方面的原因分析略简";

fn rubric() -> Rubric {
    Rubric::builtin(DEFAULT_RUBRIC).expect("rubric")
}

fn judge(item: &str, score: Decimal, reason: &str) -> Judgment {
    Judgment {
        item: item.to_string(),
        score: Some(score),
        sub_scores: None,
        reason: reason.to_string(),
        by: "reviewer-1".to_string(),
        at: None,
        basis: None,
        reviews: Vec::new(),
    }
}

fn quality(subs: [Decimal; 3]) -> Judgment {
    Judgment {
        item: "indicator_quality".to_string(),
        score: None,
        sub_scores: Some(subs.to_vec()),
        reason: "指标大多可衡量".to_string(),
        by: "reviewer-1".to_string(),
        at: None,
        basis: None,
        reviews: Vec::new(),
    }
}

fn all_judged() -> Vec<Judgment> {
    vec![
        quality([dec!(4), dec!(2), dec!(2)]),
        judge("problems", dec!(14), "问题涉及两个方面，未分析原因"),
        judge("suggestions", dec!(10), "建议与问题对应不全"),
    ]
}

fn sheet_with(
    rubric: &Rubric,
    pkg: &Package,
    judgments: &[Judgment],
    overrides: &[Override],
) -> Result<ScoreSheet, JudgmentError> {
    score(
        rubric,
        WorkCalendar::embedded(),
        ScoringInput {
            package: pkg,
            deadline: NaiveDate::from_ymd_opt(2025, 4, 30),
            received_at: "2025-04-29T09:00:00+08:00".parse::<DateTime<Utc>>().ok(),
            timing_note: None,
            judgments,
            overrides,
        },
    )
}

/// The sheet of the 君山区 package with these judgments, which must be accepted.
fn judged(judgments: &[Judgment]) -> ScoreSheet {
    sheet_with(&rubric(), &junshan(), judgments, &[]).expect("judgments accepted")
}

/// The error scoring the 君山区 package with these judgments gives.
fn refused(judgments: &[Judgment]) -> JudgmentError {
    match sheet_with(&rubric(), &junshan(), judgments, &[]) {
        Ok(_) => panic!("judgments were accepted"),
        Err(e) => e,
    }
}

fn item<'a>(sheet: &'a ScoreSheet, code: &str) -> &'a crate::model::ItemScore {
    sheet
        .items
        .iter()
        .find(|i| i.code == code)
        .expect("item on sheet")
}

#[test]
fn unjudged_sheet_is_incomplete_without_grade() {
    let sheet = judged(&[]);
    assert!(!sheet.complete);
    assert_eq!(sheet.grade, None);
    assert_eq!(item(&sheet, "problems").score, None);
    assert_eq!(
        item(&sheet, "problems").status,
        ItemStatus::AwaitingJudgment
    );
    // 0+0+0+0 (no notice, group, self-check list) + 10 on time + 8 + 7 + 5 + 5
    assert_eq!(sheet.total, dec!(35));
}

#[test]
fn fully_judged_sheet_is_complete_with_total_and_grade() {
    let sheet = sheet_with(&rubric(), &junshan(), &all_judged(), &[]).expect("sheet");
    assert!(sheet.complete);
    assert_eq!(item(&sheet, "indicator_quality").score, Some(dec!(8)));
    assert_eq!(sheet.total, dec!(35) + dec!(8) + dec!(14) + dec!(10));
    assert_eq!(sheet.grade.as_deref(), Some("中"));
    let j = item(&sheet, "problems")
        .judgment
        .as_ref()
        .expect("judgment kept");
    assert_eq!(j.by, "reviewer-1");
    assert_eq!(item(&sheet, "problems").status, ItemStatus::Judged);
}

#[test]
fn grade_cut_offs_are_inclusive() {
    let r = rubric();
    // 35 automatic points: judgments bring the total to exactly 60, then to 59.5
    let base = [
        quality([dec!(5), dec!(3), dec!(2)]),
        judge("problems", dec!(10), "问题未归纳且过于简单"),
    ];
    let mut sixty = base.to_vec();
    sixty.push(judge(
        "suggestions",
        dec!(5),
        "建议过于简单，仅一句话且未对应问题",
    ));
    let sheet = sheet_with(&r, &junshan(), &sixty, &[]).expect("sheet");
    assert_eq!(sheet.total, dec!(60));
    assert_eq!(sheet.grade.as_deref(), Some("中"));
    let mut below = base.to_vec();
    below.push(judge(
        "suggestions",
        dec!(4.5),
        "建议过于简单，仅一句话且未对应问题",
    ));
    let sheet = sheet_with(&r, &junshan(), &below, &[]).expect("sheet");
    assert_eq!(sheet.total, dec!(59.5));
    assert_eq!(sheet.grade.as_deref(), Some("差"));
}

#[test]
fn judgment_in_a_band_is_accepted_at_both_ends() {
    for s in [dec!(16), dec!(18), dec!(20), dec!(0), dec!(10), dec!(14.5)] {
        let sheet = judged(&[judge("problems", s, "理由")]);
        assert_eq!(item(&sheet, "problems").score, Some(s));
    }
}

#[test]
fn judgment_above_max_or_negative_is_refused() {
    for s in [dec!(21), dec!(-1)] {
        let err = refused(&[judge("problems", s, "理由")]);
        assert!(matches!(err, JudgmentError::OutOfRange { .. }), "{err}");
    }
}

#[test]
fn judgment_off_step_is_refused() {
    let err = refused(&[judge("problems", dec!(16.3), "理由")]);
    assert!(matches!(err, JudgmentError::OffStep { .. }), "{err}");
}

#[test]
fn discretionary_score_needs_a_longer_reason() {
    let err = refused(&[judge("problems", dec!(19), "较好")]);
    assert!(
        matches!(err, JudgmentError::DiscretionaryReasonTooShort { .. }),
        "{err}"
    );
    let sheet = judged(&[judge("problems", dec!(19), DISCRETIONARY_REASON)]);
    assert_eq!(item(&sheet, "problems").score, Some(dec!(19)));
}

#[test]
fn outside_bands_is_refused_when_the_rubric_allows_no_discretion() {
    let src = include_str!("../../../../rubric/yueyang-2024.toml")
        .replace("discretionary = true", "discretionary = false");
    let strict = Rubric::from_toml_str(&src, "strict").expect("rubric");
    let err = sheet_with(
        &strict,
        &junshan(),
        &[judge("problems", dec!(19), DISCRETIONARY_REASON)],
        &[],
    )
    .unwrap_err();
    assert!(matches!(err, JudgmentError::OutsideBands { .. }), "{err}");
}

#[test]
fn judgment_without_reason_is_refused() {
    let err = refused(&[judge("problems", dec!(16), "  ")]);
    assert!(matches!(err, JudgmentError::ReasonRequired { .. }), "{err}");
}

#[test]
fn indicator_quality_needs_three_sub_scores_within_their_maxima() {
    let ok = judged(&[quality([dec!(5), dec!(3), dec!(2)])]);
    assert_eq!(item(&ok, "indicator_quality").score, Some(dec!(10)));
    let err = refused(&[quality([dec!(5), dec!(4), dec!(1)])]);
    assert!(matches!(err, JudgmentError::SubScores { .. }), "{err}");
    let mut two = quality([dec!(1), dec!(1), dec!(1)]);
    two.sub_scores = Some(vec![dec!(1), dec!(1)]);
    let err = refused(&[two]);
    assert!(err.to_string().contains("3 sub-scores"), "{err}");
    let mut plain = judge("indicator_quality", dec!(8), "理由");
    plain.sub_scores = None;
    assert!(matches!(refused(&[plain]), JudgmentError::SubScores { .. }));
    let mut wrong_sum = quality([dec!(4), dec!(2), dec!(2)]);
    wrong_sum.score = Some(dec!(9));
    assert!(matches!(
        refused(&[wrong_sum]),
        JudgmentError::SubScores { .. }
    ));
}

#[test]
fn automatic_item_takes_an_override_not_a_judgment() {
    let err = refused(&[judge("body_complete", dec!(8), "理由")]);
    assert!(matches!(err, JudgmentError::NotJudged { .. }), "{err}");
    let o = Override {
        item: "problems".to_string(),
        score: dec!(10),
        reason: "理由".to_string(),
        by: "reviewer-1".to_string(),
        at: None,
    };
    let err = sheet_with(&rubric(), &junshan(), &[], &[o]).unwrap_err();
    assert!(matches!(err, JudgmentError::NotAutomatic { .. }), "{err}");
}

#[test]
fn override_keeps_the_automatic_score_and_who_made_it() {
    let mut pkg = junshan();
    if let Some(r) = pkg.report.as_mut() {
        r.body.retain(|p| !p.heading.starts_with("九"));
    }
    let o = Override {
        item: "body_complete".to_string(),
        score: dec!(8),
        reason: "第九部分写在第六部分末尾，解析未识别".to_string(),
        by: "reviewer-2".to_string(),
        at: None,
    };
    let sheet = sheet_with(&rubric(), &pkg, &[], std::slice::from_ref(&o)).expect("sheet");
    let body = item(&sheet, "body_complete");
    assert_eq!(body.automatic_score, Some(dec!(6)));
    assert_eq!(body.score, Some(dec!(8)));
    assert_eq!(body.status, ItemStatus::Overridden);
    assert_eq!(body.override_.as_ref(), Some(&o));
    assert!(
        body.deductions.is_empty(),
        "a deduction the override replaced no longer counts"
    );
    let replaced = body.replaced.as_ref().expect("what the override replaced");
    assert_eq!(replaced.score, Some(dec!(6)));
    assert_eq!(replaced.status, ItemStatus::Scored);
    assert_eq!(replaced.deductions.len(), 1, "kept apart, as replaced");
    let over = Override {
        score: dec!(9),
        ..o.clone()
    };
    assert!(matches!(
        sheet_with(&rubric(), &pkg, &[], &[over]).unwrap_err(),
        JudgmentError::OutOfRange { .. }
    ));
    let silent = Override {
        reason: String::new(),
        ..o
    };
    assert!(matches!(
        sheet_with(&rubric(), &pkg, &[], &[silent]).unwrap_err(),
        JudgmentError::ReasonRequired { .. }
    ));
}

#[test]
fn partial_refinement_is_confirmed_by_a_judgment() {
    let mut pkg = junshan();
    if let Some(t) = pkg
        .report
        .as_mut()
        .and_then(|r| r.department_table.as_mut())
    {
        if let Some(row) = t.indicators.iter_mut().find(|r| !r.is_blank()) {
            row.level3 = None;
        }
    }
    let sheet = sheet_with(&rubric(), &pkg, &[], &[]).expect("sheet");
    let levels = item(&sheet, "indicator_levels");
    assert_eq!(levels.status, ItemStatus::AwaitingConfirmation);
    assert_eq!(levels.score, None);
    let suggested = levels.suggested.as_ref().expect("suggestion").min;
    let sheet = sheet_with(
        &rubric(),
        &pkg,
        &[judge("indicator_levels", suggested, "确认")],
        &[],
    )
    .expect("sheet");
    assert_eq!(item(&sheet, "indicator_levels").score, Some(suggested));
    // once fully refined the item is automatic and refuses a judgment
    assert!(matches!(
        refused(&[judge("indicator_levels", dec!(5), "确认")]),
        JudgmentError::NotJudged { .. }
    ));
}

#[test]
fn unknown_and_duplicate_items_are_refused() {
    let err = refused(&[judge("charisma", dec!(1), "理由")]);
    assert_eq!(err, JudgmentError::UnknownItem("charisma".to_string()));
    let twice = [
        judge("problems", dec!(16), "理由"),
        judge("problems", dec!(17), "理由"),
    ];
    assert!(matches!(
        sheet_with(&rubric(), &junshan(), &twice, &[]).unwrap_err(),
        JudgmentError::Duplicate(_)
    ));
}

#[test]
fn received_time_falls_back_to_the_package() {
    let mut pkg = junshan();
    pkg.submitted_at = "2025-05-06T02:00:00Z".parse().ok();
    let r = rubric();
    let sheet = score(
        &r,
        WorkCalendar::embedded(),
        ScoringInput {
            deadline: NaiveDate::from_ymd_opt(2025, 4, 30),
            ..ScoringInput::package(&pkg)
        },
    )
    .expect("sheet");
    assert_eq!(item(&sheet, "timeliness").score, Some(dec!(9)));
}

/// The automatic sheets of the two real packages, against `golden-sheets.json`, which records
/// the [`SCORING_REVISION`] it was made with: a check whose output changes fails here until the
/// revision is bumped (so stored sheets are scored again) and the file regenerated with
/// `KAOPING_UPDATE_GOLDEN=1 cargo test -p kaoping-domain golden_sheets`.
/// A package with a real notice (tests/fixtures/notices/16, read as its text): the notice's
/// elements and their hints are in the golden sheets too.
fn with_real_notice(mut package: Package) -> Package {
    let stored = include_str!("../../../../tests/fixtures/notices/16_btbu_cwc_2023_notice.txt");
    let text: String = stored.lines().skip(2).collect::<Vec<_>>().join("\n");
    package.notice = Some(crate::ingest::notice::notice(&crate::ingest::text::read(
        &text,
    )));
    package
}

#[test]
fn golden_sheets() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scoring/golden-sheets.json");
    let miluo: Package =
        serde_json::from_str(include_str!("../../../../tests/fixtures/miluo-2024.json"))
            .expect("fixture");
    let deadline = NaiveDate::from_ymd_opt(2025, 4, 25).expect("date");
    let received: DateTime<Utc> = "2025-04-29T02:00:00Z".parse().expect("time");
    let sheet = |package: &Package| {
        let input = ScoringInput {
            deadline: Some(deadline),
            received_at: Some(received),
            ..ScoringInput::package(package)
        };
        serde_json::to_value(score(&rubric(), WorkCalendar::embedded(), input).expect("scores"))
            .expect("json")
    };
    let current = serde_json::json!({
        "revision": SCORING_REVISION,
        "sheets": {
            "junshan": sheet(&junshan()),
            "miluo": sheet(&miluo),
            "junshan_with_a_real_notice": sheet(&with_real_notice(junshan())),
        },
    });
    if std::env::var_os("KAOPING_UPDATE_GOLDEN").is_some() {
        let text = serde_json::to_string_pretty(&current).expect("json") + "\n";
        std::fs::write(&path, text).expect("write the golden sheets");
        return;
    }
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("golden-sheets.json"))
            .expect("golden json");
    let made_with = golden["revision"].as_u64();
    if golden["sheets"] == current["sheets"] {
        assert_eq!(
            made_with,
            Some(u64::from(SCORING_REVISION)),
            "the sheets are unchanged: regenerate golden-sheets.json for the new revision"
        );
        return;
    }
    assert_ne!(
        made_with,
        Some(u64::from(SCORING_REVISION)),
        "the checks' output changed but SCORING_REVISION did not: bump it in scoring/mod.rs, \
         then regenerate golden-sheets.json with KAOPING_UPDATE_GOLDEN=1"
    );
    panic!(
        "SCORING_REVISION is {SCORING_REVISION}, golden-sheets.json was made with {made_with:?}: \
         regenerate it with KAOPING_UPDATE_GOLDEN=1"
    );
}
