//! The diagnosis's sentences: each element of a model, each change that
//! restores a plan, each bound, and the plans it shows, in words.

use crate::diagnose::{Bound, Change, ClosestPlan, Conflict, Group, Relaxation, Unsettled};
use crate::model::{ExpectationKind, Instance, RedLineKind};
use crate::numbers::fmt_num;
use crate::plan::Moves;
use crate::render::code;
use crate::render::words;
use crate::report::PlanReport;

/// What a member of a conflict is, in the model's words.
pub(super) fn describe(instance: &Instance, group: Group) -> String {
    let model = instance.model;
    let unit = &model.round_unit;
    match group {
        Group::Expectation(e) => {
            let x = &model.expectations[e];
            let by = instance.by[e];
            match x.kind {
                ExpectationKind::Action(a) => format!(
                    "expectation {}: {} completed by {unit} {by}",
                    code(&x.id),
                    code(&model.actions[a].id)
                ),
                ExpectationKind::Meter { meter, band } => {
                    format!(
                        "expectation {}: {} from {unit} {by} on",
                        code(&x.id),
                        words::band(model, meter, &band)
                    )
                }
            }
        }
        Group::RedLine(i) => {
            let line = &model.red_lines[i];
            let rule = match line.kind {
                RedLineKind::NeverBelow { meter, level }
                | RedLineKind::NeverAbove { meter, level } => {
                    crate::render::words::meter_rule(model, &line.kind, meter, level)
                }
                RedLineKind::NotBefore {
                    action,
                    before,
                    lag,
                } => {
                    let wait = match lag {
                        0 => "by the same".to_owned(),
                        1 => "in an earlier".to_owned(),
                        k => format!("at least {k} {unit}s before,"),
                    };
                    format!(
                        "{} only once {} has completed {wait} {unit}",
                        code(&model.actions[action].id),
                        code(&model.actions[before].id)
                    )
                    .replace(&format!(", {unit}"), "")
                }
                RedLineKind::Never { action } => {
                    format!("never {}", code(&model.actions[action].id))
                }
                RedLineKind::CostAtMost { party, cap } => format!(
                    "{} spends at most {}",
                    code(&model.parties[party].id),
                    fmt_num(cap)
                ),
            };
            format!("red line {}: {rule}", code(&line.id))
        }
        Group::MovesPerRound => format!(
            "limit: at most {} action(s) in progress per {unit}",
            model.limits.moves_per_round.unwrap_or(0)
        ),
        Group::PerParty(p) => {
            let cap = model
                .limits
                .per_party
                .iter()
                .find(|(q, _)| *q == p)
                .map_or(0, |e| e.1);
            format!(
                "limit: at most {cap} action(s) of {} in progress per {unit}",
                code(&model.parties[p].id)
            )
        }
        Group::Latest(a) => format!(
            "{} starts by {unit} {} at the latest",
            code(&model.actions[a].id),
            instance.latest[a]
        ),
        Group::Forbid(a) => format!("{} is forbidden", code(&model.actions[a].id)),
        Group::Event(j) => {
            let ev = &instance.events[j];
            let name = ev
                .name
                .as_deref()
                .map(|n| format!("{}: ", code(n)))
                .unwrap_or_default();
            let sign = if ev.add >= 0.0 { "+" } else { "" };
            format!(
                "event {name}{} {sign}{} in {unit} {}",
                model.meters[ev.meter].id,
                fmt_num(ev.add),
                ev.round
            )
        }
        Group::Forced(i) => {
            let (a, r) = instance.forced[i];
            format!("forced move {} in {unit} {r}", code(&model.actions[a].id))
        }
    }
}

/// The name of the element a relaxation changes, for sentences.
pub(super) fn name(instance: &Instance, group: Group) -> String {
    let model = instance.model;
    match group {
        Group::Expectation(e) => code(&model.expectations[e].id),
        Group::RedLine(i) => code(&model.red_lines[i].id),
        Group::MovesPerRound => "the limit on moves per round".to_owned(),
        Group::PerParty(p) => format!("the limit on {}", code(&model.parties[p].id)),
        Group::Latest(a) | Group::Forbid(a) => code(&model.actions[a].id),
        Group::Event(j) => instance.events[j].name.as_deref().map_or_else(
            || format!("the event in round {}", instance.events[j].round),
            code,
        ),
        Group::Forced(i) => code(&format!(
            "--force {}@{}",
            model.actions[instance.forced[i].0].id, instance.forced[i].1
        )),
    }
}

