//! Plans that hold with a stated probability (`plan --reliability P`):
//! the best plan, on the objectives, among those that work when every move
//! succeeds and in futures that weigh P (see [`Milp::build_sampled`]):
//! every combination of outcomes with its probability when there are few,
//! else ⌈P·N⌉ of N futures drawn, where a plan whose chance on fresh
//! futures (exact where it can be) falls short of P is ruled out by asking
//! for more of the drawn ones, until one holds. Then the moves that buy
//! it.

use super::levels::{solve_program, Program};
use super::{solve_milp, Outcome, SolveOptions};
use crate::chance::{
    future_instance, futures, odds, works_as_planned, works_in, OddsOptions, ReliabilityOptions,
    SampledFuture,
};
use crate::error::Error;
use crate::formulate::{Level, LinExpr, Milp, SampleDraws};
use crate::model::Instance;
use crate::plan::Moves;
use crate::report::{Insurance, PlanReport, Reliability, Status};
use crate::simulate::simulate;

/// What the search for a plan that holds with a stated probability found.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // one per command, never stored in bulk
pub enum Reliable {
    /// The plan, with its chance and what was asked ([`PlanReport::reliability`]).
    Plan(PlanReport),
    /// No plan that works when every move succeeds reaches the level on
    /// the futures: the most one reaches, if that was settled in time.
    Unreachable { most: Option<f64>, exact: bool },
    /// Plans reached the level on the futures drawn, but none held on
    /// fresh ones.
    NoneHeld { drawn: u32 },
    /// The time or effort ran out before any plan.
    Unknown,
}

/// The futures of a reliability program, ready to build it.
struct Prepared<'m> {
    futures: crate::chance::Futures,
    instances: Vec<Instance<'m>>,
    draws: Vec<SampleDraws>,
    weights: Vec<f64>,
}

impl<'m> Prepared<'m> {
    fn of(instance: &Instance<'m>, asked: &ReliabilityOptions) -> Self {
        let futures = futures(instance, asked);
        Prepared {
            instances: futures
                .list
                .iter()
                .map(|future| future_instance(instance, future))
                .collect(),
            draws: futures.list.iter().map(|f| f.draws.clone()).collect(),
            weights: futures.list.iter().map(|f| f.weight).collect(),
            futures,
        }
    }

    fn program(&self, nominal: &Instance, required: f64, options: &SolveOptions) -> Milp {
        let refs: Vec<&Instance> = self.instances.iter().collect();
        Milp::build_sampled(
            nominal,
            &refs,
            &self.draws,
            &self.weights,
            required,
            &options.tuning,
        )
    }

    /// The weight of the futures in which `works` holds.
    fn weight_where(&self, works: impl Fn(&SampledFuture) -> bool) -> f64 {
        self.futures
            .list
            .iter()
            .filter(|future| works(future))
            .map(|future| future.weight)
            .sum()
    }
}

