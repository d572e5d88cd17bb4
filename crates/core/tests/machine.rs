//! The state machine: scripted runs through one `check` helper, and a no-panic property.

use guidepost_core::{load_guides, transition, Effect, EventKind, ExitReason, Guide, Input, Phase, SurveyAnswer as Answer, TourState};
use proptest::prelude::*;

fn guide(name: &str) -> Guide {
    let path = format!("{}/../../guides/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let report = load_guides(&std::fs::read_to_string(path).unwrap());
    report.guides.into_iter().next().expect("fixture loads")
}

/// Starts `g`, feeds `inputs` one per second, and checks the records emitted
/// (as `kind:step` or `kind:step:reason`) and the final phase.
fn check(g: &Guide, inputs: &[Input], records: &[&str], end: Option<ExitReason>) -> TourState {
    check_from(g, 0, inputs, records, end)
}

/// [`check`], started at step `at` (`TourState::start_at`, the designer's preview).
fn check_from(g: &Guide, at: usize, inputs: &[Input], records: &[&str], end: Option<ExitReason>) -> TourState {
    let mut t = 1_000_000;
    let (mut s, fx) = if at == 0 { TourState::start(g, None, t) } else { TourState::start_at(g, at, t) };
    let mut all = fx;
    for i in inputs {
        t += 1000;
        let (next, fx) = transition(g, &s, i.clone(), t);
        s = next;
        all.extend(fx);
    }
    let got: Vec<String> = all
        .iter()
        .filter_map(|e| match e {
            Effect::Record(d) => Some(match d.reason {
                Some(r) => format!("{}:{}:{}", d.kind.as_str(), d.step_id.clone().unwrap_or_default(), r.as_str()),
                None => format!("{}:{}", d.kind.as_str(), d.step_id.clone().unwrap_or_default()),
            }),
            _ => None,
        })
        .collect();
    assert_eq!(got, records, "records");
    match end {
        Some(r) => assert_eq!(s.phase, Phase::Ended { reason: r }),
        None => assert!(!s.is_ended(), "still running: {:?}", s.phase),
    }
    s
}

use Input::*;

#[test]
fn tour_runs_next_back_and_completes() {
    let g = guide("onboarding-tour");
    check(
        &g,
        &[Next, TargetFound, Back, Next, TargetFound, Next, TargetFound, TargetClicked, Button { index: 0 }],
        &[
            "guide_shown:",
            "step_viewed:welcome",
            "step_completed:welcome",
            "step_viewed:sidebar",
            "step_viewed:welcome",
            "step_completed:welcome",
            "step_viewed:sidebar",
            "step_completed:sidebar",
            "step_viewed:export",
            "step_completed:export",
            "step_viewed:done",
            "step_completed:done",
            "guide_completed:done:completed",
        ],
        Some(ExitReason::Completed),
    );
}

// Regression: the designer previewed a middle step alone, so it had no Back and said Done.
// Started at the step, the whole guide runs: Back goes to the step before, Next on.
#[test]
fn regression_a_previewed_middle_step_had_no_back_and_said_done() {
    let g = guide("onboarding-tour");
    let s = check_from(&g, 1, &[TargetFound], &["guide_shown:", "step_viewed:sidebar"], None);
    assert_eq!((s.step, s.trail.clone()), (1, vec![0]));
    check_from(&g, 1, &[TargetFound, Back], &["guide_shown:", "step_viewed:sidebar", "step_viewed:welcome"], None);
    check_from(
        &g,
        2,
        &[TargetFound, TargetClicked, Back, TargetFound],
        &["guide_shown:", "step_viewed:export", "step_completed:export", "step_viewed:done", "step_viewed:export"],
        None,
    );
    let s = check_from(&g, 9, &[], &["guide_shown:", "step_viewed:done"], None);
    assert_eq!(s.trail, [0, 1, 2]);
}

#[test]
fn escape_dismisses_with_the_step() {
    let g = guide("onboarding-tour");
    check(
        &g,
        &[Next, TargetFound, Escape],
        &["guide_shown:", "step_viewed:welcome", "step_completed:welcome", "step_viewed:sidebar", "guide_dismissed:sidebar:dismissed"],
        Some(ExitReason::Dismissed),
    );
}

#[test]
fn missing_target_ends_or_skips_per_step() {
    let g = guide("onboarding-tour");
    // `sidebar` has on_missing = end (the default).
    check(
        &g,
        &[Next, TargetMissing],
        &[
            "guide_shown:",
            "step_viewed:welcome",
            "step_completed:welcome",
            "step_target_missing:sidebar",
            "guide_abandoned:sidebar:target_missing",
        ],
        Some(ExitReason::TargetMissing),
    );
    // `export` has on_missing = skip: it goes on to `done`.
    check(
        &g,
        &[Next, TargetFound, Next, TargetMissing],
        &[
            "guide_shown:",
            "step_viewed:welcome",
            "step_completed:welcome",
            "step_viewed:sidebar",
            "step_completed:sidebar",
            "step_target_missing:export",
            "step_viewed:done",
        ],
        None,
    );
}

#[test]
fn regression_a_target_replaced_while_shown_counted_the_step_as_viewed_again() {
    let g = guide("onboarding-tour");
    // `sidebar` is on screen; a re-render replaces its target twice, and it is found again.
    let s = check(
        &g,
        &[Next, TargetFound, TargetMissing, TargetFound, TargetMissing, TargetFound],
        &["guide_shown:", "step_viewed:welcome", "step_completed:welcome", "step_viewed:sidebar"],
        None,
    );
    // Its time on screen counts from when it was first shown (the second input).
    assert_eq!(s.step_started_ms, 1_002_000);
    // A step entered again (Back, then Next) is a new view.
    check(
        &g,
        &[Next, TargetFound, TargetMissing, TargetFound, Back, Next, TargetFound],
        &[
            "guide_shown:",
            "step_viewed:welcome",
            "step_completed:welcome",
            "step_viewed:sidebar",
            "step_viewed:welcome",
            "step_completed:welcome",
            "step_viewed:sidebar",
        ],
        None,
    );
}

/// Regression from Swagger Editor and vitest's UI (hash routes): the app changes its URL a
/// few milliseconds before it takes the old view down, so the shown step's target was
/// found again "on the new page", then vanished, and the guide ended as a broken target
/// (`step_target_missing`, `target_missing`) when the user had gone elsewhere.
#[test]
fn regression_a_target_taken_down_just_after_a_route_change_counted_as_broken() {
    let g = guide("onboarding-tour");
    // (case, ms from the page change to the old target vanishing, expected exit, whether
    // the step's target is reported missing)
    let cases = [
        ("the old view taken down 40 ms after the route changed", 40, ExitReason::NavigatedAway, false),
        ("a target that vanishes long after, on the new page", 5_000, ExitReason::TargetMissing, true),
    ];
    for (case, after, want, missing) in cases {
        check_route_change(&g, case, Input::TargetFound, after, want, missing);
    }
    // Found as another element after the change (the new page's own): its loss, however
    // soon, is a broken target.
    check_route_change(&g, "the new page's own element, lost at once", Input::TargetFoundAnew, 40, ExitReason::TargetMissing, true);
}

/// Shows `onboarding-tour`'s second step, changes the page, feeds `found`, loses the target
/// `after` ms after the change and again when the wait ends; checks the exit and whether
/// the step's target was reported missing.
fn check_route_change(g: &Guide, case: &str, found: Input, after: i64, want: ExitReason, missing: bool) {
    let t0 = 1_000_000;
    let (mut s, mut fx) = TourState::start(g, None, t0);
    let t_page = t0 + 2_000;
    let inputs = [
        (Input::Next, t0 + 1_000),
        (Input::TargetFound, t0 + 1_010),
        (Input::PageView { url: "/#/other".into() }, t_page),
        (found, t_page + 5),
        (Input::TargetMissing, t_page + after),
        (Input::TargetMissing, t_page + after + 3_000),
    ];
    for (i, t) in inputs {
        let (next, more) = transition(g, &s, i, t);
        s = next;
        fx.extend(more);
    }
    assert_eq!(s.phase, Phase::Ended { reason: want }, "{case}");
    let reported = fx.iter().any(|e| matches!(e, Effect::Record(d) if d.kind == EventKind::StepTargetMissing));
    assert_eq!(reported, missing, "{case}");
}

#[test]
fn leaving_the_page_of_a_shown_step_is_navigated_away_not_a_broken_target() {
    let g = guide("onboarding-tour");
    let page = |u: &str| PageView { url: u.into() };
    // `sidebar` was on screen, the user went to /settings where it is not found.
    check(
        &g,
        &[Next, TargetFound, page("/settings"), TargetMissing],
        &["guide_shown:", "step_viewed:welcome", "step_completed:welcome", "step_viewed:sidebar", "guide_abandoned:sidebar:navigated_away"],
        Some(ExitReason::NavigatedAway),
    );
    // Found again on the new page: the tour goes on, as the same view of the step (one
    // `step_viewed`), and a later miss is a broken target again.
    let s = check(
        &g,
        &[Next, TargetFound, page("/reports.html"), TargetFound],
        &["guide_shown:", "step_viewed:welcome", "step_completed:welcome", "step_viewed:sidebar"],
        None,
    );
    assert!(!s.after_navigation);
    // A step that never showed on this page (still locating) is a missing target.
    check(
        &g,
        &[Next, page("/settings"), TargetMissing],
        &[
            "guide_shown:",
            "step_viewed:welcome",
            "step_completed:welcome",
            "step_target_missing:sidebar",
            "guide_abandoned:sidebar:target_missing",
        ],
        Some(ExitReason::TargetMissing),
    );
}

#[test]
fn click_advance_ignores_clicks_on_other_steps() {
    let g = guide("onboarding-tour");
    let s = check(
        &g,
        &[TargetClicked, Next, TargetFound, TargetClicked],
        &["guide_shown:", "step_viewed:welcome", "step_completed:welcome", "step_viewed:sidebar"],
        None,
    );
    assert_eq!(s.step_id, "sidebar");
}

#[test]
fn survey_answers_branch() {
    let g = guide("nps-survey");
    let low = Answer { score: Some(3), choice: None, comment: Some("slow".into()) };
    check(
        &g,
        &[SurveyAnswer { answer: low }, Button { index: 0 }],
        &[
            "guide_shown:",
            "step_viewed:score",
            "survey_answered:score",
            "step_completed:score",
            "step_viewed:detractor",
            "step_completed:detractor",
            "guide_completed:detractor:completed",
        ],
        Some(ExitReason::Completed),
    );
    let high = Answer { score: Some(10), ..Default::default() };
    check(
        &g,
        &[SurveyAnswer { answer: high }],
        &["guide_shown:", "step_viewed:score", "survey_answered:score", "step_completed:score", "step_viewed:thanks"],
        None,
    );
}

#[test]
fn checklist_completes_when_all_items_are_done() {
    let g = guide("setup-checklist");
    let ev = |n: &str| Event { name: n.into() };
    let s = check(&g, &[ev("report_created"), ev("unrelated"), ev("report_created")], &["guide_shown:", "step_viewed:checklist"], None);
    assert_eq!(s.checklist_done, ["report"]);
    check(
        &g,
        &[ev("report_created"), ev("source_connected"), ev("teammate_invited")],
        &["guide_shown:", "step_viewed:checklist", "step_completed:checklist", "guide_completed:checklist:completed"],
        Some(ExitReason::Completed),
    );
}

#[test]
fn every_exit_has_a_reason() {
    let g = guide("onboarding-tour");
    for (input, reason) in [
        (Close, ExitReason::Dismissed),
        (BackdropClick, ExitReason::Dismissed),
        (Timeout, ExitReason::Timeout),
        (NavigatedAway, ExitReason::NavigatedAway),
        (Displaced, ExitReason::Displaced),
        (UserChanged, ExitReason::UserChanged),
    ] {
        let (s, _) = TourState::start(&g, None, 0);
        let (s, fx) = transition(&g, &s, input, 10);
        assert_eq!(s.phase, Phase::Ended { reason });
        assert!(fx.contains(&Effect::Ended { reason }));
        assert!(fx.iter().any(|e| matches!(e, Effect::Record(d) if d.kind.is_exit() && d.reason == Some(reason))));
    }
}

#[test]
fn state_survives_serialisation_and_resumes() {
    let g = guide("onboarding-tour");
    let (s, _) = TourState::start(&g, Some("a".into()), 0);
    let (s, _) = transition(&g, &s, Next, 5);
    let saved = serde_json::to_string(&s).unwrap();
    let restored: TourState = guidepost_core::json::from_str(&saved).unwrap();
    assert_eq!(restored, s);
    assert_eq!(restored.version, guidepost_core::STATE_VERSION);
    let (r, fx) = transition(&g, &restored, Resume { url: "/".into() }, 100);
    assert_eq!(r.step_id, "sidebar");
    assert!(fx.iter().any(|e| matches!(e, Effect::Locate { step: 1, .. })));
    // Resumed while still locating (never shown): a miss is a missing target.
    assert!(!r.after_navigation);
    let (shown, _) = transition(&g, &r, TargetFound, 110);
    let (again, _) = transition(&g, &shown, Resume { url: "/".into() }, 120);
    assert!(again.after_navigation, "a step that was on screen, resumed on a new page load");
    let (gone, _) = transition(&g, &again, TargetMissing, 130);
    assert_eq!(gone.phase, Phase::Ended { reason: ExitReason::NavigatedAway });
}

#[test]
fn resume_after_the_guide_was_edited_finds_the_step_by_id() {
    let mut g = guide("onboarding-tour");
    let (s, _) = TourState::start(&g, None, 0);
    let (s, _) = transition(&g, &s, Next, 5);
    // The author inserted a step before `sidebar`.
    let mut extra = g.steps[0].clone();
    extra.id = "inserted".into();
    g.steps.insert(1, extra);
    g.version += 1;
    let (r, _) = transition(&g, &s, Resume { url: "/".into() }, 10);
    assert_eq!((r.step, r.step_id.as_str()), (2, "sidebar"));
    // A step that no longer exists restarts the guide.
    g.steps.retain(|st| st.id != "sidebar");
    let (r, _) = transition(&g, &s, Resume { url: "/".into() }, 10);
    assert_eq!(r.step, 0);
}

#[test]
fn durations_are_measured_from_the_view() {
    let g = guide("onboarding-tour");
    let (s, _) = TourState::start(&g, None, 1_000);
    let (_, fx) = transition(&g, &s, Next, 4_500);
    let d = fx
        .iter()
        .find_map(|e| match e {
            Effect::Record(d) if d.kind == EventKind::StepCompleted => Some(d),
            _ => None,
        })
        .unwrap();
    assert_eq!(d.duration_ms, Some(3_500));
}

fn arb_input() -> impl Strategy<Value = Input> {
    prop_oneof![
        Just(Resume { url: "/".into() }),
        Just(UserChanged),
        Just(TargetFound),
        Just(TargetFoundAnew),
        Just(TargetMissing),
        Just(TargetClicked),
        Just(Next),
        Just(Back),
        Just(Escape),
        Just(Close),
        Just(BackdropClick),
        Just(Timeout),
        Just(NavigatedAway),
        Just(Displaced),
        (0usize..4).prop_map(|index| Button { index }),
        prop::sample::select(vec!["report_created", "source_connected", "teammate_invited", "x"]).prop_map(|n| Event { name: n.into() }),
        prop::sample::select(vec!["/dashboard", "/reports/1", "/settings"]).prop_map(|u| PageView { url: u.into() }),
        (0i32..11).prop_map(|s| SurveyAnswer { answer: Answer { score: Some(s), ..Default::default() } }),
    ]
}

proptest! {
    #[test]
    fn no_input_sequence_panics_or_escapes_the_guide(
        which in prop::sample::select(vec!["onboarding-tour", "nps-survey", "setup-checklist", "billing-banner", "export-hotspot"]),
        inputs in prop::collection::vec(arb_input(), 0..40),
    ) {
        let g = guide(which);
        let (mut s, _) = TourState::start(&g, None, 0);
        let mut ended = false;
        for (t, i) in inputs.into_iter().enumerate() {
            let (next, fx) = transition(&g, &s, i, t as i64 * 100);
            prop_assert!(next.step < g.steps.len());
            prop_assert_eq!(&next.step_id, &g.steps[next.step].id);
            if ended {
                prop_assert!(fx.is_empty(), "an ended guide does nothing");
                prop_assert_eq!(&next, &s);
            }
            // Exactly one exit record, and it comes with Ended.
            let exits = fx.iter().filter(|e| matches!(e, Effect::Record(d) if d.kind.is_exit())).count();
            let ends = fx.iter().filter(|e| matches!(e, Effect::Ended { .. })).count();
            prop_assert_eq!(exits, ends);
            prop_assert!(ends <= 1);
            ended = next.is_ended();
            s = next;
        }
    }
}

#[test]
fn url_advance_works_after_a_full_page_load() {
    // `advance: {on: "url"}` only advanced on history.pushState; a real link click reloads
    // the page, and the resumed step must see that it reached its URL.
    let g: Guide = load_guides(
        r#"{"id": "go", "name": "go", "steps": [
            {"id": "open", "kind": "modal", "title": "Open Reports", "advance": {"on": "url", "pattern": "/reports"}},
            {"id": "there", "kind": "modal", "title": "Here they are"}]}"#,
    )
    .guides
    .remove(0);
    let (s, _) = TourState::start(&g, None, 0);
    let (shown, _) = transition(&g, &s, TargetFound, 1);
    assert!(matches!(shown.phase, Phase::Showing { .. }));
    let saved: TourState = guidepost_core::json::from_str(&serde_json::to_string(&shown).unwrap()).unwrap();
    // The reload lands elsewhere: still on the first step.
    let (stay, _) = transition(&g, &saved, Resume { url: "/index.html".into() }, 10);
    assert_eq!(stay.step_id, "open");
    // The reload lands on the URL: the step completes and the next one starts.
    let (next, fx) = transition(&g, &saved, Resume { url: "http://app.example/reports?x=1".into() }, 10);
    assert_eq!(next.step_id, "there");
    assert!(fx.iter().any(
        |e| matches!(e, Effect::Record(d) if d.kind == guidepost_core::EventKind::StepCompleted && d.step_id.as_deref() == Some("open"))
    ));
}

