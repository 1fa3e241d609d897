//! `kaoping calendar …`: the working-day calendar of a database, shown and changed by the
//! operator on the server (the same rules and audit as `POST /api/v1/calendar/years`).

use std::path::PathBuf;

use clap::Subcommand;

use super::{open_store, read, CliError, DbArgs, Format};
use crate::server::redact;
use crate::service::{
    ArrangementFormat, CalendarChangeOut, CalendarImportIn, CalendarView, Caller, RubricCatalog,
    Service,
};

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Add or correct a year: the State Council's notice as text (国务院办公厅关于…年部分节假日
    /// 安排的通知, copied from gov.cn) or a data file (`year = …`, holidays, workdays). Shows what
    /// changes; with --dry-run nothing is stored.
    Import {
        file: PathBuf,
        /// Why (e.g. the notice's 文号); kept with the revision.
        #[arg(long)]
        reason: String,
        /// `notice` or `toml`; told from the text when omitted.
        #[arg(long, value_parser = parse_format)]
        format: Option<ArrangementFormat>,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the calendar's years (or one): holidays and 调休 working days, and the coverage left.
    Show {
        year: Option<i32>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Take an imported year out again (refused while a round's dates lie in it).
    Remove {
        year: i32,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn parse_format(s: &str) -> Result<ArrangementFormat, String> {
    match s {
        "notice" => Ok(ArrangementFormat::Notice),
        "toml" => Ok(ArrangementFormat::Toml),
        _ => Err(format!("expected notice or toml, got {s:?}")),
    }
}

/// The operator at the server's console: an admin with no token.
pub(super) fn operator() -> Caller {
    Caller {
        token_id: 0,
        role: crate::service::Role::Admin,
        department: None,
        reviewer: None,
        label: Some("operator (command line)".into()),
    }
}

pub(super) fn service(db: &DbArgs) -> Result<Service, CliError> {
    let store = open_store(db)?;
    store.migrate().map_err(|source| CliError::Store {
        url: redact(&db.database_url),
        source,
    })?;
    // the built-in rubrics too: a round or a dry run may name them
    Ok(Service::new(store, RubricCatalog::load(None)?))
}

pub fn run(command: CalendarCommand) -> Result<String, CliError> {
    match command {
        CalendarCommand::Import {
            file,
            reason,
            format,
            dry_run,
            db,
        } => {
            let text = read(&file)?;
            let out = service(&db)?.import_calendar(
                &operator(),
                CalendarImportIn {
                    text,
                    format,
                    reason,
                    dry_run,
                },
            )?;
            Ok(describe(&out))
        }
        CalendarCommand::Show { year, format, db } => {
            let view = service(&db)?.calendar(&operator(), year)?;
            match format {
                Format::Json => serde_json::to_string_pretty(&view).map_err(CliError::Output),
                Format::Text => Ok(show(&view)),
            }
        }
        CalendarCommand::Remove { year, reason, db } => {
            let out = service(&db)?.remove_calendar_year(&operator(), year, &reason)?;
            Ok(describe(&out))
        }
    }
}

/// What a change did, a line a date and a round.
fn describe(out: &CalendarChangeOut) -> String {
    let mut s = match out.revision {
        Some(r) => format!("{} 年：已保存为日历版本 {r}\n", out.year),
        None => format!("{} 年：试运行，未保存\n", out.year),
    };
    s.push_str(&format!("{} 个日期的状态改变\n", out.changes.len()));
    for c in out.changes.iter().filter(|c| !is_plain_new_day(c)) {
        s.push_str(&format!(
            "  {}  {} → {}\n",
            c.date,
            status(&c.before),
            status(&c.after)
        ));
    }
    for r in &out.rounds {
        s.push_str(&format!(
            "轮次 {}：{}\n",
            r.round,
            if out.applied {
                format!("已按新日历重新评分 {} 份提交", r.submissions)
            } else {
                "将按新日历重新评分".to_string()
            }
        ));
    }
    s.trim_end().to_string()
}

/// A newly covered ordinary day: not worth a line of its own.
fn is_plain_new_day(c: &crate::calendar::DayChange) -> bool {
    use crate::calendar::DayStatus;
    matches!(
        (&c.before, &c.after),
        (DayStatus::Uncovered, DayStatus::Ordinary { .. })
            | (DayStatus::Ordinary { .. }, DayStatus::Uncovered)
    )
}

fn status(s: &crate::calendar::DayStatus) -> String {
    use crate::calendar::DayStatus;
    match s {
        DayStatus::Holiday { name } => format!("放假（{name}）"),
        DayStatus::Workday => "调休上班".to_string(),
        DayStatus::Ordinary { working: true } => "工作日".to_string(),
        DayStatus::Ordinary { working: false } => "周末".to_string(),
        DayStatus::Uncovered => "未覆盖".to_string(),
    }
}

fn show(view: &CalendarView) -> String {
    let mut s = format!(
        "工作日历 {} 至 {}（版本 {}，还剩 {} 天）\n",
        view.coverage_start, view.coverage_end, view.revision, view.days_left
    );
    if let Some(w) = &view.warning {
        s.push_str(&format!("注意：{w}\n"));
    }
    for y in &view.years {
        let source = y
            .revision
            .map_or("内置".to_string(), |r| format!("导入，版本 {r}"));
        s.push_str(&format!("{} 年（{source}）\n", y.year));
        let mut names: Vec<(&str, Vec<String>)> = Vec::new();
        for h in &y.holidays {
            let day = h.date.format("%m-%d").to_string();
            match names.iter_mut().find(|(n, _)| *n == h.name) {
                Some((_, days)) => days.push(day),
                None => names.push((&h.name, vec![day])),
            }
        }
        for (name, days) in names {
            s.push_str(&format!("  {name}：{}\n", days.join(" ")));
        }
        if !y.workdays.is_empty() {
            let days: Vec<String> = y.workdays.iter().map(|d| d.to_string()).collect();
            s.push_str(&format!("  调休上班：{}\n", days.join(" ")));
        }
    }
    s.trim_end().to_string()
}
