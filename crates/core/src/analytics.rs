//! Analytics records: what the runtime sends and the collector stores. Funnels are built
//! from them in [`crate::funnel`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::json::{named, At, FromJson, JsonError, Obj};
use crate::machine::ExitReason;

/// The kinds of analytics record.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    GuideShown,
    StepViewed,
    StepCompleted,
    GuideCompleted,
    GuideDismissed,
    StepTargetMissing,
    GuideAbandoned,
    SurveyAnswered,
    /// The user was deliberately not shown the guide: its control group.
    GuideHeldOut,
    /// The user reached the guide's goal (within its window after the first exposure).
    GoalReached,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        EventKind::GuideShown,
        EventKind::StepViewed,
        EventKind::StepCompleted,
        EventKind::GuideCompleted,
        EventKind::GuideDismissed,
        EventKind::StepTargetMissing,
        EventKind::GuideAbandoned,
        EventKind::SurveyAnswered,
        EventKind::GuideHeldOut,
        EventKind::GoalReached,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::GuideShown => "guide_shown",
            EventKind::StepViewed => "step_viewed",
            EventKind::StepCompleted => "step_completed",
            EventKind::GuideCompleted => "guide_completed",
            EventKind::GuideDismissed => "guide_dismissed",
            EventKind::StepTargetMissing => "step_target_missing",
            EventKind::GuideAbandoned => "guide_abandoned",
            EventKind::SurveyAnswered => "survey_answered",
            EventKind::GuideHeldOut => "guide_held_out",
            EventKind::GoalReached => "goal_reached",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Kinds that end a guide and so carry an exit reason.
    pub fn is_exit(self) -> bool {
        matches!(self, EventKind::GuideCompleted | EventKind::GuideDismissed | EventKind::GuideAbandoned)
    }

    /// Kinds that are about one step.
    pub fn needs_step(self) -> bool {
        matches!(self, EventKind::StepViewed | EventKind::StepCompleted | EventKind::StepTargetMissing | EventKind::SurveyAnswered)
    }
}

/// A survey answer: a score (NPS 0–10 or a rating) or a choice, with an optional comment.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SurveyAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// What the state machine knows of a record; the runtime adds the envelope.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RecordDraft {
    pub kind: EventKind,
    pub step_id: Option<String>,
    pub step_index: Option<u32>,
    pub reason: Option<ExitReason>,
    pub duration_ms: Option<u64>,
    pub answer: Option<SurveyAnswer>,
}

/// Who, where and when: filled in by the runtime.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Envelope {
    pub event_id: String,
    pub guide_id: String,
    pub guide_version: u32,
    pub user_id: String,
    pub anonymous: bool,
    pub session_id: String,
    pub timestamp: i64,
    pub url: String,
    pub variant: Option<String>,
}

/// One analytics record, as sent to `on` handlers and the collector.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    /// Unique; makes retries safe.
    pub event_id: String,
    pub kind: EventKind,
    pub guide_id: String,
    pub guide_version: u32,
    #[serde(default)]
    pub step_id: Option<String>,
    #[serde(default)]
    pub step_index: Option<u32>,
    /// The identified user id, or the anonymous id when `anonymous` is true.
    pub user_id: String,
    #[serde(default)]
    pub anonymous: bool,
    pub session_id: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp: i64,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub reason: Option<ExitReason>,
    /// Time spent on the step, for step completions and exits.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub answer: Option<SurveyAnswer>,
}

impl FromJson for EventKind {
    fn from_json(v: &serde_json::Value, at: At) -> Result<Self, JsonError> {
        named(v, at, &EventKind::ALL, EventKind::as_str)
    }
}

impl FromJson for SurveyAnswer {
    fn from_json(v: &serde_json::Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a survey answer object")?;
        o.only(&["score", "choice", "comment"])?;
        Ok(SurveyAnswer { score: o.opt("score")?, choice: o.opt("choice")?, comment: o.opt("comment")? })
    }
}

