//! A grpprl walked sprm by sprm, each with its operand ([MS-DOC] 2.2.5.1: the operand's size
//! follows from the sprm's spra bits, a few variable-length sprms carry their own size).

use super::fib::u16_at;
use super::props::SPRM_T_DEF_TABLE;

const SPRM_P_CHG_TABS: u16 = 0xC615;

/// The sprms of a grpprl with their operands ([MS-DOC] 2.2.5.1 Sprm.spra).
pub(super) struct Sprms<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Sprms<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Sprms { bytes, at: 0 }
    }
}

impl<'a> Iterator for Sprms<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let sprm = u16_at(self.bytes, self.at)?;
        let op_at = self.at + 2;
        let len = match sprm >> 13 {
            0 | 1 => 1,
            2 | 4 | 5 => 2,
            3 => 4,
            7 => 3,
            _ => match sprm {
                SPRM_T_DEF_TABLE => usize::from(u16_at(self.bytes, op_at)?) + 1,
                SPRM_P_CHG_TABS if self.bytes.get(op_at) == Some(&255) => {
                    let del = usize::from(*self.bytes.get(op_at + 1)?);
                    let add_at = op_at + 2 + del * 4;
                    let add = usize::from(*self.bytes.get(add_at)?);
                    add_at + 1 + add * 3 - op_at
                }
                _ => usize::from(*self.bytes.get(op_at)?) + 1,
            },
        };
        let end = op_at.checked_add(len)?;
        let op = self.bytes.get(op_at..end.min(self.bytes.len()))?;
        self.at = end;
        Some((sprm, op))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_operand_ends_the_walk() {
        // sprmPItap wants 4 bytes, 2 are there
        assert_eq!(Sprms::new(&[0x16, 0x24, 1, 0x49, 0x66, 1, 0]).count(), 2);
        // sprmTDefTable whose size runs past the end
        let walked: Vec<(u16, usize)> = Sprms::new(&[0x08, 0xD6, 0xFF, 0xFF, 1])
            .map(|(s, o)| (s, o.len()))
            .collect();
        assert_eq!(walked, vec![(0xD608, 3)]);
        assert_eq!(Sprms::new(&[0x15, 0xC6, 255, 200]).count(), 0);
    }
}
