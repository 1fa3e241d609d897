//! 目录: a report's table of contents lists its headings once more before the body; read as
//! the body it would give every part twice (the first time empty) and take attachment titles
//! for suggestions. The block is left out before the body is read.

use super::body::Line;
use crate::text::normalize;

/// A contents entry is a short line; a longer one is body text.
const ENTRY_CHARS: usize = 60;

/// Whether a line is the 目录 / 目次 label.
fn is_label(t: &str) -> bool {
    let t: String = t
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect();
    t == "目录" || t == "目次"
}

/// An entry as compared with the heading it lists: dot leaders and page numbers dropped.
fn entry_key(t: &str) -> String {
    let t = t.trim_end_matches(|c: char| {
        c.is_ascii_digit() || c.is_whitespace() || "…．.·-—".contains(c)
    });
    normalize(t)
}

/// `lines` without the table of contents: from the 目录 label to the line before the first
/// heading it lists appears again (or before the first line of body text).
pub(super) fn without_contents(lines: Vec<Option<Line>>) -> Vec<Option<Line>> {
    let label = lines
        .iter()
        .position(|l| l.as_ref().is_some_and(|l| is_label(&l.text)));
    let Some(label) = label else {
        return lines;
    };
    let mut seen: Vec<String> = Vec::new();
    let mut end = label + 1;
    while let Some(Some(line)) = lines.get(end) {
        let t = line.text.trim();
        if t.is_empty() {
            end += 1;
            continue;
        }
        let key = entry_key(t);
        if t.chars().count() > ENTRY_CHARS || (!key.is_empty() && seen.contains(&key)) {
            break;
        }
        seen.push(key);
        end += 1;
    }
    // a 目录 label with no entries under it is a word, not a table of contents
    if seen.len() < 2 {
        return lines;
    }
    // the lines after the last entry up to the repeated heading (a second title) are kept
    let last_entry = (label + 1..end)
        .rev()
        .find(|&i| lines[i].as_ref().is_some_and(|l| is_entry_like(&l.text)))
        .map_or(end, |i| i + 1);
    let mut out = lines;
    out.drain(label..last_entry.min(end));
    out
}

/// An entry of a contents list: numbered, an 附件, or ending in a page number.
fn is_entry_like(t: &str) -> bool {
    let t = t.trim();
    let numbered = crate::text::strip_ordinal(t).len() < t.len();
    numbered || t.starts_with("附件") || t.ends_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::{without_contents, Line};

    fn lines(t: &str) -> Vec<Option<Line>> {
        t.lines()
            .map(|l| {
                Some(Line {
                    text: l.to_string(),
                    heading_level: None,
                })
            })
            .collect()
    }

    fn texts(v: &[Option<Line>]) -> Vec<String> {
        v.iter().flatten().map(|l| l.text.clone()).collect()
    }

    #[test]
    fn the_contents_are_left_out_and_the_body_kept() {
        let t = "某局2024年部门整体支出绩效自评报告\n目 录\n一、部门概况……1\n二、绩效目标……3\n附件1 成本费用分析报告\n\
                 某局\n2024年度部门整体支出绩效评价报告\n一、部门概况\n正文。";
        assert_eq!(
            texts(&without_contents(lines(t))),
            [
                "某局2024年部门整体支出绩效自评报告",
                "某局",
                "2024年度部门整体支出绩效评价报告",
                "一、部门概况",
                "正文。"
            ]
        );
        // no label, or a label without entries: unchanged
        let plain = "一、部门概况\n目录\n正文很长很长的一段话，说明档案目录的编制情况以及各项工作的完成情况，共计数十项内容，远超六十个字符的长度限制。";
        assert_eq!(texts(&without_contents(lines(plain))).len(), 3);
    }
}
