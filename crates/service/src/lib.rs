//! The application's commands and queries: who may do what, the round's life, submissions scored
//! as they arrive. Blocking code over the store; the HTTP layer runs it on a worker thread.

pub mod archive;
pub mod demo;
pub mod webhook;

mod appeals;
mod assign;
mod audit;
mod auth;
mod calendar;
mod package_files;
mod parallel;
mod publish;
mod publish_head;
mod publish_sheets;
mod publish_views;
mod review;
mod review_views;
mod rounds;
mod rubric_versions;
mod submissions;
pub mod text;
mod timing;
mod views;
mod webhooks;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use kaoping_domain::rubric::{Rubric, RubricError};
use kaoping_store::{Store, StoreError};

pub use auth::{generate_token, hash_token, Caller, Role};
pub use calendar::{
    out_of_coverage, ArrangementFormat, CalendarChangeOut, CalendarImportIn, CalendarRevision,
    CalendarView, CalendarYear, Holiday, RoundRescored, COVERAGE_WARNING_DAYS,
};
pub use package_files::{AssignmentDocument, FileRead, PackageFile};
pub use parallel::{cores, in_parallel};
pub use publish::{ranking_etag, Published, RankingPage, Target, PUBLISHED_EVENT};
pub use publish_views::*;
pub use review_views::*;
pub use rubric_versions::{
    trial_csv, RubricTrial, RubricUpload, RubricVersion, TrialDepartment, TrialItem,
};
pub use submissions::{
    DocumentRead, EvidenceUpload, StoredResponse, SubmitRequest, SubmitResponse,
};
pub use timing::{DepartmentTimingIn, DepartmentTimingView, ReceiptIn};
pub use views::*;
pub use webhooks::{Delivery, DeliveryAttempt, DeliveryState, Webhook, WebhookIn};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("需要登录令牌：请在 Authorization 头中以 Bearer 方式提供")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Bad input: which field, what was expected.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// A document that could not be read: which form field, and why.
    #[error("{message}")]
    Unreadable { field: String, message: String },
    /// A kind of file no reader takes (told by its bytes): which form field and file, what it
    /// is (`pdf`, `png` …); the message in Chinese.
    #[error("{message}")]
    UnsupportedDocument {
        field: String,
        file: String,
        kind: String,
        message: String,
    },
    /// A document refused for its size (文件过大): which form field and file, which budget
    /// and its value; the message in Chinese.
    #[error("{message}")]
    DocumentTooLarge {
        field: String,
        file: String,
        limit: &'static str,
        value: u64,
        message: String,
    },
    /// The department has made as many submissions to the round as it may (提交次数上限).
    #[error("{message}")]
    TooManySubmissions { limit: u32, message: String },
    #[error("the Idempotency-Key was used before with a different request")]
    IdempotencyMismatch,
    /// A reviewer would review their own department or one they declared a conflict with.
    #[error("{0}")]
    ConflictOfInterest(String),
    #[error("this write needs an If-Match header with the ETag that was read")]
    PreconditionRequired,
    /// The If-Match ETag is no longer current.
    #[error("{0}")]
    PreconditionFailed(String),
    /// A judgment, decision or override breaks the rubric's rules.
    #[error("{0}")]
    Judgment(#[from] kaoping_domain::scoring::JudgmentError),
    /// Results cannot be released while items have no score.
    #[error("{message}")]
    NotFullyScored {
        message: String,
        missing: serde_json::Value,
    },
    #[error("{0}")]
    AppealWindowClosed(String),
    #[error("the round's rubric cannot be loaded")]
    Rubric(#[from] RubricError),
    #[error("storage failed")]
    Store(#[source] StoreError),
    /// The database is unreachable or locked beyond the bounded wait: try again shortly.
    #[error("数据库暂时不可用，请稍后重试")]
    Unavailable(#[source] StoreError),
    #[error("cannot encode a stored document")]
    Json(#[from] serde_json::Error),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ServiceError::Conflict(m),
            StoreError::Missing(m) => ServiceError::NotFound(m),
            StoreError::ConflictOfInterest(m) => ServiceError::ConflictOfInterest(m),
            StoreError::PreconditionFailed(m) => ServiceError::PreconditionFailed(m),
            other if other.is_unavailable() => ServiceError::Unavailable(other),
            other => ServiceError::Store(other),
        }
    }
}

impl ServiceError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

pub use kaoping_domain::digest::{hex, sha256_hex};

/// Rubrics a round may be opened with: the built-in ones and the `*.toml` files of a directory.
#[derive(Debug, Clone, Default)]
pub struct RubricCatalog {
    sources: HashMap<String, String>,
}

impl RubricCatalog {
    /// The built-in rubrics plus every valid rubric file in `dir` (a bad file is an error).
    pub fn load(dir: Option<&std::path::Path>) -> Result<Self, RubricError> {
        let mut sources = HashMap::new();
        for id in kaoping_domain::rubric::builtin_ids() {
            if let Some(src) = kaoping_domain::rubric::builtin_source(id) {
                sources.insert(id.to_string(), src.to_string());
            }
        }
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir).map_err(|source| RubricError::Read {
                origin: dir.display().to_string(),
                source,
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let rubric = Rubric::load(&path)?;
                    let src =
                        std::fs::read_to_string(&path).map_err(|source| RubricError::Read {
                            origin: path.display().to_string(),
                            source,
                        })?;
                    sources.insert(rubric.id, src);
                }
            }
        }
        Ok(RubricCatalog { sources })
    }

    pub fn source(&self, id: &str) -> Option<&str> {
        self.sources.get(id).map(String::as_str)
    }

    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.sources.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }
}

