//! Submissions (JSON package or multipart upload), score sheets, history, evidence.

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use super::auth::{blocking, Auth};
use super::error::{serde_error, too_large, ApiError, ErrorEnvelope};
use super::package_form::PackageForm;
use super::{ApiConfig, Metrics};
use kaoping_domain::model::{Package, ScoreSheet};
use kaoping_service::{
    sha256_hex, EvidenceUpload, Service, SubmissionView, SubmitRequest, SubmitResponse,
};

type Svc = web::Data<Service>;

/// One part of a multipart upload.
pub(super) struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// The single parts of a submission form: each may come once.
pub(super) const SUBMISSION_PARTS: &[&str] = &["report", "notice", "working_group", "self_check"];

/// The parts that may come many times: files of any kind (classified by their content) and
/// evidence. Counted together against `max_evidence_parts`.
const REPEATABLE: &[&str] = &["files", "evidence"];

/// Reads every part, refusing more than `cfg.max_body_bytes` in all, a second part named in
/// `singles` (422 `repeated_part`: which one would count is a guess) and more than
/// `cfg.max_evidence_parts` evidence files or other parts (422 `too_many_parts`), each as
/// soon as its part begins.
pub(super) async fn read_parts(
    mut mp: Multipart,
    cfg: &ApiConfig,
    singles: &[&str],
) -> Result<Vec<Part>, ApiError> {
    let limit = cfg.max_body_bytes;
    let mut parts: Vec<Part> = Vec::new();
    let mut total = 0usize;
    let mut evidence = 0usize;
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", e.to_string())
        })?;
        let name = field.name().unwrap_or_default().to_string();
        if singles.contains(&name.as_str()) && parts.iter().any(|p| p.name == name) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "repeated_part",
                format!("表单字段 {name} 只能提交一次，本次请求中重复出现"),
            )
            .with_details(json!({ "field": name })));
        }
        let too_many = |field: &str, max: usize, message: String| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "too_many_parts", message)
                .with_details(json!({ "field": field, "limit": max }))
        };
        if REPEATABLE.contains(&name.as_str()) {
            evidence += 1;
            if evidence > cfg.max_evidence_parts {
                let max = cfg.max_evidence_parts;
                return Err(too_many(
                    &name,
                    max,
                    format!("一次最多提交 {max} 个文件（files 与 evidence 合计）"),
                ));
            }
        } else if parts.len() + 1 - evidence > singles.len() {
            let max = singles.len();
            return Err(too_many(
                "",
                max,
                format!(
                    "表单字段过多：除佐证材料外最多 {max} 个字段（{}）",
                    singles.join("、")
                ),
            ));
        }
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(file_name);
        let content_type = field.content_type().map(|m| m.essence_str().to_string());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", e.to_string())
            })?;
            total += chunk.len();
            if total > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        parts.push(Part {
            name,
            filename,
            content_type,
            bytes,
        });
    }
    Ok(parts)
}

/// Content types an evidence file may have: the documents, spreadsheets, slides, images, text
/// and archives reviewers open, and `application/octet-stream` for a client that does not know.
/// Evidence is served back with the type it was sent with, so anything a browser would run or
/// render as a page (HTML, SVG, scripts, XML) is refused rather than stored.
pub const EVIDENCE_TYPES: &[&str] = &[
    "application/pdf",
    "application/ofd",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.ms-works",
    "application/json",
    "application/zip",
    "application/x-zip-compressed",
    "application/x-7z-compressed",
    "application/vnd.rar",
    "application/x-rar-compressed",
    "application/octet-stream",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/bmp",
    "text/plain",
    "text/csv",
];

/// The `evidence` file parts of a form; 415 `unsupported_media_type` for a type not in
/// [`EVIDENCE_TYPES`].
pub(super) fn evidence_files(parts: Vec<Part>) -> Result<Vec<EvidenceUpload>, ApiError> {
    parts
        .into_iter()
        .filter(|p| p.name == "evidence")
        .map(|p| {
            let name = p.filename.unwrap_or_else(|| "evidence".to_string());
            let content_type = p
                .content_type
                .unwrap_or_else(|| "application/octet-stream".to_string())
                .to_ascii_lowercase();
            if !EVIDENCE_TYPES.contains(&content_type.as_str()) {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    format!("evidence {name}: {content_type} is not accepted; send documents, spreadsheets, images, text or archives"),
                )
                .with_details(json!({ "field": "evidence", "name": name,
                    "content_type": content_type, "expected": EVIDENCE_TYPES })));
            }
            Ok(EvidenceUpload {
                name,
                content_type,
                bytes: p.bytes,
            })
        })
        .collect()
}

/// A client's file name reduced to its last component, printable, at most 200 characters: it is
/// shown back to people and never used as a path. Bidirectional controls are dropped, so that
/// "会议纪要\u{202E}gpj.exe" cannot show as "…exe.jpg".
pub(super) fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !kaoping_service::text::is_bidi_control(*c))
        .take(200)
        .collect();
    if clean.trim().is_empty() || clean == "." || clean == ".." {
        "unnamed".to_string()
    } else {
        clean
    }
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    field: &str,
    bytes: &[u8],
) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let mut api = serde_error(&e);
        api.message = format!("{field}: {}", api.message);
        api.details = json!({ "field": field, "line": e.line(), "column": e.column() });
        api
    })
}

