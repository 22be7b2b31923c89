//! One future of a plan: which uses succeed, which events happen and how
//! much each effect adds, and what the plan then achieves. A planned move
//! whose conditions do not hold in that future (a required move failed, a
//! meter fell short, a `together` partner was not made, a `not_before`
//! line would be crossed) is not made: it costs nothing and lands nothing.

use crate::model::{ActionIdx, ExpectationKind, Instance, RedLineKind};
use crate::numbers::TOLERANCE;

/// What chance decides in one future.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draws {
    /// Per planned use (in [`Planned`] order), whether it succeeds if made.
    pub succeeded: Vec<bool>,
    /// Per event of the instance, whether it happens.
    pub happens: Vec<bool>,
    /// Per planned use, per effect of its action, the amount it adds.
    pub amounts: Vec<Vec<f64>>,
}

impl Draws {
    /// The future in which every use succeeds, every event happens and
    /// every effect adds its `add`.
    pub fn nominal(instance: &Instance, planned: &Planned) -> Self {
        let actions = &instance.model.actions;
        Draws {
            succeeded: vec![true; planned.uses.len()],
            happens: vec![true; instance.events.len()],
            amounts: planned
                .uses
                .iter()
                .map(|&(a, _)| actions[a].effects.iter().map(|e| e.add).collect())
                .collect(),
        }
    }
}

/// The uses of a plan that start within the horizon, by round.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Planned {
    pub uses: Vec<(ActionIdx, u32)>,
}

impl Planned {
    pub fn new(instance: &Instance, moves: &crate::plan::Moves) -> Self {
        let mut uses: Vec<(ActionIdx, u32)> = moves
            .as_slice()
            .iter()
            .filter(|m| m.round >= 1 && m.round <= instance.horizon)
            .map(|m| (m.action, m.round))
            .collect();
        uses.sort_by_key(|&(a, s)| (s, a));
        Planned { uses }
    }
}

/// What the plan achieves in one future: per expectation whether it is
/// met by its deadline, per red line whether it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub expectations: Vec<bool>,
    pub red_lines: Vec<bool>,
}

impl Verdict {
    /// Every expectation met and every red line kept.
    pub fn all(&self) -> bool {
        self.expectations.iter().chain(&self.red_lines).all(|&x| x)
    }
}

/// What one future of a plan comes to.
pub(crate) struct Played {
    pub verdict: Verdict,
    /// Per meter, its values in rounds 0..=H.
    pub meters: Vec<Vec<f64>>,
    /// Whether every planned use within the horizon was made.
    pub all_made: bool,
}

/// Plays the plan in the future `draws` describes, round by round.
pub(crate) fn play(instance: &Instance, planned: &Planned, draws: &Draws) -> Played {
    let mut game = Game::new(instance, planned);
    let mut next = 0;
    for t in 1..=instance.horizon {
        let first = next;
        while next < planned.uses.len() && planned.uses[next].1 == t {
            next += 1;
        }
        game.round(t, first..next, draws);
    }
    Played {
        verdict: game.verdict(),
        all_made: game.made.iter().all(|&made| made),
        meters: game.values,
    }
}

struct Game<'a, 'm> {
    instance: &'a Instance<'m>,
    planned: &'a Planned,
    /// Per planned use, whether it was made.
    made: Vec<bool>,
    /// Per action, the round its first successful use completes.
    first_done: Vec<Option<u32>>,
    /// Per meter, per round, what lands at the end of it.
    landing: Vec<Vec<f64>>,
    /// Per meter, its values so far (m[0..=t]).
    values: Vec<Vec<f64>>,
}

impl<'a, 'm> Game<'a, 'm> {
    fn new(instance: &'a Instance<'m>, planned: &'a Planned) -> Self {
        let model = instance.model;
        let h = instance.horizon as usize;
        Game {
            instance,
            planned,
            made: vec![false; planned.uses.len()],
            first_done: vec![None; model.actions.len()],
            landing: vec![vec![0.0; h + 1]; model.meters.len()],
            values: instance.initial.iter().map(|&v| vec![v]).collect(),
        }
    }

    fn completion(&self, action: ActionIdx, start: u32) -> u32 {
        start + self.instance.model.actions[action].duration - 1
    }

