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
    // The fragments holding tables printed without tabs: (基础数据表, 部门整体支出绩效自评表,
    // 项目支出绩效自评表s) found; the other fragments hold none of the three.
    let with_tables = [
        ("05_hengshan_guantang_2023_tables.txt", (true, true, 0)),
        ("13_qingshen_fgj_2023_project_table.txt", (false, false, 1)),
        ("15_fukang_tjj_2023_project_table.txt", (false, false, 1)),
    ];
    for path in names {
        let text = std::fs::read_to_string(&path).expect("fragment");
        let b = built(&text);
        let r = b.package.report.as_ref().expect("report");
        let says = |m: &str| b.missing.iter().any(|x| x == m);
        let name = path.display();
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default();
        let want = with_tables
            .iter()
            .find(|(f, _)| *f == file)
            .map_or((false, false, 0), |(_, w)| *w);
        let got = (
            r.basic_data.is_some(),
            r.department_table.is_some(),
            r.project_tables.len(),
        );
        assert_eq!(got, want, "{name}: tables found");
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

fn fragment(name: &str) -> Built {
    let text = std::fs::read_to_string(fixtures().join("fragments").join(name)).expect("fragment");
    built(&text)
}

fn figures(values: &[Option<rust_decimal::Decimal>]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.map_or_else(|| "-".to_string(), |d| d.to_string()))
        .collect()
}

fn funds_row(line: &kaoping::model::FundsLine) -> (String, Vec<String>) {
    let values = [
        line.initial_budget,
        line.full_year_budget,
        line.executed,
        line.weight,
        line.execution_rate,
        line.score,
    ];
    (line.label.clone(), figures(&values))
}

fn row<const N: usize>(label: &str, values: [&str; N]) -> (String, Vec<String>) {
    (
        label.to_string(),
        values.iter().map(|v| v.to_string()).collect(),
    )
}

/// 衡山县贯塘乡 2023: both Hunan attachments printed one cell per line, empty cells left out.
#[test]
fn tables_printed_one_cell_per_line() {
    let b = fragment("05_hengshan_guantang_2023_tables.txt");
    assert_eq!(b.package.department.name, "衡山县贯塘乡人民政府");
    assert_eq!(b.package.year, 2023);
    let r = b.package.report.expect("report");
    let basic = r.basic_data.expect("基础数据表");
    assert_eq!(basic.title, "2023年度部门整体支出绩效评价基础数据表");
    let staffing = basic.staffing.expect("staffing");
    assert_eq!(
        figures(&[staffing.authorized, staffing.actual, staffing.control_rate]),
        ["46", "50", "108.70"]
    );
    assert_eq!(
        basic.columns,
        ["2022年决算数", "2023年预算数", "2023年决算数"]
    );
    let rows: Vec<(String, Vec<String>)> = basic
        .rows
        .iter()
        .map(|r| (r.label.clone(), figures(&r.values)))
        .collect();
    assert_eq!(rows.len(), 18, "{rows:?}");
    assert_eq!(rows[0], row("三公经费:", ["0", "0", "0"]));
    assert_eq!(rows[2], row("其中:公车购置", ["0", "0", "0"]));
    assert_eq!(rows[6], row("项目支出:", ["874.20", "308.17", "1025.20"]));
    // rows whose empty cells were left out
    assert_eq!(rows[7], row("1、业务工作经费", ["-", "-", "-"]));
    assert_eq!(rows[11], row("……", ["-", "-", "-"]));
    assert_eq!(rows[12], row("公用经费", ["118.31", "85.76", "193.42"]));
    assert_eq!(rows[13], row("其中:办公经费", ["29.35", "27.00", "49.09"]));
    assert_eq!(rows[15], row("会议费、培训费", ["4.92", "3.00", "5.42"]));
    assert_eq!(rows[17], row("部门基本支出预算调整", ["-", "-", "-"]));
    let levels: Vec<u8> = basic.rows.iter().map(|r| r.level).collect();
    assert_eq!(levels[..8], [0, 1, 2, 2, 1, 1, 0, 1]);
    assert!(basic.buildings.is_empty());
    assert_eq!(basic.savings_measures, None);

    let t = r.department_table.expect("部门整体支出绩效自评表");
    assert_eq!(t.title, "2023年度部门整体支出绩效自评表");
    assert_eq!(t.name, "衡山县贯塘乡人民政府");
    let funds: Vec<_> = t.funds.iter().map(funds_row).collect();
    assert_eq!(
        funds,
        [row(
            "年度资金总额",
            ["861.10", "2030.12", "2030.12", "10", "100", "10"]
        )]
    );
    let nature = t.funds_by_nature.expect("按收入性质分");
    assert_eq!(
        figures(&[
            nature.general_public_budget,
            nature.government_funds,
            nature.special_account_non_tax,
            nature.other_funds,
            nature.basic_expenditure,
            nature.project_expenditure,
        ]),
        ["1325.68", "118.82", "-", "585.62", "900.47", "1025.20"]
    );
    let goals = t.goals.expect("年度总体目标");
    assert_eq!(
        goals.expected,
        "搞好政府各职能部门完成的工作任务监督,服务市场主体和营造发展"
    );
    assert_eq!(goals.actual, "");
    assert!(t.indicators.is_empty());
    assert!(b
        .missing
        .iter()
        .any(|m| m == "部门整体支出绩效自评表未找到绩效指标"));
}

