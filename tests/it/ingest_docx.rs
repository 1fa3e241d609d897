//! The Word (.docx) reader, on .docx files built here: headings and list numbering, tables
//! with merged cells and across pages, and every kind of bad input.

use crate::support::docx_gen;

use docx_gen::*;
use kaoping::ingest::docx::{check_size, read, read_with_limit};
use kaoping::ingest::{
    Block, Cell, Document, IngestError, Merge, Paragraph, Table, MAX_INPUT_BYTES,
};

fn read_ok(bytes: &[u8]) -> Document {
    match read(bytes, "报告.docx") {
        Ok(doc) => doc,
        Err(e) => panic!("expected a document, got: {e}"),
    }
}

fn heading(level: u8, numbering: Option<&str>, text: &str) -> Block {
    Block::Paragraph(Paragraph {
        text: text.into(),
        heading_level: Some(level),
        numbering: numbering.map(String::from),
    })
}

fn numbered(numbering: &str, text: &str) -> Block {
    Block::Paragraph(Paragraph {
        text: text.into(),
        heading_level: None,
        numbering: Some(numbering.into()),
    })
}

fn plain(text: &str) -> Block {
    Block::Paragraph(Paragraph::new(text))
}

fn c(text: &str) -> Cell {
    Cell::new(text)
}

const LEFT: Cell = Cell {
    text: String::new(),
    merge: Merge::FromLeft,
};
const ABOVE: Cell = Cell {
    text: String::new(),
    merge: Merge::FromAbove,
};

fn assert_blocks(got: &[Block], want: &[Block]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "block {i}");
    }
    assert_eq!(got.len(), want.len(), "number of blocks: {got:#?}");
}

fn assert_table(got: &Table, want: &[Vec<Cell>]) {
    for (r, (g, w)) in got.rows.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len(), "row {r} width: {g:?}");
        for (col, (gc, wc)) in g.iter().zip(w).enumerate() {
            assert_eq!(gc, wc, "cell ({r}, {col})");
        }
    }
    assert_eq!(got.rows.len(), want.len(), "number of rows");
}

/// LibreOffice and WPS, saving a .docx, write a `w:num` per heading over one abstract list:
/// Word counts the abstract list, so the headings go 一、二、三 (not 一、一、一), and a `w:num`
/// with a start override restarts its level where it is first used.
#[test]
fn numbering_is_counted_per_abstract_list_with_its_overrides() {
    let body = [
        para(None, Some((1, 0)), "部门基本情况"),
        para(None, Some((1, 1)), "部门职能"),
        para(None, Some((7, 0)), "绩效目标完成情况"),
        para(None, Some((7, 1)), "产出"),
        para(None, Some((1, 1)), "效益"),
        para(None, Some((8, 1)), "重新计数"),
        para(None, Some((8, 1)), "接着计数"),
        para(None, Some((1, 0)), "存在的问题"),
    ]
    .concat();
    let doc = read_ok(&docx(&body));
    let numbers: Vec<&str> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => p.numbering.as_deref(),
            _ => None,
        })
        .collect();
    assert_eq!(
        numbers,
        [
            "一、",
            "（一）",
            "二、",
            "（一）",
            "（二）",
            "（一）",
            "（二）",
            "三、"
        ]
    );
}

