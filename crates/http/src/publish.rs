//! 结果公布: publishing a round, its versions, rankings and exports (public when the round says
//! so), and a department's published sheet.

use actix_web::http::header;

use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};

use super::auth::{blocking, Auth, MaybeAuth};
use super::conditional::cached;
use super::error::{serde_error, ApiError, ErrorEnvelope};
use kaoping_service::{
    ranking_etag, Export, PublicationDetail, PublicationView, PublishIn, PublishedSheetView,
    RankingPage, RankingQuery, RankingView, Service, Target, VersionQuery,
};

type Svc = web::Data<Service>;

/// Who may cache: anyone when the results are public, only the reader's browser otherwise.
fn cache_control(public: bool, immutable: bool) -> String {
    let scope = if public { "public" } else { "private" };
    if immutable {
        format!("{scope}, max-age=31536000, immutable")
    } else {
        format!("{scope}, no-cache")
    }
}

/// Publish the round's results as a new version (admin). Every submitted sheet must be fully
/// scored (409 `not_fully_scored` lists what is missing); a version identical to the last is
/// refused; later versions need a reason. Webhooks are told.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/publish", tag = "publication",
    params(("id" = i64, Path)),
    request_body(content = Option<PublishIn>, description = "optional for version 1, which needs no reason"),
    responses((status = 201, body = PublicationView), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn publish(
    s: Svc,
    Auth(c): Auth,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    // The body is optional (version 1 needs no reason; JSON null counts as none, as the document
    // allows), but one that is sent must be valid.
    let input: PublishIn = if body.iter().all(u8::is_ascii_whitespace) {
        PublishIn::default()
    } else {
        serde_json::from_slice::<Option<PublishIn>>(&body)
            .map_err(|e| serde_error(&e))?
            .unwrap_or_default()
    };
    let v = blocking(move || s.publish(&c, id, input)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/rounds/{id}/publications/{}", v.version),
        ))
        .json(v))
}

/// Every published version of the round, oldest first (no token needed for public results).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/publications", tag = "publication",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PublicationView>), (status = 401, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)),
    security((), ("bearer" = [])))]
pub async fn publications(
    s: Svc,
    MaybeAuth(c): MaybeAuth,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = blocking(move || s.publications(c.as_ref(), id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One version, with which departments moved and which items changed since the version
/// before, and why.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/publications/{version}", tag = "publication",
    params(("id" = i64, Path), ("version" = i32, Path)),
    responses((status = 200, body = PublicationDetail), (status = 401, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)),
    security((), ("bearer" = [])))]
pub async fn publication(
    s: Svc,
    MaybeAuth(c): MaybeAuth,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, version) = path.into_inner();
    let v = blocking(move || s.publication(c.as_ref(), id, version)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// 排名: a published version ranked (latest unless `version`), with the tie rule, grade
/// cut-offs, rubric version and summary stated; departments that did not submit are listed
/// unranked. ETag + If-None-Match → 304.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/rankings", tag = "publication",
    params(("id" = i64, Path), RankingQuery),
    responses((status = 200, body = RankingView, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "not modified since the ETag sent"),
        (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)),
    security((), ("bearer" = [])))]
pub async fn rankings(
    s: Svc,
    MaybeAuth(c): MaybeAuth,
    path: web::Path<i64>,
    q: web::Query<RankingQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let q = q.into_inner();
    // A page already in memory is answered here; anything that needs the store goes to the
    // blocking pool.
    let (bytes, page, t): (Bytes, RankingPage, Target) =
        match s.rankings_in_memory(c.as_ref(), id, &q) {
            Some(r) => r?,
            None => blocking(move || s.rankings(c.as_ref(), id, &q)).await?,
        };
    // The body names the latest version, so the tag changes when a newer one is published.
    let etag = ranking_etag(
        id,
        page.version,
        page.tie_rule,
        page.category.as_deref(),
        &format!("{}.{}.{}", page.latest_version, page.offset, page.limit),
    );
    Ok(cached(&req, etag, &cache_control(t.public, false), |r| {
        r.content_type("application/json").body(bytes)
    }))
}

async fn export(
    s: Svc,
    c: Option<kaoping_service::Caller>,
    id: i64,
    q: RankingQuery,
    req: HttpRequest,
    xlsx: bool,
) -> Result<HttpResponse, ApiError> {
    let e: Export = blocking(move || s.export(c.as_ref(), id, &q, xlsx)).await?;
    let content_type = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    let control = cache_control(e.public, e.pinned);
    let (name, bytes) = (e.file_name, e.bytes);
    Ok(cached(&req, e.etag, &control, move |r| {
        r.content_type(content_type)
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(bytes)
    }))
}

/// The ranking as CSV (UTF-8 with BOM, so Excel shows Chinese), for any published version.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/rankings.csv", tag = "publication",
    params(("id" = i64, Path), RankingQuery),
    responses((status = 200, content_type = "text/csv", body = String, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "not modified"), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security((), ("bearer" = [])))]
pub async fn rankings_csv(
    s: Svc,
    MaybeAuth(c): MaybeAuth,
    path: web::Path<i64>,
    q: web::Query<RankingQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    export(s, c, path.into_inner(), q.into_inner(), req, false).await
}

/// The ranking as an Excel workbook: a ranking sheet and a per-item sheet.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/rankings.xlsx", tag = "publication",
    params(("id" = i64, Path), RankingQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>,
        headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "not modified"), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security((), ("bearer" = [])))]
pub async fn rankings_xlsx(
    s: Svc,
    MaybeAuth(c): MaybeAuth,
    path: web::Path<i64>,
    q: web::Query<RankingQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    export(s, c, path.into_inner(), q.into_inner(), req, true).await
}

/// A department's published sheet with every deduction and reason, and its rank (a department
/// token reads only its own).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/departments/{code}/published", tag = "publication",
    params(("id" = i64, Path), ("code" = String, Path), VersionQuery),
    responses((status = 200, body = PublishedSheetView), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn published_sheet(
    s: Svc,
    Auth(c): Auth,
    path: web::Path<(i64, String)>,
    q: web::Query<VersionQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, code) = path.into_inner();
    let version = q.into_inner().version;
    let v = blocking(move || s.published_sheet(&c, id, &code, version)).await?;
    Ok(HttpResponse::Ok().json(v))
}
