//! Arithmetic and cross-document findings. They cost no points; they point a reviewer at cells.

use rust_decimal::Decimal;

use super::indicators::{round, table_label};
use super::saturating_sum;
use crate::model::{BasicDataTable, Finding, Package, Report, SelfEvalTable, Severity};
use crate::rubric::{ConsistencyRules, Figure, FigureRule};
use crate::text::normalize;

struct Checker<'a> {
    rules: &'a ConsistencyRules,
    out: Vec<Finding>,
}

/// A figure as one source states it.
struct Stated {
    figure: Figure,
    value: Decimal,
    source: String,
}

pub fn findings(rules: &ConsistencyRules, pkg: &Package) -> Vec<Finding> {
    let Some(report) = &pkg.report else {
        return Vec::new();
    };
    let mut c = Checker {
        rules,
        out: Vec::new(),
    };
    let mut stated = text_figures(&rules.figures, report);
    stated.extend(table_figures(report));
    c.figures(&stated);
    for t in report.department_table.iter().chain(&report.project_tables) {
        c.self_eval_table(t);
    }
    if let Some(basic) = &report.basic_data {
        c.basic_data(basic);
    }
    c.out
}

/// Two printed figures agree when they are equal at the coarser of their two scales
/// (19.4 in the text agrees with 19.41 in a table; 183.19 does not agree with 183.17).
fn agree(a: Decimal, b: Decimal) -> bool {
    let scale = a.scale().min(b.scale());
    round(a, scale) == round(b, scale)
}

fn yuan(v: Decimal) -> String {
    format!("{v}万元")
}

