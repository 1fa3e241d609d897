//! Checks of 完整性: body parts and attachments.

use super::*;
use rust_decimal::Decimal;

// ------------------------------------------------------------------------------------ body_complete

const PART_NINE: &str = "九、部门整体支出绩效自评结果拟应用和公开情况";

fn without_headings(prefixes: &[&str]) -> Package {
    let mut pkg = junshan();
    let report = report_mut(&mut pkg);
    let before = report.body.len();
    report
        .body
        .retain(|p| !prefixes.iter().any(|pre| p.heading.starts_with(pre)));
    assert_eq!(report.body.len(), before - prefixes.len(), "{prefixes:?}");
    pkg
}

#[test]
fn body_complete_fixture_with_ten_parts_scores_8() {
    let pkg = junshan();
    assert_eq!(pkg.report.as_ref().map(|r| r.body.len()), Some(10));
    let o = outcome(&pkg, "body_complete");
    assert_eq!(score(&o), dec!(8));
    assert!(o.deductions.is_empty(), "{:?}", o.deductions);
}

#[test]
fn body_complete_missing_part_nine_scores_6_and_names_it() {
    let o = outcome(&without_headings(&["九、"]), "body_complete");
    assert_eq!(score(&o), dec!(6));
    assert_eq!(points(&o), [dec!(2)]);
    assert_eq!(reasons(&o), [format!("缺少“{PART_NINE}”")]);
}

#[test]
fn body_complete_missing_four_parts_scores_0() {
    let o = outcome(
        &without_headings(&["三、", "四、", "五、", "十、"]),
        "body_complete",
    );
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(2); 4]);
    assert!(reasons(&o).iter().all(|r| !r.contains("已达")));
}

#[test]
fn body_complete_missing_five_parts_lists_all_five() {
    let o = outcome(
        &without_headings(&["三、", "四、", "五、", "九、", "十、"]),
        "body_complete",
    );
    assert_eq!(score(&o), dec!(0));
    // the fifth costs nothing past the cap: named in the fourth, never a "−0" line
    assert_eq!(points(&o), [dec!(2), dec!(2), dec!(2), dec!(2)]);
    let r = reasons(&o);
    assert_eq!(r[0], "缺少“三、政府性基金预算支出情况”");
    assert!(r[3].starts_with(&format!("缺少“{PART_NINE}”")), "{}", r[3]);
    assert!(r[3].contains("另缺少“十、其他需要说明的情况”"), "{}", r[3]);
    assert!(r[3].contains("已达本项最多扣8分，不再扣分"), "{}", r[3]);
}

#[test]
fn body_complete_one_heading_covers_problems_and_improvements() {
    let mut pkg = without_headings(&["八、"]);
    let report = report_mut(&mut pkg);
    let seven = report
        .body
        .iter_mut()
        .find(|p| p.heading.starts_with("七、"))
        .expect("part 七");
    seven.heading = "七、存在的主要问题及改进建议".to_string();
    let o = outcome(&pkg, "body_complete");
    assert_eq!(score(&o), dec!(8), "{:?}", reasons(&o));
}

#[test]
fn body_complete_missing_eight_alone_is_detected() {
    let o = outcome(&without_headings(&["八、"]), "body_complete");
    assert_eq!(reasons(&o), ["缺少“八、下一步改进措施”"]);
}

#[test]
fn body_complete_a_part_saying_only_wu_is_present() {
    let mut pkg = junshan();
    let report = report_mut(&mut pkg);
    let three = report
        .body
        .iter()
        .find(|p| p.heading.starts_with("三、"))
        .expect("part 三");
    assert_eq!(three.text, "无");
    report.body[0].text = "无".to_string();
    assert_eq!(score(&outcome(&pkg, "body_complete")), dec!(8));
}

#[test]
fn body_complete_headings_in_other_numbering_styles_match() {
    let mut pkg = junshan();
    let report = report_mut(&mut pkg);
    let restyled = [
        ("三、", "（三）政府性基金预算支出情况"),
        ("四、", "4.国有资本经营预算支出情况"),
        ("五、", "第五部分 社会保险基金预算支出情况"),
        ("六、", "(6) 部门整体支出绩效情况"),
        ("九、", "9、部门整体支出绩效自评结果拟应用和公开情况"),
    ];
    for (prefix, heading) in restyled {
        let part = report
            .body
            .iter_mut()
            .find(|p| p.heading.starts_with(prefix))
            .expect(prefix);
        part.heading = heading.to_string();
    }
    let o = outcome(&pkg, "body_complete");
    assert_eq!(score(&o), dec!(8), "{:?}", reasons(&o));
}

#[test]
fn body_complete_text_is_not_a_heading() {
    // a part's name inside another part's text does not make it present
    let mut pkg = without_headings(&["九、"]);
    report_mut(&mut pkg).body[0]
        .text
        .push_str("\n部门整体支出绩效自评结果拟应用和公开情况：将按规定公开。");
    assert_eq!(score(&outcome(&pkg, "body_complete")), dec!(6));
}

