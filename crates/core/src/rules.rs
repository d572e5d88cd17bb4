//! Targeting rules: who sees a guide and when.
//!
//! Rules are authored as JSON ([`Rule`]), compiled once into [`Compiled`] against
//! interned trait and event names, and evaluated many times against a
//! [`Prepared`] context. Evaluation comes in two flavours: a fast boolean path
//! and a traced path that explains every decision (`Guidepost.debug()`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dates::{format_ms, parse_date_ms, DAY_MS};
use crate::json::{named, one_of, At, FromJson, JsonError, Obj};
use crate::names::did_you_mean;
use crate::scheduler::GuideHistory;

/// A targeting rule. Nest `all`, `any` and `not` over conditions.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub enum Rule {
    /// Every rule must hold. An empty list holds.
    All {
        all: Vec<Rule>,
    },
    /// At least one rule must hold.
    Any {
        any: Vec<Rule>,
    },
    /// The rule must not hold.
    Not {
        not: Box<Rule>,
    },
    Trait(TraitCond),
    Url(UrlCond),
    Device(DeviceCond),
    Viewport(ViewportCond),
    Locale(LocaleCond),
    Event(EventCond),
    Guide(GuideCond),
}

impl Default for Rule {
    fn default() -> Self {
        Rule::All { all: vec![] }
    }
}

/// A condition on a user trait set with `identify(userId, traits)`.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TraitCond {
    #[serde(rename = "trait")]
    pub name: String,
    pub op: TraitOp,
    /// The operand: a string, number, boolean, ISO date, list (`in`), pair (`between`)
    /// or a number of days (`within_days`, `more_than_days_ago`). Absent for `exists`.
    /// A trait held as a string compares with a number when it reads as a JSON number
    /// (`"12"` and `" 12 "` do, `"+12"` and `".5"` do not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TraitOp {
    Eq,
    Ne,
    In,
    NotIn,
    Contains,
    StartsWith,
    Gt,
    Gte,
    Lt,
    Lte,
    Between,
    Exists,
    NotExists,
    /// The trait is a date within the last N days.
    WithinDays,
    /// The trait is a date more than N days ago.
    MoreThanDaysAgo,
}

/// The page URL matches a pattern: exact, or a prefix; `*` matches anything,
/// `:name` matches one path segment.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UrlCond {
    pub url: String,
    #[serde(default, rename = "match")]
    pub mode: UrlMatch,
    /// Include the query string in the match (the pattern then may contain `?`).
    #[serde(default)]
    pub query: bool,
}

#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum UrlMatch {
    #[default]
    Exact,
    Prefix,
}

#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeviceCond {
    pub device: Device,
}

#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Mobile,
    Tablet,
    #[default]
    Desktop,
}

impl GuideStatus {
    pub const ALL: [GuideStatus; 5] =
        [GuideStatus::Seen, GuideStatus::NotSeen, GuideStatus::Completed, GuideStatus::NotCompleted, GuideStatus::Dismissed];

    /// The JSON name, e.g. `not_seen`.
    pub fn as_str(self) -> &'static str {
        match self {
            GuideStatus::Seen => "seen",
            GuideStatus::NotSeen => "not_seen",
            GuideStatus::Completed => "completed",
            GuideStatus::NotCompleted => "not_completed",
            GuideStatus::Dismissed => "dismissed",
        }
    }
}

impl Device {
    pub const ALL: [Device; 3] = [Device::Mobile, Device::Tablet, Device::Desktop];

    /// The JSON name, e.g. `mobile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
        }
    }

    /// Classifies a viewport width the way the web runtime does.
    pub fn from_width(width: f64) -> Device {
        if width < 640.0 {
            Device::Mobile
        } else if width < 1024.0 {
            Device::Tablet
        } else {
            Device::Desktop
        }
    }
}

#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ViewportCond {
    pub viewport: ViewportRange,
}

#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ViewportRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_width: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_width: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_height: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_height: Option<f64>,
}

/// The user's locale is one of these (`fr` matches `fr-CA`).
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LocaleCond {
    pub locale: Vec<String>,
}

/// How many times the user tracked an event, optionally within the last N days.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventCond {
    pub event: String,
    pub op: CountOp,
    pub count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_days: Option<u32>,
}

#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CountOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl TraitOp {
    pub const ALL: [TraitOp; 15] = [
        TraitOp::Eq,
        TraitOp::Ne,
        TraitOp::In,
        TraitOp::NotIn,
        TraitOp::Contains,
        TraitOp::StartsWith,
        TraitOp::Gt,
        TraitOp::Gte,
        TraitOp::Lt,
        TraitOp::Lte,
        TraitOp::Between,
        TraitOp::Exists,
        TraitOp::NotExists,
        TraitOp::WithinDays,
        TraitOp::MoreThanDaysAgo,
    ];

    pub fn as_str(self) -> &'static str {
        use TraitOp::*;
        match self {
            Eq => "eq",
            Ne => "ne",
            In => "in",
            NotIn => "not_in",
            Contains => "contains",
            StartsWith => "starts_with",
            Gt => "gt",
            Gte => "gte",
            Lt => "lt",
            Lte => "lte",
            Between => "between",
            Exists => "exists",
            NotExists => "not_exists",
            WithinDays => "within_days",
            MoreThanDaysAgo => "more_than_days_ago",
        }
    }
}

impl CountOp {
    fn test(self, a: u64, b: u64) -> bool {
        match self {
            CountOp::Eq => a == b,
            CountOp::Ne => a != b,
            CountOp::Gt => a > b,
            CountOp::Gte => a >= b,
            CountOp::Lt => a < b,
            CountOp::Lte => a <= b,
        }
    }
    fn word(self) -> &'static str {
        match self {
            CountOp::Eq => "exactly",
            CountOp::Ne => "not exactly",
            CountOp::Gt => "more than",
            CountOp::Gte => "at least",
            CountOp::Lt => "fewer than",
            CountOp::Lte => "at most",
        }
    }
}

