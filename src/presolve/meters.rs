//! What the meters can be before any solve: their path with no move at all,
//! and their range over every plan. The meter update rule itself,
//! m[t] = (1 − decay)·m[t−1] + (effects landing in t) + (events in t), is
//! applied here to ranges, in one place ([`next_range`]).

use crate::model::Instance;

/// Per meter, per round t in 0..=H, `(lowest, highest)` value over all plans.
pub type MeterBounds = Vec<Vec<(f64, f64)>>;

/// The meter update rule on a range of values: the previous range decayed,
/// then each change `(fall, rise)` added in turn (in that order, so that
/// every caller computes the same floating-point values).
fn next_range(keep: f64, previous: (f64, f64), changes: &[(f64, f64)]) -> (f64, f64) {
    let (mut lo, mut hi) = (keep * previous.0, keep * previous.1);
    for &(fall, rise) in changes {
        lo += fall;
        hi += rise;
    }
    (lo, hi)
}

/// Per round t in 0..=H, what the events change meter `k` by, as
/// `(lowest, highest)`: their sum in both, except in relaxable mode
/// (diagnosis), where an event may not happen, so the lowest takes only
/// the falls and the highest only the rises.
fn event_changes(instance: &Instance, k: usize) -> Vec<(f64, f64)> {
    let mut changes = vec![(0.0, 0.0); instance.horizon as usize + 1];
    for event in instance.events.iter().filter(|e| e.meter == k) {
        let (lo, hi) = &mut changes[event.round as usize];
        if instance.relaxable {
            *lo += event.add.min(0.0);
            *hi += event.add.max(0.0);
        } else {
            *lo += event.add;
            *hi += event.add;
        }
    }
    changes
}

/// Per meter, its values m[0..=H] when no move is made: initial value,
/// decay and events only, as `(lowest, highest)` (equal unless events are
/// optional, in relaxable mode).
pub fn idle_meters(instance: &Instance) -> MeterBounds {
    let h = instance.horizon as usize;
    instance
        .model
        .meters
        .iter()
        .enumerate()
        .map(|(k, meter)| {
            let keep = 1.0 - meter.decay;
            let events = event_changes(instance, k);
            let mut values = vec![(instance.initial[k], instance.initial[k])];
            for t in 1..=h {
                values.push(next_range(keep, values[t - 1], &[events[t]]));
            }
            values
        })
        .collect()
}

/// Interval bounds of each meter after each round, over all plans whose
/// moves start in `starts` (per action, the rounds it may start in): the
/// tighter of a round-by-round propagation (every possible landing in the
/// round) and a cumulative one (each action lands at most `uses` times,
/// and decay only shrinks what has landed). They size the big-M terms.
pub fn meter_bounds(instance: &Instance, starts: &[Vec<u32>]) -> MeterBounds {
    meter_bounds_over(instance, starts, false)
}

/// [`meter_bounds`], and with `spread`, over every amount an effect may add
/// in a sampled future (`add` ± `spread`, or nothing when its use fails).
pub fn meter_bounds_over(instance: &Instance, starts: &[Vec<u32>], spread: bool) -> MeterBounds {
    let model = instance.model;
    let h = instance.horizon as usize;
    let meters = model.meters.len();
    // Possible landings per round, and from the earliest landing on, the
    // most an action can add or remove in total.
    let mut low = vec![vec![0.0; h + 1]; meters];
    let mut high = low.clone();
    let mut total_low = low.clone();
    let mut total_high = low.clone();
    for (a, action) in model.actions.iter().enumerate() {
        for e in &action.effects {
            let landing = |s: u32| (super::completion(s, action.duration) + e.delay) as usize;
            let width = if spread { e.spread } else { 0.0 };
            let (fall, rise) = ((e.add - width).min(0.0), (e.add + width).max(0.0));
            for &s in &starts[a] {
                if landing(s) <= h {
                    low[e.meter][landing(s)] += fall;
                    high[e.meter][landing(s)] += rise;
                }
            }
            if let Some(&first) = starts[a].first() {
                let uses = f64::from(action.uses);
                for t in landing(first)..=h {
                    total_low[e.meter][t] += uses * fall;
                    total_high[e.meter][t] += uses * rise;
                }
            }
        }
    }
    let idle = idle_meters(instance);
    (0..meters)
        .map(|k| {
            let keep = 1.0 - model.meters[k].decay;
            let events = event_changes(instance, k);
            let mut out = vec![idle[k][0]];
            for t in 1..=h {
                let step = next_range(keep, out[t - 1], &[(low[k][t], high[k][t]), events[t]]);
                let total = (
                    idle[k][t].0 + total_low[k][t],
                    idle[k][t].1 + total_high[k][t],
                );
                out.push((step.0.max(total.0), step.1.min(total.1)));
            }
            out
        })
        .collect()
}
