//! The mixed-integer program, as plain data: variables, named constraints
//! each mapped back to the model element (and JSON path) it comes from, and
//! the objective levels. One method per rule of the semantics. `solve`
//! hands it to good_lp; diagnosis and explanation read the origins.

use crate::model::{
    ActionIdx, ExpectationKind, Instance, MeterIdx, Objective, PartyIdx, RedLineKind,
};
use crate::presolve::{candidate_starts, idle_meters, meter_bounds, plain_starts, MeterBounds};

/// Index of a variable in [`Milp::vars`].
pub type VarId = usize;

/// A linear expression: `Σ coef · var + constant`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinExpr {
    pub terms: Vec<(VarId, f64)>,
    pub constant: f64,
}

impl LinExpr {
    fn var(v: VarId) -> Self {
        LinExpr {
            terms: vec![(v, 1.0)],
            constant: 0.0,
        }
    }

    fn add(&mut self, v: VarId, coef: f64) -> &mut Self {
        self.terms.push((v, coef));
        self
    }

    fn sum(vars: impl IntoIterator<Item = VarId>) -> Self {
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
    /// An event of [`Instance::events`] (diagnosis only).
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
    /// [`Tuning::counts`](crate::model::Tuning)), if it has any start.
    pub counts: Vec<Option<VarId>>,
    /// `met_by[t-1]` is 1 when every expectation holds from round t on
    /// (empty without `earliest`).
    pub met_by: Vec<VarId>,
    /// m[k][t] of the first scenario (t = 0 has no variable).
    pub meter_vars: Vec<Vec<Option<VarId>>>,
    /// Bounds of m[k][t] over all plans, first scenario.
    pub meter_bounds: MeterBounds,
    /// In relaxable mode, per event of the instance, the variable that says
    /// it happens (fixed to 1 by a row of rule `event`).
    pub event_vars: Vec<VarId>,
    /// Requirements no variable can meet (e.g. a forced move outside its
    /// window): the program is infeasible before any solve.
    pub impossible: Vec<Origin>,
}

impl Milp {
    /// Builds the program for an instance.
    pub fn build(instance: &Instance) -> Milp {
        Builder::new(&[instance]).build()
    }

    /// Builds one program for several scenarios of the same model: one set
    /// of moves that must be valid in each (meters, red lines and
    /// expectations per scenario). `earliest` is the latest met round over
    /// the scenarios; `maximize` sums over them.
    pub fn build_robust(instances: &[&Instance]) -> Milp {
        Builder::new(instances).build()
    }
}

/// How far the program lets a meter pass a level: half the simulator's
/// tolerance ([`crate::numbers::TOLERANCE`]), so that every plan the solver returns
/// (exact to about 1e-7) passes the simulator, and plans within the
/// tolerance are not wrongly ruled out.
pub const SOLVER_TOLERANCE: f64 = crate::numbers::TOLERANCE / 2.0;

/// Room left around a computed meter bound, so the variable's box never
/// decides feasibility on its own at the limit of floating point.
fn bound_slack(value: f64) -> f64 {
    1e-3 * value.abs().max(1.0)
}

/// What the program knows of one scenario: its meter variables and bounds.
struct View<'a, 'm> {
    instance: &'a Instance<'m>,
    meters: Vec<Vec<Option<VarId>>>,
    bounds: MeterBounds,
    idle: Vec<Vec<(f64, f64)>>,
    /// Put before the JSON path of its constraints ("" for one scenario).
    prefix: String,
}

struct Builder<'a, 'm> {
    /// The scenario whose rows are being built (see [`Builder::select`]).
    instance: &'a Instance<'m>,
    horizon: u32,
    vars: Vec<VarDef>,
    rows: Vec<Row>,
    impossible: Vec<Origin>,
    /// x[a]: (round, var) for each possible start, shared by all scenarios.
    starts: Vec<Vec<(u32, VarId)>>,
    /// Per action, the number of its moves as one variable, if counted.
    counts: Vec<Option<VarId>>,
    met_by: Vec<VarId>,
    /// m[k][t] for t in 0..=H; m[k][0] is the initial value (no variable).
    meters: Vec<Vec<Option<VarId>>>,
    bounds: MeterBounds,
    /// Per meter, its values m[0..=H] with no move at all.
    idle: Vec<Vec<(f64, f64)>>,
    prefix: String,
    views: Vec<View<'a, 'm>>,
    event_vars: Vec<VarId>,
}

impl<'a, 'm> Builder<'a, 'm> {
    fn new(instances: &[&'a Instance<'m>]) -> Self {
        let first = instances[0];
        // A start must be possible in every scenario.
        let starts_of = |instance: &Instance| {
            if !instance.overrides.tuning.windows {
                plain_starts(instance)
            } else {
                candidate_starts(instance)
            }
        };
        let mut candidates = starts_of(first);
        for other in &instances[1..] {
            let theirs = starts_of(other);
            for (mine, theirs) in candidates.iter_mut().zip(&theirs) {
                mine.retain(|s| theirs.contains(s));
            }
        }
        let mut builder = Builder {
            instance: first,
            horizon: first.horizon,
            vars: Vec::new(),
            rows: Vec::new(),
            impossible: Vec::new(),
            starts: Vec::new(),
            counts: Vec::new(),
            met_by: Vec::new(),
            meters: Vec::new(),
            bounds: Vec::new(),
            idle: Vec::new(),
            prefix: String::new(),
            views: Vec::new(),
            event_vars: Vec::new(),
        };
        builder.start_variables(&candidates);
        if first.relaxable {
            for (j, path) in first.event_sources.iter().map(|e| e.path()).enumerate() {
                let v = builder.new_var(format!("event[{path}]"), VarKind::Binary, 0.0, 1.0);
                builder.event_vars.push(v);
                let origin = Origin {
                    rule: Rule::Event,
                    element: Element::Event(j),
                    path: path.clone(),
                    round: Some(first.events[j].round),
                };
                builder.row(LinExpr::var(v), Sense::AtLeast, 1.0, origin);
            }
        }
        for &instance in instances {
            let prefix = match (instances.len(), instance.scenario_id()) {
                (1, _) => String::new(),
                (_, Some(id)) => format!("[{id}] "),
                (_, None) => "[base] ".to_owned(),
            };
            let bounds = meter_bounds(instance, &candidates);
            let meters = builder.meter_variables(instance, &bounds, &prefix);
            builder.views.push(View {
                instance,
                meters,
                bounds,
                idle: idle_meters(instance),
                prefix,
            });
        }
        builder.select(0);
        builder
    }

