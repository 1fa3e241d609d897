//! The rubric as data: items, maxima, official criteria and every scoring parameter.
//!
//! A rubric file is TOML (see `rubric/yueyang-2024.toml`). Loading parses and then validates it;
//! a bad file is refused with a message that names the file, the place and the fault.

mod decimal;
mod pattern;
mod rules;
mod validate;

use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use pattern::Pattern;
pub use rules::*;

/// Rubrics compiled into the binary, by id.
const BUILTIN: &[(&str, &str)] = &[(
    "yueyang-2024",
    include_str!("../../../../rubric/yueyang-2024.toml"),
)];

/// The id of the rubric used when none is named.
pub const DEFAULT_RUBRIC: &str = "yueyang-2024";

#[derive(Debug, thiserror::Error)]
pub enum RubricError {
    #[error("rubric {origin}: cannot read the file")]
    Read {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("rubric {origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error("rubric {origin}: {place}: {fault}")]
    Invalid {
        origin: String,
        place: String,
        fault: String,
    },
    #[error("no built-in rubric named {0:?} (known: {known})", known = builtin_ids().join(", "))]
    UnknownBuiltin(String),
}

/// 考核评分表: a versioned rubric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// Id and version, e.g. "yueyang-2024". Rounds are pinned to it.
    pub id: String,
    /// SHA-256 (hex) of the file the rubric was read from: what a stored sheet was scored with.
    /// Always computed from the text when a rubric file is read, whatever the file says.
    #[serde(default)]
    pub content_hash: String,
    pub title: String,
    /// The regulation the rubric applies, e.g. 《岳阳市市级预算部门绩效自评操作规程》.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(with = "decimal::lenient")]
    #[schema(value_type = String)]
    pub total: Decimal,
    pub items: Vec<RubricItem>,
    /// Grade cut-offs, highest first.
    pub grades: Vec<GradeCut>,
    pub ranking: RankingRules,
    pub consistency: ConsistencyRules,
    /// How reviewers' judgments combine; the defaults when the file has no `[review]`.
    #[serde(default)]
    pub review: ReviewRules,
}

/// 双人评审: how two reviewers' judgments of an item combine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRules {
    /// Two judgments differing by at most this many points are averaged; beyond it a lead
    /// reviewer decides.
    #[serde(with = "decimal::lenient")]
    #[schema(value_type = String)]
    pub double_review_threshold: Decimal,
    /// 回避: how many levels up and down the department tree a reviewer's own unit conflicts
    /// (1: its parent and its direct subordinates).
    #[serde(default = "default_conflict_depth")]
    pub conflict_depth: u8,
}

fn default_conflict_depth() -> u8 {
    1
}

impl Default for ReviewRules {
    fn default() -> Self {
        ReviewRules {
            double_review_threshold: Decimal::TWO,
            conflict_depth: default_conflict_depth(),
        }
    }
}

/// One scored item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricItem {
    /// Stable code, part of the API.
    pub code: String,
    pub name: String,
    /// 一级指标, e.g. 布置工作.
    pub area: String,
    /// 二级指标, e.g. 自评通知.
    pub group: String,
    #[serde(with = "decimal::lenient")]
    #[schema(value_type = String)]
    pub max: Decimal,
    pub method: ItemMethod,
    /// 评分标准: the official criterion text.
    pub criterion: String,
    /// 所需佐证材料
    #[serde(default)]
    pub evidence: Option<String>,
    pub rule: Rule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemMethod {
    Automatic,
    Judgment,
}

/// A grade and the lowest total that earns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeCut {
    pub grade: String,
    #[serde(with = "decimal::lenient")]
    #[schema(value_type = String)]
    pub min: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RankingRules {
    pub tie_rule: TieRule,
}

/// How equal totals are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TieRule {
    /// 1-2-2-4
    StandardCompetition,
    /// 1-2-2-3
    Dense,
}

impl TieRule {
    pub fn describe(self) -> &'static str {
        match self {
            TieRule::StandardCompetition => "标准竞赛排名（1-2-2-4）",
            TieRule::Dense => "密集排名（1-2-2-3）",
        }
    }
}

impl Rubric {
    /// Parses and validates rubric TOML; `origin` names the source in messages.
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Self, RubricError> {
        let mut rubric: Rubric = toml::from_str(src).map_err(|e| RubricError::Syntax {
            origin: origin.to_string(),
            message: e.to_string().trim_end().replace('\n', " | "),
        })?;
        validate::validate(&rubric).map_err(|(place, fault)| RubricError::Invalid {
            origin: origin.to_string(),
            place,
            fault,
        })?;
        rubric.content_hash = crate::digest::sha256_hex(src.as_bytes());
        Ok(rubric)
    }

    pub fn load(path: &Path) -> Result<Self, RubricError> {
        let origin = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|source| RubricError::Read {
            origin: origin.clone(),
            source,
        })?;
        Self::from_toml_str(&src, &origin)
    }

    /// A rubric compiled into the binary.
    pub fn builtin(id: &str) -> Result<Self, RubricError> {
        let (_, src) = BUILTIN
            .iter()
            .find(|(known, _)| *known == id)
            .ok_or_else(|| RubricError::UnknownBuiltin(id.to_string()))?;
        Self::from_toml_str(src, &format!("built-in {id}"))
    }

    pub fn item(&self, code: &str) -> Option<&RubricItem> {
        self.items.iter().find(|i| i.code == code)
    }

    /// The standard parts of a report's body, as the body_parts rule names them (none when the
    /// rubric has no such rule).
    pub fn body_parts(&self) -> &[BodyPartRule] {
        self.items
            .iter()
            .find_map(|i| match &i.rule {
                Rule::BodyParts { parts, .. } => Some(parts.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// The grade a total earns.
    pub fn grade_for(&self, total: Decimal) -> Option<&str> {
        self.grades
            .iter()
            .find(|g| total >= g.min)
            .map(|g| g.grade.as_str())
    }
}

/// The TOML text of a built-in rubric.
pub fn builtin_source(id: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(known, _)| *known == id)
        .map(|(_, src)| *src)
}

pub fn builtin_ids() -> Vec<&'static str> {
    BUILTIN.iter().map(|(id, _)| *id).collect()
}

#[cfg(test)]
mod tests;
