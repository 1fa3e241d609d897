//! Departments and rounds.

use super::views::{Department, DepartmentIn, Round, RoundIn, RoundState};
use super::{Caller, Role, Service, ServiceError, ServiceResult};
use crate::store::{from_micros, micros, DepartmentRow, NewDepartment, NewRound, RoundRow};

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
        created_at: from_micros(row.created_at),
        updated_at: from_micros(row.updated_at),
    })
}

fn non_empty(field: &str, value: &str) -> ServiceResult<()> {
    if value.trim().is_empty() {
        return Err(ServiceError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
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
        non_empty("title", &input.title)?;
        if !(2000..=2100).contains(&input.year) {
            return Err(ServiceError::invalid(
                "year",
                "a year between 2000 and 2100",
            ));
        }
        let source = self.rubrics.source(&input.rubric).ok_or_else(|| {
            ServiceError::invalid(
                "rubric",
                format!(
                    "unknown rubric {:?}; known: {}",
                    input.rubric,
                    self.rubrics.ids().join(", ")
                ),
            )
        })?;
        let (start, end) = self.calendar.coverage();
        if input.deadline < start || input.deadline > end {
            return Err(ServiceError::invalid(
                "deadline",
                format!("the working-day calendar covers {start} to {end}"),
            ));
        }
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
                rubric_source: source.to_string(),
                state: RoundState::Open.as_str().to_string(),
                created_at: now,
                updated_at: now,
            },
            &codes,
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
            .ok_or_else(|| ServiceError::NotFound(format!("round {id} does not exist")))
    }

    /// open → closed: no more submissions.
    pub fn close_round(&self, caller: &Caller, id: i64) -> ServiceResult<Round> {
        caller.require(&[Role::Admin])?;
        let row = self.store.set_round_state(
            id,
            RoundState::Open.as_str(),
            RoundState::Closed.as_str(),
            micros(self.now()),
        )?;
        let codes = self.store.round(id)?.map(|(_, c)| c).unwrap_or_default();
        round(&row, codes)
    }
}
