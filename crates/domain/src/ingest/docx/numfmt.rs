//! Number formats of Word's lists (`w:numFmt`): decimal, roman, letters, the Chinese
//! counting systems (一、十一、一百零一), 甲乙丙, enclosed numbers (①).

/// How a level's number is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Fmt {
    #[default]
    Decimal,
    /// Zero-padded decimal of at least this many digits (decimalZero is 2).
    ZeroPad(usize),
    UpperRoman,
    LowerRoman,
    UpperLetter,
    LowerLetter,
    /// 一 二 … 十 十一 … 九十九, then digit by digit.
    ChineseCounting,
    /// 一 … 十一 … 一百零一 … 九千九百九十九.
    ChineseCountingThousand,
    /// 壹 贰 … 壹拾 …
    ChineseLegalSimplified,
    /// 壹 貳 … 壹拾 …
    IdeographLegalTraditional,
    /// 一〇一: digit by digit.
    IdeographDigital,
    /// 甲 乙 丙 … 癸.
    IdeographTraditional,
    /// 子 丑 寅 … 亥.
    IdeographZodiac,
    /// 甲子 乙丑 …
    IdeographZodiacTraditional,
    /// ① ② …
    EnclosedCircle,
    /// ⒈ ⒉ …
    EnclosedFullstop,
    /// ⑴ ⑵ …
    EnclosedParen,
    /// １ ２ …
    FullWidth,
    Bullet,
    None,
}

impl Fmt {
    pub(super) fn parse(name: &str) -> Option<Fmt> {
        Some(match name {
            "decimal" | "decimalHalfWidth" | "ordinal" | "cardinalText" | "ordinalText" => {
                Fmt::Decimal
            }
            "decimalZero" => Fmt::ZeroPad(2),
            "upperRoman" => Fmt::UpperRoman,
            "lowerRoman" => Fmt::LowerRoman,
            "upperLetter" => Fmt::UpperLetter,
            "lowerLetter" => Fmt::LowerLetter,
            "chineseCounting" => Fmt::ChineseCounting,
            "chineseCountingThousand"
            | "taiwaneseCounting"
            | "taiwaneseCountingThousand"
            | "japaneseCounting"
            | "koreanCounting" => Fmt::ChineseCountingThousand,
            "chineseLegalSimplified" => Fmt::ChineseLegalSimplified,
            "ideographLegalTraditional" | "japaneseLegal" => Fmt::IdeographLegalTraditional,
            "ideographDigital" | "taiwaneseDigital" | "japaneseDigitalTenThousand" => {
                Fmt::IdeographDigital
            }
            "ideographTraditional" => Fmt::IdeographTraditional,
            "ideographZodiac" => Fmt::IdeographZodiac,
            "ideographZodiacTraditional" => Fmt::IdeographZodiacTraditional,
            "decimalEnclosedCircle"
            | "decimalEnclosedCircleChinese"
            | "ideographEnclosedCircle" => Fmt::EnclosedCircle,
            "decimalEnclosedFullstop" => Fmt::EnclosedFullstop,
            "decimalEnclosedParen" => Fmt::EnclosedParen,
            "decimalFullWidth" | "decimalFullWidth2" => Fmt::FullWidth,
            "bullet" => Fmt::Bullet,
            "none" => Fmt::None,
            _ => return None,
        })
    }

    /// Word 2010's `w:numFmt w:val="custom" w:format="001, 002, 003, ..."`.
    pub(super) fn parse_custom(format: &str) -> Option<Fmt> {
        let first = format.split(',').next()?.trim();
        (!first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Fmt::ZeroPad(first.len().min(9)))
    }
}

const CN_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const CN_UNITS: [char; 3] = ['十', '百', '千'];
const LEGAL_SIMPLIFIED: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const LEGAL_TRADITIONAL: [char; 10] = ['零', '壹', '貳', '參', '肆', '伍', '陸', '柒', '捌', '玖'];
const LEGAL_UNITS: [char; 3] = ['拾', '佰', '仟'];
const STEMS: [char; 10] = ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'];
const BRANCHES: [char; 12] = [
    '子', '丑', '寅', '卯', '辰', '巳', '午', '未', '申', '酉', '戌', '亥',
];

