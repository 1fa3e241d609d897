//! Judging: each item's state for a reviewer, judgments, a lead reviewer's reconciliation,
//! overrides, all written under If-Match; and the round's review status.

use super::text::FreeText as _;
use super::timing::Timings;
use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::audit::{entry, AuditBuild};
use super::review_views::{
    ItemReview, JudgmentIn, Pending, ReviewStatus, ReviewerScore, SubScoreView, Unfilled,
};
use super::views::RoundState;
use super::{Caller, Role, Round, Service, ServiceError, ServiceResult};
use kaoping_domain::calendar::WorkCalendar;
use kaoping_domain::model::{ItemStatus, Judgment, Override, Package, ReviewScore};
use kaoping_domain::review::{
    self, review_total, AuditAction, ItemProgress, JudgmentEntry, Ledger, Resolution,
    ResolutionKind, ReviewedSheet,
};
use kaoping_domain::rubric::{Rubric, RubricItem, Rule};
use kaoping_domain::scoring;
use kaoping_store::{
    from_micros, micros, ItemChange, JudgmentRow, ResolutionRow, ReviewRows, SubmissionRow,
    Versions,
};

/// A department's submission with everything said of it, scored.
pub(super) struct Reviewed {
    /// Shared by every sheet of a round scored at once.
    pub round: Arc<Round>,
    pub rubric: Arc<Rubric>,
    /// Read for scoring: its `package` is empty unless the stored sheet was stale.
    pub submission: SubmissionRow,
    pub rows: ReviewRows,
    pub result: ReviewedSheet,
    /// Received after the deadline that applies to the department (its extension, its
    /// recorded receipt), as the round stands now.
    pub late: bool,
}

impl Reviewed {
    fn version(&self, item: &str) -> i64 {
        self.rows
            .versions
            .iter()
            .find(|(_, i, _)| i == item)
            .map_or(0, |(_, _, v)| *v)
    }

    fn sheet_version(&self) -> i64 {
        self.rows.versions.iter().map(|(_, _, v)| v).sum()
    }

    pub fn item_etag(&self, item: &str) -> String {
        item_etag(self.submission.id, item, self.version(item))
    }

    /// Changes with every write to the sheet, and with a new submission.
    pub fn sheet_etag(&self) -> String {
        sheet_etag(self.submission.id, self.sheet_version())
    }
}

fn item_etag(submission: i64, item: &str, version: i64) -> String {
    format!("\"i{submission}.{item}.{version}\"")
}

fn sheet_etag(submission: i64, version: i64) -> String {
    format!("\"s{submission}.{version}\"")
}

/// Whether an If-Match header names the item's or the sheet's current ETag.
fn matches(if_match: &str, submission: i64, item: &str, v: Versions) -> bool {
    let item_tag = item_etag(submission, item, v.item);
    let sheet_tag = sheet_etag(submission, v.sheet);
    if_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == item_tag || t == sheet_tag)
}

fn require_if_match(if_match: Option<&str>) -> ServiceResult<&str> {
    match if_match.map(str::trim) {
        None | Some("") => Err(ServiceError::PreconditionRequired),
        Some("*") => Err(ServiceError::PreconditionFailed(
            "If-Match must carry the ETag that was read, not *".into(),
        )),
        Some(t) => Ok(t),
    }
}

fn parse_decimal(s: &str) -> ServiceResult<Decimal> {
    s.parse()
        .map_err(|_| ServiceError::Conflict(format!("a stored score {s:?} is not a decimal")))
}

fn parse_subs(s: &Option<String>) -> ServiceResult<Option<Vec<Decimal>>> {
    Ok(match s {
        Some(s) => Some(serde_json::from_str(s)?),
        None => None,
    })
}

/// The ledger of one department from its rows.
pub(super) fn ledger(rows: &ReviewRows) -> ServiceResult<Ledger> {
    let mut l = Ledger::default();
    for (a, name) in &rows.assignments {
        l.reviewers.insert(a.reviewer_id, name.clone());
    }
    for (j, name) in &rows.judgments {
        l.judgments
            .entry(j.item.clone())
            .or_default()
            .insert(j.reviewer_id, review_score(j, name)?);
    }
    for r in &rows.resolutions {
        l.resolutions.insert(r.item.clone(), resolution(r)?);
    }
    Ok(l)
}

