//! When each action could start: the precedences on it, the window its
//! `earliest`, `latest`, duration and precedences leave, and the starts
//! that survive the meter bands, the deadlines and the `together` groups.

use super::meters::meter_bounds;
use super::useful::{demanded_completions, useful_actions};
use super::{completion, ready_from};
use crate::model::{ActionIdx, Instance, RedLineKind};
use crate::numbers::TOLERANCE;
use crate::tuning::Tuning;

/// Where a precedence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrecedenceSource {
    /// The action's `requires` item at this index.
    Requires(usize),
    /// The `not_before` red line at this index.
    NotBefore(usize),
}

/// A precedence an action's start must respect: `before` completed in a
/// round ≤ start − `lag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precedence {
    pub before: ActionIdx,
    pub lag: u32,
    pub source: PrecedenceSource,
}

/// Every precedence on `action`: its `requires`, then the `not_before`
/// red lines on it, in the model's order.
pub fn precedences(instance: &Instance, action: ActionIdx) -> Vec<Precedence> {
    let model = instance.model;
    let mut out: Vec<Precedence> = model.actions[action]
        .requires
        .iter()
        .enumerate()
        .map(|(j, r)| Precedence {
            before: r.action,
            lag: r.lag,
            source: PrecedenceSource::Requires(j),
        })
        .collect();
    for (i, line) in model.red_lines.iter().enumerate() {
        if let RedLineKind::NotBefore {
            action: a,
            before,
            lag,
        } = line.kind
        {
            if a == action {
                out.push(Precedence {
                    before,
                    lag,
                    source: PrecedenceSource::NotBefore(i),
                });
            }
        }
    }
    out
}

/// The precedences on `action` that hold in every plan of the program, as
/// `(action needed, lag)`: all of them, but in relaxable mode (diagnosis)
/// only `requires`, since a `not_before` red line may be dropped there.
pub fn binding_precedences(instance: &Instance, action: ActionIdx) -> Vec<(ActionIdx, u32)> {
    precedences(instance, action)
        .into_iter()
        .filter(|p| !instance.relaxable || matches!(p.source, PrecedenceSource::Requires(_)))
        .map(|p| (p.before, p.lag))
        .collect()
}

