//! guidepost-core: the pure heart of Guidepost.
//!
//! Guide model and validation, targeting rules, scheduling, the guide state
//! machine, positioning geometry and analytics aggregation. No DOM, no clock,
//! no storage: time and viewport are arguments, side effects are return values.

pub mod analytics;
pub mod dates;
pub mod engine;
pub mod experiment;
pub mod funnel;
pub mod geometry;
pub mod goals;
pub mod json;
pub mod load;
pub mod machine;
pub mod model;
pub mod names;
pub mod num;
pub mod richtext;
pub mod rules;
pub mod scheduler;
pub mod schema;
pub mod sort;
pub mod view;

pub use analytics::{Envelope, EventKind, EventRecord, RecordDraft, SurveyAnswer};
pub use engine::{in_holdout, Decision, Engine, GuideExplanation, TriggerInput};
pub use funnel::{median, ratio, FunnelBuilder, FunnelReport, StepFunnel, SurveySummary};
pub use geometry::{
    beacon_position, center_position, compute_position, dock_corners, dock_position, spotlight_path, view_around, Arrow, FloatSize, Mode,
    Position, PositionOptions, Rect,
};
pub use json::{FromJson, JsonError};
pub use load::{
    check_locale, check_selector, load_guide_at, load_guide_value, load_guides, load_guides_value, read_guides_value, Diagnostic,
    LoadReport, Severity,
};
pub use machine::{transition, Effect, ExitReason, Input, Phase, TourState, BACK_WAIT_MS, DEFAULT_WAIT_MS, STATE_VERSION};
pub use model::*;
pub use rules::{rollout_bucket, Context, Device, Rule, Size, Trace};
pub use scheduler::{Budget, GuideHistory, SchedulerState};
pub use schema::guide_schema_json;
