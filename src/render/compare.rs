//! A comparison in words: a table with one column per plan, in text,
//! Markdown and JSON.

use comfy_table::{Cell, Table};
use serde::Serialize;
use serde_json::{Map, Value};

use super::explain::escape_cell;
use super::json::{num, to_json};
use crate::compare::{CellMove, ColumnResult, Comparison, Mark, PlanSummary};
use crate::model::Instance;
use crate::numbers::fmt_num;
use crate::report::{PlanReport, Status};

/// The label of a move in a cell, with its difference to the reference.
fn move_label(m: &CellMove, unit: &str) -> String {
    match m.mark {
        Mark::Same => format!("{} ({})", m.action, m.party),
        Mark::Moved { reference_round } => format!(
            "{} ({}) *{unit} {reference_round} in first",
            m.action, m.party
        ),
        Mark::Added => format!("{} ({}) +not in first", m.action, m.party),
    }
}

/// The summary rows: (label, one cell per column).
fn summary_rows(comparison: &Comparison) -> Vec<(String, Vec<String>)> {
    let unit = &comparison.round_unit;
    let cells = |f: &dyn Fn(&PlanSummary) -> String| -> Vec<String> {
        comparison
            .columns
            .iter()
            .map(|c| match &c.result {
                ColumnResult::Plan(p) => f(p),
                ColumnResult::NoPlan { .. } => "-".to_owned(),
            })
            .collect()
    };
    let mut rows = vec![
        (
            "status".to_owned(),
            comparison
                .columns
                .iter()
                .map(|c| match &c.result {
                    ColumnResult::Plan(p) => p.status.as_str().to_owned(),
                    ColumnResult::NoPlan { status, reason } => {
                        format!("{}: {reason}", status.as_str())
                    }
                })
                .collect(),
        ),
        (
            format!("all met by ({unit})"),
            cells(&|p| p.met_round.map_or("never".to_owned(), |r| r.to_string())),
        ),
        ("cost".to_owned(), cells(&|p| fmt_num(p.cost))),
        ("moves".to_owned(), cells(&|p| p.move_count.to_string())),
        (
            "missing (vs first)".to_owned(),
            cells(&|p| {
                if p.missing.is_empty() {
                    "-".to_owned()
                } else {
                    p.missing.join(", ")
                }
            }),
        ),
    ];
    for (i, id) in comparison.red_lines.iter().enumerate() {
        rows.push((
            format!("margin to {id}"),
            cells(&|p| p.red_lines[i].map_or("-".to_owned(), fmt_num)),
        ));
    }
    for (i, id) in comparison.meters.iter().enumerate() {
        rows.push((
            format!("{id} at the end"),
            cells(&|p| p.final_meters[i].map_or("-".to_owned(), crate::numbers::fmt_meter)),
        ));
    }
    rows
}

fn round_cell(
    result: &ColumnResult,
    round: u32,
    separator: &str,
    label: impl Fn(&CellMove) -> String,
) -> String {
    match result {
        ColumnResult::Plan(p) => p
            .rounds
            .get((round - 1) as usize)
            .map(|moves| moves.iter().map(&label).collect::<Vec<_>>().join(separator))
            .unwrap_or_default(),
        ColumnResult::NoPlan { .. } if round == 1 => "no plan".to_owned(),
        ColumnResult::NoPlan { .. } => String::new(),
    }
}

/// The comparison as text: what each column is, then the table.
pub fn text(comparison: &Comparison) -> String {
    let unit = &comparison.round_unit;
    let n = comparison.columns.len();
    let mut out = format!("{n} plan{} side by side\n", if n == 1 { "" } else { "s" });
    for c in &comparison.columns {
        let scenario = c.scenario.as_deref().unwrap_or("base");
        out.push_str(&format!(
            "  {}: {} · scenario {scenario} · objective {} · {}\n",
            c.label,
            c.model,
            c.objective.join(","),
            super::words::rounds(c.horizon, unit)
        ));
    }
    out.push('\n');
    out.push_str(&table(comparison));
    out
}

/// The comparison table with its legend, ending with a newline.
pub fn table(comparison: &Comparison) -> String {
    let unit = &comparison.round_unit;
    let mut table = Table::new();
    let mut header = vec![super::capitalise(unit)];
    header.extend(comparison.columns.iter().map(|c| c.label.clone()));
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header);
    for round in 1..=comparison.last_move_round {
        let mut row = vec![Cell::new(round)];
        row.extend(
            comparison
                .columns
                .iter()
                .map(|c| Cell::new(round_cell(&c.result, round, "\n", |m| move_label(m, unit)))),
        );
        table.add_row(row);
    }
    for (label, cells) in summary_rows(comparison) {
        let mut row = vec![Cell::new(label)];
        row.extend(cells.into_iter().map(Cell::new));
        table.add_row(row);
    }
    let mut out = table.to_string();
    if comparison.last_move_round < comparison.rounds {
        out.push_str(&format!(
            "\n(Rows stop at {unit} {}: no plan starts a move after it; the horizon is {unit} {}.)",
            comparison.last_move_round, comparison.rounds
        ));
    }
    if any_marked(comparison) {
        out.push_str(&format!("\n* the first plan starts this move in another {unit}; + the first plan does not take it"));
    }
    out.push('\n');
    out
}

/// Whether any move differs from the first plan (else no legend is needed).
fn any_marked(comparison: &Comparison) -> bool {
    comparison.columns.iter().any(|c| match &c.result {
        ColumnResult::Plan(p) => p.rounds.iter().flatten().any(|m| m.mark != Mark::Same),
        ColumnResult::NoPlan { .. } => false,
    })
}

