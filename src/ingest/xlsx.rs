//! Excel workbooks (.xlsx) into a [`Document`].
//!
//! Every worksheet, in workbook order, gives:
//!
//! - one [`Paragraph`] (text trimmed) for each of its leading title rows, such as
//!   "2024年度部门整体支出绩效自评表", "附件2" or "单位：万元": leading rows with at most one
//!   non-blank cell, taken in blocks no merged region crosses out of (a title merged over two
//!   rows is one paragraph; a header cell merged down beside other header cells stays in the
//!   table); blank leading rows give nothing;
//! - then one [`Table`] of the rest of its used range — the bounding box of the non-blank
//!   cells, widened to cover the merged regions that touch it — as a grid. Header rows, blank
//!   rows inside it and totals rows stay in it as printed;
//! - then one [`Paragraph`] for each of its trailing note rows, found like the title rows from
//!   the bottom up: a one-cell "填表人：刘为 填报日期：2025.5.6" or "说明：…" line below the
//!   table, as it stands after the table in a Word report (a note row of several cells, such as
//!   "填表人：" | "填报日期：" | date, stays the table's last row).
//!
//! Cell values are the text Excel would display: strings as typed (line breaks as '\n', spaces
//! kept), numbers through the cell's number format (`0.00%` → "99.13%", `#,##0.00` →
//! "1,885.44", `0.00"万元"` → "1885.44万元", `#,##0.00_);(#,##0.00)` → "(1,234.50)", dates
//! `yyyy"年"m"月"d"日"` and the built-in 14 as a zh-CN Excel shows it, "2025/5/6"), General
//! numbers to at most 15 significant digits without a spurious ".0" ("10", "0.3", "1885.44").
//! Not rendered: fractions (`# ?/?`, shown as General), conditional sections (`[>100]`),
//! Chinese numerals (`[DBNum1]`, shown with Arabic digits), column-width effects (`*` fill, `_`
//! padding, "####"), text sections (`@` with literals: strings are shown as typed). Formulas
//! show their cached value, blank if the file has none.
//!
//! A merged region's text stands in its top-left position; the positions to its right in its
//! first row are [`Merge::FromLeft`], the positions below it in its first column
//! [`Merge::FromAbove`], and the rest of a block (below and to the right) [`Merge::FromLeft`], as
//! Word marks a vertically merged cell that also spans columns — from any covered position, going
//! left while `FromLeft` and then up while `FromAbove` reaches the region's text. Values Excel
//! keeps hidden under a merged region are dropped.
//!
//! Sheets without any non-blank cell are skipped; hidden sheets are read like the others; chart
//! and dialog sheets are skipped. Input is checked before calamine sees it: its size, what it
//! looks like when it is no zip archive (PDF, image, HTML, an OLE file: password-protected
//! workbook or old .xls/.doc), the uncompressed sizes the archive declares (which the zip
//! reader then holds each part to), and the grid a sheet would need ([`MAX_GRID_CELLS`]).
//! A panic inside calamine (it does unchecked arithmetic on cell references) is caught and
//! reported as a damaged file; that needs `panic = "unwind"`, the default.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::AssertUnwindSafe;

use calamine::{DataRef, Dimensions, ExcelDateTime, Reader, SheetType, Xlsx, XlsxError};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{
    Block, Cell, Document, IngestError, Merge, Paragraph, Table, MAX_INPUT_BYTES,
    MAX_UNZIPPED_BYTES,
};

/// The most grid positions read from one workbook, all sheets together. A department's
/// workbook has a few thousand; a sheet whose used range is far larger is a stray cell far
/// away or an attack.
pub const MAX_GRID_CELLS: usize = 2_000_000;

const EXPECTED: &str = ".xlsx";

type Workbook<'a> = Xlsx<Cursor<&'a [u8]>>;

