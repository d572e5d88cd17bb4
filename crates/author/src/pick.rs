//! The element picker for authors: `Guidepost.pick()`. Hovering outlines an element and
//! names the target the picker would write for it; a click answers it, Esc answers null.

use std::cell::RefCell;

use guidepost_core::Target;
use guidepost_dom::{alive, css_string, document, px, roots, Root};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlIFrameElement};

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

/// Leaves picker mode, answering null.
pub fn cancel() {
    end_pick(JsValue::NULL);
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
            if !alive() {
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
            if !alive() {
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
            if !alive() {
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
