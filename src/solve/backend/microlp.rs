//! microlp, the bundled pure-Rust branch and bound: the default backend.

use good_lp::solvers::microlp::{MicroLpProblem, MicroLpSolution};
use good_lp::solvers::WithMipGap;
use good_lp::variable::UnsolvedProblem;

use super::{Backend, Stop};

pub(super) struct Microlp;

impl Backend for Microlp {
    type Model = MicroLpProblem;
    type Solution = MicroLpSolution;
    const RELATIVE_GAP_ONLY: bool = true;

    fn model(problem: UnsolvedProblem, stop: Option<Stop>) -> MicroLpProblem {
        let model = problem.using(good_lp::solvers::microlp::microlp);
        match stop {
            // The gap is finite and positive by construction; a model that
            // refused it would only search on to the proof.
            Some(stop) => match model.with_mip_gap(stop.relative_gap) {
                Ok(model) => model,
                Err(_) => unreachable!("a stop's gap is finite and positive"),
            },
            None => model,
        }
    }

    fn gap(solution: MicroLpSolution) -> Option<f64> {
        let solution = solution.into_inner();
        let stats = solution.stats();
        tracing::debug!(
            solver = "microlp",
            nodes = stats.nodes_solved,
            pivots = stats.lp_iterations,
            "branch and bound"
        );
        solution.gap()
    }
}
