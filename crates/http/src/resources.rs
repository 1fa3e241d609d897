//! Departments, tokens and rounds.

use actix_web::{web, HttpResponse};

use super::auth::{blocking, roles, Auth, JsonBody, Require};
use super::error::{ApiError, ErrorEnvelope};
use kaoping_service::{
    Department, DepartmentIn, Role, Round, RoundIn, Service, TokenCreated, TokenIn,
};

type Svc = web::Data<Service>;

/// Register a department (admin).
#[utoipa::path(post, path = "/api/v1/departments", tag = "departments", request_body = DepartmentIn,
    responses((status = 201, body = Department),
        (status = 404, description = "the parent department does not exist", body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn create_department(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    body: JsonBody<DepartmentIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let d = blocking(move || s.create_department(&c, body)).await?;
    Ok(HttpResponse::Created().json(d))
}

/// All departments.
#[utoipa::path(get, path = "/api/v1/departments", tag = "departments",
    responses((status = 200, body = Vec<Department>), (status = 401, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn list_departments(s: Svc, Auth(c): Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.departments(&c)).await?))
}

/// Issue a token (admin). The token is in the response once and never again.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenIn,
    responses((status = 201, body = TokenCreated), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn create_token(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    body: JsonBody<TokenIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let t = blocking(move || {
        c.require(&[Role::Admin])?;
        s.create_token(
            body.role,
            body.department.as_deref(),
            body.label.as_deref(),
            body.reviewer,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(t))
}

/// Revoke a token (admin).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn revoke_token(
    s: Svc,
    Auth(c): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    blocking(move || {
        c.require(&[Role::Admin])?;
        s.revoke_token(id.into_inner())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Open a round (admin); its rubric is pinned now.
#[utoipa::path(post, path = "/api/v1/rounds", tag = "rounds", request_body = RoundIn,
    responses((status = 201, body = Round), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn create_round(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    body: JsonBody<RoundIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let r = blocking(move || s.create_round(&c, body)).await?;
    Ok(HttpResponse::Created().json(r))
}

/// Rounds the caller may see.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "rounds",
    responses((status = 200, body = Vec<Round>), (status = 401, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn list_rounds(s: Svc, Auth(c): Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.rounds(&c)).await?))
}

/// One round.
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "rounds", params(("id" = i64, Path)),
    responses((status = 200, body = Round), (status = 404, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn get_round(
    s: Svc,
    Auth(c): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.round(&c, id.into_inner())).await?))
}

/// Why a round is closed (required before its deadline has passed).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseIn {
    /// 提前截止的原因.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Close a round (admin): open → closed, no more submissions. Before the deadline has passed
/// the body must give a reason (提前截止); after it, the body may be empty.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/close", tag = "rounds", params(("id" = i64, Path)),
    request_body(content = CloseIn, description = "optional after the deadline"),
    responses((status = 200, body = Round), (status = 409, body = ErrorEnvelope),
        (status = 422, description = "closing early without a reason", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn close_round(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: CloseIn = if body.iter().all(u8::is_ascii_whitespace) {
        CloseIn::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::from(kaoping_service::ServiceError::invalid(
                "reason",
                format!(
                    "请求体应为 {{\"reason\": \"…\"}}：{}",
                    super::error::excerpt(&e.to_string(), 200)
                ),
            ))
        })?
    };
    let id = id.into_inner();
    Ok(HttpResponse::Ok()
        .json(blocking(move || s.close_round(&c, id, input.reason.as_deref())).await?))
}
