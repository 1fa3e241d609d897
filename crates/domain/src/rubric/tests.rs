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

// ------------------------------------------------------------------------------------ sichuan-2024

fn rubric_file(name: &str) -> Rubric {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../rubric")
        .join(name);
    Rubric::load(&path).expect("rubric file loads")
}

fn weights_schemes(r: &Rubric) -> &[WeightScheme] {
    match r.item("indicator_weights").map(|i| &i.rule) {
        Some(Rule::IndicatorWeights { schemes, .. }) => schemes,
        other => panic!("indicator_weights rule: {other:?}"),
    }
}

#[test]
fn sichuan_file_loads_with_execution_10_and_indicators_sharing_90() {
    let r = rubric_file("sichuan-2024.toml");
    assert_eq!(r.id, "sichuan-2024");
    let [scheme] = weights_schemes(&r) else {
        panic!("one scheme");
    };
    assert_eq!(
        scheme.weights.iter().collect::<Vec<_>>(),
        [(&"预算执行率".to_string(), &Decimal::TEN)]
    );
    let [group] = scheme.groups.as_slice() else {
        panic!("one group");
    };
    assert_eq!(
        (group.name.as_str(), group.total),
        ("绩效指标", Decimal::from(90))
    );
    assert_eq!(group.keys, ["产出", "效益", "满意度", "成本"]);
}

/// The variant is a copy of yueyang-2024 with another weights rule: keep the copy from drifting.
#[test]
fn sichuan_differs_from_yueyang_only_in_indicator_weights() {
    let s = rubric_file("sichuan-2024.toml");
    let y = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    let others = |r: &Rubric| -> Vec<RubricItem> {
        r.items
            .iter()
            .filter(|i| i.code != "indicator_weights")
            .cloned()
            .collect()
    };
    assert_eq!(others(&s), others(&y));
    assert_eq!(
        (&s.total, &s.grades, &s.ranking, &s.consistency, &s.review),
        (&y.total, &y.grades, &y.ranking, &y.consistency, &y.review)
    );
    let (Some(si), Some(yi)) = (s.item("indicator_weights"), y.item("indicator_weights")) else {
        panic!("indicator_weights in both");
    };
    assert_eq!((&si.max, &si.method), (&yi.max, &yi.method));
}

#[test]
fn groups_print_only_where_a_scheme_has_them() {
    let y = serde_json::to_string(&Rubric::builtin(DEFAULT_RUBRIC).expect("rubric"))
        .expect("serialize");
    assert!(!y.contains("\"groups\""), "yueyang prints as before");
    let s = rubric_file("sichuan-2024.toml");
    let json = serde_json::to_string(&s).expect("serialize");
    assert!(json.contains("\"groups\""));
    let back: Rubric = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(s, back);
}

const SICHUAN: &str = include_str!("../../../../rubric/sichuan-2024.toml");
const SICHUAN_GROUP: &str =
    "{ name = \"绩效指标\", keys = [\"产出\", \"效益\", \"满意度\", \"成本\"], total = 90 }";

fn sichuan_with_group(group: &str) -> String {
    assert!(SICHUAN.contains(SICHUAN_GROUP), "the file has its group");
    SICHUAN.replace(SICHUAN_GROUP, group)
}

#[test]
fn group_totals_count_towards_100() {
    let msg = refuse(&sichuan_with_group(
        "{ name = \"绩效指标\", keys = [\"产出\", \"效益\"], total = 80 }",
    ));
    assert!(
        msg.contains("schemes[0]") && msg.contains("add up to 90, not 100"),
        "{msg}"
    );
}

#[test]
fn group_keys_must_be_known_and_placed_once() {
    let msg = refuse(&sichuan_with_group(
        "{ name = \"绩效指标\", keys = [\"产出\", \"投入\"], total = 90 }",
    ));
    assert!(msg.contains("\"投入\""), "{msg}");
    let msg = refuse(&sichuan_with_group(
        "{ name = \"绩效指标\", keys = [\"产出\", \"预算执行率\"], total = 90 }",
    ));
    assert!(msg.contains("more than once"), "{msg}");
    let msg = refuse(&sichuan_with_group(
        "{ name = \"绩效指标\", keys = [\"产出\", \"产出\"], total = 90 }",
    ));
    assert!(msg.contains("more than once"), "{msg}");
}

#[test]
fn a_group_needs_keys() {
    let msg = refuse(&sichuan_with_group(
        "{ name = \"绩效指标\", keys = [], total = 90 }",
    ));
    assert!(msg.contains("needs keys"), "{msg}");
}

#[test]
fn a_scheme_with_a_group_accepts_any_split_of_its_total() {
    let r = rubric_file("sichuan-2024.toml");
    let [scheme] = weights_schemes(&r) else {
        panic!("one scheme");
    };
    let table = |pairs: &[(&str, i64)]| -> std::collections::BTreeMap<String, Decimal> {
        pairs
            .iter()
            .map(|(k, w)| (k.to_string(), Decimal::from(*w)))
            .collect()
    };
    assert!(scheme.accepts(&table(&[("预算执行率", 10), ("产出", 60), ("效益", 30)])));
    assert!(scheme.accepts(&table(&[
        ("预算执行率", 10),
        ("产出", 40),
        ("效益", 30),
        ("满意度", 10),
        ("成本", 10)
    ])));
    // the fixed weight, the shared total and unnamed keys each decide
    assert!(!scheme.accepts(&table(&[("预算执行率", 15), ("产出", 55), ("效益", 30)])));
    assert!(!scheme.accepts(&table(&[("产出", 60), ("效益", 30)])));
    assert!(!scheme.accepts(&table(&[("预算执行率", 10), ("产出", 50), ("效益", 30)])));
    assert!(!scheme.accepts(&table(&[
        ("预算执行率", 10),
        ("产出", 60),
        ("效益", 20),
        ("投入", 10)
    ])));
}
