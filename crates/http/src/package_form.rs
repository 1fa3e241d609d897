//! A submission sent as multipart/form-data, made into the package: the `report` file, the
//! notice and working group as files or JSON, `self_check` as JSON, `files` of any kind whose
//! role kaoping tells by their content, and `evidence`.

use actix_web::http::StatusCode;

use super::auth::blocking;
use super::error::ApiError;
use super::submissions::{evidence_files, parse_json, Part, EVIDENCE_TYPES};
use kaoping_domain::ingest::Kind;
use kaoping_domain::model::{Notice, Package, Report, SelfCheckList, WorkingGroupDocument};
use kaoping_service::{
    AssignmentDocument, Caller, DocumentRead, EvidenceUpload, FileRead, PackageFile, Service,
    SubmitRequest,
};

/// Fields whose file is the document itself (read by its content) rather than its JSON model.
const DOCUMENT_FIELDS: &[&str] = &["notice", "working_group", "self_check"];

/// Everything read from the parts of one upload.
pub(super) struct PackageForm {
    parts: Vec<Part>,
    shell: Package,
    /// The `report` part read, when there was one.
    report: Option<(Report, DocumentRead)>,
    /// The notice and working group read from their files.
    documents: Vec<(AssignmentDocument, FileRead)>,
    /// The `files` parts read and classified, in the order sent.
    files: Vec<(PackageFile, FileRead)>,
}

/// Whether a notice or working-group part is a document file (read by its content) rather
/// than the JSON model: a file part whose bytes are not JSON.
fn is_document_file(p: &Part) -> bool {
    DOCUMENT_FIELDS.contains(&p.name.as_str())
        && p.filename.is_some()
        && Kind::of(&p.bytes) != Kind::Json
}

/// The content type a document is kept under: what the client said when it is one evidence
/// may have, else what its bytes are.
fn kept_type(p: &Part) -> String {
    let said = p
        .content_type
        .as_deref()
        .filter(|t| EVIDENCE_TYPES.contains(t) && *t != "application/octet-stream");
    if let Some(t) = said {
        return t.to_string();
    }
    match Kind::of(&p.bytes) {
        Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Kind::WordBinary => "application/msword",
        Kind::Odt => "application/vnd.oasis.opendocument.text",
        Kind::Rtf => "application/octet-stream",
        Kind::ExcelBinary => "application/vnd.ms-excel",
        Kind::Pdf => "application/pdf",
        Kind::Png => "image/png",
        Kind::Jpeg => "image/jpeg",
        Kind::Gif => "image/gif",
        Kind::Tiff => "image/tiff",
        Kind::Bmp => "image/bmp",
        Kind::Text => "text/plain",
        _ => "application/octet-stream",
    }
    .to_string()
}

fn kept(p: &Part) -> EvidenceUpload {
    EvidenceUpload {
        name: p.filename.clone().unwrap_or_else(|| p.name.clone()),
        content_type: kept_type(p),
        bytes: p.bytes.clone(),
    }
}

fn invalid(field: &str, message: String) -> ApiError {
    ApiError::invalid(field, message)
}

