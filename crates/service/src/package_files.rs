//! The files of a package other than a report sent under its field: the notice and the
//! working group read from their own files, and files sent under `files`, whose role in the
//! package kaoping tells by their content.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Caller, Service, ServiceError, ServiceResult};
use kaoping_domain::ingest::classify::{self, Role};
use kaoping_domain::ingest::{self, notice, Format, Kind};
use kaoping_domain::model::{Notice, Report, SelfCheckList, WorkingGroupDocument};

/// How a file of the package other than the report was read (the notice, the working group).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FileRead {
    /// The form field it came in: notice or working_group.
    pub field: String,
    pub name: String,
    /// text, docx or xlsx.
    pub format: String,
    pub encoding: Option<String>,
    /// What was read, in Chinese: title, 文号, date, attachments.
    pub summary: String,
}

/// The notice or the working-group document read from a file.
#[derive(Debug, Clone)]
pub enum AssignmentDocument {
    /// 单位自查清单, with the registered subordinate units it does not name added as not done.
    SelfCheck(SelfCheckList),
    Notice(Notice),
    WorkingGroup(WorkingGroupDocument),
}

/// A reader's refusal of the file `name` of form field `field`.
pub(crate) fn unreadable(field: &str, name: &str, e: ingest::IngestError) -> ServiceError {
    if let ingest::IngestError::Unsupported { kind, .. } = &e {
        return ServiceError::UnsupportedDocument {
            field: field.into(),
            file: name.to_string(),
            kind: serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            message: e.to_string(),
        };
    }
    match e.too_large() {
        Some(refusal) => ServiceError::DocumentTooLarge {
            field: field.into(),
            file: name.to_string(),
            limit: refusal.limit,
            value: refusal.value,
            message: refusal.message,
        },
        None => ServiceError::Unreadable {
            field: field.into(),
            message: e.to_string(),
        },
    }
}

