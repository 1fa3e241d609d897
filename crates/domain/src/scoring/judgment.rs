//! The rules a reviewer's judgment or override must keep. A breach refuses the input whole.

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::model::{ItemStatus, Judgment, JudgmentBasis, Override};
use crate::rubric::{BandRules, ItemMethod, RubricItem, Rule};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JudgmentError {
    #[error("评分细则中没有评分项 {0:?}")]
    UnknownItem(String),
    #[error("评分项 {0:?} 被评审或更正了不止一次")]
    Duplicate(String),
    #[error("评分项 {item:?} 由系统自动评分：请用更正（override）调整，而不是评审")]
    NotJudged { item: String },
    #[error("评分项 {item:?} 由评审专家评分：请录入评审意见，而不是更正")]
    NotAutomatic { item: String },
    #[error("评分项 {item:?}：请写明理由")]
    ReasonRequired { item: String },
    #[error("评分项 {item:?}：{score} 分超出 0–{max} 分的范围")]
    OutOfRange {
        item: String,
        score: Decimal,
        max: Decimal,
    },
    #[error("评分项 {item:?}：{score} 分不是 {step} 分的整数倍")]
    OffStep {
        item: String,
        score: Decimal,
        step: Decimal,
    },
    #[error("评分项 {item:?}：{score} 分不在任何档次内（{bands}），评分细则不允许档外打分")]
    OutsideBands {
        item: String,
        score: Decimal,
        bands: String,
    },
    #[error("评分项 {item:?}：{score} 分不在任何档次内（{bands}）；档外打分的理由至少需要 {min_chars} 个字")]
    DiscretionaryReasonTooShort {
        item: String,
        score: Decimal,
        bands: String,
        min_chars: usize,
    },
    #[error("评分项 {item:?}：{message}")]
    SubScores { item: String, message: String },
}

impl JudgmentError {
    /// The input field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            JudgmentError::ReasonRequired { .. }
            | JudgmentError::DiscretionaryReasonTooShort { .. } => "reason",
            JudgmentError::SubScores { .. } => "sub_scores",
            JudgmentError::OutOfRange { .. }
            | JudgmentError::OffStep { .. }
            | JudgmentError::OutsideBands { .. } => "score",
            JudgmentError::UnknownItem(_)
            | JudgmentError::Duplicate(_)
            | JudgmentError::NotJudged { .. }
            | JudgmentError::NotAutomatic { .. } => "item",
        }
    }
}

pub(super) fn check_unique(
    judgments: &[Judgment],
    overrides: &[Override],
) -> Result<(), JudgmentError> {
    let mut seen = HashSet::new();
    for code in judgments.iter().map(|j| &j.item) {
        if !seen.insert(code) {
            return Err(JudgmentError::Duplicate(code.clone()));
        }
    }
    let mut seen = HashSet::new();
    for code in overrides.iter().map(|o| &o.item) {
        if !seen.insert(code) {
            return Err(JudgmentError::Duplicate(code.clone()));
        }
    }
    Ok(())
}

fn require_reason(item: &RubricItem, reason: &str) -> Result<(), JudgmentError> {
    if reason.trim().is_empty() {
        return Err(JudgmentError::ReasonRequired {
            item: item.code.clone(),
        });
    }
    Ok(())
}

fn in_range(item: &RubricItem, score: Decimal, max: Decimal) -> Result<(), JudgmentError> {
    if score < Decimal::ZERO || score > max {
        return Err(JudgmentError::OutOfRange {
            item: item.code.clone(),
            score,
            max,
        });
    }
    Ok(())
}

/// The score a judgment gives, once it is known to keep the rubric's rules.
pub fn validate_judgment(
    item: &RubricItem,
    status: ItemStatus,
    j: &Judgment,
) -> Result<Decimal, JudgmentError> {
    // an automatic suggestion awaiting confirmation (indicator_levels, partly refined) is judged too
    if item.method != ItemMethod::Judgment && status != ItemStatus::AwaitingConfirmation {
        return Err(JudgmentError::NotJudged {
            item: item.code.clone(),
        });
    }
    if j.basis == Some(JudgmentBasis::Mean) {
        return mean_of_reviews(item, status, j);
    }
    require_reason(item, &j.reason)?;
    let score = match (&item.rule, &j.sub_scores) {
        (Rule::IndicatorQuality { sub_scores, .. }, Some(given)) => {
            sub_score_total(item, sub_scores, given, j.score)?
        }
        (Rule::IndicatorQuality { sub_scores, .. }, None) => {
            return Err(JudgmentError::SubScores {
                item: item.code.clone(),
                message: format!(
                    "{} sub-scores are required ({})",
                    sub_scores.len(),
                    names(sub_scores)
                ),
            })
        }
        (_, Some(_)) => {
            return Err(JudgmentError::SubScores {
                item: item.code.clone(),
                message: "this item takes a score, not sub-scores".to_string(),
            })
        }
        (_, None) => j.score.ok_or_else(|| JudgmentError::SubScores {
            item: item.code.clone(),
            message: "a score is required".to_string(),
        })?,
    };
    in_range(item, score, item.max)?;
    match &item.rule {
        Rule::ProblemBands { bands, .. } | Rule::SuggestionBands { bands, .. } => {
            within_bands(item, bands, score, &j.reason)?
        }
        _ => {}
    }
    Ok(score)
}

