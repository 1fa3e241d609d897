//! Release of results to departments, and appeals (复核) within the round's window.

use super::text::FreeText as _;
use rust_decimal::Decimal;
use serde_json::json;

use super::audit::{entry, AuditBuild};
use super::review::{judging_status, pending};
use super::review_views::{
    AppealDecisionIn, AppealFileView, AppealIn, AppealOutcome, AppealView, JudgmentIn, Pending,
};
use super::views::RoundState;
use super::{
    sha256_hex, Caller, EvidenceUpload, Role, Round, Service, ServiceError, ServiceResult,
};
use kaoping_domain::calendar::{shanghai_date, CalendarError};
use kaoping_domain::review::{AuditAction, Resolution, ResolutionKind};
use kaoping_store::{
    from_micros, micros, AppealDecision, AppealFileMeta, AppealRow, NewAppeal, NewEvidence,
    RoundChange,
};

fn decimal(s: &Option<String>) -> Option<Decimal> {
    s.as_deref().and_then(|s| s.parse().ok())
}

fn appeal_view(row: AppealRow, files: Vec<AppealFileMeta>) -> AppealView {
    AppealView {
        evidence: files
            .into_iter()
            .map(|f| AppealFileView {
                url: format!(
                    "/api/v1/rounds/{}/appeals/{}/evidence/{}",
                    row.round_id, row.id, f.id
                ),
                id: f.id,
                name: f.name,
                content_type: f.content_type,
                sha256: f.sha256,
                size: f.size,
            })
            .collect(),
        id: row.id,
        round_id: row.round_id,
        department: row.department_code,
        item: row.item,
        reason: row.reason,
        state: row.state,
        filed_at: from_micros(row.filed_at),
        score_before: decimal(&row.score_before),
        score_after: decimal(&row.score_after),
        decision_reason: row.decision_reason,
        decided_by: row.decided_by,
        decided_at: row.decided_at.map(from_micros),
    }
}

impl Service {
    /// closed → released (admin): every submitted sheet must be complete; departments then see
    /// their sheets with every judgment and may appeal for the round's appeal window.
    pub fn release_round(&self, caller: &Caller, round_id: i64) -> ServiceResult<Round> {
        caller.require(&[Role::Admin])?;
        let round = self.round(caller, round_id)?;
        if round.state != RoundState::Closed {
            return Err(ServiceError::Conflict(format!(
                "round {round_id} is {}, not closed",
                round.state.as_str()
            )));
        }
        self.fully_scored(&round)?;
        let change = self.release_change(&round)?;
        self.transition(
            caller,
            round_id,
            (RoundState::Closed, RoundState::Released),
            change,
            None,
        )
    }

    /// NotFullyScored listing every item of the round's submitted sheets still without a score.
    pub(super) fn fully_scored(&self, round: &Round) -> ServiceResult<()> {
        let missing = self.score_each(round, |r| Ok(pending(&r)))?;
        not_fully_scored(round.id, missing.into_iter().flatten().collect())
    }

    /// What releasing sets: now, and the appeal window's last day.
    pub(super) fn release_change(&self, round: &Round) -> ServiceResult<RoundChange> {
        let now = self.now();
        let days = u32::try_from(round.appeal_days).unwrap_or(0);
        let today = shanghai_date(now);
        // the window's last day is at most a few weeks away: the calendar must cover it
        let mut pinned = self.calendar_covering(round.calendar_revision, "appeal_days", today)?;
        let last = match pinned.1.add_working_days(today, days) {
            Ok(last) => last,
            Err(CalendarError::OutOfCoverage { date, .. }) => {
                pinned = self.calendar_covering(round.calendar_revision, "appeal_days", date)?;
                pinned.1.add_working_days(today, days)?
            }
            Err(e) => return Err(e.into()),
        };
        Ok(RoundChange {
            released_at: Some(micros(now)),
            appeal_deadline: Some(last.to_string()),
            calendar_revision: (pinned.0 != round.calendar_revision).then_some(pinned.0),
            ..RoundChange::default()
        })
    }

