//! 放假通知: the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知) read
//! as text into an [`Arrangement`].
//!
//! A new year's calendar arrives as this notice. Typing its dates into a data file by hand is
//! where mistakes creep in, so the text itself is read, and cross-checked against itself: a
//! stated weekday （星期日/周日） must be the date's, "共N天" must count the range, 调休上班 days
//! must be weekend days. A typo then stops the import with a message naming the sentence,
//! instead of becoming a wrong working day.
//!
//! Two revision notices exist so far and are read too: 关于调整2019年劳动节假期安排的通知 (the
//! 劳动节 block restated) and 关于延长2020年春节假期的通知 (the 春节 block run on to a later day).
//! They amend the year's arrangement as the calendar holds it.
//!
//! The text is normalised first (full-width and ASCII punctuation alike, whitespace and line
//! breaks dropped, `#` comment lines skipped), then read with `regex`, whose automata run in
//! linear time: no input can make it backtrack.

use super::{Arrangement, CalendarError};
use draft::number;
use patterns::{pattern, HEADING, INTRO, TITLE};

mod draft;
mod patterns;
mod revision;
mod sections;
mod sentences;
#[cfg(test)]
mod tests;

/// What a notice is, from its title: whether reading it needs the year's current arrangement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeKind {
    /// 部分节假日安排的通知: the whole year's arrangement.
    Arrangement,
    /// 关于调整YYYY年X假期安排的通知: one holiday's days restated.
    Adjustment { holiday: String },
    /// 关于延长YYYY年X假期的通知: one holiday's block run on to a later day.
    Extension { holiday: String },
}

/// The year and kind of a notice, read from its title (or from "现将YYYY年…" without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeHead {
    pub year: i32,
    pub kind: NoticeKind,
}

impl NoticeHead {
    /// Whether reading the notice needs the year's current arrangement (`current`).
    pub fn is_revision(&self) -> bool {
        self.kind != NoticeKind::Arrangement
    }
}

/// A notice is about 1,500 characters; a text far longer is not one (and is refused before any
/// work is done on it).
const MAX_CHARS: usize = 100_000;
/// Longest block of days off one sentence may give; the longest so far is 10 days (2020's 春节
/// as extended).
const MAX_BLOCK_DAYS: i64 = 31;
/// An adjustment that does not restate a 调休上班 day this close (in days) to the holiday's old
/// block leaves it unknown whether that day is still worked (see [`read_notice`]).
const NEAR_DAYS: i64 = 14;

/// Reads a notice's text. An arrangement notice (…年部分节假日安排的通知) gives a whole new
/// Arrangement; a revision notice (e.g. 国务院办公厅关于调整2019年劳动节假期安排的通知, or
/// 关于延长2020年春节假期的通知) amends `current` (the year's arrangement as the calendar holds
/// it now; an error if None). [`identify_notice`] tells beforehand which one a text is.
///
/// An adjustment replaces the holiday's days off with the ones it states, adds the 上班 days it
/// states, and drops old 上班 days its new block covers. Which old 上班 days belonged to the
/// holiday is not recorded in an arrangement, so an old 上班 day within two weeks of the old
/// block that the adjustment does not restate is refused as ambiguous rather than guessed. An
/// extension makes every day from the block's last day to the stated one a day off (a 上班 day
/// among them included).
///
/// `origin` names the source in errors. Every error is [`CalendarError::Invalid`] with a message
/// in Chinese naming the section (or notice) and quoting the sentence.
pub fn read_notice(
    text: &str,
    origin: &str,
    current: Option<&Arrangement>,
) -> Result<Arrangement, CalendarError> {
    let invalid = |message: String| CalendarError::Invalid {
        origin: origin.to_owned(),
        message,
    };
    let text = prepare(text).map_err(invalid)?;
    let head = head(&text).map_err(invalid)?;
    let draft = match &head.kind {
        NoticeKind::Arrangement => sections::read_arrangement(&text, head.year),
        NoticeKind::Adjustment { holiday } => revised(current, &head, "调整", holiday)
            .and_then(|current| revision::adjust(&text, current, holiday)),
        NoticeKind::Extension { holiday } => revised(current, &head, "延长", holiday)
            .and_then(|current| revision::extend(&text, current, holiday)),
    }
    .map_err(invalid)?;
    Arrangement::new(
        draft.year,
        draft
            .holidays
            .into_iter()
            .map(|(d, (name, _))| (d, name))
            .collect(),
        draft.workdays.into_keys().collect(),
        origin,
    )
}

