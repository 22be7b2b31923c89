//! Free text shown safely: control characters in names, ids and cites are
//! escaped before any renderer sees them, each with a warning.

use crate::model::raw::RawModel;
use crate::model::Warning;

/// Escapes the control characters (and, in one-line strings, tabs and line
/// breaks) of every free-text field, so that no output of the model can
/// carry them raw, and warns about each field that had any.
pub(super) fn shown_safely(raw: &mut RawModel) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut fix = |path: String, text: &mut Option<String>, one_line: bool| {
        let Some(value) = text.as_mut() else { return };
        let found = if one_line {
            crate::escape::first_unsafe_in_line(value)
        } else {
            value.chars().find(|&c| crate::escape::is_unsafe(c))
        };
        if let Some(c) = found {
            warnings.push(Warning::new(
                path,
                format!(
                    "contains the control character U+{:04X}; seqplan shows such characters escaped (as {})",
                    u32::from(c),
                    crate::escape::line(&c.to_string())
                ),
            ));
            *value = if one_line {
                crate::escape::line(value).into_owned()
            } else {
                crate::escape::document(value).into_owned()
            };
        }
    };
    let mut name = Some(std::mem::take(&mut raw.name));
    fix("name".into(), &mut name, true);
    raw.name = name.unwrap_or_default();
    fix("summary".into(), &mut raw.summary, false);
    fix("source".into(), &mut raw.source, true);
    fix("round".into(), &mut raw.round, true);
    for (i, x) in raw.parties.iter_mut().enumerate() {
        fix(format!("parties[{i}].name"), &mut x.name, true);
        fix(format!("parties[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.meters.iter_mut().enumerate() {
        fix(format!("meters[{i}].name"), &mut x.name, true);
        fix(format!("meters[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.actions.iter_mut().enumerate() {
        fix(format!("actions[{i}].name"), &mut x.name, true);
        fix(format!("actions[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.events.iter_mut().enumerate() {
        fix(format!("events[{i}].name"), &mut x.name, true);
        fix(format!("events[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.expectations.iter_mut().enumerate() {
        fix(format!("expectations[{i}].name"), &mut x.name, true);
        fix(format!("expectations[{i}].cite"), &mut x.cite, true);
    }
    for (i, x) in raw.red_lines.iter_mut().enumerate() {
        fix(format!("red_lines[{i}].name"), &mut x.name, true);
        fix(format!("red_lines[{i}].cite"), &mut x.cite, true);
    }
    for (i, s) in raw.scenarios.iter_mut().enumerate() {
        fix(format!("scenarios[{i}].name"), &mut s.name, true);
        fix(format!("scenarios[{i}].cite"), &mut s.cite, true);
        for (j, x) in s.events.iter_mut().enumerate() {
            fix(
                format!("scenarios[{i}].events[{j}].name"),
                &mut x.name,
                true,
            );
            fix(
                format!("scenarios[{i}].events[{j}].cite"),
                &mut x.cite,
                true,
            );
        }
    }
    warnings
}