#[test]
fn headings_typed_and_list_numbered() {
    let body = [
        p("2024年度部门整体支出绩效自评报告"),
        para(Some("1"), None, "一、部门基本情况"),
        p("本部门负责全县财政预算绩效管理工作。"),
        para(Some("Heading2"), None, "（一）部门职能"),
        para(Some("1"), Some((1, 0)), "绩效目标完成情况"),
        para(Some("Heading2"), Some((1, 1)), "产出指标"),
        para(None, Some((1, 2)), "数量指标"),
        para(None, Some((1, 3)), "完成率"),
        para(None, Some((1, 3)), "及时率"),
        para(None, Some((1, 2)), "质量指标"),
        para(Some("Heading2"), Some((1, 1)), "效益指标"),
        para(Some("1"), Some((1, 0)), "存在的问题"),
        para(Some("Heading2"), Some((1, 1)), "预算执行"),
        para(Some("a3"), None, "标题三"),
        para(Some("MyHeading"), None, "自定义标题"),
        para(Some("BodyOutline"), None, "大纲级别为正文"),
        para(None, Some((2, 0)), "第一项"),
        para(None, Some((2, 1)), "子项"),
        para(None, Some((2, 0)), "第二项"),
        para(None, Some((4, 0)), "重新编号"),
        para(Some("ListHeading"), None, "样式编号一"),
        para(Some("ListHeading"), None, "样式编号二"),
        para(Some("ListHeading"), Some((0, 0)), "取消编号"),
        para(None, Some((5, 0)), "要点"),
        para(None, Some((6, 0)), "总则"),
        para(None, Some((6, 1)), "目的"),
        para(None, Some((6, 2)), "细则甲"),
        para(None, Some((6, 2)), "细则乙"),
        para(None, Some((6, 0)), "分则"),
        para(None, Some((99, 0)), "未定义的列表"),
        "<w:p/>".into(),
        para(Some("1"), None, ""),
    ]
    .concat();
    let doc = read_ok(&docx(&body));
    assert_blocks(
        &doc.blocks,
        &[
            plain("2024年度部门整体支出绩效自评报告"),
            heading(1, None, "一、部门基本情况"),
            plain("本部门负责全县财政预算绩效管理工作。"),
            heading(2, None, "（一）部门职能"),
            heading(1, Some("一、"), "绩效目标完成情况"),
            heading(2, Some("（一）"), "产出指标"),
            numbered("1.", "数量指标"),
            numbered("①", "完成率"),
            numbered("②", "及时率"),
            numbered("2.", "质量指标"),
            heading(2, Some("（二）"), "效益指标"),
            heading(1, Some("二、"), "存在的问题"),
            heading(2, Some("（一）"), "预算执行"),
            heading(3, None, "标题三"),
            heading(1, None, "自定义标题"),
            plain("大纲级别为正文"),
            numbered("1.", "第一项"),
            numbered("1.1", "子项"),
            numbered("2.", "第二项"),
            numbered("5.", "重新编号"),
            heading(2, Some("甲、"), "样式编号一"),
            heading(2, Some("乙、"), "样式编号二"),
            heading(2, None, "取消编号"),
            numbered("•", "要点"),
            numbered("第一章", "总则"),
            numbered("壹.", "目的"),
            numbered("001", "细则甲"),
            numbered("002", "细则乙"),
            numbered("第二章", "分则"),
            plain("未定义的列表"),
        ],
    );
}

#[test]
fn runs_tabs_breaks_revisions_fields_and_text_boxes() {
    let body = [
        r#"<w:p><w:r><w:t>可见</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:tab/><w:delText>删除</w:delText></w:r></w:del><w:ins w:id="2" w:author="a"><w:r><w:t>插入</w:t></w:r></w:ins><w:r><w:tab/><w:t xml:space="preserve">A&amp;B &lt;C&gt; &#x4E2D;</w:t><w:br/><w:t>第二行</w:t><w:cr/><w:t>第三行</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:t>第</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>页</w:t></w:r></w:p>"#,
        r#"<w:p><w:r><w:t>正文前</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>文本框内容</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>正文后</w:t></w:r></w:p>"#,
        r#"<w:sdt><w:sdtPr><w:alias w:val="x"/></w:sdtPr><w:sdtContent><w:p><w:hyperlink r:id="rId9"><w:r><w:t>控件内文字</w:t></w:r></w:hyperlink></w:p></w:sdtContent></w:sdt>"#,
        r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs><w:outlineLvl w:val="2"/></w:pPr><w:r><w:t>直接大纲级别</w:t></w:r><w:r><w:br w:type="page"/></w:r></w:p>"#,
        r#"<w:p><w:pPr><w:outlineLvl w:val="255"/></w:pPr><w:r><w:t>大纲级别越界</w:t></w:r></w:p>"#,
    ]
    .concat();
    let doc = read_ok(&bare_docx(&body));
    assert_blocks(
        &doc.blocks,
        &[
            plain("可见插入\tA&B <C> 中\n第二行\n第三行"),
            plain("第3页"),
            plain("正文前正文后"),
            plain("文本框内容"),
            plain("控件内文字"),
            heading(3, None, "直接大纲级别"),
            plain("大纲级别越界"),
        ],
    );
}

