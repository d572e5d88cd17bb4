//! The ClickHouse store, over ClickHouse's HTTP interface with `ureq`, a maintained
//! synchronous HTTP client (the `Store` trait is synchronous, like SQLite; the server calls
//! it from blocking tasks). `reqwest::blocking` was not used: it runs a runtime of its own
//! and refuses to be called from inside one, which the tests and the CLI both do. Query
//! text goes in the body, or in the `query` parameter (encoded by ureq) when the body
//! carries rows; responses are read as streams, within a bound.
//!
//! Events go to a `ReplacingMergeTree` ordered by `(guide_id, event_id)`: a record that
//! reaches two collectors (a client retry) is stored twice at first and collapsed by the
//! merge; every read uses `FINAL`, so reports count it once either way. Before inserting,
//! a batch's ids are looked up so the response can say how many were duplicates (exact for
//! one collector; with several collectors racing on the same id the count may say
//! "accepted" twice, the stored data is still deduplicated).
//!
//! Reports read the guide's records for the requested slice and aggregate them with
//! core's `FunnelBuilder`, so both stores give the same numbers for the same data.

use std::io::BufRead;
use std::time::Duration;

use guidepost_core::{EventKind, EventRecord, FunnelBuilder, FunnelReport};
use serde_json::{json, Value};

use crate::store::{add_goal_row, FunnelQuery, GuideSummary, Inserted, Store};
use guidepost_core::goals::{GoalCounts, GoalSlice, HELD_OUT, SHOWN};

pub struct ClickHouseStore {
    agent: ureq::Agent,
    /// `http://host:port/`
    base: String,
    pub(crate) db: String,
}

/// The largest response read whole (`exec`, `rows`); larger answers are read line by line
/// ([`ClickHouseStore::each_line`]).
const MAX_RESPONSE: u64 = 64 << 20;

/// `YYYY-MM-DD` (UTC) of a timestamp in ms: core's calendar (`dates::format_ms`).
pub fn date_of(ms: i64) -> String {
    use guidepost_core::dates::{format_ms, DAY_MS};
    format_ms(ms.div_euclid(DAY_MS) * DAY_MS)
}

/// A ClickHouse string literal.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl ClickHouseStore {
    /// `url` is `http://host:port`; `db` is created when missing, with the events table and
    /// the guide store's tables (see [`crate::clickhouse_guides`]).
    pub fn connect(url: &str, db: &str) -> Result<ClickHouseStore, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| format!("clickhouse url {url:?}: expected http://host:port"))?;
        let hostport = rest.trim_end_matches('/');
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| format!("clickhouse url {url:?}: bad port"))?),
            None => (hostport.to_string(), 8123),
        };
        if host.is_empty() || host.contains(['/', '@', '?', '#']) {
            return Err(format!("clickhouse url {url:?}: expected http://host:port"));
        }
        if db.is_empty() || !db.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("clickhouse database {db:?}: expected letters, digits and _"));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let s = ClickHouseStore { agent, base: format!("http://{host}:{port}/"), db: db.to_string() };
        s.exec(&format!("CREATE DATABASE IF NOT EXISTS {db}"), "")?;
        s.exec(
            &format!(
                "CREATE TABLE IF NOT EXISTS {db}.events (
                   event_id String, guide_id String, guide_version UInt32, variant String, kind String,
                   user_id String, ts Int64, day Date, record String
                 ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(day) ORDER BY (guide_id, event_id)"
            ),
            "",
        )?;
        for table in crate::clickhouse_guides::tables(db) {
            s.exec(&table, "")?;
        }
        Ok(s)
    }

    /// Sends `query` (with `body` as its data, e.g. rows for an INSERT); a response other
    /// than 200 is an error carrying ClickHouse's message.
    fn send(&self, query: &str, body: &str) -> Result<ureq::http::Response<ureq::Body>, String> {
        let post = self.agent.post(&self.base).header("content-type", "text/plain; charset=utf-8");
        let sent = if body.is_empty() { post.send(query) } else { post.query("query", query).send(body) };
        let mut resp = sent.map_err(|e| format!("clickhouse {}: {e}", self.base))?;
        if resp.status() != 200 {
            let status = resp.status().as_u16();
            let text = resp.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
            return Err(format!("clickhouse {status}: {}", text.trim()));
        }
        Ok(resp)
    }

    /// Runs `query`; returns the response body (at most [`MAX_RESPONSE`] bytes).
    pub fn exec(&self, query: &str, body: &str) -> Result<String, String> {
        let mut resp = self.send(query, body)?;
        resp.body_mut().with_config().limit(MAX_RESPONSE).read_to_string().map_err(|e| format!("clickhouse: {e}"))
    }

    /// Runs `query` and hands each line of the answer to `f` as it arrives: the collector
    /// holds one line at a time, whatever the size of the answer.
    pub fn each_line(&self, query: &str, mut f: impl FnMut(&str) -> Result<(), String>) -> Result<(), String> {
        let resp = self.send(query, "")?;
        let mut reader = std::io::BufReader::new(resp.into_body().into_reader());
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).map_err(|e| format!("clickhouse: {e}"))? == 0 {
                return Ok(());
            }
            if !line.trim().is_empty() {
                f(line.trim_end())?;
            }
        }
    }

    pub(crate) fn rows(&self, query: &str) -> Result<Vec<Value>, String> {
        let out = self.exec(&format!("{query} FORMAT JSONEachRow"), "")?;
        out.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).map_err(|e| format!("clickhouse row: {e}"))).collect()
    }

    /// Stored events (after deduplication).
    pub fn count(&self) -> Result<u64, String> {
        let out = self.exec(&format!("SELECT count() FROM {}.events FINAL", self.db), "")?;
        out.trim().parse().map_err(|_| format!("clickhouse count: {out:?}"))
    }

    /// Drops the database (tests).
    pub fn drop_database(&self) -> Result<(), String> {
        self.exec(&format!("DROP DATABASE IF EXISTS {}", self.db), "").map(|_| ())
    }

    fn filter(&self, q: &FunnelQuery) -> String {
        let mut w = format!("guide_id = {}", quote(&q.guide_id));
        if let Some(f) = q.from_ms {
            w.push_str(&format!(" AND ts >= {f}"));
        }
        if let Some(t) = q.to_ms {
            w.push_str(&format!(" AND ts < {t}"));
        }
        if let Some(v) = q.version {
            w.push_str(&format!(" AND guide_version = {v}"));
        }
        if let Some(v) = &q.variant {
            w.push_str(&format!(" AND variant = {}", quote(v)));
        }
        w
    }
}

