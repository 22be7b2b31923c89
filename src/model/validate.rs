//! Validation: turns a [`RawModel`] into a [`Model`] with every id resolved
//! to an index, or lists every rule of the format it breaks, each with its
//! JSON path.

use std::collections::HashMap;

use super::raw::*;
use super::*;
use crate::error::{did_you_mean, Error, Problem};

/// The largest magnitude of a meter quantity (initial value, effect,
/// event, level, weight).
pub const MAX_METER_VALUE: f64 = 1e5;

/// The largest magnitude of a cost or cost cap.
pub const MAX_COST: f64 = 1e9;

/// The largest horizon, duration, lag or delay a model may use (rounds).
pub const MAX_ROUNDS: u32 = 10_000;

/// A model that passed validation, with the warnings its text deserves
/// (control characters shown escaped); [`crate::warnings`] adds those about
/// what the model means.
#[derive(Debug, Clone)]
pub struct Validated {
    pub model: Model,
    pub warnings: Vec<Warning>,
}

/// Something legal but probably not what the author meant.
pub type Warning = Problem;

/// Validates `raw`; `file` names the source in the error.
pub fn validate(raw: &RawModel, file: &str) -> Result<Validated, Error> {
    let mut raw = raw.clone();
    let text_warnings = shown_safely(&mut raw);
    let mut checker = Checker::default();
    let model = checker.model(&raw);
    if !checker.problems.is_empty() {
        return Err(Error::Invalid {
            file: file.to_owned(),
            problems: checker.problems,
        });
    }
    Ok(Validated {
        model,
        warnings: text_warnings,
    })
}

