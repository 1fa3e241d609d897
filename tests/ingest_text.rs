//! The text-export ingest against the hand-transcribed fixtures, and on fragments of other
//! published reports.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kaoping::ingest::build::{package, Built};
use kaoping::ingest::text::read;
use kaoping::model::{Package, Report};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn built(text: &str) -> Built {
    let rubric = kaoping::rubric::Rubric::builtin(kaoping::rubric::DEFAULT_RUBRIC).expect("rubric");
    package(&read(text), rubric.body_parts())
}

fn report(text: &str) -> Report {
    built(text).package.report.expect("a report")
}

/// (path, leaf) pairs; empty arrays and objects are leaves.
fn flatten(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(v, &p, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                flatten(v, &format!("{path}[{i}]"), out);
            }
        }
        other => out.push((path.to_string(), other.to_string())),
    }
}

/// The last key of a path: `report.body[3].heading` → `heading`.
fn kind(path: &str) -> String {
    let key = path.rsplit('.').next().unwrap_or(path);
    key.split('[').next().unwrap_or(key).to_string()
}

#[derive(Default)]
struct Counts {
    ours: usize,
    theirs: usize,
    both: usize,
}

struct Accuracy {
    kinds: BTreeMap<String, Counts>,
    differences: Vec<String>,
}

fn compare(ours: &Value, theirs: &Value) -> Accuracy {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    flatten(ours, "", &mut a);
    flatten(theirs, "", &mut b);
    let theirs_map: BTreeMap<&String, &String> = b.iter().map(|(p, v)| (p, v)).collect();
    let ours_map: BTreeMap<&String, &String> = a.iter().map(|(p, v)| (p, v)).collect();
    let mut kinds: BTreeMap<String, Counts> = BTreeMap::new();
    let mut differences = Vec::new();
    for (p, v) in &a {
        let c = kinds.entry(kind(p)).or_default();
        c.ours += 1;
        if theirs_map.get(p) == Some(&v) {
            c.both += 1;
        } else {
            differences.push(format!(
                "{p}: got {v}, want {}",
                theirs_map.get(p).map_or("(nothing)", |s| s.as_str())
            ));
        }
    }
    for (p, v) in &b {
        kinds.entry(kind(p)).or_default().theirs += 1;
        if !ours_map.contains_key(p) {
            differences.push(format!("{p}: missing, want {v}"));
        }
    }
    Accuracy { kinds, differences }
}

fn accuracy_of(source: &str, fixture: &str) -> Accuracy {
    let text = std::fs::read_to_string(fixtures().join("reports").join(source)).expect("report");
    let want: Package =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join(fixture)).expect("fixture"))
            .expect("fixture is a package");
    let got = built(&text).package;
    let pick = |p: &Package| serde_json::json!({"year": p.year, "report": p.report});
    let acc = compare(&pick(&got), &pick(&want));
    println!("\n{fixture} ({source})");
    println!(
        "{:<28} {:>6} {:>6} {:>10} {:>8}",
        "field", "ours", "want", "precision", "recall"
    );
    for (k, c) in &acc.kinds {
        let pct = |n: usize, d: usize| {
            if d == 0 {
                100.0
            } else {
                100.0 * n as f64 / d as f64
            }
        };
        println!(
            "{k:<28} {:>6} {:>6} {:>9.1}% {:>7.1}%",
            c.ours,
            c.theirs,
            pct(c.both, c.ours),
            pct(c.both, c.theirs)
        );
    }
    for d in acc.differences.iter().take(60) {
        println!("  differs: {d}");
    }
    acc
}

#[test]
fn accuracy_on_the_two_whole_reports() {
    let junshan = accuracy_of("000_4f6cfb20def449c3.txt", "junshan-2024.json");
    let miluo = accuracy_of("003_dbdc2451ec2e8b0c.txt", "miluo-2024.json");
    assert!(
        junshan.differences.is_empty() && miluo.differences.is_empty(),
        "{} + {} fields differ",
        junshan.differences.len(),
        miluo.differences.len()
    );
}

