//! The entries being assembled from a notice, checked as they are added (inside the notice's
//! span, 调休上班 only on weekends, no day both off and worked, none twice), with the Chinese
//! messages that name the sentence.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

use super::super::{is_weekend, Arrangement};

/// The place of an entry taken over from the current arrangement (a revision may restate it).
const ORIGINAL: &str = "原安排";
/// Longest quotation of the offending text in an error message, in characters.
const QUOTE_CHARS: usize = 60;

/// The entries being assembled, each with the place that gave it (for messages).
pub(super) struct Draft {
    pub(super) year: i32,
    pub(super) first: NaiveDate,
    pub(super) last: NaiveDate,
    /// date -> (holiday name, place)
    pub(super) holidays: BTreeMap<NaiveDate, (String, String)>,
    /// date -> place
    pub(super) workdays: BTreeMap<NaiveDate, String>,
}

/// Where a sentence is, for messages: "二、春节" and the sentence itself.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub(super) place: &'a str,
    pub(super) sentence: &'a str,
}

impl At<'_> {
    pub(super) fn fail(&self, what: impl std::fmt::Display) -> String {
        format!("{}：{what}（原文：“{}”）", self.place, quote(self.sentence))
    }
}

fn quote(s: &str) -> String {
    if s.chars().count() > QUOTE_CHARS {
        let cut: String = s.chars().take(QUOTE_CHARS).collect();
        format!("{cut}……")
    } else {
        s.to_owned()
    }
}

impl Draft {
    pub(super) fn new(year: i32) -> Result<Draft, String> {
        let (first, last) =
            Arrangement::span(year).ok_or_else(|| format!("通知的年份{year}超出可处理的范围"))?;
        Ok(Draft {
            year,
            first,
            last,
            holidays: BTreeMap::new(),
            workdays: BTreeMap::new(),
        })
    }

    pub(super) fn from_current(current: &Arrangement) -> Result<Draft, String> {
        let mut draft = Draft::new(current.year)?;
        for (d, name) in &current.holidays {
            draft
                .holidays
                .insert(*d, (name.clone(), ORIGINAL.to_owned()));
        }
        for d in &current.workdays {
            draft.workdays.insert(*d, ORIGINAL.to_owned());
        }
        Ok(draft)
    }

    pub(super) fn inside(&self, d: NaiveDate, at: At) -> Result<(), String> {
        if d < self.first || d > self.last {
            return Err(at.fail(format!(
                "{}不在{}年通知所安排的时段（{}至{}）内",
                full_date(d),
                self.year,
                full_date(self.first),
                full_date(self.last)
            )));
        }
        Ok(())
    }

    pub(super) fn add_holiday(&mut self, d: NaiveDate, name: &str, at: At) -> Result<(), String> {
        self.inside(d, at)?;
        if let Some((_, place)) = self.holidays.get(&d) {
            return Err(at.fail(format!("{}已在“{place}”中列为假日", self.date(d))));
        }
        if let Some(place) = self.workdays.get(&d) {
            return Err(at.fail(format!("{}在“{place}”中是上班日，这里又放假", self.date(d))));
        }
        self.holidays
            .insert(d, (name.to_owned(), at.place.to_owned()));
        Ok(())
    }

    pub(super) fn add_workday(&mut self, d: NaiveDate, at: At) -> Result<(), String> {
        self.inside(d, at)?;
        if !is_weekend(d) {
            return Err(at.fail(format!(
                "{}（{}）上班，但调休上班日只能是周六或周日",
                self.date(d),
                weekday_zh(d.weekday(), "星期")
            )));
        }
        if let Some((_, place)) = self.holidays.get(&d) {
            return Err(at.fail(format!("{}在“{place}”中是假日，这里又上班", self.date(d))));
        }
        if let Some(place) = self.workdays.get(&d) {
            if place != ORIGINAL {
                return Err(at.fail(format!("{}已在“{place}”中列为上班日", self.date(d))));
            }
        }
        self.workdays.insert(d, at.place.to_owned());
        Ok(())
    }

    /// "2月4日", or "2018年12月29日" outside the notice's own year.
    pub(super) fn date(&self, d: NaiveDate) -> String {
        if d.year() == self.year {
            format!("{}月{}日", d.month(), d.day())
        } else {
            full_date(d)
        }
    }
}

pub(super) fn full_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub(super) fn weekday_zh(w: Weekday, prefix: &str) -> String {
    let day = match w {
        Weekday::Mon => "一",
        Weekday::Tue => "二",
        Weekday::Wed => "三",
        Weekday::Thu => "四",
        Weekday::Fri => "五",
        Weekday::Sat => "六",
        Weekday::Sun => "日",
    };
    format!("{prefix}{day}")
}

pub(super) fn number(s: &str) -> Option<u32> {
    s.parse().ok()
}

/// 一 … 九十九, as section numbers are written.
pub(super) fn chinese_number(s: &str) -> Option<u32> {
    let digit = |c: char| "一二三四五六七八九".chars().position(|d| d == c);
    let chars: Vec<char> = s.chars().collect();
    let value = |c: char| digit(c).and_then(|i| u32::try_from(i + 1).ok());
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => value(*c),
        ['十', c] => Some(10 + value(*c)?),
        [c, '十'] => Some(10 * value(*c)?),
        [a, '十', b] => Some(10 * value(*a)? + value(*b)?),
        _ => None,
    }
}
