//! Reading typed values out of parsed JSON, naming the JSON path of every problem.
//!
//! This is the one way guides, rules and the runtime's persisted state are read
//! (the CLI, the collector and the browser alike). It replaces serde's derived
//! `Deserialize` for these types: every derived visitor is instantiated again for
//! each deserialiser it meets, which made up a third of the browser bundle, and
//! serde's errors carry no path. Here a path is only built when an error needs it.
//!
//! Types implement [`FromJson`]; objects are read through [`Obj`]. Writing stays
//! with serde's `Serialize`; round-trip tests keep both sides in agreement.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::names::did_you_mean;

/// A problem at a JSON path, e.g. `$[0].steps[2].placement`.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonError {
    pub path: String,
    pub message: String,
}

/// Where a value sits in the document. Built on the stack while reading and
/// rendered to a string only for an error.
#[derive(Clone, Copy, Debug)]
pub enum At<'a> {
    Root(&'a str),
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl<'a> At<'a> {
    pub fn key(&'a self, k: &'a str) -> At<'a> {
        At::Key(self, k)
    }

    pub fn index(&'a self, i: usize) -> At<'a> {
        At::Index(self, i)
    }

    pub fn path(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }

    fn write(&self, s: &mut String) {
        match self {
            At::Root(r) => s.push_str(r),
            At::Key(p, k) => {
                p.write(s);
                s.push('.');
                s.push_str(k);
            }
            At::Index(p, i) => {
                p.write(s);
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }

    pub fn error(&self, message: impl Into<String>) -> JsonError {
        JsonError { path: self.path(), message: message.into() }
    }

    pub fn wrong_type(&self, v: &Value, expected: &str) -> JsonError {
        self.error(format!("wrong type: found {}, expected {expected}", found(v)))
    }
}

/// How a value is named in an error: its kind, and the value itself when short.
pub fn found(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) if s.chars().count() <= 40 => format!("string {}", Value::String(s.clone())),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A value that can be read from JSON.
pub trait FromJson: Sized {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError>;
}

/// Reads `T` from a whole document; errors are rooted at `$`.
pub fn from_value<T: FromJson>(v: &Value) -> Result<T, JsonError> {
    T::from_json(v, At::Root("$"))
}

/// Parses JSON text and reads `T` from it.
pub fn from_str<T: FromJson>(text: &str) -> Result<T, JsonError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| JsonError { path: "$".into(), message: format!("invalid JSON at line {}, column {}: {e}", e.line(), e.column()) })?;
    from_value(&v)
}

impl FromJson for Value {
    fn from_json(v: &Value, _: At) -> Result<Self, JsonError> {
        Ok(v.clone())
    }
}

impl FromJson for String {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        v.as_str().map(str::to_string).ok_or_else(|| at.wrong_type(v, "a string"))
    }
}

impl FromJson for bool {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        v.as_bool().ok_or_else(|| at.wrong_type(v, "true or false"))
    }
}

impl FromJson for f64 {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        v.as_f64().ok_or_else(|| at.wrong_type(v, "a number"))
    }
}

/// Reads a whole number within `min..=max`.
fn integer(v: &Value, at: At, min: i64, max: i64) -> Result<i64, JsonError> {
    let expected = if min >= 0 { "a whole number, 0 or more" } else { "a whole number" };
    let Value::Number(n) = v else { return Err(at.wrong_type(v, expected)) };
    match n.as_i64() {
        Some(i) if (min..=max).contains(&i) => Ok(i),
        None if n.as_u64().is_none() => Err(at.wrong_type(v, expected)),
        _ => Err(at.error(format!("number {n} out of range: expected {min} to {max}"))),
    }
}

impl FromJson for i64 {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        integer(v, at, i64::MIN, i64::MAX)
    }
}

impl FromJson for i32 {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        integer(v, at, i32::MIN.into(), i32::MAX.into()).map(|n| n as i32)
    }
}

impl FromJson for u32 {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        integer(v, at, 0, u32::MAX.into()).map(|n| n as u32)
    }
}

impl FromJson for u64 {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        match v.as_u64() {
            Some(n) => Ok(n),
            None => integer(v, at, 0, i64::MAX).map(|n| n as u64),
        }
    }
}

impl FromJson for usize {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        integer(v, at, 0, u32::MAX.into()).map(|n| n as usize)
    }
}

