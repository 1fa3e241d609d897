//! Checks of 自评通知, 工作小组, 单位自查.

use super::*;

// ------------------------------------------------------------------------------------ notice_issued

#[test]
fn notice_issued_present_scores_2() {
    let o = outcome(
        &with_notice(notice(Some(NOTICE_TITLE), "请各单位开展自评。", &[])),
        "notice_issued",
    );
    assert_eq!(score(&o), dec!(2));
    assert!(o.deductions.is_empty());
    assert_eq!(o.status, ItemStatus::Scored);
}

#[test]
fn notice_issued_with_a_title_only_scores_2() {
    let o = outcome(
        &with_notice(notice(Some(NOTICE_TITLE), "", &[])),
        "notice_issued",
    );
    assert_eq!(score(&o), dec!(2));
}

#[test]
fn notice_issued_absent_scores_0_with_a_deduction_of_2() {
    let pkg = junshan();
    assert!(pkg.notice.is_none());
    let o = outcome(&pkg, "notice_issued");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(2)]);
    assert_eq!(reasons(&o), ["未提交自评通知"]);
}

#[test]
fn notice_issued_empty_text_and_no_title_scores_0() {
    for title in [None, Some("  ")] {
        let o = outcome(&with_notice(notice(title, " \n ", &[])), "notice_issued");
        assert_eq!(score(&o), dec!(0), "title {title:?}");
        assert_eq!(points(&o), [dec!(2)]);
        assert!(reasons(&o)[0].contains("没有内容"), "{:?}", reasons(&o));
    }
}

// ------------------------------------------------------------------------------------ notice_contents

#[test]
fn notice_contents_all_six_elements_score_6() {
    let o = outcome(
        &with_notice(notice(Some(NOTICE_TITLE), &notice_text_without(None), &[])),
        "notice_contents",
    );
    assert_eq!(score(&o), dec!(6));
    assert!(o.deductions.is_empty(), "{:?}", o.deductions);
}

#[test]
fn notice_contents_each_single_missing_element_costs_1_and_is_named() {
    for (i, (name, _)) in NOTICE_SECTIONS.iter().enumerate() {
        let o = outcome(
            &with_notice(notice(
                Some(NOTICE_TITLE),
                &notice_text_without(Some(i)),
                &[],
            )),
            "notice_contents",
        );
        assert_eq!(score(&o), dec!(5), "without {name}");
        assert_eq!(points(&o), [dec!(1)], "without {name}");
        assert_eq!(
            reasons(&o),
            [format!("自评通知缺少“{name}”")],
            "without {name}"
        );
    }
}

#[test]
fn notice_contents_attachments_meet_the_attachment_element_without_the_word() {
    let text = notice_text_without(Some(5));
    assert!(!text.contains("附件"));
    let o = outcome(
        &with_notice(notice(
            Some(NOTICE_TITLE),
            &text,
            &["部门整体支出绩效自评表"],
        )),
        "notice_contents",
    );
    assert_eq!(score(&o), dec!(6));
    // only the attachment element can be met by attachments
    let o = outcome(
        &with_notice(notice(
            Some(NOTICE_TITLE),
            &notice_text_without(Some(4)),
            &["部门整体支出绩效自评表"],
        )),
        "notice_contents",
    );
    assert_eq!(reasons(&o), ["自评通知缺少“有关要求”"]);
}

#[test]
fn notice_contents_synonyms_count() {
    let text = "一、评价范围：局本级。\n二、评价依据：《预算法》。\n三、评价内容：预算执行。\n\
                四、工作安排：5月底前完成。\n五、其他事项：联系人张三。";
    let o = outcome(
        &with_notice(notice(None, text, &["自评表"])),
        "notice_contents",
    );
    assert_eq!(score(&o), dec!(6), "{:?}", reasons(&o));
    let text = "一、自评对象：局本级。\n二、主要依据：《预算法》。\n三、自评重点：预算执行。\n\
                四、时间安排：5月底前完成。\n五、注意事项：按时报送。\n附件：自评表";
    let o = outcome(&with_notice(notice(None, text, &[])), "notice_contents");
    assert_eq!(score(&o), dec!(6), "{:?}", reasons(&o));
}

#[test]
fn notice_contents_finds_an_element_in_the_title() {
    let text = notice_text_without(Some(4));
    let o = outcome(
        &with_notice(notice(Some("关于绩效自评工作要求的通知"), &text, &[])),
        "notice_contents",
    );
    assert_eq!(score(&o), dec!(6), "{:?}", reasons(&o));
}

#[test]
fn notice_contents_none_of_the_six_scores_0_with_six_deductions() {
    let o = outcome(
        &with_notice(notice(None, "请各单位认真做好相关工作。", &[])),
        "notice_contents",
    );
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(1); 6]);
    let want: Vec<String> = NOTICE_SECTIONS
        .iter()
        .map(|(name, _)| format!("自评通知缺少“{name}”"))
        .collect();
    assert_eq!(reasons(&o), want);
}

