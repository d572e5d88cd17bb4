//! Funnel math on known records: the SQLite rollups against hand-computed figures and
//! against core's FunnelBuilder over the raw records.

mod common;

use common::*;
use guidepost_collector::store::{FunnelQuery, SqliteStore, Store};
use guidepost_core::{EventKind, EventRecord, FunnelBuilder, FunnelReport};

/// u1 finishes; u2 dismisses at step 1; u3's step-0 target is missing and the guide is
/// abandoned; u4 is still on step 2.
fn scenario() -> Vec<EventRecord> {
    let mut v = three_endings();
    v.extend(journey("u4", 2, None, T0, &[2000, 4000]));
    v
}

fn sqlite_report(records: &[EventRecord], q: &FunnelQuery) -> FunnelReport {
    let s = SqliteStore::in_memory().unwrap();
    s.insert(records).unwrap();
    s.funnel(q).unwrap()
}

fn q() -> FunnelQuery {
    FunnelQuery { guide_id: "tour".into(), ..Default::default() }
}

/// (step, viewed, completed, dropped, main drop reason)
type StepWant = (usize, u64, u64, u64, Option<(&'static str, u64)>);

fn check_steps(r: &FunnelReport, want: &[StepWant]) {
    for &(i, viewed, completed, dropped, reason) in want {
        let s = &r.steps[i];
        assert_eq!((s.viewed_users, s.completed_users, s.dropped_users), (viewed, completed, dropped), "step {i}: {s:?}");
        let expected_rate = if viewed == 0 { 0.0 } else { dropped as f64 / viewed as f64 };
        assert!((s.drop_rate - expected_rate).abs() < 1e-3, "step {i} drop rate {}", s.drop_rate);
        if let Some((why, n)) = reason {
            assert_eq!(s.drop_reasons.get(why), Some(&n), "step {i} reasons {:?}", s.drop_reasons);
        }
    }
}

#[test]
fn funnel_of_four_known_journeys() {
    let r = sqlite_report(&scenario(), &q());
    assert_eq!((r.shown_users, r.completed_users), (4, 1));
    assert!((r.completion_rate - 0.25).abs() < 1e-9);
    assert_eq!(r.steps.iter().map(|s| s.step_id.as_str()).collect::<Vec<_>>(), ["welcome", "sidebar", "export"]);
    check_steps(
        &r,
        &[(0, 4, 3, 1, Some(("target_missing", 1))), (1, 3, 2, 1, Some(("dismissed", 1))), (2, 2, 1, 1, Some(("in_progress", 1)))],
    );
    // Health: step 0's target was missing in one of four sessions; a broken guide, not a drop-off.
    assert_eq!((r.steps[0].target_missing_sessions, r.steps[0].sessions), (1, 4));
    assert!((r.steps[0].target_missing_rate - 0.25).abs() < 1e-9);
    assert_eq!(r.steps[1].target_missing_sessions, 0);
}

#[test]
fn rollups_agree_with_core_funnel_builder() {
    let records = scenario();
    let rolled = sqlite_report(&records, &q());
    let mut b = FunnelBuilder::new("tour");
    for r in &records {
        b.add(r);
    }
    let exact = b.finish();
    assert_eq!((rolled.shown_users, rolled.completed_users), (exact.shown_users, exact.completed_users));
    assert_eq!(rolled.steps.len(), exact.steps.len());
    for (a, e) in rolled.steps.iter().zip(&exact.steps) {
        assert_eq!(
            (a.step_index, &a.step_id, a.viewed_users, a.completed_users, a.dropped_users, a.target_missing_sessions, a.sessions),
            (e.step_index, &e.step_id, e.viewed_users, e.completed_users, e.dropped_users, e.target_missing_sessions, e.sessions)
        );
        assert_eq!(a.drop_reasons.values().sum::<u64>(), a.dropped_users, "reasons explain every drop: {a:?}");
    }
}

#[test]
fn median_time_on_step_is_within_five_percent() {
    let mut records = Vec::new();
    let mut durations = Vec::new();
    for i in 0..101u64 {
        let d = 500 + i * i * 7; // skewed
        durations.push(d);
        records.extend(journey(&format!("m{i}"), 1, None, T0, &[d]));
    }
    durations.sort();
    let exact = durations[50] as f64;
    let r = sqlite_report(&records, &q());
    let got = r.steps[0].median_ms.expect("a median") as f64;
    assert!((got - exact).abs() / exact < 0.05, "median {got} vs exact {exact}");
    assert_eq!(r.steps[1].median_ms, None, "no completions, no median");
}

#[test]
fn filters_by_version_variant_and_date() {
    let mut records = Vec::new();
    // (user, version, variant, day offset, completes)
    let people = [("a", 1, "A", 0, true), ("b", 1, "B", 0, false), ("c", 2, "A", 1, true), ("d", 2, "B", 2, true), ("e", 2, "B", 2, false)];
    for (u, version, variant, day, completes) in people {
        let end = if completes { Some(EventKind::GuideCompleted) } else { Some(EventKind::GuideDismissed) };
        for mut r in journey(u, if completes { 3 } else { 1 }, end, T0 + day * 86_400_000, &[]) {
            r.guide_version = version;
            r.variant = Some(variant.into());
            records.push(r);
        }
    }
    let day0 = T0 - T0.rem_euclid(86_400_000);
    // (case, query, shown, completed)
    let cases = [
        ("all", q(), 5, 3),
        ("version 2", FunnelQuery { version: Some(2), ..q() }, 3, 2),
        ("variant B", FunnelQuery { variant: Some("B".into()), ..q() }, 3, 1),
        ("version 2, variant B", FunnelQuery { version: Some(2), variant: Some("B".into()), ..q() }, 2, 1),
        ("first day", FunnelQuery { from_ms: Some(day0), to_ms: Some(day0 + 86_400_000), ..q() }, 2, 1),
        ("from day 1", FunnelQuery { from_ms: Some(day0 + 86_400_000), ..q() }, 3, 2),
        ("before anything", FunnelQuery { to_ms: Some(day0 - 1), ..q() }, 0, 0),
    ];
    let s = SqliteStore::in_memory().unwrap();
    s.insert(&records).unwrap();
    for (case, query, shown, completed) in cases {
        let r = s.funnel(&query).unwrap();
        assert_eq!((r.shown_users, r.completed_users), (shown, completed), "{case}");
    }
    let list = s.guides().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].shown_users, list[0].completed_users, &list[0].versions), (5, 3, &vec![1, 2]));
    assert_eq!(list[0].variants, vec!["A".to_string(), "B".to_string()]);
}

