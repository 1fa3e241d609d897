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
        let file = ingest::read_document(bytes, name, &self.limits.read)
            .map_err(|e| unreadable(field, name, e))?;
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
            let w = notice::working_group(&file.document);
            let summary = describe(
                w.title.as_deref(),
                w.document_number.as_deref(),
                w.issued_on,
                None,
            );
            (AssignmentDocument::WorkingGroup(w), summary)
        } else {
            let n = notice::notice(&file.document);
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
        if Format::of(kind).is_none() {
            let c = classify::classify(kind, None, &[]);
            let read = FileRead {
                field: Role::Evidence.field().to_string(),
                name: name.to_string(),
                format: serde_json::to_value(kind)?
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                encoding: None,
                summary: format!("识别为{}：{}", c.role.zh(), c.why),
            };
            return Ok((PackageFile::Evidence, read));
        }
        let rubric = self.round_rubric(round_id, &row.rubric_source)?;
        let file = ingest::read_document(bytes, name, &self.limits.read)
            .map_err(|e| unreadable("files", name, e))?;
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
                let n = notice::notice(&file.document);
                let s = notice_summary(&n);
                (PackageFile::Document(AssignmentDocument::Notice(n)), s)
            }
            Role::WorkingGroup => {
                let w = notice::working_group(&file.document);
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

impl Service {
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
