//! The ClickHouse store against a real ClickHouse server, started here on loopback ports
//! with a throw-away config and data directory (no system service, no root needed).
//!
//! Needs `clickhouse-server` (Debian package; `scripts/test-collector.sh` installs it and
//! sets GUIDEPOST_REQUIRE_CLICKHOUSE=1 so a missing server fails instead of skipping).

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use guidepost_collector::clickhouse::{date_of, ClickHouseStore};
use guidepost_collector::store::{FunnelQuery, SqliteStore, Store};
use guidepost_core::{EventRecord, FunnelBuilder};

const SERVER: &str = "/usr/sbin/clickhouse-server";

struct ClickHouse {
    child: Child,
    dir: PathBuf,
    url: String,
}

impl Drop for ClickHouse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_clickhouse(name: &str) -> Option<ClickHouse> {
    if let Ok(url) = std::env::var("GUIDEPOST_CLICKHOUSE_URL") {
        // An already running server (e.g. a CI service).
        let child = Command::new("true").spawn().unwrap();
        return Some(ClickHouse { child, dir: std::env::temp_dir().join("unused-guidepost-ch"), url });
    }
    if !std::path::Path::new(SERVER).exists() {
        assert!(std::env::var("GUIDEPOST_REQUIRE_CLICKHOUSE").is_err(), "{SERVER} is missing (apt-get install clickhouse-server)");
        eprintln!("skipping: {SERVER} not installed; scripts/test-collector.sh installs it and requires this test");
        return None;
    }
    // A server can die at start (e.g. a port taken between choosing it and binding it
    // by a server started in parallel): try again with fresh ports, then fail with its log.
    let mut why = String::new();
    for attempt in 1..=3 {
        match try_start(name, attempt) {
            Ok(ch) => return Some(ch),
            Err(e) => why = e,
        }
    }
    panic!("clickhouse-server did not start after 3 attempts: {why}");
}

/// Whether the server on `port` answers `GET /ping` with `Ok.`.
fn pings(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
    let mut answer = String::new();
    c.write_all(b"GET /ping HTTP/1.0\r\n\r\n").is_ok() && c.read_to_string(&mut answer).is_ok() && answer.ends_with("Ok.\n")
}

