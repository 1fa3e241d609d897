//! Round archives: `kaoping export-round ID > round.json` backs a round up, or moves it to
//! another database (SQLite or PostgreSQL), where `kaoping import-round round.json` writes it as a
//! new round. The store reads and writes the rows ([`kaoping_store::RoundDump`]); this module is
//! the document: its format, its checksum, and the checks an archive passes before anything of it
//! is written.
//!
//! # The document, format version 1
//!
//! One JSON object, written with the members in this order:
//!
//! ```text
//! format             "kaoping-round-archive"
//! version            1
//! exported_at        RFC 3339 time of the export (UTC)
//! source             {backend: "sqlite" | "postgres", round_id}: where it came from
//! round              the round's settings and state, rubric source, and `departments` (codes)
//! departments        every department the rows refer to, parents included: code, name, category…
//! tokens             the tokens rows name, without their secrets: id, role, department, reviewer…
//! reviewers          assigned, judging, behind a token, or in conflict with a round department
//! reviewer_conflicts those reviewers' conflicts of interest with the round's departments
//! submissions        every submission (history too): package and score sheet as stored, and
//!                    `evidence` files with their bytes
//! assignments, review_items, judgments, resolutions
//! appeals            with their `files`
//! audit_log          in order (ids ascending), before/after/reason as stored
//! publications       every version: snapshot, diff and sha256 as stored, and `sheets`
//! sha256             the checksum (below)
//! ```
//!
//! Times are integers, microseconds since 1970-01-01 UTC, exactly as stored. Text the service
//! stored as JSON (packages, score sheets, audit before/after, snapshots, published sheets) is
//! kept as the string it was, byte for byte: a publication's own sha256 stays verifiable, and
//! the ids inside such text (the round id in a snapshot, a submission id in an audit entry) are
//! those of the source database, as history should be. File contents are standard base64 with
//! padding; each file also carries its size and SHA-256, checked on import. Ids are those of the
//! source database: rows refer to each other by them, and the import gives every one a new id.
//! Webhooks and their deliveries are instance configuration and are not in an archive; nor are
//! token secrets or hashes, idempotency keys, or departments and reviewers the round never names.
//!
//! # The checksum
//!
//! `sha256` is the lower-case hex SHA-256 of the UTF-8 bytes of the document's canonical form
//! without its `sha256` member: no whitespace; object members sorted by key (by the keys' UTF-8
//! bytes); strings with `"` and `\` escaped as `\"` and `\\`, U+0008, U+0009, U+000A, U+000C
//! and U+000D as `\b`, `\t`, `\n`, `\f`, `\r`, the other characters below U+0020 as `\u00xx`
//! (lower-case hex), everything else as itself; integers in plain decimal (an archive holds no
//! other numbers). For this document that is RFC 8785 (JCS), and what Python writes:
//!
//! ```text
//! import hashlib, json
//! doc = json.load(open("round.json", encoding="utf-8"))
//! stated = doc.pop("sha256")
//! canon = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
//! assert hashlib.sha256(canon.encode("utf-8")).hexdigest() == stated
//! ```
//!
//! # Importing
//!
//! The file must parse, say `"format": "kaoping-round-archive"` and `"version": 1`, and hash to
//! its `sha256`; then its shape, its files' sizes and hashes, and every reference between its
//! rows are checked. Only then is it written, in one transaction: a refusal writes nothing. See
//! [`kaoping_store::Store::import_round`] for how ids are mapped, departments and reviewers reused,
//! and tokens replaced by revoked placeholders.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use kaoping_store::{
    micros, AppealDump, AppealFileRow, AppealRow, AssignmentRow, AuditRow, Backend, ConflictRow,
    DepartmentRow, EvidenceRow, ImportedRound, JudgmentRow, PlaceholderToken, PublicationDump,
    PublicationRow, PublishedSheetRow, ResolutionRow, ReviewItemRow, ReviewerRow, RoundDump,
    RoundRow, Store, StoreError, SubmissionDump, SubmissionRow, TokenRef,
};

