//! guidepost-collector: event ingest, drop-off reports, the dashboard, and the `guidepost` CLI.

pub mod check;
pub mod cli;
pub mod clickhouse;
pub mod guides;
pub mod server;
pub mod store;