    /// Makes scenario `i` the one whose rows are built.
    fn select(&mut self, i: usize) {
        let view = &self.views[i];
        self.instance = view.instance;
        self.horizon = view.instance.horizon;
        self.meters = view.meters.clone();
        self.bounds = view.bounds.clone();
        self.idle = view.idle.clone();
        self.prefix = view.prefix.clone();
    }

    fn build(mut self) -> Milp {
        for i in 0..self.views.len() {
            self.select(i);
            self.meter_dynamics();
            self.conditions();
            self.meter_red_lines();
            self.expectations();
            let tuning = self.instance.overrides.tuning;
            if tuning.implied_rows && tuning.deadlines {
                self.demanded();
            }
        }
        self.select(0);
        self.prefix.clear();
        self.horizon = self
            .views
            .iter()
            .map(|v| v.instance.horizon)
            .max()
            .unwrap_or(self.horizon);
        self.uses_and_overlap();
        if self.instance.overrides.tuning.counts {
            self.move_counts();
        }
        self.precedences();
        self.together();
        self.limits();
        self.cost_caps();
        self.forced_moves();
        if self.instance.relaxable {
            self.availability();
        }
        let levels = self.levels();
        Milp {
            vars: self.vars,
            rows: self.rows,
            levels,
            uses: self.instance.model.actions.iter().map(|a| a.uses).collect(),
            counts: self.counts,
            met_by: self.met_by,
            meter_vars: self.views[0].meters.clone(),
            meter_bounds: self.views[0].bounds.clone(),
            event_vars: self.event_vars,
            starts: self.starts,
            impossible: self.impossible,
        }
    }

    fn new_var(&mut self, name: String, kind: VarKind, lower: f64, upper: f64) -> VarId {
        self.vars.push(VarDef {
            name,
            kind,
            lower,
            upper,
        });
        self.vars.len() - 1
    }

    fn row(&mut self, expr: LinExpr, sense: Sense, rhs: f64, mut origin: Origin) {
        if !self.prefix.is_empty() {
            origin.path = format!("{}{}", self.prefix, origin.path);
        }
        if expr.terms.is_empty() {
            let ok = match sense {
                Sense::AtMost => expr.constant <= rhs + 1e-9,
                Sense::AtLeast => expr.constant >= rhs - 1e-9,
                Sense::Equal => (expr.constant - rhs).abs() <= 1e-9,
            };
            if !ok {
                self.impossible.push(origin);
            }
            return;
        }
        self.rows.push(Row {
            expr,
            sense,
            rhs,
            origin,
        });
    }

    fn action_path(a: ActionIdx) -> String {
        format!("actions[{a}]")
    }

    /// x[a][s] for every round a could start in (see [`candidate_starts`]).
    fn start_variables(&mut self, candidates: &[Vec<u32>]) {
        for (a, action) in self.instance.model.actions.iter().enumerate() {
            let mut list = Vec::new();
            for &s in &candidates[a] {
                let name = format!("start[{}@{s}]", action.id);
                list.push((s, self.new_var(name, VarKind::Binary, 0.0, 1.0)));
            }
            self.starts.push(list);
        }
    }

    fn meter_variables(
        &mut self,
        instance: &Instance,
        bounds: &MeterBounds,
        prefix: &str,
    ) -> Vec<Vec<Option<VarId>>> {
        let mut out = Vec::new();
        for (k, meter) in instance.model.meters.iter().enumerate() {
            let mut list = vec![None];
            for t in 1..=instance.horizon {
                let (lo, hi) = bounds[k][t as usize];
                let name = format!("{prefix}meter[{}@{t}]", meter.id);
                list.push(Some(self.new_var(
                    name,
                    VarKind::Continuous,
                    lo - bound_slack(lo),
                    hi + bound_slack(hi),
                )));
            }
            out.push(list);
        }
        out
    }

