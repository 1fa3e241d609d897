//! 报送时间与延期: an admin records when a department's report was received (a paper or
//! e-mailed report) or grants it a later deadline, with a reason; timeliness is scored with it,
//! and every submission of the department is scored again in the same transaction, so that its
//! history, its sheet and the rankings agree.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use kaoping_domain::calendar::WorkCalendar;
use kaoping_domain::model::Package;
use kaoping_domain::review::AuditAction;
use kaoping_domain::rubric::Rubric;
use kaoping_domain::scoring::{self, DepartmentTiming, Receipt, ReceiptMethod, Timing};
use kaoping_store::{from_micros, micros, DepartmentTimingRow, SheetUpdate, SubmissionRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{entry, AuditBuild};
use super::rounds::non_empty;
use super::submissions::scaled;
use super::text::{check, Kind, REASON_MAX};
use super::{Caller, Role, RoundState, Service, ServiceError, ServiceResult};

/// What an admin records of a department in a round (PUT replaces both parts; an absent part
/// is cleared).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentTimingIn {
    /// 延期截止日期: not earlier than the round's deadline.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "2026-04-10")]
    pub extended_deadline: Option<NaiveDate>,
    /// When the department's current submission was received, and how.
    #[serde(default)]
    pub receipt: Option<ReceiptIn>,
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// A receipt to record for the department's current submission.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptIn {
    /// Not in the future.
    pub received_at: DateTime<Utc>,
    pub via: ReceiptMethod,
}

/// A department's timing in a round, and the deadline that applies to it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DepartmentTimingView {
    pub round_id: i64,
    pub department: String,
    /// The round's deadline.
    #[schema(value_type = String)]
    pub round_deadline: NaiveDate,
    /// The deadline that applies to this department.
    #[schema(value_type = String)]
    pub deadline: NaiveDate,
    #[schema(value_type = Option<String>)]
    pub extended_deadline: Option<NaiveDate>,
    pub receipt: Option<Receipt>,
    /// Submissions scored again by this change (0 on a read).
    pub rescored: usize,
}

/// The departments of a round with something recorded.
#[derive(Debug, Clone, Default)]
pub(super) struct Timings(HashMap<String, DepartmentTiming>);

impl Timings {
    /// The timing of a stored submission.
    pub(super) fn of(&self, round_deadline: NaiveDate, s: &SubmissionRow) -> Timing {
        Timing::of_stored(
            round_deadline,
            self.0.get(&s.department_code),
            s.seq,
            from_micros(s.submitted_at),
        )
    }

    pub(super) fn get(&self, code: &str) -> Option<&DepartmentTiming> {
        self.0.get(code)
    }
}

fn from_row(row: &DepartmentTimingRow) -> ServiceResult<DepartmentTiming> {
    let bad = |what: &str| {
        ServiceError::Conflict(format!("部门 {} 登记的{what}无法读取", row.department_code))
    };
    let extended_deadline = row
        .extended_deadline
        .as_deref()
        .map(|d| d.parse::<NaiveDate>().map_err(|_| bad("延期截止日期")))
        .transpose()?;
    let receipt = match (
        row.receipt_seq,
        row.received_at,
        row.received_via.as_deref(),
    ) {
        (Some(seq), Some(at), Some(via)) => Some(Receipt {
            seq,
            received_at: from_micros(at),
            via: ReceiptMethod::parse(via).ok_or_else(|| bad("报送方式"))?,
        }),
        (None, None, None) => None,
        _ => return Err(bad("收到时间")),
    };
    Ok(DepartmentTiming {
        extended_deadline,
        receipt,
    })
}

fn to_row(code: &str, t: &DepartmentTiming) -> DepartmentTimingRow {
    DepartmentTimingRow {
        department_code: code.to_string(),
        extended_deadline: t.extended_deadline.map(|d| d.to_string()),
        receipt_seq: t.receipt.as_ref().map(|r| r.seq),
        received_at: t.receipt.as_ref().map(|r| micros(r.received_at)),
        received_via: t.receipt.as_ref().map(|r| r.via.as_str().to_string()),
    }
}

impl Service {
    /// What is recorded of the round's departments.
    pub(super) fn timings(&self, round_id: i64) -> ServiceResult<Timings> {
        let rows = self.store.department_timings(round_id)?;
        let mut out = HashMap::with_capacity(rows.len());
        for row in &rows {
            out.insert(row.department_code.clone(), from_row(row)?);
        }
        Ok(Timings(out))
    }

    /// Every submission (current and earlier) of `codes` scored again with `calendar`,
    /// `deadline` and `timings`, a page of departments at a time.
    pub(super) fn rescore_departments(
        &self,
        round_id: i64,
        scoring: (&Rubric, &WorkCalendar),
        deadline: NaiveDate,
        timings: &Timings,
        codes: &[String],
    ) -> ServiceResult<Vec<SheetUpdate>> {
        let (rubric, calendar) = scoring;
        let mut out = Vec::new();
        for page in codes.chunks(super::review::SCORING_PAGE) {
            let rows = self.store.submissions_with_packages(round_id, page)?;
            out.extend(super::in_parallel(rows, super::cores(), |s| {
                let package: Package = serde_json::from_str(&s.package)?;
                let timing = timings.of(deadline, &s);
                let sheet = scoring::score(rubric, calendar, timing.input(&package))
                    .map_err(|e| ServiceError::invalid("package", e.to_string()))?;
                Ok(SheetUpdate {
                    id: s.id,
                    score_sheet: serde_json::to_string(&sheet)?,
                    total_scaled: scaled(sheet.total),
                    complete: sheet.complete,
                    scored_with: timing.fingerprint(rubric, calendar),
                    late: timing.late(),
                })
            })?);
        }
        Ok(out)
    }