/// The reader the runtime uses for its delivery queue; the collector reads records with
/// serde (a derived fast path), and a round-trip test keeps the two in agreement.
impl FromJson for EventRecord {
    fn from_json(v: &serde_json::Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "an event record object")?;
        o.only(&[
            "event_id",
            "kind",
            "guide_id",
            "guide_version",
            "step_id",
            "step_index",
            "user_id",
            "anonymous",
            "session_id",
            "timestamp",
            "url",
            "variant",
            "reason",
            "duration_ms",
            "answer",
        ])?;
        Ok(EventRecord {
            event_id: o.req("event_id")?,
            kind: o.req("kind")?,
            guide_id: o.req("guide_id")?,
            guide_version: o.req("guide_version")?,
            step_id: o.opt("step_id")?,
            step_index: o.opt("step_index")?,
            user_id: o.req("user_id")?,
            anonymous: o.or_default("anonymous")?,
            session_id: o.req("session_id")?,
            timestamp: o.req("timestamp")?,
            url: o.or_default("url")?,
            variant: o.opt("variant")?,
            reason: o.opt("reason")?,
            duration_ms: o.opt("duration_ms")?,
            answer: o.opt("answer")?,
        })
    }
}

/// 2000-01-01 and 2200-01-01 in ms: timestamps outside are rejected.
const MIN_TS: i64 = 946_684_800_000;
const MAX_TS: i64 = 7_258_118_400_000;

// Limits of a record's fields, checked by [`EventRecord::validate`] and applied by
// [`EventRecord::fit`]. String lengths are in UTF-8 bytes (what is stored and held in
// memory); `fit` cuts at a character boundary, so a cut string may be a few bytes shorter.

/// Longest `event_id`, `guide_id`, `user_id` and `session_id`, bytes.
pub const MAX_ID_LEN: usize = 128;
/// Longest `url`, bytes.
pub const MAX_URL_LEN: usize = 2048;
/// Longest `step_id`, bytes.
pub const MAX_STEP_ID_LEN: usize = 128;
/// Longest `variant`, bytes.
pub const MAX_VARIANT_LEN: usize = 64;
/// Longest `answer.choice`, bytes.
pub const MAX_CHOICE_LEN: usize = 256;
/// Longest `answer.comment`, bytes.
pub const MAX_COMMENT_LEN: usize = 4000;
/// Largest `step_index` (a guide has at most 1000 steps).
pub const MAX_STEP_INDEX: u32 = 999;
/// Largest `duration_ms`: 30 days (a step open longer is a clock error, not a measurement).
pub const MAX_DURATION_MS: u64 = 30 * 86_400_000;
/// Largest `answer.score` in absolute value.
pub const MAX_SCORE: i32 = 1000;

