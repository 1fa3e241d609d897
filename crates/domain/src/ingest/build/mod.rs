//! From a [`Document`] (whatever file it came from) to the package model.
//!
//! The body is read from the paragraphs ([`body`]), the attached tables cell by cell
//! ([`tables`], [`self_eval`]); tables printed without tabs are first recovered from the
//! paragraphs ([`untabbed`]). What the document lacks is listed in [`Built::missing`], in
//! Chinese, for the department to see.

mod body;
mod clean;
mod self_eval;
mod tables;
mod toc;
mod untabbed;
mod vocab;

use super::document::{Block, Document, Merge, Paragraph};
use crate::model::{Department, DepartmentLevel, Package, Report};
use crate::rubric::BodyPartRule;
use crate::text::normalize;
use tables::{Attached, Kind};

/// The budget year a report's title names (the first `20xx年`).
pub fn title_year(title: &str) -> Option<i32> {
    body::year(title)
}

/// The package built from a document, and what the document lacks.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub package: Package,
    pub missing: Vec<String>,
}

/// Builds the package from a document. Never fails: what is not found is left empty and named
/// in `missing`.
/// The package a document holds. `standard` are the standard body parts the rubric names: they
/// decide which headings are top-level parts and which parts `missing` reports.
pub fn package(doc: &Document, standard: &[BodyPartRule]) -> Built {
    let recovered = untabbed::recover(doc);
    let (lines, attached) = split(recovered.as_ref().unwrap_or(doc));
    let lines = toc::without_contents(lines);
    let body = body::read(&lines, standard);
    let mut report = Report {
        title: body.title.clone(),
        body: body.parts,
        problems: body.problems,
        suggestions: body.suggestions,
        attachment_list: body.attachment_list,
        ..Report::default()
    };
    for t in &attached {
        match tables::kind(t) {
            Some(Kind::BasicData) if report.basic_data.is_none() => {
                report.basic_data = Some(tables::basic_data(t));
            }
            Some(Kind::Department) if report.department_table.is_none() => {
                report.department_table = Some(self_eval::self_eval(t, Kind::Department));
            }
            Some(Kind::Project) => report
                .project_tables
                .push(self_eval::self_eval(t, Kind::Project)),
            _ => {}
        }
    }
    report.project_reports = body.project_reports;
    for (i, r) in report.project_reports.iter_mut().enumerate() {
        r.project = report.project_tables.get(i).map(|t| t.name.clone());
    }
    let name = report
        .department_table
        .as_ref()
        .map(|t| t.name.clone())
        .filter(|n| !n.is_empty())
        .or_else(|| body.title.as_deref().and_then(name_from_title));
    let year = body
        .title
        .as_deref()
        .and_then(body::year)
        .or_else(|| lines.iter().flatten().find_map(|l| body::year(&l.text)));
    let missing = missing(&report, name.is_none(), year.is_none(), standard);
    let package = Package {
        department: Department {
            code: None,
            name: name.unwrap_or_default(),
            level: DepartmentLevel::County,
        },
        year: year.unwrap_or_default(),
        notice: None,
        working_group: None,
        self_check: None,
        report: Some(report),
        evidence: Vec::new(),
        submitted_at: None,
    };
    Built { package, missing }
}

