//! The `chains` family: long chains of moves, each step requiring the one
//! before with a lag of 0 to 2 rounds, some effects landing late, a few
//! links and `not_before` lines across chains, on meters that all decay.
//! The meter expectations are sustained: a meter must stay above its level
//! from the deadline to the end, which on a decaying meter takes repeated
//! upkeep moves (each usable 2 to 4 times). Hard for a time-indexed
//! program in a different way from `mixed`: long precedence paths, and
//! floors the LP relaxation meets with fractions of many moves.

use serde_json::{json, Map, Value};

use super::{
    busiest, lagged, meter_json, parties, scenarios, sustained_floor, trajectories, ActionJson,
    Rng, Size,
};
use crate::numbers::round6;
use crate::plan::{Move, Moves};
use crate::Error;

/// One generated action before it is written as JSON.
struct Step {
    party: usize,
    cost: f64,
    duration: u32,
    uses: u32,
    requires: Vec<(usize, u32)>,
    /// (meter, add, delay).
    effects: Vec<(usize, f64, u32)>,
    /// Its chain, or `None` for an upkeep move.
    chain: Option<usize>,
    /// Its starts in the reference plan, in order.
    starts: Vec<u32>,
}

impl Step {
    fn completion(&self, start: u32) -> u32 {
        start + self.duration - 1
    }
    /// The round its first reference use completes, if it is used.
    fn first_done(&self) -> Option<u32> {
        self.starts.first().map(|&s| self.completion(s))
    }
}

/// A model of the `chains` family of the given size for `seed`.
pub(super) fn generate(size: Size, seed: u64) -> Result<Value, Error> {
    Ok(generate_with_reference(size, seed)?.0)
}

/// The model and the reference plan it is built around.
pub(super) fn generate_with_reference(size: Size, seed: u64) -> Result<(Value, Moves), Error> {
    let mut rng = Rng(seed ^ 0xC4A1_5EED);
    let meters = size.meters.max(1);
    let horizon = size.horizon;
    let decay: Vec<f64> = (0..meters)
        .map(|_| rng.range(5, 12) as f64 / 100.0)
        .collect();
    let initial: Vec<f64> = (0..meters).map(|_| rng.halves(1.0, 3.0)).collect();
    let mut steps = chain_steps(&mut rng, size, meters);
    upkeep_steps(&mut rng, size, meters, &mut steps);
    reference_plan(&mut rng, horizon, &mut steps);

    let meter_values: Vec<Value> = (0..meters)
        .map(|m| meter_json(m, meters, false, initial[m], decay[m]))
        .collect();
    let mut actions: Vec<Value> = steps.iter().enumerate().map(action_json).collect();
    let mut model = json!({
        "seqplan": 1,
        "name": format!("Generated chains: {} actions, {horizon} rounds (seed {seed})", size.actions),
        "summary": "A random model from `seqplan generate --family chains`: long chains of moves on decaying meters that must be held up, built around a plan that meets every expectation.",
        "source": "seqplan generate",
        "horizon": horizon,
        "round": "week",
        "parties": parties(size.parties),
        "meters": meter_values,
        "actions": actions.clone(),
    });
    let reference = Moves::new(
        steps
            .iter()
            .enumerate()
            .flat_map(|(action, s)| s.starts.iter().map(move |&round| Move { round, action }))
            .collect(),
    );
    let (paths, idle) = trajectories(&model, &reference)?;

    // Some chain steps wait for a meter the reference plan has reached.
    for (i, step) in steps.iter().enumerate() {
        let Some(&s) = step.starts.first() else {
            continue;
        };
        if step.chain.is_some() && !step.requires.is_empty() && s > 1 && rng.chance(30) {
            let m = rng.index(meters);
            let level = round6(paths[m][(s - 1) as usize] - 0.25);
            actions[i]["when"] = json!([{"meter": format!("m{m}"), "at_least": level}]);
        }
    }
    model["actions"] = actions.into();
    model["expectations"] = expectations(&mut rng, horizon, &steps, &paths, &idle).into();
    model["red_lines"] = red_lines(&mut rng, &steps, &paths).into();
    let durations: Vec<u32> = steps.iter().map(|s| s.duration).collect();
    let moves = reference.as_slice();
    let mut per_party = Map::new();
    for p in 0..size.parties {
        let most = busiest(moves, &durations, horizon, |m| steps[m.action].party == p);
        if most > 0 && rng.chance(50) {
            per_party.insert(format!("p{p}"), (most + 1).into());
        }
    }
    let mut limits = json!({"moves_per_round": busiest(moves, &durations, horizon, |_| true) + 1});
    if !per_party.is_empty() {
        limits["per_party"] = per_party.into();
    }
    model["limits"] = limits;

    // Scenarios: a shock to trust, and an upkeep move withdrawn.
    let upkeep = steps.iter().rposition(|s| s.chain.is_none());
    model["scenarios"] = scenarios(horizon, upkeep, "An upkeep move is withdrawn");
    Ok((model, reference))
}

