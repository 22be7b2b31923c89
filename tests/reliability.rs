//! Plans that hold with a stated probability (`plan --reliability P`)
//! against independent oracles: on random small models where moves may
//! fail, the plan equals the best of an exhaustive search over every plan
//! whose chance (every combination of outcomes, played by the chance
//! module's own simulator, every move made as planned) reaches P, and its
//! true chance reaches P; on futures that must be drawn, the plan meets
//! its level on fresh futures. Plus hand-computed cases through the
//! binary.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{all_plans, brute_force_optimum, level_values, model_from_json, random_model, Rng};
use proptest::prelude::*;
use seqplan::chance::{futures, odds, works_as_planned, works_in, OddsOptions, ReliabilityOptions};
use seqplan::model::{Instance, Overrides};
use seqplan::solve::{plan_reliable, Reliable};
use seqplan::{simulate, Moves, SolveOptions};
use serde_json::{json, Value};

/// A random small model where some moves may fail and some events may not
/// happen.
fn uncertain_model(seed: u64) -> Value {
    let mut json = random_model(seed);
    let mut rng = Rng::new(seed ^ 0x00C0_FFEE);
    for action in json["actions"].as_array_mut().unwrap() {
        if rng.chance(50) {
            action["success"] = json!(*rng.pick(&[0.5, 0.7, 0.9]));
        }
    }
    if let Some(events) = json.get_mut("events").and_then(Value::as_array_mut) {
        for event in events {
            if rng.chance(50) {
                event["chance"] = json!(0.5);
            }
        }
    }
    json
}

/// The weight of the futures in which `moves` works (`as_planned`: with
/// every move made).
fn chance_of(
    instance: &Instance,
    moves: &Moves,
    asked: &ReliabilityOptions,
    as_planned: bool,
) -> f64 {
    futures(instance, asked)
        .list
        .iter()
        .filter(|f| {
            if as_planned {
                works_as_planned(instance, moves, f)
            } else {
                works_in(instance, moves, f)
            }
        })
        .map(|f| f.weight)
        .sum()
}

fn check_seed(seed: u64, level_pick: usize) -> Result<(), TestCaseError> {
    let json = uncertain_model(seed);
    let Some(model) = model_from_json(&json) else {
        return Ok(());
    };
    let instance = Instance::new(&model, &Overrides::default()).unwrap();
    let level = [0.2, 0.5, 0.8][level_pick];
    let asked = ReliabilityOptions {
        level,
        futures: 64,
        seed: 0,
    };
    if !futures(&instance, &asked).exact {
        return Ok(());
    }
    let Some(plans) = all_plans(&instance, 20_000) else {
        return Ok(());
    };
    let valid: Vec<Moves> = plans
        .into_iter()
        .filter(|moves| simulate(&instance, moves).is_valid())
        .collect();
    let reliable: Vec<Moves> = valid
        .iter()
        .filter(|moves| chance_of(&instance, moves, &asked, true) >= level - 1e-9)
        .cloned()
        .collect();
    let expected = brute_force_optimum(&instance, &reliable);
    let context = format!("seed {seed}, level {level}, model:\n{json:#}");
    let fresh = OddsOptions::default();
    match (
        plan_reliable(&instance, &SolveOptions::default(), asked, &fresh).unwrap(),
        expected,
    ) {
        (Reliable::Plan(report), Some(expected)) => {
            prop_assert_eq!(report.status, seqplan::Status::Optimal, "{}", context);
            let evaluation = simulate(&instance, &report.moves);
            prop_assert!(evaluation.is_valid(), "{}", context);
            let found = level_values(&model, &report.moves, &evaluation);
            for (f, e) in found.iter().zip(&expected) {
                prop_assert!(
                    (f - e).abs() <= 1e-5 * e.abs().max(1.0),
                    "levels {:?} vs brute force {:?}\n{}",
                    found,
                    expected,
                    context
                );
            }
            let truly = chance_of(&instance, &report.moves, &asked, false);
            prop_assert!(
                truly >= level - 1e-9,
                "chance {} below {}\n{}",
                truly,
                level,
                context
            );
            let reported = odds(&instance, &report.moves, &fresh).all.value;
            prop_assert!(
                (reported - truly).abs() < 1e-9,
                "odds {} vs futures {}\n{}",
                reported,
                truly,
                context
            );
        }
        (Reliable::Unreachable { most, exact }, None) => {
            prop_assert!(exact, "{}", context);
            // The most any plan reaches: the best chance of the plans that
            // work when every move succeeds, none if there is none.
            let best = valid
                .iter()
                .map(|moves| chance_of(&instance, moves, &asked, true))
                .fold(None, |best: Option<f64>, p| {
                    Some(best.map_or(p, |b| b.max(p)))
                });
            match (most, best) {
                (Some(most), Some(best)) => prop_assert!(
                    (most - best).abs() < 1e-6,
                    "most {} vs brute force {}\n{}",
                    most,
                    best,
                    context
                ),
                (None, None) => {}
                (most, best) => prop_assert!(
                    false,
                    "most {:?} vs brute force {:?}\n{}",
                    most,
                    best,
                    context
                ),
            }
        }
        (outcome, expected) => {
            prop_assert!(
                false,
                "reliability plan {:?} but brute force {:?}\n{}",
                outcome,
                expected,
                context
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, .. ProptestConfig::default() })]

    /// The reliable plan is the exhaustive search's, and holds.
    #[test]
    fn reliable_plans_match_exhaustive_search(seed in any::<u64>(), level in 0usize..3) {
        check_seed(seed, level)?;
    }
}

