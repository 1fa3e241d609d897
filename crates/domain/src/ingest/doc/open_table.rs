//! The table being read, as the .doc and .rtf readers collect it: the lines of the cell, the
//! cells of the row, the rows, and a nested table flattened into lines of the outer cell (its
//! cells separated by tabs, as the .docx reader flattens one). Both readers differ only in how
//! their marks say where a cell or row ends.

use super::grid::{push_table, Row};
use crate::ingest::document::Block;
use crate::ingest::docx::xml::PartError;

#[derive(Debug, Default)]
pub(in crate::ingest) struct OpenTable {
    /// Lines of the cell being read.
    pub cell: Vec<String>,
    /// Lines of the nested table's cell being read, and the cells of its row.
    pub inner_cell: Vec<String>,
    pub inner_row: Vec<String>,
    /// Cells of the row being read.
    pub row: Vec<Vec<String>>,
    /// Rows of the table being read.
    pub rows: Vec<Row>,
    last_header: usize,
    grid_cells: usize,
}

impl OpenTable {
    /// Ends the nested table's cell being read: a cell of its row.
    pub fn end_inner_cell(&mut self) {
        let cell = lines_text(&std::mem::take(&mut self.inner_cell));
        self.inner_row.push(cell);
    }

    /// Ends the row of a nested table being read, if any: a line of the outer cell.
    pub fn end_inner_row(&mut self) {
        if !self.inner_cell.is_empty() {
            self.end_inner_cell();
        }
        if !self.inner_row.is_empty() {
            let line = std::mem::take(&mut self.inner_row).join("\t");
            if !line.trim().is_empty() {
                self.cell.push(line);
            }
        }
    }

    /// Ends the cell being read: a cell of the row.
    pub fn end_cell(&mut self) {
        let cell = std::mem::take(&mut self.cell);
        self.row.push(cell);
    }

    /// Ends the table being read, if any, and lays it out into `blocks`: a row without its
    /// row-end mark is kept as a row.
    pub fn end_table(&mut self, blocks: &mut Vec<Block>) -> Result<(), PartError> {
        self.end_inner_row();
        if !self.cell.is_empty() {
            self.end_cell();
        }
        if !self.row.is_empty() {
            let cells = std::mem::take(&mut self.row);
            self.rows.push(Row { cells, def: None });
        }
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        push_table(blocks, &mut self.last_header, rows, &mut self.grid_cells)
    }
}

/// A cell's lines joined with '\n', blank lines at either end left out.
fn lines_text(lines: &[String]) -> String {
    let start = lines.iter().position(|l| !l.trim().is_empty());
    let end = lines.iter().rposition(|l| !l.trim().is_empty());
    match (start, end) {
        (Some(s), Some(e)) => lines[s..=e].join("\n"),
        _ => String::new(),
    }
}
