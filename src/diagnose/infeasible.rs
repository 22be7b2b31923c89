//! The diagnosis of a model without a plan: its conflicts, the least change
//! to each member, the plan closest to meeting everything and the
//! order-free bounds that show why.

use std::collections::BTreeSet;

use crate::error::Error;
use crate::formulate::{Element, Level, LinExpr, Milp, Origin, Rule, Sense, VarDef, VarKind};
use crate::model::{ExpectationKind, Instance};
use crate::report::objective_values;
use crate::report::PlanReport;
use crate::simulate::{simulate, Evaluation, ViolationKind};
use crate::solve::{solve_program, Program, SolveOptions};
use crate::tuning::Tuning;

use super::conflicts::{conflicts, member};
use super::relax::{relax, size};
use super::relaxed::{relaxed, Relaxed};
use super::{
    check_options, plan_capped, Attempt, Bound, ClosestPlan, Conflict, Diagnosis, Group,
    Infeasibility, Relaxation, Shortfall, Tally, Unsettled,
};

pub(super) fn infeasible_diagnosis(
    instance: &Instance,
    options: &SolveOptions,
    count: usize,
) -> Result<Diagnosis, Error> {
    let milp = Relaxed::of(instance).program(&options.tuning)?;
    let tally = Tally::default();
    let found = conflicts(&milp, count, options, &tally)?;
    let conflicts: Vec<Conflict> = found
        .iter()
        .map(|(groups, proven)| Conflict {
            members: groups.iter().map(|&g| member(&milp, g)).collect(),
            proven_minimal: *proven,
        })
        .collect();
    let mut relaxations = Vec::new();
    let mut seen = BTreeSet::new();
    for group in found.iter().flat_map(|(groups, _)| groups) {
        if seen.insert(*group) {
            relaxations.push(Relaxation {
                group: *group,
                change: relax(instance, options, &tally, *group)?,
            });
        }
    }
    let smallest = relaxations
        .iter()
        .filter(|r| size(&r.change).is_finite())
        .min_by(|a, b| size(&a.change).total_cmp(&size(&b.change)));
    let relaxed_plan = match smallest {
        Some(best) => {
            // Planning the relaxed model is as hard as planning: under the
            // same cap as a check, so that it cannot stall the diagnosis.
            let input = relaxed(instance, best);
            match plan_capped(&input.instance()?, options, &tally)? {
                Attempt::Done(report) => report.map(|report| (best.clone(), report)),
                Attempt::Undecided(_) => None,
            }
        }
        None => None,
    };
    let closest = match closest_plan(instance, options, &tally)? {
        Attempt::Done(closest) => closest,
        Attempt::Undecided(_) => None,
    };
    let sets: Vec<Vec<Group>> = found.into_iter().map(|(groups, _)| groups).collect();
    let bounds = bounds(instance, &sets, &options.tuning);
    // Every solve left undecided (a check, a relaxation, the relaxed or
    // closest plan) is in the tally.
    let cut_short = tally.any() || options.deadline.passed() || options.effort.spent();
    Ok(Diagnosis::Infeasible(Box::new(Infeasibility {
        conflicts,
        relaxations,
        relaxed_plan,
        closest,
        bounds,
        cut_short,
        numerical_failures: tally.failed.get(),
        timed_out: tally.timed_out.get(),
    })))
}

