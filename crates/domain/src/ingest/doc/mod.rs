//! Word 97-2003 (.doc) and WPS Office (.wps) files read into a [`Document`]. Both are OLE
//! compound files with a WordDocument stream in the Word binary format ([MS-DOC]); a compound
//! file with one is read whatever its name. The container is read with the `cfb` crate; the
//! format itself here: the FIB, the piece table of the table stream (0Table/1Table), the text
//! pieces (8-bit or UTF-16LE), and the paragraph properties in the PAPX FKPs, which say where
//! cells and rows end and how a row's cells are merged.
//!
//! Whatever the bytes, reading ends in a document or an [`IngestError`] naming the file, in
//! bounded time and memory: the size is checked first, the streams read are held to
//! `unzipped_bytes`, every loop over the piece table and the FKPs is bounded by the streams'
//! sizes, and text, paragraphs and cells are charged to the [`Budget`] as they are read.
//!
//! An Excel 97-2003 workbook (.xls/.et) is a compound file too, but not this reader's: it is
//! refused as [`IngestError::WrongContent`]; `ingest::Kind::of` tells it beforehand
//! (`Kind::ExcelBinary`) so a caller can hand it to a workbook reader.
//!
//! Not read (yet): a piece's Prm0 (one sprm coded in the piece itself; its Prm1, a grpprl of the
//! Clx, is applied — Word's fast save keeps property changes there); sprmTInsert/TDelete/
//! TSplit; Word's automatic list numbers (typed numbers such as "一、" are text and read); a
//! style's own outline level (headings come from the built-in 标题 1–9 styles and a paragraph's
//! sprmPOutLvl); footnotes, headers, comments and text boxes (only the main text is read).
//! Word 6/95 files are refused as WrongContent; encrypted and XOR-obfuscated files as Encrypted
//! (not decrypted). The corpus is LibreOffice's; .doc written by Word or WPS was not at hand.

mod body;
mod fib;
pub(in crate::ingest) mod grid;
pub(in crate::ingest) mod open_table;
mod pieces;
pub(in crate::ingest) mod props;
mod sprms;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_crafted;
#[cfg(test)]
mod tests_hostile;

use std::io::{Cursor, Read};

use super::document::Document;
use super::docx::xml::PartError;
use super::limits::{Budget, Exceeded, Limit, ReadLimits};
use super::{IngestError, MAX_UNZIPPED_BYTES};
use fib::{Fib, FibError};

const EXPECTED: &str = "Word 97-2003 (.doc) or WPS (.wps)";
/// Streams of the root storage looked at, at most.
const MAX_ENTRIES: usize = 4096;

/// What an OLE compound file holds, by its streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OleKind {
    /// A WordDocument stream: Word 97-2003 .doc, WPS .wps (this reader's).
    Word,
    /// A Workbook (or Book) stream: Excel 97-2003 .xls, WPS .et (for the workbook reader).
    Excel,
    /// EncryptionInfo and EncryptedPackage: a password-protected .docx/.xlsx.
    EncryptedOoxml,
    /// Some other compound file (PowerPoint, Works, an MSI …).
    Other,
}

fn streams<F>(cfb: &cfb::CompoundFile<F>) -> Vec<(String, u64)> {
    cfb.read_root_storage()
        .filter(|e| e.is_stream())
        .take(MAX_ENTRIES)
        .map(|e| (e.name().to_string(), e.len()))
        .collect()
}

fn kind_of(streams: &[(String, u64)]) -> OleKind {
    let has = |n: &str| streams.iter().any(|(s, _)| s.eq_ignore_ascii_case(n));
    if has("WordDocument") {
        OleKind::Word
    } else if has("EncryptedPackage") {
        OleKind::EncryptedOoxml
    } else if has("Workbook") || has("Book") {
        OleKind::Excel
    } else {
        OleKind::Other
    }
}

/// Reads a .doc/.wps file. `name` is the file's name, for messages.
pub fn read(bytes: &[u8], name: &str) -> Result<Document, IngestError> {
    read_with(bytes, name, &ReadLimits::default())
}

