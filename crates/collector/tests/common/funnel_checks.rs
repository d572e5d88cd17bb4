//! Funnel reports: every store gives the report core's `FunnelBuilder` gives on the same
//! records, field for field, for random journeys and every kind of slice.

use guidepost_collector::store::{FunnelQuery, Store, MAX_CHOICES_PER_GUIDE, MAX_STEPS_PER_GUIDE, MAX_VARIANTS_PER_GUIDE, OTHER};
use guidepost_core::{EventKind, EventRecord, ExitReason, FunnelBuilder, FunnelReport, SurveyAnswer};

use super::{rec, survey, Rng, T0};

const DAY: i64 = 86_400_000;
/// The steps of the guide's two versions: version 2 moved `sidebar` after `export`.
const STEPS: [[&str; 4]; 2] = [["welcome", "sidebar", "export", "nps"], ["welcome", "export", "sidebar", "nps"]];

/// What a journey does on its current step.
#[derive(Clone, Copy, Debug)]
enum Act {
    Next,
    Back,
    Skip,
    Branch,
    Dismiss,
    Abandon(ExitReason),
    /// The page reloads: the session ends here and may resume later on the same step.
    Reload,
    /// The user stops; the guide stays in progress.
    Stop,
}

struct Gen {
    rng: Rng,
    out: Vec<EventRecord>,
}

impl Gen {
    fn id(&mut self) -> String {
        // Random, so that event ids and timestamps are not in the same order.
        format!("{:016x}", self.rng.next())
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: EventKind,
        user: &str,
        session: &str,
        step: Option<(u32, &str)>,
        ts: i64,
        version: u32,
        variant: Option<&str>,
    ) -> &mut EventRecord {
        let mut r = rec(&self.id(), kind, user, step, ts);
        r.session_id = session.to_string();
        r.guide_version = version;
        r.variant = variant.map(str::to_string);
        self.out.push(r);
        self.out.last_mut().expect("pushed")
    }
}