pub(super) fn review_score(j: &JudgmentRow, name: &str) -> ServiceResult<ReviewScore> {
    Ok(ReviewScore {
        score: Some(parse_decimal(&j.score)?),
        sub_scores: parse_subs(&j.sub_scores)?,
        reason: j.reason.clone(),
        by: name.to_string(),
        at: Some(from_micros(j.at)),
    })
}

fn resolution(r: &ResolutionRow) -> ServiceResult<Resolution> {
    Ok(Resolution {
        kind: ResolutionKind::parse(&r.kind).ok_or_else(|| {
            ServiceError::Conflict(format!("resolution of {} has an unknown kind", r.item))
        })?,
        score: parse_decimal(&r.score)?,
        sub_scores: parse_subs(&r.sub_scores)?,
        reason: r.reason.clone(),
        by: r.by_name.clone(),
        at: Some(from_micros(r.at)),
    })
}

/// Departments scored together when a whole round is: bounds the memory a province round
/// takes, and the parameters of one query.
pub(super) const SCORING_PAGE: usize = 1000;

/// The status a judgment of the item is checked against: awaiting one when reviewers judge the
/// item, else its automatic status (which refuses a judgment).
pub(super) fn judging_status(r: &Reviewed, item: &str) -> ItemStatus {
    let judged = !matches!(
        r.result.progress.get(item),
        None | Some(ItemProgress::Automatic)
    );
    match r.rubric.item(item).map(|i| i.method) {
        Some(kaoping_domain::rubric::ItemMethod::Automatic) if judged => {
            ItemStatus::AwaitingConfirmation
        }
        _ if judged => ItemStatus::AwaitingJudgment,
        _ => ItemStatus::Scored,
    }
}

/// A judgment or decision as entered, checked against the rubric item.
pub(super) fn checked(
    item: &RubricItem,
    status: ItemStatus,
    input: &JudgmentIn,
    by: &str,
) -> ServiceResult<Decimal> {
    let j = Judgment {
        item: item.code.clone(),
        score: input.score,
        sub_scores: input.sub_scores.clone(),
        reason: input.reason.trim().to_string(),
        by: by.to_string(),
        at: None,
        basis: None,
        reviews: Vec::new(),
    };
    Ok(scoring::validate_judgment(item, status, &j)?)
}

/// What a round's sheets are scored with.
struct Pinned<'a> {
    rubric: Arc<Rubric>,
    calendar: &'a WorkCalendar,
    /// Set for what departments and the public read: reviewers by label, never by name.
    numbering: Option<Arc<BTreeMap<i64, usize>>>,
    /// Of the rubric, the calendar and the deadline: a stored sheet with it is reused.
    fingerprint: &'a str,
    /// Extensions and recorded receipts of the round's departments.
    timings: Timings,
}

impl Service {
    /// Scores a department's current submission with what reviewers said of it.
    pub(super) fn reviewed(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
    ) -> ServiceResult<Reviewed> {
        self.reviewed_as(caller, round_id, code, false)
    }

    /// [`Service::reviewed`], with reviewers unnamed by construction when `anonymise`.
    pub(super) fn reviewed_as(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        anonymise: bool,
    ) -> ServiceResult<Reviewed> {
        let round = self.department_in_round(caller, round_id, code)?;
        let one = [code.to_string()];
        let rubric = self.pinned_rubric(round_id)?;
        let calendar = self.calendar_at(round.calendar_revision)?;
        let fingerprint = scoring::fingerprint(&rubric, &calendar, round.deadline);
        let submission = self
            .store
            .current_submissions_for_scoring(round_id, &one, &fingerprint)?
            .pop()
            .ok_or_else(|| {
                ServiceError::NotFound(format!("部门 {code} 在第 {round_id} 轮尚未提交材料"))
            })?;
        let rows = self.store.review_rows(round_id, Some(&one))?;
        let pinned = Pinned {
            rubric,
            calendar: &calendar,
            numbering: self.numbering_if(anonymise, round_id)?,
            fingerprint: &fingerprint,
            timings: self.timings(round_id)?,
        };
        self.score_reviewed(Arc::new(round), &pinned, submission, rows)
    }

