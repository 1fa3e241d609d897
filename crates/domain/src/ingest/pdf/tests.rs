//! The PDF reader on LibreOffice prints of real reports and notices, and on damaged files.

use super::*;
use crate::ingest::document::Block;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{path}")).unwrap()
}

#[test]
#[ignore = "prints a PDF's document, for looking at: PDF=path cargo test dump -- --ignored"]
fn dump() {
    let path = std::env::var("PDF").unwrap();
    let doc = read(&std::fs::read(&path).unwrap(), "x.pdf").unwrap();
    for b in &doc.blocks {
        match b {
            Block::Paragraph(p) => println!("P {}", p.text),
            Block::Table(t) => {
                println!("T {} rows", t.rows.len());
                for r in &t.rows {
                    let cells: Vec<String> = r
                        .iter()
                        .map(|c| {
                            format!("{:?}{}", c.merge, c.text.replace('\n', "/"))
                                .replace("None", "")
                        })
                        .collect();
                    println!("  | {}", cells.join(" | "));
                }
            }
        }
    }
}

fn rubric() -> crate::rubric::Rubric {
    crate::rubric::Rubric::builtin(crate::rubric::DEFAULT_RUBRIC).unwrap()
}

fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

/// (path, leaf) pairs of a JSON value, strings without whitespace.
fn flatten(v: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                flatten(v, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                flatten(v, &format!("{path}[{i}]"), out);
            }
        }
        Value::String(s) => out.push((path.to_string(), squeeze(s))),
        other => out.push((path.to_string(), other.to_string())),
    }
}

/// The report's package built from its text export and from its PDF print: fields equal, total
/// (of the text export's), and the paths that differ.
fn compare(txt: &str, pdf: &str) -> (usize, usize, Vec<String>) {
    let rubric = rubric();
    let text = std::fs::read_to_string(format!("{FIXTURES}/reports/{txt}")).unwrap();
    let from_text =
        crate::ingest::build::package(&crate::ingest::text::read(&text), rubric.body_parts());
    let doc = read(&fixture(&format!("pdf/{pdf}")), pdf).unwrap();
    let from_pdf = crate::ingest::build::package(&doc, rubric.body_parts());
    let (mut a, mut b) = (Vec::new(), Vec::new());
    flatten(
        &serde_json::to_value(&from_text.package).unwrap(),
        "",
        &mut a,
    );
    flatten(
        &serde_json::to_value(&from_pdf.package).unwrap(),
        "",
        &mut b,
    );
    let theirs: std::collections::BTreeMap<_, _> = b.into_iter().collect();
    let mut differ = Vec::new();
    for (path, value) in &a {
        if theirs.get(path) != Some(value) {
            println!("  {path}: text {value:?} / pdf {:?}", theirs.get(path));
            differ.push(path.clone());
        }
    }
    for path in theirs.keys() {
        if !a.iter().any(|(p, _)| p == path) {
            differ.push(format!("{path} (only in the PDF)"));
        }
    }
    for path in differ.iter().filter(|d| d.ends_with("(only in the PDF)")) {
        let p = path.trim_end_matches(" (only in the PDF)");
        println!("  {p}: pdf {:?}", theirs.get(p));
    }
    (
        a.len()
            - differ
                .iter()
                .filter(|d| !d.ends_with("(only in the PDF)"))
                .count(),
        a.len(),
        differ,
    )
}

fn check_report(txt: &str, pdf: &str, known: &[&str]) {
    let (equal, total, differ) = compare(txt, pdf);
    println!("{pdf}: {equal}/{total} fields equal; differ: {differ:#?}");
    assert_eq!(
        differ, known,
        "{pdf}: the fields that differ from the text export"
    );
}

#[test]
fn the_junshan_pdf_gives_the_text_exports_package() {
    check_report("000_4f6cfb20def449c3.txt", "000_junshan.pdf", &[]);
}

#[test]
fn the_miluo_pdf_gives_the_text_exports_package() {
    check_report("003_dbdc2451ec2e8b0c.txt", "003_miluo.pdf", &[]);
}

fn tables(doc: &Document) -> Vec<&crate::ingest::document::Table> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            Block::Paragraph(_) => None,
        })
        .collect()
}

/// A row's cells as the package builder sees them: spanned positions left out, a cell merged
/// from above as empty, whitespace aside.
fn own_cells(row: &[crate::ingest::document::Cell]) -> Vec<String> {
    use crate::ingest::document::Merge;
    row.iter()
        .filter(|c| c.merge != Merge::FromLeft)
        .map(|c| match c.merge {
            Merge::FromAbove => String::new(),
            _ => squeeze(&c.text),
        })
        .collect()
}

