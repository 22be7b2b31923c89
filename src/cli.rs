//! The command line: clap parsing and wiring of the library stages only.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::error::{did_you_mean, Error};
use crate::model::{
    load_model, Instance, Model, Objective, Overrides, Tuning, TuningStep, Validated,
};
use crate::render::{self, Format, ReportFormat};
use crate::solve::{self, Outcome, SolveOptions};

/// Plans the sequencing of confidence-building moves in a negotiation.
///
/// `seqplan MODEL.json` is the same as `seqplan plan MODEL.json`.
#[derive(Debug, Parser)]
#[command(name = "seqplan", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More detail on stderr (-v: progress, -vv: solver details).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// The most action-rounds (actions × rounds) to plan; larger models
    /// are refused rather than left to run for hours.
    #[arg(long, global = true, value_name = "N", default_value_t = crate::model::instance::DEFAULT_MAX_SIZE)]
    pub max_size: u64,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find the best sequence of moves and print it.
    Plan(PlanArgs),
    /// Plans side by side: several models, scenarios or objectives.
    Compare(CompareArgs),
    /// Why no plan exists (minimal conflicts, relaxations) or what binds the plan.
    Diagnose(DiagnoseArgs),
    /// Why each move of the plan is in its round and what it unlocks.
    Explain(ExplainArgs),
    /// Judge a proposed plan: every broken rule, expectations, gap to the optimum.
    Check(CheckArgs),
    /// Check a model: errors and warnings only.
    Validate(ValidateArgs),
    /// Print the JSON Schema of the model format (models/schema.json).
    Schema(SchemaArgs),
    /// Print a random, realistic model (for benchmarks and trying seqplan at scale).
    Generate(GenerateArgs),
}

/// Arguments of `seqplan generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of actions.
    #[arg(long, default_value_t = 20)]
    pub actions: usize,
    /// Number of rounds.
    #[arg(long, default_value_t = 12)]
    pub horizon: u32,
    /// Number of meters.
    #[arg(long, default_value_t = 3)]
    pub meters: usize,
    /// Number of parties.
    #[arg(long, default_value_t = 3)]
    pub parties: usize,
    /// Seed: the same seed gives the same model.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the model to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `seqplan check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The model file (JSON).
    pub model: PathBuf,
    /// The proposed plan: JSON ("moves": [{"action", "round"}]) or one
    /// `ROUND ACTION` per line (`#` starts a comment).
    pub plan: PathBuf,
    /// Apply a scenario of the model (`base` for none).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Replace the horizon (number of rounds).
    #[arg(long)]
    pub horizon: Option<u32>,
    /// Objective levels for the optimum compared against (as for `plan`).
    #[arg(long, value_delimiter = ',')]
    pub objective: Vec<String>,
    /// Bound the solve of the optimum (seconds).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub time_limit: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What to solve: the model, its scenario, and the command line's changes.
#[derive(Debug, Args)]
pub struct SolveArgs {
    /// The model file (JSON).
    pub model: PathBuf,
    /// Objective levels in order, replacing the model's: earliest, cheapest,
    /// fewest, maximize:METER[=WEIGHT].
    #[arg(long, value_delimiter = ',')]
    pub objective: Vec<String>,
    /// Replace the horizon (number of rounds).
    #[arg(long)]
    pub horizon: Option<u32>,
    /// Require a move: ACTION@ROUND (repeatable).
    #[arg(long, value_name = "ACTION@ROUND")]
    pub force: Vec<String>,
    /// Make an action unavailable (repeatable).
    #[arg(long, value_name = "ACTION")]
    pub forbid: Vec<String>,
    /// Stop the solve after this many seconds and return the best plan found.
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub time_limit: Option<f64>,
    /// Solve the plain program, without presolve or implied rows (slower;
    /// for measuring what the presolve gains).
    #[arg(long)]
    pub no_presolve: bool,
    /// Turn off some speed-ups, to measure each (comma-separated: windows,
    /// drop-useless, deadlines, implied-rows, counts, warm-start,
    /// earliest-first).
    #[arg(long, value_name = "LIST", value_delimiter = ',', hide = true, value_parser = parse_step)]
    pub without: Vec<TuningStep>,
}

