//! The large-neighbourhood search: from the plan in hand, free part of it
//! (a window of rounds, before the met round or after it, one party's
//! moves, the moves acting on the meter of a red line the plan comes close
//! to, or what the expectations met last wait on), keep the rest where it
//! is (or drop it), and hand that small program to the backend with the
//! plan as its incumbent and a small budget of nodes. A better plan
//! becomes the plan in hand. Each kind of neighbourhood grows when its
//! small program is searched to the end
//! without a better plan (too small to hold one) and shrinks when the
//! budget runs out first (too large to search). Drawn among them, as
//! another kind, is a turn of the local search toward a plan that meets
//! everything a round sooner (see [`super::sooner`]).
//!
//! Where the local search of [`crate::improve`] changes one or two moves
//! at a time, guided by the simulator, a neighbourhood lets the branch and
//! bound rearrange tens of moves at once, exactly: what a plan needs to
//! bring its met round forward is often a whole chain moved together. The
//! work is counted in nodes and the neighbourhoods are drawn from a seeded
//! generator, so that the same command gives the same plan on any machine
//! unless a time limit cuts the search short.

use crate::formulate::Milp;
use crate::improve::{compare_valid, Draw};
use crate::model::{ActionIdx, ExpectationKind, Instance, MeterIdx, RedLineKind};
use crate::plan::Moves;
use crate::presolve::{binding_precedences, start_windows};
use crate::report::Status;
use crate::simulate::{simulate, Evaluation};

use super::second_search::SharedBest;
use super::sooner::{a_round_sooner, Try};
use super::{due_by, earliest_leads, solve_small, warm_start};
use super::{Deadline, Outcome, SolveOptions};

/// How much the search may do, and its seed.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most small programs solved.
    pub solves: usize,
    /// The branch-and-bound nodes each may take.
    pub nodes: u64,
    /// The possible starts a neighbourhood frees at first (it adapts).
    pub size: usize,
    /// The seed of the neighbourhoods drawn.
    pub seed: u64,
    /// The simulations of each try of the local search toward a sooner
    /// plan, drawn among the neighbourhoods (see `solve::sooner`).
    pub simulations: u64,
    /// A met round proven the earliest (see `solve::sooner`): no try
    /// toward a sooner plan is made from a plan that meets everything by
    /// it.
    pub earliest: Option<u32>,
    /// A moment to stop at even with solves left.
    pub deadline: Deadline,
}

/// The possible starts a neighbourhood frees at least (or its first size,
/// if smaller) and at most, as it adapts.
const LEAST_SIZE: f64 = 30.0;
const MOST_SIZE: f64 = 3000.0;
/// How much a neighbourhood grows or shrinks at a time.
const GROWTH: f64 = 1.25;

/// What a neighbourhood frees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Every move in a window of rounds.
    Rounds,
    /// One party's moves.
    Party,
    /// The moves acting on the meter of a red line the plan comes close
    /// to, around the round it comes closest.
    RedLine,
    /// The moves the expectations met last wait on: the actions expected
    /// and what they require, or the moves acting on the meters expected.
    LastMet,
    /// Every move in a window of rounds after the met round: the moves
    /// that hold the meters expected up and keep the red lines uncrossed
    /// to the horizon. The other kinds free rounds up to the met round
    /// only, to bring it forward; much of a plan's cost may lie after it.
    AfterMet,
    /// Not a neighbourhood: the local search with every deadline a round
    /// before the met round (see [`super::sooner`]), which brings the met
    /// round forward where the chain it waits on is too long to free.
    Sooner,
}

/// The kinds, each tried once in this order, then drawn by [`Weights`].
const KINDS: [Kind; 6] = [
    Kind::LastMet,
    Kind::Sooner,
    Kind::Rounds,
    Kind::AfterMet,
    Kind::RedLine,
    Kind::Party,
];

/// A plan no worse than `start`, improved by re-solving neighbourhoods of
/// it within `limits` with the options' backend and tuning; `start` itself
/// if it is not valid or the instance has forced moves. Each better plan
/// is shown to `on_better`. The options' effort pays for every node and
/// their history counts them; the limits' deadline stops the search and
/// each small program. The same arguments, without a deadline, give the
/// same plan.
pub fn neighbourhood_search(
    instance: &Instance,
    start: Moves,
    options: &SolveOptions,
    limits: Limits,
    on_better: &mut dyn FnMut(&Moves),
) -> Moves {
    search_sharing(instance, start, options, limits, on_better, None)
}

