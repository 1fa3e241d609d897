//! Free text as both databases store it the same way: no control characters but tab and newline
//! (PostgreSQL refuses NUL in text, SQLite would keep it), no bidirectional overrides in one-line
//! names (they make "会议纪要\u{202E}gpj.exe" read as "…exe.jpg"), and a length bound on every field, so
//! that no list or audit extract grows without limit. The bounds are in the OpenAPI document as
//! `maxLength` (`#[schema(max_length = …)]` on the same fields); a test checks they agree.

use super::{
    AppealDecisionIn, AppealIn, AssignmentIn, ConflictIn, DepartmentIn, JudgmentIn, PublishIn,
    ReviewerIn, RoundIn, RoundSettingsIn, ServiceError, ServiceResult, TokenIn, WebhookIn,
};
use Kind::{Line, Prose};

/// Codes: departments, rubrics, items.
pub const CODE_MAX: usize = 64;
/// Names and titles: departments, reviewers, rounds, labels, categories.
pub const NAME_MAX: usize = 200;
/// Reasons, descriptions and other prose.
pub const REASON_MAX: usize = 2000;
/// Short descriptions (webhooks).
pub const DESCRIPTION_MAX: usize = 500;
/// Webhook URLs.
pub const URL_MAX: usize = crate::webhook::MAX_URL_CHARS;
/// Webhook secrets.
pub const SECRET_MAX: usize = crate::webhook::MAX_SECRET_CHARS;
/// Departments a round may name.
pub const ROUND_DEPARTMENTS_MAX: usize = 100_000;

/// How a field may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line: no newline or tab, no bidirectional controls.
    Line,
    /// Prose: tabs and newlines allowed.
    Prose,
}

/// Refuses a control character, a bidirectional control in a line, or more than `max`
/// characters, naming the field.
pub fn check(field: &str, value: &str, max: usize, kind: Kind) -> ServiceResult<()> {
    for (n, c) in value.chars().enumerate() {
        let allowed_control = kind == Kind::Prose && (c == '\t' || c == '\n');
        if c.is_control() && !allowed_control {
            return Err(ServiceError::invalid(
                field,
                format!(
                    "{field} 第 {} 个字符是控制字符 U+{:04X}：{}",
                    n + 1,
                    u32::from(c),
                    match kind {
                        Kind::Line => "只能是一行文字",
                        Kind::Prose => "除制表符和换行外不能含控制字符",
                    }
                ),
            ));
        }
        if kind == Kind::Line && is_bidi_control(c) {
            return Err(ServiceError::invalid(
                field,
                format!(
                    "{field} 第 {} 个字符是文字方向控制符 U+{:04X}，会让名称显示得与实际不同",
                    n + 1,
                    u32::from(c)
                ),
            ));
        }
        if n >= max {
            return Err(ServiceError::invalid(
                field,
                format!("{field} 过长：最多 {max} 个字符"),
            ));
        }
    }
    Ok(())
}

/// [`check`] on a field that may be absent.
pub fn check_opt(field: &str, value: Option<&str>, max: usize, kind: Kind) -> ServiceResult<()> {
    value.map_or(Ok(()), |v| check(field, v, max, kind))
}

/// U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069: characters that reorder what is shown.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// An input whose free text is checked before anything is done with it.
pub trait FreeText {
    fn check_text(&self) -> ServiceResult<()>;
}

impl FreeText for DepartmentIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("code", &self.code, CODE_MAX, Line)?;
        check("name", &self.name, NAME_MAX, Line)?;
        check("category", &self.category, NAME_MAX, Line)?;
        check_opt("parent", self.parent.as_deref(), CODE_MAX, Line)
    }
}

impl FreeText for RoundIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("title", &self.title, NAME_MAX, Line)?;
        check("rubric", &self.rubric, CODE_MAX, Line)?;
        if self.departments.len() > ROUND_DEPARTMENTS_MAX {
            return Err(ServiceError::invalid(
                "departments",
                format!("一个批次最多 {ROUND_DEPARTMENTS_MAX} 个部门"),
            ));
        }
        self.departments
            .iter()
            .try_for_each(|d| check("departments", d, CODE_MAX, Line))
    }
}

impl FreeText for TokenIn {
    fn check_text(&self) -> ServiceResult<()> {
        check_opt("department", self.department.as_deref(), CODE_MAX, Line)?;
        check_opt("label", self.label.as_deref(), NAME_MAX, Line)
    }
}

impl FreeText for ReviewerIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("name", &self.name, NAME_MAX, Line)?;
        check_opt("department", self.department.as_deref(), CODE_MAX, Line)
    }
}

impl FreeText for ConflictIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("department", &self.department, CODE_MAX, Line)?;
        check("reason", &self.reason, REASON_MAX, Prose)
    }
}

impl FreeText for AssignmentIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("department", &self.department, CODE_MAX, Line)
    }
}

impl FreeText for JudgmentIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("reason", &self.reason, REASON_MAX, Prose)
    }
}

impl FreeText for RoundSettingsIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("reason", &self.reason, REASON_MAX, Prose)
    }
}

impl FreeText for AppealIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("item", &self.item, CODE_MAX, Line)?;
        check("reason", &self.reason, REASON_MAX, Prose)
    }
}

impl FreeText for AppealDecisionIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("reason", &self.reason, REASON_MAX, Prose)
    }
}

impl FreeText for PublishIn {
    fn check_text(&self) -> ServiceResult<()> {
        check_opt("reason", self.reason.as_deref(), REASON_MAX, Prose)
    }
}

impl FreeText for WebhookIn {
    fn check_text(&self) -> ServiceResult<()> {
        check("url", &self.url, URL_MAX, Line)?;
        check("secret", &self.secret, SECRET_MAX, Line)?;
        check_opt(
            "description",
            self.description.as_deref(),
            DESCRIPTION_MAX,
            Prose,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_bidi_controls_and_length_are_refused() {
        assert!(check("name", "岳阳市财政局", NAME_MAX, Line).is_ok());
        assert!(check("reason", "第一行\n\t第二行", REASON_MAX, Prose).is_ok());
        for bad in ["a\u{0}b", "a\rb", "a\u{1b}b", "a\u{7f}b"] {
            assert!(check("reason", bad, REASON_MAX, Prose).is_err(), "{bad:?}");
        }
        assert!(check("name", "a\nb", NAME_MAX, Line).is_err());
        assert!(check("name", "会议纪要\u{202e}gpj.exe", NAME_MAX, Line).is_err());
        let at_max = "字".repeat(NAME_MAX);
        assert!(check("name", &at_max, NAME_MAX, Line).is_ok());
        let over = "字".repeat(NAME_MAX + 1);
        let e = check("name", &over, NAME_MAX, Line).unwrap_err();
        assert!(e.to_string().contains("最多 200 个字符"), "{e}");
    }
}
