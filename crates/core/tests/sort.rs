//! `guidepost_core::sort`: the same order as the standard library's stable sort.

use guidepost_core::sort::sort_by;
use proptest::prelude::*;

/// Sorts pairs by their first element with both sorts; the second element tells equal
/// keys apart, so any instability shows.
fn check(keys: Vec<u8>) {
    let pairs: Vec<(u8, usize)> = keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
    let mut ours = pairs.clone();
    sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
    let mut std = pairs;
    std.sort_by_key(|a| a.0);
    assert_eq!(ours, std);
}

#[test]
fn edge_cases() {
    for keys in [vec![], vec![1], vec![2, 1], vec![1, 1, 1], vec![3, 2, 1, 0], vec![0, 1, 2, 3], vec![2, 1, 2, 1, 2, 1]] {
        check(keys);
    }
}

proptest! {
    #[test]
    fn matches_the_standard_stable_sort(keys in proptest::collection::vec(0u8..6, 0..60)) {
        check(keys);
    }
}
