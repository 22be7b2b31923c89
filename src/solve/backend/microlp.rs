//! microlp, the bundled pure-Rust branch and bound: the default backend.
//!
//! Driven directly rather than through `good_lp`, whose adapter is written
//! for microlp 0.6: 0.7 settles the singular bases that cost 0.6 its
//! proofs (a level it could neither solve nor prove infeasible in any of
//! the equivalent forms), presolves, and reports its best bound.

use microlp::{ComparisonOp, Error, OptimizationDirection, Problem, TerminationReason};

use super::{whole_objective, LevelResult, Task, TimeBudget};
use crate::formulate::{Sense, VarDef, VarKind};

/// Whether the backend is handed the greedy plan as its first incumbent.
pub(super) const TAKES_START: bool = true;

/// One level solved by microlp.
pub(super) fn solve(task: &Task) -> LevelResult {
    let time_limit = match task.time_budget() {
        TimeBudget::Spent => return LevelResult::TimedOut,
        TimeBudget::Unlimited => None,
        TimeBudget::Limit(limit) => Some(limit),
    };
    let (milp, level) = (task.milp, task.level);
    // microlp stops only on a gap relative to its objective: the offset
    // (a column fixed at one) makes that gap an absolute one.
    let stop = whole_objective(milp, level);
    let offset = stop.as_ref().map_or(0.0, |stop| stop.offset);
    let mut costs = vec![0.0; milp.vars.len()];
    for &(v, c) in &level.expr.terms {
        costs[v] += c;
    }
    let mut problem = Problem::new(if level.maximize {
        OptimizationDirection::Maximize
    } else {
        OptimizationDirection::Minimize
    });
    let mut vars = Vec::with_capacity(milp.vars.len());
    for (def, &cost) in milp.vars.iter().zip(&costs) {
        let var = match def.kind {
            VarKind::Continuous => problem.add_var(cost, (def.lower, def.upper)),
            VarKind::Binary | VarKind::Integer => match whole_bounds(def) {
                Some(bounds) => problem.add_integer_var(cost, bounds),
                None => {
                    return LevelResult::Failed(format!(
                        "the bounds of {} lie outside the 32-bit integers microlp takes",
                        def.name
                    ))
                }
            },
        };
        vars.push(var);
    }
    if offset != 0.0 {
        problem.add_var(offset, (1.0, 1.0));
    }
    for (expr, sense, rhs) in task.rows() {
        // microlp takes each column once per row.
        let mut terms = expr.terms.clone();
        terms.sort_by_key(|&(v, _)| v);
        terms.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        let op = match sense {
            Sense::AtMost => ComparisonOp::Le,
            Sense::AtLeast => ComparisonOp::Ge,
            Sense::Equal => ComparisonOp::Eq,
        };
        let row: Vec<(microlp::Variable, f64)> =
            terms.into_iter().map(|(v, c)| (vars[v], c)).collect();
        problem.add_constraint(row, op, rhs - expr.constant);
    }
    let mut options = microlp::SolveOptions::default();
    options.time_limit = time_limit;
    options.node_limit = Some(next_slice(task));
    // Integral means integral: with microlp's default tolerance (1e-6) a
    // plan can lean on a start of 5e-7 to meet a row the whole plan misses,
    // and the next level, which never lands on such a point, is then
    // proved infeasible under the fixing of this one.
    options.int_tol = 0.0;
    options.mip_gap = stop.as_ref().map_or(0.0, |stop| stop.gap);
    options.warm_start = task
        .start()
        .map(|start| start.iter().map(|&(v, x)| (vars[v], x)).collect());
    let slack = |solution: &microlp::Solution, values: &[f64]| {
        // The gap is relative to microlp's objective, which holds the
        // offset.
        solution.gap().map(|relative| {
            let linear = level.expr.eval(values) - level.expr.constant;
            relative * (linear + offset).abs()
        })
    };
    // The search runs in slices of nodes, and between two the incumbent
    // and the bound are reported; a slice is the same work on any machine,
    // so the search, and where it stops, are too.
    let mut solved = guarded(|| problem.solve_with(options));
    let mut counted = 0;
    let outcome = loop {
        let outcome = match solved {
            Ok(outcome) => outcome,
            Err(LevelResult::Failed(_)) if task.deadline.passed() => return LevelResult::TimedOut,
            Err(failure) => return failure,
        };
        let nodes = outcome.stats().nodes_solved;
        task.effort.spend(nodes - counted);
        task.history.add_work(nodes - counted);
        counted = nodes;
        let more =
            outcome.termination_reason() == TerminationReason::NodeLimit && !task.effort.spent();
        let budget = task.time_budget();
        let time_limit = match budget {
            TimeBudget::Limit(limit) => Some(limit),
            _ => None,
        };
        if !more || budget == TimeBudget::Spent {
            break outcome;
        }
        // The answer is reported by the caller; what comes before it here.
        if let Some(solution) = outcome.solution() {
            let values: Vec<f64> = vars.iter().map(|&v| solution.var_value(v)).collect();
            (task.progress)(&values, slack(solution, &values));
        }
        let mut resume = microlp::ResumeOptions::default();
        resume.time_limit = time_limit;
        resume.node_limit = Some(next_slice(task));
        resume.mip_gap = stop.as_ref().map(|stop| stop.gap);
        solved = guarded(|| outcome.resume_with(resume));
    };
    let solution = match outcome.into_solution() {
        Ok(solution) => solution,
        Err(_interrupted) => return LevelResult::TimedOut,
    };
    let stats = solution.stats();
    tracing::debug!(
        solver = "microlp",
        nodes = stats.nodes_solved,
        pivots = stats.lp_iterations,
        "branch and bound"
    );
    let values: Vec<f64> = vars.iter().map(|&v| solution.var_value(v)).collect();
    let proven = match solution.termination_reason() {
        TerminationReason::ProvenOptimal => true,
        // The gap is set only as the stop one step from the bound.
        TerminationReason::MipGap => stop.is_some(),
        _ => false,
    };
    let slack = slack(&solution, &values);
    LevelResult::Solved {
        values,
        proven,
        slack,
    }
}

/// Nodes between two reports of the incumbent and the bound.
const SLICE: u64 = 200;

/// The nodes of the next slice: a whole slice, or what is left of the
/// effort.
fn next_slice(task: &Task) -> u64 {
    task.effort.left().map_or(SLICE, |left| left.min(SLICE))
}

/// A call into microlp, with what it reports other than an answer (an
/// error, or a panic on a state it cannot handle, which is our failure
/// rather than a crash) as the level's result.
fn guarded(
    call: impl FnOnce() -> Result<microlp::SolveOutcome, Error>,
) -> Result<microlp::SolveOutcome, LevelResult> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Err(_) => Err(LevelResult::Failed("the MILP backend panicked".into())),
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(Error::Infeasible)) => Err(LevelResult::Infeasible),
        Ok(Err(other)) => Err(LevelResult::Failed(other.to_string())),
    }
}

/// A whole-number column's bounds as microlp takes them, if they fit.
fn whole_bounds(def: &VarDef) -> Option<(i32, i32)> {
    let whole = |x: f64, open: i32| {
        if x.is_infinite() {
            return Some(open);
        }
        // Truncation cannot happen: x is whole and within range.
        #[allow(clippy::cast_possible_truncation)]
        (f64::from(i32::MIN)..=f64::from(i32::MAX))
            .contains(&x)
            .then_some(x as i32)
    };
    Some((
        whole(def.lower.ceil(), i32::MIN)?,
        whole(def.upper.floor(), i32::MAX)?,
    ))
}
