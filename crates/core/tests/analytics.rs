//! Funnel aggregation, fed by real state-machine runs so records look like the runtime's.

use guidepost_core::analytics::{
    MAX_CHOICE_LEN, MAX_COMMENT_LEN, MAX_DURATION_MS, MAX_ID_LEN, MAX_SCORE, MAX_STEP_ID_LEN, MAX_STEP_INDEX, MAX_URL_LEN, MAX_VARIANT_LEN,
};
use guidepost_core::{
    load_guides, transition, Effect, Envelope, EventKind, EventRecord, ExitReason, FunnelBuilder, FunnelReport, Guide, Input,
    SurveyAnswer as Answer, TourState,
};
use proptest::prelude::*;

fn guide(name: &str) -> Guide {
    let path = format!("{}/../../guides/{name}.json", env!("CARGO_MANIFEST_DIR"));
    load_guides(&std::fs::read_to_string(path).unwrap()).guides.remove(0)
}

const T0: i64 = 1_790_000_000_000;

/// Runs one user through `g` with `inputs` (`step_ms` apart) and returns the records the runtime would send.
fn run(g: &Guide, user: &str, inputs: &[Input], step_ms: i64) -> Vec<EventRecord> {
    let mut t = T0;
    let mut seq = 0;
    let mut out = Vec::new();
    let mut emit = |fx: Vec<Effect>, t: i64, out: &mut Vec<EventRecord>| {
        for e in fx {
            if let Effect::Record(d) = e {
                seq += 1;
                let env = Envelope {
                    event_id: format!("{user}-{seq}"),
                    guide_id: g.id.clone(),
                    guide_version: g.version,
                    user_id: user.into(),
                    session_id: format!("s-{user}"),
                    timestamp: t,
                    url: "/dashboard".into(),
                    ..Default::default()
                };
                let r = EventRecord::from_draft(d, &env);
                r.validate().unwrap_or_else(|e| panic!("runtime record invalid: {e}: {r:?}"));
                out.push(r);
            }
        }
    };
    let (mut s, fx) = TourState::start(g, None, t);
    emit(fx, t, &mut out);
    for i in inputs {
        t += step_ms;
        let (n, fx) = transition(g, &s, i.clone(), t);
        s = n;
        emit(fx, t, &mut out);
    }
    out
}

/// A step's expected row: id, viewed, completed, dropped users, and the drop-off reasons.
type StepRow<'a> = (&'a str, u64, u64, u64, &'a [(&'a str, u64)]);
/// The same row, owned, as read from a report.
type StepRowOwned = (String, u64, u64, u64, Vec<(String, u64)>);
/// A way to break a valid record, and the field the error must name.
type Breakage<'a> = (Box<dyn Fn(&mut EventRecord)>, &'a str);

/// Aggregates `records` and checks each step's (viewed, completed, dropped) and reason split.
fn check(records: &[EventRecord], guide_id: &str, steps: &[StepRow]) -> FunnelReport {
    let mut b = FunnelBuilder::new(guide_id);
    records.iter().for_each(|r| {
        b.add(r);
    });
    let report = b.finish();
    let got: Vec<StepRowOwned> = report
        .steps
        .iter()
        .map(|s| (s.step_id.clone(), s.viewed_users, s.completed_users, s.dropped_users, s.drop_reasons.clone().into_iter().collect()))
        .collect();
    let want: Vec<StepRowOwned> =
        steps.iter().map(|(id, v, c, d, r)| (id.to_string(), *v, *c, *d, r.iter().map(|(k, n)| (k.to_string(), *n)).collect())).collect();
    assert_eq!(got, want);
    report
}

use Input::*;

