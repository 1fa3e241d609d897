//! Checks of 反映问题情况 and 建议情况: hints and suggested bands.

use super::*;

// ------------------------------------------------------------------------------------ problems

fn problems(list: &[&str]) -> ItemOutcome {
    let o = outcome(&with_problems(list, &[]), "problems");
    assert_eq!(o.score, None);
    assert_eq!(o.status, ItemStatus::AwaitingJudgment);
    assert!(o.deductions.is_empty());
    o
}

#[test]
fn problems_only_funds_shortage_points_to_0() {
    let o = problems(&["资金不足，经费紧张"]);
    assert_eq!(band(&o), (dec!(0), dec!(0)));
    assert!(problem_hints(&o).funds_only);
    let o = problems(&["项目资金缺口较大", "工作经费紧张"]);
    assert_eq!(band(&o), (dec!(0), dec!(0)));
    assert!(problem_hints(&o).funds_only);
}

#[test]
fn problems_with_one_funds_problem_among_others_are_not_funds_only() {
    let o = problems(&["资金不足", "固定资产管理不规范"]);
    assert!(!problem_hints(&o).funds_only);
    assert_eq!(band(&o), (dec!(13), dec!(15)));
}

#[test]
fn problems_none_raised_points_to_0() {
    let o = problems(&[]);
    assert_eq!(band(&o), (dec!(0), dec!(0)));
    let h = problem_hints(&o);
    assert_eq!(h.problem_count, 0);
    assert!(!h.funds_only);
    // blank entries are not problems
    let o = problems(&["  ", ""]);
    assert_eq!(problem_hints(&o).problem_count, 0);
    assert_eq!(band(&o), (dec!(0), dec!(0)));
}

const FOUR_AREAS_WITH_CAUSES: [&str; 4] = [
    "由于预算编制不够精细，导致预算执行偏差较大",
    "履职效能有待提高，原因是人员队伍不稳定",
    "专项资金拨付不及时",
    "固定资产管理不规范",
];

#[test]
fn problems_four_areas_with_causes_point_to_20() {
    let o = problems(&FOUR_AREAS_WITH_CAUSES);
    assert_eq!(band(&o), (dec!(20), dec!(20)));
    let h = problem_hints(&o);
    assert_eq!(h.problem_count, 4);
    assert_eq!(h.areas_touched.len(), 4, "{:?}", h.areas_touched);
    assert_eq!(h.areas_missing, ["政府采购"]);
    assert!(h.causes_analysed);
    assert!(!h.funds_only);
}

#[test]
fn problems_four_areas_without_causes_point_to_16_18() {
    let o = problems(&[
        "预算编制不够精细",
        "履职效能有待提高",
        "专项资金拨付不及时",
        "固定资产管理不规范",
    ]);
    assert!(!problem_hints(&o).causes_analysed);
    assert_eq!(band(&o), (dec!(16), dec!(18)));
}

#[test]
fn problems_three_areas_point_to_16_18() {
    let o = problems(&[
        "预算编制不够精细",
        "固定资产管理不规范",
        "政府采购程序不规范",
    ]);
    assert_eq!(problem_hints(&o).areas_touched.len(), 3);
    assert_eq!(band(&o), (dec!(16), dec!(18)));
}

#[test]
fn problems_two_areas_without_causes_point_to_13_15() {
    let o = problems(&["预算编制不够精细", "固定资产管理不规范"]);
    let h = problem_hints(&o);
    assert_eq!(h.areas_touched, ["预算和预算绩效管理", "资产和财务管理"]);
    assert!(!h.causes_analysed);
    assert_eq!(band(&o), (dec!(13), dec!(15)));
    // the same two areas with a cause: 16–18
    let o = problems(&["由于人手少，预算编制不够精细", "固定资产管理不规范"]);
    assert_eq!(band(&o), (dec!(16), dec!(18)));
}

#[test]
fn problems_one_vague_problem_points_to_10_12() {
    let o = problems(&["工作还存在一些不足"]);
    let h = problem_hints(&o);
    assert!(h.areas_touched.is_empty());
    assert_eq!(band(&o), (dec!(10), dec!(12)));
}

#[test]
fn problems_fixture_touches_two_areas_without_causes() {
    let o = outcome(&junshan(), "problems");
    let h = problem_hints(&o);
    assert_eq!(h.problem_count, 3);
    assert_eq!(h.areas_touched.len(), 2, "{:?}", h.areas_touched);
    assert_eq!(band(&o), (dec!(13), dec!(15)));
}

#[test]
fn problems_of_project_reports_are_not_the_departments() {
    let o = outcome(&miluo(), "problems");
    assert_eq!(problem_hints(&o).problem_count, 1);
}

