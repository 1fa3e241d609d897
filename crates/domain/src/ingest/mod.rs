//! Reading the documents departments actually write — text exports, Word (.docx, .doc), WPS,
//! OpenDocument (.odt), RTF, Excel (.xlsx), JSON — into the package model, each told by its
//! bytes ([`sniff`]). Pure: bytes in, model out, no I/O.
//!
//! Each format is first read into a [`Document`] (paragraphs and tables); building the package
//! from a document is shared by all formats.

pub mod build;
pub mod classify;
pub mod decode;
pub mod doc;
pub mod document;
pub mod docx;
pub mod limits;
pub mod notice;
pub mod odt;
mod parallel;
pub mod pdf;
pub mod rtf;
pub mod scan;
pub mod self_check;
pub mod sniff;
pub mod text;
pub mod xlsx;

#[cfg(test)]
mod budget_tests;
#[cfg(test)]
mod hostile;

pub use document::{Block, Cell, Document, Merge, Paragraph, Table};
pub use limits::{Budget, Exceeded, Limit, ReadLimits};
pub use sniff::Kind;

/// The largest input accepted, and the most a .docx/.xlsx may expand to when unzipped: a
/// department's report is a few MB; anything far larger is a mistake or an attack.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
pub const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;

/// File formats kaoping reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Text,
    Docx,
    /// Word 97-2003 .doc and WPS .wps (the Word binary format).
    Doc,
    /// OpenDocument text (.odt).
    Odt,
    /// Rich Text Format (.rtf).
    Rtf,
    Xlsx,
    Json,
    Pdf,
    /// A scan (a PDF of page images, or a picture) whose text was recognised (OCR).
    Scan,
}

impl Format {
    /// The reader for a kind of file, when there is one.
    pub fn of(kind: Kind) -> Option<Format> {
        match kind {
            Kind::Text => Some(Format::Text),
            Kind::Docx => Some(Format::Docx),
            Kind::WordBinary => Some(Format::Doc),
            Kind::Odt => Some(Format::Odt),
            Kind::Rtf => Some(Format::Rtf),
            Kind::Pdf => Some(Format::Pdf),
            Kind::Xlsx => Some(Format::Xlsx),
            Kind::Json => Some(Format::Json),
            _ => None,
        }
    }

    /// The format a file name says, by its extension (for the CLI's messages; reading goes by
    /// the bytes, [`Format::of`]).
    pub fn from_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
        match ext {
            "txt" | "text" => Some(Format::Text),
            "docx" => Some(Format::Docx),
            "doc" | "wps" => Some(Format::Doc),
            "odt" => Some(Format::Odt),
            "rtf" => Some(Format::Rtf),
            "xlsx" => Some(Format::Xlsx),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{name}: the file is empty")]
    Empty { name: String },
    #[error("{name}: the file is {size} bytes, more than the {limit} accepted")]
    TooLarge {
        name: String,
        size: usize,
        limit: usize,
    },
    #[error("{name}: not a {expected} file: {detail}")]
    WrongContent {
        name: String,
        expected: &'static str,
        detail: String,
    },
    #[error("{name}: {detail}")]
    Corrupt { name: String, detail: String },
    #[error(
        "{name}: the file is password-protected; save it without a password and submit it again"
    )]
    Encrypted { name: String },
    #[error("{name}: unpacks to more than {limit} bytes; refused")]
    ZipBomb { name: String, limit: u64 },
    /// A budget of [`ReadLimits`] passed while reading (文件过大).
    #[error("文件 {name} 过大：{}超过 {value} {}的上限", limit.zh().0, limit.zh().1)]
    TooMuch {
        name: String,
        limit: Limit,
        value: u64,
    },
    #[error("{name}: the text is in no encoding kaoping reads (UTF-8, UTF-16, GB18030/GBK)")]
    Encoding { name: String },
    #[error("{name}: no table of a self-evaluation report was recognised")]
    NoTable { name: String },
    /// A kind of file no reader takes (yet): said by what its bytes are, not by its name.
    #[error("文件 {name} 是{}，不能作为自评材料读取；请另存为 Word（.docx/.doc）、WPS、PDF、Excel（.xlsx）或文本文件后再提交", kind.zh())]
    Unsupported { name: String, kind: Kind },
    /// A PDF whose pages are images only (a scan): its text must be recognised (OCR) first.
    #[error("{name}：扫描件（共{pages}页，无文字层），需要识读")]
    Scanned { name: String, pages: usize },
    /// A scan whose text could not be recognised (no OCR engine, or too little read): the
    /// reviewer must read it (扫描件，未能识读). See [`scan::read_scan`].
    #[error("文件 {name} 是扫描件（共{pages}页），未能识读")]
    Unrecognised { name: String, pages: usize },
}

/// A file refused for its size (文件过大), as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    /// The budget's stable name: `input_bytes`, `unzipped_bytes`, `text_bytes`, `cells` …
    pub limit: &'static str,
    pub value: u64,
    /// In Chinese, naming the file and the limit.
    pub message: String,
}

