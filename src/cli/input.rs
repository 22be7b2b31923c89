//! What every command does with its inputs: reads and validates the model,
//! applies the command line's objective and overrides, refuses an output
//! that names an input, and writes the result.

use std::path::Path;
use std::time::Duration;

use super::args::{SolveArgs, MAX_TIME_LIMIT_SECONDS};
use super::Session;
use crate::error::{did_you_mean, Error, Usage};
use crate::model::{load_model, Model, Objective, Overrides, Validated};
use crate::render::{self, Format};
use crate::solve::{Effort, SolveOptions, Solver};
use crate::tuning::Tuning;

/// The model with the command line's objective, and the overrides and
/// solve options, ready to build an [`Instance`].
pub(super) fn prepare(
    args: &SolveArgs,
    scenario: Option<&String>,
    session: Session,
) -> Result<(Model, Overrides, SolveOptions), Error> {
    let validated = load_model(&args.model)?;
    if !session.quiet {
        print_warnings(&args.model, &validated);
    }
    let model = with_objective(&validated.model, &args.objective)?;
    let overrides = Overrides {
        scenario: scenario.cloned(),
        horizon: args.horizon,
        forbid: args.forbid.clone(),
        force: args
            .force
            .iter()
            .map(|f| parse_force(f))
            .collect::<Result<_, _>>()?,
        only_forced: false,
        max_size: Some(session.max_size),
    };
    let tuning = if args.no_presolve {
        Tuning::NONE
    } else {
        args.without.iter().fold(Tuning::ALL, |t, step| step.off(t))
    };
    let options = solve_options(args.time_limit, args.effort, args.solver)?.with_tuning(tuning);
    Ok((model, overrides, options))
}

/// The options of a command's solves from its limits and solver: the
/// deadline starts now.
pub(super) fn solve_options(
    seconds: Option<f64>,
    effort: Option<u64>,
    solver: Solver,
) -> Result<SolveOptions, Error> {
    if effort.is_some() && solver != Solver::Microlp {
        return Err(Usage::EffortNeedsMicrolp {
            solver: solver.name(),
        }
        .into());
    }
    let options = SolveOptions::within(time_limit(seconds)?).with_solver(solver);
    Ok(match effort {
        Some(nodes) => options.with_effort(Effort::nodes(nodes)),
        None => options,
    })
}

fn time_limit(seconds: Option<f64>) -> Result<Option<Duration>, Error> {
    match seconds {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s <= MAX_TIME_LIMIT_SECONDS => {
            Ok(Some(Duration::from_secs_f64(s)))
        }
        Some(seconds) => Err(Usage::TimeLimit {
            seconds,
            max: MAX_TIME_LIMIT_SECONDS,
        }
        .into()),
    }
}

/// Parses `ACTION@ROUND`.
pub(super) fn parse_force(text: &str) -> Result<(String, u32), Usage> {
    let bad = || Usage::Force {
        text: text.to_owned(),
    };
    let (action, round) = text.rsplit_once('@').ok_or_else(bad)?;
    let round = round.parse::<u32>().map_err(|_| bad())?;
    if action.is_empty() {
        return Err(bad());
    }
    Ok((action.to_owned(), round))
}

/// The model with `--objective` levels in place of its own.
pub(super) fn with_objective(model: &Model, levels: &[String]) -> Result<Model, Error> {
    let mut model = model.clone();
    if levels.is_empty() {
        return Ok(model);
    }
    model.objective = levels
        .iter()
        .map(|l| parse_objective(&model, l.trim()))
        .collect::<Result<_, _>>()?;
    if let Some((first, again)) = crate::model::repeated_level(&model.objective) {
        return Err(Usage::RepeatedLevel {
            first: first + 1,
            again: again + 1,
            level: levels[again].trim().to_owned(),
        }
        .into());
    }
    Ok(model)
}

pub(super) fn parse_objective(model: &Model, text: &str) -> Result<Objective, Error> {
    match text {
        "earliest" => return Ok(Objective::Earliest),
        "cheapest" => return Ok(Objective::Cheapest),
        "fewest" => return Ok(Objective::Fewest),
        _ => {}
    }
    if let Some(spec) = text.strip_prefix("maximize:") {
        let (id, weight) = match spec.split_once('=') {
            Some((id, w)) => (id, w.parse::<f64>().ok().filter(|w| w.is_finite())),
            None => (spec, Some(1.0)),
        };
        let weight = weight.ok_or_else(|| Usage::ObjectiveWeight {
            text: text.to_owned(),
        })?;
        let meter = model
            .meters
            .iter()
            .position(|m| m.id == id)
            .ok_or_else(|| {
                let hint = did_you_mean(id, model.meters.iter().map(|m| m.id.as_str()));
                Usage::ObjectiveMeter {
                    text: text.to_owned(),
                    id: id.to_owned(),
                    hint,
                }
            })?;
        return Ok(Objective::Maximize(vec![(meter, weight)]));
    }
    let hint = did_you_mean(text, ["earliest", "cheapest", "fewest"]);
    Err(Usage::ObjectiveLevel {
        text: text.to_owned(),
        hint,
    }
    .into())
}

/// A usage error about one model file, prefixed with the file's name.
pub(super) fn in_file(path: &Path, error: Error) -> Error {
    match error {
        Error::Usage(usage) => Error::UsageIn {
            file: path.display().to_string(),
            usage,
        },
        other => other,
    }
}

pub(super) fn print_warnings(path: &Path, validated: &Validated) {
    for w in crate::warnings::all(validated) {
        crate::progress::eprint_line(&format!("warning: {}: {w}", path.display()));
    }
}

/// Writes output to the file or stdout, with every character that could
/// drive a terminal or break the document escaped (see [`crate::escape`]).
pub(super) fn emit(text: &str, format: Format, output: Option<&Path>) -> Result<(), Error> {
    let safe = render::finish(text, format);
    match output {
        Some(path) => crate::output::write_file(path, &safe),
        None => crate::output::write_stdout(&safe),
    }
}

/// Refuses an `--output` that names one of the command's inputs, before
/// any work is done.
pub(super) fn guard_output(output: Option<&Path>, inputs: &[&Path]) -> Result<(), Error> {
    match output {
        Some(output) => crate::output::ensure_not_an_input(output, inputs),
        None => Ok(()),
    }
}
