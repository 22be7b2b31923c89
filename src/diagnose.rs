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
use std::collections::BTreeSet;

use crate::error::Error;
use crate::formulate::{Element, Level, LinExpr, Milp, Origin, Rule, Sense, VarDef, VarKind};
use crate::model::{
    ActionIdx, Band, ExpectationKind, Instance, Model, Overrides, PartyIdx, RedLineKind,
};
use crate::report::objective_values;
use crate::report::{ObjectiveValue, PlanReport, Status};
use crate::simulate::{simulate, Evaluation, ViolationKind};
use crate::solve::{plan, solve_program, Outcome, Program, SolveOptions};

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
    /// The time limit ran out before the solver could tell.
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

/// Whether the program has a plan with only the `active` groups (and the
/// structure) kept, or why that was left undecided.
fn feasible_with(
    milp: &Milp,
    active: &BTreeSet<Group>,
    options: &SolveOptions,
    tally: &Tally,
) -> Result<Result<bool, Unsettled>, Error> {
    let mut reduced = milp.clone();
    reduced
        .rows
        .retain(|row| Group::of(&row.origin).is_none_or(|g| active.contains(&g)));
    reduced
        .impossible
        .retain(|origin| Group::of(origin).is_none_or(|g| active.contains(&g)));
    // Only feasibility matters; the tie-break (fewest, earliest moves)
    // steers the search toward sparse plans, which are found fastest.
    let tie_break = reduced.levels.pop();
    reduced.levels = tie_break.into_iter().collect();
    // A numerical failure of the backend on one check is not the user's
    // answer: the check counts as undecided.
    Ok(
        match solve_program(&reduced, &[], &check_options(options)) {
            Ok(Program::Solved { .. }) => Ok(true),
            Ok(Program::Infeasible) => Ok(false),
            Ok(Program::Unknown) => Err(tally.record(Unsettled::TimeRanOut)),
            Err(_) => Err(tally.record(Unsettled::SolverFailed)),
        },
    )
}

/// Time for one solve of the diagnosis when the caller set no limit: a
/// check that runs out counts as undecided rather than stalling the answer.
pub const CHECK_SECONDS: u64 = 10;

fn check_options(options: &SolveOptions) -> SolveOptions {
    SolveOptions {
        time_limit: Some(
            options
                .time_limit
                .unwrap_or(std::time::Duration::from_secs(CHECK_SECONDS)),
        ),
        deadline: options.deadline,
    }
}

/// Every group of the program, in a stable order.
fn groups(milp: &Milp) -> BTreeSet<Group> {
    milp.rows
        .iter()
        .map(|r| &r.origin)
        .chain(&milp.impossible)
        .filter_map(Group::of)
        .collect()
}

fn member(milp: &Milp, group: Group) -> Member {
    let path = milp
        .rows
        .iter()
        .map(|r| &r.origin)
        .chain(&milp.impossible)
        .find(|o| Group::of(o) == Some(group))
        .map_or_else(String::new, |o| o.path.clone());
    Member { group, path }
}

/// A deletion filter: drops each member whose removal keeps the set
/// infeasible; what remains is irreducible (when every check decided).
fn minimal_conflict(
    milp: &Milp,
    start: &BTreeSet<Group>,
    options: &SolveOptions,
    tally: &Tally,
) -> Result<Option<(Vec<Group>, bool)>, Error> {
    if feasible_with(milp, start, options, tally)? != Ok(false) {
        return Ok(None);
    }
    let mut set = start.clone();
    let mut proven = true;
    for g in start {
        let mut trial = set.clone();
        trial.remove(g);
        match feasible_with(milp, &trial, options, tally)? {
            Ok(false) => set = trial,
            Ok(true) => {}
            Err(_) => proven = false,
        }
    }
    Ok(Some((set.into_iter().collect(), proven)))
}

