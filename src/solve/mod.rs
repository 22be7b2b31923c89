//! Solving the program: the orchestration of one plan (a greedy first
//! plan, the met round first on large programs, a retry on an equivalent
//! program when the backend fails), then the plan re-checked by the
//! simulator. The lexicographic level loop is in `levels.rs`, the solvers
//! in `backend/`, the limits of a command in `deadline.rs` (time) and
//! `effort.rs` (work), and the commands that solve many programs in
//! `robust.rs` and `alternatives.rs`.

mod alternatives;
mod backend;
mod deadline;
mod effort;
mod history;
mod levels;
mod lns;
mod reliable;
mod robust;
mod second_search;
mod sooner;

pub use alternatives::{alternatives, Alternatives};
pub use backend::{numerical_failures, Solver};
pub use deadline::{cancellable, stop_all, Deadline};
pub use effort::Effort;
pub use history::{History, Improvement, LevelBound};
pub(crate) use levels::{solve_program, Program};
pub use lns::{neighbourhood_search, Limits as NeighbourhoodLimits};
pub use reliable::{plan_reliable, Reliable};
pub use robust::{plan_robust, robust_conflict, RobustConflict, RobustOutcome};

use std::cmp::Ordering;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::time::Duration;

use levels::solve_hinted;
use second_search::{Cores, SharedBest};

use crate::error::Error;
use crate::export::Exported;
use crate::formulate::{LinExpr, Milp, Sense, VarId};
use crate::model::{Instance, Objective};
use crate::plan::{Move, Moves};
use crate::report::{objective_values, BoundSource, PlanBound, PlanReport, Status};
use crate::simulate::{simulate, Evaluation};
use crate::tuning::Tuning;

/// How to solve.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SolveOptions {
    /// A moment no solve may run past: bounds a whole command (a plan and
    /// its diagnosis, every level and alternative) by the user's limit.
    pub deadline: Deadline,
    /// The search work every solve of the command draws on (`--effort`):
    /// with it and no deadline, the same plan on any machine.
    pub effort: Effort,
    /// What the search found as it went, for the whole command.
    pub history: History,
    /// The MILP solver every level is handed to.
    pub solver: Solver,
    /// The speed-ups every program is built with.
    pub tuning: Tuning,
}

impl SolveOptions {
    /// Options bounded by `limit` from now, for a whole command, with the
    /// default solver.
    pub fn within(limit: Option<Duration>) -> Self {
        SolveOptions {
            deadline: Deadline::after(limit),
            effort: Effort::UNLIMITED,
            history: History::default(),
            solver: Solver::default(),
            tuning: Tuning::ALL,
        }
    }

    /// These options with `solver`.
    #[must_use]
    pub fn with_solver(self, solver: Solver) -> Self {
        SolveOptions { solver, ..self }
    }

    /// These options with the work budget `effort`.
    #[must_use]
    pub fn with_effort(self, effort: Effort) -> Self {
        SolveOptions { effort, ..self }
    }

    /// Whether the command's time or work may run out.
    pub fn is_limited(&self) -> bool {
        self.deadline.is_set() || self.effort.is_set()
    }

    /// These options with `tuning`.
    #[must_use]
    pub fn with_tuning(self, tuning: Tuning) -> Self {
        SolveOptions { tuning, ..self }
    }
}

/// The outcome of planning an instance.
// One is returned per solve, never stored in bulk: a box would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A plan, checked by the simulator (status optimal or feasible).
    Plan(PlanReport),
    /// No plan exists.
    Infeasible,
    /// The time or effort limit ran out before any plan was found.
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
    let mark = options.history.len();
    let cores = Cores::of_this_process();
    let _core = cores.hold();
    let greedy = greedy_first(instance, options);
    let stop = Arc::new(AtomicBool::new(false));
    let spare = (second_search::wanted(options) && searches_first(instance, &options.tuning))
        .then(|| cores.spare(&stop))
        .flatten();
    let Some(spare) = spare else {
        let first = searched(instance, greedy, options, Searcher::ALONE);
        let result = solve_from(instance, options, first.as_ref());
        return finish(instance, options, mark, result, first);
    };
    tracing::debug!(
        seed = second_search::SEED,
        "a second search runs on the second core"
    );
    let shared = SharedBest::new(instance);
    std::thread::scope(|scope| {
        let second = {
            let (shared, stop) = (&shared, Arc::clone(&stop));
            let options = second_search::options(options);
            let greedy = greedy.clone();
            scope.spawn(move || {
                let _core = spare;
                cancellable(stop, || {
                    searched(instance, greedy, &options, Searcher::second(shared));
                });
            })
        };
        let first = searched(instance, greedy, options, Searcher::first(&shared));
        shared.stop_recording();
        let mut result = solve_from(instance, options, first.as_ref());
        stop.store(true, AtomicOrdering::Relaxed);
        if second.join().is_err() {
            tracing::warn!(
                "the second search stopped on an error; the plans it shared before stand"
            );
        }
        let best = shared.best().or(first);
        if let (Ok(Outcome::Unknown), Some(moves)) = (&result, &best) {
            result = Ok(
                fallback_plan(instance, first_starts(instance), moves.clone())
                    .unwrap_or(Outcome::Unknown),
            );
        }
        finish(instance, options, mark, result, best)
    })
}

/// The plan of the branch and bound from `first` (see [`searched`]):
/// [`plan_once`] with the options' tuning, then, on a numerical failure of
/// the backend, with the equivalent forms of the program.
fn solve_from(
    instance: &Instance,
    options: &SolveOptions,
    first: Option<&Moves>,
) -> Result<Outcome, Error> {
    let tuning = options.tuning;
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
    let mut result = plan_once(instance, options, first);
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
        result = plan_once(instance, &options.clone().with_tuning(fallback), first);
    }
    result
}

/// The branch and bound's plan with its bound when it left none, replaced
/// by `first` (the searches' best) when that is the better one, with the
/// history of the command from `mark` on.
fn finish(
    instance: &Instance,
    options: &SolveOptions,
    mark: usize,
    mut result: Result<Outcome, Error>,
    first: Option<Moves>,
) -> Result<Outcome, Error> {
    if let Ok(Outcome::Plan(report)) = &mut result {
        if report.status != Status::Optimal {
            let history = options.history.since(mark);
            if report.bound.is_none() {
                report.bound = search_bound(&history);
            }
            if report.bound.is_none() || settled(report, &history) {
                (report.bound, report.gap) = after_the_proven(instance, report, &history);
            }
        }
        if let Some(first) = first.filter(|_| report.status != Status::Optimal) {
            keep_the_better(instance, report, first, options);
        }
        report.history = options.history.since(mark);
        if report.status != Status::Optimal {
            raise_to_the_best_known(instance, report);
        }
    }
    result
}

