//! Untrusted input at every entry point: arbitrary strings and arbitrary JSON, and mutations
//! of real guides, persisted state and records. Each case must return (no panic) within a
//! time bound; each target prints how many cases ran and its slowest case.
//!
//! `GUIDEPOST_FUZZ_CASES` sets the number of generated cases per target (default 1500).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use guidepost_core::json::from_value;
use guidepost_core::rules::{NormalUrl, UrlMatch, UrlPattern};
use guidepost_core::{
    dates, load_guides, load_guides_value, richtext, transition, Budget, Context, Device, Engine, EventRecord, Input, SchedulerState, Size,
    TourState, TriggerInput,
};
use proptest::prelude::*;

mod common;
use common::Rng;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

/// A case that takes longer than this is a hang (every case here takes micro- to
/// milliseconds; the bound is generous for unoptimised test builds on a busy machine).
const CASE_BOUND: Duration = Duration::from_secs(5);

/// Runs `f` on every generated input: it must not panic and must finish within the bound.
/// Prints the figures (cases, slowest case) for the closing notes and BENCHMARKS.md.
fn check<S: Strategy>(target: &str, strategy: S, f: impl Fn(&S::Value))
where
    S::Value: std::fmt::Debug,
{
    let cases = std::env::var("GUIDEPOST_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1500);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let run = std::cell::Cell::new(0u32);
    let result = runner.run(&strategy, |input| {
        let took = bounded(|| f(&input)).map_err(|e| TestCaseError::fail(format!("{target}: {e}")))?;
        run.set(run.get() + 1);
        slowest.set(slowest.get().max(took));
        Ok(())
    });
    println!("fuzz {target}: {} cases, 0 panics, slowest case {:?}", run.get(), slowest.get());
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Runs one case; an error names a panic or a case over the time bound.
fn bounded(f: impl FnOnce()) -> Result<Duration, String> {
    let start = Instant::now();
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
        format!("panicked: {}", msg.unwrap_or_default())
    })?;
    let took = start.elapsed();
    if took > CASE_BOUND {
        return Err(format!("took {took:?}, over the {CASE_BOUND:?} bound"));
    }
    Ok(took)
}

/// One fixed input that broke before: no panic, within the bound.
fn regression(name: &str, f: impl FnOnce()) {
    let took = bounded(f).unwrap_or_else(|e| panic!("{name}: {e}"));
    println!("regression {name}: {took:?}");
}

// ---------------------------------------------------------------------------
// Generators.

/// Strings that hit the parsers' edges: multi-byte characters next to digits and
/// separators, markup, wildcards, huge numbers.
fn nasty_string() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "2026",
        "-",
        "01",
        "0é",
        "é",
        "T",
        ":",
        "Z",
        "+",
        "00",
        ".",
        "5",
        "💥",
        "\u{0}",
        " ",
        "*",
        "**",
        "_",
        "`",
        "[",
        "](",
        ")",
        "/",
        "#",
        "#/",
        "?",
        "=",
        ":id",
        "a",
        "b",
        "\\",
        "9999999999999999999999",
        "1e400",
        "NaN",
        "-0",
        "true",
        "null",
        "ß",
        "İ",
        "\u{301}",
    ]);
    prop_oneof![any::<String>(), prop::collection::vec(atoms, 0..24).prop_map(|v| v.concat())]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        nasty_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Object keys: mostly names the readers know, so the mutations reach deep.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "id",
            "name",
            "steps",
            "kind",
            "title",
            "body",
            "target",
            "selector",
            "audience",
            "all",
            "any",
            "not",
            "trait",
            "op",
            "value",
            "url",
            "match",
            "query",
            "event",
            "count",
            "within_days",
            "guide",
            "status",
            "device",
            "viewport",
            "locale",
            "trigger",
            "frequency",
            "type",
            "n",
            "rollout",
            "percent",
            "variants",
            "buttons",
            "action",
            "to",
            "branch",
            "when",
            "advance",
            "on",
            "pattern",
            "placement",
            "on_missing",
            "locales",
            "guide_id",
            "step",
            "step_id",
            "phase",
            "version",
            "history",
            "shown",
        ])
        .prop_map(str::to_string),
        nasty_string(),
    ]
}

