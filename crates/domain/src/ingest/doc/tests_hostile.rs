//! The .doc reader on what it must refuse: encrypted, cut short, garbage, workbooks, files
//! past a budget, and damaged bytes.

use proptest::prelude::*;

use super::tests::fixture;
use super::*;
use crate::ingest::document::Block;
use crate::ingest::{parse_with, Kind};
use crate::rubric::{Rubric, DEFAULT_RUBRIC};

/// The fixture with bits of the FIB's flags word (offset 0x0A) set, written back through `cfb`.
fn with_fib_flags(bytes: &[u8], flags: u16) -> Vec<u8> {
    use std::io::{Seek, SeekFrom, Write};
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes.to_vec())).unwrap();
    {
        let mut s = cfb.open_stream("/WordDocument").unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).unwrap();
        let old = u16::from_le_bytes([head[10], head[11]]);
        s.seek(SeekFrom::Start(10)).unwrap();
        s.write_all(&(old | flags).to_le_bytes()).unwrap();
    }
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

#[test]
fn encrypted_truncated_garbage_and_workbooks_give_clean_errors() {
    let bytes = fixture("doc/junshan-2024.doc");
    for flags in [0x0100, 0x8100] {
        let e = read(&with_fib_flags(&bytes, flags), "加密.doc").unwrap_err();
        assert!(
            matches!(&e, IngestError::Encrypted { name } if name == "加密.doc"),
            "{e:?}"
        );
    }
    for cut in [600, bytes.len() / 3, bytes.len() / 2, bytes.len() - 512] {
        let e = read(&bytes[..cut], "截断.doc").unwrap_err();
        assert!(e.to_string().contains("截断.doc"), "{e}");
        assert!(matches!(e, IngestError::Corrupt { .. }), "{cut}: {e:?}");
    }
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let e = read(&garbage, "乱码.doc").unwrap_err();
    assert!(
        matches!(&e, IngestError::WrongContent { name, .. } if name == "乱码.doc"),
        "{e:?}"
    );
    let mut ole_garbage = bytes[..512].to_vec();
    ole_garbage.extend(&garbage);
    let e = read(&ole_garbage, "乱码.doc").unwrap_err();
    assert!(matches!(e, IngestError::Corrupt { .. }), "{e:?}");
    assert!(matches!(
        read(&[], "空.doc"),
        Err(IngestError::Empty { .. })
    ));

    let xls = fixture("doc/workbook.xls");
    assert_eq!(Kind::of(&xls), Kind::ExcelBinary);
    assert_eq!(Kind::of(&bytes), Kind::WordBinary);
    assert_eq!(Kind::of(b"PK\x03\x04"), Kind::Zip);
    let e = read(&xls, "表.doc").unwrap_err();
    assert!(
        matches!(&e, IngestError::WrongContent { detail, .. } if detail.contains("Excel")),
        "{e:?}"
    );
}

#[test]
fn the_budgets_hold() {
    let bytes = fixture("doc/miluo-2024.doc");
    let small = |f: fn(&mut ReadLimits)| {
        let mut l = ReadLimits::default();
        f(&mut l);
        read_with(&bytes, "大.doc", &l).unwrap_err()
    };
    let limit_of = |e: IngestError| match e {
        IngestError::TooMuch { limit, .. } => limit,
        e => panic!("{e:?}"),
    };
    assert_eq!(limit_of(small(|l| l.text_bytes = 10_000)), Limit::TextBytes);
    assert_eq!(limit_of(small(|l| l.paragraphs = 100)), Limit::Paragraphs);
    assert_eq!(limit_of(small(|l| l.cells = 100)), Limit::Cells);
    assert_eq!(
        limit_of(small(|l| l.paragraph_bytes = 60)),
        Limit::ParagraphBytes
    );
    assert_eq!(
        limit_of(small(|l| l.unzipped_bytes = 100_000)),
        Limit::UnzippedBytes
    );
    let e = small(|l| l.unzipped_bytes = 100_000);
    assert_eq!(e.too_large().unwrap().limit, "unzipped_bytes");
}

