//! The model of a negotiation: the raw format (`raw`), loading with precise
//! error positions (`load`), validation into index-resolved types
//! (`validate`), and scenarios applied to give the concrete instance every
//! later stage works on (`instance`).

pub mod instance;
pub mod load;
pub mod raw;
pub mod validate;

pub use instance::{Instance, Overrides};
pub use load::{load_model, parse_model};
pub use raw::model_schema;
pub use validate::{validate, Validated, Warning};

/// Index of a party in [`Model::parties`].
pub type PartyIdx = usize;
/// Index of a meter in [`Model::meters`].
pub type MeterIdx = usize;
/// Index of an action in [`Model::actions`].
pub type ActionIdx = usize;

/// A validated model: every id resolved to an index, every default applied
/// except those that depend on the horizon (see [`Instance`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub name: String,
    pub summary: Option<String>,
    pub source: Option<String>,
    pub horizon: u32,
    /// The unit of a round ("month", "week"); "round" by default.
    pub round_unit: String,
    pub parties: Vec<Party>,
    pub meters: Vec<Meter>,
    pub actions: Vec<Action>,
    pub together: Vec<Vec<ActionIdx>>,
    pub events: Vec<Event>,
    pub expectations: Vec<Expectation>,
    pub red_lines: Vec<RedLine>,
    pub limits: Limits,
    pub objective: Vec<Objective>,
    pub scenarios: Vec<Scenario>,
    /// What has already happened, in a model replanned mid-way
    /// ([`crate::replan`]); `None` for a model as written.
    pub past: Option<Past>,
}

/// The past of a model replanned mid-way: rounds before `now` have been
/// played. Each move made is an action of its own (appended after the
/// model's actions, with the same id), fixed in its round; its effects
/// land only if it succeeded (by chance, if its outcome is still pending),
/// and the model's requires, `not_before` lines
/// and expectations on the action it repeats read its completion instead.
/// Meter red lines and the limits on moves in progress hold from `now` on:
/// what the past crossed cannot be undone.
#[derive(Debug, Clone, PartialEq)]
pub struct Past {
    /// The first round still to plan.
    pub now: u32,
    /// The moves made, in round order.
    pub made: Vec<Made>,
    /// Indices in [`Model::events`] of the events that set the observed
    /// meter values: part of the past, never relaxed by a diagnosis.
    pub observed_events: Vec<usize>,
    /// The expectations whose deadline passed unmet before `now`: due by
    /// the horizon instead.
    pub overdue: Vec<usize>,
}

/// One move already made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Made {
    /// The model's action it was a use of.
    pub action: ActionIdx,
    /// The action that stands for it in the replanned model.
    pub fixed: ActionIdx,
    pub round: u32,
    pub outcome: MadeOutcome,
}

/// How a move made turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MadeOutcome {
    Succeeded,
    Failed,
    /// Not known yet (a move still in progress): it succeeds with its
    /// action's `success`.
    Pending,
}

impl MadeOutcome {
    /// The word for it in histories and in JSON.
    pub fn word(self) -> &'static str {
        match self {
            MadeOutcome::Succeeded => "ok",
            MadeOutcome::Failed => "failed",
            MadeOutcome::Pending => "pending",
        }
    }
}

/// Who makes moves.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    pub id: String,
    pub name: String,
}

/// A numeric quantity tracked round by round.
#[derive(Debug, Clone, PartialEq)]
pub struct Meter {
    pub id: String,
    pub name: String,
    pub initial: f64,
    /// Share of the previous value lost each round, in 0..=1.
    pub decay: f64,
}

/// A move a party can make, with its window, preconditions and effects.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub id: String,
    pub name: String,
    pub by: PartyIdx,
    pub cost: f64,
    pub duration: u32,
    pub uses: u32,
    pub earliest: u32,
    /// `None` means "the horizon", resolved per instance.
    pub latest: Option<u32>,
    pub requires: Vec<Requirement>,
    pub when: Vec<Condition>,
    pub effects: Vec<Effect>,
    /// The probability that one started use succeeds (0 < p ≤ 1).
    pub success: f64,
}

/// A precedence: `action` completed in a round ≤ start − `lag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub action: ActionIdx,
    pub lag: u32,
}

/// A meter band read after the round before a move starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    pub meter: MeterIdx,
    pub at_least: Option<f64>,
    pub at_most: Option<f64>,
}

/// A change a completed move makes to a meter, `delay` rounds later.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    pub meter: MeterIdx,
    pub add: f64,
    pub delay: u32,
    /// Each landing adds an amount uniform on [add − spread, add + spread].
    pub spread: f64,
}

/// An exogenous change to a meter at the end of a round.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub round: u32,
    pub meter: MeterIdx,
    pub add: f64,
    pub name: Option<String>,
    /// The probability that the event happens (0 < p ≤ 1).
    pub chance: f64,
}

/// A minimum expectation with its deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub id: String,
    pub name: String,
    pub kind: ExpectationKind,
    /// `None` means "the horizon", resolved per instance.
    pub by: Option<u32>,
    /// Its importance when not every expectation can be met (> 0).
    pub weight: f64,
}

/// What an expectation asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExpectationKind {
    /// The action's first use completes by the deadline.
    Action(ActionIdx),
    /// The meter stays within the band from the deadline to the horizon.
    Meter { meter: MeterIdx, band: Band },
}

/// What a meter expectation asks the meter to keep: at least a floor, at
/// most a ceiling, or both (at least one is set).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub at_least: Option<f64>,
    pub at_most: Option<f64>,
}

impl Band {
    /// A floor only: "at least `level`".
    pub fn at_least(level: f64) -> Self {
        Band {
            at_least: Some(level),
            at_most: None,
        }
    }

