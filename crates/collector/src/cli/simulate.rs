//! `guidepost simulate`: would a guide show for a user on a URL, with the rule trace.

use std::path::{Path, PathBuf};

use guidepost_core::{Context, Device, Engine, SchedulerState, Size};

pub fn simulate(id: &str, user: &Path, url: &str, guide_paths: &[PathBuf], now: Option<&str>) -> Result<i32, String> {
    let mut guides = Vec::new();
    for p in guide_paths {
        let (g, problems) = crate::guides::load_dir(p);
        for pr in problems.iter().filter(|p| p.contains("error:")) {
            eprintln!("{pr}");
        }
        guides.extend(g);
    }
    if !guides.iter().any(|g| g.id == id) {
        return Err(format!(
            "no valid guide \"{id}\" in {}",
            guide_paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    let text = std::fs::read_to_string(user).map_err(|e| format!("{}: {e}", user.display()))?;
    let u: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", user.display()))?;
    let now_ms = match now {
        Some(n) => n
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| guidepost_core::dates::parse_date_ms(n))
            .ok_or_else(|| format!("--now: expected an ISO 8601 date or milliseconds, found {n:?}"))?,
        None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0),
    };
    let viewport: Size =
        u.get("viewport").cloned().and_then(|v| serde_json::from_value(v).ok()).unwrap_or(Size { width: 1280.0, height: 800.0 });
    let ctx = Context {
        user_id: u.get("id").and_then(|v| v.as_str()).unwrap_or("simulated-user").to_string(),
        traits: u.get("traits").and_then(|v| v.as_object()).cloned().unwrap_or_default(),
        url: url.to_string(),
        viewport,
        device: Device::from_width(viewport.width),
        locale: u.get("locale").and_then(|v| v.as_str()).unwrap_or("en").to_string(),
        now_ms,
        events: u.get("events").cloned().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default(),
        guides: u.get("guides").and_then(|v| guidepost_core::json::from_value(v).ok()).unwrap_or_default(),
    };
    let state = SchedulerState { history: ctx.guides.clone(), session_id: "simulated".into(), ..Default::default() };
    let engine = Engine::new(guides);
    let ex = engine.explain_guide(id, &ctx, &state).ok_or("guide vanished")?;
    println!("{} {} for user {} on {url}", if ex.eligible { "✓ would show" } else { "✗ would not show" }, id, ctx.user_id);
    print!("{}", ex.trace.render());
    Ok(if ex.eligible { 0 } else { 1 })
}
