//! Delivery of analytics records to the collector.
//!
//! Records wait in localStorage until the collector answers for them, so going offline or
//! closing the tab loses nothing. Each record has its own key (`q:<event id>`), so queueing
//! one costs one small write whatever the queue holds (one JSON array rewritten per record
//! cost 95 ms of main thread with 5,000 queued). The queue is mirrored in memory, read
//! from storage once at start, and bounded by bytes ([`MAX_QUEUE_BYTES`], far below any
//! origin's quota): past it the oldest records go, and `on('error')` says how many, once
//! per overflow. A write the browser refuses (quota) keeps the record in memory only.
//!
//! Batches go out with a keepalive fetch, with the write key in the query string (a
//! simple request: no preflight). The collector stores the valid records of a batch and
//! names the invalid ones by index; both leave the queue. A 413 halves the batch, a 429
//! halves it and backs off; network errors, 401/403 and 5xx back off exponentially and
//! are reported once until a batch goes through. When the page is hidden the rest goes
//! out with sendBeacon and stays queued (a beacon is never answered: the collector
//! dedupes by `event_id`, so a resend is harmless).

use std::cell::RefCell;

use guidepost_core::EventRecord;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::store;

const QUEUE_PREFIX: &str = "q:";
/// The single-key queue of earlier versions, read once and moved to per-record keys.
const LEGACY_QUEUE_KEY: &str = "queue";
/// The queue's bound in bytes of JSON (about 1,000 records).
pub const MAX_QUEUE_BYTES: usize = 512 * 1024;
const MAX_BATCH: usize = 100;
const MAX_BACKOFF_MS: u32 = 60_000;

#[derive(Default)]
struct Sender {
    endpoint: Option<String>,
    write_key: Option<String>,
    in_flight: bool,
    failures: u32,
    retry: Option<gloo_timers::callback::Timeout>,
    /// The batch size now allowed (halved by 413 and 429, grows back after successes).
    batch: usize,
    /// Queued records, oldest first: id, JSON text.
    queue: Vec<(String, String)>,
    bytes: usize,
    loaded: bool,
    /// Records dropped since the last overflow report (reported on the next tick).
    dropped: usize,
    dropped_report_pending: bool,
    /// A delivery problem was reported and nothing got through since.
    failure_reported: bool,
}

thread_local! {
    static SENDER: RefCell<Sender> = RefCell::new(Sender { batch: MAX_BATCH, ..Sender::default() });
}

fn with<R>(f: impl FnOnce(&mut Sender) -> R) -> R {
    SENDER.with(|s| f(&mut s.borrow_mut()))
}

pub fn configure(endpoint: Option<String>, write_key: Option<String>) {
    with(|s| {
        s.endpoint = endpoint.map(|e| e.trim_end_matches('/').to_string());
        s.write_key = write_key;
    });
    load();
    listen_once();
    flush();
}

/// Reads the queue from storage once (and moves a legacy single-key queue over).
fn load() {
    if with(|s| std::mem::replace(&mut s.loaded, true)) {
        return;
    }
    let mut found: Vec<(i64, String, String)> = store::entries(QUEUE_PREFIX)
        .into_iter()
        .filter_map(|(key, text)| {
            let r: EventRecord = guidepost_core::json::from_str(&text).ok()?;
            Some((r.timestamp, key, text))
        })
        .collect();
    guidepost_core::sort::sort_by(&mut found, |a, b| a.0.cmp(&b.0));
    with(|s| {
        for (_, key, text) in found {
            s.bytes += text.len();
            s.queue.push((key, text));
        }
    });
    if let Some(legacy) = store::get::<Vec<EventRecord>>(LEGACY_QUEUE_KEY) {
        store::remove(LEGACY_QUEUE_KEY);
        for r in legacy {
            enqueue(r);
        }
    }
}

/// Adds a record to the persistent queue and tries to send.
pub fn enqueue(mut r: EventRecord) {
    load();
    // Never produce a record the collector would refuse for its size.
    r.fit();
    let Ok(text) = serde_json::to_string(&r) else { return };
    let id = r.event_id.clone();
    let stored = store::set_raw(&format!("{QUEUE_PREFIX}{id}"), &text);
    let evicted = with(|s| {
        s.bytes += text.len();
        s.queue.push((id, text));
        let mut evicted = Vec::new();
        while s.bytes > MAX_QUEUE_BYTES && s.queue.len() > 1 {
            let (old, t) = s.queue.remove(0);
            s.bytes -= t.len();
            evicted.push(old);
        }
        s.dropped += evicted.len();
        evicted
    });
    for old in &evicted {
        store::remove(&format!("{QUEUE_PREFIX}{old}"));
    }
    if !evicted.is_empty() {
        report_dropped();
    }
    if !stored {
        report_once("delivery", "storage is full or unavailable: records are kept in memory until sent, and lost if the page closes first");
    }
    flush();
}

