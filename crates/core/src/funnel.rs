//! Funnels: one mergeable rollup, the same for core, the SQLite store and the ClickHouse
//! store.
//!
//! The pipeline has three stages, and every store runs the same three:
//! 1. **Facts per record** ([`facts`]): what one record says about its user's session
//!    (a [`Journey`] with one field set), plus additive tallies (time-on-step buckets,
//!    survey scores and choices) and an optional comment.
//! 2. **Journeys, merged**: a journey is kept per (user, session) and per day, version and
//!    variant. Journeys merge by union and maximum ([`Journey::merge`]), which is
//!    associative, commutative and idempotent: partial journeys can be summed in any order,
//!    on any number of machines, and a record delivered twice changes nothing. A slice
//!    (dates, version, variant) is the merge of its rows.
//! 3. **Counts, then the report**: the journeys of a slice are merged per user and per
//!    session (a session is a user's session id), each contributes +1 to some
//!    `(step, metric)` counters ([`Merge`]), and [`report`] turns the counters into a
//!    [`FunnelReport`].
//!
//! Drop-off reasons use each user's **last exit** in the slice (by timestamp, then
//! `event_id`): a user who viewed a step and never completed it dropped off there
//! "because" of that exit's reason when it happened at that step; otherwise
//! `completed_elsewhere` (the guide was completed from another step), `left_later` (the
//! user ended the guide at another step, e.g. after pressing Back), or `in_progress` (no
//! exit yet).
//!
//! The median time on a step is read from a histogram of 1.1^b ms buckets
//! ([`duration_bucket`]), so it is within about ±5% of the exact median, in every store.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::analytics::{EventKind, EventRecord};
use crate::machine::ExitReason;

/// One step's funnel row.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct StepFunnel {
    pub step_id: String,
    pub step_index: u32,
    pub viewed_users: u64,
    pub completed_users: u64,
    /// Users who viewed the step but never completed it.
    pub dropped_users: u64,
    pub drop_rate: f64,
    /// Why they dropped: their last exit's reason when it was at this step, else
    /// `completed_elsewhere`, `left_later` or `in_progress` (see the module's doc).
    pub drop_reasons: BTreeMap<String, u64>,
    /// Median time on the step before completing it (from the histogram, ±5%).
    pub median_ms: Option<u64>,
    /// Sessions where the step's target was missing (a broken guide, not a user drop-off).
    pub target_missing_sessions: u64,
    /// Sessions that reached the step at all.
    pub sessions: u64,
    /// target_missing_sessions / sessions.
    pub target_missing_rate: f64,
}

/// Survey results for a guide.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct SurveySummary {
    pub responses: u64,
    /// Net Promoter Score (-100..100) over 0–10 scores.
    pub nps: Option<f64>,
    /// Count of each score 0..=10.
    pub distribution: Vec<u64>,
    pub choices: BTreeMap<String, u64>,
    /// The latest comments, newest first (at most [`MAX_COMMENTS`]).
    pub comments: Vec<String>,
}

impl SurveySummary {
    /// Builds the summary from score and choice counts.
    pub fn from_counts(distribution: Vec<u64>, choices: BTreeMap<String, u64>, comments: Vec<String>) -> SurveySummary {
        let scored: u64 = distribution.iter().sum();
        let responses = scored + choices.values().sum::<u64>();
        let promoters: u64 = distribution.iter().skip(9).sum();
        let detractors: u64 = distribution.iter().take(7).sum();
        let nps = (scored > 0).then(|| ((promoters as f64 - detractors as f64) * 100.0 / scored as f64 * 10.0).round() / 10.0);
        SurveySummary { responses, nps, distribution, choices, comments }
    }
}

/// A guide's funnel report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct FunnelReport {
    pub guide_id: String,
    pub shown_users: u64,
    pub completed_users: u64,
    pub completion_rate: f64,
    /// Last exit reason -> users, over the whole guide.
    pub exits: BTreeMap<String, u64>,
    pub steps: Vec<StepFunnel>,
    pub survey: Option<SurveySummary>,
    /// Share of sessions that hit a missing target on any step.
    pub target_missing_rate: f64,
}

/// The most comments a report carries (the newest).
pub const MAX_COMMENTS: usize = 50;
/// Separates the fields of an exit key and of a tally entry. Ids and step ids are
/// printable (see `EventRecord::validate`), so it never occurs inside one.
pub const SEP: char = '\u{1f}';
/// Time-on-step histogram: bucket b holds durations around 1.1^b ms (about ±5%).
const BUCKET_BASE: f64 = 1.1;

