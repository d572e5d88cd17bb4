//! The guide state machine: a pure transition `(state, input) -> (state, effects)`.
//!
//! Nothing here reads a clock, the DOM or storage: `now_ms` is an argument and
//! every side effect is returned as an [`Effect`] for the runtime to carry out.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::analytics::{EventKind, RecordDraft, SurveyAnswer};
use crate::json::{named, At, FromJson, JsonError, Obj};
use crate::model::{Advance, ButtonAction, Guide, OnMissing, StepKind};
use crate::rules::{NormalUrl, UrlMatch, UrlPattern};

/// Whether `url` completes a step that advances on reaching a URL.
fn reached(advance: &Advance, url: &str) -> bool {
    match advance {
        Advance::Url { pattern } => UrlPattern::compile(pattern, UrlMatch::Exact, pattern.contains('?')).matches_url(&NormalUrl::new(url)),
        _ => false,
    }
}

/// Bumped when the serialised [`TourState`] changes shape.
pub const STATE_VERSION: u32 = 1;

/// Default wait for a step's target, in milliseconds.
pub const DEFAULT_WAIT_MS: u32 = 3000;

/// Why a guide ended. Every exit has one.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    Completed,
    /// Close button, Esc or a backdrop click.
    Dismissed,
    TargetMissing,
    NavigatedAway,
    Timeout,
    /// Another guide of higher priority took its place.
    Displaced,
    /// The host signed another user in (`identify` with a different id) or out (`reset`).
    UserChanged,
}

impl ExitReason {
    pub const ALL: [ExitReason; 7] = [
        ExitReason::Completed,
        ExitReason::Dismissed,
        ExitReason::TargetMissing,
        ExitReason::NavigatedAway,
        ExitReason::Timeout,
        ExitReason::Displaced,
        ExitReason::UserChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::Completed => "completed",
            ExitReason::Dismissed => "dismissed",
            ExitReason::TargetMissing => "target_missing",
            ExitReason::NavigatedAway => "navigated_away",
            ExitReason::Timeout => "timeout",
            ExitReason::Displaced => "displaced",
            ExitReason::UserChanged => "user_changed",
        }
    }

    pub fn parse(s: &str) -> Option<ExitReason> {
        ExitReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Where the current step is.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Waiting for the step's target element.
    Locating {
        since_ms: i64,
    },
    /// The step is on screen; `centered` when its target was missing and `on_missing` is `center`.
    Showing {
        centered: bool,
    },
    Ended {
        reason: ExitReason,
    },
}

/// A running guide. Serialisable so a reload or a page change resumes at the same step.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct TourState {
    pub version: u32,
    pub guide_id: String,
    pub guide_version: u32,
    #[serde(default)]
    pub variant: Option<String>,
    pub step: usize,
    /// The id of `step`, so a resume after the guide was edited finds the same step.
    pub step_id: String,
    pub phase: Phase,
    /// Steps visited before this one, for Back.
    #[serde(default)]
    pub trail: Vec<usize>,
    pub started_ms: i64,
    pub step_started_ms: i64,
    /// Checklist items ticked so far.
    #[serde(default)]
    pub checklist_done: Vec<String>,
    /// The step was on screen when the page changed and its target is being looked for
    /// on the new page: if it is not there, the user navigated away (not a broken guide).
    #[serde(default)]
    pub after_navigation: bool,
    /// The step was on screen and its target vanished (a re-render replaced it, a
    /// transition swapped it): it is looked for again, and found, it is the same view going
    /// on (no second `step_viewed`, its time on screen keeps counting).
    #[serde(default)]
    pub refinding: bool,
    /// When the page last changed while the step was on screen. A single-page app changes
    /// its URL a moment before it takes the old view down, so the old target is found
    /// again on the "new page" and only then vanishes: vanishing within
    /// [`NAVIGATION_SETTLE_MS`] of the change is still the user going elsewhere. Forgotten
    /// when the target found after the change is another element
    /// ([`Input::TargetFoundAnew`]).
    #[serde(default)]
    pub navigated_ms: Option<i64>,
    /// The step was entered by Back, and its target is being looked for: a target that is
    /// not there (an item of a dropdown the user has closed since) sends Back on to the
    /// step before, not the guide to its end.
    #[serde(default)]
    pub going_back: bool,
}

/// How long a step entered by Back waits for its target.
pub const BACK_WAIT_MS: u32 = 1000;

