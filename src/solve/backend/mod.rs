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
#[cfg(any(feature = "cbc", feature = "highs"))]
mod via_good_lp;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use super::{Deadline, Effort, History, SolveOptions};
use crate::formulate::{Level, LinExpr, Milp, Sense, VarId, VarKind};
#[cfg(any(feature = "cbc", feature = "highs"))]
use via_good_lp::Backend;

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

    /// The backend a neighbourhood's small program is handed: this one,
    /// but microlp in place of CBC, whose Clp aborts the whole process on
    /// some of them (the assertion `lowerValue <= upperValue` in
    /// `ClpNonLinearCost`, on `budgets` 120x36 seed 3), where no error
    /// can be caught.
    #[must_use]
    pub fn for_small_programs(self) -> Solver {
        match self {
            #[cfg(feature = "cbc")]
            Solver::Cbc => Solver::Microlp,
            other => other,
        }
    }
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

/// What the search reports as it goes: the incumbent's values and how far
/// its objective may be from the best bound.
pub(super) type Progress<'a> = &'a dyn Fn(&[f64], Option<f64>);

/// Where a level's search starts.
#[derive(Debug, Clone, Copy)]
pub(super) enum Start<'a> {
    /// Nowhere in particular.
    None,
    /// Values of some variables that may form a plan (the greedy plan's).
    Hint(&'a [(VarId, f64)]),
    /// Every variable's value in the plan of an earlier level, which meets
    /// every row and fixing: a level with it cannot be infeasible, and a
    /// backend that says so has failed.
    Feasible(&'a [(VarId, f64)]),
}

impl<'a> Start<'a> {
    fn values(self) -> Option<&'a [(VarId, f64)]> {
        match self {
            Start::None => None,
            Start::Hint(values) | Start::Feasible(values) => Some(values),
        }
    }
}

