//! What a solve reports, for every output to show: how it ended, the
//! values the plan reaches on each objective level, and the plan with its
//! evaluation by the simulator (for one scenario, or for several at once).

use crate::chance::Odds;
use crate::model::{Model, Objective};
use crate::plan::Moves;
use crate::simulate::Evaluation;
use crate::solve::Improvement;

/// How the solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Proven optimal on every objective level.
    Optimal,
    /// A time limit stopped the solve; the plan is valid but may not be best.
    Feasible,
    /// No plan exists.
    Infeasible,
    /// A time limit stopped the solve before any plan was found.
    Unknown,
}

impl Status {
    /// The status word of "Plans as data".
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Feasible => "feasible",
            Status::Infeasible => "infeasible",
            Status::Unknown => "unknown",
        }
    }
}

/// The optimum reached on one objective level.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveValue {
    /// `earliest`, `cheapest`, `fewest` or `maximize`.
    pub name: &'static str,
    pub value: f64,
}

/// A solved plan with its evaluation: everything an output needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanReport {
    pub status: Status,
    /// The levels the user asked for, in order, with their values.
    pub objectives: Vec<ObjectiveValue>,
    /// Relative gap to the best bound when a time limit stopped the solve.
    pub gap: Option<f64>,
    pub moves: Moves,
    /// The simulator's evaluation of `moves`.
    pub evaluation: Evaluation,
    /// Unproven because the backend failed numerically on a later level,
    /// not because the time ran out: more time would not prove it.
    pub solver_failed: bool,
    /// For an unproven plan, a valid bound on the first level it leaves
    /// open, and where the bound comes from.
    pub bound: Option<PlanBound>,
    /// What the search found on the way to this plan (see
    /// [`crate::solve::History`]).
    pub history: Vec<Improvement>,
    /// On a model where moves may fail, the chance the plan works.
    pub odds: Option<Odds>,
    /// For a plan that holds with a stated probability (`--reliability`):
    /// what was asked and how the plan did on the futures it was chosen
    /// against.
    pub reliability: Option<Reliability>,
}

/// A plan chosen to hold with a stated probability, against the sampled
/// futures it was chosen against.
#[derive(Debug, Clone, PartialEq)]
pub struct Reliability {
    pub asked: crate::chance::ReliabilityOptions,
    /// Every combination of outcomes, weighed by its probability (else
    /// futures drawn with the seed).
    pub exact: bool,
    /// The outcomes that may go either way (exact), or the futures drawn.
    pub count: u32,
    /// What the plan was held to: the weight of the futures that count (the
    /// level, exact; drawn, the count, with its margin, raised past plans
    /// lucky on the drawn futures).
    pub required: f64,
    /// The weight of the futures the plan works in, played by the
    /// semantics of chance: its probability (exact) or how many of the
    /// futures drawn.
    pub works_in: f64,
    /// The moves that buy reliability: each move without which the plan
    /// still works when everything succeeds, with the chance the plan
    /// would then have (against the plan's own).
    pub insurance: Vec<Insurance>,
}

/// A move that buys reliability: the plan without it, and its chance.
#[derive(Debug, Clone, PartialEq)]
pub struct Insurance {
    pub at: crate::plan::Move,
    /// The chance of the plan without this move.
    pub without: crate::chance::Probability,
}

/// A valid bound on one objective level of an unproven plan: no plan does
/// better on it (the levels before it equal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanBound {
    /// The level's name (`tie-break` for the implicit one).
    pub level: &'static str,
    pub value: f64,
    pub source: BoundSource,
}

/// Where a bound comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundSource {
    /// The best bound of the branch and bound when it stopped.
    Search,
    /// What every plan holds whatever its order, a bound that needs no
    /// search: on `earliest`, the latest earliest completion of the
    /// expected moves, each as early as its window allows; on `cheapest`
    /// and `fewest`, the cost or number of the expected moves and what
    /// they require, once each.
    OrderFree,
}

impl BoundSource {
    /// Its name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BoundSource::Search => "search",
            BoundSource::OrderFree => "order-free",
        }
    }
}

/// One plan for several scenarios, with its evaluation in each.
#[derive(Debug, Clone, PartialEq)]
pub struct RobustReport {
    pub status: Status,
    /// Levels over all scenarios: `earliest` is the latest met round,
    /// `maximize` the sum over the scenarios.
    pub objectives: Vec<ObjectiveValue>,
    pub gap: Option<f64>,
    pub moves: Moves,
    /// Per scenario (in the order given), the simulator's evaluation.
    pub evaluations: Vec<Evaluation>,
    /// Unproven because the backend failed numerically (see
    /// [`PlanReport::solver_failed`]).
    pub solver_failed: bool,
    /// The scenarios that bind: without each, the others allow a better plan.
    pub binding: Vec<ScenarioBinding>,
    /// Whether every scenario was settled as binding or not: false when the
    /// plan is unproven or a solve without a scenario ran out of time, so
    /// that more scenarios may bind than `binding` lists.
    pub binding_settled: bool,
}

impl RobustReport {
    /// The plan as a report per scenario (in the order given): the same
    /// moves, status and objectives, with that scenario's evaluation.
    pub fn scenario_reports(&self) -> Vec<PlanReport> {
        self.evaluations
            .iter()
            .map(|evaluation| PlanReport {
                status: self.status,
                objectives: self.objectives.clone(),
                gap: self.gap,
                moves: self.moves.clone(),
                evaluation: evaluation.clone(),
                solver_failed: self.solver_failed,
                bound: None,
                history: Vec::new(),
                odds: None,
                reliability: None,
            })
            .collect()
    }
}

/// A scenario that binds, and what the plan could reach without it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioBinding {
    /// Index in the scenarios given.
    pub scenario: usize,
    /// The objective levels the other scenarios allow.
    pub without: Vec<ObjectiveValue>,
}

/// Whether `a` is lexicographically better than `b` under the model's
/// objective (with the solver's tolerance).
pub fn better(a: &[ObjectiveValue], b: &[ObjectiveValue], model: &Model) -> bool {
    for ((x, y), objective) in a.iter().zip(b).zip(&model.objective) {
        let tolerance = 1e-6 * y.value.abs().max(1.0);
        let (x, y) = match objective {
            Objective::Maximize(_) => (-x.value, -y.value),
            _ => (x.value, y.value),
        };
        if x < y - tolerance {
            return true;
        }
        if x > y + tolerance {
            return false;
        }
    }
    false
}

/// Every level of the model's objective, valued on an evaluation.
pub fn objective_values(model: &Model, evaluation: &Evaluation) -> Vec<ObjectiveValue> {
    model
        .objective
        .iter()
        .map(|o| ObjectiveValue {
            name: o.name(),
            value: objective_value(o, evaluation),
        })
        .collect()
}

/// A level's value, computed from the simulator's evaluation of the plan.
pub fn objective_value(objective: &Objective, evaluation: &Evaluation) -> f64 {
    match objective {
        Objective::Earliest => f64::from(evaluation.met_round.unwrap_or(0)),
        Objective::Cheapest => evaluation.cost,
        Objective::Fewest => evaluation.move_count as f64,
        Objective::Maximize(weights) => weights
            .iter()
            .map(|&(k, w)| w * evaluation.meters[k].last().copied().unwrap_or(0.0))
            .sum(),
    }
}