/// Cells of the PDF's tables equal to the Word file's it was printed from (each merged cell
/// once), their number, and the rows missed. The rows of all tables are matched in order
/// (longest common subsequence of equal rows), so a row joined or split wrongly misses its own
/// cells only.
fn cells_exact(stem: &str) -> (usize, usize, Vec<String>) {
    let word = crate::ingest::docx::read(&fixture(&format!("pdf/{stem}.docx")), "w.docx").unwrap();
    let pdf = read(&fixture(&format!("pdf/{stem}.pdf")), "p.pdf").unwrap();
    // all tables' rows in order: Word tables that touch are one table on paper
    let rows = |d: &Document| -> Vec<Vec<String>> {
        tables(d)
            .iter()
            .flat_map(|t| t.rows.iter().map(|r| own_cells(r)))
            .collect()
    };
    let (want, got) = (rows(&word), rows(&pdf));
    let total = want.iter().map(Vec::len).sum::<usize>();
    let matched = matched_rows(&want, &got);
    let (mut exact, mut misses) = (0, Vec::new());
    for (r, row) in want.iter().enumerate() {
        if matched[r] {
            exact += row.len();
        } else {
            misses.push(format!("row {r}: {row:?}"));
        }
    }
    (exact, total, misses)
}

/// Which rows of `a` are matched by equal rows of `b`, in order.
fn matched_rows(a: &[Vec<String>], b: &[Vec<String>]) -> Vec<bool> {
    let mut l = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            l[i][j] = if a[i] == b[j] {
                l[i + 1][j + 1] + 1
            } else {
                l[i + 1][j].max(l[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, vec![false; a.len()]);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out[i] = true;
            i += 1;
            j += 1;
        } else if l[i + 1][j] >= l[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[test]
fn the_tables_are_the_word_files_tables() {
    // 汨罗: the Word file has 8 tables, two of them touching with nothing between: on paper
    // (and so in the PDF) they are one
    for (stem, tables, least) in [("000_junshan", 5, 0.99), ("003_miluo", 7, 0.99)] {
        let (exact, total, misses) = cells_exact(stem);
        println!("{stem}: {exact}/{total} cells exact; misses: {misses:#?}");
        let pdf = read(&fixture(&format!("pdf/{stem}.pdf")), "p.pdf").unwrap();
        let word =
            crate::ingest::docx::read(&fixture(&format!("pdf/{stem}.docx")), "w.docx").unwrap();
        println!(
            "{stem}: {} tables in the PDF, {} in the Word file",
            super::tests::tables(&pdf).len(),
            super::tests::tables(&word).len()
        );
        assert_eq!(super::tests::tables(&pdf).len(), tables, "{stem}");
        assert!(
            exact as f64 >= least * total as f64,
            "{stem}: {exact}/{total}"
        );
    }
}

/// Characters of `a` and `b` in common, in order (longest common subsequence).
fn common(a: &[char], b: &[char]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    for x in a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        prev = cur;
    }
    prev[b.len()]
}

#[test]
fn the_notices_read_as_their_text() {
    for stem in [
        "01_hengyangxian_czj_2023_notice",
        "05_hunan_university_cwc_2021_notice_group",
        "11_ahmu_kjc_2018_notice",
        "16_btbu_cwc_2023_notice",
    ] {
        let txt = std::fs::read_to_string(format!("{FIXTURES}/notices/{stem}.txt")).unwrap();
        // the first two lines (source:, completeness:) are the collector's, not the notice's
        let want: Vec<char> = squeeze(&txt.lines().skip(2).collect::<String>())
            .chars()
            .collect();
        let doc = read(&fixture(&format!("notices/{stem}.pdf")), "n.pdf").unwrap();
        let text: String = doc
            .blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph(p) => p.text.clone(),
                Block::Table(t) => t.rows.iter().flatten().map(|c| c.text.clone()).collect(),
            })
            .collect();
        let got: Vec<char> = squeeze(&text).chars().collect();
        let same = common(&want, &got);
        let pct = 100.0 * 2.0 * same as f64 / (want.len() + got.len()) as f64;
        println!(
            "{stem}: {same} of {} / {} characters in common: {pct:.2}%",
            want.len(),
            got.len()
        );
        assert!(pct >= 99.0, "{stem}: {pct:.2}%");
    }
}

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
