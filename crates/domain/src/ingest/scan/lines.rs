//! Recognised lines back into paragraphs. OCR gives a page's printed lines; a paragraph wraps
//! over several. A line runs on into the next when it is about as long as a full line of the
//! page (it was wrapped, not ended), does not end a sentence or clause, and the next does not begin a
//! heading or item (一、 （一） 1. 附件). Headings and the last line of a paragraph are short,
//! so they stand alone.

/// How long, against the page's longest line, a wrapped line is at least.
const WRAPPED: f64 = 0.85;

/// A recognised line as the text reader expects it: no tabs (a tab starts a table cell in a
/// text export), and the spaces OCR puts between CJK characters taken out.
pub(super) fn tidy(line: &str) -> String {
    let chars: Vec<char> = line
        .trim()
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(line.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = out.chars().last();
            let after = chars[i + 1..].iter().find(|&&c| c != ' ').copied();
            let wide = |c: Option<char>| c.is_some_and(|c| !c.is_ascii());
            if before == Some(' ') || wide(before) || wide(after) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn ends_clause(line: &str) -> bool {
    line.ends_with(['。', '！', '？', '：', '；', ':', ';', '!', '?'])
}

/// Whether a line begins a heading or a numbered item.
pub(super) fn starts_item(line: &str) -> bool {
    const NUMERALS: &str = "一二三四五六七八九十";
    let mut chars = line.chars();
    let first = chars.next().unwrap_or(' ');
    let rest: String = chars.take(4).collect();
    if NUMERALS.contains(first) {
        let after = rest.trim_start_matches(|c| NUMERALS.contains(c));
        return after.starts_with(['、', '.', '．']);
    }
    if first == '（' || first == '(' {
        return rest
            .chars()
            .next()
            .is_some_and(|c| NUMERALS.contains(c) || c.is_ascii_digit());
    }
    if first.is_ascii_digit() {
        let after = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        let mut after = after.chars();
        let mark = after.next().is_some_and(|c| matches!(c, '、' | '.' | '．'));
        // 1.5万元 is a number, not item 1
        return mark && !after.next().is_some_and(|c| c.is_ascii_digit());
    }
    line.starts_with("附件")
}

/// The length of a full printed line: the upper quartile of the lines' lengths, not the
/// longest, which one long e-mail address or number run would set too high for every wrapped
/// line of the body to reach.
fn full_width(lines: &[String]) -> usize {
    let mut lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    lengths.sort_unstable();
    lengths.get(lengths.len() * 3 / 4).copied().unwrap_or(0)
}

/// One page's lines (tidied, blank ones dropped) as paragraphs.
pub(super) fn paragraphs(text: &str) -> Vec<String> {
    let lines: Vec<String> = text.lines().map(tidy).filter(|l| !l.is_empty()).collect();
    let full = full_width(&lines);
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for line in lines {
        match out.last_mut() {
            Some(last) if open && !starts_item(&line) => last.push_str(&line),
            _ => out.push(line.clone()),
        }
        let wrapped = line.chars().count() as f64 >= WRAPPED * full as f64;
        open = wrapped && !ends_clause(&line);
    }
    out
}
