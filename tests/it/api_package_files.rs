//! A department hands in its 自评通知 and 工作小组 document as the files it has (Word, text),
//! not as typed JSON: kaoping reads them by their bytes, scores them, says how it read each one,
//! and keeps the originals with the evidence.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use reqwest::multipart::Form;
use serde_json::Value;

fn notice_file(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/notices/{name}")).expect("notice fixture")
}

fn sheet_item<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["score_sheet"]["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["code"] == code))
        .unwrap_or_else(|| panic!("{code} in {v}"))
}

/// Submits `form` and expects the refusal `status`/`code` with `says` in its message.
async fn refused(
    app: &TestApp,
    round: i64,
    dept: &str,
    form: Form,
    status: u16,
    code: &str,
    says: &str,
) -> Value {
    let e = assert_error(submit_form(app, round, dept, form, &[]).await, status, code).await;
    let message = e["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains(says), "{says:?} not in {e}");
    e
}

/// Whether Tesseract with its Chinese data is installed; CI must have it.
fn tesseract_installed() -> bool {
    let ok = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "chi_sim")
        });
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "CI must have tesseract-ocr and tesseract-ocr-chi-sim"
    );
    if !ok {
        eprintln!("OCR skipped: tesseract with chi_sim is not installed");
    }
    ok
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

on_both!(
    notice_and_working_group_as_files_are_read_and_scored,
    |app| {
        let (dept, round) = junshan_round(&app, AHEAD).await;
        let docx = notice_file("11_ahmu_kjc_2018_notice.docx");
        // a Word notice sent with a generic type and an odd name: its bytes say what it is
        let form = Form::new().part("report", report_part(JUNSHAN)).part(
            "notice",
            file_part(&docx, "通知（盖章版）", "application/octet-stream"),
        );
        let r = submit_form(&app, round, &dept, form, &[]).await;
        let v = body(r).await;
        assert_eq!(sheet_item(&v, "notice_issued")["score"], "2", "{v}");
        let contents = sheet_item(&v, "notice_contents");
        assert_eq!(contents["score"], "6", "{contents}");
        let found = contents["hints"]["found"].as_array().expect("found");
        assert_eq!(found.len(), 6, "{contents}");
        let basis = found
            .iter()
            .find(|f| f["element"] == "自评主要依据")
            .expect("basis");
        assert_eq!(basis["by"], "sentence");
        assert!(
            basis["text"]
                .as_str()
                .unwrap_or("")
                .contains("皖教秘财〔2019〕35号"),
            "{basis}"
        );
        // how the file was read, and the original kept with the evidence
        let files = v["files"].as_array().expect("files");
        assert_eq!(files.len(), 1, "{v}");
        assert_eq!(files[0]["field"], "notice");
        assert_eq!(files[0]["format"], "docx");
        assert!(
            files[0]["summary"]
                .as_str()
                .unwrap_or("")
                .contains("附件5个"),
            "{}",
            files[0]
        );
        let evidence = v["submission"]["evidence"].as_array().expect("evidence");
        assert_eq!(evidence[0]["name"], "通知（盖章版）");
        assert_eq!(evidence[0]["content_type"], DOCX);
        assert_eq!(evidence[0]["sha256"], sha256_hex(&docx));
        // this notice sets up no group: the working group is still missing
        assert_eq!(sheet_item(&v, "working_group")["score"], "0");

        // a notice that sets up its 领导小组 (组长, 成员) stands in for the working-group document
        let form = Form::new().part("report", report_part(JUNSHAN)).part(
            "notice",
            file_part(
                &notice_file("05_hunan_university_cwc_2021_notice_group.docx"),
                "通知.docx",
                DOCX,
            ),
        );
        let v = body(submit_form(&app, round, &dept, form, &[]).await).await;
        assert_eq!(sheet_item(&v, "working_group")["score"], "2", "{v}");

        // the working group's own document, as a text file
        let group = notice_file("17_hebei_nky_zbs_2019_group.txt");
        let form = Form::new().part("report", report_part(JUNSHAN)).part(
            "working_group",
            file_part(&group, "领导小组.txt", "text/plain"),
        );
        let v = body(submit_form(&app, round, &dept, form, &[]).await).await;
        assert_eq!(sheet_item(&v, "working_group")["score"], "2", "{v}");
        assert_eq!(v["files"][0]["field"], "working_group");
        assert_eq!(v["files"][0]["format"], "text");
        app.stop().await;
    }
);

