//! The diagnosis as JSON data.

use serde_json::{json, Map, Value};

use super::sentences::{bound_sentence, describe, relaxation_sentence};
use crate::diagnose::{Change, Diagnosis, Group, Infeasibility, Member, Unsettled};
use crate::model::Instance;
use crate::plan::Moves;
use crate::render::json::{num, to_json};
use crate::report::PlanReport;

pub(super) fn member_json(instance: &Instance, m: &Member) -> Value {
    json!({"element": group_key(instance, m.group), "path": m.path, "description": describe(instance, m.group)})
}

pub(super) fn group_key(instance: &Instance, group: Group) -> String {
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

pub(super) fn change_json(change: &Change) -> Value {
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

pub(super) fn moves_json(instance: &Instance, moves: &Moves) -> Value {
    moves
        .as_slice()
        .iter()
        .map(|m| json!({"action": instance.model.actions[m.action].id, "round": m.round}))
        .collect::<Vec<_>>()
        .into()
}

pub(super) fn objectives_json(report: &PlanReport) -> Value {
    report
        .objectives
        .iter()
        .map(|o| json!({"name": o.name, "value": num(o.value)}))
        .collect::<Vec<_>>()
        .into()
}

pub(super) fn unsettled_key(why: Unsettled) -> &'static str {
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
    let mut out = crate::render::json::header(instance, diagnosis.status());
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
