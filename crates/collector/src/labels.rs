//! What a product manager reads instead of ids: a guide's name and its steps' titles, from
//! the guide as production serves it, else staging, else its draft (the guide store), else
//! the guides directory's copy (`dir_guides`, the JSON array `/guides.json` serves).

use std::collections::HashMap;

use serde_json::Value;

use crate::guide_store::Env;
use crate::store::Store;

/// Guide `id`'s JSON, from where it is authored or served (see the module's text).
pub fn guide_json(store: &dyn Store, dir_guides: Option<&[u8]>, id: &str) -> Option<Value> {
    if let Some(gs) = store.guide_store() {
        for env in [Env::Production, Env::Staging] {
            if let Some((_, text)) = gs.published(env).ok().and_then(|p| p.into_iter().find(|(g, _)| g == id)) {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    return Some(v);
                }
            }
        }
        if let Ok(Some(d)) = gs.draft(id) {
            return Some(d.json);
        }
    }
    let all: Value = serde_json::from_slice(dir_guides?).ok()?;
    all.as_array()?.iter().find(|g| g.get("id").and_then(Value::as_str) == Some(id)).cloned()
}

/// Every known guide's name, by id, from where [`guide_json`] reads a guide: as production
/// serves it, else staging, else its draft, else the guides directory.
pub fn names(store: &dyn Store, dir_guides: Option<&[u8]>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut put = |g: &Value| {
        if let (Some(id), Some(name)) = (g["id"].as_str(), g["name"].as_str()) {
            out.insert(id.to_string(), name.to_string());
        }
    };
    // Weakest first: each later source overrides.
    if let Some(all) = dir_guides.and_then(|d| serde_json::from_slice::<Value>(d).ok()) {
        all.as_array().into_iter().flatten().for_each(&mut put);
    }
    if let Some(gs) = store.guide_store() {
        for g in gs.list().unwrap_or_default() {
            if let Some(name) = g.name {
                put(&serde_json::json!({ "id": g.id, "name": name }));
            }
        }
        for env in [Env::Staging, Env::Production] {
            for (_, text) in gs.published(env).unwrap_or_default() {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    put(&v);
                }
            }
        }
    }
    out
}

/// A guide's step titles, by step id (steps without a string title are left out).
pub fn step_titles(guide: &Value) -> HashMap<String, String> {
    guide["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s["id"].as_str()?.to_string(), s["title"].as_str()?.to_string())))
        .collect()
}
