use rust_decimal::Decimal;

use super::*;
use crate::model::{ItemScore, ItemStatus, Override, ScoringMethod};
use crate::rubric::{Rubric, DEFAULT_RUBRIC};

fn d(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

/// A sheet of two items, 60 and 40 points, scored `a` and `b`.
fn sheet(a: &str, b: &str) -> ScoreSheet {
    let item = |code: &str, max: &str, score: &str| ItemScore {
        code: code.into(),
        name: format!("{code}项"),
        max: d(max),
        score: Some(d(score)),
        method: ScoringMethod::Automatic,
        status: ItemStatus::Scored,
        deductions: Vec::new(),
        suggested: None,
        hints: None,
        automatic_score: None,
        judgment: None,
        override_: None,
        replaced: None,
    };
    let total = d(a) + d(b);
    let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    ScoreSheet {
        rubric: rubric.id.clone(),
        department: None,
        total,
        max_total: d("100"),
        complete: true,
        grade: rubric.grade_for(total).map(str::to_string),
        items: vec![item("a", "60", a), item("b", "40", b)],
        findings: Vec::new(),
    }
}

fn dept(code: &str, category: &str, scores: Option<(&str, &str)>) -> PublishedDepartment {
    let sheet = scores.map(|(a, b)| sheet(a, b));
    PublishedDepartment::new(
        code,
        &format!("部门{code}"),
        category,
        sheet.as_ref(),
        false,
    )
}

fn snapshot(version: i32, departments: Vec<PublishedDepartment>) -> Snapshot {
    let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    Snapshot {
        round_id: 1,
        year: 2024,
        title: "2024年度".into(),
        version,
        published_at: chrono::DateTime::default(),
        published_by: "admin".into(),
        reason: format!("第{version}版"),
        rubric: rubric.id.clone(),
        cutoffs: rubric.grades.clone(),
        tie_rule: rubric.ranking.tie_rule,
        items: vec![
            ItemInfo {
                code: "a".into(),
                name: "a项".into(),
                max: d("60"),
            },
            ItemInfo {
                code: "b".into(),
                name: "b项".into(),
                max: d("40"),
            },
        ],
        departments,
    }
}

/// Totals 95, 88, 88, 70, 70, 55 and one department that did not submit.
fn six() -> Snapshot {
    snapshot(
        1,
        vec![
            dept("001", "市直", Some(("55", "40"))),
            dept("004", "县区", Some(("50", "38"))),
            dept("003", "市直", Some(("48", "40"))),
            dept("005", "市直", Some(("40", "30"))),
            dept("006", "县区", Some(("35", "35"))),
            dept("007", "县区", Some(("30", "25"))),
            dept("002", "市直", None),
        ],
    )
}

fn ranks(rows: &[RankedRow]) -> Vec<(String, Option<u32>)> {
    rows.iter()
        .map(|r| (r.department.clone(), r.rank))
        .collect()
}

#[test]
fn standard_competition_ranking_skips_after_ties() {
    let rows = rank(&six(), TieRule::StandardCompetition, None);
    let expected = [
        ("001", Some(1)),
        ("003", Some(2)),
        ("004", Some(2)),
        ("005", Some(4)),
        ("006", Some(4)),
        ("007", Some(6)),
        ("002", None),
    ];
    let expected: Vec<_> = expected.iter().map(|(c, r)| (c.to_string(), *r)).collect();
    assert_eq!(ranks(&rows), expected);
    assert_eq!(rows[6].standing, Standing::NotSubmitted);
    assert_eq!(rows[6].total, None);
    assert_eq!(rows[0].grade.as_deref(), Some("优"));
    assert_eq!(rows[1].grade.as_deref(), Some("良"));
    assert_eq!(rows[5].grade.as_deref(), Some("差"));
    assert_eq!(rows[0].items.get("b"), Some(&d("40")));
}

#[test]
fn dense_ranking_does_not_skip() {
    let rows = rank(&six(), TieRule::Dense, None);
    let got: Vec<_> = rows.iter().map(|r| r.rank).collect();
    assert_eq!(
        got,
        [Some(1), Some(2), Some(2), Some(3), Some(3), Some(4), None]
    );
}

#[test]
fn a_category_is_ranked_on_its_own() {
    let rows = rank(&six(), TieRule::StandardCompetition, Some("县区"));
    let expected: Vec<_> = [("004", Some(1)), ("006", Some(2)), ("007", Some(3))]
        .iter()
        .map(|(c, r)| (c.to_string(), *r))
        .collect();
    assert_eq!(ranks(&rows), expected);
    let rows = rank(&six(), TieRule::StandardCompetition, Some("市直"));
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3].standing, Standing::NotSubmitted);
    assert!(rank(&six(), TieRule::Dense, Some("无此类")).is_empty());
}