    /// Scores a submission with its review rows; its stored automatic sheet is reused when it
    /// was scored with `fingerprint` (the round's, computed once by the caller).
    fn score_reviewed(
        &self,
        round: Arc<Round>,
        pinned: &Pinned<'_>,
        submission: SubmissionRow,
        rows: ReviewRows,
    ) -> ServiceResult<Reviewed> {
        let ledger = match &pinned.numbering {
            Some(n) => ledger(&rows)?.anonymised(n),
            None => ledger(&rows)?,
        };
        let rubric = pinned.rubric.clone();
        let timing = pinned.timings.of(round.deadline, &submission);
        // the round's fingerprint, unless the department has its own deadline or receipt
        let fresh = match pinned.timings.get(&submission.department_code) {
            None => submission.scored_with == pinned.fingerprint,
            Some(_) => submission.scored_with == timing.fingerprint(&rubric, pinned.calendar),
        };
        let result = if fresh {
            review::sheet_from(
                &rubric,
                serde_json::from_str(&submission.score_sheet)?,
                &ledger,
            )?
        } else {
            let package: Package = match submission.package.as_str() {
                // read without its package (the round's fingerprint held): read it now
                "" => self
                    .store
                    .current_submission(round.id, &submission.department_code)?
                    .filter(|s| s.id == submission.id)
                    .map(|s| serde_json::from_str(&s.package))
                    .transpose()?
                    .ok_or_else(|| {
                        ServiceError::NotFound(format!("submission {} is gone", submission.id))
                    })?,
                text => serde_json::from_str(text)?,
            };
            review::sheet(&rubric, pinned.calendar, timing.input(&package), &ledger)?
        };
        Ok(Reviewed {
            round,
            rubric,
            submission,
            rows,
            result,
            late: timing.late(),
        })
    }

    /// `f` over every submitted department of the round scored with what reviewers said, in
    /// department order. Read a page of departments at a time (two queries a page) and scored
    /// on every core, each sheet handed to `f` as soon as it is scored, so only what `f` keeps
    /// stays in memory: a province round has tens of thousands of sheets. `round` is the one
    /// the caller has already read (and checked it may see).
    pub(super) fn score_each<R, F>(&self, round: &Round, f: F) -> ServiceResult<Vec<R>>
    where
        R: Send,
        F: Fn(Reviewed) -> ServiceResult<R> + Sync,
    {
        self.score_each_as(round, false, f)
    }

    /// [`Service::score_each`], with reviewers unnamed by construction when `anonymise`.
    pub(super) fn score_each_as<R, F>(
        &self,
        round: &Round,
        anonymise: bool,
        f: F,
    ) -> ServiceResult<Vec<R>>
    where
        R: Send,
        F: Fn(Reviewed) -> ServiceResult<R> + Sync,
    {
        let round_id = round.id;
        let round = Arc::new(round.clone());
        let rubric = self.pinned_rubric(round_id)?;
        let calendar = self.calendar_at(round.calendar_revision)?;
        let fingerprint = scoring::fingerprint(&rubric, &calendar, round.deadline);
        let pinned = Pinned {
            rubric,
            calendar: &calendar,
            numbering: self.numbering_if(anonymise, round_id)?,
            fingerprint: &fingerprint,
            timings: self.timings(round_id)?,
        };
        let codes = self.store.submitted_departments(round_id)?;
        // the next page is read while this one is scored
        std::thread::scope(|scope| {
            let (pages, next) = std::sync::mpsc::sync_channel(1);
            let (codes, fingerprint, pinned) = (&codes, &fingerprint, &pinned);
            scope.spawn(move || {
                for page in codes.chunks(SCORING_PAGE) {
                    let read = self.scoring_page(round_id, page, fingerprint);
                    let failed = read.is_err();
                    // a closed channel: the scorer stopped at an error
                    if pages.send(read).is_err() || failed {
                        break;
                    }
                }
            });
            let mut out = Vec::with_capacity(codes.len());
            for work in next {
                out.extend(super::in_parallel(work?, super::cores(), |(s, r)| {
                    f(self.score_reviewed(round.clone(), pinned, s, r)?)
                })?);
            }
            Ok(out)
        })
    }

