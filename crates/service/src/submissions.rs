//! Submissions: stamped by the server, scored at once, kept as history, replayed on a retry.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use serde_json::json;

use super::audit::{entry, AuditBuild};
use super::package_files::{format_name, unreadable, FileRead};
use super::rounds::round;
use super::views::{EvidenceView, RoundState, SubmissionView};
use super::{sha256_hex, Caller, Role, Service, ServiceError, ServiceResult};
use kaoping_domain::model::{Package, ScoreSheet};
use kaoping_domain::review::AuditAction;
use kaoping_domain::scoring::{self, Timing};
use kaoping_store::{
    from_micros, micros, EvidenceMeta, IdempotencyRecord, NewEvidence, NewSubmission, RoundRow,
    SubmissionRow,
};

/// How a department reads the reviewers who judged it: as the panel, never by name.
pub(super) use kaoping_domain::review::PANEL;

/// An evidence file as uploaded.
#[derive(Debug, Clone)]
pub struct EvidenceUpload {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A department's submission as the HTTP layer received it.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    pub package: Package,
    /// The uploaded report file's name (multipart).
    pub source_name: Option<String>,
    pub evidence: Vec<EvidenceUpload>,
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request body: a retry must send the same request.
    pub request_hash: String,
    /// How the report file was read, when one was uploaded.
    pub document: Option<DocumentRead>,
    /// How the other files of the package were read (the notice, the working group).
    pub files: Vec<FileRead>,
}

/// The answer to a submission: the stored submission and its score sheet.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubmitResponse {
    pub submission: SubmissionView,
    pub score_sheet: ScoreSheet,
    /// How an uploaded report file was read (absent for a JSON package).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentRead>,
    /// How the package's other files were read (absent when none was uploaded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRead>,
}

/// A [`SubmitResponse`] as JSON, with the score sheet as stored rather than encoded again: it
/// is written inside the database's write transaction, where every microsecond is everyone's.
fn submit_response(
    row: &SubmissionRow,
    evidence: &[EvidenceMeta],
    document: Option<&DocumentRead>,
    files: &[FileRead],
) -> serde_json::Result<String> {
    /// The fields of [`SubmitResponse`], in its order.
    #[derive(Serialize)]
    struct Written<'a> {
        submission: SubmissionView,
        score_sheet: &'a serde_json::value::RawValue,
        #[serde(skip_serializing_if = "Option::is_none")]
        document: Option<&'a DocumentRead>,
        #[serde(skip_serializing_if = "<[FileRead]>::is_empty")]
        files: &'a [FileRead],
    }
    serde_json::to_string(&Written {
        submission: view(row, evidence),
        score_sheet: serde_json::from_str(&row.score_sheet)?,
        document,
        files,
    })
}

/// How an uploaded report file was read.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DocumentRead {
    /// text, docx, xlsx or json.
    pub format: String,
    /// The text encoding, for text files.
    pub encoding: Option<String>,
    /// What the document lacks, in Chinese.
    pub missing: Vec<String>,
}

/// A response body as sent (and, under an Idempotency-Key, as replayed).
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

/// Totals are stored × 10000 so rankings can order them in SQL exactly.
pub(super) fn scaled(total: Decimal) -> i64 {
    (total * Decimal::from(10_000))
        .trunc()
        .try_into()
        .unwrap_or(i64::MAX)
}

fn view(row: &SubmissionRow, evidence: &[EvidenceMeta]) -> SubmissionView {
    SubmissionView {
        id: row.id,
        round_id: row.round_id,
        department: row.department_code.clone(),
        seq: row.seq,
        current: row.is_current,
        submitted_at: from_micros(row.submitted_at),
        late: row.late,
        total: Decimal::new(row.total_scaled, 4).normalize(),
        complete: row.complete,
        source_name: row.source_name.clone(),
        evidence: evidence
            .iter()
            .map(|e| EvidenceView {
                id: e.id,
                name: e.name.clone(),
                content_type: e.content_type.clone(),
                sha256: e.sha256.clone(),
                size: e.size,
                url: format!(
                    "/api/v1/rounds/{}/departments/{}/evidence/{}",
                    row.round_id, row.department_code, e.id
                ),
            })
            .collect(),
    }
}

