//! The HTTP API: auth, CORS, validation, limits, dedupe, durability.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use guidepost_collector::server::MAX_BATCH;
use guidepost_collector::store::{SqliteStore, Store};
use guidepost_core::EventKind;
use serde_json::Value;

async fn post(r: &guidepost_collector::server::Running, path: &str, headers: &[(&str, &str)], body: String) -> (u16, Value) {
    let mut req = reqwest::Client::new().post(url(r, path)).body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// The key is read from the header or the query only: sendBeacon puts it in `?key=`.
#[tokio::test]
async fn write_key_from_header_or_query_not_body() {
    let (srv, store) = start_memory(config()).await;
    let recs = journey("u1", 1, None, T0, &[]);
    let one = |i: usize| serde_json::json!([recs[i]]).to_string();
    // (case, path, header key, body, expected status)
    let cases: Vec<(&str, String, Option<&str>, String, u16)> = vec![
        ("header", "/v1/events".into(), Some("wk"), one(0), 200),
        ("query (sendBeacon)", "/v1/events?key=wk".into(), None, one(1), 200),
        (
            "body writeKey is not read",
            "/v1/events".into(),
            None,
            serde_json::json!({"writeKey": "wk", "batch": [recs[2]]}).to_string(),
            401,
        ),
        ("missing", "/v1/events".into(), None, one(3), 401),
        ("wrong header", "/v1/events".into(), Some("rk"), one(3), 401),
        ("wrong query", "/v1/events?key=nope".into(), None, one(3), 401),
        ("prefix of the key", "/v1/events?key=w".into(), None, one(3), 401),
        ("header wins over query", "/v1/events?key=wk".into(), Some("nope"), one(3), 401),
    ];
    for (case, path, key, body, want) in cases {
        let headers: Vec<(&str, &str)> = key.map(|k| vec![("x-guidepost-key", k)]).unwrap_or_default();
        let (status, body) = post(&srv, &path, &headers, body).await;
        assert_eq!(status, want, "{case}: {body}");
        if status == 401 {
            let e = body["error"].as_str().unwrap_or_default();
            assert!(e.contains("key"), "{case}: {body}");
        }
    }
    let (_, body) = post(&srv, "/v1/events", &[], one(3)).await;
    let e = body["error"].as_str().unwrap();
    assert!(e.contains("x-guidepost-key") && e.contains("?key="), "the 401 names the header and the query: {e}");
    assert_eq!(store.count().unwrap(), 2, "only the two authorized records are stored");
}

/// Regression: a keyless 51 MB body was read and parsed before the key was checked (RSS
/// 2.1 GB). Now the key and the declared length are checked on the headers alone: the
/// answer comes before any of the body is sent.
#[tokio::test]
async fn key_and_length_are_checked_before_the_body_is_read() {
    let (srv, _) = start_memory(config()).await;
    // (case, request head, expected status)
    let cases = [
        ("no key, 51 MB declared", "POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-length: 53477376\r\n\r\n", 401),
        ("wrong key, 51 MB declared", "POST /v1/events?key=nope HTTP/1.1\r\nhost: x\r\ncontent-length: 53477376\r\n\r\n", 401),
        ("good key, 51 MB declared", "POST /v1/events?key=wk HTTP/1.1\r\nhost: x\r\ncontent-length: 53477376\r\n\r\n", 413),
    ];
    for (case, head, want) in cases {
        let mut s = raw(&srv, head.as_bytes()).await;
        let got = read_head(&mut s, std::time::Duration::from_secs(5)).await.unwrap_or_else(|| panic!("{case}: no answer without a body"));
        assert!(got.starts_with(&format!("HTTP/1.1 {want}")), "{case}: {got}");
        assert!(got.to_ascii_lowercase().contains("content-type: application/json"), "{case}: {got}");
    }
}

/// A refusal answered before the body is read closes the connection (the body is not read
/// either): ingest without a key, authoring without an admin key, a declared length too big.
#[tokio::test]
async fn refusals_before_the_body_close_the_connection() {
    let (srv, _) = start_memory(config()).await;
    // (case, request head, expected status)
    let cases = [
        ("ingest, no key", "POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n", 401),
        ("ingest, read key", "POST /v1/events?key=rk HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n", 401),
        ("draft, no key", "PUT /v1/guides/tour/draft HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n", 401),
        (
            "draft, write key",
            "PUT /v1/guides/tour/draft HTTP/1.1\r\nhost: x\r\nauthorization: Bearer wk\r\ncontent-length: 100\r\n\r\n",
            403,
        ),
        ("ingest, 51 MB declared", "POST /v1/events?key=wk HTTP/1.1\r\nhost: x\r\ncontent-length: 53477376\r\n\r\n", 413),
    ];
    for (case, head, want) in cases {
        let mut s = raw(&srv, head.as_bytes()).await;
        let got = read_head(&mut s, std::time::Duration::from_secs(5)).await.unwrap_or_else(|| panic!("{case}: no answer without a body"));
        assert!(got.starts_with(&format!("HTTP/1.1 {want}")), "{case}: {got}");
        assert!(got.to_ascii_lowercase().contains("connection: close"), "{case}: {got}");
    }
}

#[test]
fn keys_are_compared_whole() {
    use guidepost_collector::server::key_matches;
    let keys = vec!["wk".to_string(), "second-key".to_string()];
    // (given, expected)
    let cases = [("wk", true), ("second-key", true), ("w", false), ("wk ", false), ("", false), ("second-keyx", false), ("WK", false)];
    for (given, want) in cases {
        assert_eq!(key_matches(&keys, given), want, "{given:?}");
    }
    assert!(!key_matches(&[], "wk"), "no keys configured");
}

#[tokio::test]
async fn read_key_is_separate_from_write_key() {
    let (srv, _) = start_memory(config()).await;
    let c = reqwest::Client::new();
    let cases = [
        ("bearer read key", "/v1/guides/tour/funnel", Some("Bearer rk"), 200),
        ("query read key", "/v1/guides/tour/funnel?key=rk", None, 200),
        ("write key cannot read", "/v1/guides/tour/funnel?key=wk", None, 403),
        ("bearer write key cannot read", "/v1/guides", Some("Bearer wk"), 403),
        ("admin key reads reports (the Studio lists them)", "/v1/guides", Some("Bearer ak"), 200),
        ("unknown key", "/v1/guides?key=nope", None, 401),
        ("no key", "/v1/guides", None, 401),
        ("list with read key", "/v1/guides?key=rk", None, 200),
        ("goal report with read key", "/v1/guides/tour/goals?key=rk", None, 200),
        ("write key cannot read goals", "/v1/guides/tour/goals?key=wk", None, 403),
        ("goals without a key", "/v1/guides/tour/goals", None, 401),
    ];
    for (case, path, auth, want) in cases {
        let mut req = c.get(url(&srv, path));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let status = req.send().await.unwrap().status().as_u16();
        assert_eq!(status, want, "{case}");
    }
}

#[tokio::test]
async fn cors_allow_list_and_preflight() {
    let (srv, _) = start_memory(config()).await;
    let c = reqwest::Client::new();
    let host = srv.addr.to_string();
    let own = format!("http://{host}");
    // (case, method, origin, expected status, expected allow-origin header)
    let cases: Vec<(&str, &str, &str, u16, Option<String>)> = vec![
        ("preflight allowed", "OPTIONS", "https://app.example", 204, Some("https://app.example".into())),
        ("preflight refused", "OPTIONS", "https://evil.example", 403, None),
        ("post refused origin", "POST", "https://evil.example", 403, None),
        ("post allowed origin", "POST", "https://app.example", 200, Some("https://app.example".into())),
        ("post own origin", "POST", own.as_str(), 200, Some(own.clone())),
    ];
    for (i, (case, method, origin, want, allow)) in cases.into_iter().enumerate() {
        let req = match method {
            "OPTIONS" => c
                .request(reqwest::Method::OPTIONS, url(&srv, "/v1/events"))
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type,x-guidepost-key"),
            _ => c.post(url(&srv, "/v1/events?key=wk")).body(batch(&[rec(&format!("cors-{i}"), EventKind::GuideShown, "u", None, T0)])),
        };
        let resp = req.header("origin", origin).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), want, "{case}");
        let got = resp.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_string());
        assert_eq!(got, allow, "{case}: allow-origin header");
        if method == "OPTIONS" && want == 204 {
            let h = resp.headers().get("access-control-allow-headers").unwrap().to_str().unwrap().to_string();
            assert!(h.contains("x-guidepost-key"), "{case}: allow-headers {h}");
        }
    }
}