/// The histogram bucket of a duration.
pub fn duration_bucket(ms: u64) -> i64 {
    ((ms as f64 + 1.0).ln() / BUCKET_BASE.ln()).floor() as i64
}

/// The value a bucket stands for.
pub fn bucket_value(b: i64) -> u64 {
    (BUCKET_BASE.powf(b as f64 + 0.5) - 1.0).max(0.0).round() as u64
}

/// A step as the rollup names it: `index:id` (the same id may move between versions).
pub fn step_key(index: u32, id: &str) -> String {
    format!("{index}:{id}")
}

/// The (index, id) of a step key; `None` for anything else (e.g. the guide's `""`).
pub fn parse_step_key(k: &str) -> Option<(u32, &str)> {
    let (i, id) = k.split_once(':')?;
    Some((i.parse().ok()?, id))
}

/// What is known of one (user, session) in one slice: mergeable by union and maximum.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct Journey {
    /// The guide was shown.
    pub shown: bool,
    /// The guide was completed.
    pub completed: bool,
    /// Step keys viewed, completed, and whose target was missing.
    pub viewed: BTreeSet<String>,
    pub done: BTreeSet<String>,
    pub missing: BTreeSet<String>,
    /// The latest exit as an exit key (see [`exit_key`]); `""` when none. Keys compare as
    /// (timestamp, event_id), so the maximum is the last exit.
    pub exit: String,
}

impl Journey {
    /// Adds `o` in: union of sets, maximum of flags and exit keys.
    pub fn merge(&mut self, o: &Journey) {
        self.shown |= o.shown;
        self.completed |= o.completed;
        self.viewed.extend(o.viewed.iter().cloned());
        self.done.extend(o.done.iter().cloned());
        self.missing.extend(o.missing.iter().cloned());
        if o.exit > self.exit {
            self.exit.clone_from(&o.exit);
        }
    }
}

/// An exit's sortable key: `timestamp (13 digits) SEP event_id SEP reason SEP step key`.
/// Timestamps are validated to be 13 digits (years 2000 to 2200), and every other field
/// is printable, so comparing keys compares (timestamp, event_id).
pub fn exit_key(ts: i64, event_id: &str, reason: ExitReason, step: &str) -> String {
    format!("{ts:013}{SEP}{event_id}{SEP}{}{SEP}{step}", reason.as_str())
}

/// The (reason, step key) of an exit key; the step key is `""` for an exit without a step.
pub fn parse_exit_key(k: &str) -> Option<(&str, &str)> {
    let mut parts = k.splitn(4, SEP);
    let (_, _, reason, step) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    Some((reason, step))
}

/// What one record contributes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Facts {
    /// Its part of its (user, session)'s journey.
    pub journey: Journey,
    /// Additive tallies, counted once per record: (step key or `""`, metric).
    pub tallies: Vec<(String, String)>,
    /// A survey comment (non-blank).
    pub comment: Option<String>,
    /// The record's step key, `""` when it has no step.
    pub step: String,
}

/// The step key of a record, `""` when it has no step.
fn record_step_key(r: &EventRecord) -> String {
    let step = match (r.step_index, &r.step_id) {
        (Some(i), Some(id)) => step_key(i, id),
        (None, Some(id)) => step_key(0, id),
        _ => String::new(),
    };
    // Validation rejects control characters in step ids; a record stored before it did
    // is still counted, under a printable key.
    if step.contains(char::is_control) {
        step.replace(char::is_control, "\u{fffd}")
    } else {
        step
    }
}

/// The facts of one record (of any guide: the caller groups by guide).
pub fn facts(r: &EventRecord) -> Facts {
    let step = record_step_key(r);
    let mut f = Facts::default();
    let j = &mut f.journey;
    let has_step = !step.is_empty();
    match r.kind {
        EventKind::GuideShown => j.shown = true,
        EventKind::StepViewed if has_step => {
            j.viewed.insert(step.clone());
        }
        EventKind::StepCompleted if has_step => {
            if let Some(d) = r.duration_ms {
                f.tallies.push((step.clone(), format!("dur:{}", duration_bucket(d))));
            }
            j.done.insert(step.clone());
        }
        EventKind::StepTargetMissing if has_step => {
            j.missing.insert(step.clone());
        }
        EventKind::GuideCompleted | EventKind::GuideDismissed | EventKind::GuideAbandoned => {
            j.completed = r.kind == EventKind::GuideCompleted;
            j.exit = exit_key(r.timestamp, &r.event_id, r.reason.unwrap_or(ExitReason::Completed), &step);
        }
        EventKind::SurveyAnswered => {
            if let Some(a) = &r.answer {
                if let Some(s) = a.score.filter(|s| (0..=10).contains(s)) {
                    f.tallies.push((String::new(), format!("score:{s}")));
                }
                if let Some(c) = &a.choice {
                    f.tallies.push((String::new(), format!("choice:{c}")));
                }
                f.comment = a.comment.clone().filter(|c| !c.trim().is_empty());
            }
        }
        // A step kind without a step (rejected by validation), and experiment records
        // (see `goals`): nothing for the funnel.
        _ => {}
    }
    f.step = step;
    f
}

