//! ODF tables: cells spanning columns and rows, covered cells and repeated cells and rows, fed
//! to the .docx reader's table builder as `w:gridSpan` and `w:vMerge` would be.

use quick_xml::events::BytesStart;

use crate::ingest::docx::tables::{CellBuilder, Continue, RowBuilder, TableBuilder};
use crate::ingest::docx::xml::PartError;

use super::body::count;

/// A row repeated more often than this is read this often.
const MAX_ROW_REPEAT: usize = 1000;

#[derive(Default)]
pub(super) struct Table {
    pub(super) builder: TableBuilder,
    pub(super) header: bool,
    /// Grid column of the next cell in the row.
    col: usize,
    /// Covered cells still to come in the row from a cell spanning columns.
    left: usize,
    /// By grid column: rows still covered by a cell spanning rows there, and its column span.
    below: Vec<(usize, usize)>,
    pub(super) row_repeat: usize,
    cell_repeat: usize,
}

impl Table {
    /// A covered grid position: part of the cell to its left, or of the cell above.
    pub(super) fn covered(&mut self) {
        let col = self.col;
        self.col += 1;
        if self.left > 0 {
            self.left -= 1;
            return;
        }
        let Some(row) = self.builder.row.as_mut() else {
            return;
        };
        match self.below.get_mut(col) {
            Some((rows, span)) if *rows > 0 => {
                *rows -= 1;
                self.left = *span - 1;
                row.cells.push(CellBuilder {
                    span: *span,
                    vmerge: Continue::Yes,
                    ..CellBuilder::new()
                });
            }
            _ => row.cells.push(CellBuilder {
                hmerge: Continue::Yes,
                ..CellBuilder::new()
            }),
        }
    }

    pub(super) fn start_row(&mut self, e: &BytesStart) {
        self.row_repeat = count(e, "number-rows-repeated").min(MAX_ROW_REPEAT);
        self.col = 0;
        self.left = 0;
        self.builder.row = Some(RowBuilder {
            header: self.header,
            ..RowBuilder::default()
        });
    }

    /// A cell spanning columns and rows, repeated `repeat` times.
    pub(super) fn start_cell(&mut self, e: &BytesStart, repeat: usize) {
        let span = count(e, "number-columns-spanned");
        let rows = count(e, "number-rows-spanned");
        if self.below.len() <= self.col {
            self.below.resize(self.col + 1, (0, 0));
        }
        self.below[self.col] = (rows - 1, span);
        self.col += repeat;
        self.left = span - 1;
        self.cell_repeat = repeat;
        let cell = CellBuilder {
            span,
            vmerge: if rows > 1 {
                Continue::Restart
            } else {
                Continue::No
            },
            ..CellBuilder::new()
        };
        if let Some(row) = self.builder.row.as_mut() {
            row.cell = Some(cell);
        }
    }

    pub(super) fn end_cell(&mut self) {
        if let Some(row) = self.builder.row.as_mut() {
            if let Some(cell) = row.cell.take() {
                for _ in 1..self.cell_repeat {
                    row.cells.push(cell.clone());
                }
                row.cells.push(cell);
            }
        }
    }

    /// Ends `row`, laid out as often as it is repeated (the copies already charged).
    pub(super) fn end_row(&mut self, row: RowBuilder, cells: &mut usize) -> Result<(), PartError> {
        for _ in 1..self.row_repeat {
            self.builder.row = Some(row.clone());
            self.builder.end_row(cells)?;
        }
        self.builder.row = Some(row);
        self.builder.end_row(cells)
    }
}
