//! The guide store: guides authored in the collector, with one editable draft per guide,
//! immutable published versions, two environments (staging and production), rollback and
//! an append-only publish log.
//!
//! - A draft is saved whatever its content (authors work in steps), as long as it is a JSON
//!   object of at most [`MAX_GUIDE_BYTES`]; each save bumps its `revision`, and a save may
//!   name the revision it edits (a stale one is refused, see [`GuideError::Stale`]).
//! - Publishing validates the draft with core's loader; a draft with any error is refused.
//!   Otherwise it becomes version N+1 (its JSON gets `"version": N+1`), which is never
//!   changed nor deleted afterwards.
//! - An environment serves at most one version of each guide ([`GuideStore::published`]);
//!   every change of what it serves is logged ([`GuideStore::log`]), and changes the
//!   store's [`GuideStore::generation`], which collectors sharing a database compare to know
//!   when to rebuild what they serve.
//!
//! Two implementations: [`SqliteStore`] (below; transactions make every operation atomic)
//! and the ClickHouse store ([`crate::clickhouse_guides`]; insert-only tables, checked
//! claims instead of transactions, see its caveats).

use std::fmt;

use guidepost_core::{load_guides_value, Diagnostic, Severity};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::SqliteStore;

/// Most guides a store holds (drafts); saving a new guide beyond it is refused.
pub const MAX_GUIDES: usize = 1000;
/// Largest guide JSON, bytes.
pub const MAX_GUIDE_BYTES: usize = 1 << 20;
/// Longest author name (`x-guidepost-author`), characters.
pub const MAX_AUTHOR_CHARS: usize = 128;
/// Most publish log entries one call returns.
pub const MAX_LOG_ENTRIES: usize = 1000;

/// Where a guide version is served.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Env {
    Staging,
    Production,
}

impl Env {
    pub const ALL: [Env; 2] = [Env::Staging, Env::Production];

    pub fn as_str(self) -> &'static str {
        match self {
            Env::Staging => "staging",
            Env::Production => "production",
        }
    }

    /// Parses `staging` or `production`; the error is the message the API answers with.
    pub fn parse(s: &str) -> Result<Env, String> {
        match s {
            "staging" => Ok(Env::Staging),
            "production" => Ok(Env::Production),
            other => Err(format!("unknown environment {}: expected staging or production", Value::String(other.to_string()))),
        }
    }
}

impl fmt::Display for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `s` can be a guide id (the rule of core's loader: 1 to 128 characters among
/// ASCII letters, digits and `-_.:`).
pub fn valid_guide_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// Why a guide store operation did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum GuideError {
    /// No such guide, draft or version (404).
    NotFound(String),
    /// The draft is at `revision`, not at the one the edit was based on (409).
    Stale { revision: i64 },
    /// The operation does not fit the current state, e.g. promoting from an environment
    /// that serves nothing, or a new guide beyond [`MAX_GUIDES`] (409).
    Conflict(String),
    /// The draft has errors: it cannot be published (422).
    Invalid(Vec<Diagnostic>),
    /// The request itself is wrong (400).
    BadRequest(String),
    /// The database failed (503).
    Store(String),
}

impl fmt::Display for GuideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuideError::NotFound(m) | GuideError::Conflict(m) | GuideError::BadRequest(m) | GuideError::Store(m) => f.write_str(m),
            GuideError::Stale { revision } => write!(f, "stale revision (the draft is at revision {revision})"),
            GuideError::Invalid(d) => {
                write!(f, "the draft has errors:")?;
                for x in d.iter().filter(|x| x.severity == Severity::Error) {
                    write!(f, "\n  {x}")?;
                }
                Ok(())
            }
        }
    }
}

impl From<rusqlite::Error> for GuideError {
    fn from(e: rusqlite::Error) -> Self {
        GuideError::Store(e.to_string())
    }
}

/// A guide's draft.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Draft {
    pub revision: i64,
    pub json: Value,
    pub updated_at: i64,
    pub updated_by: String,
}

/// A saved draft: its new revision and what core's loader says about it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Saved {
    pub revision: i64,
    pub diagnostics: Vec<Diagnostic>,
}

/// One published version, as listed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct VersionInfo {
    pub version: u32,
    pub created_at: i64,
    pub created_by: String,
    /// The environments serving it now.
    pub environments: Vec<Env>,
}

/// What a change of publication did: the version the environment serves now (`None` after
/// an unpublish) and the one it served before.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Published {
    pub environment: Env,
    pub version: Option<u32>,
    pub replaced_version: Option<u32>,
}

