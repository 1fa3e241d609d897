//! The HTTP client behind `kaoping client`: reqwest's blocking client against a kaoping server,
//! typed answers, and every failure as one clear line ([`ClientError`]).
//!
//! Blocking: call it from plain threads (the command line), never from inside an async runtime.

use std::fmt::Write;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::FixedOffset;
use reqwest::blocking::{multipart, Client as Http, RequestBuilder};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::ScoreSheet;
use crate::render;
use crate::service::{sha256_hex, Round, SubmissionView, SubmitResponse};

/// How long to wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take, upload and answer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Everything that can go wrong talking to the server, each one line for a person.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid server URL {server:?}: {reason}")]
    InvalidServer { server: String, reason: String },
    #[error("the token is empty or has characters not allowed in an HTTP header")]
    InvalidToken,
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
    /// No connection: refused, unknown host, TLS failure, connect timeout.
    #[error("cannot reach {server}: {cause}")]
    Unreachable { server: String, cause: String },
    /// Connected, but no complete answer in time.
    #[error("{server} did not answer within {secs} s")]
    Timeout { server: String, secs: u64 },
    /// Connected, then the exchange broke off.
    #[error("the connection to {server} failed: {cause}")]
    Transport { server: String, cause: String },
    /// The server answered with its error envelope.
    #[error("server refused ({status} {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
        details: Value,
    },
    #[error("the answer from {url} (HTTP {status}) is not JSON: {start}")]
    NotJson {
        url: String,
        status: u16,
        start: String,
    },
    #[error("the answer from {url} (HTTP {status}) is not the expected {what}: {reason}")]
    Unexpected {
        url: String,
        status: u16,
        what: &'static str,
        reason: String,
    },
    #[error("cannot read {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON: {reason}")]
    LocalJson { path: String, reason: String },
    #[error("{0}")]
    Usage(String),
}

/// One file of a multipart upload.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field: report, notice, working_group, self_check, files or evidence.
    pub field: &'static str,
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// What a submission sends: a whole package as JSON, or a report with documents and evidence.
#[derive(Debug, Clone)]
pub enum Submission {
    Package { file_name: String, bytes: Vec<u8> },
    Upload(Vec<Upload>),
}

/// The server's answer to a submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Submitted {
    /// The server had this request already (same Idempotency-Key): nothing new was stored.
    pub replayed: bool,
    #[serde(flatten)]
    pub response: SubmitResponse,
}

