//! 布置工作 and 单位自查: the notice and the working-group document submitted, the self-check
//! list. (The notice's elements are `notice_elements`.)

use rust_decimal::Decimal;

use super::outcome::{ItemOutcome, Missing};
use crate::model::{Deduction, DepartmentLevel, ItemStatus, Package, SelfCheckUnitKind};
use crate::rubric::{DocumentKind, MissingListPolicy, RubricItem};
use crate::text::find_any;

/// Full marks when the document was submitted (and mentions a keyword, when the rule lists any),
/// or, for the working group, when the notice itself sets the group up (`in_notice_with`).
pub fn document_present(
    item: &RubricItem,
    document: DocumentKind,
    keywords: &[String],
    in_notice_with: &[String],
    pkg: &Package,
) -> ItemOutcome {
    let (name, doc, unread) = match document {
        DocumentKind::Notice => (
            "自评通知",
            pkg.notice
                .as_ref()
                .map(|n| (n.title.as_deref(), n.text.as_str())),
            pkg.notice.as_ref().is_some_and(|n| n.scanned_unread),
        ),
        DocumentKind::WorkingGroup => (
            "工作小组文件",
            pkg.working_group
                .as_ref()
                .map(|w| (w.title.as_deref(), w.text.as_str())),
            pkg.working_group.as_ref().is_some_and(|w| w.scanned_unread),
        ),
    };
    // a scan that could not be read was submitted; whether it says what the rubric asks, a
    // reviewer reads from its pages
    if unread {
        return if keywords.is_empty() {
            ItemOutcome::scored(item, item.max, Vec::new())
        } else {
            ItemOutcome::pending(item, ItemStatus::MissingInput)
        };
    }
    let lost = |reason: String| {
        ItemOutcome::scored(
            item,
            Decimal::ZERO,
            vec![Deduction {
                points: item.max,
                reason,
                location: name.to_string(),
            }],
        )
    };
    let Some((title, text)) = doc else {
        if notice_sets_it_up(pkg, keywords, in_notice_with) {
            return ItemOutcome::scored(item, item.max, Vec::new());
        }
        return lost(format!("未提交{name}"));
    };
    if text.trim().is_empty() && title.is_none_or(|t| t.trim().is_empty()) {
        return lost(format!("提交的{name}没有内容"));
    }
    if !keywords.is_empty() {
        let haystack = format!("{}\n{text}", title.unwrap_or(""));
        if find_any(&haystack, keywords).is_none() {
            return lost(format!(
                "{name}中未见成立{}的内容",
                keywords.first().map(String::as_str).unwrap_or("")
            ));
        }
    }
    ItemOutcome::scored(item, item.max, Vec::new())
}

/// A finding for each document that is a scan kaoping could not read (扫描件，未能识读): the
/// department and the reviewer see why its items wait.
pub fn unread_scans(pkg: &Package) -> Vec<crate::model::Finding> {
    let notice = pkg.notice.as_ref().is_some_and(|n| n.scanned_unread);
    let group = pkg.working_group.as_ref().is_some_and(|w| w.scanned_unread);
    [(notice, "自评通知"), (group, "工作小组文件")]
        .into_iter()
        .filter(|(unread, _)| *unread)
        .map(|(_, name)| crate::model::Finding {
            code: "scan_unread".into(),
            severity: crate::model::Severity::Warning,
            message: format!("{name}是扫描件，未能识读：依据其内容的评分项由评审人员对照原件核定"),
            location: name.into(),
        })
        .collect()
}

/// Whether the notice holds one of `keywords` and all of `words` (spaces ignored: "组 长").
fn notice_sets_it_up(pkg: &Package, keywords: &[String], words: &[String]) -> bool {
    let Some(notice) = &pkg.notice else {
        return false;
    };
    if words.is_empty() {
        return false;
    }
    let text: String = format!("{}\n{}", notice.title.as_deref().unwrap_or(""), notice.text)
        .chars()
        .filter(|c| *c != ' ' && *c != '\u{3000}')
        .collect();
    find_any(&text, keywords).is_some() && words.iter().all(|w| text.contains(w.as_str()))
}

/// Every unit that had to self-check and did not, the department itself included; for a county
/// department with transfer-payment units, the regional summary too.
pub fn self_check(
    item: &RubricItem,
    per_missing: Decimal,
    when_list_missing: MissingListPolicy,
    pkg: &Package,
) -> ItemOutcome {
    let Some(list) = &pkg.self_check else {
        return match when_list_missing {
            MissingListPolicy::Zero => ItemOutcome::scored(
                item,
                Decimal::ZERO,
                vec![Deduction {
                    points: item.max,
                    reason: "未提交单位自查清单，无法核实本级、所属单位和转移支付项目单位开展自查"
                        .to_string(),
                    location: "单位自查清单".to_string(),
                }],
            ),
            MissingListPolicy::AwaitReview => ItemOutcome::pending(item, ItemStatus::MissingInput),
        };
    };
    let has = |kind| list.units.iter().any(|u| u.kind == kind);
    let mut missing: Vec<Missing> = Vec::new();
    if !has(SelfCheckUnitKind::Own) {
        missing.push(Missing::new(
            "自查清单未列部门本级，视为本级未开展自查",
            "单位自查清单",
        ));
    }
    for (i, unit) in list.units.iter().enumerate().filter(|(_, u)| !u.done) {
        let what = match unit.kind {
            SelfCheckUnitKind::Own => "部门本级",
            SelfCheckUnitKind::Subordinate => "所属单位",
            SelfCheckUnitKind::TransferPayment => "转移支付项目单位",
            SelfCheckUnitKind::RegionalSummary => "本区域转移支付汇总",
        };
        let did = match unit.kind {
            SelfCheckUnitKind::RegionalSummary => "未汇总",
            _ => "未开展绩效自查",
        };
        missing.push(Missing::new(
            format!("{what}“{}”{did}", unit.name),
            format!("单位自查清单第{}行", i + 1),
        ));
    }
    let county = pkg.department.level == DepartmentLevel::County;
    if county && has(SelfCheckUnitKind::TransferPayment) && !has(SelfCheckUnitKind::RegionalSummary)
    {
        missing.push(Missing::new(
            "县、区级主管部门未汇总本区域转移支付情况",
            "单位自查清单",
        ));
    }
    ItemOutcome::deducting(item, per_missing, missing)
}
