//! The simulator: evaluates any plan (the solver's or a person's) by the
//! semantics of DESIGN.md, rule by rule, and lists every rule it breaks in
//! round order. It shares no code with the MILP builder on purpose: it is
//! the independent check that every solver plan must pass.

use crate::model::{ActionIdx, ExpectationKind, Instance, MeterIdx, PartyIdx, RedLineKind};
use crate::numbers::TOLERANCE;
use crate::plan::Moves;

/// Everything the simulator finds out about a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Per meter, its values m[0..=H].
    pub meters: Vec<Vec<f64>>,
    /// Every broken rule, in round order.
    pub violations: Vec<Violation>,
    /// Per expectation, when it is met.
    pub expectations: Vec<ExpectationOutcome>,
    /// Per red line, its closest approach.
    pub red_lines: Vec<Approach>,
    /// R: the round from which every expectation holds (0 with none);
    /// `None` if some expectation never holds.
    pub met_round: Option<u32>,
    /// Total cost of the moves within the horizon.
    pub cost: f64,
    /// Number of moves within the horizon.
    pub move_count: usize,
}

impl Evaluation {
    /// Whether the plan breaks no rule.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// When an expectation is met and its deadline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpectationOutcome {
    /// The completion round (action) or the first round from which the
    /// meter stays at its level through H; `None` if never.
    pub met_round: Option<u32>,
    pub by: u32,
}

/// How close a plan comes to a red line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Approach {
    /// The smallest margin left: meter units (meter lines), cost (cost
    /// caps) or rounds (`not_before`); negative when crossed; `None` when
    /// the line has no measure in this plan (`never`, or nothing taken).
    pub closest: Option<f64>,
    /// The round of the closest approach.
    pub round: Option<u32>,
    /// The meter value or the cost at that round.
    pub value: Option<f64>,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The round it happens in (the start round for a move's fault).
    pub round: u32,
    pub kind: ViolationKind,
}

/// The rules a plan can break, with the values involved.
#[derive(Debug, Clone, PartialEq)]
pub enum ViolationKind {
    /// The move starts outside 1..H and has no effect.
    OutsideHorizon { action: ActionIdx },
    /// Starts before the action's `earliest`.
    BeforeEarliest { action: ActionIdx, earliest: u32 },
    /// Starts after the action's `latest`.
    AfterLatest { action: ActionIdx, latest: u32 },
    /// Completes after the horizon.
    CompletesAfterHorizon { action: ActionIdx, completion: u32 },
    /// Started more often than `uses`.
    TooManyUses { action: ActionIdx, uses: u32 },
    /// Started while an earlier use is still in progress.
    Overlap { action: ActionIdx, previous: u32 },
    /// Made unavailable by the scenario or `--forbid`.
    Forbidden { action: ActionIdx },
    /// Ruled out by a `never` red line.
    Never { action: ActionIdx, red_line: usize },
    /// A `requires` item not completed by round start − lag.
    MissingRequirement {
        action: ActionIdx,
        required: ActionIdx,
        lag: u32,
    },
    /// A `not_before` red line crossed.
    NotBefore {
        action: ActionIdx,
        before: ActionIdx,
        lag: u32,
        red_line: usize,
    },
    /// A `when` band not met by the meter after the previous round.
    ConditionUnmet {
        action: ActionIdx,
        meter: MeterIdx,
        value: f64,
        at_least: Option<f64>,
        at_most: Option<f64>,
    },
    /// A member of a `together` group started without another member.
    TogetherBroken {
        group: usize,
        action: ActionIdx,
        missing: ActionIdx,
    },
    /// More actions in progress than `limits.moves_per_round`.
    MovesPerRound { count: u32, cap: u32 },
    /// More of one party's actions in progress than `limits.per_party`.
    PerParty {
        party: PartyIdx,
        count: u32,
        cap: u32,
    },
    /// A party's summed cost passes its `cost_at_most` red line.
    CostCap {
        red_line: usize,
        party: PartyIdx,
        cost: f64,
        cap: f64,
    },
    /// A meter red line crossed from `round` through `until`.
    MeterCrossed {
        red_line: usize,
        meter: MeterIdx,
        until: u32,
        worst: f64,
        worst_round: u32,
        level: f64,
    },
    /// An expectation not met by its deadline.
    ExpectationUnmet {
        expectation: usize,
        met_round: Option<u32>,
    },
}

