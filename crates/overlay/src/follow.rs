//! Keeps the floating box with its target. Whatever can move or resize the target or the box
//! asks for one reposition on the next animation frame: scrolls (captured, so scroll
//! containers count) and resizes, mutations of the host page, size changes of the target and
//! of the box (a `ResizeObserver`: a font that loads late, an image in the step), and
//! scrolls, mutations and transitions inside the same-origin frames that hold the target. A scroll of the page itself is told
//! apart: a step placed in page coordinates scrolls with the page and needs nothing. A CSS
//! transition or animation of the page (a sidebar that slides, a slide deck's transform)
//! moves its target with no event until it ends: the box follows it frame by frame for a
//! while after it begins, and once more when it ends.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use guidepost_dom::{alive, document, passive_capture, Found};

thread_local! {
    static FOLLOW: RefCell<Option<Follow>> = const { RefCell::new(None) };
}

struct Follow {
    /// The scroll listener, also added to the frames that hold the target (adding it twice
    /// to one window is a no-op), and so is the transition and animation listener.
    on_scroll: js_sys::Function,
    on_animation: js_sys::Function,
    resize: Option<web_sys::ResizeObserver>,
    /// Changes inside the frames that hold the target: the page's own observer sees none
    /// of them (a page builder's canvas).
    frame_changes: Option<web_sys::MutationObserver>,
    /// The windows of those frames, which hold the scroll and transition listeners until
    /// the target changes.
    frame_windows: Vec<web_sys::Window>,
}

/// What a change of the page is: nodes added or removed, attributes (a class, a style).
fn observe_changes(obs: &web_sys::MutationObserver, root: &web_sys::Element) {
    let opts = web_sys::MutationObserverInit::new();
    opts.set_child_list(true);
    opts.set_subtree(true);
    opts.set_attributes(true);
    let _ = obs.observe_with_options(root, &opts);
}

/// Transitions and animations: one begins (the box follows it frame by frame for a while),
/// one ends (one more reposition, where it left things). `transitionstart`, not
/// `transitionrun`: after a delay, when things begin to move.
const ANIMATION_EVENTS: [&str; 6] =
    ["transitionstart", "animationstart", "transitionend", "transitioncancel", "animationend", "animationcancel"];

/// What happened, for the callback `install` is given.
#[derive(Clone, Copy)]
pub enum Motion {
    /// The page changed: a mutation, a resize, a new size of the target or the box.
    Changed,
    /// A scroll container or a frame that holds the target scrolled.
    Scrolled,
    /// The top document itself scrolled.
    PageScrolled,
    /// A CSS transition or animation began: what it moves (a sidebar's width, a slide's
    /// transform) says nothing more until it ends, so the box follows it frame by frame.
    Animating,
}

/// A transition of one of these changes no element's box: it moves nothing.
fn paint_only(property: &str) -> bool {
    property.ends_with("color")
        || matches!(
            property,
            "opacity" | "box-shadow" | "text-shadow" | "fill" | "stroke" | "filter" | "visibility" | "background" | "outline"
        )
}

