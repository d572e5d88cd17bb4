//! Goals and holdout experiments: which guides' goals an input reaches for a user, and the
//! goal report (conversion per group, lift with its interval, a daily series).
//!
//! The semantics every front-end shares (the stores compute the same counts in SQL):
//! - A user's **exposure** to a guide is their earliest `guide_shown` or `guide_held_out`
//!   record of it (on a tie, held out first). Their **group** is `held_out` for a held-out
//!   exposure, else the variant of that `guide_shown` record, else `shown`. Later records
//!   never move a user to another group (intention to treat: a held-out user who later
//!   starts the guide by hand stays in the control group).
//! - A version filter keeps the records of that version before the earliest is taken; a
//!   date range keeps the users whose exposure falls in it (a cohort).
//! - A user **converted** when a `goal_reached` record of the guide by the same user lies
//!   within `[exposure, exposure + within_days]` (goal records of any version).
//! - The daily series is by day (UTC) of exposure: users shown, held out, shown who
//!   completed the guide (a `guide_completed` record, any time), and converted.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::analytics::{EventKind, EventRecord};
use crate::dates::{format_ms, DAY_MS};
use crate::experiment::{compare, Comparison, Proportion, Z95};
use crate::model::Guide;
use crate::rules::{property_matches, NormalUrl, UrlPattern};
use crate::scheduler::SchedulerState;

/// The group of users held out of a guide.
pub const HELD_OUT: &str = "held_out";
/// The group of users shown a guide without variants.
pub const SHOWN: &str = "shown";

/// Something that may reach a goal.
pub enum GoalInput<'a> {
    /// `Guidepost.track(name, properties)`.
    Event { name: &'a str, props: &'a serde_json::Map<String, serde_json::Value> },
    /// A page view (or an SPA navigation).
    Page(&'a NormalUrl),
}

/// Whether `input` is what the guide's goal names (ignoring exposure and window).
pub fn names_goal(g: &Guide, input: &GoalInput, now_ms: i64) -> bool {
    let Some(goal) = &g.goal else { return false };
    match (input, &goal.event, &goal.url) {
        (GoalInput::Event { name, props }, Some(e), _) => e == name && goal.conditions.iter().all(|c| property_matches(c, props, now_ms)),
        (GoalInput::Page(url), _, Some(u)) => UrlPattern::compile(u, goal.mode, false).matches_url(url),
        _ => false,
    }
}

/// The guides whose goal `input` reaches now for this user, to be reported once each: the
/// user was exposed (shown or held out) within the goal's window and has not reached it
/// since. An event no goal names reaches nothing, so `track()` volume never becomes goal
/// records.
pub fn reached<'g>(guides: &'g [Guide], input: &GoalInput, state: &SchedulerState, now_ms: i64) -> Vec<&'g Guide> {
    guides
        .iter()
        .filter(|g| {
            let (Some(goal), Some(h)) = (&g.goal, state.history.get(&g.id)) else { return false };
            let Some(t) = h.first_exposed_ms else { return false };
            h.goal_ms.is_none() && now_ms >= t && now_ms - t <= goal.within_days as i64 * DAY_MS && names_goal(g, input, now_ms)
        })
        .collect()
}

/// Users exposed and converted in one group.
#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCounts {
    pub exposed: u64,
    pub converted: u64,
}

/// One day of exposures.
#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub shown: u64,
    pub held_out: u64,
    pub completed: u64,
    pub converted: u64,
}

/// What a store aggregates for a goal report: counts per group and per day (days since
/// the epoch, UTC). Counts from several stores or shards add up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoalCounts {
    pub groups: BTreeMap<String, GroupCounts>,
    pub days: BTreeMap<i64, DayCounts>,
}

/// One group's conversion, with its 95% Wilson interval.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct GoalGroup {
    pub group: String,
    pub exposed_users: u64,
    pub converted_users: u64,
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// One group against its baseline (the held-out group, or the first variant without one).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct GoalComparison {
    pub group: String,
    pub baseline: String,
    #[serde(flatten)]
    pub comparison: Comparison,
    /// "likely helps", "no detectable effect", "likely hurts" or "not enough data".
    pub says: &'static str,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct GoalDay {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    #[serde(flatten)]
    pub counts: DayCounts,
}

/// The goal report of one guide.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct GoalReport {
    pub guide_id: String,
    pub within_days: u32,
    pub groups: Vec<GoalGroup>,
    pub comparisons: Vec<GoalComparison>,
    pub series: Vec<GoalDay>,
}

