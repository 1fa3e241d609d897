//! What a PDF's streams hold, measured before the PDF is parsed. The parser inflates and
//! interprets a page's content when it reads the page, with no limit of its own, so a few KB
//! could become gigabytes: deflated zeros, or a page showing millions of glyphs (each costs the
//! parser over a kilobyte). Every `stream … endstream` is counted: its inflated size (one whose
//! dictionary names `/FlateDecode` is inflated into a counter, nothing kept; others count their
//! stored size) against the unpacked-size budget, and, for content and form streams, the bytes
//! of the strings it shows (a glyph takes one or two) and its `Do` operators (a form drawn again
//! draws its glyphs again). A bomb is stopped as soon as it passes.
//!
//! What this does not see: a page whose /Contents array lists many streams, each under the
//! limit, and forms nested in forms (the parser is held to [`super::MAX_FORM_DEPTH`]).

use std::io::Read;

use flate2::read::ZlibDecoder;

/// Bytes of shown strings one content or form stream may hold: a dense page of CJK text is
/// about 3,000 (2 bytes a glyph); a page of 100,000 glyphs takes the parser ~140 MB.
pub(crate) const MAX_STREAM_GLYPHS: u64 = 100_000;
/// Glyph bytes all form streams may show, counting each form once for every `Do` in the file.
pub(super) const MAX_FORM_GLYPHS: u64 = 1_000_000;

/// Why the streams are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TooMuch {
    /// They inflate to more than the budget.
    Inflated,
    /// One stream shows more glyphs than a page holds, or forms are drawn too often.
    Glyphs,
}

/// How far back from `stream` its dictionary is looked for.
const DICT_WINDOW: usize = 4096;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn has(dict: &[u8], name: &[u8]) -> bool {
    find(dict, name).is_some()
}

/// Counts a content stream's shown-string bytes and `Do` operators as it goes by.
#[derive(Debug, Default)]
struct Scanner {
    glyphs: u64,
    dos: u64,
    /// Inside a literal string: its nesting depth.
    depth: u32,
    escape: bool,
    /// Inside a hex string, and whether half a byte is pending.
    hex: bool,
    nibble: bool,
    comment: bool,
    /// A '<' was seen: a hex string or, if another follows, a dictionary.
    lt: bool,
    /// The last three bytes outside strings.
    last: [u8; 3],
}

fn delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b)
}

impl Scanner {
    fn hex_digit(&mut self, b: u8) {
        if b == b'>' {
            self.hex = false;
        } else if b.is_ascii_hexdigit() {
            self.nibble = !self.nibble;
            self.glyphs += u64::from(self.nibble);
        }
    }

    fn feed(&mut self, data: &[u8]) {
        for &b in data {
            if self.comment {
                self.comment = b != b'\n' && b != b'\r';
                continue;
            }
            if self.depth > 0 {
                match b {
                    _ if self.escape => self.escape = false,
                    b'\\' => {
                        self.escape = true;
                        self.glyphs += 1;
                    }
                    b'(' => self.depth += 1,
                    b')' => self.depth -= 1,
                    _ => self.glyphs += 1,
                }
                continue;
            }
            if self.hex {
                self.hex_digit(b);
                continue;
            }
            if self.lt {
                self.lt = false;
                if b != b'<' {
                    self.hex = true;
                    self.nibble = false;
                    self.hex_digit(b);
                    continue;
                }
            } else if b == b'<' {
                self.lt = true;
            }
            match b {
                b'%' => self.comment = true,
                b'(' => self.depth = 1,
                _ => {}
            }
            if self.last[1..] == *b"Do" && delimiter(self.last[0]) && delimiter(b) {
                self.dos += 1;
            }
            self.last = [self.last[1], self.last[2], b];
        }
    }
}

