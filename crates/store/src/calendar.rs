//! 工作日历 changes (years of the State Council's arrangement added at run time) and 考评细则
//! versions (rubric files uploaded at run time). Both tables only grow.

use diesel::prelude::*;

use super::schema::{audit_log, calendar_changes, rounds, rubric_versions, submissions};
use super::{with_conn, write_sheets, write_tx, NewAudit, Store, StoreError, StoreResult};

/// `calendar_changes.action`: the arrangement replaces the year's.
pub const CALENDAR_SET: &str = "set";
/// `calendar_changes.action`: the year goes back to the built-in data.
pub const CALENDAR_REMOVE: &str = "remove";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = calendar_changes)]
pub struct CalendarChangeRow {
    pub revision: i64,
    pub year: i32,
    /// [`CALENDAR_SET`] or [`CALENDAR_REMOVE`].
    pub action: String,
    pub arrangement: String,
    pub content_hash: String,
    pub source: String,
    pub reason: String,
    pub actor: String,
    pub actor_token: Option<i64>,
    pub at: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = calendar_changes)]
pub struct NewCalendarChange {
    pub year: i32,
    pub action: String,
    pub arrangement: String,
    pub content_hash: String,
    pub source: String,
    pub reason: String,
    pub actor: String,
    pub actor_token: Option<i64>,
    pub at: i64,
}

/// The dates a round's scores depend on, for telling which rounds a calendar change touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundDates {
    pub id: i64,
    pub state: String,
    pub deadline: String,
    pub appeal_deadline: Option<String>,
    pub calendar_revision: i64,
    /// Receipt times (microseconds, UTC) of its earliest and latest submission.
    pub first_received: Option<i64>,
    pub last_received: Option<i64>,
}

/// A submission's automatic sheet scored again (with a changed calendar, deadline or receipt).
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = submissions)]
pub struct SheetUpdate {
    #[diesel(skip_update)]
    pub id: i64,
    pub score_sheet: String,
    pub total_scaled: i64,
    pub complete: bool,
    pub scored_with: String,
    pub late: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = rubric_versions)]
pub struct RubricVersionRow {
    pub content_hash: String,
    pub rubric_id: String,
    pub title: String,
    pub source: String,
    pub uploaded_at: i64,
    pub actor: String,
}

impl Store {
    /// Every calendar change, oldest first.
    pub fn calendar_changes(&self) -> StoreResult<Vec<CalendarChangeRow>> {
        with_conn!(self, |c| Ok(calendar_changes::table
            .order(calendar_changes::revision.asc())
            .select(CalendarChangeRow::as_select())
            .load(c)?))
    }

    /// The latest calendar revision (0 when the built-in calendar was never changed).
    pub fn calendar_revision(&self) -> StoreResult<i64> {
        with_conn!(self, |c| Ok(calendar_changes::table
            .select(diesel::dsl::max(calendar_changes::revision))
            .first::<Option<i64>>(c)?
            .unwrap_or(0)))
    }

    /// Every round with the dates its scores depend on.
    pub fn round_dates(&self) -> StoreResult<Vec<RoundDates>> {
        with_conn!(self, |c| {
            let spans: Vec<(i64, Option<i64>, Option<i64>)> = submissions::table
                .group_by(submissions::round_id)
                .select((
                    submissions::round_id,
                    diesel::dsl::min(submissions::submitted_at),
                    diesel::dsl::max(submissions::submitted_at),
                ))
                .load(c)?;
            let rows: Vec<(i64, String, String, Option<String>, i64)> = rounds::table
                .order(rounds::id.asc())
                .select((
                    rounds::id,
                    rounds::state,
                    rounds::deadline,
                    rounds::appeal_deadline,
                    rounds::calendar_revision,
                ))
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, state, deadline, appeal_deadline, calendar_revision)| {
                        let span = spans.iter().find(|s| s.0 == id);
                        RoundDates {
                            id,
                            state,
                            deadline,
                            appeal_deadline,
                            calendar_revision,
                            first_received: span.and_then(|s| s.1),
                            last_received: span.and_then(|s| s.2),
                        }
                    },
                )
                .collect())
        })
    }

    /// Appends a calendar change, pins `repin` to it, stores the sheets scored again with it
    /// and writes `audit` (given the new revision), in one transaction — provided the latest revision is still `expected`, so
    /// that two instances changing the calendar at once cannot both build on the same one.
    pub fn append_calendar_change(
        &self,
        expected: i64,
        change: NewCalendarChange,
        repin: &[i64],
        sheets: &[SheetUpdate],
        audit: impl Fn(i64) -> Vec<NewAudit>,
    ) -> StoreResult<i64> {
        let postgres = self.backend() == super::Backend::Postgres;
        write_tx!(self, |c| {
            if postgres {
                // One calendar writer at a time across instances (SQLite's BEGIN IMMEDIATE
                // already serialises every writer).
                diesel::sql_query("SELECT pg_advisory_xact_lock(7305, 1)").execute(c)?;
            }
            let latest = calendar_changes::table
                .select(diesel::dsl::max(calendar_changes::revision))
                .first::<Option<i64>>(c)?
                .unwrap_or(0);
            if latest != expected {
                return Err(StoreError::Conflict(format!(
                    "the calendar changed meanwhile (revision {latest}, not {expected})"
                )));
            }
            let revision: i64 = diesel::insert_into(calendar_changes::table)
                .values(&change)
                .returning(calendar_changes::revision)
                .get_result(c)?;
            diesel::update(rounds::table.filter(rounds::id.eq_any(repin)))
                .set(rounds::calendar_revision.eq(revision))
                .execute(c)?;
            write_sheets!(c, sheets);
            diesel::insert_into(audit_log::table)
                .values(&audit(revision))
                .execute(c)?;
            Ok(revision)
        })
    }

    /// Stores a rubric version; false when that content was stored already.
    pub fn add_rubric_version(&self, row: &RubricVersionRow) -> StoreResult<bool> {
        write_tx!(self, |c| Ok(diesel::insert_into(rubric_versions::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?
            == 1))
    }

    /// Every stored rubric version, oldest first.
    pub fn rubric_versions(&self) -> StoreResult<Vec<RubricVersionRow>> {
        with_conn!(self, |c| Ok(rubric_versions::table
            .order((
                rubric_versions::uploaded_at.asc(),
                rubric_versions::content_hash.asc()
            ))
            .select(RubricVersionRow::as_select())
            .load(c)?))
    }
}
