//! Size floor for the decision module: guides read without the shape pass, targeting
//! without traces, the scheduler, the state machine and persisted state. Never shipped.
use guidepost_core::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn step(guides: &str, user: &str, sched: &str, tour: &str, input: u32, now: f64) -> String {
    let now = now as i64;
    let v: serde_json::Value = serde_json::from_str(guides).unwrap_or_default();
    let mut gs = vec![];
    let mut out = String::new();
    for g in v.as_array().into_iter().flatten() {
        match json::from_value::<Guide>(g) {
            Ok(g) => gs.push(g),
            Err(e) => out += &e.message,
        }
    }
    let engine = Engine::new(gs);
    let user: serde_json::Value = serde_json::from_str(user).unwrap_or_default();
    let mut ctx = Context { now_ms: now, ..Default::default() };
    ctx.user_id = user["id"].as_str().unwrap_or_default().to_string();
    ctx.url = user["url"].as_str().unwrap_or("/").to_string();
    if let Some(t) = user["traits"].as_object() {
        ctx.traits = t.clone();
    }
    ctx.record_event("page", now);
    let mut st = json::from_str::<SchedulerState>(sched).unwrap_or_default();
    let decision = engine.next_guide(&ctx, &st, None, TriggerInput::PageView, &Budget::default());
    if let Decision::Show { guide_id, .. } = decision {
        out += &guide_id;
    }
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
        out += &serde_json::to_string(&(&state, effects.len(), &st)).unwrap_or_default();
    }
    out
}