/// [`neighbourhood_search`] beside another search that shares its best
/// plan in `shared` (see [`super::second_search`]): before each
/// neighbourhood, the shared plan becomes the plan in hand when it is the
/// better one.
pub(super) fn search_sharing(
    instance: &Instance,
    start: Moves,
    options: &SolveOptions,
    limits: Limits,
    on_better: &mut dyn FnMut(&Moves),
    shared: Option<&SharedBest>,
) -> Moves {
    let mut best_evaluation = simulate(instance, &start);
    if !instance.forced.is_empty()
        || instance.relaxable
        || instance.only_forced
        || !best_evaluation.is_valid()
    {
        return start;
    }
    let mut best = start;
    let area = Area::new(instance);
    let mut draw = Draw::new(limits.seed);
    // Each kind adapts its own size: a chain that holds the met round back
    // may need more room than a window of rounds.
    let first_size = limits.size as f64;
    let smallest = first_size.min(LEAST_SIZE);
    let mut sizes = [first_size; KINDS.len()];
    let mut weights = Weights::new();
    let (mut solved, mut better, mut startless) = (0, 0, 0);
    for step in 0..limits.solves {
        if limits.deadline.passed() || options.effort.spent() {
            break;
        }
        if let Some((moves, evaluation)) =
            shared.and_then(|shared| shared.better_than((&best, &best_evaluation)))
        {
            best = moves;
            best_evaluation = evaluation;
        }
        // Each kind once, in turn, then as often as it has paid.
        let turn = if step < KINDS.len() {
            step
        } else {
            weights.draw(&mut draw)
        };
        let kind = KINDS[turn];
        let size = &mut sizes[turn];
        if kind == Kind::Sooner {
            if limits.earliest.is_some() && best_evaluation.met_round <= limits.earliest {
                weights.update(turn, Gain::None);
                continue;
            }
            let try_limits = crate::improve::Limits {
                simulations: limits.simulations,
                until_valid: limits.simulations,
                seed: draw.next(),
                deadline: limits.deadline,
            };
            let gain = match a_round_sooner(instance, &best, try_limits, &options.tuning, on_better)
            {
                Try::Sooner(found) => {
                    best_evaluation = simulate(instance, &found);
                    best = found;
                    Gain::Sooner
                }
                Try::Missed | Try::Unwanted => Gain::None,
            };
            weights.update(turn, gain);
            continue;
        }
        let mut sub = match best_evaluation
            .met_round
            .filter(|_| earliest_leads(instance, &options.tuning))
        {
            Some(met) => due_by(instance, met),
            None => instance.clone(),
        };
        let last = best_evaluation.met_round.unwrap_or(instance.horizon).max(1);
        sub.only_starts = Some(area.neighbourhood(
            kind,
            &best,
            &best_evaluation,
            last,
            *size as usize,
            &mut draw,
        ));
        let milp = Milp::build(&sub, &options.tuning);
        let Some(hint) = warm_start(&sub, &milp, &best) else {
            // A program that takes no start (one with event columns) takes
            // none in any neighbourhood: a whole turn of them (every kind
            // but the sooner one, which solves no program) ends the search.
            tracing::debug!(?kind, "the plan in hand is no start of its neighbourhood");
            startless += 1;
            if startless == KINDS.len() - 1 {
                break;
            }
            continue;
        };
        startless = 0;
        let (result, used) = solve_small(
            instance,
            &milp,
            Some(hint),
            options,
            (limits.nodes, limits.deadline),
        );
        solved += 1;
        let (found, proven) = match result {
            Ok(Outcome::Plan(report)) => {
                let proven = report.status == Status::Optimal;
                (Some(report), proven)
            }
            Ok(Outcome::Infeasible) => {
                tracing::debug!(?kind, "a neighbourhood holding a valid plan was infeasible");
                (None, false)
            }
            Ok(Outcome::Unknown) => (None, false),
            Err(error) => {
                tracing::debug!(?kind, %error, "a neighbourhood's program failed");
                (None, false)
            }
        };
        let mut gain = Gain::None;
        if let Some(report) = found {
            let wins = compare_valid(
                instance,
                (&report.moves, &report.evaluation),
                (&best, &best_evaluation),
            )
            .is_lt();
            if wins {
                gain = if report.evaluation.met_round < best_evaluation.met_round {
                    Gain::Sooner
                } else {
                    Gain::Better
                };
                best = report.moves;
                best_evaluation = report.evaluation;
                on_better(&best);
            }
        }
        weights.update(turn, gain);
        let improved = gain != Gain::None;
        better += usize::from(improved);
        if !improved {
            *size = if proven {
                *size * GROWTH
            } else {
                *size / GROWTH
            };
            *size = size.clamp(smallest, MOST_SIZE.max(first_size));
        }
        tracing::trace!(?kind, improved, proven, size, used, "neighbourhood");
    }
    tracing::debug!(
        solved,
        better,
        ?sizes,
        met = ?best_evaluation.met_round,
        cost = best_evaluation.cost,
        "large-neighbourhood search"
    );
    best
}

