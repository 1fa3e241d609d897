//! Rich Text Format (.rtf) files read into a [`Document`]: paragraphs (a heading's level from
//! its style's name or `\outlinelevel`), text in the document's code page (`\ansicpg`, or a
//! font's `\fcharset` — GBK for Chinese) and `\uN` escapes, field results without their
//! instructions, and tables from `\trowd … \cellxN … \cell … \row` with `\clmrg` and
//! `\clvmgf`/`\clvmrg` merges, laid out on the grid of the rows' cell boundaries as .doc tables
//! are.
//!
//! A bounded tokenizer: one pass over the bytes, groups nested no deeper than the depth budget,
//! text, paragraphs and cells charged to the [`Budget`] as they are read.

mod body;
mod charset;
mod lexer;
mod tables;
#[cfg(test)]
mod tests;
mod words;

use super::document::Document;
use super::docx::xml::PartError;
use super::limits::{Budget, ReadLimits};
use super::IngestError;

/// Cell boundaries read per row definition, at most (Word allows 63 cells).
const MAX_ROW_CELLS: usize = 64;

/// Reads an .rtf file. `name` is the file's name, for messages.
pub fn read(bytes: &[u8], name: &str) -> Result<Document, IngestError> {
    read_with(bytes, name, &ReadLimits::default())
}

/// [`read`] held to `limits`.
pub fn read_with(bytes: &[u8], name: &str, limits: &ReadLimits) -> Result<Document, IngestError> {
    super::docx::check_size(bytes.len(), name)?;
    let head = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if !head[start..].starts_with(b"{\\rtf") {
        return Err(IngestError::WrongContent {
            name: name.to_string(),
            expected: "RTF (.rtf)",
            detail: "it does not begin with {\\rtf, as every RTF document does".into(),
        });
    }
    let mut budget = Budget::new(*limits);
    let blocks = body::parse(&head[start..], &mut budget).map_err(|e| match e {
        PartError::Limit(e) => e.into_error(name),
        PartError::Invalid(detail) => IngestError::Corrupt {
            name: name.to_string(),
            detail,
        },
        PartError::Xml(e) => IngestError::Corrupt {
            name: name.to_string(),
            detail: e.to_string(),
        },
    })?;
    Ok(Document { blocks })
}