/// The content type sent for a file, guessed from its extension.
pub fn content_type_of(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "txt" => "text/plain",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|source| ClientError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Checks locally that a JSON file parses, so the error names the file.
fn check_json(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map(|_| ())
        .map_err(|e| ClientError::LocalJson {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// The files of a submission as the command line names them.
#[derive(Debug, Clone, Default)]
pub struct Named {
    /// Files whose role the server tells by their content (`files` parts).
    pub files: Vec<PathBuf>,
    pub report: Option<PathBuf>,
    pub notice: Option<PathBuf>,
    pub working_group: Option<PathBuf>,
    pub self_check: Option<PathBuf>,
    pub evidence: Vec<PathBuf>,
}

/// Whether a file's bytes are JSON (as the server tells them).
fn is_json_content(bytes: &[u8]) -> bool {
    kaoping_domain::ingest::Kind::of(bytes) == kaoping_domain::ingest::Kind::Json
}

impl Submission {
    /// One JSON file and nothing else is a package, sent as JSON. Otherwise a multipart upload:
    /// each document under the option that names it, and the other files as `files`, whose
    /// role (report, tables, notice, working group, evidence) the server tells by their
    /// content. No file name means anything.
    pub fn from_named(named: &Named) -> Result<Submission, ClientError> {
        let singles = [
            ("report", &named.report),
            ("notice", &named.notice),
            ("working_group", &named.working_group),
            ("self_check", &named.self_check),
        ];
        let nothing_named = singles.iter().all(|(_, p)| p.is_none()) && named.evidence.is_empty();
        if nothing_named {
            if let [only] = named.files.as_slice() {
                let bytes = read_file(only)?;
                if is_json_content(&bytes) {
                    check_json(only, &bytes)?;
                    return Ok(Submission::Package {
                        file_name: file_name(only),
                        bytes,
                    });
                }
            }
        }
        if named.files.is_empty() && named.report.is_none() {
            return Err(ClientError::Usage(
                "name a package .json file, or the package's files (a report among them, or --report FILE)".into(),
            ));
        }
        let mut uploads = Vec::new();
        let mut add = |field: &'static str, path: &Path| -> Result<(), ClientError> {
            let bytes = read_file(path)?;
            let json = is_json_content(&bytes);
            if json && (field == "files" || field == "evidence") {
                return Err(ClientError::Usage(format!(
                    "{} is JSON: name what it is with --report, --notice, --working-group or --self-check",
                    path.display()
                )));
            }
            if json {
                check_json(path, &bytes)?;
            }
            let name = file_name(path);
            uploads.push(Upload {
                field,
                content_type: if json {
                    "application/json"
                } else {
                    content_type_of(&name)
                },
                file_name: name,
                bytes,
            });
            Ok(())
        };
        for (field, path) in singles {
            if let Some(path) = path {
                add(field, path)?;
            }
        }
        for path in &named.files {
            add("files", path)?;
        }
        for path in &named.evidence {
            add("evidence", path)?;
        }
        Ok(Submission::Upload(uploads))
    }

    /// A retry-safe key: the SHA-256 of the round and of everything sent (fields, file names,
    /// bytes), so running the same command again is stored once.
    pub fn idempotency_key(&self, round: i64) -> String {
        let mut data = Vec::new();
        let mut add = |bytes: &[u8]| {
            data.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            data.extend_from_slice(bytes);
        };
        add(b"kaoping-client-submit-v1");
        add(round.to_string().as_bytes());
        match self {
            Submission::Package { bytes, .. } => {
                add(b"package");
                add(bytes);
            }
            Submission::Upload(parts) => {
                add(b"upload");
                for p in parts {
                    add(p.field.as_bytes());
                    add(p.file_name.as_bytes());
                    add(&p.bytes);
                }
            }
        }
        format!("kaoping-cli-{}", sha256_hex(&data))
    }
}

/// The error envelope as received.
#[derive(Debug, Deserialize)]
struct Envelope {
    error: EnvelopeBody,
}

#[derive(Debug, Deserialize)]
struct EnvelopeBody {
    code: String,
    message: String,
    #[serde(default)]
    details: Value,
}

/// Text from elsewhere on one line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The start of a body that is not JSON, for the error line.
fn body_start(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = one_line(&text);
    if text.is_empty() {
        return "the body is empty".to_string();
    }
    let mut start: String = text.chars().take(80).collect();
    if start.len() < text.len() {
        start.push('…');
    }
    format!("it starts {start:?}")
}

/// The innermost cause of a transport error, in a few words.
fn cause(e: &reqwest::Error) -> String {
    let mut innermost: &dyn std::error::Error = e;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            let words = match io.kind() {
                K::ConnectionRefused => Some("connection refused"),
                K::ConnectionReset => Some("connection reset"),
                K::ConnectionAborted => Some("connection aborted"),
                K::TimedOut => Some("timed out"),
                K::BrokenPipe => Some("the connection was closed while sending"),
                K::UnexpectedEof => Some("the connection was closed early"),
                K::AddrNotAvailable => Some("address not available"),
                _ => None,
            };
            if let Some(w) = words {
                return w.to_string();
            }
        }
        innermost = s;
        source = s.source();
    }
    one_line(&innermost.to_string())
}

/// A client of one server with one token.
#[derive(Debug, Clone)]
pub struct Client {
    base: Url,
    /// The server as the user named it, for messages.
    server: String,
    http: Http,
}

impl Client {
    /// `server` is the base URL (http:// or https://, any path prefix kept); `token` a bearer
    /// token. Nothing is sent yet.
    pub fn new(server: &str, token: &str) -> Result<Client, ClientError> {
        let shown = server.trim().trim_end_matches('/').to_string();
        let invalid = |reason: &str| ClientError::InvalidServer {
            server: server.to_string(),
            reason: reason.to_string(),
        };
        let mut base = Url::parse(server.trim())
            .map_err(|e| invalid(&format!("{e}; expected http://HOST[:PORT]")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid("expected http://… or https://…"));
        }
        if base.cannot_be_a_base() || base.host().is_none() {
            return Err(invalid("expected http://HOST[:PORT]"));
        }
        base.set_query(None);
        base.set_fragment(None);
        let token = token.trim();
        if token.is_empty() {
            return Err(ClientError::InvalidToken);
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ClientError::InvalidToken)?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let http = Http::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .default_headers(headers)
            .user_agent(concat!("kaoping/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Setup(cause(&e)))?;
        Ok(Client {
            base,
            server: shown,
            http,
        })
    }

    /// The base URL with these path segments added (each percent-encoded).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    fn transport(&self, e: reqwest::Error) -> ClientError {
        let server = self.server.clone();
        if e.is_timeout() {
            if e.is_connect() {
                ClientError::Unreachable {
                    server,
                    cause: format!("no connection within {} s", CONNECT_TIMEOUT.as_secs()),
                }
            } else {
                ClientError::Timeout {
                    server,
                    secs: REQUEST_TIMEOUT.as_secs(),
                }
            }
        } else if e.is_connect() {
            ClientError::Unreachable {
                server,
                cause: cause(&e),
            }
        } else {
            ClientError::Transport {
                server,
                cause: cause(&e),
            }
        }
    }

    /// Sends a request and reads the answer: a 2xx body as `T`, anything else as a refusal.
    fn exchange<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        url: &Url,
        what: &'static str,
    ) -> Result<(T, HeaderMap), ClientError> {
        let response = request.send().map_err(|e| self.transport(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().map_err(|e| self.transport(e))?;
        let shown = url.as_str().to_string();
        let parsed = || -> Result<Value, ClientError> {
            serde_json::from_slice::<Value>(&bytes).map_err(|_| ClientError::NotJson {
                url: shown.clone(),
                status: status.as_u16(),
                start: body_start(&bytes),
            })
        };
        if !status.is_success() {
            let value = parsed()?;
            let envelope: Envelope =
                serde_json::from_value(value).map_err(|e| ClientError::Unexpected {
                    url: shown.clone(),
                    status: status.as_u16(),
                    what: "error envelope",
                    reason: e.to_string(),
                })?;
            return Err(refusal(status.as_u16(), envelope.error));
        }
        let value = parsed()?;
        let typed = serde_json::from_value(value).map_err(|e| ClientError::Unexpected {
            url: shown,
            status: status.as_u16(),
            what,
            reason: e.to_string(),
        })?;
        Ok((typed, headers))
    }

    /// Rounds the token may see.
    pub fn rounds(&self) -> Result<Vec<Round>, ClientError> {
        let url = self.url(&["api", "v1", "rounds"]);
        let request = self.http.get(url.clone());
        Ok(self.exchange(request, &url, "list of rounds")?.0)
    }

    /// A department's current score sheet in a round.
    pub fn score_sheet(&self, round: i64, code: &str) -> Result<ScoreSheet, ClientError> {
        self.department_get(round, code, "score-sheet", "score sheet")
    }

    /// Every submission of a department in a round, oldest first.
    pub fn submissions(&self, round: i64, code: &str) -> Result<Vec<SubmissionView>, ClientError> {
        self.department_get(round, code, "submissions", "submission history")
    }

    /// GET /api/v1/rounds/{round}/departments/{code}/{what}.
    fn department_get<T: serde::de::DeserializeOwned>(
        &self,
        round: i64,
        code: &str,
        what: &str,
        described: &'static str,
    ) -> Result<T, ClientError> {
        let id = round.to_string();
        let url = self.url(&["api", "v1", "rounds", &id, "departments", code, what]);
        let request = self.http.get(url.clone());
        Ok(self.exchange(request, &url, described)?.0)
    }

    /// Submits to a round under an Idempotency-Key: sending the same key and request again
    /// returns the first answer and stores nothing new.
    pub fn submit(
        &self,
        round: i64,
        submission: Submission,
        idempotency_key: &str,
    ) -> Result<Submitted, ClientError> {
        let key = HeaderValue::from_str(idempotency_key)
            .ok()
            .filter(|_| !idempotency_key.is_empty() && idempotency_key.len() <= 200)
            .ok_or_else(|| {
                ClientError::Usage(
                    "the idempotency key must be 1 to 200 visible ASCII characters".into(),
                )
            })?;
        let id = round.to_string();
        let url = self.url(&["api", "v1", "rounds", &id, "submissions"]);
        let request = self.http.post(url.clone()).header("Idempotency-Key", key);
        let request = match submission {
            Submission::Package { bytes, .. } => {
                request.header(CONTENT_TYPE, "application/json").body(bytes)
            }
            Submission::Upload(parts) => {
                let mut form = multipart::Form::new();
                for p in parts {
                    let part = multipart::Part::bytes(p.bytes)
                        .file_name(p.file_name)
                        .mime_str(p.content_type)
                        .map_err(|e| ClientError::Setup(e.to_string()))?;
                    form = form.part(p.field, part);
                }
                // encoded here, not streamed: a buffered body fails with the connection's own
                // error (refused, reset …), never with a streaming thread's
                let content_type = format!("multipart/form-data; boundary={}", form.boundary());
                let mut body = Vec::new();
                form.into_reader()
                    .read_to_end(&mut body)
                    .map_err(|e| ClientError::Setup(format!("cannot encode the upload: {e}")))?;
                request.header(CONTENT_TYPE, content_type).body(body)
            }
        };
        let (response, headers) =
            self.exchange::<SubmitResponse>(request, &url, "submission response")?;
        let replayed = headers
            .get("Idempotent-Replayed")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Ok(Submitted { replayed, response })
    }
}

fn refusal(status: u16, body: EnvelopeBody) -> ClientError {
    let mut message = one_line(&body.message);
    if let Some(limit) = body.details.get("limit_bytes").and_then(Value::as_u64) {
        let _ = write!(message, " (limit {limit} bytes)");
    }
    if let Some(field) = body.details.get("field").and_then(Value::as_str) {
        if !message.contains(field) {
            let _ = write!(message, " (field `{}`)", one_line(field));
        }
    }
    ClientError::Refused {
        status,
        code: one_line(&body.code),
        message,
        details: body.details,
    }
}

/// A submission and its score sheet for people: what was stored, then the sheet.
pub fn render_submitted(s: &Submitted) -> String {
    let sub = &s.response.submission;
    let sheet = &s.response.score_sheet;
    let mut out = String::new();
    let name = sheet
        .department
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "submission {} of department {}{name} in round {} (id {}){}",
        sub.seq,
        sub.department,
        sub.round_id,
        sub.id,
        if sub.current { ", current" } else { "" }
    );
    // shown in Beijing time, as the round's deadline is
    let received = match FixedOffset::east_opt(8 * 3600) {
        Some(beijing) => sub
            .submitted_at
            .with_timezone(&beijing)
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string(),
        None => sub.submitted_at.to_rfc3339(),
    };
    let _ = writeln!(
        out,
        "received {received}{}",
        if sub.late {
            " — late: after the round's deadline"
        } else {
            ", on time"
        }
    );
    let pending = sheet.items.iter().filter(|i| i.score.is_none()).count();
    let _ = writeln!(
        out,
        "total {} / {}{}",
        sheet.total.normalize(),
        sheet.max_total.normalize(),
        if sheet.complete {
            format!(", grade {}", sheet.grade.as_deref().unwrap_or("—"))
        } else {
            format!(", {pending} item(s) await reviewers")
        }
    );
    if let Some(source) = &sub.source_name {
        let _ = writeln!(out, "report file {source}");
    }
    for e in &sub.evidence {
        let _ = writeln!(
            out,
            "evidence {} ({}, {} bytes, sha256 {})",
            e.name, e.content_type, e.size, e.sha256
        );
    }
    if s.replayed {
        let _ = writeln!(
            out,
            "(the server had this request already: it answered as before and stored nothing new)"
        );
    }
    let _ = writeln!(out);
    out.push_str(&render::score_sheet(sheet));
    out
}

/// Rounds as a table: id, year, state, deadline, title.
pub fn render_rounds(rounds: &[Round]) -> String {
    if rounds.is_empty() {
        return "no rounds\n".to_string();
    }
    let id_w = rounds
        .iter()
        .map(|r| r.id.to_string().len())
        .max()
        .unwrap_or(0)
        .max(2);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<id_w$}  year  {:<9}  deadline    title",
        "id", "state"
    );
    for r in rounds {
        let _ = writeln!(
            out,
            "{:<id_w$}  {:<4}  {:<9}  {}  {}",
            r.id,
            r.year,
            r.state.as_str(),
            r.deadline.format("%Y-%m-%d"),
            r.title
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type_of("a.PDF"), "application/pdf");
        assert_eq!(content_type_of("scan.jpeg"), "image/jpeg");
        assert_eq!(content_type_of("README"), "application/octet-stream");
        assert_eq!(content_type_of("x.tar.gz"), "application/octet-stream");
    }

    #[test]
    fn server_urls_are_checked_and_paths_encoded() {
        assert!(matches!(
            Client::new("127.0.0.1:8080", "t"),
            Err(ClientError::InvalidServer { .. })
        ));
        assert!(matches!(
            Client::new("ftp://example.org", "t"),
            Err(ClientError::InvalidServer { .. })
        ));
        assert!(matches!(
            Client::new("http://example.org", "bad\ntoken"),
            Err(ClientError::InvalidToken)
        ));
        let c = Client::new("http://example.org/prefix/", "t").expect("client");
        assert_eq!(
            c.url(&["api", "v1", "rounds", "1", "departments", "a/b"])
                .as_str(),
            "http://example.org/prefix/api/v1/rounds/1/departments/a%2Fb"
        );
    }
}
