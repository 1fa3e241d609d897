//! Bearer tokens: random, shown once, stored as SHA-256, compared in constant time.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::{hex, sha256_hex, Service, ServiceError, ServiceResult, TokenCreated};
use kaoping_store::micros;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 财政局管理员: opens, closes and publishes rounds, manages tokens.
    Admin,
    /// 评审人员
    Reviewer,
    /// 预算部门: bound to one department.
    Department,
    /// Dashboards and readers.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Department => "department",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Admin, Role::Reviewer, Role::Department, Role::Viewer]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Who is calling: the token's id, role and (for a department) its department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub token_id: i64,
    pub role: Role,
    pub department: Option<String>,
    /// The reviewer a reviewer token stands for.
    pub reviewer: Option<i64>,
    /// Who holds the token (its label), for the audit log.
    pub label: Option<String>,
}

impl Caller {
    pub fn require(&self, roles: &[Role]) -> ServiceResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!(
                "a {} token may not do this",
                self.role.as_str()
            )))
        }
    }

    /// Who did it, as the audit log names them.
    pub fn actor(&self) -> String {
        // the account's name as it was issued; its role and number only when it has none
        let label = self
            .label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        match (&self.role, &self.department, label) {
            (Role::Department, Some(d), Some(l)) => format!("{l}（部门 {d}）"),
            (Role::Department, Some(d), None) => format!("部门 {d}（令牌 #{}）", self.token_id),
            (_, _, Some(l)) => l.to_string(),
            (role, _, None) => format!("{}（令牌 #{}）", role_name(*role), self.token_id),
        }
    }

    /// Admins and reviewers see every department; a department sees only its own.
    pub fn may_see_department(&self, code: &str) -> bool {
        match self.role {
            Role::Admin | Role::Reviewer => true,
            Role::Department => self.department.as_deref() == Some(code),
            Role::Viewer => false,
        }
    }
}

/// A new random token: "kp_" and 64 hex digits (256 bits from the OS).
pub fn generate_token() -> ServiceResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServiceError::Conflict(format!("no randomness available: {e}")))?;
    Ok(format!("kp_{}", hex(&bytes)))
}

pub fn hash_token(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

impl Service {
    /// The caller a bearer token stands for.
    pub fn authenticate(&self, token: &str) -> ServiceResult<Caller> {
        let hash = hash_token(token.trim());
        let row = self
            .store
            .token_by_hash(&hash)?
            .ok_or(ServiceError::Unauthenticated)?;
        // the lookup found the row by its hash; compare again in constant time before trusting it
        if !bool::from(row.token_hash.as_bytes().ct_eq(hash.as_bytes())) {
            return Err(ServiceError::Unauthenticated);
        }
        let role = Role::parse(&row.role).ok_or(ServiceError::Unauthenticated)?;
        Ok(Caller {
            token_id: row.id,
            role,
            department: row.department_code,
            reviewer: row.reviewer_id,
            label: row.label,
        })
    }

    /// Issues a token; a department token must name an existing department. A reviewer token
    /// stands for `reviewer`, or for a new reviewer named after the label who belongs to
    /// `department` (if given).
    pub fn create_token(
        &self,
        role: Role,
        department: Option<&str>,
        label: Option<&str>,
        reviewer: Option<i64>,
    ) -> ServiceResult<TokenCreated> {
        use super::text::{check_opt, Kind, CODE_MAX, NAME_MAX};
        check_opt("department", department, CODE_MAX, Kind::Line)?;
        check_opt("label", label, NAME_MAX, Kind::Line)?;
        if role == Role::Reviewer {
            return self.create_reviewer_token(department, label, reviewer);
        }
        if reviewer.is_some() {
            return Err(ServiceError::invalid(
                "reviewer",
                "only reviewer tokens stand for a reviewer",
            ));
        }
        match (role, department) {
            (Role::Department, None) => {
                return Err(ServiceError::invalid(
                    "department",
                    "a department token needs a department code",
                ))
            }
            (Role::Department, Some(code)) => {
                if self.store.department(code)?.is_none() {
                    return Err(ServiceError::invalid(
                        "department",
                        format!("部门 {code} 不存在"),
                    ));
                }
            }
            (_, Some(_)) => {
                return Err(ServiceError::invalid(
                    "department",
                    "only department tokens are bound to a department",
                ))
            }
            (_, None) => {}
        }
        let token = generate_token()?;
        let row = self.store.insert_token(
            &hash_token(&token),
            role.as_str(),
            department,
            label,
            micros(self.now()),
        )?;
        Ok(TokenCreated {
            id: row.id,
            token,
            role,
            department: row.department_code,
            reviewer: None,
        })
    }

    fn create_reviewer_token(
        &self,
        department: Option<&str>,
        label: Option<&str>,
        reviewer: Option<i64>,
    ) -> ServiceResult<TokenCreated> {
        let reviewer = match reviewer {
            Some(id) => {
                if department.is_some() {
                    return Err(ServiceError::invalid(
                        "department",
                        "the reviewer's department is set on the reviewer, not the token",
                    ));
                }
                self.store.reviewer(id)?.ok_or_else(|| {
                    ServiceError::invalid("reviewer", format!("评审专家 {id} 不存在"))
                })?
            }
            None => {
                let name = label
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .unwrap_or("评审人员");
                self.new_reviewer(name, department, false)?
            }
        };
        let token = generate_token()?;
        let row = self.store.insert_reviewer_token(
            &hash_token(&token),
            reviewer.id,
            label.or(Some(reviewer.name.as_str())),
            micros(self.now()),
        )?;
        Ok(TokenCreated {
            id: row.id,
            token,
            role: Role::Reviewer,
            department: reviewer.department_code,
            reviewer: Some(reviewer.id),
        })
    }

    pub fn revoke_token(&self, id: i64) -> ServiceResult<()> {
        if self.store.revoke_token(id, micros(self.now()))? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("令牌 {id} 不存在或已吊销")))
        }
    }

    /// At start: make `configured` an admin token, or create one when there is no admin token at
    /// all. Returns a newly created token, to be printed once.
    pub fn bootstrap_admin(&self, configured: Option<&str>) -> ServiceResult<Option<String>> {
        if let Some(token) = configured.map(str::trim).filter(|t| !t.is_empty()) {
            let hash = hash_token(token);
            if let Some(row) = self.store.token_by_hash_any(&hash)? {
                if row.revoked_at.is_some() {
                    return Err(ServiceError::Conflict(
                        "KAOPING_ADMIN_TOKEN was revoked; set a new value".into(),
                    ));
                }
            } else if let Err(e) = self.store.insert_token(
                &hash,
                Role::Admin.as_str(),
                None,
                Some("KAOPING_ADMIN_TOKEN"),
                micros(self.now()),
            ) {
                // another server starting on the same database made it first: that is the token
                let made =
                    e.is_unique_violation() && self.store.token_by_hash_any(&hash)?.is_some();
                if !made {
                    return Err(e.into());
                }
            }
            return Ok(None);
        }
        if self.store.live_admin_tokens()? > 0 {
            return Ok(None);
        }
        Ok(Some(
            self.create_token(Role::Admin, None, Some("first admin"), None)?
                .token,
        ))
    }
}

/// The role as a Chinese user names it.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "管理员",
        Role::Reviewer => "评审专家",
        Role::Department => "部门",
        Role::Viewer => "查看者",
    }
}
