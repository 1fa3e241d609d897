//! Appeals (复核申请) with their evidence files.

use diesel::prelude::*;

use super::schema::{appeal_files, appeals, audit_log};
use super::{with_conn, write_tx, NewAudit, NewEvidence, Store, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = appeals)]
pub struct AppealRow {
    pub id: i64,
    pub round_id: i64,
    pub department_code: String,
    pub item: String,
    pub reason: String,
    /// pending, upheld or rejected.
    pub state: String,
    pub filed_at: i64,
    pub filed_by: i64,
    pub score_before: Option<String>,
    pub score_after: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = appeals)]
pub struct NewAppeal {
    pub round_id: i64,
    pub department_code: String,
    pub item: String,
    pub reason: String,
    pub state: String,
    pub filed_at: i64,
    pub filed_by: i64,
    pub score_before: Option<String>,
}

/// An appeal's evidence file, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealFileMeta {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
}

/// The decision of a pending appeal.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = appeals)]
pub struct AppealDecision {
    pub state: String,
    pub score_after: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

impl Store {
    /// Files an appeal with its evidence; refuses a second pending appeal of the same item.
    pub fn insert_appeal(
        &self,
        new: NewAppeal,
        files: Vec<NewEvidence>,
        audit: impl FnOnce(i64) -> NewAudit,
    ) -> StoreResult<AppealRow> {
        write_tx!(self, |c| {
            let pending: i64 = appeals::table
                .filter(appeals::round_id.eq(new.round_id))
                .filter(appeals::department_code.eq(&new.department_code))
                .filter(appeals::item.eq(&new.item))
                .filter(appeals::state.eq("pending"))
                .count()
                .get_result(c)?;
            if pending > 0 {
                return Err(StoreError::Conflict(format!(
                    "an appeal of item {} is already pending",
                    new.item
                )));
            }
            let id: i64 = diesel::insert_into(appeals::table)
                .values(&new)
                .returning(appeals::id)
                .get_result(c)?;
            for f in files {
                diesel::insert_into(appeal_files::table)
                    .values((
                        appeal_files::appeal_id.eq(id),
                        appeal_files::size.eq(i64::try_from(f.content.len()).unwrap_or(i64::MAX)),
                        appeal_files::name.eq(f.name),
                        appeal_files::content_type.eq(f.content_type),
                        appeal_files::sha256.eq(f.sha256),
                        appeal_files::content.eq(f.content),
                    ))
                    .execute(c)?;
            }
            diesel::insert_into(audit_log::table)
                .values(&audit(id))
                .execute(c)?;
            Ok(appeals::table
                .find(id)
                .select(AppealRow::as_select())
                .first(c)?)
        })
    }

    /// The round's appeals (one department's, when given), oldest first, with their files.
    pub fn appeals(
        &self,
        round_id: i64,
        department: Option<&str>,
    ) -> StoreResult<Vec<(AppealRow, Vec<AppealFileMeta>)>> {
        with_conn!(self, |c| {
            let mut q = appeals::table
                .filter(appeals::round_id.eq(round_id))
                .into_boxed();
            if let Some(d) = department {
                q = q.filter(appeals::department_code.eq(d));
            }
            let rows: Vec<AppealRow> = q
                .order(appeals::id)
                .select(AppealRow::as_select())
                .load(c)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let files: Vec<(i64, i64, String, String, String, i64)> = appeal_files::table
                .filter(appeal_files::appeal_id.eq_any(&ids))
                .order(appeal_files::id)
                .select((
                    appeal_files::appeal_id,
                    appeal_files::id,
                    appeal_files::name,
                    appeal_files::content_type,
                    appeal_files::sha256,
                    appeal_files::size,
                ))
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    let mine = files
                        .iter()
                        .filter(|f| f.0 == r.id)
                        .map(|f| AppealFileMeta {
                            id: f.1,
                            name: f.2.clone(),
                            content_type: f.3.clone(),
                            sha256: f.4.clone(),
                            size: f.5,
                        })
                        .collect();
                    (r, mine)
                })
                .collect())
        })
    }

    /// An appeal's evidence file: (name, content type, bytes) and the appeal it belongs to.
    pub fn appeal_file(&self, id: i64) -> StoreResult<(String, String, Vec<u8>, i64)> {
        with_conn!(self, |c| {
            appeal_files::table
                .find(id)
                .select((
                    appeal_files::name,
                    appeal_files::content_type,
                    appeal_files::content,
                    appeal_files::appeal_id,
                ))
                .first(c)
                .optional()?
                .ok_or_else(|| StoreError::Missing(format!("appeal file {id} does not exist")))
        })
    }

    /// Rejects a pending appeal; Conflict when it was decided meanwhile.
    pub fn reject_appeal(
        &self,
        id: i64,
        decision: AppealDecision,
        audit: NewAudit,
    ) -> StoreResult<()> {
        write_tx!(self, |c| {
            let n = diesel::update(appeals::table.find(id).filter(appeals::state.eq("pending")))
                .set(&decision)
                .execute(c)?;
            if n == 0 {
                return Err(StoreError::Conflict(format!(
                    "appeal {id} is already decided"
                )));
            }
            diesel::insert_into(audit_log::table)
                .values(&audit)
                .execute(c)?;
            Ok(())
        })
    }
}
