//! Builds real .docx files (zip archives of WordprocessingML parts) for the reader's tests.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const MC: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

pub const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>"#;

pub const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

pub const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>"#;

/// Styles as a Chinese Word writes them: heading 1 has the id "1", heading 2 an English id,
/// "标题 3" has no outline level (recognised by its name), "MyHeading" is based on heading 1,
/// "ListHeading" is numbered by list 3 through its style.
pub fn styles_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W}">
<w:docDefaults><w:pPrDefault><w:pPr><w:spacing w:after="0"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/><w:pPr><w:jc w:val="both"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/><w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="标题 3"/><w:basedOn w:val="a"/></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="MyHeading"><w:name w:val="我的标题"/><w:basedOn w:val="1"/></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="ListHeading"><w:name w:val="列表标题"/><w:basedOn w:val="a"/><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="BodyOutline"><w:name w:val="Body Text"/><w:pPr><w:outlineLvl w:val="9"/></w:pPr></w:style>
<w:style w:type="character" w:styleId="1Char"><w:name w:val="标题 1 Char"/></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>
</w:styles>"#
    )
}

fn lvl(ilvl: u8, start: u32, fmt: &str, text: &str) -> String {
    format!(
        r#"<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr><w:tabs><w:tab w:val="num" w:pos="720"/></w:tabs><w:ind w:left="720" w:hanging="720"/></w:pPr></w:lvl>"#
    )
}

/// Lists: 1 = 一、/（一）/1./① ; 2 = 1./1.1 ; 3 = 甲、 (the ListHeading style's) ;
/// 4 = list 2's definition restarted at 5 ; 5 = bullets ; 6 = 第一章 / 壹. / custom 001.
pub fn numbering_xml() -> String {
    let abs0 = [
        lvl(0, 1, "chineseCounting", "%1、"),
        lvl(1, 1, "chineseCounting", "（%2）"),
        lvl(2, 1, "decimal", "%3."),
        lvl(3, 1, "decimalEnclosedCircle", "%4"),
    ]
    .concat();
    let abs1 = [lvl(0, 1, "decimal", "%1."), lvl(1, 1, "decimal", "%1.%2")].concat();
    let abs2 = lvl(0, 1, "ideographTraditional", "%1、");
    let abs3 = format!(
        r#"<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="{}"/><w:rPr><w:rFonts w:ascii="Symbol" w:hAnsi="Symbol"/></w:rPr></w:lvl>"#,
        '\u{F0B7}'
    );
    let abs4 = [
        lvl(0, 1, "chineseCountingThousand", "第%1章"),
        lvl(1, 1, "chineseLegalSimplified", "%2."),
        r#"<w:lvl w:ilvl="2"><w:start w:val="1"/><mc:AlternateContent><mc:Choice Requires="w14"><w:numFmt w:val="custom" w:format="001, 002, 003, ..."/></mc:Choice><mc:Fallback><w:numFmt w:val="decimal"/></mc:Fallback></mc:AlternateContent><w:lvlText w:val="%3"/><w:suff w:val="space"/></w:lvl>"#
            .to_string(),
    ]
    .concat();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W}" xmlns:mc="{MC}">
<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="multilevel"/>{abs0}</w:abstractNum>
<w:abstractNum w:abstractNumId="1">{abs1}</w:abstractNum>
<w:abstractNum w:abstractNumId="2">{abs2}</w:abstractNum>
<w:abstractNum w:abstractNumId="3">{abs3}</w:abstractNum>
<w:abstractNum w:abstractNumId="4">{abs4}</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>
<w:num w:numId="4"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
<w:num w:numId="5"><w:abstractNumId w:val="3"/></w:num>
<w:num w:numId="6"><w:abstractNumId w:val="4"/></w:num>
<w:num w:numId="7"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="8"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="1"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
</w:numbering>"#
    )
}

/// Escapes text for XML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A run: text with tabs and line breaks as Word writes them.
pub fn run(text: &str) -> String {
    let mut out = String::from("<w:r><w:rPr><w:rFonts w:hint=\"eastAsia\"/></w:rPr>");
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<w:br/>");
        }
        for (j, piece) in line.split('\t').enumerate() {
            if j > 0 {
                out.push_str("<w:tab/>");
            }
            if !piece.is_empty() {
                out.push_str(&format!(
                    r#"<w:t xml:space="preserve">{}</w:t>"#,
                    esc(piece)
                ));
            }
        }
    }
    out.push_str("</w:r>");
    out
}

