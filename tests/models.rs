//! The shipped models are part of the product: each validates with no
//! warning, cites its source for every element, and plans in every
//! scenario with a plan the simulator accepts.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::PathBuf;

use seqplan::model::{load_model, Instance, Overrides};
use seqplan::{plan, simulate, Outcome, SolveOptions};
use serde_json::Value;

mod common;

use common::model_files as models_in;

fn shipped_models() -> Vec<PathBuf> {
    let models = models_in("models");
    assert!(!models.is_empty());
    models
}

fn teaching_cases() -> Vec<PathBuf> {
    let models = models_in("models/infeasible");
    assert!(
        models.len() >= 2,
        "at least two designed infeasible teaching cases"
    );
    models
}

/// Loads a model that must validate with no warning.
fn load_clean(path: &std::path::Path) -> seqplan::Model {
    let validated = load_model(path).unwrap_or_else(|e| panic!("{e}"));
    let warnings = seqplan::warnings::all(&validated);
    assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
    validated.model
}

#[test]
fn every_model_validates_without_warnings() {
    for path in shipped_models() {
        load_clean(&path);
    }
}

/// Every object with an `id` (and every event) carries a non-empty `cite`.
#[test]
fn every_element_cites_its_source() {
    fn visit(value: &Value, path: &str, missing: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                let cited = map
                    .get("cite")
                    .and_then(Value::as_str)
                    .is_some_and(|c| !c.trim().is_empty());
                let is_event = map.contains_key("round") && map.contains_key("add");
                if (map.contains_key("id") || is_event) && !cited {
                    missing.push(path.to_owned());
                }
                for (k, v) in map {
                    visit(v, &format!("{path}.{k}"), missing);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    visit(v, &format!("{path}[{i}]"), missing);
                }
            }
            _ => {}
        }
    }
    for path in shipped_models().into_iter().chain(teaching_cases()) {
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(
            json["source"].as_str().is_some_and(|s| !s.is_empty()),
            "{}: no source",
            path.display()
        );
        assert!(
            json["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{}: no summary",
            path.display()
        );
        let mut missing = Vec::new();
        visit(&json, "", &mut missing);
        assert!(
            missing.is_empty(),
            "{}: no cite at {missing:?}",
            path.display()
        );
    }
}

#[test]
fn every_model_plans_in_every_scenario() {
    for path in shipped_models() {
        let model = load_model(&path).unwrap().model;
        let scenarios =
            std::iter::once(None).chain(model.scenarios.iter().map(|s| Some(s.id.clone())));
        for scenario in scenarios {
            let overrides = Overrides {
                scenario: scenario.clone(),
                ..Overrides::default()
            };
            let instance = Instance::new(&model, &overrides).unwrap();
            let Outcome::Plan(report) = plan(&instance, &SolveOptions::default()).unwrap() else {
                panic!("{} {scenario:?}: no plan", path.display());
            };
            assert!(simulate(&instance, &report.moves).is_valid());
            assert!(
                report.evaluation.met_round.is_some_and(|r| r > 1),
                "{} {scenario:?}: trivial",
                path.display()
            );
        }
    }
}

/// The example of docs/format.md is a real model: it validates cleanly and
/// plans, so the reference cannot rot.
#[test]
fn format_reference_example_is_a_valid_model() {
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/format.md"))
            .unwrap();
    let start = doc.find("```json\n").unwrap() + "```json\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let raw = seqplan::model::parse_model(&doc[start..end], "docs/format.md")
        .unwrap_or_else(|e| panic!("{e}"));
    let validated =
        seqplan::model::validate(&raw, "docs/format.md").unwrap_or_else(|e| panic!("{e}"));
    let warnings = seqplan::warnings::all(&validated);
    assert!(warnings.is_empty(), "{warnings:?}");
    let instance = Instance::new(&validated.model, &Overrides::default()).unwrap();
    assert!(matches!(
        plan(&instance, &SolveOptions::default()).unwrap(),
        Outcome::Plan(_)
    ));
}

/// The infeasible teaching cases are valid models with no plan, and the
/// diagnosis names a conflict and a change that restores a plan.
#[test]
fn teaching_cases_have_no_plan_and_a_diagnosis() {
    for path in teaching_cases() {
        let model = load_clean(&path);
        let instance = Instance::new(&model, &Overrides::default()).unwrap();
        assert!(
            matches!(
                plan(&instance, &SolveOptions::default()).unwrap(),
                Outcome::Infeasible
            ),
            "{}",
            path.display()
        );
        let diagnosis =
            seqplan::diagnose::diagnose(&instance, &SolveOptions::default(), 1).unwrap();
        let seqplan::diagnose::Diagnosis::Infeasible(found) = diagnosis else {
            panic!("{}", path.display())
        };
        assert!(!found.conflicts.is_empty(), "{}", path.display());
        let (relaxation, report) = found
            .relaxed_plan
            .as_ref()
            .expect("a relaxation that restores a plan");
        let input = seqplan::diagnose::relaxed(&instance, relaxation);
        assert!(simulate(&input.instance().unwrap(), &report.moves).is_valid());
    }
}
