//! guidepost-web: the browser runtime.
//!
//! The JS API (`window.Guidepost`, set up by `js/loader.js`) calls the `gp_*` exports
//! below. Errors become `on('error')` events at the boundary. Release wasm aborts on a
//! panic (`panic = "abort"`: no unwinding), so a panic cannot be caught: the hook
//! installed by `gp_boot` tells the loader once, the loader turns every later call into a
//! no-op, and the runtime's own listeners and timers stop calling in (`alive`).
//!
//! The split follows the core/platform boundary: `guidepost-core` decides (rules,
//! scheduling, the state machine, geometry); this crate reads the DOM, the clock and
//! storage, feeds facts in as inputs, and carries out the effects.

#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod delivery;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(target_arch = "wasm32")]
mod store;
#[cfg(target_arch = "wasm32")]
mod sync;
#[cfg(target_arch = "wasm32")]
mod ui;

#[cfg(target_arch = "wasm32")]
mod exports {
    use wasm_bindgen::prelude::*;

    use crate::runtime;

    /// Runs `f`, turning its error into an `error` event instead of an exception.
    fn guard<T: Default>(what: &str, f: impl FnOnce() -> Result<T, String>) -> T {
        if !guidepost_dom::alive() {
            return T::default();
        }
        f().unwrap_or_else(|e| {
            runtime::report_error(what, &e, JsValue::UNDEFINED);
            T::default()
        })
    }

    /// `on_panic(message)` is called once, by the first panic, before the module aborts.
    /// `ui(op, ...args)` reaches the overlay module through the loader (see `ui.rs`).
    /// `stringify(value)` is the loader's `JSON.stringify` for values from the page.
    #[wasm_bindgen]
    pub fn gp_boot(emitter: js_sys::Function, on_panic: js_sys::Function, ui: js_sys::Function, stringify: js_sys::Function) {
        guidepost_dom::on_panic(on_panic);
        crate::ui::connect(ui);
        runtime::connect_stringify(stringify);
        runtime::boot(emitter);
    }

    /// Answers true while guides are being fetched from a URL (`ready` then waits for them).
    #[wasm_bindgen]
    pub fn gp_init(options: JsValue) -> bool {
        guard("init", || runtime::init(options))
    }

    /// Another module stopped (the loader's `die`): stop answering the page (listeners,
    /// timers, delivery).
    #[wasm_bindgen]
    pub fn gp_kill() {
        guidepost_dom::kill();
    }

    /// Panics on purpose: the loader's `__fault()` test hook exercises panic containment
    /// in the shipped build.
    #[wasm_bindgen]
    pub fn gp_fault() {
        if guidepost_dom::alive() {
            panic!("fault requested through Guidepost.__fault()");
        }
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
    pub fn gp_preview(arg: JsValue) -> JsValue {
        // `true`, or the problem (also reported through `on('error')`) for the designer.
        if !guidepost_dom::alive() {
            return JsValue::NULL;
        }
        match crate::runtime::preview(arg) {
            Ok(()) => JsValue::TRUE,
            Err(e) => {
                runtime::report_error("preview", &e, JsValue::UNDEFINED);
                JsValue::from_str(&e)
            }
        }
    }

    #[wasm_bindgen]
    pub fn gp_end() {
        guard("end", runtime::end);
    }

    #[wasm_bindgen]
    pub fn gp_reset() {
        guard("reset", runtime::reset);
    }

    /// The state `debug()` explains, as JSON for the author module.
    #[wasm_bindgen]
    pub fn gp_debug_state() -> JsValue {
        let v = guard("debug", || runtime::debug_state().map(Some));
        v.map(JsValue::from).unwrap_or(JsValue::NULL)
    }

    /// What the user did in the overlay module: a `UiEvent` as JSON.
    #[wasm_bindgen]
    pub fn gp_ui(event: &str) {
        guard("overlay", || {
            let ev = guidepost_core::json::from_str(event).map_err(|e| format!("unreadable event at {}: {}", e.path, e.message))?;
            runtime::on_ui(ev);
            Ok(())
        });
    }
}
