//! Scenarios, the starting values against the red lines, and the
//! magnitudes the solver can hold without losing precision.

use crate::error::Problem;
use crate::model::raw::{RawModel, RawObjective, RawScenario};
use crate::model::{Model, RedLineKind, Scenario};

use super::{Checker, Ids, MAX_COST, MAX_METER_VALUE, MAX_ROUNDS};

impl Checker {
    pub(super) fn scenario(
        &mut self,
        raw: &RawScenario,
        i: usize,
        base_horizon: u32,
        meters: &Ids,
        actions: &Ids,
        expectations: &Ids,
    ) -> Scenario {
        let path = format!("scenarios[{i}]");
        if raw.horizon == Some(0) {
            self.error(
                format!("{path}.horizon"),
                "the horizon must be at least 1 round",
            );
        }
        if let Some(h) = raw.horizon {
            self.at_most_max_rounds(h, &format!("{path}.horizon"), "the horizon");
        }
        let horizon = raw.horizon.unwrap_or(base_horizon).clamp(1, MAX_ROUNDS);
        let events = raw
            .events
            .iter()
            .enumerate()
            .map(|(j, e)| self.event(e, &format!("{path}.events[{j}]"), horizon, meters))
            .collect();
        let initial = raw
            .initial
            .iter()
            .map(|(id, &v)| (self.resolve(meters, id, &format!("{path}.initial.{id}")), v))
            .collect();
        let forbid = raw
            .forbid
            .iter()
            .enumerate()
            .map(|(j, id)| self.resolve(actions, id, &format!("{path}.forbid[{j}]")))
            .collect();
        let deadlines = raw
            .deadlines
            .iter()
            .map(|(id, &by)| {
                let dpath = format!("{path}.deadlines.{id}");
                self.round_in(by, horizon, &dpath);
                (self.resolve(expectations, id, &dpath), by)
            })
            .collect();
        Scenario {
            id: raw.id.clone(),
            name: raw.name.clone().unwrap_or_else(|| raw.id.clone()),
            events,
            initial,
            forbid,
            horizon: raw.horizon,
            deadlines,
        }
    }

    /// Initial values that already cross a meter red line make the model
    /// invalid (in the base and in every scenario).
    pub(super) fn initial_values_within_red_lines(&mut self, model: &Model) {
        let mut check = |initial: &[f64], scenario: Option<&Scenario>, path_prefix: &str| {
            for line in &model.red_lines {
                let (meter, crossed) = match line.kind {
                    RedLineKind::NeverBelow { meter, level } => {
                        (meter, initial[meter] < level - crate::numbers::TOLERANCE)
                    }
                    RedLineKind::NeverAbove { meter, level } => {
                        (meter, initial[meter] > level + crate::numbers::TOLERANCE)
                    }
                    _ => continue,
                };
                if crossed {
                    let (path, context) = match scenario {
                        Some(s) => (
                            format!("{path_prefix}.initial.{}", model.meters[meter].id),
                            format!(" in scenario `{}`", s.id),
                        ),
                        None => (format!("meters[{meter}].initial"), String::new()),
                    };
                    let value = initial[meter];
                    let level = match line.kind {
                        RedLineKind::NeverBelow { level, .. }
                        | RedLineKind::NeverAbove { level, .. } => level,
                        _ => 0.0,
                    };
                    self.problems.push(Problem::new(
                        path,
                        format!(
                            "initial value {}{context} already crosses red line `{}` ({} {})",
                            crate::numbers::fmt_num(value),
                            line.id,
                            line.kind.keyword(),
                            crate::numbers::fmt_num(level)
                        ),
                    ));
                }
            }
        };
        let base: Vec<f64> = model.meters.iter().map(|m| m.initial).collect();
        check(&base, None, "");
        for (i, scenario) in model.scenarios.iter().enumerate() {
            if scenario.initial.is_empty() {
                continue;
            }
            let mut values = base.clone();
            for &(m, v) in &scenario.initial {
                values[m] = v;
            }
            check(&values, Some(scenario), &format!("scenarios[{i}]"));
        }
    }

    /// Meter quantities stay within ±[`MAX_METER_VALUE`] and costs within
    /// ±[`MAX_COST`]: beyond that, a double-precision solver can no longer
    /// tell levels apart to the 1e-6 the semantics asks for.
    pub(super) fn magnitudes(&mut self, raw: &RawModel) {
        let mut values: Vec<(String, f64, f64)> = Vec::new();
        let mut meter = |path: String, v: Option<f64>| {
            if let Some(v) = v {
                values.push((path, v, MAX_METER_VALUE));
            }
        };
        for (i, m) in raw.meters.iter().enumerate() {
            meter(format!("meters[{i}].initial"), m.initial);
        }
        for (i, a) in raw.actions.iter().enumerate() {
            for (j, e) in a.effects.iter().enumerate() {
                meter(format!("actions[{i}].effects[{j}].add"), Some(e.add));
            }
            for (j, c) in a.when.iter().enumerate() {
                meter(format!("actions[{i}].when[{j}].at_least"), c.at_least);
                meter(format!("actions[{i}].when[{j}].at_most"), c.at_most);
            }
        }
        for (i, e) in raw.events.iter().enumerate() {
            meter(format!("events[{i}].add"), Some(e.add));
        }
        for (i, e) in raw.expectations.iter().enumerate() {
            meter(format!("expectations[{i}].at_least"), e.at_least);
            meter(format!("expectations[{i}].at_most"), e.at_most);
            meter(format!("expectations[{i}].weight"), e.weight);
        }
        for (i, r) in raw.red_lines.iter().enumerate() {
            meter(format!("red_lines[{i}].never_below"), r.never_below);
            meter(format!("red_lines[{i}].never_above"), r.never_above);
        }
        for (i, s) in raw.scenarios.iter().enumerate() {
            for (id, v) in &s.initial {
                meter(format!("scenarios[{i}].initial.{id}"), Some(*v));
            }
            for (j, e) in s.events.iter().enumerate() {
                meter(format!("scenarios[{i}].events[{j}].add"), Some(e.add));
            }
        }
        for (i, o) in raw.objective.iter().flatten().enumerate() {
            if let RawObjective::Maximize(weights) = o {
                for (id, w) in weights {
                    meter(format!("objective[{i}].maximize.{id}"), Some(*w));
                }
            }
        }
        for (i, a) in raw.actions.iter().enumerate() {
            if let Some(cost) = a.cost {
                values.push((format!("actions[{i}].cost"), cost, MAX_COST));
            }
        }
        for (i, r) in raw.red_lines.iter().enumerate() {
            if let Some(cap) = r.cost_at_most {
                values.push((format!("red_lines[{i}].cost_at_most"), cap, MAX_COST));
            }
        }
        for (path, value, limit) in values {
            if value.abs() > limit {
                self.error(
                    path,
                    format!("{value} is beyond ±{limit}, the range seqplan solves exactly; measure this quantity in larger units"),
                );
            }
        }
    }
}
