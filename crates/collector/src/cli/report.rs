//! `guidepost report`: a guide's funnel and goal report from the local database.

use std::path::Path;

use crate::server::FunnelParams;
use crate::store::{SqliteStore, Store};

/// `--to 2026-11-23` includes that day: the HTTP API's parser (`FunnelParams`).
#[allow(clippy::too_many_arguments)]
pub fn report(
    guide: &str,
    db: &Path,
    from: Option<String>,
    to: Option<String>,
    version: Option<u32>,
    variant: Option<String>,
    json: bool,
    guides: &Path,
) -> Result<i32, String> {
    if !db.exists() {
        return Err(format!("no database at {}", db.display()));
    }
    let store = SqliteStore::open(db)?;
    // The HTTP API's parser: `--to 2026-11-23` includes that day.
    let params = FunnelParams { key: None, from, to, version: version.map(|v| v.to_string()), variant };
    let q = params.to_query(guide).map_err(|e| format!("--{e}"))?;
    let r = store.funnel(&q)?;
    let dir = guides_json(guides);
    let goals = crate::goal_report::goal_report(&store, dir.as_deref(), &q)?;
    if json {
        let both = serde_json::json!({ "funnel": r, "goals": goals });
        println!("{}", serde_json::to_string_pretty(&both).map_err(|e| e.to_string())?);
    } else {
        print!("{}", render_funnel(&r));
        print!("{}", crate::goal_report::render_goal(&goals));
    }
    Ok(0)
}

/// A terminal table of a funnel.
pub fn render_funnel(r: &guidepost_core::FunnelReport) -> String {
    let mut s =
        format!("guide {}: {} shown, {} completed ({:.1}%)\n", r.guide_id, r.shown_users, r.completed_users, r.completion_rate * 100.0);
    s.push_str(&format!(
        "{:<4} {:<18} {:>8} {:>10} {:>8} {:>7} {:>9}  {}\n",
        "#", "step", "viewed", "completed", "dropped", "rate", "median", "why they left"
    ));
    for st in &r.steps {
        let reasons: Vec<String> = st.drop_reasons.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let median = st.median_ms.map(|m| format!("{:.1}s", m as f64 / 1000.0)).unwrap_or_else(|| "-".into());
        let bar = "█".repeat(((1.0 - st.drop_rate) * 10.0).round() as usize);
        s.push_str(&format!(
            "{:<4} {:<18} {:>8} {:>10} {:>8} {:>6.1}% {:>9}  {} {}\n",
            st.step_index + 1,
            st.step_id,
            st.viewed_users,
            st.completed_users,
            st.dropped_users,
            st.drop_rate * 100.0,
            median,
            reasons.join(", "),
            bar
        ));
        if st.target_missing_sessions > 0 {
            s.push_str(&format!(
                "     health: target missing in {} of {} sessions ({:.1}%) — a broken guide, not a drop-off\n",
                st.target_missing_sessions,
                st.sessions,
                st.target_missing_rate * 100.0
            ));
        }
    }
    if let Some(sv) = &r.survey {
        s.push_str(&format!("survey: {} responses", sv.responses));
        if let Some(n) = sv.nps {
            s.push_str(&format!(", NPS {n:+.1}"));
        }
        s.push('\n');
    }
    s
}

/// The valid guides of a directory as the JSON array `/guides.json` serves; `None` when
/// there is no such directory.
fn guides_json(dir: &Path) -> Option<Vec<u8>> {
    dir.exists().then(|| serde_json::to_vec(&crate::guides::load_dir(dir).0).ok()).flatten()
}
