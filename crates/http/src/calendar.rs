//! 工作日历: the calendar as the database holds it, and the years an admin adds or corrects.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::{blocking, roles, Auth, JsonBody, Require};
use super::error::{ApiError, ErrorEnvelope};
use super::review::ReasonQuery;
use kaoping_service::{
    CalendarChangeOut, CalendarImportIn, CalendarRevision, CalendarView, Service,
};

type Svc = web::Data<Service>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Only this notice year.
    pub year: Option<i32>,
}

/// The working-day calendar: coverage, days left, each year's holidays and 调休 working days.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar", params(YearQuery),
    responses((status = 200, body = CalendarView), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn calendar(
    s: Svc,
    Auth(c): Auth,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = q.year;
    Ok(HttpResponse::Ok().json(blocking(move || s.calendar(&c, year)).await?))
}

/// Every change made to the calendar, oldest first (admin).
#[utoipa::path(get, path = "/api/v1/calendar/revisions", tag = "calendar",
    responses((status = 200, body = Vec<CalendarRevision>), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn revisions(s: Svc, Auth(c): Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.calendar_revisions(&c)).await?))
}

/// Add or correct a year from the State Council's notice (its text) or a data file (admin).
/// With `dry_run` only what would change is answered; otherwise the open and closed rounds whose
/// dates it touches are scored again in the same transaction.
#[utoipa::path(post, path = "/api/v1/calendar/years", tag = "calendar", request_body = CalendarImportIn,
    responses((status = 201, body = CalendarChangeOut), (status = 200, description = "dry run", body = CalendarChangeOut),
        (status = 409, description = "another change came first", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn import(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    body: JsonBody<CalendarImportIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let out = blocking(move || s.import_calendar(&c, body)).await?;
    Ok(if out.applied {
        HttpResponse::Created().json(out)
    } else {
        HttpResponse::Ok().json(out)
    })
}

/// Take a year out again: back to the built-in data, or out of the coverage (admin); refused
/// while a round's dates lie in it.
#[utoipa::path(delete, path = "/api/v1/calendar/years/{year}", tag = "calendar",
    params(("year" = i32, Path), ReasonQuery),
    responses((status = 200, body = CalendarChangeOut), (status = 404, body = ErrorEnvelope),
        (status = 409, description = "a round uses the year", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn remove(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    year: web::Path<i32>,
    q: web::Query<ReasonQuery>,
) -> Result<HttpResponse, ApiError> {
    let out = blocking(move || s.remove_calendar_year(&c, year.into_inner(), &q.reason)).await?;
    Ok(HttpResponse::Ok().json(out))
}
