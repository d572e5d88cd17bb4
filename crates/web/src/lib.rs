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
mod dom;
#[cfg(target_arch = "wasm32")]
mod follow;
#[cfg(target_arch = "wasm32")]
mod overlay;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(target_arch = "wasm32")]
mod store;

pub mod view;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

/// Set by the panic hook: the module is about to abort, and every entry point from the
/// page (exports, listeners, timers) returns at once from then on.
#[cfg(target_arch = "wasm32")]
static DEAD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// False once the engine has panicked.
#[cfg(target_arch = "wasm32")]
pub(crate) fn alive() -> bool {
    !DEAD.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(target_arch = "wasm32")]
mod exports {
    use wasm_bindgen::prelude::*;

    use crate::runtime;

    /// Runs `f`, turning its error into an `error` event instead of an exception.
    fn guard<T: Default>(what: &str, f: impl FnOnce() -> Result<T, String>) -> T {
        if !crate::alive() {
            return T::default();
        }
        f().unwrap_or_else(|e| {
            runtime::report_error(what, &e, JsValue::UNDEFINED);
            T::default()
        })
    }

    thread_local! {
        /// The loader's `die` callback, taken by the first panic.
        static ON_PANIC: std::cell::Cell<Option<js_sys::Function>> = const { std::cell::Cell::new(None) };
    }

    /// `on_panic(message)` is called once, by the first panic, before the module aborts.
    #[wasm_bindgen]
    pub fn gp_boot(emitter: js_sys::Function, on_panic: js_sys::Function) {
        ON_PANIC.with(|p| p.set(Some(on_panic)));
        std::panic::set_hook(Box::new(|info| {
            crate::DEAD.store(true, std::sync::atomic::Ordering::Relaxed);
            // Touches no runtime state: a RefCell may be borrowed where the panic struck.
            if let Some(f) = ON_PANIC.with(|p| p.take()) {
                let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&info.to_string()));
            }
        }));
        runtime::boot(emitter);
    }

    /// Answers true while guides are being fetched from a URL (`ready` then waits for them).
    #[wasm_bindgen]
    pub fn gp_init(options: JsValue) -> bool {
        guard("init", || runtime::init(options))
    }

    /// Panics on purpose: the loader's `__fault()` test hook exercises panic containment
    /// in the shipped build.
    #[wasm_bindgen]
    pub fn gp_fault() {
        if crate::alive() {
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
        if !crate::alive() {
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
