//! 考评细则 versions at run time: rubric files an admin uploads, stored by content hash, offered
//! to new rounds, and tried on an existing round before anyone adopts them (a dry run that
//! writes nothing).

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use kaoping_domain::model::Package;
use kaoping_domain::ranking::{self, PublishedDepartment, Snapshot};
use kaoping_domain::review;
use kaoping_domain::rubric::Rubric;
use kaoping_store::{from_micros, micros, RubricVersionRow};

use super::review::{ledger, SCORING_PAGE};
use super::text::{check, Kind};
use super::{Caller, Role, Round, Service, ServiceError, ServiceResult};

/// A rubric file to store.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricUpload {
    /// The rubric's TOML, as in `rubric/yueyang-2024.toml`.
    #[schema(max_length = 200000)]
    pub source: String,
}

/// A rubric version a round may open with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RubricVersion {
    pub id: String,
    pub title: String,
    /// SHA-256 of the file: what a round pins and a dry run names.
    pub content_hash: String,
    /// Shipped with kaoping or read from the rubric directory at start, not uploaded.
    pub built_in: bool,
    pub uploaded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub uploaded_by: Option<String>,
}

/// One department under the round's rubric and under the candidate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrialDepartment {
    pub department: String,
    pub name: String,
    #[schema(value_type = Option<String>)]
    pub total_before: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub total_after: Option<Decimal>,
    pub grade_before: Option<String>,
    pub grade_after: Option<String>,
    pub rank_before: Option<u32>,
    pub rank_after: Option<u32>,
    /// Items whose score differs (an item only one rubric has counts as changed).
    pub items: Vec<TrialItem>,
    /// Why the candidate could not score it (e.g. a judgment above the new maximum).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrialItem {
    pub item: String,
    #[schema(value_type = Option<String>)]
    pub before: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub after: Option<Decimal>,
}

/// What a candidate rubric would do to a round; nothing was written.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RubricTrial {
    pub round: i64,
    pub rubric_before: String,
    pub rubric_after: String,
    pub hash_before: String,
    pub hash_after: String,
    /// Departments whose total changes.
    pub changed: Vec<String>,
    /// Every submitted department, in code order.
    pub departments: Vec<TrialDepartment>,
}

impl Service {
    /// Stores a rubric file after validating it with the loader's messages (admin). Storing the
    /// same content again answers the stored version.
    pub fn upload_rubric(
        &self,
        caller: &Caller,
        input: RubricUpload,
    ) -> ServiceResult<RubricVersion> {
        caller.require(&[Role::Admin])?;
        let source = input.source.replace("\r\n", "\n");
        check("source", &source, 200_000, Kind::Prose)?;
        let rubric = Rubric::from_toml_str(&source, "上传的评分细则")
            .map_err(|e| ServiceError::invalid("source", e.to_string()))?;
        let row = RubricVersionRow {
            content_hash: rubric.content_hash.clone(),
            rubric_id: rubric.id.clone(),
            title: rubric.title.clone(),
            source,
            uploaded_at: micros(self.now()),
            actor: caller.actor(),
        };
        self.store.add_rubric_version(&row)?;
        self.all_rubric_versions()?
            .into_iter()
            .find(|v| v.content_hash == rubric.content_hash)
            .ok_or_else(|| ServiceError::NotFound(format!("rubric {}", rubric.content_hash)))
    }

    /// Every version a round may open with: the built-in ones first, then the uploaded ones.
    pub fn rubric_versions(&self, caller: &Caller) -> ServiceResult<Vec<RubricVersion>> {
        caller.require(&[Role::Admin, Role::Reviewer])?;
        self.all_rubric_versions()
    }

    fn all_rubric_versions(&self) -> ServiceResult<Vec<RubricVersion>> {
        let mut out = Vec::new();
        for id in self.rubrics.ids() {
            if let Some(src) = self.rubrics.source(id) {
                let r = Rubric::from_toml_str(src, id)?;
                out.push(RubricVersion {
                    id: r.id,
                    title: r.title,
                    content_hash: r.content_hash,
                    built_in: true,
                    uploaded_at: None,
                    uploaded_by: None,
                });
            }
        }
        for row in self.store.rubric_versions()? {
            if out.iter().any(|v| v.content_hash == row.content_hash) {
                continue;
            }
            out.push(RubricVersion {
                id: row.rubric_id,
                title: row.title,
                content_hash: row.content_hash,
                built_in: false,
                uploaded_at: Some(from_micros(row.uploaded_at)),
                uploaded_by: Some(row.actor),
            });
        }
        Ok(out)
    }

