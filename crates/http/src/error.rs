//! The one error envelope, `{ "error": { "code", "message", "details" } }`, with stable codes,
//! for every failure: the service's, the extractors', unknown routes and methods.

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use kaoping_service::ServiceError;

/// What a 503 `unavailable` asks the client to wait before trying again.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

/// An error as a client sees it; the cause chain goes to the log, not to the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
    /// Seconds to send as `Retry-After` (a 429 answer).
    pub retry_after: Option<u64>,
}

/// The error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code: unauthenticated, forbidden, not_found, route_not_found, method_not_allowed,
    /// conflict, invalid_json, invalid_request, invalid_path, unsupported_media_type,
    /// payload_too_large, idempotency_mismatch, unsupported_document, unreadable_document,
    /// document_too_large, too_many_parts, repeated_part, too_many_submissions,
    /// conflict_of_interest, precondition_required, precondition_failed, invalid_judgment,
    /// not_fully_scored, appeal_window_closed, too_many_requests, internal, unavailable.
    pub code: String,
    pub message: String,
    /// What went wrong where (e.g. `field`), or null.
    #[schema(value_type = Option<Object>)]
    pub details: Value,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Value::Null,
            retry_after: None,
        }
    }

    /// 429 `too_many_requests`: the client must wait `seconds` before trying again.
    pub fn too_many_requests(seconds: u64, message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message)
                .with_details(json!({ "retry_after_seconds": seconds }))
        }
    }

    /// The API error inside an actix-web error (the extractors' error handlers make them), or a
    /// 400 naming what actix-web said.
    pub fn from_actix(e: &actix_web::Error) -> Self {
        match e.as_error::<ApiError>() {
            Some(api) => ApiError {
                status: api.status,
                code: api.code,
                message: api.message.clone(),
                details: api.details.clone(),
                retry_after: api.retry_after,
            },
            None => ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()),
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
            .with_details(json!({ "field": field }))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_string(),
                message: excerpt(&self.message, MESSAGE_MAX_CHARS),
                details: excerpts(&self.details),
            },
        })
    }
}

/// The longest message an error carries: messages quote the offending input (a bad decimal,
/// an unknown value), and a 10 MB input must not come back as a 10 MB error.
pub const MESSAGE_MAX_CHARS: usize = 300;
/// The longest string inside `details`.
const DETAIL_MAX_CHARS: usize = 120;

/// At most `max` characters of `text`, with "…" where it was cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// `details` with every string cut to [`DETAIL_MAX_CHARS`].
fn excerpts(details: &Value) -> Value {
    match details {
        Value::String(s) => Value::String(excerpt(s, DETAIL_MAX_CHARS)),
        Value::Array(items) => Value::Array(items.iter().map(excerpts).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (excerpt(k, DETAIL_MAX_CHARS), excerpts(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        use StatusCode as S;
        match &e {
            ServiceError::Unauthenticated => {
                ApiError::new(S::UNAUTHORIZED, "unauthenticated", e.to_string())
            }
            ServiceError::Forbidden(m) => ApiError::new(S::FORBIDDEN, "forbidden", m.clone()),
            ServiceError::NotFound(m) => ApiError::new(S::NOT_FOUND, "not_found", m.clone()),
            ServiceError::Conflict(m) => ApiError::new(S::CONFLICT, "conflict", m.clone()),
            ServiceError::Invalid { field, message } => ApiError::invalid(field, message.clone()),
            ServiceError::Unreadable { field, message } => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "unreadable_document",
                message.clone(),
            )
            .with_details(json!({ "field": field })),
            ServiceError::UnsupportedDocument {
                field,
                file,
                kind,
                message,
            } => ApiError::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_document",
                message.clone(),
            )
            .with_details(json!({ "field": field, "name": file, "kind": kind,
                "expected": ["text", "docx", "doc", "wps", "odt", "rtf", "pdf", "xlsx", "json"] })),
            ServiceError::DocumentTooLarge {
                field,
                file,
                limit,
                value,
                message,
            } => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "document_too_large",
                message.clone(),
            )
            .with_details(json!({ "field": field, "name": file, "limit": limit,
                    "limit_value": value })),
            ServiceError::TooManySubmissions { limit, message } => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "too_many_submissions",
                message.clone(),
            )
            .with_details(json!({ "limit": "submissions_per_round", "limit_value": limit })),
            ServiceError::IdempotencyMismatch => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "idempotency_mismatch",
                e.to_string(),
            ),
            ServiceError::ConflictOfInterest(m) => {
                ApiError::new(S::CONFLICT, "conflict_of_interest", m.clone())
            }
            ServiceError::PreconditionRequired => ApiError::new(
                S::PRECONDITION_REQUIRED,
                "precondition_required",
                e.to_string(),
            ),
            ServiceError::PreconditionFailed(m) => {
                ApiError::new(S::PRECONDITION_FAILED, "precondition_failed", m.clone())
            }
            ServiceError::Judgment(j) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_judgment", j.to_string())
                    .with_details(json!({ "field": j.field() }))
            }
            ServiceError::NotFullyScored { message, missing } => {
                ApiError::new(S::CONFLICT, "not_fully_scored", message.clone())
                    .with_details(json!({ "missing": missing }))
            }
            ServiceError::AppealWindowClosed(m) => {
                ApiError::new(S::CONFLICT, "appeal_window_closed", m.clone())
            }
            ServiceError::Unavailable(_) => {
                tracing::warn!(error = %kaoping_domain::error_chain(&e), "database unavailable");
                ApiError {
                    retry_after: Some(UNAVAILABLE_RETRY_SECS),
                    ..ApiError::new(S::SERVICE_UNAVAILABLE, "unavailable", e.to_string())
                        .with_details(json!({ "retry_after_seconds": UNAVAILABLE_RETRY_SECS }))
                }
            }
            ServiceError::Rubric(_) | ServiceError::Store(_) | ServiceError::Json(_) => {
                tracing::error!(error = %kaoping_domain::error_chain(&e), "internal error");
                ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server failed; the request id is in the log",
                )
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        tracing::error!(error = %e, "blocking task failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; the request id is in the log",
        )
    }
}

