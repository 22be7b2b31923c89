//! The local search (`seqplan::improve`) and the large-neighbourhood
//! search (`seqplan::solve::neighbourhood_search`) against the simulator
//! and the exhaustive search: every plan they return is valid, no worse
//! than the plan they started from, never better than the optimum, and the
//! same for the same arguments; on large generated models the local search
//! finds plans the greedy walk does not, and better ones, and the
//! neighbourhoods better ones still.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::{all_plans, brute_force_optimum, level_values, model_from_json, random_model};
use proptest::prelude::*;
use seqplan::generate::{generate_model, Family, Size};
use seqplan::improve::{improve, Limits};
use seqplan::model::{Instance, Overrides};
use seqplan::plan::Moves;
use seqplan::simulate;
use seqplan::solve::{neighbourhood_search, Deadline, NeighbourhoodLimits, SolveOptions};

/// Whether `a` is lexicographically no worse than `b` (within the
/// solver's tolerance on each level).
fn no_worse(a: &[f64], b: &[f64]) -> bool {
    for (x, y) in a.iter().zip(b) {
        let tolerance = 1e-6 * x.abs().max(y.abs()).max(1.0);
        if x < &(y - tolerance) {
            return true;
        }
        if x > &(y + tolerance) {
            return false;
        }
    }
    true
}

/// The search within `simulations` from `seed`, its reports ignored.
fn search(
    instance: &Instance,
    start: Option<&Moves>,
    simulations: u64,
    seed: u64,
) -> Option<Moves> {
    let limits = Limits {
        simulations,
        until_valid: simulations,
        seed,
        deadline: Deadline::NONE,
    };
    improve(instance, start, limits, &mut |_| {})
}

fn values(instance: &Instance, moves: &Moves) -> Vec<f64> {
    let evaluation = simulate(instance, moves);
    assert!(evaluation.is_valid(), "the search returned an invalid plan");
    level_values(instance.model, moves, &evaluation)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, .. ProptestConfig::default() })]

    /// From the greedy plan or from nothing: a valid plan, no worse than
    /// the start and no better than the optimum, the same on a second run.
    #[test]
    fn searched_plans_are_valid_no_worse_and_repeatable(seed in any::<u64>(), search_seed in any::<u64>()) {
        let json = random_model(seed);
        let model = model_from_json(&json);
        prop_assume!(model.is_some());
        let model = model.unwrap();
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let greedy = seqplan::greedy::greedy_plan(&instance);
        let optimum = all_plans(&instance, 150_000).map(|plans| brute_force_optimum(&instance, &plans));
        for start in [greedy.as_ref(), None] {
            let found = search(&instance, start, 2_000, search_seed);
            let again = search(&instance, start, 2_000, search_seed);
            prop_assert_eq!(&found, &again, "not repeatable\n{:#}", json);
            if let Some(start) = start {
                prop_assert!(found.is_some(), "lost the start\n{:#}", json);
                let found = values(&instance, found.as_ref().unwrap());
                prop_assert!(no_worse(&found, &values(&instance, start)), "worse than its start\n{:#}", json);
            }
            if let Some(found) = &found {
                let found = values(&instance, found);
                if let Some(optimum) = &optimum {
                    let optimum = optimum.as_ref();
                    prop_assert!(optimum.is_some(), "a plan where the exhaustive search finds none\n{:#}", json);
                    prop_assert!(no_worse(optimum.unwrap(), &found), "better than the optimum\n{:#}", json);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, .. ProptestConfig::default() })]

    /// With a forced move (as `--force` or a replanned model's past moves
    /// give): every plan returned keeps it, is valid, and is no better than
    /// the best plan that keeps it.
    #[test]
    fn searched_plans_keep_the_forced_moves(seed in any::<u64>(), round in 1u32..5, search_seed in any::<u64>()) {
        let json = random_model(seed);
        let model = model_from_json(&json);
        prop_assume!(model.is_some());
        let model = model.unwrap();
        let horizon = model.horizon;
        prop_assume!(round <= horizon);
        let forced = (model.actions[0].id.clone(), round);
        let overrides = Overrides { force: vec![forced], ..Overrides::default() };
        let instance = Instance::new(&model, &overrides);
        prop_assume!(instance.is_ok());
        let instance = instance.unwrap();
        let kept = |moves: &Moves| moves.as_slice().iter().any(|m| m.action == 0 && m.round == round);
        let optimum = all_plans(&instance, 150_000).map(|plans| {
            let keeping: Vec<Moves> = plans.into_iter().filter(|p| kept(p)).collect();
            brute_force_optimum(&instance, &keeping)
        });
        let greedy = seqplan::greedy::greedy_plan(&instance);
        for start in [greedy.as_ref(), None] {
            let Some(found) = search(&instance, start, 2_000, search_seed) else {
                prop_assert!(start.is_none(), "lost the start\n{:#}", json);
                continue;
            };
            prop_assert!(kept(&found), "dropped the forced move\n{:#}", json);
            let found = values(&instance, &found);
            if let Some(start) = start {
                prop_assert!(no_worse(&found, &values(&instance, start)), "worse than its start\n{:#}", json);
            }
            if let Some(optimum) = &optimum {
                let optimum = optimum.as_ref();
                prop_assert!(optimum.is_some(), "a plan where the exhaustive search finds none\n{:#}", json);
                prop_assert!(no_worse(optimum.unwrap(), &found), "better than the optimum\n{:#}", json);
            }
        }
    }
}

