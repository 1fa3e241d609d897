//! Cell values as Excel displays them: number formats, tokenized and applied.

use calamine::{DataRef, ExcelDateTime};
use rust_decimal::{Decimal, RoundingStrategy};

use super::dates::{render_date, render_date_parts};
use super::tokens::{general, Tok};

pub(super) fn display(value: &DataRef<'_>, format: Option<&NumFmt>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => normalize_text(s),
        DataRef::SharedString(s) => normalize_text(s),
        DataRef::Bool(true) => "TRUE".into(),
        DataRef::Bool(false) => "FALSE".into(),
        DataRef::Error(e) => e.to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Int(i) => match format {
            Some(f) if !f.general => format_number(*i as f64, f),
            _ => i.to_string(),
        },
        DataRef::Float(x) => match format {
            Some(f) if !f.general => format_number(*x, f),
            _ => general(*x),
        },
        DataRef::DateTime(dt) => match format {
            Some(f) => format_datetime(dt, f),
            None => general(dt.as_f64()),
        },
    }
}

/// A date or time value through its format: a date code renders its parts, a number code
/// the serial number.
pub(super) fn format_datetime(dt: &ExcelDateTime, format: &NumFmt) -> String {
    let value = dt.as_f64();
    let Some(toks) = format.sections.first() else {
        return general(value);
    };
    if !toks.iter().any(|t| matches!(t, Tok::Date(_))) {
        return format_number(value, format);
    }
    if dt.is_duration() {
        return render_date(toks, value);
    }
    if !(0.0..2_958_466.0).contains(&value) {
        // Excel shows "#######" for dates it cannot show; the number says more.
        return general(value);
    }
    render_date_parts(toks, value, dt.to_ymd_hms_milli())
}

/// A number format, split into its sections and tokenized.
pub(super) struct NumFmt {
    /// Plain General: no section, no literal.
    general: bool,
    pub(super) sections: Vec<Vec<Tok>>,
}

impl NumFmt {
    pub(super) fn new(code: &str, id: Option<u32>) -> NumFmt {
        let code = effective_code(code, id);
        NumFmt {
            general: is_general(&code),
            sections: sections(&code).into_iter().map(tokenize).collect(),
        }
    }
}

fn normalize_text(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    }
}

fn is_general(code: &str) -> bool {
    code.trim().eq_ignore_ascii_case("general") || code.trim().is_empty()
}

/// The format code Excel shows for a cell in a Chinese (zh-CN) installation: the built-in
/// formats that depend on the locale are spelled out; the file's own code otherwise.
fn effective_code(code: &str, id: Option<u32>) -> String {
    let builtin = match id {
        Some(5) | Some(6) => Some("\"¥\"#,##0;\"¥\"-#,##0"),
        Some(7) | Some(8) => Some("\"¥\"#,##0.00;\"¥\"-#,##0.00"),
        Some(14) => Some("yyyy/m/d"),
        Some(22) => Some("yyyy/m/d h:mm"),
        Some(27) | Some(36) | Some(50) | Some(52) | Some(57) => Some("yyyy\"年\"m\"月\""),
        Some(28) | Some(29) | Some(51) | Some(53) | Some(54) | Some(58) => Some("m\"月\"d\"日\""),
        Some(30) => Some("m-d-yy"),
        Some(31) => Some("yyyy\"年\"m\"月\"d\"日\""),
        Some(32) => Some("h\"时\"mm\"分\""),
        Some(33) => Some("h\"时\"mm\"分\"ss\"秒\""),
        Some(34) | Some(55) => Some("上午/下午h\"时\"mm\"分\""),
        Some(35) | Some(56) => Some("上午/下午h\"时\"mm\"分\"ss\"秒\""),
        _ => None,
    };
    // Only when the file does not define the id itself: calamine hands over the file's code
    // for custom ids, the ECMA default (or General) for built-in ones.
    match builtin {
        Some(b) if is_builtin_default(code, id) => b.to_string(),
        _ => code.to_string(),
    }
}

