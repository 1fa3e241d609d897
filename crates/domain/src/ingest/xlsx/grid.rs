//! From a sheet's cells and merges to paragraphs and a table: used range, title and note rows.

use calamine::Dimensions;

use super::{RawSheet, MAX_GRID_CELLS};
use crate::ingest::{Block, Cell, IngestError, Merge, Paragraph, Table};

fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Rect {
    r0: u32,
    c0: u32,
    r1: u32,
    c1: u32,
}

impl Rect {
    fn of(d: &Dimensions) -> Rect {
        Rect {
            r0: d.start.0.min(d.end.0),
            c0: d.start.1.min(d.end.1),
            r1: d.start.0.max(d.end.0),
            c1: d.start.1.max(d.end.1),
        }
    }
    fn intersection(&self, o: &Rect) -> Option<Rect> {
        let r = Rect {
            r0: self.r0.max(o.r0),
            c0: self.c0.max(o.c0),
            r1: self.r1.min(o.r1),
            c1: self.c1.min(o.c1),
        };
        (r.r0 <= r.r1 && r.c0 <= r.c1).then_some(r)
    }
    fn union(&self, o: &Rect) -> Rect {
        Rect {
            r0: self.r0.min(o.r0),
            c0: self.c0.min(o.c0),
            r1: self.r1.max(o.r1),
            c1: self.c1.max(o.c1),
        }
    }
}

/// How many times the used range is widened to cover merged regions that stick out of it.
const MAX_WIDENINGS: usize = 8;

pub(super) fn layout(
    sheet: &str,
    raw: RawSheet,
    budget: &mut usize,
    blocks: &mut Vec<Block>,
    name: &str,
) -> Result<(), IngestError> {
    let mut used: Option<Rect> = None;
    for (&(r, c), text) in &raw.cells {
        if is_blank(text) {
            continue;
        }
        let here = Rect {
            r0: r,
            c0: c,
            r1: r,
            c1: c,
        };
        used = Some(used.map_or(here, |u| u.union(&here)));
    }
    let Some(mut used) = used else {
        return Ok(());
    };

    let mut merges: Vec<Rect> = raw
        .merges
        .iter()
        .map(Rect::of)
        .filter(|m| m.r0 != m.r1 || m.c0 != m.c1)
        .collect();
    merges.sort_by_key(|m| (m.r0, m.c0, m.r1, m.c1));
    merges.dedup();
    for _ in 0..MAX_WIDENINGS {
        let before = used;
        for m in &merges {
            if used.intersection(m).is_some() {
                used = used.union(m);
            }
        }
        if used == before {
            break;
        }
    }

    let height = (used.r1 - used.r0) as usize + 1;
    let width = (used.c1 - used.c0) as usize + 1;
    let area = height.saturating_mul(width);
    if area > *budget {
        return Err(IngestError::Corrupt {
            name: name.into(),
            detail: format!(
                "sheet \"{sheet}\" spans {height} rows × {width} columns, more than the \
                 {MAX_GRID_CELLS} cells kaoping reads from a workbook; delete unused rows and \
                 columns (or cells typed far from the tables) and resubmit"
            ),
        });
    }
    *budget -= area;

    let mut grid: Vec<Vec<Cell>> = vec![vec![Cell::default(); width]; height];
    for (&(r, c), text) in raw.cells.range((used.r0, 0)..) {
        if r > used.r1 {
            break;
        }
        if c < used.c0 || c > used.c1 {
            continue;
        }
        if let Some(cell) = grid
            .get_mut((r - used.r0) as usize)
            .and_then(|row| row.get_mut((c - used.c0) as usize))
        {
            cell.text.clone_from(text);
        }
    }
    mark_merges(&mut grid, &used, &merges, area, sheet, name)?;

    // Leading title rows: blocks of rows that no merged region crosses out of, each with at
    // most one non-blank cell (a title merged over two rows goes whole; a header cell merged
    // down next to another header cell keeps its rows in the table).
    let mut first = 0;
    let mut filled_in_block = 0;
    for (r, row) in grid.iter().enumerate() {
        filled_in_block += row.iter().filter(|c| !is_blank(&c.text)).count();
        if filled_in_block > 1 {
            break;
        }
        let crossed = grid
            .get(r + 1)
            .is_some_and(|next| next.iter().any(|c| c.merge == Merge::FromAbove));
        if !crossed {
            first = r + 1;
            filled_in_block = 0;
        }
    }
    for row in &grid[..first] {
        if let Some(cell) = row.iter().find(|c| !is_blank(&c.text)) {
            blocks.push(Block::Paragraph(Paragraph::new(cell.text.trim())));
        }
    }
    let mut rows: Vec<Vec<Cell>> = grid.split_off(first);
    if rows.is_empty() {
        return Ok(());
    }

    // Trailing note rows, the same way from the bottom: "填表人：… 填报日期：…", "说明：…" go
    // after the table as paragraphs, as they stand in a Word report.
    let mut last = rows.len();
    let mut filled_in_block = 0;
    for (r, row) in rows.iter().enumerate().rev() {
        filled_in_block += row.iter().filter(|c| !is_blank(&c.text)).count();
        if filled_in_block > 1 {
            break;
        }
        if !row.iter().any(|c| c.merge == Merge::FromAbove) {
            last = r;
            filled_in_block = 0;
        }
    }
    let notes: Vec<Vec<Cell>> = rows.split_off(last);

    // Columns left blank once the title and note rows are gone.
    let empty = |c: &Cell| c.merge == Merge::None && is_blank(&c.text);
    let width = rows.first().map_or(0, Vec::len);
    let mut lead = 0;
    while lead + 1 < width
        && rows.iter().all(|row| {
            row.get(lead).is_some_and(empty)
                && row.get(lead + 1).is_none_or(|c| c.merge != Merge::FromLeft)
        })
    {
        lead += 1;
    }
    let mut end = width;
    while end > lead + 1 && rows.iter().all(|row| row.get(end - 1).is_some_and(empty)) {
        end -= 1;
    }
    if lead > 0 || end < width {
        for row in &mut rows {
            row.truncate(end);
            row.drain(..lead);
        }
    }
    if !rows.is_empty() {
        blocks.push(Block::Table(Table { rows }));
    }
    for row in &notes {
        if let Some(cell) = row.iter().find(|c| !is_blank(&c.text)) {
            blocks.push(Block::Paragraph(Paragraph::new(cell.text.trim())));
        }
    }
    Ok(())
}

