//! RTF table marks: `\cell`, `\row` and the nested `\nestcell`/`\nestrow`, and the rows laid
//! out on the .doc reader's grid when the table ends.

use crate::ingest::doc::grid::{push_table, Row};
use crate::ingest::docx::xml::PartError;
use crate::ingest::limits::Budget;

use super::body::Body;

impl Body {
    pub(super) fn table_mark(&mut self, w: &str, budget: &mut Budget) -> Result<(), PartError> {
        match w {
            "nestcell" => {
                budget.paragraph()?;
                let text = self.take_para();
                self.inner_cell.push(text);
                let cell = lines_text(&std::mem::take(&mut self.inner_cell));
                self.inner_row.push(cell);
            }
            "nestrow" => self.end_inner_row(),
            "cell" => {
                budget.paragraph()?;
                budget.cells(1)?;
                let text = self.take_para();
                self.end_inner_row();
                self.cell.push(text);
                let cell = std::mem::take(&mut self.cell);
                self.row.push(cell);
            }
            _ => {
                let mut cells = std::mem::take(&mut self.row);
                // empty cells past the row's definition (LibreOffice writes one after a row
                // with a nested table) are not the row's
                let defined = self.def.cells.len();
                while defined > 0
                    && cells.len() > defined
                    && cells
                        .last()
                        .is_some_and(|c| c.iter().all(|l| l.trim().is_empty()))
                {
                    cells.pop();
                }
                if !cells.is_empty() {
                    let def = Some(self.def.clone()).filter(|d| !d.centers.is_empty());
                    self.rows.push(Row { cells, def });
                }
            }
        }
        Ok(())
    }

    pub(super) fn end_inner_row(&mut self) {
        if !self.inner_cell.is_empty() {
            let cell = lines_text(&std::mem::take(&mut self.inner_cell));
            self.inner_row.push(cell);
        }
        if !self.inner_row.is_empty() {
            let line = std::mem::take(&mut self.inner_row).join("\t");
            if !line.trim().is_empty() {
                self.cell.push(line);
            }
        }
    }

    pub(super) fn end_table(&mut self) -> Result<(), PartError> {
        self.end_inner_row();
        if !self.cell.is_empty() {
            let cell = std::mem::take(&mut self.cell);
            self.row.push(cell);
        }
        if !self.row.is_empty() {
            let cells = std::mem::take(&mut self.row);
            self.rows.push(Row { cells, def: None });
        }
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        push_table(
            &mut self.blocks,
            &mut self.last_header,
            rows,
            &mut self.grid_cells,
        )
    }
}

pub(super) fn twips(n: i32) -> i16 {
    n.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
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
