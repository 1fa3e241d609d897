//! Plain-text renderings for people: the score sheet as a reviewer would print it, and the rubric.

use std::fmt::Write;

use rust_decimal::Decimal;

use crate::model::{FoundBy, Hints, ItemStatus, ScoreSheet, Severity};
use crate::rubric::Rubric;

/// Display width in a terminal: CJK and full-width characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 && !('\u{2000}'..='\u{206f}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

fn pad(s: &str, to: usize) -> String {
    format!("{s}{}", " ".repeat(to.saturating_sub(width(s))))
}

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn status_label(s: ItemStatus) -> &'static str {
    match s {
        ItemStatus::Scored => "自动评分",
        ItemStatus::Judged => "评审评分",
        ItemStatus::Overridden => "评审更正",
        ItemStatus::AwaitingJudgment => "待评审",
        ItemStatus::AwaitingConfirmation => "待确认",
        ItemStatus::MissingInput => "缺少信息",
        ItemStatus::AwaitingReconciliation => "待组长裁定",
    }
}

/// The score sheet as a readable Chinese table with every deduction, hint and finding.
pub fn score_sheet(sheet: &ScoreSheet) -> String {
    let mut out = String::new();
    let dept = sheet.department.as_deref().unwrap_or("");
    let _ = writeln!(
        out,
        "{dept} 部门整体支出绩效自评工作考核评分（评分表 {}）",
        sheet.rubric
    );
    let pending = sheet.items.iter().filter(|i| i.score.is_none()).count();
    let _ = writeln!(
        out,
        "总分 {} / {}　等级 {}{}",
        num(sheet.total),
        num(sheet.max_total),
        sheet.grade.as_deref().unwrap_or("—"),
        if sheet.complete {
            String::new()
        } else {
            format!("　（{pending}项尚未评分，总分为已评部分之和）")
        }
    );
    let _ = writeln!(out);
    let name_w = sheet
        .items
        .iter()
        .map(|i| width(&i.name))
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "{}  {}  {}  状态",
        pad("评分项目", name_w),
        pad("满分", 4),
        pad("得分", 5)
    );
    for i in &sheet.items {
        let score = i.score.map(num).unwrap_or_else(|| "—".to_string());
        let _ = writeln!(
            out,
            "{}  {}  {}  {}",
            pad(&i.name, name_w),
            pad(&num(i.max), 4),
            pad(&score, 5),
            status_label(i.status)
        );
    }
    let deductions: Vec<_> = sheet
        .items
        .iter()
        .flat_map(|i| i.deductions.iter().map(move |d| (i, d)))
        .collect();
    if !deductions.is_empty() {
        let _ = writeln!(out, "\n扣分明细");
        for (i, d) in deductions {
            let _ = writeln!(
                out,
                "  {} 扣{}分：{}（{}）",
                i.name,
                num(d.points),
                d.reason,
                d.location
            );
        }
    }
    let mut reviewer = Vec::new();
    for i in &sheet.items {
        if let Some(s) = &i.suggested {
            let band = if s.min == s.max {
                num(s.min)
            } else {
                format!("{}–{}", num(s.min), num(s.max))
            };
            reviewer.push(format!("  {} 建议{band}分：{}", i.name, s.reason));
        }
        if let Some(h) = &i.hints {
            reviewer.extend(hint_lines(h).into_iter().map(|l| format!("    {l}")));
        }
        if let Some(j) = &i.judgment {
            reviewer.push(format!(
                "  {} 评审{}分（{}）：{}",
                i.name,
                i.score.map(num).unwrap_or_default(),
                j.by,
                j.reason
            ));
        }
        if let Some(o) = &i.override_ {
            reviewer.push(format!(
                "  {} {}更正为{}分：{}",
                i.name,
                o.by,
                num(o.score),
                o.reason
            ));
        }
    }
    let corrections: Vec<String> = sheet.items.iter().flat_map(correction_lines).collect();
    if !corrections.is_empty() {
        let _ = writeln!(out, "\n更正记录（以下为被替代的结果，已不计分）");
        for l in corrections {
            let _ = writeln!(out, "{l}");
        }
    }
    if !reviewer.is_empty() {
        let _ = writeln!(out, "\n评审参考");
        for l in reviewer {
            let _ = writeln!(out, "{l}");
        }
    }
    if !sheet.findings.is_empty() {
        let _ = writeln!(out, "\n核对发现（不扣分）");
        for f in &sheet.findings {
            let level = match f.severity {
                Severity::Info => "提示",
                Severity::Warning => "注意",
                Severity::Error => "错误",
            };
            let _ = writeln!(out, "  [{level}] {}（{}）", f.message, f.location);
        }
    }
    out
}

