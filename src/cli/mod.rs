//! The command line: `check` and `rubric show`. Every failure is one clear line on stderr and a
//! non-zero exit; nothing panics on bad input.

mod calendar_cmd;
mod rubric_cmd;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use serde::Deserialize;

use crate::calendar::{CalendarError, WorkCalendar};
use crate::client::{self, ClientError, Submission};
use crate::ingest;
use crate::model::{Judgment, Override};
use crate::render;
use crate::rubric::{Rubric, RubricError, DEFAULT_RUBRIC};
use crate::scoring::{self, JudgmentError, ScoringInput};
use crate::server::{self, redact, ServerConfig, ServerError};
use crate::service::{Role, RubricCatalog, Service, ServiceError};
use crate::store::{Store, StoreError};

/// kaoping (考评): scores budget departments' performance self-evaluation work.
#[derive(Debug, Parser)]
#[command(name = "kaoping", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score a package (JSON) or a report file (.txt, .docx, .xlsx) and print its score sheet.
    Check(CheckArgs),
    /// Read a report file (.txt, .docx, .xlsx) or a JSON package and print what was found.
    Parse {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Work with rubrics.
    Rubric {
        #[command(subcommand)]
        command: RubricCommand,
    },
    /// Run the HTTP service.
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a round's archive (checksummed JSON) to stdout: everything of the round, for a
    /// backup or a move to another database.
    ExportRound {
        /// The round's id.
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import a round archive (a file, or - for stdin) as a new round; prints its id and counts.
    ImportRound {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The working-day calendar (工作日历) of a database: show it, add next year's holidays from
    /// the State Council's notice, correct or remove a year.
    Calendar {
        #[command(subcommand)]
        command: calendar_cmd::CalendarCommand,
    },
    /// Manage tokens offline, directly on the database.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Talk to a kaoping server: submit, read score sheets, list rounds.
    Client(ClientArgs),
}

#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The server's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "KAOPING_SERVER")]
    pub server: String,
    /// A bearer token (prefer the environment variable: arguments are visible to other users).
    #[arg(long, env = "KAOPING_TOKEN", hide_env_values = true)]
    pub token: String,
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    pub format: Format,
    #[command(subcommand)]
    pub command: ClientCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Submit to a round (department token): one package .json file, or the package's files.
    /// Files given plainly are classified by the server by their content (report, tables,
    /// notice, working group, evidence); the options name a file's role outright.
    Submit {
        /// The round's id.
        round: i64,
        /// The package's files (or one package .json).
        files: Vec<PathBuf>,
        /// The report (a file, or the report model as JSON).
        #[arg(long)]
        report: Option<PathBuf>,
        /// The 自评通知 (its file, or the JSON model).
        #[arg(long)]
        notice: Option<PathBuf>,
        /// The 工作小组 document (its file, or the JSON model).
        #[arg(long)]
        working_group: Option<PathBuf>,
        /// The 单位自查清单 as JSON.
        #[arg(long)]
        self_check: Option<PathBuf>,
        /// Evidence files, kept as they are (repeat the option).
        #[arg(long)]
        evidence: Vec<PathBuf>,
        /// Retry-safe key; by default the SHA-256 of the round and the files, so running the
        /// same command again stores nothing new.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Print a department's current score sheet in a round.
    Sheet {
        /// The round's id.
        round: i64,
        /// The department's code.
        code: String,
    },
    /// List the rounds the token may see.
    Rounds,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// postgres://… or sqlite://PATH; a SQLite file in the working directory by default.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://kaoping.db")]
    pub database_url: String,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Largest request body accepted (bytes).
    #[arg(long, env = "KAOPING_MAX_BODY_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub max_body_bytes: usize,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Failed token authentications one address may make per window before further ones
    /// answer 429.
    #[arg(long, env = "KAOPING_AUTH_MAX_FAILURES", default_value_t = 10)]
    pub auth_max_failures: u32,
    /// The window of --auth-max-failures, in seconds.
    #[arg(long, env = "KAOPING_AUTH_FAILURE_WINDOW", default_value_t = 60)]
    pub auth_failure_window: u64,
    /// Seconds a request waits for the database (a connection, a lock) before it is answered
    /// 503 `unavailable` with Retry-After.
    #[arg(long, env = "KAOPING_DB_WAIT_SECONDS", default_value_t = 5)]
    pub db_wait_seconds: u64,
    /// A directory of extra rubric files (*.toml) rounds may be opened with.
    #[arg(long, env = "KAOPING_RUBRIC_DIR")]
    pub rubric_dir: Option<PathBuf>,
    /// Logs as text or as JSON lines.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Fill the database with a demo round: the two real reports and generated departments.
    #[arg(long)]
    pub demo: bool,
}

/// Budgets on what departments upload (README, Security); the defaults are the domain's.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Bytes the XML parts of a .docx/.xlsx report may unpack to.
    #[arg(long, env = "KAOPING_MAX_UNZIPPED_BYTES", default_value_t = READ.unzipped_bytes)]
    pub max_unzipped_bytes: u64,
    /// Bytes of text a report may hold (a shared string counts for every cell showing it).
    #[arg(long, env = "KAOPING_MAX_TEXT_BYTES", default_value_t = READ.text_bytes)]
    pub max_text_bytes: usize,
    /// Bytes of one paragraph, cell, line or shared string.
    #[arg(long, env = "KAOPING_MAX_PARAGRAPH_BYTES", default_value_t = READ.paragraph_bytes)]
    pub max_paragraph_bytes: usize,
    /// Paragraphs of a report (lines of a text file).
    #[arg(long, env = "KAOPING_MAX_PARAGRAPHS", default_value_t = READ.paragraphs)]
    pub max_paragraphs: usize,
    /// Cells of a report, all tables and sheets together.
    #[arg(long, env = "KAOPING_MAX_CELLS", default_value_t = READ.cells)]
    pub max_cells: usize,
    /// Entries of a workbook's shared-string table.
    #[arg(long, env = "KAOPING_MAX_SHARED_STRINGS", default_value_t = READ.strings)]
    pub max_shared_strings: usize,
    /// Cell and number formats of a workbook.
    #[arg(long, env = "KAOPING_MAX_STYLES", default_value_t = READ.styles)]
    pub max_styles: usize,
    /// Sheets of a workbook.
    #[arg(long, env = "KAOPING_MAX_SHEETS", default_value_t = READ.sheets)]
    pub max_sheets: usize,
    /// How deep XML elements may nest.
    #[arg(long, env = "KAOPING_MAX_XML_DEPTH", default_value_t = READ.depth)]
    pub max_xml_depth: usize,
    /// Pages of a PDF.
    #[arg(long, env = "KAOPING_MAX_PDF_PAGES", default_value_t = READ.pages)]
    pub max_pdf_pages: usize,
    /// Evidence files one request may carry.
    #[arg(long, env = "KAOPING_MAX_EVIDENCE_FILES", default_value_t = 100)]
    pub max_evidence_files: usize,
    /// Submissions one department may make to one round.
    #[arg(long, env = "KAOPING_MAX_SUBMISSIONS_PER_ROUND", default_value_t = 100)]
    pub max_submissions_per_round: u32,
}

const READ: ingest::ReadLimits = ingest::ReadLimits::DEFAULT;

impl LimitArgs {
    fn upload(&self) -> crate::service::UploadLimits {
        crate::service::UploadLimits {
            read: ingest::ReadLimits {
                unzipped_bytes: self.max_unzipped_bytes,
                text_bytes: self.max_text_bytes,
                paragraph_bytes: self.max_paragraph_bytes,
                paragraphs: self.max_paragraphs,
                cells: self.max_cells,
                strings: self.max_shared_strings,
                styles: self.max_styles,
                sheets: self.max_sheets,
                depth: self.max_xml_depth,
                pages: self.max_pdf_pages,
            },
            submissions_per_round: self.max_submissions_per_round,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (once).
    Create {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Required for a department token.
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s)
        .ok_or_else(|| format!("expected admin, reviewer, department or viewer, got {s:?}"))
}

#[derive(Debug, Subcommand)]
pub enum RubricCommand {
    /// Print the loaded rubric.
    Show {
        /// A rubric TOML file; the built-in yueyang-2024 when omitted.
        #[arg(long)]
        rubric: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Store a rubric file in a database (validated; kept by content hash) so rounds can open
    /// with it and it can be tried on a round first.
    Upload {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the rubric versions a database offers to new rounds.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Dry run: a round scored under another stored version, compared with its own rubric;
    /// nothing is written.
    Trial {
        round: i64,
        /// The candidate's content hash (see `kaoping rubric list`).
        hash: String,
        /// `text`, `json`, or `csv`.
        #[arg(long, default_value = "text")]
        format: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The package: a JSON file.
    pub package: PathBuf,
    /// A rubric TOML file; the built-in yueyang-2024 when omitted.
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    /// A working-day calendar TOML file; the built-in one when omitted.
    #[arg(long)]
    pub calendar: Option<PathBuf>,
    /// Score with the working-day calendar this database holds (built-in plus imported years).
    #[arg(long, conflicts_with = "calendar")]
    pub database_url: Option<String>,
    /// The round's deadline (Asia/Shanghai date).
    #[arg(long, value_parser = parse_date)]
    pub deadline: Option<NaiveDate>,
    /// When the report was received (RFC 3339); the package's submitted_at when omitted.
    #[arg(long, value_parser = parse_instant)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// Reviewers' judgments and overrides: a JSON file {"judgments": [...], "overrides": [...]}.
    #[arg(long)]
    pub judgments: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Text,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("expected a date YYYY-MM-DD, got {s:?}"))
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!("expected an RFC 3339 time such as 2025-05-06T09:30:00+08:00, got {s:?}")
        })
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot read {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid {what}: {source}")]
    Json {
        path: String,
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Rubric(#[from] RubricError),
    #[error(transparent)]
    Ingest(#[from] ingest::IngestError),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error("judgments refused: {0}")]
    Judgment(#[from] JudgmentError),
    #[error("cannot format the output as JSON: {0}")]
    Output(#[source] serde_json::Error),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("database {url}")]
    Store {
        url: String,
        #[source]
        source: StoreError,
    },
    /// Exporting or importing a round archive failed: which, and why.
    #[error("{what}")]
    Archive {
        what: String,
        #[source]
        source: crate::archive::ArchiveError,
    },
    #[error("cannot write to standard output")]
    Stdout(#[source] std::io::Error),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("the server stopped with an error")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// Reviewers' input for `check --judgments`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    #[serde(default)]
    pub judgments: Vec<Judgment>,
    #[serde(default)]
    pub overrides: Vec<Override>,
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &'static str,
) -> Result<T, CliError> {
    serde_json::from_str(&read(path)?).map_err(|source| CliError::Json {
        path: path.display().to_string(),
        what,
        source,
    })
}

/// A package from a JSON file, or read from a report file by the ingest.
fn read_package(path: &Path, rubric: &Rubric) -> Result<ingest::Parsed, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read {
        path: path.display().to_string(),
        source,
    })?;
    Ok(ingest::parse(
        &bytes,
        &path.display().to_string(),
        rubric.body_parts(),
    )?)
}

fn load_rubric(path: Option<&Path>) -> Result<Rubric, CliError> {
    Ok(match path {
        Some(p) => Rubric::load(p)?,
        None => Rubric::builtin(DEFAULT_RUBRIC)?,
    })
}

/// Runs a parsed command and returns what to print on stdout.
pub fn execute(cli: Cli) -> Result<String, CliError> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Parse { file, format } => {
            let parsed = read_package(&file, &load_rubric(None)?)?;
            match format {
                Format::Text => Ok(render::outline(&parsed)),
                Format::Json => {
                    serde_json::to_string_pretty(&parsed.package).map_err(CliError::Output)
                }
            }
        }
        Command::Serve(args) => serve(args),
        Command::Migrate { db } => {
            let store = open_store(&db)?;
            let n = store.migrate().map_err(|source| CliError::Store {
                url: redact(&db.database_url),
                source,
            })?;
            Ok(format!(
                "{n} migration(s) applied to {}",
                redact(&db.database_url)
            ))
        }
        Command::ExportRound { id, db } => export_round(id, &db),
        Command::ImportRound { file, db } => import_round(&file, &db),
        Command::Token {
            command:
                TokenCommand::Create {
                    role,
                    department,
                    label,
                    db,
                },
        } => {
            let store = open_store(&db)?;
            store.migrate().map_err(|source| CliError::Store {
                url: redact(&db.database_url),
                source,
            })?;
            let service = Service::new(store, RubricCatalog::default());
            let t = service.create_token(role, department.as_deref(), label.as_deref(), None)?;
            Ok(format!(
                "{}\n(token id {}, role {}; shown once)",
                t.token,
                t.id,
                t.role.as_str()
            ))
        }
        Command::Client(args) => client_command(args),
        Command::Calendar { command } => calendar_cmd::run(command),
        Command::Rubric {
            command: RubricCommand::Upload { file, db },
        } => rubric_cmd::upload(&file, &db),
        Command::Rubric {
            command: RubricCommand::List { db },
        } => rubric_cmd::list(&db),
        Command::Rubric {
            command:
                RubricCommand::Trial {
                    round,
                    hash,
                    format,
                    db,
                },
        } => rubric_cmd::trial(round, &hash, &format, &db),
        Command::Rubric {
            command: RubricCommand::Show { rubric, format },
        } => {
            let r = load_rubric(rubric.as_deref())?;
            match format {
                Format::Text => Ok(render::rubric(&r)),
                Format::Json => serde_json::to_string_pretty(&r).map_err(CliError::Output),
            }
        }
    }
}

fn client_command(args: ClientArgs) -> Result<String, CliError> {
    let c = client::Client::new(&args.server, &args.token)?;
    match args.command {
        ClientCommand::Submit {
            round,
            files,
            report,
            notice,
            working_group,
            self_check,
            evidence,
            idempotency_key,
        } => {
            let submission = Submission::from_named(&client::Named {
                files,
                report,
                notice,
                working_group,
                self_check,
                evidence,
            })?;
            let key = idempotency_key.unwrap_or_else(|| submission.idempotency_key(round));
            let submitted = c.submit(round, submission, &key)?;
            match args.format {
                Format::Text => Ok(client::render_submitted(&submitted)),
                Format::Json => serde_json::to_string_pretty(&submitted).map_err(CliError::Output),
            }
        }
        ClientCommand::Sheet { round, code } => {
            let sheet = c.score_sheet(round, &code)?;
            match args.format {
                Format::Text => Ok(render::score_sheet(&sheet)),
                Format::Json => serde_json::to_string_pretty(&sheet).map_err(CliError::Output),
            }
        }
        ClientCommand::Rounds => {
            let rounds = c.rounds()?;
            match args.format {
                Format::Text => Ok(client::render_rounds(&rounds)),
                Format::Json => serde_json::to_string_pretty(&rounds).map_err(CliError::Output),
            }
        }
    }
}

fn open_store(db: &DbArgs) -> Result<Store, CliError> {
    Store::connect(&db.database_url).map_err(|source| CliError::Store {
        url: redact(&db.database_url),
        source,
    })
}

/// Writes the archive to stdout itself rather than returning it: it may be large, and a closed
/// pipe must end in an error line, not a panic.
fn export_round(id: i64, db: &DbArgs) -> Result<String, CliError> {
    use std::io::Write as _;
    let store = open_store(db)?;
    let text = crate::archive::export(&store, id)
        .and_then(|archive| archive.to_json())
        .map_err(|source| CliError::Archive {
            what: format!("cannot export round {id} from {}", redact(&db.database_url)),
            source,
        })?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(CliError::Stdout)?;
    Ok(String::new())
}

/// Checks the archive before opening the database, so a damaged file touches nothing; the
/// import itself is one transaction.
fn import_round(file: &Path, db: &DbArgs) -> Result<String, CliError> {
    let text = if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).map_err(|source| CliError::Read {
            path: "standard input".into(),
            source,
        })?
    } else {
        read(file)?
    };
    let refused = |source| CliError::Archive {
        what: format!("cannot import {}", file.display()),
        source,
    };
    let archive = crate::archive::Archive::parse(&text).map_err(refused)?;
    let store = open_store(db)?;
    store.migrate().map_err(|source| CliError::Store {
        url: redact(&db.database_url),
        source,
    })?;
    let report = crate::archive::import(&store, &archive, Utc::now()).map_err(refused)?;
    Ok(report.describe())
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // logs go to stderr: stdout carries what a person must read (the first token, the URLs)
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Prints a line of the server's banner; a closed stdout must not bring the server down.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn serve(args: ServeArgs) -> Result<String, CliError> {
    init_logging(args.log_format);
    let mut config = ServerConfig::new(&args.bind, &args.db.database_url);
    config.api.max_body_bytes = args.max_body_bytes;
    config.api.max_evidence_parts = args.limits.max_evidence_files;
    config.upload = args.limits.upload();
    config.api.auth_throttle.max_failures = args.auth_max_failures;
    config.api.auth_throttle.window = std::time::Duration::from_secs(args.auth_failure_window);
    config.db_wait = std::time::Duration::from_secs(args.db_wait_seconds.max(1));
    config.rubric_dir = args.rubric_dir;
    config.admin_token = std::env::var("KAOPING_ADMIN_TOKEN").ok();
    config.workers = args.workers;
    let demo = args.demo;
    actix_web::rt::System::new().block_on(async move {
        let running = server::start(&config)?;
        let base = format!("http://{}", running.addr);
        if let Some(token) = &running.new_admin_token {
            say!(
                "First start: an admin token was created. It is shown this once:\n\n    {token}\n"
            );
        }
        if demo {
            let service = running.service.clone();
            let seeded = actix_web::web::block(move || crate::demo::seed(&service))
                .await
                .map_err(|e| CliError::Serve(std::io::Error::other(e.to_string())))??;
            say!("{}", seeded.describe(&base));
        }
        say!(
            "kaoping serving on {base} (database {})",
            redact(&config.database_url)
        );
        say!("  API docs:   {base}/docs/");
        say!("  OpenAPI:    {base}/api/v1/openapi.json");
        say!("  health:     {base}/healthz  {base}/readyz");
        let stopped = running.server.await;
        // the HTTP server has drained; let a webhook POST under way finish and be recorded
        running.webhooks.stop();
        stopped.map_err(CliError::Serve)?;
        Ok(String::new())
    })
}

fn check(args: CheckArgs) -> Result<String, CliError> {
    let rubric = load_rubric(args.rubric.as_deref())?;
    let loaded;
    let calendar = match (&args.calendar, &args.database_url) {
        (Some(p), _) => {
            loaded = std::sync::Arc::new(WorkCalendar::load(p)?);
            &*loaded
        }
        (None, Some(url)) => {
            let store = open_store(&DbArgs {
                database_url: url.clone(),
            })?;
            loaded = Service::new(store, RubricCatalog::default())
                .current_calendar()?
                .1;
            &*loaded
        }
        (None, None) => WorkCalendar::embedded(),
    };
    let package = read_package(&args.package, &rubric)?.package;
    let review: ReviewInput = match &args.judgments {
        Some(p) => read_json(p, "judgments file")?,
        None => ReviewInput::default(),
    };
    let sheet = scoring::score(
        &rubric,
        calendar,
        ScoringInput {
            package: &package,
            deadline: args.deadline,
            received_at: args.submitted_at,
            timing_note: None,
            judgments: &review.judgments,
            overrides: &review.overrides,
        },
    )?;
    match args.format {
        Format::Text => Ok(render::score_sheet(&sheet)),
        Format::Json => serde_json::to_string_pretty(&sheet).map_err(CliError::Output),
    }
}

/// The binary's entry point: parse, run, print; errors as one line (with causes) on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli) {
        Ok(out) => {
            if !out.is_empty() {
                print!("{out}");
                if !out.ends_with('\n') {
                    println!();
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut line = format!("kaoping: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                let text = cause.to_string();
                if !line.contains(&text) {
                    line.push_str(&format!(": {text}"));
                }
                source = cause.source();
            }
            eprintln!("{line}");
            ExitCode::from(2)
        }
    }
}
