//! The SQLite store, the default (WAL, `synchronous=FULL`): a batch is one transaction,
//! and the HTTP response is sent only after it commits, so an acknowledged record
//! survives a crash. Raw records are kept (deduplicated by `event_id`); at ingest each
//! new record is also folded into core's funnel rollup (`guidepost_core::funnel`):
//! - `journeys`: one row per (guide, day, version, variant, user, session), merged in
//!   place (read, [`Journey::merge`], write) within the writing transaction;
//! - `tallies`: additive counters per (guide, day, version, variant, step, metric);
//! - `comments`: survey comments.
//!
//! A report reads the guide's journey rows in the order of their key (user first), merges
//! them one user at a time with core's [`Merge`], and builds the report with core's
//! [`report`]: the same code the ClickHouse store's SQL mirrors, and the one
//! `FunnelBuilder` runs in memory. Its memory holds one user at a time.
//!
//! The values that make new rollup rows are capped per guide (see [`MAX_STEPS_PER_GUIDE`],
//! [`MAX_VARIANTS_PER_GUIDE`], [`MAX_CHOICES_PER_GUIDE`]): a record with a value beyond the
//! cap is still stored whole, but counted under [`OTHER`], so that no client can make the
//! rollups, and every report that reads them, grow without bound.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Mutex;

use guidepost_core::funnel::{facts, report, set_text, text_set, Comments, Counts, Facts, Journey, Merge, MAX_COMMENTS};
use guidepost_core::goals::{GoalCounts, GoalSlice, HELD_OUT, SHOWN};
use guidepost_core::{EventKind, EventRecord, ExitReason, FunnelReport};
use rusqlite::{params, Connection, OptionalExtension};

use crate::store::{add_goal_row, day_range, fold, FunnelQuery, GuideDims, GuideSummary, Inserted, Store, DAY_MS, DIMS};
pub use crate::store::{MAX_CHOICES_PER_GUIDE, MAX_STEPS_PER_GUIDE, MAX_VARIANTS_PER_GUIDE, OTHER};

/// Bumped whenever the tables change; a database from another version is refused, except
/// versions 3 to 6, which are upgraded in place: missing tables are added, and the funnel
/// rollup is rebuilt from the stored records (version 7 replaced the counters of distinct
/// users with journeys).
pub const SCHEMA_VERSION: i64 = 7;

/// The record kinds goal reports read, copied to `experiment_facts` at ingest.
const EXPERIMENT_KINDS: &str = "'guide_shown', 'guide_held_out', 'guide_completed', 'goal_reached'";

fn is_experiment_fact(k: EventKind) -> bool {
    matches!(k, EventKind::GuideShown | EventKind::GuideHeldOut | EventKind::GuideCompleted | EventKind::GoalReached)
}

