//! The 绩效自评表 (部门整体支出 and 项目支出), read from the stream of its cells.
//!
//! Each block is found by its label and re-cut into rows by its headings ([`vocab`]): the
//! templates of different provinces order and name the columns differently, and a layout that
//! leaves out a row's merged (empty) first cell prints rows a cell narrower than the headings.

use super::clean;
use super::tables::{Attached, Kind};
use super::vocab::{self, FundsColumn, IndicatorColumn};
use crate::model::{
    FirstLevelWeight, FundsByNature, FundsLine, Goals, IndicatorRow, SelfEvalKind, SelfEvalTable,
};

pub fn self_eval(t: &Attached, kind: Kind) -> SelfEvalTable {
    let (kind, default_title, name_labels): (_, _, &[&str]) = match kind {
        Kind::Project => (
            SelfEvalKind::Project,
            "项目支出绩效自评表",
            &vocab::PROJECT_NAME_LABELS,
        ),
        _ => (
            SelfEvalKind::Department,
            "部门整体支出绩效自评表",
            &vocab::DEPARTMENT_NAME_LABELS,
        ),
    };
    let after = |labels: &[&str]| {
        t.find(0, |c| {
            let label = vocab::without_note(c);
            labels.iter().any(|l| label.ends_with(l))
        })
        .and_then(|i| t.text(i + 1))
    };
    let (first_level_weights, indicators, total) = indicators(t);
    SelfEvalTable {
        kind,
        title: t.title.clone().unwrap_or_else(|| default_title.to_string()),
        name: after(name_labels).unwrap_or_default(),
        competent_department: after(&["主管部门"]),
        implementing_unit: after(&["实施单位"]),
        funds: funds(t),
        funds_by_nature: funds_by_nature(t),
        goals: goals(t),
        first_level_weights,
        indicators,
        total_weight: total.and_then(|i| t.number(i + 1)),
        total_score: total.and_then(|i| t.number(i + 2)),
        filled: t.filler.clone(),
    }
}

/// Where the funds block starting at `start` ends: the 按收入性质分 block, the goals or the
/// indicators.
fn funds_end(t: &Attached, start: usize) -> usize {
    t.find(start + 1, |c| {
        ["按收入性质", "按支出性质", "年度总体目标", "绩效指标"]
            .iter()
            .any(|w| c.starts_with(w))
            || vocab::is_expected_goal(c)
            || c == "一级指标"
    })
    .unwrap_or(t.cells.len())
}

/// The columns of the funds rows: the headings printed before the first row's label (empty
/// cells between them skipped), or the Hunan template's when they are not found.
fn funds_columns(t: &Attached, start: usize) -> Vec<FundsColumn> {
    let mut found = Vec::new();
    for i in (0..start).rev() {
        let c = t.get(i);
        if c.is_empty() && found.is_empty() {
            continue;
        }
        match vocab::funds_column(c) {
            Some(column) => found.push(column),
            None => break,
        }
    }
    found.reverse();
    let has = |k: FundsColumn| found.contains(&k);
    let complete = found.len() >= 4
        && has(FundsColumn::Executed)
        && (has(FundsColumn::Initial) || has(FundsColumn::FullYear));
    if complete {
        found
    } else {
        vocab::FUNDS_COLUMNS.to_vec()
    }
}

/// A cell that begins the next funds row rather than fill a column of this one: a label where a
/// figure stands, or a row's label where a note stands.
fn begins_row(c: &str, column: FundsColumn) -> bool {
    match column {
        FundsColumn::Note => vocab::is_funds_label(c),
        _ => clean::text(c).is_some() && clean::number(c).is_none() && c.chars().count() >= 2,
    }
}

fn funds(t: &Attached) -> Vec<FundsLine> {
    let Some(start) = t.find(0, vocab::is_funds_total) else {
        return Vec::new();
    };
    let end = funds_end(t, start);
    let columns = funds_columns(t, start);
    let mut lines = Vec::new();
    let mut i = start;
    while i < end {
        let label = t.get(i);
        if label.is_empty() || clean::number(label).is_some() {
            i += 1;
            continue;
        }
        let mut line = FundsLine {
            label: label.to_string(),
            ..FundsLine::default()
        };
        i += 1;
        for &column in &columns {
            if i >= end || begins_row(t.get(i), column) {
                break;
            }
            let v = t.number(i);
            match column {
                FundsColumn::Initial => line.initial_budget = v,
                FundsColumn::FullYear => line.full_year_budget = v,
                FundsColumn::Executed => line.executed = v,
                FundsColumn::Weight => line.weight = v,
                FundsColumn::Rate => line.execution_rate = v,
                FundsColumn::Score => line.score = v,
                FundsColumn::Note => {}
            }
            i += 1;
        }
        lines.push(line);
    }
    lines
}

fn funds_by_nature(t: &Attached) -> Option<FundsByNature> {
    let start = t.find(0, |c| {
        c.starts_with("按收入性质") || c.starts_with("按支出性质")
    })?;
    let end = t
        .find(start, |c| c.starts_with("年度总体目标") || c == "预期目标")
        .unwrap_or(t.cells.len());
    let value = |word: &str| {
        (start..end).find_map(|i| {
            let c = t.get(i);
            let at = c.find(word)?;
            // 政府性基金拨款:118.82 — the figure follows the label's colon
            let rest = &c[at + word.len()..];
            let rest = rest.split_once(['：', ':']).map_or(rest, |(_, r)| r);
            Some(clean::number(rest))
        })?
    };
    Some(FundsByNature {
        general_public_budget: value("一般公共预算"),
        government_funds: value("政府性基金"),
        special_account_non_tax: value("非税收入"),
        other_funds: value("其他资金"),
        basic_expenditure: value("基本支出"),
        project_expenditure: value("项目支出"),
    })
}

