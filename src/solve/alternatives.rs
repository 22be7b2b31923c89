//! Several distinct plans of the same quality: the optimum, then each
//! next one found with the earlier ones excluded (within a margin of the
//! first level, if given).

use super::levels::fixing;
use super::{solve_milp, Outcome, SolveOptions};
use crate::error::Error;
use crate::formulate::{Level, LinExpr, Milp, Sense};
use crate::model::Instance;
use crate::plan::{Move, Moves};
use crate::report::{objective_value, PlanReport, Status};
use crate::tuning::Tuning;

/// Up to `count` distinct plans: the optimum first, then the best plans
/// that differ from every earlier one in at least one move. Without
/// `within`, all are optimal on every objective level; with `within = P`,
/// they are within P percent of the optimum on the first level only.
pub fn alternatives(
    instance: &Instance,
    options: &SolveOptions,
    count: usize,
    within: Option<f64>,
) -> Result<Alternatives, Error> {
    // A plan with a move that helps nothing can tie the optimum on the
    // user's levels, and counts as an alternative.
    let keep_all = Tuning {
        drop_useless: false,
        ..options.tuning
    };
    let milp = Milp::build(instance, &keep_all);
    let Outcome::Plan(first) = solve_milp(instance, &milp, &[], None, options)? else {
        return Ok(Alternatives {
            plans: Vec::new(),
            exhausted: false,
        });
    };
    let mut rows = Vec::new();
    let user_levels = milp
        .levels
        .iter()
        .filter_map(|l| l.objective.as_ref().map(|o| (l, o)));
    for (index, (level, objective)) in user_levels.enumerate() {
        let value = objective_value(objective, &first.evaluation);
        match within {
            None => rows.push(fixing(level, value)),
            Some(percent) if index == 0 => rows.push(within_percent(level, value, percent)),
            Some(_) => {}
        }
    }
    let mut found = vec![first];
    let mut exhausted = false;
    while found.len() < count {
        if let Some(last) = found.last() {
            rows.push(excluding(&milp, &last.moves));
        }
        match solve_milp(instance, &milp, &rows, None, options)? {
            Outcome::Plan(report) if report.status == Status::Optimal => found.push(report),
            Outcome::Infeasible => {
                exhausted = true;
                break;
            }
            _ => break,
        }
    }
    Ok(Alternatives {
        plans: found,
        exhausted,
    })
}

/// The plans [`alternatives`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternatives {
    /// The first plan (the optimum, unless its status says otherwise),
    /// then the alternatives; empty if the first solve found no plan.
    pub plans: Vec<PlanReport>,
    /// Whether the search proved that no further plan qualifies (rather
    /// than running out of time before `count` were found).
    pub exhausted: bool,
}

/// A level kept within `percent` of its optimum `value`.
pub(super) fn within_percent(level: &Level, value: f64, percent: f64) -> (LinExpr, Sense, f64) {
    let room = value.abs() * percent / 100.0;
    let bound = if level.maximize {
        value - room
    } else {
        value + room
    };
    let bound = match (level.integral, level.maximize) {
        (true, false) => (bound + 1e-9).floor(),
        (true, true) => (bound - 1e-9).ceil(),
        _ => bound,
    };
    fixing(level, bound)
}

/// A "no-good" row that excludes exactly this set of moves:
/// Σ_{x ∈ plan} x − Σ_{x ∉ plan} x ≤ |plan| − 1.
pub(super) fn excluding(milp: &Milp, moves: &Moves) -> (LinExpr, Sense, f64) {
    let mut expr = LinExpr::default();
    let mut taken = 0.0;
    for (a, list) in milp.starts.iter().enumerate() {
        for &(round, v) in list {
            if moves.as_slice().contains(&Move { round, action: a }) {
                expr.terms.push((v, 1.0));
                taken += 1.0;
            } else {
                expr.terms.push((v, -1.0));
            }
        }
    }
    (expr, Sense::AtMost, taken - 1.0)
}
