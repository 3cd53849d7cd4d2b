//! Benchmarks of geosim's discrete-event kernel and of one shipped scenario end to end.
//!
//! # Group `phold`: the engine against a hand-written floor
//!
//! PHOLD is the classic synthetic workload for discrete-event kernels: a fixed population of
//! events circulates between logical processes (LPs) and does almost no work per event, so
//! the time measured is the cost of the future event list and the run loop themselves.
//! Here: [`N_LP`] = 1,000 LPs, each starting with one event at an exponential delay
//! (mean [`MEAN_DELAY_NS`] = 1 ms); handling an event at any LP schedules exactly one successor
//! at a uniformly random LP, an exponential delay later. The heap thus stays at 1,000
//! pending events, and each iteration handles [`EVENTS`] = 1,000,000 events.
//!
//! * `engine` runs the model through the public kernel API: `PholdModel` implements
//!   [`geosim::engine::Model`], events go through [`geosim::engine::Scheduler`] and the loop
//!   is [`geosim::engine::run`] (no horizon; the model reports `finished()` after
//!   [`EVENTS`] events).
//! * `floor` is the least code that can run the same model: a bare loop over
//!   `BinaryHeap<Reverse<(time, seq, lp)>>`, no trait, no clock, no horizon check.
//!
//! Why the comparison is honest:
//! * same random stream (`rng::stream(SEED, Stream::Strategy(0))`, ChaCha8), same draws in
//!   the same order (one exponential per initial event in LP order, then per handled event:
//!   the target LP, then the delay), same integer conversion of the delay;
//! * same ordering: `(time, seq)` with a sequence number incremented on every push, exactly
//!   as the engine orders its entries, so ties break identically (with `seq` unique, the
//!   `lp` in the floor's tuple never takes part in a comparison);
//! * same entry size (24 bytes: two `u64` and a `u32`), same initial heap capacity, same
//!   saturating time addition;
//! * same per-event work in the handler (the draws plus a cheap checksum over
//!   `(time, lp)` of every handled event, which also keeps the optimiser from discarding
//!   the loop);
//! * before anything is timed, `check_same_work` asserts that both handle [`EVENTS`]
//!   events and end with the same simulated time and the same checksum, i.e. they handled
//!   the same events in the same order.
//!
//! What remains is what the engine adds on top of a heap: its `Ord` on `Entry`, the
//! past-time clamp in `schedule_at`, the clock update, the peek-then-pop and horizon test
//! of `run`, and the `finished()` call. Throughput is reported in events per second
//! (`Throughput::Elements`); the ratio engine / floor is the figure of merit (1.0 = the
//! kernel costs nothing over a bare heap). About 55% of either variant's time is
//! `BinaryHeap::pop` (sift down over ~10 levels of a 1,000-entry heap), so the comparison
//! used in the sift loop matters most: if `engine` trails `floor`, look first at how
//! `Entry`'s `Ord` compiles (a branch-free select over both `time` and `seq` lengthens the
//! sift loop's dependency chain, where the tuple's comparison only touches `seq` on a tie).
//!
//! # Group `scenario`: `scenarios/three-regions.toml` end to end
//!
//! Loads the shipped scenario once, then times `geosim::simulate` (world construction,
//! every strategy's run, report assembly; strategies run in parallel on rayon's pool, so
//! the wall time depends on the number of cores). Throughput is the total number of
//! events the engine handled over all strategies. One run takes a few hundred
//! milliseconds, so the group uses 10 flat samples.
//!
//! Run with `cargo bench --bench engine -- phold` or `cargo bench --bench engine -- scenario`.
//! Criterion filters benchmarks, not group setup: either filter still pays the other group's
//! untimed setup once (the PHOLD equivalence check, about 0.15 s; one scenario run, about
//! 0.3 s).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rand::RngExt;
use rand_distr::{Distribution, Exp};

use geosim::engine::{self, Model, Scheduler};
use geosim::rng::{self, SimRng, Stream};
use geosim::time::SimTime;

/// Number of logical processes (and of events pending at any time).
const N_LP: u32 = 1_000;
/// Mean of the exponential delay between an event and its successor, in nanoseconds (1 ms).
const MEAN_DELAY_NS: f64 = 1_000_000.0;
/// Events handled per benchmark iteration.
const EVENTS: u64 = 1_000_000;
/// Run seed of both variants.
const SEED: u64 = 0x0005_EED0_FFA1;

/// What one PHOLD run produces; equal for both variants iff they did the same work.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Outcome {
    /// Events handled.
    events: u64,
    /// Simulated time of the last handled event, in ns.
    final_time: u64,
    /// Order-sensitive hash of `(time, lp)` over every handled event.
    checksum: u64,
}

/// The random stream both variants draw from.
fn phold_rng(seed: u64) -> SimRng {
    rng::stream(seed, Stream::Strategy(0))
}

/// The delay distribution both variants draw from (rate = 1 / mean, in events per ns).
fn phold_exp() -> Exp<f64> {
    Exp::new(1.0 / MEAN_DELAY_NS).expect("positive rate")
}

/// One exponential delay in whole nanoseconds (truncated), identical in both variants.
#[inline(always)]
fn draw_delay(exp: &Exp<f64>, rng: &mut SimRng) -> u64 {
    exp.sample(rng) as u64
}

