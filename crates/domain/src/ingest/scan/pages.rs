//! The images of a file's pages: the image XObjects a PDF draws on each page (JPEG as they are,
//! 8-bit grey or RGB pixel data encoded as PNG), or an uploaded picture as page 1. Held to the
//! read budgets: the pages, the image bytes all together against `unzipped_bytes`, and the pixels
//! of each image against [`MAX_PIXELS`].

use std::io::Cursor;

use image::{ImageFormat, ImageReader};
use pdfplumber::{ExtractOptions, ImageFormat as PdfImageFormat, Pdf};

use super::pixels::MAX_PIXELS;
use super::{ImageKind, PageImage};
use crate::ingest::limits::{Budget, Limit, ReadLimits};
use crate::ingest::pdf::{self, is_pdf, streams, MAX_FORM_DEPTH};
use crate::ingest::{IngestError, MAX_INPUT_BYTES, MAX_UNZIPPED_BYTES};

/// Points per millimetre; A4's short side, for the resolution of an uploaded picture.
const PT_PER_MM: f64 = 72.0 / 25.4;
const A4_SHORT_MM: f64 = 210.0;

/// What kind of picture the bytes are (of those a scan is read from), by their signature.
pub fn is_image(bytes: &[u8]) -> Option<ImageKind> {
    match crate::ingest::Kind::of(bytes) {
        crate::ingest::Kind::Png => Some(ImageKind::Png),
        crate::ingest::Kind::Jpeg => Some(ImageKind::Jpeg),
        crate::ingest::Kind::Tiff => Some(ImageKind::Tiff),
        _ => None,
    }
}

fn corrupt(name: &str, detail: impl Into<String>) -> IngestError {
    IngestError::Corrupt {
        name: name.to_string(),
        detail: detail.into(),
    }
}

fn too_many_pixels(name: &str, w: u64, h: u64) -> IngestError {
    corrupt(
        name,
        format!("an image is {w}×{h} pixels, more than the {MAX_PIXELS} a page is read at"),
    )
}

/// Every image drawn on every page, in page order (for a picture: itself, as page 1).
pub fn page_images(
    bytes: &[u8],
    name: &str,
    limits: &ReadLimits,
) -> Result<Vec<PageImage>, IngestError> {
    images_and_pages(bytes, name, limits).map(|(images, _)| images)
}

/// [`page_images`], and the number of pages of the file (pages may have no image).
pub(super) fn images_and_pages(
    bytes: &[u8],
    name: &str,
    limits: &ReadLimits,
) -> Result<(Vec<PageImage>, usize), IngestError> {
    crate::ingest::docx::check_size(bytes.len(), name)?;
    if let Some(kind) = is_image(bytes) {
        return picture(bytes, kind, name, limits).map(|p| (vec![p], 1));
    }
    if !is_pdf(bytes) {
        return Err(IngestError::WrongContent {
            name: name.to_string(),
            expected: "PDF, PNG, JPEG or TIFF",
            detail: "it starts with neither %PDF- nor an image signature".into(),
        });
    }
    pdf_images(bytes, name, limits)
}

fn picture(
    bytes: &[u8],
    kind: ImageKind,
    name: &str,
    limits: &ReadLimits,
) -> Result<PageImage, IngestError> {
    let format = match kind {
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Tiff | ImageKind::Pgm => ImageFormat::Tiff,
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| corrupt(name, format!("the image cannot be read: {e}")))?;
    let pixels = u64::from(width).saturating_mul(u64::from(height));
    if pixels > MAX_PIXELS {
        return Err(too_many_pixels(name, width.into(), height.into()));
    }
    Budget::new(*limits)
        .unzipped(pixels.saturating_mul(3))
        .map_err(|e| e.into_error(name))?;
    let dpi = f64::from(width.min(height).max(1)) / (A4_SHORT_MM / 25.4);
    Ok(PageImage {
        page: 1,
        kind,
        bytes: bytes.to_vec(),
        width,
        height,
        dpi,
        placed: [
            0.0,
            0.0,
            f64::from(width) / dpi * 72.0,
            f64::from(height) / dpi * 72.0,
        ],
    })
}

