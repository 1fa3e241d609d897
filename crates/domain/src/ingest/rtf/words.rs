//! RTF control words: what each does to the text, the paragraph, the row definition or the
//! font table and style sheet being read.

use crate::ingest::doc::props::{CellDef, RowDef};
use crate::ingest::docx::xml::PartError;
use crate::ingest::limits::Budget;

use super::body::{Body, Dest, Group, MAX_TABLE};
use super::tables::twips;

/// Destinations whose text is not the document's.
const SKIPPED: &[&str] = &[
    "colortbl",
    "info",
    "pict",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "footnote",
    "annotation",
    "fldinst",
    "xe",
    "tc",
    "txe",
    "shprslt",
    "nonshppict",
    "nonesttables",
    "listtext",
    "pntext",
    "pntxta",
    "pntxtb",
    "ftnsep",
    "ftnsepc",
    "ftncn",
    "aftnsep",
    "aftnsepc",
    "aftncn",
    "objdata",
    "datafield",
    "themedata",
];
impl Body {
    pub(super) fn word(
        &mut self,
        w: &str,
        n: Option<i32>,
        group: &mut Group,
        starts_group: bool,
        budget: &mut Budget,
    ) -> Result<(), PartError> {
        let num = n.unwrap_or(0);
        if starts_group && SKIPPED.contains(&w) {
            group.dest = Dest::Skip;
            return Ok(());
        }
        if w == "nestrow" {
            // a nested row ends inside its {\*\nesttableprops} definition
            self.table.end_inner_row();
            return Ok(());
        }
        if group.dest == Dest::Skip {
            return Ok(());
        }
        match (w, group.dest) {
            ("fonttbl", _) => group.dest = Dest::Fonts,
            ("stylesheet", _) => group.dest = Dest::Styles,
            ("f", Dest::Fonts) => self.entry.0 = Some(num),
            ("fcharset", Dest::Fonts) => {
                if let Some(f) = self.entry.0.filter(|_| self.fonts.len() < MAX_TABLE) {
                    self.fonts.insert(f, u32::try_from(num).unwrap_or(0));
                }
            }
            ("s", Dest::Styles) => self.entry.0 = Some(num),
            ("outlinelevel", Dest::Styles) => {
                self.entry.2 = u8::try_from(num).ok().filter(|l| *l < 9).map(|l| l + 1);
            }
            (_, Dest::Fonts | Dest::Styles) => {}
            ("ansicpg", _) => self.codepage = u32::try_from(num).unwrap_or(1252),
            ("f", _) => {
                self.flush(*group, budget)?;
                group.font = Some(num);
            }
            ("uc", _) => group.uc = usize::try_from(num).unwrap_or(1).min(8),
            ("u", _) => {
                self.flush_bytes(*group, budget)?;
                self.units.push(num as i16 as u16);
                self.skip = group.uc;
            }
            ("par", _) => {
                self.flush(*group, budget)?;
                self.end_paragraph(budget, false)?;
            }
            ("pard", _) => {
                self.intbl = false;
                self.itap = 1;
                self.style = 0;
                self.outline = None;
            }
            ("intbl", _) => self.intbl = true,
            ("itap", _) => self.itap = num,
            ("s", _) => self.style = num,
            ("outlinelevel", _) => self.outline = u8::try_from(num).ok().filter(|l| *l < 9),
            ("tab", _) => self.text("\t", *group, budget)?,
            ("line", _) => self.text("\n", *group, budget)?,
            ("emdash", _) => self.text("\u{2014}", *group, budget)?,
            ("endash", _) => self.text("\u{2013}", *group, budget)?,
            ("lquote", _) => self.text("\u{2018}", *group, budget)?,
            ("rquote", _) => self.text("\u{2019}", *group, budget)?,
            ("ldblquote", _) => self.text("\u{201C}", *group, budget)?,
            ("rdblquote", _) => self.text("\u{201D}", *group, budget)?,
            ("bullet", _) => self.text("\u{2022}", *group, budget)?,
            ("trowd", _) => {
                self.def = RowDef::default();
                self.cell_def = CellDef::default();
            }
            ("trleft", _) if self.def.centers.is_empty() => self.def.centers.push(twips(num)),
            ("trhdr", _) => self.def.header = true,
            ("clmrg", _) => self.cell_def.merged = true,
            ("clvmgf", _) => self.cell_def.vert = 1,
            ("clvmrg", _) => self.cell_def.vert = 2,
            ("cellx", _) if self.def.cells.len() < super::MAX_ROW_CELLS => {
                if self.def.centers.is_empty() {
                    self.def.centers.push(0);
                }
                self.def.centers.push(twips(num));
                self.def.cells.push(std::mem::take(&mut self.cell_def));
            }
            ("cell", _) | ("nestcell", _) | ("nestrow", _) | ("row", _) => {
                self.flush(*group, budget)?;
                self.table_mark(w, budget)?;
            }
            _ => {}
        }
        Ok(())
    }
}
