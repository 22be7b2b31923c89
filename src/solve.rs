//! Solving the program: each objective level in turn with good_lp's
//! backend, its optimum fixed before the next, then the plan re-checked by
//! the simulator. The only module that knows good_lp.

use std::time::{Duration, Instant};

use good_lp::solvers::{
    ResolutionError, Solution, SolutionStatus, SolverModel, WithInitialSolution, WithTimeLimit,
};
use good_lp::{Expression, ProblemVariables, Variable};

use crate::error::Error;
use crate::formulate::{Level, LinExpr, Milp, Sense, VarDef, VarId, VarKind};
use crate::model::{Instance, Objective, Tuning};
use crate::plan::{Move, Moves};
use crate::report::{
    better, objective_value, objective_values, ObjectiveValue, PlanReport, RobustReport,
    ScenarioBinding, Status,
};
use crate::simulate::{simulate, Evaluation};

/// How to solve.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SolveOptions {
    /// Bounds the whole solve (all levels together).
    pub time_limit: Option<Duration>,
    /// A moment no solve may run past, whatever its own limit: bounds a
    /// whole command (a plan and its diagnosis) by the user's limit.
    pub deadline: Option<Instant>,
}

impl SolveOptions {
    /// Options bounded by `limit` from now, for a whole command.
    pub fn within(limit: Option<Duration>) -> Self {
        SolveOptions {
            time_limit: limit,
            deadline: limit.map(|l| Instant::now() + l),
        }
    }

    /// The time this solve may take: its own limit, cut at the deadline.
    pub fn effective_limit(&self) -> Option<Duration> {
        let to_deadline = self
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        match (self.time_limit, to_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The outcome of planning an instance.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A plan, checked by the simulator (status optimal or feasible).
    Plan(PlanReport),
    /// No plan exists.
    Infeasible,
    /// The time limit ran out before any plan was found.
    Unknown,
}

/// Plans an instance: builds the program, solves it level by level, and
/// returns the plan only if the simulator accepts it.
///
/// The pure-Rust backend sometimes fails on a numerical difficulty (a
/// singular basis) that an equivalent program avoids; on such a failure
/// the plan is sought again without the move counts, then without the
/// implied rows as well. Either gives the same optimum.
pub fn plan(instance: &Instance, options: &SolveOptions) -> Result<Outcome, Error> {
    let options = &SolveOptions {
        deadline: options
            .effective_limit()
            .map(|limit| Instant::now() + limit),
        ..options.clone()
    };
    let tuning = instance.overrides.tuning;
    let fallbacks = [
        Tuning {
            counts: false,
            ..tuning
        },
        Tuning {
            counts: false,
            implied_rows: false,
            ..tuning
        },
    ];
    let mut result = plan_once(instance, options);
    let mut tried = vec![tuning];
    for fallback in fallbacks {
        let Err(Error::SolverGaveUp(message)) = &result else {
            break;
        };
        if tried.contains(&fallback) {
            continue;
        }
        tracing::info!(%message, ?fallback, "the solver failed; trying an equivalent program");
        tried.push(fallback);
        let mut other = instance.clone();
        other.overrides.tuning = fallback;
        result = plan_once(&other, options);
    }
    result
}

/// [`plan`] with the instance's own tuning.
fn plan_once(instance: &Instance, options: &SolveOptions) -> Result<Outcome, Error> {
    // A greedy plan (found in well under a second) is the solver's first
    // incumbent, and under a time limit it is kept in case the solver finds
    // none in the time left. It never holds forced moves.
    let tuning = instance.overrides.tuning;
    let wants_hint = tuning.warm_start && instance.forced.is_empty();
    let greedy = (options.deadline.is_some() || wants_hint)
        .then(|| crate::greedy::greedy_plan_until(instance, options.deadline))
        .flatten();
    let first = greedy.as_ref().filter(|_| wants_hint);
    let bounded = first.and_then(|moves| bounded_by(instance, moves));
    let solve_as = bounded.as_ref().unwrap_or(instance);
    let milp = Milp::build(solve_as);
    tracing::debug!(
        greedy = greedy.is_some(),
        starts = milp.starts.iter().map(Vec::len).sum::<usize>(),
        "looked for a first plan"
    );
    let outcome = if splits_earliest(instance, &milp) {
        earliest_first(instance, solve_as, &milp, first, options)?
    } else {
        let hint = first.and_then(|moves| warm_start(instance, &milp, moves));
        solve_milp(instance, &milp, &[], hint, options)?
    };
    match outcome {
        Outcome::Unknown => Ok(greedy
            .and_then(|moves| greedy_fallback(instance, &milp, moves))
            .unwrap_or(Outcome::Unknown)),
        outcome => Ok(outcome),
    }
}

/// With `earliest` first, a valid greedy plan that meets everything by
/// round R bounds the optimum: no optimal plan meets it later. So every
/// deadline can be brought forward to R, which the presolve turns into
/// narrower windows. `None` if that changes nothing.
fn bounded_by<'m>(instance: &Instance<'m>, greedy: &Moves) -> Option<Instance<'m>> {
    if !earliest_leads(instance) {
        return None;
    }
    let evaluation = simulate(instance, greedy);
    let met = evaluation.met_round.filter(|_| evaluation.is_valid())?;
    if instance.by.iter().all(|&by| by <= met) {
        return None;
    }
    tracing::debug!(met, "the greedy plan brings every deadline forward");
    Some(due_by(instance, met))
}

