//! Reading a model file: JSON syntax and type errors located by file, line,
//! column and field path, with the offending text shown.

use std::path::Path;

use super::raw::RawModel;
use super::validate::{validate, Validated};
use crate::error::{did_you_mean, Error};

/// Reads, parses and validates the model at `path`.
pub fn load_model(path: &Path) -> Result<Validated, Error> {
    let label = path.display().to_string();
    let text = read_text(path)?;
    let raw = parse_model(&text, &label)?;
    validate(&raw, &label)
}

/// The largest file seqplan reads (64 MiB): a model or plan this large is
/// almost certainly not one, and reading it would only exhaust memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a whole file as UTF-8 text, with an error naming the file. The
/// size limit holds for every kind of file: a regular file is measured
/// first, and from a pipe, a FIFO or a device (`/dev/zero`) at most one
/// byte more than the limit is read before it is refused.
pub fn read_text(path: &Path) -> Result<String, Error> {
    use std::io::Read;
    let error = |reason: String| Error::Read {
        path: path.display().to_string(),
        reason,
    };
    let limit = MAX_FILE_BYTES / (1024 * 1024);
    let too_large = |size: String| {
        error(format!(
            "{size}, above the limit of {limit} MiB for a model or a plan"
        ))
    };
    let metadata = std::fs::metadata(path).map_err(|e| error(e.to_string()))?;
    if metadata.is_dir() {
        return Err(error("it is a folder, not a file".to_owned()));
    }
    if metadata.is_file() && metadata.len() > MAX_FILE_BYTES {
        return Err(too_large(format!(
            "the file is {} MiB",
            metadata.len() / (1024 * 1024)
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| error(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| error(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(format!("it gave more than {limit} MiB")));
    }
    // A byte-order mark, as some Windows editors write, is not content.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| Error::Read {
        path: path.display().to_string(),
        reason: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Parses model JSON; `file` names the source in error messages.
pub fn parse_model(text: &str, file: &str) -> Result<RawModel, Error> {
    // serde would read a struct from an array too; a model is an object.
    let body = text.trim_start();
    if body.is_empty() {
        return Err(Error::Parse {
            file: file.to_owned(),
            line: 1,
            column: 1,
            message: "the file is empty: a model is a JSON object ({\"seqplan\": 1, ...})"
                .to_owned(),
            snippet: None,
        });
    }
    if !body.is_empty()
        && !body.starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    {
        let offset = text.len() - body.len();
        let line = text[..offset].matches('\n').count() + 1;
        let column = offset - text[..offset].rfind('\n').map_or(0, |n| n + 1) + 1;
        return Err(Error::Parse {
            file: file.to_owned(),
            line,
            column,
            message: "a model is a JSON object ({\"seqplan\": 1, ...})".to_owned(),
            snippet: snippet(text, line, column),
        });
    }
    parse_json(text, file)
}

/// Parses any JSON document into `T`, reporting errors with the field path.
pub fn parse_json<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| parse_error(text, file, &e.path().to_string(), &e.into_inner()))?;
    deserializer
        .end()
        .map_err(|e| parse_error(text, file, ".", &e))?;
    Ok(value)
}

fn parse_error(text: &str, file: &str, path: &str, error: &serde_json::Error) -> Error {
    let (line, column) = (error.line(), error.column());
    let raw_message = strip_position(&error.to_string());
    let message = match error.classify() {
        serde_json::error::Category::Data => {
            let detail = explain_data_error(&plain_expected(&plain_type_names(&raw_message)), path);
            if path.is_empty() || path == "." {
                detail
            } else {
                format!("at `{path}`: {detail}")
            }
        }
        serde_json::error::Category::Eof => format!("invalid JSON: {raw_message}"),
        _ => format!("invalid JSON: {raw_message}"),
    };
    Error::Parse {
        file: file.to_owned(),
        line,
        column,
        message,
        snippet: snippet(text, line, column),
    }
}

/// serde names our types ("struct `RawModel` with 17 elements"); a person
/// wants to hear "a JSON object".
fn plain_type_names(message: &str) -> String {
    let Some(at) = message.find("struct Raw") else {
        return message.to_owned();
    };
    let rest = &message[at + "struct Raw".len()..];
    let name_end = rest
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(rest.len());
    let rest = &rest[name_end..];
    let rest = match rest.strip_prefix(" with ") {
        Some(tail) => tail
            .split_once(" element")
            .map_or(rest, |(_, t)| t.trim_start_matches('s')),
        None => rest,
    };
    let message = message[..at].replace("invalid length 0, ", "invalid type: array, ");
    format!("{message}a JSON object{rest}")
}

/// serde names Rust types ("expected u32"); a model's author wants to hear
/// what to write.
fn plain_expected(message: &str) -> String {
    let Some((head, expected)) = message.rsplit_once(", expected ") else {
        return message.to_owned();
    };
    let too_large = head.starts_with("invalid value: integer `") && !head.contains('-');
    let plain = match expected {
        "u32" | "u64" | "usize" if too_large => {
            "a whole number ≥ 0 and at most 4294967295".to_owned()
        }
        "u32" | "u64" | "usize" => "a whole number ≥ 0".to_owned(),
        "f64" | "f32" => "a number".to_owned(),
        "a sequence" => "a JSON array".to_owned(),
        "a map" => "a JSON object".to_owned(),
        "a boolean" => "true or false".to_owned(),
        other => other.to_owned(),
    };
    let head = head
        .replace("invalid type: map", "invalid type: JSON object")
        .replace("invalid type: sequence", "invalid type: JSON array");
    format!("{head}, expected {plain}")
}

/// `serde_json` appends " at line L column C"; the position is reported apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Adds a "did you mean" to serde's unknown-field and unknown-variant
/// errors; `path` is where in the document the error is.
fn explain_data_error(message: &str, path: &str) -> String {
    let unknown = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix));
    let Some(rest) = unknown else {
        return message.to_owned();
    };
    let Some((wanted, expected)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let candidates: Vec<&str> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| !c.is_empty())
        .collect();
    // Events are the one list whose items have no id: a hint toward `add`
    // would mislead.
    let hint = if wanted == "id" && is_event_path(path) {
        "; events have no id (describe one with `name`)".to_owned()
    } else {
        did_you_mean(wanted, candidates.iter().copied())
    };
    if candidates.is_empty() {
        format!("{message}{hint}")
    } else {
        format!(
            "unknown field `{wanted}`{hint} (expected one of {})",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Whether a field path is inside an event (`events[0].id`,
/// `scenarios[1].events[2].id`).
fn is_event_path(path: &str) -> bool {
    let Some((parent, _)) = path.rsplit_once('.') else {
        return false;
    };
    let last = parent.rsplit_once('.').map_or(parent, |(_, last)| last);
    last.starts_with("events[")
}

/// The offending line with a caret under the column, for a person to see.
fn snippet(text: &str, line: usize, column: usize) -> Option<String> {
    if line == 0 {
        return None;
    }
    let content = text.lines().nth(line - 1)?;
    let chars: Vec<char> = content.chars().collect();
    // Keep long lines readable: a window of 60 characters around the column.
    let start = column.saturating_sub(40).min(chars.len());
    let end = (start + 80).min(chars.len());
    let shown: String = chars[start..end].iter().collect();
    let prefix = if start > 0 { "…" } else { "" };
    let caret_at = column.saturating_sub(start).saturating_sub(1) + prefix.chars().count();
    Some(format!("  {prefix}{shown}\n  {}^", " ".repeat(caret_at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> String {
        parse_model(text, "m.json").unwrap_err().to_string()
    }

    #[test]
    fn syntax_error_names_line_column_and_shows_text() {
        let msg = parse_err("{\n  \"seqplan\": 1,\n  \"name\": oops\n}");
        assert!(msg.starts_with("m.json:3:11: invalid JSON"), "{msg}");
        assert!(msg.contains("\"name\": oops"), "{msg}");
    }

    #[test]
    fn type_error_names_field_path() {
        let text = r#"{"seqplan":1,"name":"x","horizon":3,"parties":[{"id":"p"}],
            "actions":[{"id":"a","by":"p","effects":[{"meter":"m","add":"two"}]}]}"#;
        let msg = parse_err(text);
        assert!(msg.contains("at `actions[0].effects[0].add`"), "{msg}");
        assert!(msg.contains("expected a number"), "{msg}");
    }

    #[test]
    fn unknown_field_suggests_nearest() {
        let text = r#"{"seqplan":1,"name":"x","horizon":3,"parties":[{"id":"p"}],
            "actions":[{"id":"a","by":"p","durration":2}]}"#;
        let msg = parse_err(text);
        assert!(
            msg.contains("unknown field `durration`; did you mean `duration`?"),
            "{msg}"
        );
    }

    #[test]
    fn internal_type_names_are_not_shown() {
        for text in ["[]", "[1, 2]", "3"] {
            let msg = parse_err(text);
            assert!(msg.contains("a model is a JSON object"), "{msg}");
            assert!(!msg.contains("Raw"), "{msg}");
        }
    }

    #[test]
    fn nested_type_errors_say_object() {
        let msg = parse_err(
            r#"{"seqplan": 1, "name": "x", "horizon": 3, "parties": [3], "actions": []}"#,
        );
        assert!(
            msg.contains("at `parties[0]`: invalid type: integer `3`, expected a JSON object"),
            "{msg}"
        );
    }

    #[test]
    fn float_round_is_rejected() {
        let text = r#"{"seqplan":1,"name":"x","horizon":3.0,"parties":[{"id":"p"}],"actions":[]}"#;
        let msg = parse_err(text);
        assert!(msg.contains("at `horizon`"), "{msg}");
        assert!(msg.contains("floating point"), "{msg}");
    }
}
