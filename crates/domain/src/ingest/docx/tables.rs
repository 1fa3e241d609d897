//! Word tables as grids: `w:gridSpan`, `w:vMerge` and `w:hMerge` resolved into grid positions
//! marked [`Merge`], header rows (`w:tblHeader`) kept once, and a table that was split in two
//! with its header repeated read back as one.

use crate::ingest::document::{Block, Cell, Merge, Table};

use super::xml::PartError;

/// More grid columns than this in a row is refused (Word itself allows 63).
pub(in crate::ingest) const MAX_COLUMNS: usize = 1000;
/// Header rows compared when looking for a repeated header (Word's have one to three).
const MAX_HEADER_ROWS: usize = 8;
/// More grid positions than this in all tables together is refused.
pub(in crate::ingest) const MAX_CELLS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(in crate::ingest) enum Continue {
    #[default]
    No,
    Restart,
    Yes,
}

/// A `w:tc` being read.
#[derive(Debug, Default, Clone)]
pub(in crate::ingest) struct CellBuilder {
    pub lines: Vec<String>,
    pub span: usize,
    pub vmerge: Continue,
    pub hmerge: Continue,
}

impl CellBuilder {
    pub(in crate::ingest) fn new() -> Self {
        CellBuilder {
            span: 1,
            ..CellBuilder::default()
        }
    }
}

/// A `w:tr` being read.
#[derive(Debug, Default, Clone)]
pub(in crate::ingest) struct RowBuilder {
    pub cells: Vec<CellBuilder>,
    pub cell: Option<CellBuilder>,
    pub header: bool,
    pub grid_before: usize,
    pub grid_after: usize,
}

#[derive(Debug)]
struct Row {
    cells: Vec<Cell>,
    header: bool,
}

/// A `w:tbl` being read.
#[derive(Debug, Default)]
pub(in crate::ingest) struct TableBuilder {
    rows: Vec<Row>,
    pub row: Option<RowBuilder>,
}

/// A finished table and how many of its first rows are header rows.
#[derive(Debug)]
pub(in crate::ingest) struct Finished {
    pub table: Table,
    pub header_rows: usize,
}

/// A cell's text: its lines (paragraphs) joined with '\n', blank lines at either end dropped.
fn cell_text(lines: &[String]) -> String {
    let start = lines.iter().position(|l| !l.trim().is_empty());
    let end = lines.iter().rposition(|l| !l.trim().is_empty());
    match (start, end) {
        (Some(s), Some(e)) => lines[s..=e].join("\n"),
        _ => String::new(),
    }
}

impl TableBuilder {
    /// The cell being read, if any: where a paragraph or a nested table in it goes.
    pub(in crate::ingest) fn cell_mut(&mut self) -> Option<&mut CellBuilder> {
        self.row.as_mut()?.cell.as_mut()
    }

    /// Ends the cell being read.
    pub(in crate::ingest) fn end_cell(&mut self) {
        if let Some(row) = self.row.as_mut() {
            if let Some(cell) = row.cell.take() {
                row.cells.push(cell);
            }
        }
    }

    /// Ends the row being read: lays its cells out on the grid. `budget` counts grid positions.
    pub(in crate::ingest) fn end_row(&mut self, budget: &mut usize) -> Result<(), PartError> {
        let Some(mut row) = self.row.take() else {
            return Ok(());
        };
        if let Some(cell) = row.cell.take() {
            row.cells.push(cell);
        }
        let above = self.rows.last().map_or(0, |r| r.cells.len());
        let mut out: Vec<Cell> = Vec::new();
        let mut push = |out: &mut Vec<Cell>, cell: Cell| -> Result<(), PartError> {
            if out.len() >= MAX_COLUMNS {
                return Err(PartError::Invalid(format!(
                    "a table row has more than {MAX_COLUMNS} columns"
                )));
            }
            *budget += 1;
            if *budget > MAX_CELLS {
                return Err(PartError::Invalid(format!(
                    "the tables have more than {MAX_CELLS} cells"
                )));
            }
            out.push(cell);
            Ok(())
        };
        for _ in 0..row.grid_before.min(MAX_COLUMNS + 1) {
            push(&mut out, Cell::new(""))?;
        }
        for cell in row.cells {
            let col = out.len();
            let merge = if cell.vmerge == Continue::Yes && col < above {
                Merge::FromAbove
            } else if cell.hmerge == Continue::Yes && col > 0 {
                Merge::FromLeft
            } else {
                Merge::None
            };
            let text = match merge {
                Merge::None => cell_text(&cell.lines),
                _ => String::new(),
            };
            push(&mut out, Cell { text, merge })?;
            for _ in 1..cell.span.min(MAX_COLUMNS + 1) {
                push(&mut out, merge_left())?;
            }
        }
        for _ in 0..row.grid_after.min(MAX_COLUMNS + 1) {
            push(&mut out, Cell::new(""))?;
        }
        self.rows.push(Row {
            cells: out,
            header: row.header,
        });
        Ok(())
    }

    /// Ends the table: rows padded to one width, header rows repeated further down dropped.
    pub(in crate::ingest) fn finish(mut self, budget: &mut usize) -> Result<Finished, PartError> {
        self.end_row(budget)?;
        let width = self.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
        let header_rows = self.rows.iter().take_while(|r| r.header).count();
        let mut rows: Vec<Vec<Cell>> = Vec::with_capacity(self.rows.len());
        for (i, mut row) in self.rows.into_iter().enumerate() {
            *budget += width - row.cells.len();
            if *budget > MAX_CELLS {
                return Err(PartError::Invalid(format!(
                    "the tables have more than {MAX_CELLS} cells"
                )));
            }
            row.cells.resize(width, Cell::new(""));
            let repeated_header = i >= header_rows
                && row.header
                && rows
                    .iter()
                    .take(header_rows.min(MAX_HEADER_ROWS))
                    .any(|h| *h == row.cells);
            if repeated_header {
                continue;
            }
            rows.push(row.cells);
        }
        Ok(Finished {
            table: Table { rows },
            header_rows,
        })
    }
}

fn merge_left() -> Cell {
    Cell {
        text: String::new(),
        merge: Merge::FromLeft,
    }
}

/// A table's text as lines, for a table nested in a cell or a text box: one line per row,
/// cells separated by tabs, positions covered by a merge left out.
pub(in crate::ingest) fn flatten(table: &Table) -> Vec<String> {
    table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .filter(|c| c.merge == Merge::None)
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// Appends a body-level table. When the block before it is a table of the same width whose
/// header rows (its `w:tblHeader` rows, else its first row) this table repeats, the two are
/// one table that was split (across a page, by hand): the rows are appended, without the
/// repeated header. `last_header` is the header row count of the last table appended.
pub(in crate::ingest) fn push_body_table(
    blocks: &mut Vec<Block>,
    last_header: &mut usize,
    next: Finished,
) {
    let Finished { table, header_rows } = next;
    if table.rows.is_empty() {
        return;
    }
    if let Some(Block::Table(prev)) = blocks.last_mut() {
        let repeated = (*last_header).clamp(1, MAX_HEADER_ROWS);
        let same_width = prev.rows.first().map(Vec::len) == table.rows.first().map(Vec::len);
        if same_width
            && prev.rows.len() >= repeated
            && table.rows.len() >= repeated
            && prev.rows[..repeated] == table.rows[..repeated]
        {
            prev.rows.extend(table.rows.into_iter().skip(repeated));
            return;
        }
    }
    *last_header = header_rows;
    blocks.push(Block::Table(table));
}
