//! Shared by the integration tests: the fixtures and a quick way to score them.

use std::path::PathBuf;

use kaoping::calendar::WorkCalendar;
use kaoping::model::{ItemScore, Package, ScoreSheet};
use kaoping::rubric::{Rubric, DEFAULT_RUBRIC};
use kaoping::scoring::{self, ScoringInput};

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn package(name: &str) -> Package {
    let text = std::fs::read_to_string(fixture_path(name)).expect("fixture file");
    serde_json::from_str(&text).expect("fixture is a package")
}

pub fn junshan() -> Package {
    package("junshan-2024.json")
}

pub fn miluo() -> Package {
    package("miluo-2024.json")
}

pub fn default_rubric() -> Rubric {
    Rubric::builtin(DEFAULT_RUBRIC).expect("built-in rubric")
}

pub fn national_rubric() -> Rubric {
    Rubric::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rubric/national-only-2024.toml"))
        .expect("national-only rubric")
}

pub fn sheet(rubric: &Rubric, pkg: &Package) -> ScoreSheet {
    scoring::score(rubric, WorkCalendar::embedded(), ScoringInput::package(pkg))
        .expect("score sheet")
}

pub fn item<'a>(sheet: &'a ScoreSheet, code: &str) -> &'a ItemScore {
    sheet
        .items
        .iter()
        .find(|i| i.code == code)
        .expect("item on the sheet")
}
