//! A relaxation as an input a person could have written: the model and
//! overrides with one change applied, or with whole elements dropped.

use crate::error::Error;
use crate::formulate::Milp;
use crate::model::{Band, ExpectationKind, Instance, Model, Overrides, RedLineKind};
use crate::solve::SolveOptions;
use crate::tuning::Tuning;

use super::conflicts::{feasible_with, groups};
use super::{Change, Group, Relaxation, Tally, Unsettled};

/// A model and overrides with changes applied: what a relaxation means as
/// an input a person could have written.
#[derive(Debug, Clone)]
pub struct Relaxed {
    pub model: Model,
    pub overrides: Overrides,
}

impl Relaxed {
    /// The instance's model and overrides, unchanged.
    pub(super) fn of(instance: &Instance) -> Self {
        Relaxed {
            model: instance.model.clone(),
            overrides: instance.overrides.clone(),
        }
    }

    /// Applies one change to the element `group` of `instance` (indices
    /// refer to the instance's model).
    pub(super) fn with(&self, instance: &Instance, group: Group, change: &Change) -> Relaxed {
        let mut r = self.clone();
        let model = &mut r.model;
        let scenario = instance.scenario;
        match (group, change) {
            (Group::Expectation(e), Change::Deadline { to, .. }) => {
                let in_scenario = scenario.and_then(|s| {
                    model.scenarios[s]
                        .deadlines
                        .iter_mut()
                        .find(|(x, _)| *x == e)
                });
                match in_scenario {
                    Some(deadline) => deadline.1 = *to,
                    None => model.expectations[e].by = Some(*to),
                }
            }
            (Group::Expectation(e), Change::Level { to, .. }) => {
                if let ExpectationKind::Meter { meter, band } = model.expectations[e].kind {
                    // Only a floor or a ceiling alone is moved; a band is
                    // dropped whole (see `relax`).
                    let band = match (band.at_least, band.at_most) {
                        (Some(_), None) => Band::at_least(*to),
                        (None, Some(_)) => Band::at_most(*to),
                        _ => band,
                    };
                    model.expectations[e].kind = ExpectationKind::Meter { meter, band };
                }
            }
            (Group::Expectation(e), _) => {
                model.expectations.remove(e);
                for s in &mut model.scenarios {
                    s.deadlines.retain(|&(x, _)| x != e);
                    for d in &mut s.deadlines {
                        if d.0 > e {
                            d.0 -= 1;
                        }
                    }
                }
            }
            (
                Group::RedLine(i),
                Change::Floor { to, .. } | Change::Ceiling { to, .. } | Change::CostCap { to, .. },
            ) => {
                model.red_lines[i].kind = match model.red_lines[i].kind {
                    RedLineKind::NeverBelow { meter, .. } => {
                        RedLineKind::NeverBelow { meter, level: *to }
                    }
                    RedLineKind::NeverAbove { meter, .. } => {
                        RedLineKind::NeverAbove { meter, level: *to }
                    }
                    RedLineKind::CostAtMost { party, .. } => {
                        RedLineKind::CostAtMost { party, cap: *to }
                    }
                    other => other,
                };
            }
            (Group::RedLine(i), Change::Lag { to, .. }) => {
                if let RedLineKind::NotBefore { action, before, .. } = model.red_lines[i].kind {
                    model.red_lines[i].kind = RedLineKind::NotBefore {
                        action,
                        before,
                        lag: *to,
                    };
                }
            }
            (Group::RedLine(i), _) => {
                model.red_lines.remove(i);
            }
            (Group::MovesPerRound, Change::Limit { to, .. }) => {
                model.limits.moves_per_round = Some(*to);
            }
            (Group::MovesPerRound, _) => model.limits.moves_per_round = None,
            (Group::PerParty(p), Change::Limit { to, .. }) => {
                for entry in model
                    .limits
                    .per_party
                    .iter_mut()
                    .filter(|(party, _)| *party == p)
                {
                    entry.1 = *to;
                }
            }
            (Group::PerParty(p), _) => model.limits.per_party.retain(|(party, _)| *party != p),
            (Group::Latest(a), Change::Latest { to, .. }) => model.actions[a].latest = Some(*to),
            (Group::Latest(a), _) => model.actions[a].latest = None,
            (Group::Forbid(a), _) => {
                for s in &mut model.scenarios {
                    s.forbid.retain(|&x| x != a);
                }
                let id = &model.actions[a].id;
                r.overrides.forbid.retain(|x| x != id);
            }
            (Group::Event(j), _) => {
                let source = instance.event_sources[j];
                match source.scenario {
                    Some(s) => {
                        model.scenarios[s].events.remove(source.index);
                    }
                    None => {
                        model.events.remove(source.index);
                    }
                }
            }
            (Group::Forced(i), _) => {
                r.overrides.force.remove(i);
            }
        }
        r
    }

    /// The instance of the relaxed input.
    pub fn instance(&self) -> Result<Instance<'_>, Error> {
        Instance::new(&self.model, &self.overrides)
    }

    /// Its relaxable program, built with `tuning`.
    pub(super) fn program(&self, tuning: &Tuning) -> Result<Milp, Error> {
        let mut instance = self.instance()?;
        instance.relaxable = true;
        Ok(Milp::build(&instance, tuning))
    }

    /// Whether the relaxed input has a plan (undecided counts as no).
    pub(super) fn feasible(&self, options: &SolveOptions, tally: &Tally) -> Result<bool, Error> {
        Ok(self.feasibility(options, tally)? == Ok(true))
    }

    /// Whether the relaxed input has a plan, or why that was undecided.
    pub(super) fn feasibility(
        &self,
        options: &SolveOptions,
        tally: &Tally,
    ) -> Result<Result<bool, Unsettled>, Error> {
        let milp = Milp::build(&self.instance()?, &options.tuning);
        feasible_with(&milp, &groups(&milp), options, tally)
    }
}

/// The model and overrides with one relaxation applied, as a person could
/// have written them: re-plan them to see the relaxed plan.
pub fn relaxed(instance: &Instance, relaxation: &Relaxation) -> Relaxed {
    Relaxed::of(instance).with(instance, relaxation.group, &relaxation.change)
}

/// The instance's input with every group in `drops` removed (as a person
/// would delete those elements), for checking a conflict from outside.
pub fn without(instance: &Instance, drops: &[Group]) -> Relaxed {
    let mut sorted = drops.to_vec();
    // Later indices first, so earlier ones stay valid as elements go.
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    let mut out = Relaxed::of(instance);
    for group in sorted {
        out = out.with(instance, group, &Change::Drop);
    }
    out
}
