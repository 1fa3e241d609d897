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
//! round              the round's settings and state, rubric source, `departments` (codes), and
//!                    `department_timings` (extensions and receipts; left out when none)
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
use serde_json::Value;

use kaoping_store::{
    micros, AppealDump, AppealFileRow, AppealRow, AssignmentRow, AuditRow, Backend, ConflictRow,
    DepartmentRow, DepartmentTimingRow, EvidenceRow, ImportedRound, JudgmentRow, PlaceholderToken,
    PublicationDump, PublicationRow, PublishedSheetRow, ResolutionRow, ReviewItemRow, ReviewerRow,
    RoundDump, RoundRow, Store, StoreError, SubmissionDump, SubmissionRow, TokenRef,
};

/// The `format` of every round archive.
pub const FORMAT: &str = "kaoping-round-archive";
/// The format version this build writes and reads.
pub const VERSION: u64 = 1;
/// The label of the tokens an import writes in place of the original ones.
pub const PLACEHOLDER_LABEL: &str = "imported from round archive";
/// Files' bytes in the document: standard base64 with padding (RFC 4648), decoded strictly (one
/// encoding per byte string, so a changed character never decodes to the same bytes).
const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

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

mod canonical;
mod export;
mod format;
mod import;

pub use canonical::{canonical_json, checksum};
use export::from_dump;
pub use format::*;
use import::to_dump;

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
    let (dump, placeholders) = to_dump(archive, micros(now), store.calendar_revision()?)?;
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

#[cfg(test)]
mod tests;