/// The CORS headers (from tower-http's CorsLayer) and their scope: the API (`/v1/`) only; a
/// preflight without an origin is refused like one from a refused origin.
#[tokio::test]
async fn cors_headers_and_scope() {
    let (srv, _) = start_memory(config()).await;
    let c = reqwest::Client::new();
    let resp = c
        .request(reqwest::Method::OPTIONS, url(&srv, "/v1/guides/tour/draft"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "authorization,if-match,x-guidepost-author")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let h = |name: &str| resp.headers().get(name).map(|v| v.to_str().unwrap().to_ascii_lowercase()).unwrap_or_default();
    assert_eq!(h("access-control-allow-origin"), "https://app.example");
    for m in ["get", "post", "put", "options"] {
        assert!(h("access-control-allow-methods").contains(m), "allow-methods {}", h("access-control-allow-methods"));
    }
    for name in ["content-type", "x-guidepost-key", "authorization", "if-match", "if-none-match", "x-guidepost-author"] {
        assert!(h("access-control-allow-headers").contains(name), "allow-headers {}", h("access-control-allow-headers"));
    }
    assert_eq!(h("access-control-max-age"), "86400");
    assert!(h("vary").contains("origin"), "vary {}", h("vary"));

    let resp = c.request(reqwest::Method::OPTIONS, url(&srv, "/v1/events")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 403, "a preflight without an origin");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "origin not allowed");

    let resp = c.get(url(&srv, "/v1/guides?key=rk")).header("origin", "https://app.example").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers().get("access-control-allow-origin").unwrap(), "https://app.example");
    assert_eq!(resp.headers().get("access-control-expose-headers").unwrap(), "etag");

    // Outside the API, origins are not checked and no CORS header is added.
    let resp = c.get(url(&srv, "/healthz")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    assert!(resp.headers().get("vary").is_none());
}

