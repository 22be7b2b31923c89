//! Plans that hold with a stated probability (`plan --reliability P`): one
//! set of moves, the nominal future held exactly, and a set of futures,
//! each with its own meters where chance can move them, its weight, and
//! its own 0/1 variable z that says it counts; the weights of those that
//! count must reach P (every combination of outcomes with its
//! probability, or a sample average approximation).
//!
//! In a future each use of each action (the first, the second, …)
//! succeeds or fails and each effect adds its drawn amount, and each
//! event happens or not ([`SampleDraws`]; the events are the future's
//! instance's). Which use a start is depends on the plan, so an action
//! that may fail and has several uses gets one variable per use and
//! round, u[a][k][s], the k-th use starting in s. A future counts only if
//! every move of the plan is made in it (its `requires`, `not_before` and
//! `when` hold, reading only the uses that succeeded there) and every
//! expectation and red line holds: then the plan works in that future by
//! the semantics of chance, so the weight of the futures that count never
//! overstates the plan's chance. Every rule of a future but its meter
//! update is relaxed by z: when z is 0 the row says nothing.

use super::program::{LinExpr, Origin, Rule, Sense, VarId, VarKind};
use super::{Builder, View};
use crate::model::ActionIdx;
use crate::presolve::precedences;

/// What chance decides in one future, for every use of every action (the
/// first, the second, … up to `uses`): whether it succeeds, and what each
/// of its effects adds.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleDraws {
    /// `succeeded[a][k]`: whether the k-th use of `a` (from 0) succeeds.
    pub succeeded: Vec<Vec<bool>>,
    /// `amounts[a][k][e]`, for the effects of action `a` in order.
    pub amounts: Vec<Vec<Vec<f64>>>,
}

/// A sampled future in the program: its draws, the variable that says it
/// counts, and what chance can change at all.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sample<'d> {
    pub draws: &'d SampleDraws,
    pub counts: VarId,
    pub uncertain: &'d Uncertainty,
}

/// What chance can make differ between futures: the meters an uncertain
/// move or event touches, and the moves that may fail. A sampled future
/// shares everything else with the nominal one, whose rules already hold
/// it, so it gets no variables and no rules of its own for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertainty {
    pub meters: Vec<bool>,
    /// Per action: it may fail.
    pub actions: Vec<bool>,
    /// Per action: one of its effects has a spread.
    pub spread: Vec<bool>,
}

impl Uncertainty {
    /// What chance can change in `instance`'s futures.
    pub fn of(instance: &crate::model::Instance) -> Self {
        let model = instance.model;
        let mut meters = vec![false; model.meters.len()];
        let actions: Vec<bool> = model.actions.iter().map(|a| a.success < 1.0).collect();
        let spread: Vec<bool> = model
            .actions
            .iter()
            .map(|a| a.effects.iter().any(|e| e.spread > 0.0))
            .collect();
        for (action, &fails) in model.actions.iter().zip(&actions) {
            for e in &action.effects {
                meters[e.meter] |= fails || e.spread > 0.0;
            }
        }
        for event in &instance.events {
            meters[event.meter] |= event.chance < 1.0;
        }
        Uncertainty {
            meters,
            actions,
            spread,
        }
    }
}

impl View<'_, '_> {
    /// Whether this view shares meter `k` with the nominal future (a
    /// sampled future where chance cannot move it): no rules of its own.
    pub(super) fn shares_meter(&self, k: usize) -> bool {
        self.sample.is_some_and(|s| !s.uncertain.meters[k])
    }

    /// Whether this view shares the completions of action `a` with the
    /// nominal future (a sampled future where `a` cannot fail).
    pub(super) fn shares_action(&self, a: ActionIdx) -> bool {
        self.sample.is_some_and(|s| !s.uncertain.actions[a])
    }
}

