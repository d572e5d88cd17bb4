//! The Studio's shell: sign-in with the admin key, routes in the URL's hash (`#/`,
//! `#/new`, `#/guide/<id>/<tab>`), the guides list and new guides from templates.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

use crate::api::{enc, Api};
use crate::doc;

const KEY_STORAGE: &str = "guidepost-studio-key";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

pub fn hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

pub fn go(route: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(route);
    }
}

/// What the Studio knows everywhere: the API and a status line.
#[derive(Clone)]
pub struct Studio {
    pub api: Api,
    pub status: RwSignal<String>,
}

thread_local! {
    /// The signed-in Studio, reachable from event handlers and async tasks (which run
    /// outside any reactive owner, so a leptos context would not reach them).
    static STUDIO: std::cell::RefCell<Option<Studio>> = const { std::cell::RefCell::new(None) };
}

/// The signed-in Studio: usable from event handlers and async tasks alike.
pub fn studio() -> Studio {
    STUDIO.with(|s| s.borrow().clone()).expect("the Studio is signed in")
}

/// Shows `s` in the status line.
pub fn say(s: impl Into<String>) {
    if let Some(st) = STUDIO.with(|c| c.borrow().clone()) {
        st.status.set(s.into());
    }
}

#[component]
pub fn App() -> impl IntoView {
    let key = RwSignal::new(session_storage().and_then(|s| s.get_item(KEY_STORAGE).ok().flatten()).unwrap_or_default());
    let route = RwSignal::new(hash());
    let on_hash = Closure::<dyn FnMut()>::new(move || route.set(hash()));
    if let Some(w) = web_sys::window() {
        w.set_onhashchange(Some(on_hash.as_ref().unchecked_ref()));
    }
    on_hash.forget();
    view! {
        {move || {
            let k = key.get();
            if k.is_empty() {
                view! { <SignIn key=key /> }.into_any()
            } else {
                let studio = Studio { api: Api { base: origin(), credential: k }, status: RwSignal::new(String::new()) };
                STUDIO.with(|c| *c.borrow_mut() = Some(studio.clone()));
                view! { <Shell route=route key=key status=studio.status /> }.into_any()
            }
        }}
    }
}

#[component]
fn SignIn(key: RwSignal<String>) -> impl IntoView {
    let input = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let submit = move || {
        let k = input.get_untracked().trim().to_string();
        if k.is_empty() {
            error.set("Enter the collector's admin key.".into());
            return;
        }
        spawn_local(async move {
            let api = Api { base: origin(), credential: k.clone() };
            match api.get("/v1/store/guides").await {
                Ok(_) => {
                    if let Some(s) = session_storage() {
                        let _ = s.set_item(KEY_STORAGE, &k);
                    }
                    key.set(k);
                }
                Err(e) => error.set(format!("Not signed in: {e}")),
            }
        });
    };
    view! {
        <main class="signin">
            <h1>"Guidepost Studio"</h1>
            <form on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <label class="field">
                    <span class="label">"Admin key"</span>
                    <input type="password" name="admin-key" autocomplete="current-password" autofocus
                        prop:value=move || input.get() on:input=move |ev| input.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="primary">"Sign in"</button>
                <p class="field-error" role="alert">{move || error.get()}</p>
            </form>
        </main>
    }
}

