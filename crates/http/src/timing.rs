//! 报送时间与延期: a department's extended deadline and recorded receipt in a round.

use actix_web::{web, HttpResponse};

use super::auth::{blocking, roles, Auth, JsonBody, Require};
use super::error::{ApiError, ErrorEnvelope};
use kaoping_service::{DepartmentTimingIn, DepartmentTimingView, Service};

type Svc = web::Data<Service>;

/// The deadline that applies to the department and the receipt recorded for it (admin, and the
/// department itself).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/departments/{code}/timing", tag = "rounds",
    params(("id" = i64, Path), ("code" = String, Path)),
    responses((status = 200, body = DepartmentTimingView), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_timing(
    s: Svc,
    Auth(c): Auth,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code) = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.department_timing(&c, round_id, &code)).await?))
}

/// Grant the department a later deadline and/or record when its current submission was
/// received (paper, e-mail, in person), with a reason (admin; open and closed rounds). Every
/// submission of the department is scored again in the same transaction; audited.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/departments/{code}/timing", tag = "rounds",
    params(("id" = i64, Path), ("code" = String, Path)), request_body = DepartmentTimingIn,
    responses((status = 200, body = DepartmentTimingView), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "results released, or nothing submitted to record a receipt for", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn put_timing(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    path: web::Path<(i64, String)>,
    body: JsonBody<DepartmentTimingIn>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code) = path.into_inner();
    let body = body.into_inner()?;
    let out = blocking(move || s.set_department_timing(&c, round_id, &code, body)).await?;
    Ok(HttpResponse::Ok().json(out))
}
