//! Why each move of a plan is in its round and not earlier, computed, not
//! guessed: the plan is replayed by the simulator with the move (and its
//! `together` partners) one round earlier, and what breaks is the reason.
//! Also what each move unlocks: the later moves whose preconditions it
//! serves. Explanations are data; `render::explain` words them.

use crate::chance::Probability;
use crate::model::{ActionIdx, Instance, MeterIdx};
use crate::plan::{Move, Moves};
use crate::presolve::{self, precedences, ready_from, PrecedenceSource};
use crate::report::objective_values;
use crate::report::{ObjectiveValue, PlanReport};
use crate::simulate::{simulate, Violation};

/// The explanation of a whole plan, move by move in plan order.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub moves: Vec<MoveExplanation>,
}

/// Why one move is where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveExplanation {
    pub action: ActionIdx,
    pub round: u32,
    pub why_not_earlier: WhyNotEarlier,
    /// `together` partners that would move one round earlier with it.
    pub moved_with: Vec<ActionIdx>,
    /// Later moves whose preconditions this move serves.
    pub unlocks: Vec<Unlock>,
}

/// What stops a move from starting one round earlier.
#[derive(Debug, Clone, PartialEq)]
pub enum WhyNotEarlier {
    /// It already starts in the first round its window allows.
    FirstPossible { first: u32 },
    /// One round earlier (with everything else unchanged) breaks these
    /// rules, as the simulator finds them.
    Breaks(Vec<Violation>),
    /// One round earlier breaks nothing, but the plan would be worse on an
    /// objective level: the levels it would reach, in the model's order.
    Objective { earlier: Vec<ObjectiveValue> },
    /// One round earlier breaks nothing, but in a plan chosen to hold with
    /// a stated probability, the plan's chance would fall short of it.
    LessReliable { chance: Probability, level: f64 },
}

/// A later move a move makes possible, and every way it serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unlock {
    pub action: ActionIdx,
    pub round: u32,
    pub via: Vec<Via>,
}

/// How a move serves a later one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Via {
    /// The later move `requires` it (with this lag).
    Requires { lag: u32 },
    /// A `not_before` red line on the later move waits for it.
    NotBefore { red_line: usize },
    /// Its effect moves a meter toward the later move's `when` band.
    Meter { meter: MeterIdx },
}

/// Explains every move of a solved plan.
pub fn explain(instance: &Instance, report: &PlanReport) -> Explanation {
    let moves = report
        .moves
        .as_slice()
        .iter()
        .map(|&m| MoveExplanation {
            action: m.action,
            round: m.round,
            why_not_earlier: why_not_earlier(instance, report, m),
            moved_with: partners_in_round(instance, &report.moves, m),
            unlocks: unlocks(instance, &report.moves, m),
        })
        .collect();
    Explanation { moves }
}

/// The `together` partners of `m` that start in the same round.
fn partners_in_round(instance: &Instance, moves: &Moves, m: Move) -> Vec<ActionIdx> {
    let groups = instance
        .model
        .together
        .iter()
        .filter(|g| g.contains(&m.action));
    let mut partners: Vec<ActionIdx> = groups
        .flatten()
        .copied()
        .filter(|&a| a != m.action && moves.starts_of(a).any(|s| s == m.round))
        .collect();
    partners.sort_unstable();
    partners.dedup();
    partners
}

/// The plan with `m` and its `together` partners of the same round moved
/// one round earlier.
pub fn shifted_earlier(instance: &Instance, moves: &Moves, m: Move) -> Moves {
    let partners = partners_in_round(instance, moves, m);
    let shifted = moves
        .as_slice()
        .iter()
        .map(|&other| {
            let goes_earlier =
                other == m || (other.round == m.round && partners.contains(&other.action));
            if goes_earlier {
                Move {
                    round: other.round - 1,
                    action: other.action,
                }
            } else {
                other
            }
        })
        .collect();
    Moves::new(shifted)
}

fn why_not_earlier(instance: &Instance, report: &PlanReport, m: Move) -> WhyNotEarlier {
    let first = instance.model.actions[m.action].earliest.max(1);
    if m.round <= first {
        return WhyNotEarlier::FirstPossible { first };
    }
    let earlier = shifted_earlier(instance, &report.moves, m);
    let evaluation = simulate(instance, &earlier);
    if !evaluation.is_valid() {
        return WhyNotEarlier::Breaks(evaluation.violations);
    }
    if let (Some(reliability), Some(odds)) = (&report.reliability, &report.odds) {
        let chance = crate::chance::odds(instance, &earlier, &odds.options).all;
        if chance.value < reliability.asked.level - 1e-9 {
            return WhyNotEarlier::LessReliable {
                chance,
                level: reliability.asked.level,
            };
        }
    }
    let values = objective_values(instance.model, &evaluation);
    WhyNotEarlier::Objective { earlier: values }
}

/// The first completion of each action in the plan.
fn first_completion(instance: &Instance, moves: &Moves, action: ActionIdx) -> Option<u32> {
    let duration = instance.model.actions[action].duration;
    moves
        .starts_of(action)
        .map(|s| presolve::completion(s, duration))
        .min()
}

fn unlocks(instance: &Instance, moves: &Moves, m: Move) -> Vec<Unlock> {
    let model = instance.model;
    let action = &model.actions[m.action];
    let completion = presolve::completion(m.round, action.duration);
    // Only the use that completes first serves `requires` and `not_before`.
    let serves_precedence = first_completion(instance, moves, m.action) == Some(completion);
    let mut out: Vec<Unlock> = Vec::new();
    let mut add = |later: &Move, via: Via| match out
        .iter_mut()
        .find(|u| u.action == later.action && u.round == later.round)
    {
        Some(unlock) => unlock.via.push(via),
        None => out.push(Unlock {
            action: later.action,
            round: later.round,
            via: vec![via],
        }),
    };
    for later in moves
        .as_slice()
        .iter()
        .filter(|l| l.round > m.round || (l.round == m.round && l.action != m.action))
    {
        let needs = &model.actions[later.action];
        if serves_precedence {
            for p in precedences(instance, later.action) {
                if p.before != m.action || ready_from(completion, p.lag) > later.round {
                    continue;
                }
                match p.source {
                    PrecedenceSource::Requires(_) => add(later, Via::Requires { lag: p.lag }),
                    PrecedenceSource::NotBefore(i) => add(later, Via::NotBefore { red_line: i }),
                }
            }
        }
        for c in &needs.when {
            let helps = action.effects.iter().any(|e| {
                let lands = completion + e.delay;
                let toward =
                    (c.at_least.is_some() && e.add > 0.0) || (c.at_most.is_some() && e.add < 0.0);
                e.meter == c.meter && toward && lands < later.round
            });
            if helps {
                add(later, Via::Meter { meter: c.meter });
            }
        }
    }
    out
}