/// Reads an .xlsx workbook into a [`Document`].
pub fn read(bytes: &[u8], name: &str) -> Result<Document, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty { name: name.into() });
    }
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(IngestError::TooLarge {
            name: name.into(),
            size: bytes.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    check_container(bytes, name)?;

    // calamine does unchecked arithmetic on cell references ("B2:A1", a 20-digit row): a panic
    // in debug builds. Whatever panics inside it is a damaged file, not a crash.
    match std::panic::catch_unwind(AssertUnwindSafe(|| read_workbook(bytes, name))) {
        Ok(result) => result,
        Err(_) => Err(IngestError::Corrupt {
            name: name.into(),
            detail: "the workbook is damaged (a cell reference or merged range in it is out \
                     of Excel's range); open it in Excel, save it again and resubmit"
                .into(),
        }),
    }
}

fn read_workbook(bytes: &[u8], name: &str) -> Result<Document, IngestError> {
    let mut workbook: Workbook<'_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| calamine_error(e, name))?;
    let sheets = workbook.sheets_metadata().to_vec();
    let mut budget = MAX_GRID_CELLS;
    let mut formats = None;
    let mut blocks = Vec::new();
    for sheet in &sheets {
        if sheet.typ != SheetType::WorkSheet {
            continue;
        }
        let Some(raw) = read_sheet(&mut workbook, &sheet.name, name, &mut formats)? else {
            continue;
        };
        layout(&sheet.name, raw, &mut budget, &mut blocks, name)?;
    }
    if blocks.is_empty() {
        return Err(IngestError::NoTable { name: name.into() });
    }
    Ok(Document { blocks })
}

// ---------------------------------------------------------------------------------------------
// The container: what the bytes are, and how large they unpack.

const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn check_container(bytes: &[u8], name: &str) -> Result<(), IngestError> {
    let wrong = |detail: &str| IngestError::WrongContent {
        name: name.into(),
        expected: EXPECTED,
        detail: detail.into(),
    };
    if bytes.starts_with(OLE_MAGIC) {
        return Err(ole_error(bytes, name));
    }
    if !bytes.starts_with(b"PK") {
        return Err(wrong(&format!("it looks like {}", describe(bytes))));
    }

    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| IngestError::Corrupt {
        name: name.into(),
        detail: format!(
            "the workbook is damaged (its zip container cannot be read: {e}); \
             open it in Excel, save it again and resubmit"
        ),
    })?;
    let mut total: u64 = 0;
    let mut has_xl = false;
    let mut has_xlsb = false;
    let mut has_word = false;
    let mut has_ppt = false;
    let mut has_ods = false;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| IngestError::Corrupt {
                name: name.into(),
                detail: format!("the workbook's zip directory is damaged: {e}"),
            })?;
        total = total.saturating_add(entry.size());
        if total > MAX_UNZIPPED_BYTES {
            return Err(IngestError::ZipBomb {
                name: name.into(),
                limit: MAX_UNZIPPED_BYTES,
            });
        }
        if entry.encrypted() {
            return Err(IngestError::Encrypted { name: name.into() });
        }
        let entry_name = String::from_utf8_lossy(entry.name_raw()).to_ascii_lowercase();
        let entry_name = entry_name.trim_start_matches('/');
        if entry_name == "xl/workbook.bin" {
            has_xlsb = true;
        }
        if entry_name.starts_with("xl/") && entry_name.ends_with(".xml") {
            has_xl = true;
        }
        has_word |= entry_name.starts_with("word/");
        has_ppt |= entry_name.starts_with("ppt/");
        has_ods |= entry_name == "content.xml";
    }
    if has_xl && !has_xlsb {
        return Ok(());
    }
    let detail = if has_xlsb {
        "it is an Excel binary workbook (.xlsb); open it in Excel and save it as .xlsx"
    } else if has_word {
        "it is a Word document (.docx), not an Excel workbook"
    } else if has_ppt {
        "it is a PowerPoint presentation (.pptx), not an Excel workbook"
    } else if has_ods {
        "it is an OpenDocument file (.ods/.odt, WPS or LibreOffice); save it as .xlsx"
    } else if archive.is_empty() {
        "it is an empty zip archive"
    } else {
        "it is a zip archive without an Excel workbook in it"
    };
    Err(wrong(detail))
}

/// An OLE compound file: password-protected .xlsx files are stored that way, and so are
/// Excel 97-2003 workbooks and Word 97-2003 documents. The stream names in its directory
/// (UTF-16LE) tell which.
fn ole_error(bytes: &[u8], name: &str) -> IngestError {
    let has = |stream: &str| {
        let pattern: Vec<u8> = stream.encode_utf16().flat_map(u16::to_le_bytes).collect();
        bytes
            .windows(pattern.len())
            .any(|w| w == pattern.as_slice())
    };
    let wrong = |detail: &str| IngestError::WrongContent {
        name: name.into(),
        expected: EXPECTED,
        detail: detail.into(),
    };
    if has("EncryptedPackage") {
        IngestError::Encrypted { name: name.into() }
    } else if has("Workbook") || has("Book\0") {
        wrong(
            "it is an old Excel 97-2003 workbook (.xls) or a WPS spreadsheet (.et); \
             open it and save it as .xlsx",
        )
    } else if has("WordDocument") {
        wrong("it is an old Word 97-2003 document (.doc), not an Excel workbook")
    } else {
        // Password-protected workbooks are the common case; say so.
        IngestError::Encrypted { name: name.into() }
    }
}

/// What bytes that are not a zip archive look like, for the error message.
fn describe(bytes: &[u8]) -> String {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let kind = if starts(b"%PDF") {
        "a PDF document"
    } else if starts(b"\x89PNG") {
        "a PNG image"
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        "a JPEG image"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "a GIF image"
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        "a TIFF image"
    } else if starts(b"BM") && bytes.len() > 14 {
        "a BMP image"
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        "a WebP image"
    } else if starts(b"{\\rtf") {
        "an RTF document"
    } else if starts(b"Rar!") {
        "a RAR archive"
    } else if starts(&[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) {
        "a 7-Zip archive"
    } else if starts(&[0x1F, 0x8B]) {
        "a gzip archive"
    } else if starts(b"\x00\x00\x00") && bytes.get(4..8) == Some(b"ftyp") {
        "an image or video (ISO media)"
    } else {
        return describe_text(bytes);
    };
    kind.to_string()
}

fn describe_text(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(4096)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // A cut multi-byte character at the end of the window is still text.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return "unrecognised binary data".into(),
    };
    if text.contains('\0') {
        return "unrecognised binary data".into();
    }
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let lower = start.chars().take(512).collect::<String>().to_lowercase();
    let kind = if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        "an HTML page (some systems export \"Excel\" files as HTML); open it in Excel and save it as .xlsx"
    } else if lower.starts_with("<?xml") && lower.contains("office:spreadsheet") {
        "an Excel 2003 XML spreadsheet; open it in Excel and save it as .xlsx"
    } else if lower.starts_with('<') {
        "an XML or HTML file"
    } else if lower.starts_with('{') || lower.starts_with('[') {
        "JSON text"
    } else {
        "plain text"
    };
    kind.to_string()
}

