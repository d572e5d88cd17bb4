//! The HTTP API: auth, CORS, validation, limits, dedupe, durability.

mod common;

use std::sync::Arc;

use common::*;
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

#[tokio::test]
async fn write_key_from_header_query_or_body() {
    let (srv, store) = start_memory(config()).await;
    let recs = journey("u1", 1, None, T0, &[]);
    let one = |i: usize| serde_json::json!([recs[i]]).to_string();
    // (case, path, header key, body, expected status)
    let cases: Vec<(&str, String, Option<&str>, String, u16)> = vec![
        ("header", "/v1/events".into(), Some("wk"), one(0), 200),
        ("query", "/v1/events?key=wk".into(), None, one(1), 200),
        (
            "body writeKey (sendBeacon)",
            "/v1/events".into(),
            None,
            serde_json::json!({"writeKey": "wk", "batch": [recs[2]]}).to_string(),
            200,
        ),
        ("missing", "/v1/events".into(), None, one(3), 401),
        ("wrong header", "/v1/events".into(), Some("rk"), one(3), 401),
        ("wrong query", "/v1/events?key=nope".into(), None, one(3), 401),
    ];
    for (case, path, key, body, want) in cases {
        let headers: Vec<(&str, &str)> = key.map(|k| vec![("x-guidepost-key", k)]).unwrap_or_default();
        let (status, body) = post(&srv, &path, &headers, body).await;
        assert_eq!(status, want, "{case}: {body}");
    }
    assert_eq!(store.count().unwrap(), 3, "only the three authorized records are stored");
}

#[tokio::test]
async fn read_key_is_separate_from_write_key() {
    let (srv, _) = start_memory(config()).await;
    let c = reqwest::Client::new();
    let cases = [
        ("bearer read key", "/v1/guides/tour/funnel", Some("Bearer rk"), 200),
        ("query read key", "/v1/guides/tour/funnel?key=rk", None, 200),
        ("write key cannot read", "/v1/guides/tour/funnel?key=wk", None, 401),
        ("bearer write key cannot read", "/v1/guides", Some("Bearer wk"), 401),
        ("no key", "/v1/guides", None, 401),
        ("list with read key", "/v1/guides?key=rk", None, 200),
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

#[tokio::test]
async fn bad_batch_gets_per_record_reasons_and_stores_nothing() {
    let (srv, store) = start_memory(config()).await;
    let good = rec("g1", EventKind::GuideShown, "u1", None, T0);
    let mut no_step = rec("g2", EventKind::StepViewed, "u1", None, T0);
    no_step.step_id = None;
    let mut old = rec("g3", EventKind::GuideShown, "u1", None, T0);
    old.timestamp = 5;
    let mut batch_json = serde_json::to_value(vec![good.clone(), no_step, good.clone(), old]).unwrap();
    batch_json.as_array_mut().unwrap().push(serde_json::json!({"event_id": "x", "kind": "guide_exploded"}));
    let (status, body) = post(&srv, "/v1/events?key=wk", &[], serde_json::json!({ "batch": batch_json }).to_string()).await;
    assert_eq!(status, 400, "{body}");
    let errors = body["errors"].as_array().expect("errors list");
    let indexes: Vec<u64> = errors.iter().map(|e| e["index"].as_u64().unwrap()).collect();
    assert_eq!(indexes, vec![1, 3, 4], "{body}");
    let reasons: Vec<&str> = errors.iter().map(|e| e["reason"].as_str().unwrap()).collect();
    for (reason, want) in reasons.iter().zip(["step_id", "timestamp", "guide_exploded"]) {
        assert!(reason.contains(want), "reason {reason:?} should mention {want}");
    }
    assert_eq!(store.count().unwrap(), 0, "a refused batch stores nothing");
    let (status, _) = post(&srv, "/v1/events?key=wk", &[], "{not json".into()).await;
    assert_eq!(status, 400, "malformed JSON");
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

#[tokio::test]
async fn rate_limit_per_key_is_429() {
    let mut cfg = config();
    cfg.rate_per_key = 5.0; // bucket of 10 events, refilled at 5/s
    cfg.write_keys.push("wk2".into());
    let (srv, _) = start_memory(cfg).await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let recs: Vec<_> = (0..3).map(|j| rec(&format!("rl-{i}-{j}"), EventKind::GuideShown, "u", None, T0)).collect();
        statuses.push(post(&srv, "/v1/events?key=wk", &[], batch(&recs)).await.0);
    }
    assert_eq!(statuses, vec![200, 200, 200, 429], "3+3+3 events fit a bucket of 10, the 4th batch does not");
    let other = post(&srv, "/v1/events?key=wk2", &[], batch(&[rec("rl-other", EventKind::GuideShown, "u", None, T0)])).await.0;
    assert_eq!(other, 200, "another key has its own bucket");
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