    /// Decides which of the uses planned for round `t` are made (the
    /// largest set whose every member's conditions hold), lands their
    /// effects, and moves the meters on to round `t`.
    fn round(&mut self, t: u32, today: std::ops::Range<usize>, draws: &Draws) {
        let mut ok: Vec<bool> = vec![true; today.len()];
        loop {
            let mut changed = false;
            for slot in 0..today.len() {
                if ok[slot] && !self.can_start(today.start + slot, t, &today, &ok, draws) {
                    ok[slot] = false;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let model = self.instance.model;
        let h = self.instance.horizon;
        for (slot, &made) in ok.iter().enumerate() {
            let used = today.start + slot;
            if !made {
                continue;
            }
            self.made[used] = true;
            if !draws.succeeded[used] {
                continue;
            }
            let (action, start) = self.planned.uses[used];
            let completion = self.completion(action, start);
            let first = self.first_done[action].get_or_insert(completion);
            *first = (*first).min(completion);
            for (effect, &amount) in model.actions[action]
                .effects
                .iter()
                .zip(&draws.amounts[used])
            {
                let lands = completion + effect.delay;
                if lands <= h {
                    self.landing[effect.meter][lands as usize] += amount;
                }
            }
        }
        // Events land after the moves' effects, in the simulator's order,
        // so that the nominal future's values are the simulator's to the bit.
        for (event, &happens) in self.instance.events.iter().zip(&draws.happens) {
            if happens && event.round == t {
                self.landing[event.meter][t as usize] += event.add;
            }
        }
        for (index, meter) in model.meters.iter().enumerate() {
            let before = self.values[index][(t - 1) as usize];
            let value = (1.0 - meter.decay) * before + self.landing[index][t as usize];
            self.values[index].push(value);
        }
    }

    /// Whether `action` has a successful use completed by `round`, counting
    /// the uses of round `t` still in `ok`.
    fn done_by(
        &self,
        action: ActionIdx,
        round: i64,
        t: u32,
        today: &std::ops::Range<usize>,
        ok: &[bool],
        draws: &Draws,
    ) -> bool {
        if self.first_done[action].is_some_and(|c| i64::from(c) <= round) {
            return true;
        }
        today.clone().zip(ok).any(|(j, &made)| {
            let (b, _) = self.planned.uses[j];
            made && b == action && draws.succeeded[j] && i64::from(self.completion(b, t)) <= round
        })
    }

    fn can_start(
        &self,
        i: usize,
        t: u32,
        today: &std::ops::Range<usize>,
        ok: &[bool],
        draws: &Draws,
    ) -> bool {
        let model = self.instance.model;
        let (a, _) = self.planned.uses[i];
        let action = &model.actions[a];
        let start = i64::from(t);
        let requires = action
            .requires
            .iter()
            .all(|r| self.done_by(r.action, start - i64::from(r.lag), t, today, ok, draws));
        let red_lines = model.red_lines.iter().all(|line| match line.kind {
            RedLineKind::NotBefore {
                action: guarded,
                before,
                lag,
            } if guarded == a => self.done_by(before, start - i64::from(lag), t, today, ok, draws),
            _ => true,
        });
        let when = action.when.iter().all(|c| {
            let value = self.values[c.meter][(t - 1) as usize];
            c.at_least.is_none_or(|l| value >= l - TOLERANCE)
                && c.at_most.is_none_or(|u| value <= u + TOLERANCE)
        });
        let together = model
            .together
            .iter()
            .filter(|group| group.contains(&a))
            .all(|group| {
                group.iter().filter(|&&b| b != a).all(|&b| {
                    today
                        .clone()
                        .zip(ok)
                        .any(|(j, &made)| made && self.planned.uses[j].0 == b)
                })
            });
        requires && red_lines && when && together
    }

    fn verdict(&self) -> Verdict {
        let model = self.instance.model;
        let h = self.instance.horizon;
        let expectations = model
            .expectations
            .iter()
            .enumerate()
            .map(|(e, expectation)| {
                let by = self.instance.by[e];
                match expectation.kind {
                    ExpectationKind::Action(a) => {
                        self.first_done[a].is_some_and(|c| c <= by && c <= h)
                    }
                    ExpectationKind::Meter { meter, band } => {
                        by >= 1
                            && (by..=h).all(|t| {
                                let value = self.values[meter][t as usize];
                                band.at_least.is_none_or(|l| value >= l - TOLERANCE)
                                    && band.at_most.is_none_or(|u| value <= u + TOLERANCE)
                            })
                    }
                }
            })
            .collect();
        // A replanned model's past cannot be undone: its lines hold from now.
        let kept = model.first_kept_round() as usize;
        let red_lines = model
            .red_lines
            .iter()
            .map(|line| match line.kind {
                RedLineKind::NeverBelow { meter, level } => self.values[meter][kept..]
                    .iter()
                    .all(|&v| v >= level - TOLERANCE),
                RedLineKind::NeverAbove { meter, level } => self.values[meter][kept..]
                    .iter()
                    .all(|&v| v <= level + TOLERANCE),
                RedLineKind::CostAtMost { party, cap } => {
                    let cost: f64 = self
                        .made_uses()
                        .filter(|&a| model.actions[a].by == party)
                        .map(|a| model.actions[a].cost)
                        .sum();
                    cost <= cap + TOLERANCE
                }
                RedLineKind::Never { action } => self.made_uses().all(|a| a != action),
                // A move that would cross it is not made.
                RedLineKind::NotBefore { .. } => true,
            })
            .collect();
        Verdict {
            expectations,
            red_lines,
        }
    }

    /// The actions of the uses made, one entry per use.
    fn made_uses(&self) -> impl Iterator<Item = ActionIdx> + '_ {
        self.planned
            .uses
            .iter()
            .zip(&self.made)
            .filter(|(_, &made)| made)
            .map(|(&(a, _), _)| a)
    }
}
