//! Red seals (公章) on page images: red pixels gathered into a box the size and shape of a seal.
//!
//! A pixel is red when its red channel is strong and well above green and blue (faded and
//! JPEG-blurred stamp ink still is; black, grey and blue text are not). The page is cut into
//! cells of about 0.85 mm; cells with red in them that lie within about 2.5 mm of each other form
//! one mark. A mark is a seal when its box is 15–70 mm on each side and roughly square (a red
//! letterhead or rule is long and flat), its red covers 2–60 % of the box (a ring with a star
//! and text; a filled block is no seal) and lies in all four quarters of the box (a tick or a
//! scribble does not). On a text PDF the seal is an image of its own, read the same way: the
//! mark fills that image.

use super::pages::mm;
use super::pixels::{rgb, DecodeError};
use super::{page_images, PageImage};
use crate::ingest::limits::ReadLimits;
use crate::ingest::IngestError;

/// A seal found: its page (1-based) and its box on the page, in points from the top left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SealFound {
    pub page: usize,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

const MIN_SIDE_MM: f64 = 15.0;
const MAX_SIDE_MM: f64 = 70.0;
/// The short side over the long side, at least.
const MIN_SQUARENESS: f64 = 0.6;
const MIN_DENSITY: f64 = 0.02;
const MAX_DENSITY: f64 = 0.6;
/// Of the mark's red pixels, at least this share in each quarter of its box.
const MIN_QUARTER: f64 = 0.05;

/// Whether a pixel is stamp red.
pub fn is_red([r, g, b]: [u8; 3]) -> bool {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    r > 150 && r - g > 60 && r - b > 60
}

/// The seals on a page image.
pub fn find_seals(page: &PageImage) -> Result<Vec<SealFound>, DecodeError> {
    let pixels = rgb(page)?.image;
    let (width, height) = (pixels.width() as usize, pixels.height() as usize);
    if width == 0 || height == 0 || page.dpi <= 0.0 {
        return Ok(Vec::new());
    }
    let px_per_mm = page.dpi / 25.4;
    let cell = ((0.85 * px_per_mm).round() as usize).max(1);
    let (cols, rows) = (width.div_ceil(cell), height.div_ceil(cell));
    let mut red = vec![0u32; cols * rows];
    for (x, y, p) in pixels.enumerate_pixels() {
        if is_red(p.0) {
            red[(y as usize / cell) * cols + x as usize / cell] += 1;
        }
    }
    let min_red = u32::try_from((cell * cell / 10).max(1)).unwrap_or(u32::MAX);
    let marked: Vec<bool> = red.iter().map(|&n| n >= min_red).collect();
    let gap = ((2.5 * px_per_mm / cell as f64).round() as usize).max(1);
    let scale_x = page.placed[2] / width as f64;
    let scale_y = page.placed[3] / height as f64;
    let mut found = Vec::new();
    for mark in marks(&marked, cols, rows, gap) {
        let (c0, r0, c1, r1) = mark.bounds;
        let (x0, y0) = (c0 * cell, r0 * cell);
        let (x1, y1) = (((c1 + 1) * cell).min(width), ((r1 + 1) * cell).min(height));
        let (w, h) = ((x1 - x0) as f64, (y1 - y0) as f64);
        let (w_mm, h_mm) = (w / px_per_mm, h / px_per_mm);
        let sized = |s: f64| (MIN_SIDE_MM..=MAX_SIDE_MM).contains(&s);
        if !sized(w_mm) || !sized(h_mm) || w_mm.min(h_mm) / w_mm.max(h_mm) < MIN_SQUARENESS {
            continue;
        }
        // the red pixels, all and in each quarter of the box
        let (mid_c, mid_r) = ((c0 + c1).div_ceil(2), (r0 + r1).div_ceil(2));
        let mut quarters = [0u64; 4];
        for &(c, r) in &mark.cells {
            let q = usize::from(c >= mid_c) + 2 * usize::from(r >= mid_r);
            quarters[q] += u64::from(red[r * cols + c]);
        }
        let total: u64 = quarters.iter().sum();
        let density = total as f64 / (w * h);
        let spread = quarters
            .iter()
            .all(|&q| q as f64 >= MIN_QUARTER * total as f64);
        if !(MIN_DENSITY..=MAX_DENSITY).contains(&density) || !spread {
            continue;
        }
        found.push(SealFound {
            page: page.page,
            x: page.placed[0] + x0 as f64 * scale_x,
            y: page.placed[1] + y0 as f64 * scale_y,
            w: w * scale_x,
            h: h * scale_y,
        });
    }
    Ok(found)
}

/// The seals on every page of a file (a PDF with text or scanned, or a picture): each image
/// drawn is looked at, whether it is the whole page or a seal image of its own.
pub fn seals_in_file(
    bytes: &[u8],
    name: &str,
    limits: &ReadLimits,
) -> Result<Vec<SealFound>, IngestError> {
    let mut found = Vec::new();
    for image in page_images(bytes, name, limits)? {
        // an image that does not decode has no seal to show
        found.extend(find_seals(&image).unwrap_or_default());
    }
    Ok(found)
}

impl SealFound {
    /// The box's width and height in millimetres.
    pub fn size_mm(&self) -> (f64, f64) {
        (mm(self.w), mm(self.h))
    }
}

struct Mark {
    cells: Vec<(usize, usize)>,
    /// first column, first row, last column, last row
    bounds: (usize, usize, usize, usize),
}

/// Marked cells grouped: two cells are in one mark when they are at most `gap` cells apart
/// (a flood fill over the marked cells, looking `gap` cells around each).
fn marks(marked: &[bool], cols: usize, rows: usize, gap: usize) -> Vec<Mark> {
    let mut seen = vec![false; marked.len()];
    let mut out = Vec::new();
    for start in 0..marked.len() {
        if !marked[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut cells = Vec::new();
        let (mut c0, mut r0, mut c1, mut r1) = (usize::MAX, usize::MAX, 0, 0);
        while let Some(i) = stack.pop() {
            let (c, r) = (i % cols, i / cols);
            cells.push((c, r));
            (c0, r0, c1, r1) = (c0.min(c), r0.min(r), c1.max(c), r1.max(r));
            for nr in r.saturating_sub(gap)..=(r + gap).min(rows - 1) {
                for nc in c.saturating_sub(gap)..=(c + gap).min(cols - 1) {
                    let j = nr * cols + nc;
                    if marked[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        out.push(Mark {
            cells,
            bounds: (c0, r0, c1, r1),
        });
    }
    out
}