// Regression from PrimeVue: Back from the step after a dropdown's item went to the item's
// step, whose dropdown the user had closed since; after the wait the guide ended as
// target_missing, blamed on the guide. Back now waits less and goes on to the step before.
#[test]
fn regression_back_to_a_step_inside_a_closed_dropdown_ended_the_guide() {
    let g = guide("onboarding-tour");
    // welcome (no target) → sidebar → export; Back from export finds no sidebar.
    let s = check(
        &g,
        &[Next, TargetFound, Next, TargetFound, Back, TargetMissing],
        &[
            "guide_shown:",
            "step_viewed:welcome",
            "step_completed:welcome",
            "step_viewed:sidebar",
            "step_completed:sidebar",
            "step_viewed:export",
            "step_viewed:welcome",
        ],
        None,
    );
    assert_eq!(s.step_id, "welcome");
    // Back waits a second at most for the step's target; Next, as long as the step says.
    let (to_sidebar, _) = transition(&g, &s, Next, 2_000_000);
    let (at_sidebar, _) = transition(&g, &to_sidebar, TargetFound, 2_001_000);
    let (to_export, fx) = transition(&g, &at_sidebar, Next, 2_002_000);
    assert!(fx.iter().any(|e| matches!(e, Effect::Locate { timeout_ms, .. } if *timeout_ms > guidepost_core::BACK_WAIT_MS)), "{fx:?}");
    let (at_export, _) = transition(&g, &to_export, TargetFound, 2_003_000);
    let (_, fx) = transition(&g, &at_export, Back, 2_004_000);
    assert!(fx.iter().any(|e| matches!(e, Effect::Locate { timeout_ms, .. } if *timeout_ms == guidepost_core::BACK_WAIT_MS)), "{fx:?}");
    // Found after Back, a later loss of the target is a broken target again, as usual.
    check(
        &g,
        &[Next, TargetFound, Next, TargetFound, Back, TargetFound, TargetMissing, TargetMissing],
        &[
            "guide_shown:",
            "step_viewed:welcome",
            "step_completed:welcome",
            "step_viewed:sidebar",
            "step_completed:sidebar",
            "step_viewed:export",
            "step_viewed:sidebar",
            "step_target_missing:sidebar",
            "guide_abandoned:sidebar:target_missing",
        ],
        Some(ExitReason::TargetMissing),
    );
}
