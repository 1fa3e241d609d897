//! The bureau's console in a real browser: on `kaoping serve --demo`, headless Chromium opens
//! `/console` with the demo's admin token, sees the calendar's coverage and its warning, imports
//! a fictional 2027 notice (dry run first, then for real), uploads a rubric version and tries it
//! on the demo round; what the page shows is compared with what the API answers. The screenshot
//! goes to `target/console.png`. Skipped without Chromium, except under `CI=true`.

use std::time::Duration;

use serde_json::Value;

use crate::dashboard_browser::{browser_tools, get_json, start_demo, target_dir, Browser};

const NOTICE: &str = include_str!("../fixtures/calendar/notices/2027-fictional.txt");
const SICHUAN: &str = include_str!("../../rubric/sichuan-2024.toml");

/// A script line that sets a field's value (long texts are set, not typed key by key).
fn set_value(id: &str, text: &str) -> String {
    let text = serde_json::to_string(text).expect("a JSON string");
    format!("document.getElementById('{id}').value = {text}; return true")
}

fn text_of(browser: &Browser, id: &str) -> String {
    browser
        .run(&format!(
            "return document.getElementById('{id}').textContent"
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_console_imports_a_year_and_tries_a_rubric_in_chromium() {
    let Some(chromedriver) = browser_tools() else {
        return;
    };
    let demo = start_demo();
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("http client");
    let base = demo.base.as_str();
    let api = |path: &str| get_json(&http, &format!("{base}{path}"), Some(&demo.admin));
    let before = api("/api/v1/calendar");

    let browser = Browser::start(&chromedriver);
    browser.goto(&format!("{base}/console"));
    browser.type_into("#token", &demo.admin);
    browser.click("#token-apply");
    browser.wait_for(
        "the coverage",
        "return document.getElementById('coverage').textContent.includes('2026-12-31')",
        30,
    );
    // the page warns exactly when the API does
    let warned = browser
        .run("return !document.getElementById('coverage-warning').classList.contains('hidden')");
    assert_eq!(
        warned,
        Value::Bool(before["warning"].is_string()),
        "{before}"
    );
    assert_eq!(
        text_of(&browser, "days-left"),
        format!("{} 天", before["days_left"])
    );

    browser.run(&set_value("import-text", NOTICE));
    browser.run(&set_value("import-reason", "测试：虚构的 2027 年安排"));
    browser.click("#import-dry");
    browser.wait_for(
        "the dry run",
        "return document.getElementById('import-summary').textContent.includes('试运行')",
        30,
    );
    assert!(
        text_of(&browser, "import-changes").contains("2027-05-08未覆盖调休上班"),
        "{}",
        text_of(&browser, "import-changes")
    );
    assert_eq!(
        api("/api/v1/calendar")["revision"],
        0,
        "a dry run stores nothing"
    );
    browser.click("#import-apply");
    browser.wait_for(
        "the import",
        "return document.getElementById('coverage').textContent.includes('2027-12-31')",
        30,
    );
    let after = api("/api/v1/calendar");
    assert_eq!(
        (after["revision"].as_i64(), after["coverage_end"].as_str()),
        (Some(1), Some("2027-12-31"))
    );
    assert!(text_of(&browser, "import-summary").contains("日历版本 1"));

    browser.run(&set_value("upload-source", SICHUAN));
    browser.click("#upload-apply");
    browser.wait_for(
        "the uploaded version",
        "return document.getElementById('rubrics').textContent.includes('sichuan-2024')",
        30,
    );
    let versions = api("/api/v1/rubrics");
    let hash = versions
        .as_array()
        .and_then(|a| a.iter().find(|v| v["id"] == "sichuan-2024"))
        .and_then(|v| v["content_hash"].as_str())
        .expect("the uploaded version is listed")
        .to_string();
    browser.run(&format!(
        "document.getElementById('trial-round').value = '{}'; document.getElementById('trial-rubric').value = '{hash}'; return true",
        demo.round
    ));
    browser.click("#trial-run");
    browser.wait_for(
        "the trial",
        "return document.querySelectorAll('#trial tbody tr').length > 0",
        60,
    );
    let trial = api(&format!(
        "/api/v1/rounds/{}/rubric-trial?rubric_hash={hash}",
        demo.round
    ));
    let rows = browser.run("return document.querySelectorAll('#trial tbody tr').length");
    assert_eq!(
        rows.as_u64(),
        trial["departments"].as_array().map(|a| a.len() as u64)
    );
    let marked = browser.run("return document.querySelectorAll('#trial tbody tr.changed').length");
    assert_eq!(
        marked.as_u64(),
        trial["changed"].as_array().map(|a| a.len() as u64)
    );
    assert!(text_of(&browser, "trial-summary").contains("未写入任何数据"));
    let errors: Vec<String> = browser
        .log()
        .into_iter()
        .filter(|l| l.contains("SEVERE"))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    browser.screenshot(&target_dir().join("console.png"));
}
