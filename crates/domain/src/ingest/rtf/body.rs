//! RTF tokens interpreted into paragraphs and tables: groups with their destinations (the font
//! table and style sheet read, other non-text destinations skipped), text in the document's
//! code page (`\ansicpg`, or the font's `\fcharset`: GBK for Chinese) and `\uN` escapes, and
//! tables from `\trowd … \cellxN … \cell … \row` laid out by the .doc reader's grid.

use std::collections::HashMap;

use crate::ingest::doc::open_table::OpenTable;
use crate::ingest::doc::props::{CellDef, RowDef};
use crate::ingest::document::{Block, Paragraph};
use crate::ingest::docx::xml::PartError;
use crate::ingest::limits::Budget;

use super::charset::encoding;
use super::lexer::{Lexer, Token};

/// Fonts and styles kept, at most.
pub(super) const MAX_TABLE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dest {
    Text,
    Skip,
    Fonts,
    Styles,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Group {
    pub(super) dest: Dest,
    pub(super) uc: usize,
    pub(super) font: Option<i32>,
}

#[derive(Default)]
pub(super) struct Body {
    pub(super) codepage: u32,
    pub(super) fonts: HashMap<i32, u32>,
    pub(super) styles: HashMap<i32, Option<u8>>,
    /// The font or style being defined: its number, name so far, outline level.
    pub(super) entry: (Option<i32>, String, Option<u8>),
    pub(super) bytes: Vec<u8>,
    pub(super) units: Vec<u16>,
    pub(super) skip: usize,
    pub(super) para: String,
    pub(super) intbl: bool,
    pub(super) itap: i32,
    pub(super) style: i32,
    pub(super) outline: Option<u8>,
    pub(super) def: RowDef,
    pub(super) cell_def: CellDef,
    pub(super) table: OpenTable,
    pub(super) blocks: Vec<Block>,
}

pub(super) fn parse(bytes: &[u8], budget: &mut Budget) -> Result<Vec<Block>, PartError> {
    let mut body = Body {
        codepage: 1252,
        itap: 1,
        ..Body::default()
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut group = Group {
        dest: Dest::Text,
        uc: 1,
        font: None,
    };
    let mut lexer = Lexer::new(bytes);
    let mut first_in_group = false;
    while let Some(token) = lexer.next() {
        let starts_group = std::mem::take(&mut first_in_group);
        match token {
            Token::Open => {
                body.flush(group, budget)?;
                if budget
                    .count(crate::ingest::Limit::Depth, groups.len() + 1)
                    .is_err()
                {
                    return Err(PartError::Invalid(format!(
                        "groups are nested more than {} deep",
                        budget.limits.depth
                    )));
                }
                groups.push(group);
                first_in_group = true;
                body.skip = 0;
            }
            Token::Close => {
                body.flush(group, budget)?;
                body.end_entry(group);
                group = groups.pop().unwrap_or(group);
                body.skip = 0;
            }
            Token::Symbol(b'*') if starts_group || group.dest == Dest::Skip => {
                group.dest = Dest::Skip;
            }
            Token::Word(w, n) => {
                if body.skip > 0 {
                    body.skip -= 1;
                    continue;
                }
                if w == "bin" {
                    lexer.skip_bytes(usize::try_from(n.unwrap_or(0)).unwrap_or(0));
                    continue;
                }
                body.word(w, n, &mut group, starts_group, budget)?;
            }
            Token::Symbol(c) => {
                if body.skip > 0 {
                    body.skip -= 1;
                    continue;
                }
                let s = match c {
                    b'~' => "\u{a0}",
                    b'_' => "-",
                    b'\\' => "\\",
                    b'{' => "{",
                    b'}' => "}",
                    b'\t' => "\t",
                    _ => "",
                };
                body.text(s, group, budget)?;
            }
            Token::Byte(b) => {
                if body.skip > 0 {
                    body.skip -= 1;
                } else {
                    body.flush_units(group, budget)?;
                    body.bytes.push(b);
                }
            }
            Token::Text(t) => {
                let k = body.skip.min(t.len());
                body.skip -= k;
                if k < t.len() {
                    body.flush_units(group, budget)?;
                    body.bytes.extend_from_slice(&t[k..]);
                }
            }
        }
    }
    body.flush(group, budget)?;
    if !groups.is_empty() {
        return Err(PartError::Invalid(
            "the RTF ends before its groups are closed".into(),
        ));
    }
    body.end_paragraph(budget, true)?;
    body.end_table()?;
    Ok(body.blocks)
}

impl Body {
    /// The code page of text in `group`: its font's charset, else the document's.
    fn codepage(&self, group: Group) -> u32 {
        group
            .font
            .and_then(|f| self.fonts.get(&f))
            .and_then(|&c| super::charset::of_charset(c))
            .unwrap_or(self.codepage)
    }

    pub(super) fn flush_units(
        &mut self,
        group: Group,
        budget: &mut Budget,
    ) -> Result<(), PartError> {
        if !self.units.is_empty() {
            let s = String::from_utf16_lossy(&std::mem::take(&mut self.units));
            self.push(&s, group, budget)?;
        }
        Ok(())
    }

    pub(super) fn flush(&mut self, group: Group, budget: &mut Budget) -> Result<(), PartError> {
        self.flush_units(group, budget)?;
        self.flush_bytes(group, budget)
    }

    pub(super) fn flush_bytes(
        &mut self,
        group: Group,
        budget: &mut Budget,
    ) -> Result<(), PartError> {
        if !self.bytes.is_empty() {
            let bytes = std::mem::take(&mut self.bytes);
            let (s, _, _) = encoding(self.codepage(group)).decode(&bytes);
            self.push(&s, group, budget)?;
        }
        Ok(())
    }

    pub(super) fn text(
        &mut self,
        s: &str,
        group: Group,
        budget: &mut Budget,
    ) -> Result<(), PartError> {
        self.flush(group, budget)?;
        self.push(s, group, budget)
    }

    /// Decoded text into the destination of `group`.
    pub(super) fn push(
        &mut self,
        s: &str,
        group: Group,
        budget: &mut Budget,
    ) -> Result<(), PartError> {
        match group.dest {
            Dest::Text => {
                budget.check_piece(self.para.len().saturating_add(s.len()))?;
                budget.text(s.len())?;
                self.para.push_str(s);
            }
            Dest::Fonts | Dest::Styles if self.entry.1.len() < 256 => self.entry.1.push_str(s),
            _ => {}
        }
        Ok(())
    }

    /// A font or style definition ends with its group.
    fn end_entry(&mut self, group: Group) {
        let (number, name, outline) = std::mem::take(&mut self.entry);
        let Some(number) = number else { return };
        if group.dest == Dest::Styles && self.styles.len() < MAX_TABLE {
            let name = name.trim().trim_end_matches(';').to_lowercase();
            let digit = name
                .strip_prefix("heading")
                .or_else(|| name.strip_prefix("标题"))
                .and_then(|d| d.trim().parse::<u8>().ok())
                .filter(|d| (1..=9).contains(d));
            self.styles.insert(number, outline.or(digit));
        }
    }

    pub(super) fn take_para(&mut self) -> String {
        std::mem::take(&mut self.para)
            .trim_end_matches('\n')
            .to_string()
    }

    pub(super) fn end_paragraph(
        &mut self,
        budget: &mut Budget,
        last: bool,
    ) -> Result<(), PartError> {
        if last && self.para.trim().is_empty() {
            return Ok(());
        }
        budget.paragraph()?;
        let text = self.take_para();
        if self.intbl && self.itap > 1 {
            self.table.inner_cell.push(text);
        } else if self.intbl {
            self.table.end_inner_row();
            self.table.cell.push(text);
        } else {
            self.end_table()?;
            if !text.trim().is_empty() {
                let heading_level = self
                    .outline
                    .map(|o| o + 1)
                    .or_else(|| self.styles.get(&self.style).copied().flatten());
                self.blocks.push(Block::Paragraph(Paragraph {
                    text,
                    heading_level,
                    numbering: None,
                }));
            }
        }
        Ok(())
    }
}
