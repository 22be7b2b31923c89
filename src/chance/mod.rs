//! The chance that a plan works when moves may fail, effects vary and
//! events may not happen (`success`, `spread`, `chance` in the format):
//! exact, by enumerating every outcome, when there are few; otherwise
//! estimated from seeded samples with a 95 % interval.

mod future;
mod reliability;

pub use reliability::{
    future_instance, futures, works_as_planned, works_in, Futures, ReliabilityOptions,
    SampledFuture,
};

use rand_core::{Rng, SeedableRng};
use rand_xorshift::XorShiftRng;

use crate::model::Instance;
use crate::plan::Moves;
use crate::simulate::simulate;
use future::{play, Draws, Planned, Played, Verdict};

/// At most this many uncertain outcomes (uses that may fail, events that
/// may not happen) are enumerated: 2^16 futures.
pub const EXACT_OUTCOMES: usize = 16;

/// How the chance is estimated when it cannot be enumerated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OddsOptions {
    /// The number of sampled futures.
    pub samples: u32,
    /// The seed of the draws: the same seed gives the same estimate.
    pub seed: u64,
}

impl Default for OddsOptions {
    fn default() -> Self {
        OddsOptions {
            samples: 10_000,
            seed: 0,
        }
    }
}

/// A probability: exact (`low` = `high` = `value`), or an estimate with
/// its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probability {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub exact: bool,
}

/// How the probabilities were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Every combination of the `outcomes` uncertain outcomes enumerated.
    Exact { outcomes: usize },
    /// Estimated from `samples` futures drawn with `seed`.
    Sampled { samples: u32, seed: u64 },
    /// The plan breaks a rule as written (in the nominal future): it is
    /// not rated, and its chance is given as 0.
    Broken,
}

/// The chance that a plan meets every expectation by its deadline without
/// crossing a red line, and the same for each.
#[derive(Debug, Clone, PartialEq)]
pub struct Odds {
    pub all: Probability,
    /// Per expectation (in model order); empty when [`Method::Broken`].
    pub expectations: Vec<Probability>,
    /// Per red line (in model order); empty when [`Method::Broken`].
    pub red_lines: Vec<Probability>,
    pub method: Method,
    /// The sampling asked for: what an estimate used, and what the meters'
    /// bands ([`bands`]) are drawn from.
    pub options: OddsOptions,
}

/// The chance that `moves` works, on a model where something is left to
/// chance ([`crate::model::Model::is_uncertain`]); `None` on a model where
/// nothing is, so that its outputs stay as they were.
pub fn odds_if_uncertain(
    instance: &Instance,
    moves: &Moves,
    options: &OddsOptions,
) -> Option<Odds> {
    instance
        .model
        .is_uncertain()
        .then(|| odds(instance, moves, options))
}

/// The chance that `moves` works on `instance`. A plan the simulator
/// rejects as written (the nominal future) is not rated: chance 0 ([`Method::Broken`]).
pub fn odds(instance: &Instance, moves: &Moves, options: &OddsOptions) -> Odds {
    if !simulate(instance, moves).is_valid() {
        let zero = Probability {
            value: 0.0,
            low: 0.0,
            high: 0.0,
            exact: true,
        };
        return Odds {
            all: zero,
            expectations: Vec::new(),
            red_lines: Vec::new(),
            method: Method::Broken,
            options: *options,
        };
    }
    let planned = Planned::new(instance, moves);
    let uncertain = Uncertain::of(instance, &planned);
    if uncertain.count() <= EXACT_OUTCOMES && !uncertain.spread {
        Odds {
            options: *options,
            ..exact(instance, &planned, &uncertain)
        }
    } else {
        sampled(instance, &planned, options)
    }
}

/// At most this many sampled futures make a meter's band, however many
/// `--samples` asks for: plenty for stable deciles, few enough to keep.
pub const BAND_SAMPLES: u32 = 10_000;

/// One meter's spread over the sampled futures of a plan, per round
/// 0..=H: the values that 10 % of the futures fall below (`low`) and that
/// 10 % rise above (`high`).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub low: Vec<f64>,
    pub high: Vec<f64>,
}

/// Every meter's 10–90 % band over the first `min(samples, BAND_SAMPLES)`
/// futures of `moves` drawn with `seed` (the futures a sampled estimate
/// starts with), for the fan charts; empty when the plan breaks a rule
/// as written.
pub fn bands(instance: &Instance, moves: &Moves, options: &OddsOptions) -> Vec<Band> {
    if !simulate(instance, moves).is_valid() {
        return Vec::new();
    }
    let planned = Planned::new(instance, moves);
    let mut futures = Sampler::new(instance, &planned, options.seed);
    let samples = options.samples.clamp(1, BAND_SAMPLES) as usize;
    let rounds = instance.horizon as usize + 1;
    // Per meter, per round, its value in every future.
    let mut columns = vec![vec![Vec::with_capacity(samples); rounds]; instance.model.meters.len()];
    for _ in 0..samples {
        let played = futures.next_future();
        for (meter, values) in columns.iter_mut().zip(&played.meters) {
            for (column, &value) in meter.iter_mut().zip(values) {
                column.push(value);
            }
        }
    }
    columns
        .into_iter()
        .map(|meter| {
            let (low, high) = meter
                .into_iter()
                .map(|mut column| {
                    (
                        decile_end(&mut column, false),
                        decile_end(&mut column, true),
                    )
                })
                .unzip();
            Band { low, high }
        })
        .collect()
}

