//! Word (.docx) files read into a [`Document`]: the paragraphs of word/document.xml in order
//! with their heading level (from the styles) and list numbering as Word prints it (from
//! word/numbering.xml), and tables as grids with merged cells marked.
//!
//! Whatever the bytes, reading ends in a document or a clear [`IngestError`] naming the file,
//! in bounded time and memory: the size is checked before anything else, the kind of file is
//! told by its first bytes, and a zip that would unpack to more than the limit is refused by
//! its declared sizes and stopped while it unpacks if they lie.

mod body;
mod numbering;
mod numfmt;
mod styles;
pub(in crate::ingest) mod tables;
pub(in crate::ingest) mod xml;

use std::io::{self, BufReader, Cursor, Read};

use quick_xml::Reader;
use zip::read::ZipFile;
use zip::ZipArchive;

use super::document::Document;
use super::limits::{Budget, ReadLimits};
use super::sniff::Kind;
use super::{IngestError, MAX_INPUT_BYTES, MAX_UNZIPPED_BYTES};
use numbering::Numbering;
use styles::Styles;
use xml::PartError;

const EXPECTED: &str = "Word (.docx)";
const DOCUMENT: &str = "word/document.xml";
const STYLES: &str = "word/styles.xml";
const NUMBERING: &str = "word/numbering.xml";

/// Reads a .docx file. `name` is the file's name, for messages.
pub fn read(bytes: &[u8], name: &str) -> Result<Document, IngestError> {
    read_with(bytes, name, &ReadLimits::default())
}

/// [`read`] with the most the parts read may unpack to: `limit` bytes (the other budgets at
/// their defaults).
pub fn read_with_limit(bytes: &[u8], name: &str, limit: u64) -> Result<Document, IngestError> {
    let limits = ReadLimits {
        unzipped_bytes: limit,
        ..ReadLimits::default()
    };
    read_with(bytes, name, &limits)
}

/// [`read`] held to `limits`: what the parts unpack to (never more than
/// [`MAX_UNZIPPED_BYTES`]), the text, paragraphs, cells and nesting of the body.
pub fn read_with(bytes: &[u8], name: &str, limits: &ReadLimits) -> Result<Document, IngestError> {
    let limit = limits.unzipped_bytes.min(MAX_UNZIPPED_BYTES);
    check_size(bytes.len(), name)?;
    check_kind(bytes, name)?;
    let corrupt = |detail: String| IngestError::Corrupt {
        name: name.to_string(),
        detail,
    };
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        corrupt(format!(
            "the .docx (zip) archive is damaged or cut short: {e}"
        ))
    })?;

    let mut declared: u64 = 0;
    let (mut document, mut styles, mut numbering) = (None, None, None);
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(|e| {
            corrupt(format!(
                "the .docx (zip) archive is damaged or cut short: {e}"
            ))
        })?;
        declared = declared.saturating_add(entry.size());
        let entry_name = String::from_utf8_lossy(entry.name_raw()).to_string();
        let slot = match entry_name
            .trim_start_matches('/')
            .to_ascii_lowercase()
            .as_str()
        {
            DOCUMENT => &mut document,
            STYLES => &mut styles,
            NUMBERING => &mut numbering,
            _ => {
                if names.len() < 64 {
                    names.push(entry_name);
                }
                continue;
            }
        };
        if entry.encrypted() {
            return Err(IngestError::Encrypted {
                name: name.to_string(),
            });
        }
        slot.get_or_insert(i);
    }
    if declared > limit {
        return Err(IngestError::ZipBomb {
            name: name.to_string(),
            limit,
        });
    }
    let Some(document) = document else {
        return Err(wrong(name, what_zip_is(&names)));
    };

    let mut unzip = Unzip {
        name,
        limit,
        used: 0,
    };
    let styles = match styles {
        Some(i) => unzip.part(&mut zip, i, STYLES, Styles::parse)?,
        None => Styles::default(),
    };
    let numbering = match numbering {
        Some(i) => unzip.part(&mut zip, i, NUMBERING, Numbering::parse)?,
        None => Numbering::default(),
    };
    let mut budget = Budget::new(*limits);
    unzip.part(&mut zip, document, DOCUMENT, |r| {
        body::parse(r, &styles, &numbering, &mut budget)
    })
}

