//! Checks of arithmetic and cross-document findings.

use super::*;

// ------------------------------------------------------------------------------------ consistency

#[test]
fn consistency_junshan_basic_expenditure_told_two_ways() {
    let report = check(&junshan());
    let found = findings_of(&report.findings, "figure_mismatch");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].message.contains("183.19"), "{}", found[0].message);
    assert!(found[0].message.contains("183.17"), "{}", found[0].message);
    assert!(
        found[0].message.contains("基本支出"),
        "{}",
        found[0].message
    );
    for code in ["execution_rate", "total_score", "lines_sum", "control_rate"] {
        assert!(
            findings_of(&report.findings, code).is_empty(),
            "the fixture has no {code} finding: {:?}",
            report.findings
        );
    }
}

#[test]
fn consistency_miluo_has_no_figure_mismatch() {
    let report = check(&miluo());
    assert!(
        findings_of(&report.findings, "figure_mismatch").is_empty(),
        "{:?}",
        report.findings
    );
}

#[test]
fn consistency_wrong_execution_rate() {
    let mut pkg = junshan();
    all_tables(&mut pkg)[0].funds[0].execution_rate = Some(dec!(99.50));
    let report = check(&pkg);
    let found = findings_of(&report.findings, "execution_rate");
    assert_eq!(found.len(), 1, "{:?}", report.findings);
    assert!(found[0].message.contains("99.13"), "{}", found[0].message);
    assert!(
        found[0].location.contains(dept_label()),
        "{}",
        found[0].location
    );
}

#[test]
fn consistency_execution_rate_printed_to_one_decimal_agrees() {
    let mut pkg = junshan();
    all_tables(&mut pkg)[0].funds[0].execution_rate = Some(dec!(99.1));
    let report = check(&pkg);
    assert!(findings_of(&report.findings, "execution_rate").is_empty());
}

#[test]
fn consistency_execution_rate_is_rounded_once() {
    let mut pkg = junshan();
    // a project table, so that no figure of the department's is involved
    let f = &mut all_tables(&mut pkg)[1].funds[0];
    f.full_year_budget = Some(dec!(1000));
    f.executed = Some(dec!(991.49));
    f.execution_rate = Some(dec!(99.1));
    let report = check(&pkg);
    assert!(
        findings_of(&report.findings, "execution_rate").is_empty(),
        "{:?}",
        report.findings
    );
}

#[test]
fn consistency_total_score_that_does_not_add_up() {
    let mut pkg = junshan();
    all_tables(&mut pkg)[1].total_score = Some(dec!(97));
    let report = check(&pkg);
    let found = findings_of(&report.findings, "total_score");
    assert_eq!(found.len(), 1, "{:?}", report.findings);
    assert!(found[0].message.contains("99"), "{}", found[0].message);
    assert!(
        found[0].location.contains("行政审批专项"),
        "{}",
        found[0].location
    );
}

#[test]
fn consistency_project_lines_that_do_not_add_up() {
    let mut pkg = junshan();
    let line = basic_row(&mut pkg, "2、行政审批专项");
    line.values[2] = Some(dec!(750));
    let report = check(&pkg);
    let found = findings_of(&report.findings, "lines_sum");
    assert_eq!(found.len(), 1, "{:?}", report.findings);
    assert!(
        found[0].message.contains("项目支出"),
        "{}",
        found[0].message
    );
    assert!(found[0].message.contains("1702.25"), "{}", found[0].message);
    assert!(
        found[0].location.contains("2024年决算数"),
        "{}",
        found[0].location
    );
}

#[test]
fn consistency_qizhong_lines_may_be_less_than_the_total() {
    let mut pkg = junshan();
    let line = basic_row(&mut pkg, "其中：办公经费");
    line.values[2] = Some(dec!(10));
    assert!(findings_of(&check(&pkg).findings, "lines_sum").is_empty());
    // but not more
    let line = basic_row(&mut pkg, "其中：办公经费");
    line.values[2] = Some(dec!(25));
    assert_eq!(findings_of(&check(&pkg).findings, "lines_sum").len(), 1);
}

#[test]
fn consistency_wrong_control_rate() {
    let mut pkg = junshan();
    let basic = report_mut(&mut pkg)
        .basic_data
        .as_mut()
        .expect("basic data");
    let staffing = basic.staffing.as_mut().expect("staffing");
    staffing.control_rate = Some(dec!(190));
    let report = check(&pkg);
    let found = findings_of(&report.findings, "control_rate");
    assert_eq!(found.len(), 1, "{:?}", report.findings);
    assert!(found[0].message.contains("185"), "{}", found[0].message);
}

#[test]
fn consistency_figures_agree_at_the_coarser_scale() {
    let with_text = |text: &str| {
        let mut pkg = junshan();
        report_mut(&mut pkg).body = vec![BodyPart {
            heading: "二、一般公共预算支出情况".to_string(),
            text: text.to_string(),
        }];
        check(&pkg).findings
    };
    // the 基础数据表 says 公用经费 19.41
    let findings = with_text("公用经费19.4万元。");
    assert!(
        findings_of(&findings, "figure_mismatch").is_empty(),
        "{findings:?}"
    );
    let findings = with_text("公用经费19.5万元。");
    let found = findings_of(&findings, "figure_mismatch");
    assert_eq!(found.len(), 1, "{findings:?}");
    assert!(found[0].message.contains("19.5") && found[0].message.contains("19.41"));
    // the fixture itself says 19.41 and 19.4
    let report = check(&junshan());
    assert!(!findings_of(&report.findings, "figure_mismatch")
        .iter()
        .any(|f| f.message.contains("公用经费")));
}

#[test]
fn consistency_no_report_no_findings() {
    let mut pkg = junshan();
    pkg.report = None;
    let report = check_with(
        rubric(),
        &pkg,
        Some(date(2025, 4, 30)),
        Some(at("2025-04-29T09:00:00+08:00")),
    );
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}