/// A malformed or refused JSON body.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求体应为 JSON（Content-Type: application/json）",
        ),
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => too_large(*limit),
        JsonPayloadError::Deserialize(e) => serde_error(e),
        JsonPayloadError::Payload(PayloadError::Overflow) => too_large(0),
        other => ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", other.to_string()),
    };
    api.into()
}

pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "请求体过大",
    )
    .with_details(if limit > 0 {
        json!({ "limit_bytes": limit })
    } else {
        Value::Null
    })
}

/// A body that is not the JSON expected: where, and what serde expected.
pub fn serde_error(e: &serde_json::Error) -> ApiError {
    let code = match e.classify() {
        serde_json::error::Category::Data => "invalid_request",
        _ => "invalid_json",
    };
    let status = if code == "invalid_request" {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::BAD_REQUEST
    };
    ApiError::new(status, code, e.to_string())
        .with_details(json!({ "line": e.line(), "column": e.column() }))
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", err.to_string()).into()
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    // serde's own words name the field: "missing field `reason`" → 缺少查询参数 reason
    let said = err.to_string();
    let missing = said
        .split("missing field `")
        .nth(1)
        .and_then(|rest| rest.split('`').next());
    let (field, message) = match missing {
        Some(f) => (
            f.to_string(),
            format!("缺少查询参数 {f}：请在网址中加上 ?{f}=…"),
        ),
        None => (
            "query".to_string(),
            format!(
                "查询参数有误：{}",
                said.trim_start_matches("Query deserialize error: ")
            ),
        ),
    };
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
        .with_details(json!({ "field": field }))
        .into()
}

pub async fn route_not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "route_not_found",
        format!("没有这个接口：{} {}", req.method(), req.path()),
    ))
}

/// 405 with the `Allow` header RFC 9110 requires, naming the methods the route has.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("接口 {} 不支持 {} 方法", req.path(), req.method()),
    )
    .error_response();
    let allow = super::responses::allowed_methods(req.match_pattern().as_deref());
    response.headers_mut().insert(
        actix_web::http::header::ALLOW,
        actix_web::http::header::HeaderValue::from_static(allow),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_echoes_only_an_excerpt_of_the_input() {
        let huge = "9".repeat(10 * 1024 * 1024);
        let e = ApiError::invalid(&huge, format!("not a decimal: {huge}"));
        let r = e.error_response();
        let body = actix_web::body::to_bytes(r.into_body());
        let bytes = futures_util::FutureExt::now_or_never(body)
            .and_then(Result::ok)
            .unwrap_or_default();
        assert!(bytes.len() < 2048, "{} bytes", bytes.len());
        assert_eq!(excerpt("汨罗市数据局", 3), "汨罗市…");
        assert_eq!(excerpt("短", 3), "短");
    }
}