/// Arguments of `seqplan plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Apply a scenario of the model (`base` for none); with --robust,
    /// repeat it to list the scenarios the plan must hold in.
    #[arg(long)]
    pub scenario: Vec<String>,
    /// One plan that holds in every scenario (or those given with
    /// --scenario): the same moves, one meter trajectory per scenario.
    #[arg(long, conflicts_with = "alternatives")]
    pub robust: bool,
    /// Show up to K distinct optimal plans side by side (K from 1 to 50:
    /// each is another solve, and more columns than that cannot be read).
    #[arg(long, value_name = "K", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_ALTERNATIVES))]
    pub alternatives: Option<usize>,
    /// With --alternatives: plans within P percent of the optimum on the
    /// first objective level (the other levels break ties).
    #[arg(long, value_name = "P", requires = "alternatives")]
    pub within: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `seqplan compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// One or more model files (JSON).
    #[arg(required = true)]
    pub models: Vec<PathBuf>,
    /// A scenario to plan (repeatable; `base` is the model as written).
    /// With one model and no --scenario or --objective: base and every scenario.
    #[arg(long)]
    pub scenario: Vec<String>,
    /// An objective to plan with, e.g. `cheapest,earliest` (repeatable).
    #[arg(long)]
    pub objective: Vec<String>,
    /// Replace the horizon (number of rounds).
    #[arg(long)]
    pub horizon: Option<u32>,
    /// Bound each solve (seconds).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub time_limit: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `seqplan diagnose`.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Apply a scenario of the model (`base` for none).
    #[arg(long)]
    pub scenario: Option<String>,
    /// How many distinct conflicts to look for when no plan exists (1 to
    /// 20; each costs a search of its own).
    #[arg(long, value_name = "K", default_value_t = 3, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_CONFLICTS))]
    pub conflicts: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `seqplan explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Apply a scenario of the model (`base` for none).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `seqplan validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The model file (JSON).
    pub model: PathBuf,
}

/// Arguments of `seqplan schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Write the schema to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

const SUBCOMMANDS: [&str; 9] = [
    "plan", "compare", "explain", "diagnose", "check", "validate", "schema", "generate", "help",
];

/// `seqplan MODEL.json ...` means `seqplan plan MODEL.json ...`: inserts
/// `plan` unless a subcommand (after any global flags) or a top-level
/// help/version flag is given.
fn with_default_command(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let words: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    let top_level = words
        .iter()
        .take_while(|w| w.starts_with('-'))
        .any(|w| matches!(*w, "-h" | "--help" | "-V" | "--version"));
    // The first word that is neither a flag nor the value of a global flag.
    let mut rest = words.iter();
    let mut first_word = None;
    while let Some(w) = rest.next() {
        if *w == "--max-size" {
            rest.next();
        } else if !w.starts_with('-') {
            first_word = Some(w);
            break;
        }
    }
    let has_command = first_word.is_some_and(|w| SUBCOMMANDS.contains(w));
    if !args.is_empty() && args.len() > 1 && !top_level && !has_command {
        args.insert(1, "plan".into());
    }
    args
}

