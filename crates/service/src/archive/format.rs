//! The document's types, format version 1: one struct a member, in the documented order. They
//! mirror the store's rows on purpose but apart from them: the format is versioned and must not
//! follow the schema.

use serde::{Deserialize, Serialize};

/// A round archive, format version 1 (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    pub format: String,
    pub version: u64,
    /// RFC 3339, UTC.
    pub exported_at: String,
    pub source: Source,
    pub round: RoundDoc,
    pub departments: Vec<DepartmentDoc>,
    pub tokens: Vec<TokenDoc>,
    pub reviewers: Vec<ReviewerDoc>,
    pub reviewer_conflicts: Vec<ConflictDoc>,
    pub submissions: Vec<SubmissionDoc>,
    pub assignments: Vec<AssignmentDoc>,
    pub review_items: Vec<ReviewItemDoc>,
    pub judgments: Vec<JudgmentDoc>,
    pub resolutions: Vec<ResolutionDoc>,
    pub appeals: Vec<AppealDoc>,
    pub audit_log: Vec<AuditDoc>,
    pub publications: Vec<PublicationDoc>,
    /// Lower-case hex SHA-256 of the canonical form of everything else.
    pub sha256: String,
}

/// Where an archive was exported from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// "sqlite" or "postgres".
    pub backend: String,
    pub round_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundDoc {
    pub year: i32,
    pub title: String,
    pub deadline: String,
    pub rubric_id: String,
    /// The rubric's TOML the round was pinned to.
    pub rubric_source: String,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub reviewers_per_submission: i32,
    pub appeal_days: i32,
    pub released_at: Option<i64>,
    pub appeal_deadline: Option<String>,
    pub public_results: bool,
    /// The codes of the departments taking part.
    pub departments: Vec<String>,
    /// 报送时间与延期: the departments with an extension or a recorded receipt. Left out when
    /// there is none, so archives written before it existed read and hash the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub department_timings: Vec<TimingDoc>,
}

/// What the bureau recorded of one department: an extended deadline, a receipt, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingDoc {
    pub department: String,
    /// `YYYY-MM-DD`.
    pub extended_deadline: Option<String>,
    /// The seq of the department's submission the receipt applies to.
    pub receipt_seq: Option<i32>,
    /// Microseconds, UTC.
    pub received_at: Option<i64>,
    /// `paper`, `email`, `in_person` or `other`.
    pub received_via: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentDoc {
    pub code: String,
    pub name: String,
    pub category: String,
    pub parent_code: Option<String>,
    pub created_at: i64,
}

/// A token as rows name it; its secret and hash never leave the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenDoc {
    pub id: i64,
    pub role: String,
    pub department_code: Option<String>,
    pub reviewer_id: Option<i64>,
    pub label: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewerDoc {
    pub id: i64,
    pub name: String,
    pub department_code: Option<String>,
    pub lead: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictDoc {
    pub reviewer_id: i64,
    pub department_code: String,
    pub reason: String,
    pub declared_at: i64,
}

/// A file: its bytes in base64, with the size and SHA-256 they must have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDoc {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    /// Standard base64, padded.
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionDoc {
    pub id: i64,
    pub department_code: String,
    pub seq: i32,
    pub is_current: bool,
    pub submitted_at: i64,
    pub late: bool,
    /// The package JSON as stored.
    pub package: String,
    /// The score sheet JSON as stored.
    pub score_sheet: String,
    /// What that sheet was scored with (kaoping version, deadline): a build whose fingerprint
    /// differs scores the package again rather than trusting the stored sheet.
    pub scored_with: String,
    pub total_scaled: i64,
    pub complete: bool,
    /// A token id of this archive.
    pub submitted_by: i64,
    pub source_name: Option<String>,
    pub evidence: Vec<FileDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentDoc {
    pub department_code: String,
    pub reviewer_id: i64,
    pub assigned_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewItemDoc {
    pub department_code: String,
    pub item: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgmentDoc {
    pub department_code: String,
    pub item: String,
    pub reviewer_id: i64,
    pub score: String,
    pub sub_scores: Option<String>,
    pub reason: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionDoc {
    pub department_code: String,
    pub item: String,
    pub kind: String,
    pub score: String,
    pub sub_scores: Option<String>,
    pub reason: String,
    pub by_name: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealDoc {
    pub id: i64,
    pub department_code: String,
    pub item: String,
    pub reason: String,
    pub state: String,
    pub filed_at: i64,
    /// A token id of this archive.
    pub filed_by: i64,
    pub score_before: Option<String>,
    pub score_after: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub files: Vec<FileDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditDoc {
    pub id: i64,
    pub department_code: Option<String>,
    pub item: Option<String>,
    pub action: String,
    pub actor: String,
    /// A token id of this archive, when the token still existed at export.
    pub actor_token: Option<i64>,
    pub at: i64,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationDoc {
    pub version: i32,
    pub published_at: i64,
    pub published_by: String,
    pub reason: String,
    /// The snapshot JSON as stored (its round_id is the source's).
    pub snapshot: String,
    pub sha256: String,
    pub departments: i32,
    pub ranked: i32,
    pub diff: Option<String>,
    pub sheets: Vec<SheetDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetDoc {
    pub department_code: String,
    pub sheet: String,
}
