//! Webhooks, for admins: register a dashboard's URL and secret, list and delete them, read every
//! delivery with its attempts, and retry a delivery that failed.
//!
//! The secret is taken once and never given back: not in a view, not in a log, not in `Debug`.

use super::text::FreeText as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Caller, Role, Service, ServiceError, ServiceResult};
use crate::webhook::{validate_secret, validate_url, WebhookError};
use kaoping_store::{from_micros, micros, AttemptRow, DeliveryRow, WebhookRow};

/// A webhook to register.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookIn {
    /// Where events are POSTed: http:// or https://, at most 2000 characters.
    #[schema(example = "https://dashboard.example.gov.cn/hooks/kaoping")]
    #[schema(max_length = 2000)]
    pub url: String,
    /// The HMAC-SHA256 key of the `X-Kaoping-Signature-256` header, 16 to 256 characters. It is
    /// never shown again.
    #[schema(example = "change-me-to-a-long-random-secret")]
    #[schema(max_length = 256)]
    pub secret: String,
    #[serde(default)]
    #[schema(example = "市财政局绩效看板")]
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// The secret stays out of logs and panics.
impl std::fmt::Debug for WebhookIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookIn")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("description", &self.description)
            .finish()
    }
}

/// A registered webhook (its secret is never shown).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub description: Option<String>,
    /// False once deleted: nothing more is sent to it.
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed; retry it with POST …/retry.
    Failed,
}

impl DeliveryState {
    fn parse(s: &str) -> ServiceResult<Self> {
        match s {
            kaoping_store::DELIVERY_PENDING => Ok(DeliveryState::Pending),
            kaoping_store::DELIVERY_DELIVERED => Ok(DeliveryState::Delivered),
            kaoping_store::DELIVERY_FAILED => Ok(DeliveryState::Failed),
            other => Err(ServiceError::Conflict(format!(
                "a delivery is in an unknown state {other:?}"
            ))),
        }
    }
}

/// One event sent (or to be sent) to one webhook.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub round_id: i64,
    /// The publication's version.
    pub version: i32,
    /// e.g. round.published
    #[schema(example = "round.published")]
    pub event: String,
    pub state: DeliveryState,
    /// Attempts made since it was queued or last retried.
    pub attempts: i32,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Every attempt, first to last.
    pub attempt_log: Vec<DeliveryAttempt>,
}

/// One POST to the receiver.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAttempt {
    /// 1, 2, …, counted over the delivery's life (retries continue the count).
    pub attempt: i32,
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status; absent when it did not answer.
    pub status_code: Option<i32>,
    /// Why the attempt failed; absent when it succeeded.
    pub error: Option<String>,
    pub duration_ms: i64,
}

fn webhook_view(row: WebhookRow) -> Webhook {
    Webhook {
        id: row.id,
        url: row.url,
        description: row.description,
        active: row.active,
        created_at: from_micros(row.created_at),
    }
}

fn delivery_view(row: DeliveryRow, attempts: Vec<AttemptRow>) -> ServiceResult<Delivery> {
    let state = DeliveryState::parse(&row.state)?;
    Ok(Delivery {
        id: row.id,
        webhook_id: row.webhook_id,
        round_id: row.round_id,
        version: row.version,
        event: row.event,
        state,
        attempts: row.attempts,
        next_attempt_at: (state == DeliveryState::Pending)
            .then(|| from_micros(row.next_attempt_at)),
        delivered_at: row.delivered_at.map(from_micros),
        created_at: from_micros(row.created_at),
        attempt_log: attempts
            .into_iter()
            .map(|a| DeliveryAttempt {
                attempt: a.attempt,
                at: from_micros(a.at),
                status_code: a.status_code,
                error: a.error,
                duration_ms: a.duration_ms,
            })
            .collect(),
    })
}

impl From<WebhookError> for ServiceError {
    fn from(e: WebhookError) -> Self {
        match e.field() {
            Some(field) => ServiceError::invalid(field, e.to_string()),
            None => ServiceError::Conflict(e.to_string()),
        }
    }
}

impl Service {
    /// Registers a webhook (admin); it receives every publication from now on.
    pub fn create_webhook(&self, caller: &Caller, input: WebhookIn) -> ServiceResult<Webhook> {
        caller.require(&[Role::Admin])?;
        input.check_text()?;
        let url = input.url.trim();
        validate_url(url)?;
        validate_secret(&input.secret)?;
        let description = input
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        let row = self
            .store
            .insert_webhook(url, &input.secret, description, micros(self.now()))?;
        tracing::info!(webhook = row.id, by = %caller.actor(), "webhook registered");
        Ok(webhook_view(row))
    }

    /// Every webhook, deleted ones too (admin).
    pub fn webhooks(&self, caller: &Caller) -> ServiceResult<Vec<Webhook>> {
        caller.require(&[Role::Admin])?;
        Ok(self
            .store
            .webhooks()?
            .into_iter()
            .map(webhook_view)
            .collect())
    }

    /// Deletes a webhook (admin): it gets nothing more, pending deliveries included; its
    /// deliveries stay readable.
    pub fn delete_webhook(&self, caller: &Caller, id: i64) -> ServiceResult<()> {
        caller.require(&[Role::Admin])?;
        if !self.store.deactivate_webhook(id)? {
            return Err(ServiceError::NotFound(format!(
                "推送地址 {id} 不存在或已删除"
            )));
        }
        tracing::info!(webhook = id, by = %caller.actor(), "webhook deleted");
        Ok(())
    }

    /// A webhook's deliveries, oldest first, with every attempt (admin).
    pub fn webhook_deliveries(&self, caller: &Caller, id: i64) -> ServiceResult<Vec<Delivery>> {
        caller.require(&[Role::Admin])?;
        if self.store.webhook(id)?.is_none() {
            return Err(ServiceError::NotFound(format!("推送地址 {id} 不存在")));
        }
        self.store
            .webhook_deliveries(id)?
            .into_iter()
            .map(|(d, a)| delivery_view(d, a))
            .collect()
    }

    /// Sends a failed delivery again, with a fresh set of attempts (admin); 409 when it is not
    /// failed.
    pub fn retry_delivery(
        &self,
        caller: &Caller,
        webhook_id: i64,
        delivery_id: i64,
    ) -> ServiceResult<Delivery> {
        caller.require(&[Role::Admin])?;
        let (d, a) = self
            .store
            .requeue_delivery(webhook_id, delivery_id, micros(self.now()))?;
        tracing::info!(webhook = webhook_id, delivery = delivery_id, by = %caller.actor(), "webhook delivery requeued");
        self.notify_webhooks();
        delivery_view(d, a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_not_in_debug_output() {
        let input = WebhookIn {
            url: "https://example.com/hook".into(),
            secret: "super-secret-value-123".into(),
            description: Some("看板".into()),
        };
        let text = format!("{input:?}");
        assert!(!text.contains("super-secret-value-123"), "{text}");
        assert!(text.contains("<redacted>") && text.contains("example.com"));
    }

    #[test]
    fn input_errors_name_their_field() {
        match ServiceError::from(WebhookError::Url("bad".into())) {
            ServiceError::Invalid { field, .. } => assert_eq!(field, "url"),
            other => panic!("{other:?}"),
        }
        match ServiceError::from(WebhookError::Secret("short".into())) {
            ServiceError::Invalid { field, .. } => assert_eq!(field, "secret"),
            other => panic!("{other:?}"),
        }
    }
}
