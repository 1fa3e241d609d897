//! Exports of a ranking: CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX.
//!
//! Both read a [`Snapshot`] and the rows [`rank`](super::rank) made of it; neither touches the
//! web layer or the database. Decimals are written exactly in the CSV (`Decimal::to_string()`);
//! the workbook stores numbers and shows them with the format `0.00`.
//!
//! Department names are user input, so text that a spreadsheet could take for a formula is
//! defused: in the CSV it gets a leading apostrophe, in the workbook the cell gets Excel's
//! quote prefix (the text is kept as it is and is never a formula).

use std::borrow::Cow;

use chrono::FixedOffset;
use rust_decimal::Decimal;
use rust_xlsxwriter::{ColNum, Format, RowNum, Workbook, Worksheet, XlsxError};

use super::{ItemInfo, RankedRow, Snapshot, Standing};
use crate::rubric::TieRule;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the workbook")]
    Xlsx(#[from] XlsxError),
}

/// The UTF-8 byte order mark: without it Excel reads a CSV in the local code page.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Asia/Shanghai: UTC+8 all year, no daylight saving.
const SHANGHAI: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The ranking's columns, in both exports.
const RANKING_HEADERS: [&str; 8] = [
    "排名",
    "部门编码",
    "部门名称",
    "类别",
    "总分",
    "等级",
    "状态",
    "逾期",
];

const SHEET_RANKING: &str = "排名";
const SHEET_ITEMS: &str = "分项得分";
const NUMBER_FORMAT: &str = "0.00";

/// Column widths, in characters (a CJK character counts two).
const MIN_WIDTH: u32 = 6;
const MAX_WIDTH: u32 = 60;
const WIDTH_PADDING: u32 = 2;

/// The ranking as CSV: UTF-8 with a BOM, CRLF line ends, RFC 4180 quoting.
///
/// A plain table (no preamble): the ranking columns, then one column per item of the snapshot
/// headed by its name and maximum, e.g. `自评通知(5)`. Departments that did not submit have
/// empty rank, total, grade and item cells and the status 未报送. The tie rule and category are
/// not written: the rows were already ranked under them (the caller names them elsewhere,
/// e.g. in the file name); they are taken for symmetry with [`xlsx`].
pub fn csv(
    snapshot: &Snapshot,
    rows: &[RankedRow],
    _rule: TieRule,
    _category: Option<&str>,
) -> Vec<u8> {
    let mut out = String::new();
    let header = RANKING_HEADERS
        .iter()
        .map(|h| Cow::Borrowed(*h))
        .chain(snapshot.items.iter().map(|i| Cow::Owned(item_header(i))));
    push_record(&mut out, header.map(|h| csv_text(&h)));
    for row in rows {
        let mut cells = vec![
            csv_number(row.rank.map(|r| r.to_string())),
            csv_text(&row.department),
            csv_text(&row.name),
            csv_text(&row.category),
            csv_number(row.total.map(|t| t.to_string())),
            row.grade.as_deref().map(csv_text).unwrap_or_default(),
            csv_text(status(row)),
            csv_text(late(row)),
        ];
        cells.extend(
            snapshot
                .items
                .iter()
                .map(|i| csv_number(row.items.get(&i.code).map(Decimal::to_string))),
        );
        push_record(&mut out, cells.into_iter());
    }
    let mut bytes = Vec::with_capacity(BOM.len() + out.len());
    bytes.extend_from_slice(BOM);
    bytes.extend_from_slice(out.as_bytes());
    bytes
}

/// Any table as CSV the way [`csv`] writes it (BOM, CRLF, RFC 4180, cells that a spreadsheet
/// would run as formulas defused): for other reports of a round.
pub fn csv_table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = String::new();
    push_record(&mut out, header.iter().map(|h| csv_text(h)));
    for row in rows {
        push_record(&mut out, row.iter().map(|c| csv_text(c)));
    }
    let mut bytes = Vec::with_capacity(BOM.len() + out.len());
    bytes.extend_from_slice(BOM);
    bytes.extend_from_slice(out.as_bytes());
    bytes
}