const REPLACEMENTS: &[&str] = &[
    "2026-01-0é",
    "é",
    "",
    "💥💥",
    "/*a*a*a*a*a*a*a*a*b",
    "[[[[[[[[",
    "**_`",
    "javascript:alert(1)",
    "/\\evil.example",
    "/#/settings",
    "2026-02-31",
    "2026-11-23T10:00:00+25:00",
    "-1",
    "1e308",
];

/// Mutates `v` in place at a few random places: strings become edge strings, numbers
/// extremes, values change type, keys disappear.
fn mutate(v: &mut Value, rng: &mut Rng, edits: usize) {
    for _ in 0..edits {
        mutate_once(v, rng);
    }
}

/// Walks down to a random node and changes it.
fn mutate_once(node: &mut Value, rng: &mut Rng) {
    let stop = rng.below(4) == 0;
    match node {
        Value::Array(a) if !a.is_empty() && !stop => {
            let i = rng.below(a.len());
            mutate_once(&mut a[i], rng);
        }
        Value::Object(o) if !o.is_empty() && !stop => {
            let i = rng.below(o.len());
            let key = o.keys().nth(i).cloned().unwrap_or_default();
            if rng.below(8) == 0 {
                o.remove(&key);
            } else if let Some(child) = o.get_mut(&key) {
                mutate_once(child, rng);
            }
        }
        _ => {
            *node = match rng.below(7) {
                0 => Value::String(REPLACEMENTS[rng.below(REPLACEMENTS.len())].to_string()),
                1 => json!(u64::MAX),
                2 => json!(i64::MIN),
                3 => json!(-1),
                4 => json!(1e300),
                5 => Value::Null,
                _ => json!([REPLACEMENTS[rng.below(REPLACEMENTS.len())]]),
            };
        }
    }
}

fn example_guides() -> Vec<Value> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guides");
    let mut names: Vec<_> = std::fs::read_dir(dir).expect("guides/").map(|e| e.expect("entry").path()).collect();
    names.sort();
    names
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().ends_with(".schema.json"))
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("example guides are JSON"))
        .collect()
}

const NOW: i64 = 1_795_435_200_000; // 2026-11-23T12:00:00Z

fn context(traits: Value, url: &str) -> Context {
    Context {
        user_id: "fuzz-user".into(),
        traits: traits.as_object().cloned().unwrap_or_default(),
        url: url.into(),
        viewport: Size { width: 1280.0, height: 800.0 },
        device: Device::Desktop,
        locale: "en-US".into(),
        now_ms: NOW,
        ..Default::default()
    }
}

/// Everything the runtime and the CLI do with loaded guides: decide, explain, and run
/// each guide's state machine through a fixed sequence of inputs.
fn exercise(guides: Vec<guidepost_core::Guide>, ctx: &Context) {
    let engine = Engine::new(guides);
    let state = SchedulerState::default();
    let _ = engine.explain(ctx, &state);
    let _ = engine.next_guide(ctx, &state, None, TriggerInput::PageView, &Budget::default());
    for g in engine.guides() {
        let (mut s, _) = TourState::start(g, None, NOW);
        for input in [
            Input::TargetFound,
            Input::TargetFoundAnew,
            Input::Next,
            Input::PageView { url: ctx.url.clone() },
            Input::Back,
            Input::TargetMissing,
            Input::Event { name: "report_created".into() },
            Input::Button { index: 0 },
            Input::Escape,
        ] {
            s = transition(g, &s, input, NOW + 1000).0;
        }
    }
}

// ---------------------------------------------------------------------------
// Targets.

#[test]
fn fuzz_dates() {
    check("dates", nasty_string(), |s| {
        if let Some(ms) = dates::parse_date_ms(s) {
            let _ = dates::format_ms(ms);
        }
        let _ = dates::parse_day(s);
    });
}