/// What the user did with another guide.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GuideCond {
    pub guide: String,
    pub status: GuideStatus,
}

#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GuideStatus {
    Seen,
    NotSeen,
    Completed,
    NotCompleted,
    Dismissed,
}

// ---------------------------------------------------------------------------
// Parsing with precise paths.

/// A rule error: the JSON path and what was expected.
pub type RuleError = JsonError;

const CONDITION_KEYS: [(&str, &[&str]); 10] = [
    ("all", &["all"]),
    ("any", &["any"]),
    ("not", &["not"]),
    ("trait", &["trait", "op", "value"]),
    ("url", &["url", "match", "query"]),
    ("device", &["device"]),
    ("viewport", &["viewport"]),
    ("locale", &["locale"]),
    ("event", &["event", "op", "count", "within_days"]),
    ("guide", &["guide", "status"]),
];

/// Parses a rule, reporting the first problem with its JSON path.
pub fn parse_rule(v: &Value, path: &str) -> Result<Rule, RuleError> {
    Rule::from_json(v, At::Root(path))
}

impl FromJson for Rule {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a rule object")?;
        let Some((key, allowed)) = CONDITION_KEYS.iter().find(|(k, _)| o.map.contains_key(*k)) else {
            let keys: Vec<&str> = CONDITION_KEYS.iter().map(|(k, _)| *k).collect();
            let first = o.map.keys().next().map(String::as_str).unwrap_or("");
            let hint = did_you_mean(first, &keys).map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default();
            return Err(at.error(format!("expected a rule with one of the keys {}{hint}", keys.join(", "))));
        };
        if let Some(k) = o.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            let hint = did_you_mean(k, allowed).map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default();
            return Err(at.key(k).error(format!("unknown field \"{k}\" in a \"{key}\" rule; expected {}{hint}", allowed.join(", "))));
        }
        let list = |k: &str| -> Result<Vec<Rule>, JsonError> {
            let v = &o.map[k];
            let items = v.as_array().ok_or_else(|| at.key(k).error(format!("expected an array of rules, found {}", kind_of(v))))?;
            items.iter().enumerate().map(|(i, r)| Rule::from_json(r, at.key(k).index(i))).collect()
        };
        let rule = match *key {
            "all" => Rule::All { all: list("all")? },
            "any" => Rule::Any { any: list("any")? },
            "not" => Rule::Not { not: Box::new(o.req("not")?) },
            "trait" => Rule::Trait(TraitCond { name: o.req("trait")?, op: o.req("op")?, value: o.opt("value")? }),
            "url" => {
                let url: String = o.req("url")?;
                if !url.starts_with('/') && !url.starts_with('*') {
                    let m = format!("expected a path pattern starting with \"/\", found \"{url}\"");
                    return Err(at.key("url").error(m));
                }
                Rule::Url(UrlCond { url, mode: o.or_default("match")?, query: o.or_default("query")? })
            }
            "device" => Rule::Device(DeviceCond { device: o.req("device")? }),
            "viewport" => Rule::Viewport(ViewportCond { viewport: o.req("viewport")? }),
            "locale" => Rule::Locale(LocaleCond { locale: o.req("locale")? }),
            "event" => Rule::Event(EventCond {
                event: o.req("event")?,
                op: o.req("op")?,
                count: o.req("count")?,
                within_days: o.opt("within_days")?,
            }),
            _ => Rule::Guide(GuideCond { guide: o.req("guide")?, status: o.req("status")? }),
        };
        // Operand checks the types cannot express.
        if let Rule::Trait(t) = &rule {
            check_trait_operand(t).map_err(|m| at.key("value").error(m))?;
        }
        Ok(rule)
    }
}

impl FromJson for TraitOp {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        named(v, at, &TraitOp::ALL, TraitOp::as_str)
    }
}

impl FromJson for UrlMatch {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        one_of(v, at, &[("exact", UrlMatch::Exact), ("prefix", UrlMatch::Prefix)])
    }
}

impl FromJson for Device {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        named(v, at, &Device::ALL, Device::as_str)
    }
}

impl FromJson for Size {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = crate::json::Obj::new(v, at, "a size")?;
        Ok(Size { width: o.req("width")?, height: o.req("height")? })
    }
}

/// Reads back what `Serialize` wrote: the author module explains the decision module's
/// context (`debug()`), which crosses between the two as JSON.
impl FromJson for Context {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = crate::json::Obj::new(v, at, "a context")?;
        Ok(Context {
            user_id: o.req("user_id")?,
            traits: o.or_default("traits")?,
            url: o.req("url")?,
            viewport: o.req("viewport")?,
            device: o.req("device")?,
            locale: o.req("locale")?,
            now_ms: o.req("now_ms")?,
            events: o.or_default("events")?,
            guides: o.or_default("guides")?,
        })
    }
}

impl FromJson for CountOp {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        use CountOp::*;
        one_of(v, at, &[("eq", Eq), ("ne", Ne), ("gt", Gt), ("gte", Gte), ("lt", Lt), ("lte", Lte)])
    }
}

impl FromJson for GuideStatus {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        named(v, at, &GuideStatus::ALL, GuideStatus::as_str)
    }
}

impl FromJson for ViewportRange {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a viewport range object")?;
        o.only(&["min_width", "max_width", "min_height", "max_height"])?;
        Ok(ViewportRange {
            min_width: o.opt("min_width")?,
            max_width: o.opt("max_width")?,
            min_height: o.opt("min_height")?,
            max_height: o.opt("max_height")?,
        })
    }
}

/// A goal's property condition is checked like a trait condition.
pub(crate) fn check_property_operand(c: &crate::model::PropertyCond) -> Result<(), String> {
    check_trait_operand(&TraitCond { name: c.property.clone(), op: c.op, value: c.value.clone() })
}

