//! Test support: a random generator of small models and a brute-force
//! oracle that enumerates every plan and judges it with the simulator.
#![allow(dead_code, clippy::unwrap_used)]

use seqplan::model::{parse_model, validate, Instance, Model, Objective};
use seqplan::simulate::{simulate, Evaluation};
use seqplan::{Move, Moves};
use serde_json::{json, Value};

/// `SplitMix64`: small, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// A random small model (≤ 5 actions, ≤ 5 rounds) as JSON, using every
/// feature of the format. Usually valid; callers skip the invalid ones.
pub fn random_model(seed: u64) -> Value {
    let mut rng = Rng::new(seed);
    let horizon = rng.range(2, 5);
    let n_actions = rng.range(1, 5) as usize;
    let n_meters = rng.range(1, 2) as usize;
    let parties = vec![json!({"id": "p0"}), json!({"id": "p1"})];
    let meters: Vec<Value> = (0..n_meters)
        .map(|k| {
            json!({"id": format!("m{k}"), "initial": rng.range(0, 2) as f64 / 2.0,
                   "decay": *rng.pick(&[0.0, 0.0, 0.5])})
        })
        .collect();
    let mut actions = Vec::new();
    for a in 0..n_actions {
        let mut action = json!({
            "id": format!("a{a}"),
            "by": format!("p{}", rng.range(0, 1)),
            "cost": rng.range(0, 3),
        });
        if rng.chance(30) {
            action["duration"] = json!(2);
        }
        if rng.chance(25) {
            action["uses"] = json!(2);
        }
        if rng.chance(20) {
            action["earliest"] = json!(rng.range(1, 2));
        }
        if rng.chance(15) {
            action["latest"] = json!(rng.range(2, horizon));
        }
        if a > 0 && rng.chance(45) {
            let b = rng.range(0, a as i64 - 1);
            action["requires"] = if rng.chance(50) {
                json!([format!("a{b}")])
            } else {
                json!([{"action": format!("a{b}"), "lag": rng.range(0, 2)}])
            };
        }
        if rng.chance(35) {
            let k = rng.range(0, n_meters as i64 - 1);
            action["when"] = if rng.chance(70) {
                json!([{"meter": format!("m{k}"), "at_least": rng.range(0, 4) as f64 / 2.0}])
            } else {
                json!([{"meter": format!("m{k}"), "at_most": rng.range(0, 4) as f64 / 2.0}])
            };
        }
        let effects: Vec<Value> = (0..rng.range(0, 2))
            .map(|_| {
                json!({"meter": format!("m{}", rng.range(0, n_meters as i64 - 1)),
                       "add": *rng.pick(&[-1.0, -0.5, 0.5, 1.0, 1.0, 2.0]),
                       "delay": *rng.pick(&[0, 0, 1])})
            })
            .collect();
        action["effects"] = json!(effects);
        actions.push(action);
    }
    let mut model = json!({
        "seqplan": 1, "name": format!("random {seed}"), "horizon": horizon,
        "parties": parties, "meters": meters, "actions": actions,
    });
    if rng.chance(30) {
        model["events"] = json!([{"round": rng.range(1, horizon), "meter": "m0", "add": *rng.pick(&[-1.0, 1.0])}]);
    }
    let mut expectations = Vec::new();
    for e in 0..rng.range(0, 2) {
        let by = if rng.chance(50) {
            json!(rng.range(1, horizon))
        } else {
            Value::Null
        };
        let mut exp = if rng.chance(50) {
            json!({"id": format!("e{e}"), "action": format!("a{}", rng.range(0, n_actions as i64 - 1))})
        } else {
            let meter = format!("m{}", rng.range(0, n_meters as i64 - 1));
            let level = rng.range(1, 4) as f64 / 2.0;
            // A floor, a ceiling, or a band.
            match rng.range(0, 3) {
                0 | 1 => json!({"id": format!("e{e}"), "meter": meter, "at_least": level}),
                2 => json!({"id": format!("e{e}"), "meter": meter, "at_most": level - 1.0}),
                _ => {
                    json!({"id": format!("e{e}"), "meter": meter, "at_least": level - 1.0, "at_most": level})
                }
            }
        };
        if !by.is_null() {
            exp["by"] = by;
        }
        expectations.push(exp);
    }
    model["expectations"] = json!(expectations);
    let mut red_lines = Vec::new();
    for r in 0..rng.range(0, 2) {
        let id = format!("r{r}");
        let k = format!("m{}", rng.range(0, n_meters as i64 - 1));
        let a = format!("a{}", rng.range(0, n_actions as i64 - 1));
        let b = format!("a{}", rng.range(0, n_actions as i64 - 1));
        let line = match rng.range(0, 4) {
            0 => json!({"id": id, "meter": k, "never_below": rng.range(-2, 0) as f64 / 2.0}),
            1 => json!({"id": id, "meter": k, "never_above": rng.range(2, 5) as f64 / 2.0}),
            2 if a != b => json!({"id": id, "action": a, "not_before": b, "lag": rng.range(0, 1)}),
            3 => json!({"id": id, "never": a}),
            _ => json!({"id": id, "party": "p0", "cost_at_most": rng.range(0, 4)}),
        };
        red_lines.push(line);
    }
    model["red_lines"] = json!(red_lines);
    if n_actions >= 2 && rng.chance(15) {
        model["together"] = json!([["a0", format!("a{}", n_actions - 1)]]);
    }
    if rng.chance(30) {
        model["limits"] = if rng.chance(50) {
            json!({"moves_per_round": 1})
        } else {
            json!({"per_party": {"p0": 1}})
        };
    }
    let mut objective: Vec<Value> = Vec::new();
    // Weights whose products with the effects are spaced unevenly (0.3 ·
    // 0.5 = 0.15), and two meters pulling opposite ways.
    let weights = if n_meters == 2 && rng.chance(40) {
        json!({"m0": 1.0, "m1": -0.5})
    } else {
        json!({"m0": *rng.pick(&[1.0, 1.0, -1.0, 0.3])})
    };
    for level in [
        json!("earliest"),
        json!("cheapest"),
        json!("fewest"),
        json!({ "maximize": weights }),
    ] {
        if rng.chance(50) {
            objective.push(level);
        }
    }
    if rng.chance(50) {
        objective.reverse();
    }
    if !objective.is_empty() || rng.chance(50) {
        model["objective"] = json!(objective);
    }
    model
}

