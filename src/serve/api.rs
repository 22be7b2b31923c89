//! The JSON API: a request names a model (and what `plan`, `compare`,
//! `explain`, `diagnose`, `check` or `validate` take on the command line);
//! the answer is exactly what that command prints, because it is that
//! command, run in this process on the request written to a folder of its
//! own, its output written to a file there.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::cli::{execute, Cli};
use crate::error::Error;

/// The commands the API runs.
pub const COMMANDS: [&str; 6] = [
    "plan", "compare", "explain", "diagnose", "check", "validate",
];

/// What a client asks for.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The model: its JSON text (so that positions in errors are the
    /// editor's), or the JSON itself.
    pub model: Option<Value>,
    /// `compare`: several models (text or JSON), instead of `model`.
    pub models: Option<Vec<Value>>,
    /// `compare`: what to call each model (letters, digits, `_` and `-`).
    pub labels: Option<Vec<String>>,
    /// A scenario (for `compare`, one or a list).
    pub scenario: Option<OneOrMany>,
    /// Objective levels: "cheapest,earliest" (for `compare`, one or a list
    /// of such).
    pub objective: Option<OneOrMany>,
    /// `ACTION@ROUND` moves the plan must contain.
    #[serde(default)]
    pub force: Vec<String>,
    /// Actions made unavailable.
    #[serde(default)]
    pub forbid: Vec<String>,
    pub horizon: Option<u32>,
    /// `check`: the proposed plan, as text (`ROUND ACTION` lines) or JSON.
    pub plan: Option<Value>,
    /// `text`, `json` (the default), `markdown`, `svg` or `html`, as the
    /// command takes them.
    pub format: Option<String>,
    /// Seconds the solves may take (at most the server's `--max-time`).
    pub time_limit: Option<f64>,
    /// `diagnose`: how many conflicts to look for.
    pub conflicts: Option<usize>,
}

/// A value or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn all(&self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one.clone()],
            OneOrMany::Many(many) => many.clone(),
        }
    }
}

/// What a command answered: its exit code and output, or its error.
pub enum Answer {
    /// Exit code 0 (a plan, a report) or 1 (no plan), the output, and
    /// what the command said on stderr.
    Done {
        code: u8,
        body: String,
        said: Vec<String>,
    },
    /// Bad input (exit 2), no plan found at all (1) or a bug (3).
    Failed {
        code: u8,
        message: String,
        path: Option<String>,
    },
}

/// Limits every command runs under.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The longest a request may ask its solves to take, in seconds.
    pub max_time: f64,
    /// The largest model, in actions × rounds.
    pub max_size: u64,
}

/// Seconds a request's solves take when it does not say.
pub const DEFAULT_TIME: f64 = 10.0;

/// The most models one `compare` takes.
pub const MOST_MODELS: usize = 8;
/// The most scenarios or objectives one request takes.
pub const MOST_VARIANTS: usize = 16;
/// The most plans one `compare` makes (models × scenarios × objectives).
pub const MOST_PLANS: usize = 32;
/// The most forced or forbidden moves one request takes.
pub const MOST_CHANGES: usize = 64;

/// Runs `command` on `request`, in a folder of its own.
pub fn run(command: &str, request: &Request, limits: Limits) -> Answer {
    let folder = match tempfile::tempdir() {
        Ok(folder) => folder,
        Err(e) => return failed(3, &format!("cannot make a working folder: {e}"), None),
    };
    let answer = match arguments(command, request, limits, folder.path()) {
        Ok(args) => run_in(&args, folder.path()),
        Err(answer) => answer,
    };
    // The request's files are named as the client knows them (`model.json`,
    // `plan.txt`), not by the folder they were written to.
    match answer {
        Answer::Failed {
            code,
            message,
            path,
        } => Answer::Failed {
            code,
            message: relative(&message, folder.path()),
            path,
        },
        Answer::Done { code, body, said } => Answer::Done {
            code,
            body: relative(&body, folder.path()),
            said: said
                .iter()
                .map(|line| relative(line, folder.path()))
                .collect(),
        },
    }
}

/// The error answer.
fn failed(code: u8, message: &str, path: Option<String>) -> Answer {
    Answer::Failed {
        code,
        message: message.to_owned(),
        path,
    }
}

