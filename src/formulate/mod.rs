//! The mixed-integer program of an instance, built from the semantics one
//! rule per method: the rules on moves shared by every scenario
//! (`moves.rs`), the rules on meters (`meters.rs`) and on expectations
//! (`expectations.rs`) per scenario, and the objective levels
//! (`objective.rs`); the program itself is plain data (`program.rs`).
//! Which starts exist and the meter bounds that size the big-M terms come
//! from [`crate::presolve`].

mod expectations;
mod meters;
mod moves;
mod objective;
mod program;
mod sampled;

pub use program::{
    common_step, Element, Level, LinExpr, Milp, Origin, Row, Rule, Sense, VarDef, VarId, VarKind,
};
pub use sampled::SampleDraws;

use crate::model::{ActionIdx, Instance, MeterIdx};
use crate::presolve::{
    candidate_starts, idle_meters, meter_bounds, meter_bounds_over, plain_starts, MeterBounds,
};
use crate::tuning::Tuning;

impl Milp {
    /// Builds the program for an instance with the speed-ups `tuning`
    /// turns on (none changes the optimum).
    pub fn build(instance: &Instance, tuning: &Tuning) -> Milp {
        build(&[instance], None, *tuning)
    }

    /// Builds one program for several scenarios of the same model: one set
    /// of moves that must be valid in each (meters, red lines and
    /// expectations per scenario). `earliest` is the latest met round over
    /// the scenarios; `maximize` sums over them.
    pub fn build_robust(instances: &[&Instance], tuning: &Tuning) -> Milp {
        build(instances, None, *tuning)
    }

