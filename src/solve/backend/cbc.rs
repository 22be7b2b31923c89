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
        if let Some(stop) = stop {
            model.set_parameter("allowableGap", &stop.absolute_gap.to_string());
        }
        model
    }

    fn gap(_solution: CoinCbcSolution) -> Option<f64> {
        None
    }
}
