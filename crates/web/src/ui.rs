//! The bridge to the overlay module, which the loader fetches the first time it is asked
//! for (`prefetch`, or a first `show`). Calls go out through the loader's `ui` function;
//! the loader holds the last `show` until the module has loaded and replays it, so a slow
//! overlay delays the step without losing it. What the user does comes back through
//! `gp_ui` (see `lib.rs`) as `UiEvent` JSON.

use std::cell::RefCell;

use guidepost_core::view::StepVm;
use guidepost_dom::Found;
use wasm_bindgen::prelude::*;

thread_local! {
    static UI: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Keeps the loader's `ui(op, ...args)` function.
pub fn connect(f: js_sys::Function) {
    UI.with(|u| *u.borrow_mut() = Some(f));
}

fn call(args: &[JsValue]) {
    let Some(f) = UI.with(|u| u.borrow().clone()) else { return };
    let _ = f.apply(&JsValue::NULL, &args.iter().collect::<js_sys::Array>());
}

/// A guide is eligible: start fetching the overlay module now.
pub fn prefetch() {
    call(&["prefetch".into()]);
}

/// Shows `vm`, anchored to `target` when it has one.
pub fn show(vm: &StepVm, target: Option<&Found>, rtl: bool) {
    let Ok(text) = serde_json::to_string(vm) else { return };
    let (el, frames) = match target {
        Some(f) => (JsValue::from(f.el.clone()), f.frames.iter().map(JsValue::from).collect::<js_sys::Array>()),
        None => (JsValue::NULL, js_sys::Array::new()),
    };
    call(&["show".into(), text.into(), el, frames.into(), rtl.into()]);
}

/// Hides the step; `end` when the guide ended (focus goes back where it was).
pub fn hide(end: bool) {
    call(&["hide".into(), end.into()]);
}