/// [`read`] held to `limits`: the streams read (never more than [`MAX_UNZIPPED_BYTES`]), the
/// text, paragraphs and cells.
pub fn read_with(bytes: &[u8], name: &str, limits: &ReadLimits) -> Result<Document, IngestError> {
    // empty, or larger than MAX_INPUT_BYTES
    super::docx::check_size(bytes.len(), name)?;
    let corrupt = |detail: String| IngestError::Corrupt {
        name: name.to_string(),
        detail,
    };
    if !bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(wrong(name, not_ole(bytes)));
    }
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| {
        corrupt(format!(
            "the compound file (.doc) is damaged or cut short: {e}"
        ))
    })?;
    let streams = streams(&cfb);
    match kind_of(&streams) {
        OleKind::Word => {}
        OleKind::EncryptedOoxml => {
            return Err(IngestError::Encrypted {
                name: name.to_string(),
            })
        }
        OleKind::Excel => return Err(wrong(name, "it is an Excel 97-2003 workbook (.xls)".into())),
        OleKind::Other => {
            return Err(wrong(
                name,
                "it is a compound file without a WordDocument stream".into(),
            ))
        }
    }
    let limit = limits.unzipped_bytes.min(MAX_UNZIPPED_BYTES);
    let mut left = limit;
    let word = read_stream(&mut cfb, &streams, "WordDocument", (&mut left, limit), name)?;
    let fib = Fib::parse(&word).map_err(|e| match e {
        FibError::NotWord => wrong(name, "its WordDocument stream is not a Word document".into()),
        FibError::Old(nfib) => wrong(
            name,
            format!(
                "it is a Word 6/95 document (version {nfib:#x}); open it in Word and save it as .docx"
            ),
        ),
        FibError::Damaged(d) => corrupt(d.to_string()),
    })?;
    if fib.encrypted {
        return Err(IngestError::Encrypted {
            name: name.to_string(),
        });
    }
    let table_name = if fib.table_1 { "1Table" } else { "0Table" };
    let table = read_stream(&mut cfb, &streams, table_name, (&mut left, limit), name)?;
    // the Data stream holds long paragraph properties (sprmPHugePapx), pictures …
    let data = if streams.iter().any(|(s, _)| s.eq_ignore_ascii_case("Data")) {
        read_stream(&mut cfb, &streams, "Data", (&mut left, limit), name)?
    } else {
        Vec::new()
    };

    let clx = fib::slice(&table, fib.clx)
        .ok_or_else(|| corrupt("the piece table lies outside the table stream".into()))?;
    let (pieces, prcs) = pieces::parse(clx).map_err(|d| corrupt(d.to_string()))?;
    let props = match fib::slice(&table, fib.plcf_bte_papx) {
        Some(plc) => props::Props::parse(plc, &word, &data).map_err(|d| corrupt(d.to_string()))?,
        None => props::Props::default(),
    };
    let headings = fib::slice(&table, fib.stshf).map_or_else(Vec::new, headings);

    let mut budget = Budget::new(*limits);
    let part = |e: PartError| match e {
        PartError::Limit(e) => e.into_error(name),
        PartError::Invalid(d) => corrupt(d),
        PartError::Xml(e) => corrupt(e.to_string()),
    };
    let mut body = body::Body::new(&props, &prcs, &headings, &mut budget);
    for c in pieces::chars(&word, &pieces, fib.ccp_text) {
        let c = c.map_err(|d| corrupt(d.to_string()))?;
        body.push(c).map_err(part)?;
    }
    body.finish().map_err(part)
}

/// Reads the stream `stream` of the root storage, charging its length to `left`.
fn read_stream(
    cfb: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    streams: &[(String, u64)],
    stream: &str,
    (left, limit): (&mut u64, u64),
    name: &str,
) -> Result<Vec<u8>, IngestError> {
    let corrupt = |detail: String| IngestError::Corrupt {
        name: name.to_string(),
        detail,
    };
    let Some((actual, len)) = streams.iter().find(|(s, _)| s.eq_ignore_ascii_case(stream)) else {
        return Err(corrupt(format!("the {stream} stream is missing")));
    };
    if *len > *left {
        return Err(Exceeded {
            limit: Limit::UnzippedBytes,
            value: limit,
        }
        .into_error(name));
    }
    *left -= len;
    let mut out = Vec::new();
    cfb.open_stream(format!("/{actual}"))
        .and_then(|s| s.take(*len).read_to_end(&mut out))
        .map_err(|e| corrupt(format!("the {stream} stream cannot be read: {e}")))?;
    Ok(out)
}

/// The heading level of each style (by istd): built-in styles 标题 1–9 (sti 1–9) in the STSH.
fn headings(stsh: &[u8]) -> Vec<Option<u8>> {
    let Some(cb_stshi) = fib::u16_at(stsh, 0) else {
        return Vec::new();
    };
    let cstd = fib::u16_at(stsh, 2).unwrap_or(0);
    let mut at = 2 + usize::from(cb_stshi);
    let mut out = Vec::new();
    for _ in 0..cstd {
        let Some(cb) = fib::u16_at(stsh, at) else {
            break;
        };
        let sti = (cb >= 2)
            .then(|| fib::u16_at(stsh, at + 2))
            .flatten()
            .map(|w| w & 0x0FFF);
        out.push(sti.filter(|s| (1..=9).contains(s)).map(|s| s as u8));
        at += 2 + usize::from(cb);
    }
    out
}

fn wrong(name: &str, detail: String) -> IngestError {
    IngestError::WrongContent {
        name: name.to_string(),
        expected: EXPECTED,
        detail,
    }
}

/// What a file that is not a compound file is.
fn not_ole(bytes: &[u8]) -> String {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"PK\x03\x04") {
        "it is a zip archive (perhaps a .docx under a .doc name)".into()
    } else if starts(b"{\\rtf") {
        "it is an RTF document".into()
    } else if starts(b"%PDF") {
        "it is a PDF document".into()
    } else {
        "it is not an OLE compound file, which every .doc file is".into()
    }
}
