use std::collections::BTreeSet;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::patterns::all_patterns;
use super::*;
use crate::calendar::WorkCalendar;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            "../../../../../tests/fixtures/calendar/notices/",
            $name
        ))
    };
}

/// The notice for each year, as published.
const NOTICES: [(i32, &str); 9] = [
    (2018, fixture!("2018.txt")),
    (2019, fixture!("2019.txt")),
    (2020, fixture!("2020.txt")),
    (2021, fixture!("2021.txt")),
    (2022, fixture!("2022.txt")),
    (2023, fixture!("2023.txt")),
    (2024, fixture!("2024.txt")),
    (2025, fixture!("2025.txt")),
    (2026, fixture!("2026.txt")),
];
const LABOUR_DAY_2019: &str = fixture!("2019-labour-day-revision.txt");
const SPRING_FESTIVAL_2020: &str = fixture!("2020-spring-festival-extension.txt");
const FICTIONAL_2027: &str = fixture!("2027-fictional.txt");

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn embedded(year: i32) -> Arrangement {
    Arrangement::of_calendar(WorkCalendar::embedded(), year).unwrap()
}

fn read(text: &str, current: Option<&Arrangement>) -> Arrangement {
    read_notice(text, "test", current).unwrap_or_else(|e| panic!("{e}"))
}

/// The message of the error `text` gives, checked to be in Chinese: the origin is passed
/// through, and the message has Han characters and no Latin letters.
fn error(text: &str, current: Option<&Arrangement>) -> String {
    match read_notice(text, "notice.txt", current) {
        Err(CalendarError::Invalid { origin, message }) => {
            assert_eq!(origin, "notice.txt");
            assert!(
                message
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                    && !message.chars().any(|c| c.is_ascii_alphabetic()),
                "not a Chinese message: {message}"
            );
            message
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// The notice with one passage replaced (which must occur exactly once).
fn edited(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?}");
    text.replace(from, to)
}

/// Dates only in `a` or only in `b`.
fn differing<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<T> {
    a.symmetric_difference(b).cloned().collect()
}

fn holiday_dates(a: &Arrangement) -> BTreeSet<NaiveDate> {
    a.holidays.keys().copied().collect()
}

#[test]
fn every_pattern_compiles() {
    for (i, re) in all_patterns().iter().enumerate() {
        assert!(re.is_some(), "pattern {i}");
    }
}

#[test]
fn each_years_notice_gives_the_embedded_arrangement() {
    for (year, text) in NOTICES {
        let mut got = read(text, None);
        match year {
            2019 => got = read(LABOUR_DAY_2019, Some(&got)),
            2020 => got = read(SPRING_FESTIVAL_2020, Some(&got)),
            _ => {}
        }
        assert_eq!(got, embedded(year), "{year}");
    }
}

#[test]
fn the_main_notice_alone_differs_in_exactly_the_revised_days() {
    for (year, text, revision, holidays, workdays) in [
        (
            2019,
            NOTICES[1].1,
            LABOUR_DAY_2019,
            vec!["2019-05-02", "2019-05-03", "2019-05-04"],
            vec!["2019-04-28", "2019-05-05"],
        ),
        (
            2020,
            NOTICES[2].1,
            SPRING_FESTIVAL_2020,
            vec!["2020-01-31", "2020-02-01", "2020-02-02"],
            vec!["2020-02-01"],
        ),
    ] {
        let main = read(text, None);
        let revised = read(revision, Some(&main));
        let want = embedded(year);
        assert_eq!(revised, want);
        assert_eq!(
            differing(&holiday_dates(&main), &holiday_dates(&want)),
            holidays.iter().map(|s| d(s)).collect::<Vec<_>>(),
            "{year} holidays"
        );
        assert_eq!(
            differing(&main.workdays, &want.workdays),
            workdays.iter().map(|s| d(s)).collect::<Vec<_>>(),
            "{year} workdays"
        );
        // The days both hold keep their names.
        for (day, name) in &main.holidays {
            assert_eq!(want.holidays.get(day), Some(name), "{year} {day}");
        }
    }
}

#[test]
fn the_kind_of_notice_is_read_from_the_title() {
    let head = |text| identify_notice(text, "x").unwrap();
    assert_eq!(
        head(NOTICES[6].1),
        NoticeHead {
            year: 2024,
            kind: NoticeKind::Arrangement
        }
    );
    let labour = head(LABOUR_DAY_2019);
    assert_eq!(
        labour.kind,
        NoticeKind::Adjustment {
            holiday: "劳动节".into()
        }
    );
    assert!(labour.is_revision() && labour.year == 2019);
    assert_eq!(
        head(SPRING_FESTIVAL_2020),
        NoticeHead {
            year: 2020,
            kind: NoticeKind::Extension {
                holiday: "春节".into()
            }
        }
    );
    // Without the title, from the opening sentence.
    let body = NOTICES[6].1.split_once("通知\n国办").unwrap().1;
    assert_eq!(head(body).year, 2024);
}

#[test]
fn ascii_punctuation_and_stray_whitespace_read_the_same() {
    for (year, text) in NOTICES {
        let ascii = text
            .replace('：', ":")
            .replace('，', ",")
            .replace('（', "(")
            .replace('）', ")");
        // Spaces and line breaks between characters, full-width spaces, CRLF, full-width digits.
        let spaced: String = ascii
            .chars()
            .enumerate()
            .map(|(i, c)| match (c, i % 7) {
                ('\n', _) => "\r\n".to_owned(),
                (_, 3) => format!("{c} "),
                (_, 5) => format!("{c}\u{3000}"),
                _ => c.to_string(),
            })
            .collect();
        assert_eq!(read(&spaced, None), read(text, None), "{year}");
        let wide: String = text
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(n) => char::from_u32(0xFF10 + n).unwrap(),
                None => c,
            })
            .collect();
        assert_eq!(read(&wide, None), read(text, None), "{year}");
        // Broken across lines mid-sentence, as copied from a PDF.
        let wrapped = text
            .replace("日至", "日\n至")
            .replace("放假调休", "放假\n调休");
        assert_eq!(read(&wrapped, None), read(text, None), "{year}");
    }
}