impl Store for ClickHouseStore {
    fn guide_store(&self) -> Option<&dyn crate::guide_store::GuideStore> {
        Some(self)
    }

    fn insert(&self, records: &[EventRecord]) -> Result<Inserted, String> {
        if records.is_empty() {
            return Ok(Inserted::default());
        }
        // Which of these ids are stored already (also within the batch itself).
        let ids: Vec<String> = records.iter().map(|r| quote(&r.event_id)).collect();
        let guides: std::collections::BTreeSet<String> = records.iter().map(|r| quote(&r.guide_id)).collect();
        let existing: std::collections::HashSet<String> = self
            .rows(&format!(
                "SELECT DISTINCT event_id FROM {}.events WHERE guide_id IN ({}) AND event_id IN ({})",
                self.db,
                guides.into_iter().collect::<Vec<_>>().join(","),
                ids.join(",")
            ))?
            .into_iter()
            .filter_map(|v| v.get("event_id").and_then(Value::as_str).map(str::to_string))
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut body = String::new();
        let mut out = Inserted::default();
        for r in records {
            if existing.contains(&r.event_id) || !seen.insert(r.event_id.as_str()) {
                out.duplicates += 1;
                continue;
            }
            out.accepted += 1;
            let day = date_of(r.timestamp);
            let row = json!({
                "event_id": r.event_id, "guide_id": r.guide_id, "guide_version": r.guide_version,
                "variant": r.variant.clone().unwrap_or_default(), "kind": r.kind.as_str(), "user_id": r.user_id,
                "ts": r.timestamp, "day": day, "record": serde_json::to_string(r).map_err(|e| e.to_string())?,
            });
            body.push_str(&row.to_string());
            body.push('\n');
        }
        if !body.is_empty() {
            self.exec(&format!("INSERT INTO {}.events FORMAT JSONEachRow", self.db), &body)?;
        }
        Ok(out)
    }