    /// A department appeals an item of its released sheet, within the window, with a reason
    /// and evidence files.
    pub fn file_appeal(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        input: AppealIn,
        evidence: Vec<EvidenceUpload>,
    ) -> ServiceResult<AppealView> {
        caller.require(&[Role::Department])?;
        if caller.department.as_deref() != Some(code) {
            return Err(ServiceError::Forbidden(format!(
                "a department appeals only its own sheet, not {code}'s"
            )));
        }
        input.check_text()?;
        let r = self.reviewed(caller, round_id, code)?;
        if !matches!(r.round.state, RoundState::Released | RoundState::Published) {
            return Err(ServiceError::Conflict(format!(
                "round {round_id} is {}: appeals open when results are released",
                r.round.state.as_str()
            )));
        }
        let today = shanghai_date(self.now());
        if let Some(last) = r.round.appeal_deadline.filter(|last| today > *last) {
            return Err(ServiceError::AppealWindowClosed(format!(
                "the appeal window of round {round_id} closed on {last}"
            )));
        }
        let item = r
            .result
            .sheet
            .items
            .iter()
            .find(|i| i.code == input.item)
            .ok_or_else(|| {
                ServiceError::invalid("item", format!("item {:?} is not on the sheet", input.item))
            })?;
        if input.reason.trim().chars().count() < 5 {
            return Err(ServiceError::invalid(
                "reason",
                "say why the score is wrong (at least 5 characters)",
            ));
        }
        let now = micros(self.now());
        let files = evidence
            .into_iter()
            .map(|f| NewEvidence {
                sha256: sha256_hex(&f.bytes),
                name: f.name,
                content_type: f.content_type,
                content: f.bytes,
            })
            .collect();
        let row = self.store.insert_appeal(
            NewAppeal {
                round_id,
                department_code: code.to_string(),
                item: item.code.clone(),
                reason: input.reason.trim().to_string(),
                state: "pending".into(),
                filed_at: now,
                filed_by: caller.token_id,
                score_before: item.score.map(|s| s.to_string()),
            },
            files,
            |id| {
                entry(caller, now, round_id, AuditAction::AppealFiled)
                    .department(code)
                    .item(&item.code)
                    .after(&json!({ "appeal_id": id, "score": item.score }))
                    .reason(input.reason.trim())
            },
        )?;
        self.appeal(caller, round_id, row.id)
    }

    /// The round's appeals: all (admin, lead reviewer), or one department's (its own token).
    pub fn appeals(
        &self,
        caller: &Caller,
        round_id: i64,
        code: Option<&str>,
    ) -> ServiceResult<Vec<AppealView>> {
        self.round(caller, round_id)?;
        let only = match caller.role {
            Role::Admin => code.map(str::to_string),
            Role::Reviewer if self.me_reviewer(caller)?.lead => code.map(str::to_string),
            Role::Department => {
                if code.is_some_and(|c| caller.department.as_deref() != Some(c)) {
                    return Err(ServiceError::Forbidden(
                        "a department sees only its own appeals".into(),
                    ));
                }
                caller.department.clone()
            }
            _ => {
                return Err(ServiceError::Forbidden(format!(
                    "a {} token may not see appeals",
                    caller.role.as_str()
                )))
            }
        };
        // a department reads its sheet with the reviewers unnamed (`anonymous`), so it reads
        // who decided its appeal the same way
        let unnamed = caller.role == Role::Department;
        Ok(self
            .store
            .appeals(round_id, only.as_deref())?
            .into_iter()
            .map(|(r, f)| {
                let mut v = appeal_view(r, f);
                if unnamed {
                    v.decided_by = v.decided_by.map(|_| super::submissions::PANEL.to_string());
                }
                v
            })
            .collect())
    }