/// A set of step keys as text: joined by [`SEP`] (step keys are printable).
pub fn set_text(s: &BTreeSet<String>) -> String {
    s.iter().map(String::as_str).collect::<Vec<_>>().join(&SEP.to_string())
}

/// The step keys of a [`set_text`].
pub fn text_set(t: &str) -> impl Iterator<Item = &str> {
    t.split(SEP).filter(|k| !k.is_empty())
}

/// Counters: (step key or `""` for the guide, metric) -> n.
pub type Counts = BTreeMap<(String, String), u64>;

fn bump(c: &mut Counts, step: &str, metric: &str, n: u64) {
    *c.entry((step.to_string(), metric.to_string())).or_default() += n;
}

/// A set of step numbers (see [`Merge`]): a bit mask for the first 64, a sorted vector
/// beyond, so the usual journey allocates nothing.
#[derive(Default, Clone)]
struct Steps {
    bits: u64,
    more: Vec<u32>,
}

impl Steps {
    fn insert(&mut self, n: u32) {
        if n < 64 {
            self.bits |= 1 << n;
        } else if let Err(i) = self.more.binary_search(&n) {
            self.more.insert(i, n);
        }
    }
    fn contains(&self, n: u32) -> bool {
        if n < 64 {
            self.bits & (1 << n) != 0
        } else {
            self.more.binary_search(&n).is_ok()
        }
    }
    fn is_empty(&self) -> bool {
        self.bits == 0 && self.more.is_empty()
    }
    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let mut b = self.bits;
        std::iter::from_fn(move || {
            (b != 0).then(|| {
                let n = b.trailing_zeros();
                b &= b - 1;
                n
            })
        })
        .chain(self.more.iter().copied())
    }
}

/// One user's merged journeys.
#[derive(Default)]
struct UserAcc {
    shown: bool,
    completed: bool,
    viewed: Steps,
    done: Steps,
    /// The latest exit key.
    exit: String,
    /// The user's sessions: (session id, its merged journeys); usually one or two. Only
    /// the first `used` are this user's: the buffers are reused from user to user.
    sessions: Vec<(String, SessionAcc)>,
    used: usize,
}

/// One session's merged journeys.
#[derive(Default)]
struct SessionAcc {
    shown: bool,
    /// Viewed or missing.
    reached: Steps,
    missing: Steps,
}

/// The drop-off reasons that are not exit reasons.
const OTHER_REASONS: [&str; 3] = ["completed_elsewhere", "left_later", "in_progress"];

/// Per-step counters, by step number.
#[derive(Default)]
struct StepCounts {
    viewed: u64,
    completed: u64,
    sessions: u64,
    missing_sessions: u64,
    /// By [`ExitReason::ALL`] index, then [`OTHER_REASONS`].
    drops: [u64; ExitReason::ALL.len() + OTHER_REASONS.len()],
}

/// Merges journey rows per user and per session, and counts them: the third stage of the
/// rollup (see the module's doc), and the one implementation of its rules.
///
/// Rows come **grouped by user, in increasing byte order of user ids** (a store reads
/// them in that order from its key; `FunnelBuilder` sorts); a user is counted when the
/// next one starts, so memory holds one user at a time, whatever the number of users. A
/// session is a (user, session id) pair. Step keys are numbered as they come.
#[derive(Default)]
pub struct Merge {
    keys: FxHashMap<String, u32>,
    names: Vec<String>,
    /// Step sets already numbered, by their text (see [`set_text`]): journeys repeat a few
    /// paths, so most rows cost one lookup per set.
    joined: FxHashMap<String, Steps>,
    /// The user being merged (`None` before the first row), and their journeys so far.
    user: Option<String>,
    acc: UserAcc,
    steps: Vec<StepCounts>,
    shown: u64,
    completed: u64,
    sessions: u64,
    missing_sessions: u64,
    exits: [u64; ExitReason::ALL.len()],
}