#[test]
fn drop_off_is_split_by_reason() {
    let g = guide("onboarding-tour");
    let mut rs = Vec::new();
    rs.extend(run(&g, "finisher", &[Next, TargetFound, Next, TargetFound, TargetClicked, Next], 2_000));
    rs.extend(run(&g, "esc-on-welcome", &[Escape], 1_000));
    rs.extend(run(&g, "broken-sidebar", &[Next, TargetMissing], 4_000));
    rs.extend(run(&g, "left-on-sidebar", &[Next, TargetFound, NavigatedAway], 6_000));
    rs.extend(run(&g, "still-on-sidebar", &[Next, TargetFound], 8_000));
    let report = check(
        &rs,
        "onboarding-tour",
        &[
            ("welcome", 5, 4, 1, &[("dismissed", 1)]),
            ("sidebar", 3, 1, 2, &[("in_progress", 1), ("navigated_away", 1)]),
            ("export", 1, 1, 0, &[]),
            ("done", 1, 1, 0, &[]),
        ],
    );
    assert_eq!((report.shown_users, report.completed_users, report.completion_rate), (5, 1, 0.2));
    assert_eq!(report.exits.get("target_missing"), Some(&1));
    // Median of welcome's completions (2s, 4s, 6s, 8s): the lower middle, read from the
    // 1.1^b histogram, so within 5% of it.
    let median = report.steps[0].median_ms.expect("a median") as f64;
    assert!((median / 4_000.0 - 1.0).abs() <= 0.05, "median {median} is within 5% of 4000");
    // The broken target is guide health, not a user drop-off on the step.
    let sidebar = &report.steps[1];
    assert_eq!((sidebar.target_missing_sessions, sidebar.sessions, sidebar.target_missing_rate), (1, 4, 0.25));
    assert_eq!(report.target_missing_rate, 0.2);
}

#[test]
fn records_of_other_guides_are_ignored() {
    let g = guide("onboarding-tour");
    let rs = run(&g, "u", &[Escape], 1_000);
    let report = check(&rs, "another-guide", &[]);
    assert_eq!(report.shown_users, 0);
}

#[test]
fn nps_is_promoters_minus_detractors() {
    let g = guide("nps-survey");
    let mut rs = Vec::new();
    for (i, score) in [10, 9, 9, 8, 7, 6, 0, 10].iter().enumerate() {
        let a = Answer { score: Some(*score), choice: None, comment: (i == 0).then(|| "love it".to_string()) };
        rs.extend(run(&g, &format!("u{i}"), &[SurveyAnswer { answer: a }], 1_000));
    }
    let report = check(
        &rs,
        "nps-survey",
        &[("score", 8, 8, 0, &[]), ("detractor", 2, 0, 2, &[("in_progress", 2)]), ("thanks", 6, 0, 6, &[("in_progress", 6)])],
    );
    let survey = report.survey.unwrap();
    assert_eq!(survey.responses, 8);
    // 4 promoters, 2 detractors of 8: +25.
    assert_eq!(survey.nps, Some(25.0));
    assert_eq!(survey.distribution[9], 2);
    assert_eq!(survey.comments, ["love it"]);
}

#[test]
fn validation_names_the_field() {
    let g = guide("onboarding-tour");
    let good = run(&g, "u", &[Escape], 1_000);
    let mut r = good.iter().find(|r| r.kind == EventKind::GuideDismissed).unwrap().clone();
    r.validate().unwrap();
    let cases: Vec<Breakage> = vec![
        (Box::new(|r| r.event_id.clear()), "event_id"),
        (Box::new(|r| r.timestamp = 12), "timestamp"),
        (Box::new(|r| r.reason = Some(ExitReason::Completed)), "reason"),
        (Box::new(|r| r.kind = EventKind::StepViewed), "reason: not allowed"),
        (
            Box::new(|r| {
                r.kind = EventKind::StepViewed;
                r.reason = None;
                r.step_id = None;
            }),
            "step_id",
        ),
        (
            Box::new(|r| {
                r.kind = EventKind::SurveyAnswered;
                r.reason = None;
            }),
            "answer",
        ),
        // Regressions: these were stored, then read back wrapped or shown as the wrong step.
        (Box::new(|r| r.step_index = Some(u32::MAX)), "step_index"),
        (Box::new(|r| r.duration_ms = Some(1 << 63)), "duration_ms"),
        (Box::new(|r| r.duration_ms = Some(MAX_DURATION_MS + 1)), "duration_ms"),
        (Box::new(|r| r.url = "x".repeat(MAX_URL_LEN + 1)), "url"),
        (Box::new(|r| r.user_id = "é".repeat(MAX_ID_LEN)), "user_id"),
        (Box::new(|r| r.step_id = Some("s".repeat(MAX_STEP_ID_LEN + 1))), "step_id"),
        (Box::new(|r| r.variant = Some("v".repeat(MAX_VARIANT_LEN + 1))), "variant"),
    ];
    for (edit, field) in cases {
        let mut bad = r.clone();
        edit(&mut bad);
        let e = bad.validate().expect_err(field);
        assert!(e.starts_with(field), "{e} should name {field}");
    }
    r.url = "x".repeat(3000);
    assert!(r.validate().unwrap_err().starts_with("url"));
}

