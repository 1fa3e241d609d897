//! The pages read, two at a time: `pdfplumber` spends most of a read interpreting each page's
//! content (and inflating its fonts again for every page), and pages are independent, so two
//! threads (the machine's cores, at most two) take the next page in turn. The budgets are
//! charged in page order afterwards, so a file past one fails as it would read in order; the
//! threads stop early once the text or cells read so far are past their budget.

use std::sync::atomic::{AtomicUsize, Ordering};

use pdfplumber::{Pdf, TableSettings};

use super::{grid, layout, PageContent};
use crate::ingest::limits::{Budget, Exceeded, Limit, ReadLimits};
use crate::ingest::parallel::map_in_order;
use crate::ingest::IngestError;

/// At most this many threads read one file's pages.
const THREADS: usize = 2;

/// One page as read, with what it used of the budgets.
pub(super) struct Read {
    pub content: PageContent,
    pub text: usize,
    pub cells: usize,
    /// No text but images: a scanned page.
    pub scanned: bool,
}

enum Failure {
    Pdf(pdfplumber::PdfError),
    Budget(Exceeded),
}

fn read_page(pdf: &Pdf, i: usize, limits: &ReadLimits) -> Result<Read, Failure> {
    let page = pdf.page(i).map_err(Failure::Pdf)?;
    let chars = page.chars();
    let text = chars
        .iter()
        .filter(|c| !c.text.trim().is_empty())
        .fold(0usize, |n, c| n.saturating_add(c.text.len()));
    let mut budget = Budget::new(*limits);
    budget.text(text).map_err(Failure::Budget)?;
    let found = if page.lines().is_empty() && page.rects().is_empty() {
        Vec::new()
    } else {
        page.find_tables(&TableSettings::default())
    };
    let tables = grid::page_tables(&found, chars, &mut budget).map_err(Failure::Budget)?;
    let cells = tables
        .iter()
        .map(|t| t.rows.len().saturating_mul(t.xs.len().saturating_sub(1)))
        .fold(0usize, usize::saturating_add);
    let lines = layout::lines(chars, &tables);
    Ok(Read {
        scanned: text == 0 && !page.images().is_empty(),
        content: PageContent {
            height: page.height(),
            lines,
            tables,
        },
        text,
        cells,
    })
}

/// Reads every page; the first failure in page order is the file's.
pub(super) fn read_all(
    pdf: &Pdf,
    count: usize,
    limits: &ReadLimits,
    budget: &mut Budget,
    error: impl Fn(pdfplumber::PdfError) -> IngestError,
    name: &str,
) -> Result<Vec<Read>, IngestError> {
    let (text, cells) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // stop after a failure, or once what was read passes a budget
    let past_budget = |read: &Result<Read, Failure>| match read {
        Ok(r) => {
            let t = text
                .fetch_add(r.text, Ordering::Relaxed)
                .saturating_add(r.text);
            let c = cells
                .fetch_add(r.cells, Ordering::Relaxed)
                .saturating_add(r.cells);
            t > limits.text_bytes || c > limits.cells
        }
        Err(_) => true,
    };
    let done = map_in_order(count, THREADS, |i| read_page(pdf, i, limits), past_budget);
    let mut pages = Vec::with_capacity(done.len());
    for read in done {
        let read = read.map_err(|f| match f {
            Failure::Pdf(e) => error(e),
            Failure::Budget(e) => e.into_error(name),
        })?;
        budget.text(read.text).map_err(|e| e.into_error(name))?;
        budget.cells(read.cells).map_err(|e| e.into_error(name))?;
        pages.push(read);
    }
    // the threads stopped early only past a budget, and all read is charged above
    if pages.len() < count {
        let limit = if text.into_inner() > limits.text_bytes {
            Limit::TextBytes
        } else {
            Limit::Cells
        };
        return Err(Exceeded {
            limit,
            value: limit.of(limits),
        }
        .into_error(name));
    }
    Ok(pages)
}
