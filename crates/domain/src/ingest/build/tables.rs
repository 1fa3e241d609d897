//! The attached tables, read cell by cell: which table each is, and the 基础数据表 (the
//! 绩效自评表 are read in [`super::self_eval`]).
//!
//! A table is taken as the stream of its printed cells in reading order (rows flattened): text
//! exports do not always show where a row ends, and every row of these tables is as wide as its
//! heading row, so rows are re-cut from the stream by the width of their headings. Layouts that
//! leave empty cells out ([`super::untabbed`]) print rows narrower than that: a row ends early
//! where the next row's label stands.

use rust_decimal::Decimal;

use super::clean;
use crate::model::{BasicDataTable, BuildingControlRow, FillerInfo, FundsControlRow, Staffing};

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

    pub(super) fn find(&self, from: usize, pred: impl Fn(&str) -> bool) -> Option<usize> {
        (from..self.cells.len()).find(|&i| pred(&self.cells[i]))
    }

    pub(super) fn get(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or_default()
    }

    pub(super) fn raw(&self, i: usize) -> &str {
        self.raw.get(i).map(String::as_str).unwrap_or_default()
    }

    pub(super) fn number(&self, i: usize) -> Option<Decimal> {
        clean::number(self.get(i))
    }

    pub(super) fn text(&self, i: usize) -> Option<String> {
        clean::text(self.get(i))
    }

    pub(super) fn contains(&self, word: &str) -> bool {
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
        // The figures row is as wide as the headings, its first cell (under 财政供养人员情况)
        // empty, unless the layout left that cell out.
        let width = rate - s + 1;
        let width = if t.get(rate + 1).is_empty() {
            width
        } else {
            width - 1
        };
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
            i += 1;
            let mut values: Vec<Option<Decimal>> = Vec::with_capacity(width);
            while values.len() < width && i < end && !is_row_label(t.get(i)) {
                values.push(t.number(i));
                i += 1;
            }
            values.resize(width, None);
            let (level, numbered) = level(&label, previous);
            previous = Some((level, numbered));
            rows.push(FundsControlRow {
                label,
                level,
                values,
            });
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

/// A row's label where a figure should stand: the row above printed fewer cells than the
/// headings (its empty cells left out).
fn is_row_label(c: &str) -> bool {
    clean::text(c).is_some() && clean::number(c).is_none() && c.chars().count() >= 2
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
    let numbered = crate::text::strip_ordinal(label) != label;
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
    // （2024年完工项目） printed as a cell of its own
    let b = if t.get(b + 1).contains("完工项目") {
        b + 1
    } else {
        b
    };
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
