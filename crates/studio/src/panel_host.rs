//! Where the designer's panel lives in the author's app, and what the app's modals do to it.
//! The author opens the app's own dialogs to put steps in them, and keeps typing in the
//! panel meanwhile:
//! - a modal `<dialog>` (`showModal()`) makes everything outside it inert, top layer
//!   included, and scripted modals' focus traps (Bootstrap's, MUI's, whatever phase they
//!   listen in) pull the focus back into their modal: the host goes into the page's modal
//!   while it is open (`guidepost_dom::modal::home_for`, as the overlay's host does), and
//!   back to the body after;
//! - modal libraries hide everything else from assistive technology or make it inert
//!   (`aria-hidden`, `inert` on the body's other children): the host drops those marks;
//! - Headless UI's dialogs close on a press outside their panel: presses in the panel are
//!   marked handled (`guidepost_dom::modal::claim_presses`);
//! - the app's menus and popovers close on a press or click outside them (Bootstrap's
//!   dropdowns, FullCalendar's "+3 more"), and the author opens one to pick its items: the
//!   panel's presses and clicks stop at its host, so the page's listeners never hear them;
//! - a popover shown after the panel's lies above it in the top layer: a step the author
//!   previews (a modal's backdrop covers the viewport), or the app's own. The panel is
//!   shown again after every other popover opens, so it stays on top.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Keeps `host` (the panel's, shown as a popover) reachable for the page's lifetime.
pub fn keep_reachable(host: &web_sys::Element) {
    guidepost_dom::modal::claim_presses(host);
    // Not `mouseup` or `pointerup`: dragging the panel ends on the window's `mouseup`.
    let stop = Closure::<dyn FnMut(web_sys::Event)>::new(|ev: web_sys::Event| ev.stop_propagation());
    for name in ["pointerdown", "mousedown", "touchstart", "click"] {
        let _ = host.add_event_listener_with_callback(name, stop.as_ref().unchecked_ref());
    }
    stop.forget();
    let Some(doc) = host.owner_document() else { return };
    let Some(root) = doc.document_element() else { return };
    let h = host.clone();
    let on_change = Closure::<dyn FnMut()>::new(move || rehome(&h));
    let Ok(observer) = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()) else { return };
    on_change.forget();
    let opts = web_sys::MutationObserverInit::new();
    opts.set_subtree(true);
    opts.set_attributes(true);
    // What opening and closing a modal changes: `open` (`<dialog>`), `aria-modal`
    // (Bootstrap sets it on show), the marks on the rest of the page, `class` (a scripted
    // modal shown or hidden by one), and the modal's own insertion (portals).
    opts.set_child_list(true);
    let names = js_sys::Array::new();
    for n in ["open", "aria-modal", "aria-hidden", "inert", "class"] {
        names.push(&n.into());
    }
    opts.set_attribute_filter(&names);
    let _ = observer.observe_with_options(&root, &opts);
    // `toggle` does not bubble: heard in the capture phase, for popovers in the document (a
    // popover inside a component's shadow root is not heard).
    let h = host.clone();
    let on_toggle = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let opened = js_sys::Reflect::get(&ev, &"newState".into()).ok().and_then(|s| s.as_string()).is_some_and(|s| s == "open");
        // A popover other than the panel (`<details>` and `<dialog>` fire `toggle` too).
        let other = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|t| t.has_attribute("popover") && JsValue::from(t) != JsValue::from(h.clone()));
        if opened && other && h.matches(":popover-open").unwrap_or(false) {
            reshow(&h, || call(&h, "hidePopover"));
        }
    });
    let opts = web_sys::AddEventListenerOptions::new();
    opts.set_capture(true);
    let _ = doc.add_event_listener_with_callback_and_add_event_listener_options("toggle", on_toggle.as_ref().unchecked_ref(), &opts);
    on_toggle.forget();
}

/// Shows the host as a popover: in the top layer, above any z-index of the page (where the
/// Popover API is missing, its own z-index).
pub fn show(host: &web_sys::Element) {
    call(host, "showPopover");
}

fn call(host: &web_sys::Element, method: &str) {
    let f = js_sys::Reflect::get(host, &method.into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(f) = f {
        let _ = f.call0(host);
    }
}

/// Puts the host in the page's modal, or back in the body
/// (`guidepost_dom::modal::home_for`, which also drops the page's marks on it). Moving it
/// closes its popover: it is shown again, then what had focus in it is focused again.
fn rehome(host: &web_sys::Element) {
    let Some(doc) = host.owner_document() else { return };
    let Some(parent) = guidepost_dom::modal::home_for(&doc, host) else { return };
    let Some(before) = guidepost_dom::modal::place_in(&parent, host) else { return };
    reshow(host, || {
        let _ = parent.insert_before(host, before.as_ref().map(|b| b.as_ref()));
    });
}

/// Shows the host again after `close`, which moves it or closes its popover. That blurs what
/// had focus in the panel (the field the author types in): it is focused again.
fn reshow(host: &web_sys::Element, close: impl FnOnce()) {
    let focused = host.shadow_root().and_then(|s| s.active_element());
    close();
    show(host);
    if let Some(el) = focused.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
        let o = web_sys::FocusOptions::new();
        o.set_prevent_scroll(true);
        let _ = el.focus_with_options(&o);
    }
}
