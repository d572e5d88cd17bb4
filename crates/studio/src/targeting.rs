//! The targeting builder: nested all/any/not groups over the engine's condition types, with
//! inputs typed per condition, plus trigger, frequency, priority and rollout, and the rule in
//! plain words.

use leptos::prelude::*;
use serde_json::{json, Value};

use crate::doc::{self, k, Path, Seg};
use crate::fields::{self, errors_at, o, Ed};

/// What a node of the rule is, and how many children it has: the builder re-renders a node
/// only when this changes, so typing keeps the focus.
#[derive(Clone, PartialEq)]
enum Shape {
    Group(&'static str, usize),
    Not,
    Trait(&'static str),
    Url,
    Event,
    Device,
    Viewport,
    Locale,
    Guide,
    Unknown,
}

/// A trait's value type, from its operator and value.
fn trait_type(v: &Value) -> &'static str {
    match v.get("op").and_then(Value::as_str) {
        Some("within_days" | "more_than_days_ago") => "date",
        Some("gt" | "gte" | "lt" | "lte" | "between") => "number",
        _ => match v.get("value") {
            Some(Value::Number(_)) => "number",
            Some(Value::Bool(_)) => "boolean",
            Some(Value::Array(a)) if a.first().is_some_and(Value::is_number) => "number",
            _ => "text",
        },
    }
}

fn shape(v: Option<&Value>) -> Shape {
    let Some(v) = v else { return Shape::Unknown };
    if let Some(a) = v.get("all") {
        return Shape::Group("all", a.as_array().map_or(0, Vec::len));
    }
    if let Some(a) = v.get("any") {
        return Shape::Group("any", a.as_array().map_or(0, Vec::len));
    }
    if v.get("not").is_some() {
        return Shape::Not;
    }
    if v.get("trait").is_some() {
        return Shape::Trait(trait_type(v));
    }
    if v.get("url").is_some() {
        return Shape::Url;
    }
    if v.get("event").is_some() {
        return Shape::Event;
    }
    if v.get("device").is_some() {
        return Shape::Device;
    }
    if v.get("viewport").is_some() {
        return Shape::Viewport;
    }
    if v.get("locale").is_some() {
        return Shape::Locale;
    }
    if v.get("guide").is_some() {
        return Shape::Guide;
    }
    Shape::Unknown
}

/// A new condition of `kind`.
pub fn new_condition(kind: &str) -> Value {
    match kind {
        "trait" => json!({ "trait": "role", "op": "eq", "value": "" }),
        "url" => json!({ "url": "/", "match": "prefix" }),
        "event" => json!({ "event": "", "op": "gte", "count": 1, "within_days": 7 }),
        "device" => json!({ "device": "desktop" }),
        "viewport" => json!({ "viewport": { "min_width": 1024 } }),
        "locale" => json!({ "locale": ["en"] }),
        "guide" => json!({ "guide": "", "status": "completed" }),
        "any" => json!({ "any": [] }),
        "not" => json!({ "not": { "trait": "plan", "op": "eq", "value": "free" } }),
        _ => json!({ "all": [] }),
    }
}

const CONDITIONS: [(&str, &str); 10] = [
    ("trait", "User trait"),
    ("url", "Page URL"),
    ("event", "Event count"),
    ("device", "Device"),
    ("viewport", "Viewport"),
    ("locale", "Locale"),
    ("guide", "Guide history"),
    ("all", "Group: all of"),
    ("any", "Group: any of"),
    ("not", "Not"),
];

#[component]
pub fn Targeting(ed: Ed) -> impl IntoView {
    let audience: Path = vec![k("audience")];
    if ed.doc.with_untracked(|d| doc::get(d, &audience).is_none()) {
        ed.doc.update(|d| doc::set(d, &[k("audience")], json!({ "all": [] })));
    }
    let trig = Memo::new(move |_| ed.text(&vec![k("trigger"), k("type")]));
    let freq = Memo::new(move |_| ed.text(&vec![k("frequency"), k("type")]));
    view! {
        <div class="targeting">
            <p class="summary" data-summary="">{move || ed.doc.with(crate::summary::guide)}</p>
            <h2>"Audience"</h2>
            {errors_at(ed, "$.audience".into())}
            <div class="rule-root">{rule_node(ed, audience, None)}</div>
            <h2>"When and how often"</h2>
            <div class="row">
                {fields::select(ed, vec![k("trigger"), k("type")], "Trigger", o(&[("page_view", "On a page view"), ("event", "When the app tracks an event"), ("manual", "Only from code")]))}
                {move || (trig.get() == "event").then(|| fields::text(ed, vec![k("trigger"), k("name")], "Event name", false, false))}
            </div>
            {errors_at(ed, "$.trigger".into())}
            <div class="row">
                {fields::select(ed, vec![k("frequency"), k("type")], "Frequency", o(&[("once", "Once"), ("times", "A number of times"), ("cooldown", "Again after some days"), ("once_per_session", "Once per session")]))}
                {move || match freq.get().as_str() {
                    "times" => Some(fields::number(ed, vec![k("frequency"), k("n")], "Times").into_any()),
                    "cooldown" => Some(view! { {fields::number(ed, vec![k("frequency"), k("days")], "Days")} {fields::number(ed, vec![k("frequency"), k("max")], "At most (times)")} }.into_any()),
                    _ => None,
                }}
            </div>
            {errors_at(ed, "$.frequency".into())}
            <div class="row">
                {fields::number(ed, vec![k("priority")], "Priority (higher shows first)")}
                {fields::number(ed, vec![k("rollout"), k("percent")], "Rollout % of the audience")}
                {fields::number(ed, vec![k("holdout")], "Holdout % (control group)")}
            </div>
        </div>
    }
}

/// One node of the rule at `path`; `parent` is the group's array path when the node can be
/// removed from it.
fn rule_node(ed: Ed, path: Path, parent: Option<(Path, usize)>) -> AnyView {
    let sp = path.clone();
    let sh = Memo::new(move |_| ed.doc.with(|d| shape(doc::get(d, &sp))));
    let ps = doc::path_str(&path);
    view! {
        <div class="rule-node" data-path=ps.clone()>
            {move || {
                let path = path.clone();
                let remove = parent.clone().map(|(arr, i)| view! {
                    <button type="button" class="danger small" aria-label="Remove this condition" on:click=move |_| ed.edit(|d| { let a = doc::array_mut(d, &arr); if i < a.len() { a.remove(i); } })>"✕"</button>
                });
                match sh.get() {
                    Shape::Group(kind, n) => group(ed, path, kind, n, remove).into_any(),
                    Shape::Not => {
                        let mut child = path.clone();
                        child.push(k("not"));
                        view! { <div class="rule-not"><span class="pill">"NOT"</span>{remove}{rule_node(ed, child, None)}</div> }.into_any()
                    }
                    other => view! { <div class="condition">{condition(ed, path, other)}{remove}</div> }.into_any(),
                }
            }}
            {errors_at(ed, ps.clone())}
        </div>
    }
    .into_any()
}

fn group(ed: Ed, path: Path, kind: &'static str, n: usize, remove: Option<impl IntoView + 'static>) -> impl IntoView {
    let add_kind = RwSignal::new("trait".to_string());
    let arr = {
        let mut a = path.clone();
        a.push(k(kind));
        a
    };
    let switch_path = path.clone();
    let add_arr = arr.clone();
    view! {
        <div class="rule-group" data-group=kind>
            <div class="group-head">
                <select aria-label="Match" on:change=move |ev| {
                    let to = event_target_value(&ev);
                    ed.edit(|d| {
                        let items = doc::get(d, &switch_path).and_then(|v| v.get(kind)).cloned().unwrap_or(json!([]));
                        doc::set(d, &switch_path, json!({ to: items }));
                    });
                }>
                    <option value="all" selected=kind == "all">"All of these (and)"</option>
                    <option value="any" selected=kind == "any">"Any of these (or)"</option>
                </select>
                {remove}
            </div>
            <ul>
                {(0..n).map(|i| {
                    let mut child = arr.clone();
                    child.push(Seg::I(i));
                    view! { <li>{rule_node(ed, child, Some((arr.clone(), i)))}</li> }
                }).collect_view()}
            </ul>
            <div class="add-condition">
                <select name="condition-type" aria-label="Condition type" on:change=move |ev| add_kind.set(event_target_value(&ev))>
                    {CONDITIONS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                </select>
                <button type="button" on:click=move |_| ed.edit(|d| doc::array_mut(d, &add_arr).push(new_condition(&add_kind.get_untracked())))>"Add condition"</button>
            </div>
        </div>
    }
}

fn ops_for(t: &str) -> Vec<(String, String)> {
    o(match t {
        "number" => &[
            ("eq", "is"),
            ("ne", "is not"),
            ("gt", "is more than"),
            ("gte", "is at least"),
            ("lt", "is less than"),
            ("lte", "is at most"),
            ("between", "is between"),
            ("in", "is one of"),
            ("exists", "is set"),
            ("not_exists", "is not set"),
        ],
        "date" => &[
            ("within_days", "is within the last … days"),
            ("more_than_days_ago", "is more than … days ago"),
            ("exists", "is set"),
            ("not_exists", "is not set"),
        ],
        "boolean" => &[("eq", "is"), ("ne", "is not"), ("exists", "is set"), ("not_exists", "is not set")],
        _ => &[
            ("eq", "is"),
            ("ne", "is not"),
            ("in", "is one of"),
            ("not_in", "is none of"),
            ("contains", "contains"),
            ("starts_with", "starts with"),
            ("exists", "is set"),
            ("not_exists", "is not set"),
        ],
    })
}

/// Converts the typed text of a trait's value into JSON for its type and operator.
pub fn trait_value(t: &str, op: &str, s: &str) -> Value {
    let num = |x: &str| x.trim().parse::<f64>().ok().map(|f| if f.fract() == 0.0 && f.abs() < 1e15 { json!(f as i64) } else { json!(f) });
    match (t, op) {
        (_, "exists" | "not_exists") => Value::Null,
        (_, "in" | "not_in" | "between") => Value::Array(
            s.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| if t == "number" { num(x).unwrap_or(json!(x)) } else { json!(x) })
                .collect(),
        ),
        ("number" | "date", _) => num(s).unwrap_or(Value::String(s.to_string())),
        ("boolean", _) => json!(s == "true"),
        _ => Value::String(s.to_string()),
    }
}

fn value_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => {
            a.iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())).collect::<Vec<_>>().join(", ")
        }
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn condition(ed: Ed, path: Path, sh: Shape) -> AnyView {
    let f = move |rest: &[&str]| {
        let mut v = path.clone();
        v.extend(rest.iter().map(|x| k(x)));
        v
    };
    match sh {
        Shape::Trait(t) => {
            let vp = f(&["value"]);
            let op_path = f(&["op"]);
            let node = f(&[]);
            let node2 = node.clone();
            let type_path = node.clone();
            view! {
                <span class="pill">"Trait"</span>
                {fields::text(ed, f(&["trait"]), "Name", false, false)}
                <label class="field">
                    <span class="label">"Type"</span>
                    <select aria-label="Trait type" on:change=move |ev| {
                        let to = event_target_value(&ev);
                        let op = match to.as_str() { "date" => "within_days", _ => "eq" };
                        let value = match to.as_str() { "number" | "date" => json!(0), "boolean" => json!(true), _ => json!("") };
                        ed.edit(|d| { doc::set(d, &type_path, json!({ "trait": doc::get_str(d, &{ let mut p = type_path.clone(); p.push(k("trait")); p }), "op": op, "value": value })); });
                    }>
                        {[("text", "Text"), ("number", "Number"), ("date", "Date"), ("boolean", "Yes/no")].into_iter().map(|(v, l)| view! { <option value=v selected=t == v>{l}</option> }).collect_view()}
                    </select>
                </label>
                {fields::select(ed, op_path, "Operator", ops_for(t))}
                {move || {
                    let op = ed.text(&{ let mut p = node.clone(); p.push(k("op")); p });
                    if matches!(op.as_str(), "exists" | "not_exists") {
                        return None;
                    }
                    let vp = vp.clone();
                    let vp2 = vp.clone();
                    let vp3 = vp.clone();
                    let node = node2.clone();
                    let ps = doc::path_str(&vp);
                    Some(if t == "boolean" {
                        view! {
                            <label class="field"><span class="label">"Value"</span>
                                <select data-path=ps on:change=move |ev| { let s = event_target_value(&ev); ed.edit(|d| doc::set(d, &vp, json!(s == "true"))); }>
                                    <option value="true" selected=move || ed.doc.with(|d| doc::get(d, &vp2) == Some(&json!(true)))>"yes"</option>
                                    <option value="false" selected=move || ed.doc.with(|d| doc::get(d, &vp3) == Some(&json!(false)))>"no"</option>
                                </select>
                            </label>
                        }.into_any()
                    } else {
                        let hint = match (t, op.as_str()) {
                            (_, "in" | "not_in") => "Values (comma-separated)",
                            (_, "between") => "From, to",
                            ("date", _) => "Days",
                            _ => "Value",
                        };
                        // The text as typed stays in the input; the JSON gets the typed value.
                        let typed = RwSignal::new(ed.doc.with_untracked(|d| value_text(doc::get(d, &vp))));
                        view! {
                            <label class="field"><span class="label">{hint}</span>
                                <input type=if t == "number" && !matches!(op.as_str(), "in" | "between") || t == "date" { "number" } else { "text" }
                                    name="trait-value" data-path=ps.clone() prop:value=move || typed.get()
                                    on:input=move |ev| {
                                        let s = event_target_value(&ev);
                                        typed.set(s.clone());
                                        let op = ed.doc.with_untracked(|d| doc::get_str(d, &{ let mut p = node.clone(); p.push(k("op")); p }));
                                        ed.edit(|d| doc::set(d, &vp, trait_value(t, &op, &s)));
                                    } />
                                {errors_at(ed, ps.clone())}
                            </label>
                        }.into_any()
                    })
                }}
            }
            .into_any()
        }
        Shape::Url => view! {
            <span class="pill">"URL"</span>
            {fields::text(ed, f(&["url"]), "Path (hash routes: /#/settings)", false, false)}
            {fields::select(ed, f(&["match"]), "Match", o(&[("", "is exactly"), ("prefix", "starts with")]))}
            {fields::checkbox(ed, f(&["query"]), "Compare the query string too")}
        }
        .into_any(),
        Shape::Event => view! {
            <span class="pill">"Event"</span>
            {fields::text(ed, f(&["event"]), "Event name", false, false)}
            {fields::select(ed, f(&["op"]), "Count", o(&[("gte", "at least"), ("gt", "more than"), ("eq", "exactly"), ("ne", "not exactly"), ("lt", "fewer than"), ("lte", "at most")]))}
            {fields::number(ed, f(&["count"]), "Times")}
            {fields::number(ed, f(&["within_days"]), "In the last (days; empty: ever)")}
        }
        .into_any(),
        Shape::Device => view! {
            <span class="pill">"Device"</span>
            {fields::select(ed, f(&["device"]), "Device", o(&[("desktop", "Desktop"), ("tablet", "Tablet"), ("mobile", "Mobile")]))}
        }
        .into_any(),
        Shape::Viewport => view! {
            <span class="pill">"Viewport"</span>
            {fields::number(ed, f(&["viewport", "min_width"]), "Min width")}
            {fields::number(ed, f(&["viewport", "max_width"]), "Max width")}
            {fields::number(ed, f(&["viewport", "min_height"]), "Min height")}
            {fields::number(ed, f(&["viewport", "max_height"]), "Max height")}
        }
        .into_any(),
        Shape::Locale => {
            let lp = f(&["locale"]);
            let lp2 = lp.clone();
            view! {
                <span class="pill">"Locale"</span>
                <label class="field"><span class="label">"Locales (comma-separated, e.g. fr, de-CH)"</span>
                    <input type="text" data-path=doc::path_str(&lp) prop:value=move || ed.doc.with(|d| value_text(doc::get(d, &lp2)))
                        on:change=move |ev| { let s = event_target_value(&ev); ed.edit(|d| doc::set(d, &lp, trait_value("text", "in", &s))); } />
                </label>
            }
            .into_any()
        }
        Shape::Guide => view! {
            <span class="pill">"Guide"</span>
            {fields::text(ed, f(&["guide"]), "Guide id", false, false)}
            {fields::select(ed, f(&["status"]), "Status", o(&[("seen", "was seen"), ("not_seen", "was not seen"), ("completed", "was completed"), ("not_completed", "was not completed"), ("dismissed", "was dismissed")]))}
        }
        .into_any(),
        _ => view! { <span class="muted">"A condition the builder does not know: edit it in the JSON tab."</span> }.into_any(),
    }
}