#[test]
fn department_and_year_from_the_whole_reports() {
    let text = std::fs::read_to_string(fixtures().join("reports/000_4f6cfb20def449c3.txt"))
        .expect("report");
    let b = built(&text);
    assert_eq!(b.package.department.name, "岳阳市君山区数据局");
    assert_eq!(b.package.year, 2024);
    assert!(b.package.department.code.is_none());
    assert!(
        !b.missing.iter().any(|m| m.contains("自评表")),
        "{:?}",
        b.missing
    );
}

#[test]
fn every_fragment_parses_and_missing_names_what_is_absent() {
    let dir = fixtures().join("fragments");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fragments")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    for path in names {
        let text = std::fs::read_to_string(&path).expect("fragment");
        let b = built(&text);
        let r = b.package.report.as_ref().expect("report");
        let says = |m: &str| b.missing.iter().any(|x| x == m);
        let name = path.display();
        assert!(!b.missing.is_empty(), "{name}: fragments lack something");
        assert_eq!(
            r.basic_data.is_none(),
            says("未找到部门整体支出绩效评价基础数据表"),
            "{name}"
        );
        assert_eq!(
            r.department_table.is_none(),
            says("未找到部门整体支出绩效自评表"),
            "{name}"
        );
        assert_eq!(
            r.project_tables.is_empty(),
            says("未找到项目支出绩效自评表"),
            "{name}"
        );
        assert_eq!(r.problems.is_empty(), says("未找到存在的问题"), "{name}");
        assert_eq!(r.body.is_empty(), says("未找到报告正文"), "{name}");
        println!("{name}: {} parts, missing {:?}", r.body.len(), b.missing);
    }
}

#[test]
fn headings_in_every_numbering_style() {
    let r = report(
        "2024年度示例局整体支出绩效自评报告\n1、 部门（单位）基本情况\n（1） 基本情况\n正文\n\
         二、一般公共预算支出情况\n（二）主要职能\n三 、政府性基金预算支出情况\n无\n\
         （四）国有资本经营预算支出情况\n1. 要点\n五．社会保险基金预算支出情况\n",
    );
    let headings: Vec<&str> = r.body.iter().map(|p| p.heading.as_str()).collect();
    assert_eq!(
        headings,
        vec![
            "1、 部门（单位）基本情况",
            "二、一般公共预算支出情况",
            "三 、政府性基金预算支出情况",
            "（四）国有资本经营预算支出情况",
            "五．社会保险基金预算支出情况",
        ]
    );
    assert_eq!(r.body[0].text, "（1） 基本情况\n正文");
    assert_eq!(
        r.title.as_deref(),
        Some("2024年度示例局整体支出绩效自评报告")
    );
}

#[test]
fn problems_and_suggestions_split_at_their_ordinals() {
    let r = report(
        "2024年度示例局整体支出绩效自评报告\n一、基本情况\n无\n七、存在的主要问题及改进建议\n\
         发现的主要问题及原因：一是A误差；二是B提升。下一步改进措施：C完善。\n",
    );
    assert_eq!(r.problems, vec!["A误差；", "B提升。"]);
    assert_eq!(r.suggestions, vec!["C完善。"]);
}

#[test]
fn a_table_title_split_over_two_lines() {
    let r = report(
        "附件1\n2024年度部门整体支出绩效评价基础\n数据表\n\n\t财政供养人员情况(人)\n\t编制数\n\
         \t2024年实际在职\n人数\n\t控制率\n\n\t\n\t２６\n\t26\n\t100.00%\n\n\t经费控制情况(万元)\n\
         \t2023年决算数\n\t2024年预算数\n\t2024年决算数\n\n\t“三公”经费\n\t0.35 \n\t——\n\t1.4万元\n\n\n\
         填表人：彭雁\n",
    );
    let basic = r.basic_data.expect("basic data");
    assert_eq!(basic.title, "2024年度部门整体支出绩效评价基础数据表");
    let staffing = basic.staffing.expect("staffing");
    assert_eq!(
        staffing.authorized.map(|d| d.to_string()).as_deref(),
        Some("26")
    );
    assert_eq!(
        staffing.control_rate.map(|d| d.to_string()).as_deref(),
        Some("100.00")
    );
    let values: Vec<Option<String>> = basic.rows[0]
        .values
        .iter()
        .map(|v| v.map(|d| d.to_string()))
        .collect();
    assert_eq!(values, vec![Some("0.35".into()), None, Some("1.4".into())]);
    assert_eq!(
        basic.filled.and_then(|f| f.filled_by).as_deref(),
        Some("彭雁")
    );
}

