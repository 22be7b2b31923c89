//! A model with one scenario and the command line's overrides applied: the
//! concrete problem (horizon, initial values, events, deadlines, available
//! actions) that the solver and the simulator both read.

use super::{ActionIdx, Event, Model, RedLineKind};
use crate::error::{did_you_mean, Error, Usage};

/// What the command line changes on top of the model and its scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Scenario id; `None` or `"base"` for the model as written.
    pub scenario: Option<String>,
    /// Replaces the horizon (after the scenario's).
    pub horizon: Option<u32>,
    /// Action ids made unavailable, as a scenario's `forbid`.
    pub forbid: Vec<String>,
    /// `(action id, round)`: moves the plan must contain.
    pub force: Vec<(String, u32)>,
    /// The plan must be exactly the forced moves, nothing else: used to
    /// ask the solver whether one given plan is valid.
    pub only_forced: bool,
    /// The most action-rounds (actions × rounds) to accept; `None` means
    /// [`DEFAULT_MAX_SIZE`].
    pub max_size: Option<u64>,
}

/// The default cap on actions × rounds: each action-round is a variable of
/// the program, and far beyond this the pure-Rust solver cannot finish.
pub const DEFAULT_MAX_SIZE: u64 = 200_000;

/// Where an event of an instance is defined: the model's `events` or a
/// scenario's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSource {
    /// The scenario index, or `None` for the model's own events.
    pub scenario: Option<usize>,
    /// Index in that list.
    pub index: usize,
}

impl EventSource {
    /// JSON path of the event.
    pub fn path(&self) -> String {
        match self.scenario {
            Some(s) => format!("scenarios[{s}].events[{}]", self.index),
            None => format!("events[{}]", self.index),
        }
    }
}

/// The concrete problem: a model under one scenario and the overrides.
#[derive(Debug, Clone)]
pub struct Instance<'m> {
    pub model: &'m Model,
    /// Index of the scenario applied, if any.
    pub scenario: Option<usize>,
    /// H: rounds are 1..=H.
    pub horizon: u32,
    /// m\[0\] for each meter.
    pub initial: Vec<f64>,
    /// Base and scenario events within the horizon, in round order.
    pub events: Vec<Event>,
    /// Per action: made unavailable by the scenario or `--forbid`.
    pub forbidden: Vec<bool>,
    /// Per action: the last round it may start (clipped to H).
    pub latest: Vec<u32>,
    /// Per expectation: its deadline (scenario deadlines, clipped to H).
    pub by: Vec<u32>,
    /// Moves the plan must contain: in a replanned model the moves already
    /// made ([`Model::past`]) first, then `--force`, in the order given.
    pub forced: Vec<(ActionIdx, u32)>,
    /// Whether the forced moves are the whole plan.
    pub only_forced: bool,
    /// Per action, the only rounds it may start in, or `None` for any: a
    /// neighbourhood of the large-neighbourhood search, which fixes most
    /// of a plan and lets the solver rearrange the rest.
    pub only_starts: Option<Vec<Vec<u32>>>,
    /// Diagnosis: build the program so that every relaxable element
    /// (deadlines, red lines, limits, `latest`, forbids, events, forced
    /// moves) is a group of named rows that can be dropped on its own.
    pub relaxable: bool,
    /// Per event in [`Instance::events`], where the model defines it.
    pub event_sources: Vec<EventSource>,
    /// The overrides this instance was made with.
    pub overrides: Overrides,
}

