//! Judgments, resolutions (override, reconciliation, upheld appeal), per-item versions, and the
//! append-only audit log.

use diesel::prelude::*;

use super::schema::{assignments, audit_log, judgments, resolutions, review_items, reviewers};
use super::{lock_department, with_conn, write_tx, AssignmentRow, Store, StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = judgments)]
pub struct JudgmentRow {
    pub round_id: i64,
    pub department_code: String,
    pub item: String,
    pub reviewer_id: i64,
    pub score: String,
    /// JSON array of decimal strings (indicator_quality).
    pub sub_scores: Option<String>,
    pub reason: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = resolutions)]
pub struct ResolutionRow {
    pub round_id: i64,
    pub department_code: String,
    pub item: String,
    pub kind: String,
    pub score: String,
    pub sub_scores: Option<String>,
    pub reason: String,
    pub by_name: String,
    pub at: i64,
}

/// An audit entry to append.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAudit {
    pub round_id: i64,
    pub department_code: Option<String>,
    pub item: Option<String>,
    pub action: String,
    pub actor: String,
    pub actor_token: Option<i64>,
    pub at: i64,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub round_id: i64,
    pub department_code: Option<String>,
    pub item: Option<String>,
    pub action: String,
    pub actor: String,
    pub actor_token: Option<i64>,
    pub at: i64,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

/// Everything reviewers said of a round (or one department of it).
#[derive(Debug, Clone, Default)]
pub struct ReviewRows {
    /// Assignments with the reviewers' names.
    pub assignments: Vec<(AssignmentRow, String)>,
    /// Judgments with the reviewers' names.
    pub judgments: Vec<(JudgmentRow, String)>,
    pub resolutions: Vec<ResolutionRow>,
    /// (department, item, version)
    pub versions: Vec<(String, String, i64)>,
}

impl ReviewRows {
    /// The rows of a whole round, one set per department.
    pub fn by_department(self) -> std::collections::HashMap<String, ReviewRows> {
        let mut out: std::collections::HashMap<String, ReviewRows> = Default::default();
        for a in self.assignments {
            out.entry(a.0.department_code.clone())
                .or_default()
                .assignments
                .push(a);
        }
        for j in self.judgments {
            out.entry(j.0.department_code.clone())
                .or_default()
                .judgments
                .push(j);
        }
        for r in self.resolutions {
            out.entry(r.department_code.clone())
                .or_default()
                .resolutions
                .push(r);
        }
        for v in self.versions {
            out.entry(v.0.clone()).or_default().versions.push(v);
        }
        out
    }
}

/// The versions a write is checked against: the item's and the whole sheet's (the sum of its
/// items' versions, which grows with every write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Versions {
    pub item: i64,
    pub sheet: i64,
}

/// What a write to one item changes, besides its version.
#[derive(Debug, Clone, Default)]
pub struct ItemChange {
    pub judgment: Option<JudgmentRow>,
    pub resolution: Option<ResolutionRow>,
    /// An appeal decided by this write: (appeal id, decision), applied only while pending.
    pub appeal: Option<(i64, super::AppealDecision)>,
}

/// What the item held before a write.
#[derive(Debug, Clone, Default)]
pub struct Prior {
    pub judgment: Option<JudgmentRow>,
    pub resolution: Option<ResolutionRow>,
}

impl Store {
    /// All review rows of a round, or of the departments named (a page of them, or one).
    pub fn review_rows(
        &self,
        round_id: i64,
        departments: Option<&[String]>,
    ) -> StoreResult<ReviewRows> {
        with_conn!(self, |c| {
            let mut a = assignments::table
                .inner_join(reviewers::table)
                .filter(assignments::round_id.eq(round_id))
                .into_boxed();
            let mut j = judgments::table
                .inner_join(reviewers::table.on(reviewers::id.eq(judgments::reviewer_id)))
                .filter(judgments::round_id.eq(round_id))
                .into_boxed();
            let mut r = resolutions::table
                .filter(resolutions::round_id.eq(round_id))
                .into_boxed();
            let mut v = review_items::table
                .filter(review_items::round_id.eq(round_id))
                .into_boxed();
            // One department by equality: PostgreSQL's cached generic plan for `= ANY($n)` may
            // be a sequential scan, chosen while the table was small, and every judgment reads
            // its department's rows.
            match departments {
                None => {}
                Some([one]) => {
                    a = a.filter(assignments::department_code.eq(one));
                    j = j.filter(judgments::department_code.eq(one));
                    r = r.filter(resolutions::department_code.eq(one));
                    v = v.filter(review_items::department_code.eq(one));
                }
                Some(d) => {
                    a = a.filter(assignments::department_code.eq_any(d));
                    j = j.filter(judgments::department_code.eq_any(d));
                    r = r.filter(resolutions::department_code.eq_any(d));
                    v = v.filter(review_items::department_code.eq_any(d));
                }
            }
            Ok(ReviewRows {
                assignments: a
                    .order((assignments::department_code, assignments::reviewer_id))
                    .select((AssignmentRow::as_select(), reviewers::name))
                    .load(c)?,
                judgments: j
                    .order((
                        judgments::department_code,
                        judgments::item,
                        judgments::reviewer_id,
                    ))
                    .select((JudgmentRow::as_select(), reviewers::name))
                    .load(c)?,
                resolutions: r
                    .order((resolutions::department_code, resolutions::item))
                    .select(ResolutionRow::as_select())
                    .load(c)?,
                versions: v
                    .order((review_items::department_code, review_items::item))
                    .select((
                        review_items::department_code,
                        review_items::item,
                        review_items::version,
                    ))
                    .load(c)?,
            })
        })
    }

