//! The bearer token of a request, resolved to its caller.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};

use super::error::ApiError;
use crate::service::{Caller, Service};

/// The authenticated caller of a request; a missing or unknown token is 401.
#[derive(Debug, Clone)]
pub struct Auth(pub Caller);

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let service = req.app_data::<web::Data<Service>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        Box::pin(async move {
            let service = service.ok_or_else(|| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "service not configured",
                )
            })?;
            let token = token
                .filter(|t| !t.is_empty())
                .ok_or_else(|| unauthenticated("send Authorization: Bearer <token>"))?;
            let caller = web::block(move || service.authenticate(&token))
                .await?
                .map_err(|_| unauthenticated("the token is unknown or revoked"))?;
            tracing::Span::current().record("role", caller.role.as_str());
            Ok(Auth(caller))
        })
    }
}

/// Runs blocking service code on actix's thread pool and maps its error once.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, crate::service::ServiceError> + Send + 'static,
    T: Send + 'static,
{
    web::block(f).await?.map_err(ApiError::from)
}
