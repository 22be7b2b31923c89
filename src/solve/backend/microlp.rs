//! microlp, the bundled pure-Rust branch and bound: the default backend.
//!
//! Driven directly rather than through `good_lp`, whose adapter is written
//! for microlp 0.6: 0.7 settles the singular bases that cost 0.6 its
//! proofs (a level it could neither solve nor prove infeasible in any of
//! the equivalent forms), presolves, and reports its best bound.

use microlp::{ComparisonOp, Error, OptimizationDirection, Problem, TerminationReason};

use super::{until_deadline, whole_objective, LevelResult, Task, TimeBudget};
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
    // microlp stops only on a gap relative to its objective: the offset
    // (a column fixed at one) makes that gap an absolute one.
    let stop = whole_objective(task.milp, task.level);
    let gap = stop.as_ref().map(|stop| stop.gap);
    let offset = stop.as_ref().map_or(0.0, |stop| stop.offset);
    let (problem, vars) = match build(task, offset) {
        Ok(built) => built,
        Err(failure) => return failure,
    };
    let mut options = microlp::SolveOptions::default();
    options.time_limit = time_limit;
    options.node_limit = Some(next_slice(task));
    // Integral means integral: with microlp's default tolerance (1e-6) a
    // plan can lean on a start of 5e-7 to meet a row the whole plan misses,
    // and the next level, which never lands on such a point, is then
    // proved infeasible under the fixing of this one.
    options.int_tol = 0.0;
    options.presolve = task.presolve();
    options.mip_gap = gap.unwrap_or(0.0);
    options.warm_start = task
        .start()
        .map(|start| start.iter().map(|&(v, x)| (vars[v], x)).collect());
    let searched = Searched {
        task,
        vars: &vars,
        offset,
    };
    let outcome = match searched.run(&problem, options, gap) {
        Ok(outcome) => outcome,
        Err(failure) => return failure,
    };
    let Ok(solution) = outcome.into_solution() else {
        return LevelResult::TimedOut;
    };
    let stats = solution.stats();
    tracing::debug!(
        solver = "microlp",
        nodes = stats.nodes_solved,
        pivots = stats.lp_iterations,
        "branch and bound"
    );
    let values = searched.values(&solution);
    let proven = match solution.termination_reason() {
        TerminationReason::ProvenOptimal => true,
        // The gap is set only as the stop one step from the bound.
        TerminationReason::MipGap => gap.is_some(),
        _ => false,
    };
    LevelResult::Solved {
        slack: searched.slack(&solution, &values),
        values,
        proven,
    }
}

/// The level's program as microlp takes it, its columns in the order of
/// the program's (the offset's column, if any, last).
fn build(task: &Task, offset: f64) -> Result<(Problem, Vec<microlp::Variable>), LevelResult> {
    let (milp, level) = (task.milp, task.level);
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
                    return Err(LevelResult::Failed(format!(
                        "the bounds of {} lie outside the 32-bit integers microlp takes",
                        def.name
                    )))
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
    Ok((problem, vars))
}

/// A level's search: its task, its columns and the objective's offset.
struct Searched<'a> {
    task: &'a Task<'a>,
    vars: &'a [microlp::Variable],
    offset: f64,
}

