//! The command line: clap parsing and wiring of the library stages only.
//! What it accepts is in `args`; each command reads its inputs (`input`),
//! calls the stages and hands the report to `render`.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::error::Error;

mod args;
mod input;
mod plan;
mod reports;
mod tools;

pub use args::*;

const SUBCOMMANDS: [&str; 12] = [
    "plan", "replan", "compare", "explain", "diagnose", "check", "validate", "schema", "generate",
    "export", "serve", "help",
];

/// `seqplan MODEL.json ...` means `seqplan plan MODEL.json ...`: inserts
/// `plan` unless a subcommand (after any global flags) or a top-level
/// help/version flag is given.
fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
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

/// Runs `seqplan` on the command line `args` (the program's name first):
/// parses, runs, and maps the result to an exit code (0 plan found, 1 no
/// plan, 2 bad input, 3 internal error). Errors go to stderr.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(with_default_command(args.into_iter().collect())) {
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
    let result = execute(&cli);
    let (failures, recovered) = crate::solve::numerical_failures();
    if failures > 0 {
        tracing::debug!(
            failures,
            recovered,
            "numerical failures of the backend (levels), and how many a perturbed program then settled"
        );
    }
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            crate::progress::eprint_line(&format!("error: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}

/// What every command takes from the global flags.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Session {
    pub(crate) quiet: bool,
    pub(crate) max_size: u64,
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
pub fn execute(cli: &Cli) -> Result<u8, Error> {
    let session = Session {
        quiet: cli.quiet,
        max_size: cli.max_size,
    };
    // Drawn on a terminal only, and only once a solve takes over a second;
    // never for a server, whose solves are its clients'.
    let spinner = !cli.quiet && !matches!(cli.command, Command::Serve(_));
    let _spinner = spinner.then(crate::progress::Spinner::start);
    match &cli.command {
        Command::Plan(args) => plan::plan(args, session),
        Command::Replan(args) => plan::replan(args, session),
        Command::Compare(args) => reports::compare(args, session),
        Command::Explain(args) => reports::explain(args, session),
        Command::Diagnose(args) => reports::diagnose(args, session),
        Command::Check(args) => reports::check(args, session),
        Command::Validate(args) => tools::validate(args),
        Command::Schema(args) => tools::schema(args),
        Command::Generate(args) => tools::generate(args),
        Command::Export(args) => tools::export(args, session),
        Command::Serve(args) => tools::serve(args, session),
    }
}

#[cfg(test)]
mod tests {
    use super::input::parse_force;
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
            let args: Vec<OsString> = line.split(' ').map(Into::into).collect();
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