/// What a correction replaced: the earlier result and the deductions that no longer count.
fn correction_lines(i: &crate::model::ItemScore) -> Vec<String> {
    let Some(r) = &i.replaced else {
        return Vec::new();
    };
    let was = match r.score {
        Some(s) => format!("原自动评分{}分", num(s)),
        None => "原自动建议".to_string(),
    };
    let now = i.score.map(num).unwrap_or_else(|| "—".into());
    let mut lines = vec![format!("  {} {was}，现为{now}分", i.name)];
    lines.extend(r.deductions.iter().map(|d| {
        format!(
            "    原扣{}分（已不计）：{}（{}）",
            num(d.points),
            d.reason,
            d.location
        )
    }));
    lines
}

fn hint_lines(h: &Hints) -> Vec<String> {
    match h {
        Hints::IndicatorQuality(q) => {
            let mut v = vec![format!(
                "指标值{}个，可衡量{}个（{}%），表述模糊{}个",
                q.targets,
                q.measurable,
                q.measurable_share.map(num).unwrap_or_else(|| "—".into()),
                q.vague
            )];
            v.extend(q.vague_examples.iter().map(|e| format!("模糊：{e}")));
            if !q.repeated_indicators.is_empty() {
                v.push(format!(
                    "多表重复的指标：{}",
                    q.repeated_indicators.join("、")
                ));
            }
            v.extend(
                q.unmet_but_full
                    .iter()
                    .map(|e| format!("未达标仍得满分：{e}")),
            );
            v.extend(
                q.score_above_weight
                    .iter()
                    .map(|e| format!("得分高于分值：{e}")),
            );
            v
        }
        Hints::Problems(p) => vec![format!(
            "问题{}个；涉及：{}；未涉及：{}；{}{}",
            p.problem_count,
            if p.areas_touched.is_empty() {
                "无".to_string()
            } else {
                p.areas_touched.join("、")
            },
            if p.areas_missing.is_empty() {
                "无".to_string()
            } else {
                p.areas_missing.join("、")
            },
            if p.causes_analysed {
                "有原因分析"
            } else {
                "未见原因分析"
            },
            if p.funds_only {
                "；只提出资金不足"
            } else {
                ""
            }
        )],
        Hints::Suggestions(s) => vec![format!(
            "建议{}条；无对应建议的问题：{}{}",
            s.suggestion_count,
            if s.unanswered_problems.is_empty() {
                "无".to_string()
            } else {
                s.unanswered_problems
                    .iter()
                    .map(|p| format!("第{p}个"))
                    .collect::<Vec<_>>()
                    .join("、")
            },
            if s.funding_only {
                "；只提出加大资金投入"
            } else {
                ""
            }
        )],
        Hints::IndicatorLevels(l) => {
            let mut v = vec![format!(
                "细化到三级指标{}个，未细化{}个",
                l.refined, l.unrefined
            )];
            v.extend(
                l.unrefined_rows
                    .iter()
                    .take(8)
                    .map(|r| format!("未细化：{r}")),
            );
            v
        }
        Hints::NoticeElements(n) => n
            .found
            .iter()
            .map(|f| {
                let by = match f.by {
                    FoundBy::Heading => "标题",
                    FoundBy::Sentence => "句子",
                    FoundBy::Attachments => "附件清单",
                };
                format!("通知已见“{}”：{by}“{}”", f.element, f.text)
            })
            .collect(),
    }
}

