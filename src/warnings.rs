//! The warnings of a legal model that is probably not what its author
//! meant (DESIGN.md): actions that can never start, groups that can never
//! start together, meters nothing changes, expectations met with no move,
//! effects that land after the horizon. They need the instance, its start
//! windows and the simulator, so they live above the model, and the command
//! line adds them to the warnings validation found in the model's text.

use crate::model::{ExpectationKind, Instance, Model, Overrides, Validated, Warning};

/// Every warning a loaded model deserves: those of its text, then those of
/// what it means.
pub fn all(validated: &Validated) -> Vec<Warning> {
    let mut out = validated.warnings.clone();
    out.extend(of(&validated.model));
    out
}

/// The warnings of DESIGN.md, computed on the base model.
pub fn of(model: &Model) -> Vec<Warning> {
    let mut out = Vec::new();
    let Ok(instance) = Instance::new(model, &Overrides::default()) else {
        return out;
    };
    let windows = crate::presolve::start_windows(&instance);
    for (a, action) in model.actions.iter().enumerate() {
        if windows[a].is_none() && !instance.is_never(a) {
            out.push(Warning::new(
                format!("actions[{a}]"),
                format!(
                    "action `{}` can never start and complete within the horizon (its window, duration or requirements leave no round)",
                    action.id
                ),
            ));
        }
    }
    for (a, action) in model.actions.iter().enumerate() {
        let Some((first, _)) = windows[a] else {
            continue;
        };
        for (j, effect) in action.effects.iter().enumerate() {
            let lands = first + action.duration - 1 + effect.delay;
            if lands > instance.horizon {
                out.push(Warning::new(
                    format!("actions[{a}].effects[{j}]"),
                    format!(
                        "this effect of `{}` lands in round {lands} at the earliest, after the horizon ({}): it never counts (shorten `delay` or extend the horizon)",
                        action.id, instance.horizon
                    ),
                ));
            }
        }
    }
    for (i, scenario) in model.scenarios.iter().enumerate() {
        let overrides = Overrides {
            scenario: Some(scenario.id.clone()),
            ..Overrides::default()
        };
        let Ok(variant) = Instance::new(model, &overrides) else {
            continue;
        };
        for (a, window) in crate::presolve::start_windows(&variant).iter().enumerate() {
            if window.is_none() && windows[a].is_some() && !variant.forbidden[a] {
                out.push(Warning::new(
                    format!("scenarios[{i}]"),
                    format!("in scenario `{}`, action `{}` can never start and complete within the horizon", scenario.id, model.actions[a].id),
                ));
            }
        }
    }
    for (g, group) in model.together.iter().enumerate() {
        for &a in group {
            for r in &model.actions[a].requires {
                if r.lag >= 1 && group.contains(&r.action) {
                    out.push(Warning::new(
                        format!("together[{g}]"),
                        format!(
                            "`{}` requires `{}` with lag {} but they must start together: neither can ever be taken",
                            model.actions[a].id, model.actions[r.action].id, r.lag
                        ),
                    ));
                }
            }
        }
    }
    let mut changed = vec![false; model.meters.len()];
    for action in &model.actions {
        for e in &action.effects {
            changed[e.meter] |= e.add != 0.0;
        }
    }
    let scenario_events = model.scenarios.iter().flat_map(|s| s.events.iter());
    for e in model.events.iter().chain(scenario_events) {
        changed[e.meter] |= e.add != 0.0;
    }
    for (m, meter) in model.meters.iter().enumerate() {
        let decays = meter.decay > 0.0
            && (meter.initial != 0.0
                || model
                    .scenarios
                    .iter()
                    .any(|s| s.initial.iter().any(|&(i, v)| i == m && v != 0.0)));
        if !changed[m] && !decays {
            out.push(Warning::new(
                format!("meters[{m}]"),
                format!(
                    "nothing changes meter `{}`: no effect or event touches it",
                    meter.id
                ),
            ));
        }
    }
    let idle = crate::simulate::simulate(&instance, &crate::plan::Moves::default());
    for (e, expectation) in model.expectations.iter().enumerate() {
        // A ceiling met before any move is the usual state of a cap; a
        // floor met already asks for nothing.
        if let ExpectationKind::Meter { band, .. } = expectation.kind {
            if band.at_least.is_none() {
                continue;
            }
            if idle.expectations[e].met_round == Some(1) {
                out.push(Warning::new(
                    format!("expectations[{e}]"),
                    format!(
                        "expectation `{}` is already met at round 1 with no move",
                        expectation.id
                    ),
                ));
            }
        }
    }
    out
}
