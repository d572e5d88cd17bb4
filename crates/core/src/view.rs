//! The view model: what the overlay shows for a step, built from core types only.
//!
//! The decision module builds it ([`step_vm`]) and hands it to the overlay module as
//! JSON (`Serialize` one side, [`FromJson`] the other): the overlay never looks at a
//! `Guide`, and the decision module never parses rich text (the body travels as the
//! author wrote it; the overlay renders it through [`crate::richtext`]).

use serde::Serialize;
use serde_json::Value;

use crate::json::{At, FromJson, JsonError, Obj};
use crate::{Advance, ButtonAction, ChecklistItem, Guide, Placement, StepKind, Survey, TourState};

/// A button as the overlay shows it.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ButtonVm {
    /// Index into the step's authored buttons; `None` for a default button.
    pub index: Option<usize>,
    pub label: String,
    pub action: ButtonAction,
    pub primary: bool,
}

/// A checklist row.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ItemVm {
    pub id: String,
    pub label: String,
    pub done: bool,
    pub start_guide: Option<String>,
}

/// Everything the overlay needs to render one step.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct StepVm {
    /// Changes whenever the step changes (used to re-focus and re-announce).
    pub key: String,
    pub guide_id: String,
    pub kind: StepKind,
    pub title: Option<String>,
    /// The body's rich text as authored (the overlay parses and renders it).
    pub body: String,
    /// Where an anchored step floats.
    pub placement: Placement,
    pub buttons: Vec<ButtonVm>,
    /// 1-based position and total, for the progress indicator.
    pub position: usize,
    pub total: usize,
    pub backdrop: bool,
    /// Shown in the middle of the screen (a modal, or a tooltip whose target is missing).
    pub centered: bool,
    pub survey: Option<Survey>,
    pub items: Vec<ItemVm>,
    /// The target's selector and text (`Target`), for the overlay to check again as the
    /// page changes: an element found by them that no longer matches (a virtual list that
    /// reused a row's node for another row, a grid that sorted its rows by rewriting their
    /// cells) is no longer the target.
    pub target_selector: Option<String>,
    pub target_text: Option<String>,
}

impl StepVm {
    /// True for steps that trap focus and dim the page.
    pub fn is_modal(&self) -> bool {
        matches!(self.kind, StepKind::Modal | StepKind::Survey) || self.centered
    }

    /// Whether the step floats next to a target.
    pub fn is_anchored(&self) -> bool {
        !self.centered && matches!(self.kind, StepKind::Tooltip | StepKind::Hotspot)
    }

    /// The live-region announcement for screen readers.
    pub fn announcement(&self) -> String {
        let title = self.title.clone().unwrap_or_default();
        let text = if title.is_empty() { crate::richtext::plain_text(&self.body) } else { title };
        if self.total > 1 {
            format!("Step {} of {}: {text}", self.position, self.total)
        } else {
            text
        }
    }
}

impl FromJson for ButtonVm {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a button")?;
        Ok(ButtonVm { index: o.opt("index")?, label: o.req("label")?, action: o.req("action")?, primary: o.req("primary")? })
    }
}

impl FromJson for ItemVm {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a checklist row")?;
        Ok(ItemVm { id: o.req("id")?, label: o.req("label")?, done: o.req("done")?, start_guide: o.opt("start_guide")? })
    }
}

impl FromJson for StepVm {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "a step view")?;
        Ok(StepVm {
            key: o.req("key")?,
            guide_id: o.req("guide_id")?,
            kind: o.req("kind")?,
            title: o.opt("title")?,
            body: o.req("body")?,
            placement: o.req("placement")?,
            buttons: o.req("buttons")?,
            position: o.req("position")?,
            total: o.req("total")?,
            backdrop: o.req("backdrop")?,
            centered: o.req("centered")?,
            survey: o.opt("survey")?,
            items: o.req("items")?,
            target_selector: o.opt("target_selector")?,
            target_text: o.opt("target_text")?,
        })
    }
}

/// What the user did in the overlay, sent back to the decision module (as JSON:
/// `Serialize` in the overlay, [`FromJson`] in the decision module).
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UiEvent {
    Button {
        index: Option<usize>,
        action: ButtonAction,
    },
    Close,
    Escape,
    Backdrop,
    Next,
    Back,
    Survey {
        answer: crate::SurveyAnswer,
    },
    StartGuide {
        id: String,
    },
    /// The anchored step's target left the page (a re-render or a navigation).
    TargetLost,
    /// The overlay module has put the step on screen (sent by the loader).
    Shown,
    /// The overlay module could not be loaded, retries included (sent by the loader).
    Unavailable,
}

