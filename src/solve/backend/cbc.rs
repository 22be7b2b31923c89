//! COIN-OR CBC (`--features cbc`, `--solver cbc`): needs the system's CBC
//! library (Debian: coinor-libcbc-dev).

use good_lp::solvers::coin_cbc::{CoinCbcProblem, CoinCbcSolution};
use good_lp::variable::UnsolvedProblem;

use super::{Backend, Stop};

pub(super) struct Cbc;

impl Backend for Cbc {
    type Model = CoinCbcProblem;
    type Solution = CoinCbcSolution;
    const RELATIVE_GAP_ONLY: bool = false;

    fn model(problem: UnsolvedProblem, stop: Option<Stop>) -> CoinCbcProblem {
        let mut model = problem.using(good_lp::solvers::coin_cbc::coin_cbc);
        model.set_parameter("log", "0");
        model.set_parameter("threads", "1");
        // CBC counts a binary within 1e-6 of a whole number as whole; in a
        // row with a big-M term that leaves a meter up to M·1e-6 past its
        // level, which the simulator then rejects. Whole means whole here.
        model.set_parameter("integerTolerance", "1e-9");
        if let Some(stop) = stop {
            model.set_parameter("allowableGap", &stop.absolute_gap.to_string());
        }
        model
    }

    fn gap(_solution: CoinCbcSolution) -> Option<f64> {
        None
    }
}
