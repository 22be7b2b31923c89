//! The documents show real seqplan output, and this test keeps it real: it
//! runs every command shown in README.md and docs/modeling.md through the
//! binary and compares the output with the text of the document.
//!
//! What a document may contain:
//! - a ```` ```json file=NAME ```` block: written to NAME in the document's
//!   working folder (a later block with the same name replaces it, so a
//!   guide can grow a model step by step);
//! - any other ```` ```json ```` block: must be valid JSON (a fragment such
//!   as `"requires": [...]` is wrapped in braces first);
//! - a ```` ```console ```` block: `$ seqplan ARGS` lines, each followed by
//!   its output (stderr, then stdout); a non-zero exit ends the output with
//!   `(exit code N)`; a line `…` stands for any number of lines;
//! - `<!-- $ seqplan ARGS -->` ... `<!-- end -->`: the output pasted as
//!   Markdown (a table, say), compared the same way.
//!
//! `SEQPLAN_BLESS=1 cargo test --release --test docs` rewrites the outputs
//! in place (blocks with `…` are left for a person to trim). `SEQPLAN_BIN`
//! runs another seqplan binary.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn seqplan_binary() -> PathBuf {
    std::env::var_os("SEQPLAN_BIN")
        .map_or_else(|| assert_cmd::cargo::cargo_bin("seqplan"), PathBuf::from)
}

fn blessing() -> bool {
    std::env::var_os("SEQPLAN_BLESS").is_some_and(|v| v != "0")
}

/// Splits a command line into arguments: spaces separate, and "double" or
/// 'single' quotes keep spaces inside one argument.
fn split_arguments(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut in_arg = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_arg = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_arg {
                    args.push(std::mem::take(&mut current));
                    in_arg = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_arg = true;
            }
        }
    }
    assert!(quote.is_none(), "unclosed quote in `{line}`");
    if in_arg {
        args.push(current);
    }
    args
}

/// Runs `seqplan ARGS` in `folder`: stderr, then stdout, then the exit code
/// if it is not 0, as lines.
fn run(command: &str, folder: &Path) -> Vec<String> {
    let args = split_arguments(command);
    assert_eq!(
        args.first().map(String::as_str),
        Some("seqplan"),
        "documents only run seqplan: `{command}`"
    );
    let output = Command::new(seqplan_binary())
        .args(&args[1..])
        .current_dir(folder)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let mut text = String::from_utf8(output.stderr).unwrap();
    text.push_str(&String::from_utf8(output.stdout).unwrap());
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_owned()).collect();
    while lines.last().is_some_and(std::string::String::is_empty) {
        lines.pop();
    }
    let code = output.status.code().unwrap();
    if code != 0 {
        lines.push(format!("(exit code {code})"));
    }
    lines
}

/// Whether `actual` matches `expected`, where a line `…` in `expected`
/// stands for any number of lines.
fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "…" => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line == first && matches(rest, more)),
    }
}

/// One command shown in a document, with the lines its output occupies.
struct Shown {
    command: String,
    /// Line numbers (0-based, end exclusive) of the expected output.
    output: std::ops::Range<usize>,
}