impl IngestError {
    /// The budget this error is about, when the file was refused for its size.
    pub fn too_large(&self) -> Option<TooLarge> {
        let (name, limit, what, value, unit) = match self {
            IngestError::TooMuch { name, limit, value } => {
                let (what, unit) = limit.zh();
                (name, limit.key(), what, *value, unit)
            }
            IngestError::ZipBomb { name, limit } => (
                name,
                Limit::UnzippedBytes.key(),
                "解压后大小",
                *limit,
                "字节",
            ),
            IngestError::TooLarge { name, limit, .. } => (
                name,
                "input_bytes",
                "文件大小",
                u64::try_from(*limit).unwrap_or(u64::MAX),
                "字节",
            ),
            _ => return None,
        };
        Some(TooLarge {
            limit,
            value,
            message: format!("文件 {name} 过大：{what}超过 {value} {unit}的上限"),
        })
    }
}

/// A file read into a document, and what it was.
#[derive(Debug, Clone)]
pub struct ReadFile {
    pub format: Format,
    /// The text encoding, for text files.
    pub encoding: Option<&'static str>,
    pub document: Document,
}

/// The size checks every file passes first.
fn check_input(bytes: &[u8], name: &str) -> Result<(), IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty {
            name: name.to_string(),
        });
    }
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(IngestError::TooLarge {
            name: name.to_string(),
            size: bytes.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    Ok(())
}

/// Reads a document file — text, Word, WPS, PDF, Excel …, as its bytes say — into a [`Document`], held to
/// `limits`. A JSON file is no document: it is refused as [`IngestError::Unsupported`].
pub fn read_document(
    bytes: &[u8],
    name: &str,
    limits: &ReadLimits,
) -> Result<ReadFile, IngestError> {
    check_input(bytes, name)?;
    let kind = Kind::of(bytes);
    let unsupported = || match kind {
        Kind::EncryptedOffice => IngestError::Encrypted {
            name: name.to_string(),
        },
        kind => IngestError::Unsupported {
            name: name.to_string(),
            kind,
        },
    };
    let format = Format::of(kind).ok_or_else(unsupported)?;
    let (document, encoding) = match format {
        // JSON is no document; a scan is read by the service, which holds the OCR engine
        Format::Json | Format::Scan => return Err(unsupported()),
        Format::Text => {
            // any encoding read takes at least one UTF-8 byte per two input bytes: a file that
            // long is refused before it is decoded
            if bytes.len() / 2 > limits.text_bytes.saturating_add(2) {
                let value = Limit::TextBytes.of(limits);
                return Err(Exceeded {
                    limit: Limit::TextBytes,
                    value,
                }
                .into_error(name));
            }
            let decoded = decode::decode(bytes, name)?;
            let document =
                text::read_with(&decoded.text, limits).map_err(|e| e.into_error(name))?;
            (document, Some(decoded.encoding))
        }
        Format::Docx => (docx::read_with(bytes, name, limits)?, None),
        Format::Doc => (doc::read_with(bytes, name, limits)?, None),
        Format::Odt => (odt::read_with(bytes, name, limits)?, None),
        Format::Rtf => (rtf::read_with(bytes, name, limits)?, None),
        Format::Xlsx => (xlsx::read_with(bytes, name, limits)?, None),
        Format::Pdf => (pdf::read_with(bytes, name, limits)?, None),
    };
    Ok(ReadFile {
        format,
        encoding,
        document,
    })
}

/// What reading a file gave: the package, where it came from, and what it lacks.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub format: Format,
    /// The text encoding, for text files.
    pub encoding: Option<&'static str>,
    pub package: crate::model::Package,
    /// What the document lacks, in Chinese (empty for a JSON package).
    pub missing: Vec<String>,
}

/// Reads a file's bytes as the format they are (a JSON package, or a report as text, Word or
/// Excel; told by the bytes, [`Kind::of`], never by `name`) into the package model. `standard` are the rubric's standard body parts
/// ([`crate::rubric::Rubric::body_parts`]).
pub fn parse(
    bytes: &[u8],
    name: &str,
    standard: &[crate::rubric::BodyPartRule],
) -> Result<Parsed, IngestError> {
    parse_with(bytes, name, standard, &ReadLimits::default())
}

/// [`parse`] held to `limits`.
pub fn parse_with(
    bytes: &[u8],
    name: &str,
    standard: &[crate::rubric::BodyPartRule],
    limits: &ReadLimits,
) -> Result<Parsed, IngestError> {
    check_input(bytes, name)?;
    if Kind::of(bytes) == Kind::Json {
        let package = serde_json::from_slice(bytes).map_err(|e| IngestError::WrongContent {
            name: name.to_string(),
            expected: "JSON package",
            detail: e.to_string(),
        })?;
        return Ok(Parsed {
            format: Format::Json,
            encoding: None,
            package,
            missing: Vec::new(),
        });
    }
    let ReadFile {
        format,
        encoding,
        document,
    } = read_document(bytes, name, limits)?;
    let built = build::package(&document, standard);
    // a workbook is only its tables: one without a table of a report is not a report
    let has_table = built.package.report.as_ref().is_some_and(|r| {
        r.basic_data.is_some() || r.department_table.is_some() || !r.project_tables.is_empty()
    });
    if format == Format::Xlsx && !has_table {
        return Err(IngestError::NoTable {
            name: name.to_string(),
        });
    }
    Ok(Parsed {
        format,
        encoding,
        package: built.package,
        missing: built.missing,
    })
}
