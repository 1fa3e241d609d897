//! The command line, run as a process: output on success, one clear line and a non-zero exit on
//! every kind of bad input.

use crate::support::common;

use std::process::{Command, Output};

use common::fixture_path;

fn kaoping(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(args)
        .output()
        .expect("run kaoping")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `check --format json` of the 君山区 package with a deadline and a receipt time.
fn check_json(deadline: &str, submitted_at: &str, extra: &[&str]) -> serde_json::Value {
    let junshan = junshan();
    let mut args = vec![
        "check",
        &junshan,
        "--format",
        "json",
        "--deadline",
        deadline,
        "--submitted-at",
        submitted_at,
    ];
    args.extend_from_slice(extra);
    let o = kaoping(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("json")
}

fn item_of<'a>(sheet: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    sheet["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == code))
        .expect("item on the sheet")
}

fn junshan() -> String {
    fixture_path("junshan-2024.json").display().to_string()
}

fn temp_file(name: &str, content: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kaoping-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("temp file");
    path
}

/// A failed run: exit code 2, nothing on stdout, one line on stderr naming the problem, no panic.
fn assert_refused(o: &Output, expect: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for e in expect {
        assert!(err.contains(e), "{e:?} not in {err}");
    }
}

#[test]
fn check_prints_a_chinese_table_with_every_deduction() {
    let o = kaoping(&[
        "check",
        &junshan(),
        "--deadline",
        "2025-04-30",
        "--submitted-at",
        "2025-05-06T10:00:00+08:00",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("岳阳市君山区数据局"), "{out}");
    assert!(out.contains("完整性：正文"));
    assert!(out.contains("扣1分：逾期1个工作日报送"), "{out}");
    assert!(out.contains("183.19") && out.contains("183.17"));
    assert!(out.contains("待评审"));
}

#[test]
fn check_json_is_the_score_sheet() {
    let v = check_json("2025-04-30", "2025-04-30T23:00:00+08:00", &[]);
    assert_eq!(v["rubric"], "yueyang-2024");
    assert_eq!(item_of(&v, "timeliness")["score"], "10");
}

#[test]
fn check_applies_a_judgments_file() {
    let judgments = temp_file(
        "judgments.json",
        r#"{"judgments": [
            {"item": "indicator_quality", "sub_scores": ["4", "2", "2"], "reason": "大多可衡量", "by": "张三"},
            {"item": "problems", "score": "14", "reason": "涉及两个方面", "by": "张三"},
            {"item": "suggestions", "score": "10", "reason": "对应不全", "by": "张三"}],
           "overrides": [{"item": "self_check", "score": "10", "reason": "自查清单另行纸质报送，已核实", "by": "李四"}]}"#,
    );
    let path = judgments.display().to_string();
    let v = check_json(
        "2025-04-30",
        "2025-04-30T09:00:00+08:00",
        &["--judgments", &path],
    );
    assert_eq!(v["complete"], true);
    assert_eq!(v["total"], "77");
    assert_eq!(v["grade"], "中");
    assert_eq!(item_of(&v, "self_check")["automatic_score"], "0");
}

#[test]
fn judgment_outside_its_bands_is_refused() {
    let judgments = temp_file(
        "bad-judgment.json",
        r#"{"judgments": [{"item": "problems", "score": "25", "reason": "很好", "by": "张三"}]}"#,
    );
    let o = kaoping(&[
        "check",
        &junshan(),
        "--judgments",
        &judgments.display().to_string(),
    ]);
    assert_refused(&o, &["judgments refused", "problems", "超出 0–20 分的范围"]);
}