/// The rubric as a table: code, item, max, method, criterion.
pub fn rubric(r: &Rubric) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}（{}）　合计{}分", r.title, r.id, num(r.total));
    if let Some(s) = &r.source {
        let _ = writeln!(out, "依据：{s}");
    }
    let mut area = "";
    for i in &r.items {
        if i.area != area {
            area = &i.area;
            let sum: Decimal = r
                .items
                .iter()
                .filter(|x| x.area == i.area)
                .map(|x| x.max)
                .sum();
            let _ = writeln!(out, "\n{area}（{}分）", num(sum));
        }
        let method = match i.method {
            crate::rubric::ItemMethod::Automatic => "自动",
            crate::rubric::ItemMethod::Judgment => "评审",
        };
        let _ = writeln!(
            out,
            "  {:<22}{}  {}分  {method}",
            i.code,
            pad(&i.name, 30),
            num(i.max)
        );
        let _ = writeln!(out, "      {}", i.criterion);
    }
    let grades: Vec<String> = r
        .grades
        .iter()
        .map(|g| format!("{} ≥{}", g.grade, num(g.min)))
        .collect();
    let _ = writeln!(out, "\n等级：{}", grades.join("，"));
    let _ = writeln!(out, "并列名次：{}", r.ranking.tie_rule.describe());
    out
}

/// What reading a file found: the format, the report's parts and tables, and what is missing.
pub fn outline(parsed: &crate::ingest::Parsed) -> String {
    let mut out = String::new();
    let p = &parsed.package;
    let _ = writeln!(
        out,
        "{} {}年度（读取为 {:?}{}）",
        p.department.name,
        p.year,
        parsed.format,
        parsed
            .encoding
            .map(|e| format!("，编码 {e}"))
            .unwrap_or_default()
    );
    match &p.report {
        None => {
            let _ = writeln!(out, "未读到自评报告");
        }
        Some(r) => {
            if let Some(t) = &r.title {
                let _ = writeln!(out, "标题：{t}");
            }
            let _ = writeln!(out, "\n正文（{}部分）", r.body.len());
            for part in &r.body {
                let _ = writeln!(out, "  {}（{}字）", part.heading, part.text.chars().count());
            }
            let _ = writeln!(out, "\n存在的问题（{}条）", r.problems.len());
            for (i, item) in r.problems.iter().enumerate() {
                let _ = writeln!(out, "  {}. {item}", i + 1);
            }
            let _ = writeln!(out, "\n改进建议（{}条）", r.suggestions.len());
            for (i, item) in r.suggestions.iter().enumerate() {
                let _ = writeln!(out, "  {}. {item}", i + 1);
            }
            let _ = writeln!(out, "\n附件");
            if let Some(b) = &r.basic_data {
                let _ = writeln!(out, "  {}（经费控制情况{}行）", b.title, b.rows.len());
            }
            for t in r.department_table.iter().chain(&r.project_tables) {
                let _ = writeln!(
                    out,
                    "  {}（{}，指标{}行）",
                    t.title,
                    t.name,
                    t.indicators.len()
                );
            }
            if !r.project_reports.is_empty() {
                let _ = writeln!(
                    out,
                    "\n项目支出绩效评价报告（{}份）",
                    r.project_reports.len()
                );
                for pr in &r.project_reports {
                    let _ = writeln!(out, "  {}", pr.project.as_deref().unwrap_or(&pr.title));
                }
            }
        }
    }
    if !parsed.missing.is_empty() {
        let _ = writeln!(out, "\n未找到");
        for m in &parsed.missing {
            let _ = writeln!(out, "  {m}");
        }
    }
    out
}
