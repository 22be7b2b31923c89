//! Checking a plan a person proposes: reading it (the JSON of "Plans as
//! data", needing only `moves`, or one `ROUND ACTION` per line), judging it
//! with the simulator, and measuring its gap to the optimum.

use std::path::Path;

use serde::Deserialize;

use crate::chance::Odds;
use crate::error::{did_you_mean, Error};
use crate::model::load::{parse_json, read_text};
use crate::model::{Instance, Model};
use crate::plan::{Move, Moves};
use crate::report::{PlanReport, Status};
use crate::simulate::{simulate, Evaluation};
use crate::solve::{plan, Outcome, SolveOptions};

/// A proposed plan judged against a model.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    pub moves: Moves,
    /// The simulator's verdict: every broken rule, meters, expectations.
    pub evaluation: Evaluation,
    /// The solve for the optimum to compare with: its plan (under a time
    /// limit, possibly the best found: see its `status`), no plan, or the
    /// time running out first.
    pub optimum: Outcome,
    /// How far the proposal is from the optimum, when it is valid and both
    /// meet every expectation at some round.
    pub gap: Option<Gap>,
    /// On a model where moves may fail, the chance the proposal works.
    pub odds: Option<Odds>,
}

impl CheckReport {
    /// Whether the proposal breaks no rule.
    pub fn is_valid(&self) -> bool {
        self.evaluation.is_valid()
    }

    /// The plan compared with, if the solve found one.
    pub fn optimum_plan(&self) -> Option<&PlanReport> {
        match &self.optimum {
            Outcome::Plan(report) => Some(report),
            Outcome::Infeasible | Outcome::Unknown => None,
        }
    }

    /// How the solve for the optimum ended.
    pub fn optimum_status(&self) -> Status {
        match &self.optimum {
            Outcome::Plan(report) => report.status,
            Outcome::Infeasible => Status::Infeasible,
            Outcome::Unknown => Status::Unknown,
        }
    }
}

/// The distance from a proposal to the optimum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    /// Rounds later than the optimum that every expectation is met.
    pub rounds_later: i64,
    /// Extra cost over the optimum.
    pub extra_cost: f64,
}

/// Judges `moves` on the instance and solves for the optimum to compare.
pub fn check(
    instance: &Instance,
    moves: Moves,
    options: &SolveOptions,
) -> Result<CheckReport, Error> {
    let evaluation = simulate(instance, &moves);
    let optimum = plan(instance, options)?;
    // An invalid plan is not ranked: its "met round" counts effects of
    // moves that break rules.
    let best = match &optimum {
        Outcome::Plan(best) if evaluation.is_valid() => Some(best),
        _ => None,
    };
    let gap = best.and_then(|best| {
        let mine = evaluation.met_round?;
        let theirs = best.evaluation.met_round?;
        Some(Gap {
            rounds_later: i64::from(mine) - i64::from(theirs),
            extra_cost: evaluation.cost - best.evaluation.cost,
        })
    });
    Ok(CheckReport {
        moves,
        evaluation,
        optimum,
        gap,
        odds: None,
    })
}

/// Reads a proposed plan file: JSON when it starts with `{`, else text.
pub fn read_plan(path: &Path, model: &Model) -> Result<Moves, Error> {
    let text = read_text(path)?;
    parse_plan(&text, &path.display().to_string(), model)
}

/// Parses a proposed plan; `file` names it in error messages.
pub fn parse_plan(text: &str, file: &str, model: &Model) -> Result<Moves, Error> {
    if text.trim().is_empty() {
        return Err(Error::Parse {
            file: file.to_owned(),
            line: 1,
            column: 1,
            message: "the file is empty: a plan is JSON ({\"moves\": [...]}) or one `ROUND ACTION` per line".to_owned(),
            snippet: None,
        });
    }
    if text.trim_start().starts_with('{') {
        parse_json_plan(text, file, model)
    } else {
        parse_text_plan(text, file, model)
    }
}

#[derive(Deserialize)]
struct PlanFile {
    moves: Vec<PlanFileMove>,
}

