//! The program as a file other solvers read: free MPS or CPLEX LP, every
//! column and row named as in the program (`start[talks@3]`,
//! `requires:actions[3].requires[0]@5`), so that SCIP, HiGHS, Gurobi or
//! CPLEX can be given exactly what the backend is given.
//!
//! Both writers aggregate repeated terms of a row, write every bound
//! explicitly (readers differ on the defaults of integer columns) and put
//! the objective's constant where each format keeps one: as a negated
//! right-hand side of the objective row in MPS, as a constant term in LP.

// Bounds are compared exactly on purpose: a file states them exactly.
#![allow(clippy::float_cmp)]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::formulate::{Level, LinExpr, Milp, Sense, VarKind};

/// The file formats `seqplan export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Free-format MPS, which every MILP solver reads.
    Mps,
    /// CPLEX LP format, easier to read by eye.
    Lp,
}

/// One objective of the program, as the backend gets it: what to optimise
/// and which of the model's levels it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub milp: Milp,
    pub objective: Level,
    /// The names of the levels the objective holds (several when
    /// whole-number levels are solved together as one weighted sum).
    pub levels: Vec<&'static str>,
}

/// The program in `format`, with a comment naming the model and the levels.
pub fn write(exported: &Exported, title: &str, format: ExportFormat) -> String {
    match format {
        ExportFormat::Mps => mps(exported, title),
        ExportFormat::Lp => lp(exported, title),
    }
}

/// The name of the objective row.
const OBJECTIVE: &str = "objective";

/// A row's terms with each column once and zero coefficients dropped, in
/// column order.
fn aggregated(expr: &LinExpr) -> BTreeMap<usize, f64> {
    let mut terms = BTreeMap::new();
    for &(v, c) in &expr.terms {
        *terms.entry(v).or_insert(0.0) += c;
    }
    terms.retain(|_, c| *c != 0.0);
    terms
}

/// A name as free MPS allows it: a space (a `--force` row's path holds
/// one) would split the field, so it becomes `_`.
pub fn mps_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}

/// Row names as the program gives them, as `clean` writes them, made
/// unique where two rows share one (`name#2`, `name#3`, ...).
fn row_names(milp: &Milp, clean: fn(&str) -> String) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    milp.rows
        .iter()
        .map(|row| {
            let name = clean(&row.origin.name());
            let count = seen.entry(name.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                name
            } else {
                format!("{name}#{count}")
            }
        })
        .collect()
}

/// A number as both formats read it back exactly: Rust's shortest
/// round-trip form, without an exponent (`1`, `0.9`, `0.0000001`).
fn number(x: f64) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else {
        format!("{x}")
    }
}

/// Comment lines: `prefix` then the text, one line each.
fn comments(prefix: &str, exported: &Exported, title: &str) -> String {
    let title = crate::escape::line(title);
    format!(
        "{prefix} seqplan export: {title}\n{prefix} objective: {}, {}; {} columns, {} rows\n",
        exported.levels.join(", "),
        if exported.objective.maximize {
            "maximized"
        } else {
            "minimized"
        },
        exported.milp.vars.len(),
        exported.milp.rows.len()
    )
}

/// The program as free-format MPS.
pub fn mps(exported: &Exported, title: &str) -> String {
    let milp = &exported.milp;
    let names = row_names(milp, mps_name);
    let mut out = comments("*", exported, title);
    out.push_str("NAME seqplan\n");
    if exported.objective.maximize {
        out.push_str("OBJSENSE\n    MAX\n");
    }
    out.push_str(&format!("ROWS\n N  {OBJECTIVE}\n"));
    for (row, name) in milp.rows.iter().zip(&names) {
        let kind = match row.sense {
            Sense::AtMost => "L",
            Sense::AtLeast => "G",
            Sense::Equal => "E",
        };
        out.push_str(&format!(" {kind}  {name}\n"));
    }
    // Column-major: each column's entries in the objective and the rows.
    let mut columns: Vec<Vec<(&str, f64)>> = vec![Vec::new(); milp.vars.len()];
    for (v, c) in aggregated(&exported.objective.expr) {
        columns[v].push((OBJECTIVE, c));
    }
    for (row, name) in milp.rows.iter().zip(&names) {
        for (v, c) in aggregated(&row.expr) {
            columns[v].push((name.as_str(), c));
        }
    }
    out.push_str("COLUMNS\n");
    let mut integer_block = false;
    for (v, def) in milp.vars.iter().enumerate() {
        let integer = def.kind != VarKind::Continuous;
        if integer != integer_block {
            let marker = if integer { "INTORG" } else { "INTEND" };
            out.push_str(&format!("    MARKER  'MARKER'  '{marker}'\n"));
            integer_block = integer;
        }
        if columns[v].is_empty() {
            // A column in no row is still a column of the program.
            out.push_str(&format!("    {}  {OBJECTIVE}  0\n", mps_name(&def.name)));
        }
        for (row, c) in &columns[v] {
            out.push_str(&format!(
                "    {}  {row}  {}\n",
                mps_name(&def.name),
                number(*c)
            ));
        }
    }
    if integer_block {
        out.push_str("    MARKER  'MARKER'  'INTEND'\n");
    }
    out.push_str("RHS\n");
    let constant = exported.objective.expr.constant;
    if constant != 0.0 {
        out.push_str(&format!("    RHS  {OBJECTIVE}  {}\n", number(-constant)));
    }
    for (row, name) in milp.rows.iter().zip(&names) {
        // A row's own constant moves to the right-hand side.
        let rhs = row.rhs - row.expr.constant;
        if rhs != 0.0 {
            out.push_str(&format!("    RHS  {name}  {}\n", number(rhs)));
        }
    }
    out.push_str("BOUNDS\n");
    for def in &milp.vars {
        let name = &mps_name(&def.name);
        if def.kind == VarKind::Binary && def.lower == 0.0 && def.upper == 1.0 {
            out.push_str(&format!(" BV BND  {name}\n"));
            continue;
        }
        if def.lower == def.upper {
            out.push_str(&format!(" FX BND  {name}  {}\n", number(def.lower)));
            continue;
        }
        if def.lower == f64::NEG_INFINITY {
            out.push_str(&format!(" MI BND  {name}\n"));
        } else {
            out.push_str(&format!(" LO BND  {name}  {}\n", number(def.lower)));
        }
        if def.upper == f64::INFINITY {
            out.push_str(&format!(" PL BND  {name}\n"));
        } else {
            out.push_str(&format!(" UP BND  {name}  {}\n", number(def.upper)));
        }
    }
    out.push_str("ENDATA\n");
    out
}

