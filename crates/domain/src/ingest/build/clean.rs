//! Cleaning what was printed: cell text, figures, dates, the signature line.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::FillerInfo;

/// Word's bookmark marker, left in some exports.
const BOOKMARK: &str = "[bookmark: _GoBack]";

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{a0}'
}

/// A table cell's text: lines joined with nothing, whitespace dropped unless it sits between two
/// ASCII letters or digits, trimmed.
pub fn cell(s: &str) -> String {
    let joined: String = s.replace(BOOKMARK, "").split('\n').collect();
    squeeze(&joined)
}

/// Drops whitespace except a single space between two ASCII letters or digits.
pub fn squeeze(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !is_space(c) {
            out.push(c);
            i += 1;
            continue;
        }
        let end = (i..chars.len())
            .find(|&j| !is_space(chars[j]))
            .unwrap_or(chars.len());
        let before = out
            .chars()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
        let after = chars.get(end).is_some_and(|a| a.is_ascii_alphanumeric());
        if before && after {
            out.push(' ');
        }
        i = end;
    }
    out
}

/// A multi-line cell (goals): each line cleaned, empty lines dropped, joined with '\n'.
pub fn lines(s: &str) -> String {
    s.replace(BOOKMARK, "")
        .split('\n')
        .map(squeeze)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A text cell, None when blank or a dash.
pub fn text(s: &str) -> Option<String> {
    let t = cell(s);
    (!t.is_empty() && !is_dash(&t)).then_some(t)
}

fn is_dash(t: &str) -> bool {
    t.chars().all(|c| "—-－–─/／".contains(c))
}

/// Full-width digits and punctuation to ASCII.
pub fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' | '．' | '％' | '－' | '＋' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}

/// A printed figure: scale kept, stray spaces, 万元 and % dropped; blank and dashes are None.
pub fn number(s: &str) -> Option<Decimal> {
    let t = half_width(&cell(s)).replace(',', "");
    let t = t.trim_end_matches('%');
    let t = t.strip_suffix("万元").unwrap_or(t);
    let t = t.strip_suffix('元').unwrap_or(t);
    if t.is_empty() || is_dash(t) {
        return None;
    }
    // as a package's figures are read: no exponent, no '+', a sane size
    crate::model::plain::parse(t, true).ok()
}

/// `产出指标(50分)` → (`产出指标`, 50); a name without a weight → (name, None).
pub fn name_and_weight(s: &str) -> (String, Option<Decimal>) {
    let t = cell(s);
    let Some(open) = t.rfind(['(', '（']) else {
        return (t, None);
    };
    let inner = t[open..]
        .trim_start_matches(['(', '（'])
        .trim_end_matches([')', '）']);
    match inner.strip_suffix('分').and_then(number) {
        Some(w) => (t[..open].to_string(), Some(w)),
        None => (t, None),
    }
}

/// `2025.5.6`, `2025年04月16日`, `2025-04-16`, `2025/4/16`.
pub fn date(s: &str) -> Option<NaiveDate> {
    let t = half_width(s);
    let nums: Vec<u32> = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .take(3)
        .filter_map(|p| p.parse().ok())
        .collect();
    match nums.as_slice() {
        [y, m, d] => NaiveDate::from_ymd_opt(i32::try_from(*y).ok()?, *m, *d),
        _ => None,
    }
}

const FILLER_LABELS: [&str; 5] = ["填表人", "填报人", "填报日期", "联系电话", "单位负责人签字"];

/// The value printed after `label`, up to the next label of the signature line.
fn after_label(line: &str, label: &str) -> Option<String> {
    let start = line.find(label)? + label.len();
    let rest = line[start..].trim_start_matches(|c: char| is_space(c) || c == '：' || c == ':');
    let end = FILLER_LABELS
        .iter()
        .filter_map(|l| rest.find(l))
        .min()
        .unwrap_or(rest.len());
    let value = rest[..end].trim_matches(|c: char| is_space(c) || c == '：' || c == ':');
    (!value.is_empty()).then(|| value.to_string())
}

/// `填表人：刘为 填报日期： 2025.5.6联系电话：15273064067  单位负责人签字：`
pub fn filler(line: &str) -> FillerInfo {
    let filled_by = after_label(line, "填表人").or_else(|| after_label(line, "填报人"));
    let phone = after_label(line, "联系电话")
        .map(|p| p.split(is_space).next().unwrap_or_default().to_string());
    FillerInfo {
        filled_by: filled_by.map(|v| squeeze(&v)),
        filled_on: after_label(line, "填报日期").and_then(|d| date(&d)),
        phone,
        head_signature: after_label(line, "单位负责人签字").map(|v| squeeze(&v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_lose_artefact_spaces() {
        assert_eq!(cell("≧ 10%"), "≧10%");
        assert_eq!(
            cell("转化为7 × 24   （ 7个工作日  ×24小时）"),
            "转化为7×24（7个工作日×24小时）"
        );
        assert_eq!(cell("经济效\n益指标"), "经济效益指标");
        assert_eq!(cell("　无偏差"), "无偏差");
        assert_eq!(cell("a b"), "a b");
        assert_eq!(text("——"), None);
        assert_eq!(text("　"), None);
    }

    #[test]
    fn figures() {
        assert_eq!(
            number("99.13%").map(|d| d.to_string()),
            Some("99.13".into())
        );
        assert_eq!(
            number("100.00%").map(|d| d.to_string()),
            Some("100.00".into())
        );
        assert_eq!(number("　0.5").map(|d| d.to_string()), Some("0.5".into()));
        assert_eq!(
            number("１２.５０万元").map(|d| d.to_string()),
            Some("12.50".into())
        );
        assert_eq!(
            number("[bookmark: _GoBack]10").map(|d| d.to_string()),
            Some("10".into())
        );
        assert_eq!(number("——"), None);
        assert_eq!(number("　"), None);
        assert_eq!(number("无"), None);
    }

    #[test]
    fn weights_and_dates() {
        let (n, w) = name_and_weight("满意度\n指标\n（10分）");
        assert_eq!(
            (n.as_str(), w.map(|d| d.to_string())),
            ("满意度指标", Some("10".into()))
        );
        assert_eq!(name_and_weight("数量指标").1, None);
        assert_eq!(date(" 2025.5.6"), NaiveDate::from_ymd_opt(2025, 5, 6));
        assert_eq!(date("2025年04月16日"), NaiveDate::from_ymd_opt(2025, 4, 16));
    }

    #[test]
    fn signature_line() {
        let f = filler("填表人：刘为 填报日期： 2025.5.6联系电话：15273064067  单位负责人签字：");
        assert_eq!(f.filled_by.as_deref(), Some("刘为"));
        assert_eq!(f.filled_on, NaiveDate::from_ymd_opt(2025, 5, 6));
        assert_eq!(f.phone.as_deref(), Some("15273064067"));
        assert_eq!(f.head_signature, None);
        let f = filler("填表人：彭雁 填报日期：2025年04月16日  联系电话：0730－5244006   单位负责人签字：朱佳梅");
        assert_eq!(f.phone.as_deref(), Some("0730－5244006"));
        assert_eq!(f.head_signature.as_deref(), Some("朱佳梅"));
    }
}