/// Marks the positions merged regions cover. Regions are clipped to the grid (a region whose
/// top-left position is outside gets its first position inside as its top-left); a position
/// two regions claim stays with the first. Overlapping regions are invalid in Excel; a sheet
/// full of them that would take unbounded work is refused.
fn mark_merges(
    grid: &mut [Vec<Cell>],
    used: &Rect,
    merges: &[Rect],
    area: usize,
    sheet: &str,
    name: &str,
) -> Result<(), IngestError> {
    let mut work_left = area.saturating_mul(4).saturating_add(merges.len());
    for m in merges {
        let Some(clip) = used.intersection(m) else {
            continue;
        };
        let (ar, ac) = (clip.r0, clip.c0);
        for r in clip.r0..=clip.r1 {
            for c in clip.c0..=clip.c1 {
                work_left = work_left
                    .checked_sub(1)
                    .ok_or_else(|| IngestError::Corrupt {
                        name: name.into(),
                        detail: format!(
                        "sheet \"{sheet}\" has overlapping merged cells Excel would not write; \
                         open the workbook in Excel, save it again and resubmit"
                    ),
                    })?;
                if (r, c) == (ar, ac) {
                    continue;
                }
                let Some(cell) = grid
                    .get_mut((r - used.r0) as usize)
                    .and_then(|row| row.get_mut((c - used.c0) as usize))
                else {
                    continue;
                };
                if cell.merge != Merge::None {
                    continue;
                }
                cell.merge = if c == ac && r > ar {
                    Merge::FromAbove
                } else {
                    Merge::FromLeft
                };
                // Excel shows only the top-left value of a merged region.
                cell.text.clear();
            }
        }
    }
    Ok(())
}
