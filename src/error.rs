//! Errors a user can act on, each with the exit code it maps to.

use std::fmt;

/// Everything that stops seqplan before or instead of a result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read `{path}`: {reason}")]
    Read { path: String, reason: String },
    /// A file is not valid JSON, or a value has the wrong JSON type.
    #[error("{file}:{line}:{column}: {message}{}", snippet_suffix(snippet))]
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
    /// A command-line argument does not fit the model.
    #[error("{0}")]
    Usage(String),
    /// The solver gave up on a numerical difficulty before finding any plan:
    /// a limit of the bundled solver on this model, not a verdict on it.
    #[error("no plan found: the solver failed on a numerical difficulty ({0}) before finding any plan; the `cbc` build (see the README) may succeed")]
    SolverGaveUp(String),
    /// seqplan itself is wrong (for example the solver returned a plan the
    /// simulator rejects). Never shown as a result.
    #[error("internal error: {0}\nthis is a bug in seqplan; please report it with the model")]
    Internal(String),
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

fn snippet_suffix(snippet: &Option<String>) -> String {
    snippet
        .as_ref()
        .map(|s| format!("\n{s}"))
        .unwrap_or_default()
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
