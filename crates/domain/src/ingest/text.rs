//! Text exports (already decoded): paragraphs and flattened tables.
//!
//! The export writes a table cell as a line beginning with a tab; a cell's further lines follow
//! it without a tab; a blank line ends a row. Word cells often hold empty paragraphs (to centre
//! their text), so blank lines also occur inside cells: lines without a tab that follow a cell
//! and are followed by the next cell (directly or after one blank line) continue that cell,
//! unless they read like text outside a table (填表人, 说明, 附件, a table title). Such text, or
//! the end of the file, ends the table.

use super::document::{Block, Cell, Document, Paragraph, Table};
use super::limits::{Budget, Exceeded, Limit, ReadLimits};

/// Reads a text export into paragraphs and tables. Never fails: any text is some document.
/// Not held to any budget; files from outside go through [`read_with`].
pub fn read(text: &str) -> Document {
    let unlimited = ReadLimits {
        text_bytes: usize::MAX,
        paragraph_bytes: usize::MAX,
        paragraphs: usize::MAX,
        cells: usize::MAX,
        ..ReadLimits::default()
    };
    read_with(text, &unlimited).unwrap_or_default()
}

/// Reads a text export held to `limits`: its text, its number of lines (each line is a
/// paragraph or part of a cell), the length of each line and the number of table cells. The
/// lines are counted and measured before any is stored.
pub fn read_with(text: &str, limits: &ReadLimits) -> Result<Document, Exceeded> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut budget = Budget::new(*limits);
    budget.text(text.len())?;
    let mut count = 0usize;
    for line in text.split('\n') {
        count += 1;
        budget.count(Limit::Paragraphs, count)?;
        budget.check_piece(line.len())?;
    }
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    // A final newline does not make a last, empty paragraph.
    let n = if lines.last().is_some_and(|l| l.is_empty()) {
        lines.len() - 1
    } else {
        lines.len()
    };
    let lines = &lines[..n];
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if is_cell(lines[i]) {
            i = read_table(lines, i, &mut blocks, &mut budget)?;
        } else {
            blocks.push(Block::Paragraph(Paragraph::new(lines[i])));
            i += 1;
        }
    }
    Ok(Document { blocks })
}

fn is_cell(line: &str) -> bool {
    line.starts_with('\t')
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Text that does not belong inside a table: the signature line, notes, attachment labels and
/// table titles.
fn is_outside(line: &str) -> bool {
    let t = line.trim();
    const STARTS: [&str; 8] = [
        "填表人",
        "填报人",
        "说明",
        "附件",
        "注：",
        "注:",
        "单位负责人",
        "制表",
    ];
    STARTS.iter().any(|s| t.starts_with(s)) || (t.ends_with('表') && t.chars().count() > 4)
}

/// What the lines between one cell's first line and the next cell's are.
enum Gap {
    /// The first `usize` lines continue the cell; the next cell is in the same row.
    SameRow(usize),
    /// The first `usize` lines continue the cell; the row ends.
    RowEnd(usize),
    /// The first `usize` lines continue the cell; the table ends after them.
    TableEnd(usize),
}

fn classify(gap: &[&str], at_end: bool) -> Gap {
    let leading = gap
        .iter()
        .take_while(|l| !is_blank(l) && !is_outside(l))
        .count();
    let Some(last_text) = gap.iter().rposition(|l| !is_blank(l)) else {
        return match (at_end, gap.len()) {
            (true, _) => Gap::TableEnd(0),
            (false, 0) => Gap::SameRow(0),
            (false, _) => Gap::RowEnd(0),
        };
    };
    if at_end || gap.iter().any(|l| !is_blank(l) && is_outside(l)) {
        return Gap::TableEnd(leading);
    }
    match gap.len() - last_text - 1 {
        0 => Gap::SameRow(last_text + 1),
        1 => Gap::RowEnd(last_text + 1),
        _ => Gap::TableEnd(leading),
    }
}

/// Reads the table starting at `start` (a cell line); returns the index of the first line after
/// it.
fn read_table(
    lines: &[&str],
    start: usize,
    blocks: &mut Vec<Block>,
    budget: &mut Budget,
) -> Result<usize, Exceeded> {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    let mut i = start;
    loop {
        let first = lines[i].strip_prefix('\t').unwrap_or(lines[i]);
        let next = (i + 1..lines.len())
            .find(|&j| is_cell(lines[j]))
            .unwrap_or(lines.len());
        let gap = &lines[i + 1..next];
        let (taken, end_row, end_table) = match classify(gap, next == lines.len()) {
            Gap::SameRow(k) => (k, false, false),
            Gap::RowEnd(k) => (k, true, false),
            Gap::TableEnd(k) => (k, true, true),
        };
        budget.cells(1)?;
        let mut cell_lines = vec![first];
        cell_lines.extend_from_slice(&gap[..taken]);
        row.push(Cell::new(cell_text(&cell_lines)));
        if end_row {
            rows.push(std::mem::take(&mut row));
        }
        if end_table {
            blocks.push(Block::Table(Table { rows }));
            // The blank line that ends the last row is the table's, not a paragraph.
            let row_end = usize::from(gap.get(taken).is_some_and(|l| is_blank(l)));
            return Ok(i + 1 + taken + row_end);
        }
        i = next;
    }
}

/// A cell's lines joined with '\n', blank lines before and after its text left out.
fn cell_text(lines: &[&str]) -> String {
    let first = lines.iter().position(|l| !is_blank(l));
    let last = lines.iter().rposition(|l| !is_blank(l));
    match (first, last) {
        (Some(a), Some(b)) => lines[a..=b].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(doc: &Document) -> Vec<&Table> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                Block::Paragraph(_) => None,
            })
            .collect()
    }

    fn texts(t: &Table) -> Vec<Vec<&str>> {
        t.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn rows_cells_and_multiline_cells() {
        let doc = read(
            "标题\n\ta\n\tb\n\n\t楼堂馆所控制情况\n（2024年完工项目）\n\tc\n\n\n填表人：刘为\n",
        );
        let t = tables(&doc);
        assert_eq!(t.len(), 1);
        assert_eq!(
            texts(t[0]),
            vec![
                vec!["a", "b"],
                vec!["楼堂馆所控制情况\n（2024年完工项目）", "c"]
            ]
        );
        let paras: Vec<&str> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some(p.text.as_str()),
                Block::Table(_) => None,
            })
            .collect();
        assert_eq!(paras, vec!["标题", "", "填表人：刘为"]);
    }

    #[test]
    fn blank_lines_inside_a_cell() {
        let doc = read("\t\n\t产出指标\n\n(50分)\n\t数量指标\n\n\t\n\n\n一级指标\n\t二级指标\n");
        let t = tables(&doc);
        assert_eq!(
            texts(t[0]),
            vec![
                vec!["", "产出指标\n\n(50分)", "数量指标"],
                vec!["一级指标", "二级指标"]
            ]
        );
    }

    #[test]
    fn crlf_and_no_tables() {
        let doc = read("一、基本情况\r\n正文\r\n");
        assert_eq!(doc.blocks.len(), 2);
        assert!(tables(&doc).is_empty());
        assert_eq!(read("").blocks.len(), 0);
    }
}
