//! Every output format. Renderers turn plain data into a `String`; they
//! compute nothing and never call the solver.

pub mod check;
pub mod compare;
pub mod diagnose;
pub mod explain;
pub mod html;
pub mod json;
pub mod markdown;
pub mod robust;
pub mod svg;
pub mod text;
pub mod words;

use crate::model::Instance;
use crate::report::{PlanReport, Status};

/// An output format for plans and comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for people.
    Text,
    /// Data for tools (see "Plans as data" in docs/format.md).
    Json,
    /// GitHub-flavoured Markdown, a handout for course notes.
    Markdown,
    /// One self-contained web page: tables and pictures.
    Html,
    /// A picture: a lane per party, then each meter's trajectory.
    Svg,
}

/// An output format for reports about a plan (check, explain, diagnose).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Text for people.
    Text,
    /// Data for tools.
    Json,
    /// GitHub-flavoured Markdown, a handout for course notes.
    Markdown,
    /// One self-contained web page: tables and pictures.
    Html,
}

impl From<ReportFormat> for Format {
    fn from(format: ReportFormat) -> Self {
        match format {
            ReportFormat::Text => Format::Text,
            ReportFormat::Json => Format::Json,
            ReportFormat::Markdown => Format::Markdown,
            ReportFormat::Html => Format::Html,
        }
    }
}

/// When an unproven plan was found: in the time allowed, or before the
/// backend failed numerically (where more time would not help).
pub fn found_when(solver_failed: bool) -> &'static str {
    if solver_failed {
        "before the solver failed numerically"
    } else {
        "in the time allowed"
    }
}

/// ` (the best found in the time allowed, not proven optimal: gap N%)`
/// for a plan the solver did not prove optimal; empty for an optimal one.
pub fn unproven_note(status: Status, gap: Option<f64>, solver_failed: bool) -> String {
    let note = format!(
        " (the best found {}, not proven optimal",
        found_when(solver_failed)
    );
    match (status, gap) {
        (Status::Optimal, _) => String::new(),
        (_, Some(gap)) if gap * 100.0 >= 0.01 => {
            format!("{note}: gap {}%)", crate::numbers::fmt_num(gap * 100.0))
        }
        (_, Some(_)) => format!("{note}: gap under 0.01%)"),
        (_, None) => format!("{note})"),
    }
}

/// "month" -> "Month".
pub fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A rendered document made safe to show: any character that could drive
/// a terminal or break the document is escaped (see [`crate::escape`]).
/// Applying it twice changes nothing.
pub fn finish(text: &str, format: Format) -> String {
    match format {
        Format::Json => crate::escape::json(text).into_owned(),
        _ => crate::escape::document(text).into_owned(),
    }
}

/// Renders a plan in the given format.
pub fn plan(instance: &Instance, report: &PlanReport, format: Format) -> String {
    let text = match format {
        Format::Text => text::plan(instance, report),
        Format::Json => json::plan(instance, report),
        Format::Markdown => markdown::plan(instance, report),
        Format::Svg => svg::plan(instance, report),
        Format::Html => html::page(
            &instance.model.name,
            &[svg::plan(instance, report)],
            &markdown::plan(instance, report),
        ),
    };
    finish(&text, format)
}