/// Posts `body` and checks the status, the counts and the indexes of the rejected records.
async fn check_ingest(
    srv: &guidepost_collector::server::Running,
    case: &str,
    body: String,
    want: u16,
    accepted: u64,
    rejected: &[(u64, &str)],
) -> Value {
    let (status, got) = post(srv, "/v1/events?key=wk", &[], body).await;
    assert_eq!(status, want, "{case}: {got}");
    if want != 200 {
        assert!(got["error"].is_string(), "{case}: errors are JSON: {got}");
        return got;
    }
    assert_eq!(got["accepted"].as_u64(), Some(accepted), "{case}: {got}");
    let list = got["rejected"].as_array().unwrap_or_else(|| panic!("{case}: rejected is always there: {got}"));
    let indexes: Vec<u64> = list.iter().map(|e| e["index"].as_u64().unwrap()).collect();
    assert_eq!(indexes, rejected.iter().map(|r| r.0).collect::<Vec<_>>(), "{case}: {got}");
    for (e, (_, word)) in list.iter().zip(rejected) {
        let reason = e["reason"].as_str().unwrap();
        assert!(reason.contains(word), "{case}: reason {reason:?} should mention {word}");
    }
    got
}

/// Regression: 3 records with a URL over 2,048 characters made the whole batch of 100 a
/// 400, and the browser dropped all 100. Now the 97 valid ones are stored.
#[tokio::test]
async fn one_invalid_record_no_longer_loses_the_batch() {
    let (srv, store) = start_memory(config()).await;
    let mut recs: Vec<_> = (0..100).map(|i| rec(&format!("p-{i}"), EventKind::GuideShown, &format!("u{i}"), None, T0)).collect();
    for i in [10, 50, 99] {
        recs[i].url = format!("/{}", "x".repeat(3000));
    }
    let long_urls: Vec<(u64, &str)> = vec![(10, "url"), (50, "url"), (99, "url")];
    check_ingest(&srv, "typed path, long URLs", batch(&recs), 200, 97, &long_urls).await;
    assert_eq!(store.count().unwrap(), 97);

    // Records that do not even decode take the slow path; the valid ones are still stored.
    let good = rec("g1", EventKind::GuideShown, "v1", None, T0);
    let mut no_step = rec("g2", EventKind::StepViewed, "v1", None, T0);
    no_step.step_id = None;
    let mut old = rec("g3", EventKind::GuideShown, "v1", None, T0);
    old.timestamp = 5;
    let mut values = serde_json::to_value(vec![good.clone(), no_step, good.clone(), old]).unwrap();
    let list = values.as_array_mut().unwrap();
    list.push(serde_json::json!({"event_id": "x", "kind": "guide_exploded"}));
    list.push(serde_json::json!({"event_id": "w", "kind": "guide_shown", "guide_id": "tour", "guide_version": 1, "user_id": "v",
        "session_id": "s", "timestamp": T0, "step_index": 4294967296u64}));
    list.push(serde_json::json!({"event_id": "d", "kind": "step_completed", "guide_id": "tour", "guide_version": 1, "user_id": "v",
        "session_id": "s", "timestamp": T0, "step_index": 0, "step_id": "a", "duration_ms": 9223372036854775808u64}));
    list.push(serde_json::json!("not a record"));
    let mixed = vec![(1, "step_id"), (3, "timestamp"), (4, "guide_exploded"), (5, "4294967296"), (6, "duration_ms"), (7, "not a record")];
    let got = check_ingest(&srv, "slow path, mixed", serde_json::json!({ "batch": values }).to_string(), 200, 1, &mixed).await;
    assert_eq!(got["duplicates"].as_u64(), Some(1), "{got}");
    let all_bad = serde_json::json!([{"event_id": "x"}]).to_string();
    check_ingest(&srv, "nothing valid", all_bad, 200, 0, &[(0, "missing field")]).await;
    check_ingest(
        &srv,
        "bare array, all valid",
        serde_json::json!([rec("g9", EventKind::GuideShown, "v9", None, T0)]).to_string(),
        200,
        1,
        &[],
    )
    .await;
    check_ingest(&srv, "empty batch", "{\"batch\": []}".into(), 200, 0, &[]).await;
    // Only a body that is not JSON, or not of the expected shape, is refused as a whole.
    for (case, body) in
        [("not JSON", "{not json"), ("no batch", "{\"events\": []}"), ("batch not a list", "{\"batch\": 3}"), ("a number", "3")]
    {
        check_ingest(&srv, case, body.into(), 400, 0, &[]).await;
    }
    assert_eq!(store.count().unwrap(), 99);
}