    /// m[k][t] as an expression (the initial value at t = 0).
    fn meter_at(&self, k: MeterIdx, t: u32) -> LinExpr {
        match self.meters[k][t as usize] {
            Some(v) => LinExpr::var(v),
            None => LinExpr {
                terms: Vec::new(),
                constant: self.instance.initial[k],
            },
        }
    }

    /// Starts of `a` with s in `rounds`.
    fn starts_in(&self, a: ActionIdx, rounds: std::ops::RangeInclusive<i64>) -> Vec<VarId> {
        self.starts[a]
            .iter()
            .filter(|(s, _)| rounds.contains(&i64::from(*s)))
            .map(|&(_, v)| v)
            .collect()
    }

    /// Σ x[a][s] over starts whose use completes in a round ≤ t.
    fn completed_by(&self, a: ActionIdx, t: i64) -> LinExpr {
        let d = i64::from(self.instance.model.actions[a].duration);
        LinExpr::sum(self.starts_in(a, 1..=t - d + 1))
    }

    /// Σ x[a][s] over starts in progress in round t.
    fn in_progress(&self, a: ActionIdx, t: u32) -> Vec<VarId> {
        let d = i64::from(self.instance.model.actions[a].duration);
        self.starts_in(a, i64::from(t) - d + 1..=i64::from(t))
    }

    /// m[t] = (1 − decay)·m[t−1] + effects landing in t + events in t.
    fn meter_dynamics(&mut self) {
        let model = self.instance.model;
        for (k, meter) in model.meters.iter().enumerate() {
            for t in 1..=self.horizon {
                let mut expr = self.meter_at(k, t);
                let previous = self.meter_at(k, t - 1);
                for &(v, c) in &previous.terms {
                    expr.add(v, -(1.0 - meter.decay) * c);
                }
                let mut rhs = (1.0 - meter.decay) * previous.constant;
                for (a, action) in model.actions.iter().enumerate() {
                    for e in action.effects.iter().filter(|e| e.meter == k) {
                        let lands_from =
                            i64::from(t) - i64::from(e.delay) - i64::from(action.duration) + 1;
                        for v in self.starts_in(a, lands_from..=lands_from) {
                            expr.add(v, -e.add);
                        }
                    }
                }
                for (j, ev) in self.instance.events.iter().enumerate() {
                    if ev.meter == k && ev.round == t {
                        match self.event_vars.get(j) {
                            Some(&v) => {
                                expr.add(v, -ev.add);
                            }
                            None => rhs += ev.add,
                        }
                    }
                }
                let origin = Origin {
                    rule: Rule::MeterDynamics,
                    element: Element::Meter(k),
                    path: format!("meters[{k}]"),
                    round: Some(t),
                };
                self.row(expr, Sense::Equal, rhs, origin);
            }
        }
    }

    fn uses_and_overlap(&mut self) {
        for (a, action) in self.instance.model.actions.iter().enumerate() {
            let all: Vec<VarId> = self.starts[a].iter().map(|&(_, v)| v).collect();
            if all.len() as u32 > action.uses {
                let origin = Origin {
                    rule: Rule::Uses,
                    element: Element::Action(a),
                    path: format!("{}.uses", Self::action_path(a)),
                    round: None,
                };
                self.row(
                    LinExpr::sum(all),
                    Sense::AtMost,
                    f64::from(action.uses),
                    origin,
                );
            }
            if action.uses > 1 && action.duration > 1 {
                for t in 1..=self.horizon {
                    let running = self.in_progress(a, t);
                    if running.len() > 1 {
                        let origin = Origin {
                            rule: Rule::NoOverlap,
                            element: Element::Action(a),
                            path: format!("{}.duration", Self::action_path(a)),
                            round: Some(t),
                        };
                        self.row(LinExpr::sum(running), Sense::AtMost, 1.0, origin);
                    }
                }
            }
        }
    }

    /// n[a] = Σ_s x[a][s], a whole number up to `uses`, for every action
    /// with more than one possible start (with one, n[a] is that start).
    /// The cost and count objectives read n, so branching on n decides
    /// whether an action is taken, and how often, before when.
    fn move_counts(&mut self) {
        for (a, action) in self.instance.model.actions.iter().enumerate() {
            let all: Vec<VarId> = self.starts[a].iter().map(|&(_, v)| v).collect();
            let count = match all.as_slice() {
                [] => None,
                [only] => Some(*only),
                _ => {
                    let most = action.uses.min(all.len() as u32);
                    let name = format!("moves[{}]", action.id);
                    let n = self.new_var(name, VarKind::Integer, 0.0, f64::from(most));
                    let mut expr = LinExpr::sum(all);
                    expr.add(n, -1.0);
                    let origin = Origin {
                        rule: Rule::MoveCount,
                        element: Element::Action(a),
                        path: Self::action_path(a),
                        round: None,
                    };
                    self.row(expr, Sense::Equal, 0.0, origin);
                    Some(n)
                }
            };
            self.counts.push(count);
        }
    }

    /// Σ c_a · (moves of a) over actions: through the move counts when
    /// there are any, else over every start.
    fn per_move(&self, weight: impl Fn(ActionIdx) -> f64) -> LinExpr {
        let mut expr = LinExpr::default();
        for (a, list) in self.starts.iter().enumerate() {
            let c = weight(a);
            if c == 0.0 {
                continue;
            }
            match self.counts.get(a) {
                Some(&Some(n)) => {
                    expr.add(n, c);
                }
                _ => {
                    for &(_, v) in list {
                        expr.add(v, c);
                    }
                }
            }
        }
        expr
    }

