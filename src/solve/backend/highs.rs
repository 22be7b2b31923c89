//! HiGHS (`--features highs`, `--solver highs`), built from source with the
//! crate (cmake, a C++ compiler and libclang).

use good_lp::solvers::highs::{HighsProblem, HighsSolution};
use good_lp::variable::UnsolvedProblem;

use super::{Backend, Stop};

pub(super) struct Highs;

impl Backend for Highs {
    type Model = HighsProblem;
    type Solution = HighsSolution;
    const RELATIVE_GAP_ONLY: bool = false;

    fn model(problem: UnsolvedProblem, stop: Option<Stop>) -> HighsProblem {
        let mut model = problem.using(good_lp::solvers::highs::highs);
        model.set_verbose(false);
        // One thread: the same plan on every run and every machine.
        let model = model.set_threads(1);
        let model = match model.set_mip_rel_gap(0.0) {
            Ok(model) => model,
            Err(_) => unreachable!("a zero gap is valid"),
        };
        match stop {
            Some(stop) => match model.set_mip_abs_gap(stop.absolute_gap) {
                Ok(model) => model,
                Err(_) => unreachable!("a stop's gap is finite and positive"),
            },
            None => model,
        }
    }

    fn gap(_solution: HighsSolution) -> Option<f64> {
        None
    }
}
