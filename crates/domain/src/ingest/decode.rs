//! Text encodings: UTF-8 (with or without BOM), UTF-16 (BOM, or detected from its zero bytes),
//! and GB18030 (a superset of GBK and GB2312, as many government files are saved).

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8};

use super::IngestError;

/// Decoded text and the name of the encoding it was in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Decodes `bytes`, detecting the encoding. `name` is the file's name, for errors.
pub fn decode(bytes: &[u8], name: &str) -> Result<Decoded, IngestError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(IngestError::Encoding {
                name: name.to_string(),
            });
        }
        let label = match encoding.name() {
            "UTF-8" => "UTF-8 (BOM)",
            "UTF-16LE" => "UTF-16LE (BOM)",
            _ => "UTF-16BE (BOM)",
        };
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: label,
        });
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
        if !had_errors {
            return Ok(Decoded {
                text: text.into_owned(),
                encoding: encoding.name(),
            });
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: text.to_string(),
            encoding: UTF_8.name(),
        });
    }
    let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(IngestError::Encoding {
            name: name.to_string(),
        });
    }
    Ok(Decoded {
        text: text.into_owned(),
        encoding: GB18030.name(),
    })
}

/// UTF-16 without a BOM: UTF-8 and GBK text never holds a NUL byte, UTF-16 text nearly always
/// does (ASCII, and CJK code units such as 一 U+4E00). Of the two byte orders, the one that
/// decodes without errors into plausible text wins.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 2 || bytes.len() % 2 != 0 || !bytes.contains(&0) {
        return None;
    }
    [UTF_16LE, UTF_16BE]
        .into_iter()
        .filter_map(|e| {
            let (text, had_errors) = e.decode_without_bom_handling(bytes);
            (!had_errors).then(|| (e, plausibility(&text)))
        })
        .filter(|(_, share)| *share >= 0.9)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(e, _)| e)
}

/// The share of characters a report could contain: CJK, CJK punctuation and full-width forms,
/// printable ASCII and ordinary white space.
fn plausibility(text: &str) -> f64 {
    let mut total = 0usize;
    let mut good = 0usize;
    for c in text.chars() {
        total += 1;
        let ok = matches!(c, '\n' | '\r' | '\t' | ' '..='~')
            || ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
            || ('\u{2000}'..='\u{27bf}').contains(&c)
            || c == '\u{b2}'
            || c == '\u{33a1}';
        if ok {
            good += 1;
        }
    }
    if total == 0 {
        0.0
    } else {
        good as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "一、部门（单位）基本情况\n基本支出183.19万元。\n";

    fn utf16(le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(if le { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
        }
        for unit in TEXT.encode_utf16() {
            let b = if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            };
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(
            decode(TEXT.as_bytes(), "a.txt").map(|d| d.encoding).ok(),
            Some("UTF-8")
        );
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(TEXT.as_bytes());
        let d = decode(&bom, "a.txt").expect("decoded");
        assert_eq!((d.text.as_str(), d.encoding), (TEXT, "UTF-8 (BOM)"));
    }

    #[test]
    fn utf16_with_bom_and_detected_without() {
        for (le, bom, name) in [
            (true, true, "UTF-16LE (BOM)"),
            (false, true, "UTF-16BE (BOM)"),
            (true, false, "UTF-16LE"),
            (false, false, "UTF-16BE"),
        ] {
            let d = decode(&utf16(le, bom), "a.txt").expect("decoded");
            assert_eq!((d.text.as_str(), d.encoding), (TEXT, name));
        }
    }

    #[test]
    fn gbk_is_read_as_gb18030() {
        let (bytes, _, _) = GB18030.encode(TEXT);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the sample is not UTF-8"
        );
        let d = decode(&bytes, "a.txt").expect("decoded");
        assert_eq!((d.text.as_str(), d.encoding), (TEXT, "gb18030"));
    }

    #[test]
    fn undecodable_bytes_are_an_error_naming_the_file() {
        // 0xFF is never valid in UTF-8 and ends a GB18030 sequence badly
        let e = decode(&[0x80, 0xFF, 0xFF, 0x30, 0xFF], "bad.txt").unwrap_err();
        assert!(e.to_string().contains("bad.txt"), "{e}");
    }
}
