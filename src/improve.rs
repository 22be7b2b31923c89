//! Better plans without the solver: a local search over plans, each judged
//! by the simulator. From the greedy plan (or, when the greedy walk finds
//! none, from the forced moves alone) it moves a move to another round
//! (half the time carrying what it requires earlier and what requires it
//! later), drops one, adds one with whatever it requires that the plan
//! lacks, or swaps the rounds of two. While the plan breaks a rule, a
//! quarter of the changes aim at one of the broken rules instead (see
//! `Mend::repair`): changes drawn blind rarely mend a chain of requirements or
//! lift a meter to a move's `when` band, and a plan that takes a step
//! without the one before it, or before its meter is high enough, can
//! otherwise sit there for good. It keeps the change by late
//! acceptance (a change is kept if it is no worse than the plan it
//! replaces or than the plan of a fixed number of steps ago). Plans are
//! compared first by how badly they break the rules (each broken rule
//! counts one, plus how far it is from holding: what an expected move
//! still lacks, how far a meter is outside its band), then level by level
//! on the model's objective, then by the tie-break the program uses (moves
//! as early as possible).
//!
//! On large programs the branch and bound needs a good incumbent before it
//! can prune, and the met round of the first plan bounds every deadline
//! (see `solve::bounded_by`): a search that brings R down narrows the
//! program the solver is handed. The work is counted in simulations and
//! the changes are drawn from a seeded generator, so that the same model
//! gives the same plan on any machine.

use std::cmp::Ordering;

use crate::model::{ActionIdx, ExpectationKind, Instance, Objective};
use crate::numbers::TOLERANCE;
use crate::plan::{Move, Moves};
use crate::presolve::{
    completion, latest_completion_before, latest_start_completing_by, ready_from,
};
use crate::simulate::{simulate, Evaluation, Violation, ViolationKind};
use crate::solve::Deadline;

/// The share (in %) of changes aimed at a rule the plan breaks, while it
/// breaks one the repairs address (see `Mend::repair`).
const REPAIR_SHARE: usize = 25;

/// How many earlier plans the late acceptance compares with.
const HISTORY: usize = 1000;

/// How a plan ranks: the rules it breaks, then each objective level
/// (smaller is better), then the sum of its start rounds.
#[derive(Debug, Clone, PartialEq)]
struct Score {
    breaches: f64,
    levels: Vec<f64>,
    tie_break: f64,
}

impl Score {
    fn of(space: &Space, instance: &Instance, moves: &Moves, evaluation: &Evaluation) -> Score {
        let breaches = evaluation
            .violations
            .iter()
            .map(|v| 1.0 + space.breach_size(instance, moves, evaluation, v))
            .sum();
        Score::with_breaches(breaches, instance, moves, evaluation)
    }

    fn with_breaches(
        breaches: f64,
        instance: &Instance,
        moves: &Moves,
        evaluation: &Evaluation,
    ) -> Score {
        let levels = instance
            .model
            .objective
            .iter()
            .map(|objective| {
                let value = crate::report::objective_value(objective, evaluation);
                match objective {
                    Objective::Maximize(_) => -value,
                    _ => value,
                }
            })
            .collect();
        let tie_break = moves.as_slice().iter().map(|m| f64::from(m.round)).sum();
        Score {
            breaches,
            levels,
            tie_break,
        }
    }

    fn is_valid(&self) -> bool {
        self.breaches == 0.0
    }

    fn cmp(&self, other: &Score) -> Ordering {
        self.cmp_levels(other)
            .then_with(|| about(self.tie_break, other.tie_break))
    }

