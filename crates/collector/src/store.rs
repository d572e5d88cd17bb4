//! Event storage and funnel queries.
//!
//! The default store is SQLite (WAL, `synchronous=FULL`): a batch is one transaction,
//! and the HTTP response is sent only after it commits, so an acknowledged record
//! survives a crash. Raw records are kept (deduplicated by `event_id`); at ingest each
//! new record also updates small per-day rollups, so a funnel over millions of events
//! reads a few hundred rows instead of scanning the events.
//!
//! The values that make new counter rows are capped per guide (see [`MAX_STEPS_PER_GUIDE`],
//! [`MAX_VARIANTS_PER_GUIDE`], [`MAX_CHOICES_PER_GUIDE`]): a record with a value beyond the
//! cap is still stored whole, but counted under [`OTHER`], so that no client can make the
//! rollups, and every report that reads them, grow without bound.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use guidepost_core::analytics::{ratio, StepFunnel, SurveySummary};
use guidepost_core::goals::{GoalCounts, GoalSlice, HELD_OUT, SHOWN};
use guidepost_core::rules::stable_hash;
use guidepost_core::{EventKind, EventRecord, ExitReason, FunnelReport};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Which slice of a guide's events a report covers.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq)]
pub struct FunnelQuery {
    pub guide_id: String,
    /// Inclusive, milliseconds since the epoch.
    pub from_ms: Option<i64>,
    /// Exclusive, milliseconds since the epoch.
    pub to_ms: Option<i64>,
    pub version: Option<u32>,
    pub variant: Option<String>,
}

/// One row of the guide list.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GuideSummary {
    pub guide_id: String,
    pub shown_users: u64,
    pub completed_users: u64,
    pub completion_rate: f64,
    pub versions: Vec<u32>,
    pub variants: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq)]
pub struct Inserted {
    pub accepted: usize,
    pub duplicates: usize,
}

/// A place to keep events and compute reports from them.
pub trait Store: Send + Sync {
    /// Stores a batch atomically; duplicates (same `event_id`) are skipped.
    fn insert(&self, records: &[EventRecord]) -> Result<Inserted, String>;
    fn funnel(&self, q: &FunnelQuery) -> Result<FunnelReport, String>;
    fn guides(&self) -> Result<Vec<GuideSummary>, String>;
    /// The counts of a guide's goal report (see `guidepost_core::goals` for what they mean).
    fn goals(&self, guide_id: &str, slice: &GoalSlice, within_days: u32) -> Result<GoalCounts, String>;
    /// Where guides are authored and published, when this store keeps them.
    fn guide_store(&self) -> Option<&dyn crate::guide_store::GuideStore> {
        None
    }
}

const DAY_MS: i64 = 86_400_000;
/// Bumped whenever the tables change; a database from another version is refused, except
/// versions 3 (the `dims` table is added and filled), 4 (the guide store's tables are
/// added) and 5 (`experiment_facts` is added and filled), which are upgraded in place.
pub const SCHEMA_VERSION: i64 = 6;

/// The record kinds goal reports read, copied to `experiment_facts` at ingest.
const EXPERIMENT_KINDS: &str = "'guide_shown', 'guide_held_out', 'guide_completed', 'goal_reached'";

fn is_experiment_fact(k: EventKind) -> bool {
    matches!(k, EventKind::GuideShown | EventKind::GuideHeldOut | EventKind::GuideCompleted | EventKind::GoalReached)
}

/// Distinct steps, `(step_index, step_id)` pairs, counted per guide; the steps of later
/// records are counted as the step [`OTHER`] at index `MAX_STEP_INDEX + 1`.
pub const MAX_STEPS_PER_GUIDE: usize = 256;
/// Distinct variants counted per guide (no variant is not one); later ones count as [`OTHER`].
pub const MAX_VARIANTS_PER_GUIDE: usize = 32;
/// Distinct survey choices counted per guide; later ones count as [`OTHER`].
pub const MAX_CHOICES_PER_GUIDE: usize = 64;
/// The bucket values beyond a cap are counted in.
pub const OTHER: &str = "(other)";
/// Time-on-step histogram: bucket b holds durations around 1.1^b ms (about ±5%).
const BUCKET_BASE: f64 = 1.1;

pub fn duration_bucket(ms: u64) -> i64 {
    ((ms as f64 + 1.0).ln() / BUCKET_BASE.ln()).floor() as i64
}

pub fn bucket_value(b: i64) -> u64 {
    (BUCKET_BASE.powf(b as f64 + 0.5) - 1.0).max(0.0).round() as u64
}

