//! Which actions can help, and by when the expectations demand them: the
//! actions that can never help an optimal plan, the meters the model asks
//! to move, and the rounds by which the expectations demand an action's
//! first use.

use super::windows::precedences;
use super::{completion, latest_completion_before, latest_start_completing_by};
use crate::model::{ActionIdx, ExpectationKind, Instance, Model, Objective, RedLineKind};

/// Per action, whether some optimal plan could contain it. An action can
/// matter only if one of its effects pushes a meter the way something asks
/// (an expectation, a `when` band, a red line or a `maximize` weight), if an
/// expectation or a forced move names it, or if such an action requires it
/// or moves together with it. Any other move only lowers what is asked for,
/// uses up limits and budget, and costs: removing it from a valid plan
/// leaves a valid plan no worse on any objective level. In relaxable mode
/// (diagnosis) every action counts.
pub fn useful_actions(instance: &Instance) -> Vec<bool> {
    let model = instance.model;
    let actions = model.actions.len();
    if instance.relaxable || instance.only_forced {
        return vec![true; actions];
    }
    let (mut raise, mut lower) = meters_asked_to_move(model);
    for line in &model.red_lines {
        match line.kind {
            RedLineKind::NeverBelow { meter, .. } => raise[meter] = true,
            RedLineKind::NeverAbove { meter, .. } => lower[meter] = true,
            _ => {}
        }
    }
    for objective in &model.objective {
        if let Objective::Maximize(weights) = objective {
            for &(meter, weight) in weights {
                raise[meter] |= weight > 0.0;
                lower[meter] |= weight < 0.0;
            }
        }
    }
    let mut stack: Vec<ActionIdx> = (0..actions)
        .filter(|&a| {
            model.actions[a]
                .effects
                .iter()
                .any(|e| (e.add > 0.0 && raise[e.meter]) || (e.add < 0.0 && lower[e.meter]))
        })
        .collect();
    stack.extend(model.expectations.iter().filter_map(|e| match e.kind {
        ExpectationKind::Action(a) => Some(a),
        ExpectationKind::Meter { .. } => None,
    }));
    stack.extend(instance.forced.iter().map(|&(a, _)| a));
    with_what_they_need(instance, stack)
}

/// Per meter, whether an expectation or a `when` band asks for it to be
/// higher (first) or lower (second): where a move's effect can help meet
/// what is asked rather than only keep a red line or feed `maximize`.
pub fn meters_asked_to_move(model: &Model) -> (Vec<bool>, Vec<bool>) {
    let meters = model.meters.len();
    let mut raise = vec![false; meters];
    let mut lower = vec![false; meters];
    for e in &model.expectations {
        if let ExpectationKind::Meter { meter, band } = e.kind {
            raise[meter] |= band.at_least.is_some();
            lower[meter] |= band.at_most.is_some();
        }
    }
    for action in &model.actions {
        for c in &action.when {
            raise[c.meter] |= c.at_least.is_some();
            lower[c.meter] |= c.at_most.is_some();
        }
    }
    (raise, lower)
}

/// Per action, whether it is one of `roots` or something one of them
/// needs: what it requires or must come after (transitively), and its
/// `together` partners.
pub fn with_what_they_need(instance: &Instance, roots: Vec<ActionIdx>) -> Vec<bool> {
    let model = instance.model;
    let mut needed = vec![false; model.actions.len()];
    let mut stack = roots;
    while let Some(a) = stack.pop() {
        if std::mem::replace(&mut needed[a], true) {
            continue;
        }
        stack.extend(precedences(instance, a).into_iter().map(|p| p.before));
        for group in model.together.iter().filter(|g| g.contains(&a)) {
            stack.extend(group.iter().copied());
        }
    }
    needed
}

