//! Collector benchmarks; they print figures (see BENCHMARKS.md), they do not assert timings.
//!
//! `cargo bench -p guidepost-collector --bench collector`
//! Environment: `INGEST_EVENTS` (default 400000), `INGEST_CLIENTS` (concurrent keep-alive
//! clients, default 4), `FUNNEL_EVENTS` (default 10000000),
//! `BENCH_DIR` (default the system temp dir).

use std::sync::Arc;
use std::time::Instant;

use guidepost_collector::server::{self, Config};
use guidepost_collector::store::{FunnelQuery, SqliteStore, Store};

mod common;
use common::{env, generate, DAY, T0};

fn bench_ingest(dir: &std::path::Path) {
    let total = env("INGEST_EVENTS", 400_000);
    let batch = 500;
    let clients = env("INGEST_CLIENTS", 4);
    let records = generate(total, "ingest-guide", 7);
    let bodies: Vec<String> = records.chunks(batch).map(|c| serde_json::json!({ "batch": c }).to_string()).collect();
    let db = dir.join("ingest-bench.db");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let store = Arc::new(SqliteStore::open(&db).unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (elapsed, accepted) = rt.block_on(async {
        let cfg = Config {
            write_keys: vec![("wk".into(), guidepost_collector::guide_store::Env::Production)],
            read_keys: vec!["rk".into()],
            rate_per_key: 0.0,
            max_body: 8 << 20,
            ..Config::default()
        };
        let srv = server::spawn("127.0.0.1:0", cfg, store.clone()).await.unwrap();
        let url = format!("http://{}/v1/events?key=wk", srv.addr);
        let bodies = Arc::new(bodies);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (bodies, next, url) = (bodies.clone(), next.clone(), url.clone());
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut accepted = 0u64;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= bodies.len() {
                        break;
                    }
                    let r = client.post(&url).header("content-type", "text/plain").body(bodies[i].clone()).send().await.unwrap();
                    assert_eq!(r.status().as_u16(), 200);
                    let v: serde_json::Value = r.json().await.unwrap();
                    accepted += v["accepted"].as_u64().unwrap();
                }
                accepted
            }));
        }
        let mut accepted = 0;
        for t in tasks {
            accepted += t.await.unwrap();
        }
        (start.elapsed(), accepted)
    });
    assert_eq!(accepted as usize, records.len());
    println!(
        "ingest: {} events in batches of {batch} from {clients} keep-alive clients over loopback into SQLite (WAL, synchronous=FULL): {:.2} s = {:.0} events/s",
        records.len(),
        elapsed.as_secs_f64(),
        records.len() as f64 / elapsed.as_secs_f64()
    );
}

fn bench_funnel(dir: &std::path::Path) {
    let total = env("FUNNEL_EVENTS", 10_000_000);
    let db = dir.join(format!("funnel-bench-{total}.db"));
    let fresh = !db.exists();
    let store = SqliteStore::open(&db).unwrap();
    if fresh || store.count().unwrap() < total as u64 {
        let start = Instant::now();
        let mut done = 0usize;
        let chunk = 1_000_000;
        let mut seed = 11;
        while done < total {
            let recs = generate(chunk.min(total - done), "big-guide", seed);
            seed += 1;
            for b in recs.chunks(10_000) {
                store.insert(b).unwrap();
            }
            done += recs.len();
            eprintln!("  loaded {done} events ({:.0} events/s)", done as f64 / start.elapsed().as_secs_f64());
        }
        println!("funnel setup: stored {total} events in {:.1} s (store.insert, batches of 10,000)", start.elapsed().as_secs_f64());
    }
    let stored = store.count().unwrap();
    let queries = [
        ("whole guide", FunnelQuery { guide_id: "big-guide".into(), ..Default::default() }),
        (
            "version 2, variant B",
            FunnelQuery { guide_id: "big-guide".into(), version: Some(2), variant: Some("B".into()), ..Default::default() },
        ),
        ("last 30 days", FunnelQuery { guide_id: "big-guide".into(), from_ms: Some(T0 - 30 * DAY), ..Default::default() }),
    ];
    for (name, q) in queries {
        let mut times = Vec::new();
        let mut report = None;
        for _ in 0..5 {
            let start = Instant::now();
            report = Some(store.funnel(&q).unwrap());
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let r = report.unwrap();
        println!(
            "funnel ({name}) over {stored} stored events: median {:.1} ms, max {:.1} ms ({} users shown, {} steps, completion {:.1}%)",
            times[2],
            times[4],
            r.shown_users,
            r.steps.len(),
            r.completion_rate * 100.0
        );
    }
    bench_guides(&store);
}

/// The guide list (the dashboard's first page) over the same database.
fn bench_guides(store: &SqliteStore) {
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let n = store.guides().unwrap().len();
        times.push((start.elapsed().as_secs_f64() * 1000.0, n));
    }
    times.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    println!("guide list ({} guides): median {:.0} ms", times[1].1, times[1].0);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = std::env::var("BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    std::fs::create_dir_all(&dir).unwrap();
    println!("collector benchmarks ({} cores)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    bench_ingest(&dir);
    bench_funnel(&dir);
}
