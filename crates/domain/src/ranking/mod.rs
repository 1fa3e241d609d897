//! 结果公布: a round's published results as an immutable snapshot, its ranking under a tie rule,
//! the summary dashboards draw, the difference between two versions, and the exports.
//!
//! Pure: the service builds a [`Snapshot`] from the final score sheets; everything here reads it.

mod diff;
pub mod export;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::ScoreSheet;
use crate::rubric::{GradeCut, RubricItem, TieRule};

pub use diff::{diff, reason_of, same_results, ItemChanged, Moved, VersionDiff};

/// One published version of a round's results, frozen: nothing changes it once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub round_id: i64,
    pub year: i32,
    pub title: String,
    pub version: i32,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    /// Why this version was published (the first: 首次公布).
    pub reason: String,
    /// The pinned rubric's id and version, e.g. "yueyang-2024".
    pub rubric: String,
    /// Grade cut-offs, highest first.
    pub cutoffs: Vec<GradeCut>,
    /// The rubric's default tie rule.
    pub tie_rule: TieRule,
    pub items: Vec<ItemInfo>,
    /// Every department of the round, in code order, submitted or not.
    pub departments: Vec<PublishedDepartment>,
}

/// A rubric item as the ranking shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ItemInfo {
    pub code: String,
    pub name: String,
    #[schema(value_type = String)]
    pub max: Decimal,
}

impl From<&RubricItem> for ItemInfo {
    fn from(i: &RubricItem) -> Self {
        ItemInfo {
            code: i.code.clone(),
            name: i.name.clone(),
            max: i.max,
        }
    }
}

/// A department's published result: what rankings need. Its whole sheet, with every deduction
/// and reason, is published beside the snapshot, one per department.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedDepartment {
    pub code: String,
    pub name: String,
    /// e.g. 县区, 市直.
    pub category: String,
    /// False when the department did not submit (未报送).
    pub submitted: bool,
    /// Received after the deadline.
    pub late: bool,
    pub total: Option<Decimal>,
    pub grade: Option<String>,
    /// Item code → final score.
    pub items: BTreeMap<String, Decimal>,
}

impl PublishedDepartment {
    /// A department's result from its final sheet, or as not submitted when there is none.
    pub fn new(
        code: &str,
        name: &str,
        category: &str,
        sheet: Option<&ScoreSheet>,
        late: bool,
    ) -> Self {
        PublishedDepartment {
            code: code.to_string(),
            name: name.to_string(),
            category: category.to_string(),
            submitted: sheet.is_some(),
            late,
            total: sheet.map(|s| s.total),
            grade: sheet.and_then(|s| s.grade.clone()),
            items: sheet
                .iter()
                .flat_map(|s| &s.items)
                .filter_map(|i| i.score.map(|v| (i.code.clone(), v)))
                .collect(),
        }
    }
}

/// Whether a department is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Ranked,
    /// 未报送: listed, never dropped, never ranked.
    NotSubmitted,
}

/// A row of the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RankedRow {
    /// None when not submitted.
    pub rank: Option<u32>,
    pub department: String,
    pub name: String,
    pub category: String,
    pub standing: Standing,
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    /// 优 / 良 / 中 / 差
    pub grade: Option<String>,
    pub late: bool,
    /// Item code → score, in the rubric's order.
    #[schema(value_type = BTreeMap<String, String>)]
    pub items: BTreeMap<String, Decimal>,
}

