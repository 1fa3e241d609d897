//! 完整性: the body's parts and the attached tables.

use rust_decimal::Decimal;

use super::outcome::{ItemOutcome, Missing};
use crate::model::{Finding, Report, Severity};
use crate::rubric::{AttachmentRule, AttachmentTable, BodyPartRule, RubricItem};
use crate::text::{chinese_numeral, normalize};

/// Each required body part, found by a heading that contains one of its aliases.
pub fn body_parts(
    item: &RubricItem,
    per_missing: Decimal,
    parts: &[BodyPartRule],
    report: Option<&Report>,
) -> ItemOutcome {
    let headings: Vec<String> = report
        .map(|r| r.body.iter().map(|p| normalize(&p.heading)).collect())
        .unwrap_or_default();
    let missing = parts
        .iter()
        .enumerate()
        .filter(|(_, part)| !part.is_among(&headings))
        .map(|(i, part)| {
            Missing::new(
                format!("缺少“{}、{}”", chinese_numeral(i + 1), part.name),
                "自评报告正文",
            )
        })
        .collect();
    ItemOutcome::deducting(item, per_missing, missing)
}

/// Each required table must be attached; a title in the body's 附件 list is not the table.
pub fn attachments(
    item: &RubricItem,
    per_missing: Decimal,
    parts: &[AttachmentRule],
    report: Option<&Report>,
    findings: &mut Vec<Finding>,
) -> ItemOutcome {
    let default = Report::default();
    let report = report.unwrap_or(&default);
    let missing = parts
        .iter()
        .filter(|part| match part.table {
            AttachmentTable::BasicData => report.basic_data.is_none(),
            AttachmentTable::DepartmentTable => report.department_table.is_none(),
            AttachmentTable::ProjectTables => report.project_tables.is_empty(),
        })
        .map(|part| {
            let listed = report
                .attachment_list
                .iter()
                .any(|t| normalize(t).contains(&normalize(&part.name)));
            let mut reason = format!("缺少附件“{}”", part.name);
            if listed {
                reason.push_str("（正文附件清单列有此表，但未附表格本身）");
            }
            Missing::new(reason, "自评报告附件")
        })
        .collect();
    findings.extend(projects_without_table(report));
    ItemOutcome::deducting(item, per_missing, missing)
}

/// Projects spent on (基础数据表 项目支出 lines with a figure) that have no 项目支出绩效自评表: a
/// finding for the reviewer, not a deduction.
fn projects_without_table(report: &Report) -> Option<Finding> {
    let basic = report.basic_data.as_ref()?;
    let start = basic
        .rows
        .iter()
        .position(|r| r.level == 0 && normalize(&r.label).starts_with("项目支出"))?;
    let lines: Vec<_> = basic.rows[start + 1..]
        .iter()
        .take_while(|r| r.level > 0)
        .collect();
    let leaves: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(i, row)| {
            // a line whose own lines follow it is a subtotal, not a project
            let has_children = lines.get(i + 1).is_some_and(|next| next.level > row.level);
            !has_children && row.values.iter().any(Option::is_some)
        })
        .map(|(_, row)| normalize(&row.label))
        .filter(|name| !name.is_empty())
        .collect();
    let tables: Vec<String> = report
        .project_tables
        .iter()
        .map(|t| normalize(&t.name))
        .collect();
    let without: Vec<&String> = leaves
        .iter()
        .filter(|name| {
            !tables
                .iter()
                .any(|t| t.contains(*name) || name.contains(t.as_str()))
        })
        .collect();
    if without.is_empty() {
        return None;
    }
    Some(Finding {
        code: "project_without_table".to_string(),
        severity: Severity::Warning,
        message: format!(
            "基础数据表项目支出列有{}个项目，其中{}未附项目支出绩效自评表",
            leaves.len(),
            without
                .iter()
                .map(|n| format!("“{n}”"))
                .collect::<Vec<_>>()
                .join("")
        ),
        location: format!("{} · 项目支出", basic.title),
    })
}