#[test]
fn missing_package_file_is_one_clear_line() {
    let o = kaoping(&["check", "/no/such/package.json"]);
    assert_refused(&o, &["cannot read /no/such/package.json", "No such file"]);
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn malformed_and_unknown_fields_are_refused() {
    let broken = temp_file("broken.json", "{\"department\": ");
    assert_refused(
        &kaoping(&["check", &broken.display().to_string()]),
        &["not a JSON package", "line 1"],
    );
    let unknown = temp_file(
        "unknown.json",
        r#"{"department": {"name": "x", "level": "county"}, "year": 2024, "colour": "red"}"#,
    );
    assert_refused(
        &kaoping(&["check", &unknown.display().to_string()]),
        &["unknown field `colour`"],
    );
    let float = temp_file(
        "float.json",
        r#"{"department": {"name": "x", "level": "county"}, "year": 2024,
            "report": {"basic_data": {"title": "t", "staffing": {"authorized": 20.5}}}}"#,
    );
    assert_refused(
        &kaoping(&["check", &float.display().to_string()]),
        &["not a JSON package"],
    );
}

#[test]
fn bad_dates_are_refused_by_the_argument_parser() {
    let o = kaoping(&["check", &junshan(), "--deadline", "2025-13-01"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("expected a date YYYY-MM-DD"),
        "{}",
        stderr(&o)
    );
    let o = kaoping(&["check", &junshan(), "--submitted-at", "yesterday"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("RFC 3339"), "{}", stderr(&o));
}

#[test]
fn date_outside_the_calendar_is_an_error_finding_not_a_guess() {
    let v = check_json("2027-04-30", "2027-05-06T10:00:00+08:00", &[]);
    assert!(item_of(&v, "timeliness")["score"].is_null());
    let f = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "calendar_out_of_coverage"))
        .expect("finding");
    assert_eq!(f["severity"], "error");
}

#[test]
fn bad_rubric_file_names_the_file_and_the_fault() {
    let src = include_str!("../../rubric/yueyang-2024.toml").replace("total = 100", "total = 90");
    let bad = temp_file("bad-rubric.toml", &src);
    let o = kaoping(&["check", &junshan(), "--rubric", &bad.display().to_string()]);
    assert_refused(&o, &["bad-rubric.toml", "not to total 90"]);
    let o = kaoping(&["rubric", "show", "--rubric", &bad.display().to_string()]);
    assert_refused(&o, &["bad-rubric.toml"]);
}

