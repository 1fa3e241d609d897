//! The integration tests: one binary, one module per area, one helper tree (`support`).
//! Database tests run on SQLite and on the PostgreSQL server KAOPING_TEST_PG names.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

mod acceptance;
mod api_auth;
mod api_auth_throttle;
mod api_basics;
mod api_bootstrap;
mod api_calendar;
mod api_corrections;
mod api_docs;
mod api_errors;
mod api_idempotency;
mod api_input_sanity;
mod api_package_files;
mod api_publish;
mod api_review;
mod api_rounds;
mod api_rubrics;
mod api_submissions;
mod api_timing;
mod api_unavailable;
mod api_upload_limits;
mod api_visibility;
mod api_webhooks;
mod authz_matrix;
mod cli;
mod client;
mod console_browser;
mod crash_safety;
mod dashboard_browser;
mod deploy;
mod graceful_shutdown;
mod hostile_uploads;
mod ingest_docx;
mod ingest_roundtrip;
mod ingest_text;
mod ingest_xlsx;
mod instances;
mod properties;
mod round_archive;
mod scale_seed;
mod serve_binary;
