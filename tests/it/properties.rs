//! Property tests: no package makes checking panic, and every item stays within 0..=max.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kaoping::calendar::WorkCalendar;
use kaoping::model::*;
use kaoping::rubric::{Rubric, DEFAULT_RUBRIC};
use kaoping::scoring::{self, ScoringInput};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Words the checks look for, so generated text hits their branches, mixed with arbitrary text.
const WORDS: &[&str] = &[
    "一、",
    "（二）",
    "3.",
    "第四部分",
    "基本情况",
    "一般公共预算支出情况",
    "政府性基金",
    "存在的主要问题及改进建议",
    "下一步改进措施",
    "其他需要说明的情况",
    "自评范围",
    "依据",
    "评价内容",
    "工作安排",
    "有关要求",
    "附件",
    "领导小组",
    "基本支出",
    "项目支出",
    "人员经费",
    "公用经费",
    "整体支出",
    "合计",
    "万元",
    "183.19",
    "0.01",
    "资金不足",
    "加大资金投入",
    "由于",
    "预算",
    "资产",
    "政府采购",
    "≥",
    "≦",
    "%",
    "提升",
    "无",
    "其中：",
    "——",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        vec(proptest::sample::select(WORDS), 0..8).prop_map(|w| w.concat()),
        any::<String>(),
        "[0-9.%≥≤万元件]{0,8}",
    ]
}

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (0i64..200, 0u32..3).prop_map(|(m, s)| Decimal::new(m, s)),
        (any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s)),
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::ZERO),
    ]
}

fn opt_decimal() -> impl Strategy<Value = Option<Decimal>> {
    option::of(decimal())
}

fn indicator() -> impl Strategy<Value = IndicatorRow> {
    (
        option::of(text()),
        option::of(text()),
        option::of(text()),
        option::of(text()),
        option::of(text()),
        opt_decimal(),
        opt_decimal(),
    )
        .prop_map(
            |(level1, level2, level3, target, actual, weight, score)| IndicatorRow {
                level1,
                level2,
                level3,
                target,
                actual,
                weight,
                score,
                deviation: None,
            },
        )
}

fn self_eval(kind: SelfEvalKind) -> impl Strategy<Value = SelfEvalTable> {
    (
        text(),
        vec(
            (
                text(),
                opt_decimal(),
                opt_decimal(),
                opt_decimal(),
                opt_decimal(),
                opt_decimal(),
            )
                .prop_map(
                    |(label, full_year_budget, executed, weight, execution_rate, score)| {
                        FundsLine {
                            label,
                            initial_budget: None,
                            full_year_budget,
                            executed,
                            weight,
                            execution_rate,
                            score,
                        }
                    },
                ),
            0..3,
        ),
        vec(
            (text(), decimal())
                .prop_map(|(indicator, weight)| FirstLevelWeight { indicator, weight }),
            0..5,
        ),
        vec(indicator(), 0..12),
        opt_decimal(),
        opt_decimal(),
        option::of((opt_decimal(), opt_decimal())),
    )
        .prop_map(
            move |(
                name,
                funds,
                first_level_weights,
                indicators,
                total_weight,
                total_score,
                nature,
            )| SelfEvalTable {
                kind,
                title: "绩效自评表".to_string(),
                name,
                competent_department: None,
                implementing_unit: None,
                funds,
                funds_by_nature: nature.map(|(basic, project)| FundsByNature {
                    basic_expenditure: basic,
                    project_expenditure: project,
                    ..FundsByNature::default()
                }),
                goals: None,
                first_level_weights,
                indicators,
                total_weight,
                total_score,
                filled: None,
            },
        )
}

fn basic_data() -> impl Strategy<Value = BasicDataTable> {
    (
        option::of((opt_decimal(), opt_decimal(), opt_decimal())),
        vec((text(), 0u8..4, vec(opt_decimal(), 0..4)), 0..12),
    )
        .prop_map(|(staffing, rows)| BasicDataTable {
            title: "基础数据表".to_string(),
            staffing: staffing.map(|(authorized, actual, control_rate)| Staffing {
                authorized,
                actual,
                control_rate,
            }),
            columns: vec![
                "2023年决算数".into(),
                "2024年预算数".into(),
                "2024年决算数".into(),
            ],
            rows: rows
                .into_iter()
                .map(|(label, level, values)| FundsControlRow {
                    label,
                    level,
                    values,
                })
                .collect(),
            ..BasicDataTable::default()
        })
}