/// Checks one document; returns its text with blessed outputs when
/// blessing, and the list of mismatches.
fn check_document(path: &Path, folder: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut failures = Vec::new();
    let mut replacements: Vec<(std::ops::Range<usize>, Vec<String>)> = Vec::new();
    let mut check = |shown: Shown, failures: &mut Vec<String>| {
        let expected: Vec<String> = lines[shown.output.clone()]
            .iter()
            .map(|l| l.trim_end().to_owned())
            .collect();
        let actual = run(&shown.command, folder);
        if matches(&expected, &actual) {
            return;
        }
        if blessing() && !expected.iter().any(|l| l == "…") {
            replacements.push((shown.output, actual));
            return;
        }
        failures.push(format!(
            "{}:{}: `{}` printed:\n{}\n--- but the document shows:\n{}",
            path.display(),
            shown.output.start,
            shown.command,
            actual.join("\n"),
            expected.join("\n")
        ));
    };

    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if let Some(info) = line.strip_prefix("```") {
            let end = (i + 1..lines.len())
                .find(|&j| lines[j].trim_end() == "```")
                .unwrap_or_else(|| panic!("{}:{}: unclosed block", path.display(), i + 1));
            let body = &lines[i + 1..end];
            let mut words = info.split_whitespace();
            match words.next() {
                Some("json") => {
                    let content = body.join("\n") + "\n";
                    if let Some(name) = words.find_map(|w| w.strip_prefix("file=")) {
                        std::fs::write(folder.join(name), &content).unwrap();
                    } else {
                        let trimmed = content.trim_start();
                        let whole = if trimmed.starts_with('{') || trimmed.starts_with('[') {
                            content.clone()
                        } else {
                            format!("{{{content}}}")
                        };
                        if let Err(e) = serde_json::from_str::<serde_json::Value>(&whole) {
                            failures.push(format!(
                                "{}:{}: JSON block does not parse: {e}",
                                path.display(),
                                i + 2
                            ));
                        }
                    }
                }
                Some("console") => {
                    let starts: Vec<usize> = (i + 1..end)
                        .filter(|&j| lines[j].starts_with("$ "))
                        .collect();
                    assert!(
                        starts.first() == Some(&(i + 1)),
                        "{}:{}: a console block starts with `$ seqplan ...`",
                        path.display(),
                        i + 2
                    );
                    for (k, &start) in starts.iter().enumerate() {
                        let stop = starts.get(k + 1).copied().unwrap_or(end);
                        check(
                            Shown {
                                command: lines[start][2..].to_owned(),
                                output: start + 1..stop,
                            },
                            &mut failures,
                        );
                    }
                }
                _ => {}
            }
            i = end + 1;
            continue;
        }
        if let Some(command) = line
            .strip_prefix("<!-- $ ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        {
            let end = (i + 1..lines.len())
                .find(|&j| lines[j].trim_end() == "<!-- end -->")
                .unwrap_or_else(|| panic!("{}:{}: no `<!-- end -->`", path.display(), i + 1));
            check(
                Shown {
                    command: command.to_owned(),
                    output: i + 1..end,
                },
                &mut failures,
            );
            i = end + 1;
            continue;
        }
        i += 1;
    }

    let mut blessed = lines.clone();
    for (range, actual) in replacements.into_iter().rev() {
        blessed.splice(range, actual);
    }
    (blessed.join("\n") + "\n", failures)
}

fn check_and_bless(path: &Path, folder: &Path) {
    let (blessed, failures) = check_document(path, folder);
    if blessing() {
        std::fs::write(path, blessed).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The README's commands run from the repository's root, on its models.
#[test]
fn readme_shows_real_output() {
    check_and_bless(&repo("README.md"), &repo(""));
}

/// The modelling guide builds its models in a folder of its own.
#[test]
fn modeling_guide_shows_real_output() {
    let folder = tempfile::tempdir().unwrap();
    check_and_bless(&repo("docs/modeling.md"), folder.path());
}

#[test]
fn ellipsis_matches_any_number_of_lines() {
    let lines = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
    assert!(matches(&lines("a\n…\nd"), &lines("a\nb\nc\nd")));
    assert!(matches(&lines("a\n…\nd"), &lines("a\nd")));
    assert!(!matches(&lines("a\n…\nd"), &lines("a\nb")));
    assert!(!matches(&lines("a\nb"), &lines("a\nb\nc")));
    assert!(matches(&lines("a\n…"), &lines("a\nb\nc")));
}

#[test]
fn arguments_split_on_spaces_outside_quotes() {
    assert_eq!(
        split_arguments(r#"seqplan plan "my model.json" --objective 'a, b'"#),
        ["seqplan", "plan", "my model.json", "--objective", "a, b"]
    );
}
