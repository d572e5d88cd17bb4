//! localStorage and sessionStorage, JSON-encoded, failing soft (private mode, quotas).

use guidepost_core::json::{self, FromJson};
use serde::Serialize;

const PREFIX: &str = "guidepost:";

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The key a value is saved under, in localStorage and sessionStorage alike.
pub fn full_key(key: &str) -> String {
    format!("{PREFIX}{key}")
}

/// Reads a saved value's text as it is.
pub fn get_raw(key: &str) -> Option<String> {
    local()?.get_item(&full_key(key)).ok()?
}

/// Reads a saved value; a missing, corrupt or older-shaped entry reads as `None`.
pub fn get<T: FromJson>(key: &str) -> Option<T> {
    json::from_str(&get_raw(key)?).ok()
}

/// Saves a value; returns false when storage is unavailable or full.
pub fn set<T: Serialize>(key: &str, value: &T) -> bool {
    serde_json::to_string(value).is_ok_and(|text| set_raw(key, &text))
}

/// Saves text as it is; returns false when storage is unavailable or full.
pub fn set_raw(key: &str, text: &str) -> bool {
    local().is_some_and(|s| s.set_item(&full_key(key), text).is_ok())
}

/// Every saved entry under `prefix`: (key without the prefix, text).
pub fn entries(prefix: &str) -> Vec<(String, String)> {
    let Some(s) = local() else { return Vec::new() };
    let full = full_key(prefix);
    keys(&s, &full).into_iter().filter_map(|k| Some((k[full.len()..].to_string(), s.get_item(&k).ok()??))).collect()
}

/// The full names of the keys that start with `full`.
fn keys(s: &web_sys::Storage, full: &str) -> Vec<String> {
    let n = s.length().unwrap_or(0);
    (0..n).filter_map(|i| s.key(i).ok().flatten()).filter(|k| k.starts_with(full)).collect()
}

pub fn remove(key: &str) {
    if let Some(s) = local() {
        let _ = s.remove_item(&full_key(key));
    }
}

/// Removes every key under `prefix` (`reset()`, and users evicted from storage).
pub fn remove_prefix(prefix: &str) {
    let Some(s) = local() else { return };
    for k in keys(&s, &full_key(prefix)) {
        let _ = s.remove_item(&k);
    }
}

pub fn session_get(key: &str) -> Option<String> {
    session()?.get_item(&full_key(key)).ok()?
}

pub fn session_set(key: &str, value: &str) {
    if let Some(s) = session() {
        let _ = s.set_item(&full_key(key), value);
    }
}

/// A random id of 128 bits in hex (crypto when available).
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let ok =
        web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok()).unwrap_or(false);
    if !ok {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
