//! `seqplan export` round-trips: the MPS and LP files the binary writes are
//! read back by readers written here, independently of the writers, and
//! must be the program the library builds for the first objective stage:
//! the same columns with their kinds and bounds, the same rows with their
//! coefficients and right-hand sides, the same objective.

#![allow(clippy::unwrap_used)]
// a failed unwrap is a failed test
// The files must hold the program's numbers exactly: compared exactly.
#![allow(clippy::float_cmp)]

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use seqplan::formulate::{Sense, VarKind};
use seqplan::model::{Instance, Overrides};
use seqplan::tuning::Tuning;

/// A program as a reader sees it, by column name.
#[derive(Debug, Default, PartialEq)]
struct Program {
    maximize: bool,
    objective: BTreeMap<String, f64>,
    constant: f64,
    /// In file order: name, sense (`<=`, `>=`, `=`), coefficients, rhs.
    rows: Vec<(String, &'static str, BTreeMap<String, f64>, f64)>,
    /// name -> (integer, lower, upper), in file order of first mention.
    columns: BTreeMap<String, (bool, f64, f64)>,
}

fn number(token: &str) -> f64 {
    token
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {token}"))
}

/// A free-format MPS reader: sections, markers for integer columns, and
/// the default bounds of MPS ([0, ∞) unless a bound says otherwise).
fn read_mps(text: &str) -> Program {
    let mut program = Program::default();
    let mut section = "";
    let mut row_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut objective_row = String::new();
    let mut integer = false;
    let mut kinds: BTreeMap<String, bool> = BTreeMap::new();
    let mut lower: BTreeMap<String, f64> = BTreeMap::new();
    let mut upper: BTreeMap<String, f64> = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('*') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if !line.starts_with(' ') {
            section = fields[0];
            continue;
        }
        match section {
            "OBJSENSE" => program.maximize = fields[0] == "MAX",
            "ROWS" => {
                let sense = match fields[0] {
                    "N" => {
                        fields[1].clone_into(&mut objective_row);
                        continue;
                    }
                    "L" => "<=",
                    "G" => ">=",
                    "E" => "=",
                    other => panic!("row type {other}"),
                };
                row_index.insert(fields[1].to_owned(), program.rows.len());
                program
                    .rows
                    .push((fields[1].to_owned(), sense, BTreeMap::new(), 0.0));
            }
            "COLUMNS" if fields.get(1) == Some(&"'MARKER'") => {
                integer = fields[2] == "'INTORG'";
            }
            "COLUMNS" => {
                let column = fields[0].to_owned();
                kinds.insert(column.clone(), integer);
                for pair in fields[1..].chunks(2) {
                    let value = number(pair[1]);
                    if pair[0] == objective_row {
                        if value != 0.0 {
                            *program.objective.entry(column.clone()).or_default() += value;
                        }
                    } else {
                        let row = &mut program.rows[row_index[pair[0]]];
                        *row.2.entry(column.clone()).or_default() += value;
                    }
                }
            }
            "RHS" => {
                for pair in fields[1..].chunks(2) {
                    let value = number(pair[1]);
                    if pair[0] == objective_row {
                        program.constant = -value;
                    } else {
                        program.rows[row_index[pair[0]]].3 = value;
                    }
                }
            }
            "BOUNDS" => {
                let column = fields[2].to_owned();
                let value = fields.get(3).map(|v| number(v));
                match fields[0] {
                    "LO" => drop(lower.insert(column, value.unwrap())),
                    "UP" => drop(upper.insert(column, value.unwrap())),
                    "FX" => {
                        lower.insert(column.clone(), value.unwrap());
                        upper.insert(column, value.unwrap());
                    }
                    "MI" => drop(lower.insert(column, f64::NEG_INFINITY)),
                    "PL" => drop(upper.insert(column, f64::INFINITY)),
                    "BV" => {
                        kinds.insert(column.clone(), true);
                        lower.insert(column.clone(), 0.0);
                        upper.insert(column, 1.0);
                    }
                    other => panic!("bound type {other}"),
                }
            }
            other => panic!("unexpected line in section {other}: {line}"),
        }
    }
    for (column, integer) in kinds {
        let lo = lower.get(&column).copied().unwrap_or(0.0);
        let hi = upper.get(&column).copied().unwrap_or(f64::INFINITY);
        program.columns.insert(column, (integer, lo, hi));
    }
    program
}

