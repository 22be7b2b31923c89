//! The futures a plan that holds with a stated probability is chosen
//! against (`plan --reliability P`): every combination of outcomes with
//! its probability, when there are few enough (at most `--futures`) and no
//! effect has a spread; otherwise `--futures` futures drawn from a seeded
//! generator of their own (so that the chance reported afterwards, drawn
//! with the same `--seed`, comes from fresh futures), the same ones merged
//! with their count. And the plan played in each of them.

use rand_core::SeedableRng;
use rand_xorshift::XorShiftRng;

use super::future::{play, Draws, Planned};
use super::uniform;
use crate::formulate::SampleDraws;
use crate::model::Instance;
use crate::plan::Moves;

/// What `--reliability` asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReliabilityOptions {
    /// The share of futures the plan must work in (0 < level ≤ 1).
    pub level: f64,
    /// The most futures it is chosen against.
    pub futures: u32,
    /// The seed of those futures, when they are drawn.
    pub seed: u64,
}

impl ReliabilityOptions {
    /// How many of `futures` drawn futures the plan must work in:
    /// ⌈level · futures⌉.
    pub fn required(&self) -> usize {
        let exact = self.level * f64::from(self.futures);
        // A level such as 0.9 of 100 is 90, not 90.00000000000001 rounded up.
        (exact - 1e-9).ceil().max(0.0) as usize
    }
}

/// One future: which events happen (per event of the instance), what
/// chance decides for every use of every action, and its weight: its
/// probability, or how many of the futures drawn it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledFuture {
    pub happens: Vec<bool>,
    pub draws: SampleDraws,
    pub weight: f64,
}

/// The futures a plan is chosen against.
#[derive(Debug, Clone, PartialEq)]
pub struct Futures {
    pub list: Vec<SampledFuture>,
    /// Every combination of outcomes, weighed by its probability (else
    /// drawn, weighed by count).
    pub exact: bool,
    /// The outcomes that may go either way (exact), or the futures drawn.
    pub count: u32,
}

/// Added to the seed: the futures a plan is chosen against are never the
/// ones its chance is then estimated from.
const STREAM: u64 = 0x5AA5_1DEA_0F0F_F00D;

/// The most uses of an action told apart: a plan makes at most `uses` of
/// them, and at most one per round.
fn use_count(instance: &Instance, a: usize) -> usize {
    (instance.model.actions[a].uses.min(instance.horizon) as usize).max(1)
}

/// The futures of `instance` for `asked`: exact when every combination of
/// the uses that may fail and the events that may not happen numbers at
/// most `asked.futures` and no effect has a spread, else drawn.
pub fn futures(instance: &Instance, asked: &ReliabilityOptions) -> Futures {
    let model = instance.model;
    let spread = model
        .actions
        .iter()
        .any(|a| a.effects.iter().any(|e| e.spread > 0.0));
    let mut items: Vec<Item> = Vec::new();
    for (a, action) in model.actions.iter().enumerate() {
        if action.success < 1.0 {
            items.extend((0..use_count(instance, a)).map(|k| Item::Use(a, k)));
        }
    }
    for (j, event) in instance.events.iter().enumerate() {
        if event.chance < 1.0 {
            items.push(Item::Event(j));
        }
    }
    let combinations = 1_u64.checked_shl(items.len() as u32).unwrap_or(u64::MAX);
    if !spread && combinations <= u64::from(asked.futures) {
        return every_combination(instance, &items);
    }
    drawn(instance, asked, !spread)
}

/// Something chance decides: a use of an action, or an event.
#[derive(Debug, Clone, Copy)]
enum Item {
    Use(usize, usize),
    Event(usize),
}

/// The future in which every use succeeds, every event happens and every
/// effect adds its `add`, with weight 1.
fn nominal(instance: &Instance) -> SampledFuture {
    let model = instance.model;
    let per_action = |a: usize| use_count(instance, a);
    SampledFuture {
        happens: vec![true; instance.events.len()],
        draws: SampleDraws {
            succeeded: (0..model.actions.len())
                .map(|a| vec![true; per_action(a)])
                .collect(),
            amounts: model
                .actions
                .iter()
                .enumerate()
                .map(|(a, action)| {
                    vec![action.effects.iter().map(|e| e.add).collect(); per_action(a)]
                })
                .collect(),
        },
        weight: 1.0,
    }
}