    fn funnel(&self, q: &FunnelQuery) -> Result<FunnelReport, String> {
        let mut b = FunnelBuilder::new(&q.guide_id);
        // Streamed: a line at a time reaches the builder (which keeps per-user state, not
        // the records).
        self.each_line(
            &format!("SELECT record FROM {}.events FINAL WHERE {} ORDER BY ts FORMAT TabSeparatedRaw", self.db, self.filter(q)),
            |line| {
                let rec: EventRecord = serde_json::from_str(line).map_err(|e| format!("clickhouse record: {e}"))?;
                b.add(&rec);
                Ok(())
            },
        )?;
        Ok(b.finish())
    }

    fn goals(&self, guide_id: &str, slice: &GoalSlice, within_days: u32) -> Result<GoalCounts, String> {
        // The same semantics as the SQLite store's query (see `guidepost_core::goals`),
        // aggregated by ClickHouse: one row per (group, day) reaches the collector.
        let db = &self.db;
        let g = quote(guide_id);
        let version = slice.version.map(|v| format!(" AND guide_version = {v}")).unwrap_or_default();
        let mut range = String::from("1");
        if let Some(f) = slice.from_ms {
            range.push_str(&format!(" AND t >= {f}"));
        }
        if let Some(t) = slice.to_ms {
            range.push_str(&format!(" AND t < {t}"));
        }
        let window = i64::from(within_days) * guidepost_core::dates::DAY_MS;
        let key = "ts * 2 + (kind = 'guide_shown')";
        let rows = self.rows(&format!(
            "SELECT grp, intDiv(t, 86400000) AS day, toUInt64(count()) AS n, toUInt64(sum(conv)) AS conv, toUInt64(sum(done)) AS done FROM (
               SELECT user_id, grp, t, arrayExists(x -> x >= t AND x <= t + {window}, goals) AS conv FROM (
                 SELECT user_id, intDiv(min({key}), 2) AS t,
                   argMin(multiIf(kind = 'guide_held_out', {held}, variant = '', {shown}, variant), {key}) AS grp
                 FROM {db}.events FINAL WHERE guide_id = {g} AND kind IN ('guide_shown', 'guide_held_out'){version}
                 GROUP BY user_id
               ) ANY LEFT JOIN (
                 SELECT user_id, groupArray(ts) AS goals FROM {db}.events FINAL WHERE guide_id = {g} AND kind = 'goal_reached' GROUP BY user_id
               ) USING user_id
               WHERE {range}
             ) ANY LEFT JOIN (
               SELECT user_id, toUInt8(1) AS done FROM {db}.events FINAL WHERE guide_id = {g} AND kind = 'guide_completed'{version} GROUP BY user_id
             ) USING user_id
             GROUP BY grp, day",
            held = quote(HELD_OUT),
            shown = quote(SHOWN),
        ))?;
        let num = |v: &Value| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or(0);
        let mut out = GoalCounts::default();
        for r in rows {
            let grp = r["grp"].as_str().unwrap_or("");
            add_goal_row(&mut out, grp, num(&r["day"]), num(&r["n"]) as u64, num(&r["conv"]) as u64, num(&r["done"]) as u64);
        }
        Ok(out)
    }

    fn guides(&self) -> Result<Vec<GuideSummary>, String> {
        let shown = EventKind::GuideShown.as_str();
        let done = EventKind::GuideCompleted.as_str();
        let rows = self.rows(&format!(
            "SELECT guide_id, toUInt64(uniqExactIf(user_id, kind = '{shown}')) AS shown, toUInt64(uniqExactIf(user_id, kind = '{done}')) AS done,
                    groupUniqArray(guide_version) AS versions, groupUniqArray(variant) AS variants
             FROM {}.events FINAL GROUP BY guide_id ORDER BY guide_id",
            self.db
        ))?;
        let num = |v: &Value| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or(0);
        Ok(rows
            .into_iter()
            .map(|r| {
                let shown = num(&r["shown"]);
                let done = num(&r["done"]);
                let mut versions: Vec<u32> =
                    r["versions"].as_array().map(|a| a.iter().map(|v| num(v) as u32).collect()).unwrap_or_default();
                versions.sort();
                let mut variants: Vec<String> = r["variants"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_str()).filter(|s| !s.is_empty()).map(str::to_string).collect())
                    .unwrap_or_default();
                variants.sort();
                GuideSummary {
                    guide_id: r["guide_id"].as_str().unwrap_or("").to_string(),
                    shown_users: shown,
                    completed_users: done,
                    completion_rate: guidepost_core::ratio(done, shown),
                    versions,
                    variants,
                }
            })
            .collect())
    }
}
