//! Rules a rubric must keep beyond its syntax. Each fault names its place in the file.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::{Band, BandRules, ItemMethod, Rubric, RubricItem, Rule, WeightScheme};

type Fault = (String, String);

fn fault(place: impl Into<String>, message: impl Into<String>) -> Fault {
    (place.into(), message.into())
}

pub(super) fn validate(rubric: &Rubric) -> Result<(), Fault> {
    if rubric.id.trim().is_empty() {
        return Err(fault("id", "must not be empty"));
    }
    if rubric.items.is_empty() {
        return Err(fault("items", "a rubric needs at least one item"));
    }
    let mut codes = HashSet::new();
    let mut sum = Decimal::ZERO;
    for (i, item) in rubric.items.iter().enumerate() {
        let place = format!("items[{i}] (code {:?})", item.code);
        if item.code.is_empty()
            || !item
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Err(fault(
                place,
                "code must be lower-case ASCII letters and '_'",
            ));
        }
        if !codes.insert(item.code.as_str()) {
            return Err(fault(place, "code is used by an earlier item"));
        }
        if item.max <= Decimal::ZERO {
            return Err(fault(place, format!("max {} must be above 0", item.max)));
        }
        sum += item.max;
        validate_rule(item).map_err(|(p, m)| fault(format!("{place}.rule{p}"), m))?;
    }
    if sum != rubric.total {
        return Err(fault(
            "items",
            format!("item maxima add up to {sum}, not to total {}", rubric.total),
        ));
    }
    validate_grades(rubric)?;
    if rubric.review.double_review_threshold < Decimal::ZERO {
        return Err(fault(
            "review.double_review_threshold",
            "must not be negative",
        ));
    }
    if rubric.consistency.sum_tolerance < Decimal::ZERO {
        return Err(fault("consistency.sum_tolerance", "must not be negative"));
    }
    Ok(())
}

fn validate_grades(rubric: &Rubric) -> Result<(), Fault> {
    if rubric.grades.is_empty() {
        return Err(fault("grades", "at least one grade is needed"));
    }
    for (i, pair) in rubric.grades.windows(2).enumerate() {
        if pair[1].min >= pair[0].min {
            return Err(fault(
                format!("grades[{}]", i + 1),
                "cut-offs must be listed from the highest down",
            ));
        }
    }
    for (i, g) in rubric.grades.iter().enumerate() {
        if g.min < Decimal::ZERO || g.min > rubric.total {
            return Err(fault(
                format!("grades[{i}] ({})", g.grade),
                format!("cut-off {} is outside 0..{}", g.min, rubric.total),
            ));
        }
    }
    if rubric.grades.last().is_some_and(|g| g.min != Decimal::ZERO) {
        return Err(fault(
            "grades",
            "the lowest grade must start at 0 so every total has one",
        ));
    }
    Ok(())
}

fn expect_method(item: &RubricItem, method: ItemMethod) -> Result<(), Fault> {
    if item.method != method {
        return Err(fault(
            "",
            format!("this rule kind needs method = {method:?}").to_lowercase(),
        ));
    }
    Ok(())
}

fn positive(name: &str, value: Decimal) -> Result<(), Fault> {
    if value <= Decimal::ZERO {
        return Err(fault(
            format!(".{name}"),
            format!("{value} must be above 0"),
        ));
    }
    Ok(())
}

fn non_empty<T>(name: &str, list: &[T]) -> Result<(), Fault> {
    if list.is_empty() {
        return Err(fault(format!(".{name}"), "must not be empty"));
    }
    Ok(())
}

