//! Explanations checked against forced re-solves on random small models:
//! moving a move one round earlier must really break what `explain` says,
//! and a move the objective placed must really be worse one round earlier.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::{level_values, model_from_json, random_model};
use proptest::prelude::*;
use seqplan::explain::{explain, shifted_earlier, WhyNotEarlier};
use seqplan::model::{Instance, Model, Overrides};
use seqplan::{plan, simulate, Moves, Outcome, SolveOptions};

fn solve(model: &Model, overrides: &Overrides) -> Outcome {
    plan(
        &Instance::new(model, overrides).unwrap(),
        &SolveOptions::default(),
    )
    .unwrap()
}

/// Asks the solver whether exactly these moves form a valid plan.
fn solver_accepts(model: &Model, moves: &Moves) -> bool {
    let force = moves
        .as_slice()
        .iter()
        .map(|m| (model.actions[m.action].id.clone(), m.round))
        .collect();
    let exact = Overrides {
        force,
        only_forced: true,
        ..Overrides::default()
    };
    matches!(solve(model, &exact), Outcome::Plan(_))
}

/// `a` is lexicographically worse than `b` (smaller is better), with the
/// solver's tolerance.
fn worse(a: &[f64], b: &[f64]) -> bool {
    for (x, y) in a.iter().zip(b) {
        let tolerance = 1e-6 * y.abs().max(1.0);
        if *x > y + tolerance {
            return true;
        }
        if *x < y - tolerance {
            return false;
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn explanations_match_forced_re_solves(seed in any::<u64>()) {
        let Some(model) = model_from_json(&random_model(seed)) else { return Ok(()) };
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let Outcome::Plan(report) = plan(&instance, &SolveOptions::default()).unwrap() else { return Ok(()) };
        let optimum = level_values(&model, &report.moves, &report.evaluation);
        let explanation = explain(&instance, &report);
        prop_assert_eq!(explanation.moves.len(), report.moves.len());
        for (m, e) in report.moves.as_slice().iter().zip(&explanation.moves) {
            match &e.why_not_earlier {
                WhyNotEarlier::FirstPossible { first } => {
                    prop_assert!(m.round <= *first, "seed {}", seed);
                }
                WhyNotEarlier::Breaks(violations) => {
                    let earlier = shifted_earlier(&instance, &report.moves, *m);
                    prop_assert!(!violations.is_empty());
                    prop_assert_eq!(&simulate(&instance, &earlier).violations, violations);
                    prop_assert!(!solver_accepts(&model, &earlier), "the solver accepts the earlier plan (seed {})", seed);
                }
                WhyNotEarlier::LessReliable { .. } => {
                    prop_assert!(false, "a plan not chosen for reliability explained by it (seed {})", seed);
                }
                WhyNotEarlier::Objective { .. } => {
                    let earlier = shifted_earlier(&instance, &report.moves, *m);
                    prop_assert!(solver_accepts(&model, &earlier), "seed {}", seed);
                    let evaluation = simulate(&instance, &earlier);
                    let values = level_values(&model, &earlier, &evaluation);
                    prop_assert!(worse(&values, &optimum), "earlier is not worse: {:?} vs {:?} (seed {})", values, optimum, seed);
                }
            }
            // Whatever the reason, no plan with this move one round
            // earlier beats the optimum.
            if m.round > 1 {
                let id = model.actions[m.action].id.clone();
                let forced = Overrides { force: vec![(id, m.round - 1)], ..Overrides::default() };
                if let Outcome::Plan(other) = solve(&model, &forced) {
                    let values = level_values(&model, &other.moves, &other.evaluation);
                    prop_assert!(!worse(&optimum, &values), "forcing earlier improved the plan (seed {})", seed);
                }
            }
        }
    }
}
