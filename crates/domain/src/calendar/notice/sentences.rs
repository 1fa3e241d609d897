//! The sentences of a section or a revision: days off, 调休上班 days, an extension.

use chrono::{Datelike, NaiveDate, Weekday};
use regex::Captures;

use super::super::is_weekend;
use super::draft::{number, weekday_zh, At, Draft};
use super::patterns::{
    pattern, ANY_DAY, DATE_NOTE, DAYS_OFF, EXTENDED, STARTS_WITH_DATE, TOTAL, WEEKDAY, WORKED,
};
use super::MAX_BLOCK_DAYS;

/// A date as written, before the year and month it may inherit are known.
struct Written<'t> {
    year: Option<u32>,
    month: Option<u32>,
    day: u32,
    note: Option<&'t str>,
}

impl<'t> Written<'t> {
    /// The date and note captured from group `first` on (year, month, day, note).
    fn at(c: &Captures<'t>, first: usize) -> Option<Written<'t>> {
        Some(Written {
            year: c.get(first).and_then(|m| number(m.as_str())),
            month: c.get(first + 1).and_then(|m| number(m.as_str())),
            day: number(c.get(first + 2)?.as_str())?,
            note: c.get(first + 3).map(|m| m.as_str()),
        })
    }

    /// The date, taking a missing year (and month) from `year` (and `month`), with its stated
    /// weekday checked.
    fn resolve(
        &self,
        year: i32,
        month: Option<u32>,
        draft: &Draft,
        at: At,
    ) -> Result<NaiveDate, String> {
        let year = match self.year {
            Some(y) => i32::try_from(y).unwrap_or(i32::MAX),
            None => year,
        };
        let month = self
            .month
            .or(month)
            .ok_or_else(|| at.fail(format!("“{}日”没有写月份", self.day)))?;
        let d = NaiveDate::from_ymd_opt(year, month, self.day)
            .ok_or_else(|| at.fail(format!("{year}年{month}月{}日不是有效日期", self.day)))?;
        if let Some(note) = self.note {
            for c in pattern(&WEEKDAY)?.captures_iter(note) {
                let (Some(prefix), Some(day)) = (c.get(1), c.get(2)) else {
                    continue;
                };
                let actual = weekday_zh(d.weekday(), prefix.as_str());
                let stated = format!("{}{}", prefix.as_str(), day.as_str());
                let same =
                    stated == actual || (day.as_str() == "天" && d.weekday() == Weekday::Sun);
                if !same {
                    return Err(at.fail(format!("{}标注为{stated}，实为{actual}", draft.date(d))));
                }
            }
        }
        Ok(d)
    }
}

/// What the sentences of a section (or of a revision) give.
#[derive(Default)]
pub(super) struct Parsed {
    /// Blocks of days off: first and last day, and the sentence.
    pub(super) blocks: Vec<Block>,
    /// 调休上班 days, each with its sentence.
    pub(super) workdays: Vec<(NaiveDate, String)>,
    /// "不调休" was written.
    pub(super) no_workdays: bool,
    /// Extensions: the new last day, with its sentence.
    pub(super) extensions: Vec<Extension>,
}

/// A block of days off, as one sentence gives it.
pub(super) struct Block {
    pub(super) first: NaiveDate,
    pub(super) last: NaiveDate,
    pub(super) sentence: String,
}

impl Block {
    pub(super) fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first.iter_days().take_while(|d| *d <= self.last)
    }
}

/// "延长YYYY年X假期至M月D日（…），M月D日（…）起正常上班".
pub(super) struct Extension {
    pub(super) year: i32,
    pub(super) holiday: String,
    pub(super) last: NaiveDate,
    pub(super) resume: Option<NaiveDate>,
    pub(super) sentence: String,
}

