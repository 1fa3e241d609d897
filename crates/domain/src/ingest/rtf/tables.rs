//! RTF table marks: `\cell`, `\row` and the nested `\nestcell`/`\nestrow`, and the rows laid
//! out on the .doc reader's grid when the table ends.

use crate::ingest::doc::grid::Row;
use crate::ingest::docx::xml::PartError;
use crate::ingest::limits::Budget;

use super::body::Body;

impl Body {
    pub(super) fn table_mark(&mut self, w: &str, budget: &mut Budget) -> Result<(), PartError> {
        match w {
            "nestcell" => {
                budget.paragraph()?;
                let text = self.take_para();
                self.table.inner_cell.push(text);
                self.table.end_inner_cell();
            }
            "nestrow" => self.table.end_inner_row(),
            "cell" => {
                budget.paragraph()?;
                budget.cells(1)?;
                let text = self.take_para();
                self.table.end_inner_row();
                self.table.cell.push(text);
                self.table.end_cell();
            }
            _ => {
                let mut cells = std::mem::take(&mut self.table.row);
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
                    self.table.rows.push(Row { cells, def });
                }
            }
        }
        Ok(())
    }

    /// Ends the table being read, if any.
    pub(super) fn end_table(&mut self) -> Result<(), PartError> {
        self.table.end_table(&mut self.blocks)
    }
}

pub(super) fn twips(n: i32) -> i16 {
    n.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}