/// Reports dropped records once per overflow, with the count, on the next tick (so a
/// burst of drops is one report).
fn report_dropped() {
    if with(|s| std::mem::replace(&mut s.dropped_report_pending, true)) {
        return;
    }
    gloo_timers::callback::Timeout::new(0, || {
        if !guidepost_dom::alive() {
            return;
        }
        let n = with(|s| {
            s.dropped_report_pending = false;
            std::mem::take(&mut s.dropped)
        });
        crate::runtime::report_error(
            "delivery",
            &format!("the queue reached its bound ({} KB): the {n} oldest unsent records were dropped", MAX_QUEUE_BYTES / 1024),
            JsValue::UNDEFINED,
        );
    })
    .forget();
}

/// Reports a delivery problem once until a batch goes through again.
fn report_once(source: &str, message: &str) {
    if !with(|s| std::mem::replace(&mut s.failure_reported, true)) {
        crate::runtime::report_error(source, message, JsValue::UNDEFINED);
    }
}

/// The ingest URL, with the write key in the query (beacons cannot set headers).
fn ingest_url(endpoint: &str, key: &Option<String>) -> String {
    match key {
        Some(k) => format!("{endpoint}/v1/events?key={}", js_sys::encode_uri_component(k)),
        None => format!("{endpoint}/v1/events"),
    }
}

fn body(texts: &[&str]) -> String {
    format!("{{\"batch\":[{}]}}", texts.join(","))
}

enum Outcome {
    /// The collector answered for these records (stored, duplicates or refused).
    Settled { rejected: Vec<(usize, String)> },
    /// Too large (no wait) or too fast (wait this long, ms): send fewer at a time.
    Smaller { wait_ms: Option<u32> },
    /// Keep them and try again later.
    Retry { problem: String },
}

/// Sends the next batch unless one is in flight or the endpoint is unset.
pub fn flush() {
    let Some((endpoint, key, batch)) = with(|s| {
        if s.in_flight || s.retry.is_some() || s.queue.is_empty() {
            return None;
        }
        let endpoint = s.endpoint.clone()?;
        s.in_flight = true;
        let batch: Vec<(String, String)> = s.queue.iter().take(s.batch.max(1)).cloned().collect();
        Some((endpoint, s.write_key.clone(), batch))
    }) else {
        return;
    };
    let url = ingest_url(&endpoint, &key);
    let texts: Vec<&str> = batch.iter().map(|(_, t)| t.as_str()).collect();
    let text = body(&texts);
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = match post(&url, &text).await {
            Ok((status, answer, retry_after)) => outcome(status, &answer, retry_after, &endpoint),
            Err(_) => Outcome::Retry {
                problem: format!(
                    "could not reach the collector at {endpoint} (offline, or a CORS refusal: a collector on another origin needs --allow-origin for this page's origin); records stay queued"
                ),
            },
        };
        if !guidepost_dom::alive() {
            return;
        }
        let again = match outcome {
            Outcome::Settled { rejected } => {
                settle(&batch, &rejected);
                with(|s| {
                    s.failures = 0;
                    s.failure_reported = false;
                    s.batch = (s.batch * 2).min(MAX_BATCH);
                });
                true
            }
            Outcome::Smaller { wait_ms: None } if batch.len() == 1 => {
                // One record over the collector's body limit: it will never be accepted.
                settle(&batch, &[(0, "larger than the collector's body limit".into())]);
                true
            }
            Outcome::Smaller { wait_ms } => {
                with(|s| s.batch = (batch.len() / 2).max(1));
                match wait_ms {
                    Some(ms) => {
                        wait(ms);
                        false
                    }
                    None => true,
                }
            }
            Outcome::Retry { problem } => {
                report_once("delivery", &problem);
                back_off();
                false
            }
        };
        with(|s| s.in_flight = false);
        if again {
            flush();
        }
    });
}

