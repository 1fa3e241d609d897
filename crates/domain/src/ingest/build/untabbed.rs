//! Tables printed without tabs.
//!
//! Some published reports come as text whose tables lost the export's tabs: the tables are
//! paragraphs. Three layouts are seen:
//! - one cell per line, blank lines between, empty cells left out (衡山县 2023 决算 attachments);
//! - one cell per line ending with ` |`, an empty cell a lone `|` (青神县 2023 项目自评表);
//! - a row per line, its cells separated by spaces (阜康市 2023 项目自评表).
//!
//! A table begins at a label the rubric's tables begin with (财政供养人员情况, 项目名称,
//! 预算部门名称 …) and runs until text outside a table (填表人, 说明, 附件, a table title, a
//! heading, the next table). It is taken for a table when its cells hold the table's headings
//! (编制数 and 控制率, the 年度资金 or 绩效指标 headings). Its cells in reading order become a
//! one-row [`Table`]: the table readers re-cut rows from the cell stream by the headings, as
//! they do for text exports.

use super::clean;
use super::vocab;
use crate::ingest::document::{Block, Cell, Document, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Lines,
    Pipes,
    Spaces,
}

/// The document with the tables its paragraphs print without tabs made tables; None when it
/// has none.
pub fn recover(doc: &Document) -> Option<Document> {
    let mut tables = Vec::new();
    let mut i = 0;
    while i < doc.blocks.len() {
        match table_at(&doc.blocks, i) {
            Some((end, cells)) => {
                tables.push((i, end, cells));
                i = end;
            }
            None => i += 1,
        }
    }
    if tables.is_empty() {
        return None;
    }
    let mut blocks = Vec::with_capacity(doc.blocks.len());
    let mut next = 0;
    for (start, end, cells) in tables {
        blocks.extend_from_slice(&doc.blocks[next..start]);
        let row = cells.into_iter().map(Cell::new).collect();
        blocks.push(Block::Table(Table { rows: vec![row] }));
        next = end;
    }
    blocks.extend_from_slice(&doc.blocks[next..]);
    Some(Document { blocks })
}