/// For each action, the rounds `(first, last)` in which it could start in
/// some plan, judged by its window, duration, availability and the
/// earliest completion of what it needs; `None` if no round is left. Meter
/// conditions are ignored, so the windows are never too narrow. In
/// relaxable mode every action is available up to the horizon, since
/// `latest`, forbids and `never` may be dropped.
pub fn start_windows(instance: &Instance) -> Vec<Option<(u32, u32)>> {
    let actions = &instance.model.actions;
    let mut first: Vec<Option<u32>> = actions
        .iter()
        .enumerate()
        .map(|(a, action)| {
            (instance.relaxable || instance.is_available(a)).then_some(action.earliest)
        })
        .collect();
    let last: Vec<u32> = actions
        .iter()
        .enumerate()
        .map(|(a, action)| {
            let latest = if instance.relaxable {
                instance.horizon
            } else {
                instance.latest[a]
            };
            // A move already made stays, even if it completes after the
            // horizon.
            if instance.model.made(a).is_some() {
                return latest;
            }
            latest.min((instance.horizon + 1).saturating_sub(action.duration))
        })
        .collect();
    // Forward propagation to a fixed point; each pass only raises `first`,
    // and a start past `last` removes the action.
    let precedences: Vec<Vec<(ActionIdx, u32)>> = (0..actions.len())
        .map(|a| binding_precedences(instance, a))
        .collect();
    loop {
        let mut changed = false;
        for a in 0..actions.len() {
            let Some(mut start) = first[a] else { continue };
            let mut blocked = start > last[a];
            for &(b, lag) in &precedences[a] {
                match first[b] {
                    Some(sb) if sb <= last[b] => {
                        start = start.max(ready_from(completion(sb, actions[b].duration), lag));
                    }
                    _ => blocked = true,
                }
            }
            let new = if blocked || start > last[a] {
                None
            } else {
                Some(start)
            };
            if new != first[a] {
                first[a] = new;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    first
        .iter()
        .zip(&last)
        .map(|(f, &l)| f.filter(|&f| f <= l).map(|f| (f, l)))
        .collect()
}

/// Every start in each action's window, with no presolve: the plain
/// formulation, kept to measure what the presolve gains.
pub fn plain_starts(instance: &Instance) -> Vec<Vec<u32>> {
    let mut starts: Vec<Vec<u32>> = start_windows(instance)
        .iter()
        .enumerate()
        .map(|(a, w)| {
            let all = w.map_or_else(Vec::new, |(first, last)| (first..=last).collect::<Vec<_>>());
            if instance.only_forced {
                all.into_iter()
                    .filter(|&s| instance.forced.contains(&(a, s)))
                    .collect()
            } else {
                all
            }
        })
        .collect();
    within_neighbourhood(instance, &mut starts);
    starts
}

/// Keeps only the starts the instance's neighbourhood allows (see
/// [`Instance::only_starts`]).
fn within_neighbourhood(instance: &Instance, starts: &mut [Vec<u32>]) {
    if let Some(only) = &instance.only_starts {
        for (rounds, allowed) in starts.iter_mut().zip(only) {
            rounds.retain(|s| allowed.contains(s));
        }
    }
}

/// The rounds each action could start in within some valid plan. Starts
/// from the [`start_windows`], drops the actions no optimal plan needs,
/// then removes, until nothing changes, starts whose `when` band the meter
/// bounds rule out, starts whose requirement cannot have completed in time,
/// starts past the deadlines demand, and `together` starts a partner lacks.
/// The dropping of useless actions and the deadlines' cuts are the steps
/// of `tuning` of those names. Every removed start is one no valid plan
/// uses (and no optimal plan, for the useless actions), so the program keeps the same optimum with fewer
/// variables and tighter big-M values.
pub fn candidate_starts(instance: &Instance, tuning: &Tuning) -> Vec<Vec<u32>> {
    let model = instance.model;
    let mut starts: Vec<Vec<u32>> = start_windows(instance)
        .iter()
        .map(|w| w.map_or_else(Vec::new, |(first, last)| (first..=last).collect()))
        .collect();
    if instance.only_forced {
        for (a, rounds) in starts.iter_mut().enumerate() {
            rounds.retain(|&s| instance.forced.contains(&(a, s)));
        }
    }
    within_neighbourhood(instance, &mut starts);
    if tuning.drop_useless {
        let useful = useful_actions(instance);
        for (rounds, useful) in starts.iter_mut().zip(useful) {
            if !useful {
                rounds.clear();
            }
        }
    }
    let precedences: Vec<Vec<(ActionIdx, u32)>> = (0..model.actions.len())
        .map(|a| binding_precedences(instance, a))
        .collect();
    loop {
        if tuning.deadlines {
            let last_start: Vec<Option<u32>> = starts.iter().map(|s| s.last().copied()).collect();
            let demands = demanded_completions(instance, &last_start);
            for (a, demand) in demands.into_iter().enumerate() {
                let action = &model.actions[a];
                if let (Some(by), 1) = (demand, action.uses) {
                    starts[a].retain(|&s| completion(s, action.duration) <= by);
                }
            }
        }
        let bounds = meter_bounds(instance, &starts);
        let before: usize = starts.iter().map(Vec::len).sum();
        for (a, action) in model.actions.iter().enumerate() {
            let earliest_completion = |b: ActionIdx, starts: &[Vec<u32>]| {
                starts[b]
                    .first()
                    .map(|&s| completion(s, model.actions[b].duration))
            };
            let needs: Vec<Option<u32>> = precedences[a]
                .iter()
                .map(|&(b, lag)| earliest_completion(b, &starts).map(|c| ready_from(c, lag)))
                .collect();
            let partners: Vec<&Vec<ActionIdx>> =
                model.together.iter().filter(|g| g.contains(&a)).collect();
            let snapshot = starts.clone();
            starts[a].retain(|&s| {
                let band_possible = action.when.iter().all(|c| {
                    let (lo, hi) = bounds[c.meter][(s - 1) as usize];
                    c.at_least.is_none_or(|l| hi >= l - TOLERANCE)
                        && c.at_most.is_none_or(|u| lo <= u + TOLERANCE)
                });
                let required_done = needs.iter().all(|n| n.is_some_and(|n| n <= s));
                let partners_can = partners
                    .iter()
                    .all(|g| g.iter().all(|&b| snapshot[b].contains(&s)));
                band_possible && required_done && partners_can
            });
        }
        if starts.iter().map(Vec::len).sum::<usize>() == before {
            return starts;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_model, validate, Model, Overrides};

    fn model(actions: &str, extra: &str) -> Model {
        let text = format!(
            r#"{{"seqplan": 1, "name": "t", "horizon": 6, "parties": [{{"id": "p"}}],
                "actions": {actions} {extra}}}"#
        );
        validate(&parse_model(&text, "t").unwrap(), "t")
            .unwrap()
            .model
    }

    #[test]
    fn windows_follow_requirements_durations_and_latest() {
        let m = model(
            r#"[{"id": "a", "by": "p", "duration": 2},
                {"id": "b", "by": "p", "requires": [{"action": "a", "lag": 1}], "latest": 5},
                {"id": "c", "by": "p", "duration": 3, "requires": ["b"]}]"#,
            "",
        );
        let instance = Instance::new(&m, &Overrides::default()).unwrap();
        // a: 1..5 (completes by 6); b: a completes in 2 at the earliest, +1;
        // c: after b completes in 3, and must complete by 6.
        assert_eq!(
            start_windows(&instance),
            vec![Some((1, 5)), Some((3, 5)), Some((4, 4))]
        );
    }

    #[test]
    fn unavailable_actions_block_what_needs_them() {
        let m = model(
            r#"[{"id": "a", "by": "p"}, {"id": "b", "by": "p", "requires": ["a"]}]"#,
            r#", "red_lines": [{"id": "no", "never": "a"}]"#,
        );
        let instance = Instance::new(&m, &Overrides::default()).unwrap();
        assert_eq!(start_windows(&instance), vec![None, None]);
    }
}
