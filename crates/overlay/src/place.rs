//! Where the step goes: the target it is anchored to, the floating box's position and the
//! spotlight, recomputed on the next animation frame whenever something may have moved
//! (`follow`). The geometry itself is `guidepost-core`'s, from rectangles read here.

use std::cell::{Cell, RefCell};

use guidepost_core::view::{StepVm, UiEvent};
use guidepost_core::{compute_position, spotlight_path, view_around, FloatSize, Mode, PositionOptions, Rect, StepKind};
use guidepost_dom::{alive, document, Found};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::follow::{self, Motion};
use crate::overlay::{self, Geometry};

#[derive(Default)]
struct Place {
    target: Option<Found>,
    /// The target left the page and the decision module was told: no repositioning until
    /// the next step is shown.
    lost: bool,
    /// The target scrolls with the page (`guidepost_dom::scrolls_with_page`): a step without
    /// a backdrop is placed in page coordinates and a scroll of the page moves both with no
    /// work of ours. (A backdrop covers the viewport, and follows frame by frame.)
    in_page: bool,
    /// What is on screen stays right when the page scrolls: placed in page coordinates, or
    /// not anchored at all (centred, fixed to the viewport).
    still_on_page_scroll: bool,
    /// The target's rectangle in page coordinates at the last reposition: when it moves,
    /// whether it still scrolls with the page is asked again (a bar the page pins with
    /// `position: fixed` once scrolled past).
    last_in_page: Option<Rect>,
    /// What may clip the target from view (`guidepost_dom::clippers`): while it leaves
    /// nothing of it to see (a row scrolled out of its grid), the step is hidden, not left
    /// pointing at the container's edge.
    clippers: Vec<web_sys::Element>,
    /// The target's selector and text as far as the element held them when the step was
    /// shown: an element that stops holding them is no longer the target.
    held: Option<guidepost_dom::Held>,
    /// Whether the target, outside the viewport, is off the canvas: read again after a
    /// change of the page, not on each scroll frame (it reads styles up the tree).
    off_canvas: Option<bool>,
    /// Whether the page laid a layer over the target (`guidepost_dom::under_layer`: its own
    /// modal open over it): read again after a change of the page, not on each scroll frame.
    under_layer: Option<bool>,
    /// The element focused before the guide took focus, restored when the guide ends.
    return_focus: Option<web_sys::HtmlElement>,
}

thread_local! {
    static PLACE: RefCell<Place> = RefCell::new(Place::default());
    static FRAME_PENDING: Cell<bool> = const { Cell::new(false) };
    /// The page changed (a mutation or a resize, not a scroll) since the last reposition.
    static LAYOUT_CHANGED: Cell<bool> = const { Cell::new(false) };
    /// When a change of the page was last checked again, and whether a check is due at the
    /// end of that half second (`recheck_page`).
    static PAGE_CHECK: Cell<(f64, bool)> = const { Cell::new((f64::NEG_INFINITY, false)) };
    /// Until when the box follows its target frame by frame: a transition or animation of
    /// the page began (`Motion::Animating`).
    static ANIMATING_UNTIL: Cell<f64> = const { Cell::new(f64::NEG_INFINITY) };
    /// Frames in a row in which following an animation moved nothing of the step.
    static STILL_FRAMES: Cell<u32> = const { Cell::new(0) };
}

fn with<R>(f: impl FnOnce(&mut Place) -> R) -> R {
    PLACE.with(|p| f(&mut p.borrow_mut()))
}

