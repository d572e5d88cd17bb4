//! The guide store on ClickHouse, so that several stateless collectors can share one
//! database for guides as they do for events.
//!
//! ClickHouse has no transactions and no unique keys, so every table is insert-only
//! (plain `MergeTree`, nothing is updated or deleted) and the current state is read with
//! `argMax(..., (seq, nonce))` / `ORDER BY ... LIMIT 1`:
//!
//! - `guide_drafts(guide_id, revision, nonce, json, name, has_name, updated_at, updated_by)`:
//!   one row per saved revision; the draft is the live row with the highest revision.
//! - `guide_versions(guide_id, version, nonce, json, created_at, created_by)`: one row per
//!   published version, never changed.
//! - `guide_log(seq, nonce, at, who, action, environment, guide_id, version, version_nonce,
//!   replaced_version)`: the publish log, which is also the publication state: what an
//!   environment serves of a guide is the `version` of its live entry with the highest
//!   `seq` (0: nothing), and `version_nonce` names the exact `guide_versions` row served.
//! - `guide_withdrawn(nonce, at)`: rows of the three tables above that lost a race (see
//!   below) and must be ignored; a row is *live* when its nonce is not listed here.
//!
//! **Claims.** Revisions, version numbers and log sequence numbers are allocated as
//! max + 1, read just before the insert, and the insert is then checked: every row carries
//! a random 64-bit `nonce`, and after inserting it the writer looks for another live row at
//! the same key (guide and revision; guide and version; for the log, any entry at the same
//! seq *or a later one*). If there is one, the writer withdraws its own row and tries again
//! from a fresh read (up to [`CLAIM_ATTEMPTS`] times, with a growing random pause). On one
//! ClickHouse server an insert is visible to every query that starts after it returned, so
//! of two writers that claimed the same key at least one sees the other: at most one keeps
//! its claim (both may withdraw and retry). Consequences:
//! - a stale `If-Match` is refused ([`GuideError::Stale`]) across collectors too, and two
//!   saves based on the same revision never both succeed;
//! - a version number is never given to two contents (numbers are max + 1 over every row,
//!   withdrawn or not, so a number that lost a race is skipped, never reused);
//! - a successful change of publication is the newest live log entry when its call returns,
//!   so what an environment serves is the result of the last call to return, whatever
//!   collector made it; `seq`s are unique among live entries but may have gaps.
//!
//! What is only best effort: (1) between a losing insert and its withdrawal (a few
//! milliseconds) readers can see the losing row: a draft read, a `/v1/config` body built in
//! that window, or another writer's decision (the `replaced_version` it answers, the version
//! a promote copies). The withdrawal changes [`GuideStore::generation`], so bodies are rebuilt
//! at the next check, and what is served is always a version that was really published (it
//! is pinned by `version_nonce`). The log's `replaced_version` is derived when the log is read
//! (the previous live entry of the same environment and guide), so the history always chains.
//! (2) A process killed inside that window leaves its losing row live: two rows then share a
//! key and readers take the one with the highest nonce (a draft revision or a log entry may
//! show twice in the history). (3) The cap of [`MAX_GUIDES`] is checked before the insert, so
//! concurrent creations of *new* guides can exceed it by the number of concurrent writers.
//! (4) A publish whose log entry could not be written (crash, or [`CLAIM_ATTEMPTS`] lost
//! races, answered as a store error, 503) leaves an unreferenced row in `guide_versions`: it is
//! never listed nor served. (5) All of this assumes one ClickHouse server (or reads and writes
//! going to the same replica): with asynchronous replication, read-after-write does not hold.
//! (6) Tables only grow: every draft save is a row (a TTL or a periodic copy of the newest
//! revisions could bound `guide_drafts`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use guidepost_core::Severity;
use serde_json::{json, Value};

