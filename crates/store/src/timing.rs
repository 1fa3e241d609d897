//! 报送时间与延期: a department's extended deadline and recorded receipt in a round, and the
//! submissions scored again with them.

use diesel::prelude::*;

use super::schema::{audit_log, round_departments, rounds, submissions};
use super::{
    with_conn, write_sheets, write_tx, NewAudit, SheetUpdate, Store, StoreError, StoreResult,
    SubmissionRow,
};

/// What the bureau recorded of one department in a round (all columns None: nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = round_departments, treat_none_as_null = true)]
pub struct DepartmentTimingRow {
    #[diesel(skip_update)]
    pub department_code: String,
    /// A date, `YYYY-MM-DD`.
    pub extended_deadline: Option<String>,
    /// The seq of the submission the receipt applies to.
    pub receipt_seq: Option<i32>,
    /// Microseconds, UTC.
    pub received_at: Option<i64>,
    /// `paper`, `email`, `in_person` or `other`.
    pub received_via: Option<String>,
}

/// The query of the round's departments with something recorded, in code order (a macro: the
/// archive runs it on its own transaction's connection, of either backend).
macro_rules! recorded_timings {
    ($round_id:expr) => {
        round_departments::table
            .filter(round_departments::round_id.eq($round_id))
            .filter(
                round_departments::extended_deadline
                    .is_not_null()
                    .or(round_departments::receipt_seq.is_not_null()),
            )
            .order(round_departments::department_code)
            .select(DepartmentTimingRow::as_select())
    };
}
pub(crate) use recorded_timings;

impl Store {
    /// The departments of the round with something recorded, in code order.
    pub fn department_timings(&self, round_id: i64) -> StoreResult<Vec<DepartmentTimingRow>> {
        with_conn!(self, |c| Ok(recorded_timings!(round_id).load(c)?))
    }

    /// What is recorded of one department in the round (None when it does not take part).
    pub fn department_timing(
        &self,
        round_id: i64,
        code: &str,
    ) -> StoreResult<Option<DepartmentTimingRow>> {
        with_conn!(self, |c| Ok(round_departments::table
            .filter(round_departments::round_id.eq(round_id))
            .filter(round_departments::department_code.eq(code))
            .select(DepartmentTimingRow::as_select())
            .first(c)
            .optional()?))
    }

    /// Every submission (current and earlier) of the departments named, with its package, in
    /// department and seq order: what a changed deadline or receipt scores again.
    pub fn submissions_with_packages(
        &self,
        round_id: i64,
        departments: &[String],
    ) -> StoreResult<Vec<SubmissionRow>> {
        with_conn!(self, |c| Ok(submissions::table
            .filter(submissions::round_id.eq(round_id))
            .filter(submissions::department_code.eq_any(departments))
            .order((submissions::department_code, submissions::seq))
            .select(SubmissionRow::as_select())
            .load(c)?))
    }

    /// Records `row` for its department, stores the sheets scored again with it and writes
    /// `audit`, in one transaction — provided the round is still in one of `states`.
    pub fn set_department_timing(
        &self,
        round_id: i64,
        states: &[&str],
        row: &DepartmentTimingRow,
        sheets: &[SheetUpdate],
        audit: &[NewAudit],
    ) -> StoreResult<()> {
        write_tx!(self, |c| {
            let state: Option<String> = rounds::table
                .find(round_id)
                .select(rounds::state)
                .first(c)
                .optional()?;
            match state {
                None => return Err(StoreError::Missing(format!("第 {round_id} 轮不存在"))),
                Some(s) if !states.contains(&s.as_str()) => {
                    return Err(StoreError::Conflict(format!(
                        "round {round_id} is {s}, not {}",
                        states.join(" or ")
                    )))
                }
                Some(_) => {}
            }
            let changed = diesel::update(
                round_departments::table
                    .filter(round_departments::round_id.eq(round_id))
                    .filter(round_departments::department_code.eq(&row.department_code)),
            )
            .set(row)
            .execute(c)?;
            if changed == 0 {
                return Err(StoreError::Missing(format!(
                    "department {} does not take part in round {round_id}",
                    row.department_code
                )));
            }
            write_sheets!(c, sheets);
            diesel::insert_into(audit_log::table)
                .values(audit)
                .execute(c)?;
            Ok(())
        })
    }
}
