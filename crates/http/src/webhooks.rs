//! Webhooks over HTTP (admin): register, list, delete, read deliveries, retry a failed one.

use actix_web::{web, HttpResponse};

use super::auth::{blocking, roles, Auth, JsonBody, Require};
use super::error::{ApiError, ErrorEnvelope};
use kaoping_service::{Delivery, Service, Webhook, WebhookIn};

type Svc = web::Data<Service>;

/// Register a dashboard's webhook (admin). Every publication and new version is POSTed to the
/// URL, signed with the secret in `X-Kaoping-Signature-256`; the secret is never shown again.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookIn,
    responses((status = 201, body = Webhook), (status = 403, body = ErrorEnvelope),
        (status = 422, description = "a bad url or secret; details.field names it", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn create_webhook(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    body: JsonBody<WebhookIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let w = blocking(move || s.create_webhook(&c, body)).await?;
    Ok(HttpResponse::Created().json(w))
}

/// Every webhook, deleted ones too, without secrets (admin).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<Webhook>), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn list_webhooks(s: Svc, Auth(c): Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.webhooks(&c)).await?))
}

/// Delete a webhook (admin): nothing more is sent to it; its deliveries stay readable.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn delete_webhook(
    s: Svc,
    Auth(c): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    blocking(move || s.delete_webhook(&c, id.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A webhook's deliveries, oldest first, each with every attempt: when, the receiver's status,
/// the error, how long it took (admin).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Delivery>), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn list_deliveries(
    s: Svc,
    Auth(c): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.webhook_deliveries(&c, id.into_inner())).await?))
}

/// Send a failed delivery again, with a fresh set of attempts (admin); 409 when it is not failed.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery}/retry", tag = "webhooks",
    params(("id" = i64, Path), ("delivery" = i64, Path)),
    responses((status = 200, body = Delivery), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn retry_delivery(
    s: Svc,
    Auth(c): Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.retry_delivery(&c, id, delivery)).await?))
}
