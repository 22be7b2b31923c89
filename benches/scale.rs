//! Planning at scale, and what each speed-up gains. Too slow for
//! criterion's repeated samples, so this prints Markdown tables instead:
//!
//! 1. the targets: generated models of 10x8, 40x16, 120x36 and 300x52
//!    (actions x rounds, seeds 1 to 3), each solved with every speed-up and
//!    with the plain program (`--no-presolve`) in the same run;
//! 2. each step: the shipped models and 40x16 (seeds 1 to 3), with every
//!    speed-up, then with each one turned off in turn (`--without STEP`).
//!
//! Every solve has a limit (60 s unless `SEQPLAN_BENCH_LIMIT=SECONDS`).
//! `cargo bench --bench scale [targets|steps]` runs one part.

mod common;

use std::time::{Duration, Instant};

use seqplan::generate::{generate_model, Family, Size};
use seqplan::model::{load_model, Instance, Overrides};
use seqplan::tuning::{Tuning, TuningStep};
use seqplan::{plan, Model, Outcome, SolveOptions};

const SIZES: [(usize, u32, &str); 4] = [
    (10, 8, "< 50 ms"),
    (40, 16, "< 0.5 s"),
    (120, 36, "< 5 s"),
    (300, 52, "a valid plan within 60 s, with its gap"),
];

const SEEDS: [u64; 3] = [1, 2, 3];

/// One solve: seconds taken and what came out ("optimal", "feasible R=7
/// gap 3%", ...).
fn solve_once(model: &Model, tuning: Tuning, limit: Duration) -> (f64, String) {
    let instance = Instance::new(model, &Overrides::default()).expect("instance");
    let started = Instant::now();
    let outcome = plan(
        &instance,
        &SolveOptions::within(Some(limit)).with_tuning(tuning),
    );
    let seconds = started.elapsed().as_secs_f64();
    let what = match outcome {
        Ok(Outcome::Plan(report)) => format!(
            "{} R={}{}",
            report.status.as_str(),
            report.evaluation.met_round.unwrap_or(0),
            report
                .gap
                .map(|g| format!(" gap {:.1}%", g * 100.0))
                .unwrap_or_default()
        ),
        Ok(Outcome::Infeasible) => "infeasible".to_owned(),
        Ok(Outcome::Unknown) => "no plan in time".to_owned(),
        Err(seqplan::Error::SolverGaveUp(_)) => "the solver failed numerically".to_owned(),
        Err(e) => format!("error: {e}"),
    };
    (seconds, what)
}

/// The fastest of `runs` solves (runs > 1 only for quick solves).
fn best_of(model: &Model, tuning: Tuning, limit: Duration, runs: usize) -> (f64, String) {
    let mut best = solve_once(model, tuning, limit);
    for _ in 1..runs {
        let again = solve_once(model, tuning, limit);
        if again.0 < best.0 {
            best = again;
        }
    }
    best
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn generated(family: Family, actions: usize, horizon: u32, seed: u64) -> Model {
    let size = Size {
        actions,
        horizon,
        meters: 3,
        parties: 3,
    };
    generate_model(family, size, seed).expect("a generated model")
}

fn shipped_models() -> Vec<(String, Model)> {
    common::shipped_models()
        .into_iter()
        .map(|p| {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, load_model(&p).expect("a shipped model").model)
        })
        .collect()
}

fn targets(limit: Duration) {
    println!("| family | size (actions x rounds) | seed | target | every speed-up | plain (--no-presolve) | ratio |");
    println!("|---|---|---:|---|---|---|---:|");
    for (family, (actions, horizon, target)) in Family::ALL
        .into_iter()
        .flat_map(|f| SIZES.into_iter().map(move |size| (f, size)))
    {
        for seed in SEEDS {
            let model = generated(family, actions, horizon, seed);
            let runs = if actions <= 10 { 5 } else { 1 };
            let (fast, fast_what) = best_of(&model, Tuning::ALL, limit, runs);
            let (slow, slow_what) = best_of(&model, Tuning::NONE, limit, runs);
            println!(
                "| {} | {actions}x{horizon} | {seed} | {target} | {}, {fast_what} | {}, {slow_what} | {:.1}x |",
                family.name(),
                seconds(fast),
                seconds(slow),
                slow / fast.max(1e-9)
            );
        }
    }
}

fn steps(limit: Duration) {
    let mut cases: Vec<(String, Model, usize)> = shipped_models()
        .into_iter()
        .map(|(name, model)| (name, model, 3))
        .collect();
    for family in Family::ALL {
        for seed in SEEDS {
            let name = format!("{} 40x16 seed {seed}", family.name());
            cases.push((name, generated(family, 40, 16, seed), 1));
        }
    }
    let header: Vec<String> = TuningStep::ALL
        .iter()
        .map(|s| format!("without {}", s.name()))
        .collect();
    println!(
        "| model | every speed-up | {} | plain |",
        header.join(" | ")
    );
    println!("|---|{}", "---:|".repeat(TuningStep::ALL.len() + 2));
    for (name, model, runs) in cases {
        let tunings = std::iter::once(Tuning::ALL)
            .chain(TuningStep::ALL.iter().map(|step| step.off(Tuning::ALL)))
            .chain(std::iter::once(Tuning::NONE));
        let row: Vec<String> = tunings
            .map(|tuning| {
                let (s, what) = best_of(&model, tuning, limit, runs);
                let mark = if what.starts_with("optimal") { "" } else { "*" };
                format!("{}{mark}", seconds(s))
            })
            .collect();
        println!("| {name} | {} |", row.join(" | "));
    }
    println!("\n\\* not proven optimal within the limit");
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks a part.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let limit = Duration::from_secs_f64(
        std::env::var("SEQPLAN_BENCH_LIMIT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60.0),
    );
    let wants = |part: &str| filter.as_deref().is_none_or(|f| part.contains(f));
    if wants("targets") {
        targets(limit);
        println!();
    }
    if wants("steps") {
        steps(limit);
    }
}
