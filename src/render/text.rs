//! Plans as tables for people: a header, the round-by-round table, then
//! expectations and red lines.

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

use crate::model::{ExpectationKind, Instance, RedLineKind};
use crate::plan::{PlanReport, Status};
use crate::{fmt_meter, fmt_num};

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

fn header(instance: &Instance, report: &PlanReport) -> String {
    let model = instance.model;
    let unit = &model.round_unit;
    let evaluation = &report.evaluation;
    let scenario = match instance.scenario {
        Some(s) => format!(
            "scenario `{}` ({})",
            model.scenarios[s].id, model.scenarios[s].name
        ),
        None => "base scenario".to_owned(),
    };
    let mut out = format!("{}\n", model.name);
    out.push_str(&format!(
        "{scenario}; {} {unit}s; plan {}",
        instance.horizon,
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
    out.push_str(&format!(
        "{} moves, total cost {}\n",
        evaluation.move_count,
        fmt_num(evaluation.cost)
    ));
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
    let mut start = vec![Cell::new("start"), Cell::new("")];
    start.extend(meters.iter().map(|m| Cell::new(fmt_meter(m[0]))));
    table.add_row(start);
    for t in 1..=instance.horizon {
        let moves: Vec<String> = report
            .moves
            .as_slice()
            .iter()
            .filter(|m| m.round == t)
            .map(|m| {
                let action = &model.actions[m.action];
                format!("{} ({})", action.id, model.parties[action.by].id)
            })
            .collect();
        let mut row = vec![Cell::new(t), Cell::new(moves.join("\n"))];
        row.extend(meters.iter().map(|m| Cell::new(fmt_meter(m[t as usize]))));
        table.add_row(row);
    }
    table
}

fn expectations_table(instance: &Instance, report: &PlanReport) -> Table {
    let model = instance.model;
    let mut table = new_table(vec!["Expectation", "Asks for", "Met in", "Deadline"]);
    for (e, outcome) in model
        .expectations
        .iter()
        .zip(&report.evaluation.expectations)
    {
        let asks = match e.kind {
            ExpectationKind::Action(a) => format!("`{}` completed", model.actions[a].id),
            ExpectationKind::Meter { meter, at_least } => {
                format!(
                    "{} ≥ {} sustained",
                    model.meters[meter].id,
                    fmt_num(at_least)
                )
            }
        };
        let met = outcome
            .met_round
            .map_or("never".to_owned(), |r| r.to_string());
        table.add_row(vec![
            Cell::new(&e.id),
            Cell::new(asks),
            Cell::new(met),
            Cell::new(outcome.by),
        ]);
    }
    table
}

fn red_lines_table(instance: &Instance, report: &PlanReport) -> Table {
    let model = instance.model;
    let mut table = new_table(vec!["Red line", "Rule", "Closest approach", "In"]);
    for (line, approach) in model.red_lines.iter().zip(&report.evaluation.red_lines) {
        let rule = match line.kind {
            RedLineKind::NeverBelow { meter, level } => {
                format!("{} never below {}", model.meters[meter].id, fmt_num(level))
            }
            RedLineKind::NeverAbove { meter, level } => {
                format!("{} never above {}", model.meters[meter].id, fmt_num(level))
            }
            RedLineKind::NotBefore { action, before, .. } => {
                format!(
                    "`{}` not before `{}`",
                    model.actions[action].id, model.actions[before].id
                )
            }
            RedLineKind::Never { action } => format!("never `{}`", model.actions[action].id),
            RedLineKind::CostAtMost { party, cap } => format!(
                "`{}` spends at most {}",
                model.parties[party].id,
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
        table.add_row(vec![
            Cell::new(&line.id),
            Cell::new(rule),
            Cell::new(closest),
            Cell::new(round),
        ]);
    }
    table
}