/// Whether an event's properties satisfy a goal's condition (the trait operators and their
/// coercions; dates are compared against `now_ms`).
pub fn property_matches(c: &crate::model::PropertyCond, props: &serde_json::Map<String, Value>, now_ms: i64) -> bool {
    let op = compile_op(&TraitCond { name: c.property.clone(), op: c.op, value: c.value.clone() });
    let v = props.get(&c.property).and_then(TraitVal::from_value);
    eval_trait(v.as_ref(), &op, now_ms)
}

fn check_trait_operand(t: &TraitCond) -> Result<(), String> {
    use TraitOp::*;
    let v = t.value.as_ref();
    match t.op {
        Exists | NotExists => Ok(()),
        In | NotIn => match v {
            Some(Value::Array(_)) => Ok(()),
            other => Err(format!("\"{}\" expects a list value, found {}", t.op.as_str(), kind_opt(other))),
        },
        Between => match v {
            Some(Value::Array(a)) if a.len() == 2 => Ok(()),
            other => Err(format!("\"between\" expects a list of two values, found {}", kind_opt(other))),
        },
        WithinDays | MoreThanDaysAgo => match v {
            Some(Value::Number(n)) if n.as_f64().is_some_and(|d| d >= 0.0) => Ok(()),
            other => Err(format!("expected a number of days, found {}", kind_opt(other))),
        },
        Gt | Gte | Lt | Lte => match v {
            Some(Value::Number(_)) => Ok(()),
            Some(Value::String(s)) if parse_date_ms(s).is_some() => Ok(()),
            other => Err(format!("expected a number or an ISO date, found {}", kind_opt(other))),
        },
        StartsWith => match v {
            Some(Value::String(_)) => Ok(()),
            other => Err(format!("expected a string, found {}", kind_opt(other))),
        },
        Eq | Ne | Contains => match v {
            Some(Value::String(_) | Value::Number(_) | Value::Bool(_)) => Ok(()),
            other => Err(format!("expected a string, number or boolean, found {}", kind_opt(other))),
        },
    }
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn kind_opt(v: Option<&Value>) -> &'static str {
    v.map(kind_of).unwrap_or("nothing")
}

// ---------------------------------------------------------------------------
// The evaluation context.

/// Everything a rule can look at. Time and viewport are plain values, never globals.
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct Context {
    pub user_id: String,
    pub traits: serde_json::Map<String, Value>,
    /// Path and query of the current page, e.g. `/reports/42?tab=usage`.
    pub url: String,
    pub viewport: Size,
    pub device: Device,
    pub locale: String,
    pub now_ms: i64,
    /// Event name -> timestamps (ms) of its occurrences.
    pub events: BTreeMap<String, Vec<i64>>,
    /// Per-guide history of this user.
    pub guides: BTreeMap<String, GuideHistory>,
}

/// At most this many timestamps are kept per event name.
pub const MAX_EVENTS_PER_NAME: usize = 500;
/// At most this many distinct event names are kept per user (10,000 `track()` names made a
/// 284,000-character storage value); beyond it the name used least recently goes.
pub const MAX_EVENT_NAMES: usize = 128;
/// At most this many timestamps are kept in all, so a user's events stay well under 100 KB
/// of storage; beyond it the name used least recently goes.
pub const MAX_EVENT_TIMESTAMPS: usize = 4_000;

impl Context {
    /// Records an occurrence of `name` at `at_ms`, keeping timestamps sorted and bounded
    /// (the newest [`MAX_EVENTS_PER_NAME`] are kept), so event-count rules stay exact
    /// for recent windows and storage stays small.
    pub fn record_event(&mut self, name: &str, at_ms: i64) {
        let ts = self.events.entry(name.to_string()).or_default();
        let i = ts.partition_point(|&t| t <= at_ms);
        ts.insert(i, at_ms);
        self.bound_events(Some(name));
    }

    /// Takes in the events another tab or frame of the same user recorded: each name's
    /// timestamps are the union of both (a timestamp both copies hold, from the storage they
    /// started from, counts once), within the same bounds as [`Context::record_event`].
    pub fn merge_events(&mut self, other: &BTreeMap<String, Vec<i64>>) {
        for (name, theirs) in other {
            let mine = self.events.entry(name.clone()).or_default();
            let mut merged = Vec::with_capacity(mine.len() + theirs.len());
            let (mut i, mut j) = (0, 0);
            loop {
                let next = match (mine.get(i), theirs.get(j)) {
                    (Some(&a), Some(&b)) => match a.cmp(&b) {
                        std::cmp::Ordering::Equal => {
                            (i, j) = (i + 1, j + 1);
                            a
                        }
                        std::cmp::Ordering::Less => {
                            i += 1;
                            a
                        }
                        std::cmp::Ordering::Greater => {
                            j += 1;
                            b
                        }
                    },
                    (Some(&a), None) => {
                        i += 1;
                        a
                    }
                    (None, Some(&b)) => {
                        j += 1;
                        b
                    }
                    (None, None) => break,
                };
                merged.push(next);
            }
            *mine = merged;
        }
        self.bound_events(None);
    }

