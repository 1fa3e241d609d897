use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

use super::*;
use crate::model::{ItemStatus, JudgmentBasis, Package, ReviewScore};
use crate::rubric::{Rubric, DEFAULT_RUBRIC};

fn junshan() -> Package {
    serde_json::from_str(include_str!("../../../../tests/fixtures/junshan-2024.json"))
        .expect("fixture")
}

fn rubric() -> Rubric {
    Rubric::builtin(DEFAULT_RUBRIC).expect("rubric")
}

fn review(by: &str, score: Decimal) -> ReviewScore {
    ReviewScore {
        score: Some(score),
        sub_scores: None,
        reason: format!("{by}的理由"),
        by: by.to_string(),
        at: None,
    }
}

fn quality(by: &str, subs: [Decimal; 3]) -> ReviewScore {
    ReviewScore {
        score: None,
        sub_scores: Some(subs.to_vec()),
        ..review(by, Decimal::ZERO)
    }
}

fn two_reviewers() -> Ledger {
    Ledger {
        reviewers: [(1, "甲".to_string()), (2, "乙".to_string())].into(),
        ..Ledger::default()
    }
}

fn judge(ledger: &mut Ledger, item: &str, reviewer: i64, r: ReviewScore) {
    ledger
        .judgments
        .entry(item.to_string())
        .or_default()
        .insert(reviewer, r);
}

fn scored(ledger: &Ledger) -> ReviewedSheet {
    let pkg = junshan();
    sheet(
        &rubric(),
        WorkCalendar::embedded(),
        ScoringInput {
            deadline: NaiveDate::from_ymd_opt(2025, 4, 30),
            received_at: "2025-04-29T09:00:00+08:00".parse::<DateTime<Utc>>().ok(),
            ..ScoringInput::package(&pkg)
        },
        ledger,
    )
    .expect("sheet")
}

fn item<'a>(s: &'a ReviewedSheet, code: &str) -> &'a crate::model::ItemScore {
    s.sheet.items.iter().find(|i| i.code == code).expect("item")
}

#[test]
fn one_judgment_of_two_waits_for_the_other_reviewer() {
    let mut l = two_reviewers();
    judge(&mut l, "problems", 1, review("甲", dec!(16)));
    let s = scored(&l);
    assert_eq!(item(&s, "problems").score, None);
    assert_eq!(
        s.progress["problems"],
        ItemProgress::AwaitingReviews {
            judged: vec![1],
            missing: vec![2]
        }
    );
    assert!(!s.sheet.complete);
}

#[test]
fn judgments_within_the_threshold_are_averaged_even_between_bands() {
    let mut l = two_reviewers();
    // 15 and 16 lie in two bands; their mean 15.5 lies in none, and stands
    judge(&mut l, "problems", 1, review("甲", dec!(15)));
    judge(&mut l, "problems", 2, review("乙", dec!(16)));
    let s = scored(&l);
    let p = item(&s, "problems");
    assert_eq!(p.score, Some(dec!(15.5)));
    assert_eq!(p.status, ItemStatus::Judged);
    let j = p.judgment.as_ref().expect("judgment");
    assert_eq!(j.basis, Some(JudgmentBasis::Mean));
    assert_eq!(j.reviews.len(), 2);
    assert_eq!(j.by, "甲、乙");
}

#[test]
fn exactly_the_threshold_is_averaged_and_beyond_it_awaits_a_lead_reviewer() {
    let mut l = two_reviewers();
    judge(&mut l, "problems", 1, review("甲", dec!(16)));
    judge(&mut l, "problems", 2, review("乙", dec!(18)));
    assert_eq!(item(&scored(&l), "problems").score, Some(dec!(17)));
    judge(&mut l, "problems", 2, review("乙", dec!(20)));
    let s = scored(&l);
    let p = item(&s, "problems");
    assert_eq!(p.score, None);
    assert_eq!(p.status, ItemStatus::AwaitingReconciliation);
    assert_eq!(
        s.progress["problems"],
        ItemProgress::AwaitingReconciliation { spread: dec!(4) }
    );
    l.resolutions.insert(
        "problems".into(),
        Resolution {
            kind: ResolutionKind::Reconciliation,
            score: dec!(18),
            sub_scores: None,
            reason: "问题覆盖三个方面，原因分析较全面".into(),
            by: "组长".into(),
            at: None,
        },
    );
    let s = scored(&l);
    let p = item(&s, "problems");
    assert_eq!(p.score, Some(dec!(18)));
    let j = p.judgment.as_ref().expect("judgment");
    assert_eq!(j.basis, Some(JudgmentBasis::Reconciliation));
    assert_eq!(j.reviews.len(), 2, "the sheet keeps both reviewers' scores");
}

