//! 反映问题情况 and 建议情况: hints for the reviewer and the band they point to.

use rust_decimal::Decimal;

use super::outcome::ItemOutcome;
use crate::model::{Hints, ItemStatus, ProblemHints, Report, SuggestionHints};
use crate::rubric::{Area, ProblemSuggestRule, RubricItem, SuggestionSuggestRule};
use crate::text::{find_any, terms};

pub struct ProblemRules<'a> {
    pub areas: &'a [Area],
    pub cause_keywords: &'a [String],
    pub funds_shortage_keywords: &'a [String],
    pub suggest: &'a [ProblemSuggestRule],
}

pub struct SuggestionRules<'a> {
    pub funding_keywords: &'a [String],
    pub min_shared_terms: usize,
    pub stop_terms: &'a [String],
    pub suggest: &'a [SuggestionSuggestRule],
}

fn items(report: Option<&Report>, pick: fn(&Report) -> &Vec<String>) -> Vec<&str> {
    report
        .map(|r| {
            pick(r)
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The text with every occurrence of the keywords taken out.
fn without(text: &str, keywords: &[String]) -> String {
    keywords
        .iter()
        .filter(|k| !k.is_empty())
        .fold(text.to_string(), |t, k| t.replace(k.as_str(), ""))
}

fn touches_an_area(text: &str, areas: &[Area]) -> bool {
    areas.iter().any(|a| find_any(text, &a.keywords).is_some())
}

pub fn problem_hints(rules: &ProblemRules<'_>, problems: &[&str]) -> ProblemHints {
    let (touched, missing): (Vec<&Area>, Vec<&Area>) = rules
        .areas
        .iter()
        .partition(|a| problems.iter().any(|p| find_any(p, &a.keywords).is_some()));
    ProblemHints {
        problem_count: problems.len(),
        areas_touched: touched.iter().map(|a| a.name.clone()).collect(),
        areas_missing: missing.iter().map(|a| a.name.clone()).collect(),
        causes_analysed: problems
            .iter()
            .any(|p| find_any(p, rules.cause_keywords).is_some()),
        // a problem is only about money when, its shortage words taken out, it names no area:
        // "由于经费紧张，固定资产管理不规范" is an asset problem with its cause
        funds_only: !problems.is_empty()
            && problems.iter().all(|p| {
                find_any(p, rules.funds_shortage_keywords).is_some()
                    && !touches_an_area(&without(p, rules.funds_shortage_keywords), rules.areas)
            }),
    }
}

pub fn problems(
    item: &RubricItem,
    rules: &ProblemRules<'_>,
    report: Option<&Report>,
) -> ItemOutcome {
    let problems = items(report, |r| &r.problems);
    let hints = problem_hints(rules, &problems);
    let pending = ItemOutcome::pending(item, ItemStatus::AwaitingJudgment);
    let outcome = if hints.funds_only {
        pending.with_suggested(Decimal::ZERO, Decimal::ZERO, "只提出资金不足问题")
    } else {
        let areas = hints.areas_touched.len();
        let rule = rules.suggest.iter().find(|r| {
            r.max_problems.is_none_or(|m| hints.problem_count <= m)
                && r.min_areas.is_none_or(|m| areas >= m)
                && r.causes.is_none_or(|c| hints.causes_analysed == c)
        });
        match rule {
            Some(r) => pending.with_suggested(
                r.band[0],
                r.band[1],
                format!(
                    "{}：{}个问题，{}，{}",
                    r.reason,
                    hints.problem_count,
                    if areas == 0 {
                        "未归入评分细则列出的任何方面".to_string()
                    } else {
                        format!("涉及{areas}个方面（{}）", hints.areas_touched.join("、"))
                    },
                    if hints.causes_analysed {
                        "有原因分析"
                    } else {
                        "未见原因分析"
                    }
                ),
            ),
            None => pending,
        }
    };
    outcome.with_hints(Hints::Problems(hints))
}

pub fn suggestion_hints(
    rules: &SuggestionRules<'_>,
    problems: &[&str],
    suggestions: &[&str],
) -> SuggestionHints {
    let problem_terms: Vec<_> = problems
        .iter()
        .map(|p| terms(p, rules.stop_terms))
        .collect();
    let answered = |text: &str| -> Vec<usize> {
        let own = terms(text, rules.stop_terms);
        problem_terms
            .iter()
            .enumerate()
            .filter(|(_, p)| p.intersection(&own).count() >= rules.min_shared_terms)
            .map(|(i, _)| i + 1)
            .collect()
    };
    let answers: Vec<Vec<usize>> = suggestions.iter().map(|s| answered(s)).collect();
    let unanswered_problems = (1..=problems.len())
        .filter(|p| !answers.iter().any(|a| a.contains(p)))
        .collect();
    SuggestionHints {
        suggestion_count: suggestions.len(),
        answers,
        unanswered_problems,
        // a suggestion is only more money when, its money words taken out, it answers no problem
        funding_only: !suggestions.is_empty()
            && suggestions.iter().all(|s| {
                find_any(s, rules.funding_keywords).is_some()
                    && answered(&without(s, rules.funding_keywords)).is_empty()
            }),
    }
}

pub fn suggestions(
    item: &RubricItem,
    rules: &SuggestionRules<'_>,
    report: Option<&Report>,
) -> ItemOutcome {
    let problems = items(report, |r| &r.problems);
    let suggestions = items(report, |r| &r.suggestions);
    let hints = suggestion_hints(rules, &problems, &suggestions);
    let pending = ItemOutcome::pending(item, ItemStatus::AwaitingJudgment);
    let outcome = if hints.funding_only {
        pending.with_suggested(Decimal::ZERO, Decimal::ZERO, "只提出加大资金投入建议")
    } else {
        let answered = problems.len() - hints.unanswered_problems.len();
        let percent = (answered * 100).checked_div(problems.len()).unwrap_or(0);
        let count = hints.suggestion_count;
        let rule = rules.suggest.iter().find(|r| {
            r.max_suggestions.is_none_or(|m| count <= m)
                && r.min_suggestions.is_none_or(|m| count >= m)
                && r.min_answered_percent.is_none_or(|m| percent >= m as usize)
        });
        match rule {
            Some(r) => pending.with_suggested(
                r.band[0],
                r.band[1],
                format!(
                    "{}：{}条建议，{}个问题中{}个有对应建议",
                    r.reason,
                    count,
                    problems.len(),
                    answered
                ),
            ),
            None => pending,
        }
    };
    outcome.with_hints(Hints::Suggestions(hints))
}
