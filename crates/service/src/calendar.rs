//! 工作日历 at run time: the built-in calendar with the years a bureau added (or corrected)
//! from the State Council's notices, stored as revisions in the database and so shared by every
//! instance. A round is scored with the revision it is pinned to; a change re-pins, and scores
//! again, the open and closed rounds whose dates it touches — in the transaction that stores it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use kaoping_domain::calendar::{
    identify_notice, read_notice, shanghai_date, Arrangement, CalendarError, DayChange,
    WorkCalendar,
};
use kaoping_domain::review::AuditAction;

use kaoping_store::{
    from_micros, micros, CalendarChangeRow, NewCalendarChange, RoundDates, SheetUpdate,
    CALENDAR_REMOVE, CALENDAR_SET,
};

use super::audit::{entry, AuditBuild};
use super::rounds::non_empty;
use super::text::{check, Kind};
use super::{Caller, Role, Service, ServiceError, ServiceResult};

/// Coverage left below which `/metrics` and the calendar view warn.
pub const COVERAGE_WARNING_DAYS: i64 = 60;

/// Calendars by revision, built once each.
#[derive(Default)]
pub(crate) struct CalendarCache(RwLock<HashMap<i64, Arc<WorkCalendar>>>);

/// How an arrangement is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArrangementFormat {
    /// The notice's text (国务院办公厅关于…年部分节假日安排的通知), or a revision notice.
    Notice,
    /// The data file: `year = …`, `holidays = [{ date, name }]`, `workdays = [...]`.
    Toml,
}

/// A year's arrangement to add or correct.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarImportIn {
    /// The notice's text or the data file.
    #[schema(max_length = 100000)]
    pub text: String,
    /// Told from the text when absent (a data file starts with `year =`).
    #[serde(default)]
    pub format: Option<ArrangementFormat>,
    /// Why (e.g. the notice's 文号); kept with the revision.
    #[schema(max_length = 1000)]
    pub reason: String,
    /// Only show what would change.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a calendar change did (or would do).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarChangeOut {
    /// The new revision; none for a dry run.
    pub revision: Option<i64>,
    pub year: i32,
    pub applied: bool,
    /// Every date whose status changes.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<DayChange>,
    /// Open and closed rounds whose dates it touches: re-pinned and scored again.
    pub rounds: Vec<RoundRescored>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundRescored {
    pub round: i64,
    /// Current submissions scored again.
    pub submissions: usize,
}

/// The calendar as this database has it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarView {
    /// 0 while only the built-in calendar is used.
    pub revision: i64,
    #[schema(value_type = String)]
    pub coverage_start: NaiveDate,
    #[schema(value_type = String)]
    pub coverage_end: NaiveDate,
    /// Days from today (Asia/Shanghai) to the end of the coverage.
    pub days_left: i64,
    /// Set when fewer than 60 days are left: what to do.
    pub warning: Option<String>,
    pub years: Vec<CalendarYear>,
}

/// One notice year as the calendar holds it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    /// `built_in`, or the revision that set it.
    pub revision: Option<i64>,
    pub holidays: Vec<Holiday>,
    #[schema(value_type = Vec<String>)]
    pub workdays: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Holiday {
    #[schema(value_type = String)]
    pub date: NaiveDate,
    pub name: String,
}

/// One stored change (the calendar's own history).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarRevision {
    pub revision: i64,
    pub year: i32,
    /// `set` or `remove`.
    pub action: String,
    pub content_hash: String,
    pub reason: String,
    pub actor: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl From<CalendarError> for ServiceError {
    fn from(e: CalendarError) -> Self {
        match e {
            CalendarError::Invalid { message, .. } => ServiceError::invalid("text", message),
            CalendarError::OutOfCoverage { date, start, end } => {
                ServiceError::invalid("calendar", out_of_coverage(date, start, end))
            }
            CalendarError::Io { path, .. } => {
                ServiceError::invalid("calendar", format!("无法读取日历文件 {}", path.display()))
            }
        }
    }
}

/// The message for a date the calendar does not cover: what to do about it.
pub fn out_of_coverage(date: NaiveDate, start: NaiveDate, end: NaiveDate) -> String {
    format!(
        "{date} 不在工作日历范围内（{start} 至 {end}）：国务院办公厅公布该年节假日安排后，\
         由管理员导入（kaoping calendar import 通知.txt，或 POST /api/v1/calendar/years）"
    )
}

