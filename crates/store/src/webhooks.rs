//! Webhooks, their deliveries and every attempt at one.
//!
//! Deliveries are rows, written by the transaction that publishes (see `publications.rs`), so an
//! event is never lost to a restart. Workers — one per server, any number of servers on one
//! database — take due deliveries with a lease: `claim_due` sets `locked_until` by a conditional
//! UPDATE that only one of them can win, and `record_attempt` only counts for the lease holder.

use diesel::prelude::*;

use super::schema::{webhook_attempts, webhook_deliveries, webhooks};
use super::{with_conn, write_tx, Store, StoreError, StoreResult};

/// `webhook_deliveries.state`: waiting for its next attempt (or being sent, when leased).
pub const DELIVERY_PENDING: &str = "pending";
/// `webhook_deliveries.state`: a receiver answered 2xx.
pub const DELIVERY_DELIVERED: &str = "delivered";
/// `webhook_deliveries.state`: every attempt failed; an admin may requeue it.
pub const DELIVERY_FAILED: &str = "failed";

#[derive(Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    /// The HMAC key; only the worker reads it, nothing shows it.
    pub secret: String,
    pub description: Option<String>,
    /// False once deleted: nothing new is queued for it and nothing more is sent.
    pub active: bool,
    pub created_at: i64,
}

/// The secret stays out of logs and panics.
impl std::fmt::Debug for WebhookRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRow")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("description", &self.description)
            .field("active", &self.active)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A delivery without its payload.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub round_id: i64,
    pub version: i32,
    pub event: String,
    /// [`DELIVERY_PENDING`], [`DELIVERY_DELIVERED`] or [`DELIVERY_FAILED`].
    pub state: String,
    /// Attempts since it was queued (or requeued).
    pub attempts: i32,
    pub next_attempt_at: i64,
    /// While in the future, a worker holds the delivery.
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    /// 1, 2, …: numbered over the delivery's whole life, requeues included.
    pub attempt: i32,
    pub at: i64,
    /// The receiver's HTTP status; None when no answer came.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A delivery a worker holds until `lease_until`: what to send, where, and the key to sign it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    /// The JSON to POST, byte for byte.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i32,
    /// The claim: the `locked_until` this worker set. Recording the attempt checks it is still
    /// there, so a worker that lost its lease cannot overwrite another's result.
    pub lease_until: i64,
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for ClaimedDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedDelivery")
            .field("id", &self.id)
            .field("webhook_id", &self.webhook_id)
            .field("event", &self.event)
            .field("payload_bytes", &self.payload.len())
            .field("attempts", &self.attempts)
            .field("lease_until", &self.lease_until)
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// One POST, as it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttempt {
    pub at: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What an attempt leaves the delivery as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Failed; try again at this instant.
    Retry { next_attempt_at: i64 },
    /// Failed for the last time.
    GiveUp,
}

/// An event to queue for every active webhook: the same rows the publishing transaction writes.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub round_id: i64,
    pub version: i32,
    pub event: &'a str,
    pub payload: &'a str,
    /// Queued at, and first due at.
    pub at: i64,
}

/// What an attempt changes on its delivery; `None` leaves a column as it is.
#[derive(AsChangeset)]
#[diesel(table_name = webhook_deliveries)]
struct AfterAttempt<'a> {
    state: Option<&'a str>,
    next_attempt_at: Option<i64>,
    locked_until: Option<Option<i64>>,
    delivered_at: Option<Option<i64>>,
}

impl Store {
    pub fn insert_webhook(
        &self,
        url: &str,
        secret: &str,
        description: Option<&str>,
        now: i64,
    ) -> StoreResult<WebhookRow> {
        write_tx!(self, |c| {
            let id: i64 = diesel::insert_into(webhooks::table)
                .values((
                    webhooks::url.eq(url),
                    webhooks::secret.eq(secret),
                    webhooks::description.eq(description),
                    webhooks::active.eq(true),
                    webhooks::created_at.eq(now),
                ))
                .returning(webhooks::id)
                .get_result(c)?;
            Ok(webhooks::table
                .find(id)
                .select(WebhookRow::as_select())
                .first(c)?)
        })
    }

    /// Every webhook, deactivated ones too, oldest first.
    pub fn webhooks(&self) -> StoreResult<Vec<WebhookRow>> {
        with_conn!(self, |c| Ok(webhooks::table
            .order(webhooks::id)
            .select(WebhookRow::as_select())
            .load(c)?))
    }

    pub fn webhook(&self, id: i64) -> StoreResult<Option<WebhookRow>> {
        with_conn!(self, |c| Ok(webhooks::table
            .find(id)
            .select(WebhookRow::as_select())
            .first(c)
            .optional()?))
    }

    /// Stops a webhook: no new deliveries, pending ones are no longer sent; the log stays.
    /// False when there is no active webhook with that id.
    pub fn deactivate_webhook(&self, id: i64) -> StoreResult<bool> {
        write_tx!(self, |c| {
            let n = diesel::update(webhooks::table.find(id).filter(webhooks::active.eq(true)))
                .set(webhooks::active.eq(false))
                .execute(c)?;
            Ok(n == 1)
        })
    }