impl GoalReport {
    pub fn from_counts(guide_id: &str, within_days: u32, counts: &GoalCounts) -> GoalReport {
        let groups: Vec<GoalGroup> = counts
            .groups
            .iter()
            .map(|(name, c)| {
                let p = Proportion::new(c.converted, c.exposed);
                let ci = p.wilson(Z95);
                GoalGroup {
                    group: name.clone(),
                    exposed_users: c.exposed,
                    converted_users: p.successes,
                    rate: p.rate(),
                    low: ci.map(|c| c.0),
                    high: ci.map(|c| c.1),
                }
            })
            .collect();
        let baseline = if counts.groups.contains_key(HELD_OUT) { Some(HELD_OUT.to_string()) } else { counts.groups.keys().next().cloned() };
        let comparisons = baseline
            .map(|b| {
                let base = counts.groups[&b];
                counts
                    .groups
                    .iter()
                    .filter(|(name, _)| **name != b)
                    .map(|(name, c)| {
                        let comparison = compare(Proportion::new(c.converted, c.exposed), Proportion::new(base.converted, base.exposed));
                        GoalComparison { group: name.clone(), baseline: b.clone(), says: comparison.verdict.as_str(), comparison }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let series = counts.days.iter().map(|(d, c)| GoalDay { day: format_ms(*d * DAY_MS), counts: *c }).collect();
        GoalReport { guide_id: guide_id.to_string(), within_days, groups, comparisons, series }
    }
}

/// Which records a goal report covers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GoalSlice {
    /// Inclusive, ms since the epoch: the exposure's time.
    pub from_ms: Option<i64>,
    /// Exclusive.
    pub to_ms: Option<i64>,
    pub version: Option<u32>,
}

/// The exposure order: earliest first, held out first on a tie.
pub fn exposure_key(r: &EventRecord) -> i64 {
    r.timestamp.saturating_mul(2) + i64::from(r.kind == EventKind::GuideShown)
}

/// The reference computation from records, in memory (tests, and a store's contract).
#[derive(Default)]
pub struct GoalBuilder {
    guide_id: String,
    slice: GoalSlice,
    /// user -> (exposure key, exposure ms, group)
    exposure: HashMap<String, (i64, i64, String)>,
    goals: HashMap<String, Vec<i64>>,
    completed: HashMap<String, ()>,
}

impl GoalBuilder {
    pub fn new(guide_id: &str, slice: GoalSlice) -> GoalBuilder {
        GoalBuilder { guide_id: guide_id.to_string(), slice, ..Default::default() }
    }

    pub fn add(&mut self, r: &EventRecord) -> &mut Self {
        if r.guide_id != self.guide_id {
            return self;
        }
        let in_version = self.slice.version.is_none_or(|v| v == r.guide_version);
        match r.kind {
            EventKind::GuideShown | EventKind::GuideHeldOut if in_version => {
                let group = match (&r.kind, r.variant.as_deref().filter(|v| !v.is_empty())) {
                    (EventKind::GuideHeldOut, _) => HELD_OUT.to_string(),
                    (_, Some(v)) => v.to_string(),
                    _ => SHOWN.to_string(),
                };
                let key = exposure_key(r);
                let e = self.exposure.entry(r.user_id.clone()).or_insert((i64::MAX, 0, String::new()));
                if key < e.0 {
                    *e = (key, r.timestamp, group);
                }
            }
            EventKind::GuideCompleted if in_version => {
                self.completed.insert(r.user_id.clone(), ());
            }
            EventKind::GoalReached => self.goals.entry(r.user_id.clone()).or_default().push(r.timestamp),
            _ => {}
        }
        self
    }

    pub fn counts(&self, within_days: u32) -> GoalCounts {
        let window = within_days as i64 * DAY_MS;
        let mut out = GoalCounts::default();
        for (user, (_, t, group)) in &self.exposure {
            if self.slice.from_ms.is_some_and(|f| *t < f) || self.slice.to_ms.is_some_and(|to| *t >= to) {
                continue;
            }
            let converted = self.goals.get(user).is_some_and(|g| g.iter().any(|x| *x >= *t && *x - *t <= window));
            let c = out.groups.entry(group.clone()).or_default();
            c.exposed += 1;
            c.converted += u64::from(converted);
            let d = out.days.entry(t.div_euclid(DAY_MS)).or_default();
            if group == HELD_OUT {
                d.held_out += 1;
            } else {
                d.shown += 1;
                d.completed += u64::from(self.completed.contains_key(user));
            }
            d.converted += u64::from(converted);
        }
        out
    }

    pub fn finish(&self, within_days: u32) -> GoalReport {
        GoalReport::from_counts(&self.guide_id, within_days, &self.counts(within_days))
    }
}
