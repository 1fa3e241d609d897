//! What publication, rankings and a department's published result look like in the API.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use kaoping_domain::model::ScoreSheet;
use kaoping_domain::ranking::{ItemInfo, RankedRow, Summary, VersionDiff};
use kaoping_domain::rubric::{GradeCut, TieRule};

/// A publication to make (admin). Version 1 may go without a reason; later versions need one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishIn {
    #[serde(default)]
    #[schema(example = "复核后更正：汨罗市财政局 report_timeliness")]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// One published version of a round's results.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicationView {
    pub round_id: i64,
    pub version: i32,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    pub reason: String,
    /// SHA-256 of the snapshot and every published sheet, in department order.
    pub sha256: String,
    pub departments: i32,
    pub ranked: i32,
    pub not_submitted: i32,
    /// The rankings of this version.
    pub rankings_url: String,
}

/// A version with what changed from the previous one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicationDetail {
    #[serde(flatten)]
    pub publication: PublicationView,
    /// None for version 1.
    pub diff: Option<VersionDiff>,
}

/// How equal totals are ranked in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// 1-2-2-4 (the default)
    Standard,
    /// 1-2-2-3
    Dense,
}

impl Ties {
    pub fn rule(self) -> TieRule {
        match self {
            Ties::Standard => TieRule::StandardCompetition,
            Ties::Dense => TieRule::Dense,
        }
    }
}

/// Which rankings to read.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// A published version; the latest when absent.
    pub version: Option<i32>,
    /// Only the departments of this category (e.g. 县区), ranked among themselves.
    pub category: Option<String>,
    /// standard (1-2-2-4, the default) or dense (1-2-2-3).
    #[param(inline)]
    pub ties: Option<Ties>,
    /// Rows to skip (default 0).
    pub offset: Option<usize>,
    /// Rows to return (default 100, at most 10000).
    pub limit: Option<usize>,
}

/// Which published version to read.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A published version; the latest when absent.
    pub version: Option<i32>,
}

/// 排名: a published version ranked under a stated tie rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RankingView {
    pub round_id: i64,
    pub year: i32,
    pub title: String,
    pub version: i32,
    pub latest_version: i32,
    pub published_at: DateTime<Utc>,
    /// The pinned rubric's id and version.
    pub rubric: String,
    pub tie_rule: TieRule,
    pub tie_rule_description: String,
    /// Grade cut-offs used, highest first.
    pub cutoffs: Vec<GradeCut>,
    /// The category ranked, or null for all.
    pub category: Option<String>,
    /// Every category of the round.
    pub categories: Vec<String>,
    pub items: Vec<ItemInfo>,
    pub summary: Summary,
    pub offset: usize,
    pub limit: usize,
    /// Rows in the whole ranking (this page holds at most `limit`).
    pub total_rows: usize,
    pub rows: Vec<RankedRow>,
}

/// A department's published result: its sheet with every deduction and reason, and its rank.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublishedSheetView {
    pub round_id: i64,
    pub version: i32,
    pub department: String,
    pub name: String,
    pub category: String,
    /// Rank among all departments (standard competition ranking); null when not submitted.
    pub rank: Option<u32>,
    /// Rank within its category.
    pub category_rank: Option<u32>,
    /// Departments ranked in the round.
    pub ranked_of: usize,
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    pub grade: Option<String>,
    pub late: bool,
    pub tie_rule: TieRule,
    /// None when the department did not submit.
    pub sheet: Option<ScoreSheet>,
}

/// An export's bytes and how to name them.
#[derive(Debug, Clone)]
pub struct Export {
    pub bytes: Vec<u8>,
    pub file_name: String,
    pub etag: String,
    pub public: bool,
    /// Whether a version was named (immutable) or the latest was read.
    pub pinned: bool,
}
