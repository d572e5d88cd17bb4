//! guidepost-collector: event ingest, drop-off reports, the dashboard, and the `guidepost` CLI.

pub mod authoring;
pub mod cli;
pub mod clickhouse;
pub mod clickhouse_guides;
pub mod design;
pub mod error;
pub mod goal_report;
pub mod guide_store;
pub mod guides;
pub mod labels;
pub mod published;
pub mod server;
pub mod sqlite;
pub mod store;