use crate::clickhouse::{quote, ClickHouseStore};
use crate::guide_store::{
    diagnose, draft_text, parse_json, stale, with_version, Actor, Draft, Env, GuideError, GuideStore, LogEntry, Published, PublishedIn,
    Saved, StoredGuide, VersionInfo, MAX_GUIDES, MAX_LOG_ENTRIES,
};

/// Times a write is tried when it keeps losing races to other writers of the same key.
pub const CLAIM_ATTEMPTS: u32 = 32;

/// The guide store's tables, created when missing.
pub(crate) fn tables(db: &str) -> [String; 4] {
    [
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.guide_drafts (
               guide_id String, revision Int64, nonce UInt64, json String, name String, has_name UInt8,
               updated_at Int64, updated_by String
             ) ENGINE = MergeTree() ORDER BY (guide_id, revision) SETTINGS index_granularity = 64"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.guide_versions (
               guide_id String, version UInt32, nonce UInt64, json String, created_at Int64, created_by String
             ) ENGINE = MergeTree() ORDER BY (guide_id, version) SETTINGS index_granularity = 64"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.guide_log (
               seq UInt64, nonce UInt64, at Int64, who String, action String, environment String, guide_id String,
               version UInt32, version_nonce UInt64, replaced_version UInt32
             ) ENGINE = MergeTree() ORDER BY seq"
        ),
        format!("CREATE TABLE IF NOT EXISTS {db}.guide_withdrawn (nonce UInt64, at Int64) ENGINE = MergeTree() ORDER BY nonce"),
    ]
}

/// A random non-zero 64-bit number (std's randomly keyed SipHash over a counter, the time
/// and the process id: no extra dependency).
fn nonce() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    h.finish().max(1)
}

/// A pause before another attempt, random so that two writers do not collide again, and
/// growing (up to 2^attempt ms, at most 250 ms) so that many writers spread out: a loaded
/// machine with six writers publishing at once made 16 short pauses too few.
fn backoff(attempt: u32) {
    if attempt > 0 {
        let ceiling = (1u64 << attempt.min(8)).clamp(4, 250);
        std::thread::sleep(Duration::from_millis(nonce() % ceiling));
    }
}

/// ClickHouse writes 64-bit integers as JSON strings by default.
fn uint(v: &Value) -> u64 {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}

