//! Whether the report is this department's, for this round's year: a report whose title names
//! another department or year is most likely the wrong file, and the department hears it at once
//! on upload (a finding, not a deduction: the rubric scores what was handed in).

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