/// Submit a package (department). JSON body: the package. Multipart: a `report` file (the
/// report as JSON), optional `notice`, `working_group`, `self_check` (JSON) and repeated
/// `evidence` files. The server stamps the receipt time and scores it at once. With an
/// `Idempotency-Key` header a retry returns the first response and stores nothing new.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/submissions", tag = "submissions", params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    request_body(content = Package, content_type = "application/json"),
    responses((status = 201, body = SubmitResponse), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 413, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn submit(
    s: Svc,
    cfg: web::Data<ApiConfig>,
    metrics: web::Data<Metrics>,
    Auth(c): Auth,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let round_id = id.into_inner();
    let idempotency_key = req
        .headers()
        .get("Idempotency-Key")
        .map(|v| v.to_str().map(str::to_string))
        .transpose()
        .map_err(|_| ApiError::invalid("Idempotency-Key", "the key must be visible ASCII"))?;
    if idempotency_key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.len() > 200)
    {
        return Err(ApiError::invalid("Idempotency-Key", "1 to 200 characters"));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let limit = cfg.max_body_bytes;
    let request = if content_type.starts_with("application/json") {
        let body = read_body(payload, limit).await?;
        let package: Package = serde_json::from_slice(&body).map_err(|e| serde_error(&e))?;
        SubmitRequest {
            package,
            source_name: None,
            evidence: Vec::new(),
            idempotency_key,
            request_hash: request_hash(round_id, &[&body]),
            document: None,
            files: Vec::new(),
        }
    } else if content_type.starts_with("multipart/form-data") {
        let parts = read_parts(
            Multipart::new(req.headers(), payload),
            &cfg,
            SUBMISSION_PARTS,
        )
        .await?;
        let hash = request_hash(
            round_id,
            &parts
                .iter()
                .flat_map(|p| {
                    [
                        p.name.as_bytes(),
                        p.filename.as_deref().unwrap_or("").as_bytes(),
                        p.content_type.as_deref().unwrap_or("").as_bytes(),
                        p.bytes.as_slice(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
        let form = PackageForm::read(s.clone(), c.clone(), round_id, parts).await?;
        form.into_request(idempotency_key, hash)?
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json (the package) or multipart/form-data (a report file and documents)",
        ));
    };
    let stored = blocking(move || s.submit(&c, round_id, request)).await?;
    if !stored.replayed {
        metrics.submissions.inc();
        metrics.checks.inc();
    }
    let mut response =
        HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED));
    if stored.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.content_type("application/json").body(stored.body))
}

/// What a retry must repeat exactly: the round and every field, each length-prefixed so that
/// no two different requests hash alike.
fn request_hash(round_id: i64, fields: &[&[u8]]) -> String {
    let mut all = format!("round {round_id}\n").into_bytes();
    for f in fields {
        all.extend_from_slice(&(f.len() as u64).to_le_bytes());
        all.extend_from_slice(f);
    }
    sha256_hex(&all)
}

pub(super) async fn read_body(
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", e.to_string())
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The department's current score sheet in the round.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/departments/{code}/score-sheet", tag = "submissions",
    params(("id" = i64, Path), ("code" = String, Path)),
    responses((status = 200, body = ScoreSheet, headers(("ETag" = String, description = "send as If-Match to write, or If-None-Match to poll"))),
        (status = 304, description = "not modified since the ETag sent"), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, description = "conflict_of_interest: a reviewer of the department reads only what is published", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn score_sheet(
    s: Svc,
    Auth(c): Auth,
    path: web::Path<(i64, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code) = path.into_inner();
    let (sheet, etag) = blocking(move || s.score_sheet(&c, round_id, &code)).await?;
    Ok(super::conditional::with_etag(&req, etag, &sheet))
}

/// Every submission of the department in the round, oldest first.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/departments/{code}/submissions", tag = "submissions",
    params(("id" = i64, Path), ("code" = String, Path)),
    responses((status = 200, body = Vec<SubmissionView>), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, description = "conflict_of_interest: a reviewer of the department reads only what is published", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn history(
    s: Svc,
    Auth(c): Auth,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code) = path.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.submissions(&c, round_id, &code)).await?))
}

/// Download an evidence file.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/departments/{code}/evidence/{evidence_id}", tag = "submissions",
    params(("id" = i64, Path), ("code" = String, Path), ("evidence_id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
        (status = 409, description = "conflict_of_interest: a reviewer of the department reads only what is published", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn evidence(
    s: Svc,
    Auth(c): Auth,
    path: web::Path<(i64, String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, code, id) = path.into_inner();
    let file = blocking(move || s.evidence(&c, round_id, &code, id)).await?;
    Ok(download(file))
}

/// A stored file as an attachment. The client's name never reaches a header as it was sent:
/// `filename` is reduced to safe ASCII, and `filename*` (RFC 6266) carries the real name
/// percent-encoded, so a browser saves "会议纪要.pdf" and no quote, semicolon or line break can
/// end the header early. A type stored before types were checked, and not among
/// [`EVIDENCE_TYPES`], is served as `application/octet-stream`.
pub(super) fn download(file: EvidenceUpload) -> HttpResponse {
    let ascii: String = file
        .name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ".-_".contains(ch) {
                ch
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let content_type = if EVIDENCE_TYPES.contains(&file.content_type.as_str()) {
        file.content_type
    } else {
        "application/octet-stream".to_string()
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.bytes)
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn a_file_name_keeps_its_last_component_and_loses_direction_controls() {
        assert_eq!(
            file_name("C:\\材料\\会议纪要\u{202E}gpj.exe"),
            "会议纪要gpj.exe"
        );
        assert_eq!(file_name("a/b/\u{2067}报告.pdf\u{0}"), "报告.pdf");
        assert_eq!(file_name("../.."), "unnamed");
    }
}