const PROJECT_TABLE: &str = "2024年度项目支出绩效自评表\n\t项目支出名称\n\t示例项目\n\n\
    \t绩效指标\n\t一级指标\n\t二级指标\n\t三级指标\n\t年度指标值\n\t实际完成值\n\t分值\n\t得分\n\t偏差原因分析及改进措施\n\n\
    \t\n\t产出指标\n\n(50分)\n\t数量指标\n\t甲\n\t≥ 30万件\n\t——\n\t５\n\t5.00\n\t　\n\n\
    \t\n\t\n\t\n\t\n\t\n\t\n\t\n\t\n\t\n\n\
    \t\n\t\n\t\n\t乙\n\t100%\n\t100%\n\t5\n\t5\n\t无偏差\n\n\
    \t总分\n\t100\n\t98\n\t\n\n\n填表人：刘为 填报日期： 2025.5.6\n";

#[test]
fn continuation_rows_blank_rows_dashes_and_full_width_figures() {
    let r = report(PROJECT_TABLE);
    let t = &r.project_tables[0];
    assert_eq!(t.name, "示例项目");
    assert_eq!(t.first_level_weights[0].indicator, "产出指标");
    assert_eq!(t.first_level_weights[0].weight.to_string(), "50");
    let first = &t.indicators[0];
    assert_eq!(first.target.as_deref(), Some("≥30万件"));
    assert_eq!(first.actual, None);
    assert_eq!(first.weight.map(|d| d.to_string()).as_deref(), Some("5"));
    assert_eq!(first.score.map(|d| d.to_string()).as_deref(), Some("5.00"));
    assert_eq!(first.deviation, None);
    assert_eq!(t.indicators[1], kaoping::model::IndicatorRow::default());
    let third = &t.indicators[2];
    assert_eq!(third.level1.as_deref(), Some("产出指标"));
    assert_eq!(third.level2.as_deref(), Some("数量指标"));
    assert_eq!(third.deviation.as_deref(), Some("无偏差"));
    assert_eq!(t.total_score.map(|d| d.to_string()).as_deref(), Some("98"));
    assert_eq!(
        t.filled
            .as_ref()
            .and_then(|f| f.filled_on)
            .map(|d| d.to_string())
            .as_deref(),
        Some("2025-05-06")
    );
}

#[test]
fn a_table_of_contents_is_not_the_body() {
    let b = built(
        "县档案馆2024年部门整体支出绩效自评报告\n目录\n一、部门概况\n二、绩效目标\n六、存在的问题\n\
         一、部门概况\n正文\n六、存在的问题\n一是甲；二是乙。\n",
    );
    let r = b.package.report.expect("report");
    assert_eq!(r.body.len(), 2);
    assert_eq!(r.body[0].text, "正文");
    assert_eq!(r.problems, vec!["甲；", "乙。"]);
    assert_eq!(b.package.department.name, "县档案馆");
}

#[test]
fn no_panic_on_reports_cut_anywhere() {
    for name in ["000_4f6cfb20def449c3.txt", "003_dbdc2451ec2e8b0c.txt"] {
        let text = std::fs::read_to_string(fixtures().join("reports").join(name)).expect("report");
        let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(97).collect();
        for cut in cuts {
            let b = built(&text[..cut]);
            assert!(b.package.report.is_some());
            // The same text with its table structure lost.
            let _ = built(&text[cut..].replace('\t', " "));
        }
    }
}