    /// Writes one item of one submission under a precondition: `check` sees the versions at the
    /// moment of writing (writers of one department queue for it) and refuses a stale write with
    /// PreconditionFailed. The audit entries are written in the same transaction.
    pub fn write_item(
        &self,
        round_id: i64,
        department: &str,
        item: &str,
        check: impl FnOnce(Versions) -> bool,
        change: ItemChange,
        audit: impl FnOnce(&Prior) -> Vec<NewAudit>,
    ) -> StoreResult<Versions> {
        let postgres = self.backend() == super::Backend::Postgres;
        write_tx!(self, |c| {
            lock_department!(c, postgres, round_id, department);
            let this_sheet = review_items::table
                .filter(review_items::round_id.eq(round_id))
                .filter(review_items::department_code.eq(department));
            let versions: Vec<(String, i64)> = this_sheet
                .select((review_items::item, review_items::version))
                .load(c)?;
            let before = Versions {
                item: versions
                    .iter()
                    .find(|(i, _)| i == item)
                    .map_or(0, |(_, v)| *v),
                sheet: versions.iter().map(|(_, v)| v).sum(),
            };
            if !check(before) {
                return Err(StoreError::PreconditionFailed(format!(
                    "the item {item} of department {department} changed since it was read"
                )));
            }
            let prior = Prior {
                judgment: match &change.judgment {
                    Some(j) => judgments::table
                        .filter(judgments::round_id.eq(round_id))
                        .filter(judgments::department_code.eq(department))
                        .filter(judgments::item.eq(item))
                        .filter(judgments::reviewer_id.eq(j.reviewer_id))
                        .select(JudgmentRow::as_select())
                        .first(c)
                        .optional()?,
                    None => None,
                },
                resolution: resolutions::table
                    .filter(resolutions::round_id.eq(round_id))
                    .filter(resolutions::department_code.eq(department))
                    .filter(resolutions::item.eq(item))
                    .select(ResolutionRow::as_select())
                    .first(c)
                    .optional()?,
            };
            if let Some((id, decision)) = &change.appeal {
                use super::schema::appeals;
                let n =
                    diesel::update(appeals::table.find(id).filter(appeals::state.eq("pending")))
                        .set(decision)
                        .execute(c)?;
                if n == 0 {
                    return Err(StoreError::Conflict(format!(
                        "appeal {id} is already decided"
                    )));
                }
            }
            if let Some(j) = &change.judgment {
                diesel::insert_into(judgments::table)
                    .values(j)
                    .on_conflict((
                        judgments::round_id,
                        judgments::department_code,
                        judgments::item,
                        judgments::reviewer_id,
                    ))
                    .do_update()
                    .set((
                        judgments::score.eq(&j.score),
                        judgments::sub_scores.eq(&j.sub_scores),
                        judgments::reason.eq(&j.reason),
                        judgments::at.eq(j.at),
                    ))
                    .execute(c)?;
            }
            if let Some(r) = &change.resolution {
                diesel::insert_into(resolutions::table)
                    .values(r)
                    .on_conflict((
                        resolutions::round_id,
                        resolutions::department_code,
                        resolutions::item,
                    ))
                    .do_update()
                    .set((
                        resolutions::kind.eq(&r.kind),
                        resolutions::score.eq(&r.score),
                        resolutions::sub_scores.eq(&r.sub_scores),
                        resolutions::reason.eq(&r.reason),
                        resolutions::by_name.eq(&r.by_name),
                        resolutions::at.eq(r.at),
                    ))
                    .execute(c)?;
            }
            diesel::insert_into(review_items::table)
                .values((
                    review_items::round_id.eq(round_id),
                    review_items::department_code.eq(department),
                    review_items::item.eq(item),
                    review_items::version.eq(1i64),
                ))
                .on_conflict((
                    review_items::round_id,
                    review_items::department_code,
                    review_items::item,
                ))
                .do_update()
                .set(review_items::version.eq(review_items::version + 1))
                .execute(c)?;
            diesel::insert_into(audit_log::table)
                .values(&audit(&prior))
                .execute(c)?;
            Ok(Versions {
                item: before.item + 1,
                sheet: before.sheet + 1,
            })
        })
    }

    /// Appends entries outside any other write (e.g. a round's settings changed elsewhere).
    pub fn append_audit(&self, entries: &[NewAudit]) -> StoreResult<()> {
        write_tx!(self, |c| {
            diesel::insert_into(audit_log::table)
                .values(entries)
                .execute(c)?;
            Ok(())
        })
    }

    /// The round's audit log in order (one department's, when given), from `after_id` on.
    pub fn audit(
        &self,
        round_id: i64,
        department: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<AuditRow>> {
        with_conn!(self, |c| {
            let mut q = audit_log::table
                .filter(audit_log::round_id.eq(round_id))
                .filter(audit_log::id.gt(after_id))
                .into_boxed();
            if let Some(d) = department {
                q = q.filter(audit_log::department_code.eq(d));
            }
            Ok(q.order(audit_log::id)
                .limit(limit)
                .select(AuditRow::as_select())
                .load(c)?)
        })
    }
}