/// One relaxation as a sentence.
pub fn relaxation_sentence(instance: &Instance, r: &Relaxation) -> String {
    let unit = &instance.model.round_unit;
    let who = name(instance, r.group);
    let at = |round: Option<u32>| {
        round
            .map(|t| format!(" (in {unit} {t})"))
            .unwrap_or_default()
    };
    match &r.change {
        Change::Deadline { from, to } => format!("meet {who} by {unit} {to} instead of {from}"),
        Change::Level { from, to } => format!(
            "accept {who} at {} instead of {}",
            fmt_num(*to),
            fmt_num(*from)
        ),
        Change::Floor { to, round, .. } => {
            format!("{who} would have to drop to {}{}", fmt_num(*to), at(*round))
        }
        Change::Ceiling { to, round, .. } => {
            format!("{who} would have to rise to {}{}", fmt_num(*to), at(*round))
        }
        Change::CostCap { from, to } => {
            format!("raise {who} from {} to {}", fmt_num(*from), fmt_num(*to))
        }
        Change::Lag { from, to } => {
            format!("shorten the wait of {who} from {from} to {to} {unit}s")
        }
        Change::Limit { from, to } => format!("raise {who} from {from} to {to}"),
        Change::Latest { from, to } => {
            format!("let {who} start as late as {unit} {to} instead of {from}")
        }
        Change::Drop => match r.group {
            Group::Forbid(_) => format!("allow {who}"),
            Group::Event(_) => format!("a plan exists only if {who} does not happen"),
            Group::Forced(_) => format!("drop {who}"),
            Group::Latest(_) => format!("drop the latest round of {who}"),
            _ => format!("drop {who}"),
        },
        Change::NotEnough => {
            format!("changing {who} alone is not enough: another conflict remains")
        }
        Change::Undecided(Unsettled::TimeRanOut) => {
            format!(
                "undecided for {who}: the time or effort limit ran out before it could be checked"
            )
        }
        Change::Undecided(Unsettled::SolverFailed) => {
            format!("undecided for {who}: the solver failed numerically on its check")
        }
    }
}

/// How a missed meter expectation falls outside its band from its
/// deadline on: below the floor, above the ceiling, or both.
pub(super) fn band_misses(instance: &Instance, m: &crate::diagnose::Shortfall) -> Vec<String> {
    let model = instance.model;
    let unit = &model.round_unit;
    let by = instance.by[m.expectation];
    let ExpectationKind::Meter { meter, band } = model.expectations[m.expectation].kind else {
        return Vec::new();
    };
    let id = &model.meters[meter].id;
    let mut out = Vec::new();
    if let Some((low, level)) = m.lowest.zip(band.at_least).filter(|(v, l)| v < l) {
        out.push(format!(
            "{id} is as low as {} from {unit} {by} on, short of {} by {}",
            fmt_num(low),
            fmt_num(level),
            fmt_num(level - low)
        ));
    }
    if let Some((high, level)) = m.highest.zip(band.at_most).filter(|(v, u)| v > u) {
        out.push(format!(
            "{id} is as high as {} from {unit} {by} on, over {} by {}",
            fmt_num(high),
            fmt_num(level),
            fmt_num(high - level)
        ));
    }
    out
}

pub(super) fn bound_sentence(instance: &Instance, bound: &Bound) -> String {
    let model = instance.model;
    let unit = &model.round_unit;
    match bound {
        Bound::TooLate { expectation, action, earliest_completion, by } => match earliest_completion {
            Some(c) => format!(
                "even started as early as its window and prerequisites allow, {} completes in {unit} {c} at the earliest, after the deadline of {} ({unit} {by})",
                code(&model.actions[*action].id),
                code(&model.expectations[*expectation].id)
            ),
            None => format!("{} can never start and complete within the horizon", code(&model.actions[*action].id)),
        },
        Bound::TooLow { meter, most, by, level, .. } => format!(
            "even with every move, {} reaches at most {} by {unit} {by}, below the {} required",
            model.meters[*meter].id,
            fmt_num(*most),
            fmt_num(*level)
        ),
        Bound::TooHigh { meter, least, by, level, .. } => format!(
            "even with every move, {} stays at least {} in {unit} {by}, above the {} allowed",
            model.meters[*meter].id,
            fmt_num(*least),
            fmt_num(*level)
        ),
    }
}