/// How long after a change of the page a shown step's target that vanishes counts as left
/// behind by the user (`navigated_away`), not broken (`target_missing`).
pub const NAVIGATION_SETTLE_MS: i64 = 2000;

impl FromJson for ExitReason {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        named(v, at, &ExitReason::ALL, ExitReason::as_str)
    }
}

impl FromJson for Phase {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a phase object")?;
        Ok(match o.tag("phase", &["locating", "showing", "ended"])? {
            "locating" => Phase::Locating { since_ms: o.req("since_ms")? },
            "showing" => Phase::Showing { centered: o.req("centered")? },
            _ => Phase::Ended { reason: o.req("reason")? },
        })
    }
}

impl FromJson for TourState {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a tour state object")?;
        Ok(TourState {
            version: o.req("version")?,
            guide_id: o.req("guide_id")?,
            guide_version: o.req("guide_version")?,
            variant: o.opt("variant")?,
            step: o.req("step")?,
            step_id: o.req("step_id")?,
            phase: o.req("phase")?,
            trail: o.or_default("trail")?,
            started_ms: o.req("started_ms")?,
            step_started_ms: o.req("step_started_ms")?,
            checklist_done: o.or_default("checklist_done")?,
            after_navigation: o.or_default("after_navigation")?,
            refinding: o.or_default("refinding")?,
            navigated_ms: o.opt("navigated_ms")?,
            going_back: o.or_default("going_back")?,
        })
    }
}

/// What can happen to a running guide.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Input {
    /// Re-enter the current step after a reload or a page change.
    /// The saved state is picked up again after a reload or a full page load, on `url`.
    Resume {
        url: String,
    },
    PageView {
        url: String,
    },
    Event {
        name: String,
    },
    TargetFound,
    /// Found, and another element than the one the step was shown on before the page
    /// changed: the new page's own, so a later loss is no longer the old view going.
    TargetFoundAnew,
    TargetMissing,
    TargetClicked,
    /// A click on the button at this index of the current step.
    Button {
        index: usize,
    },
    Next,
    Back,
    Escape,
    Close,
    BackdropClick,
    Timeout,
    NavigatedAway,
    Displaced,
    /// The host switched or forgot the user.
    UserChanged,
    SurveyAnswer {
        answer: SurveyAnswer,
    },
}

/// What the runtime must do.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// Find the step's target, waiting up to `timeout_ms`; answer with TargetFound or TargetMissing.
    Locate {
        step: usize,
        timeout_ms: u32,
    },
    /// Render the step (centred when its target is missing).
    Show {
        step: usize,
        centered: bool,
    },
    /// Remove the guide's UI.
    Hide,
    /// Emit an analytics record.
    Record(RecordDraft),
    /// Save the state (progress) to storage.
    Persist,
    Ended {
        reason: ExitReason,
    },
    OpenUrl {
        url: String,
    },
}

impl TourState {
    /// Starts a guide: records `guide_shown` and enters the first step.
    /// Starts `guide` at step `index`, as if the steps before it had been walked in order
    /// (they are the trail Back goes through): the designer's preview of a step shows it
    /// with the buttons a user who reached it would get. An index past the end is the last step.
    pub fn start_at(guide: &Guide, index: usize, now_ms: i64) -> (TourState, Vec<Effect>) {
        let (mut s, mut fx) = TourState::start(guide, None, now_ms);
        let index = index.min(guide.steps.len().saturating_sub(1));
        if index > 0 {
            fx.retain(|e| matches!(e, Effect::Record(d) if d.kind == EventKind::GuideShown));
            s.trail = (0..index).collect();
            s.enter(guide, index, now_ms, &mut fx);
        }
        (s, fx)
    }

    pub fn start(guide: &Guide, variant: Option<String>, now_ms: i64) -> (TourState, Vec<Effect>) {
        let mut s = TourState {
            version: STATE_VERSION,
            guide_id: guide.id.clone(),
            guide_version: guide.version,
            variant,
            step: 0,
            step_id: guide.steps.first().map(|s| s.id.clone()).unwrap_or_default(),
            phase: Phase::Locating { since_ms: now_ms },
            trail: vec![],
            started_ms: now_ms,
            step_started_ms: now_ms,
            checklist_done: vec![],
            after_navigation: false,
            refinding: false,
            navigated_ms: None,
            going_back: false,
        };
        let mut fx = vec![Effect::Record(draft(EventKind::GuideShown, None, None))];
        if guide.steps.is_empty() {
            s.finish(guide, ExitReason::Completed, now_ms, &mut fx);
        } else {
            s.enter(guide, 0, now_ms, &mut fx);
        }
        (s, fx)
    }

