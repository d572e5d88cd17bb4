//! The editor's other tabs: test as a user, translations, the JSON view, versions
//! (history, diff, publish, promote, rollback, the publish log) and the report.

use guidepost_core::load::Severity;
use guidepost_core::{Context, Device, Engine, ExitReason, GuideHistory, SchedulerState, Size, Trace};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::api::enc;
use crate::app::{say, studio};
use crate::doc::{self, Line};
use crate::editor::{save, Draft};
use crate::fields::Ed;

/// What the author is told when a publish was refused because the draft was saved elsewhere.
const STALE_PUBLISH_UNSAVED: &str =
    "Not published: this guide was saved elsewhere since you opened it. Reload the page to see it (your unsaved changes here would be lost).";
const STALE_PUBLISH: &str =
    "Not published: this guide was saved elsewhere since you opened it. You now see the draft as saved there: check it, then publish again.";
/// Said while the saved draft is read, and if it could not be read or taken.
const STALE_PUBLISH_READING: &str = "Not published: this guide was saved elsewhere since you opened it. Reading the saved draft…";
const STALE_PUBLISH_UNREAD: &str =
    "Not published: this guide was saved elsewhere since you opened it, and the saved draft could not be shown here. Reload the page to see it.";

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A typed trait value from what was typed: numbers, true/false, else text.
pub fn typed(s: &str) -> Value {
    let t = s.trim();
    if t == "true" || t == "false" {
        return json!(t == "true");
    }
    match t.parse::<f64>() {
        Ok(f) if !t.is_empty() => json!(f),
        _ => json!(s),
    }
}

fn trace_view(t: Trace) -> AnyView {
    let class = if t.passed { "trace pass" } else { "trace fail" };
    view! {
        <li class=class data-passed=t.passed.to_string()>
            <span class="mark">{if t.passed { "✓" } else { "✗" }}</span>
            <strong>{t.label}</strong>" "<span class="muted">{t.detail}</span>
            {(!t.children.is_empty()).then(|| view! { <ul>{t.children.into_iter().map(trace_view).collect_view()}</ul> })}
        </li>
    }
    .into_any()
}

/// A guide history as test-as-user describes it: seen a day ago, and completed or dismissed.
pub fn past(status: &str, now: i64) -> GuideHistory {
    let at = now - 86_400_000;
    let exit = match status {
        "completed" => Some(ExitReason::Completed),
        "dismissed" => Some(ExitReason::Dismissed),
        _ => None,
    };
    GuideHistory {
        seen: 1,
        completed: exit == Some(ExitReason::Completed),
        dismissed: exit == Some(ExitReason::Dismissed),
        last_shown_ms: Some(at),
        last_exit: exit,
        first_exposed_ms: Some(at),
        ..Default::default()
    }
}

