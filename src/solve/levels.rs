//! The lexicographic level loop: each objective level solved in turn (the
//! whole-number ones merged into one exactly weighted stage), its optimum
//! fixed before the next, an unproven stage stating its gap.

use std::time::Instant;

use super::backend::{solve_level, LevelResult, Start};
use super::history::{Improvement, LevelBound};
use super::SolveOptions;
use crate::error::Error;
use crate::formulate::{Level, LinExpr, Milp, Sense, VarDef, VarId, VarKind};
use crate::plan::{Move, Moves};
use crate::report::{BoundSource, Status};

/// A solved program: its moves, before the simulator's check.
pub(crate) enum Program {
    Solved {
        /// Every variable's value (for diagnosis).
        values: Vec<f64>,
        moves: Moves,
        status: Status,
        gap: Option<f64>,
        /// The backend failed numerically on a later level: the plan is
        /// unproven for that reason, not for the time limit.
        solver_failed: bool,
    },
    Infeasible,
    Unknown,
}

/// Solves a built program level by level, with `extra` rows added.
pub(crate) fn solve_program(
    milp: &Milp,
    extra: &[(LinExpr, Sense, f64)],
    options: &SolveOptions,
) -> Result<Program, Error> {
    solve_hinted(milp, extra, None, options)
}

/// [`solve_program`], with `hint` (values of some variables that form a
/// valid plan) as the first level's starting incumbent.
pub(super) fn solve_hinted(
    milp: &Milp,
    extra: &[(LinExpr, Sense, f64)],
    hint: Option<Vec<(VarId, f64)>>,
    options: &SolveOptions,
) -> Result<Program, Error> {
    tracing::debug!(
        variables = milp.vars.len(),
        constraints = milp.rows.len(),
        "built the program"
    );
    if !milp.impossible.is_empty() {
        tracing::debug!(reason = %milp.impossible[0].name(), "infeasible before solving");
        return Ok(Program::Infeasible);
    }
    let stages = merge_levels(&milp.levels, milp);
    let mut fixed: Vec<(LinExpr, Sense, f64)> = extra.to_vec();
    let mut incumbent: Option<Vec<f64>> = None;
    let mut hint = hint;
    let mut status = Status::Optimal;
    let mut gap = None;
    let mut solver_failed = false;
    for (index, stage) in stages.iter().enumerate() {
        let started = Instant::now();
        let names: Vec<&'static str> = stage
            .iter()
            .map(|level| level.objective.as_ref().map_or("tie-break", |o| o.name()))
            .collect();
        if !options.history.is_silent() {
            crate::progress::set_stage(format!(
                "solving objective stage {} of {} ({})",
                index + 1,
                stages.len(),
                names.join(", ")
            ));
        }
        let level = &combine(stage, milp);
        let incumbent_start: Option<Vec<(VarId, f64)>> = incumbent
            .as_ref()
            .map(|values| values.iter().copied().enumerate().collect());
        let hint_start = if incumbent.is_none() {
            hint.take()
        } else {
            None
        };
        let start = match (&incumbent_start, &hint_start) {
            (Some(values), _) => Start::Feasible(values),
            (None, Some(values)) => Start::Hint(values),
            (None, None) => Start::None,
        };
        let improvement = |values: &[f64], proven: bool, slack: Option<f64>| Improvement {
            work: options.history.work(),
            levels: names.clone(),
            values: stage.iter().map(|level| level.expr.eval(values)).collect(),
            proven,
            bound: slack
                .filter(|_| !proven)
                .map(|slack| first_open_bound(stage, milp, values, slack)),
        };
        let progress = |values: &[f64], slack: Option<f64>| {
            options.history.record(improvement(values, false, slack));
        };
        let result = solve_level(options, milp, level, &fixed, start, &progress);
        if let LevelResult::Solved {
            values,
            proven,
            slack,
        } = &result
        {
            options.history.record(improvement(values, *proven, *slack));
        }
        tracing::debug!(
            stage = index,
            levels = %names.join(", "),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "solved an objective stage"
        );
        match result {
            LevelResult::Solved {
                values,
                proven,
                slack,
            } => {
                for part in stage {
                    fixed.push(fixing(part, part.expr.eval(&values)));
                }
                if !proven {
                    status = Status::Feasible;
                    gap = slack.map(|slack| first_unproven_gap(stage, milp, &values, slack));
                    incumbent = Some(values);
                    break;
                }
                incumbent = Some(values);
            }
            LevelResult::Infeasible if incumbent.is_some() => {
                return Err(Error::Internal(format!(
                    "objective level {index} became infeasible after fixing the previous levels"
                )));
            }
            LevelResult::Infeasible => return Ok(Program::Infeasible),
            LevelResult::TimedOut => match incumbent {
                Some(_) => {
                    status = Status::Feasible;
                    break;
                }
                None => return Ok(Program::Unknown),
            },
            // A numerical failure after a plan was found keeps that plan,
            // unproven; before any, it is reported as such.
            LevelResult::Failed(message) => match incumbent {
                Some(_) => {
                    tracing::warn!(%message, "the solver failed; keeping the plan found so far");
                    status = Status::Feasible;
                    solver_failed = true;
                    break;
                }
                None => return Err(Error::SolverGaveUp(message)),
            },
        }
    }
    let Some(values) = incumbent else {
        return Ok(Program::Unknown);
    };
    Ok(Program::Solved {
        moves: extract_moves(milp, &values),
        values,
        status,
        gap,
        solver_failed,
    })
}

