//! Plans as Markdown handouts (GitHub-flavoured tables) for course notes.

use super::explain::escape_cell;
use super::text::{expectation_rows, red_line_rows, EXPECTATION_HEADERS, RED_LINE_HEADERS};
use crate::model::Instance;
use crate::numbers::fmt_meter;
use crate::report::PlanReport;

/// Markdown with runs of blank lines collapsed to one, ending with one
/// newline.
pub fn tidy(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut blank = 0;
    for line in markdown.lines() {
        blank = if line.trim().is_empty() { blank + 1 } else { 0 };
        if blank <= 1 {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// A GitHub-flavoured table; `right` marks right-aligned columns.
pub fn table<S: AsRef<str>>(headers: &[&str], right: &[bool], rows: &[Vec<S>]) -> String {
    let mut out = String::from("|");
    for h in headers {
        out.push_str(&format!(" {} |", escape_cell(h)));
    }
    out.push_str("\n|");
    for i in 0..headers.len() {
        out.push_str(if right.get(i).copied().unwrap_or(false) {
            "---:|"
        } else {
            "---|"
        });
    }
    out.push('\n');
    for row in rows {
        out.push('|');
        for cell in row {
            out.push_str(&format!(" {} |", cell.as_ref()));
        }
        out.push('\n');
    }
    out
}

/// A plan as a Markdown handout, ending with a newline: the header, one
/// row per round (moves and meters), the expectations and the red lines.
pub fn plan(instance: &Instance, report: &PlanReport) -> String {
    let model = instance.model;
    let mut lines = super::text::header(instance, report)
        .lines()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let title = if lines.is_empty() {
        String::new()
    } else {
        lines.remove(0)
    };
    let mut out = format!("### {}\n\n", escape_cell(&title));
    for line in lines {
        out.push_str(&format!(
            "{}  \n",
            crate::escape::markdown_keeping_code(&line)
        ));
    }
    out.push('\n');

    let unit = super::capitalise(&model.round_unit);
    let mut headers = vec![unit.as_str(), "Moves started (party)"];
    headers.extend(model.meters.iter().map(|m| m.id.as_str()));
    let mut right = vec![true, false];
    right.extend(model.meters.iter().map(|_| true));
    let meters = &report.evaluation.meters;
    let mut rows = Vec::new();
    let (first, label) = super::text::first_row(model);
    let mut start = vec![label.to_owned(), String::new()];
    start.extend(meters.iter().map(|m| fmt_meter(m[first as usize])));
    rows.push(start);
    for t in first + 1..=instance.horizon {
        let moves: Vec<String> = super::text::started_in(model, &report.moves, t)
            .map(|(action, party)| format!("`{action}` ({})", escape_cell(party)))
            .collect();
        let mut row = vec![t.to_string(), moves.join("<br>")];
        row.extend(meters.iter().map(|m| fmt_meter(m[t as usize])));
        rows.push(row);
    }
    out.push_str(&table(&headers, &right, &rows));

    out.push_str("\n**Expectations**\n\n");
    let rows: Vec<Vec<String>> = expectation_rows(instance, report)
        .into_iter()
        .map(|r| {
            r.iter()
                .map(|c| crate::escape::markdown_keeping_code(c))
                .collect()
        })
        .collect();
    out.push_str(&table(
        &EXPECTATION_HEADERS,
        &[false, false, true, true],
        &rows,
    ));
    if !model.red_lines.is_empty() {
        out.push_str("\n**Red lines**\n\n");
        let rows: Vec<Vec<String>> = red_line_rows(instance, report)
            .into_iter()
            .map(|r| {
                r.iter()
                    .map(|c| crate::escape::markdown_keeping_code(c))
                    .collect()
            })
            .collect();
        out.push_str(&table(
            &RED_LINE_HEADERS,
            &[false, false, false, true],
            &rows,
        ));
    }
    if let Some(odds) = &report.odds {
        out.push('\n');
        out.push_str(&super::chance::blocks(instance, odds).markdown());
    }
    if let Some(reliability) = &report.reliability {
        out.push('\n');
        out.push_str(&super::chance::reliability_blocks(instance, reliability).markdown());
    }
    out
}