/// What the search reports as it goes: valid plans, each better than the
/// last on the objective levels, the last as good as the plan returned.
#[test]
fn reported_plans_improve_to_the_plan_returned() {
    for (family, seed) in [(Family::Mixed, 1), (Family::Budgets, 3)] {
        let model = generated(family, seed);
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let greedy = seqplan::greedy::greedy_plan(&instance);
        let mut reported: Vec<Vec<f64>> = Vec::new();
        let limits = Limits {
            simulations: 150_000,
            until_valid: 150_000,
            seed: 1,
            deadline: Deadline::NONE,
        };
        let found = improve(&instance, greedy.as_ref(), limits, &mut |moves| {
            let mut levels = values(&instance, moves);
            levels.pop(); // the tie-break
            reported.push(levels);
        });
        let found = found.unwrap_or_else(|| panic!("seed {seed}: no plan"));
        assert!(reported.len() >= 2, "seed {seed}: {reported:?}");
        for pair in reported.windows(2) {
            assert!(!no_worse(&pair[0], &pair[1]), "seed {seed}: {reported:?}");
        }
        let mut last = values(&instance, &found);
        last.pop();
        assert_eq!(reported.last(), Some(&last), "seed {seed}");
    }
}

/// From nothing, on small random models that have a plan, the search finds
/// one almost always (fixed seeds: the figure does not vary from run to
/// run).
#[test]
fn search_from_nothing_finds_plans_of_small_models() {
    let (mut with_plan, mut found) = (0, 0);
    for seed in 0..400 {
        let Some(model) = model_from_json(&random_model(seed)) else {
            continue;
        };
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let Some(plans) = all_plans(&instance, 150_000) else {
            continue;
        };
        if brute_force_optimum(&instance, &plans).is_none() {
            continue;
        }
        with_plan += 1;
        if let Some(moves) = search(&instance, None, 2_000, 1) {
            assert!(simulate(&instance, &moves).is_valid(), "seed {seed}");
            found += 1;
        }
    }
    assert!(with_plan >= 100, "only {with_plan} models with a plan");
    assert!(
        found * 100 >= with_plan * 95,
        "found {found} of {with_plan} plans"
    );
}

fn generated(family: Family, seed: u64) -> seqplan::model::Model {
    let size = Size {
        actions: 120,
        horizon: 36,
        meters: 3,
        parties: 3,
    };
    generate_model(family, size, seed).unwrap()
}

