//! 单位自查清单 read from a table (a spreadsheet, a Word or PDF table): one row per unit with
//! 单位名称 and 是否开展自查, and compared with the subordinate units the bureau registered.

use super::document::{Block, Cell, Document, Merge};
use crate::model::{SelfCheckList, SelfCheckUnit, SelfCheckUnitKind};
use crate::text::normalize;

/// The header words that locate the columns.
const NAME_HEADERS: &[&str] = &["单位名称", "单位", "名称"];
const DONE_HEADERS: &[&str] = &["是否开展自查", "是否自查", "自查情况", "开展自查", "自查"];
const KIND_HEADERS: &[&str] = &["单位类型", "类型", "类别", "性质"];
/// How a cell says a unit did its self-check, or did not.
const YES: &[&str] = &[
    "是",
    "已开展",
    "已完成",
    "已自查",
    "完成",
    "已",
    "√",
    "✓",
    "✔",
    "有",
];
const NO: &[&str] = &["否", "未开展", "未完成", "未自查", "未", "×", "✗", "无"];

/// The columns of a self-check table, found in its header row.
struct Columns {
    header_row: usize,
    name: usize,
    done: usize,
    kind: Option<usize>,
}

fn text(c: &Cell) -> String {
    if c.merge == Merge::None {
        c.text.replace(['\n', ' ', '\u{3000}'], "")
    } else {
        String::new()
    }
}

fn find_column(row: &[String], words: &[&str], not: Option<usize>) -> Option<usize> {
    words.iter().find_map(|w| {
        row.iter()
            .enumerate()
            .find(|(i, c)| Some(*i) != not && c.contains(w))
            .map(|(i, _)| i)
    })
}

/// The header row of a table: the first row with a unit-name and a self-check column.
fn columns(rows: &[Vec<String>]) -> Option<Columns> {
    rows.iter().enumerate().take(5).find_map(|(i, row)| {
        let done = find_column(row, DONE_HEADERS, None)?;
        let name = find_column(row, NAME_HEADERS, Some(done))?;
        let kind = find_column(row, KIND_HEADERS, Some(done)).filter(|k| *k != name);
        Some(Columns {
            header_row: i,
            name,
            done,
            kind,
        })
    })
}

/// Whether a cell says yes (Some(true)), no (Some(false)), or neither.
fn says_done(cell: &str) -> Option<bool> {
    // "未开展" holds "开展": the negative words are tried first
    if NO.iter().any(|w| cell.starts_with(w)) {
        return Some(false);
    }
    YES.iter().any(|w| cell.starts_with(w)).then_some(true)
}

fn kind_of(kind_cell: Option<&str>, name: &str, department: &str) -> SelfCheckUnitKind {
    let says = |w: &str| kind_cell.is_some_and(|k| k.contains(w));
    if says("汇总") || name.contains("汇总") {
        SelfCheckUnitKind::RegionalSummary
    } else if says("转移支付") {
        SelfCheckUnitKind::TransferPayment
    } else if says("本级") || name.contains("本级") || normalize(name) == normalize(department)
    {
        SelfCheckUnitKind::Own
    } else {
        SelfCheckUnitKind::Subordinate
    }
}

/// The rows of the document's tables as cell texts.
fn tables(doc: &Document) -> impl Iterator<Item = Vec<Vec<String>>> + '_ {
    doc.blocks.iter().filter_map(|b| match b {
        Block::Table(t) => Some(
            t.rows
                .iter()
                .map(|r| r.iter().map(text).collect())
                .collect(),
        ),
        Block::Paragraph(_) => None,
    })
}

/// The self-check list in the document's first table with 单位名称 and 是否开展自查 columns, or
/// None when there is no such table. A cell that says neither yes nor no counts as not done,
/// said in the unit's evidence note. `department` is the registered name (for 本级).
pub fn self_check(doc: &Document, department: &str) -> Option<SelfCheckList> {
    tables(doc).find_map(|rows| {
        let c = columns(&rows)?;
        let units = rows[c.header_row + 1..]
            .iter()
            .filter_map(|row| {
                let name = row.get(c.name)?.trim().to_string();
                if name.is_empty() || name.starts_with("合计") {
                    return None;
                }
                let cell = row.get(c.done).map(String::as_str).unwrap_or("");
                let done = says_done(cell);
                let kind = kind_of(
                    c.kind.and_then(|k| row.get(k)).map(String::as_str),
                    &name,
                    department,
                );
                Some(SelfCheckUnit {
                    kind,
                    evidence: done
                        .is_none()
                        .then(|| format!("“是否开展自查”一栏为“{cell}”，未写明已开展")),
                    done: done.unwrap_or(false),
                    name,
                })
            })
            .collect();
        Some(SelfCheckList { units })
    })
}

/// Adds every registered subordinate unit the list does not name, as a unit that did not
/// self-check (the rubric: a registered unit missing from the list did not).
pub fn with_registered(mut list: SelfCheckList, registered: &[String]) -> SelfCheckList {
    for unit in registered {
        let key = normalize(unit);
        let listed = list.units.iter().any(|u| {
            let n = normalize(&u.name);
            !key.is_empty() && (n.contains(&key) || key.contains(&n))
        });
        if !listed {
            list.units.push(SelfCheckUnit {
                kind: SelfCheckUnitKind::Subordinate,
                name: unit.clone(),
                done: false,
                evidence: Some("登记的所属单位，未列入自查清单".to_string()),
            });
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::{self_check, with_registered};
    use crate::ingest::xlsx;
    use crate::model::SelfCheckUnitKind;

    #[test]
    fn a_real_spreadsheet_list_is_read_and_compared_with_the_registered_units() {
        let path = format!(
            "{}/../../tests/fixtures/self_check/junshan-2024-self-check.xlsx",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(path).expect("fixture");
        let doc = xlsx::read(&bytes, "自查清单.xlsx").expect("xlsx");
        let list = self_check(&doc, "岳阳市君山区数据局").expect("a self-check table");
        let got: Vec<(&str, SelfCheckUnitKind, bool)> = list
            .units
            .iter()
            .map(|u| (u.name.as_str(), u.kind, u.done))
            .collect();
        assert_eq!(
            got,
            [
                ("岳阳市君山区数据局（本级）", SelfCheckUnitKind::Own, true),
                ("君山区政务服务中心", SelfCheckUnitKind::Subordinate, true),
                ("君山区大数据中心", SelfCheckUnitKind::Subordinate, false),
                ("钱粮湖镇人民政府", SelfCheckUnitKind::TransferPayment, true),
                (
                    "君山区转移支付汇总",
                    SelfCheckUnitKind::RegionalSummary,
                    true
                ),
            ]
        );
        let registered = ["君山区政务服务中心".to_string(), "君山区档案馆".to_string()];
        let list = with_registered(list, &registered);
        let last = list.units.last().expect("added");
        assert_eq!((last.name.as_str(), last.done), ("君山区档案馆", false));
        assert_eq!(list.units.len(), 6);
    }
}