pub(super) fn moves_line(instance: &Instance, moves: &Moves) -> Vec<String> {
    let model = instance.model;
    let unit = &model.round_unit;
    let mut out = Vec::new();
    let mut rounds: Vec<u32> = moves.as_slice().iter().map(|m| m.round).collect();
    rounds.dedup();
    for r in rounds {
        let ids: Vec<&str> = moves
            .as_slice()
            .iter()
            .filter(|m| m.round == r)
            .map(|m| model.actions[m.action].id.as_str())
            .collect();
        out.push(format!("{unit} {r}: {}", ids.join(", ")));
    }
    out
}

pub(super) fn objectives_phrase(report: &PlanReport) -> String {
    report
        .objectives
        .iter()
        .map(|o| format!("{} {}", o.name, fmt_num(o.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn closest_lines(instance: &Instance, closest: &ClosestPlan) -> Vec<String> {
    let model = instance.model;
    let unit = &model.round_unit;
    let total: f64 = model.expectations.iter().map(|e| e.weight).sum();
    let missed_weight: f64 = closest
        .missed
        .iter()
        .map(|m| model.expectations[m.expectation].weight)
        .sum();
    let n = model.expectations.len();
    let mut out = vec![format!(
        "the closest plan meets {} of {n} expectations (weight {} of {}){}:",
        n - closest.missed.len(),
        fmt_num(total - missed_weight),
        fmt_num(total),
        crate::render::unproven_note(
            closest.report.status,
            closest.report.gap,
            closest.report.solver_failed,
        )
    )];
    for m in &closest.missed {
        let x = &model.expectations[m.expectation];
        let by = instance.by[m.expectation];
        let misses = band_misses(instance, m);
        let how = match m.met_round {
            _ if !misses.is_empty() => misses.join("; "),
            Some(r) => format!(
                "met only from {unit} {r}, {} after the deadline {by}",
                crate::render::words::rounds(r.saturating_sub(by), unit)
            ),
            _ => format!("never met (deadline {unit} {by})"),
        };
        out.push(format!("  misses {}: {how}", code(&x.id)));
    }
    out.extend(
        moves_line(instance, &closest.report.moves)
            .into_iter()
            .map(|l| format!("  {l}")),
    );
    out
}

pub(super) fn conflict_lines(instance: &Instance, conflict: &Conflict) -> Vec<String> {
    conflict
        .members
        .iter()
        .map(|m| format!("{}  [{}]", describe(instance, m.group), m.path))
        .collect()
}

pub(super) fn heading(instance: &Instance) -> String {
    let scenario = instance
        .scenario_id()
        .map_or("base scenario".to_owned(), |s| {
            format!("scenario {}", code(s))
        });
    format!(
        "{} ({scenario}; {} {}s)",
        instance.model.name, instance.horizon, instance.model.round_unit
    )
}

/// The note on a diagnosis left partly undecided: by the time limit, or by
/// `failures` numerical failures of the backend, which more time would not
/// mend.
pub(super) fn cut_short_note(failures: u32, timed_out: u32) -> String {
    let consequence = "so a conflict may have spare members, a change may be larger than needed, and a plan below may be missing or not the best";
    let failed = words::count(u64::from(failures), "check", "checks");
    let ran_out = words::count(u64::from(timed_out), "check", "checks");
    let more_time = &format!(
        "More time does not mend a numerical failure; another solver may ({} in a build with HiGHS: see the README).",
        code("--solver highs")
    );
    match (failures, timed_out) {
        (0, _) => format!("(Some checks ran out of the time allowed during the diagnosis and are undecided, {consequence}. Allow more time with --time-limit.)"),
        (_, 0) => format!(
            "(The solver failed numerically on {failed} of the diagnosis, which {} undecided, {consequence}. {more_time})",
            if failures == 1 { "is" } else { "are" }
        ),
        _ => format!("(Some checks of the diagnosis are undecided: the solver failed numerically on {failed} and {ran_out} ran out of the time allowed, {consequence}. Allow more time with --time-limit; {more_time})"),
    }
}
