//! The HTTP API under /api/v1: thin handlers that authenticate, call the service and map its
//! errors once; the OpenAPI document; Swagger UI from the binary; health and metrics.

pub mod server;

mod auth;
mod calendar;
mod conditional;
mod dashboard;
mod error;
mod observe;
mod package_form;
mod publish;
mod resources;
mod responses;
mod review;
mod rubrics;
mod submissions;
mod throttle;
mod timing;
mod webhooks;

use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use error::{ApiError, ErrorEnvelope};
pub use observe::{Metrics, REQUEST_ID};
pub use throttle::AuthThrottleConfig;

use responses::CommonErrors;

use kaoping_service::Service;

/// Limits of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body accepted, JSON or multipart (bytes).
    pub max_body_bytes: usize,
    /// Evidence files one multipart request may carry (佐证材料个数).
    pub max_evidence_parts: usize,
    /// When failed bearer-token authentications from one address answer 429.
    pub auth_throttle: AuthThrottleConfig,
    /// The failures counted so far. Every worker gets a clone of this configuration, so they
    /// share one log (a per-worker count would allow `workers` times the limit); a server
    /// started from a fresh `ApiConfig` starts with none.
    pub(crate) auth_failures: std::sync::Arc<throttle::FailureLog>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_body_bytes: 20 * 1024 * 1024,
            max_evidence_parts: 100,
            auth_throttle: AuthThrottleConfig::default(),
            auth_failures: std::sync::Arc::default(),
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI 3.1 description; `openapi/openapi.json` is this, committed.
#[derive(OpenApi)]
#[openapi(
    info(title = "kaoping 考评", description = "Scores budget departments' performance self-evaluation work (部门整体支出绩效自评) with the finance bureau's 100-point rubric."),
    paths(
        resources::create_department, resources::list_departments,
        resources::create_token, resources::revoke_token,
        resources::create_round, resources::list_rounds, resources::get_round, resources::close_round,
        submissions::submit, submissions::score_sheet, submissions::history, submissions::evidence,
        review::me, review::create_reviewer, review::list_reviewers, review::declare_conflict, review::queue,
        review::update_round, review::release, review::assign, review::auto_assign, review::list_assignments,
        review::unassign, review::review_status, review::item_reviews, review::item_review, review::put_judgment,
        review::put_decision, review::put_override, review::round_audit, review::department_audit,
        review::file_appeal, review::department_appeals, review::round_appeals, review::decide_appeal,
        review::appeal_file,
        publish::publish, publish::publications, publish::publication, publish::rankings,
        publish::rankings_csv, publish::rankings_xlsx, publish::published_sheet,
        webhooks::create_webhook, webhooks::list_webhooks, webhooks::delete_webhook,
        webhooks::list_deliveries, webhooks::retry_delivery,
        calendar::calendar, calendar::revisions, calendar::import, calendar::remove,
        timing::get_timing, timing::put_timing,
        rubrics::upload, rubrics::list, rubrics::source, rubrics::trial,
        healthz, readyz, observe::metrics,
    ),
    components(schemas(ErrorEnvelope)),
    modifiers(&BearerAuth, &CommonErrors),
    tags(
        (name = "departments", description = "预算部门"),
        (name = "tokens", description = "Bearer tokens"),
        (name = "rounds", description = "考核批次"),
        (name = "submissions", description = "Packages, score sheets, evidence"),
        (name = "review", description = "评审: reviewers, assignments, judgments, reconciliation, overrides, audit log"),
        (name = "appeals", description = "复核: appeals of released results"),
        (name = "publication", description = "结果公布: versioned results, rankings, exports"),
        (name = "webhooks", description = "Dashboards told of every publication: signed, retried, logged"),
        (name = "rubrics", description = "考评细则 versions: uploaded, listed, tried on a round before adoption"),
        (name = "calendar", description = "工作日历: holidays and 调休 working days, years added at run time"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

/// The document as served and committed: pretty JSON with a final newline.
pub fn openapi_json() -> String {
    let mut s = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

/// Alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Ready: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "database reachable"), (status = 503, body = ErrorEnvelope)))]
pub async fn readyz(s: web::Data<Service>) -> Result<HttpResponse, ApiError> {
    match web::block(move || s.store.ping()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }))),
        _ => Err(ApiError::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database does not answer",
        )),
    }
}

/// A resource whose other methods answer 405 in the envelope.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(error::method_not_allowed))
}