impl<'m> Instance<'m> {
    /// Applies the scenario and overrides; unknown ids are usage errors.
    pub fn new(model: &'m Model, overrides: &Overrides) -> Result<Self, Error> {
        let scenario = match overrides.scenario.as_deref() {
            None | Some("base") => None,
            Some(id) => Some(model.scenario_index(id).ok_or_else(|| {
                let hint = did_you_mean(id, model.scenarios.iter().map(|s| s.id.as_str()));
                let known = if model.scenarios.is_empty() {
                    " (the model has no scenarios)".to_owned()
                } else {
                    format!(
                        " (known: base, {})",
                        model
                            .scenarios
                            .iter()
                            .map(|s| s.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                Error::Usage(Usage::UnknownScenario {
                    id: id.to_owned(),
                    hint,
                    known,
                })
            })?),
        };
        let chosen = scenario.map(|s| &model.scenarios[s]);
        let horizon = overrides
            .horizon
            .or(chosen.and_then(|s| s.horizon))
            .unwrap_or(model.horizon);
        if !(1..=super::validate::MAX_ROUNDS).contains(&horizon) {
            return Err(Usage::Horizon {
                max: super::validate::MAX_ROUNDS,
            }
            .into());
        }
        let size = model.actions.len() as u64 * u64::from(horizon);
        let max_size = overrides.max_size.unwrap_or(DEFAULT_MAX_SIZE);
        if size > max_size {
            return Err(Usage::TooLarge {
                actions: model.actions.len(),
                horizon,
                unit: model.round_unit.clone(),
                size,
                max_size,
            }
            .into());
        }
        let mut initial: Vec<f64> = model.meters.iter().map(|m| m.initial).collect();
        let mut events: Vec<(Event, EventSource)> = model
            .events
            .iter()
            .enumerate()
            .map(|(index, e)| {
                (
                    e.clone(),
                    EventSource {
                        scenario: None,
                        index,
                    },
                )
            })
            .collect();
        let mut forbidden = vec![false; model.actions.len()];
        let mut deadlines: Vec<Option<u32>> = model.expectations.iter().map(|e| e.by).collect();
        if let Some(s) = chosen {
            for &(m, v) in &s.initial {
                initial[m] = v;
            }
            events.extend(
                s.events
                    .iter()
                    .enumerate()
                    .map(|(index, e)| (e.clone(), EventSource { scenario, index })),
            );
            for &a in &s.forbid {
                forbidden[a] = true;
            }
            for &(e, by) in &s.deadlines {
                deadlines[e] = Some(by);
            }
        }
        events.retain(|(e, _)| e.round <= horizon);
        events.sort_by_key(|(e, _)| e.round);
        let (events, event_sources): (Vec<Event>, Vec<EventSource>) = events.into_iter().unzip();
        for id in &overrides.forbid {
            forbidden[action_by_id(model, id, "--forbid")?] = true;
        }
        // The moves already made of a replanned model are fixed first.
        let mut forced: Vec<(ActionIdx, u32)> = model
            .past
            .iter()
            .flat_map(|past| past.made.iter().map(|m| (m.fixed, m.round)))
            .collect();
        for (id, round) in &overrides.force {
            let a = action_by_id(model, id, "--force")?;
            if *round < model.first_kept_round() || *round > horizon {
                return Err(Usage::ForceOutside {
                    id: id.clone(),
                    round: *round,
                    first: model.first_kept_round(),
                    horizon,
                }
                .into());
            }
            forced.push((a, *round));
        }
        Ok(Instance {
            model,
            scenario,
            horizon,
            initial,
            events,
            forbidden,
            latest: model
                .actions
                .iter()
                .map(|a| a.latest.unwrap_or(horizon).min(horizon))
                .collect(),
            by: deadlines
                .iter()
                .map(|b| b.unwrap_or(horizon).min(horizon))
                .collect(),
            forced,
            only_forced: overrides.only_forced,
            only_starts: None,
            relaxable: false,
            event_sources,
            overrides: overrides.clone(),
        })
    }

    /// The scenario's id, if one is applied.
    pub fn scenario_id(&self) -> Option<&str> {
        self.scenario.map(|s| self.model.scenarios[s].id.as_str())
    }

    /// How many of [`Instance::forced`] are moves already made (first).
    pub fn made_count(&self) -> usize {
        self.model.past.as_ref().map_or(0, |past| past.made.len())
    }

    /// Whether a `never` red line rules this action out.
    pub fn is_never(&self, action: ActionIdx) -> bool {
        self.model
            .red_lines
            .iter()
            .any(|r| matches!(r.kind, RedLineKind::Never { action: a } if a == action))
    }

    /// Whether the action can be started at all (not forbidden, not `never`).
    pub fn is_available(&self, action: ActionIdx) -> bool {
        !self.forbidden[action] && !self.is_never(action)
    }
}

fn action_by_id(model: &Model, id: &str, flag: &'static str) -> Result<ActionIdx, Error> {
    model.action_index(id).ok_or_else(|| {
        let hint = did_you_mean(id, model.actions.iter().map(|a| a.id.as_str()));
        Error::Usage(Usage::UnknownAction {
            flag,
            id: id.to_owned(),
            hint,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_model, validate};

    fn model(actions: &str, extra: &str) -> Model {
        let text = format!(
            r#"{{"seqplan": 1, "name": "t", "horizon": 6, "parties": [{{"id": "p"}}],
                "actions": {actions} {extra}}}"#
        );
        validate(&parse_model(&text, "t").unwrap(), "t")
            .unwrap()
            .model
    }

    #[test]
    fn overrides_resolve_ids_with_hints() {
        let m = model(r#"[{"id": "exchange", "by": "p"}]"#, "");
        let force = Overrides {
            force: vec![("exchange".into(), 7)],
            ..Overrides::default()
        };
        let err = Instance::new(&m, &force).unwrap_err().to_string();
        assert!(err.contains("outside 1..6"), "{err}");
        let forbid = Overrides {
            forbid: vec!["exchang".into()],
            ..Overrides::default()
        };
        let err = Instance::new(&m, &forbid).unwrap_err().to_string();
        assert!(err.contains("did you mean `exchange`"), "{err}");
        let longer = Overrides {
            horizon: Some(9),
            ..Overrides::default()
        };
        let instance = Instance::new(&m, &longer).unwrap();
        assert_eq!(
            (instance.horizon, instance.latest[0]),
            (9, 9),
            "a default latest follows the horizon"
        );
    }
}
