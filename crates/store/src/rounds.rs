use diesel::prelude::*;

use super::schema::{departments, round_departments, rounds};
use super::{with_conn, write_sheets, write_tx, Store, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub deadline: String,
    pub rubric_id: String,
    /// The rubric's TOML as it was when the round opened: the round is pinned to it.
    pub rubric_source: String,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Reviewers each submission gets when assigned automatically.
    pub reviewers_per_submission: i32,
    /// Working days after release during which departments may appeal.
    pub appeal_days: i32,
    pub released_at: Option<i64>,
    /// The last day (Asia/Shanghai) to appeal, set at release.
    pub appeal_deadline: Option<String>,
    /// Published rankings and exports may be read without a token.
    pub public_results: bool,
    /// The calendar revision (`calendar_changes`) the round is scored with; 0 is the built-in
    /// calendar alone.
    pub calendar_revision: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = rounds)]
pub struct NewRound {
    pub year: i32,
    pub title: String,
    pub deadline: String,
    pub rubric_id: String,
    pub rubric_source: String,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub reviewers_per_submission: i32,
    pub appeal_days: i32,
    pub calendar_revision: i64,
}

impl Store {
    /// Creates a round with its departments; every department must exist.
    pub fn create_round(
        &self,
        new: NewRound,
        codes: &[String],
        audit: impl Fn(&RoundRow) -> Vec<super::NewAudit>,
    ) -> StoreResult<(RoundRow, Vec<String>)> {
        write_tx!(self, |c| {
            let known: Vec<String> = departments::table
                .filter(departments::code.eq_any(codes))
                .select(departments::code)
                .load(c)?;
            if let Some(missing) = codes.iter().find(|code| !known.contains(code)) {
                return Err(StoreError::Missing(format!("部门 {missing} 不存在")));
            }
            let id: i64 = diesel::insert_into(rounds::table)
                .values(&new)
                .returning(rounds::id)
                .get_result(c)?;
            let links: Vec<_> = codes
                .iter()
                .map(|code| {
                    (
                        round_departments::round_id.eq(id),
                        round_departments::department_code.eq(code),
                    )
                })
                .collect();
            diesel::insert_into(round_departments::table)
                .values(&links)
                .execute(c)?;
            let row = rounds::table
                .find(id)
                .select(RoundRow::as_select())
                .first(c)?;
            diesel::insert_into(super::schema::audit_log::table)
                .values(&audit(&row))
                .execute(c)?;
            Ok((row, codes.to_vec()))
        })
    }

    pub fn rounds(&self) -> StoreResult<Vec<RoundRow>> {
        with_conn!(self, |c| Ok(rounds::table
            .order(rounds::id.desc())
            .select(RoundRow::as_select())
            .load(c)?))
    }

    /// A round with the codes of its departments.
    pub fn round(&self, id: i64) -> StoreResult<Option<(RoundRow, Vec<String>)>> {
        with_conn!(self, |c| {
            let Some(row) = rounds::table
                .find(id)
                .select(RoundRow::as_select())
                .first(c)
                .optional()?
            else {
                return Ok(None);
            };
            let codes = round_departments::table
                .filter(round_departments::round_id.eq(id))
                .order(round_departments::department_code)
                .select(round_departments::department_code)
                .load(c)?;
            Ok(Some((row, codes)))
        })
    }

    /// The round, and whether `department` takes part in it: what a submission needs, without
    /// reading the whole list of a large round's departments.
    pub fn round_for_department(
        &self,
        id: i64,
        department: &str,
    ) -> StoreResult<Option<(RoundRow, bool)>> {
        with_conn!(self, |c| {
            let Some(row) = rounds::table
                .find(id)
                .select(RoundRow::as_select())
                .first(c)
                .optional()?
            else {
                return Ok(None);
            };
            let takes_part = diesel::select(diesel::dsl::exists(
                round_departments::table
                    .filter(round_departments::round_id.eq(id))
                    .filter(round_departments::department_code.eq(department)),
            ))
            .get_result(c)?;
            Ok(Some((row, takes_part)))
        })
    }

    /// Moves a round from one state to the next; Conflict when it is not in `from`.
    pub fn set_round_state(
        &self,
        id: i64,
        from: &str,
        to: &str,
        now: i64,
    ) -> StoreResult<RoundRow> {
        let change = RoundChange {
            state: Some(to.to_string()),
            updated_at: Some(now),
            ..RoundChange::default()
        };
        self.transition_round(id, &[from], change, |_| Vec::new())
    }

    /// Moves a round from one state to the next with its settings changed and the audit entries
    /// written in the same transaction; Conflict when it is not in `from`.
    pub fn transition_round(
        &self,
        id: i64,
        from: &[&str],
        change: RoundChange,
        audit: impl Fn(&RoundRow) -> Vec<super::NewAudit>,
    ) -> StoreResult<RoundRow> {
        self.transition_round_rescored(id, from, change, &[], audit)
    }

    /// [`Store::transition_round`], storing `sheets` (scored again with the new settings) in
    /// the same transaction.
    pub fn transition_round_rescored(
        &self,
        id: i64,
        from: &[&str],
        change: RoundChange,
        sheets: &[super::SheetUpdate],
        audit: impl Fn(&RoundRow) -> Vec<super::NewAudit>,
    ) -> StoreResult<RoundRow> {
        write_tx!(self, |c| {
            let changed = diesel::update(rounds::table.find(id).filter(rounds::state.eq_any(from)))
                .set(&change)
                .execute(c)?;
            let row: Option<RoundRow> = rounds::table
                .find(id)
                .select(RoundRow::as_select())
                .first(c)
                .optional()?;
            match (changed, row) {
                (_, None) => Err(StoreError::Missing(format!("第 {id} 轮不存在"))),
                (0, Some(r)) => Err(StoreError::Conflict(format!(
                    "round {id} is {}, not {}",
                    r.state,
                    from.join(" or ")
                ))),
                (_, Some(r)) => {
                    write_sheets!(c, sheets);
                    diesel::insert_into(super::schema::audit_log::table)
                        .values(&audit(&r))
                        .execute(c)?;
                    Ok(r)
                }
            }
        })
    }
}

/// What a round transition or settings change sets; None leaves a column as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = rounds)]
pub struct RoundChange {
    pub state: Option<String>,
    pub updated_at: Option<i64>,
    pub deadline: Option<String>,
    pub reviewers_per_submission: Option<i32>,
    pub appeal_days: Option<i32>,
    pub released_at: Option<i64>,
    pub appeal_deadline: Option<String>,
    pub public_results: Option<bool>,
    pub calendar_revision: Option<i64>,
}