/// The low (`high` false) or high end of the 10–90 % band of `values`
/// by nearest rank: the smallest value with at least a tenth of them at or
/// below it, and the largest with at least a tenth at or above it.
fn decile_end(values: &mut [f64], high: bool) -> f64 {
    let tenth = values.len().div_ceil(10).max(1);
    let index = if high {
        values.len() - tenth
    } else {
        tenth - 1
    };
    let (_, value, _) = values.select_nth_unstable_by(index, f64::total_cmp);
    *value
}

/// What chance decides about a plan: the uses that may fail and the
/// events that may not happen, and whether any effect has a spread.
struct Uncertain {
    uses: Vec<usize>,
    events: Vec<usize>,
    spread: bool,
}

impl Uncertain {
    fn of(instance: &Instance, planned: &Planned) -> Self {
        let actions = &instance.model.actions;
        Uncertain {
            uses: (0..planned.uses.len())
                .filter(|&i| actions[planned.uses[i].0].success < 1.0)
                .collect(),
            events: (0..instance.events.len())
                .filter(|&e| instance.events[e].chance < 1.0)
                .collect(),
            spread: planned
                .uses
                .iter()
                .any(|&(a, _)| actions[a].effects.iter().any(|e| e.spread > 0.0)),
        }
    }

    fn count(&self) -> usize {
        self.uses.len() + self.events.len()
    }
}

/// The weight of the futures in which something holds, and of those in
/// which it does not: kept apart so that "in every future" is exactly 1
/// (the weights of all futures need not add up to 1 to the last bit).
#[derive(Debug, Clone, Copy, Default)]
struct Share {
    held: f64,
    missed: f64,
}

impl Share {
    fn add(&mut self, holds: bool, weight: f64) {
        if holds {
            self.held += weight;
        } else {
            self.missed += weight;
        }
    }

    /// The share of the weight in which it holds: exactly 1 when it never
    /// misses, exactly 0 when it never holds.
    fn value(self) -> f64 {
        if self.missed <= 0.0 {
            1.0
        } else if self.held <= 0.0 {
            0.0
        } else {
            (self.held / (self.held + self.missed)).clamp(0.0, 1.0)
        }
    }
}

/// Sums, over futures, the weight of those in which each holds.
struct Tally {
    all: Share,
    expectations: Vec<Share>,
    red_lines: Vec<Share>,
}

impl Tally {
    fn new(instance: &Instance) -> Self {
        Tally {
            all: Share::default(),
            expectations: vec![Share::default(); instance.model.expectations.len()],
            red_lines: vec![Share::default(); instance.model.red_lines.len()],
        }
    }

    fn add(&mut self, verdict: &Verdict, weight: f64) {
        self.all.add(verdict.all(), weight);
        for (share, &met) in self.expectations.iter_mut().zip(&verdict.expectations) {
            share.add(met, weight);
        }
        for (share, &kept) in self.red_lines.iter_mut().zip(&verdict.red_lines) {
            share.add(kept, weight);
        }
    }
}

fn exact(instance: &Instance, planned: &Planned, uncertain: &Uncertain) -> Odds {
    let actions = &instance.model.actions;
    let mut draws = Draws::nominal(instance, planned);
    let odds: Vec<f64> = uncertain
        .uses
        .iter()
        .map(|&i| actions[planned.uses[i].0].success)
        .chain(uncertain.events.iter().map(|&e| instance.events[e].chance))
        .collect();
    let mut tally = Tally::new(instance);
    for mask in 0..1_u64 << odds.len() {
        let mut weight = 1.0;
        for (bit, &p) in odds.iter().enumerate() {
            let happens = mask & (1 << bit) == 0;
            weight *= if happens { p } else { 1.0 - p };
            if bit < uncertain.uses.len() {
                draws.succeeded[uncertain.uses[bit]] = happens;
            } else {
                draws.happens[uncertain.events[bit - uncertain.uses.len()]] = happens;
            }
        }
        if weight > 0.0 {
            tally.add(&play(instance, planned, &draws).verdict, weight);
        }
    }
    let exactly = |share: Share| {
        let value = share.value();
        Probability {
            value,
            low: value,
            high: value,
            exact: true,
        }
    };
    Odds {
        all: exactly(tally.all),
        expectations: tally.expectations.into_iter().map(exactly).collect(),
        red_lines: tally.red_lines.into_iter().map(exactly).collect(),
        method: Method::Exact {
            outcomes: odds.len(),
        },
        options: OddsOptions::default(),
    }
}