/// What a small program gained: a plan that meets the expectations
/// sooner, a plan better otherwise (cheaper, mostly), or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gain {
    Sooner,
    Better,
    None,
}

/// How often each kind of neighbourhood is drawn: its weight moves toward
/// what its small programs gain, so that the kinds that pay on this model
/// and at this stage of the search get the work (the adaptive
/// large-neighbourhood search of Ropke and Pisinger, 2006). The kinds that
/// bring the met round forward pay early; the window after the met round
/// pays once the met round is at its best and the cost is what is left.
struct Weights([f64; KINDS.len()]);

/// How far a kind's weight moves toward each result.
const REACTION: f64 = 0.2;
/// What each gain is worth: meeting the expectations sooner is the first
/// level of the usual objective. Weighed 8 to 1 rather than 4 to 2, the
/// met round came sooner on `budgets` at 10 s (three runs side by side,
/// 81 model-runs in all: better on 32, equal on 30, worse on 19; see the
/// README's *Good plans fast*).
const SOONER_SCORE: f64 = 8.0;
const BETTER_SCORE: f64 = 1.0;
/// The least weight, so that a kind that has not paid is still drawn now
/// and then.
const LEAST_WEIGHT: f64 = 0.2;

impl Weights {
    fn new() -> Self {
        Weights([1.0; KINDS.len()])
    }

    /// A kind, drawn in proportion to the weights.
    fn draw(&self, draw: &mut Draw) -> usize {
        let total: f64 = self.0.iter().sum();
        let mut point = total * draw.fraction();
        for (turn, weight) in self.0.iter().enumerate() {
            if point < *weight {
                return turn;
            }
            point -= weight;
        }
        KINDS.len() - 1
    }

    fn update(&mut self, turn: usize, gain: Gain) {
        let score = match gain {
            Gain::Sooner => SOONER_SCORE,
            Gain::Better => BETTER_SCORE,
            Gain::None => 0.0,
        };
        let weight = &mut self.0[turn];
        *weight = ((1.0 - REACTION) * *weight + REACTION * score).max(LEAST_WEIGHT);
    }
}

/// What the neighbourhoods are drawn from: where each action may start,
/// what it requires, and which actions act on each meter.
struct Area<'a> {
    instance: &'a Instance<'a>,
    windows: Vec<Option<(u32, u32)>>,
    requires: Vec<Vec<ActionIdx>>,
    acting_on: Vec<Vec<ActionIdx>>,
}

impl<'a> Area<'a> {
    fn new(instance: &'a Instance<'a>) -> Self {
        let model = instance.model;
        let mut acting_on = vec![Vec::new(); model.meters.len()];
        for (a, action) in model.actions.iter().enumerate() {
            for effect in &action.effects {
                if !acting_on[effect.meter].contains(&a) {
                    acting_on[effect.meter].push(a);
                }
            }
        }
        Area {
            instance,
            windows: start_windows(instance),
            requires: (0..model.actions.len())
                .map(|a| {
                    binding_precedences(instance, a)
                        .into_iter()
                        .map(|(b, _)| b)
                        .collect()
                })
                .collect(),
            acting_on,
        }
    }

