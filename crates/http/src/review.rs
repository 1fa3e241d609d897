//! Reviewer workflow over HTTP: reviewers and conflicts, assignments and queues, judgments,
//! reconciliations and overrides under If-Match, release, appeals, the audit log.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::{blocking, roles, Auth, JsonBody, Require};
use super::conditional::if_match;
use super::error::{ApiError, ErrorEnvelope};
use super::submissions::{download, evidence_files, read_parts};
use super::ApiConfig;
use kaoping_domain::review::AuditEntry;
use kaoping_service::{
    AppealDecisionIn, AppealIn, AppealView, AssignmentIn, AssignmentView, AutoAssignIn,
    AutoAssignResult, ConflictIn, ItemReview, JudgmentIn, Me, QueueEntry, ReviewStatus, ReviewerIn,
    ReviewerView, Round, RoundSettingsIn, Service,
};

type Svc = web::Data<Service>;
type DeptPath = web::Path<(i64, String)>;
type ItemPath = web::Path<(i64, String, String)>;

/// A write to one item: judgment, decision or override.
type ItemWrite = fn(
    &Service,
    &kaoping_service::Caller,
    i64,
    &str,
    &str,
    JudgmentIn,
    Option<&str>,
) -> Result<ItemReview, kaoping_service::ServiceError>;

async fn write(
    s: Svc,
    c: kaoping_service::Caller,
    path: ItemPath,
    req: &HttpRequest,
    body: JudgmentIn,
    f: ItemWrite,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code, item) = path.into_inner();
    let tag = if_match(req);
    let r = blocking(move || f(&s, &c, round_id, &code, &item, body, tag.as_deref())).await?;
    Ok(item_response(r))
}

fn item_response(item: ItemReview) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, item.etag.clone()))
        .json(item)
}

/// Who the token stands for.
#[utoipa::path(get, path = "/api/v1/me", tag = "review",
    responses((status = 200, body = Me), (status = 401, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn me(s: Svc, Auth(c): Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.me(&c)).await?))
}