impl Merge {
    fn number(&mut self, key: &str) -> u32 {
        if let Some(&n) = self.keys.get(key) {
            return n;
        }
        let n = self.names.len() as u32;
        self.keys.insert(key.to_string(), n);
        self.names.push(key.to_string());
        self.steps.push(StepCounts::default());
        n
    }

    /// The numbers of some step keys.
    fn steps_of<'a>(&mut self, keys: impl Iterator<Item = &'a str>) -> Steps {
        let mut s = Steps::default();
        keys.for_each(|k| s.insert(self.number(k)));
        s
    }

    /// Adds one journey row of `user`'s `session`. Fails when `user` comes before the user
    /// being merged (rows out of order).
    pub fn add(&mut self, user: &str, session: &str, j: &Journey) -> Result<(), String> {
        let sets = [&j.viewed, &j.done, &j.missing].map(|s| self.steps_of(s.iter().map(String::as_str)));
        self.merge_row(user, session, j.shown, j.completed, sets, &j.exit)
    }

    /// [`Merge::add`] for a row whose step sets are given as [`set_text`]s.
    pub fn add_joined(
        &mut self,
        user: &str,
        session: &str,
        shown: bool,
        completed: bool,
        sets: [&str; 3],
        exit: &str,
    ) -> Result<(), String> {
        let sets = sets.map(|t| match self.joined.get(t) {
            Some(s) => s.clone(),
            None => {
                let s = self.steps_of(text_set(t));
                if self.joined.len() < 10_000 {
                    self.joined.insert(t.to_string(), s.clone());
                }
                s
            }
        });
        self.merge_row(user, session, shown, completed, sets, exit)
    }

    fn merge_row(&mut self, user: &str, session: &str, shown: bool, completed: bool, sets: [Steps; 3], exit: &str) -> Result<(), String> {
        match &mut self.user {
            Some(current) if current.as_str() == user => {}
            Some(current) if current.as_str() > user => {
                return Err(format!("funnel rows out of order: user {user:?} after {current:?}"));
            }
            _ => {
                self.flush();
                let current = self.user.get_or_insert_with(String::new);
                current.clear();
                current.push_str(user);
            }
        }
        let [viewed, done, missing] = sets;
        let u = &mut self.acc;
        u.shown |= shown;
        u.completed |= completed;
        viewed.iter().for_each(|n| u.viewed.insert(n));
        done.iter().for_each(|n| u.done.insert(n));
        if exit > u.exit.as_str() {
            exit.clone_into(&mut u.exit);
        }
        let i = match u.sessions[..u.used].iter().position(|(id, _)| id == session) {
            Some(i) => i,
            None => {
                if u.used == u.sessions.len() {
                    u.sessions.push((String::new(), SessionAcc::default()));
                }
                let (id, acc) = &mut u.sessions[u.used];
                session.clone_into(id);
                *acc = SessionAcc::default();
                u.used += 1;
                u.used - 1
            }
        };
        let s = &mut u.sessions[i].1;
        s.shown |= shown;
        viewed.iter().chain(missing.iter()).for_each(|n| s.reached.insert(n));
        missing.iter().for_each(|n| s.missing.insert(n));
        Ok(())
    }

    /// Counts the user being merged:
    /// - `shown_users`, `completed_users` and `exit:<reason of the last exit>` for the
    ///   guide; per step, `completed_users` for each step done, `viewed_users` for each step
    ///   viewed, and `drop:<why>` for each step viewed but not done, where why is the last
    ///   exit's reason when that exit was at the step, else `completed_elsewhere` (the last
    ///   exit completed the guide), `left_later` (another exit) or `in_progress`;
    /// - per session: `sessions` for the guide when it was shown or a target was missing,
    ///   and `missing_sessions` when a target was missing; per step, `sessions` for each
    ///   step viewed or missing and `missing_sessions` for each step missing.
    fn flush(&mut self) {
        if self.user.is_none() {
            return;
        }
        let u = &mut self.acc;
        self.shown += u64::from(u.shown);
        self.completed += u64::from(u.completed);
        // (reason index, the step number it was at)
        let exit = parse_exit_key(&u.exit).and_then(|(reason, at)| {
            let r = ExitReason::ALL.iter().position(|x| x.as_str() == reason)?;
            Some((r, self.keys.get(at).copied()))
        });
        if let Some((r, _)) = exit {
            self.exits[r] += 1;
        }
        for n in u.done.iter() {
            self.steps[n as usize].completed += 1;
        }
        for n in u.viewed.iter() {
            let st = &mut self.steps[n as usize];
            st.viewed += 1;
            if u.done.contains(n) {
                continue;
            }
            let why = match exit {
                None => ExitReason::ALL.len() + 2,
                Some((r, Some(at))) if at == n => r,
                Some((r, _)) if ExitReason::ALL[r] == ExitReason::Completed => ExitReason::ALL.len(),
                Some(_) => ExitReason::ALL.len() + 1,
            };
            st.drops[why] += 1;
        }
        for (_, s) in &u.sessions[..u.used] {
            let any_missing = !s.missing.is_empty();
            self.sessions += u64::from(s.shown || any_missing);
            self.missing_sessions += u64::from(any_missing);
            for n in s.reached.iter() {
                self.steps[n as usize].sessions += 1;
            }
            for n in s.missing.iter() {
                self.steps[n as usize].missing_sessions += 1;
            }
        }
        u.shown = false;
        u.completed = false;
        u.viewed = Steps::default();
        u.done = Steps::default();
        u.exit.clear();
        u.used = 0;
    }

    /// Counts the last user, and adds every count to `c`.
    pub fn count_into(mut self, c: &mut Counts) {
        self.flush();
        let guide = [
            ("shown_users", self.shown),
            ("completed_users", self.completed),
            ("sessions", self.sessions),
            ("missing_sessions", self.missing_sessions),
        ];
        for (m, n) in guide {
            if n > 0 {
                bump(c, "", m, n);
            }
        }
        for (r, &n) in self.exits.iter().enumerate().filter(|(_, &n)| n > 0) {
            bump(c, "", &format!("exit:{}", ExitReason::ALL[r].as_str()), n);
        }
        for (key, st) in self.names.iter().zip(&self.steps) {
            let counts = [
                ("viewed_users", st.viewed),
                ("completed_users", st.completed),
                ("sessions", st.sessions),
                ("missing_sessions", st.missing_sessions),
            ];
            for (m, n) in counts {
                if n > 0 {
                    bump(c, key, m, n);
                }
            }
            for (i, &n) in st.drops.iter().enumerate().filter(|(_, &n)| n > 0) {
                let why = match ExitReason::ALL.get(i) {
                    Some(r) => r.as_str(),
                    None => OTHER_REASONS[i - ExitReason::ALL.len()],
                };
                bump(c, key, &format!("drop:{why}"), n);
            }
        }
    }
}