#[test]
fn an_arrangement_notice_ignores_the_current_arrangement() {
    let current = embedded(2024);
    assert_eq!(read(NOTICES[6].1, Some(&current)), current);
    assert_eq!(read(NOTICES[6].1, Some(&embedded(2023))), current);
}

#[test]
fn the_fictional_2027_notice_extends_the_calendar() {
    assert!(FICTIONAL_2027.contains("（虚构，仅供测试）"));
    assert!(FICTIONAL_2027.contains("本文件为虚构的测试材料，并非国务院办公厅发布的通知。"));
    assert!(FICTIONAL_2027.contains(
        "四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。"
    ));
    let a = read(FICTIONAL_2027, None);
    assert_eq!(a.year, 2027);
    let names: BTreeSet<&str> = a.holidays.values().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "元旦",
            "春节",
            "清明节",
            "劳动节",
            "端午节",
            "中秋节",
            "国庆节"
        ])
    );
    let next = WorkCalendar::embedded().with_arrangement(&a).unwrap();
    assert_eq!(next.coverage().1, d("2027-12-31"));
    assert!(next.is_working_day(d("2027-05-08")).unwrap());
    assert!(!next.is_working_day(d("2027-05-05")).unwrap());
    assert_eq!(next.holiday_name(d("2027-06-09")), Some("端午节"));
    assert_eq!(a.holidays.len(), 3 + 8 + 3 + 5 + 1 + 1 + 7);
    assert_eq!(a.workdays.len(), 6);
}

// ------------------------------------------------------------------------------- errors

#[test]
fn a_wrong_weekday_is_refused() {
    let text = edited(NOTICES[6].1, "2月4日（星期日）", "2月4日（星期六）");
    let e = error(&text, None);
    assert!(
        e.starts_with("二、春节：2月4日标注为星期六，实为星期日"),
        "{e}"
    );
    assert!(
        e.contains("原文：“2月4日（星期六）、2月18日（星期日）上班”"),
        "{e}"
    );
    // The 2025/2026 style, inside a remark with the lunar date.
    let text = edited(NOTICES[7].1, "农历除夕、周二", "农历除夕、周三");
    let e = error(&text, None);
    assert!(e.contains("二、春节：1月28日标注为周三，实为周二"), "{e}");
}