/// A survey answer as the runtime records it.
fn survey_record() -> EventRecord {
    static R: std::sync::OnceLock<EventRecord> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        let g = guide("nps-survey");
        let base = run(&g, "u", &[SurveyAnswer { answer: Answer { score: Some(4), choice: None, comment: None } }], 10);
        base.into_iter().find(|r| r.kind == EventKind::SurveyAnswered).unwrap()
    })
    .clone()
}

#[test]
fn values_at_the_limits_are_accepted() {
    let mut r = survey_record();
    r.url = "u".repeat(MAX_URL_LEN);
    r.user_id = "i".repeat(MAX_ID_LEN);
    r.step_index = Some(MAX_STEP_INDEX);
    r.step_id = Some("s".repeat(MAX_STEP_ID_LEN));
    r.variant = Some("v".repeat(MAX_VARIANT_LEN));
    r.duration_ms = Some(MAX_DURATION_MS);
    r.answer =
        Some(Answer { score: Some(MAX_SCORE), choice: Some("c".repeat(MAX_CHOICE_LEN)), comment: Some("k".repeat(MAX_COMMENT_LEN)) });
    r.validate().unwrap();
    let before = r.clone();
    r.fit();
    assert_eq!(r, before, "fit leaves a record within the limits unchanged");
}

/// Any text, mostly longer than the limits, with multi-byte characters so cuts fall inside them.
fn text() -> impl Strategy<Value = String> {
    (proptest::collection::vec(prop_oneof![Just('a'), Just('é'), Just('漢'), Just('🦀'), any::<char>()], 0..16), 0..600usize)
        .prop_map(|(v, n)| v.into_iter().collect::<String>().repeat(n))
}

proptest! {
    /// The runtime calls `fit` before queueing: a fitted record never fails a length or range check.
    #[test]
    fn fit_then_validate_passes_the_length_checks(
        id in text(), url in text(), step in text(), variant in text(), choice in text(), comment in text(),
        duration in any::<u64>(),
    ) {
        let mut r = survey_record();
        r.event_id = id.clone();
        r.user_id = id.clone();
        r.url = url.clone();
        r.step_id = Some(step);
        r.variant = Some(variant);
        r.duration_ms = Some(duration);
        r.answer = Some(Answer { score: Some(1), choice: Some(choice), comment: Some(comment) });
        r.fit();
        prop_assert_eq!(r.check_lengths(), Ok(()));
        // Cuts keep a prefix, and take no more than one character beyond what the limit needs.
        prop_assert!(url.starts_with(&r.url));
        prop_assert!(r.url.len() == url.len() || r.url.len() + 4 > MAX_URL_LEN);
        prop_assert!(id.starts_with(&r.event_id));
        if !r.event_id.is_empty() && !r.event_id.chars().any(char::is_control) {
            prop_assert_eq!(r.validate().err().filter(|e| e.starts_with("event_id")), None);
        }
        let again = r.clone();
        r.fit();
        prop_assert_eq!(r, again, "fit is idempotent");
    }
}

