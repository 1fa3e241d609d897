//! Tests of the automatic checks, rule by rule, at their boundaries: nothing missing, one missing,
//! the cap reached. Inputs are the real 君山区 / 汨罗市 fixtures, mutated per test.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::{run, CheckInput, CheckReport, ItemOutcome};
use crate::calendar::WorkCalendar;
use crate::model::{
    BodyPart, DepartmentLevel, Finding, Hints, IndicatorLevelHints, IndicatorQualityHints,
    IndicatorRow, ItemStatus, Notice, Package, ProblemHints, Report, SelfCheckList, SelfCheckUnit,
    SelfCheckUnitKind, SelfEvalKind, SelfEvalTable, Severity, SuggestionHints,
    WorkingGroupDocument,
};
use crate::rubric::{Rubric, DEFAULT_RUBRIC};

const JUNSHAN: &str = include_str!("../../../../../tests/fixtures/junshan-2024.json");
const MILUO: &str = include_str!("../../../../../tests/fixtures/miluo-2024.json");
const RUBRIC_TOML: &str = include_str!("../../../../../rubric/yueyang-2024.toml");

// ------------------------------------------------------------------------------------ helpers

/// How the checks name the 君山区 department table.
fn dept_label() -> &'static str {
    "2024年度部门整体支出绩效自评表（岳阳市君山区数据局）"
}

/// A 基础数据表 row of the package, by its printed label.
fn basic_row<'a>(pkg: &'a mut Package, label: &str) -> &'a mut crate::model::FundsControlRow {
    report_mut(pkg)
        .basic_data
        .as_mut()
        .expect("basic data")
        .rows
        .iter_mut()
        .find(|r| r.label == label)
        .expect("row with that label")
}

fn junshan() -> Package {
    serde_json::from_str(JUNSHAN).expect("junshan fixture parses")
}

fn miluo() -> Package {
    serde_json::from_str(MILUO).expect("miluo fixture parses")
}

fn rubric() -> &'static Rubric {
    static RUBRIC: OnceLock<Rubric> = OnceLock::new();
    RUBRIC.get_or_init(|| Rubric::builtin(DEFAULT_RUBRIC).expect("built-in rubric"))
}

/// The default rubric with one piece of its TOML text replaced.
fn rubric_with(from: &str, to: &str) -> Rubric {
    assert!(
        RUBRIC_TOML.contains(from),
        "the rubric text has no {from:?} to replace"
    );
    Rubric::from_toml_str(&RUBRIC_TOML.replace(from, to), "test rubric").expect("modified rubric")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid RFC 3339 time")
        .with_timezone(&Utc)
}

/// Runs every check and asserts what must hold for every item of every package: scores within
/// 0..=max, deductions that add up to max − score, suggested bands within 0..=max.
fn check_with(
    rubric: &Rubric,
    pkg: &Package,
    deadline: Option<NaiveDate>,
    received_at: Option<DateTime<Utc>>,
) -> CheckReport {
    let report = run(
        rubric,
        WorkCalendar::embedded(),
        CheckInput {
            package: pkg,
            deadline,
            received_at,
            timing_note: None,
        },
    );
    assert_eq!(report.items.len(), rubric.items.len());
    for (item, out) in rubric.items.iter().zip(&report.items) {
        assert_eq!(out.code, item.code, "items come in rubric order");
        for d in &out.deductions {
            assert!(
                d.points >= Decimal::ZERO,
                "{}: negative deduction",
                item.code
            );
            assert!(
                !d.reason.is_empty(),
                "{}: deduction without reason",
                item.code
            );
            assert!(
                !d.location.is_empty(),
                "{}: deduction without location",
                item.code
            );
        }
        if let Some(score) = out.score {
            assert!(
                score >= Decimal::ZERO && score <= item.max,
                "{}: score {score} outside 0..={}",
                item.code,
                item.max
            );
            let lost: Decimal = out.deductions.iter().map(|d| d.points).sum();
            assert_eq!(
                lost,
                item.max - score,
                "{}: deductions {:?} do not add up to max − score",
                item.code,
                out.deductions
            );
        }
        if let Some(band) = &out.suggested {
            assert!(
                Decimal::ZERO <= band.min && band.min <= band.max && band.max <= item.max,
                "{}: suggested band {}–{} outside 0..={}",
                item.code,
                band.min,
                band.max,
                item.max
            );
        }
    }
    report
}

