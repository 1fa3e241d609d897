//! kaoping's domain (考评的业务核心): the package and score-sheet model, rubrics, the working-day
//! calendar, the document readers, the automatic checks, scoring, review and ranking. Pure code: no
//! HTTP, no database (the crate graph keeps actix-web and diesel out).
//!
//! Data flows one way: a package ([`model::Package`]) is checked against a rubric
//! ([`rubric::Rubric`]) and the working-day calendar ([`calendar::WorkCalendar`]) by [`checks`];
//! [`scoring`] adds reviewers' judgments and overrides and gives the score sheet
//! ([`model::ScoreSheet`]); [`review`] combines reviewers' judgments, decisions and appeals into it.
//! None of these modules does I/O.
//!
//! ```
//! use kaoping_domain::calendar::WorkCalendar;
//! use kaoping_domain::model::{Department, DepartmentLevel, Package};
//! use kaoping_domain::rubric::{Rubric, DEFAULT_RUBRIC};
//! use kaoping_domain::scoring::{score, ScoringInput};
//!
//! let package = Package {
//!     department: Department { code: None, name: "示例局".into(), level: DepartmentLevel::Municipal },
//!     year: 2024,
//!     notice: None,
//!     working_group: None,
//!     self_check: None,
//!     report: None,
//!     evidence: Vec::new(),
//!     submitted_at: None,
//! };
//! let rubric = Rubric::builtin(DEFAULT_RUBRIC)?;
//! let sheet = score(&rubric, WorkCalendar::embedded(), ScoringInput::package(&package))?;
//! let body = sheet.items.iter().find(|i| i.code == "body_complete").unwrap();
//! assert_eq!(body.score, Some(0.into())); // no report: every part is missing, -8 at most
//! assert!(!sheet.complete); // judgment items wait for reviewers
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod calendar;
pub mod checks;
pub mod digest;
pub mod ingest;
pub mod model;
pub mod ranking;
pub mod render;
pub mod review;
pub mod rubric;
pub mod scale;
pub mod scoring;
pub mod text;

/// An error with its causes ("a: b: c"), for logs: clients see only the outer message.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
