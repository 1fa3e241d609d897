//! `kaoping-load seed-scale` on both backends: a round of generated departments submitted with their
//! generated receipt times, judged and published through the service; a second, open round for
//! load tests reuses the departments.

use crate::support;

use clap::Parser;
use kaoping::scale::{Generator, ScaleConfig};
use kaoping::store::Store;
use kaoping_load::{execute, LoadCli};
use serde_json::Value;
use support::{Backend, TestDb};

fn seed_scale(url: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "kaoping-load",
        "seed-scale",
        "--database-url",
        url,
        "--seed",
        "3",
    ];
    args.extend_from_slice(extra);
    let out = execute(LoadCli::parse_from(args)).expect("seed-scale runs");
    serde_json::from_str(&out).expect("seed-scale prints JSON")
}

fn seeds_and_publishes(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let url = db.url();
    let dir = std::env::temp_dir().join(format!(
        "kaoping-scale-seed-{}-{backend:?}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let tokens_path = dir.join("tokens.tsv");
    let tokens = tokens_path.to_str().expect("utf-8 path");
    let r = seed_scale(
        &url,
        &[
            "--departments",
            "60",
            "--publish",
            "--threads",
            "3",
            "--reviewers",
            "2",
            "--tokens-out",
            tokens,
        ],
    );
    assert_eq!(r["state"], "published", "{r}");
    let submitted = r["submitted"].as_u64().expect("submitted");
    let late = r["late"].as_u64().expect("late");
    assert_eq!(submitted + r["not_submitted"].as_u64().expect("n"), 60);
    assert!(late > 0 && late < submitted, "{late} late of {submitted}");
    assert_eq!(r["publication"]["departments"], 60);
    assert_eq!(r["publication"]["ranked"].as_u64(), Some(submitted));
    assert!(r["publish_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{r}");
    assert!(r["phases_ms"]["judge"].as_f64().is_some(), "{r}");
    let lines = std::fs::read_to_string(&tokens_path).expect("tokens file");
    assert_eq!(lines.lines().count(), 60);
    assert!(lines.starts_with("990000001\t"));
    let _ = std::fs::remove_dir_all(&dir);

    // the late flags the service stored are the generator's
    let round = r["round_id"].as_i64().expect("round id");
    let store = Store::connect(&url).expect("store");
    let g = Generator::new(ScaleConfig {
        seed: 3,
        ..ScaleConfig::default()
    })
    .expect("generator");
    for d in g.departments(60).filter(|d| d.submits) {
        let s = store
            .current_submission(round, &d.code)
            .expect("read")
            .expect("submitted");
        assert_eq!(s.late, d.working_days_late > 0, "{}", d.code);
    }
    drop(store);

    let o = seed_scale(&url, &["--departments", "20", "--open"]);
    assert_eq!(o["state"], "open");
    assert_eq!(o["departments_created"], 0, "the departments are reused");
    assert_eq!(o["submitted"], 0);
    assert_ne!(o["round_id"], r["round_id"]);
}

#[test]
fn seed_scale_on_sqlite() {
    seeds_and_publishes(Backend::Sqlite);
}

#[test]
fn seed_scale_on_postgres() {
    seeds_and_publishes(Backend::Postgres);
}
