//! PDF files read into a [`Document`]: the text layer's lines grouped into paragraphs in reading
//! order, running headers, footers and page numbers left out, and ruled tables rebuilt as grids
//! with merged cells marked, a table continued over a page break read back as one.
//!
//! The PDF is parsed by the pure-Rust crate `pdfplumber` (Apache-2.0), chosen after measuring it
//! against `pdf_oxide`, `lopdf` and `pdf-extract` on our reports
//! (`shared/research/pdf-ocr-feasibility.md`, checked again here on the LibreOffice prints in
//! `tests/fixtures/pdf`): it gives every CJK character right with its box, and the ruling lines
//! and cell boxes of a page's tables; `pdf_oxide` scrambles justified lines, `lopdf` and
//! `pdf-extract` give text in stream order only and no tables. This module only places what it
//! gives: lines and paragraphs ([`layout`]), table grids ([`grid`]), page breaks ([`stitch`]);
//! pages are read two at a time ([`pages`]).
//!
//! A PDF whose pages have no text but images is a scan: [`IngestError::Scanned`], for OCR. One
//! with some text pages is read as text; its image-only pages give nothing.
//! Whatever the bytes, reading ends in a document or a clear error naming the file, in bounded
//! time and memory: the input size, the pages ([`Limit::Pages`]), what the streams inflate to
//! and the glyphs a page's stream shows (checked before parsing, [`streams`]), and the text,
//! paragraphs and cells taken out.

mod grid;
mod layout;
mod pages;
#[cfg(test)]
mod refusal_tests;
mod stitch;
pub(crate) mod streams;
#[cfg(test)]
mod tests;

use pdfplumber::{ExtractOptions, Pdf, PdfError, PdfErrorKind};

use super::document::Document;
use super::limits::{Budget, Limit, ReadLimits};
use super::{IngestError, MAX_INPUT_BYTES, MAX_UNZIPPED_BYTES};

const EXPECTED: &str = "PDF";
/// How deep forms may be nested in forms (a form drawn by a form draws its glyphs again).
pub(crate) const MAX_FORM_DEPTH: usize = 3;
/// Objects (chars, paths, images) one page may draw: passed on, but pdfplumber 0.4.1 does not
/// enforce it (nor `max_stream_bytes`); [`streams`] bounds a page's glyphs before parsing.
const MAX_OBJECTS_PER_PAGE: usize = 200_000;

/// Whether the bytes are a PDF: `%PDF-` at the start, or within the first 1024 bytes (where
/// readers accept it after junk).
pub fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// Reads a PDF file. `name` is the file's name, for messages.
pub fn read(bytes: &[u8], name: &str) -> Result<Document, IngestError> {
    read_with(bytes, name, &ReadLimits::default())
}

/// One page as read: its text lines outside tables and its tables, each with where it is.
pub(crate) struct PageContent {
    pub height: f64,
    pub lines: Vec<layout::TextLine>,
    pub tables: Vec<grid::PageTable>,
}

/// [`read`] held to `limits`.
pub fn read_with(bytes: &[u8], name: &str, limits: &ReadLimits) -> Result<Document, IngestError> {
    super::docx::check_size(bytes.len(), name)?;
    if !is_pdf(bytes) {
        return Err(IngestError::WrongContent {
            name: name.to_string(),
            expected: EXPECTED,
            detail: "it does not start with %PDF-".into(),
        });
    }
    let mut budget = Budget::new(*limits);
    let unzipped = limits.unzipped_bytes.min(MAX_UNZIPPED_BYTES);
    streams::check(bytes, unzipped).map_err(|e| match e {
        streams::TooMuch::Inflated => IngestError::ZipBomb {
            name: name.to_string(),
            limit: unzipped,
        },
        streams::TooMuch::Glyphs => IngestError::Corrupt {
            name: name.to_string(),
            detail: format!(
                "a page of the PDF draws more than {} characters (or draws the same form over \
                 and over); no report has such a page",
                streams::MAX_STREAM_GLYPHS
            ),
        },
    })?;
    let options = ExtractOptions {
        max_input_bytes: Some(MAX_INPUT_BYTES),
        max_objects_per_page: MAX_OBJECTS_PER_PAGE,
        max_stream_bytes: usize::try_from(unzipped).unwrap_or(usize::MAX),
        max_pages: Some(limits.pages),
        max_total_objects: Some(limits.text_bytes.saturating_add(limits.cells)),
        collect_warnings: false,
        max_recursion_depth: MAX_FORM_DEPTH,
        ..ExtractOptions::default()
    };
    let pdf = Pdf::open_bytes(bytes, Some(options)).map_err(|e| pdf_error(e, name, limits))?;
    let count = pdf.page_count();
    budget
        .count(Limit::Pages, count)
        .map_err(|e| e.into_error(name))?;
    let read = pages::read_all(
        &pdf,
        count,
        limits,
        &mut budget,
        |e| pdf_error(e, name, limits),
        name,
    )?;
    let image_pages = read.iter().filter(|p| p.scanned).count();
    let text_pages = read.iter().filter(|p| p.text > 0).count();
    let mut pages: Vec<PageContent> = read.into_iter().map(|p| p.content).collect();
    if text_pages == 0 && image_pages > 0 {
        return Err(IngestError::Scanned {
            name: name.to_string(),
            pages: count,
        });
    }
    layout::drop_running(&mut pages);
    stitch::document(pages, &mut budget).map_err(|e| e.into_error(name))
}

/// What the parser's error means for the person who sent the file.
pub(crate) fn pdf_error(e: PdfError, name: &str, limits: &ReadLimits) -> IngestError {
    let name = name.to_string();
    let limit = e.resource_limit().map(|l| l.name);
    if limit == Some("max_pages") {
        return IngestError::TooMuch {
            name,
            limit: Limit::Pages,
            value: Limit::Pages.of(limits),
        };
    }
    if limit == Some("max_total_objects") {
        return IngestError::TooMuch {
            name,
            limit: Limit::TextBytes,
            value: Limit::TextBytes.of(limits),
        };
    }
    match e.kind() {
        PdfErrorKind::PasswordRequired | PdfErrorKind::InvalidPassword => {
            IngestError::Encrypted { name }
        }
        PdfErrorKind::ResourceLimit => IngestError::Corrupt {
            name,
            detail: format!("the PDF asks for more than kaoping reads: {e}"),
        },
        _ => IngestError::Corrupt {
            name,
            detail: format!("the PDF is damaged or cut short: {e}"),
        },
    }
}
