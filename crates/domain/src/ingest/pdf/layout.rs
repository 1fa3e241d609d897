//! Glyphs into lines, lines into paragraphs, and the running headers, footers and page numbers
//! that are no part of the text.
//!
//! A line is the glyphs whose vertical centres agree, left to right; a space is put where the
//! PDF has a gap or a space glyph, except next to a CJK character (Chinese text has none: a gap
//! there is justification or an artefact of the export). A paragraph ends where a line stops
//! short of the right margin, the next is indented, the gap between lines is wider than the
//! line pitch, the size changes, or the next line opens an outline item after a full stop.

use pdfplumber::Char;

use super::grid::PageTable;
use super::PageContent;

/// One line of text on a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextLine {
    pub text: String,
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
    pub bottom: f64,
    pub size: f64,
}

/// Wide characters: CJK ideographs and punctuation, kana, full-width forms.
pub(crate) fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF | 0x2018..=0x201F | 0x2014 | 0x2026)
}

fn centre(c: &Char) -> (f64, f64) {
    (
        (c.bbox.x0 + c.bbox.x1) / 2.0,
        (c.bbox.top + c.bbox.bottom) / 2.0,
    )
}

/// The page's lines outside its tables, top to bottom.
pub(crate) fn lines(chars: &[Char], tables: &[PageTable]) -> Vec<TextLine> {
    let outside: Vec<&Char> = chars
        .iter()
        .filter(|c| {
            let (x, y) = centre(c);
            !tables.iter().any(|t| t.contains(x, y))
        })
        .collect();
    group_lines(&outside)
}

/// Groups glyphs into lines: sorted by vertical centre, a new line where the centre moves by
/// more than half the glyph size.
pub(crate) fn group_lines(chars: &[&Char]) -> Vec<TextLine> {
    let mut sorted: Vec<&Char> = chars
        .iter()
        .copied()
        .filter(|c| c.bbox.x0.is_finite() && c.bbox.top.is_finite() && c.size.is_finite())
        .collect();
    sorted.sort_by(|a, b| centre(a).1.total_cmp(&centre(b).1));
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        let split = i == sorted.len() || {
            let first = centre(sorted[start]).1;
            let size = sorted[start].size.max(1.0);
            centre(sorted[i]).1 - first > size * 0.5
        };
        if split {
            if let Some(line) = make_line(&mut sorted[start..i].to_vec()) {
                out.push(line);
            }
            start = i;
        }
    }
    out
}

fn make_line(chars: &mut [&Char]) -> Option<TextLine> {
    chars.sort_by(|a, b| a.bbox.x0.total_cmp(&b.bbox.x0));
    let mut text = String::new();
    let (mut x0, mut x1, mut top, mut bottom, mut size) =
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN, 0.0f64);
    let mut prev: Option<&Char> = None;
    let mut space = false;
    for c in chars.iter() {
        if c.text.trim().is_empty() {
            space = true;
            continue;
        }
        if let Some(p) = prev {
            // the same glyph drawn again on itself (fake bold)
            if p.text == c.text && (p.bbox.x0 - c.bbox.x0).abs() < p.size * 0.2 {
                continue;
            }
            let gap = c.bbox.x0 - p.bbox.x1;
            let left = text.chars().last().is_some_and(is_wide);
            let right = c.text.chars().next().is_some_and(is_wide);
            if (space || gap > c.size * 0.25) && !left && !right {
                text.push(' ');
            }
        }
        space = false;
        text.push_str(&c.text);
        x0 = x0.min(c.bbox.x0);
        x1 = x1.max(c.bbox.x1);
        top = top.min(c.bbox.top);
        bottom = bottom.max(c.bbox.bottom);
        size = size.max(c.size);
        prev = Some(c);
    }
    prev.map(|_| TextLine {
        text,
        x0,
        x1,
        top,
        bottom,
        size,
    })
}

/// The document's text area: the leftmost start and rightmost end of its lines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Margins {
    pub left: f64,
    pub right: f64,
}

impl Margins {
    pub(crate) fn of(pages: &[PageContent]) -> Margins {
        let lines = pages.iter().flat_map(|p| p.lines.iter());
        let left = lines.clone().fold(f64::MAX, |l, x| l.min(x.x0));
        // where most full lines end (a line of hanging punctuation may reach further)
        let mut ends: Vec<f64> = lines.map(|l| l.x1).collect();
        ends.sort_by(f64::total_cmp);
        let right = ends.get(ends.len() * 9 / 10).copied().unwrap_or(f64::MAX);
        Margins { left, right }
    }
}