/// Refuses an empty file and one larger than [`MAX_INPUT_BYTES`], by its length alone.
pub fn check_size(len: usize, name: &str) -> Result<(), IngestError> {
    if len == 0 {
        return Err(IngestError::Empty {
            name: name.to_string(),
        });
    }
    if len > MAX_INPUT_BYTES {
        return Err(IngestError::TooLarge {
            name: name.to_string(),
            size: len,
            limit: MAX_INPUT_BYTES,
        });
    }
    Ok(())
}

fn wrong(name: &str, detail: String) -> IngestError {
    IngestError::WrongContent {
        name: name.to_string(),
        expected: EXPECTED,
        detail,
    }
}

/// Tells a zip (what a .docx is) from the files often sent by mistake in its place.
fn check_kind(bytes: &[u8], name: &str) -> Result<(), IngestError> {
    let what = match Kind::of(bytes) {
        Kind::Docx | Kind::Xlsx | Kind::Pptx | Kind::Odt | Kind::Ods | Kind::Ofd | Kind::Zip => {
            return Ok(())
        }
        Kind::EncryptedOffice | Kind::Ole => {
            return Err(IngestError::Encrypted {
                name: name.to_string(),
            })
        }
        Kind::WordBinary => {
            "is an old Word 97-2003 document (.doc); open it in Word and save it as .docx"
        }
        Kind::ExcelBinary => {
            "is an old Excel 97-2003 workbook (.xls); open it in Excel and save it as .xlsx"
        }
        Kind::Pdf => "is a PDF document, not the Word file; submit the .docx itself",
        Kind::Png => "is a PNG image, not a Word file",
        Kind::Jpeg => "is a JPEG image, not a Word file",
        Kind::Gif => "is a GIF image, not a Word file",
        Kind::Tiff | Kind::Bmp => "is an image, not a Word file",
        Kind::Rtf => "is an RTF document; open it in Word and save it as .docx",
        Kind::Archive => "is a compressed archive (RAR, 7z or gzip), not a Word file",
        Kind::Html => "is a web page (HTML); open it in Word and save it as .docx",
        Kind::Xml => "is an XML file (perhaps Word 2003 XML); open it in Word and save it as .docx",
        Kind::Json | Kind::Text if std::str::from_utf8(&bytes[..bytes.len().min(4096)]).is_ok() => {
            "is plain text, not a Word file"
        }
        Kind::Json | Kind::Text => "is not a zip archive, which every .docx file is",
    };
    Err(wrong(name, format!("it {what}")))
}

/// What a zip without word/document.xml is, by the names it holds.
fn what_zip_is(names: &[String]) -> String {
    let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    let what = if has("xl/workbook.xml") {
        "it is an Excel workbook (.xlsx); submit it under a .xlsx name"
    } else if has("ppt/presentation.xml") {
        "it is a PowerPoint presentation (.pptx)"
    } else if has("mimetype") && has("content.xml") {
        "it is an OpenDocument file (.odt); open it in Word and save it as .docx"
    } else {
        "it is a zip archive without word/document.xml"
    };
    what.to_string()
}

/// The unpacked bytes left for the parts still to read.
pub(in crate::ingest) struct Unzip<'n> {
    pub name: &'n str,
    pub limit: u64,
    pub used: u64,
}

