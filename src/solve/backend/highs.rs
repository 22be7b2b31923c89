//! HiGHS (`--features highs`, `--solver highs`), built from source with the
//! crate (cmake, a C++ compiler and libclang).

use good_lp::solvers::highs::{HighsProblem, HighsSolution};
use good_lp::variable::UnsolvedProblem;
use good_lp::Variable;

use super::via_good_lp::{answer, Backend};
use super::{until_deadline, LevelResult};
use crate::solve::Deadline;

pub(super) struct Highs;

impl Backend for Highs {
    type Model = HighsProblem;
    type Solution = HighsSolution;
    // good_lp hands HiGHS a start as a whole assignment, zero for every
    // column not given; on some programs HiGHS then reports a worse plan as
    // optimal (the solver oracle's seed 7073984883626884408: `maximize` 0
    // where 1 is reachable). Even a complete start, the previous level's
    // plan with every column given, has led it to call a worse plan optimal
    // (seed 7970241597245622048: a tie-break of 14 where 5 is reachable),
    // so it gets none. Its own heuristics find first plans quickly.
    const TAKES_START: bool = false;
    // HiGHS 1.16's presolve proves some small feasible programs infeasible
    // (the solver oracle's seed 15153843160218881762, `maximize` first, so
    // no plan of a level before to catch it; highspy on the exported file
    // says the same, SCIP and HiGHS without presolve find the optimum).
    const DOUBTS_PRESOLVED_INFEASIBILITY: bool = true;

    fn model(problem: UnsolvedProblem, absolute_gap: Option<f64>, presolve: bool) -> HighsProblem {
        let mut model = problem.using(good_lp::solvers::highs::highs);
        model.set_verbose(false);
        // One thread: the same plan on every run and every machine. No
        // relative gap: proven means proven, on levels whose weighted
        // values are large; a level a step apart stops just under a step.
        let model = model
            .set_threads(1)
            .set_option("mip_rel_gap", 0.0)
            .set_option("output_flag", false)
            .set_option("presolve", if presolve { "choose" } else { "off" });
        match absolute_gap {
            Some(gap) => model.set_option("mip_abs_gap", gap),
            None => model,
        }
    }

    // HiGHS 1.16 does not watch its clock everywhere in its root node: on
    // the earliest-first stage of `budgets` 120x36 seed 1, with 3 s left it
    // ran 8.7 s, with 2 s, 10.8 s (its own `highspy` too), and the command
    // ran 7 s past the user's limit. Under a deadline its solve runs on a
    // thread of its own that is left behind when the time is up.
    fn solve(model: HighsProblem, vars: Vec<Variable>, deadline: Deadline) -> LevelResult {
        if deadline.left().is_none() {
            return answer::<Highs>(model, &vars, deadline);
        }
        until_deadline("highs", deadline, move || {
            answer::<Highs>(model, &vars, deadline)
        })
        .unwrap_or_else(|failure| failure)
    }
}
