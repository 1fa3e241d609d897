//! A sentence pattern of a rubric file: a regular expression, compiled when the file loads (a
//! bad one refuses the file, naming it) and matched in linear time.

use std::fmt;

use regex::{Regex, RegexBuilder};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// The most a pattern may compile to: rubric files are written by hand, a few short patterns.
const COMPILED_LIMIT: usize = 1 << 20;

/// A regular expression from a rubric file; compared and written as its source text.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    regex: Regex,
}

impl Pattern {
    /// Compiles `source`, or says what is wrong with it.
    pub fn new(source: &str) -> Result<Pattern, String> {
        let regex = RegexBuilder::new(source)
            .size_limit(COMPILED_LIMIT)
            .dfa_size_limit(COMPILED_LIMIT)
            .build()
            .map_err(|e| format!("pattern {source:?} is not a valid regular expression: {e}"))?;
        Ok(Pattern {
            source: source.to_string(),
            regex,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The first match in `text`.
    pub fn find<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.regex.find(text).map(|m| m.as_str())
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pattern, D::Error> {
        let source = String::deserialize(d)?;
        Pattern::new(&source).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn a_pattern_compiles_matches_and_round_trips_as_text() {
        let p = Pattern::new("(根据|依据)[^。]*《[^》]+》").expect("compiles");
        assert_eq!(p.find("现根据《预算法》要求。"), Some("根据《预算法》"));
        assert_eq!(
            serde_json::to_string(&p).expect("json"),
            "\"(根据|依据)[^。]*《[^》]+》\""
        );
        let back: Pattern = serde_json::from_str("\"a+\"").expect("pattern");
        assert_eq!(back, Pattern::new("a+").expect("a+"));
    }

    #[test]
    fn a_bad_or_huge_pattern_is_refused_with_its_text() {
        let err = Pattern::new("(根据").expect_err("unclosed group");
        assert!(err.contains("(根据"), "{err}");
        assert!(Pattern::new("[^。]{1000}{1000}").is_err());
        assert!(serde_json::from_str::<Pattern>("\"[\"").is_err());
    }
}
