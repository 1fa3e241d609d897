//! The File Information Block at the start of the WordDocument stream ([MS-DOC] 2.5): which
//! table stream holds the tables, whether the file is encrypted, how long the main text is and
//! where the piece table, the paragraph properties and the style sheet are.

/// Word 97 and later (nFib 0x00C1); Word 6/95 files have a different layout.
const NFIB_97: u16 = 0x00C1;
const W_IDENT: u16 = 0xA5EC;

/// What is taken from the FIB.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fib {
    pub encrypted: bool,
    /// The table stream is 1Table (else 0Table).
    pub table_1: bool,
    /// Characters of the main document (the body; footnotes, headers … follow it).
    pub ccp_text: u32,
    /// (offset, length) in the table stream.
    pub clx: (u32, u32),
    pub plcf_bte_papx: (u32, u32),
    pub stshf: (u32, u32),
}

/// Why the FIB could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum FibError {
    /// Not a Word document's FIB at all.
    NotWord,
    /// A Word 6 / Word 95 document (nFib below Word 97's).
    Old(u16),
    /// Cut short or inconsistent.
    Damaged(&'static str),
}

pub(super) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Index of each FibRgFcLcb97 pair used ([MS-DOC] 2.5.6).
const STSHF: usize = 1;
const PLCF_BTE_PAPX: usize = 13;
const CLX: usize = 33;

impl Fib {
    pub(super) fn parse(word: &[u8]) -> Result<Fib, FibError> {
        let damaged = FibError::Damaged;
        let ident = u16_at(word, 0).ok_or(FibError::NotWord)?;
        if ident != W_IDENT {
            return Err(FibError::NotWord);
        }
        let nfib = u16_at(word, 2).ok_or(damaged("the FIB is cut short"))?;
        let flags = u16_at(word, 0x0A).ok_or(damaged("the FIB is cut short"))?;
        // fEncrypted (0x0100) or fObfuscated (0x8000, XOR obfuscation, which sets both)
        let encrypted = flags & 0x0100 != 0 || flags & 0x8000 != 0;
        let table_1 = flags & 0x0200 != 0;
        if encrypted {
            // the rest of the FIB may be unreadable; nothing more is needed
            return Ok(Fib {
                encrypted,
                table_1,
                ccp_text: 0,
                clx: (0, 0),
                plcf_bte_papx: (0, 0),
                stshf: (0, 0),
            });
        }
        if nfib < NFIB_97 {
            return Err(FibError::Old(nfib));
        }
        // FibBase is 32 bytes; then csw, fibRgW (csw u16), cslw, fibRgLw (cslw u32), cbRgFcLcb
        // and the pairs.
        let csw = usize::from(u16_at(word, 32).ok_or(damaged("the FIB is cut short"))?);
        let lw_at = 34 + csw * 2;
        let cslw = usize::from(u16_at(word, lw_at).ok_or(damaged("the FIB is cut short"))?);
        let rg_lw = lw_at + 2;
        if cslw < 4 {
            return Err(damaged("the FIB has no text length"));
        }
        let ccp_text = u32_at(word, rg_lw + 12).ok_or(damaged("the FIB is cut short"))?;
        let fc_at = rg_lw + cslw * 4;
        let cb_rg_fc_lcb = usize::from(u16_at(word, fc_at).ok_or(damaged("the FIB is cut short"))?);
        if cb_rg_fc_lcb <= CLX {
            return Err(damaged("the FIB has no piece table"));
        }
        let pairs = fc_at + 2;
        let pair = |i: usize| -> Result<(u32, u32), FibError> {
            let at = pairs + i * 8;
            match (u32_at(word, at), u32_at(word, at + 4)) {
                (Some(fc), Some(lcb)) => Ok((fc, lcb)),
                _ => Err(damaged("the FIB is cut short")),
            }
        };
        Ok(Fib {
            encrypted,
            table_1,
            ccp_text,
            clx: pair(CLX)?,
            plcf_bte_papx: pair(PLCF_BTE_PAPX)?,
            stshf: pair(STSHF)?,
        })
    }
}

/// The bytes `(offset, length)` of `stream`, if they are inside it.
pub(super) fn slice(stream: &[u8], (fc, lcb): (u32, u32)) -> Option<&[u8]> {
    let start = usize::try_from(fc).ok()?;
    let end = start.checked_add(usize::try_from(lcb).ok()?)?;
    stream.get(start..end)
}
