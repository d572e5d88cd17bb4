//! A guide's editor: the header (save, publish state, "Open in my app"), the tabs, and the
//! steps tab (the step list with reordering by drag and keyboard, and the step form).

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::api::enc;
use crate::app::{say, studio};
use crate::doc::{self, k, Seg};
use crate::fields::{self, errors_at, o, Ed};

pub const TABS: [(&str, &str); 7] = [
    ("steps", "Steps"),
    ("targeting", "Targeting"),
    ("test", "Test as a user"),
    ("translations", "Translations"),
    ("json", "JSON"),
    ("versions", "Versions"),
    ("report", "Report"),
];

const APP_URL_KEY: &str = "guidepost-studio-app-url";

/// The draft's revision as last saved or loaded, and the editor built from it.
#[derive(Clone, Copy)]
pub struct Draft {
    pub id: StoredValue<String>,
    pub revision: RwSignal<i64>,
    pub saving: RwSignal<bool>,
    pub editor: RwSignal<Option<Ed>>,
}

impl Draft {
    /// Nothing unsaved and no save under way: the editor may be replaced.
    fn idle(self) -> bool {
        self.editor.with_untracked(|ed| ed.as_ref().is_some_and(|ed| !ed.dirty.get_untracked())) && !self.saving.get_untracked()
    }

    /// The draft as saved elsewhere (the designer, a colleague), when nothing here is
    /// unsaved: the editor is built anew from it, so no tab keeps a copy of the old text (the
    /// JSON tab's would have put it back at its next keystroke). An answer counts only if no
    /// save or other answer came in meanwhile and it is newer. `said` is told the author
    /// when it does, `failed` (if any) when the saved draft could not be read. Answers
    /// whether it asks (nothing unsaved).
    pub fn reload_if_newer(self, said: &'static str, failed: Option<&'static str>) -> bool {
        if !self.idle() {
            return false;
        }
        let asked_at = self.revision.get_untracked();
        let (api, id) = (studio().api, self.id.get_value());
        spawn_local(async move {
            let Ok(v) = api.get(&format!("/v1/guides/{}/draft", enc(&id))).await else {
                if let Some(f) = failed {
                    say(f);
                }
                return;
            };
            let rev = v["revision"].as_i64().unwrap_or(0);
            if rev > asked_at && self.revision.get_untracked() == asked_at && self.idle() {
                self.revision.set(rev);
                self.editor.set(Some(Ed::new(v["json"].clone())));
                say(said);
            } else if let Some(f) = failed {
                // Not taken (the author typed meanwhile): what was said must not stand.
                say(f);
            }
        });
        true
    }
}

/// Saves the draft (If-Match its revision); `then` runs after a successful save.
pub fn save(ed: Ed, draft: Draft, then: impl FnOnce() + 'static) {
    let st = studio();
    let id = draft.id.get_value();
    let body = ed.doc.get_untracked();
    draft.saving.set(true);
    spawn_local(async move {
        let r = st.api.put(&format!("/v1/guides/{}/draft", enc(&id)), &body, Some(draft.revision.get_untracked())).await;
        draft.saving.set(false);
        match r {
            Ok(v) => {
                draft.revision.set(v["revision"].as_i64().unwrap_or(0));
                ed.dirty.set(false);
                say("Saved.");
                then();
            }
            Err(e) if e.status == 409 => say("Someone else saved this guide meanwhile: reload the page to see their changes."),
            Err(e) => say(format!("Not saved: {e}")),
        }
    });
}