/// The rollup facts one record contributes: (step index or -1 for the guide, step id,
/// metric, entity for uniqueness or None to count every occurrence).
pub fn facts(r: &EventRecord) -> Vec<(i64, String, String, Option<String>)> {
    let step = r.step_index.map(|i| i as i64).unwrap_or(-1);
    let sid = r.step_id.clone().unwrap_or_default();
    let user = Some(r.user_id.clone());
    let session = Some(r.session_id.clone());
    let s = |m: &str, e: &Option<String>| (step, sid.clone(), m.to_string(), e.clone());
    let g = |m: &str, e: &Option<String>| (-1, String::new(), m.to_string(), e.clone());
    let mut out = Vec::new();
    match r.kind {
        EventKind::GuideShown => {
            out.push(g("shown_users", &user));
            out.push(g("sessions", &session));
        }
        EventKind::StepViewed => {
            out.push(s("viewed_users", &user));
            out.push(s("sessions", &session));
        }
        EventKind::StepCompleted => {
            out.push(s("completed_users", &user));
            if let Some(d) = r.duration_ms {
                out.push(s(&format!("dur:{}", duration_bucket(d)), &None));
            }
        }
        EventKind::StepTargetMissing => {
            out.push(s("missing_sessions", &session));
            out.push(s("sessions", &session));
            out.push(g("missing_sessions", &session));
        }
        EventKind::GuideCompleted | EventKind::GuideDismissed | EventKind::GuideAbandoned => {
            let reason = r.reason.map(|x| x.as_str()).unwrap_or("completed");
            if r.kind == EventKind::GuideCompleted {
                out.push(g("completed_users", &user));
            } else if step >= 0 {
                out.push(s(&format!("exit:{reason}"), &user));
            }
            out.push(g(&format!("exit:{reason}"), &user));
        }
        EventKind::SurveyAnswered => {
            if let Some(a) = &r.answer {
                if let Some(sc) = a.score {
                    out.push(g(&format!("score:{sc}"), &None));
                }
                if let Some(c) = &a.choice {
                    out.push(g(&format!("choice:{c}"), &None));
                }
            }
        }
        // Experiments read `experiment_facts`, not the funnel's counters.
        EventKind::GuideHeldOut | EventKind::GoalReached => {}
    }
    out
}

/// Builds the report from summed rollup counters: (step index, step id, metric) -> n.
pub fn report_from_counters(guide_id: &str, rows: &BTreeMap<(i64, String, String), u64>, comments: Vec<String>) -> FunnelReport {
    let get = |step: i64, sid: &str, m: &str| rows.get(&(step, sid.to_string(), m.to_string())).copied().unwrap_or(0);
    let shown = get(-1, "", "shown_users");
    let completed = get(-1, "", "completed_users");
    let mut exits = BTreeMap::new();
    let mut scores = vec![0u64; 11];
    let mut choices = BTreeMap::new();
    for ((step, _, m), n) in rows {
        if *step != -1 {
            continue;
        }
        if let Some(r) = m.strip_prefix("exit:") {
            *exits.entry(r.to_string()).or_default() += n;
        } else if let Some(sc) = m.strip_prefix("score:").and_then(|s| s.parse::<usize>().ok()) {
            if sc <= 10 {
                scores[sc] += n;
            }
        } else if let Some(c) = m.strip_prefix("choice:") {
            *choices.entry(c.to_string()).or_default() += n;
        }
    }
    let mut steps: BTreeMap<(i64, String), StepFunnel> = BTreeMap::new();
    for ((step, sid, m), n) in rows {
        if *step < 0 {
            continue;
        }
        let f = steps.entry((*step, sid.clone())).or_insert_with(|| StepFunnel {
            step_id: sid.clone(),
            step_index: *step as u32,
            ..Default::default()
        });
        match m.as_str() {
            "viewed_users" => f.viewed_users += n,
            "completed_users" => f.completed_users += n,
            "sessions" => f.sessions += n,
            "missing_sessions" => f.target_missing_sessions += n,
            other => {
                if let Some(r) = other.strip_prefix("exit:") {
                    *f.drop_reasons.entry(r.to_string()).or_default() += n;
                }
            }
        }
    }
    for ((step, sid), f) in steps.iter_mut() {
        f.dropped_users = f.viewed_users.saturating_sub(f.completed_users);
        f.drop_rate = ratio(f.dropped_users, f.viewed_users);
        f.target_missing_rate = ratio(f.target_missing_sessions, f.sessions);
        f.drop_reasons.remove("completed");
        let explained: u64 = f.drop_reasons.values().sum();
        if f.dropped_users > explained {
            f.drop_reasons.insert("in_progress".into(), f.dropped_users - explained);
        }
        // Median from the histogram.
        let mut hist: Vec<(i64, u64)> = rows
            .iter()
            .filter(|((s, id, _), _)| s == step && id == sid)
            .filter_map(|((_, _, m), n)| m.strip_prefix("dur:").and_then(|b| b.parse().ok()).map(|b| (b, *n)))
            .collect();
        hist.sort();
        let total: u64 = hist.iter().map(|(_, n)| n).sum();
        if total > 0 {
            let half = total.div_ceil(2);
            let mut acc = 0;
            for (b, n) in hist {
                acc += n;
                if acc >= half {
                    f.median_ms = Some(bucket_value(b));
                    break;
                }
            }
        }
    }
    let has_survey = scores.iter().any(|&n| n > 0) || !choices.is_empty();
    let all_sessions = get(-1, "", "sessions");
    FunnelReport {
        guide_id: guide_id.to_string(),
        shown_users: shown,
        completed_users: completed,
        completion_rate: ratio(completed, shown),
        exits,
        steps: steps.into_values().collect(),
        survey: has_survey.then(|| SurveySummary::from_counts(scores, choices, comments)),
        target_missing_rate: ratio(get(-1, "", "missing_sessions"), all_sessions.max(get(-1, "", "missing_sessions"))),
    }
}

