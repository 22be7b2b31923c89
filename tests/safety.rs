//! Nothing lost, nothing injected, limits that hold: the real binary
//! against a careless or hostile user. `--output` never destroys an input
//! (by whatever name), a file is replaced only by a complete one, model
//! text never reaches a terminal or a document raw, and every limit holds
//! for every kind of input.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::{json, Value};

fn seqplan() -> Command {
    Command::cargo_bin("seqplan").unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A folder holding copies of the fixtures a command reads.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "tiny.json",
            "tiny_infeasible.json",
            "tiny_scenarios.json",
            "tiny_student.txt",
        ] {
            std::fs::copy(fixture(name), dir.path().join(name)).unwrap();
        }
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// Every file in the folder, sorted: no temporary file may be left.
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// Every way of naming `target` that is not its own path: `./` spelling,
/// a symlink, a hard link. Created in the workspace.
fn other_names(ws: &Workspace, target: &str) -> Vec<String> {
    let mut names = vec![
        format!("./{target}"),
        format!("../{}/{target}", folder_name(ws)),
    ];
    #[cfg(unix)]
    {
        let link = format!("link_to_{target}");
        std::os::unix::fs::symlink(ws.path(target), ws.path(&link)).unwrap();
        names.push(link);
    }
    let hard = format!("hard_{target}");
    std::fs::hard_link(ws.path(target), ws.path(&hard)).unwrap();
    names.push(hard);
    names
}