/// What tells the service the time: the system's, or one a test or the scale seeder sets.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn new(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// The service: the store, the rubrics, the calendars.
#[derive(Clone)]
pub struct Service {
    pub store: Store,
    pub rubrics: Arc<RubricCatalog>,
    /// Calendars by revision (`calendar.rs`).
    calendars: Arc<calendar::CalendarCache>,
    /// Rounds' pinned rubrics, parsed once.
    pinned: Arc<RwLock<HashMap<i64, Arc<Rubric>>>>,
    /// Published versions, parsed once.
    published: publish::PublishedCache,
    /// Rounds' publication heads, trusted for a second.
    heads: Arc<publish_head::HeadCache>,
    /// The clock; tests may set it.
    clock: Clock,
    /// Wakes the webhook worker; dropping the last clone stops it.
    webhooks: Arc<crate::webhook::WebhookNotifier>,
    /// What an uploaded document may expand to, and how often a department may submit.
    limits: UploadLimits,
    /// Reads scanned pages (Tesseract by default).
    ocr: Arc<dyn kaoping_domain::ingest::scan::Ocr + Send>,
}

/// Budgets on what departments upload (上传限额).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// What a report file may unpack and extract to.
    pub read: kaoping_domain::ingest::ReadLimits,
    /// Submissions one department may make to one round, retries with the same
    /// Idempotency-Key not counted (each is kept as history, with its evidence).
    pub submissions_per_round: u32,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            read: kaoping_domain::ingest::ReadLimits::default(),
            submissions_per_round: 100,
        }
    }
}

impl Service {
    pub fn new(store: Store, rubrics: RubricCatalog) -> Self {
        Service {
            store,
            rubrics: Arc::new(rubrics),
            calendars: Arc::default(),
            pinned: Arc::default(),
            published: Arc::default(),
            heads: Arc::default(),
            clock: Clock::new(Utc::now),
            webhooks: Arc::default(),
            limits: UploadLimits::default(),
            ocr: Arc::new(kaoping_ocr::TesseractCli::default()),
        }
    }

    /// The same service reading scans with `ocr`.
    pub fn with_ocr(mut self, ocr: Arc<dyn kaoping_domain::ingest::scan::Ocr + Send>) -> Self {
        self.ocr = ocr;
        self
    }

    /// The same service holding uploads to `limits`.
    pub fn with_limits(mut self, limits: UploadLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The same service reading the time from `clock`. The server never calls this; the scale
    /// seeder (`kaoping seed-scale`) does, to replay each generated package's receipt time so
    /// lateness is scored as it would have been.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Wakes the webhook worker to send what was just queued (after publishing), instead of at
    /// its next poll. A no-op when no worker runs.
    pub fn notify_webhooks(&self) {
        self.webhooks.notify();
    }

    /// What the webhook worker waits on.
    pub fn webhook_notifier(&self) -> &crate::webhook::WebhookNotifier {
        &self.webhooks
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The rubric a round was opened with; the round's stored source is read only the first
    /// time.
    fn pinned_rubric(&self, round_id: i64) -> ServiceResult<Arc<Rubric>> {
        if let Some(r) = self.cached_rubric(round_id) {
            return Ok(r);
        }
        let (row, _) = self
            .store
            .round(round_id)?
            .ok_or_else(|| ServiceError::NotFound(format!("第 {round_id} 轮不存在")))?;
        self.round_rubric(round_id, &row.rubric_source)
    }

    fn cached_rubric(&self, round_id: i64) -> Option<Arc<Rubric>> {
        self.pinned
            .read()
            .ok()
            .and_then(|m| m.get(&round_id).cloned())
    }

    /// The rubric a round was opened with, from its stored source.
    fn round_rubric(&self, round_id: i64, source: &str) -> ServiceResult<Arc<Rubric>> {
        if let Some(r) = self.cached_rubric(round_id) {
            return Ok(r);
        }
        let rubric = Arc::new(Rubric::from_toml_str(source, &format!("round {round_id}"))?);
        if let Ok(mut m) = self.pinned.write() {
            m.insert(round_id, rubric.clone());
        }
        Ok(rubric)
    }
}
