//! guidepost-dom: the DOM platform the three browser modules share (each links its own
//! copy). Finding targets (with fallbacks, inside open shadow roots and same-origin
//! iframes), waiting for late ones with a MutationObserver, reading rectangles in
//! top-level viewport coordinates, fixed headers and scrolling.
//!
//! It decides nothing: `guidepost-core` does, from the facts read here. It holds one flag
//! of its own, [`alive`], which each module's panic hook clears so that its listeners and
//! timers stop calling in.

pub mod modal;
pub mod sheet;
#[cfg(all(target_arch = "wasm32", any(test, feature = "test-support")))]
pub mod test_support;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use guidepost_core::{Rect, Target};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlIFrameElement};

/// Set by the module's panic hook: it is about to abort, and every entry point from the
/// page (exports, listeners, timers) returns at once from then on.
static DEAD: AtomicBool = AtomicBool::new(false);

/// False once this module has panicked.
pub fn alive() -> bool {
    !DEAD.load(Ordering::Relaxed)
}

/// Called by a panic hook: the module stops answering the page.
pub fn kill() {
    DEAD.store(true, Ordering::Relaxed);
}

/// Installs the module's panic hook. Release wasm aborts on a panic (no unwinding), so
/// the hook is the last word: it clears [`alive`] (the module's listeners, observers and
/// timers stop calling in) and calls `on_panic(message)` once, the loader's `die`. It
/// touches no other state: a `RefCell` may be borrowed where the panic struck.
pub fn on_panic(on_panic: js_sys::Function) {
    thread_local! {
        static ON_PANIC: std::cell::Cell<Option<js_sys::Function>> = const { std::cell::Cell::new(None) };
    }
    ON_PANIC.with(|p| p.set(Some(on_panic)));
    std::panic::set_hook(Box::new(|info| {
        kill();
        if let Some(f) = ON_PANIC.with(|p| p.take()) {
            let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&info.to_string()));
        }
    }));
}

/// A CSS length in pixels.
pub fn px(v: f64) -> String {
    guidepost_core::num::rounded(v, 2) + "px"
}

/// Lower case the way the page's own script would (`String.prototype.toLowerCase`), which
/// also keeps Rust's Unicode case tables out of the bundle.
fn lower(s: &str) -> String {
    js_sys::JsString::from(s).to_lower_case().into()
}

/// A found target: the element and the iframes it lives in (outermost first).
#[derive(Clone)]
pub struct Found {
    pub el: Element,
    pub frames: Vec<HtmlIFrameElement>,
}

impl Found {
    /// The element's rectangle in the top-level viewport.
    pub fn rect(&self) -> Rect {
        let r = self.el.get_bounding_client_rect();
        // Innermost frame first: each maps the rectangle into the document that holds it.
        self.frames.iter().rev().fold(Rect::new(r.x(), r.y(), r.width(), r.height()), |r, f| in_parent(f, r))
    }

    pub fn connected(&self) -> bool {
        self.el.is_connected() && self.frames.iter().all(|f| f.is_connected())
    }
}

/// `r`, a rectangle in `frame`'s viewport, in the viewport of the document that holds the
/// frame: the frame's document starts inside its border (`clientLeft`) and its padding, and
/// is scaled with the frame's CSS transform (a page builder's zoomed canvas).
pub fn in_parent(frame: &Element, r: Rect) -> Rect {
    // The page's own `parseFloat` reads "12px" (no float parser in the module).
    let px = |p: &str| Some(js_sys::parse_float(&computed(frame, p))).filter(|v| v.is_finite()).unwrap_or(0.0);
    let (sx, sy, b) = scale(frame);
    let x = b.left() + (frame.client_left() as f64 + px("padding-left") + r.x) * sx;
    let y = b.top() + (frame.client_top() as f64 + px("padding-top") + r.y) * sy;
    Rect::new(x, y, r.width * sx, r.height * sy)
}

/// How much `el`'s CSS transforms scale it (its box against its own layout size), and its
/// box.
fn scale(el: &Element) -> (f64, f64, web_sys::DomRect) {
    let b = el.get_bounding_client_rect();
    let own = |key: &str| js_sys::Reflect::get(el, &JsValue::from_str(key)).ok().and_then(|v| v.as_f64()).filter(|v| *v > 0.0);
    let sx = own("offsetWidth").map_or(1.0, |w| b.width() / w);
    let sy = own("offsetHeight").map_or(1.0, |h| b.height() / h);
    (sx, sy, b)
}

/// Listener options for the page's events: in the capture phase (a scroll container's
/// scroll, an event the page stops), never preventing defaults.
pub fn passive_capture() -> web_sys::AddEventListenerOptions {
    let o = web_sys::AddEventListenerOptions::new();
    o.set_capture(true);
    o.set_passive(true);
    o
}

pub fn document() -> Option<Document> {
    web_sys::window()?.document()
}

pub fn viewport() -> Rect {
    let Some(w) = web_sys::window() else { return Rect::default() };
    let width = w.inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let height = w.inner_height().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    // Prefer the layout viewport without scrollbars when available: the client size of the
    // scrolling element, which is the root in standards mode and the body in quirks mode (a
    // page without a doctype, common in older apps), where the root's client height is the
    // whole document's: steps near the bottom were placed off screen and never flipped.
    // (In quirks mode the scrolling element is missing when the body itself can scroll: the
    // body's size is then the viewport's too.) Never more than the window's inner size.
    let de = document().and_then(|d| {
        d.scrolling_element().or_else(|| if d.compat_mode() == "BackCompat" { d.body().map(Into::into) } else { d.document_element() })
    });
    let cw = de.as_ref().map(|e| e.client_width() as f64).filter(|v| *v > 0.0).unwrap_or(width);
    let ch = de.as_ref().map(|e| e.client_height() as f64).filter(|v| *v > 0.0).unwrap_or(height);
    let within = |client: f64, inner: f64| if inner > 0.0 { client.min(inner) } else { client };
    Rect::new(0.0, 0.0, within(cw, width), within(ch, height))
}