fn calamine_error(error: XlsxError, name: &str) -> IngestError {
    match error {
        XlsxError::Password => IngestError::Encrypted { name: name.into() },
        other => IngestError::Corrupt {
            name: name.into(),
            detail: format!(
                "the workbook is damaged and cannot be read ({other}); \
                 open it in Excel, save it again and resubmit"
            ),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// One sheet: its non-empty cells as displayed text, and its merged regions.

struct RawSheet {
    cells: BTreeMap<(u32, u32), String>,
    merges: Vec<Dimensions>,
}

fn read_sheet(
    workbook: &mut Workbook<'_>,
    sheet: &str,
    name: &str,
    formats: &mut Option<Vec<Option<NumFmt>>>,
) -> Result<Option<RawSheet>, IngestError> {
    let merges = match workbook.merge_cells_by_sheet_name(sheet) {
        Ok(merges) => merges,
        Err(XlsxError::NotAWorksheet(_)) => return Ok(None),
        Err(e) => return Err(sheet_error(e, sheet, name)),
    };
    let mut reader = match workbook.worksheet_cells_reader(sheet) {
        Ok(reader) => reader,
        Err(XlsxError::NotAWorksheet(_)) => return Ok(None),
        Err(e) => return Err(sheet_error(e, sheet, name)),
    };
    // The workbook's cell formats, parsed once for all its sheets.
    let formats: &[Option<NumFmt>] = formats.get_or_insert_with(|| {
        reader
            .styles()
            .iter()
            .map(|style| {
                style
                    .number_format
                    .as_ref()
                    .map(|f| NumFmt::new(&f.format_code, f.format_id))
            })
            .collect()
    });
    let mut cells = BTreeMap::new();
    while let Some((cell, style_id)) = reader
        .next_cell_with_style_id()
        .map_err(|e| sheet_error(e, sheet, name))?
    {
        let format = formats.get(style_id).and_then(Option::as_ref);
        let text = display(cell.get_value(), format);
        if text.is_empty() {
            continue;
        }
        if cells.len() >= MAX_GRID_CELLS {
            return Err(too_many_cells(sheet, name));
        }
        cells.insert(cell.get_position(), text);
    }
    Ok(Some(RawSheet { cells, merges }))
}

fn sheet_error(error: XlsxError, sheet: &str, name: &str) -> IngestError {
    match error {
        XlsxError::Password => IngestError::Encrypted { name: name.into() },
        other => IngestError::Corrupt {
            name: name.into(),
            detail: format!(
                "sheet \"{sheet}\" is damaged and cannot be read ({other}); \
                 open the workbook in Excel, save it again and resubmit"
            ),
        },
    }
}

fn too_many_cells(sheet: &str, name: &str) -> IngestError {
    IngestError::Corrupt {
        name: name.into(),
        detail: format!(
            "sheet \"{sheet}\" has more cells than the {MAX_GRID_CELLS} kaoping reads from a \
             workbook; delete unused rows and columns (or cells typed far from the tables) and \
             resubmit"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// From cells and merges to paragraphs and a table.

fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Rect {
    r0: u32,
    c0: u32,
    r1: u32,
    c1: u32,
}

impl Rect {
    fn of(d: &Dimensions) -> Rect {
        Rect {
            r0: d.start.0.min(d.end.0),
            c0: d.start.1.min(d.end.1),
            r1: d.start.0.max(d.end.0),
            c1: d.start.1.max(d.end.1),
        }
    }
    fn intersection(&self, o: &Rect) -> Option<Rect> {
        let r = Rect {
            r0: self.r0.max(o.r0),
            c0: self.c0.max(o.c0),
            r1: self.r1.min(o.r1),
            c1: self.c1.min(o.c1),
        };
        (r.r0 <= r.r1 && r.c0 <= r.c1).then_some(r)
    }
    fn union(&self, o: &Rect) -> Rect {
        Rect {
            r0: self.r0.min(o.r0),
            c0: self.c0.min(o.c0),
            r1: self.r1.max(o.r1),
            c1: self.c1.max(o.c1),
        }
    }
}

/// How many times the used range is widened to cover merged regions that stick out of it.
const MAX_WIDENINGS: usize = 8;

fn layout(
    sheet: &str,
    raw: RawSheet,
    budget: &mut usize,
    blocks: &mut Vec<Block>,
    name: &str,
) -> Result<(), IngestError> {
    let mut used: Option<Rect> = None;
    for (&(r, c), text) in &raw.cells {
        if is_blank(text) {
            continue;
        }
        let here = Rect {
            r0: r,
            c0: c,
            r1: r,
            c1: c,
        };
        used = Some(used.map_or(here, |u| u.union(&here)));
    }
    let Some(mut used) = used else {
        return Ok(());
    };

    let mut merges: Vec<Rect> = raw
        .merges
        .iter()
        .map(Rect::of)
        .filter(|m| m.r0 != m.r1 || m.c0 != m.c1)
        .collect();
    merges.sort_by_key(|m| (m.r0, m.c0, m.r1, m.c1));
    merges.dedup();
    for _ in 0..MAX_WIDENINGS {
        let before = used;
        for m in &merges {
            if used.intersection(m).is_some() {
                used = used.union(m);
            }
        }
        if used == before {
            break;
        }
    }

    let height = (used.r1 - used.r0) as usize + 1;
    let width = (used.c1 - used.c0) as usize + 1;
    let area = height.saturating_mul(width);
    if area > *budget {
        return Err(IngestError::Corrupt {
            name: name.into(),
            detail: format!(
                "sheet \"{sheet}\" spans {height} rows × {width} columns, more than the \
                 {MAX_GRID_CELLS} cells kaoping reads from a workbook; delete unused rows and \
                 columns (or cells typed far from the tables) and resubmit"
            ),
        });
    }
    *budget -= area;

    let mut grid: Vec<Vec<Cell>> = vec![vec![Cell::default(); width]; height];
    for (&(r, c), text) in raw.cells.range((used.r0, 0)..) {
        if r > used.r1 {
            break;
        }
        if c < used.c0 || c > used.c1 {
            continue;
        }
        if let Some(cell) = grid
            .get_mut((r - used.r0) as usize)
            .and_then(|row| row.get_mut((c - used.c0) as usize))
        {
            cell.text.clone_from(text);
        }
    }
    mark_merges(&mut grid, &used, &merges, area, sheet, name)?;

    // Leading title rows: blocks of rows that no merged region crosses out of, each with at
    // most one non-blank cell (a title merged over two rows goes whole; a header cell merged
    // down next to another header cell keeps its rows in the table).
    let mut first = 0;
    let mut filled_in_block = 0;
    for (r, row) in grid.iter().enumerate() {
        filled_in_block += row.iter().filter(|c| !is_blank(&c.text)).count();
        if filled_in_block > 1 {
            break;
        }
        let crossed = grid
            .get(r + 1)
            .is_some_and(|next| next.iter().any(|c| c.merge == Merge::FromAbove));
        if !crossed {
            first = r + 1;
            filled_in_block = 0;
        }
    }
    for row in &grid[..first] {
        if let Some(cell) = row.iter().find(|c| !is_blank(&c.text)) {
            blocks.push(Block::Paragraph(Paragraph::new(cell.text.trim())));
        }
    }
    let mut rows: Vec<Vec<Cell>> = grid.split_off(first);
    if rows.is_empty() {
        return Ok(());
    }

    // Trailing note rows, the same way from the bottom: "填表人：… 填报日期：…", "说明：…" go
    // after the table as paragraphs, as they stand in a Word report.
    let mut last = rows.len();
    let mut filled_in_block = 0;
    for (r, row) in rows.iter().enumerate().rev() {
        filled_in_block += row.iter().filter(|c| !is_blank(&c.text)).count();
        if filled_in_block > 1 {
            break;
        }
        if !row.iter().any(|c| c.merge == Merge::FromAbove) {
            last = r;
            filled_in_block = 0;
        }
    }
    let notes: Vec<Vec<Cell>> = rows.split_off(last);

    // Columns left blank once the title and note rows are gone.
    let empty = |c: &Cell| c.merge == Merge::None && is_blank(&c.text);
    let width = rows.first().map_or(0, Vec::len);
    let mut lead = 0;
    while lead + 1 < width
        && rows.iter().all(|row| {
            row.get(lead).is_some_and(empty)
                && row.get(lead + 1).is_none_or(|c| c.merge != Merge::FromLeft)
        })
    {
        lead += 1;
    }
    let mut end = width;
    while end > lead + 1 && rows.iter().all(|row| row.get(end - 1).is_some_and(empty)) {
        end -= 1;
    }
    if lead > 0 || end < width {
        for row in &mut rows {
            row.truncate(end);
            row.drain(..lead);
        }
    }
    if !rows.is_empty() {
        blocks.push(Block::Table(Table { rows }));
    }
    for row in &notes {
        if let Some(cell) = row.iter().find(|c| !is_blank(&c.text)) {
            blocks.push(Block::Paragraph(Paragraph::new(cell.text.trim())));
        }
    }
    Ok(())
}

/// Marks the positions merged regions cover. Regions are clipped to the grid (a region whose
/// top-left position is outside gets its first position inside as its top-left); a position
/// two regions claim stays with the first. Overlapping regions are invalid in Excel; a sheet
/// full of them that would take unbounded work is refused.
fn mark_merges(
    grid: &mut [Vec<Cell>],
    used: &Rect,
    merges: &[Rect],
    area: usize,
    sheet: &str,
    name: &str,
) -> Result<(), IngestError> {
    let mut work_left = area.saturating_mul(4).saturating_add(merges.len());
    for m in merges {
        let Some(clip) = used.intersection(m) else {
            continue;
        };
        let (ar, ac) = (clip.r0, clip.c0);
        for r in clip.r0..=clip.r1 {
            for c in clip.c0..=clip.c1 {
                work_left = work_left
                    .checked_sub(1)
                    .ok_or_else(|| IngestError::Corrupt {
                        name: name.into(),
                        detail: format!(
                        "sheet \"{sheet}\" has overlapping merged cells Excel would not write; \
                         open the workbook in Excel, save it again and resubmit"
                    ),
                    })?;
                if (r, c) == (ar, ac) {
                    continue;
                }
                let Some(cell) = grid
                    .get_mut((r - used.r0) as usize)
                    .and_then(|row| row.get_mut((c - used.c0) as usize))
                else {
                    continue;
                };
                if cell.merge != Merge::None {
                    continue;
                }
                cell.merge = if c == ac && r > ar {
                    Merge::FromAbove
                } else {
                    Merge::FromLeft
                };
                // Excel shows only the top-left value of a merged region.
                cell.text.clear();
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Cell values as Excel displays them.

fn display(value: &DataRef<'_>, format: Option<&NumFmt>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => normalize_text(s),
        DataRef::SharedString(s) => normalize_text(s),
        DataRef::Bool(true) => "TRUE".into(),
        DataRef::Bool(false) => "FALSE".into(),
        DataRef::Error(e) => e.to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Int(i) => match format {
            Some(f) if !f.general => format_number(*i as f64, f),
            _ => i.to_string(),
        },
        DataRef::Float(x) => match format {
            Some(f) if !f.general => format_number(*x, f),
            _ => general(*x),
        },
        DataRef::DateTime(dt) => match format {
            Some(f) => format_datetime(dt, f),
            None => general(dt.as_f64()),
        },
    }
}

/// A number format, split into its sections and tokenized.
struct NumFmt {
    /// Plain General: no section, no literal.
    general: bool,
    sections: Vec<Vec<Tok>>,
}

impl NumFmt {
    fn new(code: &str, id: Option<u32>) -> NumFmt {
        let code = effective_code(code, id);
        NumFmt {
            general: is_general(&code),
            sections: sections(&code).into_iter().map(tokenize).collect(),
        }
    }
}

fn normalize_text(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    }
}

fn is_general(code: &str) -> bool {
    code.trim().eq_ignore_ascii_case("general") || code.trim().is_empty()
}

/// The format code Excel shows for a cell in a Chinese (zh-CN) installation: the built-in
/// formats that depend on the locale are spelled out; the file's own code otherwise.
fn effective_code(code: &str, id: Option<u32>) -> String {
    let builtin = match id {
        Some(5) | Some(6) => Some("\"¥\"#,##0;\"¥\"-#,##0"),
        Some(7) | Some(8) => Some("\"¥\"#,##0.00;\"¥\"-#,##0.00"),
        Some(14) => Some("yyyy/m/d"),
        Some(22) => Some("yyyy/m/d h:mm"),
        Some(27) | Some(36) | Some(50) | Some(52) | Some(57) => Some("yyyy\"年\"m\"月\""),
        Some(28) | Some(29) | Some(51) | Some(53) | Some(54) | Some(58) => Some("m\"月\"d\"日\""),
        Some(30) => Some("m-d-yy"),
        Some(31) => Some("yyyy\"年\"m\"月\"d\"日\""),
        Some(32) => Some("h\"时\"mm\"分\""),
        Some(33) => Some("h\"时\"mm\"分\"ss\"秒\""),
        Some(34) | Some(55) => Some("上午/下午h\"时\"mm\"分\""),
        Some(35) | Some(56) => Some("上午/下午h\"时\"mm\"分\"ss\"秒\""),
        _ => None,
    };
    // Only when the file does not define the id itself: calamine hands over the file's code
    // for custom ids, the ECMA default (or General) for built-in ones.
    match builtin {
        Some(b) if is_builtin_default(code, id) => b.to_string(),
        _ => code.to_string(),
    }
}

fn is_builtin_default(code: &str, id: Option<u32>) -> bool {
    match id {
        Some(14) => code == "mm-dd-yy",
        Some(22) => code == "m/d/yy h:mm",
        _ => is_general(code),
    }
}

/// Splits a format code into its sections at the `;` outside quotes, escapes and brackets.
fn sections(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut bracket = false;
    let mut escaped = false;
    for (i, ch) in code.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '\\' | '_' | '*' if !quoted && !bracket => escaped = true,
            '"' if !bracket => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            ';' if !quoted && !bracket => {
                out.push(&code[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&code[start..]);
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Lit(String),
    /// `0`, `#` or `?`.
    Digit(char),
    Point,
    Comma,
    Percent,
    /// `E+` (true) or `E-` (false).
    Exp(bool),
    General,
    /// `@`, the text placeholder.
    At,
    /// `/` between digit placeholders: a fraction.
    Slash,
    /// A date or time letter run (`yyyy`, `m`, `ss`, `AM/PM`, `上午/下午` …), or `[h]` etc.
    Date(String),
    /// The `.0`… after seconds.
    SubSecond(usize),
}

fn tokenize(section: &str) -> Vec<Tok> {
    let chars: Vec<char> = section.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let push_lit = |toks: &mut Vec<Tok>, s: &str| {
        if let Some(Tok::Lit(prev)) = toks.last_mut() {
            prev.push_str(s);
        } else {
            toks.push(Tok::Lit(s.to_string()));
        }
    };
    while i < chars.len() {
        let ch = chars[i];
        match ch {
            '"' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    s.push(chars[i]);
                    i += 1;
                }
                push_lit(&mut toks, &s);
                i += 1;
            }
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    push_lit(&mut toks, &next.to_string());
                }
                i += 2;
            }
            // Padding to the width of a character, and fill: column-width effects, dropped.
            '_' | '*' => i += 2,
            '[' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != ']' {
                    s.push(chars[i]);
                    i += 1;
                }
                i += 1;
                let lower = s.to_ascii_lowercase();
                if let Some(currency) = s.strip_prefix('$') {
                    // [$¥-804]: a currency symbol and a locale; [$-804]: a locale only.
                    let symbol = currency.split('-').next().unwrap_or_default();
                    if !symbol.is_empty() {
                        push_lit(&mut toks, symbol);
                    }
                } else if !lower.is_empty() && lower.chars().all(|c| matches!(c, 'h' | 'm' | 's')) {
                    toks.push(Tok::Date(format!("[{lower}]")));
                }
                // Colours, conditions, [DBNum1] …: ignored.
            }
            '0' | '#' | '?' => {
                toks.push(Tok::Digit(ch));
                i += 1;
            }
            '.' => {
                // After seconds, `.0`… is a fraction of a second.
                let zeros = chars[i + 1..].iter().take_while(|&&c| c == '0').count();
                let after_seconds = toks
                    .iter()
                    .rev()
                    .find(|t| !matches!(t, Tok::Lit(_)))
                    .is_some_and(
                        |t| matches!(t, Tok::Date(d) if d.starts_with('s') || d.starts_with('[')),
                    );
                if zeros > 0 && after_seconds {
                    toks.push(Tok::SubSecond(zeros));
                    i += 1 + zeros;
                } else {
                    toks.push(Tok::Point);
                    i += 1;
                }
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            '%' => {
                toks.push(Tok::Percent);
                i += 1;
            }
            '@' => {
                toks.push(Tok::At);
                i += 1;
            }
            'E' | 'e'
                if matches!(chars.get(i + 1), Some('+') | Some('-'))
                    && toks.iter().any(|t| matches!(t, Tok::Digit(_))) =>
            {
                toks.push(Tok::Exp(chars[i + 1] == '+'));
                i += 2;
            }
            '/' if matches!(toks.last(), Some(Tok::Digit(_)))
                && matches!(chars.get(i + 1), Some('0' | '#' | '?' | '1'..='9')) =>
            {
                toks.push(Tok::Slash);
                i += 1;
            }
            _ => {
                let rest: String = chars[i..].iter().collect();
                let lower_rest = rest.to_ascii_lowercase();
                if lower_rest.starts_with("general") {
                    toks.push(Tok::General);
                    i += "general".len();
                } else if lower_rest.starts_with("am/pm") {
                    toks.push(Tok::Date("am/pm".into()));
                    i += 5;
                } else if lower_rest.starts_with("a/p") {
                    toks.push(Tok::Date("a/p".into()));
                    i += 3;
                } else if rest.starts_with("上午/下午") {
                    toks.push(Tok::Date("上午/下午".into()));
                    i += 5;
                } else if matches!(
                    ch.to_ascii_lowercase(),
                    'y' | 'm' | 'd' | 'h' | 's' | 'e' | 'a'
                ) && (!ch.eq_ignore_ascii_case(&'a')
                    || chars[i..]
                        .iter()
                        .take_while(|c| c.eq_ignore_ascii_case(&'a'))
                        .count()
                        >= 3)
                {
                    let lower = ch.to_ascii_lowercase();
                    let n = chars[i..]
                        .iter()
                        .take_while(|c| c.to_ascii_lowercase() == lower)
                        .count();
                    toks.push(Tok::Date(std::iter::repeat_n(lower, n).collect()));
                    i += n;
                } else {
                    push_lit(&mut toks, &ch.to_string());
                    i += 1;
                }
            }
        }
    }
    toks
}

/// A number through a format.
fn format_number(value: f64, format: &NumFmt) -> String {
    if !value.is_finite() {
        return "#NUM!".into();
    }
    let secs = &format.sections;
    // Conditions and colours aside, Excel picks the section by sign: positive; negative;
    // zero; text. A negative value shown by its own section loses its minus sign.
    let index = match secs.len() {
        0 | 1 => 0,
        2 => usize::from(value < 0.0),
        _ if value < 0.0 => 1,
        _ if value == 0.0 => 2,
        _ => 0,
    };
    let Some(toks) = secs.get(index) else {
        return general(value);
    };
    if toks.iter().any(|t| matches!(t, Tok::Date(_))) {
        // A date code on a value calamine did not see as a date (a later section).
        return render_date(toks, value);
    }
    if toks.iter().any(|t| matches!(t, Tok::Slash)) {
        return general(value);
    }
    render_number(toks, value, secs.len() <= 1)
}

fn render_number(toks: &[Tok], value: f64, negative_sign: bool) -> String {
    let has_digits = toks.iter().any(|t| matches!(t, Tok::Digit(_)));
    let has_general = toks.iter().any(|t| matches!(t, Tok::General | Tok::At));
    let percents = toks.iter().filter(|t| matches!(t, Tok::Percent)).count();
    let mut x = value.abs();
    for _ in 0..percents {
        x *= 100.0;
    }

    let number = if has_digits {
        let spec = NumberSpec::of(toks);
        for _ in 0..spec.thousands_scaling {
            x /= 1000.0;
        }
        spec.render(x)
    } else if has_general {
        general(x)
    } else {
        String::new()
    };
    let zero_shown = number
        .chars()
        .all(|c| matches!(c, '0' | '.' | ',' | 'E' | '+' | '-'));
    let minus = negative_sign && value < 0.0 && !(zero_shown && has_digits);

    let mut out = String::new();
    if minus {
        out.push('-');
    }
    let mut placed = false;
    for t in toks {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Percent => out.push('%'),
            Tok::Digit(_) | Tok::Point | Tok::Comma | Tok::Exp(_) | Tok::General | Tok::At => {
                if !placed && (has_digits || matches!(t, Tok::General | Tok::At)) {
                    out.push_str(&number);
                    placed = true;
                }
            }
            Tok::Slash | Tok::Date(_) | Tok::SubSecond(_) => {}
        }
    }
    out
}

struct NumberSpec {
    int_zeros: usize,
    grouping: bool,
    thousands_scaling: usize,
    frac_max: usize,
    frac_min: usize,
    exponent: Option<(bool, usize)>,
}

impl NumberSpec {
    fn of(toks: &[Tok]) -> NumberSpec {
        let mut spec = NumberSpec {
            int_zeros: 0,
            grouping: false,
            thousands_scaling: 0,
            frac_max: 0,
            frac_min: 0,
            exponent: None,
        };
        let mut in_frac = false;
        let mut exp_digits = 0;
        let mut pending_commas = 0;
        for t in toks {
            if let Some((plus, _)) = spec.exponent {
                if let Tok::Digit(_) = t {
                    exp_digits += 1;
                    spec.exponent = Some((plus, exp_digits));
                }
                continue;
            }
            match t {
                Tok::Digit(d) => {
                    if in_frac {
                        spec.frac_max += 1;
                        if *d == '0' {
                            spec.frac_min = spec.frac_max;
                        }
                    } else {
                        if pending_commas > 0 {
                            spec.grouping = true;
                            pending_commas = 0;
                        }
                        if *d == '0' {
                            spec.int_zeros += 1;
                        }
                    }
                }
                Tok::Comma if !in_frac => pending_commas += 1,
                Tok::Point => {
                    in_frac = true;
                    spec.thousands_scaling += pending_commas;
                    pending_commas = 0;
                }
                Tok::Exp(plus) => {
                    spec.thousands_scaling += pending_commas;
                    pending_commas = 0;
                    spec.exponent = Some((*plus, 0));
                }
                _ => {}
            }
        }
        if !in_frac && spec.exponent.is_none() {
            spec.thousands_scaling += pending_commas;
        }
        spec.frac_max = spec.frac_max.min(28);
        spec.frac_min = spec.frac_min.min(spec.frac_max);
        spec
    }

    fn render(&self, x: f64) -> String {
        if let Some((plus, exp_digits)) = self.exponent {
            let mut exp = if x == 0.0 {
                0
            } else {
                x.log10().floor() as i32
            };
            let mut mantissa = x / 10f64.powi(exp);
            let mut fixed = fixed_decimals(mantissa, self.frac_max);
            if fixed.0.len() > 1 {
                // Rounding carried to 10.
                exp += 1;
                mantissa = x / 10f64.powi(exp);
                fixed = fixed_decimals(mantissa, self.frac_max);
            }
            let mut s = self.assemble(fixed);
            s.push('E');
            if exp < 0 {
                s.push('-');
            } else if plus {
                s.push('+');
            }
            s.push_str(&format!(
                "{:0width$}",
                exp.unsigned_abs(),
                width = exp_digits.max(1)
            ));
            return s;
        }
        self.assemble(fixed_decimals(x, self.frac_max))
    }

    fn assemble(&self, (int, frac): (String, String)) -> String {
        let mut int = int;
        if int == "0" && self.int_zeros == 0 {
            int.clear();
        }
        while int.len() < self.int_zeros {
            int.insert(0, '0');
        }
        if self.grouping && int.len() > 3 {
            let mut grouped = String::with_capacity(int.len() + int.len() / 3);
            for (i, ch) in int.chars().enumerate() {
                if i > 0 && (int.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(ch);
            }
            int = grouped;
        }
        let mut frac = frac;
        while frac.len() > self.frac_min && frac.ends_with('0') {
            frac.pop();
        }
        if self.frac_max > 0 {
            // Excel keeps the point even when optional digits (`#`) drop out.
            format!("{int}.{frac}")
        } else {
            int
        }
    }
}

/// `x` (not negative) rounded half away from zero to `decimals` places, as integer and
/// fraction digits, after the 15 significant digits Excel keeps.
fn fixed_decimals(x: f64, decimals: usize) -> (String, String) {
    let exact = Decimal::from_scientific(&format!("{x:.14e}"))
        .ok()
        .map(|d| d.round_dp_with_strategy(decimals as u32, RoundingStrategy::MidpointAwayFromZero));
    let text = match exact {
        Some(d) => d.abs().to_string(),
        None => format!("{x:.decimals$}"),
    };
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut frac: String = frac.chars().take(decimals).collect();
    while frac.len() < decimals {
        frac.push('0');
    }
    let int = if int.is_empty() { "0" } else { int };
    (int.to_string(), frac)
}

/// A number in Excel's General format: up to 15 significant digits, no trailing zeros,
/// scientific notation for very large and very small magnitudes.
fn general(x: f64) -> String {
    if !x.is_finite() {
        return "#NUM!".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if (1e-9..1e15).contains(&a) {
        // Rust's shortest round-trip form; when it needs more than Excel's 15 significant
        // digits, round to 15 first.
        let shortest = x.to_string();
        let significant = shortest
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|&b| b == b'0')
            .count();
        if significant <= 15 {
            return shortest;
        }
    }
    let rounded: f64 = format!("{x:.14e}").parse().unwrap_or(x);
    let a = rounded.abs();
    if !(1e-9..1e15).contains(&a) {
        let s = format!("{rounded:.14e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}E{sign}{:02}", exp.unsigned_abs());
    }
    let s = format!("{rounded}");
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Dates and times.

fn format_datetime(dt: &ExcelDateTime, format: &NumFmt) -> String {
    let value = dt.as_f64();
    let Some(toks) = format.sections.first() else {
        return general(value);
    };
    if !toks.iter().any(|t| matches!(t, Tok::Date(_))) {
        return format_number(value, format);
    }
    if dt.is_duration() {
        return render_date(toks, value);
    }
    if !(0.0..2_958_466.0).contains(&value) {
        // Excel shows "#######" for dates it cannot show; the number says more.
        return general(value);
    }
    render_date_parts(toks, value, dt.to_ymd_hms_milli())
}

/// A date code over a serial number (1900 date system).
fn render_date(toks: &[Tok], value: f64) -> String {
    if !value.is_finite() || !(0.0..2_958_466.0).contains(&value) {
        return general(value);
    }
    let parts =
        ExcelDateTime::new(value, calamine::ExcelDateTimeType::DateTime, false).to_ymd_hms_milli();
    render_date_parts(toks, value, parts)
}

const WEEKDAYS_EN: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const WEEKDAYS_ZH: [&str; 7] = ["日", "一", "二", "三", "四", "五", "六"];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn render_date_parts(
    toks: &[Tok],
    serial: f64,
    (year, month, day, hour, minute, second, milli): (u16, u8, u8, u8, u8, u8, u16),
) -> String {
    let twelve_hour = toks
        .iter()
        .any(|t| matches!(t, Tok::Date(d) if d == "am/pm" || d == "a/p" || d == "上午/下午"));
    // Serial 0 is Sunday 1900-01-00 in Excel's reckoning, 1 Sunday 1900-01-01 … (Excel treats
    // 1900 as a leap year; for the serials after it, weekday = serial mod 7, 0 = Saturday).
    let weekday = ((serial.floor() as i64 + 6).rem_euclid(7)) as usize;
    let month_name = MONTHS_EN
        .get(usize::from(month.max(1)) - 1)
        .copied()
        .unwrap_or("");

    // m/mm after an hour or before seconds is minutes.
    let kinds: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t, Tok::Date(_)))
        .map(|(i, _)| i)
        .collect();
    let is_minute = |index: usize| -> bool {
        let pos = kinds.iter().position(|&k| k == index);
        let Some(pos) = pos else { return false };
        let prev = pos
            .checked_sub(1)
            .and_then(|p| kinds.get(p))
            .and_then(|&k| toks.get(k));
        let next = kinds.get(pos + 1).and_then(|&k| toks.get(k));
        matches!(prev, Some(Tok::Date(d)) if d.starts_with('h') || d.starts_with("[h"))
            || matches!(next, Some(Tok::Date(d)) if d.starts_with('s') || d.starts_with("[s"))
    };

    let total_seconds = (serial * 86_400.0).round();
    let mut out = String::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Date(d) => match d.as_str() {
                "am/pm" => out.push_str(if hour < 12 { "AM" } else { "PM" }),
                "a/p" => out.push_str(if hour < 12 { "A" } else { "P" }),
                "上午/下午" => out.push_str(if hour < 12 { "上午" } else { "下午" }),
                "[h]" | "[hh]" => out.push_str(&format!("{}", (total_seconds / 3600.0).floor())),
                "[m]" | "[mm]" => out.push_str(&format!("{}", (total_seconds / 60.0).floor())),
                "[s]" | "[ss]" => out.push_str(&format!("{total_seconds}")),
                d if d.starts_with('y') || d.starts_with('e') => {
                    if d.len() <= 2 && d.starts_with('y') {
                        out.push_str(&format!("{:02}", year % 100));
                    } else {
                        out.push_str(&year.to_string());
                    }
                }
                d if d.starts_with('m') => {
                    if is_minute(i) {
                        push_padded(&mut out, minute, d.len() >= 2);
                    } else {
                        match d.len() {
                            1 | 2 => push_padded(&mut out, month, d.len() == 2),
                            3 => out.push_str(month_name.get(..3).unwrap_or(month_name)),
                            4 => out.push_str(month_name),
                            _ => out.push_str(month_name.get(..1).unwrap_or(month_name)),
                        }
                    }
                }
                d if d.starts_with('d') => match d.len() {
                    1 | 2 => push_padded(&mut out, day, d.len() == 2),
                    3 => out.push_str(WEEKDAYS_EN[weekday].get(..3).unwrap_or_default()),
                    _ => out.push_str(WEEKDAYS_EN[weekday]),
                },
                d if d.starts_with('a') => {
                    if d.len() >= 4 {
                        out.push_str("星期");
                    }
                    out.push_str(WEEKDAYS_ZH[weekday]);
                }
                d if d.starts_with('h') => {
                    let h = if twelve_hour {
                        match hour % 12 {
                            0 => 12,
                            h => h,
                        }
                    } else {
                        hour
                    };
                    push_padded(&mut out, h, d.len() >= 2);
                }
                d if d.starts_with('s') => push_padded(&mut out, second, d.len() >= 2),
                _ => {}
            },
            Tok::SubSecond(n) => {
                out.push('.');
                let digits = format!("{milli:03}");
                out.push_str(&digits[..(*n).min(3)]);
                for _ in 3..*n {
                    out.push('0');
                }
            }
            Tok::Digit(d) => out.push(*d),
            Tok::Point => out.push('.'),
            Tok::Comma => out.push(','),
            Tok::Percent => out.push('%'),
            Tok::Slash => out.push('/'),
            Tok::Exp(_) | Tok::General | Tok::At => {}
        }
    }
    out
}

fn push_padded(out: &mut String, n: u8, pad: bool) {
    if pad {
        out.push_str(&format!("{n:02}"));
    } else {
        out.push_str(&n.to_string());
    }
}
