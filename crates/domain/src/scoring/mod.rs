//! Score sheet: the checks' outcomes, reviewers' judgments and overrides, total and grade.

mod judgment;
mod timing;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::calendar::WorkCalendar;
use crate::checks::{self, CheckInput, ItemOutcome};
use crate::model::{
    ItemScore, ItemStatus, Judgment, Override, Package, Replaced, ScoreSheet, ScoringMethod,
};
use crate::rubric::{ItemMethod, Rubric};

pub use judgment::{mean, validate_judgment, validate_override, JudgmentError};
pub use timing::{DepartmentTiming, Receipt, ReceiptMethod, Timing};

/// Everything a score sheet is computed from besides the rubric and the calendar.
#[derive(Debug, Clone, Copy)]
pub struct ScoringInput<'a> {
    pub package: &'a Package,
    pub deadline: Option<NaiveDate>,
    /// When the report was received; the package's own `submitted_at` when None.
    pub received_at: Option<DateTime<Utc>>,
    /// Why the deadline or the receipt time are not the round's and the server's (an
    /// extension, a recorded paper receipt), for the timeliness deduction's reason.
    pub timing_note: Option<&'a str>,
    pub judgments: &'a [Judgment],
    pub overrides: &'a [Override],
}

impl<'a> ScoringInput<'a> {
    /// A package alone: no deadline, no judgments, no overrides.
    pub fn package(package: &'a Package) -> Self {
        ScoringInput {
            package,
            deadline: None,
            received_at: None,
            timing_note: None,
            judgments: &[],
            overrides: &[],
        }
    }
}

/// The revision of what the checks and the scoring compute. Bump it whenever the sheet they give
/// for the same package, rubric, calendar and dates changes: stored automatic sheets carry it
/// in their [`fingerprint`], so a build whose checks changed scores them again instead of serving
/// stale sheets. The golden-sheet test (`scoring::tests::golden_sheets`) fails when the output
/// changes and this does not.
pub const SCORING_REVISION: u32 = 5;

/// What an automatic sheet depends on besides the package and the receipt time: the scoring
/// revision, the rubric's and the calendar's content and the deadline. A stored sheet whose
/// fingerprint still holds is reused rather than scored again.
pub fn fingerprint(rubric: &Rubric, calendar: &WorkCalendar, deadline: NaiveDate) -> String {
    let short = |hash: &str| hash.get(..16).unwrap_or(hash).to_string();
    format!(
        "scoring r{SCORING_REVISION} rubric {} calendar {} deadline {deadline}",
        short(&rubric.content_hash),
        short(calendar.content_hash())
    )
}

/// Scores a package. Fails only when a judgment or override breaks the rubric's rules.
pub fn score(
    rubric: &Rubric,
    calendar: &WorkCalendar,
    input: ScoringInput<'_>,
) -> Result<ScoreSheet, JudgmentError> {
    let report = checks::run(
        rubric,
        calendar,
        CheckInput {
            package: input.package,
            deadline: input.deadline,
            received_at: input.received_at.or(input.package.submitted_at),
            timing_note: input.timing_note,
        },
    );
    let items = rubric
        .items
        .iter()
        .zip(report.items)
        .map(|(item, outcome)| sheet_item(item, outcome))
        .collect();
    let automatic = ScoreSheet {
        rubric: rubric.id.clone(),
        department: Some(input.package.department.name.clone()),
        total: Decimal::ZERO,
        max_total: rubric.total,
        complete: false,
        grade: None,
        items,
        findings: report.findings,
    };
    apply(rubric, automatic, input.judgments, input.overrides)
}

/// Applies judgments and overrides to a sheet of automatic outcomes (as `score` makes it with
/// none), then totals and grades it.
pub fn apply(
    rubric: &Rubric,
    mut sheet: ScoreSheet,
    judgments: &[Judgment],
    overrides: &[Override],
) -> Result<ScoreSheet, JudgmentError> {
    judgment::check_unique(judgments, overrides)?;
    if let Some(code) = judgments
        .iter()
        .map(|j| &j.item)
        .chain(overrides.iter().map(|o| &o.item))
        .find(|code| rubric.item(code).is_none())
    {
        return Err(JudgmentError::UnknownItem(code.clone()));
    }
    for (item, sheet_item) in rubric.items.iter().zip(sheet.items.iter_mut()) {
        if let Some(j) = judgments.iter().find(|j| j.item == item.code) {
            let value = judgment::validate_judgment(item, sheet_item.status, j)?;
            // the suggestion's deductions count only while they explain the judged score
            let lost: Decimal = sheet_item.deductions.iter().map(|d| d.points).sum();
            if !sheet_item.deductions.is_empty() && item.max - lost != value {
                replace(sheet_item);
            }
            sheet_item.score = Some(value);
            sheet_item.status = ItemStatus::Judged;
            sheet_item.judgment = Some(Judgment {
                score: Some(value),
                ..j.clone()
            });
        }
        if let Some(o) = overrides.iter().find(|o| o.item == item.code) {
            judgment::validate_override(item, o)?;
            replace(sheet_item);
            sheet_item.automatic_score = sheet_item.score;
            sheet_item.score = Some(o.score);
            sheet_item.status = ItemStatus::Overridden;
            sheet_item.override_ = Some(o.clone());
        }
    }
    for item in &mut sheet.items {
        item.score = item.score.map(|s| s.normalize());
    }
    // totals print as written: "85", not "85.0" beside an item's "49"
    sheet.total = sheet
        .items
        .iter()
        .filter_map(|i| i.score)
        .sum::<Decimal>()
        .normalize();
    sheet.complete = sheet.items.iter().all(|i| i.score.is_some());
    sheet.grade = sheet
        .complete
        .then(|| rubric.grade_for(sheet.total).map(str::to_string))
        .flatten();
    Ok(sheet)
}

/// Moves the item's result and deductions aside as what a correction replaced.
fn replace(item: &mut ItemScore) {
    if item.replaced.is_none() {
        item.replaced = Some(Replaced {
            score: item.score,
            status: item.status,
            deductions: std::mem::take(&mut item.deductions),
        });
    }
}

/// Whether a reviewer judges the item: a judgment item, or an automatic suggestion awaiting
/// confirmation.
pub fn is_judged(item: &crate::rubric::RubricItem, status: ItemStatus) -> bool {
    item.method == ItemMethod::Judgment || status == ItemStatus::AwaitingConfirmation
}

fn sheet_item(item: &crate::rubric::RubricItem, outcome: ItemOutcome) -> ItemScore {
    ItemScore {
        code: item.code.clone(),
        name: item.name.clone(),
        max: item.max,
        score: outcome.score,
        method: match item.method {
            ItemMethod::Automatic => ScoringMethod::Automatic,
            ItemMethod::Judgment => ScoringMethod::Judgment,
        },
        status: outcome.status,
        deductions: outcome.deductions,
        suggested: outcome.suggested,
        hints: outcome.hints,
        automatic_score: None,
        judgment: None,
        override_: None,
        replaced: None,
    }
}

#[cfg(test)]
mod tests;