/// Escapes the control characters (and, in one-line strings, tabs and line
/// breaks) of every free-text field, so that no output of the model can
/// carry them raw, and warns about each field that had any.
fn shown_safely(raw: &mut RawModel) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut fix = |path: String, text: &mut Option<String>, one_line: bool| {
        let Some(value) = text.as_mut() else { return };
        let found = if one_line {
            crate::escape::first_unsafe_in_line(value)
        } else {
            value.chars().find(|&c| crate::escape::is_unsafe(c))
        };
        if let Some(c) = found {
            warnings.push(Warning::new(
                path,
                format!(
                    "contains the control character U+{:04X}; seqplan shows such characters escaped (as {})",
                    u32::from(c),
                    crate::escape::line(&c.to_string())
                ),
            ));
            *value = if one_line {
                crate::escape::line(value).into_owned()
            } else {
                crate::escape::document(value).into_owned()
            };
        }
    };
    let mut name = Some(std::mem::take(&mut raw.name));
    fix("name".into(), &mut name, true);
    raw.name = name.unwrap_or_default();
    fix("summary".into(), &mut raw.summary, false);
    fix("source".into(), &mut raw.source, true);
    fix("round".into(), &mut raw.round, true);
    for (i, x) in raw.parties.iter_mut().enumerate() {
        fix(format!("parties[{i}].name"), &mut x.name, true);
        fix(format!("parties[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.meters.iter_mut().enumerate() {
        fix(format!("meters[{i}].name"), &mut x.name, true);
        fix(format!("meters[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.actions.iter_mut().enumerate() {
        fix(format!("actions[{i}].name"), &mut x.name, true);
        fix(format!("actions[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.events.iter_mut().enumerate() {
        fix(format!("events[{i}].name"), &mut x.name, true);
        fix(format!("events[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.expectations.iter_mut().enumerate() {
        fix(format!("expectations[{i}].name"), &mut x.name, true);
        fix(format!("expectations[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.red_lines.iter_mut().enumerate() {
        fix(format!("red_lines[{i}].name"), &mut x.name, true);
        fix(format!("red_lines[{i}].cite"), &mut x.cite, true);
    }
    for (i, s) in raw.scenarios.iter_mut().enumerate() {
        fix(format!("scenarios[{i}].name"), &mut s.name, true);
        fix(format!("scenarios[{i}].cite"), &mut s.cite, true);
        for (j, x) in s.events.iter_mut().enumerate() {
            fix(
                format!("scenarios[{i}].events[{j}].name"),
                &mut x.name,
                true,
            );
            fix(
                format!("scenarios[{i}].events[{j}].cite"),
                &mut x.cite,
                true,
            );
        }
    }
    warnings
}

/// Ids of one list, for resolving references with "did you mean" hints.
struct Ids<'a> {
    kind: &'static str,
    index: HashMap<&'a str, usize>,
    all: Vec<&'a str>,
}

impl<'a> Ids<'a> {
    fn new(kind: &'static str, ids: impl Iterator<Item = &'a str>) -> Self {
        let all: Vec<&str> = ids.collect();
        let mut index = HashMap::new();
        for (i, id) in all.iter().enumerate() {
            index.entry(*id).or_insert(i);
        }
        Ids { kind, index, all }
    }
}

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn resolve(&mut self, ids: &Ids, id: &str, path: &str) -> usize {
        match ids.index.get(id) {
            Some(&i) => i,
            None => {
                let hint = did_you_mean(id, ids.all.iter().copied());
                self.error(path, format!("unknown {} `{id}`{hint}", ids.kind));
                0
            }
        }
    }

    fn check_ids<'a>(&mut self, list: &str, ids: impl Iterator<Item = &'a str>) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.enumerate() {
            let path = format!("{list}[{i}].id");
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                self.error(&path, format!("id `{id}` must match [a-z0-9_]+"));
            }
            if let Some(first) = seen.insert(id, i) {
                self.error(
                    &path,
                    format!("duplicate id `{id}` (first used at {list}[{first}])"),
                );
            }
        }
    }

    /// Meter quantities stay within ±[`MAX_METER_VALUE`] and costs within
    /// ±[`MAX_COST`]: beyond that, a double-precision solver can no longer
    /// tell levels apart to the 1e-6 the semantics asks for.
    fn magnitudes(&mut self, raw: &RawModel) {
        let mut values: Vec<(String, f64, f64)> = Vec::new();
        let mut meter = |path: String, v: Option<f64>| {
            if let Some(v) = v {
                values.push((path, v, MAX_METER_VALUE));
            }
        };
        for (i, m) in raw.meters.iter().enumerate() {
            meter(format!("meters[{i}].initial"), m.initial);
        }
        for (i, a) in raw.actions.iter().enumerate() {
            for (j, e) in a.effects.iter().enumerate() {
                meter(format!("actions[{i}].effects[{j}].add"), Some(e.add));
            }
            for (j, c) in a.when.iter().enumerate() {
                meter(format!("actions[{i}].when[{j}].at_least"), c.at_least);
                meter(format!("actions[{i}].when[{j}].at_most"), c.at_most);
            }
        }
        for (i, e) in raw.events.iter().enumerate() {
            meter(format!("events[{i}].add"), Some(e.add));
        }
        for (i, e) in raw.expectations.iter().enumerate() {
            meter(format!("expectations[{i}].at_least"), e.at_least);
            meter(format!("expectations[{i}].at_most"), e.at_most);
            meter(format!("expectations[{i}].weight"), e.weight);
        }
        for (i, r) in raw.red_lines.iter().enumerate() {
            meter(format!("red_lines[{i}].never_below"), r.never_below);
            meter(format!("red_lines[{i}].never_above"), r.never_above);
        }
        for (i, s) in raw.scenarios.iter().enumerate() {
            for (id, v) in &s.initial {
                meter(format!("scenarios[{i}].initial.{id}"), Some(*v));
            }
            for (j, e) in s.events.iter().enumerate() {
                meter(format!("scenarios[{i}].events[{j}].add"), Some(e.add));
            }
        }
        for (i, o) in raw.objective.iter().flatten().enumerate() {
            if let RawObjective::Maximize(weights) = o {
                for (id, w) in weights {
                    meter(format!("objective[{i}].maximize.{id}"), Some(*w));
                }
            }
        }
        for (i, a) in raw.actions.iter().enumerate() {
            if let Some(cost) = a.cost {
                values.push((format!("actions[{i}].cost"), cost, MAX_COST));
            }
        }
        for (i, r) in raw.red_lines.iter().enumerate() {
            if let Some(cap) = r.cost_at_most {
                values.push((format!("red_lines[{i}].cost_at_most"), cap, MAX_COST));
            }
        }
        for (path, value, limit) in values {
            if value.abs() > limit {
                self.error(
                    path,
                    format!("{value} is beyond ±{limit}, the range seqplan solves exactly; measure this quantity in larger units"),
                );
            }
        }
    }

    /// Rounds, durations, lags and delays stay below [`MAX_ROUNDS`], so
    /// round arithmetic never overflows and memory stays bounded.
    fn at_most_max_rounds(&mut self, value: u32, path: &str, what: &str) {
        if value > MAX_ROUNDS {
            self.error(
                path,
                format!("{what} of {value} rounds is above the limit of {MAX_ROUNDS}"),
            );
        }
    }

    fn round_in(&mut self, round: u32, horizon: u32, path: &str) {
        if round < 1 || round > horizon {
            self.error(
                path,
                format!("round {round} is outside 1..{horizon} (the horizon)"),
            );
        }
    }

    fn model(&mut self, raw: &RawModel) -> Model {
        if raw.seqplan != 1 {
            self.error(
                "seqplan",
                format!(
                    "format version {} is not supported; expected 1",
                    raw.seqplan
                ),
            );
        }
        if raw.horizon < 1 {
            self.error("horizon", "the horizon must be at least 1 round");
        }
        self.at_most_max_rounds(raw.horizon, "horizon", "the horizon");
        let horizon = raw.horizon.clamp(1, MAX_ROUNDS);
        if raw.parties.is_empty() {
            self.error("parties", "at least one party is required");
        }
        if raw.actions.is_empty() {
            self.error("actions", "at least one action is required");
        }
        self.check_ids("parties", raw.parties.iter().map(|p| p.id.as_str()));
        self.check_ids("meters", raw.meters.iter().map(|m| m.id.as_str()));
        self.check_ids("actions", raw.actions.iter().map(|a| a.id.as_str()));
        self.check_ids(
            "expectations",
            raw.expectations.iter().map(|e| e.id.as_str()),
        );
        self.check_ids("red_lines", raw.red_lines.iter().map(|r| r.id.as_str()));
        self.check_ids("scenarios", raw.scenarios.iter().map(|s| s.id.as_str()));
        for (i, scenario) in raw.scenarios.iter().enumerate() {
            if scenario.id == "base" {
                self.error(
                    format!("scenarios[{i}].id"),
                    "`base` names the model without a scenario; choose another id",
                );
            }
        }

        self.magnitudes(raw);
        let parties = Ids::new("party", raw.parties.iter().map(|p| p.id.as_str()));
        let meters = Ids::new("meter", raw.meters.iter().map(|m| m.id.as_str()));
        let actions = Ids::new("action", raw.actions.iter().map(|a| a.id.as_str()));
        let expectation_ids = Ids::new(
            "expectation",
            raw.expectations.iter().map(|e| e.id.as_str()),
        );
        let refs = Refs {
            parties: &parties,
            meters: &meters,
            actions: &actions,
        };

        let meter_list = raw
            .meters
            .iter()
            .enumerate()
            .map(|(i, m)| self.meter(m, i))
            .collect();
        let action_list: Vec<Action> = raw
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| self.action(a, i, horizon, &refs))
            .collect();
        self.requires_cycles(&action_list);
        let together = raw
            .together
            .iter()
            .enumerate()
            .map(|(i, g)| self.together_group(g, i, &actions))
            .collect();
        let events = raw
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| self.event(e, &format!("events[{i}]"), horizon, &meters))
            .collect();
        let expectations = raw
            .expectations
            .iter()
            .enumerate()
            .map(|(i, e)| self.expectation(e, i, horizon, &refs))
            .collect();
        let red_lines = raw
            .red_lines
            .iter()
            .enumerate()
            .map(|(i, r)| self.red_line(r, i, &refs))
            .collect();
        let limits = raw
            .limits
            .as_ref()
            .map(|l| self.limits(l, &parties))
            .unwrap_or_default();
        let objective = match &raw.objective {
            Some(levels) => levels
                .iter()
                .enumerate()
                .map(|(i, o)| self.objective(o, i, &meters))
                .collect(),
            None => vec![Objective::Earliest, Objective::Cheapest],
        };
        if let Some((first, again)) = repeated_level(&objective) {
            self.error(
                format!("objective[{again}]"),
                format!("this level repeats objective[{first}]: once that one is at its optimum this one is settled too, so it cannot break ties"),
            );
        }
        let scenarios = raw
            .scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| self.scenario(s, i, horizon, &meters, &actions, &expectation_ids))
            .collect();
        let model = Model {
            name: raw.name.clone(),
            summary: raw.summary.clone(),
            source: raw.source.clone(),
            horizon,
            round_unit: raw.round.clone().unwrap_or_else(|| "round".to_owned()),
            parties: raw
                .parties
                .iter()
                .map(|p| Party {
                    id: p.id.clone(),
                    name: p.name.clone().unwrap_or_else(|| p.id.clone()),
                })
                .collect(),
            meters: meter_list,
            actions: action_list,
            together,
            events,
            expectations,
            red_lines,
            limits,
            objective,
            scenarios,
        };
        if self.problems.is_empty() {
            self.initial_values_within_red_lines(&model);
        }
        model
    }

    fn meter(&mut self, raw: &RawMeter, i: usize) -> Meter {
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

    fn action(&mut self, raw: &RawAction, i: usize, horizon: u32, refs: &Refs) -> Action {
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
                        self.error(&cpath, "a condition needs `at_least`, `at_most` or both")
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
        }
    }

    /// Reports each `requires` cycle once, naming its actions in order.
    fn requires_cycles(&mut self, actions: &[Action]) {
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

    fn together_group(&mut self, group: &[String], i: usize, actions: &Ids) -> Vec<ActionIdx> {
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

    fn event(&mut self, raw: &RawEvent, path: &str, horizon: u32, meters: &Ids) -> Event {
        self.round_in(raw.round, horizon, &format!("{path}.round"));
        Event {
            round: raw.round,
            meter: self.resolve(meters, &raw.meter, &format!("{path}.meter")),
            add: raw.add,
            name: raw.name.clone(),
        }
    }

    fn expectation(
        &mut self,
        raw: &RawExpectation,
        i: usize,
        horizon: u32,
        refs: &Refs,
    ) -> Expectation {
        let path = format!("expectations[{i}]");
        let level = raw.at_least.is_some() || raw.at_most.is_some();
        let kind = match (&raw.action, &raw.meter, level) {
            (Some(action), None, false) => ExpectationKind::Action(self.resolve(
                refs.actions,
                action,
                &format!("{path}.action"),
            )),
            (None, Some(meter), true) => {
                if let (Some(lo), Some(hi)) = (raw.at_least, raw.at_most) {
                    if lo > hi {
                        self.error(
                            &path,
                            format!("empty band: at_least {lo} is above at_most {hi}"),
                        );
                    }
                }
                ExpectationKind::Meter {
                    meter: self.resolve(refs.meters, meter, &format!("{path}.meter")),
                    band: Band {
                        at_least: raw.at_least,
                        at_most: raw.at_most,
                    },
                }
            }
            (None, Some(_), false) => {
                self.error(
                    &path,
                    "an expectation on a meter needs `at_least` (a floor to sustain), `at_most` (a ceiling to keep under) or both",
                );
                ExpectationKind::Action(0)
            }
            (Some(_), None, true) => {
                let field = if raw.at_least.is_some() {
                    "at_least"
                } else {
                    "at_most"
                };
                self.error(
                    format!("{path}.{field}"),
                    format!(
                        "`{field}` goes with `meter`; an expectation on an action takes no level"
                    ),
                );
                ExpectationKind::Action(0)
            }
            (Some(_), _, _) => {
                self.error(
                    &path,
                    "an expectation names either `action` or `meter` (with `at_least`, `at_most` or both), not both",
                );
                ExpectationKind::Action(0)
            }
            (None, None, _) => {
                self.error(
                    &path,
                    "an expectation needs `action`, or `meter` with `at_least`, `at_most` or both",
                );
                ExpectationKind::Action(0)
            }
        };
        if let Some(by) = raw.by {
            self.round_in(by, horizon, &format!("{path}.by"));
        }
        let weight = raw.weight.unwrap_or(1.0);
        if weight <= 0.0 {
            self.error(
                format!("{path}.weight"),
                format!("weight {weight} must be above 0"),
            );
        }
        Expectation {
            id: raw.id.clone(),
            name: raw.name.clone().unwrap_or_else(|| raw.id.clone()),
            kind,
            by: raw.by,
            weight,
        }
    }

    fn red_line(&mut self, raw: &RawRedLine, i: usize, refs: &Refs) -> RedLine {
        let path = format!("red_lines[{i}]");
        let owner = raw
            .owner
            .as_ref()
            .map(|o| self.resolve(refs.parties, o, &format!("{path}.owner")));
        let kinds: Vec<&str> = [
            ("never_below", raw.never_below.is_some()),
            ("never_above", raw.never_above.is_some()),
            ("not_before", raw.not_before.is_some()),
            ("never", raw.never.is_some()),
            ("cost_at_most", raw.cost_at_most.is_some()),
        ]
        .iter()
        .filter(|(_, present)| *present)
        .map(|(k, _)| *k)
        .collect();
        let placeholder = RedLineKind::Never { action: 0 };
        let kind = match kinds.as_slice() {
            [] => {
                self.error(&path, "a red line needs one kind: `never_below`, `never_above`, `not_before`, `never` or `cost_at_most`");
                placeholder
            }
            [_, _, ..] => {
                self.error(
                    &path,
                    format!(
                        "a red line has exactly one kind, found {}",
                        kinds
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                );
                placeholder
            }
            [kind] => self.red_line_kind(raw, kind, &path, refs),
        };
        RedLine {
            id: raw.id.clone(),
            name: raw.name.clone().unwrap_or_else(|| raw.id.clone()),
            owner,
            kind,
        }
    }

    fn red_line_kind(
        &mut self,
        raw: &RawRedLine,
        kind: &str,
        path: &str,
        refs: &Refs,
    ) -> RedLineKind {
        // The fields each kind takes besides its own keyword.
        let allowed: &[&str] = match kind {
            "never_below" | "never_above" => &["meter"],
            "not_before" => &["action", "lag"],
            "cost_at_most" => &["party"],
            _ => &[],
        };
        for (field, present) in [
            ("meter", raw.meter.is_some()),
            ("action", raw.action.is_some()),
            ("lag", raw.lag.is_some()),
            ("party", raw.party.is_some()),
        ] {
            if present && !allowed.contains(&field) {
                self.error(
                    format!("{path}.{field}"),
                    format!("a `{kind}` red line does not take `{field}`"),
                );
            }
        }
        let meter = |c: &mut Self| match &raw.meter {
            Some(m) => c.resolve(refs.meters, m, &format!("{path}.meter")),
            None => {
                c.error(path, format!("a `{kind}` red line needs `meter`"));
                0
            }
        };
        match kind {
            "never_below" => RedLineKind::NeverBelow {
                meter: meter(self),
                level: raw.never_below.unwrap_or(0.0),
            },
            "never_above" => RedLineKind::NeverAbove {
                meter: meter(self),
                level: raw.never_above.unwrap_or(0.0),
            },
            "not_before" => {
                let before_id = raw.not_before.as_deref().unwrap_or_default();
                let before = self.resolve(refs.actions, before_id, &format!("{path}.not_before"));
                let action = match &raw.action {
                    Some(a) => {
                        if a == before_id {
                            self.error(path, format!("action `{a}` cannot be `not_before` itself"));
                        }
                        self.resolve(refs.actions, a, &format!("{path}.action"))
                    }
                    None => {
                        self.error(path, "a `not_before` red line needs `action`");
                        0
                    }
                };
                {
                    let lag = raw.lag.unwrap_or(1);
                    self.at_most_max_rounds(lag, &format!("{path}.lag"), "a lag");
                    RedLineKind::NotBefore {
                        action,
                        before,
                        lag,
                    }
                }
            }
            "never" => RedLineKind::Never {
                action: self.resolve(
                    refs.actions,
                    raw.never.as_deref().unwrap_or_default(),
                    &format!("{path}.never"),
                ),
            },
            _ => {
                let cap = raw.cost_at_most.unwrap_or(0.0);
                if cap < 0.0 {
                    self.error(
                        format!("{path}.cost_at_most"),
                        format!("cost cap {cap} must be at least 0"),
                    );
                }
                let party = match &raw.party {
                    Some(p) => self.resolve(refs.parties, p, &format!("{path}.party")),
                    None => {
                        self.error(path, "a `cost_at_most` red line needs `party`");
                        0
                    }
                };
                RedLineKind::CostAtMost { party, cap }
            }
        }
    }

    fn limits(&mut self, raw: &RawLimits, parties: &Ids) -> Limits {
        let mut per_party: Vec<(PartyIdx, u32)> = raw
            .per_party
            .iter()
            .map(|(id, &cap)| {
                (
                    self.resolve(parties, id, &format!("limits.per_party.{id}")),
                    cap,
                )
            })
            .collect();
        per_party.sort_unstable();
        Limits {
            moves_per_round: raw.moves_per_round,
            per_party,
        }
    }

    fn objective(&mut self, raw: &RawObjective, i: usize, meters: &Ids) -> Objective {
        let path = format!("objective[{i}]");
        match raw {
            RawObjective::Named(name) => match name.as_str() {
                "earliest" => Objective::Earliest,
                "cheapest" => Objective::Cheapest,
                "fewest" => Objective::Fewest,
                "maximize" => {
                    self.error(
                        &path,
                        "`maximize` names meters with weights: {\"maximize\": {\"meter\": 1}}",
                    );
                    Objective::Earliest
                }
                other => {
                    let hint = did_you_mean(other, ["earliest", "cheapest", "fewest", "maximize"]);
                    self.error(&path, format!("unknown objective `{other}`{hint} (expected `earliest`, `cheapest`, `fewest` or {{\"maximize\": {{meter: weight}}}})"));
                    Objective::Earliest
                }
            },
            RawObjective::Maximize(weights) => {
                if weights.is_empty() {
                    self.error(
                        format!("{path}.maximize"),
                        "`maximize` needs at least one meter with a weight",
                    );
                }
                let mut terms: Vec<(MeterIdx, f64)> = weights
                    .iter()
                    .map(|(id, &w)| {
                        (
                            self.resolve(meters, id, &format!("{path}.maximize.{id}")),
                            w,
                        )
                    })
                    .collect();
                terms.sort_by_key(|t| t.0);
                Objective::Maximize(terms)
            }
        }
    }

    fn scenario(
        &mut self,
        raw: &RawScenario,
        i: usize,
        base_horizon: u32,
        meters: &Ids,
        actions: &Ids,
        expectations: &Ids,
    ) -> Scenario {
        let path = format!("scenarios[{i}]");
        if raw.horizon == Some(0) {
            self.error(
                format!("{path}.horizon"),
                "the horizon must be at least 1 round",
            );
        }
        if let Some(h) = raw.horizon {
            self.at_most_max_rounds(h, &format!("{path}.horizon"), "the horizon");
        }
        let horizon = raw.horizon.unwrap_or(base_horizon).clamp(1, MAX_ROUNDS);
        let events = raw
            .events
            .iter()
            .enumerate()
            .map(|(j, e)| self.event(e, &format!("{path}.events[{j}]"), horizon, meters))
            .collect();
        let initial = raw
            .initial
            .iter()
            .map(|(id, &v)| (self.resolve(meters, id, &format!("{path}.initial.{id}")), v))
            .collect();
        let forbid = raw
            .forbid
            .iter()
            .enumerate()
            .map(|(j, id)| self.resolve(actions, id, &format!("{path}.forbid[{j}]")))
            .collect();
        let deadlines = raw
            .deadlines
            .iter()
            .map(|(id, &by)| {
                let dpath = format!("{path}.deadlines.{id}");
                self.round_in(by, horizon, &dpath);
                (self.resolve(expectations, id, &dpath), by)
            })
            .collect();
        Scenario {
            id: raw.id.clone(),
            name: raw.name.clone().unwrap_or_else(|| raw.id.clone()),
            events,
            initial,
            forbid,
            horizon: raw.horizon,
            deadlines,
        }
    }

    /// Initial values that already cross a meter red line make the model
    /// invalid (in the base and in every scenario).
    fn initial_values_within_red_lines(&mut self, model: &Model) {
        let mut check = |initial: &[f64], scenario: Option<&Scenario>, path_prefix: &str| {
            for line in &model.red_lines {
                let (meter, crossed) = match line.kind {
                    RedLineKind::NeverBelow { meter, level } => {
                        (meter, initial[meter] < level - crate::numbers::TOLERANCE)
                    }
                    RedLineKind::NeverAbove { meter, level } => {
                        (meter, initial[meter] > level + crate::numbers::TOLERANCE)
                    }
                    _ => continue,
                };
                if crossed {
                    let (path, context) = match scenario {
                        Some(s) => (
                            format!("{path_prefix}.initial.{}", model.meters[meter].id),
                            format!(" in scenario `{}`", s.id),
                        ),
                        None => (format!("meters[{meter}].initial"), String::new()),
                    };
                    let value = initial[meter];
                    let level = match line.kind {
                        RedLineKind::NeverBelow { level, .. }
                        | RedLineKind::NeverAbove { level, .. } => level,
                        _ => 0.0,
                    };
                    self.problems.push(Problem::new(
                        path,
                        format!(
                            "initial value {}{context} already crosses red line `{}` ({} {})",
                            crate::numbers::fmt_num(value),
                            line.id,
                            line.kind.keyword(),
                            crate::numbers::fmt_num(level)
                        ),
                    ));
                }
            }
        };
        let base: Vec<f64> = model.meters.iter().map(|m| m.initial).collect();
        check(&base, None, "");
        for (i, scenario) in model.scenarios.iter().enumerate() {
            if scenario.initial.is_empty() {
                continue;
            }
            let mut values = base.clone();
            for &(m, v) in &scenario.initial {
                values[m] = v;
            }
            check(&values, Some(scenario), &format!("scenarios[{i}]"));
        }
    }
}

struct Refs<'a, 'b> {
    parties: &'a Ids<'b>,
    meters: &'a Ids<'b>,
    actions: &'a Ids<'b>,
}