/// Draws the futures of a plan one after another from a seeded generator.
struct Sampler<'a, 'm> {
    instance: &'a Instance<'m>,
    planned: &'a Planned,
    rng: XorShiftRng,
    draws: Draws,
}

impl<'a, 'm> Sampler<'a, 'm> {
    fn new(instance: &'a Instance<'m>, planned: &'a Planned, seed: u64) -> Self {
        Sampler {
            instance,
            planned,
            rng: XorShiftRng::seed_from_u64(seed),
            draws: Draws::nominal(instance, planned),
        }
    }

    /// The next future, played.
    fn next_future(&mut self) -> Played {
        let actions = &self.instance.model.actions;
        let rng = &mut self.rng;
        for (i, &(a, _)) in self.planned.uses.iter().enumerate() {
            let action = &actions[a];
            if action.success < 1.0 {
                self.draws.succeeded[i] = uniform(rng) < action.success;
            }
            for (amount, effect) in self.draws.amounts[i].iter_mut().zip(&action.effects) {
                if effect.spread > 0.0 {
                    *amount = effect.add + effect.spread * (2.0 * uniform(rng) - 1.0);
                }
            }
        }
        for (e, event) in self.instance.events.iter().enumerate() {
            if event.chance < 1.0 {
                self.draws.happens[e] = uniform(rng) < event.chance;
            }
        }
        play(self.instance, self.planned, &self.draws)
    }
}

fn sampled(instance: &Instance, planned: &Planned, options: &OddsOptions) -> Odds {
    let mut futures = Sampler::new(instance, planned, options.seed);
    let mut tally = Tally::new(instance);
    let samples = options.samples.max(1);
    for _ in 0..samples {
        tally.add(&futures.next_future().verdict, 1.0);
    }
    let estimate = |share: Share| wilson(share.held, f64::from(samples));
    Odds {
        all: estimate(tally.all),
        expectations: tally.expectations.into_iter().map(estimate).collect(),
        red_lines: tally.red_lines.into_iter().map(estimate).collect(),
        method: Method::Sampled {
            samples,
            seed: options.seed,
        },
        options: *options,
    }
}

/// A draw uniform on [0, 1), from the top 53 bits of the generator.
fn uniform(rng: &mut XorShiftRng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1_u64 << 53) as f64)
}

/// The share `successes / n` with its 95 % Wilson score interval, which
/// stays within [0, 1] and is sound near 0 and 1, where a normal
/// approximation is not.
fn wilson(successes: f64, n: f64) -> Probability {
    const Z: f64 = 1.959_963_984_540_054;
    let share = successes / n;
    let z2 = Z * Z;
    let centre = (share + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z / (1.0 + z2 / n) * (share * (1.0 - share) / n + z2 / (4.0 * n * n)).sqrt();
    Probability {
        value: share,
        // Exactly 0 and 1 at the ends, where rounding would leave a crumb.
        low: if successes <= 0.0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        high: if successes >= n {
            1.0
        } else {
            (centre + half).min(1.0)
        },
        exact: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(
        clippy::float_cmp,
        reason = "deciles are values of the list, not computed"
    )]
    fn band_ends_are_symmetric_nearest_ranks() {
        // Symmetric: as many values below the low end as above the high end.
        let mut values: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        assert_eq!(decile_end(&mut values, false), 1.0);
        assert_eq!(decile_end(&mut values, true), 10.0);
        let mut one = vec![3.5];
        assert_eq!(decile_end(&mut one, false), 3.5);
        assert_eq!(decile_end(&mut one, true), 3.5);
        let mut many: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(decile_end(&mut many, false), 99.0);
        assert_eq!(decile_end(&mut many, true), 900.0);
    }

    #[test]
    #[allow(
        clippy::float_cmp,
        reason = "the ends are set to exactly 0 and 1, not computed"
    )]
    fn wilson_interval_holds_its_share_and_stays_in_range() {
        let all = wilson(100.0, 100.0);
        assert_eq!(all.value, 1.0);
        assert!(all.low > 0.96 && all.low < 1.0 && all.high == 1.0);
        let half = wilson(50.0, 100.0);
        // The textbook value for 50 of 100: 0.404 to 0.596.
        assert!((half.low - 0.4038).abs() < 1e-3, "{half:?}");
        assert!((half.high - 0.5962).abs() < 1e-3, "{half:?}");
        let none = wilson(0.0, 10_000.0);
        assert_eq!(none.low, 0.0);
        assert!(none.high < 0.0004);
    }

    #[test]
    fn uniform_draws_fall_in_the_unit_interval_and_repeat_by_seed() {
        let mut a = XorShiftRng::seed_from_u64(7);
        let mut b = XorShiftRng::seed_from_u64(7);
        let xs: Vec<f64> = (0..1000).map(|_| uniform(&mut a)).collect();
        let ys: Vec<f64> = (0..1000).map(|_| uniform(&mut b)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean = xs.iter().sum::<f64>() / 1000.0;
        assert!((mean - 0.5).abs() < 0.05, "{mean}");
    }
}