impl ViolationKind {
    /// A short name of the rule broken, for machine-readable output.
    pub fn rule(&self) -> &'static str {
        match self {
            ViolationKind::OutsideHorizon { .. } => "horizon",
            ViolationKind::BeforeEarliest { .. } => "earliest",
            ViolationKind::AfterLatest { .. } => "latest",
            ViolationKind::CompletesAfterHorizon { .. } => "horizon",
            ViolationKind::TooManyUses { .. } => "uses",
            ViolationKind::Overlap { .. } => "overlap",
            ViolationKind::Forbidden { .. } => "forbid",
            ViolationKind::Never { .. } => "never",
            ViolationKind::MissingRequirement { .. } => "requires",
            ViolationKind::NotBefore { .. } => "not_before",
            ViolationKind::ConditionUnmet { .. } => "when",
            ViolationKind::TogetherBroken { .. } => "together",
            ViolationKind::MovesPerRound { .. } => "moves_per_round",
            ViolationKind::PerParty { .. } => "per_party",
            ViolationKind::CostCap { .. } => "cost_at_most",
            ViolationKind::MeterCrossed { .. } => "red_line",
            ViolationKind::ExpectationUnmet { .. } => "expectation",
        }
    }
}

/// Evaluates `moves` on `instance`: meters, violations, outcomes.
pub fn simulate(instance: &Instance, moves: &Moves) -> Evaluation {
    Simulation::new(instance, moves).run()
}

struct Simulation<'a, 'm> {
    instance: &'a Instance<'m>,
    horizon: u32,
    /// Moves that start within 1..=H, in canonical order.
    moves: Vec<(ActionIdx, u32)>,
    /// Per action, the round its first use within 1..=H completes.
    first_done: Vec<Option<u32>>,
    all_moves: &'a Moves,
    violations: Vec<Violation>,
}

impl<'a, 'm> Simulation<'a, 'm> {
    fn new(instance: &'a Instance<'m>, moves: &'a Moves) -> Self {
        let horizon = instance.horizon;
        let in_horizon: Vec<(ActionIdx, u32)> = moves
            .as_slice()
            .iter()
            .filter(|m| m.round >= 1 && m.round <= horizon)
            .map(|m| (m.action, m.round))
            .collect();
        let actions = &instance.model.actions;
        let mut first_done: Vec<Option<u32>> = vec![None; actions.len()];
        for &(a, s) in &in_horizon {
            let done = s + actions[a].duration - 1;
            first_done[a] = Some(first_done[a].map_or(done, |d: u32| d.min(done)));
        }
        Simulation {
            instance,
            horizon,
            moves: in_horizon,
            first_done,
            all_moves: moves,
            violations: Vec::new(),
        }
    }

    fn violation(&mut self, round: u32, kind: ViolationKind) {
        self.violations.push(Violation { round, kind });
    }

    fn duration(&self, action: ActionIdx) -> u32 {
        self.instance.model.actions[action].duration
    }

    fn run(mut self) -> Evaluation {
        let meters = self.trajectories();
        self.check_horizon();
        self.check_windows_and_uses();
        self.check_availability();
        self.check_precedences();
        self.check_conditions(&meters);
        self.check_together();
        self.check_limits();
        let cost_lines = self.check_cost_caps();
        let meter_lines = self.check_meter_lines(&meters);
        let expectations = self.expectations(&meters);
        self.check_expectations(&expectations);
        let red_lines = self.approaches(&meters, &cost_lines, &meter_lines);
        let met_round = if expectations.is_empty() {
            Some(0)
        } else {
            expectations
                .iter()
                .map(|e| e.met_round)
                .try_fold(0, |acc, r| r.map(|r| acc.max(r)))
        };
        let cost = self
            .moves
            .iter()
            .map(|&(a, _)| self.instance.model.actions[a].cost)
            .sum();
        // Stable: faults of one round keep the order of the rules above.
        self.violations.sort_by_key(|v| v.round);
        Evaluation {
            meters,
            violations: self.violations,
            expectations,
            red_lines,
            met_round,
            cost,
            move_count: self.moves.len(),
        }
    }

