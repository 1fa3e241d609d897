use rust_decimal::Decimal;

use super::*;

const YUEYANG: &str = include_str!("../../../../rubric/yueyang-2024.toml");

fn refuse(src: &str) -> String {
    match Rubric::from_toml_str(src, "test.toml") {
        Ok(_) => panic!("rubric was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn builtin_rubric_loads_with_twelve_items_worth_100() {
    let r = Rubric::builtin(DEFAULT_RUBRIC).expect("built-in rubric");
    let codes: Vec<&str> = r.items.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "notice_issued",
            "notice_contents",
            "working_group",
            "self_check",
            "timeliness",
            "body_complete",
            "attachments_complete",
            "indicator_weights",
            "indicator_levels",
            "indicator_quality",
            "problems",
            "suggestions"
        ]
    );
    let sum: Decimal = r.items.iter().map(|i| i.max).sum();
    assert_eq!(sum, Decimal::ONE_HUNDRED);
    assert_eq!(r.grade_for(Decimal::from(90)), Some("优"));
    assert_eq!(r.grade_for(Decimal::new(8999, 2)), Some("良"));
    assert_eq!(r.grade_for(Decimal::from(60)), Some("中"));
    assert_eq!(r.grade_for(Decimal::new(5999, 2)), Some("差"));
}

#[test]
fn national_only_file_loads_with_one_scheme() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../rubric/national-only-2024.toml");
    let r = Rubric::load(&path).expect("national-only rubric");
    assert_eq!(r.id, "national-only-2024");
    let Some(Rule::IndicatorWeights { schemes, .. }) = r.item("indicator_weights").map(|i| &i.rule)
    else {
        panic!("indicator_weights rule");
    };
    assert_eq!(schemes.len(), 1);
}

#[test]
fn unknown_builtin_and_missing_file_are_errors() {
    assert!(matches!(
        Rubric::builtin("nope"),
        Err(RubricError::UnknownBuiltin(_))
    ));
    let e = Rubric::load(std::path::Path::new("/no/such/rubric.toml")).unwrap_err();
    assert!(e.to_string().contains("/no/such/rubric.toml"), "{e}");
}

#[test]
fn maxima_must_add_up_to_total() {
    let msg = refuse(&YUEYANG.replace("total = 100", "total = 99"));
    assert!(
        msg.contains("test.toml") && msg.contains("add up to 100, not to total 99"),
        "{msg}"
    );
}

#[test]
fn duplicate_codes_are_refused() {
    let msg = refuse(&YUEYANG.replace("code = \"working_group\"", "code = \"notice_issued\""));
    assert!(
        msg.contains("items[2]") && msg.contains("earlier item"),
        "{msg}"
    );
}

#[test]
fn unknown_rule_kind_is_refused_with_its_line() {
    let msg = refuse(&YUEYANG.replace("kind = \"timeliness\"", "kind = \"punctuality\""));
    assert!(
        msg.contains("test.toml") && msg.contains("line") && msg.contains("punctuality"),
        "{msg}"
    );
}

#[test]
fn band_outside_item_is_refused() {
    let msg = refuse(&YUEYANG.replace("range = [16, 18]", "range = [16, 22]"));
    assert!(
        msg.contains("code \"problems\"") && msg.contains("16–22"),
        "{msg}"
    );
}

#[test]
fn suggested_band_outside_item_is_refused() {
    let msg = refuse(&YUEYANG.replace("band = [6, 8]", "band = [6, 18]"));
    assert!(msg.contains("suggest[4]"), "{msg}");
}

#[test]
fn weight_scheme_must_add_up_to_100() {
    let msg = refuse(&YUEYANG.replace("\"产出\" = 50", "\"产出\" = 40"));
    assert!(
        msg.contains("schemes[0]") && msg.contains("not 100"),
        "{msg}"
    );
}

#[test]
fn weight_scheme_keys_must_be_known() {
    let msg = refuse(&YUEYANG.replace(
        "\"满意度\" = 10 } },\n  { name = \"成本",
        "\"满意\" = 10 } },\n  { name = \"成本",
    ));
    assert!(msg.contains("\"满意\""), "{msg}");
}

#[test]
fn sub_scores_must_add_up_to_max() {
    let msg = refuse(&YUEYANG.replace(
        "{ name = \"突出核心指标，精简实用\", max = 3 }",
        "{ name = \"突出核心指标，精简实用\", max = 4 }",
    ));
    assert!(msg.contains("sub-score maxima add up to 11"), "{msg}");
}

#[test]
fn method_must_fit_the_rule() {
    let src = YUEYANG.replacen("method = \"judgment\"", "method = \"automatic\"", 1);
    let msg = refuse(&src);
    assert!(
        msg.contains("indicator_quality") && msg.contains("judgment"),
        "{msg}"
    );
}

#[test]
fn grades_must_descend_and_reach_zero() {
    let msg = refuse(&YUEYANG.replace("grade = \"良\"\nmin = 80", "grade = \"良\"\nmin = 95"));
    assert!(msg.contains("grades[1]"), "{msg}");
    let msg = refuse(&YUEYANG.replace("grade = \"差\"\nmin = 0", "grade = \"差\"\nmin = 10"));
    assert!(msg.contains("lowest grade"), "{msg}");
}

#[test]
fn decimals_are_exact_from_integers_strings_and_floats() {
    let r = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    assert_eq!(r.consistency.sum_tolerance, Decimal::new(1, 2));
    let Some(Rule::ProblemBands { bands, .. }) = r.item("problems").map(|i| &i.rule) else {
        panic!("problems rule");
    };
    assert_eq!(bands.step, Decimal::new(5, 1));
    let msg = refuse(&YUEYANG.replace("sum_tolerance = 0.01", "sum_tolerance = \"abc\""));
    assert!(msg.contains("not a decimal"), "{msg}");
}

#[test]
fn rubric_round_trips_through_json() {
    let r = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    let json = serde_json::to_string(&r).expect("serialize");
    let back: Rubric = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(r, back);
}