/// Whether `earliest` is the first level and the deadlines may narrow the
/// program: what bringing deadlines forward to a met round relies on.
fn earliest_leads(instance: &Instance) -> bool {
    instance.overrides.tuning.deadlines
        && !instance.relaxable
        && matches!(instance.model.objective.first(), Some(Objective::Earliest))
}

/// `instance` with every deadline at round `met` or earlier: the plans
/// that meet everything by `met`.
fn due_by<'m>(instance: &Instance<'m>, met: u32) -> Instance<'m> {
    let mut due = instance.clone();
    for by in &mut due.by {
        *by = (*by).min(met);
    }
    due
}

/// Whether to solve `earliest` on its own first (see [`earliest_first`]).
fn splits_earliest(instance: &Instance, milp: &Milp) -> bool {
    milp.starts.iter().map(Vec::len).sum::<usize>() >= instance.overrides.tuning.earliest_first_from
        && earliest_leads(instance)
        && milp.levels.len() > 1
        && !instance.model.expectations.is_empty()
}

/// `earliest` alone, then the other levels on a program rebuilt with
/// every deadline at the met round R found. A plan meets everything by R
/// exactly when it meets these deadlines, so the optimum is the same; but
/// the presolve cuts every start the earlier deadlines rule out, so the
/// later levels search a smaller program, from the first plan as their
/// incumbent. If they run out of time, the first plan is kept, unproven
/// on the later levels. Programs are built from `solve_as` (`instance`, or
/// it with deadlines brought forward by [`bounded_by`]); plans are checked
/// against `instance`.
fn earliest_first(
    instance: &Instance,
    solve_as: &Instance,
    milp: &Milp,
    greedy: Option<&Moves>,
    options: &SolveOptions,
) -> Result<Outcome, Error> {
    let first = Milp {
        levels: milp.levels[..1].to_vec(),
        ..milp.clone()
    };
    let hint = greedy.and_then(|moves| warm_start(instance, &first, moves));
    let found = solve_milp(instance, &first, &[], hint, options)?;
    let Outcome::Plan(report) = &found else {
        return Ok(found);
    };
    // Unproven (the limit struck): that plan is the answer.
    let Some(met) = report
        .evaluation
        .met_round
        .filter(|_| report.status == Status::Optimal)
    else {
        return Ok(found);
    };
    let clipped = due_by(solve_as, met);
    let tight = Milp::build(&clipped);
    tracing::debug!(
        met,
        variables = tight.vars.len(),
        constraints = tight.rows.len(),
        "rebuilt the program with every deadline at the met round"
    );
    let hint = warm_start(&clipped, &tight, &report.moves);
    match solve_milp(instance, &tight, &[], hint, options)? {
        Outcome::Plan(better) => Ok(Outcome::Plan(better)),
        Outcome::Unknown => Ok(Outcome::Plan(PlanReport {
            status: Status::Feasible,
            gap: None,
            ..report.clone()
        })),
        Outcome::Infeasible => Err(Error::Internal(format!(
            "no plan meets every expectation by round {met}, which a plan just did"
        ))),
    }
}