#[test]
fn records_round_trip_as_json() {
    let g = guide("nps-survey");
    for r in run(&g, "u", &[SurveyAnswer { answer: Answer { score: Some(4), choice: None, comment: None } }, Close], 10) {
        let text = serde_json::to_string(&r).unwrap();
        let back: EventRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        // The runtime's delivery queue reads records with the hand-written reader.
        let queued: EventRecord = guidepost_core::json::from_str(&text).unwrap();
        assert_eq!(queued, r);
    }
}

/// A journey from small pools of step keys and exits, so that merges overlap.
fn journey_strategy() -> impl Strategy<Value = guidepost_core::funnel::Journey> {
    let keys =
        || proptest::collection::btree_set(prop_oneof![Just("0:a"), Just("1:b"), Just("1:c"), Just("2:d")].prop_map(String::from), 0..4);
    let exit = prop_oneof![
        Just(String::new()),
        (
            0..3i64,
            prop_oneof![Just("e1"), Just("e2")],
            prop_oneof![Just(ExitReason::Dismissed), Just(ExitReason::Completed)],
            prop_oneof![Just(""), Just("1:b")]
        )
            .prop_map(|(t, id, r, at)| guidepost_core::funnel::exit_key(1_763_900_000_000 + t, id, r, at)),
    ];
    (any::<bool>(), any::<bool>(), keys(), keys(), keys(), exit).prop_map(|(shown, completed, viewed, done, missing, exit)| {
        guidepost_core::funnel::Journey { shown, completed, viewed, done, missing, exit }
    })
}

fn merged(a: &guidepost_core::funnel::Journey, b: &guidepost_core::funnel::Journey) -> guidepost_core::funnel::Journey {
    let mut m = a.clone();
    m.merge(b);
    m
}

proptest! {
    /// Journeys form a semilattice: stores may merge partial rows in any grouping and
    /// order, on any machine, and a row seen twice changes nothing.
    #[test]
    fn journey_merge_is_associative_commutative_and_idempotent(a in journey_strategy(), b in journey_strategy(), c in journey_strategy()) {
        prop_assert_eq!(merged(&a, &merged(&b, &c)), merged(&merged(&a, &b), &c));
        prop_assert_eq!(merged(&a, &b), merged(&b, &a));
        prop_assert_eq!(merged(&a, &a), a.clone());
    }

    /// Counting a user's rows one by one equals counting their merge.
    #[test]
    fn counting_rows_equals_counting_their_merge(rows in proptest::collection::vec(journey_strategy(), 1..6)) {
        use guidepost_core::funnel::{Counts, Merge};
        let mut one_by_one = Merge::default();
        for (i, j) in rows.iter().enumerate() {
            one_by_one.add("u", &format!("s{}", i % 2), j).unwrap();
        }
        let mut by_session = Merge::default();
        for s in 0..2 {
            let mut m = guidepost_core::funnel::Journey::default();
            rows.iter().enumerate().filter(|(i, _)| i % 2 == s).for_each(|(_, j)| m.merge(j));
            if rows.len() > s {
                by_session.add("u", &format!("s{s}"), &m).unwrap();
            }
        }
        let (mut a, mut b) = (Counts::new(), Counts::new());
        one_by_one.count_into(&mut a);
        by_session.count_into(&mut b);
        prop_assert_eq!(a, b);
    }
}

/// Rows must come grouped by user, in order; a store that broke that would double count.
#[test]
fn merge_refuses_rows_out_of_user_order() {
    let mut m = guidepost_core::funnel::Merge::default();
    let j = guidepost_core::funnel::Journey { shown: true, ..Default::default() };
    m.add("b", "s", &j).unwrap();
    let err = m.add("a", "s", &j).unwrap_err();
    assert!(err.contains("out of order"), "{err}");
}
