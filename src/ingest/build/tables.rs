//! The attached tables, read cell by cell.
//!
//! A table is taken as the stream of its printed cells in reading order (rows flattened): text
//! exports do not always show where a row ends, and every row of these tables is as wide as its
//! heading row, so rows are re-cut from the stream by the width of their headings.

use rust_decimal::Decimal;

use super::clean;
use crate::model::{
    BasicDataTable, BuildingControlRow, FillerInfo, FirstLevelWeight, FundsByNature,
    FundsControlRow, FundsLine, Goals, IndicatorRow, SelfEvalKind, SelfEvalTable, Staffing,
};

/// One attached table: its cells in reading order, the title printed above it and the
/// signature line printed under it.
#[derive(Debug, Clone, Default)]
pub struct Attached {
    pub raw: Vec<String>,
    pub cells: Vec<String>,
    pub title: Option<String>,
    pub filler: Option<FillerInfo>,
}

impl Attached {
    pub fn new(raw: Vec<String>, title: Option<String>, filler: Option<FillerInfo>) -> Self {
        let cells = raw.iter().map(|c| clean::cell(c)).collect();
        Attached {
            raw,
            cells,
            title,
            filler,
        }
    }

    fn find(&self, from: usize, pred: impl Fn(&str) -> bool) -> Option<usize> {
        (from..self.cells.len()).find(|&i| pred(&self.cells[i]))
    }

    fn get(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or_default()
    }

    fn raw(&self, i: usize) -> &str {
        self.raw.get(i).map(String::as_str).unwrap_or_default()
    }

    fn number(&self, i: usize) -> Option<Decimal> {
        clean::number(self.get(i))
    }

    fn text(&self, i: usize) -> Option<String> {
        clean::text(self.get(i))
    }

    fn contains(&self, word: &str) -> bool {
        self.cells.iter().any(|c| c.contains(word))
    }
}

/// Which table this is, from its cells and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BasicData,
    Department,
    Project,
}

pub fn kind(t: &Attached) -> Option<Kind> {
    let title = t.title.as_deref().unwrap_or_default();
    if t.contains("财政供养人员") || t.contains("经费控制情况") {
        return Some(Kind::BasicData);
    }
    let self_eval =
        t.contains("一级指标") || t.contains("年度总体目标") || title.contains("自评表");
    if !self_eval || t.contains("评分标准") {
        return None;
    }
    if title.contains("项目支出") || t.contains("项目支出名称") || t.contains("项目名称")
    {
        Some(Kind::Project)
    } else {
        Some(Kind::Department)
    }
}

pub fn basic_data(t: &Attached) -> BasicDataTable {
    let title = t
        .title
        .clone()
        .unwrap_or_else(|| "部门整体支出绩效评价基础数据表".to_string());
    let staffing = t.find(0, |c| c.starts_with("财政供养")).and_then(|s| {
        let rate = t.find(s, |c| c.contains("控制率"))?;
        let width = rate - s + 1;
        let at = |word: &str| {
            t.find(s, |c| c.contains(word))
                .and_then(|i| t.number(i + width))
        };
        Some(Staffing {
            authorized: at("编制数"),
            actual: at("在职"),
            control_rate: t.number(rate + width),
        })
    });
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    let end = t
        .find(0, |c| {
            c.starts_with("楼堂馆所") || c.starts_with("厉行节约")
        })
        .unwrap_or(t.cells.len());
    if let Some(f) = t.find(0, |c| c.starts_with("经费控制")) {
        let mut i = f + 1;
        while i < end && (t.get(i).contains("决算") || t.get(i).contains("预算")) {
            columns.push(t.get(i).to_string());
            i += 1;
        }
        let width = columns.len().max(1);
        let mut previous: Option<(u8, bool)> = None;
        while i < end {
            let label = t.get(i).to_string();
            let values = (1..=width).map(|k| t.number(i + k).filter(|_| i + k < end));
            let values: Vec<Option<Decimal>> = values.collect();
            let (level, numbered) = level(&label, previous);
            previous = Some((level, numbered));
            rows.push(FundsControlRow {
                label,
                level,
                values,
            });
            i += width + 1;
        }
    }
    let buildings = t
        .find(0, |c| c.starts_with("楼堂馆所"))
        .map(|b| buildings(t, b))
        .unwrap_or_default();
    let savings_measures = t
        .find(0, |c| c.starts_with("厉行节约"))
        .and_then(|i| t.text(i + 1));
    BasicDataTable {
        title,
        staffing,
        columns,
        rows,
        buildings,
        savings_measures,
        filled: t.filler.clone(),
    }
}

const LEVEL0: [&str; 6] = [
    "三公经费",
    "项目支出",
    "公用经费",
    "政府采购金额",
    "部门基本支出预算调整",
    "基本支出",
];

/// 0 for a heading line, 1 for its numbered and 其中 lines, 2 for a line's own lines.
/// `previous` is the level of the row above and whether it was numbered.
fn level(label: &str, previous: Option<(u8, bool)>) -> (u8, bool) {
    let bare: String = label
        .chars()
        .filter(|c| !"“”\"‘’'：:".contains(*c))
        .collect();
    if LEVEL0.contains(&bare.as_str()) {
        return (0, false);
    }
    let numbered = crate::checks::text::strip_ordinal(label) != label;
    if numbered || (!label.is_empty() && label.chars().all(|c| c == '…' || c == '.')) {
        return (1, true);
    }
    let level = match previous {
        None | Some((0, _)) => 1,
        Some((p, _)) if label.starts_with("其中") => (p + 1).min(2),
        Some((_, true)) => 2,
        Some((p, false)) => p,
    };
    (level, false)
}