    /// Per action, the rounds it may start in: those of its moves in
    /// `plan`, and those the neighbourhood of `kind` frees (about `size`
    /// of them, in rounds up to `last`).
    fn neighbourhood(
        &self,
        kind: Kind,
        plan: &Moves,
        evaluation: &Evaluation,
        last: u32,
        size: usize,
        draw: &mut Draw,
    ) -> Vec<Vec<u32>> {
        let mut freed = Freed {
            only: vec![Vec::new(); self.windows.len()],
            count: 0,
            size,
        };
        for m in plan.as_slice() {
            freed.only[m.action].push(m.round);
        }
        match kind {
            Kind::Rounds => {
                // Half the time the window ends at the met round, where
                // the plan must be packed tighter to end sooner.
                let centre = if draw.below(2) == 0 {
                    last
                } else {
                    draw.round(1, last)
                };
                self.free_rounds(&mut freed, &self.all(), centre, last);
            }
            Kind::Party => {
                // One party's moves, then another's, until the size is
                // reached.
                let model = self.instance.model;
                let mut parties: Vec<usize> = (0..model.parties.len()).collect();
                shuffle(&mut parties, draw);
                for party in parties {
                    let mut actions: Vec<ActionIdx> = self
                        .all()
                        .into_iter()
                        .filter(|&a| model.actions[a].by == party)
                        .collect();
                    shuffle(&mut actions, draw);
                    self.free_windows(&mut freed, &actions, last);
                }
            }
            Kind::RedLine => match self.closest_meter_line(evaluation, draw) {
                Some((meter, round)) => {
                    let actions = self.acting_on[meter].clone();
                    self.free_rounds(&mut freed, &actions, round.clamp(1, last), last);
                }
                None => self.free_rounds(&mut freed, &self.all(), draw.round(1, last), last),
            },
            Kind::AfterMet => {
                let horizon = self.instance.horizon;
                let centre = if last < horizon {
                    draw.round(last + 1, horizon)
                } else {
                    draw.round(1, last)
                };
                self.free_rounds(&mut freed, &self.all(), centre, horizon.max(last));
            }
            // Frees nothing: the search does not re-solve it.
            Kind::Sooner => {}
            Kind::LastMet => {
                let actions = self.last_met(evaluation, draw);
                self.free_windows(&mut freed, &actions, last);
                // What is left of the size goes to the rounds around the
                // met round.
                self.free_rounds(&mut freed, &self.all(), last, last);
            }
        }
        // A neighbourhood that has freed all it has and is still under
        // its size takes a window of rounds as well.
        if !freed.full() {
            self.free_rounds(&mut freed, &self.all(), draw.round(1, last), last);
        }
        freed.only
    }

    fn all(&self) -> Vec<ActionIdx> {
        (0..self.windows.len()).collect()
    }

    /// Frees the starts of `actions` in rounds ever further from `centre`
    /// (up to `last`) until the size is reached.
    fn free_rounds(&self, freed: &mut Freed, actions: &[ActionIdx], centre: u32, last: u32) {
        for reach in 0..=last {
            let after = (reach > 0).then_some(centre + reach);
            for round in [centre.checked_sub(reach), after].into_iter().flatten() {
                if round < 1 || round > last {
                    continue;
                }
                for &a in actions {
                    if self.windows[a].is_some_and(|(first, end)| (first..=end).contains(&round)) {
                        freed.free(a, round);
                    }
                }
            }
            if freed.full() || (centre <= reach + 1 && centre + reach >= last) {
                return;
            }
        }
    }

    /// Frees the whole window (up to `last`) of each of `actions` in turn
    /// until the size is reached.
    fn free_windows(&self, freed: &mut Freed, actions: &[ActionIdx], last: u32) {
        for &a in actions {
            if freed.full() {
                return;
            }
            if let Some((first, end)) = self.windows[a] {
                for round in first..=end.min(last) {
                    freed.free(a, round);
                }
            }
        }
    }