/// The chain steps: chains of 4 to 8 moves, five sixths of the actions.
/// A step that could not fit in the horizon after its chain starts a new
/// chain instead (so that every move can be taken in some plan).
fn chain_steps(rng: &mut Rng, size: Size, meters: usize) -> Vec<Step> {
    let upkeep = (size.actions / 6).max(1).min(size.actions);
    let count = size.actions - upkeep;
    let mut steps: Vec<Step> = Vec::with_capacity(size.actions);
    // The earliest round each step could start, given what it requires.
    let mut earliest: Vec<u32> = Vec::with_capacity(count);
    let mut chain = 0;
    while steps.len() < count {
        let len = (rng.range(4, 8) as usize).min(count - steps.len());
        let home = rng.index(meters);
        let first_of_chain = steps.len();
        for k in 0..len {
            let i = steps.len();
            let duration = if rng.chance(70) {
                1
            } else {
                rng.range(2, 3) as u32
            };
            let mut requires = Vec::new();
            if k > 0 {
                requires.push((i - 1, rng.range(0, 2) as u32));
            }
            if first_of_chain > 0 && rng.chance(15) {
                requires.push((rng.index(first_of_chain), 1));
            }
            let can_start = |requires: &[(usize, u32)]| {
                requires
                    .iter()
                    .map(|&(b, lag): &(usize, u32)| {
                        (earliest[b] + steps[b].duration - 1 + lag).max(1)
                    })
                    .max()
                    .unwrap_or(1)
            };
            if can_start(&requires) + duration - 1 > size.horizon {
                requires.clear();
            }
            let from = can_start(&requires);
            earliest.push(from);
            // A late effect only where it can still land in the horizon.
            let delay = if rng.chance(25) {
                rng.range(1, 2) as u32
            } else {
                0
            };
            let delay = if from + duration - 1 + delay <= size.horizon {
                delay
            } else {
                0
            };
            let mut effects = vec![(home, rng.halves(0.5, 2.0), delay)];
            if meters > 1 && rng.chance(30) {
                let other = (home + 1 + rng.index(meters - 1)) % meters;
                effects.push((other, -rng.halves(0.5, 1.0), 0));
            }
            steps.push(Step {
                party: rng.index(size.parties),
                cost: rng.range(1, 5) as f64,
                duration,
                uses: 1,
                requires,
                effects,
                chain: Some(chain),
                starts: Vec::new(),
            });
        }
        chain += 1;
    }
    steps
}

/// Upkeep moves: usable 2 to 4 times, each lifting one meter a little.
fn upkeep_steps(rng: &mut Rng, size: Size, meters: usize, steps: &mut Vec<Step>) {
    while steps.len() < size.actions {
        steps.push(Step {
            party: rng.index(size.parties),
            cost: rng.range(1, 3) as f64,
            duration: 1,
            uses: rng.range(2, 4) as u32,
            requires: Vec::new(),
            effects: vec![(rng.index(meters), rng.halves(0.5, 1.5), 0)],
            chain: None,
            starts: Vec::new(),
        });
    }
}