    /// The source of the version with `hash` (built-in or uploaded).
    pub fn rubric_source(&self, hash: &str) -> ServiceResult<String> {
        for id in self.rubrics.ids() {
            if let Some(src) = self.rubrics.source(id) {
                if kaoping_domain::digest::sha256_hex(src.as_bytes()) == hash {
                    return Ok(src.to_string());
                }
            }
        }
        self.store
            .rubric_versions()?
            .into_iter()
            .find(|r| r.content_hash == hash)
            .map(|r| r.source)
            .ok_or_else(|| ServiceError::NotFound(format!("没有内容哈希为 {hash} 的评分细则")))
    }

    /// The source a new round opens with: the version `hash` names (its id must be `id`), or
    /// the id's built-in file, or else the id's latest upload.
    pub(super) fn source_for_round(&self, id: &str, hash: Option<&str>) -> ServiceResult<String> {
        if let Some(hash) = hash {
            let src = self.rubric_source(hash)?;
            let r = Rubric::from_toml_str(&src, hash)?;
            if r.id != id {
                return Err(ServiceError::invalid(
                    "rubric_hash",
                    format!("内容哈希 {hash} 是评分细则 {}，不是 {id}", r.id),
                ));
            }
            return Ok(src);
        }
        if let Some(src) = self.rubrics.source(id) {
            return Ok(src.to_string());
        }
        self.store
            .rubric_versions()?
            .into_iter()
            .rev()
            .find(|r| r.rubric_id == id)
            .map(|r| r.source)
            .ok_or_else(|| {
                let known: Vec<String> = self
                    .all_rubric_versions()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| v.id)
                    .collect();
                ServiceError::invalid(
                    "rubric",
                    format!("unknown rubric {id:?}; known: {}", known.join(", ")),
                )
            })
    }

    /// Scores the round's current submissions, with their reviews, under its own rubric and
    /// under the version `hash`, and compares (admin). Nothing is written.
    pub fn try_rubric(
        &self,
        caller: &Caller,
        round_id: i64,
        hash: &str,
    ) -> ServiceResult<RubricTrial> {
        caller.require(&[Role::Admin])?;
        let round = self.round(caller, round_id)?;
        let before = self.pinned_rubric(round_id)?;
        let after = Arc::new(Rubric::from_toml_str(&self.rubric_source(hash)?, hash)?);
        let calendar = self.calendar_at(round.calendar_revision)?;
        let names = self.department_names()?;
        let codes = self.store.submitted_departments(round_id)?;
        let timings = self.timings(round_id)?;
        let mut old = Vec::with_capacity(codes.len());
        let mut new = Vec::with_capacity(codes.len());
        let mut errors = HashMap::new();
        for page in codes.chunks(SCORING_PAGE) {
            let mut rows = self
                .store
                .review_rows(round_id, Some(page))?
                .by_department();
            // a fingerprint no sheet has: every package is read
            let subs = self
                .store
                .current_submissions_for_scoring(round_id, page, "")?;
            for s in subs {
                let r = rows.remove(&s.department_code).unwrap_or_default();
                let ledger = ledger(&r)?;
                let package: Package = serde_json::from_str(&s.package)?;
                let timing = timings.of(round.deadline, &s);
                let input = timing.input(&package);
                let (name, category) = names.get(&s.department_code).cloned().unwrap_or_default();
                let code = s.department_code.as_str();
                let was = review::sheet(&before, &calendar, input, &ledger)?;
                old.push(PublishedDepartment::new(
                    code,
                    &name,
                    &category,
                    Some(&was.sheet),
                    timing.late(),
                ));
                let now = match review::sheet(&after, &calendar, input, &ledger) {
                    Ok(sheet) => Some(sheet.sheet),
                    Err(e) => {
                        errors.insert(code.to_string(), e.to_string());
                        None
                    }
                };
                new.push(PublishedDepartment::new(
                    code,
                    &name,
                    &category,
                    now.as_ref(),
                    timing.late(),
                ));
            }
        }
        Ok(compare(&round, &before, &after, old, new, errors))
    }
}

