//! What the collector's benchmarks share: settings from the environment and realistic
//! journeys.

use guidepost_core::{EventKind, EventRecord, ExitReason};

pub const T0: i64 = 1_763_900_000_000;
pub const DAY: i64 = 86_400_000;

pub fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Deterministic pseudo-random numbers (xorshift).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Realistic journeys through a 5-step guide over 90 days, 2 versions x 2 variants.
pub fn generate(total: usize, guide: &str, seed: u64) -> Vec<EventRecord> {
    let mut rng = Rng(seed | 1);
    let steps = ["welcome", "sidebar", "reports", "export", "done"];
    let mut out = Vec::with_capacity(total + 16);
    let mut u = 0u64;
    while out.len() < total {
        u += 1;
        let user = format!("user-{seed}-{u}");
        let session = format!("sess-{seed}-{u}");
        let version = 1 + (u % 2) as u32;
        let variant = if rng.below(2) == 0 { "A" } else { "B" };
        let mut t = T0 - 90 * DAY + rng.below(90 * DAY as u64) as i64;
        let mk = |kind: EventKind, step: Option<usize>, t: i64, n: usize| EventRecord {
            event_id: format!("{user}-{n}"),
            kind,
            guide_id: guide.to_string(),
            guide_version: version,
            step_id: step.map(|i| steps[i].to_string()),
            step_index: step.map(|i| i as u32),
            user_id: user.clone(),
            anonymous: false,
            session_id: session.clone(),
            timestamp: t,
            url: "/app/dashboard".into(),
            variant: Some(variant.into()),
            reason: None,
            duration_ms: None,
            answer: None,
        };
        let mut n = 0;
        out.push(mk(EventKind::GuideShown, None, t, n));
        let mut finished = true;
        for i in 0..steps.len() {
            n += 1;
            t += 1000;
            out.push(mk(EventKind::StepViewed, Some(i), t, n));
            let roll = rng.below(100);
            if i == 2 && roll < 3 {
                n += 1;
                out.push(mk(EventKind::StepTargetMissing, Some(i), t, n));
                n += 1;
                let mut e = mk(EventKind::GuideAbandoned, Some(i), t, n);
                e.reason = Some(ExitReason::TargetMissing);
                out.push(e);
                finished = false;
                break;
            }
            if roll < 12 {
                n += 1;
                let mut e = mk(EventKind::GuideDismissed, Some(i), t + 500, n);
                e.reason = Some(ExitReason::Dismissed);
                out.push(e);
                finished = false;
                break;
            }
            n += 1;
            let d = 800 + rng.below(20_000);
            let mut c = mk(EventKind::StepCompleted, Some(i), t + d as i64, n);
            c.duration_ms = Some(d);
            out.push(c);
        }
        if finished {
            n += 1;
            let mut e = mk(EventKind::GuideCompleted, Some(4), t + 2000, n);
            e.reason = Some(ExitReason::Completed);
            out.push(e);
        }
    }
    out
}
