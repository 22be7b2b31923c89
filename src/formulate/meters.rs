//! The rules on meters, per scenario: the update rule, the `when` bands a
//! move's start needs, and the meter red lines.

use super::program::{Element, LinExpr, Origin, Rule, Sense};
use super::{Builder, View, SOLVER_TOLERANCE};
use crate::model::{ActionIdx, RedLineKind};

impl Builder<'_, '_> {
    /// m[t] = (1 − decay)·m[t−1] + effects landing in t + events in t.
    pub(super) fn meter_dynamics(&mut self, view: &View) {
        let model = view.instance.model;
        for (k, meter) in model.meters.iter().enumerate() {
            if view.shares_meter(k) {
                continue;
            }
            for t in 1..=view.instance.horizon {
                let mut expr = view.meter_at(k, t);
                let previous = view.meter_at(k, t - 1);
                for &(v, c) in &previous.terms {
                    expr.add(v, -(1.0 - meter.decay) * c);
                }
                let mut rhs = (1.0 - meter.decay) * previous.constant;
                for (a, action) in model.actions.iter().enumerate() {
                    for (j, e) in action
                        .effects
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| e.meter == k)
                    {
                        let lands_from =
                            i64::from(t) - i64::from(e.delay) - i64::from(action.duration) + 1;
                        let Ok(start) = u32::try_from(lands_from) else {
                            continue;
                        };
                        for (v, amount) in self.landing(view, a, start, j, e.add) {
                            expr.add(v, -amount);
                        }
                    }
                }
                for (j, ev) in view.instance.events.iter().enumerate() {
                    if ev.meter == k && ev.round == t {
                        match self.event_vars.get(j) {
                            Some(&v) => {
                                expr.add(v, -ev.add);
                            }
                            None => rhs += ev.add,
                        }
                    }
                }
                let origin = Origin {
                    rule: Rule::MeterDynamics,
                    element: Element::Meter(k),
                    path: format!("meters[{k}]"),
                    round: Some(t),
                };
                self.row_in(view, expr, Sense::Equal, rhs, origin);
            }
        }
    }

    /// `when` bands on m[s−1], with big-M from the meter's bounds.
    pub(super) fn conditions(&mut self, view: &View) {
        let model = view.instance.model;
        for (a, action) in model.actions.iter().enumerate() {
            for (j, c) in action.when.iter().enumerate() {
                if view.shares_meter(c.meter) {
                    continue;
                }
                for (s, v) in self.starts[a].clone() {
                    let t = s - 1;
                    let (lo, hi) = view.bounds[c.meter][t as usize];
                    let origin = Origin {
                        rule: Rule::When,
                        element: Element::Action(a),
                        path: format!("actions[{a}].when[{j}]"),
                        round: Some(s),
                    };
                    if let Some(level) = c.at_least.map(|l| l - SOLVER_TOLERANCE) {
                        // m ≥ level − (level − lo)(1 − x)  ⇔  m − (level − lo)·x ≥ lo
                        if lo < level {
                            let mut expr = view.meter_at(c.meter, t);
                            expr.add(v, -(level - lo));
                            let rhs = lo - expr.constant;
                            expr.constant = 0.0;
                            self.row_in(view, expr, Sense::AtLeast, rhs, origin.clone());
                        }
                    }
                    if let Some(level) = c.at_most.map(|l| l + SOLVER_TOLERANCE) {
                        // m ≤ level + (hi − level)(1 − x)  ⇔  m + (hi − level)·x ≤ hi
                        if hi > level {
                            let mut expr = view.meter_at(c.meter, t);
                            expr.add(v, hi - level);
                            let rhs = hi - expr.constant;
                            expr.constant = 0.0;
                            self.row_in(view, expr, Sense::AtMost, rhs, origin);
                        }
                    }
                }
                if action.uses == 1 && self.tuning.implied_rows && view.sample.is_none() {
                    self.condition_reach(view, a, j);
                }
            }
        }
    }

    /// An order-free form of a `when` band for a single-use action, which
    /// keeps the LP relaxation from meeting the band with a fraction of a
    /// start. Without moves the meter follows its idle path (initial value,
    /// decay, events); moves can lift it at most by their positive effects
    /// landed so far (decay only shrinks them) and lower it at most by their
    /// negative ones. So if `a` starts in s with `m[s−1] ≥ L`, the gap
    /// `L − idle[s−1]` is covered by positive effects landed by the last
    /// round before a's last possible start:
    /// `Σ_s (L − idle[s−1])⁺·x[a][s] ≤ Σ add⁺ · landings by then`
    /// (and the mirror image for `at_most`). Valid for every plan.
    pub(super) fn condition_reach(&mut self, view: &View, a: ActionIdx, j: usize) {
        let model = view.instance.model;
        let c = model.actions[a].when[j];
        let Some(&(last, _)) = self.starts[a].last() else {
            return;
        };
        let cutoff = i64::from(last) - 1;
        for (level, lifting) in [(c.at_least, true), (c.at_most, false)] {
            let Some(level) = level else { continue };
            let mut expr = LinExpr::default();
            for &(s, v) in &self.starts[a] {
                let (idle_lo, idle_hi) = view.idle[c.meter][(s - 1) as usize];
                let gap = if lifting {
                    level - idle_hi
                } else {
                    idle_lo - level
                };
                if gap > crate::numbers::TOLERANCE {
                    expr.add(v, gap);
                }
            }
            if expr.terms.is_empty() {
                continue;
            }
            for (b, other) in model.actions.iter().enumerate() {
                for e in other.effects.iter().filter(|e| e.meter == c.meter) {
                    let helps = if lifting {
                        e.add.max(0.0)
                    } else {
                        (-e.add).max(0.0)
                    };
                    if helps == 0.0 {
                        continue;
                    }
                    let lands_by = cutoff - i64::from(e.delay) - i64::from(other.duration) + 1;
                    for v in self.starts_in(b, 1..=lands_by) {
                        expr.add(v, -helps);
                    }
                }
            }
            let origin = Origin {
                rule: Rule::When,
                element: Element::Action(a),
                path: format!("actions[{a}].when[{j}]"),
                round: None,
            };
            self.row_in(view, expr, Sense::AtMost, 0.0, origin);
        }
    }

    /// Meter floors and ceilings over rounds 1..=H, or from the current
    /// round of a replanned model (`not_before` is with the precedences,
    /// `never` removes variables, cost caps are apart).
    pub(super) fn meter_red_lines(&mut self, view: &View) {
        let model = view.instance.model;
        for (i, line) in model.red_lines.iter().enumerate() {
            let (meter, level, below) = match line.kind {
                RedLineKind::NeverBelow { meter, level } => (meter, level, true),
                RedLineKind::NeverAbove { meter, level } => (meter, level, false),
                _ => continue,
            };
            if view.shares_meter(meter) {
                continue;
            }
            let (rule, sense) = if below {
                (Rule::NeverBelow, Sense::AtLeast)
            } else {
                (Rule::NeverAbove, Sense::AtMost)
            };
            for t in model.first_kept_round()..=view.instance.horizon {
                let (lo, hi) = view.bounds[meter][t as usize];
                if (below && lo >= level) || (!below && hi <= level) {
                    continue; // holds in every plan
                }
                let origin = Origin {
                    rule,
                    element: Element::RedLine(i),
                    path: format!("red_lines[{i}]"),
                    round: Some(t),
                };
                let level = if below {
                    level - SOLVER_TOLERANCE
                } else {
                    level + SOLVER_TOLERANCE
                };
                self.row_in(view, view.meter_at(meter, t), sense, level, origin);
            }
        }
    }
}