#[test]
fn problems_that_name_a_shortage_as_cause_are_not_funds_only() {
    let o = problems(&[
        "由于经费紧张，固定资产管理不规范，账实不符",
        "政府采购程序不规范，原因是资金不足导致采购计划频繁变更",
    ]);
    assert!(!problem_hints(&o).funds_only);
    assert_ne!(band(&o), (dec!(0), dec!(0)));
}

// ------------------------------------------------------------------------------------ suggestions

fn suggestions(problems: &[&str], suggestions: &[&str]) -> ItemOutcome {
    let o = outcome(&with_problems(problems, suggestions), "suggestions");
    assert_eq!(o.score, None);
    assert_eq!(o.status, ItemStatus::AwaitingJudgment);
    assert!(o.deductions.is_empty());
    o
}

const THREE_PROBLEMS: [&str; 3] = [
    "预算编制不够精细",
    "固定资产管理不规范",
    "政府采购程序不规范",
];

#[test]
fn suggestions_only_more_money_points_to_0() {
    let o = suggestions(&THREE_PROBLEMS, &["加大资金投入"]);
    assert_eq!(band(&o), (dec!(0), dec!(0)));
    assert!(suggestion_hints(&o).funding_only);
    let o = suggestions(&THREE_PROBLEMS, &["加大资金投入", "争取上级增加预算"]);
    assert_eq!(band(&o), (dec!(0), dec!(0)));
}

#[test]
fn suggestions_answering_every_problem_point_to_15() {
    let o = suggestions(
        &THREE_PROBLEMS,
        &[
            "细化预算编制，提高预算编制精细度",
            "建立固定资产台账，定期盘点",
            "严格执行政府采购程序",
        ],
    );
    let h = suggestion_hints(&o);
    assert_eq!(h.answers, [vec![1], vec![2], vec![3]]);
    assert!(h.unanswered_problems.is_empty());
    assert!(!h.funding_only);
    assert_eq!(band(&o), (dec!(15), dec!(15)));
}

#[test]
fn suggestions_answering_everything_with_two_point_to_12_14() {
    let o = suggestions(
        &THREE_PROBLEMS[..2],
        &["细化预算编制，提高预算编制精细度", "建立固定资产台账"],
    );
    assert!(suggestion_hints(&o).unanswered_problems.is_empty());
    assert_eq!(band(&o), (dec!(12), dec!(14)));
}

#[test]
fn suggestions_list_unanswered_problems() {
    let o = suggestions(
        &THREE_PROBLEMS,
        &["细化预算编制，提高预算编制精细度", "严格执行政府采购程序"],
    );
    let h = suggestion_hints(&o);
    assert_eq!(h.answers, [vec![1], vec![3]]);
    assert_eq!(h.unanswered_problems, [2]);
    assert_eq!(band(&o), (dec!(12), dec!(14)));
    // one of three answered (33%): not comprehensive
    let o = suggestions(
        &THREE_PROBLEMS,
        &["细化预算编制，提高预算编制精细度", "加强学习"],
    );
    assert_eq!(suggestion_hints(&o).unanswered_problems, [2, 3]);
    assert_eq!(band(&o), (dec!(9), dec!(11)));
    // one suggestion answering nothing: too simple
    let o = suggestions(&THREE_PROBLEMS, &["加强学习"]);
    assert_eq!(suggestion_hints(&o).unanswered_problems, [1, 2, 3]);
    assert_eq!(band(&o), (dec!(6), dec!(8)));
}

#[test]
fn suggestions_with_one_funding_suggestion_among_others_are_not_funding_only() {
    let o = suggestions(
        &THREE_PROBLEMS,
        &["加大资金投入", "建立固定资产台账，定期盘点"],
    );
    let h = suggestion_hints(&o);
    assert!(!h.funding_only);
    assert_eq!(h.answers, [vec![], vec![2]]);
    assert_eq!(band(&o), (dec!(9), dec!(11)));
}

#[test]
fn suggestions_none_point_to_0() {
    let o = suggestions(&THREE_PROBLEMS, &[]);
    assert_eq!(band(&o), (dec!(0), dec!(0)));
    assert!(!suggestion_hints(&o).funding_only);
}

#[test]
fn suggestions_common_words_alone_do_not_answer_a_problem() {
    // 管理, 加强, 工作 … are stop terms
    let o = suggestions(&["资产管理工作需要加强"], &["加强管理工作"]);
    assert_eq!(suggestion_hints(&o).unanswered_problems, [1]);
}

#[test]
fn suggestions_with_more_money_and_more_are_not_funding_only() {
    let o = suggestions(
        &THREE_PROBLEMS,
        &[
            "加大资金投入，同时细化预算编制",
            "加大资金投入，建立固定资产台账",
            "增加预算，严格执行政府采购程序",
        ],
    );
    assert!(!suggestion_hints(&o).funding_only);
    assert_ne!(band(&o), (dec!(0), dec!(0)));
}
