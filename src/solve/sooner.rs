//! The met round brought forward by the local search. With `earliest`
//! first, a valid plan that meets everything by round R is handed back to
//! the local search on the instance with every deadline at R − 1: there
//! the plan breaks the expectations met last, and the local search's
//! repairs aim at exactly those (an expected move brought before its
//! deadline with what it requires, a move lifting a `when` meter added
//! earlier). A plan it finds meets everything by R − 1; the search
//! repeats from it, until two tries in a row find none.
//!
//! Between those tries the local search also starts afresh, from no
//! plan, with every deadline at a round well before R: the plan in hand
//! was built around the later deadlines, and a plan built for the
//! earlier ones from the start often meets them where it cannot be
//! mended to (`chains` 120×36 seed 2: the tries from the plan in hand
//! stop at R 29, a fresh start with every deadline at 23 finds one).
//!
//! The neighbourhoods of [`super::lns`] rarely do this: on `chains` models
//! the met round waits on a chain of a dozen moves and on the meters their
//! `when` bands read, and a small program that frees all of them is too
//! large to search in a few hundred nodes. The local search moves them a
//! few at a time, guided by how far each rule is from holding.
//!
//! The same question is also put to the branch and bound
//! ([`probe_sooner`]), which can answer it the other way: that no plan
//! meets everything sooner, so the met round in hand is the earliest.

use crate::formulate::Milp;
use crate::improve::{improve, Limits};
use crate::model::Instance;
use crate::plan::Moves;
use crate::simulate::simulate;
use crate::tuning::Tuning;

use super::second_search::SharedBest;
use super::{due_by, earliest_leads, solve_small, Deadline, Outcome, SolveOptions};

/// Tries in a row that find no sooner plan before the search stops.
const MISSES: u32 = 2;

/// The simulations of a fresh try, in those of a try from the plan in
/// hand: a fresh start spends its first on finding a valid plan at all.
const FRESH_UNTIL_VALID: u64 = 4;

/// `plan`, or a valid plan that meets everything sooner, found by the
/// local search with every deadline one round before the met round in
/// hand, again and again; each try has `limits`' simulations and its own
/// seed drawn from theirs, and all of them stop at `limits`' deadline.
/// After the first try that misses at a met round, the branch and bound
/// is asked the same question ([`probe_sooner`]): a proof that no plan
/// meets everything sooner ends the search there (the plan's met round is
/// then returned as the earliest), and a sooner plan it finds is taken up.
/// After each try that misses, and after every other once two in a row
/// have, the local search starts afresh, from no plan, with every
/// deadline at a round well before the met round ([`fresh_target`]),
/// and [`FRESH_UNTIL_VALID`] times `limits`' simulations: a plan built
/// for the earlier deadlines from the start often meets them where the
/// plan in hand, built around the later ones, cannot be mended to. A
/// fresh plan found is taken up and tried again a round sooner; a fresh
/// try that misses raises the next one's target above its own. The
/// targets are drawn between `lowest` (no plan meets everything sooner:
/// the order-free bound) and the soonest met round known, the other
/// search's too when there is one (`shared`), and above the round it
/// has proved the earliest. Each sooner plan is shown to `on_better`.
/// `plan` itself unless `earliest` leads, the step is on and `plan` is
/// valid. The same arguments, without a deadline or a `shared`, give
/// the same plan.
pub(super) fn sooner(
    instance: &Instance,
    mut plan: Moves,
    limits: Limits,
    mut lowest: u32,
    shared: Option<&SharedBest>,
    options: &SolveOptions,
    on_better: &mut dyn FnMut(&Moves),
) -> Brought {
    let mut misses = 0;
    let mut probed = None;
    let mut fresh_next = false;
    for attempt in 1.. {
        if limits.deadline.passed() {
            break;
        }
        let seed = seed_of_try(limits.seed, attempt);
        if fresh_next || misses >= MISSES {
            fresh_next = false;
            let Some(target) = fresh_target_now(instance, &plan, lowest, shared) else {
                if misses >= MISSES {
                    break;
                }
                continue;
            };
            let fresh_limits = Limits {
                seed,
                until_valid: limits.simulations.saturating_mul(FRESH_UNTIL_VALID),
                ..limits
            };
            match a_try_by(
                instance,
                target,
                None,
                fresh_limits,
                &options.tuning,
                on_better,
            ) {
                Try::Sooner(found) => {
                    plan = found;
                    misses = 0;
                }
                Try::Missed => lowest = target + 1,
                Try::Unwanted => break,
            }
            continue;
        }
        let try_limits = Limits {
            seed,
            until_valid: limits.simulations,
            ..limits
        };
        match a_round_sooner(instance, &plan, try_limits, &options.tuning, on_better) {
            Try::Sooner(found) => {
                plan = found;
                misses = 0;
            }
            Try::Missed => {
                misses += 1;
                fresh_next = true;
                let met = simulate(instance, &plan).met_round;
                if probed == Some(met) {
                    continue;
                }
                probed = Some(met);
                let deadline = options.deadline.share(PROBE_SHARE);
                match probe_sooner(instance, &plan, options, PROBE_NODES, deadline) {
                    Probe::NoneSooner => {
                        return Brought {
                            plan,
                            earliest: met,
                        }
                    }
                    Probe::Sooner(found) => {
                        on_better(&found);
                        plan = found;
                        misses = 0;
                    }
                    Probe::Unknown => {}
                }
            }
            Try::Unwanted => break,
        }
    }
    Brought {
        plan,
        earliest: None,
    }
}