impl Checker<'_> {
    fn push(&mut self, code: &str, message: String, location: String) {
        self.out.push(Finding {
            code: code.to_string(),
            severity: Severity::Warning,
            message,
            location,
        });
    }

    fn sum_differs(&self, sum: Decimal, total: Decimal) -> bool {
        sum.saturating_sub(total).abs() > self.rules.sum_tolerance
    }

    /// The same figure told differently by two sources; then the sums between figures.
    fn figures(&mut self, stated: &[Stated]) {
        let mut figures: Vec<Figure> = stated.iter().map(|s| s.figure).collect();
        figures.sort();
        figures.dedup();
        for figure in figures {
            let of: Vec<&Stated> = stated.iter().filter(|s| s.figure == figure).collect();
            let differ = of
                .iter()
                .any(|a| of.iter().any(|b| !agree(a.value, b.value)));
            if differ {
                let told: Vec<String> = of
                    .iter()
                    .map(|s| format!("{} {}", s.source, yuan(s.value)))
                    .collect();
                self.push(
                    "figure_mismatch",
                    format!("{}前后不一致：{}", figure.label(), told.join("；")),
                    of.iter()
                        .map(|s| s.source.as_str())
                        .collect::<Vec<_>>()
                        .join("；"),
                );
            }
        }
        // tables are preferred to the text where both state a figure
        let pick = |f: Figure| {
            stated
                .iter()
                .filter(|s| s.figure == f)
                .min_by_key(|s| s.source.starts_with("正文"))
        };
        let sums = [
            (
                [Figure::BasicExpenditure, Figure::ProjectExpenditure],
                Figure::TotalExpenditure,
            ),
            (
                [Figure::PersonnelExpenditure, Figure::PublicExpenditure],
                Figure::BasicExpenditure,
            ),
        ];
        for (parts, whole) in sums {
            let (Some(a), Some(b), Some(t)) = (pick(parts[0]), pick(parts[1]), pick(whole)) else {
                continue;
            };
            let sum = a.value.saturating_add(b.value);
            if self.sum_differs(sum, t.value) {
                self.push(
                    "sum_mismatch",
                    format!(
                        "{}{} + {}{} = {}，与{}{}不符",
                        parts[0].label(),
                        a.value,
                        parts[1].label(),
                        b.value,
                        yuan(sum),
                        whole.label(),
                        yuan(t.value)
                    ),
                    format!("{}；{}；{}", a.source, b.source, t.source),
                );
            }
        }
    }

    fn self_eval_table(&mut self, t: &SelfEvalTable) {
        let label = table_label(t);
        for f in &t.funds {
            let (Some(done), Some(budget), Some(rate)) =
                (f.executed, f.full_year_budget, f.execution_rate)
            else {
                continue;
            };
            let Some(ratio) = done
                .checked_div(budget)
                .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
            else {
                continue;
            };
            // rounded once, straight to the printed scale: 99.149 is printed 99.1, not 99.2
            let computed = round(ratio, rate.scale());
            if computed != rate {
                self.push(
                    "execution_rate",
                    format!(
                        "执行率应为 全年执行数{done} ÷ 全年预算数{budget} = {}%，表中为{rate}%",
                        round(ratio, 2)
                    ),
                    format!("{label} · {} · 执行率", f.label),
                );
            }
        }
        let rows: Vec<_> = t.indicators.iter().filter(|r| !r.is_blank()).collect();
        for r in rows
            .iter()
            .filter(|r| matches!((r.score, r.weight), (Some(s), Some(w)) if s > w))
        {
            self.push(
                "score_above_weight",
                format!(
                    "得分{}高于分值{}",
                    r.score.unwrap_or_default(),
                    r.weight.unwrap_or_default()
                ),
                format!("{label} · {}", r.level3.as_deref().unwrap_or("—")),
            );
        }
        let funds_weight = t.funds.iter().find_map(|f| f.weight);
        let funds_score = t.funds.iter().find_map(|f| f.score);
        let weights = saturating_sum(rows.iter().filter_map(|r| r.weight).chain(funds_weight));
        let scores = saturating_sum(rows.iter().filter_map(|r| r.score).chain(funds_score));
        if let Some(total) = t.total_score {
            if self.sum_differs(scores, total) {
                self.push(
                    "total_score",
                    format!("各项得分合计{scores}（含执行率得分），与总分{total}不符"),
                    format!("{label} · 总分 · 得分"),
                );
            }
        }
        if let Some(total) = t.total_weight {
            if self.sum_differs(weights, total) {
                self.push(
                    "total_weight",
                    format!("各项分值合计{weights}（含执行率分值），与总分{total}不符"),
                    format!("{label} · 总分 · 分值"),
                );
            }
        }
        let printed = saturating_sum(t.first_level_weights.iter().map(|w| w.weight));
        if !t.first_level_weights.is_empty()
            && printed.saturating_add(funds_weight.unwrap_or_default()) != Decimal::ONE_HUNDRED
        {
            self.push(
                "first_level_weights",
                format!(
                    "一级指标权重{}加执行率{}合计不是100",
                    printed,
                    funds_weight.unwrap_or_default()
                ),
                format!("{label} · 一级指标"),
            );
        }
        for fw in &t.first_level_weights {
            let name = normalize(&fw.indicator);
            let sum = saturating_sum(
                rows.iter()
                    .filter(|r| r.level1.as_deref().is_some_and(|l| normalize(l) == name))
                    .filter_map(|r| r.weight),
            );
            if sum != fw.weight {
                self.push(
                    "first_level_weight_rows",
                    format!(
                        "{}标注{}分，其下三级指标分值合计{sum}",
                        fw.indicator, fw.weight
                    ),
                    format!("{label} · {}", fw.indicator),
                );
            }
        }
    }

    fn basic_data(&mut self, t: &BasicDataTable) {
        if let Some(s) = &t.staffing {
            if let (Some(auth), Some(actual), Some(rate)) = (s.authorized, s.actual, s.control_rate)
            {
                let ratio = actual
                    .checked_div(auth)
                    .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED));
                if let Some(computed) = ratio.map(|r| round(r, rate.scale())) {
                    if computed != rate {
                        self.push(
                            "control_rate",
                            format!("控制率应为 实际在职人数{actual} ÷ 编制数{auth} = {computed}%，表中为{rate}%"),
                            format!("{} · 财政供养人员情况 · 控制率", t.title),
                        );
                    }
                }
            }
        }
        for (i, row) in t.rows.iter().enumerate() {
            let children: Vec<_> = t.rows[i + 1..]
                .iter()
                .take_while(|r| r.level > row.level)
                .filter(|r| r.level == row.level + 1)
                .collect();
            let Some(first) = children.first() else {
                continue;
            };
            // "其中" lines are a part of the total, not all of it
            let partial = normalize(&first.label).starts_with("其中");
            for (col, total) in row.values.iter().enumerate() {
                let Some(total) = *total else { continue };
                let values: Vec<Decimal> = children
                    .iter()
                    .filter_map(|c| c.values.get(col).copied().flatten())
                    .collect();
                if values.is_empty() {
                    continue;
                }
                let sum = saturating_sum(values);
                let wrong = if partial {
                    sum.saturating_sub(total) > self.rules.sum_tolerance
                } else {
                    self.sum_differs(sum, total)
                };
                if wrong {
                    let column = t.columns.get(col).map(String::as_str).unwrap_or("");
                    self.push(
                        "lines_sum",
                        format!(
                            "“{}”{} {}，其下各行合计{}{}",
                            row.label.trim(),
                            column,
                            yuan(total),
                            yuan(sum),
                            if partial {
                                "，超过总数"
                            } else {
                                "，不相等"
                            }
                        ),
                        format!("{} · {} · {column}", t.title, row.label.trim()),
                    );
                }
            }
        }
    }
}