#[test]
fn notice_contents_no_notice_scores_0() {
    let o = outcome(&junshan(), "notice_contents");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(6)]);
}

#[test]
fn notice_contents_per_missing_and_synonyms_come_from_the_rubric() {
    let r = rubric_with(
        "kind = \"notice_elements\"\nper_missing = 1",
        "kind = \"notice_elements\"\nper_missing = 2",
    );
    let pkg = with_notice(notice(None, &notice_text_without(Some(0)), &[]));
    assert_eq!(score(&outcome_with(&r, &pkg, "notice_contents")), dec!(4));
    // four missing at 2 each: the cap of 6 is reached at the third
    let text = [NOTICE_SECTIONS[0].1, NOTICE_SECTIONS[1].1].join("\n");
    let o = outcome_with(
        &r,
        &with_notice(notice(None, &text, &[])),
        "notice_contents",
    );
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(2), dec!(2), dec!(2)]);
    assert!(
        reasons(&o)[2].contains("已达本项最多扣6分，不再扣分"),
        "{:?}",
        reasons(&o)
    );
    assert!(!reasons(&o)[1].contains("已达"), "{:?}", reasons(&o));
    // a synonym the default rubric lacks
    let text = notice_text_without(Some(3)) + "\n四、工作部署：单位自查。";
    let pkg = with_notice(notice(None, &text, &[]));
    assert_eq!(score(&outcome(&pkg, "notice_contents")), dec!(5));
    let r = rubric_with("\"实施程序\"", "\"实施程序\", \"工作部署\"");
    assert_eq!(score(&outcome_with(&r, &pkg, "notice_contents")), dec!(6));
}

// ------------------------------------------------------------------------------------ working_group

#[test]
fn working_group_with_a_group_in_title_or_text_scores_2() {
    for doc in [
        working_group(Some("关于成立预算绩效管理领导小组的通知"), ""),
        working_group(None, "经研究，决定成立绩效评价工作小组，组长：张三。"),
        working_group(Some("关于印发通知"), "成立整体支出绩效自评领导小组。"),
    ] {
        let mut pkg = junshan();
        pkg.working_group = Some(doc.clone());
        let o = outcome(&pkg, "working_group");
        assert_eq!(score(&o), dec!(2), "{doc:?}");
        assert!(o.deductions.is_empty());
    }
}

#[test]
fn working_group_absent_scores_0() {
    let o = outcome(&junshan(), "working_group");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(2)]);
    assert_eq!(reasons(&o), ["未提交工作小组文件"]);
}

#[test]
fn working_group_document_without_a_group_scores_0() {
    let mut pkg = junshan();
    pkg.working_group = Some(working_group(
        Some("关于印发2024年度工作计划的通知"),
        "现将2024年度工作计划印发给你们，请认真贯彻执行。",
    ));
    let o = outcome(&pkg, "working_group");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(2)]);
    assert!(reasons(&o)[0].contains("领导小组"), "{:?}", reasons(&o));
}

#[test]
fn working_group_empty_document_scores_0() {
    let mut pkg = junshan();
    pkg.working_group = Some(working_group(None, ""));
    assert_eq!(score(&outcome(&pkg, "working_group")), dec!(0));
}

// ------------------------------------------------------------------------------------ self_check

fn own_and_subordinates(done: bool, subordinates: usize) -> Vec<SelfCheckUnit> {
    std::iter::once(unit(SelfCheckUnitKind::Own, "岳阳市君山区数据局本级", done))
        .chain((1..=subordinates).map(|i| {
            unit(
                SelfCheckUnitKind::Subordinate,
                &format!("所属单位{i}号"),
                done,
            )
        }))
        .collect()
}

#[test]
fn self_check_all_units_done_scores_10() {
    let o = outcome(&with_units(own_and_subordinates(true, 3)), "self_check");
    assert_eq!(score(&o), dec!(10));
    assert!(o.deductions.is_empty(), "{:?}", o.deductions);
}

#[test]
fn self_check_county_with_transfer_units_and_summary_done_scores_10() {
    let mut units = own_and_subordinates(true, 1);
    units.push(unit(SelfCheckUnitKind::TransferPayment, "钱粮湖镇", true));
    units.push(unit(
        SelfCheckUnitKind::RegionalSummary,
        "君山区转移支付汇总",
        true,
    ));
    assert_eq!(score(&outcome(&with_units(units), "self_check")), dec!(10));
}

