//! The chance that a plan works when moves may fail and events may not
//! happen: hand-computed values on a small fixture, an independent
//! brute-force enumeration built on the nominal simulator, sampled
//! estimates against the exact values, and the command line.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{all_plans, model_from_json, random_model, Rng};
use seqplan::chance::{odds, Method, Odds, OddsOptions};
use seqplan::model::{Instance, Overrides};
use seqplan::simulate::{simulate, ViolationKind};
use seqplan::{Move, Moves};
use serde_json::{json, Value};

fn seqplan() -> Command {
    Command::cargo_bin("seqplan").unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

/// Writes `text` to `name` in a fresh directory; keeps the directory alive.
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn run(args: &[&std::ffi::OsStr], code: i32) -> (String, String) {
    let out = seqplan().args(args).assert().code(code);
    let output = out.get_output();
    (
        String::from_utf8(output.stdout.clone()).unwrap(),
        String::from_utf8(output.stderr.clone()).unwrap(),
    )
}

fn json_of(args: &[&std::ffi::OsStr], code: i32) -> Value {
    serde_json::from_str(&run(args, code).0).unwrap()
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The value of a `success_probability` object.
fn value(probability: &Value) -> f64 {
    probability["value"].as_f64().unwrap()
}

// The fixture: an exchange (success 0.8, trust +1) that a delisting
// (success 0.5, trust +1) requires, and a raid in month 2 (chance 0.25,
// trust −1); the delisting by month 4, trust ≥ 1 from month 4, trust
// never below −0.5.
//
// The optimal plan (exchange in 1, delisting in 2), by hand:
// - delisted: the exchange and then the delisting succeed: 0.8 · 0.5 = 0.4
//   (a failed exchange leaves the delisting's requirement unmet, so it is
//   not made);
// - trust ≥ 1 in month 4: both succeed (0.4), or only the exchange does
//   and there is no raid (0.4 · 0.75 = 0.3): 0.7;
// - never below −0.5: crossed only when the exchange fails and the raid
//   comes (0.2 · 0.25 = 0.05): 0.95;
// - all: the delisting succeeding implies the other two: 0.4.
#[test]
fn plan_reports_the_hand_computed_chances() {
    let model = fixture("chance.json");
    let report = json_of(&[model.as_os_str(), os("--format"), os("json")], 0);
    let all = &report["success_probability"];
    assert!(close(value(all), 0.4), "{all}");
    assert_eq!(all["exact"], json!(true));
    assert_eq!(all["method"], json!("exact"));
    assert_eq!(all["outcomes"], json!(3));
    assert_eq!(all["low"], all["value"]);
    assert_eq!(all["high"], all["value"]);
    let per_expectation: Vec<f64> = report["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| value(&e["success_probability"]))
        .collect();
    assert!(
        close(per_expectation[0], 0.4) && close(per_expectation[1], 0.7),
        "{per_expectation:?}"
    );
    let line = &report["red_lines"][0]["success_probability"];
    assert!(close(value(line), 0.95), "{line}");

    let (text, _) = run(&[model.as_os_str()], 0);
    assert!(
        text.contains("Chance the plan works: 40% (exact, over every combination of 3 outcomes"),
        "{text}"
    );
    assert!(
        text.contains("expectation `delisted` met by month 4: 40%"),
        "{text}"
    );
    assert!(
        text.contains("expectation `trust_1` met by month 4: 70%"),
        "{text}"
    );
    assert!(text.contains("red line `no_collapse` kept: 95%"), "{text}");
    let (markdown, _) = run(&[model.as_os_str(), os("--format"), os("markdown")], 0);
    assert!(
        markdown.contains("Chance the plan works: 40%"),
        "{markdown}"
    );
}

// A second exchange buys reliability. Exchanges in months 1 and 2, the
// delisting in 3, by hand:
// - delisted: some exchange succeeds (1 − 0.2² = 0.96), then the
//   delisting does: 0.48;
// - trust ≥ 1 in month 4: both exchanges succeed (0.64), or one does
//   (0.32) and not both the delisting fails and the raid comes
//   (1 − 0.5 · 0.25 = 0.875): 0.64 + 0.28 = 0.92;
// - never below −0.5: crossed when both exchanges fail and the raid comes:
//   1 − 0.04 · 0.25 = 0.99;
// - all: 0.48.
#[test]
fn check_reports_the_chances_of_a_proposed_plan() {
    let (_dir, plan) = file("plan.txt", "1 exchange\n2 exchange\n3 delisting\n");
    let model = fixture("chance.json");
    let report = json_of(
        &[
            os("check"),
            model.as_os_str(),
            plan.as_os_str(),
            os("--format"),
            os("json"),
        ],
        0,
    );
    assert!(
        close(value(&report["success_probability"]), 0.48),
        "{report:#}"
    );
    assert_eq!(report["success_probability"]["outcomes"], json!(4));
    let expectations = report["expectations"].as_array().unwrap();
    assert!(close(value(&expectations[0]["success_probability"]), 0.48));
    assert!(close(value(&expectations[1]["success_probability"]), 0.92));
    assert_eq!(report["red_lines"][0]["id"], json!("no_collapse"));
    assert!(close(
        value(&report["red_lines"][0]["success_probability"]),
        0.99
    ));

    let (text, _) = run(&[os("check"), model.as_os_str(), plan.as_os_str()], 0);
    assert!(text.contains("Chance the plan works: 48%"), "{text}");
    assert!(text.contains("red line `no_collapse` kept: 99%"), "{text}");
}

#[test]
fn a_plan_that_breaks_a_rule_has_no_chance() {
    let (_dir, plan) = file("plan.txt", "1 delisting\n");
    let model = fixture("chance.json");
    let report = json_of(
        &[
            os("check"),
            model.as_os_str(),
            plan.as_os_str(),
            os("--format"),
            os("json"),
        ],
        1,
    );
    assert_eq!(report["success_probability"]["value"], json!(0));
    assert_eq!(report["success_probability"]["method"], json!("broken"));
    let (text, _) = run(&[os("check"), model.as_os_str(), plan.as_os_str()], 1);
    assert!(
        text.contains("Chance the plan works: 0% (not rated: the plan breaks a rule as written)"),
        "{text}"
    );
}

#[test]
fn a_model_with_nothing_left_to_chance_reports_no_chance() {
    let tiny = fixture("tiny.json");
    let report = json_of(&[tiny.as_os_str(), os("--format"), os("json")], 0);
    assert!(report.get("success_probability").is_none());
    assert!(report["expectations"][0]
        .get("success_probability")
        .is_none());
    let (text, _) = run(&[tiny.as_os_str()], 0);
    assert!(!text.contains("Chance"), "{text}");
}

/// The fixture with a spread too small to change any outcome: the chance
/// is then estimated by sampling, and must agree with the exact one.
fn with_negligible_spread(mut model: Value) -> Value {
    model["actions"][1]["effects"][0]["spread"] = json!(1e-9);
    model
}

#[test]
fn sampled_estimates_are_seeded_and_bracket_the_exact_value() {
    let text = with_negligible_spread(fixture_json("chance.json")).to_string();
    let (_dir, model) = file("model.json", &text);
    let args = |seed: &'static str| {
        vec![
            model.as_os_str().to_owned(),
            "--format".into(),
            "json".into(),
            "--samples".into(),
            "4000".into(),
            "--seed".into(),
            seed.into(),
        ]
    };
    let first = seqplan().args(args("7")).assert().success();
    let again = seqplan().args(args("7")).assert().success();
    let other = seqplan().args(args("8")).assert().success();
    let first = first.get_output().stdout.clone();
    assert_eq!(first, again.get_output().stdout, "same seed, same bytes");
    assert_ne!(
        first,
        other.get_output().stdout,
        "another seed, other draws"
    );

    let report: Value = serde_json::from_slice(&first).unwrap();
    let all = &report["success_probability"];
    assert_eq!(all["method"], json!("sampled"));
    assert_eq!(all["samples"], json!(4000));
    assert_eq!(all["seed"], json!(7));
    assert_eq!(all["exact"], json!(false));
    let (low, high) = (all["low"].as_f64().unwrap(), all["high"].as_f64().unwrap());
    assert!(low < 0.4 && 0.4 < high && high - low < 0.05, "{all}");
    let trust = &report["expectations"][1]["success_probability"];
    assert!(
        trust["low"].as_f64().unwrap() < 0.7 && 0.7 < trust["high"].as_f64().unwrap(),
        "{trust}"
    );

    let (words, _) = run(&[model.as_os_str(), os("--seed"), os("7")], 0);
    assert!(
        words.contains("estimated from 10,000 sampled futures (seed 7), with 95% intervals"),
        "{words}"
    );
}

#[test]
fn probabilities_out_of_range_name_their_field() {
    let cases = [
        ("/actions/0", "success", json!(0), "actions[0].success"),
        ("/actions/1", "success", json!(1.5), "actions[1].success"),
        ("/events/0", "chance", json!(-0.25), "events[0].chance"),
        (
            "/actions/0/effects/0",
            "spread",
            json!(-1),
            "actions[0].effects[0].spread",
        ),
    ];
    for (pointer, field, bad, path) in cases {
        let mut model = fixture_json("chance.json");
        model
            .pointer_mut(pointer)
            .expect("the fixture has the field's parent")[field] = bad;
        let (_dir, file) = file("model.json", &model.to_string());
        let (_, stderr) = run(&[os("validate"), file.as_os_str()], 2);
        assert!(stderr.contains(path), "{pointer}: {stderr}");
        assert!(stderr.contains("model.json"), "{pointer}: {stderr}");
    }
    let mut model = fixture_json("chance.json");
    model["scenarios"] =
        json!([{"id": "raid", "events": [{"round": 1, "meter": "trust", "add": -1, "chance": 2}]}]);
    let (_dir, file) = file("model.json", &model.to_string());
    let (_, stderr) = run(&[os("validate"), file.as_os_str()], 2);
    assert!(stderr.contains("scenarios[0].events[0].chance"), "{stderr}");
    assert!(stderr.contains("above 0 and at most 1"), "{stderr}");
    let fixture = fixture("chance.json");
    run(&[fixture.as_os_str(), os("--samples"), os("0")], 2);
}

/// The nominal future adds effects and events in the simulator's order, so
/// a plan the simulator passes by a hair is not failed by rounding: here
/// (decay 1: the meter is what lands) 1.5 + 2.9 − 4.1 is
/// 0.3000000000000007 in that order and 0.30000000000000027 with the event
/// first, either side of the red line less its tolerance.
#[test]
#[allow(clippy::float_cmp, reason = "certain is exactly 1, not about 1")]
fn the_nominal_future_is_the_simulators_to_the_bit() {
    let model = json!({
        "seqplan": 1, "name": "rounding", "horizon": 1,
        "parties": [{"id": "us"}],
        "meters": [{"id": "m", "initial": 0.4, "decay": 1}],
        "actions": [
            {"id": "a", "by": "us", "effects": [{"meter": "m", "add": 1.5}, {"meter": "m", "add": 2.9}]},
            {"id": "unused", "by": "us", "success": 0.5}
        ],
        "events": [{"round": 1, "meter": "m", "add": -4.1}],
        "red_lines": [{"id": "floor", "meter": "m", "never_below": 0.300_001_000_000_000_3}]
    });
    let (_dir, file) = file("model.json", &model.to_string());
    let (_plan_dir, plan) = self::file("plan.txt", "1 a\n");
    let report = json_of(
        &[
            os("check"),
            file.as_os_str(),
            plan.as_os_str(),
            os("--format"),
            os("json"),
        ],
        0,
    );
    assert_eq!(report["valid"], json!(true), "{report}");
    assert_eq!(value(&report["success_probability"]), 1.0, "{report}");
}

/// Weights of every future need not add up to 1 to the last bit; what
/// holds in every future is still exactly certain.
#[test]
#[allow(clippy::float_cmp, reason = "certain is exactly 1, not about 1")]
fn what_holds_in_every_future_is_exactly_certain() {
    let mut model = fixture_json("chance.json");
    // Four exchanges of 0.8: the 16 futures' weights add up to
    // 0.9999999999999998.
    model["events"] = json!([]);
    model["actions"][0]["uses"] = json!(4);
    model["expectations"] = json!([{"id": "trust_1", "meter": "trust", "at_least": 1, "by": 4}]);
    let (_dir, file) = file("model.json", &model.to_string());
    let (_plan_dir, plan) = self::file(
        "plan.txt",
        "1 exchange\n2 exchange\n3 exchange\n4 exchange\n",
    );
    let args = [os("check"), file.as_os_str(), plan.as_os_str()];
    let report = json_of(&[args[0], args[1], args[2], os("--format"), os("json")], 0);
    let kept = &report["red_lines"][0]["success_probability"];
    assert_eq!(value(kept), 1.0, "{report}");
    let (words, _) = run(&args, 0);
    assert!(
        words.contains("red line `no_collapse` kept: 100%"),
        "{words}"
    );
}

// ---------------------------------------------------------------------
// Fan charts: each meter's 10–90 % band over the sampled futures.

// Trust in the fixture's optimal plan, by hand: in month 1 it is 1 if the
// exchange succeeded (0.8), else 0; in month 2 it is −1 (0.05), 0 (0.25),
// 1 (0.4) or 2 (0.3). So the 10 % and 90 % points are 0 and 1 in month 1
// and 0 and 2 in month 2, each with a wide margin for sampling.
#[test]
fn bands_hold_the_hand_computed_deciles() {
    let model = model_from_json(&fixture_json("chance.json")).unwrap();
    let instance = Instance::new(&model, &Overrides::default()).unwrap();
    let exchange = model.action_index("exchange").unwrap();
    let delisting = model.action_index("delisting").unwrap();
    let plan = Moves::new(vec![
        Move {
            round: 1,
            action: exchange,
        },
        Move {
            round: 2,
            action: delisting,
        },
    ]);
    let bands = seqplan::chance::bands(&instance, &plan, &OddsOptions::default());
    assert_eq!(bands.len(), 1);
    let trust = &bands[0];
    assert_eq!(trust.low.len(), 5, "rounds 0 to 4");
    assert!(
        trust.low[0].abs() < 1e-12 && trust.high[0].abs() < 1e-12,
        "{trust:?}"
    );
    assert!(
        trust.low[1].abs() < 1e-12 && close(trust.high[1], 1.0),
        "{trust:?}"
    );
    assert!(
        trust.low[2].abs() < 1e-12 && close(trust.high[2], 2.0),
        "{trust:?}"
    );
    assert!(trust.low.iter().zip(&trust.high).all(|(l, h)| l <= h));
    // Seeded: the same options give the same band.
    assert_eq!(
        bands,
        seqplan::chance::bands(&instance, &plan, &OddsOptions::default())
    );
    // A plan that breaks a rule has no futures to shade.
    let broken = Moves::new(vec![Move {
        round: 1,
        action: delisting,
    }]);
    assert!(seqplan::chance::bands(&instance, &broken, &OddsOptions::default()).is_empty());
}

#[test]
fn pictures_shade_the_bands_and_label_the_odds() {
    let model = fixture("chance.json");
    let (svg, _) = run(&[model.as_os_str(), os("--format"), os("svg")], 0);
    assert_eq!(
        svg.matches(r#"class="band""#).count(),
        1,
        "one meter, one band"
    );
    assert!(svg.contains(">exchange (80%)</text>"), "{svg}");
    assert!(svg.contains(">delisting (50%)</text>"), "{svg}");
    assert!(svg.contains(">trust -1 (25%)</text>"), "{svg}");
    assert!(
        svg.contains("where 80 % of the sampled futures fall"),
        "{svg}"
    );
    let (html, _) = run(&[model.as_os_str(), os("--format"), os("html")], 0);
    assert!(html.contains(r#"class="band""#));
    let student = fixture("chance_twice.txt");
    let args = [
        os("check"),
        model.as_os_str(),
        student.as_os_str(),
        os("--format"),
        os("html"),
    ];
    let (page, _) = run(&args, 0);
    assert!(page.contains(r#"class="band""#), "{page}");
    // The education model leaves four of its five meters to chance: rural
    // acceptance moves only with moves that cannot fail, so it has no band.
    let education = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/education.json");
    let (svg, _) = run(&[education.as_os_str(), os("--format"), os("svg")], 0);
    assert_eq!(svg.matches(r#"class="band""#).count(), 4);
    assert_eq!(svg.matches("shaded: where 80 %").count(), 4);
    assert!(svg.contains(">reopening_edict (70%)</text>"));
    // Nothing left to chance: no band, no odds on the bars.
    let tiny = fixture("tiny.json");
    let (svg, _) = run(&[tiny.as_os_str(), os("--format"), os("svg")], 0);
    assert!(!svg.contains("band") && !svg.contains("%)"), "{svg}");
}

// ---------------------------------------------------------------------
// The brute force: each future turned into a model and a plan without
// chance, judged by the nominal simulator.

/// A random small model (no `together` groups) with moves that may fail
/// and events that may not happen.
fn random_uncertain_model(seed: u64) -> Value {
    let mut json = random_model(seed);
    let mut rng = Rng::new(seed ^ 0x5eed);
    json.as_object_mut().unwrap().remove("together");
    for action in json["actions"].as_array_mut().unwrap() {
        let success = *rng.pick(&[1.0, 1.0, 0.5, 0.8, 0.3]);
        if success < 1.0 {
            action["success"] = json!(success);
        }
    }
    if rng.chance(60) {
        let horizon = json["horizon"].as_i64().unwrap();
        let mut events = json.get("events").cloned().unwrap_or_else(|| json!([]));
        events.as_array_mut().unwrap().push(json!({
            "round": rng.range(1, horizon), "meter": "m0",
            "add": *rng.pick(&[-1.0, 1.0, 0.5]), "chance": *rng.pick(&[0.6, 0.25])
        }));
        json["events"] = events;
    }
    json
}

/// Per future: the weight, and whether each expectation is met and each
/// red line kept.
struct Future {
    weight: f64,
    expectations: Vec<bool>,
    red_lines: Vec<bool>,
}

/// One future of `plan` (action ids and rounds) on the model `json`: the
/// events in `missing` do not happen and the uses in `failed` fail. A
/// failed use becomes a use of a copy of its move with no effects (so it
/// costs, occupies and counts, but lands nothing and completes nothing);
/// then the moves whose conditions fail are dropped, earliest round first,
/// until the simulator finds none.
fn future(
    json: &Value,
    plan: &[(String, u32)],
    failed: &[bool],
    missing: &[bool],
) -> (Vec<bool>, Vec<bool>) {
    let mut model = json.clone();
    let red_line_count = model["red_lines"].as_array().map_or(0, Vec::len);
    if let Some(events) = model.get_mut("events").and_then(Value::as_array_mut) {
        let mut k = 0;
        events.retain(|_| {
            k += 1;
            !missing[k - 1]
        });
    }
    let mut uses: Vec<(String, u32)> = Vec::new();
    for (i, (id, round)) in plan.iter().enumerate() {
        if !failed[i] {
            uses.push((id.clone(), *round));
            continue;
        }
        let dud = format!("{id}_failed_{i}");
        let actions = model["actions"].as_array_mut().unwrap();
        let mut copy = actions
            .iter()
            .find(|a| a["id"] == json!(id))
            .unwrap()
            .clone();
        copy["id"] = json!(dud);
        copy["effects"] = json!([]);
        copy["uses"] = json!(1);
        actions.push(copy);
        let lines = model["red_lines"].as_array_mut().unwrap();
        let guarding: Vec<Value> = lines
            .iter()
            .filter(|l| l["action"] == json!(id) && l.get("not_before").is_some())
            .map(|l| {
                let mut line = l.clone();
                line["id"] = json!(format!("{}_{dud}", l["id"].as_str().unwrap()));
                line["action"] = json!(dud);
                line
            })
            .collect();
        lines.extend(guarding);
        uses.push((dud, *round));
    }
    let Some(model) = model_from_json(&model) else {
        let raw = seqplan::model::parse_model(&model.to_string(), "future.json");
        let why = raw.map(|raw| seqplan::model::validate(&raw, "future.json").err());
        panic!("a future's model is invalid: {why:?}\n{model}");
    };
    let instance = Instance::new(&model, &Overrides::default()).unwrap();
    loop {
        let moves = Moves::new(
            uses.iter()
                .map(|(id, round)| Move {
                    round: *round,
                    action: model.action_index(id).unwrap(),
                })
                .collect(),
        );
        let evaluation = simulate(&instance, &moves);
        let unmet: Vec<(u32, usize)> = evaluation
            .violations
            .iter()
            .filter_map(|v| match v.kind {
                ViolationKind::MissingRequirement { action, .. }
                | ViolationKind::NotBefore { action, .. }
                | ViolationKind::ConditionUnmet { action, .. } => Some((v.round, action)),
                _ => None,
            })
            .collect();
        if let Some(&(first, _)) = unmet.iter().min() {
            uses.retain(|(id, round)| {
                !(*round == first && unmet.contains(&(first, model.action_index(id).unwrap())))
            });
            continue;
        }
        let expectations = (0..model.expectations.len())
            .map(|e| {
                !evaluation
                    .violations
                    .iter()
                    .any(|v| matches!(v.kind, ViolationKind::ExpectationUnmet { expectation, .. } if expectation == e))
            })
            .collect();
        let red_lines = (0..red_line_count)
            .map(|r| {
                !evaluation.violations.iter().any(|v| match v.kind {
                    ViolationKind::Never { red_line, .. }
                    | ViolationKind::NotBefore { red_line, .. }
                    | ViolationKind::CostCap { red_line, .. }
                    | ViolationKind::MeterCrossed { red_line, .. } => red_line == r,
                    _ => false,
                })
            })
            .collect();
        return (expectations, red_lines);
    }
}

/// Every future of `plan`, enumerated.
fn futures(json: &Value, plan: &[(String, u32)]) -> Vec<Future> {
    let success = |id: &str| {
        json["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == json!(id))
            .and_then(|a| a["success"].as_f64())
            .unwrap_or(1.0)
    };
    let chances: Vec<f64> = json["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .map(|e| e["chance"].as_f64().unwrap_or(1.0))
                .collect()
        })
        .unwrap_or_default();
    let odds: Vec<f64> = plan
        .iter()
        .map(|(id, _)| success(id))
        .chain(chances.iter().copied())
        .collect();
    // Only what may go either way is enumerated.
    let open: Vec<usize> = (0..odds.len()).filter(|&k| odds[k] < 1.0).collect();
    let mut out = Vec::new();
    for mask in 0..1_u64 << open.len() {
        let mut wrong = vec![false; odds.len()];
        let mut weight = 1.0;
        for (bit, &k) in open.iter().enumerate() {
            wrong[k] = mask >> bit & 1 == 1;
            weight *= if wrong[k] { 1.0 - odds[k] } else { odds[k] };
        }
        let (failed, missing) = wrong.split_at(plan.len());
        let (expectations, red_lines) = future(json, plan, failed, missing);
        out.push(Future {
            weight,
            expectations,
            red_lines,
        });
    }
    out
}

/// A few valid plans of the model, among them the longest.
fn some_valid_plans(instance: &Instance) -> Vec<Moves> {
    let Some(plans) = all_plans(instance, 3_000) else {
        return Vec::new();
    };
    let mut valid: Vec<Moves> = plans
        .into_iter()
        .filter(|m| simulate(instance, m).is_valid())
        .collect();
    valid.sort_by_key(|m| std::cmp::Reverse(m.as_slice().len()));
    let n = valid.len();
    let picks: std::collections::BTreeSet<usize> = [0, n / 3, n / 2, n.saturating_sub(1)]
        .into_iter()
        .filter(|&i| i < n)
        .collect();
    picks.into_iter().map(|i| valid[i].clone()).collect()
}

fn ids(model: &seqplan::model::Model, moves: &Moves) -> Vec<(String, u32)> {
    moves
        .as_slice()
        .iter()
        .map(|m| (model.actions[m.action].id.clone(), m.round))
        .collect()
}

fn assert_agrees(odds: &Odds, futures: &[Future], context: &str) {
    let chance = |holds: &dyn Fn(&Future) -> bool| -> f64 {
        futures.iter().filter(|f| holds(f)).map(|f| f.weight).sum()
    };
    let all = chance(&|f| f.expectations.iter().chain(&f.red_lines).all(|&x| x));
    assert!(
        close(odds.all.value, all),
        "all: {} vs brute force {all}\n{context}",
        odds.all.value
    );
    for (e, p) in odds.expectations.iter().enumerate() {
        let brute = chance(&|f| f.expectations[e]);
        assert!(
            close(p.value, brute),
            "expectation {e}: {} vs {brute}\n{context}",
            p.value
        );
    }
    for (r, p) in odds.red_lines.iter().enumerate() {
        let brute = chance(&|f| f.red_lines[r]);
        assert!(
            close(p.value, brute),
            "red line {r}: {} vs {brute}\n{context}",
            p.value
        );
    }
}

#[test]
fn exact_chances_agree_with_brute_force_enumeration() {
    let mut checked = 0;
    let mut uncertain = 0;
    for seed in 0..400 {
        let json = random_uncertain_model(seed);
        let Some(model) = model_from_json(&json) else {
            continue;
        };
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        for moves in some_valid_plans(&instance) {
            let odds = odds(&instance, &moves, &OddsOptions::default());
            let Method::Exact { outcomes } = odds.method else {
                continue;
            };
            let plan = ids(&model, &moves);
            let context = format!("seed {seed}, plan {plan:?}\n{json:#}");
            assert_agrees(&odds, &futures(&json, &plan), &context);
            checked += 1;
            if outcomes > 0 && odds.all.value < 1.0 {
                uncertain += 1;
            }
        }
    }
    assert!(
        checked > 300 && uncertain > 100,
        "{checked} plans checked, {uncertain} uncertain"
    );
}

#[test]
#[allow(
    clippy::float_cmp,
    reason = "a certain plan's chance is exactly 1, not about 1"
)]
fn a_valid_plan_on_a_model_without_chance_works_for_certain() {
    let mut checked = 0;
    for seed in 0..150 {
        let Some(model) = model_from_json(&random_model(seed)) else {
            continue;
        };
        if model.is_uncertain() {
            continue;
        }
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        for moves in some_valid_plans(&instance) {
            let odds = odds(&instance, &moves, &OddsOptions::default());
            assert_eq!(odds.method, Method::Exact { outcomes: 0 }, "seed {seed}");
            assert_eq!(odds.all.value, 1.0, "seed {seed}");
            assert!(odds
                .expectations
                .iter()
                .chain(&odds.red_lines)
                .all(|p| p.value == 1.0));
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

/// On models small enough to enumerate, a negligible spread forces
/// sampling; the exact value must fall inside the 95 % interval about as
/// often as promised (here: in at least 90 % of the probabilities).
#[test]
fn sampled_intervals_cover_the_exact_values() {
    let (mut inside, mut total) = (0, 0);
    for seed in 0..150 {
        let json = random_uncertain_model(seed);
        let Some(model) = model_from_json(&json) else {
            continue;
        };
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        let mut spread = json.clone();
        for action in spread["actions"].as_array_mut().unwrap() {
            for effect in action["effects"].as_array_mut().unwrap() {
                effect["spread"] = json!(1e-9);
            }
        }
        let spread_model = model_from_json(&spread).unwrap();
        let spread_instance = Instance::new(&spread_model, &Overrides::default()).unwrap();
        for moves in some_valid_plans(&instance) {
            let exact = odds(&instance, &moves, &OddsOptions::default());
            let options = OddsOptions {
                samples: 2_000,
                seed,
            };
            let sampled = odds(&spread_instance, &moves, &options);
            if !matches!(exact.method, Method::Exact { .. })
                || !matches!(sampled.method, Method::Sampled { .. })
            {
                continue;
            }
            let pairs = std::iter::once((&exact.all, &sampled.all))
                .chain(exact.expectations.iter().zip(&sampled.expectations))
                .chain(exact.red_lines.iter().zip(&sampled.red_lines));
            for (truth, estimate) in pairs {
                assert!(estimate.low <= estimate.value && estimate.value <= estimate.high);
                total += 1;
                if estimate.low - 1e-12 <= truth.value && truth.value <= estimate.high + 1e-12 {
                    inside += 1;
                }
            }
        }
    }
    assert!(total > 300, "{total}");
    assert!(
        inside * 10 >= total * 9,
        "{inside} of {total} inside their intervals"
    );
}
