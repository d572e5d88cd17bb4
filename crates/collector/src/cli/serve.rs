//! `guidepost serve`: the collector, configured from flags.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::guide_store::Env;
use crate::server::{self, Config};
use crate::store::{SqliteStore, Store};

#[derive(clap::Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    #[arg(long, default_value = "data/guidepost.db")]
    db: PathBuf,
    #[arg(long, default_value = "www")]
    www: PathBuf,
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    #[arg(long = "guides", default_value = "guides")]
    guides: PathBuf,
    /// A key that may send events and load its environment's published guides
    /// (`GET /v1/config`): `KEY` (production) or `KEY=staging` / `KEY=production`.
    /// Repeatable; public, it ships in the page.
    #[arg(long = "write-key", value_parser = parse_write_key, default_values = ["demo-write-key", "demo-staging-key=staging"])]
    write_keys: Vec<(String, Env)>,
    /// A key that may read reports (`authorization: Bearer KEY` or `?key=`). Repeatable; secret.
    #[arg(long = "read-key", default_value = "demo-read-key")]
    read_keys: Vec<String>,
    /// A key that may author and publish guides (`authorization: Bearer KEY`). Repeatable; secret.
    #[arg(long = "admin-key", default_value = "demo-admin-key")]
    admin_keys: Vec<String>,
    /// Origins allowed to post events (besides the server's own); `*` for any.
    #[arg(long = "allow-origin")]
    allow_origins: Vec<String>,
    /// Origins of apps the in-app designer may open on (besides this server's own),
    /// e.g. `https://app.example.com`. Repeatable.
    #[arg(long = "design-origin")]
    design_origins: Vec<String>,
    #[arg(long, default_value_t = 100_000.0)]
    rate_per_key: f64,
    #[arg(long, default_value_t = 1 << 20)]
    max_body: usize,
    /// Seconds a client has to send a request's headers (also the idle keep-alive bound).
    #[arg(long, default_value_t = 10)]
    header_timeout_secs: u64,
    /// Seconds a client has to send a whole request body.
    #[arg(long, default_value_t = 30)]
    body_timeout_secs: u64,
    /// Connections served at once; more wait until one closes.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// `sqlite` (default) or `clickhouse` (events and the guide store; several collectors
    /// can share one ClickHouse database).
    #[arg(long, default_value = "sqlite")]
    store: String,
    #[arg(long, default_value = "http://127.0.0.1:8123")]
    clickhouse_url: String,
    #[arg(long, default_value = "guidepost")]
    clickhouse_db: String,
}

pub fn serve(args: ServeArgs) -> Result<i32, String> {
    let ServeArgs {
        addr,
        db,
        www,
        dist,
        guides,
        write_keys,
        read_keys,
        admin_keys,
        allow_origins,
        design_origins,
        rate_per_key,
        max_body,
        header_timeout_secs,
        body_timeout_secs,
        max_connections,
        store,
        clickhouse_url,
        clickhouse_db,
    } = args;
    let store: Arc<dyn Store> = match store.as_str() {
        "sqlite" => {
            if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            Arc::new(SqliteStore::open(&db)?)
        }
        "clickhouse" => Arc::new(crate::clickhouse::ClickHouseStore::connect(&clickhouse_url, &clickhouse_db)?),
        other => return Err(format!("unknown store \"{other}\": expected sqlite or clickhouse")),
    };
    let config = Config {
        write_keys,
        read_keys,
        admin_keys,
        allow_origins,
        design_origins,
        max_body,
        rate_per_key,
        www: Some(www),
        dist: Some(dist),
        guides_dir: Some(guides),
        header_read_timeout: std::time::Duration::from_secs(header_timeout_secs),
        body_read_timeout: std::time::Duration::from_secs(body_timeout_secs),
        max_connections,
        ..Config::default()
    };
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(server::serve(addr, config, store)).map_err(|e| format!("server: {e}"))?;
    Ok(0)
}

/// `KEY`, `KEY=staging` or `KEY=production`. A key may hold `=` itself (base64): only a
/// suffix after the last `=` that is not empty names an environment.
pub fn parse_write_key(s: &str) -> Result<(String, Env), String> {
    let (key, env) = match s.rsplit_once('=') {
        Some((k, e)) if !e.is_empty() => (k, Env::parse(e)?),
        _ => (s, Env::Production),
    };
    if key.is_empty() {
        return Err("empty key".into());
    }
    Ok((key.to_string(), env))
}
