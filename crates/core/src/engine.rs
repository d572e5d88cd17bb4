//! The engine: compiled guides, eligibility, explanations and the choice of what shows now.

use serde::{Deserialize, Serialize};

use crate::model::{Guide, Trigger};
use crate::rules::{holdout_bucket, pick_variant, rollout_bucket, Compiled, Context, Names, Prepared, Trace};
use crate::scheduler::{budget_allows, frequency_allows, Budget, SchedulerState};

/// Guides with their rules compiled once.
pub struct Engine {
    guides: Vec<Guide>,
    audiences: Vec<Compiled>,
    names: Names,
}

/// What made a guide eligible or not.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GuideExplanation {
    pub guide_id: String,
    pub eligible: bool,
    pub trace: Trace,
}

/// What happened that might start a guide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerInput<'a> {
    PageView,
    Event(&'a str),
    /// `Guidepost.start(id)`: shows the guide regardless of audience and frequency.
    Manual(&'a str),
}

/// The scheduler's answer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Show {
        guide_id: String,
        variant: Option<String>,
        /// The running guide this one replaces (exit reason `displaced`).
        displaces: Option<String>,
    },
    /// The guide would show, but the user falls in its holdout: record `guide_held_out`,
    /// remember it (`SchedulerState::record_held_out`) and decide again.
    HoldOut {
        guide_id: String,
    },
    Nothing {
        reason: String,
    },
}

/// Whether the user falls in the guide's holdout (its control group).
pub fn in_holdout(g: &Guide, user_id: &str) -> bool {
    g.holdout.is_some_and(|h| holdout_bucket(user_id, &g.id) < h)
}

impl Engine {
    pub fn new(guides: Vec<Guide>) -> Engine {
        let mut names = Names::default();
        let audiences = guides.iter().map(|g| Compiled::compile(&g.audience, &mut names)).collect();
        Engine { guides, audiences, names }
    }

    pub fn guides(&self) -> &[Guide] {
        &self.guides
    }

    pub fn guide(&self, id: &str) -> Option<&Guide> {
        self.guides.iter().find(|g| g.id == id)
    }