/// Largest weight used when merging levels; keeps every value exact in f64
/// and well within the solver's tolerances.
pub(super) const MAX_MERGED_MAGNITUDE: f64 = 1e7;

/// An upper bound on the spread (max − min) of a level: at most `uses`
/// start variables of an action are 1 at once. `None` if the level is not a
/// whole-number expression of binaries.
pub(super) fn spread(level: &Level, milp: &Milp) -> Option<f64> {
    if !level.integral || level.maximize {
        return None;
    }
    let whole =
        |&(v, c): &(VarId, f64)| milp.vars[v].kind != VarKind::Continuous && c.fract() == 0.0;
    if !level.expr.terms.iter().all(whole) {
        return None;
    }
    Some(largest_sum(milp, &level.expr, f64::abs, |c, def| {
        c.abs() * def.upper.max(-def.lower)
    }))
}

/// The largest Σ over the terms of `expr` (its constant left out) when the
/// start variables of an action count at most `uses` at once: a start
/// gives `of_start(c)` (nothing if negative), any other variable
/// `of_other(c, its bounds)`.
pub(super) fn largest_sum(
    milp: &Milp,
    expr: &LinExpr,
    of_start: impl Fn(f64) -> f64,
    of_other: impl Fn(f64, &VarDef) -> f64,
) -> f64 {
    let mut owner: Vec<Option<usize>> = vec![None; milp.vars.len()];
    for (a, list) in milp.starts.iter().enumerate() {
        for &(_, v) in list {
            owner[v] = Some(a);
        }
    }
    let mut per_action: Vec<Vec<f64>> = vec![Vec::new(); milp.starts.len()];
    let mut total = 0.0;
    for &(v, c) in &expr.terms {
        match owner[v] {
            Some(a) => per_action[a].push(of_start(c).max(0.0)),
            None => total += of_other(c, &milp.vars[v]),
        }
    }
    for (a, mut values) in per_action.into_iter().enumerate() {
        values.sort_by(|x, y| y.total_cmp(x));
        total += values.iter().take(milp.uses[a] as usize).sum::<f64>();
    }
    total
}