/// Per action, the round by which its first use must have completed in
/// every valid plan, if the expectations demand it: an expected action by
/// its deadline, and back along `requires`, `not_before` and `together`,
/// each thing it needs early enough for it to start in time. `windows`
/// gives, per action, the last round it could start in, which can bring
/// the demand earlier still. Not in relaxable mode, where expectations may
/// be dropped.
pub fn demanded_completions(instance: &Instance, last_start: &[Option<u32>]) -> Vec<Option<u32>> {
    let model = instance.model;
    let actions = model.actions.len();
    let mut demand: Vec<Option<u32>> = vec![None; actions];
    if instance.relaxable {
        return demand;
    }
    for (e, expectation) in model.expectations.iter().enumerate() {
        if let ExpectationKind::Action(a) = expectation.kind {
            let by = instance.by[e];
            demand[a] = Some(demand[a].map_or(by, |d| d.min(by)));
        }
    }
    // Each pass only lowers demands, which start at most at H; a demand
    // that falls below round 1 stays there and is caught by the solver.
    let limit = actions * (instance.horizon as usize + 2) + 1;
    for _ in 0..limit {
        let mut changed = false;
        for a in 0..actions {
            let Some(complete) = demand[a] else { continue };
            let duration = model.actions[a].duration;
            let mut latest_start = latest_start_completing_by(complete, duration);
            if let Some(last) = last_start[a] {
                latest_start = latest_start.min(last);
            }
            let mut lower = |b: ActionIdx, by: u32| {
                if demand[b].is_none_or(|d| by < d) {
                    demand[b] = Some(by);
                    changed = true;
                }
            };
            for p in precedences(instance, a) {
                lower(p.before, latest_completion_before(latest_start, p.lag));
            }
            for group in model.together.iter().filter(|g| g.contains(&a)) {
                for &b in group.iter().filter(|&&b| b != a) {
                    lower(b, completion(latest_start, model.actions[b].duration));
                }
            }
        }
        if !changed {
            break;
        }
    }
    demand
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_model, validate, Model, Overrides};

    fn model(text: &str) -> Model {
        let raw = parse_model(text, "t").expect("a model");
        validate(&raw, "t").expect("a valid model").model
    }

    const MODEL: &str = r#"{"seqplan": 1, "name": "t", "horizon": 8, "parties": [{"id": "p"}],
        "meters": [{"id": "trust", "initial": 1}, {"id": "noise", "initial": 0}],
        "actions": [
            {"id": "prepare", "by": "p", "duration": 2},
            {"id": "deliver", "by": "p", "requires": [{"action": "prepare", "lag": 1}]},
            {"id": "escort", "by": "p"},
            {"id": "gesture", "by": "p", "effects": [{"meter": "trust", "add": 1}]},
            {"id": "insult", "by": "p", "effects": [{"meter": "trust", "add": -1}, {"meter": "noise", "add": 2}]}
        ],
        "together": [["deliver", "escort"]],
        "expectations": [
            {"id": "delivered", "action": "deliver", "by": 6},
            {"id": "trusted", "meter": "trust", "at_least": 2, "by": 8}
        ],
        "red_lines": [{"id": "floor", "meter": "trust", "never_below": 0}]}"#;

    #[test]
    fn only_moves_that_push_the_right_way_or_are_needed_are_useful() {
        let m = model(MODEL);
        let instance = Instance::new(&m, &Overrides::default()).expect("an instance");
        // prepare: required by deliver; escort: together with deliver;
        // gesture raises trust; insult only lowers it (noise is unwatched).
        assert_eq!(
            useful_actions(&instance),
            vec![true, true, true, true, false]
        );
    }

    #[test]
    fn deadlines_reach_back_along_requirements_and_partners() {
        let m = model(MODEL);
        let instance = Instance::new(&m, &Overrides::default()).expect("an instance");
        let no_windows = vec![None; m.actions.len()];
        // deliver by 6 starts by 6; prepare (lag 1) completes by 5;
        // escort starts with deliver, so completes by 6.
        assert_eq!(
            demanded_completions(&instance, &no_windows),
            vec![Some(5), Some(6), Some(6), None, None]
        );
        // If deliver cannot start after round 4, everything moves earlier
        // (deliver too, through its partner).
        let mut windows = no_windows;
        windows[1] = Some(4);
        assert_eq!(
            demanded_completions(&instance, &windows),
            vec![Some(3), Some(4), Some(4), None, None]
        );
    }

    #[test]
    fn diagnosis_keeps_every_action_and_no_demand() {
        let m = model(MODEL);
        let mut instance = Instance::new(&m, &Overrides::default()).expect("an instance");
        instance.relaxable = true;
        assert!(useful_actions(&instance).iter().all(|&u| u));
        assert!(demanded_completions(&instance, &[None; 5])
            .iter()
            .all(Option::is_none));
    }
}