/// Up to `count` distinct minimal conflicts: the first from all groups,
/// then from all groups but one member of a conflict already found.
fn conflicts(
    milp: &Milp,
    count: usize,
    options: &SolveOptions,
    tally: &Tally,
) -> Result<Vec<(Vec<Group>, bool)>, Error> {
    let all = groups(milp);
    let mut found: Vec<(Vec<Group>, bool)> = Vec::new();
    if let Some(first) = minimal_conflict(milp, &all, options, tally)? {
        found.push(first);
    }
    let mut next = 0;
    while found.len() < count && next < found.len() {
        for g in found[next].0.clone() {
            if found.len() >= count {
                break;
            }
            let mut without = all.clone();
            without.remove(&g);
            if let Some(other) = minimal_conflict(milp, &without, options, tally)? {
                if !found.iter().any(|(members, _)| *members == other.0) {
                    found.push(other);
                }
            }
        }
        next += 1;
    }
    Ok(found)
}

/// A model and overrides with changes applied: what a relaxation means as
/// an input a person could have written.
#[derive(Debug, Clone)]
pub struct Relaxed {
    pub model: Model,
    pub overrides: Overrides,
}

impl Relaxed {
    /// The instance's model and overrides, unchanged.
    fn of(instance: &Instance) -> Self {
        Relaxed {
            model: instance.model.clone(),
            overrides: instance.overrides.clone(),
        }
    }

    /// Applies one change to the element `group` of `instance` (indices
    /// refer to the instance's model).
    fn with(&self, instance: &Instance, group: Group, change: &Change) -> Relaxed {
        let mut r = self.clone();
        let model = &mut r.model;
        let scenario = instance.scenario;
        match (group, change) {
            (Group::Expectation(e), Change::Deadline { to, .. }) => {
                let in_scenario = scenario.and_then(|s| {
                    model.scenarios[s]
                        .deadlines
                        .iter_mut()
                        .find(|(x, _)| *x == e)
                });
                match in_scenario {
                    Some(deadline) => deadline.1 = *to,
                    None => model.expectations[e].by = Some(*to),
                }
            }
            (Group::Expectation(e), Change::Level { to, .. }) => {
                if let ExpectationKind::Meter { meter, band } = model.expectations[e].kind {
                    // Only a floor or a ceiling alone is moved; a band is
                    // dropped whole (see `relax`).
                    let band = match (band.at_least, band.at_most) {
                        (Some(_), None) => Band::at_least(*to),
                        (None, Some(_)) => Band::at_most(*to),
                        _ => band,
                    };
                    model.expectations[e].kind = ExpectationKind::Meter { meter, band };
                }
            }
            (Group::Expectation(e), _) => {
                model.expectations.remove(e);
                for s in &mut model.scenarios {
                    s.deadlines.retain(|&(x, _)| x != e);
                    for d in &mut s.deadlines {
                        if d.0 > e {
                            d.0 -= 1;
                        }
                    }
                }
            }
            (
                Group::RedLine(i),
                Change::Floor { to, .. } | Change::Ceiling { to, .. } | Change::CostCap { to, .. },
            ) => {
                model.red_lines[i].kind = match model.red_lines[i].kind {
                    RedLineKind::NeverBelow { meter, .. } => {
                        RedLineKind::NeverBelow { meter, level: *to }
                    }
                    RedLineKind::NeverAbove { meter, .. } => {
                        RedLineKind::NeverAbove { meter, level: *to }
                    }
                    RedLineKind::CostAtMost { party, .. } => {
                        RedLineKind::CostAtMost { party, cap: *to }
                    }
                    other => other,
                };
            }
            (Group::RedLine(i), Change::Lag { to, .. }) => {
                if let RedLineKind::NotBefore { action, before, .. } = model.red_lines[i].kind {
                    model.red_lines[i].kind = RedLineKind::NotBefore {
                        action,
                        before,
                        lag: *to,
                    };
                }
            }
            (Group::RedLine(i), _) => {
                model.red_lines.remove(i);
            }
            (Group::MovesPerRound, Change::Limit { to, .. }) => {
                model.limits.moves_per_round = Some(*to)
            }
            (Group::MovesPerRound, _) => model.limits.moves_per_round = None,
            (Group::PerParty(p), Change::Limit { to, .. }) => {
                for entry in model
                    .limits
                    .per_party
                    .iter_mut()
                    .filter(|(party, _)| *party == p)
                {
                    entry.1 = *to;
                }
            }
            (Group::PerParty(p), _) => model.limits.per_party.retain(|(party, _)| *party != p),
            (Group::Latest(a), Change::Latest { to, .. }) => model.actions[a].latest = Some(*to),
            (Group::Latest(a), _) => model.actions[a].latest = None,
            (Group::Forbid(a), _) => {
                for s in &mut model.scenarios {
                    s.forbid.retain(|&x| x != a);
                }
                let id = &model.actions[a].id;
                r.overrides.forbid.retain(|x| x != id);
            }
            (Group::Event(j), _) => {
                let source = instance.event_sources[j];
                match source.scenario {
                    Some(s) => {
                        model.scenarios[s].events.remove(source.index);
                    }
                    None => {
                        model.events.remove(source.index);
                    }
                }
            }
            (Group::Forced(i), _) => {
                r.overrides.force.remove(i);
            }
        }
        r
    }

