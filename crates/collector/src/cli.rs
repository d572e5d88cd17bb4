//! The `guidepost` command.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand};
use guidepost_core::{load_guides, Context, Device, Engine, SchedulerState, Size};

use crate::guide_store::{same_content, valid_guide_id, Actor, Env, GuideStore};
use crate::server::{self, Config, FunnelParams};
use crate::store::{SqliteStore, Store};

#[derive(Parser)]
#[command(name = "guidepost", version, about = "Guidepost: validate guides, simulate targeting, collect events and report drop-off")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Validate guide files; prints errors with JSON paths. Exit code 1 when any guide is invalid.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the guide JSON Schema.
    Schema,
    /// Say whether a guide would show for a user on a URL, with the rule trace. Exit code 0 shows, 1 does not.
    Simulate {
        #[arg(long)]
        guide: String,
        /// A JSON file: {"id": "...", "traits": {...}, "events": {"name": [ms...]}, "guides": {...}, "locale": "en", "viewport": {"width": 1280, "height": 800}}
        #[arg(long)]
        user: PathBuf,
        #[arg(long, default_value = "/")]
        url: String,
        /// Guide files or directories (default: guides/).
        #[arg(long = "guides", default_value = "guides")]
        guides: Vec<PathBuf>,
        /// Evaluation time (ISO date or ms); default now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Run the collector: ingest, reports, the dashboard and the demo app.
    Serve {
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
    },
    /// Print a guide's funnel from the local database.
    Report {
        #[arg(long)]
        guide: String,
        #[arg(long, default_value = "data/guidepost.db")]
        db: PathBuf,
        /// First day (`YYYY-MM-DD`, UTC) or milliseconds since 1970.
        #[arg(long)]
        from: Option<String>,
        /// Last day, included (`YYYY-MM-DD`, UTC), or milliseconds since 1970, excluded.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long)]
        variant: Option<String>,
        /// Print JSON instead of a table (`{"funnel": ..., "goals": ...}`).
        #[arg(long)]
        json: bool,
        /// Where to read the guide's goal when the database's guide store does not hold it.
        #[arg(long, default_value = "guides")]
        guides: PathBuf,
    },
    /// Import guide files into the guide store as drafts (author "import"); with --publish,
    /// publish each to the listed environments unless it serves that content already. Exit
    /// code 1 when a guide could not be published (its diagnostics are printed; the others
    /// are still imported).
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// Environments to publish to, e.g. `staging,production`.
        #[arg(long, value_delimiter = ',', value_parser = Env::parse)]
        publish: Vec<Env>,
        /// Files holding one guide or an array of guides.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write every draft of the guide store to `DIR/<id>.json` (pretty JSON).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        dir: PathBuf,
    },
    /// Report steps whose targets match zero or several elements in a saved page.
    Check {
        #[arg(long)]
        html: PathBuf,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn run(cmd: Command) -> Result<i32, String> {
    match cmd {
        Command::Validate { files } => {
            let mut bad = 0;
            let mut good = 0;
            for f in &files {
                // `guides/*.json` also matches the schema itself; it is not a guide.
                if f.to_string_lossy().ends_with(".schema.json") {
                    continue;
                }
                let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
                let r = load_guides(&text);
                for d in &r.diagnostics {
                    println!("{}: {d}", f.display());
                }
                bad += r.errors().count();
                good += r.guides.len();
            }
            println!("{good} valid guide(s), {bad} error(s)");
            Ok(if bad > 0 { 1 } else { 0 })
        }
        Command::Schema => {
            print!("{}", guidepost_core::guide_schema_json());
            Ok(0)
        }
        Command::Simulate { guide, user, url, guides, now } => simulate(&guide, &user, &url, &guides, now.as_deref()),
        Command::Serve {
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
        } => {
            let store: Arc<dyn Store> = match store.as_str() {
                "sqlite" => {
                    if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
                        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                    }
                    let sqlite = Arc::new(SqliteStore::open(&db)?);
                    let warm = sqlite.clone();
                    std::thread::spawn(move || {
                        if let Err(e) = warm.warm() {
                            eprintln!("guidepost: {e}");
                        }
                    });
                    sqlite
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
        Command::Report { guide, db, from, to, version, variant, json, guides } => {
            if !db.exists() {
                return Err(format!("no database at {}", db.display()));
            }
            let store = SqliteStore::open(&db)?;
            // The HTTP API's parser: `--to 2026-11-23` includes that day.
            let params = FunnelParams { key: None, from, to, version: version.map(|v| v.to_string()), variant };
            let q = params.to_query(&guide).map_err(|e| format!("--{e}"))?;
            let r = store.funnel(&q)?;
            let dir = guides_json(&guides);
            let goals = crate::goal_report::goal_report(&store, dir.as_deref(), &q)?;
            if json {
                let both = serde_json::json!({ "funnel": r, "goals": goals });
                println!("{}", serde_json::to_string_pretty(&both).map_err(|e| e.to_string())?);
            } else {
                print!("{}", render_funnel(&r));
                print!("{}", crate::goal_report::render_goal(&goals));
            }
            Ok(0)
        }
        Command::Import { store, publish, files } => import(store.open()?.as_ref(), &publish, &files),
        Command::Export { store, dir } => export(store.open_existing()?.as_ref(), &dir),
        Command::Check { html, files } => {
            let page = std::fs::read_to_string(&html).map_err(|e| format!("{}: {e}", html.display()))?;
            let mut guides = Vec::new();
            for f in &files {
                let (g, problems) = crate::guides::load_dir(f);
                for p in problems {
                    eprintln!("{p}");
                }
                guides.extend(g);
            }
            let checks = crate::check::check_page(&page, &guides);
            let mut broken = 0;
            for c in &checks {
                match &c.problem {
                    Some(p) => {
                        let hard = c.selector_matches != 1 && c.fallback_matches.as_ref().is_none_or(|(_, n)| *n != 1);
                        if hard {
                            broken += 1;
                        }
                        println!("{} {}/{}: {} {p}", if hard { "✗" } else { "!" }, c.guide_id, c.step_id, c.selector);
                    }
                    None => println!("✓ {}/{}: {} matches 1 element", c.guide_id, c.step_id, c.selector),
                }
            }
            println!("{} target(s) checked, {broken} broken", checks.len());
            Ok(if broken > 0 { 1 } else { 0 })
        }
    }
}

fn simulate(id: &str, user: &Path, url: &str, guide_paths: &[PathBuf], now: Option<&str>) -> Result<i32, String> {
    let mut guides = Vec::new();
    for p in guide_paths {
        let (g, problems) = crate::guides::load_dir(p);
        for pr in problems.iter().filter(|p| p.contains("error:")) {
            eprintln!("{pr}");
        }
        guides.extend(g);
    }
    if !guides.iter().any(|g| g.id == id) {
        return Err(format!(
            "no valid guide \"{id}\" in {}",
            guide_paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    let text = std::fs::read_to_string(user).map_err(|e| format!("{}: {e}", user.display()))?;
    let u: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", user.display()))?;
    let now_ms = match now {
        Some(n) => n
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| guidepost_core::dates::parse_date_ms(n))
            .ok_or_else(|| format!("--now: expected an ISO 8601 date or milliseconds, found {n:?}"))?,
        None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0),
    };
    let viewport: Size =
        u.get("viewport").cloned().and_then(|v| serde_json::from_value(v).ok()).unwrap_or(Size { width: 1280.0, height: 800.0 });
    let ctx = Context {
        user_id: u.get("id").and_then(|v| v.as_str()).unwrap_or("simulated-user").to_string(),
        traits: u.get("traits").and_then(|v| v.as_object()).cloned().unwrap_or_default(),
        url: url.to_string(),
        viewport,
        device: Device::from_width(viewport.width),
        locale: u.get("locale").and_then(|v| v.as_str()).unwrap_or("en").to_string(),
        now_ms,
        events: u.get("events").cloned().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default(),
        guides: u.get("guides").and_then(|v| guidepost_core::json::from_value(v).ok()).unwrap_or_default(),
    };
    let state = SchedulerState { history: ctx.guides.clone(), session_id: "simulated".into(), ..Default::default() };
    let engine = Engine::new(guides);
    let ex = engine.explain_guide(id, &ctx, &state).ok_or("guide vanished")?;
    println!("{} {} for user {} on {url}", if ex.eligible { "✓ would show" } else { "✗ would not show" }, id, ctx.user_id);
    print!("{}", ex.trace.render());
    Ok(if ex.eligible { 0 } else { 1 })
}

/// A terminal table of a funnel.
pub fn render_funnel(r: &guidepost_core::FunnelReport) -> String {
    let mut s =
        format!("guide {}: {} shown, {} completed ({:.1}%)\n", r.guide_id, r.shown_users, r.completed_users, r.completion_rate * 100.0);
    s.push_str(&format!(
        "{:<4} {:<18} {:>8} {:>10} {:>8} {:>7} {:>9}  {}\n",
        "#", "step", "viewed", "completed", "dropped", "rate", "median", "why they left"
    ));
    for st in &r.steps {
        let reasons: Vec<String> = st.drop_reasons.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let median = st.median_ms.map(|m| format!("{:.1}s", m as f64 / 1000.0)).unwrap_or_else(|| "-".into());
        let bar = "█".repeat(((1.0 - st.drop_rate) * 10.0).round() as usize);
        s.push_str(&format!(
            "{:<4} {:<18} {:>8} {:>10} {:>8} {:>6.1}% {:>9}  {} {}\n",
            st.step_index + 1,
            st.step_id,
            st.viewed_users,
            st.completed_users,
            st.dropped_users,
            st.drop_rate * 100.0,
            median,
            reasons.join(", "),
            bar
        ));
        if st.target_missing_sessions > 0 {
            s.push_str(&format!(
                "     health: target missing in {} of {} sessions ({:.1}%) — a broken guide, not a drop-off\n",
                st.target_missing_sessions,
                st.sessions,
                st.target_missing_rate * 100.0
            ));
        }
    }
    if let Some(sv) = &r.survey {
        s.push_str(&format!("survey: {} responses", sv.responses));
        if let Some(n) = sv.nps {
            s.push_str(&format!(", NPS {n:+.1}"));
        }
        s.push('\n');
    }
    s
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

/// Which guide store `import` and `export` work on: the SQLite file, or ClickHouse.
#[derive(clap::Args)]
struct StoreArgs {
    /// `sqlite` (default) or `clickhouse`.
    #[arg(long, default_value = "sqlite")]
    store: String,
    #[arg(long, default_value = "data/guidepost.db")]
    db: PathBuf,
    #[arg(long, default_value = "http://127.0.0.1:8123")]
    clickhouse_url: String,
    #[arg(long, default_value = "guidepost")]
    clickhouse_db: String,
}

impl StoreArgs {
    /// Opens the store, creating the SQLite file (and its folder) when missing.
    fn open(&self) -> Result<Box<dyn Store>, String> {
        match self.store.as_str() {
            "sqlite" => {
                if let Some(parent) = self.db.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                Ok(Box::new(SqliteStore::open(&self.db)?))
            }
            "clickhouse" => Ok(Box::new(crate::clickhouse::ClickHouseStore::connect(&self.clickhouse_url, &self.clickhouse_db)?)),
            other => Err(format!("unknown store \"{other}\": expected sqlite or clickhouse")),
        }
    }

    /// Opens a store that must exist already (a missing SQLite file is an error).
    fn open_existing(&self) -> Result<Box<dyn Store>, String> {
        if self.store == "sqlite" && !self.db.exists() {
            return Err(format!("no database at {}", self.db.display()));
        }
        self.open()
    }
}

/// The guide store of `store`.
fn guides_of(store: &dyn Store) -> Result<&dyn GuideStore, String> {
    store.guide_store().ok_or_else(|| "this store has no guide store".to_string())
}

fn import(store: &dyn Store, envs: &[Env], files: &[PathBuf]) -> Result<i32, String> {
    let store = guides_of(store)?;
    let by = Actor {
        who: "import",
        at: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0),
    };
    let mut failed = 0;
    let mut count = 0;
    for f in files {
        if f.to_string_lossy().ends_with(".schema.json") {
            continue;
        }
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                println!("✗ {}: invalid JSON: {e}", f.display());
                failed += 1;
                continue;
            }
        };
        let guides = match value {
            serde_json::Value::Array(a) => a,
            v => vec![v],
        };
        for (i, g) in guides.into_iter().enumerate() {
            let Some(id) = g.get("id").and_then(|v| v.as_str()).filter(|id| valid_guide_id(id)).map(str::to_string) else {
                println!("✗ {} guide {i}: no valid \"id\" (1 to 128 letters, digits or -_.:); not imported", f.display());
                failed += 1;
                continue;
            };
            count += 1;
            match import_one(store, &id, &g, envs, &by) {
                Ok(done) => println!("✓ {id}: {done}"),
                Err(e) => {
                    failed += 1;
                    println!("✗ {id} ({}): {e}", f.display());
                }
            }
        }
    }
    println!("{count} guide(s) imported, {failed} problem(s)");
    Ok(if failed > 0 { 1 } else { 0 })
}

/// Saves `g` as the draft of `id` (unless the draft holds it already) and publishes it to
/// each of `envs` that does not serve this content yet: by promotion when an environment
/// handled before serves it, else as a new version. What was done, in words.
fn import_one(store: &dyn GuideStore, id: &str, g: &serde_json::Value, envs: &[Env], by: &Actor) -> Result<String, String> {
    let mut said = Vec::new();
    let current = store.draft(id).map_err(|e| e.to_string())?;
    if current.as_ref().is_some_and(|d| same_content(&d.json, g)) {
        said.push("draft unchanged".to_string());
    } else {
        let saved = store.save_draft(id, g, None, by).map_err(|e| e.to_string())?;
        said.push(format!("draft revision {}", saved.revision));
    }
    let mut done: Vec<(Env, u32)> = Vec::new();
    for &env in envs {
        let serves = store.published(env).map_err(|e| e.to_string())?;
        let served = serves.iter().find(|(gid, _)| gid == id).map(|(_, j)| serde_json::from_str::<serde_json::Value>(j));
        let served_version = match served {
            Some(Ok(v)) if same_content(&v, g) => v.get("version").and_then(|v| v.as_u64()).map(|v| v as u32),
            _ => None,
        };
        if let Some(v) = served_version {
            said.push(format!("{env} serves it already (version {v})"));
            done.push((env, v));
            continue;
        }
        let p = match done.first() {
            Some(&(from, v)) => {
                let p = store.promote(id, from, env, by).map_err(|e| e.to_string())?;
                said.push(format!("promoted version {v} from {from} to {env}"));
                p
            }
            None => {
                let p = store.publish(id, env, by).map_err(|e| e.to_string())?;
                said.push(format!("published version {} to {env}", p.version.unwrap_or(0)));
                p
            }
        };
        done.push((env, p.version.unwrap_or(0)));
    }
    Ok(said.join(", "))
}

fn export(store: &dyn Store, dir: &Path) -> Result<i32, String> {
    let store = guides_of(store)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let guides = store.list().map_err(|e| e.to_string())?;
    for g in &guides {
        // Ids are checked when saved; a file name never leaves `dir`.
        if !valid_guide_id(&g.id) || g.id.starts_with('.') {
            eprintln!("skipped a guide with the id {:?}: not a safe file name", g.id);
            continue;
        }
        let d = store.draft(&g.id).map_err(|e| e.to_string())?.ok_or_else(|| format!("the draft of {} vanished", g.id))?;
        let path = dir.join(format!("{}.json", g.id));
        let mut text = serde_json::to_string_pretty(&d.json).map_err(|e| e.to_string())?;
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("{}", path.display());
    }
    println!("{} guide(s) exported to {}", guides.len(), dir.display());
    Ok(0)
}

/// The valid guides of a directory as the JSON array `/guides.json` serves; `None` when
/// there is no such directory.
fn guides_json(dir: &Path) -> Option<Vec<u8>> {
    dir.exists().then(|| serde_json::to_vec(&crate::guides::load_dir(dir).0).ok()).flatten()
}