fn try_start(name: &str, attempt: u32) -> Result<ClickHouse, String> {
    let dir = std::env::temp_dir().join(format!("guidepost-ch-{}-{name}-{attempt}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for d in ["data", "tmp", "log"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    let (http, tcp) = (free_port(), free_port());
    let d = dir.display();
    std::fs::write(
        dir.join("config.xml"),
        format!(
            r#"<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/log/server.log</log><errorlog>{d}/log/err.log</errorlog><console>0</console></logger>
  <http_port>{http}</http_port><tcp_port>{tcp}</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>{d}/data/</path><tmp_path>{d}/tmp/</tmp_path>
  <users_config>users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>"#
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("users.xml"),
        r#"<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>"#,
    )
    .unwrap();
    let child = Command::new(SERVER)
        .arg(format!("--config-file={}", dir.join("config.xml").display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("clickhouse-server starts");
    let mut ch = ClickHouse { child, dir, url: format!("http://127.0.0.1:{http}") };
    let start = Instant::now();
    // Ready when `/ping` answers `Ok.`: the port listens before the server serves (an early
    // query could be reset while it still starts up).
    while !pings(http) {
        let log = || std::fs::read_to_string(ch.dir.join("log/err.log")).unwrap_or_default();
        if let Ok(Some(status)) = ch.child.try_wait() {
            return Err(format!("it exited ({status}); err.log: {}", log()));
        }
        if start.elapsed() > Duration::from_secs(60) {
            return Err(format!("it did not listen on {http} within 60 s; err.log: {}", log()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(ch)
}

fn scenario() -> Vec<EventRecord> {
    let mut v = three_endings();
    v.extend(journey("u4", 2, None, T0 + 86_400_000, &[2000, 4000]));
    v.push(survey("n1", "u1", Some(10), Some("speed")));
    v.push(survey("n2", "u2", Some(4), None));
    v
}

#[test]
fn dates_are_utc_calendar_days() {
    for (ms, want) in [(0, "1970-01-01"), (T0, "2025-11-23"), (951_782_400_000, "2000-02-29"), (4_107_542_399_000, "2100-02-28")] {
        assert_eq!(date_of(ms), want, "{ms}");
    }
}

#[test]
fn clickhouse_store_matches_core_and_sqlite() {
    let Some(ch) = start_clickhouse("store") else {
        return;
    };
    let store = ClickHouseStore::connect(&ch.url, "guidepost_test_store").unwrap();
    store.drop_database().unwrap();
    let store = ClickHouseStore::connect(&ch.url, "guidepost_test_store").unwrap();
    let records = scenario();
    let first = store.insert(&records).unwrap();
    assert_eq!((first.accepted, first.duplicates), (records.len(), 0));
    let again = store.insert(&records[..5]).unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 5), "a retried batch is all duplicates");
    assert_eq!(store.count().unwrap() as usize, records.len());

    let sqlite = SqliteStore::in_memory().unwrap();
    sqlite.insert(&records).unwrap();
    let queries = [
        ("all", FunnelQuery { guide_id: "tour".into(), ..Default::default() }),
        ("first day", FunnelQuery { guide_id: "tour".into(), to_ms: Some(T0 - T0 % 86_400_000 + 86_400_000), ..Default::default() }),
        ("version 9", FunnelQuery { guide_id: "tour".into(), version: Some(9), ..Default::default() }),
        ("survey", FunnelQuery { guide_id: "nps".into(), ..Default::default() }),
    ];
    for (case, q) in queries {
        let got = store.funnel(&q).unwrap();
        let mut b = FunnelBuilder::new(&q.guide_id);
        for r in records.iter().filter(|r| q.to_ms.is_none_or(|t| r.timestamp < t) && q.version.is_none_or(|v| r.guide_version == v)) {
            b.add(r);
        }
        assert_eq!(got, b.finish(), "{case}: ClickHouse equals core's FunnelBuilder on the same records");
        let lite = sqlite.funnel(&q).unwrap();
        assert_eq!((got.shown_users, got.completed_users), (lite.shown_users, lite.completed_users), "{case}");
        // Core lists a survey-only step with zero views; the SQLite rollups have no row for it.
        let counts = |r: &guidepost_core::FunnelReport| {
            r.steps
                .iter()
                .filter(|s| s.viewed_users + s.completed_users > 0)
                .map(|s| (s.viewed_users, s.completed_users))
                .collect::<Vec<_>>()
        };
        assert_eq!(counts(&got), counts(&lite), "{case}: both stores agree");
    }
    let list = store.guides().unwrap();
    let summary: Vec<(String, u64, u64)> = list.iter().map(|g| (g.guide_id.clone(), g.shown_users, g.completed_users)).collect();
    assert_eq!(summary, vec![("nps".into(), 0, 0), ("tour".into(), 4, 1)]);
    store.drop_database().unwrap();

    // Goal reports, aggregated by ClickHouse: the same counts as core and SQLite.
    let goals = fresh(&ch, "guidepost_test_goals");
    goal_checks::check_goal_store(&goals);
    goals.drop_database().unwrap();
    for seed in [3, 4] {
        let goals = fresh(&ch, "guidepost_test_goals");
        goal_checks::check_goals_agree(&goals, &goal_checks::experiment(seed, 300));
        goals.drop_database().unwrap();
    }
}

#[tokio::test]
async fn collector_over_clickhouse_ingests_and_reports() {
    let Some(ch) = start_clickhouse("server") else {
        return;
    };
    let ch_url = ch.url.clone();
    let store = tokio::task::spawn_blocking(move || {
        let s = ClickHouseStore::connect(&ch_url, "guidepost_test_server").unwrap();
        s.drop_database().unwrap();
        ClickHouseStore::connect(&ch_url, "guidepost_test_server").unwrap()
    })
    .await
    .unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let srv = start(config(), store.clone()).await;
    let c = reqwest::Client::new();
    let records = scenario();
    for (n, want_dupes) in [(records.len(), 0u64), (records.len(), records.len() as u64)] {
        let r = c.post(url(&srv, "/v1/events?key=wk")).body(batch(&records[..n])).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["duplicates"].as_u64(), Some(want_dupes));
    }
    let f: serde_json::Value = c.get(url(&srv, "/v1/guides/tour/funnel?key=rk")).send().await.unwrap().json().await.unwrap();
    assert_eq!((f["shown_users"].as_u64(), f["completed_users"].as_u64()), (Some(4), Some(1)), "{f}");
    assert_eq!(f["steps"][1]["drop_reasons"]["dismissed"].as_u64(), Some(1), "{f}");
    let _ = srv.shutdown.send(());
    tokio::task::spawn_blocking(move || {
        let s = ClickHouseStore::connect(&ch.url, "guidepost_test_server").unwrap();
        s.drop_database().unwrap();
        drop(ch);
    })
    .await
    .unwrap();
}

/// A fresh database `db` on `ch`.
fn fresh(ch: &ClickHouse, db: &str) -> ClickHouseStore {
    let s = ClickHouseStore::connect(&ch.url, db).unwrap();
    s.drop_database().unwrap();
    ClickHouseStore::connect(&ch.url, db).unwrap()
}

/// The same store-level checks as the SQLite guide store (tests/store.rs), then writers
/// racing through two stores on one database.
#[test]
fn clickhouse_guide_store_behaves_as_sqlite() {
    let Some(ch) = start_clickhouse("guides") else {
        return;
    };
    let store = fresh(&ch, "guidepost_test_guides");
    common::guide_checks::check_guide_store(&store);
    store.drop_database().unwrap();

    let a = Arc::new(fresh(&ch, "guidepost_test_guide_race"));
    let b = Arc::new(ClickHouseStore::connect(&ch.url, "guidepost_test_guide_race").unwrap());
    common::guide_checks::check_concurrent_writers(a.clone(), b);
    a.drop_database().unwrap();
}

/// Two collectors on one ClickHouse database: a change made through the first is served by
/// the second's `/v1/config` after its generation check (interval zero here).
#[tokio::test]
async fn a_second_collector_on_the_same_clickhouse_sees_a_publish() {
    let Some(ch) = start_clickhouse("two") else {
        return;
    };
    let ch_url = ch.url.clone();
    let (s1, s2) = tokio::task::spawn_blocking(move || {
        let s1 = ClickHouseStore::connect(&ch_url, "guidepost_test_two").unwrap();
        s1.drop_database().unwrap();
        let s1 = ClickHouseStore::connect(&ch_url, "guidepost_test_two").unwrap();
        (s1, ClickHouseStore::connect(&ch_url, "guidepost_test_two").unwrap())
    })
    .await
    .unwrap();
    let mut cfg = config();
    cfg.store_check_interval = Duration::ZERO;
    let one = start(cfg.clone(), Arc::new(s1)).await;
    let two = start(cfg, Arc::new(s2)).await;
    let c = reqwest::Client::new();
    let config_of = |srv: &guidepost_collector::server::Running| {
        let req = c.get(url(srv, "/v1/config?key=wk"));
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            let v: serde_json::Value = r.json().await.unwrap();
            v["guides"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| (g["id"].as_str().unwrap().to_string(), g["version"].as_u64().unwrap(), g["steps"][0]["body"].clone()))
                .collect::<Vec<_>>()
        }
    };
    let admin = |srv: &guidepost_collector::server::Running, method: reqwest::Method, path: &str, body: serde_json::Value| {
        c.request(method, url(srv, path))
            .header("authorization", "Bearer ak")
            .header("x-guidepost-author", "ana")
            .body(body.to_string())
            .send()
    };
    assert_eq!(config_of(&two).await, vec![], "nothing yet");
    let draft = common::guide_checks::guide("tour", common::guide_checks::NASTY);
    let r = admin(&one, reqwest::Method::PUT, "/v1/guides/tour/draft", draft).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = serde_json::json!(common::guide_checks::NASTY);
    // (case, path on the first, body, expected production on the second)
    type Step<'a> = (&'a str, &'a str, serde_json::Value, Vec<(String, u64, serde_json::Value)>);
    let steps: Vec<Step> = vec![
        ("publish", "/v1/guides/tour/publish", serde_json::json!({"environment": "production"}), vec![("tour".into(), 1, body.clone())]),
        (
            "publish again",
            "/v1/guides/tour/publish",
            serde_json::json!({"environment": "production"}),
            vec![("tour".into(), 2, body.clone())],
        ),
        (
            "rollback",
            "/v1/guides/tour/rollback",
            serde_json::json!({"environment": "production", "version": 1}),
            vec![("tour".into(), 3, body.clone())],
        ),
        ("unpublish", "/v1/guides/tour/unpublish", serde_json::json!({"environment": "production"}), vec![]),
    ];
    for (case, path, b, want) in steps {
        let r = admin(&one, reqwest::Method::POST, path, b).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{case}");
        assert_eq!(config_of(&two).await, want, "{case}: seen by the second collector");
        assert_eq!(config_of(&one).await, want, "{case}: and by the first");
    }
    // And the other way round: authoring through the second, the log read through the first.
    let r = admin(&two, reqwest::Method::POST, "/v1/guides/tour/promote", serde_json::json!({"from": "staging", "to": "production"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409, "staging serves nothing of it");
    let r = admin(&two, reqwest::Method::GET, "/v1/publish-log?guide=tour", serde_json::Value::Null).await.unwrap();
    let log: serde_json::Value = r.json().await.unwrap();
    let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["unpublish", "rollback", "publish", "publish"]);
    let _ = one.shutdown.send(());
    let _ = two.shutdown.send(());
    tokio::task::spawn_blocking(move || {
        ClickHouseStore::connect(&ch.url, "guidepost_test_two").unwrap().drop_database().unwrap();
        drop(ch);
    })
    .await
    .unwrap();
}

/// `guidepost import` and `export` on the ClickHouse store: files become drafts published
/// to both environments, an unchanged import makes no version, and export writes the drafts.
#[test]
fn import_and_export_work_on_clickhouse() {
    use guidepost_collector::guide_store::{Env, GuideStore};
    let Some(ch) = start_clickhouse("import") else {
        return;
    };
    let db = "guidepost_test_import";
    fresh(&ch, db).drop_database().unwrap();
    let dir = std::env::temp_dir().join(format!("guidepost-ch-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tips.json");
    std::fs::write(
        &file,
        r#"[{"id":"tip-a","name":"A","steps":[{"id":"s","kind":"modal","title":"A"}]},
            {"id":"tip-b","name":"B","steps":[{"id":"s","kind":"modal","title":"B"}]}]"#,
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_guidepost"))
            .args(args)
            .args(["--store", "clickhouse", "--clickhouse-url", &ch.url, "--clickhouse-db", db])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
    };
    let f = file.display().to_string();
    let (code, out) = run(&["import", "--publish", "staging,production", &f]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["import", "--publish", "staging,production", &f]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("draft unchanged") && out.contains("serves it already"), "a second import changes nothing: {out}");
    let store = ClickHouseStore::connect(&ch.url, db).unwrap();
    for env in [Env::Staging, Env::Production] {
        let served: Vec<String> = store.published(env).unwrap().into_iter().map(|(id, _)| id).collect();
        assert_eq!(served, ["tip-a", "tip-b"], "{env}");
    }
    assert_eq!(store.versions("tip-a").unwrap().map(|v| v.len()), Some(1), "one version, served by both environments");
    let out_dir = dir.join("export");
    let (code, out) = run(&["export", &out_dir.display().to_string()]);
    assert_eq!(code, Some(0), "{out}");
    let exported: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out_dir.join("tip-b.json")).unwrap()).unwrap();
    assert_eq!(exported["steps"][0]["title"], "B");
    store.drop_database().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `guidepost serve --store clickhouse` process on a free port; killed on drop.
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

async fn spawn_collector(ch: &ClickHouse, db: &str) -> Collector {
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_guidepost"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--store", "clickhouse", "--clickhouse-url", &ch.url])
        .args(["--clickhouse-db", db, "--write-key", "wk", "--read-key", "rk", "--admin-key", "ak", "--www", "www", "--dist", "dist"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .spawn()
        .unwrap();
    let c = Collector { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if reqwest::get(format!("{}/healthz", c.base)).await.is_ok_and(|r| r.status().is_success()) {
            return c;
        }
        assert!(Instant::now() < deadline, "the collector on {} did not start", c.base);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Several stateless collectors in front of one ClickHouse database: two `guidepost serve`
/// processes ingest interleaved batches of the same journeys (a retried batch lands on the
/// other one), and both serve identical funnels and goal reports, equal to core's.
#[tokio::test]
async fn two_collector_processes_ingest_into_one_clickhouse_and_report_the_same() {
    let Some(ch) = start_clickhouse("procs") else {
        return;
    };
    let url_ = ch.url.clone();
    tokio::task::spawn_blocking(move || fresh_url(&url_, "guidepost_test_procs")).await.unwrap();
    let a = spawn_collector(&ch, "guidepost_test_procs").await;
    let b = spawn_collector(&ch, "guidepost_test_procs").await;
    let c = reqwest::Client::new();
    let mut records = scenario();
    records.extend(goal_checks::experiment(7, 120));
    let batches: Vec<&[EventRecord]> = records.chunks(37).collect();
    for (i, chunk) in batches.iter().enumerate() {
        let to = if i % 2 == 0 { &a.base } else { &b.base };
        let r = c.post(format!("{to}/v1/events?key=wk")).body(batch(chunk)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    // A client retry of batch 0 through the other collector: all duplicates, stored once.
    let r: serde_json::Value =
        c.post(format!("{}/v1/events?key=wk", b.base)).body(batch(batches[0])).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["duplicates"].as_u64(), Some(batches[0].len() as u64), "{r}");
    let guides: std::collections::BTreeSet<&str> = records.iter().map(|r| r.guide_id.as_str()).collect();
    for g in guides {
        for path in [format!("/v1/guides/{g}/funnel"), format!("/v1/guides/{g}/funnel?version=9"), format!("/v1/guides/{g}/goals")] {
            let get = |base: &str| {
                let req = c.get(format!("{base}{path}")).header("authorization", "Bearer rk");
                async move { req.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
            };
            let (ra, rb) = (get(&a.base).await, get(&b.base).await);
            assert!(ra.get("error").is_none(), "{path}: {ra}");
            assert_eq!(ra, rb, "{path}: both collectors serve the same report");
            if path.ends_with("/funnel") {
                let mut core = FunnelBuilder::new(g);
                records.iter().for_each(|r| {
                    core.add(r);
                });
                let want = serde_json::to_value(core.finish()).unwrap();
                assert_eq!(ra, want, "{path}: equal to core's FunnelBuilder over the records");
            }
        }
    }
    drop((a, b));
    tokio::task::spawn_blocking(move || {
        ClickHouseStore::connect(&ch.url, "guidepost_test_procs").unwrap().drop_database().unwrap();
        drop(ch);
    })
    .await
    .unwrap();
}

fn fresh_url(url: &str, db: &str) {
    let s = ClickHouseStore::connect(url, db).unwrap();
    s.drop_database().unwrap();
}

/// ClickHouse's reports, aggregated in ClickHouse, equal core's on random journeys for
/// every slice (and so equal SQLite's, which is checked against core the same way).
#[test]
fn clickhouse_reports_equal_core_on_random_journeys() {
    let Some(ch) = start_clickhouse("random") else {
        return;
    };
    for (seed, users) in [(1, 60), (2, 60), (3, 400)] {
        let db = format!("guidepost_test_random_{seed}");
        let store = ClickHouseStore::connect(&ch.url, &db).unwrap();
        store.drop_database().unwrap();
        let store = ClickHouseStore::connect(&ch.url, &db).unwrap();
        common::funnel_checks::check_funnels_agree(&store, &common::funnel_checks::random_journeys(seed, users));
    }
}

/// A database written by a collector from before the rollup (an events table with the
/// record as JSON and no funnel columns) gets the columns and views when a new collector
/// connects, its records are folded in, and reports equal core's.
#[test]
fn an_events_table_from_before_the_rollup_is_upgraded_and_backfilled() {
    let Some(ch) = start_clickhouse("upgrade") else {
        return;
    };
    let admin = ClickHouseStore::connect(&ch.url, "guidepost_test_admin").unwrap();
    let db = "guidepost_test_old";
    admin.exec(&format!("DROP DATABASE IF EXISTS {db}"), "").unwrap();
    admin.exec(&format!("CREATE DATABASE {db}"), "").unwrap();
    admin
        .exec(
            &format!(
                "CREATE TABLE {db}.events (event_id String, guide_id String, guide_version UInt32, variant String, kind String,
                   user_id String, ts Int64, day Date, record String
                 ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(day) ORDER BY (guide_id, event_id)"
            ),
            "",
        )
        .unwrap();
    let records = common::funnel_checks::random_journeys(7, 80);
    let mut body = String::new();
    for r in &records {
        let row = serde_json::json!({
            "event_id": r.event_id, "guide_id": r.guide_id, "guide_version": r.guide_version,
            "variant": r.variant.clone().unwrap_or_default(), "kind": r.kind.as_str(), "user_id": r.user_id,
            "ts": r.timestamp, "day": date_of(r.timestamp), "record": serde_json::to_string(r).unwrap(),
        });
        body.push_str(&format!("{row}\n"));
    }
    admin.exec(&format!("INSERT INTO {db}.events FORMAT JSONEachRow"), &body).unwrap();
    let store = ClickHouseStore::connect(&ch.url, db).expect("the old database is upgraded");
    for (case, q) in common::funnel_checks::slices() {
        assert_eq!(store.funnel(&q).unwrap(), common::funnel_checks::core_report(&records, &q), "{case}");
    }
    // New records after the upgrade count as usual, and a second connect backfills nothing twice.
    let more = common::funnel_checks::random_journeys(8, 20);
    store.insert(&more).unwrap();
    let again = ClickHouseStore::connect(&ch.url, db).unwrap();
    let all: Vec<EventRecord> = records.iter().chain(&more).cloned().collect();
    let q = FunnelQuery { guide_id: "tour".into(), ..Default::default() };
    assert_eq!(again.funnel(&q).unwrap(), common::funnel_checks::core_report(&all, &q));
}

/// The per-guide caps hold on ClickHouse too, across two collectors on one database.
#[test]
fn clickhouse_counts_values_beyond_the_caps_as_other() {
    let Some(ch) = start_clickhouse("caps") else {
        return;
    };
    fresh_url(&ch.url, "guidepost_test_caps");
    let a = ClickHouseStore::connect(&ch.url, "guidepost_test_caps").unwrap();
    let b = ClickHouseStore::connect(&ch.url, "guidepost_test_caps").unwrap();
    let stored = common::funnel_checks::check_caps(&a, &b);
    assert_eq!(b.count().unwrap() as usize, stored, "every record is stored whole");
}
