//! Why no plan exists, and what it would take: minimal sets of model
//! elements that cannot hold together (a deletion filter over the named
//! row groups of the relaxable program), the least change to each member
//! that restores a plan (elastic programs for levels and caps, searches for
//! rounds and limits), the plan under the smallest change, the plan that
//! meets as many expectations as possible, and order-free bounds. On a
//! feasible model: the red lines and limits the optimum is pressed against,
//! and what relaxing each would buy. A diagnosis is data; `render::diagnose`
//! words it.

use std::cell::Cell;

use crate::error::Error;
use crate::formulate::{Element, Origin, Rule};
use crate::model::{ActionIdx, Instance, PartyIdx};
use crate::report::{ObjectiveValue, PlanReport, Status};
use crate::solve::{plan, Outcome, SolveOptions};

mod conflicts;
mod feasible;
mod infeasible;
mod relax;
mod relaxed;

use feasible::feasible_diagnosis;
use infeasible::infeasible_diagnosis;
pub use relaxed::{relaxed, without, Relaxed};

/// A relaxable element of a model: one group of rows that can be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// An expectation and its deadline.
    Expectation(usize),
    /// A red line of any kind.
    RedLine(usize),
    /// `limits.moves_per_round`.
    MovesPerRound,
    /// `limits.per_party` for one party.
    PerParty(PartyIdx),
    /// The `latest` round of an action.
    Latest(ActionIdx),
    /// An action forbidden by the scenario or `--forbid`.
    Forbid(ActionIdx),
    /// An event (index in the instance's events).
    Event(usize),
    /// A `--force` move (index in the instance's forced moves).
    Forced(usize),
}

impl Group {
    /// The group a constraint belongs to; `None` for the model's structure
    /// (meters, requires, when, together, uses), which is never relaxed.
    pub fn of(origin: &Origin) -> Option<Group> {
        match (origin.rule, origin.element) {
            (
                Rule::ActionExpectation | Rule::MeterExpectation | Rule::MetRound,
                Element::Expectation(e),
            ) => Some(Group::Expectation(e)),
            (_, Element::RedLine(i)) => Some(Group::RedLine(i)),
            (Rule::MovesPerRound, _) => Some(Group::MovesPerRound),
            (Rule::PerParty, Element::PartyLimit(p)) => Some(Group::PerParty(p)),
            (Rule::Latest, Element::Action(a)) => Some(Group::Latest(a)),
            (Rule::Forbid, Element::Forbid(a)) => Some(Group::Forbid(a)),
            (Rule::Event, Element::Event(j)) => Some(Group::Event(j)),
            (Rule::Forced, Element::Forced(i)) => Some(Group::Forced(i)),
            _ => None,
        }
    }
}

/// One member of a conflict, with where it is in the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub group: Group,
    /// JSON path of the element (or the command-line flag).
    pub path: String,
}

/// A smallest set of elements that cannot all hold: dropping any one of
/// them makes the rest feasible.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub members: Vec<Member>,
    /// False when some check ran out of time or failed numerically: the
    /// set still has no plan, but a member might be spare.
    pub proven_minimal: bool,
}

/// The least change to one element that restores a plan on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Relaxation {
    pub group: Group,
    pub change: Change,
}

/// A change to one element of the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Move an expectation's deadline.
    Deadline { from: u32, to: u32 },
    /// Lower a meter expectation's level.
    Level { from: f64, to: f64 },
    /// Lower a `never_below` floor (reached in `round`).
    Floor {
        from: f64,
        to: f64,
        round: Option<u32>,
    },
    /// Raise a `never_above` ceiling (reached in `round`).
    Ceiling {
        from: f64,
        to: f64,
        round: Option<u32>,
    },
    /// Raise a `cost_at_most` cap.
    CostCap { from: f64, to: f64 },
    /// Shorten a `not_before` lag.
    Lag { from: u32, to: u32 },
    /// Raise a limit on actions in progress.
    Limit { from: u32, to: u32 },
    /// Move an action's `latest` round.
    Latest { from: u32, to: u32 },
    /// Drop the element (allow the action, without the event...).
    Drop,
    /// Even dropping it does not restore a plan: another conflict remains.
    NotEnough,
    /// Even dropping it could not be checked.
    Undecided(Unsettled),
}

/// Why a check of the diagnosis was left undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsettled {
    /// The time allowed ran out first.
    TimeRanOut,
    /// The backend failed on a numerical difficulty: more time would not help.
    SolverFailed,
}

/// What the solves of one diagnosis left undecided, by reason.
#[derive(Debug, Default)]
struct Tally {
    timed_out: Cell<u32>,
    failed: Cell<u32>,
}

impl Tally {
    /// Records one undecided solve, and says why it was.
    fn record(&self, why: Unsettled) -> Unsettled {
        let count = match why {
            Unsettled::TimeRanOut => &self.timed_out,
            Unsettled::SolverFailed => &self.failed,
        };
        count.set(count.get() + 1);
        why
    }

    fn any(&self) -> bool {
        self.timed_out.get() + self.failed.get() > 0
    }
}

/// An order-free bound that shows why an expectation cannot be met.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// Even started as early as its window and requirements allow, the
    /// action completes after the deadline.
    TooLate {
        expectation: usize,
        action: ActionIdx,
        earliest_completion: Option<u32>,
        by: u32,
    },
    /// Even with every move, the meter reaches at most `most` by `by`.
    TooLow {
        expectation: usize,
        meter: usize,
        most: f64,
        by: u32,
        level: f64,
    },
    /// Even with every move, the meter stays at least `least` at `by`.
    TooHigh {
        expectation: usize,
        meter: usize,
        least: f64,
        by: u32,
        level: f64,
    },
}

