//! The pages a browser opens: the results dashboard at `/dashboard`, the bureau's console at
//! `/console` and the Swagger UI at `/docs/`, both served from the binary so they work on an intranet with no internet access.
//!
//! The dashboard is three files (`src/dashboard/`) compiled in with `include_str!`. Every response
//! carries an ETag (a hash of the file, computed once) with `Cache-Control: no-cache`, so a
//! browser revalidates after an upgrade instead of running yesterday's script against today's
//! API, and security headers: a strict Content-Security-Policy (the page has no inline script or
//! style, so an injected one cannot run), no MIME sniffing, no framing, no referrer (a round's
//! URL must not leak to other sites). Swagger UI needs inline scripts and styles, so its policy
//! allows them there and nowhere else. Neither is part of the OpenAPI document: they are pages,
//! not API.

use std::sync::OnceLock;

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::conditional::not_modified;
use utoipa_swagger_ui::{Config, SwaggerUi};

/// The dashboard's policy: only this server's own files and API, nothing inline.
pub const DASHBOARD_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'none'";

/// Swagger UI's policy: as the dashboard's, but its bundled page starts itself with inline
/// script and React sets inline styles.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The URL the Swagger UI reads the API description from.
const OPENAPI_URL: &str = "/api/v1/openapi.json";

/// A file of the dashboard with its type and (lazily) its ETag.
struct Asset {
    body: &'static str,
    content_type: &'static str,
    etag: OnceLock<String>,
}

impl Asset {
    const fn new(body: &'static str, content_type: &'static str) -> Self {
        Asset {
            body,
            content_type,
            etag: OnceLock::new(),
        }
    }

    /// A strong ETag: the first 128 bits of the file's SHA-256, enough to tell versions apart.
    fn etag(&self) -> &str {
        self.etag.get_or_init(|| {
            let digest = Sha256::digest(self.body.as_bytes());
            let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("\"{hex}\"")
        })
    }
}

static INDEX_HTML: Asset = Asset::new(
    include_str!("../assets/index.html"),
    "text/html; charset=utf-8",
);
static APP_JS: Asset = Asset::new(
    include_str!("../assets/app.js"),
    "text/javascript; charset=utf-8",
);
static API_JS: Asset = Asset::new(
    include_str!("../assets/api.js"),
    "text/javascript; charset=utf-8",
);
static APP_CSS: Asset = Asset::new(include_str!("../assets/app.css"), "text/css; charset=utf-8");
static CONSOLE_HTML: Asset = Asset::new(
    include_str!("../assets/console.html"),
    "text/html; charset=utf-8",
);
static CONSOLE_JS: Asset = Asset::new(
    include_str!("../assets/console.js"),
    "text/javascript; charset=utf-8",
);
static CONSOLE_CSS: Asset = Asset::new(
    include_str!("../assets/console.css"),
    "text/css; charset=utf-8",
);

/// The headers every dashboard or docs response carries, whatever its status.
fn security_headers(csp: &'static str) -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, csp))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}

fn serve(req: &HttpRequest, asset: &'static Asset) -> HttpResponse {
    let etag = asset.etag();
    if not_modified(req, etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .body(asset.body)
}

async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, &INDEX_HTML)
}

async fn app_js(req: HttpRequest) -> HttpResponse {
    serve(&req, &APP_JS)
}

async fn api_js(req: HttpRequest) -> HttpResponse {
    serve(&req, &API_JS)
}

async fn app_css(req: HttpRequest) -> HttpResponse {
    serve(&req, &APP_CSS)
}

async fn console_index(req: HttpRequest) -> HttpResponse {
    serve(&req, &CONSOLE_HTML)
}

async fn console_js(req: HttpRequest) -> HttpResponse {
    serve(&req, &CONSOLE_JS)
}

async fn console_css(req: HttpRequest) -> HttpResponse {
    serve(&req, &CONSOLE_CSS)
}

