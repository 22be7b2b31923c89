//! The second core's search. Under a time limit on a machine with two
//! cores or more, a second local search and neighbourhood search, from
//! another seed, runs beside the first; the two share the best plan
//! either has found, and each neighbourhood search takes up the other's
//! plan when it is the better one. When the first goes on to the branch
//! and bound with the best plan as its incumbent, the second goes on with
//! its neighbourhoods beside it until the time is up (or the branch and
//! bound has proved its plan), and its plan replaces the branch and
//! bound's when it is better.
//!
//! The searches differ only by their seed, yet end far apart: over five
//! seeds a `chains` model may end with a plan on four, and the met round
//! of a `budgets` model varies by rounds (see the README's *Good plans
//! fast*). Two of them on two cores miss less often than one. The plan
//! then depends on which thread found what first, as any plan under a
//! time limit depends on the clock; without a limit, or under
//! `--effort`, there is no second search and the same command gives the
//! same plan.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::improve::compare_valid;
use crate::model::Instance;
use crate::plan::Moves;
use crate::simulate::{simulate, Evaluation};

use super::{LevelBound, SolveOptions, Solver};

/// The seed of the second search's draws (the first's is 1).
pub(super) const SEED: u64 = 2;

/// Whether a second search may run beside the first: under a time limit
/// without an effort (which asks for the same plan on any machine),
/// unless `--without second-search`. It runs when a core is also free
/// (see [`Cores::spare`]).
pub(super) fn wanted(options: &SolveOptions) -> bool {
    options.tuning.second_search && options.deadline.is_set() && !options.effort.is_set()
}

/// The machine's cores and how many plans and second searches hold one,
/// so that a second search runs only on a core no other plan of the
/// process is using: two plans `seqplan serve` solves at once on two
/// cores get no second search, and a plan that starts while a second
/// search holds the last free core takes it back (the second search
/// stops, its plans kept).
pub(super) struct Cores {
    /// How many there are.
    count: usize,
    busy: AtomicUsize,
    /// The stop flags of the second searches running, the latest last.
    second_searches: Mutex<Vec<Arc<AtomicBool>>>,
}

/// A core held by a plan or a second search, given back when dropped.
pub(super) struct Core<'c> {
    cores: &'c Cores,
    /// A second search's stop flag.
    stop: Option<Arc<AtomicBool>>,
}

impl Drop for Core<'_> {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            self.cores
                .searches()
                .retain(|running| !Arc::ptr_eq(running, stop));
        }
        self.cores.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Cores {
    /// `cores` cores, none held.
    pub(super) const fn new(cores: usize) -> Self {
        Cores {
            count: cores,
            busy: AtomicUsize::new(0),
            second_searches: Mutex::new(Vec::new()),
        }
    }

    /// This process's: as many as the machine has (counted once, on first
    /// use).
    pub(super) fn of_this_process() -> &'static Cores {
        static CORES: std::sync::OnceLock<Cores> = std::sync::OnceLock::new();
        CORES.get_or_init(|| {
            Cores::new(std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
        })
    }

    /// Holds a core for a plan, whether or not one is free (the plan runs
    /// either way), stopping the latest second search when there was
    /// none.
    pub(super) fn hold(&self) -> Core<'_> {
        let busy = self.busy.fetch_add(1, Ordering::AcqRel) + 1;
        if busy > self.count {
            if let Some(stop) = self.searches().pop() {
                tracing::debug!("another plan needs the core back: a second search stops");
                stop.store(true, Ordering::Relaxed);
            }
        }
        Core {
            cores: self,
            stop: None,
        }
    }

    /// Holds a core for a second search if one is free; `stop` is raised
    /// when a plan needs the core back.
    pub(super) fn spare(&self, stop: &Arc<AtomicBool>) -> Option<Core<'_>> {
        let mut searches = self.searches();
        self.busy
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |busy| {
                (busy < self.count).then_some(busy + 1)
            })
            .ok()?;
        searches.push(Arc::clone(stop));
        Some(Core {
            cores: self,
            stop: Some(Arc::clone(stop)),
        })
    }

    fn searches(&self) -> std::sync::MutexGuard<'_, Vec<Arc<AtomicBool>>> {
        self.second_searches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The options of the second search: the command's, with microlp for its