/// The next fresh try's target ([`fresh_target`]) from the soonest met
/// round known, `plan`'s or the other search's, and above `lowest` and
/// any round the other search has proved the earliest; `None` when no
/// round is left between them.
fn fresh_target_now(
    instance: &Instance,
    plan: &Moves,
    lowest: u32,
    shared: Option<&SharedBest>,
) -> Option<u32> {
    let own = simulate(instance, plan).met_round?;
    let met = shared
        .and_then(SharedBest::met_round)
        .map_or(own, |theirs| theirs.min(own));
    let lowest = shared
        .and_then(SharedBest::proven_earliest)
        .map_or(lowest, |proven| proven.max(lowest));
    fresh_target(lowest, met)
}

/// The round a fresh start aims every deadline at, from a plan met in
/// round `met` when no plan is known to meet everything before `lowest`:
/// a third of the way from one to the other, but no more than a quarter
/// of `met` before it. `None` when `lowest` is `met` or after it, and
/// when it is less than half of `met`: so loose a bound (round 1 when
/// every expectation is on a meter, as in `budgets`) says nothing of
/// where a plan may be, and fresh tries far below any plan only spend
/// the time the neighbourhoods and the branch and bound would use better.
fn fresh_target(lowest: u32, met: u32) -> Option<u32> {
    (lowest < met && lowest.saturating_mul(2) >= met).then(|| {
        let toward_lowest = lowest + (met - 1 - lowest) / 3;
        toward_lowest.max(met - (met / 4).max(1))
    })
}

/// What [`sooner`] gives.
pub(super) struct Brought {
    /// The plan with the soonest met round found.
    pub plan: Moves,
    /// Its met round, when the branch and bound proved no plan meets
    /// everything sooner.
    pub earliest: Option<u32>,
}

/// The nodes and the share of the command's time left that the branch and
/// bound may take to answer whether a plan meets everything sooner (see
/// [`probe_sooner`]): enough for the answers that come at all within a
/// search's time, most in under 0.1 s at 120×36.
const PROBE_NODES: u64 = 500;
const PROBE_SHARE: f64 = 0.05;

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
    let evaluation = simulate(instance, plan);
    let Some(met) = evaluation
        .met_round
        .filter(|&met| met > 1 && evaluation.is_valid())
    else {
        return Try::Unwanted;
    };
    a_try_by(instance, met - 1, Some(plan), limits, tuning, on_better)
}

/// One try: the local search with every deadline at round `due`, from
/// `from` or, with `None`, afresh, within `limits`. Each better plan it
/// finds is shown to `on_better`: any valid plan meets everything by
/// `due`.
fn a_try_by(
    instance: &Instance,
    due: u32,
    from: Option<&Moves>,
    limits: Limits,
    tuning: &Tuning,
    on_better: &mut dyn FnMut(&Moves),
) -> Try {
    if !(tuning.sooner && earliest_leads(instance, tuning)) {
        return Try::Unwanted;
    }
    let fresh = from.is_none();
    if let Some(found) = improve(&due_by(instance, due), from, limits, on_better) {
        tracing::debug!(
            due,
            fresh,
            met = simulate(instance, &found).met_round,
            "a plan sooner"
        );
        Try::Sooner(found)
    } else {
        tracing::debug!(due, fresh, "no plan sooner");
        Try::Missed
    }
}