/// `/console/` → `/console`, as for the dashboard.
async fn console_slash(req: HttpRequest) -> HttpResponse {
    redirect(&req, "../console")
}

/// A redirect to `location` (relative, so it holds behind a reverse proxy's path prefix),
/// keeping the query string.
fn redirect(req: &HttpRequest, location: &str) -> HttpResponse {
    let query = req.query_string();
    let target = if query.is_empty() {
        location.to_string()
    } else {
        format!("{location}?{query}")
    };
    match HeaderValue::from_str(&target) {
        Ok(v) => HttpResponse::PermanentRedirect()
            .insert_header((header::LOCATION, v))
            .finish(),
        Err(_) => HttpResponse::PermanentRedirect()
            .insert_header((header::LOCATION, location))
            .finish(),
    }
}

/// `/dashboard/` → `/dashboard`: the page links its files relatively (`dashboard/app.js`), which
/// only resolves from the URL without the slash.
async fn dashboard_slash(req: HttpRequest) -> HttpResponse {
    redirect(&req, "../dashboard")
}

/// `/docs` → `/docs/`, where Swagger UI's relative links resolve.
async fn docs_bare(req: HttpRequest) -> HttpResponse {
    redirect(&req, "docs/")
}

/// GET and HEAD (actix drops the body of a HEAD response) of one page; other methods 405.
fn page<F, R>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<(HttpRequest,), Output = R>,
    R: actix_web::Responder + 'static,
{
    super::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
}

/// `/dashboard`, `/dashboard/app.js`, `/dashboard/api.js` (shared with the console),
/// `/dashboard/app.css`.
pub fn dashboard() -> impl HttpServiceFactory {
    web::scope("/dashboard")
        .wrap(security_headers(DASHBOARD_CSP))
        .service(page("", index))
        .service(page("/", dashboard_slash))
        .service(page("/app.js", app_js))
        .service(page("/api.js", api_js))
        .service(page("/app.css", app_css))
        .default_service(web::to(super::error::route_not_found))
}

/// `/console`: the bureau's page for the working-day calendar and rubric versions (admin token),
/// under the dashboard's policy.
pub fn console() -> impl HttpServiceFactory {
    web::scope("/console")
        .wrap(security_headers(DASHBOARD_CSP))
        .service(page("", console_index))
        .service(page("/", console_slash))
        .service(page("/console.js", console_js))
        .service(page("/console.css", console_css))
        .default_service(web::to(super::error::route_not_found))
}

/// Swagger UI under `/docs/`, reading the document from [`OPENAPI_URL`], which
/// [`openapi_document`] serves outside this scope.
pub fn docs() -> impl HttpServiceFactory {
    web::scope("/docs")
        .wrap(security_headers(DOCS_CSP))
        .service(page("", docs_bare))
        .service(SwaggerUi::new("/{_:.*}").config(Config::new([OPENAPI_URL]).validator_url("none")))
        .default_service(web::to(super::error::route_not_found))
}

/// `GET /api/v1/openapi.json`: the committed document, byte for byte, generated once.
pub async fn openapi_document() -> HttpResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.get_or_init(super::openapi_json).as_str())
}