#[component]
pub fn Editor(id: String, tab: Memo<String>) -> impl IntoView {
    let st = studio();
    let draft =
        Draft { id: StoredValue::new(id.clone()), revision: RwSignal::new(0), saving: RwSignal::new(false), editor: RwSignal::new(None) };
    let api = st.api.clone();
    let load_id = id.clone();
    spawn_local(async move {
        match api.get(&format!("/v1/guides/{}/draft", enc(&load_id))).await {
            Ok(v) => {
                draft.revision.set(v["revision"].as_i64().unwrap_or(0));
                draft.editor.set(Some(Ed::new(v["json"].clone())));
            }
            Err(e) => say(format!("Could not open {load_id}: {e}")),
        }
    });
    // Back in the Studio's tab (the designer saved in the app's): the draft as saved there,
    // instead of a "someone else saved" at the next save.
    let on_focus = window_event_listener(leptos::ev::focus, move |_| {
        draft.reload_if_newer("This guide was saved elsewhere (the designer): you see it as saved.", None);
    });
    on_cleanup(move || on_focus.remove());
    view! {
        {move || draft.editor.get().map(|ed| {
            view! { <EditorFrame ed=ed draft=draft tab=tab /> }
        })}
    }
}

#[component]
fn EditorFrame(ed: Ed, draft: Draft, tab: Memo<String>) -> impl IntoView {
    let st = studio();
    let id = draft.id.get_value();
    let errors = Memo::new(move |_| ed.diags.with(|d| d.iter().filter(|d| d.severity == guidepost_core::load::Severity::Error).count()));
    let app_url = RwSignal::new(
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(APP_URL_KEY).ok().flatten())
            .unwrap_or_else(|| format!("{}/index.html", web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default())),
    );
    let open_in_app = {
        let api = st.api.clone();
        let id = id.clone();
        move || {
            let url = app_url.get_untracked();
            if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                let _ = s.set_item(APP_URL_KEY, &url);
            }
            let api = api.clone();
            let id = id.clone();
            save(ed, draft, move || {
                spawn_local(async move {
                    match api.post("/v1/design/tokens", &crate::app::token_request(&id, &url)).await {
                        Ok(v) => {
                            let target = v["url"].as_str().unwrap_or("").to_string();
                            if let Some(w) = web_sys::window() {
                                let _ = w.open_with_url_and_target(&target, "_blank");
                            }
                            say("The designer opens in a new tab.");
                        }
                        Err(e) => say(format!("Cannot open the designer: {e}")),
                    }
                });
            });
        }
    };
    let tab_id = id.clone();
    let report_id = id.clone();
    let name = move || ed.text(&vec![k("name")]);
    view! {
        <main class="editor" data-guide=id.clone()>
            <div class="editor-head">
                <div>
                    <h1>{name}</h1>
                    <span class="muted">{id.clone()}" · draft revision "{move || draft.revision.get()}</span>
                </div>
                <span class="error-count" data-errors=move || errors.get().to_string()>
                    {move || match errors.get() { 0 => "No errors".to_string(), 1 => "1 error".to_string(), n => format!("{n} errors") }}
                </span>
                <button class="primary" on:click=move |_| save(ed, draft, || {}) disabled=move || draft.saving.get()>
                    {move || if ed.dirty.get() { "Save draft" } else { "Saved" }}
                </button>
                <label class="field inline">
                    <span class="label">"App URL"</span>
                    <input type="url" name="app-url" prop:value=move || app_url.get() on:input=move |ev| app_url.set(event_target_value(&ev)) />
                </label>
                <button on:click=move |_| open_in_app()>"Open in my app"</button>
            </div>
            <nav class="tabs" role="tablist">
                {TABS.iter().map(|(t, label)| {
                    let href = format!("#/guide/{}/{}", enc(&tab_id), t);
                    let t = *t;
                    view! { <a role="tab" href=href aria-selected=move || (tab.get() == t).to_string() class:active=move || tab.get() == t data-tab=t>{*label}</a> }
                }).collect_view()}
            </nav>
            <section class="tab-body" role="tabpanel">
                {move || match tab.get().as_str() {
                    "targeting" => view! { <crate::targeting::Targeting ed=ed /> }.into_any(),
                    "test" => view! { <crate::panels::TestAsUser ed=ed /> }.into_any(),
                    "translations" => view! { <crate::panels::Translations ed=ed /> }.into_any(),
                    "json" => view! { <crate::panels::JsonView ed=ed /> }.into_any(),
                    "versions" => view! { <crate::panels::Versions ed=ed draft=draft /> }.into_any(),
                    "report" => view! { <crate::panels::Report id=report_id.clone() /> }.into_any(),
                    _ => view! { <Steps ed=ed /> }.into_any(),
                }}
            </section>
        </main>
    }
}

