//! A quick plan without the solver: walk the rounds and start every useful
//! move as soon as the simulator says it breaks no rule (or, for the moves
//! no expectation needs, from a later round on). It is no optimum,
//! but when the solver runs out of time before finding any plan, a valid
//! greedy plan is a better answer than none, and its distance from an
//! order-free bound says how far from optimal it can be.

use crate::model::{ActionIdx, ExpectationKind, Instance, RedLineKind};
use crate::plan::{Move, Moves};
use crate::presolve::{completion, ready_from};
use crate::simulate::{simulate, ViolationKind};
use crate::solve::Deadline;

/// The actions an expectation names and everything they require
/// (transitively, with `together` partners), in index order.
fn needed_actions(instance: &Instance, roots: Vec<ActionIdx>) -> Vec<ActionIdx> {
    let needed = crate::presolve::with_what_they_need(instance, roots);
    (0..instance.model.actions.len())
        .filter(|&a| needed[a] && instance.is_available(a))
        .collect()
}

/// Candidate lists, tried in turn: the moves the expected actions need;
/// then those followed by moves that push a meter the way an expectation or
/// a `when` band asks (the helpers); then with fixed halves of the helpers.
fn candidate_lists(instance: &Instance) -> Vec<Vec<ActionIdx>> {
    let model = instance.model;
    let roots: Vec<ActionIdx> = model
        .expectations
        .iter()
        .filter_map(|e| match e.kind {
            ExpectationKind::Action(a) => Some(a),
            ExpectationKind::Meter { .. } => None,
        })
        .collect();
    let (wanted_meters, lowered_meters) = crate::presolve::meters_asked_to_move(model);
    let needed = needed_actions(instance, roots);
    let helpers: Vec<ActionIdx> = (0..model.actions.len())
        .filter(|a| !needed.contains(a))
        .filter(|&a| {
            model.actions[a].effects.iter().any(|e| {
                (e.add > 0.0 && wanted_meters[e.meter]) || (e.add < 0.0 && lowered_meters[e.meter])
            })
        })
        .collect();
    let with_helpers = |helpers: Vec<ActionIdx>| {
        let mut list = needed.clone();
        list.extend(
            needed_actions(instance, helpers)
                .into_iter()
                .filter(|a| !needed.contains(a)),
        );
        list
    };
    let mut lists = vec![needed.clone(), with_helpers(helpers.clone())];
    // Then a few fixed halves of the helpers: taking every helper as soon
    // as possible can spend a budget or a limit an expected move needs.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..RANDOM_TRIES {
        let half: Vec<ActionIdx> = helpers
            .iter()
            .copied()
            .filter(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state % 2 == 0
            })
            .collect();
        lists.push(with_helpers(half));
    }
    lists
}

/// How many random halves of the helpers the greedy walk tries.
const RANDOM_TRIES: usize = 6;

/// Whether the plan breaks no rule other than unmet expectations and meter
/// lines crossed after `round` (which later moves may still put right).
fn clean_so_far(instance: &Instance, moves: &Moves, round: u32) -> bool {
    simulate(instance, moves)
        .violations
        .iter()
        .all(|v| match v.kind {
            ViolationKind::ExpectationUnmet { .. } => true,
            // A meter that decays below a floor after this round may yet be
            // held up by later moves.
            ViolationKind::MeterCrossed { .. } => v.round > round,
            _ => false,
        })
}

/// A valid plan found greedily, or `None` if the greedy walk does not meet
/// every expectation. Forced moves are placed first; the members of a
/// `together` group are started as one.
pub fn greedy_plan(instance: &Instance) -> Option<Moves> {
    greedy_plan_until(instance, Deadline::NONE)
}

/// [`greedy_plan`], trying no further walk once `deadline` has passed
/// (the first two, at once with the needed moves and with every helper,
/// always run: each takes well under a second even at 300 × 52).
pub fn greedy_plan_until(instance: &Instance, deadline: Deadline) -> Option<Moves> {
    if instance.only_forced {
        return None;
    }
    let lists = candidate_lists(instance);
    let needed = &lists[0];
    let holds = hold_rounds(instance);
    let mut tries = Vec::new();
    for (i, candidates) in lists.iter().enumerate() {
        // The needed moves alone are never held back.
        let holds = if i == 0 { &holds[..1] } else { &holds[..] };
        tries.extend(holds.iter().map(|&from| (candidates, from)));
    }
    let past_deadline = || deadline.passed();
    tries
        .into_iter()
        .enumerate()
        .take_while(|&(i, _)| i < 2 || !past_deadline())
        .find_map(|(_, (candidates, from))| walk(instance, candidates, needed, from))
}