fn is_builtin_default(code: &str, id: Option<u32>) -> bool {
    match id {
        Some(14) => code == "mm-dd-yy",
        Some(22) => code == "m/d/yy h:mm",
        _ => is_general(code),
    }
}

/// Splits a format code into its sections at the `;` outside quotes, escapes and brackets.
fn sections(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut bracket = false;
    let mut escaped = false;
    for (i, ch) in code.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '\\' | '_' | '*' if !quoted && !bracket => escaped = true,
            '"' if !bracket => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            ';' if !quoted && !bracket => {
                out.push(&code[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&code[start..]);
    out
}

fn tokenize(section: &str) -> Vec<Tok> {
    let chars: Vec<char> = section.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let push_lit = |toks: &mut Vec<Tok>, s: &str| {
        if let Some(Tok::Lit(prev)) = toks.last_mut() {
            prev.push_str(s);
        } else {
            toks.push(Tok::Lit(s.to_string()));
        }
    };
    while i < chars.len() {
        let ch = chars[i];
        match ch {
            '"' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    s.push(chars[i]);
                    i += 1;
                }
                push_lit(&mut toks, &s);
                i += 1;
            }
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    push_lit(&mut toks, &next.to_string());
                }
                i += 2;
            }
            // Padding to the width of a character, and fill: column-width effects, dropped.
            '_' | '*' => i += 2,
            '[' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != ']' {
                    s.push(chars[i]);
                    i += 1;
                }
                i += 1;
                let lower = s.to_ascii_lowercase();
                if let Some(currency) = s.strip_prefix('$') {
                    // [$¥-804]: a currency symbol and a locale; [$-804]: a locale only.
                    let symbol = currency.split('-').next().unwrap_or_default();
                    if !symbol.is_empty() {
                        push_lit(&mut toks, symbol);
                    }
                } else if !lower.is_empty() && lower.chars().all(|c| matches!(c, 'h' | 'm' | 's')) {
                    toks.push(Tok::Date(format!("[{lower}]")));
                }
                // Colours, conditions, [DBNum1] …: ignored.
            }
            '0' | '#' | '?' => {
                toks.push(Tok::Digit(ch));
                i += 1;
            }
            '.' => {
                // After seconds, `.0`… is a fraction of a second.
                let zeros = chars[i + 1..].iter().take_while(|&&c| c == '0').count();
                let after_seconds = toks
                    .iter()
                    .rev()
                    .find(|t| !matches!(t, Tok::Lit(_)))
                    .is_some_and(
                        |t| matches!(t, Tok::Date(d) if d.starts_with('s') || d.starts_with('[')),
                    );
                if zeros > 0 && after_seconds {
                    toks.push(Tok::SubSecond(zeros));
                    i += 1 + zeros;
                } else {
                    toks.push(Tok::Point);
                    i += 1;
                }
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            '%' => {
                toks.push(Tok::Percent);
                i += 1;
            }
            '@' => {
                toks.push(Tok::At);
                i += 1;
            }
            'E' | 'e'
                if matches!(chars.get(i + 1), Some('+') | Some('-'))
                    && toks.iter().any(|t| matches!(t, Tok::Digit(_))) =>
            {
                toks.push(Tok::Exp(chars[i + 1] == '+'));
                i += 2;
            }
            '/' if matches!(toks.last(), Some(Tok::Digit(_)))
                && matches!(chars.get(i + 1), Some('0' | '#' | '?' | '1'..='9')) =>
            {
                toks.push(Tok::Slash);
                i += 1;
            }
            _ => {
                let rest: String = chars[i..].iter().collect();
                let lower_rest = rest.to_ascii_lowercase();
                if lower_rest.starts_with("general") {
                    toks.push(Tok::General);
                    i += "general".len();
                } else if lower_rest.starts_with("am/pm") {
                    toks.push(Tok::Date("am/pm".into()));
                    i += 5;
                } else if lower_rest.starts_with("a/p") {
                    toks.push(Tok::Date("a/p".into()));
                    i += 3;
                } else if rest.starts_with("上午/下午") {
                    toks.push(Tok::Date("上午/下午".into()));
                    i += 5;
                } else if matches!(
                    ch.to_ascii_lowercase(),
                    'y' | 'm' | 'd' | 'h' | 's' | 'e' | 'a'
                ) && (!ch.eq_ignore_ascii_case(&'a')
                    || chars[i..]
                        .iter()
                        .take_while(|c| c.eq_ignore_ascii_case(&'a'))
                        .count()
                        >= 3)
                {
                    let lower = ch.to_ascii_lowercase();
                    let n = chars[i..]
                        .iter()
                        .take_while(|c| c.to_ascii_lowercase() == lower)
                        .count();
                    toks.push(Tok::Date(std::iter::repeat_n(lower, n).collect()));
                    i += n;
                } else {
                    push_lit(&mut toks, &ch.to_string());
                    i += 1;
                }
            }
        }
    }
    toks
}

