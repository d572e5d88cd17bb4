//! Goals and holdouts: validation, the holdout decision, which inputs reach a goal, and the
//! goal report's statistics on simulated experiments.

mod common;

use common::Rng;
use guidepost_core::goals::{reached, GoalBuilder, GoalInput, GoalSlice, HELD_OUT, SHOWN};
use guidepost_core::rules::NormalUrl;
use guidepost_core::{
    in_holdout, load_guides, Budget, Context, Decision, Engine, EventKind, EventRecord, Guide, SchedulerState, TriggerInput,
};
use serde_json::{json, Value};

const NOW: i64 = 1_795_435_200_000; // 2026-11-23T12:00:00Z
const DAY: i64 = 86_400_000;

fn guide(extra: Value) -> Value {
    let mut g = json!({"id": "tour", "name": "Tour", "steps": [{"id": "a", "kind": "modal", "body": "Hi"}]});
    g.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    g
}

fn load(extra: Value) -> Guide {
    let r = load_guides(&json!([guide(extra)]).to_string());
    assert!(!r.has_errors(), "{:?}", r.diagnostics);
    r.guides.into_iter().next().unwrap()
}

/// Loads a guide with `extra` fields and checks the first error's path and message.
fn check_invalid(extra: Value, path: &str, message: &str) {
    let r = load_guides(&json!([guide(extra.clone())]).to_string());
    let e = r.errors().next().unwrap_or_else(|| panic!("{extra}: expected an error"));
    assert_eq!(e.path, path, "{extra}: {}", e.message);
    assert!(e.message.contains(message), "{extra}: {}", e.message);
}

#[test]
fn bad_goals_and_holdouts_are_refused_with_their_path() {
    let cases = [
        (json!({"holdout": 100}), "$[0].holdout", "less than 100"),
        (json!({"holdout": -1}), "$[0].holdout", "percentage"),
        (json!({"holdout": "10"}), "$[0].holdout", "number"),
        (json!({"goal": {}}), "$[0].goal", "an \"event\" or a \"url\""),
        (json!({"goal": {"event": "x", "url": "/a"}}), "$[0].goal", "not both"),
        (json!({"goal": {"event": " "}}), "$[0].goal.event", "empty"),
        (json!({"goal": {"url": "billing"}}), "$[0].goal.url", "starting with \"/\""),
        (json!({"goal": {"event": "x", "within_days": 0}}), "$[0].goal.within_days", "1 to 365"),
        (json!({"goal": {"event": "x", "within_days": 400}}), "$[0].goal.within_days", "1 to 365"),
        (json!({"goal": {"event": "x", "withn_days": 3}}), "$[0].goal.withn_days", "did you mean \"within_days\""),
        (json!({"goal": {"url": "/a", "where": [{"property": "p", "op": "eq", "value": 1}]}}), "$[0].goal.where", "event goal"),
        (
            json!({"goal": {"event": "x", "where": [{"property": "p", "op": "between", "value": 1}]}}),
            "$[0].goal.where[0].value",
            "a list of two values",
        ),
        (
            json!({"goal": {"event": "x", "where": [{"proprety": "p", "op": "eq"}]}}),
            "$[0].goal.where[0].proprety",
            "did you mean \"property\"",
        ),
    ];
    for (extra, path, message) in cases {
        check_invalid(extra, path, message);
    }
    let g = load(json!({"goal": {"event": "exported"}, "holdout": 10}));
    assert_eq!((g.goal.unwrap().within_days, g.holdout), (7, Some(10.0)), "the window defaults to 7 days");
}

fn ctx(user: &str) -> Context {
    Context { user_id: user.into(), url: "/".into(), now_ms: NOW, ..Default::default() }
}

fn state() -> SchedulerState {
    SchedulerState { session_id: "s".into(), ..Default::default() }
}

