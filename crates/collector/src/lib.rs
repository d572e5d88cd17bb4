//! guidepost-collector: event ingest, drop-off reports, the dashboard, and the `guidepost` CLI.

pub mod check;
pub mod clickhouse;
pub mod cli;
pub mod server;
pub mod store;