/// A name as the LP format allows it: `[`, `]` and `:` (which LP reserves)
/// become `(`, `)` and `.`; spaces and the operators LP reads inside an
/// expression (`- + * ^ < > =`) become `_`.
pub fn lp_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '[' => '(',
            ']' => ')',
            ':' => '.',
            '-' | '+' | '*' | '^' | '<' | '>' | '=' => '_',
            c if c.is_whitespace() => '_',
            c => c,
        })
        .collect()
}

/// `+ 3 x - 2 y ...`, a few terms to a line so that no line grows long.
fn lp_terms(out: &mut String, milp: &Milp, terms: &BTreeMap<usize, f64>) {
    if terms.is_empty() {
        // LP has no empty expression: zero times the first column.
        out.push_str(" 0");
        if let Some(first) = milp.vars.first() {
            out.push(' ');
            out.push_str(&lp_name(&first.name));
        }
        return;
    }
    for (i, (&v, &c)) in terms.iter().enumerate() {
        if i > 0 && i % 8 == 0 {
            out.push_str("\n   ");
        }
        let sign = if c < 0.0 { '-' } else { '+' };
        let _ = write!(
            out,
            " {sign} {} {}",
            number(c.abs()),
            lp_name(&milp.vars[v].name)
        );
    }
}

/// The program in CPLEX LP format.
pub fn lp(exported: &Exported, title: &str) -> String {
    let milp = &exported.milp;
    let mut out = comments("\\", exported, title);
    out.push_str(if exported.objective.maximize {
        "Maximize\n"
    } else {
        "Minimize\n"
    });
    out.push_str(&format!(" {OBJECTIVE}:"));
    lp_terms(&mut out, milp, &aggregated(&exported.objective.expr));
    let constant = exported.objective.expr.constant;
    if constant != 0.0 {
        let sign = if constant < 0.0 { '-' } else { '+' };
        let _ = write!(out, " {sign} {}", number(constant.abs()));
    }
    out.push_str("\nSubject To\n");
    for (row, name) in milp.rows.iter().zip(row_names(milp, lp_name)) {
        let _ = write!(out, " {name}:");
        lp_terms(&mut out, milp, &aggregated(&row.expr));
        let sense = match row.sense {
            Sense::AtMost => "<=",
            Sense::AtLeast => ">=",
            Sense::Equal => "=",
        };
        let _ = writeln!(out, " {sense} {}", number(row.rhs - row.expr.constant));
    }
    out.push_str("Bounds\n");
    for def in &milp.vars {
        let name = lp_name(&def.name);
        let _ = match (def.lower, def.upper) {
            (lo, hi) if lo == hi => writeln!(out, " {name} = {}", number(lo)),
            (f64::NEG_INFINITY, f64::INFINITY) => writeln!(out, " {name} free"),
            (f64::NEG_INFINITY, hi) => writeln!(out, " -inf <= {name} <= {}", number(hi)),
            (lo, f64::INFINITY) => writeln!(out, " {name} >= {}", number(lo)),
            (lo, hi) => writeln!(out, " {} <= {name} <= {}", number(lo), number(hi)),
        };
    }
    let integers: Vec<String> = milp
        .vars
        .iter()
        .filter(|def| def.kind != VarKind::Continuous)
        .map(|def| lp_name(&def.name))
        .collect();
    if !integers.is_empty() {
        out.push_str("General\n");
        for chunk in integers.chunks(8) {
            let _ = writeln!(out, " {}", chunk.join(" "));
        }
    }
    out.push_str("End\n");
    out
}
