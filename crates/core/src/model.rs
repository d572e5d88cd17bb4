//! The guide model: the JSON that no-code authors edit.
//!
//! These types are the single source of truth for `guides/guide.schema.json`
//! (generated with schemars, see [`crate::schema`]).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json::{named, one_of, At, FromJson, JsonError, Obj};
use crate::rules::Rule;

fn one() -> u32 {
    1
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One guide: a tour, announcement, checklist or survey shown to a targeted audience.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    /// Stable identifier, used in analytics and `Guidepost.start(id)`.
    pub id: String,
    /// Human-readable name shown in the dashboard.
    pub name: String,
    /// Bumped by the author on every published change; analytics are split by version.
    #[serde(default = "one")]
    pub version: u32,
    /// Higher shows first when several guides are eligible.
    #[serde(default)]
    pub priority: i32,
    /// Who sees the guide. Absent means everyone.
    #[serde(default)]
    pub audience: Rule,
    /// When the guide starts.
    #[serde(default)]
    pub trigger: Trigger,
    /// How often one user may see it.
    #[serde(default)]
    pub frequency: Frequency,
    /// Optional percentage rollout and A/B variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
    /// What the guide is meant to make users do, counted after they were exposed to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<Goal>,
    /// Share (0 to less than 100) of the eligible audience deliberately not shown the guide:
    /// the control group its goal is compared against. Chosen by the same kind of
    /// deterministic hash as the rollout, so a user stays in the same group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout: Option<f64>,
    /// The steps, shown in order unless a step branches.
    pub steps: Vec<Step>,
    /// Translations: locale tag -> step id -> replacement texts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub locales: BTreeMap<String, BTreeMap<String, StepText>>,
}

/// When a guide starts.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq, Default)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// On any page view where the audience matches.
    #[default]
    PageView,
    /// When the host app tracks this event.
    Event { name: String },
    /// Only through `Guidepost.start(id)`.
    Manual,
}

/// How often one user may see a guide.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq, Default)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Frequency {
    /// Shown until completed or dismissed once.
    #[default]
    Once,
    /// Shown at most `n` times.
    Times { n: u32 },
    /// Shown again after `days` have passed since it was last shown; at most `max` times if set.
    Cooldown {
        days: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
    /// At most once per browser session, any number of sessions.
    OncePerSession,
}

/// A guide's goal: an event tracked with `Guidepost.track()` (optionally with conditions on
/// its properties) or a URL reached, within `within_days` after the user was first shown the
/// guide or held out from it. Exactly one of `event` and `url`.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Conditions on the event's properties, all of which must hold (the trait operators).
    #[serde(default, rename = "where", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<PropertyCond>,
    /// A page path pattern, as in a `url` rule (`*`, `:name`, hash routes with `/#/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, rename = "match")]
    pub mode: crate::rules::UrlMatch,
    /// Days after the first exposure in which reaching the goal counts (1–365).
    #[serde(default = "seven")]
    pub within_days: u32,
}

fn seven() -> u32 {
    7
}

/// A condition on one property of a goal event.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PropertyCond {
    pub property: String,
    pub op: crate::rules::TraitOp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// Percentage rollout and variants. Deterministic per user and guide.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    /// Share of the audience that sees the guide, 0–100.
    pub percent: f64,
    /// Optional A/B variants; weights are relative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
}

#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub name: String,
    #[serde(default = "one")]
    pub weight: u32,
}

/// What kind of UI a step shows.
#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Tooltip,
    Modal,
    Hotspot,
    Banner,
    Checklist,
    Survey,
}

impl StepKind {
    pub const ALL: [StepKind; 6] =
        [StepKind::Tooltip, StepKind::Modal, StepKind::Hotspot, StepKind::Banner, StepKind::Checklist, StepKind::Survey];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Tooltip => "tooltip",
            StepKind::Modal => "modal",
            StepKind::Hotspot => "hotspot",
            StepKind::Banner => "banner",
            StepKind::Checklist => "checklist",
            StepKind::Survey => "survey",
        }
    }

    /// Kinds that take the user's attention; only one guide with such a step shows at a time.
    pub fn is_modal_class(self) -> bool {
        matches!(self, StepKind::Tooltip | StepKind::Modal | StepKind::Survey)
    }

    /// Kinds that must be anchored to an element.
    pub fn needs_target(self) -> bool {
        matches!(self, StepKind::Tooltip | StepKind::Hotspot)
    }
}