/// Installs the page-wide sources once; `moved` runs after anything that may have moved
/// the target.
pub fn install(moved: fn(Motion)) {
    let Some(w) = web_sys::window() else { return };
    let on_move = Closure::<dyn FnMut()>::new(move || {
        if alive() {
            moved(Motion::Changed);
        }
    })
    .into_js_value()
    .unchecked_into::<js_sys::Function>();
    let on_scroll = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if !alive() {
            return;
        }
        // The page's own scroll targets its document; a scroll container's, the container;
        // a frame's, the frame's document (its listener is this one too).
        let page = ev.target().map(JsValue::from) == document().map(JsValue::from);
        moved(if page { Motion::PageScrolled } else { Motion::Scrolled });
    })
    .into_js_value()
    .unchecked_into::<js_sys::Function>();
    let _ = w.add_event_listener_with_callback_and_add_event_listener_options("scroll", &on_scroll, &passive_capture());
    // Transitions and animations of the page: one begins (the box follows it frame by frame
    // for a while), one ends (one more reposition, where it left things).
    let on_animation = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let property = js_sys::Reflect::get(&ev, &JsValue::from_str("propertyName")).ok().and_then(|p| p.as_string());
        let starts = matches!(ev.type_().as_str(), "transitionstart" | "animationstart");
        // A paint-only transition moves nothing, but its end may lift a layer the step waits
        // under (a modal that fades out, then turns `visibility: hidden`).
        if !alive() || (property.as_deref().is_some_and(paint_only) && (starts || !crate::place::under_a_layer())) {
            return;
        }
        moved(if starts { Motion::Animating } else { Motion::Changed });
    })
    .into_js_value()
    .unchecked_into::<js_sys::Function>();
    for kind in ANIMATION_EVENTS {
        let _ = w.add_event_listener_with_callback_and_add_event_listener_options(kind, &on_animation, &passive_capture());
    }
    // The viewport's size is cached (`viewport_cached`): a resize of the window, or of the
    // root element (a scrollbar that comes or goes), reads it again, and so do changes of the
    // page, at most twice a second (`place::recheck_page`). Scrolls do not change it.
    let on_resize = Closure::<dyn FnMut()>::new(move || {
        if alive() {
            guidepost_dom::forget_viewport();
            moved(Motion::Changed);
        }
    })
    .into_js_value()
    .unchecked_into::<js_sys::Function>();
    let _ = w.add_event_listener_with_callback("resize", &on_resize);
    if let (Ok(ro), Some(root)) = (web_sys::ResizeObserver::new(&on_resize), document().and_then(|d| d.document_element())) {
        ro.observe(&root);
        std::mem::forget(ro);
    }
    // Re-renders of the host app: follow the target, or notice it vanished.
    if let (Ok(obs), Some(root)) = (web_sys::MutationObserver::new(&on_move), document().and_then(|d| d.document_element())) {
        observe_changes(&obs, &root);
        std::mem::forget(obs);
    }
    let resize = web_sys::ResizeObserver::new(&on_move).ok();
    let frame_changes = web_sys::MutationObserver::new(&on_move).ok();
    FOLLOW.with(|f| *f.borrow_mut() = Some(Follow { on_scroll, on_animation, resize, frame_changes, frame_windows: vec![] }));
}

/// Border boxes: padding and borders move the box's edges too.
fn observe(ro: &web_sys::ResizeObserver, el: &web_sys::Element) {
    let o = web_sys::ResizeObserverOptions::new();
    o.set_box(web_sys::ResizeObserverBoxOptions::BorderBox);
    ro.observe_with_options(el, &o);
}

/// Watches a newly found target: its size, the frames that hold it, their scrolling, the
/// changes of their documents and their transitions.
pub fn watch_target(found: &Found) {
    forget_target();
    FOLLOW.with(|f| {
        let mut f = f.borrow_mut();
        let Some(f) = f.as_mut() else { return };
        if let Some(ro) = &f.resize {
            observe(ro, &found.el);
            for frame in &found.frames {
                observe(ro, frame);
            }
        }
        for frame in &found.frames {
            if let Some(w) = frame.content_window() {
                let _ = w.add_event_listener_with_callback_and_add_event_listener_options("scroll", &f.on_scroll, &passive_capture());
                for kind in ANIMATION_EVENTS {
                    let _ = w.add_event_listener_with_callback_and_add_event_listener_options(kind, &f.on_animation, &passive_capture());
                }
                f.frame_windows.push(w);
            }
            if let (Some(obs), Some(root)) = (&f.frame_changes, frame.content_document().and_then(|d| d.document_element())) {
                observe_changes(obs, &root);
            }
        }
    });
}

/// Watches the floating box's size (observing the same element again is a no-op).
pub fn watch_box(el: &web_sys::Element) {
    FOLLOW.with(|f| {
        if let Some(ro) = f.borrow().as_ref().and_then(|f| f.resize.as_ref()) {
            observe(ro, el);
        }
    });
}

/// Stops watching the last target (the step ended).
pub fn forget_target() {
    FOLLOW.with(|f| {
        let mut f = f.borrow_mut();
        let Some(f) = f.as_mut() else { return };
        if let Some(ro) = &f.resize {
            ro.disconnect();
        }
        if let Some(obs) = &f.frame_changes {
            obs.disconnect();
        }
        for w in f.frame_windows.drain(..) {
            let _ = w.remove_event_listener_with_callback_and_bool("scroll", &f.on_scroll, true);
            for kind in ANIMATION_EVENTS {
                let _ = w.remove_event_listener_with_callback_and_bool(kind, &f.on_animation, true);
            }
        }
    });
}
