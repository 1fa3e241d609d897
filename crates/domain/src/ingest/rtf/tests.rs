//! The .rtf reader on files LibreOffice wrote from the corpus' .docx, on RTF as Word writes
//! Chinese (GBK bytes), and on what it must refuse.

use proptest::prelude::*;

use super::*;
use crate::ingest::doc::tests::{compare, fixture};
use crate::ingest::document::{Block, Merge};
use crate::ingest::limits::Limit;

#[test]
fn both_reports_give_the_package_of_the_text_export() {
    for (text, file) in [
        ("reports/000_4f6cfb20def449c3.txt", "doc/junshan-2024.rtf"),
        ("reports/003_dbdc2451ec2e8b0c.txt", "doc/miluo-2024.rtf"),
    ] {
        let (equal, total, differ) = compare(text, file);
        eprintln!("{file}: {equal}/{total} fields equal; differ: {differ:?}");
        // no known difference (the cell whose trailing space LibreOffice drops is trimmed by
        // the builder anyway)
        assert!(differ.is_empty(), "{file}: {differ:?}");
        assert!(total > 600);
    }
}

/// Block by block as the .docx it was saved from: headings, a field's result, a line break,
/// tables with their merges, a nested table.
#[test]
fn each_rtf_reads_as_its_docx() {
    for stem in ["junshan-2024", "miluo-2024", "features"] {
        let mut rtf = read(&fixture(&format!("doc/{stem}.rtf")), "a.rtf")
            .unwrap()
            .blocks;
        let docx =
            crate::ingest::docx::read(&fixture(&format!("doc/{stem}.docx")), "a.docx").unwrap();
        if stem == "junshan-2024" {
            // LibreOffice drops the trailing space of this 基础数据表 cell
            let Block::Table(t) = &mut rtf[43] else {
                panic!("block 43 is not a table")
            };
            assert_eq!(t.rows[20][0].text, "部门基本支出预算调整");
            t.rows[20][0].text.push(' ');
        }
        assert_eq!(rtf, docx.blocks, "{stem}");
    }
}

#[test]
fn gbk_bytes_unicode_escapes_fields_and_merges() {
    // as Word writes Chinese: \ansicpg936 and GBK bytes; 𠀀 as a surrogate pair; a field
    let rtf = br"{\rtf1\ansi\ansicpg936{\fonttbl{\f0\fcharset134 \'cb\'ce\'cc\'e5;}}{\stylesheet{\s1 heading 1;}}
\pard\s1 \'c4\'ea\'b6\'c8\par
\pard \uc1\u-10176?\u-9216?{\field{\*\fldinst PAGE}{\fldrslt 7}}\~x\par
\trowd\trleft0\clvmgf\cellx1000\cellx2000\pard\intbl A\cell B\cell\row
\trowd\trleft0\clvmrg\cellx1000\cellx2000\pard\intbl\cell C\cell\row
\pard end\par}";
    let doc = read(rtf, "a.rtf").unwrap();
    let Block::Paragraph(p) = &doc.blocks[0] else {
        panic!("{doc:?}")
    };
    assert_eq!((p.text.as_str(), p.heading_level), ("年度", Some(1)));
    let Block::Paragraph(p) = &doc.blocks[1] else {
        panic!("{doc:?}")
    };
    assert_eq!(p.text, "\u{20000}7\u{a0}x");
    let Block::Table(t) = &doc.blocks[2] else {
        panic!("{doc:?}")
    };
    assert_eq!(t.rows[1][0].merge, Merge::FromAbove);
    assert_eq!(t.rows[1][1].text, "C");
    assert!(matches!(&doc.blocks[3], Block::Paragraph(p) if p.text == "end"));
}

#[test]
fn refusals_are_clean_and_name_the_file() {
    let e = read(b"PK\x03\x04", "a.rtf").unwrap_err();
    assert!(matches!(&e, IngestError::WrongContent { name, .. } if name == "a.rtf"));
    let bytes = fixture("doc/miluo-2024.rtf");
    let e = read(&bytes[..bytes.len() / 2], "截断.rtf").unwrap_err();
    assert!(
        matches!(&e, IngestError::Corrupt { name, .. } if name == "截断.rtf"),
        "{e:?}"
    );
    let deep = format!("{{\\rtf1{}", "{".repeat(10_000));
    assert!(matches!(
        read(deep.as_bytes(), "a.rtf"),
        Err(IngestError::Corrupt { .. })
    ));
    assert!(matches!(read(b"", "a.rtf"), Err(IngestError::Empty { .. })));
}

#[test]
fn the_budgets_hold() {
    let bytes = fixture("doc/miluo-2024.rtf");
    let over = |f: fn(&mut ReadLimits)| {
        let mut l = ReadLimits::default();
        f(&mut l);
        match read_with(&bytes, "大.rtf", &l).map(|d| d.blocks.len()) {
            Err(IngestError::TooMuch { limit, .. }) => limit,
            r => panic!("{r:?}"),
        }
    };
    assert_eq!(over(|l| l.text_bytes = 10_000), Limit::TextBytes);
    assert_eq!(over(|l| l.paragraphs = 100), Limit::Paragraphs);
    assert_eq!(over(|l| l.cells = 100), Limit::Cells);
    assert_eq!(over(|l| l.paragraph_bytes = 60), Limit::ParagraphBytes);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Damaged RTF never panics and stays within the budgets.
    #[test]
    fn damaged_rtf_never_panics(flips in proptest::collection::vec((0usize..1_000_000, any::<u8>()), 1..40), cut in proptest::option::of(0usize..1_000_000)) {
        let mut bytes = fixture("doc/features.rtf");
        let len = bytes.len();
        for (at, v) in flips {
            bytes[at % len] = v;
        }
        bytes.truncate(cut.map_or(len, |c| c % len).max(1));
        let limits = ReadLimits { text_bytes: 2_000, cells: 20, paragraphs: 50, ..ReadLimits::default() };
        if let Ok(doc) = read_with(&bytes, "坏.rtf", &limits) {
            prop_assert!(doc.blocks.len() <= 50);
        }
    }
}