/// The arrangement a revision amends: given, and of the notice's year.
fn revised<'a>(
    current: Option<&'a Arrangement>,
    head: &NoticeHead,
    what: &str,
    holiday: &str,
) -> Result<&'a Arrangement, String> {
    let year = head.year;
    let current = current.ok_or_else(|| {
        format!(
            "这是一份修订通知（{what}{year}年{holiday}假期），只能修改已有的{year}年安排，但没有提供当前安排"
        )
    })?;
    if current.year != year {
        return Err(format!(
            "这是{year}年的修订通知（{what}{holiday}假期），提供的当前安排却是{}年的",
            current.year
        ));
    }
    Ok(current)
}

/// The year and kind of a notice, without reading its dates: whether [`read_notice`] will need
/// the current arrangement, and of which year.
pub fn identify_notice(text: &str, origin: &str) -> Result<NoticeHead, CalendarError> {
    prepare(text)
        .and_then(|text| head(&text))
        .map_err(|message| CalendarError::Invalid {
            origin: origin.to_owned(),
            message,
        })
}

// ----------------------------------------------------------------------------- normalisation

/// The text without `#` comment lines and whitespace, with ASCII punctuation and full-width
/// digits folded to the forms the notices are printed in (：，（）。 and 0–9).
fn prepare(text: &str) -> Result<String, String> {
    if text.chars().count() > MAX_CHARS {
        return Err(format!("文本超过{MAX_CHARS}个字符，不像一份节假日安排通知"));
    }
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for c in line.chars() {
            let c = match c {
                ':' => '：',
                ',' => '，',
                '(' => '（',
                ')' => '）',
                '.' | '．' => '。',
                '０'..='９' => char::from_digit(u32::from(c) - u32::from('０'), 10).unwrap_or(c),
                _ => c,
            };
            if !c.is_whitespace() && !matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}')
            {
                out.push(c);
            }
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------- title

fn head(text: &str) -> Result<NoticeHead, String> {
    let from_title = pattern(&TITLE)?.captures_iter(text).find_map(|c| {
        let year = number(c.get(2)?.as_str())?;
        let holiday = c.get(3).map(|m| m.as_str().to_owned());
        let kind = match (c.get(1).map(|m| m.as_str()), holiday) {
            (_, None) => NoticeKind::Arrangement,
            (Some("延长"), Some(holiday)) => NoticeKind::Extension { holiday },
            (Some(_), Some(holiday)) => NoticeKind::Adjustment { holiday },
            // "关于2020年春节假期的通知" is no form the State Council uses.
            (None, Some(_)) => return None,
        };
        Some((year, kind))
    });
    let from_intro = pattern(&INTRO)?.captures(text).and_then(|c| {
        if let Some(year) = c.get(4) {
            return Some((number(year.as_str())?, NoticeKind::Arrangement));
        }
        let year = number(c.get(2)?.as_str())?;
        let holiday = c.get(3)?.as_str().to_owned();
        let kind = match c.get(1)?.as_str() {
            "延长" => NoticeKind::Extension { holiday },
            _ => NoticeKind::Adjustment { holiday },
        };
        Some((year, kind))
    });
    let (year, kind) = match (from_title, from_intro) {
        (Some((year, kind)), Some((intro_year, _))) => {
            if year != intro_year {
                return Err(format!(
                    "标题写的是{year}年，正文却写“现将{intro_year}年……”，年份不一致"
                ));
            }
            (year, kind)
        }
        (Some(found), None) | (None, Some(found)) => found,
        (None, None) => {
            let notice_like = pattern(&HEADING)?.is_match(text)
                || ["节假日", "放假", "假期"].iter().any(|w| text.contains(w));
            return Err(if notice_like {
                "未找到通知的年份：标题应形如“国务院办公厅关于××××年部分节假日安排的通知”，或正文写明“现将××××年……”".to_owned()
            } else {
                "这不是节假日安排通知：没有“关于××××年部分节假日安排的通知”这样的标题，也没有“现将××××年……”的正文".to_owned()
            });
        }
    };
    let year = i32::try_from(year).unwrap_or(i32::MAX);
    if !(2000..=2100).contains(&year) {
        return Err(format!(
            "通知的年份{year}超出可处理的范围（2000年至2100年）"
        ));
    }
    Ok(NoticeHead { year, kind })
}
