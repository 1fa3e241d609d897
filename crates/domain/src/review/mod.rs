//! 评审: how reviewers' judgments, a lead reviewer's decision (裁定), overrides and upheld appeals
//! (复核) make each item's score, and the audit log replayed into that state. Pure: the service
//! loads a [`Ledger`] from the store, a test rebuilds one from the audit log, both score it here.

mod anonymity;
mod conflicts;
mod replay;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::calendar::WorkCalendar;
use crate::model::{ItemStatus, Judgment, JudgmentBasis, Override, ReviewScore, ScoreSheet};
use crate::rubric::Rubric;
use crate::scoring::{self, JudgmentError, ScoringInput};

pub use anonymity::{numbering, reviewer_label, PANEL};
pub use conflicts::Organisation;
pub use replay::{replay, AuditAction, AuditEntry, JudgmentEntry, ReviewerEntry};

/// The last word on an item, which no reviewer's judgment changes afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionKind {
    /// A reviewer's correction of an automatic result.
    Override,
    /// A lead reviewer's decision between judgments too far apart (裁定).
    Reconciliation,
    /// An upheld appeal (复核).
    Appeal,
}

impl ResolutionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionKind::Override => "override",
            ResolutionKind::Reconciliation => "reconciliation",
            ResolutionKind::Appeal => "appeal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Override, Self::Reconciliation, Self::Appeal]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An override, reconciliation or upheld appeal of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Resolution {
    pub kind: ResolutionKind,
    pub score: Decimal,
    #[serde(default)]
    pub sub_scores: Option<Vec<Decimal>>,
    pub reason: String,
    pub by: String,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// Everything reviewers have said of one submission.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    /// Reviewers assigned to the submission: id → name.
    pub reviewers: BTreeMap<i64, String>,
    /// item → reviewer id → that reviewer's judgment.
    pub judgments: BTreeMap<String, BTreeMap<i64, ReviewScore>>,
    /// item → the last word on it.
    pub resolutions: BTreeMap<String, Resolution>,
}

/// Where a judged item stands in the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ItemProgress {
    /// Scored by the checks; nobody needs to judge it.
    Automatic,
    /// Some assigned reviewers have not judged it yet.
    AwaitingReviews { judged: Vec<i64>, missing: Vec<i64> },
    /// The judgments differ by more than the threshold: a lead reviewer decides.
    AwaitingReconciliation { spread: Decimal },
    /// It has a score from the reviews, a decision or an appeal.
    Resolved,
}

/// A score sheet with each judged item's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewedSheet {
    pub sheet: ScoreSheet,
    pub progress: BTreeMap<String, ItemProgress>,
}

/// The total of a judgment: its score, or the sum of its sub-scores.
pub fn review_total(r: &ReviewScore) -> Decimal {
    r.score
        .or_else(|| r.sub_scores.as_ref().map(|s| s.iter().sum()))
        .unwrap_or_default()
}

/// Scores a submission with what the ledger holds. `input`'s own judgments and overrides are
/// ignored: the ledger is the only source.
pub fn sheet(
    rubric: &Rubric,
    calendar: &WorkCalendar,
    input: ScoringInput<'_>,
    ledger: &Ledger,
) -> Result<ReviewedSheet, JudgmentError> {
    let automatic = scoring::score(
        rubric,
        calendar,
        ScoringInput {
            judgments: &[],
            overrides: &[],
            ..input
        },
    )?;
    sheet_from(rubric, automatic, ledger)
}

/// As [`sheet`], from the package's automatic sheet (as `scoring::score` gives it with no
/// judgments) already made: publishing a large round reuses the sheets stored at submission.
pub fn sheet_from(
    rubric: &Rubric,
    automatic: ScoreSheet,
    ledger: &Ledger,
) -> Result<ReviewedSheet, JudgmentError> {
    let mut judgments = Vec::new();
    let mut overrides = Vec::new();
    let mut progress = BTreeMap::new();
    for (item, scored) in rubric.items.iter().zip(&automatic.items) {
        let resolution = ledger.resolutions.get(&item.code);
        if !scoring::is_judged(item, scored.status) {
            if let Some(r) = resolution {
                overrides.push(override_of(&item.code, r));
            }
            progress.insert(item.code.clone(), ItemProgress::Automatic);
            continue;
        }
        let reviews = assigned_reviews(ledger, &item.code);
        let (judgment, state) = match resolution {
            Some(r) if r.kind == ResolutionKind::Override => {
                overrides.push(override_of(&item.code, r));
                (None, ItemProgress::Resolved)
            }
            Some(r) => (
                Some(decided(&item.code, r, &reviews)),
                ItemProgress::Resolved,
            ),
            None => combine(ledger, &item.code, &reviews, rubric),
        };
        judgments.extend(judgment);
        progress.insert(item.code.clone(), state);
    }
    let mut sheet = scoring::apply(rubric, automatic, &judgments, &overrides)?;
    for item in &mut sheet.items {
        if matches!(
            progress.get(&item.code),
            Some(ItemProgress::AwaitingReconciliation { .. })
        ) {
            item.status = ItemStatus::AwaitingReconciliation;
        }
    }
    Ok(ReviewedSheet { sheet, progress })
}

