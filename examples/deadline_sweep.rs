//! Sweep the deadline of one expectation and print, for each deadline, the
//! round by which every expectation is met and the cost of the best plan:
//! how much does asking for it sooner cost, and where does it become
//! impossible?
//!
//! `cargo run --release --example deadline_sweep -- models/education.json schools_reopen`
//! (model, expectation id, optional scenario; a few seconds per deadline at
//! most, each solve capped at 10 s).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use seqplan::model::{load_model, Instance, Overrides};
use seqplan::numbers::fmt_num;
use seqplan::{plan, Error, Model, Outcome, SolveOptions};

/// What the best plan looks like with the expectation due by `deadline`.
fn plan_with_deadline(
    model: &Model,
    expectation: usize,
    deadline: u32,
    overrides: &Overrides,
) -> Result<String, Error> {
    let mut model = model.clone();
    model.expectations[expectation].by = Some(deadline);
    let instance = Instance::new(&model, overrides)?;
    let options = SolveOptions::within(Some(Duration::from_secs(10)));
    Ok(match plan(&instance, &options)? {
        Outcome::Plan(report) => format!(
            "all met by {} {:>2}, cost {:>4}, {:>2} moves{}",
            model.round_unit,
            report.evaluation.met_round.unwrap_or(0),
            fmt_num(report.evaluation.cost),
            report.moves.len(),
            if report.status.as_str() == "optimal" {
                ""
            } else {
                " (not proven optimal)"
            }
        ),
        Outcome::Infeasible => "no plan".to_owned(),
        Outcome::Unknown => "undecided within 10 s".to_owned(),
    })
}

fn run() -> Result<ExitCode, Error> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "models/education.json".into()),
    );
    let expectation_id = args.next().unwrap_or_else(|| "schools_reopen".into());
    let overrides = Overrides {
        scenario: args.next(),
        ..Overrides::default()
    };
    let model = load_model(&path)?.model;
    let Some(expectation) = model
        .expectations
        .iter()
        .position(|e| e.id == expectation_id)
    else {
        eprintln!(
            "error: {}: no expectation `{expectation_id}` (it has: {})",
            path.display(),
            model
                .expectations
                .iter()
                .map(|e| e.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(ExitCode::from(2));
    };
    let horizon = Instance::new(&model, &overrides)?.horizon;
    println!(
        "{}: `{expectation_id}` due by {} ...",
        model.name, model.round_unit
    );
    for deadline in 1..=horizon {
        let outcome = plan_with_deadline(&model, expectation, deadline, &overrides)?;
        println!("{deadline:>4}: {outcome}");
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    run().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::from(e.exit_code())
    })
}