#[test]
fn self_check_one_unit_not_done_costs_1_and_names_it() {
    let mut units = own_and_subordinates(true, 2);
    units[2].done = false;
    let o = outcome(&with_units(units), "self_check");
    assert_eq!(score(&o), dec!(9));
    assert_eq!(points(&o), [dec!(1)]);
    assert!(reasons(&o)[0].contains("所属单位2号"), "{:?}", reasons(&o));
    assert_eq!(o.deductions[0].location, "单位自查清单第3行");
}

#[test]
fn self_check_ten_units_not_done_reach_the_cap_exactly() {
    let o = outcome(&with_units(own_and_subordinates(false, 9)), "self_check");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(1); 10]);
    assert!(
        reasons(&o).iter().all(|r| !r.contains("已达")),
        "{:?}",
        reasons(&o)
    );
}

#[test]
fn self_check_eleven_units_not_done_list_every_unit_and_stop_at_10() {
    let units = own_and_subordinates(false, 10);
    let names: Vec<String> = units.iter().map(|u| u.name.clone()).collect();
    let o = outcome(&with_units(units), "self_check");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(o.deductions.len(), 10);
    assert_eq!(points(&o), vec![dec!(1); 10]);
    // the eleventh unit, past the cap, is named in the tenth line
    let mut lines = reasons(&o);
    lines.push(lines[9]);
    for (name, reason) in names.iter().zip(lines) {
        assert!(
            reason.contains(name.as_str()),
            "{reason} should name {name}"
        );
    }
    assert!(
        reasons(&o)[9].contains("已达本项最多扣10分，不再扣分"),
        "{:?}",
        reasons(&o)[9]
    );
}

#[test]
fn self_check_list_without_own_unit_costs_1() {
    let units = vec![unit(SelfCheckUnitKind::Subordinate, "政务服务中心", true)];
    let o = outcome(&with_units(units), "self_check");
    assert_eq!(score(&o), dec!(9));
    assert_eq!(points(&o), [dec!(1)]);
    assert!(reasons(&o)[0].contains("本级"), "{:?}", reasons(&o));
}

#[test]
fn self_check_county_without_regional_summary_costs_1_municipal_does_not() {
    let mut units = own_and_subordinates(true, 1);
    units.push(unit(SelfCheckUnitKind::TransferPayment, "钱粮湖镇", true));
    let mut pkg = with_units(units);
    assert_eq!(pkg.department.level, DepartmentLevel::County);
    let o = outcome(&pkg, "self_check");
    assert_eq!(score(&o), dec!(9));
    assert_eq!(reasons(&o), ["县、区级主管部门未汇总本区域转移支付情况"]);

    pkg.department.level = DepartmentLevel::Municipal;
    let o = outcome(&pkg, "self_check");
    assert_eq!(score(&o), dec!(10));
    assert!(o.deductions.is_empty());
}

#[test]
fn self_check_county_without_transfer_units_needs_no_summary() {
    let pkg = with_units(own_and_subordinates(true, 1));
    assert_eq!(pkg.department.level, DepartmentLevel::County);
    assert_eq!(score(&outcome(&pkg, "self_check")), dec!(10));
}

#[test]
fn self_check_summary_listed_but_not_made_costs_1() {
    let mut units = own_and_subordinates(true, 0);
    units.push(unit(SelfCheckUnitKind::TransferPayment, "钱粮湖镇", true));
    units.push(unit(
        SelfCheckUnitKind::RegionalSummary,
        "君山区转移支付汇总",
        false,
    ));
    let o = outcome(&with_units(units), "self_check");
    assert_eq!(score(&o), dec!(9));
    assert_eq!(points(&o), [dec!(1)]);
    assert!(reasons(&o)[0].contains("君山区转移支付汇总"));
}

#[test]
fn self_check_no_list_scores_0_by_policy() {
    let o = outcome(&junshan(), "self_check");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(o.status, ItemStatus::Scored);
    assert_eq!(points(&o), [dec!(10)]);
}

#[test]
fn self_check_no_list_awaits_review_when_the_rubric_says_so() {
    let r = rubric_with(
        "when_list_missing = \"zero\"",
        "when_list_missing = \"await_review\"",
    );
    let o = outcome_with(&r, &junshan(), "self_check");
    assert_eq!(o.score, None);
    assert_eq!(o.status, ItemStatus::MissingInput);
    assert!(o.deductions.is_empty());
    // a list is still scored under that policy
    let o = outcome_with(&r, &with_units(own_and_subordinates(true, 1)), "self_check");
    assert_eq!(score(&o), dec!(10));
}

#[test]
fn self_check_per_missing_comes_from_the_rubric() {
    let r = rubric_with(
        "kind = \"self_check\", per_missing = 1",
        "kind = \"self_check\", per_missing = 3",
    );
    let mut units = own_and_subordinates(true, 4);
    units[1].done = false;
    assert_eq!(
        score(&outcome_with(&r, &with_units(units.clone()), "self_check")),
        dec!(7)
    );
    for u in &mut units {
        u.done = false;
    }
    let o = outcome_with(&r, &with_units(units), "self_check");
    assert_eq!(score(&o), dec!(0));
    assert_eq!(points(&o), [dec!(3), dec!(3), dec!(3), dec!(1)]);
}