/// The comparison as a Markdown table, ending with a newline.
pub fn markdown(comparison: &Comparison) -> String {
    let unit = &escape_cell(&comparison.round_unit);
    let mut out = format!("| {} |", super::capitalise(unit));
    for c in &comparison.columns {
        out.push_str(&format!(" {} |", escape_cell(&c.label)));
    }
    out.push_str("\n|---:|");
    out.push_str(&"---|".repeat(comparison.columns.len()));
    out.push('\n');
    let md_move = |m: &CellMove| match m.mark {
        Mark::Same => format!("`{}`", m.action),
        Mark::Moved { reference_round } => {
            format!("`{}` *(first: {unit} {reference_round})*", m.action)
        }
        Mark::Added => format!("`{}` *(not in first)*", m.action),
    };
    for round in 1..=comparison.last_move_round {
        out.push_str(&format!("| {round} |"));
        for c in &comparison.columns {
            out.push_str(&format!(
                " {} |",
                round_cell(&c.result, round, "<br>", md_move)
            ));
        }
        out.push('\n');
    }
    for (label, cells) in summary_rows(comparison) {
        out.push_str(&format!("| **{}** |", escape_cell(&label)));
        for cell in cells {
            out.push_str(&format!(" {} |", escape_cell(&cell)));
        }
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct ComparisonJson<'a> {
    seqplan: u32,
    rounds: u32,
    round: &'a str,
    columns: Vec<Map<String, Value>>,
}

/// The title of a plan and its alternatives, saying whether the first is
/// proven optimal.
pub fn alternatives_heading(instance: &Instance, first: &PlanReport) -> String {
    let first = if first.status == Status::Optimal {
        "optimal plan"
    } else {
        "best plan found within the limit (not proven optimal)"
    };
    format!("{}: {first} and alternatives", instance.model.name)
}

/// The line after fewer alternatives than asked: whether the search proved
/// there are no more (`exhausted`), and by which rule they were alike.
pub fn fewer_alternatives(plans: &[PlanReport], within: bool, exhausted: bool) -> String {
    let proven = plans.first().is_some_and(|p| p.status == Status::Optimal);
    let what = match (within, proven) {
        (true, _) => "within the given margin",
        (false, true) => "with the same optimum",
        (false, false) => "with the same objective values",
    };
    let s = if plans.len() == 1 { "" } else { "s" };
    if exhausted {
        format!("Only {} distinct plan{s} {what}.\n", plans.len())
    } else {
        format!(
            "{} distinct plan{s} {what} found before the time allowed ran out; there may be more.\n",
            plans.len()
        )
    }
}

/// The comparison as JSON, ending with a newline.
pub fn json(comparison: &Comparison) -> String {
    to_json(&json_data(comparison))
}

/// The comparison as JSON data, for reports that add to it (a robust plan).
pub fn json_value(comparison: &Comparison) -> Value {
    serde_json::to_value(json_data(comparison)).unwrap_or(Value::Null)
}

fn json_data(comparison: &Comparison) -> ComparisonJson<'_> {
    let columns = comparison
        .columns
        .iter()
        .map(|c| {
            let mut out = Map::new();
            out.insert("label".into(), c.label.clone().into());
            out.insert("model".into(), c.model.clone().into());
            out.insert("scenario".into(), c.scenario.clone().into());
            out.insert("objective".into(), c.objective.clone().into());
            out.insert("horizon".into(), c.horizon.into());
            match &c.result {
                ColumnResult::NoPlan { status, reason } => {
                    out.insert("status".into(), status.as_str().into());
                    out.insert("reason".into(), reason.clone().into());
                }
                ColumnResult::Plan(p) => {
                    out.insert("status".into(), p.status.as_str().into());
                    let objectives: Vec<Value> = p
                        .objectives
                        .iter()
                        .map(|o| serde_json::json!({"name": o.name, "value": num(o.value)}))
                        .collect();
                    out.insert("objectives".into(), objectives.into());
                    out.insert("met_round".into(), p.met_round.into());
                    out.insert("cost".into(), num(p.cost));
                    let moves: Vec<Value> = p
                        .rounds
                        .iter()
                        .enumerate()
                        .flat_map(|(i, cell)| cell.iter().map(move |m| (i as u32 + 1, m)))
                        .map(|(round, m)| {
                            let mut entry = serde_json::json!({"action": m.action, "round": round, "party": m.party});
                            let (mark, reference) = match m.mark {
                                Mark::Same => ("same", None),
                                Mark::Moved { reference_round } => ("moved", Some(reference_round)),
                                Mark::Added => ("added", None),
                            };
                            entry["difference"] = mark.into();
                            if let Some(r) = reference {
                                entry["first_round"] = r.into();
                            }
                            entry
                        })
                        .collect();
                    out.insert("moves".into(), moves.into());
                    out.insert("missing".into(), p.missing.clone().into());
                    let lines: Map<String, Value> = comparison
                        .red_lines
                        .iter()
                        .zip(&p.red_lines)
                        .map(|(id, margin)| (id.clone(), margin.map_or(Value::Null, num)))
                        .collect();
                    out.insert("red_line_margins".into(), lines.into());
                    let meters: Map<String, Value> = comparison
                        .meters
                        .iter()
                        .zip(&p.final_meters)
                        .map(|(id, value)| (id.clone(), value.map_or(Value::Null, num)))
                        .collect();
                    out.insert("final_meters".into(), meters.into());
                }
            }
            out
        })
        .collect();
    ComparisonJson {
        seqplan: 1,
        rounds: comparison.rounds,
        round: &comparison.round_unit,
        columns,
    }
}