    /// A department's timing in a round: admins, and the department itself.
    pub fn department_timing(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
    ) -> ServiceResult<DepartmentTimingView> {
        if caller.role != Role::Admin && caller.department.as_deref() != Some(code) {
            return Err(ServiceError::Forbidden(format!(
                "只有管理员和部门 {code} 本身可以查看其报送时间与延期"
            )));
        }
        let round = self.department_in_round(caller, round_id, code)?;
        let timing = self.timing_of(round_id, code)?;
        Ok(view(round_id, code, round.deadline, timing, 0))
    }

    /// What is recorded of one department (nothing recorded: the default).
    fn timing_of(&self, round_id: i64, code: &str) -> ServiceResult<DepartmentTiming> {
        self.store
            .department_timing(round_id, code)?
            .map_or(Ok(DepartmentTiming::default()), |row| from_row(&row))
    }

    /// Records a department's extension and receipt (admin), with a reason; audited. The
    /// department's submissions are scored again in the same transaction.
    pub fn set_department_timing(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        input: DepartmentTimingIn,
    ) -> ServiceResult<DepartmentTimingView> {
        caller.require(&[Role::Admin])?;
        check("reason", &input.reason, REASON_MAX, Kind::Prose)?;
        non_empty("reason", &input.reason)?;
        // refuses a department that does not take part
        let round = self.department_in_round(caller, round_id, code)?;
        if !matches!(round.state, RoundState::Open | RoundState::Closed) {
            return Err(ServiceError::Conflict(format!(
                "第 {round_id} 轮已发布评审结果：报送时间和截止日期不能再改，请通过申诉复核"
            )));
        }
        if let Some(d) = input.extended_deadline {
            if d < round.deadline {
                return Err(ServiceError::invalid(
                    "extended_deadline",
                    format!(
                        "延期截止日期 {d} 早于本轮截止日期 {}：延期只能推后",
                        round.deadline
                    ),
                ));
            }
        }
        let mut revision = round.calendar_revision;
        if let Some(d) = input.extended_deadline {
            revision = self.calendar_covering(revision, "extended_deadline", d)?.0;
        }
        if revision != round.calendar_revision {
            return Err(ServiceError::invalid(
                "extended_deadline",
                "延期截止日期超出本轮所用工作日历的范围：请先调整本轮截止日期，使其使用新的日历"
                    .to_string(),
            ));
        }
        let receipt = match input.receipt {
            None => None,
            Some(r) => Some(self.receipt_for(round_id, code, r)?),
        };
        let timing = DepartmentTiming {
            extended_deadline: input.extended_deadline,
            receipt,
        };
        let timings = self.timings(round_id)?;
        let before = self.timing_of(round_id, code)?;
        let mut after = timings.clone();
        after.0.insert(code.to_string(), timing.clone());
        let rubric = self.pinned_rubric(round_id)?;
        let calendar = self.calendar_at(round.calendar_revision)?;
        let sheets = self.rescore_departments(
            round_id,
            (&rubric, &calendar),
            round.deadline,
            &after,
            &[code.to_string()],
        )?;
        let now = micros(self.now());
        let audit = entry(caller, now, round_id, AuditAction::DepartmentTiming)
            .department(code)
            .before(&before)
            .after(&timing)
            .reason(input.reason.trim());
        self.store.set_department_timing(
            round_id,
            &[RoundState::Open.as_str(), RoundState::Closed.as_str()],
            &to_row(code, &timing),
            &sheets,
            &[audit],
        )?;
        Ok(view(round_id, code, round.deadline, timing, sheets.len()))
    }

    /// A receipt for the department's current submission, received no later than now.
    fn receipt_for(&self, round_id: i64, code: &str, r: ReceiptIn) -> ServiceResult<Receipt> {
        if r.received_at > self.now() {
            return Err(ServiceError::invalid(
                "receipt.received_at",
                format!(
                    "收到时间 {} 晚于现在：只能登记已经收到的报告",
                    r.received_at
                ),
            ));
        }
        let current = self.store.current_submission(round_id, code)?.ok_or_else(|| {
            ServiceError::Conflict(format!(
                "部门 {code} 在第 {round_id} 轮尚未在系统中提交材料：请该部门先上传报告的电子版，再登记纸质件等的收到时间"
            ))
        })?;
        Ok(Receipt {
            seq: current.seq,
            received_at: r.received_at,
            via: r.via,
        })
    }
}

fn view(
    round_id: i64,
    code: &str,
    round_deadline: NaiveDate,
    timing: DepartmentTiming,
    rescored: usize,
) -> DepartmentTimingView {
    DepartmentTimingView {
        round_id,
        department: code.to_string(),
        round_deadline,
        deadline: timing.deadline(round_deadline),
        extended_deadline: timing.extended_deadline,
        receipt: timing.receipt,
        rescored,
    }
}