impl PackageForm {
    /// Reads the report, the notice and working-group files and the `files` parts (off the
    /// async workers: reading a document is CPU work).
    pub(super) async fn read(
        s: actix_web::web::Data<Service>,
        c: Caller,
        round_id: i64,
        parts: Vec<Part>,
    ) -> Result<PackageForm, ApiError> {
        let report = parts.iter().find(|p| p.name == "report").map(|p| {
            (
                p.filename.clone().unwrap_or_else(|| "report".into()),
                p.bytes.clone(),
            )
        });
        let documents: Vec<(String, String, Vec<u8>)> = parts
            .iter()
            .filter(|p| is_document_file(p))
            .map(|p| {
                (
                    p.name.clone(),
                    p.filename.clone().unwrap_or_default(),
                    p.bytes.clone(),
                )
            })
            .collect();
        let files: Vec<(String, Vec<u8>)> = parts
            .iter()
            .filter(|p| p.name == "files")
            .map(|p| {
                (
                    p.filename.clone().unwrap_or_else(|| "file".into()),
                    p.bytes.clone(),
                )
            })
            .collect();
        let (shell, report, documents, files) = blocking(move || {
            let shell = s.package_shell(&c, round_id)?;
            let report = report
                .map(|(name, bytes)| s.read_report(&c, round_id, &bytes, &name))
                .transpose()?;
            let documents = documents
                .iter()
                .map(|(field, name, bytes)| {
                    s.read_assignment_document(&c, round_id, field, bytes, name)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let files = files
                .iter()
                .map(|(name, bytes)| s.read_package_file(&c, round_id, bytes, name))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((shell, report, documents, files))
        })
        .await?;
        Ok(PackageForm {
            parts,
            shell,
            report,
            documents,
            files,
        })
    }

    /// The submission: the package assembled, the evidence (the notice's, working group's and
    /// classified files' originals first), and how every file was read.
    pub(super) fn into_request(
        self,
        idempotency_key: Option<String>,
        request_hash: String,
    ) -> Result<SubmitRequest, ApiError> {
        let PackageForm {
            parts,
            shell,
            report,
            documents,
            files,
        } = self;
        let source_name = parts
            .iter()
            .find(|p| p.name == "report")
            .and_then(|p| p.filename.clone());
        let mut package = shell;
        let mut reads: Vec<FileRead> = Vec::new();
        let mut kept_files: Vec<EvidenceUpload> = parts
            .iter()
            .filter(|p| is_document_file(p))
            .map(kept)
            .collect();
        let loose: Vec<&Part> = parts.iter().filter(|p| p.name == "files").collect();

        // the report: the `report` part, else the one file classified as the report
        let mut report_read = report;
        let mut source_name = source_name;
        let mut tables: Vec<Report> = Vec::new();
        let mut found: Vec<(AssignmentDocument, FileRead)> = Vec::new();
        for ((file, read), part) in files.into_iter().zip(loose) {
            match file {
                PackageFile::Report(r, missing) => {
                    if report_read.is_some() {
                        return Err(invalid(
                            "files",
                            format!(
                                "文件 {} 也是一份自评报告：每次只能提交一份报告；若它是佐证材料，请按 evidence 提交",
                                read.name
                            ),
                        ));
                    }
                    source_name = Some(read.name.clone());
                    let document = DocumentRead {
                        format: read.format.clone(),
                        encoding: read.encoding.clone(),
                        missing,
                    };
                    report_read = Some((r, document));
                }
                PackageFile::Tables(t) => {
                    tables.push(t);
                    kept_files.push(kept(part));
                }
                PackageFile::Document(d) => {
                    found.push((d, read.clone()));
                    kept_files.push(kept(part));
                }
                PackageFile::Evidence => kept_files.push(kept(part)),
            }
            reads.push(read);
        }
        let Some((mut report, document)) = report_read else {
            return Err(invalid(
                "report",
                "需要自评报告：请以 report 字段提交，或放在 files 中（按内容识别）".to_string(),
            ));
        };
        for t in tables {
            join_tables(&mut report, t);
        }
        package.report = Some(report);

        // the JSON documents, then those read from files: a field sent twice is refused
        for p in &parts {
            match p.name.as_str() {
                "notice" | "working_group" | "self_check" if is_document_file(p) => {}
                "notice" => package.notice = Some(parse_json::<Notice>("notice", &p.bytes)?),
                "working_group" => {
                    package.working_group =
                        Some(parse_json::<WorkingGroupDocument>("working_group", &p.bytes)?)
                }
                "self_check" => {
                    package.self_check = Some(parse_json::<SelfCheckList>("self_check", &p.bytes)?)
                }
                "report" | "evidence" | "files" => {}
                other => {
                    return Err(invalid(
                        other,
                        format!("unknown form field `{other}`; expected report, notice, working_group, self_check, files or evidence"),
                    ))
                }
            }
        }
        // the files sent under their fields are listed first
        reads.splice(0..0, documents.iter().map(|(_, r)| r.clone()));
        let sent_as_json = |field: &str| {
            parts
                .iter()
                .any(|p| p.name == field && !is_document_file(p))
        };
        for (d, read) in documents.into_iter().chain(found) {
            let (field, taken) = match &d {
                AssignmentDocument::Notice(_) => ("notice", package.notice.is_some()),
                AssignmentDocument::WorkingGroup(_) => {
                    ("working_group", package.working_group.is_some())
                }
                AssignmentDocument::SelfCheck(_) => ("self_check", package.self_check.is_some()),
            };
            if taken {
                let first = if sent_as_json(field) {
                    field.to_string()
                } else {
                    "另一个文件".to_string()
                };
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "repeated_part",
                    format!(
                        "文件 {} 也是{}：已由{first}提交，请只提交一份",
                        read.name,
                        zh(field)
                    ),
                )
                .with_details(serde_json::json!({ "field": field, "name": read.name })));
            }
            match d {
                AssignmentDocument::Notice(n) => package.notice = Some(n),
                AssignmentDocument::WorkingGroup(w) => package.working_group = Some(w),
                AssignmentDocument::SelfCheck(l) => package.self_check = Some(l),
            }
        }
        let mut evidence = kept_files;
        evidence.extend(evidence_files(parts)?);
        Ok(SubmitRequest {
            package,
            source_name,
            evidence,
            idempotency_key,
            request_hash,
            document: Some(document),
            files: reads,
        })
    }
}

fn zh(field: &str) -> &'static str {
    match field {
        "notice" => "自评通知",
        "self_check" => "单位自查清单",
        _ => "工作小组文件",
    }
}

/// The tables of a separate 附表 file join the report's: a table the report lacks is taken,
/// project tables are added.
fn join_tables(report: &mut Report, tables: Report) {
    if report.basic_data.is_none() {
        report.basic_data = tables.basic_data;
    }
    if report.department_table.is_none() {
        report.department_table = tables.department_table;
    }
    report.project_tables.extend(tables.project_tables);
}