/// Cuts `s` to at most `max` bytes, at a character boundary.
fn cut(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

impl EventRecord {
    pub fn from_draft(d: RecordDraft, e: &Envelope) -> EventRecord {
        EventRecord {
            event_id: e.event_id.clone(),
            kind: d.kind,
            guide_id: e.guide_id.clone(),
            guide_version: e.guide_version,
            step_id: d.step_id,
            step_index: d.step_index,
            user_id: e.user_id.clone(),
            anonymous: e.anonymous,
            session_id: e.session_id.clone(),
            timestamp: e.timestamp,
            url: e.url.clone(),
            variant: e.variant.clone(),
            reason: d.reason,
            duration_ms: d.duration_ms,
            answer: d.answer,
        }
    }

    /// Cuts every string field to its limit (`MAX_*_LEN`, at a character boundary) and
    /// caps `duration_ms` at [`MAX_DURATION_MS`], so that the record passes the length and
    /// range checks of [`validate`](Self::validate). The runtime calls it before queueing a
    /// record: a collector never refuses a record for its size. Nothing else is changed
    /// (an empty id or a missing step is still refused by `validate`).
    pub fn fit(&mut self) {
        for id in [&mut self.event_id, &mut self.guide_id, &mut self.user_id, &mut self.session_id] {
            cut(id, MAX_ID_LEN);
        }
        cut(&mut self.url, MAX_URL_LEN);
        if let Some(s) = &mut self.step_id {
            cut(s, MAX_STEP_ID_LEN);
        }
        if let Some(v) = &mut self.variant {
            cut(v, MAX_VARIANT_LEN);
        }
        if let Some(d) = &mut self.duration_ms {
            *d = (*d).min(MAX_DURATION_MS);
        }
        if let Some(a) = &mut self.answer {
            if let Some(c) = &mut a.choice {
                cut(c, MAX_CHOICE_LEN);
            }
            if let Some(c) = &mut a.comment {
                cut(c, MAX_COMMENT_LEN);
            }
        }
    }

    /// The length limits alone: what [`fit`](Self::fit) guarantees. The error names the field.
    pub fn check_lengths(&self) -> Result<(), String> {
        let long = |field: &str, s: &str, max: usize| {
            if s.len() > max {
                Err(format!("{field}: {} bytes, at most {max}", s.len()))
            } else {
                Ok(())
            }
        };
        long("event_id", &self.event_id, MAX_ID_LEN)?;
        long("guide_id", &self.guide_id, MAX_ID_LEN)?;
        long("user_id", &self.user_id, MAX_ID_LEN)?;
        long("session_id", &self.session_id, MAX_ID_LEN)?;
        long("url", &self.url, MAX_URL_LEN)?;
        long("step_id", self.step_id.as_deref().unwrap_or(""), MAX_STEP_ID_LEN)?;
        long("variant", self.variant.as_deref().unwrap_or(""), MAX_VARIANT_LEN)?;
        if let Some(a) = &self.answer {
            long("answer.choice", a.choice.as_deref().unwrap_or(""), MAX_CHOICE_LEN)?;
            long("answer.comment", a.comment.as_deref().unwrap_or(""), MAX_COMMENT_LEN)?;
        }
        if let Some(d) = self.duration_ms.filter(|&d| d > MAX_DURATION_MS) {
            return Err(format!("duration_ms: {d} is more than {MAX_DURATION_MS} (30 days)"));
        }
        Ok(())
    }

    /// Checks the invariants a collector relies on: the limits above (lengths, ranges) and
    /// the shape each kind needs. The error names the field.
    pub fn validate(&self) -> Result<(), String> {
        self.check_lengths()?;
        let printable = |field: &str, s: &str| {
            if s.is_empty() || s.chars().any(char::is_control) {
                Err(format!("{field}: expected 1–{MAX_ID_LEN} bytes of printable characters"))
            } else {
                Ok(())
            }
        };
        printable("event_id", &self.event_id)?;
        printable("guide_id", &self.guide_id)?;
        printable("user_id", &self.user_id)?;
        printable("session_id", &self.session_id)?;
        if let Some(id) = &self.step_id {
            printable("step_id", id)?;
        }
        if !(MIN_TS..MAX_TS).contains(&self.timestamp) {
            return Err(format!("timestamp: expected milliseconds since 1970 between 2000 and 2200, found {}", self.timestamp));
        }
        if let Some(i) = self.step_index.filter(|&i| i > MAX_STEP_INDEX) {
            return Err(format!("step_index: {i} is more than {MAX_STEP_INDEX}"));
        }
        if matches!(self.kind, EventKind::GuideHeldOut | EventKind::GoalReached) && (self.step_id.is_some() || self.step_index.is_some()) {
            return Err(format!("step_id and step_index: not allowed on {}", self.kind.as_str()));
        }
        if self.kind.needs_step() && (self.step_id.is_none() || self.step_index.is_none()) {
            return Err(format!("step_id and step_index: required for {}", self.kind.as_str()));
        }
        match (self.kind, self.reason) {
            (EventKind::GuideCompleted, r) if r != Some(ExitReason::Completed) => {
                return Err("reason: guide_completed must have reason \"completed\"".into())
            }
            (EventKind::GuideDismissed, r) if r != Some(ExitReason::Dismissed) => {
                return Err("reason: guide_dismissed must have reason \"dismissed\"".into())
            }
            (EventKind::GuideAbandoned, None | Some(ExitReason::Completed | ExitReason::Dismissed)) => {
                return Err("reason: guide_abandoned needs target_missing, navigated_away, timeout or displaced".into())
            }
            (k, Some(_)) if !k.is_exit() => return Err(format!("reason: not allowed on {}", k.as_str())),
            _ => {}
        }
        if self.kind == EventKind::SurveyAnswered {
            let Some(a) = &self.answer else {
                return Err("answer: required for survey_answered".into());
            };
            if a.score.is_none() && a.choice.is_none() {
                return Err("answer: expected a score or a choice".into());
            }
            if a.score.is_some_and(|s| !(-MAX_SCORE..=MAX_SCORE).contains(&s)) {
                return Err(format!("answer.score: expected -{MAX_SCORE} to {MAX_SCORE}"));
            }
        } else if self.answer.is_some() {
            return Err(format!("answer: not allowed on {}", self.kind.as_str()));
        }
        Ok(())
    }
}