    pub fn is_ended(&self) -> bool {
        matches!(self.phase, Phase::Ended { .. })
    }

    fn enter(&mut self, guide: &Guide, index: usize, now_ms: i64, fx: &mut Vec<Effect>) {
        let Some(step) = guide.steps.get(index) else {
            return self.finish(guide, ExitReason::Completed, now_ms, fx);
        };
        self.step = index;
        self.step_id = step.id.clone();
        self.step_started_ms = now_ms;
        self.after_navigation = false;
        self.refinding = false;
        self.navigated_ms = None;
        self.going_back = false;
        if step.target.is_some() {
            self.phase = Phase::Locating { since_ms: now_ms };
            fx.push(Effect::Locate { step: index, timeout_ms: step.wait_ms.unwrap_or(DEFAULT_WAIT_MS) });
            fx.push(Effect::Persist);
        } else {
            self.show(guide, false, now_ms, fx);
        }
    }

    /// Enters `index` by Back: its target is given [`BACK_WAIT_MS`] at most (it is there, or
    /// it was in something the user has closed since), and missing, Back goes on.
    fn enter_back(&mut self, guide: &Guide, index: usize, now_ms: i64, fx: &mut Vec<Effect>) {
        let from = fx.len();
        self.enter(guide, index, now_ms, fx);
        if matches!(self.phase, Phase::Locating { .. }) {
            self.going_back = true;
            for e in &mut fx[from..] {
                if let Effect::Locate { timeout_ms, .. } = e {
                    *timeout_ms = (*timeout_ms).min(BACK_WAIT_MS);
                }
            }
        }
    }

    fn show(&mut self, guide: &Guide, centered: bool, now_ms: i64, fx: &mut Vec<Effect>) {
        self.phase = Phase::Showing { centered };
        self.after_navigation = false;
        self.going_back = false;
        fx.push(Effect::Show { step: self.step, centered });
        if !std::mem::take(&mut self.refinding) {
            self.step_started_ms = now_ms;
            fx.push(Effect::Record(self.step_draft(guide, EventKind::StepViewed)));
        }
        fx.push(Effect::Persist);
    }

    fn step_draft(&self, guide: &Guide, kind: EventKind) -> RecordDraft {
        let id = guide.steps.get(self.step).map(|s| s.id.clone());
        draft(kind, id, Some(self.step as u32))
    }

    fn duration(&self, now_ms: i64) -> Option<u64> {
        Some(now_ms.saturating_sub(self.step_started_ms).max(0) as u64)
    }

    /// Ends the guide with a reason, recording the matching exit event.
    fn finish(&mut self, guide: &Guide, reason: ExitReason, now_ms: i64, fx: &mut Vec<Effect>) {
        let kind = match reason {
            ExitReason::Completed => EventKind::GuideCompleted,
            ExitReason::Dismissed => EventKind::GuideDismissed,
            _ => EventKind::GuideAbandoned,
        };
        let mut d = self.step_draft(guide, kind);
        d.reason = Some(reason);
        d.duration_ms = self.duration(now_ms);
        if guide.steps.is_empty() {
            d.step_id = None;
            d.step_index = None;
        }
        self.phase = Phase::Ended { reason };
        fx.push(Effect::Hide);
        fx.push(Effect::Record(d));
        fx.push(Effect::Persist);
        fx.push(Effect::Ended { reason });
    }

    /// Completes the current step and moves to `to` (or the branch / next step).
    fn complete_step(&mut self, guide: &Guide, to: Option<usize>, answer: Option<&SurveyAnswer>, now_ms: i64, fx: &mut Vec<Effect>) {
        let mut d = self.step_draft(guide, EventKind::StepCompleted);
        d.duration_ms = self.duration(now_ms);
        fx.push(Effect::Record(d));
        let next = to.or_else(|| self.branch_target(guide, answer)).unwrap_or(self.step + 1);
        if next >= guide.steps.len() {
            self.finish(guide, ExitReason::Completed, now_ms, fx);
        } else {
            self.trail.push(self.step);
            self.checklist_done.clear();
            self.enter(guide, next, now_ms, fx);
        }
    }

