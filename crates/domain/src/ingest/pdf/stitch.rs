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
                            Some(append(o, t, over_break))
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

fn same_width(a: &PageTable, b: &PageTable) -> bool {
    (a.x0 - b.x0).abs() <= 2.0 && (a.x1 - b.x1).abs() <= 2.0
}

/// Appends `next` (the rest of the table, on the next page when `over_break`) to `o`.
fn append(mut o: PageTable, mut next: PageTable, over_break: bool) -> PageTable {
    let (a, b) = (o.xs.clone(), next.xs.clone());
    grid::insert_edges(&mut o, &b);
    grid::insert_edges(&mut next, &a);
    if o.xs.len() != next.xs.len() {
        // edges that did not line up: keep the parts as they are
        o.rows.extend(next.rows);
        return o;
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

fn join_cut(o: &mut PageTable, first: Vec<Cell>) {
    let last = o.rows.len() - 1;
    for (c, cell) in first.into_iter().enumerate() {
        if cell.text.is_empty() {
            continue;
        }
        // the text belongs to the cell this position is part of
        let r = (0..=last)
            .rev()
            .find(|&r| o.rows[r][c].merge != Merge::FromAbove)
            .unwrap_or(last);
        let col = (0..=c)
            .rev()
            .find(|&k| o.rows[r][k].merge != Merge::FromLeft)
            .unwrap_or(c);
        o.rows[r][col].text.push_str(&cell.text);
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
