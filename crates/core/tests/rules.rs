//! Targeting rules: a table of cases through one `check` helper, traces, and properties.

use guidepost_core::rules::{compile_standalone, parse_rule, pick_variant, Prepared};
use guidepost_core::{dates::parse_date_ms, rollout_bucket, Context, Device, GuideHistory, Size, Variant};
use proptest::prelude::*;
use serde_json::{json, Value};

const NOW: &str = "2026-11-23T12:00:00Z";

fn ctx() -> Context {
    let now = parse_date_ms(NOW).unwrap();
    let day = 86_400_000;
    let mut c = Context {
        user_id: "u1".into(),
        url: "/reports/42?tab=usage#top".into(),
        viewport: Size { width: 1280.0, height: 800.0 },
        device: Device::Desktop,
        locale: "fr-CA".into(),
        now_ms: now,
        ..Default::default()
    };
    let traits = json!({
        "plan": "pro", "seats": 12, "beta": true, "email": "ada@acme.io",
        "tags": ["admin", "early"], "signed_up_at": "2026-11-20", "renewal": "2027-02-01T00:00:00Z"
    });
    c.traits = traits.as_object().unwrap().clone();
    c.events.insert("report_exported".into(), vec![now - 10 * day, now - 2 * day, now - day]);
    c.guides.insert("welcome".into(), GuideHistory { seen: 1, completed: true, ..Default::default() });
    c.guides.insert("promo".into(), GuideHistory { seen: 2, dismissed: true, ..Default::default() });
    c
}

/// Parses, compiles and evaluates `rule` against the standard context; checks the fast
/// path, the traced path and the expectation agree.
fn check(rule: Value, expected: bool) {
    check_in(&ctx(), rule, expected)
}

fn check_in(c: &Context, rule: Value, expected: bool) {
    let parsed = parse_rule(&rule, "$").unwrap_or_else(|e| panic!("{rule}: {} {}", e.path, e.message));
    let (compiled, names) = compile_standalone(&parsed);
    let p = Prepared::new(&names, c);
    let fast = compiled.eval(&p);
    let trace = compiled.trace(&p);
    assert_eq!(fast, expected, "fast path for {rule}\n{}", trace.render());
    assert_eq!(trace.passed, expected, "trace for {rule}");
}

#[test]
fn string_traits() {
    check(json!({"trait": "plan", "op": "eq", "value": "pro"}), true);
    check(json!({"trait": "plan", "op": "ne", "value": "pro"}), false);
    check(json!({"trait": "plan", "op": "in", "value": ["free", "pro"]}), true);
    check(json!({"trait": "plan", "op": "not_in", "value": ["free", "trial"]}), true);
    check(json!({"trait": "email", "op": "contains", "value": "@acme"}), true);
    check(json!({"trait": "email", "op": "starts_with", "value": "bob"}), false);
    check(json!({"trait": "missing", "op": "eq", "value": "x"}), false);
    check(json!({"trait": "missing", "op": "ne", "value": "x"}), true);
}

#[test]
fn number_boolean_and_list_traits() {
    check(json!({"trait": "seats", "op": "gt", "value": 10}), true);
    check(json!({"trait": "seats", "op": "lte", "value": 11}), false);
    check(json!({"trait": "seats", "op": "between", "value": [12, 20]}), true);
    check(json!({"trait": "seats", "op": "between", "value": [13, 20]}), false);
    check(json!({"trait": "beta", "op": "eq", "value": true}), true);
    check(json!({"trait": "tags", "op": "contains", "value": "admin"}), true);
    check(json!({"trait": "tags", "op": "in", "value": ["early", "x"]}), true);
    check(json!({"trait": "tags", "op": "contains", "value": "owner"}), false);
    check(json!({"trait": "seats", "op": "exists"}), true);
    check(json!({"trait": "nope", "op": "not_exists"}), true);
}