/// An unproven plan's bound, when it is on the objective's first level,
/// raised to the best bound its history holds on that level: a bound on
/// the first level holds whatever stage stated it, and the bound chosen
/// last (a later stage's root bound, or the order-free bound beside a plan
/// kept from the searches) can be weaker than one an earlier stage
/// stated. A stage whose bound is on a later level had the first level at
/// its incumbent's value. When the raised bound meets the plan, the bound
/// moves on to the next level (see [`past_the_reached`]).
fn raise_to_the_best_known(instance: &Instance, report: &mut PlanReport) {
    let Some(bound) = report.bound else {
        return;
    };
    let first = match instance.model.objective.first() {
        Some(Objective::Maximize(_)) | None => return,
        Some(first) => first.name(),
    };
    if bound.level != first {
        return;
    }
    let known = report.history.iter().filter_map(|entry| {
        let at = entry.levels.iter().position(|&level| level == first)?;
        if entry.proven {
            return Some((*entry.values.get(at)?, BoundSource::Search));
        }
        let open = entry.bound?;
        match open.level.cmp(&at) {
            Ordering::Equal => Some((open.bound, open.source)),
            Ordering::Greater => Some((*entry.values.get(at)?, open.source)),
            Ordering::Less => None,
        }
    });
    // No valid bound passes a valid plan: one that does was stated on
    // another program, and is left alone.
    let reached = report
        .objectives
        .iter()
        .find(|o| o.name == first)
        .map(|o| o.value);
    let near = |value: f64| crate::numbers::TOLERANCE * value.abs().max(1.0);
    let Some((value, source)) = known
        .filter(|&(value, _)| reached.is_some_and(|reached| value <= reached + near(value)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
    else {
        return;
    };
    if value <= bound.value + near(value) {
        return;
    }
    let raised = PlanBound {
        level: first,
        value,
        source,
    };
    let raised = past_the_reached(instance, (&report.moves, &report.evaluation), raised);
    report.gap = gap_to(instance, &report.moves, &report.evaluation, &raised);
    report.bound = Some(raised);
}

/// An unproven plan replaced by the plan found before the backend ran when
/// that one is better. A backend that takes no first incumbent (HiGHS)
/// may stop at a plan worse than the one the searches handed it; the
/// search's bound still holds, so the kept plan is stated against it (or
/// against its order-free bound when the backend left none), and the
/// history ends at it.
fn keep_the_better(
    instance: &Instance,
    report: &mut PlanReport,
    first: Moves,
    options: &SolveOptions,
) {
    if instance.relaxable {
        return;
    }
    let Some(evaluation) = better_than(instance, &first, (&report.moves, &report.evaluation))
    else {
        return;
    };
    let model = instance.model;
    let bound = report
        .bound
        .filter(|b| model.objective.iter().any(|o| o.name() == b.level));
    let bound =
        bound.or_else(|| order_free_plan_bound(instance, &evaluation, 0, first_starts(instance)));
    let bound = bound.map(|b| past_the_reached(instance, (&first, &evaluation), b));
    tracing::info!("the backend stopped at a plan worse than one the searches found; keeping that");
    let on_its_level = bound.and_then(|b| {
        Some(LevelBound {
            level: model.objective.iter().position(|o| o.name() == b.level)?,
            bound: b.value,
            source: b.source,
        })
    });
    options
        .history
        .record(unproven_plan(instance, &evaluation, options, on_its_level));
    *report = PlanReport {
        status: Status::Feasible,
        objectives: objective_values(model, &evaluation),
        gap: bound.and_then(|b| gap_to(instance, &first, &evaluation, &b)),
        moves: first,
        evaluation,
        bound,
        ..report.clone()
    };
}

/// `bound`, or, when the plan already reaches it (its level is then at
/// its best: the branch and bound's bound beside a better plan found
/// outside it), the order-free bound on the levels after it, so that the
/// bound stated is on a level the plan leaves open.
fn past_the_reached(
    instance: &Instance,
    (moves, evaluation): (&Moves, &Evaluation),
    bound: PlanBound,
) -> PlanBound {
    let reached = gap_to(instance, moves, evaluation, &bound) == Some(0.0);
    let level = instance
        .model
        .objective
        .iter()
        .position(|o| o.name() == bound.level);
    match level {
        Some(level) if reached => {
            order_free_plan_bound(instance, evaluation, level + 1, first_starts(instance))
                .unwrap_or(bound)
        }
        _ => bound,
    }
}

/// Whether the plan's bound is on a level an earlier stage proved at the
/// plan's value there: a later stage's bound on that level (its root's,
/// say) is then weaker than what is known, and the bound to state is on
/// the levels after it.
fn settled(report: &PlanReport, history: &[Improvement]) -> bool {
    let Some(bound) = report.bound else {
        return false;
    };
    let Some(value) = report
        .objectives
        .iter()
        .find(|o| o.name == bound.level)
        .map(|o| o.value)
    else {
        return false;
    };
    history.iter().filter(|entry| entry.proven).any(|entry| {
        entry
            .levels
            .iter()
            .zip(&entry.values)
            .any(|(level, proven)| *level == bound.level && (proven - value).abs() < 1e-6)
    })
}

/// The bound the search left on an unproven plan: that of its last
/// improvement, if the backend reported one.
fn search_bound(history: &[Improvement]) -> Option<PlanBound> {
    let last = history.last().filter(|last| !last.proven)?;
    let open = last.bound?;
    Some(PlanBound {
        level: last.levels[open.level],
        value: open.bound,
        source: open.source,
    })
}

/// A plan found outside the branch and bound, for the history: its values
/// on every level of the objective, unproven, beside `bound`.
fn unproven_plan(
    instance: &Instance,
    evaluation: &Evaluation,
    options: &SolveOptions,
    bound: Option<LevelBound>,
) -> Improvement {
    let model = instance.model;
    Improvement {
        work: options.history.work(),
        levels: model.objective.iter().map(Objective::name).collect(),
        values: objective_values(model, evaluation)
            .iter()
            .map(|o| o.value)
            .collect(),
        proven: false,
        bound,
    }
}

/// The greedy plan (found in well under a second), when the searches or
/// the solver will use it. With the searches that improve it (see
/// [`searched`]) it makes the plan found before the solver runs: the
/// solver's first incumbent, kept under a limit in case the solver finds
/// none in the time left. It is sought once per plan, not again when the
/// solve is retried in an equivalent form.
fn greedy_first(instance: &Instance, options: &SolveOptions) -> Option<Moves> {
    (options.is_limited() || wants_hint(instance, &options.tuning))
        .then(|| crate::greedy::greedy_plan_until(instance, options.deadline))
        .flatten()
}

/// [`plan`] with the options' tuning, once, from the plan found first
/// (the greedy plan improved by [`searched`]), which never holds forced
/// moves.
fn plan_once(
    instance: &Instance,
    options: &SolveOptions,
    greedy: Option<&Moves>,
) -> Result<Outcome, Error> {
    let tuning = &options.tuning;
    let first = greedy.filter(|_| wants_hint(instance, tuning));
    let (bounded, milp) = program_from(instance, first, tuning);
    let solve_as = bounded.as_ref().unwrap_or(instance);
    tracing::debug!(
        greedy = greedy.is_some(),
        starts = milp.starts.iter().map(Vec::len).sum::<usize>(),
        "looked for a first plan"
    );
    let outcome = if splits_earliest(instance, &milp, tuning) {
        earliest_first(instance, solve_as, &milp, first, options)?
    } else {
        let hint = first.and_then(|moves| warm_start(instance, &milp, moves));
        solve_milp(instance, &milp, &[], hint, options)?
    };
    match outcome {
        Outcome::Unknown => Ok(greedy
            .and_then(|moves| greedy_fallback(instance, &milp, moves.clone()))
            .unwrap_or(Outcome::Unknown)),
        outcome => Ok(outcome),
    }
}

/// Simulations of the local search per possible start, and at most.
const SIMULATIONS_PER_START: u64 = 30;
const MOST_SIMULATIONS: u64 = 150_000;
/// A local search with no valid plan after its simulations goes on, up to
/// this many times as many, until it finds one: on `chains` models its
/// repairs need more than the usual budget to mend every chain (see the
/// README's *Good plans fast on large models*).
const UNTIL_VALID: u64 = 4;

/// The share of the time left the local search may take: more when the
/// greedy walk found no plan, since on a program large enough for the
/// local search the branch and bound rarely finds a first plan in time.
const SEARCH_SHARE: f64 = 0.25;
const SEARCH_SHARE_WITHOUT_PLAN: f64 = 0.5;
/// The share of the time left after the local search that the tries
/// toward a sooner met round may take (see [`sooner`]): the met round
/// leads the objective, and a fresh start may need a second or two at
/// 120×36.
const SOONER_SHARE: f64 = 0.5;

/// The small programs the large-neighbourhood search solves (more under a
/// time limit, until its share of the time is spent), the nodes each may
/// take, the possible starts each frees at first, and the share of the
/// time left it may take.
const NEIGHBOURHOODS: usize = 60;
const NEIGHBOURHOODS_IN_TIME: usize = 1000;
const NODES_PER_NEIGHBOURHOOD: u64 = 400;
const NEIGHBOURHOOD_SIZE: usize = 150;
const NEIGHBOURHOOD_SHARE: f64 = 0.6;
/// The simulations of each try toward a sooner plan among the
/// neighbourhoods (see `lns::Kind::Sooner`): a fifth of the local search's
/// most, so that a kind that rarely pays costs little when drawn.
const SOONER_SIMULATIONS: u64 = 30_000;

/// Who runs a search (see [`searched`]): the command's own, alone or with
/// a second search beside it, or that second search.
#[derive(Clone, Copy)]
struct Searcher<'s, 'i> {
    /// The seed of its draws.
    seed: u64,
    /// The best plan shared with the other search, if there is one.
    shared: Option<&'s SharedBest<'i>>,
    /// Whether it is the second search: off the progress line, and its
    /// neighbourhoods go on until the time is up.
    second: bool,
}

impl<'s, 'i> Searcher<'s, 'i> {
    /// The command's search, alone.
    const ALONE: Self = Searcher {
        seed: 1,
        shared: None,
        second: false,
    };

    /// The command's search, with a second beside it.
    fn first(shared: &'s SharedBest<'i>) -> Self {
        Searcher {
            shared: Some(shared),
            ..Self::ALONE
        }
    }

    /// The second search.
    fn second(shared: &'s SharedBest<'i>) -> Self {
        Searcher {
            seed: second_search::SEED,
            shared: Some(shared),
            second: true,
        }
    }
}

/// Whether the local search runs before the branch and bound on this
/// instance: on a program of at least `local_search_from` possible
/// starts.
fn searches_first(instance: &Instance, tuning: &Tuning) -> bool {
    let windows = crate::presolve::start_windows(instance);
    crate::improve::possible_starts(&windows) >= tuning.local_search_from
}

/// On a large program, the greedy plan improved by the local search of
/// [`crate::improve`] (or the plan it finds when the greedy walk finds
/// none) and brought sooner by [`sooner`], then by the
/// large-neighbourhood search of [`lns`]; else the greedy plan. Their
/// work is a fixed number of simulations and of branch-and-bound nodes,
/// so that the same command gives the same plan; a time limit may cut
/// them short. With a second search beside it (see [`second_search`]),
/// the better of the two searches' plans, and the first search skips its
/// neighbourhoods once the branch and bound has proved its met round the
/// earliest.
fn searched(
    instance: &Instance,
    greedy: Option<Moves>,
    options: &SolveOptions,
    searcher: Searcher,
) -> Option<Moves> {
    let tuning = &options.tuning;
    if !(options.is_limited() || wants_hint(instance, tuning)) {
        return greedy;
    }
    let windows = crate::presolve::start_windows(instance);
    let starts = crate::improve::possible_starts(&windows);
    let model = instance.model;
    let lowest = order_free_bound(instance, &|a| windows[a].map(|(first, _)| first));
    let bound = matches!(model.objective.first(), Some(Objective::Earliest)).then(|| LevelBound {
        level: 0,
        bound: f64::from(lowest),
        source: BoundSource::OrderFree,
    });
    let mut record = |moves: &Moves| {
        if let Some(shared) = searcher.shared {
            shared.offer(moves, options, bound);
        } else {
            let evaluation = simulate(instance, moves);
            options
                .history
                .record(unproven_plan(instance, &evaluation, options, bound));
        }
    };
    let stage = |stage: &str| {
        if !searcher.second {
            crate::progress::set_stage(stage);
        }
    };
    let mut found = greedy;
    let mut earliest = None;
    if starts >= tuning.local_search_from {
        let limits = local_search_limits(starts, options.deadline, searcher, found.is_some());
        stage("improving the first plan by local search");
        found = crate::improve::improve(instance, found.as_ref(), limits, &mut record).or(found);
        if let Some(plan) = found.take() {
            stage("bringing the met round forward by local search");
            let limits = crate::improve::Limits {
                deadline: options.deadline.share(SOONER_SHARE),
                ..limits
            };
            let brought = sooner::sooner(
                instance,
                plan,
                limits,
                lowest,
                searcher.shared,
                options,
                &mut record,
            );
            found = Some(brought.plan);
            earliest = brought.earliest;
            if let (Some(shared), Some(round)) = (searcher.shared, earliest) {
                shared.prove_earliest(round);
            }
        }
    }
    if let Some(shared) = searcher
        .shared
        .filter(|_| earliest.is_some() && !searcher.second)
    {
        // With the met round proven the earliest, the branch and bound has
        // the later levels left on a program cut to it, and is often the
        // faster way to the cheapest plan there; the second search's
        // neighbourhoods go on beside it.
        tracing::debug!(
            ?earliest,
            "the first search hands its core to the branch and bound"
        );
        return shared.best().or(found);
    }
    if starts >= tuning.neighbourhoods_from {
        if let Some(shared) = searcher.shared {
            found = shared.best().or(found);
        }
        if let Some(plan) = found.take() {
            let limits = lns::Limits {
                solves: if searcher.second {
                    usize::MAX
                } else if options.deadline.is_set() {
                    NEIGHBOURHOODS_IN_TIME
                } else {
                    NEIGHBOURHOODS
                },
                nodes: NODES_PER_NEIGHBOURHOOD,
                size: NEIGHBOURHOOD_SIZE,
                seed: searcher.seed,
                simulations: SOONER_SIMULATIONS,
                earliest,
                deadline: if searcher.second {
                    options.deadline
                } else {
                    options.deadline.share(NEIGHBOURHOOD_SHARE)
                },
            };
            stage("improving the first plan by re-solving parts of it");
            found = Some(lns::search_sharing(
                instance,
                plan,
                options,
                limits,
                &mut record,
                searcher.shared,
            ));
        }
    }
    match searcher.shared {
        Some(shared) => shared.best().or(found),
        None => found,
    }
}

/// The local search's limits on a program of `starts` possible starts
/// under `deadline`, for `searcher`, from a plan (`from_a_plan`) or from
/// nothing. The second search, with no plan to improve yet, has nothing
/// better to do with its core than look for one until the time is up: a
/// plan it shares stands when the branch and bound beside it ends with
/// none (see [`plan`]), and on the large `chains` models the branch and
/// bound finds none of its own in time.
fn local_search_limits(
    starts: usize,
    deadline: Deadline,
    searcher: Searcher,
    from_a_plan: bool,
) -> crate::improve::Limits {
    let simulations = (SIMULATIONS_PER_START * starts as u64).min(MOST_SIMULATIONS);
    let searches_on = searcher.second && !from_a_plan;
    crate::improve::Limits {
        simulations,
        until_valid: if searches_on {
            u64::MAX
        } else {
            UNTIL_VALID * simulations
        },
        seed: searcher.seed,
        deadline: if searches_on {
            deadline
        } else {
            deadline.share(if from_a_plan {
                SEARCH_SHARE
            } else {
                SEARCH_SHARE_WITHOUT_PLAN
            })
        },
    }
}

/// An order-free lower bound on the met round: the latest of the expected
/// moves' earliest completions, each started at `first_start` (its first
/// possible start, `None` if it has none), whatever the order.
fn order_free_bound(
    instance: &Instance,
    first_start: &impl Fn(crate::model::ActionIdx) -> Option<u32>,
) -> u32 {
    let model = instance.model;
    model
        .expectations
        .iter()
        .filter_map(|e| match e.kind {
            crate::model::ExpectationKind::Action(a) => first_start(a)
                .map(|first| crate::presolve::completion(first, model.actions[a].duration)),
            crate::model::ExpectationKind::Meter { .. } => None,
        })
        .max()
        .unwrap_or(0)
}

/// Each action's first possible start (`None` if it has none), as the
/// presolve's windows give it: what the order-free bounds start moves at.
fn first_starts(instance: &Instance) -> impl Fn(crate::model::ActionIdx) -> Option<u32> {
    let windows = crate::presolve::start_windows(instance);
    move |a| windows[a].map(|(first, _)| first)
}

/// The order-free bound, and the gap to it, of an unproven plan the search
/// left no bound on (the stage after the last one it proved stopped
/// before reporting any): on the first level after the proven ones, the
/// implicit tie-break when every listed level is proven.
fn after_the_proven(
    instance: &Instance,
    report: &PlanReport,
    history: &[Improvement],
) -> (Option<PlanBound>, Option<f64>) {
    let objective = &instance.model.objective;
    let proven = history
        .iter()
        .rev()
        .find(|entry| entry.proven)
        .and_then(|entry| entry.levels.last());
    let from = match proven {
        None => 0,
        Some(&"tie-break") => return (None, None),
        Some(name) => objective
            .iter()
            .position(|o| o.name() == *name)
            .map_or(0, |at| at + 1),
    };
    let first_start = first_starts(instance);
    if from < objective.len() {
        let bound = order_free_plan_bound(instance, &report.evaluation, from, first_start);
        let gap = bound
            .as_ref()
            .and_then(|bound| gap_to(instance, &report.moves, &report.evaluation, bound));
        return (bound, gap);
    }
    if instance.relaxable {
        return (None, None);
    }
    // The tie-break sums the moves' start rounds: each move every plan
    // needs starts no earlier than its first possible start.
    let bound: u32 = order_free_needed(instance)
        .iter()
        .filter_map(|&a| first_start(a))
        .sum();
    let bound = PlanBound {
        level: "tie-break",
        value: f64::from(bound),
        source: BoundSource::OrderFree,
    };
    let gap = gap_to(instance, &report.moves, &report.evaluation, &bound);
    (Some(bound), gap)
}

/// The moves every plan that meets each expectation holds whatever its
/// order: each expected move and every move it requires (through
/// `requires` and `not_before`).
fn order_free_needed(instance: &Instance) -> Vec<crate::model::ActionIdx> {
    let model = instance.model;
    let mut needed: Vec<crate::model::ActionIdx> = model
        .expectations
        .iter()
        .filter_map(|e| match e.kind {
            crate::model::ExpectationKind::Action(a) => Some(a),
            crate::model::ExpectationKind::Meter { .. } => None,
        })
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let mut next = 0;
    while next < needed.len() {
        for (b, _) in crate::presolve::binding_precedences(instance, needed[next]) {
            if !needed.contains(&b) {
                needed.push(b);
            }
        }
        next += 1;
    }
    needed
}

/// What every plan that meets each expectation must spend whatever its
/// order: the moves of [`order_free_needed`], once each. Costs are never
/// negative, so their cost is a lower bound on `cheapest`, and their
/// number on `fewest`.
fn order_free_spend(instance: &Instance, objective: &Objective) -> Option<f64> {
    let model = instance.model;
    let needed = order_free_needed(instance);
    match objective {
        Objective::Cheapest => Some(needed.iter().map(|&a| model.actions[a].cost).sum()),
        Objective::Fewest => Some(needed.len() as f64),
        _ => None,
    }
}

/// The order-free bound beside a plan no search has bounded: on the first
/// of the objective levels from `from` on that the plan may not have at
/// its best (or on the last level with such a bound, where the plan meets
/// every one). `earliest` is bounded by [`order_free_bound`] from
/// `first_start`, `cheapest` and `fewest` by [`order_free_spend`];
/// `maximize` has no such bound. `None` in diagnosis, where expectations
/// may be dropped.
fn order_free_plan_bound(
    instance: &Instance,
    evaluation: &Evaluation,
    from: usize,
    first_start: impl Fn(crate::model::ActionIdx) -> Option<u32>,
) -> Option<PlanBound> {
    if instance.relaxable {
        return None;
    }
    let mut bound = None;
    for objective in instance.model.objective.iter().skip(from) {
        let value = match objective {
            Objective::Earliest => f64::from(order_free_bound(instance, &first_start)),
            other => order_free_spend(instance, other)?,
        };
        bound = Some(PlanBound {
            level: objective.name(),
            value,
            source: BoundSource::OrderFree,
        });
        let reached = crate::report::objective_value(objective, evaluation);
        if reached > value + crate::numbers::TOLERANCE * value.abs().max(1.0) {
            break;
        }
    }
    bound
}

/// The order-free bound of a plan the search left unbounded, on its
/// levels from `from` on (see [`order_free_plan_bound`]), each move's first
/// start `first_start`, and the plan's gap to it.
fn unsearched_bound(
    instance: &Instance,
    first_start: impl Fn(crate::model::ActionIdx) -> Option<u32>,
    (moves, evaluation): (&Moves, &Evaluation),
    from: usize,
) -> (Option<PlanBound>, Option<f64>) {
    let bound = order_free_plan_bound(instance, evaluation, from, first_start);
    let gap = bound
        .as_ref()
        .and_then(|bound| gap_to(instance, moves, evaluation, bound));
    (bound, gap)
}

/// The gap of the plan of `moves` on the level `bound` is on (the sum of
/// its start rounds on the implicit tie-break).
fn gap_to(
    instance: &Instance,
    moves: &Moves,
    evaluation: &Evaluation,
    bound: &PlanBound,
) -> Option<f64> {
    let value = if bound.level == "tie-break" {
        f64::from(moves.as_slice().iter().map(|m| m.round).sum::<u32>())
    } else {
        let objective = instance
            .model
            .objective
            .iter()
            .find(|o| o.name() == bound.level)?;
        crate::report::objective_value(objective, evaluation)
    };
    (value > 0.0).then(|| (value - bound.value).max(0.0) / value)
}

/// The program and objective the backend is given first when planning
/// `instance` (the greedy plan's deadlines applied, `earliest` alone on a
/// large program, whole-number levels merged), for `seqplan export`.
/// Requirements no variable can meet become rows no column can meet, so
/// that the file is as infeasible as the program.
pub fn first_stage(instance: &Instance, tuning: &Tuning) -> Exported {
    let greedy = wants_hint(instance, tuning)
        .then(|| crate::greedy::greedy_plan_until(instance, Deadline::NONE))
        .flatten();
    let options = SolveOptions::default().with_tuning(*tuning);
    let greedy = searched(instance, greedy, &options, Searcher::ALONE);
    let (_, mut milp) = program_from(instance, greedy.as_ref(), tuning);
    if splits_earliest(instance, &milp, tuning) {
        milp.levels.truncate(1);
    }
    for origin in std::mem::take(&mut milp.impossible) {
        milp.rows.push(crate::formulate::Row {
            expr: LinExpr::default(),
            sense: Sense::AtLeast,
            rhs: 1.0,
            origin,
        });
    }
    let stages = levels::merge_levels(&milp.levels, &milp);
    let stage = stages.first().map_or(&[][..], Vec::as_slice);
    Exported {
        objective: levels::combine(stage, &milp),
        levels: stage
            .iter()
            .map(|level| {
                level
                    .objective
                    .as_ref()
                    .map_or("tie-break", Objective::name)
            })
            .collect(),
        milp,
    }
}

/// Whether the greedy plan is the solver's first incumbent (and may bring
/// the deadlines forward): it never holds forced moves.
fn wants_hint(instance: &Instance, tuning: &Tuning) -> bool {
    tuning.warm_start && instance.forced.is_empty()
}

/// The program the solve starts from: built from `instance`, or from it
/// with the deadlines brought forward by the greedy plan `first` (see
/// [`bounded_by`]), which is returned too.
fn program_from<'m>(
    instance: &Instance<'m>,
    first: Option<&Moves>,
    tuning: &Tuning,
) -> (Option<Instance<'m>>, Milp) {
    let bounded = first.and_then(|moves| bounded_by(instance, moves, tuning));
    let milp = Milp::build(bounded.as_ref().unwrap_or(instance), tuning);
    (bounded, milp)
}

/// With `earliest` first, a valid greedy plan that meets everything by
/// round R bounds the optimum: no optimal plan meets it later. So every
/// deadline can be brought forward to R, which the presolve turns into
/// narrower windows. `None` if that changes nothing.
fn bounded_by<'m>(
    instance: &Instance<'m>,
    greedy: &Moves,
    tuning: &Tuning,
) -> Option<Instance<'m>> {
    if !earliest_leads(instance, tuning) {
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
fn earliest_leads(instance: &Instance, tuning: &Tuning) -> bool {
    tuning.deadlines
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
fn splits_earliest(instance: &Instance, milp: &Milp, tuning: &Tuning) -> bool {
    milp.starts.iter().map(Vec::len).sum::<usize>() >= tuning.earliest_first_from
        && earliest_leads(instance, tuning)
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
    let tight = Milp::build(&clipped, &options.tuning);
    tracing::debug!(
        met,
        variables = tight.vars.len(),
        constraints = tight.rows.len(),
        "rebuilt the program with every deadline at the met round"
    );
    let from = greedy
        .filter(|moves| better_than(instance, moves, (&report.moves, &report.evaluation)).is_some())
        .unwrap_or(&report.moves);
    let hint =
        warm_start(&clipped, &tight, from).or_else(|| warm_start(&clipped, &tight, &report.moves));
    match solve_milp(instance, &tight, &[], hint, options)? {
        Outcome::Plan(better) => Ok(Outcome::Plan(better)),
        // `earliest` is proven: the next level has at least its
        // order-free bound.
        Outcome::Unknown => {
            let (bound, gap) = unsearched_bound(
                instance,
                milp_first_starts(milp),
                (&report.moves, &report.evaluation),
                1,
            );
            Ok(Outcome::Plan(PlanReport {
                status: Status::Feasible,
                gap,
                bound,
                ..report.clone()
            }))
        }
        Outcome::Infeasible => Err(Error::Internal(format!(
            "no plan meets every expectation by round {met}, which a plan just did"
        ))),
    }
}

/// The simulator's evaluation of `moves` when it is a valid plan that
/// meets everything and is better than `than`: in [`earliest_first`], the
/// plan the later levels' search starts from, rather than one chosen for
/// its met round alone, at whatever cost; in [`keep_the_better`], the
/// plan kept over the backend's.
fn better_than(
    instance: &Instance,
    moves: &Moves,
    than: (&Moves, &Evaluation),
) -> Option<Evaluation> {
    let evaluation = simulate(instance, moves);
    let better = evaluation.violations.is_empty()
        && evaluation.met_round.is_some()
        && crate::improve::compare_valid(instance, (moves, &evaluation), than) == Ordering::Less;
    better.then_some(evaluation)
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

/// When the solver found no plan in time: the plan found before it (the
/// greedy plan, improved on a large model), if it is valid, as a
/// `feasible` answer, beside its order-free bound (see
/// [`order_free_plan_bound`]) and the gap to it.
fn greedy_fallback(instance: &Instance, milp: &Milp, moves: Moves) -> Option<Outcome> {
    fallback_plan(instance, milp_first_starts(milp), moves)
}

/// Each action's first start in `milp`.
fn milp_first_starts(milp: &Milp) -> impl Fn(crate::model::ActionIdx) -> Option<u32> + '_ {
    |a| milp.starts[a].first().map(|&(s, _)| s)
}

/// [`greedy_fallback`] with the order-free bound's moves started at
/// `first_start` (each action's first possible start).
fn fallback_plan(
    instance: &Instance,
    first_start: impl Fn(crate::model::ActionIdx) -> Option<u32>,
    moves: Moves,
) -> Option<Outcome> {
    let evaluation = simulate(instance, &moves);
    let met = evaluation.met_round?;
    let model = instance.model;
    let (bound, gap) = unsearched_bound(instance, first_start, (&moves, &evaluation), 0);
    tracing::info!(
        met,
        bound = ?bound.map(|b| (b.level, b.value)),
        "the solver found no plan in time; using the plan found before it"
    );
    Some(Outcome::Plan(PlanReport {
        status: Status::Feasible,
        objectives: objective_values(model, &evaluation),
        gap,
        moves,
        evaluation,
        solver_failed: false,
        bound,
        history: Vec::new(),
        odds: None,
        reliability: None,
    }))
}

/// Solves a built program level by level, with `extra` rows added and an
/// optional first incumbent, and re-checks the plan with the simulator.
pub(super) fn solve_milp(
    instance: &Instance,
    milp: &Milp,
    extra: &[(LinExpr, Sense, f64)],
    hint: Option<Vec<(VarId, f64)>>,
    options: &SolveOptions,
) -> Result<Outcome, Error> {
    let (moves, status, gap, solver_failed) = match solve_hinted(milp, extra, hint, options)? {
        Program::Solved {
            moves,
            status,
            gap,
            solver_failed,
            ..
        } => (moves, status, gap, solver_failed),
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
        solver_failed,
        bound: None,
        history: Vec::new(),
        odds: None,
        reliability: None,
    }))
}