#[test]
fn rubric_show_prints_items_and_json() {
    let o = kaoping(&["rubric", "show"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("yueyang-2024") && out.contains("notice_contents") && out.contains("优 ≥90"),
        "{out}"
    );
    let national = common::fixture_path("../../rubric/national-only-2024.toml")
        .display()
        .to_string();
    let o = kaoping(&["rubric", "show", "--rubric", &national, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["id"], "national-only-2024");
    assert_eq!(v["items"].as_array().map(Vec::len), Some(12));
}

#[test]
fn parse_reads_a_text_report_and_says_what_is_missing() {
    let report = fixture_path("reports/003_dbdc2451ec2e8b0c.txt")
        .display()
        .to_string();
    let o = kaoping(&["parse", &report]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("汨罗市数据局 2024年度") && out.contains("编码 UTF-8"),
        "{out}"
    );
    assert!(out.contains("七、存在的主要问题及改进建议"), "{out}");
    assert!(out.contains("未找到正文部分：其他需要说明的情况"), "{out}");
    let o = kaoping(&["parse", &report, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json package");
    assert_eq!(
        v["report"]["project_tables"].as_array().map(Vec::len),
        Some(4)
    );
}

#[test]
fn check_reads_a_text_report_directly() {
    let report = fixture_path("reports/000_4f6cfb20def449c3.txt")
        .display()
        .to_string();
    let o = kaoping(&["check", &report, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let body = v["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == "body_complete"))
        .cloned();
    assert_eq!(body.expect("item")["score"], "8");
    assert!(v["findings"].to_string().contains("183.17"));
}

#[test]
fn unreadable_report_files_are_one_clear_line() {
    let pdf = temp_file("report.docx", "%PDF-1.7 not a word file");
    assert_refused(
        &kaoping(&["check", &pdf.display().to_string()]),
        &["report.docx"],
    );
    let empty = temp_file("empty.txt", "");
    assert_refused(
        &kaoping(&["parse", &empty.display().to_string()]),
        &["empty.txt", "empty"],
    );
    let odd = temp_file("report.pdf", "%PDF");
    assert_refused(
        &kaoping(&["parse", &odd.display().to_string()]),
        &["report.pdf", "PDF"],
    );
}

/// sichuan-2024 ships as a file: the published 青神 table (执行率 10, 产出 60, 效益 30) follows it,
/// and not the built-in yueyang-2024.
#[test]
fn check_scores_a_sichuan_table_under_the_sichuan_rubric() {
    let sichuan = common::fixture_path("../../rubric/sichuan-2024.toml")
        .display()
        .to_string();
    let o = kaoping(&["rubric", "show", "--rubric", &sichuan, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["id"], "sichuan-2024");
    let table = fixture_path("fragments/13_qingshen_fgj_2023_project_table.txt")
        .display()
        .to_string();
    let weights = |extra: &[&str]| {
        let mut args = vec!["check", table.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        let o = kaoping(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let sheet: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        item_of(&sheet, "indicator_weights")["score"].clone()
    };
    assert_eq!(weights(&["--rubric", &sichuan]), "5");
    assert_eq!(weights(&[]), "0");
}

/// A SQLite database of its own for a CLI test (removed at the end).
fn scratch_db(name: &str) -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join("kaoping-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("cli-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    (format!("sqlite://{}", path.display()), path)
}

#[test]
fn calendar_import_show_and_check_with_a_databases_calendar() {
    let (url, path) = scratch_db("calendar");
    let notice = fixture_path("calendar/notices/2027-fictional.txt");
    let notice = notice.to_str().expect("path");
    let o = kaoping(&["migrate", "--database-url", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    // before: 2027 is not covered, so the lateness cannot be scored
    let v = check_json(
        "2027-04-30",
        "2027-05-08T10:00:00+08:00",
        &["--database-url", &url],
    );
    assert!(item_of(&v, "timeliness")["score"].is_null(), "{v}");

    let import = |extra: &[&str]| {
        let mut args = vec!["calendar", "import", notice, "--reason", "测试"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--database-url", &url]);
        kaoping(&args)
    };
    let o = import(&["--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("试运行，未保存"), "{}", stdout(&o));
    let o = import(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已保存为日历版本 1"), "{}", stdout(&o));
    let o = kaoping(&["calendar", "show", "2027", "--database-url", &url]);
    let out = stdout(&o);
    assert!(
        out.contains("2018-01-01 至 2027-12-31")
            && out.contains("劳动节：05-01 05-02 05-03 05-04 05-05"),
        "{out}"
    );
    assert!(
        out.contains("调休上班：2027-01-31 2027-02-20 2027-04-25 2027-05-08 2027-09-26 2027-10-09"),
        "{out}"
    );

    // after: 8 May, a 调休 Saturday, is the third working day after 30 April
    let v = check_json(
        "2027-04-30",
        "2027-05-08T10:00:00+08:00",
        &["--database-url", &url],
    );
    assert_eq!(item_of(&v, "timeliness")["score"], "7", "{v}");

    let o = kaoping(&[
        "calendar",
        "import",
        "/nonexistent.txt",
        "--reason",
        "x",
        "--database-url",
        &url,
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("/nonexistent.txt"),
        "{}",
        stderr(&o)
    );
    let o = kaoping(&[
        "calendar",
        "remove",
        "2027",
        "--reason",
        "撤回",
        "--database-url",
        &url,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[test]
fn rubric_upload_list_and_trial() {
    let (url, path) = scratch_db("rubric");
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/rubric/sichuan-2024.toml");
    let o = kaoping(&["rubric", "upload", file, "--database-url", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    let hash = stdout(&o)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(hash.len(), 64, "{}", stdout(&o));
    let o = kaoping(&["rubric", "list", "--database-url", &url]);
    let out = stdout(&o);
    assert!(
        out.contains(&hash) && out.contains("yueyang-2024") && out.contains("内置"),
        "{out}"
    );
    // a round that does not exist is a clear error, not a panic
    let o = kaoping(&["rubric", "trial", "9", &hash, "--database-url", &url]);
    assert!(
        !o.status.success() && stderr(&o).contains("第 9 轮"),
        "{}",
        stderr(&o)
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
