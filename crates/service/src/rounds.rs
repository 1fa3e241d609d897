//! Departments and rounds.

use super::text::FreeText as _;
use serde_json::json;

use super::audit::{entry, AuditBuild};
use super::views::{Department, DepartmentIn, Round, RoundIn, RoundState};
use super::{out_of_coverage, Caller, Role, RoundSettingsIn, Service, ServiceError, ServiceResult};
use kaoping_domain::review::AuditAction;
use kaoping_store::{
    from_micros, micros, DepartmentRow, NewDepartment, NewRound, RoundChange, RoundRow,
};

fn department(row: DepartmentRow) -> Department {
    Department {
        code: row.code,
        name: row.name,
        category: row.category,
        parent: row.parent_code,
        created_at: from_micros(row.created_at),
    }
}

pub(super) fn round(row: &RoundRow, departments: Vec<String>) -> ServiceResult<Round> {
    Ok(Round {
        id: row.id,
        year: row.year,
        title: row.title.clone(),
        deadline: row.deadline.parse().map_err(|_| {
            ServiceError::Conflict(format!("round {} has a malformed deadline", row.id))
        })?,
        rubric: row.rubric_id.clone(),
        state: RoundState::parse(&row.state).ok_or_else(|| {
            ServiceError::Conflict(format!("round {} has an unknown state", row.id))
        })?,
        departments,
        reviewers_per_submission: row.reviewers_per_submission,
        appeal_days: row.appeal_days,
        released_at: row.released_at.map(from_micros),
        appeal_deadline: row.appeal_deadline.as_deref().and_then(|d| d.parse().ok()),
        public_results: row.public_results,
        calendar_revision: row.calendar_revision,
        rubric_hash: kaoping_domain::digest::sha256_hex(row.rubric_source.as_bytes()),
        created_at: from_micros(row.created_at),
        updated_at: from_micros(row.updated_at),
    })
}

/// Reviewers per submission: 1 to 5.
fn check_reviewers(n: i32) -> ServiceResult<i32> {
    if !(1..=5).contains(&n) {
        return Err(ServiceError::invalid(
            "reviewers_per_submission",
            "between 1 and 5",
        ));
    }
    Ok(n)
}

/// Working days to appeal: 0 (the release day only) to 30.
fn check_appeal_days(n: i32) -> ServiceResult<i32> {
    if !(0..=30).contains(&n) {
        return Err(ServiceError::invalid("appeal_days", "between 0 and 30"));
    }
    Ok(n)
}

/// The settings an audit entry shows.
fn settings(row: &RoundRow) -> serde_json::Value {
    json!({
        "state": row.state,
        "deadline": row.deadline,
        "reviewers_per_submission": row.reviewers_per_submission,
        "appeal_days": row.appeal_days,
        "appeal_deadline": row.appeal_deadline,
        "public_results": row.public_results,
    })
}

pub(super) fn non_empty(field: &str, value: &str) -> ServiceResult<()> {
    if value.trim().is_empty() {
        return Err(ServiceError::invalid(field, format!("{field} 不能为空")));
    }
    Ok(())
}