#[test]
fn dates_absolute_and_relative() {
    check(json!({"trait": "signed_up_at", "op": "gt", "value": "2026-11-01"}), true);
    check(json!({"trait": "signed_up_at", "op": "within_days", "value": 7}), true);
    check(json!({"trait": "signed_up_at", "op": "within_days", "value": 2}), false);
    check(json!({"trait": "signed_up_at", "op": "more_than_days_ago", "value": 2}), true);
    check(json!({"trait": "renewal", "op": "between", "value": ["2027-01-01", "2027-03-01"]}), true);
    // A future date is not "within the last N days".
    check(json!({"trait": "renewal", "op": "within_days", "value": 365}), false);
}

#[test]
fn urls() {
    check(json!({"url": "/reports/:id"}), true);
    check(json!({"url": "/reports"}), false);
    check(json!({"url": "/reports", "match": "prefix"}), true);
    check(json!({"url": "/rep", "match": "prefix"}), false);
    check(json!({"url": "/reports/*"}), true);
    check(json!({"url": "*/42"}), true);
    check(json!({"url": "/reports/:id/edit"}), false);
    check(json!({"url": "/reports/42?tab=usage", "query": true}), true);
    check(json!({"url": "/reports/42?tab=billing", "query": true}), false);
    check(json!({"url": "/reports/42/"}), true);
    let mut c = ctx();
    c.url = "https://app.acme.io/settings/".into();
    check_in(&c, json!({"url": "/settings"}), true);
    // Regression from TiddlyWiki: its routes are titles, which the browser percent-encodes
    // in the address; a rule written as the title never matched.
    // (case, page URL, pattern, matches)
    let cases = [
        ("a space in a hash route", "https://w.io/wiki/#Getting%20Started", "/wiki/#Getting Started", true),
        ("letters beyond ASCII", "https://w.io/wiki/#D%C3%A9j%C3%A0%20vu", "/wiki/#Déjà vu", true),
        ("a pattern copied encoded", "https://w.io/wiki/#Getting%20Started", "/wiki/#Getting%20Started", true),
        ("a path", "https://w.io/docs/my%20file", "/docs/my file", true),
        ("another title", "https://w.io/wiki/#Getting%20Started", "/wiki/#Getting Going", false),
        ("a stray percent stays", "https://w.io/a/100%", "/a/100%", true),
    ];
    for (case, url, pattern, want) in cases {
        c.url = url.into();
        eprintln!("{case}");
        check_in(&c, json!({"url": pattern}), want);
    }
}

#[test]
fn device_viewport_locale() {
    check(json!({"device": "desktop"}), true);
    check(json!({"device": "mobile"}), false);
    check(json!({"viewport": {"min_width": 1024}}), true);
    check(json!({"viewport": {"max_width": 640}}), false);
    check(json!({"locale": ["fr"]}), true);
    check(json!({"locale": ["fr-ca"]}), true);
    check(json!({"locale": ["fr-FR", "en"]}), false);
}

#[test]
fn event_counts_in_windows() {
    check(json!({"event": "report_exported", "op": "eq", "count": 3}), true);
    check(json!({"event": "report_exported", "op": "eq", "count": 2, "within_days": 7}), true);
    check(json!({"event": "report_exported", "op": "lt", "count": 1, "within_days": 1}), false);
    check(json!({"event": "never_happened", "op": "lt", "count": 1, "within_days": 7}), true);
}

#[test]
fn guide_history() {
    check(json!({"guide": "welcome", "status": "completed"}), true);
    check(json!({"guide": "promo", "status": "dismissed"}), true);
    check(json!({"guide": "promo", "status": "completed"}), false);
    check(json!({"guide": "other", "status": "not_seen"}), true);
}

#[test]
fn nesting() {
    check(json!({"all": []}), true);
    check(json!({"any": []}), false);
    check(json!({"all": [{"trait": "plan", "op": "eq", "value": "pro"}, {"not": {"device": "mobile"}}]}), true);
    check(json!({"any": [{"trait": "plan", "op": "eq", "value": "free"}, {"all": [{"locale": ["fr"]}, {"url": "/reports/:id"}]}]}), true);
}