    /// `requires` and `not_before`: x[a][s] ≤ Σ completions of b by s − lag.
    fn precedences(&mut self) {
        let model = self.instance.model;
        let mut items: Vec<(ActionIdx, ActionIdx, u32, Rule, Element, String)> = Vec::new();
        for (a, action) in model.actions.iter().enumerate() {
            for (j, r) in action.requires.iter().enumerate() {
                items.push((
                    a,
                    r.action,
                    r.lag,
                    Rule::Requires,
                    Element::Action(a),
                    format!("actions[{a}].requires[{j}]"),
                ));
            }
        }
        for (i, line) in model.red_lines.iter().enumerate() {
            if let RedLineKind::NotBefore {
                action,
                before,
                lag,
            } = line.kind
            {
                items.push((
                    action,
                    before,
                    lag,
                    Rule::NotBefore,
                    Element::RedLine(i),
                    format!("red_lines[{i}]"),
                ));
            }
        }
        for (a, b, lag, rule, element, path) in items {
            // Aggregated form for a single-use action: its one start needs
            // `b` completed in time, so Σ_s x[a][s] ≤ completions of b by its
            // last start − lag. Implied by the per-round rows for integers,
            // but it keeps the LP relaxation from taking `b` only fractionally.
            let single = self.instance.model.actions[a].uses == 1
                && self.instance.overrides.tuning.implied_rows;
            if let (true, Some(&(last, _))) =
                (single && self.starts[a].len() > 1, self.starts[a].last())
            {
                let mut expr = self.completed_by(b, i64::from(last) - i64::from(lag));
                for &(_, v) in &self.starts[a] {
                    expr.add(v, -1.0);
                }
                let origin = Origin {
                    rule,
                    element,
                    path: path.clone(),
                    round: None,
                };
                self.row(expr, Sense::AtLeast, 0.0, origin);
            }
            for (s, v) in self.starts[a].clone() {
                let mut expr = self.completed_by(b, i64::from(s) - i64::from(lag));
                expr.add(v, -1.0);
                self.row(
                    expr,
                    Sense::AtLeast,
                    0.0,
                    Origin {
                        rule,
                        element,
                        path: path.clone(),
                        round: Some(s),
                    },
                );
            }
        }
    }

    /// `when` bands on m[s−1], with big-M from the meter's bounds.
    fn conditions(&mut self) {
        let model = self.instance.model;
        for (a, action) in model.actions.iter().enumerate() {
            for (j, c) in action.when.iter().enumerate() {
                for (s, v) in self.starts[a].clone() {
                    let t = s - 1;
                    let (lo, hi) = self.bounds[c.meter][t as usize];
                    let origin = Origin {
                        rule: Rule::When,
                        element: Element::Action(a),
                        path: format!("actions[{a}].when[{j}]"),
                        round: Some(s),
                    };
                    if let Some(level) = c.at_least.map(|l| l - SOLVER_TOLERANCE) {
                        // m ≥ level − (level − lo)(1 − x)  ⇔  m − (level − lo)·x ≥ lo
                        if lo < level {
                            let mut expr = self.meter_at(c.meter, t);
                            expr.add(v, -(level - lo));
                            let rhs = lo - expr.constant;
                            expr.constant = 0.0;
                            self.row(expr, Sense::AtLeast, rhs, origin.clone());
                        }
                    }
                    if let Some(level) = c.at_most.map(|l| l + SOLVER_TOLERANCE) {
                        // m ≤ level + (hi − level)(1 − x)  ⇔  m + (hi − level)·x ≤ hi
                        if hi > level {
                            let mut expr = self.meter_at(c.meter, t);
                            expr.add(v, hi - level);
                            let rhs = hi - expr.constant;
                            expr.constant = 0.0;
                            self.row(expr, Sense::AtMost, rhs, origin);
                        }
                    }
                }
                if action.uses == 1 && self.instance.overrides.tuning.implied_rows {
                    self.condition_reach(a, j);
                }
            }
        }
    }

    /// An order-free form of a `when` band for a single-use action, which
    /// keeps the LP relaxation from meeting the band with a fraction of a
    /// start. Without moves the meter follows its idle path (initial value,
    /// decay, events); moves can lift it at most by their positive effects
    /// landed so far (decay only shrinks them) and lower it at most by their
    /// negative ones. So if `a` starts in s with `m[s−1] ≥ L`, the gap
    /// `L − idle[s−1]` is covered by positive effects landed by the last
    /// round before a's last possible start:
    /// `Σ_s (L − idle[s−1])⁺·x[a][s] ≤ Σ add⁺ · landings by then`
    /// (and the mirror image for `at_most`). Valid for every plan.
    fn condition_reach(&mut self, a: ActionIdx, j: usize) {
        let model = self.instance.model;
        let c = model.actions[a].when[j];
        let Some(&(last, _)) = self.starts[a].last() else {
            return;
        };
        let cutoff = i64::from(last) - 1;
        for (level, lifting) in [(c.at_least, true), (c.at_most, false)] {
            let Some(level) = level else { continue };
            let mut expr = LinExpr::default();
            for &(s, v) in &self.starts[a] {
                let (idle_lo, idle_hi) = self.idle[c.meter][(s - 1) as usize];
                let gap = if lifting {
                    level - idle_hi
                } else {
                    idle_lo - level
                };
                if gap > crate::numbers::TOLERANCE {
                    expr.add(v, gap);
                }
            }
            if expr.terms.is_empty() {
                continue;
            }
            for (b, other) in model.actions.iter().enumerate() {
                for e in other.effects.iter().filter(|e| e.meter == c.meter) {
                    let helps = if lifting {
                        e.add.max(0.0)
                    } else {
                        (-e.add).max(0.0)
                    };
                    if helps == 0.0 {
                        continue;
                    }
                    let lands_by = cutoff - i64::from(e.delay) - i64::from(other.duration) + 1;
                    for v in self.starts_in(b, 1..=lands_by) {
                        expr.add(v, -helps);
                    }
                }
            }
            let origin = Origin {
                rule: Rule::When,
                element: Element::Action(a),
                path: format!("actions[{a}].when[{j}]"),
                round: None,
            };
            self.row(expr, Sense::AtMost, 0.0, origin);
        }
    }