    /// The meter and round of a red line on a meter the plan comes close
    /// to: one of the three closest, at random.
    fn closest_meter_line(
        &self,
        evaluation: &Evaluation,
        draw: &mut Draw,
    ) -> Option<(MeterIdx, u32)> {
        let model = self.instance.model;
        let mut lines: Vec<(f64, MeterIdx, u32)> =
            model
                .red_lines
                .iter()
                .zip(&evaluation.red_lines)
                .filter_map(|(line, approach)| {
                    let (RedLineKind::NeverBelow { meter, .. }
                    | RedLineKind::NeverAbove { meter, .. }) = line.kind
                    else {
                        return None;
                    };
                    let scale = model.meters[meter].initial.abs().max(1.0);
                    Some((approach.closest? / scale, meter, approach.round?))
                })
                .collect();
        if lines.is_empty() {
            return None;
        }
        lines.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let (_, meter, round) = lines[draw.below(lines.len().min(3))];
        Some((meter, round))
    }

    /// The actions the expectations met last wait on, each expectation's
    /// in turn (in an order drawn at random): the action expected and,
    /// breadth first, what it requires; or, for a meter expectation, the
    /// actions acting on the meter (in an order drawn at random). To bring
    /// the met round forward, all of them must move.
    fn last_met(&self, evaluation: &Evaluation, draw: &mut Draw) -> Vec<ActionIdx> {
        let model = self.instance.model;
        let latest = evaluation
            .expectations
            .iter()
            .filter_map(|e| e.met_round)
            .max();
        let mut last: Vec<usize> = evaluation
            .expectations
            .iter()
            .enumerate()
            .filter(|(_, e)| e.met_round.is_some() && e.met_round == latest)
            .map(|(i, _)| i)
            .collect();
        shuffle(&mut last, draw);
        let mut chain: Vec<ActionIdx> = Vec::new();
        for e in last {
            match model.expectations[e].kind {
                ExpectationKind::Action(a) => {
                    let mut next = chain.len();
                    if !chain.contains(&a) {
                        chain.push(a);
                    }
                    while next < chain.len() {
                        for &b in &self.requires[chain[next]] {
                            if !chain.contains(&b) {
                                chain.push(b);
                            }
                        }
                        next += 1;
                    }
                }
                ExpectationKind::Meter { meter, .. } => {
                    let mut actions = self.acting_on[meter].clone();
                    shuffle(&mut actions, draw);
                    for a in actions {
                        if !chain.contains(&a) {
                            chain.push(a);
                        }
                    }
                }
            }
        }
        chain
    }
}

/// The starts a neighbourhood allows, and how many it freed of the size it
/// may.
struct Freed {
    only: Vec<Vec<u32>>,
    count: usize,
    size: usize,
}

impl Freed {
    fn free(&mut self, action: ActionIdx, round: u32) {
        if !self.full() && !self.only[action].contains(&round) {
            self.only[action].push(round);
            self.count += 1;
        }
    }

    fn full(&self) -> bool {
        self.count >= self.size
    }
}

