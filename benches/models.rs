//! End-to-end planning of every shipped model (load, validate, plan, check
//! with the simulator), and the small generated sizes with and without the
//! presolve, measured in the same run. `cargo bench --bench models`.

mod common;

use common::shipped_models;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use seqplan::generate::{generate_model, Family, Size};
use seqplan::model::{load_model, Instance, Overrides};
use seqplan::tuning::Tuning;
use seqplan::{plan, Outcome, SolveOptions};

fn plan_file(path: &std::path::Path) {
    let model = load_model(path).expect("a shipped model").model;
    let instance = Instance::new(&model, &Overrides::default()).expect("instance");
    let outcome = plan(&instance, &SolveOptions::default()).expect("plan");
    assert!(matches!(outcome, Outcome::Plan(_)));
}

fn bench_shipped(c: &mut Criterion) {
    let mut group = c.benchmark_group("shipped model, end to end");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for path in shipped_models() {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        group.bench_function(name, |b| b.iter(|| plan_file(&path)));
    }
    group.finish();
}

fn bench_generated_small(c: &mut Criterion) {
    let mut group = c.benchmark_group("generated 10x8");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    let size = Size {
        actions: 10,
        horizon: 8,
        meters: 3,
        parties: 3,
    };
    let model = generate_model(Family::Mixed, size, 1).expect("a generated model");
    for (label, tuning) in [("presolve", Tuning::ALL), ("plain", Tuning::NONE)] {
        let options = SolveOptions::default().with_tuning(tuning);
        group.bench_with_input(BenchmarkId::new(label, "seed 1"), &options, |b, options| {
            b.iter(|| {
                let instance = Instance::new(&model, &Overrides::default()).expect("instance");
                plan(&instance, options).expect("plan")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_shipped, bench_generated_small);
criterion_main!(benches);
