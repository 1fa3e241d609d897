//! What the reviewer workflow takes and gives on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use kaoping_domain::model::plain;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use kaoping_domain::model::{Deduction, Hints, ItemStatus, ReviewScore, SuggestedBand};
use kaoping_domain::review::{ItemProgress, Resolution};
use kaoping_domain::rubric::Band;

/// A reviewer to register (admin).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewerIn {
    #[schema(example = "张三")]
    #[schema(max_length = 200)]
    pub name: String,
    /// The department the reviewer belongs to: they are never assigned to it.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub department: Option<String>,
    /// A lead reviewer (评审组长) reconciles judgments and decides appeals.
    #[serde(default)]
    pub lead: bool,
}

/// 评审人员
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewerView {
    pub id: i64,
    pub name: String,
    pub department: Option<String>,
    pub lead: bool,
    pub conflicts: Vec<ConflictView>,
    pub created_at: DateTime<Utc>,
}

/// A conflict of interest to declare (回避).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictIn {
    #[schema(max_length = 64)]
    pub department: String,
    #[schema(max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConflictView {
    pub department: String,
    pub reason: String,
    pub declared_at: DateTime<Utc>,
}

/// An assignment to make (admin).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentIn {
    #[schema(max_length = 64)]
    pub department: String,
    pub reviewer: i64,
}

/// Spread reviewers evenly (admin).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoAssignIn {
    /// Reviewers per submission; the round's setting when absent.
    #[serde(default)]
    pub per_submission: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssignmentView {
    pub round_id: i64,
    pub department: String,
    pub reviewer_id: i64,
    pub reviewer: String,
    pub assigned_at: DateTime<Utc>,
}

/// What automatic assignment did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AutoAssignResult {
    pub created: Vec<AssignmentView>,
    /// Departments that could not get enough reviewers without a conflict of interest.
    pub unfilled: Vec<Unfilled>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Unfilled {
    pub department: String,
    pub assigned: usize,
    pub wanted: usize,
}

/// One submission in a reviewer's queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueueEntry {
    pub round_id: i64,
    pub round_title: String,
    pub department: String,
    pub department_name: String,
    /// Whether the department has submitted.
    pub submitted: bool,
    /// Items the reviewer judges, and whether they have.
    pub items: Vec<QueueItem>,
    /// Every item judged by this reviewer.
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueueItem {
    pub item: String,
    pub name: String,
    pub judged: bool,
    pub etag: String,
    /// What is asked of the reviewer: a judgment, or a lead's decision (裁定).
    pub task: QueueTask,
}

/// 待办: judge an assigned item, or (a lead) decide between judgments too far apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueTask {
    /// 评审: PUT …/judgments/{item}.
    Judge,
    /// 裁定: PUT …/decisions/{item}.
    Reconcile,
}

/// A judgment to enter: a score, or indicator_quality's sub-scores; always a reason.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JudgmentIn {
    #[serde(default, deserialize_with = "plain::unsigned")]
    #[schema(value_type = Option<String>, example = "16")]
    pub score: Option<Decimal>,
    #[serde(default, deserialize_with = "plain::unsigned_list")]
    #[schema(value_type = Option<Vec<String>>)]
    pub sub_scores: Option<Vec<Decimal>>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// One item under review: what the checks found, what reviewers said, where it stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ItemReview {
    pub round_id: i64,
    pub department: String,
    pub item: String,
    pub name: String,
    pub max: Decimal,
    /// The item's score on the sheet now (null while it waits).
    pub score: Option<Decimal>,
    pub status: ItemStatus,
    pub progress: ItemProgress,
    /// The bands a judgment must fall in.
    pub bands: Vec<Band>,
    /// indicator_quality's sub-scores, name and maximum, in order.
    pub sub_scores: Vec<SubScoreView>,
    pub suggested: Option<SuggestedBand>,
    pub hints: Option<Hints>,
    pub deductions: Vec<Deduction>,
    pub automatic_score: Option<Decimal>,
    /// The judgments the caller may see: their own (a reviewer), or all (admin, lead reviewer).
    pub judgments: Vec<ReviewScore>,
    pub resolution: Option<Resolution>,
    /// Two judgments further apart than this go to a lead reviewer.
    pub threshold: Decimal,
    /// Send it back as If-Match to write the item.
    pub etag: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubScoreView {
    pub name: String,
    pub max: Decimal,
}

/// Where the review of a round stands (admin, lead reviewer).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewStatus {
    pub round_id: i64,
    pub threshold: Decimal,
    /// Items whose judgments differ by more than the threshold.
    pub awaiting_reconciliation: Vec<Pending>,
    /// Items some assigned reviewer has not judged yet.
    pub not_judged: Vec<Pending>,
    /// Departments with fewer reviewers than the round asks for.
    pub understaffed: Vec<Unfilled>,
    /// Departments of the round that have not submitted.
    pub not_submitted: Vec<String>,
    /// Departments whose sheets are complete.
    pub complete: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Pending {
    pub department: String,
    pub item: String,
    pub status: ItemStatus,
    /// Reviewers' scores so far (lead reviewers and admins only).
    pub scores: Vec<ReviewerScore>,
    /// Names of assigned reviewers who have not judged it.
    pub missing: Vec<String>,
    pub etag: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewerScore {
    pub reviewer: String,
    pub score: Decimal,
}

/// Round settings to change (admin), with the reason; every change is audited.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundSettingsIn {
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "2025-05-20")]
    pub deadline: Option<NaiveDate>,
    /// The last day to appeal (released rounds).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub appeal_deadline: Option<NaiveDate>,
    #[serde(default)]
    pub reviewers_per_submission: Option<i32>,
    #[serde(default)]
    pub appeal_days: Option<i32>,
    /// Published rankings and exports readable without a token (公开).
    #[serde(default)]
    pub public_results: Option<bool>,
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// An appeal to file (JSON; multipart takes the same fields and `evidence` files).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealIn {
    #[schema(max_length = 64)]
    pub item: String,
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// A decision on an appeal (admin, lead reviewer).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionIn {
    pub outcome: AppealOutcome,
    /// The new score (upheld); sub-scores for indicator_quality.
    #[serde(default, deserialize_with = "plain::unsigned")]
    #[schema(value_type = Option<String>)]
    pub score: Option<Decimal>,
    #[serde(default, deserialize_with = "plain::unsigned_list")]
    #[schema(value_type = Option<Vec<String>>)]
    pub sub_scores: Option<Vec<Decimal>>,
    #[schema(max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    Upheld,
    Rejected,
}

/// 复核申请
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppealView {
    pub id: i64,
    pub round_id: i64,
    pub department: String,
    pub item: String,
    pub reason: String,
    /// pending, upheld or rejected.
    pub state: String,
    pub filed_at: DateTime<Utc>,
    pub score_before: Option<Decimal>,
    pub score_after: Option<Decimal>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub evidence: Vec<AppealFileView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppealFileView {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub url: String,
}

/// Who is calling, as kaoping sees the token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub role: super::Role,
    pub department: Option<String>,
    pub reviewer: Option<ReviewerView>,
}