#[test]
fn fuzz_trait_values_against_every_operator() {
    let ops =
        ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "starts_with", "exists", "not_exists", "within_days", "more_than_days_ago"];
    let audience: Vec<Value> = ops
        .iter()
        .map(|op| match *op {
            "within_days" | "more_than_days_ago" => json!({"trait": "t", "op": op, "value": 30}),
            "exists" | "not_exists" => json!({"trait": "t", "op": op}),
            _ => json!({"trait": "t", "op": op, "value": "2026-11-20"}),
        })
        .collect();
    let guide = json!({"id": "g", "name": "g", "audience": {"any": audience}, "steps": [{"id": "a", "kind": "modal", "title": "Hi"}]});
    let report = load_guides_value(&guide);
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
    let engine = Engine::new(report.guides);
    check("trait values", json_value(), |v| {
        let ctx = context(json!({ "t": v }), "/");
        let _ = engine.explain(&ctx, &SchedulerState::default());
    });
}

#[test]
fn fuzz_rules_as_audience() {
    check("rules", (json_value(), nasty_string(), nasty_string()), |(rule, trait_value, url)| {
        let guide = json!({"id": "g", "name": "g", "audience": rule, "steps": [{"id": "a", "kind": "modal", "title": "Hi"}]});
        let report = load_guides_value(&guide);
        exercise(report.guides, &context(json!({"role": trait_value, "signed_up_at": trait_value}), url));
    });
}

#[test]
fn fuzz_load_guides_from_arbitrary_json() {
    check("load_guides (arbitrary)", json_value(), |v| {
        let report = load_guides(&v.to_string());
        exercise(report.guides, &context(json!({}), "/"));
    });
}

#[test]
fn fuzz_load_guides_from_mutated_examples() {
    let examples = example_guides();
    check("load_guides (mutated examples)", (any::<u64>(), 1..6usize), |(seed, edits)| {
        let mut rng = Rng(*seed);
        let mut v = examples[rng.below(examples.len())].clone();
        mutate(&mut v, &mut rng, *edits);
        let report = load_guides_value(&v);
        let traits = json!({"role": "admin", "plan": REPLACEMENTS[rng.below(REPLACEMENTS.len())], "signed_up_at": "2026-01-0é"});
        exercise(report.guides, &context(traits, "/reports#/x"));
    });
}

#[test]
fn fuzz_persisted_state() {
    let examples = example_guides();
    let guides = load_guides_value(&Value::Array(examples)).guides;
    let real: Vec<Value> = guides
        .iter()
        .map(|g| serde_json::to_value(TourState::start(g, None, NOW).0).expect("state serialises"))
        .chain([serde_json::to_value(SchedulerState::default()).expect("serialises")])
        .collect();
    check("persisted state", (json_value(), any::<u64>()), |(arbitrary, seed)| {
        let mut rng = Rng(*seed);
        let mut mutated = real[rng.below(real.len())].clone();
        mutate(&mut mutated, &mut rng, 3);
        for v in [arbitrary, &mutated] {
            if let Ok(state) = from_value::<TourState>(v) {
                // A resumed state, however odd, drives the machine without panicking.
                for g in &guides {
                    let _ = transition(g, &state, Input::Resume { url: "/reports".into() }, NOW);
                    let _ = transition(g, &state, Input::Next, NOW);
                }
            }
            let _ = from_value::<SchedulerState>(v);
        }
    });
}

#[test]
fn fuzz_event_records() {
    let real = json!({
        "event_id": "e1", "kind": "step_completed", "guide_id": "g", "guide_version": 1, "step_id": "a", "step_index": 0,
        "user_id": "u", "session_id": "s", "timestamp": NOW, "url": "/", "duration_ms": 10
    });
    check("event records", (json_value(), any::<u64>()), |(arbitrary, seed)| {
        let mut rng = Rng(*seed);
        let mut mutated = real.clone();
        mutate(&mut mutated, &mut rng, 2);
        for v in [arbitrary, &mutated] {
            if let Ok(r) = from_value::<EventRecord>(v) {
                let _ = r.validate();
            }
            if let Ok(r) = serde_json::from_value::<EventRecord>(v.clone()) {
                let _ = r.validate();
            }
        }
    });
}

