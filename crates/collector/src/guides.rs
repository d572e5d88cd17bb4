//! The guides served at `/guides.json`, kept in memory.
//!
//! The files are loaded and validated (core's `load_guides`, through [`load_dir`], which the CLI's `validate` and `simulate` use too)
//! once at start, and the JSON array is kept as bytes. A request looks at the files' names,
//! sizes and modification times at most once per check interval, on a blocking thread, and
//! reloads them there when they changed; every request is answered from memory, and a slow
//! reload never holds up the async workers (ingest keeps going) nor other `/guides.json`
//! requests, which get the previous version meanwhile.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;

/// What a directory's guide files looked like: (path, size, modification time) per file.
type Stamp = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// Loads every valid guide in a directory (or file), with the diagnostics as text.
pub fn load_dir(path: &Path) -> (Vec<guidepost_core::Guide>, Vec<String>) {
    let mut guides = Vec::new();
    let mut problems = Vec::new();
    let files = guide_files(path);
    for f in files {
        match std::fs::read_to_string(&f) {
            Ok(text) => {
                let r = guidepost_core::load_guides(&text);
                problems.extend(r.diagnostics.iter().map(|d| format!("{}: {d}", f.display())));
                guides.extend(r.guides);
            }
            Err(e) => problems.push(format!("{}: cannot read: {e}", f.display())),
        }
    }
    (guides, problems)
}

/// The guide files of `path`: its `*.json` files but schemas, sorted; or `path` itself when
/// it is a file.
pub fn guide_files(path: &Path) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(path).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().ends_with(".schema.json"));
    v.sort();
    v
}

fn stamp(dir: &Path) -> Stamp {
    guide_files(dir)
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let (len, modified) = meta.map_or((0, None), |m| (m.len(), m.modified().ok()));
            (p, len, modified)
        })
        .collect()
}

struct Checked {
    at: Instant,
    stamp: Stamp,
}

/// The validated guides of a directory as JSON, reloaded when the files change.
pub struct GuideCache {
    dir: PathBuf,
    interval: Duration,
    json: RwLock<Bytes>,
    checked: tokio::sync::Mutex<Checked>,
    loads: AtomicU64,
}

impl GuideCache {
    /// Loads the guides now (blocking: call it at start).
    pub fn open(dir: PathBuf, interval: Duration) -> GuideCache {
        let stamp = stamp(&dir);
        let cache = GuideCache {
            json: RwLock::new(Bytes::new()),
            checked: tokio::sync::Mutex::new(Checked { at: Instant::now(), stamp }),
            loads: AtomicU64::new(0),
            dir,
            interval,
        };
        cache.load();
        cache
    }

    /// How many times the files were read and validated (once at start, then once per change).
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    fn load(&self) {
        let (guides, problems) = load_dir(&self.dir);
        for p in problems.iter().filter(|p| p.contains("error")) {
            eprintln!("guidepost: {p}");
        }
        let json = serde_json::to_vec(&guides).unwrap_or_else(|_| b"[]".to_vec());
        *self.json.write().unwrap_or_else(|e| e.into_inner()) = Bytes::from(json);
        self.loads.fetch_add(1, Ordering::Relaxed);
    }

    /// The current guides as a JSON array; first reloads them if a check is due and the
    /// files changed (unless another request is checking already).
    pub async fn get(self: &Arc<Self>) -> Bytes {
        if let Ok(mut checked) = self.checked.try_lock() {
            if checked.at.elapsed() >= self.interval {
                let this = self.clone();
                let old = std::mem::take(&mut checked.stamp);
                let stamp = tokio::task::spawn_blocking(move || {
                    let now = stamp(&this.dir);
                    if now != old {
                        this.load();
                    }
                    now
                })
                .await
                .unwrap_or_default();
                *checked = Checked { at: Instant::now(), stamp };
            }
        }
        self.json.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
