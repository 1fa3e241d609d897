//! The bearer token of a request, resolved to its caller.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Instant;

use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};

use super::error::ApiError;
use super::throttle::retry_after_secs;
use super::ApiConfig;
use kaoping_service::{Caller, Role, Service, ServiceError};

/// The authenticated caller of a request; a missing or unknown token is 401.
#[derive(Debug, Clone)]
pub struct Auth(pub Caller);

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
}

/// The caller when the request carries a token; None without one (public reads). A token that
/// is sent but unknown is still 401, never read as anonymous.
#[derive(Debug, Clone)]
pub struct MaybeAuth(pub Option<Caller>);

/// A failed authentication: 401, or 429 once the client's address has failed too often (see
/// `throttle`). Only requests that sent credentials count; a request without any is not an
/// attempt to guess one.
fn failed(api: Option<&web::Data<ApiConfig>>, peer: Option<IpAddr>, message: &str) -> ApiError {
    let wait = match (api, peer) {
        (Some(api), Some(ip)) => api
            .auth_failures
            .fail(&api.auth_throttle, ip, Instant::now()),
        _ => None,
    };
    match wait {
        Some(wait) => ApiError::too_many_requests(
            retry_after_secs(wait),
            "too many failed authentications from this address; wait before trying again",
        ),
        None => unauthenticated(message),
    }
}

/// Resolves the request's bearer token: Ok(None) when there is no Authorization header.
fn resolve(req: &HttpRequest) -> Pin<Box<dyn Future<Output = Result<Option<Caller>, ApiError>>>> {
    let service = req.app_data::<web::Data<Service>>().cloned();
    let api = req.app_data::<web::Data<ApiConfig>>().cloned();
    let peer = req.peer_addr().map(|a| a.ip());
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|h| h.to_str().unwrap_or_default().to_string());
    Box::pin(async move {
        let service = service.ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "service not configured",
            )
        })?;
        let Some(header) = header else {
            return Ok(None);
        };
        let Some(token) = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
        else {
            return Err(failed(
                api.as_ref(),
                peer,
                "send Authorization: Bearer <token>",
            ));
        };
        let caller = match web::block(move || service.authenticate(&token)).await? {
            Ok(caller) => caller,
            Err(ServiceError::Unauthenticated) => {
                return Err(failed(
                    api.as_ref(),
                    peer,
                    "the token is unknown or revoked",
                ))
            }
            // the database failing is the server's fault, not a wrong token: 500, not counted
            Err(other) => return Err(other.into()),
        };
        tracing::Span::current().record("role", caller.role.as_str());
        Ok(Some(caller))
    })
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = resolve(req);
        Box::pin(async move {
            caller
                .await?
                .map(Auth)
                .ok_or_else(|| unauthenticated("send Authorization: Bearer <token>"))
        })
    }
}

impl FromRequest for MaybeAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = resolve(req);
        Box::pin(async move { Ok(MaybeAuth(caller.await?)) })
    }
}

/// Runs blocking service code on actix's thread pool and maps its error once.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, kaoping_service::ServiceError> + Send + 'static,
    T: Send + 'static,
{
    web::block(f).await?.map_err(ApiError::from)
}

/// Role sets for [`Require`], as bits.
pub mod roles {
    pub const ADMIN: u8 = 1;
    pub const REVIEWER: u8 = 2;
    pub const DEPARTMENT: u8 = 4;
}

/// An authenticated caller whose role is one of `ROLES` (bits of [`roles`]), checked before the
/// body is read: a caller who may never make the request hears 403, not a complaint about its
/// body (which would tell it what the route expects). The service still decides the rest.
#[derive(Debug, Clone)]
pub struct Require<const ROLES: u8>(pub Caller);

fn role_bit(role: Role) -> u8 {
    match role {
        Role::Admin => roles::ADMIN,
        Role::Reviewer => roles::REVIEWER,
        Role::Department => roles::DEPARTMENT,
        Role::Viewer => 0,
    }
}

impl<const ROLES: u8> FromRequest for Require<ROLES> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let auth = Auth::from_request(req, payload);
        Box::pin(async move {
            let Auth(caller) = auth.await?;
            if role_bit(caller.role) & ROLES == 0 {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("{} 令牌无权进行此操作", caller.role.as_str()),
                ));
            }
            Ok(Require(caller))
        })
    }
}

/// A JSON body that is judged only after the caller's authorisation: its error (400, 415, 422)
/// is held until the handler asks for it, so that [`Require`] answers first whatever finishes
/// first (actix-web polls a handler's extractors together).
pub struct JsonBody<T>(Result<T, ApiError>);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            Ok(JsonBody(
                json.await
                    .map(web::Json::into_inner)
                    .map_err(|e| ApiError::from_actix(&e)),
            ))
        })
    }
}

impl<T> JsonBody<T> {
    /// The body, or why it was refused.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}