fn text(block: &Block) -> Option<&str> {
    match block {
        Block::Paragraph(p) => Some(&p.text),
        Block::Table(_) => None,
    }
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// The table printed without tabs from paragraph `start` on: where it ends and its cells.
fn table_at(blocks: &[Block], start: usize) -> Option<(usize, Vec<String>)> {
    if !begins_table(text(blocks.get(start)?)?) {
        return None;
    }
    let mut end = start + 1;
    while let Some(line) = blocks.get(end).and_then(text) {
        if ends_table(line) {
            break;
        }
        end += 1;
    }
    // Blank lines before the text after the table are not the table's.
    while end > start + 1 && blocks.get(end - 1).and_then(text).is_some_and(is_blank) {
        end -= 1;
    }
    let lines: Vec<&str> = blocks.get(start..end)?.iter().filter_map(text).collect();
    let cells = cells(&lines, layout(&lines));
    recognised(&cells).then_some((end, cells))
}

/// The line without the ` |` a pipe-separated export ends it with.
fn without_pipe(line: &str) -> &str {
    let t = line.trim();
    t.strip_suffix('|').unwrap_or(t).trim()
}

/// A line whose first cell is a label a table begins with.
fn begins_table(line: &str) -> bool {
    let t = without_pipe(line);
    let first = t.split_whitespace().next().unwrap_or_default();
    vocab::is_table_start(&clean::cell(first))
        || (t.chars().count() <= 20 && vocab::is_table_start(&clean::cell(t)))
}

/// Text outside a table: the signature line, notes, attachment labels, a table title, a
/// heading of the report, or the beginning of the next table.
fn ends_table(line: &str) -> bool {
    const OUTSIDE: [&str; 10] = [
        "填表人",
        "填报人",
        "说明",
        "附件",
        "注：",
        "注:",
        "单位负责人",
        "制表",
        "项目负责人",
        "财务负责人",
    ];
    let t = without_pipe(line);
    let n = t.chars().count();
    OUTSIDE.iter().any(|s| t.starts_with(s))
        || (t.ends_with('表') && n > 4 && n <= 40)
        || is_heading(t)
        || begins_table(line)
}

/// `一、部门概况`: a heading of the report (no cell of these tables is numbered so).
fn is_heading(t: &str) -> bool {
    let numerals = t
        .chars()
        .take_while(|c| "一二三四五六七八九十".contains(*c))
        .count();
    numerals > 0 && t.chars().nth(numerals) == Some('、') && t.chars().count() <= 30
}

fn layout(lines: &[&str]) -> Layout {
    let text: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let piped = text.iter().filter(|l| l.ends_with('|')).count();
    if piped * 2 > text.len() {
        Layout::Pipes
    } else if text.iter().any(|l| is_spaced_row(l)) {
        Layout::Spaces
    } else {
        Layout::Lines
    }
}

/// A figure, a dash or nothing: what a row prints in its value cells.
fn is_figure(word: &str) -> bool {
    clean::number(word).is_some() || clean::text(word).is_none()
}

/// A line printing a row's cells with spaces between them: headings, or a label and its
/// figures.
fn is_spaced_row(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let labels = words
        .iter()
        .filter(|w| vocab::is_label(&clean::cell(w)))
        .count();
    let figures = words.iter().skip(1).filter(|w| is_figure(w)).count();
    words.len() >= 3 && (labels >= 3 || figures + 1 == words.len())
}

/// A line that continues the cell before it: `(万元)` under `项目资金`.
fn continues(line: &str) -> bool {
    line.starts_with(['(', '（'])
}

/// The cells of the table's lines in reading order.
fn cells(lines: &[&str], layout: Layout) -> Vec<String> {
    let mut cells: Vec<String> = Vec::new();
    for line in lines {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if layout != Layout::Pipes && continues(t) {
            if let Some(last) = cells.last_mut() {
                last.push('\n');
                last.push_str(t);
                continue;
            }
        }
        match layout {
            Layout::Pipes => {
                let t = t.strip_suffix('|').unwrap_or(t);
                cells.extend(t.split('|').map(|c| c.trim().to_string()));
            }
            Layout::Lines => cells.push(t.to_string()),
            Layout::Spaces => split_spaced(t, &mut cells),
        }
    }
    cells
}

/// A row printed with spaces between its cells: labels, headings and figures are cells of
/// their own; the words between them are one cell, which a sentence's end closes (a goal's two
/// cells are two sentences).
fn split_spaced(line: &str, cells: &mut Vec<String>) {
    fn flush(run: &mut Vec<&str>, cells: &mut Vec<String>) {
        if !run.is_empty() {
            cells.push(run.join(" "));
            run.clear();
        }
    }
    let mut run: Vec<&str> = Vec::new();
    for word in line.split_whitespace() {
        if vocab::is_label(&clean::cell(word)) || is_figure(word) {
            flush(&mut run, cells);
            cells.push(word.to_string());
        } else {
            run.push(word);
            if word.ends_with(['。', '；', ';']) {
                flush(&mut run, cells);
            }
        }
    }
    flush(&mut run, cells);
}

/// Whether the cells hold the headings of a table of the rubric.
fn recognised(cells: &[String]) -> bool {
    let cleaned: Vec<String> = cells.iter().map(|c| clean::cell(c)).collect();
    let has = |p: fn(&str) -> bool| cleaned.iter().any(|c| p(c));
    let basic_data = (has(|c| c.starts_with("财政供养")) && has(|c| c.contains("控制率")))
        || (has(|c| c.starts_with("经费控制")) && has(|c| c.contains("决算数")));
    let funds = cleaned
        .iter()
        .filter_map(|c| vocab::funds_column(c))
        .filter(|&k| k != vocab::FundsColumn::Note)
        .count()
        >= 3;
    let indicators = has(|c| c == "一级指标") && has(|c| c == "二级指标");
    basic_data || funds || indicators
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::document::Paragraph;

    fn doc(text: &str) -> Document {
        let blocks = text
            .split('\n')
            .map(|l| Block::Paragraph(Paragraph::new(l)))
            .collect();
        Document { blocks }
    }

    fn recovered_cells(text: &str) -> Vec<Vec<String>> {
        let Some(d) = recover(&doc(text)) else {
            return Vec::new();
        };
        d.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t.rows.concat().into_iter().map(|c| c.text).collect()),
                Block::Paragraph(_) => None,
            })
            .collect()
    }

    #[test]
    fn one_cell_per_line() {
        let t = recovered_cells(
            "附件一\n基础数据表\n\n财政供养人员情况(人\n\n编制数\n\n实际在职人数\n\n控制率\n\n46\n\n\
             50\n\n108.70%\n\n经费控制情况\n\n(万元\n\n\n说明:略\n",
        );
        assert_eq!(
            t,
            vec![vec![
                "财政供养人员情况(人",
                "编制数",
                "实际在职人数",
                "控制率",
                "46",
                "50",
                "108.70%",
                "经费控制情况\n(万元"
            ]]
        );
    }

    #[test]
    fn pipes_and_spaces() {
        let t = recovered_cells("项目名称 |\n甲 |\n|\n年初预算 |\n全年预算数 |\n全年执行数 |\n");
        assert_eq!(
            t,
            vec![vec![
                "项目名称",
                "甲",
                "",
                "年初预算",
                "全年预算数",
                "全年执行数"
            ]]
        );
        let t = recovered_cells(
            "项目名称 甲 乙\n资金来源 年初预算数 全年预算数 全年执行数\n年度资金总额 1 2 -\n\
             年度总体目标 总体目标 总体目标完成情况\n目标甲。 完成 甲。\n",
        );
        assert_eq!(
            t[0],
            vec![
                "项目名称",
                "甲 乙",
                "资金来源",
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "年度资金总额",
                "1",
                "2",
                "-",
                "年度总体目标",
                "总体目标",
                "总体目标完成情况",
                "目标甲。",
                "完成 甲。"
            ]
        );
    }

    #[test]
    fn text_without_table_headings_stays_text() {
        assert!(recover(&doc("项目名称 甲\n项目很好。\n一、基本情况\n")).is_none());
        assert!(recover(&doc("一、基本情况\n正文\n")).is_none());
        assert!(recover(&doc("")).is_none());
    }
}
