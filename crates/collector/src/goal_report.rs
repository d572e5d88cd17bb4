//! Goal reports: the guide's goal (from the guide store, else the guides directory), the
//! store's counts for it, and core's report (conversion per group, lift, verdict, series).

use crate::store::{FunnelQuery, Store};
use guidepost_core::goals::{GoalReport, GoalSlice};
use guidepost_core::json::{At, FromJson};
use guidepost_core::Goal;
use serde::Serialize;

/// A guide's goal report, with the goal it measured (`None`: the guide names no goal; the
/// exposures are still counted, with the default window).
#[derive(Serialize, Debug)]
pub struct GoalAnswer {
    pub goal: Option<Goal>,
    #[serde(flatten)]
    pub report: GoalReport,
}

/// The goal of guide `id`: as production serves it, else staging, else its draft, else the
/// guides directory's copy (`dir_guides`, the JSON array `/guides.json` serves).
pub fn goal_of(store: &dyn Store, dir_guides: Option<&[u8]>, id: &str) -> Option<Goal> {
    let v = crate::labels::guide_json(store, dir_guides, id)?;
    v.get("goal").and_then(|g| Goal::from_json(g, At::Root("$.goal")).ok())
}

/// The goal report of `q`'s guide over `q`'s dates and version (its variant filter does not
/// apply: the report compares every group).
pub fn goal_report(store: &dyn Store, dir_guides: Option<&[u8]>, q: &FunnelQuery) -> Result<GoalAnswer, String> {
    let goal = goal_of(store, dir_guides, &q.guide_id);
    let within_days = goal.as_ref().map_or(7, |g| g.within_days);
    let slice = GoalSlice { from_ms: q.from_ms, to_ms: q.to_ms, version: q.version };
    let counts = store.goals(&q.guide_id, &slice, within_days)?;
    Ok(GoalAnswer { goal, report: GoalReport::from_counts(&q.guide_id, within_days, &counts) })
}

/// The goal section of `guidepost report`.
pub fn render_goal(a: &GoalAnswer) -> String {
    let r = &a.report;
    let what = match &a.goal {
        Some(Goal { event: Some(e), .. }) => format!("event \"{e}\""),
        Some(Goal { url: Some(u), .. }) => format!("url {u}"),
        _ => "none set (exposures only)".to_string(),
    };
    let mut out = format!("\nGoal: {what}, within {} days of the first exposure\n", r.within_days);
    if r.groups.is_empty() {
        out.push_str("  no user was shown or held out yet\n");
        return out;
    }
    out.push_str(&format!("  {:<16} {:>9} {:>10} {:>8}  {}\n", "group", "exposed", "converted", "rate", "95% interval"));
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.1}%", x * 100.0));
    for g in &r.groups {
        out.push_str(&format!(
            "  {:<16} {:>9} {:>10} {:>8}  {} to {}\n",
            g.group,
            g.exposed_users,
            g.converted_users,
            pct(g.rate),
            pct(g.low),
            pct(g.high)
        ));
    }
    for c in &r.comparisons {
        let lift = match c.comparison.absolute {
            Some(d) => format!("{:+.1} points (95% CI {:+.1} to {:+.1})", d.estimate * 100.0, d.low * 100.0, d.high * 100.0),
            None => "no estimate".to_string(),
        };
        let rel = c
            .comparison
            .relative
            .map(|x| format!(", relative {:+.0}% ({:+.0}% to {:+.0}%)", x.estimate * 100.0, x.low * 100.0, x.high * 100.0))
            .unwrap_or_default();
        let missing = match c.comparison.verdict {
            guidepost_core::experiment::Verdict::NotEnoughData { missing } => format!(" ({missing} more outcomes needed)"),
            _ => String::new(),
        };
        out.push_str(&format!("  {} vs {}: {lift}{rel}: {}{missing}\n", c.group, c.baseline, c.says));
    }
    out
}