    /// The round's numbering of its reviewers (by id, over its assignments, which are fixed
    /// once results are released), when `anonymise`.
    fn numbering_if(
        &self,
        anonymise: bool,
        round_id: i64,
    ) -> ServiceResult<Option<Arc<BTreeMap<i64, usize>>>> {
        if !anonymise {
            return Ok(None);
        }
        let assigned = self.store.assignments(round_id, None)?;
        Ok(Some(Arc::new(review::numbering(
            assigned.iter().map(|(a, _)| a.reviewer_id),
        ))))
    }

    /// The current submissions of a page of departments, each with its review rows.
    fn scoring_page(
        &self,
        round_id: i64,
        page: &[String],
        fingerprint: &str,
    ) -> ServiceResult<Vec<(SubmissionRow, ReviewRows)>> {
        let mut rows = self
            .store
            .review_rows(round_id, Some(page))?
            .by_department();
        Ok(self
            .store
            .current_submissions_for_scoring(round_id, page, fingerprint)?
            .into_iter()
            .map(|s| {
                let r = rows.remove(&s.department_code).unwrap_or_default();
                (s, r)
            })
            .collect())
    }

    /// Who may look at the review of a department: admins, lead reviewers without a conflict,
    /// and its assigned reviewers. Returns whether the caller sees every reviewer's judgment.
    fn may_review(&self, caller: &Caller, round_id: i64, code: &str) -> ServiceResult<bool> {
        match caller.role {
            Role::Admin => Ok(true),
            Role::Reviewer => {
                let me = self.me_reviewer(caller)?;
                self.refuse_conflict(&me, round_id, code)?;
                if me.lead {
                    return Ok(true);
                }
                let assigned = self
                    .store
                    .assignments(round_id, Some(me.id))?
                    .iter()
                    .any(|(a, _)| a.department_code == code);
                if assigned {
                    Ok(false)
                } else {
                    Err(ServiceError::Forbidden(format!(
                        "reviewer {} is not assigned to department {code} in round {round_id}",
                        me.name
                    )))
                }
            }
            _ => Err(ServiceError::Forbidden(format!(
                "a {} token may not see the review",
                caller.role.as_str()
            ))),
        }
    }

