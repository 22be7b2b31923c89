//! The backend: one level of a program handed to `good_lp` (microlp, or CBC
//! with the `cbc` feature) with a start, a time limit and a stop rule. The
//! only file that knows `good_lp`.

use std::time::{Duration, Instant};

use good_lp::solvers::{
    ResolutionError, Solution, SolutionStatus, SolverModel, WithInitialSolution, WithTimeLimit,
};
use good_lp::{Expression, ProblemVariables, Variable};

use crate::formulate::{Level, LinExpr, Milp, Sense, VarId, VarKind};

pub(super) enum LevelResult {
    /// `slack`: how far the stage's objective may be from its best bound,
    /// when not proven optimal.
    Solved {
        values: Vec<f64>,
        proven: bool,
        slack: Option<f64>,
    },
    Infeasible,
    TimedOut,
    Failed(String),
}

pub(super) fn expression(vars: &[Variable], expr: &LinExpr) -> Expression {
    let mut out = Expression::from(expr.constant);
    for &(v, c) in &expr.terms {
        out.add_mul(c, vars[v]);
    }
    out
}

pub(super) fn solve_level(
    milp: &Milp,
    level: &Level,
    fixed: &[(LinExpr, Sense, f64)],
    warm_start: Option<Vec<(VarId, f64)>>,
    time_limit: Option<Duration>,
    relaxed: bool,
) -> LevelResult {
    if time_limit.is_some_and(|t| t.is_zero()) {
        return LevelResult::TimedOut;
    }
    // Handing a large program to the backend takes time of its own, which
    // counts against the limit.
    let building = Instant::now();
    let mut problem = ProblemVariables::new();
    let vars: Vec<Variable> = milp
        .vars
        .iter()
        .map(|def| {
            let v = good_lp::variable()
                .name(def.name.clone())
                .min(def.lower)
                .max(def.upper);
            problem.add(if def.kind != VarKind::Continuous && !relaxed {
                v.integer()
            } else {
                v
            })
        })
        .collect();
    let mut objective = expression(&vars, &level.expr);
    let whole = whole_objective(milp, level).filter(|_| !relaxed);
    if let Some(stop) = &whole {
        let offset = problem.add(good_lp::variable().min(1.0).max(1.0));
        objective.add_mul(stop.offset, offset);
    }
    let unsolved = if level.maximize {
        problem.maximise(objective)
    } else {
        problem.minimise(objective)
    };
    let mut model = backend(unsolved, whole.as_ref().map(|stop| stop.gap));
    if let Some(values) = warm_start {
        model = model.with_initial_solution(values.into_iter().map(|(v, x)| (vars[v], x)));
    }
    let rows = milp
        .rows
        .iter()
        .map(|r| (&r.expr, r.sense, r.rhs))
        .chain(fixed.iter().map(|(e, s, r)| (e, *s, *r)));
    for (expr, sense, rhs) in rows {
        let lhs = expression(&vars, expr);
        let constraint = match sense {
            Sense::AtMost => lhs.leq(rhs),
            Sense::AtLeast => lhs.geq(rhs),
            Sense::Equal => lhs.eq(rhs),
        };
        model.add_constraint(constraint);
    }
    if let Some(limit) = time_limit {
        let left = limit.saturating_sub(building.elapsed());
        if left.is_zero() {
            return LevelResult::TimedOut;
        }
        // The backend looks at its clock between nodes, and one node of a
        // large program can take a second: it gets a twentieth less (at
        // most 2 s less), so that the whole command ends within the limit.
        let margin = (left / 20).min(Duration::from_secs(2));
        model = model.with_time_limit(left.saturating_sub(margin).as_secs_f64());
    }
    // microlp panics on numerical states it cannot handle; that is our
    // failure, reported as an internal error rather than a crash.
    let solved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.solve()));
    let Ok(solved) = solved else {
        return LevelResult::Failed("the MILP backend panicked".into());
    };
    match solved {
        Ok(solution) => {
            let values: Vec<f64> = vars.iter().map(|&v| solution.value(v)).collect();
            let proven = match solution.status() {
                SolutionStatus::Optimal => true,
                SolutionStatus::GapLimit => whole.is_some(),
                SolutionStatus::TimeLimit => false,
            };
            // The backend's gap is relative to its own objective, which
            // holds the offset.
            let slack = backend_gap(solution).map(|relative| {
                let linear = level.expr.eval(&values) - level.expr.constant;
                let offset = whole.as_ref().map_or(0.0, |stop| stop.offset);
                relative * (linear + offset).abs()
            });
            LevelResult::Solved {
                values,
                proven,
                slack,
            }
        }
        Err(ResolutionError::Infeasible) => LevelResult::Infeasible,
        Err(ResolutionError::Other(message)) if message.contains("Time limit") => {
            LevelResult::TimedOut
        }
        Err(other) => LevelResult::Failed(other.to_string()),
    }
}

