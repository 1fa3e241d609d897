//! Ranking a published round of 10,000 departments in-process (issue 7): `ranking::rank` and
//! `ranking::summarize` over a snapshot built from the scale generator's judged sheets, and
//! encoding one 100-row page of `GET /api/v1/rounds/{id}/rankings` as JSON. The server computes a
//! ranking once per version and tie rule (then serves pages from memory), so these say what the
//! first reader pays and what every reader pays.
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark set-up, not the product

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use kaoping::calendar::WorkCalendar;
use kaoping::ranking::{self, ItemInfo, PublishedDepartment, Snapshot};
use kaoping::rubric::{Rubric, TieRule, DEFAULT_RUBRIC};
use kaoping::scale::{judged_sheet, Generator, ScaleConfig};
use kaoping::service::RankingView;

const DEPARTMENTS: usize = 10_000;

/// The published results of generated departments 0..n, judged as the hints suggest; scored
/// on every core (about 10 s for 10,000 on two).
fn snapshot(n: usize) -> Snapshot {
    let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
    let generator = Generator::new(ScaleConfig {
        seed: 2024,
        ..ScaleConfig::default()
    })
    .expect("generator");
    let deadline = generator.config().deadline;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut departments: Vec<PublishedDepartment> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (rubric, generator) = (&rubric, &generator);
                scope.spawn(move || {
                    (t..n)
                        .step_by(threads)
                        .map(|i| {
                            let d = generator.department(i);
                            let sheet = d.submits.then(|| {
                                judged_sheet(rubric, WorkCalendar::embedded(), &d.package, deadline)
                                    .expect("sheet")
                            });
                            PublishedDepartment::new(
                                &d.code,
                                &d.name,
                                &d.category,
                                sheet.as_ref(),
                                d.working_days_late > 0,
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scoring thread"))
            .collect()
    });
    departments.sort_by(|a, b| a.code.cmp(&b.code));
    Snapshot {
        round_id: 1,
        year: 2024,
        title: "2024年度部门整体支出绩效自评考核".into(),
        version: 1,
        published_at: Utc
            .with_ymd_and_hms(2025, 6, 30, 2, 0, 0)
            .single()
            .expect("time"),
        published_by: "admin".into(),
        reason: "首次公布".into(),
        rubric: rubric.id.clone(),
        cutoffs: rubric.grades.clone(),
        tie_rule: rubric.ranking.tie_rule,
        items: rubric.items.iter().map(ItemInfo::from).collect(),
        departments,
    }
}

fn bench(c: &mut Criterion) {
    let s = snapshot(DEPARTMENTS);
    let rule = TieRule::StandardCompetition;
    c.bench_function("ranking/rank_10000", |b| {
        b.iter(|| ranking::rank(black_box(&s), rule, None))
    });
    c.bench_function("ranking/rank_10000_category", |b| {
        b.iter(|| ranking::rank(black_box(&s), rule, Some("县区")))
    });
    let rows = ranking::rank(&s, rule, None);
    c.bench_function("ranking/summarize_10000", |b| {
        b.iter(|| ranking::summarize(black_box(&s), black_box(&rows)))
    });
    let summary = ranking::summarize(&s, &rows);
    let page = RankingView {
        round_id: s.round_id,
        year: s.year,
        title: s.title.clone(),
        version: s.version,
        latest_version: s.version,
        published_at: s.published_at,
        rubric: s.rubric.clone(),
        tie_rule: rule,
        tie_rule_description: rule.describe().to_string(),
        cutoffs: s.cutoffs.clone(),
        category: None,
        categories: vec!["事业单位".into(), "县区".into(), "市直".into()],
        items: s.items.clone(),
        summary,
        offset: 200,
        limit: 100,
        total_rows: rows.len(),
        rows: rows.iter().skip(200).take(100).cloned().collect(),
    };
    c.bench_function("ranking/page_100_json", |b| {
        b.iter(|| serde_json::to_vec(black_box(&page)).expect("json"))
    });
    // the handler also clones the page's rows out of the cached ranking
    c.bench_function("ranking/page_100_clone_and_json", |b| {
        b.iter(|| {
            let rows: Vec<_> = black_box(&rows)
                .iter()
                .skip(200)
                .take(100)
                .cloned()
                .collect();
            serde_json::to_vec(&rows).expect("json")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
