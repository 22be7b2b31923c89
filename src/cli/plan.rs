//! `seqplan plan`: the best plan, one plan robust to several scenarios, or
//! the best plan and its alternatives.

use super::args::{PlanArgs, ReplanArgs};
use super::input::{emit, guard_output, in_file, prepare};
use super::reports::no_plan;
use super::Session;
use crate::compare;
use crate::error::{Error, Usage};
use crate::model::{Instance, Overrides};
use crate::render;
use crate::replan;
use crate::report::Status;
use crate::solve::{self, Outcome, Reliable, SolveOptions};

pub(super) fn plan(args: &PlanArgs, session: Session) -> Result<u8, Error> {
    guard_output(args.output.as_deref(), &[&args.solve.model])?;
    if args.robust {
        return robust(args, session);
    }
    if args.scenario.len() > 1 {
        return Err(Usage::SeveralScenarios.into());
    }
    let (model, overrides, options) = prepare(&args.solve, args.scenario.first(), session)?;
    let instance = Instance::new(&model, &overrides).map_err(|e| in_file(&args.solve.model, e))?;
    plan_instance(args, &instance, &options)
}

/// `seqplan replan`: the model replanned from what has happened so far,
/// then planned as `plan` plans any model.
pub(super) fn replan(args: &ReplanArgs, session: Session) -> Result<u8, Error> {
    let plan_args = &args.plan;
    guard_output(
        plan_args.output.as_deref(),
        &[&plan_args.solve.model, &args.history],
    )?;
    if plan_args.robust {
        return Err(Usage::ReplanRobust.into());
    }
    if plan_args.scenario.len() > 1 {
        return Err(Usage::SeveralScenarios.into());
    }
    let (model, overrides, options) =
        prepare(&plan_args.solve, plan_args.scenario.first(), session)?;
    let history = replan::read_history(&args.history, &model)?;
    // --force is checked against the current round, in the replanned model.
    let without_force = Overrides {
        force: Vec::new(),
        ..overrides.clone()
    };
    let base =
        Instance::new(&model, &without_force).map_err(|e| in_file(&plan_args.solve.model, e))?;
    let replanned = replan::replanned(&base, &history, &args.history.display().to_string())?;
    let instance = Instance::new(
        &replanned.model,
        &replanned.overrides(overrides.force.clone(), overrides.max_size),
    )
    .map_err(|e| in_file(&plan_args.solve.model, e))?;
    plan_instance(plan_args, &instance, &options)
}

/// The best plan of `instance` (or its alternatives), printed as asked.
fn plan_instance(
    args: &PlanArgs,
    instance: &Instance,
    options: &SolveOptions,
) -> Result<u8, Error> {
    if let Some(count) = args.alternatives {
        return alternatives(args, instance, options, count);
    }
    if let Some(level) = args.reliability {
        return reliable(args, instance, options, level);
    }
    tracing::info!(model = %instance.model.name, scenario = instance.scenario_id().unwrap_or("base"), "planning");
    match solve::plan(instance, options)? {
        Outcome::Plan(mut report) => {
            report.odds =
                crate::chance::odds_if_uncertain(instance, &report.moves, &args.chance.options());
            emit(
                &render::plan(instance, &report, args.format),
                args.format,
                args.output.as_deref(),
            )?;
            Ok(0)
        }
        outcome => no_plan(
            instance,
            &outcome,
            options,
            args.format,
            args.output.as_deref(),
        ),
    }
}