/// The rounds from which the moves that are not needed may start, tried in
/// turn: at once, then later by eighths of the horizon up to the last
/// deadline. Taken as early as possible, the effects of such moves on a
/// decaying meter can fade before an expectation on it has to hold; with
/// no expectation on a decaying meter, only at once.
fn hold_rounds(instance: &Instance) -> Vec<u32> {
    let model = instance.model;
    let fading = model.expectations.iter().any(|e| match e.kind {
        ExpectationKind::Meter { meter, .. } => model.meters[meter].decay > 0.0,
        ExpectationKind::Action(_) => false,
    });
    if !fading {
        return vec![1];
    }
    let horizon = instance.horizon;
    let last_deadline = instance.by.iter().copied().max().unwrap_or(horizon);
    let mut rounds: Vec<u32> = (0..8)
        .map(|k| 1 + k * horizon / 8)
        .filter(|&r| r == 1 || r < last_deadline)
        .collect();
    rounds.dedup();
    rounds
}

/// The actions that must start in the same round as `a`: its `together`
/// groups, joined where they share a member; `a` alone without one.
pub(crate) fn starting_with(instance: &Instance, a: ActionIdx) -> Vec<ActionIdx> {
    let mut group = vec![a];
    let mut grew = true;
    while grew {
        grew = false;
        for members in &instance.model.together {
            if members.iter().any(|b| group.contains(b)) {
                for &b in members {
                    if !group.contains(&b) {
                        group.push(b);
                        grew = true;
                    }
                }
            }
        }
    }
    group
}

/// Per party, the lowest `cost_at_most` cap on it (infinite without one).
fn budgets(instance: &Instance) -> Vec<f64> {
    let model = instance.model;
    let mut caps = vec![f64::INFINITY; model.parties.len()];
    for line in &model.red_lines {
        if let RedLineKind::CostAtMost { party, cap } = line.kind {
            caps[party] = caps[party].min(cap);
        }
    }
    caps
}

/// Whether starting `group` now would leave `party` too little of its
/// budget (`caps`) for the needed moves it has yet to make. Needed moves
/// themselves always may spend it.
fn over_budget(
    instance: &Instance,
    caps: &[f64],
    moves: &[Move],
    group: &[ActionIdx],
    needed: &[ActionIdx],
    party: usize,
) -> bool {
    let model = instance.model;
    let cost_of = |b: &ActionIdx| model.actions[*b].cost;
    let by_party = |b: &&ActionIdx| model.actions[**b].by == party;
    let spent: f64 = moves
        .iter()
        .filter(|m| model.actions[m.action].by == party)
        .map(|m| model.actions[m.action].cost)
        .sum();
    let extra: f64 = group
        .iter()
        .filter(by_party)
        .filter(|b| !needed.contains(b))
        .map(cost_of)
        .sum();
    let reserved: f64 = needed
        .iter()
        .filter(by_party)
        .filter(|&&b| moves.iter().all(|m| m.action != b))
        .map(cost_of)
        .sum();
    extra > 0.0 && spent + extra + reserved > caps[party] + crate::numbers::TOLERANCE
}

/// Whether every move `action` requires is done, with its lag, in time
/// for `action` to start in `round` in the plan `moves`: without them the
/// simulator would find the start breaks a rule, and checking first spares
/// a simulation per move that waits for another.
fn requirements_done(instance: &Instance, moves: &[Move], action: ActionIdx, round: u32) -> bool {
    let actions = &instance.model.actions;
    actions[action].requires.iter().all(|requirement| {
        let duration = actions[requirement.action].duration;
        moves.iter().any(|m| {
            m.action == requirement.action
                && ready_from(completion(m.round, duration), requirement.lag) <= round
        })
    })
}

/// Walks the rounds, starting each candidate (in the order given) as soon
/// as it breaks no rule; the plan if it ends valid. A move that is not
/// `needed` is only taken from round `from` on, and if its party's budget
/// still covers the needed moves that party has yet to make.
fn walk(
    instance: &Instance,
    candidates: &[ActionIdx],
    needed: &[ActionIdx],
    from: u32,
) -> Option<Moves> {
    let model = instance.model;
    let caps = budgets(instance);
    let mut moves: Vec<Move> = instance
        .forced
        .iter()
        .map(|&(action, round)| Move { round, action })
        .collect();
    let windows = crate::presolve::start_windows(instance);
    let groups: Vec<Vec<ActionIdx>> = (0..model.actions.len())
        .map(|a| starting_with(instance, a))
        .collect();
    for round in 1..=instance.horizon {
        for &a in candidates {
            let group = &groups[a];
            let ready = |b: ActionIdx| {
                moves.iter().all(|m| m.action != b)
                    && windows[b].is_some_and(|(first, last)| first <= round && round <= last)
            };
            if !group.iter().all(|&b| ready(b)) {
                continue;
            }
            if !needed.contains(&a) && round < from {
                continue;
            }
            if !group
                .iter()
                .all(|&b| requirements_done(instance, &moves, b, round))
            {
                continue;
            }
            let over = |b: ActionIdx| over_budget(instance, &caps, &moves, group, needed, b);
            if group.iter().any(|&b| over(model.actions[b].by)) {
                continue;
            }
            let mut trial = moves.clone();
            trial.extend(group.iter().map(|&action| Move { round, action }));
            let trial = Moves::new(trial);
            if clean_so_far(instance, &trial, round) {
                moves = trial.as_slice().to_vec();
            }
        }
    }
    let moves = Moves::new(moves);
    simulate(instance, &moves).is_valid().then_some(moves)
}
