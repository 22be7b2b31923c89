//! The commands that report on a model or a plan: explain, compare,
//! diagnose and check, and what any command prints when no plan is found.

use std::path::{Path, PathBuf};

use super::args::{CheckArgs, CompareArgs, DiagnoseArgs, ExplainArgs};
use super::input::{
    emit, guard_output, in_file, prepare, print_warnings, solve_options, with_objective,
};
use super::Session;
use crate::compare;
use crate::diagnose::Diagnosis;
use crate::error::{Error, Usage};
use crate::model::{load_model, Instance, Model, Overrides};
use crate::render::{self, Format};
use crate::report::Status;
use crate::solve::{self, Outcome, SolveOptions};

pub(super) fn explain(args: &ExplainArgs, session: Session) -> Result<u8, Error> {
    guard_output(args.output.as_deref(), &[&args.solve.model])?;
    let (model, overrides, options) = prepare(&args.solve, args.scenario.as_ref(), session)?;
    let instance = Instance::new(&model, &overrides).map_err(|e| in_file(&args.solve.model, e))?;
    let outcome = match args.reliability {
        None => solve::plan(&instance, &options)?,
        Some(level) if level > 0.0 && level <= 1.0 => {
            let asked = crate::chance::ReliabilityOptions {
                level,
                futures: args.futures,
                seed: args.chance.seed,
            };
            match solve::plan_reliable(&instance, &options, asked, &args.chance.options())? {
                solve::Reliable::Plan(report) => Outcome::Plan(report),
                solve::Reliable::Unknown => Outcome::Unknown,
                unreached => {
                    let message = render::chance::unreached(&unreached, level);
                    crate::progress::eprint_line(&render::plain(&message));
                    return Ok(1);
                }
            }
        }
        Some(level) => return Err(crate::error::Usage::Reliability { level }.into()),
    };
    match outcome {
        Outcome::Plan(report) => {
            let explanation = crate::explain::explain(&instance, &report);
            let format = args.format.into();
            let text = render::explanation(&instance, &report, &explanation, format);
            emit(&text, format, args.output.as_deref())?;
            Ok(0)
        }
        outcome => no_plan(
            &instance,
            &outcome,
            &options,
            args.format.into(),
            args.output.as_deref(),
        ),
    }
}

pub(super) fn compare(args: &CompareArgs, session: Session) -> Result<u8, Error> {
    let inputs: Vec<&Path> = args.models.iter().map(PathBuf::as_path).collect();
    guard_output(args.output.as_deref(), &inputs)?;
    // Every (model, objective) variant first, so instances can borrow them.
    let mut variants: Vec<(PathBuf, Option<String>, Model)> = Vec::new();
    for path in &args.models {
        let validated = load_model(path)?;
        if !session.quiet {
            print_warnings(path, &validated);
        }
        if args.objective.is_empty() {
            variants.push((path.clone(), None, validated.model.clone()));
        }
        for objective in &args.objective {
            let levels: Vec<String> = objective.split(',').map(str::to_owned).collect();
            variants.push((
                path.clone(),
                Some(objective.clone()),
                with_objective(&validated.model, &levels)?,
            ));
        }
    }
    let single = args.models.len() == 1 && args.scenario.is_empty() && args.objective.is_empty();
    let scenarios: Vec<Option<String>> = if single {
        std::iter::once(None)
            .chain(variants[0].2.scenarios.iter().map(|s| Some(s.id.clone())))
            .collect()
    } else if args.scenario.is_empty() {
        vec![None]
    } else {
        args.scenario.iter().map(|s| Some(s.clone())).collect()
    };
    let options = solve_options(args.time_limit, args.effort, args.solver)?;
    let mut instances = Vec::new();
    for (path, objective, model) in &variants {
        for scenario in &scenarios {
            let overrides = Overrides {
                scenario: scenario.clone(),
                horizon: args.horizon,
                max_size: Some(session.max_size),
                ..Overrides::default()
            };
            let instance = Instance::new(model, &overrides).map_err(|e| in_file(path, e))?;
            let mut parts = Vec::new();
            if args.models.len() > 1 {
                parts.push(path.file_stem().map_or_else(
                    || path.display().to_string(),
                    |s| s.to_string_lossy().into_owned(),
                ));
            }
            if scenarios.len() > 1 {
                parts.push(scenario.clone().unwrap_or_else(|| "base".to_owned()));
            }
            if let Some(objective) = objective.as_ref().filter(|_| args.objective.len() > 1) {
                parts.push(objective.clone());
            }
            instances.push((parts.join(" · "), instance));
        }
    }
    if instances.len() < 2 {
        return Err(Usage::CompareNeedsTwo.into());
    }
    let mut outcomes = Vec::new();
    for (_, instance) in &instances {
        outcomes.push(solve::plan(instance, &options)?);
    }
    let entries: Vec<compare::Entry> = instances
        .iter()
        .zip(&outcomes)
        .enumerate()
        .map(|(i, ((label, instance), outcome))| crate::compare::Entry {
            label: if label.is_empty() {
                format!("plan {}", i + 1)
            } else {
                label.clone()
            },
            instance,
            outcome: match outcome {
                Outcome::Plan(report) => Ok(report),
                other => Err(render::short_reason(instance, other)),
            },
        })
        .collect();
    let comparison = compare::compare(&entries);
    let heading = match args.models.len() {
        1 => format!("{}: plans side by side", variants[0].2.name),
        _ => "Plans side by side".to_owned(),
    };
    let text = render::comparison(&heading, &entries, &comparison, args.format);
    emit(&text, args.format, args.output.as_deref())?;
    // A column without a plan is an answer too, but not the one asked for:
    // say which, and exit 1 as `plan` does.
    let missing: Vec<&compare::Entry> = entries.iter().filter(|e| e.outcome.is_err()).collect();
    for entry in &missing {
        if let Err((status, reason)) = &entry.outcome {
            let hint = match status {
                Status::Infeasible => " (`seqplan diagnose` says why)",
                _ => "",
            };
            crate::progress::eprint_line(&format!("no plan for `{}`: {reason}{hint}", entry.label));
        }
    }
    Ok(u8::from(!missing.is_empty()))
}