    /// Builds the program of a plan that holds with a stated probability:
    /// valid in `nominal`, and in futures that weigh at least `required`
    /// in all (`futures[i]` is the instance of future i, with the events
    /// that happen in it, `draws[i]` what chance decides there, and
    /// `weights[i]` its weight). The plan must work in the nominal
    /// future, so what the speed-ups deduce from it (start windows, the
    /// implied rows) holds; they are applied to the nominal future alone.
    pub fn build_sampled(
        nominal: &Instance,
        futures: &[&Instance],
        draws: &[SampleDraws],
        weights: &[f64],
        required: f64,
        tuning: &Tuning,
    ) -> Milp {
        let instances: Vec<&Instance> = std::iter::once(nominal)
            .chain(futures.iter().copied())
            .collect();
        // A move that does nothing useful when every effect adds its `add`
        // may when it adds more (a spread), and a second use of a move
        // that may fail is how a plan buys reliability: none is dropped.
        let tuning = Tuning {
            drop_useless: false,
            ..*tuning
        };
        build(&instances, Some((draws, weights, required)), tuning)
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

/// Per meter, m[k][t] for t in 0..=H (`None` at t = 0: the initial value).
type MeterVars = Vec<Vec<Option<VarId>>>;

/// What the program knows of one scenario: its instance, its meter
/// variables, their bounds and their path with no move. The rules of one
/// scenario read it; the moves are shared.
struct View<'a, 'm> {
    instance: &'a Instance<'m>,
    /// m[k][t] for t in 0..=H; m[k][0] is the initial value (no variable).
    meters: Vec<Vec<Option<VarId>>>,
    bounds: MeterBounds,
    /// Per meter, its values m[0..=H] with no move at all.
    idle: MeterBounds,
    /// Put before the JSON path of its constraints ("" for one scenario).
    prefix: String,
    /// A sampled future of a reliability program (none in a scenario).
    sample: Option<sampled::Sample<'a>>,
}

impl View<'_, '_> {
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
}

/// The program as it is built: the variables and rows so far, and the
/// moves every scenario shares.
struct Builder<'a, 'm> {
    /// The first scenario's instance: the model, and the forced moves and
    /// availability every scenario's program shares.
    first: &'a Instance<'m>,
    /// The speed-ups the program is built with.
    tuning: Tuning,
    /// The longest horizon of the scenarios.
    horizon: u32,
    vars: Vec<VarDef>,
    rows: Vec<Row>,
    impossible: Vec<Origin>,
    /// x[a]: (round, var) for each possible start, shared by all scenarios.
    starts: Vec<Vec<(u32, VarId)>>,
    /// Per action, the number of its moves as one variable, if counted.
    counts: Vec<Option<VarId>>,
    met_by: Vec<VarId>,
    event_vars: Vec<VarId>,
    /// Per sampled future, the variable that says it counts.
    samples: Vec<VarId>,
    /// In a reliability program, per action, its starts per use:
    /// `ordinals[a][k]` lists (round, u[a][k][round]).
    ordinals: Vec<Vec<Vec<(u32, VarId)>>>,
}

/// What a reliability program adds: per future (the last instances) what
/// chance decides there and its weight, and the weight that must count.
type Futures<'d> = (&'d [SampleDraws], &'d [f64], f64);

/// Builds the program of one or several scenarios (see [`Milp::build_robust`]),
/// the last of them futures of a reliability program (see
/// [`Milp::build_sampled`]).
fn build(instances: &[&Instance], futures: Option<Futures>, tuning: Tuning) -> Milp {
    let draws: &[SampleDraws] = futures.map_or(&[], |(draws, _, _)| draws);
    let first = instances[0];
    // A start must be possible in every scenario.
    let starts_of = |instance: &Instance| {
        if tuning.windows {
            candidate_starts(instance, &tuning)
        } else {
            plain_starts(instance)
        }
    };
    let mut candidates = starts_of(first);
    // A future of a reliability program may not count: only the nominal
    // one, which must hold, says where a move may start.
    let scenarios = if futures.is_some() {
        1
    } else {
        instances.len()
    };
    for other in &instances[1..scenarios] {
        let theirs = starts_of(other);
        for (mine, theirs) in candidates.iter_mut().zip(&theirs) {
            mine.retain(|s| theirs.contains(s));
        }
    }
    let uncertainty = sampled::Uncertainty::of(first);
    let mut builder = Builder {
        first,
        tuning,
        horizon: instances
            .iter()
            .map(|i| i.horizon)
            .max()
            .unwrap_or(first.horizon),
        vars: Vec::new(),
        rows: Vec::new(),
        impossible: Vec::new(),
        starts: Vec::new(),
        counts: Vec::new(),
        met_by: Vec::new(),
        event_vars: Vec::new(),
        samples: Vec::new(),
        ordinals: Vec::new(),
    };
    builder.start_variables(&candidates);
    if futures.is_some() {
        builder.use_variables(&uncertainty);
    }
    if first.relaxable {
        builder.event_variables();
    }
    let sampled_from = instances.len() - draws.len();
    let mut views: Vec<View> = Vec::new();
    for (i, &instance) in instances.iter().enumerate() {
        let view = match i.checked_sub(sampled_from) {
            None => builder.view(instance, instances.len(), &candidates),
            Some(j) => {
                builder.sampled_view(instance, &candidates, &draws[j], &uncertainty, &views[0])
            }
        };
        views.push(view);
    }
    for view in &views {
        builder.meter_dynamics(view);
        builder.conditions(view);
        builder.meter_red_lines(view);
        builder.expectations(view);
        if view.sample.is_some() {
            builder.sampled_precedences(view);
        } else if tuning.implied_rows && tuning.deadlines {
            builder.demanded(view);
        }
    }
    if let Some((_, weights, required)) = futures {
        builder.enough_futures(weights, required);
    }
    builder.uses_and_overlap();
    if tuning.counts {
        builder.move_counts();
    }
    builder.precedences();
    builder.together();
    builder.limits();
    builder.cost_caps();
    builder.forced_moves();
    if first.relaxable {
        builder.availability();
    }
    let levels = builder.levels(&views);
    Milp {
        vars: builder.vars,
        rows: builder.rows,
        levels,
        uses: first.model.actions.iter().map(|a| a.uses).collect(),
        counts: builder.counts,
        met_by: builder.met_by,
        meter_vars: views[0].meters.clone(),
        meter_bounds: views[0].bounds.clone(),
        event_vars: builder.event_vars,
        samples: builder.samples,
        starts: builder.starts,
        impossible: builder.impossible,
    }
}

impl<'a, 'm> Builder<'a, 'm> {
    /// The view of one scenario, with its meter variables (`scenarios` is
    /// how many the program holds: their paths are prefixed when several).
    fn view(
        &mut self,
        instance: &'a Instance<'m>,
        scenarios: usize,
        candidates: &[Vec<u32>],
    ) -> View<'a, 'm> {
        let prefix = match (scenarios, instance.scenario_id()) {
            (1, _) => String::new(),
            (_, Some(id)) => format!("[{id}] "),
            (_, None) => "[base] ".to_owned(),
        };
        let bounds = meter_bounds(instance, candidates);
        let meters = self.meter_variables(instance, &bounds, &prefix, None);
        View {
            instance,
            meters,
            bounds,
            idle: idle_meters(instance),
            prefix,
            sample: None,
        }
    }

    /// The view of a sampled future: its own meters where chance can move
    /// them (within every amount an effect may add), the nominal future's
    /// elsewhere, and the variable that says it counts.
    fn sampled_view(
        &mut self,
        instance: &'a Instance<'m>,
        candidates: &[Vec<u32>],
        draws: &'a SampleDraws,
        uncertain: &'a sampled::Uncertainty,
        nominal: &View,
    ) -> View<'a, 'm> {
        let prefix = format!("[future {}] ", self.samples.len() + 1);
        let bounds = meter_bounds_over(instance, candidates, true);
        let own = (uncertain.meters.as_slice(), &nominal.meters);
        let meters = self.meter_variables(instance, &bounds, &prefix, Some(own));
        let counts = self.sample_variable(self.samples.len());
        self.samples.push(counts);
        View {
            instance,
            meters,
            bounds,
            idle: idle_meters(instance),
            prefix,
            sample: Some(sampled::Sample {
                draws,
                counts,
                uncertain,
            }),
        }
    }

    /// Relaxable mode: a variable per event that says it happens, fixed to
    /// one by a row of its own, so that the diagnosis can drop the event.
    fn event_variables(&mut self) {
        let first = self.first;
        for (j, path) in first
            .event_sources
            .iter()
            .map(super::model::instance::EventSource::path)
            .enumerate()
        {
            let v = self.new_var(format!("event[{path}]"), VarKind::Binary, 0.0, 1.0);
            self.event_vars.push(v);
            // A replanned model's events before now (and those that set
            // the meters observed now) are the past: part of the model's
            // structure, never dropped.
            let past = first.model.past.as_ref().is_some_and(|past| {
                first.events[j].round < past.now
                    || (first.event_sources[j].scenario.is_none()
                        && past.observed_events.contains(&first.event_sources[j].index))
            });
            let origin = Origin {
                rule: Rule::Event,
                element: if past {
                    Element::Meter(first.events[j].meter)
                } else {
                    Element::Event(j)
                },
                path: path.clone(),
                round: Some(first.events[j].round),
            };
            self.row(LinExpr::var(v), Sense::AtLeast, 1.0, origin);
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

    /// Adds a row; one that holds on its constants alone is left out, and
    /// one that fails on them makes the program impossible.
    fn row(&mut self, expr: LinExpr, sense: Sense, rhs: f64, origin: Origin) {
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

    /// A row of one scenario: its path carries the scenario's prefix. In a
    /// sampled future every rule but the meters' update is relaxed by the
    /// variable that says the future counts.
    fn row_in(&mut self, view: &View, expr: LinExpr, sense: Sense, rhs: f64, mut origin: Origin) {
        if !view.prefix.is_empty() && !origin.path.starts_with(&view.prefix) {
            origin.path = format!("{}{}", view.prefix, origin.path);
        }
        match view.sample {
            Some(sample) if origin.rule != Rule::MeterDynamics => {
                self.relaxed(sample.counts, expr, sense, rhs, origin);
            }
            _ => self.row(expr, sense, rhs, origin),
        }
    }

    fn action_path(a: ActionIdx) -> String {
        format!("actions[{a}]")
    }

    /// x[a][s] for every round a could start in (see [`candidate_starts`]).
    fn start_variables(&mut self, candidates: &[Vec<u32>]) {
        for (a, action) in self.first.model.actions.iter().enumerate() {
            let mut list = Vec::new();
            for &s in &candidates[a] {
                let name = format!("start[{}@{s}]", action.id);
                list.push((s, self.new_var(name, VarKind::Binary, 0.0, 1.0)));
            }
            self.starts.push(list);
        }
    }

    /// m[k][t] for every meter and round; with `shared` (which meters
    /// need their own, and the variables of those that do not), only
    /// where they are needed.
    fn meter_variables(
        &mut self,
        instance: &Instance,
        bounds: &MeterBounds,
        prefix: &str,
        shared: Option<(&[bool], &MeterVars)>,
    ) -> Vec<Vec<Option<VarId>>> {
        let mut out = Vec::new();
        for (k, meter) in instance.model.meters.iter().enumerate() {
            if let Some((_, theirs)) = shared.filter(|(own, _)| !own[k]) {
                out.push(theirs[k].clone());
                continue;
            }
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
        let d = i64::from(self.first.model.actions[a].duration);
        LinExpr::sum(self.starts_in(a, 1..=t - d + 1))
    }

    /// Σ x[a][s] over starts in progress in round t.
    fn in_progress(&self, a: ActionIdx, t: u32) -> Vec<VarId> {
        let d = i64::from(self.first.model.actions[a].duration);
        self.starts_in(a, i64::from(t) - d + 1..=i64::from(t))
    }

    /// Σ `c_a` · (moves of a) over actions: through the move counts when
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

    fn all_starts(&self) -> impl Iterator<Item = (ActionIdx, u32, VarId)> + '_ {
        self.starts
            .iter()
            .enumerate()
            .flat_map(|(a, list)| list.iter().map(move |&(s, v)| (a, s, v)))
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
        let milp = Milp::build(&instance, &Tuning::ALL);
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
        let milp = Milp::build(&instance, &Tuning::ALL);
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