#[tokio::test]
async fn body_too_large_is_413() {
    let (srv, store) = start_memory(config()).await;
    let mut recs = Vec::new();
    let mut i = 0;
    while batch(&recs).len() <= 64 * 1024 {
        recs.push(rec(&format!("big-{i}"), EventKind::GuideShown, &format!("u{i}"), None, T0));
        i += 1;
    }
    let (status, _) = post(&srv, "/v1/events?key=wk", &[], batch(&recs)).await;
    assert_eq!(status, 413);
    recs.pop();
    recs.truncate(recs.len() / 2);
    let (status, body) = post(&srv, "/v1/events?key=wk", &[], batch(&recs)).await;
    assert_eq!(status, 200, "half of it fits: {body}");
    assert_eq!(store.count().unwrap() as usize, recs.len());
}

/// Regression: the burst was 2 s worth of events, so at a low rate a full batch was refused
/// for ever. Now the burst is at least one maximum batch, and buckets are charged per record.
#[tokio::test]
async fn a_full_batch_passes_a_fresh_bucket_at_a_low_rate() {
    let mut cfg = config();
    cfg.rate_per_key = 5.0;
    cfg.max_body = 8 << 20;
    cfg.write_keys.push(("wk2".into(), guidepost_collector::guide_store::Env::Production));
    let (srv, store) = start_memory(cfg).await;
    let full: Vec<_> = (0..MAX_BATCH).map(|i| rec(&format!("rl-{i}"), EventKind::GuideShown, &format!("u{i}"), None, T0)).collect();
    let (status, body) = post(&srv, "/v1/events?key=wk", &[], batch(&full)).await;
    assert_eq!((status, body["accepted"].as_u64()), (200, Some(MAX_BATCH as u64)), "{body}");
    assert_eq!(store.count().unwrap() as usize, MAX_BATCH);
    // The bucket is empty now: the next batch waits for tokens.
    let next = batch(&(0..3).map(|i| rec(&format!("rl-next-{i}"), EventKind::GuideShown, "u", None, T0)).collect::<Vec<_>>());
    let resp = reqwest::Client::new().post(url(&srv, "/v1/events?key=wk")).body(next).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "3 events at 5/s: retry after {retry} s");
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("rate limit"), "{body}");
    let other = post(&srv, "/v1/events?key=wk2", &[], batch(&[rec("rl-other", EventKind::GuideShown, "u", None, T0)])).await.0;
    assert_eq!(other, 200, "another key has its own bucket");
}

