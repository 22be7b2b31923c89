//! Replanning mid-way (`seqplan replan`): what has happened so far (the
//! moves made, whether each succeeded, the meters observed now) turned
//! into a model of its own, in the same rounds, that every stage plans,
//! checks and explains as it does any model.
//!
//! In the replanned model each move made is an action of its own with the
//! same id, fixed in its round ([`crate::model::Past`]): it costs and takes
//! its place under the limits, and lands its effects only if it succeeded.
//! The model's actions may be used only from the current round on, as many
//! more times as they have uses left, and their `requires`, the
//! `not_before` lines and the expectations on them read the first
//! successful use made, if any. Meters observed now replace the model's
//! account through an event in the round before. The meter red lines and
//! limits hold from the current round on; an expectation whose deadline
//! passed unmet is due by the horizon instead (overdue).

mod history;

pub use history::{parse_history, read_history, History, MadeMove};

use crate::error::{Error, Problem};
use crate::formulate::SOLVER_TOLERANCE;
use crate::model::{
    ActionIdx, Event, ExpectationKind, Instance, Made, MadeOutcome, Model, Overrides, Past,
    RedLineKind, Scenario,
};
use crate::plan::{Move, Moves};
use crate::simulate::simulate;

/// A model replanned from its history, with the actions the instance it
/// came from made unavailable (its scenario's `forbid` and `--forbid`):
/// [`Replanned::overrides`] makes its instance. The scenario it was
/// replanned in is applied already, and kept by name only.
#[derive(Debug, Clone, PartialEq)]
pub struct Replanned {
    pub model: Model,
    pub forbid: Vec<String>,
}

impl Replanned {
    /// The overrides of the replanned model's instance: the forbidden
    /// actions, `force` (ACTION, ROUND from the current round on) and the
    /// size cap.
    pub fn overrides(&self, force: Vec<(String, u32)>, max_size: Option<u64>) -> Overrides {
        Overrides {
            scenario: self.model.scenarios.first().map(|s| s.id.clone()),
            horizon: None,
            forbid: self.forbid.clone(),
            force,
            only_forced: false,
            max_size,
        }
    }
}

/// The model of `instance` (its scenario and overrides applied) replanned
/// from `history`; `file` names the history in error messages.
pub fn replanned(instance: &Instance, history: &History, file: &str) -> Result<Replanned, Error> {
    let now = history.current_round();
    check_fits(instance, history, now, file)?;
    let base = instance.model;
    let horizon = instance.horizon;
    let mut model = base.clone();
    model.horizon = horizon;
    // The scenario is applied already; it stays by name only, so that the
    // plan says which it is.
    model.scenarios = instance
        .scenario
        .map(|s| Scenario {
            id: base.scenarios[s].id.clone(),
            name: base.scenarios[s].name.clone(),
            events: Vec::new(),
            initial: Vec::new(),
            forbid: Vec::new(),
            horizon: None,
            deadlines: Vec::new(),
        })
        .into_iter()
        .collect();
    for (meter, &initial) in model.meters.iter_mut().zip(&instance.initial) {
        meter.initial = initial;
    }
    // The instance's events (scenario included, within the horizon); those
    // before now have happened as modelled.
    model.events = instance
        .events
        .iter()
        .map(|event| Event {
            chance: if event.round < now { 1.0 } else { event.chance },
            ..event.clone()
        })
        .collect();
    for (e, expectation) in model.expectations.iter_mut().enumerate() {
        expectation.by = Some(instance.by[e]);
    }
    let mut made_moves: Vec<MadeMove> = history.moves.clone();
    made_moves.sort_by_key(|m| (m.round, m.action));
    let made = fixed_moves(&mut model, &made_moves, now);
    limit_the_model_actions(&mut model, instance, &made, now);
    retarget(&mut model, &made);
    model.past = Some(Past {
        now,
        made,
        observed_events: Vec::new(),
        overdue: Vec::new(),
    });
    let forbid: Vec<String> = (0..base.actions.len())
        .filter(|&a| instance.forbidden[a])
        .map(|a| base.actions[a].id.clone())
        .collect();
    observe(&mut model, &history.observed, &forbid)?;
    mark_overdue(&mut model, &forbid)?;
    Ok(Replanned { model, forbid })
}