/// How to stop the search on a level whose values are a step apart (whole
/// numbers, or multiples of a common divisor): as soon as no open branch
/// can reach a value one step better than the incumbent, which proves it
/// optimal. The backend stops only on a gap relative to its objective; a
/// constant `offset` added to the objective (through a variable fixed at
/// one) makes that relative `gap` stand for an absolute gap just under one
/// step wherever the objective lies.
pub(super) struct WholeStop {
    offset: f64,
    gap: f32,
}

/// The stop for `level`, if its values are spaced by a known step.
pub(super) fn whole_objective(milp: &Milp, level: &Level) -> Option<WholeStop> {
    let step = level.step?;
    let mut reach = 0.0;
    for &(v, c) in &level.expr.terms {
        let def = &milp.vars[v];
        reach += c.abs() * def.upper.abs().max(def.lower.abs());
    }
    // |objective| stays within [offset − reach, offset + reach]: a relative
    // gap of 0.99 · step / (offset + reach) is an absolute gap below a
    // step, and at least 0.99 · (offset − reach) / (offset + reach) of one
    // (0.98 with the full offset, a third with the least allowed). The
    // backend also prunes any node within 1e-9 · |objective| of the
    // incumbent, so the objective must stay under 1e8 steps, where that is
    // a tenth of a step: past it, nodes a whole step better could be lost.
    let ceiling = 1e8 * step;
    let offset = (100.0 * (reach + step)).min(ceiling - reach);
    let gap = (0.99 * step / (offset + reach)) as f32;
    (offset >= 2.0 * reach + step && gap > 0.0).then_some(WholeStop { offset, gap })
}

#[cfg(not(feature = "cbc"))]
pub(super) fn backend(
    problem: good_lp::variable::UnsolvedProblem,
    gap: Option<f32>,
) -> good_lp::solvers::microlp::MicroLpProblem {
    use good_lp::solvers::WithMipGap;
    let model = problem.using(good_lp::solvers::microlp::microlp);
    match gap {
        Some(gap) => model
            .with_mip_gap(gap)
            .expect("the gap is finite and positive by construction"),
        None => model,
    }
}

#[cfg(feature = "cbc")]
pub(super) fn backend(
    problem: good_lp::variable::UnsolvedProblem,
    _gap: Option<f32>,
) -> good_lp::solvers::coin_cbc::CoinCbcProblem {
    let mut model = problem.using(good_lp::solvers::coin_cbc::coin_cbc);
    model.set_parameter("log", "0");
    model
}

#[cfg(not(feature = "cbc"))]
pub(super) fn backend_gap(solution: good_lp::solvers::microlp::MicroLpSolution) -> Option<f64> {
    let solution = solution.into_inner();
    let stats = solution.stats();
    tracing::debug!(
        nodes = stats.nodes_solved,
        pivots = stats.lp_iterations,
        "branch and bound"
    );
    solution.gap()
}

#[cfg(feature = "cbc")]
pub(super) fn backend_gap(_solution: good_lp::solvers::coin_cbc::CoinCbcSolution) -> Option<f64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::tests::tiny_milp;

    /// The stop is an absolute gap under one step, and there is none where
    /// the backend's own pruning (1e-9 of the objective) would pass a step.
    #[test]
    fn whole_stop_stays_within_a_step_and_within_the_pruning_tolerance() {
        let milp = tiny_milp();
        let x = milp.starts[0][0].1;
        let level = |coef: f64, step: f64| Level {
            objective: None,
            expr: LinExpr {
                terms: vec![(x, coef)],
                constant: 0.0,
            },
            maximize: false,
            integral: true,
            step: Some(step),
        };
        for (coef, step) in [(3.0, 1.0), (0.5, 0.5), (2e6, 1.0)] {
            let stop = whole_objective(&milp, &level(coef, step)).expect("a stop");
            let widest = f64::from(stop.gap) * (stop.offset + coef);
            assert!(widest < step, "{coef} {step}: {widest}");
            assert!(1e-9 * (stop.offset + coef) <= 0.1 * step, "{coef} {step}");
        }
        assert!(whole_objective(&milp, &level(1e9, 1.0)).is_none());
        assert!(whole_objective(&milp, &level(1e6, 0.001)).is_none());
    }
}
