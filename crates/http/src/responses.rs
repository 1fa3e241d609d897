//! The error answers any operation may give, stated once for the whole OpenAPI document, and
//! the methods each path allows (the `Allow` header of a 405).
//!
//! Some failures do not belong to one handler but to the layer around it: a token that is
//! unknown (401) or sent too often wrong (429), a role that may not (403), a path or query that
//! does not parse (400), a resource that does not exist (404), a body too large, of the wrong
//! type or invalid (413, 415, 422). Writing them into every `#[utoipa::path]` would be noise
//! that drifts; this modifier adds whichever an operation can give and does not already declare,
//! as references to shared responses, so a client (or a fuzzer checking answers against the
//! document) finds every status it can receive.

use std::collections::HashMap;
use std::sync::OnceLock;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// The shared responses: (status, component name, description).
const SHARED: [(&str, &str, &str); 8] = [
    (
        "400",
        "BadRequest",
        "The path, query or JSON body does not parse (invalid_path, invalid_request, invalid_json).",
    ),
    (
        "401",
        "Unauthenticated",
        "No token where one is needed, or a token that is unknown, revoked or malformed.",
    ),
    (
        "403",
        "Forbidden",
        "The token's role, department or reviewer may not do this.",
    ),
    (
        "404",
        "NotFound",
        "What the path names does not exist, or is hidden from this caller.",
    ),
    (
        "413",
        "PayloadTooLarge",
        "The body is over the server's limit (payload_too_large).",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "The body or an uploaded file is of a type not accepted.",
    ),
    (
        "422",
        "Unprocessable",
        "The request parses but breaks a rule; details.field names where.",
    ),
    (
        "429",
        "TooManyRequests",
        "Too many failed authentications from this address: wait Retry-After seconds.",
    ),
];

/// Adds the shared error responses to `components.responses` and to every operation that can
/// give them.
pub struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (status, name, description) in SHARED {
            let mut response = ResponseBuilder::new().description(description).content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                    .build(),
            );
            if status == "429" {
                response = response.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .description(Some("Seconds to wait before trying again."))
                        .build(),
                );
            }
            components
                .responses
                .insert(name.to_string(), RefOr::T(response.build()));
        }
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_errors(op);
            }
        }
    }
}

/// Whether one of the operation's security requirements names the bearer scheme.
fn takes_token(op: &Operation) -> bool {
    op.security.iter().flatten().any(|s| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_object().map(|o| o.contains_key("bearer")))
            .unwrap_or(false)
    })
}

fn add_errors(op: &mut Operation) {
    use utoipa::openapi::path::ParameterIn;
    let params = op.parameters.iter().flatten();
    let in_path = params
        .clone()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params
        .clone()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let body = op.request_body.is_some();
    let token = takes_token(op);
    let wanted = [
        ("400", in_path || in_query || body),
        ("401", token),
        ("403", token),
        ("404", in_path),
        ("413", body),
        ("415", body),
        ("422", in_path || in_query || body),
        ("429", token),
    ];
    for (status, applies) in wanted {
        if !applies || op.responses.responses.contains_key(status) {
            continue;
        }
        if let Some((_, name, _)) = SHARED.iter().find(|(s, _, _)| *s == status) {
            op.responses.responses.insert(
                status.to_string(),
                RefOr::Ref(Ref::from_response_name(*name)),
            );
        }
    }
}

/// The `Allow` header of a 405 on the route `pattern` (as actix matched it): the methods the
/// OpenAPI document gives the path, or GET and HEAD for the pages outside it.
pub fn allowed_methods(pattern: Option<&str>) -> &'static str {
    static ALLOW: OnceLock<HashMap<String, String>> = OnceLock::new();
    let map = ALLOW.get_or_init(|| {
        super::ApiDoc::openapi()
            .paths
            .paths
            .into_iter()
            .map(|(path, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, has)| has.then_some(m))
                .collect();
                (path, methods.join(", "))
            })
            .collect()
    });
    match pattern {
        Some(p) if map.contains_key(p) => map.get(p).map_or("GET", String::as_str),
        Some("/api/v1/openapi.json") => "GET",
        _ => "GET, HEAD",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_405_names_the_methods_of_the_route() {
        assert_eq!(allowed_methods(Some("/api/v1/rounds/{id}")), "GET, PATCH");
        assert_eq!(allowed_methods(Some("/api/v1/departments")), "GET, POST");
        assert_eq!(
            allowed_methods(Some(
                "/api/v1/rounds/{id}/departments/{code}/judgments/{item}"
            )),
            "GET, PUT"
        );
        assert_eq!(allowed_methods(Some("/api/v1/openapi.json")), "GET");
        assert_eq!(allowed_methods(Some("/dashboard")), "GET, HEAD");
        assert_eq!(allowed_methods(None), "GET, HEAD");
    }

    #[test]
    fn every_operation_that_takes_a_token_documents_401_403_and_429() {
        let doc = super::super::ApiDoc::openapi();
        let mut seen = 0;
        for (path, item) in &doc.paths.paths {
            for op in [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                .into_iter()
                .flatten()
            {
                if !takes_token(op) {
                    continue;
                }
                seen += 1;
                for status in ["401", "403", "429"] {
                    assert!(
                        op.responses.responses.contains_key(status),
                        "{path} does not document {status}"
                    );
                }
            }
        }
        assert!(seen > 40, "{seen} operations take a token");
    }
}