/// On `mixed` 120×36 the search brings the greedy plan's met round down
/// (15, 13 and 10 to 7 or 8 when this was written) and its cost with it.
#[test]
fn search_improves_the_greedy_plan_of_large_models() {
    for seed in 1..=3 {
        let model = generated(Family::Mixed, seed);
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let greedy = seqplan::greedy::greedy_plan(&instance).unwrap();
        let found = search(&instance, Some(&greedy), 100_000, 1).unwrap();
        let (before, after) = (values(&instance, &greedy), values(&instance, &found));
        assert!(
            after[0] < before[0] && after[1] < before[1],
            "seed {seed}: {before:?} to {after:?}"
        );
    }
}

/// On `budgets` 120×36 seeds 1 and 3 the greedy walk finds no plan; the
/// search, from nothing, finds one.
#[test]
fn search_finds_plans_the_greedy_walk_misses() {
    for seed in [1, 3] {
        let model = generated(Family::Budgets, seed);
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        assert!(
            seqplan::greedy::greedy_plan(&instance).is_none(),
            "seed {seed}"
        );
        let found = search(&instance, None, 150_000, 1);
        let found = found.unwrap_or_else(|| panic!("seed {seed}: no plan"));
        assert!(simulate(&instance, &found).is_valid(), "seed {seed}");
    }
}

/// The search from no plan at all, with 50,000 simulations and up to
/// 400,000 while it has no valid plan.
fn from_nothing(instance: &Instance) -> Option<Moves> {
    let limits = Limits {
        simulations: 50_000,
        until_valid: 400_000,
        seed: 1,
        deadline: Deadline::NONE,
    };
    improve(instance, None, limits, &mut |_| {})
}

/// On `chains` 120×36 the greedy walk finds no plan, and changes drawn
/// blind never find one (four rules still broken after 450,000
/// simulations when this was written): each step of a chain requires the
/// one before, and some wait for a meter to climb. The changes aimed at
/// the rules the plan breaks find one, after about 100,000 simulations
/// from nothing when this was written.
#[test]
fn repairs_find_plans_of_chained_models() {
    found_from_nothing_where_the_walk_finds_none(&generated(Family::Chains, 3));
}

/// A `chains` model of `actions` × `horizon` for `seed`.
fn chains(actions: usize, horizon: u32, seed: u64) -> seqplan::model::Model {
    let size = Size {
        actions,
        horizon,
        meters: 3,
        parties: 3,
    };
    generate_model(Family::Chains, size, seed).unwrap()
}

/// The greedy walk finds no plan of `model`, and the local search, from
/// nothing, a valid one.
fn found_from_nothing_where_the_walk_finds_none(model: &seqplan::model::Model) {
    let instance = Instance::new(model, &Overrides::default()).unwrap();
    assert!(seqplan::greedy::greedy_plan(&instance).is_none());
    let found = from_nothing(&instance).expect("a plan");
    assert!(simulate(&instance, &found).is_valid());
}

/// Off the models the repairs were first written on, a use of a move
/// started while an earlier use still runs held the search one rule short
/// of a plan of `chains` 80×48 seed 6 (search seed 1) with its whole
/// budget. Moving that use after the earlier one ends, once no other
/// rule is broken, finds a plan (after about 110,000 simulations when this
/// was written).
#[test]
fn repairs_mend_overlapping_uses() {
    found_from_nothing_where_the_walk_finds_none(&chains(80, 48, 6));
}

/// A `not_before` line across chains held the search one rule short of a
/// plan of `chains` 200×24 seed 4 (search seeds 1 and 2, for 30 s): the
/// repairs aimed only at `requires` rows, and a crossed line counted the
/// same however far from holding. Aimed at like a `requires` row, it finds
/// a plan (after about 135,000 simulations when this was written).
#[test]
fn repairs_mend_not_before_lines() {
    found_from_nothing_where_the_walk_finds_none(&chains(200, 24, 4));
}

