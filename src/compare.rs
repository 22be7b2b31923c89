//! Plans side by side: one column per plan (models, scenarios, objectives,
//! or alternatives of one model), rounds as rows, with the differences to
//! the first plan marked. A comparison is plain data; `render::compare`
//! words it.

use crate::model::{Instance, Model, RedLineKind};
use crate::report::{ObjectiveValue, PlanReport, Status};

/// Several plans side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The longest horizon of the plans compared.
    pub rounds: u32,
    /// The last round in which any plan starts a move: rows stop there.
    pub last_move_round: u32,
    /// The unit of a round, from the first model.
    pub round_unit: String,
    pub columns: Vec<Column>,
    /// Ids of the red lines shown, in first-seen order.
    pub red_lines: Vec<String>,
    /// Ids of the meters shown, in first-seen order.
    pub meters: Vec<String>,
}

/// One plan, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// A short name for the column (what differs between columns).
    pub label: String,
    pub model: String,
    pub scenario: Option<String>,
    /// The objective levels used, by name.
    pub objective: Vec<&'static str>,
    pub horizon: u32,
    pub result: ColumnResult,
}

/// A column's content.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnResult {
    Plan(PlanSummary),
    /// No plan: `infeasible` or `unknown`, with a short reason.
    NoPlan {
        status: Status,
        reason: String,
    },
}

/// What the comparison shows of one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanSummary {
    pub status: Status,
    pub objectives: Vec<ObjectiveValue>,
    pub met_round: Option<u32>,
    pub cost: f64,
    pub move_count: usize,
    /// Per round (index 0 is round 1), the moves started.
    pub rounds: Vec<Vec<CellMove>>,
    /// Actions the reference plan takes that this one never does.
    pub missing: Vec<String>,
    /// Per red line of [`Comparison::red_lines`]: its margin, if it has one here.
    pub red_lines: Vec<Option<f64>>,
    /// Per meter of [`Comparison::meters`]: its value at the horizon.
    pub final_meters: Vec<Option<f64>>,
}

/// A move in a cell, marked against the reference plan (the first plan).
#[derive(Debug, Clone, PartialEq)]
pub struct CellMove {
    pub action: String,
    pub party: String,
    pub mark: Mark,
}

/// How a move differs from the reference plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Same round as in the reference plan (or this is the reference).
    Same,
    /// The reference plan starts it in another round.
    Moved { reference_round: u32 },
    /// The reference plan never takes it (that often).
    Added,
}

/// A plan (or its absence) for one column, before comparison.
pub struct Entry<'a, 'm> {
    pub label: String,
    pub instance: &'a Instance<'m>,
    /// `Ok(plan)` or `Err((status, reason))`.
    pub outcome: Result<&'a PlanReport, (Status, String)>,
}

/// One entry per plan, each with its instance and label (a robust plan's
/// scenarios).
pub fn labelled<'a, 'm>(
    instances: &'a [Instance<'m>],
    reports: &'a [PlanReport],
    labels: &[String],
) -> Vec<Entry<'a, 'm>> {
    instances
        .iter()
        .zip(reports)
        .zip(labels)
        .map(|((instance, report), label)| Entry {
            label: label.clone(),
            instance,
            outcome: Ok(report),
        })
        .collect()
}

/// The best plan and its alternatives as entries: `optimum` (or `best
/// found` when unproven), then `alternative 2`, `alternative 3`, ...
pub fn alternatives<'a, 'm>(
    instance: &'a Instance<'m>,
    plans: &'a [PlanReport],
) -> Vec<Entry<'a, 'm>> {
    let proven = plans.first().is_some_and(|p| p.status == Status::Optimal);
    plans
        .iter()
        .enumerate()
        .map(|(i, report)| Entry {
            label: match (i, proven) {
                (0, true) => "optimum".to_owned(),
                (0, false) => "best found".to_owned(),
                _ => format!("alternative {}", i + 1),
            },
            instance,
            outcome: Ok(report),
        })
        .collect()
}