/// Entry point of the binary: parses the arguments, runs, maps the result
/// to an exit code (0 plan found, 1 no plan, 2 bad input, 3 internal error).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(with_default_command(std::env::args_os().collect())) {
        Ok(cli) => cli,
        // Help and version as clap draws them; an error names what was
        // typed, which is shown escaped (uncoloured) like every user text.
        Err(e) if e.use_stderr() => {
            crate::progress::eprint_line(e.render().to_string().trim_end());
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(0);
        }
    };
    init_logging(cli.verbose, cli.quiet);
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            crate::progress::eprint_line(&format!("error: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}

/// The most plans `--alternatives` shows.
pub const MAX_ALTERNATIVES: u64 = 50;

/// The most conflicts `diagnose --conflicts` looks for.
pub const MAX_CONFLICTS: u64 = 20;

/// What every command takes from the global flags.
#[derive(Debug, Clone, Copy)]
struct Session {
    quiet: bool,
    max_size: u64,
}

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("seqplan={default}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .try_init();
}

/// Runs a parsed command; returns the exit code.
pub fn run(cli: &Cli) -> Result<u8, Error> {
    let session = Session {
        quiet: cli.quiet,
        max_size: cli.max_size,
    };
    // Drawn on a terminal only, and only once a solve takes over a second.
    let _spinner = (!cli.quiet).then(crate::progress::Spinner::start);
    match &cli.command {
        Command::Plan(args) => plan(args, session),
        Command::Compare(args) => compare(args, session),
        Command::Explain(args) => explain(args, session),
        Command::Diagnose(args) => diagnose(args, session),
        Command::Check(args) => check(args, session),
        Command::Validate(args) => validate(args),
        Command::Schema(args) => schema(args),
        Command::Generate(args) => generate(args),
    }
}

/// The model with the command line's objective, and the overrides and
/// solve options, ready to build an [`Instance`].
fn prepare(
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
        tuning: if args.no_presolve {
            Tuning::NONE
        } else {
            args.without.iter().fold(Tuning::ALL, |t, step| step.off(t))
        },
    };
    let options = SolveOptions::within(time_limit(args.time_limit)?);
    Ok((model, overrides, options))
}

/// A name `--without` accepts.
fn parse_step(name: &str) -> Result<TuningStep, String> {
    TuningStep::ALL
        .into_iter()
        .find(|step| step.name() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = TuningStep::ALL.iter().map(|s| s.name()).collect();
            format!("expected one of {}", names.join(", "))
        })
}

fn plan(args: &PlanArgs, session: Session) -> Result<u8, Error> {
    guard_output(args.output.as_deref(), &[&args.solve.model])?;
    if args.robust {
        return robust(args, session);
    }
    if args.scenario.len() > 1 {
        return Err(Error::Usage(
            "several --scenario: give one, or add --robust for one plan that holds in all of them"
                .into(),
        ));
    }
    let (model, overrides, options) = prepare(&args.solve, args.scenario.first(), session)?;
    let instance = Instance::new(&model, &overrides).map_err(|e| in_file(&args.solve.model, e))?;
    if let Some(count) = args.alternatives {
        return alternatives(args, &instance, &options, count);
    }
    tracing::info!(model = %model.name, scenario = instance.scenario_id().unwrap_or("base"), "planning");
    match solve::plan(&instance, &options)? {
        Outcome::Plan(report) => {
            emit(
                &render::plan(&instance, &report, args.format),
                args.format,
                args.output.as_deref(),
            )?;
            Ok(0)
        }
        outcome => no_plan(
            &instance,
            &outcome,
            &options,
            args.format,
            args.output.as_deref(),
        ),
    }
}

