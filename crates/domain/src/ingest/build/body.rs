//! The report's text: title, top-level parts, problems and suggestions, the 附件 list and the
//! 项目支出绩效评价报告 bound into the same document.

use crate::model::{BodyPart, ProjectReport};
use crate::rubric::BodyPartRule;
use crate::text::{normalize, strip_ordinal};

/// A paragraph as the body reader sees it: printed text (numbering included) and Word's heading
/// level when there is one.
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub text: String,
    pub heading_level: Option<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct Body {
    pub title: Option<String>,
    pub parts: Vec<BodyPart>,
    pub problems: Vec<String>,
    pub suggestions: Vec<String>,
    pub attachment_list: Vec<String>,
    pub project_reports: Vec<ProjectReport>,
}

/// Reads the body from the paragraphs; `None` marks where a table stands.
/// `standard` are the standard body parts (from the rubric): a heading in a numbering style
/// other than 一、 counts as top level only when it names one of them.
pub fn read(lines: &[Option<Line>], standard: &[BodyPartRule]) -> Body {
    let (title, start) = match title(lines) {
        Some((t, i)) => (Some(t), i + 1),
        None => (None, 0),
    };
    let mut body = Body {
        title,
        ..Body::default()
    };
    let mut listing = false;
    let mut current: Option<usize> = None;
    let mut seen_part = false;
    for line in &lines[start..] {
        let Some(line) = line else {
            // A table ends the body once it has begun.
            if seen_part {
                break;
            }
            continue;
        };
        let t = line.text.trim();
        if t.is_empty() {
            continue;
        }
        if is_project_report_title(t) {
            body.project_reports.push(ProjectReport {
                title: t.to_string(),
                project: None,
                body: Vec::new(),
                problems: Vec::new(),
                suggestions: Vec::new(),
            });
            current = None;
            listing = false;
            continue;
        }
        if body.project_reports.is_empty() && is_attachment_label(t) {
            listing = true;
            let rest = t
                .trim_start_matches("附件")
                .trim_start_matches(['：', ':', ' ']);
            if !rest.is_empty() {
                body.attachment_list.push(strip_ordinal(rest).to_string());
            }
            continue;
        }
        if listing {
            if strip_ordinal(t) != t {
                body.attachment_list.push(strip_ordinal(t).to_string());
                continue;
            }
            listing = false;
            current = None;
        }
        let parts = match body.project_reports.last_mut() {
            Some(report) => &mut report.body,
            None => &mut body.parts,
        };
        let expected = u32::try_from(parts.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        // A table of contents: headings without text, then the outline starts again.
        let restart = ordinal(t) == Some((Style::Chinese, 1))
            && parts.len() > 1
            && parts.iter().all(|p| p.text.is_empty());
        if restart {
            parts.clear();
        }
        let expected = if restart { 1 } else { expected };
        if is_top_heading(t, expected, line.heading_level, standard) {
            parts.push(BodyPart {
                heading: t.to_string(),
                text: String::new(),
            });
            current = Some(parts.len() - 1);
            seen_part = true;
            continue;
        }
        if let Some(part) = current.and_then(|c| parts.get_mut(c)) {
            if !part.text.is_empty() {
                part.text.push('\n');
            }
            part.text.push_str(t);
        }
    }
    (body.problems, body.suggestions) = problems_and_suggestions(&body.parts);
    for report in &mut body.project_reports {
        (report.problems, report.suggestions) = problems_and_suggestions(&report.body);
    }
    body
}

fn is_project_report_title(t: &str) -> bool {
    let n = normalize(t);
    n.chars().count() <= 16 && n.starts_with("项目支出绩效") && n.ends_with("报告")
}

fn is_attachment_label(t: &str) -> bool {
    let Some(rest) = t.strip_prefix("附件") else {
        return false;
    };
    rest.is_empty() || rest.starts_with(['：', ':'])
}

/// The report's title: the line ending in 自评报告 (with the line before it when the title is
/// printed over two lines), and its index.
fn title(lines: &[Option<Line>]) -> Option<(String, usize)> {
    let at = lines.iter().position(|l| {
        l.as_ref().is_some_and(|l| {
            let t = l.text.trim();
            t.chars().count() <= 60
                && !t.contains('。')
                && (t.ends_with("自评报告") || t.ends_with("评价报告"))
                && !is_project_report_title(t)
        })
    })?;
    let line = lines[at].as_ref()?.text.trim().to_string();
    if has_year(&line) {
        return Some((line, at));
    }
    let previous = (at.saturating_sub(3)..at)
        .rev()
        .map_while(|i| lines[i].as_ref())
        .map(|l| l.text.trim())
        .find(|t| !t.is_empty());
    match previous {
        Some(p) if has_year(p) && p.chars().count() <= 40 && !p.contains(['：', ':', '。']) => {
            Some((format!("{p}{line}"), at))
        }
        _ => Some((line, at)),
    }
}

fn has_year(t: &str) -> bool {
    year(t).is_some()
}

/// The first `20xx年` in the text.
pub fn year(t: &str) -> Option<i32> {
    let chars: Vec<char> = t.chars().collect();
    chars.windows(5).find_map(|w| {
        let digits: String = w[..4].iter().collect();
        (w[4] == '年' && w[0] == '2' && w[1] == '0' && w[..4].iter().all(char::is_ascii_digit))
            .then(|| digits.parse().ok())
            .flatten()
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// 一、
    Chinese,
    /// （一） (1) 1、 1. …
    Other,
}

fn chinese_value(s: &str) -> Option<u32> {
    let digit = |c: char| "零一二三四五六七八九".find(c).map(|i| (i / 3) as u32);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', c] => Some(10 + digit(*c)?),
        [a, '十'] => Some(digit(*a)? * 10),
        [a, '十', c] => Some(digit(*a)? * 10 + digit(*c)?),
        _ => None,
    }
}

/// The ordinal a line starts with: its style and value.
fn ordinal(t: &str) -> Option<(Style, u32)> {
    let t = t.trim_start();
    let numeral = |c: char| "零一二三四五六七八九十".contains(c);
    if let Some(rest) = t.strip_prefix(['（', '(']) {
        let end = rest.find(['）', ')'])?;
        let inner = rest[..end].trim();
        let value = inner.parse().ok().or_else(|| chinese_value(inner))?;
        return Some((Style::Other, value));
    }
    let spaces = |s: &str| s.trim_start_matches([' ', '\u{3000}']).to_string();
    let end = t.find(|c: char| !numeral(c)).unwrap_or(t.len());
    if end > 0 && spaces(&t[end..]).starts_with(['、', '．', '.', '，']) {
        return Some((Style::Chinese, chinese_value(&t[..end])?));
    }
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    if end > 0 && spaces(&t[end..]).starts_with(['、', '．', '.']) {
        return Some((Style::Other, t[..end].parse().ok()?));
    }
    let rest = t.strip_prefix('第')?;
    let end = rest.find(|c: char| !numeral(c))?;
    (rest[end..].starts_with("部分") || rest[end..].starts_with('章'))
        .then(|| chinese_value(&rest[..end]))
        .flatten()
        .map(|v| (Style::Chinese, v))
}

fn is_known_part(rest: &str, standard: &[BodyPartRule]) -> bool {
    let heading = [normalize(rest)];
    standard.iter().any(|p| p.is_among(&heading))
}

/// Whether a line is a top-level heading when part `expected` comes next: 一、 style in
/// sequence (a number may be skipped), another style only at the expected number and naming a
/// standard part (君山's `1、 部门（单位）基本情况`).
fn is_top_heading(
    t: &str,
    expected: u32,
    heading_level: Option<u8>,
    standard: &[BodyPartRule],
) -> bool {
    if heading_level == Some(1) {
        return true;
    }
    let Some((style, n)) = ordinal(t) else {
        return false;
    };
    let rest = strip_ordinal(t);
    if rest.is_empty() || rest.chars().count() > 30 || rest.contains(['。', '；', ';']) {
        return false;
    }
    match style {
        // Parts may be left out; a standard part's heading may come after a gap.
        Style::Chinese => n >= expected && (n <= expected + 2 || is_known_part(rest, standard)),
        Style::Other => n == expected && is_known_part(rest, standard),
    }
}

/// Problems and suggestions from the parts that hold them.
pub fn problems_and_suggestions(parts: &[BodyPart]) -> (Vec<String>, Vec<String>) {
    let heading = |p: &BodyPart| normalize(&p.heading);
    let problem = parts.iter().find(|p| heading(p).contains("问题"));
    let suggestion = parts.iter().find(|p| {
        let h = heading(p);
        !h.contains("问题")
            && ["改进措施", "改进建议", "整改措施", "建议"]
                .iter()
                .any(|w| h.contains(w))
    });
    let mut problems = Vec::new();
    let mut suggestions = Vec::new();
    if let Some(p) = problem {
        let (before, after) = split_suggestions(&p.text);
        problems = items(before);
        if let Some(after) = after {
            suggestions = items(after);
        }
    }
    if let Some(s) = suggestion {
        suggestions.extend(items(&s.text));
    }
    (problems, suggestions)
}

const SUGGESTION_LABELS: [&str; 5] = [
    "下一步改进措施",
    "改进措施",
    "改进建议",
    "整改措施",
    "下一步工作",
];

/// Splits a combined 问题及改进建议 text at its 改进措施： label.
fn split_suggestions(text: &str) -> (&str, Option<&str>) {
    let found = SUGGESTION_LABELS.iter().find_map(|label| {
        ["：", ":"].iter().find_map(|colon| {
            text.find(&format!("{label}{colon}"))
                .map(|at| (at, label.len() + colon.len()))
        })
    });
    match found {
        Some((at, len)) => (&text[..at], Some(&text[at + len..])),
        None => (text, None),
    }
}

/// The items of a problems or suggestions text: one per line, or split at 一是/二是 … (or 1、
/// 2、 …) when the text is one line.
fn items(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let lines: Vec<&str> = match lines.as_slice() {
        [first, rest @ ..] => {
            let first = strip_label(first);
            std::iter::once(first)
                .chain(rest.iter().copied())
                .filter(|l| !l.is_empty())
                .collect()
        }
        [] => Vec::new(),
    };
    if lines.len() == 1 {
        return split_inline(lines[0]);
    }
    lines
        .iter()
        .map(|l| strip_ordinal(l).to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Drops a label such as 发现的主要问题及原因： before the items.
fn strip_label(line: &str) -> &str {
    let Some(at) = line.find(['：', ':']) else {
        return line;
    };
    let label = &line[..at];
    let is_label = label.chars().count() <= 20
        && !label.contains(['。', '，'])
        && ["问题", "原因", "措施", "建议", "不足"]
            .iter()
            .any(|w| label.contains(w));
    if is_label {
        line[at..].trim_start_matches(['：', ':']).trim()
    } else {
        line
    }
}

/// `一是A；二是B。` → [`A；`, `B。`]; a text without leading ordinal is one item.
fn split_inline(line: &str) -> Vec<String> {
    let styles: [fn(u32) -> String; 2] = [
        |n| format!("{}是", crate::text::chinese_numeral(n as usize)),
        |n| format!("{n}、"),
    ];
    for style in styles {
        if !line.starts_with(&style(1)) {
            continue;
        }
        let mut items = Vec::new();
        let mut rest = &line[style(1).len()..];
        let mut n = 2;
        loop {
            let marker = style(n);
            let at = rest.match_indices(&marker).map(|(i, _)| i).find(|&i| {
                rest[..i]
                    .chars()
                    .last()
                    .is_some_and(|c| "。；;，,！!".contains(c))
            });
            match at {
                Some(i) => {
                    items.push(rest[..i].trim().to_string());
                    rest = &rest[i + marker.len()..];
                    n += 1;
                }
                None => {
                    items.push(rest.trim().to_string());
                    break;
                }
            }
        }
        return items.into_iter().filter(|i| !i.is_empty()).collect();
    }
    let t = line.trim();
    if t.is_empty() {
        Vec::new()
    } else {
        vec![t.to_string()]
    }
}