/// One entry of the publish log.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub seq: i64,
    pub at: i64,
    pub who: String,
    /// `publish`, `promote`, `rollback` or `unpublish`.
    pub action: String,
    pub environment: Env,
    pub guide_id: String,
    /// The version served after the action (`None` after an unpublish).
    pub version: Option<u32>,
    pub replaced_version: Option<u32>,
}

/// What each environment serves of a guide.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct PublishedIn {
    pub staging: Option<u32>,
    pub production: Option<u32>,
}

/// One guide of the store, as listed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StoredGuide {
    pub id: String,
    /// The draft's `name` when it has a string one.
    pub name: Option<String>,
    pub draft_revision: i64,
    pub updated_at: i64,
    pub published: PublishedIn,
    /// The kind of the draft's first step (`tour` when it has several steps), for lists.
    pub kind: Option<String>,
}

/// Who did something, and when (milliseconds since 1970).
#[derive(Clone, Debug)]
pub struct Actor<'a> {
    pub who: &'a str,
    pub at: i64,
}

/// Where guides are authored and published. Every method is blocking (run it off the
/// async workers).
pub trait GuideStore: Send + Sync {
    /// Saves `json` as the draft of `id`, valid or not. `if_match`: the revision the edit
    /// was based on (0 for a guide that does not exist yet); another one is
    /// [`GuideError::Stale`].
    fn save_draft(&self, id: &str, json: &Value, if_match: Option<i64>, by: &Actor) -> Result<Saved, GuideError>;
    fn draft(&self, id: &str) -> Result<Option<Draft>, GuideError>;
    /// Validates the draft and publishes it as a new version to `env`.
    /// `if_match`: the draft revision the author saw; another one is [`GuideError::Stale`],
    /// so what goes live is what the author looked at.
    fn publish(&self, id: &str, env: Env, if_match: Option<i64>, by: &Actor) -> Result<Published, GuideError>;
    /// Makes `to` serve the version `from` serves.
    fn promote(&self, id: &str, from: Env, to: Env, by: &Actor) -> Result<Published, GuideError>;
    /// Makes `env` serve nothing of `id`; logged only when it served something.
    fn unpublish(&self, id: &str, env: Env, by: &Actor) -> Result<Published, GuideError>;
    /// Publishes to `env` a new version holding version `version`'s content.
    fn rollback(&self, id: &str, env: Env, version: u32, by: &Actor) -> Result<Published, GuideError>;
    /// The versions of `id`, newest first; `None` when the guide does not exist.
    fn versions(&self, id: &str) -> Result<Option<Vec<VersionInfo>>, GuideError>;
    fn version(&self, id: &str, version: u32) -> Result<Option<Value>, GuideError>;
    /// Newest first, at most `limit` (capped at [`MAX_LOG_ENTRIES`]).
    fn log(&self, guide: Option<&str>, limit: usize) -> Result<Vec<LogEntry>, GuideError>;
    /// Every guide, by id.
    fn list(&self) -> Result<Vec<StoredGuide>, GuideError>;
    /// The JSON texts of the versions `env` serves, sorted by guide id.
    fn published(&self, env: Env) -> Result<Vec<(String, String)>, GuideError>;
    /// Changes whenever what any environment serves changes: only compared for equality
    /// (SQLite: the newest log entry's seq; ClickHouse: the count of log and withdrawn rows).
    fn generation(&self) -> Result<i64, GuideError>;
}

/// Core's diagnostics of a guide draft; a body id other than `id` is an error too.
pub fn diagnose(id: &str, json: &Value) -> Vec<Diagnostic> {
    let mut d = match json {
        Value::Object(_) => load_guides_value(json).diagnostics,
        _ => vec![Diagnostic { severity: Severity::Error, guide_id: None, path: "$".into(), message: "expected one guide object".into() }],
    };
    if let Some(body_id) = json.get("id").and_then(Value::as_str) {
        if body_id != id {
            d.push(Diagnostic {
                severity: Severity::Error,
                guide_id: Some(body_id.to_string()),
                path: "$.id".into(),
                message: format!("the guide's id \"{body_id}\" is not the id it is saved under (\"{id}\")"),
            });
        }
    }
    d
}

/// What a list calls a draft: the kind of its only step, or `tour` for several steps.
pub fn kind_of_draft(json: &Value) -> Option<String> {
    let steps = json.get("steps")?.as_array()?;
    match steps.len() {
        0 => None,
        1 => steps[0].get("kind").and_then(Value::as_str).map(str::to_string),
        _ => Some("tour".into()),
    }
}

