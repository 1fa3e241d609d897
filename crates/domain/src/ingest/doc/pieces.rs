//! The piece table ([MS-DOC] 2.9.38 Clx, 2.8.35 PlcPcd): where each run of the document's
//! characters is stored in the WordDocument stream, and whether as 8-bit "compressed" text or as
//! UTF-16LE. Chinese text is always in UTF-16 pieces.

use super::fib::{u16_at, u32_at};

/// One piece: characters `cp..cp_end` stored from byte `fc` of the WordDocument stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece {
    pub cp: u32,
    pub cp_end: u32,
    pub fc: u32,
    pub compressed: bool,
    /// The piece's Prm: with bit 0 set, bits 1–15 index the Clx's Prc grpprls.
    pub prm: u16,
}

/// A character of the text: its UTF-16 code unit and where it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Char {
    pub unit: u16,
    /// Byte offset of the character in the WordDocument stream.
    pub fc: u32,
    /// Bytes it takes there (1 or 2).
    pub width: u32,
    /// Its piece's Prm.
    pub prm: u16,
}

/// The pieces, and the Prc grpprls before them (sprms a piece's Prm1 applies to its text).
pub(super) type Clx<'a> = (Vec<Piece>, Vec<&'a [u8]>);

/// Reads a Clx: the Prc (property) entries, then the Pcdt.
pub(super) fn parse(clx: &[u8]) -> Result<Clx<'_>, &'static str> {
    let mut at = 0usize;
    let mut prcs = Vec::new();
    // the Prc entries: clxt 0x01, cbGrpprl (i16), grpprl; each moves `at` forward
    while clx.get(at) == Some(&0x01) {
        let cb = u16_at(clx, at + 1).ok_or("the piece table is cut short")?;
        let cb = usize::from(cb).min(0x3FA2);
        let grpprl = clx
            .get(at + 3..at + 3 + cb)
            .ok_or("the piece table is cut short")?;
        prcs.push(grpprl);
        at = at.saturating_add(3 + cb);
    }
    if clx.get(at) != Some(&0x02) {
        return Err("the piece table is missing");
    }
    let lcb = u32_at(clx, at + 1).ok_or("the piece table is cut short")?;
    let plc = clx
        .get(at + 5..)
        .and_then(|rest| rest.get(..usize::try_from(lcb).ok()?))
        .ok_or("the piece table is cut short")?;
    if plc.len() < 4 || (plc.len() - 4) % 12 != 0 {
        return Err("the piece table has a wrong length");
    }
    let n = (plc.len() - 4) / 12;
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        let (Some(cp), Some(cp_end)) = (u32_at(plc, i * 4), u32_at(plc, i * 4 + 4)) else {
            return Err("the piece table is cut short");
        };
        if cp_end <= cp || pieces.last().is_some_and(|p: &Piece| p.cp_end != cp) {
            return Err("the piece table's positions do not follow each other");
        }
        let pcd = (n + 1) * 4 + i * 8;
        let raw = u32_at(plc, pcd + 2).ok_or("the piece table is cut short")?;
        let prm = u16_at(plc, pcd + 6).ok_or("the piece table is cut short")?;
        let compressed = raw & 0x4000_0000 != 0;
        let fc = raw & 0x3FFF_FFFF;
        pieces.push(Piece {
            cp,
            cp_end,
            fc: if compressed { fc / 2 } else { fc },
            compressed,
            prm,
        });
    }
    Ok((pieces, prcs))
}

