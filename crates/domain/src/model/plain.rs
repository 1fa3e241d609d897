//! Decimals as people write them in a package or a judgment (金额、比率、分值): digits with at
//! most one decimal point, no exponent, and a sane size. "1E5", "1e1", "+5" and
//! "79228162514264337593543950335" are refused with the reason, never read as some other
//! number. Reading allows a minus sign (a stored package is always read back); a submission is
//! refused when an amount that cannot be negative is ([`negative`]).

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

/// Digits before the decimal point: a quadrillion yuan is beyond any budget.
pub const MAX_INTEGER_DIGITS: usize = 15;
/// Digits after it.
pub const MAX_FRACTION_DIGITS: usize = 6;

/// Reads `text` as a plain decimal; `signed` allows a leading minus.
pub fn parse(text: &str, signed: bool) -> Result<Decimal, String> {
    let t = text.trim();
    let digits = if signed {
        t.strip_prefix('-').unwrap_or(t)
    } else {
        t
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (!frac.is_empty() || !digits.ends_with('.'));
    if !plain {
        let shown: String = t.chars().take(40).collect();
        return Err(if t.contains(['e', 'E']) {
            format!("“{shown}”用了科学计数法：请写成普通的十进制数，如 100000 或 12.5")
        } else if !signed && t.starts_with('-') {
            format!("“{shown}”是负数：这里的数值不能为负")
        } else {
            format!("“{shown}”不是数字：请写成 1885.44 这样的十进制数，不带符号、单位和千分位")
        });
    }
    let int_digits = int.trim_start_matches('0').len();
    if int_digits > MAX_INTEGER_DIGITS || frac.len() > MAX_FRACTION_DIGITS {
        return Err(format!(
            "“{}…”过大或过长：整数部分最多 {MAX_INTEGER_DIGITS} 位，小数部分最多 {MAX_FRACTION_DIGITS} 位",
            t.chars().take(20).collect::<String>()
        ));
    }
    t.parse::<Decimal>()
        .map_err(|_| format!("“{}”不是数字", t.chars().take(40).collect::<String>()))
}

/// An optional amount, rate, weight or score.
pub fn unsigned<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| parse(&s, true).map_err(serde::de::Error::custom))
        .transpose()
}

/// A required amount, rate, weight or score.
pub fn unsigned_required<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let s = String::deserialize(d)?;
    parse(&s, true).map_err(serde::de::Error::custom)
}

/// The figures of a package that cannot be negative: amounts, areas, head counts, rates,
/// weights and scores (a table row's `values`, which may hold a change, are not among them).
const UNSIGNED_KEYS: &[&str] = &[
    "initial_budget",
    "full_year_budget",
    "executed",
    "weight",
    "execution_rate",
    "score",
    "general_public_budget",
    "government_funds",
    "special_account_non_tax",
    "other_funds",
    "basic_expenditure",
    "project_expenditure",
    "authorized",
    "control_rate",
    "approved_area",
    "actual_area",
    "area_control_rate",
    "budgeted_investment",
    "actual_investment",
    "investment_control_rate",
    "total_weight",
    "total_score",
];

/// The path of the first figure of `package` (as serialized) that is negative where no
/// figure can be, e.g. `report.funds[0].executed`.
pub fn negative(package: &serde_json::Value) -> Option<String> {
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        match v {
            serde_json::Value::Object(m) => m.iter().find_map(|(k, v)| {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match v {
                    serde_json::Value::String(s)
                        if UNSIGNED_KEYS.contains(&k.as_str()) && s.trim().starts_with('-') =>
                    {
                        Some(here)
                    }
                    _ => walk(v, &here),
                }
            }),
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &format!("{path}[{i}]"))),
            _ => None,
        }
    }
    walk(package, "")
}

/// Optional sub-scores.
pub fn unsigned_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Decimal>>, D::Error> {
    Option::<Vec<String>>::deserialize(d)?
        .map(|v| {
            v.iter()
                .map(|s| parse(s, true).map_err(serde::de::Error::custom))
                .collect()
        })
        .transpose()
}

/// A row of table values, each possibly blank; a change (增减) may be negative.
pub fn signed_values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<Decimal>>, D::Error> {
    Vec::<Option<String>>::deserialize(d)?
        .iter()
        .map(|v| {
            v.as_deref()
                .map(|s| parse(s, true).map_err(serde::de::Error::custom))
                .transpose()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn plain_decimals_are_read_and_the_rest_refused_with_the_reason() {
        assert_eq!(parse("1885.44", false), Ok(dec!(1885.44)));
        assert_eq!(parse(" 10.00 ", false), Ok(dec!(10.00)));
        assert_eq!(parse("-3.5", true), Ok(dec!(-3.5)));
        assert_eq!(parse("0", false), Ok(dec!(0)));
        for (bad, why) in [
            ("1E5", "科学计数法"),
            ("1e1", "科学计数法"),
            ("-1", "负数"),
            ("+5", "不是数字"),
            ("1,885.44", "不是数字"),
            ("5.", "不是数字"),
            (".5", "不是数字"),
            ("", "不是数字"),
            ("NaN", "不是数字"),
            ("79228162514264337593543950335", "过大"),
            ("1.1234567", "过长"),
        ] {
            let e = parse(bad, false).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert!(parse("--1", true).is_err());
        let pkg = serde_json::json!({"report": {"funds": [{"label": "-1", "executed": "5"},
            {"label": "x", "executed": "-1"}], "rows": [{"values": ["-3"]}]}});
        assert_eq!(negative(&pkg).as_deref(), Some("report.funds[1].executed"));
        let ok = serde_json::json!({"rows": [{"values": ["-3"], "label": "-1"}]});
        assert_eq!(negative(&ok), None);
        assert_eq!(parse("000000000000000000001", false), Ok(dec!(1)));
    }
}
