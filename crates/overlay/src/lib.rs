//! guidepost-overlay: the overlay module. The loader fetches it only when a guide is about
//! to show (it starts the fetch as soon as a guide is eligible, while the decision module
//! waits for the target), so a page view that shows nothing never downloads leptos.
//!
//! The decision module (`guidepost-web`) drives it through the loader with three calls:
//! `ov_boot` once, then `ov_show(step view JSON, target element, its iframes, rtl)` and
//! `ov_hide(end)`. What the user does comes back as [`UiEvent`] JSON through the `on_ui`
//! callback. It renders, positions and follows; it never sees a guide, a rule or the state
//! machine, and it records nothing.
//!
//! Release wasm aborts on a panic: the hook installed by `ov_boot` clears
//! [`guidepost_dom::alive`] (listeners and timers stop calling in) and tells the loader,
//! which turns the engine off for the page view.

#[cfg(target_arch = "wasm32")]
mod dock;
#[cfg(target_arch = "wasm32")]
mod follow;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
mod overlay;
#[cfg(target_arch = "wasm32")]
mod place;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

#[cfg(target_arch = "wasm32")]
mod exports {
    use guidepost_core::view::{StepVm, UiEvent};
    use guidepost_dom::{alive, Found};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use crate::{follow, overlay, place};

    /// Mounts the (empty) overlay. `on_ui(event)` hears what the user does, as JSON;
    /// `on_panic(message)` is called once, by the first panic, before the module aborts.
    #[wasm_bindgen]
    pub fn ov_boot(on_ui: js_sys::Function, on_panic: js_sys::Function) {
        guidepost_dom::on_panic(on_panic);
        overlay::boot(move |ev: UiEvent| {
            if let Ok(text) = serde_json::to_string(&ev) {
                let _ = on_ui.call1(&JsValue::NULL, &JsValue::from_str(&text));
            }
        });
        follow::install(place::moved);
    }

    /// Shows a step: `vm` is the step view's JSON, `target` the element it is anchored to
    /// (or null) and `frames` the same-origin iframes that hold it, outermost first.
    /// Answers null, or the problem with `vm` (the loader reports it through `on('error')`).
    #[wasm_bindgen]
    pub fn ov_show(vm: &str, target: JsValue, frames: js_sys::Array, rtl: bool) -> JsValue {
        if !alive() {
            return JsValue::NULL;
        }
        let vm: StepVm = match guidepost_core::json::from_str(vm) {
            Ok(vm) => vm,
            Err(e) => return JsValue::from_str(&format!("the step view at {} is not readable: {}", e.path, e.message)),
        };
        // Elements from iframes belong to another realm, where `instanceof` fails.
        let found = target.is_object().then(|| Found {
            el: target.unchecked_into(),
            frames: frames.iter().filter(JsValue::is_object).map(JsCast::unchecked_into).collect(),
        });
        place::show(vm, found, rtl);
        JsValue::NULL
    }

    /// Hides the step; `end` (the guide ended) also gives focus back to where it was.
    #[wasm_bindgen]
    pub fn ov_hide(end: bool) {
        if alive() {
            place::hide(end);
        }
    }

    /// Another module stopped (the loader's `die`): take the step down and stop answering
    /// the page (keys, scrolls, mutations).
    #[wasm_bindgen]
    pub fn ov_kill() {
        if alive() {
            place::hide(false);
            guidepost_dom::kill();
        }
    }
}