/// The characters `0..ccp` of the text, in order, each read from its piece. Stops at the end of
/// the pieces or of `ccp`. Fails when a piece points outside the stream, or when the pieces
/// would give more characters than the stream has bytes (pieces that overlap or repeat): the
/// work is bounded by the stream's size whatever the table says.
pub(super) fn chars<'a>(
    word: &'a [u8],
    pieces: &'a [Piece],
    ccp: u32,
) -> impl Iterator<Item = Result<Char, &'static str>> + 'a {
    let mut budget = word.len();
    pieces
        .iter()
        .take_while(move |p| p.cp < ccp)
        .flat_map(move |p| {
            let count = p.cp_end.min(ccp) - p.cp;
            let width = if p.compressed { 1u32 } else { 2 };
            (0..count).map(move |k| (p, width, k))
        })
        .map(move |(p, width, k)| {
            if budget == 0 {
                return Err("the piece table gives more text than the file holds");
            }
            budget -= 1;
            let fc = k
                .checked_mul(width)
                .and_then(|o| o.checked_add(p.fc))
                .ok_or("a piece lies outside the file")?;
            let at = usize::try_from(fc).map_err(|_| "a piece lies outside the file")?;
            let unit = if p.compressed {
                word.get(at).map(|&b| compressed(b))
            } else {
                u16_at(word, at)
            };
            let unit = unit.ok_or("a piece lies outside the file")?;
            Ok(Char {
                unit,
                fc,
                width,
                prm: p.prm,
            })
        })
}

/// An 8-bit character of a compressed piece ([MS-DOC] 2.4.1: cp1252's letters in 0x80–0x9F).
fn compressed(b: u8) -> u16 {
    match b {
        0x82 => 0x201A,
        0x83 => 0x0192,
        0x84 => 0x201E,
        0x85 => 0x2026,
        0x86 => 0x2020,
        0x87 => 0x2021,
        0x88 => 0x02C6,
        0x89 => 0x2030,
        0x8A => 0x0160,
        0x8B => 0x2039,
        0x8C => 0x0152,
        0x91 => 0x2018,
        0x92 => 0x2019,
        0x93 => 0x201C,
        0x94 => 0x201D,
        0x95 => 0x2022,
        0x96 => 0x2013,
        0x97 => 0x2014,
        0x98 => 0x02DC,
        0x99 => 0x2122,
        0x9A => 0x0161,
        0x9B => 0x203A,
        0x9C => 0x0153,
        0x9F => 0x0178,
        _ => u16::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clx(cps: &[u32], pcds: &[(u32, bool)]) -> Vec<u8> {
        let mut plc = Vec::new();
        for cp in cps {
            plc.extend(cp.to_le_bytes());
        }
        for &(fc, compressed) in pcds {
            plc.extend([0, 0]);
            let raw = if compressed {
                (fc * 2) | 0x4000_0000
            } else {
                fc
            };
            plc.extend(raw.to_le_bytes());
            plc.extend([0, 0]);
        }
        let mut out = vec![0x01, 2, 0, 0xAA, 0xBB, 0x02];
        out.extend(u32::try_from(plc.len()).unwrap().to_le_bytes());
        out.extend(plc);
        out
    }

    #[test]
    fn compressed_and_utf16_pieces_read_in_order() {
        let mut word = b"ab".to_vec();
        word.extend("中文".encode_utf16().flat_map(u16::to_le_bytes));
        let table = clx(&[0, 2, 4], &[(0, true), (2, false)]);
        let (pieces, prcs) = parse(&table).unwrap();
        assert_eq!(prcs, vec![&[0xAA, 0xBB][..]]);
        let text: Vec<u16> = chars(&word, &pieces, 4).map(|c| c.unwrap().unit).collect();
        assert_eq!(String::from_utf16(&text).unwrap(), "ab中文");
        // ccp shorter than the pieces stops there
        assert_eq!(chars(&word, &pieces, 3).count(), 3);
    }

    #[test]
    fn lying_pieces_fail_cleanly() {
        assert!(parse(&clx(&[0, 5, 3], &[(0, true), (0, true)])).is_err());
        let word = b"abc".to_vec();
        let (pieces, _) = parse(&clx(&[0, 1_000_000], &[(0, true)])).unwrap();
        let r: Result<Vec<_>, _> = chars(&word, &pieces, u32::MAX).collect();
        assert!(r.is_err());
        assert!(parse(&[0x02, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
        assert!(parse(&[0x01, 0xFF]).is_err());
    }
}