/// Groups consecutive whole-number levels into stages solved as one
/// weighted objective (exactly lexicographic: each level's weight exceeds
/// the spread of everything after it); other levels stay alone.
pub(super) fn merge_levels(levels: &[Level], milp: &Milp) -> Vec<Vec<Level>> {
    let mut stages: Vec<Vec<Level>> = Vec::new();
    let mut run_weight = 1.0; // Π (spread + 1) over the current run
    for level in levels {
        let mergeable = spread(level, milp);
        match (mergeable, stages.last_mut()) {
            (Some(s), Some(last))
                if spread(&last[0], milp).is_some()
                    && run_weight * (s + 1.0) <= MAX_MERGED_MAGNITUDE =>
            {
                run_weight *= s + 1.0;
                last.push(level.clone());
            }
            _ => {
                run_weight = mergeable.map_or(1.0, |s| s + 1.0);
                stages.push(vec![level.clone()]);
            }
        }
    }
    stages
}

/// The weight of each level of a stage in its one objective: 1 for the
/// last, and for each other the product of (spread + 1) of those after it,
/// so that it exceeds everything they can add up to.
pub(super) fn stage_weights(stage: &[Level], milp: &Milp) -> Vec<f64> {
    let mut weights = vec![1.0; stage.len()];
    for i in (0..stage.len().saturating_sub(1)).rev() {
        weights[i] = weights[i + 1] * (spread(&stage[i + 1], milp).unwrap_or(0.0) + 1.0);
    }
    weights
}

/// One objective for a stage: Σ wᵢ·levelᵢ with wᵢ > spread of the rest.
pub(super) fn combine(stage: &[Level], milp: &Milp) -> Level {
    if stage.len() == 1 {
        return stage[0].clone();
    }
    let mut expr = LinExpr::default();
    for (level, weight) in stage.iter().zip(stage_weights(stage, milp)) {
        for &(v, c) in &level.expr.terms {
            expr.terms.push((v, weight * c));
        }
        expr.constant += weight * level.expr.constant;
    }
    Level {
        objective: None,
        expr,
        maximize: false,
        integral: true,
        step: Some(1.0),
    }
}

/// The relative gap of the first level of an unproven stage that the
/// bound does not settle, given `slack`, the distance between the stage's
/// objective and its best bound.
///
/// In a merged stage the objective's own gap would mislead: it is relative
/// to a sum dominated by the first level's weight. A plan one better on
/// level i (the levels before it equal) is ruled out when the slack plus
/// what the later levels could still drop from their maxima is less than
/// level i's weight; the first level where it is not gets the gap between
/// its value and the bound this gives.
pub(super) fn first_unproven_gap(stage: &[Level], milp: &Milp, values: &[f64], slack: f64) -> f64 {
    let open = first_open_bound(stage, milp, values, slack);
    let value = stage[open.level].expr.eval(values);
    (value - open.bound).abs() / value.abs().max(1e-9)
}

/// The first level of an unproven stage that the bound does not settle,
/// and the bound on it (see [`first_unproven_gap`]).
pub(super) fn first_open_bound(
    stage: &[Level],
    milp: &Milp,
    values: &[f64],
    slack: f64,
) -> LevelBound {
    if stage.len() == 1 {
        let value = stage[0].expr.eval(values);
        // A level of whole values has a whole bound: no plan reaches the
        // fraction between.
        let bound = match (stage[0].maximize, stage[0].integral) {
            (true, true) => (value + slack + 1e-9).floor().max(value),
            (true, false) => value + slack,
            (false, true) => (value - slack - 1e-9).ceil().min(value),
            (false, false) => value - slack,
        };
        return LevelBound {
            level: 0,
            bound,
            source: BoundSource::Search,
        };
    }
    let weights = stage_weights(stage, milp);
    let room: Vec<f64> = stage
        .iter()
        .map(|level| (level_max(level, milp) - level.expr.eval(values)).max(0.0))
        .collect();
    let last = stage.len() - 1;
    let open = (0..stage.len())
        .find(|&i| {
            let later: f64 = (i + 1..stage.len()).map(|j| weights[j] * room[j]).sum();
            (slack + later) / weights[i] >= 1.0 - 1e-9
        })
        .unwrap_or(last);
    let later: f64 = (open + 1..stage.len()).map(|j| weights[j] * room[j]).sum();
    let excess = (slack + later) / weights[open];
    let value = stage[open].expr.eval(values);
    let bound = (value - excess - 1e-9).ceil().min(value);
    LevelBound {
        level: open,
        bound,
        source: BoundSource::Search,
    }
}

