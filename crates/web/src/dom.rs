//! The DOM platform: finding targets (with fallbacks, inside open shadow roots and
//! same-origin iframes), waiting for late ones with a MutationObserver, reading
//! rectangles in top-level viewport coordinates, fixed headers, scrolling, and the
//! element picker for authors.

use std::cell::RefCell;

use crate::overlay::px;
use guidepost_core::{Rect, Target};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlIFrameElement};

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
        let (mut x, mut y) = (r.x(), r.y());
        for f in &self.frames {
            let fr = f.get_bounding_client_rect();
            x += fr.x() + f.client_left() as f64;
            y += fr.y() + f.client_top() as f64;
        }
        Rect::new(x, y, r.width(), r.height())
    }

    pub fn connected(&self) -> bool {
        self.el.is_connected() && self.frames.iter().all(|f| f.is_connected())
    }
}

pub fn document() -> Option<Document> {
    web_sys::window()?.document()
}

pub fn viewport() -> Rect {
    let Some(w) = web_sys::window() else { return Rect::default() };
    let width = w.inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let height = w.inner_height().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    // Prefer the layout viewport without scrollbars when available.
    let de = document().and_then(|d| d.document_element());
    let cw = de.as_ref().map(|e| e.client_width() as f64).filter(|v| *v > 0.0).unwrap_or(width);
    let ch = de.as_ref().map(|e| e.client_height() as f64).filter(|v| *v > 0.0).unwrap_or(height);
    Rect::new(0.0, 0.0, cw.min(width.max(cw)), ch.min(height.max(ch)))
}

/// Rendered and not hidden: a box of some size (`display: none` anywhere above gives none)
/// and not `visibility: hidden` (which keeps the box). A tooltip must not point at nothing.
fn visible(el: &Element) -> bool {
    let r = el.get_bounding_client_rect();
    if r.width() <= 0.0 && r.height() <= 0.0 {
        return false;
    }
    // The element's own window: iframe documents have theirs.
    let hidden = el
        .owner_document()
        .and_then(|d| d.default_view())
        .or_else(web_sys::window)
        .and_then(|w| w.get_computed_style(el).ok().flatten())
        .and_then(|st| st.get_property_value("visibility").ok())
        .is_some_and(|v| v == "hidden" || v == "collapse");
    !hidden
}

/// A place to search: a document (the page's or a same-origin iframe's) or an open shadow root.
/// Objects from iframes belong to another JS realm, so `instanceof` checks (`dyn_into`)
/// fail for them; the variant records the type instead.
#[derive(Clone)]
enum Root {
    Doc(Document),
    Shadow(web_sys::ShadowRoot),
}

