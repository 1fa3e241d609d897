//! content.xml read as a stream of events into paragraphs and tables.

use std::io::BufRead;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::ingest::document::{Block, Document, Paragraph};
use crate::ingest::docx::tables::{flatten, push_body_table, MAX_COLUMNS};
use crate::ingest::docx::xml::{val_int, PartError, CUT_SHORT};
use crate::ingest::limits::{Budget, Limit};

use super::tables::Table;

/// Elements whose content is not the document's text: notes, comments, tracked deletions,
/// drawings and frames.
const SKIPPED: &[&str] = &[
    "note",
    "annotation",
    "tracked-changes",
    "sequence-decls",
    "frame",
    "custom-shape",
    "rect",
    "ellipse",
    "line",
    "forms",
];

/// Whether META-INF/manifest.xml lists encrypted entries.
pub(super) fn encrypted<R: BufRead>(r: &mut Reader<R>) -> Result<bool, PartError> {
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "encryption-data" => {
                return Ok(true)
            }
            Event::Eof => return Ok(false),
            _ => {}
        }
        buf.clear();
    }
}

#[derive(Default)]
struct Para {
    text: String,
    heading: Option<u8>,
}

enum Frame {
    Para(Para),
    Table(Box<Table>),
}

struct Body<'a> {
    budget: &'a mut Budget,
    blocks: Vec<Block>,
    frames: Vec<Frame>,
    last_header: usize,
    cells: usize,
    depth: usize,
    skip: usize,
    in_body: bool,
}

pub(super) fn parse<R: BufRead>(
    reader: &mut Reader<R>,
    budget: &mut Budget,
) -> Result<Document, PartError> {
    let mut body = Body {
        budget,
        blocks: Vec::new(),
        frames: Vec::new(),
        last_header: 0,
        cells: 0,
        depth: 0,
        skip: 0,
        in_body: false,
    };
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) => body.start(&e, false)?,
            Event::Empty(e) => body.start(&e, true)?,
            Event::End(e) => {
                if body.skip > 0 {
                    body.skip -= 1;
                } else {
                    body.depth = body.depth.saturating_sub(1);
                    body.end(e.local_name().as_ref())?;
                }
            }
            Event::Text(t) => body.text(&t.xml10_content(), true)?,
            Event::CData(t) => body.text(&t.xml10_content(), true)?,
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    body.text(c.encode_utf8(&mut [0; 4]), false)?;
                } else if let Some(s) = resolve_predefined_entity(&r.xml10_content()) {
                    body.text(s, false)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if body.depth != 0 || !body.frames.is_empty() {
        return Err(PartError::Invalid(CUT_SHORT.into()));
    }
    Ok(Document {
        blocks: body.blocks,
    })
}

pub(super) fn count(e: &BytesStart, local: &str) -> usize {
    val_int(e, local).map_or(1, |n| usize::try_from(n).unwrap_or(1).clamp(1, MAX_COLUMNS))
}

