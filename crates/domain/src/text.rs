//! Text helpers shared by the readers and the checks: normalising headings and items, ordinals,
//! Chinese numerals, keyword search.

use std::collections::BTreeSet;

/// Drops a leading ordinal: 一、 （一） (1) 1、 1. 1) 一是 第一部分 …, with the spaces around it.
pub fn strip_ordinal(s: &str) -> &str {
    let t = s.trim_start_matches(is_space);
    let rest = strip_bracketed(t)
        .or_else(|| strip_numeral_then(t, &['、', '.', '．', ')', '）', '，', ',']))
        .or_else(|| strip_shi(t))
        .or_else(|| strip_di(t))
        .unwrap_or(t);
    rest.trim_start_matches(is_space)
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}'
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || "一二三四五六七八九十百零〇".contains(c) || ('０'..='９').contains(&c)
}

fn strip_bracketed(t: &str) -> Option<&str> {
    let rest = t.strip_prefix(['(', '（'])?;
    let end = rest.find([')', '）'])?;
    let inner = &rest[..end];
    if inner.is_empty() || !inner.chars().all(is_numeral) {
        return None;
    }
    let after = &rest[end..];
    let close = after.chars().next()?;
    Some(&after[close.len_utf8()..])
}

fn strip_numeral_then<'a>(t: &'a str, ends: &[char]) -> Option<&'a str> {
    let n = t.find(|c: char| !is_numeral(c))?;
    if n == 0 {
        return None;
    }
    let after = &t[n..];
    let c = after.chars().next()?;
    ends.contains(&c).then(|| &after[c.len_utf8()..])
}

/// 一是 二是 …
fn strip_shi(t: &str) -> Option<&str> {
    let n = t.find(|c: char| !"一二三四五六七八九十".contains(c))?;
    (n > 0).then(|| t[n..].strip_prefix('是')).flatten()
}

/// 第一部分 第二章 …
fn strip_di(t: &str) -> Option<&str> {
    let rest = t.strip_prefix('第')?;
    let n = rest.find(|c: char| !is_numeral(c))?;
    let after = &rest[n..];
    ["部分", "章", "节", "项"]
        .iter()
        .find_map(|unit| after.strip_prefix(unit))
        .map(|r| r.trim_start_matches(['、', '：', ':', ' ']))
}

/// For matching headings and names: no ordinal, no spaces, no brackets or punctuation.
pub fn normalize(s: &str) -> String {
    strip_ordinal(s)
        .chars()
        .filter(|c| !is_space(*c) && !is_punct(*c))
        .collect()
}

fn is_punct(c: char) -> bool {
    "（）()【】[]〔〕、，,。.．：:；;“”\"‘’'《》<>—-·…！!？?".contains(c)
}

/// The first keyword found in `text`, if any.
pub fn find_any<'k>(text: &str, keywords: &'k [String]) -> Option<&'k str> {
    keywords
        .iter()
        .find(|k| !k.is_empty() && text.contains(k.as_str()))
        .map(String::as_str)
}

/// Two-character terms of the CJK runs of `text`, less the stop terms.
pub fn terms(text: &str, stop: &[String]) -> BTreeSet<[char; 2]> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(2)
        .filter(|w| is_cjk(w[0]) && is_cjk(w[1]))
        .map(|w| [w[0], w[1]])
        .filter(|t| !stop.iter().any(|s| s.chars().eq(t.iter().copied())))
        .collect()
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// 1 → 一, 10 → 十, 12 → 十二: to name a part the way the outline numbers it.
pub fn chinese_numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 if n % 10 == 0 => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_of_every_style_are_stripped() {
        for (input, want) in [
            ("一、基本情况", "基本情况"),
            ("1、 部门（单位）基本情况", "部门（单位）基本情况"),
            ("（二）主要职能", "主要职能"),
            ("(2) 项目支出情况", "项目支出情况"),
            (
                "1.部门整体支出绩效评价基础数据表",
                "部门整体支出绩效评价基础数据表",
            ),
            ("十、其他需要说明的情况", "其他需要说明的情况"),
            ("一是细化预算编制工作", "细化预算编制工作"),
            ("第三部分 存在问题", "存在问题"),
            ("　七、存在的主要问题及改进建议", "存在的主要问题及改进建议"),
            ("2024年度部门整体支出", "2024年度部门整体支出"),
            ("三公经费", "三公经费"),
        ] {
            assert_eq!(strip_ordinal(input), want, "{input}");
        }
    }

    #[test]
    fn normalize_drops_spaces_brackets_and_punctuation() {
        assert_eq!(normalize("1、 部门（单位）基本情况"), "部门单位基本情况");
        assert_eq!(
            normalize("12345热线平台运维、政府门户网 站维护、培训管理专项经费"),
            "12345热线平台运维政府门户网站维护培训管理专项经费"
        );
    }

    #[test]
    fn terms_are_cjk_bigrams_without_stop_terms() {
        let t = terms("固定资产管理需要加强", &["管理".to_string()]);
        assert!(
            t.contains(&['固', '定']) && t.contains(&['资', '产']) && !t.contains(&['管', '理'])
        );
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(chinese_numeral(9), "九");
        assert_eq!(chinese_numeral(10), "十");
        assert_eq!(chinese_numeral(12), "十二");
        assert_eq!(chinese_numeral(21), "二十一");
    }
}