/// 青神县发改局 2023: a Sichuan 项目支出绩效自评表 printed one cell per line, each ending ` |`.
#[test]
fn a_project_table_printed_with_pipes() {
    let r = fragment("13_qingshen_fgj_2023_project_table.txt")
        .package
        .report
        .expect("report");
    assert!(r.department_table.is_none() && r.basic_data.is_none());
    let [t] = r.project_tables.as_slice() else {
        panic!("one project table: {:?}", r.project_tables);
    };
    assert_eq!(t.name, "51000021R000000019951-工资性支出");
    assert_eq!(
        t.competent_department.as_deref(),
        Some("青神县发展和改革局本级")
    );
    assert_eq!(t.implementing_unit.as_deref(), Some("青神县发展和改革局"));
    // 年初预算 调整后预算数 预算执行数 预算执行率 权重 得分 原因, in the model's order
    let funds: Vec<_> = t.funds.iter().map(funds_row).collect();
    assert_eq!(
        funds,
        [
            row("总额", ["238.93", "251.89", "251.89", "10", "100.00", "-"]),
            row(
                "其中:财政资金",
                ["238.93", "251.89", "251.89", "-", "100.00", "-"]
            ),
            row(
                "财政专户管理资金",
                ["0.00", "0.00", "0.00", "-", "0.00", "-"]
            ),
            row("单位资金", ["0.00", "0.00", "0.00", "-", "0.00", "-"]),
            row("其他资金", ["-", "-", "-", "-", "-", "-"]),
        ]
    );
    let goals = t.goals.as_ref().expect("项目年度目标");
    assert_eq!(
        goals.expected,
        "严格执行相关政策,保障工资及时、足额发放或社保及时、足额缴纳,预算编制科学合理,减少结余资金。"
    );
    let rows: Vec<_> = t
        .indicators
        .iter()
        .map(|i| {
            (
                i.level1.as_deref().unwrap_or_default(),
                i.level2.as_deref().unwrap_or_default(),
                i.level3.as_deref().unwrap_or_default(),
                i.target.as_deref().unwrap_or_default(),
                i.actual.as_deref(),
                figures(&[i.weight, i.score]),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "产出指标",
                "数量指标",
                "发放(缴纳)覆盖率",
                "=100%",
                None,
                vec!["60".to_string(), "-".to_string()]
            ),
            (
                "效益指标",
                "社会效益指标",
                "足额保障率(参保率)",
                "=100%",
                None,
                vec!["30".to_string(), "-".to_string()]
            ),
        ]
    );
    assert_eq!(figures(&[t.total_weight, t.total_score]), ["100", "-"]);
}

