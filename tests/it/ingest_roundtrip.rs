//! The same report through two readers: the 汨罗市 and 君山区 text exports, written out as real
//! .docx files (paragraphs and tables) and read back by the Word reader, give the same package as
//! the text reader gives.

use crate::support::from_document;

use from_document::to_docx;

use std::path::PathBuf;

use kaoping::ingest;
use kaoping::rubric::{Rubric, DEFAULT_RUBRIC};

fn report(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reports")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn same_package_from_text_and_docx(name: &str) {
    let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    let bytes = report(name);
    let from_text = ingest::parse(&bytes, "report.txt", rubric.body_parts()).expect("text");
    let text = String::from_utf8(bytes).expect("utf-8");
    let docx = to_docx(&ingest::text::read(&text));
    let from_docx = ingest::parse(&docx, "report.docx", rubric.body_parts()).expect("docx");
    assert_eq!(from_docx.format, ingest::Format::Docx);
    let (a, b) = (
        serde_json::to_value(&from_text.package).expect("json"),
        serde_json::to_value(&from_docx.package).expect("json"),
    );
    if a != b {
        let (a, b) = (
            serde_json::to_string_pretty(&a).unwrap_or_default(),
            serde_json::to_string_pretty(&b).unwrap_or_default(),
        );
        let first = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        let show = |s: &str| {
            s.lines()
                .skip(first.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "{name}: text and docx differ at line {first}:\n--- text\n{}\n--- docx\n{}",
            show(&a),
            show(&b)
        );
    }
    assert_eq!(from_text.missing, from_docx.missing);
}

#[test]
fn miluo_reads_the_same_from_docx_as_from_text() {
    same_package_from_text_and_docx("003_dbdc2451ec2e8b0c.txt");
}

#[test]
fn junshan_reads_the_same_from_docx_as_from_text() {
    same_package_from_text_and_docx("000_4f6cfb20def449c3.txt");
}
