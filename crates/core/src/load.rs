//! Loading and validating guides, with precise JSON paths.
//!
//! Loading never fails as a whole: each broken guide is reported (errors and
//! warnings name the JSON path and what was expected) and skipped; the rest load.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json::{At, FromJson};
use crate::model::{ButtonAction, Guide, StepKind, SurveyScale, Trigger};
use crate::names::did_you_mean;
use crate::richtext;
use crate::rules::{kind_of, parse_rule, Rule};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found while loading.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The guide's id when it could be read.
    pub guide_id: Option<String>,
    /// JSON path, e.g. `$[0].steps[2].placement`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}: {}: {}", self.path, self.message)?;
        if let Some(id) = &self.guide_id {
            write!(f, " (guide \"{id}\")")?;
        }
        Ok(())
    }
}

/// The result of loading a file of guides.
#[derive(Serialize, Clone, Debug, Default)]
pub struct LoadReport {
    pub guides: Vec<Guide>,
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadReport {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }
}

// Known fields of every object in a guide; a test keeps them equal to the schema.
pub(crate) const GUIDE_FIELDS: &[&str] =
    &["id", "name", "version", "priority", "audience", "trigger", "frequency", "rollout", "goal", "holdout", "steps", "locales"];
pub const STEP_FIELDS: &[&str] = &[
    "id",
    "kind",
    "target",
    "placement",
    "title",
    "body",
    "buttons",
    "advance",
    "on_missing",
    "wait_ms",
    "backdrop",
    "branch",
    "items",
    "survey",
];
pub(crate) const TARGET_FIELDS: &[&str] = &["selector", "text", "fallbacks"];
pub(crate) const FALLBACK_FIELDS: &[&str] = &["text", "tag", "attribute", "value"];
pub(crate) const BUTTON_FIELDS: &[&str] = &["label", "action", "to"];
pub(crate) const ADVANCE_FIELDS: &[&str] = &["on", "name", "pattern"];
pub(crate) const TRIGGER_FIELDS: &[&str] = &["type", "name"];
pub(crate) const FREQUENCY_FIELDS: &[&str] = &["type", "n", "days", "max"];
pub(crate) const ROLLOUT_FIELDS: &[&str] = &["percent", "variants"];
pub(crate) const GOAL_FIELDS: &[&str] = &["event", "where", "url", "match", "within_days"];
pub(crate) const PROPERTY_FIELDS: &[&str] = &["property", "op", "value"];
pub(crate) const VARIANT_FIELDS: &[&str] = &["name", "weight"];
pub(crate) const BRANCH_FIELDS: &[&str] = &["to", "when"];
pub(crate) const WHEN_FIELDS: &[&str] = &["score_min", "score_max", "choice"];
pub(crate) const ITEM_FIELDS: &[&str] = &["id", "label", "event", "start_guide"];
pub(crate) const SURVEY_FIELDS: &[&str] = &["question", "type", "min", "max", "choices", "comment"];
pub(crate) const STEP_TEXT_FIELDS: &[&str] = &["title", "body", "buttons", "question"];

const STEP_KINDS: &[&str] = &["tooltip", "modal", "hotspot", "banner", "checklist", "survey"];

/// ISO 639-1 language codes, for checking locale tags.
const LANGUAGES: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz \
ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki \
kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj \
om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt \
tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

struct Ctx<'a> {
    out: &'a mut Vec<Diagnostic>,
    guide_id: Option<String>,
}

