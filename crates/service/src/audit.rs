//! The audit log (审计日志): entries built here, appended by the store in the transaction of the
//! change they record, read back per round or per submission by admins.

use serde::Serialize;

use super::{Caller, Role, Service, ServiceError, ServiceResult};
use kaoping_domain::review::{AuditAction, AuditEntry};
use kaoping_store::{from_micros, AuditRow, NewAudit};

/// A new entry: who (the caller), when, which round, what.
pub(super) fn entry(caller: &Caller, at: i64, round_id: i64, action: AuditAction) -> NewAudit {
    NewAudit {
        round_id,
        department_code: None,
        item: None,
        action: action.as_str().to_string(),
        actor: caller.actor(),
        actor_token: Some(caller.token_id),
        at,
        before: None,
        after: None,
        reason: None,
    }
}

fn json<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

/// Builder steps for an entry.
pub(super) trait AuditBuild {
    fn department(self, code: &str) -> Self;
    fn item(self, code: &str) -> Self;
    fn before<T: Serialize>(self, v: &T) -> Self;
    fn after<T: Serialize>(self, v: &T) -> Self;
    fn reason(self, why: &str) -> Self;
}

impl AuditBuild for NewAudit {
    fn department(mut self, code: &str) -> Self {
        self.department_code = Some(code.to_string());
        self
    }
    fn item(mut self, code: &str) -> Self {
        self.item = Some(code.to_string());
        self
    }
    fn before<T: Serialize>(mut self, v: &T) -> Self {
        self.before = json(v);
        self
    }
    fn after<T: Serialize>(mut self, v: &T) -> Self {
        self.after = json(v);
        self
    }
    fn reason(mut self, why: &str) -> Self {
        self.reason = Some(why.to_string());
        self
    }
}

fn view(row: AuditRow) -> ServiceResult<AuditEntry> {
    let parse = |s: Option<String>| -> ServiceResult<Option<serde_json::Value>> {
        Ok(match s {
            Some(s) => Some(serde_json::from_str(&s)?),
            None => None,
        })
    };
    Ok(AuditEntry {
        id: row.id,
        round_id: row.round_id,
        action: AuditAction::parse(&row.action).ok_or_else(|| {
            ServiceError::Conflict(format!("audit entry {} has an unknown action", row.id))
        })?,
        department: row.department_code,
        item: row.item,
        actor: row.actor,
        at: from_micros(row.at),
        before: parse(row.before)?,
        after: parse(row.after)?,
        reason: row.reason,
    })
}

/// At most this many entries per page.
pub const AUDIT_PAGE: i64 = 1000;

impl Service {
    /// The round's audit log (or one department's part of it) in order, after entry `after_id`
    /// (admin).
    pub fn audit_log(
        &self,
        caller: &Caller,
        round_id: i64,
        department: Option<&str>,
        after_id: i64,
        limit: Option<i64>,
    ) -> ServiceResult<Vec<AuditEntry>> {
        caller.require(&[Role::Admin])?;
        self.round(caller, round_id)?;
        let limit = limit.unwrap_or(AUDIT_PAGE);
        if !(1..=AUDIT_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(
                "limit",
                format!("between 1 and {AUDIT_PAGE}"),
            ));
        }
        self.store
            .audit(round_id, department, after_id, limit)?
            .into_iter()
            .map(view)
            .collect()
    }
}
