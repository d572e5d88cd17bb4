//! Size probe: the core engine's entry points the runtime uses, without leptos or web-sys.
use guidepost_core::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn validate(text: &str) -> String {
    serde_json::to_string(&load_guides(text)).unwrap_or_default()
}

#[wasm_bindgen]
pub fn step(guides: &str, ctx: &str, sched: &str, tour: &str, input: u32, now: f64, rects: &[f64]) -> String {
    let report = load_guides(guides);
    let engine = Engine::new(report.guides.clone());
    let v: serde_json::Value = serde_json::from_str(ctx).unwrap_or_default();
    let mut ctx = Context::default();
    ctx.user_id = v["user"].as_str().unwrap_or("").to_string();
    ctx.url = v["url"].as_str().unwrap_or("/").to_string();
    ctx.now_ms = now as i64;
    if let Some(t) = v["traits"].as_object() { ctx.traits = t.clone(); }
    ctx.record_event("x", now as i64);
    let mut st = json::from_str::<SchedulerState>(sched).unwrap_or_default();
    let budget = Budget::default();
    let explain = engine.explain(&ctx, &st);
    let d = engine.next_guide(&ctx, &st, None, TriggerInput::PageView, &budget);
    let mut out = serde_json::to_string(&explain).unwrap_or_default();
    out += &serde_json::to_string(&d).unwrap_or_default();
    if let Some(g) = engine.guides().first() {
        let (mut s, mut fx) = match json::from_str::<TourState>(tour) { Ok(s) => (s, vec![]), Err(_) => TourState::start(g, None, now as i64) };
        let i = match input { 0 => Input::Next, 1 => Input::Back, 2 => Input::Escape, 3 => Input::TargetFound, 4 => Input::TargetMissing, 5 => Input::Timeout, _ => Input::Button { index: input as usize } };
        let (s2, fx2) = transition(g, &s, i, now as i64);
        s = s2; fx.extend(fx2);
        st.record_shown(&g.id, now as i64);
        out += &serde_json::to_string(&s).unwrap_or_default();
        out += &serde_json::to_string(&fx).unwrap_or_default();
        out += &serde_json::to_string(&st).unwrap_or_default();
        for step in &g.steps { out += &serde_json::to_string(&richtext::parse(&step.body)).unwrap_or_default(); }
    }
    let r = |i: usize| rects.get(i).copied().unwrap_or(0.0);
    let t = Rect::new(r(0), r(1), r(2), r(3));
    let vp = Rect::new(0.0, 0.0, r(4), r(5));
    let p = compute_position(t, FloatSize { width: r(6), height: r(7) }, vp, Placement::Bottom, &PositionOptions::default());
    out += &serde_json::to_string(&p).unwrap_or_default();
    out += &spotlight_path(vp, t, 4.0, 6.0);
    if let Ok(rec) = json::from_str::<EventRecord>(tour) { out += &serde_json::to_string(&rec).unwrap_or_default(); }
    out
}
