//! Every output format. Renderers turn plain data into a `String`; they
//! compute nothing and never call the solver.

pub mod chance;
pub mod check;
pub mod compare;
pub mod diagnose;
pub mod doc;
pub mod explain;
pub mod html;
pub mod json;
pub mod markdown;
pub mod robust;
pub mod svg;
pub mod text;
pub mod words;

use crate::check::CheckReport;
use crate::diagnose::Diagnosis;
use crate::explain::Explanation;
use crate::model::Instance;
use crate::report::{PlanReport, RobustReport, Status};
use crate::solve::Outcome;

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

/// When an unproven plan was found: within the limit, or before the
/// backend failed numerically (where more time would not help).
pub fn found_when(solver_failed: bool) -> &'static str {
    if solver_failed {
        "before the solver failed numerically"
    } else {
        "within the limit"
    }
}

/// ` (the best found within the limit, not proven optimal: gap N%)`
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

/// `text` (an id, a flag, a field path) marked as code in seqplan's own
/// sentences: backticks in text, JSON and pictures, a code span in
/// Markdown. Renderers mark code this way rather than with backticks so that
/// the Markdown printers know which backticks are theirs: a name may hold
/// backticks too, and those must stay text.
pub fn code(text: &str) -> String {
    format!(
        "{}{text}{}",
        crate::escape::CODE_OPEN,
        crate::escape::CODE_CLOSE
    )
}

/// A sentence with its code marks as backticks, for stderr.
pub fn plain(text: &str) -> String {
    crate::escape::code_as_backticks(text).into_owned()
}