/// A number through a format.
pub(super) fn format_number(value: f64, format: &NumFmt) -> String {
    if !value.is_finite() {
        return "#NUM!".into();
    }
    let secs = &format.sections;
    // Conditions and colours aside, Excel picks the section by sign: positive; negative;
    // zero; text. A negative value shown by its own section loses its minus sign.
    let index = match secs.len() {
        0 | 1 => 0,
        2 => usize::from(value < 0.0),
        _ if value < 0.0 => 1,
        _ if value == 0.0 => 2,
        _ => 0,
    };
    let Some(toks) = secs.get(index) else {
        return general(value);
    };
    if toks.iter().any(|t| matches!(t, Tok::Date(_))) {
        // A date code on a value calamine did not see as a date (a later section).
        return render_date(toks, value);
    }
    if toks.iter().any(|t| matches!(t, Tok::Slash)) {
        return general(value);
    }
    render_number(toks, value, secs.len() <= 1)
}

fn render_number(toks: &[Tok], value: f64, negative_sign: bool) -> String {
    let has_digits = toks.iter().any(|t| matches!(t, Tok::Digit(_)));
    let has_general = toks.iter().any(|t| matches!(t, Tok::General | Tok::At));
    let percents = toks.iter().filter(|t| matches!(t, Tok::Percent)).count();
    let mut x = value.abs();
    for _ in 0..percents {
        x *= 100.0;
    }

    let number = if has_digits {
        let spec = NumberSpec::of(toks);
        for _ in 0..spec.thousands_scaling {
            x /= 1000.0;
        }
        spec.render(x)
    } else if has_general {
        general(x)
    } else {
        String::new()
    };
    let zero_shown = number
        .chars()
        .all(|c| matches!(c, '0' | '.' | ',' | 'E' | '+' | '-'));
    let minus = negative_sign && value < 0.0 && !(zero_shown && has_digits);

    let mut out = String::new();
    if minus {
        out.push('-');
    }
    let mut placed = false;
    for t in toks {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Percent => out.push('%'),
            Tok::Digit(_) | Tok::Point | Tok::Comma | Tok::Exp(_) | Tok::General | Tok::At => {
                if !placed && (has_digits || matches!(t, Tok::General | Tok::At)) {
                    out.push_str(&number);
                    placed = true;
                }
            }
            Tok::Slash | Tok::Date(_) | Tok::SubSecond(_) => {}
        }
    }
    out
}

struct NumberSpec {
    int_zeros: usize,
    grouping: bool,
    thousands_scaling: usize,
    frac_max: usize,
    frac_min: usize,
    exponent: Option<(bool, usize)>,
}