    /// Keeps the log within its bounds: each name's newest [`MAX_EVENTS_PER_NAME`]
    /// timestamps, then the names used least recently dropped, never `keep`.
    fn bound_events(&mut self, keep: Option<&str>) {
        for ts in self.events.values_mut() {
            if ts.len() > MAX_EVENTS_PER_NAME {
                ts.drain(..ts.len() - MAX_EVENTS_PER_NAME);
            }
        }
        let mut total: usize = self.events.values().map(Vec::len).sum();
        while self.events.len() > MAX_EVENT_NAMES || total > MAX_EVENT_TIMESTAMPS {
            // The name whose latest occurrence is oldest, never the one just recorded.
            let Some(stale) = self
                .events
                .iter()
                .filter(|(n, _)| Some(n.as_str()) != keep)
                .min_by_key(|(_, ts)| ts.last().copied().unwrap_or(i64::MIN))
                .map(|(n, _)| n.clone())
            else {
                break;
            };
            total -= self.events.remove(&stale).map_or(0, |ts| ts.len());
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq)]
pub struct Size {
    pub width: f64,
    pub height: f64,
}

/// Interned names, so compiled rules look traits and events up by index (a name's id is
/// its position). A guide set names a few dozen traits and events at most, so a scan at
/// compile time is cheaper, in time and in bundle size, than a hash map.
#[derive(Default, Debug, Clone)]
pub struct Names {
    traits: Vec<String>,
    events: Vec<String>,
}

impl Names {
    fn intern(list: &mut Vec<String>, name: &str) -> u32 {
        let id = list.iter().position(|n| n == name).unwrap_or_else(|| {
            list.push(name.to_string());
            list.len() - 1
        });
        id as u32
    }
}

/// A scalar operand, parsed once at compile time.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Str(String),
    Num(f64),
    Bool(bool),
    Date(i64),
}

impl Scalar {
    fn from_value(v: &Value) -> Option<Scalar> {
        Some(match v {
            Value::String(s) => match parse_date_ms(s) {
                Some(ms) if s.len() >= 10 => Scalar::Date(ms),
                _ => Scalar::Str(s.clone()),
            },
            Value::Number(n) => Scalar::Num(n.as_f64()?),
            Value::Bool(b) => Scalar::Bool(*b),
            _ => return None,
        })
    }

    fn show(&self) -> String {
        match self {
            Scalar::Str(s) => format!("\"{s}\""),
            Scalar::Num(n) => crate::num::show(*n),
            Scalar::Bool(b) => format!("{b}"),
            Scalar::Date(d) => format_ms(*d),
        }
    }
}

/// A trait value, prepared once per context.
#[derive(Clone, Debug)]
enum TraitVal {
    Str { s: String, date: Option<i64> },
    Num(f64),
    Bool(bool),
    List(Vec<Scalar>),
}

impl TraitVal {
    fn from_value(v: &Value) -> Option<TraitVal> {
        Some(match v {
            Value::String(s) => TraitVal::Str { date: parse_date_ms(s), s: s.clone() },
            Value::Number(n) => TraitVal::Num(n.as_f64()?),
            Value::Bool(b) => TraitVal::Bool(*b),
            Value::Array(a) => TraitVal::List(a.iter().filter_map(Scalar::from_value).collect()),
            _ => return None,
        })
    }

    fn show(&self) -> String {
        match self {
            TraitVal::Str { s, .. } => format!("\"{s}\""),
            TraitVal::Num(n) => crate::num::show(*n),
            TraitVal::Bool(b) => format!("{b}"),
            TraitVal::List(l) => format!("[{}]", l.iter().map(Scalar::show).collect::<Vec<_>>().join(", ")),
        }
    }

    fn as_num(&self) -> Option<f64> {
        match self {
            TraitVal::Num(n) => Some(*n),
            TraitVal::Str { date: Some(d), .. } => Some(*d as f64),
            TraitVal::Str { s, .. } => crate::num::parse(s),
            _ => None,
        }
    }

    fn as_date(&self) -> Option<i64> {
        match self {
            TraitVal::Str { date, .. } => *date,
            // Numbers are epoch milliseconds, within the range of a JS `Date` (±8.64e15), so
            // differences with the clock cannot overflow.
            TraitVal::Num(n) if n.abs() <= 8.64e15 => Some(*n as i64),
            TraitVal::Num(_) => None,
            _ => None,
        }
    }

    fn eq_scalar(&self, s: &Scalar) -> bool {
        match (self, s) {
            (TraitVal::Str { s: a, .. }, Scalar::Str(b)) => a == b,
            (TraitVal::Str { date: Some(a), .. }, Scalar::Date(b)) => a == b,
            (TraitVal::Num(a), Scalar::Num(b)) => a == b,
            (TraitVal::Str { s: a, .. }, Scalar::Num(b)) => crate::num::parse(a) == Some(*b),
            (TraitVal::Bool(a), Scalar::Bool(b)) => a == b,
            (TraitVal::List(l), s) => l.contains(s),
            _ => false,
        }
    }

    fn cmp_scalar(&self, s: &Scalar) -> Option<std::cmp::Ordering> {
        match s {
            Scalar::Num(b) => self.as_num()?.partial_cmp(b),
            Scalar::Date(b) => Some(self.as_date()?.cmp(b)),
            _ => None,
        }
    }
}

/// A context prepared for one evaluation pass: traits and events indexed by interned ids.
pub struct Prepared<'a> {
    ctx: &'a Context,
    traits: Vec<Option<TraitVal>>,
    events: Vec<&'a [i64]>,
    url: NormalUrl,
}