#[test]
fn fuzz_richtext() {
    check("richtext", nasty_string(), |s| {
        let _ = richtext::parse(s);
        let _ = richtext::plain_text(s);
        let _ = richtext::safe_url(s);
    });
}

#[test]
fn fuzz_url_patterns() {
    check("url patterns", (nasty_string(), nasty_string(), any::<bool>(), any::<bool>()), |(pattern, url, prefix, query)| {
        let mode = if *prefix { UrlMatch::Prefix } else { UrlMatch::Exact };
        let p = UrlPattern::compile(pattern, mode, *query);
        let _ = p.matches_url(&NormalUrl::new(url));
        let _ = p.matches(url);
    });
}

// ---------------------------------------------------------------------------
// Regressions, named after what broke.

#[test]
fn multibyte_date_as_trait_or_operand_does_not_panic() {
    regression("multibyte date", || {
        let guide = json!({"id": "g", "name": "g",
            "audience": {"all": [{"trait": "d", "op": "gt", "value": "2026-01-0é"}, {"trait": "d", "op": "within_days", "value": 3}]},
            "steps": [{"id": "a", "kind": "modal", "title": "Hi"}]});
        let report = load_guides_value(&guide);
        exercise(report.guides, &context(json!({"d": "2026-01-0é"}), "/"));
        assert_eq!(dates::parse_date_ms("2026-01-0é"), None);
    });
}

#[test]
fn url_wildcards_do_not_backtrack() {
    regression("url wildcards", || {
        let p = UrlPattern::compile("/*a*a*a*a*a*a*a*a*b", UrlMatch::Exact, false);
        let path = format!("/{}", "a".repeat(49));
        assert!(!p.matches(&path));
        assert!(p.matches(&format!("{path}b")));
    });
}

#[test]
fn dangling_step_references_validate_in_linear_time() {
    regression("3000 dangling references", || {
        let steps: Vec<Value> = (0..3000)
            .map(|i| json!({"id": format!("s{i}"), "kind": "modal", "title": "Hi", "branch": [{"to": format!("missing{i}")}]}))
            .collect();
        let report = load_guides_value(&json!({"id": "g", "name": "g", "steps": steps}));
        let dangling = report.diagnostics.iter().filter(|d| d.message.starts_with("no step with id")).count();
        assert_eq!(dangling, 3000);
    });
}

#[test]
fn richtext_with_many_brackets_is_linear() {
    regression("100k brackets", || {
        let body = "[".repeat(100_000);
        assert_eq!(richtext::plain_text(&body).len(), 100_000);
        let _ = richtext::parse(&"*_`[](".repeat(20_000));
    });
}

#[test]
fn hash_routes_match_url_rules() {
    // The engine saw `/` for `/#/settings`, so hash-routed apps could not be targeted.
    let cases = [
        ("/#/settings", "http://app.example/#/settings", true),
        ("/#/settings", "/#/settings/", true),
        ("/#/settings", "/#/settings?tab=2", true),
        ("/#/settings", "/#/reports", false),
        ("/#/users/:id", "/#/users/42", true),
        ("/settings", "/settings#section", true),
        ("/#!/inbox", "/#!/inbox", true),
    ];
    for (pattern, url, want) in cases {
        let p = UrlPattern::compile(pattern, UrlMatch::Exact, false);
        assert_eq!(p.matches_url(&NormalUrl::new(url)), want, "{pattern} against {url}");
    }
    let p = UrlPattern::compile("/#/settings?tab=2", UrlMatch::Exact, true);
    assert!(p.matches_url(&NormalUrl::new("/#/settings?tab=2")));
    assert!(!p.matches_url(&NormalUrl::new("/#/settings?tab=3")));
}