impl Ctx<'_> {
    fn push(&mut self, severity: Severity, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(Diagnostic { severity, guide_id: self.guide_id.clone(), path: path.into(), message: message.into() });
    }
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, path, message)
    }
    fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, path, message)
    }

    /// Reports fields of `v` not in `known`, with a suggestion.
    fn fields(&mut self, v: &Value, path: &str, known: &[&str], what: &str) {
        let Some(obj) = v.as_object() else { return };
        for k in obj.keys() {
            if !known.contains(&k.as_str()) {
                let hint = did_you_mean(k, known).map(|s| format!("; did you mean \"{s}\"?")).unwrap_or_default();
                self.error(format!("{path}.{k}"), format!("unknown field \"{k}\" in {what}{hint}"));
            }
        }
    }

    fn each<'v>(&mut self, v: &'v Value, key: &str, path: &str) -> Vec<(String, &'v Value)> {
        match v.get(key) {
            Some(Value::Array(a)) => a.iter().enumerate().map(|(i, x)| (format!("{path}.{key}[{i}]"), x)).collect(),
            _ => vec![],
        }
    }
}

/// Loads a JSON text holding one guide or an array of guides.
pub fn load_guides(json: &str) -> LoadReport {
    let mut report = LoadReport::default();
    let value: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                guide_id: None,
                path: "$".into(),
                message: format!("invalid JSON at line {}, column {}: {e}", e.line(), e.column()),
            });
            return report;
        }
    };
    load_guides_value(&value)
}

/// Loads from an already-parsed JSON value (an array of guides, or one guide).
pub fn load_guides_value(value: &Value) -> LoadReport {
    let mut report = LoadReport::default();
    let items: Vec<(String, &Value)> = match value {
        Value::Array(a) => a.iter().enumerate().map(|(i, v)| (format!("$[{i}]"), v)).collect(),
        Value::Object(_) => vec![("$".to_string(), value)],
        other => {
            report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                guide_id: None,
                path: "$".into(),
                message: format!("expected a guide object or an array of guides, found {}", kind_of(other)),
            });
            return report;
        }
    };
    // Ids kept so far, sorted.
    let mut seen: Vec<String> = Vec::new();
    for (path, v) in items {
        let (guide, diags) = load_guide_at(v, &path);
        report.diagnostics.extend(diags);
        if let Some(g) = guide {
            if let Err(i) = seen.binary_search(&g.id) {
                seen.insert(i, g.id.clone());
            } else {
                report.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    guide_id: Some(g.id.clone()),
                    path: format!("{path}.id"),
                    message: format!("duplicate guide id \"{}\"; this copy is skipped", g.id),
                });
                continue;
            }
            report.guides.push(g);
        }
    }
    report
}

/// The runtime's lean reader, for guides the collector validated at publish (and inline
/// guides, which get the same treatment): each guide is read by its [`FromJson`] impl
/// alone, without the shape pass, the did-you-mean hints or the semantic checks of
/// [`load_guides_value`]. A guide that cannot be read is skipped with one error naming
/// its JSON path; a duplicate id keeps the first copy. What the semantic checks would
/// refuse cannot make the runtime panic: the state machine looks steps up by id and
/// treats an unknown one as absent (a `goto` to it moves on to the next step).
pub fn read_guides_value(value: &Value) -> LoadReport {
    let mut report = LoadReport::default();
    let one = std::slice::from_ref(value);
    let (items, array) = match value {
        Value::Array(a) => (a.as_slice(), true),
        _ => (one, false),
    };
    for (i, v) in items.iter().enumerate() {
        let index = if array { Some(i) } else { None };
        let root = At::Root("$");
        let at = match index {
            Some(i) => root.index(i),
            None => root,
        };
        match Guide::from_json(v, at) {
            Ok(g) if report.guides.iter().any(|k| k.id == g.id) => report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                guide_id: Some(g.id.clone()),
                path: at.key("id").path(),
                message: format!("duplicate guide id \"{}\"; this copy is skipped", g.id),
            }),
            Ok(g) => report.guides.push(g),
            Err(e) => report.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                guide_id: v.get("id").and_then(Value::as_str).map(str::to_string),
                path: e.path,
                message: e.message,
            }),
        }
    }
    report
}

/// Loads the guide at position `index` of an array.
pub fn load_guide_value(v: &Value, index: usize) -> (Option<Guide>, Vec<Diagnostic>) {
    load_guide_at(v, &format!("$[{index}]"))
}

