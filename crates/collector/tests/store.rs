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

/// `serve` loads the set in the background while requests may already write.
#[test]
fn warming_up_while_writing_counts_each_user_once() {
    let path = db_path("warm");
    let first = journey("u1", 1, None, T0, &[100]);
    let again = renamed(journey("u1", 3, Some(EventKind::GuideCompleted), T0 + 60_000, &[1, 2, 3]), "again");
    SqliteStore::open(&path).unwrap().insert(&first).unwrap();
    let s = std::sync::Arc::new(SqliteStore::open(&path).unwrap());
    let warm = {
        let s = s.clone();
        std::thread::spawn(move || s.warm())
    };
    s.insert(&again).unwrap();
    warm.join().unwrap().unwrap();
    let once = SqliteStore::in_memory().unwrap();
    once.insert(&[first, again].concat()).unwrap();
    once.warm().unwrap();
    assert_eq!(funnel(&s), funnel(&once));
    assert_eq!(funnel(&s).shown_users, 1);
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
    a.warm().unwrap();
    b.warm().unwrap();
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
