//! .doc files built byte by byte (a FIB, a piece table, an FKP) in a compound file written
//! with `cfb`: the structures a hostile file would lie in, each lie answered in bounded time.

use std::io::Write;

use super::*;
use crate::ingest::document::{Block, Cell};

/// Where the parts go in the WordDocument stream.
const TEXT_AT: u32 = 1024;
const FKP_PAGE: u32 = 3;

/// A compound file with a WordDocument stream (`fib` patched over a Word 97 FIB) and a 0Table.
fn compound(word: &[u8], table: &[u8]) -> Vec<u8> {
    let mut cfb = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    cfb.create_stream("/WordDocument")
        .unwrap()
        .write_all(word)
        .unwrap();
    cfb.create_stream("/0Table")
        .unwrap()
        .write_all(table)
        .unwrap();
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// A Word 97 FIB for `ccp` characters, the CLX and PlcBtePapx at the given places of 0Table.
fn fib(ccp: u32, clx: (u32, u32), papx: (u32, u32)) -> Vec<u8> {
    let mut w = vec![0u8; 4096];
    w[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
    w[2..4].copy_from_slice(&0x00C1u16.to_le_bytes());
    w[32..34].copy_from_slice(&14u16.to_le_bytes());
    w[62..64].copy_from_slice(&22u16.to_le_bytes());
    put_u32(&mut w, 64 + 12, ccp);
    w[152..154].copy_from_slice(&93u16.to_le_bytes());
    put_u32(&mut w, 154 + 33 * 8, clx.0);
    put_u32(&mut w, 154 + 33 * 8 + 4, clx.1);
    put_u32(&mut w, 154 + 13 * 8, papx.0);
    put_u32(&mut w, 154 + 13 * 8 + 4, papx.1);
    w
}

/// A Pcdt of pieces (cp, cp_end, fc of UTF-16 text).
fn clx(pieces: &[(u32, u32, u32)]) -> Vec<u8> {
    let with: Vec<(u32, u32, u32, u16)> = pieces.iter().map(|p| (p.0, p.1, p.2, 0)).collect();
    clx_with(&[], &with)
}

/// A Clx of Prc grpprls and pieces (cp, cp_end, fc of UTF-16 text, prm).
fn clx_with(prcs: &[&[u8]], pieces: &[(u32, u32, u32, u16)]) -> Vec<u8> {
    let mut plc = Vec::new();
    for p in pieces {
        plc.extend(p.0.to_le_bytes());
    }
    plc.extend(pieces.last().map_or(0, |p| p.1).to_le_bytes());
    for p in pieces {
        plc.extend([0, 0]);
        plc.extend(p.2.to_le_bytes());
        plc.extend(p.3.to_le_bytes());
    }
    let mut out = Vec::new();
    for g in prcs {
        out.push(0x01);
        out.extend(u16::try_from(g.len()).unwrap().to_le_bytes());
        out.extend(*g);
    }
    out.push(0x02);
    out.extend(u32::try_from(plc.len()).unwrap().to_le_bytes());
    out.extend(plc);
    out
}

/// An FKP page giving every paragraph mark in `runs` (fc ranges) the sprms `grpprl`.
fn fkp(runs: &[(u32, u32, &[u8])]) -> Vec<u8> {
    let mut page = vec![0u8; 512];
    let crun = runs.len();
    for (i, r) in runs.iter().enumerate() {
        put_u32(&mut page, i * 4, r.0);
        put_u32(&mut page, i * 4 + 4, r.1);
    }
    let mut at = 511;
    for (i, r) in runs.iter().enumerate() {
        // PapxInFkp: cb, istd (2), grpprl; at an even offset
        let len = 2 + r.2.len();
        let cb = len.div_ceil(2);
        at = (at - 1 - cb * 2) & !1;
        page[at] = 0;
        page[at + 1] = u8::try_from(cb).unwrap();
        page[at + 4..at + 4 + r.2.len()].copy_from_slice(r.2);
        page[(crun + 1) * 4 + i * 13] = u8::try_from(at / 2).unwrap();
    }
    page[511] = u8::try_from(crun).unwrap();
    page
}

/// A .doc of `text` (UTF-16 from TEXT_AT) in one piece, its marks given `runs` of properties.
fn doc_of(text: &str, runs: &[(u32, u32, &[u8])]) -> Vec<u8> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let n = u32::try_from(units.len()).unwrap();
    let clx = clx(&[(0, n, TEXT_AT)]);
    let mut table = clx.clone();
    let papx_at = u32::try_from(table.len()).unwrap();
    table.extend(TEXT_AT.to_le_bytes());
    table.extend((TEXT_AT + 2 * n).to_le_bytes());
    table.extend(FKP_PAGE.to_le_bytes());
    let mut word = fib(n, (0, u32::try_from(clx.len()).unwrap()), (papx_at, 12));
    for (i, u) in units.iter().enumerate() {
        let at = TEXT_AT as usize + i * 2;
        word[at..at + 2].copy_from_slice(&u.to_le_bytes());
    }
    let page = FKP_PAGE as usize * 512;
    word[page..page + 512].copy_from_slice(&fkp(runs));
    compound(&word, &table)
}

const IN_TABLE: &[u8] = &[0x16, 0x24, 1];
const ROW_END: &[u8] = &[0x16, 0x24, 1, 0x17, 0x24, 1];

fn fc(cp: u32) -> u32 {
    TEXT_AT + 2 * cp
}

#[test]
fn a_hand_built_doc_reads_paragraphs_and_a_table() {
    // "标题\r" body, then a row of two cells and its row-end mark
    let text = "标题\rA\x07B\x07\x07尾\r";
    let bytes = doc_of(
        text,
        &[
            (fc(0), fc(3), &[]),
            (fc(3), fc(7), IN_TABLE),
            (fc(7), fc(8), ROW_END),
            (fc(8), fc(10), &[]),
        ],
    );
    let doc = read(&bytes, "手工.doc").unwrap();
    let texts: Vec<String> = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => p.text.clone(),
            Block::Table(t) => format!(
                "{:?}",
                t.rows.iter().flatten().map(|c| &c.text).collect::<Vec<_>>()
            ),
        })
        .collect();
    assert_eq!(texts, vec!["标题", r#"["A", "B"]"#, "尾"]);
}

#[test]
fn lying_lengths_and_offsets_fail_in_bounded_time() {
    let start = std::time::Instant::now();
    // a text length far past the stream, one piece claiming it
    let clx1 = clx(&[(0, 0x7FFF_FFF0, TEXT_AT)]);
    let word = fib(0x7FFF_FFF0, (0, u32::try_from(clx1.len()).unwrap()), (0, 0));
    let e = read(&compound(&word, &clx1), "谎.doc").unwrap_err();
    assert!(matches!(e, IngestError::Corrupt { .. }), "{e:?}");
    // thousands of pieces all pointing at the same bytes
    let pieces: Vec<(u32, u32, u32)> = (0..5000)
        .map(|i| (i * 1000, i * 1000 + 1000, TEXT_AT))
        .collect();
    let clx2 = clx(&pieces);
    let word = fib(5_000_000, (0, u32::try_from(clx2.len()).unwrap()), (0, 0));
    let e = read(&compound(&word, &clx2), "谎.doc").unwrap_err();
    assert!(
        matches!(&e, IngestError::Corrupt { detail, .. } if detail.contains("more text")),
        "{e:?}"
    );
    // a paragraph-property table naming 100,000 pages in a stream of 8
    let mut table = clx(&[(0, 1, TEXT_AT)]);
    let at = u32::try_from(table.len()).unwrap();
    table.extend(vec![0u8; 4 + 100_000 * 8]);
    let word = fib(1, (0, at), (at, 4 + 100_000 * 8));
    let e = read(&compound(&word, &table), "谎.doc").unwrap_err();
    assert!(matches!(e, IngestError::Corrupt { .. }), "{e:?}");
    // the piece table outside the table stream
    let word = fib(1, (1 << 30, 100), (0, 0));
    let e = read(&compound(&word, &table), "谎.doc").unwrap_err();
    assert!(matches!(e, IngestError::Corrupt { .. }), "{e:?}");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn a_row_end_is_told_by_its_properties_not_by_a_doubled_mark() {
    // "A\x07\x07" where the second \x07 is NOT a row end (no sprmPFTtp): two cells, then the
    // table is ended by the body paragraph
    let text = "A\x07\x07x\r";
    let bytes = doc_of(text, &[(fc(0), fc(3), IN_TABLE), (fc(3), fc(5), &[])]);
    let doc = read(&bytes, "a.doc").unwrap();
    let Block::Table(t) = &doc.blocks[0] else {
        panic!("{doc:?}")
    };
    assert_eq!(t.rows, vec![vec![Cell::new("A"), Cell::new("")]]);
}

/// Word's fast save: the table properties in the pieces' Prm1 (Prc grpprls of the Clx), the
/// FKP's paragraph properties empty.
#[test]
fn table_properties_from_a_pieces_prm_are_applied() {
    let text = "A\x07B\x07\x07x\r";
    let units: Vec<u16> = text.encode_utf16().collect();
    let prm = |i: u16| (i << 1) | 1;
    let clx = clx_with(
        &[IN_TABLE, ROW_END],
        &[
            (0, 4, TEXT_AT, prm(0)),
            (4, 5, fc(4), prm(1)),
            (5, 7, fc(5), 0),
        ],
    );
    let mut table = clx.clone();
    let papx_at = u32::try_from(table.len()).unwrap();
    table.extend(TEXT_AT.to_le_bytes());
    table.extend(fc(7).to_le_bytes());
    table.extend(FKP_PAGE.to_le_bytes());
    let mut word = fib(7, (0, u32::try_from(clx.len()).unwrap()), (papx_at, 12));
    for (i, u) in units.iter().enumerate() {
        let at = TEXT_AT as usize + i * 2;
        word[at..at + 2].copy_from_slice(&u.to_le_bytes());
    }
    let page = FKP_PAGE as usize * 512;
    word[page..page + 512].copy_from_slice(&fkp(&[(fc(0), fc(7), &[])]));
    let doc = read(&compound(&word, &table), "快速保存.doc").unwrap();
    assert_eq!(
        doc.blocks,
        vec![
            Block::Table(crate::ingest::document::Table {
                rows: vec![vec![Cell::new("A"), Cell::new("B")]]
            }),
            Block::Paragraph(crate::ingest::document::Paragraph::new("x")),
        ]
    );
}
