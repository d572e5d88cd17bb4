//! The published guides of the collector's guide store: `GET <endpoint>/v1/config?key=<write
//! key>` answers `{ environment, guides }` for the key's environment.
//!
//! Local-first: the last answer is kept in localStorage (at most [`MAX_CACHED`] bytes), so
//! a page view installs it at once and works offline, while the store is asked again in
//! the background (stale-while-revalidate; the collector sends an `ETag` with
//! `Cache-Control: no-cache`, so the browser's own cache revalidates and a 304 costs no
//! body). Until the answer is in, guides do not start by themselves (`fresh` stays false):
//! a guide unpublished since the last page view must not show from the stale copy. A tour
//! in progress resumes at once, and an explicit `start()` works with the cached copy.

use guidepost_core::json::{self, At, FromJson, JsonError, Obj};
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::{runtime, store};

const CACHE_KEY: &str = "config";
/// A larger answer is used but not kept (the delivery queue needs room too).
const MAX_CACHED: usize = 1024 * 1024;

/// The cached answer, for one endpoint and key.
#[derive(Serialize)]
struct Cached {
    source: String,
    text: String,
}

impl FromJson for Cached {
    fn from_json(v: &serde_json::Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a cached config")?;
        Ok(Cached { source: o.req("source")?, text: o.req("text")? })
    }
}

fn url(endpoint: &str, key: &str) -> String {
    format!("{endpoint}/v1/config?key={}", js_sys::encode_uri_component(key))
}

/// Installs the cached guides for `endpoint` and `key` if there are any, then asks the
/// store for the published ones. Answers whether guides were installed from the cache.
pub fn load(endpoint: String, key: String) -> bool {
    let source = url(&endpoint, &key);
    let cached = store::get::<Cached>(CACHE_KEY).filter(|c| c.source == source);
    let mut installed = false;
    if let Some(guides) = cached.as_ref().and_then(|c| guides_of(&c.text)) {
        runtime::install_published(&guides, false);
        installed = true;
    }
    let previous = cached.map(|c| c.text);
    wasm_bindgen_futures::spawn_local(async move {
        match runtime::fetch_text(&source).await {
            Ok(text) => {
                let Some(guides) = guides_of(&text) else {
                    runtime::report_error(
                        "config",
                        &format!("{endpoint}/v1/config answered something other than {{ guides: [...] }}"),
                        JsValue::UNDEFINED,
                    );
                    runtime::config_settled(previous.is_none());
                    return;
                };
                if previous.as_deref() == Some(text.as_str()) {
                    runtime::config_settled(false);
                    return;
                }
                if text.len() <= MAX_CACHED {
                    store::set(CACHE_KEY, &Cached { source, text: text.clone() });
                } else {
                    store::remove(CACHE_KEY);
                }
                runtime::install_published(&guides, true);
            }
            Err(e) => {
                let offline = if previous.is_some() { "; using the copy from the last page view" } else { "" };
                runtime::report_error(
                    "config",
                    &format!("could not load the published guides from {endpoint}: {e}{offline}"),
                    JsValue::UNDEFINED,
                );
                runtime::config_settled(previous.is_none());
            }
        }
    });
    installed
}

/// The `guides` array of an answer.
fn guides_of(text: &str) -> Option<serde_json::Value> {
    let v: serde_json::Value = json::from_str(text).ok()?;
    v.get("guides").filter(|g| g.is_array()).cloned()
}