/// small programs, the one backend that can solve beside another solve
/// in the same process (CBC keeps global state; HiGHS's scheduler is
/// shared between threads).
pub(super) fn options(options: &SolveOptions) -> SolveOptions {
    options.clone().with_solver(Solver::Microlp)
}

/// The best valid plan the searches have found, shared between them, and
/// whether it is still recorded in the command's history (until the
/// branch and bound starts, whose own plans the history records next: a
/// plan found beside it is weighed against its plan at the end instead).
pub(super) struct SharedBest<'i> {
    instance: &'i Instance<'i>,
    best: Mutex<Option<(Moves, Evaluation)>>,
    recording: AtomicBool,
    /// The met round the branch and bound has proved the earliest, 0
    /// until it has.
    earliest: AtomicU32,
}

impl<'i> SharedBest<'i> {
    /// None yet, recorded.
    pub(super) fn new(instance: &'i Instance<'i>) -> Self {
        SharedBest {
            instance,
            best: Mutex::new(None),
            recording: AtomicBool::new(true),
            earliest: AtomicU32::new(0),
        }
    }

    /// Keeps `moves` if it is valid and better than the best so far, and
    /// records it (beside `bound`) while recording is on; whether it was
    /// kept.
    pub(super) fn offer(
        &self,
        moves: &Moves,
        options: &SolveOptions,
        bound: Option<LevelBound>,
    ) -> bool {
        let evaluation = simulate(self.instance, moves);
        if !evaluation.is_valid() || evaluation.met_round.is_none() {
            return false;
        }
        let mut best = self.lock();
        let better = best.as_ref().is_none_or(|(kept, kept_evaluation)| {
            compare_valid(self.instance, (moves, &evaluation), (kept, kept_evaluation)).is_lt()
        });
        if !better {
            return false;
        }
        if self.recording.load(Ordering::Relaxed) {
            options.history.record(super::unproven_plan(
                self.instance,
                &evaluation,
                options,
                bound,
            ));
        }
        *best = Some((moves.clone(), evaluation));
        true
    }

    /// The best plan, if it is better than `than` (a valid plan).
    pub(super) fn better_than(&self, than: (&Moves, &Evaluation)) -> Option<(Moves, Evaluation)> {
        let best = self.lock();
        let (moves, evaluation) = best.as_ref()?;
        compare_valid(self.instance, (moves, evaluation), than)
            .is_lt()
            .then(|| (moves.clone(), evaluation.clone()))
    }

    /// The best plan so far.
    pub(super) fn best(&self) -> Option<Moves> {
        self.lock().as_ref().map(|(moves, _)| moves.clone())
    }

    /// The met round of the best plan so far.
    pub(super) fn met_round(&self) -> Option<u32> {
        self.lock()
            .as_ref()
            .and_then(|(_, evaluation)| evaluation.met_round)
    }

    /// Tells the other search that no plan meets everything before
    /// `round`, so that it aims none of its tries there.
    pub(super) fn prove_earliest(&self, round: u32) {
        self.earliest.fetch_max(round, Ordering::Relaxed);
    }

    /// The met round proved the earliest, if one has been.
    pub(super) fn proven_earliest(&self) -> Option<u32> {
        Some(self.earliest.load(Ordering::Relaxed)).filter(|&round| round > 0)
    }