#[test]
fn merged_and_multi_line_cells_are_a_grid() {
    let nested = format!(
        "<w:tc>{}{}</w:tc>",
        p("外层"),
        tbl(
            2,
            &[
                tr(&[tc("内1"), tc("内2")]),
                tr(&[tc("内3"), tc_span(1, "内4")])
            ]
        )
    );
    let table = tbl(
        4,
        &[
            tr(&[tc("项目"), tc_span(2, "预算数（万元）"), tc("备注")]),
            tr(&[
                tc("指标"),
                tc("年初"),
                tc("调整后"),
                tc_vstart("多行\n备注"),
            ]),
            tr(&[tc_vstart("基本支出"), tc("100"), tc("120"), tc_vcont(1)]),
            tr(&[tc_vcont(1), tc_span(2, "合计：220"), tc_vcont(1)]),
            tr(&[
                tc("项目支出\n（含专项）\n"),
                tc_with(
                    r#"<w:gridSpan w:val="2"/><w:vMerge w:val="restart"/>"#,
                    "跨两列\n两行",
                ),
                tc("x"),
            ]),
            tr(&[tc(""), tc_vcont(2), nested]),
            r#"<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>"#.to_string()
                + &tc_span(2, "左空一格")
                + &tc("末")
                + "</w:tr>",
            tr(&[tc("仅一格")]),
        ],
    );
    let body = [p("表1 预算执行情况"), table, p("表后文字")].concat();
    let doc = read_ok(&docx(&body));
    assert_eq!(doc.blocks.len(), 3, "{:#?}", doc.blocks);
    assert_eq!(doc.blocks[0], plain("表1 预算执行情况"));
    assert_eq!(doc.blocks[2], plain("表后文字"));
    let Block::Table(t) = &doc.blocks[1] else {
        panic!("expected a table, got {:?}", doc.blocks[1]);
    };
    assert_table(
        t,
        &[
            vec![c("项目"), c("预算数（万元）"), LEFT, c("备注")],
            vec![c("指标"), c("年初"), c("调整后"), c("多行\n备注")],
            vec![c("基本支出"), c("100"), c("120"), ABOVE],
            vec![ABOVE, c("合计：220"), LEFT, ABOVE],
            vec![c("项目支出\n（含专项）"), c("跨两列\n两行"), LEFT, c("x")],
            vec![c(""), ABOVE, LEFT, c("外层\n内1\t内2\n内3\t内4")],
            vec![c(""), c("左空一格"), LEFT, c("末")],
            vec![c("仅一格"), c(""), c(""), c("")],
        ],
    );
}

fn indicator_row(i: usize) -> String {
    tr(&[
        tc(&i.to_string()),
        tc(&format!("指标{i}")),
        tc(&format!("{}%", 90 + i % 10)),
    ])
}

fn header_cells() -> Vec<String> {
    vec![tc("序号"), tc("指标名称"), tc("完成值")]
}

