use diesel::prelude::*;

use super::schema::{evidence, idempotency_keys, submissions};
use super::{lock_department, with_conn, write_tx, Backend, Store, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = submissions)]
pub struct SubmissionRow {
    pub id: i64,
    pub round_id: i64,
    pub department_code: String,
    /// 1 for a department's first submission in the round, then 2, 3 …
    pub seq: i32,
    /// The submission that counts; earlier ones stay as history.
    pub is_current: bool,
    pub submitted_at: i64,
    pub late: bool,
    pub package: String,
    pub score_sheet: String,
    pub total_scaled: i64,
    pub complete: bool,
    pub submitted_by: i64,
    pub source_name: Option<String>,
    /// What `score_sheet` was scored with: see `service::scoring_fingerprint`.
    pub scored_with: String,
}

/// A submission without its package: scoring reads the package only when the stored sheet is
/// stale, and a package is the bulk of the row (tens of kilobytes).
#[derive(Queryable, Selectable)]
#[diesel(table_name = submissions)]
struct SubmissionHead {
    id: i64,
    round_id: i64,
    department_code: String,
    seq: i32,
    is_current: bool,
    submitted_at: i64,
    late: bool,
    score_sheet: String,
    total_scaled: i64,
    complete: bool,
    submitted_by: i64,
    source_name: Option<String>,
    scored_with: String,
}

impl SubmissionHead {
    fn with_package(self, package: String) -> SubmissionRow {
        SubmissionRow {
            id: self.id,
            round_id: self.round_id,
            department_code: self.department_code,
            seq: self.seq,
            is_current: self.is_current,
            submitted_at: self.submitted_at,
            late: self.late,
            package,
            score_sheet: self.score_sheet,
            total_scaled: self.total_scaled,
            complete: self.complete,
            submitted_by: self.submitted_by,
            source_name: self.source_name,
            scored_with: self.scored_with,
        }
    }
}

/// What a new submission stores, besides its evidence.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub round_id: i64,
    pub department_code: String,
    pub submitted_at: i64,
    pub late: bool,
    pub package: String,
    pub score_sheet: String,
    pub total_scaled: i64,
    pub complete: bool,
    pub submitted_by: i64,
    pub source_name: Option<String>,
    pub scored_with: String,
}

impl NewSubmission {
    /// The row as stored under `id` and `seq`: the current submission.
    fn stored(self, id: i64, seq: i32) -> SubmissionRow {
        SubmissionRow {
            id,
            round_id: self.round_id,
            department_code: self.department_code,
            seq,
            is_current: true,
            submitted_at: self.submitted_at,
            late: self.late,
            package: self.package,
            score_sheet: self.score_sheet,
            total_scaled: self.total_scaled,
            complete: self.complete,
            submitted_by: self.submitted_by,
            source_name: self.source_name,
            scored_with: self.scored_with,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = evidence)]
pub struct EvidenceMeta {
    pub id: i64,
    pub submission_id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = evidence)]
pub struct EvidenceRow {
    pub id: i64,
    pub submission_id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub token_id: i64,
    pub idem_key: String,
    pub request_hash: String,
    pub status: i32,
    pub body: String,
    pub created_at: i64,
}

/// An idempotency key to record with the submission, and the response to replay on a retry.
pub struct IdempotencyRecord<'a> {
    pub token_id: i64,
    pub key: &'a str,
    pub request_hash: &'a str,
    pub now: i64,
}

impl Store {
    /// Stores a submission as the department's current one (the previous stays as history), with
    /// its evidence and, when given, its idempotency key and the response `respond` makes of it,
    /// all in one transaction.
    pub fn insert_submission(
        &self,
        new: NewSubmission,
        files: Vec<NewEvidence>,
        idempotency: Option<IdempotencyRecord<'_>>,
        respond: impl Fn(&SubmissionRow, &[EvidenceMeta]) -> StoreResult<(i32, String)>,
        audit: impl Fn(&SubmissionRow) -> Vec<super::NewAudit>,
    ) -> StoreResult<(SubmissionRow, Vec<EvidenceMeta>, (i32, String))> {
        let postgres = self.backend() == Backend::Postgres;
        write_tx!(self, |c| {
            lock_department!(c, postgres, new.round_id, &new.department_code);
            let same = submissions::table
                .filter(submissions::round_id.eq(new.round_id))
                .filter(submissions::department_code.eq(&new.department_code));
            let last: Option<i32> = same.select(diesel::dsl::max(submissions::seq)).first(c)?;
            diesel::update(same.filter(submissions::is_current.eq(true)))
                .set(submissions::is_current.eq(false))
                .execute(c)?;
            let seq = last.unwrap_or(0) + 1;
            let id: i64 = diesel::insert_into(submissions::table)
                .values((
                    submissions::round_id.eq(new.round_id),
                    submissions::department_code.eq(&new.department_code),
                    submissions::seq.eq(seq),
                    submissions::is_current.eq(true),
                    submissions::submitted_at.eq(new.submitted_at),
                    submissions::late.eq(new.late),
                    submissions::package.eq(&new.package),
                    submissions::score_sheet.eq(&new.score_sheet),
                    submissions::total_scaled.eq(new.total_scaled),
                    submissions::complete.eq(new.complete),
                    submissions::submitted_by.eq(new.submitted_by),
                    submissions::source_name.eq(&new.source_name),
                    submissions::scored_with.eq(&new.scored_with),
                ))
                .returning(submissions::id)
                .get_result(c)?;
            for f in &files {
                diesel::insert_into(evidence::table)
                    .values((
                        evidence::submission_id.eq(id),
                        evidence::name.eq(&f.name),
                        evidence::content_type.eq(&f.content_type),
                        evidence::sha256.eq(&f.sha256),
                        evidence::size.eq(i64::try_from(f.content.len()).unwrap_or(i64::MAX)),
                        evidence::content.eq(&f.content),
                    ))
                    .execute(c)?;
            }
            // what was just written, without reading the package back
            let row = new.stored(id, seq);
            let metas = if files.is_empty() {
                Vec::new()
            } else {
                evidence::table
                    .filter(evidence::submission_id.eq(id))
                    .order(evidence::id)
                    .select(EvidenceMeta::as_select())
                    .load(c)?
            };
            let response = respond(&row, &metas)?;
            diesel::insert_into(super::schema::audit_log::table)
                .values(&audit(&row))
                .execute(c)?;
            if let Some(k) = &idempotency {
                diesel::insert_into(idempotency_keys::table)
                    .values((
                        idempotency_keys::token_id.eq(k.token_id),
                        idempotency_keys::idem_key.eq(k.key),
                        idempotency_keys::request_hash.eq(k.request_hash),
                        idempotency_keys::status.eq(response.0),
                        idempotency_keys::body.eq(&response.1),
                        idempotency_keys::created_at.eq(k.now),
                    ))
                    .execute(c)?;
            }
            Ok((row, metas, response))
        })
    }

