//! Each reader held to its budgets with the hostile corpus, and valid files untouched by them.

use super::hostile;
use super::limits::{Limit, ReadLimits};
use super::{docx, text, xlsx, IngestError};

fn limit_of(result: Result<super::Document, IngestError>) -> Limit {
    match result {
        Err(IngestError::TooMuch { limit, .. }) => limit,
        other => panic!("expected a budget passed, got {other:?}"),
    }
}

#[test]
fn a_shared_string_is_charged_for_every_cell_that_shows_it() {
    let limits = ReadLimits {
        text_bytes: 100_000,
        ..ReadLimits::default()
    };
    // 10 KB shown by 5 cells fits; shown by 20 cells it is 200 KB of text
    let ok = hostile::xlsx_shared_string(10_000, 5);
    assert!(xlsx::read_with(&ok, "a.xlsx", &limits).is_ok());
    let amplified = hostile::xlsx_shared_string(10_000, 20);
    assert_eq!(
        limit_of(xlsx::read_with(&amplified, "a.xlsx", &limits)),
        Limit::TextBytes
    );
    // one string longer than a cell may be is refused before calamine holds it
    let long = hostile::xlsx_shared_string(300_000, 1);
    assert_eq!(
        limit_of(xlsx::read_with(&long, "a.xlsx", &ReadLimits::default())),
        Limit::ParagraphBytes
    );
}

#[test]
fn shared_strings_styles_cells_and_sheets_have_budgets() {
    let small = ReadLimits {
        strings: 100,
        styles: 100,
        cells: 1_000,
        sheets: 4,
        ..ReadLimits::default()
    };
    let read = |bytes: Vec<u8>| limit_of(xlsx::read_with(&bytes, "a.xlsx", &small));
    assert_eq!(read(hostile::xlsx_many_strings(101)), Limit::Strings);
    assert_eq!(read(hostile::xlsx_styles(101)), Limit::Styles);
    assert_eq!(read(hostile::xlsx_huge_rows(2, 600)), Limit::Cells);
    assert_eq!(read(hostile::xlsx_many_sheets(5)), Limit::Sheets);
    for fits in [
        hostile::xlsx_many_strings(100),
        hostile::xlsx_styles(100),
        hostile::xlsx_huge_rows(1, 600),
        hostile::xlsx_many_sheets(4),
    ] {
        assert!(xlsx::read_with(&fits, "a.xlsx", &small).is_ok());
    }
}

#[test]
fn the_xml_parts_of_a_workbook_have_an_unzipped_budget() {
    let limits = ReadLimits {
        unzipped_bytes: 100_000,
        ..ReadLimits::default()
    };
    let bytes = hostile::xlsx_huge_rows(10, 1_000);
    match xlsx::read_with(&bytes, "a.xlsx", &limits) {
        Err(IngestError::ZipBomb { limit: 100_000, .. }) => {}
        other => panic!("expected the unzipped budget, got {other:?}"),
    }
}

#[test]
fn docx_runs_paragraphs_and_text_have_budgets() {
    let limits = ReadLimits {
        text_bytes: 50_000,
        paragraph_bytes: 10_000,
        paragraphs: 100,
        ..ReadLimits::default()
    };
    let read = |bytes: Vec<u8>| limit_of(docx::read_with(&bytes, "a.docx", &limits));
    // one long run, and a paragraph that grows past the limit run by run
    assert_eq!(read(hostile::docx_text(1, 12_000)), Limit::ParagraphBytes);
    assert_eq!(
        read(hostile::docx_long_paragraph(20, 1_000)),
        Limit::ParagraphBytes
    );
    assert_eq!(read(hostile::docx_text(90, 900)), Limit::TextBytes);
    assert_eq!(read(hostile::docx_text(101, 3)), Limit::Paragraphs);
    assert!(docx::read_with(&hostile::docx_text(50, 900), "a.docx", &limits).is_ok());
}

#[test]
fn docx_nesting_has_a_budget() {
    let limits = ReadLimits {
        depth: 8,
        ..ReadLimits::default()
    };
    let deep = format!(
        "<w:document xmlns:w=\"w\"><w:body>{}{}</w:body></w:document>",
        "<w:sdt>".repeat(10),
        "</w:sdt>".repeat(10)
    );
    let bytes = hostile::zip(&[("word/document.xml", deep.into_bytes())]);
    match docx::read_with(&bytes, "a.docx", &limits) {
        Err(IngestError::Corrupt { detail, .. }) => {
            assert!(detail.contains("nested more than 8 deep"), "{detail}")
        }
        other => panic!("expected too deep, got {other:?}"),
    }
}

#[test]
fn text_lines_cells_and_text_have_budgets() {
    let limits = ReadLimits {
        text_bytes: 10_000,
        paragraph_bytes: 1_000,
        paragraphs: 500,
        cells: 100,
        ..ReadLimits::default()
    };
    let read = |bytes: Vec<u8>| {
        let text = String::from_utf8(bytes).expect("utf-8");
        text::read_with(&text, &limits).map_err(|e| e.limit)
    };
    assert_eq!(
        read(hostile::text_long_line(1_001)),
        Err(Limit::ParagraphBytes)
    );
    assert_eq!(read(hostile::text_tab_lines(501)), Err(Limit::Paragraphs));
    assert_eq!(read(hostile::text_tab_lines(101)), Err(Limit::Cells));
    assert_eq!(read(vec![b'x'; 10_001]), Err(Limit::TextBytes));
    assert!(read(hostile::text_tab_lines(100)).is_ok());
}

#[test]
fn a_text_file_too_long_is_refused_before_it_is_decoded() {
    let limits = ReadLimits {
        text_bytes: 1_000,
        ..ReadLimits::default()
    };
    let rubric = crate::rubric::Rubric::builtin(crate::rubric::DEFAULT_RUBRIC).expect("rubric");
    let err = super::parse_with(&vec![b'x'; 3_000], "r.txt", rubric.body_parts(), &limits)
        .expect_err("too long");
    let refusal = err.too_large().expect("a size refusal");
    assert_eq!((refusal.limit, refusal.value), ("text_bytes", 1_000));
    assert_eq!(
        refusal.message,
        "文件 r.txt 过大：解压后文本超过 1000 字节的上限"
    );
}