impl Builder<'_, '_> {
    /// What effect `e` of a start of `a` in `s` adds in the view's future,
    /// as terms: `add` times the start in a scenario; in a sampled future,
    /// per use k, the drawn amount times u[a][k][s] when that use succeeds.
    pub(super) fn landing(
        &self,
        view: &View,
        a: ActionIdx,
        s: u32,
        e: usize,
        add: f64,
    ) -> Vec<(VarId, f64)> {
        let Some(sample) = view.sample else {
            return self
                .starts_in(a, i64::from(s)..=i64::from(s))
                .into_iter()
                .map(|v| (v, add))
                .collect();
        };
        let mut terms = Vec::new();
        for (k, uses) in self.ordinals[a].iter().enumerate() {
            if !sample.draws.succeeded[a][k] {
                continue;
            }
            for &(_, v) in uses.iter().filter(|(r, _)| *r == s) {
                terms.push((v, sample.draws.amounts[a][k][e]));
            }
        }
        terms
    }

    /// The completions of `a` by `t` that succeed in the view's future
    /// (every one in a scenario): Σ over the uses k that succeed of
    /// u[a][k][s] for s completing by `t`.
    pub(super) fn completed_in(&self, view: &View, a: ActionIdx, t: i64) -> LinExpr {
        let Some(sample) = view.sample else {
            return self.completed_by(a, t);
        };
        let d = i64::from(self.first.model.actions[a].duration);
        let mut expr = LinExpr::default();
        for (k, uses) in self.ordinals[a].iter().enumerate() {
            if !sample.draws.succeeded[a][k] {
                continue;
            }
            for &(_, v) in uses.iter().filter(|(s, _)| i64::from(*s) <= t - d + 1) {
                expr.add(v, 1.0);
            }
        }
        expr
    }

    /// For each action, its starts split by use: u[a][k][s], the k-th use
    /// (from 0) starting in s. An action chance cannot touch, or with one
    /// use, has its starts as its only use. The others get a variable per
    /// use and round, with `x[a][s] = Σ_k u[a][k][s]`, each use at most once,
    /// and the k-th only after the one before it.
    pub(super) fn use_variables(&mut self, uncertain: &Uncertainty) {
        for a in 0..self.starts.len() {
            let action = &self.first.model.actions[a];
            let uses = action.uses.min(self.starts[a].len() as u32) as usize;
            if !uncertain.actions[a] && !uncertain.spread[a] || uses <= 1 {
                // Every use alike (or only one): the starts are the first use.
                self.ordinals.push(vec![self.starts[a].clone()]);
                continue;
            }
            let id = action.id.clone();
            let mut per_use: Vec<Vec<(u32, VarId)>> = Vec::new();
            for k in 0..uses {
                let list = self.starts[a]
                    .clone()
                    .into_iter()
                    .map(|(s, _)| {
                        (
                            s,
                            self.new_var(
                                format!("use[{id}#{}@{s}]", k + 1),
                                VarKind::Binary,
                                0.0,
                                1.0,
                            ),
                        )
                    })
                    .collect();
                per_use.push(list);
            }
            let origin = |round: Option<u32>| Origin {
                rule: Rule::Uses,
                element: super::Element::Action(a),
                path: format!("actions[{a}].uses"),
                round,
            };
            for (i, &(s, x)) in self.starts[a].clone().iter().enumerate() {
                let mut expr = LinExpr::var(x);
                for list in &per_use {
                    expr.add(list[i].1, -1.0);
                }
                self.row(expr, Sense::Equal, 0.0, origin(Some(s)));
            }
            for k in 0..uses {
                let once = LinExpr::sum(per_use[k].iter().map(|&(_, v)| v));
                self.row(once, Sense::AtMost, 1.0, origin(None));
                if k == 0 {
                    continue;
                }
                for (i, &(s, v)) in per_use[k].iter().enumerate() {
                    let mut expr = LinExpr::sum(per_use[k - 1][..i].iter().map(|&(_, u)| u));
                    expr.add(v, -1.0);
                    self.row(expr, Sense::AtLeast, 0.0, origin(Some(s)));
                }
            }
            self.ordinals.push(per_use);
        }
    }