const TABLES: &str = "
     -- Append-only rows (rowid order = arrival order); the small unique index on
     -- event_id dedupes. One column per record field; `answer` is the survey answer as JSON.
     CREATE TABLE IF NOT EXISTS events(
       seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
       guide_id TEXT NOT NULL, guide_version INTEGER NOT NULL, step_id TEXT, step_index INTEGER,
       user_id TEXT NOT NULL, anonymous INTEGER NOT NULL, session_id TEXT NOT NULL, ts INTEGER NOT NULL,
       url TEXT NOT NULL, variant TEXT, reason TEXT, duration_ms INTEGER, answer TEXT);
     -- Core's journeys (see guidepost_core::funnel::Journey); step sets joined by U+001F.
     -- Keyed by user first: a report reads a guide's rows in user order and merges them
     -- one user at a time.
     CREATE TABLE IF NOT EXISTS journeys(
       guide_id TEXT NOT NULL, day INTEGER NOT NULL, version INTEGER NOT NULL, variant TEXT NOT NULL,
       user_id TEXT NOT NULL, session_id TEXT NOT NULL, shown INTEGER NOT NULL, completed INTEGER NOT NULL,
       viewed TEXT NOT NULL, done TEXT NOT NULL, missing TEXT NOT NULL, exit TEXT NOT NULL,
       PRIMARY KEY(guide_id, user_id, session_id, day, version, variant)) WITHOUT ROWID;
     CREATE TABLE IF NOT EXISTS tallies(
       guide_id TEXT NOT NULL, day INTEGER NOT NULL, version INTEGER NOT NULL, variant TEXT NOT NULL,
       step TEXT NOT NULL, metric TEXT NOT NULL, n INTEGER NOT NULL,
       PRIMARY KEY(guide_id, day, version, variant, step, metric)) WITHOUT ROWID;
     CREATE TABLE IF NOT EXISTS comments(guide_id TEXT NOT NULL, version INTEGER NOT NULL, variant TEXT NOT NULL,
       ts INTEGER NOT NULL, event_id TEXT NOT NULL, comment TEXT NOT NULL);
     CREATE INDEX IF NOT EXISTS comments_guide ON comments(guide_id, ts);
     -- The values that have rollup rows, per guide and capped dimension (see `DIMS`).
     CREATE TABLE IF NOT EXISTS dims(guide_id TEXT NOT NULL, dim TEXT NOT NULL, value TEXT NOT NULL,
       PRIMARY KEY(guide_id, dim, value)) WITHOUT ROWID;
     -- The records goal reports read (exposures, completions, goals), a small copy
     -- of `events` indexed by user (see `goals`).
     CREATE TABLE IF NOT EXISTS experiment_facts(guide_id TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL,
       ts INTEGER NOT NULL, version INTEGER NOT NULL, variant TEXT NOT NULL);
     CREATE INDEX IF NOT EXISTS experiment_facts_user ON experiment_facts(guide_id, user_id, kind, ts);";

/// The writer's copy of the `dims` table, per guide, loaded on first use.
#[derive(Default)]
struct Dims(HashMap<String, GuideDims>);

impl Dims {
    /// [`GuideDims::admit`] over the `dims` table, in the caller's transaction.
    fn admit(&mut self, tx: &Connection, guide: &str, d: usize, value: &str) -> Result<bool, String> {
        let reload = || -> Result<Vec<(String, String)>, String> {
            let fail = |e: rusqlite::Error| format!("cannot read the dims table: {e}");
            let mut stmt = tx.prepare_cached("SELECT dim, value FROM dims WHERE guide_id = ?1").map_err(fail)?;
            let rows = stmt.query_map([guide], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(fail)?;
            rows.collect::<Result<_, _>>().map_err(fail)
        };
        let record = || {
            tx.prepare_cached("INSERT OR IGNORE INTO dims(guide_id, dim, value) VALUES (?1, ?2, ?3)")
                .and_then(|mut s| s.execute(params![guide, DIMS[d].0, value]))
                .map(|_| ())
                .map_err(|e| format!("cannot write the dims table: {e}"))
        };
        self.0.entry(guide.to_string()).or_default().admit(d, value, reload, record)
    }

    /// `r` as its rollup rows see it (see [`fold`]).
    fn fold(&mut self, tx: &Connection, r: &EventRecord) -> Result<Option<EventRecord>, String> {
        fold(r, |d, value| self.admit(tx, &r.guide_id, d, value))
    }
}

/// One record ready to write: its rollup facts are computed by the calling thread,
/// outside the writer lock.
struct Row {
    rec: EventRecord,
    facts: Facts,
}

impl Row {
    fn new(r: &EventRecord) -> Row {
        Row { rec: r.clone(), facts: facts(r) }
    }
}

/// (guide, day, version, variant) of a rollup row.
type Slot = (String, i64, u32, String);

/// The rollup changes of one transaction, each written once.
#[derive(Default)]
struct Changes {
    /// (slot, user, session) -> what the transaction's records add to that journey.
    journeys: HashMap<(Slot, String, String), Journey>,
    /// (slot, step, metric) -> n.
    tallies: HashMap<(Slot, String, String), i64>,
    /// (slot, ts, event_id, comment).
    comments: Vec<(Slot, i64, String, String)>,
}

impl Changes {
    fn add(&mut self, r: &EventRecord, f: &Facts) {
        let variant = r.variant.clone().unwrap_or_default();
        let slot: Slot = (r.guide_id.clone(), r.timestamp.div_euclid(DAY_MS), r.guide_version, variant);
        if f.journey != Journey::default() {
            let key = (slot.clone(), r.user_id.clone(), r.session_id.clone());
            self.journeys.entry(key).or_default().merge(&f.journey);
        }
        for (step, metric) in &f.tallies {
            *self.tallies.entry((slot.clone(), step.clone(), metric.clone())).or_default() += 1;
        }
        if let Some(c) = &f.comment {
            self.comments.push((slot, r.timestamp, r.event_id.clone(), c.clone()));
        }
    }

