//! The ClickHouse store, over ClickHouse's HTTP interface with `ureq`, a maintained
//! synchronous HTTP client (the `Store` trait is synchronous, like SQLite; the server calls
//! it from blocking tasks). `reqwest::blocking` was not used: it runs a runtime of its own
//! and refuses to be called from inside one, which the tests and the CLI both do. Query
//! text goes in the body, or in the `query` parameter (encoded by ureq) when the body
//! carries rows; responses are read as streams, within a bound.
//!
//! Events go to a `ReplacingMergeTree` ordered by `(guide_id, event_id)`: a record that
//! reaches two collectors (a client retry) is stored twice at first and collapsed by the
//! merge. Before inserting, a batch's ids are looked up so the response can say how many
//! were duplicates (exact for one collector; with several collectors racing on the same id
//! the count may say "accepted" twice).
//!
//! Each row also carries its record's funnel facts, computed by core at ingest
//! (`guidepost_core::funnel::facts`), and materialized views aggregate them inside
//! ClickHouse, with core's semantics:
//! - `journeys`, an `AggregatingMergeTree` with one row per (guide, day, version, variant,
//!   user, session), users and sessions named by 64-bit hashes (`cityHash64`; two ids
//!   would have to collide, about 1 chance in 10^7 among a million users): `max` of the
//!   shown and completed flags, `groupUniqArray` of the step keys viewed, completed and
//!   missing, `groupBitOr` of their index bits, and `max` of the exit key (the last exit).
//!   These states are idempotent: a record stored twice counts once;
//! - `tallies`: `sum` per (guide, day, version, variant, tally), the additive counts
//!   (time-on-step buckets, survey scores and choices). A record that two collectors
//!   insert at the same moment (a client's retry racing its first attempt) is counted
//!   twice here; sequential retries are caught by the lookup above;
//! - `steps`: the step keys per (guide, day, version, variant).
//!
//! A report is three queries: the users' and sessions' counts (journeys merged per user
//! and per session, classified by SQL that mirrors `funnel::Merge`), the tallies, and the
//! newest comments. At most a few rows per step reach the collector, whatever the number
//! of events, and core's `funnel::report` builds the report from them, as for SQLite.

use std::io::BufRead;
use std::time::Duration;

use guidepost_core::funnel::{facts, parse_step_key, report, Comments, Counts, MAX_COMMENTS, SEP};
use guidepost_core::{EventRecord, FunnelReport};
use serde_json::{json, Value};

use crate::store::{add_goal_row, day_range, fold, FunnelQuery, GuideDims, GuideSummary, Inserted, Store, DAY_MS, DIMS};
use guidepost_core::goals::{GoalCounts, GoalSlice, HELD_OUT, SHOWN};

pub struct ClickHouseStore {
    agent: ureq::Agent,
    /// `http://host:port/`
    base: String,
    pub(crate) db: String,
    /// This collector's copy of the `dims` table: per guide, the step, variant and choice
    /// values that have rollup rows (see [`crate::store::fold`]).
    dims: std::sync::Mutex<std::collections::HashMap<String, GuideDims>>,
}

/// Guides whose dims a collector keeps in memory; beyond, the copy starts over (it is
/// reloaded from the table as needed).
const MAX_CACHED_GUIDES: usize = 10_000;

/// The largest response read whole (`exec`, `rows`); larger answers are read line by line
/// ([`ClickHouseStore::each_line`]).
const MAX_RESPONSE: u64 = 64 << 20;

/// The events table: the record (as JSON) and what reports read, including its funnel
/// facts (see the module's doc). `variant` is the record's; `rvariant` is the one the
/// rollup counts it under (`(other)` beyond the per-guide cap).
const EVENT_COLUMNS: &str = "event_id String, guide_id String, guide_version UInt32, variant String, kind String,
    user_id String, ts Int64, day Date, record String,
    session_id String, journey UInt8, shown UInt8, completed UInt8, viewed String, done String, missing String, exit String,
    tally Array(String), comment String, step_key String, vbit UInt64, dbit UInt64, mbit UInt64, rvariant String";
const EVENTS_ENGINE: &str = "ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(day) ORDER BY (guide_id, event_id)";