impl Searched<'_> {
    /// The search, in slices of nodes: between two, the work is counted
    /// and the incumbent and the bound reported. A slice is the same work
    /// on any machine, so the search, and where it stops, are too.
    fn run(
        &self,
        problem: &Problem,
        options: microlp::SolveOptions,
        gap: Option<f64>,
    ) -> Result<microlp::SolveOutcome, LevelResult> {
        let task = self.task;
        let mut solved = first_slice(problem, options, task.deadline);
        let mut counted = 0;
        loop {
            let outcome = match solved {
                Ok(outcome) => outcome,
                Err(LevelResult::Failed(_)) if task.deadline.passed() => {
                    return Err(LevelResult::TimedOut)
                }
                Err(failure) => return Err(failure),
            };
            let nodes = outcome.stats().nodes_solved;
            task.effort.spend(nodes - counted);
            task.history.add_work(nodes - counted);
            counted = nodes;
            let more = outcome.termination_reason() == TerminationReason::NodeLimit
                && !task.effort.spent();
            let time_limit = match task.time_budget() {
                TimeBudget::Spent => return Ok(outcome),
                TimeBudget::Unlimited => None,
                TimeBudget::Limit(limit) => Some(limit),
            };
            if !more {
                return Ok(outcome);
            }
            // The answer is reported by the caller; what comes before it
            // here.
            if let Some(solution) = outcome.solution() {
                let values = self.values(solution);
                (task.progress)(&values, self.slack(solution, &values));
            }
            let mut resume = microlp::ResumeOptions::default();
            resume.time_limit = time_limit;
            resume.node_limit = Some(next_slice(task));
            resume.mip_gap = gap;
            solved = guarded(|| outcome.resume_with(resume));
        }
    }

    /// The solution's value of every column of the program.
    fn values(&self, solution: &microlp::Solution) -> Vec<f64> {
        self.vars.iter().map(|&v| solution.var_value(v)).collect()
    }

    /// How far the solution's objective may be from the best bound. The
    /// gap microlp reports is relative to its objective, which holds the
    /// offset.
    fn slack(&self, solution: &microlp::Solution, values: &[f64]) -> Option<f64> {
        let level = self.task.level;
        solution.gap().map(|relative| {
            let linear = level.expr.eval(values) - level.expr.constant;
            relative * (linear + self.offset).abs()
        })
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

/// The first slice of a search (microlp's presolve, its first
/// factorisation, the root and the first nodes), under a deadline on a
/// thread of its own that is left behind when the deadline comes first.
/// microlp watches its clock in the simplex and between nodes but not in
/// its presolve or first factorisation, which on a program of ten
/// thousand columns can take most of a second: the command would run past
/// its limit by that much. Left behind, the thread ends at microlp's own
/// limit, shortly after.
fn first_slice(
    problem: &Problem,
    options: microlp::SolveOptions,
    deadline: crate::solve::Deadline,
) -> Result<microlp::SolveOutcome, LevelResult> {
    if deadline.left().is_none() {
        return guarded(|| problem.solve_with(options));
    }
    let problem = problem.clone();
    until_deadline("microlp", deadline, move || {
        guarded(|| problem.solve_with(options))
    })
    .and_then(|answer| answer)
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::solve::Deadline;

    /// A program microlp takes a while to start on: 3,000 whole-number
    /// columns under 300 dense rows.
    fn slow_to_start() -> Problem {
        let mut problem = Problem::new(OptimizationDirection::Minimize);
        let mut seed: u64 = 7;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            f64::from(u32::try_from(seed >> 40).unwrap_or(0) % 97 + 1)
        };
        let vars: Vec<_> = (0..3000)
            .map(|_| problem.add_integer_var(next(), (0, 1)))
            .collect();
        for _ in 0..300 {
            let row: Vec<_> = vars.iter().map(|&v| (v, next())).collect();
            problem.add_constraint(&row, ComparisonOp::Ge, 5_000.0);
        }
        problem
    }

    /// With the deadline passed, the first slice is not waited for: the
    /// answer is that the time ran out. Without one it is waited for.
    #[test]
    fn the_first_slice_is_not_waited_for_past_the_deadline() {
        let problem = slow_to_start();
        let mut options = microlp::SolveOptions::default();
        options.node_limit = Some(1);
        let passed = Deadline::after(Some(Duration::ZERO));
        assert!(matches!(
            first_slice(&problem, options.clone(), passed),
            Err(LevelResult::TimedOut)
        ));
        assert!(first_slice(&problem, options, Deadline::NONE).is_ok());
    }
}
