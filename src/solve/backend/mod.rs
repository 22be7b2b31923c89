//! The backends: one level of a program handed to a MILP solver through
//! `good_lp`, with a start, the deadline and a stop rule. What every
//! backend shares (building the problem, the stop rule, reading the answer)
//! is here; what differs (how a model is made and tuned, what it reports
//! after solving) is a [`Backend`] in a file of its own. The only module
//! that knows `good_lp`.

#[cfg(feature = "cbc")]
mod cbc;
#[cfg(feature = "highs")]
mod highs;
mod microlp;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use good_lp::solvers::{
    ResolutionError, Solution, SolutionStatus, SolverModel, WithInitialSolution, WithTimeLimit,
};
use good_lp::variable::UnsolvedProblem;
use good_lp::{Expression, ProblemVariables, Variable};

use super::Deadline;
use crate::formulate::{Level, LinExpr, Milp, Sense, VarId, VarKind};

/// The MILP solvers this build can use (`--solver`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Solver {
    /// The bundled pure-Rust branch and bound (always built).
    #[default]
    Microlp,
    /// COIN-OR CBC (built with `--features cbc`).
    #[cfg(feature = "cbc")]
    Cbc,
    /// HiGHS (built with `--features highs`).
    #[cfg(feature = "highs")]
    Highs,
}

impl Solver {
    /// Its name on the command line and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Solver::Microlp => "microlp",
            #[cfg(feature = "cbc")]
            Solver::Cbc => "cbc",
            #[cfg(feature = "highs")]
            Solver::Highs => "highs",
        }
    }
}

/// How a solver is driven: the parts that differ between backends.
trait Backend {
    type Model: SolverModel<Solution = Self::Solution, Error = ResolutionError>
        + WithInitialSolution
        + WithTimeLimit;
    type Solution: Solution;
    /// Whether the backend stops only on a gap relative to its objective,
    /// so that a stop one step from the bound needs an offset on the
    /// objective (see [`WholeStop`]); otherwise it is given the absolute gap.
    const RELATIVE_GAP_ONLY: bool;
    /// Whether the backend is handed the greedy plan as its first incumbent.
    const TAKES_START: bool = true;
    /// The backend's model of `problem`, quiet, stopping at `stop`.
    fn model(problem: UnsolvedProblem, stop: Option<Stop>) -> Self::Model;
    /// The relative gap left open when the search stopped, if the backend
    /// reports it (and its statistics, logged).
    fn gap(solution: Self::Solution) -> Option<f64>;
}

/// Where a backend may stop on a level whose values are a step apart.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stop {
    /// For backends that stop on a relative gap: the gap that, with the
    /// objective's offset, is an absolute gap just under one step.
    pub relative_gap: f32,
    /// For backends that stop on an absolute gap: just under one step.
    #[cfg_attr(not(any(feature = "cbc", feature = "highs")), allow(dead_code))]
    pub absolute_gap: f32,
}

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

/// Solves one level with `solver`: the best plan under `level` among those
/// meeting the rows and `fixed`, from `warm_start`, by `deadline`.
pub(super) fn solve_level(
    solver: Solver,
    milp: &Milp,
    level: &Level,
    fixed: &[(LinExpr, Sense, f64)],
    warm_start: Option<&[(VarId, f64)]>,
    deadline: Deadline,
) -> LevelResult {
    let (solve, takes_start): (fn(Task) -> LevelResult, bool) = match solver {
        Solver::Microlp => (
            solve_with::<microlp::Microlp>,
            microlp::Microlp::TAKES_START,
        ),
        #[cfg(feature = "cbc")]
        Solver::Cbc => (cbc::solve_alone, cbc::Cbc::TAKES_START),
        #[cfg(feature = "highs")]
        Solver::Highs => (solve_with::<highs::Highs>, highs::Highs::TAKES_START),
    };
    // Without a start to leave out, the last form is the one before it.
    let forms = if warm_start.is_some() && takes_start {
        &Perturbation::IN_TURN[..]
    } else {
        &Perturbation::IN_TURN[..2]
    };
    let mut failure: Option<LevelResult> = None;
    for &perturbation in forms {
        let result = solve(Task {
            milp,
            level,
            fixed,
            warm_start: warm_start.map(<[_]>::to_vec),
            deadline,
            perturbation,
        });
        match (&result, &failure) {
            (LevelResult::Failed(message), _) => {
                if failure.is_none() {
                    NUMERICAL.failures.fetch_add(1, Ordering::Relaxed);
                }
                tracing::debug!(
                    solver = solver.name(),
                    %message,
                    ?perturbation,
                    "numerical failure on a level"
                );
                failure = Some(result);
                if deadline.passed() {
                    break;
                }
            }
            (LevelResult::TimedOut, Some(_)) => break,
            (_, Some(_)) => {
                NUMERICAL.recovered.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(?perturbation, "the perturbed program solved");
                return result;
            }
            (_, None) => return result,
        }
    }
    // A retry cut short by the time limit leaves the failure as the answer.
    failure.unwrap_or(LevelResult::TimedOut)
}

/// An equivalent form of a level's program, tried in turn when the backend
/// fails numerically (a singular basis): each changes the order in which
/// the simplex meets the rows, or where the search starts, and not the
/// program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perturbation {
    /// The program as built.
    AsBuilt,
    /// The rows handed over last first.
    RowsReversed,
    /// The rows reversed and no first incumbent.
    RowsReversedNoStart,
}

impl Perturbation {
    const IN_TURN: [Perturbation; 3] = [
        Perturbation::AsBuilt,
        Perturbation::RowsReversed,
        Perturbation::RowsReversedNoStart,
    ];
}

