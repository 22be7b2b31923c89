//! The objective levels: `earliest` (the met round R, built with the
//! expectations), `cheapest`, `fewest` and `maximize`, then the tie-break.

use super::program::{common_step, Level, LinExpr};
use super::{Builder, View};
use crate::model::{MeterIdx, Model, Objective};

impl Builder<'_, '_> {
    /// The user's levels in order, then the tie-break: moves as early as
    /// possible (the smallest sum of start rounds).
    pub(super) fn levels(&mut self, views: &[View]) -> Vec<Level> {
        let model = self.first.model;
        let mut levels = Vec::new();
        for objective in &model.objective {
            let level = match objective {
                Objective::Earliest => Level {
                    objective: Some(objective.clone()),
                    expr: self.met_round(views),
                    maximize: false,
                    integral: true,
                    step: Some(1.0),
                },
                Objective::Cheapest => {
                    let integral = model.actions.iter().all(|a| a.cost.fract() == 0.0);
                    let step = common_step(model.actions.iter().map(|a| a.cost));
                    Level {
                        objective: Some(objective.clone()),
                        expr: self.per_move(|a| model.actions[a].cost),
                        maximize: false,
                        integral,
                        step: step.or(integral.then_some(1.0)),
                    }
                }
                Objective::Fewest => {
                    let expr = self.per_move(|_| 1.0);
                    Level {
                        objective: Some(objective.clone()),
                        expr,
                        maximize: false,
                        integral: true,
                        step: Some(1.0),
                    }
                }
                Objective::Maximize(weights) => {
                    // Summed over the scenarios (one in a plain plan); a
                    // reliability program's, in its nominal future.
                    let mut expr = LinExpr::default();
                    for view in views.iter().filter(|v| v.sample.is_none()) {
                        let at_h = view
                            .meters
                            .iter()
                            .map(|m| m[view.instance.horizon as usize]);
                        for (k, var) in at_h.enumerate() {
                            let Some(&(_, w)) = weights.iter().find(|(meter, _)| *meter == k)
                            else {
                                continue;
                            };
                            match var {
                                Some(v) => {
                                    expr.add(v, w);
                                }
                                None => expr.constant += w * view.instance.initial[k],
                            }
                        }
                    }
                    Level {
                        objective: Some(objective.clone()),
                        expr,
                        maximize: true,
                        integral: false,
                        step: maximize_step(self.first.model, views, weights),
                    }
                }
            };
            levels.push(level);
        }
        let tie_break = self
            .all_starts()
            .map(|(_, s, v)| (v, f64::from(s)))
            .collect();
        levels.push(Level {
            objective: None,
            expr: LinExpr {
                terms: tie_break,
                constant: 0.0,
            },
            maximize: false,
            integral: true,
            step: Some(1.0),
        });
        levels
    }
}

/// The spacing of a `maximize` level's values: without decay, a meter
/// at the horizon is its start plus the effects and events that landed,
/// so the weighted sum moves in steps of the weighted changes' common
/// divisor. A decaying meter has no such step.
fn maximize_step(model: &Model, views: &[View], weights: &[(MeterIdx, f64)]) -> Option<f64> {
    let mut changes = Vec::new();
    for &(k, w) in weights.iter().filter(|(_, w)| *w != 0.0) {
        if model.meters[k].decay != 0.0 {
            return None;
        }
        let effects = model.actions.iter().flat_map(|a| &a.effects);
        changes.extend(effects.filter(|e| e.meter == k).map(|e| w * e.add));
        for view in views.iter().filter(|v| v.sample.is_none()) {
            let events = view.instance.events.iter();
            changes.extend(events.filter(|e| e.meter == k).map(|e| w * e.add));
        }
    }
    common_step(changes)
}
