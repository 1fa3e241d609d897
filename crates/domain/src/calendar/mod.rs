//! 工作日历: China's national working-day calendar, used to count how many *working days*
//! (工作日) a report arrived after its deadline.
//!
//! The data lives in `rubric/calendars/cn-workdays.toml` (see its header for the rule and the
//! sources). Dates are civil dates in Asia/Shanghai. Outside the file's coverage every query
//! is an error: guessing Mon–Fri there would silently misscore 调休 and holidays.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};
use serde::Deserialize;

mod arrangement;
mod notice;
#[cfg(test)]
mod tests;

pub use arrangement::{Arrangement, DayChange, DayStatus};
pub use notice::{identify_notice, read_notice, NoticeHead, NoticeKind};

/// The calendar file shipped with the rubric, compiled into the binary.
const EMBEDDED_TOML: &str = include_str!("../../../../rubric/calendars/cn-workdays.toml");
const EMBEDDED_ORIGIN: &str = "rubric/calendars/cn-workdays.toml (embedded)";

/// The only `format_version` this code understands.
const FORMAT_VERSION: i64 = 1;

/// China Standard Time. Asia/Shanghai has been a fixed UTC+8 without daylight saving since
/// 1991, so a fixed offset is exact for every date the calendar can cover (no chrono-tz).
const SHANGHAI: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    // Evaluated at compile time: this arm can only ever be a build error, never a runtime panic.
    None => panic!("UTC+8 is a valid fixed offset"),
};

/// 工作日历: China's national working-day calendar (holidays and 调休 working days).
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    coverage_start: NaiveDate,
    coverage_end: NaiveDate,
    /// From this date on the status may still change (the next year's notice can move
    /// late-December days, as the 2019 notice did for 2018-12-29..31).
    provisional_from: Option<NaiveDate>,
    /// 法定节假日 days off, with the notice's heading as name (e.g. "春节").
    holidays: HashMap<NaiveDate, String>,
    /// 调休上班: Saturdays/Sundays that are working days.
    workdays: HashSet<NaiveDate>,
    /// SHA-256 (hex) of the source text: what a stored sheet was scored with.
    content_hash: String,
}

/// Why a calendar could not be loaded or could not answer.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The file could not be parsed or breaks a rule; `origin` names the file, `message` says
    /// where (year table, entry, date) and what.
    #[error("calendar {origin}: {message}")]
    Invalid { origin: String, message: String },
    /// The date (or a roll-forward from it) lies outside the calendar's coverage.
    #[error("date {date} is outside the working-day calendar's coverage ({start} to {end})")]
    OutOfCoverage {
        date: NaiveDate,
        start: NaiveDate,
        end: NaiveDate,
    },
    /// The calendar file could not be read.
    #[error("cannot read calendar file {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// How late a report was, in working days, with every date the computation used (so a
/// deduction can explain itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lateness {
    /// Deadline as set by the round.
    pub deadline: NaiveDate,
    /// The deadline rolled forward to the next working day if it is a day off
    /// (民法典 第二百零三条: a period ending on a 法定休假日 ends on the day after it).
    pub effective_deadline: NaiveDate,
    /// Asia/Shanghai date the report was received.
    pub received: NaiveDate,
    /// `received`, rolled forward to the next working day if received on a day off.
    pub counted_as: NaiveDate,
    /// Number of working days d with `effective_deadline < d <= counted_as` (0 if on time).
    pub working_days_late: u32,
    /// Those working days, in order (empty if on time).
    pub late_days: Vec<NaiveDate>,
}

impl WorkCalendar {
    /// Parses and validates a calendar in the `cn-workdays.toml` format. `origin` names the
    /// source in error messages (a path, or a description for embedded text).
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Self, CalendarError> {
        let mut calendar = parse(src).map_err(|message| CalendarError::Invalid {
            origin: origin.to_owned(),
            message,
        })?;
        calendar.content_hash = crate::digest::sha256_hex(src.as_bytes());
        Ok(calendar)
    }

    /// SHA-256 (hex) of the text the calendar was read from.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }

    /// Reads and validates a calendar file.
    pub fn load(path: &Path) -> Result<Self, CalendarError> {
        let src = std::fs::read_to_string(path).map_err(|source| CalendarError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&src, &path.display().to_string())
    }

