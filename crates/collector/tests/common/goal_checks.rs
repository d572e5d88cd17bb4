//! Goal reports: every store computes the same counts as core's `GoalBuilder` on the
//! same records (random experiments, every filter), and a fixed scenario whose answer is
//! known by hand.

use guidepost_collector::store::Store;
use guidepost_core::goals::{GoalBuilder, GoalCounts, GoalSlice, GroupCounts, HELD_OUT, SHOWN};
use guidepost_core::{EventKind, EventRecord};

use super::{rec, Rng, T0};

const DAY: i64 = 86_400_000;

fn record(id: String, kind: EventKind, user: &str, ts: i64, version: u32, variant: Option<&str>) -> EventRecord {
    let mut r = rec(&id, kind, user, None, ts);
    r.guide_version = version;
    r.variant = variant.map(str::to_string);
    r
}

/// Random experiments on guide "tour": users exposed once or more (shown with or without a
/// variant, or held out, sometimes both, sometimes on the same millisecond), over several
/// days and two versions; completions; goals before, inside and after the window (edges
/// included), and goals of users never exposed.
pub fn experiment(seed: u64, users: usize) -> Vec<EventRecord> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for u in 0..users {
        let user = format!("u{u}");
        let t = T0 + rng.below(5) as i64 * DAY + rng.below(DAY as u64) as i64;
        let version = 1 + rng.below(2) as u32;
        let variant = [None, Some("a"), Some("b")][rng.below(3) as usize];
        let mut n = 0;
        let mut id = |tag: &str| {
            n += 1;
            format!("{user}-{tag}-{n}")
        };
        match rng.below(10) {
            0 => {} // never exposed: only goals
            1..=3 => out.push(record(id("held"), EventKind::GuideHeldOut, &user, t, version, None)),
            _ => out.push(record(id("shown"), EventKind::GuideShown, &user, t, version, variant)),
        }
        // A second exposure: later, earlier, or on the same millisecond (held out first).
        if rng.below(4) == 0 {
            let dt = [-(DAY / 2), 0, DAY / 3][rng.below(3) as usize];
            let kind = if rng.below(2) == 0 { EventKind::GuideShown } else { EventKind::GuideHeldOut };
            let v = if kind == EventKind::GuideShown { variant } else { None };
            out.push(record(id("again"), kind, &user, t + dt, 1 + rng.below(2) as u32, v));
        }
        if rng.below(3) == 0 {
            out.push(record(id("done"), EventKind::GuideCompleted, &user, t + 5000, version, variant));
        }
        for _ in 0..rng.below(3) {
            let dt = [-1, 0, 3_600_000, DAY, 7 * DAY, 7 * DAY + 1, 9 * DAY][rng.below(7) as usize];
            out.push(record(id("goal"), EventKind::GoalReached, &user, t + dt, version, None));
        }
    }
    out
}

/// The slices every store is checked with.
pub fn slices() -> Vec<(&'static str, GoalSlice)> {
    let day2 = T0 - T0.rem_euclid(DAY) + 2 * DAY;
    vec![
        ("everything", GoalSlice::default()),
        ("version 2", GoalSlice { version: Some(2), ..Default::default() }),
        ("from day 2", GoalSlice { from_ms: Some(day2), ..Default::default() }),
        ("before day 2, version 1", GoalSlice { to_ms: Some(day2), version: Some(1), ..Default::default() }),
        ("one day", GoalSlice { from_ms: Some(day2), to_ms: Some(day2 + DAY), ..Default::default() }),
    ]
}

/// Inserts `records` and checks `store` against `GoalBuilder` for every slice and window.
pub fn check_goals_agree(store: &dyn Store, records: &[EventRecord]) {
    store.insert(records).unwrap();
    for (case, slice) in slices() {
        for within in [7, 1] {
            let mut b = GoalBuilder::new("tour", slice.clone());
            for r in records {
                b.add(r);
            }
            let want = b.counts(within);
            let got = store.goals("tour", &slice, within).unwrap();
            assert_eq!(got, want, "{case}, within {within} days: the store agrees with core");
        }
    }
}

/// Five users whose goal report is known by hand.
pub fn known_scenario() -> (Vec<EventRecord>, GoalCounts) {
    let r = record;
    let records = vec![
        // u1: shown, converts after 2 days, completed.
        r("k1".into(), EventKind::GuideShown, "u1", T0, 1, None),
        r("k2".into(), EventKind::GuideCompleted, "u1", T0 + 10, 1, None),
        r("k3".into(), EventKind::GoalReached, "u1", T0 + 2 * DAY, 1, None),
        // u2: held out, converts exactly at the window's end (included).
        r("k4".into(), EventKind::GuideHeldOut, "u2", T0, 1, None),
        r("k5".into(), EventKind::GoalReached, "u2", T0 + 7 * DAY, 1, None),
        // u3: held out, then started by hand: stays held out; goal 1 ms too late.
        r("k6".into(), EventKind::GuideHeldOut, "u3", T0, 1, None),
        r("k7".into(), EventKind::GuideShown, "u3", T0 + 1, 1, None),
        r("k8".into(), EventKind::GoalReached, "u3", T0 + 7 * DAY + 1, 1, None),
        // u4: goal before being shown: not a conversion.
        r("k9".into(), EventKind::GoalReached, "u4", T0 - 1, 1, None),
        r("k10".into(), EventKind::GuideShown, "u4", T0, 1, None),
        // u5: goal without exposure: not counted anywhere.
        r("k11".into(), EventKind::GoalReached, "u5", T0, 1, None),
    ];
    let mut want = GoalCounts::default();
    want.groups.insert(SHOWN.into(), GroupCounts { exposed: 2, converted: 1 });
    want.groups.insert(HELD_OUT.into(), GroupCounts { exposed: 2, converted: 1 });
    let d = want.days.entry(T0.div_euclid(DAY)).or_default();
    (d.shown, d.held_out, d.completed, d.converted) = (2, 2, 1, 2);
    (records, want)
}

/// The hand-made scenario, then random experiments, on a fresh store.
pub fn check_goal_store(store: &dyn Store) {
    let (records, want) = known_scenario();
    store.insert(&records).unwrap();
    assert_eq!(store.goals("tour", &GoalSlice::default(), 7).unwrap(), want, "the hand-computed report");
    let mut b = GoalBuilder::new("tour", GoalSlice::default());
    for r in &records {
        b.add(r);
    }
    assert_eq!(b.counts(7), want, "core's reference agrees with the hand-computed report");
}