fn folder_name(ws: &Workspace) -> String {
    ws.dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// The command lines of every command that reads `input` and writes `-o`.
fn commands_reading(input: &str) -> Vec<Vec<String>> {
    let own = |args: &[&str]| args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    match input {
        "tiny.json" => vec![
            own(&["plan", "tiny.json"]),
            own(&["tiny.json"]),
            own(&["plan", "tiny.json", "--format", "json"]),
            own(&["plan", "tiny.json", "--alternatives", "2"]),
            own(&["plan", "tiny.json", "--robust"]),
            own(&["explain", "tiny.json"]),
            own(&["diagnose", "tiny.json"]),
            own(&["compare", "tiny_scenarios.json", "tiny.json"]),
            own(&["check", "tiny.json", "tiny_student.txt"]),
        ],
        // An infeasible model: `plan` prints its diagnosis.
        "tiny_infeasible.json" => vec![
            own(&["plan", "tiny_infeasible.json"]),
            own(&["tiny_infeasible.json", "--format", "markdown"]),
        ],
        "tiny_student.txt" => vec![own(&["check", "tiny.json", "tiny_student.txt"])],
        _ => unreachable!(),
    }
}

#[test]
fn output_never_overwrites_an_input_by_any_name() {
    for input in ["tiny.json", "tiny_infeasible.json", "tiny_student.txt"] {
        let ws = Workspace::new();
        let before = ws.read(input);
        let mut names = vec![input.to_owned()];
        names.extend(other_names(&ws, input));
        for command in commands_reading(input) {
            for name in &names {
                let assert = seqplan()
                    .current_dir(ws.dir.path())
                    .args(&command)
                    .args(["-o", name])
                    .assert()
                    .code(2)
                    .stdout("");
                let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
                assert!(
                    stderr.contains("writing there would destroy it"),
                    "{command:?} -o {name}: {stderr}"
                );
                assert_eq!(
                    ws.read(input),
                    before,
                    "{command:?} -o {name} changed {input}"
                );
            }
        }
    }
}

#[test]
fn output_replaces_a_file_only_when_the_command_succeeds() {
    let ws = Workspace::new();
    std::fs::write(ws.path("plan.txt"), "my notes\n").unwrap();
    let before = ws.files();
    // A failing command (an unknown scenario) leaves the file as it was.
    seqplan()
        .current_dir(ws.dir.path())
        .args(["plan", "tiny.json", "--scenario", "storm", "-o", "plan.txt"])
        .assert()
        .code(2);
    assert_eq!(ws.read("plan.txt"), b"my notes\n");
    assert_eq!(ws.files(), before, "no temporary file is left behind");
    // A succeeding one replaces it whole, with nothing left beside it.
    seqplan()
        .current_dir(ws.dir.path())
        .args(["plan", "tiny.json", "-o", "plan.txt"])
        .assert()
        .code(0)
        .stdout("");
    let text = String::from_utf8(ws.read("plan.txt")).unwrap();
    assert!(text.starts_with("Tiny exchange\n"), "{text}");
    assert_eq!(ws.files(), before);
    // A folder is refused.
    seqplan()
        .current_dir(ws.dir.path())
        .args(["plan", "tiny.json", "-o", "."])
        .assert()
        .code(2)
        .stderr(contains("it is a folder"));
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_replaces_its_target() {
    let ws = Workspace::new();
    std::fs::write(ws.path("real.json"), "old").unwrap();
    std::os::unix::fs::symlink("real.json", ws.path("link.json")).unwrap();
    seqplan()
        .current_dir(ws.dir.path())
        .args(["plan", "tiny.json", "--format", "json", "-o", "link.json"])
        .assert()
        .code(0);
    assert!(std::fs::symlink_metadata(ws.path("link.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    let plan: Value = serde_json::from_slice(&ws.read("real.json")).unwrap();
    assert_eq!(plan["status"], "optimal");
}

/// The tiny model with every string a person reads replaced by one that
/// would drive a terminal, reformat Markdown, inject HTML or break XML.
fn hostile_model() -> Value {
    let evil = |what: &str| {
        format!("{what} \u{1b}[31mred\u{1b}[0m\u{7}\r\u{9b}2J\u{202e}<script>alert(1)</script> *bold* _em_ `code` ```<img src=x onerror=alert(1)>` [link](javascript:x) | pipe # & \u{0}\u{7f}\u{fffe}\nline")
    };
    let mut m: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("tiny.json")).unwrap()).unwrap();
    m["name"] = json!(evil("model"));
    m["summary"] = json!(evil("summary"));
    m["round"] = json!("month\u{1b}]0;title\u{7}");
    for list in ["parties", "meters", "actions", "expectations", "red_lines"] {
        for (i, item) in m[list].as_array_mut().unwrap().iter_mut().enumerate() {
            item["name"] = json!(evil(&format!("{list} {i}")));
            item["cite"] = json!(evil("cite"));
        }
    }
    m["events"] = json!([{"round": 2, "meter": "trust", "add": 0.5, "name": evil("event")}]);
    m["scenarios"] = json!([{"id": "s", "name": evil("scenario"), "events": [{"round": 3, "meter": "trust", "add": -0.5, "name": evil("storm")}]}]);
    m
}

/// The raw HTML (beyond the `<br>` the tables write) and the links a
/// `CommonMark` parser finds in the Markdown, as a renderer would read it.
fn raw_html_and_links(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    Parser::new_ext(markdown, Options::ENABLE_TABLES)
        .filter_map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) if raw.as_ref() != "<br>" => {
                Some(raw.to_string())
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(format!("link to {dest_url}"))
            }
            _ => None,
        })
        .collect()
}

/// Whether `markup` occurs in Markdown without a backslash before it.
fn unescaped(markdown: &str, markup: &str) -> bool {
    markdown
        .match_indices(markup)
        .any(|(i, _)| !markdown[..i].ends_with('\\'))
}