impl Unzip<'_> {
    /// Unpacks entry `index` through `parse`, counting what it unpacks to against the limit.
    pub(in crate::ingest) fn part<'z, 'b, T>(
        &mut self,
        zip: &'z mut ZipArchive<Cursor<&'b [u8]>>,
        index: usize,
        part: &str,
        parse: impl FnOnce(&mut PartReader<'z, 'b>) -> Result<T, PartError>,
    ) -> Result<T, IngestError> {
        let name = self.name.to_string();
        let file = zip.by_index(index).map_err(|e| IngestError::Corrupt {
            name: name.clone(),
            detail: format!("{part} cannot be unpacked: {e}"),
        })?;
        let left = self.limit.saturating_sub(self.used);
        let mut reader = Reader::from_reader(BufReader::new(Limited {
            inner: file.take(left.saturating_add(1)),
            left,
            read: 0,
        }));
        let result = parse(&mut reader);
        let position = reader.buffer_position();
        let limited = reader.get_ref().get_ref();
        self.used = self.used.saturating_add(limited.read);
        // More than the limit came out, or the zip reader found the entry larger than its
        // header declared (it stops there): a header that lies about the size is how a bomb
        // would get past the check of declared sizes.
        let lied = matches!(&result, Err(PartError::Xml(quick_xml::Error::Io(io)))
            if io.to_string().contains("larger than its declared"));
        if limited.read > left || lied {
            return Err(IngestError::ZipBomb {
                name,
                limit: self.limit,
            });
        }
        result.map_err(|e| {
            let detail = match e {
                PartError::Xml(quick_xml::Error::Io(io)) => {
                    format!("{part} cannot be unpacked: {io}")
                }
                PartError::Xml(e) => {
                    format!("{part} is not well-formed XML (at byte {}): {e}", position)
                }
                PartError::Invalid(detail) => format!("{part}: {detail}"),
                PartError::Limit(e) => return e.into_error(&name),
            };
            IngestError::Corrupt { name, detail }
        })
    }
}

pub(in crate::ingest) type PartReader<'z, 'b> =
    Reader<BufReader<Limited<ZipFile<'z, Cursor<&'b [u8]>>>>>;

/// A reader that fails once more than `left` bytes have come out of it.
pub(in crate::ingest) struct Limited<R> {
    inner: io::Take<R>,
    left: u64,
    read: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.left {
            return Err(io::Error::other("unpacks to more than the limit"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(name: &str, data: &[u8]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(name, options).unwrap();
        zip.write_all(data).unwrap();
        zip.finish().unwrap().into_inner()
    }

    /// The limit holds while unpacking, whatever the headers say: a part read through the
    /// budget stops at the limit even when no declared size was checked first.
    #[test]
    fn the_limit_is_enforced_while_unpacking() {
        let xml = format!("<a>{}</a>", "0".repeat(2 << 20));
        let bytes = zip_of("word/document.xml", xml.as_bytes());
        let mut zip = ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
        let mut budget = Unzip {
            name: "bomb.docx",
            limit: 100_000,
            used: 0,
        };
        let r = budget.part(&mut zip, 0, DOCUMENT, |r| {
            let mut buf = Vec::new();
            while !matches!(r.read_event_into(&mut buf)?, quick_xml::events::Event::Eof) {
                buf.clear();
            }
            Ok(())
        });
        assert!(
            matches!(r, Err(IngestError::ZipBomb { limit: 100_000, .. })),
            "{r:?}"
        );
        assert!(budget.used <= 100_001);
        // Within the limit, the same part reads.
        let mut budget = Unzip {
            name: "ok.docx",
            limit: 4 << 20,
            used: 0,
        };
        assert!(budget.part(&mut zip, 0, DOCUMENT, |_| Ok(())).is_ok());
    }

    #[test]
    fn kinds_by_first_bytes() {
        assert!(check_kind(b"PK\x03\x04rest", "a.docx").is_ok());
        assert!(matches!(
            check_kind(b"%PDF-1.4", "a.docx"),
            Err(IngestError::WrongContent { .. })
        ));
        assert!(matches!(
            check_kind(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "a.docx"),
            Err(IngestError::Encrypted { .. })
        ));
    }
}
