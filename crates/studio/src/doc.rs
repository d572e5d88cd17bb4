//! The guide being edited, as its JSON value: the one source of truth the forms, the JSON
//! view and core's validation all read. Pure functions, no DOM: paths into the value, the
//! step list's edits, and which diagnostics belong to which field.

use guidepost_core::load::{load_guide_at, Diagnostic, Severity};
use serde_json::{json, Map, Value};

/// One step of a path into a guide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    K(String),
    I(usize),
}

pub type Path = Vec<Seg>;

/// `k("steps")` etc.: path building.
pub fn k(s: &str) -> Seg {
    Seg::K(s.to_string())
}

/// The path as core's diagnostics print it: `$.steps[1].title`.
pub fn path_str(p: &[Seg]) -> String {
    let mut s = String::from("$");
    for seg in p {
        match seg {
            Seg::K(key) => {
                s.push('.');
                s.push_str(key);
            }
            Seg::I(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

pub fn get<'a>(v: &'a Value, p: &[Seg]) -> Option<&'a Value> {
    p.iter().try_fold(v, |v, seg| match seg {
        Seg::K(key) => v.get(key.as_str()),
        Seg::I(i) => v.get(*i),
    })
}

pub fn get_str(v: &Value, p: &[Seg]) -> String {
    match get(v, p) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Sets the value at `p`, creating objects on the way; `Value::Null` removes an object key
/// (so optional fields disappear rather than become `null`).
pub fn set(v: &mut Value, p: &[Seg], x: Value) {
    let Some((last, init)) = p.split_last() else {
        *v = x;
        return;
    };
    let mut cur = v;
    for seg in init {
        cur = match seg {
            Seg::K(key) => {
                if !cur.is_object() {
                    *cur = Value::Object(Map::new());
                }
                cur.as_object_mut().expect("made an object").entry(key.clone()).or_insert(Value::Null)
            }
            Seg::I(i) => match cur.get_mut(*i) {
                Some(x) => x,
                None => return,
            },
        };
    }
    match last {
        Seg::K(key) => {
            if !cur.is_object() {
                *cur = Value::Object(Map::new());
            }
            let o = cur.as_object_mut().expect("made an object");
            if x.is_null() {
                o.remove(key);
            } else {
                o.insert(key.clone(), x);
            }
        }
        Seg::I(i) => {
            if let Some(slot) = cur.get_mut(*i) {
                *slot = x;
            }
        }
    }
}

/// Sets a text field; the empty string removes an optional one.
pub fn set_text(v: &mut Value, p: &[Seg], s: &str, optional: bool) {
    if s.is_empty() && optional {
        set(v, p, Value::Null)
    } else {
        set(v, p, Value::String(s.to_string()))
    }
}

pub fn array_mut<'a>(v: &'a mut Value, p: &[Seg]) -> &'a mut Vec<Value> {
    if !get(v, p).is_some_and(Value::is_array) {
        set(v, p, json!([]));
    }
    let mut cur = v;
    for seg in p {
        cur = match seg {
            Seg::K(key) => cur.get_mut(key.as_str()).expect("set above"),
            Seg::I(i) => cur.get_mut(*i).expect("set above"),
        };
    }
    cur.as_array_mut().expect("set above")
}

pub fn len(v: &Value, p: &[Seg]) -> usize {
    get(v, p).and_then(Value::as_array).map_or(0, Vec::len)
}

// ---------------------------------------------------------------------------
// Steps.

pub fn steps(v: &Value) -> &[Value] {
    v.get("steps").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// A step id not used yet in the guide: `base`, `base-2`, ...
pub fn fresh_step_id(v: &Value, base: &str) -> String {
    let used: Vec<&str> = steps(v).iter().filter_map(|s| s.get("id").and_then(Value::as_str)).collect();
    if !used.contains(&base) {
        return base.to_string();
    }
    (2..).map(|n| format!("{base}-{n}")).find(|c| !used.contains(&c.as_str())).expect("an unused id exists")
}

/// What a step's button can do: its `action`, and how the Studio and the designer say it.
pub const BUTTON_ACTIONS: [(&str, &str); 6] =
    [("next", "Next"), ("back", "Back"), ("dismiss", "Dismiss"), ("complete", "Complete"), ("goto", "Go to step"), ("url", "Open URL")];

/// How the Studio says a button's `action`; an unknown one as it is.
pub fn button_action(action: &str) -> String {
    BUTTON_ACTIONS.iter().find(|(a, _)| *a == action).map_or(action, |(_, say)| say).to_string()
}

/// Moves step `from` to position `to` (both clamped); returns where it went.
pub fn move_step(v: &mut Value, from: usize, to: usize) -> usize {
    let a = array_mut(v, &[k("steps")]);
    if from >= a.len() {
        return from;
    }
    let to = to.min(a.len() - 1);
    let s = a.remove(from);
    a.insert(to, s);
    to
}

/// After steps moved, were duplicated or deleted: the Next buttons the designer made to
/// open the page of the step after (`{action: "url", to}`, told by a `to` that is a page
/// where a step was picked) follow the new order. `pages[j]` is where step `j` was picked,
/// when known. A step followed by one picked on another page leads there; one followed by a
/// step on its own page, or last, gets its Next back (written out: `{action: "next"}`). A
/// step whose own page is not known keeps its link, pointed at the next step's page when
/// that is known; a step followed by one whose page is not known is left as it is, and so
/// are steps that continue on a click, an event or a page change. Returns whether anything
/// changed.
pub fn relink(v: &mut Value, pages: &[Option<String>]) -> bool {
    let known: Vec<&str> = pages.iter().flatten().map(String::as_str).collect();
    let n = steps(v).len();
    let mut changed = false;
    for j in 0..n {
        let step = &steps(v)[j];
        let on_next = matches!(step["advance"]["on"].as_str(), None | Some("next"));
        let made = step["buttons"]
            .as_array()
            .and_then(|bs| bs.iter().position(|b| b["action"] == "url" && b["to"].as_str().is_some_and(|t| known.contains(&t))));
        let here = pages.get(j).cloned().flatten();
        let next = pages.get(j + 1).cloned().flatten();
        let elsewhere = |a: &str, b: &str| page_of(a) != page_of(b);
        let want = match (&here, &next, j + 1 == n) {
            (_, _, true) => None,
            (Some(h), Some(nx), _) if elsewhere(h, nx) => Some(nx.clone()),
            (None, Some(nx), _) if made.is_some() => Some(nx.clone()),
            (Some(_), Some(_), _) => None,
            // The next step's page is not known: its link, if any, stands.
            _ => continue,
        };
        let stands = made.is_some() && want.is_some();
        let buttons = array_mut(v, &[k("steps"), Seg::I(j), k("buttons")]);
        match (made, want) {
            (Some(b), Some(to)) if buttons[b]["to"] != to.as_str() => {
                buttons[b]["to"] = Value::String(to);
                changed = true;
            }
            (Some(b), None) => {
                if let Some(o) = buttons[b].as_object_mut() {
                    o.insert("action".into(), "next".into());
                    o.remove("to");
                }
                // What is left is what the engine shows by itself (Back when there is a
                // step to go back to, then Next, or Done on the last step): written out, it
                // would show Next on a step that is now last, or no Back.
                let implicit = match &buttons[..] {
                    [n] => is_button(n, "Next", "next", 2),
                    [b, n] => is_button(b, "Back", "back", 2) && is_button(n, "Next", "next", 2),
                    _ => false,
                };
                if implicit {
                    buttons.clear();
                }
                changed = true;
            }
            (None, Some(to)) if on_next && !buttons.iter().any(|b| b["action"] == "url") => {
                link_next(buttons, j, to);
                changed = true;
            }
            _ => {}
        }
        // A link that stands, with the engine's Back written beside it by `link_next`, on a
        // step that is now first: that Back would lead nowhere. (One missing after a step
        // moved on is not added: the author may have taken it out.)
        if stands && j == 0 && matches!(&buttons[..], [b, l] if is_button(b, "Back", "back", 2) && is_button(l, "Next", "url", 3)) {
            buttons.remove(0);
            changed = true;
        }
        if buttons.is_empty() {
            if let Some(o) = v.pointer_mut(&format!("/steps/{j}")).and_then(Value::as_object_mut) {
                o.remove("buttons");
            }
        }
    }
    changed
}

/// Whether `b` is exactly a button with this label and action and `keys` fields in all (a
/// link's `to` is the third): one the engine or the designer wrote, not the author.
fn is_button(b: &Value, label: &str, action: &str, keys: usize) -> bool {
    b["label"] == label && b["action"] == action && b.as_object().is_some_and(|o| o.len() == keys)
}

/// Makes step `j`'s Next button (`buttons`, its list) open the page `to`. A step without
/// buttons of its own gets those the engine would have shown written out, Back (after the
/// first step) and Next, with Next opening the page.
pub fn link_next(buttons: &mut Vec<Value>, j: usize, to: String) {
    if buttons.is_empty() && j > 0 {
        buttons.push(serde_json::json!({ "label": "Back", "action": "back" }));
    }
    match buttons.iter_mut().find(|b| b["action"] == "next") {
        Some(b) => {
            b["action"] = "url".into();
            b["to"] = Value::String(to);
        }
        None => buttons.push(serde_json::json!({ "label": "Next", "action": "url", "to": to })),
    }
}

/// Inserts a copy of step `i` after it, with a fresh id; returns the copy's index.
pub fn duplicate_step(v: &mut Value, i: usize) -> usize {
    let Some(mut copy) = steps(v).get(i).cloned() else { return i };
    let base = copy.get("id").and_then(Value::as_str).unwrap_or("step").to_string();
    let id = fresh_step_id(v, &format!("{base}-copy"));
    set(&mut copy, &[k("id")], Value::String(id));
    array_mut(v, &[k("steps")]).insert(i + 1, copy);
    i + 1
}

pub fn delete_step(v: &mut Value, i: usize) {
    let a = array_mut(v, &[k("steps")]);
    if i < a.len() {
        a.remove(i);
    }
}

/// A new step of `kind` at the end; returns its index.
pub fn add_step(v: &mut Value, kind: &str, target: Option<Value>) -> usize {
    let id = fresh_step_id(v, &format!("step-{}", steps(v).len() + 1));
    let mut s = json!({ "id": id, "kind": kind, "title": "New step", "body": "" });
    if let Some(t) = target {
        s["target"] = t;
    } else if matches!(kind, "tooltip" | "hotspot") {
        s["target"] = json!({ "selector": "body" });
    }
    if kind == "survey" {
        s["survey"] = json!({ "question": "How likely are you to recommend us?", "type": "nps" });
    }
    let a = array_mut(v, &[k("steps")]);
    a.push(s);
    a.len() - 1
}

// ---------------------------------------------------------------------------
// Validation and where its findings go.

/// Core's findings for the guide as edited (paths start at `$`).
pub fn diagnostics(v: &Value) -> Vec<Diagnostic> {
    load_guide_at(v, "$").1
}

pub fn has_errors(d: &[Diagnostic]) -> bool {
    d.iter().any(|d| d.severity == Severity::Error)
}

/// The findings at `path` or under it (`$.steps[1]` owns `$.steps[1].title`, not
/// `$.steps[10]`).
pub fn under<'a>(d: &'a [Diagnostic], path: &str) -> Vec<&'a Diagnostic> {
    d.iter()
        .filter(|d| d.path == path || d.path.strip_prefix(path).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('[')))
        .collect()
}