pub struct SqliteStore {
    path: Option<std::path::PathBuf>,
    pub(crate) conn: Mutex<Connection>,
    /// Only the writer uses it, while it holds `conn`; loaded on the first write (or by
    /// `warm`), so read-only uses such as `guidepost report` never pay for it.
    uniq: Mutex<Option<Uniq>>,
    group: Mutex<Group>,
    done: std::sync::Condvar,
}

/// The set of rollup facts already counted once (distinct users and sessions), as 64-bit
/// hashes. Kept in memory, about 10 bytes per entry, and rebuilt from the append-only
/// `uniq` table before the first write; new hashes join the set only after their
/// transaction commits. `last` is the newest `uniq` row merged: each write transaction
/// first merges rows that another process (an old collector still draining during a
/// restart, a CLI) committed since, so the database, not this process, stays the
/// authority on what was counted.
struct Uniq {
    set: std::collections::HashSet<i64, std::hash::BuildHasherDefault<HashIsKey>>,
    last: i64,
    /// The writer's copy of the `dims` table, per guide, loaded on first use.
    dims: std::collections::HashMap<String, GuideDims>,
}

/// The step (`index:id`), variant and choice values of one guide that have counter rows.
#[derive(Default)]
struct GuideDims {
    sets: [std::collections::HashSet<String>; 3],
}

/// The capped dimensions: (name in the `dims` table, cap).
const DIMS: [(&str, usize); 3] = [("step", MAX_STEPS_PER_GUIDE), ("variant", MAX_VARIANTS_PER_GUIDE), ("choice", MAX_CHOICES_PER_GUIDE)];

impl Uniq {
    /// Whether `value` of dimension `d` may have counter rows for `guide`: yes when it has
    /// them already or the guide is under the cap (it is then recorded in `dims`, in the
    /// caller's transaction). Values are never removed, so a full set stays full; another
    /// writer's additions are read from the table before deciding.
    fn admit(&mut self, tx: &Connection, guide: &str, d: usize, value: &str) -> Result<bool, String> {
        if !self.dims.contains_key(guide) {
            self.dims.insert(guide.to_string(), GuideDims::default());
        }
        let g = self.dims.get_mut(guide).expect("inserted above");
        if g.sets[d].contains(value) {
            return Ok(true);
        }
        if g.sets[d].len() < DIMS[d].1 {
            let fail = |e: rusqlite::Error| format!("cannot read the dims table: {e}");
            let mut stmt = tx.prepare_cached("SELECT dim, value FROM dims WHERE guide_id = ?1").map_err(fail)?;
            let rows = stmt.query_map([guide], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(fail)?;
            for row in rows {
                let (dim, v) = row.map_err(fail)?;
                if let Some(i) = DIMS.iter().position(|(n, _)| *n == dim) {
                    g.sets[i].insert(v);
                }
            }
        }
        if g.sets[d].contains(value) {
            return Ok(true);
        }
        if g.sets[d].len() >= DIMS[d].1 {
            return Ok(false);
        }
        tx.prepare_cached("INSERT OR IGNORE INTO dims(guide_id, dim, value) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![guide, DIMS[d].0, value]))
            .map_err(|e| format!("cannot write the dims table: {e}"))?;
        g.sets[d].insert(value.to_string());
        Ok(true)
    }

    /// `r` as its counters see it: values beyond the caps replaced by [`OTHER`]; `None`
    /// when nothing is replaced.
    fn fold(&mut self, tx: &Connection, r: &EventRecord) -> Result<Option<EventRecord>, String> {
        let mut out: Option<EventRecord> = None;
        if let (Some(i), Some(id)) = (r.step_index, &r.step_id) {
            if !self.admit(tx, &r.guide_id, 0, &format!("{i}:{id}"))? {
                let f = out.get_or_insert_with(|| r.clone());
                f.step_index = Some(guidepost_core::analytics::MAX_STEP_INDEX + 1);
                f.step_id = Some(OTHER.into());
            }
        }
        if let Some(v) = r.variant.as_deref().filter(|v| !v.is_empty()) {
            if !self.admit(tx, &r.guide_id, 1, v)? {
                out.get_or_insert_with(|| r.clone()).variant = Some(OTHER.into());
            }
        }
        if let Some(c) = r.answer.as_ref().and_then(|a| a.choice.as_deref()) {
            if !self.admit(tx, &r.guide_id, 2, c)? {
                if let Some(a) = out.get_or_insert_with(|| r.clone()).answer.as_mut() {
                    a.choice = Some(OTHER.into());
                }
            }
        }
        Ok(out)
    }
}

/// The keys are already uniform hashes; hashing them again is wasted work.
#[derive(Default)]
struct HashIsKey(u64);
impl std::hash::Hasher for HashIsKey {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_i64(&mut self, v: i64) {
        self.0 = v as u64;
    }
}

impl Uniq {
    fn load(conn: &Connection) -> Result<Uniq, String> {
        let n: i64 = conn
            .query_row("SELECT COALESCE(SUM(length(hashes)), 0) / 8 FROM uniq", [], |r| r.get(0))
            .map_err(|e| format!("cannot read the uniqueness table: {e}"))?;
        let mut u = Uniq {
            set: std::collections::HashSet::with_capacity_and_hasher(n as usize, Default::default()),
            last: 0,
            dims: Default::default(),
        };
        u.catch_up(conn)?;
        Ok(u)
    }

    /// Merges the rows committed after `last`.
    fn catch_up(&mut self, conn: &Connection) -> Result<(), String> {
        let fail = |e: rusqlite::Error| format!("cannot read the uniqueness table: {e}");
        let mut stmt = conn.prepare_cached("SELECT rowid, hashes FROM uniq WHERE rowid > ?1 ORDER BY rowid").map_err(fail)?;
        let mut rows = stmt.query([self.last]).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            let blob = row.get_ref(1).map_err(fail)?.as_blob().map_err(|e| fail(e.into()))?;
            self.set.extend(Uniq::unpack(blob));
            self.last = row.get(0).map_err(fail)?;
        }
        Ok(())
    }

    fn pack<'a>(hashes: impl IntoIterator<Item = &'a i64>) -> Vec<u8> {
        hashes.into_iter().flat_map(|h| h.to_le_bytes()).collect()
    }