#[test]
fn a_table_across_pages_is_one_table_with_its_header_once() {
    // Part one: a header row repeated on each page, and the header typed again mid-table
    // (as a copy of the header row). Part two, after a page break: the same header again.
    let mut part_one = vec![tr_header(&header_cells())];
    part_one.extend((1..=15).map(indicator_row));
    part_one.push(tr_header(&header_cells()));
    part_one.extend((16..=30).map(indicator_row));
    let mut part_two = vec![tr_header(&header_cells())];
    part_two.extend((31..=45).map(indicator_row));
    let mut other = vec![tr_header(&header_cells())];
    other.extend((1..=2).map(indicator_row));
    let body = [
        p("表2 绩效指标完成情况"),
        tbl(3, &part_one),
        page_break(),
        tbl(3, &part_two),
        p("表3 另一张表"),
        tbl(3, &other),
        tbl(2, &[tr(&[tc("甲"), tc("乙")])]),
    ]
    .concat();
    let doc = read_ok(&docx(&body));
    assert_eq!(doc.blocks.len(), 5, "{:#?}", doc.blocks);
    let Block::Table(t) = &doc.blocks[1] else {
        panic!("expected a table, got {:?}", doc.blocks[1]);
    };
    let mut want = vec![vec![c("序号"), c("指标名称"), c("完成值")]];
    want.extend((1..=45).map(|i| {
        vec![
            c(&i.to_string()),
            c(&format!("指标{i}")),
            c(&format!("{}%", 90 + i % 10)),
        ]
    }));
    assert_table(t, &want);
    assert_eq!(doc.blocks[2], plain("表3 另一张表"));
    let Block::Table(other) = &doc.blocks[3] else {
        panic!("expected a table, got {:?}", doc.blocks[3]);
    };
    assert_eq!(other.rows.len(), 3);
    let Block::Table(last) = &doc.blocks[4] else {
        panic!("expected a table, got {:?}", doc.blocks[4]);
    };
    assert_table(last, &[vec![c("甲"), c("乙")]]);
}

#[test]
fn parts_may_be_missing_or_differently_cased() {
    let document = document_xml(&para(Some("Heading1"), Some((1, 0)), "标题"));
    let bytes = zip_of(&[("Word/Document.xml", document.as_bytes())]);
    let doc = read_ok(&bytes);
    assert_eq!(doc.blocks, vec![heading(1, None, "标题")]);
}

// ---- bad input ----

fn name_of(e: &IngestError) -> String {
    match e {
        IngestError::Empty { name }
        | IngestError::TooLarge { name, .. }
        | IngestError::Unsupported { name, .. }
        | IngestError::WrongContent { name, .. }
        | IngestError::Corrupt { name, .. }
        | IngestError::Encrypted { name }
        | IngestError::ZipBomb { name, .. }
        | IngestError::TooMuch { name, .. }
        | IngestError::Encoding { name }
        | IngestError::NoTable { name }
        | IngestError::Scanned { name, .. }
        | IngestError::Unrecognised { name, .. } => name.clone(),
    }
}

fn read_err(bytes: &[u8]) -> IngestError {
    match read(bytes, "自评报告.docx") {
        Ok(doc) => panic!("expected an error, got {doc:?}"),
        Err(e) => {
            assert_eq!(name_of(&e), "自评报告.docx");
            assert!(e.to_string().starts_with("自评报告.docx: "), "{e}");
            e
        }
    }
}

fn wrong_content_detail(bytes: &[u8]) -> String {
    match read_err(bytes) {
        IngestError::WrongContent {
            detail, expected, ..
        } => {
            assert_eq!(expected, "Word (.docx)");
            detail
        }
        e => panic!("expected WrongContent, got {e:?}"),
    }
}

#[test]
fn empty_file() {
    assert!(matches!(read_err(b""), IngestError::Empty { .. }));
}

