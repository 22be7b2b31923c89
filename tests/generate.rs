//! `seqplan generate`: deterministic per seed, valid without warnings, and
//! built around a plan, so the base model always has one.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use assert_cmd::Command;
use seqplan::generate::{generate, Family, Size};
use seqplan::model::{parse_model, validate, Instance, Overrides};
use seqplan::{plan, simulate, Outcome, SolveOptions};

fn generated(args: &[&str]) -> String {
    let output = Command::cargo_bin("seqplan")
        .unwrap()
        .arg("generate")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn same_seed_gives_the_same_bytes() {
    let args = ["--actions", "12", "--horizon", "9", "--seed", "42"];
    let first = generated(&args);
    assert_eq!(first, generated(&args));
    assert_ne!(
        first,
        generated(&["--actions", "12", "--horizon", "9", "--seed", "43"])
    );
    let model: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(model["actions"].as_array().unwrap().len(), 12);
    assert_eq!(model["horizon"], 9);
}

/// Small generated models: valid, and the base always has a plan the
/// simulator accepts, with every feature the issue lists present across
/// the seeds.
#[test]
fn generated_models_are_valid_and_plannable() {
    let mut features = std::collections::BTreeSet::new();
    for seed in 0..25 {
        let size = Size {
            actions: 10,
            horizon: 8,
            meters: 3,
            parties: 3,
        };
        let json = generate(Family::Mixed, size, seed).unwrap();
        let text = json.to_string();
        for feature in [
            "\"requires\"",
            "\"lag\"",
            "\"when\"",
            "never_below",
            "cost_at_most",
            "moves_per_round",
            "\"scenarios\"",
            "\"expectations\"",
        ] {
            if text.contains(feature) {
                features.insert(feature);
            }
        }
        let validated = validate(&parse_model(&text, "generated").unwrap(), "generated").unwrap();
        let warnings = seqplan::warnings::all(&validated);
        assert!(warnings.is_empty(), "seed {seed}: {warnings:?}");
        let count = json["expectations"].as_array().unwrap().len();
        assert!(
            (2..=4).contains(&count),
            "seed {seed}: {count} expectations"
        );
        let instance = Instance::new(&validated.model, &Overrides::default()).unwrap();
        let Outcome::Plan(report) = plan(&instance, &SolveOptions::default()).unwrap() else {
            panic!("seed {seed}: the base model has no plan\n{json:#}");
        };
        assert!(simulate(&instance, &report.moves).is_valid());
    }
    assert_eq!(features.len(), 8, "{features:?}");
}

/// The other families: valid without warnings, planned by the solver on
/// the base model, and each showing what makes it hard.
#[test]
fn every_family_is_valid_plannable_and_itself() {
    let size = Size {
        actions: 10,
        horizon: 8,
        meters: 3,
        parties: 3,
    };
    let wanted: [(Family, &[&str]); 2] = [
        (
            Family::Chains,
            &[
                "\"decay\"",
                "\"delay\"",
                "\"uses\"",
                "\"lag\"",
                "not_before",
                "\"when\"",
            ],
        ),
        (
            Family::Budgets,
            &[
                "\"uses\"",
                "cost_at_most",
                "per_party",
                "never_above",
                "moves_per_round",
            ],
        ),
    ];
    for (family, features) in wanted {
        let mut seen: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        for seed in 0..25 {
            let json = generate(family, size, seed).unwrap();
            let text = json.to_string();
            seen.extend(features.iter().copied().filter(|f| text.contains(f)));
            let validated =
                validate(&parse_model(&text, "generated").unwrap(), "generated").unwrap();
            let warnings = seqplan::warnings::all(&validated);
            assert!(warnings.is_empty(), "{family:?} seed {seed}: {warnings:?}");
            assert!(!json["expectations"].as_array().unwrap().is_empty());
            let instance = Instance::new(&validated.model, &Overrides::default()).unwrap();
            let Outcome::Plan(report) = plan(&instance, &SolveOptions::default()).unwrap() else {
                panic!("{family:?} seed {seed}: the base model has no plan\n{json:#}");
            };
            assert!(simulate(&instance, &report.moves).is_valid());
        }
        assert_eq!(seen.len(), features.len(), "{family:?}: {seen:?}");
    }
    // The family is chosen on the command line; mixed is the default.
    let args = ["--actions", "12", "--horizon", "9", "--seed", "4"];
    let mixed = generated(&args);
    assert_eq!(
        mixed,
        generated(&[&args[..], &["--family", "mixed"]].concat())
    );
    let chains = generated(&[&args[..], &["--family", "chains"]].concat());
    assert_ne!(mixed, chains);
    assert!(chains.contains("Generated chains"));
}

#[test]
fn oversized_requests_are_bad_input() {
    let output = Command::cargo_bin("seqplan")
        .unwrap()
        .args(["generate", "--actions", "20000"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("--actions 20000: at most 10000"));
}

/// On a generated model the solver needs seconds for, the greedy walk finds
/// a valid plan at once: the fallback `plan` offers when time runs out.
#[test]
fn greedy_walk_plans_a_generated_model() {
    let size = Size {
        actions: 40,
        horizon: 16,
        meters: 3,
        parties: 3,
    };
    let model = seqplan::generate::generate_model(Family::Mixed, size, 1).unwrap();
    let instance = Instance::new(&model, &Overrides::default()).unwrap();
    let moves = seqplan::greedy::greedy_plan(&instance).expect("a greedy plan");
    assert!(simulate(&instance, &moves).is_valid());
}

/// A time limit far too short for the solver still gives a valid plan on a
/// model the greedy walk can plan, marked as not proven optimal.
#[test]
fn a_short_time_limit_still_answers_with_a_valid_plan() {
    let folder = tempfile::tempdir().unwrap();
    let model = folder.path().join("g.json");
    std::fs::write(
        &model,
        generated(&["--actions", "40", "--horizon", "16", "--seed", "1"]),
    )
    .unwrap();
    let plan_file = folder.path().join("plan.json");
    let output = Command::cargo_bin("seqplan")
        .unwrap()
        .arg(&model)
        .args(["--time-limit", "0.05", "--format", "json", "-o"])
        .arg(&plan_file)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    assert!(
        ["feasible", "optimal"].contains(&plan["status"].as_str().unwrap()),
        "{plan}"
    );
    let check = Command::cargo_bin("seqplan")
        .unwrap()
        .arg("check")
        .arg(&model)
        .arg(&plan_file)
        .args(["--time-limit", "0.05"])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}