thread_local! {
    static VIEWPORT: std::cell::Cell<Option<Rect>> = const { std::cell::Cell::new(None) };
}

/// [`viewport`], kept until [`forget_viewport`]: reading the root's client size forces a
/// layout, which made it the most expensive call of each scroll frame (peer benchmark).
/// Scrolling does not change it; resizes and changes of the page may (a scrollbar).
pub fn viewport_cached() -> Rect {
    if let Some(v) = VIEWPORT.with(|c| c.get()) {
        return v;
    }
    let v = viewport();
    VIEWPORT.with(|c| c.set(Some(v)));
    v
}

/// The viewport may have changed size: the next [`viewport_cached`] reads it again.
pub fn forget_viewport() {
    VIEWPORT.with(|c| c.set(None));
}

/// Whether `found` keeps its place in the page when the page scrolls: nothing from it up to
/// the root, across shadow roots and the frames that hold it, is `position: fixed` or
/// `sticky`. What is anchored to such a target can then scroll with the page (the overlay
/// places it in page coordinates) instead of being moved on every scroll frame.
pub fn scrolls_with_page(found: &Found) -> bool {
    let mut starts = std::iter::once(found.el.clone()).chain(found.frames.iter().map(|f| f.clone().into()));
    starts.all(|start| pinned(&start, true).is_none())
}

/// Up the flat tree: a slotted element's slot (inside its host's shadow tree), past a
/// shadow root its host (a node type, not `instanceof`: frames are other realms), else the
/// parent.
pub(crate) fn flat_parent(el: &Element) -> Option<Element> {
    el.assigned_slot().map(Into::into).or_else(|| el.parent_element()).or_else(|| as_shadow_root(el.parent_node()?).map(|r| r.host()))
}

/// `node` as a shadow root, if it is one: by its node type, not `instanceof` (frames are
/// other realms). The only fragments in a live tree are shadow roots.
pub fn as_shadow_root(node: web_sys::Node) -> Option<web_sys::ShadowRoot> {
    (node.node_type() == web_sys::Node::DOCUMENT_FRAGMENT_NODE).then(|| node.unchecked_into())
}