    /// Queues `event` for every active webhook; returns the deliveries' ids. Publishing writes
    /// these rows in its own transaction; this is for events raised on their own (and tests).
    pub fn enqueue_webhook_event(&self, e: &NewEvent<'_>) -> StoreResult<Vec<i64>> {
        write_tx!(self, |c| {
            let hooks: Vec<i64> = webhooks::table
                .filter(webhooks::active.eq(true))
                .order(webhooks::id)
                .select(webhooks::id)
                .load(c)?;
            let mut ids = Vec::with_capacity(hooks.len());
            for hook in hooks {
                ids.push(
                    diesel::insert_into(webhook_deliveries::table)
                        .values((
                            webhook_deliveries::webhook_id.eq(hook),
                            webhook_deliveries::round_id.eq(e.round_id),
                            webhook_deliveries::version.eq(e.version),
                            webhook_deliveries::event.eq(e.event),
                            webhook_deliveries::payload.eq(e.payload),
                            webhook_deliveries::state.eq(DELIVERY_PENDING),
                            webhook_deliveries::attempts.eq(0),
                            webhook_deliveries::next_attempt_at.eq(e.at),
                            webhook_deliveries::created_at.eq(e.at),
                        ))
                        .returning(webhook_deliveries::id)
                        .get_result(c)?,
                );
            }
            Ok(ids)
        })
    }

