//! `guidepost import` and `export`: guide files to and from a guide store.

use std::path::{Path, PathBuf};

use crate::guide_store::{same_content, valid_guide_id, Actor, Env, GuideStore};
use crate::store::{SqliteStore, Store};

/// Which guide store `import` and `export` work on: the SQLite file, or ClickHouse.
#[derive(clap::Args)]
pub struct StoreArgs {
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
    pub fn open(&self) -> Result<Box<dyn Store>, String> {
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
    pub fn open_existing(&self) -> Result<Box<dyn Store>, String> {
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

pub fn import(store: &dyn Store, envs: &[Env], files: &[PathBuf]) -> Result<i32, String> {
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
                let p = store.publish(id, env, None, by).map_err(|e| e.to_string())?;
                said.push(format!("published version {} to {env}", p.version.unwrap_or(0)));
                p
            }
        };
        done.push((env, p.version.unwrap_or(0)));
    }
    Ok(said.join(", "))
}

pub fn export(store: &dyn Store, dir: &Path) -> Result<i32, String> {
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