impl<'a> Prepared<'a> {
    pub fn new(names: &Names, ctx: &'a Context) -> Prepared<'a> {
        let traits = names.traits.iter().map(|n| ctx.traits.get(n).and_then(TraitVal::from_value)).collect();
        let events = names.events.iter().map(|n| ctx.events.get(n).map_or(&[][..], Vec::as_slice)).collect();
        Prepared { ctx, traits, events, url: NormalUrl::new(&ctx.url) }
    }

    pub fn context(&self) -> &Context {
        self.ctx
    }
}

/// A page URL in the forms patterns match against: without origin, without a trailing
/// slash, with or without the query, and with the fragment for hash-routed apps
/// (`/#/settings`).
#[derive(Clone, Debug, PartialEq)]
pub struct NormalUrl {
    /// `/reports`
    pub path: String,
    /// `/reports?tab=2`
    pub path_query: String,
    /// `/#/settings`: the path, then the fragment without its own query.
    pub hashed: String,
    /// `/?x=1#/settings?tab=2`: the path and query, then the whole fragment.
    pub hashed_query: String,
}

impl NormalUrl {
    pub fn new(url: &str) -> NormalUrl {
        let mut u = url;
        if let Some(i) = u.find("://") {
            u = &u[i + 3..];
            u = u.find('/').map(|j| &u[j..]).unwrap_or("/");
        }
        let (u, frag) = u.split_once('#').unwrap_or((u, ""));
        let (p, q) = u.split_once('?').unwrap_or((u, ""));
        // Compared as the author writes them: the browser encodes spaces and letters beyond
        // ASCII (`#Getting%20Started`), patterns say `#Getting Started`.
        let (p, q, frag) = (percent_decode(p), percent_decode(q), percent_decode(frag));
        let path = trim_slash(if p.is_empty() { "/" } else { &p }).to_string();
        let query = if q.is_empty() { String::new() } else { format!("?{q}") };
        let route = trim_slash(frag.split('?').next().unwrap_or(""));
        NormalUrl {
            path_query: format!("{path}{query}"),
            hashed: format!("{path}#{route}"),
            hashed_query: format!("{path}{query}#{}", trim_slash(&frag)),
            path,
        }
    }
}

/// `%20` → ` `, `%C3%A9` → `é`; a `%` not followed by two hex digits stays, and bytes that
/// do not make UTF-8 are replaced.
fn percent_decode(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('%') {
        return std::borrow::Cow::Borrowed(s);
    }
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(hi * 16 + lo);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// `/a/` → `/a`; `/` stays.
fn trim_slash(s: &str) -> &str {
    if s.len() > 1 {
        s.strip_suffix('/').unwrap_or(s)
    } else {
        s
    }
}

// ---------------------------------------------------------------------------
// URL patterns.

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Lit(String),
    /// `*`: any run of characters.
    Star,
    /// `:name`: one non-empty path segment.
    Param,
}

/// A compiled URL pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct UrlPattern {
    toks: Vec<Tok>,
    prefix: bool,
    query: bool,
    hash: bool,
}

impl UrlPattern {
    pub fn compile(pattern: &str, mode: UrlMatch, query: bool) -> UrlPattern {
        // A `#` makes it a hash-route pattern (`/#/settings`): it matches the fragment too.
        let hash = pattern.contains('#');
        let (path, frag) = pattern.split_once('#').unwrap_or((pattern, ""));
        // Decoded as page URLs are (`NormalUrl`): a pattern copied from the address bar
        // (`%20`) matches as one typed with a space.
        let strip = |s: &str| -> String {
            let s = if query { s } else { s.split('?').next().unwrap_or("") };
            trim_slash(&percent_decode(s)).to_string()
        };
        let pat = if hash { format!("{}#{}", strip(path), strip(frag)) } else { strip(path) };
        let mut toks = Vec::new();
        let mut lit = String::new();
        let mut chars = pat.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    if !lit.is_empty() {
                        toks.push(Tok::Lit(std::mem::take(&mut lit)));
                    }
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                }
                ':' if lit.ends_with('/') || lit.is_empty() && toks.is_empty() => {
                    toks.push(Tok::Lit(std::mem::take(&mut lit)));
                    while chars.peek().is_some_and(|c| c.is_alphanumeric() || *c == '_') {
                        chars.next();
                    }
                    toks.push(Tok::Param);
                }
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            toks.push(Tok::Lit(lit));
        }
        UrlPattern { toks, prefix: mode == UrlMatch::Prefix, query, hash }
    }

    /// The form of `url` this pattern is matched against.
    pub fn subject<'u>(&self, url: &'u NormalUrl) -> &'u str {
        match (self.hash, self.query) {
            (false, false) => &url.path,
            (false, true) => &url.path_query,
            (true, false) => &url.hashed,
            (true, true) => &url.hashed_query,
        }
    }

    /// Matches a page URL (see [`NormalUrl`]).
    pub fn matches_url(&self, url: &NormalUrl) -> bool {
        self.matches(self.subject(url))
    }

    /// Matches a normalised path (or path+query when the pattern includes the query).
    ///
    /// An NFA simulation over the bytes of `s`: time O(|s| × |pattern|) and no recursion,
    /// whatever the pattern (a backtracking matcher took 40 s for `/*a*a*a*a*a*a*a*a*b`).
    pub fn matches(&self, s: &str) -> bool {
        let s = s.as_bytes();
        let nfa = Nfa::new(&self.toks);
        let mut cur = vec![false; nfa.len];
        let mut next = vec![false; nfa.len];
        nfa.enter(0, &mut cur);
        for p in 0..=s.len() {
            let at_sep = s.get(p).is_none_or(|c| *c == b'/' || *c == b'?');
            // A parameter ends only at a segment boundary.
            if at_sep {
                for ti in 0..self.toks.len() {
                    if matches!(self.toks[ti], Tok::Param) && cur[nfa.base[ti] + 1] {
                        nfa.enter(ti + 1, &mut cur);
                    }
                }
            }
            if cur[nfa.end] && (p == s.len() || self.prefix && at_sep) {
                return true;
            }
            let Some(&c) = s.get(p) else { break };
            next.iter_mut().for_each(|b| *b = false);
            for (ti, tok) in self.toks.iter().enumerate() {
                let b = nfa.base[ti];
                match tok {
                    Tok::Lit(l) => {
                        for (k, &lc) in l.as_bytes().iter().enumerate() {
                            if cur[b + k] && lc == c {
                                if k + 1 == l.len() {
                                    nfa.enter(ti + 1, &mut next);
                                } else {
                                    next[b + k + 1] = true;
                                }
                            }
                        }
                    }
                    Tok::Star => {
                        if cur[b] {
                            nfa.enter(ti, &mut next);
                        }
                    }
                    Tok::Param => {
                        if (cur[b] || cur[b + 1]) && c != b'/' && c != b'?' {
                            next[b + 1] = true;
                        }
                    }
                }
            }
            std::mem::swap(&mut cur, &mut next);
        }
        false
    }
}

