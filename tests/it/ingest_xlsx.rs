//! The Excel reader: workbooks written here part by part with the zip writer, in the layout
//! of real 自评表 and 基础数据表, read back into grids and compared cell by cell.

use std::io::{Cursor, Write};

use kaoping::ingest::xlsx::{self, MAX_GRID_CELLS};
use kaoping::ingest::{
    Block, Cell, Document, IngestError, Merge, Paragraph, Table, MAX_INPUT_BYTES,
};
use zip::write::SimpleFileOptions;

// ---------------------------------------------------------------------------------------------
// Writing workbooks.

/// Cell formats (indexes into `cellXfs` of [`STYLES`]).
const GENERAL: u32 = 0;
const PCT2: u32 = 1; // custom 0.00%
const PCT0: u32 = 2; // built-in 9, 0%
const THOUSANDS: u32 = 3; // custom #,##0.00
const DATE14: u32 = 4; // built-in 14
const DATE_ZH: u32 = 5; // custom yyyy"年"m"月"d"日"
const WANYUAN: u32 = 6; // custom 0.00"万元"
const ACCOUNTING: u32 = 7; // custom #,##0.00_);[Red]\(#,##0.00\)
const FIXED2: u32 = 8; // built-in 2, 0.00
const TEXT: u32 = 9; // built-in 49, @
const SCI: u32 = 10; // built-in 11, 0.00E+00
const DATETIME22: u32 = 11; // built-in 22
const TIME20: u32 = 12; // built-in 20, h:mm
const YUAN: u32 = 13; // [$¥-804]#,##0.00
const OPTIONAL: u32 = 14; // 0.0#
const RED_MINUS: u32 = 15; // #,##0.00_ ;[Red]\-#,##0.00\ (a zh-CN Excel preset)
const DASH_ZERO: u32 = 16; // 0.00;-0.00;"—"

const STYLES: &str = r##"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="9">
<numFmt numFmtId="164" formatCode="0.00%"/>
<numFmt numFmtId="165" formatCode="#,##0.00"/>
<numFmt numFmtId="166" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>
<numFmt numFmtId="167" formatCode="0.00&quot;万元&quot;"/>
<numFmt numFmtId="168" formatCode="#,##0.00_);[Red]\(#,##0.00\)"/>
<numFmt numFmtId="169" formatCode="[$¥-804]#,##0.00"/>
<numFmt numFmtId="170" formatCode="0.0#"/>
<numFmt numFmtId="171" formatCode="#,##0.00_ ;[Red]\-#,##0.00\ "/>
<numFmt numFmtId="172" formatCode="0.00;-0.00;&quot;—&quot;"/>
</numFmts>
<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="17">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="168" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="11" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="20" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="169" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="170" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="171" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="172" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
</styleSheet>"##;