/// Ranks the departments of `category` (all when None) by total, highest first, under `rule`.
/// Equal totals share a rank and are listed in code order; departments that did not submit
/// follow, unranked.
pub fn rank(snapshot: &Snapshot, rule: TieRule, category: Option<&str>) -> Vec<RankedRow> {
    let chosen = snapshot
        .departments
        .iter()
        .filter(|d| category.is_none_or(|c| d.category == c));
    let (mut ranked, mut absent): (Vec<_>, Vec<_>) = chosen.partition(|d| d.submitted);
    ranked.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.code.cmp(&b.code)));
    absent.sort_by(|a, b| a.code.cmp(&b.code));
    let mut rows = Vec::with_capacity(ranked.len() + absent.len());
    let (mut rank, mut distinct) = (0u32, 0u32);
    let mut previous: Option<Decimal> = None;
    for (i, d) in ranked.into_iter().enumerate() {
        if previous != d.total {
            distinct += 1;
            rank = match rule {
                TieRule::StandardCompetition => u32::try_from(i + 1).unwrap_or(u32::MAX),
                TieRule::Dense => distinct,
            };
            previous = d.total;
        }
        rows.push(row(d, Some(rank), Standing::Ranked));
    }
    rows.extend(
        absent
            .into_iter()
            .map(|d| row(d, None, Standing::NotSubmitted)),
    );
    rows
}

fn row(d: &PublishedDepartment, rank: Option<u32>, standing: Standing) -> RankedRow {
    RankedRow {
        rank,
        department: d.code.clone(),
        name: d.name.clone(),
        category: d.category.clone(),
        standing,
        total: d.total,
        grade: d.grade.clone(),
        late: d.late,
        items: d.items.clone(),
    }
}

/// What dashboards draw: how many of each grade, the average of every item, where points were
/// lost most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    pub departments: usize,
    pub ranked: usize,
    pub not_submitted: usize,
    /// Grade → how many, in the cut-offs' order.
    pub grades: Vec<GradeCount>,
    #[schema(value_type = Option<String>)]
    pub average_total: Option<Decimal>,
    /// Per item, most points lost first.
    pub items: Vec<ItemStats>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GradeCount {
    pub grade: String,
    pub count: usize,
}

/// One item across the ranked departments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemStats {
    pub code: String,
    pub name: String,
    #[schema(value_type = String)]
    pub max: Decimal,
    /// Mean score, to 2 decimals.
    #[schema(value_type = String)]
    pub average: Decimal,
    /// Mean points lost (max − average).
    #[schema(value_type = String)]
    pub average_lost: Decimal,
    /// Share of the maximum lost, in percent, to 1 decimal.
    #[schema(value_type = String)]
    pub lost_percent: Decimal,
    /// Departments that lost at least one point here.
    pub departments_losing: usize,
}

/// The summary of the ranked rows (not-submitted rows only count).
pub fn summarize(snapshot: &Snapshot, rows: &[RankedRow]) -> Summary {
    let ranked: Vec<&RankedRow> = rows
        .iter()
        .filter(|r| r.standing == Standing::Ranked)
        .collect();
    let n = Decimal::from(ranked.len());
    let mean = |sum: Decimal| (!ranked.is_empty()).then(|| (sum / n).round_dp(2));
    let grades = snapshot
        .cutoffs
        .iter()
        .map(|c| GradeCount {
            grade: c.grade.clone(),
            count: ranked
                .iter()
                .filter(|r| r.grade.as_deref() == Some(c.grade.as_str()))
                .count(),
        })
        .collect();
    let mut items: Vec<ItemStats> = snapshot
        .items
        .iter()
        .map(|item| {
            let scores = ranked.iter().map(|r| r.items.get(&item.code).copied());
            let sum: Decimal = scores.clone().flatten().sum();
            let average = mean(sum).unwrap_or(Decimal::ZERO);
            let lost = item.max - average;
            ItemStats {
                code: item.code.clone(),
                name: item.name.clone(),
                max: item.max,
                average,
                average_lost: lost,
                lost_percent: if item.max.is_zero() {
                    Decimal::ZERO
                } else {
                    (lost * Decimal::ONE_HUNDRED / item.max).round_dp(1)
                },
                departments_losing: scores.filter(|s| s.is_some_and(|s| s < item.max)).count(),
            }
        })
        .collect();
    items.sort_by(|a, b| {
        b.average_lost
            .cmp(&a.average_lost)
            .then_with(|| a.code.cmp(&b.code))
    });
    Summary {
        departments: rows.len(),
        ranked: ranked.len(),
        not_submitted: rows.len() - ranked.len(),
        grades,
        average_total: mean(ranked.iter().filter_map(|r| r.total).sum()),
        items,
    }
}
