//! Plans as data: the moves of a plan, solver independent, as the solver
//! returns them, a person proposes them and the simulator reads them.

use crate::model::ActionIdx;

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