/// The stored text of a draft: refused when larger than [`MAX_GUIDE_BYTES`].
pub(crate) fn draft_text(json: &Value) -> Result<String, GuideError> {
    let text = serde_json::to_string(json).map_err(|e| GuideError::BadRequest(e.to_string()))?;
    if text.len() > MAX_GUIDE_BYTES {
        return Err(GuideError::BadRequest(format!("guide of {} bytes; at most {MAX_GUIDE_BYTES}", text.len())));
    }
    Ok(text)
}

/// [`GuideError::Stale`] when the author asked for a revision (`If-Match`) other than
/// `current` (0: no draft yet).
pub(crate) fn stale(if_match: Option<i64>, current: i64) -> Result<(), GuideError> {
    match if_match {
        Some(want) if want != current => Err(GuideError::Stale { revision: current }),
        _ => Ok(()),
    }
}

/// `json` with `"version": version`.
pub(crate) fn with_version(json: &Value, version: u32) -> Value {
    let mut v = json.clone();
    if let Value::Object(m) = &mut v {
        m.insert("version".into(), Value::from(version));
    }
    v
}

/// Whether two guide JSONs are the same guide, whatever their `version` fields.
pub fn same_content(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Value::Object(m) = &mut v {
            m.remove("version");
        }
        v
    };
    strip(a) == strip(b)
}

pub(crate) fn parse_json(text: &str, what: &str) -> Result<Value, GuideError> {
    serde_json::from_str(text).map_err(|e| GuideError::Store(format!("stored {what} is not JSON: {e}")))
}

fn env_of(s: &str) -> rusqlite::Result<Env> {
    Env::parse(s).map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}

/// The tables of the guide store (schema version 5).
pub(crate) const SQLITE_TABLES: &str = "
    -- One editable draft per guide.
    CREATE TABLE IF NOT EXISTS guide_drafts(guide_id TEXT PRIMARY KEY, json TEXT NOT NULL, revision INTEGER NOT NULL,
      updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL);
    -- Published versions: inserted, never updated nor deleted.
    CREATE TABLE IF NOT EXISTS guide_versions(guide_id TEXT NOT NULL, version INTEGER NOT NULL, json TEXT NOT NULL,
      created_at INTEGER NOT NULL, created_by TEXT NOT NULL, PRIMARY KEY(guide_id, version)) WITHOUT ROWID;
    -- The version each environment serves (no row: nothing served).
    CREATE TABLE IF NOT EXISTS publications(environment TEXT NOT NULL, guide_id TEXT NOT NULL, version INTEGER NOT NULL,
      PRIMARY KEY(environment, guide_id)) WITHOUT ROWID;
    -- Every change of publications, append-only; max(seq) is the generation.
    CREATE TABLE IF NOT EXISTS publish_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, who TEXT NOT NULL,
      action TEXT NOT NULL, environment TEXT NOT NULL, guide_id TEXT NOT NULL, version INTEGER, replaced_version INTEGER);
    CREATE INDEX IF NOT EXISTS publish_log_guide ON publish_log(guide_id, seq);";

fn served(tx: &Transaction, id: &str, env: Env) -> Result<Option<u32>, GuideError> {
    Ok(tx
        .query_row("SELECT version FROM publications WHERE environment = ?1 AND guide_id = ?2", params![env.as_str(), id], |r| r.get(0))
        .optional()?)
}

/// Points `env` at `version` (or at nothing) and logs it.
fn set_served(tx: &Transaction, id: &str, env: Env, version: Option<u32>, action: &str, by: &Actor) -> Result<Published, GuideError> {
    let replaced = served(tx, id, env)?;
    match version {
        Some(v) => tx.execute(
            "INSERT INTO publications(environment, guide_id, version) VALUES (?1, ?2, ?3)
             ON CONFLICT(environment, guide_id) DO UPDATE SET version = excluded.version",
            params![env.as_str(), id, v],
        )?,
        None => tx.execute("DELETE FROM publications WHERE environment = ?1 AND guide_id = ?2", params![env.as_str(), id])?,
    };
    tx.execute(
        "INSERT INTO publish_log(at, who, action, environment, guide_id, version, replaced_version) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![by.at, by.who, action, env.as_str(), id, version, replaced],
    )?;
    Ok(Published { environment: env, version, replaced_version: replaced })
}