/// What the collector's answer means for the batch (`retry_after`: the header, seconds).
fn outcome(status: u16, answer: &str, retry_after: Option<u32>, endpoint: &str) -> Outcome {
    match status {
        200..=299 => {
            let v: serde_json::Value = serde_json::from_str(answer).unwrap_or_default();
            let rejected = v
                .get("rejected")
                .and_then(|r| r.as_array())
                .map(|r| {
                    r.iter()
                        .filter_map(|e| {
                            let index = e.get("index")?.as_u64()? as usize;
                            Some((index, e.get("reason").and_then(|x| x.as_str()).unwrap_or("refused").to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Outcome::Settled { rejected }
        }
        413 => Outcome::Smaller { wait_ms: None },
        429 => Outcome::Smaller { wait_ms: Some(retry_after.map_or(1000, |s| s.saturating_mul(1000)).min(MAX_BACKOFF_MS)) },
        // The body was unreadable as a batch: nothing in it will ever be accepted.
        400 => Outcome::Settled { rejected: vec![(usize::MAX, error_text(answer))] },
        401 | 403 => Outcome::Retry {
            problem: format!(
                "the collector at {endpoint} refused the write key or this origin ({}); records stay queued",
                error_text(answer)
            ),
        },
        _ => Outcome::Retry { problem: format!("the collector at {endpoint} answered {status}; records stay queued") },
    }
}

fn error_text(answer: &str) -> String {
    serde_json::from_str::<serde_json::Value>(answer)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| answer.chars().take(200).collect())
}

/// Removes an answered batch from the queue; reports the records the collector refused.
fn settle(batch: &[(String, String)], rejected: &[(usize, String)]) {
    with(|s| {
        let before = std::mem::take(&mut s.queue);
        let (sent, kept): (Vec<_>, Vec<_>) = before.into_iter().partition(|(id, _)| batch.iter().any(|(b, _)| b == id));
        s.bytes -= sent.iter().map(|(_, t)| t.len()).sum::<usize>();
        s.queue = kept;
    });
    for (id, _) in batch {
        store::remove(&format!("{QUEUE_PREFIX}{id}"));
    }
    if let Some((index, reason)) = rejected.first() {
        let which = if *index == usize::MAX { "the batch".to_string() } else { format!("record {index} of the batch") };
        crate::runtime::report_error(
            "delivery",
            &format!("the collector refused {} record(s); {which}: {reason}", rejected.len().max(1)),
            JsValue::UNDEFINED,
        );
    }
}

/// Waits exponentially longer after each failure in a row.
fn back_off() {
    let failures = with(|s| {
        s.failures += 1;
        s.failures
    });
    wait((1000u32.saturating_mul(1 << failures.min(6))).min(MAX_BACKOFF_MS));
}

/// Sends again after `ms`.
fn wait(ms: u32) {
    with(|s| {
        s.retry = Some(gloo_timers::callback::Timeout::new(ms, || {
            if !guidepost_dom::alive() {
                return;
            }
            with(|s| s.retry = None);
            flush();
        }));
    });
}

/// Posts a batch: the status, the answer's text and its `Retry-After` in seconds.
async fn post(url: &str, body: &str) -> Result<(u16, String, Option<u32>), JsValue> {
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
    let retry_after = resp.headers().get("retry-after").ok().flatten().and_then(|v| v.trim().parse().ok());
    let text = JsFuture::from(resp.text()?).await.ok().and_then(|t| t.as_string()).unwrap_or_default();
    Ok((resp.status(), text, retry_after))
}

/// Hands what is queued to sendBeacon when the page goes away.
fn beacon_all() {
    let Some((endpoint, key, texts)) = with(|s| {
        let e = s.endpoint.clone()?;
        Some((e, s.write_key.clone(), s.queue.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>()))
    }) else {
        return;
    };
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return };
    let url = ingest_url(&endpoint, &key);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    for chunk in refs.chunks(MAX_BATCH) {
        let _ = nav.send_beacon_with_opt_str(&url, Some(&body(chunk)));
    }
}

fn listen_once() {
    thread_local! { static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) }; }
    if DONE.with(|d| d.replace(true)) {
        return;
    }
    let Some(w) = web_sys::window() else { return };
    let online = Closure::<dyn FnMut()>::new(|| {
        if !guidepost_dom::alive() {
            return;
        }
        with(|s| {
            s.retry = None;
            s.failures = 0;
        });
        flush();
    });
    let _ = w.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
    online.forget();
    let hide = Closure::<dyn FnMut()>::new(|| {
        if !guidepost_dom::alive() {
            return;
        }
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
