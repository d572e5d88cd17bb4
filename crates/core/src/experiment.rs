//! Did a guide change what users do? Goal conversion of the users a guide was shown to
//! against a held-out control group: the difference with a 95% interval, the relative lift,
//! and a plain verdict that says "not enough data" when the intervals' approximations do
//! not hold yet.
//!
//! - One proportion: the Wilson score interval (good coverage down to small samples and
//!   rates near 0 or 1, unlike the Wald interval).
//! - The difference of two independent proportions: Newcomb's hybrid score interval
//!   (method 10 of Newcomb, 1998), built from the two Wilson intervals.
//! - The relative lift `p_shown / p_held_out − 1`: the Katz log interval of the ratio.
//!
//! Pure arithmetic on counts: the stores count, this module judges.

use serde::Serialize;

/// The normal quantile for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Each group needs at least this many conversions and as many non-conversions before the
/// intervals' normal approximations are trusted (the usual `np ≥ 10` rule).
pub const MIN_OUTCOMES: u64 = 10;

/// `successes` out of `trials`.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Proportion {
    pub successes: u64,
    pub trials: u64,
}

impl Proportion {
    pub fn new(successes: u64, trials: u64) -> Proportion {
        Proportion { successes: successes.min(trials), trials }
    }

    /// The observed rate; `None` without trials.
    pub fn rate(self) -> Option<f64> {
        (self.trials > 0).then(|| self.successes as f64 / self.trials as f64)
    }

    /// The Wilson score interval at quantile `z`; `None` without trials.
    pub fn wilson(self, z: f64) -> Option<(f64, f64)> {
        let p = self.rate()?;
        let n = self.trials as f64;
        let z2 = z * z;
        let denom = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denom;
        let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
        Some(((centre - half).max(0.0), (centre + half).min(1.0)))
    }

    /// Conversions and non-conversions still missing before [`MIN_OUTCOMES`] of each.
    pub fn missing(self) -> u64 {
        let failures = self.trials - self.successes;
        MIN_OUTCOMES.saturating_sub(self.successes) + MIN_OUTCOMES.saturating_sub(failures)
    }
}

/// An estimate with its interval.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// Newcomb's hybrid score interval for `a.rate − b.rate`; `None` when a group has no trials.
pub fn difference(a: Proportion, b: Proportion, z: f64) -> Option<Interval> {
    let (p1, p2) = (a.rate()?, b.rate()?);
    let ((l1, u1), (l2, u2)) = (a.wilson(z)?, b.wilson(z)?);
    let d = p1 - p2;
    Some(Interval {
        estimate: d,
        low: d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
        high: d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
    })
}

/// The relative lift `a.rate / b.rate − 1` with the Katz log interval of the ratio; `None`
/// when either group has no conversion (the ratio's logarithm is then unbounded).
pub fn relative_lift(a: Proportion, b: Proportion, z: f64) -> Option<Interval> {
    if a.successes == 0 || b.successes == 0 {
        return None;
    }
    let ratio = a.rate()? / b.rate()?;
    let (x1, n1, x2, n2) = (a.successes as f64, a.trials as f64, b.successes as f64, b.trials as f64);
    let se = (1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2).max(0.0).sqrt();
    Some(Interval { estimate: ratio - 1.0, low: ratio * (-z * se).exp() - 1.0, high: ratio * (z * se).exp() - 1.0 })
}

/// What the comparison says, in plain words.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// Conversions and non-conversions still needed, in both groups together.
    NotEnoughData { missing: u64 },
    /// The whole interval of the difference is above zero.
    LikelyHelps,
    /// The interval contains zero.
    NoDetectableEffect,
    /// The whole interval is below zero.
    LikelyHurts,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotEnoughData { .. } => "not enough data",
            Verdict::LikelyHelps => "likely helps",
            Verdict::NoDetectableEffect => "no detectable effect",
            Verdict::LikelyHurts => "likely hurts",
        }
    }
}

/// Goal conversion of the users shown a guide against the held-out ones.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Comparison {
    pub shown: Proportion,
    pub held_out: Proportion,
    /// `shown − held_out`, 95%.
    pub absolute: Option<Interval>,
    /// `shown / held_out − 1`, 95%.
    pub relative: Option<Interval>,
    pub verdict: Verdict,
}

/// Compares the two groups at 95%.
pub fn compare(shown: Proportion, held_out: Proportion) -> Comparison {
    let absolute = difference(shown, held_out, Z95);
    let missing = shown.missing() + held_out.missing();
    let verdict = match absolute {
        _ if missing > 0 => Verdict::NotEnoughData { missing },
        Some(d) if d.low > 0.0 => Verdict::LikelyHelps,
        Some(d) if d.high < 0.0 => Verdict::LikelyHurts,
        Some(_) => Verdict::NoDetectableEffect,
        None => Verdict::NotEnoughData { missing: 2 * MIN_OUTCOMES },
    };
    Comparison { shown, held_out, absolute, relative: relative_lift(shown, held_out, Z95), verdict }
}
