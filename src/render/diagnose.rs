//! A diagnosis in words: text, Markdown and JSON renderings of the same
//! [`Diagnosis`].

use serde_json::{json, Map, Value};

use super::code;
use super::doc::{Block, Doc};
use super::json::{num, to_json};
use super::words;
use crate::diagnose::{
    Binding, Bound, Change, ClosestPlan, Conflict, Diagnosis, Group, Infeasibility, Member,
    Relaxation, Unsettled,
};
use crate::model::{ExpectationKind, Instance, RedLineKind};
use crate::numbers::fmt_num;
use crate::plan::Moves;
use crate::report::PlanReport;

/// What a member of a conflict is, in the model's words.
fn describe(instance: &Instance, group: Group) -> String {
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
                    super::words::meter_rule(model, &line.kind, meter, level)
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
fn name(instance: &Instance, group: Group) -> String {
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
            format!("undecided for {who}: the time limit ran out before it could be checked")
        }
        Change::Undecided(Unsettled::SolverFailed) => {
            format!("undecided for {who}: the solver failed numerically on its check")
        }
    }
}

/// How a missed meter expectation falls outside its band from its
/// deadline on: below the floor, above the ceiling, or both.
fn band_misses(instance: &Instance, m: &crate::diagnose::Shortfall) -> Vec<String> {
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

fn bound_sentence(instance: &Instance, bound: &Bound) -> String {
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

fn moves_line(instance: &Instance, moves: &Moves) -> Vec<String> {
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

fn objectives_phrase(report: &PlanReport) -> String {
    report
        .objectives
        .iter()
        .map(|o| format!("{} {}", o.name, fmt_num(o.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn closest_lines(instance: &Instance, closest: &ClosestPlan) -> Vec<String> {
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
        super::unproven_note(
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
                super::words::rounds(r.saturating_sub(by), unit)
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

fn conflict_lines(instance: &Instance, conflict: &Conflict) -> Vec<String> {
    conflict
        .members
        .iter()
        .map(|m| format!("{}  [{}]", describe(instance, m.group), m.path))
        .collect()
}

fn heading(instance: &Instance) -> String {
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

/// The diagnosis as text, ending with a newline.
pub fn text(instance: &Instance, diagnosis: &Diagnosis) -> String {
    doc(instance, diagnosis).text()
}

/// The diagnosis as Markdown, ending with a newline: each section a bold
/// lead, its members and changes a list.
pub fn markdown(instance: &Instance, diagnosis: &Diagnosis) -> String {
    super::markdown::tidy(&doc(instance, diagnosis).markdown())
}

/// The diagnosis as blocks.
fn doc(instance: &Instance, diagnosis: &Diagnosis) -> Doc {
    let mut doc = Doc::default();
    doc.push(Block::Title {
        text: heading(instance),
        prefix: "Diagnosis: ",
    });
    match diagnosis {
        Diagnosis::Unknown => doc.push(Block::Lead(
            "The time limit ran out before the solver could tell whether a plan exists.".into(),
        )),
        Diagnosis::Feasible {
            report, binding, ..
        } => feasible_blocks(instance, report, binding, &mut doc),
        Diagnosis::Infeasible(found) => infeasible_blocks(instance, found, &mut doc),
    }
    doc
}

/// What binds the optimum of a model that has a plan.
fn feasible_blocks(instance: &Instance, report: &PlanReport, binding: &[Binding], doc: &mut Doc) {
    doc.push(Block::Lead(format!(
        "A plan exists ({}){}.",
        objectives_phrase(report),
        super::unproven_note(report.status, report.gap, report.solver_failed)
    )));
    if binding.is_empty() {
        doc.push(Block::Lead(
            "It is not pressed against any red line or limit.".into(),
        ));
        return;
    }
    doc.push(Block::Lead(
        "It is pressed against (no margin left):".into(),
    ));
    for b in binding {
        let at = b
            .round
            .map(|r| format!(" (no margin in {} {r})", instance.model.round_unit))
            .unwrap_or_default();
        let buys = match &b.without {
            Some(objectives) => format!(
                "without it: {}",
                objectives
                    .iter()
                    .zip(&report.objectives)
                    .filter(|(w, now)| (w.value - now.value).abs() > 1e-9)
                    .map(|(w, now)| format!(
                        "{} {} instead of {}",
                        w.name,
                        fmt_num(w.value),
                        fmt_num(now.value)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None if b.settled => "dropping it would not improve the plan".to_owned(),
            None if b.solver_failed => {
                "what dropping it would buy was not settled: the solver failed numerically"
                    .to_owned()
            }
            None => "what dropping it would buy was not settled in the time allowed".to_owned(),
        };
        doc.push(Block::Item(format!(
            "{}{at}; {buys}",
            describe(instance, b.member.group)
        )));
    }
}

/// Why a model has no plan, and what it would take.
fn infeasible_blocks(instance: &Instance, found: &Infeasibility, doc: &mut Doc) {
    let Infeasibility {
        conflicts,
        relaxations,
        relaxed_plan,
        closest,
        bounds,
        cut_short,
        numerical_failures,
        timed_out,
    } = found;
    doc.push(Block::Lead("No plan exists.".into()));
    if *cut_short {
        doc.push(Block::Lead(cut_short_note(*numerical_failures, *timed_out)));
    }
    for (i, conflict) in conflicts.iter().enumerate() {
        let label = if conflicts.len() == 1 {
            "These cannot all hold together".to_owned()
        } else {
            format!("Conflict {}: these cannot all hold together", i + 1)
        };
        doc.push(Block::Blank);
        doc.push(Block::Lead(format!("{label}:")));
        for line in conflict_lines(instance, conflict) {
            doc.push(Block::Item(line));
        }
        if !conflict.proven_minimal {
            doc.push(Block::Detail(
                "(some checks were undecided: a member may be spare)".into(),
            ));
        }
    }
    if !relaxations.is_empty() {
        doc.push(Block::Blank);
        doc.push(Block::Lead(
            "What would restore a plan (each change on its own):".into(),
        ));
        for r in relaxations {
            doc.push(Block::Item(relaxation_sentence(instance, r)));
        }
    }
    if !bounds.is_empty() {
        doc.push(Block::Blank);
        doc.push(Block::Lead("Why, whatever the order of moves:".into()));
        for b in bounds {
            doc.push(Block::Item(bound_sentence(instance, b)));
        }
    }
    if let Some((relaxation, report)) = relaxed_plan {
        doc.push(Block::Blank);
        doc.push(Block::Lead(format!(
            "The plan with the smallest change ({}): {}{}",
            relaxation_sentence(instance, relaxation),
            objectives_phrase(report),
            super::unproven_note(report.status, report.gap, report.solver_failed)
        )));
        for line in moves_line(instance, &report.moves) {
            doc.push(Block::Detail(line));
        }
    }
    if let Some(closest) = closest.as_ref().filter(|c| !c.missed.is_empty()) {
        doc.push(Block::Blank);
        for line in closest_lines(instance, closest) {
            doc.push(match line.strip_prefix("  ") {
                Some(detail) => Block::Detail(detail.to_owned()),
                None => Block::Lead(super::capitalise(&line)),
            });
        }
    }
}

fn member_json(instance: &Instance, m: &Member) -> Value {
    json!({"element": group_key(instance, m.group), "path": m.path, "description": describe(instance, m.group)})
}

fn group_key(instance: &Instance, group: Group) -> String {
    let model = instance.model;
    match group {
        Group::Expectation(e) => format!("expectation:{}", model.expectations[e].id),
        Group::RedLine(i) => format!("red_line:{}", model.red_lines[i].id),
        Group::MovesPerRound => "limits.moves_per_round".to_owned(),
        Group::PerParty(p) => format!("limits.per_party.{}", model.parties[p].id),
        Group::Latest(a) => format!("latest:{}", model.actions[a].id),
        Group::Forbid(a) => format!("forbid:{}", model.actions[a].id),
        Group::Event(j) => format!("event:{}", instance.event_sources[j].path()),
        Group::Forced(i) => format!(
            "force:{}@{}",
            model.actions[instance.forced[i].0].id, instance.forced[i].1
        ),
    }
}

fn change_json(change: &Change) -> Value {
    match *change {
        Change::Deadline { from, to } => json!({"kind": "deadline", "from": from, "to": to}),
        Change::Level { from, to } => json!({"kind": "level", "from": num(from), "to": num(to)}),
        Change::Floor { from, to, round } => {
            json!({"kind": "floor", "from": num(from), "to": num(to), "round": round})
        }
        Change::Ceiling { from, to, round } => {
            json!({"kind": "ceiling", "from": num(from), "to": num(to), "round": round})
        }
        Change::CostCap { from, to } => {
            json!({"kind": "cost_cap", "from": num(from), "to": num(to)})
        }
        Change::Lag { from, to } => json!({"kind": "lag", "from": from, "to": to}),
        Change::Limit { from, to } => json!({"kind": "limit", "from": from, "to": to}),
        Change::Latest { from, to } => json!({"kind": "latest", "from": from, "to": to}),
        Change::Drop => json!({"kind": "drop"}),
        Change::NotEnough => json!({"kind": "not_enough"}),
        Change::Undecided(why) => json!({"kind": "undecided", "why": unsettled_key(why)}),
    }
}

fn moves_json(instance: &Instance, moves: &Moves) -> Value {
    moves
        .as_slice()
        .iter()
        .map(|m| json!({"action": instance.model.actions[m.action].id, "round": m.round}))
        .collect::<Vec<_>>()
        .into()
}

fn objectives_json(report: &PlanReport) -> Value {
    report
        .objectives
        .iter()
        .map(|o| json!({"name": o.name, "value": num(o.value)}))
        .collect::<Vec<_>>()
        .into()
}

/// The note on a diagnosis left partly undecided: by the time limit, or by
/// `failures` numerical failures of the backend, which more time would not
/// mend.
fn cut_short_note(failures: u32, timed_out: u32) -> String {
    let consequence = "so a conflict may have spare members, a change may be larger than needed, and a plan below may be missing or not the best";
    let failed = words::count(u64::from(failures), "check", "checks");
    let ran_out = words::count(u64::from(timed_out), "check", "checks");
    let more_time = &format!(
        "More time does not mend a numerical failure; the {} build (see the README) may.",
        code("cbc")
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

fn unsettled_key(why: Unsettled) -> &'static str {
    match why {
        Unsettled::TimeRanOut => "time_limit",
        Unsettled::SolverFailed => "solver_failed",
    }
}

/// The diagnosis as JSON, ending with a newline.
pub fn json(instance: &Instance, diagnosis: &Diagnosis) -> String {
    to_json(&json_value(instance, diagnosis))
}

/// The diagnosis as JSON data, to print or to nest in another report (the
/// `diagnosis` of a plan that found none).
pub fn json_value(instance: &Instance, diagnosis: &Diagnosis) -> Map<String, Value> {
    let mut out = super::json::header(instance, diagnosis.status());
    match diagnosis {
        Diagnosis::Unknown => {}
        Diagnosis::Feasible {
            report,
            binding,
            numerical_failures,
        } => {
            out.insert("cut_short".into(), diagnosis.cut_short().into());
            out.insert("numerical_failures".into(), (*numerical_failures).into());
            out.insert("gap".into(), report.gap.map_or(Value::Null, num));
            out.insert("objectives".into(), objectives_json(report));
            let items: Vec<Value> = binding
                .iter()
                .map(|b| {
                    let mut item = member_json(instance, &b.member);
                    item["round"] = b.round.into();
                    item["settled"] = b.settled.into();
                    item["without"] = b.without.as_ref().map_or(Value::Null, |o| {
                        o.iter()
                            .map(|x| json!({"name": x.name, "value": num(x.value)}))
                            .collect::<Vec<_>>()
                            .into()
                    });
                    item
                })
                .collect();
            out.insert("binding".into(), items.into());
        }
        Diagnosis::Infeasible(found) => {
            let Infeasibility {
                conflicts,
                relaxations,
                relaxed_plan,
                closest,
                bounds,
                cut_short,
                numerical_failures,
                ..
            } = found.as_ref();
            out.insert("cut_short".into(), (*cut_short).into());
            out.insert("numerical_failures".into(), (*numerical_failures).into());
            let conflicts: Vec<Value> = conflicts
                .iter()
                .map(|c| json!({"members": c.members.iter().map(|m| member_json(instance, m)).collect::<Vec<_>>(), "proven_minimal": c.proven_minimal}))
                .collect();
            out.insert("conflicts".into(), conflicts.into());
            let relaxations: Vec<Value> = relaxations
                .iter()
                .map(|r| json!({"element": group_key(instance, r.group), "change": change_json(&r.change), "message": relaxation_sentence(instance, r)}))
                .collect();
            out.insert("relaxations".into(), relaxations.into());
            out.insert(
                "relaxed_plan".into(),
                relaxed_plan.as_ref().map_or(Value::Null, |(r, report)| {
                    json!({"relaxation": group_key(instance, r.group), "change": change_json(&r.change), "status": report.status.as_str(), "gap": report.gap.map(num), "objectives": objectives_json(report), "moves": moves_json(instance, &report.moves)})
                }),
            );
            out.insert(
                "closest".into(),
                closest.as_ref().map_or(Value::Null, |c| {
                    let missed: Vec<Value> = c
                        .missed
                        .iter()
                        .map(|m| json!({"expectation": instance.model.expectations[m.expectation].id, "met_round": m.met_round, "lowest": m.lowest.map(num), "highest": m.highest.map(num)}))
                        .collect();
                    json!({"status": c.report.status.as_str(), "gap": c.report.gap.map(num), "moves": moves_json(instance, &c.report.moves), "missed": missed})
                }),
            );
            let bounds: Vec<Value> = bounds
                .iter()
                .map(|b| json!({"message": bound_sentence(instance, b)}))
                .collect();
            out.insert("bounds".into(), bounds.into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{diagnose, Infeasibility};
    use crate::model::{parse_model, validate, Overrides};
    use crate::report::Status;
    use crate::solve::SolveOptions;

    /// A model from `tests/fixtures`, given its text.
    fn fixture(name: &str, source: &str) -> crate::model::Model {
        let raw = parse_model(source, name).expect("the fixture parses");
        validate(&raw, name).expect("the fixture is valid").model
    }

    /// The tiny infeasible fixture's diagnosis, with its relaxed and
    /// closest plans marked as the time limit would leave them.
    fn unproven(gap: Option<f64>) -> (crate::model::Model, Box<Infeasibility>) {
        let model = fixture(
            "tiny_infeasible.json",
            include_str!("../../tests/fixtures/tiny_infeasible.json"),
        );
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let Ok(Diagnosis::Infeasible(mut found)) = diagnose(&instance, &SolveOptions::default(), 1)
        else {
            panic!("the fixture has no plan");
        };
        let (_, relaxed) = found.relaxed_plan.as_mut().expect("a relaxed plan");
        relaxed.status = Status::Feasible;
        relaxed.gap = gap;
        let closest = found.closest.as_mut().expect("a closest plan");
        closest.report.status = Status::Feasible;
        closest.report.gap = gap;
        (model, found)
    }

    #[test]
    fn unproven_plans_say_so_with_their_gap() {
        let (model, found) = unproven(Some(0.25));
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let diagnosis = Diagnosis::Infeasible(found);
        let note = "(the best found in the time allowed, not proven optimal: gap 25%)";
        let out = text(&instance, &diagnosis);
        let relaxed = out
            .lines()
            .find(|l| l.starts_with("The plan with the smallest change"))
            .expect("a relaxed plan line");
        assert!(relaxed.ends_with(note), "{out}");
        let closest = out
            .lines()
            .find(|l| l.starts_with("The closest plan"))
            .expect("a closest plan line");
        assert!(closest.contains(note), "{out}");
        let value: Value = serde_json::from_str(&json(&instance, &diagnosis)).expect("JSON");
        for part in ["relaxed_plan", "closest"] {
            assert_eq!(value[part]["status"], "feasible", "{value}");
            assert_eq!(value[part]["gap"], 0.25, "{value}");
        }
    }

    /// A binding whose comparison ran out of time is not told as one that
    /// gains nothing.
    #[test]
    fn an_unsettled_binding_is_not_told_as_no_gain() {
        let model = fixture("tiny.json", include_str!("../../tests/fixtures/tiny.json"));
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let Ok(Diagnosis::Feasible {
            report,
            mut binding,
            ..
        }) = diagnose(&instance, &SolveOptions::default(), 1)
        else {
            panic!("the fixture has a plan");
        };
        assert!(binding.iter().all(|b| b.settled));
        binding[0].settled = false;
        binding[0].without = None;
        let diagnosis = Diagnosis::Feasible {
            report,
            binding,
            numerical_failures: 0,
        };
        let out = text(&instance, &diagnosis);
        assert!(
            out.contains("what dropping it would buy was not settled in the time allowed"),
            "{out}"
        );
        let value: Value = serde_json::from_str(&json(&instance, &diagnosis)).expect("JSON");
        assert_eq!(value["cut_short"], true, "{value}");
        assert_eq!(value["binding"][0]["settled"], false, "{value}");
    }

    #[test]
    fn an_unproven_plan_without_a_gap_still_says_so() {
        let (model, found) = unproven(None);
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let out = text(&instance, &Diagnosis::Infeasible(found));
        assert_eq!(
            out.matches("(the best found in the time allowed, not proven optimal)")
                .count(),
            2,
            "{out}"
        );
    }

    #[test]
    fn numerical_failures_are_not_told_as_time() {
        let (model, mut found) = unproven(None);
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        found.cut_short = true;
        found.numerical_failures = 3;
        found.timed_out = 0;
        found.relaxations[0].change = Change::Undecided(Unsettled::SolverFailed);
        let diagnosis = Diagnosis::Infeasible(found);
        let out = text(&instance, &diagnosis);
        assert!(
            out.contains("(The solver failed numerically on 3 checks of the diagnosis"),
            "{out}"
        );
        assert!(
            out.contains("the solver failed numerically on its check"),
            "{out}"
        );
        assert!(!out.contains("--time-limit"), "{out}");
        let value: Value = serde_json::from_str(&json(&instance, &diagnosis)).expect("JSON");
        assert_eq!(value["numerical_failures"], 3, "{value}");
        assert_eq!(
            value["relaxations"][0]["change"]["why"], "solver_failed",
            "{value}"
        );
    }

    #[test]
    fn both_causes_are_told_when_both_happened() {
        let (model, mut found) = unproven(None);
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        found.cut_short = true;
        found.numerical_failures = 1;
        found.timed_out = 2;
        let out = text(&instance, &Diagnosis::Infeasible(found));
        assert!(
            out.contains(
                "the solver failed numerically on 1 check and 2 checks ran out of the time allowed"
            ),
            "{out}"
        );
        assert!(out.contains("--time-limit"), "{out}");
    }

    #[test]
    fn a_binding_the_solver_failed_on_says_so() {
        let model = fixture("tiny.json", include_str!("../../tests/fixtures/tiny.json"));
        let instance = Instance::new(&model, &Overrides::default()).expect("an instance");
        let Ok(Diagnosis::Feasible {
            report,
            mut binding,
            ..
        }) = diagnose(&instance, &SolveOptions::default(), 1)
        else {
            panic!("the fixture has a plan");
        };
        binding[0].settled = false;
        binding[0].solver_failed = true;
        binding[0].without = None;
        let diagnosis = Diagnosis::Feasible {
            report,
            binding,
            numerical_failures: 1,
        };
        let out = text(&instance, &diagnosis);
        assert!(
            out.contains(
                "what dropping it would buy was not settled: the solver failed numerically"
            ),
            "{out}"
        );
        assert!(!out.contains("in the time allowed"), "{out}");
    }
}
