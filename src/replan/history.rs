//! Reading what has happened so far: the moves made, with their rounds and
//! whether each succeeded, the current round, and the meters observed now.
//! JSON, or text like the plans `check` reads:
//!
//! ```text
//! # what has happened
//! 1 intra_taliban_dialogue ok
//! 3 clerics_refrain failed
//! 4 amir_mandate pending
//! now 5
//! objection = 2.5
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::error::{did_you_mean, Error, Problem};
use crate::model::load::{parse_json, read_text};
use crate::model::{ActionIdx, MadeOutcome, MeterIdx, Model};

/// What has happened so far, as a user states it.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The first round still to plan; `None`: the round after the last
    /// move made (round 1 with none).
    pub now: Option<u32>,
    /// The moves made, in the order given.
    pub moves: Vec<MadeMove>,
    /// Meters observed now (after the round before the current one),
    /// replacing the model's account of them; each once (the last given).
    pub observed: Vec<(MeterIdx, f64)>,
}

/// One move made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MadeMove {
    pub action: ActionIdx,
    pub round: u32,
    pub outcome: MadeOutcome,
}

impl History {
    /// The first round still to plan.
    pub fn current_round(&self) -> u32 {
        self.now
            .unwrap_or_else(|| self.moves.iter().map(|m| m.round + 1).max().unwrap_or(1))
    }
}

/// Reads a history file: JSON when it starts with `{`, else text.
pub fn read_history(path: &Path, model: &Model) -> Result<History, Error> {
    let text = read_text(path)?;
    parse_history(&text, &path.display().to_string(), model)
}