#[test]
fn working_group_set_up_by_the_notice_itself_scores_2() {
    // the real notice of tests/fixtures/notices/05 sets up its 领导小组 with 组 长 and 成 员
    let text = "一、绩效评价组织机构\n学校成立财政预算资金绩效评价工作领导小组。具体名单如下。\n\
                组 长:刘铁铭\n副组长:朱 强\n成 员:计划财务处、审计处负责人。";
    let pkg = with_notice(notice(Some(NOTICE_TITLE), text, &[]));
    assert!(pkg.working_group.is_none());
    let o = outcome(&pkg, "working_group");
    assert_eq!(score(&o), dec!(2), "{:?}", reasons(&o));
    // naming a group without its members is no group set up
    for text in ["请各单位领导小组高度重视。", "组长：张三，成员若干。"] {
        let o = outcome(
            &with_notice(notice(Some(NOTICE_TITLE), text, &[])),
            "working_group",
        );
        assert_eq!(score(&o), dec!(0), "{text}");
        assert_eq!(reasons(&o), ["未提交工作小组文件"], "{text}");
    }
}

// ------------------------------------------------------------------------------------ identity

#[test]
fn a_report_titled_for_another_department_or_year_is_a_finding() {
    let findings = |title: &str| {
        let mut pkg = junshan();
        if let Some(r) = pkg.report.as_mut() {
            r.title = Some(title.to_string());
        }
        let input = crate::checks::CheckInput {
            package: &pkg,
            deadline: None,
            received_at: None,
            timing_note: None,
        };
        crate::checks::run(rubric(), crate::calendar::WorkCalendar::embedded(), input)
            .findings
            .into_iter()
            .filter(|f| f.code.starts_with("report_"))
            .map(|f| f.code)
            .collect::<Vec<_>>()
    };
    assert!(findings("岳阳市君山区数据局2024年度部门整体支出绩效自评报告").is_empty());
    // the short name of the registered department is the same department
    assert!(findings("君山区数据局2024年度部门整体支出绩效自评报告").is_empty());
    assert_eq!(
        findings("岳阳市君山区数据局2023年度部门整体支出绩效自评报告"),
        ["report_year_mismatch"]
    );
    assert_eq!(
        findings("汨罗市数据局2024年度部门整体支出绩效自评报告"),
        ["report_department_mismatch"]
    );
}

#[test]
fn a_scan_that_could_not_be_read_counts_as_submitted_and_waits_for_a_reviewer() {
    let mut n = notice(None, "", &[]);
    n.scanned_unread = true;
    let mut pkg = with_notice(n);
    let mut w = working_group(None, "");
    w.scanned_unread = true;
    pkg.working_group = Some(w);
    assert_eq!(score(&outcome(&pkg, "notice_issued")), dec!(2));
    for code in ["notice_contents", "working_group"] {
        let o = outcome(&pkg, code);
        assert_eq!(o.score, None, "{code}");
        assert_eq!(o.status, ItemStatus::MissingInput, "{code}");
        assert!(o.deductions.is_empty(), "{code}");
    }
    let findings = crate::checks::documents::unread_scans(&pkg);
    assert_eq!(findings.len(), 2);
    assert!(
        findings[0]
            .message
            .starts_with("自评通知是扫描件，未能识读"),
        "{findings:?}"
    );
}

#[test]
fn a_notice_dated_before_the_calendar_or_after_receipt_is_a_finding() {
    let findings = |issued: &str| {
        let mut n = notice(None, &notice_text_without(None), &[]);
        n.issued_on = issued.parse().ok();
        let pkg = with_notice(n);
        let input = crate::checks::CheckInput {
            package: &pkg,
            deadline: None,
            received_at: "2025-04-29T09:00:00+08:00".parse().ok(),
            timing_note: None,
        };
        crate::checks::run(rubric(), crate::calendar::WorkCalendar::embedded(), input)
            .findings
            .into_iter()
            .filter(|f| f.code == "document_date_implausible")
            .map(|f| f.message)
            .collect::<Vec<_>>()
    };
    assert_eq!(findings("2025-04-01"), Vec::<String>::new());
    let early = findings("1900-01-01");
    assert!(
        early.len() == 1 && early[0].contains("早于工作日历"),
        "{early:?}"
    );
    let late = findings("2025-05-20");
    assert!(
        late.len() == 1 && late[0].contains("晚于报告的收到日期2025-04-29"),
        "{late:?}"
    );
}