/// Shows `vm`, anchored to `target` when it has one. A new target is scrolled into view
/// (below any fixed header) and watched for moves.
pub fn show(vm: StepVm, target: Option<Found>, rtl: bool) {
    overlay::mount();
    // Where the host goes (a page's open modal, or back into a swapped body), the first
    // step after the module mounted it included.
    crate::host::rehome();
    crate::host::unzoom();
    if overlay::shown().is_none() && with(|p| p.return_focus.is_none()) {
        // Down into frames: focus given back to an editor's `<iframe>` itself leaves it
        // deaf to typing (TinyMCE).
        let active = document()
            .filter(|d| d.active_element().is_some_and(|e| !e.tag_name().eq_ignore_ascii_case("guidepost-root")))
            .and_then(|d| guidepost_dom::focused(&d))
            .filter(|e| js_sys::Reflect::has(e, &"focus".into()).unwrap_or(false))
            .map(|e| e.unchecked_into::<web_sys::HtmlElement>());
        with(|p| p.return_focus = active);
    }
    let same = with(|p| match (&p.target, &target) {
        (Some(a), Some(b)) => a.el == b.el,
        (None, None) => true,
        _ => false,
    });
    // A new target's clippers, read once: for scrolling it into view and for each reposition.
    let clippers = (!same).then(|| target.as_ref().map_or_else(Vec::new, |f| guidepost_dom::clippers(&f.el)));
    let in_page = match (&target, same) {
        (Some(f), false) => guidepost_dom::scrolls_with_page(f),
        (Some(_), true) => with(|p| p.in_page),
        (None, _) => false,
    };
    if let Some(c) = &clippers {
        match &target {
            Some(f) => {
                guidepost_dom::scroll_into_view(f, c, !in_page);
                follow::watch_target(f);
            }
            None => follow::forget_target(),
        }
    }
    let held = target.as_ref().map(|f| guidepost_dom::Held::new(&f.el, vm.target_selector.clone(), vm.target_text.clone()));
    with(|p| {
        p.target = target;
        p.held = held;
        p.off_canvas = None;
        p.under_layer = None;
        p.lost = false;
        p.in_page = in_page;
        p.still_on_page_scroll = false;
        if !same {
            p.last_in_page = None;
        }
        if let Some(c) = clippers {
            p.clippers = c;
        }
    });
    guidepost_dom::forget_viewport();
    overlay::set_rtl(rtl);
    if vm.kind == StepKind::Banner {
        banner_below_header();
    }
    overlay::set_step(Some(vm));
    reposition_soon();
}

/// A reading of the page kept in `slot` (it reads styles up the tree, or hit-tests): asked
/// again after a change of the page, not on each scroll frame.
fn read_again(changed: bool, slot: fn(&mut Place) -> &mut Option<bool>, ask: impl FnOnce() -> bool) -> bool {
    let known = with(|p| slot(p).filter(|_| !changed));
    let value = known.unwrap_or_else(ask);
    with(|p| *slot(p) = Some(value));
    value
}

/// The step is hidden because the page laid a layer over its target (its own modal).
pub fn under_a_layer() -> bool {
    with(|p| p.under_layer == Some(true))
}

/// Hides the step; `end` (the guide ended) also gives focus back to where it was.
pub fn hide(end: bool) {
    follow::forget_target();
    let focus = with(|p| {
        p.target = None;
        if end {
            p.return_focus.take()
        } else {
            None
        }
    });
    overlay::set_step(None);
    if let Some(el) = focus {
        let _ = el.focus();
    }
}

/// A banner goes below the page's fixed or sticky header, which it would hide, and no wider
/// than it (a fixed sidebar beside the header keeps its first links): `--gp-banner-top`,
/// `-left` and `-right` on the host, read by the stylesheet. Set before the banner renders,
/// so it never shows at the top first, and again as the page changes or scrolls.
fn banner_below_header() {
    let Some(host) = overlay::shadow().map(|s| s.host()) else { return };
    let h = guidepost_dom::header_cached();
    let style = host.unchecked_into::<web_sys::HtmlElement>().style();
    for (name, v) in [("--gp-banner-top", h.bottom), ("--gp-banner-left", h.left), ("--gp-banner-right", h.right)] {
        let value = guidepost_dom::px(v);
        if style.get_property_value(name).ok().as_deref() != Some(value.as_str()) {
            let _ = style.set_property(name, &value);
        }
    }
}

/// One more reposition once the header's cached reading has expired, the last asked for
/// winning (a scroll asks on each of its frames).
fn reposition_after_header_expires() {
    thread_local! {
        static TIMER: Cell<Option<i32>> = const { Cell::new(None) };
        static ON_TIMER: js_sys::Function = Closure::<dyn FnMut()>::new(|| {
            TIMER.with(|t| t.set(None));
            if alive() {
                reposition_soon();
            }
        })
        .into_js_value()
        .unchecked_into();
    }
    let Some(w) = web_sys::window() else { return };
    if let Some(id) = TIMER.with(Cell::take) {
        w.clear_timeout_with_handle(id);
    }
    let id = ON_TIMER.with(|f| w.set_timeout_with_callback_and_timeout_and_arguments_0(f, 550).ok());
    TIMER.with(|t| t.set(id));
}