const KINDS: [(&str, &str); 6] = [
    ("tooltip", "Tooltip"),
    ("modal", "Modal"),
    ("hotspot", "Hotspot"),
    ("banner", "Banner"),
    ("checklist", "Checklist"),
    ("survey", "Survey"),
];

/// The shape of a step that decides which fields the form shows: re-rendering only when it
/// changes keeps the focus in the field being typed in.
#[derive(Clone, PartialEq)]
struct StepShape {
    index: usize,
    kind: String,
    advance: String,
    buttons: usize,
    branches: usize,
    items: usize,
    survey_type: String,
    step_ids: Vec<String>,
}

#[component]
fn Steps(ed: Ed) -> impl IntoView {
    let selected = RwSignal::new(0usize);
    let dragging = RwSignal::new(None::<usize>);
    let new_kind = RwSignal::new("tooltip".to_string());
    let ids = Memo::new(move |_| {
        ed.doc.with(|d| {
            doc::steps(d)
                .iter()
                .map(|s| {
                    (
                        s["id"].as_str().unwrap_or("").to_string(),
                        s["title"].as_str().unwrap_or("").to_string(),
                        s["kind"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let move_to = move |from: usize, to: usize| {
        let mut at = from;
        ed.edit(|d| at = doc::move_step(d, from, to));
        selected.set(at);
        say(format!("Step moved to position {}.", at + 1));
    };
    let focus_step = move |i: usize| {
        // After the list re-rendered, keep the keyboard on the moved step.
        request_animation_frame(move || {
            let el = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(&format!(".step-list li[data-index=\"{i}\"]")).ok().flatten());
            if let Some(el) = el.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
                let _ = el.focus();
            }
        });
    };
    view! {
        <div class="steps-tab">
            <aside class="step-list-wrap">
                <ol class="step-list" aria-label="Steps (Alt+Arrow keys move the focused step)">
                    {move || ids.get().into_iter().enumerate().map(|(i, (id, title, kind))| {
                        let path = format!("$.steps[{i}]");
                        let has_err = move || ed.diags.with(|d| doc::has_errors(&doc::under(d, &format!("$.steps[{i}]")).into_iter().cloned().collect::<Vec<_>>()));
                        view! {
                            <li tabindex="0" draggable="true" data-index=i.to_string() data-step=id.clone() data-path=path
                                class:selected=move || selected.get() == i class:invalid=has_err
                                aria-current=move || (selected.get() == i).to_string()
                                on:click=move |_| selected.set(i)
                                on:keydown=move |ev: web_sys::KeyboardEvent| {
                                    let n = ids.with_untracked(Vec::len);
                                    match (ev.alt_key(), ev.key().as_str()) {
                                        (true, "ArrowUp") if i > 0 => { ev.prevent_default(); move_to(i, i - 1); focus_step(i - 1); }
                                        (true, "ArrowDown") if i + 1 < n => { ev.prevent_default(); move_to(i, i + 1); focus_step(i + 1); }
                                        (false, "Enter") | (false, " ") => { ev.prevent_default(); selected.set(i); }
                                        _ => {}
                                    }
                                }
                                on:dragstart=move |ev: web_sys::DragEvent| {
                                    dragging.set(Some(i));
                                    if let Some(dt) = ev.data_transfer() { let _ = dt.set_data("text/plain", &i.to_string()); }
                                }
                                on:dragover=move |ev: web_sys::DragEvent| ev.prevent_default()
                                on:drop=move |ev: web_sys::DragEvent| {
                                    ev.prevent_default();
                                    let from = dragging.get_untracked().or_else(|| ev.data_transfer().and_then(|dt| dt.get_data("text/plain").ok()).and_then(|s| s.parse().ok()));
                                    if let Some(from) = from { if from != i { move_to(from, i); } }
                                    dragging.set(None);
                                }>
                                <span class="step-no">{i + 1}</span>
                                <span class="step-title">{if title.is_empty() { id.clone() } else { title.clone() }}</span>
                                <span class="muted">{kind}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <div class="step-actions">
                    <button on:click=move |_| { let i = selected.get_untracked(); if i > 0 { move_to(i, i - 1); } }>"Move up"</button>
                    <button on:click=move |_| { let i = selected.get_untracked(); move_to(i, i + 1); }>"Move down"</button>
                    <button on:click=move |_| { let mut at = 0; ed.edit(|d| at = doc::duplicate_step(d, selected.get_untracked())); selected.set(at); }>"Duplicate"</button>
                    <button class="danger" on:click=move |_| {
                        let i = selected.get_untracked();
                        ed.edit(|d| doc::delete_step(d, i));
                        selected.set(i.saturating_sub(1));
                    }>"Delete"</button>
                </div>
                <div class="add-step">
                    <select name="new-step-kind" aria-label="Kind of the new step" on:change=move |ev| new_kind.set(event_target_value(&ev))>
                        {KINDS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                    </select>
                    <button on:click=move |_| { let mut at = 0; ed.edit(|d| at = doc::add_step(d, &new_kind.get_untracked(), None)); selected.set(at); }>"Add step"</button>
                </div>
            </aside>
            <div class="step-form">
                {move || {
                    let shape = step_shape(ed, selected.get());
                    shape.map(|s| step_form(ed, s))
                }}
            </div>
        </div>
    }
}

fn step_shape(ed: Ed, i: usize) -> Option<StepShape> {
    ed.doc.with(|d| {
        let s = doc::steps(d).get(i)?;
        let n = |f: &str| s.get(f).and_then(Value::as_array).map_or(0, Vec::len);
        Some(StepShape {
            index: i,
            kind: s["kind"].as_str().unwrap_or("").to_string(),
            advance: s.pointer("/advance/on").and_then(Value::as_str).unwrap_or("next").to_string(),
            buttons: n("buttons"),
            branches: n("branch"),
            items: n("items"),
            survey_type: s.pointer("/survey/type").and_then(Value::as_str).unwrap_or("").to_string(),
            step_ids: doc::steps(d).iter().filter_map(|s| s["id"].as_str().map(str::to_string)).collect(),
        })
    })
}

/// The form of one step; rebuilt when the step's shape changes (see [`StepShape`]).
fn step_form(ed: Ed, s: StepShape) -> impl IntoView {
    let i = s.index;
    let p = move |rest: &[&str]| {
        let mut v = vec![k("steps"), Seg::I(i)];
        v.extend(rest.iter().map(|x| k(x)));
        v
    };
    let needs_target = matches!(s.kind.as_str(), "tooltip" | "hotspot");
    let body_path = p(&["body"]);
    let preview_path = body_path.clone();
    let toolbar = move |wrap: &'static str, end: &'static str| {
        let bp = body_path.clone();
        move |_| {
            // Appends a formatted sample at the end: the body is plain text with the safe
            // markdown subset, so the author sees exactly what the marks mean.
            ed.edit(|d| {
                let cur = doc::get_str(d, &bp);
                let sep = if cur.is_empty() || cur.ends_with('\n') || wrap == "\n- " { "" } else { " " };
                doc::set_text(d, &bp, &format!("{cur}{sep}{wrap}{end}"), false);
            });
        }
    };
    let advance_path = p(&["advance"]);
    let adv_set = advance_path.clone();
    let branch_ids = s.step_ids.clone();
    view! {
        <form class="step" on:submit=|ev| ev.prevent_default() data-step-index=i.to_string()>
            <h2>{format!("Step {}", i + 1)}</h2>
            {errors_at(ed, format!("$.steps[{i}]"))}
            <div class="row">
                {fields::text(ed, p(&["id"]), "Step id", false, false)}
                {fields::select(ed, p(&["kind"]), "Kind", o(&KINDS))}
            </div>
            {needs_target.then(|| view! {
                <div class="row">
                    {fields::text(ed, p(&["target", "selector"]), "Target (CSS selector; pick it in your app)", false, false)}
                    {fields::select(ed, p(&["placement"]), "Placement", o(&[("", "Auto"), ("top", "Top"), ("top-start", "Top start"), ("top-end", "Top end"), ("bottom", "Bottom"), ("bottom-start", "Bottom start"), ("bottom-end", "Bottom end"), ("left", "Left"), ("left-start", "Left start"), ("left-end", "Left end"), ("right", "Right"), ("right-start", "Right start"), ("right-end", "Right end")]))}
                </div>
            })}
            {needs_target.then(|| fields::text(ed, p(&["target", "text"]), "Target's text (optional: the element must show it, unless the selector names an id or attribute)", true, false))}
            {errors_at(ed, format!("$.steps[{i}].target"))}
            {fields::text(ed, p(&["title"]), "Title", true, false)}
            <div class="md-toolbar" role="toolbar" aria-label="Formatting">
                <button type="button" title="Bold" on:click=toolbar("**bold**", "")>"B"</button>
                <button type="button" title="Italic" on:click=toolbar("*italic*", "")>"I"</button>
                <button type="button" title="Code" on:click=toolbar("`code`", "")>"<>"</button>
                <button type="button" title="Link" on:click=toolbar("[link text](https://example.com)", "")>"Link"</button>
                <button type="button" title="List item" on:click=toolbar("\n- ", "item")>"List"</button>
            </div>
            {fields::text(ed, p(&["body"]), "Body (**bold**, *italic*, `code`, [links](https://…), - lists)", true, true)}
            <div class="md-preview" aria-label="Body preview">{move || fields::rich_preview(ed.text(&preview_path))}</div>
            <h3>"Buttons"</h3>
            {(0..s.buttons).map(|b| {
                let bp = move |f: &str| { let mut v = p(&["buttons"]); v.push(Seg::I(b)); v.push(k(f)); v };
                let del = p(&["buttons"]);
                view! {
                    <div class="row button-row">
                        {fields::text(ed, bp("label"), "Label", false, false)}
                        {fields::select(ed, bp("action"), "Action", o(&doc::BUTTON_ACTIONS))}
                        {fields::text(ed, bp("to"), "To (step id or URL)", true, false)}
                        <button type="button" class="danger" on:click=move |_| ed.edit(|d| { let a = doc::array_mut(d, &del); if b < a.len() { a.remove(b); } })>"Remove"</button>
                    </div>
                }
            }).collect_view()}
            <button type="button" on:click={let bp = p(&["buttons"]); move |_| ed.edit(|d| doc::array_mut(d, &bp).push(json!({"label": "Next", "action": "next"})))}>"Add button"</button>
            <h3>"Behaviour"</h3>
            <div class="row">
                <label class="field">
                    <span class="label">"Advance"</span>
                    <select data-path=doc::path_str(&advance_path) on:change=move |ev| {
                        let on = event_target_value(&ev);
                        let v = match on.as_str() {
                            "click" => json!({"on": "click"}),
                            "event" => json!({"on": "event", "name": ""}),
                            "url" => json!({"on": "url", "pattern": ""}),
                            _ => Value::Null,
                        };
                        ed.edit(|d| doc::set(d, &adv_set, v));
                    }>
                        {[("next", "Next button"), ("click", "Click on the target"), ("event", "A named event"), ("url", "The URL changing")].into_iter().map(|(v, l)| {
                            let sel = s.advance == v;
                            view! { <option value=v selected=sel>{l}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {(s.advance == "event").then(|| fields::text(ed, p(&["advance", "name"]), "Event name", false, false))}
                {(s.advance == "url").then(|| fields::text(ed, p(&["advance", "pattern"]), "URL pattern (e.g. /reports/*, /#/settings)", false, false))}
                {fields::select(ed, p(&["on_missing"]), "If the target is missing", o(&[("", "End the guide"), ("skip", "Skip the step"), ("center", "Show it centred")]))}
            </div>
            {errors_at(ed, format!("$.steps[{i}].advance"))}
            {fields::checkbox(ed, p(&["backdrop"]), "Dim the page around the target")}
            {(s.kind == "survey").then(|| view! {
                <h3>"Survey"</h3>
                {fields::text(ed, p(&["survey", "question"]), "Question", false, false)}
                {fields::select(ed, p(&["survey", "type"]), "Scale", o(&[("nps", "NPS 0–10"), ("rating", "Rating"), ("choice", "Choice")]))}
                {(s.survey_type == "rating").then(|| view! { <div class="row">{fields::number(ed, p(&["survey", "min"]), "Min")}{fields::number(ed, p(&["survey", "max"]), "Max")}</div> })}
                {(s.survey_type == "choice").then(|| choices_field(ed, p(&["survey", "choices"])))}
                {fields::checkbox(ed, p(&["survey", "comment"]), "Offer a comment box")}
            })}
            {(s.kind == "checklist").then(|| view! {
                <h3>"Checklist items"</h3>
                {(0..s.items).map(|n| {
                    let ip = move |f: &str| { let mut v = p(&["items"]); v.push(Seg::I(n)); v.push(k(f)); v };
                    view! { <div class="row">{fields::text(ed, ip("id"), "Item id", false, false)}{fields::text(ed, ip("label"), "Label", false, false)}{fields::text(ed, ip("event"), "Done when the app tracks", false, false)}</div> }
                }).collect_view()}
                <button type="button" on:click={let ip = p(&["items"]); move |_| ed.edit(|d| { let a = doc::array_mut(d, &ip); let n = a.len() + 1; a.push(json!({"id": format!("item-{n}"), "label": "New task", "event": "task_done"})); })}>"Add item"</button>
            })}
            <h3>"Branching"</h3>
            <p class="muted">"After this step, jump to another step (for surveys, depending on the answer)."</p>
            {(0..s.branches).map(|b| {
                let bp = move |rest: &[&str]| { let mut v = p(&["branch"]); v.push(Seg::I(b)); v.extend(rest.iter().map(|x| k(x))); v };
                let options: Vec<(String, String)> = branch_ids.iter().map(|id| (id.clone(), id.clone())).collect();
                let del = p(&["branch"]);
                view! {
                    <div class="row">
                        {fields::select(ed, bp(&["to"]), "Go to step", options)}
                        {fields::number(ed, bp(&["when", "score_min"]), "When score ≥")}
                        {fields::number(ed, bp(&["when", "score_max"]), "When score ≤")}
                        {fields::text(ed, bp(&["when", "choice"]), "When choice is", true, false)}
                        <button type="button" class="danger" on:click=move |_| ed.edit(|d| { let a = doc::array_mut(d, &del); if b < a.len() { a.remove(b); } })>"Remove"</button>
                    </div>
                }
            }).collect_view()}
            <button type="button" on:click={let bp = p(&["branch"]); let first = s.step_ids.first().cloned().unwrap_or_default(); move |_| ed.edit(|d| doc::array_mut(d, &bp).push(json!({"to": first})))}>"Add branch"</button>
        </form>
    }
}

/// Survey choices, one per line.
fn choices_field(ed: Ed, path: doc::Path) -> impl IntoView {
    let ps = doc::path_str(&path);
    let p1 = path.clone();
    view! {
        <label class="field">
            <span class="label">"Choices (one per line)"</span>
            <textarea data-path=ps.clone() rows="4" prop:value=move || ed.doc.with(|d| doc::get(d, &p1).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")).unwrap_or_default())
                on:input=move |ev| {
                    let s = event_target_value(&ev);
                    let list: Vec<Value> = s.lines().map(|l| Value::String(l.to_string())).collect();
                    ed.edit(|d| doc::set(d, &path, Value::Array(list)));
                }></textarea>
            {errors_at(ed, ps.clone())}
        </label>
    }
}
