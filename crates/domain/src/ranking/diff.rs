//! What changed between two published versions: who moved, which items changed, and why.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{rank, Snapshot};
use crate::model::ItemScore;
use crate::rubric::TieRule;

/// The difference from one version to the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VersionDiff {
    pub from_version: i32,
    pub to_version: i32,
    /// Why the later version was published.
    pub reason: String,
    /// Departments whose rank, total or grade changed.
    pub moved: Vec<Moved>,
    /// Items whose score changed, with the reason the later sheet gives.
    pub items: Vec<ItemChanged>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Moved {
    pub department: String,
    pub name: String,
    pub rank_before: Option<u32>,
    pub rank_after: Option<u32>,
    #[schema(value_type = Option<String>)]
    pub total_before: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub total_after: Option<Decimal>,
    pub grade_before: Option<String>,
    pub grade_after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemChanged {
    pub department: String,
    pub item: String,
    pub name: String,
    #[schema(value_type = Option<String>)]
    pub before: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub after: Option<Decimal>,
    /// The later sheet's reason for the score: the appeal, correction or judgment behind it.
    pub reason: Option<String>,
}

/// Compares two versions of one round, ranking both under the standard rule; `reason` gives the
/// later sheet's reason for an item's score (department, item).
pub fn diff(
    before: &Snapshot,
    after: &Snapshot,
    reason: impl Fn(&str, &str) -> Option<String>,
) -> VersionDiff {
    let rule = TieRule::StandardCompetition;
    let (old_rows, new_rows) = (rank(before, rule, None), rank(after, rule, None));
    let moved = new_rows
        .iter()
        .filter_map(|new| {
            let old = old_rows.iter().find(|o| o.department == new.department);
            let (rank_before, total_before, grade_before) = old
                .map(|o| (o.rank, o.total, o.grade.clone()))
                .unwrap_or_default();
            (rank_before != new.rank || total_before != new.total || grade_before != new.grade)
                .then(|| Moved {
                    department: new.department.clone(),
                    name: new.name.clone(),
                    rank_before,
                    rank_after: new.rank,
                    total_before,
                    total_after: new.total,
                    grade_before,
                    grade_after: new.grade.clone(),
                })
        })
        .collect();
    let mut items = Vec::new();
    for d in &after.departments {
        let old = before.departments.iter().find(|o| o.code == d.code);
        for info in &after.items {
            let was = old.and_then(|o| o.items.get(&info.code).copied());
            let now = d.items.get(&info.code).copied();
            if was != now {
                items.push(ItemChanged {
                    department: d.code.clone(),
                    item: info.code.clone(),
                    name: info.name.clone(),
                    before: was,
                    after: now,
                    reason: reason(&d.code, &info.code),
                });
            }
        }
    }
    VersionDiff {
        from_version: before.version,
        to_version: after.version,
        reason: after.reason.clone(),
        moved,
        items,
    }
}

/// The reason a sheet gives for an item's score: an override's, else the judgment's.
pub fn reason_of(item: &ItemScore) -> Option<String> {
    item.override_
        .as_ref()
        .map(|o| o.reason.clone())
        .or_else(|| item.judgment.as_ref().map(|j| j.reason.clone()))
}

/// Whether two snapshots publish the same results (who published them, when and why aside).
pub fn same_results(a: &Snapshot, b: &Snapshot) -> bool {
    a.departments == b.departments && a.items == b.items && a.cutoffs == b.cutoffs
}