/// The findings exactly at `path`.
pub fn at<'a>(d: &'a [Diagnostic], path: &str) -> Vec<&'a Diagnostic> {
    d.iter().filter(|d| d.path == path).collect()
}

// ---------------------------------------------------------------------------
// Templates.

pub const TEMPLATES: [(&str, &str, &str); 7] = [
    ("tour", "Product tour", "Three tooltips on elements of your app, with Back and Next."),
    ("modal", "Announcement modal", "One centred message with a call to action."),
    ("hotspot", "Hotspot", "A pulsing beacon on an element; a tooltip opens on click."),
    ("banner", "Banner", "A bar at the top of the page."),
    ("checklist", "Checklist", "Tasks that tick themselves off when your app tracks events."),
    ("nps", "NPS survey", "0–10 score with a follow-up question."),
    ("choice", "Choice survey", "One question with a few answers."),
];

/// A new guide from template `t` (one of [`TEMPLATES`]), with `id` and `name`.
pub fn template(t: &str, id: &str, name: &str) -> Value {
    let steps = match t {
        // No buttons of their own: the engine's Back, Next and Done follow the steps as the
        // author adds, moves and deletes them (written out, a step moved first kept its Back,
        // and the old last step its Done).
        "tour" => json!([
            { "id": "step-1", "kind": "tooltip", "target": { "selector": "body" }, "placement": "auto", "title": "First stop", "body": "Pick this step's element in your app." },
            { "id": "step-2", "kind": "tooltip", "target": { "selector": "body" }, "placement": "auto", "title": "Second stop", "body": "Pick this step's element in your app." },
            { "id": "step-3", "kind": "tooltip", "target": { "selector": "body" }, "placement": "auto", "title": "Last stop", "body": "Pick this step's element in your app." }
        ]),
        "modal" => json!([
            { "id": "announcement", "kind": "modal", "title": "Something new", "body": "Tell your users what changed and why it matters.",
              "buttons": [{ "label": "Got it", "action": "complete" }] }
        ]),
        "hotspot" => json!([
            { "id": "hotspot", "kind": "hotspot", "target": { "selector": "body" }, "placement": "auto", "title": "Did you know?", "body": "Explain this element.",
              "buttons": [{ "label": "Got it", "action": "complete" }] }
        ]),
        "banner" => json!([
            { "id": "banner", "kind": "banner", "title": "Heads up", "body": "A short message across the top of the page.",
              "buttons": [{ "label": "Dismiss", "action": "dismiss" }] }
        ]),
        "checklist" => json!([
            { "id": "checklist", "kind": "checklist", "title": "Get started", "body": "Three things to set up.",
              "items": [
                { "id": "profile", "label": "Complete your profile", "event": "profile_completed" },
                { "id": "invite", "label": "Invite a teammate", "event": "teammate_invited" },
                { "id": "report", "label": "Create a report", "event": "report_created" }
              ] }
        ]),
        "nps" => json!([
            { "id": "score", "kind": "survey", "title": "Quick question",
              "survey": { "question": "How likely are you to recommend us to a colleague?", "type": "nps", "comment": true },
              "branch": [{ "to": "thanks" }] },
            { "id": "thanks", "kind": "modal", "title": "Thank you!", "body": "Your feedback shapes what we build next.",
              "buttons": [{ "label": "Done", "action": "complete" }] }
        ]),
        _ => json!([
            { "id": "question", "kind": "survey", "title": "Help us improve",
              "survey": { "question": "What brought you here today?", "type": "choice", "choices": ["Reporting", "Exports", "Something else"] } }
        ]),
    };
    let mut g = json!({
        "id": id,
        "name": name,
        "audience": { "all": [] },
        "trigger": { "type": "page_view" },
        "frequency": { "type": "once" },
        "steps": steps,
    });
    if t == "nps" || t == "choice" {
        g["frequency"] = json!({ "type": "cooldown", "days": 90 });
    }
    g
}