/// Inserts `json` as the next version of `id`; its number.
fn new_version(tx: &Transaction, id: &str, json: &Value, by: &Actor) -> Result<u32, GuideError> {
    let last: u32 = tx.query_row("SELECT COALESCE(MAX(version), 0) FROM guide_versions WHERE guide_id = ?1", [id], |r| r.get(0))?;
    let next = last + 1;
    let text = serde_json::to_string(&with_version(json, next)).map_err(|e| GuideError::Store(e.to_string()))?;
    tx.execute(
        "INSERT INTO guide_versions(guide_id, version, json, created_at, created_by) VALUES (?1,?2,?3,?4,?5)",
        params![id, next, text, by.at, by.who],
    )?;
    Ok(next)
}

impl SqliteStore {
    /// Runs `f` in an IMMEDIATE transaction (the write lock is taken at once, so another
    /// process cannot commit between its reads and its writes) and commits when it succeeds.
    fn guide_tx<T>(&self, f: impl FnOnce(&Transaction) -> Result<T, GuideError>) -> Result<T, GuideError> {
        let mut c = self.conn.lock().map_err(|_| GuideError::Store("store lock poisoned".into()))?;
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    fn guide_read<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> Result<T, GuideError>) -> Result<T, GuideError> {
        let c = self.conn.lock().map_err(|_| GuideError::Store("store lock poisoned".into()))?;
        f(&c)
    }
}

impl GuideStore for SqliteStore {
    fn save_draft(&self, id: &str, json: &Value, if_match: Option<i64>, by: &Actor) -> Result<Saved, GuideError> {
        let text = draft_text(json)?;
        let diagnostics = diagnose(id, json);
        let revision = self.guide_tx(|tx| {
            let current: Option<i64> =
                tx.query_row("SELECT revision FROM guide_drafts WHERE guide_id = ?1", [id], |r| r.get(0)).optional()?;
            stale(if_match, current.unwrap_or(0))?;
            if current.is_none() {
                let n: i64 = tx.query_row("SELECT COUNT(*) FROM guide_drafts", [], |r| r.get(0))?;
                if n as usize >= MAX_GUIDES {
                    return Err(GuideError::Conflict(format!("the store holds {n} guides, the most it takes ({MAX_GUIDES})")));
                }
            }
            let revision = current.unwrap_or(0) + 1;
            tx.execute(
                "INSERT INTO guide_drafts(guide_id, json, revision, updated_at, updated_by) VALUES (?1,?2,?3,?4,?5)
                 ON CONFLICT(guide_id) DO UPDATE SET json = excluded.json, revision = excluded.revision,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                params![id, text, revision, by.at, by.who],
            )?;
            Ok(revision)
        })?;
        Ok(Saved { revision, diagnostics })
    }

