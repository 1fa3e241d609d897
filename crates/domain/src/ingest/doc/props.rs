//! Paragraph properties from the PAPX FKPs ([MS-DOC] 2.8.17 PlcBtePapx, 2.9.175 PapxFkp) and
//! the sprms in them that say whether a paragraph is in a table, ends a table row, and how the
//! row's cells lie (sprmTDefTable, sprmTVertMerge, sprmTMerge).

use super::fib::{u16_at, u32_at};
use super::sprms::Sprms;

const PAGE: usize = 512;

const SPRM_P_F_IN_TABLE: u16 = 0x2416;
const SPRM_P_F_TTP: u16 = 0x2417;
const SPRM_P_ITAP: u16 = 0x6649;
const SPRM_P_F_INNER_TABLE_CELL: u16 = 0x244B;
const SPRM_P_F_INNER_TTP: u16 = 0x244C;
const SPRM_P_OUT_LVL: u16 = 0x2640;
pub(super) const SPRM_T_DEF_TABLE: u16 = 0xD608;
const SPRM_T_VERT_MERGE: u16 = 0xD62B;
const SPRM_T_MERGE: u16 = 0x5624;
const SPRM_T_TABLE_HEADER: u16 = 0x3404;
const SPRM_P_HUGE_PAPX: u16 = 0x6646;

/// More cells than this in a row's definition are not read (Word allows 63).
pub(super) const MAX_ROW_CELLS: usize = 64;

/// How a cell takes part in a merge, from the row's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(in crate::ingest) struct CellDef {
    /// The cell continues the one to its left (TC80 fMerged).
    pub merged: bool,
    /// 0 none, 1 first cell of a vertical merge, 2 continues the cell above.
    pub vert: u8,
}

/// A row's definition (the TAP of its row-end mark).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(in crate::ingest) struct RowDef {
    /// Cell boundaries in twips: `centers[i]..centers[i+1]` is cell `i`.
    pub centers: Vec<i16>,
    pub cells: Vec<CellDef>,
    pub header: bool,
}

/// What matters of a paragraph's properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Para {
    pub istd: u16,
    /// Table depth: 0 outside tables (sprmPItap, else 1 for sprmPFInTable).
    pub depth: u32,
    /// The paragraph is the row-end mark of a depth-1 row.
    pub ttp: bool,
    pub inner_cell: bool,
    pub inner_ttp: bool,
    pub outline: Option<u8>,
    pub row: Option<RowDef>,
}

/// Paragraph properties by the byte range (in the WordDocument stream) of the paragraphs whose
/// marks they apply to, sorted by start.
#[derive(Debug, Default)]
pub(super) struct Props {
    runs: Vec<(u32, u32, Para)>,
}

impl Props {
    /// Reads the PlcBtePapx (from the table stream) and the FKP pages it names (from the
    /// WordDocument stream). A table naming more pages than the stream has is refused, so the
    /// work is bounded by the stream's size.
    pub(super) fn parse(plc: &[u8], word: &[u8], data: &[u8]) -> Result<Props, &'static str> {
        if plc.len() < 4 || (plc.len() - 4) % 8 != 0 {
            return Ok(Props::default());
        }
        let n = (plc.len() - 4) / 8;
        if n > word.len() / PAGE {
            return Err("the paragraph properties name more pages than the file has");
        }
        let mut runs = Vec::new();
        let mut huge_left = data.len().saturating_mul(4).saturating_add(1 << 20);
        for i in 0..n {
            let pn = u32_at(plc, (n + 1) * 4 + i * 4).ok_or("paragraph properties cut short")?;
            let at = usize::try_from(pn & 0x003F_FFFF).map_err(|_| "bad page")? * PAGE;
            let page = word
                .get(at..at + PAGE)
                .ok_or("the paragraph properties point outside the file")?;
            read_fkp(page, data, &mut huge_left, &mut runs);
        }
        runs.sort_by_key(|r| r.0);
        Ok(Props { runs })
    }

    /// The properties of the paragraph whose mark is stored at `fc`.
    pub(super) fn at(&self, fc: u32) -> Option<&Para> {
        let i = self.runs.partition_point(|r| r.0 <= fc);
        let (start, end, para) = self.runs.get(i.checked_sub(1)?)?;
        (*start <= fc && fc < *end).then_some(para)
    }

    /// Whether a run of paragraphs ends right after `fc` + `width`: a mark there ends a
    /// paragraph (for a section or page break character).
    pub(super) fn ends_at(&self, end: u32) -> bool {
        let i = self.runs.partition_point(|r| r.1 < end);
        self.runs.get(i).is_some_and(|r| r.1 == end)
    }
}