/// 阜康市统计局 2023: a Xinjiang 项目支出绩效自评表 printed a row per line, cells between spaces;
/// cut after the indicator headings.
#[test]
fn a_project_table_printed_with_spaces() {
    let b = fragment("15_fukang_tjj_2023_project_table.txt");
    let r = b.package.report.expect("report");
    let [t] = r.project_tables.as_slice() else {
        panic!("one project table: {:?}", r.project_tables);
    };
    assert_eq!(t.name, "昌州财行(2022)10号国家统计局调查队专项经费");
    assert_eq!(t.competent_department.as_deref(), Some("阜康市统计局"));
    assert_eq!(t.implementing_unit.as_deref(), Some("阜康市统计局"));
    let funds: Vec<_> = t.funds.iter().map(funds_row).collect();
    assert_eq!(
        funds,
        [
            row(
                "年度资金总额",
                ["5.28", "1.96", "1.96", "10", "100.00", "10"]
            ),
            row("其中:当年财政拨款", ["5.28", "1.96", "1.96", "-", "-", "-"]),
            row("其他资金", ["0.00", "0.00", "0.00", "-", "-", "-"]),
        ]
    );
    let goals = t.goals.as_ref().expect("年度总体目标");
    assert!(
        goals
            .expected
            .starts_with("1.根据《关于拨付国家统计局昌吉调查队专项经费的通知》")
            && goals.expected.ends_with("不同收入层次居民的生活质量。"),
        "{}",
        goals.expected
    );
    assert!(
        goals
            .actual
            .starts_with("截至2023年12月31日,本项目完成住户数据产品120人")
            && goals.actual.ends_with("被调查户满意度达100%。"),
        "{}",
        goals.actual
    );
    // the indicator rows are cut off after the first row's 一级指标
    assert!(t
        .indicators
        .iter()
        .all(|i| i.level3.is_none() && i.target.is_none() && i.weight.is_none()));
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
    // Tables printed without tabs, cut anywhere.
    for name in [
        "05_hengshan_guantang_2023_tables.txt",
        "13_qingshen_fgj_2023_project_table.txt",
        "15_fukang_tjj_2023_project_table.txt",
    ] {
        let text =
            std::fs::read_to_string(fixtures().join("fragments").join(name)).expect("fragment");
        for (cut, _) in text.char_indices().step_by(7) {
            assert!(built(&text[..cut]).package.report.is_some());
            let _ = built(&text[cut..]);
            let _ = built(&text[cut..].replace('\n', " "));
        }
    }
}

/// 寻甸县档案馆 2024: the 目录 lists every heading and six attachments before the body; it is
/// not the body (each part once, with its text), and no attachment title becomes a suggestion.
#[test]
fn the_contents_of_a_real_report_are_not_its_body() {
    let b = fragment("19_xundian_dag_2024_dept.txt");
    let r = b.package.report.expect("report");
    let headings: Vec<&str> = r.body.iter().map(|p| p.heading.as_str()).collect();
    let mut unique = headings.clone();
    unique.dedup();
    assert_eq!(unique, headings, "each part once: {headings:?}");
    assert_eq!(
        headings.first().copied(),
        Some("一、部门概况"),
        "{headings:?}"
    );
    assert!(r.body[0].text.contains("正科级事业单位"), "{:?}", r.body[0]);
    assert!(
        r.suggestions.iter().all(|s| !s.contains("附件")),
        "{:?}",
        r.suggestions
    );
    assert_eq!(b.package.year, 2024);
}

/// The 2018 template names part 一 "部门（单位）基本概况" (and 岳阳县 prints it in traditional
/// characters): it is the standard part 部门（单位）基本情况.
#[test]
fn the_2018_template_heading_is_part_one() {
    for file in [
        "01_yueyang_cgzx_2018_dept.txt",
        "03_yueyangxian_nyncj_2018_dept.txt",
    ] {
        let b = fragment(file);
        assert!(
            !b.missing.iter().any(|m| m.contains("部门（单位）基本情况")),
            "{file}: {:?}",
            b.missing
        );
    }
}
