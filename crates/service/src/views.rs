//! What the service takes and gives: the JSON of the API (serde + OpenAPI schemas).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Role;

/// A department to register.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentIn {
    /// 部门编码, unique, e.g. "430611001".
    #[schema(example = "430611001")]
    #[schema(max_length = 64)]
    pub code: String,
    #[schema(example = "岳阳市君山区数据局")]
    #[schema(max_length = 200)]
    pub name: String,
    /// e.g. 县区, 市直.
    #[schema(example = "县区")]
    #[schema(max_length = 200)]
    pub category: String,
    /// The parent department's code, if any.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub parent: Option<String>,
}

/// 预算部门
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Department {
    pub code: String,
    pub name: String,
    pub category: String,
    pub parent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A round to open.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundIn {
    /// The budget year evaluated.
    #[schema(example = 2024)]
    pub year: i32,
    #[schema(example = "2024年度部门整体支出绩效自评考核")]
    #[schema(max_length = 200)]
    pub title: String,
    /// The last day to submit (Asia/Shanghai).
    #[schema(value_type = String, example = "2025-05-10")]
    pub deadline: NaiveDate,
    /// Rubric id; pinned to the round when it opens.
    #[schema(example = "yueyang-2024")]
    #[schema(max_length = 64)]
    pub rubric: String,
    /// A stored version of that rubric (its content hash, from `GET /api/v1/rubrics`); the
    /// built-in file, or else the latest upload, when absent.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub rubric_hash: Option<String>,
    /// Codes of the departments taking part.
    #[schema(max_items = 100000)]
    pub departments: Vec<String>,
    /// Reviewers per submission when assigned automatically (default 2).
    #[serde(default)]
    pub reviewers_per_submission: Option<i32>,
    /// Working days after release during which departments may appeal (default 5).
    #[serde(default)]
    pub appeal_days: Option<i32>,
}

/// 考核批次 states: open (departments submit) → closed (reviewers judge) → released
/// (departments see their sheets and may appeal) → published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    Open,
    Closed,
    Released,
    Published,
}

impl RoundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Open => "open",
            RoundState::Closed => "closed",
            RoundState::Released => "released",
            RoundState::Published => "published",
        }
    }

    /// The state as the bureau names it: 截止, 评审结果已发布 …
    pub fn label(self) -> &'static str {
        match self {
            RoundState::Open => "开放报送",
            RoundState::Closed => "截止报送",
            RoundState::Released => "发布评审结果",
            RoundState::Published => "公布结果",
        }
    }

    pub fn parse(s: &str) -> Option<RoundState> {
        [
            RoundState::Open,
            RoundState::Closed,
            RoundState::Released,
            RoundState::Published,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// 考核批次
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Round {
    pub id: i64,
    pub year: i32,
    pub title: String,
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    /// The pinned rubric's id.
    pub rubric: String,
    pub state: RoundState,
    pub departments: Vec<String>,
    pub reviewers_per_submission: i32,
    /// Working days after release during which departments may appeal.
    pub appeal_days: i32,
    pub released_at: Option<DateTime<Utc>>,
    /// The last day (Asia/Shanghai) to appeal, once released.
    #[schema(value_type = Option<String>)]
    pub appeal_deadline: Option<NaiveDate>,
    /// Published rankings and exports readable without a token.
    pub public_results: bool,
    /// The working-day calendar revision the round is scored with (0: the built-in one).
    pub calendar_revision: i64,
    /// SHA-256 of the rubric file the round is pinned to.
    pub rubric_hash: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A token to issue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    pub role: Role,
    /// Required for, and only for, a department token.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub department: Option<String>,
    /// A note on who holds it (a new reviewer's name).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub label: Option<String>,
    /// For a reviewer token: the reviewer it stands for; a new reviewer when absent.
    #[serde(default)]
    pub reviewer: Option<i64>,
}

/// A new token. `token` is shown this once and never again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenCreated {
    pub id: i64,
    pub token: String,
    pub role: Role,
    pub department: Option<String>,
    /// The reviewer a reviewer token stands for.
    pub reviewer: Option<i64>,
}

/// An evidence file of a submission (its bytes are downloaded separately).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    /// Where to download it.
    pub url: String,
}

/// A submission as stored (its package and sheet are fetched separately).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubmissionView {
    pub id: i64,
    pub round_id: i64,
    pub department: String,
    /// 1 for the department's first submission in the round, then 2, 3 …
    pub seq: i32,
    /// Whether this is the submission that counts.
    pub current: bool,
    /// Set by the server when the report was received.
    pub submitted_at: DateTime<Utc>,
    /// Received after the deadline day (Asia/Shanghai).
    pub late: bool,
    #[schema(value_type = String)]
    pub total: Decimal,
    pub complete: bool,
    /// The uploaded report file's name, for multipart submissions.
    pub source_name: Option<String>,
    pub evidence: Vec<EvidenceView>,
}
