//! guidepost-web: the browser runtime.
//!
//! The JS API (`window.Guidepost`, set up by `js/loader.js`) calls the `gp_*` exports
//! below. Each export catches panics and errors at the boundary: a broken guide or a
//! bug in the engine is reported through `on('error')` and the console, and never
//! throws into the host page.
//!
//! The split follows the core/platform boundary: `guidepost-core` decides (rules,
//! scheduling, the state machine, geometry); this crate reads the DOM, the clock and
//! storage, feeds facts in as inputs, and carries out the effects.

#[cfg(target_arch = "wasm32")]
mod delivery;
#[cfg(target_arch = "wasm32")]
mod dom;
#[cfg(target_arch = "wasm32")]
mod overlay;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(target_arch = "wasm32")]
mod store;

pub mod view;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

#[cfg(target_arch = "wasm32")]
mod exports {
    use wasm_bindgen::prelude::*;

    use crate::runtime;

    /// Runs `f`, turning panics and errors into an `error` event instead of an exception.
    fn guard<T: Default>(what: &str, f: impl FnOnce() -> Result<T, String>) -> T {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                runtime::report_error(what, &e, JsValue::UNDEFINED);
                T::default()
            }
            Err(_) => {
                runtime::report_error(what, "internal error", JsValue::UNDEFINED);
                T::default()
            }
        }
    }

    #[wasm_bindgen]
    pub fn gp_boot(emitter: js_sys::Function) {
        runtime::boot(emitter);
    }

    #[wasm_bindgen]
    pub fn gp_init(options: JsValue) {
        guard("init", || runtime::init(options));
    }

    #[wasm_bindgen]
    pub fn gp_identify(user_id: JsValue, traits: JsValue) {
        guard("identify", || runtime::identify(user_id, traits));
    }

    #[wasm_bindgen]
    pub fn gp_track(event: JsValue, props: JsValue) {
        guard("track", || runtime::track(event, props));
    }

    #[wasm_bindgen]
    pub fn gp_page() {
        guard("page", runtime::page);
    }

    #[wasm_bindgen]
    pub fn gp_start(guide_id: JsValue) {
        guard("start", || runtime::start(guide_id));
    }

    #[wasm_bindgen]
    pub fn gp_end() {
        guard("end", runtime::end);
    }

    #[wasm_bindgen]
    pub fn gp_reset() {
        guard("reset", runtime::reset);
    }

    #[wasm_bindgen]
    pub fn gp_debug() -> JsValue {
        let v = guard("debug", || runtime::debug().map(Some));
        v.unwrap_or(JsValue::NULL)
    }

    /// Validates guide JSON text with the engine's loader: `{ guides: [ids], diagnostics: [...] }`.
    #[wasm_bindgen]
    pub fn gp_validate(text: JsValue) -> JsValue {
        let v = guard("validate", || {
            let text = text.as_string().ok_or("validate: expected a JSON string")?;
            let report = guidepost_core::load_guides(&text);
            let ids: Vec<&str> = report.guides.iter().map(|g| g.id.as_str()).collect();
            let out = serde_json::json!({ "guides": ids, "diagnostics": report.diagnostics });
            Ok(Some(js_sys::JSON::parse(&out.to_string()).map_err(|_| "validate: encoding failed")?))
        });
        v.unwrap_or(JsValue::NULL)
    }

    #[wasm_bindgen]
    pub fn gp_pick(options: JsValue) -> JsValue {
        let v = guard("pick", || crate::dom::pick(options).map(Some));
        v.unwrap_or(JsValue::NULL)
    }
}
