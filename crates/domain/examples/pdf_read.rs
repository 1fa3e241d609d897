//! Times reading PDFs and prints the process's peak memory, for BENCHMARKS.md:
//!
//!     cargo run --release -p kaoping-domain --example pdf_read -- tests/fixtures/pdf/003_miluo.pdf 50
//!
//! For each file: the median and minimum over N runs of `ingest::pdf::read` (bytes to
//! document), of `ingest::parse` (to the package), and of `parse` + `scoring::score` (read and
//! check); then the peak resident memory of the whole process (VmHWM), so run one file per
//! process for a file's own peak.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a measuring tool, not the product

use std::time::{Duration, Instant};

use kaoping_domain::calendar::WorkCalendar;
use kaoping_domain::ingest;
use kaoping_domain::rubric::{Rubric, DEFAULT_RUBRIC};
use kaoping_domain::scoring::{self, ScoringInput};

fn time(n: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut all: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    all.sort();
    (all[all.len() / 2], all[0])
}

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let n = match args.last().and_then(|a| a.parse::<usize>().ok()) {
        Some(n) => {
            args.pop();
            n.max(1)
        }
        None => 20,
    };
    let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    let before = peak_kib();
    for path in &args {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let doc = ingest::pdf::read(&bytes, path).expect("read");
        let (read, read_min) = time(n, || {
            ingest::pdf::read(std::hint::black_box(&bytes), path).expect("read");
        });
        let (parse, parse_min) = time(n, || {
            ingest::parse(std::hint::black_box(&bytes), path, rubric.body_parts()).expect("parse");
        });
        let (check, check_min) = time(n, || {
            let parsed = ingest::parse(&bytes, path, rubric.body_parts()).expect("parse");
            scoring::score(
                &rubric,
                WorkCalendar::embedded(),
                ScoringInput::package(&parsed.package),
            )
            .expect("sheet");
        });
        println!(
            "{path}: {} KB, {} blocks; {n} runs, median (min): read {read:.2?} ({read_min:.2?}), \
             parse {parse:.2?} ({parse_min:.2?}), parse+check {check:.2?} ({check_min:.2?})",
            bytes.len() / 1024,
            doc.blocks.len(),
        );
    }
    println!(
        "peak resident memory (VmHWM): {} KiB (before reading: {} KiB)",
        peak_kib().unwrap_or(0),
        before.unwrap_or(0)
    );
}