/// Figures stated in the body: a label, a few filler characters, a number, then 万元.
fn text_figures(rules: &[FigureRule], report: &Report) -> Vec<Stated> {
    let mut out = Vec::new();
    for part in &report.body {
        for rule in rules {
            for label in &rule.text_labels {
                for (at, _) in part.text.match_indices(label.as_str()) {
                    if let Some(value) = amount_after(&part.text[at + label.len()..]) {
                        out.push(Stated {
                            figure: rule.figure,
                            value,
                            source: format!("正文“{}”", part.heading.trim()),
                        });
                    }
                }
            }
        }
    }
    out
}

/// "合计183.19万元" → 183.19: at most two filler words, then a number directly followed by 万元.
fn amount_after(rest: &str) -> Option<Decimal> {
    const FILLERS: [&str; 11] = [
        "合计", "总额", "支出", "共计", "为", "共", "是", "达", "计", "：", ":",
    ];
    let mut s = rest.trim_start();
    for _ in 0..2 {
        if let Some(f) = FILLERS.iter().find(|f| s.starts_with(*f)) {
            s = s[f.len()..].trim_start();
        }
    }
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let value: Decimal = s[..end].parse().ok()?;
    s[end..].trim_start().starts_with("万元").then_some(value)
}

/// Figures stated in the tables.
fn table_figures(report: &Report) -> Vec<Stated> {
    let mut out = Vec::new();
    let mut add = |figure, value: Option<Decimal>, source: String| {
        if let Some(value) = value {
            out.push(Stated {
                figure,
                value,
                source,
            });
        }
    };
    if let Some(t) = &report.department_table {
        let label = table_label(t);
        if let Some(n) = &t.funds_by_nature {
            add(
                Figure::BasicExpenditure,
                n.basic_expenditure,
                format!("{label} · 按支出性质分 · 基本支出"),
            );
            add(
                Figure::ProjectExpenditure,
                n.project_expenditure,
                format!("{label} · 按支出性质分 · 项目支出"),
            );
        }
        if let Some(total) = t.funds.first() {
            add(
                Figure::TotalExpenditure,
                total.executed,
                format!("{label} · {} · 全年执行数", total.label),
            );
        }
    }
    if let Some(b) = &report.basic_data {
        let last = b.columns.len().checked_sub(1);
        let column = last
            .and_then(|i| b.columns.get(i))
            .cloned()
            .unwrap_or_default();
        for row in b.rows.iter().filter(|r| r.level == 0) {
            let figure = match normalize(&row.label).as_str() {
                l if l.starts_with("项目支出") => Figure::ProjectExpenditure,
                l if l.starts_with("公用经费") => Figure::PublicExpenditure,
                _ => continue,
            };
            let value = last.and_then(|i| row.values.get(i).copied().flatten());
            add(
                figure,
                value,
                format!("{} · {} · {column}", b.title, row.label.trim()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_follow_their_label() {
        assert_eq!(
            amount_after("合计183.19万元，其中"),
            Some(Decimal::new(18319, 2))
        );
        assert_eq!(amount_after("183.19万元"), Some(Decimal::new(18319, 2)));
        assert_eq!(amount_after("支出163.78万元"), Some(Decimal::new(16378, 2)));
        assert_eq!(
            amount_after("为1783.93万元。"),
            Some(Decimal::new(178393, 2))
        );
        assert_eq!(amount_after("的89.41%"), None);
        assert_eq!(amount_after("主要用于"), None);
    }

    #[test]
    fn figures_agree_at_the_coarser_scale() {
        assert!(agree(Decimal::new(194, 1), Decimal::new(1941, 2)));
        assert!(!agree(Decimal::new(18319, 2), Decimal::new(18317, 2)));
    }
}