fn pdf_images(
    bytes: &[u8],
    name: &str,
    limits: &ReadLimits,
) -> Result<(Vec<PageImage>, usize), IngestError> {
    let budget = Budget::new(*limits);
    let unzipped = limits.unzipped_bytes.min(MAX_UNZIPPED_BYTES);
    streams::check(bytes, unzipped).map_err(|e| match e {
        streams::TooMuch::Inflated => IngestError::ZipBomb {
            name: name.to_string(),
            limit: unzipped,
        },
        streams::TooMuch::Glyphs => corrupt(name, "a page of the PDF draws too many characters"),
    })?;
    let options = ExtractOptions {
        max_input_bytes: Some(MAX_INPUT_BYTES),
        max_stream_bytes: usize::try_from(unzipped).unwrap_or(usize::MAX),
        max_pages: Some(limits.pages),
        collect_warnings: false,
        max_recursion_depth: MAX_FORM_DEPTH,
        ..ExtractOptions::default()
    };
    let pdf = Pdf::open_bytes(bytes, Some(options)).map_err(|e| pdf::pdf_error(e, name, limits))?;
    let count = pdf.page_count();
    budget
        .count(Limit::Pages, count)
        .map_err(|e| e.into_error(name))?;
    let mut out = Vec::new();
    let mut total: u64 = 0;
    for i in 0..count {
        let page = pdf
            .page(i)
            .map_err(|e| corrupt(name, format!("page {} cannot be read: {e}", i + 1)))?;
        for image in page.images() {
            let (w, h) = (image.src_width.unwrap_or(0), image.src_height.unwrap_or(0));
            if w == 0 || h == 0 || image.width <= 0.0 || image.height <= 0.0 {
                continue;
            }
            if u64::from(w).saturating_mul(u64::from(h)) > MAX_PIXELS {
                return Err(too_many_pixels(name, w.into(), h.into()));
            }
            // an image that cannot be taken out (inline, or a filter not read) is no page image
            let Ok(content) = pdf.extract_image_content(i, &image.name) else {
                continue;
            };
            total = total.saturating_add(u64::try_from(content.data.len()).unwrap_or(u64::MAX));
            budget.unzipped(total).map_err(|e| e.into_error(name))?;
            let encoded = match content.format {
                PdfImageFormat::Jpeg => Some((ImageKind::Jpeg, content.data)),
                PdfImageFormat::Raw => png(&content.data, w, h).map(|b| (ImageKind::Png, b)),
                _ => None,
            };
            let Some((kind, bytes)) = encoded else {
                continue;
            };
            out.push(PageImage {
                page: i + 1,
                kind,
                bytes,
                width: w,
                height: h,
                dpi: f64::from(w) / (image.width / 72.0),
                placed: [image.x0, image.top, image.width, image.height],
            });
        }
    }
    Ok((out, count))
}

/// 8-bit grey or RGB pixels as PNG; `None` for other layouts (1-bit, CMYK, indexed).
fn png(data: &[u8], w: u32, h: u32) -> Option<Vec<u8>> {
    let pixels = usize::try_from(u64::from(w) * u64::from(h)).ok()?;
    let colour = if data.len() == pixels.checked_mul(3)? {
        image::ExtendedColorType::Rgb8
    } else if data.len() == pixels {
        image::ExtendedColorType::L8
    } else {
        return None;
    };
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::NoFilter,
    );
    image::ImageEncoder::write_image(encoder, data, w, h, colour).ok()?;
    Some(out)
}

/// The millimetres of `points`.
pub(super) fn mm(points: f64) -> f64 {
    points / PT_PER_MM
}
