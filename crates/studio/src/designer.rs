//! The in-app designer: a panel on the customer's real app, in its own shadow root in the
//! top layer, movable and collapsible. It lists the guide's steps, edits titles and bodies in
//! place, adds steps by picking elements (the embed's picker, with the author's preferred
//! attributes), previews a step in the real overlay (`Guidepost.preview`), and saves the
//! draft with the designer session.

use guidepost_core::json::At;
use guidepost_core::{FromJson, Target};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::{enc, Api};
use crate::doc::{self, k, Seg};

/// `view!` with every element built node by node: leptos builds a wholly static element
/// from HTML through `innerHTML`, which a page that enforces Trusted Types refuses (the
/// panel never showed). A scope class switches that off, as in the overlay; `gp-v` is a
/// class no rule uses.
macro_rules! view {
    ($($t:tt)*) => { ::leptos::view! { class = "gp-v", $($t)* } };
}

const PREFS_KEY: &str = "guidepost-designer-prefer";
const POS_KEY: &str = "guidepost-designer-pos";
/// What the author is told when the draft was saved elsewhere since their unsaved work began.
const CONFLICT: &str = "The draft was saved elsewhere (the Studio saves it when it publishes) since your changes began. Keep yours, replacing it, or take the saved draft.";

/// The panel's width and its margin from the window's right edge where it first opens.
const PANEL_WIDTH: f64 = 380.0;
/// The attributes the picker may prefer, in its default order.
pub const ATTRIBUTES: [&str; 5] = ["data-tour", "data-testid", "id", "aria-label", "text"];

