use super::*;
use chrono::{Days, TimeZone};
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cal() -> &'static WorkCalendar {
    WorkCalendar::embedded()
}

fn works(s: &str) -> bool {
    cal().is_working_day(d(s)).unwrap()
}

fn late(deadline: &str, received: &str) -> Lateness {
    cal().lateness(d(deadline), d(received)).unwrap()
}

/// A one-year calendar for 2025 with the given extra TOML lines in `[2025]`.
fn small_2025(year_body: &str) -> String {
    format!(
        "[meta]\nformat_version = 1\ncoverage_start = \"2025-01-01\"\n\
         coverage_end = \"2025-12-31\"\ntimezone = \"Asia/Shanghai\"\n\n[2025]\n{year_body}\n"
    )
}

fn invalid_message(src: &str) -> String {
    match WorkCalendar::from_toml_str(src, "test.toml") {
        Err(CalendarError::Invalid { origin, message }) => {
            assert_eq!(origin, "test.toml");
            message
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn embedded_calendar_parses() {
    // Guards the `expect` in `WorkCalendar::embedded`.
    let parsed = WorkCalendar::from_toml_str(EMBEDDED_TOML, EMBEDDED_ORIGIN);
    assert!(parsed.is_ok(), "{parsed:?}");
    assert_eq!(cal().coverage(), (d("2018-01-01"), d("2026-12-31")));
    assert_eq!(cal().provisional_from, Some(d("2026-12-01")));
}

#[test]
fn small_calendar_template_is_valid() {
    // The rejection tests below only mean something if the unbroken template loads.
    let src = small_2025(
        "holidays = [{ date = \"2025-05-01\", name = \"劳动节\" }]\nworkdays = [\"2025-04-27\"]",
    );
    let c = WorkCalendar::from_toml_str(&src, "test.toml").unwrap();
    assert!(!c.is_working_day(d("2025-05-01")).unwrap());
    assert!(c.is_working_day(d("2025-04-27")).unwrap());
    assert_eq!(c.provisional_from, None);
    // Unquoted TOML date literals mean the same dates.
    let native = small_2025(
        "holidays = [{ date = 2025-05-01, name = \"劳动节\" }]\nworkdays = [2025-04-27]",
    );
    let n = WorkCalendar::from_toml_str(&native, "test.toml").unwrap();
    assert_eq!((n.holidays, n.workdays), (c.holidays, c.workdays));
}

#[test]
fn rubric_example_labour_day_is_one_day_late() {
    // 5月1日–5日 off: only 2025-05-06 counts.
    let l = late("2025-04-30", "2025-05-06");
    assert_eq!(l.effective_deadline, d("2025-04-30"));
    assert_eq!(l.counted_as, d("2025-05-06"));
    assert_eq!(l.working_days_late, 1);
    assert_eq!(l.late_days, vec![d("2025-05-06")]);
}

#[test]
fn rubric_example_tiaoxiu_sunday_is_six_days_late() {
    // Friday deadline; received Sunday 2025-04-27, a 调休 working day.
    let l = late("2025-04-18", "2025-04-27");
    assert_eq!(l.counted_as, d("2025-04-27"));
    assert_eq!(l.working_days_late, 6);
    let expected: Vec<NaiveDate> = ["2025-04-21", "2025-04-22", "2025-04-23", "2025-04-24"]
        .into_iter()
        .chain(["2025-04-25", "2025-04-27"])
        .map(d)
        .collect();
    assert_eq!(l.late_days, expected);
}

#[test]
fn deadline_on_day_off_rolls_forward() {
    let on_time = late("2025-05-03", "2025-05-06");
    assert_eq!(on_time.effective_deadline, d("2025-05-06"));
    assert_eq!(on_time.working_days_late, 0);
    assert!(on_time.late_days.is_empty());
    let l = late("2025-05-03", "2025-05-07");
    assert_eq!(l.effective_deadline, d("2025-05-06"));
    assert_eq!(l.late_days, vec![d("2025-05-07")]);
}

#[test]
fn receipt_on_day_off_counts_as_next_working_day() {
    let l = late("2025-04-30", "2025-05-03");
    assert_eq!(l.received, d("2025-05-03"));
    assert_eq!(l.counted_as, d("2025-05-06"));
    assert_eq!(l.working_days_late, 1);
}

#[test]
fn early_or_same_day_receipt_is_not_late() {
    for received in ["2025-04-01", "2025-04-29", "2025-04-30"] {
        let l = late("2025-04-30", received);
        assert_eq!(
            (l.working_days_late, l.late_days.len()),
            (0, 0),
            "{received}"
        );
    }
}

#[test]
fn year_boundary_2018_2019() {
    assert!(
        works("2018-12-29"),
        "Saturday 调休 working day from the 2019 notice"
    );
    assert!(!works("2018-12-30"));
    assert!(!works("2018-12-31"));
    assert!(!works("2019-01-01"));
    assert!(works("2019-01-02"));
    assert_eq!(cal().holiday_name(d("2018-12-31")), Some("元旦"));
    let l = late("2018-12-28", "2019-01-02");
    assert_eq!(l.late_days, vec![d("2018-12-29"), d("2019-01-02")]);
    let l = late("2018-12-29", "2018-12-31");
    assert_eq!(l.counted_as, d("2019-01-02"));
    assert_eq!(l.working_days_late, 1);
}

#[test]
fn covid_extension_2020() {
    assert!(!works("2020-01-31"));
    assert!(
        !works("2020-02-01"),
        "was a 调休 working day before the extension"
    );
    assert!(!works("2020-02-02"));
    assert!(works("2020-02-03"));
    assert_eq!(cal().holiday_name(d("2020-02-01")), Some("春节"));
    assert_eq!(
        cal().next_working_day_on_or_after(d("2020-01-24")).unwrap(),
        d("2020-02-03")
    );
}

#[test]
fn tiaoxiu_weekends_work_and_ordinary_weekends_do_not() {
    for s in [
        "2025-02-08",
        "2025-01-26",
        "2026-02-14",
        "2026-02-28",
        "2026-01-04",
    ] {
        assert!(works(s), "{s} is a 调休 working day");
    }
    for s in [
        "2025-02-09",
        "2025-04-26",
        "2026-02-07",
        "2026-03-01",
        "2024-06-08",
    ] {
        assert!(!works(s), "{s} is an ordinary weekend day");
    }
    assert!(works("2025-04-30"), "ordinary Wednesday");
}

#[test]
fn holiday_names() {
    assert_eq!(cal().holiday_name(d("2025-05-01")), Some("劳动节"));
    assert_eq!(cal().holiday_name(d("2023-09-29")), Some("中秋节、国庆节"));
    assert_eq!(cal().holiday_name(d("2025-10-08")), Some("国庆节、中秋节"));
    assert_eq!(cal().holiday_name(d("2025-04-26")), None);
    assert_eq!(cal().holiday_name(d("2025-04-27")), None);
}

#[test]
fn out_of_coverage_is_an_error() {
    for s in ["2017-12-31", "2027-01-01"] {
        let err = cal().is_working_day(d(s)).unwrap_err();
        assert!(
            matches!(err, CalendarError::OutOfCoverage { date, .. } if date == d(s)),
            "{err:?}"
        );
        assert!(cal().next_working_day_on_or_after(d(s)).is_err());
        assert!(cal().lateness(d("2025-04-30"), d(s)).is_err());
        assert!(cal().lateness(d(s), d("2025-04-30")).is_err());
    }
    let msg = cal()
        .is_working_day(d("2027-01-01"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "date 2027-01-01 is outside the working-day calendar's coverage (2018-01-01 to 2026-12-31)"
    );
    assert!(works("2018-01-02") && works("2026-12-31"));
}

#[test]
fn roll_forward_past_coverage_end_is_an_error() {
    let src = "[meta]\nformat_version = 1\ncoverage_start = \"2026-01-01\"\n\
               coverage_end = \"2026-12-31\"\ntimezone = \"Asia/Shanghai\"\n\n[2026]\n\
               holidays = [{ date = \"2026-12-31\", name = \"测试\" }]\nworkdays = []\n";
    let c = WorkCalendar::from_toml_str(src, "test.toml").unwrap();
    assert!(!c.is_working_day(d("2026-12-31")).unwrap());
    let err = c.next_working_day_on_or_after(d("2026-12-31")).unwrap_err();
    assert!(
        matches!(err, CalendarError::OutOfCoverage { date, .. } if date == d("2027-01-01")),
        "{err:?}"
    );
    assert!(c.lateness(d("2026-12-31"), d("2026-12-31")).is_err());
    assert!(c.lateness(d("2026-12-30"), d("2026-12-31")).is_err());
    assert_eq!(
        c.lateness(d("2026-12-29"), d("2026-12-30"))
            .unwrap()
            .working_days_late,
        1
    );
}

#[test]
fn provisional_is_december_of_last_year_only() {
    assert!(!cal().is_provisional(d("2026-11-30")));
    assert!(cal().is_provisional(d("2026-12-01")));
    assert!(cal().is_provisional(d("2026-12-31")));
    assert!(!cal().is_provisional(d("2027-01-01")));
    assert!(!cal().is_provisional(d("2025-12-31")));
}

#[test]
fn shanghai_date_is_utc_plus_8() {
    let at = |h, m, s| Utc.with_ymd_and_hms(2025, 4, 30, h, m, s).unwrap();
    assert_eq!(shanghai_date(at(16, 30, 0)), d("2025-05-01"));
    assert_eq!(shanghai_date(at(16, 0, 0)), d("2025-05-01"));
    assert_eq!(shanghai_date(at(15, 59, 59)), d("2025-04-30"));
    assert_eq!(shanghai_date(at(0, 0, 0)), d("2025-04-30"));
}

#[test]
fn rejects_workday_on_weekday() {
    let msg = invalid_message(&small_2025("holidays = []\nworkdays = [\"2025-04-30\"]"));
    assert!(
        msg.contains("[2025] workdays") && msg.contains("2025-04-30"),
        "{msg}"
    );
    assert!(msg.contains("Wednesday"), "{msg}");
}

#[test]
fn rejects_date_in_both_lists() {
    let msg = invalid_message(&small_2025(
        "holidays = [{ date = \"2025-05-03\", name = \"劳动节\" }]\nworkdays = [\"2025-05-03\"]",
    ));
    assert!(
        msg.contains("[2025] workdays") && msg.contains("2025-05-03"),
        "{msg}"
    );
    assert!(msg.contains("also listed as a holiday"), "{msg}");
}

#[test]
fn rejects_malformed_dates() {
    for bad in [
        "2025-02-30",
        "2025-5-1",
        "2025/05/01",
        "20250501",
        " 2025-05-01",
    ] {
        let body = format!("holidays = [{{ date = \"{bad}\", name = \"劳动节\" }}]\nworkdays = []");
        let msg = invalid_message(&small_2025(&body));
        assert!(
            msg.contains("[2025] holidays[0]") && msg.contains(bad),
            "{msg}"
        );
    }
    let msg = invalid_message(&small_2025("holidays = []\nworkdays = [\"2025-13-01\"]"));
    assert!(
        msg.contains("[2025] workdays[0]") && msg.contains("2025-13-01"),
        "{msg}"
    );
    let msg = invalid_message(&small_2025("holidays = []\nworkdays = [20250427]"));
    assert!(msg.contains("[2025] workdays[0]"), "{msg}");
}

#[test]
fn rejects_date_outside_its_year_table() {
    let msg = invalid_message(&small_2025("holidays = []\nworkdays = [\"2024-12-28\"]"));
    assert!(
        msg.contains("[2025] workdays") && msg.contains("2024-12-28"),
        "{msg}"
    );
    assert!(msg.contains("not in calendar year 2025"), "{msg}");
}

#[test]
fn rejects_duplicate_dates() {
    let msg = invalid_message(&small_2025(
        "holidays = [{ date = \"2025-05-01\", name = \"劳动节\" }, \
         { date = \"2025-05-01\", name = \"劳动节\" }]\nworkdays = []",
    ));
    assert!(
        msg.contains("[2025] holidays: duplicate date 2025-05-01"),
        "{msg}"
    );
    let msg = invalid_message(&small_2025(
        "holidays = []\nworkdays = [\"2025-04-27\", \"2025-04-27\"]",
    ));
    assert!(
        msg.contains("[2025] workdays: duplicate date 2025-04-27"),
        "{msg}"
    );
}

#[test]
fn rejects_year_tables_outside_or_missing_from_coverage() {
    let src =
        small_2025("holidays = []\nworkdays = []") + "\n[2026]\nholidays = []\nworkdays = []\n";
    let msg = invalid_message(&src);
    assert!(
        msg.contains("[2026]") && msg.contains("outside the coverage"),
        "{msg}"
    );
    let src = small_2025("holidays = []\nworkdays = []").replace("2025-12-31", "2026-12-31");
    let msg = invalid_message(&src);
    assert!(msg.contains("missing year table [2026]"), "{msg}");
}

#[test]
fn rejects_missing_or_bad_meta() {
    let good = small_2025("holidays = []\nworkdays = []");
    let msg = invalid_message(&good.replace("coverage_end = \"2025-12-31\"\n", ""));
    assert!(
        msg.contains("[meta]") && msg.contains("coverage_end"),
        "{msg}"
    );
    let msg = invalid_message(&good.replace("timezone = \"Asia/Shanghai\"\n", ""));
    assert!(msg.contains("[meta]") && msg.contains("timezone"), "{msg}");
    let msg = invalid_message(&good.replace("Asia/Shanghai", "UTC"));
    assert!(msg.contains("timezone"), "{msg}");
    let msg = invalid_message(&good.replace("format_version = 1", "format_version = 2"));
    assert!(msg.contains("format_version"), "{msg}");
    let msg = invalid_message(&good.replace("[meta]\n", "[meta2]\n"));
    assert!(msg.contains("[meta]"), "{msg}");
}

#[test]
fn rejects_unknown_keys_and_toml_errors() {
    let msg = invalid_message(&small_2025("holidays = []\nworkday = [\"2025-04-27\"]"));
    assert!(msg.contains("[2025]") && msg.contains("workday"), "{msg}");
    let msg = invalid_message(&small_2025("holidays = [\nworkdays = []"));
    assert!(msg.contains("line"), "{msg}");
    let msg = invalid_message(&small_2025(
        "holidays = [{ date = \"2025-05-01\" }]\nworkdays = []",
    ));
    assert_eq!(msg, "[2025] holidays[0]: missing field `name`");
}

#[test]
fn load_reads_a_file_and_names_it_in_errors() {
    let dir = std::env::temp_dir();
    let good = dir.join(format!("kaoping-calendar-test-{}.toml", std::process::id()));
    std::fs::write(&good, EMBEDDED_TOML).unwrap();
    let loaded = WorkCalendar::load(&good);
    std::fs::remove_file(&good).unwrap();
    assert_eq!(loaded.unwrap().coverage(), cal().coverage());

    let missing = dir.join("kaoping-calendar-test-does-not-exist.toml");
    let err = WorkCalendar::load(&missing).unwrap_err();
    assert!(matches!(err, CalendarError::Io { .. }), "{err:?}");
    assert!(err
        .to_string()
        .contains("kaoping-calendar-test-does-not-exist.toml"));
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn statutory_day_counts_per_year() {
    // Weekday days off minus weekend working days, as the file header claims: a copy error in
    // the embedded file almost always changes one of these.
    for year in 2018..=2026 {
        let days = NaiveDate::from_ymd_opt(year, 1, 1)
            .unwrap()
            .iter_days()
            .take_while(|day| day.year() == year);
        let mut balance = 0i32;
        for day in days {
            match (is_weekend(day), cal().is_working_day(day).unwrap()) {
                (false, false) => balance += 1,
                (true, true) => balance -= 1,
                _ => {}
            }
        }
        let expected = match year {
            2020 | 2025 | 2026 => 13,
            _ => 11,
        };
        assert_eq!(balance, expected, "year {year}");
    }
}

#[test]
fn per_year_list_sizes_match_file_comments() {
    // "# YYYY: N holiday dates, M adjusted working days" in the file.
    let expected = [
        (2018, 25, 7),
        (2019, 22, 6),
        (2020, 30, 6),
        (2021, 31, 7),
        (2022, 32, 7),
        (2023, 26, 7),
        (2024, 28, 8),
        (2025, 28, 5),
        (2026, 33, 6),
    ];
    for (year, holidays, workdays) in expected {
        let h = cal().holidays.keys().filter(|x| x.year() == year).count();
        let w = cal().workdays.iter().filter(|x| x.year() == year).count();
        assert_eq!((h, w), (holidays, workdays), "year {year}");
    }
}

proptest! {
    #[test]
    fn lateness_is_consistent_and_monotonic(
        deadline_off in 0u64..3287,
        a in 0u64..3287,
        b in 0u64..3287,
    ) {
        let c = cal();
        let (start, end) = c.coverage();
        let at = |n: u64| start.checked_add_days(Days::new(n)).unwrap();
        let (deadline, r1, r2) = (at(deadline_off), at(a.min(b)), at(a.max(b)));
        prop_assume!(r2 <= end && deadline <= end);

        let mut previous = 0;
        for received in [r1, r2] {
            let rollable = c.next_working_day_on_or_after(deadline).is_ok()
                && c.next_working_day_on_or_after(received).is_ok();
            let result = c.lateness(deadline, received);
            prop_assert_eq!(result.is_ok(), rollable);
            let Ok(l) = result else { continue };
            prop_assert_eq!(l.working_days_late as usize, l.late_days.len());
            prop_assert!(l.working_days_late >= previous);
            previous = l.working_days_late;
            if received <= deadline {
                prop_assert_eq!(l.working_days_late, 0);
            }
            prop_assert!(l.late_days.windows(2).all(|w| w[0] < w[1]));
            for day in &l.late_days {
                prop_assert!(l.effective_deadline < *day && *day <= l.counted_as);
                prop_assert!(c.is_working_day(*day).unwrap());
            }
            prop_assert!(c.is_working_day(l.counted_as).unwrap());
            prop_assert!(c.is_working_day(l.effective_deadline).unwrap());
        }
    }
}

#[test]
fn embedded_file_is_the_reviewed_copy() {
    // FNV-1a 64 of the exact bytes of shared/data/cn-workdays.toml (checked 2026-11-22,
    // sha256 38f9ca5b…a40fd66a). The count checks above cannot see a holiday moved from one
    // weekday to another; this can. After a deliberate update (e.g. the 2027 notice), re-check
    // the file against the sources and update both numbers.
    let digest = EMBEDDED_TOML
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    assert_eq!(
        (EMBEDDED_TOML.len(), digest),
        (23_582, 0x8273_cd38_2a50_9a6e)
    );
}

#[test]
fn working_days_added_skip_weekends_and_holidays_and_count_tiaoxiu_saturdays() {
    let cal = WorkCalendar::embedded();
    let d = |s: &str| s.parse::<NaiveDate>().expect("date");
    // from Friday 2024-09-27: Sunday 09-29 is a 调休 working day, 国庆 10-01..07 is off
    assert_eq!(
        cal.add_working_days(d("2024-09-27"), 1).expect("covered"),
        d("2024-09-29")
    );
    assert_eq!(
        cal.add_working_days(d("2024-09-27"), 2).expect("covered"),
        d("2024-09-30")
    );
    assert_eq!(
        cal.add_working_days(d("2024-09-27"), 3).expect("covered"),
        d("2024-10-08")
    );
    assert_eq!(
        cal.add_working_days(d("2024-09-27"), 0).expect("covered"),
        d("2024-09-27")
    );
    assert!(
        cal.add_working_days(d("2017-06-01"), 1).is_err(),
        "outside the calendar"
    );
}

// ------------------------------------------------------------------------------- arrangements

/// A fictional 2027 arrangement (no 2027 notice had been published when this was written).
const FICTIONAL_2027: &str = r#"
year = 2027
source = "虚构（测试用）"
holidays = [
  { date = "2027-01-01", name = "元旦" },
  { date = "2027-05-01", name = "劳动节" },
  { date = "2027-05-02", name = "劳动节" },
  { date = "2027-05-03", name = "劳动节" },
  { date = "2027-05-04", name = "劳动节" },
  { date = "2027-05-05", name = "劳动节" },
]
workdays = ["2027-04-25", "2027-05-08"]
"#;

#[test]
fn an_arrangement_for_the_next_year_extends_the_coverage() {
    let a = Arrangement::from_toml_str(FICTIONAL_2027, "fictional-2027.toml").unwrap();
    let next = cal().with_arrangement(&a).unwrap();
    assert_eq!(next.coverage(), (d("2018-01-01"), d("2027-12-31")));
    assert!(
        next.is_working_day(d("2027-05-08")).unwrap(),
        "调休 Saturday"
    );
    assert!(!next.is_working_day(d("2027-05-03")).unwrap());
    assert!(next.is_provisional(d("2027-12-21")) && !next.is_provisional(d("2027-12-20")));
    assert_ne!(next.content_hash(), cal().content_hash());
    // Received on the 调休 Saturday: counted that day, three working days after 30 April.
    let l = next.lateness(d("2027-04-30"), d("2027-05-08")).unwrap();
    assert_eq!((l.counted_as, l.working_days_late), (d("2027-05-08"), 3));
    let changes = cal().changes_to(&next);
    assert!(changes.iter().all(|c| c.before == DayStatus::Uncovered));
    assert_eq!(changes.len(), 365);
    // Its own entries round-trip through the normalised form.
    assert_eq!(Arrangement::of_calendar(&next, 2027), Some(a.clone()));
    assert_eq!(Arrangement::from_toml_str(&a.to_toml(), "x").unwrap(), a);
}

#[test]
fn a_correction_replaces_only_its_span() {
    // The embedded 2019 arrangement, with 劳动节 as first published (1 day, before the revision).
    let mut a = Arrangement::of_calendar(cal(), 2019).unwrap();
    assert!(
        a.workdays.contains(&d("2018-12-29")),
        "the 2019 notice's 元旦 reaches into 2018"
    );
    for day in ["2019-05-02", "2019-05-03", "2019-05-04"] {
        a.holidays.remove(&d(day));
    }
    let next = cal().with_arrangement(&a).unwrap();
    assert_eq!(next.coverage(), cal().coverage());
    let changed: Vec<NaiveDate> = cal().changes_to(&next).iter().map(|c| c.date).collect();
    assert_eq!(
        changed,
        vec![d("2019-05-02"), d("2019-05-03"), d("2019-05-04")]
    );
}

#[test]
fn arrangements_out_of_reach_are_refused() {
    let a = Arrangement::new(2028, vec![(d("2028-01-01"), "元旦".into())], vec![], "x").unwrap();
    let e = cal().with_arrangement(&a).unwrap_err().to_string();
    assert!(e.contains("2018 to 2027"), "{e}");
    for (bad, expect) in [
        ("\"2027-04-25\", \"2027-05-08\"", "ok"),
        ("\"2027-04-26\"", "Monday"),
        ("\"2027-12-25\"", "outside what the 2027 notice fixes"),
        ("\"2027-05-01\"", "also listed as a holiday"),
    ] {
        let src = FICTIONAL_2027.replace("\"2027-04-25\", \"2027-05-08\"", bad);
        match Arrangement::from_toml_str(&src, "x") {
            Ok(_) => assert_eq!(expect, "ok"),
            Err(e) => assert!(e.to_string().contains(expect), "{bad}: {e}"),
        }
    }
}