/// One step of a guide.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the guide.
    pub id: String,
    pub kind: StepKind,
    /// The element the step points at. Required for tooltips and hotspots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    #[serde(default)]
    pub placement: Placement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Rich text: a small markdown subset (`**bold**`, `*italic*`, `` `code` ``,
    /// `[link](https://…)`, `- ` lists, blank-line paragraphs). Never raw HTML.
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
    /// What moves the guide past this step.
    #[serde(default)]
    pub advance: Advance,
    /// What to do when the target is absent after the wait.
    #[serde(default)]
    pub on_missing: OnMissing,
    /// How long to wait for the target, in milliseconds (default 3000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<u32>,
    /// Dim the page around the target (spotlight). Modals always dim.
    #[serde(default, skip_serializing_if = "is_false")]
    pub backdrop: bool,
    /// Go somewhere other than the next step when this one completes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branch: Vec<Branch>,
    /// Checklist items (checklist steps only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ChecklistItem>,
    /// The question (survey steps only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<Survey>,
}

impl Step {
    /// Whether the overlay gives this step its own buttons (Back after the first step, Next,
    /// Done on the last): it has none of its own, continues on Next, and is neither a survey
    /// nor a checklist.
    pub fn gets_default_buttons(&self) -> bool {
        self.gets_engine_buttons() && self.advance == Advance::Next
    }

    /// The engine adds buttons of its own (Back, and Next or Done when it continues on its
    /// Next button): the step has none of its own and is no survey or checklist, which
    /// have their own controls.
    pub fn gets_engine_buttons(&self) -> bool {
        self.buttons.is_empty() && !matches!(self.kind, StepKind::Survey | StepKind::Checklist)
    }
}

/// Where a step anchors: a CSS selector, with fallbacks when the selector breaks.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub selector: String,
    /// The element's text (its `textContent`, trimmed, runs of white space as one,
    /// case-insensitive). With a selector that names no id and no attribute (a tag and
    /// classes, a structural path), only the elements with this text count
    /// ([`Target::text_required`]): such a selector matches other elements on other pages or
    /// views. With one that names the element, the text picks among several matches, and
    /// when none has it (a translated or toggled label), all of them count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Tried in order when the selector matches nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<Fallback>,
}

impl Target {
    /// Whether only the selector's matches with the target's text count: it has a text, and
    /// its selector names no id and no attribute (a structural path, a tag and a CSS
    /// framework's classes). Such a selector matches whatever sits in that place or wears
    /// those classes on another page or view (CoreUI's views share one frame; Stoplight's
    /// overview has one `button.sl-button`, Export, where the operation had Send): the step
    /// would point at it. A selector that names the element keeps its matches when none has
    /// the text (a translated or toggled label).
    pub fn text_required(&self) -> bool {
        self.text.is_some() && names_nothing(&self.selector)
    }
}

/// A selector that names nothing of the element's own (no id, no attribute) or is a
/// structural path (`:nth-`): many elements may match it over time.
pub fn names_nothing(selector: &str) -> bool {
    selector.contains(":nth-") || !selector.contains(['#', '['])
}

/// A fallback: an element by its visible text (optionally of one tag), or by a `data-` attribute.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fallback {
    /// Visible text of the element, trimmed, case-insensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Restrict the text search to this tag, e.g. `button`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// A `data-` attribute name, e.g. `data-tour`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// The attribute's value; absent means "has the attribute".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Which side of the target the floating box goes on.