// ---------------------------------------------------------------------
// The command line, on tests/fixtures/chance.json (see tests/chance.rs):
// an exchange (uses 2, success 0.8) that a delisting (success 0.5)
// requires. The delisting caps every plan's chance at 0.5: with one
// exchange 0.8 · 0.5 = 0.4, with two (1 − 0.2²) · 0.5 = 0.48.

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(args: &[&str], code: i32) -> (String, String) {
    let out = Command::cargo_bin("seqplan")
        .unwrap()
        .args(args)
        .assert()
        .code(code);
    let output = out.get_output();
    (
        String::from_utf8(output.stdout.clone()).unwrap(),
        String::from_utf8(output.stderr.clone()).unwrap(),
    )
}

/// 45 %: the second exchange, in case the first collapses, is how the
/// plan buys it.
#[test]
fn a_second_exchange_buys_reliability() {
    let model = fixture("chance.json");
    let model = model.to_str().unwrap();
    let (out, _) = run(&[model, "--reliability", "0.45", "--format", "json"], 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    let moves: Vec<(String, u64)> = report["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["action"].as_str().unwrap().to_owned(),
                m["round"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("exchange".into(), 1),
            ("exchange".into(), 2),
            ("delisting".into(), 3)
        ]
    );
    assert!((report["success_probability"]["value"].as_f64().unwrap() - 0.48).abs() < 1e-9);
    let reliability = &report["reliability"];
    assert_eq!(reliability["exact"], json!(true));
    assert_eq!(reliability["outcomes"], json!(4));
    assert!(
        (reliability["works_in"].as_f64().unwrap() - 0.48).abs() < 1e-9,
        "{reliability}"
    );
    let insurance = reliability["insurance"].as_array().unwrap();
    assert_eq!(insurance.len(), 2, "{reliability}");
    for item in insurance {
        assert_eq!(item["action"], json!("exchange"));
        assert!((item["without"]["value"].as_f64().unwrap() - 0.4).abs() < 1e-9);
    }
    let (text, _) = run(&[model, "--reliability", "0.45"], 0);
    assert!(
        text.contains(
            "Reliability asked: 45% (--reliability 0.45), over every combination of 4 outcomes"
        ),
        "{text}"
    );
    assert!(
        text.contains("`exchange` in month 2 buys reliability: without it, the plan works 40%"),
        "{text}"
    );
    // Asked for no more than the plan of every move succeeding gives, the
    // answer is that plan.
    let (out, _) = run(&[model, "--reliability", "0.4", "--format", "json"], 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["moves"].as_array().unwrap().len(), 2);
}

/// 50 % is out of reach: exit 1, saying the most any plan reaches.
#[test]
fn an_unreachable_level_says_what_is_reachable() {
    let model = fixture("chance.json");
    let (_, stderr) = run(&[model.to_str().unwrap(), "--reliability", "0.5"], 1);
    assert!(
        stderr.contains("no plan reaches a chance of 50% (--reliability 0.5) and works when every move succeeds; the most any plan reaches is 48%"),
        "{stderr}"
    );
}

/// Drawn futures (an effect with a spread): the plan meets its level on
/// fresh futures, and the same seed gives the same bytes.
#[test]
fn drawn_futures_hold_on_fresh_ones_and_repeat_by_seed() {
    let mut model: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("chance.json")).unwrap()).unwrap();
    model["actions"][0]["effects"][0]["spread"] = json!(0.5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spread.json");
    std::fs::write(&path, model.to_string()).unwrap();
    let path = path.to_str().unwrap();
    let args = [
        path,
        "--reliability",
        "0.42",
        "--futures",
        "200",
        "--format",
        "json",
    ];
    let (out, _) = run(&args, 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["reliability"]["exact"], json!(false));
    assert_eq!(report["reliability"]["futures"], json!(200));
    assert!(
        report["reliability"]["works_in"].as_f64().unwrap() >= 84.0,
        "{report}"
    );
    let fresh = report["success_probability"]["value"].as_f64().unwrap();
    assert!(fresh >= 0.42, "{report}");
    assert_eq!(run(&args, 0).0, out);
    // Bad levels are refused.
    let (_, stderr) = run(&[path, "--reliability", "1.5"], 2);
    assert!(
        stderr.contains("--reliability 1.5: expected the share"),
        "{stderr}"
    );
    run(&[path, "--reliability", "0.5", "--robust"], 2);
}