/// How many levels the backends failed on numerically in this process,
/// and how many of those a perturbed program then settled (solved or
/// proved infeasible): logged at the end of a command with `-vv`.
pub struct NumericalFailures {
    failures: AtomicUsize,
    recovered: AtomicUsize,
}

static NUMERICAL: NumericalFailures = NumericalFailures {
    failures: AtomicUsize::new(0),
    recovered: AtomicUsize::new(0),
};

/// (failures, recovered by a perturbed program) so far in this process.
pub fn numerical_failures() -> (usize, usize) {
    (
        NUMERICAL.failures.load(Ordering::Relaxed),
        NUMERICAL.recovered.load(Ordering::Relaxed),
    )
}

/// One level to solve.
struct Task<'a> {
    milp: &'a Milp,
    level: &'a Level,
    fixed: &'a [(LinExpr, Sense, f64)],
    warm_start: Option<Vec<(VarId, f64)>>,
    deadline: Deadline,
    perturbation: Perturbation,
}

fn solve_with<B: Backend>(task: Task) -> LevelResult {
    let Task {
        milp,
        level,
        fixed,
        warm_start,
        deadline,
        perturbation,
    } = task;
    let warm_start = warm_start.filter(|_| perturbation != Perturbation::RowsReversedNoStart);
    if deadline.passed() {
        return LevelResult::TimedOut;
    }
    let mut problem = ProblemVariables::new();
    let vars: Vec<Variable> = milp
        .vars
        .iter()
        .map(|def| {
            let v = good_lp::variable()
                .name(def.name.clone())
                .min(def.lower)
                .max(def.upper);
            problem.add(if def.kind == VarKind::Continuous {
                v
            } else {
                v.integer()
            })
        })
        .collect();
    let mut objective = expression(&vars, &level.expr);
    let whole = whole_objective(milp, level);
    let offset = match &whole {
        Some(stop) if B::RELATIVE_GAP_ONLY => {
            let one = problem.add(good_lp::variable().min(1.0).max(1.0));
            objective.add_mul(stop.offset, one);
            stop.offset
        }
        _ => 0.0,
    };
    let unsolved = if level.maximize {
        problem.maximise(objective)
    } else {
        problem.minimise(objective)
    };
    // A backend that takes an absolute gap needs no offset, so any level a
    // step apart gets its stop; one that only knows relative gaps gets the
    // stop the offset makes possible.
    let stop = if B::RELATIVE_GAP_ONLY {
        whole.as_ref().map(|stop| Stop {
            relative_gap: stop.gap,
            absolute_gap: (0.99 * stop.step) as f32,
        })
    } else {
        level.step.map(|step| Stop {
            relative_gap: 0.0,
            absolute_gap: (0.99 * step) as f32,
        })
    };
    let mut model = B::model(unsolved, stop);
    if let Some(values) = warm_start.filter(|_| B::TAKES_START) {
        model = model.with_initial_solution(values.into_iter().map(|(v, x)| (vars[v], x)));
    }
    let mut rows: Vec<(&LinExpr, Sense, f64)> = milp
        .rows
        .iter()
        .map(|r| (&r.expr, r.sense, r.rhs))
        .chain(fixed.iter().map(|(e, s, r)| (e, *s, *r)))
        .collect();
    if perturbation != Perturbation::AsBuilt {
        rows.reverse();
    }
    for (expr, sense, rhs) in rows {
        let lhs = expression(&vars, expr);
        let constraint = match sense {
            Sense::AtMost => lhs.leq(rhs),
            Sense::AtLeast => lhs.geq(rhs),
            Sense::Equal => lhs.eq(rhs),
        };
        model.add_constraint(constraint);
    }
    // Handing a large program to the backend took time of its own, which
    // counted against the limit.
    if let Some(left) = deadline.left() {
        if left.is_zero() {
            return LevelResult::TimedOut;
        }
        // The backend looks at its clock between nodes, and one node of a
        // large program can take a second: it gets a twentieth less (at
        // most 2 s less), so that the whole command ends within the limit.
        let margin = (left / 20).min(Duration::from_secs(2));
        model = model.with_time_limit(left.saturating_sub(margin).as_secs_f64());
    }
    // A backend may panic on numerical states it cannot handle (microlp
    // does); that is our failure, reported as such rather than a crash.
    let solved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.solve()));
    let Ok(solved) = solved else {
        return LevelResult::Failed("the MILP backend panicked".into());
    };
    match solved {
        Ok(solution) => {
            let values: Vec<f64> = vars.iter().map(|&v| solution.value(v)).collect();
            // A gap limit proves the level when it is the stop one step from
            // the bound, or the backend's own tolerance (which, without a
            // relative gap, is the proof a backend gives).
            let proven = match solution.status() {
                SolutionStatus::Optimal => true,
                SolutionStatus::GapLimit => stop.is_some() || !B::RELATIVE_GAP_ONLY,
                SolutionStatus::TimeLimit => false,
            };
            // The backend's gap is relative to its own objective, which
            // holds the offset.
            let slack = B::gap(solution).map(|relative| {
                let linear = level.expr.eval(&values) - level.expr.constant;
                relative * (linear + offset).abs()
            });
            LevelResult::Solved {
                values,
                proven,
                slack,
            }
        }
        Err(ResolutionError::Infeasible) => LevelResult::Infeasible,
        // The time ran out before any plan (each backend words it its
        // own way).
        Err(_) if deadline.passed() => LevelResult::TimedOut,
        Err(ResolutionError::Other(message))
            if message.contains("Time limit")
                || (deadline.is_set() && message == "NoSolutionFound") =>
        {
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
    step: f64,
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
    (offset >= 2.0 * reach + step && gap > 0.0).then_some(WholeStop { offset, gap, step })
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
