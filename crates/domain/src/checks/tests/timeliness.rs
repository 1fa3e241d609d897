//! Checks of 提交报告: working days late.

use super::*;

// ------------------------------------------------------------------------------------ timeliness

fn timeliness(deadline: Option<NaiveDate>, received: Option<&str>) -> (ItemOutcome, Vec<Finding>) {
    let report = check_with(rubric(), &junshan(), deadline, received.map(at));
    let o = report
        .items
        .iter()
        .find(|i| i.code == "timeliness")
        .expect("timeliness")
        .clone();
    let findings = report
        .findings
        .into_iter()
        .filter(|f| f.code.starts_with("timeliness") || f.code.starts_with("calendar"))
        .collect();
    (o, findings)
}

#[test]
fn timeliness_on_time_scores_10() {
    for received in [
        "2025-04-30T09:00:00+08:00",
        "2025-04-01T09:00:00+08:00",
        "2025-04-30T23:59:59+08:00",
    ] {
        let (o, findings) = timeliness(Some(date(2025, 4, 30)), Some(received));
        assert_eq!(score(&o), dec!(10), "{received}");
        assert!(o.deductions.is_empty());
        assert!(findings.is_empty(), "{findings:?}");
    }
}

#[test]
fn timeliness_after_the_may_day_holiday_is_one_working_day_late() {
    let (o, _) = timeliness(Some(date(2025, 4, 30)), Some("2025-05-06T10:00:00+08:00"));
    assert_eq!(score(&o), dec!(9));
    assert_eq!(points(&o), [dec!(1)]);
    let reason = reasons(&o)[0];
    assert!(reason.contains("逾期1个工作日"), "{reason}");
    assert!(reason.contains("2025-05-06"), "{reason}");
}

#[test]
fn timeliness_counts_a_tiaoxiu_sunday_as_a_working_day() {
    let (o, _) = timeliness(Some(date(2025, 4, 18)), Some("2025-04-27T10:00:00+08:00"));
    assert_eq!(score(&o), dec!(4));
    assert_eq!(points(&o), [dec!(6)]);
    let reason = reasons(&o)[0];
    assert!(reason.contains("逾期6个工作日"), "{reason}");
    assert!(reason.contains("2025-04-27"), "{reason}");
    assert!(
        !reason.contains("按"),
        "a 调休 Sunday is not moved: {reason}"
    );
}

#[test]
fn timeliness_uses_the_shanghai_date_of_receipt() {
    // 15:30Z is still the 30th in Shanghai
    let (o, _) = timeliness(Some(date(2025, 4, 30)), Some("2025-04-30T23:30:00+08:00"));
    assert_eq!(score(&o), dec!(10));
    // 16:30Z is 05-01 00:30 in Shanghai, a holiday counted as 05-06
    let (o, _) = timeliness(Some(date(2025, 4, 30)), Some("2025-04-30T16:30:00Z"));
    assert_eq!(score(&o), dec!(9));
    let reason = reasons(&o)[0];
    assert!(reason.contains("收到日期2025-05-01"), "{reason}");
    assert!(reason.contains("按2025-05-06计"), "{reason}");
    assert!(
        o.deductions[0].location.contains("2025-05-01 00:30"),
        "{}",
        o.deductions[0].location
    );
}

#[test]
fn timeliness_deadline_on_a_day_off_moves_to_the_next_working_day() {
    let (o, _) = timeliness(Some(date(2025, 5, 1)), Some("2025-05-06T17:00:00+08:00"));
    assert_eq!(score(&o), dec!(10));
    let (o, _) = timeliness(Some(date(2025, 5, 1)), Some("2025-05-07T09:00:00+08:00"));
    assert_eq!(score(&o), dec!(9));
    assert!(
        reasons(&o)[0].contains("顺延至2025-05-06"),
        "{:?}",
        reasons(&o)
    );
}

#[test]
fn timeliness_ten_working_days_late_scores_0_without_the_cap_note() {
    // 05-06..09, 05-12..16, 05-19
    let (o, _) = timeliness(Some(date(2025, 4, 30)), Some("2025-05-19T09:00:00+08:00"));
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(10)]);
    assert!(reasons(&o)[0].contains("逾期10个工作日"));
    assert!(!reasons(&o)[0].contains("最多扣"), "{:?}", reasons(&o));
}

#[test]
fn timeliness_very_late_scores_0_with_the_cap() {
    for received in ["2025-05-20T09:00:00+08:00", "2025-06-30T09:00:00+08:00"] {
        let (o, _) = timeliness(Some(date(2025, 4, 30)), Some(received));
        assert_eq!(score(&o), dec!(0), "{received}");
        assert_eq!(points(&o), [dec!(10)], "{received}");
        assert!(
            reasons(&o)[0].contains("本项最多扣10分"),
            "{:?}",
            reasons(&o)
        );
    }
}

#[test]
fn timeliness_missing_deadline_or_receipt_waits_for_input() {
    for (deadline, received) in [
        (None, Some("2025-04-29T09:00:00+08:00")),
        (Some(date(2025, 4, 30)), None),
        (None, None),
    ] {
        let (o, findings) = timeliness(deadline, received);
        assert_eq!(o.score, None);
        assert_eq!(o.status, ItemStatus::MissingInput);
        assert!(o.deductions.is_empty());
        assert_eq!(codes(&findings), ["timeliness_input_missing"]);
    }
}

#[test]
fn timeliness_outside_the_calendar_is_an_error_never_a_guess() {
    for (deadline, received) in [
        (date(2025, 4, 30), "2027-01-05T09:00:00+08:00"),
        (date(2027, 4, 30), "2027-04-29T09:00:00+08:00"),
        (date(2017, 4, 28), "2017-04-27T09:00:00+08:00"),
    ] {
        let (o, findings) = timeliness(Some(deadline), Some(received));
        assert_eq!(o.score, None, "{deadline} / {received}");
        assert_eq!(o.status, ItemStatus::MissingInput);
        assert!(o.deductions.is_empty());
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].code, "calendar_out_of_coverage");
    }
}

#[test]
fn timeliness_per_working_day_comes_from_the_rubric() {
    let r = rubric_with(
        "kind = \"timeliness\", per_working_day = 1",
        "kind = \"timeliness\", per_working_day = 2",
    );
    let report = check_with(
        &r,
        &junshan(),
        Some(date(2025, 4, 18)),
        Some(at("2025-04-22T09:00:00+08:00")),
    );
    let o = &report.items[4];
    assert_eq!(o.code, "timeliness");
    assert_eq!(o.score, Some(dec!(6)));
}