/// The large-neighbourhood search from `start`, with neighbourhoods of
/// `size` possible starts at first, and the plans it reported.
fn neighbourhoods(
    instance: &Instance,
    start: &Moves,
    size: usize,
    seed: u64,
) -> (Moves, Vec<Moves>) {
    let limits = NeighbourhoodLimits {
        solves: 8,
        nodes: 300,
        size,
        seed,
        simulations: 1_000,
        earliest: None,
        deadline: Deadline::NONE,
    };
    let mut reported = Vec::new();
    let found = neighbourhood_search(
        instance,
        start.clone(),
        &SolveOptions::default(),
        limits,
        &mut |moves| reported.push(moves.clone()),
    );
    (found, reported)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, .. ProptestConfig::default() })]

    /// From the greedy plan, with neighbourhoods small enough to leave
    /// most of a small plan fixed: a valid plan, no worse than the start
    /// and no better than the optimum, the same on a second run; each plan
    /// reported better than the last, the last the one returned.
    #[test]
    fn neighbourhood_plans_are_valid_no_worse_and_repeatable(seed in any::<u64>(), size in 1usize..12, search_seed in any::<u64>()) {
        let json = random_model(seed);
        let model = model_from_json(&json);
        prop_assume!(model.is_some());
        let model = model.unwrap();
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let greedy = seqplan::greedy::greedy_plan(&instance);
        prop_assume!(greedy.as_ref().is_some_and(|g| simulate(&instance, g).is_valid()));
        let greedy = greedy.unwrap();
        let (found, reported) = neighbourhoods(&instance, &greedy, size, search_seed);
        let (again, _) = neighbourhoods(&instance, &greedy, size, search_seed);
        prop_assert_eq!(&found, &again, "not repeatable\n{:#}", json);
        let found_values = values(&instance, &found);
        prop_assert!(no_worse(&found_values, &values(&instance, &greedy)), "worse than its start\n{:#}", json);
        let mut last = values(&instance, &greedy);
        for plan in &reported {
            let now = values(&instance, plan);
            prop_assert!(no_worse(&now, &last) && now != last, "a report no better than the last\n{:#}", json);
            last = now;
        }
        prop_assert_eq!(reported.last().unwrap_or(&greedy), &found);
        if let Some(optimum) = all_plans(&instance, 150_000).map(|plans| brute_force_optimum(&instance, &plans)) {
            let optimum = optimum.expect("the greedy plan is a plan");
            prop_assert!(no_worse(&optimum, &found_values), "better than the optimum\n{:#}", json);
        }
    }
}

/// On `mixed` and `budgets` 120×36, the neighbourhoods improve the local
/// search's plan (`mixed` seed 1 from 7/62 to 6/58, `budgets` seed 3 from
/// 21/256 to 19/164 in 60 small programs when this was written; 12 here).
#[test]
fn neighbourhoods_improve_the_searched_plan_of_large_models() {
    for (family, seed, start) in [(Family::Mixed, 1, true), (Family::Budgets, 3, false)] {
        let model = generated(family, seed);
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let greedy = seqplan::greedy::greedy_plan(&instance).filter(|_| start);
        let searched = search(&instance, greedy.as_ref(), 100_000, 1).unwrap();
        let limits = NeighbourhoodLimits {
            solves: 12,
            nodes: 400,
            size: 150,
            seed: 1,
            simulations: 30_000,
            earliest: None,
            deadline: Deadline::NONE,
        };
        let found = neighbourhood_search(
            &instance,
            searched.clone(),
            &SolveOptions::default(),
            limits,
            &mut |_| {},
        );
        let (before, after) = (values(&instance, &searched), values(&instance, &found));
        assert!(
            no_worse(&after[..2], &before[..2]) && after[..2] != before[..2],
            "{family:?} seed {seed}: {before:?} to {after:?}"
        );
    }
}