/// The `format` of every round archive.
pub const FORMAT: &str = "kaoping-round-archive";
/// The format version this build writes and reads.
pub const VERSION: u64 = 1;
/// The label of the tokens an import writes in place of the original ones.
pub const PLACEHOLDER_LABEL: &str = "imported from round archive";

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Truncated or damaged: not even JSON.
    #[error("the archive is not valid JSON (truncated or damaged?): {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("not a round archive: {0}")]
    NotAnArchive(String),
    #[error(
        "archive format version {found} is not supported: this kaoping reads version {VERSION}"
    )]
    Version { found: String },
    #[error("the archive has no \"sha256\" checksum")]
    NoChecksum,
    #[error(
        "checksum mismatch: the archive states sha256 {stated} but its content hashes to {actual}: \
         it was changed or damaged after export"
    )]
    Checksum { stated: String, actual: String },
    /// The checksum holds but the content is not what format version 1 describes.
    #[error("the archive does not have the shape of format version {VERSION}: {0}")]
    Malformed(#[source] serde_json::Error),
    /// Its rows refer to ones it does not hold, or a file is not what it says it is.
    #[error("the archive is inconsistent: {0}")]
    Inconsistent(String),
    #[error("cannot write the archive as JSON")]
    Encode(#[source] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A round archive, format version 1 (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    pub format: String,
    pub version: u64,
    /// RFC 3339, UTC.
    pub exported_at: String,
    pub source: Source,
    pub round: RoundDoc,
    pub departments: Vec<DepartmentDoc>,
    pub tokens: Vec<TokenDoc>,
    pub reviewers: Vec<ReviewerDoc>,
    pub reviewer_conflicts: Vec<ConflictDoc>,
    pub submissions: Vec<SubmissionDoc>,
    pub assignments: Vec<AssignmentDoc>,
    pub review_items: Vec<ReviewItemDoc>,
    pub judgments: Vec<JudgmentDoc>,
    pub resolutions: Vec<ResolutionDoc>,
    pub appeals: Vec<AppealDoc>,
    pub audit_log: Vec<AuditDoc>,
    pub publications: Vec<PublicationDoc>,
    /// Lower-case hex SHA-256 of the canonical form of everything else.
    pub sha256: String,
}

/// Where an archive was exported from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// "sqlite" or "postgres".
    pub backend: String,
    pub round_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundDoc {
    pub year: i32,
    pub title: String,
    pub deadline: String,
    pub rubric_id: String,
    /// The rubric's TOML the round was pinned to.
    pub rubric_source: String,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub reviewers_per_submission: i32,
    pub appeal_days: i32,
    pub released_at: Option<i64>,
    pub appeal_deadline: Option<String>,
    pub public_results: bool,
    /// The codes of the departments taking part.
    pub departments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentDoc {
    pub code: String,
    pub name: String,
    pub category: String,
    pub parent_code: Option<String>,
    pub created_at: i64,
}

/// A token as rows name it; its secret and hash never leave the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenDoc {
    pub id: i64,
    pub role: String,
    pub department_code: Option<String>,
    pub reviewer_id: Option<i64>,
    pub label: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewerDoc {
    pub id: i64,
    pub name: String,
    pub department_code: Option<String>,
    pub lead: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictDoc {
    pub reviewer_id: i64,
    pub department_code: String,
    pub reason: String,
    pub declared_at: i64,
}

/// A file: its bytes in base64, with the size and SHA-256 they must have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDoc {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    /// Standard base64, padded.
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionDoc {
    pub id: i64,
    pub department_code: String,
    pub seq: i32,
    pub is_current: bool,
    pub submitted_at: i64,
    pub late: bool,
    /// The package JSON as stored.
    pub package: String,
    /// The score sheet JSON as stored.
    pub score_sheet: String,
    /// What that sheet was scored with (kaoping version, deadline): a build whose fingerprint
    /// differs scores the package again rather than trusting the stored sheet.
    pub scored_with: String,
    pub total_scaled: i64,
    pub complete: bool,
    /// A token id of this archive.
    pub submitted_by: i64,
    pub source_name: Option<String>,
    pub evidence: Vec<FileDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentDoc {
    pub department_code: String,
    pub reviewer_id: i64,
    pub assigned_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewItemDoc {
    pub department_code: String,
    pub item: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgmentDoc {
    pub department_code: String,
    pub item: String,
    pub reviewer_id: i64,
    pub score: String,
    pub sub_scores: Option<String>,
    pub reason: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionDoc {
    pub department_code: String,
    pub item: String,
    pub kind: String,
    pub score: String,
    pub sub_scores: Option<String>,
    pub reason: String,
    pub by_name: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealDoc {
    pub id: i64,
    pub department_code: String,
    pub item: String,
    pub reason: String,
    pub state: String,
    pub filed_at: i64,
    /// A token id of this archive.
    pub filed_by: i64,
    pub score_before: Option<String>,
    pub score_after: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub files: Vec<FileDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditDoc {
    pub id: i64,
    pub department_code: Option<String>,
    pub item: Option<String>,
    pub action: String,
    pub actor: String,
    /// A token id of this archive, when the token still existed at export.
    pub actor_token: Option<i64>,
    pub at: i64,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationDoc {
    pub version: i32,
    pub published_at: i64,
    pub published_by: String,
    pub reason: String,
    /// The snapshot JSON as stored (its round_id is the source's).
    pub snapshot: String,
    pub sha256: String,
    pub departments: i32,
    pub ranked: i32,
    pub diff: Option<String>,
    pub sheets: Vec<SheetDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetDoc {
    pub department_code: String,
    pub sheet: String,
}

/// What an import wrote, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: ImportedRound,
    pub source: Source,
    /// The archive's checksum.
    pub sha256: String,
}

impl ImportReport {
    /// For the operator: the new round's id on the first line, then the counts.
    pub fn describe(&self) -> String {
        let n = &self.imported;
        format!(
            "imported round {} of a {} database as round {}\n\
             \x20 departments     {} ({} created, {} already here)\n\
             \x20 reviewers       {} ({} created, {} already here), {} conflicts of interest\n\
             \x20 tokens          {} revoked placeholders\n\
             \x20 submissions     {} with {} evidence files\n\
             \x20 review          {} assignments, {} judgments, {} resolutions, {} item versions\n\
             \x20 appeals         {} with {} files\n\
             \x20 audit entries   {}\n\
             \x20 publications    {} with {} published sheets\n\
             \x20 archive sha256  {}\n",
            self.source.round_id,
            self.source.backend,
            n.round_id,
            n.departments_created + n.departments_reused,
            n.departments_created,
            n.departments_reused,
            n.reviewers_created + n.reviewers_reused,
            n.reviewers_created,
            n.reviewers_reused,
            n.conflicts,
            n.tokens,
            n.submissions,
            n.evidence,
            n.assignments,
            n.judgments,
            n.resolutions,
            n.review_items,
            n.appeals,
            n.appeal_files,
            n.audit,
            n.publications,
            n.published_sheets,
            self.sha256,
        )
    }
}

/// Reads a round out of the store as an archive, checksummed.
pub fn export(store: &Store, round_id: i64) -> Result<Archive, ArchiveError> {
    let dump = store.dump_round(round_id)?;
    let backend = match store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let mut archive = from_dump(dump, backend, Utc::now());
    let value = serde_json::to_value(&archive).map_err(ArchiveError::Encode)?;
    archive.sha256 = checksum(&value);
    Ok(archive)
}

/// Checks an archive and writes it into the store as a new round (one transaction).
pub fn import(
    store: &Store,
    archive: &Archive,
    now: DateTime<Utc>,
) -> Result<ImportReport, ArchiveError> {
    let (dump, placeholders) = to_dump(archive, micros(now))?;
    let imported = store.import_round(&dump, &placeholders)?;
    Ok(ImportReport {
        imported,
        source: archive.source.clone(),
        sha256: archive.sha256.clone(),
    })
}

impl Archive {
    /// The document as written to a file: pretty JSON, members in the documented order.
    pub fn to_json(&self) -> Result<String, ArchiveError> {
        let mut text = serde_json::to_string_pretty(self).map_err(ArchiveError::Encode)?;
        text.push('\n');
        Ok(text)
    }

    /// Reads a document, refusing it unless it is JSON, a round archive of a version this build
    /// reads, hashes to its checksum, and has the shape of that version, in that order (so the
    /// error names the first thing wrong).
    pub fn parse(text: &str) -> Result<Archive, ArchiveError> {
        let value: Value = serde_json::from_str(text).map_err(ArchiveError::NotJson)?;
        let Value::Object(members) = &value else {
            return Err(ArchiveError::NotAnArchive(
                "the document is not a JSON object".into(),
            ));
        };
        match members.get("format") {
            Some(Value::String(f)) if f == FORMAT => {}
            Some(other) => {
                return Err(ArchiveError::NotAnArchive(format!(
                    "its \"format\" is {other}, not \"{FORMAT}\""
                )))
            }
            None => {
                return Err(ArchiveError::NotAnArchive(format!(
                    "it has no \"format\" (\"{FORMAT}\" expected)"
                )))
            }
        }
        match members.get("version") {
            Some(v) if v.as_u64() == Some(VERSION) => {}
            Some(v) => {
                return Err(ArchiveError::Version {
                    found: v.to_string(),
                })
            }
            None => {
                return Err(ArchiveError::Version {
                    found: "(none)".into(),
                })
            }
        }
        let stated = match members.get("sha256") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(ArchiveError::NoChecksum),
        };
        let actual = checksum(&value);
        if stated != actual {
            return Err(ArchiveError::Checksum { stated, actual });
        }
        serde_json::from_value(value).map_err(ArchiveError::Malformed)
    }
}

/// The checksum of a document: SHA-256 (lower-case hex) of the canonical form of everything but
/// its top-level `sha256` member.
pub fn checksum(document: &Value) -> String {
    let mut sink = HashSink(Sha256::new());
    match document {
        Value::Object(members) => write_object(members, Some("sha256"), &mut sink),
        other => write_canonical(other, &mut sink),
    }
    crate::hex(&sink.0.finalize())
}

/// The canonical form of a JSON value (see the module documentation).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// Where canonical JSON goes: a string, or straight into the hash (an archive with its files can
/// be large; the hash needs no second copy of it).
trait Sink {
    fn put(&mut self, s: &str);
}

impl Sink for String {
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

struct HashSink(Sha256);

impl Sink for HashSink {
    fn put(&mut self, s: &str) {
        self.0.update(s.as_bytes());
    }
}

fn write_canonical(value: &Value, out: &mut impl Sink) {
    match value {
        Value::Null => out.put("null"),
        Value::Bool(true) => out.put("true"),
        Value::Bool(false) => out.put("false"),
        Value::Number(n) => out.put(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.put("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.put(",");
                }
                write_canonical(item, out);
            }
            out.put("]");
        }
        Value::Object(members) => write_object(members, None, out),
    }
}

/// An object with its members sorted by key (byte order), leaving out `skip`.
fn write_object(members: &serde_json::Map<String, Value>, skip: Option<&str>, out: &mut impl Sink) {
    let mut keys: Vec<&String> = members
        .keys()
        .filter(|k| Some(k.as_str()) != skip)
        .collect();
    keys.sort();
    out.put("{");
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.put(",");
        }
        write_string(key, out);
        out.put(":");
        if let Some(v) = members.get(key.as_str()) {
            write_canonical(v, out);
        }
    }
    out.put("}");
}

fn write_string(s: &str, out: &mut impl Sink) {
    out.put("\"");
    let mut plain = 0;
    for (i, ch) in s.char_indices() {
        let escaped = match ch {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            '\u{8}' => "\\b".to_string(),
            '\t' => "\\t".to_string(),
            '\n' => "\\n".to_string(),
            '\u{c}' => "\\f".to_string(),
            '\r' => "\\r".to_string(),
            c if u32::from(c) < 0x20 => format!("\\u{:04x}", u32::from(c)),
            _ => continue,
        };
        out.put(&s[plain..i]);
        out.put(&escaped);
        plain = i + ch.len_utf8();
    }
    out.put(&s[plain..]);
    out.put("\"");
}

fn from_dump(dump: RoundDump, backend: &str, now: DateTime<Utc>) -> Archive {
    let file =
        |id: i64, name: String, content_type: String, sha256: String, size: i64, bytes: &[u8]| {
            FileDoc {
                id,
                name,
                content_type,
                sha256,
                size,
                content: base64::encode(bytes),
            }
        };
    // the audit log names tokens without a foreign key: one gone since is not named at all
    let known: HashSet<i64> = dump.tokens.iter().map(|t| t.id).collect();
    let r = dump.round;
    Archive {
        format: FORMAT.to_string(),
        version: VERSION,
        exported_at: now.to_rfc3339_opts(SecondsFormat::Micros, true),
        source: Source {
            backend: backend.to_string(),
            round_id: r.id,
        },
        round: RoundDoc {
            year: r.year,
            title: r.title,
            deadline: r.deadline,
            rubric_id: r.rubric_id,
            rubric_source: r.rubric_source,
            state: r.state,
            created_at: r.created_at,
            updated_at: r.updated_at,
            reviewers_per_submission: r.reviewers_per_submission,
            appeal_days: r.appeal_days,
            released_at: r.released_at,
            appeal_deadline: r.appeal_deadline,
            public_results: r.public_results,
            departments: dump.round_departments,
        },
        departments: dump
            .departments
            .into_iter()
            .map(|d| DepartmentDoc {
                code: d.code,
                name: d.name,
                category: d.category,
                parent_code: d.parent_code,
                created_at: d.created_at,
            })
            .collect(),
        tokens: dump
            .tokens
            .into_iter()
            .map(|t| TokenDoc {
                id: t.id,
                role: t.role,
                department_code: t.department_code,
                reviewer_id: t.reviewer_id,
                label: t.label,
                created_at: t.created_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
        reviewers: dump
            .reviewers
            .into_iter()
            .map(|p| ReviewerDoc {
                id: p.id,
                name: p.name,
                department_code: p.department_code,
                lead: p.lead,
                created_at: p.created_at,
            })
            .collect(),
        reviewer_conflicts: dump
            .conflicts
            .into_iter()
            .map(|k| ConflictDoc {
                reviewer_id: k.reviewer_id,
                department_code: k.department_code,
                reason: k.reason,
                declared_at: k.declared_at,
            })
            .collect(),
        submissions: dump
            .submissions
            .into_iter()
            .map(|s| SubmissionDoc {
                evidence: s
                    .evidence
                    .into_iter()
                    .map(|f| file(f.id, f.name, f.content_type, f.sha256, f.size, &f.content))
                    .collect(),
                id: s.row.id,
                department_code: s.row.department_code,
                seq: s.row.seq,
                is_current: s.row.is_current,
                submitted_at: s.row.submitted_at,
                late: s.row.late,
                package: s.row.package,
                score_sheet: s.row.score_sheet,
                scored_with: s.row.scored_with,
                total_scaled: s.row.total_scaled,
                complete: s.row.complete,
                submitted_by: s.row.submitted_by,
                source_name: s.row.source_name,
            })
            .collect(),
        assignments: dump
            .assignments
            .into_iter()
            .map(|a| AssignmentDoc {
                department_code: a.department_code,
                reviewer_id: a.reviewer_id,
                assigned_at: a.assigned_at,
            })
            .collect(),
        review_items: dump
            .review_items
            .into_iter()
            .map(|v| ReviewItemDoc {
                department_code: v.department_code,
                item: v.item,
                version: v.version,
            })
            .collect(),
        judgments: dump
            .judgments
            .into_iter()
            .map(|j| JudgmentDoc {
                department_code: j.department_code,
                item: j.item,
                reviewer_id: j.reviewer_id,
                score: j.score,
                sub_scores: j.sub_scores,
                reason: j.reason,
                at: j.at,
            })
            .collect(),
        resolutions: dump
            .resolutions
            .into_iter()
            .map(|x| ResolutionDoc {
                department_code: x.department_code,
                item: x.item,
                kind: x.kind,
                score: x.score,
                sub_scores: x.sub_scores,
                reason: x.reason,
                by_name: x.by_name,
                at: x.at,
            })
            .collect(),
        appeals: dump
            .appeals
            .into_iter()
            .map(|a| AppealDoc {
                files: a
                    .files
                    .into_iter()
                    .map(|f| file(f.id, f.name, f.content_type, f.sha256, f.size, &f.content))
                    .collect(),
                id: a.row.id,
                department_code: a.row.department_code,
                item: a.row.item,
                reason: a.row.reason,
                state: a.row.state,
                filed_at: a.row.filed_at,
                filed_by: a.row.filed_by,
                score_before: a.row.score_before,
                score_after: a.row.score_after,
                decision_reason: a.row.decision_reason,
                decided_by: a.row.decided_by,
                decided_at: a.row.decided_at,
            })
            .collect(),
        audit_log: dump
            .audit
            .into_iter()
            .map(|e| AuditDoc {
                id: e.id,
                department_code: e.department_code,
                item: e.item,
                action: e.action,
                actor: e.actor,
                actor_token: e.actor_token.filter(|t| known.contains(t)),
                at: e.at,
                before: e.before,
                after: e.after,
                reason: e.reason,
            })
            .collect(),
        publications: dump
            .publications
            .into_iter()
            .map(|p| PublicationDoc {
                sheets: p
                    .sheets
                    .into_iter()
                    .map(|s| SheetDoc {
                        department_code: s.department_code,
                        sheet: s.sheet,
                    })
                    .collect(),
                version: p.row.version,
                published_at: p.row.published_at,
                published_by: p.row.published_by,
                reason: p.row.reason,
                snapshot: p.row.snapshot,
                sha256: p.row.sha256,
                departments: p.row.departments,
                ranked: p.row.ranked,
                diff: p.row.diff,
            })
            .collect(),
        sha256: String::new(),
    }
}

/// Refuses a reference to something the archive does not hold.
fn must_hold<T: std::hash::Hash + Eq + std::fmt::Display>(
    set: &HashSet<T>,
    key: &T,
    what: &str,
    whose: impl FnOnce() -> String,
) -> Result<(), ArchiveError> {
    if set.contains(key) {
        Ok(())
    } else {
        Err(ArchiveError::Inconsistent(format!(
            "{} names {what} {key}, which the archive does not hold",
            whose()
        )))
    }
}

/// Refuses two rows of one kind with the same id.
fn unique<T: std::hash::Hash + Eq + std::fmt::Display + Copy>(
    ids: impl IntoIterator<Item = T>,
    what: &str,
) -> Result<HashSet<T>, ArchiveError> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(ArchiveError::Inconsistent(format!(
                "two {what}s have the id {id}"
            )));
        }
    }
    Ok(seen)
}

/// A file's bytes, refused unless they are valid base64 of the stated size and SHA-256.
fn file_bytes(f: &FileDoc, whose: &str) -> Result<Vec<u8>, ArchiveError> {
    let bytes = base64::decode(&f.content).map_err(|why| {
        ArchiveError::Inconsistent(format!(
            "the content of {whose} file {} ({}) is not base64: {why}",
            f.id, f.name
        ))
    })?;
    if i64::try_from(bytes.len()).ok() != Some(f.size) {
        return Err(ArchiveError::Inconsistent(format!(
            "{whose} file {} ({}) has {} bytes, not the stated {}",
            f.id,
            f.name,
            bytes.len(),
            f.size
        )));
    }
    let actual = crate::sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(&f.sha256) {
        return Err(ArchiveError::Inconsistent(format!(
            "{whose} file {} ({}) hashes to {actual}, not the stated sha256 {}",
            f.id, f.name, f.sha256
        )));
    }
    Ok(bytes)
}

/// The rows to write, after checking that every reference resolves inside the archive and every
/// file is what it says; and one revoked placeholder per original token.
fn to_dump(a: &Archive, now: i64) -> Result<(RoundDump, Vec<PlaceholderToken>), ArchiveError> {
    let round_id = a.source.round_id;
    let codes: HashSet<String> = a.departments.iter().map(|d| d.code.clone()).collect();
    if codes.len() != a.departments.len() {
        return Err(ArchiveError::Inconsistent(
            "a department code is listed twice".into(),
        ));
    }
    let department =
        |code: &String, whose: &dyn Fn() -> String| must_hold(&codes, code, "department", whose);
    let token_ids = unique(a.tokens.iter().map(|t| t.id), "token")?;
    let reviewer_ids = unique(a.reviewers.iter().map(|r| r.id), "reviewer")?;
    unique(a.submissions.iter().map(|s| s.id), "submission")?;
    unique(
        a.submissions
            .iter()
            .flat_map(|s| s.evidence.iter().map(|f| f.id)),
        "evidence file",
    )?;
    unique(a.appeals.iter().map(|x| x.id), "appeal")?;
    unique(
        a.appeals.iter().flat_map(|x| x.files.iter().map(|f| f.id)),
        "appeal file",
    )?;
    unique(a.audit_log.iter().map(|e| e.id), "audit entry")?;
    unique(
        a.publications.iter().map(|p| p.version),
        "publication version",
    )?;

    for d in &a.departments {
        if let Some(p) = &d.parent_code {
            department(p, &|| format!("department {}", d.code))?;
        }
    }
    for code in &a.round.departments {
        department(code, &|| "the round".to_string())?;
    }
    for t in &a.tokens {
        if let Some(code) = &t.department_code {
            department(code, &|| format!("token {}", t.id))?;
        }
        if let Some(r) = &t.reviewer_id {
            must_hold(&reviewer_ids, r, "reviewer", || format!("token {}", t.id))?;
        }
    }
    for r in &a.reviewers {
        if let Some(code) = &r.department_code {
            department(code, &|| format!("reviewer {}", r.id))?;
        }
    }
    for k in &a.reviewer_conflicts {
        must_hold(&reviewer_ids, &k.reviewer_id, "reviewer", || {
            "a conflict of interest".to_string()
        })?;
        department(&k.department_code, &|| {
            format!("reviewer {}'s conflict of interest", k.reviewer_id)
        })?;
    }
    let mut submissions = Vec::with_capacity(a.submissions.len());
    for s in &a.submissions {
        let whose = || format!("submission {}", s.id);
        department(&s.department_code, &whose)?;
        must_hold(&token_ids, &s.submitted_by, "token", whose)?;
        let mut evidence = Vec::with_capacity(s.evidence.len());
        for f in &s.evidence {
            evidence.push(EvidenceRow {
                id: f.id,
                submission_id: s.id,
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                sha256: f.sha256.clone(),
                size: f.size,
                content: file_bytes(f, &format!("submission {}'s evidence", s.id))?,
            });
        }
        submissions.push(SubmissionDump {
            row: SubmissionRow {
                id: s.id,
                round_id,
                department_code: s.department_code.clone(),
                seq: s.seq,
                is_current: s.is_current,
                submitted_at: s.submitted_at,
                late: s.late,
                package: s.package.clone(),
                score_sheet: s.score_sheet.clone(),
                scored_with: s.scored_with.clone(),
                total_scaled: s.total_scaled,
                complete: s.complete,
                submitted_by: s.submitted_by,
                source_name: s.source_name.clone(),
            },
            evidence,
        });
    }
    for x in &a.assignments {
        let whose = || format!("an assignment to {}", x.department_code);
        department(&x.department_code, &whose)?;
        must_hold(&reviewer_ids, &x.reviewer_id, "reviewer", whose)?;
    }
    for v in &a.review_items {
        department(&v.department_code, &|| format!("item version {}", v.item))?;
    }
    for j in &a.judgments {
        let whose = || format!("a judgment of {} {}", j.department_code, j.item);
        department(&j.department_code, &whose)?;
        must_hold(&reviewer_ids, &j.reviewer_id, "reviewer", whose)?;
    }
    for x in &a.resolutions {
        department(&x.department_code, &|| {
            format!("a resolution of {} {}", x.department_code, x.item)
        })?;
    }
    for e in &a.audit_log {
        if let Some(t) = &e.actor_token {
            must_hold(&token_ids, t, "token", || format!("audit entry {}", e.id))?;
        }
    }
    let mut appeals = Vec::with_capacity(a.appeals.len());
    for x in &a.appeals {
        let whose = || format!("appeal {}", x.id);
        department(&x.department_code, &whose)?;
        must_hold(&token_ids, &x.filed_by, "token", whose)?;
        let mut files = Vec::with_capacity(x.files.len());
        for f in &x.files {
            files.push(AppealFileRow {
                id: f.id,
                appeal_id: x.id,
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                sha256: f.sha256.clone(),
                size: f.size,
                content: file_bytes(f, &format!("appeal {}'s", x.id))?,
            });
        }
        appeals.push(AppealDump {
            row: AppealRow {
                id: x.id,
                round_id,
                department_code: x.department_code.clone(),
                item: x.item.clone(),
                reason: x.reason.clone(),
                state: x.state.clone(),
                filed_at: x.filed_at,
                filed_by: x.filed_by,
                score_before: x.score_before.clone(),
                score_after: x.score_after.clone(),
                decision_reason: x.decision_reason.clone(),
                decided_by: x.decided_by.clone(),
                decided_at: x.decided_at,
            },
            files,
        });
    }

    let placeholders = a
        .tokens
        .iter()
        .map(|t| PlaceholderToken {
            source_id: t.id,
            // not the hex SHA-256 of anything: no presented token can hash to it
            token_hash: format!("imported:{}:{}", a.sha256, t.id),
            role: t.role.clone(),
            department_code: t.department_code.clone(),
            reviewer_id: t.reviewer_id,
            label: Some(match &t.label {
                Some(l) if l.starts_with(PLACEHOLDER_LABEL) => l.clone(),
                Some(l) => format!("{PLACEHOLDER_LABEL}: {l}"),
                None => PLACEHOLDER_LABEL.to_string(),
            }),
            created_at: t.created_at,
            revoked_at: t.revoked_at.unwrap_or(now),
        })
        .collect();

    let r = &a.round;
    let dump = RoundDump {
        round: RoundRow {
            id: round_id,
            year: r.year,
            title: r.title.clone(),
            deadline: r.deadline.clone(),
            rubric_id: r.rubric_id.clone(),
            rubric_source: r.rubric_source.clone(),
            state: r.state.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            reviewers_per_submission: r.reviewers_per_submission,
            appeal_days: r.appeal_days,
            released_at: r.released_at,
            appeal_deadline: r.appeal_deadline.clone(),
            public_results: r.public_results,
        },
        round_departments: r.departments.clone(),
        departments: a
            .departments
            .iter()
            .map(|d| DepartmentRow {
                id: 0,
                code: d.code.clone(),
                name: d.name.clone(),
                category: d.category.clone(),
                parent_code: d.parent_code.clone(),
                created_at: d.created_at,
            })
            .collect(),
        tokens: a
            .tokens
            .iter()
            .map(|t| TokenRef {
                id: t.id,
                role: t.role.clone(),
                department_code: t.department_code.clone(),
                label: t.label.clone(),
                created_at: t.created_at,
                revoked_at: t.revoked_at,
                reviewer_id: t.reviewer_id,
            })
            .collect(),
        reviewers: a
            .reviewers
            .iter()
            .map(|p| ReviewerRow {
                id: p.id,
                name: p.name.clone(),
                department_code: p.department_code.clone(),
                lead: p.lead,
                created_at: p.created_at,
            })
            .collect(),
        conflicts: a
            .reviewer_conflicts
            .iter()
            .map(|k| ConflictRow {
                reviewer_id: k.reviewer_id,
                department_code: k.department_code.clone(),
                reason: k.reason.clone(),
                declared_at: k.declared_at,
            })
            .collect(),
        submissions,
        assignments: a
            .assignments
            .iter()
            .map(|x| AssignmentRow {
                round_id,
                department_code: x.department_code.clone(),
                reviewer_id: x.reviewer_id,
                assigned_at: x.assigned_at,
            })
            .collect(),
        review_items: a
            .review_items
            .iter()
            .map(|v| ReviewItemRow {
                round_id,
                department_code: v.department_code.clone(),
                item: v.item.clone(),
                version: v.version,
            })
            .collect(),
        judgments: a
            .judgments
            .iter()
            .map(|j| JudgmentRow {
                round_id,
                department_code: j.department_code.clone(),
                item: j.item.clone(),
                reviewer_id: j.reviewer_id,
                score: j.score.clone(),
                sub_scores: j.sub_scores.clone(),
                reason: j.reason.clone(),
                at: j.at,
            })
            .collect(),
        resolutions: a
            .resolutions
            .iter()
            .map(|x| ResolutionRow {
                round_id,
                department_code: x.department_code.clone(),
                item: x.item.clone(),
                kind: x.kind.clone(),
                score: x.score.clone(),
                sub_scores: x.sub_scores.clone(),
                reason: x.reason.clone(),
                by_name: x.by_name.clone(),
                at: x.at,
            })
            .collect(),
        appeals,
        audit: a
            .audit_log
            .iter()
            .map(|e| AuditRow {
                id: e.id,
                round_id,
                department_code: e.department_code.clone(),
                item: e.item.clone(),
                action: e.action.clone(),
                actor: e.actor.clone(),
                actor_token: e.actor_token,
                at: e.at,
                before: e.before.clone(),
                after: e.after.clone(),
                reason: e.reason.clone(),
            })
            .collect(),
        publications: a
            .publications
            .iter()
            .map(|p| PublicationDump {
                row: PublicationRow {
                    round_id,
                    version: p.version,
                    published_at: p.published_at,
                    published_by: p.published_by.clone(),
                    reason: p.reason.clone(),
                    snapshot: p.snapshot.clone(),
                    sha256: p.sha256.clone(),
                    departments: p.departments,
                    ranked: p.ranked,
                    diff: p.diff.clone(),
                },
                sheets: p
                    .sheets
                    .iter()
                    .map(|s| PublishedSheetRow {
                        round_id,
                        version: p.version,
                        department_code: s.department_code.clone(),
                        sheet: s.sheet.clone(),
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok((dump, placeholders))
}

/// Standard base64 (RFC 4648, with padding), small enough to keep rather than add a dependency.
/// Decoding is strict: one encoding per byte string, so a changed character never decodes to the
/// same bytes.
mod base64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let at = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
            let n = (at(0) << 16) | (at(1) << 8) | at(2);
            let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
            out.push(sextet(18));
            out.push(sextet(12));
            out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
            out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
        }
        out
    }

    fn value(b: u8) -> Option<u32> {
        match b {
            b'A'..=b'Z' => Some(u32::from(b - b'A')),
            b'a'..=b'z' => Some(u32::from(b - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(b - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }

    pub fn decode(text: &str) -> Result<Vec<u8>, String> {
        let bytes = text.as_bytes();
        if bytes.len() % 4 != 0 {
            return Err(format!("its length {} is not a multiple of 4", bytes.len()));
        }
        let quads = bytes.len() / 4;
        let mut out = Vec::with_capacity(quads * 3);
        for (q, quad) in bytes.chunks(4).enumerate() {
            let pad = quad.iter().rev().take_while(|&&b| b == b'=').count();
            if pad > 2 || (pad > 0 && q + 1 != quads) {
                return Err(format!("misplaced '=' padding at character {}", q * 4));
            }
            let mut n: u32 = 0;
            for (i, &b) in quad.iter().enumerate() {
                let v = if i >= 4 - pad {
                    0
                } else {
                    value(b).ok_or_else(|| {
                        format!(
                            "{:?} at character {} is not a base64 character",
                            char::from(b),
                            q * 4 + i
                        )
                    })?
                };
                n = (n << 6) | v;
            }
            let [_, b0, b1, b2] = n.to_be_bytes();
            out.push(b0);
            match pad {
                0 => {
                    out.push(b1);
                    out.push(b2);
                }
                1 if b2 == 0 => out.push(b1),
                2 if b1 == 0 && b2 == 0 => {}
                _ => return Err("its last character has bits set beyond the data".into()),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_every_length_and_byte() {
        let all: Vec<u8> = (0..=255u8).collect();
        for len in 0..all.len() {
            let text = base64::encode(&all[..len]);
            assert_eq!(base64::decode(&text).as_deref(), Ok(&all[..len]), "{len}");
        }
        assert_eq!(base64::encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64::encode(b"fo"), "Zm8=");
        assert_eq!(base64::encode(b"f"), "Zg==");
    }

    #[test]
    fn base64_refuses_what_is_not_its_one_encoding() {
        for bad in ["Zm8", "Zm9=Zm8=", "Zm!v", "Zg=a", "Zh==", "Zm9=", "===="] {
            assert!(base64::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_canonical_form_sorts_keys_and_escapes_like_jcs() {
        let v: Value = serde_json::from_str(
            r#"{"b": [1, -2, true, null], "a": {"y": "引号\"\\/\u0001\n", "x": {}}}"#,
        )
        .expect("json");
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"x":{},"y":"引号\"\\/\u0001\n"},"b":[1,-2,true,null]}"#
        );
    }

    #[test]
    fn the_checksum_leaves_out_only_the_top_level_sha256() {
        let v: Value =
            serde_json::from_str(r#"{"sha256": "x", "n": {"sha256": "kept"}}"#).expect("json");
        let expected = crate::sha256_hex(br#"{"n":{"sha256":"kept"}}"#);
        assert_eq!(checksum(&v), expected);
    }

    #[test]
    fn parse_names_what_is_wrong_first() {
        assert!(matches!(
            Archive::parse("{\"format\": \"kaoping-round-archive\", \"vers"),
            Err(ArchiveError::NotJson(_))
        ));
        assert!(matches!(
            Archive::parse("[]"),
            Err(ArchiveError::NotAnArchive(_))
        ));
        assert!(matches!(
            Archive::parse(r#"{"format": "zip"}"#),
            Err(ArchiveError::NotAnArchive(_))
        ));
        assert!(matches!(
            Archive::parse(r#"{"format": "kaoping-round-archive", "version": 2}"#),
            Err(ArchiveError::Version { .. })
        ));
        assert!(matches!(
            Archive::parse(r#"{"format": "kaoping-round-archive", "version": 1}"#),
            Err(ArchiveError::NoChecksum)
        ));
        assert!(matches!(
            Archive::parse(r#"{"format": "kaoping-round-archive", "version": 1, "sha256": "00"}"#),
            Err(ArchiveError::Checksum { .. })
        ));
        let bare = r#"{"format":"kaoping-round-archive","version":1}"#;
        let sum = crate::sha256_hex(bare.as_bytes());
        let text =
            format!(r#"{{"format": "kaoping-round-archive", "version": 1, "sha256": "{sum}"}}"#);
        assert!(matches!(
            Archive::parse(&text),
            Err(ArchiveError::Malformed(_))
        ));
    }
}
