//! Time to evaluate 1,000 guides of about 10 conditions each against one context.
//! Target: under 100 µs natively. Run: `cargo bench -p guidepost-core --bench targeting`.

use criterion::{criterion_group, criterion_main, Criterion};
use guidepost_core::{load_guides, Context, Device, Engine, SchedulerState, Size};
use serde_json::json;
use std::hint::black_box;

const NOW: i64 = 1_795_435_200_000;

/// 1,000 guides, each with 10 conditions over traits, URL, events, device, locale and history,
/// nested in all/any/not. About a third match the context, so short-circuiting is realistic.
fn guides() -> String {
    let gs: Vec<_> = (0..1000)
        .map(|i| {
            let plan = ["free", "pro", "enterprise"][i % 3];
            json!({
                "id": format!("g{i}"), "name": format!("Guide {i}"), "priority": i % 7,
                "audience": { "all": [
                    { "trait": "plan", "op": "eq", "value": plan },
                    { "trait": "seats", "op": "gte", "value": (i % 20) as i64 },
                    { "trait": "signed_up_at", "op": "within_days", "value": 30 + i % 60 },
                    { "trait": "tags", "op": "contains", "value": "admin" },
                    { "url": format!("/reports/:id/section{}", i % 4), "match": "prefix" },
                    { "any": [ { "device": "desktop" }, { "viewport": { "min_width": 900 } } ] },
                    { "locale": ["en", "fr"] },
                    { "event": format!("event_{}", i % 25), "op": "lt", "count": 3, "within_days": 7 },
                    { "not": { "guide": format!("g{}", (i + 1) % 1000), "status": "completed" } },
                    { "trait": "country", "op": "in", "value": ["US", "CA", "GB", "FR"] }
                ]},
                "steps": [ { "id": "s", "kind": "modal", "title": "Hi" } ]
            })
        })
        .collect();
    serde_json::to_string(&gs).unwrap()
}

fn context() -> Context {
    let mut c = Context {
        user_id: "user-42".into(),
        url: "/reports/42/section1/detail?x=1".into(),
        viewport: Size { width: 1280.0, height: 800.0 },
        device: Device::Desktop,
        locale: "en-US".into(),
        now_ms: NOW,
        ..Default::default()
    };
    c.traits = json!({"plan": "pro", "seats": 12, "signed_up_at": "2026-11-01", "tags": ["admin", "beta"], "country": "FR"})
        .as_object()
        .unwrap()
        .clone();
    for e in 0..25 {
        c.events.insert(format!("event_{e}"), (0..e as i64).map(|k| NOW - k * 3_600_000).rev().collect());
    }
    c
}

fn bench(c: &mut Criterion) {
    let report = load_guides(&guides());
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics.first());
    let engine = Engine::new(report.guides);
    let ctx = context();
    let state = SchedulerState::default();
    let eligible = engine.eligible(&ctx, &state).len();
    println!("1000 guides x 10 conditions: {eligible} eligible for the benchmark context");
    c.bench_function("evaluate 1000 guides x 10 conditions", |b| b.iter(|| engine.eligible(black_box(&ctx), &state).len()));
    c.bench_function("explain (traced) 1000 guides", |b| b.iter(|| engine.explain(black_box(&ctx), &state).len()));
    c.bench_function("compile 1000 guides", |b| b.iter(|| Engine::new(black_box(engine.guides().to_vec())).guides().len()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