/// Parses and validates a JSON model; `None` if invalid.
pub fn model_from_json(value: &Value) -> Option<Model> {
    let raw = parse_model(&value.to_string(), "random.json").ok()?;
    validate(&raw, "random.json").ok().map(|v| v.model)
}

/// Every plan of the instance: each action started in any set of at most
/// `uses` rounds of 1..=H. `None` when there are too many to enumerate.
pub fn all_plans(instance: &Instance, cap: usize) -> Option<Vec<Moves>> {
    let h = instance.horizon;
    let mut options_per_action: Vec<Vec<Vec<u32>>> = Vec::new();
    for action in &instance.model.actions {
        // Every set of at most `uses` rounds, smallest first.
        let mut options: Vec<Vec<u32>> = vec![vec![]];
        let mut last: Vec<Vec<u32>> = vec![vec![]];
        for _ in 0..action.uses.min(h) {
            last = last
                .iter()
                .flat_map(|set| {
                    let from = set.last().map_or(1, |&s| s + 1);
                    (from..=h).map(move |s| [set.as_slice(), &[s]].concat())
                })
                .collect();
            if last.is_empty() || options.len() + last.len() > cap {
                options.append(&mut last);
                break;
            }
            options.extend(last.iter().cloned());
        }
        options_per_action.push(options);
    }
    let total: usize = options_per_action.iter().map(Vec::len).product();
    if total > cap {
        return None;
    }
    let mut plans = Vec::with_capacity(total);
    let mut odometer = vec![0usize; options_per_action.len()];
    loop {
        let moves = odometer
            .iter()
            .enumerate()
            .flat_map(|(a, &o)| {
                options_per_action[a][o]
                    .iter()
                    .map(move |&round| Move { round, action: a })
            })
            .collect();
        plans.push(Moves::new(moves));
        let mut i = 0;
        loop {
            if i == odometer.len() {
                return Some(plans);
            }
            odometer[i] += 1;
            if odometer[i] < options_per_action[i].len() {
                break;
            }
            odometer[i] = 0;
            i += 1;
        }
    }
}

