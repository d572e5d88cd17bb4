//! Frequency, display budget and the per-user history they read.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::dates::DAY_MS;
use crate::json::{At, FromJson, JsonError, Obj};
use crate::machine::ExitReason;
use crate::model::Frequency;

/// What one user did with one guide. Persisted by the runtime.
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct GuideHistory {
    /// How many times the guide was shown.
    pub seen: u32,
    pub completed: bool,
    pub dismissed: bool,
    pub last_shown_ms: Option<i64>,
    pub last_exit: Option<ExitReason>,
    /// The session in which it was last shown.
    pub last_session: Option<String>,
    /// When the user was first exposed to the guide: shown, or held out. A goal counts
    /// within its window after this.
    pub first_exposed_ms: Option<i64>,
    /// The user is in the guide's control group: never shown automatically.
    pub held_out: bool,
    /// When the guide's goal was reported reached (once per user and guide).
    pub goal_ms: Option<i64>,
}

/// The scheduler's persisted state for one user.
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct SchedulerState {
    pub history: BTreeMap<String, GuideHistory>,
    /// When any guide was last started automatically.
    pub last_shown_ms: Option<i64>,
    /// When any guide was last dismissed.
    pub last_dismissed_ms: Option<i64>,
    pub session_id: String,
}

impl SchedulerState {
    /// Records that a guide started.
    pub fn record_shown(&mut self, guide_id: &str, now_ms: i64) {
        let h = self.history.entry(guide_id.to_string()).or_default();
        h.seen += 1;
        h.last_shown_ms = Some(now_ms);
        h.first_exposed_ms.get_or_insert(now_ms);
        h.last_session = Some(self.session_id.clone());
        self.last_shown_ms = Some(now_ms);
    }

    /// Records that the user was held out of a guide (its control group). This is not a
    /// start: the display budget is untouched.
    pub fn record_held_out(&mut self, guide_id: &str, now_ms: i64) {
        let h = self.history.entry(guide_id.to_string()).or_default();
        h.held_out = true;
        h.first_exposed_ms.get_or_insert(now_ms);
    }

    /// Records how a guide ended.
    pub fn record_exit(&mut self, guide_id: &str, reason: ExitReason, now_ms: i64) {
        let h = self.history.entry(guide_id.to_string()).or_default();
        h.last_exit = Some(reason);
        match reason {
            ExitReason::Completed => h.completed = true,
            ExitReason::Dismissed => {
                h.dismissed = true;
                self.last_dismissed_ms = Some(now_ms);
            }
            _ => {}
        }
    }
}

impl GuideHistory {
    /// Takes in what another tab or frame of the same user recorded for this guide. Both
    /// start from the same stored history and each saves its own whole copy, so without
    /// this the last to save erases the other's: a tour completed in one tab came back.
    /// The merge never forgets a fact (completed, dismissed, held out, a goal reached) and
    /// keeps the earliest first exposure and goal, the latest showing with its exit and
    /// session, and the larger count (a showing in both since the common copy counts once).
    pub fn merge(&mut self, other: &GuideHistory) {
        if other.last_shown_ms > self.last_shown_ms {
            self.last_shown_ms = other.last_shown_ms;
            self.last_exit = other.last_exit;
            self.last_session.clone_from(&other.last_session);
        } else if self.last_exit.is_none() {
            self.last_exit = other.last_exit;
        }
        self.seen = self.seen.max(other.seen);
        self.completed |= other.completed;
        self.dismissed |= other.dismissed;
        self.held_out |= other.held_out;
        self.first_exposed_ms = earliest(self.first_exposed_ms, other.first_exposed_ms);
        self.goal_ms = earliest(self.goal_ms, other.goal_ms);
    }
}

fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl SchedulerState {
    /// Takes in another tab's or frame's copy of the same user's state (see
    /// [`GuideHistory::merge`]); this context's session stays its own.
    pub fn merge(&mut self, other: &SchedulerState) {
        for (id, h) in &other.history {
            self.history.entry(id.clone()).or_default().merge(h);
        }
        self.last_shown_ms = self.last_shown_ms.max(other.last_shown_ms);
        self.last_dismissed_ms = self.last_dismissed_ms.max(other.last_dismissed_ms);
    }
}

