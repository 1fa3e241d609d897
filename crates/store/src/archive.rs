//! The SQL of round archives (`kaoping export-round` / `import-round`): one round read out whole
//! in one read transaction, and written back as a new round in one write transaction with every
//! surrogate key remapped. The document format and its checksum are in `kaoping_service::archive`; this
//! module only moves rows.
//!
//! What belongs to a round: the round row and its `round_departments`; every `departments` row
//! those rows (and the reviewers and tokens below) refer to, parents included, because foreign
//! keys need them in the target; every submission (history too) with its evidence bytes; the
//! reviewers named by assignments, judgments, tokens, or a conflict of interest declared with one
//! of the round's departments, and those conflicts; assignments, review item versions,
//! judgments, resolutions, appeals with their files, the audit log, publications and published
//! sheets. Webhooks and their deliveries are instance configuration and stay behind; tokens are
//! secrets, so only what rows need of them (role, department, reviewer) leaves the database.

use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::prelude::*;

use super::schema::{
    appeal_files, appeals, assignments, audit_log, departments, evidence, judgments, publications,
    published_sheets, resolutions, review_items, reviewer_conflicts, reviewers, round_departments,
    rounds, submissions, tokens,
};
use super::timing::recorded_timings;
use super::{
    write_tx, AppealRow, AssignmentRow, AuditRow, Backend, ConflictRow, DbPool, DepartmentRow,
    DepartmentTimingRow, EvidenceRow, JudgmentRow, PublicationRow, ResolutionRow, ReviewerRow,
    RoundRow, Store, StoreError, StoreResult, SubmissionRow,
};

/// Ids per `IN (…)` list: far below SQLite's 32766 bound parameters.
const IDS_PER_QUERY: usize = 1000;
/// Rows per multi-row INSERT: at most 11 columns each, so far below SQLite's parameter limit.
const ROWS_PER_INSERT: usize = 500;

/// What an archive keeps of a token: never its hash (a secret), only what the rows that name it
/// need to be imported (role, department, reviewer) and when it was made and revoked.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tokens)]
pub struct TokenRef {
    pub id: i64,
    pub role: String,
    pub department_code: Option<String>,
    pub label: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub reviewer_id: Option<i64>,
}

/// An appeal's evidence file with its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = appeal_files)]
pub struct AppealFileRow {
    pub id: i64,
    pub appeal_id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub content: Vec<u8>,
}

/// An item's version (its ETag), bumped by every write to it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = review_items)]
pub struct ReviewItemRow {
    pub round_id: i64,
    pub department_code: String,
    pub item: String,
    pub version: i64,
}

/// A department's final sheet in a published version.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = published_sheets)]
pub struct PublishedSheetRow {
    pub round_id: i64,
    pub version: i32,
    pub department_code: String,
    pub sheet: String,
}

/// A submission with its evidence files (bytes included), oldest file first.
#[derive(Debug, Clone)]
pub struct SubmissionDump {
    pub row: SubmissionRow,
    pub evidence: Vec<EvidenceRow>,
}

/// An appeal with its evidence files (bytes included).
#[derive(Debug, Clone)]
pub struct AppealDump {
    pub row: AppealRow,
    pub files: Vec<AppealFileRow>,
}

/// A published version with each department's sheet.
#[derive(Debug, Clone)]
pub struct PublicationDump {
    pub row: PublicationRow,
    pub sheets: Vec<PublishedSheetRow>,
}

