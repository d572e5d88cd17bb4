//! Shared helpers: records, a server on an ephemeral port, HTTP calls.
#![allow(dead_code)]

pub mod funnel_checks;
pub mod goal_checks;
pub mod guide_checks;

use std::sync::Arc;

use guidepost_collector::guide_store::Env;
use guidepost_collector::server::{self, Config, Running};
use guidepost_collector::store::{SqliteStore, Store};
use guidepost_core::{EventKind, EventRecord, ExitReason, SurveyAnswer};

pub const T0: i64 = 1_763_900_000_000; // 2025-11-23

/// A splitmix64 generator: the same records for the same seed.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn rec(id: &str, kind: EventKind, user: &str, step: Option<(u32, &str)>, ts: i64) -> EventRecord {
    EventRecord {
        event_id: id.to_string(),
        kind,
        guide_id: "tour".into(),
        guide_version: 1,
        step_id: step.map(|s| s.1.to_string()),
        step_index: step.map(|s| s.0),
        user_id: user.into(),
        anonymous: false,
        session_id: format!("s-{user}"),
        timestamp: ts,
        url: "/".into(),
        variant: None,
        reason: match kind {
            EventKind::GuideCompleted => Some(ExitReason::Completed),
            EventKind::GuideDismissed => Some(ExitReason::Dismissed),
            EventKind::GuideAbandoned => Some(ExitReason::TargetMissing),
            _ => None,
        },
        duration_ms: None,
        answer: None,
    }
}

/// Three users through the 3-step guide, one per way of ending: u1 finishes; u2 dismisses
/// at step 1; u3's step-0 target is missing and the guide is abandoned.
pub fn three_endings() -> Vec<EventRecord> {
    let mut v = Vec::new();
    v.extend(journey("u1", 3, Some(EventKind::GuideCompleted), T0, &[1000, 2000, 3000]));
    v.extend(journey("u2", 1, Some(EventKind::GuideDismissed), T0, &[3000]));
    let mut u3 = journey("u3", 0, Some(EventKind::GuideAbandoned), T0, &[]);
    u3.push(rec("u3-missing", EventKind::StepTargetMissing, "u3", Some((0, "welcome")), T0 + 1200));
    v.extend(u3);
    v
}

/// One user's path through a 3-step guide: `steps_done` steps completed, then `end`.
pub fn journey(user: &str, steps_done: u32, end: Option<EventKind>, t: i64, durations: &[u64]) -> Vec<EventRecord> {
    let names = ["welcome", "sidebar", "export"];
    let mut out = vec![rec(&format!("{user}-shown"), EventKind::GuideShown, user, None, t)];
    let mut ts = t;
    for i in 0..3u32 {
        let step = (i, names[i as usize]);
        ts += 1000;
        out.push(rec(&format!("{user}-v{i}"), EventKind::StepViewed, user, Some(step), ts));
        if i < steps_done {
            let mut c = rec(&format!("{user}-c{i}"), EventKind::StepCompleted, user, Some(step), ts + 500);
            c.duration_ms = durations.get(i as usize).copied();
            out.push(c);
        } else {
            if let Some(k) = end {
                out.push(rec(&format!("{user}-end"), k, user, Some(step), ts + 600));
            }
            return out;
        }
    }
    if let Some(k) = end {
        out.push(rec(&format!("{user}-end"), k, user, Some((2, "export")), ts + 700));
    }
    out
}

pub fn survey(id: &str, user: &str, score: Option<i32>, choice: Option<&str>) -> EventRecord {
    let mut r = rec(id, EventKind::SurveyAnswered, user, Some((0, "nps")), T0);
    r.guide_id = "nps".into();
    r.answer = Some(SurveyAnswer { score, choice: choice.map(str::to_string), comment: None });
    r
}

pub fn config() -> Config {
    Config {
        write_keys: vec![("wk".into(), Env::Production), ("sk".into(), Env::Staging)],
        read_keys: vec!["rk".into()],
        admin_keys: vec!["ak".into()],
        allow_origins: vec!["https://app.example".into()],
        max_body: 64 * 1024,
        rate_per_key: 0.0,
        ..Config::default()
    }
}

pub async fn start(cfg: Config, store: Arc<dyn Store>) -> Running {
    server::spawn("127.0.0.1:0", cfg, store).await.expect("server starts")
}

pub async fn start_memory(cfg: Config) -> (Running, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    (start(cfg, store.clone()).await, store)
}

pub fn url(r: &Running, path: &str) -> String {
    format!("http://{}{}", r.addr, path)
}

pub fn batch(records: &[EventRecord]) -> String {
    serde_json::json!({ "batch": records }).to_string()
}

/// Opens a raw connection and writes `bytes` (a request, maybe incomplete).
pub async fn raw(r: &Running, bytes: &[u8]) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut s = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    s
}

/// Reads until the server closes the connection, waiting at most `limit`: what the server
/// sent, or `None` when the connection was still open at the limit.
pub async fn read_until_closed(s: &mut tokio::net::TcpStream, limit: std::time::Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(limit, read).await.ok()?;
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Reads one response's status line and headers (up to the blank line), waiting at most `limit`.
pub async fn read_head(s: &mut tokio::net::TcpStream, limit: std::time::Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    let read = async {
        while !out.ends_with(b"\r\n\r\n") {
            match s.read(&mut b).await {
                Ok(1) => out.push(b[0]),
                _ => break,
            }
        }
    };
    tokio::time::timeout(limit, read).await.ok()?;
    Some(String::from_utf8_lossy(&out).into_owned()).filter(|h| !h.is_empty())
}