/// `sign number name` terms (and a trailing constant) after a label.
fn lp_terms(tokens: &[&str]) -> (BTreeMap<String, f64>, f64) {
    let mut terms = BTreeMap::new();
    let mut constant = 0.0;
    let mut i = 0;
    while i < tokens.len() {
        let sign = match tokens[i] {
            "+" => 1.0,
            "-" => -1.0,
            _ => {
                // A leading `0 name` (an empty row) has no sign.
                assert_eq!(tokens[i], "0", "{tokens:?}");
                i += 2;
                continue;
            }
        };
        let value = sign * number(tokens[i + 1]);
        match tokens.get(i + 2) {
            Some(&name) if name != "+" && name != "-" => {
                *terms.entry(name.to_owned()).or_default() += value;
                i += 3;
            }
            _ => {
                constant += value;
                i += 2;
            }
        }
    }
    (terms, constant)
}

/// A CPLEX LP reader for what the writer emits: an objective, rows one
/// per entry (continued on indented lines), bounds and general integers.
fn read_lp(text: &str) -> Program {
    let mut program = Program::default();
    let mut section = "";
    let mut entries: Vec<String> = Vec::new();
    let mut bounds: Vec<String> = Vec::new();
    let mut general: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with('\\') {
            continue;
        }
        if !line.starts_with(' ') {
            section = line.trim();
            if section == "Maximize" {
                program.maximize = true;
            }
            continue;
        }
        match section {
            "Minimize" | "Maximize" | "Subject To" => {
                let starts_entry = line
                    .split_whitespace()
                    .next()
                    .is_some_and(|first| first.ends_with(':'));
                if starts_entry {
                    entries.push(line.to_owned());
                } else {
                    entries.last_mut().unwrap().push_str(line);
                }
            }
            "Bounds" => bounds.push(line.trim().to_owned()),
            "General" => general.extend(line.split_whitespace().map(str::to_owned)),
            other => panic!("unexpected line in section {other}: {line}"),
        }
    }
    for entry in entries {
        let tokens: Vec<&str> = entry.split_whitespace().collect();
        let name = tokens[0].trim_end_matches(':').to_owned();
        if name == "objective" {
            let (terms, constant) = lp_terms(&tokens[1..]);
            program.objective = terms;
            program.constant = constant;
            continue;
        }
        let n = tokens.len();
        let sense = match tokens[n - 2] {
            "<=" => "<=",
            ">=" => ">=",
            "=" => "=",
            other => panic!("sense {other} in {entry}"),
        };
        let (terms, constant) = lp_terms(&tokens[1..n - 2]);
        assert_eq!(constant, 0.0, "{entry}");
        let terms = terms.into_iter().filter(|(_, c)| *c != 0.0).collect();
        program
            .rows
            .push((name, sense, terms, number(tokens[n - 1])));
    }
    for line in bounds {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let (column, lo, hi) = match tokens.as_slice() {
            [name, "=", v] => (*name, number(v), number(v)),
            [name, "free"] => (*name, f64::NEG_INFINITY, f64::INFINITY),
            [name, ">=", lo] => (*name, number(lo), f64::INFINITY),
            ["-inf", "<=", name, "<=", hi] => (*name, f64::NEG_INFINITY, number(hi)),
            [lo, "<=", name, "<=", hi] => (*name, number(lo), number(hi)),
            other => panic!("bound {other:?}"),
        };
        program.columns.insert(column.to_owned(), (false, lo, hi));
    }
    for name in general {
        program.columns.get_mut(&name).unwrap().0 = true;
    }
    program
}

/// The program the library builds for the first stage, as the readers
/// should see it; `rename` maps names as the format must write them.
fn expected(instance: &Instance, tuning: Tuning, rename: fn(&str) -> String) -> Program {
    let exported = seqplan::solve::first_stage(instance, &tuning);
    let milp = &exported.milp;
    let name = |v: usize| rename(&milp.vars[v].name);
    let sum = |terms: &[(usize, f64)]| {
        let mut out: BTreeMap<String, f64> = BTreeMap::new();
        for &(v, c) in terms {
            *out.entry(name(v)).or_default() += c;
        }
        out.retain(|_, c| *c != 0.0);
        out
    };
    let mut program = Program {
        maximize: exported.objective.maximize,
        objective: sum(&exported.objective.expr.terms),
        constant: exported.objective.expr.constant,
        ..Program::default()
    };
    let mut seen = std::collections::BTreeSet::new();
    for row in &milp.rows {
        let row_name = row.origin.name();
        assert!(seen.insert(row_name.clone()), "two rows named {row_name}");
        let sense = match row.sense {
            Sense::AtMost => "<=",
            Sense::AtLeast => ">=",
            Sense::Equal => "=",
        };
        program.rows.push((
            rename(&row_name),
            sense,
            sum(&row.expr.terms),
            row.rhs - row.expr.constant,
        ));
    }
    for def in &milp.vars {
        let previous = program.columns.insert(
            rename(&def.name),
            (def.kind != VarKind::Continuous, def.lower, def.upper),
        );
        assert!(previous.is_none(), "two columns named {}", def.name);
    }
    program
}