/// The calendar with the changes up to `revision` applied: per year the last `set` wins, a
/// `remove` takes the year back to the built-in data; years are applied in order.
fn build(changes: &[CalendarChangeRow], revision: i64) -> Result<WorkCalendar, CalendarError> {
    let mut years: BTreeMap<i32, Option<Arrangement>> = BTreeMap::new();
    for c in changes.iter().filter(|c| c.revision <= revision) {
        let set = match c.action.as_str() {
            CALENDAR_SET => Some(Arrangement::from_toml_str(
                &c.arrangement,
                &format!("calendar revision {}", c.revision),
            )?),
            _ => None,
        };
        years.insert(c.year, set);
    }
    let mut calendar = WorkCalendar::embedded().clone();
    for arrangement in years.values().flatten() {
        calendar = calendar.with_arrangement(arrangement)?;
    }
    Ok(calendar)
}

impl Service {
    /// The calendar at `revision`.
    pub fn calendar_at(&self, revision: i64) -> ServiceResult<Arc<WorkCalendar>> {
        if let Some(c) = self
            .calendars
            .0
            .read()
            .ok()
            .and_then(|m| m.get(&revision).cloned())
        {
            return Ok(c);
        }
        let calendar = Arc::new(if revision == 0 {
            WorkCalendar::embedded().clone()
        } else {
            build(&self.store.calendar_changes()?, revision)?
        });
        if let Ok(mut m) = self.calendars.0.write() {
            m.insert(revision, calendar.clone());
        }
        Ok(calendar)
    }

    /// The latest revision and its calendar (one small query: another instance may have
    /// changed it).
    pub fn current_calendar(&self) -> ServiceResult<(i64, Arc<WorkCalendar>)> {
        let revision = self.store.calendar_revision()?;
        Ok((revision, self.calendar_at(revision)?))
    }

    /// The round's pinned calendar when it covers `date`, else the current one when that does
    /// (the round is then to be re-pinned to the revision returned); else a message saying how
    /// to add the year, for `field`.
    pub(super) fn calendar_covering(
        &self,
        pinned: i64,
        field: &str,
        date: NaiveDate,
    ) -> ServiceResult<(i64, Arc<WorkCalendar>)> {
        let covers = |c: &WorkCalendar| c.coverage().0 <= date && date <= c.coverage().1;
        let calendar = self.calendar_at(pinned)?;
        if covers(&calendar) {
            return Ok((pinned, calendar));
        }
        let (revision, current) = self.current_calendar()?;
        if covers(&current) {
            return Ok((revision, current));
        }
        let (start, end) = current.coverage();
        Err(ServiceError::invalid(
            field,
            out_of_coverage(date, start, end),
        ))
    }

    /// Days of coverage left from today (Asia/Shanghai).
    pub fn calendar_days_left(&self) -> ServiceResult<i64> {
        let (_, calendar) = self.current_calendar()?;
        Ok((calendar.coverage().1 - shanghai_date(self.now())).num_days())
    }

    /// The calendar, year by year, with its coverage and what is left of it.
    /// Any token may read it: departments plan their submission by it.
    pub fn calendar(&self, _caller: &Caller, year: Option<i32>) -> ServiceResult<CalendarView> {
        let changes = self.store.calendar_changes()?;
        let revision = changes.last().map_or(0, |c| c.revision);
        let calendar = self.calendar_at(revision)?;
        let (start, end) = calendar.coverage();
        let days_left = (end - shanghai_date(self.now())).num_days();
        let next = end.year() + 1;
        let warning = (days_left < COVERAGE_WARNING_DAYS).then(|| {
            if days_left < 0 {
                format!(
                    "工作日历已于 {end} 到期：此后的日期无法计算工作日，请立即导入国务院办公厅公布的 {next} 年节假日安排"
                )
            } else {
                format!(
                    "工作日历只覆盖到 {end}（还剩 {days_left} 天）：国务院办公厅公布 {next} 年节假日安排后请尽快导入"
                )
            }
        });
        let set_by = |y: i32| {
            changes
                .iter()
                .rev()
                .find(|c| c.year == y)
                .filter(|c| c.action == CALENDAR_SET)
                .map(|c| c.revision)
        };
        let years = (start.year()..=end.year())
            .filter(|y| year.is_none_or(|want| want == *y))
            .filter_map(|y| Arrangement::of_calendar(&calendar, y))
            .map(|a| CalendarYear {
                year: a.year,
                revision: set_by(a.year),
                holidays: a
                    .holidays
                    .into_iter()
                    .map(|(date, name)| Holiday { date, name })
                    .collect(),
                workdays: a.workdays.into_iter().collect(),
            })
            .collect();
        Ok(CalendarView {
            revision,
            coverage_start: start,
            coverage_end: end,
            days_left,
            warning,
            years,
        })
    }