    fn unpack(blob: &[u8]) -> impl Iterator<Item = i64> + '_ {
        blob.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("chunks of 8")))
    }
}

/// Group commit: batches that arrive while a transaction is being written wait, and the
/// next writer commits all of them in one transaction (one fsync for many requests).
/// Each caller still returns only after the transaction holding its batch committed.
#[derive(Default)]
struct Group {
    queue: Vec<(u64, Vec<Row>)>,
    results: std::collections::HashMap<u64, Result<Inserted, String>>,
    writing: bool,
    next: u64,
}

/// Adds one (group, day) row of a store's goal query to the counts.
pub fn add_goal_row(out: &mut GoalCounts, group: &str, day: i64, exposed: u64, converted: u64, completed: u64) {
    let g = out.groups.entry(group.to_string()).or_default();
    g.exposed += exposed;
    g.converted += converted;
    let d = out.days.entry(day).or_default();
    if group == HELD_OUT {
        d.held_out += exposed;
    } else {
        d.shown += exposed;
        d.completed += completed;
    }
    d.converted += converted;
}

/// Fills `experiment_facts` from the stored events (an upgrade from a version without it).
fn backfill_experiment_facts(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         INSERT INTO experiment_facts SELECT guide_id, user_id, kind, ts, guide_version, COALESCE(variant, '') FROM events
           WHERE kind IN ({EXPERIMENT_KINDS});
         PRAGMA user_version = {SCHEMA_VERSION};
         COMMIT;"
    ))
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore, String> {
        let conn = Connection::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        Self::setup(conn, Some(path.to_path_buf()))
    }

    pub fn in_memory() -> Result<SqliteStore, String> {
        Self::setup(Connection::open_in_memory().map_err(|e| e.to_string())?, None)
    }

    fn setup(conn: Connection, path: Option<std::path::PathBuf>) -> Result<SqliteStore, String> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| format!("cannot read the database: {e}"))?;
        let has_tables: bool = conn
            .query_row("SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE name = 'events')", [], |r| r.get(0))
            .map_err(|e| format!("cannot read the database: {e}"))?;
        let upgrade = has_tables && (3..=5).contains(&version);
        if has_tables && version != SCHEMA_VERSION && !upgrade {
            return Err(format!(
                "the database has schema version {version}, this guidepost needs {SCHEMA_VERSION}; \
                 move it aside and start with a new database file (the old one stays readable with sqlite3)"
            ));
        }
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             PRAGMA cache_size=-65536;
             PRAGMA wal_autocheckpoint=10000;
             PRAGMA temp_store=MEMORY;
             PRAGMA busy_timeout=5000;
             -- Append-only rows (rowid order = arrival order); the small unique index on
             -- event_id dedupes. Random ids as the primary key of fat rows made every insert
             -- rewrite pages in the middle of the table.
             -- One column per record field (the record is stored once, not also as JSON);
             -- `answer` is the survey answer as JSON.
             CREATE TABLE IF NOT EXISTS events(
               seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
               guide_id TEXT NOT NULL, guide_version INTEGER NOT NULL, step_id TEXT, step_index INTEGER,
               user_id TEXT NOT NULL, anonymous INTEGER NOT NULL, session_id TEXT NOT NULL, ts INTEGER NOT NULL,
               url TEXT NOT NULL, variant TEXT, reason TEXT, duration_ms INTEGER, answer TEXT);
             -- Hashes of (guide, version, variant, step, metric, user or session) already
             -- counted, 8 bytes each (little-endian), one row per transaction. Append-only on
             -- disk; the set itself is held in memory (see `Uniq`), because a B-tree keyed by
             -- random hashes dirties a page per insert.
             CREATE TABLE IF NOT EXISTS uniq(hashes BLOB NOT NULL);
             CREATE TABLE IF NOT EXISTS counters(
               guide_id TEXT NOT NULL, day INTEGER NOT NULL, version INTEGER NOT NULL, variant TEXT NOT NULL,
               step_index INTEGER NOT NULL, step_id TEXT NOT NULL, metric TEXT NOT NULL, n INTEGER NOT NULL,
               PRIMARY KEY(guide_id, day, version, variant, step_index, step_id, metric)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS comments(guide_id TEXT NOT NULL, version INTEGER NOT NULL, variant TEXT NOT NULL, ts INTEGER NOT NULL, comment TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS comments_guide ON comments(guide_id, ts);
             -- The values that have counter rows, per guide and capped dimension (see `DIMS`).
             CREATE TABLE IF NOT EXISTS dims(guide_id TEXT NOT NULL, dim TEXT NOT NULL, value TEXT NOT NULL,
               PRIMARY KEY(guide_id, dim, value)) WITHOUT ROWID;
             -- The records goal reports read (exposures, completions, goals), a small copy
             -- of `events` indexed by user (see `goals`).
             CREATE TABLE IF NOT EXISTS experiment_facts(guide_id TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL,
               ts INTEGER NOT NULL, version INTEGER NOT NULL, variant TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS experiment_facts_user ON experiment_facts(guide_id, user_id, kind, ts);",
        )
        .and_then(|_| conn.execute_batch(crate::guide_store::SQLITE_TABLES))
        .and_then(|_| {
            if upgrade && version == 3 {
                // Version 3 had no `dims`: fill it from the counters (a guide may start over a cap).
                conn.execute_batch(
                    "BEGIN IMMEDIATE;
                     INSERT OR IGNORE INTO dims SELECT DISTINCT guide_id, 'step', step_index || ':' || step_id FROM counters WHERE step_index >= 0;
                     INSERT OR IGNORE INTO dims SELECT DISTINCT guide_id, 'variant', variant FROM counters WHERE variant != '';
                     INSERT OR IGNORE INTO dims SELECT DISTINCT guide_id, 'choice', substr(metric, 8) FROM counters WHERE metric LIKE 'choice:%';
                     COMMIT;",
                )
                .and_then(|_| backfill_experiment_facts(&conn))
            } else if upgrade {
                // Version 4 had no guide store (its tables were created above); 4 and 5 had
                // no experiment facts.
                backfill_experiment_facts(&conn)
            } else if has_tables {
                Ok(())
            } else {
                conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            }
        })
        .map_err(|e| format!("cannot set up the database: {e}"))?;
        Ok(SqliteStore {
            path,
            uniq: Mutex::new(None),
            conn: Mutex::new(conn),
            group: Mutex::new(Group::default()),
            done: std::sync::Condvar::new(),
        })
    }

    /// Loads what the first write needs (the set of facts already counted), so that the
    /// first request after a start does not wait for it. The server calls this at start.
    /// It reads through a connection of its own, so reports are not blocked meanwhile;
    /// writers wait for it (they need the set). Rows another writer commits meanwhile are
    /// merged by the next write transaction.
    pub fn warm(&self) -> Result<(), String> {
        const POISONED: &str = "store lock poisoned";
        match &self.path {
            Some(path) => {
                let mut known = self.uniq.lock().map_err(|_| POISONED)?;
                if known.is_none() {
                    let own = Connection::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
                    *known = Some(Uniq::load(&own)?);
                }
            }
            None => {
                // Same lock order as the writer: the set, then the connection.
                let mut known = self.uniq.lock().map_err(|_| POISONED)?;
                let c = self.conn.lock().map_err(|_| POISONED)?;
                if known.is_none() {
                    *known = Some(Uniq::load(&c)?);
                }
            }
        }
        Ok(())
    }

    /// Number of stored events (for tests and the CLI).
    pub fn count(&self) -> Result<u64, String> {
        let c = self.conn.lock().map_err(|_| "poisoned")?;
        c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0)).map(|n| n as u64).map_err(|e| e.to_string())
    }
}