/// `job` (a solve, or its first part) on a thread of its own, waited for
/// until `deadline`: for a backend that does not watch its clock in every
/// phase (microlp's presolve, HiGHS's root), so that the command still
/// stops at its limit. When the deadline comes first the thread is left
/// behind, to end at the backend's own time limit, and the answer is that
/// the time ran out; a job that panicked is the backend's failure.
pub(super) fn until_deadline<T: Send + 'static>(
    name: &str,
    deadline: Deadline,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, LevelResult> {
    let (answer, answered) = std::sync::mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(name.into())
        .stack_size(8 << 20)
        .spawn(move || {
            // The receiver may have gone: nothing is waiting for the answer.
            let _ = answer.send(job());
        });
    if worker.is_err() {
        return Err(LevelResult::Failed(
            "could not start the solver's thread".into(),
        ));
    }
    loop {
        // Looked at every 20 ms, so that a cancelled command (a client of
        // `seqplan serve` gone) stops waiting too.
        let wait = deadline
            .left()
            .unwrap_or(Duration::from_millis(20))
            .min(Duration::from_millis(20));
        match answered.recv_timeout(wait) {
            Ok(outcome) => return Ok(outcome),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(LevelResult::Failed("the MILP backend panicked".into()))
            }
            Err(RecvTimeoutError::Timeout) if deadline.passed() => {
                tracing::debug!(
                    solver = name,
                    "the time ran out; the solver's thread is left behind"
                );
                return Err(LevelResult::TimedOut);
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

/// Solves one level with the options' solver: the best plan under `level`
/// among those meeting the rows and `fixed`, from `start`, within the
/// options' limits, telling `progress` of each incumbent and bound.
pub(super) fn solve_level(
    options: &SolveOptions,
    milp: &Milp,
    level: &Level,
    fixed: &[(LinExpr, Sense, f64)],
    start: Start,
    progress: Progress,
) -> LevelResult {
    let solver = options.solver;
    let (solve, forms): (fn(&Task) -> LevelResult, Forms) = match solver {
        Solver::Microlp => (
            microlp::solve,
            Forms {
                takes_start: microlp::TAKES_START,
                doubts_presolved_infeasibility: false,
            },
        ),
        #[cfg(feature = "cbc")]
        Solver::Cbc => (cbc::solve_alone, Forms::of::<cbc::Cbc>()),
        #[cfg(feature = "highs")]
        Solver::Highs => (
            via_good_lp::solve_with::<highs::Highs>,
            Forms::of::<highs::Highs>(),
        ),
    };
    let task = Task {
        milp,
        level,
        fixed,
        warm_start: start.values().map(<[_]>::to_vec),
        start_is_feasible: matches!(start, Start::Feasible(_)),
        deadline: options.deadline,
        effort: options.effort.clone(),
        history: options.history.clone(),
        progress,
        perturbation: Perturbation::AsBuilt,
    };
    solve_in_turn(solve, forms, solver.name(), &task)
}

/// What of a backend decides the forms a level is tried in.
#[derive(Debug, Clone, Copy)]
struct Forms {
    /// Whether it takes a first incumbent (so a form without it differs).
    takes_start: bool,
    /// Whether its presolve's infeasibility proofs need confirming
    /// without presolve.
    doubts_presolved_infeasibility: bool,
}

impl Forms {
    #[cfg(any(feature = "cbc", feature = "highs"))]
    fn of<B: Backend>() -> Self {
        Forms {
            takes_start: B::TAKES_START,
            doubts_presolved_infeasibility: B::DOUBTS_PRESOLVED_INFEASIBILITY,
        }
    }
}

/// `task` solved by `solve` in its equivalent forms in turn, until one
/// does not fail numerically (or the time runs out): the first answer
/// that is not a failure, or else the failure. A level proved infeasible
/// though its start is a plan ([`Start::Feasible`]) is such a failure.
fn solve_in_turn(
    solve: impl Fn(&Task) -> LevelResult,
    forms: Forms,
    solver: &str,
    task: &Task,
) -> LevelResult {
    // The form without the start only where there is a start to leave out.
    let has_start = task.warm_start.is_some() && forms.takes_start;
    let in_turn = Perturbation::IN_TURN
        .into_iter()
        .filter(|&form| has_start || form != Perturbation::RowsReversedNoStart);
    let deadline = task.deadline;
    let mut failure: Option<LevelResult> = None;
    for perturbation in in_turn {
        let result = match solve(&Task {
            perturbation,
            ..task.clone()
        }) {
            LevelResult::Infeasible if task.start_is_feasible => LevelResult::Failed(
                "the backend proved a level infeasible although the plan of the level \
                 before meets it"
                    .into(),
            ),
            LevelResult::Infeasible
                if forms.doubts_presolved_infeasibility
                    && perturbation != Perturbation::NoPresolve =>
            {
                solve(&Task {
                    perturbation: Perturbation::NoPresolve,
                    ..task.clone()
                })
            }
            LevelResult::Solved { values, .. } if task.breach(&values).is_some() => {
                let (what, by) = task.breach(&values).unwrap_or_default();
                LevelResult::Failed(format!(
                    "the backend's answer breaks its own program: {what} by {by:.1e}"
                ))
            }
            result => result,
        };
        match (&result, &failure) {
            (LevelResult::Failed(message), _) => {
                if failure.is_none() {
                    NUMERICAL.failures.fetch_add(1, Ordering::Relaxed);
                }
                tracing::debug!(
                    solver,
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
/// fails numerically (a singular basis, or a level proved infeasible that
/// has a plan): each changes the order in which the simplex meets the
/// rows, where the search starts, or whether the backend's presolve
/// rewrites the program first, and not the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perturbation {
    /// The program as built.
    AsBuilt,
    /// The rows handed over last first.
    RowsReversed,
    /// The rows reversed and no first incumbent.
    RowsReversedNoStart,
    /// The program as built, without the backend's presolve (HiGHS 1.16's
    /// proves some small feasible programs infeasible).
    NoPresolve,
}

impl Perturbation {
    const IN_TURN: [Perturbation; 4] = [
        Perturbation::AsBuilt,
        Perturbation::RowsReversed,
        Perturbation::RowsReversedNoStart,
        Perturbation::NoPresolve,
    ];
}

/// How far a backend's answer may be off a row, a bound or a whole number
/// (relative to the right-hand side beyond 1): far above the backends'
/// own tolerances (1e-6 and below), far below anything a plan turns on.
const ANSWER_TOLERANCE: f64 = 1e-5;

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

/// The time a backend may take on a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeBudget {
    Unlimited,
    Limit(Duration),
    /// None is left (or no work): the level is not started.
    Spent,
}

/// One level to solve.
#[derive(Clone)]
struct Task<'a> {
    milp: &'a Milp,
    level: &'a Level,
    fixed: &'a [(LinExpr, Sense, f64)],
    warm_start: Option<Vec<(VarId, f64)>>,
    /// The start is a plan meeting every row and fixing ([`Start::Feasible`]).
    start_is_feasible: bool,
    deadline: Deadline,
    /// Counted by microlp only (the command line offers `--effort` with it
    /// alone); a spent budget stops every backend before the level.
    effort: Effort,
    /// Where the work is counted (by microlp).
    history: History,
    /// Told of each incumbent and bound (by microlp, as it searches).
    progress: Progress<'a>,
    perturbation: Perturbation,
}

impl Task<'_> {
    /// The rows and the fixings, in the order this form hands them over.
    fn rows(&self) -> Vec<(&LinExpr, Sense, f64)> {
        let mut rows: Vec<(&LinExpr, Sense, f64)> = self
            .milp
            .rows
            .iter()
            .map(|r| (&r.expr, r.sense, r.rhs))
            .chain(self.fixed.iter().map(|(e, s, r)| (e, *s, *r)))
            .collect();
        if matches!(
            self.perturbation,
            Perturbation::RowsReversed | Perturbation::RowsReversedNoStart
        ) {
            rows.reverse();
        }
        rows
    }

    /// The first row, fixing, bound or integrality that `values` breaks
    /// by more than [`ANSWER_TOLERANCE`], and by how much: a backend's
    /// answer must meet its own program (CBC 2.10 has returned a plan with
    /// a meter half a unit off its defining equation).
    fn breach(&self, values: &[f64]) -> Option<(String, f64)> {
        for (def, &x) in self.milp.vars.iter().zip(values) {
            let off = (def.lower - x).max(x - def.upper).max(0.0);
            let fraction = if def.kind == VarKind::Continuous {
                0.0
            } else {
                (x - x.round()).abs()
            };
            let by = off.max(fraction);
            if by > ANSWER_TOLERANCE || !x.is_finite() {
                return Some((def.name.clone(), by));
            }
        }
        let rows = self
            .milp
            .rows
            .iter()
            .map(|r| (&r.expr, r.sense, r.rhs, r.origin.name()));
        let fixings = self
            .fixed
            .iter()
            .map(|(e, s, r)| (e, *s, *r, "a fixed level".to_owned()));
        for (expr, sense, rhs, name) in rows.chain(fixings) {
            let lhs = expr.eval(values);
            let by = match sense {
                Sense::AtMost => lhs - rhs,
                Sense::AtLeast => rhs - lhs,
                Sense::Equal => (lhs - rhs).abs(),
            };
            if by > ANSWER_TOLERANCE * rhs.abs().max(1.0) {
                return Some((name, by));
            }
        }
        None
    }

    /// Whether the backend may presolve the program in this form.
    fn presolve(&self) -> bool {
        self.perturbation != Perturbation::NoPresolve
    }

    /// The first incumbent, unless this form leaves it out.
    fn start(&self) -> Option<&[(VarId, f64)]> {
        self.warm_start
            .as_deref()
            .filter(|_| self.perturbation != Perturbation::RowsReversedNoStart)
    }

    /// The time the backend may take. Building the program took time of
    /// its own, which counts against the limit; and the backend looks at
    /// its clock between nodes, where one node of a large program can take
    /// a second, so it gets a twentieth less (at most 2 s less), and the
    /// whole command ends within the limit.
    fn time_budget(&self) -> TimeBudget {
        if self.deadline.passed() || self.effort.spent() {
            return TimeBudget::Spent;
        }
        match self.deadline.left() {
            None => TimeBudget::Unlimited,
            Some(left) if left.is_zero() => TimeBudget::Spent,
            Some(left) => {
                let margin = (left / 20).min(Duration::from_secs(2));
                TimeBudget::Limit(left.saturating_sub(margin))
            }
        }
    }
}

/// How to stop the search on a level whose values are a step apart (whole
/// numbers, or multiples of a common divisor): as soon as no open branch
/// can reach a value one step better than the incumbent, which proves it
/// optimal. For a backend that stops only on a gap relative to its
/// objective (microlp): a constant `offset` added to the objective
/// (through a variable fixed at one) makes that relative `gap` stand for an
/// absolute gap just under one step wherever the objective lies.
pub(super) struct WholeStop {
    offset: f64,
    gap: f64,
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
    let gap = 0.99 * step / (offset + reach);
    (offset >= 2.0 * reach + step && gap > 0.0).then_some(WholeStop { offset, gap })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::tests::tiny_milp;
    use std::cell::RefCell;

    /// A backend's forms, taking a first incumbent or not, trusting its
    /// presolve's infeasibility proofs.
    fn forms(takes_start: bool) -> Forms {
        Forms {
            takes_start,
            doubts_presolved_infeasibility: false,
        }
    }

    /// A job still running at the deadline is not waited for: the answer
    /// is that the time ran out (the job would have answered 1). One that
    /// ends in time gives its answer, and one that panics is a failure.
    #[test]
    fn a_job_is_waited_for_until_the_deadline_only() {
        let soon = Deadline::after(Some(Duration::from_millis(10)));
        let slow = until_deadline("slow", soon, || {
            std::thread::sleep(Duration::from_secs(3));
            1
        });
        assert!(matches!(slow, Err(LevelResult::TimedOut)));
        let later = Deadline::after(Some(Duration::from_secs(600)));
        assert!(matches!(until_deadline("quick", later, || 2), Ok(2)));
        let panicked = until_deadline("panics", later, || -> u8 { panic!("a backend's bug") });
        assert!(matches!(panicked, Err(LevelResult::Failed(_))));
    }

    /// A backend that fails numerically on the forms in `failing` and
    /// proves the others infeasible, noting each form it is handed.
    fn scripted<'a>(
        failing: &'a [Perturbation],
        seen: &'a RefCell<Vec<Perturbation>>,
    ) -> impl Fn(&Task) -> LevelResult + 'a {
        move |task| {
            seen.borrow_mut().push(task.perturbation);
            if failing.contains(&task.perturbation) {
                LevelResult::Failed("Singular matrix".into())
            } else {
                LevelResult::Infeasible
            }
        }
    }

    /// The forms a level is tried in, failing on `failing`, with or
    /// without a start and a backend that takes one; and whether the
    /// answer was the failure.
    fn forms_tried(
        failing: &[Perturbation],
        with_start: bool,
        takes_start: bool,
    ) -> (Vec<Perturbation>, bool) {
        let milp = tiny_milp();
        let seen = RefCell::new(Vec::new());
        let task = Task {
            milp: &milp,
            level: &milp.levels[0],
            fixed: &[],
            warm_start: with_start.then(|| vec![(0, 1.0)]),
            start_is_feasible: false,
            deadline: Deadline::NONE,
            effort: Effort::UNLIMITED,
            history: History::default(),
            progress: &|_, _| {},
            perturbation: Perturbation::AsBuilt,
        };
        let result = solve_in_turn(
            scripted(failing, &seen),
            forms(takes_start),
            "scripted",
            &task,
        );
        (seen.into_inner(), matches!(result, LevelResult::Failed(_)))
    }

    /// A failure is retried in the next form, and the first form that
    /// does not fail gives the answer; the form without the start is
    /// tried only where there is a start to leave out.
    #[test]
    fn a_numerical_failure_is_retried_in_the_next_form() {
        use Perturbation::{AsBuilt, NoPresolve, RowsReversed, RowsReversedNoStart};
        let (before, _) = numerical_failures();
        assert_eq!(forms_tried(&[], true, true), (vec![AsBuilt], false));
        assert_eq!(
            forms_tried(&[AsBuilt], true, true),
            (vec![AsBuilt, RowsReversed], false)
        );
        assert_eq!(
            forms_tried(&[AsBuilt, RowsReversed], true, true),
            (vec![AsBuilt, RowsReversed, RowsReversedNoStart], false)
        );
        assert_eq!(
            forms_tried(&[AsBuilt, RowsReversed, RowsReversedNoStart], true, true),
            (
                vec![AsBuilt, RowsReversed, RowsReversedNoStart, NoPresolve],
                false
            )
        );
        let every = Perturbation::IN_TURN;
        assert_eq!(forms_tried(&every, true, true), (every.to_vec(), true));
        assert_eq!(
            forms_tried(&every, false, true),
            (vec![AsBuilt, RowsReversed, NoPresolve], true)
        );
        assert_eq!(
            forms_tried(&every, true, false),
            (vec![AsBuilt, RowsReversed, NoPresolve], true)
        );
        // Six levels failed at first (other tests may add their own).
        assert!(numerical_failures().0 >= before + 6);
    }

    /// A level proved infeasible though its start is a plan is a failure,
    /// retried in every form; proved infeasible from any other start, it is
    /// the answer.
    #[test]
    fn infeasible_from_a_feasible_start_is_a_failure() {
        let milp = tiny_milp();
        let seen = RefCell::new(Vec::new());
        let task = |start_is_feasible| Task {
            milp: &milp,
            level: &milp.levels[0],
            fixed: &[],
            warm_start: Some(vec![(0, 1.0)]),
            start_is_feasible,
            deadline: Deadline::NONE,
            effort: Effort::UNLIMITED,
            history: History::default(),
            progress: &|_, _| {},
            perturbation: Perturbation::AsBuilt,
        };
        let result = solve_in_turn(scripted(&[], &seen), forms(true), "scripted", &task(true));
        assert!(matches!(result, LevelResult::Failed(_)));
        assert_eq!(seen.borrow().as_slice(), Perturbation::IN_TURN);
        seen.borrow_mut().clear();
        let result = solve_in_turn(scripted(&[], &seen), forms(true), "scripted", &task(false));
        assert!(matches!(result, LevelResult::Infeasible));
        assert_eq!(seen.borrow().as_slice(), [Perturbation::AsBuilt]);
    }

    /// An answer that breaks its own program (a row, a bound, a whole
    /// number) is a failure, retried in the next form; the first that
    /// meets it is the answer.
    #[test]
    fn an_answer_that_breaks_its_program_is_a_failure() {
        let milp = tiny_milp();
        // a, b and c each start at most once (uses 1) in rounds 1 to 3.
        let a = &milp.starts[0];
        let task = Task {
            milp: &milp,
            level: &milp.levels[0],
            fixed: &[],
            warm_start: None,
            start_is_feasible: false,
            deadline: Deadline::NONE,
            effort: Effort::UNLIMITED,
            history: History::default(),
            progress: &|_, _| {},
            perturbation: Perturbation::AsBuilt,
        };
        let mut values = vec![0.0; milp.vars.len()];
        assert_eq!(task.breach(&values), None);
        values[a[0].1] = 1.0;
        assert_eq!(task.breach(&values), None);
        values[a[1].1] = 1.0;
        let (row, by) = task.breach(&values).expect("a used twice");
        assert!(row.contains("actions[0]"), "{row}");
        assert!((by - 1.0).abs() < 1e-12, "{by}");
        values[a[1].1] = 0.3;
        assert!(task.breach(&values).is_some(), "a fraction of a start");
        values[a[1].1] = 1e-7;
        assert_eq!(task.breach(&values), None, "within the tolerance");

        let broken = values
            .iter()
            .enumerate()
            .map(|(v, _)| f64::from(u8::from(a.iter().any(|&(_, x)| x == v))))
            .collect::<Vec<_>>();
        let seen = RefCell::new(Vec::new());
        let backend = |task: &Task| {
            seen.borrow_mut().push(task.perturbation);
            let values = if task.perturbation == Perturbation::AsBuilt {
                broken.clone()
            } else {
                vec![0.0; milp.vars.len()]
            };
            LevelResult::Solved {
                values,
                proven: true,
                slack: None,
            }
        };
        let result = solve_in_turn(backend, forms(false), "scripted", &task);
        assert!(
            matches!(result, LevelResult::Solved { ref values, .. } if values.iter().all(|&x| x == 0.0))
        );
        assert_eq!(
            seen.into_inner(),
            vec![Perturbation::AsBuilt, Perturbation::RowsReversed]
        );
    }

    /// The reversed forms hand the rows, fixings last, over in the
    /// opposite order, one has no start, and the last form is the program
    /// as built without the backend's presolve.
    #[test]
    fn the_forms_reorder_the_rows_and_leave_out_the_start() {
        let milp = tiny_milp();
        let fixing = (LinExpr::var(0), Sense::AtMost, 0.5);
        let task = |perturbation| Task {
            milp: &milp,
            level: &milp.levels[0],
            fixed: std::slice::from_ref(&fixing),
            warm_start: Some(vec![(0, 1.0)]),
            start_is_feasible: false,
            deadline: Deadline::NONE,
            effort: Effort::UNLIMITED,
            history: History::default(),
            progress: &|_, _| {},
            perturbation,
        };
        let as_built = task(Perturbation::AsBuilt);
        let reversed = task(Perturbation::RowsReversed);
        let mut rows = as_built.rows();
        assert_eq!(rows.len(), milp.rows.len() + 1);
        assert_eq!(rows.last(), Some(&(&fixing.0, fixing.1, fixing.2)));
        rows.reverse();
        assert_eq!(reversed.rows(), rows);
        assert!(reversed.start().is_some());
        assert!(task(Perturbation::RowsReversedNoStart).start().is_none());
        let unpresolved = task(Perturbation::NoPresolve);
        rows.reverse();
        assert_eq!(unpresolved.rows(), rows);
        assert!(unpresolved.start().is_some());
        assert!(!unpresolved.presolve() && as_built.presolve() && reversed.presolve());
    }

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
            let widest = stop.gap * (stop.offset + coef);
            assert!(widest < step, "{coef} {step}: {widest}");
            assert!(1e-9 * (stop.offset + coef) <= 0.1 * step, "{coef} {step}");
        }
        assert!(whole_objective(&milp, &level(1e9, 1.0)).is_none());
        assert!(whole_objective(&milp, &level(1e6, 0.001)).is_none());
    }
}
