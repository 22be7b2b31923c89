//! Every output format. Renderers turn plain data into a `String`; they
//! compute nothing and never call the solver.

pub mod check;
pub mod compare;
pub mod diagnose;
pub mod explain;
pub mod json;
pub mod robust;
pub mod text;
pub mod words;

use crate::model::Instance;
use crate::plan::PlanReport;

/// An output format for plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for people.
    Text,
    /// "Plans as data" (DESIGN.md), for tools.
    Json,
}

/// An output format for reports that have a Markdown form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Text for people.
    Text,
    /// Data for tools.
    Json,
    /// GitHub-flavoured Markdown, for course notes.
    Markdown,
}

/// "month" -> "Month".
pub fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Renders a plan in the given format.
pub fn plan(instance: &Instance, report: &PlanReport, format: Format) -> String {
    match format {
        Format::Text => text::plan(instance, report),
        Format::Json => json::plan(instance, report),
    }
}