    /// m[t] = (1 − decay)·m[t−1] + effects landing in t + events in t.
    fn trajectories(&self) -> Vec<Vec<f64>> {
        let h = self.horizon as usize;
        let model = self.instance.model;
        let mut landing = vec![vec![0.0; h + 1]; model.meters.len()];
        for &(a, s) in &self.moves {
            let completion = s + self.duration(a) - 1;
            for effect in &model.actions[a].effects {
                let t = (completion + effect.delay) as usize;
                if t <= h {
                    landing[effect.meter][t] += effect.add;
                }
            }
        }
        for event in &self.instance.events {
            if (event.round as usize) <= h {
                landing[event.meter][event.round as usize] += event.add;
            }
        }
        model
            .meters
            .iter()
            .enumerate()
            .map(|(m, meter)| {
                let mut values = Vec::with_capacity(h + 1);
                values.push(self.instance.initial[m]);
                for t in 1..=h {
                    values.push((1.0 - meter.decay) * values[t - 1] + landing[m][t]);
                }
                values
            })
            .collect()
    }

    fn check_horizon(&mut self) {
        let horizon = self.horizon;
        for m in self.all_moves.as_slice() {
            if m.round < 1 || m.round > horizon {
                self.violation(m.round, ViolationKind::OutsideHorizon { action: m.action });
            }
        }
        for i in 0..self.moves.len() {
            let (a, s) = self.moves[i];
            let completion = s + self.duration(a) - 1;
            // A move already made is the past, wherever it completes.
            if completion > horizon && self.instance.model.made(a).is_none() {
                self.violation(
                    s,
                    ViolationKind::CompletesAfterHorizon {
                        action: a,
                        completion,
                    },
                );
            }
        }
    }

    fn check_windows_and_uses(&mut self) {
        let model = self.instance.model;
        // The moves come in round order, so the last use started before is
        // the one that may still run.
        let mut last_start: Vec<Option<u32>> = vec![None; model.actions.len()];
        let mut started = vec![0u32; model.actions.len()];
        for i in 0..self.moves.len() {
            let (a, s) = self.moves[i];
            let action = &model.actions[a];
            if s < action.earliest {
                self.violation(
                    s,
                    ViolationKind::BeforeEarliest {
                        action: a,
                        earliest: action.earliest,
                    },
                );
            }
            let latest = self.instance.latest[a];
            if s > latest {
                self.violation(s, ViolationKind::AfterLatest { action: a, latest });
            }
            if let Some(previous) = last_start[a].filter(|&p| p + action.duration > s) {
                self.violation(
                    s,
                    ViolationKind::Overlap {
                        action: a,
                        previous,
                    },
                );
            }
            last_start[a] = Some(s);
            started[a] += 1;
            if started[a] > action.uses {
                self.violation(
                    s,
                    ViolationKind::TooManyUses {
                        action: a,
                        uses: action.uses,
                    },
                );
            }
        }
    }

    fn check_availability(&mut self) {
        for i in 0..self.moves.len() {
            let (a, s) = self.moves[i];
            if self.instance.forbidden[a] {
                self.violation(s, ViolationKind::Forbidden { action: a });
            }
            for (r, line) in self.instance.model.red_lines.iter().enumerate() {
                if line.kind == (RedLineKind::Never { action: a }) {
                    self.violation(
                        s,
                        ViolationKind::Never {
                            action: a,
                            red_line: r,
                        },
                    );
                }
            }
        }
    }

    /// The first round in which some use of `action` completes.
    fn first_completion(&self, action: ActionIdx) -> Option<u32> {
        self.first_done[action]
    }

    fn completed_by(&self, action: ActionIdx, round: i64) -> bool {
        self.first_completion(action)
            .is_some_and(|c| i64::from(c) <= round)
    }

    fn check_precedences(&mut self) {
        let model = self.instance.model;
        for i in 0..self.moves.len() {
            let (a, s) = self.moves[i];
            for r in &model.actions[a].requires {
                if !self.completed_by(r.action, i64::from(s) - i64::from(r.lag)) {
                    self.violation(
                        s,
                        ViolationKind::MissingRequirement {
                            action: a,
                            required: r.action,
                            lag: r.lag,
                        },
                    );
                }
            }
            for (i, line) in model.red_lines.iter().enumerate() {
                if let RedLineKind::NotBefore {
                    action,
                    before,
                    lag,
                } = line.kind
                {
                    if action == a && !self.completed_by(before, i64::from(s) - i64::from(lag)) {
                        self.violation(
                            s,
                            ViolationKind::NotBefore {
                                action: a,
                                before,
                                lag,
                                red_line: i,
                            },
                        );
                    }
                }
            }
        }
    }