    /// The instance of the relaxed input.
    pub fn instance(&self) -> Result<Instance<'_>, Error> {
        Instance::new(&self.model, &self.overrides)
    }

    /// Its relaxable program.
    fn program(&self) -> Result<Milp, Error> {
        let mut instance = self.instance()?;
        instance.relaxable = true;
        Ok(Milp::build(&instance))
    }

    /// Whether the relaxed input has a plan (undecided counts as no).
    fn feasible(&self, options: &SolveOptions, tally: &Tally) -> Result<bool, Error> {
        Ok(self.feasibility(options, tally)? == Ok(true))
    }

    /// Whether the relaxed input has a plan, or why that was undecided.
    fn feasibility(
        &self,
        options: &SolveOptions,
        tally: &Tally,
    ) -> Result<Result<bool, Unsettled>, Error> {
        let milp = Milp::build(&self.instance()?);
        feasible_with(&milp, &groups(&milp), options, tally)
    }
}

/// The model and overrides with one relaxation applied, as a person could
/// have written them: re-plan them to see the relaxed plan.
pub fn relaxed(instance: &Instance, relaxation: &Relaxation) -> Relaxed {
    Relaxed::of(instance).with(instance, relaxation.group, &relaxation.change)
}

/// The least change to `group` that restores a plan, the rest unchanged.
fn relax(
    instance: &Instance,
    options: &SolveOptions,
    tally: &Tally,
    group: Group,
) -> Result<Change, Error> {
    let model = instance.model;
    let base = Relaxed::of(instance);
    let works = |change: &Change| base.with(instance, group, change).feasible(options, tally);
    match base
        .with(instance, group, &Change::Drop)
        .feasibility(options, tally)?
    {
        Ok(true) => {}
        Ok(false) => return Ok(Change::NotEnough),
        Err(why) => return Ok(Change::Undecided(why)),
    }
    let horizon = instance.horizon;
    let search = |from: u32, to: u32, make: &dyn Fn(u32) -> Change| -> Result<Option<u32>, Error> {
        // The smallest value in from..=to that restores a plan (monotone).
        let (mut lo, mut hi) = (from, to);
        if lo > hi || !works(&make(hi))? {
            return Ok(None);
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if works(&make(mid))? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(Some(lo))
    };
    let change = match group {
        Group::Expectation(e) => {
            let by = instance.by[e];
            let later = search(by + 1, horizon, &|to| Change::Deadline { from: by, to })?;
            match (later, model.expectations[e].kind) {
                (Some(to), _) => Change::Deadline { from: by, to },
                (None, ExpectationKind::Meter { meter, band }) => {
                    match (band.at_least, band.at_most) {
                        (Some(at_least), None) => match elastic(
                            instance,
                            options,
                            tally,
                            group,
                            Target::LowestFrom { meter, from: by },
                            true,
                        )? {
                            Some((most, _)) => Change::Level {
                                from: at_least,
                                to: to_millionths(most),
                            },
                            None => Change::Drop,
                        },
                        (None, Some(at_most)) => match elastic(
                            instance,
                            options,
                            tally,
                            group,
                            Target::Highest { meter, from: by },
                            false,
                        )? {
                            Some((least, _)) => Change::Level {
                                from: at_most,
                                to: to_millionths(least),
                            },
                            None => Change::Drop,
                        },
                        // A band has two levels to move: dropping it is
                        // the one change stated.
                        _ => Change::Drop,
                    }
                }
                (None, ExpectationKind::Action(_)) => Change::Drop,
            }
        }
        Group::RedLine(i) => match model.red_lines[i].kind {
            RedLineKind::NeverBelow { meter, level } => {
                match elastic(
                    instance,
                    options,
                    tally,
                    group,
                    Target::LowestFrom { meter, from: 1 },
                    true,
                )? {
                    Some((most, round)) => Change::Floor {
                        from: level,
                        to: to_millionths(most),
                        round,
                    },
                    None => Change::Drop,
                }
            }
            RedLineKind::NeverAbove { meter, level } => {
                match elastic(
                    instance,
                    options,
                    tally,
                    group,
                    Target::Highest { meter, from: 1 },
                    false,
                )? {
                    Some((least, round)) => Change::Ceiling {
                        from: level,
                        to: to_millionths(least),
                        round,
                    },
                    None => Change::Drop,
                }
            }
            RedLineKind::CostAtMost { party, cap } => {
                match elastic(
                    instance,
                    options,
                    tally,
                    group,
                    Target::PartyCost { party },
                    false,
                )? {
                    Some((least, _)) => Change::CostCap {
                        from: cap,
                        to: to_millionths(least),
                    },
                    None => Change::Drop,
                }
            }
            RedLineKind::NotBefore { lag, .. } if lag > 0 => {
                // The longest shorter lag that works (a shorter one always
                // works when a longer one does): binary search on 0..lag.
                if !works(&Change::Lag { from: lag, to: 0 })? {
                    Change::Drop
                } else {
                    let (mut lo, mut hi) = (0, lag - 1);
                    while lo < hi {
                        let mid = lo + (hi - lo).div_ceil(2);
                        if works(&Change::Lag { from: lag, to: mid })? {
                            lo = mid;
                        } else {
                            hi = mid - 1;
                        }
                    }
                    Change::Lag { from: lag, to: lo }
                }
            }
            _ => Change::Drop,
        },
        Group::MovesPerRound | Group::PerParty(_) => {
            let from = match group {
                Group::MovesPerRound => model.limits.moves_per_round.unwrap_or(0),
                Group::PerParty(p) => model
                    .limits
                    .per_party
                    .iter()
                    .find(|(q, _)| *q == p)
                    .map_or(0, |e| e.1),
                _ => 0,
            };
            let most = model.actions.len() as u32;
            search(from + 1, most, &|to| Change::Limit { from, to })?
                .map_or(Change::Drop, |to| Change::Limit { from, to })
        }
        Group::Latest(a) => {
            let from = instance.latest[a];
            search(from + 1, horizon, &|to| Change::Latest { from, to })?
                .map_or(Change::Drop, |to| Change::Latest { from, to })
        }
        Group::Forbid(_) | Group::Event(_) | Group::Forced(_) => Change::Drop,
    };
    Ok(change)
}

/// A best reachable level, to six decimals. The solver's value may pass
/// the true one by its tolerance (5e-7), so rounding outward would state a
/// change a millionth larger than needed (3.000001 for 3); the nearest
/// millionth is within half of the simulator's tolerance of the value, so
/// the changed model keeps its plan.
fn to_millionths(value: f64) -> f64 {
    crate::numbers::round6(value)
}

/// What an elastic program optimises, with the relaxed element dropped.
enum Target {
    /// The lowest value of a meter from a round to the horizon.
    LowestFrom { meter: usize, from: u32 },
    /// The highest value of a meter from a round to the horizon.
    Highest { meter: usize, from: u32 },
    /// A party's summed cost.
    PartyCost { party: PartyIdx },
}

/// Solves the elastic program: the group dropped, the target optimised
/// (`maximize` for the lowest value, else minimised). Returns the optimum
/// and the round where the plan reaches it.
fn elastic(
    instance: &Instance,
    options: &SolveOptions,
    tally: &Tally,
    group: Group,
    target: Target,
    maximize: bool,
) -> Result<Option<(f64, Option<u32>)>, Error> {
    let model = instance.model;
    let mut milp = Relaxed::of(instance).program()?;
    milp.rows.retain(|r| Group::of(&r.origin) != Some(group));
    milp.impossible.retain(|o| Group::of(o) != Some(group));
    let z = milp.vars.len();
    milp.vars.push(VarDef {
        name: "elastic".into(),
        kind: VarKind::Continuous,
        lower: -1e9,
        upper: 1e9,
    });
    let origin = Origin {
        rule: Rule::MeterDynamics,
        element: Element::MetRound,
        path: "elastic".into(),
        round: None,
    };
    let mut objective = LinExpr {
        terms: vec![(z, 1.0)],
        constant: 0.0,
    };
    match target {
        Target::LowestFrom { meter, from } | Target::Highest { meter, from }
            if meter < milp.meter_vars.len() =>
        {
            let first = from.max(1);
            for t in first..=instance.horizon {
                let Some(m) = milp.meter_vars[meter][t as usize] else {
                    continue;
                };
                // z ≤ m[t] (lowest) or z ≥ m[t] (highest).
                let expr = LinExpr {
                    terms: vec![(z, 1.0), (m, -1.0)],
                    constant: 0.0,
                };
                let sense = if maximize {
                    Sense::AtMost
                } else {
                    Sense::AtLeast
                };
                milp.rows.push(crate::formulate::Row {
                    expr,
                    sense,
                    rhs: 0.0,
                    origin: origin.clone(),
                });
            }
        }
        Target::PartyCost { party } => {
            objective = LinExpr::default();
            for (a, action) in model
                .actions
                .iter()
                .enumerate()
                .filter(|(_, x)| x.by == party)
            {
                for &(_, v) in &milp.starts[a] {
                    objective.terms.push((v, action.cost));
                }
            }
        }
        _ => return Ok(None),
    }
    milp.levels = vec![Level {
        objective: None,
        expr: objective.clone(),
        maximize,
        integral: false,
        step: None,
    }];
    // Undecided, the element is dropped instead: a valid change, maybe
    // larger than needed, and the tally says the diagnosis was cut short.
    let (values, moves) = match solve_program(&milp, &[], &check_options(options)) {
        Ok(Program::Solved { values, moves, .. }) => (values, moves),
        Ok(Program::Infeasible) => return Ok(None),
        Ok(Program::Unknown) => {
            tally.record(Unsettled::TimeRanOut);
            return Ok(None);
        }
        Err(_) => {
            tally.record(Unsettled::SolverFailed);
            return Ok(None);
        }
    };
    let value = objective.eval(&values);
    let evaluation = simulate(instance, &moves);
    let round = match target {
        Target::LowestFrom { meter, from } => lowest_round(&evaluation, meter, from),
        Target::Highest { meter, from } => highest_round(&evaluation, meter, from),
        Target::PartyCost { .. } => None,
    };
    Ok(Some((value, round)))
}

fn lowest_round(evaluation: &Evaluation, meter: usize, from: u32) -> Option<u32> {
    let values = &evaluation.meters[meter];
    (from.max(1)..values.len() as u32)
        .min_by(|&a, &b| values[a as usize].total_cmp(&values[b as usize]))
}

fn highest_round(evaluation: &Evaluation, meter: usize, from: u32) -> Option<u32> {
    let values = &evaluation.meters[meter];
    (from.max(1)..values.len() as u32).max_by(|&a, &b| {
        values[a as usize]
            .total_cmp(&values[b as usize])
            .then(b.cmp(&a))
    })
}

/// How big a change is, to pick the smallest: relative to the value
/// changed; dropping an element counts most.
fn size(change: &Change) -> f64 {
    let relative = |from: f64, to: f64| (to - from).abs() / from.abs().max(1.0);
    match *change {
        Change::Deadline { from, to }
        | Change::Lag { from, to }
        | Change::Limit { from, to }
        | Change::Latest { from, to } => relative(f64::from(from), f64::from(to)),
        Change::Level { from, to }
        | Change::Floor { from, to, .. }
        | Change::Ceiling { from, to, .. }
        | Change::CostCap { from, to } => relative(from, to),
        Change::Drop => 1e6,
        Change::NotEnough | Change::Undecided(_) => f64::INFINITY,
    }
}

fn infeasible_diagnosis(
    instance: &Instance,
    options: &SolveOptions,
    count: usize,
) -> Result<Diagnosis, Error> {
    let milp = Relaxed::of(instance).program()?;
    let tally = Tally::default();
    let found = conflicts(&milp, count, options, &tally)?;
    let conflicts: Vec<Conflict> = found
        .iter()
        .map(|(groups, proven)| Conflict {
            members: groups.iter().map(|&g| member(&milp, g)).collect(),
            proven_minimal: *proven,
        })
        .collect();
    let mut relaxations = Vec::new();
    let mut seen = BTreeSet::new();
    for group in found.iter().flat_map(|(groups, _)| groups) {
        if seen.insert(*group) {
            relaxations.push(Relaxation {
                group: *group,
                change: relax(instance, options, &tally, *group)?,
            });
        }
    }
    let smallest = relaxations
        .iter()
        .filter(|r| size(&r.change).is_finite())
        .min_by(|a, b| size(&a.change).total_cmp(&size(&b.change)));
    let relaxed_plan = match smallest {
        Some(best) => {
            // Planning the relaxed model is as hard as planning: under the
            // same cap as a check, so that it cannot stall the diagnosis.
            let input = relaxed(instance, best);
            match plan_capped(&input.instance()?, options, &tally)? {
                Attempt::Done(report) => report.map(|report| (best.clone(), report)),
                Attempt::Undecided(_) => None,
            }
        }
        None => None,
    };
    let closest = match closest_plan(instance, options, &tally)? {
        Attempt::Done(closest) => closest,
        Attempt::Undecided(_) => None,
    };
    let sets: Vec<Vec<Group>> = found.into_iter().map(|(groups, _)| groups).collect();
    let bounds = bounds(instance, &sets);
    // Every solve left undecided (a check, a relaxation, the relaxed or
    // closest plan) is in the tally.
    let cut_short = tally.any()
        || options
            .deadline
            .is_some_and(|d| std::time::Instant::now() >= d);
    Ok(Diagnosis::Infeasible(Box::new(Infeasibility {
        conflicts,
        relaxations,
        relaxed_plan,
        closest,
        bounds,
        cut_short,
        numerical_failures: tally.failed.get(),
        timed_out: tally.timed_out.get(),
    })))
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

/// The plan meeting the most (weighted) expectations, red lines and every
/// other rule kept; nothing to show when no expectation need be missed or
/// even that plan breaks a red line.
fn closest_plan(
    instance: &Instance,
    options: &SolveOptions,
    tally: &Tally,
) -> Result<Attempt<ClosestPlan>, Error> {
    let model = instance.model;
    if model.expectations.is_empty() {
        return Ok(Attempt::Done(None));
    }
    let mut milp = Milp::build(&without_deadlines(instance));
    milp.rows.retain(|r| {
        !matches!(
            r.origin.element,
            Element::Expectation(_) | Element::MetRound
        )
    });
    milp.impossible
        .retain(|o| !matches!(o.element, Element::Expectation(_)));
    let mut met = LinExpr::default();
    for (e, expectation) in model.expectations.iter().enumerate() {
        let z = milp.vars.len();
        milp.vars.push(VarDef {
            name: format!("met[{}]", expectation.id),
            kind: VarKind::Binary,
            lower: 0.0,
            upper: 1.0,
        });
        met.terms.push((z, expectation.weight));
        let origin = Origin {
            rule: Rule::ActionExpectation,
            element: Element::Expectation(e),
            path: format!("expectations[{e}]"),
            round: None,
        };
        let by = instance.by[e];
        match expectation.kind {
            ExpectationKind::Action(a) => {
                // z ≤ Σ starts of a completing by the deadline.
                let d = model.actions[a].duration;
                let mut expr = LinExpr {
                    terms: vec![(z, 1.0)],
                    constant: 0.0,
                };
                for &(s, v) in &milp.starts[a] {
                    if s + d - 1 <= by {
                        expr.terms.push((v, -1.0));
                    }
                }
                milp.rows.push(crate::formulate::Row {
                    expr,
                    sense: Sense::AtMost,
                    rhs: 0.0,
                    origin,
                });
            }
            ExpectationKind::Meter { meter, band } => {
                for t in by.max(1)..=instance.horizon {
                    let Some(m) = milp.meter_vars[meter][t as usize] else {
                        continue;
                    };
                    let (low, high) = milp.meter_bounds[meter][t as usize];
                    if let Some(at_least) = band.at_least {
                        let lo = low.min(at_least);
                        // m ≥ lo + (L − lo)·z
                        milp.rows.push(crate::formulate::Row {
                            expr: LinExpr {
                                terms: vec![(m, 1.0), (z, -(at_least - lo))],
                                constant: 0.0,
                            },
                            sense: Sense::AtLeast,
                            rhs: lo,
                            origin: origin.clone(),
                        });
                    }
                    if let Some(at_most) = band.at_most {
                        let hi = high.max(at_most);
                        // m ≤ hi − (hi − U)·z
                        milp.rows.push(crate::formulate::Row {
                            expr: LinExpr {
                                terms: vec![(m, 1.0), (z, hi - at_most)],
                                constant: 0.0,
                            },
                            sense: Sense::AtMost,
                            rhs: hi,
                            origin: origin.clone(),
                        });
                    }
                }
            }
        }
    }
    let tie_break = milp.levels.last().cloned();
    let step = crate::formulate::common_step(model.expectations.iter().map(|e| e.weight));
    milp.levels = vec![Level {
        objective: None,
        expr: met,
        maximize: true,
        integral: false,
        step,
    }];
    milp.levels.extend(tie_break);
    let (moves, status, gap, solver_failed) =
        match solve_program(&milp, &[], &check_options(options)) {
            Ok(Program::Solved {
                moves,
                status,
                gap,
                solver_failed,
                ..
            }) => (moves, status, gap, solver_failed),
            Ok(Program::Unknown) => {
                return Ok(Attempt::Undecided(tally.record(Unsettled::TimeRanOut)))
            }
            Err(_) => return Ok(Attempt::Undecided(tally.record(Unsettled::SolverFailed))),
            // No plan keeps the red lines even with every expectation dropped.
            Ok(Program::Infeasible) => return Ok(Attempt::Done(None)),
        };
    let evaluation = simulate(instance, &moves);
    let missed: Vec<Shortfall> = model
        .expectations
        .iter()
        .enumerate()
        .filter(|(e, _)| {
            evaluation.violations.iter().any(|v| {
                v.kind
                    == ViolationKind::ExpectationUnmet {
                        expectation: *e,
                        met_round: evaluation.expectations[*e].met_round,
                    }
            })
        })
        .map(|(e, _)| Shortfall {
            expectation: e,
            met_round: evaluation.expectations[e].met_round,
            lowest: sustained_extreme(instance, &evaluation, e, Side::Floor),
            highest: sustained_extreme(instance, &evaluation, e, Side::Ceiling),
        })
        .collect();
    let objectives = objective_values(model, &evaluation);
    Ok(Attempt::Done(Some(ClosestPlan {
        report: PlanReport {
            status,
            objectives,
            gap,
            moves,
            evaluation,
            solver_failed,
        },
        missed,
    })))
}

/// One side of a meter expectation's band.
#[derive(Clone, Copy)]
enum Side {
    Floor,
    Ceiling,
}

/// Where a meter expectation's meter comes closest to crossing one side of
/// its band from the deadline on: the lowest value against a floor, the
/// highest against a ceiling; `None` when the band has no such side.
fn sustained_extreme(
    instance: &Instance,
    evaluation: &Evaluation,
    e: usize,
    side: Side,
) -> Option<f64> {
    let ExpectationKind::Meter { meter, band } = instance.model.expectations[e].kind else {
        return None;
    };
    let from = instance.by[e].max(1) as usize;
    let values = evaluation.meters[meter][from..].iter().copied();
    match side {
        Side::Floor => band.at_least.and_then(|_| values.reduce(f64::min)),
        Side::Ceiling => band.at_most.and_then(|_| values.reduce(f64::max)),
    }
}

/// The instance for a program whose plans may miss expectations: the
/// presolve must not narrow anything by the deadlines.
fn without_deadlines<'m>(instance: &Instance<'m>) -> Instance<'m> {
    let mut loose = instance.clone();
    loose.overrides.tuning.deadlines = false;
    loose
}

