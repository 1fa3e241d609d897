//! kaoping (考评): scores budget departments' performance self-evaluation work (部门整体支出绩效自评)
//! with the finance bureau's 100-point rubric, and explains every point lost.
//!
//! The layers are crates, so that the compiler keeps them apart (see the README's "Layout"):
//! [`kaoping_domain`] (model, rubric, calendar, readers, checks, scoring, review, ranking: pure),
//! [`kaoping_store`] (diesel, SQL only), [`kaoping_service`] (commands, queries, access rules,
//! archive, webhooks), [`kaoping_http`] (actix-web, OpenAPI, dashboard, server). This crate is the
//! `kaoping` binary's command line and client; it re-exports the layers under their old names so
//! that the tests and benchmarks read `kaoping::model`, `kaoping::service`, … .

pub mod cli;
pub mod client;

pub use kaoping_domain::{
    calendar, checks, digest, error_chain, ingest, model, ranking, render, review, rubric, scale,
    scoring,
};
pub use kaoping_http as api;
pub use kaoping_http::server;
pub use kaoping_service as service;
pub use kaoping_service::{archive, demo, webhook};
pub use kaoping_store as store;