#[test]
fn summary_counts_grades_and_finds_where_points_were_lost() {
    let s = six();
    let rows = rank(&s, TieRule::StandardCompetition, None);
    let sum = summarize(&s, &rows);
    assert_eq!((sum.departments, sum.ranked, sum.not_submitted), (7, 6, 1));
    let grades: Vec<_> = sum
        .grades
        .iter()
        .map(|g| (g.grade.as_str(), g.count))
        .collect();
    assert_eq!(grades, [("优", 1), ("良", 2), ("中", 2), ("差", 1)]);
    // (95 + 88 + 88 + 70 + 70 + 55) / 6 = 77.666…
    assert_eq!(sum.average_total, Some(d("77.67")));
    // a: (55+50+48+40+35+30)/6 = 43 of 60 → 17 lost, 28.3 %; b: 208/6 = 34.67 of 40 → 5.33 lost
    assert_eq!(sum.items[0].code, "a");
    assert_eq!(sum.items[0].average, d("43"));
    assert_eq!(sum.items[0].average_lost, d("17"));
    assert_eq!(sum.items[0].lost_percent, d("28.3"));
    assert_eq!(sum.items[0].departments_losing, 6);
    assert_eq!(sum.items[1].average, d("34.67"));
    assert_eq!(sum.items[1].departments_losing, 4);
}

#[test]
fn summary_of_nothing_ranked_has_no_average() {
    let s = snapshot(1, vec![dept("001", "市直", None)]);
    let sum = summarize(&s, &rank(&s, TieRule::Dense, None));
    assert_eq!(sum.average_total, None);
    assert_eq!(sum.items[0].average, Decimal::ZERO);
}

#[test]
fn diff_names_who_moved_and_which_items_changed_why() {
    let before = six();
    let mut after = six();
    after.version = 2;
    after.reason = "第2版".into();
    // 007 wins an appeal on item b: 25 → 40, total 55 → 70, 差 → 中
    let mut upheld = sheet("30", "40");
    upheld.items[1].override_ = Some(Override {
        item: "b".into(),
        score: d("40"),
        reason: "复核：佐证材料齐全".into(),
        by: "评审组".into(),
        at: None,
    });
    let i = after
        .departments
        .iter()
        .position(|x| x.code == "007")
        .expect("007");
    after.departments[i] = PublishedDepartment::new("007", "部门007", "县区", Some(&upheld), false);
    assert!(!same_results(&before, &after));
    let change = diff(&before, &after, |dept, item| {
        assert_eq!(dept, "007");
        upheld
            .items
            .iter()
            .find(|i| i.code == item)
            .and_then(reason_of)
    });
    assert_eq!((change.from_version, change.to_version), (1, 2));
    assert_eq!(change.reason, "第2版");
    assert_eq!(change.moved.len(), 1);
    let m = &change.moved[0];
    assert_eq!(m.department, "007");
    assert_eq!((m.rank_before, m.rank_after), (Some(6), Some(4)));
    assert_eq!(
        (m.total_before, m.total_after),
        (Some(d("55")), Some(d("70")))
    );
    assert_eq!(m.grade_after.as_deref(), Some("中"));
    assert_eq!(change.items.len(), 1);
    assert_eq!(change.items[0].item, "b");
    assert_eq!(
        (change.items[0].before, change.items[0].after),
        (Some(d("25")), Some(d("40")))
    );
    assert_eq!(
        change.items[0].reason.as_deref(),
        Some("复核：佐证材料齐全")
    );
}

#[test]
fn identical_results_are_the_same_whoever_publishes() {
    let mut again = six();
    again.version = 2;
    again.reason = "再次公布".into();
    again.published_by = "someone".into();
    assert!(same_results(&six(), &again));
    assert!(diff(&six(), &again, |_, _| None).moved.is_empty());
}
