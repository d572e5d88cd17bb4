//! The element picker for authors: `Guidepost.pick()`. Hovering outlines an element and
//! names the target the picker would write for it; a click answers it, Esc answers null.

use std::cell::RefCell;

use crate::selector::{self, Node, PREFERENCES};
use guidepost_core::Target;
use guidepost_dom::{alive, as_shadow_root, document, is_editable, px, roots, shadow_host, Root};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlIFrameElement};

struct Picker {
    resolve: js_sys::Function,
    highlight: web_sys::HtmlElement,
    label: web_sys::HtmlElement,
    listeners: Vec<(String, Listener)>,
    /// This window and the windows of its same-origin iframes: a press inside a frame is
    /// dispatched to the frame's window, never to this one.
    windows: Vec<web_sys::Window>,
}

thread_local! {
    static PICKER: RefCell<Option<Picker>> = const { RefCell::new(None) };
    /// What the author's page shows of the author alone, lower-cased (ASCII): the identified user's
    /// id and the string values of their traits (a name, an email, a company), from the
    /// decision module's state when the pick began.
    static PERSONAL: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Reads the author's own id and trait values out of the decision module's state JSON
/// (`gp_debug_state`'s): text showing any of them is this user's, not every user's.
pub fn set_personal(state: &str) {
    let v: serde_json::Value = serde_json::from_str(state).unwrap_or_default();
    let ctx = &v["ctx"];
    let mut out: Vec<String> = ctx["traits"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .chain(std::iter::once(&ctx["user_id"]))
        .filter_map(|t| t.as_str())
        .map(|t| t.trim().to_ascii_lowercase())
        // Short values ("en", "pro", "us") are everyone's words too.
        .filter(|t| t.chars().count() >= 4)
        .collect();
    out.sort();
    out.dedup();
    PERSONAL.with(|p| *p.borrow_mut() = out);
}

/// Whether `text` shows something of the author alone ([`set_personal`]), or of one of
/// its words: "Welcome back, Ada" for a user named "Ada Lovelace".
fn personal(text: &str) -> bool {
    // ASCII case only (both sides alike): Unicode's tables would weigh more than the module's
    // whole picker.
    let text = text.to_ascii_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != '@' && c != '.'))
        .map(|w| w.trim_matches('.'))
        .filter(|w| w.chars().count() >= 3)
        .collect();
    PERSONAL.with(|p| {
        p.borrow()
            .iter()
            .any(|v| text.contains(v.as_str()) || v.split_whitespace().any(|part| part.chars().count() >= 3 && words.contains(&part)))
    })
}

/// A robust target for `el` with the default preferences (the browser tests use it).
#[cfg(test)]
pub fn robust_target(el: &Element) -> (Target, usize) {
    let all: Vec<String> = PREFERENCES.iter().map(|s| s.to_string()).collect();
    robust_target_with(el, &all)
}

/// A robust target for `el`: see `selector.rs` for the order of preference. The text
/// fallback goes beside the selector for elements whose text names them (not form fields,
/// whose text is their options'). When the selector names the element by nothing of its
/// own (a CSS framework's classes, a structural path: `h2.text-white` on a Tailwind page),
/// the text also goes into the target (`Target::text`, which picks among the selector's
/// matches), so that another element that comes to match the selector first is not taken
/// for it; not text with digits, which is often live (counts, prices, dates).
pub fn robust_target_with(el: &Element, prefer: &[String]) -> (Target, usize) {
    let tag = tag_name(el);
    let text = el.text_content().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
    // Not form fields (their text is their options') nor a rich-text editor (its text is
    // what the user wrote).
    let editor = is_editable(el);
    let named_by_text = !editor && !matches!(tag.as_str(), "select" | "input" | "textarea" | "html" | "body");
    let by_text = prefer.iter().any(|p| p == "text") && named_by_text && !text.is_empty() && text.len() <= 60;
    let fallbacks = if by_text {
        vec![guidepost_core::Fallback { text: Some(text.clone()), tag: Some(tag), attribute: None, value: None }]
    } else {
        vec![]
    };
    let mut rs = Vec::new();
    if let Some(doc) = document() {
        roots(&doc, vec![], &mut rs);
    }
    let page = DomPage { roots: rs, el: el.clone() };
    let path = path_of(el);
    // The page's background: the body (or the root) itself, which has no path below it.
    let named = if path.is_empty() {
        selector::Named { selector: tag_name(el), matches: 1, by_name: true }
    } else {
        selector::build(&path, prefer, &page)
    };
    // Not text with digits, which is often live (counts, prices, dates), nor text that
    // shows the author's own name or email: another user sees other words there.
    let live = text.bytes().any(|b| b.is_ascii_digit()) || personal(&text);
    let text = (by_text && !named.by_name && !live).then_some(text);
    (Target { selector: named.selector, text, fallbacks }, named.matches)
}