/// `el` is editable (`isContentEditable`: a rich-text editor's area), read as a property:
/// an element of a frame's document (TinyMCE's editor) is of another realm, which
/// `instanceof` refuses.
pub fn is_editable(el: &Element) -> bool {
    js_sys::Reflect::get(el, &"isContentEditable".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// The host of the shadow root `el` is in, if it is in one.
pub fn shadow_host(el: &Element) -> Option<Element> {
    as_shadow_root(el.get_root_node()).map(|r| r.host())
}

/// A computed style property of `el`, read in the element's own window (iframe documents
/// have theirs); empty when there is none.
fn computed(el: &Element, property: &str) -> String {
    el.owner_document()
        .and_then(|d| d.default_view())
        .or_else(web_sys::window)
        .and_then(|w| w.get_computed_style(el).ok().flatten())
        .and_then(|st| st.get_property_value(property).ok())
        .unwrap_or_default()
}

/// Rendered and not hidden: a box of some size (`display: none` anywhere above gives none),
/// not `visibility: hidden` (which keeps the box), and on the canvas. A tooltip must not
/// point at nothing.
fn visible(el: &Element) -> bool {
    let r = el.get_bounding_client_rect();
    if r.width() <= 0.0 && r.height() <= 0.0 {
        return false;
    }
    let visibility = computed(el, "visibility");
    visibility != "hidden" && visibility != "collapse" && on_canvas(el)
}

/// What may clip `el` from view: the elements up its flat tree whose overflow is not
/// `visible` (a list that scrolls, a grid's body), below the body, up to the first fixed
/// one. Read once per target (computed styles); their boxes are read per reposition
/// (`clipped_out`).
pub fn clippers(el: &Element) -> Vec<Element> {
    let Some(win) = el.owner_document().and_then(|d| d.default_view()) else { return vec![] };
    // A fixed target escapes every clip above it.
    if computed(el, "position") == "fixed" {
        return vec![];
    }
    let mut out = Vec::new();
    // An absolutely positioned box escapes the clipping of the boxes between it and its
    // containing block, the nearest positioned (or transformed) ancestor: a dropdown in a
    // title bar that hides its overflow (TiddlyWiki's "more actions").
    let mut absolute = computed(el, "position") == "absolute";
    let mut cur = flat_parent(el);
    while let Some(e) = cur {
        if e.tag_name().eq_ignore_ascii_case("body") || e.tag_name().eq_ignore_ascii_case("html") {
            break;
        }
        let Some(st) = win.get_computed_style(&e).ok().flatten() else { break };
        let position = st.get_property_value("position").unwrap_or_default();
        let contains = position != "static" || st.get_property_value("transform").is_ok_and(|t| !t.is_empty() && t != "none");
        if !absolute || contains {
            // Only a box clips: not an inline element, `display: contents`, or the SVG
            // elements the browser gives `overflow: hidden` (their client size is 0).
            let boxed = e.client_width() > 0 && e.client_height() > 0;
            if boxed && st.get_property_value("overflow").is_ok_and(|o| o.split(' ').any(|v| v != "visible")) {
                out.push(e.clone());
            }
            absolute = position == "absolute";
        }
        if position == "fixed" {
            break;
        }
        cur = flat_parent(&e);
    }
    out
}

/// Nothing of `el` is left to see inside `clippers` (its own document's coordinates): it
/// was scrolled out of its container, under the container's edge.
pub fn clipped_out(el: &Element, clippers: &[Element]) -> bool {
    if clippers.is_empty() {
        return false;
    }
    let r = el.get_bounding_client_rect();
    let (mut x0, mut y0, mut x1, mut y1) = (r.left(), r.top(), r.right(), r.bottom());
    for c in clippers {
        let (left, top, right, bottom) = clip_box(c);
        x0 = x0.max(left);
        y0 = y0.max(top);
        x1 = x1.min(right);
        y1 = y1.min(bottom);
    }
    // A box of no width (or height) of its own is clipped out only when pushed past an edge.
    let gone = |lo: f64, hi: f64, size: f64| hi < lo || (hi == lo && size > 0.0);
    gone(x0, x1, r.width()) || gone(y0, y1, r.height())
}

/// What an element clips its content to, in viewport coordinates (left, top, right,
/// bottom): its padding box, inside the borders and without the scrollbars.
/// Client sizes are the element's own, before any CSS transform: under a scale (reveal.js
/// scales its deck to the window), they are scaled as its box is.
fn clip_box(c: &Element) -> (f64, f64, f64, f64) {
    let (sx, sy, b) = scale(c);
    let (left, top) = (b.left() + c.client_left() as f64 * sx, b.top() + c.client_top() as f64 * sy);
    (left, top, left + c.client_width() as f64 * sx, top + c.client_height() as f64 * sy)
}

/// Whether nothing of `el` is inside its window's viewport.
fn off_screen(el: &Element, win: &web_sys::Window) -> bool {
    let r = el.get_bounding_client_rect();
    let size = |v: Result<JsValue, JsValue>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let (w, h) = (size(win.inner_width()), size(win.inner_height()));
    r.bottom() <= 0.0 || r.right() <= 0.0 || r.top() >= h || r.left() >= w
}

/// Whether `el` lies wholly outside what scrolling `c` can show: above or before its
/// scroll origin, or past its scrollable size (right-to-left and reversed boxes, which
/// scroll from their end, are left aside that way).
fn beyond_scroll_area(el: &Element, c: &Element) -> bool {
    let (sx, sy, b) = scale(c);
    let r = el.get_bounding_client_rect();
    let top = b.top() + (c.client_top() - c.scroll_top()) as f64 * sy;
    let bottom = top + c.scroll_height().max(c.client_height()) as f64 * sy;
    let left = b.left() + (c.client_left() - c.scroll_left()) as f64 * sx;
    let right = left + c.scroll_width().max(c.client_width()) as f64 * sx;
    // A reversed flex box scrolls from its end (a chat's `column-reverse` list: its
    // `scrollTop` is 0 at the bottom): that way, what is past its start is reached.
    let flow = computed(c, "flex-direction");
    let down = flow != "column-reverse";
    let across = flow != "row-reverse" && computed(c, "direction") != "rtl";
    (down && (r.bottom() <= top || r.top() >= bottom)) || (across && (r.right() <= left || r.left() >= right))
}

/// Whether `el` lies wholly inside every clipper's padding box (nothing of it cut off).
fn wholly_inside(el: &Element, clippers: &[Element]) -> bool {
    let r = el.get_bounding_client_rect();
    clippers.iter().all(|c| {
        let (left, top, right, bottom) = clip_box(c);
        r.left() >= left - 0.5 && r.top() >= top - 0.5 && r.right() <= right + 0.5 && r.bottom() <= bottom + 0.5
    })
}

/// Whether scrolling can bring `el` on screen. An off-canvas menu (a phone layout's sidebar,
/// moved out by a transform or a negative margin) keeps its box, left of the page's origin
/// or past its scrollable size, where no scrolling reaches; a fixed drawer sits outside the
/// viewport. What must be on the canvas is the outermost scroll container holding `el`
/// (a carousel scrolls its items into view), else `el` itself.
pub fn on_canvas(el: &Element) -> bool {
    let Some(doc) = el.owner_document() else { return true };
    let Some(win) = doc.default_view() else { return true };
    let mut subject = el.clone();
    let mut fixed = false;
    // Below the first container the user can scroll, a box that hides its sideways overflow
    // (`hidden`, `clip`: a slide deck, a carousel, a map) and has `el` wholly beside it
    // hides it for good: no scrolling of the user's brings it in. Sideways only: panels that
    // hide their vertical overflow are often scrolled by script from the wheel
    // (perfect-scrollbar, slimScroll), and what is below their fold is theirs to reach.
    let mut user_scrollable_below = false;
    let mut nearest_asked = false;
    let beside = |c: &Element| {
        let (r, (left, _, right, _)) = (el.get_bounding_client_rect(), clip_box(c));
        c.client_width() > 0 && c.client_height() > 0 && (r.right() <= left || r.left() >= right)
    };
    let mut cur = Some(el.clone());
    // Up the flat tree (a component's scroller may sit in its shadow tree) to the body,
    // which counts only as the page's scroller (`html { overflow: hidden }` and
    // `body { overflow: auto }`): its `hidden` clips, it does not scroll.
    while let Some(e) = cur {
        let Some(st) = win.get_computed_style(&e).ok().flatten() else { break };
        let overflow = st.get_property_value("overflow").unwrap_or_default();
        let body = e.tag_name().eq_ignore_ascii_case("body");
        // `overflow` reads "visible", or both values when they differ ("hidden auto").
        // The body's overflow goes to the viewport (it scrolls nothing itself) unless the
        // root has its own.
        let scrolls = |v: &str| if body { v == "auto" || v == "scroll" } else { v != "visible" && v != "clip" };
        if overflow.split(' ').any(scrolls) && (!body || body_scrolls(&doc)) {
            subject = e.clone();
            // A virtual list parks the rows it does not show above its start
            // (`translateY(-9999px)`): no scrolling of the container reaches them. Asked of
            // the nearest container only (an outer box that clips a split pane does not
            // scroll what the pane scrolls), and only of what is off screen (an absolutely
            // positioned popup can escape the box it sits in, and be seen outside it).
            if !body && e != *el && !nearest_asked {
                nearest_asked = true;
                if off_screen(el, &win) && beyond_scroll_area(el, &e) {
                    return false;
                }
            }
        }
        if !body && !user_scrollable_below && e != *el {
            if overflow.split(' ').any(|v| v == "auto" || v == "scroll") {
                user_scrollable_below = true;
            } else if matches!(st.get_property_value("overflow-x").unwrap_or_default().as_str(), "hidden" | "clip") && beside(&e) {
                return false;
            }
        }
        if body {
            break;
        }
        if st.get_property_value("position").is_ok_and(|p| p == "fixed") {
            fixed = true;
            break;
        }
        cur = flat_parent(&e);
    }
    let body_subject = subject.tag_name().eq_ignore_ascii_case("body");
    let hide_x = !fixed && hides_x(&doc);
    let Some(root) = doc.scrolling_element().or_else(|| doc.document_element()) else { return true };
    let r = subject.get_bounding_client_rect();
    let (w, h) = (root.client_width() as f64, root.client_height() as f64);
    // The canvas in viewport coordinates: the viewport for a fixed box, else the root's
    // whole scrollable area, which a right-to-left page extends to the left (its
    // `scrollLeft` is 0 at the start and negative when scrolled).
    let (x0, y0, x1, y1) = if fixed {
        (0.0, 0.0, w, h)
    } else {
        let (left, top) = (root.scroll_left() as f64, root.scroll_top() as f64);
        let (sw, sh) = ((root.scroll_width() as f64).max(w), (root.scroll_height() as f64).max(h));
        let rtl = doc.document_element().is_some_and(|d| computed(&d, "direction") == "rtl")
            || doc.body().is_some_and(|b| b.get_attribute("dir").is_some_and(|d| d.eq_ignore_ascii_case("rtl")));
        let (x0, x1) = if rtl { (w - sw - left, w - left) } else { (-left, sw - left) };
        // The page hides its horizontal overflow (`body { overflow-x: hidden }`, a menu
        // pushed off to the right): what sticks out sideways is not for the user to scroll
        // to, so the canvas is the viewport's width. Not so vertically: a scroll lock
        // (`overflow: hidden` while the app's modal is open) lasts only as long as the modal.
        let (x0, x1) = if hide_x { (0.0, w) } else { (x0, x1) };
        (x0, -top, x1, sh - top)
    };
    // Sideways, an element the page's scroller holds is measured itself: the scroller (the
    // body, when it is one) spans the page, and clips what it hides.
    let across = if body_subject && hide_x { el.get_bounding_client_rect() } else { r.clone() };
    across.right() > x0 && r.bottom() > y0 && across.left() < x1 && r.top() < y1
}

/// Whether the body can be a scroller: its overflow is its own only when the root's is not
/// `visible` (otherwise the viewport takes it).
fn body_scrolls(doc: &Document) -> bool {
    doc.document_element().is_some_and(|r| computed(&r, "overflow") != "visible")
}

/// Whether the page hides what sticks out sideways: the viewport's `overflow-x` (the root's,
/// or the body's when the root's is `visible`) is `hidden` or `clip`, or the body is the
/// page's scroller and clips so itself (`html { overflow-y: scroll } body { overflow-x:
/// hidden }`).
fn hides_x(doc: &Document) -> bool {
    let hides = |e: Option<Element>| e.is_some_and(|e| matches!(computed(&e, "overflow-x").as_str(), "hidden" | "clip"));
    hides(doc.body().map(Into::into)) || (body_scrolls(doc) && hides(doc.document_element()))
}

/// A place to search: a document (the page's or a same-origin iframe's) or an open shadow root.
/// Objects from iframes belong to another JS realm, so `instanceof` checks (`dyn_into`)
/// fail for them; the variant records the type instead.
#[derive(Clone)]
pub enum Root {
    Doc(Document),
    Shadow(web_sys::ShadowRoot),
}

impl Root {
    /// The root `el` is in: the shadow root that holds it, else its document.
    pub fn of(el: &Element) -> Root {
        let node = el.get_root_node();
        match as_shadow_root(node.clone()) {
            Some(s) => Root::Shadow(s),
            None => Root::Doc(node.unchecked_into()),
        }
    }

    pub fn query_all(&self, sel: &str) -> Vec<Element> {
        let list = match self {
            Root::Doc(d) => d.query_selector_all(sel),
            Root::Shadow(s) => s.query_selector_all(sel),
        };
        let Ok(list) = list else { return vec![] };
        (0..list.length()).filter_map(|i| list.get(i)).map(|n| n.unchecked_into::<Element>()).collect()
    }

    fn node(&self) -> Option<web_sys::Node> {
        match self {
            Root::Doc(d) => d.document_element().map(Into::into),
            Root::Shadow(s) => Some(s.clone().into()),
        }
    }
}

/// Every root to search: the document, open shadow roots, same-origin iframe documents.
pub fn roots(doc: &Document, frames: Vec<HtmlIFrameElement>, out: &mut Vec<(Root, Vec<HtmlIFrameElement>)>) {
    let root = Root::Doc(doc.clone());
    out.push((root.clone(), frames.clone()));
    collect_shadow_roots(&root, &frames, out);
    for f in root.query_all("iframe") {
        let f: HtmlIFrameElement = f.unchecked_into();
        // Cross-origin frames have no contentDocument: skip them.
        if let Some(inner) = f.content_document() {
            let mut chain = frames.clone();
            chain.push(f);
            roots(&inner, chain, out);
        }
    }
}

fn collect_shadow_roots(root: &Root, frames: &[HtmlIFrameElement], out: &mut Vec<(Root, Vec<HtmlIFrameElement>)>) {
    for el in root.query_all("*") {
        if el.tag_name().eq_ignore_ascii_case("guidepost-root") {
            continue;
        }
        if let Some(sr) = el.shadow_root() {
            let r = Root::Shadow(sr);
            out.push((r.clone(), frames.to_vec()));
            collect_shadow_roots(&r, frames, out);
        }
    }
}

pub fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            // A raw line break ends a CSS string: escaped as a code point.
            '\n' | '\r' | '\u{c}' => out.push_str(&format!("\\{:x} ", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text as targets compare it: trimmed, runs of white space as one, lower case.
fn normal_text(s: &str) -> String {
    lower(&s.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Pseudo-classes of states the user changes by using the page.
const STATES: [&str; 10] =
    [":hover", ":focus", ":active", ":checked", ":target", ":placeholder", ":valid", ":invalid", ":disabled", ":enabled"];

/// What made an element the target, as far as it decided it when the step was shown: an
/// element that later stops holding it is no longer the target (a virtual list gave its
/// node to another row, a table sorted its rows by rewriting their cells).
pub struct Held {
    /// The selector it matched, and its text then: a node given to another row both stops
    /// matching and shows other text. (A label or state toggled on the same element, such
    /// as `aria-expanded`, keeps its text; selectors with a state pseudo-class the user
    /// changes, such as `:focus`, are not held.)
    selector: Option<(String, String)>,
    /// The target's text, when it decided which element: required, or picking among
    /// several matches (a toggled or counted label on an element its selector names alone
    /// is not held).
    text: Option<String>,
}

impl Held {
    pub fn new(el: &Element, selector: Option<String>, text: Option<String>) -> Held {
        let own = normal_text(&el.text_content().unwrap_or_default());
        let several = |s: &str| Root::of(el).query_all(s).len() > 1;
        let decided = selector.as_deref().is_some_and(|s| guidepost_core::names_nothing(s) || several(s));
        let text = text.map(|t| normal_text(&t)).filter(|t| decided && own == *t);
        let stateful = |s: &String| STATES.iter().any(|st| s.contains(st));
        let selector = selector.filter(|s| !stateful(s) && el.matches(s).unwrap_or(false)).map(|s| (s, own));
        Held { selector, text }
    }

    pub fn still(&self, el: &Element) -> bool {
        let text = || normal_text(&el.text_content().unwrap_or_default());
        self.selector.as_ref().is_none_or(|(s, was)| el.matches(s).unwrap_or(true) || text() == *was)
            && self.text.as_ref().is_none_or(|t| text() == *t)
    }
}

/// All elements matching a target (selector first, with the target's text when it has one,
/// then each fallback), visible ones only.
pub fn find_all(t: &Target) -> Vec<Found> {
    let Some(doc) = document() else { return vec![] };
    let mut rs = Vec::new();
    roots(&doc, vec![], &mut rs);
    let search = |sel: &str, text: Option<&str>| -> Vec<Found> {
        let mut out = Vec::new();
        for (root, frames) in &rs {
            for el in root.query_all(sel) {
                if el.closest("guidepost-root").ok().flatten().is_some() {
                    continue;
                }
                // The cheap text test before `visible`, which reads layout and style.
                if text.is_some_and(|want| normal_text(&el.text_content().unwrap_or_default()) != want) {
                    continue;
                }
                if !visible(&el) {
                    continue;
                }
                out.push(Found { el, frames: frames.clone() });
            }
        }
        out
    };
    let mut found = search(&t.selector, None);
    // The target's text picks among the selector's matches; when none has it (the label
    // was translated, or toggles), they all count, except for a structural path
    // (`Target::text_required`).
    let required = t.text_required();
    if let Some(want) = t.text.as_deref().map(normal_text).filter(|_| found.len() > 1 || required) {
        let with_text: Vec<Found> =
            found.iter().filter(|f| normal_text(&f.el.text_content().unwrap_or_default()) == want).cloned().collect();
        if !with_text.is_empty() || required {
            found = with_text;
        }
    }
    if !found.is_empty() {
        return found;
    }
    for f in &t.fallbacks {
        let found = if let Some(text) = &f.text {
            let want = normal_text(text);
            let sel =
                f.tag.clone().unwrap_or_else(|| "a,button,[role=button],[role=tab],[role=menuitem],label,h1,h2,h3,h4,li,summary".into());
            let mut all = search(&sel, Some(&want));
            // Keep the innermost matches: a wrapper with the same text is not the target.
            let els: Vec<Element> = all.iter().map(|f| f.el.clone()).collect();
            all.retain(|f| !els.iter().any(|o| o != &f.el && f.el.contains(Some(o))));
            all
        } else if let Some(attr) = &f.attribute {
            let sel = match &f.value {
                Some(v) => format!("[{attr}={}]", css_string(v)),
                None => format!("[{attr}]"),
            };
            search(&sel, None)
        } else {
            vec![]
        };
        if !found.is_empty() {
            return found;
        }
    }
    vec![]
}

pub fn find(t: &Target) -> Option<Found> {
    find_all(t).into_iter().next()
}

struct Waiter {
    observer: web_sys::MutationObserver,
    callback: Closure<dyn FnMut()>,
    /// Where the wake events are listened on: every document and shadow root searched
    /// (`transitionend` does not cross a shadow root, no event crosses into a parent frame).
    wake_on: Vec<web_sys::EventTarget>,
    /// Wake events come in bursts (every hover transition of the page): one search per
    /// burst, a frame later.
    wake: Closure<dyn FnMut()>,
    _timeout: gloo_timers::callback::Timeout,
}

thread_local! {
    static WAITER: RefCell<Option<Waiter>> = const { RefCell::new(None) };
}

/// Events that may bring a target into view with no change of the DOM: an iframe that
/// finished loading, and a menu that finished sliding in (a CSS transition or animation
/// started by the class change the observer saw, when the target was still off the canvas).
const WAKE_EVENTS: [&str; 3] = ["load", "transitionend", "animationend"];

/// Stops any pending wait.
pub fn cancel_wait() {
    WAITER.with(|w| {
        if let Some(w) = w.borrow_mut().take() {
            w.observer.disconnect();
            let opts = web_sys::EventListenerOptions::new();
            opts.set_capture(true);
            for t in &w.wake_on {
                for name in WAKE_EVENTS {
                    let _ = t.remove_event_listener_with_callback_and_event_listener_options(name, w.wake.as_ref().unchecked_ref(), &opts);
                }
            }
        }
    });
}

/// Finds `target` now, or waits for it with a MutationObserver (no polling) up to
/// `timeout_ms`. Calls `done` exactly once, with the element or `None`.
pub fn wait_for(target: Target, timeout_ms: u32, done: impl FnOnce(Option<Found>) + 'static) {
    cancel_wait();
    if let Some(f) = find(&target) {
        done(Some(f));
        return;
    }
    let done = std::rc::Rc::new(RefCell::new(Some(done)));
    let finish = {
        let done = done.clone();
        move |f: Option<Found>| {
            cancel_wait();
            if let Some(d) = done.borrow_mut().take() {
                d(f);
            }
        }
    };
    let finish = std::rc::Rc::new(finish);
    let on_mutation = {
        let finish = finish.clone();
        let target = target.clone();
        Closure::<dyn FnMut()>::new(move || {
            if !alive() {
                return;
            }
            if let Some(f) = find(&target) {
                finish(Some(f));
            }
        })
    };
    let Ok(observer) = web_sys::MutationObserver::new(on_mutation.as_ref().unchecked_ref()) else {
        finish(None);
        return;
    };
    let wake = {
        let pending = std::rc::Rc::new(std::cell::Cell::new(false));
        Closure::<dyn FnMut()>::new(move || {
            if pending.replace(true) {
                return;
            }
            let pending = pending.clone();
            gloo_timers::callback::Timeout::new(16, move || {
                pending.set(false);
                // The wait may have ended meanwhile (its closures dropped): look it up.
                let check = WAITER.with(|w| w.borrow().as_ref().map(|w| w.callback.as_ref().clone()));
                if let Some(check) = check {
                    let _ = check.unchecked_ref::<js_sys::Function>().call0(&JsValue::NULL);
                }
            })
            .forget();
        })
    };
    let mut wake_on: Vec<web_sys::EventTarget> = Vec::new();
    let opts = web_sys::MutationObserverInit::new();
    opts.set_child_list(true);
    opts.set_subtree(true);
    opts.set_attributes(true);
    // Watch the document, every open shadow root and every same-origin iframe document;
    // an iframe that finishes loading and a transition that ends are changes too (their
    // events, caught in capture).
    if let Some(doc) = document() {
        let mut rs = Vec::new();
        roots(&doc, vec![], &mut rs);
        let capture = web_sys::AddEventListenerOptions::new();
        capture.set_capture(true);
        for (root, _) in &rs {
            if let Some(node) = root.node() {
                let _ = observer.observe_with_options(&node, &opts);
            }
            let t: web_sys::EventTarget = match root {
                Root::Doc(d) => d.clone().into(),
                Root::Shadow(s) => s.clone().into(),
            };
            for name in WAKE_EVENTS {
                let _ = t.add_event_listener_with_callback_and_add_event_listener_options(name, wake.as_ref().unchecked_ref(), &capture);
            }
            wake_on.push(t);
        }
    }
    let timeout = {
        let finish = finish.clone();
        gloo_timers::callback::Timeout::new(timeout_ms, move || {
            if alive() {
                finish(None)
            }
        })
    };
    WAITER.with(|w| *w.borrow_mut() = Some(Waiter { observer, callback: on_mutation, wake_on, wake, _timeout: timeout }));
}

/// A fixed or sticky header along the top of the viewport: its bottom edge, and the
/// viewport's width it spans (`left`, `right`: a header beside a fixed sidebar starts
/// where the sidebar ends). All zero without a header.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Header {
    pub bottom: f64,
    pub left: f64,
    pub right: f64,
}

/// [`header`], measured at most twice a second: it hit-tests the page and reads computed
/// styles up the tree, too dear for every frame of a scroll (the peer benchmark's scroll
/// frames spent most of the box's time there).
pub fn header_cached() -> Header {
    thread_local! {
        static HEADER: std::cell::Cell<Option<(f64, Header)>> = const { std::cell::Cell::new(None) };
    }
    let now = js_sys::Date::now();
    if let Some((at, h)) = HEADER.with(|c| c.get()) {
        if (0.0..500.0).contains(&(now - at)) {
            return h;
        }
    }
    let h = header();
    HEADER.with(|c| c.set(Some((now, h))));
    h
}

/// The height of a fixed or sticky header covering the top of the viewport, measured at
/// most twice a second ([`header_cached`]).
pub fn header_height_cached() -> f64 {
    header_cached().bottom
}

pub fn header_height() -> f64 {
    header().bottom
}

/// What the page pins at the viewport's top edge, probed at a quarter, half and three
/// quarters of its width, under half the viewport's height.
pub fn header() -> Header {
    let Some(doc) = document() else { return Header::default() };
    let vp = viewport();
    let mut bottom: f64 = 0.0;
    // The width: the bars' from one edge of the viewport (a header beside a fixed sidebar),
    // not a badge's somewhere along the top, which sets only how low the header reaches.
    let mut span: Option<(f64, f64)> = None;
    for x in [vp.width * 0.25, vp.width * 0.5, vp.width * 0.75] {
        if let Some(el) = page_element_at(&doc, x, 1.0).and_then(|e| pinned(&e, true)) {
            let r = el.get_bounding_client_rect();
            if r.y() <= 1.0 && r.height() < vp.height * 0.5 {
                bottom = bottom.max(r.bottom());
                let (left, right) = (r.left().max(0.0), (vp.width - r.right()).max(0.0));
                if r.width() >= vp.width / 2.0 && (left <= 1.0 || right <= 1.0) {
                    span = Some(span.map_or((left, right), |(l, rt)| (l.min(left), rt.min(right))));
                }
            }
        }
    }
    let (left, right) = span.unwrap_or((0.0, 0.0));
    Header { bottom, left, right }
}

/// The page's topmost element at a point of the viewport, under Guidepost's own hosts (the
/// document's hit test gives a host for anything in its shadow tree: a banner at the top
/// edge would otherwise hide the app's header from [`header_height`]) and the picker's mask.
pub fn page_element_at(doc: &Document, x: f64, y: f64) -> Option<Element> {
    doc.elements_from_point(x as f32, y as f32).iter().map(|e| e.unchecked_into::<Element>()).find(|e| {
        !matches!(e.tag_name().to_ascii_lowercase().as_str(), "guidepost-root" | "guidepost-designer")
            && !e.has_attribute("data-guidepost-picker")
    })
}

/// The page's focused element, inside open shadow roots and same-origin frames (an
/// editor's canvas: TinyMCE's `<body contenteditable>` in its iframe). Focus given back to
/// the `<iframe>` itself leaves such an editor deaf to typing; given to this element, it
/// types on. Elements of a frame are of another realm: unchecked, not `instanceof`.
pub fn focused(doc: &Document) -> Option<Element> {
    let mut el = doc.active_element()?;
    for _ in 0..16 {
        if let Some(inner) = el.shadow_root().and_then(|s| s.active_element()) {
            el = inner;
        } else if let Some(inner) = (el.local_name() == "iframe")
            .then(|| el.unchecked_ref::<HtmlIFrameElement>().content_document())
            .flatten()
            .and_then(|d| d.active_element())
            // Nothing focused inside (its body, unless the body is the editor): the frame
            // itself keeps the keys (a canvas, a game, a preview).
            .filter(|inner| inner.local_name() != "body" || is_editable(inner))
        {
            el = inner;
        } else {
            break;
        }
    }
    Some(el)
}

/// Whether the focused element `el` is in an open popup of the page's (a menu, a list box,
/// a dropdown's panel: an element up its flat tree with such a role, or an expanded toggle
/// on it or beside it, or a focusable element of the app's own making: a `<div tabindex>`),
/// whose library closes it when the focus leaves, or in a widget that
/// moves the focus among its own items (a grid: Handsontable's cell takes the typing): a
/// step that took the focus would close the menu it points into, or take the keys meant
/// for the cell.
pub fn in_open_popup(el: &Element) -> bool {
    const POPUPS: [&str; 14] = [
        "menu",
        "menubar",
        "menuitem",
        "menuitemradio",
        "menuitemcheckbox",
        "listbox",
        "option",
        "tree",
        "treeitem",
        "grid",
        "treegrid",
        "gridcell",
        "combobox",
        "application",
    ];
    let expanded = |e: &Element| e.get_attribute("aria-expanded").as_deref() == Some("true");
    let mut cur = Some(el.clone());
    for depth in 0..6 {
        let Some(e) = cur else { break };
        let role = e.get_attribute("role").unwrap_or_default();
        if e.local_name() == "body" {
            break;
        }
        if POPUPS.contains(&role.as_str()) || expanded(&e) {
            return true;
        }
        // A widget of the app's own making holds the focus: in the tab order, with no role
        // to say what it is, not a scrolling region (Fomantic's dropdown, a `<div
        // tabindex="0">` that closes on blur). Not an element focused by script
        // (`tabindex="-1"`: a route's heading, a skip link's target).
        if depth == 0
            && e.get_attribute("tabindex").and_then(|t| t.trim().parse::<i32>().ok()).is_some_and(|t| t >= 0)
            && role.is_empty()
            && matches!(e.local_name().as_str(), "div" | "span" | "li")
            && e.scroll_height() <= e.client_height() + 1
            && e.scroll_width() <= e.client_width() + 1
        {
            return true;
        }
        // A disclosure: the toggle, expanded, beside the panel that holds the focus.
        if depth > 0 && e.query_selector(":scope > [aria-expanded=true]").ok().flatten().is_some() {
            return true;
        }
        cur = flat_parent(&e);
    }
    false
}

/// Whether the target, in frames, is scrolled out of one of their viewports (an editor's
/// canvas scrolled past the paragraph): nothing of it can be seen.
pub fn outside_frames(found: &Found) -> bool {
    let b = found.el.get_bounding_client_rect();
    let mut r = Rect::new(b.x(), b.y(), b.width(), b.height());
    // Innermost frame first: `r` is in its viewport, then mapped into its parent's.
    for frame in found.frames.iter().rev() {
        let Some(win) = frame.content_window() else { return false };
        let size = |v: Result<JsValue, JsValue>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        if !Rect::new(0.0, 0.0, size(win.inner_width()), size(win.inner_height())).overlaps(&r) {
            return true;
        }
        r = in_parent(frame, r);
    }
    false
}

/// Whether the page laid a layer over the target, `r` being its rectangle in the viewport
/// `vp`: the page's topmost element at the centre of the target's visible part is neither
/// in the target nor above it, and sits in a fixed box that covers most of the viewport and
/// does not hold the target (a modal's wrapper or backdrop, a dimmer, a loading screen), or
/// is a modal `<dialog>` shown over it. A step there would point at what cannot be used, on
/// top of the page's own modal. What the page lets the pointer through (`pointer-events:
/// none`) is not hit, and a box over part of the viewport (a sticky header over a row, a
/// chat window) does not count. A target in a frame is asked through its outermost frame.
pub fn under_layer(found: &Found, r: Rect, vp: Rect) -> bool {
    let subject: Element = found.frames.first().map_or_else(|| found.el.clone(), |f| f.clone().into());
    let Some(doc) = document() else { return false };
    let (x0, y0) = (r.x.max(0.0), r.y.max(0.0));
    let (x1, y1) = ((r.x + r.width).min(vp.width), (r.y + r.height).min(vp.height));
    if x1 <= x0 || y1 <= y0 {
        return false;
    }
    let Some(hit) = page_element_at(&doc, (x0 + x1) / 2.0, (y0 + y1) / 2.0) else { return false };
    // Up the flat tree from `from`: whether it meets `to`.
    let reaches = |from: &Element, to: &Element| std::iter::successors(Some(from.clone()), flat_parent).any(|e| e == *to);
    if reaches(&hit, &subject) || reaches(&subject, &hit) {
        return false;
    }
    let area = vp.width * vp.height;
    let mut cur = Some(hit);
    while let Some(e) = cur {
        if e.tag_name().eq_ignore_ascii_case("dialog") && e.matches(":modal").unwrap_or(false) {
            return !reaches(&subject, &e);
        }
        if computed(&e, "position") == "fixed" {
            let b = e.get_bounding_client_rect();
            let covered = (b.right().min(vp.width) - b.left().max(0.0)).max(0.0) * (b.bottom().min(vp.height) - b.top().max(0.0)).max(0.0);
            return covered >= 0.9 * area && !reaches(&subject, &e);
        }
        cur = flat_parent(&e);
    }
    false
}

/// `el`, or the nearest element up its flat tree, that the page keeps in place in the
/// viewport (`position: fixed`, and `sticky` too when `sticky`): a header, a toolbar, a chat
/// launcher. None inside Guidepost's own host.
pub fn pinned(el: &Element, sticky: bool) -> Option<Element> {
    let mut cur = Some(el.clone());
    while let Some(e) = cur {
        if e.tag_name().eq_ignore_ascii_case("guidepost-root") {
            return None;
        }
        match computed(&e, "position").as_str() {
            "fixed" => return Some(e),
            "sticky" if sticky => return Some(e),
            _ => {}
        }
        cur = flat_parent(&e);
    }
    None
}

/// Scrolls the target into view below any fixed header, if it is not fully visible;
/// `clippers` are its [`clippers`]; `pinned`, that it does not scroll with the page
/// (`!`[`scrolls_with_page`]).
pub fn scroll_into_view(f: &Found, clippers: &[Element], pinned: bool) {
    let vp = viewport();
    // A target the page keeps in place (in a fixed or sticky header or toolbar) is not below
    // the header but in it: scrolling the page would not bring it lower, and a sticky one's
    // `scrollIntoView` scrolls to where it sits in the page's flow.
    let header = if pinned { 0.0 } else { header_height() };
    let r = f.rect();
    // In the viewport, below the header, and not cut off by a container the user scrolls (a
    // card's list, with the target below its fold but inside the viewport).
    // Boxes the user scrolls, and those a script scrolls from the wheel (perfect-scrollbar,
    // slimScroll: overflow hidden with more content than room, vertically).
    let scrollers: Vec<Element> = clippers
        .iter()
        .filter(|c| {
            computed(c, "overflow").split(' ').any(|v| v == "auto" || v == "scroll")
                || (computed(c, "overflow-y") == "hidden" && c.scroll_height() > c.client_height())
        })
        .cloned()
        .collect();
    let fully = r.y >= header && r.bottom() <= vp.height && r.x >= 0.0 && r.right() <= vp.width && wholly_inside(&f.el, &scrollers);
    if fully || (pinned && scrollers.is_empty()) {
        return;
    }
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(web_sys::ScrollLogicalPosition::Center);
    opts.set_inline(web_sys::ScrollLogicalPosition::Nearest);
    // Instant, with or without reduced motion: the step is usable as soon as it shows.
    opts.set_behavior(web_sys::ScrollBehavior::Instant);
    // The browser scrolls boxes that hide their overflow too, which their users cannot: a
    // slide deck scrolled sideways showed none of its slides. Their sideways scroll is put
    // back (not the vertical one: panels scrolled by script hide it too; not the page's).
    let hiders: Vec<(Element, i32)> = std::iter::once(f.el.clone())
        .chain(f.frames.iter().map(|fr| fr.clone().into()))
        .flat_map(|start| std::iter::successors(flat_parent(&start), flat_parent))
        .filter(|e| !matches!(e.tag_name().to_ascii_lowercase().as_str(), "body" | "html") && computed(e, "overflow-x") == "hidden")
        .map(|e| {
            let left = e.scroll_left();
            (e, left)
        })
        .collect();
    f.el.scroll_into_view_with_scroll_into_view_options(&opts);
    for (e, left) in hiders {
        if e.scroll_left() != left {
            e.set_scroll_left(left);
        }
    }
    // A tall target centred under a fixed header: nudge it below the header.
    let r = f.rect();
    if r.y < header {
        if let Some(w) = web_sys::window() {
            w.scroll_by_with_x_and_y(0.0, r.y - header - 8.0);
        }
    }
}

pub fn is_rtl() -> bool {
    let Some(doc) = document() else { return false };
    let dir = doc.document_element().and_then(|e| e.get_attribute("dir")).unwrap_or_default();
    if !dir.is_empty() {
        return dir.eq_ignore_ascii_case("rtl");
    }
    doc.body().and_then(|b| b.get_attribute("dir")).is_some_and(|d| d.eq_ignore_ascii_case("rtl"))
}
