//! Planning at scale: generated models of 10x8, 40x16, 120x36 and 300x52
//! (actions x rounds), each solved once with the presolve and once with the
//! plain program (`--no-presolve`) under a 60-second limit, in the same run.
//! Prints one table row per size: status, R, gap and seconds. These are too
//! slow for criterion's repeated samples. `cargo bench --bench scale`
//! (`SEQPLAN_BENCH_LIMIT=SECONDS` changes the limit).

use std::time::{Duration, Instant};

use seqplan::generate::{generate_model, Size};
use seqplan::model::{Instance, Overrides};
use seqplan::{plan, Outcome, SolveOptions};

const SIZES: [(usize, u32, &str); 4] = [
    (10, 8, "< 50 ms"),
    (40, 16, "< 0.5 s"),
    (120, 36, "< 5 s"),
    (300, 52, "a valid plan within 60 s, with its gap"),
];

/// (seconds, what came out).
fn solve_once(model: &seqplan::Model, plain: bool, limit: Duration) -> (f64, String) {
    let overrides = Overrides {
        plain,
        ..Overrides::default()
    };
    let instance = Instance::new(model, &overrides).expect("instance");
    let started = Instant::now();
    let outcome = plan(&instance, &SolveOptions::within(Some(limit)));
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
        Err(e) => format!("error: {e}"),
    };
    (seconds, what)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks sizes.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let limit = Duration::from_secs_f64(
        std::env::var("SEQPLAN_BENCH_LIMIT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60.0),
    );
    println!("| size (actions x rounds) | target | presolve | plain (--no-presolve) | ratio |");
    println!("|---|---|---|---|---:|");
    for (actions, horizon, target) in SIZES {
        let label = format!("{actions}x{horizon}");
        if filter.as_deref().is_some_and(|f| !label.contains(f)) {
            continue;
        }
        let size = Size {
            actions,
            horizon,
            meters: 3,
            parties: 3,
        };
        let model = generate_model(size, 1).expect("a generated model");
        let (fast, fast_what) = solve_once(&model, false, limit);
        let (slow, slow_what) = solve_once(&model, true, limit);
        println!(
            "| {label} | {target} | {fast:.3} s, {fast_what} | {slow:.3} s, {slow_what} | {:.1}x |",
            slow / fast.max(1e-9)
        );
    }
}
