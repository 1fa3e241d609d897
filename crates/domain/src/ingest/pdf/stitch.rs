//! The pages' lines and tables into one document in reading order: paragraphs go on over a page
//! break, and a table that ends a page and goes on at the top of the next (the same columns) is
//! one table. Where the break cut a row in two, its rest on the new page is joined to it: the
//! rest's first own cell (one not merged down from above) is empty where the row above has
//! text, and the two rows have the same cell edges. A cell merged down over the break goes on
//! as [`Merge::FromAbove`].

use super::grid::{self, PageTable};
use super::layout::{self, Margins, TextLine};
use super::PageContent;
use crate::ingest::document::{Block, Cell, Document, Merge, Paragraph, Table};
#[cfg(test)]
use crate::ingest::limits::ReadLimits;
use crate::ingest::limits::{Budget, Exceeded};

enum Item {
    Line(TextLine),
    Table(PageTable),
}

pub(crate) fn document(pages: Vec<PageContent>, budget: &mut Budget) -> Result<Document, Exceeded> {
    let margins = Margins::of(&pages);
    // the lowest text of the fullest page: a page whose text ends well above it ended a paragraph
    let body_bottom = pages
        .iter()
        .flat_map(|p| {
            p.lines
                .iter()
                .map(|l| l.bottom)
                .chain(p.tables.iter().map(|t| t.bottom))
        })
        .fold(f64::MIN, f64::max);
    let mut blocks: Vec<Block> = Vec::new();
    let mut para: Option<(String, TextLine, usize)> = None;
    let mut open: Option<PageTable> = None;
    // the open table ended its page: a table first on the next page may continue it
    let mut may_continue = false;
    // the page the open table was last seen on (another table right under it is the same one)
    let mut last_table_page: Option<usize> = None;
    for (page_no, page) in pages.into_iter().enumerate() {
        let mut items: Vec<(f64, Item)> = page
            .lines
            .into_iter()
            .map(|l| (l.top, Item::Line(l)))
            .chain(page.tables.into_iter().map(|t| (t.top, Item::Table(t))))
            .collect();
        items.sort_by(|a, b| a.0.total_cmp(&b.0));
        let last = items.len();
        for (i, (_, item)) in items.into_iter().enumerate() {
            match item {
                Item::Line(line) => {
                    if let Some(o) = open.take() {
                        blocks.push(Block::Table(Table { rows: o.rows }));
                    }
                    last_table_page = None;
                    para = match para.take() {
                        Some((mut text, prev, p))
                            if !layout::breaks(&prev, &line, margins, p == page_no)
                                && (p == page_no
                                    || prev.bottom > body_bottom - 2.0 * prev.size.max(1.0)) =>
                        {
                            layout::join(&mut text, &line.text);
                            budget.check_piece(text.len())?;
                            Some((text, line, page_no))
                        }
                        done => {
                            push_para(&mut blocks, done, budget)?;
                            Some((line.text.clone(), line, page_no))
                        }
                    };
                }
                Item::Table(t) => {
                    push_para(&mut blocks, para.take(), budget)?;
                    let over_break = may_continue && i == 0;
                    let below = last_table_page == Some(page_no)
                        && open.as_ref().is_some_and(|o| t.top - o.bottom <= 3.0);
                    open = match open.take() {
                        Some(o) if (over_break || below) && same_width(&o, &t) => {
                            // the grid positions the unified columns add are charged too
                            let before = positions(&o).saturating_add(positions(&t));
                            let joined = append(o, t, over_break);
                            budget.cells(positions(&joined).saturating_sub(before))?;
                            Some(joined)
                        }
                        other => {
                            if let Some(o) = other {
                                blocks.push(Block::Table(Table { rows: o.rows }));
                            }
                            Some(t)
                        }
                    };
                    last_table_page = Some(page_no);
                }
            }
            may_continue = i + 1 == last && open.is_some();
        }
        if last == 0 {
            may_continue = false;
        }
    }
    push_para(&mut blocks, para, budget)?;
    if let Some(o) = open {
        blocks.push(Block::Table(Table { rows: o.rows }));
    }
    Ok(Document { blocks })
}

fn push_para(
    blocks: &mut Vec<Block>,
    para: Option<(String, TextLine, usize)>,
    budget: &mut Budget,
) -> Result<(), Exceeded> {
    if let Some((text, _, _)) = para {
        budget.paragraph()?;
        blocks.push(Block::Paragraph(Paragraph::new(text)));
    }
    Ok(())
}

