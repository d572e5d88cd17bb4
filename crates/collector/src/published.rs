//! What `GET /v1/config` answers, per environment, kept in memory.
//!
//! The body of each environment (`{"environment": ..., "guides": [...]}`, the published guide
//! JSON sorted by id) and its ETag are built once, on a blocking thread, and rebuilt:
//! - at once after a change of what an environment serves made through this collector
//!   ([`PublishedCache::changed`]);
//! - when the store's generation (the newest publish log entry) differs from the one the
//!   bodies were built at: another collector on the same database published. The generation
//!   is read at most once per check interval, off the async workers, by one request at a
//!   time; the others are answered from memory meanwhile.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use guidepost_core::rules::stable_hash;

use crate::guide_store::Env;
use crate::store::Store;

/// One environment's answer.
#[derive(Clone, Debug)]
pub struct Served {
    pub body: Bytes,
    /// Quoted, as sent in the `ETag` header.
    pub etag: String,
}

struct Built {
    generation: i64,
    envs: [Served; 2],
}

fn index(env: Env) -> usize {
    match env {
        Env::Staging => 0,
        Env::Production => 1,
    }
}

/// The answers of `GET /v1/config`, rebuilt when what is published changes.
pub struct PublishedCache {
    interval: Duration,
    built: RwLock<Option<Arc<Built>>>,
    /// When the generation was last read; held by the request checking it.
    checked: tokio::sync::Mutex<Option<Instant>>,
    /// Set when a change was made here but the rebuild after it failed: check at once.
    dirty: AtomicBool,
    builds: AtomicU64,
}

/// The body of one environment.
pub fn config_body(env: Env, guides: &[(String, String)]) -> Served {
    let mut body = String::with_capacity(64 + guides.iter().map(|(_, j)| j.len() + 1).sum::<usize>());
    body.push_str("{\"environment\":\"");
    body.push_str(env.as_str());
    body.push_str("\",\"guides\":[");
    for (i, (_, json)) in guides.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(json);
    }
    body.push_str("]}");
    let etag = format!("\"{:016x}\"", stable_hash(&body));
    Served { body: Bytes::from(body), etag }
}

impl PublishedCache {
    pub fn new(interval: Duration) -> PublishedCache {
        PublishedCache {
            interval,
            built: RwLock::new(None),
            checked: tokio::sync::Mutex::new(None),
            dirty: AtomicBool::new(false),
            builds: AtomicU64::new(0),
        }
    }

    /// How many times the bodies were built.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    fn current(&self) -> Option<Arc<Built>> {
        self.built.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// `env`'s answer; first checks the generation when a check is due (and no other request
    /// is checking). Fails only when nothing was ever built and building fails.
    pub async fn get(&self, store: &Arc<dyn Store>, env: Env) -> Result<Served, String> {
        match self.current() {
            None => {
                let mut checked = self.checked.lock().await;
                if self.current().is_none() {
                    self.check(store, &mut checked).await?;
                }
            }
            Some(_) => {
                if let Ok(mut checked) = self.checked.try_lock() {
                    let due = self.dirty.load(Ordering::Relaxed) || checked.is_none_or(|at| at.elapsed() >= self.interval);
                    if due {
                        if let Err(e) = self.check(store, &mut checked).await {
                            eprintln!("guidepost: cannot refresh the published guides: {e}");
                        }
                    }
                }
            }
        }
        let built = self.current().ok_or("the published guides are not loaded")?;
        Ok(built.envs[index(env)].clone())
    }

    /// After a change made through this collector: rebuild now, so the next request sees it.
    pub async fn changed(&self, store: &Arc<dyn Store>) {
        let mut checked = self.checked.lock().await;
        if let Err(e) = self.check(store, &mut checked).await {
            self.dirty.store(true, Ordering::Relaxed);
            eprintln!("guidepost: cannot refresh the published guides: {e}");
        }
    }

    /// Reads the generation and rebuilds when it changed (or nothing was built yet).
    async fn check(&self, store: &Arc<dyn Store>, checked: &mut Option<Instant>) -> Result<(), String> {
        let known = self.current().map(|b| b.generation);
        let store = store.clone();
        let rebuilt = tokio::task::spawn_blocking(move || -> Result<Option<Built>, String> {
            let gs = store.guide_store().ok_or("this store does not keep guides")?;
            // The generation first: the bodies are then at least as new as it says.
            let generation = gs.generation().map_err(|e| e.to_string())?;
            if known == Some(generation) {
                return Ok(None);
            }
            let build = |env: Env| gs.published(env).map(|g| config_body(env, &g)).map_err(|e| e.to_string());
            Ok(Some(Built { generation, envs: [build(Env::Staging)?, build(Env::Production)?] }))
        })
        .await
        .map_err(|e| e.to_string())??;
        *checked = Some(Instant::now());
        self.dirty.store(false, Ordering::Relaxed);
        if let Some(b) = rebuilt {
            *self.built.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(b));
            self.builds.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}
