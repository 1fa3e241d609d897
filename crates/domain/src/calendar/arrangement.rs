//! 节假日安排: one year's arrangement as the State Council publishes it (国务院办公厅关于
//! YYYY年部分节假日安排的通知), and what adding it does to a calendar.
//!
//! A notice for year N fixes the days from 21 December N-1 to 20 December N: its 元旦 block can
//! start in the last days of December N-1 (the 2019 notice made 2018-12-29 a working day and
//! 2018-12-30/31 holidays), and the last ten days of December N belong to the next notice's
//! 元旦. Every past notice fits this span.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{is_weekend, parse_date_at, tidy, weekday_name, CalendarError, WorkCalendar};

/// 节假日安排: the days off and 调休 working days one notice fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrangement {
    /// The year the notice is for.
    pub year: i32,
    /// Days off, each named by the notice's heading ("春节", "国庆节、中秋节").
    pub holidays: BTreeMap<NaiveDate, String>,
    /// 调休上班: Saturdays and Sundays that are working days.
    pub workdays: BTreeSet<NaiveDate>,
}

/// What a date is in a calendar, for showing what an arrangement changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayStatus {
    /// 放假: a listed holiday.
    Holiday { name: String },
    /// 调休上班: a weekend day that is worked.
    Workday,
    /// An ordinary weekday or weekend day.
    Ordinary { working: bool },
    /// Not covered by the calendar.
    Uncovered,
}

/// One date whose status an arrangement changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayChange {
    pub date: NaiveDate,
    pub before: DayStatus,
    pub after: DayStatus,
}

/// The data-file form of an arrangement (`kaoping calendar import FILE.toml`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArrangement {
    year: i32,
    /// Provenance, e.g. the notice's 文号; kept in the stored text.
    #[serde(default)]
    #[allow(dead_code)]
    source: Option<String>,
    holidays: Vec<RawEntry>,
    workdays: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    date: toml::Value,
    name: String,
}

impl Arrangement {
    /// First and last date (inclusive) a notice for `year` fixes.
    pub fn span(year: i32) -> Option<(NaiveDate, NaiveDate)> {
        Some((
            NaiveDate::from_ymd_opt(year.checked_sub(1)?, 12, 21)?,
            NaiveDate::from_ymd_opt(year, 12, 20)?,
        ))
    }

    /// Checks the entries: all inside the notice's span, holidays named, workdays on weekends,
    /// no day both. `origin` names the source in the error.
    pub fn new(
        year: i32,
        holidays: Vec<(NaiveDate, String)>,
        workdays: Vec<NaiveDate>,
        origin: &str,
    ) -> Result<Arrangement, CalendarError> {
        let invalid = |message: String| CalendarError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        let (first, last) = Some(year)
            .filter(|y| (2000..=2100).contains(y))
            .and_then(Self::span)
            .ok_or_else(|| invalid(format!("{year} is not a year between 2000 and 2100")))?;
        let inside = |d: NaiveDate, list: &str| {
            if d < first || d > last {
                Err(invalid(format!(
                    "{list}: {d} is outside what the {year} notice fixes ({first} to {last})"
                )))
            } else {
                Ok(())
            }
        };
        let mut out = Arrangement {
            year,
            holidays: BTreeMap::new(),
            workdays: BTreeSet::new(),
        };
        for (d, name) in holidays {
            inside(d, "holidays")?;
            if name.trim().is_empty() {
                return Err(invalid(format!("holidays: {d} has an empty name")));
            }
            if out.holidays.insert(d, name.trim().to_owned()).is_some() {
                return Err(invalid(format!("holidays: duplicate date {d}")));
            }
        }
        for d in workdays {
            inside(d, "workdays")?;
            if !is_weekend(d) {
                return Err(invalid(format!(
                    "workdays: {d} is a {}; 调休 working days must be Saturdays or Sundays",
                    weekday_name(d)
                )));
            }
            if let Some(name) = out.holidays.get(&d) {
                return Err(invalid(format!(
                    "workdays: {d} is also listed as a holiday ({name})"
                )));
            }
            if !out.workdays.insert(d) {
                return Err(invalid(format!("workdays: duplicate date {d}")));
            }
        }
        if out.holidays.is_empty() {
            return Err(invalid(format!("the {year} arrangement lists no holiday")));
        }
        Ok(out)
    }