/// Random journeys through guide "tour" by `users` users: next, back, skip, branch, dismiss,
/// a missing target (abandoned, or found later), navigation away, timeout, displacement,
/// several sessions over several days, resuming after a reload, two versions, two variants
/// and none, NPS and choice answers with comments, exits at the same millisecond, exits
/// without a step, and records delivered twice.
pub fn random_journeys(seed: u64, users: usize) -> Vec<EventRecord> {
    let mut g = Gen { rng: Rng(seed), out: Vec::new() };
    for u in 0..users {
        let user = format!("u{u}");
        let variant = [None, Some("A"), Some("B")][g.rng.below(3) as usize];
        let mut version = 1 + g.rng.below(2) as u32;
        let sessions = 1 + g.rng.below(3);
        let mut last_exit_ts = None;
        for s in 0..sessions {
            if g.rng.below(6) == 0 {
                version = 3 - version; // a new version was published meanwhile
            }
            let session = format!("{user}-s{s}");
            let mut ts = T0 + (s as i64 + g.rng.below(2) as i64) * DAY + g.rng.below(DAY as u64 / 2) as i64;
            // Two exits of one user on the same millisecond: the event id breaks the tie.
            if let (Some(t), 0) = (last_exit_ts, g.rng.below(5)) {
                ts = t;
            }
            let steps = STEPS[version as usize - 1];
            let mut cur = 0usize;
            g.push(EventKind::GuideShown, &user, &session, None, ts, version, variant);
            let mut resumed = false;
            loop {
                ts += 1 + g.rng.below(60_000) as i64;
                let step = (cur as u32, steps[cur]);
                g.push(EventKind::StepViewed, &user, &session, Some(step), ts, version, variant);
                if g.rng.below(8) == 0 {
                    g.push(EventKind::StepTargetMissing, &user, &session, Some(step), ts, version, variant);
                    if g.rng.below(2) == 0 {
                        let at = (g.rng.below(4) > 0).then_some(step);
                        let r = g.push(EventKind::GuideAbandoned, &user, &session, at, ts + 1, version, variant);
                        r.reason = Some(ExitReason::TargetMissing);
                        last_exit_ts = Some(ts + 1);
                        break;
                    }
                }
                if steps[cur] == "nps" && g.rng.below(3) > 0 {
                    let a = SurveyAnswer {
                        score: (g.rng.below(3) > 0).then(|| g.rng.below(11) as i32),
                        choice: (g.rng.below(3) == 0).then(|| ["speed", "price", "docs"][g.rng.below(3) as usize].to_string()),
                        comment: (g.rng.below(2) == 0).then(|| format!("comment {}", g.rng.below(1000))),
                    };
                    if a.score.is_some() || a.choice.is_some() {
                        g.push(EventKind::SurveyAnswered, &user, &session, Some(step), ts, version, variant).answer = Some(a);
                    }
                }
                let act = match g.rng.below(20) {
                    0..=8 => Act::Next,
                    9 => Act::Back,
                    10 => Act::Skip,
                    11 => Act::Branch,
                    12 | 13 => Act::Dismiss,
                    14 => Act::Abandon(ExitReason::NavigatedAway),
                    15 => Act::Abandon(ExitReason::Timeout),
                    16 => Act::Abandon(ExitReason::Displaced),
                    17 if !resumed => Act::Reload,
                    _ => Act::Stop,
                };
                let complete = |g: &mut Gen, ts: i64| {
                    let d = g.rng.below(20_000);
                    g.push(EventKind::StepCompleted, &user, &session, Some(step), ts, version, variant).duration_ms = Some(d);
                };
                let exit = |g: &mut Gen, kind: EventKind, reason: ExitReason, ts: i64| {
                    let at = (g.rng.below(5) > 0).then_some(step);
                    g.push(kind, &user, &session, at, ts, version, variant).reason = Some(reason);
                };
                match act {
                    Act::Next | Act::Branch | Act::Skip => {
                        if !matches!(act, Act::Skip) {
                            complete(&mut g, ts);
                        }
                        cur = match act {
                            Act::Next => cur + 1,
                            Act::Skip => cur + 2,
                            _ => g.rng.below(4) as usize,
                        };
                        if cur >= steps.len() {
                            exit(&mut g, EventKind::GuideCompleted, ExitReason::Completed, ts);
                            last_exit_ts = Some(ts);
                            break;
                        }
                    }
                    Act::Back => cur = cur.saturating_sub(1),
                    Act::Dismiss => {
                        exit(&mut g, EventKind::GuideDismissed, ExitReason::Dismissed, ts);
                        last_exit_ts = Some(ts);
                        break;
                    }
                    Act::Abandon(reason) => {
                        exit(&mut g, EventKind::GuideAbandoned, reason, ts);
                        last_exit_ts = Some(ts);
                        break;
                    }
                    Act::Reload => {
                        // The same session resumes on the same step, maybe the next day.
                        resumed = true;
                        ts += g.rng.below(2 * DAY as u64) as i64;
                    }
                    Act::Stop => break,
                }
            }
        }
    }
    // Retried deliveries: some records are sent again.
    let n = g.out.len();
    for _ in 0..n / 20 {
        let r = g.out[g.rng.below(n as u64) as usize].clone();
        g.out.push(r);
    }
    g.out
}

/// The slices every store is checked with.
pub fn slices() -> Vec<(&'static str, FunnelQuery)> {
    let day = |n: i64| T0 - T0.rem_euclid(DAY) + n * DAY;
    let q = |from: Option<i64>, to: Option<i64>, version: Option<u32>, variant: Option<&str>| FunnelQuery {
        guide_id: "tour".into(),
        from_ms: from,
        to_ms: to,
        version,
        variant: variant.map(str::to_string),
    };
    vec![
        ("everything", q(None, None, None, None)),
        ("version 1", q(None, None, Some(1), None)),
        ("version 2", q(None, None, Some(2), None)),
        ("variant A", q(None, None, None, Some("A"))),
        ("version 2, variant B", q(None, None, Some(2), Some("B"))),
        ("from day 1", q(Some(day(1)), None, None, None)),
        ("before day 1", q(None, Some(day(1)), None, None)),
        ("day 1 only", q(Some(day(1)), Some(day(2)), None, None)),
        ("days 1 and 2, version 1, variant A", q(Some(day(1)), Some(day(3)), Some(1), Some("A"))),
    ]
}

/// Core's report of a slice: `FunnelBuilder` over the records in it.
pub fn core_report(records: &[EventRecord], q: &FunnelQuery) -> FunnelReport {
    let day = |ms: i64| ms.div_euclid(DAY);
    let mut b = FunnelBuilder::new(&q.guide_id);
    for r in records.iter().filter(|r| {
        q.from_ms.is_none_or(|f| day(r.timestamp) >= day(f))
            && q.to_ms.is_none_or(|t| day(r.timestamp) <= day(t - 1))
            && q.version.is_none_or(|v| r.guide_version == v)
            && q.variant.as_deref().is_none_or(|v| r.variant.as_deref().unwrap_or("") == v)
    }) {
        b.add(r);
    }
    b.finish()
}