fn mps_rename(name: &str) -> String {
    name.replace(' ', "_")
}

fn lp_rename(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '[' => '(',
            ']' => ')',
            ':' => '.',
            '-' | '+' | '*' | '^' | '<' | '>' | '=' | ' ' => '_',
            c => c,
        })
        .collect()
}

fn exported_text(model: &Path, extra: &[&str], format: &str) -> String {
    let output = Command::cargo_bin("seqplan")
        .unwrap()
        .args(["-q", "export"])
        .arg(model)
        .args(extra)
        .args(["--format", format])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Every shipped model and fixture, in every scenario, with and without
/// the presolve: both files are the library's program.
#[test]
fn exported_files_are_the_program() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut models: Vec<_> = ["models", "models/infeasible", "tests/fixtures"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !p.ends_with("schema.json") && !p.ends_with("tiny_good.json"))
        .collect();
    models.sort();
    let mut checked = 0;
    for path in &models {
        let model = seqplan::load_model(path).unwrap().model;
        let scenarios = std::iter::once(None).chain(model.scenarios.iter().map(|s| Some(&s.id)));
        for scenario in scenarios {
            for presolve in [true, false] {
                let overrides = Overrides {
                    scenario: scenario.cloned(),
                    ..Overrides::default()
                };
                let instance = Instance::new(&model, &overrides).unwrap();
                let mut args: Vec<&str> = Vec::new();
                if let Some(s) = scenario {
                    args.extend(["--scenario", s]);
                }
                if !presolve {
                    args.push("--no-presolve");
                }
                let context = format!("{} {args:?}", path.display());
                let mps = read_mps(&exported_text(path, &args, "mps"));
                let tuning = if presolve { Tuning::ALL } else { Tuning::NONE };
                assert_eq!(
                    mps,
                    expected(&instance, tuning, mps_rename),
                    "MPS of {context}"
                );
                let lp = read_lp(&exported_text(path, &args, "lp"));
                assert_eq!(
                    lp,
                    expected(&instance, tuning, lp_rename),
                    "LP of {context}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} programs checked");
}

/// Forced moves (whose rows are named after the flag, space and all),
/// possible or not, export as files both readers take, and as the program.
#[test]
fn forced_moves_export_with_names_the_formats_allow() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.json");
    let model = seqplan::load_model(&path).unwrap().model;
    for force in [
        vec![("exchange", 1)],
        vec![("exchange", 1), ("exchange", 2)],
    ] {
        let overrides = Overrides {
            force: force.iter().map(|&(a, r)| (a.to_owned(), r)).collect(),
            ..Overrides::default()
        };
        let instance = Instance::new(&model, &overrides).unwrap();
        let flags: Vec<String> = force
            .iter()
            .flat_map(|(a, r)| ["--force".to_owned(), format!("{a}@{r}")])
            .collect();
        let args: Vec<&str> = flags.iter().map(String::as_str).collect();
        let mps = exported_text(&path, &args, "mps");
        assert!(mps.contains("force:--force_exchange@1"), "{mps}");
        assert_eq!(
            read_mps(&mps),
            expected(&instance, Tuning::ALL, mps_rename),
            "{args:?}"
        );
        let lp = exported_text(&path, &args, "lp");
        assert_eq!(
            read_lp(&lp),
            expected(&instance, Tuning::ALL, lp_rename),
            "{args:?}"
        );
    }
}

/// The objective of a program with `maximize` first is maximised, and
/// the writer says so in both formats.
#[test]
fn a_maximize_level_is_exported_as_a_maximization() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.json");
    let args = ["--objective", "maximize:trust"];
    assert!(read_mps(&exported_text(&path, &args, "mps")).maximize);
    assert!(read_lp(&exported_text(&path, &args, "lp")).maximize);
    let mps = exported_text(&path, &args, "mps");
    assert!(mps.contains("* objective: maximize, maximized;"), "{mps}");
}

/// An output that names the model is refused, as for every command.
#[test]
fn export_never_overwrites_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.json"),
        &model,
    )
    .unwrap();
    let before = std::fs::read(&model).unwrap();
    Command::cargo_bin("seqplan")
        .unwrap()
        .arg("export")
        .arg(&model)
        .arg("-o")
        .arg(&model)
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&model).unwrap(), before);
}