/// [`solve_milp`] on a small program (a neighbourhood, a probe) with a
/// budget of its own, `(nodes, deadline)`, drawn from the command's: at
/// most `nodes` branch-and-bound nodes, fewer when the command's effort
/// has fewer left, each counted against it and in its history (and
/// returned beside the outcome). Its improvements stay out of the
/// history (its bounds hold for the small program only), and it is
/// handed the backend for small programs.
pub(super) fn solve_small(
    instance: &Instance,
    milp: &Milp,
    hint: Option<Vec<(VarId, f64)>>,
    options: &SolveOptions,
    (nodes, deadline): (u64, Deadline),
) -> (Result<Outcome, Error>, u64) {
    let budget = options.effort.left().map_or(nodes, |left| left.min(nodes));
    let effort = Effort::nodes(budget);
    let small = SolveOptions {
        deadline,
        effort: effort.clone(),
        history: History::silent(),
        solver: options.solver.for_small_programs(),
        tuning: options.tuning,
    };
    let result = solve_milp(instance, milp, &[], hint, &small);
    let used = budget - effort.left().unwrap_or(0);
    options.effort.spend(used);
    options.history.add_work(used);
    (result, used)
}

/// The simulator's evaluation of a solver plan, which must be valid.
pub(super) fn checked(instance: &Instance, moves: &Moves) -> Result<Evaluation, Error> {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::{parse_model, validate, Overrides};
    use crate::tuning::Tuning;

    /// Three moves costing 1, 2 and 3, each possible in rounds 1 to 3, with
    /// every start kept (no presolve).
    pub(super) fn tiny_milp() -> Milp {
        let text = r#"{"seqplan": 1, "name": "t", "horizon": 3, "parties": [{"id": "p"}],
            "meters": [{"id": "m", "initial": 0}],
            "actions": [{"id": "a", "by": "p", "cost": 1}, {"id": "b", "by": "p", "cost": 2},
                        {"id": "c", "by": "p", "cost": 3}],
            "objective": ["cheapest"]}"#;
        let model = validate(&parse_model(text, "t").unwrap(), "t")
            .unwrap()
            .model;
        Milp::build(
            &Instance::new(&model, &Overrides::default()).unwrap(),
            &Tuning::NONE,
        )
    }

    /// The later levels start from the plan found before the branch and
    /// bound when it is valid and better than the one the first level
    /// gave, and from that one otherwise.
    #[test]
    fn the_later_levels_start_from_the_better_plan() {
        let text = r#"{"seqplan": 1, "name": "t", "horizon": 4, "parties": [{"id": "p"}],
            "actions": [{"id": "a", "by": "p", "cost": 1}, {"id": "b", "by": "p", "cost": 5},
                        {"id": "c", "by": "p", "cost": 1, "requires": [{"action": "a"}]}],
            "expectations": [{"id": "e", "action": "a", "by": 4}],
            "objective": ["earliest", "cheapest"]}"#;
        let model = validate(&parse_model(text, "t").unwrap(), "t")
            .unwrap()
            .model;
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let plan = |moves: &[(u32, usize)]| {
            Moves::new(
                moves
                    .iter()
                    .map(|&(round, action)| Move { round, action })
                    .collect(),
            )
        };
        let lean = plan(&[(1, 0)]);
        let padded = plan(&[(1, 0), (1, 1)]);
        let broken = plan(&[(1, 2)]);
        let padded_evaluation = simulate(&instance, &padded);
        assert!(padded_evaluation.is_valid());
        assert!(better_than(&instance, &lean, (&padded, &padded_evaluation)).is_some());
        assert!(better_than(&instance, &padded, (&padded, &padded_evaluation)).is_none());
        assert!(!simulate(&instance, &broken).is_valid());
        assert!(better_than(&instance, &broken, (&padded, &padded_evaluation)).is_none());
    }

    /// The second search, from nothing, looks for a first plan until the
    /// time is up, past the simulations the first search may take; from a
    /// plan, or as the first search, a search takes its share of the time
    /// and its budget.
    #[test]
    fn the_second_search_looks_for_a_first_plan_until_the_time_is_up() {
        let deadline = Deadline::after(Some(std::time::Duration::from_secs(100)));
        let second = Searcher {
            seed: second_search::SEED,
            shared: None,
            second: true,
        };
        let seconds_left =
            |limits: crate::improve::Limits| limits.deadline.left().map(|left| left.as_secs_f64());
        let starts = 10_000;
        let looking = local_search_limits(starts, deadline, second, false);
        assert!(seconds_left(looking).is_some_and(|left| left > 90.0));
        assert_eq!(looking.until_valid, u64::MAX);
        assert_eq!(looking.seed, second_search::SEED);
        let first = local_search_limits(starts, deadline, Searcher::ALONE, false);
        assert!(seconds_left(first).is_some_and(|left| left < 55.0));
        assert_eq!(first.until_valid, UNTIL_VALID * first.simulations);
        let improving = local_search_limits(starts, deadline, second, true);
        assert!(seconds_left(improving).is_some_and(|left| left < 30.0));
        assert_eq!(improving.until_valid, UNTIL_VALID * improving.simulations);
    }

    /// The order-free bound stands on the first level the plan may not
    /// have at its best: `earliest` when the plan is late, `cheapest` (the
    /// expected move and what it requires, once each) when it is not.
    #[test]
    fn the_order_free_bound_stands_on_the_first_open_level() {
        let model = needs_a_then_b();
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let windows = crate::presolve::start_windows(&instance);
        let first = |a: usize| windows[a].map(|(s, _)| s);
        let bound_of = |moves: &[(usize, u32)]| {
            let moves = Moves::new(
                moves
                    .iter()
                    .map(|&(action, round)| Move { round, action })
                    .collect(),
            );
            let evaluation = simulate(&instance, &moves);
            assert!(evaluation.is_valid());
            let bound = order_free_plan_bound(&instance, &evaluation, 0, first).unwrap();
            let gap = gap_to(&instance, &moves, &evaluation, &bound).unwrap();
            (bound.level, bound.value, (gap * 100.0).round())
        };
        assert_eq!(bound_of(&[(0, 1), (1, 2)]), ("cheapest", 5.0, 0.0));
        assert_eq!(bound_of(&[(0, 1), (1, 2), (2, 1)]), ("cheapest", 5.0, 44.0));
        assert_eq!(bound_of(&[(0, 1), (1, 4)]), ("earliest", 2.0, 50.0));
        let evaluation = simulate(&instance, &Moves::new(vec![]));
        let from_cheapest = order_free_plan_bound(&instance, &evaluation, 1, first);
        assert_eq!(
            from_cheapest.map(|b| (b.level, b.value)),
            Some(("cheapest", 5.0))
        );
    }

    /// The model of the order-free tests: `b` expected, `b` requiring
    /// `a` (so first possible in rounds 1 and 2), `c` never needed.
    fn needs_a_then_b() -> crate::model::Model {
        let text = r#"{"seqplan": 1, "name": "t", "horizon": 6, "parties": [{"id": "p"}],
            "actions": [{"id": "a", "by": "p", "cost": 2}, {"id": "b", "by": "p", "cost": 3,
                         "requires": ["a"]}, {"id": "c", "by": "p", "cost": 4}],
            "expectations": [{"id": "e", "action": "b"}],
            "objective": ["earliest", "cheapest"]}"#;
        validate(&parse_model(text, "t").unwrap(), "t")
            .unwrap()
            .model
    }

    /// An unproven report of the plan of `moves` (action, round).
    fn unproven(instance: &Instance, moves: &[(usize, u32)]) -> PlanReport {
        let moves = Moves::new(
            moves
                .iter()
                .map(|&(action, round)| Move { round, action })
                .collect(),
        );
        let evaluation = simulate(instance, &moves);
        assert!(evaluation.is_valid());
        PlanReport {
            status: Status::Feasible,
            objectives: objective_values(instance.model, &evaluation),
            gap: None,
            moves,
            evaluation,
            solver_failed: false,
            bound: None,
            history: Vec::new(),
            odds: None,
            reliability: None,
        }
    }

    /// `report` as [`finish`] leaves it after the stages of `history`.
    fn finished_after(
        instance: &Instance,
        history: Vec<Improvement>,
        report: PlanReport,
    ) -> PlanReport {
        let options = SolveOptions::default();
        for entry in history {
            options.history.record(entry);
        }
        let Ok(Outcome::Plan(report)) =
            finish(instance, &options, 0, Ok(Outcome::Plan(report)), None)
        else {
            panic!("no plan");
        };
        report
    }

    fn proven(levels: &[&'static str]) -> Improvement {
        Improvement {
            work: 0,
            levels: levels.to_vec(),
            values: vec![0.0; levels.len()],
            proven: true,
            bound: None,
        }
    }

    /// A plan left unbounded after proven stages is bounded on the level
    /// after them: `cheapest` after `earliest`, the tie-break (the needed
    /// moves' first starts, 1 + 2) after both, `earliest` with none.
    #[test]
    fn an_unbounded_plan_is_bounded_after_its_proven_levels() {
        let model = needs_a_then_b();
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let report = unproven(&instance, &[(0, 1), (1, 2), (2, 1)]);
        let bound_after = |history: &[Improvement]| {
            let (bound, gap) = after_the_proven(&instance, &report, history);
            let bound = bound.unwrap();
            (bound.level, bound.value, (gap.unwrap() * 100.0).round())
        };
        assert_eq!(bound_after(&[]), ("cheapest", 5.0, 44.0));
        assert_eq!(
            bound_after(&[proven(&["earliest"])]),
            ("cheapest", 5.0, 44.0)
        );
        assert_eq!(
            bound_after(&[proven(&["earliest"]), proven(&["cheapest"])]),
            ("tie-break", 3.0, 25.0)
        );
        assert_eq!(
            after_the_proven(&instance, &report, &[proven(&["tie-break"])]).0,
            None
        );
        let late = unproven(&instance, &[(0, 1), (1, 4)]);
        let (bound, _) = after_the_proven(&instance, &late, &[]);
        assert_eq!(bound.map(|b| (b.level, b.value)), Some(("earliest", 2.0)));
    }

    /// An unproven plan worse than the one found before the backend ran
    /// gives way to it, beside the same bound and a history ending at it;
    /// a better or equal one stays.
    #[test]
    fn the_plan_found_first_replaces_a_worse_unproven_one() {
        let model = needs_a_then_b();
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let options = SolveOptions::default();
        let search = PlanBound {
            level: "cheapest",
            value: 5.0,
            source: BoundSource::Search,
        };
        let mut report = PlanReport {
            bound: Some(search),
            ..unproven(&instance, &[(0, 1), (1, 2), (2, 1)])
        };
        let better = unproven(&instance, &[(0, 1), (1, 2)]).moves;
        keep_the_better(&instance, &mut report, better.clone(), &options);
        assert_eq!(report.moves, better);
        assert_eq!(report.status, Status::Feasible);
        assert_eq!(report.bound, Some(search));
        assert_eq!(report.gap, Some(0.0));
        let last = options.history.since(0).pop().unwrap();
        assert_eq!(
            (last.levels, last.values),
            (vec!["earliest", "cheapest"], vec![2.0, 5.0])
        );
        assert_eq!(last.bound.map(|b| (b.level, b.bound)), Some((1, 5.0)));

        let worse = unproven(&instance, &[(0, 1), (1, 3)]).moves;
        keep_the_better(&instance, &mut report, worse, &options);
        assert_eq!(report.moves, better);
        assert_eq!(options.history.len(), 1);
    }

    /// A stage's bound on a level an earlier stage proved at the plan's
    /// value (the root bound of the stage after a proven `earliest`) gives
    /// way to the bound on the next level; on a level proven at another
    /// value, or on one not proven, it stands.
    #[test]
    fn a_bound_on_a_proven_level_gives_way_to_the_next_level() {
        let model = needs_a_then_b();
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let weak = PlanBound {
            level: "earliest",
            value: 1.0,
            source: BoundSource::Search,
        };
        let finished = |history: Vec<Improvement>| {
            let report = PlanReport {
                bound: Some(weak),
                gap: Some(0.5),
                ..unproven(&instance, &[(0, 1), (1, 2), (2, 1)])
            };
            let report = finished_after(&instance, history, report);
            let bound = report.bound.unwrap();
            (
                bound.level,
                bound.value,
                (report.gap.unwrap() * 100.0).round(),
            )
        };
        let at = |value: f64| Improvement {
            values: vec![value],
            ..proven(&["earliest"])
        };
        assert_eq!(finished(vec![at(2.0)]), ("cheapest", 5.0, 44.0));
        assert_eq!(finished(vec![at(3.0)]), ("earliest", 1.0, 50.0));
        assert_eq!(finished(Vec::new()), ("earliest", 1.0, 50.0));
    }

    /// A weak bound on the first level (the order-free bound beside a plan
    /// kept from the searches) is raised to the best the history holds:
    /// a stage's bound on that level, or its incumbent's value there when
    /// its bound is on a later level (the bound then moves on, as the plan
    /// reaches it). A bound past the plan's value is no bound of this
    /// program and is left alone.
    #[test]
    fn the_bound_on_the_first_level_is_the_best_the_history_holds() {
        let model = needs_a_then_b();
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let finished = |history: Vec<Improvement>| {
            let report = PlanReport {
                bound: Some(PlanBound {
                    level: "earliest",
                    value: 1.0,
                    source: BoundSource::OrderFree,
                }),
                gap: Some(0.75),
                ..unproven(&instance, &[(0, 1), (1, 4)])
            };
            let report = finished_after(&instance, history, report);
            let bound = report.bound.unwrap();
            (
                bound.level,
                bound.value,
                bound.source,
                (report.gap.unwrap() * 100.0).round(),
            )
        };
        let bounded =
            |levels: &[&'static str], values: Vec<f64>, level: usize, bound: f64| Improvement {
                work: 0,
                levels: levels.to_vec(),
                values,
                proven: false,
                bound: Some(LevelBound {
                    level,
                    bound,
                    source: BoundSource::Search,
                }),
            };
        let on_earliest = |bound: f64| bounded(&["earliest"], vec![4.0], 0, bound);
        assert_eq!(
            finished(vec![on_earliest(2.0), on_earliest(3.0)]),
            ("earliest", 3.0, BoundSource::Search, 25.0)
        );
        let on_cost = bounded(&["earliest", "cheapest"], vec![4.0, 5.0], 1, 5.0);
        assert_eq!(
            finished(vec![on_earliest(2.0), on_cost]),
            ("cheapest", 5.0, BoundSource::OrderFree, 0.0)
        );
        assert_eq!(
            finished(vec![on_earliest(6.0)]),
            ("earliest", 1.0, BoundSource::OrderFree, 75.0)
        );
    }

    /// A better plan that reaches the branch and bound's bound on its
    /// level (found beside it, by the second search) is stated against the
    /// order-free bound on the next level, the first it leaves open.
    #[test]
    fn a_kept_plan_that_reaches_the_bound_is_bounded_on_the_next_level() {
        let model = needs_a_then_b();
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let options = SolveOptions::default();
        let on_earliest = PlanBound {
            level: "earliest",
            value: 2.0,
            source: BoundSource::Search,
        };
        let mut report = PlanReport {
            bound: Some(on_earliest),
            ..unproven(&instance, &[(0, 1), (1, 4)])
        };
        let on_time = unproven(&instance, &[(0, 1), (1, 2), (2, 1)]).moves;
        keep_the_better(&instance, &mut report, on_time.clone(), &options);
        assert_eq!(report.moves, on_time);
        let bound = report.bound.unwrap();
        assert_eq!(
            (bound.level, bound.value, bound.source),
            ("cheapest", 5.0, BoundSource::OrderFree)
        );
        assert_eq!(report.gap.map(|g| (g * 100.0).round()), Some(44.0));
        let late = PlanReport {
            bound: Some(PlanBound {
                value: 1.0,
                ..on_earliest
            }),
            ..unproven(&instance, &[(0, 1), (1, 4)])
        };
        let mut report = late;
        keep_the_better(&instance, &mut report, on_time, &options);
        assert_eq!(
            report.bound.map(|b| (b.level, b.value)),
            Some(("earliest", 1.0))
        );
    }
}