on_both!(
    a_notice_file_kaoping_cannot_read_is_refused_saying_what_it_is,
    |app| {
        let (dept, round) = junshan_round(&app, AHEAD).await;
        let png = b"GIF89a\x01\x00\x01\x00".to_vec();
        let form = Form::new()
            .part("report", report_part(JUNSHAN))
            .part("notice", file_part(&png, "通知.docx", DOCX));
        let v = assert_error(
            submit_form(&app, round, &dept, form, &[]).await,
            415,
            "unsupported_document",
        )
        .await;
        assert_eq!(v["error"]["details"]["field"], "notice", "{v}");
        assert_eq!(v["error"]["details"]["kind"], "gif", "{v}");
        let message = v["error"]["message"].as_str().unwrap_or("");
        assert!(
            message.contains("通知.docx") && message.contains("GIF 图片"),
            "{message}"
        );
        // a broken Word file is unreadable, naming the file
        let broken = b"PK\x03\x04 broken word/document.xml".to_vec();
        let form = Form::new()
            .part("report", report_part(JUNSHAN))
            .part("notice", file_part(&broken, "通知.docx", DOCX));
        let v = assert_error(
            submit_form(&app, round, &dept, form, &[]).await,
            422,
            "unreadable_document",
        )
        .await;
        assert_eq!(v["error"]["details"]["field"], "notice", "{v}");
        // nothing was stored by either
        assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
        app.stop().await;
    }
);

on_both!(files_of_any_kind_are_classified_by_their_content, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let report = std::fs::read("tests/fixtures/reports/000_4f6cfb20def449c3.txt").expect("report");
    let notice = notice_file("11_ahmu_kjc_2018_notice.docx");
    let group = notice_file("17_hebei_nky_zbs_2019_group.txt");
    let png = b"GIF89a\x01\x00\x01\x00".to_vec();
    // names that say nothing: the content decides
    let form = Form::new()
        .part("files", file_part(&png, "1.png", "image/gif"))
        .part("files", file_part(&notice, "2", "application/octet-stream"))
        .part("files", file_part(&report, "3", "application/octet-stream"))
        .part("files", file_part(&group, "4", "application/octet-stream"));
    let r = submit_form(&app, round, &dept, form, &[]).await;
    assert_eq!(r.status(), 201);
    let v = body(r).await;
    let fields: Vec<&str> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        fields,
        ["evidence", "notice", "report", "working_group"],
        "{v}"
    );
    for f in v["files"].as_array().expect("files") {
        assert!(
            f["summary"].as_str().unwrap_or("").starts_with("识别为"),
            "{f}"
        );
    }
    assert_eq!(sheet_item(&v, "notice_issued")["score"], "2");
    assert_eq!(sheet_item(&v, "working_group")["score"], "2");
    assert_eq!(v["submission"]["source_name"], "3", "{}", v["submission"]);
    let kept: Vec<&str> = v["submission"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| e["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kept, ["1.png", "2", "4"]);

    // the same report under its field scores the same body
    let form = Form::new()
        .part("report", file_part(&report, "自评报告.txt", "text/plain"))
        .part(
            "notice",
            file_part(&notice, "2", "application/octet-stream"),
        )
        .part("files", file_part(&group, "4", "application/octet-stream"));
    let w = body(submit_form(&app, round, &dept, form, &[]).await).await;
    assert_eq!(w["score_sheet"]["total"], v["score_sheet"]["total"], "{w}");

    // two reports, or a notice sent twice, are refused naming the file
    let form = Form::new()
        .part("report", file_part(&report, "a.txt", "text/plain"))
        .part("files", file_part(&report, "b.txt", "text/plain"));
    refused(&app, round, &dept, form, 422, "invalid_request", "b.txt").await;
    let form = Form::new()
        .part("report", file_part(&report, "a.txt", "text/plain"))
        .part("notice", file_part(&notice, "n1.docx", DOCX))
        .part("files", file_part(&notice, "n2.docx", DOCX));
    let e = assert_error(
        submit_form(&app, round, &dept, form, &[]).await,
        422,
        "repeated_part",
    )
    .await;
    assert_eq!(e["error"]["details"]["name"], "n2.docx", "{e}");
    // no report anywhere
    let form = Form::new().part("files", file_part(&notice, "n.docx", DOCX));
    let e = assert_error(
        submit_form(&app, round, &dept, form, &[]).await,
        422,
        "invalid_request",
    )
    .await;
    assert_eq!(e["error"]["details"]["field"], "report", "{e}");
    app.stop().await;
});