/// The report from the counters (user and session counts plus the record tallies) and
/// the newest comments.
pub fn report(guide_id: &str, c: &Counts, comments: Vec<String>) -> FunnelReport {
    let get = |step: &str, m: &str| c.get(&(step.to_string(), m.to_string())).copied().unwrap_or(0);
    let mut exits = BTreeMap::new();
    let mut scores = vec![0u64; 11];
    let mut choices = BTreeMap::new();
    // (index, id) -> the row, and its time-on-step histogram of (bucket, count).
    type Rows = BTreeMap<(u32, String), (StepFunnel, Vec<(i64, u64)>)>;
    let mut steps = Rows::new();
    for ((step, m), &n) in c {
        let Some((index, id)) = parse_step_key(step) else {
            if let Some(r) = m.strip_prefix("exit:") {
                exits.insert(r.to_string(), n);
            } else if let Some(s) = m.strip_prefix("score:").and_then(|s| s.parse::<usize>().ok()).filter(|&s| s <= 10) {
                scores[s] += n;
            } else if let Some(ch) = m.strip_prefix("choice:") {
                choices.insert(ch.to_string(), n);
            }
            continue;
        };
        let (f, hist) = steps
            .entry((index, id.to_string()))
            .or_insert_with(|| (StepFunnel { step_id: id.to_string(), step_index: index, ..Default::default() }, vec![]));
        match m.as_str() {
            "viewed_users" => f.viewed_users += n,
            "completed_users" => f.completed_users += n,
            "sessions" => f.sessions += n,
            "missing_sessions" => f.target_missing_sessions += n,
            other => {
                if let Some(r) = other.strip_prefix("drop:") {
                    *f.drop_reasons.entry(r.to_string()).or_default() += n;
                    f.dropped_users += n;
                } else if let Some(b) = other.strip_prefix("dur:").and_then(|b| b.parse().ok()) {
                    hist.push((b, n));
                }
            }
        }
    }
    let steps = steps
        .into_values()
        .map(|(mut f, mut hist)| {
            f.drop_rate = ratio(f.dropped_users, f.viewed_users);
            f.target_missing_rate = ratio(f.target_missing_sessions, f.sessions);
            f.median_ms = histogram_median(&mut hist);
            f
        })
        .collect();
    let has_survey = scores.iter().any(|&n| n > 0) || !choices.is_empty();
    let (shown, completed) = (get("", "shown_users"), get("", "completed_users"));
    FunnelReport {
        guide_id: guide_id.to_string(),
        shown_users: shown,
        completed_users: completed,
        completion_rate: ratio(completed, shown),
        exits,
        steps,
        survey: has_survey.then(|| SurveySummary::from_counts(scores, choices, comments)),
        target_missing_rate: ratio(get("", "missing_sessions"), get("", "sessions")),
    }
}