#[test]
fn a_holdout_keeps_a_stable_share_of_users_out_and_remembers_them() {
    let e = Engine::new(vec![load(json!({"holdout": 10}))]);
    let mut held = 0;
    for u in 0..10_000 {
        let c = ctx(&format!("user-{u}"));
        let d = e.next_guide(&c, &state(), None, TriggerInput::PageView, &Budget::default());
        let again = e.next_guide(&c, &state(), None, TriggerInput::PageView, &Budget::default());
        assert_eq!(d, again, "deterministic for one user");
        match d {
            Decision::HoldOut { guide_id } => {
                assert_eq!(guide_id, "tour");
                held += 1;
                // Remembered: never shown automatically, said so by the trace; a start by hand still shows.
                let mut s = state();
                s.record_held_out("tour", NOW);
                let later = e.next_guide(&c, &s, None, TriggerInput::PageView, &Budget::default());
                assert!(matches!(later, Decision::Nothing { .. }), "{later:?}");
                let why = e.explain(&c, &s).remove(0);
                assert!(!why.eligible && why.trace.render().contains("control group"), "{}", why.trace.render());
                let manual = e.next_guide(&c, &s, None, TriggerInput::Manual("tour"), &Budget::default());
                assert!(matches!(manual, Decision::Show { .. }), "{manual:?}");
                assert_eq!(s.history["tour"].first_exposed_ms, Some(NOW));
            }
            Decision::Show { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    // 10% of 10,000: the binomial's standard deviation is 30.
    assert!((880..=1120).contains(&held), "held out {held} of 10000");
}

#[test]
fn a_held_out_guide_leaves_room_for_the_next_one() {
    let low = {
        let mut g = guide(json!({}));
        g["id"] = json!("other");
        g
    };
    let guides = load_guides(&json!([guide(json!({"holdout": 99.99, "priority": 5})), low]).to_string()).guides;
    let e = Engine::new(guides);
    let c = ctx("someone");
    assert!(in_holdout(e.guide("tour").unwrap(), "someone"));
    let mut s = state();
    assert_eq!(e.next_guide(&c, &s, None, TriggerInput::PageView, &Budget::default()), Decision::HoldOut { guide_id: "tour".into() });
    s.record_held_out("tour", NOW);
    let next = e.next_guide(&c, &s, None, TriggerInput::PageView, &Budget::default());
    assert!(matches!(&next, Decision::Show { guide_id, .. } if guide_id == "other"), "{next:?}");
}

#[test]
fn goals_are_reached_once_within_their_window_after_an_exposure() {
    let event_goal = load(json!({"goal": {"event": "exported", "where": [{"property": "format", "op": "in", "value": ["csv", "xlsx"]}]}}));
    let mut url_goal = load(json!({"goal": {"url": "/#/billing/*", "within_days": 2}}));
    url_goal.id = "billing".into();
    let guides = vec![event_goal, url_goal];
    let exposed = |at: i64, ids: &[&str]| {
        let mut s = state();
        for id in ids {
            s.record_shown(id, at);
        }
        s
    };
    let props = |v: Value| v.as_object().unwrap().clone();
    let csv = props(json!({"format": "csv"}));
    let pdf = props(json!({"format": "pdf"}));
    let billing = NormalUrl::new("https://app.example/#/billing/plans");
    let home = NormalUrl::new("https://app.example/#/home");
    // (case, state, input, now, guides reached)
    let cases: Vec<(&str, SchedulerState, GoalInput, i64, Vec<&str>)> = vec![
        ("matching event", exposed(NOW, &["tour"]), GoalInput::Event { name: "exported", props: &csv }, NOW + DAY, vec!["tour"]),
        ("property fails", exposed(NOW, &["tour"]), GoalInput::Event { name: "exported", props: &pdf }, NOW + DAY, vec![]),
        ("other event", exposed(NOW, &["tour"]), GoalInput::Event { name: "opened", props: &csv }, NOW + DAY, vec![]),
        ("never exposed", state(), GoalInput::Event { name: "exported", props: &csv }, NOW, vec![]),
        ("window's last ms", exposed(NOW, &["tour"]), GoalInput::Event { name: "exported", props: &csv }, NOW + 7 * DAY, vec!["tour"]),
        ("after the window", exposed(NOW, &["tour"]), GoalInput::Event { name: "exported", props: &csv }, NOW + 7 * DAY + 1, vec![]),
        ("hash-route url", exposed(NOW, &["tour", "billing"]), GoalInput::Page(&billing), NOW + DAY, vec!["billing"]),
        ("other url", exposed(NOW, &["tour", "billing"]), GoalInput::Page(&home), NOW + DAY, vec![]),
        ("url after 2 days", exposed(NOW, &["billing"]), GoalInput::Page(&billing), NOW + 3 * DAY, vec![]),
        (
            "held out counts as exposed",
            {
                let mut s = state();
                s.record_held_out("tour", NOW);
                s
            },
            GoalInput::Event { name: "exported", props: &csv },
            NOW + 1,
            vec!["tour"],
        ),
        (
            "reported already",
            {
                let mut s = exposed(NOW, &["tour"]);
                s.history.get_mut("tour").unwrap().goal_ms = Some(NOW + 1);
                s
            },
            GoalInput::Event { name: "exported", props: &csv },
            NOW + 2,
            vec![],
        ),
    ];
    for (case, s, input, now, want) in cases {
        let got: Vec<&str> = reached(&guides, &input, &s, now).iter().map(|g| g.id.as_str()).collect();
        assert_eq!(got, want, "{case}");
    }
}

fn record(id: String, kind: EventKind, user: &str, ts: i64) -> EventRecord {
    EventRecord {
        event_id: id,
        kind,
        guide_id: "tour".into(),
        guide_version: 1,
        step_id: None,
        step_index: None,
        user_id: user.into(),
        anonymous: false,
        session_id: "s".into(),
        timestamp: ts,
        url: "/".into(),
        variant: None,
        reason: None,
        duration_ms: None,
        answer: None,
    }
}

/// A simulated experiment: each user is held out with probability 1/2, converts with
/// `p_shown` or `p_held` within the window, sometimes converts too late.
fn simulate(rng: &mut Rng, users: usize, p_shown: f64, p_held: f64) -> Vec<EventRecord> {
    let mut out = Vec::new();
    for u in 0..users {
        let user = format!("u{u}");
        let t = NOW + rng.below(3) as i64 * DAY;
        let held = rng.unit() < 0.5;
        let kind = if held { EventKind::GuideHeldOut } else { EventKind::GuideShown };
        out.push(record(format!("{user}-x"), kind, &user, t));
        if rng.unit() < if held { p_held } else { p_shown } {
            out.push(record(format!("{user}-g"), EventKind::GoalReached, &user, t + rng.below(7 * DAY as usize) as i64));
        } else if rng.unit() < 0.2 {
            out.push(record(format!("{user}-late"), EventKind::GoalReached, &user, t + 8 * DAY));
        }
    }
    out
}

#[test]
fn the_reported_lift_interval_covers_the_true_lift_at_about_the_nominal_rate() {
    let (p_shown, p_held) = (0.30, 0.22);
    let mut rng = Rng(17);
    let (mut covered, runs) = (0, 400);
    for _ in 0..runs {
        let mut b = GoalBuilder::new("tour", GoalSlice::default());
        for r in simulate(&mut rng, 600, p_shown, p_held) {
            b.add(&r);
        }
        let report = b.finish(7);
        let c = &report.comparisons[0];
        assert_eq!((c.group.as_str(), c.baseline.as_str()), (SHOWN, HELD_OUT));
        let d = c.comparison.absolute.expect("both groups have users");
        covered += usize::from(d.contains(p_shown - p_held));
    }
    let rate = covered as f64 / runs as f64;
    // Nominal 95%; 400 runs give a standard error of about 1.1 points.
    assert!((0.91..=0.985).contains(&rate), "coverage {rate}");
}

#[test]
fn verdicts_follow_the_evidence() {
    // (p shown, p held out, users, verdict)
    let cases = [
        (0.40, 0.20, 2000, "likely helps"),
        (0.20, 0.40, 2000, "likely hurts"),
        (0.30, 0.30, 2000, "no detectable effect"),
        (0.30, 0.20, 16, "not enough data"),
    ];
    for (ps, ph, n, want) in cases {
        let mut b = GoalBuilder::new("tour", GoalSlice::default());
        for r in simulate(&mut Rng(5), n, ps, ph) {
            b.add(&r);
        }
        let report = b.finish(7);
        assert_eq!(report.comparisons[0].says, want, "{ps} vs {ph} over {n} users: {:?}", report.groups);
        let total: u64 = report.series.iter().map(|d| d.counts.shown + d.counts.held_out).sum();
        assert_eq!(total as usize, n, "the daily series counts every exposed user once");
    }
}