#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum Placement {
    #[serde(rename = "top")]
    Top,
    #[serde(rename = "top-start")]
    TopStart,
    #[serde(rename = "top-end")]
    TopEnd,
    #[serde(rename = "bottom")]
    Bottom,
    #[serde(rename = "bottom-start")]
    BottomStart,
    #[serde(rename = "bottom-end")]
    BottomEnd,
    #[serde(rename = "left")]
    Left,
    #[serde(rename = "left-start")]
    LeftStart,
    #[serde(rename = "left-end")]
    LeftEnd,
    #[serde(rename = "right")]
    Right,
    #[serde(rename = "right-start")]
    RightStart,
    #[serde(rename = "right-end")]
    RightEnd,
    #[default]
    #[serde(rename = "auto")]
    Auto,
}

/// The side part of a placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Top,
    Bottom,
    Left,
    Right,
}

/// The alignment part of a placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Start,
    Center,
    End,
}

impl Placement {
    pub const ALL: [Placement; 13] = [
        Placement::Top,
        Placement::TopStart,
        Placement::TopEnd,
        Placement::Bottom,
        Placement::BottomStart,
        Placement::BottomEnd,
        Placement::Left,
        Placement::LeftStart,
        Placement::LeftEnd,
        Placement::Right,
        Placement::RightStart,
        Placement::RightEnd,
        Placement::Auto,
    ];

    pub const NAMES: [&'static str; 13] = [
        "top",
        "top-start",
        "top-end",
        "bottom",
        "bottom-start",
        "bottom-end",
        "left",
        "left-start",
        "left-end",
        "right",
        "right-start",
        "right-end",
        "auto",
    ];

    pub fn from_parts(side: Side, align: Align) -> Placement {
        use Align::*;
        use Placement::*;
        match (side, align) {
            (Side::Top, Center) => Top,
            (Side::Top, Start) => TopStart,
            (Side::Top, End) => TopEnd,
            (Side::Bottom, Center) => Bottom,
            (Side::Bottom, Start) => BottomStart,
            (Side::Bottom, End) => BottomEnd,
            (Side::Left, Center) => Left,
            (Side::Left, Start) => LeftStart,
            (Side::Left, End) => LeftEnd,
            (Side::Right, Center) => Right,
            (Side::Right, Start) => RightStart,
            (Side::Right, End) => RightEnd,
        }
    }

    /// The side and alignment; `None` for `auto`.
    pub fn parts(self) -> Option<(Side, Align)> {
        use Placement::*;
        Some(match self {
            Top => (Side::Top, Align::Center),
            TopStart => (Side::Top, Align::Start),
            TopEnd => (Side::Top, Align::End),
            Bottom => (Side::Bottom, Align::Center),
            BottomStart => (Side::Bottom, Align::Start),
            BottomEnd => (Side::Bottom, Align::End),
            Left => (Side::Left, Align::Center),
            LeftStart => (Side::Left, Align::Start),
            LeftEnd => (Side::Left, Align::End),
            Right => (Side::Right, Align::Center),
            RightStart => (Side::Right, Align::Start),
            RightEnd => (Side::Right, Align::End),
            Auto => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        use Placement::*;
        match self {
            Top => "top",
            TopStart => "top-start",
            TopEnd => "top-end",
            Bottom => "bottom",
            BottomStart => "bottom-start",
            BottomEnd => "bottom-end",
            Left => "left",
            LeftStart => "left-start",
            LeftEnd => "left-end",
            Right => "right",
            RightStart => "right-start",
            RightEnd => "right-end",
            Auto => "auto",
        }
    }
}

/// A button on a step.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Button {
    /// Visible label (plain text).
    pub label: String,
    pub action: ButtonAction,
    /// Step id for `goto`, URL for `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ButtonAction {
    /// Go to the next step (or complete on the last).
    Next,
    /// Go back to the previous step.
    Back,
    /// Dismiss the whole guide.
    Dismiss,
    /// Complete the whole guide now.
    Complete,
    /// Jump to the step named in `to`.
    Goto,
    /// Open the URL in `to` and complete the step.
    Url,
}

/// What moves a guide past a step.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq, Default)]
#[serde(tag = "on", rename_all = "snake_case", deny_unknown_fields)]
pub enum Advance {
    /// The Next (or Done) button.
    #[default]
    Next,
    /// A click on the target element.
    Click,
    /// The host app tracking this event.
    Event { name: String },
    /// The URL changing to match this pattern (same syntax as URL rules).
    Url { pattern: String },
}

#[derive(Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnMissing {
    /// Skip to the next step.
    Skip,
    /// End the guide with reason `target_missing`.
    #[default]
    End,
    /// Show the step centred, as a modal.
    Center,
}

