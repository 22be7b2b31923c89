//! The least change to one member of a conflict that restores a plan:
//! elastic programs for levels and caps, searches for rounds and limits.

use crate::error::Error;
use crate::formulate::{Element, Level, LinExpr, Origin, Rule, Sense, VarDef, VarKind};
use crate::model::{ExpectationKind, Instance, PartyIdx, RedLineKind};
use crate::simulate::{simulate, Evaluation};
use crate::solve::{solve_program, Program, SolveOptions};

use super::relaxed::Relaxed;
use super::{check_options, Change, Group, Tally, Unsettled};

/// The least change to `group` that restores a plan, the rest unchanged.
pub(super) fn relax(
    instance: &Instance,
    options: &SolveOptions,
    tally: &Tally,
    group: Group,
) -> Result<Change, Error> {
    let model = instance.model;
    let base = Relaxed::of(instance);
    let works = |change: &Change| base.with(instance, group, change).feasible(options, tally);
    match base
        .with(instance, group, &Change::Drop)
        .feasibility(options, tally)?
    {
        Ok(true) => {}
        Ok(false) => return Ok(Change::NotEnough),
        Err(why) => return Ok(Change::Undecided(why)),
    }
    let horizon = instance.horizon;
    let search = |from: u32, to: u32, make: &dyn Fn(u32) -> Change| -> Result<Option<u32>, Error> {
        // The smallest value in from..=to that restores a plan (monotone).
        let (mut lo, mut hi) = (from, to);
        if lo > hi || !works(&make(hi))? {
            return Ok(None);
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if works(&make(mid))? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(Some(lo))
    };
    let change = match group {
        Group::Expectation(e) => {
            let by = instance.by[e];
            let later = search(by + 1, horizon, &|to| Change::Deadline { from: by, to })?;
            match (later, model.expectations[e].kind) {
                (Some(to), _) => Change::Deadline { from: by, to },
                (None, ExpectationKind::Meter { meter, band }) => {
                    match (band.at_least, band.at_most) {
                        (Some(at_least), None) => match elastic(
                            instance,
                            options,
                            tally,
                            group,
                            Target::LowestFrom { meter, from: by },
                            true,
                        )? {
                            Some((most, _)) => Change::Level {
                                from: at_least,
                                to: to_millionths(most),
                            },
                            None => Change::Drop,
                        },
                        (None, Some(at_most)) => match elastic(
                            instance,
                            options,
                            tally,
                            group,
                            Target::Highest { meter, from: by },
                            false,
                        )? {
                            Some((least, _)) => Change::Level {
                                from: at_most,
                                to: to_millionths(least),
                            },
                            None => Change::Drop,
                        },
                        // A band has two levels to move: dropping it is
                        // the one change stated.
                        _ => Change::Drop,
                    }
                }
                (None, ExpectationKind::Action(_)) => Change::Drop,
            }
        }
        Group::RedLine(i) => match model.red_lines[i].kind {
            RedLineKind::NeverBelow { meter, level } => {
                match elastic(
                    instance,
                    options,
                    tally,
                    group,
                    Target::LowestFrom { meter, from: 1 },
                    true,
                )? {
                    Some((most, round)) => Change::Floor {
                        from: level,
                        to: to_millionths(most),
                        round,
                    },
                    None => Change::Drop,
                }
            }
            RedLineKind::NeverAbove { meter, level } => {
                match elastic(
                    instance,
                    options,
                    tally,
                    group,
                    Target::Highest { meter, from: 1 },
                    false,
                )? {
                    Some((least, round)) => Change::Ceiling {
                        from: level,
                        to: to_millionths(least),
                        round,
                    },
                    None => Change::Drop,
                }
            }
            RedLineKind::CostAtMost { party, cap } => {
                match elastic(
                    instance,
                    options,
                    tally,
                    group,
                    Target::PartyCost { party },
                    false,
                )? {
                    Some((least, _)) => Change::CostCap {
                        from: cap,
                        to: to_millionths(least),
                    },
                    None => Change::Drop,
                }
            }
            RedLineKind::NotBefore { lag, .. } if lag > 0 => {
                // The longest shorter lag that works (a shorter one always
                // works when a longer one does): binary search on 0..lag.
                if works(&Change::Lag { from: lag, to: 0 })? {
                    let (mut lo, mut hi) = (0, lag - 1);
                    while lo < hi {
                        let mid = lo + (hi - lo).div_ceil(2);
                        if works(&Change::Lag { from: lag, to: mid })? {
                            lo = mid;
                        } else {
                            hi = mid - 1;
                        }
                    }
                    Change::Lag { from: lag, to: lo }
                } else {
                    Change::Drop
                }
            }
            _ => Change::Drop,
        },
        Group::MovesPerRound | Group::PerParty(_) => {
            let from = match group {
                Group::MovesPerRound => model.limits.moves_per_round.unwrap_or(0),
                Group::PerParty(p) => model
                    .limits
                    .per_party
                    .iter()
                    .find(|(q, _)| *q == p)
                    .map_or(0, |e| e.1),
                _ => 0,
            };
            let most = model.actions.len() as u32;
            search(from + 1, most, &|to| Change::Limit { from, to })?
                .map_or(Change::Drop, |to| Change::Limit { from, to })
        }
        Group::Latest(a) => {
            let from = instance.latest[a];
            search(from + 1, horizon, &|to| Change::Latest { from, to })?
                .map_or(Change::Drop, |to| Change::Latest { from, to })
        }
        Group::Forbid(_) | Group::Event(_) | Group::Forced(_) => Change::Drop,
    };
    Ok(change)
}

/// A best reachable level, to six decimals. The solver's value may pass
/// the true one by its tolerance (5e-7), so rounding outward would state a
/// change a millionth larger than needed (3.000001 for 3); the nearest
/// millionth is within half of the simulator's tolerance of the value, so
/// the changed model keeps its plan.
pub(super) fn to_millionths(value: f64) -> f64 {
    crate::numbers::round6(value)
}

/// What an elastic program optimises, with the relaxed element dropped.
#[derive(Clone, Copy)]
pub(super) enum Target {
    /// The lowest value of a meter from a round to the horizon.
    LowestFrom { meter: usize, from: u32 },
    /// The highest value of a meter from a round to the horizon.
    Highest { meter: usize, from: u32 },
    /// A party's summed cost.
    PartyCost { party: PartyIdx },
}

/// Solves the elastic program: the group dropped, the target optimised
/// (`maximize` for the lowest value, else minimised). Returns the optimum
/// and the round where the plan reaches it.
pub(super) fn elastic(
    instance: &Instance,
    options: &SolveOptions,
    tally: &Tally,
    group: Group,
    target: Target,
    maximize: bool,
) -> Result<Option<(f64, Option<u32>)>, Error> {
    let model = instance.model;
    let mut milp = Relaxed::of(instance).program(&options.tuning)?;
    milp.rows.retain(|r| Group::of(&r.origin) != Some(group));
    milp.impossible.retain(|o| Group::of(o) != Some(group));
    let z = milp.vars.len();
    milp.vars.push(VarDef {
        name: "elastic".into(),
        kind: VarKind::Continuous,
        lower: -1e9,
        upper: 1e9,
    });
    let origin = Origin {
        rule: Rule::MeterDynamics,
        element: Element::MetRound,
        path: "elastic".into(),
        round: None,
    };
    let mut objective = LinExpr {
        terms: vec![(z, 1.0)],
        constant: 0.0,
    };
    match target {
        Target::LowestFrom { meter, from } | Target::Highest { meter, from }
            if meter < milp.meter_vars.len() =>
        {
            let first = from.max(1);
            for t in first..=instance.horizon {
                let Some(m) = milp.meter_vars[meter][t as usize] else {
                    continue;
                };
                // z ≤ m[t] (lowest) or z ≥ m[t] (highest).
                let expr = LinExpr {
                    terms: vec![(z, 1.0), (m, -1.0)],
                    constant: 0.0,
                };
                let sense = if maximize {
                    Sense::AtMost
                } else {
                    Sense::AtLeast
                };
                milp.rows.push(crate::formulate::Row {
                    expr,
                    sense,
                    rhs: 0.0,
                    origin: origin.clone(),
                });
            }
        }
        Target::PartyCost { party } => {
            objective = LinExpr::default();
            for (a, action) in model
                .actions
                .iter()
                .enumerate()
                .filter(|(_, x)| x.by == party)
            {
                for &(_, v) in &milp.starts[a] {
                    objective.terms.push((v, action.cost));
                }
            }
        }
        _ => return Ok(None),
    }
    milp.levels = vec![Level {
        objective: None,
        expr: objective.clone(),
        maximize,
        integral: false,
        step: None,
    }];
    // Undecided, the element is dropped instead: a valid change, maybe
    // larger than needed, and the tally says the diagnosis was cut short.
    let (values, moves) = match solve_program(&milp, &[], &check_options(options)) {
        Ok(Program::Solved { values, moves, .. }) => (values, moves),
        Ok(Program::Infeasible) => return Ok(None),
        Ok(Program::Unknown) => {
            tally.record(Unsettled::TimeRanOut);
            return Ok(None);
        }
        Err(_) => {
            tally.record(Unsettled::SolverFailed);
            return Ok(None);
        }
    };
    let value = objective.eval(&values);
    let evaluation = simulate(instance, &moves);
    let round = match target {
        Target::LowestFrom { meter, from } => lowest_round(&evaluation, meter, from),
        Target::Highest { meter, from } => highest_round(&evaluation, meter, from),
        Target::PartyCost { .. } => None,
    };
    Ok(Some((value, round)))
}

pub(super) fn lowest_round(evaluation: &Evaluation, meter: usize, from: u32) -> Option<u32> {
    let values = &evaluation.meters[meter];
    (from.max(1)..values.len() as u32)
        .min_by(|&a, &b| values[a as usize].total_cmp(&values[b as usize]))
}

pub(super) fn highest_round(evaluation: &Evaluation, meter: usize, from: u32) -> Option<u32> {
    let values = &evaluation.meters[meter];
    (from.max(1)..values.len() as u32).max_by(|&a, &b| {
        values[a as usize]
            .total_cmp(&values[b as usize])
            .then(b.cmp(&a))
    })
}

/// How big a change is, to pick the smallest: relative to the value
/// changed; dropping an element counts most.
pub(super) fn size(change: &Change) -> f64 {
    let relative = |from: f64, to: f64| (to - from).abs() / from.abs().max(1.0);
    match *change {
        Change::Deadline { from, to }
        | Change::Lag { from, to }
        | Change::Limit { from, to }
        | Change::Latest { from, to } => relative(f64::from(from), f64::from(to)),
        Change::Level { from, to }
        | Change::Floor { from, to, .. }
        | Change::Ceiling { from, to, .. }
        | Change::CostCap { from, to } => relative(from, to),
        Change::Drop => 1e6,
        Change::NotEnough | Change::Undecided(_) => f64::INFINITY,
    }
}
