//! Numbers as text, without core's float formatting and parsing machinery.
//!
//! `format!("{x}")` on an `f64` and `str::parse::<f64>` each pull a large float algorithm
//! and its tables into the browser bundle. serde_json already carries a shortest
//! round-trip float writer and a JSON number reader, so numbers shown to people (traces,
//! reasons, CSS pixels) and numbers read from trait strings go through these instead.
//! Core and the runtime use only this module to turn floats into text and back.

use serde_json::{Number, Value};

/// The shortest text that reads back as `x`: whole numbers without a fraction (`3`),
/// others as serde_json writes them (`0.25`, `1e-7`, `1e+21`).
pub fn show(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        return (x as i64).to_string();
    }
    match Number::from_f64(x) {
        Some(n) => n.to_string(),
        None if x.is_nan() => "NaN".into(),
        None if x > 0.0 => "inf".into(),
        None => "-inf".into(),
    }
}

/// `x` rounded to `places` decimals, trailing zeros dropped: `rounded(1.005, 2)` is `1`,
/// `rounded(12.345, 1)` is `12.3`.
pub fn rounded(x: f64, places: i32) -> String {
    let p = 10f64.powi(places);
    show((x * p).round() / p)
}

/// `x` with exactly `places` decimals (`fixed(2.5, 2)` is `2.50`), for figures shown in
/// columns. Values past ±9e15 after scaling are shown as [`show`] would.
pub fn fixed(x: f64, places: u32) -> String {
    let p = 10i64.pow(places);
    let scaled = (x * p as f64).round();
    if !scaled.is_finite() || scaled.abs() >= 9e15 || places == 0 {
        return show(scaled / p as f64);
    }
    let s = scaled as i64;
    let (int, frac) = (s.abs() / p, s.abs() % p);
    let sign = if s < 0 { "-" } else { "" };
    format!("{sign}{int}.{frac:0width$}", width = places as usize)
}

/// Reads a number written the way JSON writes one (`42`, `-3.5`, `1e3`), with
/// surrounding whitespace allowed. Anything else, including `+1`, `.5`, `inf` and
/// `NaN`, is not a number.
pub fn parse(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')) {
        return None;
    }
    match serde_json::from_str::<Value>(s) {
        Ok(Value::Number(n)) => n.as_f64(),
        _ => None,
    }
}