/// What the branch and bound says of the rounds before a plan's met round.
pub(super) enum Probe {
    /// No plan meets everything sooner: the met round is the earliest.
    NoneSooner,
    /// A valid plan that meets everything sooner.
    Sooner(Moves),
    /// Neither within the probe's nodes and time.
    Unknown,
}

/// Whether any plan meets everything before `plan`'s met round, asked of
/// the branch and bound on the program with every deadline one round
/// sooner, its first level alone, within `nodes` nodes and by `deadline`.
/// The presolve cuts that program far below the whole one, so the proof
/// often takes a fraction of a second where the searches would go on
/// trying for a sooner plan that does not exist. `Unknown` unless
/// `earliest` leads and `plan` is valid.
pub(super) fn probe_sooner(
    instance: &Instance,
    plan: &Moves,
    options: &SolveOptions,
    nodes: u64,
    deadline: Deadline,
) -> Probe {
    if !earliest_leads(instance, &options.tuning) {
        return Probe::Unknown;
    }
    let evaluation = simulate(instance, plan);
    let Some(met) = evaluation.met_round.filter(|_| evaluation.is_valid()) else {
        return Probe::Unknown;
    };
    if met <= 1 {
        return Probe::NoneSooner;
    }
    let due = due_by(instance, met - 1);
    let whole = Milp::build(&due, &options.tuning);
    let first = Milp {
        levels: whole.levels[..1].to_vec(),
        ..whole
    };
    match solve_small(instance, &first, None, options, (nodes, deadline)).0 {
        Ok(Outcome::Infeasible) => {
            tracing::debug!(
                met,
                "the branch and bound proves no plan meets everything sooner"
            );
            Probe::NoneSooner
        }
        Ok(Outcome::Plan(report)) => Probe::Sooner(report.moves),
        Ok(Outcome::Unknown) | Err(_) => Probe::Unknown,
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
    /// a meter that only a third move lifts.
    fn chain_behind_a_meter() -> crate::model::Model {
        instance_of(
            r#"{"seqplan": 1, "name": "t", "horizon": 12, "parties": [{"id": "p"}],
            "meters": [{"id": "m"}],
            "actions": [
                {"id": "lift", "by": "p", "cost": 1, "effects": [{"meter": "m", "add": 2}]},
                {"id": "first", "by": "p", "cost": 1},
                {"id": "second", "by": "p", "cost": 1, "requires": [{"action": "first", "lag": 1}],
                 "when": [{"meter": "m", "at_least": 2}]}
            ],
            "expectations": [{"id": "done", "action": "second", "by": 12}]}"#,
        )
    }

    /// The chain's three moves at `first`, `lift` and `second`.
    fn chain_at(first: u32, lift: u32, second: u32) -> Moves {
        Moves::new(vec![
            Move {
                round: first,
                action: 1,
            },
            Move {
                round: lift,
                action: 0,
            },
            Move {
                round: second,
                action: 2,
            },
        ])
    }

    /// The plan in hand takes the chain's three moves late. The search
    /// brings the met round to the earliest the chain allows, and the
    /// plan it returns is valid.
    #[test]
    fn brings_the_met_round_forward_with_what_it_waits_on() {
        let model = chain_behind_a_meter();
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let late = chain_at(8, 9, 10);
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
        let options = SolveOptions::within(None);
        let brought = sooner(
            &instance,
            late.clone(),
            limits,
            1,
            None,
            &options,
            &mut |_| {
                shown += 1;
            },
        );
        let found = brought.plan;
        let after = simulate(&instance, &found);
        assert!(after.is_valid(), "{:?}", after.violations);
        assert_eq!(after.met_round, Some(2), "{found:?}");
        assert!(shown > 0);
        // The try at round 1 misses, and the branch and bound proves that
        // no plan meets everything then.
        assert_eq!(brought.earliest, Some(2));

        // Off, the plan is kept.
        let off = Tuning {
            sooner: false,
            ..Tuning::ALL
        };
        assert_eq!(
            sooner(
                &instance,
                late.clone(),
                limits,
                1,
                None,
                &options.with_tuning(off),
                &mut |_| {}
            )
            .plan,
            late
        );
    }

    /// The branch and bound finds a sooner plan than a late one, and
    /// proves none sooner than the earliest; a plan that is not valid is
    /// not probed.
    #[test]
    fn the_probe_finds_a_sooner_plan_or_proves_there_is_none() {
        let model = chain_behind_a_meter();
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let options = SolveOptions::within(None);
        let late = chain_at(8, 9, 10);
        let Probe::Sooner(found) = probe_sooner(&instance, &late, &options, 500, Deadline::NONE)
        else {
            panic!("the probe found no sooner plan than one met in round 10");
        };
        let evaluation = simulate(&instance, &found);
        assert!(evaluation.is_valid(), "{:?}", evaluation.violations);
        assert!(evaluation.met_round < Some(10), "{found:?}");

        let earliest = chain_at(1, 1, 2);
        let evaluation = simulate(&instance, &earliest);
        assert!(evaluation.is_valid(), "{:?}", evaluation.violations);
        assert_eq!(evaluation.met_round, Some(2));
        let probe = probe_sooner(&instance, &earliest, &options, 500, Deadline::NONE);
        assert!(matches!(probe, Probe::NoneSooner));

        let broken = chain_at(5, 5, 4);
        assert!(!simulate(&instance, &broken).is_valid());
        let probe = probe_sooner(&instance, &broken, &options, 500, Deadline::NONE);
        assert!(matches!(probe, Probe::Unknown));
    }

    /// A fresh try aims between the lower bound and the met round, never
    /// more than a quarter of the met round before it, and not at all
    /// when no round is left between them or the bound is below half the
    /// met round.
    #[test]
    fn a_fresh_target_lies_between_the_bound_and_the_met_round() {
        for met in 1..=60 {
            for lowest in 0..=met + 2 {
                let target = fresh_target(lowest, met);
                if lowest >= met || 2 * lowest < met {
                    assert_eq!(target, None, "lowest {lowest}, met {met}");
                    continue;
                }
                let target = target.expect("a round between them");
                assert!(
                    lowest <= target && target < met,
                    "{lowest} ≤ {target} < {met}"
                );
                assert!(
                    target >= met - (met / 4).max(1),
                    "{target} too far before {met}"
                );
            }
        }
        // A loose bound: none; a half: a quarter before; a close one: a
        // third of the way.
        assert_eq!(fresh_target(1, 30), None);
        assert_eq!(fresh_target(14, 30), None);
        assert_eq!(fresh_target(15, 30), Some(23));
        assert_eq!(fresh_target(22, 30), Some(24));
        assert_eq!(fresh_target(29, 30), Some(29));
    }

    /// From no plan, a fresh try meets every deadline brought to round 2
    /// (the earliest the chain allows) and misses at round 1.
    #[test]
    fn a_fresh_start_meets_the_deadlines_it_aims_at_or_misses() {
        let model = chain_behind_a_meter();
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let limits = Limits {
            simulations: 2_000,
            until_valid: 2_000,
            seed: 3,
            deadline: Deadline::NONE,
        };
        let mut shown = Vec::new();
        let Try::Sooner(found) = a_try_by(&instance, 2, None, limits, &Tuning::ALL, &mut |moves| {
            shown.push(moves.clone());
        }) else {
            panic!("no plan meets everything by round 2 from a fresh start");
        };
        let evaluation = simulate(&instance, &found);
        assert!(evaluation.is_valid(), "{:?}", evaluation.violations);
        assert!(evaluation.met_round <= Some(2), "{found:?}");
        assert!(shown.contains(&found));
        let missed = a_try_by(&instance, 1, None, limits, &Tuning::ALL, &mut |_| {});
        assert!(matches!(missed, Try::Missed));
    }

    /// The targets follow the other search: below its plan's met round
    /// when it is the sooner, and none at or before a round it proved
    /// the earliest.
    #[test]
    fn the_fresh_targets_follow_the_other_search() {
        let model = chain_behind_a_meter();
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let late = chain_at(8, 9, 10);
        assert_eq!(fresh_target_now(&instance, &late, 5, None), Some(8));
        let shared = SharedBest::new(&instance);
        let options = SolveOptions::within(None);
        assert!(shared.offer(&chain_at(3, 4, 5), &options, None));
        assert_eq!(
            fresh_target_now(&instance, &late, 3, Some(&shared)),
            Some(4)
        );
        assert_eq!(fresh_target_now(&instance, &late, 2, Some(&shared)), None);
        shared.prove_earliest(3);
        assert_eq!(
            fresh_target_now(&instance, &late, 2, Some(&shared)),
            Some(4)
        );
        shared.prove_earliest(5);
        assert_eq!(fresh_target_now(&instance, &late, 2, Some(&shared)), None);
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
