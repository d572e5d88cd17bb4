//! The interval maths of goal experiments against published values (Newcomb, 1998,
//! "Interval estimation for the difference between independent proportions", and its
//! companion on single proportions), properties over arbitrary counts, and a simulation
//! with a known true lift.

use guidepost_core::experiment::{compare, difference, relative_lift, Proportion, Verdict, Z95};
use proptest::prelude::*;

mod common;
use common::Rng;

/// Checks an interval against published bounds, to the 4 decimals they are given with.
fn check(what: &str, got: Option<(f64, f64)>, want: (f64, f64)) {
    let (lo, hi) = got.unwrap_or_else(|| panic!("{what}: no interval"));
    assert!((lo - want.0).abs() < 6e-5 && (hi - want.1).abs() < 6e-5, "{what}: got ({lo:.4}, {hi:.4}), want {want:?}");
}

#[test]
fn wilson_matches_published_values() {
    for (x, n, want) in [(81, 263, (0.2553, 0.3662)), (15, 148, (0.0624, 0.1605)), (0, 20, (0.0, 0.1611)), (1, 29, (0.0061, 0.1718))] {
        check(&format!("{x}/{n}"), Proportion::new(x, n).wilson(Z95), want);
    }
}

#[test]
fn newcomb_difference_matches_published_values() {
    for (a, b, want) in [
        ((56, 70), (48, 80), (0.0524, 0.3339)),
        ((9, 10), (3, 10), (0.1705, 0.8090)),
        ((6, 7), (2, 7), (0.0582, 0.8062)),
        ((5, 56), (0, 29), (-0.0381, 0.1926)),
    ] {
        let d = difference(Proportion::new(a.0, a.1), Proportion::new(b.0, b.1), Z95);
        check(&format!("{a:?} - {b:?}"), d.map(|d| (d.low, d.high)), want);
    }
}

#[test]
fn verdicts_say_not_enough_data_until_each_group_has_ten_of_each_outcome() {
    let cases = [
        ((5, 20), (2, 20), Verdict::NotEnoughData { missing: 13 }),
        ((300, 1000), (200, 1000), Verdict::LikelyHelps),
        ((200, 1000), (300, 1000), Verdict::LikelyHurts),
        ((210, 1000), (200, 1000), Verdict::NoDetectableEffect),
        ((0, 0), (0, 0), Verdict::NotEnoughData { missing: 40 }),
    ];
    for (shown, held, want) in cases {
        let c = compare(Proportion::new(shown.0, shown.1), Proportion::new(held.0, held.1));
        assert_eq!(c.verdict, want, "{shown:?} vs {held:?}");
    }
}

#[test]
fn relative_lift_is_undefined_without_conversions_and_brackets_its_estimate() {
    assert_eq!(relative_lift(Proportion::new(0, 50), Proportion::new(5, 50), Z95), None);
    let r = relative_lift(Proportion::new(300, 1000), Proportion::new(200, 1000), Z95).unwrap();
    assert!((r.estimate - 0.5).abs() < 1e-12);
    assert!(r.low > 0.0 && r.low < 0.5 && r.high > 0.5, "{r:?}");
}

proptest! {
    #[test]
    fn intervals_are_ordered_bounded_and_contain_the_estimate(x1 in 0u64..2000, e1 in 0u64..2000, x2 in 0u64..2000, e2 in 0u64..2000) {
        let (a, b) = (Proportion::new(x1, x1 + e1), Proportion::new(x2, x2 + e2));
        if let Some((lo, hi)) = a.wilson(Z95) {
            prop_assert!((0.0..=1.0).contains(&lo) && lo <= hi && hi <= 1.0);
            prop_assert!(lo <= a.rate().unwrap() + 1e-12 && a.rate().unwrap() <= hi + 1e-12);
        }
        if let Some(d) = difference(a, b, Z95) {
            prop_assert!(d.low <= d.estimate + 1e-12 && d.estimate <= d.high + 1e-12);
            prop_assert!(d.low >= -1.0 - 1e-12 && d.high <= 1.0 + 1e-12);
        }
        // Swapping the groups mirrors the interval.
        if let (Some(d), Some(m)) = (difference(a, b, Z95), difference(b, a, Z95)) {
            prop_assert!((d.low + m.high).abs() < 1e-9 && (d.high + m.low).abs() < 1e-9);
        }
    }
}

#[test]
fn the_interval_covers_a_known_true_lift_at_about_the_nominal_rate() {
    // 400 experiments of 1,500 users per group; the guide lifts conversion from 20% to 24%.
    let (control, treated, users, runs) = (0.20, 0.24, 1500, 400);
    let mut covered = 0;
    let mut rng = Rng(7);
    for _ in 0..runs {
        let convert = |p: f64, rng: &mut Rng| (0..users).filter(|_| rng.unit() < p).count() as u64;
        let shown = Proportion::new(convert(treated, &mut rng), users);
        let held = Proportion::new(convert(control, &mut rng), users);
        if difference(shown, held, Z95).is_some_and(|d| d.contains(treated - control)) {
            covered += 1;
        }
    }
    let rate = covered as f64 / runs as f64;
    println!("coverage of the true difference: {rate:.3} over {runs} experiments");
    // The binomial standard error of a 95% rate over 400 runs is about 1.1 points.
    assert!((0.92..=0.98).contains(&rate), "coverage {rate}");
}