/// A rendered document made safe to show: code marks become backticks
/// (in Markdown, which has turned its own into code spans, any left are
/// escaped), and any character that could drive a terminal or break the
/// document is escaped (see [`crate::escape`]). Applying it twice changes
/// nothing.
pub fn finish(text: &str, format: Format) -> String {
    let text = match format {
        Format::Markdown => std::borrow::Cow::Owned(
            text.replace([crate::escape::CODE_OPEN, crate::escape::CODE_CLOSE], "\\`"),
        ),
        _ => crate::escape::code_as_backticks(text),
    };
    match format {
        Format::Json => crate::escape::json(&text).into_owned(),
        _ => crate::escape::document(&text).into_owned(),
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

/// Plans side by side (compare, alternatives) in the given format, under
/// `heading` (the picture's and the page's title).
pub fn comparison(
    heading: &str,
    entries: &[crate::compare::Entry],
    comparison: &crate::compare::Comparison,
    format: Format,
) -> String {
    let text = match format {
        Format::Text => compare::text(comparison),
        Format::Json => compare::json(comparison),
        Format::Markdown => compare::markdown(comparison),
        Format::Svg => svg::comparison(heading, entries),
        Format::Html => html::page(
            heading,
            &[svg::comparison(heading, entries)],
            &compare::markdown(comparison),
        ),
    };
    finish(&text, format)
}

/// What was asked of the search for alternatives, for the line that says
/// why fewer plans are shown.
#[derive(Debug, Clone, Copy)]
pub struct AlternativesAsked {
    /// How many plans were asked for.
    pub count: usize,
    /// Whether alternatives within a margin (`--within`) were asked for.
    pub within: bool,
    /// Whether the search proved that no further plan qualifies.
    pub exhausted: bool,
}

/// The best plan and its alternatives side by side (`entries` and their
/// `table`, as [`crate::compare`] lays them out); in text, a closing line
/// when fewer plans than asked were found.
pub fn alternatives(
    instance: &Instance,
    plans: &[PlanReport],
    entries: &[crate::compare::Entry],
    table: &crate::compare::Comparison,
    asked: AlternativesAsked,
    format: Format,
) -> String {
    let heading = plans.first().map_or_else(String::new, |first| {
        compare::alternatives_heading(instance, first)
    });
    let mut text = comparison(&heading, entries, table, format);
    if plans.len() < asked.count && format == Format::Text {
        text.push_str(&finish(
            &compare::fewer_alternatives(plans, asked.within, asked.exhausted),
            format,
        ));
    }
    text
}

/// One plan for several scenarios (named by `labels`), shown as the
/// comparison of its scenarios (`entries` and their `table`) with the ones
/// that bind.
pub fn robust(
    entries: &[crate::compare::Entry],
    table: &crate::compare::Comparison,
    report: &RobustReport,
    labels: &[String],
    format: Format,
) -> String {
    let name = entries
        .first()
        .map_or("", |e| e.instance.model.name.as_str());
    let heading = format!("{name}: one plan for every scenario");
    let text = match format {
        Format::Text => robust::text(table, report, labels),
        Format::Json => robust::json(table, report, labels),
        Format::Markdown => robust::markdown(table, report, labels),
        Format::Svg => svg::comparison(&heading, entries),
        Format::Html => html::page(
            &heading,
            &[svg::comparison(&heading, entries)],
            &robust::markdown(table, report, labels),
        ),
    };
    finish(&text, format)
}

/// Why each move of a plan comes when it does.
pub fn explanation(
    instance: &Instance,
    report: &PlanReport,
    explanation: &Explanation,
    format: Format,
) -> String {
    let text = match format {
        Format::Text => explain::text(instance, report, explanation),
        Format::Json => explain::json(instance, report, explanation),
        Format::Markdown => explain::markdown(instance, report, explanation),
        Format::Svg => svg::plan(instance, report),
        Format::Html => html::page(
            &instance.model.name,
            &[svg::plan(instance, report)],
            &format!(
                "{}\n{}",
                markdown::plan(instance, report),
                explain::markdown(instance, report, explanation)
            ),
        ),
    };
    finish(&text, format)
}

/// A proposed plan checked against the model and compared with the optimum;
/// `plan_file` names the proposal.
pub fn check(instance: &Instance, report: &CheckReport, plan_file: &str, format: Format) -> String {
    let picture = || {
        svg::proposal(
            instance,
            (&report.moves, &report.evaluation),
            report.odds.as_ref(),
            &format!("the proposed plan ({plan_file})"),
        )
    };
    let text = match format {
        Format::Text => check::text(instance, report, plan_file),
        Format::Json => check::json(instance, report, plan_file),
        Format::Markdown => check::markdown(instance, report, plan_file),
        Format::Svg => picture(),
        Format::Html => html::page(
            &instance.model.name,
            &[picture()],
            &check::markdown(instance, report, plan_file),
        ),
    };
    finish(&text, format)
}

/// Why no plan exists and what it would take, or what binds the optimum.
pub fn diagnosis(instance: &Instance, diagnosis: &Diagnosis, format: Format) -> String {
    let text = match format {
        Format::Text => diagnose::text(instance, diagnosis),
        Format::Json => diagnose::json(instance, diagnosis),
        Format::Markdown => diagnose::markdown(instance, diagnosis),
        Format::Svg => diagnosis_picture(instance, diagnosis)
            .unwrap_or_else(|| svg::no_plan(instance, "no plan to draw")),
        Format::Html => html::page(
            &instance.model.name,
            diagnosis_picture(instance, diagnosis).as_slice(),
            &diagnose::markdown(instance, diagnosis),
        ),
    };
    finish(&text, format)
}

/// The plan a diagnosis is about: the optimum when there is one, else the
/// plan under the smallest change.
fn diagnosis_picture(instance: &Instance, diagnosis: &Diagnosis) -> Option<String> {
    match diagnosis {
        Diagnosis::Feasible { report, .. } => Some(svg::plan(instance, report)),
        Diagnosis::Infeasible(found) => {
            let (relaxation, report) = found.relaxed_plan.as_ref()?;
            let input = crate::diagnose::relaxed(instance, relaxation);
            let relaxed = input.instance().ok()?;
            let caption = match report.status {
                Status::Optimal => "the plan under the smallest change",
                _ => "the plan under the smallest change (not proven optimal)",
            };
            Some(svg::proposal(
                &relaxed,
                (&report.moves, &report.evaluation),
                None,
                caption,
            ))
        }
        Diagnosis::Unknown => None,
    }
}

/// What stdout gets when no plan was found (`message` says why on stderr):
/// the diagnosis in the format asked for when there is one, else the message
/// in a form the format's readers expect; `None` for text, where the message
/// alone is the answer.
pub fn no_plan(
    instance: &Instance,
    status: Status,
    message: &str,
    diagnosis: Option<&Diagnosis>,
    format: Format,
) -> Option<String> {
    let text = match (format, diagnosis) {
        (Format::Json, _) => {
            let mut value = json::no_plan(instance, status, message);
            if let Some(diagnosis) = diagnosis {
                value.insert(
                    "diagnosis".into(),
                    diagnose::json_value(instance, diagnosis).into(),
                );
            }
            json::to_json(&value)
        }
        (Format::Svg, _) => svg::no_plan(instance, message),
        (_, Some(diagnosis)) => return Some(self::diagnosis(instance, diagnosis, format)),
        (Format::Text, None) => return None,
        (Format::Markdown, None) => {
            format!("**{}**\n", crate::escape::markdown_keeping_code(message))
        }
        (Format::Html, None) => html::page(
            &instance.model.name,
            &[],
            &format!("**{}**\n", crate::escape::markdown_keeping_code(message)),
        ),
    };
    Some(finish(&text, format))
}

/// A valid model as JSON (`validate --format json`): its name, how many
/// of each element it has, and its warnings with their field paths.
pub fn validation_json(model: &crate::model::Model, warnings: &[crate::model::Warning]) -> String {
    let value = serde_json::json!({
        "seqplan": 1,
        "model": model.name,
        "valid": true,
        "parties": model.parties.len(),
        "meters": model.meters.len(),
        "actions": model.actions.len(),
        "expectations": model.expectations.len(),
        "red_lines": model.red_lines.len(),
        "scenarios": model.scenarios.len(),
        "warnings": warnings
            .iter()
            .map(|w| serde_json::json!({"path": w.path, "message": w.message}))
            .collect::<Vec<_>>(),
    });
    finish(&json::to_json(&value), Format::Json)
}

/// Why no plan was found, in a sentence for stderr, and the status it means.
pub fn no_plan_message(instance: &Instance, outcome: &Outcome) -> (Status, String) {
    let where_ = match instance.scenario_id() {
        Some(s) => format!("scenario {}", code(s)),
        None => "the base scenario".to_owned(),
    };
    match outcome {
        Outcome::Unknown | Outcome::Plan(_) => (
            Status::Unknown,
            format!("no plan found: the time or effort limit ran out before any plan was found in {where_} (try a longer --time-limit or a larger --effort)"),
        ),
        Outcome::Infeasible => {
            let unit = &instance.model.round_unit;
            let within = match &instance.model.past {
                Some(past) => format!(
                    "from {unit} {} to {unit} {}, after the moves made,",
                    past.now, instance.horizon
                ),
                None => format!("within {} {unit}s", instance.horizon),
            };
            (
                Status::Infeasible,
                format!(
                    "no plan exists in {where_}: no sequence of moves {within} meets every expectation by its deadline without crossing a red line or a limit"
                ),
            )
        }
    }
}

/// Why a column of a comparison has no plan, in a few words.
pub fn short_reason(instance: &Instance, outcome: &Outcome) -> (Status, String) {
    match outcome {
        Outcome::Unknown => (
            Status::Unknown,
            "the time or effort limit ran out first".to_owned(),
        ),
        _ => (
            Status::Infeasible,
            format!(
                "no plan meets every expectation within {} {}s",
                instance.horizon, instance.model.round_unit
            ),
        ),
    }
}