/// Parses a history; `file` names it in error messages.
pub fn parse_history(text: &str, file: &str, model: &Model) -> Result<History, Error> {
    if text.trim_start().starts_with('{') {
        parse_json_history(text, file, model)
    } else {
        parse_text_history(text, file, model)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryFile {
    #[serde(default)]
    now: Option<i64>,
    #[serde(default)]
    moves: Vec<HistoryFileMove>,
    #[serde(default)]
    meters: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct HistoryFileMove {
    action: String,
    round: i64,
    #[serde(default)]
    outcome: Option<String>,
}

fn parse_json_history(text: &str, file: &str, model: &Model) -> Result<History, Error> {
    let raw: HistoryFile = parse_json(text, file)?;
    let mut problems = Vec::new();
    let mut moves = Vec::new();
    for (i, m) in raw.moves.iter().enumerate() {
        let at = format!("moves[{i}]");
        match made_move(model, &m.action, m.round, m.outcome.as_deref(), &at) {
            Ok(made) => moves.push(made),
            Err(problem) => problems.push(problem),
        }
    }
    let now = match raw.now {
        None => None,
        Some(now) => match round_of(now, "now") {
            Ok(round) => Some(round),
            Err(problem) => {
                problems.push(problem);
                None
            }
        },
    };
    let mut observed = Vec::new();
    for (id, value) in &raw.meters {
        let at = format!("meters.{id}");
        let number = value.as_f64().filter(|v| v.is_finite());
        match (meter_of(model, id, &at), number) {
            (Ok(meter), Some(v)) => observed.push((meter, v)),
            (Err(problem), _) => problems.push(problem),
            (Ok(_), None) => problems.push(Problem::new(
                at,
                format!("expected the meter's observed value as a number, found {value}"),
            )),
        }
    }
    finish(
        file,
        problems,
        History {
            now,
            moves,
            observed,
        },
    )
}

fn parse_text_history(text: &str, file: &str, model: &Model) -> Result<History, Error> {
    let mut problems = Vec::new();
    let mut history = History {
        now: None,
        moves: Vec::new(),
        observed: Vec::new(),
    };
    for (i, raw_line) in text.lines().enumerate() {
        let line = raw_line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let at = format!("line {}", i + 1);
        match text_line(model, line, &at) {
            Ok(Line::Move(made)) => history.moves.push(made),
            Ok(Line::Now(round)) => history.now = Some(round),
            Ok(Line::Observed(meter, value)) => history.observed.push((meter, value)),
            Err(problem) => problems.push(problem),
        }
    }
    finish(file, problems, history)
}

/// What one line of a text history says.
enum Line {
    Move(MadeMove),
    Now(u32),
    Observed(MeterIdx, f64),
}

fn text_line(model: &Model, line: &str, at: &str) -> Result<Line, Problem> {
    if let Some((id, value)) = line.split_once('=') {
        let (id, value) = (id.trim(), value.trim());
        let meter = meter_of(model, id, at)?;
        let number = value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                Problem::new(
                    at,
                    format!("expected `METER = VALUE` with a number, found `{value}`"),
                )
            })?;
        return Ok(Line::Observed(meter, number));
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["now", round] => {
            let round = round.parse::<i64>().map_err(|_| {
                Problem::new(at, format!("the round `{round}` is not a whole number"))
            })?;
            Ok(Line::Now(round_of(round, at)?))
        }
        [round, action] | [round, action, _] => {
            let outcome = words.get(2).copied();
            let round = round.parse::<i64>().map_err(|_| {
                Problem::new(at, format!("the round `{round}` is not a whole number"))
            })?;
            Ok(Line::Move(made_move(model, action, round, outcome, at)?))
        }
        _ => Err(Problem::new(
            at,
            format!(
                "expected `ROUND ACTION ok|failed`, `now ROUND` or `METER = VALUE`, found `{line}`"
            ),
        )),
    }
}

fn made_move(
    model: &Model,
    action: &str,
    round: i64,
    outcome: Option<&str>,
    at: &str,
) -> Result<MadeMove, Problem> {
    let index = model.action_index(action).ok_or_else(|| {
        let hint = did_you_mean(action, model.actions.iter().map(|a| a.id.as_str()));
        Problem::new(at, format!("unknown action `{action}`{hint}"))
    })?;
    let outcome = match outcome {
        None | Some("ok") => MadeOutcome::Succeeded,
        Some("failed") => MadeOutcome::Failed,
        Some("pending") => MadeOutcome::Pending,
        Some(other) => {
            return Err(Problem::new(
                at,
                format!("expected the outcome `ok`, `failed` or `pending`, found `{other}`"),
            ))
        }
    };
    Ok(MadeMove {
        action: index,
        round: round_of(round, at)?,
        outcome,
    })
}

/// A round of the history: a whole number from 1.
fn round_of(round: i64, at: &str) -> Result<u32, Problem> {
    u32::try_from(round)
        .ok()
        .filter(|&r| r >= 1)
        .ok_or_else(|| Problem::new(at, format!("the round {round} is not a round (1, 2, …)")))
}

fn meter_of(model: &Model, id: &str, at: &str) -> Result<MeterIdx, Problem> {
    model.meters.iter().position(|m| m.id == id).ok_or_else(|| {
        let hint = did_you_mean(id, model.meters.iter().map(|m| m.id.as_str()));
        Problem::new(at, format!("unknown meter `{id}`{hint}"))
    })
}

/// The observed meters, each once: where a meter is given twice, the
/// last value stands.
fn last_of_each(observed: Vec<(MeterIdx, f64)>) -> Vec<(MeterIdx, f64)> {
    let mut out: Vec<(MeterIdx, f64)> = Vec::new();
    for (meter, value) in observed {
        match out.iter_mut().find(|(m, _)| *m == meter) {
            Some(slot) => slot.1 = value,
            None => out.push((meter, value)),
        }
    }
    out
}

fn finish(file: &str, problems: Vec<Problem>, history: History) -> Result<History, Error> {
    if problems.is_empty() {
        Ok(History {
            observed: last_of_each(history.observed),
            ..history
        })
    } else {
        Err(Error::InvalidHistory {
            file: file.to_owned(),
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_model, validate};

    fn model() -> Model {
        let text = r#"{"seqplan": 1, "name": "t", "horizon": 6, "parties": [{"id": "p"}],
            "meters": [{"id": "trust", "initial": 1}],
            "actions": [{"id": "exchange", "by": "p"}, {"id": "talks", "by": "p"}]}"#;
        validate(&parse_model(text, "t").unwrap(), "t")
            .unwrap()
            .model
    }

    #[test]
    fn text_and_json_histories_say_the_same() {
        let m = model();
        let text =
            "# so far\n1 exchange ok\n3 talks failed  # vetoed\n2 talks\nnow 5\ntrust = 0.5\n";
        let json = r#"{"now": 5, "moves": [
            {"action": "exchange", "round": 1, "outcome": "ok"},
            {"action": "talks", "round": 3, "outcome": "failed"},
            {"action": "talks", "round": 2}],
            "meters": {"trust": 0.5}}"#;
        let from_text = parse_history(text, "h.txt", &m).unwrap();
        assert_eq!(from_text, parse_history(json, "h.json", &m).unwrap());
        assert_eq!(from_text.current_round(), 5);
        assert_eq!(
            from_text.moves[1],
            MadeMove {
                action: 1,
                round: 3,
                outcome: MadeOutcome::Failed
            }
        );
        assert_eq!(from_text.observed, vec![(0, 0.5)]);
        let plain = parse_history("2 talks\n4 exchange\n", "h", &m).unwrap();
        assert_eq!(plain.current_round(), 5);
        assert_eq!(parse_history("", "h", &m).unwrap().current_round(), 1);
    }

    #[test]
    fn bad_histories_name_every_place() {
        let m = model();
        let err = |t: &str| parse_history(t, "h", &m).unwrap_err().to_string();
        let all = err("1 exchnge ok\n2 talks maybe\n0 talks\nnow x\ntrst = 1\ntrust = high\nwhat is this line\n");
        for expected in [
            "line 1: unknown action `exchnge`; did you mean `exchange`?",
            "line 2: expected the outcome `ok`, `failed` or `pending`, found `maybe`",
            "line 3: the round 0 is not a round",
            "line 4: the round `x` is not a whole number",
            "line 5: unknown meter `trst`; did you mean `trust`?",
            "line 6: expected `METER = VALUE` with a number, found `high`",
            "line 7: expected `ROUND ACTION ok|failed`",
        ] {
            assert!(all.contains(expected), "{expected}\n{all}");
        }
        let json =
            err(r#"{"moves": [{"action": "talks", "round": -2}], "meters": {"trust": "x"}}"#);
        assert!(
            json.contains("moves[0]: the round -2 is not a round"),
            "{json}"
        );
        assert!(
            json.contains("meters.trust: expected the meter's observed value as a number"),
            "{json}"
        );
        assert!(err(r#"{"moves": [], "when": 3}"#).contains("unknown field `when`"));
    }
}