/// `null` reads as `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        match v {
            Value::Null => Ok(None),
            _ => T::from_json(v, at).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let a = v.as_array().ok_or_else(|| at.wrong_type(v, "an array"))?;
        a.iter().enumerate().map(|(i, x)| T::from_json(x, at.index(i))).collect()
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = v.as_object().ok_or_else(|| at.wrong_type(v, "an object"))?;
        // One insert per key: collecting would sort the (already unique) keys again,
        // which costs a stable sort per `T` in the bundle.
        let mut out = BTreeMap::new();
        for (k, x) in o {
            out.insert(k.clone(), T::from_json(x, at.key(k))?);
        }
        Ok(out)
    }
}

impl FromJson for Map<String, Value> {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        v.as_object().cloned().ok_or_else(|| at.wrong_type(v, "an object"))
    }
}

/// Reads a name from a fixed table, e.g. `("snake_case", Variant)`.
pub fn one_of<T: Copy>(v: &Value, at: At, table: &[(&str, T)]) -> Result<T, JsonError> {
    let s = v.as_str().ok_or_else(|| at.wrong_type(v, "a string"))?;
    table.iter().find(|(n, _)| *n == s).map(|(_, t)| *t).ok_or_else(|| unknown_variant(at, s, table.iter().map(|(n, _)| *n)))
}

/// Reads a name among all values of an enum with a naming function.
pub fn named<T: Copy>(v: &Value, at: At, all: &[T], name: fn(T) -> &'static str) -> Result<T, JsonError> {
    let s = v.as_str().ok_or_else(|| at.wrong_type(v, "a string"))?;
    all.iter().copied().find(|t| name(*t) == s).ok_or_else(|| unknown_variant(at, s, all.iter().map(|t| name(*t))))
}

fn unknown_variant<'n>(at: At, s: &str, names: impl Iterator<Item = &'n str>) -> JsonError {
    let names: Vec<&str> = names.collect();
    let hint = did_you_mean(s, &names).map(|n| format!("; did you mean `{n}`?")).unwrap_or_default();
    at.error(format!("unknown variant `{s}`, expected one of {}{hint}", quoted_list(&names)))
}

/// "`a`, `b`, `c`": the names an error offers.
fn quoted_list(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// An object being read field by field.
pub struct Obj<'v, 'a> {
    pub map: &'v Map<String, Value>,
    pub at: At<'a>,
}

impl<'v, 'a> Obj<'v, 'a> {
    /// `what` names the object in the error, e.g. "a step object".
    pub fn new(v: &'v Value, at: At<'a>, what: &str) -> Result<Self, JsonError> {
        match v.as_object() {
            Some(map) => Ok(Obj { map, at }),
            None => Err(at.wrong_type(v, what)),
        }
    }

    pub fn get(&self, k: &str) -> Option<&'v Value> {
        self.map.get(k)
    }

    /// A required field.
    pub fn req<T: FromJson>(&self, k: &str) -> Result<T, JsonError> {
        T::from_json(self.required(k)?, self.at.key(k))
    }

    /// An optional field; absent and `null` read as `None`.
    pub fn opt<T: FromJson>(&self, k: &str) -> Result<Option<T>, JsonError> {
        self.present(k).map(|v| T::from_json(v, self.at.key(k))).transpose()
    }

    // The lookups behind `req` and `opt`, kept out of line so each field type does not
    // carry its own copy of the map search and the error text.
    #[inline(never)]
    fn required(&self, k: &str) -> Result<&'v Value, JsonError> {
        self.map.get(k).ok_or_else(|| self.at.error(format!("missing required field `{k}`")))
    }

    #[inline(never)]
    fn present(&self, k: &str) -> Option<&'v Value> {
        self.map.get(k).filter(|v| !v.is_null())
    }

    /// A field with a default.
    pub fn or<T: FromJson>(&self, k: &str, default: T) -> Result<T, JsonError> {
        Ok(self.opt(k)?.unwrap_or(default))
    }

    pub fn or_default<T: FromJson + Default>(&self, k: &str) -> Result<T, JsonError> {
        Ok(self.opt(k)?.unwrap_or_default())
    }

    /// The field (`type`, `on`, ...) that selects a variant of a tagged object; one of `names`.
    pub fn tag(&self, k: &str, names: &[&str]) -> Result<&'v str, JsonError> {
        let v = self.required(k)?;
        let s = v.as_str().ok_or_else(|| self.at.key(k).wrong_type(v, "a string"))?;
        match names.contains(&s) {
            true => Ok(s),
            false => Err(unknown_variant(self.at.key(k), s, names.iter().copied())),
        }
    }

    /// Fails on a field not in `known`.
    pub fn only(&self, known: &[&str]) -> Result<(), JsonError> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(self.at.key(k).error(format!("unknown field `{k}`, expected one of {}", quoted_list(known)))),
            None => Ok(()),
        }
    }
}
