//! A hostile corpus (恶意样本): small files that would unpack or expand into far more than a
//! report, written here so that no such file is kept in the repository. Shared by the readers'
//! unit tests and by the integration tests that upload them to a real server (included there
//! with `#[path]`), so it uses nothing but std and zip.
#![allow(dead_code)]

use std::io::{Cursor, Write};

/// A zip archive of `parts`, deflated: text this repetitive shrinks a thousandfold.
pub fn zip(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for (name, body) in parts {
        writer.start_file(*name, options).expect("start part");
        writer.write_all(body).expect("write part");
    }
    writer.finish().expect("finish zip").into_inner()
}

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A workbook of `sheets` worksheets (each the same `sheet_data`, the inside of `<sheetData>`),
/// with `shared` as the inside of `<sst>` and `cell_xfs` as the inside of `<cellXfs>`.
pub fn workbook(sheets: usize, sheet_data: &str, shared: &str, cell_xfs: &str) -> Vec<u8> {
    workbook_declaring(sheets, sheet_data, "", shared, cell_xfs)
}

/// One string, but a shared-strings part that declares `declared` of them (`uniqueCount`),
/// which calamine would reserve room for before reading any.
pub fn xlsx_declared_strings(declared: u64) -> Vec<u8> {
    workbook_declaring(
        1,
        "<row r=\"1\"><c t=\"s\"><v>0</v></c></row>",
        &format!(" count=\"{declared}\" uniqueCount=\"{declared}\""),
        "<si><t>0</t></si>",
        "<xf/>",
    )
}

/// [`workbook`], with `sst_attrs` on the `<sst>` element.
fn workbook_declaring(
    sheets: usize,
    sheet_data: &str,
    sst_attrs: &str,
    shared: &str,
    cell_xfs: &str,
) -> Vec<u8> {
    let mut entries = String::new();
    let mut rels = String::new();
    let mut overrides = String::new();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    let sheet = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{MAIN}\"><sheetData>{sheet_data}</sheetData></worksheet>"
    )
    .into_bytes();
    for k in 1..=sheets {
        entries.push_str(&format!(
            "<sheet name=\"表{k}\" sheetId=\"{k}\" r:id=\"rId{k}\"/>"
        ));
        rels.push_str(&format!(
            "<Relationship Id=\"rId{k}\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet{k}.xml\"/>"
        ));
        overrides.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{k}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
        parts.push((format!("xl/worksheets/sheet{k}.xml"), sheet.clone()));
    }
    let fixed = [
        (
            "[Content_Types].xml".to_string(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>{overrides}<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/><Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>"
            )
            .into_bytes(),
        ),
        (
            "_rels/.rels".to_string(),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>").into_bytes(),
        ),
        (
            "xl/workbook.xml".to_string(),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><sheets>{entries}</sheets></workbook>").into_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels".to_string(),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}<Relationship Id=\"rIdS\" Type=\"{REL}/styles\" Target=\"styles.xml\"/><Relationship Id=\"rIdT\" Type=\"{REL}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>").into_bytes(),
        ),
        (
            "xl/styles.xml".to_string(),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"{MAIN}\"><cellXfs>{cell_xfs}</cellXfs></styleSheet>").into_bytes(),
        ),
        (
            "xl/sharedStrings.xml".to_string(),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"{MAIN}\"{sst_attrs}>{shared}</sst>").into_bytes(),
        ),
    ];
    let all: Vec<(&str, Vec<u8>)> = fixed
        .iter()
        .chain(parts.iter())
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    zip(&all)
}

/// One shared string of `len` bytes shown by `refs` cells (a row of them): the amplification
/// that copied one 10 MB string into every cell.
pub fn xlsx_shared_string(len: usize, refs: usize) -> Vec<u8> {
    let shared = format!("<si><t>{}</t></si>", "x".repeat(len));
    let cells: String = (0..refs).map(|_| "<c t=\"s\"><v>0</v></c>").collect();
    workbook(1, &format!("<row r=\"1\">{cells}</row>"), &shared, "<xf/>")
}

/// `count` distinct small shared strings (a table calamine would hold whole).
pub fn xlsx_many_strings(count: usize) -> Vec<u8> {
    let shared: String = (0..count).map(|i| format!("<si><t>{i}</t></si>")).collect();
    workbook(
        1,
        "<row r=\"1\"><c t=\"s\"><v>0</v></c></row>",
        &shared,
        "<xf/>",
    )
}

/// A style sheet of `count` cell formats.
pub fn xlsx_styles(count: usize) -> Vec<u8> {
    let xfs = "<xf numFmtId=\"0\"/>".repeat(count);
    workbook(1, "<row r=\"1\"><c><v>1</v></c></row>", "", &xfs)
}

/// `rows` rows of `width` numeric cells each (no `r`: each cell takes the next column).
pub fn xlsx_huge_rows(rows: usize, width: usize) -> Vec<u8> {
    let row = format!("<row>{}</row>", "<c><v>1</v></c>".repeat(width));
    workbook(1, &row.repeat(rows), "", "<xf/>")
}

/// A workbook of `count` sheets.
pub fn xlsx_many_sheets(count: usize) -> Vec<u8> {
    workbook(count, "<row r=\"1\"><c><v>1</v></c></row>", "", "<xf/>")
}

/// A .docx whose body is `paragraphs` paragraphs, each one run of `run` bytes.
pub fn docx_text(paragraphs: usize, run: usize) -> Vec<u8> {
    let para = format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", "字".repeat(run / 3));
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{}</w:body></w:document>",
        para.repeat(paragraphs)
    );
    zip(&[
        ("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>".to_vec()),
        ("word/document.xml", body.into_bytes()),
    ])
}

/// A .docx of one paragraph of `runs` runs of `run` bytes each: a paragraph that grows run by
/// run.
pub fn docx_long_paragraph(runs: usize, run: usize) -> Vec<u8> {
    let r = format!("<w:r><w:t>{}</w:t></w:r>", "x".repeat(run));
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p>{}</w:p></w:body></w:document>",
        r.repeat(runs)
    );
    zip(&[("word/document.xml", body.into_bytes())])
}

/// A text export of `lines` lines `\tx`: each a table cell, all in one row.
pub fn text_tab_lines(lines: usize) -> Vec<u8> {
    "\tx\n".repeat(lines).into_bytes()
}

/// A text export of one line of `len` bytes.
pub fn text_long_line(len: usize) -> Vec<u8> {
    let mut text = "一、部门基本情况\n".as_bytes().to_vec();
    text.extend(std::iter::repeat_n(b'x', len));
    text.push(b'\n');
    text
}