#[test]
fn nps_distribution_and_choices() {
    // (scores, choices, expected NPS)
    let cases: Vec<(Vec<i32>, Vec<&str>, Option<f64>)> = vec![
        (vec![10, 9, 8, 0, 6], vec![], Some(0.0)),
        (vec![10, 10, 9, 7], vec!["speed", "speed", "price"], Some(75.0)),
        (vec![0, 3], vec![], Some(-100.0)),
        (vec![], vec!["a"], None),
    ];
    for (i, (scores, choices, nps)) in cases.into_iter().enumerate() {
        let mut records = Vec::new();
        for (j, s) in scores.iter().enumerate() {
            records.push(survey(&format!("s{i}-{j}"), &format!("u{j}"), Some(*s), None));
        }
        for (j, c) in choices.iter().enumerate() {
            records.push(survey(&format!("c{i}-{j}"), &format!("v{j}"), None, Some(c)));
        }
        let r = sqlite_report(&records, &FunnelQuery { guide_id: "nps".into(), ..Default::default() });
        let sv = r.survey.expect("survey summary");
        assert_eq!(sv.nps, nps, "case {i}");
        let mut dist = vec![0u64; 11];
        for s in &scores {
            dist[*s as usize] += 1;
        }
        assert_eq!(sv.distribution, dist, "case {i}");
        for c in &choices {
            assert_eq!(sv.choices.get(*c).copied(), Some(choices.iter().filter(|x| *x == c).count() as u64), "case {i}");
        }
        assert_eq!(sv.responses as usize, scores.len() + choices.len());
    }
}

#[test]
fn guide_list_includes_survey_only_guides() {
    // Regression: the list only had guides with guide_shown/guide_completed counters.
    let s = SqliteStore::in_memory().unwrap();
    s.insert(&[survey("n1", "u1", Some(9), None)]).unwrap();
    s.insert(&journey("u1", 3, Some(EventKind::GuideCompleted), T0, &[])).unwrap();
    let ids: Vec<(String, u64)> = s.guides().unwrap().into_iter().map(|g| (g.guide_id, g.shown_users)).collect();
    assert_eq!(ids, vec![("nps".to_string(), 0), ("tour".to_string(), 1)]);
}

/// The SQLite store's reports equal core's on random journeys, for every slice.
#[test]
fn sqlite_reports_equal_core_on_random_journeys() {
    for seed in 1..=12 {
        let records = funnel_checks::random_journeys(seed, 60);
        funnel_checks::check_funnels_agree(&SqliteStore::in_memory().unwrap(), &records);
    }
}

/// Regression: the SQLite rollup counted only exits at a step, so a user who pressed Back
/// on step 1 and then dismissed on step 0 showed as "in progress" on step 1.
#[test]
fn back_then_dismiss_on_an_earlier_step_is_left_later_not_in_progress() {
    let step = |i: u32| Some((i, ["welcome", "sidebar"][i as usize]));
    let records = vec![
        rec("shown", EventKind::GuideShown, "u1", None, T0),
        rec("v0", EventKind::StepViewed, "u1", step(0), T0 + 1),
        rec("c0", EventKind::StepCompleted, "u1", step(0), T0 + 2),
        rec("v1", EventKind::StepViewed, "u1", step(1), T0 + 3),
        rec("v0-again", EventKind::StepViewed, "u1", step(0), T0 + 4),
        rec("dismiss", EventKind::GuideDismissed, "u1", step(0), T0 + 5),
    ];
    let r = sqlite_report(&records, &q());
    assert_eq!(r.steps[1].drop_reasons.get("left_later"), Some(&1), "{:?}", r.steps[1]);
    assert_eq!(r, funnel_checks::core_report(&records, &q()));
}