// ---------------------------------------------------------------------------
// Translations.

/// Locales the guide has translations for, sorted.
pub fn locales(v: &Value) -> Vec<String> {
    v.get("locales").and_then(Value::as_object).map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// The translatable texts of step `i`: (field, source text).
pub fn step_texts(step: &Value) -> Vec<(String, String)> {
    let mut out = vec![];
    for f in ["title", "body"] {
        if let Some(s) = step.get(f).and_then(Value::as_str).filter(|s| !s.is_empty()) {
            out.push((f.to_string(), s.to_string()));
        }
    }
    if let Some(q) = step.pointer("/survey/question").and_then(Value::as_str) {
        out.push(("question".into(), q.to_string()));
    }
    for (i, b) in step.get("buttons").and_then(Value::as_array).into_iter().flatten().enumerate() {
        out.push((format!("buttons[{i}]"), b.get("label").and_then(Value::as_str).unwrap_or("").to_string()));
    }
    out
}

/// The path of one translated text: `locales.<locale>.<step id>.<field>` (buttons are an
/// array of labels in button order).
pub fn translation_path(locale: &str, step_id: &str, field: &str) -> Path {
    let mut p = vec![k("locales"), k(locale), k(step_id)];
    match field.strip_prefix("buttons[").and_then(|r| r.strip_suffix(']')).and_then(|n| n.parse().ok()) {
        Some(n) => {
            p.push(k("buttons"));
            p.push(Seg::I(n));
        }
        None => p.push(k(field)),
    }
    p
}

/// Sets a translated button label, growing the label array with empty strings as needed.
pub fn set_translation(v: &mut Value, locale: &str, step_id: &str, field: &str, text: &str) {
    let p = translation_path(locale, step_id, field);
    if let Some((Seg::I(n), init)) = p.split_last() {
        let a = array_mut(v, init);
        while a.len() <= *n {
            a.push(Value::String(String::new()));
        }
        a[*n] = Value::String(text.to_string());
    } else {
        set_text(v, &p, text, true);
    }
}

/// How many texts of the guide `locale` lacks.
pub fn missing_translations(v: &Value, locale: &str) -> usize {
    steps(v)
        .iter()
        .map(|s| {
            let id = s.get("id").and_then(Value::as_str).unwrap_or("");
            step_texts(s).iter().filter(|(f, _)| get_str(v, &translation_path(locale, id, f)).is_empty()).count()
        })
        .sum()
}

// ---------------------------------------------------------------------------
// Versions.

/// One line of a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    Same(String),
    Added(String),
    Removed(String),
}