#[test]
fn too_large_file() {
    assert!(matches!(
        check_size(200 * 1024 * 1024, "big.docx"),
        Err(IngestError::TooLarge { size, .. }) if size == 200 * 1024 * 1024
    ));
    assert!(check_size(MAX_INPUT_BYTES, "ok.docx").is_ok());
    // Zeroed memory is cheap to allocate: the real entry point refuses it by length at once.
    let big = vec![0u8; MAX_INPUT_BYTES + 1];
    assert!(matches!(read_err(&big), IngestError::TooLarge { .. }));
}

#[test]
fn pdf_png_and_others_named_docx() {
    let pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n";
    assert!(wrong_content_detail(pdf).contains("PDF"));
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    assert!(wrong_content_detail(png).contains("PNG"));
    assert!(wrong_content_detail(b"\xFF\xD8\xFF\xE0\0\x10JFIF").contains("JPEG"));
    assert!(wrong_content_detail(b"GIF89a\x01\0\x01\0").contains("GIF"));
    assert!(wrong_content_detail(b"{\\rtf1\\ansi hello}").contains("RTF"));
    assert!(wrong_content_detail("一、部门概况\n".as_bytes()).contains("plain text"));
    assert!(wrong_content_detail(b"\x00\x01\x02\x03\xFE\xFF").contains("not a zip"));
}

const OLE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn ole_with_stream(stream: &str) -> Vec<u8> {
    let mut bytes = OLE.to_vec();
    bytes.resize(512, 0);
    bytes.extend(stream.encode_utf16().flat_map(u16::to_le_bytes));
    bytes.resize(2048, 0);
    bytes
}

#[test]
fn password_protected_docx_is_encrypted() {
    let mut header_only = OLE.to_vec();
    header_only.resize(1536, 0);
    assert!(matches!(
        read_err(&header_only),
        IngestError::Encrypted { .. }
    ));
    let encrypted = ole_with_stream("EncryptedPackage");
    let e = read_err(&encrypted);
    assert!(matches!(e, IngestError::Encrypted { .. }));
    assert!(e.to_string().contains("password"), "{e}");
}

#[test]
fn old_doc_is_told_apart() {
    let detail = wrong_content_detail(&ole_with_stream("WordDocument"));
    assert!(detail.contains(".doc"), "{detail}");
}

#[test]
fn zip_without_document_xml() {
    let zip = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("word/styles.xml", styles_xml().as_bytes()),
    ]);
    assert!(wrong_content_detail(&zip).contains("word/document.xml"));
    let xlsx = zip_of(&[("xl/workbook.xml", b"<workbook/>".as_slice())]);
    assert!(wrong_content_detail(&xlsx).contains("Excel"));
}

#[test]
fn truncated_zip_is_corrupt() {
    let bytes = docx(&p("正文"));
    for cut in [bytes.len() / 2, bytes.len() - 10, 30] {
        match read_err(&bytes[..cut]) {
            IngestError::Corrupt { detail, .. } => assert!(!detail.is_empty()),
            e => panic!("cut at {cut}: expected Corrupt, got {e:?}"),
        }
    }
}

#[test]
fn broken_xml_is_corrupt() {
    let cases: [&[u8]; 4] = [
        b"<w:document><w:body><w:p><w:r><w:t>x</w:t></w:r></w:body></w:document>",
        b"<w:document><w:body><w:p>",
        b"not xml at all <<<",
        b"<w:document><w:body><w:p><w:r><w:t>\xFF\xFE</w:t></w:r></w:p></w:body></w:document>",
    ];
    for xml in cases {
        let zip = zip_of(&[("word/document.xml", xml)]);
        match read_err(&zip) {
            IngestError::Corrupt { detail, .. } => {
                assert!(detail.contains("word/document.xml"), "{detail}")
            }
            e => panic!(
                "{}: expected Corrupt, got {e:?}",
                String::from_utf8_lossy(xml)
            ),
        }
    }
    let zip = zip_of(&[
        ("word/document.xml", document_xml(&p("x")).as_bytes()),
        ("word/styles.xml", b"<w:styles><w:style>".as_slice()),
    ]);
    assert!(
        matches!(read_err(&zip), IngestError::Corrupt { detail, .. } if detail.contains("styles"))
    );
}