impl UiEvent {
    const TYPES: [&'static str; 11] =
        ["button", "close", "escape", "backdrop", "next", "back", "survey", "start_guide", "target_lost", "shown", "unavailable"];
}

impl FromJson for UiEvent {
    fn from_json(v: &Value, at: At) -> Result<Self, JsonError> {
        let o = Obj::new(v, at, "an overlay event")?;
        Ok(match o.tag("type", &UiEvent::TYPES)? {
            "button" => UiEvent::Button { index: o.opt("index")?, action: o.req("action")? },
            "close" => UiEvent::Close,
            "escape" => UiEvent::Escape,
            "backdrop" => UiEvent::Backdrop,
            "next" => UiEvent::Next,
            "back" => UiEvent::Back,
            "survey" => UiEvent::Survey { answer: o.req("answer")? },
            "start_guide" => UiEvent::StartGuide { id: o.req("id")? },
            "target_lost" => UiEvent::TargetLost,
            "shown" => UiEvent::Shown,
            _ => UiEvent::Unavailable,
        })
    }
}

/// Builds the view model for the state's current step, in `locale`.
pub fn step_vm(guide: &Guide, state: &TourState, locale: &str, centered: bool) -> Option<StepVm> {
    let step = guide.localized_step(state.step, locale)?;
    let total = guide.steps.len();
    let last = state.step + 1 >= total;
    let can_back = !state.trail.is_empty();
    let mut buttons: Vec<ButtonVm> = step
        .buttons
        .iter()
        .enumerate()
        .map(|(i, b)| ButtonVm {
            index: Some(i),
            label: b.label.clone(),
            action: b.action,
            primary: matches!(b.action, ButtonAction::Next | ButtonAction::Complete | ButtonAction::Url | ButtonAction::Goto),
        })
        .collect();
    // A step that continues on a click, an event or a page change has no Next of its own,
    // but Back all the same, unless the step before continued on a page change: Back would
    // look for its element on this page.
    let defaults = step.gets_default_buttons();
    let before_on_page = state.trail.last().and_then(|&i| guide.steps.get(i)).is_some_and(|s| matches!(s.advance, Advance::Url { .. }));
    let own_back = step.gets_engine_buttons() && !before_on_page;
    if (defaults || own_back) && can_back {
        buttons.push(ButtonVm { index: None, label: "Back".into(), action: ButtonAction::Back, primary: false });
    }
    if defaults {
        let label = if last { "Done" } else { "Next" };
        buttons.push(ButtonVm { index: None, label: label.into(), action: ButtonAction::Next, primary: true });
    }
    let items = step
        .items
        .iter()
        .map(|it: &ChecklistItem| ItemVm {
            id: it.id.clone(),
            label: it.label.clone(),
            done: state.checklist_done.contains(&it.id),
            start_guide: it.start_guide.clone(),
        })
        .collect();
    Some(StepVm {
        key: format!("{}:{}:{}", guide.id, step.id, centered),
        guide_id: guide.id.clone(),
        kind: step.kind,
        title: step.title.clone(),
        body: step.body.clone(),
        placement: step.placement,
        buttons,
        position: state.step + 1,
        total,
        backdrop: step.backdrop || step.kind == StepKind::Modal || step.kind == StepKind::Survey || centered,
        centered: centered || matches!(step.kind, StepKind::Modal) || (step.kind == StepKind::Survey && step.target.is_none()),
        survey: step.survey.clone(),
        items,
        target_selector: step.target.as_ref().map(|t| t.selector.clone()),
        target_text: step.target.as_ref().and_then(|t| t.text.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load_guides, transition, Input};

    fn guide(name: &str) -> Guide {
        let p = format!("{}/../../guides/{name}.json", env!("CARGO_MANIFEST_DIR"));
        load_guides(&std::fs::read_to_string(p).unwrap()).guides.remove(0)
    }

    /// Builds the view model after `inputs` and checks the button labels and announcement.
    fn check(name: &str, inputs: &[Input], locale: &str, labels: &[&str], announcement: &str) -> StepVm {
        let g = guide(name);
        let (mut s, _) = TourState::start(&g, None, 0);
        for i in inputs {
            s = transition(&g, &s, i.clone(), 1).0;
        }
        let vm = step_vm(&g, &s, locale, false).unwrap();
        assert_eq!(vm.buttons.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), labels);
        assert_eq!(vm.announcement(), announcement);
        // What the overlay reads back is what the decision module wrote.
        let back: StepVm = crate::json::from_str(&serde_json::to_string(&vm).unwrap()).unwrap();
        assert_eq!(back, vm);
        vm
    }

    #[test]
    fn authored_buttons_win_and_defaults_fill_in() {
        check("onboarding-tour", &[], "en", &["Start the tour", "Not now"], "Step 1 of 4: Welcome to Acme Analytics");
        // The `export` step advances on click: no default Next button, but Back (a prober
        // found none, though the README promises Back from the second step on).
        let vm =
            check("onboarding-tour", &[Input::Next, Input::TargetFound, Input::Next], "en", &["Back"], "Step 3 of 4: Export in one click");
        assert!(vm.backdrop);
        // A hotspot without buttons gets Done (it is the last step).
        let vm = check("export-hotspot", &[], "en", &["Done"], "New: Excel and Parquet");
        assert!(!vm.is_modal());
    }

    // From a review: Back on a step reached by a page change looked for the step before's
    // element on the new page, and ended the guide.
    #[test]
    fn a_step_after_a_page_change_gets_no_back_of_its_own() {
        let g = crate::load_guides(
            r##"[{"id": "p", "name": "P", "steps": [
                {"id": "open", "kind": "modal", "title": "Open Reports", "advance": {"on": "url", "pattern": "/reports"}},
                {"id": "export", "kind": "tooltip", "title": "Export", "target": {"selector": "#x"}, "advance": {"on": "click"}},
                {"id": "share", "kind": "tooltip", "title": "Share", "target": {"selector": "#y"}, "advance": {"on": "click"}}]}]"##,
        )
        .guides
        .remove(0);
        let labels = |at: usize| {
            let (s, _) = TourState::start_at(&g, at, 0);
            step_vm(&g, &s, "en", false).unwrap().buttons.into_iter().map(|b| b.label).collect::<Vec<_>>()
        };
        assert_eq!(labels(1), Vec::<String>::new(), "after a page change");
        assert_eq!(labels(2), ["Back"], "after a click on this page");
    }

    #[test]
    fn overlay_events_read_back_as_written() {
        let answer = crate::SurveyAnswer { score: Some(9), choice: None, comment: Some("ok".into()) };
        for ev in [
            UiEvent::Button { index: Some(2), action: ButtonAction::Goto },
            UiEvent::Button { index: None, action: ButtonAction::Back },
            UiEvent::Close,
            UiEvent::Escape,
            UiEvent::Backdrop,
            UiEvent::Next,
            UiEvent::Back,
            UiEvent::Survey { answer },
            UiEvent::StartGuide { id: "tour".into() },
            UiEvent::TargetLost,
            UiEvent::Shown,
            UiEvent::Unavailable,
        ] {
            let text = serde_json::to_string(&ev).unwrap();
            assert_eq!(crate::json::from_str::<UiEvent>(&text), Ok(ev), "{text}");
        }
        let err = crate::json::from_str::<UiEvent>(r#"{"type":"clicked"}"#).unwrap_err();
        assert_eq!(err.path, "$.type");
    }

    #[test]
    fn survey_and_checklist_views_read_back_as_written() {
        for name in ["nps-survey", "setup-checklist", "billing-banner"] {
            let g = guide(name);
            let (s, _) = TourState::start(&g, None, 0);
            let vm = step_vm(&g, &s, "en", false).unwrap();
            let back: StepVm = crate::json::from_str(&serde_json::to_string(&vm).unwrap()).unwrap();
            assert_eq!(back, vm, "{name}");
        }
    }

    #[test]
    fn back_appears_only_with_history() {
        let g = guide("onboarding-tour");
        let (s, _) = TourState::start(&g, None, 0);
        let mut g2 = g.clone();
        g2.steps[1].buttons.clear();
        let s = transition(&g2, &s, Input::Next, 1).0;
        let vm = step_vm(&g2, &s, "en", false).unwrap();
        assert_eq!(vm.buttons.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["Back", "Next"]);
    }

    #[test]
    fn translations_apply() {
        check("onboarding-tour", &[], "fr-FR", &["Commencer", "Plus tard"], "Step 1 of 4: Bienvenue sur Acme Analytics");
    }

    #[test]
    fn centred_fallback_makes_a_modal() {
        let g = guide("onboarding-tour");
        let (s, _) = TourState::start(&g, None, 0);
        let s = transition(&g, &s, Input::Next, 1).0;
        let vm = step_vm(&g, &s, "en", true).unwrap();
        assert!(vm.centered && vm.is_modal() && vm.backdrop);
    }
}
