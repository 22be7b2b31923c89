//! Random but realistic models, for benchmarks and for trying seqplan at
//! scale. Each model is built around a reference plan that meets every
//! expectation without crossing a line, so the base model always has a
//! plan; the scenarios usually do. The same family, size and seed give the
//! same model, byte for byte.
//!
//! The families differ in what makes them hard, so that a speed-up tuned
//! on one can be checked on the others:
//!
//! | family | what is hard |
//! |---|---|
//! | `mixed` | a little of everything: chains, thresholds, caps |
//! | `chains` | long `requires` chains with lags, on meters that all decay and must be held up from a deadline to the end |
//! | `budgets` | many multi-use moves under tight party budgets and tight limits on moves in progress |

mod budgets;
mod chains;
mod mixed;

use serde_json::{json, Map, Value};

use crate::model::{parse_model, validate, Instance, Overrides};
use crate::plan::{Move, Moves};
use crate::simulate::simulate;
use crate::Error;

/// The size of a generated model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub actions: usize,
    pub horizon: u32,
    pub meters: usize,
    pub parties: usize,
}

/// The kind of model to generate (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Family {
    /// Chains, thresholds, floors and ceilings, cost caps: a bit of all.
    #[default]
    Mixed,
    /// Long requirement chains with lags on decaying meters that must be
    /// held up from a deadline to the end.
    Chains,
    /// Many multi-use moves under tight party budgets and capacity limits.
    Budgets,
}

impl Family {
    /// Every family, in the order of the benchmark tables.
    pub const ALL: [Family; 3] = [Family::Mixed, Family::Chains, Family::Budgets];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Family::Mixed => "mixed",
            Family::Chains => "chains",
            Family::Budgets => "budgets",
        }
    }
}

/// A model of `family` of the given size for `seed`, as JSON (the model
/// format).
pub fn generate(family: Family, size: Size, seed: u64) -> Result<Value, Error> {
    if size.actions == 0 || size.horizon == 0 || size.parties == 0 {
        return Err(crate::error::Usage::EmptyModel.into());
    }
    match family {
        Family::Mixed => mixed::generate(size, seed),
        Family::Chains => chains::generate(size, seed),
        Family::Budgets => budgets::generate(size, seed),
    }
}

/// A generated model, validated and ready to plan: what benchmarks and
/// tests want from [`generate`].
pub fn generate_model(family: Family, size: Size, seed: u64) -> Result<crate::Model, Error> {
    Ok(validated(&generate(family, size, seed)?)?.model)
}

/// `SplitMix64`: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// A multiple of 0.5 in `lo..=hi` (both multiples of 0.5).
    fn halves(&mut self, lo: f64, hi: f64) -> f64 {
        lo + self.range(0, ((hi - lo) * 2.0) as u64) as f64 / 2.0
    }
    /// An index in `0..n` (`n` ≥ 1).
    fn index(&mut self, n: usize) -> usize {
        self.range(0, (n - 1) as u64) as usize
    }
}

/// Reads generated JSON as a validated model (it is valid by construction).
fn validated(json: &Value) -> Result<crate::model::Validated, Error> {
    validate(&parse_model(&json.to_string(), "generated")?, "generated")
}

/// The meter `m` of `meters` as JSON: `m0` is trust, the last the
/// backlash when there is one; no `decay` key when it does not decay.
fn meter_json(m: usize, meters: usize, backlash: bool, initial: f64, decay: f64) -> Value {
    let name = if m == 0 {
        "trust".to_owned()
    } else if backlash && m == meters - 1 {
        "backlash".to_owned()
    } else {
        format!("standing {m}")
    };
    let mut meter = json!({"id": format!("m{m}"), "name": name, "initial": initial});
    if decay > 0.0 {
        meter["decay"] = decay.into();
    }
    meter
}

/// One generated action, as every family drafts it, before it is JSON.
struct ActionJson<'a> {
    party: usize,
    cost: f64,
    duration: u32,
    uses: u32,
    /// Its `requires` items, already in the form the family writes.
    requires: Vec<Value>,
    /// (meter, add, delay).
    effects: &'a [(usize, f64, u32)],
}

impl ActionJson<'_> {
    /// The action `a{i}`, with the defaults (duration 1, one use, no delay)
    /// left out.
    fn to_json(&self, i: usize) -> Value {
        let mut action = Map::new();
        action.insert("id".into(), format!("a{i}").into());
        action.insert("by".into(), format!("p{}", self.party).into());
        action.insert("cost".into(), self.cost.into());
        if self.duration > 1 {
            action.insert("duration".into(), self.duration.into());
        }
        if self.uses > 1 {
            action.insert("uses".into(), self.uses.into());
        }
        if !self.requires.is_empty() {
            action.insert("requires".into(), self.requires.clone().into());
        }
        let effects: Vec<Value> = self
            .effects
            .iter()
            .map(|&(m, add, delay)| {
                if delay > 0 {
                    json!({"meter": format!("m{m}"), "add": add, "delay": delay})
                } else {
                    json!({"meter": format!("m{m}"), "add": add})
                }
            })
            .collect();
        action.insert("effects".into(), effects.into());
        Value::Object(action)
    }
}

