//! The patterns a notice is read with. They run on the normalised text (see `prepare`):
//! full-width punctuation, no whitespace, ASCII digits.

use std::sync::LazyLock;

use regex::Regex;

/// A date as written: "2018年12月30日", "9月29日", "17日" (year and month optional).
const DATE: &str = r"(?:([0-9]{4})年)?(?:([0-9]{1,2})月)?([0-9]{1,2})日";
/// A remark in brackets after a date: "（星期日）", "（农历除夕、周二）".
const NOTE: &str = r"(?:（([^（）]{0,40})）)?";
/// An item number starting a revision's paragraph: "一、".
const ITEM: &str = r"(?:[一二三四五六七八九十]{1,3}、)?";

fn compiled(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// 标题: "关于2024年部分节假日安排的通知", "关于调整2019年劳动节假期安排的通知",
/// "关于延长2020年春节假期的通知".
pub(super) static TITLE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(r"关于(调整|延长)?([0-9]{4})年(?:部分节假日安排|(\p{Han}{1,8}?)假期(?:安排)?)的通知")
});

/// The opening sentence, for a text without its title: "现将2024年元旦、春节…",
/// "现将调整2019年劳动节放假安排…", "现将延长2020年春节假期…".
pub(super) static INTRO: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(r"现将(?:(调整|延长)([0-9]{4})年(\p{Han}{1,8}?)(?:放假安排|假期)|([0-9]{4})年)")
});

/// The holidays the opening sentence lists: "现将2024年元旦、春节、…和国庆节放假调休日期".
pub(super) static LISTED: LazyLock<Option<Regex>> =
    LazyLock::new(|| compiled(r"现将[0-9]{4}年([\p{Han}、]{2,60}?)放假调休日期"));

/// A section heading: "二、春节：", "六、国庆节、中秋节：".
pub(super) static HEADING: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(r"([一二三四五六七八九十]{1,3})、(\p{Han}{1,8}(?:、\p{Han}{1,8}){0,3})：")
});

/// A sentence giving days off: "2月10日至17日放假调休，共8天", "1月1日（周三）放假1天，不调休".
pub(super) static DAYS_OFF: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(&format!(
        r"(?s)^{ITEM}{DATE}{NOTE}(?:至{DATE}{NOTE})?放假(调休)?(?:([0-9]{{1,3}})天)?(.*)$"
    ))
});

/// A sentence giving 调休上班 days: "2月4日（星期日）、2月18日（星期日）上班".
pub(super) static WORKED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(&format!(
        r"^{ITEM}((?:{DATE}{NOTE}[、，])*{DATE}{NOTE})上班$"
    ))
});

/// One date with its remark, inside a list of 上班 days.
pub(super) static DATE_NOTE: LazyLock<Option<Regex>> =
    LazyLock::new(|| compiled(&format!("{DATE}{NOTE}")));

/// An extension: "延长2020年春节假期至2月2日（农历正月初九，星期日），2月3日（星期一）起正常上班".
pub(super) static EXTENDED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compiled(&format!(
        r"^{ITEM}延长([0-9]{{4}})年(\p{{Han}}{{1,8}}?)假期至{DATE}{NOTE}(?:，{DATE}{NOTE}起正常上班)?$"
    ))
});

/// A sentence that starts with a date must be one of the forms above.
pub(super) static STARTS_WITH_DATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| compiled(&format!("^{ITEM}{DATE}")));

/// A day of the month anywhere in a sentence.
pub(super) static ANY_DAY: LazyLock<Option<Regex>> = LazyLock::new(|| compiled(r"[0-9]{1,2}日"));

/// A weekday in a remark: "星期日", "周二", "星期天".
pub(super) static WEEKDAY: LazyLock<Option<Regex>> =
    LazyLock::new(|| compiled(r"(星期|周)([一二三四五六日天])"));

/// "共8天" after the days off.
pub(super) static TOTAL: LazyLock<Option<Regex>> =
    LazyLock::new(|| compiled(r"^共([0-9]{1,3})天$"));

/// Every pattern, for the test that they all compile.
#[cfg(test)]
pub(super) fn all_patterns() -> [&'static Option<Regex>; 12] {
    [
        &TITLE,
        &INTRO,
        &LISTED,
        &HEADING,
        &DAYS_OFF,
        &WORKED,
        &DATE_NOTE,
        &EXTENDED,
        &STARTS_WITH_DATE,
        &ANY_DAY,
        &WEEKDAY,
        &TOTAL,
    ]
}

pub(super) fn pattern(re: &'static LazyLock<Option<Regex>>) -> Result<&'static Regex, String> {
    re.as_ref()
        .ok_or_else(|| "内部错误：通知解析用的正则表达式无法编译".to_owned())
}
