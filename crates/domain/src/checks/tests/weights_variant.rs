//! indicator_weights under a rubric from another place: sichuan-2024, whose 自评表 carry
//! 预算执行情况 10 and 绩效指标 90 split as the department sets it.

use super::*;
use crate::model::FirstLevelWeight;

const SICHUAN_TOML: &str = include_str!("../../../../../rubric/sichuan-2024.toml");
/// A real Sichuan 项目支出绩效自评表 (青神县发改局 2023): 执行率 10, 产出 60, 效益 30, no 满意度.
const QINGSHEN: &str =
    include_str!("../../../../../tests/fixtures/fragments/13_qingshen_fgj_2023_project_table.txt");

fn sichuan() -> &'static Rubric {
    static RUBRIC: OnceLock<Rubric> = OnceLock::new();
    RUBRIC.get_or_init(|| {
        Rubric::from_toml_str(SICHUAN_TOML, "sichuan-2024.toml").expect("sichuan rubric loads")
    })
}

/// First-level weights as a table prints them in its heading cells.
fn printed(pairs: &[(&str, Decimal)]) -> Vec<FirstLevelWeight> {
    pairs
        .iter()
        .map(|(indicator, weight)| FirstLevelWeight {
            indicator: indicator.to_string(),
            weight: *weight,
        })
        .collect()
}

/// A table without 满意度, as 青神 prints it: the heading cell and the rows go.
fn without_satisfaction(t: &mut SelfEvalTable) {
    t.first_level_weights = printed(&[("产出指标", dec!(60)), ("效益指标", dec!(30))]);
    t.indicators
        .retain(|r| !r.level1.as_deref().is_some_and(|l| l.contains("满意度")));
}

/// 君山区 with every 自评表 re-split the Sichuan way: 执行率 10 kept, the other 90 shared
/// differently by each table (one leaves out 满意度, as 青神 does; one adds 成本).
fn sichuan_package() -> Package {
    let mut pkg = junshan();
    let tables = all_tables(&mut pkg);
    let [dept, p1, p2] = tables.try_into().expect("君山 has three 自评表");
    for t in [&*dept, &*p1, &*p2] {
        assert_eq!(t.funds[0].weight, Some(dec!(10)), "执行率 10 as in 君山");
    }
    without_satisfaction(dept);
    p1.first_level_weights = printed(&[
        ("产出指标", dec!(55)),
        ("效益指标", dec!(25)),
        ("满意度指标", dec!(10)),
    ]);
    p2.first_level_weights = printed(&[
        ("产出指标", dec!(40)),
        ("效益指标", dec!(30)),
        ("满意度指标", dec!(10)),
        ("成本指标", dec!(10)),
    ]);
    pkg
}

#[test]
fn tables_following_sichuan_score_5_under_it_and_0_under_yueyang() {
    let pkg = sichuan_package();
    let o = outcome_with(sichuan(), &pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(5), "{:?}", reasons(&o));
    let o = outcome(&pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(o.deductions.len(), 3);
    assert!(
        reasons(&o)[0].contains("预算执行率10、产出60、效益30"),
        "{:?}",
        reasons(&o)
    );
}

#[test]
fn one_sichuan_table_among_junshans_costs_its_share_under_yueyang_only() {
    let mut pkg = junshan();
    without_satisfaction(all_tables(&mut pkg)[1]);
    assert_eq!(score(&outcome(&pkg, "indicator_weights")), dec!(3.33));
    assert_eq!(
        score(&outcome_with(sichuan(), &pkg, "indicator_weights")),
        dec!(5)
    );
}

/// 10/50/30/10 is one split of Sichuan's 90, so the 君山 tables follow both rubrics: sichuan-2024
/// accepts more than yueyang-2024, never less (yueyang's 成本 scheme is a split of 90 too).
#[test]
fn junshan_follows_yueyang_and_is_one_sichuan_split() {
    assert_eq!(score(&outcome(&junshan(), "indicator_weights")), dec!(5));
    assert_eq!(
        score(&outcome_with(sichuan(), &junshan(), "indicator_weights")),
        dec!(5)
    );
    assert_eq!(
        score(&outcome_with(sichuan(), &miluo(), "indicator_weights")),
        dec!(5),
        "汨罗市's 成本 scheme shares 90 too"
    );
}

#[test]
fn sichuan_refuses_tables_off_its_form() {
    let mut pkg = junshan();
    let mut tables = all_tables(&mut pkg);
    // 绩效指标 adding up to 80
    tables[0].first_level_weights[0].weight = dec!(40);
    // 执行率 15 with 85 shared
    tables[1].funds[0].weight = Some(dec!(15));
    tables[1].first_level_weights[0].weight = dec!(45);
    // a first-level indicator the form does not have
    tables[2].first_level_weights[2].indicator = "投入指标".to_string();
    let o = outcome_with(sichuan(), &pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(1.67), dec!(1.67), dec!(1.66)]);
    assert!(
        reasons(&o)
            .iter()
            .all(|r| r.contains("四川：预算执行情况10 绩效指标90")),
        "{:?}",
        reasons(&o)
    );
    assert!(reasons(&o)[2].contains("投入指标10"), "{:?}", reasons(&o));
}

/// The real 青神 table, read by the ingest, follows sichuan-2024 and not yueyang-2024.
#[test]
fn the_published_qingshen_table_follows_sichuan() {
    let parsed = crate::ingest::parse(
        QINGSHEN.as_bytes(),
        "13_qingshen_fgj_2023_project_table.txt",
        sichuan().body_parts(),
    )
    .expect("the fragment reads");
    let pkg = parsed.package;
    let o = outcome_with(sichuan(), &pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(5), "{:?}", reasons(&o));
    let o = outcome(&pkg, "indicator_weights");
    assert_eq!(score(&o), dec!(0));
    assert!(
        reasons(&o)[0].contains("预算执行率10、产出60、效益30"),
        "{:?}",
        reasons(&o)
    );
}
