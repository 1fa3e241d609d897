//! The audit log (审计日志) and its replay: every change of a review is an entry with what it was
//! before and after, so folding the entries in order rebuilds each submission's [`Ledger`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{Ledger, Resolution};
use crate::model::ReviewScore;

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    RoundCreated,
    /// open → closed → released; `after` is `{"state": …}`.
    RoundState,
    /// Deadline, appeal window or reviewers per submission; `before`/`after` hold the settings.
    RoundSettings,
    /// A department's package received and scored automatically.
    Submission,
    ConflictDeclared,
    /// `after`: [`ReviewerEntry`].
    AssignmentAdded,
    /// `before`: [`ReviewerEntry`].
    AssignmentRemoved,
    /// `after` (and `before` when it replaced one): [`JudgmentEntry`].
    JudgmentSet,
    /// `before`: [`JudgmentEntry`].
    JudgmentRemoved,
    /// `after`: [`Resolution`] (override, reconciliation, upheld appeal).
    ResolutionSet,
    AppealFiled,
    AppealDecided,
    /// A version of the results published; `after`: version, sha256, counts.
    Published,
    /// The working-day calendar changed under the round: re-pinned and scored again;
    /// `after`: calendar revision, year, action, submissions scored again.
    CalendarChanged,
    /// A department's extended deadline or recorded receipt (报送时间与延期); `before`/`after`:
    /// [`crate::scoring::DepartmentTiming`].
    DepartmentTiming,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::RoundCreated => "round_created",
            AuditAction::RoundState => "round_state",
            AuditAction::RoundSettings => "round_settings",
            AuditAction::Submission => "submission",
            AuditAction::ConflictDeclared => "conflict_declared",
            AuditAction::AssignmentAdded => "assignment_added",
            AuditAction::AssignmentRemoved => "assignment_removed",
            AuditAction::JudgmentSet => "judgment_set",
            AuditAction::JudgmentRemoved => "judgment_removed",
            AuditAction::ResolutionSet => "resolution_set",
            AuditAction::AppealFiled => "appeal_filed",
            AuditAction::AppealDecided => "appeal_decided",
            AuditAction::Published => "published",
            AuditAction::CalendarChanged => "calendar_changed",
            AuditAction::DepartmentTiming => "department_timing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(Value::String(s.to_string())).ok()
    }
}

/// One entry of the audit log: who, when, what, before, after, why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub round_id: i64,
    pub department: Option<String>,
    pub item: Option<String>,
    pub action: AuditAction,
    /// Who: role and name (the token's label, the reviewer's name).
    pub actor: String,
    pub at: DateTime<Utc>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub reason: Option<String>,
}

/// An assigned reviewer, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewerEntry {
    pub reviewer_id: i64,
    pub reviewer: String,
}

/// A reviewer's judgment, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JudgmentEntry {
    pub reviewer_id: i64,
    pub judgment: ReviewScore,
}

fn decode<T: serde::de::DeserializeOwned>(v: &Option<Value>) -> Option<T> {
    v.as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// Folds the entries, in log order, into each department's ledger.
pub fn replay<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> BTreeMap<String, Ledger> {
    let mut ledgers: BTreeMap<String, Ledger> = BTreeMap::new();
    for e in entries {
        let Some(dept) = &e.department else { continue };
        let ledger = ledgers.entry(dept.clone()).or_default();
        let item = e.item.clone().unwrap_or_default();
        match e.action {
            AuditAction::AssignmentAdded => {
                if let Some(r) = decode::<ReviewerEntry>(&e.after) {
                    ledger.reviewers.insert(r.reviewer_id, r.reviewer);
                }
            }
            AuditAction::AssignmentRemoved => {
                if let Some(r) = decode::<ReviewerEntry>(&e.before) {
                    ledger.reviewers.remove(&r.reviewer_id);
                }
            }
            AuditAction::JudgmentSet => {
                if let Some(j) = decode::<JudgmentEntry>(&e.after) {
                    ledger
                        .judgments
                        .entry(item)
                        .or_default()
                        .insert(j.reviewer_id, j.judgment);
                }
            }
            AuditAction::JudgmentRemoved => {
                if let Some(j) = decode::<JudgmentEntry>(&e.before) {
                    if let Some(by_item) = ledger.judgments.get_mut(&item) {
                        by_item.remove(&j.reviewer_id);
                    }
                }
            }
            AuditAction::ResolutionSet => match decode::<Resolution>(&e.after) {
                Some(r) => {
                    ledger.resolutions.insert(item, r);
                }
                None => {
                    ledger.resolutions.remove(&item);
                }
            },
            _ => {}
        }
    }
    ledgers
}