    /// Writes the changes: each journey is read, merged and written back.
    fn write(self, tx: &Connection) -> Result<(), String> {
        let fail = |e: rusqlite::Error| format!("cannot write the funnel rollup: {e}");
        let mut read = tx
            .prepare_cached(
                "SELECT shown, completed, viewed, done, missing, exit FROM journeys
                 WHERE guide_id = ?1 AND day = ?2 AND version = ?3 AND variant = ?4 AND user_id = ?5 AND session_id = ?6",
            )
            .map_err(fail)?;
        let mut write = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO journeys(guide_id, day, version, variant, user_id, session_id, shown, completed, viewed, done, missing, exit)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
            )
            .map_err(fail)?;
        for (((g, day, version, variant), user, session), delta) in self.journeys {
            let mut j = read
                .query_row(params![g, day, version, variant, user, session], journey_of_row)
                .optional()
                .map_err(fail)?
                .unwrap_or_default();
            j.merge(&delta);
            write
                .execute(params![
                    g,
                    day,
                    version,
                    variant,
                    user,
                    session,
                    j.shown,
                    j.completed,
                    set_text(&j.viewed),
                    set_text(&j.done),
                    set_text(&j.missing),
                    j.exit
                ])
                .map_err(fail)?;
        }
        let mut bump = tx
            .prepare_cached(
                "INSERT INTO tallies(guide_id, day, version, variant, step, metric, n) VALUES (?1,?2,?3,?4,?5,?6,?7)
                 ON CONFLICT DO UPDATE SET n = n + excluded.n",
            )
            .map_err(fail)?;
        for (((g, day, version, variant), step, metric), n) in self.tallies {
            bump.execute(params![g, day, version, variant, step, metric, n]).map_err(fail)?;
        }
        let mut comment = tx
            .prepare_cached("INSERT INTO comments(guide_id, version, variant, ts, event_id, comment) VALUES (?1,?2,?3,?4,?5,?6)")
            .map_err(fail)?;
        for ((g, _, version, variant), ts, id, text) in self.comments {
            comment.execute(params![g, version, variant, ts, id, text]).map_err(fail)?;
        }
        Ok(())
    }
}

fn journey_of_row(r: &rusqlite::Row) -> rusqlite::Result<Journey> {
    let set = |i: usize| -> rusqlite::Result<BTreeSet<String>> { Ok(text_set(r.get_ref(i)?.as_str()?).map(str::to_string).collect()) };
    Ok(Journey { shown: r.get(0)?, completed: r.get(1)?, viewed: set(2)?, done: set(3)?, missing: set(4)?, exit: r.get(5)? })
}

/// Group commit: batches that arrive while a transaction is being written wait, and the
/// next writer commits all of them in one transaction (one fsync for many requests).
/// Each caller still returns only after the transaction holding its batch committed.
#[derive(Default)]
struct Group {
    queue: Vec<(u64, Vec<Row>)>,
    results: HashMap<u64, Result<Inserted, String>>,
    writing: bool,
    next: u64,
}

