//! The rules on expectations, per scenario: an action completed by its
//! deadline, a meter held within its band from its deadline on, the
//! completions the deadlines demand (implied), and the met round R that
//! `earliest` minimises.

use super::program::{Element, LinExpr, Origin, Rule, Sense, VarKind};
use super::{Builder, View, SOLVER_TOLERANCE};
use crate::model::{ActionIdx, ExpectationKind};

impl Builder<'_, '_> {
    pub(super) fn expectations(&mut self, view: &View) {
        let model = view.instance.model;
        for (e, expectation) in model.expectations.iter().enumerate() {
            let by = view.instance.by[e];
            let path = format!("expectations[{e}]");
            if shared(view, expectation.kind) {
                continue;
            }
            match expectation.kind {
                ExpectationKind::Action(a) => {
                    let origin = Origin {
                        rule: Rule::ActionExpectation,
                        element: Element::Expectation(e),
                        path,
                        round: Some(by),
                    };
                    self.completed_row(view, a, by, origin);
                }
                ExpectationKind::Meter { meter, band } => {
                    for t in by..=view.instance.horizon {
                        let origin = Origin {
                            rule: Rule::MeterExpectation,
                            element: Element::Expectation(e),
                            path: path.clone(),
                            round: Some(t),
                        };
                        if let Some(low) = band.at_least {
                            self.row_in(
                                view,
                                view.meter_at(meter, t),
                                Sense::AtLeast,
                                low - SOLVER_TOLERANCE,
                                origin.clone(),
                            );
                        }
                        if let Some(high) = band.at_most {
                            self.row_in(
                                view,
                                view.meter_at(meter, t),
                                Sense::AtMost,
                                high + SOLVER_TOLERANCE,
                                origin,
                            );
                        }
                    }
                }
            }
        }
    }

    /// Σ completions of a by D ≥ 1 for every action whose first use the
    /// expectations demand by D (see [`crate::presolve::demanded_completions`]),
    /// when D is earlier than an expectation on a itself says.
    pub(super) fn demanded(&mut self, view: &View) {
        let model = view.instance.model;
        let last_start: Vec<Option<u32>> = self
            .starts
            .iter()
            .map(|list| list.last().map(|&(s, _)| s))
            .collect();
        let demands = crate::presolve::demanded_completions(view.instance, &last_start);
        for (a, demand) in demands.into_iter().enumerate() {
            let Some(by) = demand else { continue };
            let stated =
                model.expectations.iter().enumerate().any(|(e, x)| {
                    x.kind == ExpectationKind::Action(a) && view.instance.by[e] <= by
                });
            if stated {
                continue;
            }
            let origin = Origin {
                rule: Rule::Demanded,
                element: Element::Action(a),
                path: Self::action_path(a),
                round: Some(by),
            };
            self.completed_row(view, a, by, origin);
        }
    }

    /// a's first use completes by round `by`: Σ completions of a by `by` ≥ 1.
    pub(super) fn completed_row(&mut self, view: &View, a: ActionIdx, by: u32, origin: Origin) {
        self.row_in(
            view,
            self.completed_in(view, a, i64::from(by)),
            Sense::AtLeast,
            1.0,
            origin,
        );
    }

    /// R = 1 + `Σ_t` (1 − y[t]), where y[t] = 1 means every expectation
    /// holds from round t on; y is monotone and linked to each expectation
    /// in every scenario.
    pub(super) fn met_round(&mut self, views: &[View]) -> LinExpr {
        let model = self.first.model;
        if model.expectations.is_empty() {
            return LinExpr::default();
        }
        let horizon = self.horizon;
        let last_deadline = views
            .iter()
            .flat_map(|v| v.instance.by.iter().copied())
            .max()
            .unwrap_or(horizon);
        let mut ys = Vec::new();
        for t in 1..=horizon {
            let fixed = if t >= last_deadline { 1.0 } else { 0.0 };
            ys.push(self.new_var(format!("met_by[{t}]"), VarKind::Binary, fixed, 1.0));
        }
        self.met_by.clone_from(&ys);
        let origin = |t: u32, element: Element, path: String| Origin {
            rule: Rule::MetRound,
            element,
            path,
            round: Some(t),
        };
        for t in 1..horizon {
            let mut expr = LinExpr::var(ys[t as usize]);
            expr.add(ys[t as usize - 1], -1.0);
            self.row(
                expr,
                Sense::AtLeast,
                0.0,
                origin(t, Element::MetRound, "objective.earliest".into()),
            );
        }
        // y[t] = 1 only if every expectation holds from t in every scenario
        // (a reliability program's R is its nominal future's, as every
        // plan's objectives are).
        for view in views.iter().filter(|v| v.sample.is_none()) {
            for (e, expectation) in model.expectations.iter().enumerate() {
                let by = view.instance.by[e];
                for t in 1..by {
                    let y = ys[t as usize - 1];
                    let path = format!("expectations[{e}]");
                    match expectation.kind {
                        ExpectationKind::Action(a) => {
                            let mut expr = self.completed_in(view, a, i64::from(t));
                            expr.add(y, -1.0);
                            self.row_in(
                                view,
                                expr,
                                Sense::AtLeast,
                                0.0,
                                origin(t, Element::Expectation(e), path),
                            );
                        }
                        ExpectationKind::Meter { meter, band } => {
                            let (lo, hi) = view.bounds[meter][t as usize];
                            // m ≥ lo + (L − lo)·y: the floor binds when y = 1.
                            if let Some(at_least) = band.at_least.map(|l| l - SOLVER_TOLERANCE) {
                                if lo < at_least {
                                    let mut expr = view.meter_at(meter, t);
                                    expr.add(y, -(at_least - lo));
                                    self.row_in(
                                        view,
                                        expr,
                                        Sense::AtLeast,
                                        lo,
                                        origin(t, Element::Expectation(e), path.clone()),
                                    );
                                }
                            }
                            // m ≤ hi − (hi − U)·y: the ceiling binds when y = 1.
                            if let Some(at_most) = band.at_most.map(|u| u + SOLVER_TOLERANCE) {
                                if hi > at_most {
                                    let mut expr = view.meter_at(meter, t);
                                    expr.add(y, hi - at_most);
                                    self.row_in(
                                        view,
                                        expr,
                                        Sense::AtMost,
                                        hi,
                                        origin(t, Element::Expectation(e), path),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        let mut r = LinExpr {
            terms: Vec::new(),
            constant: 1.0 + f64::from(horizon),
        };
        for y in ys {
            r.add(y, -1.0);
        }
        r
    }
}

/// Whether a sampled future shares what an expectation reads with the
/// nominal future, which already holds it.
fn shared(view: &View, kind: ExpectationKind) -> bool {
    match kind {
        ExpectationKind::Action(a) => view.shares_action(a),
        ExpectationKind::Meter { meter, .. } => view.shares_meter(meter),
    }
}