/// Everything of one round, as stored, ids those of the database it was read from. Lists are in
/// id (or key) order, so that writing them back in order keeps the audit log's order.
#[derive(Debug, Clone)]
pub struct RoundDump {
    pub round: RoundRow,
    /// The codes of the round's departments.
    pub round_departments: Vec<String>,
    /// 报送时间与延期: the departments with an extension or a receipt recorded, in code order.
    pub timings: Vec<DepartmentTimingRow>,
    /// Every department a row here refers to, with their parents, by code.
    pub departments: Vec<DepartmentRow>,
    /// The tokens rows name, as exported; an import writes [`PlaceholderToken`]s instead.
    pub tokens: Vec<TokenRef>,
    pub reviewers: Vec<ReviewerRow>,
    /// The reviewers' conflicts with the round's departments.
    pub conflicts: Vec<ConflictRow>,
    pub submissions: Vec<SubmissionDump>,
    pub assignments: Vec<AssignmentRow>,
    pub review_items: Vec<ReviewItemRow>,
    pub judgments: Vec<JudgmentRow>,
    pub resolutions: Vec<ResolutionRow>,
    pub appeals: Vec<AppealDump>,
    pub audit: Vec<AuditRow>,
    pub publications: Vec<PublicationDump>,
}

/// The token an imported round's rows point at in place of an original one: revoked, and with a
/// hash no presented token can have, so nobody logs in with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderToken {
    /// The original token's id in the archive.
    pub source_id: i64,
    pub token_hash: String,
    pub role: String,
    pub department_code: Option<String>,
    /// The original reviewer's id in the archive (remapped on import).
    pub reviewer_id: Option<i64>,
    pub label: Option<String>,
    pub created_at: i64,
    pub revoked_at: i64,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedRound {
    /// The new round's id.
    pub round_id: i64,
    pub departments_created: usize,
    /// Departments that were already here with the same code, name and category.
    pub departments_reused: usize,
    pub reviewers_created: usize,
    /// Reviewers that were already here with the same name, department and lead flag.
    pub reviewers_reused: usize,
    pub conflicts: usize,
    pub tokens: usize,
    pub submissions: usize,
    pub evidence: usize,
    pub assignments: usize,
    pub review_items: usize,
    pub judgments: usize,
    pub resolutions: usize,
    pub appeals: usize,
    pub appeal_files: usize,
    pub audit: usize,
    pub publications: usize,
    pub published_sheets: usize,
}

/// The new id of an archived one; an archive whose rows name ids it does not contain is refused
/// (the format layer checks this first, so this is a last line of defence).
fn mapped(map: &HashMap<i64, i64>, id: i64, what: &str) -> StoreResult<i64> {
    map.get(&id).copied().ok_or_else(|| {
        StoreError::Missing(format!(
            "the archive names {what} {id} but holds no such {what}"
        ))
    })
}