/// A format's stable name: text, docx, xlsx …
pub(crate) fn format_name(format: Format) -> String {
    serde_json::to_value(format)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// "标题：…；文号：…；日期：…；附件3个", for what was read from a document.
fn describe(
    title: Option<&str>,
    number: Option<&str>,
    date: Option<chrono::NaiveDate>,
    attachments: Option<usize>,
) -> String {
    let mut parts = vec![format!("标题：{}", title.unwrap_or("未识别"))];
    parts.push(format!("文号：{}", number.unwrap_or("未识别")));
    parts.push(format!(
        "日期：{}",
        date.map_or_else(
            || "未识别".to_string(),
            |d| d.format("%Y年%-m月%-d日").to_string()
        )
    ));
    if let Some(n) = attachments {
        parts.push(format!("附件{n}个"));
    }
    parts.join("；")
}

/// A file sent under `files`, as kaoping classified it.
#[derive(Debug, Clone)]
pub enum PackageFile {
    /// The report, and what it lacks (in Chinese).
    Report(Report, Vec<String>),
    /// 附表 without the report's text: their tables join the report's.
    Tables(Report),
    Document(AssignmentDocument),
    Evidence,
}

impl Service {
    /// Reads the 自评通知 or the 工作小组 document from its own file (`field` is the form field:
    /// notice or working_group), as its bytes say.
    pub fn read_assignment_document(
        &self,
        caller: &Caller,
        round_id: i64,
        field: &str,
        bytes: &[u8],
        name: &str,
    ) -> ServiceResult<(AssignmentDocument, FileRead)> {
        let (code, _, _) = self.submitting(caller, round_id)?;
        let file = match self.read_any(field, bytes, name)? {
            FileDocument::Read(file) => file,
            FileDocument::Unread { pages, message } => {
                return self.unread_document(field, bytes, name, pages, message);
            }
        };
        let sealed = self.sealed(bytes, name);
        let (document, summary) = if field == "self_check" {
            let list = self.self_check_list(&code, &file.document).ok_or_else(|| {
                ServiceError::Unreadable {
                    field: field.into(),
                    message: format!(
                        "文件 {name} 中未找到单位自查清单：需要一张有“单位名称”和“是否开展自查”两列的表"
                    ),
                }
            })??;
            let summary = self_check_summary(&list);
            (AssignmentDocument::SelfCheck(list), summary)
        } else if field == "working_group" {
            let mut w = notice::working_group(&file.document);
            w.sealed = sealed;
            let summary = describe(
                w.title.as_deref(),
                w.document_number.as_deref(),
                w.issued_on,
                None,
            );
            (AssignmentDocument::WorkingGroup(w), summary)
        } else {
            let mut n = notice::notice(&file.document);
            n.sealed = sealed;
            let summary = notice_summary(&n);
            (AssignmentDocument::Notice(n), summary)
        };
        let read = FileRead {
            field: field.to_string(),
            name: name.to_string(),
            format: format_name(file.format),
            encoding: file.encoding.map(str::to_string),
            summary,
        };
        Ok((document, read))
    }

    /// Reads a file sent under `files` and tells its role by its content: the report, its
    /// tables, the notice, the working group, or evidence (what no reader takes, such as a
    /// picture). A file a reader takes but cannot read is refused, naming it.
    pub fn read_package_file(
        &self,
        caller: &Caller,
        round_id: i64,
        bytes: &[u8],
        name: &str,
    ) -> ServiceResult<(PackageFile, FileRead)> {
        let (code, row, _) = self.submitting(caller, round_id)?;
        let kind = Kind::of(bytes);
        if kind == Kind::Json {
            return Err(ServiceError::invalid(
                "files",
                format!("文件 {name} 是 JSON：JSON 格式的材料请按其字段（report、notice、working_group、self_check）提交"),
            ));
        }
        let evidence = |why: String| -> ServiceResult<(PackageFile, FileRead)> {
            let read = FileRead {
                field: Role::Evidence.field().to_string(),
                name: name.to_string(),
                format: serde_json::to_value(kind)?
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                encoding: None,
                summary: format!("识别为{}：{why}", Role::Evidence.zh()),
            };
            Ok((PackageFile::Evidence, read))
        };
        if Format::of(kind).is_none() && ingest::scan::is_image(bytes).is_none() {
            return evidence(classify::classify(kind, None, &[]).why);
        }
        let rubric = self.round_rubric(round_id, &row.rubric_source)?;
        let file = match self.read_any("files", bytes, name)? {
            FileDocument::Read(file) => file,
            // a scan kaoping cannot read cannot be told apart: kept, and the department may
            // send it under its field
            FileDocument::Unread { message, .. } => {
                return evidence(format!(
                    "{message}，作为佐证材料保存；若它是通知或工作小组文件，请按 notice 或 working_group 提交"
                ))
            }
        };
        let built = ingest::build::package(&file.document, rubric.body_parts());
        let c = classify::classify(kind, Some((&file.document, &built)), rubric.body_parts());
        let (what, summary) = match c.role {
            Role::Report | Role::Tables => {
                let report = built.package.report.unwrap_or_default();
                let what = if c.role == Role::Report {
                    PackageFile::Report(report, built.missing)
                } else {
                    PackageFile::Tables(report)
                };
                (what, String::new())
            }
            Role::Notice => {
                let mut n = notice::notice(&file.document);
                n.sealed = self.sealed(bytes, name);
                let s = notice_summary(&n);
                (PackageFile::Document(AssignmentDocument::Notice(n)), s)
            }
            Role::WorkingGroup => {
                let mut w = notice::working_group(&file.document);
                w.sealed = self.sealed(bytes, name);
                let s = describe(
                    w.title.as_deref(),
                    w.document_number.as_deref(),
                    w.issued_on,
                    None,
                );
                (
                    PackageFile::Document(AssignmentDocument::WorkingGroup(w)),
                    s,
                )
            }
            Role::SelfCheck => match self.self_check_list(&code, &file.document) {
                Some(list) => {
                    let list = list?;
                    let s = self_check_summary(&list);
                    (
                        PackageFile::Document(AssignmentDocument::SelfCheck(list)),
                        s,
                    )
                }
                None => (PackageFile::Evidence, String::new()),
            },
            Role::Evidence => (PackageFile::Evidence, String::new()),
        };
        let mut said = format!("识别为{}：{}", c.role.zh(), c.why);
        if !summary.is_empty() {
            said = format!("{said}；{summary}");
        }
        let read = FileRead {
            field: c.role.field().to_string(),
            name: name.to_string(),
            format: format_name(file.format),
            encoding: file.encoding.map(str::to_string),
            summary: said,
        };
        Ok((what, read))
    }
}

/// A document file as read: its document (from its text layer, or recognised from its
/// pages), or a scan that could not be read.
pub(crate) enum FileDocument {
    Read(ingest::ReadFile),
    /// 扫描件，未能识读: pages, and the message saying so.
    Unread {
        pages: usize,
        message: String,
    },
}

impl Service {
    /// Reads a document file by its bytes; a scan (a PDF of page images, or a picture) is
    /// recognised with the OCR engine.
    pub(crate) fn read_any(
        &self,
        field: &str,
        bytes: &[u8],
        name: &str,
    ) -> ServiceResult<FileDocument> {
        let limits = &self.limits.read;
        // a picture is a scan; a PDF is one when its pages have no text layer
        if ingest::scan::is_image(bytes).is_none() {
            match ingest::read_document(bytes, name, limits) {
                Ok(file) => return Ok(FileDocument::Read(file)),
                Err(ingest::IngestError::Scanned { .. }) => {}
                Err(e) => return Err(unreadable(field, name, e)),
            }
        }
        self.recognise(field, bytes, name)
    }

    /// A scan's pages recognised with the OCR engine.
    fn recognise(&self, field: &str, bytes: &[u8], name: &str) -> ServiceResult<FileDocument> {
        let limits = &self.limits.read;
        let read = ingest::scan::read_scan(bytes, name, limits, self.ocr.as_ref())
            .map_err(|e| unreadable(field, name, e))?;
        if read.readable {
            Ok(FileDocument::Read(ingest::ReadFile {
                format: Format::Scan,
                encoding: None,
                document: read.document,
            }))
        } else {
            Ok(FileDocument::Unread {
                pages: read.pages,
                message: read.message(),
            })
        }
    }

    /// A notice or working-group scan that could not be read: submitted, its text empty, its
    /// items waiting for a reviewer (a self-check list must be read to count).
    fn unread_document(
        &self,
        field: &str,
        bytes: &[u8],
        name: &str,
        pages: usize,
        message: String,
    ) -> ServiceResult<(AssignmentDocument, FileRead)> {
        let sealed = self.sealed(bytes, name);
        let document = match field {
            "notice" => AssignmentDocument::Notice(Notice {
                title: None,
                document_number: None,
                issued_on: None,
                text: String::new(),
                attachments: Vec::new(),
                sealed,
                scanned_unread: true,
            }),
            "working_group" => AssignmentDocument::WorkingGroup(WorkingGroupDocument {
                title: None,
                document_number: None,
                issued_on: None,
                text: String::new(),
                sealed,
                scanned_unread: true,
            }),
            _ => {
                return Err(ServiceError::Unreadable {
                    field: field.into(),
                    message,
                })
            }
        };
        let read = FileRead {
            field: field.to_string(),
            name: name.to_string(),
            format: "scan".into(),
            encoding: None,
            summary: format!("扫描件（共{pages}页），未能识读：由评审人员对照原件核定"),
        };
        Ok((document, read))
    }

    /// A scanned report (the reader found no text layer, or it is a picture), recognised page
    /// by page; refused as 扫描件，未能识读 when it cannot be.
    pub(crate) fn read_scanned_report(
        &self,
        bytes: &[u8],
        name: &str,
        standard: &[kaoping_domain::rubric::BodyPartRule],
    ) -> ServiceResult<ingest::Parsed> {
        match self.recognise("report", bytes, name)? {
            FileDocument::Read(file) => {
                let built = ingest::build::package(&file.document, standard);
                Ok(ingest::Parsed {
                    format: file.format,
                    encoding: None,
                    package: built.package,
                    missing: built.missing,
                })
            }
            FileDocument::Unread { message, .. } => Err(ServiceError::Unreadable {
                field: "report".into(),
                message,
            }),
        }
    }

    /// Whether a PDF or picture shows a red seal (None for other files, or when it cannot be
    /// told).
    pub(crate) fn sealed(&self, bytes: &[u8], name: &str) -> Option<bool> {
        let kind = Kind::of(bytes);
        if kind != Kind::Pdf && ingest::scan::is_image(bytes).is_none() {
            return None;
        }
        ingest::scan::seals_in_file(bytes, name, &self.limits.read)
            .ok()
            .map(|seals| !seals.is_empty())
    }

    /// The self-check list of a document, compared with the department's registered
    /// subordinate units (each one not on the list is added as not done).
    fn self_check_list(
        &self,
        code: &str,
        document: &kaoping_domain::ingest::Document,
    ) -> Option<ServiceResult<SelfCheckList>> {
        let department = match self.store.department(code) {
            Ok(d) => d.map(|d| d.name).unwrap_or_default(),
            Err(e) => return Some(Err(e.into())),
        };
        let list = ingest::self_check::self_check(document, &department)?;
        let registered: Vec<String> = match self.store.departments() {
            Ok(all) => all
                .into_iter()
                .filter(|d| d.parent_code.as_deref() == Some(code))
                .map(|d| d.name)
                .collect(),
            Err(e) => return Some(Err(e.into())),
        };
        Some(Ok(ingest::self_check::with_registered(list, &registered)))
    }
}

/// "单位N个，已开展自查M个".
fn self_check_summary(list: &SelfCheckList) -> String {
    let done = list.units.iter().filter(|u| u.done).count();
    format!("单位{}个，已开展自查{done}个", list.units.len())
}

/// What was read from a notice: title, 文号, date and the number of attachments.
fn notice_summary(n: &Notice) -> String {
    describe(
        n.title.as_deref(),
        n.document_number.as_deref(),
        n.issued_on,
        Some(n.attachments.len()),
    )
}
