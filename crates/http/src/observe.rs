//! Request ids, tracing spans and Prometheus metrics.

use std::time::Instant;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, HttpResponse};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tracing::Instrument;

use super::auth::Auth;
use super::error::ApiError;
use kaoping_service::{Role, Service};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pool: Family<PoolLabels, Gauge>,
    /// Days from today to the end of the working-day calendar's coverage.
    calendar_days_left: Gauge,
    pub submissions: Counter,
    pub checks: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("kaoping");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        let pool = Family::<PoolLabels, Gauge>::default();
        let submissions = Counter::default();
        let checks = Counter::default();
        let calendar_days_left = Gauge::default();
        registry.register(
            "calendar_coverage_days_left",
            "Days left until the working-day calendar's coverage ends (warn below 60: import next year's notice)",
            calendar_days_left.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections by state",
            pool.clone(),
        );
        registry.register("submissions", "Submissions stored", submissions.clone());
        registry.register("checks", "Packages checked and scored", checks.clone());
        Metrics {
            registry,
            requests,
            latency,
            pool,
            calendar_days_left,
            submissions,
            checks,
        }
    }
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        bytes = Instant::now().elapsed().as_nanos().to_le_bytes()[..8]
            .try_into()
            .unwrap_or_default();
    }
    kaoping_service::hex(&bytes)
}

/// Wraps every request: a request id (the client's if it sent a sane one), a tracing span, the
/// id on the response, and the request counted and timed by route.
pub async fn middleware(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_string)
        .unwrap_or_else(new_request_id);
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().to_string();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!("request", request_id = %id, %method, path = %req.path(), role = tracing::field::Empty);
    let start = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let status = res.status().as_u16();
    let elapsed = start.elapsed();
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    if let Some(m) = metrics {
        m.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                method,
                status,
            })
            .inc();
        m.latency
            .get_or_create(&RouteLabels { route })
            .observe(elapsed.as_secs_f64());
    }
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = elapsed.as_secs_f64() * 1000.0,
            "response"
        )
    });
    Ok(res)
}

/// Prometheus metrics (admin).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "application/openmetrics-text", body = String), (status = 403, body = super::error::ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn metrics(
    s: web::Data<Service>,
    m: web::Data<Metrics>,
    Auth(c): Auth,
) -> Result<HttpResponse, ApiError> {
    c.require(&[Role::Admin]).map_err(ApiError::from)?;
    let service = s.clone();
    let days_left = web::block(move || service.calendar_days_left())
        .await
        .map_err(|e| {
            ApiError::new(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                e.to_string(),
            )
        })??;
    m.calendar_days_left.set(days_left);
    let state = s.store.pool_state();
    m.pool
        .get_or_create(&PoolLabels {
            state: "idle".into(),
        })
        .set(i64::from(state.idle_connections));
    m.pool
        .get_or_create(&PoolLabels {
            state: "in_use".into(),
        })
        .set(i64::from(
            state.connections.saturating_sub(state.idle_connections),
        ));
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &m.registry).map_err(|e| {
        ApiError::new(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            e.to_string(),
        )
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(out))
}
