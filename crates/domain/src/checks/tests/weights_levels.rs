//! Checks of 绩效自评表: first-level weights and third-level refinement.

use super::*;

// ------------------------------------------------------------------------------------ indicator_weights

#[test]
fn indicator_weights_fixture_scores_5() {
    let o = outcome(&junshan(), "indicator_weights");
    assert_eq!(score(&o), dec!(5));
    assert!(o.deductions.is_empty());
}

#[test]
fn indicator_weights_one_table_of_three_off_scheme_scores_3_33() {
    let mut pkg = junshan();
    all_tables(&mut pkg)[0].first_level_weights[0].weight = dec!(45);
    let o = outcome(&pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(3.33));
    assert_eq!(points(&o), [dec!(1.67)]);
    assert_eq!(o.deductions[0].location, dept_label());
    assert!(reasons(&o)[0].contains("产出45"), "{:?}", reasons(&o));
}

#[test]
fn indicator_weights_two_tables_off_add_up_to_the_loss() {
    let mut pkg = junshan();
    for t in all_tables(&mut pkg).into_iter().take(2) {
        t.first_level_weights[1].weight = dec!(35);
    }
    let o = outcome(&pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(1.67));
    assert_eq!(points(&o), [dec!(1.67), dec!(1.66)]);
}

#[test]
fn indicator_weights_last_deduction_takes_the_rounding_remainder() {
    // 6 tables, 3 off: 5 × 3/6 = 2.5 lost, but each share rounds to 0.83
    let mut pkg = junshan();
    let report = report_mut(&mut pkg);
    let extra: Vec<SelfEvalTable> = report
        .project_tables
        .iter()
        .cycle()
        .take(3)
        .cloned()
        .collect();
    report.project_tables.extend(extra);
    let mut tables = all_tables(&mut pkg);
    assert_eq!(tables.len(), 6);
    for t in tables.iter_mut().skip(3) {
        t.first_level_weights[0].weight = dec!(45);
    }
    let o = outcome(&pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(2.5));
    assert_eq!(points(&o), [dec!(0.83), dec!(0.83), dec!(0.84)]);
}

#[test]
fn indicator_weights_all_tables_off_scores_0() {
    let mut pkg = junshan();
    for t in all_tables(&mut pkg) {
        t.first_level_weights[0].weight = dec!(45);
    }
    let o = outcome(&pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(o.deductions.len(), 3);
}

#[test]
fn indicator_weights_missing_execution_rate_weight_is_off_scheme() {
    let mut pkg = junshan();
    for f in &mut all_tables(&mut pkg)[0].funds {
        f.weight = None;
    }
    assert_eq!(score(&outcome(&pkg, "indicator_weights")), dec!(3.33));
}

#[test]
fn indicator_weights_cost_as_first_level_conforms() {
    let mut pkg = junshan();
    let t = &mut all_tables(&mut pkg)[0];
    let weights: Vec<_> = serde_json::from_str(
        r#"[{"indicator":"产出指标","weight":"30"},{"indicator":"效益指标","weight":"30"},
            {"indicator":"满意度指标","weight":"10"},{"indicator":"成本指标","weight":"20"}]"#,
    )
    .expect("weights");
    t.first_level_weights = weights;
    let o = outcome(&pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(5), "{:?}", reasons(&o));
    // 成本 20 on top of the national scheme is not a scheme
    let mut pkg = junshan();
    let t = &mut all_tables(&mut pkg)[0];
    let mut extra = t.first_level_weights[0].clone();
    extra.indicator = "成本指标".to_string();
    extra.weight = dec!(20);
    t.first_level_weights.push(extra);
    assert_eq!(score(&outcome(&pkg, "indicator_weights")), dec!(3.33));
}

#[test]
fn indicator_weights_compare_numbers_not_their_printing() {
    let mut pkg = junshan();
    for t in all_tables(&mut pkg) {
        t.first_level_weights[0].weight = dec!(50.00);
        t.funds[0].weight = Some(dec!(10.0));
    }
    assert_eq!(score(&outcome(&pkg, "indicator_weights")), dec!(5));
}

#[test]
fn indicator_weights_from_rows_when_none_are_printed() {
    let mut pkg = junshan();
    for t in all_tables(&mut pkg) {
        t.first_level_weights.clear();
    }
    let o = outcome(&pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(5), "{:?}", reasons(&o));
    // a row's 分值 changed: only that table is off
    let t = &mut all_tables(&mut pkg)[0];
    t.indicators[0].weight = Some(dec!(10));
    let o = outcome(&pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(3.33));
    assert_eq!(o.deductions[0].location, dept_label());
    assert!(reasons(&o)[0].contains("产出55"), "{:?}", reasons(&o));
}

#[test]
fn indicator_weights_printed_weights_win_over_rows() {
    let mut pkg = junshan();
    all_tables(&mut pkg)[0].indicators[0].weight = Some(dec!(10));
    assert_eq!(score(&outcome(&pkg, "indicator_weights")), dec!(5));
}