/// A line diff (longest common subsequence) of two texts; large inputs fall back to
/// "all removed, all added" beyond 4,000 lines each, to stay bounded.
pub fn diff(a: &str, b: &str) -> Vec<Line> {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    if a.len() > 4000 || b.len() > 4000 {
        return a.iter().map(|l| Line::Removed(l.to_string())).chain(b.iter().map(|l| Line::Added(l.to_string()))).collect();
    }
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, vec![]);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(Line::Same(a[i].to_string()));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals before additions, as diffs read.
            out.push(Line::Removed(a[i].to_string()));
            i += 1;
        } else {
            out.push(Line::Added(b[j].to_string()));
            j += 1;
        }
    }
    out
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The page an address (path, query and fragment) shows: its path (`/sb/` and
/// `/sb/index.html` are one) and a hash router's route (`#/users`, without its query), not
/// an in-page anchor or the query, which the same page takes with other values. An app
/// with a single hash route picks its views by the route's query (vitest's report:
/// `#/?file=…`): there the query is the page.
pub fn page_of(address: &str) -> (&str, &str) {
    let (rest, fragment) = address.split_once('#').unwrap_or((address, ""));
    let path = rest.split('?').next().unwrap_or(rest);
    let path = path.strip_suffix("index.html").or_else(|| path.strip_suffix("index.htm")).unwrap_or(path);
    let route = if fragment.starts_with('/') || fragment.starts_with("!/") { fragment.split('?').next().unwrap_or(fragment) } else { "" };
    let route = if matches!(route, "/" | "!/") { fragment } else { route };
    (path, route)
}

/// A step's value for one of the designer's step options as its select shows it (`advance` is an
/// object, `{"on": "click"}`; its default `next` is the empty choice; `wait_ms` a number).
pub fn option_value(step: &Value, field: &str) -> String {
    if let Some(n) = step[field].as_u64() {
        return n.to_string();
    }
    let v = if field == "advance" { step["advance"]["on"].as_str() } else { step[field].as_str() };
    v.map_or_else(String::new, |v| shown_choice(field, v))
}

/// A value of `field` as a select shows it: the defaults, written out (templates write
/// `"placement": "auto"`), are the empty choice, not a second "auto" beside "Auto".
pub fn shown_choice(field: &str, value: &str) -> String {
    match (field, value) {
        ("advance", "next") | ("placement", "auto") => String::new(),
        _ => value.to_string(),
    }
}

/// The JSON a choice writes: `null` removes the field.
pub fn option_json(field: &str, choice: &str) -> Value {
    match (field, choice) {
        (_, "") => Value::Null,
        ("advance", on) => json!({ "on": on }),
        ("wait_ms", ms) => ms.parse::<u32>().map_or(Value::Null, |n| json!(n)),
        (_, v) => json!(v),
    }
}