/// A message about files in `folder` as the client knows them: by name.
fn relative(message: &str, folder: &Path) -> String {
    let mut prefix = folder.display().to_string();
    prefix.push(std::path::MAIN_SEPARATOR);
    message.replace(&prefix, "")
}

/// The command line of `command` for `request`, its inputs written into
/// `folder`. Every value the client gives is joined to its flag with `=`,
/// so that none can be read as a flag of its own.
fn arguments(
    command: &str,
    request: &Request,
    limits: Limits,
    folder: &Path,
) -> Result<Vec<String>, Answer> {
    let output = folder.join("output");
    let flag = |name: &str, value: &str| format!("--{name}={value}");
    let mut args: Vec<String> = vec![
        "seqplan".into(),
        "--quiet".into(),
        flag("max-size", &limits.max_size.to_string()),
        command.into(),
    ];
    let scenarios = request
        .scenario
        .as_ref()
        .map(OneOrMany::all)
        .unwrap_or_default();
    let objectives = request
        .objective
        .as_ref()
        .map(OneOrMany::all)
        .unwrap_or_default();
    check_sizes(command, request, &scenarios, &objectives)?;
    if command == "compare" {
        let models = match (&request.models, &request.model) {
            (Some(models), None) if !models.is_empty() => models.clone(),
            (None, Some(model)) => vec![model.clone()],
            _ => {
                return Err(failed(
                    2,
                    "compare takes `model`, or `models` (a list of one or more)",
                    Some("models".into()),
                ))
            }
        };
        let labels = labels(request.labels.as_deref(), models.len())?;
        for (model, label) in models.iter().zip(&labels) {
            args.push(write_model(folder, &format!("{label}.json"), model)?);
        }
    } else {
        let Some(model) = &request.model else {
            return Err(failed(
                2,
                "the request names no `model`",
                Some("model".into()),
            ));
        };
        args.push(write_model(folder, "model.json", model)?);
    }
    if command == "check" {
        let Some(plan) = &request.plan else {
            return Err(failed(
                2,
                "check takes a `plan`: text (`ROUND ACTION` lines) or JSON ({\"moves\": [...]})",
                Some("plan".into()),
            ));
        };
        let text = match plan {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        args.push(write(folder, "plan.txt", &text)?);
    }
    if command == "validate" {
        args.push(flag("format", "json"));
        args.push(flag("output", &output.display().to_string()));
        return Ok(args);
    }
    for scenario in &scenarios {
        args.push(flag("scenario", scenario));
    }
    for objective in &objectives {
        args.push(flag("objective", objective));
    }
    if let Some(horizon) = request.horizon {
        args.push(flag("horizon", &horizon.to_string()));
    }
    for force in &request.force {
        args.push(flag("force", force));
    }
    for forbid in &request.forbid {
        args.push(flag("forbid", forbid));
    }
    if let Some(conflicts) = request.conflicts {
        args.push(flag("conflicts", &conflicts.to_string()));
    }
    let time = request.time_limit.unwrap_or(DEFAULT_TIME);
    if !(time.is_finite() && time > 0.0) {
        return Err(failed(
            2,
            &format!("`time_limit` {time}: expected seconds above 0"),
            Some("time_limit".into()),
        ));
    }
    args.push(flag("time-limit", &time.min(limits.max_time).to_string()));
    let format = request.format.clone().unwrap_or_else(|| "json".into());
    args.push(flag("format", &format));
    args.push(flag("output", &output.display().to_string()));
    Ok(args)
}

/// The fields a command takes, and how much of each: a request may not
/// make a server do without end what one command line would not.
fn check_sizes(
    command: &str,
    request: &Request,
    scenarios: &[String],
    objectives: &[String],
) -> Result<(), Answer> {
    let refused = |message: String, path: &str| Err(failed(2, &message, Some(path.into())));
    let at_most = |what: &str, count: usize, most: usize| {
        if count > most {
            refused(
                format!("at most {most} `{what}` in one request, not {count}"),
                what,
            )
        } else {
            Ok(())
        }
    };
    at_most("scenario", scenarios.len(), MOST_VARIANTS)?;
    at_most("objective", objectives.len(), MOST_VARIANTS)?;
    at_most("force", request.force.len(), MOST_CHANGES)?;
    at_most("forbid", request.forbid.len(), MOST_CHANGES)?;
    at_most(
        "models",
        request.models.as_ref().map_or(0, Vec::len),
        MOST_MODELS,
    )?;
    if command == "compare" {
        let models = request.models.as_ref().map_or(1, Vec::len);
        let plans = models * scenarios.len().max(1) * objectives.len().max(1);
        if plans > MOST_PLANS {
            return refused(
                format!("compare makes at most {MOST_PLANS} plans in one request (models × scenarios × objectives), not {plans}"),
                "scenario",
            );
        }
    } else if scenarios.len() > 1 || objectives.len() > 1 || request.models.is_some() {
        return refused(
            format!(
                "{command} takes one `model`, `scenario` and `objective` (lists are for compare)"
            ),
            "scenario",
        );
    }
    if !matches!(command, "plan" | "explain" | "diagnose")
        && (!request.force.is_empty() || !request.forbid.is_empty())
    {
        return refused(format!("{command} takes no `force` or `forbid`"), "force");
    }
    if command != "diagnose" && request.conflicts.is_some() {
        return refused("only diagnose takes `conflicts`".into(), "conflicts");
    }
    if command != "check" && request.plan.is_some() {
        return refused(format!("{command} takes no `plan`"), "plan");
    }
    Ok(())
}

/// The labels of the models compared: the client's, or A, B, C, ….
fn labels(given: Option<&[String]>, count: usize) -> Result<Vec<String>, Answer> {
    let Some(given) = given else {
        return Ok((0..count)
            .map(|i| match u8::try_from(i).ok().filter(|&i| i < 26) {
                Some(i) => char::from(b'A' + i).to_string(),
                None => format!("model{i}"),
            })
            .collect());
    };
    let safe = |l: &String| {
        !l.is_empty()
            && l.len() <= 40
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if given.len() != count || !given.iter().all(safe) {
        return Err(failed(
            2,
            "`labels`: one per model, each of letters, digits, `_` and `-` (at most 40)",
            Some("labels".into()),
        ));
    }
    // Apart whatever the case (on some file systems `a` is `A`).
    let mut seen: Vec<String> = given.iter().map(|l| l.to_ascii_lowercase()).collect();
    seen.sort();
    seen.dedup();
    if seen.len() != given.len() {
        return Err(failed(
            2,
            "`labels`: each model its own",
            Some("labels".into()),
        ));
    }
    Ok(given.to_vec())
}

fn write_model(folder: &Path, name: &str, model: &Value) -> Result<String, Answer> {
    let text = match model {
        Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    write(folder, name, &text)
}

fn write(folder: &Path, name: &str, text: &str) -> Result<String, Answer> {
    let path: PathBuf = folder.join(name);
    std::fs::write(&path, text)
        .map_err(|e| failed(3, &format!("cannot write the request's {name}: {e}"), None))?;
    Ok(path.display().to_string())
}

/// Runs the command line `args`, its output written under `folder`.
fn run_in(args: &[String], folder: &Path) -> Answer {
    let cli = match <Cli as clap::Parser>::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let message = e.render().to_string();
            let first = message
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            return failed(2, first, None);
        }
    };
    // What the command would print on stderr (why there is no plan, say)
    // goes to the client, not to the server's terminal.
    let (result, said) = crate::progress::capturing(|| execute(&cli));
    match result {
        Ok(code) => {
            let body = std::fs::read_to_string(folder.join("output")).unwrap_or_default();
            Answer::Done { code, body, said }
        }
        Err(e) => {
            let path = error_path(&e);
            failed(e.exit_code(), &e.to_string(), path)
        }
    }
}

/// The field path an error is about, when it names one.
fn error_path(error: &Error) -> Option<String> {
    match error {
        Error::Invalid { problems, .. }
        | Error::InvalidPlan { problems, .. }
        | Error::InvalidHistory { problems, .. } => problems.first().map(|p| p.path.clone()),
        Error::Parse { message, .. } => message
            .strip_prefix("at `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(path, _)| path.to_owned()),
        _ => None,
    }
}
