//! Scale data on disk and in a database (issue 7): `kaoping-load generate` writes generated packages
//! as files for the load scripts; `kaoping-load seed-scale` fills a database with a whole round of
//! generated departments through the [`Service`], as the HTTP API would, only without HTTP: the
//! point is a realistic database to measure reads and publication against, made in minutes.
//!
//! Everything goes through the service (no SQL here): departments, tokens, submissions scored on
//! arrival, the round closed, every waiting item judged by a panel of reviewers
//! ([`kaoping::demo::judge_waiting`]), and publication.

use std::cell::Cell;
use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use serde::Serialize;

use kaoping::cli::DbArgs;
use kaoping::demo::{judge_waiting, JudgePanel, Judged};
use kaoping::rubric::{RubricError, DEFAULT_RUBRIC};
use kaoping::scale::{Generator, ScaleConfig, ScaleError};
use kaoping::server::redact;
use kaoping::service::in_parallel;
use kaoping::service::{
    sha256_hex, Caller, DepartmentIn, PublicationView, Role, RoundIn, RubricCatalog, Service,
    ServiceError, SubmitRequest,
};
use kaoping::store::{Backend, Store, StoreError};

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("expected a date YYYY-MM-DD, got {s:?}"))
}

/// `kaoping generate`
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// How many departments.
    #[arg(long)]
    pub departments: usize,
    /// The same seed gives the same packages, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory to write NNNN.json packages and manifest.json into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// The deadline lateness is generated against (Asia/Shanghai date).
    #[arg(long, value_parser = parse_date, default_value = "2025-04-30")]
    pub deadline: NaiveDate,
}

/// `kaoping seed-scale`
#[derive(Debug, clap::Args)]
pub struct SeedScaleArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// How many departments take part (generated departments 1..=N, codes 99xxxxxxx; those
    /// already registered are reused).
    #[arg(long)]
    pub departments: usize,
    /// The generator's seed: the same seed gives the same departments and packages.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The round's deadline; each package is received when the generator says, before it or
    /// 1–5 working days after it.
    #[arg(long, value_parser = parse_date, default_value = "2025-04-30")]
    pub deadline: NaiveDate,
    /// After judging, publish the round and time the publication.
    #[arg(long, conflicts_with = "open")]
    pub publish: bool,
    /// Leave the round open for a load test instead: departments and tokens only, no
    /// submissions, the deadline at the end of the working-day calendar.
    #[arg(long)]
    pub open: bool,
    /// Write the departments' tokens here, one `code<TAB>token` a line (mode 0600).
    #[arg(long)]
    pub tokens_out: Option<PathBuf>,
    /// Service calls under way at once.
    #[arg(long, default_value_t = 4)]
    pub threads: usize,
    /// Reviewers judging the round (default: one per 50 departments).
    #[arg(long)]
    pub reviewers: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadgenError {
    #[error(transparent)]
    Scale(#[from] ScaleError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Rubric(#[from] RubricError),
    #[error("database {url}")]
    Store {
        url: String,
        #[source]
        source: StoreError,
    },
    #[error("cannot write {path}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Invalid(String),
}

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> LoadgenError + '_ {
    move |source| LoadgenError::Write {
        path: path.display().to_string(),
        source,
    }
}

/// One line of manifest.json.
#[derive(Debug, Serialize)]
struct ManifestEntry {
    code: String,
    name: String,
    category: String,
    file: String,
    submits: bool,
    working_days_late: u32,
    received_at: DateTime<Utc>,
    bytes: usize,
}

