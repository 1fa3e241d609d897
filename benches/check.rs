//! Checking a whole package in-process: the 君山区 and 汨罗市 fixtures under the default rubric.
//! Target (issue "Scoring core"): under 1 ms per package on the 2-core CI machine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark set-up, not the product

use std::hint::black_box;

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use kaoping::calendar::WorkCalendar;
use kaoping::model::Package;
use kaoping::rubric::{Rubric, DEFAULT_RUBRIC};
use kaoping::scoring::{self, ScoringInput};

fn fixture(name: &str) -> Package {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bench(c: &mut Criterion) {
    let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    let calendar = WorkCalendar::embedded();
    let deadline = NaiveDate::from_ymd_opt(2025, 4, 30);
    let received = Utc.with_ymd_and_hms(2025, 5, 6, 2, 0, 0).single();
    for (name, file) in [
        ("junshan", "junshan-2024.json"),
        ("miluo", "miluo-2024.json"),
    ] {
        let pkg = fixture(file);
        c.bench_function(&format!("check/{name}"), |b| {
            b.iter(|| {
                scoring::score(
                    &rubric,
                    calendar,
                    ScoringInput {
                        deadline,
                        received_at: received,
                        ..ScoringInput::package(black_box(&pkg))
                    },
                )
                .expect("sheet")
            })
        });
    }
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/junshan-2024.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    c.bench_function("check/junshan_from_json", |b| {
        b.iter(|| {
            let pkg: Package = serde_json::from_str(black_box(&text)).expect("package");
            scoring::score(&rubric, calendar, ScoringInput::package(&pkg)).expect("sheet")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
