//! Any bytes through the whole front of seqplan: parse a model, validate
//! it, apply every scenario, then read a plan and simulate it; on small
//! models also the greedy walk and the building of the program (presolve
//! and formulation), and on the smallest the whole solve under a short
//! limit, whose plan the simulator must accept, and whose text, Markdown
//! and SVG carry no raw control character (the SVG must parse as XML).
//! Nothing may panic, but the backend (microlp), whose panics seqplan
//! catches and reports. The input is a model, optionally
//! followed by a line `#PLAN` and a plan in the `ROUND ACTION` text form
//! (or JSON). Nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use seqplan::check::parse_plan;
use seqplan::model::{parse_model, validate, Instance, Overrides};
use seqplan::simulate;
use seqplan::solve::SolveOptions;
use seqplan::Error;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (model_text, plan_text) = match text.split_once("\n#PLAN\n") {
        Some((model, plan)) => (model, Some(plan)),
        None => (text, None),
    };
    let Ok(raw) = parse_model(model_text, "fuzz.json") else {
        return;
    };
    let Ok(validated) = validate(&raw, "fuzz.json") else {
        return;
    };
    let model = validated.model;
    let scenarios = std::iter::once(None).chain(model.scenarios.iter().map(|s| Some(s.id.clone())));
    for scenario in scenarios {
        let overrides = Overrides {
            scenario,
            ..Overrides::default()
        };
        let Ok(instance) = Instance::new(&model, &overrides) else {
            continue;
        };
        // Keep each run fast: the simulator walks every round.
        if instance.horizon > 500 {
            continue;
        }
        if let Some(plan) = plan_text {
            if let Ok(moves) = parse_plan(plan, "fuzz.txt", &model) {
                let evaluation = simulate(&instance, &moves);
                assert_eq!(evaluation.meters.len(), model.meters.len());
            }
        }
        let empty = seqplan::Moves::new(Vec::new());
        let _ = simulate(&instance, &empty);
        // The presolve, the program and the greedy walk, where they are quick.
        let size = model.actions.len() as u64 * u64::from(instance.horizon);
        if size <= 400 {
            if let Some(moves) = seqplan::greedy::greedy_plan(&instance) {
                assert!(simulate(&instance, &moves).is_valid());
            }
            let _ = seqplan::formulate::Milp::build(&instance, &seqplan::Tuning::ALL);
            // On the smallest models, the whole solve under a short limit:
            // a plan the simulator rejects is an internal error. (Whether a
            // model is infeasible is not checked against the greedy walk:
            // the program keeps limits a hair stricter than the simulator.)
            if size <= 100 {
                let options = SolveOptions::within(Some(Duration::from_millis(100)));
                // seqplan catches a panic of the backend and reports it as
                // a failure; libFuzzer's hook would abort before the catch.
                let fuzzer_hook = std::panic::take_hook();
                std::panic::set_hook(Box::new(|_| {}));
                let result = seqplan::solve::plan(&instance, &options);
                std::panic::set_hook(fuzzer_hook);
                match result {
                    Err(Error::Internal(message)) => panic!("{message}"),
                    Ok(seqplan::Outcome::Plan(report)) => shown_safely(&instance, &report),
                    _ => {}
                }
            }
        }
    }
});

/// The text and the picture of a plan: as the renderers write them
/// (before the last escape at the edge) no character that could drive a
/// terminal or break XML but the marks of seqplan's own code spans, and
/// as printed none at all, whatever the model's strings; the SVG parses.
fn shown_safely(instance: &Instance, report: &seqplan::PlanReport) {
    use seqplan::escape::{is_unsafe, CODE_CLOSE, CODE_OPEN};
    use seqplan::render::{self, Format};
    for format in [Format::Text, Format::Markdown, Format::Svg] {
        let shown = match format {
            Format::Text => render::text::plan(instance, report),
            Format::Markdown => render::markdown::plan(instance, report),
            _ => render::svg::plan(instance, report),
        };
        let mark = |c: char| c == CODE_OPEN || c == CODE_CLOSE;
        if let Some(c) = shown.chars().find(|&c| is_unsafe(c) && !mark(c)) {
            panic!("{format:?} output carries U+{:04X} raw", u32::from(c));
        }
        let printed = render::plan(instance, report, format);
        if let Some(c) = printed.chars().find(|&c| is_unsafe(c)) {
            panic!("printed {format:?} carries U+{:04X} raw", u32::from(c));
        }
    }
    let svg = render::svg::plan(instance, report);
    if let Err(e) = roxmltree::Document::parse(&svg) {
        panic!("the SVG is not well-formed XML: {e}");
    }
}
