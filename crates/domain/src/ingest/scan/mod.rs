//! Scanned documents (扫描件): the page images of an image-only PDF, or one uploaded picture
//! (PNG, JPEG, TIFF), read by an OCR engine into a [`Document`], and red seals (盖章) found on
//! pages.
//!
//! Pure like the other readers: the engine is a trait ([`Ocr`]) the caller provides (the service
//! runs the `tesseract` program); this module takes the images out of the file within the read
//! budgets, hands them to the engine page by page, and builds the document from the text with
//! the text reader's conventions ([`super::text::read_with`]). When the engine is missing or
//! reads too little, the result says so ([`ScanRead::readable`] false, and
//! [`IngestError::Unrecognised`] from [`ScanRead::into_document`]): a scan is never taken for an
//! empty document.

mod lines;
mod pages;
mod pixels;
mod seal;
#[cfg(test)]
mod tests;

pub use pages::{is_image, page_images};
pub use pixels::{for_ocr, Pixels, MAX_PIXELS};
pub use seal::{find_seals, seals_in_file, SealFound};

use super::document::Document;
use super::limits::ReadLimits;
use super::parallel::map_in_order;
use super::IngestError;

/// How a page image is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Tiff,
    /// Binary PGM (`P5`, 8-bit grey), what [`for_ocr`] gives: no compression to spend time on.
    Pgm,
}

/// One page as an encoded image, with its size and resolution.
#[derive(Debug, Clone, PartialEq)]
pub struct PageImage {
    /// 1-based page number.
    pub page: usize,
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// Pixels per inch: from the PDF's page size, or estimated for an upload (the short side
    /// taken as A4's 210 mm).
    pub dpi: f64,
    /// Where the image is drawn on its page, in points from the top left: `[x, y, w, h]`.
    pub placed: [f64; 4],
}

/// Why the engine read nothing from a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    /// The engine (or its Chinese language data) is not installed: no page can be read.
    #[error("识读程序不可用：{0}")]
    Missing(String),
    /// This page took longer than allowed.
    #[error("识读超时（{seconds} 秒）")]
    Timeout { seconds: u64 },
    /// The engine failed on this page.
    #[error("识读失败：{0}")]
    Failed(String),
}

/// An OCR engine: the text of one page image, lines separated by `\n`. Shared by the (at most
/// two) threads reading a scan's pages.
pub trait Ocr: Sync {
    fn recognise(&self, page: &PageImage) -> Result<String, OcrError>;
}

/// CJK characters a page must give to count as read: a page of a notice has 300–600, a last
/// page with the signature and seal still a few dozen.
pub const MIN_CJK_PER_PAGE: usize = 50;

/// Images drawn smaller than this on both sides (seals, logos) are not read as pages.
const MIN_PAGE_IMAGE_MM: f64 = 60.0;

/// What reading a scan gave.
#[derive(Debug, Clone)]
pub struct ScanRead {
    /// The file's name, for messages.
    pub name: String,
    /// The document built from the recognised text (empty when nothing was read).
    pub document: Document,
    /// Pages of the file.
    pub pages: usize,
    /// 1-based pages the engine read text from.
    pub read: Vec<usize>,
    /// CJK characters recognised, each page.
    pub cjk_per_page: Vec<usize>,
    /// Whether enough was read to treat the text as the document's
    /// (at least [`MIN_CJK_PER_PAGE`] CJK characters a page, on average, and the engine present).
    pub readable: bool,
    /// Why not, in Chinese, when not readable; what failed on some page otherwise.
    pub problems: Vec<String>,
}

impl ScanRead {
    /// CJK characters recognised in all.
    pub fn cjk(&self) -> usize {
        self.cjk_per_page.iter().sum()
    }

    /// The reviewer's marker: "文件 … 是扫描件（共N页），未能识读".
    pub fn message(&self) -> String {
        self.unrecognised().to_string()
    }

    fn unrecognised(&self) -> IngestError {
        IngestError::Unrecognised {
            name: self.name.clone(),
            pages: self.pages,
        }
    }

    /// The document when readable, else [`IngestError::Unrecognised`].
    pub fn into_document(self) -> Result<Document, IngestError> {
        if self.readable {
            Ok(self.document)
        } else {
            Err(self.unrecognised())
        }
    }
}

/// Whether `c` is a CJK ideograph (the basic block and extension A).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Reads a scan (an image-only PDF, or a PNG/JPEG/TIFF picture as one page) with `engine`.
/// Errors are the file's (damaged, too large for `limits`); an engine that is missing or reads
/// too little gives a [`ScanRead`] with `readable` false.
pub fn read_scan(
    bytes: &[u8],
    name: &str,
    limits: &ReadLimits,
    engine: &dyn Ocr,
) -> Result<ScanRead, IngestError> {
    let (images, pages) = pages::images_and_pages(bytes, name, limits)?;
    let mut text = String::new();
    let mut read = Vec::new();
    let mut cjk_per_page = vec![0usize; pages];
    let mut problems = Vec::new();
    let mut missing = false;
    // a seal or logo drawn as an image of its own is no page to read
    let small = |p: &PageImage| p.placed[2].max(p.placed[3]) < MIN_PAGE_IMAGE_MM * 72.0 / 25.4;
    let images: Vec<&PageImage> = images.iter().filter(|p| !small(p)).collect();
    for (image, result) in images.iter().zip(recognise_all(&images, engine)) {
        match result {
            Ok(t) => {
                let cjk = t.chars().filter(|&c| is_cjk(c)).count();
                if let Some(n) = cjk_per_page.get_mut(image.page.saturating_sub(1)) {
                    *n += cjk;
                }
                if cjk > 0 {
                    read.push(image.page);
                }
                for paragraph in lines::paragraphs(&t) {
                    text.push_str(&paragraph);
                    text.push('\n');
                }
            }
            Err(e) => {
                problems.push(format!("第{}页：{e}", image.page));
                if matches!(e, OcrError::Missing(_)) {
                    missing = true;
                    break;
                }
            }
        }
    }
    read.dedup();
    let document = super::text::read_with(&text, limits).map_err(|e| e.into_error(name))?;
    let total: usize = cjk_per_page.iter().sum();
    let readable = !missing && pages > 0 && total >= MIN_CJK_PER_PAGE.saturating_mul(pages);
    if !readable && !missing {
        problems.push(format!(
            "识读出的汉字过少（共{total}字，每页应不少于{MIN_CJK_PER_PAGE}字）"
        ));
    }
    Ok(ScanRead {
        name: name.to_string(),
        document,
        pages,
        read,
        cjk_per_page,
        readable,
        problems,
    })
}

/// At most this many pages are read at once (one engine process a core, two cores).
const THREADS: usize = 2;

/// The engine's text of each image, in order, two at a time; after the engine is found
/// missing, no further image is given to it (the results end there).
fn recognise_all(images: &[&PageImage], engine: &dyn Ocr) -> Vec<Result<String, OcrError>> {
    map_in_order(
        images.len(),
        THREADS,
        |i| engine.recognise(images[i]),
        |result| matches!(result, Err(OcrError::Missing(_))),
    )
}