/// Whether `next` opens an outline item: 一、 （一） 1、 1. (1) 第一 附件.
fn opens_item(text: &str) -> bool {
    let t = text.trim_start();
    let mut cs = t.chars();
    let first = cs.next().unwrap_or(' ');
    let rest: String = t.chars().skip(1).take(4).collect();
    let numeral = |c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c);
    (numeral(first) && rest.chars().any(|c| "、.．)）".contains(c)))
        || ((first == '（' || first == '(') && rest.chars().next().is_some_and(numeral))
        || t.starts_with('第')
        || t.starts_with("附件")
}

/// Whether `next`'s first word was too wide for the room left on `prev` (a number, a Latin
/// word, or CJK punctuation that may not start a line, taken down with the character before):
/// then `prev` stops short but the paragraph goes on.
fn pushed_down(prev: &TextLine, next: &TextLine, m: Margins) -> bool {
    let room = m.right - prev.x1;
    let size = next.size.max(1.0);
    let closing = |c: char| "，。、；：！？）》」』”’%,.;:!?)".contains(c);
    let mut chars = next.text.chars().peekable();
    let mut width = 0.0;
    match chars.next() {
        Some(c) if c.is_ascii_graphic() => {
            width += 0.55 * size;
            while let Some(c) = chars.next_if(|c| c.is_ascii_graphic()) {
                width += if closing(c) { 0.3 } else { 0.55 } * size;
            }
        }
        Some(_) => width += size,
        None => return false,
    }
    let mut closed = false;
    while chars.next_if(|&c| closing(c)).is_some() {
        width += size;
        closed = true;
    }
    // "站、12345": digits after the punctuation were kept with it
    while chars
        .next_if(|c| closed && c.is_ascii_alphanumeric())
        .is_some()
    {
        width += 0.55 * size;
    }
    width + 0.3 * size >= room
}

/// Whether `next` starts a paragraph after `prev` (`same_page`: no page break between them).
pub(crate) fn breaks(prev: &TextLine, next: &TextLine, m: Margins, same_page: bool) -> bool {
    let size = prev.size.max(next.size).max(1.0);
    let short = prev.x1 < m.right - 2.0 * prev.size.max(1.0) && !pushed_down(prev, next, m);
    let indented = next.x0 > m.left + 1.5 * next.size.max(1.0);
    let gap = same_page && next.top - prev.top > 1.9 * size;
    let resized = (prev.size - next.size).abs() > 1.0;
    let stop = prev
        .text
        .ends_with(['。', '；', '：', '！', '？', ';', ':']);
    short || indented || gap || resized || (stop && opens_item(&next.text))
}

/// Joins a paragraph's next line: a space only between two ASCII letters or digits.
pub(crate) fn join(text: &mut String, line: &str) {
    let left = text
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let right = line
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if left && right {
        text.push(' ');
    }
    text.push_str(line);
}

/// Whether a line is only a page number: "5", "- 5 -", "—23—", "第3页", "第3页 共9页", "3/9".
pub(crate) fn is_page_number(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bare = t.trim_matches(|c: char| "-—–―~－·•()（）[]【】".contains(c));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if digits(bare) {
        return true;
    }
    if let Some((a, b)) = bare.split_once('/') {
        return digits(a) && digits(b);
    }
    let pages: Vec<&str> = bare
        .split(['第', '页', '共', ','])
        .filter(|s| !s.is_empty())
        .collect();
    bare.contains('页') && !pages.is_empty() && pages.iter().all(|s| digits(s))
}

/// Leaves out what repeats in the top or bottom margin of the pages (running headers and
/// footers, digits aside) and page numbers there.
pub(crate) fn drop_running(pages: &mut [PageContent]) {
    let in_margin = |l: &TextLine, h: f64| l.bottom < h * 0.1 || l.top > h * 0.9;
    let key = |l: &TextLine| -> String {
        l.text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for p in pages.iter() {
        let mut keys: Vec<String> = p
            .lines
            .iter()
            .filter(|l| in_margin(l, p.height))
            .map(key)
            .collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            *seen.entry(k).or_default() += 1;
        }
    }
    let enough = (pages.len() / 2).max(2);
    for p in pages.iter_mut() {
        let h = p.height;
        p.lines.retain(|l| {
            !(in_margin(l, h)
                && (is_page_number(&l.text) || seen.get(&key(l)).is_some_and(|&n| n >= enough)))
        });
    }
}
