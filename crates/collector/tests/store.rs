//! The SQLite store across restarts: what is on disk, and the in-memory set of facts
//! already counted, which is rebuilt from disk when the store opens.

mod common;

use common::*;
use guidepost_collector::store::{stored_record, FunnelQuery, SqliteStore, Store};
use guidepost_core::{EventKind, EventRecord, ExitReason, FunnelReport, SurveyAnswer};

fn db_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("guidepost-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("events.db")
}

fn funnel(s: &SqliteStore) -> FunnelReport {
    s.funnel(&FunnelQuery { guide_id: "tour".into(), ..Default::default() }).unwrap()
}

/// The same journey sent again later: new event ids (`tag-` prefixed), same user.
fn renamed(mut v: Vec<EventRecord>, tag: &str) -> Vec<EventRecord> {
    for r in &mut v {
        r.event_id = format!("{tag}-{}", r.event_id);
    }
    v
}

/// Inserts `parts` in order, reopening the database between parts, and returns the
/// funnel; it must equal the funnel of everything inserted into one fresh store.
fn check_across_restarts(name: &str, parts: &[Vec<EventRecord>]) {
    let path = db_path(name);
    for part in parts {
        let s = SqliteStore::open(&path).unwrap();
        s.insert(part).unwrap();
    }
    let reopened = funnel(&SqliteStore::open(&path).unwrap());
    let once = SqliteStore::in_memory().unwrap();
    once.insert(&parts.concat()).unwrap();
    assert_eq!(reopened, funnel(&once), "{name}");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A user seen before a restart is still the same user after it: the same people
/// coming back (new events, new ids) must not be counted twice.
#[test]
fn distinct_users_stay_distinct_after_a_restart() {
    let first = [journey("u1", 1, None, T0, &[100]), journey("u2", 3, Some(EventKind::GuideCompleted), T0, &[100, 200, 300])].concat();
    // u1 comes back in a new session with fresh event ids and finishes.
    let again = renamed(journey("u1", 3, Some(EventKind::GuideCompleted), T0 + 3_600_000, &[50, 60, 70]), "again");
    let before = SqliteStore::in_memory().unwrap();
    before.insert(&first).unwrap();
    assert_eq!(funnel(&before).shown_users, 2);
    check_across_restarts("users", &[first.clone(), again.clone()]);
    check_across_restarts("retry-after-restart", &[first.clone(), first.clone(), again]);
}

#[test]
fn a_stored_record_reads_back_field_for_field() {
    let path = db_path("roundtrip");
    let mut survey = rec("nps-1", EventKind::SurveyAnswered, "u9", Some((0, "nps")), T0);
    survey.anonymous = true;
    survey.url = "/reports?tab=2".into();
    survey.variant = Some("B".into());
    survey.answer = Some(SurveyAnswer { score: Some(9), choice: None, comment: Some("Great <b>tool</b>".into()) });
    let mut exit = rec("exit-1", EventKind::GuideAbandoned, "u9", Some((2, "export")), T0 + 5);
    exit.reason = Some(ExitReason::NavigatedAway);
    exit.duration_ms = Some(1234);
    {
        let s = SqliteStore::open(&path).unwrap();
        s.insert(&[survey.clone(), exit.clone()]).unwrap();
    }
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(stored_record(&s, "nps-1").unwrap(), Some(survey));
    assert_eq!(stored_record(&s, "exit-1").unwrap(), Some(exit));
    assert_eq!(stored_record(&s, "nope").unwrap(), None);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_database_with_another_schema_version_is_refused_with_a_reason() {
    let path = db_path("schema");
    {
        let s = SqliteStore::open(&path).unwrap();
        s.insert(&journey("u1", 0, None, T0, &[])).unwrap();
    }
    let c = rusqlite::Connection::open(&path).unwrap();
    c.pragma_update(None, "user_version", 1).unwrap();
    drop(c);
    let err = SqliteStore::open(&path).err().expect("an old database is refused");
    assert!(err.contains("schema version 1"), "{err}");
    assert!(err.contains("new database"), "{err}");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Regression: what was already counted lived only in each process's memory, so a second
/// writer on the same file (an old collector still draining during a restart) counted the
/// same users again.
#[test]
fn two_writers_on_one_database_count_each_user_once() {
    let path = db_path("two-writers");
    let a = SqliteStore::open(&path).unwrap();
    let b = SqliteStore::open(&path).unwrap();
    let parts = [
        journey("u1", 1, None, T0, &[100]),
        renamed(journey("u1", 3, Some(EventKind::GuideCompleted), T0 + 60_000, &[1, 2, 3]), "b"),
        journey("u2", 0, Some(EventKind::GuideDismissed), T0, &[]),
        renamed(journey("u2", 2, None, T0 + 60_000, &[5, 6]), "a"),
    ];
    a.insert(&parts[0]).unwrap();
    b.insert(&parts[1]).unwrap();
    b.insert(&parts[2]).unwrap();
    a.insert(&parts[3]).unwrap();
    let once = SqliteStore::in_memory().unwrap();
    once.insert(&parts.concat()).unwrap();
    assert_eq!(funnel(&a), funnel(&once));
    assert_eq!(funnel(&b), funnel(&once));
    assert_eq!(funnel(&once).shown_users, 2);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Regression: every distinct step id, variant and survey choice made new counter rows, so
/// one client could grow the rollups (and every report reading them) without bound. Values
/// beyond the per-guide caps are counted under "(other)"; the records are still stored.
#[test]
fn distinct_values_beyond_the_caps_are_counted_as_other() {
    let path = db_path("caps");
    // Two stores on one file: the values already counted are remembered across a restart.
    let first = SqliteStore::open(&path).unwrap();
    let s = SqliteStore::open(&path).unwrap();
    let stored = common::funnel_checks::check_caps(&first, &s);
    assert_eq!(s.count().unwrap() as usize, stored, "every record is stored whole");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Schema 3 had no `dims` table: it is added and filled from the counters on open.
#[test]
fn a_version_3_database_is_upgraded_in_place() {
    let path = db_path("upgrade");
    let mut recs = journey("u1", 2, None, T0, &[1, 2]);
    recs[0].variant = Some("B".into());
    recs.push(survey("nps-1", "u1", None, Some("yes")));
    SqliteStore::open(&path).unwrap().insert(&recs).unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("DROP TABLE dims; PRAGMA user_version = 3;").unwrap();
    drop(c);
    let s = SqliteStore::open(&path).expect("version 3 opens");
    let before = funnel(&s);
    let fresh = SqliteStore::in_memory().unwrap();
    fresh.insert(&recs).unwrap();
    assert_eq!(before, funnel(&fresh), "the rollup is rebuilt from the stored records");
    let c = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    let mut stmt = c.prepare("SELECT guide_id, dim, value FROM dims ORDER BY 1, 2, 3").unwrap();
    let dims: Vec<(String, String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    let want: Vec<(String, String, String)> = [
        ("nps", "choice", "yes"),
        ("nps", "step", "0:nps"),
        ("tour", "step", "0:welcome"),
        ("tour", "step", "1:sidebar"),
        ("tour", "step", "2:export"),
        ("tour", "variant", "B"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!((version, dims), (guidepost_collector::store::SCHEMA_VERSION, want));
    s.insert(&renamed(journey("u2", 1, None, T0, &[5]), "after")).unwrap();
    assert_eq!(funnel(&s).shown_users, before.shown_users + 1);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Schema 4 had no guide store: its tables are added on open, the events kept.
#[test]
fn a_version_4_database_gets_the_guide_store() {
    use guidepost_collector::guide_store::{Actor, Env, GuideStore};
    let path = db_path("upgrade-4");
    SqliteStore::open(&path).unwrap().insert(&journey("u1", 2, None, T0, &[1, 2])).unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "DROP TABLE guide_drafts; DROP TABLE guide_versions; DROP TABLE publications; DROP TABLE publish_log; PRAGMA user_version = 4;",
    )
    .unwrap();
    drop(c);
    let s = SqliteStore::open(&path).expect("version 4 opens");
    assert_eq!(funnel(&s).shown_users, 1, "the events are kept");
    let by = Actor { who: "t", at: T0 };
    let g = serde_json::json!({"id": "g", "name": "G", "steps": [{"id": "a", "kind": "modal", "body": "hi"}]});
    assert_eq!(s.save_draft("g", &g, None, &by).unwrap().revision, 1);
    assert_eq!(s.publish("g", Env::Production, None, &by).unwrap().version, Some(1));
    let version: i64 = rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, guidepost_collector::store::SCHEMA_VERSION);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A published version is never rewritten: later drafts, publishes and rollbacks leave its
/// stored JSON as it was.
#[test]
fn published_versions_never_change() {
    use guidepost_collector::guide_store::{Actor, Env, GuideError, GuideStore};
    let s = SqliteStore::in_memory().unwrap();
    let by = Actor { who: "t", at: T0 };
    let g = |body: &str| serde_json::json!({"id": "g", "name": "G", "steps": [{"id": "a", "kind": "modal", "body": body}]});
    s.save_draft("g", &g("one"), None, &by).unwrap();
    s.publish("g", Env::Staging, None, &by).unwrap();
    let v1 = s.version("g", 1).unwrap().unwrap();
    type Action<'a> = Box<dyn Fn() -> Result<(), GuideError> + 'a>;
    // (step, action)
    let steps: Vec<(&str, Action)> = vec![
        ("a new draft", Box::new(|| s.save_draft("g", &g("two"), None, &by).map(|_| ()))),
        ("a new version", Box::new(|| s.publish("g", Env::Staging, None, &by).map(|_| ()))),
        ("a promotion", Box::new(|| s.promote("g", Env::Staging, Env::Production, &by).map(|_| ()))),
        ("a rollback", Box::new(|| s.rollback("g", Env::Production, 1, &by).map(|_| ()))),
        ("an unpublish", Box::new(|| s.unpublish("g", Env::Staging, &by).map(|_| ()))),
    ];
    for (step, act) in steps {
        act().unwrap_or_else(|e| panic!("{step}: {e}"));
        assert_eq!(s.version("g", 1).unwrap().as_ref(), Some(&v1), "after {step}");
    }
    assert_eq!(v1["version"], 1);
    assert_eq!(s.versions("g").unwrap().unwrap().iter().map(|v| v.version).collect::<Vec<_>>(), vec![3, 2, 1]);
    assert_eq!(s.version("g", 3).unwrap().unwrap()["steps"][0]["body"], "one", "the rollback holds version 1's content");
}

/// At most `MAX_GUIDES` guides: a new one beyond is refused, the existing ones still save.
#[test]
fn the_store_holds_at_most_max_guides() {
    use guidepost_collector::guide_store::{Actor, GuideError, GuideStore, MAX_GUIDES};
    let s = SqliteStore::in_memory().unwrap();
    let by = Actor { who: "t", at: T0 };
    let g = |id: &str| serde_json::json!({"id": id, "name": "G", "steps": [{"id": "a", "kind": "modal", "body": "hi"}]});
    for i in 0..MAX_GUIDES {
        s.save_draft(&format!("g{i}"), &g(&format!("g{i}")), None, &by).unwrap();
    }
    // (case, guide id, expected revision or refusal)
    let cases = [("a new guide beyond the cap", "new", None), ("an existing guide", "g0", Some(2))];
    for (case, id, want) in cases {
        match (s.save_draft(id, &g(id), None, &by), want) {
            (Ok(saved), Some(rev)) => assert_eq!(saved.revision, rev, "{case}"),
            (Err(GuideError::Conflict(m)), None) => assert!(m.contains(&MAX_GUIDES.to_string()), "{case}: {m}"),
            (got, _) => panic!("{case}: {got:?}"),
        }
    }
}

/// The store-level behaviour of the guide store (the same checks run against ClickHouse in
/// tests/clickhouse.rs).
#[test]
fn the_guide_store_behaves() {
    common::guide_checks::check_guide_store(&SqliteStore::in_memory().unwrap());
}

/// Writers racing through two handles on one database file.
#[test]
fn concurrent_guide_writers_on_one_database() {
    let path = db_path("guide-race");
    let a = std::sync::Arc::new(SqliteStore::open(&path).unwrap());
    let b = std::sync::Arc::new(SqliteStore::open(&path).unwrap());
    common::guide_checks::check_concurrent_writers(a, b);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Goal reports: the hand-computed scenario, then random experiments under every filter,
/// equal to core's `GoalBuilder` (the same checks run on ClickHouse).
#[test]
fn goal_reports_agree_with_core() {
    goal_checks::check_goal_store(&SqliteStore::in_memory().unwrap());
    for seed in 1..=4 {
        goal_checks::check_goals_agree(&SqliteStore::in_memory().unwrap(), &goal_checks::experiment(seed, 300));
    }
}

/// Schema 5 had no `experiment_facts`: it is added and filled from the events on open, so
/// goal reports cover what was stored before the upgrade.
#[test]
fn a_version_5_database_gets_its_experiment_facts() {
    use guidepost_core::goals::{GoalBuilder, GoalSlice};
    let path = db_path("upgrade-5");
    let recs = goal_checks::experiment(9, 50);
    SqliteStore::open(&path).unwrap().insert(&recs).unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("DROP TABLE experiment_facts; PRAGMA user_version = 5;").unwrap();
    drop(c);
    let s = SqliteStore::open(&path).expect("version 5 opens");
    let mut b = GoalBuilder::new("tour", GoalSlice::default());
    for r in &recs {
        b.add(r);
    }
    assert_eq!(s.goals("tour", &GoalSlice::default(), 7).unwrap(), b.counts(7));
    let version: i64 = rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, guidepost_collector::store::SCHEMA_VERSION);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