fn robust(args: &PlanArgs, session: Session) -> Result<u8, Error> {
    let (model, overrides, options) = prepare(&args.solve, None, session)?;
    let scenarios: Vec<Option<String>> = if args.scenario.is_empty() {
        std::iter::once(None)
            .chain(model.scenarios.iter().map(|s| Some(s.id.clone())))
            .collect()
    } else {
        args.scenario.iter().map(|s| Some(s.clone())).collect()
    };
    let instances = scenarios
        .iter()
        .map(|scenario| {
            Instance::new(
                &model,
                &Overrides {
                    scenario: scenario.clone(),
                    ..overrides.clone()
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| in_file(&args.solve.model, e))?;
    let refs: Vec<&Instance> = instances.iter().collect();
    let labels: Vec<String> = scenarios
        .iter()
        .map(|s| s.clone().unwrap_or_else(|| "base".to_owned()))
        .collect();
    let report = match solve::plan_robust(&refs, &options)? {
        solve::RobustOutcome::Plan(report) => report,
        outcome => {
            let message = match outcome {
                solve::RobustOutcome::Unknown => "no plan found: the time limit ran out before any plan holding in every scenario was found".to_owned(),
                _ => format!("no single plan meets every expectation without crossing a red line in all of {}", labels.join(", ")),
            };
            crate::progress::eprint_line(&message);
            return Ok(1);
        }
    };
    let reports: Vec<crate::PlanReport> = report
        .evaluations
        .iter()
        .map(|evaluation| crate::PlanReport {
            status: report.status,
            objectives: report.objectives.clone(),
            gap: report.gap,
            moves: report.moves.clone(),
            evaluation: evaluation.clone(),
            solver_failed: report.solver_failed,
        })
        .collect();
    let entries: Vec<crate::compare::Entry> = instances
        .iter()
        .zip(&reports)
        .zip(&labels)
        .map(|((instance, report), label)| crate::compare::Entry {
            label: label.clone(),
            instance,
            outcome: Ok(report),
        })
        .collect();
    let comparison = crate::compare::compare(&entries);
    let heading = format!("{}: one plan for every scenario", model.name);
    let text = match args.format {
        Format::Text => render::robust::text(&comparison, &report, &labels),
        Format::Json => render::robust::json(&comparison, &report, &labels),
        Format::Markdown => render::robust::markdown(&comparison, &report, &labels),
        Format::Svg => render::svg::comparison(&heading, &entries),
        Format::Html => render::html::page(
            &heading,
            &[render::svg::comparison(&heading, &entries)],
            &render::robust::markdown(&comparison, &report, &labels),
        ),
    };
    emit(&text, args.format, args.output.as_deref())?;
    Ok(0)
}

fn alternatives(
    args: &PlanArgs,
    instance: &Instance,
    options: &SolveOptions,
    count: usize,
) -> Result<u8, Error> {
    if let Some(p) = args.within.filter(|p| !p.is_finite() || *p < 0.0) {
        return Err(Error::Usage(format!(
            "--within {p}: expected a percentage of 0 or more"
        )));
    }
    let found = solve::alternatives(instance, options, count, args.within)?;
    let mut plans = found.plans;
    if plans.is_empty() {
        // The program found nothing in time: the greedy plan may still be
        // an answer (unproven, without alternatives).
        match solve::plan(instance, options)? {
            Outcome::Plan(report) => plans.push(report),
            outcome => {
                return no_plan(
                    instance,
                    &outcome,
                    options,
                    args.format,
                    args.output.as_deref(),
                )
            }
        }
    }
    let proven = plans[0].status == crate::Status::Optimal;
    let entries: Vec<crate::compare::Entry> = plans
        .iter()
        .enumerate()
        .map(|(i, report)| crate::compare::Entry {
            label: match (i, proven) {
                (0, true) => "optimum".to_owned(),
                (0, false) => "best found".to_owned(),
                _ => format!("alternative {}", i + 1),
            },
            instance,
            outcome: Ok(report),
        })
        .collect();
    let comparison = crate::compare::compare(&entries);
    let first = if proven {
        "optimal plan"
    } else {
        "best plan found in the time allowed (not proven optimal)"
    };
    let heading = format!("{}: {first} and alternatives", instance.model.name);
    let mut text = render_comparison(&heading, &entries, &comparison, args.format);
    if plans.len() < count && args.format == Format::Text {
        let what = match (args.within.is_some(), proven) {
            (true, _) => "within the given margin",
            (false, true) => "with the same optimum",
            (false, false) => "with the same objective values",
        };
        let s = if plans.len() == 1 { "" } else { "s" };
        text.push_str(&if found.exhausted {
            format!("Only {} distinct plan{s} {what}.\n", plans.len())
        } else {
            format!(
                "{} distinct plan{s} {what} found before the time allowed ran out; there may be more.\n",
                plans.len()
            )
        });
    }
    emit(&text, args.format, args.output.as_deref())?;
    Ok(0)
}

fn explain(args: &ExplainArgs, session: Session) -> Result<u8, Error> {
    guard_output(args.output.as_deref(), &[&args.solve.model])?;
    let (model, overrides, options) = prepare(&args.solve, args.scenario.as_ref(), session)?;
    let instance = Instance::new(&model, &overrides).map_err(|e| in_file(&args.solve.model, e))?;
    match solve::plan(&instance, &options)? {
        Outcome::Plan(report) => {
            let explanation = crate::explain::explain(&instance, &report);
            let text = match args.format {
                ReportFormat::Text => render::explain::text(&instance, &report, &explanation),
                ReportFormat::Json => render::explain::json(&instance, &report, &explanation),
                ReportFormat::Markdown => {
                    render::explain::markdown(&instance, &report, &explanation)
                }
                ReportFormat::Html => render::html::page(
                    &instance.model.name,
                    &[render::svg::plan(&instance, &report)],
                    &format!(
                        "{}\n{}",
                        render::markdown::plan(&instance, &report),
                        render::explain::markdown(&instance, &report, &explanation)
                    ),
                ),
            };
            emit(&text, args.format.into(), args.output.as_deref())?;
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

fn compare(args: &CompareArgs, session: Session) -> Result<u8, Error> {
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
    let options = SolveOptions::within(time_limit(args.time_limit)?);
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
        return Err(Error::Usage(
            "compare needs two or more plans: give several models, or --scenario or --objective more than once".into(),
        ));
    }
    let mut outcomes = Vec::new();
    for (_, instance) in &instances {
        outcomes.push(solve::plan(instance, &options)?);
    }
    let entries: Vec<crate::compare::Entry> = instances
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
                other => Err(short_reason(instance, other)),
            },
        })
        .collect();
    let comparison = crate::compare::compare(&entries);
    let heading = match args.models.len() {
        1 => format!("{}: plans side by side", variants[0].2.name),
        _ => "Plans side by side".to_owned(),
    };
    let text = render_comparison(&heading, &entries, &comparison, args.format);
    emit(&text, args.format, args.output.as_deref())?;
    // A column without a plan is an answer too, but not the one asked for:
    // say which, and exit 1 as `plan` does.
    let missing: Vec<&crate::compare::Entry> =
        entries.iter().filter(|e| e.outcome.is_err()).collect();
    for entry in &missing {
        if let Err((status, reason)) = &entry.outcome {
            let hint = match status {
                crate::Status::Infeasible => " (`seqplan diagnose` says why)",
                _ => "",
            };
            crate::progress::eprint_line(&format!("no plan for `{}`: {reason}{hint}", entry.label));
        }
    }
    Ok(if missing.is_empty() { 0 } else { 1 })
}

/// The short reason a column has no plan.
fn short_reason(instance: &Instance, outcome: &Outcome) -> (crate::Status, String) {
    match outcome {
        Outcome::Unknown => (
            crate::Status::Unknown,
            "the time limit ran out first".to_owned(),
        ),
        _ => (
            crate::Status::Infeasible,
            format!(
                "no plan meets every expectation within {} {}s",
                instance.horizon, instance.model.round_unit
            ),
        ),
    }
}

fn diagnose(args: &DiagnoseArgs, session: Session) -> Result<u8, Error> {
    guard_output(args.output.as_deref(), &[&args.solve.model])?;
    let (model, overrides, options) = prepare(&args.solve, args.scenario.as_ref(), session)?;
    let instance = Instance::new(&model, &overrides).map_err(|e| in_file(&args.solve.model, e))?;
    let diagnosis = crate::diagnose::diagnose(&instance, &options, args.conflicts)?;
    let text = match args.format {
        ReportFormat::Text => render::diagnose::text(&instance, &diagnosis),
        ReportFormat::Json => render::diagnose::json(&instance, &diagnosis),
        ReportFormat::Markdown => render::diagnose::markdown(&instance, &diagnosis),
        ReportFormat::Html => diagnosis_page(&instance, &diagnosis),
    };
    emit(&text, args.format.into(), args.output.as_deref())?;
    Ok(match diagnosis {
        crate::diagnose::Diagnosis::Feasible { .. } => 0,
        _ => 1,
    })
}

/// Reports that no plan was found: the message on stderr, and on stdout
/// the diagnosis in the asked format (or, when there is none, the message
/// in a form the format's readers expect).
fn no_plan(
    instance: &Instance,
    outcome: &Outcome,
    options: &SolveOptions,
    format: Format,
    output: Option<&Path>,
) -> Result<u8, Error> {
    let (status, message) = no_plan_message(instance, outcome);
    crate::progress::eprint_line(&message);
    // The diagnosis adds to the answer; if it fails, the answer stands.
    let diagnosis = match status {
        crate::Status::Unknown => None,
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
    let text = match (format, &diagnosis) {
        (Format::Json, _) => {
            let mut value: serde_json::Value =
                serde_json::from_str(&render::json::no_plan(instance, status, &message))
                    .unwrap_or_default();
            if let Some(diagnosis) = &diagnosis {
                value["diagnosis"] =
                    serde_json::from_str(&render::diagnose::json(instance, diagnosis))
                        .unwrap_or_default();
            }
            render::json::to_json(&value)
        }
        (Format::Svg, _) => render::svg::no_plan(instance, &message),
        (Format::Text, Some(diagnosis)) => render::diagnose::text(instance, diagnosis),
        (Format::Markdown, Some(diagnosis)) => render::diagnose::markdown(instance, diagnosis),
        (Format::Html, Some(diagnosis)) => diagnosis_page(instance, diagnosis),
        (Format::Text, None) => return Ok(1),
        (Format::Markdown, None) => format!("**{message}**\n"),
        (Format::Html, None) => {
            render::html::page(&instance.model.name, &[], &format!("**{message}**\n"))
        }
    };
    emit(&text, format, output)?;
    Ok(1)
}

/// A diagnosis as a web page, with the picture of the plan it is about:
/// the optimum when there is one, else the plan under the smallest change.
fn diagnosis_page(instance: &Instance, diagnosis: &crate::diagnose::Diagnosis) -> String {
    let markdown = render::diagnose::markdown(instance, diagnosis);
    let picture = match diagnosis {
        crate::diagnose::Diagnosis::Feasible { report, .. } => {
            Some(render::svg::plan(instance, report))
        }
        crate::diagnose::Diagnosis::Infeasible(found) => {
            found
                .relaxed_plan
                .as_ref()
                .and_then(|(relaxation, report)| {
                    let input = crate::diagnose::relaxed(instance, relaxation);
                    let relaxed = input.instance().ok()?;
                    let caption = match report.status {
                        crate::report::Status::Optimal => "the plan under the smallest change",
                        _ => "the plan under the smallest change (not proven optimal)",
                    };
                    Some(render::svg::proposal(
                        &relaxed,
                        &report.moves,
                        &report.evaluation,
                        caption,
                    ))
                })
        }
        crate::diagnose::Diagnosis::Unknown => None,
    };
    render::html::page(&instance.model.name, picture.as_slice(), &markdown)
}

fn check(args: &CheckArgs, session: Session) -> Result<u8, Error> {
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
    let options = SolveOptions::within(time_limit(args.time_limit)?);
    let report = crate::check::check(&instance, moves, &options)?;
    let label = args.plan.display().to_string();
    let text = match args.format {
        ReportFormat::Text => render::check::text(&instance, &report, &label),
        ReportFormat::Json => render::check::json(&instance, &report, &label),
        ReportFormat::Markdown => render::check::markdown(&instance, &report, &label),
        ReportFormat::Html => render::html::page(
            &instance.model.name,
            &[render::svg::proposal(
                &instance,
                &report.moves,
                &report.evaluation,
                &format!("the proposed plan ({label})"),
            )],
            &render::check::markdown(&instance, &report, &label),
        ),
    };
    emit(&text, args.format.into(), args.output.as_deref())?;
    Ok(if report.is_valid() { 0 } else { 1 })
}

fn no_plan_message(instance: &Instance, outcome: &Outcome) -> (crate::Status, String) {
    let where_ = match instance.scenario_id() {
        Some(s) => format!("scenario `{s}`"),
        None => "the base scenario".to_owned(),
    };
    match outcome {
        Outcome::Unknown | Outcome::Plan(_) => (
            crate::Status::Unknown,
            format!("no plan found: the time limit ran out before any plan was found in {where_} (try a longer --time-limit)"),
        ),
        Outcome::Infeasible => (
            crate::Status::Infeasible,
            format!(
                "no plan exists in {where_}: no sequence of moves within {} {}s meets every expectation by its deadline without crossing a red line or a limit",
                instance.horizon, instance.model.round_unit
            ),
        ),
    }
}

fn validate(args: &ValidateArgs) -> Result<u8, Error> {
    let validated = load_model(&args.model)?;
    let warnings = crate::warnings::all(&validated);
    let mut out = String::new();
    for w in &warnings {
        out.push_str(&format!("warning: {}: {w}\n", args.model.display()));
    }
    let model = &validated.model;
    out.push_str(&format!(
        "{}: valid ({}, {}, {}, {}, {}, {}; {})\n",
        args.model.display(),
        count(model.parties.len(), "party", "parties"),
        count(model.meters.len(), "meter", "meters"),
        count(model.actions.len(), "action", "actions"),
        count(model.expectations.len(), "expectation", "expectations"),
        count(model.red_lines.len(), "red line", "red lines"),
        count(model.scenarios.len(), "scenario", "scenarios"),
        count(warnings.len(), "warning", "warnings"),
    ));
    emit(&out, Format::Text, None)?;
    Ok(0)
}

fn generate(args: &GenerateArgs) -> Result<u8, Error> {
    let limit = |what: &str, value: u64, max: u64| {
        if value > max {
            Err(Error::Usage(format!("--{what} {value}: at most {max}")))
        } else {
            Ok(())
        }
    };
    limit("actions", args.actions as u64, 10_000)?;
    limit(
        "horizon",
        u64::from(args.horizon),
        u64::from(crate::model::validate::MAX_ROUNDS),
    )?;
    limit("meters", args.meters as u64, 100)?;
    limit("parties", args.parties as u64, 100)?;
    let size = crate::generate::Size {
        actions: args.actions,
        horizon: args.horizon,
        meters: args.meters,
        parties: args.parties,
    };
    let model = crate::generate::generate(size, args.seed)?;
    emit(
        &render::json::to_json(&model),
        Format::Json,
        args.output.as_deref(),
    )?;
    Ok(0)
}

fn schema(args: &SchemaArgs) -> Result<u8, Error> {
    let schema = seqplan_schema_text();
    emit(&schema, Format::Json, args.output.as_deref())?;
    Ok(0)
}

/// The model format's JSON Schema, pretty-printed with a final newline.
fn seqplan_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&crate::model::model_schema())
        .unwrap_or_else(|e| unreachable!("a schema is plain JSON: {e}"));
    text.push('\n');
    text
}

/// Plans side by side (compare, alternatives) in any format.
fn render_comparison(
    heading: &str,
    entries: &[crate::compare::Entry],
    comparison: &crate::compare::Comparison,
    format: Format,
) -> String {
    match format {
        Format::Text => render::compare::text(comparison),
        Format::Json => render::compare::json(comparison),
        Format::Markdown => render::compare::markdown(comparison),
        Format::Svg => render::svg::comparison(heading, entries),
        Format::Html => render::html::page(
            heading,
            &[render::svg::comparison(heading, entries)],
            &render::compare::markdown(comparison),
        ),
    }
}

/// A usage error about one model file, prefixed with the file's name.
fn in_file(path: &Path, error: Error) -> Error {
    match error {
        Error::Usage(message) => Error::Usage(format!("{}: {message}", path.display())),
        other => other,
    }
}

/// "1 party", "3 parties".
fn count(n: usize, one: &str, many: &str) -> String {
    render::words::count(n as u64, one, many)
}

fn print_warnings(path: &Path, validated: &Validated) {
    for w in crate::warnings::all(validated) {
        crate::progress::eprint_line(&format!("warning: {}: {w}", path.display()));
    }
}

/// The longest `--time-limit` (a week, in seconds): beyond it a limit is
/// a typing mistake, not a plan to wait.
pub const MAX_TIME_LIMIT_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

fn time_limit(seconds: Option<f64>) -> Result<Option<Duration>, Error> {
    match seconds {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s <= MAX_TIME_LIMIT_SECONDS => {
            Ok(Some(Duration::from_secs_f64(s)))
        }
        Some(s) => Err(Error::Usage(format!(
            "--time-limit {s:?}: expected a number of seconds above 0 and at most {MAX_TIME_LIMIT_SECONDS} (a week)"
        ))),
    }
}

/// Parses `ACTION@ROUND`.
fn parse_force(text: &str) -> Result<(String, u32), Error> {
    let bad = || {
        Error::Usage(format!(
            "--force {text}: expected ACTION@ROUND, e.g. offer_plan@3"
        ))
    };
    let (action, round) = text.rsplit_once('@').ok_or_else(bad)?;
    let round = round.parse::<u32>().map_err(|_| bad())?;
    if action.is_empty() {
        return Err(bad());
    }
    Ok((action.to_owned(), round))
}

/// The model with `--objective` levels in place of its own.
fn with_objective(model: &Model, levels: &[String]) -> Result<Model, Error> {
    let mut model = model.clone();
    if levels.is_empty() {
        return Ok(model);
    }
    model.objective = levels
        .iter()
        .map(|l| parse_objective(&model, l.trim()))
        .collect::<Result<_, _>>()?;
    if let Some((first, again)) = crate::model::repeated_level(&model.objective) {
        return Err(Error::Usage(format!(
            "--objective: level {} repeats level {} (`{}`): once that one is at its optimum this one is settled too, so it cannot break ties",
            again + 1,
            first + 1,
            levels[again].trim()
        )));
    }
    Ok(model)
}

fn parse_objective(model: &Model, text: &str) -> Result<Objective, Error> {
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
        let weight = weight.ok_or_else(|| {
            Error::Usage(format!("--objective {text}: the weight must be a number"))
        })?;
        let meter = model
            .meters
            .iter()
            .position(|m| m.id == id)
            .ok_or_else(|| {
                let hint = did_you_mean(id, model.meters.iter().map(|m| m.id.as_str()));
                Error::Usage(format!("--objective {text}: unknown meter `{id}`{hint}"))
            })?;
        return Ok(Objective::Maximize(vec![(meter, weight)]));
    }
    let hint = did_you_mean(text, ["earliest", "cheapest", "fewest"]);
    Err(Error::Usage(format!(
        "--objective: unknown level `{text}`{hint} (expected earliest, cheapest, fewest or maximize:METER[=WEIGHT])"
    )))
}

