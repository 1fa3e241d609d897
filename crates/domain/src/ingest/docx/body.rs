//! word/document.xml read as a stream of events into paragraphs and tables.

use std::io::BufRead;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::ingest::document::{Block, Document, Paragraph};
use crate::ingest::limits::{Budget, Limit};

use super::numbering::{Counters, Numbering, Suffix, LEVELS};
use super::styles::{heading_from_outline, Styles};
use super::tables::{flatten, push_body_table, CellBuilder, Continue, RowBuilder, TableBuilder};
use super::xml::{on_off, val, PartError, CUT_SHORT};

/// Subtrees whose text is not the document's: deleted or moved-away revisions, the old
/// properties of a tracked formatting change, and the fallback copy of an alternate content.
const SKIPPED: &[&str] = &[
    "Fallback",
    "del",
    "moveFrom",
    "pPrChange",
    "rPrChange",
    "tblPrChange",
    "trPrChange",
    "tcPrChange",
    "sectPrChange",
    "numberingChange",
    "tblGridChange",
    "instrText",
];

/// The elements whose place in the tree matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    P,
    PPr,
    NumPr,
    R,
    RPr,
    T,
    Tbl,
    Tr,
    TrPr,
    Tc,
    TcPr,
    Other,
}

#[derive(Debug, Default)]
struct ParaBuilder {
    text: String,
    style: Option<String>,
    outline: Option<u8>,
    num_id: Option<i64>,
    ilvl: Option<u8>,
    /// Lines of paragraphs and tables inside this one (text boxes), in order.
    inner: Vec<String>,
}

enum Frame {
    Para(ParaBuilder),
    Table(TableBuilder),
}

struct Body<'a> {
    styles: &'a Styles,
    numbering: &'a Numbering,
    counters: Counters,
    blocks: Vec<Block>,
    last_header: usize,
    frames: Vec<Frame>,
    path: Vec<Tag>,
    /// Whether each open run is hidden (`w:vanish`).
    runs: Vec<bool>,
    skip: usize,
    cells: usize,
    /// Text, paragraphs, cells and nesting, charged as the events come (real documents nest
    /// well under 100 deep).
    budget: &'a mut Budget,
}

/// Reads the body of word/document.xml.
pub(super) fn parse<R: BufRead>(
    reader: &mut Reader<R>,
    styles: &Styles,
    numbering: &Numbering,
    budget: &mut Budget,
) -> Result<Document, PartError> {
    let mut body = Body {
        styles,
        numbering,
        counters: Counters::new(),
        blocks: Vec::new(),
        last_header: 0,
        frames: Vec::new(),
        path: Vec::new(),
        runs: Vec::new(),
        skip: 0,
        cells: 0,
        budget,
    };
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) => body.start(&e, false)?,
            Event::Empty(e) => body.start(&e, true)?,
            Event::End(_) => body.end()?,
            Event::Text(t) if body.in_text() => body.push_text(&t.xml10_content())?,
            Event::CData(t) if body.in_text() => body.push_text(&t.xml10_content())?,
            Event::GeneralRef(r) if body.in_text() => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    body.push_text(c.encode_utf8(&mut [0; 4]))?;
                } else if let Some(s) = resolve_predefined_entity(&r.xml10_content()) {
                    body.push_text(s)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !body.path.is_empty() || !body.frames.is_empty() {
        return Err(PartError::Invalid(CUT_SHORT.into()));
    }
    Ok(Document {
        blocks: body.blocks,
    })
}

