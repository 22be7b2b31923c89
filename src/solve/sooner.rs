//! The met round brought forward by the local search. With `earliest`
//! first, a valid plan that meets everything by round R is handed back to
//! the local search on the instance with every deadline at R − 1: there
//! the plan breaks the expectations met last, and the local search's
//! repairs aim at exactly those (an expected move brought before its
//! deadline with what it requires, a move lifting a `when` meter added
//! earlier). A plan it finds meets everything by R − 1; the search
//! repeats from it, until two tries in a row find none.
//!
//! The neighbourhoods of [`super::lns`] rarely do this: on `chains` models
//! the met round waits on a chain of a dozen moves and on the meters their
//! `when` bands read, and a small program that frees all of them is too
//! large to search in a few hundred nodes. The local search moves them a
//! few at a time, guided by how far each rule is from holding.

use crate::improve::{improve, Limits};
use crate::model::Instance;
use crate::plan::Moves;
use crate::simulate::simulate;
use crate::tuning::Tuning;

use super::{due_by, earliest_leads};

/// Tries in a row that find no sooner plan before the search stops.
const MISSES: u32 = 2;

/// `plan`, or a valid plan that meets everything sooner, found by the
/// local search with every deadline one round before the met round in
/// hand, again and again; each try has `limits`' simulations and its own
/// seed drawn from theirs, and all of them stop at `limits`' deadline.
/// Each sooner plan is shown to `on_better`. `plan` itself unless
/// `earliest` leads and `plan` is valid. The same arguments, without a
/// deadline, give the same plan.
pub(super) fn sooner(
    instance: &Instance,
    mut plan: Moves,
    limits: Limits,
    tuning: &Tuning,
    on_better: &mut dyn FnMut(&Moves),
) -> Moves {
    let mut misses = 0;
    for attempt in 1.. {
        if misses == MISSES || limits.deadline.passed() {
            break;
        }
        let try_limits = Limits {
            seed: seed_of_try(limits.seed, attempt),
            until_valid: limits.simulations,
            ..limits
        };
        match a_round_sooner(instance, &plan, try_limits, tuning, on_better) {
            Try::Sooner(found) => {
                plan = found;
                misses = 0;
            }
            Try::Missed => misses += 1,
            Try::Unwanted => break,
        }
    }
    plan
}

/// What one try of the search gave.
pub(super) enum Try {
    /// A valid plan that meets everything sooner than the plan in hand.
    Sooner(Moves),
    /// None within the try's simulations.
    Missed,
    /// Nothing to try: `earliest` does not lead, the search is off, or
    /// the plan in hand is not valid or meets everything in round 1.
    Unwanted,
}

/// One try: the local search from `plan` with every deadline one round
/// before its met round, within `limits` (every caller gives it as many
/// simulations while it has no valid plan as after). Each better plan it
/// finds is shown to `on_better`.
pub(super) fn a_round_sooner(
    instance: &Instance,
    plan: &Moves,
    limits: Limits,
    tuning: &Tuning,
    on_better: &mut dyn FnMut(&Moves),
) -> Try {
    if !(tuning.sooner && earliest_leads(instance, tuning)) {
        return Try::Unwanted;
    }
    let evaluation = simulate(instance, plan);
    let Some(met) = evaluation
        .met_round
        .filter(|&met| met > 1 && evaluation.is_valid())
    else {
        return Try::Unwanted;
    };
    if let Some(found) = improve(&due_by(instance, met - 1), Some(plan), limits, on_better) {
        tracing::debug!(met = simulate(instance, &found).met_round, "a plan sooner");
        Try::Sooner(found)
    } else {
        tracing::debug!(due = met - 1, "no plan sooner");
        Try::Missed
    }
}

/// A seed for each try, apart from the first search's and from each
/// other's (the finaliser of `SplitMix64` on the pair).
fn seed_of_try(seed: u64, attempt: u64) -> u64 {
    let mut z = seed ^ attempt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Overrides;
    use crate::plan::Move;
    use crate::solve::Deadline;

    fn instance_of(text: &str) -> crate::model::Model {
        let raw = crate::model::parse_model(text, "t").expect("a model");
        crate::model::validate(&raw, "t")
            .expect("a valid model")
            .model
    }

    /// A two-step chain expected by round 12, whose second step waits for
    /// a meter that only a third move lifts: the plan in hand takes all
    /// three late. The search brings the met round to the earliest the
    /// chain allows, and the plan it returns is valid.
    #[test]
    fn brings_the_met_round_forward_with_what_it_waits_on() {
        let model = instance_of(
            r#"{"seqplan": 1, "name": "t", "horizon": 12, "parties": [{"id": "p"}],
            "meters": [{"id": "m"}],
            "actions": [
                {"id": "lift", "by": "p", "cost": 1, "effects": [{"meter": "m", "add": 2}]},
                {"id": "first", "by": "p", "cost": 1},
                {"id": "second", "by": "p", "cost": 1, "requires": [{"action": "first", "lag": 1}],
                 "when": [{"meter": "m", "at_least": 2}]}
            ],
            "expectations": [{"id": "done", "action": "second", "by": 12}]}"#,
        );
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let [lift, first, second] = [0, 1, 2];
        let late = Moves::new(vec![
            Move {
                round: 8,
                action: first,
            },
            Move {
                round: 9,
                action: lift,
            },
            Move {
                round: 10,
                action: second,
            },
        ]);
        let before = simulate(&instance, &late);
        assert!(before.is_valid());
        assert_eq!(before.met_round, Some(10));
        let limits = Limits {
            simulations: 2_000,
            until_valid: 2_000,
            seed: 1,
            deadline: Deadline::NONE,
        };
        let mut shown = 0;
        let found = sooner(&instance, late.clone(), limits, &Tuning::ALL, &mut |_| {
            shown += 1;
        });
        let after = simulate(&instance, &found);
        assert!(after.is_valid(), "{:?}", after.violations);
        assert_eq!(after.met_round, Some(2), "{found:?}");
        assert!(shown > 0);

        // Off, the plan is kept.
        let off = Tuning {
            sooner: false,
            ..Tuning::ALL
        };
        assert_eq!(
            sooner(&instance, late.clone(), limits, &off, &mut |_| {}),
            late
        );
    }

    /// Each try draws from its own seed.
    #[test]
    fn the_tries_have_seeds_of_their_own() {
        let seeds: std::collections::BTreeSet<u64> =
            (1..=50).map(|attempt| seed_of_try(1, attempt)).collect();
        assert_eq!(seeds.len(), 50);
        assert!(!seeds.contains(&1));
    }
}
