//! Plain-language summaries of a guide's targeting, as the targeting builder shows them.
//! Pure: reads the guide's JSON value.

use serde_json::Value;

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => format!("\"{s}\""),
        Some(Value::Array(a)) => a.iter().map(|x| text(Some(x))).collect::<Vec<_>>().join(", "),
        Some(other) => other.to_string(),
        None => "…".into(),
    }
}

fn op_words(op: &str) -> &'static str {
    match op {
        "eq" => "is",
        "ne" => "is not",
        "in" => "is one of",
        "not_in" => "is none of",
        "contains" => "contains",
        "starts_with" => "starts with",
        "gt" => "is more than",
        "gte" => "is at least",
        "lt" => "is less than",
        "lte" => "is at most",
        "between" => "is between",
        "exists" => "is set",
        "not_exists" => "is not set",
        "within_days" => "is within the last (days)",
        "more_than_days_ago" => "is more than (days) ago",
        _ => "?",
    }
}

fn count_words(op: &str) -> &'static str {
    match op {
        "eq" => "exactly",
        "ne" => "not exactly",
        "gt" => "more than",
        "gte" => "at least",
        "lt" => "fewer than",
        "lte" => "at most",
        _ => "?",
    }
}

/// One rule in words; nested groups in parentheses.
pub fn rule(v: &Value) -> String {
    let group = |items: &Value, joiner: &str, empty: &str| {
        let parts: Vec<String> = items.as_array().into_iter().flatten().map(rule).collect();
        match parts.len() {
            0 => empty.to_string(),
            1 => parts[0].clone(),
            _ => format!("({})", parts.join(joiner)),
        }
    };
    if let Some(a) = v.get("all") {
        return group(a, " and ", "everyone");
    }
    if let Some(a) = v.get("any") {
        return group(a, " or ", "no one");
    }
    if let Some(n) = v.get("not") {
        return format!("not {}", rule(n));
    }
    if let Some(t) = v.get("trait").and_then(Value::as_str) {
        let op = v.get("op").and_then(Value::as_str).unwrap_or("");
        return match op {
            "exists" | "not_exists" => format!("{t} {}", op_words(op)),
            "within_days" => format!("{t} is within the last {} days", text(v.get("value"))),
            "more_than_days_ago" => format!("{t} is more than {} days ago", text(v.get("value"))),
            _ => format!("{t} {} {}", op_words(op), text(v.get("value"))),
        };
    }
    if let Some(u) = v.get("url").and_then(Value::as_str) {
        let how = if v.get("match").and_then(Value::as_str) == Some("prefix") { "starts with" } else { "is" };
        return format!("page {how} {u}");
    }
    if let Some(e) = v.get("event").and_then(Value::as_str) {
        let op = v.get("op").and_then(Value::as_str).unwrap_or("gte");
        let n = v.get("count").and_then(Value::as_u64).unwrap_or(0);
        let within = v.get("within_days").and_then(Value::as_u64).map(|d| format!(" in the last {d} days")).unwrap_or_default();
        return format!("did {e} {} {n} times{within}", count_words(op));
    }
    if let Some(d) = v.get("device").and_then(Value::as_str) {
        return format!("device is {d}");
    }
    if let Some(vp) = v.get("viewport") {
        let mut parts = vec![];
        for (f, w) in [("min_width", "width ≥"), ("max_width", "width ≤"), ("min_height", "height ≥"), ("max_height", "height ≤")] {
            if let Some(x) = vp.get(f) {
                parts.push(format!("{w} {x}"));
            }
        }
        return format!("viewport {}", if parts.is_empty() { "any".into() } else { parts.join(", ") });
    }
    if let Some(l) = v.get("locale") {
        return format!("locale is {}", text(Some(l)));
    }
    if let Some(g) = v.get("guide").and_then(Value::as_str) {
        let status = v.get("status").and_then(Value::as_str).unwrap_or("?").replace('_', " ");
        return format!("guide {g} was {status}");
    }
    "an unknown condition".into()
}

/// The whole targeting of a guide in one sentence.
pub fn guide(g: &Value) -> String {
    let who = g.get("audience").map(rule).unwrap_or_else(|| "everyone".into());
    let when = match g.pointer("/trigger/type").and_then(Value::as_str) {
        Some("event") => format!("when the app tracks {}", g.pointer("/trigger/name").and_then(Value::as_str).unwrap_or("…")),
        Some("manual") => "only when started by code".into(),
        _ => "on a page view".into(),
    };
    let how_often = match g.pointer("/frequency/type").and_then(Value::as_str) {
        Some("times") => format!("at most {} times", g.pointer("/frequency/n").and_then(Value::as_u64).unwrap_or(1)),
        Some("cooldown") => format!("again after {} days", g.pointer("/frequency/days").and_then(Value::as_u64).unwrap_or(0)),
        Some("once_per_session") => "once per session".into(),
        _ => "once".into(),
    };
    let rollout = g.pointer("/rollout/percent").and_then(Value::as_f64).map(|p| format!(", to {p}% of them")).unwrap_or_default();
    // An empty audience is read as who it is ("Shows to everyone"), not as a condition.
    let whom = if who == "everyone" || who == "no one" { who } else { format!("users where {who}") };
    format!("Shows to {whom}{rollout}, {when}, {how_often}.")
}