/// Reads the sentences of `body` (split at "。"). Sentences that start with no date are
/// commentary ("鼓励各单位…在除夕（2月9日）休息", "节假日期间…") and skipped, unless they
/// mention a day together with 放假, 上班 or 调休: such a sentence is in a form not understood,
/// and skipping it could drop a day.
pub(super) fn read_sentences(body: &str, place: &str, draft: &Draft) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    for sentence in body.split('。').filter(|s| !s.is_empty()) {
        let at = At { place, sentence };
        if let Some(c) = pattern(&DAYS_OFF)?.captures(sentence) {
            read_days_off(&c, at, draft, &mut parsed)?;
        } else if let Some(c) = pattern(&WORKED)?.captures(sentence) {
            let list = c.get(1).map_or("", |m| m.as_str());
            let mut month = None;
            for item in pattern(&DATE_NOTE)?.captures_iter(list) {
                let written = Written::at(&item, 1).ok_or_else(|| at.fail("无法识别日期"))?;
                let d = written.resolve(draft.year, month, draft, at)?;
                month = Some(d.month());
                parsed.workdays.push((d, sentence.to_owned()));
            }
        } else if let Some(c) = pattern(&EXTENDED)?.captures(sentence) {
            let year = c
                .get(1)
                .and_then(|m| number(m.as_str()))
                .and_then(|y| i32::try_from(y).ok())
                .ok_or_else(|| at.fail("无法识别年份"))?;
            let holiday = c.get(2).map_or("", |m| m.as_str()).to_owned();
            let last = Written::at(&c, 3)
                .ok_or_else(|| at.fail("无法识别日期"))?
                .resolve(year, None, draft, at)?;
            let resume = match Written::at(&c, 7) {
                Some(w) => Some(w.resolve(year, Some(last.month()), draft, at)?),
                None => None,
            };
            parsed.extensions.push(Extension {
                year,
                holiday,
                last,
                resume,
                sentence: sentence.to_owned(),
            });
        } else if pattern(&STARTS_WITH_DATE)?.is_match(sentence)
            || (pattern(&ANY_DAY)?.is_match(sentence)
                && ["放假", "上班", "调休"]
                    .iter()
                    .any(|w| sentence.contains(w)))
        {
            return Err(at.fail("无法识别这一句的放假或上班日期"));
        }
    }
    Ok(parsed)
}

/// One "…放假…" sentence: the block, checked against "共N天" / "放假N天", "与周末连休".
fn read_days_off(c: &Captures, at: At, draft: &Draft, parsed: &mut Parsed) -> Result<(), String> {
    let start = Written::at(c, 1)
        .ok_or_else(|| at.fail("无法识别日期"))?
        .resolve(draft.year, None, draft, at)?;
    let end = match Written::at(c, 5) {
        Some(w) => w.resolve(start.year(), Some(start.month()), draft, at)?,
        None => start,
    };
    let days = (end - start).num_days() + 1;
    if days < 1 {
        return Err(at.fail(format!(
            "结束日期{}早于开始日期{}",
            draft.date(end),
            draft.date(start)
        )));
    }
    if days > MAX_BLOCK_DAYS {
        return Err(at.fail(format!(
            "一次放假{days}天，超过{MAX_BLOCK_DAYS}天，不像节日安排"
        )));
    }
    let mut totals: Vec<(i64, String)> = Vec::new();
    if let Some(n) = c.get(10).and_then(|m| m.as_str().parse().ok()) {
        totals.push((n, format!("放假{n}天")));
    }
    let rest = c.get(11).map_or("", |m| m.as_str());
    for clause in rest.split('，').filter(|s| !s.is_empty()) {
        if let Some(t) = pattern(&TOTAL)?.captures(clause) {
            if let Some(n) = t.get(1).and_then(|m| m.as_str().parse().ok()) {
                totals.push((n, clause.to_owned()));
            }
        } else if clause == "与周末连休" {
            let joins = [start.pred_opt(), end.succ_opt()]
                .into_iter()
                .flatten()
                .any(is_weekend);
            if !joins {
                return Err(at.fail(format!(
                    "写明“与周末连休”，但{}前后都不是周末",
                    draft.date(start)
                )));
            }
        } else if clause == "不调休" {
            parsed.no_workdays = true;
        } else if clause.chars().any(|ch| ch.is_ascii_digit()) {
            return Err(at.fail(format!("无法识别“{clause}”")));
        }
    }
    for (n, written) in totals {
        if n != days {
            let range = if start == end {
                draft.date(start)
            } else {
                format!("{}至{}", draft.date(start), draft.date(end))
            };
            return Err(at.fail(format!("{range}共{days}天，但写的是“{written}”")));
        }
    }
    parsed.blocks.push(Block {
        first: start,
        last: end,
        sentence: at.sentence.to_owned(),
    });
    Ok(())
}