#[test]
fn a_wrong_day_count_is_refused() {
    let text = edited(NOTICES[6].1, "共8天", "共9天");
    let e = error(&text, None);
    assert!(
        e.contains("二、春节：2月10日至2月17日共8天，但写的是“共9天”"),
        "{e}"
    );
    let text = edited(NOTICES[7].1, "放假1天", "放假2天");
    let e = error(&text, None);
    assert!(e.contains("一、元旦：") && e.contains("“放假2天”"), "{e}");
}

#[test]
fn a_workday_that_is_no_weekend_day_is_refused() {
    let text = edited(NOTICES[6].1, "4月7日（星期日）", "4月8日（星期一）");
    let e = error(&text, None);
    assert!(
        e.contains("三、清明节：4月8日（星期一）上班，但调休上班日只能是周六或周日"),
        "{e}"
    );
}

#[test]
fn a_day_that_does_not_join_a_weekend_is_refused() {
    let text = edited(NOTICES[6].1, "6月10日放假", "6月12日放假");
    let e = error(&text, None);
    assert!(
        e.contains("五、端午节：写明“与周末连休”，但6月12日前后都不是周末"),
        "{e}"
    );
}

#[test]
fn a_notice_without_a_year_is_refused() {
    let text = edited(NOTICES[6].1, "关于2024年\n部分", "关于\n部分");
    let text = edited(&text, "现将2024年", "现将");
    let e = error(&text, None);
    assert!(e.starts_with("未找到通知的年份"), "{e}");
}

#[test]
fn a_revision_without_the_current_arrangement_is_refused() {
    let e = error(LABOUR_DAY_2019, None);
    assert!(
        e.contains("修订通知") && e.contains("没有提供当前安排"),
        "{e}"
    );
    let e = error(SPRING_FESTIVAL_2020, None);
    assert!(e.contains("延长2020年春节假期"), "{e}");
    let e = error(LABOUR_DAY_2019, Some(&embedded(2020)));
    assert!(e.contains("当前安排却是2020年的"), "{e}");
}

#[test]
fn a_text_that_is_no_notice_is_refused() {
    for text in ["", "今天天气很好。", "Hello, world", "# 只有注释\n"] {
        let e = error(text, None);
        assert!(e.starts_with("这不是节假日安排通知"), "{text:?}: {e}");
    }
    let e = error(
        "国务院办公厅关于2024年部分节假日安排的通知\n各地：略。",
        None,
    );
    assert!(e.starts_with("未找到任何节日分节"), "{e}");
}

#[test]
fn sentences_the_reader_does_not_understand_are_refused_not_skipped() {
    for (from, to, expect) in [
        // A range written with a dash.
        ("2月10日至17日", "2月10日-17日", "二、春节：无法识别这一句"),
        (
            "2月10日至17日",
            "2月17日至10日",
            "结束日期2月10日早于开始日期2月17日",
        ),
        (
            "2月10日至17日",
            "2月30日至31日",
            "2024年2月30日不是有效日期",
        ),
        (
            "4月4日至6日",
            "12月24日至26日",
            "2024年12月24日不在2024年通知所安排的时段",
        ),
        (
            "6月10日放假",
            "6月10日放假，6月11日补休",
            "无法识别“6月11日补休”",
        ),
        ("5月1日至5日", "5月1日至4日放假，5月5日", "无法识别"),
        (
            "七、国庆节",
            "八、国庆节",
            "分节序号不连续：第7节写作“八、国庆节”",
        ),
        ("七、国庆节", "七、国庆", "开头列出的节日"),
        (
            "9月15日至17日",
            "10月1日至3日",
            "10月1日已在“六、中秋节”中列为假日",
        ),
    ] {
        let text = edited(NOTICES[6].1, from, to);
        let e = error(&text, None);
        assert!(e.contains(expect), "{to}: {e}");
    }
    let text = edited(NOTICES[7].1, "不调休。", "不调休。1月4日（周六）上班。");
    assert!(error(&text, None).contains("写明“不调休”，却又安排了上班日"));
}