/// `requires` items with their lags.
fn lagged(requires: &[(usize, u32)]) -> Vec<Value> {
    requires
        .iter()
        .map(|&(b, lag)| json!({"action": format!("a{b}"), "lag": lag}))
        .collect()
}

/// A sustained floor on meter `m` from round `by`, a little under where
/// the reference plan keeps it; `None` where no move at all would fall
/// well short of it (the moves would not be what meets it).
fn sustained_floor(
    id: usize,
    m: usize,
    by: u32,
    paths: &[Vec<f64>],
    idle: &[Vec<f64>],
) -> Option<Value> {
    let level = crate::numbers::round6(lowest_from(&paths[m], by) - 0.25);
    (lowest_from(&idle[m], by) < level - 0.5).then(
        || json!({"id": format!("e{id}"), "meter": format!("m{m}"), "at_least": level, "by": by}),
    )
}

/// The parties `p0`, `p1`, … as JSON.
fn parties(count: usize) -> Vec<Value> {
    (0..count)
        .map(|p| json!({"id": format!("p{p}"), "name": format!("Party {p}")}))
        .collect()
}

/// Each meter's values m[0..=H], one list per meter.
type Paths = Vec<Vec<f64>>;

/// The meters' values round by round under the reference plan and under
/// no plan at all, simulated on the model as written so far.
fn trajectories(model: &Value, reference: &Moves) -> Result<(Paths, Paths), Error> {
    let validated = validated(model)?;
    let instance = Instance::new(&validated.model, &Overrides::default())?;
    Ok((
        simulate(&instance, reference).meters,
        simulate(&instance, &Moves::default()).meters,
    ))
}

/// The most moves of `moves` in progress in any one round, counting only
/// the moves `counts` keeps (`durations` per action).
fn busiest(
    moves: &[Move],
    durations: &[u32],
    horizon: u32,
    counts: impl Fn(&Move) -> bool,
) -> usize {
    (1..=horizon)
        .map(|t| {
            moves
                .iter()
                .filter(|m| counts(m) && m.round <= t && t < m.round + durations[m.action])
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// The two scenarios every family has: a shock to trust halfway, and
/// (when there is one to spare) a move withdrawn, named `name`.
fn scenarios(horizon: u32, withdrawn: Option<usize>, name: &str) -> Value {
    let mut scenarios = vec![json!({
        "id": "shock", "name": "A shock to trust halfway",
        "events": [{"round": (horizon / 2).max(1), "meter": "m0", "add": -0.5, "name": "shock"}]
    })];
    if let Some(i) = withdrawn {
        scenarios.push(json!({"id": "withdrawn", "name": name, "forbid": [format!("a{i}")]}));
    }
    scenarios.into()
}

/// The lowest value of `path` from round `from` through the end.
fn lowest_from(path: &[f64], from: u32) -> f64 {
    path[from as usize..]
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(actions: usize, horizon: u32) -> Size {
        Size {
            actions,
            horizon,
            meters: 3,
            parties: 3,
        }
    }

    #[test]
    fn same_seed_same_model_other_seed_other_model() {
        for family in Family::ALL {
            let a = generate(family, size(20, 10), 7).unwrap();
            assert_eq!(a, generate(family, size(20, 10), 7).unwrap());
            assert_ne!(a, generate(family, size(20, 10), 8).unwrap());
        }
    }

    #[test]
    fn generated_models_validate_without_warnings() {
        for family in Family::ALL {
            for seed in 0..30 {
                let model = generate(family, size(15, 10), seed).unwrap();
                let warnings = crate::warnings::all(&validated(&model).unwrap());
                assert!(warnings.is_empty(), "{family:?} seed {seed}: {warnings:?}");
            }
        }
    }

    /// Each family's reference plan is valid and meets every expectation:
    /// the promise that the base model has a plan.
    #[test]
    fn the_reference_plan_is_valid() {
        for seed in 0..20 {
            for (actions, horizon) in [(6, 5), (15, 10), (40, 16)] {
                let size = size(actions, horizon);
                let (model, reference) = chains::generate_with_reference(size, seed).unwrap();
                assert_reference_valid(&model, &reference, "chains", seed);
                let (model, reference) = budgets::generate_with_reference(size, seed).unwrap();
                assert_reference_valid(&model, &reference, "budgets", seed);
            }
        }
    }

    fn assert_reference_valid(model: &Value, reference: &Moves, family: &str, seed: u64) {
        let validated = validated(model).unwrap();
        let instance = Instance::new(&validated.model, &Overrides::default()).unwrap();
        let evaluation = simulate(&instance, reference);
        assert!(
            evaluation.is_valid(),
            "{family} seed {seed}: {:?}",
            evaluation.violations
        );
    }
}