/// Loads one guide; `None` when it has errors (the diagnostics say why).
pub fn load_guide_at(v: &Value, path: &str) -> (Option<Guide>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let guide_id = v.get("id").and_then(Value::as_str).map(str::to_string);
    let mut cx = Ctx { out: &mut out, guide_id };
    if !v.is_object() {
        cx.error(path, format!("expected a guide object, found {}", kind_of(v)));
        return (None, out);
    }
    check_shape(&mut cx, v, path);
    if let Some(a) = v.get("audience") {
        if let Err(e) = parse_rule(a, &format!("{path}.audience")) {
            cx.error(e.path, e.message);
        }
    }
    if cx.out.iter().any(|d| d.severity == Severity::Error) {
        return (None, out);
    }
    let guide = match Guide::from_json(v, At::Root(path)) {
        Ok(g) => g,
        Err(e) => {
            cx.error(e.path, e.message);
            return (None, out);
        }
    };
    check_semantics(&mut cx, &guide, path);
    let ok = !cx.out.iter().any(|d| d.severity == Severity::Error);
    (ok.then_some(guide), out)
}

fn check_goal(cx: &mut Ctx, goal: &crate::model::Goal, path: &str) {
    match (&goal.event, &goal.url) {
        (Some(_), Some(_)) => cx.error(path, "a goal names either an \"event\" or a \"url\", not both"),
        (None, None) => cx.error(path, "expected an \"event\" or a \"url\" in the goal"),
        (Some(e), None) if e.trim().is_empty() => cx.error(format!("{path}.event"), "empty event name"),
        (None, Some(u)) if !u.starts_with('/') && !u.starts_with('*') => {
            cx.error(format!("{path}.url"), format!("expected a path pattern starting with \"/\", found \"{u}\""))
        }
        _ => {}
    }
    if goal.url.is_some() && !goal.conditions.is_empty() {
        cx.error(format!("{path}.where"), "property conditions apply to an event goal, not a url goal");
    }
    if !(1..=365).contains(&goal.within_days) {
        cx.error(format!("{path}.within_days"), format!("expected 1 to 365 days, found {}", goal.within_days));
    }
}