#[test]
fn buckets_are_charged_per_record() {
    use guidepost_collector::server::RateLimiter;
    use std::time::{Duration, Instant};
    let t = Instant::now();
    let l = RateLimiter::for_rate(10.0);
    // (case, seconds since start, cost, expected)
    let cases = [
        ("a full batch on a fresh bucket", 0.0, MAX_BATCH as f64, true),
        ("empty right after", 0.0, 1.0, false),
        ("10 tokens after 1 s", 1.0, 10.0, true),
        ("not 11 more", 1.0, 1.0, false),
        ("990 tokens after 99 s more", 100.0, 900.0, true),
    ];
    for (case, at, cost, want) in cases {
        let got = l.take("k", cost, t + Duration::from_secs_f64(at));
        assert_eq!(got.is_ok(), want, "{case}: {got:?}");
    }
    assert_eq!(l.take("k", 110.0, t + Duration::from_secs(100)), Err(Duration::from_secs(2)), "90 left, 20 missing at 10/s: 2 s");
}

#[tokio::test]
async fn duplicates_are_counted_not_stored_twice() {
    let (srv, store) = start_memory(config()).await;
    let recs = journey("u1", 3, Some(EventKind::GuideCompleted), T0, &[100, 200, 300]);
    let (s1, b1) = post(&srv, "/v1/events?key=wk", &[], batch(&recs)).await;
    assert_eq!((s1, b1["accepted"].as_u64(), b1["duplicates"].as_u64()), (200, Some(recs.len() as u64), Some(0)));
    // A retry of the same batch plus one new record, and a record repeated inside a batch.
    let mut again = recs.clone();
    again.push(rec("new", EventKind::GuideShown, "u2", None, T0));
    again.push(rec("new", EventKind::GuideShown, "u2", None, T0));
    let (s2, b2) = post(&srv, "/v1/events?key=wk", &[], batch(&again)).await;
    assert_eq!((s2, b2["accepted"].as_u64(), b2["duplicates"].as_u64()), (200, Some(1), Some(recs.len() as u64 + 1)));
    assert_eq!(store.count().unwrap() as usize, recs.len() + 1);
    let f = store.funnel(&guidepost_collector::store::FunnelQuery { guide_id: "tour".into(), ..Default::default() }).unwrap();
    assert_eq!((f.shown_users, f.completed_users), (2, 1), "duplicates do not inflate the funnel");
}