    pub fn appeal(&self, caller: &Caller, round_id: i64, id: i64) -> ServiceResult<AppealView> {
        self.appeals(caller, round_id, None)?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| ServiceError::NotFound(format!("这里没有申诉 {id}")))
    }

    /// An appeal's evidence file.
    pub fn appeal_file(
        &self,
        caller: &Caller,
        round_id: i64,
        appeal_id: i64,
        file_id: i64,
    ) -> ServiceResult<EvidenceUpload> {
        self.appeal(caller, round_id, appeal_id)?;
        let (name, content_type, bytes, owner) = self.store.appeal_file(file_id)?;
        if owner != appeal_id {
            return Err(ServiceError::NotFound(format!(
                "file {file_id} is not evidence of appeal {appeal_id}"
            )));
        }
        Ok(EvidenceUpload {
            name,
            content_type,
            bytes,
        })
    }

    /// Upholds (with the new score) or rejects an appeal, with a reason (admin, lead reviewer
    /// without a conflict). An upheld appeal is the item's last word on the sheet.
    pub fn decide_appeal(
        &self,
        caller: &Caller,
        round_id: i64,
        appeal_id: i64,
        input: AppealDecisionIn,
        if_match: Option<&str>,
    ) -> ServiceResult<AppealView> {
        // who may decide at all is settled before the appeal is looked up, so that a token that
        // may not decide cannot learn which appeals exist (404 against 403)
        match caller.role {
            Role::Admin => {}
            Role::Reviewer if self.me_reviewer(caller)?.lead => {}
            _ => {
                return Err(ServiceError::Forbidden(format!(
                    "only an admin or a lead reviewer decides appeals, not a {} token",
                    caller.role.as_str()
                )))
            }
        }
        input.check_text()?;
        let found = self
            .store
            .appeals(round_id, None)?
            .into_iter()
            .find(|(a, _)| a.id == appeal_id)
            .map(|(a, _)| a)
            .ok_or_else(|| ServiceError::NotFound(format!("申诉 {appeal_id} 不存在")))?;
        let by = self.lead_or_admin(caller, round_id, &found.department_code, &found.item)?;
        if found.state != "pending" {
            return Err(ServiceError::Conflict(format!(
                "appeal {appeal_id} is already {}",
                found.state
            )));
        }
        if input.reason.trim().is_empty() {
            return Err(ServiceError::invalid(
                "reason",
                "reason 不能为空：请写明理由",
            ));
        }
        let r = self.reviewed(caller, round_id, &found.department_code)?;
        let item = r.rubric.item(&found.item).ok_or_else(|| {
            ServiceError::Conflict(format!("item {} left the rubric", found.item))
        })?;
        let now = self.now();
        let (score, sub_scores) = match input.outcome {
            AppealOutcome::Rejected => (None, None),
            AppealOutcome::Upheld => {
                let status = judging_status(&r, &item.code);
                let score = if status != kaoping_domain::model::ItemStatus::Scored {
                    let j = JudgmentIn {
                        score: input.score,
                        sub_scores: input.sub_scores.clone(),
                        reason: input.reason.clone(),
                    };
                    super::review::checked(item, status, &j, &by)?
                } else {
                    let score = input.score.ok_or_else(|| {
                        ServiceError::invalid("score", "an upheld appeal needs the new score")
                    })?;
                    kaoping_domain::scoring::validate_override(
                        item,
                        &kaoping_domain::model::Override {
                            item: item.code.clone(),
                            score,
                            reason: input.reason.clone(),
                            by: by.clone(),
                            at: None,
                        },
                    )?;
                    score
                };
                (Some(score), input.sub_scores.clone())
            }
        };
        let decision = AppealDecision {
            state: match input.outcome {
                AppealOutcome::Upheld => "upheld".into(),
                AppealOutcome::Rejected => "rejected".into(),
            },
            score_after: score.map(|s| s.to_string()),
            decision_reason: Some(input.reason.trim().to_string()),
            decided_by: Some(by.clone()),
            decided_at: Some(micros(now)),
        };
        let record = json!({
            "appeal_id": appeal_id,
            "outcome": input.outcome,
            "score_before": found.score_before,
            "score_after": score,
        });
        match score {
            Some(score) => {
                // an upheld appeal changes the sheet: the ETag read must still be current
                let if_match = match if_match {
                    Some(t) if !t.trim().is_empty() => t.trim().to_string(),
                    _ => return Err(ServiceError::PreconditionRequired),
                };
                self.write_resolution(
                    caller,
                    &r,
                    &found.item,
                    &if_match,
                    Resolution {
                        kind: ResolutionKind::Appeal,
                        score,
                        sub_scores,
                        reason: input.reason.trim().to_string(),
                        by,
                        at: Some(now),
                    },
                    Some((appeal_id, decision, record)),
                )?;
            }
            None => {
                self.store.reject_appeal(
                    appeal_id,
                    decision,
                    entry(caller, micros(now), round_id, AuditAction::AppealDecided)
                        .department(&found.department_code)
                        .item(&found.item)
                        .after(&record)
                        .reason(input.reason.trim()),
                )?;
            }
        }
        self.appeal(caller, round_id, appeal_id)
    }
}

/// Ok when nothing is missing; else NotFullyScored listing what is.
pub(super) fn not_fully_scored(round_id: i64, missing: Vec<Pending>) -> ServiceResult<()> {
    if missing.is_empty() {
        return Ok(());
    }
    Err(ServiceError::NotFullyScored {
        message: format!(
            "{} items of round {round_id} have no score yet",
            missing.len()
        ),
        missing: serde_json::to_value(&missing)?,
    })
}