    /// Stops recording the plans kept in the history.
    pub(super) fn stop_recording(&self) {
        self.recording.store(false, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Moves, Evaluation)>> {
        self.best.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{generate_model, Family, Size};
    use crate::model::{Model, Overrides};
    use crate::solve::{Deadline, History, NeighbourhoodLimits, Outcome};

    fn model() -> Model {
        let size = Size {
            actions: 40,
            horizon: 16,
            meters: 3,
            parties: 3,
        };
        generate_model(Family::Mixed, size, 1).expect("a generated model")
    }

    /// Three valid plans of `instance`, each strictly better than the one
    /// before: the greedy plan, the local search's from it, the optimum.
    fn three_plans(instance: &Instance) -> [Moves; 3] {
        let greedy = crate::greedy::greedy_plan(instance).expect("a greedy plan");
        let limits = crate::improve::Limits {
            simulations: 300,
            until_valid: 300,
            seed: 1,
            deadline: Deadline::NONE,
        };
        let searched = crate::improve::improve(instance, Some(&greedy), limits, &mut |_| {})
            .expect("a searched plan");
        let Ok(Outcome::Plan(best)) = crate::solve::plan(instance, &SolveOptions::default()) else {
            panic!("no optimum");
        };
        let plans = [greedy, searched, best.moves];
        for pair in plans.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let order = compare_valid(
                instance,
                (b, &simulate(instance, b)),
                (a, &simulate(instance, a)),
            );
            assert!(order.is_lt(), "the plans are not each better than the last");
        }
        plans
    }

    /// A second search gets a core only while one is free: on two cores,
    /// beside one plan and not beside two, and again once one ends; a
    /// plan that starts while it holds the last core stops it.
    #[test]
    fn a_second_search_gets_a_core_only_when_one_is_free() {
        let cores = Cores::new(2);
        let stop = Arc::new(AtomicBool::new(false));
        let first = cores.hold();
        let second = cores.spare(&stop);
        assert!(second.is_some(), "a free core is refused");
        let third = Arc::new(AtomicBool::new(false));
        assert!(cores.spare(&third).is_none(), "a third search on two cores");
        assert!(!stop.load(Ordering::Relaxed));
        let other = cores.hold();
        assert!(stop.load(Ordering::Relaxed), "the second search goes on");
        drop(second);
        assert!(
            cores.spare(&third).is_none(),
            "two plans, and a second search"
        );
        drop(first);
        let again = Arc::new(AtomicBool::new(false));
        let spare = cores.spare(&again);
        assert!(spare.is_some(), "the core given back is refused");
        drop(other);
        let next = cores.hold();
        assert!(!again.load(Ordering::Relaxed), "stopped with a core free");
        drop((spare, next));
        let one = Cores::new(1);
        let _plan = one.hold();
        assert!(one.spare(&third).is_none(), "a second search on one core");
    }

    #[test]
    fn the_shared_plan_is_the_best_offered_and_recorded_until_the_solver_starts() {
        let model = model();
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let [worst, middle, best] = three_plans(&instance);
        let options = SolveOptions::default();
        let shared = SharedBest::new(&instance);
        assert!(shared.best().is_none());
        assert!(shared.offer(&middle, &options, None));
        assert!(
            !shared.offer(&worst, &options, None),
            "a worse plan is kept"
        );
        assert!(
            !shared.offer(&middle, &options, None),
            "an equal plan is kept"
        );
        assert!(
            !shared.offer(&Moves::new(Vec::new()), &options, None),
            "a plan that meets no expectation is kept"
        );
        assert_eq!(shared.best(), Some(middle.clone()));
        assert_eq!(options.history.len(), 1);
        let evaluation = simulate(&instance, &worst);
        assert!(shared.better_than((&worst, &evaluation)).is_some());
        let evaluation = simulate(&instance, &middle);
        assert!(shared.better_than((&middle, &evaluation)).is_none());
        shared.stop_recording();
        assert!(shared.offer(&best, &options, None));
        assert_eq!(shared.best(), Some(best));
        assert_eq!(
            options.history.len(),
            1,
            "recorded after the solver started"
        );
    }

    /// A neighbourhood search beside another takes up the other's plan
    /// when it is the better one: from the greedy plan, one small program
    /// ends at the optimum shared with it, where alone it does not.
    #[test]
    fn a_neighbourhood_search_takes_up_the_better_shared_plan() {
        let model = model();
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let [greedy, _, best] = three_plans(&instance);
        let options = SolveOptions {
            history: History::silent(),
            ..SolveOptions::default()
        };
        let limits = NeighbourhoodLimits {
            solves: 1,
            nodes: 50,
            size: 20,
            seed: 1,
            simulations: 1_000,
            earliest: None,
            deadline: Deadline::NONE,
        };
        let searched = |shared: Option<&SharedBest>| {
            let found = super::super::lns::search_sharing(
                &instance,
                greedy.clone(),
                &options,
                limits,
                &mut |_| {},
                shared,
            );
            let evaluation = simulate(&instance, &found);
            compare_valid(
                &instance,
                (&found, &evaluation),
                (&best, &simulate(&instance, &best)),
            )
        };
        assert!(
            searched(None).is_gt(),
            "alone, one small program finds the optimum"
        );
        let shared = SharedBest::new(&instance);
        assert!(shared.offer(&best, &options, None));
        assert!(searched(Some(&shared)).is_eq());
    }
}
