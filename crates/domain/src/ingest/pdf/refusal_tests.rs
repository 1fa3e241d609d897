//! The PDF reader on what it must refuse: scans, encrypted, cut and foreign files, files past
//! a budget, a stream bomb, damaged bytes.

use super::tests::{fixture, rubric};
use super::*;

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

/// A page whose content stream is 80 MB of deflated spaces: refused before it is inflated.
#[test]
fn a_stream_bomb_is_refused() {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..80 {
        z.write_all(&chunk).unwrap();
    }
    let data = z.finish().unwrap();
    let mut pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n"
        .to_vec();
    pdf.extend_from_slice(
        format!(
            "4 0 obj << /Length {} /Filter /FlateDecode >>\nstream\n",
            data.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(&data);
    pdf.extend_from_slice(b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    assert!(pdf.len() < 200_000);
    let e = read(&pdf, "bomb.pdf").unwrap_err();
    assert!(matches!(e, IngestError::ZipBomb { .. }), "{e:?}");
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
    assert_eq!(
        crate::ingest::Format::from_name("a.PDF"),
        Some(crate::ingest::Format::Pdf)
    );
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
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]
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
}