#[component]
pub fn TestAsUser(ed: Ed) -> impl IntoView {
    let traits = RwSignal::new(vec![("role".to_string(), "admin".to_string())]);
    let events = RwSignal::new(Vec::<(String, String, String)>::new());
    // Guide history: (guide id, "seen" | "completed" | "dismissed").
    let history = RwSignal::new(Vec::<(String, String)>::new());
    let url = RwSignal::new("/".to_string());
    let device = RwSignal::new("desktop".to_string());
    let locale = RwSignal::new("en".to_string());
    let result = RwSignal::new(None::<Result<(bool, Trace), String>>);
    let run = move || {
        let g = ed.doc.get_untracked();
        let (guide, diags) = guidepost_core::load::load_guide_at(&g, "$");
        let Some(guide) = guide else {
            let first =
                diags.iter().find(|d| d.severity == Severity::Error).map(|d| format!("{}: {}", d.path, d.message)).unwrap_or_default();
            result.set(Some(Err(format!("The guide has errors, fix them first ({first})."))));
            return;
        };
        let now = now_ms();
        let mut ctx = Context {
            user_id: "studio-test-user".into(),
            traits: traits
                .get_untracked()
                .into_iter()
                .filter(|(k, _)| !k.trim().is_empty())
                .map(|(k, v)| (k.trim().to_string(), typed(&v)))
                .collect(),
            url: url.get_untracked(),
            viewport: Size { width: 1280.0, height: 800.0 },
            device: match device.get_untracked().as_str() {
                "mobile" => Device::Mobile,
                "tablet" => Device::Tablet,
                _ => Device::Desktop,
            },
            locale: locale.get_untracked(),
            now_ms: now,
            events: Default::default(),
            guides: Default::default(),
        };
        for (name, times, days) in events.get_untracked() {
            let n: u32 = times.trim().parse().unwrap_or(1).min(500);
            let d: f64 = days.trim().parse().unwrap_or(0.0);
            for _ in 0..n {
                ctx.record_event(name.trim(), now - (d * 86_400_000.0) as i64);
            }
        }
        let id = guide.id.clone();
        ctx.guides.insert(id.clone(), GuideHistory::default());
        for (gid, status) in history.get_untracked() {
            let gid = if gid.trim().is_empty() { id.clone() } else { gid.trim().to_string() };
            ctx.guides.insert(gid, past(&status, now));
        }
        let engine = Engine::new(vec![guide]);
        let state = SchedulerState { session_id: "studio".into(), history: ctx.guides.clone(), ..Default::default() };
        result.set(engine.explain_guide(&id, &ctx, &state).map(|ex| Ok((ex.eligible, ex.trace))));
    };
    view! {
        <div class="test-user">
            <p class="muted">"Describe a user and a page; the engine says whether this draft would show, and why."</p>
            <h3>"Traits"</h3>
            {move || (0..traits.with(Vec::len)).map(|i| view! {
                <div class="row">
                    <input type="text" aria-label="Trait name" name="test-trait-name" prop:value=move || traits.with(|t| t.get(i).map(|x| x.0.clone()).unwrap_or_default())
                        on:input=move |ev| { let s = event_target_value(&ev); traits.update(|t| if let Some(x) = t.get_mut(i) { x.0 = s; }); } />
                    <input type="text" aria-label="Trait value" name="test-trait-value" prop:value=move || traits.with(|t| t.get(i).map(|x| x.1.clone()).unwrap_or_default())
                        on:input=move |ev| { let s = event_target_value(&ev); traits.update(|t| if let Some(x) = t.get_mut(i) { x.1 = s; }); } />
                    <button type="button" class="danger small" on:click=move |_| traits.update(|t| { if i < t.len() { t.remove(i); } })>"✕"</button>
                </div>
            }).collect_view()}
            <button type="button" on:click=move |_| traits.update(|t| t.push((String::new(), String::new())))>"Add trait"</button>
            <h3>"Events"</h3>
            {move || (0..events.with(Vec::len)).map(|i| view! {
                <div class="row">
                    <input type="text" aria-label="Event name" on:input=move |ev| { let s = event_target_value(&ev); events.update(|t| if let Some(x) = t.get_mut(i) { x.0 = s; }); } />
                    <input type="number" aria-label="Times" value="1" on:input=move |ev| { let s = event_target_value(&ev); events.update(|t| if let Some(x) = t.get_mut(i) { x.1 = s; }); } />
                    <input type="number" aria-label="Days ago" value="0" on:input=move |ev| { let s = event_target_value(&ev); events.update(|t| if let Some(x) = t.get_mut(i) { x.2 = s; }); } />
                </div>
            }).collect_view()}
            <button type="button" on:click=move |_| events.update(|t| t.push((String::new(), "1".into(), "0".into())))>"Add event"</button>
            <h3>"Guide history"</h3>
            {move || (0..history.with(Vec::len)).map(|i| view! {
                <div class="row">
                    <input type="text" aria-label="Guide id (empty: this guide)" name="test-history-guide" placeholder="this guide"
                        on:input=move |ev| { let s = event_target_value(&ev); history.update(|t| if let Some(x) = t.get_mut(i) { x.0 = s; }); } />
                    <select aria-label="History" name="test-history-status" on:change=move |ev| { let s = event_target_value(&ev); history.update(|t| if let Some(x) = t.get_mut(i) { x.1 = s; }); }>
                        <option value="seen">"has seen it"</option>
                        <option value="completed">"has completed it"</option>
                        <option value="dismissed">"has dismissed it"</option>
                    </select>
                    <button type="button" class="danger small" on:click=move |_| history.update(|t| { if i < t.len() { t.remove(i); } })>"✕"</button>
                </div>
            }).collect_view()}
            <button type="button" on:click=move |_| history.update(|t| t.push((String::new(), "seen".into())))>"Add guide history"</button>
            <div class="row">
                <label class="field"><span class="label">"URL (path, e.g. /reports or /#/settings)"</span>
                    <input type="text" name="test-url" prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) /></label>
                <label class="field"><span class="label">"Device"</span>
                    <select name="test-device" on:change=move |ev| device.set(event_target_value(&ev))>
                        <option value="desktop">"Desktop"</option><option value="tablet">"Tablet"</option><option value="mobile">"Mobile"</option>
                    </select></label>
                <label class="field"><span class="label">"Locale"</span>
                    <input type="text" name="test-locale" prop:value=move || locale.get() on:input=move |ev| locale.set(event_target_value(&ev)) /></label>
            </div>
            <button type="button" class="primary" on:click=move |_| run()>"Test"</button>
            <div class="test-result" aria-live="polite">
                {move || result.get().map(|r| match r {
                    Ok((eligible, trace)) => view! {
                        <p class="verdict" data-eligible=eligible.to_string()>{if eligible { "✓ This user would see the guide." } else { "✗ This user would not see the guide." }}</p>
                        <ul class="trace-tree">{trace_view(trace)}</ul>
                    }.into_any(),
                    Err(e) => view! { <p class="field-error">{e}</p> }.into_any(),
                })}
            </div>
        </div>
    }
}