fn positions(t: &PageTable) -> usize {
    t.rows.iter().map(Vec::len).fold(0, usize::saturating_add)
}

/// More columns than this in two parts together and they are kept as two tables (a report's
/// have at most a dozen; the union of many pages' edges would otherwise grow every row).
const MAX_COLUMNS: usize = 64;

/// Whether `b` may continue `a`: the same left and right edges, and not too many columns
/// between them.
fn same_width(a: &PageTable, b: &PageTable) -> bool {
    let extra =
        b.xs.iter()
            .filter(|x| !a.xs.iter().any(|y| (*x - y).abs() <= 2.0))
            .count();
    (a.x0 - b.x0).abs() <= 2.0
        && (a.x1 - b.x1).abs() <= 2.0
        && a.xs.len() + extra <= MAX_COLUMNS + 1
}

/// Appends `next` (the rest of the table, on the next page when `over_break`) to `o`.
fn append(mut o: PageTable, mut next: PageTable, over_break: bool) -> PageTable {
    let (a, b) = (o.xs.clone(), next.xs.clone());
    grid::insert_edges(&mut o, &b);
    grid::insert_edges(&mut next, &a);
    if o.xs.len() != next.xs.len() {
        // edges that did not line up: keep the parts as they are
        o.rows.extend(next.rows);
        o.down.extend(next.down);
        o.full.extend(next.full);
        o.bottom = next.bottom;
        return o;
    }
    if over_break {
        drop_repeated_header(&o, &mut next);
    }
    let mut rows = next.rows.into_iter();
    let mut down = next.down.into_iter();
    let mut full = next.full.into_iter();
    if over_break {
        if let (Some(mut first), Some(d), Some(f)) = (rows.next(), down.next(), full.next()) {
            if is_cut(&o, &first) {
                join_cut(&mut o, first);
            } else {
                mark_merged_down(&o, &mut first);
                o.rows.push(first);
                o.down.push(d);
                o.full.push(f);
            }
        }
    }
    o.rows.extend(rows);
    o.down.extend(down);
    o.full.extend(full);
    o.bottom = next.bottom;
    o
}

/// Whether `first` (the first row after the break) is the rest of the row above it: the same
/// cell edges, every cell with text after the break had filled its part above to the bottom,
/// and either some cell of the row above ended before the break (its rest is empty) or every
/// cell that goes on had two lines or more above. A row of one-line cells with some left empty
/// under the break is taken for cut: a whole row whose first cells are empty looks the same.
fn is_cut(o: &PageTable, first: &[Cell]) -> bool {
    let (Some(above), Some(full)) = (o.rows.last(), o.full.last()) else {
        return false;
    };
    if first.len() != above.len() || full.len() != above.len() {
        return false;
    }
    let same_edges = first.len() == above.len()
        && first
            .iter()
            .zip(above)
            .all(|(a, b)| (a.merge == Merge::FromLeft) == (b.merge == Merge::FromLeft));
    let own: Vec<usize> = (0..above.len())
        .filter(|&c| above[c].merge == Merge::None && first[c].merge == Merge::None)
        .collect();
    let ended = own
        .iter()
        .any(|&c| !above[c].text.is_empty() && first[c].text.is_empty());
    let goes_on: Vec<usize> = own
        .iter()
        .copied()
        .filter(|&c| !first[c].text.is_empty())
        .collect();
    let filled = goes_on.iter().all(|&c| full[c].is_some());
    let tall = goes_on.iter().all(|&c| full[c].is_some_and(|n| n >= 2));
    same_edges && !goes_on.is_empty() && filled && (ended || tall)
}

/// Word repeats a table's header rows at the top of every page: a part on the next page that
/// opens with the table's first rows, the same text, has them left out.
fn drop_repeated_header(o: &PageTable, next: &mut PageTable) {
    let text = |row: &[Cell]| -> Vec<String> {
        row.iter()
            .filter(|c| c.merge != Merge::FromLeft)
            .map(|c| c.text.split_whitespace().collect())
            .collect()
    };
    let mut k = 0;
    while k < 3
        && k < o.rows.len().saturating_sub(1)
        && k < next.rows.len().saturating_sub(1)
        && text(&o.rows[k]) == text(&next.rows[k])
        && o.rows[k].iter().any(|c| !c.text.trim().is_empty())
    {
        k += 1;
    }
    next.rows.drain(..k);
    next.down.drain(..k.min(next.down.len()));
    next.full.drain(..k.min(next.full.len()));
}