/// `explain --reliability` says which moves buy the reliability, and that
/// the delisting waits for the second exchange because the plan would
/// otherwise fall short of the level asked.
#[test]
fn explain_says_what_buys_reliability() {
    let model = fixture("chance.json");
    let model = model.to_str().unwrap();
    let (text, _) = run(&["explain", model, "--reliability", "0.45"], 0);
    assert_eq!(
        text.matches("buys reliability: in case another use fails; without it the plan works 40% instead of 48%").count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("month 3: delisting (them)\n  not in month 2: nothing breaks, but the plan would work only 40% of the time, short of the 45% asked"),
        "{text}"
    );
    let (out, _) = run(
        &[
            "explain",
            model,
            "--reliability",
            "0.45",
            "--format",
            "json",
        ],
        0,
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    let moves = json["moves"].as_array().unwrap();
    assert!((moves[0]["without_it"]["value"].as_f64().unwrap() - 0.4).abs() < 1e-9);
    assert_eq!(moves[2]["earlier"]["kind"], json!("reliability"));
    assert!(moves[2].get("without_it").is_none());
}

/// A move that does nothing useful when its effect adds its `add` may
/// when it adds more: with a spread it is kept. Trust must reach 2 by
/// month 2; `surge` adds 3 one time in ten; `rally` adds −0.5 ± 10, so
/// it lifts trust far more often than not. With both, the plan works
/// about 39 % of the time; with `surge` alone, 10 %.
#[test]
fn a_move_with_a_spread_can_buy_reliability() {
    let model = json!({
        "seqplan": 1, "name": "spread", "horizon": 2,
        "parties": [{"id": "p"}],
        "meters": [{"id": "trust"}],
        "actions": [
            {"id": "surge", "by": "p", "success": 0.1, "effects": [{"meter": "trust", "add": 3}]},
            {"id": "rally", "by": "p", "effects": [{"meter": "trust", "add": -0.5, "spread": 10}]}
        ],
        "expectations": [{"id": "trusted", "meter": "trust", "at_least": 2, "by": 2}]
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spread.json");
    std::fs::write(&path, model.to_string()).unwrap();
    let (out, _) = run(
        &[
            path.to_str().unwrap(),
            "--reliability",
            "0.3",
            "--format",
            "json",
        ],
        0,
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let actions: Vec<&str> = report["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"rally") && actions.contains(&"surge"),
        "{report}"
    );
    assert!(
        report["success_probability"]["value"].as_f64().unwrap() >= 0.3,
        "{report}"
    );
}
