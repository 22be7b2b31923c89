//! Grade a folder of student plans against a model: for each plan file
//! (`ROUND ACTION` text or JSON), whether it is valid, the first rule it
//! breaks, when it meets every expectation, and its distance from the
//! optimum. The optimum is solved once and shared by every plan.
//!
//! `cargo run --release --example grade_plans -- examples/data/exchange.json examples/data/students`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use seqplan::check::read_plan;
use seqplan::model::{load_model, Instance, Overrides};
use seqplan::numbers::fmt_num;
use seqplan::{plan, simulate, Error, Outcome, PlanReport, SolveOptions};

/// The plan files of a folder (`.txt` and `.json`), sorted by name.
fn plan_files(folder: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(folder).map_err(|e| Error::Read {
        path: folder.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// One row of the grade sheet.
fn grade(instance: &Instance, path: &Path, optimum: Option<&PlanReport>) -> [String; 5] {
    let student = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let moves = match read_plan(path, instance.model) {
        Ok(moves) => moves,
        Err(e) => {
            return [
                student,
                "unreadable".into(),
                e.to_string(),
                String::new(),
                String::new(),
            ]
        }
    };
    let evaluation = simulate(instance, &moves);
    let verdict = match evaluation.violations.len() {
        0 => "valid".to_owned(),
        1 => "1 broken rule".to_owned(),
        n => format!("{n} broken rules"),
    };
    let first_problem = evaluation
        .violations
        .first()
        .map(|v| seqplan::render::words::violation(instance, v))
        .unwrap_or_default();
    let met = evaluation
        .met_round
        .map_or_else(|| "never".into(), |r| r.to_string());
    let gap = match (optimum, evaluation.met_round, evaluation.is_valid()) {
        (Some(best), Some(mine), true) => {
            let later = i64::from(mine) - i64::from(best.evaluation.met_round.unwrap_or(mine));
            let extra = evaluation.cost - best.evaluation.cost;
            let unit = &instance.model.round_unit;
            let plural = if later == 1 { "" } else { "s" };
            format!("+{later} {unit}{plural}, cost +{}", fmt_num(extra))
        }
        _ => String::new(),
    };
    [student, verdict, first_problem, met, gap]
}

fn run() -> Result<ExitCode, Error> {
    let mut args = std::env::args().skip(1);
    let model_path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "examples/data/exchange.json".into()),
    );
    let folder = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "examples/data/students".into()),
    );
    let model = load_model(&model_path)?.model;
    let instance = Instance::new(&model, &Overrides::default())?;
    let optimum = match plan(&instance, &SolveOptions::default())? {
        Outcome::Plan(report) => Some(report),
        Outcome::Infeasible | Outcome::Unknown => None,
    };
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "Student",
        "Verdict",
        "First problem",
        "All met in",
        "Against the optimum",
    ]);
    for path in plan_files(&folder)? {
        table.add_row(grade(&instance, &path, optimum.as_ref()));
    }
    println!("{} ({})", model.name, model_path.display());
    match &optimum {
        Some(best) => println!(
            "optimum: all met by {} {}, cost {}",
            model.round_unit,
            best.evaluation.met_round.unwrap_or(0),
            fmt_num(best.evaluation.cost)
        ),
        None => println!("the model has no plan"),
    }
    println!("{table}");
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    run().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::from(e.exit_code())
    })
}