/// The judgments of the item by the reviewers assigned (by everyone when nobody is assigned).
fn assigned_reviews(ledger: &Ledger, item: &str) -> Vec<(i64, ReviewScore)> {
    ledger
        .judgments
        .get(item)
        .into_iter()
        .flatten()
        .filter(|(id, _)| ledger.reviewers.is_empty() || ledger.reviewers.contains_key(id))
        .map(|(id, r)| (*id, r.clone()))
        .collect()
}

/// One judgment, the mean of several within the threshold, or nothing yet.
fn combine(
    ledger: &Ledger,
    item: &str,
    reviews: &[(i64, ReviewScore)],
    rubric: &Rubric,
) -> (Option<Judgment>, ItemProgress) {
    let missing: Vec<i64> = ledger
        .reviewers
        .keys()
        .filter(|id| !reviews.iter().any(|(r, _)| r == *id))
        .copied()
        .collect();
    if reviews.is_empty() || !missing.is_empty() {
        let judged = reviews.iter().map(|(id, _)| *id).collect();
        return (None, ItemProgress::AwaitingReviews { judged, missing });
    }
    if let [(_, only)] = reviews {
        let j = Judgment {
            item: item.to_string(),
            score: only.score,
            sub_scores: only.sub_scores.clone(),
            reason: only.reason.clone(),
            by: only.by.clone(),
            at: only.at,
            basis: Some(JudgmentBasis::Single),
            reviews: Vec::new(),
        };
        return (Some(j), ItemProgress::Resolved);
    }
    let totals: Vec<Decimal> = reviews.iter().map(|(_, r)| review_total(r)).collect();
    let spread = totals.iter().max().copied().unwrap_or_default()
        - totals.iter().min().copied().unwrap_or_default();
    if spread > rubric.review.double_review_threshold {
        return (None, ItemProgress::AwaitingReconciliation { spread });
    }
    let all: Vec<ReviewScore> = reviews.iter().map(|(_, r)| r.clone()).collect();
    let j = Judgment {
        item: item.to_string(),
        score: Some(scoring::mean(totals.iter().sum(), totals.len())),
        sub_scores: mean_sub_scores(&all),
        reason: all
            .iter()
            .map(|r| format!("{}：{}", r.by, r.reason))
            .collect::<Vec<_>>()
            .join("；"),
        by: all
            .iter()
            .map(|r| r.by.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        at: all.iter().filter_map(|r| r.at).max(),
        basis: Some(JudgmentBasis::Mean),
        reviews: all,
    };
    (Some(j), ItemProgress::Resolved)
}

/// Component-wise means when every reviewer gave sub-scores.
fn mean_sub_scores(reviews: &[ReviewScore]) -> Option<Vec<Decimal>> {
    let subs: Vec<&Vec<Decimal>> = reviews
        .iter()
        .filter_map(|r| r.sub_scores.as_ref())
        .collect();
    if subs.len() != reviews.len() {
        return None;
    }
    let width = subs.first()?.len();
    if subs.iter().any(|s| s.len() != width) {
        return None;
    }
    Some(
        (0..width)
            .map(|i| scoring::mean(subs.iter().map(|s| s[i]).sum(), subs.len()))
            .collect(),
    )
}

fn decided(item: &str, r: &Resolution, reviews: &[(i64, ReviewScore)]) -> Judgment {
    Judgment {
        item: item.to_string(),
        score: r.sub_scores.is_none().then_some(r.score),
        sub_scores: r.sub_scores.clone(),
        reason: r.reason.clone(),
        by: r.by.clone(),
        at: r.at,
        basis: Some(match r.kind {
            ResolutionKind::Appeal => JudgmentBasis::Appeal,
            _ => JudgmentBasis::Reconciliation,
        }),
        reviews: reviews.iter().map(|(_, r)| r.clone()).collect(),
    }
}

fn override_of(item: &str, r: &Resolution) -> Override {
    Override {
        item: item.to_string(),
        score: r.score,
        reason: match r.kind {
            ResolutionKind::Appeal => format!("复核：{}", r.reason),
            _ => r.reason.clone(),
        },
        by: r.by.clone(),
        at: r.at,
    }
}

#[cfg(test)]
mod tests;
