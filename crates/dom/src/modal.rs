//! The modal the page shows, where Guidepost's own UI (the overlay's host, the designer's
//! panel) must sit to be usable while it is open: outside it, a modal `<dialog>` makes it
//! inert, and scripted modals hide it from assistive technology and pull the focus back
//! from it.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Where `host` (the overlay's, the designer panel's) must sit: the page's modal
/// ([`page_modal`]), else the body. A modal library that hides the rest of the page hid the
/// host with it (`aria-hidden="true"` or `inert` on the body's other children: MUI's Modal,
/// Headless UI): an `inert` mark goes at once (nothing in the host could be used), an
/// `aria-hidden` one once the host has a modal to go into. Kept until then, it keeps telling
/// the next call that a modal is open, one that says so nowhere else (MUI's dialogs carry no
/// `aria-modal`).
pub fn home_for(doc: &web_sys::Document, host: &web_sys::Element) -> Option<web_sys::Element> {
    let hidden = host.get_attribute("aria-hidden").as_deref() == Some("true") || host.has_attribute("inert");
    let _ = host.remove_attribute("inert");
    match page_modal(doc, host, hidden) {
        Some(modal) => {
            if hidden {
                let _ = host.remove_attribute("aria-hidden");
            }
            Some(trap_in(&modal, deep_active(doc), host))
        }
        None => doc.body().map(Into::into),
    }
}

/// Marks a press released on `host` as handled (`preventDefault` on its `pointerup`, in the
/// window's capture phase, before any listener of the page's). Headless UI's dialogs and
/// menus close on a press outside their panel and skip a handled one: a host in the dialog's
/// root, beside its panel, would close the app's dialog with every click on a step or in
/// the designer's panel. Nothing else is affected: a `pointerup`'s default action is none,
/// and the click still follows.
pub fn claim_presses(host: &web_sys::Element) {
    let Some(win) = web_sys::window() else { return };
    let host = host.clone();
    let on_up = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if crate::alive() && ev.composed_path().includes(&host, 0) {
            ev.prevent_default();
        }
    });
    let opts = web_sys::AddEventListenerOptions::new();
    opts.set_capture(true);
    let _ = win.add_event_listener_with_callback_and_add_event_listener_options("pointerup", on_up.as_ref().unchecked_ref(), &opts);
    on_up.forget();
}

/// The modal the page shows. First its open modal `<dialog>`s (`dialog:modal`; `:modal`
/// alone also matches a fullscreen element, a `<video>` maybe): `showModal()` makes
/// everything outside the dialog inert and puts it above the host in the top layer. Else
/// the elements marked `aria-modal="true"` that are visible and not inert (scripted modals:
/// Bootstrap's, Radix's, Headless UI's, react-modal's), whose focus traps pull focus back
/// into them and whose libraries may hide everything else from assistive technology. A step
/// outside either could not be used, or not from the keyboard. Last, a modal inside a web
/// component's shadow root, which no selector on the document reaches: the one that holds
/// the keyboard focus, or `host` ([`modal_above`]).
///
/// `hidden`: the page had hidden the host (`aria-hidden="true"` or `inert` on it, as MUI's
/// Modal and Headless UI do to every other child of the body while their modal is open).
/// Then a `[role=dialog]` that holds the focus (or that the focused element holds: MUI
/// focuses the dialog's container first) is a modal too, though it says so nowhere else
/// (MUI's dialogs carry no `aria-modal`, and their focus trap pulls the focus back from
/// anything outside them).
pub fn page_modal(doc: &web_sys::Document, host: &web_sys::Element, hidden: bool) -> Option<web_sys::Element> {
    let all = |selector: &str| -> Vec<web_sys::Element> {
        let Ok(list) = doc.query_selector_all(selector) else { return Vec::new() };
        (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok()).collect()
    };
    let dialogs = all("dialog:modal");
    if !dialogs.is_empty() {
        return topmost(doc, host, dialogs);
    }
    let scripted: Vec<_> = all("[aria-modal=true]").into_iter().filter(usable).collect();
    if !scripted.is_empty() {
        return topmost(doc, host, scripted);
    }
    // The modal that holds the focus; else the one that holds the host, still open (the
    // focus can fall to the body while a component's modal stays open: a click on its text).
    let start = deep_active(doc);
    // Hidden by the page: also the dialog the focused element holds (MUI focuses its container).
    let held =
        || hidden.then(|| start.as_ref()?.query_selector("[role=dialog], [role=alertdialog]").ok().flatten().filter(usable)).flatten();
    // Last, the host stays in a `[role=dialog]` it was moved into, while that is open.
    start.clone().and_then(|el| modal_above(el, host, hidden)).or_else(held).or_else(|| modal_above(host.clone(), host, true))
}

/// Whether `host` must move to be in `parent` where the keyboard reaches it, and before
/// what: `Some(before)`, `before` being `None` to append. A modal's focus guards (empty
/// `<div tabindex="0">`s at its end: Ant Design's `rc-dialog`, react-focus-lock,
/// floating-ui) send the focus round when Tab reaches them, so the host goes before them.
/// A host already in `parent` stays where it is otherwise: moving it closes and reopens its
/// popover.
pub fn place_in(parent: &web_sys::Element, host: &web_sys::Element) -> Option<Option<web_sys::Element>> {
    let guard = |e: &web_sys::Element| {
        e != host
            && matches!(e.tag_name().as_str(), "DIV" | "SPAN")
            && e.get_attribute("tabindex").as_deref() == Some("0")
            && e.child_element_count() == 0
            && e.text_content().is_none_or(|t| t.trim().is_empty())
    };
    let mut before = None;
    let mut at = parent.last_element_child();
    while let Some(e) = at.filter(|e| guard(e) || e == host) {
        if e != *host {
            before = Some(e.clone());
        }
        at = e.previous_element_sibling();
    }
    let here = host.parent_node().is_some_and(|p| p == **parent);
    match before {
        Some(g) if !(here && host.next_element_sibling().as_ref() == Some(&g)) => Some(Some(g)),
        None if !here => Some(None),
        _ => None,
    }
}

