//! OpenDocument text (.odt) files read into a [`Document`]: the paragraphs and headings of
//! content.xml in order (a heading's level from `text:outline-level`), and tables as grids with
//! `table:number-columns-spanned` / `table:number-rows-spanned` and `table:covered-table-cell`
//! resolved into merges, through the .docx reader's table builder.
//!
//! Held to the same budgets and zip conventions as the .docx reader: the size is checked first,
//! a zip that would unpack to more than `unzipped_bytes` is refused by its declared sizes and
//! stopped while it unpacks if they lie, and text, paragraphs and cells are charged as read.

mod body;
mod tables;
#[cfg(test)]
mod tests;

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::document::Document;
use super::docx::Unzip;
use super::limits::{Budget, ReadLimits};
use super::{IngestError, MAX_UNZIPPED_BYTES};

const EXPECTED: &str = "OpenDocument text (.odt)";
const CONTENT: &str = "content.xml";
const MIMETYPE: &str = "mimetype";
const MANIFEST: &str = "META-INF/manifest.xml";
const ODT_MIME: &str = "application/vnd.oasis.opendocument.text";

/// Reads an .odt file. `name` is the file's name, for messages.
pub fn read(bytes: &[u8], name: &str) -> Result<Document, IngestError> {
    read_with(bytes, name, &ReadLimits::default())
}

/// [`read`] held to `limits`.
pub fn read_with(bytes: &[u8], name: &str, limits: &ReadLimits) -> Result<Document, IngestError> {
    let limit = limits.unzipped_bytes.min(MAX_UNZIPPED_BYTES);
    super::docx::check_size(bytes.len(), name)?;
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(wrong(
            name,
            "it is not a zip archive, which every .odt file is".into(),
        ));
    }
    let corrupt = |detail: String| IngestError::Corrupt {
        name: name.to_string(),
        detail,
    };
    let damaged = |e: zip::result::ZipError| {
        corrupt(format!(
            "the .odt (zip) archive is damaged or cut short: {e}"
        ))
    };
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    let (mut content, mut mimetype, mut manifest) = (None, None, None);
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(damaged)?;
        declared = declared.saturating_add(entry.size());
        let entry_name = String::from_utf8_lossy(entry.name_raw()).to_string();
        let slot = match entry_name.as_str() {
            CONTENT => &mut content,
            MIMETYPE => &mut mimetype,
            MANIFEST => &mut manifest,
            _ => continue,
        };
        slot.get_or_insert((i, entry.size()));
    }
    if declared > limit {
        return Err(IngestError::ZipBomb {
            name: name.to_string(),
            limit,
        });
    }
    // the mimetype entry is stored, a few dozen bytes: read whole when it is that
    if let Some((i, size)) = mimetype.filter(|(_, size)| *size < 256) {
        let mut mime = String::new();
        zip.by_index(i)
            .map_err(damaged)?
            .take(size)
            .read_to_string(&mut mime)
            .map_err(|e| corrupt(format!("{MIMETYPE} cannot be unpacked: {e}")))?;
        let mime = mime.trim();
        if !mime.starts_with(ODT_MIME) {
            return Err(wrong(
                name,
                format!("it is an OpenDocument file of type {mime}"),
            ));
        }
    }
    let Some((content, _)) = content else {
        return Err(wrong(
            name,
            "it is a zip archive without content.xml".into(),
        ));
    };
    let mut unzip = Unzip {
        name,
        limit,
        used: 0,
    };
    if let Some((i, _)) = manifest {
        if unzip.part(&mut zip, i, MANIFEST, body::encrypted)? {
            return Err(IngestError::Encrypted {
                name: name.to_string(),
            });
        }
    }
    let mut budget = Budget::new(*limits);
    unzip.part(&mut zip, content, CONTENT, |r| body::parse(r, &mut budget))
}

fn wrong(name: &str, detail: String) -> IngestError {
    IngestError::WrongContent {
        name: name.to_string(),
        expected: EXPECTED,
        detail,
    }
}