#[test]
fn revisions_that_do_not_fit_the_current_arrangement_are_refused() {
    let main_2020 = read(NOTICES[2].1, None);
    let e = error(
        &edited(
            SPRING_FESTIVAL_2020,
            "至2月2日（农历正月初九，星期日）",
            "至1月29日",
        ),
        Some(&main_2020),
    );
    assert!(
        e.contains("延长至1月29日，但原来的春节假期已到1月30日"),
        "{e}"
    );
    let e = error(
        &edited(
            SPRING_FESTIVAL_2020,
            "2月3日（星期一）起",
            "2月4日（星期二）起",
        ),
        Some(&main_2020),
    );
    assert!(e.contains("恢复上班的日子应为次日"), "{e}");
    let e = error(
        &edited(
            SPRING_FESTIVAL_2020,
            "农历正月初九，星期日",
            "农历正月初九，星期六",
        ),
        Some(&main_2020),
    );
    assert!(e.contains("2月2日标注为星期六，实为星期日"), "{e}");

    // An adjustment of 2026's 国庆节 that does not restate 10月10日: was that 上班 day 国庆节's?
    let adjustment = LABOUR_DAY_2019
        .replace("2019", "2026")
        .replace("劳动节", "国庆节")
        .replace("5月1日至4日放假调休，共4天", "10月1日至8日放假调休，共8天")
        .replace("4月28日（星期日）、5月5日（星期日）", "9月20日（星期日）");
    let e = error(&adjustment, Some(&embedded(2026)));
    assert!(
        e.contains("原安排中10月10日（星期六）上班") && e.contains("无法判断"),
        "{e}"
    );
    // Restating it settles it.
    let settled = adjustment.replace("9月20日（星期日）", "9月20日（星期日）、10月10日（星期六）");
    let a = read(&settled, Some(&embedded(2026)));
    assert_eq!(
        a.holidays.get(&d("2026-10-08")).map(String::as_str),
        Some("国庆节")
    );
    assert_eq!(a.workdays, embedded(2026).workdays);
    // There is no 重阳节 to adjust.
    let e = error(
        &LABOUR_DAY_2019.replace("劳动节", "重阳节"),
        Some(&embedded(2019)),
    );
    assert!(e.contains("当前的2019年安排中没有重阳节"), "{e}");
}

// ------------------------------------------------------------------------------- robustness

#[test]
fn long_and_adversarial_inputs_end_quickly() {
    let started = std::time::Instant::now();
    let too_long = "一".repeat(MAX_CHARS + 1);
    assert!(error(&too_long, None).starts_with("文本超过"));
    // Just under the limit: patterns that would make a backtracking engine explode.
    let unit = "1月1日（周五、";
    let nested = format!(
        "关于2027年部分节假日安排的通知一、元旦：{}放假",
        unit.repeat((MAX_CHARS - 40) / unit.chars().count())
    );
    let heading = "一、元旦、".repeat((MAX_CHARS - 40) / 5);
    let listed = format!(
        "关于2027年部分节假日安排的通知。{}",
        "1月2日、".repeat(MAX_CHARS / 6)
    );
    for text in [nested, heading, listed] {
        assert!(text.chars().count() <= MAX_CHARS);
        let _ = read_notice(&text, "x", None);
    }
    // Generous for a debug build on a loaded machine; a blow-up would take far longer.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

/// Characters the notices are made of, to reach deep into the reader with random text.
const NOTICE_CHARS: &str = "[一二三四五六七八九十、：:，,（()）0-9０-９年月日至放假调休共天上班周星期与末连不除夕农历。关于部分节假日安排的通知现将元旦春节清明劳动端午中秋国庆延长调整正常起# \n]{0,300}";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), noticeish in NOTICE_CHARS) {
        let current = embedded(2024);
        for t in [&text, &noticeish] {
            let _ = read_notice(t, "x", None);
            let _ = read_notice(t, "x", Some(&current));
            let _ = identify_notice(t, "x");
        }
    }

    #[test]
    fn mutated_notices_never_panic(
        which in 0usize..12,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..8),
    ) {
        let all: Vec<&str> = NOTICES
            .iter()
            .map(|(_, t)| *t)
            .chain([LABOUR_DAY_2019, SPRING_FESTIVAL_2020, FICTIONAL_2027])
            .collect();
        let mut chars: Vec<char> = all[which].chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                0 => chars.insert(i, c),
                1 if i < chars.len() => { chars.remove(i); }
                _ if i < chars.len() => chars[i] = c,
                _ => {}
            }
        }
        let text: String = chars.into_iter().collect();
        let current = [embedded(2019), embedded(2020)];
        let _ = read_notice(&text, "x", None);
        for c in &current {
            let _ = read_notice(&text, "x", Some(c));
        }
    }
}