/// Broke when trait strings were read with Rust's float syntax: a number held as a string
/// compares as the number JSON would read, and a trace shows numbers without float noise.
#[test]
fn numbers_held_as_strings_and_shown_in_traces() {
    let mut c = ctx();
    c.traits.insert("seats_text".into(), json!(" 12 "));
    c.traits.insert("odd".into(), json!("+12"));
    check_in(&c, json!({"trait": "seats_text", "op": "eq", "value": 12}), true);
    check_in(&c, json!({"trait": "seats_text", "op": "gt", "value": 11.5}), true);
    check_in(&c, json!({"trait": "odd", "op": "eq", "value": 12}), false);
    let rule = json!({"all": [{"trait": "seats", "op": "gt", "value": 12.5}, {"viewport": {"min_width": 1400}}]});
    let (compiled, names) = compile_standalone(&parse_rule(&rule, "$").unwrap());
    let t = compiled.trace(&Prepared::new(&names, &c));
    assert_eq!(t.children[0].label, "trait seats > 12.5");
    assert_eq!(t.children[0].detail, "seats is 12");
    assert_eq!(t.children[1].detail, "viewport is 1280x800");
}

/// Broke when traces lowercased Rust's Debug names: "not_seen" showed as "notseen".
/// Traces name devices and guide statuses exactly as guides write them.
#[test]
fn traces_use_the_json_names_of_devices_and_statuses() {
    let rule =
        json!({"any": [{"device": "mobile"}, {"guide": "tour", "status": "not_seen"}, {"guide": "promo", "status": "not_completed"}]});
    let (compiled, names) = compile_standalone(&parse_rule(&rule, "$").unwrap());
    let c = ctx();
    let t = compiled.trace(&Prepared::new(&names, &c));
    let labels: Vec<(&str, &str)> = t.children.iter().map(|c| (c.label.as_str(), c.detail.as_str())).collect();
    assert_eq!(labels[0], ("device is mobile", "device is desktop"));
    assert_eq!(labels[1].0, "guide tour not_seen");
    assert_eq!(labels[2].0, "guide promo not_completed");
}

#[test]
fn trace_explains_why_not() {
    let rule = json!({"all": [{"trait": "plan", "op": "eq", "value": "free"}, {"event": "report_exported", "op": "lt", "count": 1, "within_days": 7}]});
    let (compiled, names) = compile_standalone(&parse_rule(&rule, "$").unwrap());
    let c = ctx();
    let t = compiled.trace(&Prepared::new(&names, &c));
    assert!(!t.passed);
    assert_eq!(t.detail, "2 of 2 conditions failed");
    assert_eq!(t.children[0].detail, "plan is \"pro\"");
    assert_eq!(t.children[1].label, "event report_exported fewer than 1 times in the last 7 days");
    assert_eq!(t.children[1].detail, "report_exported happened 2 times in the last 7 days");
    assert!(t.render().contains("✗ trait plan = \"free\" — plan is \"pro\""), "{}", t.render());
}

#[test]
fn rollout_is_deterministic_and_even() {
    assert_eq!(rollout_bucket("user-1", "tour"), rollout_bucket("user-1", "tour"));
    assert_ne!(rollout_bucket("user-1", "tour"), rollout_bucket("user-1", "other"));
    let inside = (0..10_000).filter(|i| rollout_bucket(&format!("user-{i}"), "tour") < 25.0).count();
    assert!((2_200..2_800).contains(&inside), "25% rollout gave {inside} of 10000");
    let variants = [Variant { name: "a".into(), weight: 3 }, Variant { name: "b".into(), weight: 1 }];
    let a = (0..4_000).filter(|i| pick_variant(&format!("u{i}"), "g", &variants) == Some("a")).count();
    assert!((2_750..3_250).contains(&a), "weight 3:1 gave {a} of 4000 for a");
}