/// Characters that must never reach a terminal or a document raw.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{fffe}')
        })
        .collect()
}

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = seqplan().current_dir(dir).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn hostile_model_text_is_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("evil.json"), hostile_model().to_string()).unwrap();
    std::fs::copy(fixture("tiny_student.txt"), dir.path().join("plan.txt")).unwrap();
    let (code, out, err) = run_in(dir.path(), &["validate", "evil.json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("warning: evil.json: name: contains the control character U+001B"),
        "{out}"
    );
    assert!(
        out.contains("actions[0].name: contains the control character"),
        "{out}"
    );
    assert!(raw_controls(&out).is_empty() && raw_controls(&err).is_empty());

    let commands: Vec<Vec<&str>> = vec![
        vec!["plan", "evil.json"],
        vec!["plan", "evil.json", "--scenario", "s"],
        vec!["plan", "evil.json", "--robust"],
        vec!["plan", "evil.json", "--alternatives", "2"],
        vec!["compare", "evil.json"],
        vec!["explain", "evil.json"],
        vec!["diagnose", "evil.json"],
        vec!["check", "evil.json", "plan.txt"],
    ];
    for command in commands {
        let formats: &[&str] = match command[0] {
            "explain" | "diagnose" | "check" => &["text", "json", "markdown", "html"],
            _ => &["text", "json", "markdown", "html", "svg"],
        };
        for format in formats {
            let mut args = command.clone();
            args.extend(["--format", format]);
            let (code, out, err) = run_in(dir.path(), &args);
            assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
            assert_eq!(
                raw_controls(&out),
                Vec::<char>::new(),
                "{args:?} stdout:\n{out}"
            );
            assert_eq!(
                raw_controls(&err),
                Vec::<char>::new(),
                "{args:?} stderr:\n{err}"
            );
            match *format {
                "json" => {
                    let value: Value = serde_json::from_str(&out)
                        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"));
                    assert!(!value.is_null());
                }
                "svg" => {
                    roxmltree::Document::parse(&out)
                        .unwrap_or_else(|e| panic!("{args:?}: not XML: {e}\n{out}"));
                    assert!(!out.contains("<script"), "{args:?}");
                }
                "html" => {
                    assert!(!out.contains("<script"), "{args:?}: {out}");
                    assert!(!out.contains("<img"), "{args:?}: {out}");
                    assert!(!out.contains("href"), "{args:?}: a name made a link");
                    // Each inline picture is well-formed XML on its own.
                    for svg in out.split("<svg").skip(1) {
                        let end = svg.find("</svg>").unwrap() + "</svg>".len();
                        let picture = format!("<svg{}", &svg[..end]);
                        roxmltree::Document::parse(&picture)
                            .unwrap_or_else(|e| panic!("{args:?}: picture not XML: {e}"));
                    }
                }
                "markdown" => {
                    assert!(!out.contains("<script>"), "{args:?}: {out}");
                    assert!(!unescaped(&out, "<img"), "{args:?}: {out}");
                    assert_eq!(
                        raw_html_and_links(&out),
                        Vec::<String>::new(),
                        "{args:?}: {out}"
                    );
                    assert!(!out.contains("*bold*"), "{args:?}: {out}");
                    assert!(!out.contains("[link]("), "{args:?}: {out}");
                    // A name cannot add a table cell.
                    assert!(!out.contains(" | pipe"), "{args:?}: {out}");
                }
                _ => {}
            }
        }
    }
}

#[test]
fn error_messages_escape_what_the_user_typed() {
    let dir = tempfile::tempdir().unwrap();
    let name = "model\u{1b}[2J.json";
    let (code, _, err) = run_in(dir.path(), &["plan", name]);
    assert_eq!(code, 2);
    assert!(err.contains("model\\u{1b}[2J.json"), "{err}");
    assert!(raw_controls(&err).is_empty(), "{err}");
    let mut m: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("tiny.json")).unwrap()).unwrap();
    m["actions"][0]["by"] = json!("\u{1b}]0;owned\u{7}");
    std::fs::write(dir.path().join("bad.json"), m.to_string()).unwrap();
    let (code, _, err) = run_in(dir.path(), &["validate", "bad.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown party `\\u{1b}]0;owned\\u{7}`"),
        "{err}"
    );
    assert!(raw_controls(&err).is_empty(), "{err}");
}

#[cfg(unix)]
#[test]
fn endless_inputs_are_refused_at_the_size_limit() {
    for device in ["/dev/zero", "/dev/urandom"] {
        seqplan()
            .args(["plan", device])
            .timeout(Duration::from_secs(10))
            .assert()
            .code(2)
            .stderr(contains(format!("cannot read `{device}`")))
            .stderr(contains("above the limit of 64 MiB"));
    }
    // A plan from a device is held to the same limit.
    seqplan()
        .arg("check")
        .arg(fixture("tiny.json"))
        .arg("/dev/zero")
        .timeout(Duration::from_secs(10))
        .assert()
        .code(2)
        .stderr(contains("above the limit of 64 MiB"));
}