/// Register a reviewer (admin); issue their token with POST /api/v1/tokens.
#[utoipa::path(post, path = "/api/v1/reviewers", tag = "review", request_body = ReviewerIn,
    responses((status = 201, body = ReviewerView), (status = 422, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn create_reviewer(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    body: JsonBody<ReviewerIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let r = blocking(move || s.create_reviewer(&c, body)).await?;
    Ok(HttpResponse::Created().json(r))
}

/// Every reviewer with their conflicts of interest (admin).
#[utoipa::path(get, path = "/api/v1/reviewers", tag = "review",
    responses((status = 200, body = Vec<ReviewerView>), (status = 403, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn list_reviewers(s: Svc, Auth(c): Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.reviewers(&c)).await?))
}

/// Declare a conflict of interest (回避) (admin, or the reviewer themself); the reviewer leaves
/// that department's submissions in rounds not yet released.
#[utoipa::path(post, path = "/api/v1/reviewers/{id}/conflicts", tag = "review", request_body = ConflictIn,
    params(("id" = i64, Path)),
    responses((status = 201, body = ReviewerView), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn declare_conflict(
    s: Svc,
    Require(c): Require<{ roles::ADMIN | roles::REVIEWER }>,
    id: web::Path<i64>,
    body: JsonBody<ConflictIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let r = blocking(move || s.declare_conflict(&c, id.into_inner(), body)).await?;
    Ok(HttpResponse::Created().json(r))
}

/// The caller's review queue (reviewer).
#[utoipa::path(get, path = "/api/v1/queue", tag = "review",
    responses((status = 200, body = Vec<QueueEntry>), (status = 403, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn queue(s: Svc, Auth(c): Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.queue(&c)).await?))
}

/// Change a round's deadline, appeal window or reviewers per submission, with a reason (admin).
#[utoipa::path(patch, path = "/api/v1/rounds/{id}", tag = "rounds", request_body = RoundSettingsIn,
    params(("id" = i64, Path)),
    responses((status = 200, body = Round), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn update_round(
    s: Svc,
    Require(c): Require<{ roles::ADMIN }>,
    id: web::Path<i64>,
    body: JsonBody<RoundSettingsIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let r = blocking(move || s.update_round(&c, id.into_inner(), body)).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Release results to departments (admin): closed → released, once every submitted sheet is
/// complete (409 not_fully_scored lists what is missing). Opens the appeal window.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/release", tag = "rounds", params(("id" = i64, Path)),
    responses((status = 200, body = Round), (status = 409, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn release(s: Svc, Auth(c): Auth, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.release_round(&c, id.into_inner())).await?))
}

/// Assign a reviewer to a department's submission (admin); 409 conflict_of_interest when the
/// reviewer belongs to it or declared a conflict.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/assignments", tag = "review", request_body = AssignmentIn,
    params(("id" = i64, Path)),
    responses((status = 201, body = AssignmentView), (status = 409, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn assign(
    s: Svc,
    Require(c): Require<{ roles::ADMIN | roles::REVIEWER }>,
    id: web::Path<i64>,
    body: JsonBody<AssignmentIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let a = blocking(move || s.assign(&c, id.into_inner(), body)).await?;
    Ok(HttpResponse::Created().json(a))
}

/// Spread reviewers evenly: every department topped up to the round's reviewers per submission
/// (admin).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/assignments/auto", tag = "review",
    request_body(content = Option<AutoAssignIn>, description = "optional: without a body (or null) the round's reviewers per submission"),
    params(("id" = i64, Path)),
    responses((status = 200, body = AutoAssignResult), (status = 409, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn auto_assign(
    s: Svc,
    Auth(c): Auth,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // an empty body or JSON null (as the document allows) takes the round's setting; anything
    // else must be the JSON object (serde would also read a struct from `[]`)
    let input: AutoAssignIn = if body.iter().all(u8::is_ascii_whitespace) {
        AutoAssignIn::default()
    } else {
        let value: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| super::error::serde_error(&e))?;
        if !(value.is_object() || value.is_null()) {
            return Err(ApiError::invalid(
                "body",
                "请求体应为 JSON 对象（如 {\"reviewers_per_submission\": 2}）、null，或不发送请求体",
            ));
        }
        serde_json::from_value::<Option<AutoAssignIn>>(value)
            .map_err(|e| super::error::serde_error(&e))?
            .unwrap_or_default()
    };
    Ok(HttpResponse::Ok().json(blocking(move || s.auto_assign(&c, id.into_inner(), input)).await?))
}

/// The round's assignments: all (admin) or the caller's (reviewer).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/assignments", tag = "review", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AssignmentView>), (status = 403, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn list_assignments(
    s: Svc,
    Auth(c): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.assignments(&c, id.into_inner())).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReasonQuery {
    /// Why (kept in the audit log).
    pub reason: String,
}

/// Withdraw a reviewer from a submission, with their judgments of it (admin).
#[utoipa::path(delete, path = "/api/v1/rounds/{id}/assignments/{code}/{reviewer}", tag = "review",
    params(("id" = i64, Path), ("code" = String, Path), ("reviewer" = i64, Path), ReasonQuery),
    responses((status = 204), (status = 404, body = ErrorEnvelope),
        (status = 409, description = "the round's results are released: its reviewers are fixed", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn unassign(
    s: Svc,
    Auth(c): Auth,
    path: web::Path<(i64, String, i64)>,
    q: web::Query<ReasonQuery>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code, reviewer) = path.into_inner();
    blocking(move || s.unassign(&c, round_id, &code, reviewer, &q.reason)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What awaits reconciliation, what is not judged yet, who is missing (admin, lead reviewer).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/review", tag = "review", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewStatus), (status = 403, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn review_status(
    s: Svc,
    Auth(c): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.review_status(&c, id.into_inner())).await?))
}

/// Every item of a department under review, with hints, bands and ETags (admin, lead reviewer,
/// assigned reviewer).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/departments/{code}/judgments", tag = "review",
    params(("id" = i64, Path), ("code" = String, Path)),
    responses((status = 200, body = Vec<ItemReview>), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, description = "conflict_of_interest: the reviewer belongs to the department or declared a conflict", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn item_reviews(s: Svc, Auth(c): Auth, path: DeptPath) -> Result<HttpResponse, ApiError> {
    let (round_id, code) = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.item_reviews(&c, round_id, &code)).await?))
}

/// One item under review; its ETag is the If-Match of a write.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/departments/{code}/judgments/{item}", tag = "review",
    params(("id" = i64, Path), ("code" = String, Path), ("item" = String, Path)),
    responses((status = 200, body = ItemReview, headers(("ETag" = String))), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "conflict_of_interest: the reviewer belongs to the department or declared a conflict", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn item_review(s: Svc, Auth(c): Auth, path: ItemPath) -> Result<HttpResponse, ApiError> {
    let (round_id, code, item) = path.into_inner();
    let r = blocking(move || s.item_review(&c, round_id, &code, &item)).await?;
    Ok(item_response(r))
}

/// Enter or change the caller's judgment of an item (assigned reviewer), within the rubric's
/// bands and with a reason. Needs If-Match: 428 without, 412 when stale.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/departments/{code}/judgments/{item}", tag = "review",
    request_body = JudgmentIn,
    params(("id" = i64, Path), ("code" = String, Path), ("item" = String, Path),
        ("If-Match" = String, Header, description = "the item's or the sheet's ETag")),
    responses((status = 200, body = ItemReview, headers(("ETag" = String))), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 412, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
        (status = 428, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn put_judgment(
    s: Svc,
    Require(c): Require<{ roles::REVIEWER }>,
    path: ItemPath,
    req: HttpRequest,
    body: JsonBody<JudgmentIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    write(s, c, path, &req, body, Service::put_judgment).await
}

/// A lead reviewer's (or admin's) decision on an item whose two judgments differ by more than
/// the threshold (裁定). Needs If-Match.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/departments/{code}/decisions/{item}", tag = "review",
    request_body = JudgmentIn,
    params(("id" = i64, Path), ("code" = String, Path), ("item" = String, Path), ("If-Match" = String, Header)),
    responses((status = 200, body = ItemReview), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
        (status = 412, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope), (status = 428, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn put_decision(
    s: Svc,
    Require(c): Require<{ roles::ADMIN | roles::REVIEWER }>,
    path: ItemPath,
    req: HttpRequest,
    body: JsonBody<JudgmentIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    write(s, c, path, &req, body, Service::put_decision).await
}

/// Correct an automatic result with a reason (assigned reviewer, lead reviewer, admin); the sheet
/// keeps the automatic value beside it. Needs If-Match.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/departments/{code}/overrides/{item}", tag = "review",
    request_body = JudgmentIn,
    params(("id" = i64, Path), ("code" = String, Path), ("item" = String, Path), ("If-Match" = String, Header)),
    responses((status = 200, body = ItemReview), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
        (status = 412, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope), (status = 428, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn put_override(
    s: Svc,
    Require(c): Require<{ roles::ADMIN | roles::REVIEWER }>,
    path: ItemPath,
    req: HttpRequest,
    body: JsonBody<JudgmentIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    write(s, c, path, &req, body, Service::put_override).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this department's entries.
    pub department: Option<String>,
    /// Entries after this id (paging).
    pub after: Option<i64>,
    /// At most this many (1–1000, default 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The round's audit log, oldest first (admin). Nothing in the API edits or deletes it.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/audit", tag = "review", params(("id" = i64, Path), AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn round_audit(
    s: Svc,
    Auth(c): Auth,
    id: web::Path<i64>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let entries = blocking(move || {
        s.audit_log(
            &c,
            id.into_inner(),
            q.department.as_deref(),
            q.after.unwrap_or(0),
            q.limit,
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// One submission's audit log, oldest first (admin).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/departments/{code}/audit", tag = "review",
    params(("id" = i64, Path), ("code" = String, Path)),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn department_audit(
    s: Svc,
    Auth(c): Auth,
    path: DeptPath,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code) = path.into_inner();
    let entries = blocking(move || s.audit_log(&c, round_id, Some(&code), 0, None)).await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// Appeal an item of a released sheet (the department), within the appeal window: JSON
/// `{item, reason}`, or multipart with fields `item`, `reason` and `evidence` files.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/departments/{code}/appeals", tag = "appeals",
    request_body(content = AppealIn, description = "application/json, or multipart/form-data with item, reason and evidence files"),
    params(("id" = i64, Path), ("code" = String, Path)),
    responses((status = 201, body = AppealView), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn file_appeal(
    s: Svc,
    cfg: web::Data<ApiConfig>,
    Auth(c): Auth,
    path: DeptPath,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code) = path.into_inner();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (input, evidence) = if content_type.starts_with("multipart/form-data") {
        let parts = read_parts(
            Multipart::new(req.headers(), payload),
            &cfg,
            &["item", "reason"],
        )
        .await?;
        let text = |name: &str| {
            parts
                .iter()
                .find(|p| p.name == name)
                .map(|p| String::from_utf8_lossy(&p.bytes).to_string())
                .ok_or_else(|| ApiError::invalid(name, format!("the form needs a `{name}` field")))
        };
        let input = AppealIn {
            item: text("item")?,
            reason: text("reason")?,
        };
        (input, evidence_files(parts)?)
    } else if content_type.starts_with("application/json") {
        let body = super::submissions::read_body(payload, cfg.max_body_bytes).await?;
        let input: AppealIn =
            serde_json::from_slice(&body).map_err(|e| super::error::serde_error(&e))?;
        (input, Vec::new())
    } else {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json or multipart/form-data",
        ));
    };
    let a = blocking(move || s.file_appeal(&c, round_id, &code, input, evidence)).await?;
    Ok(HttpResponse::Created().json(a))
}

/// A department's appeals (its own token, admin, lead reviewer).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/departments/{code}/appeals", tag = "appeals",
    params(("id" = i64, Path), ("code" = String, Path)),
    responses((status = 200, body = Vec<AppealView>), (status = 403, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn department_appeals(
    s: Svc,
    Auth(c): Auth,
    path: DeptPath,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code) = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.appeals(&c, round_id, Some(&code))).await?))
}

/// Every appeal of the round (admin, lead reviewer).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/appeals", tag = "appeals", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AppealView>), (status = 403, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn round_appeals(
    s: Svc,
    Auth(c): Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(blocking(move || s.appeals(&c, id.into_inner(), None)).await?))
}

/// Uphold (with the new score; needs If-Match) or reject an appeal, with a reason (admin, lead
/// reviewer without a conflict).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/appeals/{appeal}/decision", tag = "appeals",
    request_body = AppealDecisionIn,
    params(("id" = i64, Path), ("appeal" = i64, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = AppealView), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
        (status = 412, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope), (status = 428, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn decide_appeal(
    s: Svc,
    Require(c): Require<{ roles::ADMIN | roles::REVIEWER }>,
    path: web::Path<(i64, i64)>,
    req: HttpRequest,
    body: JsonBody<AppealDecisionIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let (round_id, appeal) = path.into_inner();
    let tag = if_match(&req);
    let a = blocking(move || s.decide_appeal(&c, round_id, appeal, body, tag.as_deref())).await?;
    Ok(HttpResponse::Ok().json(a))
}

/// Download an appeal's evidence file.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/appeals/{appeal}/evidence/{file}", tag = "appeals",
    params(("id" = i64, Path), ("appeal" = i64, Path), ("file" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn appeal_file(
    s: Svc,
    Auth(c): Auth,
    path: web::Path<(i64, i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, appeal, file) = path.into_inner();
    Ok(download(
        blocking(move || s.appeal_file(&c, round_id, appeal, file)).await?,
    ))
}