#[test]
fn body_complete_no_report_scores_0() {
    let mut pkg = junshan();
    pkg.report = None;
    let o = outcome(&pkg, "body_complete");
    assert_eq!(score(&o), dec!(0));
    // 8 points at 2 a part: four lines, the fourth naming the six parts past the cap
    assert_eq!(o.deductions.len(), 4);
    assert!(o.deductions.iter().all(|d| d.points > Decimal::ZERO));
    assert!(reasons(&o)[3].contains("不再扣分"), "{:?}", reasons(&o));
    // an empty body is the same
    let mut pkg = junshan();
    report_mut(&mut pkg).body.clear();
    assert_eq!(score(&outcome(&pkg, "body_complete")), dec!(0));
}

#[test]
fn body_complete_aliases_come_from_the_rubric() {
    let mut pkg = without_headings(&["十、"]);
    report_mut(&mut pkg).body.push(BodyPart {
        heading: "十、补充说明".to_string(),
        text: "无".to_string(),
    });
    assert_eq!(score(&outcome(&pkg, "body_complete")), dec!(6));
    let r = rubric_with("\"需要说明的问题\"", "\"需要说明的问题\", \"补充说明\"");
    assert_eq!(score(&outcome_with(&r, &pkg, "body_complete")), dec!(8));
}

// ------------------------------------------------------------------------------------ attachments_complete

#[test]
fn attachments_complete_fixture_scores_7() {
    let o = outcome(&junshan(), "attachments_complete");
    assert_eq!(score(&o), dec!(7));
    assert!(o.deductions.is_empty());
}

#[test]
fn attachments_complete_without_basic_data_scores_5() {
    let mut pkg = junshan();
    report_mut(&mut pkg).basic_data = None;
    let o = outcome(&pkg, "attachments_complete");
    assert_eq!(score(&o), dec!(5));
    assert_eq!(points(&o), [dec!(2)]);
    assert!(reasons(&o)[0].contains("部门整体支出绩效评价基础数据表"));
}

#[test]
fn attachments_complete_without_project_tables_scores_5() {
    let mut pkg = junshan();
    report_mut(&mut pkg).project_tables.clear();
    let o = outcome(&pkg, "attachments_complete");
    assert_eq!(score(&o), dec!(5));
    assert!(
        reasons(&o)[0].contains("“项目支出绩效自评表”"),
        "{:?}",
        reasons(&o)
    );
}

#[test]
fn attachments_complete_without_department_table_scores_5() {
    let mut pkg = junshan();
    report_mut(&mut pkg).department_table = None;
    let o = outcome(&pkg, "attachments_complete");
    assert_eq!(score(&o), dec!(5));
    assert!(
        reasons(&o)[0].contains("“部门整体支出绩效自评表”"),
        "{:?}",
        reasons(&o)
    );
}

#[test]
fn attachments_complete_all_three_missing_scores_1() {
    let mut pkg = junshan();
    let report = report_mut(&mut pkg);
    report.basic_data = None;
    report.department_table = None;
    report.project_tables.clear();
    let o = outcome(&pkg, "attachments_complete");
    assert_eq!(score(&o), dec!(1));
    assert_eq!(points(&o), [dec!(2); 3]);
    assert!(reasons(&o).iter().all(|r| !r.contains("最多扣")));
}

#[test]
fn attachments_complete_a_listed_title_is_not_the_table() {
    let mut pkg = junshan();
    let report = report_mut(&mut pkg);
    assert!(report
        .attachment_list
        .contains(&"部门整体支出绩效评价基础数据表".to_string()));
    report.basic_data = None;
    let o = outcome(&pkg, "attachments_complete");
    assert_eq!(score(&o), dec!(5));
    assert!(
        reasons(&o)[0].contains("附件清单列有此表"),
        "{:?}",
        reasons(&o)
    );
    // not listed: no such note
    report_mut(&mut pkg).attachment_list.clear();
    let o = outcome(&pkg, "attachments_complete");
    assert_eq!(score(&o), dec!(5));
    assert!(!reasons(&o)[0].contains("附件清单"), "{:?}", reasons(&o));
}

#[test]
fn attachments_complete_projects_without_table_are_a_finding_not_a_deduction() {
    let report = check(&junshan());
    let found = findings_of(&report.findings, "project_without_table");
    assert_eq!(found.len(), 1, "{:?}", report.findings);
    assert!(
        found[0].message.contains("数字展馆"),
        "{}",
        found[0].message
    );
    assert!(
        !found[0].message.contains("行政审批专项"),
        "{}",
        found[0].message
    );
    assert_eq!(report.items[6].score, Some(dec!(7)));
}