fn validate_rule(item: &RubricItem) -> Result<(), Fault> {
    match &item.rule {
        Rule::DocumentPresent { .. } => expect_method(item, ItemMethod::Automatic),
        Rule::NoticeElements {
            per_missing,
            elements,
        } => {
            expect_method(item, ItemMethod::Automatic)?;
            positive("per_missing", *per_missing)?;
            non_empty("elements", elements)?;
            for (i, e) in elements.iter().enumerate() {
                non_empty(&format!("elements[{i}].headings"), &e.headings)?;
            }
            Ok(())
        }
        Rule::SelfCheck { per_missing, .. } => {
            expect_method(item, ItemMethod::Automatic)?;
            positive("per_missing", *per_missing)
        }
        Rule::Timeliness { per_working_day } => {
            expect_method(item, ItemMethod::Automatic)?;
            positive("per_working_day", *per_working_day)
        }
        Rule::BodyParts { per_missing, parts } => {
            expect_method(item, ItemMethod::Automatic)?;
            positive("per_missing", *per_missing)?;
            non_empty("parts", parts)?;
            for (i, p) in parts.iter().enumerate() {
                non_empty(&format!("parts[{i}].aliases"), &p.aliases)?;
            }
            Ok(())
        }
        Rule::Attachments { per_missing, parts } => {
            expect_method(item, ItemMethod::Automatic)?;
            positive("per_missing", *per_missing)?;
            non_empty("parts", parts)
        }
        Rule::IndicatorWeights {
            first_level,
            schemes,
            execution_rate_key,
            ..
        } => {
            expect_method(item, ItemMethod::Automatic)?;
            non_empty("schemes", schemes)?;
            let keys: HashSet<&str> = first_level
                .iter()
                .map(|f| f.key.as_str())
                .chain([execution_rate_key.as_str()])
                .collect();
            for (i, s) in schemes.iter().enumerate() {
                validate_scheme(s, &keys)
                    .map_err(|m| fault(format!(".schemes[{i}] ({})", s.name), m))?;
            }
            Ok(())
        }
        Rule::IndicatorLevels { .. } => expect_method(item, ItemMethod::Automatic),
        Rule::IndicatorQuality { sub_scores, .. } => {
            expect_method(item, ItemMethod::Judgment)?;
            non_empty("sub_scores", sub_scores)?;
            let total: Decimal = sub_scores.iter().map(|s| s.max).sum();
            if total != item.max {
                return Err(fault(
                    ".sub_scores",
                    format!(
                        "sub-score maxima add up to {total}, not to the item's max {}",
                        item.max
                    ),
                ));
            }
            Ok(())
        }
        Rule::ProblemBands { bands, suggest, .. } => {
            expect_method(item, ItemMethod::Judgment)?;
            validate_bands(bands, item.max)?;
            for (i, s) in suggest.iter().enumerate() {
                within(&format!(".suggest[{i}].band"), s.band, item.max)?;
            }
            Ok(())
        }
        Rule::SuggestionBands { bands, suggest, .. } => {
            expect_method(item, ItemMethod::Judgment)?;
            validate_bands(bands, item.max)?;
            for (i, s) in suggest.iter().enumerate() {
                within(&format!(".suggest[{i}].band"), s.band, item.max)?;
            }
            Ok(())
        }
    }
}

/// Fixed weights and group totals add up to 100; every key is known and placed once.
fn validate_scheme(s: &WeightScheme, known: &HashSet<&str>) -> Result<(), String> {
    let total: Decimal =
        s.weights.values().sum::<Decimal>() + s.groups.iter().map(|g| g.total).sum::<Decimal>();
    if total != Decimal::ONE_HUNDRED {
        return Err(format!("weights add up to {total}, not 100"));
    }
    let mut seen = HashSet::new();
    for k in s
        .weights
        .keys()
        .chain(s.groups.iter().flat_map(|g| &g.keys))
    {
        if !known.contains(k.as_str()) {
            return Err(format!(
                "weight key {k:?} is neither a first_level key nor execution_rate_key"
            ));
        }
        if !seen.insert(k.as_str()) {
            return Err(format!("weight key {k:?} is given more than once"));
        }
    }
    match s
        .groups
        .iter()
        .find(|g| g.keys.is_empty() || g.total <= Decimal::ZERO)
    {
        Some(g) => Err(format!("group {:?} needs keys and a total above 0", g.name)),
        None => Ok(()),
    }
}

fn within(place: &str, [lo, hi]: [Decimal; 2], max: Decimal) -> Result<(), Fault> {
    if lo < Decimal::ZERO || hi > max || lo > hi {
        return Err(fault(
            place,
            format!("band {lo}–{hi} is not inside the item's 0–{max}"),
        ));
    }
    Ok(())
}

fn validate_bands(rules: &BandRules, max: Decimal) -> Result<(), Fault> {
    non_empty("bands", &rules.bands)?;
    positive("step", rules.step)?;
    for (i, Band { range, .. }) in rules.bands.iter().enumerate() {
        within(&format!(".bands[{i}]"), *range, max)?;
    }
    Ok(())
}