#[test]
fn indicator_quality_sub_scores_are_averaged_component_by_component() {
    let mut l = two_reviewers();
    judge(
        &mut l,
        "indicator_quality",
        1,
        quality("甲", [dec!(4), dec!(2), dec!(2)]),
    );
    judge(
        &mut l,
        "indicator_quality",
        2,
        quality("乙", [dec!(3), dec!(3), dec!(1)]),
    );
    let s = scored(&l);
    let q = item(&s, "indicator_quality");
    assert_eq!(q.score, Some(dec!(7.5)));
    let j = q.judgment.as_ref().expect("judgment");
    assert_eq!(j.sub_scores, Some(vec![dec!(3.5), dec!(2.5), dec!(1.5)]));
}

#[test]
fn an_override_replaces_an_automatic_result_and_keeps_it_visible() {
    let mut l = Ledger::default();
    l.resolutions.insert(
        "body_complete".into(),
        Resolution {
            kind: ResolutionKind::Override,
            score: dec!(6),
            sub_scores: None,
            reason: "第三部分“绩效目标完成情况”只有标题".into(),
            by: "甲".into(),
            at: None,
        },
    );
    let s = scored(&l);
    let b = item(&s, "body_complete");
    assert_eq!(b.score, Some(dec!(6)));
    assert_eq!(b.automatic_score, Some(dec!(8)));
    assert_eq!(b.status, ItemStatus::Overridden);
    assert_eq!(b.override_.as_ref().map(|o| o.by.as_str()), Some("甲"));
}

#[test]
fn a_judgment_outside_the_bands_is_refused_even_inside_a_mean() {
    let mut l = two_reviewers();
    judge(&mut l, "problems", 1, review("甲", dec!(12.5)));
    judge(&mut l, "problems", 2, review("乙", dec!(13)));
    let pkg = junshan();
    let r = sheet(
        &rubric(),
        WorkCalendar::embedded(),
        ScoringInput::package(&pkg),
        &l,
    );
    assert!(r.is_err(), "12.5 is off the step of 反映问题情况");
}

fn entry(id: i64, action: AuditAction, item: &str, after: serde_json::Value) -> AuditEntry {
    AuditEntry {
        id,
        round_id: 1,
        department: Some("430611001".into()),
        item: (!item.is_empty()).then(|| item.to_string()),
        action,
        actor: "admin".into(),
        at: Utc::now(),
        before: None,
        after: Some(after),
        reason: None,
    }
}

#[test]
fn replaying_the_log_rebuilds_the_ledger() {
    let reviewer = |id: i64, name: &str| json!({ "reviewer_id": id, "reviewer": name });
    let judgment = |id: i64, r: ReviewScore| json!({ "reviewer_id": id, "judgment": r });
    let mut removed = entry(4, AuditAction::AssignmentRemoved, "", json!(null));
    removed.before = Some(reviewer(3, "丙"));
    let log = vec![
        entry(1, AuditAction::AssignmentAdded, "", reviewer(1, "甲")),
        entry(2, AuditAction::AssignmentAdded, "", reviewer(2, "乙")),
        entry(3, AuditAction::AssignmentAdded, "", reviewer(3, "丙")),
        removed,
        entry(
            5,
            AuditAction::JudgmentSet,
            "problems",
            judgment(1, review("甲", dec!(16))),
        ),
        entry(
            6,
            AuditAction::JudgmentSet,
            "problems",
            judgment(1, review("甲", dec!(17))),
        ),
        entry(
            7,
            AuditAction::JudgmentSet,
            "problems",
            judgment(2, review("乙", dec!(16))),
        ),
    ];
    let ledgers = replay(&log);
    let l = &ledgers["430611001"];
    let mut expected = two_reviewers();
    judge(&mut expected, "problems", 1, review("甲", dec!(17)));
    judge(&mut expected, "problems", 2, review("乙", dec!(16)));
    assert_eq!(l, &expected);
    assert_eq!(item(&scored(l), "problems").score, Some(dec!(16.5)));
}

#[test]
fn audit_actions_round_trip_through_their_names() {
    for a in [
        AuditAction::RoundCreated,
        AuditAction::JudgmentSet,
        AuditAction::ResolutionSet,
        AuditAction::AppealDecided,
    ] {
        assert_eq!(AuditAction::parse(a.as_str()), Some(a));
    }
    assert_eq!(AuditAction::parse("nonsense"), None);
}