// Property: the fast path and the traced path always agree, and `not` inverts.
fn arb_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        (
            prop::sample::select(vec!["plan", "seats", "beta", "tags", "signed_up_at", "nope"]),
            prop::sample::select(vec!["eq", "ne", "gt", "lt", "exists", "not_exists", "contains"]),
            prop_oneof![Just(json!("pro")), Just(json!(10)), Just(json!(true)), Just(json!("admin")), Just(json!("2026-11-01"))]
        )
            .prop_map(|(t, op, v)| json!({"trait": t, "op": op, "value": v}))
            // Keep the operand combinations the loader accepts.
            .prop_filter("valid operand", |r| parse_rule(r, "$").is_ok()),
        prop::sample::select(vec!["/reports/:id", "/reports", "/*", "/settings/*"]).prop_map(|u| json!({"url": u})),
        (0u32..4, prop::option::of(1u32..30))
            .prop_map(|(n, d)| json!({"event": "report_exported", "op": "gte", "count": n, "within_days": d})),
        prop::sample::select(vec!["mobile", "tablet", "desktop"]).prop_map(|d| json!({"device": d})),
    ]
}

fn arb_rule() -> impl Strategy<Value = Value> {
    arb_leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({"all": v})),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({"any": v})),
            inner.prop_map(|r| json!({"not": r})),
        ]
    })
}

proptest! {
    #[test]
    fn fast_and_traced_paths_agree(rule in arb_rule(), width in 300.0f64..2000.0) {
        let mut c = ctx();
        c.viewport.width = width;
        c.device = Device::from_width(width);
        let parsed = parse_rule(&rule, "$").unwrap();
        let (compiled, names) = compile_standalone(&parsed);
        let p = Prepared::new(&names, &c);
        let fast = compiled.eval(&p);
        prop_assert_eq!(fast, compiled.trace(&p).passed);
        let (negated, names2) = compile_standalone(&parse_rule(&json!({"not": rule}), "$").unwrap());
        prop_assert_eq!(negated.eval(&Prepared::new(&names2, &c)), !fast);
    }

    #[test]
    fn rules_round_trip_through_json(rule in arb_rule()) {
        let parsed = parse_rule(&rule, "$").unwrap();
        let back = serde_json::to_value(&parsed).unwrap();
        prop_assert_eq!(parse_rule(&back, "$").unwrap(), parsed);
    }
}

#[test]
fn recorded_events_stay_sorted_and_bounded() {
    let mut c = ctx();
    let now = c.now_ms;
    c.record_event("saved", now - 5);
    c.record_event("saved", now - 50);
    c.record_event("saved", now);
    assert_eq!(c.events["saved"], [now - 50, now - 5, now]);
    for i in 0..600 {
        c.record_event("spam", now - 600 + i);
    }
    let spam = &c.events["spam"];
    assert_eq!(spam.len(), guidepost_core::rules::MAX_EVENTS_PER_NAME);
    assert_eq!(*spam.last().unwrap(), now - 1);
    check_in(&c, json!({"event": "saved", "op": "eq", "count": 3, "within_days": 1}), true);
}

#[test]
fn ten_thousand_track_names_stay_bounded() {
    // 10,000 distinct names made a 284,000-character storage value.
    use guidepost_core::rules::{MAX_EVENT_NAMES, MAX_EVENT_TIMESTAMPS};
    let mut c = ctx();
    let now = c.now_ms;
    c.record_event("kept", now - 1_000_000);
    for i in 0..10_000 {
        c.record_event(&format!("name-{i}"), now - 10_000 + i);
        if i % 100 == 0 {
            // A name in use keeps its place.
            c.record_event("kept", now - 10_000 + i);
        }
    }
    assert_eq!(c.events.len(), MAX_EVENT_NAMES);
    assert!(c.events.contains_key("kept"));
    assert!(c.events.contains_key("name-9999"));
    assert!(!c.events.contains_key("name-0"));
    let mut c = ctx();
    for i in 0..20 {
        for j in 0..MAX_EVENT_TIMESTAMPS / 10 {
            c.record_event(&format!("busy-{i}"), now - 100_000 + (i * 1000 + j) as i64);
        }
    }
    assert!(c.events.values().map(Vec::len).sum::<usize>() <= MAX_EVENT_TIMESTAMPS);
    assert!(c.events.contains_key("busy-19"));
}
