//! The examples in examples/ are built by `cargo test`; these tests run
//! them and check what they print against the library and the CLI.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::PathBuf;
use std::process::Command;

use seqplan::model::{load_model, Instance, Overrides};
use seqplan::{plan, Outcome, SolveOptions};

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs `target/<profile>/examples/NAME ARGS` from the repository root
/// (`cargo test` builds the examples before it runs the tests).
fn run_example(name: &str, args: &[&str]) -> String {
    let deps = std::env::current_exe().unwrap();
    let binary = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    let output = Command::new(&binary)
        .args(args)
        .current_dir(repo(""))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (a plain `cargo test --release` builds the examples; \
                 a filtered run needs `cargo build --release --examples` first)",
                binary.display()
            )
        });
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The model built in code is the model of examples/data/exchange.json:
/// the example prints the plan the library finds for the file.
#[test]
fn model_built_in_code_plans_like_its_json_file() {
    let printed = run_example("build_model", &[]);
    let model = load_model(&repo("examples/data/exchange.json"))
        .unwrap()
        .model;
    let instance = Instance::new(&model, &Overrides::default()).unwrap();
    let Outcome::Plan(report) = plan(&instance, &SolveOptions::default()).unwrap() else {
        panic!("exchange.json has a plan")
    };
    let expected: Vec<String> = report
        .moves
        .as_slice()
        .iter()
        .map(|m| {
            let action = &model.actions[m.action];
            let party = &model.parties[action.by];
            format!("month {}: {} ({})", m.round, action.name, party.name)
        })
        .collect();
    let shown: Vec<&str> = printed
        .lines()
        .filter(|l| l.starts_with("month "))
        .collect();
    assert_eq!(shown, expected);
    assert!(
        printed.contains("every expectation met by month 4"),
        "{printed}"
    );
}

/// Deadlines before month 4 are impossible: the exchange takes months 1-2
/// and trust only reaches the delisting's threshold after it.
#[test]
fn deadline_sweep_finds_where_the_deadline_becomes_impossible() {
    let printed = run_example(
        "deadline_sweep",
        &["examples/data/exchange.json", "talks_by_month_6"],
    );
    let rows: Vec<&str> = printed.lines().skip(1).collect();
    assert_eq!(rows.len(), 8, "{printed}");
    for (deadline, row) in (1..=8).zip(&rows) {
        let (label, outcome) = row.split_once(": ").unwrap();
        assert_eq!(label.trim(), deadline.to_string());
        if deadline < 4 {
            assert_eq!(outcome, "no plan", "{printed}");
        } else {
            assert!(
                outcome.starts_with("all met by month  4, cost    3"),
                "{printed}"
            );
        }
    }
}

/// Each verdict of the grade sheet agrees with `seqplan check` on the
/// same file.
#[test]
fn grade_sheet_agrees_with_seqplan_check() {
    let printed = run_example("grade_plans", &[]);
    let folder = repo("examples/data/students");
    let mut students: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    students.sort();
    assert_eq!(students.len(), 5);
    for path in students {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let row = printed
            .lines()
            .find(|l| l.contains(&format!(" {stem} ")))
            .unwrap_or_else(|| panic!("no row for {stem}:\n{printed}"));
        let check = assert_cmd::Command::cargo_bin("seqplan")
            .unwrap()
            .arg("check")
            .arg(repo("examples/data/exchange.json"))
            .arg(&path)
            .output()
            .unwrap();
        let valid = check.status.code() == Some(0);
        assert_eq!(row.contains(" valid "), valid, "{stem}: {row}");
    }
    assert!(
        printed.contains("+2 months, cost +0"),
        "chen is two months late:\n{printed}"
    );
}
