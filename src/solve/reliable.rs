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

/// The plan of `instance` that holds with the probability `asked` asks
/// for, with its chance estimated as `fresh` says (exactly when it can
/// be: never from the futures it was chosen against).
pub fn plan_reliable(
    instance: &Instance,
    options: &SolveOptions,
    asked: ReliabilityOptions,
    fresh: &OddsOptions,
) -> Result<Outcome, Error> {
    let futures = futures(instance, &asked);
    let instances: Vec<Instance> = futures
        .list
        .iter()
        .map(|future| future_instance(instance, future))
        .collect();
    let refs: Vec<&Instance> = instances.iter().collect();
    let draws: Vec<SampleDraws> = futures.list.iter().map(|f| f.draws.clone()).collect();
    let weights: Vec<f64> = futures.list.iter().map(|f| f.weight).collect();
    // Exact: the probabilities of the futures that count reach the level.
    // Drawn: at first a standard deviation more of them than the level asks
    // (fewer rounds of ruling out plans lucky on them, below), then, if
    // none holds that many, the level itself.
    let plain = if futures.exact {
        asked.level - 1e-9
    } else {
        asked.required() as f64
    };
    let mut required = if futures.exact {
        plain
    } else {
        with_margin(asked) as f64
    };
    let mut margin_left = required > plain;
    loop {
        let milp =
            Milp::build_sampled(instance, &refs, &draws, &weights, required, &options.tuning);
        tracing::debug!(
            futures = futures.list.len(),
            exact = futures.exact,
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
            none => return Ok(none),
        };
        margin_left = false;
        let weight_where = |works: &dyn Fn(&SampledFuture) -> bool| -> f64 {
            futures
                .list
                .iter()
                .filter(|future| works(future))
                .map(|future| future.weight)
                .sum()
        };
        // The program counts a future only where the plan works in it with
        // every move made as planned.
        let as_planned = weight_where(&|f| works_as_planned(instance, &report.moves, f));
        if as_planned < required - 1e-9 && report.status == Status::Optimal {
            return Err(Error::Internal(format!(
                "the reliability program's plan works as planned in futures of weight {as_planned}, short of {required}"
            )));
        }
        let works = weight_where(&|f| works_in(instance, &report.moves, f));
        let chance = odds(instance, &report.moves, fresh);
        // A plan can do better on the futures drawn than on others: one
        // short of the level on fresh futures is ruled out by asking for
        // more of the drawn ones than it works in.
        let short = chance.all.value < asked.level - 1e-9;
        if short && !futures.exact && report.status == Status::Optimal && !options.deadline.passed()
        {
            tracing::info!(
                works,
                fresh = chance.all.value,
                "the plan falls short of the level on fresh futures; asking for more of the drawn ones"
            );
            required = required.max(works) + 1.0;
            if required > f64::from(futures.count) {
                return Ok(Outcome::Infeasible);
            }
            continue;
        }
        report.reliability = Some(Reliability {
            asked,
            exact: futures.exact,
            count: futures.count,
            works_in: works,
            insurance: insurance(instance, &report, chance.all.value, fresh),
        });
        report.odds = Some(chance);
        return Ok(Outcome::Plan(report));
    }
}

/// The most any plan that works when every move succeeds reaches on the
/// futures `asked` gives (the probability, exact, or the share of the
/// futures drawn), within the options' limits; `None` if not settled.
pub fn most_reliable(
    instance: &Instance,
    options: &SolveOptions,
    asked: ReliabilityOptions,
) -> Result<Option<f64>, Error> {
    let futures = futures(instance, &asked);
    let instances: Vec<Instance> = futures
        .list
        .iter()
        .map(|future| future_instance(instance, future))
        .collect();
    let refs: Vec<&Instance> = instances.iter().collect();
    let draws: Vec<SampleDraws> = futures.list.iter().map(|f| f.draws.clone()).collect();
    let weights: Vec<f64> = futures.list.iter().map(|f| f.weight).collect();
    let mut milp = Milp::build_sampled(instance, &refs, &draws, &weights, 0.0, &options.tuning);
    let total: f64 = weights.iter().sum();
    let counted = LinExpr {
        terms: milp
            .samples
            .iter()
            .copied()
            .zip(weights.iter().map(|w| w / total))
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