#[component]
pub fn Translations(ed: Ed) -> impl IntoView {
    let new_locale = RwSignal::new(String::new());
    let locales = Memo::new(move |_| ed.doc.with(doc::locales));
    let add = move || {
        let l = new_locale.get_untracked().trim().to_string();
        if let Err(e) = guidepost_core::load::check_locale(&l) {
            say(format!("Locale {l:?}: {e}"));
            return;
        }
        ed.edit(|d| {
            if doc::get(d, &[doc::k("locales"), doc::k(&l)]).is_none() {
                doc::set(d, &[doc::k("locales"), doc::k(&l)], json!({}));
            }
        });
        new_locale.set(String::new());
    };
    view! {
        <div class="translations">
            <form class="row" on:submit=move |ev| { ev.prevent_default(); add(); }>
                <label class="field"><span class="label">"Add a locale (e.g. fr, de-CH)"</span>
                    <input type="text" name="new-locale" prop:value=move || new_locale.get() on:input=move |ev| new_locale.set(event_target_value(&ev)) /></label>
                <button type="submit">"Add locale"</button>
            </form>
            {move || locales.get().into_iter().map(|loc| {
                let l2 = loc.clone();
                let missing = Memo::new(move |_| ed.doc.with(|d| doc::missing_translations(d, &l2)));
                let rows = ed.doc.with_untracked(|d| doc::steps(d).iter().flat_map(|s| {
                    let id = s["id"].as_str().unwrap_or("").to_string();
                    doc::step_texts(s).into_iter().map(move |(f, src)| (id.clone(), f, src))
                }).collect::<Vec<_>>());
                let l3 = loc.clone();
                view! {
                    <section class="locale" data-locale=loc.clone()>
                        <h3>{loc.clone()}" "<span class="badge" data-missing=move || missing.get().to_string()>{move || match missing.get() { 0 => "complete".to_string(), n => format!("{n} missing") }}</span></h3>
                        <table>
                            <thead><tr><th>"Step"</th><th>"Text"</th><th>"Source"</th><th>{loc.clone()}</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|(id, f, src)| {
                                    let path = doc::translation_path(&l3, &id, &f);
                                    let p2 = path.clone();
                                    let (l4, id2, f2) = (l3.clone(), id.clone(), f.clone());
                                    let is_missing = Memo::new(move |_| ed.doc.with(|d| doc::get_str(d, &p2).is_empty()));
                                    view! {
                                        <tr class:missing=move || is_missing.get()>
                                            <td>{id.clone()}</td><td>{f.clone()}</td><td class="source">{src}</td>
                                            <td><input type="text" data-path=doc::path_str(&path) aria-label=format!("{} {} in {}", id, f, l3)
                                                prop:value=move || ed.text(&path)
                                                on:input=move |ev| { let s = event_target_value(&ev); ed.edit(|d| doc::set_translation(d, &l4, &id2, &f2, &s)); } />
                                                {move || is_missing.get().then(|| view! { <span class="flag">"missing"</span> })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
pub fn JsonView(ed: Ed) -> impl IntoView {
    let text = RwSignal::new(ed.doc.with_untracked(doc::pretty));
    let parse_error = RwSignal::new(String::new());
    view! {
        <div class="json-view">
            <p class="muted">"The guide as JSON. Edits here update the forms, and the forms' edits show here."</p>
            <textarea name="json" class="code" rows="30" spellcheck="false" prop:value=move || text.get()
                on:input=move |ev| {
                    let s = event_target_value(&ev);
                    text.set(s.clone());
                    match serde_json::from_str::<Value>(&s) {
                        Ok(v) => { parse_error.set(String::new()); ed.edit(|d| *d = v); }
                        Err(e) => parse_error.set(format!("invalid JSON at line {}, column {}: {e}", e.line(), e.column())),
                    }
                }></textarea>
            <p class="field-error" role="alert">{move || parse_error.get()}</p>
            <ul class="diagnostics">
                {move || ed.diags.get().into_iter().map(|d| {
                    let class = if d.severity == Severity::Error { "field-error" } else { "field-warning" };
                    view! { <li class=class data-path=d.path.clone()><code>{d.path.clone()}</code>" "{d.message.clone()}</li> }
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
pub fn Versions(ed: Ed, draft: Draft) -> impl IntoView {
    let st = studio();
    let id = draft.id.get_value();
    let versions = RwSignal::new(Vec::<Value>::new());
    let log = RwSignal::new(Vec::<Value>::new());
    let diff_a = RwSignal::new(String::new());
    let diff_b = RwSignal::new("draft".to_string());
    let diff = RwSignal::new(Vec::<Line>::new());
    let tick = RwSignal::new(0u32);
    let api = st.api.clone();
    let rid = id.clone();
    Effect::new(move |_| {
        tick.get();
        let api = api.clone();
        let id = rid.clone();
        spawn_local(async move {
            if let Ok(v) = api.get(&format!("/v1/guides/{}/versions", enc(&id))).await {
                let mut list = v["versions"].as_array().cloned().unwrap_or_default();
                list.sort_by_key(|x| std::cmp::Reverse(x["version"].as_u64()));
                if diff_a.get_untracked().is_empty() {
                    if let Some(n) = list.first().and_then(|x| x["version"].as_u64()) {
                        diff_a.set(n.to_string());
                    }
                }
                versions.set(list);
            }
            if let Ok(v) = api.get(&format!("/v1/publish-log?guide={}", enc(&id))).await {
                log.set(v["entries"].as_array().cloned().unwrap_or_default());
            }
        });
    });
    let act = {
        let api = st.api.clone();
        let id = id.clone();
        move |path: &'static str, body: Value, done: String| {
            let api = api.clone();
            let id = id.clone();
            let go = move || {
                spawn_local(async move {
                    // A publish names the draft revision the author sees: one saved elsewhere
                    // since is refused, and the editor shows it instead.
                    let seen = (path == "publish").then(|| draft.revision.get_untracked());
                    match api.post_if_match(&format!("/v1/guides/{}/{path}", enc(&id)), &body, seen).await {
                        Ok(v) => {
                            say(format!(
                                "{done} (version {}).",
                                v["version"].as_u64().map(|n| n.to_string()).unwrap_or_else(|| "none".into())
                            ));
                            tick.update(|t| *t += 1);
                        }
                        Err(e) if e.status == 409 && seen.is_some() => {
                            // With nothing unsaved here, the editor shows the saved draft.
                            if draft.reload_if_newer(STALE_PUBLISH, Some(STALE_PUBLISH_UNREAD)) {
                                say(STALE_PUBLISH_READING);
                            } else {
                                say(STALE_PUBLISH_UNSAVED);
                            }
                        }
                        Err(e) => {
                            let first = e.body["diagnostics"]
                                .as_array()
                                .and_then(|a| a.iter().find(|d| d["severity"] == "error"))
                                .map(|d| format!(": {} {}", d["path"].as_str().unwrap_or(""), d["message"].as_str().unwrap_or("")))
                                .unwrap_or_default();
                            say(format!("Refused: {}{first}", e.message));
                        }
                    }
                });
            };
            // Publishing saves unsaved edits first; with none, the draft stays as it is (a
            // save bumps its revision, and the designer's unsaved work is on the older one).
            if path == "publish" && ed.dirty.get_untracked() {
                save(ed, draft, go);
            } else {
                go();
            }
        }
    };
    let text_of = {
        let api = st.api.clone();
        let id = id.clone();
        move |which: String| {
            let api = api.clone();
            let id = id.clone();
            async move {
                if which == "draft" {
                    Ok::<String, String>(ed.doc.with_untracked(doc::pretty))
                } else {
                    api.get(&format!("/v1/guides/{}/versions/{}", enc(&id), which))
                        .await
                        .map(|v| doc::pretty(&v))
                        .map_err(|e| e.to_string())
                }
            }
        }
    };
    let compare = move || {
        let (a, b) = (diff_a.get_untracked(), diff_b.get_untracked());
        let text_of = text_of.clone();
        spawn_local(async move {
            match (text_of(a).await, text_of(b).await) {
                (Ok(x), Ok(y)) => diff.set(doc::diff(&x, &y)),
                (Err(e), _) | (_, Err(e)) => say(format!("Cannot compare: {e}")),
            }
        });
    };
    let has_errors = move || ed.diags.with(|d| doc::has_errors(d));
    let (a1, a2, a3) = (act.clone(), act.clone(), act.clone());
    view! {
        <div class="versions">
            <div class="publish-actions">
                <button class="primary" name="publish-staging" disabled=has_errors on:click=move |_| a1("publish", json!({"environment": "staging"}), "Published to staging".into())>
                    "Publish draft to staging"</button>
                <button name="promote" on:click=move |_| a2("promote", json!({"from": "staging", "to": "production"}), "Promoted to production".into())>
                    "Promote staging to production"</button>
                {move || has_errors().then(|| view! { <p class="field-error" role="alert">"Publishing is refused until the draft's errors are fixed (see the fields marked in red)."</p> })}
            </div>
            <h2>"History"</h2>
            <table class="version-list">
                <thead><tr><th>"Version"</th><th>"Created"</th><th>"By"</th><th>"Serving"</th><th>"Roll back to it"</th></tr></thead>
                <tbody>
                    {move || versions.get().into_iter().map(|v| {
                        let n = v["version"].as_u64().unwrap_or(0);
                        let envs: Vec<String> = v["environments"].as_array().into_iter().flatten().filter_map(|e| e.as_str().map(str::to_string)).collect();
                        let (r1, r2) = (a3.clone(), a3.clone());
                        view! {
                            <tr data-version=n.to_string()>
                                <td>{format!("v{n}")}</td>
                                <td>{js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(v["created_at"].as_f64().unwrap_or(0.0))).to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED).as_string()}</td>
                                <td>{v["created_by"].as_str().unwrap_or("").to_string()}</td>
                                <td class="serving">{envs.join(", ")}</td>
                                <td>
                                    <button data-rollback="production" on:click=move |_| r1("rollback", json!({"environment": "production", "version": n}), format!("Production rolled back to v{n}"))>"Production"</button>
                                    <button data-rollback="staging" on:click=move |_| r2("rollback", json!({"environment": "staging", "version": n}), format!("Staging rolled back to v{n}"))>"Staging"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h2>"Compare"</h2>
            <div class="row">
                <select aria-label="From" on:change=move |ev| diff_a.set(event_target_value(&ev))>
                    {move || versions.get().into_iter().map(|v| { let n = v["version"].as_u64().unwrap_or(0).to_string(); view! { <option value=n.clone() selected=diff_a.get() == n>{format!("v{n}")}</option> } }).collect_view()}
                </select>
                <select aria-label="To" on:change=move |ev| diff_b.set(event_target_value(&ev))>
                    <option value="draft">"the draft"</option>
                    {move || versions.get().into_iter().map(|v| { let n = v["version"].as_u64().unwrap_or(0).to_string(); view! { <option value=n.clone()>{format!("v{n}")}</option> } }).collect_view()}
                </select>
                <button on:click=move |_| compare()>"Compare"</button>
            </div>
            <pre class="diff">
                {move || diff.get().into_iter().filter(|l| !matches!(l, Line::Same(_))).map(|l| match l {
                    Line::Added(s) => view! { <div class="added">"+ "{s}</div> }.into_any(),
                    Line::Removed(s) => view! { <div class="removed">"- "{s}</div> }.into_any(),
                    Line::Same(s) => view! { <div>"  "{s}</div> }.into_any(),
                }).collect_view()}
            </pre>
            <h2>"Publish log"</h2>
            <ul class="publish-log">
                {move || log.get().into_iter().map(|e| view! {
                    <li>{format!("{} · {} {} → v{} (was {}) by {}",
                        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(e["at"].as_f64().unwrap_or(0.0))).to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED).as_string().unwrap_or_default(),
                        e["action"].as_str().unwrap_or(""), e["environment"].as_str().unwrap_or(""),
                        e["version"].as_u64().map(|n| n.to_string()).unwrap_or_else(|| "–".into()),
                        e["replaced_version"].as_u64().map(|n| format!("v{n}")).unwrap_or_else(|| "nothing".into()),
                        e["who"].as_str().unwrap_or(""))}</li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// A funnel row's step: its number, its title when the report knows it, and its id.
fn step_label(s: &Value) -> String {
    let (n, id) = (s["step_index"].as_u64().unwrap_or(0) + 1, s["step_id"].as_str().unwrap_or(""));
    match s["title"].as_str().filter(|t| !t.is_empty()) {
        Some(title) => format!("{n} · {title} ({id})"),
        None => format!("{n} · {id}"),
    }
}

/// In how many of the sessions that reached a step its element was missing: a broken
/// guide, not users dropping off.
fn missing_label(s: &Value) -> String {
    match (s["target_missing_sessions"].as_u64().unwrap_or(0), s["sessions"].as_u64().unwrap_or(0)) {
        (0, _) => String::new(),
        (m, n) => format!("in {m} of {n} sessions"),
    }
}

#[component]
pub fn Report(id: String) -> impl IntoView {
    let st = studio();
    let report = RwSignal::new(None::<Result<Value, String>>);
    let api = st.api.clone();
    let rid = id.clone();
    spawn_local(async move {
        report.set(Some(api.get(&format!("/v1/guides/{}/funnel", enc(&rid))).await.map_err(|e| e.to_string())));
    });
    view! {
        <div class="report">
            {move || report.get().map(|r| match r {
                Ok(f) => view! {
                    <p class="headline">{format!("{} users shown, {} completed ({:.0}%).",
                        f["shown_users"].as_u64().unwrap_or(0), f["completed_users"].as_u64().unwrap_or(0), f["completion_rate"].as_f64().unwrap_or(0.0) * 100.0)}</p>
                    <table>
                        <thead><tr><th>"Step"</th><th>"Viewed"</th><th>"Completed"</th><th>"Dropped"</th><th>"Why they dropped"</th><th>"Element missing"</th></tr></thead>
                        <tbody>{f["steps"].as_array().cloned().unwrap_or_default().into_iter().map(|s| view! {
                            <tr>
                                <td>{step_label(&s)}</td>
                                <td>{s["viewed_users"].as_u64().unwrap_or(0)}</td>
                                <td>{s["completed_users"].as_u64().unwrap_or(0)}</td>
                                <td>{s["dropped_users"].as_u64().unwrap_or(0)}</td>
                                <td>{s["drop_reasons"].as_object().map(|o| o.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")).unwrap_or_default()}</td>
                                <td>{missing_label(&s)}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any(),
                Err(e) => view! { <p class="muted">{format!("No report yet: {e}")}</p> }.into_any(),
            })}
            <p><a href=format!("/dashboard/#guide={}", enc(&id)) target="_blank">"Open the full funnel, goals and trends in the dashboard"</a></p>
        </div>
    }
}