fn join_cut(o: &mut PageTable, first: Vec<Cell>) {
    let Some(last) = o.rows.len().checked_sub(1) else {
        return;
    };
    let merge = |rows: &[Vec<Cell>], r: usize, c: usize| {
        rows.get(r).and_then(|row| row.get(c)).map(|x| x.merge)
    };
    for (c, cell) in first.into_iter().enumerate() {
        if cell.text.is_empty() {
            continue;
        }
        // the text belongs to the cell this position is part of
        let r = (0..=last)
            .rev()
            .find(|&r| merge(&o.rows, r, c) != Some(Merge::FromAbove))
            .unwrap_or(last);
        let col = (0..=c)
            .rev()
            .find(|&k| merge(&o.rows, r, k) != Some(Merge::FromLeft))
            .unwrap_or(c);
        if let Some(target) = o.rows.get_mut(r).and_then(|row| row.get_mut(col)) {
            target.text.push_str(&cell.text);
        }
    }
}

/// A cell merged down over the break goes on as [`Merge::FromAbove`] in the new page's first
/// row, where that row has nothing of its own.
fn mark_merged_down(o: &PageTable, first: &mut [Cell]) {
    let (Some(above), Some(down)) = (o.rows.last(), o.down.last()) else {
        return;
    };
    for (c, cell) in first.iter_mut().enumerate() {
        let merged_down = above.get(c).is_some_and(|a| a.merge == Merge::FromAbove)
            || down.get(c).is_some_and(|&d| d > 1);
        if merged_down && cell.text.is_empty() && cell.merge == Merge::None {
            cell.merge = Merge::FromAbove;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part of a table at `top`: rows of one-line cells, `full` those whose text reaches the
    /// cell's bottom.
    fn part(top: f64, rows: &[&[&str]], full_last: &[usize]) -> PageTable {
        let cols = rows[0].len();
        let mut full = vec![vec![None; cols]; rows.len()];
        for &c in full_last {
            full[rows.len() - 1][c] = Some(1);
        }
        PageTable {
            x0: 70.0,
            top,
            x1: 520.0,
            bottom: top + 20.0 * rows.len() as f64,
            xs: (0..=cols)
                .map(|i| 70.0 + 450.0 * i as f64 / cols as f64)
                .collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|t| Cell::new(*t)).collect())
                .collect(),
            down: vec![vec![1; cols]; rows.len()],
            full,
        }
    }

    fn texts(doc: &Document) -> Vec<Vec<Vec<String>>> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(
                    t.rows
                        .iter()
                        .map(|r| r.iter().map(|c| c.text.clone()).collect())
                        .collect(),
                ),
                Block::Paragraph(_) => None,
            })
            .collect()
    }

    fn page(tables: Vec<PageTable>) -> PageContent {
        PageContent {
            height: 842.0,
            lines: Vec::new(),
            tables,
        }
    }

    #[test]
    fn a_table_over_a_page_break_is_one_with_its_cut_row_joined_and_repeated_header_dropped() {
        let header: &[&str] = &["指标", "分值", "得分"];
        let pages = vec![
            page(vec![part(
                600.0,
                &[
                    header,
                    &["政务大厅办件量", "5", "5"],
                    &["门户网站公开", "5", "5"],
                ],
                &[0],
            )]),
            page(vec![part(
                70.0,
                &[header, &["及时率", "", ""], &["数据梳理", "5", "4"]],
                &[],
            )]),
        ];
        let doc = document(pages, &mut Budget::new(ReadLimits::default())).unwrap();
        assert_eq!(
            texts(&doc),
            vec![vec![
                vec!["指标", "分值", "得分"],
                vec!["政务大厅办件量", "5", "5"],
                vec!["门户网站公开及时率", "5", "5"],
                vec!["数据梳理", "5", "4"],
            ]]
        );
    }

    #[test]
    fn parts_whose_edges_do_not_line_up_stay_readable() {
        let mut b = part(70.0, &[&["a", "b", "c", "d"]], &[]);
        b.xs = vec![70.0, 100.0, 130.0, 400.0, 520.0];
        let pages = vec![
            page(vec![part(600.0, &[&["x", "y"]], &[0, 1])]),
            page(vec![b, part(90.0, &[&["p", "q", "r"]], &[])]),
        ];
        let doc = document(pages, &mut Budget::new(ReadLimits::default())).unwrap();
        let t = texts(&doc);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].len(), 3);
    }
}