/// Fails when the file's streams inflate to more than `limit` bytes in all, or show more glyphs
/// than [`MAX_STREAM_GLYPHS`] in one stream or [`MAX_FORM_GLYPHS`] through forms.
pub(crate) fn check(bytes: &[u8], limit: u64) -> Result<(), TooMuch> {
    let mut total: u64 = 0;
    let (mut dos, mut form_glyphs) = (0u64, 0u64);
    let mut at = 0;
    let mut buf = vec![0u8; 64 * 1024];
    while let Some(found) = find(&bytes[at..], b"stream") {
        let keyword = at + found;
        at = keyword + b"stream".len();
        if bytes[..keyword].ends_with(b"end") {
            continue; // "endstream"
        }
        let mut data = at;
        if bytes.get(data) == Some(&b'\r') {
            data += 1;
        }
        if bytes.get(data) == Some(&b'\n') {
            data += 1;
        } else if data == at {
            continue; // not the keyword: no end of line after it
        }
        let end = find(&bytes[data..], b"endstream").map_or(bytes.len(), |e| data + e);
        let window = &bytes[keyword.saturating_sub(DICT_WINDOW)..keyword];
        let dict = rfind(window, b"obj").map_or(window, |o| &window[o..]);
        // content and form streams: not images, fonts, metadata, object or xref streams
        let content = !(has(dict, b"/Image")
            || has(dict, b"/Length1")
            || has(dict, b"/Length2")
            || has(dict, b"/FontFile")
            || has(dict, b"/ObjStm")
            || has(dict, b"/XRef")
            || has(dict, b"/Metadata")
            || has(dict, b"/EmbeddedFile")
            || has(dict, b"DCTDecode")
            || has(dict, b"JPXDecode")
            || has(dict, b"CCITTFax")
            || has(dict, b"JBIG2")
            || has(dict, b"/Subtype/Type1C")
            || has(dict, b"/Subtype /Type1C")
            || has(dict, b"/CIDFontType0C")
            || has(dict, b"/OpenType"));
        let mut scan = content.then(Scanner::default);
        let size = if has(dict, b"FlateDecode") {
            inflated(
                &bytes[data..end],
                limit.saturating_sub(total),
                &mut buf,
                &mut scan,
            )
        } else {
            if let Some(s) = scan.as_mut() {
                s.feed(&bytes[data..end]);
            }
            u64::try_from(end - data).unwrap_or(u64::MAX)
        };
        total = total.saturating_add(size);
        if total > limit {
            return Err(TooMuch::Inflated);
        }
        if let Some(s) = scan {
            if s.glyphs > MAX_STREAM_GLYPHS {
                return Err(TooMuch::Glyphs);
            }
            dos = dos.saturating_add(s.dos);
            if has(dict, b"/Form") {
                form_glyphs = form_glyphs.max(s.glyphs);
            }
            if dos.saturating_mul(form_glyphs) > MAX_FORM_GLYPHS {
                return Err(TooMuch::Glyphs);
            }
        }
        at = end.max(at);
    }
    Ok(())
}

/// What `data` inflates to, counted up to just past `room` (then it stops), fed to `scan`; a
/// damaged stream counts what inflated before the damage.
fn inflated(data: &[u8], room: u64, buf: &mut [u8], scan: &mut Option<Scanner>) -> u64 {
    let mut z = ZlibDecoder::new(data);
    let mut n: u64 = 0;
    while n <= room {
        match z.read(buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => {
                if let Some(s) = scan.as_mut() {
                    s.feed(&buf[..k]);
                }
                n = n.saturating_add(u64::try_from(k).unwrap_or(u64::MAX));
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(s: &[u8]) -> (u64, u64) {
        let mut sc = Scanner::default();
        sc.feed(s);
        (sc.glyphs, sc.dos)
    }

    #[test]
    fn shown_bytes_and_forms_are_counted() {
        assert_eq!(scan(b"BT (ab\\)c) Tj ET"), (4, 0));
        assert_eq!(scan(b"BT <0012 0034> Tj [(a) 5 <41>] TJ ET"), (6, 0));
        assert_eq!(
            scan(b"<< /A 1 >> BDC /Im1 Do q /Fm2 Do Q % (not) Do\n"),
            (0, 2)
        );
        assert_eq!(scan(b"<</A<41>>> Do\n"), (1, 1));
        assert_eq!(scan(b"(a(b)c)"), (3, 0));
    }
}
