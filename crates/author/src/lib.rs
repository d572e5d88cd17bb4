//! guidepost-author: the author module. Full validation with diagnostics
//! (`Guidepost.validate`), eligibility traces (`Guidepost.debug`) and the element picker
//! (`Guidepost.pick`). The loader fetches it on the first of those calls only, so end users
//! never download it.
//!
//! `debug` explains the decision module's own state: the loader asks the decision module
//! for its guides, context and scheduler state (`gp_debug_state`, JSON) and hands them to
//! [`au_explain`], which runs the same core engine with traces.

#[cfg(target_arch = "wasm32")]
mod pick;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod selector;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

#[cfg(target_arch = "wasm32")]
mod exports {
    use guidepost_core::json::{At, FromJson, JsonError, Obj};
    use guidepost_core::{Context, Engine, SchedulerState};
    use wasm_bindgen::prelude::*;

    fn parse(text: &str) -> JsValue {
        js_sys::JSON::parse(text).unwrap_or(JsValue::NULL)
    }

    /// `on_panic(message)` is called once, by the first panic, before the module aborts.
    #[wasm_bindgen]
    pub fn au_boot(on_panic: js_sys::Function) {
        guidepost_dom::on_panic(on_panic);
    }

    /// Validates guide JSON text with the full loader: `{ guides: [ids], diagnostics: [...] }`.
    #[wasm_bindgen]
    pub fn au_validate(text: &str) -> JsValue {
        let report = guidepost_core::load_guides(text);
        let ids: Vec<&str> = report.guides.iter().map(|g| g.id.as_str()).collect();
        parse(&serde_json::json!({ "guides": ids, "diagnostics": report.diagnostics }).to_string())
    }

    /// What `gp_debug_state` hands over.
    struct DebugState {
        guides: serde_json::Value,
        ctx: Context,
        sched: SchedulerState,
    }

    impl FromJson for DebugState {
        fn from_json(v: &serde_json::Value, at: At) -> Result<Self, JsonError> {
            let o = Obj::new(v, at, "the runtime's state")?;
            Ok(DebugState { guides: o.req("guides")?, ctx: o.req("ctx")?, sched: o.req("sched")? })
        }
    }

    /// Every loaded guide's eligibility with its trace, for the decision module's state
    /// (`gp_debug_state`'s JSON). Answers an error message as a string.
    #[wasm_bindgen]
    pub fn au_explain(state: &str) -> JsValue {
        let s: DebugState = match guidepost_core::json::from_str(state) {
            Ok(s) => s,
            Err(e) => return JsValue::from_str(&format!("debug: the runtime's state at {} is not readable: {}", e.path, e.message)),
        };
        let engine = Engine::new(guidepost_core::read_guides_value(&s.guides).guides);
        parse(&serde_json::to_string(&engine.explain(&s.ctx, &s.sched)).unwrap_or_default())
    }

    /// Another module stopped (the loader's `die`): leave picker mode (its listeners
    /// swallow the page's clicks) and stop answering the page.
    #[wasm_bindgen]
    pub fn au_kill() {
        if guidepost_dom::alive() {
            crate::pick::cancel();
            guidepost_dom::kill();
        }
    }

    /// Enters picker mode: a Promise of `{ target, selector, matches }`, or null on Esc.
    /// `state` is the decision module's state JSON (`gp_debug_state`), for the author's own
    /// id and traits, which a target's text must not hold.
    #[wasm_bindgen]
    pub fn au_pick(options: JsValue, state: &str) -> JsValue {
        crate::pick::set_personal(state);
        crate::pick::pick(options).unwrap_or(JsValue::NULL)
    }
}
