//! The backends driven through `good_lp` (CBC, HiGHS): the problem built
//! as `good_lp` variables and constraints, and the answer read back.

use good_lp::solvers::{
    ResolutionError, Solution, SolutionStatus, SolverModel, WithInitialSolution, WithTimeLimit,
};
use good_lp::variable::UnsolvedProblem;
use good_lp::{Expression, ProblemVariables, Variable};

use super::{LevelResult, Task, TimeBudget};
use crate::formulate::{LinExpr, Sense, VarKind};
use crate::solve::Deadline;

/// How a solver is driven: the parts that differ between backends.
pub(super) trait Backend {
    type Model: SolverModel<Solution = Self::Solution, Error = ResolutionError>
        + WithInitialSolution
        + WithTimeLimit;
    type Solution: Solution;
    /// Whether the backend is handed the greedy plan as its first incumbent.
    const TAKES_START: bool = true;
    /// Whether an infeasibility the backend proves with its presolve
    /// stands only once the program without presolve confirms it.
    const DOUBTS_PRESOLVED_INFEASIBILITY: bool = false;
    /// The backend's model of `problem`, quiet and on one thread, stopping
    /// once the absolute gap is at most `absolute_gap` (given on a level
    /// whose values are a step apart: just under a step), with the
    /// backend's presolve on or off.
    fn model(problem: UnsolvedProblem, absolute_gap: Option<f64>, presolve: bool) -> Self::Model;
    /// `model` solved and its answer read ([`answer`]), here or where the
    /// backend needs it, with `deadline` the command's.
    fn solve(model: Self::Model, vars: Vec<Variable>, deadline: Deadline) -> LevelResult
    where
        Self: Sized,
    {
        answer::<Self>(model, &vars, deadline)
    }
}

fn expression(vars: &[Variable], expr: &LinExpr) -> Expression {
    let mut out = Expression::from(expr.constant);
    for &(v, c) in &expr.terms {
        out.add_mul(c, vars[v]);
    }
    out
}

/// One level solved by the backend `B`.
pub(super) fn solve_with<B: Backend>(task: &Task) -> LevelResult {
    let time_limit = match task.time_budget() {
        TimeBudget::Spent => return LevelResult::TimedOut,
        TimeBudget::Unlimited => None,
        TimeBudget::Limit(limit) => Some(limit),
    };
    let (milp, level) = (task.milp, task.level);
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
    let objective = expression(&vars, &level.expr);
    let unsolved = if level.maximize {
        problem.maximise(objective)
    } else {
        problem.minimise(objective)
    };
    let mut model = B::model(
        unsolved,
        level.step.map(|step| 0.99 * step),
        task.presolve(),
    );
    if let Some(start) = task.start().filter(|_| B::TAKES_START) {
        model = model.with_initial_solution(start.iter().map(|&(v, x)| (vars[v], x)));
    }
    for (expr, sense, rhs) in task.rows() {
        let lhs = expression(&vars, expr);
        let constraint = match sense {
            Sense::AtMost => lhs.leq(rhs),
            Sense::AtLeast => lhs.geq(rhs),
            Sense::Equal => lhs.eq(rhs),
        };
        model.add_constraint(constraint);
    }
    if let Some(limit) = time_limit {
        model = model.with_time_limit(limit.as_secs_f64());
    }
    B::solve(model, vars, task.deadline)
}

/// `model` solved, and its answer read as a level's result.
pub(super) fn answer<B: Backend>(
    model: B::Model,
    vars: &[Variable],
    deadline: Deadline,
) -> LevelResult {
    // A backend may panic on numerical states it cannot handle; that is
    // our failure, reported as such rather than a crash.
    let solved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.solve()));
    let Ok(solved) = solved else {
        return LevelResult::Failed("the MILP backend panicked".into());
    };
    match solved {
        Ok(solution) => {
            let values: Vec<f64> = vars.iter().map(|&v| solution.value(v)).collect();
            // A gap limit is the stop one step from the bound, or the
            // backend's own tolerance: either is the proof it gives.
            let proven = match solution.status() {
                SolutionStatus::Optimal | SolutionStatus::GapLimit => true,
                SolutionStatus::TimeLimit => false,
            };
            LevelResult::Solved {
                values,
                proven,
                slack: None,
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
