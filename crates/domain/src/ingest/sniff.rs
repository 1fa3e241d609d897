//! What a file is, told by its bytes (magic numbers and container contents), never by its
//! name: departments rename files, mail systems append ".txt", and WPS saves Word files under
//! its own extensions.

use serde::Serialize;

/// What the bytes of a file are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Pdf,
    /// An OLE compound file with a WordDocument stream: Word 97-2003 .doc, WPS .wps.
    WordBinary,
    /// An OLE compound file with a Workbook stream: Excel 97-2003 .xls, WPS .et.
    ExcelBinary,
    /// An OLE compound file holding an encrypted Office package (a password-protected .docx).
    EncryptedOffice,
    /// Another OLE compound file.
    Ole,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    /// 版式文档 OFD (GB/T 33190).
    Ofd,
    /// Another zip archive.
    Zip,
    Rtf,
    Json,
    Html,
    Xml,
    Png,
    Jpeg,
    Gif,
    Tiff,
    Bmp,
    /// RAR, 7z or gzip.
    Archive,
    /// Nothing else matched: text in some encoding (decoding says whether it really is).
    Text,
}

const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP: [&[u8]; 3] = [b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"];

impl Kind {
    /// What `bytes` are.
    pub fn of(bytes: &[u8]) -> Kind {
        let head = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let starts = |m: &[u8]| head.starts_with(m);
        // readers take a PDF whose header comes after some junk, within its first 1024 bytes
        if starts(b"%PDF")
            || head[..head.len().min(1024)]
                .windows(5)
                .any(|w| w == b"%PDF-")
        {
            return Kind::Pdf;
        }
        if starts(OLE) {
            return ole_kind(bytes);
        }
        if ZIP.iter().any(|m| bytes.starts_with(m)) {
            return zip_kind(bytes);
        }
        if starts(b"{\\rtf") {
            return Kind::Rtf;
        }
        if starts(b"\x89PNG\r\n\x1a\n") {
            return Kind::Png;
        }
        if starts(b"\xFF\xD8\xFF") {
            return Kind::Jpeg;
        }
        if starts(b"GIF87a") || starts(b"GIF89a") {
            return Kind::Gif;
        }
        if starts(b"II*\0") || starts(b"MM\0*") {
            return Kind::Tiff;
        }
        if starts(b"BM") && head.len() > 14 && head[6..10] == [0, 0, 0, 0] {
            return Kind::Bmp;
        }
        if starts(b"Rar!") || starts(b"7z\xBC\xAF\x27\x1C") || starts(b"\x1F\x8B") {
            return Kind::Archive;
        }
        let first = head.iter().position(|b| !b.is_ascii_whitespace());
        let rest = first.map_or(&[][..], |i| &head[i..]);
        if rest.starts_with(b"{") {
            return Kind::Json;
        }
        let lower = String::from_utf8_lossy(&rest[..rest.len().min(64)]).to_ascii_lowercase();
        if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
            return Kind::Html;
        }
        if lower.starts_with("<?xml") {
            return Kind::Xml;
        }
        Kind::Text
    }

    /// What the file is, in Chinese, for messages ("PDF 文档").
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Pdf => "PDF 文档",
            Kind::WordBinary => "Word 97-2003 或 WPS 文档（.doc/.wps）",
            Kind::ExcelBinary => "Excel 97-2003 或 WPS 表格（.xls/.et）",
            Kind::EncryptedOffice => "加密的 Office 文档",
            Kind::Ole => "未能识别的 OLE 复合文档",
            Kind::Docx => "Word 文档（.docx）",
            Kind::Xlsx => "Excel 工作簿（.xlsx）",
            Kind::Pptx => "PowerPoint 演示文稿（.pptx）",
            Kind::Odt => "OpenDocument 文本（.odt）",
            Kind::Ods => "OpenDocument 表格（.ods）",
            Kind::Ofd => "OFD 版式文档",
            Kind::Zip => "zip 压缩包",
            Kind::Rtf => "RTF 文档",
            Kind::Json => "JSON 文件",
            Kind::Html => "网页（HTML）",
            Kind::Xml => "XML 文件",
            Kind::Png => "PNG 图片",
            Kind::Jpeg => "JPEG 图片",
            Kind::Gif => "GIF 图片",
            Kind::Tiff => "TIFF 图片",
            Kind::Bmp => "BMP 图片",
            Kind::Archive => "压缩包（RAR、7z 或 gzip）",
            Kind::Text => "文本文件",
        }
    }
}