/// The plan of `instance` that holds with the probability `asked` asks
/// for, with its chance estimated as `fresh` says (exactly when it can
/// be: never from the futures it was chosen against).
pub fn plan_reliable(
    instance: &Instance,
    options: &SolveOptions,
    asked: ReliabilityOptions,
    fresh: &OddsOptions,
) -> Result<Reliable, Error> {
    let prepared = Prepared::of(instance, &asked);
    let exact = prepared.futures.exact;
    // Exact: the probabilities of the futures that count reach the level.
    // Drawn: at first a standard deviation more of them than the level asks
    // (fewer rounds of ruling out plans lucky on them, below), then, if
    // none holds that many, the level itself.
    let plain = if exact {
        asked.level - 1e-9
    } else {
        asked.required() as f64
    };
    let mut required = if exact {
        plain
    } else {
        with_margin(asked) as f64
    };
    let mut margin_left = required > plain;
    let mut raised = false;
    loop {
        let milp = prepared.program(instance, required, options);
        tracing::debug!(
            futures = prepared.futures.list.len(),
            exact,
            required,
            variables = milp.vars.len(),
            constraints = milp.rows.len(),
            "built the reliability program"
        );
        let mut report = match solve_milp(instance, &milp, &[], None, options)? {
            Outcome::Plan(report) => report,
            Outcome::Infeasible if margin_left => {
                margin_left = false;
                required = plain;
                continue;
            }
            Outcome::Infeasible if raised => {
                return Ok(Reliable::NoneHeld {
                    drawn: prepared.futures.count,
                })
            }
            Outcome::Infeasible => {
                return Ok(Reliable::Unreachable {
                    most: most_reliable(instance, &prepared, options)?,
                    exact,
                })
            }
            Outcome::Unknown => return Ok(Reliable::Unknown),
        };
        margin_left = false;
        // The program counts a future only where the plan works in it with
        // every move made as planned; a solver tolerance may count one
        // more, which the check on the chance below then catches.
        let as_planned = prepared.weight_where(|f| works_as_planned(instance, &report.moves, f));
        if as_planned < required - 1e-9 {
            tracing::debug!(
                as_planned,
                required,
                "the program counted a future the plan does not work in"
            );
        }
        let works = prepared.weight_where(|f| works_in(instance, &report.moves, f));
        let chance = odds(instance, &report.moves, fresh);
        // A plan can do better on the futures drawn than on others: one
        // short of the level on fresh futures (or, exact, by a tolerance)
        // is ruled out by asking for more than it has.
        let short = chance.all.value < asked.level - 1e-9;
        if short && report.status == Status::Optimal && !options.deadline.passed() {
            tracing::info!(
                works,
                fresh = chance.all.value,
                "the plan falls short of the level; asking for more of the futures"
            );
            raised = true;
            required = if exact {
                required.max(as_planned) + 1e-6
            } else {
                required.max(works).max(as_planned) + 1.0
            };
            if required > prepared.weight_where(|_| true) + 1e-9 {
                return Ok(Reliable::NoneHeld {
                    drawn: prepared.futures.count,
                });
            }
            continue;
        }
        report.reliability = Some(Reliability {
            asked,
            exact,
            count: prepared.futures.count,
            required,
            works_in: works,
            insurance: insurance(instance, &report, chance.all.value, fresh),
        });
        report.odds = Some(chance);
        return Ok(Reliable::Plan(report));
    }
}

/// The most any plan that works when every move succeeds reaches on the
/// futures (the probability, exact, or the share of the futures drawn),
/// within the options' limits; `None` if not settled.
fn most_reliable(
    instance: &Instance,
    prepared: &Prepared,
    options: &SolveOptions,
) -> Result<Option<f64>, Error> {
    let mut milp = prepared.program(instance, 0.0, options);
    let total: f64 = prepared.weights.iter().sum();
    let counted = LinExpr {
        terms: milp
            .samples
            .iter()
            .copied()
            .zip(prepared.weights.iter().map(|w| w / total))
            .collect(),
        constant: 0.0,
    };
    milp.levels = vec![Level {
        objective: None,
        expr: counted,
        maximize: true,
        integral: false,
        step: None,
    }];
    Ok(match solve_program(&milp, &[], options)? {
        Program::Solved {
            values,
            status: Status::Optimal,
            ..
        } => Some(milp.levels[0].expr.eval(&values)),
        _ => None,
    })
}

/// ⌈N·P + √(N·P·(1 − P))⌉, at most N: the level and a standard deviation
/// of the count of futures a plan with chance P works in.
fn with_margin(asked: ReliabilityOptions) -> usize {
    let n = f64::from(asked.futures);
    let p = asked.level;
    let wanted = n * p + (n * p * (1.0 - p)).sqrt();
    ((wanted - 1e-9).ceil() as usize).min(asked.futures as usize)
}

/// Each move without which the plan still works when everything
/// succeeds, but less often: what it buys.
fn insurance(
    instance: &Instance,
    report: &PlanReport,
    chance: f64,
    fresh: &OddsOptions,
) -> Vec<Insurance> {
    let mut out = Vec::new();
    let all = report.moves.as_slice();
    for (i, &at) in all.iter().enumerate() {
        // A move made, or one the user forced, is not the plan's choice.
        if instance.forced.contains(&(at.action, at.round)) {
            continue;
        }
        let without = Moves::new(
            all.iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &m)| m)
                .collect(),
        );
        if !simulate(instance, &without).is_valid() {
            continue;
        }
        let p = odds(instance, &without, fresh).all;
        if p.value < chance - 1e-9 {
            out.push(Insurance { at, without: p });
        }
    }
    out
}