/// One record ready to write: everything that does not need the database (rollup facts,
/// their uniqueness hashes) is computed by the calling thread, outside the writer lock.
struct Row {
    rec: EventRecord,
    variant: String,
    day: i64,
    facts: Vec<(i64, String, String, Option<i64>)>,
}

impl Row {
    fn new(r: &EventRecord) -> Row {
        let variant = r.variant.clone().unwrap_or_default();
        let facts = facts(r)
            .into_iter()
            .map(|(step, sid, metric, entity)| {
                let h = entity.map(|e| {
                    let key =
                        format!("{}\u{1f}{}\u{1f}{variant}\u{1f}{step}\u{1f}{sid}\u{1f}{metric}\u{1f}{e}", r.guide_id, r.guide_version);
                    stable_hash(&key) as i64
                });
                (step, sid, metric, h)
            })
            .collect();
        Row { rec: r.clone(), variant, day: r.timestamp.div_euclid(DAY_MS), facts }
    }
}

impl SqliteStore {
    /// Writes several batches in one transaction; one `Inserted` per batch.
    fn write_batches(&self, batches: &mut [(u64, Vec<Row>)]) -> Result<Vec<Inserted>, String> {
        // Lock order everywhere: `uniq`, then `conn`. While `warm` loads the set (holding
        // `uniq` only), writers wait without holding `conn`, so reports still run.
        let mut known = self.uniq.lock().map_err(|_| "store lock poisoned")?;
        let mut c = self.conn.lock().map_err(|_| "store lock poisoned")?;
        if known.is_none() {
            *known = Some(Uniq::load(&c)?);
        }
        let known = known.as_mut().expect("loaded above");
        // IMMEDIATE: the write lock is taken now, so no other process can commit between
        // the catch-up below and this transaction's own writes.
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(|e| e.to_string())?;
        known.catch_up(&tx)?;
        // Values beyond the per-guide caps are counted under OTHER. `dims` may now hold values
        // this transaction added: if it does not commit, forget them (they are reloaded).
        let folded: Result<(), String> = batches.iter_mut().flat_map(|(_, rows)| rows.iter_mut()).try_for_each(|row| {
            if let Some(f) = known.fold(&tx, &row.rec)? {
                let counted = Row::new(&f);
                row.facts = counted.facts;
                row.variant = counted.variant;
            }
            Ok(())
        });
        if let Err(e) = folded {
            known.dims.clear();
            return Err(e);
        }
        let batches = &*batches;
        // Everything up to the commit; on failure the dims added above are forgotten.
        let written = (|| -> Result<_, String> {
            let mut outs = vec![Inserted::default(); batches.len()];
            // Hashes first counted in this transaction; they join `known` after the commit.
            let mut fresh: std::collections::HashSet<i64, std::hash::BuildHasherDefault<HashIsKey>> = Default::default();
            let mut fresh_row = None;
            {
                let mut ins = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO events(event_id, kind, guide_id, guide_version, step_id, step_index, user_id,
                         anonymous, session_id, ts, url, variant, reason, duration_ms, answer)
                         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                    )
                    .map_err(|e| e.to_string())?;
                let mut uniq = tx.prepare_cached("INSERT INTO uniq(hashes) VALUES (?1)").map_err(|e| e.to_string())?;
                let mut bump = tx
                    .prepare_cached(
                        "INSERT INTO counters(guide_id, day, version, variant, step_index, step_id, metric, n) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)
                         ON CONFLICT DO UPDATE SET n = n + excluded.n",
                    )
                    .map_err(|e| e.to_string())?;
                let mut comment = tx
                    .prepare_cached("INSERT INTO comments(guide_id, version, variant, ts, comment) VALUES (?1,?2,?3,?4,?5)")
                    .map_err(|e| e.to_string())?;
                let mut fact = tx
                    .prepare_cached(
                        "INSERT INTO experiment_facts(guide_id, user_id, kind, ts, version, variant) VALUES (?1,?2,?3,?4,?5,?6)",
                    )
                    .map_err(|e| e.to_string())?;
                // Counter increments are summed per key over the transaction, then written once each.
                type Key<'a> = (&'a str, i64, u32, &'a str, i64, &'a str, &'a str);
                let mut bumps: std::collections::HashMap<Key, i64> = std::collections::HashMap::new();
                for ((_, rows), out) in batches.iter().zip(outs.iter_mut()) {
                    for row in rows {
                        let r = &row.rec;
                        let answer = match &r.answer {
                            Some(a) => Some(serde_json::to_string(a).map_err(|e| e.to_string())?),
                            None => None,
                        };
                        let n = ins
                            .execute(params![
                                r.event_id,
                                r.kind.as_str(),
                                r.guide_id,
                                r.guide_version,
                                r.step_id,
                                r.step_index,
                                r.user_id,
                                r.anonymous,
                                r.session_id,
                                r.timestamp,
                                r.url,
                                r.variant,
                                r.reason.map(|x| x.as_str()),
                                r.duration_ms.map(|d| d as i64),
                                answer
                            ])
                            .map_err(|e| e.to_string())?;
                        if n == 0 {
                            out.duplicates += 1;
                            continue;
                        }
                        out.accepted += 1;
                        if is_experiment_fact(r.kind) {
                            let variant = r.variant.as_deref().unwrap_or("");
                            fact.execute(params![r.guide_id, r.user_id, r.kind.as_str(), r.timestamp, r.guide_version, variant])
                                .map_err(|e| e.to_string())?;
                        }
                        for (step, sid, metric, h) in &row.facts {
                            if let Some(h) = *h {
                                if known.set.contains(&h) || !fresh.insert(h) {
                                    continue;
                                }
                            }
                            *bumps.entry((&r.guide_id, row.day, r.guide_version, &row.variant, *step, sid, metric)).or_default() += 1;
                        }
                        if let Some(text) = r.answer.as_ref().and_then(|a| a.comment.as_ref()).filter(|c| !c.trim().is_empty()) {
                            comment
                                .execute(params![r.guide_id, r.guide_version, row.variant, r.timestamp, text])
                                .map_err(|e| e.to_string())?;
                        }
                    }
                }
                if !fresh.is_empty() {
                    uniq.execute(params![Uniq::pack(&fresh)]).map_err(|e| e.to_string())?;
                    fresh_row = Some(tx.last_insert_rowid());
                }
                for ((g, day, version, variant, step, sid, metric), n) in bumps {
                    bump.execute(params![g, day, version, variant, step, sid, metric, n]).map_err(|e| e.to_string())?;
                }
            }
            tx.commit().map_err(|e| e.to_string())?;
            Ok((outs, fresh, fresh_row))
        })();
        let (outs, fresh, fresh_row) = match written {
            Ok(w) => w,
            Err(e) => {
                known.dims.clear();
                return Err(e);
            }
        };
        known.set.extend(fresh);
        if let Some(row) = fresh_row {
            // Every row before ours was merged by the catch-up (we held the write lock).
            known.last = row;
        }
        Ok(outs)
    }
}