/// Lays the entries side by side, marking differences to the first plan.
pub fn compare(entries: &[Entry]) -> Comparison {
    let round_unit = entries.first().map_or_else(
        || "round".to_owned(),
        |e| e.instance.model.round_unit.clone(),
    );
    let rounds = entries
        .iter()
        .map(|e| e.instance.horizon)
        .max()
        .unwrap_or(0);
    let mut red_lines: Vec<String> = Vec::new();
    let mut meters: Vec<String> = Vec::new();
    for e in entries {
        for line in &e.instance.model.red_lines {
            if !red_lines.contains(&line.id) && !matches!(line.kind, RedLineKind::Never { .. }) {
                red_lines.push(line.id.clone());
            }
        }
        for meter in &e.instance.model.meters {
            if !meters.contains(&meter.id) {
                meters.push(meter.id.clone());
            }
        }
    }
    // The reference: the first plan found, as (action id, start round) pairs.
    let reference: Option<Vec<(String, u32)>> = entries
        .iter()
        .find_map(|e| e.outcome.as_ref().ok().map(|p| starts(e.instance.model, p)));
    let columns: Vec<Column> = entries
        .iter()
        .map(|e| {
            let model = e.instance.model;
            let result = match &e.outcome {
                Ok(report) => ColumnResult::Plan(summary(
                    e.instance,
                    report,
                    reference.as_deref().unwrap_or(&[]),
                    &red_lines,
                    &meters,
                )),
                Err((status, reason)) => ColumnResult::NoPlan {
                    status: *status,
                    reason: reason.clone(),
                },
            };
            Column {
                label: e.label.clone(),
                model: model.name.clone(),
                scenario: e.instance.scenario_id().map(str::to_owned),
                objective: model
                    .objective
                    .iter()
                    .map(super::model::Objective::name)
                    .collect(),
                horizon: e.instance.horizon,
                result,
            }
        })
        .collect();
    let last_move_round = columns
        .iter()
        .filter_map(|c| match &c.result {
            ColumnResult::Plan(p) => p
                .rounds
                .iter()
                .rposition(|cell| !cell.is_empty())
                .map(|i| i as u32 + 1),
            ColumnResult::NoPlan { .. } => None,
        })
        .max()
        .unwrap_or(1);
    Comparison {
        rounds,
        last_move_round,
        round_unit,
        columns,
        red_lines,
        meters,
    }
}

fn starts(model: &Model, report: &PlanReport) -> Vec<(String, u32)> {
    report
        .moves
        .as_slice()
        .iter()
        .map(|m| (model.actions[m.action].id.clone(), m.round))
        .collect()
}

fn summary(
    instance: &Instance,
    report: &PlanReport,
    reference: &[(String, u32)],
    red_lines: &[String],
    meters: &[String],
) -> PlanSummary {
    let model = instance.model;
    let evaluation = &report.evaluation;
    let mine = starts(model, report);
    let mut cells = vec![Vec::new(); instance.horizon as usize];
    for (k, m) in report.moves.as_slice().iter().enumerate() {
        let (id, round) = &mine[k];
        // The n-th use of an action is compared with the reference's n-th.
        let nth = mine[..k].iter().filter(|(other, _)| other == id).count();
        let theirs = reference
            .iter()
            .filter(|(other, _)| other == id)
            .nth(nth)
            .map(|&(_, r)| r);
        let mark = match theirs {
            Some(r) if r == *round => Mark::Same,
            Some(r) => Mark::Moved { reference_round: r },
            None => Mark::Added,
        };
        let action = &model.actions[m.action];
        cells[(m.round - 1) as usize].push(CellMove {
            action: id.clone(),
            party: model.parties[action.by].id.clone(),
            mark,
        });
    }
    let mut missing: Vec<String> = Vec::new();
    for (id, _) in reference {
        let wanted = reference.iter().filter(|(other, _)| other == id).count();
        let have = mine.iter().filter(|(other, _)| other == id).count();
        if have < wanted && !missing.contains(id) {
            missing.push(id.clone());
        }
    }
    let margin = |id: &String| {
        let r = model.red_lines.iter().position(|line| &line.id == id)?;
        evaluation.red_lines[r].closest
    };
    let final_value = |id: &String| {
        let k = model.meters.iter().position(|m| &m.id == id)?;
        evaluation.meters[k].last().copied()
    };
    PlanSummary {
        status: report.status,
        objectives: report.objectives.clone(),
        met_round: evaluation.met_round,
        cost: evaluation.cost,
        move_count: evaluation.move_count,
        rounds: cells,
        missing,
        red_lines: red_lines.iter().map(margin).collect(),
        final_meters: meters.iter().map(final_value).collect(),
    }
}