    /// A ceiling only: "at most `level`".
    pub fn at_most(level: f64) -> Self {
        Band {
            at_least: None,
            at_most: Some(level),
        }
    }
}

/// A line that must never be crossed.
#[derive(Debug, Clone, PartialEq)]
pub struct RedLine {
    pub id: String,
    pub name: String,
    pub owner: Option<PartyIdx>,
    pub kind: RedLineKind,
}

/// The five kinds of red line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RedLineKind {
    NeverBelow {
        meter: MeterIdx,
        level: f64,
    },
    NeverAbove {
        meter: MeterIdx,
        level: f64,
    },
    NotBefore {
        action: ActionIdx,
        before: ActionIdx,
        lag: u32,
    },
    Never {
        action: ActionIdx,
    },
    CostAtMost {
        party: PartyIdx,
        cap: f64,
    },
}

impl RedLineKind {
    /// The name of the kind as written in the format.
    pub fn keyword(&self) -> &'static str {
        match self {
            RedLineKind::NeverBelow { .. } => "never_below",
            RedLineKind::NeverAbove { .. } => "never_above",
            RedLineKind::NotBefore { .. } => "not_before",
            RedLineKind::Never { .. } => "never",
            RedLineKind::CostAtMost { .. } => "cost_at_most",
        }
    }
}

/// Caps on actions in progress per round.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    pub moves_per_round: Option<u32>,
    /// `(party, cap)`, in party order.
    pub per_party: Vec<(PartyIdx, u32)>,
}

/// One level of the lexicographic objective.
#[derive(Debug, Clone, PartialEq)]
pub enum Objective {
    /// Minimise the round by which all expectations are met.
    Earliest,
    /// Minimise total cost.
    Cheapest,
    /// Minimise the number of moves.
    Fewest,
    /// Maximise the weighted meters at the horizon: `(meter, weight)`.
    Maximize(Vec<(MeterIdx, f64)>),
}

impl Objective {
    /// The level's name, as in the format and in plan output.
    pub fn name(&self) -> &'static str {
        match self {
            Objective::Earliest => "earliest",
            Objective::Cheapest => "cheapest",
            Objective::Fewest => "fewest",
            Objective::Maximize(_) => "maximize",
        }
    }
}

/// A named set of overrides to the base model.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub id: String,
    pub name: String,
    pub events: Vec<Event>,
    pub initial: Vec<(MeterIdx, f64)>,
    pub forbid: Vec<ActionIdx>,
    pub horizon: Option<u32>,
    pub deadlines: Vec<(usize, u32)>,
}

/// The first objective level that repeats an earlier one, as the indices
/// `(earlier, repeat)`: the same named level, or a `maximize` whose weights
/// are a multiple (of either sign) of an earlier one's. Once the earlier
/// level is at its optimum the repeat is fixed too, so it adds nothing: a
/// mistake in the model or on the command line.
pub fn repeated_level(levels: &[Objective]) -> Option<(usize, usize)> {
    levels.iter().enumerate().find_map(|(i, level)| {
        levels[..i]
            .iter()
            .position(|earlier| same_level(earlier, level))
            .map(|first| (first, i))
    })
}

/// Whether two levels order plans the same way or exactly the reverse way.
fn same_level(a: &Objective, b: &Objective) -> bool {
    match (a, b) {
        (Objective::Maximize(x), Objective::Maximize(y)) => proportional(x, y),
        _ => a == b,
    }
}

/// Whether two weightings of the meters (sorted by meter) are multiples
/// of each other; meters weighted 0 count as absent.
fn proportional(x: &[(MeterIdx, f64)], y: &[(MeterIdx, f64)]) -> bool {
    let x: Vec<&(MeterIdx, f64)> = x.iter().filter(|(_, w)| *w != 0.0).collect();
    let y: Vec<&(MeterIdx, f64)> = y.iter().filter(|(_, w)| *w != 0.0).collect();
    if x.is_empty() || x.len() != y.len() {
        return false;
    }
    let ratio = y[0].1 / x[0].1;
    x.iter()
        .zip(&y)
        .all(|(&&(m, v), &&(n, w))| m == n && (w - ratio * v).abs() <= 1e-9 * w.abs().max(v.abs()))
}

impl Model {
    /// Whether anything in the model is left to chance: a move that may
    /// fail, an effect with a spread, or an event that may not happen (in
    /// the model or a scenario).
    pub fn is_uncertain(&self) -> bool {
        self.actions
            .iter()
            .any(|a| a.success < 1.0 || a.effects.iter().any(|e| e.spread > 0.0))
            || self
                .events
                .iter()
                .chain(self.scenarios.iter().flat_map(|s| &s.events))
                .any(|e| e.chance < 1.0)
    }

    /// The index of the action with this id (never a move already made,
    /// which shares its action's id).
    pub fn action_index(&self, id: &str) -> Option<ActionIdx> {
        self.actions.iter().position(|a| a.id == id)
    }

    /// The first round whose meter red lines and limits the plan must
    /// keep: 1, or in a replanned model the current round.
    pub fn first_kept_round(&self) -> u32 {
        self.past.as_ref().map_or(1, |past| past.now)
    }

    /// The move already made that `action` stands for, if it is one.
    pub fn made(&self, action: ActionIdx) -> Option<&Made> {
        self.past
            .as_ref()
            .and_then(|past| past.made.iter().find(|m| m.fixed == action))
    }

    /// The index of the scenario with this id.
    pub fn scenario_index(&self, id: &str) -> Option<usize> {
        self.scenarios.iter().position(|s| s.id == id)
    }
}