/// Order-free bounds for the expectations in the conflicts.
fn bounds(instance: &Instance, conflicts: &[Vec<Group>]) -> Vec<Bound> {
    let model = instance.model;
    let windows = crate::presolve::start_windows(instance);
    let milp = Milp::build(&without_deadlines(instance));
    let mut out = Vec::new();
    let expectations: BTreeSet<usize> = conflicts
        .iter()
        .flatten()
        .filter_map(|g| {
            if let Group::Expectation(e) = g {
                Some(*e)
            } else {
                None
            }
        })
        .collect();
    for e in expectations {
        let by = instance.by[e];
        match model.expectations[e].kind {
            ExpectationKind::Action(a) => {
                let earliest_completion =
                    windows[a].map(|(first, _)| first + model.actions[a].duration - 1);
                if earliest_completion.is_none_or(|c| c > by) {
                    out.push(Bound::TooLate {
                        expectation: e,
                        action: a,
                        earliest_completion,
                        by,
                    });
                }
            }
            ExpectationKind::Meter { meter, band } => {
                let (least, most) = milp.meter_bounds[meter][by as usize];
                if let Some(level) = band
                    .at_least
                    .filter(|&l| most < l - crate::numbers::TOLERANCE)
                {
                    out.push(Bound::TooLow {
                        expectation: e,
                        meter,
                        most,
                        by,
                        level,
                    });
                }
                if let Some(level) = band
                    .at_most
                    .filter(|&u| least > u + crate::numbers::TOLERANCE)
                {
                    out.push(Bound::TooHigh {
                        expectation: e,
                        meter,
                        least,
                        by,
                        level,
                    });
                }
            }
        }
    }
    out
}