impl Root {
    fn query_all(&self, sel: &str) -> Vec<Element> {
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
fn roots(doc: &Document, frames: Vec<HtmlIFrameElement>, out: &mut Vec<(Root, Vec<HtmlIFrameElement>)>) {
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

fn css_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// All elements matching a target (selector first, then each fallback), visible ones only.
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
                if let Some(want) = text {
                    let got = el.text_content().unwrap_or_default();
                    if lower(&got.split_whitespace().collect::<Vec<_>>().join(" ")) != want {
                        continue;
                    }
                }
                if !visible(&el) {
                    continue;
                }
                out.push(Found { el, frames: frames.clone() });
            }
        }
        out
    };
    let found = search(&t.selector, None);
    if !found.is_empty() {
        return found;
    }
    for f in &t.fallbacks {
        let found = if let Some(text) = &f.text {
            let want = lower(&text.split_whitespace().collect::<Vec<_>>().join(" "));
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
    _timeout: gloo_timers::callback::Timeout,
}

thread_local! {
    static WAITER: RefCell<Option<Waiter>> = const { RefCell::new(None) };
}

/// Stops any pending wait.
pub fn cancel_wait() {
    WAITER.with(|w| {
        if let Some(w) = w.borrow_mut().take() {
            w.observer.disconnect();
            if let Some(doc) = document() {
                let opts = web_sys::EventListenerOptions::new();
                opts.set_capture(true);
                let _ =
                    doc.remove_event_listener_with_callback_and_event_listener_options("load", w.callback.as_ref().unchecked_ref(), &opts);
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
            if !crate::alive() {
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
    let opts = web_sys::MutationObserverInit::new();
    opts.set_child_list(true);
    opts.set_subtree(true);
    opts.set_attributes(true);
    // Watch the document, every open shadow root and every same-origin iframe document;
    // an iframe that finishes loading is a change too (its load event, caught in capture).
    if let Some(doc) = document() {
        let mut rs = Vec::new();
        roots(&doc, vec![], &mut rs);
        for (root, _) in &rs {
            if let Some(node) = root.node() {
                let _ = observer.observe_with_options(&node, &opts);
            }
        }
        let capture = web_sys::AddEventListenerOptions::new();
        capture.set_capture(true);
        let _ = doc.add_event_listener_with_callback_and_add_event_listener_options("load", on_mutation.as_ref().unchecked_ref(), &capture);
    }
    let timeout = {
        let finish = finish.clone();
        gloo_timers::callback::Timeout::new(timeout_ms, move || {
            if crate::alive() {
                finish(None)
            }
        })
    };
    WAITER.with(|w| *w.borrow_mut() = Some(Waiter { observer, callback: on_mutation, _timeout: timeout }));
}

/// The height of a fixed or sticky header covering the top of the viewport.
/// [`header_height`], measured at most twice a second: it hit-tests the page and reads
/// computed styles up the tree, too dear for every frame of a scroll (the peer
/// benchmark's scroll frames spent most of the box's time there).
pub fn header_height_cached() -> f64 {
    thread_local! {
        static HEADER: std::cell::Cell<Option<(f64, f64)>> = const { std::cell::Cell::new(None) };
    }
    let now = js_sys::Date::now();
    if let Some((at, h)) = HEADER.with(|c| c.get()) {
        if (0.0..500.0).contains(&(now - at)) {
            return h;
        }
    }
    let h = header_height();
    HEADER.with(|c| c.set(Some((now, h))));
    h
}

pub fn header_height() -> f64 {
    let (Some(w), Some(doc)) = (web_sys::window(), document()) else { return 0.0 };
    let vp = viewport();
    let mut best: f64 = 0.0;
    for x in [vp.width * 0.25, vp.width * 0.5, vp.width * 0.75] {
        let mut cur = doc.element_from_point(x as f32, 1.0);
        while let Some(el) = cur {
            if el.tag_name().eq_ignore_ascii_case("guidepost-root") {
                break;
            }
            if let Ok(Some(style)) = w.get_computed_style(&el) {
                let pos = style.get_property_value("position").unwrap_or_default();
                if pos == "fixed" || pos == "sticky" {
                    let r = el.get_bounding_client_rect();
                    if r.y() <= 1.0 && r.height() < vp.height * 0.5 {
                        best = best.max(r.bottom());
                    }
                    break;
                }
            }
            cur = el.parent_element();
        }
    }
    best
}

/// Scrolls the target into view below any fixed header, if it is not fully visible.
pub fn scroll_into_view(f: &Found) {
    let vp = viewport();
    let header = header_height();
    let r = f.rect();
    let fully = r.y >= header && r.bottom() <= vp.height && r.x >= 0.0 && r.right() <= vp.width;
    if fully {
        return;
    }
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(web_sys::ScrollLogicalPosition::Center);
    opts.set_inline(web_sys::ScrollLogicalPosition::Nearest);
    // Instant, with or without reduced motion: the step is usable as soon as it shows.
    opts.set_behavior(web_sys::ScrollBehavior::Instant);
    f.el.scroll_into_view_with_scroll_into_view_options(&opts);
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

// ---------------------------------------------------------------------------
// The element picker for authors: `Guidepost.pick()`.

struct Picker {
    resolve: js_sys::Function,
    highlight: web_sys::HtmlElement,
    label: web_sys::HtmlElement,
    listeners: Vec<(String, Listener)>,
}

thread_local! {
    static PICKER: RefCell<Option<Picker>> = const { RefCell::new(None) };
}

/// The picker's attribute families, in its default order of preference: `data-tour`
/// (with `data-guide`), `data-testid` (with `data-test`, `data-cy`, `data-qa`), `id`,
/// `aria-label` (with `name`), and `text` (a text fallback beside the selector).
pub const PREFERENCES: [&str; 5] = ["data-tour", "data-testid", "id", "aria-label", "text"];

/// A robust target for `el` with the default preferences (the browser tests use it).
#[cfg(test)]
pub fn robust_target(el: &Element) -> (Target, usize) {
    let all: Vec<String> = PREFERENCES.iter().map(|s| s.to_string()).collect();
    robust_target_with(el, &all)
}

/// A robust target for `el`: the attribute families of `prefer`, in that order (see
/// [`PREFERENCES`]), then other `data-` attributes; a short structural path only as a last
/// resort.
pub fn robust_target_with(el: &Element, prefer: &[String]) -> (Target, usize) {
    let tag = el.tag_name().to_ascii_lowercase();
    let mut candidates: Vec<String> = Vec::new();
    let attr = |name: &str| el.get_attribute(name).filter(|v| !v.is_empty());
    for family in prefer {
        match family.as_str() {
            "data-tour" | "data-testid" => {
                let names: &[&str] =
                    if family == "data-tour" { &["data-tour", "data-guide"] } else { &["data-testid", "data-test", "data-cy", "data-qa"] };
                for a in names {
                    if let Some(v) = attr(a) {
                        candidates.push(format!("[{a}={}]", css_string(&v)));
                    }
                }
            }
            "id" => {
                if let Some(id) = attr("id").filter(|id| !looks_generated(id)) {
                    candidates.push(format!("#{}", css_ident(&id)));
                }
            }
            "aria-label" => {
                if let Some(label) = attr("aria-label") {
                    candidates.push(format!("{tag}[aria-label={}]", css_string(&label)));
                }
                if let Some(name) = attr("name") {
                    candidates.push(format!("{tag}[name={}]", css_string(&name)));
                }
            }
            _ => {}
        }
    }
    let names = el.get_attribute_names();
    for i in 0..names.length() {
        let n = names.get(i).as_string().unwrap_or_default();
        if n.starts_with("data-") && !n.starts_with("data-v-") {
            if let Some(v) = el.get_attribute(&n).filter(|v| !v.is_empty() && v.len() < 60) {
                let c = format!("[{n}={}]", css_string(&v));
                if !candidates.contains(&c) {
                    candidates.push(c);
                }
            }
        }
    }
    let text = el.text_content().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
    let fallbacks = if prefer.iter().any(|p| p == "text") && !text.is_empty() && text.len() <= 60 {
        vec![guidepost_core::Fallback { text: Some(text.clone()), tag: Some(tag.clone()), attribute: None, value: None }]
    } else {
        vec![]
    };
    let mut rs = Vec::new();
    if let Some(doc) = document() {
        roots(&doc, vec![], &mut rs);
    }
    let count = |sel: &str| count_matches(&rs, sel);
    for sel in &candidates {
        if count(sel) == 1 {
            return (Target { selector: sel.clone(), fallbacks }, 1);
        }
    }
    let sel = structural_path(el);
    let n = count(&sel);
    (Target { selector: sel, fallbacks }, n)
}

/// Whether `el` belongs to Guidepost's own UI (the overlay, the designer's panel).
fn is_own_ui(el: &Element) -> bool {
    el.closest("guidepost-root, guidepost-designer").ok().flatten().is_some()
}

/// How many elements `sel` matches where the runtime looks for targets: the document, open
/// shadow roots and same-origin iframes (the overlay excluded). Hidden ones count too: a
/// duplicate that shows later would make the target ambiguous.
fn count_matches(rs: &[(Root, Vec<HtmlIFrameElement>)], sel: &str) -> usize {
    rs.iter().map(|(root, _)| root.query_all(sel).iter().filter(|e| e.closest("guidepost-root").ok().flatten().is_none()).count()).sum()
}

/// The element an event happened on, inside open shadow roots too (at the document, the
/// event's target is retargeted to the shadow host).
fn event_element(ev: &web_sys::Event) -> Option<Element> {
    // An element may come from another realm (a node adopted from an iframe), where
    // `instanceof Element` fails: test the node type instead.
    let as_element = |v: JsValue| -> Option<Element> {
        let node_type = js_sys::Reflect::get(&v, &JsValue::from_str("nodeType")).ok()?.as_f64();
        (v.is_object() && node_type == Some(1.0)).then(|| v.unchecked_into())
    };
    as_element(ev.composed_path().get(0)).or_else(|| ev.target().and_then(|t| as_element(t.into())))
}

fn looks_generated(id: &str) -> bool {
    let digits = id.chars().filter(|c| c.is_ascii_digit()).count();
    digits >= 4 || id.starts_with(':') || id.contains("ember") || id.contains("react")
}

fn css_ident(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_string() } else { format!("\\{c}") }).collect()
}

fn structural_path(el: &Element) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(el.clone());
    while let Some(e) = cur {
        let tag = e.tag_name().to_ascii_lowercase();
        if tag == "body" || tag == "html" {
            break;
        }
        if let Some(id) = e.get_attribute("id").filter(|id| !id.is_empty() && !looks_generated(id)) {
            parts.push(format!("#{}", css_ident(&id)));
            break;
        }
        let mut part = tag.clone();
        if let Some(parent) = e.parent_element() {
            let kids = parent.children();
            let same: Vec<Element> = (0..kids.length()).filter_map(|i| kids.item(i)).filter(|k| k.tag_name() == e.tag_name()).collect();
            if same.len() > 1 {
                let pos = same.iter().position(|k| k == &e).unwrap_or(0) + 1;
                part = format!("{tag}:nth-of-type({pos})");
            }
        }
        parts.push(part);
        cur = e.parent_element();
        if parts.len() >= 5 {
            break;
        }
    }
    parts.reverse();
    parts.join(" > ")
}

fn end_pick(result: JsValue) {
    let picker = PICKER.with(|p| p.borrow_mut().take());
    let Some(p) = picker else { return };
    if let Some(doc) = document() {
        for (name, l) in &p.listeners {
            let opts = web_sys::EventListenerOptions::new();
            opts.set_capture(true);
            let _ = doc.remove_event_listener_with_callback_and_event_listener_options(name, l.as_ref().unchecked_ref(), &opts);
        }
    }
    p.highlight.remove();
    p.label.remove();
    let _ = p.resolve.call1(&JsValue::NULL, &result);
}

type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// Enters picker mode. Resolves with `{ target, selector, matches }`, or `null` on Esc.
pub fn pick(options: JsValue) -> Result<JsValue, String> {
    end_pick(JsValue::NULL);
    // `{ prefer: ["data-tour", "id", ...] }` orders (and limits) the attribute families.
    let prefer: Vec<String> = js_sys::Reflect::get(&options, &"prefer".into())
        .ok()
        .filter(js_sys::Array::is_array)
        .map(|v| js_sys::Array::from(&v).iter().filter_map(|x| x.as_string()).filter(|x| PREFERENCES.contains(&x.as_str())).collect())
        .unwrap_or_else(|| PREFERENCES.iter().map(|s| s.to_string()).collect());
    let prefer2 = prefer.clone();
    let doc = document().ok_or("no document")?;
    let body = doc.body().ok_or("no body")?;
    let mk = |style: &str| -> Result<web_sys::HtmlElement, String> {
        let e: web_sys::HtmlElement = doc.create_element("div").map_err(|_| "create")?.unchecked_into();
        // Through the CSSOM, which a strict Content-Security-Policy allows.
        e.style().set_css_text(style);
        e.set_attribute("data-guidepost-picker", "").map_err(|_| "attr")?;
        body.append_child(&e).map_err(|_| "append")?;
        Ok(e)
    };
    let highlight = mk("position:fixed;pointer-events:none;z-index:2147483646;border:2px solid #e5484d;background:rgba(229,72,77,.12);border-radius:4px;display:none")?;
    let label = mk("position:fixed;pointer-events:none;z-index:2147483647;background:#111;color:#fff;font:12px/1.4 system-ui,sans-serif;padding:2px 6px;border-radius:3px;display:none")?;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let hl = highlight.clone();
        let lb = label.clone();
        let prefer = prefer.clone();
        let prefer2 = prefer2.clone();
        let mut last: Option<Element> = None;
        let mv = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            if !crate::alive() {
                return;
            }
            let Some(el) = event_element(&ev) else { return };
            // The label costs a scan of the page: only when the element changes.
            if el.has_attribute("data-guidepost-picker") || last.as_ref() == Some(&el) || is_own_ui(&el) {
                return;
            }
            last = Some(el.clone());
            let r = el.get_bounding_client_rect();
            let _ = hl.style().set_property("display", "block");
            let _ = hl.style().set_property("left", &px(r.x()));
            let _ = hl.style().set_property("top", &px(r.y()));
            let _ = hl.style().set_property("width", &px(r.width()));
            let _ = hl.style().set_property("height", &px(r.height()));
            let (t, n) = robust_target_with(&el, &prefer);
            lb.set_text_content(Some(&format!("{} · {} match{}", t.selector, n, if n == 1 { "" } else { "es" })));
            let _ = lb.style().set_property("display", "block");
            let _ = lb.style().set_property("left", &px(r.x()));
            let _ = lb.style().set_property("top", &px((r.y() - 22.0).max(0.0)));
        });
        let click = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            if !crate::alive() {
                return;
            }
            let Some(el) = event_element(&ev) else { return };
            // The designer's panel and the overlay are not the app: clicks there work as usual.
            if is_own_ui(&el) {
                return;
            }
            ev.prevent_default();
            ev.stop_immediate_propagation();
            let (t, n) = robust_target_with(&el, &prefer2);
            let result = serde_json::json!({ "target": t, "selector": t.selector, "matches": n });
            let js = js_sys::JSON::parse(&result.to_string()).unwrap_or(JsValue::NULL);
            // Resolve after this event finishes dispatching.
            gloo_timers::callback::Timeout::new(0, move || end_pick(js)).forget();
        });
        let key = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            if !crate::alive() {
                return;
            }
            if ev.dyn_ref::<web_sys::KeyboardEvent>().is_some_and(|k| k.key() == "Escape") {
                ev.prevent_default();
                gloo_timers::callback::Timeout::new(0, || end_pick(JsValue::NULL)).forget();
            }
        });
        let listeners = vec![("mouseover".to_string(), mv), ("click".to_string(), click), ("keydown".to_string(), key)];
        for (name, l) in &listeners {
            let opts = web_sys::AddEventListenerOptions::new();
            opts.set_capture(true);
            let _ = doc.add_event_listener_with_callback_and_add_event_listener_options(name, l.as_ref().unchecked_ref(), &opts);
        }
        PICKER.with(|p| *p.borrow_mut() = Some(Picker { resolve, highlight: highlight.clone(), label: label.clone(), listeners }));
    });
    Ok(promise.into())
}