    /// The calendar's history (admin).
    pub fn calendar_revisions(&self, caller: &Caller) -> ServiceResult<Vec<CalendarRevision>> {
        caller.require(&[Role::Admin])?;
        Ok(self
            .store
            .calendar_changes()?
            .into_iter()
            .map(|c| CalendarRevision {
                revision: c.revision,
                year: c.year,
                action: c.action,
                content_hash: c.content_hash,
                reason: c.reason,
                actor: c.actor,
                at: from_micros(c.at),
            })
            .collect())
    }

    /// Adds or corrects a year (admin); with `dry_run`, only says what would change.
    pub fn import_calendar(
        &self,
        caller: &Caller,
        input: CalendarImportIn,
    ) -> ServiceResult<CalendarChangeOut> {
        caller.require(&[Role::Admin])?;
        let text = input.text.replace("\r\n", "\n").replace('\r', "\n");
        check("text", &text, 100_000, Kind::Prose)?;
        check("reason", &input.reason, 1000, Kind::Prose)?;
        non_empty("reason", &input.reason)?;
        let (revision, current) = self.current_calendar()?;
        let arrangement = read_arrangement(&text, input.format, &current)?;
        let next = current.with_arrangement(&arrangement)?;
        let change = NewCalendarChange {
            year: arrangement.year,
            action: CALENDAR_SET.to_string(),
            arrangement: arrangement.to_toml(),
            content_hash: arrangement.content_hash(),
            source: text,
            reason: input.reason.trim().to_string(),
            actor: caller.actor(),
            actor_token: Some(caller.token_id),
            at: micros(self.now()),
        };
        self.change_calendar(caller, revision, &current, next, change, input.dry_run)
    }

    /// Takes a year back to the built-in data, or out of the coverage when it is beyond it
    /// (admin); refused while a round's dates lie in it.
    pub fn remove_calendar_year(
        &self,
        caller: &Caller,
        year: i32,
        reason: &str,
    ) -> ServiceResult<CalendarChangeOut> {
        caller.require(&[Role::Admin])?;
        check("reason", reason, 1000, Kind::Prose)?;
        non_empty("reason", reason)?;
        let changes = self.store.calendar_changes()?;
        let revision = changes.last().map_or(0, |c| c.revision);
        let set = changes
            .iter()
            .rev()
            .find(|c| c.year == year)
            .filter(|c| c.action == CALENDAR_SET);
        let Some(set) = set else {
            return Err(ServiceError::NotFound(format!(
                "{year} 年的节假日安排未曾导入：内置日历的年份不能删除"
            )));
        };
        let current = self.calendar_at(revision)?;
        let built_in_end = WorkCalendar::embedded().coverage().1.year();
        if year > built_in_end && year < current.coverage().1.year() {
            return Err(ServiceError::Conflict(format!(
                "{year} 年之后的年份仍在日历中：请先删除 {} 年",
                current.coverage().1.year()
            )));
        }
        let (first, last) = Arrangement::span(year)
            .ok_or_else(|| ServiceError::invalid("year", "a year between 2000 and 2100"))?;
        let using: Vec<i64> = self
            .store
            .round_dates()?
            .into_iter()
            .filter(|r| round_days(r).iter().any(|d| first <= *d && *d <= last))
            .map(|r| r.id)
            .collect();
        if !using.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "{year} 年的节假日安排正被考评轮次 {} 使用（截止日期、收到日期或申诉期在其中），不能删除",
                using.iter().map(i64::to_string).collect::<Vec<_>>().join("、")
            )));
        }
        let mut after = changes.clone();
        after.push(CalendarChangeRow {
            revision: revision + 1,
            action: CALENDAR_REMOVE.to_string(),
            ..set.clone()
        });
        let next = build(&after, revision + 1)?;
        let change = NewCalendarChange {
            year,
            action: CALENDAR_REMOVE.to_string(),
            arrangement: String::new(),
            content_hash: String::new(),
            source: String::new(),
            reason: reason.trim().to_string(),
            actor: caller.actor(),
            actor_token: Some(caller.token_id),
            at: micros(self.now()),
        };
        self.change_calendar(caller, revision, &current, next, change, false)
    }

    /// Stores `change` (from `revision`, whose calendar is `current`, to `next`), re-pinning and
    /// scoring again the open and closed rounds it touches, in one transaction.
    fn change_calendar(
        &self,
        caller: &Caller,
        revision: i64,
        current: &WorkCalendar,
        next: WorkCalendar,
        change: NewCalendarChange,
        dry_run: bool,
    ) -> ServiceResult<CalendarChangeOut> {
        let changes = current.changes_to(&next);
        let changed: Vec<NaiveDate> = changes.iter().map(|c| c.date).collect();
        let touched: Vec<RoundDates> = self
            .store
            .round_dates()?
            .into_iter()
            .filter(|r| touches(r, &changed))
            .collect();
        let year = change.year;
        if dry_run {
            return Ok(CalendarChangeOut {
                revision: None,
                year,
                applied: false,
                changes,
                rounds: touched
                    .iter()
                    .map(|r| RoundRescored {
                        round: r.id,
                        submissions: 0,
                    })
                    .collect(),
            });
        }
        let next = Arc::new(next);
        let mut sheets = Vec::new();
        let mut rounds = Vec::new();
        for r in &touched {
            let rescored = self.rescore(r.id, &next)?;
            rounds.push(RoundRescored {
                round: r.id,
                submissions: rescored.len(),
            });
            sheets.extend(rescored);
        }
        let ids: Vec<i64> = touched.iter().map(|r| r.id).collect();
        let now = change.at;
        let action = change.action.clone();
        let new_revision =
            self.store
                .append_calendar_change(revision, change, &ids, &sheets, |rev| {
                    rounds
                        .iter()
                        .map(|r| {
                            entry(caller, now, r.round, AuditAction::CalendarChanged).after(
                                &json!({
                                    "calendar_revision": rev,
                                    "year": year,
                                    "action": action,
                                    "rescored": r.submissions,
                                }),
                            )
                        })
                        .collect()
                })?;
        if let Ok(mut m) = self.calendars.0.write() {
            m.insert(new_revision, next);
        }
        Ok(CalendarChangeOut {
            revision: Some(new_revision),
            year,
            applied: true,
            changes,
            rounds,
        })
    }

    /// Every submission of the round (current and earlier) scored with `calendar` (their
    /// reviews are not part of the stored automatic sheet).
    fn rescore(&self, round_id: i64, calendar: &WorkCalendar) -> ServiceResult<Vec<SheetUpdate>> {
        let (row, _) = self
            .store
            .round(round_id)?
            .ok_or_else(|| ServiceError::NotFound(format!("第 {round_id} 轮不存在")))?;
        let rubric = self.round_rubric(round_id, &row.rubric_source)?;
        let deadline: NaiveDate = row.deadline.parse().map_err(|_| {
            ServiceError::Conflict(format!("round {round_id} has a malformed deadline"))
        })?;
        let codes = self.store.submitted_departments(round_id)?;
        let timings = self.timings(round_id)?;
        self.rescore_departments(round_id, (&rubric, calendar), deadline, &timings, &codes)
    }
}