fn every_combination(instance: &Instance, items: &[Item]) -> Futures {
    let model = instance.model;
    let base = nominal(instance);
    let list = (0..1_u64 << items.len())
        .map(|bits| {
            let mut future = base.clone();
            for (i, item) in items.iter().enumerate() {
                let yes = bits >> i & 1 == 1;
                let p = match *item {
                    Item::Use(a, k) => {
                        future.draws.succeeded[a][k] = yes;
                        model.actions[a].success
                    }
                    Item::Event(j) => {
                        future.happens[j] = yes;
                        instance.events[j].chance
                    }
                };
                future.weight *= if yes { p } else { 1.0 - p };
            }
            future
        })
        .collect();
    Futures {
        list,
        exact: true,
        count: items.len() as u32,
    }
}

/// `asked.futures` futures drawn with the seed; with `merge`, the same
/// ones merged into one weighed by their count.
fn drawn(instance: &Instance, asked: &ReliabilityOptions, merge: bool) -> Futures {
    let mut rng = XorShiftRng::seed_from_u64(asked.seed ^ STREAM);
    let base = nominal(instance);
    let model = instance.model;
    let mut list: Vec<SampledFuture> = Vec::new();
    for _ in 0..asked.futures {
        let mut future = base.clone();
        for (a, action) in model.actions.iter().enumerate() {
            for k in 0..use_count(instance, a) {
                if action.success < 1.0 {
                    future.draws.succeeded[a][k] = uniform(&mut rng) < action.success;
                }
                for (amount, e) in future.draws.amounts[a][k].iter_mut().zip(&action.effects) {
                    if e.spread > 0.0 {
                        *amount = e.add + e.spread * (2.0 * uniform(&mut rng) - 1.0);
                    }
                }
            }
        }
        for (happens, event) in future.happens.iter_mut().zip(&instance.events) {
            if event.chance < 1.0 {
                *happens = uniform(&mut rng) < event.chance;
            }
        }
        let same = list
            .iter_mut()
            .find(|f| merge && f.happens == future.happens && f.draws == future.draws);
        match same {
            Some(earlier) => earlier.weight += 1.0,
            None => list.push(future),
        }
    }
    Futures {
        list,
        exact: false,
        count: asked.futures,
    }
}

/// The instance of a future: the events that happen in it.
pub fn future_instance<'m>(instance: &Instance<'m>, future: &SampledFuture) -> Instance<'m> {
    let mut out = instance.clone();
    out.events = happening(&instance.events, &future.happens);
    out.event_sources = happening(&instance.event_sources, &future.happens);
    out
}

/// The items of `list` (one per event) whose event happens.
fn happening<T: Clone>(list: &[T], happens: &[bool]) -> Vec<T> {
    list.iter()
        .zip(happens)
        .filter(|(_, &happens)| happens)
        .map(|(item, _)| item.clone())
        .collect()
}

/// Whether `moves` works in `future`, played by the semantics of chance
/// (a move whose conditions fail there is not made; the k-th use of an
/// action takes the k-th draw): the check, apart from the program, that a
/// future the program counts is one the plan works in.
pub fn works_in(instance: &Instance, moves: &Moves, future: &SampledFuture) -> bool {
    played(instance, moves, future).verdict.all()
}

/// Whether `moves` works in `future` with every move made as planned: the
/// futures a reliability program counts (never more than [`works_in`]).
pub fn works_as_planned(instance: &Instance, moves: &Moves, future: &SampledFuture) -> bool {
    let played = played(instance, moves, future);
    played.all_made && played.verdict.all()
}

fn played(instance: &Instance, moves: &Moves, future: &SampledFuture) -> super::future::Played {
    let planned = Planned::new(instance, moves);
    let mut draws = Draws::nominal(instance, &planned);
    let mut made = vec![0_usize; instance.model.actions.len()];
    for (i, &(a, _)) in planned.uses.iter().enumerate() {
        let k = made[a].min(future.draws.succeeded[a].len() - 1);
        made[a] += 1;
        draws.succeeded[i] = future.draws.succeeded[a][k];
        draws.amounts[i].clone_from(&future.draws.amounts[a][k]);
    }
    draws.happens.clone_from(&future.happens);
    play(instance, &planned, &draws)
}