/// The state layout of a pattern's automaton: a literal of n bytes has n states (the next
/// byte to match), `*` one, `:param` two (before its first byte, inside it), then the end.
struct Nfa {
    base: Vec<usize>,
    end: usize,
    len: usize,
    entry: Vec<Entry>,
}

#[derive(Clone, Copy)]
enum Entry {
    /// Entering the token is entering this state.
    State(usize),
    /// The token may match nothing (`*`, an empty literal): also enter the next one.
    Skip(Option<usize>),
}

impl Nfa {
    fn new(toks: &[Tok]) -> Nfa {
        let mut base = Vec::with_capacity(toks.len());
        let mut entry = Vec::with_capacity(toks.len() + 1);
        let mut n = 0;
        for t in toks {
            base.push(n);
            let (size, e) = match t {
                Tok::Lit(l) if l.is_empty() => (0, Entry::Skip(None)),
                Tok::Lit(l) => (l.len(), Entry::State(n)),
                Tok::Star => (1, Entry::Skip(Some(n))),
                Tok::Param => (2, Entry::State(n)),
            };
            entry.push(e);
            n += size;
        }
        entry.push(Entry::State(n));
        Nfa { base, end: n, len: n + 1, entry }
    }

    /// Marks the states reached on entering token `ti` (following tokens that can be empty).
    fn enter(&self, mut ti: usize, set: &mut [bool]) {
        loop {
            match self.entry[ti] {
                Entry::State(s) => {
                    set[s] = true;
                    return;
                }
                Entry::Skip(s) => {
                    if let Some(s) = s {
                        set[s] = true;
                    }
                    ti += 1;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Compiled rules.

#[derive(Clone, Debug)]
pub enum Op {
    Eq(Scalar),
    Ne(Scalar),
    In(Vec<Scalar>),
    NotIn(Vec<Scalar>),
    Contains(Scalar),
    StartsWith(String),
    Cmp(std::cmp::Ordering, bool, Scalar),
    Between(Scalar, Scalar),
    Exists,
    NotExists,
    WithinDays(f64),
    MoreThanDaysAgo(f64),
}

/// A rule compiled for fast, repeated evaluation.
#[derive(Clone, Debug)]
pub enum Compiled {
    All(Vec<Compiled>),
    Any(Vec<Compiled>),
    Not(Box<Compiled>),
    Trait { id: u32, name: String, op: Op },
    Url { pattern: UrlPattern, source: String },
    Device(Device),
    Viewport(ViewportRange),
    Locale(Vec<String>),
    Event { id: u32, name: String, op: CountOp, count: u32, window_ms: Option<i64> },
    Guide { guide: String, status: GuideStatus },
}

impl Compiled {
    pub fn compile(rule: &Rule, names: &mut Names) -> Compiled {
        match rule {
            Rule::All { all } => Compiled::All(all.iter().map(|r| Compiled::compile(r, names)).collect()),
            Rule::Any { any } => Compiled::Any(any.iter().map(|r| Compiled::compile(r, names)).collect()),
            Rule::Not { not } => Compiled::Not(Box::new(Compiled::compile(not, names))),
            Rule::Trait(t) => {
                let id = Names::intern(&mut names.traits, &t.name);
                Compiled::Trait { id, name: t.name.clone(), op: compile_op(t) }
            }
            Rule::Url(u) => Compiled::Url { pattern: UrlPattern::compile(&u.url, u.mode, u.query), source: u.url.clone() },
            Rule::Device(d) => Compiled::Device(d.device),
            Rule::Viewport(v) => Compiled::Viewport(v.viewport.clone()),
            Rule::Locale(l) => Compiled::Locale(l.locale.iter().map(|s| s.to_ascii_lowercase()).collect()),
            Rule::Event(e) => Compiled::Event {
                id: Names::intern(&mut names.events, &e.event),
                name: e.event.clone(),
                op: e.op,
                count: e.count,
                window_ms: e.within_days.map(|d| d as i64 * DAY_MS),
            },
            Rule::Guide(g) => Compiled::Guide { guide: g.guide.clone(), status: g.status },
        }
    }

    /// The fast path: true when the rule holds.
    pub fn eval(&self, p: &Prepared) -> bool {
        match self {
            Compiled::All(rs) => rs.iter().all(|r| r.eval(p)),
            Compiled::Any(rs) => rs.iter().any(|r| r.eval(p)),
            Compiled::Not(r) => !r.eval(p),
            _ => self.leaf(p).0,
        }
    }

    /// The traced path: every node says whether it held and why.
    pub fn trace(&self, p: &Prepared) -> Trace {
        match self {
            Compiled::All(rs) => {
                let children: Vec<Trace> = rs.iter().map(|r| r.trace(p)).collect();
                let failed = children.iter().filter(|c| !c.passed).count();
                let detail = if children.is_empty() {
                    "no conditions: everyone".to_string()
                } else if failed == 0 {
                    format!("all {} conditions hold", children.len())
                } else {
                    format!("{failed} of {} conditions failed", children.len())
                };
                Trace { passed: failed == 0, label: "all".into(), detail, children }
            }
            Compiled::Any(rs) => {
                let children: Vec<Trace> = rs.iter().map(|r| r.trace(p)).collect();
                let held = children.iter().filter(|c| c.passed).count();
                let detail = if held > 0 {
                    format!("{held} of {} conditions hold", children.len())
                } else {
                    format!("none of {} conditions hold", children.len())
                };
                Trace { passed: held > 0, label: "any".into(), detail, children }
            }
            Compiled::Not(r) => {
                let child = r.trace(p);
                let passed = !child.passed;
                let detail = if passed { "the inner rule does not hold" } else { "the inner rule holds" }.to_string();
                Trace { passed, label: "not".into(), detail, children: vec![child] }
            }
            _ => {
                let (passed, label, detail) = self.leaf_explained(p);
                Trace { passed, label, detail, children: vec![] }
            }
        }
    }

    fn leaf(&self, p: &Prepared) -> (bool, ()) {
        let ctx = p.ctx;
        let ok = match self {
            Compiled::Trait { id, op, .. } => eval_trait(p.traits[*id as usize].as_ref(), op, ctx.now_ms),
            Compiled::Url { pattern, .. } => pattern.matches_url(&p.url),
            Compiled::Device(d) => ctx.device == *d,
            Compiled::Viewport(v) => viewport_ok(v, ctx.viewport),
            Compiled::Locale(ls) => locale_ok(ls, &ctx.locale),
            Compiled::Event { id, op, count, window_ms, .. } => {
                op.test(count_since(p.events[*id as usize], *window_ms, ctx.now_ms), *count as u64)
            }
            Compiled::Guide { guide, status } => guide_ok(ctx.guides.get(guide), *status),
            Compiled::All(_) | Compiled::Any(_) | Compiled::Not(_) => self.eval(p),
        };
        (ok, ())
    }

    fn leaf_explained(&self, p: &Prepared) -> (bool, String, String) {
        let ctx = p.ctx;
        let passed = self.leaf(p).0;
        match self {
            Compiled::Trait { id, name, op } => {
                let actual = p.traits[*id as usize].as_ref();
                let label = format!("trait {name} {}", show_op(op));
                let detail = match actual {
                    None => format!("{name} is not set"),
                    Some(v) => format!("{name} is {}", v.show()),
                };
                (passed, label, detail)
            }
            Compiled::Url { pattern, source } => {
                let on = pattern.subject(&p.url);
                let mode = if pattern.prefix { "starts with" } else { "matches" };
                (passed, format!("url {mode} {source}"), format!("page is {on}"))
            }
            Compiled::Device(d) => (passed, format!("device is {}", d.as_str()), format!("device is {}", ctx.device.as_str())),
            Compiled::Viewport(v) => (
                passed,
                format!("viewport {}", serde_json::to_string(v).unwrap_or_default()),
                format!("viewport is {}x{}", crate::num::show(ctx.viewport.width), crate::num::show(ctx.viewport.height)),
            ),
            Compiled::Locale(ls) => (passed, format!("locale in [{}]", ls.join(", ")), format!("locale is \"{}\"", ctx.locale)),
            Compiled::Event { id, name, op, count, window_ms } => {
                let n = count_since(p.events[*id as usize], *window_ms, ctx.now_ms);
                let window = window_ms.map(|w| format!(" in the last {} days", w / DAY_MS)).unwrap_or_default();
                (passed, format!("event {name} {} {count} times{window}", op.word()), format!("{name} happened {n} times{window}"))
            }
            Compiled::Guide { guide, status } => {
                let h = ctx.guides.get(guide);
                let detail = match h {
                    None => format!("{guide} was never seen"),
                    Some(h) => format!("{guide}: seen {} times, completed: {}, dismissed: {}", h.seen, h.completed, h.dismissed),
                };
                (passed, format!("guide {guide} {}", status.as_str()), detail)
            }
            _ => (passed, String::new(), String::new()),
        }
    }
}

fn compile_op(t: &TraitCond) -> Op {
    use std::cmp::Ordering::*;
    let scalar = || t.value.as_ref().and_then(Scalar::from_value).unwrap_or(Scalar::Bool(false));
    let list = || -> Vec<Scalar> {
        t.value.as_ref().and_then(Value::as_array).map(|a| a.iter().filter_map(Scalar::from_value).collect()).unwrap_or_default()
    };
    let days = || t.value.as_ref().and_then(Value::as_f64).unwrap_or(0.0);
    match t.op {
        TraitOp::Eq => Op::Eq(scalar()),
        TraitOp::Ne => Op::Ne(scalar()),
        TraitOp::In => Op::In(list()),
        TraitOp::NotIn => Op::NotIn(list()),
        TraitOp::Contains => Op::Contains(scalar()),
        TraitOp::StartsWith => Op::StartsWith(t.value.as_ref().and_then(Value::as_str).unwrap_or_default().to_string()),
        TraitOp::Gt => Op::Cmp(Greater, false, scalar()),
        TraitOp::Gte => Op::Cmp(Greater, true, scalar()),
        TraitOp::Lt => Op::Cmp(Less, false, scalar()),
        TraitOp::Lte => Op::Cmp(Less, true, scalar()),
        TraitOp::Between => {
            let mut l = list().into_iter();
            let a = l.next().unwrap_or(Scalar::Num(0.0));
            let b = l.next().unwrap_or(Scalar::Num(0.0));
            Op::Between(a, b)
        }
        TraitOp::Exists => Op::Exists,
        TraitOp::NotExists => Op::NotExists,
        TraitOp::WithinDays => Op::WithinDays(days()),
        TraitOp::MoreThanDaysAgo => Op::MoreThanDaysAgo(days()),
    }
}

fn show_op(op: &Op) -> String {
    let list = |l: &[Scalar]| l.iter().map(Scalar::show).collect::<Vec<_>>().join(", ");
    match op {
        Op::Eq(s) => format!("= {}", s.show()),
        Op::Ne(s) => format!("!= {}", s.show()),
        Op::In(l) => format!("in [{}]", list(l)),
        Op::NotIn(l) => format!("not in [{}]", list(l)),
        Op::Contains(s) => format!("contains {}", s.show()),
        Op::StartsWith(s) => format!("starts with \"{s}\""),
        Op::Cmp(o, eq, s) => {
            let sym = match (o, eq) {
                (std::cmp::Ordering::Greater, false) => ">",
                (std::cmp::Ordering::Greater, true) => ">=",
                (_, false) => "<",
                (_, true) => "<=",
            };
            format!("{sym} {}", s.show())
        }
        Op::Between(a, b) => format!("between {} and {}", a.show(), b.show()),
        Op::Exists => "exists".into(),
        Op::NotExists => "does not exist".into(),
        Op::WithinDays(d) => format!("within the last {} days", crate::num::show(*d)),
        Op::MoreThanDaysAgo(d) => format!("more than {} days ago", crate::num::show(*d)),
    }
}

fn eval_trait(v: Option<&TraitVal>, op: &Op, now_ms: i64) -> bool {
    use std::cmp::Ordering;
    let Some(v) = v else {
        return matches!(op, Op::NotExists | Op::Ne(_) | Op::NotIn(_));
    };
    match op {
        Op::Exists => true,
        Op::NotExists => false,
        Op::Eq(s) => v.eq_scalar(s),
        Op::Ne(s) => !v.eq_scalar(s),
        Op::In(l) => l.iter().any(|s| v.eq_scalar(s)),
        Op::NotIn(l) => !l.iter().any(|s| v.eq_scalar(s)),
        Op::Contains(s) => match (v, s) {
            (TraitVal::Str { s: a, .. }, Scalar::Str(b)) => a.contains(b.as_str()),
            (TraitVal::List(l), s) => l.contains(s),
            _ => false,
        },
        Op::StartsWith(p) => matches!(v, TraitVal::Str { s, .. } if s.starts_with(p.as_str())),
        Op::Cmp(want, or_eq, s) => match v.cmp_scalar(s) {
            Some(Ordering::Equal) => *or_eq,
            Some(o) => o == *want,
            None => false,
        },
        Op::Between(a, b) => {
            matches!(v.cmp_scalar(a), Some(Ordering::Greater | Ordering::Equal))
                && matches!(v.cmp_scalar(b), Some(Ordering::Less | Ordering::Equal))
        }
        Op::WithinDays(d) => v.as_date().is_some_and(|t| t <= now_ms && (now_ms - t) as f64 <= d * DAY_MS as f64),
        Op::MoreThanDaysAgo(d) => v.as_date().is_some_and(|t| (now_ms - t) as f64 > d * DAY_MS as f64),
    }
}

fn viewport_ok(v: &ViewportRange, s: Size) -> bool {
    v.min_width.is_none_or(|m| s.width >= m)
        && v.max_width.is_none_or(|m| s.width <= m)
        && v.min_height.is_none_or(|m| s.height >= m)
        && v.max_height.is_none_or(|m| s.height <= m)
}

fn locale_ok(wanted: &[String], locale: &str) -> bool {
    let l = locale.to_ascii_lowercase();
    let lang = l.split(['-', '_']).next().unwrap_or("");
    wanted.iter().any(|w| *w == l || (!w.contains('-') && w == lang))
}

fn count_since(ts: &[i64], window_ms: Option<i64>, now_ms: i64) -> u64 {
    match window_ms {
        None => ts.len() as u64,
        Some(w) => {
            let from = now_ms - w;
            // Timestamps are kept sorted by the runtime; tolerate unsorted input anyway.
            if ts.windows(2).all(|p| p[0] <= p[1]) {
                (ts.len() - ts.partition_point(|&t| t < from)) as u64
            } else {
                ts.iter().filter(|&&t| t >= from).count() as u64
            }
        }
    }
}

fn guide_ok(h: Option<&GuideHistory>, status: GuideStatus) -> bool {
    let seen = h.is_some_and(|h| h.seen > 0);
    let completed = h.is_some_and(|h| h.completed);
    let dismissed = h.is_some_and(|h| h.dismissed);
    match status {
        GuideStatus::Seen => seen,
        GuideStatus::NotSeen => !seen,
        GuideStatus::Completed => completed,
        GuideStatus::NotCompleted => !completed,
        GuideStatus::Dismissed => dismissed,
    }
}

/// Why a rule held or not: the answer to "why didn't my guide show?".
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Trace {
    pub passed: bool,
    pub label: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Trace>,
}

impl Trace {
    pub fn leaf(passed: bool, label: impl Into<String>, detail: impl Into<String>) -> Trace {
        Trace { passed, label: label.into(), detail: detail.into(), children: vec![] }
    }

    /// An indented, human-readable rendering (used by the CLI).
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(0, &mut out);
        out
    }

    fn render_into(&self, depth: usize, out: &mut String) {
        let mark = if self.passed { "✓" } else { "✗" };
        out.push_str(&format!("{}{mark} {} — {}\n", "  ".repeat(depth), self.label, self.detail));
        for c in &self.children {
            c.render_into(depth + 1, out);
        }
    }
}

/// Compiles `rule` with fresh names; handy for tests and one-off checks.
pub fn compile_standalone(rule: &Rule) -> (Compiled, Names) {
    let mut names = Names::default();
    let c = Compiled::compile(rule, &mut names);
    (c, names)
}

/// FNV-1a, 64 bit: stable across platforms and releases (rollout buckets depend on it).
pub fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Final avalanche (splitmix64) so near-identical ids spread evenly.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The user's rollout bucket for a guide, in [0, 100).
pub fn rollout_bucket(user_id: &str, guide_id: &str) -> f64 {
    (stable_hash(&format!("{user_id}\u{1f}{guide_id}")) % 10_000) as f64 / 100.0
}

/// The user's holdout bucket for a guide, 0–100: held out when below the guide's `holdout`.
/// Independent of the rollout bucket and the variant.
pub fn holdout_bucket(user_id: &str, guide_id: &str) -> f64 {
    (stable_hash(&format!("{user_id}\u{1f}{guide_id}\u{1f}holdout")) % 10_000) as f64 / 100.0
}

/// Picks a variant by weight, deterministically.
pub fn pick_variant<'a>(user_id: &str, guide_id: &str, variants: &'a [crate::model::Variant]) -> Option<&'a str> {
    let total: u64 = variants.iter().map(|v| v.weight as u64).sum();
    if total == 0 {
        return None;
    }
    let mut x = stable_hash(&format!("{user_id}\u{1f}{guide_id}\u{1f}variant")) % total;
    for v in variants {
        if x < v.weight as u64 {
            return Some(&v.name);
        }
        x -= v.weight as u64;
    }
    None
}