    /// The calendar compiled into the binary (`rubric/calendars/cn-workdays.toml`), parsed
    /// once.
    pub fn embedded() -> &'static WorkCalendar {
        static EMBEDDED: OnceLock<WorkCalendar> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            // Cannot fail in practice: the unit test `embedded_calendar_parses` parses exactly
            // these bytes, so a broken file fails the build's tests, not a user's run.
            #[allow(clippy::expect_used)]
            WorkCalendar::from_toml_str(EMBEDDED_TOML, EMBEDDED_ORIGIN)
                .expect("embedded rubric/calendars/cn-workdays.toml must be a valid calendar")
        })
    }

    /// First and last date (inclusive) the calendar answers for.
    pub fn coverage(&self) -> (NaiveDate, NaiveDate) {
        (self.coverage_start, self.coverage_end)
    }

    /// Whether `d` is a 工作日: a 调休 working day, or Mon–Fri and not a holiday.
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.check_covered(d)?;
        Ok(self.works(d))
    }

    /// The holiday's name (e.g. "劳动节") if `d` is a listed day off. Ordinary weekends that
    /// merely join a holiday block are not listed and give `None`.
    pub fn holiday_name(&self, d: NaiveDate) -> Option<&str> {
        self.holidays.get(&d).map(String::as_str)
    }

    /// Whether `d` is covered but may still change with the next year's notice. Dates outside
    /// the coverage are not provisional but unknown (`is_working_day` refuses them).
    pub fn is_provisional(&self, d: NaiveDate) -> bool {
        self.provisional_from
            .is_some_and(|from| from <= d && d <= self.coverage_end)
    }

    /// First working day on or after `d`. Errors if `d` is outside the coverage or the
    /// roll-forward would leave it.
    pub fn next_working_day_on_or_after(&self, d: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.check_covered(d)?;
        d.iter_days()
            .take_while(|day| *day <= self.coverage_end)
            .find(|day| self.works(*day))
            .ok_or_else(|| CalendarError::OutOfCoverage {
                // The first date the roll-forward would have needed.
                date: self.coverage_end.succ_opt().unwrap_or(self.coverage_end),
                start: self.coverage_start,
                end: self.coverage_end,
            })
    }

    /// The `n`-th working day after `d` (`d` itself when `n` is 0): e.g. the last day of an
    /// appeal window of `n` working days opened on `d`.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.check_covered(d)?;
        let mut day = d;
        for _ in 0..n {
            day = self.next_working_day_on_or_after(day.succ_opt().unwrap_or(day))?;
        }
        Ok(day)
    }

    /// Working days late for a report due on `deadline` and received on `received` (both
    /// Asia/Shanghai dates). Received before the deadline is simply 0 late.
    pub fn lateness(
        &self,
        deadline: NaiveDate,
        received: NaiveDate,
    ) -> Result<Lateness, CalendarError> {
        let effective_deadline = self.next_working_day_on_or_after(deadline)?;
        let counted_as = self.next_working_day_on_or_after(received)?;
        // Both ends are inside the coverage, so every day between them is too.
        let late_days: Vec<NaiveDate> = effective_deadline
            .iter_days()
            .skip(1)
            .take_while(|day| *day <= counted_as)
            .filter(|day| self.works(*day))
            .collect();
        // chrono's whole date range is under 2^28 days, so the count always fits.
        let working_days_late = u32::try_from(late_days.len()).unwrap_or(u32::MAX);
        Ok(Lateness {
            deadline,
            effective_deadline,
            received,
            counted_as,
            working_days_late,
            late_days,
        })
    }

    fn check_covered(&self, d: NaiveDate) -> Result<(), CalendarError> {
        if self.coverage_start <= d && d <= self.coverage_end {
            Ok(())
        } else {
            Err(CalendarError::OutOfCoverage {
                date: d,
                start: self.coverage_start,
                end: self.coverage_end,
            })
        }
    }

    /// The file's rule, for a date already known to be covered.
    fn works(&self, d: NaiveDate) -> bool {
        self.workdays.contains(&d) || (!is_weekend(d) && !self.holidays.contains_key(&d))
    }
}

/// Asia/Shanghai civil date of an instant.
pub fn shanghai_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&SHANGHAI).date_naive()
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn weekday_name(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

// Raw file shapes. Unknown keys are refused so a typo such as `workday =` cannot silently
// drop a year's 调休 days.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    format_version: i64,
    coverage_start: String,
    coverage_end: String,
    #[serde(default)]
    provisional_from: Option<String>,
    #[serde(default)]
    checked: Option<String>,
    timezone: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    // Provenance only; kept in the file for reviewers.
    #[serde(default)]
    #[allow(dead_code)]
    notices: Vec<String>,
    holidays: Vec<toml::Value>,
    workdays: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    date: String,
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

/// A toml/serde error as one message without its trailing newline.
fn tidy(e: &toml::de::Error) -> String {
    e.to_string().trim_end().to_owned()
}

/// Strict `YYYY-MM-DD` (chrono alone would also accept e.g. `2025-5-1`). A TOML date literal
/// (`2025-05-01` unquoted) arrives here as the same text and is accepted too.
fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == s)
}

fn parse_date_at(s: &str, place: &str) -> Result<NaiveDate, String> {
    parse_date(s).ok_or_else(|| format!("{place}: {s:?} is not a valid YYYY-MM-DD date"))
}