/// Inserts `records` (in a few batches, as clients would) and checks that `store`'s report
/// equals core's for every slice.
pub fn check_funnels_agree(store: &dyn Store, records: &[EventRecord]) {
    for part in records.chunks(records.len().div_ceil(3).max(1)) {
        store.insert(part).unwrap();
    }
    for (case, q) in slices() {
        let want = core_report(records, &q);
        assert!(want.shown_users > 0 || case != "everything", "the generator made journeys");
        let got = store.funnel(&q).unwrap();
        assert_eq!(got, want, "{case}: the store's report equals core's");
    }
}

/// Distinct step ids, variants and survey choices beyond the per-guide caps are counted
/// under "(other)". Half the records go through `first`, the rest through `second` (another
/// store on the same database: a restart, or a second collector), which is then checked.
/// Returns the number of records inserted.
pub fn check_caps(first: &dyn Store, second: &dyn Store) -> usize {
    let extra = 5;
    let mut recs = Vec::new();
    for i in 0..(MAX_STEPS_PER_GUIDE + extra) {
        recs.push(rec(&format!("step-{i}"), EventKind::StepViewed, &format!("u{i}"), Some((i as u32 % 10, &format!("s{i}"))), T0));
    }
    for i in 0..(MAX_VARIANTS_PER_GUIDE + extra) {
        let mut r = rec(&format!("var-{i}"), EventKind::GuideShown, &format!("v{i}"), None, T0);
        r.variant = Some(format!("variant-{i}"));
        recs.push(r);
    }
    for i in 0..(MAX_CHOICES_PER_GUIDE + extra) {
        let mut r = survey(&format!("choice-{i}"), &format!("c{i}"), None, Some(&format!("choice {i}")));
        r.guide_id = "tour".into();
        recs.push(r);
    }
    let (a, b) = recs.split_at(recs.len() / 2);
    first.insert(a).unwrap();
    second.insert(b).unwrap();
    let q = FunnelQuery { guide_id: "tour".into(), ..Default::default() };
    let f = second.funnel(&q).unwrap();
    // (what, distinct values counted including OTHER, users counted under OTHER)
    let steps: Vec<&str> = f.steps.iter().map(|st| st.step_id.as_str()).collect();
    let other_step = f.steps.iter().find(|st| st.step_id == OTHER).expect("an (other) step");
    let choices = &f.survey.as_ref().unwrap().choices;
    let g = second.guides().unwrap();
    let variants = &g.iter().find(|g| g.guide_id == "tour").unwrap().variants;
    let other_variant = second.funnel(&FunnelQuery { variant: Some(OTHER.into()), ..q.clone() }).unwrap();
    let cases = [
        ("steps", steps.len(), other_step.viewed_users as usize),
        ("choices", choices.len(), choices[OTHER] as usize),
        ("variants", variants.len(), other_variant.shown_users as usize),
    ];
    for ((what, distinct, other), cap) in cases.into_iter().zip([MAX_STEPS_PER_GUIDE, MAX_CHOICES_PER_GUIDE, MAX_VARIANTS_PER_GUIDE]) {
        assert_eq!(distinct, cap + 1, "{what}: the cap plus (other)");
        assert_eq!(other, extra, "{what}: the values beyond the cap are in (other)");
    }
    assert_eq!(f.shown_users as usize, MAX_VARIANTS_PER_GUIDE + extra, "guide totals still count every user");
    // A value counted before the cap was reached keeps its own row.
    let mut again = rec("step-again", EventKind::StepViewed, "late", Some((3, "s3")), T0);
    second.insert(std::slice::from_ref(&again)).unwrap();
    assert_eq!(second.funnel(&q).unwrap().steps.iter().find(|st| st.step_id == "s3").unwrap().viewed_users, 2);
    again.event_id = "step-new".into();
    again.step_id = Some("brand-new".into());
    second.insert(&[again]).unwrap();
    assert_eq!(second.funnel(&q).unwrap().steps.len(), MAX_STEPS_PER_GUIDE + 1, "a new step after the cap adds no row");
    recs.len() + 2
}
