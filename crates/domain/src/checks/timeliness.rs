//! 提交报告: working days late under the holiday calendar.

use chrono::TimeDelta;
use rust_decimal::Decimal;

use super::outcome::ItemOutcome;
use super::CheckInput;
use crate::calendar::{shanghai_date, WorkCalendar};
use crate::model::{Deduction, Finding, ItemStatus, Severity};
use crate::rubric::RubricItem;

pub fn timeliness(
    item: &RubricItem,
    per_working_day: Decimal,
    calendar: &WorkCalendar,
    input: CheckInput<'_>,
    findings: &mut Vec<Finding>,
) -> ItemOutcome {
    let (Some(deadline), Some(received_at)) = (input.deadline, input.received_at) else {
        let what = match (input.deadline, input.received_at) {
            (None, None) => "截止日期和报送时间",
            (None, Some(_)) => "截止日期",
            _ => "报送时间",
        };
        findings.push(Finding {
            code: "timeliness_input_missing".to_string(),
            severity: Severity::Info,
            message: format!("缺少{what}，提交报告一项暂不能评分"),
            location: "报送时间".to_string(),
        });
        return ItemOutcome::pending(item, ItemStatus::MissingInput);
    };
    let received = shanghai_date(received_at);
    let lateness = match calendar.lateness(deadline, received) {
        Ok(l) => l,
        Err(e) => {
            findings.push(Finding {
                code: "calendar_out_of_coverage".to_string(),
                severity: Severity::Error,
                message: format!("提交报告一项无法评分：{e}"),
                location: format!("截止日期 {deadline}，收到日期 {received}"),
            });
            return ItemOutcome::pending(item, ItemStatus::MissingInput);
        }
    };
    if lateness.working_days_late == 0 {
        return ItemOutcome::scored(item, item.max, Vec::new());
    }
    let days = Decimal::from(lateness.working_days_late);
    let points = (days * per_working_day).min(item.max);
    let mut reason = format!(
        "逾期{}个工作日报送：截止日期{}",
        lateness.working_days_late, lateness.deadline
    );
    if lateness.effective_deadline != lateness.deadline {
        reason.push_str(&format!(
            "（休息日，顺延至{}）",
            lateness.effective_deadline
        ));
    }
    if let Some(note) = input.timing_note {
        reason.push_str(&format!("（{note}）"));
    }
    reason.push_str(&format!("，收到日期{}", lateness.received));
    if lateness.counted_as != lateness.received {
        reason.push_str(&format!("（休息日，按{}计）", lateness.counted_as));
    }
    let days_list: Vec<String> = lateness.late_days.iter().map(|d| d.to_string()).collect();
    reason.push_str(&format!("；逾期工作日：{}", days_list.join("、")));
    if points < days * per_working_day {
        reason.push_str(&format!("（本项最多扣{}分）", item.max.normalize()));
    }
    ItemOutcome::scored(
        item,
        item.max - points,
        vec![Deduction {
            points,
            reason,
            location: format!(
                "报送时间 {}（北京时间）",
                (received_at.naive_utc() + TimeDelta::hours(8)).format("%Y-%m-%d %H:%M")
            ),
        }],
    )
}
