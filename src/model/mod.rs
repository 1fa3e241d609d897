//! The submission package and the score sheet as plain serde types.
//!
//! Input types refuse unknown fields so a misspelt key is an error, not a silently empty value.
//! Amounts (万元), percentages and scores are exact decimals, written as strings on the wire.

mod package;
mod report;
mod score_sheet;
mod tables;

pub use package::*;
pub use report::*;
pub use score_sheet::*;
pub use tables::*;