/// `2024年度岳阳市君山区数据局整体支出绩效自评报告` → `岳阳市君山区数据局`.
/// The department a report's title names.
pub fn name_from_title(title: &str) -> Option<String> {
    let t = title.trim();
    let t = match body::year(t) {
        Some(y) => {
            let y = y.to_string();
            t.replacen(&format!("{y}年度"), "", 1)
                .replacen(&format!("{y}年"), "", 1)
        }
        None => t.to_string(),
    };
    let end = ["部门整体支出", "整体支出", "绩效自评报告", "自评报告"]
        .iter()
        .find_map(|s| t.find(s))?;
    let name = t[..end].trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn missing(
    report: &Report,
    no_name: bool,
    no_year: bool,
    standard: &[BodyPartRule],
) -> Vec<String> {
    let mut missing = Vec::new();
    if report.title.is_none() {
        missing.push("未找到报告标题".to_string());
    }
    if no_name {
        missing.push("未找到预算部门名称".to_string());
    }
    if no_year {
        missing.push("未找到评价年度".to_string());
    }
    if report.body.is_empty() {
        missing.push("未找到报告正文".to_string());
    } else {
        let headings: Vec<String> = report.body.iter().map(|p| normalize(&p.heading)).collect();
        for part in standard.iter().filter(|p| !p.is_among(&headings)) {
            missing.push(format!("未找到正文部分：{}", part.name));
        }
    }
    if report.problems.is_empty() {
        missing.push("未找到存在的问题".to_string());
    }
    if report.suggestions.is_empty() {
        missing.push("未找到改进措施或建议".to_string());
    }
    if report.basic_data.is_none() {
        missing.push("未找到部门整体支出绩效评价基础数据表".to_string());
    }
    match &report.department_table {
        None => missing.push("未找到部门整体支出绩效自评表".to_string()),
        Some(t) if t.indicators.is_empty() => {
            missing.push("部门整体支出绩效自评表未找到绩效指标".to_string());
        }
        Some(_) => {}
    }
    if report.project_tables.is_empty() {
        missing.push("未找到项目支出绩效自评表".to_string());
    }
    missing
}

/// The paragraphs (None where a table stands) and the attached tables with their titles and
/// signature lines. Tables separated only by blank paragraphs are one table.
fn split(doc: &Document) -> (Vec<Option<body::Line>>, Vec<Attached>) {
    let mut lines: Vec<Option<body::Line>> = Vec::new();
    let mut groups: Vec<(usize, Vec<String>)> = Vec::new();
    let mut open = false;
    for block in &doc.blocks {
        match block {
            Block::Paragraph(p) => {
                let line = line(p);
                if !line.text.trim().is_empty() {
                    open = false;
                }
                lines.push(Some(line));
            }
            Block::Table(t) => {
                let cells = t
                    .rows
                    .iter()
                    .flatten()
                    .filter(|c| c.merge != Merge::FromLeft)
                    .map(|c| match c.merge {
                        Merge::FromAbove => String::new(),
                        _ => c.text.clone(),
                    });
                match groups.last_mut() {
                    Some((_, group)) if open => group.extend(cells),
                    _ => {
                        groups.push((lines.len(), cells.collect()));
                        lines.push(None);
                    }
                }
                open = true;
            }
        }
    }
    let attached = groups
        .into_iter()
        .map(|(at, cells)| Attached::new(cells, table_title(&lines, at), filler(&lines, at)))
        .collect();
    (lines, attached)
}

fn line(p: &Paragraph) -> body::Line {
    let text = match &p.numbering {
        Some(n) => format!("{n}{}", p.text),
        None => p.text.clone(),
    };
    body::Line {
        text,
        heading_level: p.heading_level,
    }
}

/// The title printed above the table at `at`: the lines right above it (a title may be split
/// over two lines), without `附件N`.
fn table_title(lines: &[Option<body::Line>], at: usize) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let mut i = at;
    // Blank lines between the title and the table.
    while i > 0
        && lines[i - 1]
            .as_ref()
            .is_some_and(|l| l.text.trim().is_empty())
    {
        i -= 1;
    }
    while i > 0 && parts.len() < 3 {
        let Some(l) = lines[i - 1].as_ref() else {
            break;
        };
        let t = l.text.trim();
        if t.is_empty() || is_outside_title(t) {
            break;
        }
        parts.insert(0, t);
        if t.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            break;
        }
        i -= 1;
    }
    let title: String = parts.concat();
    let title = strip_attachment_label(&title);
    (title.ends_with('表') && title.chars().count() <= 40).then(|| title.to_string())
}

