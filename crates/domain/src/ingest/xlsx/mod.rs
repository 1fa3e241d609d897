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

mod dates;
mod grid;
mod numfmt;
mod prescan;
mod tokens;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::AssertUnwindSafe;

use calamine::{DataRef, Dimensions, Reader, SheetType, Xlsx, XlsxError};

use super::limits::{Budget, Exceeded, ReadLimits};
use super::{Document, IngestError, MAX_INPUT_BYTES, MAX_UNZIPPED_BYTES};
// Named only in the module documentation above.
#[cfg(doc)]
use super::{Merge, Paragraph, Table};
use grid::layout;
use numfmt::{display, NumFmt};

/// The most grid positions read from one workbook, all sheets together (blank ones too; the
/// cells with a value are held to [`ReadLimits::cells`]). A department's workbook has a few
/// thousand; a sheet whose used range is far larger is a stray cell far away or an attack.
pub const MAX_GRID_CELLS: usize = 2_000_000;

const EXPECTED: &str = ".xlsx";

type Workbook<'a> = Xlsx<Cursor<&'a [u8]>>;

/// Reads an .xlsx workbook into a [`Document`].
pub fn read(bytes: &[u8], name: &str) -> Result<Document, IngestError> {
    read_with(bytes, name, &ReadLimits::default())
}

/// [`read`] held to `limits`: the XML parts' declared sizes, then the shared strings, styles
/// and sheets streamed before calamine opens the workbook, then every cell's text as it is
/// read — a shared string is charged again for each cell that shows it.
pub fn read_with(bytes: &[u8], name: &str, limits: &ReadLimits) -> Result<Document, IngestError> {
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
    check_container(bytes, name, limits)?;
    prescan::check(bytes, name, limits)?;

    // calamine does unchecked arithmetic on cell references ("B2:A1", a 20-digit row): a panic
    // in debug builds. Whatever panics inside it is a damaged file, not a crash.
    match std::panic::catch_unwind(AssertUnwindSafe(|| read_workbook(bytes, name, limits))) {
        Ok(result) => result,
        Err(_) => Err(IngestError::Corrupt {
            name: name.into(),
            detail: "the workbook is damaged (a cell reference or merged range in it is out \
                     of Excel's range); open it in Excel, save it again and resubmit"
                .into(),
        }),
    }
}

fn read_workbook(bytes: &[u8], name: &str, limits: &ReadLimits) -> Result<Document, IngestError> {
    let mut workbook: Workbook<'_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| calamine_error(e, name))?;
    let sheets = workbook.sheets_metadata().to_vec();
    let mut text = Budget::new(*limits);
    let mut budget = MAX_GRID_CELLS;
    let mut formats = None;
    let mut blocks = Vec::new();
    for sheet in &sheets {
        if sheet.typ != SheetType::WorkSheet {
            continue;
        }
        let Some(raw) = read_sheet(&mut workbook, &sheet.name, name, &mut formats, &mut text)?
        else {
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

fn check_container(bytes: &[u8], name: &str, limits: &ReadLimits) -> Result<(), IngestError> {
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
    // what calamine unpacks: the XML parts, not the pictures
    let mut xml: u64 = 0;
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
        if entry_name.ends_with(".xml") || entry_name.ends_with(".rels") {
            xml = xml.saturating_add(entry.size());
            if xml > limits.unzipped_bytes {
                return Err(IngestError::ZipBomb {
                    name: name.into(),
                    limit: limits.unzipped_bytes,
                });
            }
        }
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

pub(super) struct RawSheet {
    pub(super) cells: BTreeMap<(u32, u32), String>,
    pub(super) merges: Vec<Dimensions>,
}

fn read_sheet(
    workbook: &mut Workbook<'_>,
    sheet: &str,
    name: &str,
    formats: &mut Option<Vec<Option<NumFmt>>>,
    budget: &mut Budget,
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
        // charged before it is copied: one shared string shown by many cells costs its length
        // for every cell, so it cannot multiply memory past the text budget
        let value = cell.get_value();
        let charged = charge(budget, value).map_err(|e| e.into_error(name))?;
        let text = display(value, format);
        if !charged {
            // a number or date, shown through its format: short, charged as shown
            budget.text(text.len()).map_err(|e| e.into_error(name))?;
        }
        if text.is_empty() {
            continue;
        }
        budget.cells(1).map_err(|e| e.into_error(name))?;
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

/// Charges a string cell's text by the length of the string it shows, before it is copied;
/// false for a value whose text is only known once formatted.
fn charge(budget: &mut Budget, value: &DataRef<'_>) -> Result<bool, Exceeded> {
    let len = match value {
        DataRef::SharedString(s) => s.len(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
        _ => return Ok(false),
    };
    budget.check_piece(len)?;
    budget.text(len)?;
    Ok(true)
}