/// Reads an arrangement in `format` (told from the text when absent).
fn read_arrangement(
    text: &str,
    format: Option<ArrangementFormat>,
    current: &WorkCalendar,
) -> ServiceResult<Arrangement> {
    // a data file's first line that is not a comment sets the year
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default();
    let format = format.unwrap_or(if first.starts_with("year") {
        ArrangementFormat::Toml
    } else {
        ArrangementFormat::Notice
    });
    Ok(match format {
        ArrangementFormat::Toml => Arrangement::from_toml_str(text, "数据文件")?,
        ArrangementFormat::Notice => {
            // a revision notice (调整/延长) amends the year as the calendar holds it now
            let head = identify_notice(text, "通知")?;
            let held = head
                .is_revision()
                .then(|| Arrangement::of_calendar(current, head.year))
                .flatten();
            read_notice(text, "通知", held.as_ref())?
        }
    })
}

/// The dates a round's scores depend on: its deadline, receipts and appeal deadline.
fn round_days(r: &RoundDates) -> Vec<NaiveDate> {
    [Some(r.deadline.as_str()), r.appeal_deadline.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|d| d.parse().ok())
        .chain(
            [r.first_received, r.last_received]
                .into_iter()
                .flatten()
                .map(|t| shanghai_date(from_micros(t))),
        )
        .collect()
}

/// Whether a change of `changed` dates can move a round's scores: an open round's from its
/// deadline on (late reports still arrive), a closed round's from its deadline to a month after
/// its last receipt (rolled forward over any holiday). Released and published rounds keep the
/// calendar they were scored with.
fn touches(r: &RoundDates, changed: &[NaiveDate]) -> bool {
    let Ok(deadline) = r.deadline.parse::<NaiveDate>() else {
        return false;
    };
    let until = match r.state.as_str() {
        "open" => NaiveDate::MAX,
        "closed" => r
            .last_received
            .map(|t| shanghai_date(from_micros(t)))
            .unwrap_or(deadline)
            .max(deadline)
            .checked_add_days(Days::new(31))
            .unwrap_or(NaiveDate::MAX),
        _ => return false,
    };
    changed.iter().any(|d| deadline <= *d && *d <= until)
}