impl Store for SqliteStore {
    fn guide_store(&self) -> Option<&dyn crate::guide_store::GuideStore> {
        Some(self)
    }

    fn insert(&self, records: &[EventRecord]) -> Result<Inserted, String> {
        let poisoned = |_| "store lock poisoned".to_string();
        let rows: Vec<Row> = records.iter().map(Row::new).collect();
        let mut g = self.group.lock().map_err(poisoned)?;
        let id = g.next;
        g.next += 1;
        g.queue.push((id, rows));
        loop {
            if let Some(r) = g.results.remove(&id) {
                return r;
            }
            if g.writing {
                g = self.done.wait(g).map_err(poisoned)?;
                continue;
            }
            // Become the writer for everything queued so far.
            g.writing = true;
            let mut batches = std::mem::take(&mut g.queue);
            drop(g);
            // A panic must not leave `writing` set: every later caller would wait for ever.
            let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.write_batches(&mut batches)))
                .unwrap_or_else(|_| Err("internal error while writing; nothing was stored".into()));
            g = self.group.lock().unwrap_or_else(|e| e.into_inner());
            g.writing = false;
            match written {
                Ok(outs) => {
                    for ((bid, _), o) in batches.iter().zip(outs) {
                        g.results.insert(*bid, Ok(o));
                    }
                }
                Err(e) => {
                    for (bid, _) in &batches {
                        g.results.insert(*bid, Err(e.clone()));
                    }
                }
            }
            self.done.notify_all();
        }
    }

    fn funnel(&self, q: &FunnelQuery) -> Result<FunnelReport, String> {
        let c = self.conn.lock().map_err(|_| "store lock poisoned")?;
        let from_day = q.from_ms.map(|t| t.div_euclid(DAY_MS)).unwrap_or(i64::MIN);
        let to_day = q.to_ms.map(|t| t.saturating_sub(1).div_euclid(DAY_MS)).unwrap_or(i64::MAX);
        let mut stmt = c
            .prepare_cached(
                "SELECT step_index, step_id, metric, SUM(n) FROM counters
                 WHERE guide_id = ?1 AND day BETWEEN ?2 AND ?3 AND (?4 IS NULL OR version = ?4) AND (?5 IS NULL OR variant = ?5)
                 GROUP BY step_index, step_id, metric",
            )
            .map_err(|e| e.to_string())?;
        let mut rows = BTreeMap::new();
        let it = stmt
            .query_map(params![q.guide_id, from_day, to_day, q.version, q.variant], |r| {
                Ok(((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?), r.get::<_, i64>(3)? as u64))
            })
            .map_err(|e| e.to_string())?;
        for row in it {
            let (k, v) = row.map_err(|e| e.to_string())?;
            rows.insert(k, v);
        }
        let mut cs = c
            .prepare_cached(
                "SELECT comment FROM comments WHERE guide_id = ?1 AND ts >= ?2 AND ts < ?3 AND (?4 IS NULL OR version = ?4)
                 AND (?5 IS NULL OR variant = ?5) ORDER BY ts DESC LIMIT 50",
            )
            .map_err(|e| e.to_string())?;
        let comments = cs
            .query_map(params![q.guide_id, q.from_ms.unwrap_or(i64::MIN), q.to_ms.unwrap_or(i64::MAX), q.version, q.variant], |r| {
                r.get::<_, String>(0)
            })
            .map_err(|e| e.to_string())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(report_from_counters(&q.guide_id, &rows, comments))
    }

    fn goals(&self, guide_id: &str, slice: &GoalSlice, within_days: u32) -> Result<GoalCounts, String> {
        let c = self.conn.lock().map_err(|_| "store lock poisoned")?;
        let fail = |e: rusqlite::Error| format!("cannot read the experiment facts: {e}");
        // Each user's exposure: the earliest shown or held-out record (held out first on a
        // tie), then the group of that record; the cohort is filtered by the exposure's time.
        let mut stmt = c
            .prepare_cached(
                "WITH exp AS (
                   SELECT user_id, MIN(ts * 2 + (kind = 'guide_shown')) AS k FROM experiment_facts
                   WHERE guide_id = ?1 AND kind IN ('guide_shown', 'guide_held_out') AND (?2 IS NULL OR version = ?2)
                   GROUP BY user_id),
                 cohort AS (
                   SELECT user_id, k / 2 AS t,
                     (SELECT CASE WHEN f.kind = 'guide_held_out' THEN ?6 WHEN f.variant = '' THEN ?7 ELSE f.variant END
                      FROM experiment_facts f WHERE f.guide_id = ?1 AND f.user_id = exp.user_id
                        AND f.kind IN ('guide_shown', 'guide_held_out') AND (?2 IS NULL OR f.version = ?2)
                        AND f.ts * 2 + (f.kind = 'guide_shown') = exp.k LIMIT 1) AS grp
                   FROM exp WHERE (?3 IS NULL OR k / 2 >= ?3) AND (?4 IS NULL OR k / 2 < ?4)),
                 marked AS (
                   SELECT grp, t / 86400000 AS day,
                     EXISTS(SELECT 1 FROM experiment_facts g WHERE g.guide_id = ?1 AND g.user_id = cohort.user_id
                       AND g.kind = 'goal_reached' AND g.ts >= cohort.t AND g.ts <= cohort.t + ?5) AS conv,
                     EXISTS(SELECT 1 FROM experiment_facts d WHERE d.guide_id = ?1 AND d.user_id = cohort.user_id
                       AND d.kind = 'guide_completed' AND (?2 IS NULL OR d.version = ?2)) AS done
                   FROM cohort)
                 SELECT grp, day, COUNT(*), SUM(conv), SUM(done) FROM marked GROUP BY grp, day",
            )
            .map_err(fail)?;
        let window = i64::from(within_days) * DAY_MS;
        let rows = stmt
            .query_map(params![guide_id, slice.version, slice.from_ms, slice.to_ms, window, HELD_OUT, SHOWN], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?, r.get::<_, i64>(4)?))
            })
            .map_err(fail)?;
        let mut out = GoalCounts::default();
        for row in rows {
            let (grp, day, n, conv, done) = row.map_err(fail)?;
            add_goal_row(&mut out, &grp, day, n as u64, conv as u64, done as u64);
        }
        Ok(out)
    }

    fn guides(&self) -> Result<Vec<GuideSummary>, String> {
        let c = self.conn.lock().map_err(|_| "store lock poisoned")?;
        // Every guide with any counter is listed (a survey-only guide too).
        let mut stmt = c
            .prepare(
                "SELECT guide_id,
                        SUM(CASE WHEN step_index = -1 AND metric = 'shown_users' THEN n ELSE 0 END),
                        SUM(CASE WHEN step_index = -1 AND metric = 'completed_users' THEN n ELSE 0 END),
                        group_concat(DISTINCT version), group_concat(DISTINCT variant)
                 FROM counters GROUP BY guide_id ORDER BY guide_id",
            )
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for row in rows {
            let (guide_id, shown, done, versions, variants) = row.map_err(|e| e.to_string())?;
            let mut versions: Vec<u32> = versions.unwrap_or_default().split(',').filter_map(|v| v.parse().ok()).collect();
            versions.sort();
            versions.dedup();
            let mut variants: Vec<String> = variants.unwrap_or_default().split(',').filter(|v| !v.is_empty()).map(str::to_string).collect();
            variants.sort();
            variants.dedup();
            out.push(GuideSummary {
                guide_id,
                shown_users: shown as u64,
                completed_users: done as u64,
                completion_rate: ratio(done as u64, shown as u64),
                versions,
                variants,
            });
        }
        Ok(out)
    }
}