impl Body<'_> {
    fn in_text(&self) -> bool {
        self.skip == 0 && self.path.last() == Some(&Tag::T) && self.runs.last() != Some(&true)
    }

    /// Adds a run's text to the open paragraph, charged before it is copied: a long run or
    /// many runs stop at the paragraph's or the document's budget.
    fn push_text(&mut self, s: &str) -> Result<(), PartError> {
        if let Some(Frame::Para(p)) = self.frames.last_mut() {
            self.budget
                .check_piece(p.text.len().saturating_add(s.len()))?;
            self.budget.text(s.len())?;
            p.text.push_str(s);
        }
        Ok(())
    }

    fn para(&mut self) -> Option<&mut ParaBuilder> {
        match self.frames.last_mut() {
            Some(Frame::Para(p)) => Some(p),
            _ => None,
        }
    }

    fn row(&mut self) -> Option<&mut RowBuilder> {
        match self.frames.last_mut() {
            Some(Frame::Table(t)) => t.row.as_mut(),
            _ => None,
        }
    }

    fn cell(&mut self) -> Option<&mut CellBuilder> {
        self.row()?.cell.as_mut()
    }

    fn start(&mut self, e: &BytesStart, empty: bool) -> Result<(), PartError> {
        if self.skip > 0 {
            self.skip += usize::from(!empty);
            return Ok(());
        }
        let local = e.local_name();
        let name = local.as_ref();
        if SKIPPED.contains(&name) {
            self.skip = usize::from(!empty);
            return Ok(());
        }
        let parent = self.path.last().copied();
        let grandparent = self.path.len().checked_sub(2).map(|i| self.path[i]);
        let tag = match (name, parent) {
            ("p", _) => Tag::P,
            ("pPr", Some(Tag::P)) => Tag::PPr,
            ("numPr", Some(Tag::PPr)) => Tag::NumPr,
            ("r", _) => Tag::R,
            ("rPr", Some(Tag::R)) => Tag::RPr,
            ("t", Some(Tag::R)) => Tag::T,
            ("tbl", _) => Tag::Tbl,
            ("tr", _) => Tag::Tr,
            ("trPr", Some(Tag::Tr)) => Tag::TrPr,
            ("tc", _) => Tag::Tc,
            ("tcPr", Some(Tag::Tc)) => Tag::TcPr,
            _ => Tag::Other,
        };
        match tag {
            Tag::P => {
                self.budget.paragraph()?;
                self.frames.push(Frame::Para(ParaBuilder::default()));
            }
            Tag::R => self.runs.push(false),
            Tag::Tbl => self.frames.push(Frame::Table(TableBuilder::default())),
            Tag::Tr => {
                if let Some(Frame::Table(t)) = self.frames.last_mut() {
                    t.end_row(&mut self.cells)?;
                    t.row = Some(RowBuilder::default());
                }
            }
            Tag::Tc => {
                self.budget.cells(1)?;
                if let Some(row) = self.row() {
                    if let Some(cell) = row.cell.take() {
                        row.cells.push(cell);
                    }
                    row.cell = Some(CellBuilder::new());
                }
            }
            Tag::Other => self.property(name, e, parent, grandparent)?,
            _ => {}
        }
        if empty {
            self.close(tag)
        } else {
            // too deep is a damaged document, as it always was, at the configured depth
            if self
                .budget
                .count(Limit::Depth, self.path.len() + 1)
                .is_err()
            {
                return Err(PartError::Invalid(format!(
                    "elements are nested more than {} deep",
                    self.budget.limits.depth
                )));
            }
            self.path.push(tag);
            Ok(())
        }
    }

    /// An element that is a property or a piece of a run's content.
    fn property(
        &mut self,
        name: &str,
        e: &BytesStart,
        parent: Option<Tag>,
        gp: Option<Tag>,
    ) -> Result<(), PartError> {
        let int = || val(e).and_then(|v| v.trim().parse::<i64>().ok());
        match (parent, name) {
            (Some(Tag::PPr), "pStyle") => {
                if let Some(p) = self.para() {
                    p.style = val(e);
                }
            }
            (Some(Tag::PPr), "outlineLvl") => {
                let level = int().and_then(|v| u8::try_from(v).ok());
                if let Some(p) = self.para() {
                    p.outline = level;
                }
            }
            (Some(Tag::NumPr), "numId") => {
                if let Some(p) = self.para() {
                    p.num_id = int();
                }
            }
            (Some(Tag::NumPr), "ilvl") => {
                let level = int().and_then(|v| u8::try_from(v).ok());
                if let Some(p) = self.para() {
                    p.ilvl = level;
                }
            }
            (Some(Tag::RPr), "vanish" | "webHidden") if gp == Some(Tag::R) => {
                if let Some(hidden) = self.runs.last_mut() {
                    *hidden = on_off(e);
                }
            }
            (Some(Tag::R), "tab" | "ptab") => self.push_run_text("\t")?,
            (Some(Tag::R), "br" | "cr") => self.push_run_text("\n")?,
            (Some(Tag::R), "noBreakHyphen") => self.push_run_text("-")?,
            (Some(Tag::TrPr), "tblHeader") => {
                if let Some(row) = self.row() {
                    row.header = on_off(e);
                }
            }
            (Some(Tag::TrPr), "gridBefore" | "gridAfter") => {
                let n = int().and_then(|v| usize::try_from(v).ok()).unwrap_or(0);
                if let Some(row) = self.row() {
                    if name == "gridBefore" {
                        row.grid_before = n;
                    } else {
                        row.grid_after = n;
                    }
                }
            }
            (Some(Tag::TcPr), "gridSpan") => {
                let n = int().and_then(|v| usize::try_from(v).ok()).unwrap_or(1);
                if let Some(cell) = self.cell() {
                    cell.span = n.max(1);
                }
            }
            (Some(Tag::TcPr), "vMerge" | "hMerge") => {
                let merge = match val(e).as_deref() {
                    Some("restart") => Continue::Restart,
                    _ => Continue::Yes,
                };
                if let Some(cell) = self.cell() {
                    if name == "vMerge" {
                        cell.vmerge = merge;
                    } else {
                        cell.hmerge = merge;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn push_run_text(&mut self, s: &str) -> Result<(), PartError> {
        if self.runs.last() != Some(&true) {
            self.push_text(s)?;
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), PartError> {
        if self.skip > 0 {
            self.skip -= 1;
            return Ok(());
        }
        match self.path.pop() {
            Some(tag) => self.close(tag),
            None => Ok(()),
        }
    }

    fn close(&mut self, tag: Tag) -> Result<(), PartError> {
        match tag {
            Tag::P => {
                if let Some(Frame::Para(p)) = self.frames.pop() {
                    self.end_paragraph(p);
                }
            }
            Tag::R => {
                self.runs.pop();
            }
            Tag::Tbl => {
                if let Some(Frame::Table(t)) = self.frames.pop() {
                    let finished = t.finish(&mut self.cells)?;
                    match self.frames.last_mut() {
                        None => push_body_table(&mut self.blocks, &mut self.last_header, finished),
                        Some(_) => self.push_lines(flatten(&finished.table)),
                    }
                }
            }
            Tag::Tr => {
                if let Some(Frame::Table(t)) = self.frames.last_mut() {
                    t.end_row(&mut self.cells)?;
                }
            }
            Tag::Tc => {
                if let Some(Frame::Table(t)) = self.frames.last_mut() {
                    t.end_cell();
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Lines of a paragraph or table inside the innermost open paragraph or cell.
    fn push_lines(&mut self, lines: Vec<String>) {
        match self.frames.last_mut() {
            Some(Frame::Para(p)) => p.inner.extend(lines),
            Some(Frame::Table(t)) => {
                if let Some(cell) = t.cell_mut() {
                    cell.lines.extend(lines);
                }
            }
            None => {}
        }
    }

    fn end_paragraph(&mut self, p: ParaBuilder) {
        let style = self.styles.effective(p.style.as_deref());
        let heading_level = match p.outline {
            Some(o) => heading_from_outline(o),
            None => style.and_then(|s| self.styles.heading_level(s)),
        };
        let numbering = self.number(&p, style);
        let mut text = p.text;
        text.truncate(text.trim_end_matches('\n').len());
        if self.frames.is_empty() {
            if !text.trim().is_empty() || numbering.is_some() {
                self.blocks.push(Block::Paragraph(Paragraph {
                    text,
                    heading_level,
                    numbering: numbering.map(|(n, _)| n),
                }));
            }
            let inner = p.inner.into_iter().filter(|l| !l.trim().is_empty());
            self.blocks
                .extend(inner.map(|l| Block::Paragraph(Paragraph::new(l))));
            return;
        }
        let line = match numbering {
            Some((n, suffix)) => {
                let tight = suffix == Suffix::Nothing
                    || n.ends_with(['、', '.', '．', '）', ')', '。', '：', ':']);
                format!("{n}{}{text}", if tight { "" } else { " " })
            }
            None => text,
        };
        let mut lines = vec![line];
        lines.extend(p.inner);
        self.push_lines(lines);
    }

    /// The paragraph's list number as printed, from its own `w:numPr` or its style's.
    fn number(&mut self, p: &ParaBuilder, style: Option<&str>) -> Option<(String, Suffix)> {
        let (style_num, style_ilvl) = style.map_or((None, None), |s| self.styles.numbering(s));
        let num_id = p.num_id.or(style_num)?;
        if num_id == 0 {
            return None;
        }
        let ilvl = p
            .ilvl
            .or(style_ilvl)
            .map(usize::from)
            .or_else(|| style.and_then(|s| self.numbering.level_for_style(num_id, s)))
            .unwrap_or(0);
        if ilvl >= LEVELS {
            return None;
        }
        let (text, suffix) = self.numbering.next(&mut self.counters, num_id, ilvl)?;
        (!text.trim().is_empty()).then_some((text, suffix))
    }
}
