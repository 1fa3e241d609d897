//! Starting the HTTP server: database, migrations, first admin token, routes, middleware.

use std::net::SocketAddr;
use std::path::PathBuf;

use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

use crate::{ApiConfig, Metrics};
use kaoping_domain::rubric::RubricError;
use kaoping_service::webhook::{WebhookConfig, WebhookError, WebhookWorker};
use kaoping_service::{RubricCatalog, Service, ServiceError};
use kaoping_store::{Store, StoreError};

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: String,
    pub database_url: String,
    pub api: ApiConfig,
    /// What uploaded documents may expand to, and how often a department may submit.
    pub upload: kaoping_service::UploadLimits,
    /// Extra rubric files offered to new rounds.
    pub rubric_dir: Option<PathBuf>,
    /// KAOPING_ADMIN_TOKEN: made an admin token at start.
    pub admin_token: Option<String>,
    pub workers: Option<usize>,
    /// How webhook deliveries are polled, retried and timed out.
    pub webhooks: WebhookConfig,
    /// How long a request waits for a database connection or lock before it is answered 503.
    pub db_wait: std::time::Duration,
    /// The service's clock; the system's when None. Tests set it to play a round's dates.
    pub clock: Option<kaoping_service::Clock>,
}

impl ServerConfig {
    pub fn new(bind: &str, database_url: &str) -> Self {
        ServerConfig {
            bind: bind.to_string(),
            database_url: database_url.to_string(),
            api: ApiConfig::default(),
            upload: kaoping_service::UploadLimits::default(),
            rubric_dir: None,
            admin_token: None,
            workers: None,
            webhooks: WebhookConfig::default(),
            db_wait: kaoping_store::DEFAULT_DB_WAIT,
            clock: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("database {url}")]
    Store {
        url: String,
        #[source]
        source: StoreError,
    },
    #[error(transparent)]
    Rubric(#[from] RubricError),
    #[error("cannot create the first admin token")]
    Bootstrap(#[source] ServiceError),
    #[error("cannot start the webhook worker")]
    Webhooks(#[source] WebhookError),
    #[error("cannot listen on {bind}")]
    Bind {
        bind: String,
        #[source]
        source: std::io::Error,
    },
}

/// A server bound and ready to run.
pub struct Running {
    pub addr: SocketAddr,
    pub server: actix_web::dev::Server,
    pub service: Service,
    /// An admin token created at this start (no admin token existed), to show once.
    pub new_admin_token: Option<String>,
    /// The webhook worker: stop it once the server has stopped, so a POST under way is finished
    /// and recorded. (Left alone, it stops by itself when the last `Service` clone is dropped.)
    pub webhooks: WebhookWorker,
}

/// Opens the database (migrating it), makes sure an admin token exists, and binds.
pub fn prepare(config: &ServerConfig) -> Result<Service, ServerError> {
    let store_err = |source| ServerError::Store {
        url: redact(&config.database_url),
        source,
    };
    let store = Store::connect_waiting(&config.database_url, config.db_wait).map_err(store_err)?;
    store.migrate().map_err(store_err)?;
    let service = Service::new(store, RubricCatalog::load(config.rubric_dir.as_deref())?)
        .with_limits(config.upload);
    Ok(match &config.clock {
        Some(clock) => service.with_clock(clock.clone()),
        None => service,
    })
}

pub fn start(config: &ServerConfig) -> Result<Running, ServerError> {
    let service = prepare(config)?;
    let new_admin_token = service
        .bootstrap_admin(config.admin_token.as_deref())
        .map_err(ServerError::Bootstrap)?;
    let (svc, api_cfg) = (service.clone(), config.api.clone());
    let metrics = web::Data::new(Metrics::default());
    let mut http = HttpServer::new(move || {
        let api_cfg = api_cfg.clone();
        App::new()
            .app_data(web::Data::new(svc.clone()))
            .app_data(metrics.clone())
            .wrap(from_fn(crate::observe_middleware))
            .configure(move |cfg| crate::configure(cfg, &api_cfg))
    })
    .shutdown_timeout(30);
    if let Some(w) = config.workers {
        http = http.workers(w);
    }
    let http = http
        .bind(&config.bind)
        .map_err(|source| ServerError::Bind {
            bind: config.bind.clone(),
            source,
        })?;
    let addr = http
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| ServerError::Bind {
            bind: config.bind.clone(),
            source: std::io::Error::other("no address bound"),
        })?;
    // started last, so nothing is sent by a server that failed to start
    let webhooks = WebhookWorker::spawn(
        service.store.clone(),
        config.webhooks.clone(),
        service.webhook_notifier(),
    )
    .map_err(ServerError::Webhooks)?;
    Ok(Running {
        addr,
        server: http.run(),
        service,
        new_admin_token,
        webhooks,
    })
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
