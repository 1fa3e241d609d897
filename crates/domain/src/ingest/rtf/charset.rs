//! The code page of RTF text: the document's `\ansicpg`, or a font's `\fcharset`.

use encoding_rs::Encoding;

/// The encoding of a Windows code page (1252 for any not known).
pub(super) fn encoding(codepage: u32) -> &'static Encoding {
    let label = match codepage {
        936 => "gbk",
        54936 => "gb18030",
        950 => "big5",
        932 => "shift_jis",
        949 => "euc-kr",
        874 => "windows-874",
        1250..=1258 => {
            return Encoding::for_label(format!("windows-{codepage}").as_bytes())
                .unwrap_or(encoding_rs::WINDOWS_1252)
        }
        10000 => "macintosh",
        _ => "windows-1252",
    };
    Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::WINDOWS_1252)
}

/// The code page of a font's `\fcharset` (None: the document's).
pub(super) fn of_charset(charset: u32) -> Option<u32> {
    match charset {
        134 => Some(936),
        136 => Some(950),
        128 => Some(932),
        129 => Some(949),
        _ => None,
    }
}
