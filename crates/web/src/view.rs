//! The view model: what the overlay shows for a step, built from core types only.
//!
//! Pure and platform-free so it is tested natively; the overlay renders it and
//! never looks at a `Guide` itself.

use guidepost_core::richtext::{self, Block};
use guidepost_core::{ButtonAction, ChecklistItem, Guide, StepKind, Survey, TourState};

/// A button as the overlay shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ButtonVm {
    /// Index into the step's authored buttons; `None` for a default button.
    pub index: Option<usize>,
    pub label: String,
    pub action: ButtonAction,
    pub primary: bool,
}

/// A checklist row.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemVm {
    pub id: String,
    pub label: String,
    pub done: bool,
    pub start_guide: Option<String>,
}

/// Everything the overlay needs to render one step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepVm {
    /// Changes whenever the step changes (used to re-focus and re-announce).
    pub key: String,
    pub guide_id: String,
    pub kind: StepKind,
    pub title: Option<String>,
    pub body: Vec<Block>,
    pub buttons: Vec<ButtonVm>,
    /// 1-based position and total, for the progress indicator.
    pub position: usize,
    pub total: usize,
    pub backdrop: bool,
    /// Shown in the middle of the screen (a modal, or a tooltip whose target is missing).
    pub centered: bool,
    pub survey: Option<Survey>,
    pub items: Vec<ItemVm>,
    /// The live-region announcement for screen readers.
    pub announcement: String,
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
    let needs_defaults =
        buttons.is_empty() && !matches!(step.kind, StepKind::Survey | StepKind::Checklist) && step.advance == guidepost_core::Advance::Next;
    if needs_defaults {
        if can_back {
            buttons.push(ButtonVm { index: None, label: "Back".into(), action: ButtonAction::Back, primary: false });
        }
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
    let title_text = step.title.clone().unwrap_or_default();
    let body_text = richtext::plain_text(&step.body);
    let announcement = if total > 1 {
        format!("Step {} of {}: {}", state.step + 1, total, if title_text.is_empty() { &body_text } else { &title_text })
    } else if title_text.is_empty() {
        body_text.clone()
    } else {
        title_text.clone()
    };
    Some(StepVm {
        key: format!("{}:{}:{}", guide.id, step.id, centered),
        guide_id: guide.id.clone(),
        kind: step.kind,
        title: step.title.clone(),
        body: richtext::parse(&step.body),
        buttons,
        position: state.step + 1,
        total,
        backdrop: step.backdrop || step.kind == StepKind::Modal || step.kind == StepKind::Survey || centered,
        centered: centered || matches!(step.kind, StepKind::Modal) || (step.kind == StepKind::Survey && step.target.is_none()),
        survey: step.survey.clone(),
        items,
        announcement,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use guidepost_core::{load_guides, transition, Input};

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
        assert_eq!(vm.announcement, announcement);
        vm
    }

    #[test]
    fn authored_buttons_win_and_defaults_fill_in() {
        check("onboarding-tour", &[], "en", &["Start the tour", "Not now"], "Step 1 of 4: Welcome to Acme Analytics");
        // The `export` step advances on click: no default Next button.
        let vm = check("onboarding-tour", &[Input::Next, Input::TargetFound, Input::Next], "en", &[], "Step 3 of 4: Export in one click");
        assert!(vm.backdrop);
        // A hotspot without buttons gets Done (it is the last step).
        let vm = check("export-hotspot", &[], "en", &["Done"], "New: Excel and Parquet");
        assert!(!vm.is_modal());
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
