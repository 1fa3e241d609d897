//! The 自评通知 and the 工作小组 document read from their own files: title, 文号, 印发日期, text
//! and the attachment list, as an official document (公文) prints them.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::document::{Block, Document};
use crate::model::{Notice, WorkingGroupDocument};
use crate::text::strip_ordinal;

/// The lines of a document: paragraphs (with their list numbering) and table rows.
pub fn lines(doc: &Document) -> Vec<String> {
    let mut out = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Paragraph(p) => out.push(match &p.numbering {
                Some(n) => format!("{n}{}", p.text),
                None => p.text.clone(),
            }),
            Block::Table(t) => out.extend(t.rows.iter().map(|row| {
                row.iter()
                    .filter(|c| c.merge == super::Merge::None)
                    .map(|c| c.text.replace('\n', ""))
                    .collect::<Vec<_>>()
                    .join("　")
            })),
        }
    }
    out.into_iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// A notice read from its document.
pub fn notice(doc: &Document) -> Notice {
    let lines = lines(doc);
    Notice {
        title: title(&lines, &["通知"]),
        document_number: document_number(&lines),
        issued_on: issued_on(&lines),
        attachments: attachments(&lines),
        text: lines.join("\n"),
        sealed: None,
        scanned_unread: false,
    }
}

/// A working-group document read from its document.
pub fn working_group(doc: &Document) -> WorkingGroupDocument {
    let lines = lines(doc);
    WorkingGroupDocument {
        title: title(&lines, &["领导小组", "工作小组", "通知", "决定"]),
        document_number: document_number(&lines),
        issued_on: issued_on(&lines),
        text: lines.join("\n"),
        sealed: None,
        scanned_unread: false,
    }
}

/// How far from the top a title is looked for.
const TITLE_LINES: usize = 20;

/// The first line near the top holding one of `words`, as a title is printed: short, and not
/// the "…通知如下：" that opens the text.
fn title(lines: &[String], words: &[&str]) -> Option<String> {
    let candidates = || {
        lines.iter().take(TITLE_LINES).filter(|l| {
            l.chars().count() <= 80
                && !l.ends_with(['：', ':', '。'])
                && !is_attachment_line(l)
                && words.iter().any(|w| l.contains(w))
        })
    };
    candidates()
        .find(|l| l.starts_with("关于"))
        .or_else(|| candidates().next())
        .cloned()
}

fn compiled(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// 发文字号 on a line of its own: "岳财绩〔2025〕3号" (numbers cited inside sentences are other
/// documents').
static NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(
        r"^[\p{Han}A-Za-z]{1,12}[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d{1,4}\s*号$",
    )
});

fn document_number(lines: &[String]) -> Option<String> {
    let re = NUMBER.as_ref()?;
    lines
        .iter()
        .map(|l| l.replace([' ', '\u{3000}'], ""))
        .find(|l| l.chars().count() <= 30 && re.is_match(l))
}

/// 成文日期 on a line of its own, in figures or in Chinese numerals: "2025年3月18日",
/// "二〇二五年三月十八日". The last such line is the date under the signature.
static DATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(
        r"^([0-9]{4}|[〇○零一二三四五六七八九]{4})年([0-9]{1,2}|[一二三四五六七八九十]{1,3})月([0-9]{1,2}|[一二三四五六七八九十]{1,3})日$",
    )
});

fn issued_on(lines: &[String]) -> Option<NaiveDate> {
    let re = DATE.as_ref()?;
    lines.iter().rev().find_map(|l| {
        let l = l.replace([' ', '\u{3000}'], "");
        let c = re.captures(&l)?;
        let year = digits(c.get(1)?.as_str())?;
        let month = small_number(c.get(2)?.as_str())?;
        let day = small_number(c.get(3)?.as_str())?;
        NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
    })
}

/// A year written digit by digit: "2025" or "二〇二五".
fn digits(s: &str) -> Option<u32> {
    s.chars().try_fold(0u32, |n, c| {
        let d = c.to_digit(10).or_else(|| numeral(c))?;
        Some(n * 10 + d)
    })
}

fn numeral(c: char) -> Option<u32> {
    let d = "〇一二三四五六七八九".chars().position(|x| x == c);
    let d = d.or(match c {
        '○' | '零' => Some(0),
        _ => None,
    })?;
    u32::try_from(d).ok()
}

/// A month or day: "12", "十二", "二十一", "三十".
fn small_number(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    match s.split_once('十') {
        None => digits(s),
        Some((tens, ones)) => {
            let tens = if tens.is_empty() { 1 } else { digits(tens)? };
            let ones = if ones.is_empty() { 0 } else { digits(ones)? };
            Some(tens * 10 + ones)
        }
    }
}

/// The attachment list: "附件：1.…" and the numbered lines after it.
fn attachments(lines: &[String]) -> Vec<String> {
    let Some(start) = lines.iter().position(|l| is_attachment_line(l)) else {
        return Vec::new();
    };
    let first = &lines[start];
    let after_label = first
        .trim_start_matches("附件")
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches(['：', ':', ' ', '\u{3000}']);
    let mut items: Vec<String> = Vec::new();
    if !after_label.is_empty() {
        items.push(after_label.to_string());
    }
    for l in &lines[start + 1..] {
        if strip_ordinal(l).len() == l.len() && !is_attachment_line(l) {
            break;
        }
        items.push(l.trim_start_matches("附件").to_string());
    }
    items
        .iter()
        .map(|i| attachment_title(i))
        .filter(|t| !t.is_empty())
        .collect()
}

/// "附件：", "附件1：", "附件 2" at the start of a line.
fn is_attachment_line(l: &str) -> bool {
    l.strip_prefix("附件").is_some_and(|rest| {
        rest.is_empty()
            || rest.starts_with(['：', ':', ' ', '\u{3000}'])
            || rest.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// An attachment's title without its number and file extension.
fn attachment_title(item: &str) -> String {
    let t = strip_ordinal(item.trim_start_matches(['：', ':'])).trim();
    let lower = t.to_ascii_lowercase();
    let cut = [
        ".pdf", ".docx", ".doc", ".xlsx", ".xls", ".wps", ".et", ".ofd",
    ]
    .iter()
    .find(|ext| lower.ends_with(*ext))
    .map_or(t.len(), |ext| t.len() - ext.len());
    t[..cut].trim().to_string()
}

#[cfg(test)]
mod tests;