impl Service {
    /// Checks that the round exists, the department takes part and the caller may see it.
    /// The round comes without its list of departments, which its callers do not need and which
    /// a province-wide round makes long: this runs for every sheet read and judgment.
    pub(super) fn department_in_round(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
    ) -> ServiceResult<super::Round> {
        let no_round = || ServiceError::NotFound(format!("第 {round_id} 轮不存在"));
        let (row, takes_part) = self
            .store
            .round_for_department(round_id, code)?
            .ok_or_else(no_round)?;
        // a department sees only the rounds it takes part in
        if caller.role == Role::Department {
            let own_takes_part = match caller.department.as_deref() {
                Some(own) if own == code => takes_part,
                Some(own) => self
                    .store
                    .round_for_department(round_id, own)?
                    .is_some_and(|(_, t)| t),
                None => false,
            };
            if !own_takes_part {
                return Err(no_round());
            }
        }
        if !caller.may_see_department(code) {
            return Err(ServiceError::Forbidden(format!(
                "{}令牌只能查看本部门的结果：部门 {code} 的结果请在公布后查看",
                super::auth::role_name(caller.role)
            )));
        }
        if !takes_part {
            return Err(ServiceError::NotFound(format!(
                "部门 {code} 不参加第 {round_id} 轮评价"
            )));
        }
        round(&row, Vec::new())
    }

    /// As [`Service::department_in_round`], and a reviewer who belongs to the department or
    /// declared a conflict of interest with it is refused (409 conflict_of_interest): the
    /// sheet names the reviewers and shows their judgments, which the department itself never
    /// sees, and such a reviewer is not kept from the department the way an assignment is.
    /// What is published stays readable to them like to any token.
    fn readable_department(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
    ) -> ServiceResult<super::Round> {
        let r = self.department_in_round(caller, round_id, code)?;
        if caller.role == Role::Reviewer {
            let me = self.me_reviewer(caller)?;
            self.refuse_conflict(&me, round_id, code)?;
        }
        Ok(r)
    }