fn read_fkp(page: &[u8], data: &[u8], huge_left: &mut usize, runs: &mut Vec<(u32, u32, Para)>) {
    let crun = usize::from(page[PAGE - 1]);
    // rgfc (crun + 1) and rgbx (13 bytes each) must fit before the last byte
    if crun == 0 || (crun + 1) * 4 + crun * 13 > PAGE - 1 {
        return;
    }
    for i in 0..crun {
        let (Some(start), Some(end)) = (u32_at(page, i * 4), u32_at(page, i * 4 + 4)) else {
            return;
        };
        if end <= start {
            continue;
        }
        let b_offset = usize::from(page[(crun + 1) * 4 + i * 13]) * 2;
        let para = if b_offset == 0 {
            Para::default()
        } else {
            papx(page, b_offset, data, huge_left).unwrap_or_default()
        };
        runs.push((start, end, para));
    }
}

/// A PapxInFkp: its istd and sprms. A sprmPHugePapx among them brings in the sprms kept in the
/// Data stream (Word and LibreOffice put a long row definition there).
fn papx(page: &[u8], at: usize, data: &[u8], huge_left: &mut usize) -> Option<Para> {
    let cb = usize::from(*page.get(at)?);
    let (start, len) = if cb == 0 {
        (at + 2, usize::from(*page.get(at + 1)?) * 2)
    } else {
        (at + 1, cb * 2 - 1)
    };
    let bytes = page.get(start..(start + len).min(PAGE - 1))?;
    let mut state = State {
        para: Para {
            istd: u16_at(bytes, 0)?,
            ..Para::default()
        },
        ..State::default()
    };
    for (sprm, op) in Sprms::new(bytes.get(2..)?) {
        if sprm != SPRM_P_HUGE_PAPX {
            state.apply(sprm, op);
            continue;
        }
        // PrcData: cbGrpprl (u16) and the grpprl, at the operand's offset in the Data stream
        let Some(grpprl) = u32_at(op, 0)
            .and_then(|fc| usize::try_from(fc).ok())
            .and_then(|fc| {
                let len = usize::from(u16_at(data, fc)?);
                data.get(fc + 2..fc + 2 + len)
            })
        else {
            continue;
        };
        // the same bytes named again and again would be read again and again: a bound
        *huge_left = huge_left.checked_sub(grpprl.len())?;
        for (sprm, op) in Sprms::new(grpprl) {
            state.apply(sprm, op);
        }
    }
    state.para.depth = state.itap.unwrap_or(u32::from(state.in_table));
    if state.has_row {
        state.para.row = Some(state.row);
    }
    Some(state.para)
}

/// `para` with the sprms of `grpprl` applied after its own (a piece's Prm1: Word's fast save
/// keeps property changes there).
pub(super) fn with_sprms(para: &Para, grpprl: &[u8]) -> Para {
    let mut state = State {
        para: para.clone(),
        in_table: para.depth > 0,
        itap: (para.depth > 1).then_some(para.depth),
        has_row: para.row.is_some(),
        row: para.row.clone().unwrap_or_default(),
    };
    for (sprm, op) in Sprms::new(grpprl) {
        state.apply(sprm, op);
    }
    state.para.depth = state.itap.unwrap_or(u32::from(state.in_table));
    state.para.row = state.has_row.then_some(state.row);
    state.para
}

/// A paragraph's properties as its sprms are applied.
#[derive(Default)]
struct State {
    para: Para,
    in_table: bool,
    itap: Option<u32>,
    row: RowDef,
    has_row: bool,
}

