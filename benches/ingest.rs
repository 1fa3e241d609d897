//! Reading a whole report and checking it: the 汨罗市 report from its text export, and the same
//! report as a .docx (written from the text's paragraphs and tables, as the round-trip test does).
//! Targets (issue "Ingest"): parse + check under 5 ms from text, under 20 ms from .docx.
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark set-up, not the product

#[path = "../tests/it/support/docx_gen.rs"]
#[allow(dead_code)] // the tests use the rest
mod docx_gen;
#[path = "../tests/it/support/from_document.rs"]
mod from_document;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kaoping::calendar::WorkCalendar;
use kaoping::ingest;
use kaoping::rubric::{Rubric, DEFAULT_RUBRIC};
use kaoping::scoring::{self, ScoringInput};

fn bench(c: &mut Criterion) {
    let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    let path = format!(
        "{}/tests/fixtures/reports/003_dbdc2451ec2e8b0c.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    c.bench_function("ingest/miluo_text_parse", |b| {
        b.iter(|| {
            ingest::parse(black_box(&text), "miluo.txt", rubric.body_parts()).expect("parsed")
        })
    });
    c.bench_function("ingest/miluo_text_parse_and_check", |b| {
        b.iter(|| {
            let parsed =
                ingest::parse(black_box(&text), "miluo.txt", rubric.body_parts()).expect("parsed");
            scoring::score(
                &rubric,
                WorkCalendar::embedded(),
                ScoringInput::package(&parsed.package),
            )
            .expect("sheet")
        })
    });
    let docx = from_document::to_docx(&ingest::text::read(&String::from_utf8_lossy(&text)));
    c.bench_function("ingest/miluo_docx_parse_and_check", |b| {
        b.iter(|| {
            let parsed =
                ingest::parse(black_box(&docx), "miluo.docx", rubric.body_parts()).expect("parsed");
            scoring::score(
                &rubric,
                WorkCalendar::embedded(),
                ScoringInput::package(&parsed.package),
            )
            .expect("sheet")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