#[derive(Deserialize)]
struct PlanFileMove {
    action: String,
    round: i64,
}

fn parse_json_plan(text: &str, file: &str, model: &Model) -> Result<Moves, Error> {
    let plan: PlanFile = parse_json(text, file)?;
    let moves = plan
        .moves
        .iter()
        .enumerate()
        .map(|(i, m)| to_move(model, &m.action, m.round, file, &format!("moves[{i}]")))
        .collect::<Result<_, _>>()?;
    Ok(Moves::new(moves))
}

fn parse_text_plan(text: &str, file: &str, model: &Model) -> Result<Moves, Error> {
    let mut moves = Vec::new();
    for (i, raw_line) in text.lines().enumerate() {
        let line = raw_line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let at = format!("line {}", i + 1);
        let mut words = line.split_whitespace();
        let (Some(round), Some(action), None) = (words.next(), words.next(), words.next()) else {
            return Err(plan_error(
                file,
                &at,
                format!("expected `ROUND ACTION`, found `{line}`"),
            ));
        };
        let round = round.parse::<i64>().map_err(|_| {
            plan_error(
                file,
                &at,
                format!("the round `{round}` is not a whole number"),
            )
        })?;
        moves.push(to_move(model, action, round, file, &at)?);
    }
    Ok(Moves::new(moves))
}

fn to_move(model: &Model, action: &str, round: i64, file: &str, at: &str) -> Result<Move, Error> {
    let index = model.action_index(action).ok_or_else(|| {
        let hint = did_you_mean(action, model.actions.iter().map(|a| a.id.as_str()));
        plan_error(file, at, format!("unknown action `{action}`{hint}"))
    })?;
    let round = u32::try_from(round).map_err(|_| {
        plan_error(
            file,
            at,
            format!("the round {round} is not a whole number (0, 1, 2, …)"),
        )
    })?;
    Ok(Move {
        round,
        action: index,
    })
}

fn plan_error(file: &str, at: &str, message: String) -> Error {
    Error::InvalidPlan {
        file: file.to_owned(),
        problems: vec![crate::error::Problem::new(at, message)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_model, validate};

    fn model() -> Model {
        let text = r#"{"seqplan": 1, "name": "t", "horizon": 4, "parties": [{"id": "p"}],
            "actions": [{"id": "exchange", "by": "p"}, {"id": "talks", "by": "p"}]}"#;
        validate(&parse_model(text, "t").unwrap(), "t")
            .unwrap()
            .model
    }

    #[test]
    fn text_plans_allow_comments_and_blank_lines() {
        let moves = parse_plan(
            "# proposal\n2 talks\n\n1 exchange  # first\n",
            "p.txt",
            &model(),
        )
        .unwrap();
        assert_eq!(
            moves.as_slice(),
            &[
                Move {
                    round: 1,
                    action: 0
                },
                Move {
                    round: 2,
                    action: 1
                }
            ]
        );
    }

    #[test]
    fn json_plans_need_only_moves() {
        let text =
            r#"{"status": "optimal", "moves": [{"action": "talks", "round": 3, "party": "p"}]}"#;
        assert_eq!(
            parse_plan(text, "p.json", &model()).unwrap().as_slice(),
            &[Move {
                round: 3,
                action: 1
            }]
        );
    }

    #[test]
    fn bad_plans_name_the_place() {
        let m = model();
        let err = |t: &str| parse_plan(t, "p", &m).unwrap_err().to_string();
        assert!(
            err("1 exchnge").contains("line 1: unknown action `exchnge`; did you mean `exchange`?")
        );
        assert!(err("1.5 talks").contains("line 1: the round `1.5` is not a whole number"));
        assert!(err("talks").contains("line 1: expected `ROUND ACTION`"));
        assert!(err(r#"{"moves": [{"action": "talks", "round": 2.5}]}"#)
            .contains("at `moves[0].round`"));
        assert!(err(r#"{"moves": [{"action": "talks", "round": -1}]}"#)
            .contains("moves[0]: the round -1 is not a whole number"));
    }
}
