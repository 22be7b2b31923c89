//! Errors a user can act on, each with the exit code it maps to.

use std::fmt;

/// Everything that stops seqplan before or instead of a result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read `{path}`: {reason}")]
    Read { path: String, reason: String },
    /// A file is not valid JSON, or a value has the wrong JSON type.
    #[error("{file}:{line}:{column}: {message}{}", snippet_suffix(snippet.as_ref()))]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
        snippet: Option<String>,
    },
    /// The JSON is well formed but the model breaks the format's rules.
    #[error("{file}: invalid model:\n{}", list(problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
    /// A proposed plan (for `check`) cannot be read as moves of the model.
    #[error("{file}: invalid plan:\n{}", list(problems))]
    InvalidPlan {
        file: String,
        problems: Vec<Problem>,
    },
    /// What has happened so far (for `replan`) cannot be read as moves
    /// and meters of the model, or does not fit it.
    #[error("{file}: invalid history:\n{}", list(problems))]
    InvalidHistory {
        file: String,
        problems: Vec<Problem>,
    },
    /// A command line that cannot be run as typed.
    #[error(transparent)]
    Usage(#[from] Usage),
    /// A command-line argument that does not fit the model in `file`.
    #[error("{file}: {usage}")]
    UsageIn { file: String, usage: Usage },
    /// An output could not be written (`target` names it: a file in
    /// backticks, or `to stdout`).
    #[error("cannot write {target}: {reason}")]
    Write { target: String, reason: String },
    /// The solver gave up on a numerical difficulty before finding any plan:
    /// a limit of the bundled solver on this model, not a verdict on it.
    #[error("no plan found: the solver failed on a numerical difficulty ({0}) before finding any plan; another solver may succeed (`--solver highs` in a build with HiGHS: see the README)")]
    SolverGaveUp(String),
    /// seqplan itself is wrong (for example the solver returned a plan the
    /// simulator rejects). Never shown as a result.
    #[error("internal error: {0}\nthis is a bug in seqplan; please report it with the model")]
    Internal(String),
}

