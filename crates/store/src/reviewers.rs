//! Reviewers, their declared conflicts of interest, and their assignments to submissions.

use diesel::prelude::*;

use super::schema::{assignments, judgments, review_items, reviewer_conflicts, reviewers};
use super::{lock_department, with_conn, write_tx, NewAudit, Store, StoreError, StoreResult};

/// 评审人员
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = reviewers)]
pub struct ReviewerRow {
    pub id: i64,
    pub name: String,
    /// The department the reviewer belongs to.
    pub department_code: Option<String>,
    /// A lead reviewer (评审组长) reconciles judgments and decides appeals.
    pub lead: bool,
    pub created_at: i64,
}

/// 回避: a department a reviewer must not review.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reviewer_conflicts)]
pub struct ConflictRow {
    pub reviewer_id: i64,
    pub department_code: String,
    pub reason: String,
    pub declared_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = assignments)]
pub struct AssignmentRow {
    pub round_id: i64,
    pub department_code: String,
    pub reviewer_id: i64,
    pub assigned_at: i64,
}

/// Refuses (ConflictOfInterest) a reviewer who belongs to the department or declared a conflict
/// with it; checked inside the assigning transaction.
macro_rules! refuse_conflict {
    ($c:expr, $reviewer_id:expr, $department:expr) => {{
        let reviewer: Option<ReviewerRow> = reviewers::table
            .find($reviewer_id)
            .select(ReviewerRow::as_select())
            .first($c)
            .optional()?;
        let Some(reviewer) = reviewer else {
            return Err(StoreError::Missing(format!(
                "reviewer {} does not exist",
                $reviewer_id
            )));
        };
        if reviewer.department_code.as_deref() == Some($department) {
            return Err(StoreError::ConflictOfInterest(format!(
                "reviewer {} ({}) belongs to department {}",
                reviewer.id, reviewer.name, $department
            )));
        }
        let declared: Option<String> = reviewer_conflicts::table
            .filter(reviewer_conflicts::reviewer_id.eq($reviewer_id))
            .filter(reviewer_conflicts::department_code.eq($department))
            .select(reviewer_conflicts::reason)
            .first($c)
            .optional()?;
        if let Some(reason) = declared {
            return Err(StoreError::ConflictOfInterest(format!(
                "reviewer {} ({}) declared a conflict of interest with department {}: {reason}",
                reviewer.id, reviewer.name, $department
            )));
        }
    }};
}

/// Deletes a reviewer's judgments of one submission and bumps the items' versions; returns the
/// deleted rows (for the audit log).
macro_rules! drop_judgments {
    ($c:expr, $round:expr, $department:expr, $reviewer_id:expr) => {{
        let gone: Vec<super::JudgmentRow> = judgments::table
            .filter(judgments::round_id.eq($round))
            .filter(judgments::department_code.eq($department))
            .filter(judgments::reviewer_id.eq($reviewer_id))
            .select(super::JudgmentRow::as_select())
            .load($c)?;
        diesel::delete(
            judgments::table
                .filter(judgments::round_id.eq($round))
                .filter(judgments::department_code.eq($department))
                .filter(judgments::reviewer_id.eq($reviewer_id)),
        )
        .execute($c)?;
        for j in &gone {
            diesel::update(
                review_items::table
                    .filter(review_items::round_id.eq($round))
                    .filter(review_items::department_code.eq($department))
                    .filter(review_items::item.eq(&j.item)),
            )
            .set(review_items::version.eq(review_items::version + 1))
            .execute($c)?;
        }
        gone
    }};
}

impl Store {
    pub fn create_reviewer(
        &self,
        name: &str,
        department: Option<&str>,
        lead: bool,
        now: i64,
    ) -> StoreResult<ReviewerRow> {
        write_tx!(self, |c| {
            let id: i64 = diesel::insert_into(reviewers::table)
                .values((
                    reviewers::name.eq(name),
                    reviewers::department_code.eq(department),
                    reviewers::lead.eq(lead),
                    reviewers::created_at.eq(now),
                ))
                .returning(reviewers::id)
                .get_result(c)?;
            Ok(reviewers::table
                .find(id)
                .select(ReviewerRow::as_select())
                .first(c)?)
        })
    }

    pub fn reviewers(&self) -> StoreResult<Vec<ReviewerRow>> {
        with_conn!(self, |c| Ok(reviewers::table
            .order(reviewers::id)
            .select(ReviewerRow::as_select())
            .load(c)?))
    }

    pub fn reviewer(&self, id: i64) -> StoreResult<Option<ReviewerRow>> {
        with_conn!(self, |c| Ok(reviewers::table
            .find(id)
            .select(ReviewerRow::as_select())
            .first(c)
            .optional()?))
    }

    pub fn set_reviewer_lead(&self, id: i64, lead: bool) -> StoreResult<ReviewerRow> {
        write_tx!(self, |c| {
            let n = diesel::update(reviewers::table.find(id))
                .set(reviewers::lead.eq(lead))
                .execute(c)?;
            if n == 0 {
                return Err(StoreError::Missing(format!("reviewer {id} does not exist")));
            }
            Ok(reviewers::table
                .find(id)
                .select(ReviewerRow::as_select())
                .first(c)?)
        })
    }