    pub fn submit(
        &self,
        caller: &Caller,
        round_id: i64,
        req: SubmitRequest,
    ) -> ServiceResult<StoredResponse> {
        let (code, row, takes_part) = self.submitting(caller, round_id)?;
        if !takes_part {
            return Err(ServiceError::Forbidden(format!(
                "部门 {code} 不参加第 {round_id} 轮评价"
            )));
        }
        if let Some(key) = &req.idempotency_key {
            if let Some(stored) = self.replay(caller, key, &req.request_hash)? {
                return Ok(stored);
            }
        }
        // the state and deadline are what matter here, not the list of departments
        let round = round(&row, Vec::new())?;
        if round.state != RoundState::Open {
            return Err(ServiceError::Conflict(format!(
                "第 {round_id} 轮已{}，不再接收材料：如需补交，请联系财政局管理员登记收到时间或延期",
                round.state.label()
            )));
        }
        // each submission is kept as history with its evidence: a department cannot fill the
        // database by submitting without end
        let made = self
            .store
            .current_submission(round_id, &code)?
            .map_or(0, |s| s.seq);
        let cap = self.limits.submissions_per_round;
        if u32::try_from(made).unwrap_or(u32::MAX) >= cap {
            return Err(ServiceError::TooManySubmissions {
                limit: cap,
                message: format!(
                    "部门 {code} 在第 {round_id} 轮已提交 {made} 次，达到每轮 {cap} 次的上限"
                ),
            });
        }
        let mut package = req.package;
        if let Some(other) = package.department.code.as_deref().filter(|c| *c != code) {
            return Err(ServiceError::Forbidden(format!(
                "材料包属于部门 {other}，而令牌属于部门 {code}：请用本部门的令牌提交本部门的材料"
            )));
        }
        // a package of another budget year is the wrong file, never a score for this round
        if package.year != row.year {
            return Err(ServiceError::invalid(
                "year",
                format!(
                    "材料包的评价年度为 {}，本轮评价的是 {} 年度：请提交 {} 年度的材料",
                    package.year, row.year, row.year
                ),
            ));
        }
        // a figure that cannot be negative (an amount, a rate, a score) is a typing error
        if let Some(path) = kaoping_domain::model::plain::negative(&serde_json::to_value(&package)?)
        {
            return Err(ServiceError::invalid(
                &path,
                format!("{path} 是负数：金额、比率、分值不能为负，请更正后重新提交"),
            ));
        }
        package.department.code = Some(code.clone());
        // the sheet names the department as registered, never the package's own free text
        if let Some(d) = self.store.department(&code)? {
            package.department.name = d.name;
        }
        let now = self.now();
        // the server's clock decides when the report was received, never the client
        package.submitted_at = Some(now);
        let rubric = self.round_rubric(round_id, &row.rubric_source)?;
        let calendar = self.calendar_at(row.calendar_revision)?;
        let timing = Timing::received_now(round.deadline, self.timings(round_id)?.get(&code), now);
        let sheet = scoring::score(&rubric, &calendar, timing.input(&package))
            .map_err(|e| ServiceError::invalid("package", e.to_string()))?;
        let files = req
            .evidence
            .into_iter()
            .map(|f| NewEvidence {
                sha256: sha256_hex(&f.bytes),
                name: f.name,
                content_type: f.content_type,
                content: f.bytes,
            })
            .collect();
        let sheet_json = serde_json::to_string(&sheet)?;
        let new = NewSubmission {
            round_id,
            department_code: code,
            submitted_at: micros(now),
            late: timing.late(),
            package: serde_json::to_string(&package)?,
            score_sheet: sheet_json,
            total_scaled: scaled(sheet.total),
            complete: sheet.complete,
            submitted_by: caller.token_id,
            source_name: req.source_name,
            scored_with: timing.fingerprint(&rubric, &calendar),
        };
        let idempotency = req.idempotency_key.as_deref().map(|key| IdempotencyRecord {
            token_id: caller.token_id,
            key,
            request_hash: &req.request_hash,
            now: micros(now),
        });
        let result = self.store.insert_submission(
            new,
            files,
            idempotency,
            |row, evidence| {
                Ok((
                    201,
                    submit_response(row, evidence, req.document.as_ref(), &req.files)?,
                ))
            },
            |row| {
                vec![
                    entry(caller, row.submitted_at, round_id, AuditAction::Submission)
                        .department(&row.department_code)
                        .after(&json!({
                            "submission_id": row.id,
                            "seq": row.seq,
                            "late": row.late,
                            "total": sheet.total,
                            "complete": sheet.complete,
                        })),
                ]
            },
        );
        match result {
            Ok((_, _, (status, body))) => Ok(StoredResponse {
                status: u16::try_from(status).unwrap_or(201),
                body,
                replayed: false,
            }),
            // a concurrent retry with the same key won the race: answer as it was answered
            Err(e) if e.is_unique_violation() && req.idempotency_key.is_some() => {
                let key = req.idempotency_key.as_deref().unwrap_or_default();
                self.replay(caller, key, &req.request_hash)?
                    .ok_or(ServiceError::Store(e))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn replay(
        &self,
        caller: &Caller,
        key: &str,
        request_hash: &str,
    ) -> ServiceResult<Option<StoredResponse>> {
        let Some(stored) = self.store.idempotent_response(caller.token_id, key)? else {
            return Ok(None);
        };
        if stored.request_hash != request_hash {
            return Err(ServiceError::IdempotencyMismatch);
        }
        Ok(Some(StoredResponse {
            status: u16::try_from(stored.status).unwrap_or(201),
            body: stored.body,
            replayed: true,
        }))
    }

    /// The department's current score sheet in a round and its ETag. Admins and reviewers see
    /// every judgment; a department sees the automatic checks until results are released, then
    /// every item, deduction and reason, its reviewers unnamed.
    pub fn score_sheet(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
    ) -> ServiceResult<(ScoreSheet, String)> {
        self.readable_department(caller, round_id, code)?;
        let outside = matches!(caller.role, Role::Department | Role::Viewer);
        let r = self.reviewed_as(caller, round_id, code, outside)?;
        let released = matches!(r.round.state, RoundState::Released | RoundState::Published);
        let etag = r.sheet_etag();
        Ok(match caller.role {
            Role::Department | Role::Viewer if !released => (
                serde_json::from_str(&r.submission.score_sheet)?,
                format!("\"a{}\"", r.submission.id),
            ),
            Role::Department | Role::Viewer => (
                anonymous(r.result.sheet),
                format!("{}.d\"", etag.trim_end_matches('"')),
            ),
            _ => (r.result.sheet, etag),
        })
    }

    /// Every submission of the department in the round, oldest first.
    pub fn submissions(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
    ) -> ServiceResult<Vec<SubmissionView>> {
        self.readable_department(caller, round_id, code)?;
        Ok(self
            .store
            .submission_history(round_id, code)?
            .iter()
            .map(|(row, evidence)| view(row, evidence))
            .collect())
    }

    /// An evidence file: name, content type, bytes.
    pub fn evidence(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        id: i64,
    ) -> ServiceResult<EvidenceUpload> {
        self.readable_department(caller, round_id, code)?;
        let (file, sub) = self.store.evidence_file(id)?;
        if sub.round_id != round_id || sub.department_code != code {
            return Err(ServiceError::NotFound(format!("这里没有佐证材料 {id}")));
        }
        Ok(EvidenceUpload {
            name: file.name,
            content_type: file.content_type,
            bytes: file.content,
        })
    }
}

impl Service {
    /// A department caller's department code, the round it submits to, and whether it takes part.
    pub(crate) fn submitting(
        &self,
        caller: &Caller,
        round_id: i64,
    ) -> ServiceResult<(String, RoundRow, bool)> {
        caller.require(&[Role::Department])?;
        let code = caller
            .department
            .clone()
            .ok_or_else(|| ServiceError::Forbidden("该令牌未绑定部门".into()))?;
        let (row, takes_part) = self
            .store
            .round_for_department(round_id, &code)?
            .ok_or_else(|| ServiceError::NotFound(format!("第 {round_id} 轮不存在")))?;
        Ok((code, row, takes_part))
    }

    /// Reads an uploaded report file (text, Word, Excel, or the report model as JSON, as its
    /// bytes say) with the standard body parts of the round's rubric.
    pub fn read_report(
        &self,
        caller: &Caller,
        round_id: i64,
        bytes: &[u8],
        name: &str,
    ) -> ServiceResult<(kaoping_domain::model::Report, DocumentRead)> {
        use kaoping_domain::ingest::{self, Kind};
        let (_, row, _) = self.submitting(caller, round_id)?;
        if Kind::of(bytes) == Kind::Json {
            let report = serde_json::from_slice(bytes)
                .map_err(|e| ServiceError::invalid("report", format!("report: {e}")))?;
            let read = DocumentRead {
                format: "json".into(),
                encoding: None,
                missing: Vec::new(),
            };
            return Ok((report, read));
        }
        let rubric = self.round_rubric(round_id, &row.rubric_source)?;
        let parsed = match ingest::parse_with(bytes, name, rubric.body_parts(), &self.limits.read) {
            Err(ingest::IngestError::Scanned { .. }) => {
                self.read_scanned_report(bytes, name, rubric.body_parts())?
            }
            Err(ingest::IngestError::Unsupported { .. })
                if ingest::scan::is_image(bytes).is_some() =>
            {
                self.read_scanned_report(bytes, name, rubric.body_parts())?
            }
            other => other.map_err(|e| unreadable("report", name, e))?,
        };
        let read = DocumentRead {
            format: format_name(parsed.format),
            encoding: parsed.encoding.map(str::to_string),
            missing: parsed.missing,
        };
        Ok((parsed.package.report.unwrap_or_default(), read))
    }

    /// The package frame of an upload: the caller's department (name, level from its category)
    /// and the round's year; the documents are filled in from the uploaded files.
    pub fn package_shell(&self, caller: &Caller, round_id: i64) -> ServiceResult<Package> {
        let (code, row, _) = self.submitting(caller, round_id)?;
        let dept = self
            .store
            .department(&code)?
            .ok_or_else(|| ServiceError::NotFound(format!("部门 {code} 不存在")))?;
        let level = if dept.category.contains('县') || dept.category.contains('区') {
            kaoping_domain::model::DepartmentLevel::County
        } else {
            kaoping_domain::model::DepartmentLevel::Municipal
        };
        Ok(Package {
            department: kaoping_domain::model::Department {
                code: Some(code),
                name: dept.name,
                level,
            },
            year: row.year,
            notice: None,
            working_group: None,
            self_check: None,
            report: None,
            evidence: Vec::new(),
            submitted_at: None,
        })
    }
}

/// The sheet as a department reads it, scored from an anonymised ledger (its reviews already
/// name 评审专家N): every judgment and correction signed by the 评审组.
pub(super) fn anonymous(mut sheet: ScoreSheet) -> ScoreSheet {
    for item in &mut sheet.items {
        if let Some(j) = &mut item.judgment {
            j.by = PANEL.into();
        }
        if let Some(o) = &mut item.override_ {
            o.by = PANEL.into();
        }
    }
    sheet
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaoping_domain::calendar::WorkCalendar;
    use kaoping_domain::rubric::{Rubric, DEFAULT_RUBRIC};

    #[test]
    fn the_written_response_is_a_submit_response() {
        let package: Package =
            serde_json::from_str(include_str!("../../../tests/fixtures/junshan-2024.json"))
                .expect("fixture");
        let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
        let sheet = scoring::score(
            &rubric,
            WorkCalendar::embedded(),
            scoring::ScoringInput::package(&package),
        )
        .expect("scored");
        let row = SubmissionRow {
            id: 7,
            round_id: 3,
            department_code: "430602".into(),
            seq: 2,
            is_current: true,
            submitted_at: 1_700_000_000_000_000,
            late: true,
            package: String::new(),
            score_sheet: serde_json::to_string(&sheet).expect("sheet"),
            total_scaled: scaled(sheet.total),
            complete: sheet.complete,
            submitted_by: 1,
            source_name: Some("君山区.docx".into()),
            scored_with: String::new(),
        };
        let evidence = [EvidenceMeta {
            id: 9,
            submission_id: 7,
            name: "会议纪要.pdf".into(),
            content_type: "application/pdf".into(),
            sha256: "ab".repeat(32),
            size: 3,
        }];
        let document = DocumentRead {
            format: "text".into(),
            encoding: Some("GB18030".into()),
            missing: vec!["自评表".into()],
        };
        let files = [FileRead {
            field: "notice".into(),
            name: "通知.docx".into(),
            format: "docx".into(),
            encoding: None,
            summary: "标题：关于开展自评的通知".into(),
        }];
        for (doc, files) in [(None, &[][..]), (Some(&document), &files[..])] {
            let expected = serde_json::to_string(&SubmitResponse {
                submission: view(&row, &evidence),
                score_sheet: sheet.clone(),
                document: doc.cloned(),
                files: files.to_vec(),
            })
            .expect("encoded");
            assert_eq!(
                submit_response(&row, &evidence, doc, files).expect("written"),
                expected
            );
        }
    }
}