/// The ranking as a workbook of two sheets.
///
/// 排名: the ranking columns (header in row 0, bold, frozen, with an autofilter), then one
/// empty row, then notes: 轮次, 版本, 公布时间 (Asia/Shanghai), 排名规则, 等级标准, 类别 and
/// 评分标准. 分项得分: rank, code, name, one column per item, total. Scores are numbers shown
/// as `0.00`; every column is as wide as its longest content (CJK characters count two).
pub fn xlsx(
    snapshot: &Snapshot,
    rows: &[RankedRow],
    rule: TieRule,
    category: Option<&str>,
) -> Result<Vec<u8>, ExportError> {
    let formats = Formats {
        header: Format::new().set_bold(),
        number: Format::new().set_num_format(NUMBER_FORMAT),
        quoted: Format::new().set_quote_prefix(),
    };
    let mut workbook = Workbook::new();
    let last_row = row_num(rows.len())?;

    let mut sheet = Sheet::new(workbook.add_worksheet().set_name(SHEET_RANKING)?, &formats);
    sheet.header_row(RANKING_HEADERS.iter().copied())?;
    for (i, row) in rows.iter().enumerate() {
        let r = row_num(i + 1)?;
        if let Some(rank) = row.rank {
            sheet.integer(r, 0, rank)?;
        }
        sheet.text(r, 1, &row.department)?;
        sheet.text(r, 2, &row.name)?;
        sheet.text(r, 3, &row.category)?;
        if let Some(total) = row.total {
            sheet.decimal(r, 4, total)?;
        }
        if let Some(grade) = &row.grade {
            sheet.text(r, 5, grade)?;
        }
        sheet.text(r, 6, status(row))?;
        sheet.text(r, 7, late(row))?;
    }
    sheet.table_done(last_row, col_num(RANKING_HEADERS.len() - 1)?)?;
    for (i, (label, value)) in notes(snapshot, rule, category).iter().enumerate() {
        let r = row_num(rows.len() + 2 + i)?;
        sheet.label(r, 0, label)?;
        sheet.note(r, 1, value)?;
    }
    sheet.finish()?;

    let mut sheet = Sheet::new(workbook.add_worksheet().set_name(SHEET_ITEMS)?, &formats);
    let item_headers: Vec<String> = snapshot.items.iter().map(item_header).collect();
    let headers = ["排名", "部门编码", "部门名称"]
        .into_iter()
        .chain(item_headers.iter().map(String::as_str))
        .chain(["总分"]);
    sheet.header_row(headers)?;
    let first_item = 3;
    let total_col = col_num(first_item + snapshot.items.len())?;
    for (i, row) in rows.iter().enumerate() {
        let r = row_num(i + 1)?;
        if let Some(rank) = row.rank {
            sheet.integer(r, 0, rank)?;
        }
        sheet.text(r, 1, &row.department)?;
        sheet.text(r, 2, &row.name)?;
        for (j, item) in snapshot.items.iter().enumerate() {
            if let Some(score) = row.items.get(&item.code) {
                sheet.decimal(r, col_num(first_item + j)?, *score)?;
            }
        }
        if let Some(total) = row.total {
            sheet.decimal(r, total_col, total)?;
        }
    }
    sheet.table_done(last_row, total_col)?;
    sheet.finish()?;

    Ok(workbook.save_to_buffer()?)
}

/// An item's column header: its name and maximum, e.g. `自评通知(5)`.
fn item_header(item: &ItemInfo) -> String {
    format!("{}({})", item.name, item.max.normalize())
}

fn status(row: &RankedRow) -> &'static str {
    match row.standing {
        Standing::Ranked => "已排名",
        Standing::NotSubmitted => "未报送",
    }
}

fn late(row: &RankedRow) -> &'static str {
    if row.late {
        "是"
    } else {
        "否"
    }
}

/// The notes below the ranking: label and value.
fn notes(
    snapshot: &Snapshot,
    rule: TieRule,
    category: Option<&str>,
) -> Vec<(&'static str, String)> {
    let cutoffs = snapshot
        .cutoffs
        .iter()
        .map(|c| format!("{} ≥ {}", c.grade, c.min.normalize()))
        .collect::<Vec<_>>()
        .join("；");
    vec![
        ("轮次", format!("{}（{}年）", snapshot.title, snapshot.year)),
        ("版本", format!("第{}版", snapshot.version)),
        (
            "公布时间",
            snapshot
                .published_at
                .with_timezone(&SHANGHAI)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        ),
        ("排名规则", rule.describe().to_string()),
        ("等级标准", cutoffs),
        ("类别", category.unwrap_or("全部").to_string()),
        ("评分标准", snapshot.rubric.clone()),
    ]
}

// ------------------------------------------------------------------------------------- CSV

