//! Replanning mid-way against independent oracles: from any prefix of an
//! optimal plan, every move succeeding, the replan is the rest of an
//! optimal plan (brute force over the original model); from any history,
//! with failures, the replan is the best plan of the replanned model that
//! keeps the moves made (brute force over the replanned model), and it
//! keeps every rule of the original model from now on.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::{all_plans, brute_force_optimum, level_values, model_from_json, random_model, Rng};
use proptest::prelude::*;
use seqplan::model::MadeOutcome;
use seqplan::model::{Instance, Overrides};
use seqplan::replan::{original_moves, replanned, History, MadeMove};
use seqplan::{plan, simulate, Move, Moves, Outcome, SolveOptions};

fn assert_levels_equal(found: &[f64], expected: &[f64], context: &str) {
    assert_eq!(found.len(), expected.len(), "{context}");
    for (level, (f, e)) in found.iter().zip(expected).enumerate() {
        assert!(
            (f - e).abs() <= 1e-5 * e.abs().max(1.0),
            "level {level}: replan {f} vs brute force {e} ({found:?} vs {expected:?})\n{context}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, .. ProptestConfig::default() })]

    /// Replanning from any prefix of an optimal plan, every move made
    /// having succeeded, returns the rest of an optimal plan.
    #[test]
    fn replanning_a_prefix_of_an_optimal_plan_finishes_an_optimal_plan(seed in any::<u64>(), cut in 0u32..4) {
        prefix_of_an_optimal_plan(seed, cut)?;
    }

    /// From any history (failures included), the replan is the best plan
    /// of the replanned model among those that keep the moves made.
    #[test]
    fn replans_are_optimal_for_their_history(seed in any::<u64>()) {
        any_history(seed)?;
    }
}

fn prefix_of_an_optimal_plan(seed: u64, cut: u32) -> Result<(), TestCaseError> {
    let json = random_model(seed);
    let Some(model) = model_from_json(&json) else {
        return Ok(());
    };
    let instance = Instance::new(&model, &Overrides::default()).unwrap();
    let Some(plans) = all_plans(&instance, 150_000) else {
        return Ok(());
    };
    let Some(expected) = brute_force_optimum(&instance, &plans) else {
        return Ok(());
    };
    let Outcome::Plan(optimal) = plan(&instance, &SolveOptions::default()).unwrap() else {
        return Err(TestCaseError::fail(format!("no plan, seed {seed}")));
    };
    // From round 2 on (the horizon is at least 2), so that moves were made.
    let now = 2 + cut % (instance.horizon - 1);
    let history = History {
        now: Some(now),
        moves: optimal
            .moves
            .as_slice()
            .iter()
            .filter(|m| m.round < now)
            .map(|m| MadeMove {
                action: m.action,
                round: m.round,
                outcome: MadeOutcome::Succeeded,
            })
            .collect(),
        observed: Vec::new(),
    };
    let context = format!(
        "seed {seed}, now {now}, made {:?}, model:\n{json:#}",
        history.moves
    );
    let replanned = replanned(&instance, &history, "history").unwrap();
    let again = Instance::new(&replanned.model, &replanned.overrides(Vec::new(), None)).unwrap();
    let Outcome::Plan(report) = plan(&again, &SolveOptions::default()).unwrap() else {
        return Err(TestCaseError::fail(format!("no replan\n{context}")));
    };
    prop_assert_eq!(report.status, seqplan::Status::Optimal, "{}", context);
    let moves = original_moves(&replanned.model, &report.moves);
    let evaluation = simulate(&instance, &moves);
    prop_assert!(
        evaluation.is_valid(),
        "the history and its replan break the model: {:?}\n{}",
        evaluation.violations,
        context
    );
    for m in &history.moves {
        prop_assert!(
            moves.as_slice().contains(&Move {
                round: m.round,
                action: m.action
            }),
            "{}",
            context
        );
    }
    let found = level_values(&model, &moves, &evaluation);
    assert_levels_equal(&found, &expected, &context);
    Ok(())
}

/// A random history of `instance`: moves in rounds before `now`, each
/// failing one time in three.
fn random_history(instance: &Instance, rng: &mut Rng) -> History {
    let now = rng.range(2, i64::from(instance.horizon)) as u32;
    let mut moves = Vec::new();
    for (a, action) in instance.model.actions.iter().enumerate() {
        for round in 1..now {
            if rng.chance(40)
                && moves.iter().filter(|m: &&MadeMove| m.action == a).count() < action.uses as usize
            {
                moves.push(MadeMove {
                    action: a,
                    round,
                    outcome: *rng.pick(&[
                        MadeOutcome::Succeeded,
                        MadeOutcome::Succeeded,
                        MadeOutcome::Failed,
                        MadeOutcome::Pending,
                    ]),
                });
            }
        }
    }
    History {
        now: Some(now),
        moves,
        observed: Vec::new(),
    }
}

fn any_history(seed: u64) -> Result<(), TestCaseError> {
    let json = random_model(seed);
    let Some(model) = model_from_json(&json) else {
        return Ok(());
    };
    let instance = Instance::new(&model, &Overrides::default()).unwrap();
    let mut rng = Rng::new(seed ^ 0x5EED);
    let history = random_history(&instance, &mut rng);
    let replanned = replanned(&instance, &history, "history").unwrap();
    let again = Instance::new(&replanned.model, &replanned.overrides(Vec::new(), None)).unwrap();
    let context = format!(
        "seed {seed}, now {:?}, made {:?}, model:\n{json:#}",
        history.now, history.moves
    );
    // Every plan of the replanned model that holds the moves made.
    let Some(plans) = all_plans(&again, 150_000) else {
        return Ok(());
    };
    let made: Vec<Move> = again
        .forced
        .iter()
        .map(|&(action, round)| Move { round, action })
        .collect();
    let keeping: Vec<Moves> = plans
        .into_iter()
        .filter(|p| made.iter().all(|m| p.as_slice().contains(m)))
        .collect();
    let expected = brute_force_optimum(&again, &keeping);
    match (plan(&again, &SolveOptions::default()).unwrap(), expected) {
        (Outcome::Plan(report), Some(expected)) => {
            prop_assert_eq!(report.status, seqplan::Status::Optimal, "{}", context);
            let evaluation = simulate(&again, &report.moves);
            prop_assert!(evaluation.is_valid(), "{}", context);
            let found = level_values(&replanned.model, &report.moves, &evaluation);
            assert_levels_equal(&found, &expected, &context);
            // From now on, the original model's rules that a history
            // cannot break hold for the new moves.
            let now = history.now.unwrap();
            for m in report.moves.as_slice() {
                if replanned.model.made(m.action).is_none() {
                    prop_assert!(m.round >= now, "a new move before now\n{}", context);
                }
            }
        }
        (Outcome::Infeasible, None) => {}
        (outcome, expected) => {
            prop_assert!(
                false,
                "replan said {:?} but brute force found {:?}\n{}",
                outcome,
                expected,
                context
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------
// The command line, on the chance fixture (tests/fixtures/chance.json):
// an exchange (uses 2, cost 2, success 0.8, trust +1) that a delisting
// (cost 1, success 0.5, trust +1) requires, a raid in month 2 (trust −1,
// chance 0.25, nominally happening); the delisting by month 4, trust ≥ 1
// from month 4, trust never below −0.5.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Writes `text` to `name` in a fresh directory; keeps the directory alive.
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// `seqplan replan MODEL HISTORY ARGS...`: stdout and stderr, with the
/// exit code checked.
fn replan(model: &Path, history: &str, args: &[&str], code: i32) -> (String, String) {
    let (_dir, path) = file("history.txt", history);
    let out = Command::cargo_bin("seqplan")
        .unwrap()
        .arg("replan")
        .arg(model)
        .arg(&path)
        .args(args)
        .assert()
        .code(code);
    let output = out.get_output();
    (
        String::from_utf8(output.stdout.clone()).unwrap(),
        String::from_utf8(output.stderr.clone()).unwrap(),
    )
}

fn replan_json(model: &Path, history: &str) -> Value {
    serde_json::from_str(&replan(model, history, &["--format", "json"], 0).0).unwrap()
}

fn moves_of(report: &Value) -> Vec<(String, u64)> {
    report["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["action"].as_str().unwrap().to_owned(),
                m["round"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn close(a: &Value, b: f64) -> bool {
    (a.as_f64().unwrap() - b).abs() < 1e-9
}

/// "The exchange failed in month 1: what now?" The one use left, in
/// month 2 (trust 0 + 1 − 1 for the raid), then the delisting in 3:
/// everything met by month 3 at cost 5, the failed use's 2 included. By
/// hand, it works when the exchange and the delisting both succeed
/// (0.8 · 0.5 = 0.4); trust reaches 1 unless the exchange fails, or the
/// raid comes and the delisting fails (0.8 · (0.75 + 0.25 · 0.5) = 0.7);
/// it falls below −0.5 only if the exchange fails and the raid comes
/// (1 − 0.2 · 0.25 = 0.95).
#[test]
fn a_failed_exchange_is_made_again() {
    let model = fixture("chance.json");
    let report = replan_json(&model, "1 exchange failed\n");
    assert_eq!(
        moves_of(&report),
        [("exchange".into(), 2), ("delisting".into(), 3)]
    );
    assert_eq!(
        report["replanned"],
        json!({"now": 2, "made": [{"action": "exchange", "round": 1, "party": "us", "outcome": "failed"}], "overdue": []})
    );
    assert_eq!(report["met_round"], json!(3));
    assert_eq!(report["cost"], json!(5));
    assert_eq!(report["meters"]["trust"], json!([0, 0, 0, 1, 1]));
    assert!(
        close(&report["success_probability"]["value"], 0.4),
        "{report}"
    );
    assert!(close(
        &report["expectations"][1]["success_probability"]["value"],
        0.7
    ));
    assert!(close(
        &report["red_lines"][0]["success_probability"]["value"],
        0.95
    ));

    let (text, _) = replan(&model, "1 exchange failed\n", &[], 0);
    assert!(
        text.contains("replanned from month 2 after `exchange` in 1 (failed)\n"),
        "{text}"
    );
    assert!(
        text.contains("2 moves from now, total cost 5 (2 spent on the 1 move made)"),
        "{text}"
    );
    // The table starts now: no row for month 1.
    assert!(text.contains("│ now   ┆"), "{text}");
    assert!(!text.contains("│ 1     ┆"), "{text}");
    assert!(text.contains("Chance the plan works: 40%"), "{text}");
}

/// The exchange succeeded: the delisting may come at once (requires reads
/// the exchange made), nothing else is needed, and the plan's moves start
/// now. By hand: the delisting works half the time; trust falls short of
/// 1 only if the raid comes and the delisting fails (1 − 0.25 · 0.5).
#[test]
fn a_successful_exchange_is_kept() {
    let model = fixture("chance.json");
    let report = replan_json(&model, "1 exchange ok\n");
    assert_eq!(moves_of(&report), [("delisting".into(), 2)]);
    assert_eq!(report["replanned"]["made"][0]["outcome"], json!("ok"));
    assert_eq!(report["met_round"], json!(2));
    assert_eq!(report["cost"], json!(3));
    assert!(
        close(&report["success_probability"]["value"], 0.5),
        "{report}"
    );
    assert!(close(
        &report["expectations"][1]["success_probability"]["value"],
        0.875
    ));
    assert!(close(
        &report["red_lines"][0]["success_probability"]["value"],
        1.0
    ));
}

/// Trust observed at 0.5 after month 1 (the model says 1): with the raid,
/// the delisting alone leaves it at 0.5, so the second exchange is needed
/// too, in month 2 with the delisting (0.5 − 1 + 1 + 1 = 1.5).
#[test]
fn observed_meters_replace_the_models_account() {
    let model = fixture("chance.json");
    let history = "1 exchange ok\ntrust = 0.5\n";
    let report = replan_json(&model, history);
    assert_eq!(report["meters"]["trust"], json!([0, 0.5, 1.5, 1.5, 1.5]));
    assert_eq!(
        moves_of(&report),
        [("exchange".into(), 2), ("delisting".into(), 2)]
    );
    let (text, _) = replan(&model, history, &[], 0);
    assert!(
        text.contains("observed: `trust` is 0.5 after month 1"),
        "{text}"
    );
    // Observed before anything was played, it is the initial value.
    let report = replan_json(&model, "now 1\ntrust = 2\n");
    assert_eq!(report["meters"]["trust"][0], json!(2));
}

/// A deadline passed unmet is overdue: due by the horizon instead.
#[test]
fn a_deadline_passed_unmet_is_overdue() {
    let model = json!({
        "seqplan": 1, "name": "late", "horizon": 5, "round": "month",
        "parties": [{"id": "p"}],
        "actions": [{"id": "talks", "by": "p", "cost": 1}],
        "expectations": [{"id": "talks_early", "action": "talks", "by": 1}]
    });
    let (_dir, path) = file("late.json", &model.to_string());
    let report = replan_json(&path, "now 3\n");
    assert_eq!(report["replanned"]["overdue"], json!(["talks_early"]));
    assert_eq!(report["expectations"][0]["by"], json!(5));
    assert_eq!(moves_of(&report), [("talks".into(), 3)]);
    let (text, _) = replan(&path, "now 3\n", &[], 0);
    assert!(
        text.contains("overdue: `talks_early` missed its deadline; it is now due by month 5"),
        "{text}"
    );
}

/// Both uses of the exchange failed: no delisting can follow, and with
/// the raid (now past) trust stays below −0.5. The diagnosis names the
/// red line, never the raid: the past cannot be dropped.
#[test]
fn no_plan_after_two_failures_is_diagnosed_from_now() {
    let model = fixture("chance.json");
    let (text, stderr) = replan(&model, "1 exchange failed\n2 exchange failed\n", &[], 1);
    assert!(
        stderr.contains("no sequence of moves from month 3 to month 4, after the moves made,"),
        "{stderr}"
    );
    assert!(text.contains("red line `no_collapse`"), "{text}");
    assert!(!text.contains("raid"), "{text}");
}

#[test]
fn bad_histories_and_flags_exit_2_naming_the_place() {
    let model = fixture("chance.json");
    let (_, stderr) = replan(&model, "3 exchange ok\nnow 2\n", &[], 2);
    assert!(stderr.contains("invalid history"), "{stderr}");
    assert!(
        stderr.contains("move 1: `exchange` in month 3 is not before the current month 2"),
        "{stderr}"
    );
    let (_, stderr) = replan(&model, "now 9\n", &[], 2);
    assert!(
        stderr.contains("now: the current month 9 is past the horizon (month 4)"),
        "{stderr}"
    );
    let (_, stderr) = replan(&model, "1 exchnge ok\n", &[], 2);
    assert!(
        stderr.contains("line 1: unknown action `exchnge`; did you mean `exchange`?"),
        "{stderr}"
    );
    let (_, stderr) = replan(&model, "1 exchange ok\n", &["--force", "exchange@1"], 2);
    assert!(
        stderr.contains("--force exchange@1: round 1 is outside 2..4"),
        "{stderr}"
    );
    let (_, stderr) = replan(&model, "1 exchange ok\n", &["--robust"], 2);
    assert!(stderr.contains("--robust"), "{stderr}");
    // The history is an input: no output may overwrite it.
    let (_dir, history) = file("history.txt", "1 exchange ok\n");
    let before = std::fs::read(&history).unwrap();
    Command::cargo_bin("seqplan")
        .unwrap()
        .arg("replan")
        .arg(&model)
        .arg(&history)
        .arg("-o")
        .arg(&history)
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&history).unwrap(), before);
}

/// A move made may still be running at the horizon: it stays, and the
/// rest is planned around it.
#[test]
fn a_move_made_may_run_past_the_horizon() {
    let model = json!({
        "seqplan": 1, "name": "long talks", "horizon": 6, "round": "month",
        "parties": [{"id": "p"}],
        "meters": [{"id": "trust"}],
        "actions": [
            {"id": "talks", "by": "p", "duration": 3, "effects": [{"meter": "trust", "add": 1}]},
            {"id": "visit", "by": "p", "effects": [{"meter": "trust", "add": 1}]}
        ],
        "expectations": [{"id": "some_trust", "meter": "trust", "at_least": 1, "by": 6}]
    });
    let (_dir, path) = file("long.json", &model.to_string());
    let report = replan_json(&path, "5 talks ok\nnow 6\n");
    assert_eq!(moves_of(&report), [("visit".into(), 6)]);
    assert_eq!(report["replanned"]["made"][0]["action"], json!("talks"));
}

/// A meter given twice: the last value stands, in text as in JSON.
#[test]
fn a_meter_observed_twice_keeps_the_last_value() {
    let model = fixture("chance.json");
    let report = replan_json(&model, "1 exchange ok\ntrust = 3\ntrust = 0.5\n");
    assert_eq!(report["meters"]["trust"][1], json!(0.5));
}

/// A move whose outcome is not known yet is left to chance: planned as
/// succeeding (the nominal future), it counts in the chance with its own
/// `success`. The exchange pending (0.8), then the delisting (0.5): 0.4.
#[test]
fn an_outcome_still_pending_is_left_to_chance() {
    let model = fixture("chance.json");
    let report = replan_json(&model, "1 exchange pending\n");
    assert_eq!(moves_of(&report), [("delisting".into(), 2)]);
    assert_eq!(report["replanned"]["made"][0]["outcome"], json!("pending"));
    assert!(
        close(&report["success_probability"]["value"], 0.4),
        "{report}"
    );
    let (text, _) = replan(&model, "1 exchange pending\n", &[], 0);
    assert!(text.contains("`exchange` in 1 (outcome pending)"), "{text}");
}