/// A number written in `fmt`. Numbers a format cannot write fall back to decimal.
pub(super) fn format_number(n: i64, fmt: Fmt) -> String {
    let decimal = || n.to_string();
    if n < 0 {
        return decimal();
    }
    match fmt {
        Fmt::Decimal => decimal(),
        Fmt::ZeroPad(width) => format!("{n:0width$}"),
        Fmt::UpperRoman => roman(n).unwrap_or_else(decimal),
        Fmt::LowerRoman => roman(n).map(|r| r.to_lowercase()).unwrap_or_else(decimal),
        Fmt::UpperLetter => letters(n, b'A').unwrap_or_else(decimal),
        Fmt::LowerLetter => letters(n, b'a').unwrap_or_else(decimal),
        Fmt::ChineseCounting if n < 100 => counting(n, &CN_DIGITS, &CN_UNITS, '〇', true),
        Fmt::ChineseCounting | Fmt::IdeographDigital => digit_by_digit(n),
        Fmt::ChineseCountingThousand if n < 10_000 => {
            counting(n, &CN_DIGITS, &CN_UNITS, '零', true)
        }
        Fmt::ChineseLegalSimplified if n < 10_000 => {
            counting(n, &LEGAL_SIMPLIFIED, &LEGAL_UNITS, '零', false)
        }
        Fmt::IdeographLegalTraditional if n < 10_000 => {
            counting(n, &LEGAL_TRADITIONAL, &LEGAL_UNITS, '零', false)
        }
        Fmt::ChineseCountingThousand
        | Fmt::ChineseLegalSimplified
        | Fmt::IdeographLegalTraditional => digit_by_digit(n),
        Fmt::IdeographTraditional if n > 0 => STEMS[((n - 1) % 10) as usize].to_string(),
        Fmt::IdeographZodiac if n > 0 => BRANCHES[((n - 1) % 12) as usize].to_string(),
        Fmt::IdeographZodiacTraditional if n > 0 => {
            let i = n - 1;
            format!(
                "{}{}",
                STEMS[(i % 10) as usize],
                BRANCHES[(i % 12) as usize]
            )
        }
        Fmt::EnclosedCircle => enclosed_circle(n).map(String::from).unwrap_or_else(decimal),
        Fmt::EnclosedFullstop => offset_char(n, 20, 0x2488).unwrap_or_else(decimal),
        Fmt::EnclosedParen => offset_char(n, 20, 0x2474).unwrap_or_else(decimal),
        Fmt::FullWidth => decimal()
            .chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c))
            .collect(),
        Fmt::Bullet | Fmt::None => String::new(),
        Fmt::IdeographTraditional | Fmt::IdeographZodiac | Fmt::IdeographZodiacTraditional => {
            decimal()
        }
    }
}

fn roman(n: i64) -> Option<String> {
    if !(1..4000).contains(&n) {
        return None;
    }
    const TABLE: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut rest = n;
    let mut out = String::new();
    for (value, digits) in TABLE {
        while rest >= value {
            out.push_str(digits);
            rest -= value;
        }
    }
    Some(out)
}

/// Word's letters: A … Z, AA … ZZ, AAA …; past ten repeats, decimal.
fn letters(n: i64, base: u8) -> Option<String> {
    if n < 1 {
        return None;
    }
    let repeat = (n - 1) / 26 + 1;
    if repeat > 10 {
        return None;
    }
    let c = char::from(base + ((n - 1) % 26) as u8);
    Some(std::iter::repeat_n(c, repeat as usize).collect())
}

/// 1..=9999 in a counting system; `drop_one` writes 10..19 as 十, 十一 rather than 一十.
fn counting(n: i64, digits: &[char; 10], units: &[char; 3], zero: char, drop_one: bool) -> String {
    if n == 0 {
        return digits[0].to_string();
    }
    let places = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut started = false;
    let mut pending_zero = false;
    for (i, &d) in places.iter().enumerate() {
        let unit = 3 - i;
        if d == 0 {
            pending_zero |= started;
            continue;
        }
        if pending_zero {
            out.push(zero);
            pending_zero = false;
        }
        if !(unit == 1 && d == 1 && !started && drop_one) {
            out.push(digits[d as usize]);
        }
        if unit > 0 {
            out.push(units[unit - 1]);
        }
        started = true;
    }
    out
}

fn digit_by_digit(n: i64) -> String {
    n.to_string()
        .bytes()
        .map(|b| CN_DIGITS[usize::from(b - b'0')])
        .collect()
}

fn enclosed_circle(n: i64) -> Option<char> {
    let code = match n {
        1..=20 => 0x2460 + n - 1,
        21..=35 => 0x3251 + n - 21,
        36..=50 => 0x32B1 + n - 36,
        _ => return None,
    };
    char::from_u32(u32::try_from(code).ok()?)
}

fn offset_char(n: i64, max: i64, base: i64) -> Option<String> {
    if !(1..=max).contains(&n) {
        return None;
    }
    char::from_u32(u32::try_from(base + n - 1).ok()?).map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        let cases = [
            (1, "一"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (99, "九十九"),
            (101, "一百零一"),
            (110, "一百一十"),
            (1010, "一千零一十"),
        ];
        for (n, want) in cases {
            assert_eq!(format_number(n, Fmt::ChineseCountingThousand), want, "{n}");
        }
        assert_eq!(format_number(12, Fmt::ChineseCounting), "十二");
        assert_eq!(format_number(101, Fmt::ChineseCounting), "一〇一");
        assert_eq!(format_number(12, Fmt::ChineseLegalSimplified), "壹拾贰");
        assert_eq!(format_number(3, Fmt::IdeographTraditional), "丙");
        assert_eq!(format_number(2, Fmt::EnclosedCircle), "②");
        assert_eq!(format_number(3, Fmt::EnclosedParen), "⑶");
        assert_eq!(format_number(28, Fmt::UpperLetter), "BB");
        assert_eq!(format_number(1994, Fmt::LowerRoman), "mcmxciv");
        assert_eq!(format_number(7, Fmt::ZeroPad(3)), "007");
        assert_eq!(format_number(12, Fmt::FullWidth), "１２");
        assert_eq!(
            format_number(i64::MAX, Fmt::UpperLetter),
            i64::MAX.to_string()
        );
    }
}
