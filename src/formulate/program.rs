//! The program as plain data: variables, constraints each named after the
//! model element (and JSON path) it comes from, and the objective levels.
//! `solve` hands it to a backend; diagnosis reads the origins.

use crate::model::{ActionIdx, MeterIdx, Objective, PartyIdx};
use crate::presolve::MeterBounds;

/// Index of a variable in [`Milp::vars`].
pub type VarId = usize;

/// A linear expression: `Σ coef · var + constant`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinExpr {
    pub terms: Vec<(VarId, f64)>,
    pub constant: f64,
}

impl LinExpr {
    /// One variable, with coefficient 1.
    pub fn var(v: VarId) -> Self {
        LinExpr {
            terms: vec![(v, 1.0)],
            constant: 0.0,
        }
    }

    /// Adds `coef · v`.
    pub fn add(&mut self, v: VarId, coef: f64) -> &mut Self {
        self.terms.push((v, coef));
        self
    }

    /// The sum of the variables.
    pub fn sum(vars: impl IntoIterator<Item = VarId>) -> Self {
        LinExpr {
            terms: vars.into_iter().map(|v| (v, 1.0)).collect(),
            constant: 0.0,
        }
    }

    /// The expression's value for the given variable values.
    pub fn eval(&self, values: &[f64]) -> f64 {
        self.constant + self.terms.iter().map(|&(v, c)| c * values[v]).sum::<f64>()
    }
}

/// What a variable may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    Binary,
    /// A whole number between its bounds.
    Integer,
    Continuous,
}

/// A variable with its bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct VarDef {
    pub name: String,
    pub kind: VarKind,
    pub lower: f64,
    pub upper: f64,
}

/// Direction of a constraint: `expr SENSE rhs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    AtMost,
    AtLeast,
    Equal,
}

/// The rule of the semantics a constraint encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Uses,
    NoOverlap,
    Requires,
    When,
    MeterDynamics,
    NeverBelow,
    NeverAbove,
    NotBefore,
    CostAtMost,
    Together,
    MovesPerRound,
    PerParty,
    ActionExpectation,
    MeterExpectation,
    MetRound,
    Forced,
    /// The number of an action's moves, as one variable (implied).
    MoveCount,
    /// The completion an expectation demands of an action (implied).
    Demanded,
    Latest,
    Forbid,
    Never,
    Event,
    /// Enough sampled futures count (`--reliability`).
    Reliability,
}

impl Rule {
    /// A short name used in constraint names.
    pub fn as_str(&self) -> &'static str {
        match self {
            Rule::Uses => "uses",
            Rule::NoOverlap => "no_overlap",
            Rule::Requires => "requires",
            Rule::When => "when",
            Rule::MeterDynamics => "meter",
            Rule::NeverBelow => "never_below",
            Rule::NeverAbove => "never_above",
            Rule::NotBefore => "not_before",
            Rule::CostAtMost => "cost_at_most",
            Rule::Together => "together",
            Rule::MovesPerRound => "moves_per_round",
            Rule::PerParty => "per_party",
            Rule::ActionExpectation => "expectation",
            Rule::MeterExpectation => "expectation",
            Rule::MetRound => "met_round",
            Rule::Forced => "force",
            Rule::Demanded => "demanded",
            Rule::MoveCount => "moves",
            Rule::Latest => "latest",
            Rule::Forbid => "forbid",
            Rule::Never => "never",
            Rule::Event => "event",
            Rule::Reliability => "reliability",
        }
    }
}

/// The model element a constraint comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    Action(ActionIdx),
    Meter(MeterIdx),
    RedLine(usize),
    Expectation(usize),
    Together(usize),
    Limits,
    /// A `--force` move from the command line.
    Forced(usize),
    /// The definition of the met round R (for `earliest`).
    MetRound,
    /// An action made unavailable by the scenario or `--forbid`.
    Forbid(ActionIdx),
    /// An event of [`crate::model::Instance::events`] (diagnosis only).
    Event(usize),
    /// A party's entry in `limits.per_party`.
    PartyLimit(PartyIdx),
}