/// `items` in an order drawn from `draw` (Fisher–Yates).
fn shuffle<T>(items: &mut [T], draw: &mut Draw) {
    for i in (1..items.len()).rev() {
        items.swap(i, draw.below(i + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{generate_model, Family, Size};
    use crate::model::Overrides;
    use crate::solve::History;

    /// Every neighbourhood keeps each move of the plan where it is (so the
    /// plan is the small program's incumbent), frees no more than its size,
    /// and frees some.
    #[test]
    fn neighbourhoods_hold_the_plan_and_free_up_to_their_size() {
        let size = Size {
            actions: 40,
            horizon: 16,
            meters: 3,
            parties: 3,
        };
        for family in Family::ALL {
            let model = generate_model(family, size, 1).unwrap();
            let instance = Instance::new(&model, &Overrides::default()).unwrap();
            let Some(plan) = crate::greedy::greedy_plan(&instance) else {
                continue;
            };
            let evaluation = simulate(&instance, &plan);
            let area = Area::new(&instance);
            let mut draw = Draw::new(7);
            let last = evaluation.met_round.unwrap_or(instance.horizon);
            for kind in KINDS.into_iter().filter(|&kind| kind != Kind::Sooner) {
                for size in [1, 10, 100] {
                    let only = area.neighbourhood(kind, &plan, &evaluation, last, size, &mut draw);
                    for m in plan.as_slice() {
                        assert!(only[m.action].contains(&m.round), "{family:?} {kind:?}");
                    }
                    let freed = only.iter().map(Vec::len).sum::<usize>() - plan.len();
                    assert!(
                        (1..=size).contains(&freed),
                        "{family:?} {kind:?} {size}: {freed}"
                    );
                    let past_met = only
                        .iter()
                        .enumerate()
                        .flat_map(|(a, rounds)| rounds.iter().map(move |&r| (a, r)))
                        .filter(|&(a, r)| r > last && !plan.starts_of(a).any(|s| s == r))
                        .count();
                    if kind == Kind::AfterMet && last < instance.horizon {
                        assert!(
                            past_met > 0,
                            "{family:?} {size}: nothing after the met round"
                        );
                    } else if kind != Kind::AfterMet {
                        assert_eq!(past_met, 0, "{family:?} {kind:?} frees past the met round");
                    }
                }
            }
        }
    }

    /// The kinds that pay are drawn more often, the meeting of the
    /// expectations sooner more than a cheaper plan, and a kind that has
    /// not paid is still drawn now and then.
    #[test]
    fn the_kinds_that_pay_are_drawn_most() {
        let mut weights = Weights::new();
        for turn in 0..KINDS.len() {
            let gain = match turn {
                0 => Gain::Sooner,
                2 => Gain::Better,
                _ => Gain::None,
            };
            for _ in 0..10 {
                weights.update(turn, gain);
            }
        }
        let mut draw = Draw::new(1);
        let mut drawn = [0; KINDS.len()];
        for _ in 0..10_000 {
            drawn[weights.draw(&mut draw)] += 1;
        }
        assert!(drawn[0] > drawn[2], "{drawn:?}");
        for other in [1, 3, 4, 5] {
            assert!(drawn[2] > 3 * drawn[other], "{drawn:?}");
            assert!(drawn[other] > 0, "{drawn:?}");
        }
    }

    /// A late event takes the meter expected back below its level; the plan
    /// in hand meets it again with a costly move, where a second use of a
    /// cheap one would do. Only a neighbourhood that frees rounds after the
    /// met round can find it.
    #[test]
    fn the_moves_after_the_met_round_are_searched_for_cost() {
        let text = r#"{"seqplan": 1, "name": "t", "horizon": 10, "parties": [{"id": "p"}],
            "meters": [{"id": "m"}],
            "actions": [
                {"id": "up", "by": "p", "cost": 1, "uses": 2, "effects": [{"meter": "m", "add": 1}]},
                {"id": "guard", "by": "p", "cost": 5, "effects": [{"meter": "m", "add": 1}]}
            ],
            "events": [{"round": 8, "meter": "m", "add": -1}],
            "expectations": [{"id": "held", "meter": "m", "at_least": 1, "by": 2}],
            "red_lines": [{"id": "cap", "meter": "m", "never_above": 1}]}"#;
        let raw = crate::model::parse_model(text, "t").expect("a model");
        let model = crate::model::validate(&raw, "t")
            .expect("a valid model")
            .model;
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let [up, guard] = [0, 1];
        let costly = Moves::new(vec![
            crate::plan::Move {
                round: 1,
                action: up,
            },
            crate::plan::Move {
                round: 8,
                action: guard,
            },
        ]);
        let evaluation = simulate(&instance, &costly);
        assert!(evaluation.is_valid());
        assert_eq!((evaluation.met_round, evaluation.cost), (Some(1), 6.0));
        let options = SolveOptions {
            history: History::silent(),
            ..SolveOptions::default()
        };
        let limits = Limits {
            solves: KINDS.len(),
            nodes: 100,
            size: 50,
            seed: 1,
            simulations: 1_000,
            earliest: None,
            deadline: Deadline::NONE,
        };
        let found = neighbourhood_search(&instance, costly, &options, limits, &mut |_| {});
        let found = simulate(&instance, &found);
        assert!(found.is_valid());
        assert_eq!((found.met_round, found.cost), (Some(1), 2.0));
    }
}