    fn together(&mut self) {
        let model = self.instance.model;
        for (g, group) in model.together.iter().enumerate() {
            let lead = group[0];
            for &other in &group[1..] {
                let rounds: std::collections::BTreeSet<u32> = self.starts[lead]
                    .iter()
                    .chain(&self.starts[other])
                    .map(|&(s, _)| s)
                    .collect();
                for s in rounds {
                    let mut expr = LinExpr::sum(self.starts_in(lead, i64::from(s)..=i64::from(s)));
                    for v in self.starts_in(other, i64::from(s)..=i64::from(s)) {
                        expr.add(v, -1.0);
                    }
                    let origin = Origin {
                        rule: Rule::Together,
                        element: Element::Together(g),
                        path: format!("together[{g}]"),
                        round: Some(s),
                    };
                    self.row(expr, Sense::Equal, 0.0, origin);
                }
            }
        }
    }

    fn limits(&mut self) {
        let model = self.instance.model;
        let limits = &model.limits;
        for t in 1..=self.horizon {
            if let Some(cap) = limits.moves_per_round {
                let running: Vec<VarId> = (0..model.actions.len())
                    .flat_map(|a| self.in_progress(a, t))
                    .collect();
                if running.len() as u32 > cap {
                    let origin = Origin {
                        rule: Rule::MovesPerRound,
                        element: Element::Limits,
                        path: "limits.moves_per_round".into(),
                        round: Some(t),
                    };
                    self.row(LinExpr::sum(running), Sense::AtMost, f64::from(cap), origin);
                }
            }
            for &(party, cap) in &limits.per_party {
                let running: Vec<VarId> = (0..model.actions.len())
                    .filter(|&a| model.actions[a].by == party)
                    .flat_map(|a| self.in_progress(a, t))
                    .collect();
                if running.len() as u32 > cap {
                    let path = format!("limits.per_party.{}", model.parties[party].id);
                    let origin = Origin {
                        rule: Rule::PerParty,
                        element: Element::PartyLimit(party),
                        path,
                        round: Some(t),
                    };
                    self.row(LinExpr::sum(running), Sense::AtMost, f64::from(cap), origin);
                }
            }
        }
    }

    /// Meter floors and ceilings over rounds 1..=H (`not_before` is with
    /// the precedences, `never` removes variables, cost caps are apart).
    fn meter_red_lines(&mut self) {
        let model = self.instance.model;
        for (i, line) in model.red_lines.iter().enumerate() {
            let (meter, level, below) = match line.kind {
                RedLineKind::NeverBelow { meter, level } => (meter, level, true),
                RedLineKind::NeverAbove { meter, level } => (meter, level, false),
                _ => continue,
            };
            let (rule, sense) = if below {
                (Rule::NeverBelow, Sense::AtLeast)
            } else {
                (Rule::NeverAbove, Sense::AtMost)
            };
            for t in 1..=self.horizon {
                let (lo, hi) = self.bounds[meter][t as usize];
                if (below && lo >= level) || (!below && hi <= level) {
                    continue; // holds in every plan
                }
                let origin = Origin {
                    rule,
                    element: Element::RedLine(i),
                    path: format!("red_lines[{i}]"),
                    round: Some(t),
                };
                let level = if below {
                    level - SOLVER_TOLERANCE
                } else {
                    level + SOLVER_TOLERANCE
                };
                self.row(self.meter_at(meter, t), sense, level, origin);
            }
        }
    }