    /// The order on the rules broken, then on the objective levels: the
    /// tie-break aside.
    fn cmp_levels(&self, other: &Score) -> Ordering {
        about(self.breaches, other.breaches).then_with(|| {
            self.levels
                .iter()
                .zip(&other.levels)
                .map(|(&a, &b)| about(a, b))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
    }

    /// Better on the objective levels, the tie-break aside.
    fn levels_better_than(&self, other: &Score) -> bool {
        self.cmp_levels(other).is_lt()
    }

    fn no_worse_than(&self, other: &Score) -> bool {
        self.cmp(other).is_le()
    }
}

/// How two valid plans compare, as the program ranks them: level by level
/// on the model's objective, then by the tie-break (moves as early as
/// possible). `Less` means `a` is better.
pub(crate) fn compare_valid(
    instance: &Instance,
    a: (&Moves, &Evaluation),
    b: (&Moves, &Evaluation),
) -> Ordering {
    let a = Score::with_breaches(0.0, instance, a.0, a.1);
    let b = Score::with_breaches(0.0, instance, b.0, b.1);
    a.cmp(&b)
}

/// `a` against `b`, equal within the tolerance.
fn about(a: f64, b: f64) -> Ordering {
    if (a - b).abs() <= TOLERANCE * a.abs().max(b.abs()).max(1.0) {
        Ordering::Equal
    } else {
        a.total_cmp(&b)
    }
}

/// How far a value is outside a band, relative to the band's scale.
fn outside(value: f64, at_least: Option<f64>, at_most: Option<f64>) -> f64 {
    let below = at_least.map_or(0.0, |floor| (floor - value).max(0.0) / floor.abs().max(1.0));
    let above = at_most.map_or(0.0, |ceiling| {
        (value - ceiling).max(0.0) / ceiling.abs().max(1.0)
    });
    below + above
}

/// A small deterministic generator (xorshift64*).
pub(crate) struct Draw(u64);

impl Draw {
    pub(crate) fn new(seed: u64) -> Self {
        Draw(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `[0, 1)`.
    pub(crate) fn fraction(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// A round in `first..=last`.
    pub(crate) fn round(&mut self, first: u32, last: u32) -> u32 {
        first + (self.next() % u64::from(last - first + 1)) as u32
    }
}

/// What the search may change: the moves it may add, where each may start,
/// and which start together.
struct Space {
    /// Per action, its start window, `None` if it may not be taken.
    windows: Vec<Option<(u32, u32)>>,
    /// The actions worth adding (those some optimal plan could contain).
    addable: Vec<ActionIdx>,
    /// Per action, the actions that start with it (itself first).
    groups: Vec<Vec<ActionIdx>>,
    /// Per expectation on an action: that action and all it requires.
    needs: Vec<Vec<ActionIdx>>,
    /// Per action, the actions that require it, with the lag.
    dependents: Vec<Vec<(ActionIdx, u32)>>,
    /// The moves every plan keeps (forced, or made before a replan).
    forced: Vec<Move>,
    /// Per meter, the actions worth adding whose effects raise it.
    raisers: Vec<Vec<ActionIdx>>,
    /// Per meter, the actions worth adding whose effects lower it.
    lowerers: Vec<Vec<ActionIdx>>,
}

impl Space {
    fn new(instance: &Instance) -> Space {
        let windows = crate::presolve::start_windows(instance);
        let useful = crate::presolve::useful_actions(instance);
        let addable: Vec<ActionIdx> = (0..instance.model.actions.len())
            .filter(|&a| useful[a] && windows[a].is_some() && instance.is_available(a))
            .collect();
        let groups = (0..instance.model.actions.len())
            .map(|a| crate::greedy::starting_with(instance, a))
            .collect();
        let needs = instance
            .model
            .expectations
            .iter()
            .map(|e| match e.kind {
                ExpectationKind::Action(a) => {
                    let needed = crate::presolve::with_what_they_need(instance, vec![a]);
                    (0..needed.len()).filter(|&b| needed[b]).collect()
                }
                ExpectationKind::Meter { .. } => Vec::new(),
            })
            .collect();
        let mut dependents = vec![Vec::new(); instance.model.actions.len()];
        for (a, action) in instance.model.actions.iter().enumerate() {
            for requirement in &action.requires {
                dependents[requirement.action].push((a, requirement.lag));
            }
        }
        let forced = instance
            .forced
            .iter()
            .map(|&(action, round)| Move { round, action })
            .collect();
        let meters = instance.model.meters.len();
        let mut raisers = vec![Vec::new(); meters];
        let mut lowerers = vec![Vec::new(); meters];
        for &a in &addable {
            let mut net = vec![0.0; meters];
            for effect in &instance.model.actions[a].effects {
                net[effect.meter] += effect.add;
            }
            for (meter, &change) in net.iter().enumerate() {
                if change > TOLERANCE {
                    raisers[meter].push(a);
                } else if change < -TOLERANCE {
                    lowerers[meter].push(a);
                }
            }
        }
        Space {
            windows,
            addable,
            groups,
            needs,
            dependents,
            forced,
            raisers,
            lowerers,
        }
    }

    /// `free` without `start` and the moves of its group started with it:
    /// a move taken out as one, with what must start together with it.
    fn without_group(&self, free: &[Move], start: Move) -> Vec<Move> {
        let group = &self.groups[start.action];
        free.iter()
            .copied()
            .filter(|m| !(m.round == start.round && group.contains(&m.action)))
            .collect()
    }

    /// How often `action` starts in the plan of the forced moves and `free`.
    fn uses_of(&self, free: &[Move], action: ActionIdx) -> usize {
        free.iter()
            .chain(&self.forced)
            .filter(|m| m.action == action)
            .count()
    }

    /// The first round `action` starts in the plan of the forced moves and
    /// `free`.
    fn first_start(&self, free: &[Move], action: ActionIdx) -> Option<u32> {
        free.iter()
            .chain(&self.forced)
            .filter(|m| m.action == action)
            .map(|m| m.round)
            .min()
    }

    /// The first round a forced move starts `action`.
    fn forced_first(&self, action: ActionIdx) -> Option<u32> {
        self.forced
            .iter()
            .filter(|m| m.action == action)
            .map(|m| m.round)
            .min()
    }

    /// How far a broken rule is from holding (about 0 to 1), to tell a plan
    /// that nearly holds from one that does not: for an expected action,
    /// the share of what it needs not in the plan (then its lateness); for
    /// a meter, how far outside its band it goes.
    fn breach_size(
        &self,
        instance: &Instance,
        moves: &Moves,
        evaluation: &Evaluation,
        violation: &Violation,
    ) -> f64 {
        let horizon = instance.horizon;
        let late = |met: Option<u32>| {
            f64::from(met.unwrap_or(horizon + 1).saturating_sub(violation.round))
                / f64::from(horizon + 1)
        };
        match violation.kind {
            ViolationKind::ExpectationUnmet {
                expectation,
                met_round,
            } => match instance.model.expectations[expectation].kind {
                ExpectationKind::Action(_) => {
                    let needs = &self.needs[expectation];
                    let missing = needs
                        .iter()
                        .filter(|&&b| moves.starts_of(b).next().is_none())
                        .count();
                    if missing == 0 {
                        late(met_round)
                    } else {
                        missing as f64
                    }
                }
                ExpectationKind::Meter { meter, band } => {
                    let values = &evaluation.meters[meter];
                    let from = instance.by[expectation] as usize;
                    values[from.min(values.len() - 1)..]
                        .iter()
                        .map(|&v| outside(v, band.at_least, band.at_most))
                        .fold(0.0, f64::max)
                }
            },
            ViolationKind::MeterCrossed {
                worst,
                level,
                until,
                ..
            } => {
                (worst - level).abs() / level.abs().max(1.0)
                    + f64::from(until.saturating_sub(violation.round) + 1) / f64::from(horizon + 1)
            }
            ViolationKind::ConditionUnmet {
                value,
                at_least,
                at_most,
                ..
            } => outside(value, at_least, at_most),
            ViolationKind::CostCap { cost, cap, .. } => (cost - cap).max(0.0) / cap.abs().max(1.0),
            ViolationKind::MissingRequirement { required, lag, .. }
            | ViolationKind::NotBefore {
                before: required,
                lag,
                ..
            } => {
                let duration = instance.model.actions[required].duration;
                match moves.starts_of(required).next() {
                    Some(start) => {
                        let ready = ready_from(completion(start, duration), lag);
                        f64::from(ready.saturating_sub(violation.round) + 1)
                            / f64::from(horizon + 1)
                    }
                    None => 1.0,
                }
            }
            _ => 0.0,
        }
    }
}

/// One change to a plan's free moves (the forced moves never change).
fn neighbour(
    space: &Space,
    instance: &Instance,
    free: &[Move],
    faults: &[Violation],
    draw: &mut Draw,
) -> Option<Vec<Move>> {
    // Overlapping uses are aimed at only once no other rule the repairs
    // know is broken: on `budgets`, which repeats moves, aiming at them
    // from the start led the search to slightly worse plans (five seeds,
    // six models); at the end they are what held `chains` 80×48 seed 6
    // one rule short of a plan.
    let first = |v: &&Violation| {
        matches!(
            v.kind,
            ViolationKind::MissingRequirement { .. }
                | ViolationKind::NotBefore { .. }
                | ViolationKind::ConditionUnmet { .. }
                | ViolationKind::ExpectationUnmet { .. }
        )
    };
    let last = |v: &&Violation| matches!(v.kind, ViolationKind::Overlap { .. });
    let any_first = faults.iter().any(|v| first(&v));
    let aimed = |v: &&Violation| if any_first { first(v) } else { last(v) };
    let count = faults.iter().filter(aimed).count();
    if count > 0 && draw.below(100) < REPAIR_SHARE {
        let fault = faults.iter().filter(aimed).nth(draw.below(count))?;
        let mend = Mend {
            space,
            instance,
            free,
        };
        return mend.repair(fault, draw);
    }
    let kind = draw.below(100);
    if free.is_empty() || kind < 20 {
        return add(space, instance, free, draw);
    }
    let chosen = free[draw.below(free.len())];
    let group = &space.groups[chosen.action];
    let mut next = space.without_group(free, chosen);
    match kind {
        // Drop the move (with its group).
        20..=34 => {}
        // Swap its round with another move's.
        35..=49 => {
            let other = free[draw.below(free.len())];
            if other.round == chosen.round {
                return None;
            }
            let other_group = &space.groups[other.action];
            let moved = |m: &Move| m.round == other.round && other_group.contains(&m.action);
            next = next
                .into_iter()
                .map(|m| {
                    if moved(&m) {
                        Move {
                            round: chosen.round,
                            ..m
                        }
                    } else {
                        m
                    }
                })
                .collect();
            next.extend(group.iter().map(|&action| Move {
                round: other.round,
                action,
            }));
        }
        // Move it a round or two, or anywhere in its window.
        _ => {
            let (first, last) = space.windows[chosen.action]?;
            let round = if kind < 85 {
                let step = 1 + draw.below(2) as u32;
                if draw.below(2) == 0 {
                    chosen.round.saturating_sub(step).max(first)
                } else {
                    (chosen.round + step).min(last)
                }
            } else {
                draw.round(first, last)
            };
            if round == chosen.round {
                return None;
            }
            next.extend(group.iter().map(|&action| Move { round, action }));
            if draw.below(2) == 0 {
                return keep_order(space, instance, next, chosen.action, round);
            }
        }
    }
    Some(next)
}

/// `moves`, in which `action` was just moved to `round`, with what it
/// requires moved earlier and what requires it moved later as far as the
/// `requires` rows demand (each as little as it must, within its window);
/// `None` if some move would leave its window.
fn keep_order(
    space: &Space,
    instance: &Instance,
    mut moves: Vec<Move>,
    action: ActionIdx,
    round: u32,
) -> Option<Vec<Move>> {
    let actions = &instance.model.actions;
    let mut pending = vec![(action, round)];
    let mut steps = 0;
    while let Some((action, round)) = pending.pop() {
        steps += 1;
        if steps > 4 * actions.len() {
            return None;
        }
        // Its requirements complete early enough.
        for requirement in &actions[action].requires {
            let required = requirement.action;
            let Some(at) = space.first_start(&moves, required) else {
                continue;
            };
            let latest = latest_start_for(instance, required, requirement.lag, round)?;
            if at > latest {
                let (first, _) = space.windows[required]?;
                if latest < first || space.forced_first(required) == Some(at) {
                    return None;
                }
                move_first_use(&mut moves, required, latest);
                pending.push((required, latest));
            }
        }
        // What requires it starts late enough.
        for &(dependent, lag) in &space.dependents[action] {
            let Some(at) = space.first_start(&moves, dependent) else {
                continue;
            };
            let Some(mine) = space.first_start(&moves, action) else {
                continue;
            };
            let earliest = ready_from(completion(mine, actions[action].duration), lag);
            if at < earliest {
                let (_, last) = space.windows[dependent]?;
                if earliest > last || space.forced_first(dependent) == Some(at) {
                    return None;
                }
                move_first_use(&mut moves, dependent, earliest);
                pending.push((dependent, earliest));
            }
        }
    }
    Some(moves)
}

/// The latest start of `required` that lets a move waiting for it with
/// `lag` start in `round`; `None` if there is none.
fn latest_start_for(instance: &Instance, required: ActionIdx, lag: u32, round: u32) -> Option<u32> {
    let duration = instance.model.actions[required].duration;
    let latest = latest_start_completing_by(latest_completion_before(round, lag), duration);
    (latest > 0).then_some(latest)
}

/// Moves the first use of `action` to `round`.
fn move_first_use(moves: &mut [Move], action: ActionIdx, round: u32) {
    if let Some(m) = moves
        .iter_mut()
        .filter(|m| m.action == action)
        .min_by_key(|m| m.round)
    {
        m.round = round;
    }
}

/// The plan with one more move (and its group), if any may be added, and
/// before it whatever it requires that the plan lacks, each as late as it
/// may be.
fn add(space: &Space, instance: &Instance, free: &[Move], draw: &mut Draw) -> Option<Vec<Move>> {
    if space.addable.is_empty() {
        return None;
    }
    let action = space.addable[draw.below(space.addable.len())];
    let (first, last) = space.windows[action]?;
    let round = draw.round(first, last);
    add_at(space, instance, free, action, round, draw)
}

/// The plan with `action` (and its group) added in `round`, and before it
/// whatever it requires that the plan lacks, each as late as it may be or
/// in a round drawn before that; `None` if it is used up or a requirement
/// cannot fit.
fn add_at(
    space: &Space,
    instance: &Instance,
    free: &[Move],
    action: ActionIdx,
    round: u32,
    draw: &mut Draw,
) -> Option<Vec<Move>> {
    let uses = instance.model.actions[action].uses;
    if space.uses_of(free, action) >= uses as usize {
        return None;
    }
    let mut next = free.to_vec();
    let mut pending = vec![(action, round)];
    while let Some((action, round)) = pending.pop() {
        next.extend(
            space.groups[action]
                .iter()
                .map(|&action| Move { round, action }),
        );
        for requirement in &instance.model.actions[action].requires {
            let required = requirement.action;
            if space.uses_of(&next, required) > 0 {
                continue;
            }
            let start = start_before(space, instance, required, requirement.lag, round, draw)?;
            pending.push((required, start));
        }
    }
    Some(next)
}

/// A start of `required` that lets a move waiting for it with `lag` start
/// in `round`: the latest in its window half the time, else one drawn
/// before that; `None` if there is none.
fn start_before(
    space: &Space,
    instance: &Instance,
    required: ActionIdx,
    lag: u32,
    round: u32,
    draw: &mut Draw,
) -> Option<u32> {
    let (first, last) = space.windows[required]?;
    let latest = latest_start_for(instance, required, lag, round)?.min(last);
    if latest < first {
        return None;
    }
    Some(if draw.below(2) == 0 {
        latest
    } else {
        draw.round(first, latest)
    })
}

/// The plan a repair changes: its free moves, with what the search may
/// change.
struct Mend<'a, 'm> {
    space: &'a Space,
    instance: &'a Instance<'m>,
    free: &'a [Move],
}

impl Mend<'_, '_> {
    /// A change aimed at `violation`, one rule the plan breaks: a missing
    /// requirement (or the move a `not_before` line waits for) added or
    /// moved before the move that needs it, or that move moved later; a
    /// move started outside its `when` band moved later, or a move that
    /// pushes the meter toward the band added before it; an expected move
    /// added or brought before its deadline; a move that pushes a meter
    /// toward the band an expectation asks of it added; a use started
    /// while an earlier one runs moved after it or dropped. `None` for the
    /// other rules, which the blind changes handle.
    fn repair(&self, violation: &Violation, draw: &mut Draw) -> Option<Vec<Move>> {
        let instance = self.instance;
        match violation.kind {
            // A `not_before` line asks what a `requires` row does of a
            // move that is taken.
            ViolationKind::MissingRequirement {
                action,
                required,
                lag,
            }
            | ViolationKind::NotBefore {
                action,
                before: required,
                lag,
                ..
            } => {
                if draw.below(4) == 0 {
                    return self.postpone(action, draw);
                }
                let round =
                    start_before(self.space, instance, required, lag, violation.round, draw)?;
                self.place(required, round, draw)
            }
            ViolationKind::ConditionUnmet {
                action,
                meter,
                value,
                at_least,
                ..
            } => {
                if draw.below(2) == 0 {
                    return self.postpone(action, draw);
                }
                let raise = at_least.is_some_and(|floor| value < floor);
                self.push_meter(meter, raise, violation.round, draw)
            }
            ViolationKind::ExpectationUnmet { expectation, .. } => {
                let by = instance.by[expectation];
                match instance.model.expectations[expectation].kind {
                    ExpectationKind::Action(action) => {
                        let duration = instance.model.actions[action].duration;
                        let (first, last) = self.space.windows[action]?;
                        let last = last.min(latest_start_completing_by(by, duration));
                        if last < first {
                            return None;
                        }
                        self.place(action, draw.round(first, last), draw)
                    }
                    ExpectationKind::Meter { meter, band } => {
                        let raise = match (band.at_least, band.at_most) {
                            (Some(_), Some(_)) => draw.below(2) == 0,
                            (floor, _) => floor.is_some(),
                        };
                        let before = if draw.below(2) == 0 {
                            by
                        } else {
                            instance.horizon
                        };
                        self.push_meter(meter, raise, before, draw)
                    }
                }
            }
            ViolationKind::Overlap { action, previous } => {
                self.separate(action, previous, violation.round, draw)
            }
            _ => None,
        }
    }

    /// The plan with the use of `action` started in `round`, while the
    /// one started in `previous` still runs, moved (with its group) to
    /// once that one has ended, or dropped where it cannot move.
    fn separate(
        &self,
        action: ActionIdx,
        previous: u32,
        round: u32,
        draw: &mut Draw,
    ) -> Option<Vec<Move>> {
        let space = self.space;
        let overlapping = Move { round, action };
        if !self.free.contains(&overlapping) {
            return None;
        }
        let rest = space.without_group(self.free, overlapping);
        let clear = previous + self.instance.model.actions[action].duration;
        let last = space.groups[action]
            .iter()
            .map(|&b| space.windows[b].map(|(_, last)| last))
            .min()
            .flatten();
        match last {
            Some(last) if clear <= last => add_at(
                space,
                self.instance,
                &rest,
                action,
                draw.round(clear, last),
                draw,
            ),
            _ => Some(rest),
        }
    }

    /// The plan with `action`'s first use started in `round` (added, with
    /// what it lacks, if it is not in the plan), what it requires moved
    /// earlier and what requires it moved later as the `requires` rows
    /// demand.
    fn place(&self, action: ActionIdx, round: u32, draw: &mut Draw) -> Option<Vec<Move>> {
        let space = self.space;
        let next = match space.first_start(self.free, action) {
            None => add_at(space, self.instance, self.free, action, round, draw)?,
            Some(at) if at == round || space.forced_first(action) == Some(at) => return None,
            Some(_) => {
                let mut next = self.free.to_vec();
                move_first_use(&mut next, action, round);
                next
            }
        };
        keep_order(space, self.instance, next, action, round)
    }

    /// The plan with `action`'s first use moved to a later round of its
    /// window.
    fn postpone(&self, action: ActionIdx, draw: &mut Draw) -> Option<Vec<Move>> {
        let at = self.space.first_start(self.free, action)?;
        let (_, last) = self.space.windows[action]?;
        if at >= last {
            return None;
        }
        self.place(action, draw.round(at + 1, last), draw)
    }

    /// The plan with a move added, before `before`, that pushes `meter` up
    /// (`raise`) or down.
    fn push_meter(
        &self,
        meter: usize,
        raise: bool,
        before: u32,
        draw: &mut Draw,
    ) -> Option<Vec<Move>> {
        let space = self.space;
        let movers = if raise {
            &space.raisers[meter]
        } else {
            &space.lowerers[meter]
        };
        if movers.is_empty() {
            return None;
        }
        let action = movers[draw.below(movers.len())];
        let (first, last) = space.windows[action]?;
        let last = last.min(before.saturating_sub(1));
        if last < first {
            return None;
        }
        add_at(
            space,
            self.instance,
            self.free,
            action,
            draw.round(first, last),
            draw,
        )
    }
}

/// How often (in simulations) the best plan is shown if it got better.
const REPORT_EVERY: u64 = 2_000;

/// Shows `best` to `on_better` if it is valid and better on the objective
/// levels than the plan last shown (`shown`).
fn report(best: &(Moves, Score), shown: &mut Option<Score>, on_better: &mut dyn FnMut(&Moves)) {
    let better = best.1.is_valid()
        && shown
            .as_ref()
            .is_none_or(|last| best.1.levels_better_than(last));
    if better {
        on_better(&best.0);
        *shown = Some(best.1.clone());
    }
}

/// How many (action, round) starts the search may choose among: the start
/// windows' lengths summed (see [`crate::presolve::start_windows`]), a
/// measure of the program's size.
pub fn possible_starts(windows: &[Option<(u32, u32)>]) -> usize {
    windows
        .iter()
        .flatten()
        .map(|&(first, last)| (last + 1).saturating_sub(first) as usize)
        .sum()
}

/// How much the local search may do, and its seed.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most simulations (each change tried costs one).
    pub simulations: u64,
    /// The seed of the changes drawn.
    pub seed: u64,
    /// The most simulations in all while no valid plan is found: a search
    /// that has none after `simulations` goes on until it finds one or
    /// has done this many.
    pub until_valid: u64,
    /// A moment to stop at even with simulations left.
    pub deadline: Deadline,
}

/// A valid plan no worse than `start` (the best found), searched within
/// `limits`, or `None` if neither `start` nor any plan found is valid.
/// The best plan, when valid and better on the objective levels than the
/// one last shown, is shown to `on_better` at the start, every 2,000
/// simulations and at the end. The same arguments give the same plan.
pub fn improve(
    instance: &Instance,
    start: Option<&Moves>,
    limits: Limits,
    on_better: &mut dyn FnMut(&Moves),
) -> Option<Moves> {
    if instance.only_forced || instance.relaxable {
        return start.cloned();
    }
    let space = Space::new(instance);
    let forced = &space.forced;
    let mut free: Vec<Move> = match start {
        Some(moves) => {
            let mut rest = moves.as_slice().to_vec();
            for m in forced {
                if let Some(i) = rest.iter().position(|n| n == m) {
                    rest.remove(i);
                }
            }
            rest
        }
        None => Vec::new(),
    };
    let whole = |free: &[Move]| {
        let mut all = forced.clone();
        all.extend_from_slice(free);
        Moves::new(all)
    };
    let score_of = |moves: &Moves| {
        let evaluation = simulate(instance, moves);
        let score = Score::of(&space, instance, moves, &evaluation);
        (score, evaluation.violations)
    };
    let (mut current, mut faults) = score_of(&whole(&free));
    let mut best = (whole(&free), current.clone());
    let mut history = vec![current.clone(); HISTORY];
    let mut draw = Draw::new(limits.seed);
    let mut shown = None;
    report(&best, &mut shown, on_better);
    for step in 0..limits.simulations.max(limits.until_valid) {
        if step % 256 == 0 && limits.deadline.passed() {
            break;
        }
        if step >= limits.simulations && best.1.is_valid() {
            break;
        }
        let Some(next) = neighbour(&space, instance, &free, &faults, &mut draw) else {
            continue;
        };
        let moves = whole(&next);
        let (score, violations) = score_of(&moves);
        let slot = (step % history.len() as u64) as usize;
        if score.no_worse_than(&current) || score.no_worse_than(&history[slot]) {
            free = next;
            current = score;
            faults = violations;
            if current.cmp(&best.1).is_lt() {
                if current.is_valid() && !best.1.is_valid() {
                    tracing::debug!(simulations = step + 1, "local search: first valid plan");
                }
                best = (moves, current.clone());
            }
        }
        if current.cmp(&history[slot]).is_lt() {
            history[slot] = current.clone();
        }
        if (step + 1) % REPORT_EVERY == 0 {
            report(&best, &mut shown, on_better);
        }
    }
    report(&best, &mut shown, on_better);
    tracing::debug!(
        valid = best.1.is_valid(),
        breaches = best.1.breaches,
        broken = ?simulate(instance, &best.0).violations.iter().map(|v| (v.round, &v.kind)).collect::<Vec<_>>(),
        levels = ?best.1.levels,
        "local search"
    );
    best.1.is_valid().then_some(best.0)
}
