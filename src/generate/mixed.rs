//! The `mixed` family: chains of moves with lags, meter thresholds,
//! red-line floors and ceilings, cost caps, a limit on moves per round, 2–4
//! expectations and two scenarios. The first family, the one the
//! presolve's speed-ups were measured on.

use serde_json::{json, Value};

use super::{busiest, lagged, meter_json, parties, scenarios, ActionJson, Rng, Size};
use crate::numbers::round6;
use crate::plan::{Move, Moves};
use crate::Error;

/// One generated action before it is written as JSON.
struct Draft {
    party: usize,
    cost: f64,
    duration: u32,
    requires: Vec<(usize, u32)>,
    effects: Vec<(usize, f64)>,
    /// Its start in the reference plan, if it is in it.
    start: Option<u32>,
}

/// A model of the `mixed` family of the given size for `seed`.
pub(super) fn generate(size: Size, seed: u64) -> Result<Value, Error> {
    let mut rng = Rng(seed ^ 0x5EC0_91A4);
    let meters = size.meters.max(1);
    let horizon = size.horizon;
    // Meter 0 is trust-like (decays), the last may be backlash (bad when high).
    let decay: Vec<f64> = (0..meters)
        .map(|m| if m == 0 || rng.chance(30) { 0.05 } else { 0.0 })
        .collect();
    let backlash = meters >= 3;
    let initial: Vec<f64> = (0..meters).map(|_| rng.halves(0.5, 2.0)).collect();

    let mut drafts: Vec<Draft> = Vec::with_capacity(size.actions);
    // The earliest round each action could start, given what it requires.
    let mut earliest: Vec<u32> = Vec::with_capacity(size.actions);
    for i in 0..size.actions {
        let duration = if rng.chance(75) {
            1
        } else {
            rng.range(2, 3) as u32
        };
        let mut requires = Vec::new();
        if i > 0 && rng.chance(55) {
            // Mostly recent moves: chains rather than one hub.
            let back = rng.range(1, (i as u64).min(6)) as usize;
            requires.push((i - back, rng.range(0, 2) as u32));
        }
        if i > 4 && rng.chance(15) {
            let other = rng.range(0, (i - 1) as u64) as usize;
            if requires.iter().all(|&(b, _)| b != other) {
                requires.push((other, 1));
            }
        }
        let mut effects = vec![(
            rng.range(0, (meters - 1) as u64) as usize,
            rng.halves(0.5, 2.0),
        )];
        if rng.chance(40) {
            let m = rng.range(0, (meters - 1) as u64) as usize;
            if effects.iter().all(|&(n, _)| n != m) {
                let add = if backlash && m == meters - 1 {
                    rng.halves(0.5, 1.0)
                } else {
                    -rng.halves(0.5, 1.0)
                };
                effects.push((m, add));
            }
        }
        if backlash && effects[0].0 == meters - 1 && rng.chance(50) {
            // Some moves calm the backlash; the others stir it.
            effects[0].1 = -effects[0].1;
        }
        let can_start = |requires: &[(usize, u32)]| {
            requires
                .iter()
                .map(|&(b, lag)| (earliest[b] + drafts[b].duration - 1 + lag).max(1))
                .max()
                .unwrap_or(1)
        };
        if can_start(&requires) + duration - 1 > horizon {
            requires.clear();
        }
        earliest.push(can_start(&requires));
        drafts.push(Draft {
            party: rng.range(0, (size.parties - 1) as u64) as usize,
            cost: rng.range(1, 5) as f64,
            duration,
            requires,
            effects,
            start: None,
        });
    }

    // The reference plan: each action at its release round or as soon as
    // what it requires has completed, if it still fits in the horizon.
    let spread = (f64::from(horizon) * 0.7).max(1.0) as u64;
    for i in 0..drafts.len() {
        let release = rng.range(1, spread) as u32;
        // Not every move is part of the story: a third are spare.
        let mut start = (i < 4 || !rng.chance(33)).then_some(release);
        for &(b, lag) in &drafts[i].requires {
            start = match (start, drafts[b].start) {
                (Some(s), Some(sb)) => Some(s.max(sb + drafts[b].duration - 1 + lag)),
                _ => None,
            };
        }
        drafts[i].start = start.filter(|&s| s >= 1 && s + drafts[i].duration - 1 <= horizon);
    }

    let meter_values: Vec<Value> = (0..meters)
        .map(|m| meter_json(m, meters, backlash, initial[m], decay[m]))
        .collect();
    let mut actions: Vec<Value> = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let effects: Vec<(usize, f64, u32)> =
                d.effects.iter().map(|&(m, add)| (m, add, 0)).collect();
            ActionJson {
                party: d.party,
                cost: d.cost,
                duration: d.duration,
                uses: 1,
                requires: lagged(&d.requires),
                effects: &effects,
            }
            .to_json(i)
        })
        .collect();
    let mut model = json!({
        "seqplan": 1,
        "name": format!("Generated model: {} actions, {horizon} rounds (seed {seed})", size.actions),
        "summary": "A random model from `seqplan generate`, built around a plan that meets every expectation.",
        "source": "seqplan generate",
        "horizon": horizon,
        "round": "week",
        "parties": parties(size.parties),
        "meters": meter_values,
        "actions": actions.clone(),
    });

    // Simulate the reference plan to set thresholds it meets.
    let reference = Moves::new(
        drafts
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.start.map(|round| Move { action: i, round }))
            .collect(),
    );
    let (trajectories, idle) = super::trajectories(&model, &reference)?;
    let value_before = |m: usize, s: u32| trajectories[m][(s - 1) as usize];

    // Thresholds: some moves wait for a meter the reference plan has reached.
    for (i, d) in drafts.iter().enumerate() {
        let Some(s) = d.start else { continue };
        if s > 1 && rng.chance(35) {
            let m = rng.range(0, (meters - 1) as u64) as usize;
            let level = round6(value_before(m, s) - 0.25);
            let condition = if backlash && m == meters - 1 {
                json!({"meter": format!("m{m}"), "at_most": round6(value_before(m, s) + 0.25)})
            } else {
                json!({"meter": format!("m{m}"), "at_least": level})
            };
            actions[i]["when"] = json!([condition]);
        }
    }
    model["actions"] = actions.into();

    // Expectations: the last moves of the reference plan, and a meter level.
    let mut taken: Vec<(usize, u32)> = drafts
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.start.map(|s| (i, s + d.duration - 1)))
        .collect();
    taken.sort_by_key(|&(i, done)| (std::cmp::Reverse(done), i));
    let wanted = rng.range(2, 4) as usize;
    let mut expectations: Vec<Value> = taken
        .iter()
        .take(wanted - 1)
        .enumerate()
        .map(|(k, &(i, done))| {
            json!({"id": format!("e{k}"), "action": format!("a{i}"),
                   "by": (done + rng.range(0, 2) as u32).min(horizon)})
        })
        .collect();
    let by = (horizon * 3 / 4).max(1);
    let lowest_from = |path: &[f64]| {
        path[by as usize..]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    };
    let level = round6(lowest_from(&trajectories[0]) - 0.25);
    // Only if the moves are what lifts trust there; else one more move.
    if idle[0][1..].iter().any(|&v| v < level - 0.5) && lowest_from(&idle[0]) < level - 0.5 {
        expectations.push(
            json!({"id": format!("e{}", expectations.len()), "meter": "m0",
                                 "at_least": level, "by": by}),
        );
    } else if let Some(&(i, done)) = taken.get(wanted - 1) {
        expectations.push(json!({"id": format!("e{}", expectations.len()),
                                 "action": format!("a{i}"), "by": done}));
    }
    model["expectations"] = expectations.into();

    // Red lines the reference plan keeps clear of.
    let mut red_lines = Vec::new();
    let lowest = trajectories[0]
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    red_lines.push(json!({"id": "floor_m0", "meter": "m0", "never_below": round6(lowest - 0.5)}));
    if backlash {
        let m = meters - 1;
        let highest = trajectories[m]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        red_lines.push(json!({"id": format!("cap_m{m}"), "meter": format!("m{m}"),
                              "never_above": round6(highest + 0.5)}));
    }
    for p in 0..size.parties {
        let spent: f64 = drafts
            .iter()
            .filter(|d| d.party == p && d.start.is_some())
            .map(|d| d.cost)
            .sum();
        if spent > 0.0 && rng.chance(50) {
            red_lines.push(
                json!({"id": format!("budget_p{p}"), "party": format!("p{p}"),
                                  "cost_at_most": spent + 2.0}),
            );
        }
    }
    model["red_lines"] = red_lines.into();
    let durations: Vec<u32> = drafts.iter().map(|d| d.duration).collect();
    let most = busiest(reference.as_slice(), &durations, horizon, |_| true);
    model["limits"] = json!({"moves_per_round": most + 1});

    // Scenarios: a shock to trust, and a move that becomes unavailable.
    // The withdrawn move: one nothing requires and no expectation names,
    // preferably one the reference plan does without.
    let spare = |i: usize| {
        !taken.iter().take(wanted - 1).any(|&(t, _)| t == i)
            && drafts
                .iter()
                .all(|d| d.requires.iter().all(|&(b, _)| b != i))
    };
    let withdrawn = (0..drafts.len())
        .rev()
        .find(|&i| spare(i) && drafts[i].start.is_none())
        .or_else(|| (0..drafts.len()).rev().find(|&i| spare(i)));
    model["scenarios"] = scenarios(horizon, withdrawn, "A move is withdrawn");
    Ok(model)
}
