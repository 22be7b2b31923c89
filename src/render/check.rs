//! A checked plan: the verdict, every broken rule in round order, the
//! expectations, and the gap to the optimum.

use serde::Serialize;
use serde_json::Value;

use super::doc::{Block, Doc};
use super::json::{num, to_json};
use super::words;
use crate::check::CheckReport;
use crate::model::Instance;
use crate::numbers::fmt_num;
use crate::report::Status;

/// The most broken rules the text and Markdown list; a plan of a million
/// faulty moves should not print a million lines. JSON lists them all.
pub const MAX_LISTED_VIOLATIONS: usize = 200;

/// The check as text, ending with a newline.
pub fn text(instance: &Instance, report: &CheckReport, plan_file: &str) -> String {
    doc(instance, report, plan_file).text()
}

/// The check as a Markdown handout, ending with a newline: the same
/// sections as the text, as headings and lists, with the proposed moves as
/// a table.
pub fn markdown(instance: &Instance, report: &CheckReport, plan_file: &str) -> String {
    super::markdown::tidy(&doc(instance, report, plan_file).markdown())
}

/// The check as blocks: the verdict, every broken rule (the first
/// [`MAX_LISTED_VIOLATIONS`]), the expectations, and the comparison with
/// the optimum.
fn doc(instance: &Instance, report: &CheckReport, plan_file: &str) -> Doc {
    let model = instance.model;
    let unit = &model.round_unit;
    let evaluation = &report.evaluation;
    let scenario = instance
        .scenario_id()
        .map_or("base scenario".to_owned(), |s| {
            format!("scenario {}", super::code(s))
        });
    let mut doc = Doc::default();
    doc.push(Block::Title {
        text: format!(
            "Check of {} against {}",
            crate::escape::line(plan_file),
            model.name
        ),
        prefix: "",
    });
    doc.push(Block::Line(format!(
        "{scenario}; {}; {}",
        words::rounds(instance.horizon, unit),
        words::count(report.moves.len() as u64, "move", "moves")
    )));
    doc.push(Block::Table {
        text: String::new(),
        markdown: moves_table(instance, report),
    });
    doc.push(Block::Blank);
    if report.is_valid() {
        doc.push(Block::Verdict {
            label: "VALID",
            rest: " the plan breaks no rule and meets every expectation.".into(),
        });
    } else {
        let n = evaluation.violations.len();
        doc.push(Block::Verdict {
            label: "INVALID",
            rest: format!(
                " {n} broken rule{}, in round order:",
                if n == 1 { "" } else { "s" }
            ),
        });
        for v in evaluation.violations.iter().take(MAX_LISTED_VIOLATIONS) {
            doc.push(Block::Item(words::violation(instance, v)));
        }
        if n > MAX_LISTED_VIOLATIONS {
            doc.push(Block::Item(format!(
                "and {} more (--format json lists them all)",
                n - MAX_LISTED_VIOLATIONS
            )));
        }
    }
    doc.push(Block::Blank);
    doc.push(Block::Line("Expectations:".into()));
    for (e, outcome) in model.expectations.iter().zip(&evaluation.expectations) {
        let state = match outcome.met_round {
            Some(r) if r <= outcome.by => format!("met in {unit} {r}"),
            Some(r) => format!("met only from {unit} {r}, after the deadline"),
            None => "not met".to_owned(),
        };
        doc.push(Block::Item(format!(
            "{}: {state} (deadline {unit} {})",
            e.id, outcome.by
        )));
    }
    if model.expectations.is_empty() {
        doc.push(Block::Note("(none)".into()));
    }
    doc.push(Block::Blank);
    if let Some(odds) = &report.odds {
        doc.blocks
            .extend(super::chance::blocks(instance, odds).blocks);
        doc.push(Block::Blank);
    }
    doc.push(Block::Line(format!("Cost {}.", fmt_num(evaluation.cost))));
    doc.push(Block::Line(against_the_optimum(instance, report)));
    doc
}

/// How the plan compares with the optimum, or why it cannot be compared.
fn against_the_optimum(instance: &Instance, report: &CheckReport) -> String {
    let unit = &instance.model.round_unit;
    // Under a time limit the plan compared with may be unproven.
    let optimum = report.optimum_plan();
    let unproven = optimum
        .filter(|best| best.status != Status::Optimal)
        .map(|best| {
            let gap = best
                .gap
                .map(|g| format!(", gap {}%", fmt_num(g * 100.0)))
                .unwrap_or_default();
            format!("not proven optimal{gap}")
        });
    let best_name = match (unproven.as_ref(), optimum) {
        (Some(_), Some(best)) => format!(
            "the best plan found {}",
            super::found_when(best.solver_failed)
        ),
        _ => "the optimum".to_owned(),
    };
    match (optimum, report.gap) {
        (Some(best), Some(gap)) => format!(
            "Against {best_name} ({}all met by {unit} {}, cost {}): {}, {}.",
            unproven.as_ref().map(|u| format!("{u}; ")).unwrap_or_default(),
            best.evaluation.met_round.unwrap_or(0),
            fmt_num(best.evaluation.cost),
            rounds_phrase(gap.rounds_later, unit),
            cost_phrase(gap.extra_cost)
        ),
        (Some(best), None) if !report.is_valid() => format!(
            "{}{} meets every expectation by {unit} {} at cost {}; this plan breaks rules, so it is not ranked against it.",
            super::capitalise(&best_name),
            unproven.as_ref().map(|u| format!(" ({u})")).unwrap_or_default(),
            best.evaluation.met_round.unwrap_or(0),
            fmt_num(best.evaluation.cost)
        ),
        (Some(best), None) => format!(
            "{}{} meets every expectation by {unit} {} at cost {}; this plan never meets them all.",
            super::capitalise(&best_name),
            unproven.as_ref().map(|u| format!(" ({u})")).unwrap_or_default(),
            best.evaluation.met_round.unwrap_or(0),
            fmt_num(best.evaluation.cost)
        ),
        (None, _) if report.optimum_status() == Status::Unknown => "The solver found no plan within the limit, so there is nothing to compare with; allow more with --time-limit or --effort.".to_owned(),
        (None, _) => "No valid plan exists for this model, so there is no optimum to compare with.".to_owned(),
    }
}

