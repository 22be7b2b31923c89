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

pub mod check;
pub mod cli;
pub mod compare;
pub mod diagnose;
pub mod error;
pub mod escape;
pub mod explain;
pub mod formulate;
pub mod generate;
pub mod greedy;
pub mod model;
pub mod output;
pub mod plan;
pub mod presolve;
pub mod progress;
pub mod render;
pub mod simulate;
pub mod solve;

pub use error::Error;
pub use model::{load_model, Instance, Model, Overrides, Tuning};
pub use plan::{Move, Moves, PlanReport, Status};
pub use simulate::{simulate, Evaluation};
pub use solve::{plan, Outcome, SolveOptions};

/// Absolute tolerance when comparing meters against levels (DESIGN.md).
pub const TOLERANCE: f64 = 1e-6;

/// Formats a number for people and for JSON-stable output: at most six
/// decimals, no trailing zeros, no negative zero.
pub fn fmt_num(value: f64) -> String {
    fmt_decimals(value, 6)
}

/// Formats a meter value for tables: at most two decimals, trimmed.
pub fn fmt_meter(value: f64) -> String {
    fmt_decimals(value, 2)
}

fn fmt_decimals(value: f64, places: usize) -> String {
    let text = format!("{:.places$}", round6(value));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_short_and_stable() {
        assert_eq!(fmt_num(2.0), "2");
        assert_eq!(fmt_num(1.9000000000000001), "1.9");
        assert_eq!(fmt_num(-0.0000001), "0");
        assert_eq!(fmt_num(0.1234567), "0.123457");
        assert_eq!(fmt_meter(3.759875), "3.76");
        assert_eq!(fmt_meter(-0.001), "0");
        assert_eq!(round6(-1e-9), 0.0);
    }
}
