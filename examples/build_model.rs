//! Build a model in code with the library API, validate it and plan it.
//!
//! The three moves of a classic confidence-building chain: a prisoner
//! exchange builds trust, which unlocks a sanctions delisting, which unlocks
//! direct talks. The model types are the serde types of the JSON format, so
//! a model built here is checked exactly like a file.
//!
//! `cargo run --release --example build_model`

use std::process::ExitCode;

use seqplan::model::raw::{
    RawAction, RawCondition, RawEffect, RawExpectation, RawMeter, RawModel, RawParty, RawRedLine,
};
use seqplan::model::{validate, Instance, Overrides};
use seqplan::{plan, Error, Outcome, SolveOptions};

fn party(id: &str, name: &str) -> RawParty {
    RawParty {
        id: id.into(),
        name: Some(name.into()),
        ..Default::default()
    }
}

/// Three moves, one trust meter, one deadline and one red line.
fn exchange_model() -> RawModel {
    RawModel {
        seqplan: 1,
        name: "Exchange, delisting, talks".into(),
        horizon: 8,
        round: Some("month".into()),
        parties: vec![
            party("us", "United States"),
            party("taliban", "Taliban"),
            party("un", "U.N. Security Council"),
        ],
        meters: vec![RawMeter {
            id: "trust".into(),
            initial: Some(0.0),
            decay: Some(0.1),
            ..Default::default()
        }],
        actions: vec![
            RawAction {
                id: "prisoner_exchange".into(),
                by: "us".into(),
                cost: Some(2.0),
                duration: Some(2),
                effects: vec![RawEffect {
                    meter: "trust".into(),
                    add: 1.5,
                    delay: None,
                    ..Default::default()
                }],
                ..Default::default()
            },
            RawAction {
                id: "delisting".into(),
                by: "un".into(),
                cost: Some(1.0),
                requires: vec!["prisoner_exchange".into()],
                when: vec![RawCondition {
                    meter: "trust".into(),
                    at_least: Some(1.0),
                    at_most: None,
                }],
                effects: vec![RawEffect {
                    meter: "trust".into(),
                    add: 1.0,
                    delay: None,
                    ..Default::default()
                }],
                ..Default::default()
            },
            RawAction {
                id: "direct_talks".into(),
                by: "taliban".into(),
                requires: vec!["delisting".into()],
                ..Default::default()
            },
        ],
        expectations: vec![RawExpectation {
            id: "talks_by_month_6".into(),
            action: Some("direct_talks".into()),
            by: Some(6),
            ..Default::default()
        }],
        red_lines: vec![RawRedLine {
            id: "no_talks_before_delisting".into(),
            action: Some("direct_talks".into()),
            not_before: Some("delisting".into()),
            owner: Some("taliban".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn run() -> Result<ExitCode, Error> {
    let validated = validate(&exchange_model(), "exchange_model()")?;
    for warning in seqplan::warnings::all(&validated) {
        eprintln!("warning: {warning}");
    }
    let model = validated.model;
    let instance = Instance::new(&model, &Overrides::default())?;
    let Outcome::Plan(report) = plan(&instance, &SolveOptions::default())? else {
        println!("no plan");
        return Ok(ExitCode::from(1));
    };
    println!("{} ({})", model.name, report.status.as_str());
    for m in report.moves.as_slice() {
        let action = &model.actions[m.action];
        let party = &model.parties[action.by];
        println!(
            "{} {}: {} ({})",
            model.round_unit, m.round, action.name, party.name
        );
    }
    if let Some(round) = report.evaluation.met_round {
        println!("every expectation met by {} {round}", model.round_unit);
    }
    println!(
        "total cost {}",
        seqplan::numbers::fmt_num(report.evaluation.cost)
    );
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    run().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::from(e.exit_code())
    })
}