/// Recomputes the floating box's position on the next animation frame. One callback,
/// made once: this runs on every scroll frame.
pub fn reposition_soon() {
    thread_local! {
        static ON_FRAME: js_sys::Function = Closure::<dyn FnMut()>::new(|| {
            if alive() {
                FRAME_PENDING.with(|p| p.set(false));
                let moved = reposition();
                // A transition or animation of the page is running: again next frame, until
                // the step has stood still for a few frames (what runs moves something else).
                let still = if moved { 0 } else { STILL_FRAMES.with(Cell::get) + 1 };
                STILL_FRAMES.with(|c| c.set(still));
                if still < 3 && ANIMATING_UNTIL.with(Cell::get) > js_sys::Date::now() && overlay::shown().is_some() {
                    reposition_soon();
                }
            }
        })
        .into_js_value()
        .unchecked_into();
    }
    if FRAME_PENDING.with(|p| p.replace(true)) {
        return;
    }
    if let Some(w) = web_sys::window() {
        ON_FRAME.with(|f| {
            let _ = w.request_animation_frame(f);
        });
    }
}

/// How long the box follows its target frame by frame after a transition or animation of
/// the page began (most last well under a second; its end repositions once more).
const FOLLOW_ANIMATION_MS: f64 = 1000.0;

/// How often a change of the page may check it again (`recheck_page`).
const PAGE_RECHECK_MS: f64 = 500.0;

/// What a change of the page can alter without any event saying so, checked again at most
/// twice a second, and once more at the end of that half second when changes came sooner
/// (checking on every change of a page that animates an element on each scroll frame cost
/// a tenth of those frames):
/// - the viewport's size: a scrollbar that an absolutely positioned overflow brings or takes
///   does not resize the root element;
/// - the host's place: a modal dialog the page opened or closed (`host::rehome`).
fn recheck_page() {
    fn now_checked() {
        PAGE_CHECK.with(|c| c.set((js_sys::Date::now(), false)));
        guidepost_dom::forget_viewport();
        crate::host::rehome();
    }
    let now = js_sys::Date::now();
    let (last, due) = PAGE_CHECK.with(Cell::get);
    if now - last >= PAGE_RECHECK_MS {
        now_checked();
    } else if !due {
        PAGE_CHECK.with(|c| c.set((last, true)));
        let wait = std::time::Duration::from_millis((PAGE_RECHECK_MS - (now - last)).ceil() as u64);
        leptos::prelude::set_timeout(
            || {
                if alive() {
                    now_checked();
                    reposition_soon();
                }
            },
            wait,
        );
    }
}

/// Something may have moved the target. A scroll of the page itself needs nothing when
/// the step is in page coordinates or not anchored; a change of the page (not a scroll) lets
/// a target that moved on the page be asked again whether it scrolls with it.
pub fn moved(m: Motion) {
    let Some(vm) = overlay::shown() else { return };
    // The header a banner goes under is read at most twice a second: a scroll that pins a
    // sticky header, or a change that adds or hides one, is looked at once more after the
    // last of them.
    if vm.kind == StepKind::Banner {
        reposition_after_header_expires();
    }
    match m {
        Motion::PageScrolled if with(|p| p.still_on_page_scroll) => return,
        Motion::Changed => {
            LAYOUT_CHANGED.with(|c| c.set(true));
            recheck_page();
        }
        Motion::Animating => {
            LAYOUT_CHANGED.with(|c| c.set(true));
            ANIMATING_UNTIL.with(|u| u.set(js_sys::Date::now() + FOLLOW_ANIMATION_MS));
            STILL_FRAMES.with(|c| c.set(0));
        }
        _ => {}
    }
    reposition_soon();
}

