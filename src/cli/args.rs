//! What the command line accepts: the commands, their flags and the limits
//! on them, as clap derives them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::export::ExportFormat;
use crate::generate::Family;
use crate::render::{Format, ReportFormat};
use crate::solve::Solver;
use crate::tuning::TuningStep;

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
    /// Plan the rest from what has happened so far: the moves made (and
    /// whether each succeeded) are fixed, and the plan starts now.
    Replan(ReplanArgs),
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
    /// A local web app: the models of a folder, their plans as you edit
    /// them, and an API that answers as the command line does.
    Serve(ServeArgs),
    /// Write the program the solver is given (MPS or LP), for other solvers.
    ///
    /// The file is the program before any solve: --time-limit and --solver
    /// do not change it.
    Export(ExportArgs),
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
    /// The kind of model: each is hard in its own way, so that speed is
    /// measured on more than one.
    #[arg(long, value_enum, default_value_t = Family::Mixed)]
    pub family: Family,
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
    /// Stop after this many branch-and-bound nodes in all (microlp only)
    /// and return the best plan found: unlike --time-limit, the same plan
    /// on any machine.
    #[arg(long, value_name = "NODES", allow_negative_numbers = true)]
    pub effort: Option<u64>,
    /// The MILP solver (those this build has; see "A faster solver" in the
    /// README for the others).
    #[arg(long, value_enum, default_value = "microlp")]
    pub solver: Solver,
    #[command(flatten)]
    pub chance: ChanceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// How the chance that a plan works is estimated on a model where moves
/// may fail (`success`), effects vary (`spread`) or events may not happen
/// (`chance`), when there are too many outcomes to enumerate.
#[derive(Debug, Args)]
pub struct ChanceArgs {
    /// Futures sampled to estimate the chance of the plan (1 to 1,000,000)
    /// when there are more than 2^16 outcomes or an effect has a spread.
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::builder::RangedU64ValueParser::<u32>::new().range(1..=1_000_000))]
    pub samples: u32,
    /// Seed of the sampled futures: the same seed gives the same estimate.
    #[arg(long, value_name = "SEED", default_value_t = 0)]
    pub seed: u64,
}

impl ChanceArgs {
    /// The options of [`crate::chance::odds`].
    pub fn options(&self) -> crate::chance::OddsOptions {
        crate::chance::OddsOptions {
            samples: self.samples,
            seed: self.seed,
        }
    }
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
    /// Stop after this many branch-and-bound nodes in all (microlp only)
    /// and return the best plan found: unlike --time-limit, the same plan
    /// on any machine.
    #[arg(long, value_name = "NODES", allow_negative_numbers = true)]
    pub effort: Option<u64>,
    /// The MILP solver (those this build has; see "A faster solver" in the
    /// README for the others).
    #[arg(long, value_enum, default_value = "microlp")]
    pub solver: Solver,
    /// Solve the plain program, without presolve or implied rows (slower;
    /// for measuring what the presolve gains).
    #[arg(long)]
    pub no_presolve: bool,
    /// Turn off some speed-ups, to measure each (comma-separated: windows,
    /// drop-useless, deadlines, implied-rows, counts, warm-start,
    /// earliest-first, local-search, sooner, neighbourhoods, second-search).
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
    /// The best plan among those that work (every expectation met, no red
    /// line crossed) in at least this share of sampled futures, e.g. 0.9,
    /// and when every move succeeds; on a model where moves may fail.
    #[arg(long, value_name = "P", conflicts_with_all = ["robust", "alternatives"])]
    pub reliability: Option<f64>,
    /// With --reliability: how many sampled futures (1 to 1,000; drawn
    /// with --seed) the plan is chosen against. The program grows with
    /// them: each is a copy of the meters.
    #[arg(long, value_name = "N", default_value_t = 100, requires = "reliability",
          value_parser = clap::builder::RangedU64ValueParser::<u32>::new().range(1..=1_000))]
    pub futures: u32,
    #[command(flatten)]
    pub chance: ChanceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `seqplan replan`.
#[derive(Debug, Args)]
pub struct ReplanArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// What has happened so far: JSON ({"now": ROUND, "moves": [{"action",
    /// "round", "outcome": "ok"|"failed"|"pending"}], "meters": {METER:
    /// VALUE}}) or text, one `ROUND ACTION ok|failed|pending` per move,
    /// `now ROUND` and `METER = VALUE` (`#` starts a comment). The current
    /// round is the one after the last move unless `now` says otherwise.
    pub history: PathBuf,
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
    /// Stop after this many branch-and-bound nodes in all (microlp only)
    /// and return the best plan found: unlike --time-limit, the same plan
    /// on any machine.
    #[arg(long, value_name = "NODES", allow_negative_numbers = true)]
    pub effort: Option<u64>,
    /// The MILP solver (those this build has; see "A faster solver" in the
    /// README for the others).
    #[arg(long, value_enum, default_value = "microlp")]
    pub solver: Solver,
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
    /// Explain the plan `plan --reliability P` finds (it says which moves
    /// buy the reliability).
    #[arg(long, value_name = "P")]
    pub reliability: Option<f64>,
    /// With --reliability: the most futures the plan is chosen against.
    #[arg(long, value_name = "N", default_value_t = 100, requires = "reliability",
          value_parser = clap::builder::RangedU64ValueParser::<u32>::new().range(1..=1_000))]
    pub futures: u32,
    #[command(flatten)]
    pub chance: ChanceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `seqplan export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Apply a scenario of the model (`base` for none).
    #[arg(long)]
    pub scenario: Option<String>,
    /// File format: free MPS, or CPLEX LP.
    #[arg(long, value_enum, default_value = "mps")]
    pub format: ExportFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `seqplan serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The folder of models to offer (its `.json` files, one level of
    /// subfolders included).
    #[arg(default_value = "models")]
    pub models: PathBuf,
    /// The address to listen on. Anything but `127.0.0.1` or `::1` lets other
    /// machines in.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// The port (0: any free one; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The longest, in seconds, a request may let its solves run (each
    /// request asks for 10 unless it says otherwise).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub max_time: f64,
    /// The largest request body, in bytes (a larger one is refused, 413).
    #[arg(long, value_name = "BYTES", default_value_t = crate::serve::DEFAULT_MAX_BODY)]
    pub max_body: usize,
    /// How many solves run at once; the others wait their turn.
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub workers: usize,
}

/// Arguments of `seqplan validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The model file (JSON).
    pub model: PathBuf,
    /// Output format: a line per warning and a summary, or JSON (the
    /// counts and the warnings with their field paths).
    #[arg(long, value_enum, default_value = "text")]
    pub format: ValidateFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What `validate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
}

/// Arguments of `seqplan schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Write the schema to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The most plans `--alternatives` shows.
pub const MAX_ALTERNATIVES: u64 = 50;

/// The most conflicts `diagnose --conflicts` looks for.
pub const MAX_CONFLICTS: u64 = 20;

/// The longest `--time-limit` (a week, in seconds): beyond it a limit is
/// a typing mistake, not a plan to wait.
pub const MAX_TIME_LIMIT_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

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