/// The focused element, inside open shadow roots.
fn deep_active(doc: &web_sys::Document) -> Option<web_sys::Element> {
    doc.active_element().map(|mut el| {
        while let Some(inner) = el.shadow_root().and_then(|s| s.active_element()) {
            el = inner;
        }
        el
    })
}

/// Where in `modal` the host goes: the element that traps the focus, when it is not the
/// modal itself. Element Plus's dialog traps it in `.el-dialog` (focusable by script,
/// `tabindex="-1"`), inside its `[aria-modal]` overlay, and takes it back from anything
/// outside. The outermost such element between the modal and the focus (or the host, where
/// the focus fell to the body), else the modal. Passed over: what lies in another tree than
/// the modal (Guidepost's own boxes, in their shadow roots, are focusable so too), and
/// widgets that hold the focus among their items (a tree, a menu, a list box, a grid), whose
/// handlers would take the step's clicks and keys for their own.
fn trap_in(modal: &web_sys::Element, focus: Option<web_sys::Element>, host: &web_sys::Element) -> web_sys::Element {
    const WIDGETS: [&str; 10] = ["tree", "treeitem", "treegrid", "menu", "menubar", "listbox", "option", "grid", "row", "tablist"];
    let tree = modal.get_root_node();
    for start in [focus, Some(host.clone())].into_iter().flatten() {
        let mut trap = None;
        let mut at = crate::flat_parent(&start);
        while let Some(e) = at {
            if e == *modal {
                return trap.unwrap_or_else(|| modal.clone());
            }
            let widget = e.get_attribute("role").is_some_and(|r| WIDGETS.contains(&r.as_str()));
            if e.get_attribute("tabindex").as_deref() == Some("-1") && !widget && e.get_root_node() == tree {
                trap = Some(e.clone());
            }
            at = crate::flat_parent(&e);
        }
    }
    modal.clone()
}

/// Visible, and not made inert by a modal above it.
fn usable(el: &web_sys::Element) -> bool {
    visible(el) && el.closest("[inert]").ok().flatten().is_none()
}

/// The nearest modal above `el` in the flat tree, through open shadow roots: web
/// components (Shoelace's `<sl-dialog>`, Material's dialogs) keep their `aria-modal` panel or
/// `<dialog>` in their shadow root, and their focus traps keep the focus inside it. Up from
/// the deepest focused element (or the host), through slots, parents and shadow hosts; the
/// host itself is passed over. With `dialogs`, a `[role=dialog]` or `[role=alertdialog]`
/// counts as a modal too. O(depth), no search of the page.
fn modal_above(el: web_sys::Element, host: &web_sys::Element, dialogs: bool) -> Option<web_sys::Element> {
    let mut at = Some(el);
    while let Some(e) = at {
        // Two selectors, not one list: a browser without `:modal` throws on the list, and
        // would lose the `aria-modal` test with it.
        let modal = e.matches("dialog:modal").unwrap_or(false)
            || e.matches("[aria-modal=true]").unwrap_or(false)
            || (dialogs && e.matches("[role=dialog], [role=alertdialog]").unwrap_or(false));
        if e != *host && modal && usable(&e) {
            return Some(e);
        }
        // Up the flat tree, as it renders: a slotted element to its slot (the focus is
        // often on the component's light-DOM content, shown inside its shadow dialog), a
        // shadow root to its host.
        at = crate::flat_parent(&e);
    }
    None
}

/// `checkVisibility({ visibilityProperty: true })`, or a box with a size where that is missing.
fn visible(el: &web_sys::Element) -> bool {
    let check = js_sys::Reflect::get(el, &JsValue::from_str("checkVisibility")).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(f) = check {
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &JsValue::from_str("visibilityProperty"), &JsValue::TRUE);
        return f.call1(el, &opts).ok().and_then(|v| v.as_bool()).unwrap_or(true);
    }
    let r = el.get_bounding_client_rect();
    r.width() > 0.0 && r.height() > 0.0
}

/// Of several open modals, the one on top: the one whose own content is what lies under its
/// centre (the host aside), since a modal opened from another covers it, wherever either sits
/// in the document. The last in document order when no hit test tells.
fn topmost(doc: &web_sys::Document, host: &web_sys::Element, mut modals: Vec<web_sys::Element>) -> Option<web_sys::Element> {
    if modals.len() > 1 {
        for m in modals.iter().rev() {
            let r = m.get_bounding_client_rect();
            let hits = doc.elements_from_point((r.x() + r.width() / 2.0) as f32, (r.y() + r.height() / 2.0) as f32);
            let under = hits.iter().filter_map(|v| v.dyn_into::<web_sys::Element>().ok()).find(|e| e != host);
            if under.is_some_and(|e| m.contains(Some(&e))) {
                return Some(m.clone());
            }
        }
    }
    modals.pop()
}
