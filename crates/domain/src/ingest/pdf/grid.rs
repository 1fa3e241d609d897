//! A page's ruled tables as grids, the model the Word reader gives: the cells `pdfplumber`
//! finds between the ruling lines are placed on the grid of all their edges; a cell spanning
//! several columns marks the others [`Merge::FromLeft`], one spanning several rows marks the
//! positions below [`Merge::FromAbove`]. A cell's text is the glyphs whose centres lie in it,
//! its wrapped lines joined without a separator (a line that stops short ends a paragraph of
//! the cell: '\n').

use pdfplumber::{Char, Table as Found};

use super::layout::{self, TextLine};
use crate::ingest::document::{Cell, Merge};
use crate::ingest::limits::{Budget, Exceeded};

/// Edges closer than this (points) are the same grid line.
const SNAP: f64 = 2.0;

/// One table of one page.
#[derive(Debug, Clone)]
pub(crate) struct PageTable {
    pub x0: f64,
    pub top: f64,
    pub x1: f64,
    pub bottom: f64,
    /// The grid's column edges, left to right.
    pub xs: Vec<f64>,
    pub rows: Vec<Vec<Cell>>,
    /// Per grid position, how many rows its cell spans from there down (1 for most): tells a
    /// cell merged down over the page break from a row cut by it.
    pub down: Vec<Vec<usize>>,
    /// Per grid position, when its cell's text reaches the cell's bottom (it may go on over a
    /// page break), its number of lines.
    pub full: Vec<Vec<Option<usize>>>,
}

impl PageTable {
    pub(crate) fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x0 - 1.0 && x <= self.x1 + 1.0 && y >= self.top - 1.0 && y <= self.bottom + 1.0
    }
}

fn snap(mut v: Vec<f64>) -> Vec<f64> {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = Vec::new();
    for x in v {
        match out.last() {
            Some(&l) if x - l <= SNAP => {}
            _ => out.push(x),
        }
    }
    out
}

fn index(edges: &[f64], x: f64) -> usize {
    let mut best = 0;
    for (i, e) in edges.iter().enumerate() {
        if (e - x).abs() < (edges[best] - x).abs() {
            best = i;
        }
    }
    best
}

/// The tables found on a page, as grids; cells charged to `budget`.
pub(crate) fn page_tables(
    found: &[Found],
    chars: &[Char],
    budget: &mut Budget,
) -> Result<Vec<PageTable>, Exceeded> {
    let mut out = Vec::new();
    for t in found {
        let xs = snap(
            t.cells
                .iter()
                .flat_map(|c| [c.bbox.x0, c.bbox.x1])
                .collect(),
        );
        let ys = snap(
            t.cells
                .iter()
                .flat_map(|c| [c.bbox.top, c.bbox.bottom])
                .collect(),
        );
        if xs.len() < 2 || ys.len() < 2 {
            continue;
        }
        let (cols, nrows) = (xs.len() - 1, ys.len() - 1);
        budget.cells(cols.saturating_mul(nrows))?;
        let mut rows = vec![vec![Cell::new(""); cols]; nrows];
        let mut down = vec![vec![1usize; cols]; nrows];
        let mut full = vec![vec![None; cols]; nrows];
        for cell in &t.cells {
            let b = cell.bbox;
            let (c0, c1) = (index(&xs, b.x0), index(&xs, b.x1));
            let (r0, r1) = (index(&ys, b.top), index(&ys, b.bottom));
            if c1 <= c0 || r1 <= r0 {
                continue;
            }
            let (text, reaches) = cell_text(chars, b.x0, b.top, b.x1, b.bottom);
            full[r0][c0] = reaches;
            budget.check_piece(text.len())?;
            for (r, row) in rows.iter_mut().enumerate().take(r1).skip(r0) {
                for (c, slot) in row.iter_mut().enumerate().take(c1).skip(c0) {
                    slot.merge = match (r == r0, c == c0) {
                        (true, true) => Merge::None,
                        (_, false) => Merge::FromLeft,
                        (false, true) => Merge::FromAbove,
                    };
                    down[r][c] = r1 - r;
                }
            }
            rows[r0][c0].text = text;
        }
        out.push(PageTable {
            x0: xs[0],
            top: ys[0],
            x1: xs[cols],
            bottom: ys[nrows],
            xs,
            rows,
            down,
            full,
        });
    }
    Ok(out)
}

/// The text of the glyphs whose centres lie in the box, and when it reaches the box's bottom
/// (less than a line is left under it) its number of lines.
fn cell_text(chars: &[Char], x0: f64, top: f64, x1: f64, bottom: f64) -> (String, Option<usize>) {
    let inside: Vec<&Char> = chars
        .iter()
        .filter(|c| {
            let x = (c.bbox.x0 + c.bbox.x1) / 2.0;
            let y = (c.bbox.top + c.bbox.bottom) / 2.0;
            x >= x0 && x <= x1 && y >= top && y <= bottom
        })
        .collect();
    let lines = layout::group_lines(&inside);
    let mut text = String::new();
    let mut prev: Option<&TextLine> = None;
    for line in &lines {
        if let Some(p) = prev {
            // a line ending well short of the cell's right edge ended a paragraph
            if p.x1 < x1 - 2.5 * p.size.max(1.0) {
                text.push('\n');
            }
        }
        layout::join(&mut text, &line.text);
        prev = Some(line);
    }
    let reaches = lines
        .last()
        .filter(|l| bottom - l.bottom < 1.2 * l.size.max(1.0) + 2.0)
        .map(|_| lines.len());
    (text, reaches)
}

/// Puts `edges` that are not yet among the table's column edges in, as columns merged into the
/// cell on their left ([`Merge::FromLeft`]).
pub(crate) fn insert_edges(t: &mut PageTable, edges: &[f64]) {
    for &e in edges {
        if t.xs.iter().any(|x| (x - e).abs() <= SNAP) {
            continue;
        }
        let Some(k) = t.xs.iter().position(|&x| x > e) else {
            continue;
        };
        if k == 0 {
            continue;
        }
        t.xs.insert(k, e);
        for (r, row) in t.rows.iter_mut().enumerate() {
            let cell = Cell {
                text: String::new(),
                merge: Merge::FromLeft,
            };
            // rows of parts whose edges did not line up may be shorter
            row.insert(k.min(row.len()), cell);
            if let Some(down) = t.down.get_mut(r) {
                let d = down.get(k - 1).copied().unwrap_or(1);
                down.insert(k.min(down.len()), d);
            }
            if let Some(full) = t.full.get_mut(r) {
                full.insert(k.min(full.len()), None);
            }
        }
    }
}