/// The lower median of a histogram of (bucket, count), as its bucket's value.
fn histogram_median(hist: &mut [(i64, u64)]) -> Option<u64> {
    hist.sort();
    let total: u64 = hist.iter().map(|(_, n)| n).sum();
    let half = total.div_ceil(2);
    let mut acc = 0;
    for &(b, n) in hist.iter() {
        acc += n;
        if acc >= half && total > 0 {
            return Some(bucket_value(b));
        }
    }
    None
}

/// The median of a list (the lower middle for even lengths, so it is an observed value).
pub fn median(v: &mut [u64]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    let mid = (v.len() - 1) / 2;
    Some(*v.select_nth_unstable(mid).1)
}

/// a / b, or 0 when b is 0; rounded to 4 decimals.
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        (a as f64 / b as f64 * 10_000.0).round() / 10_000.0
    }
}

/// The newest comments: a bounded heap ordered by (timestamp, event_id).
#[derive(Default)]
pub struct Comments(BinaryHeap<std::cmp::Reverse<(i64, String, String)>>);

impl Comments {
    pub fn add(&mut self, ts: i64, event_id: &str, text: &str) {
        self.0.push(std::cmp::Reverse((ts, event_id.to_string(), text.to_string())));
        if self.0.len() > MAX_COMMENTS {
            self.0.pop();
        }
    }

    /// Newest first.
    pub fn newest_first(self) -> Vec<String> {
        let mut v: Vec<_> = self.0.into_iter().map(|r| r.0).collect();
        v.sort_by(|a, b| b.cmp(a));
        v.into_iter().map(|(_, _, c)| c).collect()
    }
}

/// The rollup in memory: records in, a report out. The stores keep the same journeys and
/// tallies in their tables instead.
pub struct FunnelBuilder {
    guide_id: String,
    /// (user, session) -> journey.
    journeys: HashMap<(String, String), Journey>,
    tallies: Counts,
    comments: Comments,
    /// Hashes of the event ids seen: a record delivered twice counts once, as in the stores.
    seen: HashSet<u64>,
}

impl FunnelBuilder {
    pub fn new(guide_id: &str) -> FunnelBuilder {
        FunnelBuilder {
            guide_id: guide_id.to_string(),
            journeys: HashMap::new(),
            tallies: Counts::new(),
            comments: Comments::default(),
            seen: HashSet::new(),
        }
    }

    /// Adds one record; records of other guides, and repeats of an `event_id`, are ignored.
    pub fn add(&mut self, r: &EventRecord) -> &mut Self {
        if r.guide_id != self.guide_id || !self.seen.insert(crate::rules::stable_hash(&r.event_id)) {
            return self;
        }
        let f = facts(r);
        for (step, metric) in &f.tallies {
            bump(&mut self.tallies, step, metric, 1);
        }
        if let Some(c) = &f.comment {
            self.comments.add(r.timestamp, &r.event_id, c);
        }
        let key = (r.user_id.clone(), r.session_id.clone());
        self.journeys.entry(key).or_default().merge(&f.journey);
        self
    }

    pub fn finish(self) -> FunnelReport {
        let mut rows: Vec<_> = self.journeys.into_iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut m = Merge::default();
        for ((user, session), j) in &rows {
            m.add(user, session, j).expect("rows sorted by user");
        }
        let mut c = self.tallies;
        m.count_into(&mut c);
        report(&self.guide_id, &c, self.comments.newest_first())
    }
}