fn is_outside_title(t: &str) -> bool {
    t.starts_with("填表人")
        || t.starts_with("说明")
        || t.contains('。')
        || (t.starts_with("附件") && t.chars().count() <= 4)
}

fn strip_attachment_label(t: &str) -> &str {
    let Some(rest) = t.strip_prefix("附件") else {
        return t;
    };
    rest.trim_start_matches(|c: char| c.is_ascii_digit() || "：: -－".contains(c))
}

/// The signature line printed under the table at `at`, before the next table.
fn filler(lines: &[Option<body::Line>], at: usize) -> Option<crate::model::FillerInfo> {
    lines[at + 1..]
        .iter()
        .map_while(Option::as_ref)
        .take(8)
        .find(|l| l.text.contains("填表人") || l.text.contains("填报人"))
        .map(|l| clean::filler(&l.text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::document::{Cell, Table};

    fn cell(text: &str, merge: Merge) -> Cell {
        Cell {
            text: text.to_string(),
            merge,
        }
    }

    /// A Word grid: merged positions are marked and read like the text export's cells.
    #[test]
    fn word_grids_with_merge_marks() {
        let n = Merge::None;
        let row = |cells: &[(&str, Merge)]| cells.iter().map(|(t, m)| cell(t, *m)).collect();
        let table = Table {
            rows: vec![
                row(&[("项目支出名称", n), ("甲项目", n), ("", Merge::FromLeft)]),
                row(&[
                    ("绩效指标", n),
                    ("一级指标", n),
                    ("二级指标", n),
                    ("三级指标", n),
                    ("年度指标值", n),
                    ("实际完成值", n),
                    ("分值", n),
                    ("得分", n),
                    ("偏差原因分析及改进措施", n),
                ]),
                row(&[
                    ("", Merge::FromAbove),
                    ("产出指标（50分）", n),
                    ("数量指标", n),
                    ("甲", n),
                    ("≥1", n),
                    ("1", n),
                    ("50", n),
                    ("50", n),
                    ("", n),
                ]),
                row(&[
                    ("", Merge::FromAbove),
                    ("", Merge::FromAbove),
                    ("", Merge::FromAbove),
                    ("乙", n),
                    ("100%", n),
                    ("100％", n),
                    ("50", n),
                    ("４５", n),
                    ("", n),
                ]),
                row(&[("总分", n), ("100", n), ("95", n)]),
            ],
        };
        let mut heading = Paragraph::new("基本情况");
        heading.numbering = Some("一、".into());
        let doc = Document {
            blocks: vec![
                Block::Paragraph(Paragraph::new("2024年度示例局整体支出绩效自评报告")),
                Block::Paragraph(heading),
                Block::Paragraph(Paragraph::new("正文")),
                Block::Paragraph(Paragraph::new("2024年度项目支出绩效自评表")),
                Block::Table(table),
            ],
        };
        let rubric = crate::rubric::Rubric::builtin(crate::rubric::DEFAULT_RUBRIC).expect("rubric");
        let built = package(&doc, rubric.body_parts());
        let report = built.package.report.expect("report");
        assert_eq!(report.body[0].heading, "一、基本情况");
        let t = &report.project_tables[0];
        assert_eq!(t.name, "甲项目");
        assert_eq!(t.indicators.len(), 2);
        assert_eq!(t.indicators[1].level1.as_deref(), Some("产出指标"));
        assert_eq!(t.indicators[1].level2.as_deref(), Some("数量指标"));
        assert_eq!(t.indicators[1].actual.as_deref(), Some("100％"));
        assert_eq!(
            t.indicators[1].score.map(|d| d.to_string()).as_deref(),
            Some("45")
        );
        assert_eq!(t.total_score.map(|d| d.to_string()).as_deref(), Some("95"));
        assert!(built
            .missing
            .iter()
            .any(|m| m == "未找到部门整体支出绩效自评表"));
    }
}