/// The element the picker names for `el`, with its target and how many elements that
/// matches: `el` itself, or, when `el` is inside a web component's shadow root and cannot be
/// named alone there (the native `<button>` inside every `<ion-button>`, named `button`,
/// which the runtime would find in the page's light DOM first), the nearest shadow host up
/// the tree that can be (`#compose`). The host is what the author sees and clicked; the
/// answer says so (`component`), since it may be larger than what was clicked.
fn name_for(el: Element, prefer: &[String]) -> (Element, Target, usize) {
    let (target, n) = robust_target_with(&el, prefer);
    if n == 1 {
        return (el, target, n);
    }
    let mut host = shadow_host(&el);
    while let Some(h) = host {
        let (ht, hn) = robust_target_with(&h, prefer);
        if hn == 1 {
            return (h, ht, hn);
        }
        host = shadow_host(&h);
    }
    (el, target, n)
}

/// The outermost editable element around `el` (a rich-text editor's area), if any.
fn editable_root(el: &Element) -> Option<Element> {
    let mut root = None;
    let mut at = Some(el.clone());
    while let Some(e) = at.filter(is_editable) {
        at = e.parent_element();
        root = Some(e);
    }
    root
}

fn tag_name(el: &Element) -> String {
    el.tag_name().to_ascii_lowercase()
}

/// The element and its ancestors up to `body` (or the top of its shadow root), as the
/// selector builder reads them.
fn path_of(el: &Element) -> Vec<Node> {
    let mut path = Vec::new();
    let mut cur = Some(el.clone());
    while let Some(e) = cur {
        let tag = tag_name(&e);
        if tag == "body" || tag == "html" {
            break;
        }
        let names = e.get_attribute_names();
        let attrs = (0..names.length())
            .filter_map(|i| names.get(i).as_string())
            .map(|n| {
                let v = e.get_attribute(&n).unwrap_or_default();
                (n, v)
            })
            .collect();
        let (mut nth, mut of_type) = (1, 1);
        // Siblings under an element, or at the top of a shadow root.
        let kids = e.parent_element().map(|p| p.children()).or_else(|| as_shadow_root(e.parent_node()?).map(|s| s.children()));
        if let Some(kids) = kids {
            let same: Vec<Element> = (0..kids.length()).filter_map(|i| kids.item(i)).filter(|k| k.tag_name() == e.tag_name()).collect();
            of_type = same.len().max(1);
            nth = same.iter().position(|k| k == &e).unwrap_or(0) + 1;
        }
        path.push(Node { tag, attrs, nth_of_type: nth, of_type });
        cur = e.parent_element();
    }
    path
}

/// The page as the runtime searches it: the document, open shadow roots and same-origin
/// iframes (the overlay excluded). Hidden elements count too: a duplicate that shows later
/// would make the target ambiguous.
struct DomPage {
    roots: Vec<(Root, Vec<HtmlIFrameElement>)>,
    el: Element,
}

impl selector::Page for DomPage {
    fn matches(&self, sel: &str) -> (usize, bool) {
        let mut first = None;
        let mut n = 0;
        for (root, _) in &self.roots {
            for e in root.query_all(sel) {
                if e.closest("guidepost-root").ok().flatten().is_some() {
                    continue;
                }
                n += 1;
                first.get_or_insert(e);
            }
        }
        (n, first.as_ref() == Some(&self.el))
    }
}

