//! Benchmark of a whole parameter sweep on one and on two worker threads.
//!
//! # Group `sweep`: the shipped `conflicts-vs-rate` sweep, `jobs1` vs `jobs2`
//!
//! One iteration runs every (point, replica) of `scenarios/sweeps/conflicts-vs-rate.toml`
//! (7 rates x 3 key-space sizes = 21 points, 3 seeds each: 63 runs of two multi-master
//! strategies) through the library, `sweep::run(&plan, jobs, None, ..)`, and summarises
//! the results into `sweep.csv` in memory (no file I/O). The plan (parsing, validating every
//! point, checking the metrics against a dry run) is built once, outside the timed loop.
//!
//! The figure of merit is the speed-up `jobs1 / jobs2` on a two-core machine: runs are
//! independent and scheduled one at a time by rayon's work stealing, so it is bounded by how
//! evenly 63 runs of very different sizes (the 3200 rps points dominate) split across two
//! threads, and by the memory bandwidth the two simulations share. Before anything is timed,
//! the two job counts are checked to produce the same bytes.
//!
//! An iteration takes seconds, so the group uses flat sampling and criterion's minimum of 10
//! samples (criterion warns that they do not fit in the target time and takes them anyway):
//! `cargo bench --bench sweep` takes about two minutes. Measured on an idle two-core machine:
//! `jobs1` 6.74 s, `jobs2` 3.48 s per iteration, a speed-up of 1.94.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

use geosim::sweep::{self, Plan, Results};

fn sweep_csv(plan: &Plan, jobs: usize) -> String {
    let values = sweep::run(plan, jobs, None, &AtomicBool::new(false), &()).expect("runs");
    Results::new(plan.header.clone(), values)
        .expect("complete")
        .to_csv()
}

fn bench_sweep(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("sweeps")
        .join("conflicts-vs-rate.toml");
    let plan = sweep::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        sweep_csv(&plan, 1),
        sweep_csv(&plan, 2),
        "jobs 1 and 2 must give the same bytes"
    );
    let mut group = c.benchmark_group("sweep");
    group.throughput(Throughput::Elements(plan.runs() as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(30));
    for jobs in [1, 2] {
        group.bench_function(format!("jobs{jobs}"), |b| b.iter(|| sweep_csv(&plan, jobs)));
    }
    group.finish();
}

criterion_group!(benches, bench_sweep);
criterion_main!(benches);
