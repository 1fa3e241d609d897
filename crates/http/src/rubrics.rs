//! 考评细则 versions: upload, list, read, and try one on a round before adopting it.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::{blocking, roles, Auth, JsonBody, Require};
use super::error::{ApiError, ErrorEnvelope};
use kaoping_service::{trial_csv, RubricTrial, RubricUpload, RubricVersion, Service};

type Svc = web::Data<Service>;

/// Store a rubric file (admin): validated as at start-up, kept by content hash; a round may
/// then open with it (`rubric_hash`). Uploading does not adopt it anywhere.
#[utoipa::path(post, path = "/api/v1/rubrics", tag = "rubrics", request_body = RubricUpload,
    responses((status = 201, body = RubricVersion), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn upload(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    body: JsonBody<RubricUpload>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    Ok(HttpResponse::Created().json(blocking(move || s.upload_rubric(&c, body)).await?))
}

/// Every rubric version a round may open with (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/rubrics", tag = "rubrics",
    responses((status = 200, body = Vec<RubricVersion>), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn list(s: Svc, Auth(c): Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.rubric_versions(&c)).await?))
}

/// A rubric version's file (TOML), by content hash (admin, reviewer).
#[utoipa::path(get, path = "/api/v1/rubrics/{hash}", tag = "rubrics", params(("hash" = String, Path)),
    responses((status = 200, content_type = "application/toml", body = String),
        (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn source(
    s: Svc,
    Auth(c): Auth,
    hash: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let text = blocking(move || {
        s.rubric_versions(&c)?;
        s.rubric_source(&hash)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/toml; charset=utf-8")
        .body(text))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrialQuery {
    /// The candidate version's content hash.
    pub rubric_hash: String,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Dry run (admin): the round's current submissions, with their reviews, scored under its own
/// rubric and under the candidate — totals, grades, ranks and changed items per department.
/// Nothing is written; the round and its ETags stay as they are.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/rubric-trial", tag = "rubrics",
    params(("id" = i64, Path), TrialQuery),
    responses((status = 200, body = RubricTrial), (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn trial(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    id: web::Path<i64>,
    q: web::Query<TrialQuery>,
) -> Result<HttpResponse, ApiError> {
    let TrialQuery {
        rubric_hash,
        format,
    } = q.into_inner();
    let id = id.into_inner();
    let csv = match format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::from(kaoping_service::ServiceError::invalid(
                "format",
                format!("format 只能是 json 或 csv，而不是 {other:?}"),
            )))
        }
    };
    let trial = blocking(move || s.try_rubric(&c, id, &rubric_hash)).await?;
    Ok(if csv {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "content-disposition",
                format!("attachment; filename=\"round-{id}-rubric-trial.csv\""),
            ))
            .body(trial_csv(&trial))
    } else {
        HttpResponse::Ok().json(trial)
    })
}
