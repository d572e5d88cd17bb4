//! Delivery of analytics records to the collector.
//!
//! Records wait in localStorage until the collector acknowledges them, so going
//! offline or closing the tab loses nothing. Batches go out with a keepalive fetch;
//! failures retry with exponential backoff; when the page is hidden the rest goes out
//! with sendBeacon (and stays queued, since a beacon is never acknowledged: the
//! collector dedupes by `event_id`, so a resend is harmless).

use std::cell::RefCell;

use guidepost_core::EventRecord;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::store;

const QUEUE_KEY: &str = "queue";
const MAX_QUEUE: usize = 5_000;
const BATCH: usize = 100;
const MAX_BACKOFF_MS: u32 = 60_000;

#[derive(Default)]
struct Sender {
    endpoint: Option<String>,
    write_key: Option<String>,
    in_flight: bool,
    failures: u32,
    retry: Option<gloo_timers::callback::Timeout>,
}

thread_local! {
    static SENDER: RefCell<Sender> = RefCell::new(Sender::default());
}

pub fn configure(endpoint: Option<String>, write_key: Option<String>) {
    SENDER.with(|s| {
        let mut s = s.borrow_mut();
        s.endpoint = endpoint.map(|e| e.trim_end_matches('/').to_string());
        s.write_key = write_key;
    });
    listen_once();
    flush();
}

fn queue() -> Vec<EventRecord> {
    store::get(QUEUE_KEY).unwrap_or_default()
}

/// Adds a record to the persistent queue and tries to send.
pub fn enqueue(r: EventRecord) {
    let mut q = queue();
    q.push(r);
    if q.len() > MAX_QUEUE {
        let extra = q.len() - MAX_QUEUE;
        q.drain(..extra);
    }
    store::set(QUEUE_KEY, &q);
    flush();
}

fn body(write_key: &Option<String>, batch: &[EventRecord]) -> String {
    serde_json::json!({ "writeKey": write_key, "batch": batch }).to_string()
}

/// Sends the next batch unless one is in flight or the endpoint is unset.
pub fn flush() {
    let (endpoint, key) = match SENDER.with(|s| {
        let s = s.borrow();
        if s.in_flight || s.retry.is_some() {
            return None;
        }
        s.endpoint.clone().map(|e| (e, s.write_key.clone()))
    }) {
        Some(x) => x,
        None => return,
    };
    let q = queue();
    if q.is_empty() {
        return;
    }
    let batch: Vec<EventRecord> = q.into_iter().take(BATCH).collect();
    let ids: Vec<String> = batch.iter().map(|r| r.event_id.clone()).collect();
    let text = body(&key, &batch);
    SENDER.with(|s| s.borrow_mut().in_flight = true);
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = post(&format!("{endpoint}/v1/events"), &text).await;
        let done = match outcome {
            // Accepted, or rejected as invalid (400): either way these records are settled.
            Ok(status) if (200..300).contains(&status) || status == 400 || status == 413 => true,
            _ => false,
        };
        if done {
            let remaining: Vec<EventRecord> = queue().into_iter().filter(|r| !ids.contains(&r.event_id)).collect();
            store::set(QUEUE_KEY, &remaining);
        }
        let again = SENDER.with(|s| {
            let mut s = s.borrow_mut();
            s.in_flight = false;
            if done {
                s.failures = 0;
                true
            } else {
                s.failures += 1;
                let delay = (1000u32.saturating_mul(1 << s.failures.min(6))).min(MAX_BACKOFF_MS);
                s.retry = Some(gloo_timers::callback::Timeout::new(delay, || {
                    SENDER.with(|s| s.borrow_mut().retry = None);
                    flush();
                }));
                false
            }
        });
        if again {
            flush();
        }
    });
}

async fn post(url: &str, body: &str) -> Result<u16, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    // keepalive lets the request outlive the page (set by name: not every web-sys exposes it).
    let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
    init.set_mode(web_sys::RequestMode::Cors);
    let headers = web_sys::Headers::new()?;
    // text/plain keeps this a "simple" request (no preflight), like the beacon.
    headers.set("content-type", "text/plain;charset=UTF-8")?;
    init.set_headers(&headers);
    let req = web_sys::Request::new_with_str_and_init(url, &init)?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_request(&req)).await?.dyn_into()?;
    Ok(resp.status())
}

/// Hands what is queued to sendBeacon when the page goes away.
fn beacon_all() {
    let Some((endpoint, key)) = SENDER.with(|s| {
        let s = s.borrow();
        s.endpoint.clone().map(|e| (e, s.write_key.clone()))
    }) else {
        return;
    };
    let q = queue();
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return };
    for chunk in q.chunks(BATCH) {
        let _ = nav.send_beacon_with_opt_str(&format!("{endpoint}/v1/events"), Some(&body(&key, chunk)));
    }
}

fn listen_once() {
    thread_local! { static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) }; }
    if DONE.with(|d| d.replace(true)) {
        return;
    }
    let Some(w) = web_sys::window() else { return };
    let online = Closure::<dyn FnMut()>::new(|| {
        SENDER.with(|s| {
            let mut s = s.borrow_mut();
            s.retry = None;
            s.failures = 0;
        });
        flush();
    });
    let _ = w.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
    online.forget();
    let hide = Closure::<dyn FnMut()>::new(|| {
        let hidden = web_sys::window().and_then(|w| w.document()).map(|d| d.hidden()).unwrap_or(false);
        if hidden {
            beacon_all();
        }
    });
    let _ = w.add_event_listener_with_callback("pagehide", hide.as_ref().unchecked_ref());
    if let Some(d) = w.document() {
        let _ = d.add_event_listener_with_callback("visibilitychange", hide.as_ref().unchecked_ref());
    }
    hide.forget();
}