pub struct SqliteStore {
    pub(crate) conn: Mutex<Connection>,
    /// Only the writer uses it, while it holds `conn`.
    dims: Mutex<Dims>,
    group: Mutex<Group>,
    done: std::sync::Condvar,
}

/// Fills `experiment_facts` from the stored events (an upgrade from a version without it).
fn backfill_experiment_facts(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "INSERT INTO experiment_facts SELECT guide_id, user_id, kind, ts, guide_version, COALESCE(variant, '') FROM events
           WHERE kind IN ({EXPERIMENT_KINDS});"
    ))
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore, String> {
        let conn = Connection::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        Self::setup(conn)
    }

    pub fn in_memory() -> Result<SqliteStore, String> {
        Self::setup(Connection::open_in_memory().map_err(|e| e.to_string())?)
    }

    fn setup(mut conn: Connection) -> Result<SqliteStore, String> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| format!("cannot read the database: {e}"))?;
        let has_tables: bool = conn
            .query_row("SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE name = 'events')", [], |r| r.get(0))
            .map_err(|e| format!("cannot read the database: {e}"))?;
        let upgrade = has_tables && (3..=6).contains(&version);
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
             PRAGMA busy_timeout=5000;",
        )
        .map_err(|e| format!("cannot set up the database: {e}"))?;
        let store = SqliteStore {
            conn: Mutex::new(Connection::open_in_memory().map_err(|e| e.to_string())?),
            dims: Mutex::new(Dims::default()),
            group: Mutex::new(Group::default()),
            done: std::sync::Condvar::new(),
        };
        let set_up = (|| -> Result<(), String> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(|e| e.to_string())?;
            if upgrade {
                // Versions before 7 kept counters of distinct users (and an in-memory set of
                // what was counted): dropped, and rebuilt as journeys from the records.
                tx.execute_batch("DROP TABLE IF EXISTS uniq; DROP TABLE IF EXISTS counters; DROP TABLE IF EXISTS comments;")
                    .map_err(|e| e.to_string())?;
            }
            tx.execute_batch(TABLES).and_then(|_| tx.execute_batch(crate::guide_store::SQLITE_TABLES)).map_err(|e| e.to_string())?;
            if upgrade {
                tx.execute_batch("DELETE FROM dims;").map_err(|e| e.to_string())?;
                // Before version 6 `experiment_facts` did not exist (it was created empty above).
                if version < 6 {
                    backfill_experiment_facts(&tx).map_err(|e| e.to_string())?;
                }
                store.rebuild(&tx)?;
            }
            if !has_tables || upgrade {
                tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(|e| e.to_string())?;
            }
            tx.commit().map_err(|e| e.to_string())
        })();
        set_up.map_err(|e| format!("cannot set up the database: {e}"))?;
        *store.conn.lock().map_err(|_| "store lock poisoned")? = conn;
        Ok(store)
    }

    /// Replays every stored record into the rollup (an upgrade), in arrival order.
    fn rebuild(&self, tx: &Connection) -> Result<(), String> {
        let mut dims = self.dims.lock().map_err(|_| "store lock poisoned")?;
        let mut changes = Changes::default();
        let mut stmt = tx.prepare(&format!("SELECT {RECORD_COLUMNS} FROM events ORDER BY seq")).map_err(|e| e.to_string())?;
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        let mut pending = 0;
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            let r = record_of_row(row).map_err(|e| e.to_string())?;
            let r = dims.fold(tx, &r)?.unwrap_or(r);
            changes.add(&r, &facts(&r));
            pending += 1;
            if pending == 50_000 {
                std::mem::take(&mut changes).write(tx)?;
                pending = 0;
            }
        }
        changes.write(tx)
    }

    /// Number of stored events (for tests and the CLI).
    pub fn count(&self) -> Result<u64, String> {
        let c = self.conn.lock().map_err(|_| "poisoned")?;
        c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0)).map(|n| n as u64).map_err(|e| e.to_string())
    }

    /// Writes several batches in one transaction; one `Inserted` per batch.
    fn write_batches(&self, batches: &mut [(u64, Vec<Row>)]) -> Result<Vec<Inserted>, String> {
        let mut dims = self.dims.lock().map_err(|_| "store lock poisoned")?;
        let mut c = self.conn.lock().map_err(|_| "store lock poisoned")?;
        // IMMEDIATE: the write lock is taken now, so another process's journeys cannot
        // change between this transaction's reads and writes.
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(|e| e.to_string())?;
        let written = (|| -> Result<Vec<Inserted>, String> {
            let mut outs = vec![Inserted::default(); batches.len()];
            let mut changes = Changes::default();
            {
                let mut ins = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO events(event_id, kind, guide_id, guide_version, step_id, step_index, user_id,
                         anonymous, session_id, ts, url, variant, reason, duration_ms, answer)
                         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                    )
                    .map_err(|e| e.to_string())?;
                let mut fact = tx
                    .prepare_cached(
                        "INSERT INTO experiment_facts(guide_id, user_id, kind, ts, version, variant) VALUES (?1,?2,?3,?4,?5,?6)",
                    )
                    .map_err(|e| e.to_string())?;
                for ((_, rows), out) in batches.iter_mut().zip(outs.iter_mut()) {
                    for row in rows.iter_mut() {
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
                        // Values beyond the per-guide caps are counted under OTHER.
                        if let Some(f) = dims.fold(&tx, r)? {
                            *row = Row::new(&f);
                        }
                        changes.add(&row.rec, &row.facts);
                    }
                }
            }
            changes.write(&tx)?;
            Ok(outs)
        })();
        let outs = match written.and_then(|o| tx.commit().map(|_| o).map_err(|e| e.to_string())) {
            Ok(o) => o,
            Err(e) => {
                // `dims` may hold values of the rolled-back transaction: forget them (they are reloaded).
                dims.0.clear();
                return Err(e);
            }
        };
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
        let fail = |e: rusqlite::Error| format!("cannot read the funnel rollup: {e}");
        let (from_day, to_day) = day_range(q);
        let slice = "guide_id = ?1 AND day BETWEEN ?2 AND ?3 AND (?4 IS NULL OR version = ?4) AND (?5 IS NULL OR variant = ?5)";
        let args = params![q.guide_id, from_day, to_day, q.version, q.variant];
        let mut merge = Merge::default();
        let mut stmt = c
            .prepare_cached(&format!(
                "SELECT shown, completed, viewed, done, missing, exit, user_id, session_id FROM journeys WHERE {slice}
                 ORDER BY user_id, session_id"
            ))
            .map_err(fail)?;
        let mut rows = stmt.query(args).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            // Borrowed from the row: nothing is allocated for a user already seen.
            let text = |i: usize| -> rusqlite::Result<&str> { Ok(row.get_ref(i)?.as_str()?) };
            let sets = [text(2).map_err(fail)?, text(3).map_err(fail)?, text(4).map_err(fail)?];
            let (shown, completed) = (row.get(0).map_err(fail)?, row.get(1).map_err(fail)?);
            merge.add_joined(text(6).map_err(fail)?, text(7).map_err(fail)?, shown, completed, sets, text(5).map_err(fail)?)?;
        }
        let mut counts = Counts::new();
        merge.count_into(&mut counts);
        let mut stmt =
            c.prepare_cached(&format!("SELECT step, metric, SUM(n) FROM tallies WHERE {slice} GROUP BY step, metric")).map_err(fail)?;
        let tallies =
            stmt.query_map(args, |r| Ok(((r.get::<_, String>(0)?, r.get::<_, String>(1)?), r.get::<_, i64>(2)? as u64))).map_err(fail)?;
        for t in tallies {
            let (k, n) = t.map_err(fail)?;
            *counts.entry(k).or_default() += n;
        }
        let mut stmt = c
            .prepare_cached(&format!(
                "SELECT ts, event_id, comment FROM comments WHERE guide_id = ?1 AND ts >= ?2 AND ts < ?3
                 AND (?4 IS NULL OR version = ?4) AND (?5 IS NULL OR variant = ?5) ORDER BY ts DESC, event_id DESC LIMIT {MAX_COMMENTS}"
            ))
            .map_err(fail)?;
        let mut comments = Comments::default();
        let (lo, hi) = (from_day.saturating_mul(DAY_MS), to_day.saturating_add(1).saturating_mul(DAY_MS));
        let args = params![q.guide_id, lo, hi, q.version, q.variant];
        for row in stmt.query_map(args, |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))).map_err(fail)? {
            let (ts, id, text) = row.map_err(fail)?;
            comments.add(ts, &id, &text);
        }
        Ok(report(&q.guide_id, &counts, comments.newest_first()))
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
        let fail = |e: rusqlite::Error| format!("cannot read the funnel rollup: {e}");
        // Every guide with any rollup row is listed (a survey-only guide too).
        let mut out: std::collections::BTreeMap<String, GuideSummary> = Default::default();
        let mut stmt = c
            .prepare("SELECT guide_id, version, variant FROM journeys UNION SELECT guide_id, version, variant FROM tallies")
            .map_err(fail)?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get::<_, String>(2)?))).map_err(fail)? {
            let (guide_id, version, variant) = row.map_err(fail)?;
            let g = out.entry(guide_id.clone()).or_insert_with(|| GuideSummary {
                guide_id,
                shown_users: 0,
                completed_users: 0,
                completion_rate: 0.0,
                versions: vec![],
                variants: vec![],
            });
            g.versions.push(version);
            if !variant.is_empty() {
                g.variants.push(variant);
            }
        }
        let mut stmt = c
            .prepare(
                "SELECT guide_id, SUM(shown), SUM(completed) FROM (
                   SELECT guide_id, MAX(shown) AS shown, MAX(completed) AS completed FROM journeys GROUP BY guide_id, user_id
                 ) GROUP BY guide_id",
            )
            .map_err(fail)?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))).map_err(fail)? {
            let (guide_id, shown, done) = row.map_err(fail)?;
            if let Some(g) = out.get_mut(&guide_id) {
                g.shown_users = shown as u64;
                g.completed_users = done as u64;
                g.completion_rate = guidepost_core::ratio(done as u64, shown as u64);
            }
        }
        Ok(out
            .into_values()
            .map(|mut g| {
                g.versions.sort();
                g.versions.dedup();
                g.variants.sort();
                g.variants.dedup();
                g
            })
            .collect())
    }
}

/// The columns [`record_of_row`] reads, in order.
const RECORD_COLUMNS: &str =
    "event_id, kind, guide_id, guide_version, step_id, step_index, user_id, anonymous, session_id, ts, url, variant, reason, duration_ms, answer";

/// Reads one stored record back (tests and debugging).
pub fn stored_record(store: &SqliteStore, event_id: &str) -> Result<Option<EventRecord>, String> {
    let c = store.conn.lock().map_err(|_| "poisoned")?;
    c.query_row(&format!("SELECT {RECORD_COLUMNS} FROM events WHERE event_id = ?1"), [event_id], record_of_row)
        .optional()
        .map_err(|e| e.to_string())
}

/// A record from a row of [`RECORD_COLUMNS`].
fn record_of_row(r: &rusqlite::Row) -> rusqlite::Result<EventRecord> {
    let bad = |i: usize, what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, format!("stored {what} {v:?} is not valid").into())
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
}
