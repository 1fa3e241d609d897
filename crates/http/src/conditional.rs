//! Conditional requests (RFC 9110 §13), in one place: the ETag a response carries, 304 when
//! If-None-Match names it (weak comparison, as GET wants), and the If-Match a write sends.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

/// Whether `If-None-Match` names `etag` or is `*`; each header and each comma-separated tag is
/// compared without its `W/` prefix.
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

/// The tag a write is conditional on (`If-Match`), as sent.
pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A 304 when If-None-Match names `etag`, else the response `body` makes; both carry the ETag
/// and Cache-Control.
pub fn cached(
    req: &HttpRequest,
    etag: String,
    cache_control: &str,
    body: impl FnOnce(&mut actix_web::HttpResponseBuilder) -> HttpResponse,
) -> HttpResponse {
    let fresh = not_modified(req, &etag);
    let mut r = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    r.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control.to_string()));
    if fresh {
        r.finish()
    } else {
        body(&mut r)
    }
}

/// The JSON body with its ETag, private and revalidated each time; 304 when the client has it.
pub fn with_etag<T: Serialize>(req: &HttpRequest, etag: String, body: &T) -> HttpResponse {
    cached(req, etag, "private, no-cache", |r| r.json(body))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn if_none_match_compares_weakly_across_lists_and_headers() {
        let req = |values: &[&str]| {
            let mut r = TestRequest::default();
            for v in values {
                r = r.append_header((header::IF_NONE_MATCH, *v));
            }
            r.to_http_request()
        };
        assert!(not_modified(&req(&["\"a\""]), "\"a\""));
        assert!(not_modified(&req(&["W/\"a\""]), "\"a\""));
        assert!(not_modified(&req(&["\"x\", W/\"a\""]), "\"a\""));
        assert!(not_modified(&req(&["\"x\"", "\"a\""]), "\"a\""));
        assert!(not_modified(&req(&["*"]), "\"a\""));
        assert!(!not_modified(&req(&["\"b\""]), "\"a\""));
        assert!(!not_modified(&req(&[]), "\"a\""));
    }
}