    /// The variable that says a sampled future counts.
    pub(super) fn sample_variable(&mut self, index: usize) -> VarId {
        self.new_var(format!("counts[{index}]"), VarKind::Binary, 0.0, 1.0)
    }

    /// A rule of a sampled future, relaxed by its z: `expr ≥ rhs` becomes
    /// `expr − M·z ≥ rhs − M`, with M the most the rule can miss by over
    /// the variables' bounds (and `≤` alike), so that it binds only when
    /// the future counts. One that fails on constants alone forces z to 0.
    pub(super) fn relaxed(
        &mut self,
        counts: VarId,
        mut expr: LinExpr,
        sense: Sense,
        rhs: f64,
        origin: Origin,
    ) {
        let (low, high) = self.range(&expr);
        let miss = match sense {
            Sense::AtLeast => rhs - low,
            Sense::AtMost => high - rhs,
            // Only a meter's update is an equation, and it is not relaxed.
            Sense::Equal => (rhs - low).max(high - rhs),
        };
        if miss <= 0.0 {
            return; // holds whatever the plan
        }
        if expr.terms.is_empty() {
            self.row(LinExpr::var(counts), Sense::AtMost, 0.0, origin);
            return;
        }
        match sense {
            Sense::AtLeast => {
                expr.add(counts, -miss);
                self.row(expr, Sense::AtLeast, rhs - miss, origin);
            }
            Sense::AtMost => {
                expr.add(counts, miss);
                self.row(expr, Sense::AtMost, rhs + miss, origin);
            }
            Sense::Equal => {
                let mut above = expr.clone();
                above.add(counts, -miss);
                self.row(above, Sense::AtLeast, rhs - miss, origin.clone());
                expr.add(counts, miss);
                self.row(expr, Sense::AtMost, rhs + miss, origin);
            }
        }
    }

    /// The least and greatest value of `expr` over the variables' bounds.
    fn range(&self, expr: &LinExpr) -> (f64, f64) {
        let mut low = expr.constant;
        let mut high = expr.constant;
        for &(v, c) in &expr.terms {
            let def = &self.vars[v];
            let (a, b) = (c * def.lower, c * def.upper);
            low += a.min(b);
            high += a.max(b);
        }
        (low, high)
    }

    /// `requires` and `not_before` in a sampled future: each start of a
    /// move needs a use of the move before it that succeeded there.
    pub(super) fn sampled_precedences(&mut self, view: &View) {
        let first = self.first;
        for a in 0..first.model.actions.len() {
            for p in precedences(first, a) {
                if view.shares_action(p.before) {
                    continue;
                }
                for (s, v) in self.starts[a].clone() {
                    let mut expr =
                        self.completed_in(view, p.before, i64::from(s) - i64::from(p.lag));
                    expr.add(v, -1.0);
                    let origin = Origin {
                        rule: Rule::Requires,
                        element: super::Element::Action(a),
                        path: format!("{}actions[{a}]", view.prefix),
                        round: Some(s),
                    };
                    self.row_in(view, expr, Sense::AtLeast, 0.0, origin);
                }
            }
        }
    }

    /// The futures that count weigh at least `required` in all.
    pub(super) fn enough_futures(&mut self, weights: &[f64], required: f64) {
        let origin = Origin {
            rule: Rule::Reliability,
            element: super::Element::Limits,
            path: "--reliability".into(),
            round: None,
        };
        let terms = self
            .samples
            .iter()
            .copied()
            .zip(weights.iter().copied())
            .collect();
        self.row(
            LinExpr {
                terms,
                constant: 0.0,
            },
            Sense::AtLeast,
            required,
            origin,
        );
    }
}