/// The reference plan: each chain from a release round in the first third
/// of the horizon, each step as soon as the one before allows (or a round
/// later), while it fits; upkeep moves in random distinct rounds.
fn reference_plan(rng: &mut Rng, horizon: u32, steps: &mut [Step]) {
    let spread = u64::from((horizon / 3).max(1));
    let mut release = 0;
    for i in 0..steps.len() {
        if steps[i].chain.is_none() {
            let uses = if rng.chance(70) {
                steps[i].uses
            } else {
                rng.range(0, u64::from(steps[i].uses)) as u32
            };
            let mut rounds: Vec<u32> = (0..uses)
                .map(|_| rng.range(1, u64::from(horizon)) as u32)
                .collect();
            rounds.sort_unstable();
            rounds.dedup();
            steps[i].starts = rounds;
            continue;
        }
        if steps[i].requires.iter().all(|&(b, _)| b + 1 != i) {
            // The head of a chain.
            release = rng.range(1, spread) as u32;
        }
        let mut start = Some(release + rng.range(0, 1) as u32);
        for &(b, lag) in &steps[i].requires {
            start = match (start, steps[b].first_done()) {
                (Some(s), Some(done)) => Some(s.max(done + lag)),
                _ => None,
            };
        }
        let start = start.filter(|&s| s >= 1 && steps[i].completion(s) <= horizon);
        steps[i].starts = start.into_iter().collect();
    }
}

/// The action as JSON.
fn action_json((i, step): (usize, &Step)) -> Value {
    ActionJson {
        party: step.party,
        cost: step.cost,
        duration: step.duration,
        uses: step.uses,
        requires: lagged(&step.requires),
        effects: &step.effects,
    }
    .to_json(i)
}

/// The ends of the two chains that finish last, and sustained floors on
/// the meters the moves hold up (trust always, the others some of the
/// time), each only where no move at all would fall well short of it.
fn expectations(
    rng: &mut Rng,
    horizon: u32,
    steps: &[Step],
    paths: &[Vec<f64>],
    idle: &[Vec<f64>],
) -> Vec<Value> {
    let mut ends: Vec<(u32, usize)> = steps
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            s.chain.is_some()
                && steps
                    .get(i + 1)
                    .is_none_or(|next| next.chain != s.chain || next.starts.is_empty())
        })
        .filter_map(|(i, s)| s.first_done().map(|done| (done, i)))
        .collect();
    ends.sort_by_key(|&(done, i)| (std::cmp::Reverse(done), i));
    let mut out: Vec<Value> = Vec::new();
    for &(done, i) in ends.iter().take(2) {
        let by = (done + rng.range(0, 2) as u32).min(horizon);
        out.push(json!({"id": format!("e{}", out.len()), "action": format!("a{i}"), "by": by}));
    }
    for m in 0..paths.len() {
        if m > 0 && !rng.chance(40) {
            continue;
        }
        let by = (rng.range(u64::from(horizon * 2 / 5), u64::from(horizon * 3 / 5)) as u32).max(1);
        out.extend(sustained_floor(out.len(), m, by, paths, idle));
    }
    if out.is_empty() {
        if let Some((i, done)) = steps
            .iter()
            .enumerate()
            .find_map(|(i, s)| s.first_done().map(|d| (i, d)))
        {
            out.push(json!({"id": "e0", "action": format!("a{i}"), "by": done}));
        }
    }
    out
}

/// Floors the reference plan keeps clear of, and one or two `not_before`
/// lines across chains that it keeps.
fn red_lines(rng: &mut Rng, steps: &[Step], paths: &[Vec<f64>]) -> Vec<Value> {
    let mut out = Vec::new();
    for (m, path) in paths.iter().enumerate() {
        if m == 0 || rng.chance(50) {
            let lowest = path.iter().copied().fold(f64::INFINITY, f64::min);
            out.push(
                json!({"id": format!("floor_m{m}"), "meter": format!("m{m}"),
                            "never_below": round6(lowest - 0.5)}),
            );
        }
    }
    let taken: Vec<usize> = (0..steps.len())
        .filter(|&i| steps[i].chain.is_some() && !steps[i].starts.is_empty())
        .collect();
    let wanted = rng.range(1, 2);
    let mut placed = 0;
    for _ in 0..20 {
        if placed == wanted || taken.len() < 2 {
            break;
        }
        let x = taken[rng.index(taken.len())];
        let y = taken[rng.index(taken.len())];
        let (sx, done_y) = (
            steps[x].starts[0],
            steps[y].first_done().unwrap_or(u32::MAX),
        );
        let related = steps[x].chain == steps[y].chain
            || steps[x].requires.iter().any(|&(b, _)| b == y)
            || steps[y].requires.iter().any(|&(b, _)| b == x);
        if !related && done_y < sx {
            out.push(
                json!({"id": format!("order_{placed}"), "action": format!("a{x}"),
                            "not_before": format!("a{y}")}),
            );
            placed += 1;
        }
    }
    out
}
