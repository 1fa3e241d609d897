//! Dates and times, rendered through date/time number formats.

use calamine::ExcelDateTime;

use super::tokens::{general, Tok};

/// A date code over a serial number (1900 date system).
pub(super) fn render_date(toks: &[Tok], value: f64) -> String {
    if !value.is_finite() || !(0.0..2_958_466.0).contains(&value) {
        return general(value);
    }
    let parts =
        ExcelDateTime::new(value, calamine::ExcelDateTimeType::DateTime, false).to_ymd_hms_milli();
    render_date_parts(toks, value, parts)
}

const WEEKDAYS_EN: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const WEEKDAYS_ZH: [&str; 7] = ["日", "一", "二", "三", "四", "五", "六"];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub(super) fn render_date_parts(
    toks: &[Tok],
    serial: f64,
    (year, month, day, hour, minute, second, milli): (u16, u8, u8, u8, u8, u8, u16),
) -> String {
    let twelve_hour = toks
        .iter()
        .any(|t| matches!(t, Tok::Date(d) if d == "am/pm" || d == "a/p" || d == "上午/下午"));
    // Serial 0 is Sunday 1900-01-00 in Excel's reckoning, 1 Sunday 1900-01-01 … (Excel treats
    // 1900 as a leap year; for the serials after it, weekday = serial mod 7, 0 = Saturday).
    let weekday = ((serial.floor() as i64 + 6).rem_euclid(7)) as usize;
    let month_name = MONTHS_EN
        .get(usize::from(month.max(1)) - 1)
        .copied()
        .unwrap_or("");

    // m/mm after an hour or before seconds is minutes.
    let kinds: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t, Tok::Date(_)))
        .map(|(i, _)| i)
        .collect();
    let is_minute = |index: usize| -> bool {
        let pos = kinds.iter().position(|&k| k == index);
        let Some(pos) = pos else { return false };
        let prev = pos
            .checked_sub(1)
            .and_then(|p| kinds.get(p))
            .and_then(|&k| toks.get(k));
        let next = kinds.get(pos + 1).and_then(|&k| toks.get(k));
        matches!(prev, Some(Tok::Date(d)) if d.starts_with('h') || d.starts_with("[h"))
            || matches!(next, Some(Tok::Date(d)) if d.starts_with('s') || d.starts_with("[s"))
    };

    let total_seconds = (serial * 86_400.0).round();
    let mut out = String::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Date(d) => match d.as_str() {
                "am/pm" => out.push_str(if hour < 12 { "AM" } else { "PM" }),
                "a/p" => out.push_str(if hour < 12 { "A" } else { "P" }),
                "上午/下午" => out.push_str(if hour < 12 { "上午" } else { "下午" }),
                "[h]" | "[hh]" => out.push_str(&format!("{}", (total_seconds / 3600.0).floor())),
                "[m]" | "[mm]" => out.push_str(&format!("{}", (total_seconds / 60.0).floor())),
                "[s]" | "[ss]" => out.push_str(&format!("{total_seconds}")),
                d if d.starts_with('y') || d.starts_with('e') => {
                    if d.len() <= 2 && d.starts_with('y') {
                        out.push_str(&format!("{:02}", year % 100));
                    } else {
                        out.push_str(&year.to_string());
                    }
                }
                d if d.starts_with('m') => {
                    if is_minute(i) {
                        push_padded(&mut out, minute, d.len() >= 2);
                    } else {
                        match d.len() {
                            1 | 2 => push_padded(&mut out, month, d.len() == 2),
                            3 => out.push_str(month_name.get(..3).unwrap_or(month_name)),
                            4 => out.push_str(month_name),
                            _ => out.push_str(month_name.get(..1).unwrap_or(month_name)),
                        }
                    }
                }
                d if d.starts_with('d') => match d.len() {
                    1 | 2 => push_padded(&mut out, day, d.len() == 2),
                    3 => out.push_str(WEEKDAYS_EN[weekday].get(..3).unwrap_or_default()),
                    _ => out.push_str(WEEKDAYS_EN[weekday]),
                },
                d if d.starts_with('a') => {
                    if d.len() >= 4 {
                        out.push_str("星期");
                    }
                    out.push_str(WEEKDAYS_ZH[weekday]);
                }
                d if d.starts_with('h') => {
                    let h = if twelve_hour {
                        match hour % 12 {
                            0 => 12,
                            h => h,
                        }
                    } else {
                        hour
                    };
                    push_padded(&mut out, h, d.len() >= 2);
                }
                d if d.starts_with('s') => push_padded(&mut out, second, d.len() >= 2),
                _ => {}
            },
            Tok::SubSecond(n) => {
                out.push('.');
                let digits = format!("{milli:03}");
                out.push_str(&digits[..(*n).min(3)]);
                for _ in 3..*n {
                    out.push('0');
                }
            }
            Tok::Digit(d) => out.push(*d),
            Tok::Point => out.push('.'),
            Tok::Comma => out.push(','),
            Tok::Percent => out.push('%'),
            Tok::Slash => out.push('/'),
            Tok::Exp(_) | Tok::General | Tok::At => {}
        }
    }
    out
}

fn push_padded(out: &mut String, n: u8, pad: bool) {
    if pad {
        out.push_str(&format!("{n:02}"));
    } else {
        out.push_str(&n.to_string());
    }
}
