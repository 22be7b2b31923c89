//! The rules on moves, shared by every scenario: uses and overlap, the
//! move counts, `requires` and `not_before`, `together`, the limits on
//! moves in progress, cost caps, forced moves, and in relaxable mode the
//! rows that keep unavailable moves out.

use super::program::{Element, LinExpr, Origin, Rule, Sense, VarId, VarKind};
use super::Builder;
use crate::model::{ActionIdx, RedLineKind};
use crate::presolve::{precedences, Precedence, PrecedenceSource};

impl Builder<'_, '_> {
    pub(super) fn uses_and_overlap(&mut self) {
        for (a, action) in self.first.model.actions.iter().enumerate() {
            let all: Vec<VarId> = self.starts[a].iter().map(|&(_, v)| v).collect();
            if all.len() as u32 > action.uses {
                let origin = Origin {
                    rule: Rule::Uses,
                    element: Element::Action(a),
                    path: format!("{}.uses", Self::action_path(a)),
                    round: None,
                };
                self.row(
                    LinExpr::sum(all),
                    Sense::AtMost,
                    f64::from(action.uses),
                    origin,
                );
            }
            if action.uses > 1 && action.duration > 1 {
                for t in 1..=self.horizon {
                    let running = self.in_progress(a, t);
                    if running.len() > 1 {
                        let origin = Origin {
                            rule: Rule::NoOverlap,
                            element: Element::Action(a),
                            path: format!("{}.duration", Self::action_path(a)),
                            round: Some(t),
                        };
                        self.row(LinExpr::sum(running), Sense::AtMost, 1.0, origin);
                    }
                }
            }
        }
    }

    /// n[a] = `Σ_s` x[a][s], a whole number up to `uses`, for every action
    /// with more than one possible start (with one, n[a] is that start).
    /// The cost and count objectives read n, so branching on n decides
    /// whether an action is taken, and how often, before when.
    pub(super) fn move_counts(&mut self) {
        for (a, action) in self.first.model.actions.iter().enumerate() {
            let all: Vec<VarId> = self.starts[a].iter().map(|&(_, v)| v).collect();
            let count = match all.as_slice() {
                [] => None,
                [only] => Some(*only),
                _ => {
                    let most = action.uses.min(all.len() as u32);
                    let name = format!("moves[{}]", action.id);
                    let n = self.new_var(name, VarKind::Integer, 0.0, f64::from(most));
                    let mut expr = LinExpr::sum(all);
                    expr.add(n, -1.0);
                    let origin = Origin {
                        rule: Rule::MoveCount,
                        element: Element::Action(a),
                        path: Self::action_path(a),
                        round: None,
                    };
                    self.row(expr, Sense::Equal, 0.0, origin);
                    Some(n)
                }
            };
            self.counts.push(count);
        }
    }

    /// `requires` and `not_before`: x[a][s] ≤ Σ completions of b by s − lag.
    pub(super) fn precedences(&mut self) {
        let first = self.first;
        // Every `requires` in the actions' order, then every `not_before`
        // in the red lines' order.
        let mut all: Vec<(ActionIdx, Precedence)> = (0..first.model.actions.len())
            .flat_map(|a| precedences(first, a).into_iter().map(move |p| (a, p)))
            .collect();
        all.sort_by_key(|&(a, p)| match p.source {
            PrecedenceSource::Requires(j) => (0, a, j),
            PrecedenceSource::NotBefore(i) => (1, i, 0),
        });
        let items = all.into_iter().map(|(a, p)| match p.source {
            PrecedenceSource::Requires(j) => (
                a,
                p.before,
                p.lag,
                Rule::Requires,
                Element::Action(a),
                format!("actions[{a}].requires[{j}]"),
            ),
            PrecedenceSource::NotBefore(i) => (
                a,
                p.before,
                p.lag,
                Rule::NotBefore,
                Element::RedLine(i),
                format!("red_lines[{i}]"),
            ),
        });
        for (a, b, lag, rule, element, path) in items {
            // Aggregated form for a single-use action: its one start needs
            // `b` completed in time, so Σ_s x[a][s] ≤ completions of b by its
            // last start − lag. Implied by the per-round rows for integers,
            // but it keeps the LP relaxation from taking `b` only fractionally.
            let single = self.first.model.actions[a].uses == 1 && self.tuning.implied_rows;
            if let (true, Some(&(last, _))) =
                (single && self.starts[a].len() > 1, self.starts[a].last())
            {
                let mut expr = self.completed_by(b, i64::from(last) - i64::from(lag));
                for &(_, v) in &self.starts[a] {
                    expr.add(v, -1.0);
                }
                let origin = Origin {
                    rule,
                    element,
                    path: path.clone(),
                    round: None,
                };
                self.row(expr, Sense::AtLeast, 0.0, origin);
            }
            for (s, v) in self.starts[a].clone() {
                let mut expr = self.completed_by(b, i64::from(s) - i64::from(lag));
                expr.add(v, -1.0);
                self.row(
                    expr,
                    Sense::AtLeast,
                    0.0,
                    Origin {
                        rule,
                        element,
                        path: path.clone(),
                        round: Some(s),
                    },
                );
            }
        }
    }