    fn check_conditions(&mut self, meters: &[Vec<f64>]) {
        let model = self.instance.model;
        for i in 0..self.moves.len() {
            let (a, s) = self.moves[i];
            for c in &model.actions[a].when {
                let value = meters[c.meter][(s - 1) as usize];
                let low = c.at_least.is_some_and(|l| value < l - TOLERANCE);
                let high = c.at_most.is_some_and(|u| value > u + TOLERANCE);
                if low || high {
                    self.violation(
                        s,
                        ViolationKind::ConditionUnmet {
                            action: a,
                            meter: c.meter,
                            value,
                            at_least: c.at_least,
                            at_most: c.at_most,
                        },
                    );
                }
            }
        }
    }

    fn check_together(&mut self) {
        let model = self.instance.model;
        for i in 0..self.moves.len() {
            let (a, s) = self.moves[i];
            for (g, group) in model.together.iter().enumerate() {
                if !group.contains(&a) {
                    continue;
                }
                for &other in group {
                    if other != a && !self.moves.contains(&(other, s)) {
                        self.violation(
                            s,
                            ViolationKind::TogetherBroken {
                                group: g,
                                action: a,
                                missing: other,
                            },
                        );
                    }
                }
            }
        }
    }

    fn check_limits(&mut self) {
        let model = self.instance.model;
        let limits = &model.limits;
        if limits.moves_per_round.is_none() && limits.per_party.is_empty() {
            return;
        }
        // Per round up to H, the moves in progress, in all and of each
        // party with a cap (in the order of `per_party`), counted once.
        let rounds = self.horizon as usize + 1;
        let mut in_progress = vec![0u32; rounds];
        let mut of_party = vec![vec![0u32; rounds]; limits.per_party.len()];
        for &(a, s) in &self.moves {
            let party = model.actions[a].by;
            let run = s as usize..((s + self.duration(a)) as usize).min(rounds);
            for count in &mut in_progress[run.clone()] {
                *count += 1;
            }
            for (k, _) in (limits.per_party.iter().enumerate()).filter(|(_, l)| l.0 == party) {
                for count in &mut of_party[k][run.clone()] {
                    *count += 1;
                }
            }
        }
        for t in model.first_kept_round()..=self.horizon {
            if let Some(cap) = limits.moves_per_round {
                let count = in_progress[t as usize];
                if count > cap {
                    self.violation(t, ViolationKind::MovesPerRound { count, cap });
                }
            }
            for (k, &(party, cap)) in limits.per_party.iter().enumerate() {
                let count = of_party[k][t as usize];
                if count > cap {
                    self.violation(t, ViolationKind::PerParty { party, count, cap });
                }
            }
        }
    }

    /// Checks cost caps; returns per red line the (round, cost) reached by
    /// the party's last move.
    fn check_cost_caps(&mut self) -> Vec<Option<(u32, f64)>> {
        let model = self.instance.model;
        let mut reached = vec![None; model.red_lines.len()];
        for (i, line) in model.red_lines.iter().enumerate() {
            let RedLineKind::CostAtMost { party, cap } = line.kind else {
                continue;
            };
            let mut cost = 0.0;
            let mut crossed_in = None;
            for &(a, s) in &self.moves {
                if model.actions[a].by != party {
                    continue;
                }
                cost += model.actions[a].cost;
                reached[i] = Some((s, cost));
                if crossed_in.is_none() && cost > cap + TOLERANCE {
                    crossed_in = Some(s);
                }
            }
            if let Some(s) = crossed_in {
                self.violation(
                    s,
                    ViolationKind::CostCap {
                        red_line: i,
                        party,
                        cost,
                        cap,
                    },
                );
            }
        }
        reached
    }