fn check(pkg: &Package) -> CheckReport {
    check_with(rubric(), pkg, None, None)
}

fn outcome_with(rubric: &Rubric, pkg: &Package, code: &str) -> ItemOutcome {
    check_with(rubric, pkg, None, None)
        .items
        .into_iter()
        .find(|i| i.code == code)
        .unwrap_or_else(|| panic!("no item {code}"))
}

fn outcome(pkg: &Package, code: &str) -> ItemOutcome {
    outcome_with(rubric(), pkg, code)
}

fn score(o: &ItemOutcome) -> Decimal {
    o.score
        .unwrap_or_else(|| panic!("{} has no score ({:?})", o.code, o.status))
}

fn reasons(o: &ItemOutcome) -> Vec<&str> {
    o.deductions.iter().map(|d| d.reason.as_str()).collect()
}

fn points(o: &ItemOutcome) -> Vec<Decimal> {
    o.deductions.iter().map(|d| d.points).collect()
}

fn band(o: &ItemOutcome) -> (Decimal, Decimal) {
    let b = o
        .suggested
        .as_ref()
        .unwrap_or_else(|| panic!("{} has no suggested band", o.code));
    (b.min, b.max)
}

fn report_mut(pkg: &mut Package) -> &mut Report {
    pkg.report.as_mut().expect("the package has a report")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

fn findings_of<'a>(findings: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.code == code).collect()
}

// ------------------------------------------------------------------------------------ builders

fn notice(title: Option<&str>, text: &str, attachments: &[&str]) -> Notice {
    Notice {
        title: title.map(str::to_string),
        document_number: None,
        issued_on: None,
        text: text.to_string(),
        attachments: strings(attachments),
        sealed: None,
        scanned_unread: false,
    }
}

fn with_notice(n: Notice) -> Package {
    let mut pkg = junshan();
    pkg.notice = Some(n);
    pkg
}

const NOTICE_TITLE: &str = "关于开展2024年度部门整体支出绩效自评的通知";

/// One section per required element, in rubric order; no section uses another's words.
const NOTICE_SECTIONS: [(&str, &str); 6] = [
    (
        "自评范围",
        "一、自评范围：本部门及所属单位2024年度全部预算资金。",
    ),
    (
        "自评主要依据",
        "二、自评主要依据：《中华人民共和国预算法》等。",
    ),
    (
        "自评主要内容",
        "三、自评主要内容：预算执行、绩效目标完成情况。",
    ),
    ("自评程序和步骤", "四、自评程序和步骤：单位自查、汇总报送。"),
    ("有关要求", "五、有关要求：按时报送，材料真实。"),
    ("附件", "附件：部门整体支出绩效自评表"),
];

fn notice_text_without(skip: Option<usize>) -> String {
    NOTICE_SECTIONS
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .map(|(_, (_, text))| *text)
        .collect::<Vec<_>>()
        .join("\n")
}

fn working_group(title: Option<&str>, text: &str) -> WorkingGroupDocument {
    WorkingGroupDocument {
        title: title.map(str::to_string),
        document_number: None,
        issued_on: None,
        text: text.to_string(),
        sealed: None,
        scanned_unread: false,
    }
}

fn unit(kind: SelfCheckUnitKind, name: &str, done: bool) -> SelfCheckUnit {
    SelfCheckUnit {
        kind,
        name: name.to_string(),
        done,
        evidence: None,
    }
}

fn with_units(units: Vec<SelfCheckUnit>) -> Package {
    let mut pkg = junshan();
    pkg.self_check = Some(SelfCheckList { units });
    pkg
}

fn row(
    level1: &str,
    level3: Option<&str>,
    target: &str,
    actual: &str,
    weight: Decimal,
    score: Decimal,
) -> IndicatorRow {
    IndicatorRow {
        level1: Some(level1.to_string()),
        level2: Some("数量指标".to_string()),
        level3: level3.map(str::to_string),
        target: Some(target.to_string()),
        actual: Some(actual.to_string()),
        weight: Some(weight),
        score: Some(score),
        deviation: None,
    }
}