impl Body<'_> {
    fn table(&mut self) -> Option<&mut Table> {
        match self.frames.last_mut() {
            Some(Frame::Table(t)) => Some(t),
            _ => None,
        }
    }

    /// Text in a paragraph; `collapse`: XML text, where runs of white space are one space (a
    /// text:s is a space of its own).
    fn text(&mut self, s: &str, collapse: bool) -> Result<(), PartError> {
        if self.skip > 0 {
            return Ok(());
        }
        let Some(Frame::Para(p)) = self.frames.last_mut() else {
            return Ok(());
        };
        let mut add = String::new();
        if collapse {
            let mut space = p.text.is_empty() || p.text.ends_with(' ');
            for c in s.chars() {
                if matches!(c, ' ' | '\t' | '\n' | '\r') {
                    if !space {
                        add.push(' ');
                    }
                    space = true;
                } else {
                    add.push(c);
                    space = false;
                }
            }
        } else {
            add.push_str(s);
        }
        self.budget
            .check_piece(p.text.len().saturating_add(add.len()))?;
        self.budget.text(add.len())?;
        p.text.push_str(&add);
        Ok(())
    }

    fn start(&mut self, e: &BytesStart, empty: bool) -> Result<(), PartError> {
        if self.skip > 0 {
            self.skip += usize::from(!empty);
            return Ok(());
        }
        let local = e.local_name();
        let name: &str = local.as_ref();
        if SKIPPED.contains(&name) {
            self.skip = usize::from(!empty);
            return Ok(());
        }
        if !empty {
            self.depth += 1;
            if self.budget.count(Limit::Depth, self.depth).is_err() {
                return Err(PartError::Invalid(format!(
                    "elements are nested more than {} deep",
                    self.budget.limits.depth
                )));
            }
        }
        match name {
            "body" => self.in_body = true,
            _ if !self.in_body => {}
            "p" | "h" => {
                self.budget.paragraph()?;
                let heading = (name == "h").then(|| val_int(e, "outline-level").unwrap_or(1));
                let heading = heading.and_then(|l| u8::try_from(l.clamp(1, 9)).ok());
                self.frames.push(Frame::Para(Para {
                    text: String::new(),
                    heading,
                }));
            }
            "s" => {
                let n = count(e, "c");
                self.text(&" ".repeat(n), false)?;
            }
            "tab" => self.text("\t", false)?,
            "line-break" => self.text("\n", false)?,
            "table" => self.frames.push(Frame::Table(Box::default())),
            "table-header-rows" => {
                if let Some(t) = self.table() {
                    t.header = true;
                }
            }
            "table-row" => {
                if let Some(t) = self.table() {
                    t.start_row(e);
                }
            }
            "table-cell" | "covered-table-cell" => {
                let repeat = count(e, "number-columns-repeated");
                self.budget.cells(repeat)?;
                if let Some(t) = self.table() {
                    if name == "table-cell" {
                        t.start_cell(e, repeat);
                    } else {
                        (0..repeat).for_each(|_| t.covered());
                    }
                }
            }
            _ => {}
        }
        if empty {
            self.end(name)?;
        }
        Ok(())
    }

    fn end(&mut self, name: &str) -> Result<(), PartError> {
        if !self.in_body {
            return Ok(());
        }
        match name {
            "body" => self.in_body = false,
            "p" | "h" => {
                if let Some(Frame::Para(p)) = self.frames.pop() {
                    self.end_paragraph(p);
                }
            }
            "table-header-rows" => {
                if let Some(t) = self.table() {
                    t.header = false;
                }
            }
            "table-cell" => {
                if let Some(t) = self.table() {
                    t.end_cell();
                }
            }
            "table-row" => {
                let Some(t) = self.table() else {
                    return Ok(());
                };
                let Some(row) = t.builder.row.take() else {
                    return Ok(());
                };
                // the copies are charged before they are made
                let width: usize = row.cells.iter().map(|c| c.span).sum();
                let copies = t.row_repeat.saturating_sub(1);
                self.budget.cells(width.saturating_mul(copies))?;
                let mut cells = self.cells;
                if let Some(t) = self.table() {
                    t.end_row(row, &mut cells)?;
                }
                self.cells = cells;
            }
            "table" => {
                if let Some(Frame::Table(t)) = self.frames.pop() {
                    let finished = t.builder.finish(&mut self.cells)?;
                    match self.frames.last_mut() {
                        None => push_body_table(&mut self.blocks, &mut self.last_header, finished),
                        Some(_) => self.push_lines(flatten(&finished.table)),
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Lines inside the innermost open paragraph or cell.
    fn push_lines(&mut self, lines: Vec<String>) {
        match self.frames.last_mut() {
            Some(Frame::Para(p)) => {
                for l in lines {
                    p.text.push('\n');
                    p.text.push_str(&l);
                }
            }
            Some(Frame::Table(t)) => {
                if let Some(cell) = t.builder.cell_mut() {
                    cell.lines.extend(lines);
                }
            }
            None => {}
        }
    }

    fn end_paragraph(&mut self, p: Para) {
        let text = p.text.trim_end_matches('\n').to_string();
        if self.frames.is_empty() {
            if !text.trim().is_empty() {
                self.blocks.push(Block::Paragraph(Paragraph {
                    text,
                    heading_level: p.heading,
                    numbering: None,
                }));
            }
            return;
        }
        self.push_lines(vec![text]);
    }
}