fn damaged() -> impl Strategy<Value = Vec<u8>> {
    let base = fixture("doc/junshan-2024.doc");
    let len = base.len();
    (
        proptest::collection::vec((0..len, any::<u8>()), 1..40),
        proptest::option::of(0..len),
    )
        .prop_map(move |(flips, cut)| {
            let mut b = base.clone();
            for (at, v) in flips {
                b[at] = v;
            }
            b.truncate(cut.unwrap_or(len).max(1));
            b
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Damaged .doc bytes never panic, and what is read stays within the budgets.
    #[test]
    fn damaged_docs_never_panic_and_stay_in_budget(bytes in damaged()) {
        let limits = ReadLimits {
            text_bytes: 60_000,
            paragraphs: 3_000,
            cells: 2_000,
            ..ReadLimits::default()
        };
        let start = std::time::Instant::now();
        if let Ok(doc) = read_with(&bytes, "坏.doc", &limits) {
            let text: usize = doc.blocks.iter().map(|b| match b {
                Block::Paragraph(p) => p.text.len(),
                Block::Table(t) => t.rows.iter().flatten().map(|c| c.text.len()).sum(),
            }).sum();
            prop_assert!(text <= limits.text_bytes);
            prop_assert!(doc.blocks.len() <= limits.paragraphs);
        }
        let rubric = Rubric::builtin(DEFAULT_RUBRIC).unwrap();
        let _ = parse_with(&bytes, "坏.wps", rubric.body_parts(), &limits);
        prop_assert!(start.elapsed() < std::time::Duration::from_secs(10));
    }
}

/// Headings (标题 1–3 by the style's sti), a hyperlink field (its result kept), a line break
/// and a tab, a nested table (its rows as lines of the cell) read as from the .docx.
#[test]
fn features_read_as_from_the_docx() {
    let doc = read(&fixture("doc/features.doc"), "f.doc").unwrap();
    let docx = crate::ingest::docx::read(&fixture("doc/features.docx"), "f.docx").unwrap();
    assert_eq!(doc, docx);
    let levels: Vec<Option<u8>> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.heading_level),
            Block::Table(_) => None,
        })
        .collect();
    assert_eq!(levels, vec![Some(1), Some(2), None, None, Some(3), None]);
}

/// The fixture with bytes of its WordDocument or table stream replaced, written back through
/// `cfb`: damage where the FIB, the piece table, the FKPs and the sprms are, which flips of the
/// whole file seldom reach.
fn with_stream_damage(bytes: &[u8], stream: &str, flips: &[(usize, u8)], head: usize) -> Vec<u8> {
    use std::io::{Seek, SeekFrom, Write};
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes.to_vec())).unwrap();
    {
        let mut s = cfb.open_stream(stream).unwrap();
        let len = usize::try_from(s.len()).unwrap().min(head).max(1);
        for &(at, v) in flips {
            s.seek(SeekFrom::Start(u64::try_from(at % len).unwrap()))
                .unwrap();
            s.write_all(&[v]).unwrap();
        }
    }
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Damaged FIBs, piece tables, FKPs and sprms never panic and stay within the budgets.
    #[test]
    fn damaged_streams_never_panic_and_stay_in_budget(
        which in 0usize..3,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..24),
    ) {
        let base = fixture("doc/junshan-2024.doc");
        // the FIB (first 1 KB of WordDocument), all of WordDocument (its FKP pages are at the
        // end), or the table stream (piece table, PlcBtePapx, style sheet)
        let (stream, head) = [("/WordDocument", 1024), ("/WordDocument", usize::MAX), ("/1Table", usize::MAX)][which];
        let bytes = with_stream_damage(&base, stream, &flips, head);
        let limits = ReadLimits { text_bytes: 60_000, paragraphs: 3_000, cells: 2_000, ..ReadLimits::default() };
        let start = std::time::Instant::now();
        if let Ok(doc) = read_with(&bytes, "坏.doc", &limits) {
            prop_assert!(doc.blocks.len() <= limits.paragraphs);
        }
        prop_assert!(start.elapsed() < std::time::Duration::from_secs(10));
    }
}
