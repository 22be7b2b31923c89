//! seqplan plans the order of confidence-building moves in a negotiation.
//!
//! A model (JSON) lists parties, meters, moves with preconditions and
//! effects, expectations with deadlines and red lines. Data flows one way:
//!
//! ```text
//! model (serde types) -> validate -> instance (scenario applied)
//!   -> formulate (MILP as data) -> solve (good_lp) -> plan
//!   -> simulate (independent check) -> render (text | json)
//! ```
//!
//! The simulator shares no code with the MILP builder: every plan the solver
//! returns is re-checked by it before it is shown.

pub mod cli;
pub mod error;
pub mod formulate;
pub mod model;
pub mod plan;
pub mod render;
pub mod simulate;
pub mod solve;

pub use error::Error;
pub use model::{load_model, Instance, Model, Overrides};
pub use plan::{Move, Moves, PlanReport, Status};
pub use simulate::{simulate, Evaluation};
pub use solve::{plan, Outcome, SolveOptions};

/// Absolute tolerance when comparing meters against levels (DESIGN.md).
pub const TOLERANCE: f64 = 1e-6;

/// Formats a number for people and for JSON-stable output: at most six
/// decimals, no trailing zeros, no negative zero.
pub fn fmt_num(value: f64) -> String {
    let rounded = round6(value);
    let text = format!("{rounded:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Formats a meter value for tables: at most two decimals, trimmed.
pub fn fmt_meter(value: f64) -> String {
    let text = format!("{:.2}", round6(value));
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Rounds to six decimals (and turns −0 into 0), so tiny floating-point
/// noise never changes the output.
pub fn round6(value: f64) -> f64 {
    let rounded = (value * 1e6).round() / 1e6;
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}