/// The proposed moves, one row per round that has any.
fn moves_table(instance: &Instance, report: &CheckReport) -> String {
    let model = instance.model;
    let unit = super::capitalise(&model.round_unit);
    let mut rounds: Vec<u32> = report.moves.as_slice().iter().map(|m| m.round).collect();
    rounds.dedup();
    let rows: Vec<Vec<String>> = rounds
        .iter()
        .map(|&r| {
            let moves: Vec<String> = super::text::started_in(model, &report.moves, r)
                .map(|(action, party)| format!("`{action}` ({party})"))
                .collect();
            vec![r.to_string(), moves.join("<br>")]
        })
        .collect();
    super::markdown::table(
        &[unit.as_str(), "Moves proposed (party)"],
        &[true, false],
        &rows,
    )
}

fn rounds_phrase(later: i64, unit: &str) -> String {
    match later {
        0 => "met as early".to_owned(),
        n if n > 0 => format!("{n} {unit}{} later", if n == 1 { "" } else { "s" }),
        n => format!("{} {unit}{} earlier", -n, if n == -1 { "" } else { "s" }),
    }
}

fn cost_phrase(extra: f64) -> String {
    if extra.abs() < 1e-9 {
        "same cost".to_owned()
    } else if extra > 0.0 {
        format!("{} more", fmt_num(extra))
    } else {
        format!("{} less", fmt_num(-extra))
    }
}

#[derive(Serialize)]
struct CheckJson<'a> {
    seqplan: u32,
    model: &'a str,
    scenario: Option<&'a str>,
    plan: &'a str,
    valid: bool,
    violations: Vec<ViolationJson>,
    met_round: Option<u32>,
    cost: Value,
    moves: usize,
    expectations: Vec<ExpectationJson<'a>>,
    /// On a model where moves may fail: the chance the plan works.
    #[serde(skip_serializing_if = "Option::is_none")]
    success_probability: Option<Value>,
    /// With `success_probability`: the chance each red line is kept.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    red_lines: Vec<RedLineJson<'a>>,
    /// How the solve for the optimum ended (`unknown`: out of time).
    optimum_status: &'static str,
    optimum: Option<OptimumJson>,
    gap: Option<GapJson>,
}

#[derive(Serialize)]
struct ViolationJson {
    round: u32,
    rule: &'static str,
    message: String,
}

#[derive(Serialize)]
struct ExpectationJson<'a> {
    id: &'a str,
    met_round: Option<u32>,
    by: u32,
    met: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    success_probability: Option<Value>,
}

#[derive(Serialize)]
struct RedLineJson<'a> {
    id: &'a str,
    success_probability: Value,
}

#[derive(Serialize)]
struct OptimumJson {
    /// `optimal`, or `feasible` for the best plan found within the limit.
    status: &'static str,
    gap: Value,
    met_round: Option<u32>,
    cost: Value,
}

#[derive(Serialize)]
struct GapJson {
    rounds_later: i64,
    extra_cost: Value,
}

/// The check as JSON, ending with a newline.
pub fn json(instance: &Instance, report: &CheckReport, plan_file: &str) -> String {
    let model = instance.model;
    let evaluation = &report.evaluation;
    let out = CheckJson {
        seqplan: 1,
        model: &model.name,
        scenario: instance.scenario_id(),
        plan: plan_file,
        valid: report.is_valid(),
        violations: evaluation
            .violations
            .iter()
            .map(|v| ViolationJson {
                round: v.round,
                rule: v.kind.rule(),
                message: words::violation(instance, v),
            })
            .collect(),
        met_round: evaluation.met_round,
        cost: num(evaluation.cost),
        moves: report.moves.len(),
        expectations: model
            .expectations
            .iter()
            .zip(&evaluation.expectations)
            .enumerate()
            .map(|(i, (e, o))| ExpectationJson {
                id: &e.id,
                met_round: o.met_round,
                by: o.by,
                met: o.met_round.is_some_and(|r| r <= o.by),
                success_probability: report
                    .odds
                    .as_ref()
                    .and_then(|odds| odds.expectations.get(i))
                    .map(super::chance::probability_json),
            })
            .collect(),
        success_probability: report.odds.as_ref().map(super::chance::success_json),
        red_lines: report.odds.as_ref().map_or_else(Vec::new, |odds| {
            model
                .red_lines
                .iter()
                .zip(&odds.red_lines)
                .map(|(line, p)| RedLineJson {
                    id: &line.id,
                    success_probability: super::chance::probability_json(p),
                })
                .collect()
        }),
        optimum_status: report.optimum_status().as_str(),
        optimum: report.optimum_plan().map(|best| OptimumJson {
            status: best.status.as_str(),
            gap: best.gap.map_or(Value::Null, num),
            met_round: best.evaluation.met_round,
            cost: num(best.evaluation.cost),
        }),
        gap: report.gap.map(|g| GapJson {
            rounds_later: g.rounds_later,
            extra_cost: num(g.extra_cost),
        }),
    };
    to_json(&out)
}
