//! The ClickHouse store at scale; prints figures (see BENCHMARKS.md), asserts no timings.
//!
//! `CLICKHOUSE_URL=http://127.0.0.1:8123 cargo bench -p guidepost-collector --bench clickhouse`
//! (`scripts/bench-clickhouse.sh` starts a throw-away clickhouse-server and runs it.)
//! Environment: `CH_EVENTS` (default 10000000), `CH_BATCH` (events per request, default
//! 5000), `CH_CLIENTS` (concurrent clients, default 4), `CH_DB` (default guidepost_bench;
//! an existing database with enough events is reused).
//!
//! A `guidepost serve --store clickhouse` process is started; events go through its HTTP
//! API, and its resident memory (VmRSS) is printed at start, after ingest and after the
//! reports, to show that it does not grow with the number of events.

use std::io::Write;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

mod common;
use common::{env, generate, DAY, T0};

struct Collector {
    child: Child,
    base: String,
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    kb / 1024.0
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_collector(url: &str, db: &str, max_body: usize) -> Collector {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_guidepost"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--store", "clickhouse", "--clickhouse-url", url])
        .args(["--clickhouse-db", db, "--write-key", "wk", "--read-key", "rk", "--admin-key", "ak"])
        .args(["--max-body", &max_body.to_string(), "--rate-per-key", "100000000"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .spawn()
        .expect("guidepost serve starts");
    let c = Collector { child, base: format!("http://127.0.0.1:{port}") };
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !client.get(format!("{}/healthz", c.base)).send().is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "the collector did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    c
}

fn stored(url: &str, db: &str) -> u64 {
    let out = reqwest::blocking::Client::new()
        .post(url)
        .body(format!("SELECT count() FROM {db}.events WHERE guide_id = 'big-guide'"))
        .send()
        .and_then(|r| r.text())
        .unwrap_or_default();
    out.trim().parse().unwrap_or(0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Ok(url) = std::env::var("CLICKHOUSE_URL") else {
        println!("clickhouse benchmark skipped: set CLICKHOUSE_URL (scripts/bench-clickhouse.sh starts a server)");
        return;
    };
    let total = env("CH_EVENTS", 10_000_000) as u64;
    let batch = env("CH_BATCH", 5000);
    let clients = env("CH_CLIENTS", 4);
    let db = std::env::var("CH_DB").unwrap_or_else(|_| "guidepost_bench".into());
    println!("clickhouse benchmarks ({} cores)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let c = start_collector(&url, &db, 16 << 20);
    let pid = c.child.id();
    println!("collector RSS at start: {:.1} MB", rss_mb(pid));

    let have = stored(&url, &db);
    if have < total {
        // Generated a million at a time (the benchmark's memory, not the collector's).
        let start = Instant::now();
        let mut sent = 0u64;
        let mut seed = 11;
        while sent < total - have {
            let recs = generate(1_000_000.min((total - have - sent) as usize), "big-guide", seed);
            seed += 1;
            let bodies: Vec<String> = recs.chunks(batch).map(|c| serde_json::json!({ "batch": c }).to_string()).collect();
            let next = std::sync::atomic::AtomicUsize::new(0);
            std::thread::scope(|s| {
                for _ in 0..clients {
                    s.spawn(|| {
                        let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(300)).build().unwrap();
                        let url = format!("{}/v1/events?key=wk", c.base);
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(body) = bodies.get(i) else { break };
                            let r = client.post(&url).header("content-type", "text/plain").body(body.clone()).send().unwrap();
                            assert_eq!(r.status().as_u16(), 200, "{}", r.text().unwrap_or_default());
                        }
                    });
                }
            });
            sent += recs.len() as u64;
            eprint!("\r  sent {sent} events ({:.0} events/s)   ", sent as f64 / start.elapsed().as_secs_f64());
            let _ = std::io::stderr().flush();
        }
        eprintln!();
        let secs = start.elapsed().as_secs_f64();
        println!(
            "ingest: {sent} events in batches of {batch} from {clients} clients through the collector into ClickHouse: {secs:.1} s = {:.0} events/s",
            sent as f64 / secs
        );
        println!("collector RSS after ingest: {:.1} MB", rss_mb(pid));
    }
    println!("stored events of big-guide: {}", stored(&url, &db));

    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(300)).build().unwrap();
    let from = dates(T0 - 30 * DAY);
    let queries = [
        ("whole guide", String::new()),
        ("version 2, variant B", "&version=2&variant=B".into()),
        ("last 30 days", format!("&from={from}")),
    ];
    for (name, params) in queries {
        let mut times = Vec::new();
        let mut report = serde_json::Value::Null;
        for _ in 0..5 {
            let start = Instant::now();
            let r = client.get(format!("{}/v1/guides/big-guide/funnel?key=rk{params}", c.base)).send().unwrap();
            assert_eq!(r.status().as_u16(), 200);
            report = r.json().unwrap();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "funnel ({name}) through the collector: median {:.0} ms, min {:.0} ms, max {:.0} ms ({} users shown, {} steps, completion {:.1}%)",
            times[2],
            times[0],
            times[4],
            report["shown_users"],
            report["steps"].as_array().map_or(0, Vec::len),
            report["completion_rate"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
    let start = Instant::now();
    let r = client.get(format!("{}/v1/guides?key=rk", c.base)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    println!("guide list through the collector: {:.0} ms", start.elapsed().as_secs_f64() * 1000.0);
    println!("collector RSS after the reports: {:.1} MB", rss_mb(pid));
}

/// `YYYY-MM-DD` of a timestamp.
fn dates(ms: i64) -> String {
    guidepost_core::dates::format_ms(ms - ms.rem_euclid(DAY))
}
