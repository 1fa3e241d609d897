//! Whether the report is this department's, for this round's year: a report whose title names
//! another department or year is most likely the wrong file, and the department hears it at once
//! on upload (a finding, not a deduction: the rubric scores what was handed in).

use crate::calendar::{shanghai_date, WorkCalendar};
use crate::ingest::build::{name_from_title, title_year};
use crate::model::{Finding, Package, Severity};
use crate::text::normalize;

/// Findings when the report's title names another department or budget year than the package.
pub fn findings(pkg: &Package) -> Vec<Finding> {
    let Some(title) = pkg.report.as_ref().and_then(|r| r.title.as_deref()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(year) = title_year(title).filter(|y| *y != pkg.year) {
        out.push(Finding {
            code: "report_year_mismatch".into(),
            severity: Severity::Warning,
            message: format!(
                "报告标题写的是{year}年度，本轮评价的是{}年度：请确认提交的是本年度的报告",
                pkg.year
            ),
            location: "报告标题".into(),
        });
    }
    let registered = pkg.department.name.trim();
    if let Some(named) = name_from_title(title) {
        let (a, b) = (normalize(&named), normalize(registered));
        // "县档案馆" in the title of 寻甸回族彝族自治县档案馆 is the same department
        let agree = a.is_empty() || b.is_empty() || a.contains(&b) || b.contains(&a);
        if !agree {
            out.push(Finding {
                code: "report_department_mismatch".into(),
                severity: Severity::Warning,
                message: format!(
                    "报告标题中的部门为“{named}”，与登记的“{registered}”不符：请确认提交的是本部门的报告"
                ),
                location: "报告标题".into(),
            });
        }
    }
    out
}

/// Findings when a document's date cannot be right: before the calendar's first day (1900-01-01
/// typed for an unknown date) or after the report was received (a notice cannot be issued after
/// the package that carries it).
pub fn document_dates(
    pkg: &Package,
    calendar: &WorkCalendar,
    received: Option<chrono::DateTime<chrono::Utc>>,
) -> Vec<Finding> {
    let (first, _) = calendar.coverage();
    let received = received.map(shanghai_date);
    let dated = [
        ("自评通知", pkg.notice.as_ref().and_then(|n| n.issued_on)),
        (
            "工作小组文件",
            pkg.working_group.as_ref().and_then(|w| w.issued_on),
        ),
    ];
    dated
        .into_iter()
        .filter_map(|(what, day)| {
            let day = day?;
            let why = match received {
                _ if day < first => format!("早于工作日历的起始日期{first}"),
                Some(r) if day > r => format!("晚于报告的收到日期{r}"),
                _ => return None,
            };
            Some(Finding {
                code: "document_date_implausible".into(),
                severity: Severity::Error,
                message: format!("{what}的印发日期{day}{why}：请核对并更正后重新提交"),
                location: format!("{what} · 印发日期"),
            })
        })
        .collect()
}