/// Writes `DIR/NNNN.json` (compact JSON, as a client sends it) for departments 1..=N and
/// `DIR/manifest.json`; returns a one-line summary. One package is in memory at a time.
pub fn generate(args: GenerateArgs) -> Result<String, LoadgenError> {
    if args.departments == 0 {
        return Err(LoadgenError::Invalid(
            "--departments must be at least 1".into(),
        ));
    }
    let generator = Generator::new(ScaleConfig {
        seed: args.seed,
        deadline: args.deadline,
        ..ScaleConfig::default()
    })?;
    std::fs::create_dir_all(&args.out).map_err(write_error(&args.out))?;
    let width = args.departments.to_string().len().max(4);
    let mut entries = Vec::with_capacity(args.departments);
    let mut total = 0usize;
    for d in generator.departments(args.departments) {
        let file = format!("{:0width$}.json", d.index + 1);
        let body = serde_json::to_vec(&d.package)?;
        let path = args.out.join(&file);
        std::fs::write(&path, &body).map_err(write_error(&path))?;
        total += body.len();
        entries.push(ManifestEntry {
            code: d.code,
            name: d.name,
            category: d.category,
            file,
            submits: d.submits,
            working_days_late: d.working_days_late,
            received_at: d.received_at,
            bytes: body.len(),
        });
    }
    let manifest = serde_json::json!({
        "seed": args.seed,
        "deadline": args.deadline,
        "departments": entries,
    });
    let path = args.out.join("manifest.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest)?).map_err(write_error(&path))?;
    Ok(format!(
        "wrote {} packages ({:.1} MB, {} bytes on average) and manifest.json to {}",
        args.departments,
        total as f64 / 1e6,
        total / args.departments,
        args.out.display()
    ))
}

thread_local! {
    /// The receipt time being replayed on this thread; the real clock when None.
    static REPLAYED_NOW: Cell<Option<DateTime<Utc>>> = const { Cell::new(None) };
}

/// The seeding service's clock: a fn pointer cannot capture, so the time to replay is
/// thread-local and each worker thread sets its own.
fn replayed_clock() -> DateTime<Utc> {
    REPLAYED_NOW.with(Cell::get).unwrap_or_else(Utc::now)
}

/// Runs `f` with the service's clock reading `at` on this thread.
fn at<T>(at: DateTime<Utc>, f: impl FnOnce() -> T) -> T {
    REPLAYED_NOW.with(|c| c.set(Some(at)));
    let out = f();
    REPLAYED_NOW.with(|c| c.set(None));
    out
}

/// How long each phase took, in milliseconds.
#[derive(Debug, Default, Serialize)]
pub struct Phases {
    pub connect_and_migrate: f64,
    pub departments: f64,
    pub round: f64,
    pub tokens: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submit: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish: Option<f64>,
    pub total: f64,
}

/// What `seed-scale` prints (JSON).
#[derive(Debug, Serialize)]
pub struct SeedReport {
    pub backend: &'static str,
    pub round_id: i64,
    /// An admin token created for this run (shown once).
    pub admin_token: String,
    /// open, closed or published.
    pub state: &'static str,
    pub deadline: NaiveDate,
    pub seed: u64,
    pub departments: usize,
    pub departments_created: usize,
    pub submitted: usize,
    pub late: usize,
    pub not_submitted: usize,
    pub threads: usize,
    pub reviewers: usize,
    pub items_judged: usize,
    /// Milliseconds around the `Service::publish` call alone.
    pub publish_ms: Option<f64>,
    pub publication: Option<PublicationView>,
    pub tokens_out: Option<String>,
    pub phases_ms: Phases,
}

fn ms_since(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

/// Progress on stderr: stdout carries the JSON report.
fn progress(what: &str, t: Instant) {
    let _ = writeln!(
        std::io::stderr(),
        "seed-scale: {what} ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
}

/// 09:00 Asia/Shanghai on `day`.
fn office_hours(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&(day.and_time(NaiveTime::MIN) + TimeDelta::hours(1)))
}

/// `kaoping seed-scale`: a round of N generated departments, submitted, judged and (with
/// `--publish`) published; or, with `--open`, an open round with tokens for a load test.
pub fn seed_scale(args: SeedScaleArgs) -> Result<String, LoadgenError> {
    let report = seed(&args)?;
    Ok(serde_json::to_string_pretty(&report)?)
}

fn seed(args: &SeedScaleArgs) -> Result<SeedReport, LoadgenError> {
    if args.departments == 0 {
        return Err(LoadgenError::Invalid(
            "--departments must be at least 1".into(),
        ));
    }
    let start = Instant::now();
    let mut phases = Phases::default();
    let url = &args.db.database_url;
    let store_error = |source| LoadgenError::Store {
        url: redact(url),
        source,
    };
    let store = Store::connect(url).map_err(store_error)?;
    store.migrate().map_err(store_error)?;
    let backend = match store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let service = Service::new(store, RubricCatalog::load(None)?)
        .with_clock(kaoping::service::Clock::new(replayed_clock));
    phases.connect_and_migrate = ms_since(start);
    let generator = Generator::new(ScaleConfig {
        seed: args.seed,
        deadline: args.deadline,
        ..ScaleConfig::default()
    })?;
    let threads = args.threads.clamp(1, 64);
    let (_, calendar_end) = service.current_calendar()?.1.coverage();
    let deadline = if args.open {
        calendar_end
    } else {
        args.deadline
    };
    // the round opens six weeks before its deadline, as the bureau's notice would
    let opened = if args.open {
        Utc::now()
    } else {
        office_hours(deadline.checked_sub_days(Days::new(45)).unwrap_or(deadline))
    };

    let t = Instant::now();
    let admin_token = service.create_token(Role::Admin, None, Some("seed-scale"), None)?;
    let admin = Caller {
        token_id: admin_token.id,
        role: Role::Admin,
        department: None,
        reviewer: None,
        label: Some("seed-scale".into()),
    };
    let known: HashSet<String> = service
        .departments(&admin)?
        .into_iter()
        .map(|d| d.code)
        .collect();
    let people: Vec<_> = (0..args.departments)
        .map(|i| generator.identity(i))
        .collect();
    let missing: Vec<_> = people.iter().filter(|p| !known.contains(&p.code)).collect();
    in_parallel(missing.iter().collect(), threads, |p| {
        at(opened, || {
            service.create_department(
                &admin,
                DepartmentIn {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    category: p.category.clone(),
                    parent: None,
                },
            )
        })
    })?;
    phases.departments = ms_since(t);
    progress(
        &format!("{} departments ({} new)", people.len(), missing.len()),
        start,
    );

    let t = Instant::now();
    let round = at(opened, || {
        service.create_round(
            &admin,
            RoundIn {
                year: 2024,
                title: format!(
                    "2024年度部门整体支出绩效自评考核（规模测试：{} 个部门，种子 {}）",
                    args.departments, args.seed
                ),
                deadline,
                rubric: DEFAULT_RUBRIC.into(),
                rubric_hash: None,
                departments: people.iter().map(|p| p.code.clone()).collect(),
                reviewers_per_submission: Some(1),
                appeal_days: None,
            },
        )
    })?;
    phases.round = ms_since(t);

    let t = Instant::now();
    let tokens = in_parallel(people.iter().collect(), threads, |p| {
        at(opened, || {
            service.create_token(Role::Department, Some(&p.code), Some("seed-scale"), None)
        })
    })?;
    phases.tokens = ms_since(t);
    progress(
        &format!("round {} and {} tokens", round.id, tokens.len()),
        start,
    );
    if let Some(path) = &args.tokens_out {
        write_tokens(path, people.iter().map(|p| p.code.as_str()).zip(&tokens))?;
    }

    let mut report = SeedReport {
        backend,
        round_id: round.id,
        admin_token: admin_token.token.clone(),
        state: "open",
        deadline,
        seed: args.seed,
        departments: args.departments,
        departments_created: missing.len(),
        submitted: 0,
        late: 0,
        not_submitted: args.departments,
        threads,
        reviewers: 0,
        items_judged: 0,
        publish_ms: None,
        publication: None,
        tokens_out: args.tokens_out.as_ref().map(|p| p.display().to_string()),
        phases_ms: phases,
    };
    if args.open {
        report.phases_ms.total = ms_since(start);
        return Ok(report);
    }

    let t = Instant::now();
    let work: Vec<(usize, Caller)> = tokens
        .iter()
        .enumerate()
        .map(|(i, tok)| {
            (
                i,
                Caller {
                    token_id: tok.id,
                    role: Role::Department,
                    department: tok.department.clone(),
                    reviewer: None,
                    label: Some("seed-scale".into()),
                },
            )
        })
        .collect();
    let submitted = in_parallel(work.iter().collect(), threads, |(i, caller)| {
        let d = generator.department(*i);
        if !d.submits {
            return Ok(None);
        }
        let late = d.working_days_late > 0;
        let body = serde_json::to_vec(&d.package)?;
        at(d.received_at, || {
            service.submit(
                caller,
                round.id,
                SubmitRequest {
                    package: d.package,
                    source_name: None,
                    evidence: Vec::new(),
                    idempotency_key: None,
                    request_hash: sha256_hex(&body),
                    document: None,
                    files: Vec::new(),
                },
            )
        })?;
        Ok(Some(late))
    })?;
    report.submitted = submitted.iter().flatten().count();
    report.late = submitted.iter().flatten().filter(|l| **l).count();
    report.not_submitted = args.departments - report.submitted;
    report.phases_ms.submit = Some(ms_since(t));
    progress(
        &format!("{} submitted ({} late)", report.submitted, report.late),
        start,
    );

    let t = Instant::now();
    service.close_round(&admin, round.id, Some("负载测试：全部报送后截止"))?;
    report.state = "closed";
    report.phases_ms.close = Some(ms_since(t));

    let t = Instant::now();
    let reviewers = args
        .reviewers
        .unwrap_or(args.departments / 50)
        .clamp(1, 1000);
    let Judged { judgments, .. } = judge_waiting(
        &service,
        &admin,
        round.id,
        &JudgePanel {
            name: "规模测试评审专家",
            reason_prefix: "规模测试",
            label: "seed-scale",
            reviewers,
            threads,
        },
    )?;
    report.reviewers = reviewers;
    report.items_judged = judgments;
    report.phases_ms.judge = Some(ms_since(t));
    progress(&format!("{judgments} items judged"), start);

    if args.publish {
        let t = Instant::now();
        let publication = service.publish(&admin, round.id, Default::default())?;
        let ms = ms_since(t);
        report.publish_ms = Some(ms);
        report.phases_ms.publish = Some(ms);
        report.publication = Some(publication);
        report.state = "published";
        progress(&format!("published in {ms:.0} ms"), start);
    }
    report.phases_ms.total = ms_since(start);
    Ok(report)
}

/// `code<TAB>token` lines, readable by the owner only: they are bearer tokens.
fn write_tokens<'a>(
    path: &Path,
    rows: impl Iterator<Item = (&'a str, &'a kaoping::service::TokenCreated)>,
) -> Result<(), LoadgenError> {
    let mut text = String::new();
    for (code, token) in rows {
        text.push_str(code);
        text.push('\t');
        text.push_str(&token.token);
        text.push('\n');
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(write_error(path))?;
    file.write_all(text.as_bytes()).map_err(write_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kaoping-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn generate_writes_packages_and_a_manifest() {
        let dir = scratch("generate");
        let out = generate(GenerateArgs {
            departments: 12,
            seed: 5,
            out: dir.clone(),
            deadline: NaiveDate::from_ymd_opt(2025, 4, 30).expect("date"),
        })
        .expect("generated");
        assert!(out.starts_with("wrote 12 packages"), "{out}");
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
                .expect("json");
        let first = &manifest["departments"][0];
        assert_eq!(first["file"], "0001.json");
        assert_eq!(first["code"], "990000001");
        let body = std::fs::read(dir.join("0012.json")).expect("package");
        let pkg: kaoping::model::Package = serde_json::from_slice(&body).expect("a package");
        assert_eq!(pkg.department.code.as_deref(), Some("990000012"));
        // the load script swaps the code in place: it must be the first "code" of the body
        assert!(
            String::from_utf8_lossy(&body).starts_with("{\"department\":{\"code\":\"990000012\"")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
