//! Published versions of a round's results: written once, never changed (triggers refuse it).

use diesel::prelude::*;

use super::schema::{
    audit_log, publications, published_sheets, rounds, webhook_deliveries, webhooks,
};
use super::{with_conn, write_tx, NewAudit, RoundChange, Store, StoreError, StoreResult};

/// SQLite allows 32766 bound parameters per statement; sheets have 4 columns.
const SHEETS_PER_INSERT: usize = 2000;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = publications)]
pub struct PublicationRow {
    pub round_id: i64,
    pub version: i32,
    pub published_at: i64,
    pub published_by: String,
    pub reason: String,
    /// The [`kaoping_domain::ranking::Snapshot`] as JSON.
    pub snapshot: String,
    pub sha256: String,
    pub departments: i32,
    pub ranked: i32,
    /// The [`kaoping_domain::ranking::VersionDiff`] from the previous version, as JSON.
    pub diff: Option<String>,
}

/// A version without its snapshot, for listings.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = publications)]
pub struct PublicationMeta {
    pub round_id: i64,
    pub version: i32,
    pub published_at: i64,
    pub published_by: String,
    pub reason: String,
    pub sha256: String,
    pub departments: i32,
    pub ranked: i32,
}

/// A version to write: the publication, each department's sheet, the round's new settings,
/// the webhook event (its name and JSON), and the audit entries.
pub struct NewPublication<'a> {
    pub row: PublicationRow,
    /// (department code, sheet JSON)
    pub sheets: Vec<(String, String)>,
    /// The states the round may be published from.
    pub from_states: &'a [&'a str],
    pub round_change: RoundChange,
    pub event: &'a str,
    pub payload: String,
    pub audit: Vec<NewAudit>,
}

impl Store {
    /// Writes a new version in one transaction: the publication and its sheets, the round moved
    /// to published, one pending delivery per active webhook, the audit entries. Conflict when
    /// the round is in another state or someone published `row.version` first.
    pub fn publish(&self, new: NewPublication<'_>) -> StoreResult<PublicationMeta> {
        let round_id = new.row.round_id;
        let version = new.row.version;
        write_tx!(self, |c| {
            // Takes the round's row lock on PostgreSQL (a no-op update on SQLite, already
            // serialised by BEGIN IMMEDIATE), so two publishers queue here.
            let moved = diesel::update(
                rounds::table
                    .find(round_id)
                    .filter(rounds::state.eq_any(new.from_states)),
            )
            .set(&new.round_change)
            .execute(c)?;
            if moved == 0 {
                let state: Option<String> = rounds::table
                    .find(round_id)
                    .select(rounds::state)
                    .first(c)
                    .optional()?;
                return Err(match state {
                    None => StoreError::Missing(format!("第 {round_id} 轮不存在")),
                    Some(s) => StoreError::Conflict(format!(
                        "round {round_id} is {s}: results are published from {}",
                        new.from_states.join(", ")
                    )),
                });
            }
            let latest: Option<i32> = publications::table
                .filter(publications::round_id.eq(round_id))
                .select(diesel::dsl::max(publications::version))
                .first(c)?;
            if latest.unwrap_or(0) + 1 != version {
                return Err(StoreError::Conflict(format!(
                    "round {round_id} was published meanwhile (version {}); read it and publish again",
                    latest.unwrap_or(0)
                )));
            }
            diesel::insert_into(publications::table)
                .values(&new.row)
                .execute(c)?;
            for chunk in new.sheets.chunks(SHEETS_PER_INSERT) {
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|(code, sheet)| {
                        (
                            published_sheets::round_id.eq(round_id),
                            published_sheets::version.eq(version),
                            published_sheets::department_code.eq(code),
                            published_sheets::sheet.eq(sheet),
                        )
                    })
                    .collect();
                diesel::insert_into(published_sheets::table)
                    .values(&rows)
                    .execute(c)?;
            }
            let hooks: Vec<i64> = webhooks::table
                .filter(webhooks::active.eq(true))
                .select(webhooks::id)
                .load(c)?;
            let at = new.row.published_at;
            let deliveries: Vec<_> = hooks
                .iter()
                .map(|hook| {
                    (
                        webhook_deliveries::webhook_id.eq(hook),
                        webhook_deliveries::round_id.eq(round_id),
                        webhook_deliveries::version.eq(version),
                        webhook_deliveries::event.eq(new.event),
                        webhook_deliveries::payload.eq(&new.payload),
                        webhook_deliveries::state.eq("pending"),
                        webhook_deliveries::attempts.eq(0),
                        webhook_deliveries::next_attempt_at.eq(at),
                        webhook_deliveries::created_at.eq(at),
                    )
                })
                .collect();
            if !deliveries.is_empty() {
                diesel::insert_into(webhook_deliveries::table)
                    .values(&deliveries)
                    .execute(c)?;
            }
            diesel::insert_into(audit_log::table)
                .values(&new.audit)
                .execute(c)?;
            Ok(PublicationMeta {
                round_id,
                version,
                published_at: new.row.published_at,
                published_by: new.row.published_by.clone(),
                reason: new.row.reason.clone(),
                sha256: new.row.sha256.clone(),
                departments: new.row.departments,
                ranked: new.row.ranked,
            })
        })
    }

    /// Every version of the round, oldest first.
    pub fn publications(&self, round_id: i64) -> StoreResult<Vec<PublicationMeta>> {
        with_conn!(self, |c| Ok(publications::table
            .filter(publications::round_id.eq(round_id))
            .order(publications::version)
            .select(PublicationMeta::as_select())
            .load(c)?))
    }

    /// The latest version's number, if the round was published.
    pub fn latest_version(&self, round_id: i64) -> StoreResult<Option<i32>> {
        with_conn!(self, |c| Ok(publications::table
            .filter(publications::round_id.eq(round_id))
            .select(diesel::dsl::max(publications::version))
            .first(c)?))
    }

    /// One version with its snapshot.
    pub fn publication(&self, round_id: i64, version: i32) -> StoreResult<Option<PublicationRow>> {
        with_conn!(self, |c| Ok(publications::table
            .find((round_id, version))
            .select(PublicationRow::as_select())
            .first(c)
            .optional()?))
    }

    /// A department's published sheet (JSON) in a version.
    pub fn published_sheet(
        &self,
        round_id: i64,
        version: i32,
        department: &str,
    ) -> StoreResult<Option<String>> {
        with_conn!(self, |c| Ok(published_sheets::table
            .find((round_id, version, department))
            .select(published_sheets::sheet)
            .first(c)
            .optional()?))
    }

    /// Whether the round's results may be read without a token, and its latest version; None
    /// when the round does not exist.
    pub fn publication_head(&self, round_id: i64) -> StoreResult<Option<(bool, Option<i32>)>> {
        with_conn!(self, |c| {
            let Some(public) = rounds::table
                .find(round_id)
                .select(rounds::public_results)
                .first::<bool>(c)
                .optional()?
            else {
                return Ok(None);
            };
            let latest: Option<i32> = publications::table
                .filter(publications::round_id.eq(round_id))
                .select(diesel::dsl::max(publications::version))
                .first(c)?;
            Ok(Some((public, latest)))
        })
    }
}
