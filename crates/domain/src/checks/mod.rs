//! Automatic checks: each rubric item's rule applied to a package, giving a score with its
//! deductions (or, for judgment items, hints and a suggested band), plus consistency findings.
//!
//! Pure functions of the rubric, the calendar and the package: no I/O, no clock.

pub mod completeness;
mod consistency;
pub(crate) mod documents;
mod identity;
mod indicators;
mod narrative;
pub mod notice_elements;
mod outcome;
mod timeliness;

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::WorkCalendar;
use crate::model::{Finding, Package};
use crate::rubric::{Rubric, RubricItem, Rule};

pub use outcome::ItemOutcome;

/// What the checks look at besides the rubric and the calendar.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    pub package: &'a Package,
    /// The round's deadline (a date, Asia/Shanghai).
    pub deadline: Option<NaiveDate>,
    /// When the report was received.
    pub received_at: Option<DateTime<Utc>>,
    /// Why the deadline or the receipt are not the round's and the server's, in Chinese.
    pub timing_note: Option<&'a str>,
}

/// The outcome of every item, in rubric order, and the findings.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub items: Vec<ItemOutcome>,
    pub findings: Vec<Finding>,
}

/// Runs every item's rule and the consistency checks.
pub fn run(rubric: &Rubric, calendar: &WorkCalendar, input: CheckInput<'_>) -> CheckReport {
    let mut findings = Vec::new();
    let items = rubric
        .items
        .iter()
        .map(|item| check_item(item, calendar, input, &mut findings))
        .collect();
    findings.extend(consistency::findings(&rubric.consistency, input.package));
    findings.extend(identity::findings(input.package));
    findings.extend(identity::document_dates(
        input.package,
        calendar,
        input.received_at,
    ));
    findings.extend(documents::unread_scans(input.package));
    CheckReport { items, findings }
}

fn check_item(
    item: &RubricItem,
    calendar: &WorkCalendar,
    input: CheckInput<'_>,
    findings: &mut Vec<Finding>,
) -> ItemOutcome {
    let pkg = input.package;
    let report = pkg.report.as_ref();
    match &item.rule {
        Rule::DocumentPresent {
            document,
            keywords,
            in_notice_with,
        } => documents::document_present(item, *document, keywords, in_notice_with, pkg),
        Rule::NoticeElements {
            per_missing,
            elements,
        } => notice_elements::notice_elements(item, *per_missing, elements, pkg.notice.as_ref()),
        Rule::SelfCheck {
            per_missing,
            when_list_missing,
        } => documents::self_check(item, *per_missing, *when_list_missing, pkg),
        Rule::Timeliness { per_working_day } => {
            timeliness::timeliness(item, *per_working_day, calendar, input, findings)
        }
        Rule::BodyParts { per_missing, parts } => {
            completeness::body_parts(item, *per_missing, parts, report)
        }
        Rule::Attachments { per_missing, parts } => {
            completeness::attachments(item, *per_missing, parts, report, findings)
        }
        Rule::IndicatorWeights {
            decimals,
            execution_rate_key,
            first_level,
            schemes,
        } => indicators::weights(
            item,
            &indicators::WeightRules::new(*decimals, execution_rate_key, first_level, schemes),
            report,
        ),
        Rule::IndicatorLevels { decimals } => indicators::levels(item, *decimals, report),
        Rule::IndicatorQuality {
            vague_terms,
            comparison_terms,
            ..
        } => indicators::quality(item, vague_terms, comparison_terms, report),
        Rule::ProblemBands {
            areas,
            cause_keywords,
            funds_shortage_keywords,
            suggest,
            ..
        } => narrative::problems(
            item,
            &narrative::ProblemRules {
                areas,
                cause_keywords,
                funds_shortage_keywords,
                suggest,
            },
            report,
        ),
        Rule::SuggestionBands {
            funding_keywords,
            min_shared_terms,
            stop_terms,
            suggest,
            ..
        } => narrative::suggestions(
            item,
            &narrative::SuggestionRules {
                funding_keywords,
                min_shared_terms: *min_shared_terms,
                stop_terms,
                suggest,
            },
            report,
        ),
    }
}

/// A sum that saturates instead of overflowing: figures come from departments' files and may be
/// absurdly large; a saturated sum simply fails to match what it is compared with.
pub(crate) fn saturating_sum(
    values: impl IntoIterator<Item = rust_decimal::Decimal>,
) -> rust_decimal::Decimal {
    values
        .into_iter()
        .fold(rust_decimal::Decimal::ZERO, |a, b| a.saturating_add(b))
}

#[cfg(test)]
mod tests;
