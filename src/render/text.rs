//! Plans as tables for people: a header, the round-by-round table, then
//! expectations and red lines.

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

use super::code;
use crate::model::{ExpectationKind, Instance, RedLineKind};
use crate::numbers::{fmt_meter, fmt_num};
use crate::report::{PlanReport, Status};

/// A plan as text, ending with a newline.
pub fn plan(instance: &Instance, report: &PlanReport) -> String {
    let mut out = header(instance, report);
    out.push('\n');
    out.push_str(&rounds_table(instance, report).to_string());
    out.push_str("\n\nExpectations\n");
    out.push_str(&expectations_table(instance, report).to_string());
    if !instance.model.red_lines.is_empty() {
        out.push_str("\n\nRed lines\n");
        out.push_str(&red_lines_table(instance, report).to_string());
    }
    out.push('\n');
    if let Some(odds) = &report.odds {
        out.push('\n');
        out.push_str(&super::chance::blocks(instance, odds).text());
    }
    if let Some(reliability) = &report.reliability {
        out.push('\n');
        out.push_str(&super::chance::reliability_blocks(instance, reliability).text());
    }
    out
}

fn new_table(headers: Vec<&str>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers);
    table
}

/// The lines above the tables: model, scenario, status, objectives, R, cost.
pub(crate) fn header(instance: &Instance, report: &PlanReport) -> String {
    let model = instance.model;
    let unit = &model.round_unit;
    let evaluation = &report.evaluation;
    let scenario = match instance.scenario {
        Some(s) => format!(
            "scenario {} ({})",
            code(&model.scenarios[s].id),
            model.scenarios[s].name
        ),
        None => "base scenario".to_owned(),
    };
    let mut out = format!("{}\n", model.name);
    if let Some(past) = &model.past {
        out.push_str(&replanned_lines(instance, report, past));
    }
    out.push_str(&format!(
        "{scenario}; {}; plan {}",
        super::words::rounds(instance.horizon, unit),
        report.status.as_str()
    ));
    if let (Status::Feasible, Some(gap)) = (report.status, report.gap) {
        out.push_str(&format!(" (gap {}%)", fmt_num(gap * 100.0)));
    }
    out.push('\n');
    let objectives: Vec<String> = report
        .objectives
        .iter()
        .map(|o| format!("{} {}", o.name, fmt_num(o.value)))
        .collect();
    if !objectives.is_empty() {
        out.push_str(&format!("objectives: {}\n", objectives.join(", ")));
    }
    match evaluation.met_round {
        Some(0) => out.push_str("no expectations to meet\n"),
        Some(r) => out.push_str(&format!("all expectations met by {unit} {r}\n")),
        None => out.push_str("some expectations are never met\n"),
    }
    match &model.past {
        None => out.push_str(&format!(
            "{}, total cost {}\n",
            super::words::count(evaluation.move_count as u64, "move", "moves"),
            fmt_num(evaluation.cost)
        )),
        Some(past) => {
            let made = past.made.len();
            let spent: f64 = past.made.iter().map(|m| model.actions[m.fixed].cost).sum();
            out.push_str(&format!(
                "{} from now, total cost {} ({} spent on the {} made)\n",
                super::words::count((evaluation.move_count - made) as u64, "move", "moves"),
                fmt_num(evaluation.cost),
                fmt_num(spent),
                super::words::count(made as u64, "move", "moves"),
            ));
        }
    }
    out
}

/// What a replanned model's past was: the current round, the moves made
/// (with those that failed), the meters observed and the expectations
/// now overdue.
fn replanned_lines(instance: &Instance, report: &PlanReport, past: &crate::model::Past) -> String {
    let model = instance.model;
    let unit = &model.round_unit;
    let mut out = format!("replanned from {unit} {}", past.now);
    if past.made.is_empty() {
        out.push_str(", no move made yet");
    } else {
        let made: Vec<String> = past
            .made
            .iter()
            .map(|m| {
                let outcome = match m.outcome {
                    crate::model::MadeOutcome::Succeeded => "",
                    crate::model::MadeOutcome::Failed => " (failed)",
                    crate::model::MadeOutcome::Pending => " (outcome pending)",
                };
                format!(
                    "{} in {}{outcome}",
                    code(&model.actions[m.action].id),
                    m.round
                )
            })
            .collect();
        out.push_str(&format!(" after {}", made.join(", ")));
    }
    out.push('\n');
    for &index in &past.observed_events {
        let event = &model.events[index];
        out.push_str(&format!(
            "observed: {} is {} after {unit} {}\n",
            code(&model.meters[event.meter].id),
            fmt_meter(report.evaluation.meters[event.meter][event.round as usize]),
            event.round
        ));
    }
    for &e in &past.overdue {
        out.push_str(&format!(
            "overdue: {} missed its deadline; it is now due by {unit} {}\n",
            code(&model.expectations[e].id),
            instance.by[e]
        ));
    }
    out
}

