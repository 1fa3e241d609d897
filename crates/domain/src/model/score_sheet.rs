//! 评分表: the itemized, explained result of scoring one package.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The score sheet of one package under one rubric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScoreSheet {
    /// Rubric id and version the sheet was scored with, e.g. "yueyang-2024".
    pub rubric: String,
    #[serde(default)]
    pub department: Option<String>,
    /// Sum of the items scored so far.
    pub total: Decimal,
    pub max_total: Decimal,
    /// True when every item has a score.
    pub complete: bool,
    /// 优 / 良 / 中 / 差 once complete, else null.
    #[serde(default)]
    pub grade: Option<String>,
    pub items: Vec<ItemScore>,
    /// Arithmetic and cross-document findings: no points of their own.
    #[serde(default)]
    pub findings: Vec<Finding>,
}

/// How an item is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoringMethod {
    Automatic,
    Judgment,
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Scored automatically.
    Scored,
    /// Scored by a reviewer's judgment.
    Judged,
    /// An automatic result a reviewer replaced.
    Overridden,
    /// Waits for a reviewer's judgment.
    AwaitingJudgment,
    /// An automatic suggestion a reviewer must confirm.
    AwaitingConfirmation,
    /// An input the item needs is missing (e.g. no deadline or receipt time).
    MissingInput,
    /// Two reviewers differ by more than the rubric's threshold: a lead reviewer decides.
    AwaitingReconciliation,
}

/// One rubric item on the sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemScore {
    /// Stable item code, e.g. "body_complete".
    pub code: String,
    pub name: String,
    pub max: Decimal,
    /// Null while the item awaits a judgment, a confirmation or an input.
    pub score: Option<Decimal>,
    pub method: ScoringMethod,
    pub status: ItemStatus,
    /// Every point lost, with the reason a department can read.
    #[serde(default)]
    pub deductions: Vec<Deduction>,
    /// The band the hints point to, for a reviewer to start from.
    #[serde(default)]
    pub suggested: Option<SuggestedBand>,
    #[serde(default)]
    pub hints: Option<Hints>,
    /// The automatic score before a reviewer's override.
    #[serde(default)]
    pub automatic_score: Option<Decimal>,
    #[serde(default)]
    pub judgment: Option<Judgment>,
    #[serde(default, rename = "override")]
    pub override_: Option<Override>,
    /// 更正前: the result a correction (an override, an upheld appeal, a judgment that departs
    /// from the automatic suggestion) replaced, with the deductions that no longer count.
    /// `deductions` above holds only those that do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<Replaced>,
}

/// What a correction replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Replaced {
    /// The automatic score (null when there was only a suggestion).
    pub score: Option<Decimal>,
    pub status: ItemStatus,
    pub deductions: Vec<Deduction>,
}

/// Points lost, why, and where the evidence is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Deduction {
    pub points: Decimal,
    pub reason: String,
    /// Which document, section, table or cells.
    pub location: String,
}

/// A band a reviewer is pointed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SuggestedBand {
    pub min: Decimal,
    pub max: Decimal,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// An arithmetic or cross-document inconsistency, pointing at the cells involved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    /// Stable code, e.g. "figure_mismatch", "execution_rate".
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub location: String,
}

/// A reviewer's judgment of a judgment item (or confirmation of a suggested score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Judgment {
    /// The item's code.
    pub item: String,
    /// The score; for indicator_quality the sum of `sub_scores` when those are given.
    #[serde(default)]
    pub score: Option<Decimal>,
    /// indicator_quality: 明确具体可衡量, 突出核心精简实用, 密切相关全面反映 in rubric order.
    #[serde(default)]
    pub sub_scores: Option<Vec<Decimal>>,
    pub reason: String,
    /// Who judged.
    pub by: String,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// How the score was reached; a single reviewer's judgment when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<JudgmentBasis>,
    /// The reviewers' own judgments behind a mean, a lead reviewer's decision or an appeal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<ReviewScore>,
}

/// How a judged item's score was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JudgmentBasis {
    /// One reviewer's judgment.
    Single,
    /// The mean of the reviewers' judgments, which differ by at most the rubric's threshold.
    Mean,
    /// A lead reviewer's decision between judgments that differ by more (裁定).
    Reconciliation,
    /// An upheld appeal (复核).
    Appeal,
}

/// One reviewer's own judgment of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewScore {
    #[serde(default)]
    pub score: Option<Decimal>,
    #[serde(default)]
    pub sub_scores: Option<Vec<Decimal>>,
    pub reason: String,
    pub by: String,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// A reviewer's correction of an automatic result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub item: String,
    pub score: Decimal,
    pub reason: String,
    pub by: String,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// Facts computed for a reviewer, per judgment item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hints {
    IndicatorQuality(IndicatorQualityHints),
    Problems(ProblemHints),
    Suggestions(SuggestionHints),
    IndicatorLevels(IndicatorLevelHints),
    NoticeElements(NoticeElementHints),
}

/// What the 自评通知 was found to hold: each element found and the text it rests on, so the
/// department and the reviewer can check the detection.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct NoticeElementHints {
    pub found: Vec<NoticeElementFound>,
}

/// One element of the notice found, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NoticeElementFound {
    /// The element as the rubric names it, e.g. 自评主要依据.
    pub element: String,
    pub by: FoundBy,
    /// The heading, sentence or attachment it rests on (at most 120 characters).
    pub text: String,
}

/// What in the notice shows an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FoundBy {
    /// 标题: the notice's title or a heading of its text.
    Heading,
    /// 句子: a sentence that fulfils the element.
    Sentence,
    /// 附件清单: the attachments the notice lists.
    Attachments,
}

/// Hints for 指标质量.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct IndicatorQualityHints {
    /// Indicator rows with a target.
    pub targets: usize,
    /// Targets that state a number, a percentage, a date or a comparison.
    pub measurable: usize,
    /// Targets in vague words (提升, 有所改善, 定性 …).
    pub vague: usize,
    /// measurable / targets, in percent, 2 decimals.
    pub measurable_share: Option<Decimal>,
    /// Examples of vague targets with their table and indicator.
    pub vague_examples: Vec<String>,
    /// Third-level indicators repeated word for word across tables.
    pub repeated_indicators: Vec<String>,
    /// Rows whose target is not met but which are scored full.
    pub unmet_but_full: Vec<String>,
    /// Rows whose 得分 is above their 分值.
    pub score_above_weight: Vec<String>,
}

/// Hints for 反映问题情况.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct ProblemHints {
    pub problem_count: usize,
    /// Which of the rubric's areas the problems touch.
    pub areas_touched: Vec<String>,
    pub areas_missing: Vec<String>,
    /// Whether causes are analysed (原因, 由于, 导致 …).
    pub causes_analysed: bool,
    /// Every problem raised is a shortage of funds.
    pub funds_only: bool,
}

/// Hints for 建议情况.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct SuggestionHints {
    pub suggestion_count: usize,
    /// For each suggestion (in order), the indexes (from 1) of the problems it answers.
    pub answers: Vec<Vec<usize>>,
    /// Problems (from 1) no suggestion answers.
    pub unanswered_problems: Vec<usize>,
    /// Every suggestion is more money.
    pub funding_only: bool,
}

/// Hints for 细化到三级指标.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct IndicatorLevelHints {
    pub refined: usize,
    pub unrefined: usize,
    /// Rows without a third-level indicator, with their table.
    pub unrefined_rows: Vec<String>,
}
