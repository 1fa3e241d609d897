//! Checks of 绩效自评表: the hints behind the indicator-quality judgment.

use super::*;

// ------------------------------------------------------------------------------------ indicator_quality

fn quality_package() -> Package {
    let department = table(
        SelfEvalKind::Department,
        "部门",
        vec![
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
                "95%",
                dec!(10),
                dec!(10),
            ),
            row(
                "产出指标",
                Some("完成时限"),
                "2025年6月底前",
                "按时",
                dec!(5),
                dec!(5),
            ),
            row(
                "效益指标",
                Some("服务水平"),
                "有效提升",
                "有效提升",
                dec!(5),
                dec!(5),
            ),
            row(
                "效益指标",
                Some("营商环境"),
                "有所改善",
                "改善",
                dec!(5),
                dec!(5),
            ),
            row(
                "满意度指标",
                Some("群众满意度"),
                "不低于九成",
                "九成",
                dec!(5),
                dec!(6),
            ),
            row(
                "产出指标",
                Some("协同办公"),
                "机关事业单位",
                "3692人",
                dec!(5),
                dec!(5),
            ),
        ],
    );
    let project = table(
        SelfEvalKind::Project,
        "行政审批专项",
        vec![
            row(
                "满意度指标",
                Some("群众满意度"),
                "≥95%",
                "96%",
                dec!(10),
                dec!(10),
            ),
            row(
                "效益指标",
                Some("政务服务水平"),
                "定性",
                "有效提升",
                dec!(5),
                dec!(5),
            ),
        ],
    );
    with_tables(Some(department), vec![project])
}

#[test]
fn indicator_quality_always_awaits_judgment() {
    for pkg in [junshan(), quality_package(), with_tables(None, Vec::new())] {
        let o = outcome(&pkg, "indicator_quality");
        assert_eq!(o.score, None);
        assert_eq!(o.status, ItemStatus::AwaitingJudgment);
        assert!(o.deductions.is_empty());
        quality_hints(&o);
    }
}

#[test]
fn indicator_quality_counts_measurable_and_vague_targets() {
    let o = outcome(&quality_package(), "indicator_quality");
    let h = quality_hints(&o);
    assert_eq!(h.targets, 9);
    assert_eq!(h.measurable, 5);
    assert_eq!(h.vague, 3);
    assert_eq!(h.measurable_share, Some(dec!(55.56)));
    assert_eq!(h.vague_examples.len(), 3);
    assert!(h.vague_examples.iter().any(|e| e.contains("有所改善")));
    assert!(h.vague_examples.iter().any(|e| e.contains("定性")));
    assert!(!h.vague_examples.iter().any(|e| e.contains("机关事业单位")));
}

#[test]
fn indicator_quality_lists_indicators_repeated_across_tables() {
    let o = outcome(&quality_package(), "indicator_quality");
    assert_eq!(quality_hints(&o).repeated_indicators, ["群众满意度"]);
    // the same name twice in one table is not a repetition across tables
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
            Some("办件量"),
            "≥30万件",
            "42万件",
            dec!(10),
            dec!(10),
        ),
    ];
    let pkg = with_tables(
        Some(table(SelfEvalKind::Department, "部门", rows)),
        Vec::new(),
    );
    let o = outcome(&pkg, "indicator_quality");
    assert!(quality_hints(&o).repeated_indicators.is_empty());
    // the fixture repeats several word for word
    let o = outcome(&junshan(), "indicator_quality");
    let repeated = &quality_hints(&o).repeated_indicators;
    for name in [
        "群众满意度",
        "工作完成及时性",
        "财政资金支出",
        "政务服务水平",
    ] {
        assert!(repeated.iter().any(|r| r == name), "{name} in {repeated:?}");
    }
}

#[test]
fn indicator_quality_lists_unmet_targets_scored_full() {
    let o = outcome(&quality_package(), "indicator_quality");
    let h = quality_hints(&o);
    assert_eq!(h.unmet_but_full.len(), 1, "{:?}", h.unmet_but_full);
    assert!(h.unmet_but_full[0].contains("办结率"));
    assert!(h.unmet_but_full[0].contains("95%"));
    // scored below full: not listed
    let mut pkg = quality_package();
    all_tables(&mut pkg)[0].indicators[1].score = Some(dec!(9));
    let o = outcome(&pkg, "indicator_quality");
    assert!(quality_hints(&o).unmet_but_full.is_empty());
}

#[test]
fn indicator_quality_lists_scores_above_weight() {
    let o = outcome(&quality_package(), "indicator_quality");
    let h = quality_hints(&o);
    assert_eq!(h.score_above_weight.len(), 1, "{:?}", h.score_above_weight);
    assert!(h.score_above_weight[0].contains("群众满意度"));
    let o = outcome(&junshan(), "indicator_quality");
    assert!(quality_hints(&o).score_above_weight.is_empty());
}

#[test]
fn indicator_quality_vague_terms_come_from_the_rubric() {
    let rows = vec![row(
        "效益指标",
        Some("工作成效"),
        "稳步推进",
        "推进",
        dec!(5),
        dec!(5),
    )];
    let pkg = with_tables(
        Some(table(SelfEvalKind::Department, "部门", rows)),
        Vec::new(),
    );
    assert_eq!(quality_hints(&outcome(&pkg, "indicator_quality")).vague, 0);
    let r = rubric_with(
        "vague_terms = [\"有效提升\"",
        "vague_terms = [\"稳步推进\", \"有效提升\"",
    );
    let o = outcome_with(&r, &pkg, "indicator_quality");
    assert_eq!(quality_hints(&o).vague, 1);
}
