//! 自评通知：内容与附件 — the six elements of the notice, each found by a heading or by a
//! sentence that fulfils it, and shown with the text it rests on.
//!
//! Real notices rarely label every element: the basis (依据) is the opening sentence
//! ("根据《…》(X财绩〔20XX〕N号)…要求"), the procedure a 评价方式 or 报送时间 section. So a
//! heading word counts only inside a heading, where it names the section ("一、评价范围"), and a
//! sentence counts only by the rubric's patterns, never by a bare word ("重要依据",
//! "按照规定程序").

use rust_decimal::Decimal;

use super::outcome::{ItemOutcome, Missing};
use crate::model::{FoundBy, Hints, Notice, NoticeElementFound, NoticeElementHints};
use crate::rubric::{NoticeElement, RubricItem};
use crate::text::strip_ordinal;

/// Longest heading: a numbered line's text before its first punctuation.
const HEADING_CHARS: usize = 25;
/// Longest label before a colon on a line without numbering ("附件：", "评价范围：").
const LABEL_CHARS: usize = 8;
/// Longest line without numbering or punctuation taken as a heading on its own.
const BARE_HEADING_CHARS: usize = 20;
/// The longest text shown for an element found.
const SHOWN_CHARS: usize = 120;

/// Each required element of the notice; what is missing costs `per_missing`.
pub fn notice_elements(
    item: &RubricItem,
    per_missing: Decimal,
    elements: &[NoticeElement],
    notice: Option<&Notice>,
) -> ItemOutcome {
    let Some(notice) = notice else {
        return ItemOutcome::scored(
            item,
            Decimal::ZERO,
            vec![crate::model::Deduction {
                points: item.max,
                reason: "未提交自评通知，通知内容无从核对".to_string(),
                location: "自评通知".to_string(),
            }],
        );
    };
    if notice.scanned_unread {
        return ItemOutcome::pending(item, crate::model::ItemStatus::MissingInput);
    }
    let found = find_elements(elements, notice);
    let missing = elements
        .iter()
        .filter(|e| !found.iter().any(|f| f.element == e.name))
        .map(|e| Missing::new(format!("自评通知缺少“{}”", e.name), "自评通知正文"))
        .collect();
    ItemOutcome::deducting(item, per_missing, missing)
        .with_hints(Hints::NoticeElements(NoticeElementHints { found }))
}

/// The elements the notice shows, in the rubric's order, each by the first place that shows
/// it: a heading, then the attachment list, then a sentence.
pub fn find_elements(elements: &[NoticeElement], notice: &Notice) -> Vec<NoticeElementFound> {
    let headings = headings(notice.title.as_deref(), &notice.text);
    let sentences = sentences(&notice.text);
    elements
        .iter()
        .filter_map(|e| {
            let by_heading = headings
                .iter()
                .find(|h| {
                    e.headings
                        .iter()
                        .any(|w| !w.is_empty() && h.contains(w.as_str()))
                })
                .map(|h| (FoundBy::Heading, (*h).to_string()));
            let by_attachments = (e.met_by_attachments && !notice.attachments.is_empty())
                .then(|| (FoundBy::Attachments, notice.attachments.join("、")));
            let by_sentence = || {
                sentences
                    .iter()
                    .find(|s| e.sentences.iter().any(|p| p.find(s).is_some()))
                    .map(|s| (FoundBy::Sentence, (*s).to_string()))
            };
            let (by, text) = by_heading.or(by_attachments).or_else(by_sentence)?;
            Some(NoticeElementFound {
                element: e.name.clone(),
                by,
                text: text.chars().take(SHOWN_CHARS).collect(),
            })
        })
        .collect()
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}'
}

/// Ends the head of a line: what comes before is the heading ("1、绩效考核评价范围。包括…").
const HEAD_ENDS: &[char] = &['。', '：', ':', '；', ';', '，', ',', '！', '？'];

/// The notice's headings: its title, the text of numbered lines up to their first
/// punctuation, short labels before a colon, and short lines without punctuation.
fn headings<'t>(title: Option<&'t str>, text: &'t str) -> Vec<&'t str> {
    let mut out: Vec<&str> = title.map(str::trim).into_iter().collect();
    for line in text.lines() {
        let line = line.trim_matches(is_space);
        if line.is_empty() {
            continue;
        }
        let rest = strip_ordinal(line);
        let numbered = rest.len() < line.len();
        let (head, ended) = match rest.find(HEAD_ENDS) {
            Some(i) => (rest[..i].trim_matches(is_space), Some(&rest[i..])),
            None => (rest, None),
        };
        let chars = head.chars().count();
        let colon = ended.is_some_and(|e| e.starts_with(['：', ':']));
        let heading = if numbered {
            chars <= HEADING_CHARS
        } else if colon {
            chars <= LABEL_CHARS
        } else {
            ended.is_none() && chars <= BARE_HEADING_CHARS
        };
        if heading && !head.is_empty() {
            out.push(head);
        }
    }
    out
}

/// The text's sentences: split at 。；！？ and line ends.
fn sentences(text: &str) -> Vec<&str> {
    text.split(['。', '；', ';', '！', '？', '\n'])
        .map(|s| s.trim_matches(is_space))
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{headings, sentences};

    #[test]
    fn headings_are_numbered_lines_labels_and_short_lines() {
        let text = "各预算单位：\n根据《预算法》要求，现通知如下：\n一、评价范围\n\
                    1、绩效考核评价内容。包括资金管理使用情况。\n附件:1.自评表.xlsx\n\
                    评价对象和内容\n绩效评价结果作为预算安排的重要依据。";
        assert_eq!(
            headings(Some("关于开展绩效自评的通知"), text),
            [
                "关于开展绩效自评的通知",
                "各预算单位",
                "评价范围",
                "绩效考核评价内容",
                "附件",
                "评价对象和内容"
            ]
        );
        assert_eq!(sentences("甲。乙；\n丙")[..], ["甲", "乙", "丙"]);
    }
}