    pub(super) fn together(&mut self) {
        let model = self.first.model;
        for (g, group) in model.together.iter().enumerate() {
            let lead = group[0];
            for &other in &group[1..] {
                let rounds: std::collections::BTreeSet<u32> = self.starts[lead]
                    .iter()
                    .chain(&self.starts[other])
                    .map(|&(s, _)| s)
                    .collect();
                for s in rounds {
                    let mut expr = LinExpr::sum(self.starts_in(lead, i64::from(s)..=i64::from(s)));
                    for v in self.starts_in(other, i64::from(s)..=i64::from(s)) {
                        expr.add(v, -1.0);
                    }
                    let origin = Origin {
                        rule: Rule::Together,
                        element: Element::Together(g),
                        path: format!("together[{g}]"),
                        round: Some(s),
                    };
                    self.row(expr, Sense::Equal, 0.0, origin);
                }
            }
        }
    }

    pub(super) fn limits(&mut self) {
        let model = self.first.model;
        let limits = &model.limits;
        for t in model.first_kept_round()..=self.horizon {
            if let Some(cap) = limits.moves_per_round {
                let running: Vec<VarId> = (0..model.actions.len())
                    .flat_map(|a| self.in_progress(a, t))
                    .collect();
                if running.len() as u32 > cap {
                    let origin = Origin {
                        rule: Rule::MovesPerRound,
                        element: Element::Limits,
                        path: "limits.moves_per_round".into(),
                        round: Some(t),
                    };
                    self.row(LinExpr::sum(running), Sense::AtMost, f64::from(cap), origin);
                }
            }
            for &(party, cap) in &limits.per_party {
                let running: Vec<VarId> = (0..model.actions.len())
                    .filter(|&a| model.actions[a].by == party)
                    .flat_map(|a| self.in_progress(a, t))
                    .collect();
                if running.len() as u32 > cap {
                    let path = format!("limits.per_party.{}", model.parties[party].id);
                    let origin = Origin {
                        rule: Rule::PerParty,
                        element: Element::PartyLimit(party),
                        path,
                        round: Some(t),
                    };
                    self.row(LinExpr::sum(running), Sense::AtMost, f64::from(cap), origin);
                }
            }
        }
    }

    /// `cost_at_most`: the summed cost of a party's moves.
    pub(super) fn cost_caps(&mut self) {
        let model = self.first.model;
        for (i, line) in model.red_lines.iter().enumerate() {
            let RedLineKind::CostAtMost { party, cap } = line.kind else {
                continue;
            };
            let mut expr = LinExpr::default();
            for (a, action) in model
                .actions
                .iter()
                .enumerate()
                .filter(|(_, x)| x.by == party && x.cost > 0.0)
            {
                for &(_, v) in &self.starts[a] {
                    expr.add(v, action.cost);
                }
            }
            let origin = Origin {
                rule: Rule::CostAtMost,
                element: Element::RedLine(i),
                path: format!("red_lines[{i}]"),
                round: None,
            };
            self.row(expr, Sense::AtMost, cap, origin);
        }
    }

    /// `--force`, and in a replanned model the moves already made, which
    /// are the past and so part of the model's structure (never relaxed).
    pub(super) fn forced_moves(&mut self) {
        let made = self.first.made_count();
        for (i, &(a, round)) in self.first.forced.iter().enumerate() {
            let id = &self.first.model.actions[a].id;
            // The path names the round already.
            let (element, path) = if i < made {
                (Element::Action(a), format!("made {id}@{round}"))
            } else {
                (Element::Forced(i), format!("--force {id}@{round}"))
            };
            let origin = Origin {
                rule: Rule::Forced,
                element,
                path,
                round: None,
            };
            if self.first.forced[..i].contains(&(a, round)) {
                // The same move twice: one start variable cannot hold it.
                self.impossible.push(origin);
                continue;
            }
            self.row(
                LinExpr::sum(self.starts_in(a, i64::from(round)..=i64::from(round))),
                Sense::Equal,
                1.0,
                origin,
            );
        }
    }

    /// Relaxable mode: `latest`, forbids and `never` as rows that keep start
    /// variables at 0, so each can be dropped on its own.
    pub(super) fn availability(&mut self) {
        let model = self.first.model;
        for (a, action) in model.actions.iter().enumerate() {
            let latest = self.first.latest[a];
            let late: Vec<VarId> = self.starts[a]
                .iter()
                .filter(|&&(s, _)| s > latest)
                .map(|&(_, v)| v)
                .collect();
            if !late.is_empty() {
                let origin = Origin {
                    rule: Rule::Latest,
                    element: Element::Action(a),
                    path: format!("actions[{a}].latest"),
                    round: Some(latest),
                };
                self.row(LinExpr::sum(late), Sense::AtMost, 0.0, origin);
            }
            let all: Vec<VarId> = self.starts[a].iter().map(|&(_, v)| v).collect();
            if self.first.forbidden[a] && !all.is_empty() {
                let path = match self.first.scenario {
                    Some(i) if model.scenarios[i].forbid.contains(&a) => {
                        format!("scenarios[{i}].forbid ({})", action.id)
                    }
                    _ => format!("--forbid {}", action.id),
                };
                let origin = Origin {
                    rule: Rule::Forbid,
                    element: Element::Forbid(a),
                    path,
                    round: None,
                };
                self.row(LinExpr::sum(all.clone()), Sense::AtMost, 0.0, origin);
            }
            for (i, line) in model.red_lines.iter().enumerate() {
                if line.kind == (RedLineKind::Never { action: a }) && !all.is_empty() {
                    let origin = Origin {
                        rule: Rule::Never,
                        element: Element::RedLine(i),
                        path: format!("red_lines[{i}]"),
                        round: None,
                    };
                    self.row(LinExpr::sum(all.clone()), Sense::AtMost, 0.0, origin);
                }
            }
        }
    }
}
