//! 报送时间与截止日期: by when one submission was due and when it counts as received — the
//! round's deadline or the department's extension, the server's receipt time or the receipt the
//! bureau recorded (a paper or e-mailed report).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::calendar::{shanghai_date, WorkCalendar};
use crate::rubric::Rubric;

/// What the bureau recorded of one department's timing in a round.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DepartmentTiming {
    /// 延期截止日期: an extension granted to this department (never earlier than the round's).
    #[serde(default)]
    pub extended_deadline: Option<NaiveDate>,
    /// 登记的收到时间 of one submission.
    #[serde(default)]
    pub receipt: Option<Receipt>,
}

impl DepartmentTiming {
    /// The deadline that applies: the extension when it is later than the round's.
    pub fn deadline(&self, round_deadline: NaiveDate) -> NaiveDate {
        self.extended_deadline
            .filter(|d| *d > round_deadline)
            .unwrap_or(round_deadline)
    }
}

/// When the bureau received a submission's report, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// The seq of the submission it applies to (the department's current one when recorded);
    /// a later submission is a new delivery and is timed by its own receipt.
    pub seq: i32,
    pub received_at: DateTime<Utc>,
    pub via: ReceiptMethod,
}

/// 报送方式.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptMethod {
    /// 纸质报送
    Paper,
    /// 电子邮件
    Email,
    /// 现场报送
    InPerson,
    /// 其他方式
    Other,
}

impl ReceiptMethod {
    pub fn label(self) -> &'static str {
        match self {
            ReceiptMethod::Paper => "纸质报送",
            ReceiptMethod::Email => "电子邮件报送",
            ReceiptMethod::InPerson => "现场报送",
            ReceiptMethod::Other => "其他方式报送",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptMethod::Paper => "paper",
            ReceiptMethod::Email => "email",
            ReceiptMethod::InPerson => "in_person",
            ReceiptMethod::Other => "other",
        }
    }
}

/// One submission's timing, as timeliness scores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// The deadline that applies: the round's, or the department's later extension.
    pub deadline: NaiveDate,
    pub received_at: DateTime<Utc>,
    /// Why these differ from the round's deadline and the server's receipt, in Chinese.
    pub note: Option<String>,
    /// The recorded receipt, when it replaced the server's time (part of the fingerprint).
    recorded: Option<DateTime<Utc>>,
}

impl Timing {
    /// The timing of a submission about to be stored, received by the server `now`: an
    /// extension applies, a recorded receipt (of an earlier submission) does not.
    pub fn received_now(
        round_deadline: NaiveDate,
        department: Option<&DepartmentTiming>,
        now: DateTime<Utc>,
    ) -> Timing {
        Self::of(round_deadline, department, None, now)
    }

    /// The timing of the stored submission `seq`, received by the server at `submitted_at`.
    pub fn of_stored(
        round_deadline: NaiveDate,
        department: Option<&DepartmentTiming>,
        seq: i32,
        submitted_at: DateTime<Utc>,
    ) -> Timing {
        Self::of(round_deadline, department, Some(seq), submitted_at)
    }

    fn of(
        round_deadline: NaiveDate,
        department: Option<&DepartmentTiming>,
        seq: Option<i32>,
        submitted_at: DateTime<Utc>,
    ) -> Timing {
        let mut notes = Vec::new();
        let deadline = department.map_or(round_deadline, |d| d.deadline(round_deadline));
        if deadline != round_deadline {
            notes.push(format!(
                "经批准延期至{deadline}，原截止日期{round_deadline}"
            ));
        }
        let receipt = department
            .and_then(|d| d.receipt.as_ref())
            .filter(|r| Some(r.seq) == seq);
        if let Some(r) = receipt {
            notes.push(format!("收到时间按{}登记", r.via.label()));
        }
        Timing {
            deadline,
            received_at: receipt.map_or(submitted_at, |r| r.received_at),
            note: (!notes.is_empty()).then(|| notes.join("；")),
            recorded: receipt.map(|r| r.received_at),
        }
    }

    /// Received after the deadline day (Asia/Shanghai).
    pub fn late(&self) -> bool {
        shanghai_date(self.received_at) > self.deadline
    }

    /// The timeliness part of a [`super::ScoringInput`].
    pub fn input<'a>(&'a self, package: &'a crate::model::Package) -> super::ScoringInput<'a> {
        super::ScoringInput {
            deadline: Some(self.deadline),
            received_at: Some(self.received_at),
            timing_note: self.note.as_deref(),
            ..super::ScoringInput::package(package)
        }
    }

    /// [`super::fingerprint`] with this deadline, and the recorded receipt when there is one
    /// (the server's own receipt time is fixed per submission, so it need not be part of it).
    pub fn fingerprint(&self, rubric: &Rubric, calendar: &WorkCalendar) -> String {
        let base = super::fingerprint(rubric, calendar, self.deadline);
        match self.recorded {
            Some(at) => format!("{base} received {}", at.timestamp_micros()),
            None => base,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn an_extension_and_a_recorded_receipt_apply_to_their_submission_only() {
        let at = Utc
            .with_ymd_and_hms(2026, 4, 3, 2, 0, 0)
            .single()
            .expect("time");
        let paper = Utc
            .with_ymd_and_hms(2026, 3, 30, 2, 0, 0)
            .single()
            .expect("time");
        let none = Timing::of_stored(day("2026-03-31"), None, 7, at);
        assert_eq!(none.deadline, day("2026-03-31"));
        assert!(none.late());
        assert_eq!(none.note, None);

        let timing = DepartmentTiming {
            extended_deadline: Some(day("2026-04-10")),
            receipt: Some(Receipt {
                seq: 7,
                received_at: paper,
                via: ReceiptMethod::Paper,
            }),
        };
        let seven = Timing::of_stored(day("2026-03-31"), Some(&timing), 7, at);
        assert_eq!(seven.deadline, day("2026-04-10"));
        assert_eq!(seven.received_at, paper);
        assert!(!seven.late());
        assert_eq!(
            seven.note.as_deref(),
            Some("经批准延期至2026-04-10，原截止日期2026-03-31；收到时间按纸质报送登记")
        );
        let eight = Timing::of_stored(day("2026-03-31"), Some(&timing), 8, at);
        assert_eq!(
            eight.received_at, at,
            "a later submission keeps its own time"
        );
        let new = Timing::received_now(day("2026-03-31"), Some(&timing), at);
        assert_eq!((new.deadline, new.received_at), (day("2026-04-10"), at));
        let rubric = Rubric::builtin("yueyang-2024").expect("rubric");
        let calendar = WorkCalendar::embedded();
        assert_ne!(
            seven.fingerprint(&rubric, calendar),
            eight.fingerprint(&rubric, calendar),
            "a recorded receipt is part of the fingerprint"
        );

        // an extension the round's own deadline has overtaken changes nothing
        let moved = Timing::of_stored(day("2026-04-20"), Some(&timing), 8, at);
        assert_eq!(moved.deadline, day("2026-04-20"));
        assert_eq!(moved.note, None);
    }
}
