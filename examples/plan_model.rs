//! Plan a model with the library API and print the moves, round by round.
//!
//! `cargo run --example plan_model -- models/education.json [SCENARIO]`

use std::path::PathBuf;
use std::process::ExitCode;

use seqplan::model::{load_model, Instance, Overrides};
use seqplan::{plan, Outcome, SolveOptions};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "models/education.json".into()),
    );
    let overrides = Overrides {
        scenario: args.next(),
        ..Overrides::default()
    };
    let result = load_model(&path).and_then(|validated| {
        let model = validated.model;
        let instance = Instance::new(&model, &overrides)?;
        if let Outcome::Plan(report) = plan(&instance, &SolveOptions::default())? {
            for m in report.moves.as_slice() {
                let action = &model.actions[m.action];
                println!("{} {:>2}: {}", model.round_unit, m.round, action.name);
            }
            if let Some(round) = report.evaluation.met_round {
                println!("all expectations met by {} {round}", model.round_unit);
            }
            Ok(ExitCode::SUCCESS)
        } else {
            println!("no plan");
            Ok(ExitCode::from(1))
        }
    });
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::from(e.exit_code())
    })
}