/// Registers `/api/v1/openapi.json` (before the `/api/v1` scope, which would otherwise take
/// it), the Swagger UI and the dashboard.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(super::resource(OPENAPI_URL).route(web::get().to(openapi_document)))
        .service(docs())
        .service(dashboard())
        .service(console());
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::test::{self, TestRequest};
    use actix_web::App;

    macro_rules! app {
        () => {
            test::init_service(App::new().configure(configure)).await
        };
    }

    fn get(resp: &actix_web::dev::ServiceResponse, name: header::HeaderName) -> String {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    #[actix_web::test]
    async fn assets_have_types_etags_and_security_headers() {
        let app = app!();
        for (path, ty) in [
            ("/dashboard", "text/html; charset=utf-8"),
            ("/dashboard/app.js", "text/javascript; charset=utf-8"),
            ("/dashboard/app.css", "text/css; charset=utf-8"),
        ] {
            let resp = test::call_service(&app, TestRequest::get().uri(path).to_request()).await;
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            assert_eq!(get(&resp, header::CONTENT_TYPE), ty);
            assert_eq!(get(&resp, header::CACHE_CONTROL), "no-cache");
            assert_eq!(get(&resp, header::CONTENT_SECURITY_POLICY), DASHBOARD_CSP);
            assert_eq!(get(&resp, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert_eq!(get(&resp, header::X_FRAME_OPTIONS), "DENY");
            assert_eq!(get(&resp, header::REFERRER_POLICY), "no-referrer");
            let etag = get(&resp, header::ETAG);
            assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
            let again = TestRequest::get()
                .uri(path)
                .insert_header((header::IF_NONE_MATCH, format!("W/{etag}")))
                .to_request();
            let resp = test::call_service(&app, again).await;
            assert_eq!(resp.status(), StatusCode::NOT_MODIFIED, "{path}");
            assert_eq!(get(&resp, header::ETAG), etag);
            assert_eq!(get(&resp, header::X_FRAME_OPTIONS), "DENY");
            let stale = TestRequest::get()
                .uri(path)
                .insert_header((header::IF_NONE_MATCH, "\"0\""))
                .to_request();
            assert_eq!(
                test::call_service(&app, stale).await.status(),
                StatusCode::OK
            );
        }
    }

    #[actix_web::test]
    async fn slashes_redirect_relatively_and_keep_the_query() {
        let app = app!();
        let resp = test::call_service(
            &app,
            TestRequest::get().uri("/dashboard/?round=3").to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(get(&resp, header::LOCATION), "../dashboard?round=3");
        let resp = test::call_service(&app, TestRequest::get().uri("/docs").to_request()).await;
        assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(get(&resp, header::LOCATION), "docs/");
    }

    #[actix_web::test]
    async fn docs_allow_inline_code_and_read_the_served_document() {
        let app = app!();
        let resp = test::call_service(&app, TestRequest::get().uri("/docs/").to_request()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(get(&resp, header::CONTENT_SECURITY_POLICY), DOCS_CSP);
        assert_eq!(get(&resp, header::X_FRAME_OPTIONS), "DENY");
        let resp = test::call_service(
            &app,
            TestRequest::get()
                .uri("/docs/swagger-initializer.js")
                .to_request(),
        )
        .await;
        let body = test::read_body(resp).await;
        assert!(String::from_utf8_lossy(&body).contains(OPENAPI_URL));
        let resp = test::call_service(&app, TestRequest::get().uri(OPENAPI_URL).to_request()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            test::read_body(resp).await,
            super::super::openapi_json().as_bytes()
        );
    }

    #[test]
    fn the_page_loads_nothing_inline_or_from_elsewhere() {
        let html = INDEX_HTML.body;
        assert!(!html.contains("style="), "no style attributes");
        assert!(!html.contains("<style"), "no inline style");
        let handler = html.match_indices(" on").any(|(at, _)| {
            let rest = &html[at + 3..];
            let name: String = rest.chars().take_while(char::is_ascii_lowercase).collect();
            !name.is_empty() && rest[name.len()..].starts_with('=')
        });
        assert!(!handler, "no inline event handlers");
        for tag in html.split("<script").skip(1) {
            let end = tag.find("</script>").unwrap_or(tag.len());
            let open = &tag[..tag.find('>').unwrap_or(0)];
            assert!(open.contains("src=\"dashboard/"), "{open}");
            assert!(tag[tag.find('>').unwrap_or(0) + 1..end].trim().is_empty());
        }
        let js = APP_JS.body;
        assert!(!js.contains("innerHTML"), "text goes in with textContent");
        // the SVG namespace is a name, not a place the page loads from
        let js = js.replace("'http://www.w3.org/2000/svg'", "");
        assert!(!js.contains("http://") && !js.contains("https://"));
    }
}