const CSS: &str = r#"
:host { all: initial; }
.panel { position: fixed; z-index: 2147483647; width: 360px; max-height: 80vh; display: flex; flex-direction: column; overflow: clip; background: #fff; color: #1c2024;
  font: 13px/1.45 system-ui, sans-serif; border: 1px solid #d0d5dd; border-radius: 10px; box-shadow: 0 12px 32px rgba(0,0,0,.22); }
.head { display: flex; align-items: center; gap: 8px; padding: 8px 10px; background: #1c2024; color: #fff; cursor: move; border-radius: 9px 9px 0 0; user-select: none; }
.head strong { flex: 1; }
.head button { background: transparent; color: #fff; border: 1px solid #555; border-radius: 6px; padding: 2px 8px; cursor: pointer; font: inherit; }
[hidden] { display: none !important; }
.bar { display: grid; gap: 6px; padding: 8px 10px; border-bottom: 1px solid #e4e7ec; }
.body { padding: 10px; display: grid; gap: 8px; overflow: auto; min-height: 0; }
ol { margin: 0; padding: 0; list-style: none; display: grid; gap: 8px; }
li { border: 1px solid #e4e7ec; border-radius: 8px; padding: 8px; display: grid; gap: 4px; }
li.current { border-color: #3e63dd; }
input, textarea { font: inherit; border: 1px solid #d0d5dd; border-radius: 6px; padding: 4px 6px; width: 100%; box-sizing: border-box; }
.row { display: flex; gap: 6px; flex-wrap: wrap; }
button { font: inherit; border: 1px solid #d0d5dd; background: #f8f9fa; border-radius: 6px; padding: 3px 8px; cursor: pointer; }
button.primary { background: #3e63dd; color: #fff; border-color: #3e63dd; }
.target { font-family: ui-monospace, monospace; font-size: 12px; color: #555; word-break: break-all; }
.warn { color: #b54708; } .ok { color: #067647; } .err { color: #d92d20; }
.msg { margin: 0; }
.order { margin-left: auto; display: flex; gap: 4px; }
.order button { padding: 0 7px; }
.panel.picking { pointer-events: none; opacity: .35; }
fieldset { border: 1px solid #e4e7ec; border-radius: 8px; display: flex; flex-wrap: wrap; gap: 4px 12px; }
fieldset label { display: inline-flex; align-items: center; gap: 4px; }
.options { display: grid; grid-template-columns: auto 1fr; gap: 2px 6px; align-items: center; font-size: 12px; color: #555; }
select { font: inherit; font-size: 12px; border: 1px solid #d0d5dd; border-radius: 6px; padding: 1px 4px; background: #fff; color: #1c2024; }
input[type=checkbox] { width: auto; }
"#;

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

fn local(key: &str) -> Option<String> {
    window().local_storage().ok().flatten()?.get_item(key).ok().flatten()
}

fn session_store() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn set_local(key: &str, v: &str) {
    if let Some(s) = window().local_storage().ok().flatten() {
        let _ = s.set_item(key, v);
    }
}

/// Calls `Guidepost[method](arg)` on the host page and awaits it when it is a Promise;
/// the answer as JSON.
async fn embed_call(method: &str, arg: &Value) -> Result<Value, String> {
    let gp = js_sys::Reflect::get(&window(), &"Guidepost".into()).map_err(|_| "no Guidepost on this page")?;
    let f: js_sys::Function = js_sys::Reflect::get(&gp, &method.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or(format!("Guidepost.{method} is missing: update the embed"))?;
    let js_arg = js_sys::JSON::parse(&arg.to_string()).unwrap_or(JsValue::NULL);
    let out = f.call1(&gp, &js_arg).map_err(|e| format!("Guidepost.{method}: {e:?}"))?;
    let out = match out.dyn_into::<js_sys::Promise>() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await.map_err(|e| format!("Guidepost.{method}: {e:?}"))?,
        Err(v) => v,
    };
    let text = js_sys::JSON::stringify(&out).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "null".into());
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Mounts the panel.
pub fn mount(base: String, session: String, guide_id: String) {
    let doc_ = window().document().expect("a document");
    if doc_.query_selector("guidepost-designer").ok().flatten().is_some() {
        return;
    }
    let Ok(host) = doc_.create_element("guidepost-designer") else { return };
    let _ = host.set_attribute("popover", "manual");
    // Styles through the CSSOM and a constructed stylesheet, never a `style` attribute or a
    // `<style>` element: a page's strict CSP (`style-src` without `'unsafe-inline'`) refuses
    // those, and the panel lay unstyled in the middle of the app.
    host.unchecked_ref::<web_sys::HtmlElement>().style().set_css_text(
        "all: initial; position: fixed; inset: auto; margin: 0; padding: 0; border: 0; background: transparent; overflow: visible;",
    );
    let Ok(shadow) = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)) else { return };
    guidepost_dom::sheet::adopt_css(&doc_, &shadow, CSS);
    let Ok(container) = doc_.create_element("div") else { return };
    let _ = shadow.append_child(&container);
    if let Some(b) = doc_.body() {
        let _ = b.append_child(&host);
    }
    crate::panel_host::show(&host);
    crate::panel_host::keep_reachable(&host);
    let api = Api { base, credential: session };
    let container: web_sys::HtmlElement = container.unchecked_into();
    leptos::mount::mount_to(container, move || view! { <Panel api=api guide_id=guide_id /> }).forget();
}

/// The page the author is on: path, query and fragment (a hash router's route).
fn page_here() -> Option<String> {
    let loc = window().location();
    Some(format!("{}{}{}", loc.pathname().ok()?, loc.search().unwrap_or_default(), loc.hash().unwrap_or_default()))
}

/// Where each step was picked in this tab (step id → the page, with the selector picked
/// there), kept in sessionStorage under `key`: the guide's JSON has no place for it, and
/// the steps of a multi-page tour are picked on several pages. A record whose selector is
/// no longer the step's (a deleted step's id given to a new one) is not used.
fn picked_on(key: &str, step: &Value) -> Option<String> {
    let t = session_store()?.get_item(key).ok().flatten()?;
    let m = serde_json::from_str::<Value>(&t).ok()?;
    let r = &m[step["id"].as_str()?];
    (r["selector"] == step["target"]["selector"]).then(|| r["page"].as_str().map(str::to_string)).flatten()
}

fn remember_page(key: &str, step: &Value, page: &str) {
    let (Some(s), Some(id)) = (session_store(), step["id"].as_str()) else { return };
    let mut m =
        s.get_item(key).ok().flatten().and_then(|t| serde_json::from_str::<Value>(&t).ok()).filter(Value::is_object).unwrap_or(json!({}));
    m[id] = json!({ "page": page, "selector": step["target"]["selector"] });
    let _ = s.set_item(key, &m.to_string());
}

/// Where the panel may be: wholly inside the window's width when it fits, its header inside
/// the window's height. A position saved on a wider window, or a drag past an edge, left
/// the panel out of reach.
fn on_screen((x, y): (f64, f64)) -> (f64, f64) {
    let size = |v: Result<JsValue, JsValue>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let (w, h) = (size(window().inner_width()), size(window().inner_height()));
    (x.min(w - PANEL_WIDTH).max(0.0), y.min(h - 48.0).max(0.0))
}

/// A multi-page tour: when step `i` was picked on another page than step `i - 1`, step
/// `i - 1`'s Next button opens this page, so the tour continues here. Where step `i - 1`
/// was picked is known when it was picked in this tab (`prev_page`): another path or
/// route is another page. Otherwise, or when only the query or an anchor differs, its
/// target missing from this page tells. A step that continues on a click, an event or a
/// page change already leads on, and one with a button that opens a page is left as it is.
/// Returns what was changed, for the author.
fn link_pages(doc: RwSignal<Value>, i: usize, prev_page: Option<String>) -> Option<String> {
    let prev = doc.with_untracked(|d| doc::steps(d).get(i - 1).cloned())?;
    let here = page_here()?;
    let leads_on = !matches!(prev["advance"]["on"].as_str(), None | Some("next"));
    let has_link = prev["buttons"].as_array().is_some_and(|bs| bs.iter().any(|b| b["action"] == "url"));
    if leads_on || has_link {
        return None;
    }
    let target_missing = || {
        let Some(sel) = prev.pointer("/target/selector").and_then(Value::as_str) else { return false };
        window().document().is_some_and(|d| d.query_selector(sel).ok().flatten().is_none())
    };
    let elsewhere = match prev_page {
        Some(p) if doc::page_of(&p) != doc::page_of(&here) => true,
        Some(p) if p == here => false,
        _ => target_missing(),
    };
    if !elsewhere {
        return None;
    }
    doc.update(|d| {
        doc::link_next(doc::array_mut(d, &[k("steps"), Seg::I(i - 1), k("buttons")]), i - 1, here.clone());
    });
    Some(format!("Step {i}'s Next button now opens {here}, where this step is."))
}

/// What the designer lets an author choose for a step besides its words and its target:
/// (label, JSON field, options as (value, text); "" removes the field: the default).
type Choices = &'static [(&'static str, &'static str)];
const STEP_OPTIONS: [(&str, &str, Choices); 5] = [
    ("Kind", "kind", &[("tooltip", "Tooltip"), ("hotspot", "Hotspot"), ("modal", "Modal"), ("banner", "Banner")]),
    ("Continue on", "advance", &[("", "Next button"), ("click", "Click on the element")]),
    ("Placement", "placement", &[("", "Auto"), ("top", "Top"), ("bottom", "Bottom"), ("left", "Left"), ("right", "Right")]),
    ("If the element is missing", "on_missing", &[("", "End the guide"), ("skip", "Skip the step"), ("center", "Show it centred")]),
    // An element that comes late: a menu the user opens first, a list that loads.
    ("Wait for the element", "wait_ms", &[("", "3 s"), ("10000", "10 s"), ("30000", "30 s"), ("120000", "2 min")]),
];

/// The step's kind, how it continues, its placement, what happens without its element and
/// how long it waits for it, as selects. A value the designer does not offer (a checklist,
/// an advance on an event) is shown as it is and kept until the author picks another. Then
/// the words on its buttons.
#[component]
fn StepOptions(doc: RwSignal<Value>, edit: impl Fn(&dyn Fn(&mut Value)) + Copy + Send + Sync + 'static, i: usize) -> impl IntoView {
    let buttons = Memo::new(move |_| doc.with(|d| doc::len(d, &[k("steps"), Seg::I(i), k("buttons")])));
    // A step the engine gives its own buttons (core's `Step::gets_default_buttons`): Next,
    // or Done on the last step. A step the core cannot read yet gets no field.
    let implicit = Memo::new(move |_| {
        doc.with(|d| {
            let steps = doc::steps(d);
            let step =
                <guidepost_core::model::Step as guidepost_core::FromJson>::from_json(steps.get(i)?, guidepost_core::json::At::Root("$"))
                    .ok()?;
            step.gets_default_buttons().then(|| if i + 1 >= steps.len() { "Done" } else { "Next" })
        })
    });
    view! {
        <div class="options">
            {STEP_OPTIONS.iter().map(|&(label, field, choices)| {
                let current = move || doc.with(|d| doc::steps(d).get(i).map(|s| doc::option_value(s, field)).unwrap_or_default());
                let offered = choices.iter().any(|(v, _)| *v == current());
                view! {
                    <span>{label}</span>
                    <select aria-label=label name=format!("designer-{field}") prop:value=current
                        on:change=move |ev| {
                            let choice = event_target_value(&ev);
                            edit(&|d| doc::set(d, &[k("steps"), Seg::I(i), k(field)], doc::option_json(field, &choice)));
                        }>
                        {(!offered).then(|| { let v = current(); let text = if field == "wait_ms" { format!("{v} ms") } else { v.clone() }; view! { <option value=v>{text}</option> } })}
                        {choices.iter().map(|&(v, text)| view! { <option value=v>{text}</option> }).collect_view()}
                    </select>
                }
            }).collect_view()}
            // The words on the step's buttons ("Next" becomes "Got it"); what a button does
            // is shown, and set in the Studio. Re-rendered only when the number of buttons
            // changes, so a field keeps its focus while the author types.
            {move || match buttons.get() {
                0 => implicit.get().map(|default| {
                    // The engine's own Next (or Done) button, and Back after the first step:
                    // new words for either write those buttons out (once the field is left).
                    // Back has its row from the start, so writing them out moves nothing
                    // under the author's pointer (the next click missed its button).
                    let write = move |back: Option<String>, next: Option<String>| {
                        let mut written = Vec::new();
                        if i > 0 {
                            written.push(json!({ "label": back.unwrap_or_else(|| "Back".into()), "action": "back" }));
                        }
                        written.push(json!({ "label": next.unwrap_or_else(|| default.to_string()), "action": "next" }));
                        edit(&|d| doc::set(d, &[k("steps"), Seg::I(i), k("buttons")], Value::Array(written.clone())));
                    };
                    let typed = |ev: &leptos::ev::Event| Some(event_target_value(ev)).filter(|s| !s.trim().is_empty());
                    view! {
                        {(i > 0).then(|| view! {
                            <span>"Button: Back"</span>
                            <input type="text" aria-label="Back button label" name="designer-button" placeholder="Back"
                                on:change=move |ev| if let Some(s) = typed(&ev) { write(Some(s), None) } />
                        })}
                        <span>"Button: Next"</span>
                        <input type="text" aria-label="Button label" name="designer-button" placeholder=default
                            on:change=move |ev| if let Some(s) = typed(&ev) { write(None, Some(s)) } />
                    }
                    .into_any()
                }),
                n => Some((0..n).map(|b| {
                    let label = vec![k("steps"), Seg::I(i), k("buttons"), Seg::I(b), k("label")];
                    let label2 = label.clone();
                    let does = move || doc.with(|d| doc::button_action(d.pointer(&format!("/steps/{i}/buttons/{b}/action")).and_then(Value::as_str).unwrap_or("")));
                    view! {
                        <span>{move || format!("Button: {}", does())}</span>
                        <input type="text" aria-label=format!("Button {} label", b + 1) name="designer-button" prop:value=move || doc.with(|d| doc::get_str(d, &label))
                            on:input=move |ev| { let s = event_target_value(&ev); edit(&|d| doc::set_text(d, &label2, &s, false)); } />
                    }
                }).collect_view().into_any()),
            }}
        </div>
    }
}

#[component]
fn Panel(api: Api, guide_id: String) -> impl IntoView {
    let doc = RwSignal::new(Value::Null);
    let revision = RwSignal::new(0i64);
    let msg = RwSignal::new(("".to_string(), "ok"));
    let collapsed = RwSignal::new(false);
    // While the author picks, the panel lets the pointer through to the page under it (the
    // app's own toolbar is often where the panel sits) and fades.
    let picking = RwSignal::new(false);
    let current = RwSignal::new(None::<usize>);
    let dirty = RwSignal::new(false);
    // The draft as saved elsewhere since the author's unsaved work began (`revision` is its).
    let conflict = RwSignal::new(None::<Value>);
    let (x0, y0) = local(POS_KEY)
        .and_then(|s| s.split_once(',').and_then(|(a, b)| Some((a.parse::<f64>().ok()?, b.parse::<f64>().ok()?))))
        .unwrap_or((window().inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(1200.0) - PANEL_WIDTH, 16.0));
    let pos = RwSignal::new(on_screen((x0, y0)));
    // A narrower window (devtools opened, a laptop after a desktop) keeps the panel on it.
    let on_resize = Closure::<dyn FnMut()>::new(move || pos.update(|p| *p = on_screen(*p)));
    let _ = window().add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
    on_resize.forget();
    let prefer = RwSignal::new(
        local(PREFS_KEY)
            .map(|s| s.split(',').filter(|a| !a.is_empty()).map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_else(|| ATTRIBUTES.iter().map(|s| s.to_string()).collect()),
    );
    // Unsaved work is kept in the tab's sessionStorage with the revision it started from,
    // so it survives the author's navigation through a multi-page app.
    let work_key = StoredValue::new(format!("guidepost-designer-work:{guide_id}"));
    let pages_key = StoredValue::new(format!("guidepost-designer-pages:{guide_id}"));
    let keep = move || {
        if let Some(s) = session_store() {
            let w = json!({ "revision": revision.get_untracked(), "doc": doc.get_untracked() });
            let _ = s.set_item(&work_key.get_value(), &w.to_string());
        }
    };
    let load_api = api.clone();
    let gid = guide_id.clone();
    spawn_local(async move {
        match load_api.get(&format!("/v1/guides/{}/draft", enc(&gid))).await {
            Ok(v) => {
                let rev = v["revision"].as_i64().unwrap_or(0);
                revision.set(rev);
                let work: Option<Value> = session_store()
                    .and_then(|s| s.get_item(&work_key.get_value()).ok().flatten())
                    .and_then(|t| serde_json::from_str(&t).ok());
                match work {
                    Some(w) if w["revision"].as_i64() == Some(rev) && w["doc"] != v["json"] => {
                        doc.set(w["doc"].clone());
                        dirty.set(true);
                        msg.set(("Your unsaved changes are back: save them when you are done.".into(), "warn"));
                    }
                    // The draft was saved elsewhere (the Studio's Publish saves it) since the
                    // work began: the author chooses, nothing is dropped unsaid.
                    Some(w) if w["doc"] != v["json"] => {
                        doc.set(w["doc"].clone());
                        dirty.set(true);
                        conflict.set(Some(v["json"].clone()));
                        msg.set((CONFLICT.into(), "warn"));
                    }
                    Some(_) => {
                        if let Some(s) = session_store() {
                            let _ = s.remove_item(&work_key.get_value());
                        }
                        doc.set(v["json"].clone());
                    }
                    None => doc.set(v["json"].clone()),
                }
            }
            Err(e) => msg.set((format!("Cannot load the draft: {e}"), "err")),
        }
    });
    let edit = move |f: &dyn Fn(&mut Value)| {
        doc.update(|d| f(d));
        dirty.set(true);
        keep();
    };
    // The order changed (a move, a copy, a deletion): the Next buttons the designer made to
    // open the next step's page follow it (`doc::relink`), where the steps' pages are known.
    let relink = move || {
        let key = pages_key.get_value();
        let pages: Vec<Option<String>> = doc.with_untracked(|d| doc::steps(d).iter().map(|s| picked_on(&key, s)).collect());
        let changed = std::cell::Cell::new(false);
        edit(&|d| changed.set(doc::relink(d, &pages)));
        if changed.get() {
            msg.set(("Next buttons now lead to each next step's page.".into(), "ok"));
        }
    };
    let edit_order = move |f: &dyn Fn(&mut Value)| {
        edit(f);
        relink();
    };
    // A copy sits on its original's page.
    let duplicate = move |i: usize| {
        let key = pages_key.get_value();
        let page = doc.with_untracked(|d| doc::steps(d).get(i).and_then(|s| picked_on(&key, s)));
        edit(&|d| {
            doc::duplicate_step(d, i);
        });
        if let (Some(page), Some(copy)) = (page, doc.with_untracked(|d| doc::steps(d).get(i + 1).cloned())) {
            remember_page(&key, &copy, &page);
        }
        relink();
    };
    let pick = move |step: Option<usize>| {
        // One pick at a time: Enter on the still-focused "Add step" must not start another
        // (the panel lets the pointer through while picking, not the keyboard).
        if picking.get_untracked() {
            return;
        }
        let opts = json!({ "prefer": prefer.get_untracked() });
        msg.set(("Click an element of the page (Esc cancels).".into(), "ok"));
        picking.set(true);
        spawn_local(async move {
            let picked = embed_call("pick", &opts).await;
            picking.set(false);
            match picked {
                Ok(Value::Null) => msg.set(("Picking cancelled.".into(), "ok")),
                Ok(r) => {
                    let n = r["matches"].as_u64().unwrap_or(0);
                    let target = r["target"].clone();
                    let sel = match r["target"]["text"].as_str() {
                        Some(text) => format!("{} with the text “{text}”", r["selector"].as_str().unwrap_or("")),
                        None => r["selector"].as_str().unwrap_or("").to_string(),
                    };
                    let i = match step {
                        Some(i) => {
                            edit(&|d| doc::set(d, &[k("steps"), Seg::I(i), k("target")], target.clone()));
                            i
                        }
                        None => {
                            let mut at = 0;
                            doc.update(|d| at = doc::add_step(d, "tooltip", Some(target.clone())));
                            dirty.set(true);
                            keep();
                            at
                        }
                    };
                    current.set(Some(i));
                    let (mut text, class) = match n {
                        1 => match r["component"].as_str() {
                            Some(tag) => (format!("Picked {sel}, the <{tag}> component around what you clicked: 1 element matches."), "ok"),
                            None => (format!("Picked {sel}: 1 element matches."), "ok"),
                        },
                        0 => (format!("{sel} matches no element now: pick another one."), "warn"),
                        n => (format!("{sel} matches {n} elements: the first one is used. Pick a more specific element."), "warn"),
                    };
                    let key = pages_key.get_value();
                    let step_at = |i: usize| doc.with_untracked(|d| doc::steps(d).get(i).cloned());
                    // A new step, or a step of a template picked anew: linked from the step
                    // before when that one shows on another page.
                    if i > 0 {
                        let prev_page = step_at(i - 1).and_then(|s| picked_on(&key, &s));
                        if let Some(note) = link_pages(doc, i, prev_page) {
                            keep();
                            text = format!("{text} {note}");
                        }
                    }
                    if let (Some(s), Some(page)) = (step_at(i), page_here()) {
                        remember_page(&key, &s, &page);
                    }
                    msg.set((text, class));
                }
                Err(e) => msg.set((e, "err")),
            }
        });
    };
    let save_api = api.clone();
    let save_id = guide_id.clone();
    let save = move || {
        let api = save_api.clone();
        let id = save_id.clone();
        let body = doc.get_untracked();
        spawn_local(async move {
            let path = format!("/v1/guides/{}/draft", enc(&id));
            match api.put(&path, &body, Some(revision.get_untracked())).await {
                // Saved elsewhere meanwhile: the saved draft is fetched for the author to
                // choose between it and their work.
                Err(e) if e.status == 409 => match api.get(&path).await {
                    Ok(v) => {
                        revision.set(v["revision"].as_i64().unwrap_or(0));
                        conflict.set(Some(v["json"].clone()));
                        msg.set((format!("Not saved. {CONFLICT}"), "warn"));
                    }
                    Err(e) => msg.set((format!("Not saved: {e}"), "err")),
                },
                Ok(v) => {
                    revision.set(v["revision"].as_i64().unwrap_or(0));
                    conflict.set(None);
                    dirty.set(false);
                    if let Some(s) = session_store() {
                        let _ = s.remove_item(&work_key.get_value());
                    }
                    let errors = v["diagnostics"].as_array().map_or(0, |a| a.iter().filter(|d| d["severity"] == "error").count());
                    if errors == 0 {
                        msg.set(("Saved to the draft.".into(), "ok"));
                    } else {
                        msg.set((format!("Saved, with {errors} error(s) to fix in the Studio before publishing."), "warn"));
                    }
                }
                Err(e) => msg.set((format!("Not saved: {e}"), "err")),
            }
        });
    };
    let preview = move |i: usize| {
        let g = doc.get_untracked();
        // An element not on screen now (in a closed menu, on another page): the preview waits
        // for it, as the tour would; the author is told why nothing shows yet.
        let target = g.pointer(&format!("/steps/{i}/target")).and_then(|t| Target::from_json(t, At::Root("$.target")).ok());
        let wait_s = g.pointer(&format!("/steps/{i}/wait_ms")).and_then(Value::as_u64).unwrap_or(3000) / 1000;
        match target {
            Some(t) if guidepost_dom::find(&t).is_none() => msg.set((
                format!(
                    "Step {}'s element is not on screen now: the preview waits {wait_s} s for it, as the tour would (open the menu or the page it is on), then does what the step does without it.",
                    i + 1
                ),
                "warn",
            )),
            // A conflict's question stays until the author answers it.
            _ if conflict.with_untracked(Option::is_some) => {}
            _ => msg.set((String::new(), "")),
        }
        spawn_local(async move {
            if let Err(e) = embed_call("preview", &json!({ "guide": g, "step": i })).await {
                msg.set((e, "err"));
            }
        });
    };
    // A step moved up or down by its button: the step stays the current one, and the focus
    // follows it to its new row (the rows stay, their steps change), on the same button, or
    // on the other one at the top or the bottom.
    let reorder = move |ev: &web_sys::MouseEvent, from: usize, to: usize| {
        let at = std::cell::Cell::new(from);
        edit_order(&|d| at.set(doc::move_step(d, from, to)));
        let at = at.get();
        current.set(Some(at));
        let clicked = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|t| t.closest("button").ok().flatten());
        let list = clicked.as_ref().and_then(|b| b.closest("ol").ok().flatten());
        let (Some(clicked), Some(list)) = (clicked, list) else { return };
        let label = clicked.get_attribute("aria-label").unwrap_or_default();
        let other = if label == "Move up" { "Move down" } else { "Move up" };
        let row = |l: &str| {
            list.query_selector(&format!("li[data-step-index=\"{at}\"] button[aria-label=\"{l}\"]:not(:disabled)")).ok().flatten()
        };
        if let Some(b) = row(&label).or_else(|| row(other)).and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = b.focus();
        }
    };
    // Moving the panel by its header.
    let drag_from = StoredValue::new(None::<(f64, f64)>);
    let on_move = Closure::<dyn FnMut(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        if let Some((dx, dy)) = drag_from.get_value() {
            pos.set(on_screen((ev.client_x() as f64 - dx, ev.client_y() as f64 - dy)));
        }
    });
    let on_up = Closure::<dyn FnMut()>::new(move || {
        if drag_from.get_value().is_some() {
            drag_from.set_value(None);
            let (x, y) = pos.get_untracked();
            set_local(POS_KEY, &format!("{x},{y}"));
        }
    });
    let _ = window().add_event_listener_with_callback("mousemove", on_move.as_ref().unchecked_ref());
    let _ = window().add_event_listener_with_callback("mouseup", on_up.as_ref().unchecked_ref());
    on_move.forget();
    on_up.forget();
    let keep_mine = save.clone();
    let steps = Memo::new(move |_| doc.with(|d| doc::steps(d).len()));
    let name = move || doc.with(|d| d["name"].as_str().unwrap_or("").to_string());
    view! {
        <div class=move || if picking.get() { "panel picking" } else { "panel" } role="dialog" aria-label="Guidepost designer" data-guide=guide_id.clone()
            prop:style=move || { let (x, y) = pos.get(); format!("left:{x}px;top:{y}px") }>
            <div class="head" on:mousedown=move |ev: web_sys::MouseEvent| {
                let (x, y) = pos.get_untracked();
                drag_from.set_value(Some((ev.client_x() as f64 - x, ev.client_y() as f64 - y)));
            }>
                <strong>"Designer · "{name}</strong>
                <button aria-label="Collapse or expand" on:click=move |_| collapsed.update(|c| *c = !*c)>{move || if collapsed.get() { "▸" } else { "▾" }}</button>
            </div>
            // The tour's own actions and what they answered stay in view above the steps,
            // which scroll.
            <div class="bar" hidden=move || collapsed.get()>
                <div class="row">
                    <button class="add" on:click=move |_| pick(None)>"Add step"</button>
                    <button class="primary save" disabled=move || conflict.with(Option::is_some) on:click=move |_| save()>{move || if dirty.get() { "Save" } else { "Saved" }}</button>
                </div>
                <p class=move || format!("msg {}", msg.get().1) role="status" aria-live="polite">{move || msg.get().0}</p>
                <div class="row" hidden=move || conflict.with(Option::is_none)>
                    <button on:click=move |_| keep_mine()>"Keep mine"</button>
                    <button on:click=move |_| {
                        if let Some(saved) = conflict.get_untracked() {
                            doc.set(saved);
                            conflict.set(None);
                            dirty.set(false);
                            if let Some(s) = session_store() {
                                let _ = s.remove_item(&work_key.get_value());
                            }
                            msg.set(("You have the saved draft: your changes are gone.".into(), "ok"));
                        }
                    }>"Take the saved draft"</button>
                </div>
            </div>
            <div class="body" hidden=move || collapsed.get()>
                <ol>
                    {move || (0..steps.get()).map(|i| {
                        let tp = vec![k("steps"), Seg::I(i), k("title")];
                        let bp = vec![k("steps"), Seg::I(i), k("body")];
                        let (tp2, bp2) = (tp.clone(), bp.clone());
                        // The selector, and the text the element must also show.
                        let sel = move || {
                            doc.with(|d| {
                                let t = d.pointer(&format!("/steps/{i}/target"))?;
                                let sel = t["selector"].as_str()?;
                                Some(match t["text"].as_str() {
                                    Some(text) => format!("{sel} · “{text}”"),
                                    None => sel.to_string(),
                                })
                            })
                        };
                        let id_at = Memo::new(move |_| doc.with(|d| d.pointer(&format!("/steps/{i}/id")).and_then(Value::as_str).map(str::to_string)));
                        let kind = move || doc.with(|d| d.pointer(&format!("/steps/{i}/kind")).and_then(Value::as_str).unwrap_or("").to_string());
                        view! {
                            <li class:current=move || current.get() == Some(i) data-step-index=i.to_string()>
                                <div class="row"><strong>{format!("{}.", i + 1)}</strong><span>{kind}</span>
                                    <span class="order">
                                        // The order of the tour, without dragging.
                                        <button aria-label="Move up" title="Move up" prop:disabled={move || i == 0 || picking.get()}
                                            on:click=move |ev| reorder(&ev, i, i.saturating_sub(1))>"↑"</button>
                                        <button aria-label="Move down" title="Move down" prop:disabled={move || i + 1 >= steps.get() || picking.get()}
                                            on:click=move |ev| reorder(&ev, i, i + 1)>"↓"</button>
                                    </span>
                                </div>
                                <input type="text" aria-label="Title" name="designer-title" prop:value=move || doc.with(|d| doc::get_str(d, &tp))
                                    on:input=move |ev| { let s = event_target_value(&ev); edit(&|d| doc::set_text(d, &tp2, &s, true)); } />
                                <textarea aria-label="Body" rows="2" name="designer-body" prop:value=move || doc.with(|d| doc::get_str(d, &bp))
                                    on:input=move |ev| { let s = event_target_value(&ev); edit(&|d| doc::set_text(d, &bp2, &s, true)); }></textarea>
                                {move || sel().map(|s| view! { <span class="target">{s}</span> })}
                                // Rows stay where they are when steps move: the options are
                                // drawn again for the step that came into this row.
                                {move || { id_at.get(); view! { <StepOptions doc=doc edit=edit i=i /> } }}
                                <div class="row">
                                    <button on:click=move |_| pick(Some(i))>"Pick target"</button>
                                    <button on:click=move |_| { current.set(Some(i)); preview(i); }>"Preview"</button>
                                    // A pick in progress writes to step `i`: its steps stay put meanwhile.
                                    <button prop:disabled={move || picking.get()} on:click=move |_| { duplicate(i); current.set(Some(i + 1)); }>"Duplicate"</button>
                                    <button prop:disabled={move || picking.get()} on:click=move |_| { edit_order(&|d| doc::delete_step(d, i)); current.set(None); }>"Delete"</button>
                                </div>
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <fieldset>
                    <legend>"Picker prefers"</legend>
                    {ATTRIBUTES.iter().map(|a| {
                        let a = a.to_string();
                        let a1 = a.clone();
                        let a2 = a.clone();
                        view! {
                            <label><input type="checkbox" prop:checked=move || prefer.with(|p| p.contains(&a1))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    prefer.update(|p| { p.retain(|x| x != &a2); if on { p.push(a2.clone()); p.sort_by_key(|x| ATTRIBUTES.iter().position(|y| y == x)); } });
                                    set_local(PREFS_KEY, &prefer.get_untracked().join(","));
                                } />{a.clone()}" "</label>
                        }
                    }).collect_view()}
                </fieldset>
            </div>
        </div>
    }
}