#[test]
fn a_folder_is_no_model() {
    seqplan()
        .args(["plan", env!("CARGO_MANIFEST_DIR")])
        .assert()
        .code(2)
        .stderr(contains("it is a folder, not a file"));
}

#[test]
fn time_limits_outside_a_week_are_refused() {
    for limit in ["1e19", "1e308", "NaN", "inf", "-inf", "-1", "0", "604801"] {
        seqplan()
            .arg("plan")
            .arg(fixture("tiny.json"))
            .arg(format!("--time-limit={limit}"))
            .assert()
            .code(2)
            .stderr(contains("--time-limit"))
            .stderr(contains("at most 604800 (a week)"));
    }
    seqplan()
        .arg("plan")
        .arg(fixture("tiny.json"))
        .args(["--time-limit", "604800"])
        .assert()
        .code(0);
}

#[test]
fn counts_have_documented_ranges() {
    for (args, message) in [
        (vec!["diagnose", "--conflicts", "0"], "0 is not in 1..=20"),
        (vec!["diagnose", "--conflicts", "21"], "21 is not in 1..=20"),
        (vec!["plan", "--alternatives", "0"], "0 is not in 1..=50"),
    ] {
        seqplan()
            .args(&args)
            .arg(fixture("tiny.json"))
            .assert()
            .code(2)
            .stderr(contains(message));
    }
    let help = seqplan().args(["diagnose", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("(1 to 20"), "{help}");
}

#[test]
fn repeated_objective_levels_are_refused() {
    seqplan()
        .arg("plan")
        .arg(fixture("tiny.json"))
        .args(["--objective", "earliest,cheapest,earliest"])
        .assert()
        .code(2)
        .stderr(contains(
            "--objective: level 3 repeats level 1 (`earliest`)",
        ));
    // A maximize level that is a multiple of an earlier one, either way.
    for levels in [
        "maximize:trust,maximize:trust=2",
        "maximize:trust,maximize:trust=-1",
    ] {
        seqplan()
            .arg("plan")
            .arg(fixture("tiny.json"))
            .args(["--objective", levels])
            .assert()
            .code(2)
            .stderr(contains("level 2 repeats level 1"));
    }
    // Different meters are different levels.
    seqplan()
        .arg("plan")
        .arg(fixture("tiny.json"))
        .args(["--objective", "maximize:trust,maximize:backlash=-1"])
        .assert()
        .code(0);
}

#[cfg(unix)]
#[test]
fn output_to_stdout_appends_where_stdout_is_redirected() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    std::fs::write(&log, "precious\n").unwrap();
    let binary = assert_cmd::cargo::cargo_bin("seqplan");
    let script = format!(
        "'{}' plan '{}' -o /dev/stdout >> '{}' && echo after >> '{}'",
        binary.display(),
        fixture("tiny.json").display(),
        log.display(),
        log.display()
    );
    let status = std::process::Command::new("sh")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("precious\nTiny exchange\n"), "{text}");
    assert!(text.ends_with("after\n"), "{text}");
}

#[test]
fn command_line_errors_show_what_was_typed_escaped() {
    let out = seqplan()
        .arg("plan")
        .arg(fixture("tiny.json"))
        .args(["--horizon", "x\u{1b}[31mR\u{7}\u{202e}"])
        .assert()
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(raw_controls(&err).is_empty(), "{err:?}");
    assert!(err.contains("\\u{202e}"), "{err}");
}

#[test]
fn check_lists_the_first_broken_rules_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    // 300 moves of an unknown-free plan, each breaking a rule (a second
    // use of a one-use action).
    let plan: String = (0..300).map(|_| "1 exchange\n").collect();
    std::fs::write(dir.path().join("plan.txt"), plan).unwrap();
    let out = seqplan()
        .arg("check")
        .arg(fixture("tiny.json"))
        .arg(dir.path().join("plan.txt"))
        .assert()
        .code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let listed = text.lines().filter(|l| l.starts_with("  - month")).count();
    assert_eq!(listed, 200, "{text}");
    let total: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("INVALID: "))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        text.contains(&format!(
            "  - and {} more (--format json lists them all)",
            total - 200
        )),
        "{text}"
    );
    let json = seqplan()
        .arg("check")
        .arg(fixture("tiny.json"))
        .arg(dir.path().join("plan.txt"))
        .args(["--format", "json"])
        .assert()
        .code(1);
    let value: Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(value["violations"].as_array().unwrap().len(), total);
}