    /// Leases up to `limit` due deliveries of active webhooks until `now + lease_micros`.
    ///
    /// Safe across processes: each row is taken by an UPDATE whose WHERE repeats the "due and
    /// not leased" test, and only the transaction that changed the row owns it. On PostgreSQL a
    /// second worker's UPDATE waits for the first's commit and then finds the row leased; SQLite
    /// runs writers one at a time. Rows are taken in one order, so two workers cannot deadlock.
    pub fn claim_due(
        &self,
        now: i64,
        lease_micros: i64,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        use webhook_deliveries as d;
        let until = now.saturating_add(lease_micros.max(1));
        write_tx!(self, |c| {
            let candidates: Vec<i64> = d::table
                .inner_join(webhooks::table)
                .filter(webhooks::active.eq(true))
                .filter(d::state.eq(DELIVERY_PENDING))
                .filter(d::next_attempt_at.le(now))
                .filter(d::locked_until.is_null().or(d::locked_until.lt(now)))
                .order((d::next_attempt_at, d::id))
                .select(d::id)
                .limit(limit)
                .load(c)?;
            let mut claimed = Vec::with_capacity(candidates.len());
            for id in candidates {
                let won = diesel::update(
                    d::table
                        .find(id)
                        .filter(d::state.eq(DELIVERY_PENDING))
                        .filter(d::next_attempt_at.le(now))
                        .filter(d::locked_until.is_null().or(d::locked_until.lt(now))),
                )
                .set(d::locked_until.eq(until))
                .execute(c)?;
                if won == 1 {
                    claimed.push(id);
                }
            }
            if claimed.is_empty() {
                return Ok(Vec::new());
            }
            let rows: Vec<(i64, i64, String, String, i32, String, String)> = d::table
                .inner_join(webhooks::table)
                .filter(d::id.eq_any(&claimed))
                .order((d::next_attempt_at, d::id))
                .select((
                    d::id,
                    d::webhook_id,
                    d::event,
                    d::payload,
                    d::attempts,
                    webhooks::url,
                    webhooks::secret,
                ))
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, webhook_id, event, payload, attempts, url, secret)| ClaimedDelivery {
                        id,
                        webhook_id,
                        event,
                        payload,
                        attempts,
                        lease_until: until,
                        url,
                        secret,
                    },
                )
                .collect())
        })
    }

    /// Writes an attempt and its outcome in one transaction. False (and nothing written) when
    /// the claim is no longer this worker's: the lease ran out and another worker took it.
    pub fn record_attempt(
        &self,
        claim: &ClaimedDelivery,
        attempt: &NewAttempt,
        outcome: AttemptOutcome,
    ) -> StoreResult<bool> {
        use webhook_deliveries as d;
        let change = match outcome {
            AttemptOutcome::Delivered => AfterAttempt {
                state: Some(DELIVERY_DELIVERED),
                next_attempt_at: None,
                locked_until: Some(None),
                delivered_at: Some(Some(attempt.at)),
            },
            AttemptOutcome::Retry { next_attempt_at } => AfterAttempt {
                state: None,
                next_attempt_at: Some(next_attempt_at),
                locked_until: Some(None),
                delivered_at: None,
            },
            AttemptOutcome::GiveUp => AfterAttempt {
                state: Some(DELIVERY_FAILED),
                next_attempt_at: None,
                locked_until: Some(None),
                delivered_at: None,
            },
        };
        write_tx!(self, |c| {
            // the conditional update first: it takes the row, so the check cannot go stale
            let held = diesel::update(
                d::table
                    .find(claim.id)
                    .filter(d::state.eq(DELIVERY_PENDING))
                    .filter(d::locked_until.eq(claim.lease_until)),
            )
            .set((d::attempts.eq(d::attempts + 1), &change))
            .execute(c)?;
            if held == 0 {
                return Ok(false);
            }
            let before: i64 = webhook_attempts::table
                .filter(webhook_attempts::delivery_id.eq(claim.id))
                .count()
                .get_result(c)?;
            diesel::insert_into(webhook_attempts::table)
                .values((
                    webhook_attempts::delivery_id.eq(claim.id),
                    webhook_attempts::attempt.eq(i32::try_from(before + 1).unwrap_or(i32::MAX)),
                    webhook_attempts::at.eq(attempt.at),
                    webhook_attempts::status_code.eq(attempt.status_code),
                    webhook_attempts::error.eq(attempt.error.as_deref()),
                    webhook_attempts::duration_ms.eq(attempt.duration_ms),
                ))
                .execute(c)?;
            Ok(true)
        })
    }

    /// Gives a claimed delivery back unsent (a worker stopping), so the next worker need not
    /// wait for the lease to run out. False when the claim was no longer held.
    pub fn release_claim(&self, claim: &ClaimedDelivery) -> StoreResult<bool> {
        use webhook_deliveries as d;
        write_tx!(self, |c| {
            let n = diesel::update(
                d::table
                    .find(claim.id)
                    .filter(d::state.eq(DELIVERY_PENDING))
                    .filter(d::locked_until.eq(claim.lease_until)),
            )
            .set(d::locked_until.eq(None::<i64>))
            .execute(c)?;
            Ok(n == 1)
        })
    }

    /// A webhook's deliveries, oldest first, each with its attempts in order.
    pub fn webhook_deliveries(
        &self,
        webhook_id: i64,
    ) -> StoreResult<Vec<(DeliveryRow, Vec<AttemptRow>)>> {
        with_conn!(self, |c| {
            let deliveries: Vec<DeliveryRow> = webhook_deliveries::table
                .filter(webhook_deliveries::webhook_id.eq(webhook_id))
                .order(webhook_deliveries::id)
                .select(DeliveryRow::as_select())
                .load(c)?;
            let ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
            let mut attempts: Vec<AttemptRow> = webhook_attempts::table
                .filter(webhook_attempts::delivery_id.eq_any(&ids))
                .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
                .select(AttemptRow::as_select())
                .load(c)?;
            Ok(deliveries
                .into_iter()
                .map(|d| {
                    let mine = attempts
                        .iter()
                        .take_while(|a| a.delivery_id == d.id)
                        .count();
                    let rest = attempts.split_off(mine);
                    let own = std::mem::replace(&mut attempts, rest);
                    (d, own)
                })
                .collect())
        })
    }

    /// Puts a failed delivery back in the queue, due now, with a fresh set of attempts (the
    /// attempt log keeps counting); returns it as requeued, with its attempts. Missing when the webhook has no such delivery; Conflict when
    /// it is not failed or the webhook was deactivated.
    pub fn requeue_delivery(
        &self,
        webhook_id: i64,
        delivery_id: i64,
        now: i64,
    ) -> StoreResult<(DeliveryRow, Vec<AttemptRow>)> {
        use webhook_deliveries as d;
        write_tx!(self, |c| {
            let active: Option<bool> = webhooks::table
                .find(webhook_id)
                .select(webhooks::active)
                .first(c)
                .optional()?;
            let missing = || {
                StoreError::Missing(format!(
                    "webhook {webhook_id} has no delivery {delivery_id}"
                ))
            };
            let Some(active) = active else {
                return Err(missing());
            };
            let changed = diesel::update(
                d::table
                    .find(delivery_id)
                    .filter(d::webhook_id.eq(webhook_id))
                    .filter(d::state.eq(DELIVERY_FAILED)),
            )
            .set((
                d::state.eq(DELIVERY_PENDING),
                d::attempts.eq(0),
                d::next_attempt_at.eq(now),
                d::locked_until.eq(None::<i64>),
            ))
            .execute(c)?;
            let row: Option<DeliveryRow> = d::table
                .find(delivery_id)
                .filter(d::webhook_id.eq(webhook_id))
                .select(DeliveryRow::as_select())
                .first(c)
                .optional()?;
            match (row, changed) {
                (None, _) => Err(missing()),
                (Some(r), 0) => Err(StoreError::Conflict(format!(
                    "delivery {delivery_id} is {}: only a failed delivery is retried",
                    r.state
                ))),
                // roll the requeue back: nothing would send it
                (Some(_), _) if !active => Err(StoreError::Conflict(format!(
                    "webhook {webhook_id} was deleted: its deliveries are not sent"
                ))),
                (Some(r), _) => {
                    let attempts = webhook_attempts::table
                        .filter(webhook_attempts::delivery_id.eq(delivery_id))
                        .order(webhook_attempts::attempt)
                        .select(AttemptRow::as_select())
                        .load(c)?;
                    Ok((r, attempts))
                }
            }
        })
    }
}