/// Whether a spreadsheet could take text starting so for a formula (or strip its start).
fn risky(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A text cell: defused against formula injection, then quoted per RFC 4180 when needed.
fn csv_text(s: &str) -> String {
    let s: Cow<str> = if risky(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// A number cell, empty when absent. Numbers are digits, a point and a sign: never quoted,
/// never defused.
fn csv_number(n: Option<String>) -> String {
    n.unwrap_or_default()
}

fn push_record(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell);
    }
    out.push_str("\r\n");
}

// ------------------------------------------------------------------------------------ XLSX

struct Formats {
    header: Format,
    number: Format,
    quoted: Format,
}

/// A worksheet being written, with the width each column needs.
struct Sheet<'a> {
    sheet: &'a mut Worksheet,
    formats: &'a Formats,
    widths: Vec<u32>,
}

impl<'a> Sheet<'a> {
    fn new(sheet: &'a mut Worksheet, formats: &'a Formats) -> Self {
        Sheet {
            sheet,
            formats,
            widths: Vec::new(),
        }
    }

    fn fit(&mut self, col: ColNum, content: &str) {
        let col = usize::from(col);
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(display_width(content));
    }

    /// Row 0: bold headers.
    fn header_row<'h>(&mut self, headers: impl Iterator<Item = &'h str>) -> Result<(), XlsxError> {
        for (c, header) in headers.enumerate() {
            let c = col_num(c)?;
            self.fit(c, header);
            self.sheet
                .write_string_with_format(0, c, header, &self.formats.header)?;
        }
        Ok(())
    }

    /// Freezes the header row and puts an autofilter on the table.
    fn table_done(&mut self, last_row: RowNum, last_col: ColNum) -> Result<(), XlsxError> {
        self.sheet.set_freeze_panes(1, 0)?;
        self.sheet.autofilter(0, 0, last_row, last_col)?;
        Ok(())
    }

    fn text(&mut self, row: RowNum, col: ColNum, text: &str) -> Result<(), XlsxError> {
        self.fit(col, text);
        self.write_text(row, col, text)
    }

    /// A bold label that counts for its column's width.
    fn label(&mut self, row: RowNum, col: ColNum, text: &str) -> Result<(), XlsxError> {
        self.fit(col, text);
        self.sheet
            .write_string_with_format(row, col, text, &self.formats.header)?;
        Ok(())
    }

    /// A note's text: it does not widen its column, it runs on over the empty cells to its right.
    fn note(&mut self, row: RowNum, col: ColNum, text: &str) -> Result<(), XlsxError> {
        self.write_text(row, col, text)
    }

    fn write_text(&mut self, row: RowNum, col: ColNum, text: &str) -> Result<(), XlsxError> {
        if risky(text) {
            self.sheet
                .write_string_with_format(row, col, text, &self.formats.quoted)?;
        } else {
            self.sheet.write_string(row, col, text)?;
        }
        Ok(())
    }

    fn integer(&mut self, row: RowNum, col: ColNum, n: u32) -> Result<(), XlsxError> {
        self.fit(col, &n.to_string());
        self.sheet.write_number(row, col, n)?;
        Ok(())
    }

    /// A number shown as `0.00`; written as text should it not be one `f64` can hold.
    fn decimal(&mut self, row: RowNum, col: ColNum, d: Decimal) -> Result<(), XlsxError> {
        let exact = d.to_string();
        match exact.parse::<f64>() {
            Ok(n) => {
                self.fit(col, &format!("{n:.2}"));
                self.sheet
                    .write_number_with_format(row, col, n, &self.formats.number)?;
            }
            Err(_) => {
                self.fit(col, &exact);
                self.sheet.write_string(row, col, exact)?;
            }
        }
        Ok(())
    }

    /// Sets every column's width: its longest content, clamped, plus padding.
    fn finish(self) -> Result<(), XlsxError> {
        for (c, &width) in self.widths.iter().enumerate() {
            let width = width.clamp(MIN_WIDTH, MAX_WIDTH) + WIDTH_PADDING;
            self.sheet.set_column_width(col_num(c)?, width)?;
        }
        Ok(())
    }
}

fn row_num(i: usize) -> Result<RowNum, XlsxError> {
    RowNum::try_from(i).map_err(|_| XlsxError::RowColumnLimitError)
}

fn col_num(i: usize) -> Result<ColNum, XlsxError> {
    ColNum::try_from(i).map_err(|_| XlsxError::RowColumnLimitError)
}