/// Folds one handled event into the running checksum (order-sensitive, cheap).
#[inline(always)]
fn mix(checksum: u64, time: u64, lp: u32) -> u64 {
    (checksum ^ time ^ ((lp as u64) << 40)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

// ---------------------------------------------------------------------------------------
// engine: the model through geosim's kernel
// ---------------------------------------------------------------------------------------

/// A PHOLD event: "something happens at LP `lp`". Small and `Copy`, stored inline in the heap.
#[derive(Clone, Copy, Debug)]
struct PholdEvent {
    lp: u32,
}

/// The PHOLD world as a [`Model`]: the LPs are stateless, so the state is the random stream,
/// the delay distribution and the bookkeeping that ends the run and checks the work.
struct PholdModel {
    rng: SimRng,
    exp: Exp<f64>,
    handled: u64,
    limit: u64,
    checksum: u64,
}

impl Model for PholdModel {
    type Event = PholdEvent;

    #[inline]
    fn handle(&mut self, now: SimTime, event: PholdEvent, sched: &mut Scheduler<PholdEvent>) {
        self.handled += 1;
        self.checksum = mix(self.checksum, now.0, event.lp);
        // Draw order (shared with the floor): target LP, then delay.
        let target = self.rng.random_range(0..N_LP);
        let delay = draw_delay(&self.exp, &mut self.rng);
        sched.schedule_in(delay, PholdEvent { lp: target });
    }

    #[inline]
    fn finished(&self) -> bool {
        self.handled >= self.limit
    }
}

/// Runs `events` PHOLD events through `geosim::engine`.
fn engine_phold(seed: u64, events: u64) -> Outcome {
    let mut model = PholdModel {
        rng: phold_rng(seed),
        exp: phold_exp(),
        handled: 0,
        limit: events,
        checksum: 0,
    };
    let mut sched = Scheduler::with_capacity(N_LP as usize);
    // One initial event per LP, in LP order, each at an exponential delay from time zero.
    for lp in 0..N_LP {
        let delay = draw_delay(&model.exp, &mut model.rng);
        sched.schedule_at(SimTime(delay), PholdEvent { lp });
    }
    let handled = engine::run(&mut model, &mut sched, SimTime::MAX);
    Outcome {
        events: handled,
        final_time: sched.now().0,
        checksum: model.checksum,
    }
}

// ---------------------------------------------------------------------------------------
// floor: the same model on a bare BinaryHeap
// ---------------------------------------------------------------------------------------

/// Runs `events` PHOLD events on a bare `BinaryHeap<Reverse<(time, seq, lp)>>`.
fn floor_phold(seed: u64, events: u64) -> Outcome {
    let mut rng = phold_rng(seed);
    let exp = phold_exp();
    let mut heap: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::with_capacity(N_LP as usize);
    // Insertion counter: the FIFO tie-break among equal times, as in the engine.
    let mut seq = 0u64;
    for lp in 0..N_LP {
        let delay = draw_delay(&exp, &mut rng);
        heap.push(Reverse((delay, seq, lp)));
        seq += 1;
    }
    let mut handled = 0u64;
    let mut now = 0u64;
    let mut checksum = 0u64;
    while handled < events {
        let Some(Reverse((time, _, lp))) = heap.pop() else {
            break;
        };
        now = time;
        handled += 1;
        checksum = mix(checksum, now, lp);
        let target = rng.random_range(0..N_LP);
        let delay = draw_delay(&exp, &mut rng);
        heap.push(Reverse((now.saturating_add(delay), seq, target)));
        seq += 1;
    }
    Outcome {
        events: handled,
        final_time: now,
        checksum,
    }
}

/// Asserts, once and untimed, that both variants handled the same events in the same order.
fn check_same_work() -> Outcome {
    let engine = engine_phold(SEED, EVENTS);
    let floor = floor_phold(SEED, EVENTS);
    assert_eq!(engine.events, EVENTS, "engine stopped early");
    assert_eq!(
        engine, floor,
        "engine and floor diverged: the comparison would not be honest"
    );
    engine
}

fn bench_phold(c: &mut Criterion) {
    check_same_work();

    let mut group = c.benchmark_group("phold");
    group.throughput(Throughput::Elements(EVENTS));
    // One iteration is tens of milliseconds: flat sampling keeps the group to a few seconds.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("engine", |b| {
        b.iter(|| engine_phold(black_box(SEED), black_box(EVENTS)))
    });
    group.bench_function("floor", |b| {
        b.iter(|| floor_phold(black_box(SEED), black_box(EVENTS)))
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// scenario: a shipped scenario end to end
// ---------------------------------------------------------------------------------------

fn bench_scenario(c: &mut Criterion) {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/three-regions.toml"
    ));
    let (sc, info) = geosim::io::load_scenario(path).expect("shipped scenario loads");
    // One untimed run to learn the event count (deterministic: the same on every run).
    let report = geosim::simulate(&sc, info.clone(), None, &[]).expect("scenario runs");
    let events: u64 = report.strategies.iter().map(|s| s.events).sum();

    let mut group = c.benchmark_group("scenario");
    group.throughput(Throughput::Elements(events));
    // About 0.3 s per run: 10 flat samples of one run each, plus a short warm-up.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("three-regions", |b| {
        b.iter(|| geosim::simulate(&sc, info.clone(), None, &[]).expect("scenario runs"))
    });
    group.finish();
}

criterion_group!(benches, bench_phold, bench_scenario);
criterion_main!(benches);
