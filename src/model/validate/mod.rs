//! Validation: turns a [`RawModel`] into a [`Model`] with every id resolved
//! to an index, or lists every rule of the format it breaks, each with its
//! JSON path.

use std::collections::HashMap;

use super::raw::RawModel;
use super::{repeated_level, Action, Model, Objective, Party};
use crate::error::{did_you_mean, Error, Problem};

mod goals;
mod moves;
mod scenarios;
mod text;

use text::shown_safely;

/// The largest magnitude of a meter quantity (initial value, effect,
/// event, level, weight).
pub const MAX_METER_VALUE: f64 = 1e5;

/// The largest magnitude of a cost or cost cap.
pub const MAX_COST: f64 = 1e9;

/// The largest horizon, duration, lag or delay a model may use (rounds).
pub const MAX_ROUNDS: u32 = 10_000;

/// A model that passed validation, with the warnings its text deserves
/// (control characters shown escaped); [`crate::warnings`] adds those about
/// what the model means.
#[derive(Debug, Clone)]
pub struct Validated {
    pub model: Model,
    pub warnings: Vec<Warning>,
}

/// Something legal but probably not what the author meant.
pub type Warning = Problem;

/// Validates `raw`; `file` names the source in the error.
pub fn validate(raw: &RawModel, file: &str) -> Result<Validated, Error> {
    let mut raw = raw.clone();
    let text_warnings = shown_safely(&mut raw);
    let mut checker = Checker::default();
    let model = checker.model(&raw);
    if !checker.problems.is_empty() {
        return Err(Error::Invalid {
            file: file.to_owned(),
            problems: checker.problems,
        });
    }
    Ok(Validated {
        model,
        warnings: text_warnings,
    })
}

/// Ids of one list, for resolving references with "did you mean" hints.
struct Ids<'a> {
    kind: &'static str,
    index: HashMap<&'a str, usize>,
    all: Vec<&'a str>,
}

