//! Form fields bound to a path of the guide's JSON value, each with core's findings for that
//! path shown next to it.

use guidepost_core::load::{Diagnostic, Severity};
use leptos::prelude::*;
use serde_json::Value;

use crate::doc::{self, Path};

/// The guide being edited and what core says about it.
#[derive(Clone, Copy)]
pub struct Ed {
    pub doc: RwSignal<Value>,
    pub diags: Memo<Vec<Diagnostic>>,
    pub dirty: RwSignal<bool>,
}

impl Ed {
    pub fn new(v: Value) -> Ed {
        let doc = RwSignal::new(v);
        let diags = Memo::new(move |_| doc.with(doc::diagnostics));
        Ed { doc, diags, dirty: RwSignal::new(false) }
    }

    pub fn edit(&self, f: impl FnOnce(&mut Value)) {
        self.doc.update(f);
        self.dirty.set(true);
    }

    pub fn text(&self, p: &Path) -> String {
        self.doc.with(|d| doc::get_str(d, p))
    }
}

/// The findings at `path` exactly, as a list next to the field.
pub fn errors_at(ed: Ed, path: String) -> impl IntoView {
    move || {
        ed.diags.with(|d| {
            doc::at(d, &path)
                .into_iter()
                .map(|d| {
                    let class = if d.severity == Severity::Error { "field-error" } else { "field-warning" };
                    view! { <p class=class role="alert" data-path=d.path.clone()>{d.message.clone()}</p> }
                })
                .collect_view()
        })
    }
}

fn slug(label: &str) -> String {
    label.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// A text input (or a textarea) at `path`; empty removes an optional field.
pub fn text(ed: Ed, path: Path, label: &'static str, optional: bool, multiline: bool) -> impl IntoView {
    let ps = doc::path_str(&path);
    let name = format!("{}{}", slug(label), ps);
    let p1 = path.clone();
    let value = move || ed.text(&p1);
    let p2 = path.clone();
    let set = move |s: String| ed.edit(|d| doc::set_text(d, &p2, &s, optional));
    let input = if multiline {
        view! { <textarea name=name.clone() data-path=ps.clone() rows="4" prop:value=value on:input=move |ev| set(event_target_value(&ev))></textarea> }.into_any()
    } else {
        view! { <input type="text" name=name.clone() data-path=ps.clone() prop:value=value on:input=move |ev| set(event_target_value(&ev)) /> }.into_any()
    };
    view! {
        <label class="field">
            <span class="label">{label}</span>
            {input}
            {errors_at(ed, ps.clone())}
        </label>
    }
}

/// A number input at `path`; empty removes the field.
pub fn number(ed: Ed, path: Path, label: &'static str) -> impl IntoView {
    let ps = doc::path_str(&path);
    let p1 = path.clone();
    let value = move || ed.doc.with(|d| doc::get(d, &p1).map(|v| v.to_string()).unwrap_or_default());
    let p2 = path.clone();
    view! {
        <label class="field">
            <span class="label">{label}</span>
            <input type="number" data-path=ps.clone() prop:value=value on:input=move |ev| {
                let s = event_target_value(&ev);
                let v = if s.trim().is_empty() { Value::Null } else {
                    match s.trim().parse::<i64>() { Ok(n) => Value::from(n), Err(_) => s.trim().parse::<f64>().map(Value::from).unwrap_or(Value::String(s)) }
                };
                ed.edit(|d| doc::set(d, &p2, v));
            } />
            {errors_at(ed, ps.clone())}
        </label>
    }
}

/// A select of `options` (value, label) at `path`; the empty value removes the field.
/// Options of a select from static pairs.
pub fn o(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(v, l)| (v.to_string(), l.to_string())).collect()
}

pub fn select(ed: Ed, path: Path, label: &'static str, options: Vec<(String, String)>) -> impl IntoView {
    let ps = doc::path_str(&path);
    let p1 = path.clone();
    let p2 = path.clone();
    // A default written out (a template's `"placement": "auto"`) shows as the empty choice.
    let field = match path.last() {
        Some(doc::Seg::K(k)) => k.clone(),
        _ => String::new(),
    };
    let shown = move |p: &Path| doc::shown_choice(&field, &ed.text(p));
    let current = {
        let shown = shown.clone();
        move || shown(&p1)
    };
    view! {
        <label class="field">
            <span class="label">{label}</span>
            <select data-path=ps.clone() prop:value=current on:change=move |ev| {
                let s = event_target_value(&ev);
                ed.edit(|d| doc::set_text(d, &p2, &s, true));
            }>
                {options.into_iter().map(|(v, l)| {
                    let p = path.clone();
                    let v2 = v.clone();
                    let shown = shown.clone();
                    view! { <option value=v selected=move || shown(&p) == v2>{l}</option> }
                }).collect_view()}
            </select>
            {errors_at(ed, ps.clone())}
        </label>
    }
}

/// A checkbox at `path` (absent is false).
pub fn checkbox(ed: Ed, path: Path, label: &'static str) -> impl IntoView {
    let p1 = path.clone();
    let p2 = path.clone();
    let ps = doc::path_str(&path);
    view! {
        <label class="field check">
            <input type="checkbox" data-path=ps prop:checked=move || ed.doc.with(|d| doc::get(d, &p1) == Some(&Value::Bool(true)))
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    ed.edit(|d| doc::set(d, &p2, if on { Value::Bool(true) } else { Value::Null }));
                } />
            <span class="label">{label}</span>
        </label>
    }
}

/// Renders core's safe rich-text subset (the same parser the overlay uses) as text nodes.
pub fn rich_preview(body: String) -> impl IntoView {
    use guidepost_core::richtext::{parse, Block, Inline};
    fn inline(i: Inline) -> AnyView {
        let t = i.text.clone();
        let mut v: AnyView = view! { {t} }.into_any();
        if i.code {
            v = view! { <code>{v}</code> }.into_any();
        }
        if i.italic {
            v = view! { <em>{v}</em> }.into_any();
        }
        if i.bold {
            v = view! { <strong>{v}</strong> }.into_any();
        }
        if let Some(href) = i.link {
            v = view! { <a href=href target="_blank" rel="noopener noreferrer">{v}</a> }.into_any();
        }
        if i.br {
            v = view! { <br />{v} }.into_any();
        }
        v
    }
    parse(&body)
        .into_iter()
        .map(|b| match b {
            Block::Paragraph(runs) => view! { <p>{runs.into_iter().map(inline).collect_view()}</p> }.into_any(),
            Block::List(items) => view! {
                <ul>{items.into_iter().map(|runs| view! { <li>{runs.into_iter().map(inline).collect_view()}</li> }).collect_view()}</ul>
            }
            .into_any(),
        })
        .collect_view()
}
