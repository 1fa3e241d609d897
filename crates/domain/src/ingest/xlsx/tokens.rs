//! What number formats and date formats share: a format's tokens, and Excel's General
//! rendering of a number. Both `numfmt` and `dates` use these; `numfmt` also uses `dates`, and
//! `dates` nothing of `numfmt`, so the two do not import each other.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Lit(String),
    /// `0`, `#` or `?`.
    Digit(char),
    Point,
    Comma,
    Percent,
    /// `E+` (true) or `E-` (false).
    Exp(bool),
    General,
    /// `@`, the text placeholder.
    At,
    /// `/` between digit placeholders: a fraction.
    Slash,
    /// A date or time letter run (`yyyy`, `m`, `ss`, `AM/PM`, `上午/下午` …), or `[h]` etc.
    Date(String),
    /// The `.0`… after seconds.
    SubSecond(usize),
}

/// A number in Excel's General format: up to 15 significant digits, no trailing zeros,
/// scientific notation for very large and very small magnitudes.
pub(super) fn general(x: f64) -> String {
    if !x.is_finite() {
        return "#NUM!".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if (1e-9..1e15).contains(&a) {
        // Rust's shortest round-trip form; when it needs more than Excel's 15 significant
        // digits, round to 15 first.
        let shortest = x.to_string();
        let significant = shortest
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|&b| b == b'0')
            .count();
        if significant <= 15 {
            return shortest;
        }
    }
    let rounded: f64 = format!("{x:.14e}").parse().unwrap_or(x);
    let a = rounded.abs();
    if !(1e-9..1e15).contains(&a) {
        let s = format!("{rounded:.14e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}E{sign}{:02}", exp.unsigned_abs());
    }
    let s = format!("{rounded}");
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}