/// An upper bound on a whole-number level's value over all plans, with at
/// most `uses` starts of an action at once.
pub(super) fn level_max(level: &Level, milp: &Milp) -> f64 {
    let largest = largest_sum(
        milp,
        &level.expr,
        |c| c,
        |c, def| (c * def.upper).max(c * def.lower),
    );
    level.expr.constant + largest
}

/// The constraint that keeps a solved level at its optimum.
///
/// A level whose values are a step apart is held half a step from its
/// optimum: no plan lies in between, so this keeps exactly the plans at
/// the optimum, and stays clear of the backends' tolerances (a fixing a
/// millionth from the optimum led HiGHS's presolve to prove the next level
/// of a small program infeasible). Other levels are held to a relative
/// 1e-6.
pub(super) fn fixing(level: &Level, optimum: f64) -> (LinExpr, Sense, f64) {
    let slack = match level.step {
        Some(step) => 0.5 * step,
        None if level.integral => 1e-6,
        None => 1e-6 * optimum.abs().max(1.0),
    };
    let target = if level.integral {
        optimum.round()
    } else {
        optimum
    };
    let mut expr = level.expr.clone();
    let rhs = if level.maximize {
        target - slack
    } else {
        target + slack
    } - expr.constant;
    expr.constant = 0.0;
    (
        expr,
        if level.maximize {
            Sense::AtLeast
        } else {
            Sense::AtMost
        },
        rhs,
    )
}

pub(super) fn extract_moves(milp: &Milp, values: &[f64]) -> Moves {
    let moves = milp
        .starts
        .iter()
        .enumerate()
        .flat_map(|(a, list)| {
            list.iter()
                .filter(|&&(_, v)| values[v] > 0.5)
                .map(move |&(round, _)| Move { round, action: a })
        })
        .collect();
    Moves::new(moves)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::tests::tiny_milp;

    /// `cheapest` and the tie-break of [`tiny_milp`](crate::solve::tests::tiny_milp) merge into one stage;
    /// the tie-break's spread is 9 and so `cheapest` weighs 10.
    #[test]
    fn merged_stage_gap_is_that_of_the_first_level_left_open() {
        let milp = tiny_milp();
        let stages = merge_levels(&milp.levels, &milp);
        assert_eq!(stages.len(), 1);
        let stage = &stages[0];
        assert_eq!(stage_weights(stage, &milp), vec![10.0, 1.0]);
        // The plan in hand: c in round 3 (cost 3, tie-break 3, room 6).
        let mut values = vec![0.0; milp.vars.len()];
        values[milp.starts[2][2].1] = 1.0;
        // Slack 5: (5 + 6) / 10 ≥ 1, so a cost of 2 is not ruled out.
        let gap = first_unproven_gap(stage, &milp, &values, 5.0);
        assert!((gap - 1.0 / 3.0).abs() < 1e-9, "{gap}");
        // Slack 2: the cost is settled; the tie-break may be 1.
        let gap = first_unproven_gap(stage, &milp, &values, 2.0);
        assert!((gap - 2.0 / 3.0).abs() < 1e-9, "{gap}");
        // A lone level of whole values: its value less the slack, up to
        // the next whole value (3 − 1.5 = 1.5: no plan costs less than 2).
        assert!(stage[0].integral);
        let open = first_open_bound(&stage[..1], &milp, &values, 1.5);
        assert_eq!(open.level, 0);
        assert!((open.bound - 2.0).abs() < 1e-9, "{}", open.bound);
        let gap = first_unproven_gap(&stage[..1], &milp, &values, 1.5);
        assert!((gap - 1.0 / 3.0).abs() < 1e-9, "{gap}");
        // One whose slack is whole keeps it.
        let open = first_open_bound(&stage[..1], &milp, &values, 2.0);
        assert!((open.bound - 1.0).abs() < 1e-9, "{}", open.bound);
    }
}
