//! Size floor for guidepost-core: every entry point the browser runtime calls, driven by
//! arguments so nothing is folded away, and nothing else (no leptos, web-sys or DOM code).
//! Measured by scripts/size-floor.sh; never shipped.
use guidepost_core::*;
use wasm_bindgen::prelude::*;

/// `Guidepost.validate`: load, validate and report, as the playground does.
#[wasm_bindgen]
pub fn validate(text: &str) -> String {
    serde_json::to_string(&load_guides(text)).unwrap_or_default()
}

/// One pass of what the runtime does on a page view: targeting with its trace, the
/// scheduler's decision, a state-machine step, persisted state, rich text, geometry and
/// the event log.
#[wasm_bindgen]
pub fn step(guides: &str, user: &str, sched: &str, tour: &str, input: u32, now: f64, rects: &[f64]) -> String {
    let now = now as i64;
    let engine = Engine::new(load_guides(guides).guides);
    let user: serde_json::Value = serde_json::from_str(user).unwrap_or_default();
    let mut ctx = Context { now_ms: now, ..Default::default() };
    ctx.user_id = user["id"].as_str().unwrap_or_default().to_string();
    ctx.url = user["url"].as_str().unwrap_or("/").to_string();
    if let Some(t) = user["traits"].as_object() {
        ctx.traits = t.clone();
    }
    ctx.record_event("page", now);
    let mut st = json::from_str::<SchedulerState>(sched).unwrap_or_default();
    let mut out = serde_json::to_string(&engine.explain(&ctx, &st)).unwrap_or_default();
    let decision = engine.next_guide(&ctx, &st, None, TriggerInput::PageView, &Budget::default());
    out += &serde_json::to_string(&decision).unwrap_or_default();
    if let Some(g) = engine.guides().first() {
        let (state, mut effects) = match json::from_str::<TourState>(tour) {
            Ok(s) => (s, vec![]),
            Err(_) => TourState::start(g, None, now),
        };
        let input = match input {
            0 => Input::Next,
            1 => Input::Back,
            2 => Input::Escape,
            3 => Input::TargetFound,
            4 => Input::TargetMissing,
            5 => Input::Timeout,
            i => Input::Button { index: i as usize },
        };
        let (state, more) = transition(g, &state, input, now);
        effects.extend(more);
        st.record_shown(&g.id, now);
        out += &serde_json::to_string(&(&state, &effects, &st)).unwrap_or_default();
        for s in &g.steps {
            out += &serde_json::to_string(&richtext::parse(&s.body)).unwrap_or_default();
        }
    }
    let r = |i: usize| rects.get(i).copied().unwrap_or(0.0);
    let (target, viewport) = (Rect::new(r(0), r(1), r(2), r(3)), Rect::new(0.0, 0.0, r(4), r(5)));
    let p = compute_position(target, FloatSize { width: r(6), height: r(7) }, viewport, Placement::Bottom, &PositionOptions::default());
    out += &serde_json::to_string(&p).unwrap_or_default();
    out += &spotlight_path(viewport, target, 4.0, 6.0);
    if let Ok(record) = json::from_str::<EventRecord>(tour) {
        out += &serde_json::to_string(&record).unwrap_or_default();
    }
    out
}
