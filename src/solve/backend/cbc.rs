//! COIN-OR CBC (`--features cbc`, `--solver cbc`): needs the system's CBC
//! library (Debian: coinor-libcbc-dev).

use good_lp::solvers::coin_cbc::{CoinCbcProblem, CoinCbcSolution};
use good_lp::variable::UnsolvedProblem;

use super::via_good_lp::{solve_with, Backend};
use super::{LevelResult, Task};

pub(super) struct Cbc;

/// Held from building a CBC model to reading its answer. The library
/// keeps global state: two models at once in one process (the test
/// harness's threads, say) corrupt each other's answers, and `good_lp`'s
/// own lock covers only the solve.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A level solved by CBC, with no other CBC model alive meanwhile.
pub(super) fn solve_alone(task: &Task) -> LevelResult {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    solve_with::<Cbc>(task)
}

impl Backend for Cbc {
    type Model = CoinCbcProblem;
    type Solution = CoinCbcSolution;
    // Like HiGHS's, CBC's answer with a partial start through good_lp can be
    // a worse plan reported optimal (a tie-break of 8 where 6 is reachable,
    // on `generate --family mixed --actions 4 --horizon 4 --parties 2
    // --seed 17`).
    const TAKES_START: bool = false;

    fn model(
        problem: UnsolvedProblem,
        absolute_gap: Option<f64>,
        presolve: bool,
    ) -> CoinCbcProblem {
        let mut model = problem.using(good_lp::solvers::coin_cbc::coin_cbc);
        model.set_parameter("log", "0");
        model.set_parameter("threads", "1");
        // CBC 2.10's MIP preprocessing has returned a plan with a meter half
        // a unit off its own equation, and a worse tie-break called optimal
        // (tests/solver.rs, known seeds); without it CBC passes the oracle.
        model.set_parameter("preprocess", "off");
        if !presolve {
            model.set_parameter("presolve", "off");
        }
        if let Some(gap) = absolute_gap {
            model.set_parameter("allowableGap", &gap.to_string());
        }
        model
    }
}