fn int(v: &Value) -> i64 {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// A version column: 0 is none.
fn version_of(v: &Value) -> Option<u32> {
    u32::try_from(uint(v)).ok().filter(|&n| n > 0)
}

fn env_of(v: &Value) -> Result<Env, GuideError> {
    Env::parse(v.as_str().unwrap_or_default()).map_err(GuideError::Store)
}

fn index(env: Env) -> usize {
    match env {
        Env::Staging => 0,
        Env::Production => 1,
    }
}

fn busy(id: &str) -> GuideError {
    GuideError::Store(format!("guide \"{id}\": {CLAIM_ATTEMPTS} attempts lost to concurrent changes; try again"))
}

/// What an environment serves of a guide: the version and the nonce of its row.
type Served = Option<(u32, u64)>;

/// The publish log as one guide sees it: the newest sequence number (of any guide) and what
/// each environment serves of the guide.
struct Head {
    seq: u64,
    served: [Served; 2],
}

/// What a publication change writes: `Set` the served version (`None`: nothing), or
/// nothing at all with this answer.
enum Change {
    Set(Served),
    Nothing(Published),
}

impl ClickHouseStore {
    fn select(&self, query: String) -> Result<Vec<Value>, GuideError> {
        self.rows(&query).map_err(GuideError::Store)
    }

    /// The condition selecting live rows (not withdrawn).
    fn live(&self) -> String {
        format!("nonce NOT IN (SELECT nonce FROM {}.guide_withdrawn)", self.db)
    }

    /// Inserts one row; the text goes in as JSON (`JSONEachRow`), so it needs no escaping.
    fn insert_row(&self, table: &str, row: &Value) -> Result<(), GuideError> {
        self.exec(&format!("INSERT INTO {}.{table} FORMAT JSONEachRow", self.db), &format!("{row}\n"))
            .map(|_| ())
            .map_err(GuideError::Store)
    }

    fn withdraw(&self, nonce: u64, at: i64) -> Result<(), GuideError> {
        self.insert_row("guide_withdrawn", &json!({ "nonce": nonce, "at": at }))
    }

    /// Inserts `row` (whose nonce is `nonce`) into `table`, then looks for another live row
    /// matching `key`: true when there is none (the row holds the key); otherwise the row is
    /// withdrawn and the answer is false (try again from a fresh read).
    fn claim(&self, table: &str, key: &str, row: &Value, nonce: u64, at: i64) -> Result<bool, GuideError> {
        self.insert_row(table, row)?;
        let others =
            self.select(format!("SELECT nonce FROM {}.{table} WHERE {key} AND nonce != {nonce} AND {} LIMIT 1", self.db, self.live()));
        match others {
            Ok(o) if o.is_empty() => Ok(true),
            Ok(_) => {
                self.withdraw(nonce, at)?;
                Ok(false)
            }
            Err(e) => {
                // Undecided: better not to count it (the caller answers an error).
                let _ = self.withdraw(nonce, at);
                Err(e)
            }
        }
    }

    fn current_revision(&self, id: &str) -> Result<Option<i64>, GuideError> {
        let rows = self.select(format!(
            "SELECT max(revision) AS r, count() AS n FROM {}.guide_drafts WHERE guide_id = {} AND {}",
            self.db,
            quote(id),
            self.live()
        ))?;
        Ok(rows.first().filter(|r| uint(&r["n"]) > 0).map(|r| int(&r["r"])))
    }

    fn head(&self, id: &str) -> Result<Head, GuideError> {
        let g = quote(id);
        let rows = self.select(format!(
            "SELECT max(seq) AS head,
               argMaxIf(version, (seq, nonce), guide_id = {g} AND environment = 'staging') AS sv,
               argMaxIf(version_nonce, (seq, nonce), guide_id = {g} AND environment = 'staging') AS sn,
               argMaxIf(version, (seq, nonce), guide_id = {g} AND environment = 'production') AS pv,
               argMaxIf(version_nonce, (seq, nonce), guide_id = {g} AND environment = 'production') AS pn
             FROM {}.guide_log WHERE {}",
            self.db,
            self.live()
        ))?;
        let r = rows.first().cloned().unwrap_or(Value::Null);
        let served = |v: &str, n: &str| version_of(&r[v]).map(|v| (v, uint(&r[n])));
        Ok(Head { seq: uint(&r["head"]), served: [served("sv", "sn"), served("pv", "pn")] })
    }

    /// Appends a log entry for `id` in `env`, as `decide` says from the current head; a lost
    /// race for the sequence number is retried from a fresh head.
    fn append(
        &self,
        id: &str,
        env: Env,
        action: &str,
        by: &Actor,
        decide: impl Fn(&Head) -> Result<Change, GuideError>,
    ) -> Result<Published, GuideError> {
        for attempt in 0..CLAIM_ATTEMPTS {
            backoff(attempt);
            let head = self.head(id)?;
            let target = match decide(&head)? {
                Change::Set(t) => t,
                Change::Nothing(p) => return Ok(p),
            };
            let replaced = head.served[index(env)].map(|(v, _)| v);
            let seq = head.seq + 1;
            let nonce = nonce();
            let row = json!({
                "seq": seq, "nonce": nonce, "at": by.at, "who": by.who, "action": action, "environment": env.as_str(),
                "guide_id": id, "version": target.map_or(0, |t| t.0), "version_nonce": target.map_or(0, |t| t.1),
                "replaced_version": replaced.unwrap_or(0),
            });
            // Any other live entry at this seq *or later* makes this one lose: an entry never
            // lands behind one that is already visible (a writer with an old head cannot
            // reorder history by filling a slot that both of its claimers gave up).
            if self.claim("guide_log", &format!("seq >= {seq}"), &row, nonce, by.at)? {
                return Ok(Published { environment: env, version: target.map(|t| t.0), replaced_version: replaced });
            }
        }
        Err(busy(id))
    }

    /// Inserts `json` as the next version of `id` (max + 1 over every row, so a number is
    /// never reused); its number and nonce.
    fn new_version(&self, id: &str, json: &Value, by: &Actor) -> Result<(u32, u64), GuideError> {
        for attempt in 0..CLAIM_ATTEMPTS {
            backoff(attempt);
            let rows = self.select(format!("SELECT max(version) AS v FROM {}.guide_versions WHERE guide_id = {}", self.db, quote(id)))?;
            let next = rows.first().map(|r| uint(&r["v"])).unwrap_or(0) as u32 + 1;
            let text = serde_json::to_string(&with_version(json, next)).map_err(|e| GuideError::Store(e.to_string()))?;
            let nonce = nonce();
            let row = json!({
                "guide_id": id, "version": next, "nonce": nonce, "json": text, "created_at": by.at, "created_by": by.who,
            });
            if self.claim("guide_versions", &format!("guide_id = {} AND version = {next}", quote(id)), &row, nonce, by.at)? {
                return Ok((next, nonce));
            }
        }
        Err(busy(id))
    }

    /// The condition selecting the `guide_versions` rows of `id` that a log entry published
    /// (the others lost a race or were never logged).
    fn logged(&self, id: &str) -> String {
        format!(
            "(version, nonce) IN (SELECT version, version_nonce FROM {}.guide_log WHERE guide_id = {} AND version > 0 AND {})",
            self.db,
            quote(id),
            self.live()
        )
    }

    fn version_text(&self, id: &str, version: u32) -> Result<Option<String>, GuideError> {
        let rows = self.select(format!(
            "SELECT json FROM {}.guide_versions WHERE guide_id = {} AND version = {version} AND {} ORDER BY nonce DESC LIMIT 1
            ",
            self.db,
            quote(id),
            self.logged(id)
        ))?;
        Ok(rows.first().map(|r| text(&r["json"])))
    }
}

impl GuideStore for ClickHouseStore {
    fn save_draft(&self, id: &str, json: &Value, if_match: Option<i64>, by: &Actor) -> Result<Saved, GuideError> {
        let text = draft_text(json)?;
        let diagnostics = diagnose(id, json);
        let name = json.get("name").and_then(Value::as_str);
        for attempt in 0..CLAIM_ATTEMPTS {
            backoff(attempt);
            let current = self.current_revision(id)?;
            stale(if_match, current.unwrap_or(0))?;
            if current.is_none() {
                let rows = self.select(format!("SELECT uniqExact(guide_id) AS n FROM {}.guide_drafts WHERE {}", self.db, self.live()))?;
                let n = rows.first().map(|r| uint(&r["n"])).unwrap_or(0);
                if n as usize >= MAX_GUIDES {
                    return Err(GuideError::Conflict(format!("the store holds {n} guides, the most it takes ({MAX_GUIDES})")));
                }
            }
            let revision = current.unwrap_or(0) + 1;
            let nonce = nonce();
            let row = json!({
                "guide_id": id, "revision": revision, "nonce": nonce, "json": text, "name": name.unwrap_or_default(),
                "has_name": u8::from(name.is_some()), "updated_at": by.at, "updated_by": by.who,
            });
            if self.claim("guide_drafts", &format!("guide_id = {} AND revision = {revision}", quote(id)), &row, nonce, by.at)? {
                return Ok(Saved { revision, diagnostics });
            }
        }
        Err(busy(id))
    }

    fn draft(&self, id: &str) -> Result<Option<Draft>, GuideError> {
        let rows = self.select(format!(
            "SELECT json, revision, updated_at, updated_by FROM {}.guide_drafts WHERE guide_id = {} AND {}
             ORDER BY revision DESC, nonce DESC LIMIT 1",
            self.db,
            quote(id),
            self.live()
        ))?;
        rows.first()
            .map(|r| {
                Ok(Draft {
                    json: parse_json(r["json"].as_str().unwrap_or_default(), "draft")?,
                    revision: int(&r["revision"]),
                    updated_at: int(&r["updated_at"]),
                    updated_by: text(&r["updated_by"]),
                })
            })
            .transpose()
    }

    fn publish(&self, id: &str, env: Env, if_match: Option<i64>, by: &Actor) -> Result<Published, GuideError> {
        let draft = self.draft(id)?.ok_or_else(|| GuideError::NotFound(format!("no draft of guide \"{id}\"")))?;
        stale(if_match, draft.revision)?;
        let diagnostics = diagnose(id, &draft.json);
        if diagnostics.iter().any(|d| d.severity == Severity::Error) {
            return Err(GuideError::Invalid(diagnostics));
        }
        let v = self.new_version(id, &draft.json, by)?;
        self.append(id, env, "publish", by, |_| Ok(Change::Set(Some(v))))
    }

    fn promote(&self, id: &str, from: Env, to: Env, by: &Actor) -> Result<Published, GuideError> {
        if from == to {
            return Err(GuideError::BadRequest(format!("from and to are both {from}")));
        }
        self.append(id, to, "promote", by, |h| match h.served[index(from)] {
            Some(v) => Ok(Change::Set(Some(v))),
            None => Err(GuideError::Conflict(format!("{from} serves no version of guide \"{id}\": nothing to promote"))),
        })
    }

    fn unpublish(&self, id: &str, env: Env, by: &Actor) -> Result<Published, GuideError> {
        self.append(id, env, "unpublish", by, |h| match h.served[index(env)] {
            Some(_) => Ok(Change::Set(None)),
            None => Ok(Change::Nothing(Published { environment: env, version: None, replaced_version: None })),
        })
    }

    fn rollback(&self, id: &str, env: Env, version: u32, by: &Actor) -> Result<Published, GuideError> {
        let text =
            self.version_text(id, version)?.ok_or_else(|| GuideError::NotFound(format!("guide \"{id}\" has no version {version}")))?;
        let v = self.new_version(id, &parse_json(&text, "version")?, by)?;
        self.append(id, env, "rollback", by, |_| Ok(Change::Set(Some(v))))
    }

    fn versions(&self, id: &str) -> Result<Option<Vec<VersionInfo>>, GuideError> {
        if self.current_revision(id)?.is_none() {
            return Ok(None);
        }
        let head = self.head(id)?;
        let rows = self.select(format!(
            "SELECT version, created_at, created_by FROM {}.guide_versions WHERE guide_id = {} AND {}
             ORDER BY version DESC, nonce DESC LIMIT 1 BY version",
            self.db,
            quote(id),
            self.logged(id)
        ))?;
        Ok(Some(
            rows.iter()
                .map(|r| {
                    let version = uint(&r["version"]) as u32;
                    VersionInfo {
                        version,
                        created_at: int(&r["created_at"]),
                        created_by: text(&r["created_by"]),
                        environments: Env::ALL.into_iter().filter(|e| head.served[index(*e)].map(|s| s.0) == Some(version)).collect(),
                    }
                })
                .collect(),
        ))
    }

    fn version(&self, id: &str, version: u32) -> Result<Option<Value>, GuideError> {
        self.version_text(id, version)?.map(|t| parse_json(&t, "version")).transpose()
    }

    /// `replaced_version` is derived from the log itself (the previous live entry of the same
    /// environment and guide), so the history always chains even when a writer decided from
    /// an entry that then lost a race (the stored column keeps what that writer saw).
    fn log(&self, guide: Option<&str>, limit: usize) -> Result<Vec<LogEntry>, GuideError> {
        let limit = limit.min(MAX_LOG_ENTRIES);
        let only = guide.map(|g| format!(" AND guide_id = {}", quote(g))).unwrap_or_default();
        let rows = self.select(format!(
            "SELECT seq, at, who, action, environment, guide_id, version FROM {}.guide_log WHERE {}{only} ORDER BY seq, nonce",
            self.db,
            self.live()
        ))?;
        let mut last: std::collections::HashMap<(Env, String), Option<u32>> = Default::default();
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let e = LogEntry {
                seq: int(&r["seq"]),
                at: int(&r["at"]),
                who: text(&r["who"]),
                action: text(&r["action"]),
                environment: env_of(&r["environment"])?,
                guide_id: text(&r["guide_id"]),
                version: version_of(&r["version"]),
                replaced_version: None,
            };
            let replaced = last.insert((e.environment, e.guide_id.clone()), e.version).flatten();
            out.push(LogEntry { replaced_version: replaced, ..e });
        }
        out.reverse();
        out.truncate(limit);
        Ok(out)
    }

    fn list(&self) -> Result<Vec<StoredGuide>, GuideError> {
        let served = self.select(format!(
            "SELECT guide_id, environment, argMax(version, (seq, nonce)) AS v FROM {}.guide_log WHERE {}
             GROUP BY guide_id, environment",
            self.db,
            self.live()
        ))?;
        let mut published: std::collections::HashMap<String, PublishedIn> = Default::default();
        for r in &served {
            let p = published.entry(text(&r["guide_id"])).or_default();
            match env_of(&r["environment"])? {
                Env::Staging => p.staging = version_of(&r["v"]),
                Env::Production => p.production = version_of(&r["v"]),
            }
        }
        let drafts = self.select(format!(
            "SELECT guide_id, argMax(name, (revision, nonce)) AS n, argMax(has_name, (revision, nonce)) AS has,
               max(revision) AS rev, argMax(updated_at, (revision, nonce)) AS at, argMax(json, (revision, nonce)) AS json
             FROM {}.guide_drafts WHERE {} GROUP BY guide_id ORDER BY guide_id",
            self.db,
            self.live()
        ))?;
        Ok(drafts
            .iter()
            .map(|r| {
                let id = text(&r["guide_id"]);
                StoredGuide {
                    name: (uint(&r["has"]) == 1).then(|| text(&r["n"])),
                    draft_revision: int(&r["rev"]),
                    updated_at: int(&r["at"]),
                    published: published.remove(&id).unwrap_or_default(),
                    kind: crate::guide_store::kind_of_draft(&serde_json::from_str(&text(&r["json"])).unwrap_or(Value::Null)),
                    id,
                }
            })
            .collect())
    }

    fn published(&self, env: Env) -> Result<Vec<(String, String)>, GuideError> {
        let rows = self.select(format!(
            "SELECT guide_id, json FROM {db}.guide_versions
             WHERE (guide_id, version, nonce) IN (
               SELECT guide_id, argMax(version, (seq, nonce)), argMax(version_nonce, (seq, nonce))
               FROM {db}.guide_log WHERE environment = {env} AND {live} GROUP BY guide_id)
             ORDER BY guide_id LIMIT 1 BY guide_id",
            db = self.db,
            env = quote(env.as_str()),
            live = self.live()
        ))?;
        Ok(rows.iter().map(|r| (text(&r["guide_id"]), text(&r["json"]))).collect())
    }

    /// The number of log entries plus the number of withdrawn rows: every change of what an
    /// environment serves adds one or the other (and nothing ever removes a row).
    fn generation(&self) -> Result<i64, GuideError> {
        let rows = self.select(format!(
            "SELECT (SELECT count() FROM {db}.guide_log) + (SELECT count() FROM {db}.guide_withdrawn) AS g",
            db = self.db
        ))?;
        Ok(rows.first().map(|r| int(&r["g"])).unwrap_or(0))
    }
}