/// The values of every objective level the solver optimises, in order,
/// each as "smaller is better", then the tie-break (sum of start rounds).
pub fn level_values(model: &Model, moves: &Moves, evaluation: &Evaluation) -> Vec<f64> {
    let mut out: Vec<f64> = model
        .objective
        .iter()
        .map(|o| match o {
            Objective::Maximize(_) => -seqplan::report::objective_value(o, evaluation),
            _ => seqplan::report::objective_value(o, evaluation),
        })
        .collect();
    out.push(moves.as_slice().iter().map(|m| f64::from(m.round)).sum());
    out
}

/// The lexicographic optimum over all valid plans, fixing each level to
/// its best value (within the solver's tolerance) before the next, as the
/// solver does. `None` if no plan is valid.
pub fn brute_force_optimum(instance: &Instance, plans: &[Moves]) -> Option<Vec<f64>> {
    let mut candidates: Vec<Vec<f64>> = plans
        .iter()
        .filter_map(|moves| {
            let evaluation = simulate(instance, moves);
            evaluation
                .is_valid()
                .then(|| level_values(instance.model, moves, &evaluation))
        })
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let levels = candidates[0].len();
    for level in 0..levels {
        let best = candidates
            .iter()
            .map(|c| c[level])
            .fold(f64::INFINITY, f64::min);
        let tolerance = 1e-6 * best.abs().max(1.0);
        candidates.retain(|c| c[level] <= best + tolerance);
    }
    Some(candidates.swap_remove(0))
}

/// Adds one or two random scenarios (initial values, events, forbids,
/// deadlines) to a random model.
pub fn with_random_scenarios(mut model: Value, seed: u64) -> Value {
    let mut rng = Rng::new(seed ^ 0x5CE7_A210);
    let horizon = model["horizon"].as_i64().unwrap_or(3);
    let n_actions = model["actions"].as_array().map_or(1, Vec::len) as i64;
    let n_expectations = model["expectations"].as_array().map_or(0, Vec::len) as i64;
    let scenarios: Vec<Value> = (0..rng.range(1, 2))
        .map(|i| {
            let mut s = json!({"id": format!("s{i}")});
            if rng.chance(50) {
                s["events"] = json!([{"round": rng.range(1, horizon), "meter": "m0", "add": *rng.pick(&[-1.0, -0.5, 0.5, 1.0])}]);
            }
            if rng.chance(30) {
                s["initial"] = json!({"m0": rng.range(0, 2) as f64 / 2.0});
            }
            if rng.chance(25) {
                s["forbid"] = json!([format!("a{}", rng.range(0, n_actions - 1))]);
            }
            if n_expectations > 0 && rng.chance(30) {
                s["deadlines"] = json!({"e0": rng.range(1, horizon)});
            }
            s
        })
        .collect();
    model["scenarios"] = json!(scenarios);
    model
}

/// The JSON files of a folder of the repository (not the schema), sorted:
/// the shipped models, the teaching cases, the fixtures.
pub fn model_files(folder: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name().is_some_and(|n| n != "schema.json")
        })
        .collect();
    files.sort();
    files
}