fn feasible_diagnosis(
    instance: &Instance,
    options: &SolveOptions,
    report: PlanReport,
) -> Result<Diagnosis, Error> {
    let model = instance.model;
    let milp = Relaxed::of(instance).program()?;
    let evaluation = &report.evaluation;
    let mut binding = Vec::new();
    let mut push = |group: Group, round: Option<u32>| binding.push((group, round));
    for (i, approach) in evaluation.red_lines.iter().enumerate() {
        if approach.closest.is_some_and(|c| c.abs() <= 1e-6) {
            push(Group::RedLine(i), approach.round);
        }
    }
    let in_progress = |t: u32, party: Option<PartyIdx>| {
        report
            .moves
            .as_slice()
            .iter()
            .filter(|m| m.round <= t && t < m.round + model.actions[m.action].duration)
            .filter(|m| party.is_none_or(|p| model.actions[m.action].by == p))
            .count() as u32
    };
    if let Some(cap) = model.limits.moves_per_round {
        if let Some(t) = (1..=instance.horizon).find(|&t| in_progress(t, None) == cap) {
            push(Group::MovesPerRound, Some(t));
        }
    }
    for &(party, cap) in &model.limits.per_party {
        if let Some(t) = (1..=instance.horizon).find(|&t| in_progress(t, Some(party)) == cap) {
            push(Group::PerParty(party), Some(t));
        }
    }
    let mut out = Vec::new();
    let tally = Tally::default();
    for (group, round) in binding {
        let input = Relaxed::of(instance).with(instance, group, &Change::Drop);
        // Only proven optima are compared: a solve the time limit cut
        // short could look worse without the line than with it.
        // Against an unproven plan nothing is settled: no solve is spent.
        let (dropped, solver_failed) = match report.status {
            Status::Optimal => match plan_capped(&input.instance()?, options, &tally)? {
                Attempt::Done(Some(better)) if better.status == Status::Optimal => {
                    (Some(better), false)
                }
                Attempt::Done(Some(better)) if better.solver_failed => {
                    tally.record(Unsettled::SolverFailed);
                    (None, true)
                }
                Attempt::Undecided(why) => (None, why == Unsettled::SolverFailed),
                _ => (None, false),
            },
            _ => (None, false),
        };
        let settled = dropped.is_some();
        let without = dropped
            .filter(|b| crate::report::better(&b.objectives, &report.objectives, model))
            .map(|better| better.objectives);
        out.push(Binding {
            member: member(&milp, group),
            round,
            without,
            settled,
            solver_failed,
        });
    }
    Ok(Diagnosis::Feasible {
        report: Box::new(report),
        binding: out,
        numerical_failures: tally.failed.get(),
    })
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

    /// Whether some part was left undecided in the time allowed: a check
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

/// The instance's input with every group in `drops` removed (as a person
/// would delete those elements), for checking a conflict from outside.
pub fn without(instance: &Instance, drops: &[Group]) -> Relaxed {
    let mut sorted = drops.to_vec();
    // Later indices first, so earlier ones stay valid as elements go.
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    let mut out = Relaxed::of(instance);
    for group in sorted {
        out = out.with(instance, group, &Change::Drop);
    }
    out
}