    /// Relaxable mode: `latest`, forbids and `never` as rows that keep start
    /// variables at 0, so each can be dropped on its own.
    fn availability(&mut self) {
        let model = self.instance.model;
        for (a, action) in model.actions.iter().enumerate() {
            let latest = self.instance.latest[a];
            let late: Vec<VarId> = self.starts[a]
                .iter()
                .filter(|&&(s, _)| s > latest)
                .map(|&(_, v)| v)
                .collect();
            if !late.is_empty() {
                let origin = Origin {
                    rule: Rule::Latest,
                    element: Element::Action(a),
                    path: format!("actions[{a}].latest"),
                    round: Some(latest),
                };
                self.row(LinExpr::sum(late), Sense::AtMost, 0.0, origin);
            }
            let all: Vec<VarId> = self.starts[a].iter().map(|&(_, v)| v).collect();
            if self.instance.forbidden[a] && !all.is_empty() {
                let path = match self.instance.scenario {
                    Some(i) if model.scenarios[i].forbid.contains(&a) => {
                        format!("scenarios[{i}].forbid ({})", action.id)
                    }
                    _ => format!("--forbid {}", action.id),
                };
                let origin = Origin {
                    rule: Rule::Forbid,
                    element: Element::Forbid(a),
                    path,
                    round: None,
                };
                self.row(LinExpr::sum(all.clone()), Sense::AtMost, 0.0, origin);
            }
            for (i, line) in model.red_lines.iter().enumerate() {
                if line.kind == (RedLineKind::Never { action: a }) && !all.is_empty() {
                    let origin = Origin {
                        rule: Rule::Never,
                        element: Element::RedLine(i),
                        path: format!("red_lines[{i}]"),
                        round: None,
                    };
                    self.row(LinExpr::sum(all.clone()), Sense::AtMost, 0.0, origin);
                }
            }
        }
    }

    /// `cost_at_most`: the summed cost of a party's moves.
    fn cost_caps(&mut self) {
        let model = self.instance.model;
        for (i, line) in model.red_lines.iter().enumerate() {
            let RedLineKind::CostAtMost { party, cap } = line.kind else {
                continue;
            };
            let mut expr = LinExpr::default();
            for (a, action) in model
                .actions
                .iter()
                .enumerate()
                .filter(|(_, x)| x.by == party && x.cost > 0.0)
            {
                for &(_, v) in &self.starts[a] {
                    expr.add(v, action.cost);
                }
            }
            let origin = Origin {
                rule: Rule::CostAtMost,
                element: Element::RedLine(i),
                path: format!("red_lines[{i}]"),
                round: None,
            };
            self.row(expr, Sense::AtMost, cap, origin);
        }
    }

    fn expectations(&mut self) {
        let model = self.instance.model;
        for (e, expectation) in model.expectations.iter().enumerate() {
            let by = self.instance.by[e];
            let path = format!("expectations[{e}]");
            match expectation.kind {
                ExpectationKind::Action(a) => {
                    let origin = Origin {
                        rule: Rule::ActionExpectation,
                        element: Element::Expectation(e),
                        path,
                        round: Some(by),
                    };
                    self.completed_row(a, by, origin);
                }
                ExpectationKind::Meter { meter, band } => {
                    for t in by..=self.horizon {
                        let origin = Origin {
                            rule: Rule::MeterExpectation,
                            element: Element::Expectation(e),
                            path: path.clone(),
                            round: Some(t),
                        };
                        if let Some(low) = band.at_least {
                            self.row(
                                self.meter_at(meter, t),
                                Sense::AtLeast,
                                low - SOLVER_TOLERANCE,
                                origin.clone(),
                            );
                        }
                        if let Some(high) = band.at_most {
                            self.row(
                                self.meter_at(meter, t),
                                Sense::AtMost,
                                high + SOLVER_TOLERANCE,
                                origin,
                            );
                        }
                    }
                }
            }
        }
    }

    /// Σ completions of a by D ≥ 1 for every action whose first use the
    /// expectations demand by D (see [`crate::presolve::demanded_completions`]),
    /// when D is earlier than an expectation on a itself says.
    fn demanded(&mut self) {
        let model = self.instance.model;
        let last_start: Vec<Option<u32>> = self
            .starts
            .iter()
            .map(|list| list.last().map(|&(s, _)| s))
            .collect();
        let demands = crate::presolve::demanded_completions(self.instance, &last_start);
        for (a, demand) in demands.into_iter().enumerate() {
            let Some(by) = demand else { continue };
            let stated =
                model.expectations.iter().enumerate().any(|(e, x)| {
                    x.kind == ExpectationKind::Action(a) && self.instance.by[e] <= by
                });
            if stated {
                continue;
            }
            let origin = Origin {
                rule: Rule::Demanded,
                element: Element::Action(a),
                path: Self::action_path(a),
                round: Some(by),
            };
            self.completed_row(a, by, origin);
        }
    }

    /// a's first use completes by round `by`: Σ completions of a by `by` ≥ 1.
    fn completed_row(&mut self, a: ActionIdx, by: u32, origin: Origin) {
        self.row(
            self.completed_by(a, i64::from(by)),
            Sense::AtLeast,
            1.0,
            origin,
        );
    }

    fn forced_moves(&mut self) {
        for (i, &(a, round)) in self.instance.forced.iter().enumerate() {
            let origin = Origin {
                rule: Rule::Forced,
                element: Element::Forced(i),
                // The path names the round already.
                path: format!("--force {}@{round}", self.instance.model.actions[a].id),
                round: None,
            };
            if self.instance.forced[..i].contains(&(a, round)) {
                // The same move twice: one start variable cannot hold it.
                self.impossible.push(origin);
                continue;
            }
            self.row(
                LinExpr::sum(self.starts_in(a, i64::from(round)..=i64::from(round))),
                Sense::Equal,
                1.0,
                origin,
            );
        }
    }