/// Whether `needle` occurs in `bytes`.
fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == needle)
}

/// An OLE compound file, by the names of its streams (stored as UTF-16 in its directory).
fn ole_kind(bytes: &[u8]) -> Kind {
    let has_stream = |stream: &str| {
        let utf16: Vec<u8> = stream.encode_utf16().flat_map(u16::to_le_bytes).collect();
        contains(bytes, &utf16)
    };
    if has_stream("EncryptedPackage") {
        Kind::EncryptedOffice
    } else if has_stream("WordDocument") {
        Kind::WordBinary
    } else if has_stream("Workbook") || has_stream("Book") {
        Kind::ExcelBinary
    } else {
        Kind::Ole
    }
}

/// A zip archive, by the first entry (ODF stores its `mimetype` first, uncompressed) or the
/// part names it holds (names are stored uncompressed in every local and central header).
fn zip_kind(bytes: &[u8]) -> Kind {
    if bytes.get(30..38) == Some(b"mimetype") {
        let media = &bytes[38..bytes.len().min(38 + 80)];
        if media.starts_with(b"application/vnd.oasis.opendocument.text") {
            return Kind::Odt;
        }
        if media.starts_with(b"application/vnd.oasis.opendocument.spreadsheet") {
            return Kind::Ods;
        }
    }
    if contains(bytes, b"word/document.xml") {
        Kind::Docx
    } else if contains(bytes, b"xl/workbook.xml") {
        Kind::Xlsx
    } else if contains(bytes, b"ppt/presentation.xml") {
        Kind::Pptx
    } else if contains(bytes, b"OFD.xml") {
        Kind::Ofd
    } else {
        Kind::Zip
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn kinds_come_from_the_bytes() {
        let cases: [(&[u8], Kind); 12] = [
            (b"%PDF-1.7\n", Kind::Pdf),
            (b"\xEF\xBB\xBF  {\"department\":1}", Kind::Json),
            (b"{\\rtf1\\ansi", Kind::Rtf),
            (b"\x89PNG\r\n\x1a\n....", Kind::Png),
            (b"\xFF\xD8\xFF\xE0", Kind::Jpeg),
            (b"II*\0....", Kind::Tiff),
            (b"<!DOCTYPE html><html>", Kind::Html),
            (b"<?xml version=\"1.0\"?>", Kind::Xml),
            (b"Rar!\x1a\x07", Kind::Archive),
            ("一、部门基本情况\n".as_bytes(), Kind::Text),
            (b"", Kind::Text),
            (b"PK\x03\x04 nothing known inside", Kind::Zip),
        ];
        for (bytes, want) in cases {
            assert_eq!(Kind::of(bytes), want, "{bytes:?}");
        }
    }

    #[test]
    fn containers_are_told_by_what_they_hold() {
        let mut odt = b"PK\x03\x04".to_vec();
        odt.resize(30, 0);
        odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.text");
        assert_eq!(Kind::of(&odt), Kind::Odt);
        let mut docx = b"PK\x03\x04....[Content_Types].xml....".to_vec();
        docx.extend_from_slice(b"word/document.xml");
        assert_eq!(Kind::of(&docx), Kind::Docx);
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let mut doc = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        doc.extend(utf16("WordDocument"));
        assert_eq!(Kind::of(&doc), Kind::WordBinary);
        let mut xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        xls.extend(utf16("Workbook"));
        assert_eq!(Kind::of(&xls), Kind::ExcelBinary);
        xls.extend(utf16("EncryptedPackage"));
        assert_eq!(Kind::of(&xls), Kind::EncryptedOffice);
    }
}