/// What is wrong with a command line, with what was typed and what was
/// expected; each variant words one mistake.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Usage {
    /// `--scenario` names no scenario of the model.
    #[error("unknown scenario `{id}`{hint}{known}")]
    UnknownScenario {
        id: String,
        /// ` (did you mean …?)` or empty.
        hint: String,
        /// ` (known: base, …)` or empty.
        known: String,
    },
    /// `--forbid` or `--force` names no action of the model.
    #[error("{flag}: unknown action `{id}`{hint}")]
    UnknownAction {
        flag: &'static str,
        id: String,
        hint: String,
    },
    /// `--horizon` outside the rounds a model may have.
    #[error("--horizon must be between 1 and {max}")]
    Horizon { max: u32 },
    /// More action-rounds than `--max-size` allows.
    #[error("the model is too large to plan: {actions} actions over {horizon} {unit}s make {size} action-{unit}s, above the limit of {max_size} (each is a variable of the program); raise the limit with --max-size {size}, or plan fewer actions or a shorter horizon")]
    TooLarge {
        actions: usize,
        horizon: u32,
        unit: String,
        size: u64,
        max_size: u64,
    },
    /// `--force` not of the form `ACTION@ROUND`.
    #[error("--force {text}: expected ACTION@ROUND, e.g. offer_plan@3")]
    Force { text: String },
    /// `--force` at a round outside the horizon (or, when replanning,
    /// before the current round).
    #[error("--force {id}@{round}: round {round} is outside {first}..{horizon}")]
    ForceOutside {
        id: String,
        round: u32,
        first: u32,
        horizon: u32,
    },
    /// `--time-limit` not a number of seconds in (0, a week].
    #[error(
        "--time-limit {seconds:?}: expected a number of seconds above 0 and at most {max} (a week)"
    )]
    TimeLimit { seconds: f64, max: f64 },
    /// `--reliability` not a share in (0, 1].
    #[error("--reliability {level}: expected the share of futures the plan must work in, above 0 and at most 1 (0.9 for nine in ten)")]
    Reliability { level: f64 },
    /// `replan --robust`: a history is one path, planned in one scenario.
    #[error("replan plans one scenario from what has happened: --robust is for `plan`")]
    ReplanRobust,
    /// `--effort` with a backend whose work it does not count.
    #[error("--effort counts microlp's branch-and-bound nodes: with --solver {solver}, bound the solve with --time-limit")]
    EffortNeedsMicrolp { solver: &'static str },
    /// A `maximize:METER=WEIGHT` level whose weight is not a number.
    #[error("--objective {text}: the weight must be a number")]
    ObjectiveWeight { text: String },
    /// A `maximize:METER` level naming no meter of the model.
    #[error("--objective {text}: unknown meter `{id}`{hint}")]
    ObjectiveMeter {
        text: String,
        id: String,
        hint: String,
    },
    /// An objective level of no known form.
    #[error("--objective: unknown level `{text}`{hint} (expected earliest, cheapest, fewest or maximize:METER[=WEIGHT])")]
    ObjectiveLevel { text: String, hint: String },
    /// A level that cannot break the ties of an earlier one.
    #[error("--objective: level {again} repeats level {first} (`{level}`): once that one is at its optimum this one is settled too, so it cannot break ties")]
    RepeatedLevel {
        /// Both counted from 1.
        first: usize,
        again: usize,
        level: String,
    },
    /// `plan` with several `--scenario` but without `--robust`.
    #[error(
        "several --scenario: give one, or add --robust for one plan that holds in all of them"
    )]
    SeveralScenarios,
    /// `--within` not a percentage of 0 or more.
    #[error("--within {percent}: expected a percentage of 0 or more")]
    Within { percent: f64 },
    /// `compare` with fewer than two plans to show.
    #[error("compare needs two or more plans: give several models, or --scenario or --objective more than once")]
    CompareNeedsTwo,
    /// A count above what the flag allows.
    #[error("--{flag} {value}: at most {max}")]
    AtMost {
        flag: &'static str,
        value: u64,
        max: u64,
    },
    /// `generate` asked for an empty model.
    #[error("generate needs at least 1 action, 1 round and 1 party")]
    EmptyModel,
    /// `--output` names one of the command's inputs.
    #[error("--output `{output}` is the input `{input}`: writing there would destroy it; choose another file")]
    OutputIsInput { output: String, input: String },
}

/// One rule a model breaks, located by its JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, e.g. `actions[3].effects[0].meter`.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn snippet_suffix(snippet: Option<&String>) -> String {
    snippet.map(|s| format!("\n{s}")).unwrap_or_default()
}

impl Error {
    /// The process exit code: 2 for bad input, 1 when the solver gave up
    /// (no plan found), 3 for an internal error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Internal(_) => 3,
            Error::SolverGaveUp(_) => 1,
            _ => 2,
        }
    }
}

/// The id in `candidates` nearest to `wanted`, when it is near enough to be a
/// plausible typo.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // A short word is two edits from many others ("id" from "add"):
    // only one edit counts as a typo there.
    let length = wanted.chars().count();
    let limit = if length <= 3 { 1 } else { (length / 3).max(2) };
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(wanted, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c.len()))
        .map(|(_, c)| c)
}

/// "; did you mean `x`?" when a near id exists, else "".
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(wanted, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_typos_and_ignores_strangers() {
        let ids = ["offer_plan", "reopen_secondary", "monitoring"];
        assert_eq!(nearest("ofer_plan", ids), Some("offer_plan"));
        assert_eq!(nearest("monitorign", ids), Some("monitoring"));
        assert_eq!(nearest("zzz", ids), None);
        assert_eq!(nearest("id", ["round", "meter", "add"]), None);
        assert_eq!(nearest("ad", ["round", "meter", "add"]), Some("add"));
    }
}