/// Structural checks on raw JSON: unknown fields and enum names, with suggestions.
fn check_shape(cx: &mut Ctx, g: &Value, path: &str) {
    cx.fields(g, path, GUIDE_FIELDS, "a guide");
    if let Some(t) = g.get("trigger") {
        cx.fields(t, &format!("{path}.trigger"), TRIGGER_FIELDS, "a trigger");
    }
    if let Some(f) = g.get("frequency") {
        cx.fields(f, &format!("{path}.frequency"), FREQUENCY_FIELDS, "a frequency");
    }
    if let Some(r) = g.get("rollout") {
        let rp = format!("{path}.rollout");
        cx.fields(r, &rp, ROLLOUT_FIELDS, "a rollout");
        for (p, v) in cx.each(r, "variants", &rp) {
            cx.fields(v, &p, VARIANT_FIELDS, "a variant");
        }
    }
    if let Some(goal) = g.get("goal") {
        let gp = format!("{path}.goal");
        cx.fields(goal, &gp, GOAL_FIELDS, "a goal");
        for (p, c) in cx.each(goal, "where", &gp) {
            cx.fields(c, &p, PROPERTY_FIELDS, "a property condition");
        }
    }
    if let Some(Value::Object(locales)) = g.get("locales") {
        for (tag, steps) in locales {
            if let Some(steps) = steps.as_object() {
                for (sid, text) in steps {
                    cx.fields(text, &format!("{path}.locales.{tag}.{sid}"), STEP_TEXT_FIELDS, "a translation");
                }
            }
        }
    }
    for (sp, s) in cx.each(g, "steps", path) {
        cx.fields(s, &sp, STEP_FIELDS, "a step");
        if let Some(k) = s.get("kind").and_then(Value::as_str) {
            if !STEP_KINDS.contains(&k) {
                let hint = did_you_mean(k, STEP_KINDS).map(|s| format!("; did you mean \"{s}\"?")).unwrap_or_default();
                cx.error(format!("{sp}.kind"), format!("unknown step kind \"{k}\", expected one of {}{hint}", STEP_KINDS.join(", ")));
            }
        }
        if let Some(p) = s.get("placement").and_then(Value::as_str) {
            if !crate::model::Placement::NAMES.contains(&p) {
                let hint = did_you_mean(p, &crate::model::Placement::NAMES).map(|s| format!("; did you mean \"{s}\"?")).unwrap_or_default();
                cx.error(
                    format!("{sp}.placement"),
                    format!("invalid placement \"{p}\", expected top|bottom|left|right with optional -start|-end, or auto{hint}"),
                );
            }
        }
        if let Some(t) = s.get("target") {
            let tp = format!("{sp}.target");
            cx.fields(t, &tp, TARGET_FIELDS, "a target");
            for (fp, f) in cx.each(t, "fallbacks", &tp) {
                cx.fields(f, &fp, FALLBACK_FIELDS, "a target fallback");
            }
        }
        for (bp, b) in cx.each(s, "buttons", &sp) {
            cx.fields(b, &bp, BUTTON_FIELDS, "a button");
        }
        if let Some(a) = s.get("advance") {
            cx.fields(a, &format!("{sp}.advance"), ADVANCE_FIELDS, "an advance rule");
        }
        for (bp, b) in cx.each(s, "branch", &sp) {
            cx.fields(b, &bp, BRANCH_FIELDS, "a branch");
            if let Some(w) = b.get("when") {
                cx.fields(w, &format!("{bp}.when"), WHEN_FIELDS, "a branch condition");
            }
        }
        for (ip, i) in cx.each(s, "items", &sp) {
            cx.fields(i, &ip, ITEM_FIELDS, "a checklist item");
        }
        if let Some(q) = s.get("survey") {
            cx.fields(q, &format!("{sp}.survey"), SURVEY_FIELDS, "a survey");
        }
    }
}

fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// Checks a locale tag such as `fr` or `pt-BR`.
pub fn check_locale(tag: &str) -> Result<(), String> {
    let mut parts = tag.split('-');
    let lang = parts.next().unwrap_or("");
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(format!("invalid locale tag \"{tag}\", expected a language code such as \"fr\" or \"pt-BR\""));
    }
    if lang.len() == 2 && !LANGUAGES.split_whitespace().any(|l| l == lang) {
        return Err(format!("unknown locale \"{tag}\": \"{lang}\" is not an ISO 639-1 language code"));
    }
    for p in parts {
        if !(2..=8).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("invalid locale tag \"{tag}\": bad subtag \"{p}\""));
        }
    }
    Ok(())
}

/// A syntax check for CSS selectors: catches the mistakes authors make
/// (unbalanced brackets or quotes, dangling combinators, stray braces).
pub fn check_selector(sel: &str) -> Result<(), String> {
    let s = sel.trim();
    if s.is_empty() {
        return Err("empty selector".into());
    }
    if let Some(c) = s.chars().find(|c| matches!(c, '{' | '}' | ';' | '<')) {
        return Err(format!("invalid CSS selector \"{sel}\": unexpected \"{c}\""));
    }
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    let mut prev_sig: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == '\\' {
                chars.next();
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\\' => {
                chars.next();
            }
            '"' | '\'' => quote = Some(c),
            '[' | '(' => stack.push(c),
            ']' | ')' => {
                let open = if c == ']' { '[' } else { '(' };
                if stack.pop() != Some(open) {
                    return Err(format!("invalid CSS selector \"{sel}\": unmatched \"{c}\""));
                }
            }
            '>' | '+' | '~' | ',' if stack.is_empty() => {
                if matches!(prev_sig, None | Some('>' | '+' | '~' | ',')) {
                    return Err(format!("invalid CSS selector \"{sel}\": \"{c}\" has nothing before it"));
                }
            }
            _ => {}
        }
        if !c.is_whitespace() {
            prev_sig = Some(c);
        }
    }
    if quote.is_some() {
        return Err(format!("invalid CSS selector \"{sel}\": unclosed quote"));
    }
    if let Some(open) = stack.pop() {
        return Err(format!("invalid CSS selector \"{sel}\": unclosed \"{open}\""));
    }
    if matches!(prev_sig, Some('>' | '+' | '~' | ',')) {
        return Err(format!("invalid CSS selector \"{sel}\": ends with a combinator"));
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("invalid CSS selector \"{sel}\": a selector cannot start with a digit"));
    }
    Ok(())
}