    /// Reads the data-file form:
    ///
    /// ```toml
    /// year = 2027
    /// source = "国办发明电〔2026〕N号"   # optional
    /// holidays = [{ date = "2027-01-01", name = "元旦" }]
    /// workdays = ["2027-02-06"]
    /// ```
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Arrangement, CalendarError> {
        let invalid = |message: String| CalendarError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        let raw: RawArrangement = toml::from_str(src).map_err(|e| invalid(tidy(&e)))?;
        let date = |v: &toml::Value, place: &str| {
            let s = match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            parse_date_at(&s, place).map_err(invalid)
        };
        let mut holidays = Vec::with_capacity(raw.holidays.len());
        for (i, h) in raw.holidays.iter().enumerate() {
            holidays.push((date(&h.date, &format!("holidays[{i}]"))?, h.name.clone()));
        }
        let mut workdays = Vec::with_capacity(raw.workdays.len());
        for (i, w) in raw.workdays.iter().enumerate() {
            workdays.push(date(w, &format!("workdays[{i}]"))?);
        }
        Arrangement::new(raw.year, holidays, workdays, origin)
    }

    /// The data-file form, normalised (sorted, one entry a line): what is stored and hashed.
    pub fn to_toml(&self) -> String {
        let mut out = format!("year = {}\nholidays = [\n", self.year);
        for (d, name) in &self.holidays {
            out.push_str(&format!("  {{ date = \"{d}\", name = {name:?} }},\n"));
        }
        out.push_str("]\nworkdays = [\n");
        for d in &self.workdays {
            out.push_str(&format!("  \"{d}\",\n"));
        }
        out.push_str("]\n");
        out
    }

    /// SHA-256 (hex) of the normalised form.
    pub fn content_hash(&self) -> String {
        crate::digest::sha256_hex(self.to_toml().as_bytes())
    }

    /// The entries `calendar` holds inside the span of `year`'s notice (the covered part of
    /// it), or `None` when the calendar covers none of it.
    pub fn of_calendar(calendar: &WorkCalendar, year: i32) -> Option<Arrangement> {
        let (first, last) = Self::span(year)?;
        let (start, end) = calendar.coverage();
        if last < start || first > end {
            return None;
        }
        Some(Arrangement {
            year,
            holidays: calendar
                .holidays
                .iter()
                .filter(|(d, _)| first <= **d && **d <= last)
                .map(|(d, n)| (*d, n.clone()))
                .collect(),
            workdays: calendar
                .workdays
                .iter()
                .filter(|d| first <= **d && **d <= last)
                .copied()
                .collect(),
        })
    }
}

impl WorkCalendar {
    /// This calendar with `arrangement` in place of what it held for the notice's span. The
    /// year must be covered already (a correction) or be the year after the coverage (an
    /// addition, which extends the coverage to its 31 December; the last ten days of it stay
    /// provisional until the next notice).
    pub fn with_arrangement(
        &self,
        arrangement: &Arrangement,
    ) -> Result<WorkCalendar, CalendarError> {
        let year = arrangement.year;
        let (start, end) = self.coverage();
        let invalid = |message: String| CalendarError::Invalid {
            origin: format!("the {year} arrangement"),
            message,
        };
        if year < start.year() || year > end.year() + 1 {
            return Err(invalid(format!(
                "the calendar covers {start} to {end}: a year from {} to {} can be set",
                start.year(),
                end.year() + 1
            )));
        }
        let (first, last) = Arrangement::span(year)
            .ok_or_else(|| invalid(format!("{year} is not a valid year")))?;
        if let Some(d) = arrangement
            .holidays
            .keys()
            .chain(arrangement.workdays.iter())
            .find(|d| **d < start)
        {
            return Err(invalid(format!(
                "{d} is before the calendar's coverage ({start} to {end})"
            )));
        }
        let mut next = self.clone();
        next.holidays.retain(|d, _| *d < first || *d > last);
        next.workdays.retain(|d| *d < first || *d > last);
        next.holidays.extend(arrangement.holidays.clone());
        next.workdays.extend(arrangement.workdays.iter().copied());
        if year == end.year() + 1 {
            next.coverage_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(end);
            next.provisional_from = last.succ_opt();
        }
        next.content_hash = crate::digest::sha256_hex(
            format!("{} + {}", self.content_hash, arrangement.content_hash()).as_bytes(),
        );
        Ok(next)
    }

    /// What a date is in this calendar.
    pub fn status(&self, d: NaiveDate) -> DayStatus {
        if self.check_covered(d).is_err() {
            DayStatus::Uncovered
        } else if let Some(name) = self.holidays.get(&d) {
            DayStatus::Holiday { name: name.clone() }
        } else if self.workdays.contains(&d) {
            DayStatus::Workday
        } else {
            DayStatus::Ordinary {
                working: !is_weekend(d),
            }
        }
    }

    /// The dates whose status differs between this calendar and `other`, in order, over
    /// both coverages.
    pub fn changes_to(&self, other: &WorkCalendar) -> Vec<DayChange> {
        let first = self.coverage_start.min(other.coverage_start);
        let last = self.coverage_end.max(other.coverage_end);
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter_map(|date| {
                let (before, after) = (self.status(date), other.status(date));
                (before != after).then_some(DayChange {
                    date,
                    before,
                    after,
                })
            })
            .collect()
    }
}