/// A cell as written in the sheet XML.
#[derive(Clone)]
enum V {
    /// Nothing at this position.
    E,
    /// A shared string.
    S(&'static str),
    /// A number as typed in `<v>`, with a cell format.
    N(&'static str, u32),
    /// A formula with its cached value.
    F(&'static str, &'static str),
    /// Raw `<c>` content and attributes, for the odd types (`t="b"`, `t="e"`, inline strings).
    Raw(&'static str, &'static str),
}

use V::{E, F, N, S};

fn n(v: &'static str) -> V {
    N(v, GENERAL)
}

struct SheetSpec {
    name: &'static str,
    /// Zero-based (row, column) of `rows[0][0]`.
    origin: (u32, u32),
    rows: Vec<Vec<V>>,
    merges: Vec<&'static str>,
}

fn sheet(name: &'static str, rows: Vec<Vec<V>>, merges: &[&'static str]) -> SheetSpec {
    SheetSpec {
        name,
        origin: (0, 0),
        rows,
        merges: merges.to_vec(),
    }
}

fn col_name(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

fn cell_ref(r: u32, c: u32) -> String {
    format!("{}{}", col_name(c), r + 1)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The sheet XML and the shared strings it adds.
fn sheet_xml(spec: &SheetSpec, strings: &mut Vec<String>) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>"#,
    );
    for (i, row) in spec.rows.iter().enumerate() {
        let r = spec.origin.0 + i as u32;
        xml.push_str(&format!("<row r=\"{}\">", r + 1));
        for (j, v) in row.iter().enumerate() {
            let at = cell_ref(r, spec.origin.1 + j as u32);
            match v {
                V::E => {}
                V::S(text) => {
                    let index = strings.iter().position(|s| s == text).unwrap_or_else(|| {
                        strings.push(text.to_string());
                        strings.len() - 1
                    });
                    xml.push_str(&format!("<c r=\"{at}\" t=\"s\"><v>{index}</v></c>"));
                }
                V::N(value, style) => {
                    xml.push_str(&format!("<c r=\"{at}\" s=\"{style}\"><v>{value}</v></c>"))
                }
                V::F(formula, cached) => xml.push_str(&format!(
                    "<c r=\"{at}\"><f>{}</f><v>{cached}</v></c>",
                    escape(formula)
                )),
                V::Raw(attrs, body) => xml.push_str(&format!("<c r=\"{at}\" {attrs}>{body}</c>")),
            }
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData>");
    if !spec.merges.is_empty() {
        xml.push_str(&format!("<mergeCells count=\"{}\">", spec.merges.len()));
        for m in &spec.merges {
            xml.push_str(&format!("<mergeCell ref=\"{m}\"/>"));
        }
        xml.push_str("</mergeCells>");
    }
    xml.push_str("</worksheet>");
    xml
}

/// The parts of an .xlsx workbook holding `sheets`, in order.
fn workbook_parts(sheets: &[SheetSpec]) -> Vec<(String, String)> {
    let mut strings = Vec::new();
    let mut parts = Vec::new();
    let mut overrides = String::new();
    let mut entries = String::new();
    let mut rels = String::new();
    for (i, spec) in sheets.iter().enumerate() {
        let k = i + 1;
        parts.push((
            format!("xl/worksheets/sheet{k}.xml"),
            sheet_xml(spec, &mut strings),
        ));
        overrides.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{k}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
        entries.push_str(&format!(
            "<sheet name=\"{}\" sheetId=\"{k}\" r:id=\"rId{k}\"/>",
            escape(spec.name)
        ));
        rels.push_str(&format!(
            "<Relationship Id=\"rId{k}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{k}.xml\"/>"
        ));
    }
    let mut shared = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"{0}\" uniqueCount=\"{0}\">",
        strings.len()
    );
    for s in &strings {
        shared.push_str(&format!(
            "<si><t xml:space=\"preserve\">{}</t></si>",
            escape(s)
        ));
    }
    shared.push_str("</sst>");

    let mut all = vec![
        (
            "[Content_Types].xml".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels".to_string(),
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                .to_string(),
        ),
        (
            "xl/workbook.xml".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{entries}</sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            ),
        ),
        ("xl/styles.xml".to_string(), STYLES.to_string()),
        ("xl/sharedStrings.xml".to_string(), shared),
    ];
    all.extend(parts);
    all
}

fn zip_parts(parts: &[(String, String)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in parts {
        writer
            .start_file(name.as_str(), SimpleFileOptions::default())
            .expect("start part");
        writer.write_all(body.as_bytes()).expect("write part");
    }
    writer.finish().expect("finish zip").into_inner()
}

fn workbook(sheets: &[SheetSpec]) -> Vec<u8> {
    zip_parts(&workbook_parts(sheets))
}

fn read(bytes: &[u8]) -> Document {
    match xlsx::read(bytes, "自评表.xlsx") {
        Ok(doc) => doc,
        Err(e) => panic!("expected a document, got {e}"),
    }
}

fn read_err(bytes: &[u8]) -> IngestError {
    match xlsx::read(bytes, "自评表.xlsx") {
        Ok(doc) => panic!("expected an error, got {doc:?}"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------------
// Expected grids: "<" a position covered from the left, "^" from above, anything else a cell
// of its own with that text.

fn grid(rows: &[&[&str]]) -> Table {
    Table {
        rows: rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&t| match t {
                        "<" => Cell {
                            text: String::new(),
                            merge: Merge::FromLeft,
                        },
                        "^" => Cell {
                            text: String::new(),
                            merge: Merge::FromAbove,
                        },
                        t => Cell::new(t),
                    })
                    .collect()
            })
            .collect(),
    }
}

fn para(text: &str) -> Block {
    Block::Paragraph(Paragraph::new(text))
}

/// Compares two tables row by row and cell by cell, naming the first difference.
fn assert_table(actual: &Block, expected: &Table) {
    let Block::Table(actual) = actual else {
        panic!("expected a table, got {actual:?}");
    };
    for (r, (a, e)) in actual.rows.iter().zip(&expected.rows).enumerate() {
        for (c, (ac, ec)) in a.iter().zip(e).enumerate() {
            assert_eq!(ac, ec, "row {r}, column {c}");
        }
        assert_eq!(a.len(), e.len(), "width of row {r}");
    }
    assert_eq!(actual.rows.len(), expected.rows.len(), "number of rows");
}

// ---------------------------------------------------------------------------------------------
// The two tables of a real report.

const FILLER: &str = "填表人：刘为  填报日期： 2025.5.6  联系电话：15273064067 单位负责人签字：";
const GOAL: &str =
    "1、以“政治引领”为方向，在高质量发展上当先锋。\n2、以“改革创新”为引擎，在为民服务中作表率。";
const DONE: &str = "全年政务服务事项办件42.2万件，数据资源目录108.51万条。";

/// 部门整体支出绩效自评表, A1:I18, laid out as the form departments fill.
fn self_evaluation_sheet() -> SheetSpec {
    sheet(
        "部门整体支出绩效自评表",
        vec![
            vec![S("2024年度部门整体支出绩效自评表")],
            vec![S("市级预算部门名称"), E, S("岳阳市君山区数据局　")],
            vec![
                S("年度预\n算申请\n（万元）"),
                E,
                S("年初预算数"),
                S("全年预算数"),
                S("全年执行数"),
                S("分值"),
                S("执行率"),
                S("得分"),
            ],
            vec![
                E,
                S("年度资金总额"),
                n("1116.88"),
                n("1902.06"),
                n("1885.4400000000001"),
                n("10"),
                n("0.99126963157839"), // 1885.44 / 1902.06; 0.00% set by with_style
                n("9"),
            ],
            vec![E, S("按收入性质分："), E, E, E, S("按支出性质分：")],
            vec![
                E,
                S("其中：一般公共预算：1775.55"),
                E,
                E,
                E,
                S("其中：基本支出：183.17"),
            ],
            vec![S("年度总体目标"), S("预期目标"), E, E, E, S("实际完成情况")],
            vec![E, S(GOAL), E, E, E, S(DONE)],
            vec![
                S("绩\n效\n指\n标"),
                S("一级指标"),
                S("二级指标"),
                S("三级指标"),
                S("年度指标值"),
                S("实际完成值"),
                S("分值"),
                S("得分"),
                S("偏差原因分析及改进措施"),
            ],
            vec![
                E,
                S("产出指标\n\n(50分)"),
                S("数量指标"),
                S("政务大厅办件量统计"),
                S("≥30万件"),
                S("42.2万件"),
                n("5"),
                n("5"),
                S("无偏差"),
            ],
            vec![
                E,
                E,
                E,
                S("政务公开"),
                S("≥5千件"),
                S("0.85万件"),
                n("5"),
                n("5"),
                S("无偏差"),
            ],
            vec![
                E,
                E,
                S("质量指标"),
                S("政务大厅办件办结率"),
                S("100%"),
                N("1", PCT0),
                n("5"),
                n("5"),
                S("　无偏差"),
            ],
            vec![
                E,
                S("效益指标\n\n（30分）"),
                S("社会效\n益指标"),
                S("营商环境"),
                S("优化"),
                S("持续优化"),
                n("5"),
                n("5"),
                S("无偏差"),
            ],
            vec![
                E,
                E,
                S("可持续影响指标"),
                S("政务服务水平"),
                S("提升"),
                S("有效提升"),
                n("5"),
                n("5"),
                S("无偏差"),
            ],
            vec![
                E,
                S("满意度\n指标\n（10分）"),
                S("服务对象满意度指标"),
                S("群众满意度"),
                S("≥98%"),
                N("0.98", PCT0),
                n("10"),
                n("10"),
                S("无偏差"),
            ],
            vec![
                S("总分"),
                E,
                E,
                E,
                E,
                E,
                n("100"),
                F("SUM(H10:H15)", "98"),
                S("　"),
            ],
            vec![],
            vec![S(FILLER)],
        ],
        &[
            "A1:I1", "A2:B2", "C2:I2", "A3:A6", "H3:I3", "H4:I4", "B5:E5", "F5:I5", "B6:E6",
            "F6:I6", "A7:A8", "B7:E7", "F7:I7", "B8:E8", "F8:I8", "A9:A15", "B10:B12", "C10:C11",
            "B13:B14", "A16:F16", "A18:I18",
        ],
    )
}

fn with_style(mut spec: SheetSpec, row: usize, col: usize, style: u32) -> SheetSpec {
    if let Some(V::N(_, s)) = spec.rows.get_mut(row).and_then(|r| r.get_mut(col)) {
        *s = style;
    }
    spec
}

#[rustfmt::skip]
fn expected_self_evaluation() -> Table {
    grid(&[
        &["市级预算部门名称", "<", "岳阳市君山区数据局　", "<", "<", "<", "<", "<", "<"],
        &["年度预\n算申请\n（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "<"],
        &["^", "年度资金总额", "1116.88", "1902.06", "1885.44", "10", "99.13%", "9", "<"],
        &["^", "按收入性质分：", "<", "<", "<", "按支出性质分：", "<", "<", "<"],
        &["^", "其中：一般公共预算：1775.55", "<", "<", "<", "其中：基本支出：183.17", "<", "<", "<"],
        &["年度总体目标", "预期目标", "<", "<", "<", "实际完成情况", "<", "<", "<"],
        &["^", GOAL, "<", "<", "<", DONE, "<", "<", "<"],
        &["绩\n效\n指\n标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        &["^", "产出指标\n\n(50分)", "数量指标", "政务大厅办件量统计", "≥30万件", "42.2万件", "5", "5", "无偏差"],
        &["^", "^", "^", "政务公开", "≥5千件", "0.85万件", "5", "5", "无偏差"],
        &["^", "^", "质量指标", "政务大厅办件办结率", "100%", "100%", "5", "5", "　无偏差"],
        &["^", "效益指标\n\n（30分）", "社会效\n益指标", "营商环境", "优化", "持续优化", "5", "5", "无偏差"],
        &["^", "^", "可持续影响指标", "政务服务水平", "提升", "有效提升", "5", "5", "无偏差"],
        &["^", "满意度\n指标\n（10分）", "服务对象满意度指标", "群众满意度", "≥98%", "98%", "10", "10", "无偏差"],
        &["总分", "<", "<", "<", "<", "<", "100", "98", "　"],
    ])
}

/// 部门整体支出绩效评价基础数据表, A1:G14.
fn basic_data_sheet() -> SheetSpec {
    sheet(
        "基础数据表",
        vec![
            vec![S("2024年度部门整体支出绩效评价基础数据表")],
            vec![
                S("财政供养人员情况（人）"),
                S("编制数"),
                E,
                S("2024年实际在职人数"),
                E,
                S("控制率"),
            ],
            vec![E, n("20"), E, n("37"), E, N("1.85", PCT0)],
            vec![
                S("经费控制情况（万元）"),
                S("2023年决算数"),
                E,
                S("2024年预算数"),
                E,
                S("2024年决算数"),
            ],
            vec![S("三公经费"), n("0.97"), E, n("0.5"), E, n("0.17")],
            vec![S("   1、公务用车购置和维护经费"), S("　"), E, S("　"), E, S("　")],
            vec![
                S("项目支出："),
                N("885.83", THOUSANDS),
                E,
                N("804.7", THOUSANDS),
                E,
                N("1702.25", THOUSANDS),
            ],
            vec![S("政府采购金额"), S("——")],
            vec![
                S("楼堂馆所控制情况\n（2024年完工项目）"),
                S("批复规模\n（㎡）"),
                S("实际规模（㎡）"),
                S("规模控制率"),
                S("预算投资（万元）"),
                S("实际投资（万元）"),
                S("投资概算控制率"),
            ],
            vec![],
            vec![
                S("厉行节约保障措施"),
                S("1、加强支出预算管理；2、坚决落实过“紧日子”要求，压缩“三公”经费；3、精简各类会议和培训。"),
            ],
            vec![],
            vec![],
            vec![
                S("填表人：刘为"),
                E,
                E,
                S("填报日期："),
                N("45783", DATE_ZH),
            ],
        ],
        &[
            "A1:G1", "B2:C2", "D2:E2", "F2:G2", "B3:C3", "D3:E3", "F3:G3", "B4:C4", "D4:E4",
            "F4:G4", "B5:C5", "D5:E5", "F5:G5", "B6:C6", "D6:E6", "F6:G6", "B7:C7", "D7:E7",
            "F7:G7", "B8:C8", "D8:E8", "F8:G8", "A9:A10", "A11:A12", "B11:G12",
        ],
    )
}

#[rustfmt::skip]
fn expected_basic_data() -> Table {
    const MEASURES: &str =
        "1、加强支出预算管理；2、坚决落实过“紧日子”要求，压缩“三公”经费；3、精简各类会议和培训。";
    grid(&[
        &["财政供养人员情况（人）", "编制数", "<", "2024年实际在职人数", "<", "控制率", "<"],
        &["", "20", "<", "37", "<", "185%", "<"],
        &["经费控制情况（万元）", "2023年决算数", "<", "2024年预算数", "<", "2024年决算数", "<"],
        &["三公经费", "0.97", "<", "0.5", "<", "0.17", "<"],
        &["   1、公务用车购置和维护经费", "　", "<", "　", "<", "　", "<"],
        &["项目支出：", "885.83", "<", "804.70", "<", "1,702.25", "<"],
        &["政府采购金额", "——", "<", "", "<", "", "<"],
        &["楼堂馆所控制情况\n（2024年完工项目）", "批复规模\n（㎡）", "实际规模（㎡）", "规模控制率", "预算投资（万元）", "实际投资（万元）", "投资概算控制率"],
        &["^", "", "", "", "", "", ""],
        &["厉行节约保障措施", MEASURES, "<", "<", "<", "<", "<"],
        &["^", "^", "<", "<", "<", "<", "<"],
        &["", "", "", "", "", "", ""],
        &["填表人：刘为", "", "", "填报日期：", "2025年5月6日", "", ""],
    ])
}

#[test]
fn self_evaluation_table_is_read_cell_by_cell_with_its_merges() {
    let spec = with_style(self_evaluation_sheet(), 3, 6, PCT2);
    let doc = read(&workbook(&[spec]));
    assert_eq!(doc.blocks.len(), 3, "{:#?}", doc.blocks);
    assert_eq!(doc.blocks[0], para("2024年度部门整体支出绩效自评表"));
    assert_table(&doc.blocks[1], &expected_self_evaluation());
    // The one-cell 填表人 row below the table (after a blank row) follows it as a paragraph.
    assert_eq!(doc.blocks[2], para(FILLER));
}

#[test]
fn basic_data_table_is_read_cell_by_cell_with_its_merges() {
    let doc = read(&workbook(&[basic_data_sheet()]));
    assert_eq!(doc.blocks.len(), 2, "{:#?}", doc.blocks);
    assert_eq!(
        doc.blocks[0],
        para("2024年度部门整体支出绩效评价基础数据表")
    );
    assert_table(&doc.blocks[1], &expected_basic_data());
}

#[test]
fn sheets_come_in_workbook_order() {
    let spec = with_style(self_evaluation_sheet(), 3, 6, PCT2);
    let doc = read(&workbook(&[basic_data_sheet(), spec]));
    assert_eq!(doc.blocks.len(), 5);
    assert_eq!(
        doc.blocks[0],
        para("2024年度部门整体支出绩效评价基础数据表")
    );
    assert_table(&doc.blocks[1], &expected_basic_data());
    assert_eq!(doc.blocks[2], para("2024年度部门整体支出绩效自评表"));
    assert_table(&doc.blocks[3], &expected_self_evaluation());
    assert_eq!(doc.blocks[4], para(FILLER));
}

#[test]
fn percentage_without_a_percent_format_stays_a_fraction() {
    // The same 执行率 cell with the General format: Excel shows the fraction.
    let doc = read(&workbook(&[self_evaluation_sheet()]));
    let Block::Table(table) = &doc.blocks[1] else {
        panic!("table expected");
    };
    assert_eq!(table.rows[2][6], Cell::new("0.99126963157839"));
}

#[test]
fn empty_sheets_are_skipped() {
    let empty = sheet("Sheet1", vec![], &[]);
    let blanks = sheet(
        "Sheet2",
        vec![vec![S(" "), S("　")], vec![E, S("")]],
        &["A1:B1"],
    );
    let spec = with_style(self_evaluation_sheet(), 3, 6, PCT2);
    let doc = read(&workbook(&[empty, spec, blanks]));
    assert_eq!(doc.blocks.len(), 3);
    assert_eq!(doc.blocks[0], para("2024年度部门整体支出绩效自评表"));
    assert_table(&doc.blocks[1], &expected_self_evaluation());
}

#[test]
fn a_workbook_of_empty_sheets_has_no_table() {
    let bytes = workbook(&[
        sheet("Sheet1", vec![], &[]),
        sheet("Sheet2", vec![vec![S("  ")]], &["A1:C3"]),
    ]);
    assert!(matches!(read_err(&bytes), IngestError::NoTable { .. }));
}

#[test]
fn the_grid_starts_at_the_used_range_not_at_a1() {
    let spec = SheetSpec {
        name: "表3",
        origin: (4, 2), // C5
        rows: vec![
            vec![S("附件3")],
            vec![S("2024年度项目支出绩效自评表")],
            vec![],
            vec![S("项目支\n出名称"), S("行政审批专项　")],
            vec![
                S("主管部门"),
                S("岳阳市君山区财政局"),
                S("实施单位"),
                S("岳阳市君山区行政审批服务局"),
            ],
        ],
        merges: vec!["C5:F5", "D8:F8"],
    };
    let doc = read(&workbook(&[spec]));
    assert_eq!(doc.blocks.len(), 3, "{:#?}", doc.blocks);
    assert_eq!(doc.blocks[0], para("附件3"));
    assert_eq!(doc.blocks[1], para("2024年度项目支出绩效自评表"));
    assert_table(
        &doc.blocks[2],
        &grid(&[
            &["项目支\n出名称", "行政审批专项　", "<", "<"],
            &[
                "主管部门",
                "岳阳市君山区财政局",
                "实施单位",
                "岳阳市君山区行政审批服务局",
            ],
        ]),
    );
}

#[test]
fn a_title_row_whose_merge_reaches_down_stays_in_the_table() {
    // "项目名称" merged over two rows is a header, not a title.
    let spec = sheet(
        "Sheet1",
        vec![vec![S("项目名称"), E], vec![E, S("金额")]],
        &["A1:A2"],
    );
    let doc = read(&workbook(&[spec]));
    assert_eq!(doc.blocks.len(), 1);
    assert_table(&doc.blocks[0], &grid(&[&["项目名称", ""], &["^", "金额"]]));
}

#[test]
fn a_title_merged_over_two_rows_is_one_paragraph() {
    let spec = sheet(
        "Sheet1",
        vec![
            vec![S("2024年度项目支出绩效自评表")],
            vec![],
            vec![E, E, S("单位：万元")],
            vec![S("项目名称"), S("金额"), S("备注")],
        ],
        &["A1:C2"],
    );
    let doc = read(&workbook(&[spec]));
    assert_eq!(
        doc.blocks,
        vec![
            para("2024年度项目支出绩效自评表"),
            para("单位：万元"),
            Block::Table(grid(&[&["项目名称", "金额", "备注"]])),
        ]
    );
}

#[test]
fn a_block_merge_marks_its_first_column_from_above_and_the_rest_from_left() {
    let spec = sheet(
        "Sheet1",
        vec![
            vec![S("a"), S("b"), S("c")],
            vec![S("d"), S("合并"), E],
            vec![S("e"), E, E],
            vec![S("f"), S("g"), S("h")],
        ],
        &["B2:C3"],
    );
    let doc = read(&workbook(&[spec]));
    assert_table(
        &doc.blocks[0],
        &grid(&[
            &["a", "b", "c"],
            &["d", "合并", "<"],
            &["e", "^", "<"],
            &["f", "g", "h"],
        ]),
    );
}

#[test]
fn a_merge_sticking_out_of_the_values_widens_the_grid() {
    // The text stands in B2, its merge reaches to D3: the grid covers the whole region.
    let spec = sheet(
        "Sheet1",
        vec![
            vec![S("x"), S("y")],
            vec![E, S("合计")],
            vec![],
            vec![S("p"), S("q")],
        ],
        &["B2:D3"],
    );
    let doc = read(&workbook(&[spec]));
    assert_eq!(doc.blocks.len(), 1);
    assert_table(
        &doc.blocks[0],
        &grid(&[
            &["x", "y", "", ""],
            &["", "合计", "<", "<"],
            &["", "^", "<", "<"],
            &["p", "q", "", ""],
        ]),
    );
}

#[test]
fn values_hidden_under_a_merge_are_dropped() {
    let spec = sheet(
        "Sheet1",
        vec![vec![S("shown"), S("hidden")], vec![S("a"), S("b")]],
        &["A1:B1"],
    );
    let doc = read(&workbook(&[spec]));
    // Row 1 is one cell wide once merged: a title.
    assert_eq!(doc.blocks[0], para("shown"));
    assert_table(&doc.blocks[1], &grid(&[&["a", "b"]]));
}

// ---------------------------------------------------------------------------------------------
// Values as Excel displays them.

#[test]
fn numbers_dates_and_odd_cells_read_as_excel_displays_them() {
    let cases: Vec<(V, &str)> = vec![
        (n("10"), "10"),
        (n("1885.44"), "1885.44"),
        (n("0.30000000000000004"), "0.3"),
        (n("-0.5"), "-0.5"),
        (n("1E+20"), "1E+20"),
        (n("123456789012"), "123456789012"),
        (N("0.9913", PCT2), "99.13%"),
        (N("0.99125", PCT2), "99.13%"),
        (N("1", PCT0), "100%"),
        (N("0.005", PCT0), "1%"),
        (N("1234567.891", THOUSANDS), "1,234,567.89"),
        (N("-1234.5", THOUSANDS), "-1,234.50"),
        (N("1234.5", ACCOUNTING), "1,234.50"),
        (N("-1234.5", ACCOUNTING), "(1,234.50)"),
        (N("1885.44", WANYUAN), "1885.44万元"),
        (N("2.5", FIXED2), "2.50"),
        (N("2.675", FIXED2), "2.68"),
        (N("-3", FIXED2), "-3.00"),
        (N("123", TEXT), "123"),
        (N("12345", SCI), "1.23E+04"),
        (N("45783", DATE14), "2025/5/6"),
        (N("45783", DATE_ZH), "2025年5月6日"),
        (N("45783.5", DATETIME22), "2025/5/6 12:00"),
        (N("0.75", TIME20), "18:00"),
        (N("1702.25", YUAN), "¥1,702.25"),
        (N("3.1", OPTIONAL), "3.1"),
        (N("3.14159", OPTIONAL), "3.14"),
        (N("3", OPTIONAL), "3.0"),
        (N("1702.25", RED_MINUS), "1,702.25"),
        (N("-1702.25", RED_MINUS), "-1,702.25 "),
        (N("0", DASH_ZERO), "—"),
        (N("-0.5", DASH_ZERO), "-0.50"),
        (F("C1/D1", "0.99126963157839"), "0.99126963157839"),
        (V::Raw("t=\"b\"", "<v>1</v>"), "TRUE"),
        (V::Raw("t=\"e\"", "<v>#DIV/0!</v>"), "#DIV/0!"),
        (
            V::Raw("t=\"inlineStr\"", "<is><t>内联文字</t></is>"),
            "内联文字",
        ),
        (
            V::Raw("t=\"str\"", "<f>A1&amp;\"\"</f><v>公式文字</v>"),
            "公式文字",
        ),
        (S("第一行_x000D_\n第二行"), "第一行\n第二行"),
        (S("≥30万件"), "≥30万件"),
    ];
    let rows: Vec<Vec<V>> = cases
        .iter()
        .enumerate()
        .map(|(i, (v, _))| {
            vec![
                N(Box::leak(i.to_string().into_boxed_str()), GENERAL),
                v.clone(),
            ]
        })
        .collect();
    let doc = read(&workbook(&[sheet("格式", rows, &[])]));
    let [Block::Table(table)] = doc.blocks.as_slice() else {
        panic!("one table expected, got {:#?}", doc.blocks);
    };
    assert_eq!(table.rows.len(), cases.len());
    for (i, ((_, expected), row)) in cases.iter().zip(&table.rows).enumerate() {
        assert_eq!(row[0], Cell::new(i.to_string()));
        assert_eq!(row[1].text, *expected, "case {i}");
        assert_eq!(row[1].merge, Merge::None);
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input.

fn wrong_content_detail(bytes: &[u8]) -> String {
    match read_err(bytes) {
        IngestError::WrongContent {
            expected, detail, ..
        } => {
            assert_eq!(expected, ".xlsx");
            detail
        }
        other => panic!("expected WrongContent, got {other:?}"),
    }
}

#[test]
fn empty_input_is_refused() {
    assert!(matches!(read_err(b""), IngestError::Empty { name } if name == "自评表.xlsx"));
}

#[test]
fn input_over_the_limit_is_refused_before_reading() {
    let mut big = vec![0u8; MAX_INPUT_BYTES + 1];
    big[..4].copy_from_slice(b"PK\x03\x04");
    match read_err(&big) {
        IngestError::TooLarge { size, limit, .. } => {
            assert_eq!(size, MAX_INPUT_BYTES + 1);
            assert_eq!(limit, MAX_INPUT_BYTES);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn a_pdf_or_image_named_xlsx_is_wrong_content() {
    assert!(wrong_content_detail(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj").contains("PDF"));
    assert!(wrong_content_detail(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").contains("PNG image"));
    assert!(wrong_content_detail(b"\xff\xd8\xff\xe0\0\x10JFIF\0").contains("JPEG image"));
    assert!(
        wrong_content_detail("部门整体支出绩效自评表\t1885.44\n".as_bytes()).contains("plain text")
    );
    assert!(wrong_content_detail(b"<html><body><table></table></body></html>").contains("HTML"));
    assert!(wrong_content_detail(b"\x00\x01\x02\x03binary").contains("unrecognised"));
}

#[test]
fn a_zip_that_is_no_workbook_is_wrong_content() {
    let docx = zip_parts(&[
        ("[Content_Types].xml".into(), "<Types/>".into()),
        ("word/document.xml".into(), "<w:document/>".into()),
    ]);
    assert!(wrong_content_detail(&docx).contains("Word document"));

    let other = zip_parts(&[("readme.txt".into(), "hello".into())]);
    assert!(wrong_content_detail(&other).contains("zip archive"));

    let xlsb = zip_parts(&[
        ("[Content_Types].xml".into(), "<Types/>".into()),
        ("xl/workbook.bin".into(), "\u{1}".into()),
        (
            "xl/_rels/workbook.bin.rels".into(),
            "<Relationships/>".into(),
        ),
    ]);
    assert!(wrong_content_detail(&xlsb).contains(".xlsb"));

    let empty = zip_parts(&[]);
    assert!(wrong_content_detail(&empty).contains("empty zip"));
}

/// The start of an OLE compound file with the given stream names in its directory.
fn ole(streams: &[&str]) -> Vec<u8> {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(512, 0);
    for s in streams {
        let mut entry: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        entry.resize(128, 0);
        bytes.extend(entry);
    }
    bytes
}

#[test]
fn an_ole_file_is_encrypted_or_an_old_format() {
    let encrypted = ole(&["Root Entry", "EncryptionInfo", "EncryptedPackage"]);
    assert!(matches!(
        read_err(&encrypted),
        IngestError::Encrypted { .. }
    ));
    // Nothing recognisable inside: most likely a password-protected workbook.
    assert!(matches!(read_err(&ole(&[])), IngestError::Encrypted { .. }));
    let xls = ole(&["Root Entry", "Workbook", "\u{5}SummaryInformation"]);
    assert!(wrong_content_detail(&xls).contains(".xls"));
    let doc = ole(&["Root Entry", "WordDocument", "1Table"]);
    assert!(wrong_content_detail(&doc).contains(".doc"));
}

#[test]
fn a_zip_with_encrypted_entries_is_encrypted() {
    let mut bytes = workbook(&[basic_data_sheet()]);
    // Set the "encrypted" flag (bit 0) of every central directory entry.
    let mut i = 0;
    while i + 10 <= bytes.len() {
        if bytes[i..i + 4] == *b"PK\x01\x02" {
            bytes[i + 8] |= 1;
        }
        i += 1;
    }
    assert!(matches!(read_err(&bytes), IngestError::Encrypted { .. }));
}

#[test]
fn damaged_workbooks_are_corrupt() {
    let good = workbook(&[basic_data_sheet()]);
    // Cut short: the zip directory at the end is gone.
    let cut = &good[..good.len() / 2];
    assert!(matches!(read_err(cut), IngestError::Corrupt { .. }));
    // Zip signature and then nothing sensible.
    assert!(matches!(
        read_err(b"PK\x03\x04garbage"),
        IngestError::Corrupt { .. }
    ));

    // A sheet whose XML stops in the middle.
    let mut parts = workbook_parts(&[basic_data_sheet()]);
    for (name, body) in &mut parts {
        if name == "xl/worksheets/sheet1.xml" {
            body.truncate(body.len() / 2);
        }
    }
    match read_err(&zip_parts(&parts)) {
        IngestError::Corrupt { detail, .. } => assert!(detail.contains("基础数据表"), "{detail}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }

    // A workbook part that is not XML at all.
    let mut parts = workbook_parts(&[basic_data_sheet()]);
    for (name, body) in &mut parts {
        if name == "xl/workbook.xml" {
            *body = "<workbook><sheets><sheet name=".into();
        }
    }
    assert!(matches!(
        read_err(&zip_parts(&parts)),
        IngestError::Corrupt { .. }
    ));

    // A shared-string index past the end of the table.
    let spec = sheet(
        "Sheet1",
        vec![vec![V::Raw("t=\"s\"", "<v>99</v>"), S("x")]],
        &[],
    );
    assert!(matches!(
        read_err(&workbook(&[spec])),
        IngestError::Corrupt { .. }
    ));
}

/// Offsets of the central directory headers of a zip archive.
fn central_headers(bytes: &[u8]) -> Vec<usize> {
    (0..bytes.len().saturating_sub(46))
        .filter(|&i| bytes[i..i + 4] == *b"PK\x01\x02")
        .collect()
}

fn central_header_named(bytes: &[u8], name: &str) -> usize {
    central_headers(bytes)
        .into_iter()
        .find(|&at| {
            let len = u16::from_le_bytes([bytes[at + 28], bytes[at + 29]]) as usize;
            bytes.get(at + 46..at + 46 + len) == Some(name.as_bytes())
        })
        .expect("entry in the central directory")
}

#[test]
fn a_declared_size_past_the_unzipped_limit_is_a_zip_bomb() {
    let mut bytes = workbook(&[basic_data_sheet()]);
    let at = central_header_named(&bytes, "xl/worksheets/sheet1.xml");
    // Uncompressed size: 3 GiB.
    bytes[at + 24..at + 28].copy_from_slice(&0xC000_0000u32.to_le_bytes());
    match read_err(&bytes) {
        IngestError::ZipBomb { limit, .. } => {
            assert_eq!(limit, kaoping::ingest::MAX_UNZIPPED_BYTES)
        }
        other => panic!("expected ZipBomb, got {other:?}"),
    }
}

#[test]
fn many_parts_that_add_up_past_the_limit_are_a_zip_bomb() {
    let mut bytes = workbook(&[basic_data_sheet(), self_evaluation_sheet()]);
    // Each part declares 100 MB; together they pass 256 MB.
    for at in central_headers(&bytes) {
        bytes[at + 24..at + 28].copy_from_slice(&100_000_000u32.to_le_bytes());
    }
    assert!(matches!(read_err(&bytes), IngestError::ZipBomb { .. }));
}

#[test]
fn a_part_larger_than_it_declares_is_corrupt_not_read_on() {
    let mut bytes = workbook(&[basic_data_sheet()]);
    let at = central_header_named(&bytes, "xl/worksheets/sheet1.xml");
    bytes[at + 24..at + 28].copy_from_slice(&64u32.to_le_bytes());
    assert!(matches!(read_err(&bytes), IngestError::Corrupt { .. }));
}

#[test]
fn a_sheet_spanning_the_whole_grid_is_refused() {
    let spec = sheet("Sheet1", vec![vec![S("x")]], &[]);
    let mut parts = workbook_parts(&[spec]);
    for (name, body) in &mut parts {
        if name == "xl/worksheets/sheet1.xml" {
            *body = body.replace(
                "</sheetData>",
                "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData>",
            );
        }
    }
    match read_err(&zip_parts(&parts)) {
        IngestError::Corrupt { detail, .. } => {
            assert!(detail.contains("1048576 rows"), "{detail}");
            assert!(detail.contains(&MAX_GRID_CELLS.to_string()), "{detail}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn damaged_bytes_never_panic() {
    let good = workbook(&[basic_data_sheet(), self_evaluation_sheet()]);
    let step = (good.len() / 150).max(1);
    for cut in (1..good.len()).step_by(step) {
        let _ = xlsx::read(&good[..cut], "x.xlsx");
    }
    for at in (0..good.len()).step_by(step) {
        for flip in [0x01u8, 0x80, 0xFF] {
            let mut bad = good.clone();
            bad[at] ^= flip;
            let _ = xlsx::read(&bad, "x.xlsx");
        }
    }
    // Stored (uncompressed) parts expose the XML itself to the damage.
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in workbook_parts(&[basic_data_sheet()]) {
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        writer.start_file(name, options).expect("start part");
        writer.write_all(body.as_bytes()).expect("write part");
    }
    let stored = writer.finish().expect("finish").into_inner();
    for at in (0..stored.len()).step_by((stored.len() / 300).max(1)) {
        for b in [b'<', b'"', b'9', 0] {
            let mut bad = stored.clone();
            bad[at] = b;
            let _ = xlsx::read(&bad, "x.xlsx");
        }
    }
}

#[test]
fn odd_merge_regions_do_not_break_the_grid() {
    // Overlapping regions and one reaching far outside the values: the grid stays whole and no
    // mark points at nothing.
    let spec = sheet(
        "Sheet1",
        vec![
            vec![S("x"), S("y"), S("z")],
            vec![S("a"), S("b"), S("c")],
            vec![S("d"), S("e"), S("f")],
        ],
        &["A2:B3", "B2:C3", "C3:C3", "C1:E9"],
    );
    let doc = read(&workbook(&[spec]));
    let [Block::Table(table)] = doc.blocks.as_slice() else {
        panic!("one table expected: {:#?}", doc.blocks);
    };
    assert_eq!(table.rows.len(), 9);
    assert_eq!(table.rows[0].len(), 5);
    assert_eq!(table.rows[1][0], Cell::new("a"));
    for (r, row) in table.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell.merge {
                Merge::FromLeft => assert!(c > 0, "row {r}, column {c}"),
                Merge::FromAbove => assert!(r > 0, "row {r}, column {c}"),
                Merge::None => {}
            }
        }
    }
}

#[test]
fn an_excel_report_builds_into_the_package() {
    // The whole way: workbook → document → package, as an upload goes.
    let rubric =
        kaoping::rubric::Rubric::builtin(kaoping::rubric::DEFAULT_RUBRIC).expect("built-in rubric");
    let spec = with_style(self_evaluation_sheet(), 3, 6, PCT2);
    let parsed = kaoping::ingest::parse(
        &workbook(&[basic_data_sheet(), spec]),
        "君山区.xlsx",
        rubric.body_parts(),
    )
    .expect("parsed");
    let package = serde_json::to_value(&parsed.package).expect("json");
    assert_eq!(package["department"]["name"], "岳阳市君山区数据局");
    let report = &package["report"];
    assert_eq!(report["basic_data"]["staffing"]["authorized"], "20");
    assert_eq!(report["basic_data"]["rows"][2]["values"][2], "1702.25");
    let table = &report["department_table"];
    assert_eq!(table["title"], "2024年度部门整体支出绩效自评表");
    assert_eq!(table["funds"][0]["execution_rate"], "99.13");
    assert_eq!(table["funds"][0]["executed"], "1885.44");
    assert_eq!(table["indicators"].as_array().map(Vec::len), Some(6));
    assert_eq!(table["indicators"][1]["level1"], "产出指标");
    assert_eq!(table["indicators"][1]["level2"], "数量指标");
    assert_eq!(table["total_score"], "98");
    assert_eq!(table["filled"]["filled_by"], "刘为");
}

#[test]
fn a_workbook_without_a_report_table_is_no_table() {
    let rubric = kaoping::rubric::Rubric::builtin(kaoping::rubric::DEFAULT_RUBRIC).expect("rubric");
    let bytes = workbook(&[sheet(
        "名单",
        vec![vec![S("姓名"), S("电话")], vec![S("张三"), n("123")]],
        &[],
    )]);
    let err = kaoping::ingest::parse(&bytes, "名单.xlsx", rubric.body_parts()).unwrap_err();
    assert!(matches!(err, IngestError::NoTable { .. }), "{err}");
    assert!(err.to_string().contains("名单.xlsx"), "{err}");
}