impl State {
    fn apply(&mut self, sprm: u16, op: &[u8]) {
        let byte = op.first().copied().unwrap_or(0);
        let (para, row) = (&mut self.para, &mut self.row);
        match sprm {
            SPRM_P_F_IN_TABLE => self.in_table = byte != 0,
            SPRM_P_F_TTP => para.ttp = byte != 0,
            SPRM_P_ITAP => self.itap = u32_at(op, 0),
            SPRM_P_F_INNER_TABLE_CELL => para.inner_cell = byte != 0,
            SPRM_P_F_INNER_TTP => para.inner_ttp = byte != 0,
            SPRM_P_OUT_LVL => para.outline = Some(byte),
            SPRM_T_TABLE_HEADER => row.header = byte != 0,
            SPRM_T_DEF_TABLE => {
                self.has_row = true;
                def_table(op, row);
            }
            SPRM_T_VERT_MERGE => {
                // cb (2), itc, flags: 1 first cell, 3 continues
                if let (Some(&itc), Some(&flags)) = (op.get(1), op.get(2)) {
                    if let Some(cell) = row.cells.get_mut(usize::from(itc)) {
                        cell.vert = match flags {
                            1 => 1,
                            0 => 0,
                            _ => 2,
                        };
                    }
                }
            }
            SPRM_T_MERGE => {
                if let (Some(&first), Some(&lim)) = (op.first(), op.get(1)) {
                    let lim = usize::from(lim).min(row.cells.len());
                    for cell in row.cells.iter_mut().take(lim).skip(usize::from(first) + 1) {
                        cell.merged = true;
                    }
                }
            }
            _ => {}
        }
    }
}

/// sprmTDefTable's operand: cb (u16), itcMac, rgdxaCenter (itcMac + 1 i16), rgTc80 (20 bytes
/// each, as many as were written).
fn def_table(op: &[u8], row: &mut RowDef) {
    let Some(&itc_mac) = op.get(2) else {
        return;
    };
    let itc_mac = usize::from(itc_mac).min(MAX_ROW_CELLS);
    row.centers = (0..=itc_mac)
        .map_while(|i| u16_at(op, 3 + i * 2).map(|v| v as i16))
        .collect();
    let tcs = 3 + (itc_mac + 1) * 2;
    row.cells = (0..itc_mac)
        .map(|i| {
            let tcgrf = u16_at(op, tcs + i * 20).unwrap_or(0);
            CellDef {
                merged: tcgrf & 0x0002 != 0,
                vert: match (tcgrf & 0x0020 != 0, tcgrf & 0x0040 != 0) {
                    (true, true) => 1,
                    (true, false) => 2,
                    _ => 0,
                },
            }
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sprms_of_each_size_are_walked() {
        // sprmPFInTable 1, sprmPItap 1, sprmTDefTable with 2 cells, one TC80 with fMerged
        let mut g = vec![0x16, 0x24, 1, 0x49, 0x66, 1, 0, 0, 0];
        let mut def = vec![2u8];
        for c in [0i16, 1000, 2000] {
            def.extend(c.to_le_bytes());
        }
        def.extend([0u8; 20]);
        def.extend([0x02, 0]);
        def.extend([0u8; 18]);
        g.extend([0x08, 0xD6]);
        g.extend(u16::try_from(def.len() + 1).unwrap().to_le_bytes());
        g.extend(&def);
        let sprms: Vec<u16> = Sprms::new(&g).map(|s| s.0).collect();
        assert_eq!(sprms, vec![0x2416, 0x6649, 0xD608]);
        let mut row = RowDef::default();
        let op = Sprms::new(&g).nth(2).unwrap().1;
        def_table(op, &mut row);
        assert_eq!(row.centers, vec![0, 1000, 2000]);
        assert_eq!(
            row.cells[1],
            CellDef {
                merged: true,
                vert: 0
            }
        );
    }

    #[test]
    fn a_page_count_beyond_the_stream_is_refused() {
        let plc = [0u8; 4 + 8 * 3];
        assert!(Props::parse(&plc, &[0u8; 512], &[]).is_err());
        assert!(Props::parse(&plc, &[0u8; 2048], &[]).is_ok());
    }
}