/// How close the best plan comes when not every expectation can be met.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosestPlan {
    pub report: PlanReport,
    /// Per missed expectation, how far it falls short.
    pub missed: Vec<Shortfall>,
}

/// How an expectation is missed.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortfall {
    pub expectation: usize,
    /// When it is met after all (too late), or `None`.
    pub met_round: Option<u32>,
    /// For a meter expectation with a floor: the lowest value from the
    /// deadline on.
    pub lowest: Option<f64>,
    /// For a meter expectation with a ceiling: the highest value from the
    /// deadline on.
    pub highest: Option<f64>,
}

/// A red line or limit the optimum is pressed against.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub member: Member,
    /// The round where it binds, if one.
    pub round: Option<u32>,
    /// The objective levels without it (`None` if dropping it changes
    /// nothing the objective sees, or if that was not settled).
    pub without: Option<Vec<ObjectiveValue>>,
    /// Whether both plans compared were proven optimal, so that `without`
    /// is settled; otherwise the time allowed ran out first, or the solver
    /// failed (`solver_failed`).
    pub settled: bool,
    /// The comparison was left unsettled by a numerical failure of the
    /// backend, not by the time allowed.
    pub solver_failed: bool,
}

/// Why no plan exists and what it would take.
#[derive(Debug, Clone, PartialEq)]
pub struct Infeasibility {
    pub conflicts: Vec<Conflict>,
    pub relaxations: Vec<Relaxation>,
    /// The smallest relaxation, applied, and the plan it allows.
    pub relaxed_plan: Option<(Relaxation, PlanReport)>,
    pub closest: Option<ClosestPlan>,
    pub bounds: Vec<Bound>,
    /// Some checks or plans of the diagnosis were left undecided in the
    /// time allowed (the command's limit, or the cap on each solve), so
    /// conflicts may have spare members, changes may be larger than
    /// needed, and the relaxed or closest plan may be missing or unproven.
    pub cut_short: bool,
    /// How many of the diagnosis's solves the backend failed on
    /// numerically (they count as undecided; more time would not help).
    pub numerical_failures: u32,
    /// How many of its solves ran out of the time allowed.
    pub timed_out: u32,
}

/// The whole diagnosis of an instance.
#[derive(Debug, Clone, PartialEq)]
pub enum Diagnosis {
    /// No plan: conflicts, relaxations, the plan under the smallest one,
    /// the closest plan and bounds.
    Infeasible(Box<Infeasibility>),
    /// A plan exists: the elements it is pressed against.
    Feasible {
        report: Box<PlanReport>,
        binding: Vec<Binding>,
        /// How many comparisons the backend failed on numerically.
        numerical_failures: u32,
    },
    /// The time or effort limit ran out before the solver could tell.
    Unknown,
}

/// Diagnoses the model under the overrides: why no plan exists (up to
/// `max_conflicts` conflicts), or what binds the optimum.
pub fn diagnose(
    instance: &Instance,
    options: &SolveOptions,
    max_conflicts: usize,
) -> Result<Diagnosis, Error> {
    match plan(instance, options)? {
        Outcome::Plan(report) => feasible_diagnosis(instance, options, report),
        Outcome::Unknown => Ok(Diagnosis::Unknown),
        Outcome::Infeasible => infeasible_diagnosis(instance, options, max_conflicts.max(1)),
    }
}

/// Time for one solve of the diagnosis when the caller set no limit: a
/// check that runs out counts as undecided rather than stalling the answer.
/// Under a work budget (`--effort`) the budget bounds the checks instead,
/// so that the diagnosis is the same on any machine.
pub const CHECK_SECONDS: u64 = 10;

fn check_options(options: &SolveOptions) -> SolveOptions {
    if options.effort.is_set() {
        return options.clone();
    }
    SolveOptions {
        deadline: options
            .deadline
            .or_after(std::time::Duration::from_secs(CHECK_SECONDS)),
        ..options.clone()
    }
}

/// A plan under the cap on each solve of the diagnosis (see
/// [`check_options`]); undecided when the time runs out first or the
/// backend gives up, `Done(None)` when no plan exists.
fn plan_capped(
    instance: &Instance,
    options: &SolveOptions,
    tally: &Tally,
) -> Result<Attempt<PlanReport>, Error> {
    match plan(instance, &check_options(options)) {
        Ok(Outcome::Plan(report)) => Ok(Attempt::Done(Some(report))),
        Ok(Outcome::Infeasible) => Ok(Attempt::Done(None)),
        Ok(Outcome::Unknown) => Ok(Attempt::Undecided(tally.record(Unsettled::TimeRanOut))),
        Err(Error::SolverGaveUp(_)) => {
            Ok(Attempt::Undecided(tally.record(Unsettled::SolverFailed)))
        }
        Err(other) => Err(other),
    }
}

/// The result of a part of the diagnosis that may be left undecided.
enum Attempt<T> {
    /// Settled (`None`: there is nothing to show).
    Done(Option<T>),
    /// The time allowed ran out first, or the backend failed.
    Undecided(Unsettled),
}

impl Diagnosis {
    /// The status word for machine-readable output.
    pub fn status(&self) -> Status {
        match self {
            Diagnosis::Infeasible(_) => Status::Infeasible,
            Diagnosis::Feasible { report, .. } => report.status,
            Diagnosis::Unknown => Status::Unknown,
        }
    }

    /// Whether some part was left undecided within the limit: a check
    /// of a conflict or relaxation, the relaxed or closest plan, or what
    /// dropping a binding element would buy.
    pub fn cut_short(&self) -> bool {
        match self {
            Diagnosis::Infeasible(found) => found.cut_short,
            Diagnosis::Feasible { binding, .. } => binding.iter().any(|b| !b.settled),
            Diagnosis::Unknown => false,
        }
    }
}