/// The rollup tables and the materialized views that fill them from `events`.
fn rollup_tables(db: &str) -> [String; 7] {
    let day = "toInt32(intDiv(ts, 86400000))";
    [
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.journeys (
               guide_id String, day Int32, version UInt32, variant String, user_h UInt64, session_h UInt64,
               shown AggregateFunction(max, UInt8), completed AggregateFunction(max, UInt8),
               viewed AggregateFunction(groupUniqArray, String), done AggregateFunction(groupUniqArray, String),
               missing AggregateFunction(groupUniqArray, String), exit AggregateFunction(max, String),
               vbits AggregateFunction(groupBitOr, UInt64), dbits AggregateFunction(groupBitOr, UInt64),
               mbits AggregateFunction(groupBitOr, UInt64)
             ) ENGINE = AggregatingMergeTree() PARTITION BY intDiv(day, 32) ORDER BY (guide_id, day, version, variant, user_h, session_h)"
        ),
        format!(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.journeys_mv TO {db}.journeys AS
             SELECT guide_id, {day} AS day, guide_version AS version, rvariant AS variant,
               cityHash64(user_id) AS user_h, cityHash64(user_id, session_id) AS session_h, maxState(shown) AS shown, maxState(completed) AS completed, groupUniqArrayState(viewed) AS viewed,
               groupUniqArrayState(done) AS done, groupUniqArrayState(missing) AS missing, maxState(exit) AS exit,
               groupBitOrState(vbit) AS vbits, groupBitOrState(dbit) AS dbits, groupBitOrState(mbit) AS mbits
             FROM {db}.events WHERE journey = 1
             GROUP BY guide_id, day, version, variant, user_h, session_h"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.tallies (
               guide_id String, day Int32, version UInt32, variant String, tally String, n AggregateFunction(sum, UInt64)
             ) ENGINE = AggregatingMergeTree() PARTITION BY intDiv(day, 32) ORDER BY (guide_id, day, version, variant, tally)"
        ),
        format!(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.tallies_mv TO {db}.tallies AS
             SELECT guide_id, {day} AS day, guide_version AS version, rvariant AS variant, arrayJoin(tally) AS tally, sumState(toUInt64(1)) AS n
             FROM {db}.events WHERE notEmpty(tally) GROUP BY guide_id, day, version, variant, tally"
        ),
        // The capped values with rollup rows, per guide and dimension (see `admit`).
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.dims (guide_id String, dim String, value String)
             ENGINE = ReplacingMergeTree() ORDER BY (guide_id, dim, value)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.steps (guide_id String, day Int32, version UInt32, variant String, step_key String)
             ENGINE = ReplacingMergeTree() PARTITION BY intDiv(day, 32) ORDER BY (guide_id, day, version, variant, step_key)"
        ),
        format!(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.steps_mv TO {db}.steps AS
             SELECT DISTINCT guide_id, {day} AS day, guide_version AS version, rvariant AS variant, step_key FROM {db}.events WHERE step_key != ''"
        ),
    ]
}

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
        let s = ClickHouseStore { agent, base: format!("http://{host}:{port}/"), db: db.to_string(), dims: Default::default() };
        s.exec(&format!("CREATE DATABASE IF NOT EXISTS {db}"), "")?;
        s.exec(&format!("CREATE TABLE IF NOT EXISTS {db}.events ({EVENT_COLUMNS}) {EVENTS_ENGINE}"), "")?;
        s.upgrade_events()?;
        let fresh = !s.has_table("journeys")?;
        for table in rollup_tables(db) {
            s.exec(&table, "")?;
        }
        if fresh {
            s.backfill()?;
        }
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

    /// The `WHERE` clause of a report's slice over the rollup tables (whole UTC days).
    fn slice(q: &FunnelQuery) -> String {
        let (from, to) = day_range(q);
        let clamp = |d: i64| d.clamp(i64::from(i32::MIN), i64::from(i32::MAX));
        let mut w = format!("guide_id = {} AND day BETWEEN {} AND {}", quote(&q.guide_id), clamp(from), clamp(to));
        if let Some(v) = q.version {
            w.push_str(&format!(" AND version = {v}"));
        }
        if let Some(v) = &q.variant {
            w.push_str(&format!(" AND variant = {}", quote(v)));
        }
        w
    }

    fn has_table(&self, name: &str) -> Result<bool, String> {
        let out = self.exec(&format!("EXISTS TABLE {}.{name}", self.db), "")?;
        Ok(out.trim() == "1")
    }

    /// An events table made before the funnel facts existed gets their columns.
    fn upgrade_events(&self) -> Result<(), String> {
        let have: std::collections::HashSet<String> = self
            .rows(&format!("SELECT name FROM system.columns WHERE database = {} AND table = 'events'", quote(&self.db)))?
            .into_iter()
            .filter_map(|r| r["name"].as_str().map(str::to_string))
            .collect();
        for col in EVENT_COLUMNS.split(',').map(str::trim) {
            let name = col.split_whitespace().next().unwrap_or_default();
            if !have.contains(name) {
                self.exec(&format!("ALTER TABLE {}.events ADD COLUMN {col}", self.db), "")?;
            }
        }
        Ok(())
    }

    /// Fills the new rollup tables from the stored records (a database made before them):
    /// the records are written again with their facts, which the views aggregate; the
    /// merge collapses the copies, and the rollup's states ignore them meanwhile.
    fn backfill(&self) -> Result<(), String> {
        let mut batch = Vec::new();
        self.each_line(&format!("SELECT record FROM {}.events FINAL FORMAT TabSeparatedRaw", self.db), |line| {
            batch.push(serde_json::from_str::<EventRecord>(line).map_err(|e| format!("clickhouse record: {e}"))?);
            if batch.len() >= 10_000 {
                self.write_rows(&std::mem::take(&mut batch))?;
            }
            Ok(())
        })?;
        self.write_rows(&batch)
    }

    /// Whether `value` of dimension `d` (of [`DIMS`]) may have rollup rows for `guide`: yes
    /// when it has them already or the guide is under the cap (the value is then written to
    /// `dims`). Collectors that admit values of one guide at the same moment may each admit
    /// one beyond the cap; the excess is bounded by the number of collectors.
    fn admit(&self, cache: &mut std::collections::HashMap<String, GuideDims>, guide: &str, d: usize, value: &str) -> Result<bool, String> {
        if cache.len() > MAX_CACHED_GUIDES && !cache.contains_key(guide) {
            cache.clear();
        }
        // Another collector may have added values meanwhile.
        let reload = || -> Result<Vec<(String, String)>, String> {
            let rows =
                self.rows(&format!("SELECT dim, value FROM {}.dims WHERE guide_id = {} GROUP BY dim, value", self.db, quote(guide)))?;
            Ok(rows
                .iter()
                .map(|r| (r["dim"].as_str().unwrap_or_default().to_string(), r["value"].as_str().unwrap_or_default().to_string()))
                .collect())
        };
        let record = || {
            let row = json!({"guide_id": guide, "dim": DIMS[d].0, "value": value});
            self.exec(&format!("INSERT INTO {}.dims FORMAT JSONEachRow", self.db), &row.to_string()).map(|_| ())
        };
        cache.entry(guide.to_string()).or_default().admit(d, value, reload, record)
    }

    /// Inserts records (no duplicate check), with their funnel facts; values beyond the
    /// per-guide caps are counted under `(other)`, and the record is stored whole.
    fn write_rows<'a>(&self, records: impl IntoIterator<Item = &'a EventRecord>) -> Result<(), String> {
        let records: Vec<&EventRecord> = records.into_iter().collect();
        // The dims lock is held while folding only, not while the rows are sent.
        let counted: Vec<Option<EventRecord>> = {
            let mut cache = self.dims.lock().map_err(|_| "clickhouse dims lock poisoned")?;
            records.iter().map(|r| fold(r, |d, value| self.admit(&mut cache, &r.guide_id, d, value))).collect::<Result<_, _>>()?
        };
        let mut body = String::new();
        for (r, counted) in records.into_iter().zip(&counted) {
            let c = counted.as_ref().unwrap_or(r);
            let f = facts(c);
            let j = &f.journey;
            let tally: Vec<String> = f.tallies.iter().map(|(step, metric)| format!("{step}{SEP}{metric}")).collect();
            // A record holds at most its own step in one of the sets: the step key, and its
            // bit (its index, below 64) for the sets' fast path (see `journey_counts`).
            let bit = parse_step_key(&f.step).filter(|(i, _)| *i < 64).map_or(0, |(i, _)| 1u64 << i);
            let key = |set: &std::collections::BTreeSet<String>| if set.is_empty() { "" } else { f.step.as_str() };
            let bit_of = |set: &std::collections::BTreeSet<String>| if set.is_empty() { 0 } else { bit };
            let row = json!({
                "event_id": r.event_id, "guide_id": r.guide_id, "guide_version": r.guide_version,
                "variant": r.variant.clone().unwrap_or_default(), "rvariant": c.variant.clone().unwrap_or_default(),
                "kind": r.kind.as_str(), "user_id": r.user_id,
                "ts": r.timestamp, "day": date_of(r.timestamp), "record": serde_json::to_string(r).map_err(|e| e.to_string())?,
                "session_id": r.session_id, "journey": u8::from(*j != Default::default()), "shown": u8::from(j.shown), "completed": u8::from(j.completed),
                "viewed": key(&j.viewed), "done": key(&j.done), "missing": key(&j.missing), "exit": j.exit,
                "tally": tally, "comment": f.comment.unwrap_or_default(), "step_key": f.step,
                "vbit": bit_of(&j.viewed), "dbit": bit_of(&j.done), "mbit": bit_of(&j.missing),
            });
            body.push_str(&row.to_string());
            body.push('\n');
        }
        if !body.is_empty() {
            self.exec(&format!("INSERT INTO {}.events FORMAT JSONEachRow", self.db), &body)?;
        }
        Ok(())
    }

    /// The users' and sessions' counts of a slice, aggregated by ClickHouse. The SQL
    /// mirrors `funnel::Merge`; the property test in
    /// `tests/clickhouse.rs` checks that the reports are identical.
    fn journey_counts(&self, q: &FunnelQuery, counts: &mut Counts) -> Result<(), String> {
        let (db, slice) = (&self.db, Self::slice(q));
        // Fast path: when the slice's step keys have distinct indexes below 64, a step set
        // is exactly the bit mask of its indexes (`groupBitOr`), far cheaper to merge than
        // sets of strings. Otherwise (e.g. a version moved a step to another index, and the
        // slice spans both versions) the sets of keys are merged.
        let mut by_index: std::collections::BTreeMap<u32, String> = Default::default();
        let mut fast = true;
        self.each_line(&format!("SELECT DISTINCT step_key FROM {db}.steps WHERE {slice} FORMAT TabSeparatedRaw"), |key| {
            match parse_step_key(key) {
                Some((i, _)) if i < 64 && by_index.get(&i).is_none_or(|k| k == key) => {
                    by_index.insert(i, key.to_string());
                }
                _ => fast = false,
            }
            Ok(())
        })?;
        if fast {
            return self.journey_counts_by_bits(q, &by_index, counts);
        }
        let sets = "arrayFilter(x -> x != '', groupUniqArrayMerge(viewed)) AS v, arrayFilter(x -> x != '', groupUniqArrayMerge(done)) AS d,
                    arrayFilter(x -> x != '', groupUniqArrayMerge(missing)) AS m";
        // Each user (then each session) becomes one row per step key it holds, and one
        // for the guide (key ''), by a parallel ARRAY JOIN of keys and roles; each row then
        // yields its metrics. (Lambdas that read other columns are avoided: ClickHouse
        // 18.16 drops such columns from the subquery.)
        let query = format!(
            "SELECT step, metric, toUInt64(count()) AS n FROM (
               SELECT k AS step, arrayJoin(multiIf(
                 role = 1, ['viewed_users', if(has(d, k), '', concat('drop:',
                   multiIf(e = '', 'in_progress', es = k, er, er = 'completed', 'completed_elsewhere', 'left_later')))],
                 role = 2, ['completed_users'],
                 [if(s = 1, 'shown_users', ''), if(c = 1, 'completed_users', ''), if(e = '', '', concat('exit:', er))])) AS metric
               FROM (
                 SELECT maxMerge(shown) AS s, maxMerge(completed) AS c, {sets}, maxMerge(exit) AS e,
                   splitByChar('\\x1f', e) AS parts, parts[3] AS er, parts[4] AS es
                 FROM {db}.journeys WHERE {slice} GROUP BY user_h)
               ARRAY JOIN arrayConcat(v, d, ['']) AS k, arrayConcat(arrayMap(x -> 1, v), arrayMap(x -> 2, d), [3]) AS role
               UNION ALL
               SELECT k AS step, arrayJoin(multiIf(
                 role = 1, ['sessions'],
                 role = 2, ['missing_sessions'],
                 [if(s = 1 OR notEmpty(m), 'sessions', ''), if(notEmpty(m), 'missing_sessions', '')])) AS metric
               FROM (
                 SELECT maxMerge(shown) AS s, {sets}
                 FROM {db}.journeys WHERE {slice} GROUP BY session_h)
               ARRAY JOIN arrayConcat(arrayDistinct(arrayConcat(v, m)), m, ['']) AS k,
                 arrayConcat(arrayMap(x -> 1, arrayDistinct(arrayConcat(v, m))), arrayMap(x -> 2, m), [3]) AS role
             ) WHERE metric != '' GROUP BY step, metric FORMAT TabSeparatedRaw"
        );
        self.each_line(&query, |line| {
            let mut cols = line.split('\t');
            let (Some(step), Some(metric), Some(n)) = (cols.next(), cols.next(), cols.next()) else {
                return Err(format!("clickhouse counts: unexpected line {line:?}"));
            };
            let n: u64 = n.parse().map_err(|_| format!("clickhouse counts: unexpected line {line:?}"))?;
            *counts.entry((step.to_string(), metric.to_string())).or_default() += n;
            Ok(())
        })
    }

    /// [`Self::journey_counts`] with step sets as bit masks of step indexes (`by_index`
    /// names them). Each user (then each session) stays one row: the counts per step are
    /// `countIf`s over bits, grouped by the reason of the user's last exit, so the
    /// aggregation's size does not grow with the steps a user took.
    fn journey_counts_by_bits(
        &self,
        q: &FunnelQuery,
        by_index: &std::collections::BTreeMap<u32, String>,
        counts: &mut Counts,
    ) -> Result<(), String> {
        let (db, slice) = (&self.db, Self::slice(q));
        let mut users = vec!["er".to_string(), "count()".into(), "sum(s)".into(), "sum(c)".into()];
        let mut sessions = vec!["countIf(s = 1 OR m != 0)".to_string(), "countIf(m != 0)".into()];
        for k in by_index.keys() {
            let dropped = format!("bitTest(v, {k}) AND NOT bitTest(d, {k})");
            users.push(format!("countIf(bitTest(v, {k}))"));
            users.push(format!("countIf(bitTest(d, {k}))"));
            users.push(format!("countIf({dropped} AND ek = {k})"));
            users.push(format!("countIf({dropped} AND ek != {k})"));
            sessions.push(format!("countIf(bitTest(bitOr(v, m), {k}))"));
            sessions.push(format!("countIf(bitTest(m, {k}))"));
        }
        let users = format!(
            "SELECT {} FROM (
               SELECT maxMerge(shown) AS s, maxMerge(completed) AS c, groupBitOrMerge(vbits) AS v, groupBitOrMerge(dbits) AS d,
                 maxMerge(exit) AS e, splitByChar('\\x1f', e) AS parts, parts[3] AS er, parts[4] AS es,
                 if(es = '', 255, toUInt8OrZero(splitByChar(':', es)[1])) AS ek
               FROM {db}.journeys WHERE {slice} GROUP BY user_h)
             GROUP BY er FORMAT TabSeparatedRaw",
            users.join(", ")
        );
        let sessions = format!(
            "SELECT {} FROM (
               SELECT maxMerge(shown) AS s, groupBitOrMerge(vbits) AS v, groupBitOrMerge(mbits) AS m
               FROM {db}.journeys WHERE {slice} GROUP BY session_h) FORMAT TabSeparatedRaw",
            sessions.join(", ")
        );
        let mut add = |step: &str, metric: &str, n: u64| {
            if n > 0 {
                *counts.entry((step.to_string(), metric.to_string())).or_default() += n;
            }
        };
        let numbers = |line: &str, skip: usize| -> Result<Vec<u64>, String> {
            line.split('\t').skip(skip).map(|n| n.parse().map_err(|_| format!("clickhouse counts: unexpected line {line:?}"))).collect()
        };
        self.each_line(&users, |line| {
            let reason = line.split('\t').next().unwrap_or_default().to_string();
            let n = numbers(line, 1)?;
            if n.len() != 3 + 4 * by_index.len() {
                return Err(format!("clickhouse counts: unexpected line {line:?}"));
            }
            if !reason.is_empty() {
                add("", &format!("exit:{reason}"), n[0]);
            }
            add("", "shown_users", n[1]);
            add("", "completed_users", n[2]);
            // A drop-off not at the last exit's step: see `funnel::Merge`.
            let elsewhere = match reason.as_str() {
                "" => "in_progress",
                "completed" => "completed_elsewhere",
                _ => "left_later",
            };
            for (key, c) in by_index.values().zip(n[3..].chunks(4)) {
                add(key, "viewed_users", c[0]);
                add(key, "completed_users", c[1]);
                add(key, &format!("drop:{}", if reason.is_empty() { "in_progress" } else { &reason }), c[2]);
                add(key, &format!("drop:{elsewhere}"), c[3]);
            }
            Ok(())
        })?;
        self.each_line(&sessions, |line| {
            let n = numbers(line, 0)?;
            if n.len() != 2 + 2 * by_index.len() {
                return Err(format!("clickhouse counts: unexpected line {line:?}"));
            }
            add("", "sessions", n[0]);
            add("", "missing_sessions", n[1]);
            for (key, c) in by_index.values().zip(n[2..].chunks(2)) {
                add(key, "sessions", c[0]);
                add(key, "missing_sessions", c[1]);
            }
            Ok(())
        })
    }

    /// The tallies of a slice.
    fn tally_counts(&self, q: &FunnelQuery, counts: &mut Counts) -> Result<(), String> {
        let query = format!(
            "SELECT tally, toUInt64(sumMerge(n)) FROM {}.tallies WHERE {} GROUP BY tally FORMAT TabSeparatedRaw",
            self.db,
            Self::slice(q)
        );
        self.each_line(&query, |line| {
            let bad = || format!("clickhouse tallies: unexpected line {line:?}");
            let (tally, n) = line.rsplit_once('\t').ok_or_else(bad)?;
            let (step, metric) = tally.split_once(SEP).ok_or_else(bad)?;
            *counts.entry((step.to_string(), metric.to_string())).or_default() += n.parse::<u64>().map_err(|_| bad())?;
            Ok(())
        })
    }

    /// The newest comments of a slice.
    fn comments(&self, q: &FunnelQuery) -> Result<Vec<String>, String> {
        let (from, to) = day_range(q);
        let mut w = format!(
            "guide_id = {} AND comment != '' AND ts >= {} AND ts < {}",
            quote(&q.guide_id),
            from.saturating_mul(DAY_MS),
            to.saturating_add(1).saturating_mul(DAY_MS)
        );
        if let Some(v) = q.version {
            w.push_str(&format!(" AND guide_version = {v}"));
        }
        if let Some(v) = &q.variant {
            w.push_str(&format!(" AND rvariant = {}", quote(v)));
        }
        let rows = self.rows(&format!(
            "SELECT ts, event_id, comment FROM {}.events WHERE {w} ORDER BY ts DESC, event_id DESC LIMIT 1 BY event_id LIMIT {MAX_COMMENTS}",
            self.db
        ))?;
        let mut c = Comments::default();
        for r in rows {
            let ts = r["ts"].as_i64().or_else(|| r["ts"].as_str().and_then(|s| s.parse().ok())).unwrap_or_default();
            c.add(ts, r["event_id"].as_str().unwrap_or_default(), r["comment"].as_str().unwrap_or_default());
        }
        Ok(c.newest_first())
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
        let mut out = Inserted::default();
        let mut fresh = Vec::new();
        for r in records {
            if existing.contains(&r.event_id) || !seen.insert(r.event_id.as_str()) {
                out.duplicates += 1;
                continue;
            }
            out.accepted += 1;
            fresh.push(r);
        }
        self.write_rows(fresh)?;
        Ok(out)
    }

    fn funnel(&self, q: &FunnelQuery) -> Result<FunnelReport, String> {
        let mut counts = Counts::new();
        self.journey_counts(q, &mut counts)?;
        self.tally_counts(q, &mut counts)?;
        Ok(report(&q.guide_id, &counts, self.comments(q)?))
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
        // From the rollup, like SQLite's list: every guide with journeys or tallies.
        let db = &self.db;
        let rows = self.rows(&format!(
            "SELECT guide_id, groupUniqArray(version) AS versions, groupUniqArray(variant) AS variants, any(shown) AS shown, any(done) AS done
             FROM (SELECT guide_id, version, variant FROM {db}.journeys UNION ALL SELECT guide_id, version, variant FROM {db}.tallies)
             ANY LEFT JOIN (
               SELECT guide_id, toUInt64(countIf(s = 1)) AS shown, toUInt64(countIf(c = 1)) AS done FROM (
                 SELECT guide_id, maxMerge(shown) AS s, maxMerge(completed) AS c FROM {db}.journeys GROUP BY guide_id, user_h)
               GROUP BY guide_id
             ) USING guide_id
             GROUP BY guide_id ORDER BY guide_id"
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
