//! kaoping (考评): scores budget departments' performance self-evaluation work (部门整体支出绩效自评)
//! with the finance bureau's 100-point rubric, and explains every point lost.
//!
//! Data flows one way: a package ([`model::Package`]) is checked against a rubric
//! ([`rubric::Rubric`]) and the working-day calendar ([`calendar::WorkCalendar`]) by [`checks`];
//! [`scoring`] adds reviewers' judgments and overrides and gives the score sheet
//! ([`model::ScoreSheet`]); [`review`] combines reviewers' judgments, decisions and appeals into it.
//! None of these modules does I/O.
//!
//! ```
//! use kaoping::calendar::WorkCalendar;
//! use kaoping::model::{Department, DepartmentLevel, Package};
//! use kaoping::rubric::{Rubric, DEFAULT_RUBRIC};
//! use kaoping::scoring::{score, ScoringInput};
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

pub mod api;
pub mod archive;
pub mod calendar;
pub mod checks;
pub mod cli;
pub mod client;
pub mod demo;
pub mod ingest;
pub mod loadgen;
pub mod model;
pub mod ranking;
pub mod render;
pub mod review;
pub mod rubric;
pub mod scale;
pub mod scoring;
pub mod server;
pub mod service;
pub mod store;
pub mod webhook;

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