/// A valid greedy plan as values of the program's whole-number variables,
/// for the solver's first incumbent; `None` if the plan is not valid or
/// uses a start the presolve ruled out.
fn warm_start(instance: &Instance, milp: &Milp, moves: &Moves) -> Option<Vec<(VarId, f64)>> {
    if !instance.forced.is_empty() || !milp.event_vars.is_empty() {
        return None;
    }
    let evaluation = simulate(instance, moves);
    if !evaluation.violations.is_empty() {
        return None;
    }
    let met = evaluation.met_round?;
    let mut hint = Vec::new();
    let mut placed = 0;
    for (a, list) in milp.starts.iter().enumerate() {
        let mut count = 0.0;
        for &(round, v) in list {
            let taken = moves.as_slice().contains(&Move { round, action: a });
            count += f64::from(u8::from(taken));
            hint.push((v, f64::from(u8::from(taken))));
        }
        placed += count as usize;
        if let Some(Some(n)) = milp.counts.get(a) {
            if !list.iter().any(|&(_, v)| v == *n) {
                hint.push((*n, count));
            }
        }
    }
    if placed != moves.len() {
        return None;
    }
    for (t, &y) in (1..).zip(&milp.met_by) {
        hint.push((y, f64::from(u8::from(t >= met))));
    }
    Some(hint)
}