/// Parses and validates; the error is the message for `CalendarError::Invalid`.
fn parse(src: &str) -> Result<WorkCalendar, String> {
    let mut root: toml::Table = toml::from_str(src).map_err(|e| tidy(&e))?;

    let meta: RawMeta = root
        .remove("meta")
        .ok_or("missing [meta] table")?
        .try_into()
        .map_err(|e| format!("[meta]: {}", tidy(&e)))?;
    if meta.format_version != FORMAT_VERSION {
        return Err(format!(
            "[meta]: unsupported format_version {} (expected {FORMAT_VERSION})",
            meta.format_version
        ));
    }
    if meta.timezone != "Asia/Shanghai" {
        return Err(format!(
            "[meta]: timezone {:?} is not supported (dates must be Asia/Shanghai)",
            meta.timezone
        ));
    }
    let start = parse_date_at(&meta.coverage_start, "[meta] coverage_start")?;
    let end = parse_date_at(&meta.coverage_end, "[meta] coverage_end")?;
    if start > end {
        return Err(format!(
            "[meta]: coverage_start {start} is after coverage_end {end}"
        ));
    }
    let provisional_from = match &meta.provisional_from {
        None => None,
        Some(s) => {
            let d = parse_date_at(s, "[meta] provisional_from")?;
            if d < start || d > end {
                return Err(format!(
                    "[meta]: provisional_from {d} is outside the coverage ({start} to {end})"
                ));
            }
            Some(d)
        }
    };
    if let Some(s) = &meta.checked {
        parse_date_at(s, "[meta] checked")?;
    }

    let mut cal = WorkCalendar {
        coverage_start: start,
        coverage_end: end,
        provisional_from,
        holidays: HashMap::new(),
        workdays: HashSet::new(),
        content_hash: String::new(),
    };
    let mut seen_years = HashSet::new();
    for (key, value) in root {
        let year = parse_year_key(&key)?;
        if year < start.year() || year > end.year() {
            return Err(format!(
                "[{key}]: year table is outside the coverage ({start} to {end})"
            ));
        }
        let raw: RawYear = value
            .try_into()
            .map_err(|e| format!("[{key}]: {}", tidy(&e)))?;
        add_year(&mut cal, year, raw)?;
        seen_years.insert(year);
    }
    // A covered year without a table would silently fall back to Mon–Fri: refuse it.
    if let Some(missing) = (start.year()..=end.year()).find(|y| !seen_years.contains(y)) {
        return Err(format!(
            "missing year table [{missing}] inside the coverage ({start} to {end})"
        ));
    }
    Ok(cal)
}

fn parse_year_key(key: &str) -> Result<i32, String> {
    if key.len() == 4 && key.bytes().all(|b| b.is_ascii_digit()) {
        key.parse()
            .map_err(|_| format!("[{key}]: not a year table"))
    } else {
        Err(format!(
            "[{key}]: unexpected table (expected [meta] or a calendar year like [2025])"
        ))
    }
}

/// Checks that `d` may be listed in the `[year]` table.
fn check_in_table(cal: &WorkCalendar, year: i32, d: NaiveDate, list: &str) -> Result<(), String> {
    if d.year() != year {
        return Err(format!(
            "[{year}] {list}: {d} is not in calendar year {year} (list it under [{}])",
            d.year()
        ));
    }
    if d < cal.coverage_start || d > cal.coverage_end {
        return Err(format!(
            "[{year}] {list}: {d} is outside the coverage ({} to {})",
            cal.coverage_start, cal.coverage_end
        ));
    }
    Ok(())
}

fn add_year(cal: &mut WorkCalendar, year: i32, raw: RawYear) -> Result<(), String> {
    for (i, value) in raw.holidays.into_iter().enumerate() {
        let place = format!("[{year}] holidays[{i}]");
        let h: RawHoliday = value
            .try_into()
            .map_err(|e| format!("{place}: {}", tidy(&e)))?;
        let d = parse_date_at(&h.date, &place)?;
        check_in_table(cal, year, d, "holidays")?;
        if h.name.trim().is_empty() {
            return Err(format!("[{year}] holidays: {d} has an empty name"));
        }
        if cal.holidays.insert(d, h.name).is_some() {
            return Err(format!("[{year}] holidays: duplicate date {d}"));
        }
    }
    for (i, value) in raw.workdays.into_iter().enumerate() {
        let place = format!("[{year}] workdays[{i}]");
        let s: String = value
            .try_into()
            .map_err(|e| format!("{place}: {}", tidy(&e)))?;
        let d = parse_date_at(&s, &place)?;
        check_in_table(cal, year, d, "workdays")?;
        if !is_weekend(d) {
            return Err(format!(
                "[{year}] workdays: {d} is a {}; 调休 working days must be Saturdays or Sundays",
                weekday_name(d)
            ));
        }
        if let Some(name) = cal.holidays.get(&d) {
            return Err(format!(
                "[{year}] workdays: {d} is also listed as a holiday ({name})"
            ));
        }
        if !cal.workdays.insert(d) {
            return Err(format!("[{year}] workdays: duplicate date {d}"));
        }
    }
    Ok(())
}