/// How many columns `s` takes: CJK and full-width characters two, others one.
fn display_width(s: &str) -> u32 {
    s.chars()
        .map(|c| if wide(c) { 2 } else { 1 })
        .fold(0u32, u32::saturating_add)
}

fn wide(c: char) -> bool {
    matches!(
        u32::from(c),
        0x1100..=0x115F         // Hangul Jamo
            | 0x2E80..=0x303E   // CJK radicals, Kangxi, CJK symbols and punctuation
            | 0x3041..=0x33FF   // kana, bopomofo, CJK compatibility
            | 0x3400..=0x4DBF   // CJK extension A
            | 0x4E00..=0x9FFF   // CJK unified ideographs
            | 0xA000..=0xA4CF   // Yi
            | 0xAC00..=0xD7A3   // Hangul syllables
            | 0xF900..=0xFAFF   // CJK compatibility ideographs
            | 0xFE30..=0xFE4F   // CJK compatibility forms
            | 0xFF00..=0xFF60   // full-width forms
            | 0xFFE0..=0xFFE6   // full-width signs
            | 0x20000..=0x3FFFD // CJK extensions B and later
    )
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use calamine::{Data, Reader};
    use chrono::NaiveDate;

    use super::*;
    use crate::ranking::{rank, PublishedDepartment};
    use crate::rubric::{Rubric, DEFAULT_RUBRIC};

    const HYPERLINK: &str = "=HYPERLINK(\"http://evil.example\",\"点击\")";
    const COMMA_QUOTE: &str = "教育局,\"一处\"";

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// A department scored `a` of 5 for 自评通知 and `b` of 95 for 报告质量; not submitted (and
    /// late) when None.
    fn dept(
        code: &str,
        name: &str,
        category: &str,
        scores: Option<(&str, &str)>,
    ) -> PublishedDepartment {
        let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
        let total = scores.map(|(a, b)| d(a) + d(b));
        PublishedDepartment {
            code: code.into(),
            name: name.into(),
            category: category.into(),
            submitted: scores.is_some(),
            late: scores.is_none(),
            total,
            grade: total.and_then(|t| rubric.grade_for(t).map(str::to_string)),
            items: scores
                .into_iter()
                .flat_map(|(a, b)| [("notice".to_string(), d(a)), ("quality".to_string(), d(b))])
                .collect(),
        }
    }

    /// Totals 90, 88.50, 88.50 (a tie), 60 and one department that did not submit (late).
    fn snapshot() -> Snapshot {
        let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
        Snapshot {
            round_id: 1,
            year: 2024,
            title: "2024年度部门绩效自评".into(),
            version: 2,
            // 2025-04-01 00:30 in Shanghai
            published_at: NaiveDate::from_ymd_opt(2025, 3, 31)
                .and_then(|day| day.and_hms_opt(16, 30, 0))
                .expect("time")
                .and_utc(),
            published_by: "admin".into(),
            reason: "更正".into(),
            rubric: rubric.id.clone(),
            cutoffs: rubric.grades.clone(),
            tie_rule: rubric.ranking.tie_rule,
            items: vec![
                ItemInfo {
                    code: "notice".into(),
                    name: "自评通知".into(),
                    max: d("5"),
                },
                ItemInfo {
                    code: "quality".into(),
                    name: "报告质量".into(),
                    max: d("95"),
                },
            ],
            departments: vec![
                dept("001", "财政局", "市直", Some(("5", "85"))),
                dept("002", HYPERLINK, "县区", Some(("4.50", "84"))),
                dept("003", COMMA_QUOTE, "市直", Some(("3.50", "85"))),
                dept("004", "卫健委", "市直", None),
                dept("005", "@交通局", "县区", Some(("2", "58"))),
            ],
        }
    }

    fn csv_lines(bytes: &[u8]) -> Vec<String> {
        let text = std::str::from_utf8(&bytes[BOM.len()..]).expect("utf-8");
        assert!(text.ends_with("\r\n"), "the last record ends with CRLF");
        assert!(
            !text.replace("\r\n", "").contains(['\r', '\n']),
            "no bare CR or LF"
        );
        text.trim_end_matches("\r\n")
            .split("\r\n")
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn csv_is_a_plain_table_with_a_bom() {
        let s = snapshot();
        let rule = TieRule::StandardCompetition;
        let bytes = csv(&s, &rank(&s, rule, None), rule, None);
        assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
        let lines = csv_lines(&bytes);
        assert_eq!(
            lines,
            [
                "排名,部门编码,部门名称,类别,总分,等级,状态,逾期,自评通知(5),报告质量(95)",
                "1,001,财政局,市直,90,优,已排名,否,5,85",
                "2,002,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点击\"\")\",县区,88.50,良,已排名,否,4.50,84",
                "2,003,\"教育局,\"\"一处\"\"\",市直,88.50,良,已排名,否,3.50,85",
                "4,005,'@交通局,县区,60,中,已排名,否,2,58",
                ",004,卫健委,市直,,,未报送,是,,",
            ]
        );
    }

    #[test]
    fn csv_defuses_formulas_and_quotes_per_rfc_4180() {
        assert_eq!(csv_text("=HYPERLINK(A1)"), "'=HYPERLINK(A1)");
        assert_eq!(csv_text("+1"), "'+1");
        assert_eq!(csv_text("-1"), "'-1");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("\tx"), "'\tx");
        assert_eq!(csv_text("\rx"), "\"'\rx\"");
        assert_eq!(csv_text("a,b"), "\"a,b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("两行\n文字"), "\"两行\n文字\"");
        assert_eq!(csv_text("财政局"), "财政局");
        // numbers are written as they are
        assert_eq!(csv_number(Some(d("-1.50").to_string())), "-1.50");
        assert_eq!(csv_number(None), "");
    }

    #[test]
    fn csv_follows_the_rule_and_category_it_was_ranked_under() {
        let s = snapshot();
        let rows = rank(&s, TieRule::Dense, Some("县区"));
        let lines = csv_lines(&csv(&s, &rows, TieRule::Dense, Some("县区")));
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("1,002,"));
        assert!(lines[2].starts_with("2,005,"));
    }

    fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Data {
        range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
    }

    fn text(s: &str) -> Data {
        Data::String(s.into())
    }

    fn zip_entry(bytes: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut entry = archive.by_name(name).expect("entry");
        let mut xml = String::new();
        entry.read_to_string(&mut xml).expect("xml");
        xml
    }

    #[test]
    fn xlsx_has_a_ranking_sheet_with_notes() {
        let s = snapshot();
        let rule = TieRule::Dense;
        let bytes = xlsx(&s, &rank(&s, rule, None), rule, None).expect("workbook");
        assert_eq!(&bytes[..2], b"PK");
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).expect("open");
        assert_eq!(book.sheet_names(), ["排名", "分项得分"]);
        let sheet = book.worksheet_range("排名").expect("排名");

        let header: Vec<Data> = (0..8).map(|c| cell(&sheet, 0, c)).collect();
        let expected: Vec<Data> = RANKING_HEADERS.iter().map(|h| text(h)).collect();
        assert_eq!(header, expected);
        assert_eq!(cell(&sheet, 0, 8), Data::Empty, "no item columns here");

        // 003, tied with 002 at 88.50; dense: the next is 3
        assert_eq!(cell(&sheet, 3, 0), Data::Float(2.0));
        assert_eq!(cell(&sheet, 3, 1), text("003"));
        assert_eq!(cell(&sheet, 3, 2), text(COMMA_QUOTE));
        assert_eq!(cell(&sheet, 3, 4), Data::Float(88.5));
        assert_eq!(cell(&sheet, 3, 5), text("良"));
        assert_eq!(cell(&sheet, 2, 0), Data::Float(2.0));
        assert_eq!(
            cell(&sheet, 2, 2),
            text(HYPERLINK),
            "kept as text, not a formula"
        );
        assert_eq!(cell(&sheet, 4, 0), Data::Float(3.0));
        // not submitted
        assert_eq!(cell(&sheet, 5, 0), Data::Empty);
        assert_eq!(cell(&sheet, 5, 1), text("004"));
        assert_eq!(cell(&sheet, 5, 4), Data::Empty);
        assert_eq!(cell(&sheet, 5, 5), Data::Empty);
        assert_eq!(cell(&sheet, 5, 6), text("未报送"));
        assert_eq!(cell(&sheet, 5, 7), text("是"));

        // one empty row, then the notes
        assert!((0..8).all(|c| cell(&sheet, 6, c) == Data::Empty));
        let notes: Vec<(Data, Data)> = (7..14)
            .map(|r| (cell(&sheet, r, 0), cell(&sheet, r, 1)))
            .collect();
        let expected = [
            ("轮次", "2024年度部门绩效自评（2024年）"),
            ("版本", "第2版"),
            ("公布时间", "2025-04-01 00:30"),
            ("排名规则", "密集排名（1-2-2-3）"),
            ("等级标准", "优 ≥ 90；良 ≥ 80；中 ≥ 60；差 ≥ 0"),
            ("类别", "全部"),
            ("评分标准", "yueyang-2024"),
        ];
        let expected: Vec<(Data, Data)> =
            expected.iter().map(|(l, v)| (text(l), text(v))).collect();
        assert_eq!(notes, expected);
        assert_eq!(cell(&sheet, 10, 1), text(TieRule::Dense.describe()));

        // calamine does not read panes, filters or styles: look at the sheet's XML
        let xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
        assert!(xml.contains("ySplit=\"1\""), "{xml}");
        assert!(xml.contains("state=\"frozen\""), "{xml}");
        assert!(xml.contains("<autoFilter ref=\"A1:H6\"/>"), "{xml}");
        assert!(xml.contains("<cols>"), "{xml}");
        let styles = zip_entry(&bytes, "xl/styles.xml");
        assert!(styles.contains("formatCode=\"0.00\""), "{styles}");
        assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
    }

    #[test]
    fn xlsx_names_the_category() {
        let s = snapshot();
        let rule = TieRule::StandardCompetition;
        let rows = rank(&s, rule, Some("市直"));
        let bytes = xlsx(&s, &rows, rule, Some("市直")).expect("workbook");
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("open");
        let sheet = book.worksheet_range("排名").expect("排名");
        // 3 rows, an empty row, notes from row 5
        assert_eq!(cell(&sheet, 5, 0), text("轮次"));
        assert_eq!(cell(&sheet, 8, 1), text("标准竞赛排名（1-2-2-4）"));
        assert_eq!(cell(&sheet, 10, 0), text("类别"));
        assert_eq!(cell(&sheet, 10, 1), text("市直"));
    }

    #[test]
    fn xlsx_has_a_sheet_of_item_scores() {
        let s = snapshot();
        let rule = TieRule::StandardCompetition;
        let bytes = xlsx(&s, &rank(&s, rule, None), rule, None).expect("workbook");
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).expect("open");
        let sheet = book.worksheet_range("分项得分").expect("分项得分");
        let header: Vec<Data> = (0..6).map(|c| cell(&sheet, 0, c)).collect();
        let expected: Vec<Data> = [
            "排名",
            "部门编码",
            "部门名称",
            "自评通知(5)",
            "报告质量(95)",
            "总分",
        ]
        .iter()
        .map(|h| text(h))
        .collect();
        assert_eq!(header, expected);
        let row = |r: u32| -> Vec<Data> { (0..6).map(|c| cell(&sheet, r, c)).collect() };
        assert_eq!(
            row(2),
            [
                Data::Float(2.0),
                text("002"),
                text(HYPERLINK),
                Data::Float(4.5),
                Data::Float(84.0),
                Data::Float(88.5),
            ]
        );
        assert_eq!(
            row(5),
            [
                Data::Empty,
                text("004"),
                text("卫健委"),
                Data::Empty,
                Data::Empty,
                Data::Empty,
            ]
        );
        let xml = zip_entry(&bytes, "xl/worksheets/sheet2.xml");
        assert!(xml.contains("state=\"frozen\""), "{xml}");
        assert!(xml.contains("<autoFilter ref=\"A1:F6\"/>"), "{xml}");
    }

    #[test]
    fn widths_count_cjk_double_and_are_clamped() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("自评通知(5)"), 11);
        assert_eq!(display_width("优 ≥ 90；"), 9);
        let formats = Formats {
            header: Format::new(),
            number: Format::new(),
            quoted: Format::new(),
        };
        let mut workbook = Workbook::new();
        let mut sheet = Sheet::new(workbook.add_worksheet(), &formats);
        sheet.text(1, 0, "a").expect("write");
        sheet.text(1, 1, "部门名称").expect("write");
        sheet.text(1, 2, &"长".repeat(100)).expect("write");
        sheet.note(2, 3, &"长".repeat(100)).expect("write");
        assert_eq!(sheet.widths, [1, 8, 200]);
        sheet.finish().expect("widths");
        let bytes = workbook.save_to_buffer().expect("save");
        let xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
        // 6 + 2, 8 + 2, 60 + 2 characters (Excel adds its own few pixels of padding)
        for width in [
            "width=\"8.7109375\"",
            "width=\"10.7109375\"",
            "width=\"62.7109375\"",
        ] {
            assert!(xml.contains(width), "{width} in {xml}");
        }
    }
}