    pub fn idempotent_response(
        &self,
        token_id: i64,
        key: &str,
    ) -> StoreResult<Option<IdempotencyRow>> {
        with_conn!(self, |c| Ok(idempotency_keys::table
            .find((token_id, key))
            .select(IdempotencyRow::as_select())
            .first(c)
            .optional()?))
    }

    /// The department's current submission in a round.
    pub fn current_submission(
        &self,
        round_id: i64,
        code: &str,
    ) -> StoreResult<Option<SubmissionRow>> {
        with_conn!(self, |c| Ok(submissions::table
            .filter(submissions::round_id.eq(round_id))
            .filter(submissions::department_code.eq(code))
            .filter(submissions::is_current.eq(true))
            .select(SubmissionRow::as_select())
            .first(c)
            .optional()?))
    }

    /// The codes of the departments that have submitted in the round, in order.
    pub fn submitted_departments(&self, round_id: i64) -> StoreResult<Vec<String>> {
        with_conn!(self, |c| Ok(submissions::table
            .filter(submissions::round_id.eq(round_id))
            .filter(submissions::is_current.eq(true))
            .order(submissions::department_code)
            .select(submissions::department_code)
            .load(c)?))
    }

    /// The current submissions of the departments named, in department order, for scoring:
    /// `package` is read only for rows whose stored sheet was not scored with `fingerprint`,
    /// and is empty for the others. Publishing a round of ten thousand departments so reads
    /// their sheets, not half a gigabyte of packages.
    pub fn current_submissions_for_scoring(
        &self,
        round_id: i64,
        departments: &[String],
        fingerprint: &str,
    ) -> StoreResult<Vec<SubmissionRow>> {
        with_conn!(self, |c| {
            let mut q = submissions::table
                .filter(submissions::round_id.eq(round_id))
                .filter(submissions::is_current.eq(true))
                .into_boxed();
            // one department by equality (see `review_rows`)
            q = match departments {
                [one] => q.filter(submissions::department_code.eq(one)),
                all => q.filter(submissions::department_code.eq_any(all)),
            };
            let heads: Vec<SubmissionHead> = q
                .order(submissions::department_code)
                .select(SubmissionHead::as_select())
                .load(c)?;
            let stale: Vec<i64> = heads
                .iter()
                .filter(|h| h.scored_with != fingerprint)
                .map(|h| h.id)
                .collect();
            let mut packages = std::collections::HashMap::with_capacity(stale.len());
            // bounded IN lists: SQLite caps a statement's parameters
            for ids in stale.chunks(500) {
                let rows: Vec<(i64, String)> = submissions::table
                    .filter(submissions::id.eq_any(ids))
                    .select((submissions::id, submissions::package))
                    .load(c)?;
                packages.extend(rows);
            }
            Ok(heads
                .into_iter()
                .map(|h| {
                    let package = packages.remove(&h.id).unwrap_or_default();
                    h.with_package(package)
                })
                .collect())
        })
    }

    /// Every submission of the department in the round, oldest first, with its evidence.
    pub fn submission_history(
        &self,
        round_id: i64,
        code: &str,
    ) -> StoreResult<Vec<(SubmissionRow, Vec<EvidenceMeta>)>> {
        with_conn!(self, |c| {
            let rows: Vec<SubmissionRow> = submissions::table
                .filter(submissions::round_id.eq(round_id))
                .filter(submissions::department_code.eq(code))
                .order(submissions::seq)
                .select(SubmissionRow::as_select())
                .load(c)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let metas: Vec<EvidenceMeta> = evidence::table
                .filter(evidence::submission_id.eq_any(&ids))
                .order(evidence::id)
                .select(EvidenceMeta::as_select())
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    let own = metas
                        .iter()
                        .filter(|m| m.submission_id == r.id)
                        .cloned()
                        .collect();
                    (r, own)
                })
                .collect())
        })
    }

    /// An evidence file with its bytes, and the submission it belongs to.
    pub fn evidence_file(&self, id: i64) -> StoreResult<(EvidenceRow, SubmissionRow)> {
        with_conn!(self, |c| {
            let file: EvidenceRow = evidence::table
                .find(id)
                .select(EvidenceRow::as_select())
                .first(c)
                .optional()?
                .ok_or_else(|| StoreError::Missing(format!("evidence {id} does not exist")))?;
            let sub = submissions::table
                .find(file.submission_id)
                .select(SubmissionRow::as_select())
                .first(c)?;
            Ok((file, sub))
        })
    }
}
