//! The `budgets` family: many multi-use moves (2 to 5 uses each) under a
//! tight budget for every party, a tight cap on each party's moves in
//! progress and on all moves together, a backlash meter with a ceiling,
//! and meter floors that take several uses of several moves to reach.
//! Hard for a time-indexed program in a different way from `mixed` and
//! `chains`: which moves to repeat, and how often, is a knapsack under the
//! budgets, and the capacity rows tie every round to every other.

use serde_json::{json, Map, Value};

use super::{
    busiest, meter_json, parties, scenarios, sustained_floor, trajectories, ActionJson, Rng, Size,
};
use crate::numbers::round6;
use crate::plan::{Move, Moves};
use crate::Error;

/// One generated action before it is written as JSON.
struct Offer {
    party: usize,
    cost: f64,
    duration: u32,
    uses: u32,
    requires: Option<usize>,
    effects: Vec<(usize, f64)>,
    /// Its starts in the reference plan, in order.
    starts: Vec<u32>,
}

/// A model of the `budgets` family of the given size for `seed`.
pub(super) fn generate(size: Size, seed: u64) -> Result<Value, Error> {
    Ok(generate_with_reference(size, seed)?.0)
}

/// The model and the reference plan it is built around.
pub(super) fn generate_with_reference(size: Size, seed: u64) -> Result<(Value, Moves), Error> {
    let mut rng = Rng(seed ^ 0xB0D6_E75A);
    let meters = size.meters.max(1);
    let horizon = size.horizon;
    let backlash = meters >= 3;
    let decay: Vec<f64> = (0..meters)
        .map(|_| if rng.chance(20) { 0.05 } else { 0.0 })
        .collect();
    let initial: Vec<f64> = (0..meters).map(|_| rng.halves(0.0, 2.0)).collect();
    let capacity: Vec<usize> = (0..size.parties)
        .map(|_| rng.range(1, 2) as usize)
        .collect();
    let mut offers = offers(&mut rng, size, meters, backlash);
    reference_plan(&mut rng, horizon, &capacity, &mut offers);

    let meter_values: Vec<Value> = (0..meters)
        .map(|m| meter_json(m, meters, backlash, initial[m], decay[m]))
        .collect();
    let actions: Vec<Value> = offers.iter().enumerate().map(action_json).collect();
    let mut model = json!({
        "seqplan": 1,
        "name": format!("Generated budgets: {} actions, {horizon} rounds (seed {seed})", size.actions),
        "summary": "A random model from `seqplan generate --family budgets`: moves used several times under tight budgets and capacity, built around a plan that meets every expectation.",
        "source": "seqplan generate",
        "horizon": horizon,
        "round": "week",
        "parties": parties(size.parties),
        "meters": meter_values,
        "actions": actions,
    });
    let reference = Moves::new(
        offers
            .iter()
            .enumerate()
            .flat_map(|(action, o)| o.starts.iter().map(move |&round| Move { round, action }))
            .collect(),
    );
    let (paths, idle) = trajectories(&model, &reference)?;
    model["expectations"] =
        expectations(&mut rng, horizon, &offers, &paths, &idle, backlash).into();

    // Red lines: a tight budget per party, a floor on trust, a ceiling on
    // the backlash.
    let mut red_lines = Vec::new();
    let lowest = paths[0].iter().copied().fold(f64::INFINITY, f64::min);
    red_lines.push(json!({"id": "floor_m0", "meter": "m0", "never_below": round6(lowest - 0.5)}));
    if backlash {
        let m = meters - 1;
        let highest = paths[m].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        red_lines.push(json!({"id": format!("cap_m{m}"), "meter": format!("m{m}"),
                              "never_above": round6(highest + 0.25)}));
    }
    for p in 0..size.parties {
        let spent: f64 = offers
            .iter()
            .filter(|o| o.party == p)
            .map(|o| o.cost * o.starts.len() as f64)
            .sum();
        if spent > 0.0 {
            red_lines.push(
                json!({"id": format!("budget_p{p}"), "party": format!("p{p}"),
                                  "cost_at_most": spent + rng.range(0, 1) as f64}),
            );
        }
    }
    model["red_lines"] = red_lines.into();

    let durations: Vec<u32> = offers.iter().map(|o| o.duration).collect();
    let moves = reference.as_slice();
    let per_party: Map<String, Value> = (0..size.parties)
        .filter(|&p| offers.iter().any(|o| o.party == p && !o.starts.is_empty()))
        .map(|p| (format!("p{p}"), capacity[p].into()))
        .collect();
    model["limits"] = json!({
        "moves_per_round": busiest(moves, &durations, horizon, |_| true).max(1),
        "per_party": per_party,
    });

    // Scenarios: a shock to trust, and a spare move withdrawn.
    // One nothing requires and no expectation names.
    let named: Vec<&str> = model["expectations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["action"].as_str())
        .collect();
    let spare = |i: usize| {
        offers.iter().all(|o| o.requires != Some(i)) && !named.contains(&format!("a{i}").as_str())
    };
    let withdrawn = (0..offers.len())
        .rev()
        .find(|&i| spare(i) && offers[i].starts.is_empty())
        .or_else(|| (0..offers.len()).rev().find(|&i| spare(i)));
    model["scenarios"] = scenarios(horizon, withdrawn, "A move is withdrawn");
    Ok((model, reference))
}

/// The moves: each usable 2 to 5 times, mostly lifting one of the good
/// meters, some stirring the backlash and some calming it; a fifth need
/// an earlier move first.
fn offers(rng: &mut Rng, size: Size, meters: usize, backlash: bool) -> Vec<Offer> {
    let good = if backlash { meters - 1 } else { meters };
    let mut offers: Vec<Offer> = Vec::with_capacity(size.actions);
    // The earliest round each move could start, given what it requires.
    let mut earliest: Vec<u32> = Vec::with_capacity(size.actions);
    for i in 0..size.actions {
        let duration = if rng.chance(80) { 1 } else { 2 };
        let mut effects = vec![(rng.index(good), rng.halves(0.5, 1.5))];
        if backlash && rng.chance(35) {
            effects.push((meters - 1, rng.halves(0.5, 1.0)));
        } else if backlash && rng.chance(15) {
            effects = vec![(meters - 1, -rng.halves(0.5, 1.0))];
        }
        let mut requires = (i > 2 && rng.chance(20)).then(|| rng.index(i));
        let can_start = |requires: Option<usize>| {
            requires.map_or(1, |b: usize| earliest[b] + offers[b].duration)
        };
        if can_start(requires) + duration - 1 > size.horizon {
            requires = None;
        }
        earliest.push(can_start(requires));
        offers.push(Offer {
            party: rng.index(size.parties),
            cost: rng.range(1, 6) as f64,
            duration,
            uses: rng.range(2, 5) as u32,
            requires,
            effects,
            starts: Vec::new(),
        });
    }
    offers
}

/// The reference plan: a quarter of the moves unused, the others used 1 to
/// `uses` times in random rounds that respect what they require, their own
/// earlier uses and their party's capacity.
fn reference_plan(rng: &mut Rng, horizon: u32, capacity: &[usize], offers: &mut [Offer]) {
    // Moves in progress per party and round (index 0 unused).
    let mut load = vec![vec![0usize; horizon as usize + 1]; capacity.len()];
    for i in 0..offers.len() {
        let wanted = if rng.chance(25) {
            0
        } else {
            rng.range(1, u64::from(offers[i].uses)) as u32
        };
        // Requirements read the first use (lag 1: completed before).
        let from = match offers[i].requires {
            Some(b) => match offers[b].starts.first() {
                Some(&s) => s + offers[b].duration,
                None => continue,
            },
            None => 1,
        };
        let (duration, party) = (offers[i].duration, offers[i].party);
        if from + duration - 1 > horizon {
            continue;
        }
        let mut starts: Vec<u32> = Vec::new();
        for _ in 0..wanted {
            for _ in 0..12 {
                let s = rng.range(u64::from(from), u64::from(horizon - duration + 1)) as u32;
                let apart = starts
                    .iter()
                    .all(|&t| t + duration <= s || s + duration <= t);
                let room = (s..s + duration).all(|t| load[party][t as usize] < capacity[party]);
                if apart && room {
                    for t in s..s + duration {
                        load[party][t as usize] += 1;
                    }
                    starts.push(s);
                    break;
                }
            }
        }
        starts.sort_unstable();
        offers[i].starts = starts;
    }
}

/// The action as JSON (its one requirement with the default lag).
fn action_json((i, offer): (usize, &Offer)) -> Value {
    let effects: Vec<(usize, f64, u32)> =
        offer.effects.iter().map(|&(m, add)| (m, add, 0)).collect();
    ActionJson {
        party: offer.party,
        cost: offer.cost,
        duration: offer.duration,
        uses: offer.uses,
        requires: offer
            .requires
            .iter()
            .map(|b| json!(format!("a{b}")))
            .collect(),
        effects: &effects,
    }
    .to_json(i)
}

/// Floors on the good meters (trust always, the others most of the time)
/// where no move at all falls well short, and the move whose first use
/// completes last.
fn expectations(
    rng: &mut Rng,
    horizon: u32,
    offers: &[Offer],
    paths: &[Vec<f64>],
    idle: &[Vec<f64>],
    backlash: bool,
) -> Vec<Value> {
    let good = if backlash {
        paths.len() - 1
    } else {
        paths.len()
    };
    let mut out: Vec<Value> = Vec::new();
    for m in 0..good {
        if m > 0 && !rng.chance(60) {
            continue;
        }
        let by = (rng.range(u64::from(horizon / 2), u64::from(horizon)) as u32).max(1);
        out.extend(sustained_floor(out.len(), m, by, paths, idle));
    }
    let last = offers
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.starts.first().map(|&s| (s + o.duration - 1, i)))
        .max_by_key(|&(done, i)| (done, std::cmp::Reverse(i)));
    if let Some((done, i)) = last {
        let by = (done + rng.range(0, 1) as u32).min(horizon);
        out.push(json!({"id": format!("e{}", out.len()), "action": format!("a{i}"), "by": by}));
    }
    out
}