/// Semantic checks on a typed guide.
fn check_semantics(cx: &mut Ctx, g: &Guide, path: &str) {
    if !valid_id(&g.id) {
        cx.error(format!("{path}.id"), format!("invalid id \"{}\": expected 1–128 letters, digits, '-', '_', '.' or ':'", g.id));
    }
    if g.name.trim().is_empty() {
        cx.error(format!("{path}.name"), "empty name: expected a name for the dashboard");
    }
    if g.steps.is_empty() {
        cx.error(format!("{path}.steps"), "expected at least one step");
    }
    if let Trigger::Event { name } = &g.trigger {
        if name.trim().is_empty() {
            cx.error(format!("{path}.trigger.name"), "empty event name");
        }
    }
    match &g.frequency {
        crate::model::Frequency::Times { n: 0 } => cx.error(format!("{path}.frequency.n"), "expected at least 1"),
        crate::model::Frequency::Cooldown { max: Some(0), .. } => cx.error(format!("{path}.frequency.max"), "expected at least 1"),
        _ => {}
    }
    if let Some(r) = &g.rollout {
        if !(0.0..=100.0).contains(&r.percent) {
            cx.error(
                format!("{path}.rollout.percent"),
                format!("expected a percentage from 0 to 100, found {}", crate::num::show(r.percent)),
            );
        }
        for (i, v) in r.variants.iter().enumerate() {
            if r.variants[..i].iter().any(|w| w.name == v.name) {
                cx.error(format!("{path}.rollout.variants[{i}].name"), format!("duplicate variant \"{}\"", v.name));
            }
        }
    }
    if let Some(h) = g.holdout {
        if !(0.0..100.0).contains(&h) {
            cx.error(format!("{path}.holdout"), format!("expected a percentage from 0 to less than 100, found {}", crate::num::show(h)));
        }
    }
    if let Some(goal) = &g.goal {
        check_goal(cx, goal, &format!("{path}.goal"));
    }
    check_rule_values(cx, &g.audience, &format!("{path}.audience"));

    let mut ids = StepIds::default();
    for (i, s) in g.steps.iter().enumerate() {
        let sp = format!("{path}.steps[{i}]");
        if !valid_id(&s.id) {
            cx.error(format!("{sp}.id"), format!("invalid step id \"{}\"", s.id));
        }
        if let Some(first) = ids.insert(&s.id, i) {
            cx.error(format!("{sp}.id"), format!("duplicate step id \"{}\" (also at steps[{first}])", s.id));
        }
        check_step(cx, s, &sp);
    }
    for (i, s) in g.steps.iter().enumerate() {
        let sp = format!("{path}.steps[{i}]");
        for (j, b) in s.branch.iter().enumerate() {
            if ids.get(&b.to).is_none() {
                cx.error(format!("{sp}.branch[{j}].to"), ids.dangling(&b.to));
            }
        }
        for (j, b) in s.buttons.iter().enumerate() {
            if b.action == ButtonAction::Goto {
                match &b.to {
                    Some(to) if ids.get(to).is_some() => {}
                    Some(to) => cx.error(format!("{sp}.buttons[{j}].to"), ids.dangling(to)),
                    None => cx.error(format!("{sp}.buttons[{j}].to"), "a \"goto\" button needs \"to\": the step id to go to"),
                }
            }
            if b.action == ButtonAction::Url {
                match &b.to {
                    Some(u) if richtext::safe_url(u) => {}
                    Some(u) => cx.error(
                        format!("{sp}.buttons[{j}].to"),
                        format!("unsafe or invalid URL \"{u}\": expected http(s), mailto or a relative path"),
                    ),
                    None => cx.error(format!("{sp}.buttons[{j}].to"), "a \"url\" button needs \"to\": the URL to open"),
                }
            }
        }
    }
    // Reachability from the first step.
    if !g.steps.is_empty() {
        let mut reached = vec![false; g.steps.len()];
        let mut todo = vec![0usize];
        while let Some(i) = todo.pop() {
            if std::mem::replace(&mut reached[i], true) {
                continue;
            }
            let s = &g.steps[i];
            let unconditional = s.branch.iter().any(|b| b.when.is_none());
            if (!unconditional || s.on_missing == crate::model::OnMissing::Skip) && i + 1 < g.steps.len() {
                todo.push(i + 1);
            }
            for to in s.branch.iter().map(|b| &b.to).chain(s.buttons.iter().filter_map(|b| b.to.as_ref())) {
                if let Some(j) = ids.get(to) {
                    todo.push(j);
                }
            }
        }
        for (i, r) in reached.iter().enumerate() {
            if !r {
                cx.warn(format!("{path}.steps[{i}]"), format!("step \"{}\" is unreachable from the first step", g.steps[i].id));
            }
        }
    }
    for (tag, steps) in &g.locales {
        if let Err(e) = check_locale(tag) {
            cx.error(format!("{path}.locales.{tag}"), e);
        }
        for sid in steps.keys() {
            if ids.get(sid).is_none() {
                cx.warn(format!("{path}.locales.{tag}.{sid}"), ids.dangling(sid));
            }
        }
    }
}