/// A document.xml of about `size` bytes: a paragraph of that much text.
fn big_document(size: usize) -> Vec<u8> {
    document_xml(&p(&"0".repeat(size))).into_bytes()
}

#[test]
fn zip_bomb_by_declared_size() {
    let zip = zip_of(&[("word/document.xml", &big_document(2 << 20))]);
    assert!(zip.len() < 100_000, "zeros compress well: {}", zip.len());
    match read_with_limit(&zip, "bomb.docx", 1 << 20) {
        Err(IngestError::ZipBomb { name, limit }) => {
            assert_eq!(name, "bomb.docx");
            assert_eq!(limit, 1 << 20);
        }
        other => panic!("expected ZipBomb, got {other:?}"),
    }
    // Entries that are not read count too: the declared sizes are summed.
    let zeros = vec![0u8; 2 << 20];
    let zip = zip_of(&[
        ("word/document.xml", document_xml(&p("x")).as_bytes()),
        ("word/media/zeros.bin", &zeros),
    ]);
    assert!(matches!(
        read_with_limit(&zip, "bomb.docx", 1 << 20),
        Err(IngestError::ZipBomb { .. })
    ));
    assert!(read_with_limit(&zip, "bomb.docx", 4 << 20).is_ok());
}

#[test]
fn zip_bomb_with_lying_header() {
    let mut zip = zip_of(&[("word/document.xml", &big_document(2 << 20))]);
    lie_about_size(&mut zip, "word/document.xml", 1000);
    // The declared sizes pass the check; unpacking stops where the header said it would end.
    for limit in [1 << 20, 64 << 20] {
        match read_with_limit(&zip, "liar.docx", limit) {
            Err(IngestError::ZipBomb { name, .. }) => assert_eq!(name, "liar.docx"),
            other => panic!("expected ZipBomb, got {other:?}"),
        }
    }
}

#[test]
fn huge_spans_and_deep_nesting_are_refused_not_amplified() {
    let span = tbl(
        1,
        &[tr(&[tc_with(r#"<w:gridSpan w:val="4000000000"/>"#, "x")])],
    );
    assert!(matches!(
        read_err(&bare_docx(&span)),
        IngestError::Corrupt { .. }
    ));
    let deep = "<w:tbl><w:tr><w:tc>".repeat(300) + &"</w:tc></w:tr></w:tbl>".repeat(300);
    assert!(matches!(
        read_err(&bare_docx(&deep)),
        IngestError::Corrupt { .. }
    ));
    let too_wide = tbl(1, &[tr(&vec![tc_span(63, ""); 20])]);
    assert!(matches!(
        read_err(&bare_docx(&too_wide)),
        IngestError::Corrupt { .. }
    ));
    let wide_row = tr(&vec![tc_span(63, ""); 15]);
    let many_rows = tbl(1, &vec![wide_row; 4300]);
    let zip = bare_docx(&many_rows);
    assert!(matches!(read_err(&zip), IngestError::Corrupt { .. }));
}

#[test]
fn mangled_docx_never_panics() {
    let original = docx(
        &[
            para(Some("1"), Some((1, 0)), "绩效目标"),
            tbl(
                2,
                &[tr(&[tc_span(2, "合并")]), tr(&[tc_vstart("a"), tc("b")])],
            ),
        ]
        .concat(),
    );
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut bytes = original.clone();
        for _ in 0..(next() % 8 + 1) {
            let at = (next() as usize) % bytes.len();
            bytes[at] = next() as u8;
        }
        if next() % 4 == 0 {
            let keep = (next() as usize) % bytes.len();
            bytes.truncate(keep.max(1));
        }
        let _ = read(&bytes, "x.docx");
    }
}