    fn item_view(
        &self,
        caller: &Caller,
        r: &Reviewed,
        item: &RubricItem,
        sees_all: bool,
    ) -> ServiceResult<ItemReview> {
        let scored = r
            .result
            .sheet
            .items
            .iter()
            .find(|i| i.code == item.code)
            .ok_or_else(|| {
                ServiceError::NotFound(format!("item {} is not on the sheet", item.code))
            })?;
        let me = caller.reviewer;
        let judgments = r
            .rows
            .judgments
            .iter()
            .filter(|(j, _)| j.item == item.code && (sees_all || Some(j.reviewer_id) == me))
            .map(|(j, name)| review_score(j, name))
            .collect::<ServiceResult<Vec<_>>>()?;
        let (bands, sub_scores) = match &item.rule {
            Rule::ProblemBands { bands, .. } | Rule::SuggestionBands { bands, .. } => {
                (bands.bands.clone(), Vec::new())
            }
            Rule::IndicatorQuality { sub_scores, .. } => (
                Vec::new(),
                sub_scores
                    .iter()
                    .map(|s| SubScoreView {
                        name: s.name.clone(),
                        max: s.max,
                    })
                    .collect(),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        Ok(ItemReview {
            round_id: r.round.id,
            department: r.submission.department_code.clone(),
            item: item.code.clone(),
            name: item.name.clone(),
            max: item.max,
            score: scored.score,
            status: scored.status,
            progress: r
                .result
                .progress
                .get(&item.code)
                .cloned()
                .unwrap_or(ItemProgress::Automatic),
            bands,
            sub_scores,
            suggested: scored.suggested.clone(),
            hints: scored.hints.clone(),
            deductions: scored.deductions.clone(),
            automatic_score: scored.automatic_score,
            judgments,
            resolution: r
                .rows
                .resolutions
                .iter()
                .find(|x| x.item == item.code)
                .map(resolution)
                .transpose()?,
            threshold: r.rubric.review.double_review_threshold,
            etag: r.item_etag(&item.code),
        })
    }

    fn rubric_item<'a>(&self, r: &'a Reviewed, item: &str) -> ServiceResult<&'a RubricItem> {
        r.rubric.item(item).ok_or_else(|| {
            ServiceError::NotFound(format!(
                "item {item} is not in rubric {}; its items: {}",
                r.rubric.id,
                r.rubric
                    .items
                    .iter()
                    .map(|i| i.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    /// One item under review, with its ETag.
    pub fn item_review(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        item: &str,
    ) -> ServiceResult<ItemReview> {
        let sees_all = self.may_review(caller, round_id, code)?;
        let r = self.reviewed(caller, round_id, code)?;
        let rubric_item = self.rubric_item(&r, item)?;
        self.item_view(caller, &r, rubric_item, sees_all)
    }

    /// Every item of a department under review.
    pub fn item_reviews(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
    ) -> ServiceResult<Vec<ItemReview>> {
        let sees_all = self.may_review(caller, round_id, code)?;
        let r = self.reviewed(caller, round_id, code)?;
        r.rubric
            .items
            .iter()
            .map(|i| self.item_view(caller, &r, i, sees_all))
            .collect()
    }

    fn require_closed(round: &Round) -> ServiceResult<()> {
        match round.state {
            RoundState::Closed => Ok(()),
            RoundState::Open => Err(ServiceError::Conflict(format!(
                "round {} is open: reviewers judge once it is closed",
                round.id
            ))),
            _ => Err(ServiceError::Conflict(format!(
                "round {} is {}: scores change only through appeals now",
                round.id,
                round.state.as_str()
            ))),
        }
    }

    /// A reviewer's own judgment of an item (an assigned reviewer only).
    pub fn put_judgment(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        item: &str,
        input: JudgmentIn,
        if_match: Option<&str>,
    ) -> ServiceResult<ItemReview> {
        caller.require(&[Role::Reviewer])?;
        let me = self.me_reviewer(caller)?;
        self.refuse_conflict(&me, round_id, code)?;
        input.check_text()?;
        let assigned = self
            .store
            .assignments(round_id, Some(me.id))?
            .iter()
            .any(|(a, _)| a.department_code == code);
        if !assigned {
            return Err(ServiceError::Forbidden(format!(
                "reviewer {} is not assigned to department {code} in round {round_id}",
                me.name
            )));
        }
        let r = self.reviewed(caller, round_id, code)?;
        Self::require_closed(&r.round)?;
        let rubric_item = self.rubric_item(&r, item)?;
        let status = judging_status(&r, item);
        let if_match = require_if_match(if_match)?;
        let total = checked(rubric_item, status, &input, &me.name)?;
        let now = self.now();
        let row = JudgmentRow {
            round_id,
            department_code: code.to_string(),
            item: item.to_string(),
            reviewer_id: me.id,
            score: total.to_string(),
            sub_scores: input
                .sub_scores
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
            reason: input.reason.trim().to_string(),
            at: micros(now),
        };
        let after = JudgmentEntry {
            reviewer_id: me.id,
            judgment: review_score(&row, &me.name)?,
        };
        let sub = r.submission.id;
        self.store.write_item(
            round_id,
            code,
            item,
            |v| matches(if_match, sub, item, v),
            ItemChange {
                judgment: Some(row),
                ..ItemChange::default()
            },
            |prior| {
                let before = prior.judgment.as_ref().and_then(|j| {
                    review_score(j, &me.name)
                        .ok()
                        .map(|judgment| JudgmentEntry {
                            reviewer_id: me.id,
                            judgment,
                        })
                });
                vec![
                    entry(caller, micros(now), round_id, AuditAction::JudgmentSet)
                        .department(code)
                        .item(item)
                        .before(&before)
                        .after(&after)
                        .reason(input.reason.trim()),
                ]
            },
        )?;
        self.item_review(caller, round_id, code, item)
    }

    /// A lead reviewer's (or admin's) decision on an item whose judgments are too far apart.
    pub fn put_decision(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        item: &str,
        input: JudgmentIn,
        if_match: Option<&str>,
    ) -> ServiceResult<ItemReview> {
        let by = self.lead_or_admin(caller, round_id, code, item)?;
        input.check_text()?;
        let r = self.reviewed(caller, round_id, code)?;
        Self::require_closed(&r.round)?;
        let rubric_item = self.rubric_item(&r, item)?;
        let redeciding = r
            .rows
            .resolutions
            .iter()
            .any(|x| x.item == item && x.kind == ResolutionKind::Reconciliation.as_str());
        let disagree = matches!(
            r.result.progress.get(item),
            Some(ItemProgress::AwaitingReconciliation { .. })
        );
        if !disagree && !redeciding {
            return Err(ServiceError::Conflict(format!(
                "item {item} of department {code} awaits no reconciliation: its judgments are within {} points or not all in",
                r.rubric.review.double_review_threshold
            )));
        }
        let if_match = require_if_match(if_match)?;
        let status = judging_status(&r, item);
        let total = checked(rubric_item, status, &input, &by)?;
        self.write_resolution(
            caller,
            &r,
            item,
            if_match,
            Resolution {
                kind: ResolutionKind::Reconciliation,
                score: total,
                sub_scores: input.sub_scores.clone(),
                reason: input.reason.trim().to_string(),
                by,
                at: Some(self.now()),
            },
            None,
        )?;
        self.item_review(caller, round_id, code, item)
    }

    /// A correction of an automatic result: by an assigned reviewer, a lead reviewer or an admin.
    pub fn put_override(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        item: &str,
        input: JudgmentIn,
        if_match: Option<&str>,
    ) -> ServiceResult<ItemReview> {
        self.may_review(caller, round_id, code)?;
        input.check_text()?;
        let by = match caller.role {
            Role::Reviewer => self.me_reviewer(caller)?.name,
            _ => caller.actor(),
        };
        let r = self.reviewed(caller, round_id, code)?;
        // After release only an admin corrects (更正), and the correction is published as a
        // new version.
        let correcting = matches!(r.round.state, RoundState::Released | RoundState::Published)
            && caller.role == Role::Admin;
        if !correcting {
            Self::require_closed(&r.round)?;
        }
        let rubric_item = self.rubric_item(&r, item)?;
        let if_match = require_if_match(if_match)?;
        let score = input.score.ok_or_else(|| {
            ServiceError::invalid("score", "an override needs the corrected score")
        })?;
        let o = Override {
            item: item.to_string(),
            score,
            reason: input.reason.trim().to_string(),
            by: by.clone(),
            at: None,
        };
        scoring::validate_override(rubric_item, &o)?;
        self.write_resolution(
            caller,
            &r,
            item,
            if_match,
            Resolution {
                kind: ResolutionKind::Override,
                score,
                sub_scores: None,
                reason: o.reason,
                by,
                at: Some(self.now()),
            },
            None,
        )?;
        self.item_review(caller, round_id, code, item)
    }

    /// Writes the last word on an item (and decides an appeal with it), audited.
    pub(super) fn write_resolution(
        &self,
        caller: &Caller,
        r: &Reviewed,
        item: &str,
        if_match: &str,
        res: Resolution,
        appeal: Option<(i64, kaoping_store::AppealDecision, serde_json::Value)>,
    ) -> ServiceResult<Versions> {
        let now = micros(self.now());
        let code = r.submission.department_code.clone();
        let round_id = r.round.id;
        let sub = r.submission.id;
        let row = ResolutionRow {
            round_id,
            department_code: code.clone(),
            item: item.to_string(),
            kind: res.kind.as_str().to_string(),
            score: res.score.to_string(),
            sub_scores: res
                .sub_scores
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
            reason: res.reason.clone(),
            by_name: res.by.clone(),
            at: now,
        };
        let appeal_audit = appeal.as_ref().map(|(_, _, v)| v.clone());
        Ok(self.store.write_item(
            round_id,
            &code,
            item,
            |v| matches(if_match, sub, item, v),
            ItemChange {
                judgment: None,
                resolution: Some(row),
                appeal: appeal.map(|(id, d, _)| (id, d)),
            },
            |prior| {
                let before = prior.resolution.as_ref().and_then(|x| resolution(x).ok());
                let mut out = vec![entry(caller, now, round_id, AuditAction::ResolutionSet)
                    .department(&code)
                    .item(item)
                    .before(&before)
                    .after(&res)
                    .reason(&res.reason)];
                if let Some(v) = &appeal_audit {
                    out.push(
                        entry(caller, now, round_id, AuditAction::AppealDecided)
                            .department(&code)
                            .item(item)
                            .after(v)
                            .reason(&res.reason),
                    );
                }
                out
            },
        )?)
    }

    /// The name a lead reviewer or admin decides `item` of `code` under; refuses others,
    /// conflicts, and a lead who judged the item themself (another lead or an admin decides).
    pub(super) fn lead_or_admin(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        item: &str,
    ) -> ServiceResult<String> {
        match caller.role {
            Role::Admin => Ok(caller.actor()),
            Role::Reviewer => {
                let me = self.me_reviewer(caller)?;
                if !me.lead {
                    return Err(ServiceError::Forbidden(format!(
                        "reviewer {} is not a lead reviewer",
                        me.name
                    )));
                }
                self.refuse_conflict(&me, round_id, code)?;
                let one = [code.to_string()];
                let judged = self
                    .store
                    .review_rows(round_id, Some(&one))?
                    .judgments
                    .iter()
                    .any(|(j, _)| j.reviewer_id == me.id && j.item == item);
                if judged {
                    return Err(ServiceError::ConflictOfInterest(format!(
                        "组长 {} 本人评过 {code} 的 {item}，不能再裁定：须由另一位组长或管理员裁定",
                        me.name
                    )));
                }
                Ok(me.name)
            }
            _ => Err(ServiceError::Forbidden(format!(
                "a {} token may not decide",
                caller.role.as_str()
            ))),
        }
    }

    /// What awaits reconciliation, what is not judged yet, and who is missing (admin, lead).
    pub fn review_status(&self, caller: &Caller, round_id: i64) -> ServiceResult<ReviewStatus> {
        match caller.role {
            Role::Admin => {}
            Role::Reviewer if self.me_reviewer(caller)?.lead => {}
            _ => {
                return Err(ServiceError::Forbidden(
                    "only admins and lead reviewers see the review status".into(),
                ))
            }
        }
        let round = self.round(caller, round_id)?;
        let rubric = self.pinned_rubric(round_id)?;
        let mut status = ReviewStatus {
            round_id,
            threshold: rubric.review.double_review_threshold,
            awaiting_reconciliation: Vec::new(),
            not_judged: Vec::new(),
            understaffed: Vec::new(),
            not_submitted: Vec::new(),
            complete: Vec::new(),
        };
        let wanted = usize::try_from(round.reviewers_per_submission).unwrap_or(2);
        let all = self.score_each(&round, |r| {
            Ok((
                r.submission.department_code.clone(),
                r.rows.assignments.len(),
                r.result.sheet.complete,
                pending(&r),
            ))
        })?;
        let submitted: std::collections::HashSet<&str> =
            all.iter().map(|(code, ..)| code.as_str()).collect();
        status.not_submitted = round
            .departments
            .iter()
            .filter(|code| !submitted.contains(code.as_str()))
            .cloned()
            .collect();
        for (code, assigned, complete, missing) in all {
            if assigned < wanted {
                status.understaffed.push(Unfilled {
                    department: code.clone(),
                    assigned,
                    wanted,
                });
            }
            if complete {
                status.complete.push(code);
            }
            for p in missing {
                match p.status {
                    ItemStatus::AwaitingReconciliation => status.awaiting_reconciliation.push(p),
                    _ => status.not_judged.push(p),
                }
            }
        }
        Ok(status)
    }
}

/// The items of a sheet still without a score, with the reviewers' scores and who is missing.
pub(super) fn pending(r: &Reviewed) -> Vec<Pending> {
    let name = |id: &i64| {
        r.rows
            .assignments
            .iter()
            .find(|(a, _)| a.reviewer_id == *id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| format!("reviewer {id}"))
    };
    r.result
        .sheet
        .items
        .iter()
        .filter(|i| i.score.is_none())
        .map(|i| {
            let missing = match r.result.progress.get(&i.code) {
                Some(ItemProgress::AwaitingReviews { missing, .. }) => {
                    missing.iter().map(name).collect()
                }
                _ => Vec::new(),
            };
            Pending {
                department: r.submission.department_code.clone(),
                item: i.code.clone(),
                status: i.status,
                scores: r
                    .rows
                    .judgments
                    .iter()
                    .filter(|(j, _)| j.item == i.code)
                    .filter_map(|(j, n)| {
                        review_score(j, n).ok().map(|s| ReviewerScore {
                            reviewer: n.clone(),
                            score: review_total(&s),
                        })
                    })
                    .collect(),
                missing,
                etag: r.item_etag(&i.code),
            }
        })
        .collect()
}