/// Two (or more) reviewers' judgments within the threshold: each must keep the rules on its own;
/// their mean (2 decimals) need not fall in a band.
fn mean_of_reviews(
    item: &RubricItem,
    status: ItemStatus,
    j: &Judgment,
) -> Result<Decimal, JudgmentError> {
    if j.reviews.len() < 2 {
        return Err(JudgmentError::SubScores {
            item: item.code.clone(),
            message: "a mean needs the judgments of at least two reviewers".to_string(),
        });
    }
    let mut sum = Decimal::ZERO;
    for r in &j.reviews {
        let single = Judgment {
            item: j.item.clone(),
            score: r.score,
            sub_scores: r.sub_scores.clone(),
            reason: r.reason.clone(),
            by: r.by.clone(),
            at: r.at,
            basis: None,
            reviews: Vec::new(),
        };
        sum += validate_judgment(item, status, &single)?;
    }
    let mean = mean(sum, j.reviews.len());
    if j.score.is_some_and(|s| s != mean) {
        return Err(JudgmentError::SubScores {
            item: item.code.clone(),
            message: format!(
                "score {} is not the reviewers' mean ({mean})",
                j.score.unwrap_or_default()
            ),
        });
    }
    Ok(mean)
}

/// The mean of `count` values summing to `sum`, to 2 decimals (exact for two reviewers).
pub fn mean(sum: Decimal, count: usize) -> Decimal {
    if count == 0 {
        return Decimal::ZERO;
    }
    (sum / Decimal::from(count))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

fn names(subs: &[crate::rubric::SubScore]) -> String {
    subs.iter()
        .map(|s| format!("{} 0–{}", s.name, s.max))
        .collect::<Vec<_>>()
        .join("、")
}

fn sub_score_total(
    item: &RubricItem,
    rules: &[crate::rubric::SubScore],
    given: &[Decimal],
    stated_total: Option<Decimal>,
) -> Result<Decimal, JudgmentError> {
    let fail = |message: String| JudgmentError::SubScores {
        item: item.code.clone(),
        message,
    };
    if given.len() != rules.len() {
        return Err(fail(format!(
            "{} sub-scores are required ({}), {} given",
            rules.len(),
            names(rules),
            given.len()
        )));
    }
    for (rule, value) in rules.iter().zip(given) {
        if *value < Decimal::ZERO || *value > rule.max {
            return Err(fail(format!(
                "{} {value} is outside 0–{}",
                rule.name, rule.max
            )));
        }
    }
    let total: Decimal = given.iter().sum();
    if stated_total.is_some_and(|s| s != total) {
        return Err(fail(format!(
            "score {} is not the sum of the sub-scores ({total})",
            stated_total.unwrap_or_default()
        )));
    }
    Ok(total)
}

fn within_bands(
    item: &RubricItem,
    rules: &BandRules,
    score: Decimal,
    reason: &str,
) -> Result<(), JudgmentError> {
    if !(score % rules.step).is_zero() {
        return Err(JudgmentError::OffStep {
            item: item.code.clone(),
            score,
            step: rules.step,
        });
    }
    if rules
        .bands
        .iter()
        .any(|b| score >= b.range[0] && score <= b.range[1])
    {
        return Ok(());
    }
    let bands = rules
        .bands
        .iter()
        .map(|b| format!("{}–{}", b.range[0], b.range[1]))
        .collect::<Vec<_>>()
        .join(", ");
    if !rules.discretionary {
        return Err(JudgmentError::OutsideBands {
            item: item.code.clone(),
            score,
            bands,
        });
    }
    if reason.trim().chars().count() < rules.discretionary_reason_min_chars {
        return Err(JudgmentError::DiscretionaryReasonTooShort {
            item: item.code.clone(),
            score,
            bands,
            min_chars: rules.discretionary_reason_min_chars,
        });
    }
    Ok(())
}

pub fn validate_override(item: &RubricItem, o: &Override) -> Result<(), JudgmentError> {
    if item.method != ItemMethod::Automatic {
        return Err(JudgmentError::NotAutomatic {
            item: item.code.clone(),
        });
    }
    require_reason(item, &o.reason)?;
    in_range(item, o.score, item.max)
}