/// Reads one stored record back (tests and debugging).
pub fn stored_record(store: &SqliteStore, event_id: &str) -> Result<Option<EventRecord>, String> {
    let c = store.conn.lock().map_err(|_| "poisoned")?;
    c.query_row(
        "SELECT event_id, kind, guide_id, guide_version, step_id, step_index, user_id, anonymous,
                session_id, ts, url, variant, reason, duration_ms, answer FROM events WHERE event_id = ?1",
        [event_id],
        |r| {
            let bad = |i: usize, what: &str, v: &str| {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    rusqlite::types::Type::Text,
                    format!("stored {what} {v:?} is not valid").into(),
                )
            };
            let kind: String = r.get(1)?;
            let reason: Option<String> = r.get(12)?;
            let answer: Option<String> = r.get(14)?;
            Ok(EventRecord {
                event_id: r.get(0)?,
                kind: EventKind::parse(&kind).ok_or_else(|| bad(1, "kind", &kind))?,
                guide_id: r.get(2)?,
                guide_version: r.get(3)?,
                step_id: r.get(4)?,
                step_index: r.get(5)?,
                user_id: r.get(6)?,
                anonymous: r.get(7)?,
                session_id: r.get(8)?,
                timestamp: r.get(9)?,
                url: r.get(10)?,
                variant: r.get(11)?,
                reason: match reason {
                    Some(x) => Some(ExitReason::parse(&x).ok_or_else(|| bad(12, "reason", &x))?),
                    None => None,
                },
                duration_ms: r.get::<_, Option<i64>>(13)?.map(|d| d as u64),
                answer: match answer {
                    Some(a) => Some(serde_json::from_str(&a).map_err(|_| bad(14, "answer", &a))?),
                    None => None,
                },
            })
        },
    )
    .optional()
    .map_err(|e| e.to_string())
}