/// A guide's step ids, indexed once, so every reference check is a lookup (3,000 steps with
/// as many dangling references took 27 s when each one sorted all the ids).
#[derive(Default)]
struct StepIds<'a> {
    /// Each id to the index of its first step.
    index: std::collections::BTreeMap<&'a str, usize>,
    /// "Did you mean" costs a pass over every id, so only the first few dangling
    /// references of a guide get one.
    hints: usize,
}

impl<'a> StepIds<'a> {
    const MAX_HINTS: usize = 16;

    /// Adds `id` at step `i`; returns the earlier step's index when the id is a duplicate.
    fn insert(&mut self, id: &'a str, i: usize) -> Option<usize> {
        match self.index.get(id) {
            Some(&first) => Some(first),
            None => {
                self.index.insert(id, i);
                None
            }
        }
    }

    fn get(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The message for a reference to a missing step, with a suggestion while hints last.
    fn dangling(&mut self, to: &str) -> String {
        let hint = if self.hints < Self::MAX_HINTS {
            self.hints += 1;
            // The keys come sorted, so ties go to the alphabetically first id.
            let known: Vec<&str> = self.index.keys().copied().collect();
            did_you_mean(to, &known).map(|s| format!("; did you mean \"{s}\"?")).unwrap_or_default()
        } else {
            String::new()
        };
        format!("no step with id \"{to}\"{hint}")
    }
}

fn check_step(cx: &mut Ctx, s: &crate::model::Step, sp: &str) {
    let title_empty = s.title.as_deref().is_none_or(|t| t.trim().is_empty());
    let body_empty = richtext::plain_text(&s.body).trim().is_empty();
    if title_empty && body_empty && !matches!(s.kind, StepKind::Checklist | StepKind::Survey) {
        cx.error(format!("{sp}.body"), "empty text: expected a title or a body");
    }
    if s.body.contains('<') && s.body.contains('>') {
        cx.warn(format!("{sp}.body"), "HTML is not rendered: tags will show as text (use the markdown subset)");
    }
    if s.kind.needs_target() && s.target.is_none() {
        cx.error(format!("{sp}.target"), format!("a {} step needs a target", s.kind.as_str()));
    }
    if let Some(t) = &s.target {
        if let Err(e) = check_selector(&t.selector) {
            cx.error(format!("{sp}.target.selector"), e);
        }
        if t.text.as_ref().is_some_and(|t| t.trim().is_empty()) {
            cx.error(format!("{sp}.target.text"), "empty text: expected the element's visible text, or no \"text\"");
        }
        for (i, f) in t.fallbacks.iter().enumerate() {
            let fp = format!("{sp}.target.fallbacks[{i}]");
            match (&f.text, &f.attribute) {
                (Some(_), Some(_)) | (None, None) => cx.error(fp, "expected exactly one of \"text\" or \"attribute\""),
                (Some(t), None) if t.trim().is_empty() => cx.error(format!("{fp}.text"), "empty text"),
                (None, Some(a)) if !a.starts_with("data-") => {
                    cx.error(format!("{fp}.attribute"), format!("expected a data- attribute, found \"{a}\""))
                }
                _ => {}
            }
        }
    }
    if s.advance == crate::model::Advance::Click && s.target.is_none() {
        cx.error(format!("{sp}.advance"), "advance on click needs a target to click");
    }
    for (i, b) in s.buttons.iter().enumerate() {
        if b.label.trim().is_empty() {
            cx.error(format!("{sp}.buttons[{i}].label"), "empty text: a button needs a label");
        }
    }
    match s.kind {
        StepKind::Checklist => {
            if s.items.is_empty() {
                cx.error(format!("{sp}.items"), "a checklist step needs at least one item");
            }
            let mut seen = BTreeSet::new();
            for (i, it) in s.items.iter().enumerate() {
                if !seen.insert(&it.id) {
                    cx.error(format!("{sp}.items[{i}].id"), format!("duplicate item id \"{}\"", it.id));
                }
                if it.label.trim().is_empty() {
                    cx.error(format!("{sp}.items[{i}].label"), "empty text");
                }
            }
        }
        StepKind::Survey => match &s.survey {
            None => cx.error(format!("{sp}.survey"), "a survey step needs a \"survey\" with a question"),
            Some(q) => {
                if q.question.trim().is_empty() {
                    cx.error(format!("{sp}.survey.question"), "empty text");
                }
                match &q.scale {
                    SurveyScale::Rating { min, max } if min >= max => {
                        cx.error(format!("{sp}.survey.max"), format!("expected max > min, found {min}..{max}"))
                    }
                    SurveyScale::Choice { choices } if choices.len() < 2 => {
                        cx.error(format!("{sp}.survey.choices"), "expected at least two choices")
                    }
                    _ => {}
                }
            }
        },
        _ => {}
    }
    if s.kind != StepKind::Checklist && !s.items.is_empty() {
        cx.warn(format!("{sp}.items"), "items are only used by checklist steps");
    }
    if s.kind != StepKind::Survey && s.survey.is_some() {
        cx.warn(format!("{sp}.survey"), "a survey is only used by survey steps");
    }
}

fn check_rule_values(cx: &mut Ctx, r: &Rule, path: &str) {
    match r {
        Rule::All { all } => all.iter().enumerate().for_each(|(i, r)| check_rule_values(cx, r, &format!("{path}.all[{i}]"))),
        Rule::Any { any } => any.iter().enumerate().for_each(|(i, r)| check_rule_values(cx, r, &format!("{path}.any[{i}]"))),
        Rule::Not { not } => check_rule_values(cx, not, &format!("{path}.not")),
        Rule::Locale(l) => {
            for (i, tag) in l.locale.iter().enumerate() {
                if let Err(e) = check_locale(tag) {
                    cx.error(format!("{path}.locale[{i}]"), e);
                }
            }
        }
        _ => {}
    }
}

/// The fields a step may have (kept equal to the schema by a test).
pub fn known_step_fields() -> &'static [&'static str] {
    STEP_FIELDS
}