#[test]
fn indicator_weights_no_tables_scores_0() {
    let o = outcome(&with_tables(None, Vec::new()), "indicator_weights");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(5)]);
    let mut pkg = junshan();
    pkg.report = None;
    assert_eq!(score(&outcome(&pkg, "indicator_weights")), dec!(0));
}

#[test]
fn indicator_weights_schemes_come_from_the_rubric() {
    let mut pkg = junshan();
    for t in all_tables(&mut pkg) {
        t.first_level_weights[0].weight = dec!(45);
        t.first_level_weights[1].weight = dec!(35);
    }
    assert_eq!(score(&outcome(&pkg, "indicator_weights")), dec!(0));
    let r = rubric_with(
        "\"产出\" = 50, \"效益\" = 30",
        "\"产出\" = 45, \"效益\" = 35",
    );
    assert_eq!(score(&outcome_with(&r, &pkg, "indicator_weights")), dec!(5));
}

// ------------------------------------------------------------------------------------ indicator_levels

#[test]
fn indicator_levels_fixture_scores_5_ignoring_blank_rows() {
    let pkg = junshan();
    let blank = pkg
        .report
        .as_ref()
        .map(|r| {
            r.department_table
                .iter()
                .chain(&r.project_tables)
                .flat_map(|t| &t.indicators)
                .filter(|row| row.is_blank())
                .count()
        })
        .unwrap_or_default();
    assert_eq!(blank, 4, "the fixture has wholly blank rows");
    let o = outcome(&pkg, "indicator_levels");
    assert_eq!(score(&o), dec!(5));
    assert_eq!(o.status, ItemStatus::Scored);
    let h = level_hints(&o);
    assert_eq!((h.refined, h.unrefined), (41, 0));
}

#[test]
fn indicator_levels_row_with_only_level_names_is_blank() {
    let mut pkg = junshan();
    all_tables(&mut pkg)[0].indicators.push(IndicatorRow {
        level1: Some("产出指标".to_string()),
        level2: Some("数量指标".to_string()),
        deviation: Some("无偏差".to_string()),
        ..IndicatorRow::default()
    });
    assert_eq!(score(&outcome(&pkg, "indicator_levels")), dec!(5));
}

#[test]
fn indicator_levels_nothing_refined_scores_0() {
    let mut pkg = junshan();
    for t in all_tables(&mut pkg) {
        for r in &mut t.indicators {
            r.level3 = None;
        }
    }
    let o = outcome(&pkg, "indicator_levels");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(5)]);
    assert_eq!(level_hints(&o).unrefined, 41);
}

#[test]
fn indicator_levels_partly_refined_is_a_suggestion_to_confirm() {
    let rows = vec![
        row(
            "产出指标",
            Some("办件量"),
            "≥30万件",
            "42万件",
            dec!(10),
            dec!(10),
        ),
        row(
            "产出指标",
            Some("办结率"),
            "100%",
            "100%",
            dec!(10),
            dec!(10),
        ),
        row(
            "效益指标",
            Some("营商环境"),
            "优化",
            "持续优化",
            dec!(10),
            dec!(10),
        ),
        row(
            "效益指标",
            Some("  "),
            "提升",
            "有效提升",
            dec!(10),
            dec!(10),
        ),
    ];
    let pkg = with_tables(
        Some(table(SelfEvalKind::Department, "部门", rows)),
        Vec::new(),
    );
    let o = outcome(&pkg, "indicator_levels");
    assert_eq!(o.score, None);
    assert_eq!(o.status, ItemStatus::AwaitingConfirmation);
    assert_eq!(band(&o), (dec!(3.75), dec!(3.75)));
    let h = level_hints(&o);
    assert_eq!((h.refined, h.unrefined), (3, 1));
    assert_eq!(h.unrefined_rows.len(), 1);
    assert!(
        h.unrefined_rows[0].contains("提升"),
        "{:?}",
        h.unrefined_rows
    );
}

#[test]
fn indicator_levels_row_with_only_a_score_is_unrefined() {
    let score_only = IndicatorRow {
        score: Some(dec!(5)),
        ..IndicatorRow::default()
    };
    let rows = vec![
        row(
            "产出指标",
            Some("办件量"),
            "≥30万件",
            "42万件",
            dec!(10),
            dec!(10),
        ),
        score_only,
    ];
    let pkg = with_tables(
        Some(table(SelfEvalKind::Department, "部门", rows)),
        Vec::new(),
    );
    let o = outcome(&pkg, "indicator_levels");
    assert_eq!(band(&o), (dec!(2.5), dec!(2.5)));
}

#[test]
fn indicator_levels_no_tables_scores_0() {
    let o = outcome(&with_tables(None, Vec::new()), "indicator_levels");
    assert_eq!(score(&o), dec!(0));
}
