//! What a PDF's streams inflate to, counted before the PDF is parsed: the parser inflates a
//! page's content when it reads the page, with no limit of its own, so a few KB of deflated
//! zeros could become gigabytes. Every `stream … endstream` whose dictionary names
//! `/FlateDecode` is inflated into a counter (nothing is kept) and the total compared with the
//! budget; other streams count their stored size. A bomb is stopped as soon as it passes.

use std::io::Read;

use flate2::read::ZlibDecoder;

/// The streams inflate to more than the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooBig;

/// How far back from `stream` its dictionary is looked for.
const DICT_WINDOW: usize = 4096;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Fails when the file's streams inflate to more than `limit` bytes in all.
pub(super) fn check(bytes: &[u8], limit: u64) -> Result<(), TooBig> {
    let mut total: u64 = 0;
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
        let size = if find(dict, b"FlateDecode").is_some() {
            inflated(&bytes[data..end], limit.saturating_sub(total), &mut buf)
        } else {
            u64::try_from(end - data).unwrap_or(u64::MAX)
        };
        total = total.saturating_add(size);
        if total > limit {
            return Err(TooBig);
        }
        at = end.max(at);
    }
    Ok(())
}

/// What `data` inflates to, counted up to just past `room` (then it stops); a damaged stream
/// counts what inflated before the damage.
fn inflated(data: &[u8], room: u64, buf: &mut [u8]) -> u64 {
    let mut z = ZlibDecoder::new(data);
    let mut n: u64 = 0;
    while n <= room {
        match z.read(buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => n = n.saturating_add(u64::try_from(k).unwrap_or(u64::MAX)),
        }
    }
    n
}