/// A jump to another step when this one completes, optionally only for some survey answers.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// The step id to go to.
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<BranchWhen>,
}

/// Condition on the survey answer of this step.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BranchWhen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_max: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
}

/// A checklist item, ticked when the host tracks `event`.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub id: String,
    pub label: String,
    /// Event name that completes the item.
    pub event: String,
    /// Optional guide to start when the item is clicked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_guide: Option<String>,
}

/// A short survey question. (Unknown fields are caught by the loader's shape check:
/// serde cannot deny them next to a flattened field.)
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Survey {
    pub question: String,
    #[serde(flatten)]
    pub scale: SurveyScale,
    /// Offer a free-text comment box.
    #[serde(default, skip_serializing_if = "is_false")]
    pub comment: bool,
}

#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SurveyScale {
    /// Net Promoter Score, 0–10.
    Nps,
    /// A rating from `min` to `max`.
    Rating { min: i32, max: i32 },
    /// One of the choices.
    Choice { choices: Vec<String> },
}

/// Translated texts for one step.
#[derive(Serialize, JsonSchema, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct StepText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Button labels by position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
}

impl Guide {
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// True when any step takes the user's attention (tooltip, modal or survey).
    pub fn is_modal_class(&self) -> bool {
        self.steps.iter().any(|s| s.kind.is_modal_class())
    }

    /// The step with the texts of `locale` applied (falls back to the language, then the original).
    pub fn localized_step(&self, index: usize, locale: &str) -> Option<Step> {
        let mut step = self.steps.get(index)?.clone();
        let lang = locale.split('-').next().unwrap_or(locale);
        let texts = self.locales.get(locale).or_else(|| self.locales.get(lang)).and_then(|m| m.get(&step.id));
        if let Some(t) = texts {
            if let Some(title) = &t.title {
                step.title = Some(title.clone());
            }
            if let Some(body) = &t.body {
                step.body = body.clone();
            }
            for (b, label) in step.buttons.iter_mut().zip(&t.buttons) {
                b.label = label.clone();
            }
            if let (Some(s), Some(q)) = (step.survey.as_mut(), &t.question) {
                s.question = q.clone();
            }
        }
        Some(step)
    }
}

// ---------------------------------------------------------------------------
// Reading guides (see `crate::json`). Defaults mirror the serde attributes above,
// which the JSON Schema is generated from; the round-trip tests keep them equal.

impl FromJson for Guide {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a guide object")?;
        Ok(Guide {
            id: o.req("id")?,
            name: o.req("name")?,
            version: o.or("version", one())?,
            priority: o.or_default("priority")?,
            audience: o.or_default("audience")?,
            trigger: o.or_default("trigger")?,
            frequency: o.or_default("frequency")?,
            rollout: o.opt("rollout")?,
            goal: o.opt("goal")?,
            holdout: o.opt("holdout")?,
            steps: o.req("steps")?,
            locales: o.or_default("locales")?,
        })
    }
}

impl FromJson for Trigger {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a trigger object")?;
        Ok(match o.tag("type", &["page_view", "event", "manual"])? {
            "page_view" => Trigger::PageView,
            "event" => Trigger::Event { name: o.req("name")? },
            _ => Trigger::Manual,
        })
    }
}

impl FromJson for Frequency {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a frequency object")?;
        Ok(match o.tag("type", &["once", "times", "cooldown", "once_per_session"])? {
            "once" => Frequency::Once,
            "times" => Frequency::Times { n: o.req("n")? },
            "cooldown" => Frequency::Cooldown { days: o.req("days")?, max: o.opt("max")? },
            _ => Frequency::OncePerSession,
        })
    }
}

impl FromJson for Goal {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a goal object")?;
        Ok(Goal {
            event: o.opt("event")?,
            conditions: o.or_default("where")?,
            url: o.opt("url")?,
            mode: o.or_default("match")?,
            within_days: o.or("within_days", seven())?,
        })
    }
}