/// Every move made lies before the current round, which lies within the
/// horizon.
fn check_fits(instance: &Instance, history: &History, now: u32, file: &str) -> Result<(), Error> {
    let unit = &instance.model.round_unit;
    let mut problems = Vec::new();
    if now > instance.horizon {
        problems.push(Problem::new(
            "now",
            format!(
                "the current {unit} {now} is past the horizon ({unit} {}): nothing is left to plan",
                instance.horizon
            ),
        ));
    }
    for (i, m) in history.moves.iter().enumerate() {
        if m.round >= now {
            problems.push(Problem::new(
                format!("move {}", i + 1),
                format!(
                    "`{}` in {unit} {} is not before the current {unit} {now}: moves made come before now",
                    instance.model.actions[m.action].id, m.round
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidHistory {
            file: file.to_owned(),
            problems,
        })
    }
}

/// Appends an action for each move made, fixed in its round, and returns
/// them. A failed use lands nothing; an effect that landed before now is
/// the past, so its spread no longer varies.
fn fixed_moves(model: &mut Model, made_moves: &[MadeMove], now: u32) -> Vec<Made> {
    let mut made = Vec::new();
    for m in made_moves {
        let original = model.actions[m.action].clone();
        let completion = m.round + original.duration - 1;
        let effects = if m.outcome == MadeOutcome::Failed {
            Vec::new()
        } else {
            original
                .effects
                .iter()
                .map(|effect| crate::model::Effect {
                    spread: if completion + effect.delay < now {
                        0.0
                    } else {
                        effect.spread
                    },
                    ..*effect
                })
                .collect()
        };
        // An outcome still pending is left to chance, as the move's own.
        let success = if m.outcome == MadeOutcome::Pending {
            original.success
        } else {
            1.0
        };
        let fixed = model.actions.len();
        model.actions.push(crate::model::Action {
            uses: 1,
            earliest: m.round,
            latest: Some(m.round),
            requires: Vec::new(),
            when: Vec::new(),
            effects,
            success,
            ..original
        });
        made.push(Made {
            action: m.action,
            fixed,
            round: m.round,
            outcome: m.outcome,
        });
    }
    made
}

/// The model's own actions from now on: the uses left, no start before
/// now, none while a use made is still in progress, and none after the
/// instance's `latest`.
fn limit_the_model_actions(model: &mut Model, instance: &Instance, made: &[Made], now: u32) {
    for a in 0..instance.model.actions.len() {
        let mut earliest = model.actions[a].earliest.max(now);
        let mut used = 0;
        for m in made.iter().filter(|m| m.action == a) {
            used += 1;
            let end = m.round + model.actions[a].duration;
            if model.actions[a].duration > 1 && end > now {
                earliest = earliest.max(end);
            }
        }
        let action = &mut model.actions[a];
        action.uses = action.uses.saturating_sub(used);
        action.earliest = earliest;
        action.latest = Some(instance.latest[a]);
    }
}

/// The `requires`, `not_before` lines and action expectations on an
/// action with a successful use made read that use's completion instead:
/// the first, and no new use of the action can complete before it. With
/// none, a use still pending is read (its chance decides), the first.
fn retarget(model: &mut Model, made: &[Made]) {
    // Per action: the completion and the action of the use read, and
    // whether it is only pending.
    let mut first_done: Vec<Option<(u32, ActionIdx, bool)>> = vec![None; model.actions.len()];
    for m in made {
        let pending = match m.outcome {
            MadeOutcome::Succeeded => false,
            MadeOutcome::Pending => true,
            MadeOutcome::Failed => continue,
        };
        let completion = m.round + model.actions[m.action].duration - 1;
        let slot = &mut first_done[m.action];
        let better = match *slot {
            None => true,
            // A success beats anything pending; otherwise the earlier.
            Some((c, _, was_pending)) => {
                (was_pending && !pending) || (was_pending == pending && completion < c)
            }
        };
        if better {
            *slot = Some((completion, m.fixed, pending));
        }
    }
    let target = |a: ActionIdx| first_done[a].map_or(a, |(_, fixed, _)| fixed);
    for action in &mut model.actions {
        for requirement in &mut action.requires {
            requirement.action = target(requirement.action);
        }
    }
    for line in &mut model.red_lines {
        if let RedLineKind::NotBefore { before, .. } = &mut line.kind {
            *before = target(*before);
        }
    }
    for expectation in &mut model.expectations {
        if let ExpectationKind::Action(a) = &mut expectation.kind {
            *a = target(*a);
        }
    }
}

/// The meters as the moves made leave them, round by round, with nothing
/// else done.
fn past_meters(model: &Model, forbid: &[String]) -> Result<Vec<Vec<f64>>, Error> {
    let overrides = Overrides {
        forbid: forbid.to_vec(),
        max_size: Some(u64::MAX),
        ..Overrides::default()
    };
    let instance = Instance::new(model, &overrides)?;
    let moves: Vec<Move> = instance
        .forced
        .iter()
        .map(|&(action, round)| Move { round, action })
        .collect();
    Ok(simulate(&instance, &Moves::new(moves)).meters)
}

/// The meters observed now replace the model's account of them: the
/// initial value when nothing has been played, else an event in the round
/// before now that adds the difference.
fn observe(model: &mut Model, observed: &[(usize, f64)], forbid: &[String]) -> Result<(), Error> {
    let Some(now) = model.past.as_ref().map(|past| past.now) else {
        return Ok(());
    };
    if now == 1 {
        for &(meter, value) in observed {
            model.meters[meter].initial = value;
        }
        return Ok(());
    }
    let meters = past_meters(model, forbid)?;
    let mut events = Vec::new();
    for &(meter, value) in observed {
        let add = value - meters[meter][(now - 1) as usize];
        events.push(model.events.len());
        model.events.push(Event {
            round: now - 1,
            meter,
            add,
            name: Some(format!("observed {}", model.meters[meter].id)),
            chance: 1.0,
        });
    }
    if let Some(past) = &mut model.past {
        past.observed_events = events;
    }
    Ok(())
}

/// Marks overdue the expectations whose deadline passed unmet (a meter
/// outside its band in a round from the deadline to now − 1, an action not
/// completed by then), and those on an action whose use made completes
/// after the deadline: due by the horizon instead. The rounds past are
/// judged with the program's own tolerance, so that an expectation not
/// overdue is one the program can still meet.
fn mark_overdue(model: &mut Model, forbid: &[String]) -> Result<(), Error> {
    let Some(now) = model.past.as_ref().map(|past| past.now) else {
        return Ok(());
    };
    let meters = past_meters(model, forbid)?;
    let horizon = model.horizon;
    let mut overdue = Vec::new();
    for (e, expectation) in model.expectations.iter().enumerate() {
        let by = expectation.by.unwrap_or(horizon);
        let missed = match expectation.kind {
            ExpectationKind::Action(a) => match model.made(a) {
                Some(made) => made.round + model.actions[a].duration - 1 > by,
                None => by < now,
            },
            ExpectationKind::Meter { meter, band } => (by..now).any(|t| {
                let value = meters[meter][t as usize];
                band.at_least.is_some_and(|l| value < l - SOLVER_TOLERANCE)
                    || band.at_most.is_some_and(|u| value > u + SOLVER_TOLERANCE)
            }),
        };
        if missed {
            overdue.push(e);
        }
    }
    for &e in &overdue {
        model.expectations[e].by = Some(horizon);
    }
    if let Some(past) = &mut model.past {
        past.overdue = overdue;
    }
    Ok(())
}

/// The moves of a replanned model's plan as the original model's: each
/// move made as a use of its action (in its round), then the new moves.
pub fn original_moves(model: &Model, moves: &Moves) -> Moves {
    Moves::new(
        moves
            .as_slice()
            .iter()
            .map(|m| Move {
                round: m.round,
                action: model.made(m.action).map_or(m.action, |made| made.action),
            })
            .collect(),
    )
}