/// Where a constraint comes from, in the model's own terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub rule: Rule,
    pub element: Element,
    /// JSON path of the element, e.g. `actions[3].requires[0]`.
    pub path: String,
    /// The round the constraint is about, if any.
    pub round: Option<u32>,
}

impl Origin {
    /// A unique, readable constraint name, e.g. `requires:actions[3].requires[0]@5`.
    pub fn name(&self) -> String {
        match self.round {
            Some(r) => format!("{}:{}@{r}", self.rule.as_str(), self.path),
            None => format!("{}:{}", self.rule.as_str(), self.path),
        }
    }
}

/// One linear constraint and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub expr: LinExpr,
    pub sense: Sense,
    pub rhs: f64,
    pub origin: Origin,
}

/// One level of the lexicographic objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// The user's level (`None` for the implicit tie-break).
    pub objective: Option<Objective>,
    pub expr: LinExpr,
    pub maximize: bool,
    /// Whether the expression only takes whole values (so it can be fixed exactly).
    pub integral: bool,
    /// A spacing every plan's value of this level keeps from every other
    /// plan's (1 for whole values, the costs' common divisor for
    /// `cheapest`, the weighted effects' for `maximize` over meters without
    /// decay): the search may stop once no branch can gain a full step.
    pub step: Option<f64>,
}

/// The greatest common divisor of `values`, which must be fractions with a
/// denominator up to 1000 (such as 0.5 or 0.1); `None` for other values or
/// when every value is 0. The spacing of all their sums with whole
/// multipliers.
pub fn common_step(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.into_iter().filter(|v| *v != 0.0).collect();
    if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // Absolute: a value as large as 2e7 + 0.01 must not pass for whole.
    // Where rounding noise itself passes 1e-6 (beyond about 1e9), no step.
    let whole = |x: f64| (x - x.round()).abs() <= 1e-6;
    let denominator = (1..=1000u32).find(|&q| values.iter().all(|v| whole(v * f64::from(q))))?;
    let mut divisor: u64 = 0;
    for v in &values {
        let numerator = (v * f64::from(denominator)).round().abs();
        if numerator > 1e15 {
            return None;
        }
        divisor = gcd(divisor, numerator as u64);
    }
    Some(divisor as f64 / f64::from(denominator))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The whole program.
#[derive(Debug, Clone, PartialEq)]
pub struct Milp {
    pub vars: Vec<VarDef>,
    pub rows: Vec<Row>,
    /// The user's levels in order, then the tie-break.
    pub levels: Vec<Level>,
    /// Per action, `(round, variable)` for each round it may start in.
    pub starts: Vec<Vec<(u32, VarId)>>,
    /// Per action, how many of its start variables can be 1 at once (`uses`).
    pub uses: Vec<u32>,
    /// Per action, the variable counting its moves (with
    /// [`Tuning::counts`](crate::tuning::Tuning)), if it has any start.
    pub counts: Vec<Option<VarId>>,
    /// `met_by[t-1]` is 1 when every expectation holds from round t on
    /// (empty without `earliest`).
    pub met_by: Vec<VarId>,
    /// m\[k\]\[t\] of the first scenario (t = 0 has no variable).
    pub meter_vars: Vec<Vec<Option<VarId>>>,
    /// Bounds of m\[k\]\[t\] over all plans, first scenario.
    pub meter_bounds: MeterBounds,
    /// In relaxable mode, per event of the instance, the variable that says
    /// it happens (fixed to 1 by a row of rule `event`).
    pub event_vars: Vec<VarId>,
    /// Per sampled future of a reliability program, the 0/1 variable that
    /// says the plan works in it (empty otherwise).
    pub samples: Vec<VarId>,
    /// Requirements no variable can meet (e.g. a forced move outside its
    /// window): the program is infeasible before any solve.
    pub impossible: Vec<Origin>,
}
