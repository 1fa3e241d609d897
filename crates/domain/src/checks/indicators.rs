//! 绩效自评表: first-level weights, refinement to third-level indicators, and the hints for the
//! reviewer's judgment of indicator quality.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::{Decimal, RoundingStrategy};

use super::outcome::ItemOutcome;
use crate::model::{
    Deduction, Hints, IndicatorLevelHints, IndicatorQualityHints, IndicatorRow, ItemStatus, Report,
    SelfEvalTable,
};
use crate::rubric::{FirstLevelName, RubricItem, WeightScheme};
use crate::text::{find_any, normalize};

/// Every 自评表 of the report: the department's first, then the projects'.
fn tables(report: Option<&Report>) -> Vec<&SelfEvalTable> {
    report
        .map(|r| {
            r.department_table
                .iter()
                .chain(r.project_tables.iter())
                .collect()
        })
        .unwrap_or_default()
}

/// How a table is named in reasons: its title and the department or project it is for.
pub fn table_label(t: &SelfEvalTable) -> String {
    format!("{}（{}）", t.title, t.name)
}

fn rows(t: &SelfEvalTable) -> impl Iterator<Item = &IndicatorRow> {
    t.indicators.iter().filter(|r| !r.is_blank())
}

fn filled(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

pub(super) fn round(value: Decimal, decimals: u32) -> Decimal {
    value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
}

pub struct WeightRules<'a> {
    pub decimals: u32,
    pub execution_rate_key: &'a str,
    pub first_level: &'a [FirstLevelName],
    pub schemes: &'a [WeightScheme],
    /// Each first-level key with its aliases normalised once, not once per row.
    aliases: Vec<(&'a str, Vec<String>)>,
}

impl<'a> WeightRules<'a> {
    pub fn new(
        decimals: u32,
        execution_rate_key: &'a str,
        first_level: &'a [FirstLevelName],
        schemes: &'a [WeightScheme],
    ) -> Self {
        let aliases = first_level
            .iter()
            .map(|f| {
                (
                    f.key.as_str(),
                    f.aliases.iter().map(|a| normalize(a)).collect(),
                )
            })
            .collect();
        WeightRules {
            decimals,
            execution_rate_key,
            first_level,
            schemes,
            aliases,
        }
    }

    /// The scheme key a first-level name belongs to, or the name itself when none fits.
    fn key_of(&self, name: &str) -> String {
        let n = normalize(name);
        self.aliases
            .iter()
            .find(|(_, aliases)| aliases.iter().any(|a| n.contains(a.as_str())))
            .map(|(key, _)| key.to_string())
            .unwrap_or(n)
    }

    /// A table's first-level weights: the weights printed in the heading cells, else the sum of
    /// the rows' 分值; the funds line's 分值 is the 预算执行率 weight.
    pub fn table_weights(&self, t: &SelfEvalTable) -> BTreeMap<String, Decimal> {
        let mut weights = BTreeMap::new();
        if let Some(w) = t.funds.iter().find_map(|f| f.weight) {
            weights.insert(self.execution_rate_key.to_string(), w);
        }
        for fw in &t.first_level_weights {
            let w = weights.entry(self.key_of(&fw.indicator)).or_default();
            *w = fw.weight.saturating_add(*w);
        }
        let printed: Vec<String> = t
            .first_level_weights
            .iter()
            .map(|fw| self.key_of(&fw.indicator))
            .collect();
        for row in rows(t) {
            let (Some(level1), Some(w)) = (filled(&row.level1), row.weight) else {
                continue;
            };
            let key = self.key_of(level1);
            if !printed.contains(&key) {
                let sum = weights.entry(key).or_default();
                *sum = sum.saturating_add(w);
            }
        }
        weights
    }

    pub fn describe(&self, weights: &BTreeMap<String, Decimal>) -> String {
        let mut order: Vec<&str> = vec![self.execution_rate_key];
        order.extend(self.first_level.iter().map(|f| f.key.as_str()));
        let known = order
            .iter()
            .filter_map(|k| weights.get(*k).map(|w| format!("{k}{}", w.normalize())));
        let unknown = weights
            .iter()
            .filter(|(k, _)| !order.contains(&k.as_str()))
            .map(|(k, w)| format!("{k}{}", w.normalize()));
        known.chain(unknown).collect::<Vec<_>>().join("、")
    }
}

/// Score in proportion to the tables whose weights match an accepted scheme.
pub fn weights(item: &RubricItem, rules: &WeightRules<'_>, report: Option<&Report>) -> ItemOutcome {
    let all = tables(report);
    if all.is_empty() {
        return ItemOutcome::scored(
            item,
            Decimal::ZERO,
            vec![Deduction {
                points: item.max,
                reason: "未附绩效自评表，权重无从核对".to_string(),
                location: "自评报告附件".to_string(),
            }],
        );
    }
    let off: Vec<(&SelfEvalTable, BTreeMap<String, Decimal>)> = all
        .iter()
        .map(|t| (*t, rules.table_weights(t)))
        .filter(|(_, w)| !rules.schemes.iter().any(|s| s.accepts(w)))
        .collect();
    let n = Decimal::from(all.len());
    let conforming = n - Decimal::from(off.len());
    let score = round(item.max * conforming / n, rules.decimals);
    let share = round(item.max / n, rules.decimals);
    let mut left = item.max - score;
    let count = off.len();
    let deductions = off
        .into_iter()
        .enumerate()
        .map(|(i, (t, w))| {
            // the last share takes the rounding remainder so deductions add up to the loss
            let points = if i + 1 == count {
                left
            } else {
                share.min(left)
            };
            left -= points;
            Deduction {
                points,
                reason: format!(
                    "权重为{}，不符合认可的权重方案（{}）",
                    rules.describe(&w),
                    rules
                        .schemes
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join("；")
                ),
                location: table_label(t),
            }
        })
        .collect();
    ItemOutcome::scored(item, score, deductions)
}

/// All rows refined: full marks; none: 0; partly: a proportional suggestion to confirm.
pub fn levels(item: &RubricItem, decimals: u32, report: Option<&Report>) -> ItemOutcome {
    let mut hints = IndicatorLevelHints::default();
    for t in tables(report) {
        for row in rows(t) {
            if filled(&row.level3).is_some() {
                hints.refined += 1;
            } else {
                hints.unrefined += 1;
                hints.unrefined_rows.push(format!(
                    "{} · {}/{}：{}",
                    table_label(t),
                    filled(&row.level1).unwrap_or("—"),
                    filled(&row.level2).unwrap_or("—"),
                    filled(&row.target).unwrap_or("（无指标值）")
                ));
            }
        }
    }
    let total = hints.refined + hints.unrefined;
    let outcome = if total == 0 {
        ItemOutcome::scored(
            item,
            Decimal::ZERO,
            vec![Deduction {
                points: item.max,
                reason: "绩效自评表没有绩效指标".to_string(),
                location: "绩效自评表".to_string(),
            }],
        )
    } else if hints.unrefined == 0 {
        ItemOutcome::scored(item, item.max, Vec::new())
    } else if hints.refined == 0 {
        ItemOutcome::scored(
            item,
            Decimal::ZERO,
            vec![Deduction {
                points: item.max,
                reason: format!("{total}个绩效指标均未细化到三级指标"),
                location: "绩效自评表".to_string(),
            }],
        )
    } else {
        let value = round(
            item.max * Decimal::from(hints.refined) / Decimal::from(total),
            decimals,
        );
        ItemOutcome::pending(item, ItemStatus::AwaitingConfirmation).with_suggested(
            value,
            value,
            format!(
                "{total}个指标中{}个细化到三级指标，按比例{}分，待评审确认",
                hints.refined,
                value.normalize()
            ),
        )
    };
    outcome.with_hints(Hints::IndicatorLevels(hints))
}

/// Hints for the reviewer's judgment of indicator quality; the item waits for that judgment.
pub fn quality(
    item: &RubricItem,
    vague_terms: &[String],
    comparison_terms: &[String],
    report: Option<&Report>,
) -> ItemOutcome {
    let mut hints = IndicatorQualityHints::default();
    let mut seen: HashMap<String, (String, usize)> = HashMap::new();
    for (ti, t) in tables(report).into_iter().enumerate() {
        for row in rows(t) {
            let name = filled(&row.level3).unwrap_or("—");
            let place = format!("{} · {name}", table_label(t));
            if let Some(level3) = filled(&row.level3) {
                let entry = seen
                    .entry(normalize(level3))
                    .or_insert((level3.to_string(), ti));
                if entry.1 != ti && !hints.repeated_indicators.contains(&entry.0) {
                    hints.repeated_indicators.push(entry.0.clone());
                }
            }
            if let Some(target) = filled(&row.target) {
                hints.targets += 1;
                if is_measurable(target, comparison_terms) {
                    hints.measurable += 1;
                } else if find_any(target, vague_terms).is_some() {
                    hints.vague += 1;
                    if hints.vague_examples.len() < 8 {
                        hints.vague_examples.push(format!("{place}：{target}"));
                    }
                }
                let full = matches!((row.score, row.weight), (Some(s), Some(w)) if s == w);
                let unmet = filled(&row.actual).and_then(|a| target_met(target, a)) == Some(false);
                if full && unmet {
                    hints.unmet_but_full.push(format!(
                        "{place}：指标值{target}，实际{}，得满分",
                        filled(&row.actual).unwrap_or("")
                    ));
                }
            }
            if let (Some(s), Some(w)) = (row.score, row.weight) {
                if s > w {
                    hints
                        .score_above_weight
                        .push(format!("{place}：得分{s}高于分值{w}"));
                }
            }
        }
    }
    if hints.targets > 0 {
        hints.measurable_share = Some(round(
            Decimal::from(hints.measurable * 100) / Decimal::from(hints.targets),
            2,
        ));
    }
    ItemOutcome::pending(item, ItemStatus::AwaitingJudgment)
        .with_hints(Hints::IndicatorQuality(hints))
}

fn is_measurable(target: &str, comparison_terms: &[String]) -> bool {
    target
        .chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
        || find_any(target, comparison_terms).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Ge,
    Gt,
    Le,
    Lt,
}

/// A figure with its comparison and unit: "≥30万件" → (Ge, 30, "万件").
fn quantity(s: &str) -> Option<(Option<Cmp>, Decimal, String)> {
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            '≧' => '≥',
            '≦' => '≤',
            '＞' => '>',
            '＜' => '<',
            '．' => '.',
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    let prefixes: [(&str, Cmp); 10] = [
        ("≥", Cmp::Ge),
        (">=", Cmp::Ge),
        ("不低于", Cmp::Ge),
        ("不少于", Cmp::Ge),
        ("≤", Cmp::Le),
        ("<=", Cmp::Le),
        ("不超过", Cmp::Le),
        ("不高于", Cmp::Le),
        (">", Cmp::Gt),
        ("<", Cmp::Lt),
    ];
    let (cmp, rest) = prefixes
        .iter()
        .find_map(|(p, c)| s.strip_prefix(p).map(|r| (Some(*c), r)))
        .unwrap_or((None, s.as_str()));
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let number: Decimal = rest[..end].parse().ok()?;
    Some((cmp, number, rest[end..].to_string()))
}

/// Whether an actual value meets its target, when both are figures in the same unit.
fn target_met(target: &str, actual: &str) -> Option<bool> {
    let (cmp, want, unit) = quantity(target)?;
    let (None, got, got_unit) = quantity(actual)? else {
        return None;
    };
    if !(unit == got_unit || got_unit.is_empty()) {
        return None;
    }
    // a bare target means "at least", except 0, which means "none" (差错率 0)
    let cmp = cmp.unwrap_or(if want.is_zero() { Cmp::Le } else { Cmp::Ge });
    Some(match cmp {
        Cmp::Ge => got >= want,
        Cmp::Gt => got > want,
        Cmp::Le => got <= want,
        Cmp::Lt => got < want,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_compared_in_their_unit() {
        assert_eq!(target_met("≥30万件", "42.2万件"), Some(true));
        assert_eq!(target_met("≧ 10%", "10%"), Some(true));
        assert_eq!(target_met("≤1116.88万元", "1885.44万元"), Some(false));
        assert_eq!(target_met("100%", "99.62%"), Some(false));
        assert_eq!(target_met("0", "0"), Some(true));
        assert_eq!(target_met("0", "2"), Some(false));
        assert_eq!(target_met("≥5千件", "0.85万件"), None);
        assert_eq!(target_met("提升", "有效提升"), None);
        assert_eq!(target_met("≥40000条", "41560"), Some(true));
    }
}
