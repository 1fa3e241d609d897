//! Any bytes as a text report: decoding (UTF-8, UTF-16, GB18030), the text-export reader and the
//! package builder must never panic.
#![no_main]

use std::sync::OnceLock;

use kaoping::rubric::{BodyPartRule, Rubric, DEFAULT_RUBRIC};
use libfuzzer_sys::fuzz_target;

fn parts() -> &'static [BodyPartRule] {
    static RUBRIC: OnceLock<Rubric> = OnceLock::new();
    RUBRIC
        .get_or_init(|| Rubric::builtin(DEFAULT_RUBRIC).expect("built-in rubric"))
        .body_parts()
}

fuzz_target!(|data: &[u8]| {
    let _ = kaoping::ingest::parse(data, "fuzz.txt", parts());
});