/// Places the step anew; returns whether anything on screen moved.
fn reposition() -> bool {
    let Some(vm) = overlay::shown() else { return false };
    if with(|p| p.lost) {
        return false;
    }
    // A change of the page may have taken the overlay out with the `<body>` it swapped.
    crate::host::reattach();
    if let Some(el) = overlay::floating() {
        follow::watch_box(&el);
    }
    let target = with(|p| p.target.clone());
    let vp = guidepost_dom::viewport_cached();
    let rtl = overlay::rtl();
    let spot = |r: &Rect| spotlight_path(vp, *r, 6.0, 8.0);
    let mut geo = Geometry { viewport: vp, ..Default::default() };
    // A change of the page (not a scroll) since the last reposition.
    let changed = LAYOUT_CHANGED.with(|c| c.replace(false));
    // An element that no longer matches the target's selector or text (the page reused or
    // rewrote it in place: a virtual list, a grid that sorted its rows) is no longer the
    // target, as if it had left the page.
    let rewritten = |f: &Found| changed && with(|p| p.held.as_ref().is_some_and(|h| !h.still(&f.el)));
    match (&target, vm.anchored || (vm.backdrop && !vm.centered)) {
        (Some(f), true) if f.connected() && !rewritten(f) => {
            let r = f.rect();
            let size = overlay::floating_size().unwrap_or(FloatSize { width: 320.0, height: 160.0 });
            // The header's band is kept clear for targets below it, not for one in it (a
            // button of a fixed navbar, an item of its expanded phone menu).
            let header = if with(|p| p.in_page) { guidepost_dom::header_height_cached() } else { 0.0 };
            let opts = PositionOptions { rtl, scroll_padding_top: header, ..Default::default() };
            // Page coordinates: relative to the overlay's host, which sits at the top left
            // corner of the document and scrolls with it. (A backdrop covers the viewport:
            // such a step keeps viewport coordinates.)
            // A checklist docks in a corner even with a target to dim the page around.
            let docked = vm.kind == StepKind::Checklist;
            let mut in_page = with(|p| p.in_page) && !vm.backdrop && !docked;
            let (ox, oy) = if in_page { overlay::host_origin() } else { (0.0, 0.0) };
            let on_page = r.shifted(-ox, -oy);
            // A target that moved on the page after a change of the page (not a scroll) may
            // have been pinned by it (a header fixed once scrolled past): ask again.
            if in_page && changed && with(|p| p.last_in_page.is_some_and(|last| last != on_page)) && !guidepost_dom::scrolls_with_page(f) {
                with(|p| p.in_page = false);
                in_page = false;
            }
            // Placed in page coordinates, the box stays where it is put until the next
            // change: next to its target even if that was scrolled away meanwhile.
            let area = if in_page { view_around(vp, r) } else { vp };
            let pos = if docked { crate::dock::place(vp, size, rtl) } else { compute_position(r, size, area, vm.placement, &opts) };
            let in_page = in_page && pos.mode == Mode::Anchored;
            with(|p| {
                p.still_on_page_scroll = in_page;
                p.last_in_page = in_page.then_some(on_page);
            });
            // Hidden while the target has no box (a menu or dialog the page closed by hiding
            // it), is clipped out (by its frames' viewports too: an editor's canvas scrolled
            // past it), lies under the page's own modal, or was moved off the canvas (a side menu the page slid
            // away: asked only of a target outside the viewport, as it reads styles up the
            // tree): not left pointing at the viewport's corner.
            let boxless = r.width <= 0.0 && r.height <= 0.0;
            let outside = r.x + r.width <= 0.0 || r.y + r.height <= 0.0 || r.x >= vp.width || r.y >= vp.height;
            // (Forgotten once the target is inside the viewport: it may leave it another way.)
            let off_canvas = if outside {
                read_again(changed, |p| &mut p.off_canvas, || !guidepost_dom::on_canvas(&f.el))
            } else {
                with(|p| p.off_canvas = None);
                false
            };
            let hidden = boxless
                || off_canvas
                || with(|p| guidepost_dom::clipped_out(&f.el, &p.clippers))
                || (!f.frames.is_empty() && guidepost_dom::outside_frames(f));
            // Under the page's own modal, the step waits for it to close (inside the
            // viewport only: the layer is hit-tested where the target shows).
            let under_layer =
                !docked && !hidden && !outside && read_again(changed, |p| &mut p.under_layer, || guidepost_dom::under_layer(f, r, vp));
            geo.visible = docked || !(hidden || under_layer);
            geo.in_page = in_page;
            geo.spotlight = vm.backdrop.then(|| spot(&r));
            let (bx, by) = guidepost_core::beacon_position(r, vp);
            geo.beacon = Some(if in_page { (bx - ox, by - oy) } else { (bx, by) });
            if in_page {
                geo.target = Some(on_page);
                geo.position = Some(pos.shifted(-ox, -oy));
            } else {
                geo.target = Some(r);
                geo.position = Some(pos);
            }
        }
        (Some(_), true) => {
            // The target left the DOM (re-render or navigation) or lost its text: the
            // decision module looks for it again and shows the step anew.
            with(|p| p.lost = true);
            overlay::send(UiEvent::TargetLost);
            return false;
        }
        _ => {
            // A banner follows the page's scroll: a sticky header may pin at the top.
            let banner = vm.kind == StepKind::Banner;
            with(|p| p.still_on_page_scroll = !banner);
            if banner {
                banner_below_header();
            }
            let size = overlay::floating_size().unwrap_or(FloatSize { width: 420.0, height: 240.0 });
            let pos =
                if vm.kind == StepKind::Checklist { crate::dock::place(vp, size, rtl) } else { guidepost_core::center_position(size, vp) };
            geo.spotlight =
                vm.backdrop.then(|| format!("M0 0H{}V{}H0Z", guidepost_core::num::show(vp.width), guidepost_core::num::show(vp.height)));
            geo.position = Some(pos);
            geo.visible = true;
        }
    }
    overlay::set_geometry(geo)
}
