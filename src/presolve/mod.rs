//! What can be known about every valid (or every optimal) plan before any
//! solve, one function per fact, so that the program is built smaller and
//! tighter and the greedy walk, the warnings and explain reason the same
//! way: when each action can start (`windows`), what the meters can be
//! (`meters`), and which actions can help and by when the expectations
//! demand them (`useful`). Each fact holds for every plan the solver could
//! return, so the optimum does not change. The simulator shares none of
//! this: it judges a plan by the rules alone.

mod meters;
mod useful;
mod windows;

pub use meters::{idle_meters, meter_bounds, meter_bounds_over, MeterBounds};
pub use useful::{demanded_completions, meters_asked_to_move, useful_actions, with_what_they_need};
pub use windows::{
    binding_precedences, candidate_starts, plain_starts, precedences, start_windows, Precedence,
    PrecedenceSource,
};

/// The round a use of an action completes in when it starts in `start`:
/// in progress in rounds start..start+duration−1.
pub fn completion(start: u32, duration: u32) -> u32 {
    start + duration - 1
}

/// The first round a precedence lets a move start in, when what it waits
/// for completed in round `completed`: the rule of `requires` and
/// `not_before` is "completed in a round ≤ start − lag".
pub fn ready_from(completed: u32, lag: u32) -> u32 {
    completed + lag
}

/// The inverse of [`ready_from`]: the latest round what a move waits for
/// may complete in, for the move to start in `start` (0 when none can).
pub fn latest_completion_before(start: u32, lag: u32) -> u32 {
    start.saturating_sub(lag)
}

/// The inverse of [`completion`]: the latest start of a use that must
/// complete by round `by` (0 when none can).
pub fn latest_start_completing_by(by: u32, duration: u32) -> u32 {
    (by + 1).saturating_sub(duration)
}