#[component]
fn Shell(route: RwSignal<String>, key: RwSignal<String>, status: RwSignal<String>) -> impl IntoView {
    let parsed = Memo::new(move |_| parse_route(&route.get()));
    // The editor stays mounted while only its tab changes, so unsaved edits stay.
    let screen = Memo::new(move |_| parsed.with(|p| (p.0, p.1.clone())));
    let tab = Memo::new(move |_| parsed.with(|p| p.2.clone()));
    // What was said of one guide or page is not left standing over the next (a guide just
    // opened read "Published to staging", said of the one before).
    Effect::new(move |before: Option<()>| {
        screen.track();
        if before.is_some() {
            status.set(String::new());
        }
    });
    let sign_out = move |_| {
        if let Some(s) = session_storage() {
            let _ = s.remove_item(KEY_STORAGE);
        }
        key.set(String::new());
    };
    view! {
        <header class="top">
            <a class="brand" href="#/">"Guidepost Studio"</a>
            <nav>
                <a href="#/">"Guides"</a>
                <a href="#/new">"New guide"</a>
                <a href="/dashboard/" target="_blank">"Dashboard"</a>
            </nav>
            <span class="status" role="status" aria-live="polite">{move || status.get()}</span>
            <button class="link" on:click=sign_out>"Sign out"</button>
        </header>
        {move || match screen.get() {
            (Screen::New, _) => view! { <NewGuide /> }.into_any(),
            (Screen::Guide, id) => view! { <crate::editor::Editor id=id tab=tab /> }.into_any(),
            (Screen::List, _) => view! { <GuideList /> }.into_any(),
        }}
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Screen {
    List,
    New,
    Guide,
}

/// `#/`, `#/new`, `#/guide/<id>[/<tab>]` → (screen, guide id, tab).
fn parse_route(r: &str) -> (Screen, String, String) {
    let parts: Vec<String> = r
        .trim_start_matches('#')
        .trim_start_matches('/')
        .split('/')
        .map(|s| js_sys::decode_uri_component(s).ok().and_then(|x| x.as_string()).unwrap_or_default())
        .collect();
    match parts.first().map(String::as_str) {
        Some("new") => (Screen::New, String::new(), String::new()),
        Some("guide") if parts.len() >= 2 && !parts[1].is_empty() => {
            (Screen::Guide, parts[1].clone(), parts.get(2).cloned().filter(|t| !t.is_empty()).unwrap_or_else(|| "steps".into()))
        }
        _ => (Screen::List, String::new(), String::new()),
    }
}

/// One row of the list: the store's guide and its report summary.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    id: String,
    name: String,
    kind: String,
    staging: Option<u64>,
    production: Option<u64>,
    updated_at: i64,
    shown: Option<u64>,
    completion: Option<f64>,
}

fn status_text(r: &Row) -> String {
    let mut parts = vec![];
    if let Some(v) = r.production {
        parts.push(format!("production v{v}"));
    }
    if let Some(v) = r.staging {
        parts.push(format!("staging v{v}"));
    }
    if parts.is_empty() {
        "draft".into()
    } else {
        format!("published: {}", parts.join(", "))
    }
}

fn date(ms: i64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    d.to_locale_string("en-GB", &JsValue::UNDEFINED).as_string().unwrap_or_default()
}

#[component]
fn GuideList() -> impl IntoView {
    let st = studio();
    let rows = RwSignal::new(Vec::<Row>::new());
    let loaded = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let filter = RwSignal::new("all".to_string());
    let api = st.api.clone();
    spawn_local(async move {
        let store = api.get("/v1/store/guides").await;
        let reports = api.get("/v1/guides").await.unwrap_or(Value::Null);
        match store {
            Ok(v) => {
                let summary = |id: &str| {
                    reports.get("guides").and_then(Value::as_array).and_then(|a| a.iter().find(|g| g["guide_id"] == id)).cloned()
                };
                let list = v["guides"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|g| {
                        let id = g["id"].as_str().unwrap_or("").to_string();
                        let s = summary(&id);
                        Row {
                            name: g["name"].as_str().unwrap_or(&id).to_string(),
                            kind: g["kind"].as_str().unwrap_or("—").to_string(),
                            staging: g["published"]["staging"].as_u64(),
                            production: g["published"]["production"].as_u64(),
                            updated_at: g["updated_at"].as_i64().unwrap_or(0),
                            shown: s.as_ref().and_then(|s| s["shown_users"].as_u64()),
                            completion: s.as_ref().and_then(|s| s["completion_rate"].as_f64()),
                            id,
                        }
                    })
                    .collect();
                rows.set(list);
            }
            Err(e) => say(format!("Could not load the guides: {e}")),
        }
        loaded.set(true);
    });
    let visible = move || {
        let q = query.get().to_lowercase();
        let f = filter.get();
        rows.get()
            .into_iter()
            .filter(|r| q.is_empty() || r.name.to_lowercase().contains(&q) || r.id.to_lowercase().contains(&q))
            .filter(|r| match f.as_str() {
                "draft" => r.staging.is_none() && r.production.is_none(),
                "staging" => r.staging.is_some(),
                "production" => r.production.is_some(),
                "all" => true,
                kind => r.kind == kind,
            })
            .collect::<Vec<_>>()
    };
    view! {
        <main class="list">
            <div class="toolbar">
                <h1>"Guides"</h1>
                <input type="search" name="search" placeholder="Search by name or id" aria-label="Search guides"
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                <select name="filter" aria-label="Filter guides" on:change=move |ev| filter.set(event_target_value(&ev))>
                    <option value="all">"All"</option>
                    <option value="draft">"Drafts only"</option>
                    <option value="staging">"In staging"</option>
                    <option value="production">"In production"</option>
                    <option value="tour">"Tours"</option>
                    <option value="modal">"Modals"</option>
                    <option value="tooltip">"Tooltips"</option>
                    <option value="hotspot">"Hotspots"</option>
                    <option value="banner">"Banners"</option>
                    <option value="checklist">"Checklists"</option>
                    <option value="survey">"Surveys"</option>
                </select>
                <a class="button primary" href="#/new">"New guide"</a>
            </div>
            <table class="guides" data-loaded=move || loaded.get().to_string()>
                <thead><tr><th>"Name"</th><th>"Kind"</th><th>"Status"</th><th>"Last edited"</th><th>"Shown"</th><th>"Completion"</th><th></th></tr></thead>
                <tbody>
                    {move || visible().into_iter().map(|r| {
                        let href = format!("#/guide/{}", enc(&r.id));
                        let report = format!("#/guide/{}/report", enc(&r.id));
                        view! {
                            <tr data-guide=r.id.clone()>
                                <td><a href=href>{r.name.clone()}</a><div class="muted">{r.id.clone()}</div></td>
                                <td>{r.kind.clone()}</td>
                                <td class="status-cell">{status_text(&r)}</td>
                                <td>{date(r.updated_at)}</td>
                                <td>{r.shown.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td>{r.completion.map(|c| format!("{:.0}%", c * 100.0)).unwrap_or_else(|| "—".into())}</td>
                                <td><a href=report>"Funnel"</a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="muted">{move || if loaded.get() && rows.with(Vec::is_empty) { "No guides yet: start with “New guide”." } else { "" }}</p>
        </main>
    }
}

/// A guide id from a name: lower-case letters, digits and dashes.
pub fn id_from_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(64).collect()
}

#[component]
fn NewGuide() -> impl IntoView {
    let st = studio();
    let template = RwSignal::new("tour".to_string());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let create = move || {
        let n = name.get_untracked().trim().to_string();
        let id = id_from_name(&n);
        if id.is_empty() {
            error.set("Give the guide a name.".into());
            return;
        }
        let g = doc::template(&template.get_untracked(), &id, &n);
        let api = st.api.clone();
        spawn_local(async move {
            match api.put(&format!("/v1/guides/{}/draft", enc(&id)), &g, Some(0)).await {
                Ok(_) => go(&format!("#/guide/{}", enc(&id))),
                Err(e) if e.status == 409 => error.set(format!("A guide with the id \"{id}\" exists already: choose another name.")),
                Err(e) => error.set(e.to_string()),
            }
        });
    };
    view! {
        <main class="new">
            <h1>"New guide"</h1>
            <form on:submit=move |ev| { ev.prevent_default(); create(); }>
                <fieldset class="templates">
                    <legend>"Start from a template"</legend>
                    {doc::TEMPLATES.iter().map(|(t, label, about)| {
                        let t = *t;
                        view! {
                            <label class="template" class:chosen=move || template.get() == t>
                                <input type="radio" name="template" value=t prop:checked=move || template.get() == t
                                    on:change=move |_| template.set(t.to_string()) />
                                <strong>{*label}</strong>
                                <span class="muted">{*about}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <label class="field">
                    <span class="label">"Name"</span>
                    <input type="text" name="name" placeholder="Welcome tour" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                    <span class="muted">{move || format!("id: {}", id_from_name(&name.get()))}</span>
                </label>
                <button type="submit" class="primary">"Create guide"</button>
                <p class="field-error" role="alert">{move || error.get()}</p>
            </form>
        </main>
    }
}

/// The payload of `POST /v1/design/tokens`.
pub fn token_request(guide_id: &str, url: &str) -> Value {
    json!({ "guide_id": guide_id, "url": url })
}