fn goals(t: &Attached) -> Option<Goals> {
    let expected = t
        .find(0, |c| c == "预期目标")
        .or_else(|| t.find(0, vocab::is_expected_goal))?;
    let actual = t.find(expected + 1, vocab::is_actual_goal)?;
    let start = t
        .find(0, |c| c.starts_with("年度总体目标"))
        .filter(|&s| s < expected)
        .unwrap_or(expected);
    // The row under the headings is as wide as they are, unless the layout left out its first
    // cell (the empty one under 年度总体目标).
    let width = actual - start + 1;
    let width = if start < expected && !t.get(start + width).is_empty() {
        width - 1
    } else {
        width
    };
    Some(Goals {
        expected: clean::lines(t.raw(expected + width)),
        actual: clean::lines(t.raw(actual + width)),
    })
}

type Indicators = (Vec<FirstLevelWeight>, Vec<IndicatorRow>, Option<usize>);

/// `=`, `≥`: a 指标性质 cell that belongs before the value.
fn is_comparison(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| "=＝≥≤≧≦>＞<＜".contains(c))
}

/// One indicator row's cells from `i`, by the columns; cells at or after `end` are not the
/// table's.
fn indicator_row(
    t: &Attached,
    columns: &[IndicatorColumn],
    i: usize,
    end: usize,
) -> (IndicatorRow, String) {
    let mut row = IndicatorRow::default();
    let mut level1_cell = String::new();
    let (mut nature, mut unit) = (None, None);
    for (k, col) in columns.iter().enumerate() {
        let at = i + k;
        if at >= end {
            break;
        }
        match col {
            IndicatorColumn::Level1 => level1_cell = t.get(at).to_string(),
            IndicatorColumn::Level2 => row.level2 = t.text(at),
            IndicatorColumn::Level3 => row.level3 = t.text(at),
            IndicatorColumn::Nature => nature = t.text(at).filter(|n| is_comparison(n)),
            IndicatorColumn::Target => row.target = t.text(at),
            IndicatorColumn::Unit => unit = t.text(at),
            IndicatorColumn::Actual => row.actual = t.text(at),
            IndicatorColumn::Weight => row.weight = t.number(at),
            IndicatorColumn::Score => row.score = t.number(at),
            IndicatorColumn::Deviation => row.deviation = t.text(at),
            IndicatorColumn::Other => {}
        }
    }
    // 指标性质 and 度量单位 printed apart are part of the value as printed: `=`, `100`, `%`.
    if let Some(target) = &mut row.target {
        if let Some(n) = nature {
            target.insert_str(0, &n);
        }
        if let Some(u) = unit {
            target.push_str(&u);
        }
    }
    (row, level1_cell)
}

fn indicators(t: &Attached) -> Indicators {
    let total = t.find(0, |c| c == "总分" || c == "合计");
    let Some(first) = t.find(0, |c| c == "一级指标") else {
        return (Vec::new(), Vec::new(), total);
    };
    let mut columns = Vec::new();
    let mut i = first;
    while i < t.cells.len() && columns.len() < 16 {
        let Some(c) = vocab::indicator_column(t.get(i)) else {
            break;
        };
        columns.push(c);
        i += 1;
        if c == IndicatorColumn::Deviation {
            break;
        }
    }
    // The 绩效指标 label column, when the rows have one: empty under a 绩效指标 heading (merged),
    // or printed in the first row (年度绩效指标完成情况).
    let data = t.get(i);
    let before = first.checked_sub(1).map(|b| t.get(b));
    if data.contains("绩效指标")
        || (data.is_empty() && before.is_some_and(|b| b.is_empty() || b.contains("绩效指标")))
    {
        columns.insert(0, IndicatorColumn::Other);
    }
    let width = columns.len();
    let end = total.filter(|&e| e >= i).unwrap_or(t.cells.len());
    let mut weights = Vec::new();
    let mut rows = Vec::new();
    let mut above: Option<(Option<String>, Option<String>)> = None;
    while i < end {
        let (mut row, level1_cell) = indicator_row(t, &columns, i, end);
        i += width.max(1);
        let (name, weight) = clean::name_and_weight(&level1_cell);
        if let Some(weight) = weight {
            weights.push(FirstLevelWeight {
                indicator: name.clone(),
                weight,
            });
        }
        row.level1 = clean::text(&name);
        if row.is_blank() && row.level1.is_none() && row.level2.is_none() {
            rows.push(IndicatorRow::default());
            continue;
        }
        if let Some((l1, l2)) = &above {
            if row.level1.is_none() {
                row.level1.clone_from(l1);
            }
            if row.level2.is_none() {
                row.level2.clone_from(l2);
            }
        }
        above = Some((row.level1.clone(), row.level2.clone()));
        rows.push(row);
    }
    // A first row that lost its 一级指标 with no row above belongs to the merged cell below.
    let first_level1 = rows.iter().find_map(|r| r.level1.clone());
    for row in rows.iter_mut().filter(|r| !r.is_blank()) {
        if row.level1.is_some() {
            break;
        }
        row.level1.clone_from(&first_level1);
    }
    (weights, rows, total)
}