    /// Checks meter red lines over rounds 1..=H (from the current round of
    /// a replanned model: the past cannot be undone), one violation per run
    /// of crossed rounds; returns per red line the worst margin and its
    /// round.
    fn check_meter_lines(&mut self, meters: &[Vec<f64>]) -> Vec<Option<(u32, f64)>> {
        let model = self.instance.model;
        let mut closest = vec![None; model.red_lines.len()];
        for (i, line) in model.red_lines.iter().enumerate() {
            let (meter, level, sign) = match line.kind {
                RedLineKind::NeverBelow { meter, level } => (meter, level, 1.0),
                RedLineKind::NeverAbove { meter, level } => (meter, level, -1.0),
                _ => continue,
            };
            let mut run: Option<(u32, f64, u32)> = None; // (start, worst value, worst round)
            for t in model.first_kept_round()..=self.horizon {
                let value = meters[meter][t as usize];
                let margin = sign * (value - level);
                if closest
                    .get(i)
                    .copied()
                    .flatten()
                    .is_none_or(|(_, m): (u32, f64)| margin < m - 1e-12)
                {
                    closest[i] = Some((t, margin));
                }
                if margin < -TOLERANCE {
                    run = Some(match run {
                        None => (t, value, t),
                        Some((start, worst, wr)) => {
                            if sign * (value - worst) < 0.0 {
                                (start, value, t)
                            } else {
                                (start, worst, wr)
                            }
                        }
                    });
                } else if let Some((start, worst, worst_round)) = run.take() {
                    self.violation(
                        start,
                        ViolationKind::MeterCrossed {
                            red_line: i,
                            meter,
                            until: t - 1,
                            worst,
                            worst_round,
                            level,
                        },
                    );
                }
            }
            if let Some((start, worst, worst_round)) = run {
                self.violation(
                    start,
                    ViolationKind::MeterCrossed {
                        red_line: i,
                        meter,
                        until: self.horizon,
                        worst,
                        worst_round,
                        level,
                    },
                );
            }
        }
        closest
    }

    fn expectations(&self, meters: &[Vec<f64>]) -> Vec<ExpectationOutcome> {
        let h = self.horizon;
        self.instance
            .model
            .expectations
            .iter()
            .enumerate()
            .map(|(e, expectation)| {
                let met_round = match expectation.kind {
                    ExpectationKind::Action(a) => self.first_completion(a).filter(|&c| c <= h),
                    ExpectationKind::Meter { meter, band } => {
                        let holds = |t: u32| {
                            let value = meters[meter][t as usize];
                            band.at_least.is_none_or(|low| value >= low - TOLERANCE)
                                && band.at_most.is_none_or(|high| value <= high + TOLERANCE)
                        };
                        // The first round from which the meter stays at its level.
                        let mut from = None;
                        for t in (1..=h).rev() {
                            if holds(t) {
                                from = Some(t);
                            } else {
                                break;
                            }
                        }
                        from
                    }
                };
                ExpectationOutcome {
                    met_round,
                    by: self.instance.by[e],
                }
            })
            .collect()
    }

    fn check_expectations(&mut self, outcomes: &[ExpectationOutcome]) {
        for (e, outcome) in outcomes.iter().enumerate() {
            if outcome.met_round.is_none_or(|r| r > outcome.by) {
                self.violation(
                    outcome.by,
                    ViolationKind::ExpectationUnmet {
                        expectation: e,
                        met_round: outcome.met_round,
                    },
                );
            }
        }
    }

    fn approaches(
        &self,
        meters: &[Vec<f64>],
        cost_lines: &[Option<(u32, f64)>],
        meter_lines: &[Option<(u32, f64)>],
    ) -> Vec<Approach> {
        let model = self.instance.model;
        let none = Approach {
            closest: None,
            round: None,
            value: None,
        };
        model
            .red_lines
            .iter()
            .enumerate()
            .map(|(i, line)| match line.kind {
                RedLineKind::NeverBelow { meter, .. } | RedLineKind::NeverAbove { meter, .. } => {
                    match meter_lines[i] {
                        Some((round, margin)) => Approach {
                            closest: Some(margin),
                            round: Some(round),
                            value: Some(meters[meter][round as usize]),
                        },
                        None => none,
                    }
                }
                RedLineKind::CostAtMost { cap, .. } => match cost_lines[i] {
                    Some((round, cost)) => Approach {
                        closest: Some(cap - cost),
                        round: Some(round),
                        value: Some(cost),
                    },
                    None => Approach {
                        closest: Some(cap),
                        round: None,
                        value: Some(0.0),
                    },
                },
                RedLineKind::NotBefore {
                    action,
                    before,
                    lag,
                } => {
                    let completion = self.first_completion(before);
                    self.moves
                        .iter()
                        .filter(|&&(a, _)| a == action)
                        .map(|&(_, s)| {
                            let margin = completion.map_or(f64::NEG_INFINITY, |c| {
                                f64::from(s) - f64::from(lag) - f64::from(c)
                            });
                            (margin, s)
                        })
                        .min_by(|x, y| x.0.total_cmp(&y.0))
                        .map_or(none, |(margin, s)| Approach {
                            closest: margin.is_finite().then_some(margin),
                            round: Some(s),
                            value: None,
                        })
                }
                RedLineKind::Never { .. } => none,
            })
            .collect()
    }
}