fn table(kind: SelfEvalKind, name: &str, indicators: Vec<IndicatorRow>) -> SelfEvalTable {
    SelfEvalTable {
        kind,
        title: match kind {
            SelfEvalKind::Department => "2024年度部门整体支出绩效自评表".to_string(),
            SelfEvalKind::Project => "2024年度项目支出绩效自评表".to_string(),
        },
        name: name.to_string(),
        competent_department: None,
        implementing_unit: None,
        funds: Vec::new(),
        funds_by_nature: None,
        goals: None,
        first_level_weights: Vec::new(),
        indicators,
        total_weight: None,
        total_score: None,
        filled: None,
    }
}

/// 君山区 with its 自评表 replaced.
fn with_tables(department: Option<SelfEvalTable>, projects: Vec<SelfEvalTable>) -> Package {
    let mut pkg = junshan();
    let report = report_mut(&mut pkg);
    report.department_table = department;
    report.project_tables = projects;
    pkg
}

/// Every 自评表 of a package: the department's first.
fn all_tables(pkg: &mut Package) -> Vec<&mut SelfEvalTable> {
    let report = report_mut(pkg);
    report
        .department_table
        .iter_mut()
        .chain(report.project_tables.iter_mut())
        .collect()
}

fn with_problems(problems: &[&str], suggestions: &[&str]) -> Package {
    let mut pkg = junshan();
    let report = report_mut(&mut pkg);
    report.problems = strings(problems);
    report.suggestions = strings(suggestions);
    pkg
}

fn problem_hints(o: &ItemOutcome) -> &ProblemHints {
    match &o.hints {
        Some(Hints::Problems(h)) => h,
        other => panic!("expected problem hints, got {other:?}"),
    }
}

fn suggestion_hints(o: &ItemOutcome) -> &SuggestionHints {
    match &o.hints {
        Some(Hints::Suggestions(h)) => h,
        other => panic!("expected suggestion hints, got {other:?}"),
    }
}

fn quality_hints(o: &ItemOutcome) -> &IndicatorQualityHints {
    match &o.hints {
        Some(Hints::IndicatorQuality(h)) => h,
        other => panic!("expected indicator quality hints, got {other:?}"),
    }
}

fn level_hints(o: &ItemOutcome) -> &IndicatorLevelHints {
    match &o.hints {
        Some(Hints::IndicatorLevels(h)) => h,
        other => panic!("expected indicator level hints, got {other:?}"),
    }
}

// ------------------------------------------------------------------------------------ fixtures

#[test]
fn fixtures_score_as_expected_item_by_item() {
    let report = check_with(
        rubric(),
        &junshan(),
        Some(date(2025, 4, 30)),
        Some(at("2025-04-29T09:00:00+08:00")),
    );
    let scores: Vec<(&str, Option<Decimal>)> = report
        .items
        .iter()
        .map(|i| (i.code.as_str(), i.score))
        .collect();
    assert_eq!(
        scores,
        [
            ("notice_issued", Some(dec!(0))),
            ("notice_contents", Some(dec!(0))),
            ("working_group", Some(dec!(0))),
            ("self_check", Some(dec!(0))),
            ("timeliness", Some(dec!(10))),
            ("body_complete", Some(dec!(8))),
            ("attachments_complete", Some(dec!(7))),
            ("indicator_weights", Some(dec!(5))),
            ("indicator_levels", Some(dec!(5))),
            ("indicator_quality", None),
            ("problems", None),
            ("suggestions", None),
        ]
    );
    // every automatic check also holds on the other real package
    let miluo = check(&miluo());
    let weights = miluo
        .items
        .iter()
        .find(|i| i.code == "indicator_weights")
        .expect("indicator_weights");
    assert_eq!(weights.score, Some(dec!(5)), "汨罗市 uses the 成本 scheme");
}

mod completeness;
mod consistency;
mod documents;
mod narrative;
mod quality;
mod timeliness;
mod weights_levels;
mod weights_variant;
