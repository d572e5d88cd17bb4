//! Two tabs or frames of one user, each with its own copy of the stored state: what one
//! saved is merged into the other's (the runtime's `sync.rs`), and nothing either recorded
//! is lost.

use std::collections::BTreeMap;

use guidepost_core::json::from_value;
use guidepost_core::rules::{MAX_EVENTS_PER_NAME, MAX_EVENT_NAMES};
use guidepost_core::{Context, SchedulerState};
use serde_json::{json, Value};

/// Merges `theirs` into `mine` and compares with `want`, then checks the merge is
/// idempotent (taking the same save in twice changes nothing).
fn check(what: &str, mine: Value, theirs: Value, want: Value) {
    let mut a: SchedulerState = from_value(&mine).unwrap();
    let b: SchedulerState = from_value(&theirs).unwrap();
    a.merge(&b);
    let want: SchedulerState = from_value(&want).unwrap();
    assert_eq!(a, want, "{what}");
    let once = a.clone();
    a.merge(&b);
    assert_eq!(a, once, "{what}: merging the same copy twice");
}

#[test]
fn scheduler_states_merge() {
    check(
        // The tab that completed the tour saved; this one only knew it was shown.
        "regression: a tour completed in one tab came back after another tab saved",
        json!({"history": {"tour": {"seen": 1, "last_shown_ms": 100}}, "session_id": "mine"}),
        json!({"history": {"tour": {"seen": 1, "completed": true, "last_shown_ms": 100, "last_exit": "completed"}}, "session_id": "theirs"}),
        json!({"history": {"tour": {"seen": 1, "completed": true, "last_shown_ms": 100, "last_exit": "completed"}}, "session_id": "mine"}),
    );
    check(
        "guides only one side knows are kept",
        json!({"history": {"a": {"seen": 2, "last_shown_ms": 50}}}),
        json!({"history": {"b": {"seen": 1, "held_out": true, "first_exposed_ms": 70}}}),
        json!({"history": {"a": {"seen": 2, "last_shown_ms": 50}, "b": {"seen": 1, "held_out": true, "first_exposed_ms": 70}}}),
    );
    check(
        // Their later showing brings its exit and session; facts from either side stay.
        "the latest showing wins its exit and session, no fact is forgotten",
        json!({"history": {"g": {"seen": 3, "dismissed": true, "last_shown_ms": 100, "last_exit": "dismissed", "last_session": "s1", "first_exposed_ms": 10, "goal_ms": 90}}, "last_dismissed_ms": 100, "last_shown_ms": 100}),
        json!({"history": {"g": {"seen": 2, "last_shown_ms": 200, "last_exit": "timeout", "last_session": "s2", "first_exposed_ms": 20, "goal_ms": 80}}, "last_shown_ms": 200}),
        json!({"history": {"g": {"seen": 3, "dismissed": true, "last_shown_ms": 200, "last_exit": "timeout", "last_session": "s2", "first_exposed_ms": 10, "goal_ms": 80}}, "last_dismissed_ms": 100, "last_shown_ms": 200}),
    );
    check(
        "an older copy changes nothing but fills what this one lacks",
        json!({"history": {"g": {"seen": 1, "last_shown_ms": 300}}}),
        json!({"history": {"g": {"seen": 1, "last_shown_ms": 100, "last_exit": "completed", "completed": true}}}),
        json!({"history": {"g": {"seen": 1, "last_shown_ms": 300, "last_exit": "completed", "completed": true}}}),
    );
}

fn events(v: Value) -> BTreeMap<String, Vec<i64>> {
    from_value(&v).unwrap()
}

/// Merges `theirs` into a context holding `mine`, and compares with `want`.
fn check_events(what: &str, mine: Value, theirs: Value, want: Value) {
    let mut ctx = Context { events: events(mine), ..Context::default() };
    ctx.merge_events(&events(theirs));
    assert_eq!(ctx.events, events(want), "{what}");
}

#[test]
fn event_logs_merge() {
    check_events(
        "both copies start from the same stored log: shared timestamps count once",
        json!({"saved": [1, 2, 5]}),
        json!({"saved": [1, 2, 3, 4]}),
        json!({"saved": [1, 2, 3, 4, 5]}),
    );
    check_events("names only one side knows are kept", json!({"a": [1]}), json!({"b": [2]}), json!({"a": [1], "b": [2]}));
    check_events(
        "two occurrences in the same millisecond on both sides stay two",
        json!({"x": [7, 7]}),
        json!({"x": [7, 7]}),
        json!({"x": [7, 7]}),
    );
}

#[test]
fn merged_event_logs_stay_bounded() {
    let mine: Vec<i64> = (0..MAX_EVENTS_PER_NAME as i64).map(|i| i * 2).collect();
    let theirs: Vec<i64> = (0..MAX_EVENTS_PER_NAME as i64).map(|i| i * 2 + 1).collect();
    let mut ctx = Context { events: BTreeMap::from([("e".to_string(), mine)]), ..Context::default() };
    ctx.merge_events(&BTreeMap::from([("e".to_string(), theirs)]));
    let kept = &ctx.events["e"];
    assert_eq!(kept.len(), MAX_EVENTS_PER_NAME, "the newest are kept");
    assert_eq!(kept.first(), Some(&(MAX_EVENTS_PER_NAME as i64)));
    assert!(kept.windows(2).all(|w| w[0] < w[1]), "sorted");

    let many: BTreeMap<String, Vec<i64>> = (0..MAX_EVENT_NAMES as i64 + 10).map(|i| (format!("n{i}"), vec![i])).collect();
    let mut ctx = Context::default();
    ctx.merge_events(&many);
    assert_eq!(ctx.events.len(), MAX_EVENT_NAMES);
    assert!(!ctx.events.contains_key("n0"), "the names used least recently go");
}