    fn draft(&self, id: &str) -> Result<Option<Draft>, GuideError> {
        let row = self.guide_read(|c| {
            Ok(c.query_row("SELECT json, revision, updated_at, updated_by FROM guide_drafts WHERE guide_id = ?1", [id], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?)
        })?;
        row.map(|(json, revision, updated_at, updated_by)| {
            Ok(Draft { json: parse_json(&json, "draft")?, revision, updated_at, updated_by })
        })
        .transpose()
    }

    fn publish(&self, id: &str, env: Env, if_match: Option<i64>, by: &Actor) -> Result<Published, GuideError> {
        self.guide_tx(|tx| {
            let (text, revision): (String, i64) = tx
                .query_row("SELECT json, revision FROM guide_drafts WHERE guide_id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
                .ok_or_else(|| GuideError::NotFound(format!("no draft of guide \"{id}\"")))?;
            stale(if_match, revision)?;
            let json = parse_json(&text, "draft")?;
            let diagnostics = diagnose(id, &json);
            if diagnostics.iter().any(|d| d.severity == Severity::Error) {
                return Err(GuideError::Invalid(diagnostics));
            }
            let v = new_version(tx, id, &json, by)?;
            set_served(tx, id, env, Some(v), "publish", by)
        })
    }

    fn promote(&self, id: &str, from: Env, to: Env, by: &Actor) -> Result<Published, GuideError> {
        if from == to {
            return Err(GuideError::BadRequest(format!("from and to are both {from}")));
        }
        self.guide_tx(|tx| {
            let v = served(tx, id, from)?
                .ok_or_else(|| GuideError::Conflict(format!("{from} serves no version of guide \"{id}\": nothing to promote")))?;
            set_served(tx, id, to, Some(v), "promote", by)
        })
    }

    fn unpublish(&self, id: &str, env: Env, by: &Actor) -> Result<Published, GuideError> {
        self.guide_tx(|tx| match served(tx, id, env)? {
            Some(_) => set_served(tx, id, env, None, "unpublish", by),
            None => Ok(Published { environment: env, version: None, replaced_version: None }),
        })
    }

    fn rollback(&self, id: &str, env: Env, version: u32, by: &Actor) -> Result<Published, GuideError> {
        self.guide_tx(|tx| {
            let text: String = tx
                .query_row("SELECT json FROM guide_versions WHERE guide_id = ?1 AND version = ?2", params![id, version], |r| r.get(0))
                .optional()?
                .ok_or_else(|| GuideError::NotFound(format!("guide \"{id}\" has no version {version}")))?;
            let v = new_version(tx, id, &parse_json(&text, "version")?, by)?;
            set_served(tx, id, env, Some(v), "rollback", by)
        })
    }

    fn versions(&self, id: &str) -> Result<Option<Vec<VersionInfo>>, GuideError> {
        self.guide_read(|c| {
            let exists: bool = c.query_row("SELECT EXISTS(SELECT 1 FROM guide_drafts WHERE guide_id = ?1)", [id], |r| r.get(0))?;
            if !exists {
                return Ok(None);
            }
            let mut stmt = c.prepare_cached(
                "SELECT v.version, v.created_at, v.created_by, group_concat(p.environment)
                 FROM guide_versions v LEFT JOIN publications p ON p.guide_id = v.guide_id AND p.version = v.version
                 WHERE v.guide_id = ?1 GROUP BY v.version ORDER BY v.version DESC",
            )?;
            let rows = stmt.query_map([id], |r| {
                let envs: Option<String> = r.get(3)?;
                let mut environments =
                    envs.unwrap_or_default().split(',').filter(|s| !s.is_empty()).map(env_of).collect::<rusqlite::Result<Vec<_>>>()?;
                environments.sort();
                Ok(VersionInfo { version: r.get(0)?, created_at: r.get(1)?, created_by: r.get(2)?, environments })
            })?;
            Ok(Some(rows.collect::<rusqlite::Result<Vec<_>>>()?))
        })
    }

    fn version(&self, id: &str, version: u32) -> Result<Option<Value>, GuideError> {
        let text: Option<String> = self.guide_read(|c| {
            Ok(c.query_row("SELECT json FROM guide_versions WHERE guide_id = ?1 AND version = ?2", params![id, version], |r| r.get(0))
                .optional()?)
        })?;
        text.map(|t| parse_json(&t, "version")).transpose()
    }

    fn log(&self, guide: Option<&str>, limit: usize) -> Result<Vec<LogEntry>, GuideError> {
        let limit = limit.min(MAX_LOG_ENTRIES) as i64;
        self.guide_read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT seq, at, who, action, environment, guide_id, version, replaced_version FROM publish_log
                 WHERE ?1 IS NULL OR guide_id = ?1 ORDER BY seq DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![guide, limit], |r| {
                Ok(LogEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    who: r.get(2)?,
                    action: r.get(3)?,
                    environment: env_of(&r.get::<_, String>(4)?)?,
                    guide_id: r.get(5)?,
                    version: r.get(6)?,
                    replaced_version: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn list(&self) -> Result<Vec<StoredGuide>, GuideError> {
        self.guide_read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT d.guide_id, json_extract(d.json, '$.name'), d.revision, d.updated_at, d.json,
                   (SELECT version FROM publications WHERE environment = 'staging' AND guide_id = d.guide_id),
                   (SELECT version FROM publications WHERE environment = 'production' AND guide_id = d.guide_id)
                 FROM guide_drafts d ORDER BY d.guide_id",
            )?;
            let rows = stmt.query_map([], |r| {
                let name = match r.get_ref(1)? {
                    rusqlite::types::ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                    _ => None,
                };
                Ok(StoredGuide {
                    id: r.get(0)?,
                    name,
                    draft_revision: r.get(2)?,
                    updated_at: r.get(3)?,
                    published: PublishedIn { staging: r.get(5)?, production: r.get(6)? },
                    kind: kind_of_draft(&serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or(Value::Null)),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn published(&self, env: Env) -> Result<Vec<(String, String)>, GuideError> {
        self.guide_read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT p.guide_id, v.json FROM publications p JOIN guide_versions v ON v.guide_id = p.guide_id AND v.version = p.version
                 WHERE p.environment = ?1 ORDER BY p.guide_id",
            )?;
            let rows = stmt.query_map([env.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn generation(&self) -> Result<i64, GuideError> {
        self.guide_read(|c| Ok(c.query_row("SELECT COALESCE(MAX(seq), 0) FROM publish_log", [], |r| r.get(0))?))
    }
}