fn robust(args: &PlanArgs, session: Session) -> Result<u8, Error> {
    let (model, overrides, options) = prepare(&args.solve, None, session)?;
    let scenarios: Vec<Option<String>> = if args.scenario.is_empty() {
        std::iter::once(None)
            .chain(model.scenarios.iter().map(|s| Some(s.id.clone())))
            .collect()
    } else {
        args.scenario.iter().map(|s| Some(s.clone())).collect()
    };
    let instances = scenarios
        .iter()
        .map(|scenario| {
            Instance::new(
                &model,
                &Overrides {
                    scenario: scenario.clone(),
                    ..overrides.clone()
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| in_file(&args.solve.model, e))?;
    let refs: Vec<&Instance> = instances.iter().collect();
    let labels: Vec<String> = scenarios
        .iter()
        .map(|s| s.clone().unwrap_or_else(|| "base".to_owned()))
        .collect();
    let report = match solve::plan_robust(&refs, &options)? {
        solve::RobustOutcome::Plan(report) => report,
        solve::RobustOutcome::Unknown => {
            let message = "no plan found: the time or effort limit ran out before any plan holding in every scenario was found";
            crate::progress::eprint_line(message);
            let shown = render::no_plan(&instances[0], Status::Unknown, message, None, args.format);
            if let Some(text) = shown {
                emit(&text, args.format, args.output.as_deref())?;
            }
            return Ok(1);
        }
        solve::RobustOutcome::Infeasible => {
            return no_robust_plan(args, &refs, &labels, &options);
        }
    };
    let reports = report.scenario_reports();
    let entries = compare::labelled(&instances, &reports, &labels);
    let table = compare::compare(&entries);
    let text = render::robust(&entries, &table, &report, &labels, args.format);
    emit(&text, args.format, args.output.as_deref())?;
    Ok(0)
}

/// No plan holds in every scenario: which scenarios, alone or in pairs,
/// collide, on stderr and in the format asked for.
fn no_robust_plan(
    args: &PlanArgs,
    instances: &[&Instance],
    labels: &[String],
    options: &SolveOptions,
) -> Result<u8, Error> {
    let names: Vec<String> = labels.iter().map(|l| render::code(l)).collect();
    let conflict = solve::robust_conflict(instances, options)?;
    let path = args.solve.model.display().to_string();
    let lines = render::robust::conflict_lines(&conflict, labels, &path);
    let head = format!(
        "no single plan meets every expectation without crossing a red line in all of {}",
        names.join(", ")
    );
    let items: Vec<String> = lines.iter().map(|l| format!("  - {l}")).collect();
    crate::progress::eprint_line(&render::plain(&format!("{head}:\n{}", items.join("\n"))));
    let shown = render::robust::no_robust_plan(
        instances[0],
        &head,
        &lines,
        render::robust::conflict_json(&conflict, labels),
        args.format,
    );
    if let Some(text) = shown {
        emit(&text, args.format, args.output.as_deref())?;
    }
    Ok(1)
}

fn alternatives(
    args: &PlanArgs,
    instance: &Instance,
    options: &SolveOptions,
    count: usize,
) -> Result<u8, Error> {
    if let Some(p) = args.within.filter(|p| !p.is_finite() || *p < 0.0) {
        return Err(Usage::Within { percent: p }.into());
    }
    let found = solve::alternatives(instance, options, count, args.within)?;
    let mut plans = found.plans;
    if plans.is_empty() {
        // The program found nothing in time: the greedy plan may still be
        // an answer (unproven, without alternatives).
        match solve::plan(instance, options)? {
            Outcome::Plan(report) => plans.push(report),
            outcome => {
                return no_plan(
                    instance,
                    &outcome,
                    options,
                    args.format,
                    args.output.as_deref(),
                )
            }
        }
    }
    let asked = render::AlternativesAsked {
        count,
        within: args.within.is_some(),
        exhausted: found.exhausted,
    };
    let entries = compare::alternatives(instance, &plans);
    let table = compare::compare(&entries);
    let text = render::alternatives(instance, &plans, &entries, &table, asked, args.format);
    emit(&text, args.format, args.output.as_deref())?;
    Ok(0)
}

/// `--reliability P`: the best plan that works in at least a share P of
/// the sampled futures (and when everything succeeds).
fn reliable(
    args: &PlanArgs,
    instance: &Instance,
    options: &SolveOptions,
    level: f64,
) -> Result<u8, Error> {
    if !(level > 0.0 && level <= 1.0) {
        return Err(Usage::Reliability { level }.into());
    }
    if !instance.model.is_uncertain() {
        crate::progress::eprint_line(
            "note: nothing in this model is left to chance, so --reliability changes nothing: the plan works in every future or in none",
        );
    }
    let asked = crate::chance::ReliabilityOptions {
        level,
        futures: args.futures,
        seed: args.chance.seed,
    };
    tracing::info!(model = %instance.model.name, level, futures = args.futures, "planning for reliability");
    match solve::plan_reliable(instance, options, asked, &args.chance.options())? {
        Reliable::Plan(report) => {
            emit(
                &render::plan(instance, &report, args.format),
                args.format,
                args.output.as_deref(),
            )?;
            Ok(0)
        }
        Reliable::Unknown => no_plan(
            instance,
            &Outcome::Unknown,
            options,
            args.format,
            args.output.as_deref(),
        ),
        unreached => {
            let message = render::chance::unreached(&unreached, level);
            crate::progress::eprint_line(&render::plain(&message));
            let shown = render::no_plan(instance, Status::Infeasible, &message, None, args.format);
            if let Some(text) = shown {
                emit(&text, args.format, args.output.as_deref())?;
            }
            Ok(1)
        }
    }
}