pub(super) fn diagnose(args: &DiagnoseArgs, session: Session) -> Result<u8, Error> {
    guard_output(args.output.as_deref(), &[&args.solve.model])?;
    let (model, overrides, options) = prepare(&args.solve, args.scenario.as_ref(), session)?;
    let instance = Instance::new(&model, &overrides).map_err(|e| in_file(&args.solve.model, e))?;
    let diagnosis = crate::diagnose::diagnose(&instance, &options, args.conflicts)?;
    let format = args.format.into();
    emit(
        &render::diagnosis(&instance, &diagnosis, format),
        format,
        args.output.as_deref(),
    )?;
    Ok(match diagnosis {
        Diagnosis::Feasible { .. } => 0,
        _ => 1,
    })
}

/// Reports that no plan was found: the message on stderr, and on stdout
/// the diagnosis in the asked format (or, when there is none, the message
/// in a form the format's readers expect).
pub(super) fn no_plan(
    instance: &Instance,
    outcome: &Outcome,
    options: &SolveOptions,
    format: Format,
    output: Option<&Path>,
) -> Result<u8, Error> {
    let (status, message) = render::no_plan_message(instance, outcome);
    crate::progress::eprint_line(&render::plain(&message));
    // The diagnosis adds to the answer; if it fails, the answer stands.
    let diagnosis = match status {
        Status::Unknown => None,
        _ => match crate::diagnose::diagnose(instance, options, 1) {
            Ok(diagnosis) => Some(diagnosis),
            Err(e) => {
                crate::progress::eprint_line(&format!(
                    "(the diagnosis could not be completed: {e})"
                ));
                None
            }
        },
    };
    if let Some(text) = render::no_plan(instance, status, &message, diagnosis.as_ref(), format) {
        emit(&text, format, output)?;
    }
    Ok(1)
}

pub(super) fn check(args: &CheckArgs, session: Session) -> Result<u8, Error> {
    guard_output(args.output.as_deref(), &[&args.model, &args.plan])?;
    let validated = load_model(&args.model)?;
    if !session.quiet {
        print_warnings(&args.model, &validated);
    }
    let model = with_objective(&validated.model, &args.objective)?;
    let moves = crate::check::read_plan(&args.plan, &model)?;
    let overrides = Overrides {
        scenario: args.scenario.clone(),
        horizon: args.horizon,
        max_size: Some(session.max_size),
        ..Overrides::default()
    };
    let instance = Instance::new(&model, &overrides).map_err(|e| in_file(&args.model, e))?;
    let options = solve_options(args.time_limit, args.effort, args.solver)?;
    let mut report = crate::check::check(&instance, moves, &options)?;
    report.odds =
        crate::chance::odds_if_uncertain(&instance, &report.moves, &args.chance.options());
    let label = args.plan.display().to_string();
    let format = args.format.into();
    let text = render::check(&instance, &report, &label, format);
    emit(&text, format, args.output.as_deref())?;
    Ok(u8::from(!report.is_valid()))
}