    /// Every declared conflict, by reviewer.
    pub fn conflicts(&self) -> StoreResult<Vec<ConflictRow>> {
        with_conn!(self, |c| Ok(reviewer_conflicts::table
            .order((
                reviewer_conflicts::reviewer_id,
                reviewer_conflicts::department_code
            ))
            .select(ConflictRow::as_select())
            .load(c)?))
    }

    /// Records a conflict of interest and withdraws the reviewer from that department's
    /// submissions in rounds not yet released, with their judgments there. `audit` describes each
    /// withdrawal (round, and the judgments removed).
    pub fn declare_conflict(
        &self,
        row: ConflictRow,
        audit: impl Fn(&AssignmentRow, &[super::JudgmentRow]) -> Vec<NewAudit>,
    ) -> StoreResult<Vec<AssignmentRow>> {
        use super::schema::rounds;
        write_tx!(self, |c| {
            diesel::insert_into(reviewer_conflicts::table)
                .values(&row)
                .on_conflict((
                    reviewer_conflicts::reviewer_id,
                    reviewer_conflicts::department_code,
                ))
                .do_update()
                .set((
                    reviewer_conflicts::reason.eq(&row.reason),
                    reviewer_conflicts::declared_at.eq(row.declared_at),
                ))
                .execute(c)?;
            let withdrawn: Vec<AssignmentRow> = assignments::table
                .inner_join(rounds::table)
                .filter(assignments::reviewer_id.eq(row.reviewer_id))
                .filter(assignments::department_code.eq(&row.department_code))
                .filter(rounds::state.eq_any(["open", "closed"]))
                .select(AssignmentRow::as_select())
                .load(c)?;
            for a in &withdrawn {
                let gone = drop_judgments!(c, a.round_id, &a.department_code, a.reviewer_id);
                diesel::delete(
                    assignments::table
                        .filter(assignments::round_id.eq(a.round_id))
                        .filter(assignments::department_code.eq(&a.department_code))
                        .filter(assignments::reviewer_id.eq(a.reviewer_id)),
                )
                .execute(c)?;
                diesel::insert_into(super::schema::audit_log::table)
                    .values(&audit(a, &gone))
                    .execute(c)?;
            }
            Ok(withdrawn)
        })
    }

    /// Assigns reviewers; refuses the whole batch on a conflict of interest or a repeat.
    pub fn add_assignments(&self, rows: &[AssignmentRow], audit: &[NewAudit]) -> StoreResult<()> {
        write_tx!(self, |c| {
            for a in rows {
                refuse_conflict!(c, a.reviewer_id, a.department_code.as_str());
                let n = diesel::insert_into(assignments::table)
                    .values(a)
                    .on_conflict_do_nothing()
                    .execute(c)?;
                if n == 0 {
                    return Err(StoreError::Conflict(format!(
                        "reviewer {} is already assigned to department {} in round {}",
                        a.reviewer_id, a.department_code, a.round_id
                    )));
                }
            }
            diesel::insert_into(super::schema::audit_log::table)
                .values(audit)
                .execute(c)?;
            Ok(())
        })
    }

    /// Withdraws a reviewer from a submission with their judgments of it.
    pub fn remove_assignment(
        &self,
        round_id: i64,
        department: &str,
        reviewer_id: i64,
        audit: impl Fn(&[super::JudgmentRow]) -> Vec<NewAudit>,
    ) -> StoreResult<()> {
        let postgres = self.backend() == super::Backend::Postgres;
        write_tx!(self, |c| {
            lock_department!(c, postgres, round_id, department);
            let n = diesel::delete(
                assignments::table
                    .filter(assignments::round_id.eq(round_id))
                    .filter(assignments::department_code.eq(department))
                    .filter(assignments::reviewer_id.eq(reviewer_id)),
            )
            .execute(c)?;
            if n == 0 {
                return Err(StoreError::Missing(format!(
                    "reviewer {reviewer_id} is not assigned to department {department} in round {round_id}"
                )));
            }
            let gone = drop_judgments!(c, round_id, department, reviewer_id);
            diesel::insert_into(super::schema::audit_log::table)
                .values(&audit(&gone))
                .execute(c)?;
            Ok(())
        })
    }

    /// The round's assignments (all, or one reviewer's), with the reviewers' names.
    pub fn assignments(
        &self,
        round_id: i64,
        reviewer: Option<i64>,
    ) -> StoreResult<Vec<(AssignmentRow, String)>> {
        with_conn!(self, |c| {
            let mut q = assignments::table
                .inner_join(reviewers::table)
                .filter(assignments::round_id.eq(round_id))
                .into_boxed();
            if let Some(id) = reviewer {
                q = q.filter(assignments::reviewer_id.eq(id));
            }
            Ok(
                q.order((assignments::department_code, assignments::reviewer_id))
                    .select((AssignmentRow::as_select(), reviewers::name))
                    .load(c)?,
            )
        })
    }

    /// A reviewer's assignments in every round.
    pub fn reviewer_assignments(&self, reviewer_id: i64) -> StoreResult<Vec<AssignmentRow>> {
        with_conn!(self, |c| Ok(assignments::table
            .filter(assignments::reviewer_id.eq(reviewer_id))
            .order((assignments::round_id, assignments::department_code))
            .select(AssignmentRow::as_select())
            .load(c)?))
    }
}
