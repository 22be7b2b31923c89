//! Plans as data: the moves of a plan, solver independent, and the report
//! shown to users (moves plus their evaluation by the simulator).

use crate::model::ActionIdx;
use crate::simulate::Evaluation;

/// One move: an action started in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Move {
    /// Start round (1-based; a person's plan may hold any round).
    pub round: u32,
    pub action: ActionIdx,
}

/// The moves of a plan, sorted by round, then by action order in the model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Moves(Vec<Move>);

impl Moves {
    /// Sorts the moves into their canonical order.
    pub fn new(mut moves: Vec<Move>) -> Self {
        moves.sort_unstable();
        Moves(moves)
    }

    /// The moves, in round order.
    pub fn as_slice(&self) -> &[Move] {
        &self.0
    }

    /// How many moves.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the plan makes no move.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Start rounds of one action, ascending.
    pub fn starts_of(&self, action: ActionIdx) -> impl Iterator<Item = u32> + '_ {
        self.0
            .iter()
            .filter(move |m| m.action == action)
            .map(|m| m.round)
    }
}

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
}