impl<'a> Ids<'a> {
    fn new(kind: &'static str, ids: impl Iterator<Item = &'a str>) -> Self {
        let all: Vec<&str> = ids.collect();
        let mut index = HashMap::new();
        for (i, id) in all.iter().enumerate() {
            index.entry(*id).or_insert(i);
        }
        Ids { kind, index, all }
    }
}

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn resolve(&mut self, ids: &Ids, id: &str, path: &str) -> usize {
        if let Some(&i) = ids.index.get(id) {
            i
        } else {
            let hint = did_you_mean(id, ids.all.iter().copied());
            self.error(path, format!("unknown {} `{id}`{hint}", ids.kind));
            0
        }
    }

    fn check_ids<'a>(&mut self, list: &str, ids: impl Iterator<Item = &'a str>) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.enumerate() {
            let path = format!("{list}[{i}].id");
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                self.error(&path, format!("id `{id}` must match [a-z0-9_]+"));
            }
            if let Some(first) = seen.insert(id, i) {
                self.error(
                    &path,
                    format!("duplicate id `{id}` (first used at {list}[{first}])"),
                );
            }
        }
    }

    /// Rounds, durations, lags and delays stay below [`MAX_ROUNDS`], so
    /// round arithmetic never overflows and memory stays bounded.
    fn at_most_max_rounds(&mut self, value: u32, path: &str, what: &str) {
        if value > MAX_ROUNDS {
            self.error(
                path,
                format!("{what} of {value} rounds is above the limit of {MAX_ROUNDS}"),
            );
        }
    }

    fn round_in(&mut self, round: u32, horizon: u32, path: &str) {
        if round < 1 || round > horizon {
            self.error(
                path,
                format!("round {round} is outside 1..{horizon} (the horizon)"),
            );
        }
    }

    fn model(&mut self, raw: &RawModel) -> Model {
        if raw.seqplan != 1 {
            self.error(
                "seqplan",
                format!(
                    "format version {} is not supported; expected 1",
                    raw.seqplan
                ),
            );
        }
        if raw.horizon < 1 {
            self.error("horizon", "the horizon must be at least 1 round");
        }
        self.at_most_max_rounds(raw.horizon, "horizon", "the horizon");
        let horizon = raw.horizon.clamp(1, MAX_ROUNDS);
        if raw.parties.is_empty() {
            self.error("parties", "at least one party is required");
        }
        if raw.actions.is_empty() {
            self.error("actions", "at least one action is required");
        }
        self.check_ids("parties", raw.parties.iter().map(|p| p.id.as_str()));
        self.check_ids("meters", raw.meters.iter().map(|m| m.id.as_str()));
        self.check_ids("actions", raw.actions.iter().map(|a| a.id.as_str()));
        self.check_ids(
            "expectations",
            raw.expectations.iter().map(|e| e.id.as_str()),
        );
        self.check_ids("red_lines", raw.red_lines.iter().map(|r| r.id.as_str()));
        self.check_ids("scenarios", raw.scenarios.iter().map(|s| s.id.as_str()));
        for (i, scenario) in raw.scenarios.iter().enumerate() {
            if scenario.id == "base" {
                self.error(
                    format!("scenarios[{i}].id"),
                    "`base` names the model without a scenario; choose another id",
                );
            }
        }

        self.magnitudes(raw);
        let parties = Ids::new("party", raw.parties.iter().map(|p| p.id.as_str()));
        let meters = Ids::new("meter", raw.meters.iter().map(|m| m.id.as_str()));
        let actions = Ids::new("action", raw.actions.iter().map(|a| a.id.as_str()));
        let expectation_ids = Ids::new(
            "expectation",
            raw.expectations.iter().map(|e| e.id.as_str()),
        );
        let refs = Refs {
            parties: &parties,
            meters: &meters,
            actions: &actions,
        };

        let meter_list = raw
            .meters
            .iter()
            .enumerate()
            .map(|(i, m)| self.meter(m, i))
            .collect();
        let action_list: Vec<Action> = raw
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| self.action(a, i, horizon, &refs))
            .collect();
        self.requires_cycles(&action_list);
        let together = raw
            .together
            .iter()
            .enumerate()
            .map(|(i, g)| self.together_group(g, i, &actions))
            .collect();
        let events = raw
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| self.event(e, &format!("events[{i}]"), horizon, &meters))
            .collect();
        let expectations = raw
            .expectations
            .iter()
            .enumerate()
            .map(|(i, e)| self.expectation(e, i, horizon, &refs))
            .collect();
        let red_lines = raw
            .red_lines
            .iter()
            .enumerate()
            .map(|(i, r)| self.red_line(r, i, &refs))
            .collect();
        let limits = raw
            .limits
            .as_ref()
            .map(|l| self.limits(l, &parties))
            .unwrap_or_default();
        let objective = match &raw.objective {
            Some(levels) => levels
                .iter()
                .enumerate()
                .map(|(i, o)| self.objective(o, i, &meters))
                .collect(),
            None => vec![Objective::Earliest, Objective::Cheapest],
        };
        if let Some((first, again)) = repeated_level(&objective) {
            self.error(
                format!("objective[{again}]"),
                format!("this level repeats objective[{first}]: once that one is at its optimum this one is settled too, so it cannot break ties"),
            );
        }
        let scenarios = raw
            .scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| self.scenario(s, i, horizon, &meters, &actions, &expectation_ids))
            .collect();
        let model = Model {
            name: raw.name.clone(),
            summary: raw.summary.clone(),
            source: raw.source.clone(),
            horizon,
            round_unit: raw.round.clone().unwrap_or_else(|| "round".to_owned()),
            parties: raw
                .parties
                .iter()
                .map(|p| Party {
                    id: p.id.clone(),
                    name: p.name.clone().unwrap_or_else(|| p.id.clone()),
                })
                .collect(),
            meters: meter_list,
            actions: action_list,
            together,
            events,
            expectations,
            red_lines,
            limits,
            objective,
            scenarios,
            past: None,
        };
        if self.problems.is_empty() {
            self.initial_values_within_red_lines(&model);
        }
        model
    }
}

struct Refs<'a, 'b> {
    parties: &'a Ids<'b>,
    meters: &'a Ids<'b>,
    actions: &'a Ids<'b>,
}
