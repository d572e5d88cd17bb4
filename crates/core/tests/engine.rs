//! The engine and scheduler: who is eligible, why, and what shows now.

use guidepost_core::{load_guides, Budget, Context, Decision, Device, Engine, ExitReason, Guide, SchedulerState, Size, TriggerInput};
use serde_json::json;

fn guides() -> Vec<Guide> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guides");
    let mut all = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for p in names {
        if p.to_string_lossy().ends_with(".schema.json") || p.extension().is_none_or(|e| e != "json") {
            continue;
        }
        all.extend(load_guides(&std::fs::read_to_string(p).unwrap()).guides);
    }
    all
}

const NOW: i64 = 1_795_435_200_000; // 2026-11-23T12:00:00Z

fn admin(url: &str) -> Context {
    Context {
        user_id: "ada".into(),
        traits: json!({"role": "admin", "signed_up_at": "2026-11-20", "plan": "pro"}).as_object().unwrap().clone(),
        url: url.into(),
        viewport: Size { width: 1280.0, height: 800.0 },
        device: Device::Desktop,
        locale: "en-US".into(),
        now_ms: NOW,
        ..Default::default()
    }
}

fn state() -> SchedulerState {
    SchedulerState { session_id: "s1".into(), ..Default::default() }
}

/// Asks for the next guide and checks the decision (`Some(id)` to show, `None` for nothing).
fn check(
    e: &Engine,
    ctx: &Context,
    s: &SchedulerState,
    active: Option<&str>,
    trigger: TriggerInput,
    b: &Budget,
    want: Option<&str>,
) -> Decision {
    let d = e.next_guide(ctx, s, active, trigger, b);
    match (&d, want) {
        (Decision::Show { guide_id, .. }, Some(w)) => assert_eq!(guide_id, w),
        (Decision::Nothing { .. }, None) => {}
        _ => panic!("expected {want:?}, got {d:?}"),
    }
    d
}

#[test]
fn the_right_user_sees_the_tour_and_the_wrong_one_does_not() {
    let e = Engine::new(guides());
    let b = Budget::default();
    check(&e, &admin("/dashboard"), &state(), None, TriggerInput::PageView, &b, Some("onboarding-tour"));
    let mut viewer = admin("/dashboard");
    viewer.traits.insert("role".into(), json!("viewer"));
    // The checklist (priority 5) is next in line for a non-admin.
    check(&e, &viewer, &state(), None, TriggerInput::PageView, &b, Some("setup-checklist"));
    viewer.traits.remove("signed_up_at");
    check(&e, &viewer, &state(), None, TriggerInput::PageView, &b, None);
}

#[test]
fn debug_trace_says_why_not() {
    let e = Engine::new(guides());
    let mut ctx = admin("/settings");
    ctx.traits.insert("role".into(), json!("viewer"));
    let ex = e.explain_guide("onboarding-tour", &ctx, &state()).unwrap();
    assert!(!ex.eligible);
    let text = ex.trace.render();
    assert!(text.contains("✗ trait role = \"admin\" — role is \"viewer\""), "{text}");
    assert!(text.contains("✗ url starts with /dashboard — page is /settings"), "{text}");
    assert_eq!(ex.trace.detail, "blocked by audience");
    assert_eq!(e.explain(&ctx, &state()).len(), e.guides().len());
}

#[test]
fn frequency_once_then_never_again() {
    let e = Engine::new(guides());
    let mut s = state();
    s.record_shown("onboarding-tour", NOW - 1000);
    // Shown but not finished: it may resume.
    check(&e, &admin("/dashboard"), &s, None, TriggerInput::PageView, &Budget::default(), Some("onboarding-tour"));
    s.record_exit("onboarding-tour", ExitReason::Dismissed, NOW - 500);
    let d = check(&e, &admin("/dashboard"), &s, None, TriggerInput::PageView, &Budget::default(), Some("setup-checklist"));
    assert!(matches!(d, Decision::Show { .. }));
}

#[test]
fn once_per_session_and_cooldown() {
    let e = Engine::new(guides());
    let mut ctx = admin("/dashboard");
    ctx.traits.insert("role".into(), json!("viewer"));
    let mut s = state();
    s.record_shown("setup-checklist", NOW - 1000);
    check(&e, &ctx, &s, None, TriggerInput::PageView, &Budget::default(), None);
    s.session_id = "s2".into();
    check(&e, &ctx, &s, None, TriggerInput::PageView, &Budget::default(), Some("setup-checklist"));

    // nps-survey: event-triggered, 90-day cooldown.
    let mut old = admin("/reports/1");
    old.traits.insert("signed_up_at".into(), json!("2026-01-01"));
    old.traits.insert("role".into(), json!("viewer"));
    check(&e, &old, &state(), None, TriggerInput::Event("report_saved"), &Budget::default(), Some("nps-survey"));
    check(&e, &old, &state(), None, TriggerInput::Event("other"), &Budget::default(), None);
}

#[test]
fn budget_and_suppression_after_dismiss() {
    let e = Engine::new(guides());
    let b = Budget { min_minutes_between_guides: 30.0, suppress_minutes_after_dismiss: 60.0 };
    let mut s = state();
    s.last_shown_ms = Some(NOW - 10 * 60_000);
    let d = check(&e, &admin("/dashboard"), &s, None, TriggerInput::PageView, &b, None);
    assert!(matches!(d, Decision::Nothing { reason } if reason.contains("budget is one per 30 minutes")));
    s.last_shown_ms = Some(NOW - 40 * 60_000);
    check(&e, &admin("/dashboard"), &s, None, TriggerInput::PageView, &b, Some("onboarding-tour"));
    s.last_dismissed_ms = Some(NOW - 20 * 60_000);
    let d = check(&e, &admin("/dashboard"), &s, None, TriggerInput::PageView, &b, None);
    assert!(matches!(d, Decision::Nothing { reason } if reason.contains("dismissed")));
}

#[test]
fn one_modal_guide_at_a_time_by_priority() {
    let e = Engine::new(guides());
    let mut ctx = admin("/reports/7");
    ctx.traits.insert("signed_up_at".into(), json!("2026-01-01"));
    // The survey (priority 0) doesn't interrupt the running tour (priority 10)...
    check(&e, &ctx, &state(), Some("onboarding-tour"), TriggerInput::Event("report_saved"), &Budget::default(), None);
    // ...but a non-modal hotspot may show beside a running survey.
    let d = check(&e, &ctx, &state(), Some("nps-survey"), TriggerInput::PageView, &Budget::default(), Some("export-hotspot"));
    assert!(matches!(d, Decision::Show { displaces: None, .. }));
    // start(id) displaces whatever runs.
    let d =
        check(&e, &ctx, &state(), Some("nps-survey"), TriggerInput::Manual("onboarding-tour"), &Budget::default(), Some("onboarding-tour"));
    assert!(matches!(d, Decision::Show { displaces: Some(ref x), .. } if x == "nps-survey"));
}

#[test]
fn rollout_splits_users_deterministically() {
    let e = Engine::new(guides());
    let mut shown = 0;
    for i in 0..400 {
        let mut ctx = admin("/billing");
        ctx.user_id = format!("user-{i}");
        ctx.traits = json!({"plan": "trial", "trial_ends_at": "2026-12-01"}).as_object().unwrap().clone();
        let first = e.eligible(&ctx, &state()).iter().any(|g| g.id == "billing-banner");
        let again = e.eligible(&ctx, &state()).iter().any(|g| g.id == "billing-banner");
        assert_eq!(first, again);
        shown += first as u32;
    }
    assert!((160..240).contains(&shown), "50% rollout showed {shown} of 400");
}