fn report() -> impl Strategy<Value = Report> {
    (
        vec(
            (text(), text()).prop_map(|(heading, text)| BodyPart { heading, text }),
            0..12,
        ),
        vec(text(), 0..6),
        vec(text(), 0..6),
        vec(text(), 0..4),
        option::of(basic_data()),
        option::of(self_eval(SelfEvalKind::Department)),
        vec(self_eval(SelfEvalKind::Project), 0..3),
    )
        .prop_map(
            |(
                body,
                problems,
                suggestions,
                attachment_list,
                basic_data,
                department_table,
                project_tables,
            )| Report {
                title: None,
                body,
                problems,
                suggestions,
                attachment_list,
                basic_data,
                department_table,
                project_tables,
                project_reports: Vec::new(),
            },
        )
}

fn unit() -> impl Strategy<Value = SelfCheckUnit> {
    (
        prop_oneof![
            Just(SelfCheckUnitKind::Own),
            Just(SelfCheckUnitKind::Subordinate),
            Just(SelfCheckUnitKind::TransferPayment),
            Just(SelfCheckUnitKind::RegionalSummary)
        ],
        text(),
        any::<bool>(),
    )
        .prop_map(|(kind, name, done)| SelfCheckUnit {
            kind,
            name,
            done,
            evidence: None,
        })
}

fn package() -> impl Strategy<Value = Package> {
    (
        prop_oneof![
            Just(DepartmentLevel::Municipal),
            Just(DepartmentLevel::County)
        ],
        option::of((text(), vec(text(), 0..3))),
        option::of(text()),
        option::of(vec(unit(), 0..14)),
        option::of(report()),
    )
        .prop_map(|(level, notice, group, units, report)| Package {
            department: Department {
                code: None,
                name: "测试部门".into(),
                level,
            },
            year: 2024,
            notice: notice.map(|(text, attachments)| Notice {
                title: None,
                document_number: None,
                issued_on: None,
                text,
                attachments,
                sealed: None,
                scanned_unread: false,
            }),
            working_group: group.map(|text| WorkingGroupDocument {
                title: None,
                document_number: None,
                issued_on: None,
                text,
                sealed: None,
                scanned_unread: false,
            }),
            self_check: units.map(|units| SelfCheckList { units }),
            report,
            evidence: Vec::new(),
            submitted_at: None,
        })
}

/// Dates from before the calendar's coverage to after it.
fn date() -> impl Strategy<Value = NaiveDate> {
    (2016i32..2029, 1u32..=365)
        .prop_filter_map("a real date", |(y, d)| NaiveDate::from_yo_opt(y, d))
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (date(), 0u32..86_400).prop_filter_map("a real instant", |(d, s)| {
        d.and_hms_opt(s / 3600, (s / 60) % 60, s % 60)
            .map(|t| Utc.from_utc_datetime(&t))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn checking_never_panics_and_items_stay_in_range(
        pkg in package(),
        deadline in option::of(date()),
        received in option::of(instant()),
    ) {
        let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
        let sheet = scoring::score(
            &rubric,
            WorkCalendar::embedded(),
            ScoringInput { deadline, received_at: received, ..ScoringInput::package(&pkg) },
        ).expect("no judgments given, so scoring cannot refuse");
        prop_assert_eq!(sheet.items.len(), rubric.items.len());
        for item in &sheet.items {
            if let Some(score) = item.score {
                prop_assert!(score >= Decimal::ZERO && score <= item.max, "{} scored {}", item.code, score);
                let lost: Decimal = item.deductions.iter().map(|d| d.points).sum();
                prop_assert_eq!(lost, item.max - score, "{} deductions add up to what it lost", &item.code);
            }
            if let Some(band) = &item.suggested {
                prop_assert!(band.min >= Decimal::ZERO && band.min <= band.max && band.max <= item.max);
            }
        }
        prop_assert!(sheet.total >= Decimal::ZERO && sheet.total <= sheet.max_total);
        // the sheet survives the wire
        let json = serde_json::to_string(&sheet).expect("serialize");
        let back: ScoreSheet = serde_json::from_str(&json).expect("deserialize");
        prop_assert_eq!(back, sheet);
    }
}
