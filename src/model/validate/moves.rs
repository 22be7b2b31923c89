//! The rules on meters, moves and events: ranges, references, `requires`
//! without cycles and `together` groups.

use crate::model::raw::{RawAction, RawEvent, RawMeter};
use crate::model::{Action, ActionIdx, Condition, Effect, Event, Meter, Requirement};

use super::{Checker, Ids, Refs};

impl Checker {
    pub(super) fn meter(&mut self, raw: &RawMeter, i: usize) -> Meter {
        let decay = raw.decay.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&decay) {
            self.error(
                format!("meters[{i}].decay"),
                format!("decay {decay} is outside 0..1"),
            );
        }
        Meter {
            id: raw.id.clone(),
            name: raw.name.clone().unwrap_or_else(|| raw.id.clone()),
            initial: raw.initial.unwrap_or(0.0),
            decay,
        }
    }

    pub(super) fn action(
        &mut self,
        raw: &RawAction,
        i: usize,
        horizon: u32,
        refs: &Refs,
    ) -> Action {
        let path = format!("actions[{i}]");
        let by = self.resolve(refs.parties, &raw.by, &format!("{path}.by"));
        let cost = raw.cost.unwrap_or(0.0);
        if cost < 0.0 {
            self.error(
                format!("{path}.cost"),
                format!("cost {cost} must be at least 0"),
            );
        }
        let duration = raw.duration.unwrap_or(1);
        self.at_most_max_rounds(duration, &format!("{path}.duration"), "a duration");
        if duration < 1 {
            self.error(
                format!("{path}.duration"),
                "duration must be at least 1 round",
            );
        }
        let uses = raw.uses.unwrap_or(1);
        if uses < 1 {
            self.error(format!("{path}.uses"), "uses must be at least 1");
        }
        let earliest = raw.earliest.unwrap_or(1);
        self.round_in(earliest, horizon, &format!("{path}.earliest"));
        if let Some(latest) = raw.latest {
            self.round_in(latest, horizon, &format!("{path}.latest"));
            if earliest > latest {
                self.error(
                    format!("{path}.latest"),
                    format!("earliest {earliest} is after latest {latest}"),
                );
            }
        }
        let requires = raw
            .requires
            .iter()
            .enumerate()
            .map(|(j, r)| {
                let rpath = format!("{path}.requires[{j}]");
                let action = self.resolve(refs.actions, &r.action, &rpath);
                if r.action == raw.id {
                    self.error(&rpath, format!("action `{}` requires itself", raw.id));
                }
                Requirement {
                    action,
                    lag: {
                        let lag = r.lag.unwrap_or(1);
                        self.at_most_max_rounds(lag, &format!("{rpath}.lag"), "a lag");
                        lag
                    },
                }
            })
            .collect();
        let when = raw
            .when
            .iter()
            .enumerate()
            .map(|(j, c)| {
                let cpath = format!("{path}.when[{j}]");
                let meter = self.resolve(refs.meters, &c.meter, &format!("{cpath}.meter"));
                match (c.at_least, c.at_most) {
                    (None, None) => {
                        self.error(&cpath, "a condition needs `at_least`, `at_most` or both");
                    }
                    (Some(lo), Some(hi)) if lo > hi => self.error(
                        &cpath,
                        format!("empty band: at_least {lo} is above at_most {hi}"),
                    ),
                    _ => {}
                }
                Condition {
                    meter,
                    at_least: c.at_least,
                    at_most: c.at_most,
                }
            })
            .collect();
        let effects = raw
            .effects
            .iter()
            .enumerate()
            .map(|(j, e)| Effect {
                meter: self.resolve(refs.meters, &e.meter, &format!("{path}.effects[{j}].meter")),
                spread: {
                    let spread = e.spread.unwrap_or(0.0);
                    if !(0.0..=100_000.0).contains(&spread) {
                        self.error(
                            format!("{path}.effects[{j}].spread"),
                            format!("spread {spread} must be a number from 0 to 100000"),
                        );
                    }
                    spread
                },
                add: e.add,
                delay: {
                    let delay = e.delay.unwrap_or(0);
                    self.at_most_max_rounds(
                        delay,
                        &format!("{path}.effects[{j}].delay"),
                        "a delay",
                    );
                    delay
                },
            })
            .collect();
        let success = raw.success.unwrap_or(1.0);
        self.probability(success, &format!("{path}.success"));
        Action {
            id: raw.id.clone(),
            name: raw.name.clone().unwrap_or_else(|| raw.id.clone()),
            by,
            cost,
            duration: duration.max(1),
            uses: uses.max(1),
            earliest,
            latest: raw.latest,
            requires,
            when,
            effects,
            success,
        }
    }

    /// A probability of success or of an event: above 0 and at most 1.
    fn probability(&mut self, p: f64, path: &str) {
        if !(p > 0.0 && p <= 1.0) {
            self.error(
                path,
                format!("probability {p} must be above 0 and at most 1"),
            );
        }
    }

    /// Reports each `requires` cycle once, naming its actions in order.
    pub(super) fn requires_cycles(&mut self, actions: &[Action]) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        fn visit(
            a: usize,
            actions: &[Action],
            marks: &mut [Mark],
            stack: &mut Vec<usize>,
            cycles: &mut Vec<Vec<usize>>,
        ) {
            marks[a] = Mark::Open;
            stack.push(a);
            for r in &actions[a].requires {
                let b = r.action;
                if b == a {
                    continue; // reported as "requires itself"
                }
                match marks[b] {
                    Mark::New => visit(b, actions, marks, stack, cycles),
                    Mark::Open => {
                        let from = stack.iter().position(|&x| x == b).unwrap_or(0);
                        cycles.push(stack[from..].to_vec());
                    }
                    Mark::Done => {}
                }
            }
            stack.pop();
            marks[a] = Mark::Done;
        }
        let mut marks = vec![Mark::New; actions.len()];
        let mut cycles = Vec::new();
        for a in 0..actions.len() {
            if marks[a] == Mark::New {
                visit(a, actions, &mut marks, &mut Vec::new(), &mut cycles);
            }
        }
        for cycle in cycles {
            let names: Vec<String> = cycle
                .iter()
                .chain(cycle.first())
                .map(|&a| format!("`{}`", actions[a].id))
                .collect();
            self.error(
                format!("actions[{}].requires", cycle[0]),
                format!(
                    "`requires` cycle: {} (each needs the next completed first)",
                    names.join(" requires ")
                ),
            );
        }
    }

    pub(super) fn together_group(
        &mut self,
        group: &[String],
        i: usize,
        actions: &Ids,
    ) -> Vec<ActionIdx> {
        let path = format!("together[{i}]");
        let mut members: Vec<ActionIdx> = group
            .iter()
            .enumerate()
            .map(|(j, id)| self.resolve(actions, id, &format!("{path}[{j}]")))
            .collect();
        members.sort_unstable();
        members.dedup();
        if members.len() < 2 {
            self.error(
                &path,
                "a `together` group needs at least two distinct actions",
            );
        }
        members
    }

    pub(super) fn event(
        &mut self,
        raw: &RawEvent,
        path: &str,
        horizon: u32,
        meters: &Ids,
    ) -> Event {
        self.round_in(raw.round, horizon, &format!("{path}.round"));
        let chance = raw.chance.unwrap_or(1.0);
        self.probability(chance, &format!("{path}.chance"));
        Event {
            round: raw.round,
            meter: self.resolve(meters, &raw.meter, &format!("{path}.meter")),
            add: raw.add,
            name: raw.name.clone(),
            chance,
        }
    }
}
