//! The diagnosis of a model with a plan: the red lines and limits the
//! optimum is pressed against, and what relaxing each would buy.

use crate::error::Error;
use crate::model::{Instance, PartyIdx};
use crate::report::{PlanReport, Status};
use crate::solve::SolveOptions;

use super::conflicts::member;
use super::relaxed::Relaxed;
use super::{plan_capped, Attempt, Binding, Change, Diagnosis, Group, Tally, Unsettled};

pub(super) fn feasible_diagnosis(
    instance: &Instance,
    options: &SolveOptions,
    report: PlanReport,
) -> Result<Diagnosis, Error> {
    let model = instance.model;
    let milp = Relaxed::of(instance).program(&options.tuning)?;
    let evaluation = &report.evaluation;
    let mut binding = Vec::new();
    let mut push = |group: Group, round: Option<u32>| binding.push((group, round));
    for (i, approach) in evaluation.red_lines.iter().enumerate() {
        if approach.closest.is_some_and(|c| c.abs() <= 1e-6) {
            push(Group::RedLine(i), approach.round);
        }
    }
    let in_progress = |t: u32, party: Option<PartyIdx>| {
        report
            .moves
            .as_slice()
            .iter()
            .filter(|m| m.round <= t && t < m.round + model.actions[m.action].duration)
            .filter(|m| party.is_none_or(|p| model.actions[m.action].by == p))
            .count() as u32
    };
    if let Some(cap) = model.limits.moves_per_round {
        if let Some(t) = (1..=instance.horizon).find(|&t| in_progress(t, None) == cap) {
            push(Group::MovesPerRound, Some(t));
        }
    }
    for &(party, cap) in &model.limits.per_party {
        if let Some(t) = (1..=instance.horizon).find(|&t| in_progress(t, Some(party)) == cap) {
            push(Group::PerParty(party), Some(t));
        }
    }
    let mut out = Vec::new();
    let tally = Tally::default();
    for (group, round) in binding {
        let input = Relaxed::of(instance).with(instance, group, &Change::Drop);
        // Only proven optima are compared: a solve the time limit cut
        // short could look worse without the line than with it.
        // Against an unproven plan nothing is settled: no solve is spent.
        let (dropped, solver_failed) = match report.status {
            Status::Optimal => match plan_capped(&input.instance()?, options, &tally)? {
                Attempt::Done(Some(better)) if better.status == Status::Optimal => {
                    (Some(better), false)
                }
                Attempt::Done(Some(better)) if better.solver_failed => {
                    tally.record(Unsettled::SolverFailed);
                    (None, true)
                }
                Attempt::Undecided(why) => (None, why == Unsettled::SolverFailed),
                Attempt::Done(_) => (None, false),
            },
            _ => (None, false),
        };
        let settled = dropped.is_some();
        let without = dropped
            .filter(|b| crate::report::better(&b.objectives, &report.objectives, model))
            .map(|better| better.objectives);
        out.push(Binding {
            member: member(&milp, group),
            round,
            without,
            settled,
            solver_failed,
        });
    }
    Ok(Diagnosis::Feasible {
        report: Box::new(report),
        binding: out,
        numerical_failures: tally.failed.get(),
    })
}