/// Reads one round whole; `$c` is a connection already inside a read transaction.
macro_rules! read_dump {
    ($c:expr, $round_id:expr) => {{
        let c = $c;
        let round_id: i64 = $round_id;
        let round: RoundRow = rounds::table
            .find(round_id)
            .select(RoundRow::as_select())
            .first(c)
            .optional()?
            .ok_or_else(|| StoreError::Missing(format!("第 {round_id} 轮不存在")))?;
        let round_codes: Vec<String> = round_departments::table
            .filter(round_departments::round_id.eq(round_id))
            .order(round_departments::department_code)
            .select(round_departments::department_code)
            .load(c)?;
        let timings: Vec<DepartmentTimingRow> = recorded_timings!(round_id).load(c)?;
        let subs: Vec<SubmissionRow> = submissions::table
            .filter(submissions::round_id.eq(round_id))
            .order(submissions::id)
            .select(SubmissionRow::as_select())
            .load(c)?;
        let files: Vec<EvidenceRow> = evidence::table
            .filter(
                evidence::submission_id.eq_any(
                    submissions::table
                        .filter(submissions::round_id.eq(round_id))
                        .select(submissions::id),
                ),
            )
            .order(evidence::id)
            .select(EvidenceRow::as_select())
            .load(c)?;
        let assigned: Vec<AssignmentRow> = assignments::table
            .filter(assignments::round_id.eq(round_id))
            .order((assignments::department_code, assignments::reviewer_id))
            .select(AssignmentRow::as_select())
            .load(c)?;
        let items: Vec<ReviewItemRow> = review_items::table
            .filter(review_items::round_id.eq(round_id))
            .order((review_items::department_code, review_items::item))
            .select(ReviewItemRow::as_select())
            .load(c)?;
        let judged: Vec<JudgmentRow> = judgments::table
            .filter(judgments::round_id.eq(round_id))
            .order((
                judgments::department_code,
                judgments::item,
                judgments::reviewer_id,
            ))
            .select(JudgmentRow::as_select())
            .load(c)?;
        let resolved: Vec<ResolutionRow> = resolutions::table
            .filter(resolutions::round_id.eq(round_id))
            .order((resolutions::department_code, resolutions::item))
            .select(ResolutionRow::as_select())
            .load(c)?;
        let appealed: Vec<AppealRow> = appeals::table
            .filter(appeals::round_id.eq(round_id))
            .order(appeals::id)
            .select(AppealRow::as_select())
            .load(c)?;
        let appeal_docs: Vec<AppealFileRow> = appeal_files::table
            .filter(
                appeal_files::appeal_id.eq_any(
                    appeals::table
                        .filter(appeals::round_id.eq(round_id))
                        .select(appeals::id),
                ),
            )
            .order(appeal_files::id)
            .select(AppealFileRow::as_select())
            .load(c)?;
        let audit: Vec<AuditRow> = audit_log::table
            .filter(audit_log::round_id.eq(round_id))
            .order(audit_log::id)
            .select(AuditRow::as_select())
            .load(c)?;
        let versions: Vec<PublicationRow> = publications::table
            .filter(publications::round_id.eq(round_id))
            .order(publications::version)
            .select(PublicationRow::as_select())
            .load(c)?;
        let sheets: Vec<PublishedSheetRow> = published_sheets::table
            .filter(published_sheets::round_id.eq(round_id))
            .order((published_sheets::version, published_sheets::department_code))
            .select(PublishedSheetRow::as_select())
            .load(c)?;

        // tokens named by the rows (the audit log's are a soft reference without a foreign key:
        // one missing here is simply not in the dump)
        let token_ids: BTreeSet<i64> = subs
            .iter()
            .map(|s| s.submitted_by)
            .chain(appealed.iter().map(|a| a.filed_by))
            .chain(audit.iter().filter_map(|a| a.actor_token))
            .collect();
        let mut named_tokens: Vec<TokenRef> = Vec::new();
        for chunk in token_ids
            .iter()
            .copied()
            .collect::<Vec<_>>()
            .chunks(IDS_PER_QUERY)
        {
            named_tokens.extend(
                tokens::table
                    .filter(tokens::id.eq_any(chunk))
                    .select(TokenRef::as_select())
                    .load::<TokenRef>(c)?,
            );
        }
        named_tokens.sort_by_key(|t| t.id);

        // reviewers: assigned, judging, behind a token, or in conflict with a round department
        let in_conflict: Vec<i64> = reviewer_conflicts::table
            .filter(reviewer_conflicts::department_code.eq_any(&round_codes))
            .select(reviewer_conflicts::reviewer_id)
            .load(c)?;
        let reviewer_ids: BTreeSet<i64> = assigned
            .iter()
            .map(|a| a.reviewer_id)
            .chain(judged.iter().map(|j| j.reviewer_id))
            .chain(named_tokens.iter().filter_map(|t| t.reviewer_id))
            .chain(in_conflict)
            .collect();
        let mut people: Vec<ReviewerRow> = Vec::new();
        let mut conflicts: Vec<ConflictRow> = Vec::new();
        for chunk in reviewer_ids
            .iter()
            .copied()
            .collect::<Vec<_>>()
            .chunks(IDS_PER_QUERY)
        {
            people.extend(
                reviewers::table
                    .filter(reviewers::id.eq_any(chunk))
                    .select(ReviewerRow::as_select())
                    .load::<ReviewerRow>(c)?,
            );
            conflicts.extend(
                reviewer_conflicts::table
                    .filter(reviewer_conflicts::reviewer_id.eq_any(chunk))
                    .filter(reviewer_conflicts::department_code.eq_any(&round_codes))
                    .select(ConflictRow::as_select())
                    .load::<ConflictRow>(c)?,
            );
        }
        people.sort_by_key(|r| r.id);
        conflicts.sort_by(|a, b| {
            (a.reviewer_id, &a.department_code).cmp(&(b.reviewer_id, &b.department_code))
        });

        // departments every foreign key above needs, then their parents up the tree
        let mut wanted: BTreeSet<String> = round_codes.iter().cloned().collect();
        wanted.extend(subs.iter().map(|s| s.department_code.clone()));
        wanted.extend(assigned.iter().map(|a| a.department_code.clone()));
        wanted.extend(items.iter().map(|i| i.department_code.clone()));
        wanted.extend(judged.iter().map(|j| j.department_code.clone()));
        wanted.extend(resolved.iter().map(|r| r.department_code.clone()));
        wanted.extend(appealed.iter().map(|a| a.department_code.clone()));
        wanted.extend(people.iter().filter_map(|r| r.department_code.clone()));
        wanted.extend(conflicts.iter().map(|k| k.department_code.clone()));
        wanted.extend(
            named_tokens
                .iter()
                .filter_map(|t| t.department_code.clone()),
        );
        let mut found: Vec<DepartmentRow> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut next: Vec<String> = wanted.into_iter().collect();
        while !next.is_empty() {
            seen.extend(next.iter().cloned());
            let mut parents = Vec::new();
            for chunk in next.chunks(IDS_PER_QUERY) {
                let rows: Vec<DepartmentRow> = departments::table
                    .filter(departments::code.eq_any(chunk))
                    .select(DepartmentRow::as_select())
                    .load(c)?;
                for d in rows {
                    if let Some(p) = &d.parent_code {
                        if !seen.contains(p) && !parents.contains(p) {
                            parents.push(p.clone());
                        }
                    }
                    found.push(d);
                }
            }
            next = parents;
        }
        found.sort_by(|a, b| a.code.cmp(&b.code));

        let mut evidence_of: HashMap<i64, Vec<EvidenceRow>> = HashMap::new();
        for f in files {
            evidence_of.entry(f.submission_id).or_default().push(f);
        }
        let mut files_of: HashMap<i64, Vec<AppealFileRow>> = HashMap::new();
        for f in appeal_docs {
            files_of.entry(f.appeal_id).or_default().push(f);
        }
        let mut sheets_of: HashMap<i32, Vec<PublishedSheetRow>> = HashMap::new();
        for s in sheets {
            sheets_of.entry(s.version).or_default().push(s);
        }
        Ok::<RoundDump, StoreError>(RoundDump {
            round,
            round_departments: round_codes,
            timings,
            departments: found,
            tokens: named_tokens,
            reviewers: people,
            conflicts,
            submissions: subs
                .into_iter()
                .map(|row| SubmissionDump {
                    evidence: evidence_of.remove(&row.id).unwrap_or_default(),
                    row,
                })
                .collect(),
            assignments: assigned,
            review_items: items,
            judgments: judged,
            resolutions: resolved,
            appeals: appealed
                .into_iter()
                .map(|row| AppealDump {
                    files: files_of.remove(&row.id).unwrap_or_default(),
                    row,
                })
                .collect(),
            audit,
            publications: versions
                .into_iter()
                .map(|row| PublicationDump {
                    sheets: sheets_of.remove(&row.version).unwrap_or_default(),
                    row,
                })
                .collect(),
        })
    }};
}