/// Registers every route, the extractor error handlers and the fallback.
pub fn configure(cfg: &mut web::ServiceConfig, api: &ApiConfig) {
    cfg.app_data(web::Data::new(api.clone()))
        .app_data(
            web::JsonConfig::default()
                .limit(api.max_body_bytes)
                .error_handler(error::json_error),
        )
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PayloadConfig::default().limit(api.max_body_bytes))
        .service(resource("/healthz").route(web::get().to(healthz)))
        .service(resource("/readyz").route(web::get().to(readyz)))
        .service(resource("/metrics").route(web::get().to(observe::metrics)))
        // /api/v1/openapi.json, Swagger UI at /docs/ and the dashboard, with security headers
        .configure(dashboard::configure)
        .service(
            web::scope("/api/v1")
                .service(
                    resource("/webhooks")
                        .route(web::post().to(webhooks::create_webhook))
                        .route(web::get().to(webhooks::list_webhooks)),
                )
                .service(
                    resource("/webhooks/{id}").route(web::delete().to(webhooks::delete_webhook)),
                )
                .service(
                    resource("/webhooks/{id}/deliveries")
                        .route(web::get().to(webhooks::list_deliveries)),
                )
                .service(
                    resource("/webhooks/{id}/deliveries/{delivery}/retry")
                        .route(web::post().to(webhooks::retry_delivery)),
                )
                .service(
                    resource("/departments")
                        .route(web::post().to(resources::create_department))
                        .route(web::get().to(resources::list_departments)),
                )
                .service(
                    resource("/rubrics")
                        .route(web::post().to(rubrics::upload))
                        .route(web::get().to(rubrics::list)),
                )
                .service(resource("/rubrics/{hash}").route(web::get().to(rubrics::source)))
                .service(resource("/rounds/{id}/rubric-trial").route(web::get().to(rubrics::trial)))
                .service(resource("/calendar").route(web::get().to(calendar::calendar)))
                .service(resource("/calendar/revisions").route(web::get().to(calendar::revisions)))
                .service(resource("/calendar/years").route(web::post().to(calendar::import)))
                .service(
                    resource("/calendar/years/{year}").route(web::delete().to(calendar::remove)),
                )
                .service(resource("/tokens").route(web::post().to(resources::create_token)))
                .service(resource("/tokens/{id}").route(web::delete().to(resources::revoke_token)))
                .service(
                    resource("/rounds")
                        .route(web::post().to(resources::create_round))
                        .route(web::get().to(resources::list_rounds)),
                )
                .service(resource("/me").route(web::get().to(review::me)))
                .service(
                    resource("/reviewers")
                        .route(web::post().to(review::create_reviewer))
                        .route(web::get().to(review::list_reviewers)),
                )
                .service(
                    resource("/reviewers/{id}/conflicts")
                        .route(web::post().to(review::declare_conflict)),
                )
                .service(resource("/queue").route(web::get().to(review::queue)))
                .service(
                    resource("/rounds/{id}")
                        .route(web::get().to(resources::get_round))
                        .route(web::patch().to(review::update_round)),
                )
                .service(resource("/rounds/{id}/release").route(web::post().to(review::release)))
                .service(resource("/rounds/{id}/publish").route(web::post().to(publish::publish)))
                .service(
                    resource("/rounds/{id}/publications")
                        .route(web::get().to(publish::publications)),
                )
                .service(
                    resource("/rounds/{id}/publications/{version}")
                        .route(web::get().to(publish::publication)),
                )
                .service(resource("/rounds/{id}/rankings").route(web::get().to(publish::rankings)))
                .service(
                    resource("/rounds/{id}/rankings.csv")
                        .route(web::get().to(publish::rankings_csv)),
                )
                .service(
                    resource("/rounds/{id}/rankings.xlsx")
                        .route(web::get().to(publish::rankings_xlsx)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/published")
                        .route(web::get().to(publish::published_sheet)),
                )
                .service(
                    resource("/rounds/{id}/assignments")
                        .route(web::post().to(review::assign))
                        .route(web::get().to(review::list_assignments)),
                )
                .service(
                    resource("/rounds/{id}/assignments/auto")
                        .route(web::post().to(review::auto_assign)),
                )
                .service(
                    resource("/rounds/{id}/assignments/{code}/{reviewer}")
                        .route(web::delete().to(review::unassign)),
                )
                .service(
                    resource("/rounds/{id}/review").route(web::get().to(review::review_status)),
                )
                .service(resource("/rounds/{id}/audit").route(web::get().to(review::round_audit)))
                .service(
                    resource("/rounds/{id}/appeals").route(web::get().to(review::round_appeals)),
                )
                .service(
                    resource("/rounds/{id}/appeals/{appeal}/decision")
                        .route(web::post().to(review::decide_appeal)),
                )
                .service(
                    resource("/rounds/{id}/appeals/{appeal}/evidence/{file}")
                        .route(web::get().to(review::appeal_file)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/judgments")
                        .route(web::get().to(review::item_reviews)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/judgments/{item}")
                        .route(web::get().to(review::item_review))
                        .route(web::put().to(review::put_judgment)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/decisions/{item}")
                        .route(web::put().to(review::put_decision)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/overrides/{item}")
                        .route(web::put().to(review::put_override)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/timing")
                        .route(web::get().to(timing::get_timing))
                        .route(web::put().to(timing::put_timing)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/audit")
                        .route(web::get().to(review::department_audit)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/appeals")
                        .route(web::post().to(review::file_appeal))
                        .route(web::get().to(review::department_appeals)),
                )
                .service(
                    resource("/rounds/{id}/close").route(web::post().to(resources::close_round)),
                )
                .service(
                    resource("/rounds/{id}/submissions").route(web::post().to(submissions::submit)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/score-sheet")
                        .route(web::get().to(submissions::score_sheet)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/submissions")
                        .route(web::get().to(submissions::history)),
                )
                .service(
                    resource("/rounds/{id}/departments/{code}/evidence/{evidence_id}")
                        .route(web::get().to(submissions::evidence)),
                ),
        )
        .default_service(web::to(error::route_not_found));
}

pub use observe::middleware as observe_middleware;
