//! Where `<guidepost-root>` lives in the page, and what the page's CSS does to it from there.
//! The host is put back when the page takes it out, moved into the modal the page shows, and
//! unzoomed. (What is inside it, the view, is `overlay.rs`.)

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use guidepost_dom::document;

use crate::overlay::{shadow, showing, top_layer};

/// Puts the host back when the page took it out: apps that swap their whole `<body>` on
/// navigation (Turbo Drive, htmx's boosted links, pjax) remove it with the old one. The host
/// keeps its shadow root and view, so a step on screen comes back as it was. A modal
/// `<dialog>` that holds it and was closed is left at once too (the host would be hidden
/// with it). Cheap, with no string or selector: runs on every reposition, scroll frames too.
pub fn reattach() {
    let Some(host) = shadow().map(|s| s.host()) else { return };
    let closed_dialog = || host.parent_element().and_then(|p| p.dyn_into::<web_sys::HtmlDialogElement>().ok()).is_some_and(|d| !d.open());
    if !host.is_connected() || closed_dialog() {
        rehome();
    }
}

/// Puts the host where the user can reach it: in the modal the page shows, if any, else in
/// the body ([`guidepost_dom::modal::home_for`]). Moving the host closes its popover (it is shown again,
/// above the modal) and blurs what had focus inside it (focused again).
pub fn rehome() {
    let Some(shadow) = shadow() else { return };
    let host = shadow.host();
    let Some(doc) = document() else { return };
    let Some(parent) = guidepost_dom::modal::home_for(&doc, &host) else { return };
    let Some(before) = guidepost_dom::modal::place_in(&parent, &host) else { return };
    // Null unless the focus is inside the host, wherever the host sits (the page's document,
    // or a component's shadow root).
    let focused = shadow.active_element();
    let _ = parent.insert_before(&host, before.as_ref().map(|b| b.as_ref()));
    unzoom();
    top_layer(showing());
    if let Some(el) = focused.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
        let o = web_sys::FocusOptions::new();
        o.set_prevent_scroll(true);
        let _ = el.focus_with_options(&o);
    }
}

/// Undoes the zoom the host inherits from a `zoom` on `<html>`, `<body>` or the modal it sits
/// in (some apps shrink their whole UI so): the box is placed in the viewport's pixels, which
/// a zoomed host would scale, so it would land off its target and shrink with the page.
/// `currentCSSZoom` is the parent's effective zoom (Chromium 128+, Firefox 126+; where it is
/// missing, nothing is done).
pub fn unzoom() {
    let Some(host) = shadow().map(|s| s.host()) else { return };
    let Some(parent) = host.parent_element() else { return };
    let zoom = js_sys::Reflect::get(&parent, &JsValue::from_str("currentCSSZoom")).ok().and_then(|v| v.as_f64());
    let unzoom = zoom.filter(|z| z.is_finite() && *z > 0.0).map_or(1.0, |z| 1.0 / z);
    let style = host.unchecked_into::<web_sys::HtmlElement>().style();
    if (unzoom - 1.0).abs() < 1e-6 {
        let _ = style.remove_property("--gp-unzoom");
    } else {
        let _ = style.set_property("--gp-unzoom", &guidepost_core::num::show(unzoom));
    }
}