/// A global display budget across all guides.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Budget {
    /// At most one new automatically-started guide per this many minutes.
    pub min_minutes_between_guides: f64,
    /// After a dismiss, start nothing automatically for this many minutes.
    pub suppress_minutes_after_dismiss: f64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { min_minutes_between_guides: 0.0, suppress_minutes_after_dismiss: 0.0 }
    }
}

// Every field of the persisted state is optional: a partial or older record still reads.

impl FromJson for GuideHistory {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a guide history object")?;
        Ok(GuideHistory {
            seen: o.or_default("seen")?,
            completed: o.or_default("completed")?,
            dismissed: o.or_default("dismissed")?,
            last_shown_ms: o.opt("last_shown_ms")?,
            last_exit: o.opt("last_exit")?,
            last_session: o.opt("last_session")?,
            first_exposed_ms: o.opt("first_exposed_ms")?,
            held_out: o.or_default("held_out")?,
            goal_ms: o.opt("goal_ms")?,
        })
    }
}

impl FromJson for SchedulerState {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a scheduler state object")?;
        Ok(SchedulerState {
            history: o.or_default("history")?,
            last_shown_ms: o.opt("last_shown_ms")?,
            last_dismissed_ms: o.opt("last_dismissed_ms")?,
            session_id: o.or_default("session_id")?,
        })
    }
}

impl FromJson for Budget {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a budget object")?;
        Ok(Budget {
            min_minutes_between_guides: o.or_default("min_minutes_between_guides")?,
            suppress_minutes_after_dismiss: o.or_default("suppress_minutes_after_dismiss")?,
        })
    }
}

/// Whether the frequency rule allows showing again, and why not.
pub fn frequency_allows(f: &Frequency, h: Option<&GuideHistory>, session_id: &str, now_ms: i64) -> Result<String, String> {
    let Some(h) = h.filter(|h| h.seen > 0) else {
        return Ok("never shown".into());
    };
    match f {
        Frequency::Once => {
            if h.completed || h.dismissed {
                Err(format!("shown once already and {}", if h.completed { "completed" } else { "dismissed" }))
            } else {
                Ok("shown before but never finished: resumes".into())
            }
        }
        Frequency::Times { n } => {
            if h.seen >= *n {
                Err(format!("shown {} of at most {n} times", h.seen))
            } else {
                Ok(format!("shown {} of at most {n} times", h.seen))
            }
        }
        Frequency::Cooldown { days, max } => {
            if let Some(m) = max.filter(|m| h.seen >= *m) {
                return Err(format!("shown {} of at most {m} times", h.seen));
            }
            let since = now_ms - h.last_shown_ms.unwrap_or(i64::MIN / 2);
            let need = *days as i64 * DAY_MS;
            if since < need {
                Err(format!("cooldown: shown {} days ago, needs {days}", crate::num::fixed(since as f64 / DAY_MS as f64, 1)))
            } else {
                Ok(format!("cooldown of {days} days has passed"))
            }
        }
        Frequency::OncePerSession => {
            if h.last_session.as_deref() == Some(session_id) {
                Err("already shown in this session".into())
            } else {
                Ok("not yet shown in this session".into())
            }
        }
    }
}

/// Whether the global budget allows starting a guide now, and why not.
pub fn budget_allows(b: &Budget, s: &SchedulerState, now_ms: i64) -> Result<String, String> {
    let minute = 60_000.0;
    if let Some(t) = s.last_dismissed_ms {
        let mins = (now_ms - t) as f64 / minute;
        if mins < b.suppress_minutes_after_dismiss {
            return Err(format!(
                "a guide was dismissed {} minutes ago; suppressed for {} minutes",
                crate::num::fixed(mins, 1),
                crate::num::show(b.suppress_minutes_after_dismiss)
            ));
        }
    }
    if let Some(t) = s.last_shown_ms {
        let mins = (now_ms - t) as f64 / minute;
        if mins < b.min_minutes_between_guides {
            return Err(format!(
                "a guide started {} minutes ago; budget is one per {} minutes",
                crate::num::fixed(mins, 1),
                crate::num::show(b.min_minutes_between_guides)
            ));
        }
    }
    Ok("within the display budget".into())
}
