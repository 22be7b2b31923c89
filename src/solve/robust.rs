//! One plan for several scenarios: the same moves valid in each, and the
//! scenarios that bind (without each, the others allow a better plan).

use super::levels::{solve_program, Program};
use super::{checked, SolveOptions};
use crate::error::Error;
use crate::formulate::Milp;
use crate::model::{Instance, Objective};
use crate::report::{
    better, objective_value, ObjectiveValue, RobustReport, ScenarioBinding, Status,
};
use crate::simulate::Evaluation;

/// The outcome of planning for several scenarios at once.
#[derive(Debug, Clone, PartialEq)]
pub enum RobustOutcome {
    Plan(RobustReport),
    Infeasible,
    Unknown,
}

/// Why no plan holds in every scenario: the scenarios that have no plan
/// of their own, and the pairs of the others that share none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobustConflict {
    /// Indices of the scenarios with no plan even alone.
    pub alone: Vec<usize>,
    /// Pairs of scenarios (each with a plan alone) that no one plan meets
    /// both of.
    pub pairs: Vec<(usize, usize)>,
    /// Whether every check was decided (none ran out of time or effort):
    /// otherwise more scenarios or pairs may collide than are listed.
    pub settled: bool,
}

/// Which scenarios, alone or in pairs, leave no plan for all of them
/// (called when [`plan_robust`] found none). When every scenario has a
/// plan and every pair shares one, both lists are empty: only three or
/// more together collide.
pub fn robust_conflict(
    instances: &[&Instance],
    options: &SolveOptions,
) -> Result<RobustConflict, Error> {
    let mut settled = true;
    let mut alone = Vec::new();
    for (i, instance) in instances.iter().enumerate() {
        match robust_once(&[instance], options)? {
            RobustOutcome::Infeasible => alone.push(i),
            RobustOutcome::Unknown => settled = false,
            RobustOutcome::Plan(_) => {}
        }
    }
    let mut pairs = Vec::new();
    for i in 0..instances.len() {
        for j in i + 1..instances.len() {
            if alone.contains(&i) || alone.contains(&j) {
                continue;
            }
            match robust_once(&[instances[i], instances[j]], options)? {
                RobustOutcome::Infeasible => pairs.push((i, j)),
                RobustOutcome::Unknown => settled = false,
                RobustOutcome::Plan(_) => {}
            }
        }
    }
    Ok(RobustConflict {
        alone,
        pairs,
        settled,
    })
}

/// Finds one sequence of moves valid in every given scenario (all of the
/// same model), checks it with the simulator in each, and names the
/// scenarios that bind.
pub fn plan_robust(
    instances: &[&Instance],
    options: &SolveOptions,
) -> Result<RobustOutcome, Error> {
    let report = match robust_once(instances, options)? {
        RobustOutcome::Plan(report) => report,
        other => return Ok(other),
    };
    let mut binding = Vec::new();
    let mut binding_settled = report.status == Status::Optimal;
    if instances.len() > 1 && report.status == Status::Optimal {
        for skip in 0..instances.len() {
            let others: Vec<&Instance> = instances
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(_, x)| *x)
                .collect();
            match robust_once(&others, options)? {
                RobustOutcome::Plan(without)
                    if better(&without.objectives, &report.objectives, instances[0].model) =>
                {
                    binding.push(ScenarioBinding {
                        scenario: skip,
                        without: without.objectives,
                    });
                }
                // Not better, and proven: this scenario does not bind.
                RobustOutcome::Plan(without) if without.status == Status::Optimal => {}
                RobustOutcome::Infeasible => {}
                _ => binding_settled = false,
            }
        }
    }
    Ok(RobustOutcome::Plan(RobustReport {
        binding,
        binding_settled,
        ..report
    }))
}

/// One robust solve, without looking for the binding scenarios.
pub(super) fn robust_once(
    instances: &[&Instance],
    options: &SolveOptions,
) -> Result<RobustOutcome, Error> {
    let milp = Milp::build_robust(instances, &options.tuning);
    let (moves, status, gap, solver_failed) = match solve_program(&milp, &[], options)? {
        Program::Solved {
            moves,
            status,
            gap,
            solver_failed,
            ..
        } => (moves, status, gap, solver_failed),
        Program::Infeasible => return Ok(RobustOutcome::Infeasible),
        Program::Unknown => return Ok(RobustOutcome::Unknown),
    };
    let evaluations = instances
        .iter()
        .map(|i| checked(i, &moves))
        .collect::<Result<Vec<_>, _>>()?;
    let objectives = instances[0]
        .model
        .objective
        .iter()
        .map(|o| ObjectiveValue {
            name: o.name(),
            value: robust_value(o, &evaluations),
        })
        .collect();
    Ok(RobustOutcome::Plan(RobustReport {
        status,
        objectives,
        gap,
        moves,
        evaluations,
        solver_failed,
        binding: Vec::new(),
        binding_settled: false,
    }))
}

/// A level's value over several scenarios.
pub(super) fn robust_value(objective: &Objective, evaluations: &[Evaluation]) -> f64 {
    let values = evaluations.iter().map(|e| objective_value(objective, e));
    match objective {
        Objective::Earliest => values.fold(0.0, f64::max),
        Objective::Maximize(_) => values.sum(),
        Objective::Cheapest | Objective::Fewest => values.fold(0.0, f64::max),
    }
}