impl Service {
    pub fn create_department(
        &self,
        caller: &Caller,
        input: DepartmentIn,
    ) -> ServiceResult<Department> {
        caller.require(&[Role::Admin])?;
        input.check_text()?;
        non_empty("code", &input.code)?;
        non_empty("name", &input.name)?;
        non_empty("category", &input.category)?;
        if input.code.len() > 64
            || !input
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ServiceError::invalid(
                "code",
                "letters, digits, '-' and '_', at most 64",
            ));
        }
        let row = self.store.create_department(NewDepartment {
            code: input.code.trim().to_string(),
            name: input.name.trim().to_string(),
            category: input.category.trim().to_string(),
            parent_code: input.parent,
            created_at: micros(self.now()),
        })?;
        Ok(department(row))
    }

    /// Every department; a department token sees only its own.
    pub fn departments(&self, caller: &Caller) -> ServiceResult<Vec<Department>> {
        Ok(self
            .store
            .departments()?
            .into_iter()
            .filter(|d| {
                caller.role != Role::Department
                    || caller.department.as_deref() == Some(d.code.as_str())
            })
            .map(department)
            .collect())
    }

    pub fn create_round(&self, caller: &Caller, input: RoundIn) -> ServiceResult<Round> {
        caller.require(&[Role::Admin])?;
        input.check_text()?;
        non_empty("title", &input.title)?;
        if !(2000..=2100).contains(&input.year) {
            return Err(ServiceError::invalid(
                "year",
                "a year between 2000 and 2100",
            ));
        }
        let source = self.source_for_round(&input.rubric, input.rubric_hash.as_deref())?;
        let (calendar_revision, calendar) = self.current_calendar()?;
        let (start, end) = calendar.coverage();
        if input.deadline < start || input.deadline > end {
            return Err(ServiceError::invalid(
                "deadline",
                out_of_coverage(input.deadline, start, end),
            ));
        }
        let reviewers = check_reviewers(input.reviewers_per_submission.unwrap_or(2))?;
        let appeal_days = check_appeal_days(input.appeal_days.unwrap_or(5))?;
        let mut codes = input.departments.clone();
        codes.sort();
        codes.dedup();
        if codes.is_empty() {
            return Err(ServiceError::invalid(
                "departments",
                "at least one department",
            ));
        }
        let now = micros(self.now());
        let (row, codes) = self.store.create_round(
            NewRound {
                year: input.year,
                title: input.title.trim().to_string(),
                deadline: input.deadline.to_string(),
                rubric_id: input.rubric.clone(),
                rubric_source: source,
                state: RoundState::Open.as_str().to_string(),
                created_at: now,
                updated_at: now,
                reviewers_per_submission: reviewers,
                appeal_days,
                calendar_revision,
            },
            &codes,
            |r| {
                vec![entry(caller, now, r.id, AuditAction::RoundCreated)
                    .after(&json!({ "settings": settings(r), "departments": codes }))]
            },
        )?;
        round(&row, codes)
    }

    /// Rounds the caller may see: all, or for a department those it takes part in.
    pub fn rounds(&self, caller: &Caller) -> ServiceResult<Vec<Round>> {
        let mut out = Vec::new();
        for row in self.store.rounds()? {
            if let Some(r) = self.visible_round(caller, row.id)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    fn visible_round(&self, caller: &Caller, id: i64) -> ServiceResult<Option<Round>> {
        let Some((row, codes)) = self.store.round(id)? else {
            return Ok(None);
        };
        if caller.role == Role::Department
            && !caller
                .department
                .as_ref()
                .is_some_and(|d| codes.contains(d))
        {
            return Ok(None);
        }
        Ok(Some(round(&row, codes)?))
    }

    pub fn round(&self, caller: &Caller, id: i64) -> ServiceResult<Round> {
        self.visible_round(caller, id)?
            .ok_or_else(|| ServiceError::NotFound(format!("第 {id} 轮不存在")))
    }

    /// open → closed: no more submissions; reviewers judge.
    /// Before the deadline has passed a reason is required (提前截止): departments that have
    /// not submitted lose the days they were promised, and the audit log says why.
    pub fn close_round(
        &self,
        caller: &Caller,
        id: i64,
        reason: Option<&str>,
    ) -> ServiceResult<Round> {
        caller.require(&[Role::Admin])?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if let Some(r) = reason {
            super::text::check(
                "reason",
                r,
                super::text::REASON_MAX,
                super::text::Kind::Prose,
            )?;
        }
        let current = self.round(caller, id)?;
        let today = kaoping_domain::calendar::shanghai_date(self.now());
        if current.state == RoundState::Open && today <= current.deadline && reason.is_none() {
            return Err(ServiceError::invalid(
                "reason",
                format!(
                    "第 {id} 轮的截止日期是 {}，尚未到期：提前截止请写明原因（reason）",
                    current.deadline
                ),
            ));
        }
        self.transition(
            caller,
            id,
            (RoundState::Open, RoundState::Closed),
            RoundChange::default(),
            reason,
        )
    }

    /// Moves a round on, audited.
    pub(super) fn transition(
        &self,
        caller: &Caller,
        id: i64,
        (from, to): (RoundState, RoundState),
        change: RoundChange,
        reason: Option<&str>,
    ) -> ServiceResult<Round> {
        let now = micros(self.now());
        let before = self.store.round(id)?.map(|(r, _)| settings(&r));
        let row = self.store.transition_round(
            id,
            &[from.as_str()],
            RoundChange {
                state: Some(to.as_str().to_string()),
                updated_at: Some(now),
                ..change
            },
            |r| {
                let e = entry(caller, now, id, AuditAction::RoundState)
                    .before(&before)
                    .after(&settings(r));
                vec![match reason {
                    Some(why) => e.reason(why),
                    None => e,
                }]
            },
        )?;
        let codes = self.store.round(id)?.map(|(_, c)| c).unwrap_or_default();
        round(&row, codes)
    }

    /// Changes a round's deadline, appeal window or reviewers per submission (admin), with a
    /// reason; audited.
    pub fn update_round(
        &self,
        caller: &Caller,
        id: i64,
        input: RoundSettingsIn,
    ) -> ServiceResult<Round> {
        caller.require(&[Role::Admin])?;
        input.check_text()?;
        non_empty("reason", &input.reason)?;
        let current = self.round(caller, id)?;
        // a date the pinned calendar does not cover moves the round to the current one
        let mut calendar_revision = current.calendar_revision;
        for (field, date) in [
            ("deadline", input.deadline),
            ("appeal_deadline", input.appeal_deadline),
        ] {
            if let Some(d) = date {
                calendar_revision = self.calendar_covering(calendar_revision, field, d)?.0;
            }
        }
        if input.deadline.is_some() && current.state != RoundState::Open {
            return Err(ServiceError::Conflict(format!(
                "round {id} is {}: the submission deadline no longer matters",
                current.state.as_str()
            )));
        }
        if input.appeal_deadline.is_some()
            && !matches!(current.state, RoundState::Released | RoundState::Published)
        {
            return Err(ServiceError::Conflict(format!(
                "round {id} is {}: the appeal window opens at release",
                current.state.as_str()
            )));
        }
        let change = RoundChange {
            updated_at: Some(micros(self.now())),
            deadline: input.deadline.map(|d| d.to_string()),
            reviewers_per_submission: input
                .reviewers_per_submission
                .map(check_reviewers)
                .transpose()?,
            appeal_days: input.appeal_days.map(check_appeal_days).transpose()?,
            appeal_deadline: input.appeal_deadline.map(|d| d.to_string()),
            public_results: input.public_results,
            calendar_revision: (calendar_revision != current.calendar_revision)
                .then_some(calendar_revision),
            ..RoundChange::default()
        };
        let now = micros(self.now());
        let before = self.store.round(id)?.map(|(r, _)| settings(&r));
        // a new deadline scores every submission again in the same transaction, so that the
        // history's lateness and totals, the sheets and the rankings agree
        let sheets = match input.deadline {
            Some(deadline) if deadline != current.deadline => {
                let rubric = self.pinned_rubric(id)?;
                let calendar = self.calendar_at(calendar_revision)?;
                let codes = self.store.submitted_departments(id)?;
                let timings = self.timings(id)?;
                self.rescore_departments(id, (&rubric, &calendar), deadline, &timings, &codes)?
            }
            _ => Vec::new(),
        };
        let row = self.store.transition_round_rescored(
            id,
            &[current.state.as_str()],
            change,
            &sheets,
            |r| {
                vec![entry(caller, now, id, AuditAction::RoundSettings)
                    .before(&before)
                    .after(&settings(r))
                    .reason(input.reason.trim())]
            },
        )?;
        self.forget_head(id);
        round(&row, current.departments)
    }
}
