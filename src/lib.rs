//! seqplan plans the order of confidence-building moves in a negotiation.
//!
//! A model (JSON) lists parties, meters, moves with preconditions and
//! effects, expectations with deadlines and red lines. Data flows one way:
//!
//! ```text
//! model (serde types) -> validate -> instance (scenario applied)
//!   -> formulate (MILP as data) -> solve (microlp, HiGHS, CBC) -> plan
//!   -> simulate (independent check) -> chance (when moves may fail)
//!   -> render (text | json)
//! ```
//!
//! The simulator shares no code with the MILP builder: every plan the solver
//! returns is re-checked by it before it is shown.

pub mod chance;
pub mod check;
pub mod cli;
pub mod compare;
pub mod diagnose;
pub mod error;
pub mod escape;
pub mod explain;
pub mod export;
pub mod formulate;
pub mod generate;
pub mod greedy;
pub mod improve;
pub mod model;
pub mod numbers;
pub mod output;
pub mod plan;
pub mod presolve;
pub mod progress;
pub mod render;
pub mod replan;
pub mod report;
pub mod serve;
pub mod simulate;
pub mod solve;
pub mod tuning;
pub mod warnings;

pub use cli::run;
pub use error::Error;
pub use model::{load_model, Instance, Model, Overrides};
pub use plan::{Move, Moves};
pub use report::{PlanReport, Status};
pub use simulate::{simulate, Evaluation};
pub use solve::{plan, Outcome, SolveOptions};
pub use tuning::Tuning;
