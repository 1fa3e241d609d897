//! 匿名评审: what departments and the public read is scored from a ledger in which reviewers are
//! 评审专家1, 2, … and decisions are the 评审组's, so no name can reach a reason, a joined `by`
//! or any text built from them (an averaged item's reason quotes each reviewer by label).

use std::collections::BTreeMap;

use super::Ledger;

/// Who decided, as departments read it.
pub const PANEL: &str = "评审组";

/// The label of reviewer number `n` (from 1).
pub fn reviewer_label(n: usize) -> String {
    format!("评审专家{n}")
}

/// A round's numbering of its reviewers: by reviewer id, so it is the same on every sheet of the
/// round and does not depend on who judged first.
pub fn numbering(reviewer_ids: impl IntoIterator<Item = i64>) -> BTreeMap<i64, usize> {
    let mut ids: Vec<i64> = reviewer_ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .enumerate()
        .map(|(i, id)| (id, i + 1))
        .collect()
}

impl Ledger {
    /// The same ledger with every reviewer named by `numbering` (a reviewer it does not list
    /// gets the next free number, in id order) and every decision by the 评审组.
    pub fn anonymised(&self, numbering: &BTreeMap<i64, usize>) -> Ledger {
        let mut known = numbering.clone();
        let mut next = known.values().max().copied().unwrap_or(0) + 1;
        let mut ids: Vec<i64> = self
            .reviewers
            .keys()
            .chain(self.judgments.values().flat_map(|by| by.keys()))
            .copied()
            .collect();
        ids.sort_unstable();
        for id in ids {
            known.entry(id).or_insert_with(|| {
                next += 1;
                next - 1
            });
        }
        let label = |id: &i64| reviewer_label(known.get(id).copied().unwrap_or(0));
        Ledger {
            reviewers: self.reviewers.keys().map(|id| (*id, label(id))).collect(),
            judgments: self
                .judgments
                .iter()
                .map(|(item, by)| {
                    let by = by
                        .iter()
                        .map(|(id, r)| {
                            let mut r = r.clone();
                            r.by = label(id);
                            (*id, r)
                        })
                        .collect();
                    (item.clone(), by)
                })
                .collect(),
            resolutions: self
                .resolutions
                .iter()
                .map(|(item, r)| {
                    let mut r = r.clone();
                    r.by = PANEL.to_string();
                    (item.clone(), r)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReviewScore;

    fn said(by: &str, reason: &str) -> ReviewScore {
        ReviewScore {
            score: Some(rust_decimal::Decimal::from(15)),
            sub_scores: None,
            reason: reason.to_string(),
            by: by.to_string(),
            at: None,
        }
    }

    #[test]
    fn names_become_stable_labels() {
        let mut l = Ledger::default();
        l.reviewers.insert(9, "张三丰".into());
        l.reviewers.insert(4, "李四光".into());
        let mut by = BTreeMap::new();
        by.insert(9, said("张三丰", "指标表述模糊"));
        by.insert(4, said("李四光", "指标基本清晰"));
        by.insert(12, said("王五岳", "未分配仍评分"));
        l.judgments.insert("indicator_quality".into(), by);
        let a = l.anonymised(&numbering([9, 4, 4]));
        assert_eq!(a.reviewers[&4], "评审专家1");
        assert_eq!(a.reviewers[&9], "评审专家2");
        assert_eq!(a.judgments["indicator_quality"][&12].by, "评审专家3");
        let text = format!("{a:?}");
        for name in ["张三丰", "李四光", "王五岳"] {
            assert!(!text.contains(name), "{name} in {text}");
        }
    }
}