    /// Prepares a context once for many evaluations.
    pub fn prepare<'a>(&self, ctx: &'a Context) -> Prepared<'a> {
        Prepared::new(&self.names, ctx)
    }

    fn rollout_ok(&self, g: &Guide, user_id: &str) -> bool {
        g.rollout.as_ref().is_none_or(|r| rollout_bucket(user_id, &g.id) < r.percent)
    }

    /// The fast path: guides whose audience, rollout and frequency allow them now
    /// (triggers and budget are the scheduler's business).
    pub fn eligible<'g>(&'g self, ctx: &Context, state: &SchedulerState) -> Vec<&'g Guide> {
        let p = self.prepare(ctx);
        self.eligible_prepared(&p, state)
    }

    pub fn eligible_prepared<'g>(&'g self, p: &Prepared, state: &SchedulerState) -> Vec<&'g Guide> {
        let ctx = p.context();
        self.guides
            .iter()
            .zip(&self.audiences)
            .filter(|(g, rule)| {
                rule.eval(p)
                    && self.rollout_ok(g, &ctx.user_id)
                    && !state.history.get(&g.id).is_some_and(|h| h.held_out)
                    && frequency_allows(&g.frequency, state.history.get(&g.id), &state.session_id, ctx.now_ms).is_ok()
            })
            .map(|(g, _)| g)
            .collect()
    }

    /// The traced path: for every guide, whether it would show and why (`Guidepost.debug()`).
    pub fn explain(&self, ctx: &Context, state: &SchedulerState) -> Vec<GuideExplanation> {
        let p = self.prepare(ctx);
        self.guides.iter().zip(&self.audiences).map(|(g, rule)| self.explain_one(g, rule, &p, state)).collect()
    }

    pub fn explain_guide(&self, id: &str, ctx: &Context, state: &SchedulerState) -> Option<GuideExplanation> {
        let p = self.prepare(ctx);
        let i = self.guides.iter().position(|g| g.id == id)?;
        Some(self.explain_one(&self.guides[i], &self.audiences[i], &p, state))
    }

    fn explain_one(&self, g: &Guide, rule: &Compiled, p: &Prepared, state: &SchedulerState) -> GuideExplanation {
        let ctx = p.context();
        let mut audience = rule.trace(p);
        audience.label = format!("audience: {}", audience.label);
        let rollout = match &g.rollout {
            None => Trace::leaf(true, "rollout", "no rollout: everyone in the audience"),
            Some(r) => {
                let b = rollout_bucket(&ctx.user_id, &g.id);
                let variant = pick_variant(&ctx.user_id, &g.id, &r.variants).map(|v| format!(", variant \"{v}\"")).unwrap_or_default();
                Trace::leaf(
                    b < r.percent,
                    format!("rollout {}%", crate::num::show(r.percent)),
                    format!("user bucket is {}{variant}", crate::num::fixed(b, 2)),
                )
            }
        };
        let holdout = match g.holdout {
            None => Trace::leaf(true, "holdout", "no holdout"),
            Some(h) => {
                let b = holdout_bucket(&ctx.user_id, &g.id);
                let out = state.history.get(&g.id).is_some_and(|x| x.held_out) || b < h;
                let detail = if out { "in the control group: never shown automatically" } else { "in the shown group" };
                Trace::leaf(
                    !out,
                    format!("holdout {}%", crate::num::show(h)),
                    format!("user bucket is {}: {detail}", crate::num::fixed(b, 2)),
                )
            }
        };
        let freq = frequency_allows(&g.frequency, state.history.get(&g.id), &state.session_id, ctx.now_ms);
        let frequency = Trace::leaf(freq.is_ok(), format!("frequency {}", frequency_label(g)), freq.unwrap_or_else(|e| e));
        let trigger = Trace::leaf(
            true,
            "trigger",
            match &g.trigger {
                Trigger::PageView => "starts on a page view".to_string(),
                Trigger::Event { name } => format!("starts when \"{name}\" is tracked"),
                Trigger::Manual => "starts only through Guidepost.start()".to_string(),
            },
        );
        let children = vec![audience, rollout, holdout, frequency, trigger];
        let eligible = children.iter().all(|c| c.passed);
        let detail = if eligible {
            "would show".to_string()
        } else {
            let failed: Vec<&str> = children.iter().filter(|c| !c.passed).map(|c| c.label.split(':').next().unwrap_or("")).collect();
            format!("blocked by {}", failed.join(", "))
        };
        GuideExplanation {
            guide_id: g.id.clone(),
            eligible,
            trace: Trace { passed: eligible, label: format!("guide {}", g.id), detail, children },
        }
    }

    /// Decides which guide shows now, if any.
    ///
    /// One modal-class guide at a time: a running one is only displaced by a guide of
    /// strictly higher priority. Non-modal guides (banners, hotspots, checklists) follow
    /// the same budget but never displace anything.
    pub fn next_guide(
        &self,
        ctx: &Context,
        state: &SchedulerState,
        active: Option<&str>,
        trigger: TriggerInput,
        budget: &Budget,
    ) -> Decision {
        let variant_of = |g: &Guide| g.rollout.as_ref().and_then(|r| pick_variant(&ctx.user_id, &g.id, &r.variants)).map(str::to_string);
        let active_guide = active.and_then(|id| self.guide(id));
        if let TriggerInput::Manual(id) = trigger {
            return match self.guide(id) {
                Some(g) => Decision::Show {
                    guide_id: g.id.clone(),
                    variant: variant_of(g),
                    displaces: active_guide.filter(|a| a.id != g.id).map(|a| a.id.clone()),
                },
                None => Decision::Nothing { reason: format!("no guide with id \"{id}\"") },
            };
        }
        let p = self.prepare(ctx);
        let mut candidates: Vec<&Guide> = self
            .eligible_prepared(&p, state)
            .into_iter()
            .filter(|g| match (&g.trigger, trigger) {
                (Trigger::PageView, TriggerInput::PageView) => true,
                (Trigger::Event { name }, TriggerInput::Event(e)) => name == e,
                _ => false,
            })
            .filter(|g| Some(g.id.as_str()) != active)
            .collect();
        if candidates.is_empty() {
            return Decision::Nothing { reason: "no eligible guide for this trigger".into() };
        }
        if let Err(reason) = budget_allows(budget, state, ctx.now_ms) {
            return Decision::Nothing { reason };
        }
        // Highest priority first; ids are unique, so the order is total and deterministic.
        crate::sort::sort_by(&mut candidates, |a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
        for g in candidates {
            let displaces = match active_guide {
                Some(a) if g.is_modal_class() && a.is_modal_class() => {
                    if g.priority <= a.priority {
                        continue;
                    }
                    Some(a.id.clone())
                }
                _ => None,
            };
            // Held out exactly where it would have shown, so the two groups are comparable.
            if in_holdout(g, &ctx.user_id) {
                return Decision::HoldOut { guide_id: g.id.clone() };
            }
            return Decision::Show { guide_id: g.id.clone(), variant: variant_of(g), displaces };
        }
        Decision::Nothing { reason: format!("guide \"{}\" is showing and has equal or higher priority", active.unwrap_or("")) }
    }
}

fn frequency_label(g: &Guide) -> String {
    match &g.frequency {
        crate::model::Frequency::Once => "once".into(),
        crate::model::Frequency::Times { n } => format!("{n} times"),
        crate::model::Frequency::Cooldown { days, .. } => format!("every {days} days"),
        crate::model::Frequency::OncePerSession => "once per session".into(),
    }
}
