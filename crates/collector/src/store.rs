//! What every event store offers: the [`Store`] trait and the shapes of its queries. The
//! stores are [`crate::sqlite`] (the default) and [`crate::clickhouse`]; both keep core's
//! funnel rollup (`guidepost_core::funnel`), so they give the same reports.

use guidepost_core::goals::GoalSlice;
use guidepost_core::goals::{GoalCounts, HELD_OUT};
use guidepost_core::{EventRecord, FunnelReport};
use serde::{Deserialize, Serialize};

pub use crate::sqlite::{stored_record, SqliteStore, SCHEMA_VERSION};

pub const DAY_MS: i64 = guidepost_core::dates::DAY_MS;

/// The first and last UTC day (days since 1970) of a query's slice.
pub fn day_range(q: &FunnelQuery) -> (i64, i64) {
    let from = q.from_ms.map(|t| t.div_euclid(DAY_MS)).unwrap_or(i64::MIN);
    let to = q.to_ms.map(|t| t.saturating_sub(1).div_euclid(DAY_MS)).unwrap_or(i64::MAX);
    (from, to)
}

/// Which slice of a guide's events a report covers.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq)]
pub struct FunnelQuery {
    pub guide_id: String,
    /// Inclusive, milliseconds since the epoch. Stores count whole UTC days: the day
    /// holding `from_ms` is the first one in the slice.
    pub from_ms: Option<i64>,
    /// Exclusive, milliseconds since the epoch: the day holding `to_ms - 1` is the last
    /// one in the slice (the front-ends pass day boundaries).
    pub to_ms: Option<i64>,
    pub version: Option<u32>,
    pub variant: Option<String>,
}

/// One row of the guide list.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GuideSummary {
    pub guide_id: String,
    pub shown_users: u64,
    pub completed_users: u64,
    pub completion_rate: f64,
    pub versions: Vec<u32>,
    pub variants: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq)]
pub struct Inserted {
    pub accepted: usize,
    pub duplicates: usize,
}

/// A place to keep events and compute reports from them.
pub trait Store: Send + Sync {
    /// Stores a batch atomically; duplicates (same `event_id`) are skipped.
    fn insert(&self, records: &[EventRecord]) -> Result<Inserted, String>;
    fn funnel(&self, q: &FunnelQuery) -> Result<FunnelReport, String>;
    fn guides(&self) -> Result<Vec<GuideSummary>, String>;
    /// The counts of a guide's goal report (see `guidepost_core::goals` for what they mean).
    fn goals(&self, guide_id: &str, slice: &GoalSlice, within_days: u32) -> Result<GoalCounts, String>;
    /// Where guides are authored and published, when this store keeps them.
    fn guide_store(&self) -> Option<&dyn crate::guide_store::GuideStore> {
        None
    }
}

/// Adds one (group, day) row of a store's goal query to the counts.
pub fn add_goal_row(out: &mut GoalCounts, group: &str, day: i64, exposed: u64, converted: u64, completed: u64) {
    let g = out.groups.entry(group.to_string()).or_default();
    g.exposed += exposed;
    g.converted += converted;
    let d = out.days.entry(day).or_default();
    if group == HELD_OUT {
        d.held_out += exposed;
    } else {
        d.shown += exposed;
        d.completed += completed;
    }
    d.converted += converted;
}

/// Distinct steps, `(step_index, step_id)` pairs, counted per guide; the steps of later
/// records are counted as the step [`OTHER`] at index `MAX_STEP_INDEX + 1`.
pub const MAX_STEPS_PER_GUIDE: usize = 256;
/// Distinct variants counted per guide (no variant is not one); later ones count as [`OTHER`].
pub const MAX_VARIANTS_PER_GUIDE: usize = 32;
/// Distinct survey choices counted per guide; later ones count as [`OTHER`].
pub const MAX_CHOICES_PER_GUIDE: usize = 64;
/// The bucket values beyond a cap are counted in.
pub const OTHER: &str = "(other)";

/// The capped dimensions: (name in the `dims` table, cap).
pub const DIMS: [(&str, usize); 3] =
    [("step", MAX_STEPS_PER_GUIDE), ("variant", MAX_VARIANTS_PER_GUIDE), ("choice", MAX_CHOICES_PER_GUIDE)];

/// The step (`index:id`), variant and choice values of one guide that have rollup rows,
/// per dimension of [`DIMS`]: a store's copy of its `dims` table.
#[derive(Default)]
pub struct GuideDims(pub [std::collections::HashSet<String>; 3]);

impl GuideDims {
    /// Whether `value` of dimension `d` may have rollup rows: yes when it has them already
    /// or the guide is under the cap. Values are never removed, so a full set stays full.
    /// Under the cap, `reload` first reads the `(dim, value)` rows other writers added to
    /// the table; a value admitted anew is passed to `record`, which adds it to the table.
    pub fn admit(
        &mut self,
        d: usize,
        value: &str,
        reload: impl FnOnce() -> Result<Vec<(String, String)>, String>,
        record: impl FnOnce() -> Result<(), String>,
    ) -> Result<bool, String> {
        let sets = &mut self.0;
        if sets[d].contains(value) {
            return Ok(true);
        }
        if sets[d].len() < DIMS[d].1 {
            for (dim, v) in reload()? {
                if let Some(i) = DIMS.iter().position(|(n, _)| *n == dim) {
                    sets[i].insert(v);
                }
            }
        }
        if sets[d].contains(value) {
            return Ok(true);
        }
        if sets[d].len() >= DIMS[d].1 {
            return Ok(false);
        }
        record()?;
        sets[d].insert(value.to_string());
        Ok(true)
    }
}

/// `r` as a store's rollup sees it: each step (`index:id`), variant and survey choice that
/// `admit(dimension, value)` refuses (the guide already has the cap's number of values in
/// that dimension of [`DIMS`]) is replaced by [`OTHER`]; `None` when nothing is replaced.
/// The record itself is stored whole.
pub fn fold(r: &EventRecord, mut admit: impl FnMut(usize, &str) -> Result<bool, String>) -> Result<Option<EventRecord>, String> {
    let mut out: Option<EventRecord> = None;
    if let (Some(i), Some(id)) = (r.step_index, &r.step_id) {
        if !admit(0, &format!("{i}:{id}"))? {
            let f = out.get_or_insert_with(|| r.clone());
            f.step_index = Some(guidepost_core::analytics::MAX_STEP_INDEX + 1);
            f.step_id = Some(OTHER.into());
        }
    }
    if let Some(v) = r.variant.as_deref().filter(|v| !v.is_empty()) {
        if !admit(1, v)? {
            out.get_or_insert_with(|| r.clone()).variant = Some(OTHER.into());
        }
    }
    if let Some(c) = r.answer.as_ref().and_then(|a| a.choice.as_deref()) {
        if !admit(2, c)? {
            if let Some(a) = out.get_or_insert_with(|| r.clone()).answer.as_mut() {
                a.choice = Some(OTHER.into());
            }
        }
    }
    Ok(out)
}
