//! The PDF reader on what it must refuse: scans, encrypted, cut and foreign files, files past
//! a budget, a stream bomb, damaged bytes.

use super::tests::{fixture, rubric};
use super::*;
use crate::ingest::document::Block;

#[test]
fn a_scan_is_told_apart() {
    let e = read(
        &fixture("notices/01_hengyangxian_czj_2023_notice.scan.pdf"),
        "通知.pdf",
    )
    .unwrap_err();
    assert!(matches!(e, IngestError::Scanned { pages: 2, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "通知.pdf：扫描件（共2页，无文字层），需要识读"
    );
}

#[test]
fn encrypted_damaged_and_foreign_files_are_refused_cleanly() {
    let e = read(&fixture("pdf/encrypted.pdf"), "e.pdf").unwrap_err();
    assert!(matches!(e, IngestError::Encrypted { .. }), "{e:?}");
    let good = fixture("pdf/000_junshan.pdf");
    for cut in [10, 1000, good.len() / 2] {
        let e = read(&good[..cut], "cut.pdf").unwrap_err();
        assert!(
            matches!(e, IngestError::Corrupt { ref name, .. } if name == "cut.pdf"),
            "{cut}: {e:?}"
        );
    }
    let e = read(b"PK\x03\x04 not a pdf", "x.pdf").unwrap_err();
    assert!(matches!(e, IngestError::WrongContent { .. }), "{e:?}");
    let e = read(b"%PDF-1.7\n garbage garbage", "g.pdf").unwrap_err();
    assert!(matches!(e, IngestError::Corrupt { .. }), "{e:?}");
    assert!(matches!(read(b"", "e.pdf"), Err(IngestError::Empty { .. })));
}

#[test]
fn the_budgets_hold() {
    let bytes = fixture("pdf/003_miluo.pdf");
    let over = |limits: ReadLimits| read_with(&bytes, "m.pdf", &limits).unwrap_err();
    let d = ReadLimits::default();
    let e = over(ReadLimits { pages: 10, ..d });
    assert!(
        matches!(
            e,
            IngestError::TooMuch {
                limit: Limit::Pages,
                value: 10,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "文件 m.pdf 过大：页数超过 10 页的上限");
    let e = over(ReadLimits {
        text_bytes: 1000,
        ..d
    });
    assert!(
        matches!(
            e,
            IngestError::TooMuch {
                limit: Limit::TextBytes,
                ..
            }
        ),
        "{e:?}"
    );
    let e = over(ReadLimits { cells: 100, ..d });
    assert!(
        matches!(
            e,
            IngestError::TooMuch {
                limit: Limit::Cells,
                ..
            }
        ),
        "{e:?}"
    );
    let e = over(ReadLimits {
        paragraphs: 10,
        ..d
    });
    assert!(
        matches!(
            e,
            IngestError::TooMuch {
                limit: Limit::Paragraphs,
                ..
            }
        ),
        "{e:?}"
    );
    let e = over(ReadLimits {
        unzipped_bytes: 10_000,
        ..d
    });
    assert!(
        matches!(e, IngestError::ZipBomb { limit: 10_000, .. }),
        "{e:?}"
    );
}

/// A one-page PDF (Helvetica as F1) whose content stream is `content`, deflated.
fn one_page(content: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(content).unwrap();
    let data = z.finish().unwrap();
    let mut stream = format!(
        "<< /Length {} /Filter /FlateDecode >>\nstream\n",
        data.len()
    )
    .into_bytes();
    stream.extend_from_slice(&data);
    stream.extend_from_slice(b"\nendstream");
    let objects: [&[u8]; 5] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
          /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        &stream,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(o);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

#[test]
fn a_hand_made_page_reads() {
    let doc = read(
        &one_page(b"BT /F1 12 Tf 72 720 Td (Hello PDF) Tj ET"),
        "h.pdf",
    )
    .unwrap();
    assert_eq!(
        doc.blocks,
        vec![Block::Paragraph(crate::ingest::Paragraph::new("Hello PDF"))]
    );
}

/// A page whose content stream is 80 MB of spaces, deflated to under 100 KB: refused before it
/// is inflated.
#[test]
fn a_stream_bomb_is_refused() {
    let pdf = one_page(&vec![b' '; 80 << 20]);
    assert!(pdf.len() < 200_000);
    let e = read(&pdf, "bomb.pdf").unwrap_err();
    assert!(matches!(e, IngestError::ZipBomb { .. }), "{e:?}");
}

/// A page showing 8 million glyphs (the parser would take over 10 GB for them) from 40 KB:
/// refused before it is parsed.
#[test]
fn a_glyph_bomb_is_refused() {
    let mut content = b"BT /F1 1 Tf (".to_vec();
    content.extend(std::iter::repeat_n(b'a', 8_000_000));
    content.extend_from_slice(b") Tj ET");
    let pdf = one_page(&content);
    assert!(pdf.len() < 100_000);
    let e = read(&pdf, "glyphs.pdf").unwrap_err();
    assert!(
        matches!(e, IngestError::Corrupt { ref detail, .. } if detail.contains("100000")),
        "{e:?}"
    );
}

#[test]
fn a_pdf_is_told_by_its_content_whatever_its_name() {
    let rubric = rubric();
    let parsed = crate::ingest::parse(
        &fixture("pdf/003_miluo.pdf"),
        "upload.bin",
        rubric.body_parts(),
    )
    .unwrap();
    assert_eq!(parsed.format, crate::ingest::Format::Pdf);
    let report = parsed.package.report.unwrap();
    assert!(report.basic_data.is_some() && report.department_table.is_some());
    // by its content only, for now
    assert_eq!(crate::ingest::Format::from_name("a.pdf"), None);
}

#[test]
fn page_numbers_are_known() {
    for t in [
        "5",
        "- 5 -",
        "—23—",
        "第3页",
        "第 3 页 共 9 页",
        "3/9",
        "（12）",
    ] {
        assert!(layout::is_page_number(t), "{t}");
    }
    for t in ["2024年", "第三部分", "1、基本情况", "页"] {
        assert!(!layout::is_page_number(t), "{t}");
    }
}

proptest::proptest! {
    // 64 cases in a test run; PROPTEST_CASES=3000 (with --release) for a longer search
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..Default::default()
    })]
    /// Damaged PDF bytes end in a document or an error, never a panic.
    #[test]
    fn damaged_pdfs_never_panic(
        edits in proptest::collection::vec((0usize..80_000, proptest::num::u8::ANY), 1..20),
        cut in 1000usize..80_000,
    ) {
        let mut bytes = fixture("notices/11_ahmu_kjc_2018_notice.pdf");
        for (at, b) in edits {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        bytes.truncate(cut.max(6));
        let _ = read(&bytes, "damaged.pdf");
    }

    /// A few bytes of a report's print changed: most still parse, and go through the layout,
    /// the tables and the stitching with damaged numbers.
    #[test]
    fn slightly_damaged_reports_never_panic(
        edits in proptest::collection::vec((0usize..240_000, proptest::num::u8::ANY), 1..4),
    ) {
        let mut bytes = fixture("pdf/000_junshan.pdf");
        for (at, b) in edits {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        if let Ok(doc) = read(&bytes, "damaged.pdf") {
            let rubric = super::tests::rubric();
            let _ = crate::ingest::build::package(&doc, rubric.body_parts());
        }
    }
}

fn line(text: &str, top: f64) -> layout::TextLine {
    layout::TextLine {
        text: text.into(),
        x0: 72.0,
        x1: 72.0 + 10.5 * text.chars().count() as f64,
        top,
        bottom: top + 10.5,
        size: 10.5,
    }
}

#[test]
fn running_headers_footers_and_page_numbers_are_left_out() {
    let mut pages: Vec<PageContent> = (1..=3)
        .map(|n| PageContent {
            height: 842.0,
            lines: vec![
                line(&format!("汨罗市数据局 2024年度自评报告 第{n}部分"), 30.0),
                line("正文在页中间。", 400.0),
                line("填表人：彭雁", 700.0),
                line(&format!("—{n}—"), 800.0),
            ],
            tables: Vec::new(),
        })
        .collect();
    pages[1].lines.push(line("第2页 共3页", 815.0));
    layout::drop_running(&mut pages);
    for p in &pages {
        let texts: Vec<&str> = p.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["正文在页中间。", "填表人：彭雁"]);
    }
}