/// Writes a dump as a new round; `$c` is a connection inside the write transaction, so any
/// error leaves the database as it was.
macro_rules! write_dump {
    ($c:expr, $postgres:expr, $dump:expr, $tokens:expr) => {{
        let c = $c;
        let dump: &RoundDump = $dump;
        let placeholders: &[PlaceholderToken] = $tokens;
        let r = &dump.round;
        let mut done = ImportedRound::default();
        if $postgres {
            // two imports of one archive at once must not both find the round absent (SQLite's
            // BEGIN IMMEDIATE already serialises every writer)
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('kaoping import-round'))")
                .execute(c)?;
        }

        // an archive is imported once: the same round (title, year, creation time, rubric) here
        // already is this archive, imported before or exported from this very database
        let same: Option<i64> = rounds::table
            .filter(rounds::title.eq(&r.title))
            .filter(rounds::year.eq(r.year))
            .filter(rounds::created_at.eq(r.created_at))
            .filter(rounds::rubric_id.eq(&r.rubric_id))
            .filter(rounds::rubric_source.eq(&r.rubric_source))
            .select(rounds::id)
            .first(c)
            .optional()?;
        if let Some(id) = same {
            return Err(StoreError::Conflict(format!(
                "this round is already here as round {id} (same title, year, creation time and \
                 rubric): an archive is imported once"
            )));
        }

        // departments: reused when the code is here with the same name and category, parents
        // written before their children
        let mut pending: Vec<&DepartmentRow> = dump.departments.iter().collect();
        while !pending.is_empty() {
            let before = pending.len();
            let mut later = Vec::new();
            for d in pending {
                let here: Option<DepartmentRow> = departments::table
                    .filter(departments::code.eq(&d.code))
                    .select(DepartmentRow::as_select())
                    .first(c)
                    .optional()?;
                if let Some(h) = here {
                    if h.name != d.name || h.category != d.category {
                        return Err(StoreError::Conflict(format!(
                            "department {} is here as {} ({}) but the archive has {} ({}): \
                             rename one of them first",
                            d.code, h.name, h.category, d.name, d.category
                        )));
                    }
                    done.departments_reused += 1;
                    continue;
                }
                if let Some(p) = &d.parent_code {
                    let parent_here: i64 = departments::table
                        .filter(departments::code.eq(p))
                        .count()
                        .get_result(c)?;
                    if parent_here == 0 {
                        later.push(d);
                        continue;
                    }
                }
                diesel::insert_into(departments::table)
                    .values((
                        departments::code.eq(&d.code),
                        departments::name.eq(&d.name),
                        departments::category.eq(&d.category),
                        departments::parent_code.eq(&d.parent_code),
                        departments::created_at.eq(d.created_at),
                    ))
                    .execute(c)?;
                done.departments_created += 1;
            }
            if later.len() == before {
                let names: Vec<String> = later
                    .iter()
                    .map(|d| {
                        format!(
                            "{} (parent {})",
                            d.code,
                            d.parent_code.as_deref().unwrap_or("")
                        )
                    })
                    .collect();
                return Err(StoreError::Missing(format!(
                    "the parents of departments {} are neither here nor in the archive",
                    names.join(", ")
                )));
            }
            pending = later;
        }

        // reviewers: one already here is reused only if name, department and lead flag match,
        // and each at most once (two archived reviewers never merge into one)
        let existing: Vec<ReviewerRow> = reviewers::table
            .order(reviewers::id)
            .select(ReviewerRow::as_select())
            .load(c)?;
        let mut claimed: HashSet<i64> = HashSet::new();
        let mut reviewer_map: HashMap<i64, i64> = HashMap::new();
        for p in &dump.reviewers {
            let same = existing.iter().find(|e| {
                !claimed.contains(&e.id)
                    && e.name == p.name
                    && e.department_code == p.department_code
                    && e.lead == p.lead
            });
            let id = match same {
                Some(e) => {
                    done.reviewers_reused += 1;
                    e.id
                }
                None => {
                    done.reviewers_created += 1;
                    diesel::insert_into(reviewers::table)
                        .values((
                            reviewers::name.eq(&p.name),
                            reviewers::department_code.eq(&p.department_code),
                            reviewers::lead.eq(p.lead),
                            reviewers::created_at.eq(p.created_at),
                        ))
                        .returning(reviewers::id)
                        .get_result::<i64>(c)?
                }
            };
            claimed.insert(id);
            reviewer_map.insert(p.id, id);
        }
        for k in &dump.conflicts {
            // a reused reviewer may have declared it here already: that declaration stands
            done.conflicts += diesel::insert_into(reviewer_conflicts::table)
                .values((
                    reviewer_conflicts::reviewer_id.eq(mapped(
                        &reviewer_map,
                        k.reviewer_id,
                        "reviewer",
                    )?),
                    reviewer_conflicts::department_code.eq(&k.department_code),
                    reviewer_conflicts::reason.eq(&k.reason),
                    reviewer_conflicts::declared_at.eq(k.declared_at),
                ))
                .on_conflict_do_nothing()
                .execute(c)?;
        }

        let mut token_map: HashMap<i64, i64> = HashMap::new();
        for t in placeholders {
            let reviewer = match t.reviewer_id {
                Some(id) => Some(mapped(&reviewer_map, id, "reviewer")?),
                None => None,
            };
            let id: i64 = diesel::insert_into(tokens::table)
                .values((
                    tokens::token_hash.eq(&t.token_hash),
                    tokens::role.eq(&t.role),
                    tokens::department_code.eq(&t.department_code),
                    tokens::label.eq(&t.label),
                    tokens::created_at.eq(t.created_at),
                    tokens::revoked_at.eq(Some(t.revoked_at)),
                    tokens::reviewer_id.eq(reviewer),
                ))
                .returning(tokens::id)
                .get_result(c)?;
            token_map.insert(t.source_id, id);
            done.tokens += 1;
        }

        let round_id: i64 = diesel::insert_into(rounds::table)
            .values((
                rounds::year.eq(r.year),
                rounds::title.eq(&r.title),
                rounds::deadline.eq(&r.deadline),
                rounds::rubric_id.eq(&r.rubric_id),
                rounds::rubric_source.eq(&r.rubric_source),
                rounds::state.eq(&r.state),
                rounds::created_at.eq(r.created_at),
                rounds::updated_at.eq(r.updated_at),
                rounds::reviewers_per_submission.eq(r.reviewers_per_submission),
                rounds::appeal_days.eq(r.appeal_days),
                rounds::released_at.eq(r.released_at),
                rounds::appeal_deadline.eq(&r.appeal_deadline),
                rounds::public_results.eq(r.public_results),
                rounds::calendar_revision.eq(r.calendar_revision),
            ))
            .returning(rounds::id)
            .get_result(c)?;
        done.round_id = round_id;
        for chunk in dump.round_departments.chunks(ROWS_PER_INSERT) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|code| {
                    (
                        round_departments::round_id.eq(round_id),
                        round_departments::department_code.eq(code),
                    )
                })
                .collect();
            diesel::insert_into(round_departments::table)
                .values(&rows)
                .execute(c)?;
        }
        for t in &dump.timings {
            diesel::update(round_departments::table)
                .filter(round_departments::round_id.eq(round_id))
                .filter(round_departments::department_code.eq(&t.department_code))
                .set(t)
                .execute(c)?;
        }

        for s in &dump.submissions {
            let row = &s.row;
            let id: i64 = diesel::insert_into(submissions::table)
                .values((
                    submissions::round_id.eq(round_id),
                    submissions::department_code.eq(&row.department_code),
                    submissions::seq.eq(row.seq),
                    submissions::is_current.eq(row.is_current),
                    submissions::submitted_at.eq(row.submitted_at),
                    submissions::late.eq(row.late),
                    submissions::package.eq(&row.package),
                    submissions::score_sheet.eq(&row.score_sheet),
                    submissions::scored_with.eq(&row.scored_with),
                    submissions::total_scaled.eq(row.total_scaled),
                    submissions::complete.eq(row.complete),
                    submissions::submitted_by.eq(mapped(&token_map, row.submitted_by, "token")?),
                    submissions::source_name.eq(&row.source_name),
                ))
                .returning(submissions::id)
                .get_result(c)?;
            done.submissions += 1;
            for f in &s.evidence {
                diesel::insert_into(evidence::table)
                    .values((
                        evidence::submission_id.eq(id),
                        evidence::name.eq(&f.name),
                        evidence::content_type.eq(&f.content_type),
                        evidence::sha256.eq(&f.sha256),
                        evidence::size.eq(f.size),
                        evidence::content.eq(&f.content),
                    ))
                    .execute(c)?;
                done.evidence += 1;
            }
        }

        for chunk in dump.assignments.chunks(ROWS_PER_INSERT) {
            let mut rows = Vec::with_capacity(chunk.len());
            for a in chunk {
                rows.push((
                    assignments::round_id.eq(round_id),
                    assignments::department_code.eq(&a.department_code),
                    assignments::reviewer_id.eq(mapped(&reviewer_map, a.reviewer_id, "reviewer")?),
                    assignments::assigned_at.eq(a.assigned_at),
                ));
            }
            done.assignments += diesel::insert_into(assignments::table)
                .values(&rows)
                .execute(c)?;
        }
        for chunk in dump.review_items.chunks(ROWS_PER_INSERT) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|v| {
                    (
                        review_items::round_id.eq(round_id),
                        review_items::department_code.eq(&v.department_code),
                        review_items::item.eq(&v.item),
                        review_items::version.eq(v.version),
                    )
                })
                .collect();
            done.review_items += diesel::insert_into(review_items::table)
                .values(&rows)
                .execute(c)?;
        }
        for chunk in dump.judgments.chunks(ROWS_PER_INSERT) {
            let mut rows = Vec::with_capacity(chunk.len());
            for j in chunk {
                rows.push(JudgmentRow {
                    round_id,
                    reviewer_id: mapped(&reviewer_map, j.reviewer_id, "reviewer")?,
                    ..j.clone()
                });
            }
            done.judgments += diesel::insert_into(judgments::table)
                .values(&rows)
                .execute(c)?;
        }
        for chunk in dump.resolutions.chunks(ROWS_PER_INSERT) {
            let rows: Vec<ResolutionRow> = chunk
                .iter()
                .map(|x| ResolutionRow {
                    round_id,
                    ..x.clone()
                })
                .collect();
            done.resolutions += diesel::insert_into(resolutions::table)
                .values(&rows)
                .execute(c)?;
        }

        for a in &dump.appeals {
            let row = &a.row;
            let id: i64 = diesel::insert_into(appeals::table)
                .values((
                    appeals::round_id.eq(round_id),
                    appeals::department_code.eq(&row.department_code),
                    appeals::item.eq(&row.item),
                    appeals::reason.eq(&row.reason),
                    appeals::state.eq(&row.state),
                    appeals::filed_at.eq(row.filed_at),
                    appeals::filed_by.eq(mapped(&token_map, row.filed_by, "token")?),
                    appeals::score_before.eq(&row.score_before),
                    appeals::score_after.eq(&row.score_after),
                    appeals::decision_reason.eq(&row.decision_reason),
                    appeals::decided_by.eq(&row.decided_by),
                    appeals::decided_at.eq(row.decided_at),
                ))
                .returning(appeals::id)
                .get_result(c)?;
            done.appeals += 1;
            for f in &a.files {
                diesel::insert_into(appeal_files::table)
                    .values((
                        appeal_files::appeal_id.eq(id),
                        appeal_files::name.eq(&f.name),
                        appeal_files::content_type.eq(&f.content_type),
                        appeal_files::sha256.eq(&f.sha256),
                        appeal_files::size.eq(f.size),
                        appeal_files::content.eq(&f.content),
                    ))
                    .execute(c)?;
                done.appeal_files += 1;
            }
        }

        // the audit log in its order: one multi-row INSERT takes its ids in the order of its
        // rows, and the chunks go in order; a token the dump does not hold is not named
        let mut entries: Vec<&AuditRow> = dump.audit.iter().collect();
        entries.sort_by_key(|e| e.id);
        for chunk in entries.chunks(ROWS_PER_INSERT) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|e| {
                    (
                        audit_log::round_id.eq(round_id),
                        audit_log::department_code.eq(&e.department_code),
                        audit_log::item.eq(&e.item),
                        audit_log::action.eq(&e.action),
                        audit_log::actor.eq(&e.actor),
                        audit_log::actor_token
                            .eq(e.actor_token.and_then(|t| token_map.get(&t).copied())),
                        audit_log::at.eq(e.at),
                        audit_log::before.eq(&e.before),
                        audit_log::after.eq(&e.after),
                        audit_log::reason.eq(&e.reason),
                    )
                })
                .collect();
            done.audit += diesel::insert_into(audit_log::table)
                .values(&rows)
                .execute(c)?;
        }

        // published versions: INSERT is all the immutability triggers allow, and all this needs
        for p in &dump.publications {
            diesel::insert_into(publications::table)
                .values(&PublicationRow {
                    round_id,
                    ..p.row.clone()
                })
                .execute(c)?;
            done.publications += 1;
            for chunk in p.sheets.chunks(ROWS_PER_INSERT) {
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|s| {
                        (
                            published_sheets::round_id.eq(round_id),
                            published_sheets::version.eq(p.row.version),
                            published_sheets::department_code.eq(&s.department_code),
                            published_sheets::sheet.eq(&s.sheet),
                        )
                    })
                    .collect();
                done.published_sheets += diesel::insert_into(published_sheets::table)
                    .values(&rows)
                    .execute(c)?;
            }
        }
        Ok::<ImportedRound, StoreError>(done)
    }};
}