/// Writes output to the file or stdout, with every character that could
/// drive a terminal or break the document escaped (see [`crate::escape`]).
fn emit(text: &str, format: Format, output: Option<&Path>) -> Result<(), Error> {
    let safe = render::finish(text, format);
    match output {
        Some(path) => crate::output::write_file(path, &safe),
        None => crate::output::write_stdout(&safe),
    }
}

/// Refuses an `--output` that names one of the command's inputs, before
/// any work is done.
fn guard_output(output: Option<&Path>, inputs: &[&Path]) -> Result<(), Error> {
    match output {
        Some(output) => crate::output::ensure_not_an_input(output, inputs),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn force_takes_action_at_round() {
        assert_eq!(
            parse_force("offer_plan@3").unwrap(),
            ("offer_plan".to_owned(), 3)
        );
        for bad in [
            "offer_plan",
            "@3",
            "offer_plan@",
            "offer_plan@x",
            "offer_plan@-1",
        ] {
            assert!(parse_force(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plan_is_the_default_command() {
        let parse = |line: &str| {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            with_default_command(args)
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(parse("seqplan m.json"), "seqplan plan m.json");
        assert_eq!(
            parse("seqplan -vv m.json --format json"),
            "seqplan plan -vv m.json --format json"
        );
        assert_eq!(
            parse("seqplan --format json m.json"),
            "seqplan plan --format json m.json"
        );
        assert_eq!(
            parse("seqplan -vv diagnose m.json"),
            "seqplan -vv diagnose m.json"
        );
        assert_eq!(
            parse("seqplan check m.json p.txt"),
            "seqplan check m.json p.txt"
        );
        assert_eq!(parse("seqplan --help"), "seqplan --help");
        assert_eq!(parse("seqplan"), "seqplan");
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
