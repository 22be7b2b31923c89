//! Bad input never panics: arbitrary bytes, and the tiny model with any
//! field replaced by an arbitrary JSON value, either load or give an error.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use proptest::prelude::*;
use seqplan::model::{parse_model, validate, Instance, Overrides};
use seqplan::{simulate, Moves};
use serde_json::Value;

fn tiny() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every JSON path of a value (objects and arrays), as pointer strings.
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    out.push(at.to_owned());
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| pointers(v, &format!("{at}/{k}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| pointers(v, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just(0.0),
            Just(-1.5),
            Just(1e300),
            Just(0.5),
            Just(4_294_967_296.0)
        ]
        .prop_map(Value::from),
        "[a-z_]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Loads a model text as the CLI does, simulates the empty plan, plans.
fn exercise(text: &str) {
    if let Ok(raw) = parse_model(text, "fuzz.json") {
        if let Ok(validated) = validate(&raw, "fuzz.json") {
            let Ok(instance) = Instance::new(&validated.model, &Overrides::default()) else {
                return;
            };
            let _ = simulate(&instance, &Moves::default());
            // Any outcome, even an error, but no panic.
            let _ = seqplan::plan(&instance, &seqplan::SolveOptions::default());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            exercise(text);
        }
    }

    #[test]
    fn any_field_replaced_never_panics(index in any::<prop::sample::Index>(), value in arbitrary_json()) {
        let mut model = tiny();
        let mut paths = Vec::new();
        pointers(&model, "", &mut paths);
        let path = &paths[index.index(paths.len())];
        if path.is_empty() {
            model = value;
        } else {
            *model.pointer_mut(path).unwrap() = value;
        }
        exercise(&model.to_string());
    }
}

/// Runs the real binary on a file holding `bytes`: (exit code, stderr).
fn run_on_file(command: &str, bytes: &[u8], extra: &[&str]) -> (Option<i32>, String) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("input.json");
    std::fs::write(&path, bytes).unwrap();
    let output = assert_cmd::Command::cargo_bin("seqplan")
        .unwrap()
        .arg(command)
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Bad input: exit 2 and one message naming the file.
fn assert_rejected(command: &str, bytes: &[u8], extra: &[&str]) -> String {
    let (code, stderr) = run_on_file(command, bytes, extra);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("input.json"),
        "the message names the file: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, failure_persistence: None, .. ProptestConfig::default() })]

    /// Through the binary: arbitrary bytes are bad input, never a crash.
    #[test]
    fn binary_rejects_arbitrary_bytes_with_a_message(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        assert_rejected("plan", &bytes, &[]);
    }

    /// Through the binary: an arbitrary JSON value is not a model.
    #[test]
    fn binary_rejects_arbitrary_json_with_a_message(value in arbitrary_json()) {
        assert_rejected("validate", value.to_string().as_bytes(), &[]);
    }
}

#[test]
fn empty_blank_and_non_utf8_files_are_named_as_such() {
    assert!(assert_rejected("plan", b"", &[]).contains("the file is empty"));
    assert!(assert_rejected("plan", b"  \n\t\n", &[]).contains("the file is empty"));
    assert!(assert_rejected("plan", b"{\"name\": \"caf\xe9\"}", &[]).contains("not UTF-8"));
}

#[test]
fn deeply_nested_json_is_bad_input() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_rejected("plan", deep.as_bytes(), &[]);
    let deep_objects = format!("{}1{}", "{\"summary\":".repeat(10_000), "}".repeat(10_000));
    assert_rejected("validate", deep_objects.as_bytes(), &[]);
}

#[test]
fn huge_files_are_refused_before_they_are_read() {
    let mut huge = b"{\"summary\": \"".to_vec();
    huge.resize(65 * 1024 * 1024, b'a');
    let stderr = assert_rejected("validate", &huge, &[]);
    assert!(stderr.contains("above the limit of 64 MiB"), "{stderr}");
}

/// A model too large to plan is refused with the limit and how to raise it;
/// raising it lets the model through the guard.
#[test]
fn size_guard_names_its_limit_and_how_to_raise_it() {
    let mut model = tiny();
    model["horizon"] = 10_000.into();
    let bytes = model.to_string().into_bytes();
    let stderr = assert_rejected("plan", &bytes, &["--max-size", "1000"]);
    assert!(stderr.contains("above the limit of 1000"), "{stderr}");
    assert!(stderr.contains("--max-size 30000"), "{stderr}");
    let (code, stderr) = run_on_file("validate", &bytes, &["--max-size", "1000"]);
    assert_eq!(code, Some(0), "validate does not plan: {stderr}");
}

/// Global flags may come before the command, with their values.
#[test]
fn global_max_size_before_the_command() {
    let mut model = tiny();
    model["horizon"] = 1000.into();
    let bytes = model.to_string().into_bytes();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("input.json");
    std::fs::write(&path, &bytes).unwrap();
    let output = assert_cmd::Command::cargo_bin("seqplan")
        .unwrap()
        .args(["--max-size", "100", "plan"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("above the limit of 100"), "{stderr}");
}

#[test]
fn a_byte_order_mark_is_not_content() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(tiny().to_string().into_bytes());
    let (code, stderr) = run_on_file("validate", &bytes, &[]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn an_empty_plan_file_is_named_as_such() {
    let folder = tempfile::tempdir().unwrap();
    let plan = folder.path().join("plan.txt");
    std::fs::write(&plan, "\n  \n").unwrap();
    let model = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.json");
    let output = assert_cmd::Command::cargo_bin("seqplan")
        .unwrap()
        .arg("check")
        .arg(&model)
        .arg(&plan)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("plan.txt:1:1: the file is empty"),
        "{stderr}"
    );
}