/// What the author means by a click: the link, button or field around the icon or the
/// words clicked (within a few levels), a whole SVG icon rather than one of its paths, and
/// a rich-text editor rather than the paragraph clicked in it (its content is the user's).
fn promote(el: Element) -> Element {
    if let Some(editor) = editable_root(&el) {
        return editor;
    }
    const INTERACTIVE: &str = "a[href], button, select, textarea, input, label, summary, [role=button], [role=link], [role=tab], \
        [role=menuitem], [role=checkbox], [role=switch], [role=option], [role=radio]";
    // The element itself, or the nearest such ancestor up to four levels up.
    let mut at = Some(el.clone());
    for _ in 0..=4 {
        let Some(e) = at else { break };
        if e.matches(INTERACTIVE).unwrap_or(false) {
            return e;
        }
        at = e.parent_element();
    }
    match el.closest("svg").ok().flatten() {
        Some(svg) if el.namespace_uri().as_deref() == Some("http://www.w3.org/2000/svg") => svg,
        _ => el,
    }
}

/// Whether `el` belongs to Guidepost's own UI (the overlay, the designer's panel).
fn is_own_ui(el: &Element) -> bool {
    el.closest("guidepost-root, guidepost-designer").ok().flatten().is_some()
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

/// `el`'s rectangle in this window's viewport: inside a same-origin iframe, offset by the
/// frames that hold it (their border and padding included, scaled with their transform).
fn rect_in_top(el: &Element, top: &web_sys::Window) -> (f64, f64, f64, f64) {
    let r = el.get_bounding_client_rect();
    let mut r = guidepost_core::Rect::new(r.x(), r.y(), r.width(), r.height());
    let mut win = el.owner_document().and_then(|d| d.default_view());
    while let Some(w) = win.filter(|w| AsRef::<JsValue>::as_ref(w) != AsRef::<JsValue>::as_ref(top)) {
        let Ok(Some(frame)) = w.frame_element() else { break };
        r = guidepost_dom::in_parent(&frame, r);
        win = frame.owner_document().and_then(|d| d.default_view());
    }
    (r.x, r.y, r.width, r.height)
}

/// Whether a key event is Esc. By its `key` property: an event from an iframe's realm is no
/// `instanceof KeyboardEvent` here.
fn is_escape(ev: &web_sys::Event) -> bool {
    js_sys::Reflect::get(ev, &"key".into()).ok().and_then(|k| k.as_string()).as_deref() == Some("Escape")
}

/// Leaves picker mode, answering null.
pub fn cancel() {
    end_pick(JsValue::NULL);
}

fn end_pick(result: JsValue) {
    let picker = PICKER.with(|p| p.borrow_mut().take());
    let Some(p) = picker else { return };
    for win in &p.windows {
        for (name, l) in &p.listeners {
            let opts = web_sys::EventListenerOptions::new();
            opts.set_capture(true);
            let _ = win.remove_event_listener_with_callback_and_event_listener_options(name, l.as_ref().unchecked_ref(), &opts);
        }
    }
    p.highlight.remove();
    p.label.remove();
    let _ = p.resolve.call1(&JsValue::NULL, &result);
}

type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// Adds the picker's listeners to `win`, in the capture phase.
fn listen(win: &web_sys::Window, listeners: &[(String, Listener)]) {
    for (name, l) in listeners {
        let opts = web_sys::AddEventListenerOptions::new();
        opts.set_capture(true);
        let _ = win.add_event_listener_with_callback_and_add_event_listener_options(name, l.as_ref().unchecked_ref(), &opts);
    }
}

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
    let win = web_sys::window().ok_or("no window")?;
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
            if !alive() {
                return;
            }
            let Some(el) = event_element(&ev) else { return };
            if el.has_attribute("data-guidepost-picker") || is_own_ui(&el) {
                return;
            }
            // The label costs a scan of the page: only when the element changes.
            let el = promote(el);
            if last.as_ref() == Some(&el) {
                return;
            }
            last = Some(el.clone());
            let Some(top) = web_sys::window() else { return };
            let (el, t, n) = name_for(el, &prefer);
            let (x, y, w, h) = rect_in_top(&el, &top);
            let _ = hl.style().set_property("display", "block");
            let _ = hl.style().set_property("left", &px(x));
            let _ = hl.style().set_property("top", &px(y));
            let _ = hl.style().set_property("width", &px(w));
            let _ = hl.style().set_property("height", &px(h));
            lb.set_text_content(Some(&format!("{} · {} match{}", t.selector, n, if n == 1 { "" } else { "es" })));
            let _ = lb.style().set_property("display", "block");
            let _ = lb.style().set_property("left", &px(x));
            let _ = lb.style().set_property("top", &px((y - 22.0).max(0.0)));
        });
        // The pick happens on the press's release, not on `click`: the browser fires no
        // click (nor mouse events) at a disabled button or field, which authors point at too
        // (a Submit that waits for the form). The click that follows is swallowed below.
        let release = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            // By the `button` property: a press in an iframe is no `instanceof MouseEvent` here.
            let button = js_sys::Reflect::get(&ev, &"button".into()).ok().and_then(|b| b.as_f64()).unwrap_or(0.0);
            if !alive() || button != 0.0 {
                return;
            }
            let Some(el) = event_element(&ev) else { return };
            // The designer's panel and the overlay are not the app: clicks there work as usual.
            if is_own_ui(&el) {
                return;
            }
            ev.prevent_default();
            ev.stop_immediate_propagation();
            let el = promote(el);
            let (named, t, n) = name_for(el.clone(), &prefer2);
            let mut result = serde_json::json!({ "target": t, "selector": t.selector, "matches": n });
            if named != el {
                result["component"] = serde_json::Value::String(tag_name(&named));
            }
            let js = js_sys::JSON::parse(&result.to_string()).unwrap_or(JsValue::NULL);
            // Resolve after this press finishes dispatching (its click included).
            gloo_timers::callback::Timeout::new(0, move || end_pick(js)).forget();
        });
        let key = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            if !alive() {
                return;
            }
            if is_escape(&ev) {
                ev.prevent_default();
                gloo_timers::callback::Timeout::new(0, || end_pick(JsValue::NULL)).forget();
            }
        });
        let mut listeners = vec![("mouseover".to_string(), mv), ("pointerup".to_string(), release), ("keydown".to_string(), key)];
        // The rest of the press: apps open menus, selects and drags on these, and a picking
        // click must not change the page it names.
        for name in ["pointerdown", "mousedown", "mouseup", "click", "dblclick", "contextmenu"] {
            let swallow = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
                if alive() && event_element(&ev).is_some_and(|el| !is_own_ui(&el)) {
                    ev.prevent_default();
                    ev.stop_immediate_propagation();
                }
            });
            listeners.push((name.to_string(), swallow));
        }
        // A frame that loads a page while the author picks (a link followed in it, a frame
        // added) has a new window: the listeners go on it too.
        let framed = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            if !alive() {
                return;
            }
            let Some(frame) = ev.target() else { return };
            let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).ok().filter(|v| v.is_object());
            // Same-origin frames only: another origin's document is not readable.
            if get(&frame, "contentDocument").is_none() {
                return;
            }
            let Some(w) = get(&frame, "contentWindow") else { return };
            let w: web_sys::Window = w.unchecked_into();
            PICKER.with(|p| {
                if let Some(p) = p.borrow_mut().as_mut() {
                    listen(&w, &p.listeners);
                    p.windows.push(w);
                }
            });
        });
        listeners.push(("load".to_string(), framed));
        // On the window and on every same-origin frame's, in the capture phase: before any
        // listener of the page's.
        let mut rs = Vec::new();
        roots(&doc, vec![], &mut rs);
        let mut windows = vec![win.clone()];
        windows.extend(rs.iter().filter(|(_, frames)| !frames.is_empty()).filter_map(|(root, _)| match root {
            Root::Doc(d) => d.default_view(),
            Root::Shadow(_) => None,
        }));
        for w in &windows {
            listen(w, &listeners);
        }
        PICKER.with(|p| *p.borrow_mut() = Some(Picker { resolve, highlight: highlight.clone(), label: label.clone(), listeners, windows }));
    });
    Ok(promise.into())
}