fn buildings(t: &Attached, b: usize) -> Vec<BuildingControlRow> {
    let headings = (b + 1..t.cells.len())
        .take_while(|&i| {
            let c = t.get(i);
            c.contains("规模") || c.contains("投资") || c.contains("控制率")
        })
        .count();
    let width = headings + 1;
    let end = t
        .find(b, |c| c.starts_with("厉行节约"))
        .unwrap_or(t.cells.len());
    let mut rows = Vec::new();
    let mut i = b + width;
    while i + 1 < end {
        let v = |k: usize| t.number(i + k).filter(|_| i + k < end);
        let row = BuildingControlRow {
            approved_area: v(1),
            actual_area: v(2),
            area_control_rate: v(3),
            budgeted_investment: v(4),
            actual_investment: v(5),
            investment_control_rate: v(6),
        };
        if row != BuildingControlRow::default() {
            rows.push(row);
        }
        i += width;
    }
    rows
}

pub fn self_eval(t: &Attached, kind: Kind) -> SelfEvalTable {
    let (kind, default_title, name_labels): (_, _, &[&str]) = match kind {
        Kind::Project => (
            SelfEvalKind::Project,
            "项目支出绩效自评表",
            &["项目支出名称", "项目名称"],
        ),
        _ => (
            SelfEvalKind::Department,
            "部门整体支出绩效自评表",
            &["预算部门名称", "部门名称", "单位名称"],
        ),
    };
    let after = |labels: &[&str]| {
        t.find(0, |c| labels.iter().any(|l| c.ends_with(l)))
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

/// Where the funds block ends: the 按收入性质分 block or the goals.
fn funds_end(t: &Attached) -> usize {
    t.find(0, |c| {
        c.starts_with("按收入性质") || c.starts_with("按支出性质") || c.starts_with("年度总体目标")
    })
    .or_else(|| t.find(0, |c| c == "预期目标" || c == "一级指标"))
    .unwrap_or(t.cells.len())
}

fn funds(t: &Attached) -> Vec<FundsLine> {
    let Some(start) = t.find(0, |c| c.contains("年度资金总额")) else {
        return Vec::new();
    };
    let end = funds_end(t).max(start + 1);
    let mut lines = Vec::new();
    let mut i = start;
    while i < end {
        let label = t.get(i);
        if label.is_empty() || clean::number(label).is_some() {
            i += 1;
            continue;
        }
        let v = |k: usize| t.number(i + k).filter(|_| i + k < end);
        lines.push(FundsLine {
            label: label.to_string(),
            initial_budget: v(1),
            full_year_budget: v(2),
            executed: v(3),
            weight: v(4),
            execution_rate: v(5),
            score: v(6),
        });
        i += 7;
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
            let rest = c[at + word.len()..].trim_start_matches(['：', ':']);
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
    let expected = t.find(0, |c| c == "预期目标")?;
    let actual = t.find(expected, |c| c.starts_with("实际完成"))?;
    let start = t
        .find(0, |c| c.starts_with("年度总体目标"))
        .filter(|&s| s < expected)
        .unwrap_or(expected);
    // The row under the headings is as wide as they are.
    let width = actual - start + 1;
    Some(Goals {
        expected: clean::lines(t.raw(expected + width)),
        actual: clean::lines(t.raw(actual + width)),
    })
}

/// Which field a heading cell of the indicator table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Level1,
    Level2,
    Level3,
    Target,
    Actual,
    Weight,
    Score,
    Deviation,
    Other,
}

fn column(heading: &str) -> Column {
    match heading {
        h if h.starts_with("一级") => Column::Level1,
        h if h.starts_with("二级") => Column::Level2,
        h if h.starts_with("三级") => Column::Level3,
        h if h.contains("指标值") || h.contains("目标值") => Column::Target,
        h if h.contains("实际") || h.contains("完成值") => Column::Actual,
        h if h == "分值" || h.contains("权重") => Column::Weight,
        h if h.contains("得分") => Column::Score,
        h if h.contains("偏差") => Column::Deviation,
        _ => Column::Other,
    }
}

type Indicators = (Vec<FirstLevelWeight>, Vec<IndicatorRow>, Option<usize>);

fn indicators(t: &Attached) -> Indicators {
    let total = t.find(0, |c| c == "总分" || c == "合计");
    let Some(first) = t.find(0, |c| c == "一级指标") else {
        return (Vec::new(), Vec::new(), total);
    };
    let mut columns = Vec::new();
    let mut i = first;
    while i < t.cells.len() && columns.len() < 12 {
        let c = column(t.get(i));
        if c == Column::Other {
            break;
        }
        columns.push(c);
        i += 1;
        if c == Column::Deviation {
            break;
        }
    }
    // The 绩效指标 label column, when the table has one, stands before 一级指标.
    if first > 0 && (t.get(first - 1).is_empty() || t.get(first - 1).contains("绩效指标")) {
        columns.insert(0, Column::Other);
    }
    let width = columns.len();
    let end = total.filter(|&e| e >= i).unwrap_or(t.cells.len());
    let mut weights = Vec::new();
    let mut rows = Vec::new();
    let mut above: Option<(Option<String>, Option<String>)> = None;
    while i < end {
        let mut row = IndicatorRow::default();
        let mut level1_cell = String::new();
        for (k, col) in columns.iter().enumerate() {
            let at = i + k;
            if at >= end {
                break;
            }
            match col {
                Column::Level1 => level1_cell = t.get(at).to_string(),
                Column::Level2 => row.level2 = t.text(at),
                Column::Level3 => row.level3 = t.text(at),
                Column::Target => row.target = t.text(at),
                Column::Actual => row.actual = t.text(at),
                Column::Weight => row.weight = t.number(at),
                Column::Score => row.score = t.number(at),
                Column::Deviation => row.deviation = t.text(at),
                Column::Other => {}
            }
        }
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