#[tokio::test]
async fn acknowledged_records_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("guidepost-durability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("events.db");
    let recs = journey("u1", 2, Some(EventKind::GuideDismissed), T0, &[100, 200]);
    {
        let store = Arc::new(SqliteStore::open(&db).unwrap());
        let srv = start(config(), store.clone()).await;
        let (status, _) = post(&srv, "/v1/events?key=wk", &[], batch(&recs)).await;
        assert_eq!(status, 200);
        let _ = srv.shutdown.send(());
        let _ = srv.handle.await;
    }
    let reopened = SqliteStore::open(&db).unwrap();
    assert_eq!(reopened.count().unwrap() as usize, recs.len(), "every acknowledged record is on disk");
    let f = reopened.funnel(&guidepost_collector::store::FunnelQuery { guide_id: "tour".into(), ..Default::default() }).unwrap();
    assert_eq!(f.steps.len(), 3);
    assert_eq!(f.steps[2].drop_reasons.get("dismissed"), Some(&1), "{:?}", f.steps[2]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A config with short connection timeouts, for the slow-client tests.
fn short_timeouts() -> guidepost_collector::server::Config {
    let mut cfg = config();
    cfg.header_read_timeout = Duration::from_millis(300);
    cfg.body_read_timeout = Duration::from_millis(300);
    cfg
}

/// Regression (slowloris): without read timeouts, a client that never finished its
/// headers, never sent the body it announced, or just stayed connected, held a connection
/// (and its task) for ever.
#[tokio::test]
async fn slowloris_partial_headers_and_idle_connections_are_cut_off() {
    let (srv, _) = start_memory(short_timeouts()).await;
    // (case, what the client sends and then stalls on)
    let cases: [(&str, &[u8]); 3] = [
        ("nothing at all", b""),
        ("partial headers", b"POST /v1/events?key=wk HTTP/1.1\r\nhost: x\r\ncontent-type: appl"),
        ("idle after a complete request", b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n"),
    ];
    for (case, bytes) in cases {
        let mut s = raw(&srv, bytes).await;
        let sent = read_until_closed(&mut s, Duration::from_secs(5)).await;
        let sent = sent.unwrap_or_else(|| panic!("{case}: the connection is still open after 5 s"));
        if case.starts_with("idle") {
            assert!(sent.starts_with("HTTP/1.1 200"), "{case}: the request itself is answered: {sent}");
        }
    }
}

#[tokio::test]
async fn slowloris_body_shorter_than_its_content_length_gets_408() {
    let (srv, store) = start_memory(short_timeouts()).await;
    let head = "POST /v1/events?key=wk HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
    let mut s = raw(&srv, format!("{head}{{\"batch\": [").as_bytes()).await;
    let sent = read_until_closed(&mut s, Duration::from_secs(5)).await.expect("closed within 5 s");
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    assert!(sent.contains("\"error\""), "{sent}");
    assert_eq!(store.count().unwrap(), 0);
}

/// More connections than `max_connections` wait (in the listen backlog) until one closes.
#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let mut cfg = config();
    cfg.max_connections = 1;
    let (srv, _) = start_memory(cfg).await;
    let hog = raw(&srv, b"").await;
    let mut waiting = raw(&srv, b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await;
    assert_eq!(read_head(&mut waiting, Duration::from_millis(300)).await, None, "not served while the slot is taken");
    drop(hog);
    let head = read_head(&mut waiting, Duration::from_secs(5)).await.expect("served once the slot is free");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

/// Regression: 413 was plain text, and 404, 405, 414 and 431 had empty bodies.
#[tokio::test]
async fn every_error_is_json() {
    let www = std::env::temp_dir().join(format!("guidepost-www-{}", std::process::id()));
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(www.join("index.html"), "<p>hi</p>").unwrap();
    let (api, _) = start_memory(config()).await;
    let mut cfg = config();
    cfg.www = Some(www.clone());
    let (site, _) = start_memory(cfg).await;
    let c = reqwest::Client::new();
    let big = serde_json::json!({"batch": [], "pad": "x".repeat(70 * 1024)}).to_string();
    let long_uri = format!("/healthz?{}", "q".repeat(9000));
    let many = (0..120).map(|i| (format!("x-h{i}"), "v".to_string())).collect::<Vec<_>>();
    let one_big = vec![("x-big".to_string(), "v".repeat(40 * 1024))];
    // (case, server, method, path, extra headers, body, expected status)
    type Case<'a> = (&'a str, &'a guidepost_collector::server::Running, reqwest::Method, String, Vec<(String, String)>, String, u16);
    let cases: Vec<Case> = vec![
        ("no such route", &api, reqwest::Method::GET, "/nope".into(), vec![], String::new(), 404),
        ("no such file", &site, reqwest::Method::GET, "/nope.html".into(), vec![], String::new(), 404),
        ("wrong method", &api, reqwest::Method::DELETE, "/v1/events".into(), vec![], String::new(), 405),
        ("body too large", &api, reqwest::Method::POST, "/v1/events?key=wk".into(), vec![], big, 413),
        ("URI too long", &api, reqwest::Method::GET, long_uri, vec![], String::new(), 414),
        ("too many headers", &api, reqwest::Method::GET, "/healthz".into(), many, String::new(), 431),
        ("headers too large", &site, reqwest::Method::GET, "/".into(), one_big, String::new(), 431),
        ("query not understood", &api, reqwest::Method::GET, "/v1/guides?key=rk&key=rk".into(), vec![], String::new(), 400),
        ("no guides dir", &api, reqwest::Method::GET, "/guides.json".into(), vec![], String::new(), 404),
    ];
    for (case, srv, method, path, headers, body, want) in cases {
        let mut req = c.request(method, url(srv, &path)).body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), want, "{case}");
        let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(ct.starts_with("application/json"), "{case}: content-type {ct:?}");
        let v: Value = resp.json().await.unwrap_or_else(|e| panic!("{case}: {e}"));
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{case}: {v}");
    }
    let _ = std::fs::remove_dir_all(&www);
}

/// A body sent in chunks, with no Content-Length to refuse up front, is cut at `max_body`.
#[tokio::test]
async fn chunked_body_over_the_limit_is_413() {
    let (srv, store) = start_memory(config()).await;
    let chunk = "x".repeat(16 * 1024);
    let mut req = String::from("POST /v1/events?key=wk HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n");
    for _ in 0..5 {
        req.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    let mut s = raw(&srv, req.as_bytes()).await;
    let head = read_head(&mut s, Duration::from_secs(5)).await.expect("an answer");
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert_eq!(store.count().unwrap(), 0);
}

/// Regression: `/guides.json` read and validated every file on every request, on the async
/// workers (3.7 s per request with one pathological guide, and ingest waited).
#[tokio::test]
async fn guides_json_does_not_reread_files_per_request() {
    let dir = std::env::temp_dir().join(format!("guidepost-guides-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let guide = |name: &str| format!(r#"{{"id":"g","name":"{name}","steps":[{{"id":"a","kind":"modal","body":"hi"}}]}}"#);
    std::fs::write(dir.join("g.json"), guide("First")).unwrap();
    std::fs::write(dir.join("broken.json"), "{not json").unwrap();
    let names = |v: &Value| v.as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let get = |srv: &guidepost_collector::server::Running| {
        let u = url(srv, "/guides.json");
        async move { reqwest::get(u).await.unwrap().json::<Value>().await.unwrap() }
    };

    // Checked on every request (interval 0): a change shows on the next request.
    let mut cfg = config();
    cfg.guides_dir = Some(dir.clone());
    cfg.guides_check_interval = Duration::ZERO;
    let (srv, _) = start_memory(cfg.clone()).await;
    let cache = srv.guides.clone().unwrap();
    for _ in 0..3 {
        assert_eq!(names(&get(&srv).await), ["First"], "valid guides only");
    }
    assert_eq!(cache.loads(), 1, "loaded once at start; unchanged files are not read again");
    std::fs::write(dir.join("g.json"), guide("Second version")).unwrap();
    assert_eq!(names(&get(&srv).await), ["Second version"]);
    assert_eq!(names(&get(&srv).await), ["Second version"]);
    assert_eq!(cache.loads(), 2);

    // Checked at most once an hour: a change does not show yet, nothing is read.
    cfg.guides_check_interval = Duration::from_secs(3600);
    let (slow, _) = start_memory(cfg).await;
    std::fs::write(dir.join("g.json"), guide("Third")).unwrap();
    assert_eq!(names(&get(&slow).await), ["Second version"]);
    assert_eq!(slow.guides.as_ref().unwrap().loads(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Regression: `from`/`to` took `2026-02-31` (and overflowed on huge years) with the
/// collector's own date code; now core's strict parser, and the parameter is named.
#[tokio::test]
async fn report_dates_are_real_days_and_to_includes_its_day() {
    let (srv, store) = start_memory(config()).await;
    store.insert(&journey("u1", 1, None, T0, &[100])).unwrap(); // T0 is 2025-11-23 12:13 UTC
    let c = reqwest::Client::new();
    // (query, expected status, shown users or the parameter the error names)
    let cases = [
        ("to=2025-11-23", 200, "1"),
        ("from=2025-11-23&to=2025-11-23", 200, "1"),
        ("to=2025-11-22", 200, "0"),
        ("from=2025-11-24", 200, "0"),
        (&*format!("from={T0}&to={}", T0 + 1), 200, "1"),
        ("from=2025-02-31", 400, "from"),
        ("to=2025-13-01", 400, "to"),
        ("to=99999-01-01", 400, "to"),
        ("to=99999999999999999999", 400, "to"),
        ("from=-5", 400, "from"),
        ("from=2026-01-0%C3%A9", 400, "from"),
        ("to=2025-11-23T10:00", 400, "to"),
    ];
    for (q, want, what) in cases {
        let resp = c.get(url(&srv, &format!("/v1/guides/tour/funnel?key=rk&{q}"))).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), want, "{q}");
        let v: Value = resp.json().await.unwrap();
        if want == 200 {
            assert_eq!(v["shown_users"].to_string(), what, "{q}: {v}");
        } else {
            assert!(v["error"].as_str().unwrap().starts_with(&format!("{what}:")), "{q}: {v}");
        }
        // The goal report reads the same parameters with the same parser.
        let resp = c.get(url(&srv, &format!("/v1/guides/tour/goals?key=rk&{q}"))).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), want, "goals {q}");
        let v: Value = resp.json().await.unwrap();
        if want == 200 {
            let shown = v["groups"].as_array().unwrap().iter().map(|g| g["exposed_users"].as_u64().unwrap()).sum::<u64>();
            assert_eq!(shown.to_string(), what, "goals {q}: {v}");
        } else {
            assert!(v["error"].as_str().unwrap().starts_with(&format!("{what}:")), "goals {q}: {v}");
        }
    }
}
