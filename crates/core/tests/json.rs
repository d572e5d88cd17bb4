//! The JSON reader (`guidepost_core::json`): what serde writes, it reads back unchanged,
//! and every problem names its path.

use std::collections::BTreeMap;

use guidepost_core::json::{from_str, from_value, FromJson};
use guidepost_core::rules::{CountOp, GuideStatus, TraitOp, UrlMatch};
use guidepost_core::*;
use serde::Serialize;
use serde_json::{json, Value};

/// Writes `x` with serde and reads it back with `FromJson`.
fn round_trip<T: Serialize + FromJson + PartialEq + std::fmt::Debug>(x: &T) {
    let text = serde_json::to_string(x).unwrap();
    let back: T = from_str(&text).unwrap_or_else(|e| panic!("{text}\n{}: {}", e.path, e.message));
    assert_eq!(&back, x, "{text}");
}

/// Reads `T` from `v` and checks the error's path and message.
fn check<T: FromJson + std::fmt::Debug>(v: Value, path: &str, fragment: &str) {
    let e = from_value::<T>(&v).expect_err(&v.to_string());
    assert_eq!(e.path, path, "{}", e.message);
    assert!(e.message.contains(fragment), "{:?} should contain {fragment:?}", e.message);
}

#[test]
fn example_guides_round_trip() {
    let dir = format!("{}/../../guides", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") && !path.ends_with("guide.schema.json") {
            for g in load_guides(&std::fs::read_to_string(&path).unwrap()).guides {
                round_trip(&g);
                n += 1;
            }
        }
    }
    assert!(n >= 5, "expected the example guides, found {n}");
}

#[test]
fn every_enum_name_round_trips() {
    Placement::ALL.iter().for_each(round_trip);
    StepKind::ALL.iter().for_each(round_trip);
    TraitOp::ALL.iter().for_each(round_trip);
    ExitReason::ALL.iter().for_each(round_trip);
    EventKind::ALL.iter().for_each(round_trip);
    use ButtonAction as B;
    [B::Next, B::Back, B::Dismiss, B::Complete, B::Goto, B::Url].iter().for_each(round_trip);
    [OnMissing::Skip, OnMissing::End, OnMissing::Center].iter().for_each(round_trip);
    let triggers = [Trigger::PageView, Trigger::Manual, Trigger::Event { name: "x".into() }];
    triggers.iter().for_each(round_trip);
    let freqs = [Frequency::Once, Frequency::OncePerSession, Frequency::Times { n: 2 }, Frequency::Cooldown { days: 3, max: Some(4) }];
    freqs.iter().for_each(round_trip);
    let advances = [Advance::Next, Advance::Click, Advance::Event { name: "e".into() }, Advance::Url { pattern: "/x".into() }];
    advances.iter().for_each(round_trip);
    // Rules carry their conditions' names.
    let rules = [
        json!({ "event": "e", "op": "gte", "count": 2, "within_days": 7 }),
        json!({ "guide": "g", "status": "not_completed" }),
        json!({ "url": "/a/*", "match": "prefix", "query": true }),
        json!({ "device": "tablet" }),
        json!({ "viewport": { "min_width": 600.5 } }),
        json!({ "locale": ["fr", "pt-BR"] }),
        json!({ "not": { "any": [{ "trait": "plan", "op": "in", "value": ["pro", 1] }] } }),
    ];
    for r in rules {
        round_trip(&from_value::<Rule>(&r).unwrap());
    }
    use CountOp as C;
    [C::Eq, C::Ne, C::Gt, C::Gte, C::Lt, C::Lte].iter().for_each(round_trip);
    use GuideStatus as G;
    [G::Seen, G::NotSeen, G::Completed, G::NotCompleted, G::Dismissed].iter().for_each(round_trip);
    [UrlMatch::Exact, UrlMatch::Prefix].iter().for_each(round_trip);
    [Device::Mobile, Device::Tablet, Device::Desktop].iter().for_each(round_trip);
    // The names themselves, as authors write them.
    for (op, name) in [(CountOp::Lte, "lte"), (CountOp::Ne, "ne")] {
        assert_eq!(serde_json::to_value(op).unwrap(), json!(name));
    }
    assert_eq!(serde_json::to_value(GuideStatus::Dismissed).unwrap(), json!("dismissed"));
    assert_eq!(serde_json::to_value(UrlMatch::Exact).unwrap(), json!("exact"));
}

#[test]
fn persisted_state_round_trips() {
    let mut history = BTreeMap::new();
    history.insert(
        "tour".to_string(),
        GuideHistory {
            seen: 2,
            completed: true,
            dismissed: false,
            last_shown_ms: Some(1_700_000_000_000),
            last_exit: Some(ExitReason::NavigatedAway),
            last_session: Some("s1".into()),
            first_exposed_ms: Some(1_699_000_000_000),
            held_out: true,
            goal_ms: Some(1_700_000_100_000),
        },
    );
    round_trip(&SchedulerState { history, last_shown_ms: Some(5), last_dismissed_ms: None, session_id: "s1".into() });
    round_trip(&Budget { min_minutes_between_guides: 1.5, suppress_minutes_after_dismiss: 60.0 });
    let events: BTreeMap<String, Vec<i64>> = [("opened".to_string(), vec![1, 2, 3])].into();
    round_trip(&events);
    // An older or partial scheduler record still reads, with defaults.
    let s: SchedulerState = from_value(&json!({ "history": { "g": { "seen": 1 } } })).unwrap();
    assert_eq!(s.history["g"].seen, 1);
    assert!(!s.history["g"].completed);
}

#[test]
fn wrong_shapes_name_their_path() {
    let step = json!({ "id": "a", "kind": "tooltip", "target": { "selector": "#x", "fallbacks": [{ "text": 5 }] } });
    check::<Step>(step, "$.target.fallbacks[0].text", "found number 5, expected a string");
    check::<Step>(json!({ "id": "a", "kind": "modal", "wait_ms": -1 }), "$.wait_ms", "out of range");
    check::<Step>(json!({ "id": "a", "kind": "modal", "wait_ms": 1.5 }), "$.wait_ms", "expected a whole number");
    check::<Step>(json!({ "id": "a" }), "$", "missing required field `kind`");
    check::<Step>(json!({ "id": "a", "kind": "modal", "advance": { "on": "hover" } }), "$.advance.on", "unknown variant `hover`");
    check::<Step>(json!({ "id": "a", "kind": "survey", "survey": { "question": "?" } }), "$.survey", "missing required field `type`");
    check::<Step>(
        json!({ "id": "a", "kind": "modal", "buttons": [{ "label": "x", "action": "nxt" }] }),
        "$.buttons[0].action",
        "did you mean `next`?",
    );
    check::<Rule>(json!({ "viewport": { "min_widht": 3 } }), "$.viewport.min_widht", "unknown field `min_widht`");
    check::<Rule>(json!({ "all": [{ "device": "phone" }] }), "$.all[0].device", "unknown variant `phone`");
    check::<TourState>(json!([]), "$", "expected a tour state object");
}
