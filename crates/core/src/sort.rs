//! The one sort core uses in the browser path.
//!
//! Core sorts only short lists: four sides, the guides eligible on a page, a guide's step
//! ids. The standard library's sorts are tuned for large inputs and cost several KB of
//! wasm per element type (about 24 KB in all for three call sites); an insertion sort is
//! a few dozen bytes per use and as fast at these sizes.

use std::cmp::Ordering;

/// Sorts `v` by `cmp`, keeping equal elements in their order (stable). Quadratic: meant
/// for lists of at most a few hundred elements.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && cmp(&v[j], &v[j - 1]) == Ordering::Less {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}
