//! "Plans as data" (DESIGN.md): the JSON that `--format json` prints and
//! `seqplan check` reads. Field order follows the design; numbers are
//! rounded to six decimals so the output is byte-stable.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::Instance;
use crate::numbers::round6;
use crate::report::{PlanReport, Status};
use crate::solve::Improvement;

/// A number for JSON: rounded to six decimals, whole numbers without `.0`.
pub fn num(value: f64) -> Value {
    let rounded = round6(value);
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        Value::from(rounded as i64)
    } else {
        Value::from(rounded)
    }
}

#[derive(Serialize)]
struct PlanJson<'a> {
    seqplan: u32,
    model: &'a str,
    scenario: Option<&'a str>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    gap: Option<Value>,
    objectives: Vec<ObjectiveJson>,
    met_round: Option<u32>,
    cost: Value,
    horizon: u32,
    round: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    replanned: Option<ReplannedJson<'a>>,
    moves: Vec<MoveJson<'a>>,
    meters: Map<String, Value>,
    expectations: Vec<ExpectationJson<'a>>,
    red_lines: Vec<RedLineJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    success_probability: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reliability: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bound: Option<BoundJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    history: Vec<ImprovementJson>,
}

/// A valid bound on the first level an unproven plan leaves open.
#[derive(Serialize)]
struct BoundJson {
    level: &'static str,
    value: Value,
    source: &'static str,
}

/// One step of the search: after `work` nodes, the incumbent's values on
/// the stage's levels, and the bound (none once proven).
#[derive(Serialize)]
struct ImprovementJson {
    work: u64,
    levels: Vec<&'static str>,
    values: Vec<Value>,
    proven: bool,
    bound: Option<BoundJson>,
}

#[derive(Serialize)]
struct ObjectiveJson {
    name: &'static str,
    value: Value,
}

#[derive(Serialize)]
struct MoveJson<'a> {
    action: &'a str,
    round: u32,
    party: &'a str,
}

/// A replanned model's past: the current round, the moves made with their
/// outcome, and the expectations overdue (their `by` is now the horizon).
#[derive(Serialize)]
struct ReplannedJson<'a> {
    now: u32,
    made: Vec<MadeJson<'a>>,
    overdue: Vec<&'a str>,
}

#[derive(Serialize)]
struct MadeJson<'a> {
    action: &'a str,
    round: u32,
    party: &'a str,
    outcome: &'static str,
}

fn replanned_json(model: &crate::model::Model) -> Option<ReplannedJson<'_>> {
    let past = model.past.as_ref()?;
    Some(ReplannedJson {
        now: past.now,
        made: past
            .made
            .iter()
            .map(|m| {
                let action = &model.actions[m.action];
                MadeJson {
                    action: &action.id,
                    round: m.round,
                    party: &model.parties[action.by].id,
                    outcome: m.outcome.word(),
                }
            })
            .collect(),
        overdue: past
            .overdue
            .iter()
            .map(|&e| model.expectations[e].id.as_str())
            .collect(),
    })
}

#[derive(Serialize)]
struct ExpectationJson<'a> {
    id: &'a str,
    met_round: Option<u32>,
    by: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    success_probability: Option<Value>,
}

#[derive(Serialize)]
struct RedLineJson<'a> {
    id: &'a str,
    kind: &'static str,
    closest: Option<Value>,
    round: Option<u32>,
    value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    success_probability: Option<Value>,
}

/// A plan as JSON, ending with a newline.
pub fn plan(instance: &Instance, report: &PlanReport) -> String {
    let model = instance.model;
    let evaluation = &report.evaluation;
    let meters = model
        .meters
        .iter()
        .zip(&evaluation.meters)
        .map(|(m, values)| {
            (
                m.id.clone(),
                Value::from(values.iter().map(|&v| num(v)).collect::<Vec<_>>()),
            )
        })
        .collect();
    let odds = report.odds.as_ref();
    let chance_of = |list: fn(&crate::chance::Odds) -> &[crate::chance::Probability], i: usize| {
        odds.and_then(|o| list(o).get(i))
            .map(super::chance::probability_json)
    };
    let out = PlanJson {
        seqplan: 1,
        model: &model.name,
        scenario: instance.scenario_id(),
        status: report.status.as_str(),
        gap: report.gap.map(num),
        objectives: report
            .objectives
            .iter()
            .map(|o| ObjectiveJson {
                name: o.name,
                value: num(o.value),
            })
            .collect(),
        met_round: evaluation.met_round,
        cost: num(evaluation.cost),
        horizon: instance.horizon,
        round: &model.round_unit,
        replanned: replanned_json(model),
        // A replanned model's plan starts now: the moves made are above.
        moves: report
            .moves
            .as_slice()
            .iter()
            .filter(|m| model.made(m.action).is_none())
            .map(|m| {
                let action = &model.actions[m.action];
                MoveJson {
                    action: &action.id,
                    round: m.round,
                    party: &model.parties[action.by].id,
                }
            })
            .collect(),
        meters,
        expectations: model
            .expectations
            .iter()
            .zip(&evaluation.expectations)
            .enumerate()
            .map(|(i, (e, o))| ExpectationJson {
                id: &e.id,
                met_round: o.met_round,
                by: o.by,
                success_probability: chance_of(|o| &o.expectations, i),
            })
            .collect(),
        red_lines: model
            .red_lines
            .iter()
            .zip(&evaluation.red_lines)
            .enumerate()
            .map(|(i, (r, a))| RedLineJson {
                id: &r.id,
                kind: r.kind.keyword(),
                closest: a.closest.map(num),
                round: a.round,
                value: a.value.map(num),
                success_probability: chance_of(|o| &o.red_lines, i),
            })
            .collect(),
        success_probability: odds.map(super::chance::success_json),
        reliability: report
            .reliability
            .as_ref()
            .map(|r| super::chance::reliability_json(instance, r)),
        bound: report.bound.map(|b| BoundJson {
            level: b.level,
            value: num(b.value),
            source: b.source.as_str(),
        }),
        history: report.history.iter().map(improvement_json).collect(),
    };
    to_json(&out)
}

fn improvement_json(improvement: &Improvement) -> ImprovementJson {
    ImprovementJson {
        work: improvement.work,
        levels: improvement.levels.clone(),
        values: improvement.values.iter().map(|&v| num(v)).collect(),
        proven: improvement.proven,
        bound: improvement
            .bound
            .filter(|_| !improvement.proven)
            .map(|open| BoundJson {
                level: improvement.levels[open.level],
                value: num(open.bound),
                source: open.source.as_str(),
            }),
    }
}

/// The fields every report starts with: format version, model, scenario
/// and status.
pub fn header(instance: &Instance, status: Status) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("seqplan".into(), 1.into());
    out.insert("model".into(), instance.model.name.clone().into());
    out.insert(
        "scenario".into(),
        instance.scenario_id().map(str::to_owned).into(),
    );
    out.insert("status".into(), status.as_str().into());
    out
}

/// The JSON data printed when no plan is found (status `infeasible` or
/// `unknown`), to which the diagnosis is added when there is one.
pub fn no_plan(instance: &Instance, status: Status, message: &str) -> Map<String, Value> {
    let mut out = header(instance, status);
    out.insert("message".into(), message.into());
    out.insert("moves".into(), Value::Array(Vec::new()));
    out
}

/// Pretty JSON ending with a newline.
pub fn to_json(value: &impl Serialize) -> String {
    let mut text =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