/// Ranks both sides as a publication would and lists what differs.
fn compare(
    round: &Round,
    before: &Rubric,
    after: &Rubric,
    old: Vec<PublishedDepartment>,
    new: Vec<PublishedDepartment>,
    mut errors: HashMap<String, String>,
) -> RubricTrial {
    let snapshot = |rubric: &Rubric, departments| Snapshot {
        round_id: round.id,
        year: round.year,
        title: round.title.clone(),
        version: 0,
        published_at: round.updated_at,
        published_by: String::new(),
        reason: String::new(),
        rubric: rubric.id.clone(),
        cutoffs: rubric.grades.clone(),
        tie_rule: rubric.ranking.tie_rule,
        items: rubric.items.iter().map(ranking::ItemInfo::from).collect(),
        departments,
    };
    let (old, new) = (snapshot(before, old), snapshot(after, new));
    let old_rows = ranking::rank(&old, old.tie_rule, None);
    let new_rows = ranking::rank(&new, new.tie_rule, None);
    let rank_of = |rows: &[ranking::RankedRow], code: &str| {
        rows.iter()
            .find(|r| r.department == code)
            .and_then(|r| r.rank)
    };
    let departments: Vec<TrialDepartment> = old
        .departments
        .iter()
        .zip(&new.departments)
        .map(|(o, n)| {
            let mut codes: Vec<&String> = o.items.keys().chain(n.items.keys()).collect();
            codes.sort();
            codes.dedup();
            TrialDepartment {
                department: o.code.clone(),
                name: o.name.clone(),
                total_before: o.total,
                total_after: n.total,
                grade_before: o.grade.clone(),
                grade_after: n.grade.clone(),
                rank_before: rank_of(&old_rows, &o.code),
                rank_after: rank_of(&new_rows, &o.code),
                items: codes
                    .into_iter()
                    .filter(|c| o.items.get(*c) != n.items.get(*c))
                    .map(|c| TrialItem {
                        item: c.clone(),
                        before: o.items.get(c).copied(),
                        after: n.items.get(c).copied(),
                    })
                    .collect(),
                error: errors.remove(&o.code),
            }
        })
        .collect();
    RubricTrial {
        round: round.id,
        rubric_before: before.id.clone(),
        rubric_after: after.id.clone(),
        hash_before: before.content_hash.clone(),
        hash_after: after.content_hash.clone(),
        changed: departments
            .iter()
            .filter(|d| d.total_before != d.total_after)
            .map(|d| d.department.clone())
            .collect(),
        departments,
    }
}

/// The trial as CSV (for Excel): a row a department.
pub fn trial_csv(trial: &RubricTrial) -> Vec<u8> {
    let cell = |v: Option<String>| v.unwrap_or_default();
    let rows = trial.departments.iter().map(|d| {
        let items: Vec<String> = d
            .items
            .iter()
            .map(|i| {
                format!(
                    "{} {}→{}",
                    i.item,
                    cell(i.before.map(|v| v.to_string())),
                    cell(i.after.map(|v| v.to_string()))
                )
            })
            .collect();
        vec![
            d.department.clone(),
            d.name.clone(),
            cell(d.total_before.map(|v| v.to_string())),
            cell(d.total_after.map(|v| v.to_string())),
            cell(d.grade_before.clone()),
            cell(d.grade_after.clone()),
            cell(d.rank_before.map(|v| v.to_string())),
            cell(d.rank_after.map(|v| v.to_string())),
            items.join("；"),
            cell(d.error.clone()),
        ]
    });
    ranking::export::csv_table(
        &[
            "部门编码",
            "部门名称",
            "原总分",
            "新总分",
            "原等次",
            "新等次",
            "原排名",
            "新排名",
            "变化的项目",
            "说明",
        ],
        rows,
    )
}