    fn branch_target(&self, guide: &Guide, answer: Option<&SurveyAnswer>) -> Option<usize> {
        let step = guide.steps.get(self.step)?;
        step.branch
            .iter()
            .find(|b| match (&b.when, answer) {
                (None, _) => true,
                (Some(w), Some(a)) => {
                    w.score_min.is_none_or(|m| a.score.is_some_and(|s| s >= m))
                        && w.score_max.is_none_or(|m| a.score.is_some_and(|s| s <= m))
                        && w.choice.as_ref().is_none_or(|c| a.choice.as_ref() == Some(c))
                }
                (Some(_), None) => false,
            })
            .and_then(|b| guide.step_index(&b.to))
    }
}

fn draft(kind: EventKind, step_id: Option<String>, step_index: Option<u32>) -> RecordDraft {
    RecordDraft { kind, step_id, step_index, reason: None, duration_ms: None, answer: None }
}

/// The transition function. Never panics, whatever the input sequence.
pub fn transition(guide: &Guide, state: &TourState, input: Input, now_ms: i64) -> (TourState, Vec<Effect>) {
    let mut s = state.clone();
    let mut fx = Vec::new();
    if s.is_ended() {
        return (s, fx);
    }
    // A stale state (guide edited since it was saved) resumes at the step with the same id.
    if s.step >= guide.steps.len() || guide.steps[s.step].id != s.step_id {
        match guide.step_index(&s.step_id) {
            Some(i) => s.step = i,
            None => {
                s.trail.clear();
                s.step = 0;
                if guide.steps.is_empty() {
                    s.finish(guide, ExitReason::Completed, now_ms, &mut fx);
                    return (s, fx);
                }
                s.step_id = guide.steps[0].id.clone();
            }
        }
        s.guide_version = guide.version;
    }
    let step = &guide.steps[s.step];
    let showing = matches!(s.phase, Phase::Showing { .. });
    let locating = matches!(s.phase, Phase::Locating { .. });
    match input {
        Input::Resume { url } => {
            // A step that advances on reaching a URL, reached by a full page load (a link,
            // not `history.pushState`): the step is done.
            let seen = matches!(s.phase, Phase::Showing { .. }) || s.after_navigation;
            if seen && reached(&step.advance, &url) {
                s.complete_step(guide, None, None, now_ms, &mut fx);
                return (s, fx);
            }
            // A step that was on screen before the reload or page load: if its target is
            // gone now, the user went elsewhere.
            let was_shown = matches!(s.phase, Phase::Showing { centered: false }) || s.after_navigation;
            let i = s.step;
            s.enter(guide, i, now_ms, &mut fx);
            s.after_navigation = was_shown && matches!(s.phase, Phase::Locating { .. });
        }
        Input::TargetFound if locating => s.show(guide, false, now_ms, &mut fx),
        Input::TargetFoundAnew if locating => {
            s.navigated_ms = None;
            s.show(guide, false, now_ms, &mut fx)
        }
        // Back led to a step whose target is gone (an item of a dropdown closed since):
        // Back goes on to the step before it. Nothing is missing from the guide.
        Input::TargetMissing if locating && s.going_back && !s.trail.is_empty() => {
            if let Some(prev) = s.trail.pop() {
                s.enter_back(guide, prev, now_ms, &mut fx);
            }
        }
        // The step was showing, the user went to another page, and the target isn't there.
        Input::TargetMissing if locating && s.after_navigation => s.finish(guide, ExitReason::NavigatedAway, now_ms, &mut fx),
        Input::TargetMissing if locating => {
            fx.push(Effect::Record(s.step_draft(guide, EventKind::StepTargetMissing)));
            match step.on_missing {
                OnMissing::End => s.finish(guide, ExitReason::TargetMissing, now_ms, &mut fx),
                OnMissing::Center => s.show(guide, true, now_ms, &mut fx),
                OnMissing::Skip => {
                    let next = s.step + 1;
                    if next >= guide.steps.len() {
                        s.finish(guide, ExitReason::Completed, now_ms, &mut fx);
                    } else {
                        s.trail.push(s.step);
                        s.enter(guide, next, now_ms, &mut fx);
                    }
                }
            }
        }
        // The target vanished while shown (re-render, navigation): look for it again.
        Input::TargetMissing if showing && step.target.is_some() && s.phase != (Phase::Showing { centered: true }) => {
            s.phase = Phase::Locating { since_ms: now_ms };
            s.refinding = true;
            // The old view of a single-page app, taken down just after the page changed.
            s.after_navigation = s.navigated_ms.is_some_and(|t| now_ms - t < NAVIGATION_SETTLE_MS);
            fx.push(Effect::Hide);
            fx.push(Effect::Locate { step: s.step, timeout_ms: step.wait_ms.unwrap_or(DEFAULT_WAIT_MS) });
        }
        Input::Next if showing => s.complete_step(guide, None, None, now_ms, &mut fx),
        Input::Back if showing || locating => {
            if let Some(prev) = s.trail.pop() {
                s.checklist_done.clear();
                fx.push(Effect::Hide);
                s.enter_back(guide, prev, now_ms, &mut fx);
            }
        }
        Input::TargetClicked if showing && step.advance == Advance::Click => s.complete_step(guide, None, None, now_ms, &mut fx),
        Input::Event { name } => {
            if showing && step.kind == StepKind::Checklist {
                for item in step.items.iter().filter(|i| i.event == name) {
                    if !s.checklist_done.contains(&item.id) {
                        s.checklist_done.push(item.id.clone());
                        fx.push(Effect::Persist);
                    }
                }
                if !step.items.is_empty() && step.items.iter().all(|i| s.checklist_done.contains(&i.id)) {
                    s.complete_step(guide, None, None, now_ms, &mut fx);
                    return (s, fx);
                }
            }
            if showing && matches!(&step.advance, Advance::Event { name: n } if *n == name) {
                s.complete_step(guide, None, None, now_ms, &mut fx);
            }
        }
        Input::PageView { url } => {
            if showing && reached(&step.advance, &url) {
                s.complete_step(guide, None, None, now_ms, &mut fx);
                return (s, fx);
            }
            // A multi-page tour: the target may live on the new page.
            // Found there, a step that was on screen is the same view going on.
            if step.target.is_some() && !matches!(s.phase, Phase::Showing { centered: true }) {
                s.after_navigation = s.after_navigation || showing;
                s.refinding = s.refinding || showing;
                if showing {
                    s.navigated_ms = Some(now_ms);
                }
                s.phase = Phase::Locating { since_ms: now_ms };
                fx.push(Effect::Hide);
                fx.push(Effect::Locate { step: s.step, timeout_ms: step.wait_ms.unwrap_or(DEFAULT_WAIT_MS) });
            }
        }
        Input::Button { index } if showing => match step.buttons.get(index) {
            None => {}
            Some(b) => match b.action {
                ButtonAction::Next => s.complete_step(guide, None, None, now_ms, &mut fx),
                ButtonAction::Back => {
                    if let Some(prev) = s.trail.pop() {
                        fx.push(Effect::Hide);
                        s.enter(guide, prev, now_ms, &mut fx);
                    }
                }
                ButtonAction::Dismiss => s.finish(guide, ExitReason::Dismissed, now_ms, &mut fx),
                ButtonAction::Complete => {
                    let mut d = s.step_draft(guide, EventKind::StepCompleted);
                    d.duration_ms = s.duration(now_ms);
                    fx.push(Effect::Record(d));
                    s.finish(guide, ExitReason::Completed, now_ms, &mut fx);
                }
                ButtonAction::Goto => {
                    let to = b.to.as_deref().and_then(|id| guide.step_index(id));
                    s.complete_step(guide, to, None, now_ms, &mut fx);
                }
                ButtonAction::Url => {
                    if let Some(url) = &b.to {
                        fx.push(Effect::OpenUrl { url: url.clone() });
                    }
                    s.complete_step(guide, None, None, now_ms, &mut fx);
                }
            },
        },
        Input::SurveyAnswer { answer } if showing && step.kind == StepKind::Survey => {
            let mut d = s.step_draft(guide, EventKind::SurveyAnswered);
            d.answer = Some(answer.clone());
            fx.push(Effect::Record(d));
            s.complete_step(guide, None, Some(&answer), now_ms, &mut fx);
        }
        Input::Escape | Input::Close | Input::BackdropClick => s.finish(guide, ExitReason::Dismissed, now_ms, &mut fx),
        Input::Timeout => s.finish(guide, ExitReason::Timeout, now_ms, &mut fx),
        Input::NavigatedAway => s.finish(guide, ExitReason::NavigatedAway, now_ms, &mut fx),
        Input::Displaced => s.finish(guide, ExitReason::Displaced, now_ms, &mut fx),
        Input::UserChanged => s.finish(guide, ExitReason::UserChanged, now_ms, &mut fx),
        _ => {}
    }
    (s, fx)
}