on_both!(a_package_of_another_year_is_refused, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    for year in [2023, 1900, 99999] {
        let package = edited(JUNSHAN, |p| p["year"] = year.into());
        let v = assert_error(
            submit(&app, round, &dept, &package).await,
            422,
            "invalid_request",
        )
        .await;
        assert_eq!(v["error"]["details"]["field"], "year", "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("2024"),
            "{v}"
        );
    }
    assert!(history(&app, round, JUNSHAN_CODE).await.is_empty());
    app.stop().await;
});

on_both!(
    old_word_odt_and_rtf_files_are_read_as_a_department_has_them,
    |app| {
        let (dept, round) = junshan_round(&app, AHEAD).await;
        let fixture = |name: &str| std::fs::read(format!("tests/fixtures/doc/{name}")).expect(name);
        // the text export's score is what every format must give
        let text =
            std::fs::read("tests/fixtures/reports/000_4f6cfb20def449c3.txt").expect("report");
        let form = Form::new().part("report", file_part(&text, "自评报告.txt", "text/plain"));
        let want = body(submit_form(&app, round, &dept, form, &[]).await).await;
        for (file, format) in [
            ("junshan-2024.doc", "doc"),
            ("junshan-2024.odt", "odt"),
            ("junshan-2024.rtf", "rtf"),
        ] {
            // named as nothing in particular: the bytes decide
            let form = Form::new().part(
                "files",
                file_part(&fixture(file), "报告", "application/octet-stream"),
            );
            let v = body(submit_form(&app, round, &dept, form, &[]).await).await;
            assert_eq!(v["files"][0]["field"], "report", "{file}: {v}");
            assert_eq!(v["files"][0]["format"], format, "{file}");
            assert_eq!(
                v["score_sheet"]["total"], want["score_sheet"]["total"],
                "{file}"
            );
            let items = |v: &Value| v["score_sheet"]["items"].clone();
            assert_eq!(items(&v), items(&want), "{file}");
        }
        // a notice saved as Word 97-2003
        let notice = fixture("notices/11_ahmu_kjc_2018_notice.doc");
        let form = Form::new().part("report", report_part(JUNSHAN)).part(
            "notice",
            file_part(&notice, "通知.doc", "application/msword"),
        );
        let v = body(submit_form(&app, round, &dept, form, &[]).await).await;
        assert_eq!(v["files"][0]["format"], "doc", "{v}");
        assert_eq!(sheet_item(&v, "notice_contents")["score"], "6", "{v}");
        app.stop().await;
    }
);