fn rounds_table(instance: &Instance, report: &PlanReport) -> Table {
    let model = instance.model;
    let unit = super::capitalise(&model.round_unit);
    let mut headers = vec![unit.as_str(), "Moves started (party)"];
    headers.extend(model.meters.iter().map(|m| m.id.as_str()));
    let mut table = new_table(headers);
    let meter_count = model.meters.len();
    for column in 2..2 + meter_count {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let meters = &report.evaluation.meters;
    let (first, label) = first_row(model);
    let mut start = vec![Cell::new(label), Cell::new("")];
    start.extend(
        meters
            .iter()
            .map(|m| Cell::new(fmt_meter(m[first as usize]))),
    );
    table.add_row(start);
    for t in first + 1..=instance.horizon {
        let moves: Vec<String> = started_in(model, &report.moves, t)
            .map(|(action, party)| format!("{action} ({party})"))
            .collect();
        let mut row = vec![Cell::new(t), Cell::new(moves.join("\n"))];
        row.extend(meters.iter().map(|m| Cell::new(fmt_meter(m[t as usize]))));
        table.add_row(row);
    }
    table
}

/// The round the table of a plan starts from, and its label: round 0
/// ("start"), or in a replanned model the round before now ("now"): the
/// meters as the past left them, then the rounds still to play.
pub(crate) fn first_row(model: &crate::model::Model) -> (u32, &'static str) {
    match &model.past {
        Some(past) if past.now > 1 => (past.now - 1, "now"),
        _ => (0, "start"),
    }
}

/// The moves started in round `t`, as (action id, party id).
pub(crate) fn started_in<'a>(
    model: &'a crate::model::Model,
    moves: &'a crate::plan::Moves,
    t: u32,
) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    moves
        .as_slice()
        .iter()
        .filter(move |m| m.round == t)
        .map(|m| {
            let action = &model.actions[m.action];
            (action.id.as_str(), model.parties[action.by].id.as_str())
        })
}

/// Column headers of the expectations table.
pub(crate) const EXPECTATION_HEADERS: [&str; 4] = ["Expectation", "Asks for", "Met in", "Deadline"];
/// Column headers of the red lines table.
pub(crate) const RED_LINE_HEADERS: [&str; 4] = ["Red line", "Rule", "Closest approach", "In"];

fn expectations_table(instance: &Instance, report: &PlanReport) -> Table {
    let mut table = new_table(EXPECTATION_HEADERS.to_vec());
    for row in expectation_rows(instance, report) {
        table.add_row(row);
    }
    table
}

fn red_lines_table(instance: &Instance, report: &PlanReport) -> Table {
    let mut table = new_table(RED_LINE_HEADERS.to_vec());
    for row in red_line_rows(instance, report) {
        table.add_row(row);
    }
    table
}

/// One row per expectation: id, what it asks for, when met, deadline.
pub(crate) fn expectation_rows(instance: &Instance, report: &PlanReport) -> Vec<[String; 4]> {
    let model = instance.model;
    let mut rows = Vec::new();
    for (e, outcome) in model
        .expectations
        .iter()
        .zip(&report.evaluation.expectations)
    {
        let asks = match e.kind {
            ExpectationKind::Action(a) => format!("{} completed", code(&model.actions[a].id)),
            ExpectationKind::Meter { meter, band } => {
                format!("{} sustained", super::words::band(model, meter, &band))
            }
        };
        let met = outcome
            .met_round
            .map_or("never".to_owned(), |r| r.to_string());
        rows.push([e.id.clone(), asks, met, outcome.by.to_string()]);
    }
    rows
}

/// One row per red line: id, rule, closest approach, its round.
pub(crate) fn red_line_rows(instance: &Instance, report: &PlanReport) -> Vec<[String; 4]> {
    let model = instance.model;
    let mut rows = Vec::new();
    for (line, approach) in model.red_lines.iter().zip(&report.evaluation.red_lines) {
        let rule = match line.kind {
            RedLineKind::NeverBelow { meter, level } | RedLineKind::NeverAbove { meter, level } => {
                super::words::meter_rule(model, &line.kind, meter, level)
            }
            RedLineKind::NotBefore {
                action,
                before,
                lag,
            } => {
                let wait = match lag {
                    0 => " (same {unit} allowed)".replace("{unit}", &model.round_unit),
                    1 => String::new(),
                    k => format!(" (wait {})", super::words::rounds(k, &model.round_unit)),
                };
                format!(
                    "{} not before {}{wait}",
                    code(&model.actions[action].id),
                    code(&model.actions[before].id)
                )
            }
            RedLineKind::Never { action } => format!("never {}", code(&model.actions[action].id)),
            RedLineKind::CostAtMost { party, cap } => format!(
                "{} spends at most {}",
                code(&model.parties[party].id),
                fmt_num(cap)
            ),
        };
        let closest = match (line.kind, approach.closest, approach.value) {
            (
                RedLineKind::NeverBelow { .. } | RedLineKind::NeverAbove { .. },
                Some(margin),
                Some(value),
            ) => {
                format!("{} (margin {})", fmt_num(value), fmt_num(margin))
            }
            (RedLineKind::CostAtMost { .. }, Some(margin), Some(cost)) => {
                format!("spent {} (margin {})", fmt_num(cost), fmt_num(margin))
            }
            (RedLineKind::NotBefore { .. }, Some(margin), _) => {
                format!("margin {} {}s", fmt_num(margin), model.round_unit)
            }
            (RedLineKind::NotBefore { .. }, None, _) => "not taken".to_owned(),
            (RedLineKind::Never { .. }, _, _) => "not taken".to_owned(),
            _ => "-".to_owned(),
        };
        let round = approach.round.map_or("-".to_owned(), |r| r.to_string());
        rows.push([line.id.clone(), rule, closest, round]);
    }
    rows
}