    /// R = 1 + Σ_t (1 − y[t]), where y[t] = 1 means every expectation
    /// holds from round t on; y is monotone and linked to each expectation.
    fn met_round(&mut self) -> LinExpr {
        let model = self.instance.model;
        if model.expectations.is_empty() {
            return LinExpr::default();
        }
        let horizon = self.horizon;
        let last_deadline = self
            .views
            .iter()
            .flat_map(|v| v.instance.by.iter().copied())
            .max()
            .unwrap_or(horizon);
        let mut ys = Vec::new();
        for t in 1..=horizon {
            let fixed = if t >= last_deadline { 1.0 } else { 0.0 };
            ys.push(self.new_var(format!("met_by[{t}]"), VarKind::Binary, fixed, 1.0));
        }
        self.met_by.clone_from(&ys);
        let origin = |t: u32, element: Element, path: String| Origin {
            rule: Rule::MetRound,
            element,
            path,
            round: Some(t),
        };
        for t in 1..horizon {
            let mut expr = LinExpr::var(ys[t as usize]);
            expr.add(ys[t as usize - 1], -1.0);
            self.row(
                expr,
                Sense::AtLeast,
                0.0,
                origin(t, Element::MetRound, "objective.earliest".into()),
            );
        }
        // y[t] = 1 only if every expectation holds from t in every scenario.
        for view in 0..self.views.len() {
            self.select(view);
            for (e, expectation) in model.expectations.iter().enumerate() {
                let by = self.instance.by[e];
                for t in 1..by {
                    let y = ys[t as usize - 1];
                    let path = format!("expectations[{e}]");
                    match expectation.kind {
                        ExpectationKind::Action(a) => {
                            let mut expr = self.completed_by(a, i64::from(t));
                            expr.add(y, -1.0);
                            self.row(
                                expr,
                                Sense::AtLeast,
                                0.0,
                                origin(t, Element::Expectation(e), path),
                            );
                        }
                        ExpectationKind::Meter { meter, band } => {
                            let (lo, hi) = self.bounds[meter][t as usize];
                            // m ≥ lo + (L − lo)·y: the floor binds when y = 1.
                            if let Some(at_least) = band.at_least.map(|l| l - SOLVER_TOLERANCE) {
                                if lo < at_least {
                                    let mut expr = self.meter_at(meter, t);
                                    expr.add(y, -(at_least - lo));
                                    self.row(
                                        expr,
                                        Sense::AtLeast,
                                        lo,
                                        origin(t, Element::Expectation(e), path.clone()),
                                    );
                                }
                            }
                            // m ≤ hi − (hi − U)·y: the ceiling binds when y = 1.
                            if let Some(at_most) = band.at_most.map(|u| u + SOLVER_TOLERANCE) {
                                if hi > at_most {
                                    let mut expr = self.meter_at(meter, t);
                                    expr.add(y, hi - at_most);
                                    self.row(
                                        expr,
                                        Sense::AtMost,
                                        hi,
                                        origin(t, Element::Expectation(e), path),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        self.select(0);
        self.prefix.clear();
        self.horizon = horizon;
        let mut r = LinExpr {
            terms: Vec::new(),
            constant: 1.0 + f64::from(horizon),
        };
        for y in ys {
            r.add(y, -1.0);
        }
        r
    }

    fn all_starts(&self) -> impl Iterator<Item = (ActionIdx, u32, VarId)> + '_ {
        self.starts
            .iter()
            .enumerate()
            .flat_map(|(a, list)| list.iter().map(move |&(s, v)| (a, s, v)))
    }

    fn levels(&mut self) -> Vec<Level> {
        let model = self.instance.model;
        let mut levels = Vec::new();
        for objective in &model.objective {
            let level = match objective {
                Objective::Earliest => Level {
                    objective: Some(objective.clone()),
                    expr: self.met_round(),
                    maximize: false,
                    integral: true,
                    step: Some(1.0),
                },
                Objective::Cheapest => {
                    let integral = model.actions.iter().all(|a| a.cost.fract() == 0.0);
                    let step = common_step(model.actions.iter().map(|a| a.cost));
                    Level {
                        objective: Some(objective.clone()),
                        expr: self.per_move(|a| model.actions[a].cost),
                        maximize: false,
                        integral,
                        step: step.or(integral.then_some(1.0)),
                    }
                }
                Objective::Fewest => {
                    let expr = self.per_move(|_| 1.0);
                    Level {
                        objective: Some(objective.clone()),
                        expr,
                        maximize: false,
                        integral: true,
                        step: Some(1.0),
                    }
                }
                Objective::Maximize(weights) => {
                    // Summed over the scenarios (one in a plain plan).
                    let mut expr = LinExpr::default();
                    for view in &self.views {
                        let at_h = view
                            .meters
                            .iter()
                            .map(|m| m[view.instance.horizon as usize]);
                        for (k, var) in at_h.enumerate() {
                            let Some(&(_, w)) = weights.iter().find(|(meter, _)| *meter == k)
                            else {
                                continue;
                            };
                            match var {
                                Some(v) => {
                                    expr.add(v, w);
                                }
                                None => expr.constant += w * view.instance.initial[k],
                            }
                        }
                    }
                    Level {
                        objective: Some(objective.clone()),
                        expr,
                        maximize: true,
                        integral: false,
                        step: self.maximize_step(weights),
                    }
                }
            };
            levels.push(level);
        }
        let tie_break = self
            .all_starts()
            .map(|(_, s, v)| (v, f64::from(s)))
            .collect();
        levels.push(Level {
            objective: None,
            expr: LinExpr {
                terms: tie_break,
                constant: 0.0,
            },
            maximize: false,
            integral: true,
            step: Some(1.0),
        });
        levels
    }

    /// The spacing of a `maximize` level's values: without decay, a meter
    /// at the horizon is its start plus the effects and events that landed,
    /// so the weighted sum moves in steps of the weighted changes' common
    /// divisor. A decaying meter has no such step.
    fn maximize_step(&self, weights: &[(MeterIdx, f64)]) -> Option<f64> {
        let model = self.instance.model;
        let mut changes = Vec::new();
        for &(k, w) in weights.iter().filter(|(_, w)| *w != 0.0) {
            if model.meters[k].decay != 0.0 {
                return None;
            }
            let effects = model.actions.iter().flat_map(|a| &a.effects);
            changes.extend(effects.filter(|e| e.meter == k).map(|e| w * e.add));
            for view in &self.views {
                let events = view.instance.events.iter();
                changes.extend(events.filter(|e| e.meter == k).map(|e| w * e.add));
            }
        }
        common_step(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_model, validate, Overrides};
    use crate::plan::{Move, Moves};

    fn model() -> crate::model::Model {
        let text = r#"{"seqplan": 1, "name": "t", "horizon": 5, "parties": [{"id": "p"}],
            "meters": [{"id": "m", "initial": 1, "decay": 0.5}],
            "events": [{"round": 2, "meter": "m", "add": -1}],
            "actions": [{"id": "a", "by": "p", "uses": 2, "effects": [{"meter": "m", "add": 2}]},
                        {"id": "b", "by": "p", "requires": ["a"], "when": [{"meter": "m", "at_least": 1.5}],
                         "effects": [{"meter": "m", "add": -1, "delay": 1}]}],
            "expectations": [{"id": "e", "action": "b", "by": 5}],
            "red_lines": [{"id": "floor", "meter": "m", "never_below": -3}]}"#;
        validate(&parse_model(text, "t").unwrap(), "t")
            .unwrap()
            .model
    }

    #[test]
    fn common_step_is_the_spacing_of_whole_combinations() {
        assert_eq!(common_step([2.0, 4.0, 6.0]), Some(2.0));
        assert_eq!(common_step([1.0, 0.5, -1.5]), Some(0.5));
        assert_eq!(common_step([0.3 * 0.5, 0.3, 0.0]), Some(0.15));
        assert_eq!(common_step([0.0, 0.0]), None);
        assert_eq!(common_step([1.0 / 3.0, 1.0]), Some(1.0 / 3.0));
        assert_eq!(common_step([std::f64::consts::PI]), None);
        assert_eq!(common_step([f64::NAN]), None);
        // Large values are whole only if they are, to the cent.
        assert_eq!(common_step([20_000_000.01, 20_000_000.0]), Some(0.01));
        assert_eq!(common_step([20_000_000.001, 1.0]), Some(0.001));
    }

    /// The big-M bounds must contain the meter of every plan the program can
    /// express (moves within the presolved windows, distinct starts).
    #[test]
    fn meter_bounds_contain_every_plan() {
        let m = model();
        let instance = Instance::new(&m, &Overrides::default()).unwrap();
        let milp = Milp::build(&instance);
        let rounds: Vec<Vec<u32>> = milp
            .starts
            .iter()
            .map(|l| l.iter().map(|&(s, _)| s).collect())
            .collect();
        let bounds = meter_bounds(&instance, &rounds);
        let rounds = 0..=5u32;
        for a1 in rounds.clone() {
            for a2 in rounds.clone() {
                for b in rounds.clone() {
                    let in_window = |action: usize, r: u32| {
                        r == 0 || milp.starts[action].iter().any(|&(s, _)| s == r)
                    };
                    if (a2 != 0 && a1 >= a2)
                        || !in_window(0, a1)
                        || !in_window(0, a2)
                        || !in_window(1, b)
                    {
                        continue;
                    }
                    let moves: Vec<Move> = [(a1, 0), (a2, 0), (b, 1)]
                        .iter()
                        .filter(|(r, _)| *r > 0)
                        .map(|&(round, action)| Move { round, action })
                        .collect();
                    let evaluation = crate::simulate::simulate(&instance, &Moves::new(moves));
                    for (t, &value) in evaluation.meters[0].iter().enumerate() {
                        let (lo, hi) = bounds[0][t];
                        assert!(
                            lo - 1e-9 <= value && value <= hi + 1e-9,
                            "round {t}: {value} outside {lo}..{hi}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn constraints_are_named_after_the_model_element() {
        let m = model();
        let instance = Instance::new(&m, &Overrides::default()).unwrap();
        let milp = Milp::build(&instance);
        let names: Vec<String> = milp.rows.iter().map(|r| r.origin.name()).collect();
        assert!(
            names.contains(&"requires:actions[1].requires[0]@3".to_owned()),
            "{names:?}"
        );
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("when:actions[1].when[0]@")),
            "{names:?}"
        );
        assert!(
            names.iter().any(|n| n.starts_with("meter:meters[0]@")),
            "{names:?}"
        );
        let unique: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "names are unique");
    }
}