impl Store {
    /// Everything of one round, read in one transaction so the parts agree with each other
    /// (REPEATABLE READ on PostgreSQL; on SQLite a read transaction sees one snapshot).
    pub fn dump_round(&self, round_id: i64) -> StoreResult<RoundDump> {
        use diesel::Connection as _;
        match &self.pool {
            DbPool::Sqlite(p) => {
                let mut conn = p.get()?;
                conn.transaction(|c| read_dump!(c, round_id))
            }
            DbPool::Pg(p) => {
                let mut conn = p.get()?;
                conn.build_transaction()
                    .read_only()
                    .repeatable_read()
                    .run(|c| read_dump!(c, round_id))
            }
        }
    }

    /// Writes a dump as a new round in one transaction, so a refusal or failure writes nothing.
    ///
    /// Ids: the round, submissions, evidence, appeals, appeal files and audit entries all get new
    /// ids (audit entries in the dump's id order, so the log keeps its order); every timestamp is
    /// written as archived. Departments are matched by code: one already here with the same name
    /// and category is used (its parent is left as it is), another name or category is a
    /// Conflict naming both, a missing one is created after its parent. A reviewer already here
    /// with the same name, department and lead flag is used, each at most once so two archived
    /// reviewers never merge; otherwise one is created; their conflicts of interest are added
    /// unless already declared. Each original token becomes one `tokens` row from `tokens`
    /// (revoked placeholders, reviewer remapped) that the rows naming it point at. Conflict when
    /// a round with the same title, year, creation time and rubric is here already: an archive is
    /// imported once.
    pub fn import_round(
        &self,
        dump: &RoundDump,
        tokens: &[PlaceholderToken],
    ) -> StoreResult<ImportedRound> {
        let postgres = self.backend() == Backend::Postgres;
        write_tx!(self, |c| write_dump!(c, postgres, dump, tokens))
    }
}