/// When the solver found no plan in time: the greedy plan, if it is valid,
/// as a `feasible` answer. Its gap on `earliest` (when that comes first) is
/// measured against the latest earliest-possible completion among the
/// expected actions, an order-free lower bound on R.
fn greedy_fallback(instance: &Instance, milp: &Milp, moves: Moves) -> Option<Outcome> {
    let evaluation = simulate(instance, &moves);
    let met = evaluation.met_round?;
    let model = instance.model;
    let earliest_first = matches!(model.objective.first(), Some(Objective::Earliest));
    let bound = model
        .expectations
        .iter()
        .filter_map(|e| match e.kind {
            crate::model::ExpectationKind::Action(a) => milp.starts[a]
                .first()
                .map(|&(s, _)| s + model.actions[a].duration - 1),
            crate::model::ExpectationKind::Meter { .. } => None,
        })
        .max()
        .unwrap_or(0);
    let gap =
        (earliest_first && met > 0).then(|| f64::from(met.saturating_sub(bound)) / f64::from(met));
    tracing::info!(
        met,
        bound,
        "the solver found no plan in time; using the greedy plan"
    );
    Some(Outcome::Plan(PlanReport {
        status: Status::Feasible,
        objectives: objective_values(model, &evaluation),
        gap,
        moves,
        evaluation,
    }))
}

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
    let deadline = options
        .effective_limit()
        .map(|limit| Instant::now() + limit);
    let remaining = || SolveOptions {
        time_limit: deadline.map(|d| d.saturating_duration_since(Instant::now())),
        deadline: options.deadline,
    };
    // A plan with a move that helps nothing can tie the optimum on the
    // user's levels, and counts as an alternative.
    let mut keep_all = instance.clone();
    keep_all.overrides.tuning.drop_useless = false;
    let milp = Milp::build(&keep_all);
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
        match solve_milp(instance, &milp, &rows, None, &remaining())? {
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
fn within_percent(level: &Level, value: f64, percent: f64) -> (LinExpr, Sense, f64) {
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
fn excluding(milp: &Milp, moves: &Moves) -> (LinExpr, Sense, f64) {
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

/// Solves a built program level by level, with `extra` rows added and an
/// optional first incumbent, and re-checks the plan with the simulator.
fn solve_milp(
    instance: &Instance,
    milp: &Milp,
    extra: &[(LinExpr, Sense, f64)],
    hint: Option<Vec<(VarId, f64)>>,
    options: &SolveOptions,
) -> Result<Outcome, Error> {
    let (moves, status, gap) = match solve_hinted(milp, extra, hint, options)? {
        Program::Solved {
            moves, status, gap, ..
        } => (moves, status, gap),
        Program::Infeasible => return Ok(Outcome::Infeasible),
        Program::Unknown => return Ok(Outcome::Unknown),
    };
    let evaluation = checked(instance, &moves)?;
    let objectives = objective_values(instance.model, &evaluation);
    Ok(Outcome::Plan(PlanReport {
        status,
        objectives,
        gap,
        moves,
        evaluation,
    }))
}

/// The simulator's evaluation of a solver plan, which must be valid.
fn checked(instance: &Instance, moves: &Moves) -> Result<Evaluation, Error> {
    let evaluation = simulate(instance, moves);
    match evaluation.violations.first() {
        None => Ok(evaluation),
        Some(first) => Err(Error::Internal(format!(
            "the solver's plan breaks {} rule(s) of the model{}, first in round {}: {:?}",
            evaluation.violations.len(),
            instance
                .scenario_id()
                .map(|s| format!(" in scenario `{s}`"))
                .unwrap_or_default(),
            first.round,
            first.kind
        ))),
    }
}

/// A solved program: its moves, before the simulator's check.
pub(crate) enum Program {
    Solved {
        /// Every variable's value (for diagnosis).
        values: Vec<f64>,
        moves: Moves,
        status: Status,
        gap: Option<f64>,
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
fn solve_hinted(
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
    let deadline = options
        .effective_limit()
        .map(|limit| Instant::now() + limit);
    let stages = merge_levels(&milp.levels, milp);
    let mut fixed: Vec<(LinExpr, Sense, f64)> = extra.to_vec();
    let mut incumbent: Option<Vec<f64>> = None;
    let mut hint = hint;
    let mut status = Status::Optimal;
    let mut gap = None;
    for (index, stage) in stages.iter().enumerate() {
        let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let started = Instant::now();
        let names: Vec<&str> = stage
            .iter()
            .map(|level| level.objective.as_ref().map_or("tie-break", |o| o.name()))
            .collect();
        crate::progress::set_stage(format!(
            "solving objective stage {} of {} ({})",
            index + 1,
            stages.len(),
            names.join(", ")
        ));
        let level = &combine(stage, milp);
        let start = match &incumbent {
            Some(values) => Some(values.iter().copied().enumerate().collect()),
            None => hint.take(),
        };
        let result = solve_level(milp, level, &fixed, start, remaining, false);
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
    })
}

/// The outcome of planning for several scenarios at once.
#[derive(Debug, Clone, PartialEq)]
pub enum RobustOutcome {
    Plan(RobustReport),
    Infeasible,
    Unknown,
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
fn robust_once(instances: &[&Instance], options: &SolveOptions) -> Result<RobustOutcome, Error> {
    let milp = Milp::build_robust(instances);
    let (moves, status, gap) = match solve_program(&milp, &[], options)? {
        Program::Solved {
            moves, status, gap, ..
        } => (moves, status, gap),
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
        binding: Vec::new(),
        binding_settled: false,
    }))
}

/// A level's value over several scenarios.
fn robust_value(objective: &Objective, evaluations: &[Evaluation]) -> f64 {
    let values = evaluations.iter().map(|e| objective_value(objective, e));
    match objective {
        Objective::Earliest => values.fold(0.0, f64::max),
        Objective::Maximize(_) => values.sum(),
        Objective::Cheapest | Objective::Fewest => values.fold(0.0, f64::max),
    }
}

/// Largest weight used when merging levels; keeps every value exact in f64
/// and well within the solver's tolerances.
const MAX_MERGED_MAGNITUDE: f64 = 1e7;

/// An upper bound on the spread (max − min) of a level: at most `uses`
/// start variables of an action are 1 at once. `None` if the level is not a
/// whole-number expression of binaries.
fn spread(level: &Level, milp: &Milp) -> Option<f64> {
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
fn largest_sum(
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
fn merge_levels(levels: &[Level], milp: &Milp) -> Vec<Vec<Level>> {
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
fn stage_weights(stage: &[Level], milp: &Milp) -> Vec<f64> {
    let mut weights = vec![1.0; stage.len()];
    for i in (0..stage.len().saturating_sub(1)).rev() {
        weights[i] = weights[i + 1] * (spread(&stage[i + 1], milp).unwrap_or(0.0) + 1.0);
    }
    weights
}

/// One objective for a stage: Σ wᵢ·levelᵢ with wᵢ > spread of the rest.
fn combine(stage: &[Level], milp: &Milp) -> Level {
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
fn first_unproven_gap(stage: &[Level], milp: &Milp, values: &[f64], slack: f64) -> f64 {
    let relative = |value: f64, bound: f64| (value - bound).abs() / value.abs().max(1e-9);
    if stage.len() == 1 {
        let value = stage[0].expr.eval(values);
        return relative(value, value - slack);
    }
    let weights = stage_weights(stage, milp);
    let room: Vec<f64> = stage
        .iter()
        .map(|level| (level_max(level, milp) - level.expr.eval(values)).max(0.0))
        .collect();
    for i in 0..stage.len() {
        let later: f64 = (i + 1..stage.len()).map(|j| weights[j] * room[j]).sum();
        let excess = (slack + later) / weights[i];
        if excess >= 1.0 - 1e-9 || i + 1 == stage.len() {
            let value = stage[i].expr.eval(values);
            let bound = (value - excess - 1e-9).ceil();
            return relative(value, bound.min(value));
        }
    }
    0.0
}

/// An upper bound on a whole-number level's value over all plans, with at
/// most `uses` starts of an action at once.
fn level_max(level: &Level, milp: &Milp) -> f64 {
    let largest = largest_sum(
        milp,
        &level.expr,
        |c| c,
        |c, def| (c * def.upper).max(c * def.lower),
    );
    level.expr.constant + largest
}

/// The constraint that keeps a solved level at its optimum.
fn fixing(level: &Level, optimum: f64) -> (LinExpr, Sense, f64) {
    let slack = if level.integral {
        1e-6
    } else {
        1e-6 * optimum.abs().max(1.0)
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

fn extract_moves(milp: &Milp, values: &[f64]) -> Moves {
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

enum LevelResult {
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

fn expression(vars: &[Variable], expr: &LinExpr) -> Expression {
    let mut out = Expression::from(expr.constant);
    for &(v, c) in &expr.terms {
        out.add_mul(c, vars[v]);
    }
    out
}

fn solve_level(
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
        model = model.with_time_limit((left - margin).as_secs_f64());
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
                _ => false,
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
struct WholeStop {
    offset: f64,
    gap: f32,
}

/// The stop for `level`, if its values are spaced by a known step.
fn whole_objective(milp: &Milp, level: &Level) -> Option<WholeStop> {
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
fn backend(
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

#[cfg(not(feature = "cbc"))]
fn backend_gap(solution: good_lp::solvers::microlp::MicroLpSolution) -> Option<f64> {
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
fn backend_gap(_solution: good_lp::solvers::coin_cbc::CoinCbcSolution) -> Option<f64> {
    None
}

#[cfg(feature = "cbc")]
fn backend(
    problem: good_lp::variable::UnsolvedProblem,
    _gap: Option<f32>,
) -> good_lp::solvers::coin_cbc::CoinCbcProblem {
    let mut model = problem.using(good_lp::solvers::coin_cbc::coin_cbc);
    model.set_parameter("log", "0");
    model
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_model, validate, Overrides};

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

    /// Three moves costing 1, 2 and 3, each possible in rounds 1 to 3, with
    /// every start kept (no presolve).
    fn tiny_milp() -> Milp {
        let text = r#"{"seqplan": 1, "name": "t", "horizon": 3, "parties": [{"id": "p"}],
            "meters": [{"id": "m", "initial": 0}],
            "actions": [{"id": "a", "by": "p", "cost": 1}, {"id": "b", "by": "p", "cost": 2},
                        {"id": "c", "by": "p", "cost": 3}],
            "objective": ["cheapest"]}"#;
        let model = validate(&parse_model(text, "t").unwrap(), "t")
            .unwrap()
            .model;
        let overrides = Overrides {
            tuning: Tuning::NONE,
            ..Overrides::default()
        };
        Milp::build(&Instance::new(&model, &overrides).unwrap())
    }

    /// `cheapest` and the tie-break of [`tiny_milp`] merge into one stage;
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
        // A lone level: the slack over its value.
        let gap = first_unproven_gap(&stage[..1], &milp, &values, 1.5);
        assert!((gap - 0.5).abs() < 1e-9, "{gap}");
    }
}
