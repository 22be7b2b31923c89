//! The program's speed-ups: solver settings, not part of the problem.
//! They travel in [`crate::solve::SolveOptions`] beside the deadline and
//! the backend, and every program is built with one
//! ([`crate::formulate::Milp::build`]), so that an [`crate::Instance`] says
//! only what the user asked and the same instance can be solved with any
//! tuning.

/// The program's speed-ups. None changes the optimum; each makes the
/// branch and bound's work smaller. All are on by default: `--no-presolve`
/// turns them all off, and the benchmarks turn them off one at a time to
/// measure what each gains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// Start windows narrowed to the rounds some valid plan could use:
    /// forward reachability with optimistic meters.
    pub windows: bool,
    /// The actions no optimal plan needs dropped (see
    /// [`crate::presolve::useful_actions`]). Off for alternatives, which
    /// may tie the optimum on the user's levels with such a move.
    pub drop_useless: bool,
    /// Windows and rows from the deadlines: the rounds by which the
    /// expectations demand each action and what it needs. Valid only for
    /// plans that meet every expectation, so diagnosis, which looks at
    /// plans that miss some, turns it off.
    pub deadlines: bool,
    /// Rows every plan satisfies that the LP relaxation would otherwise
    /// miss: single-use precedences in aggregate, order-free reach of a
    /// `when` band, and the completions the expectations demand.
    pub implied_rows: bool,
    /// An integer count of each action's moves, which the cost and count
    /// objectives read: the branch and bound can then decide whether an
    /// action is taken before deciding when.
    pub counts: bool,
    /// The greedy plan handed to the solver as its first incumbent.
    pub warm_start: bool,
    /// With `earliest` first, on programs with at least this many start
    /// variables: solve it alone, then the other levels on a program
    /// rebuilt with every deadline at the met round found (`usize::MAX`:
    /// never). The split costs a second build and solve, some tens of
    /// milliseconds: on the shipped models (80 to 260 starts) that is most
    /// of the time, while on generated 40x16 and 120x36 models (400 to
    /// 3,500 starts) it saves seconds (see `cargo bench --bench scale`).
    pub earliest_first_from: usize,
    /// On models with at least this many possible starts (windows summed,
    /// [`crate::improve::possible_starts`]): before the branch and bound,
    /// a local search over plans (see [`crate::improve`]) from the greedy
    /// plan, whose best plan is the solver's first incumbent and brings
    /// the deadlines forward to its met round (`usize::MAX`: never). It
    /// costs a fixed number of simulations (up to four times as many while
    /// it has no valid plan), about a second at 120x36
    /// (3,400 to 4,300 possible starts), where it halves the met round and
    /// the cost of the plan in hand; at 40x16 (420 to 630) it changed no
    /// plan and the shipped models (130 to 520) need none.
    pub local_search_from: usize,
    /// With `earliest` first, after the local search: the local search
    /// again with every deadline one round before the met round of the
    /// plan in hand, for as long as it finds plans (see `solve::sooner`).
    /// On the `chains` models the neighbourhoods seldom bring the met
    /// round forward; this does, by rounds.
    pub sooner: bool,
    /// On models with at least this many possible starts: after the local
    /// search, a large-neighbourhood search (see `solve::lns`) that frees
    /// part of the plan, fixes the rest and re-solves that small program
    /// with the backend, under a fixed budget of nodes (`usize::MAX`:
    /// never).
    pub neighbourhoods_from: usize,
    /// Under a time limit (and no `--effort`), on a machine with a second
    /// core: a second local search and neighbourhood search from another
    /// seed beside the first, sharing the best plan, and its
    /// neighbourhoods beside the branch and bound (see
    /// `solve::second_search`).
    pub second_search: bool,
}

impl Tuning {
    /// Every speed-up.
    pub const ALL: Tuning = Tuning {
        windows: true,
        drop_useless: true,
        deadlines: true,
        implied_rows: true,
        counts: true,
        warm_start: true,
        earliest_first_from: 300,
        local_search_from: 1000,
        sooner: true,
        neighbourhoods_from: 1000,
        second_search: true,
    };
    /// The plain program.
    pub const NONE: Tuning = Tuning {
        windows: false,
        drop_useless: false,
        deadlines: false,
        implied_rows: false,
        counts: false,
        warm_start: false,
        earliest_first_from: usize::MAX,
        local_search_from: usize::MAX,
        sooner: false,
        neighbourhoods_from: usize::MAX,
        second_search: false,
    };
}

/// One speed-up of [`Tuning`], to turn off on its own (the hidden
/// `--without` option and the benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuningStep {
    Windows,
    DropUseless,
    Deadlines,
    ImpliedRows,
    Counts,
    WarmStart,
    EarliestFirst,
    LocalSearch,
    Sooner,
    Neighbourhoods,
    SecondSearch,
}

impl TuningStep {
    /// Every step, in the order of [`Tuning`]'s fields.
    pub const ALL: [TuningStep; 11] = [
        TuningStep::Windows,
        TuningStep::DropUseless,
        TuningStep::Deadlines,
        TuningStep::ImpliedRows,
        TuningStep::Counts,
        TuningStep::WarmStart,
        TuningStep::EarliestFirst,
        TuningStep::LocalSearch,
        TuningStep::Sooner,
        TuningStep::Neighbourhoods,
        TuningStep::SecondSearch,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TuningStep::Windows => "windows",
            TuningStep::DropUseless => "drop-useless",
            TuningStep::Deadlines => "deadlines",
            TuningStep::ImpliedRows => "implied-rows",
            TuningStep::Counts => "counts",
            TuningStep::WarmStart => "warm-start",
            TuningStep::EarliestFirst => "earliest-first",
            TuningStep::LocalSearch => "local-search",
            TuningStep::Sooner => "sooner",
            TuningStep::Neighbourhoods => "neighbourhoods",
            TuningStep::SecondSearch => "second-search",
        }
    }

    /// `tuning` with this step off.
    pub fn off(self, mut tuning: Tuning) -> Tuning {
        let flag = match self {
            TuningStep::Windows => &mut tuning.windows,
            TuningStep::DropUseless => &mut tuning.drop_useless,
            TuningStep::Deadlines => &mut tuning.deadlines,
            TuningStep::ImpliedRows => &mut tuning.implied_rows,
            TuningStep::Counts => &mut tuning.counts,
            TuningStep::WarmStart => &mut tuning.warm_start,
            TuningStep::SecondSearch => &mut tuning.second_search,
            TuningStep::Sooner => &mut tuning.sooner,
            TuningStep::EarliestFirst => {
                tuning.earliest_first_from = usize::MAX;
                return tuning;
            }
            TuningStep::LocalSearch => {
                tuning.local_search_from = usize::MAX;
                return tuning;
            }
            TuningStep::Neighbourhoods => {
                tuning.neighbourhoods_from = usize::MAX;
                return tuning;
            }
        };
        *flag = false;
        tuning
    }
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning::ALL
    }
}
