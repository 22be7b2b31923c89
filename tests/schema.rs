//! The JSON Schema of the model format: `seqplan schema` prints it, a copy
//! is committed as models/schema.json, every shipped model points to it and
//! passes it, and it agrees with seqplan's own loader on what is a model.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema_validator() -> jsonschema::Validator {
    jsonschema::validator_for(&read_json(&repo("models/schema.json"))).unwrap()
}

use common::model_files as json_files;

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

#[test]
fn committed_schema_is_what_the_command_prints() {
    let printed = Command::cargo_bin("seqplan")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    assert!(printed.status.success());
    let committed = std::fs::read_to_string(repo("models/schema.json")).unwrap();
    assert!(
        String::from_utf8(printed.stdout).unwrap() == committed,
        "models/schema.json is stale: run `cargo run --release -- schema -o models/schema.json`"
    );
}

#[test]
fn every_model_starts_with_its_schema_and_passes_it() {
    let validator = schema_validator();
    for (folder, pointer) in [
        ("models", "schema.json"),
        ("models/infeasible", "../schema.json"),
    ] {
        for path in json_files(folder) {
            let text = std::fs::read_to_string(&path).unwrap();
            let first_key = text.trim_start().trim_start_matches('{').trim_start();
            assert!(
                first_key.starts_with(&format!("\"$schema\": \"{pointer}\"")),
                "{}: must start with \"$schema\": \"{pointer}\"",
                path.display()
            );
            let errors = errors(&validator, &read_json(&path));
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        }
    }
}

#[test]
fn test_fixtures_that_load_pass_the_schema() {
    let validator = schema_validator();
    for path in json_files("tests/fixtures") {
        if seqplan::model::load_model(&path).is_ok() {
            let errors = errors(&validator, &read_json(&path));
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        }
    }
}

/// Whatever seqplan accepts, the schema accepts: an editor never flags a
/// valid model.
#[test]
fn schema_accepts_every_random_model_seqplan_accepts() {
    let validator = schema_validator();
    let mut accepted = 0;
    for seed in 0..400 {
        let model = common::random_model(seed);
        if common::model_from_json(&model).is_none() {
            continue;
        }
        accepted += 1;
        let errors = errors(&validator, &model);
        assert!(errors.is_empty(), "seed {seed}: {errors:#?}\n{model:#}");
    }
    assert!(accepted > 200, "only {accepted} random models were valid");
}

/// A minimal valid model to break one field at a time.
fn minimal() -> Value {
    json!({
        "seqplan": 1, "name": "m", "horizon": 3,
        "parties": [{"id": "a"}],
        "meters": [{"id": "trust"}],
        "actions": [{"id": "x", "by": "a", "requires": [], "when": [{"meter": "trust", "at_most": 2}]}],
        "expectations": [{"id": "e", "action": "x"}],
        "red_lines": [{"id": "r", "meter": "trust", "never_below": -1}],
        "objective": ["earliest", {"maximize": {"trust": 1}}]
    })
}

/// The mistakes an editor can catch as you type: the schema and seqplan
/// both reject each of them.
#[test]
fn schema_rejects_what_seqplan_rejects() {
    type Breakage = (&'static str, fn(&mut Value));
    let validator = schema_validator();
    assert!(errors(&validator, &minimal()).is_empty());
    let broken: [Breakage; 11] = [
        ("unknown field", |m| m["horizn"] = json!(3)),
        ("missing horizon", |m| {
            m.as_object_mut().unwrap().remove("horizon");
        }),
        ("version 2", |m| m["seqplan"] = json!(2)),
        ("horizon 0", |m| m["horizon"] = json!(0)),
        ("upper-case id", |m| m["parties"][0]["id"] = json!("A")),
        ("decay above 1", |m| m["meters"][0]["decay"] = json!(1.5)),
        ("red line of two kinds", |m| {
            m["red_lines"][0]["never"] = json!("x");
        }),
        ("expectation of both forms", |m| {
            m["expectations"][0]["meter"] = json!("trust");
            m["expectations"][0]["at_least"] = json!(1);
        }),
        ("when without a bound", |m| {
            m["actions"][0]["when"][0]
                .as_object_mut()
                .unwrap()
                .remove("at_most");
        }),
        ("unknown objective", |m| m["objective"] = json!(["soonest"])),
        ("requires as a number", |m| {
            m["actions"][0]["requires"] = json!([3]);
        }),
    ];
    for (what, breaks) in broken {
        let mut model = minimal();
        breaks(&mut model);
        assert!(
            !errors(&validator, &model).is_empty(),
            "the schema accepts a model with {what}"
        );
        assert!(
            common::model_from_json(&model).is_none(),
            "seqplan accepts a model with {what}"
        );
    }
}