/// A paragraph with optional style and list numbering (numId, ilvl), text split in runs.
pub fn para(style: Option<&str>, num: Option<(i64, u8)>, text: &str) -> String {
    let mut ppr = String::new();
    if let Some(s) = style {
        ppr.push_str(&format!(r#"<w:pStyle w:val="{s}"/>"#));
    }
    if let Some((id, ilvl)) = num {
        ppr.push_str(&format!(
            r#"<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{id}"/></w:numPr>"#
        ));
    }
    // Split the text over two runs, as Word does when formatting changes mid-paragraph.
    let cut = text.char_indices().nth(2).map_or(text.len(), |(i, _)| i);
    let (a, b) = text.split_at(cut);
    let runs = if b.is_empty() {
        run(a)
    } else {
        run(a) + &run(b)
    };
    format!(r#"<w:p><w:pPr>{ppr}<w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr></w:pPr>{runs}</w:p>"#)
}

pub fn p(text: &str) -> String {
    para(None, None, text)
}

pub fn page_break() -> String {
    r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#.to_string()
}

/// A table cell: its text's lines become paragraphs.
pub fn tc(text: &str) -> String {
    tc_with("", text)
}

pub fn tc_with(tcpr: &str, text: &str) -> String {
    let paras: String = text.split('\n').map(p).collect();
    format!(r#"<w:tc><w:tcPr><w:tcW w:w="1000" w:type="dxa"/>{tcpr}</w:tcPr>{paras}</w:tc>"#)
}

/// A cell spanning `n` grid columns.
pub fn tc_span(n: usize, text: &str) -> String {
    tc_with(&format!(r#"<w:gridSpan w:val="{n}"/>"#), text)
}

/// The first cell of a vertical merge.
pub fn tc_vstart(text: &str) -> String {
    tc_with(r#"<w:vMerge w:val="restart"/>"#, text)
}

/// A cell continuing the vertical merge above it (spanning `n` columns).
pub fn tc_vcont(n: usize) -> String {
    let span = if n > 1 {
        format!(r#"<w:gridSpan w:val="{n}"/>"#)
    } else {
        String::new()
    };
    tc_with(&format!(r#"{span}<w:vMerge/>"#), "")
}

pub fn tr(cells: &[String]) -> String {
    format!(
        r#"<w:tr><w:trPr><w:trHeight w:val="400"/></w:trPr>{}</w:tr>"#,
        cells.concat()
    )
}

/// A header row, repeated at the top of each page.
pub fn tr_header(cells: &[String]) -> String {
    format!(
        r#"<w:tr><w:trPr><w:tblHeader/></w:trPr>{}</w:tr>"#,
        cells.concat()
    )
}

pub fn tbl(columns: usize, rows: &[String]) -> String {
    let grid: String = (0..columns).map(|_| r#"<w:gridCol w:w="1000"/>"#).collect();
    format!(
        r#"<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{}</w:tbl>"#,
        rows.concat()
    )
}

/// document.xml around body content.
pub fn document_xml(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W}" xmlns:mc="{MC}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml" mc:Ignorable="w14"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"#
    )
}

/// A zip archive of these entries, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, options).expect("start zip entry");
        zip.write_all(data).expect("write zip entry");
    }
    zip.finish().expect("finish zip").into_inner()
}

/// A complete .docx with these body contents and the styles and lists above.
pub fn docx(body: &str) -> Vec<u8> {
    let document = document_xml(body);
    let styles = styles_xml();
    let numbering = numbering_xml();
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.as_bytes()),
        ("word/document.xml", document.as_bytes()),
        ("word/styles.xml", styles.as_bytes()),
        ("word/numbering.xml", numbering.as_bytes()),
    ])
}

/// A .docx with only document.xml (no styles, no numbering).
pub fn bare_docx(body: &str) -> Vec<u8> {
    let document = document_xml(body);
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("word/document.xml", document.as_bytes()),
    ])
}

/// Rewrites the uncompressed size an entry declares, in its local header and in the central
/// directory, leaving the data as it is: a zip whose headers lie.
pub fn lie_about_size(zip: &mut [u8], entry: &str, size: u32) {
    let name = entry.as_bytes();
    let mut i = 0;
    while i + 4 <= zip.len() {
        let sig = &zip[i..i + 4];
        let (size_at, name_len_at, name_at) = match sig {
            b"PK\x03\x04" => (22, 26, 30),
            b"PK\x01\x02" => (24, 28, 46),
            _ => {
                i += 1;
                continue;
            }
        };
        if i + name_at > zip.len() {
            break;
        }
        let name_len = u16::from_le_bytes([zip[i + name_len_at], zip[i + name_len_at + 1]]);
        let start = i + name_at;
        if zip.get(start..start + usize::from(name_len)) == Some(name) {
            zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 4;
    }
}
