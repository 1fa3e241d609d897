//! The main text's characters turned into paragraphs and tables. A paragraph ends at its mark
//! (0x0D, or 0x07 for a cell); the paragraph properties of the mark say whether it is in a
//! table, ends a cell or ends a row (sprmPFInTable / sprmPItap, sprmPFTtp), so a row end is told
//! by its properties, not by guessing from repeated 0x07. Field codes (0x13 code 0x14 result
//! 0x15) keep their result; anchors of pictures, notes and objects are dropped.

use crate::ingest::document::{Block, Document, Paragraph};
use crate::ingest::docx::xml::PartError;
use crate::ingest::limits::Budget;

use super::grid::Row;
use super::open_table::OpenTable;
use super::pieces::Char;
use super::props::{with_sprms, Para, Props};

/// Nested fields deeper than this are read as if at this depth.
const MAX_FIELD_DEPTH: usize = 64;

pub(super) struct Body<'a> {
    props: &'a Props,
    prcs: &'a [&'a [u8]],
    headings: &'a [Option<u8>],
    budget: &'a mut Budget,
    blocks: Vec<Block>,
    /// The paragraph being read, as UTF-16.
    units: Vec<u16>,
    /// Its length in UTF-8.
    len: usize,
    /// For each open field: whether its result is being read (else its code).
    fields: Vec<bool>,
    table: OpenTable,
}

impl<'a> Body<'a> {
    pub(super) fn new(
        props: &'a Props,
        prcs: &'a [&'a [u8]],
        headings: &'a [Option<u8>],
        budget: &'a mut Budget,
    ) -> Self {
        Body {
            props,
            prcs,
            headings,
            budget,
            blocks: Vec::new(),
            units: Vec::new(),
            len: 0,
            fields: Vec::new(),
            table: OpenTable::default(),
        }
    }

    fn visible(&self) -> bool {
        self.fields.iter().all(|&result| result)
    }

    /// One character of the main text.
    pub(super) fn push(&mut self, c: Char) -> Result<(), PartError> {
        match c.unit {
            0x0D | 0x07 => return self.mark(c),
            0x0C if self.props.ends_at(c.fc.saturating_add(c.width)) => return self.mark(c),
            0x13 => {
                if self.fields.len() < MAX_FIELD_DEPTH {
                    self.fields.push(false);
                }
                return Ok(());
            }
            0x14 => {
                if let Some(top) = self.fields.last_mut() {
                    *top = true;
                }
                return Ok(());
            }
            0x15 => {
                self.fields.pop();
                return Ok(());
            }
            _ => {}
        }
        if !self.visible() {
            return Ok(());
        }
        let unit = match c.unit {
            0x09 => 0x09,
            0x0B => u16::from(b'\n'),
            0x1E => u16::from(b'-'),
            u if u < 0x20 => return Ok(()),
            u => u,
        };
        let bytes = match unit {
            0..=0x7F => 1,
            0x80..=0x7FF | 0xD800..=0xDFFF => 2,
            _ => 3,
        };
        self.budget.check_piece(self.len.saturating_add(bytes))?;
        self.budget.text(bytes)?;
        self.len += bytes;
        self.units.push(unit);
        Ok(())
    }

    /// A paragraph, cell or row mark.
    fn mark(&mut self, c: Char) -> Result<(), PartError> {
        let default = Para::default();
        let base = self.props.at(c.fc).unwrap_or(&default);
        // a Prm1 (bit 0 set) names a Prc grpprl whose sprms the piece's paragraphs also have
        let prc = (c.prm & 1 == 1)
            .then(|| self.prcs.get(usize::from(c.prm >> 1)))
            .flatten();
        let with_prm;
        let para = match prc {
            Some(grpprl) => {
                with_prm = with_sprms(base, grpprl);
                &with_prm
            }
            None => base,
        };
        let text = String::from_utf16_lossy(&std::mem::take(&mut self.units));
        let text = text.trim_end_matches('\n').to_string();
        self.len = 0;
        self.budget.paragraph()?;
        if para.depth == 0 {
            self.end_table()?;
            if !text.trim().is_empty() {
                let heading_level = match para.outline {
                    Some(o) if o < 9 => Some(o + 1),
                    _ => self.headings.get(usize::from(para.istd)).copied().flatten(),
                };
                self.blocks.push(Block::Paragraph(Paragraph {
                    text,
                    heading_level,
                    numbering: None,
                }));
            }
            return Ok(());
        }
        if para.depth > 1 {
            // a nested table: each of its rows is a line of the outer cell, its cells separated
            // by tabs (as the .docx reader flattens one)
            if para.inner_ttp {
                self.table.end_inner_row();
            } else {
                self.table.inner_cell.push(text);
                if para.inner_cell {
                    self.table.end_inner_cell();
                }
            }
            return Ok(());
        }
        self.table.end_inner_row();
        if c.unit == 0x07 && para.ttp {
            let cells = std::mem::take(&mut self.table.row);
            if !cells.is_empty() {
                self.table.rows.push(Row {
                    cells,
                    def: para.row.clone(),
                });
            }
            return Ok(());
        }
        self.table.cell.push(text);
        if c.unit == 0x07 {
            self.budget.cells(1)?;
            self.table.end_cell();
        }
        Ok(())
    }

    /// Ends the table being read, if any.
    fn end_table(&mut self) -> Result<(), PartError> {
        self.table.end_table(&mut self.blocks)
    }

    /// The document, once every character was pushed: a last paragraph without its mark is kept.
    pub(super) fn finish(mut self) -> Result<Document, PartError> {
        if !self.units.is_empty() {
            let text = String::from_utf16_lossy(&std::mem::take(&mut self.units));
            self.end_table()?;
            if !text.trim().is_empty() {
                self.budget.paragraph()?;
                self.blocks.push(Block::Paragraph(Paragraph::new(text)));
            }
        }
        self.end_table()?;
        Ok(Document {
            blocks: self.blocks,
        })
    }
}