/// The plan meeting the most (weighted) expectations, red lines and every
/// other rule kept; nothing to show when no expectation need be missed or
/// even that plan breaks a red line.
// Fallible like every step of the diagnosis (see `feasible_with`).
#[allow(clippy::unnecessary_wraps)]
pub(super) fn closest_plan(
    instance: &Instance,
    options: &SolveOptions,
    tally: &Tally,
) -> Result<Attempt<ClosestPlan>, Error> {
    let model = instance.model;
    if model.expectations.is_empty() {
        return Ok(Attempt::Done(None));
    }
    let mut milp = Milp::build(instance, &without_deadlines(&options.tuning));
    milp.rows.retain(|r| {
        !matches!(
            r.origin.element,
            Element::Expectation(_) | Element::MetRound
        )
    });
    milp.impossible
        .retain(|o| !matches!(o.element, Element::Expectation(_)));
    let mut met = LinExpr::default();
    for (e, expectation) in model.expectations.iter().enumerate() {
        let z = milp.vars.len();
        milp.vars.push(VarDef {
            name: format!("met[{}]", expectation.id),
            kind: VarKind::Binary,
            lower: 0.0,
            upper: 1.0,
        });
        met.terms.push((z, expectation.weight));
        let origin = Origin {
            rule: Rule::ActionExpectation,
            element: Element::Expectation(e),
            path: format!("expectations[{e}]"),
            round: None,
        };
        let by = instance.by[e];
        match expectation.kind {
            ExpectationKind::Action(a) => {
                // z ≤ Σ starts of a completing by the deadline.
                let d = model.actions[a].duration;
                let mut expr = LinExpr {
                    terms: vec![(z, 1.0)],
                    constant: 0.0,
                };
                for &(s, v) in &milp.starts[a] {
                    if s + d - 1 <= by {
                        expr.terms.push((v, -1.0));
                    }
                }
                milp.rows.push(crate::formulate::Row {
                    expr,
                    sense: Sense::AtMost,
                    rhs: 0.0,
                    origin,
                });
            }
            ExpectationKind::Meter { meter, band } => {
                for t in by.max(1)..=instance.horizon {
                    let Some(m) = milp.meter_vars[meter][t as usize] else {
                        continue;
                    };
                    let (low, high) = milp.meter_bounds[meter][t as usize];
                    if let Some(at_least) = band.at_least {
                        let lo = low.min(at_least);
                        // m ≥ lo + (L − lo)·z
                        milp.rows.push(crate::formulate::Row {
                            expr: LinExpr {
                                terms: vec![(m, 1.0), (z, -(at_least - lo))],
                                constant: 0.0,
                            },
                            sense: Sense::AtLeast,
                            rhs: lo,
                            origin: origin.clone(),
                        });
                    }
                    if let Some(at_most) = band.at_most {
                        let hi = high.max(at_most);
                        // m ≤ hi − (hi − U)·z
                        milp.rows.push(crate::formulate::Row {
                            expr: LinExpr {
                                terms: vec![(m, 1.0), (z, hi - at_most)],
                                constant: 0.0,
                            },
                            sense: Sense::AtMost,
                            rhs: hi,
                            origin: origin.clone(),
                        });
                    }
                }
            }
        }
    }
    let tie_break = milp.levels.last().cloned();
    let step = crate::formulate::common_step(model.expectations.iter().map(|e| e.weight));
    milp.levels = vec![Level {
        objective: None,
        expr: met,
        maximize: true,
        integral: false,
        step,
    }];
    milp.levels.extend(tie_break);
    let (moves, status, gap, solver_failed) =
        match solve_program(&milp, &[], &check_options(options)) {
            Ok(Program::Solved {
                moves,
                status,
                gap,
                solver_failed,
                ..
            }) => (moves, status, gap, solver_failed),
            Ok(Program::Unknown) => {
                return Ok(Attempt::Undecided(tally.record(Unsettled::TimeRanOut)))
            }
            Err(_) => return Ok(Attempt::Undecided(tally.record(Unsettled::SolverFailed))),
            // No plan keeps the red lines even with every expectation dropped.
            Ok(Program::Infeasible) => return Ok(Attempt::Done(None)),
        };
    let evaluation = simulate(instance, &moves);
    let missed: Vec<Shortfall> = model
        .expectations
        .iter()
        .enumerate()
        .filter(|(e, _)| {
            evaluation.violations.iter().any(|v| {
                v.kind
                    == ViolationKind::ExpectationUnmet {
                        expectation: *e,
                        met_round: evaluation.expectations[*e].met_round,
                    }
            })
        })
        .map(|(e, _)| Shortfall {
            expectation: e,
            met_round: evaluation.expectations[e].met_round,
            lowest: sustained_extreme(instance, &evaluation, e, Side::Floor),
            highest: sustained_extreme(instance, &evaluation, e, Side::Ceiling),
        })
        .collect();
    let objectives = objective_values(model, &evaluation);
    Ok(Attempt::Done(Some(ClosestPlan {
        report: PlanReport {
            status,
            objectives,
            gap,
            moves,
            evaluation,
            solver_failed,
            bound: None,
            history: Vec::new(),
            odds: None,
            reliability: None,
        },
        missed,
    })))
}

/// One side of a meter expectation's band.
#[derive(Clone, Copy)]
pub(super) enum Side {
    Floor,
    Ceiling,
}

/// Where a meter expectation's meter comes closest to crossing one side of
/// its band from the deadline on: the lowest value against a floor, the
/// highest against a ceiling; `None` when the band has no such side.
pub(super) fn sustained_extreme(
    instance: &Instance,
    evaluation: &Evaluation,
    e: usize,
    side: Side,
) -> Option<f64> {
    let ExpectationKind::Meter { meter, band } = instance.model.expectations[e].kind else {
        return None;
    };
    let from = instance.by[e].max(1) as usize;
    let values = evaluation.meters[meter][from..].iter().copied();
    match side {
        Side::Floor => band.at_least.and_then(|_| values.reduce(f64::min)),
        Side::Ceiling => band.at_most.and_then(|_| values.reduce(f64::max)),
    }
}

/// The tuning for a program whose plans may miss expectations: the
/// presolve must not narrow anything by the deadlines.
pub(super) fn without_deadlines(tuning: &Tuning) -> Tuning {
    Tuning {
        deadlines: false,
        ..*tuning
    }
}

/// Order-free bounds for the expectations in the conflicts.
pub(super) fn bounds(instance: &Instance, conflicts: &[Vec<Group>], tuning: &Tuning) -> Vec<Bound> {
    let model = instance.model;
    let windows = crate::presolve::start_windows(instance);
    let milp = Milp::build(instance, &without_deadlines(tuning));
    let mut out = Vec::new();
    let expectations: BTreeSet<usize> = conflicts
        .iter()
        .flatten()
        .filter_map(|g| {
            if let Group::Expectation(e) = g {
                Some(*e)
            } else {
                None
            }
        })
        .collect();
    for e in expectations {
        let by = instance.by[e];
        match model.expectations[e].kind {
            ExpectationKind::Action(a) => {
                let earliest_completion =
                    windows[a].map(|(first, _)| first + model.actions[a].duration - 1);
                if earliest_completion.is_none_or(|c| c > by) {
                    out.push(Bound::TooLate {
                        expectation: e,
                        action: a,
                        earliest_completion,
                        by,
                    });
                }
            }
            ExpectationKind::Meter { meter, band } => {
                let (least, most) = milp.meter_bounds[meter][by as usize];
                if let Some(level) = band
                    .at_least
                    .filter(|&l| most < l - crate::numbers::TOLERANCE)
                {
                    out.push(Bound::TooLow {
                        expectation: e,
                        meter,
                        most,
                        by,
                        level,
                    });
                }
                if let Some(level) = band
                    .at_most
                    .filter(|&u| least > u + crate::numbers::TOLERANCE)
                {
                    out.push(Bound::TooHigh {
                        expectation: e,
                        meter,
                        least,
                        by,
                        level,
                    });
                }
            }
        }
    }
    out
}
