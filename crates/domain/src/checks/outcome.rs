//! The result of one item's check, and the deduction arithmetic every rule shares.

use rust_decimal::Decimal;

use crate::model::{Deduction, Hints, ItemStatus, SuggestedBand};
use crate::rubric::RubricItem;

/// One item's automatic result.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemOutcome {
    pub code: String,
    pub score: Option<Decimal>,
    pub status: ItemStatus,
    pub deductions: Vec<Deduction>,
    pub suggested: Option<SuggestedBand>,
    pub hints: Option<Hints>,
}

/// Something the package lacks, and where it should have been.
pub struct Missing {
    pub reason: String,
    pub location: String,
}

impl Missing {
    pub fn new(reason: impl Into<String>, location: impl Into<String>) -> Self {
        Missing {
            reason: reason.into(),
            location: location.into(),
        }
    }
}

impl ItemOutcome {
    /// Full marks less `per` for each missing thing, never below 0. Every missing thing is
    /// named; those past the cap take no points and are named in the deduction that reached it
    /// (a deduction always costs points: no "−0" line).
    pub fn deducting(item: &RubricItem, per: Decimal, missing: Vec<Missing>) -> Self {
        let mut left = item.max;
        let mut deductions: Vec<Deduction> = Vec::new();
        let mut beyond = Vec::new();
        for m in missing {
            let points = per.min(left);
            if points.is_zero() {
                beyond.push(m);
                continue;
            }
            left -= points;
            let reason = if points < per {
                format!("{}（已达本项最多扣{}分）", m.reason, item.max.normalize())
            } else {
                m.reason
            };
            deductions.push(Deduction {
                points,
                reason,
                location: m.location,
            });
        }
        if let (Some(last), false) = (deductions.last_mut(), beyond.is_empty()) {
            let names: Vec<&str> = beyond.iter().map(|m| m.reason.as_str()).collect();
            last.reason.push_str(&format!(
                "；另{}（已达本项最多扣{}分，不再扣分）",
                names.join("；"),
                item.max.normalize()
            ));
            for m in &beyond {
                if !last.location.contains(&m.location) {
                    last.location.push_str(&format!("；{}", m.location));
                }
            }
        }
        Self::scored(item, left, deductions)
    }

    /// A score with its deductions.
    pub fn scored(item: &RubricItem, score: Decimal, deductions: Vec<Deduction>) -> Self {
        ItemOutcome {
            code: item.code.clone(),
            score: Some(score),
            status: ItemStatus::Scored,
            deductions,
            suggested: None,
            hints: None,
        }
    }

    /// No score: the item waits for something (`status` says what).
    pub fn pending(item: &RubricItem, status: ItemStatus) -> Self {
        ItemOutcome {
            code: item.code.clone(),
            score: None,
            status,
            deductions: Vec::new(),
            suggested: None,
            hints: None,
        }
    }

    pub fn with_hints(mut self, hints: Hints) -> Self {
        self.hints = Some(hints);
        self
    }

    pub fn with_suggested(mut self, min: Decimal, max: Decimal, reason: impl Into<String>) -> Self {
        self.suggested = Some(SuggestedBand {
            min,
            max,
            reason: reason.into(),
        });
        self
    }
}