impl FromJson for PropertyCond {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a property condition object")?;
        let c = PropertyCond { property: o.req("property")?, op: o.req("op")?, value: o.opt("value")? };
        crate::rules::check_property_operand(&c).map_err(|m| at.key("value").error(m))?;
        Ok(c)
    }
}

impl FromJson for Rollout {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a rollout object")?;
        Ok(Rollout { percent: o.req("percent")?, variants: o.or_default("variants")? })
    }
}

impl FromJson for Variant {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a variant object")?;
        Ok(Variant { name: o.req("name")?, weight: o.or("weight", one())? })
    }
}

impl FromJson for StepKind {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        named(v, at, &StepKind::ALL, StepKind::as_str)
    }
}

impl FromJson for Placement {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        named(v, at, &Placement::ALL, Placement::as_str)
    }
}

impl FromJson for Step {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a step object")?;
        Ok(Step {
            id: o.req("id")?,
            kind: o.req("kind")?,
            target: o.opt("target")?,
            placement: o.or_default("placement")?,
            title: o.opt("title")?,
            body: o.or_default("body")?,
            buttons: o.or_default("buttons")?,
            advance: o.or_default("advance")?,
            on_missing: o.or_default("on_missing")?,
            wait_ms: o.opt("wait_ms")?,
            backdrop: o.or_default("backdrop")?,
            branch: o.or_default("branch")?,
            items: o.or_default("items")?,
            survey: o.opt("survey")?,
        })
    }
}

impl FromJson for Target {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a target object")?;
        Ok(Target { selector: o.req("selector")?, text: o.opt("text")?, fallbacks: o.or_default("fallbacks")? })
    }
}

impl FromJson for Fallback {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a fallback object")?;
        Ok(Fallback { text: o.opt("text")?, tag: o.opt("tag")?, attribute: o.opt("attribute")?, value: o.opt("value")? })
    }
}

impl FromJson for Button {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a button object")?;
        Ok(Button { label: o.req("label")?, action: o.req("action")?, to: o.opt("to")? })
    }
}

impl FromJson for ButtonAction {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        use ButtonAction::*;
        one_of(v, at, &[("next", Next), ("back", Back), ("dismiss", Dismiss), ("complete", Complete), ("goto", Goto), ("url", Url)])
    }
}

impl FromJson for Advance {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "an advance object")?;
        Ok(match o.tag("on", &["next", "click", "event", "url"])? {
            "next" => Advance::Next,
            "click" => Advance::Click,
            "event" => Advance::Event { name: o.req("name")? },
            _ => Advance::Url { pattern: o.req("pattern")? },
        })
    }
}

impl FromJson for OnMissing {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        one_of(v, at, &[("skip", OnMissing::Skip), ("end", OnMissing::End), ("center", OnMissing::Center)])
    }
}

impl FromJson for Branch {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a branch object")?;
        Ok(Branch { to: o.req("to")?, when: o.opt("when")? })
    }
}

impl FromJson for BranchWhen {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a branch condition object")?;
        Ok(BranchWhen { score_min: o.opt("score_min")?, score_max: o.opt("score_max")?, choice: o.opt("choice")? })
    }
}

impl FromJson for ChecklistItem {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a checklist item object")?;
        Ok(ChecklistItem { id: o.req("id")?, label: o.req("label")?, event: o.req("event")?, start_guide: o.opt("start_guide")? })
    }
}

impl FromJson for Survey {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a survey object")?;
        let scale = match o.tag("type", &["nps", "rating", "choice"])? {
            "nps" => SurveyScale::Nps,
            "rating" => SurveyScale::Rating { min: o.req("min")?, max: o.req("max")? },
            _ => SurveyScale::Choice { choices: o.req("choices")? },
        };
        Ok(Survey { question: o.req("question")?, scale, comment: o.or_default("comment")? })
    }
}

impl FromJson for StepText {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a translation object")?;
        Ok(StepText { title: o.opt("title")?, body: o.opt("body")?, buttons: o.or_default("buttons")?, question: o.opt("question")? })
    }
}
