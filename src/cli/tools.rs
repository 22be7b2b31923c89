//! The commands around models: validate, generate and schema.

use super::args::{ExportArgs, GenerateArgs, SchemaArgs, ServeArgs, ValidateArgs, ValidateFormat};
use super::input::{emit, guard_output, in_file, prepare};
use super::Session;
use crate::error::{Error, Usage};
use crate::model::load_model;
use crate::model::Instance;
use crate::render::{self, Format};

pub(super) fn validate(args: &ValidateArgs) -> Result<u8, Error> {
    guard_output(args.output.as_deref(), &[&args.model])?;
    let validated = load_model(&args.model)?;
    let warnings = crate::warnings::all(&validated);
    if args.format == ValidateFormat::Json {
        let text = render::validation_json(&validated.model, &warnings);
        emit(&text, Format::Json, args.output.as_deref())?;
        return Ok(0);
    }
    let mut out = String::new();
    for w in &warnings {
        out.push_str(&format!("warning: {}: {w}\n", args.model.display()));
    }
    let model = &validated.model;
    out.push_str(&format!(
        "{}: valid ({}, {}, {}, {}, {}, {}; {})\n",
        args.model.display(),
        count(model.parties.len(), "party", "parties"),
        count(model.meters.len(), "meter", "meters"),
        count(model.actions.len(), "action", "actions"),
        count(model.expectations.len(), "expectation", "expectations"),
        count(model.red_lines.len(), "red line", "red lines"),
        count(model.scenarios.len(), "scenario", "scenarios"),
        count(warnings.len(), "warning", "warnings"),
    ));
    emit(&out, Format::Text, args.output.as_deref())?;
    Ok(0)
}

pub(super) fn generate(args: &GenerateArgs) -> Result<u8, Error> {
    let limit = |what: &'static str, value: u64, max: u64| {
        if value > max {
            Err(Usage::AtMost {
                flag: what,
                value,
                max,
            })
        } else {
            Ok(())
        }
    };
    limit("actions", args.actions as u64, 10_000)?;
    limit(
        "horizon",
        u64::from(args.horizon),
        u64::from(crate::model::validate::MAX_ROUNDS),
    )?;
    limit("meters", args.meters as u64, 100)?;
    limit("parties", args.parties as u64, 100)?;
    let size = crate::generate::Size {
        actions: args.actions,
        horizon: args.horizon,
        meters: args.meters,
        parties: args.parties,
    };
    let model = crate::generate::generate(args.family, size, args.seed)?;
    emit(
        &render::json::to_json(&model),
        Format::Json,
        args.output.as_deref(),
    )?;
    Ok(0)
}

pub(super) fn schema(args: &SchemaArgs) -> Result<u8, Error> {
    let schema = seqplan_schema_text();
    emit(&schema, Format::Json, args.output.as_deref())?;
    Ok(0)
}

/// The model format's JSON Schema, pretty-printed with a final newline.
fn seqplan_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&crate::model::model_schema())
        .unwrap_or_else(|e| unreachable!("a schema is plain JSON: {e}"));
    text.push('\n');
    text
}

/// "1 party", "3 parties".
fn count(n: usize, one: &str, many: &str) -> String {
    render::words::count(n as u64, one, many)
}

/// `seqplan export`: the program the backend is given first, as a file.
pub(super) fn export(args: &ExportArgs, session: Session) -> Result<u8, Error> {
    guard_output(args.output.as_deref(), &[&args.solve.model])?;
    let (model, overrides, options) = prepare(&args.solve, args.scenario.as_ref(), session)?;
    let instance = Instance::new(&model, &overrides).map_err(|e| in_file(&args.solve.model, e))?;
    let exported = crate::solve::first_stage(&instance, &options.tuning);
    let title = match instance.scenario_id() {
        Some(s) => format!("{} (scenario {s})", model.name),
        None => model.name.clone(),
    };
    let text = crate::export::write(&exported, &title, args.format);
    emit(&text, Format::Text, args.output.as_deref())?;
    Ok(0)
}

pub(super) fn serve(args: &ServeArgs, session: Session) -> Result<u8, Error> {
    if !(args.max_time.is_finite() && args.max_time > 0.0) {
        return Err(Usage::TimeLimit {
            seconds: args.max_time,
            max: super::args::MAX_TIME_LIMIT_SECONDS,
        }
        .into());
    }
    crate::serve::serve(crate::serve::ServeOptions {
        models: args.models.clone(),
        host: args.host,
        port: args.port,
        max_time: args.max_time.min(super::args::MAX_TIME_LIMIT_SECONDS),
        max_body: args.max_body,
        workers: args.workers,
        max_size: session.max_size,
    })
}