on_both!(
    a_self_check_list_from_a_spreadsheet_names_the_registered_units_it_leaves_out,
    |app| {
        let (dept, round) = junshan_round(&app, AHEAD).await;
        // two registered subordinate units: one on the list, one not
        for (code, name) in [
            ("430611002", "君山区政务服务中心"),
            ("430611003", "君山区档案馆"),
        ] {
            let r = app
            .post(
                "/api/v1/departments",
                Some(ADMIN),
                serde_json::json!({ "code": code, "name": name, "category": "县区", "parent": JUNSHAN_CODE }),
            )
            .await;
            assert_eq!(r.status(), 201);
        }
        let xlsx = std::fs::read("tests/fixtures/self_check/junshan-2024-self-check.xlsx")
            .expect("fixture");
        const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        for form in [
            Form::new()
                .part("report", report_part(JUNSHAN))
                .part("self_check", file_part(&xlsx, "自查清单.xlsx", XLSX)),
            Form::new()
                .part("report", report_part(JUNSHAN))
                .part("files", file_part(&xlsx, "清单", XLSX)),
        ] {
            let v = body(submit_form(&app, round, &dept, form, &[]).await).await;
            assert_eq!(v["files"][0]["field"], "self_check", "{v}");
            let item = sheet_item(&v, "self_check");
            let reasons: Vec<&str> = item["deductions"]
                .as_array()
                .expect("deductions")
                .iter()
                .map(|d| d["reason"].as_str().unwrap_or(""))
                .collect();
            // 君山区大数据中心 said 否; 君山区档案馆 is registered but not listed
            assert_eq!(item["score"], "8", "{item}");
            assert!(
                reasons.iter().any(|r| r.contains("君山区大数据中心")),
                "{reasons:?}"
            );
            assert!(
                reasons.iter().any(|r| r.contains("君山区档案馆")),
                "{reasons:?}"
            );
        }
        // a spreadsheet with no self-check table under self_check is refused naming the file
        let form = Form::new().part("report", report_part(JUNSHAN)).part(
            "self_check",
            file_part(
                &notice_file("11_ahmu_kjc_2018_notice.docx"),
                "清单.docx",
                DOCX,
            ),
        );
        refused(
            &app,
            round,
            &dept,
            form,
            422,
            "unreadable_document",
            "清单.docx",
        )
        .await;
        app.stop().await;
    }
);

on_both!(pdf_reports_and_notices_are_read_as_printed, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    let text = std::fs::read("tests/fixtures/reports/000_4f6cfb20def449c3.txt").expect("report");
    let form = Form::new().part("report", file_part(&text, "自评报告.txt", "text/plain"));
    let want = body(submit_form(&app, round, &dept, form, &[]).await).await;
    // the LibreOffice print of the report and the printed, sealed notice, with names that say nothing
    let pdf = std::fs::read("tests/fixtures/pdf/000_junshan.pdf").expect("pdf");
    let notice = notice_file("11_ahmu_kjc_2018_notice.pdf");
    let form = Form::new()
        .part(
            "files",
            file_part(&pdf, "扫描1", "application/octet-stream"),
        )
        .part(
            "files",
            file_part(&notice, "扫描2", "application/octet-stream"),
        );
    let v = body(submit_form(&app, round, &dept, form, &[]).await).await;
    let fields: Vec<(&str, &str)> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap_or(""),
                f["format"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(fields, [("report", "pdf"), ("notice", "pdf")], "{v}");
    assert_eq!(sheet_item(&v, "notice_contents")["score"], "6", "{v}");
    // the report's own items score as from the text export
    for code in [
        "body_complete",
        "attachments_complete",
        "indicator_weights",
        "indicator_levels",
    ] {
        assert_eq!(
            sheet_item(&v, code)["score"],
            sheet_item(&want, code)["score"],
            "{code}: {}",
            sheet_item(&v, code)
        );
    }
    // a stamped scan (no text layer) is read by OCR, and its seal seen
    let scan = notice_file("01_hengyangxian_czj_2023_notice.scan.pdf");
    let form = Form::new()
        .part("report", report_part(JUNSHAN))
        .part("notice", file_part(&scan, "通知.pdf", "application/pdf"));
    let v = body(submit_form(&app, round, &dept, form, &[]).await).await;
    assert_eq!(sheet_item(&v, "notice_issued")["score"], "2", "{v}");
    if tesseract_installed() {
        assert_eq!(v["files"][0]["format"], "scan", "{v}");
        // 01 names its scope, basis and content (its labels); the rest of it was not stored
        let found = sheet_item(&v, "notice_contents")["hints"]["found"].clone();
        for element in ["自评范围", "自评主要依据", "自评主要内容"] {
            assert!(
                found
                    .as_array()
                    .is_some_and(|f| f.iter().any(|e| e["element"] == element)),
                "{element}: {found}"
            );
        }
    } else {
        // without OCR: submitted, unread, waiting for a reviewer, and said so
        assert_eq!(
            sheet_item(&v, "notice_contents")["status"],
            "missing_input",
            "{v}"
        );
        let findings = v["score_sheet"]["findings"].to_string();
        assert!(findings.contains("scan_unread"), "{findings}");
    }
    app.stop().await;
});