impl NumberSpec {
    fn of(toks: &[Tok]) -> NumberSpec {
        let mut spec = NumberSpec {
            int_zeros: 0,
            grouping: false,
            thousands_scaling: 0,
            frac_max: 0,
            frac_min: 0,
            exponent: None,
        };
        let mut in_frac = false;
        let mut exp_digits = 0;
        let mut pending_commas = 0;
        for t in toks {
            if let Some((plus, _)) = spec.exponent {
                if let Tok::Digit(_) = t {
                    exp_digits += 1;
                    spec.exponent = Some((plus, exp_digits));
                }
                continue;
            }
            match t {
                Tok::Digit(d) => {
                    if in_frac {
                        spec.frac_max += 1;
                        if *d == '0' {
                            spec.frac_min = spec.frac_max;
                        }
                    } else {
                        if pending_commas > 0 {
                            spec.grouping = true;
                            pending_commas = 0;
                        }
                        if *d == '0' {
                            spec.int_zeros += 1;
                        }
                    }
                }
                Tok::Comma if !in_frac => pending_commas += 1,
                Tok::Point => {
                    in_frac = true;
                    spec.thousands_scaling += pending_commas;
                    pending_commas = 0;
                }
                Tok::Exp(plus) => {
                    spec.thousands_scaling += pending_commas;
                    pending_commas = 0;
                    spec.exponent = Some((*plus, 0));
                }
                _ => {}
            }
        }
        if !in_frac && spec.exponent.is_none() {
            spec.thousands_scaling += pending_commas;
        }
        spec.frac_max = spec.frac_max.min(28);
        spec.frac_min = spec.frac_min.min(spec.frac_max);
        spec
    }

    fn render(&self, x: f64) -> String {
        if let Some((plus, exp_digits)) = self.exponent {
            let mut exp = if x == 0.0 {
                0
            } else {
                x.log10().floor() as i32
            };
            let mut mantissa = x / 10f64.powi(exp);
            let mut fixed = fixed_decimals(mantissa, self.frac_max);
            if fixed.0.len() > 1 {
                // Rounding carried to 10.
                exp += 1;
                mantissa = x / 10f64.powi(exp);
                fixed = fixed_decimals(mantissa, self.frac_max);
            }
            let mut s = self.assemble(fixed);
            s.push('E');
            if exp < 0 {
                s.push('-');
            } else if plus {
                s.push('+');
            }
            s.push_str(&format!(
                "{:0width$}",
                exp.unsigned_abs(),
                width = exp_digits.max(1)
            ));
            return s;
        }
        self.assemble(fixed_decimals(x, self.frac_max))
    }

    fn assemble(&self, (int, frac): (String, String)) -> String {
        let mut int = int;
        if int == "0" && self.int_zeros == 0 {
            int.clear();
        }
        while int.len() < self.int_zeros {
            int.insert(0, '0');
        }
        if self.grouping && int.len() > 3 {
            let mut grouped = String::with_capacity(int.len() + int.len() / 3);
            for (i, ch) in int.chars().enumerate() {
                if i > 0 && (int.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(ch);
            }
            int = grouped;
        }
        let mut frac = frac;
        while frac.len() > self.frac_min && frac.ends_with('0') {
            frac.pop();
        }
        if self.frac_max > 0 {
            // Excel keeps the point even when optional digits (`#`) drop out.
            format!("{int}.{frac}")
        } else {
            int
        }
    }
}

/// `x` (not negative) rounded half away from zero to `decimals` places, as integer and
/// fraction digits, after the 15 significant digits Excel keeps.
fn fixed_decimals(x: f64, decimals: usize) -> (String, String) {
    let exact = Decimal::from_scientific(&format!("{x:.14e}"))
        .ok()
        .map(|d| d.round_dp_with_strategy(decimals as u32, RoundingStrategy::MidpointAwayFromZero));
    let text = match exact {
        Some(d) => d.abs().to_string(),
        None => format!("{x:.decimals$}"),
    };
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut frac: String = frac.chars().take(decimals).collect();
    while frac.len() < decimals {
        frac.push('0');
    }
    let int = if int.is_empty() { "0" } else { int };
    (int.to_string(), frac)
}