#[test]
fn help_points_only_to_what_exists() {
    for command in [
        "plan", "compare", "explain", "diagnose", "check", "validate",
    ] {
        let out = seqplan().args([command, "--help"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(!help.contains("DESIGN.md"), "{command}: {help}");
        if command != "plan" {
            assert!(!help.contains("--robust"), "{command}: {help}");
        }
        for file in ["docs/format.md", "README"] {
            if help.contains(file) {
                let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(if file == "README" {
                    "README.md"
                } else {
                    file
                });
                assert!(path.exists(), "{command} points to {file}");
            }
        }
    }
}

#[test]
fn the_model_author_hears_what_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let write = |change: &dyn Fn(&mut Value)| {
        let mut m: Value =
            serde_json::from_str(&std::fs::read_to_string(fixture("tiny.json")).unwrap()).unwrap();
        change(&mut m);
        std::fs::write(dir.path().join("m.json"), m.to_string()).unwrap();
        let out = seqplan()
            .current_dir(dir.path())
            .args(["validate", "m.json"])
            .output()
            .unwrap();
        // `validate` prints warnings on stdout, errors on stderr.
        let mut said = String::from_utf8(out.stdout).unwrap();
        said.push_str(&String::from_utf8(out.stderr).unwrap());
        (out.status.code(), said)
    };
    let (code, err) =
        write(&|m| m["events"] = json!([{"id": "ban", "round": 1, "meter": "trust", "add": 1}]));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("events have no id (describe one with `name`)"),
        "{err}"
    );
    assert!(!err.contains("did you mean `add`"), "{err}");
    let (code, err) = write(&|m| m["actions"][0]["duration"] = json!(-1));
    assert_eq!(code, Some(2));
    assert!(err.contains("expected a whole number ≥ 0"), "{err}");
    let (code, err) = write(&|m| m["actions"][0]["cost"] = json!("two"));
    assert_eq!(code, Some(2));
    assert!(err.contains("expected a number"), "{err}");
    let (code, err) = write(&|m| m["parties"] = json!({}));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("invalid type: JSON object, expected a JSON array"),
        "{err}"
    );
    // An effect that can only land after the horizon is legal but useless.
    let (code, err) = write(&|m| m["actions"][2]["effects"][0]["delay"] = json!(20));
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("effects[0]: this effect of"), "{err}");
    assert!(
        err.contains("after the horizon (6): it never counts"),
        "{err}"
    );
    // A meter expectation may ask for a ceiling.
    let (code, err) = write(&|m| {
        m["expectations"][1] = json!({"id": "calm", "meter": "backlash", "at_most": 0.5, "by": 6});
    });
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = write(&|m| {
        m["expectations"][1] = json!({"id": "calm", "meter": "backlash"});
    });
    assert_eq!(code, Some(2));
    assert!(err.contains("`at_most` (a ceiling to keep under)"), "{err}");
}

#[test]
fn a_numerical_failure_is_not_told_as_a_lack_of_time() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/infeasible/education_aid_after_edict.json");
    let json = seqplan()
        .arg("diagnose")
        .arg(&model)
        .args(["--format", "json"])
        .assert()
        .code(1);
    let value: Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    let failures = value["numerical_failures"].as_u64().unwrap();
    let text = seqplan().arg("diagnose").arg(&model).assert().code(1);
    let text = String::from_utf8(text.get_output().stdout.clone()).unwrap();
    if failures > 0 {
        assert!(
            text.contains(&format!("failed numerically on {failures} check")),
            "{text}"
        );
        assert!(
            text.contains("More time does not mend a numerical failure"),
            "{text}"
        );
    } else {
        assert!(!text.contains("failed numerically"), "{text}");
    }
}
