//! Benchmark of geosim's discrete-event kernel on the standard PHOLD model, against two
//! hand-written floors, interleaved so the ratios survive a noisy shared machine.
//!
//! # The model
//!
//! PHOLD: `lps` logical processes (LPs) with [`PER_LP`] = 16 events each, so `pending` =
//! 16 x `lps` events are pending at any time. Handling an event at LP `i` schedules exactly
//! one successor at delay `LOOKAHEAD_NS + Exp(mean MEAN_DELAY_NS)` (0.1 ms + 1 ms mean,
//! truncated to whole ns); with probability [`REMOTE`] = 0.25 it goes to a uniformly random LP
//! (remote), otherwise back to `i`. One ChaCha8 stream (`rng::stream(SEED,
//! Stream::Strategy(0))`) feeds everything, in the same order in every variant: one `f64` for
//! the remote test, the target LP if remote, then the delay. The cases are 1,000 (63 LPs,
//! 1,008 pending), 64 k and 1 M pending events.
//!
//! # The variants
//!
//! * `engine`: the model as a [`geosim::engine::Model`] run by [`geosim::engine::run`]
//!   (the scheduler's base-64 radix heap over time, events inline, FIFO ties, horizon test,
//!   `finished()` call per event).
//! * `binary`: a bare loop over `BinaryHeap<Reverse<(time, seq, lp)>>` (24-byte entries).
//! * `quad`: a bare loop over a hand-written 4-ary min-heap of the same tuples.
//!
//! All three order by `(time, seq)` with `seq` incremented on every push, so they handle the
//! same events in the same order: after timing, the bench asserts that their final times and
//! order-sensitive checksums over `(time, lp)` agree.
//!
//! # Interleaving and the figure of merit
//!
//! Each variant keeps its own state across batches. A round runs one batch of `batch` events
//! of each variant back to back (the order rotates each round), timing each; the ratio of a
//! round is `floor time / engine time` (> 1: the engine is faster). Load from other processes
//! hits neighbouring batches alike, so the per-round ratios are stable where absolute times
//! are not. Printed: events/s of each variant (median) and the ratios engine vs `binary` and
//! vs `quad` as median [min, max] over the rounds.
//!
//! Run with `cargo bench --bench engine` (all cases, about a minute), or name cases:
//! `cargo bench --bench engine -- 1k 64k 1M`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use geosim::engine::{self, Model, Scheduler};
use geosim::rng::{self, SimRng, Stream};
use geosim::time::SimTime;

/// Events per LP.
const PER_LP: u32 = 16;
/// Mean of the exponential part of the delay, ns (1 ms).
const MEAN_DELAY_NS: f64 = 1_000_000.0;
/// Lookahead: the smallest delay, ns (0.1 ms).
const LOOKAHEAD_NS: u64 = 100_000;
/// Probability that a successor goes to a random LP.
const REMOTE: f64 = 0.25;
/// Seed of every variant.
const SEED: u64 = 0x0005_EED0_FFA1;

/// The shared draws: the random stream and the delay distribution.
struct Draws {
    rng: SimRng,
    exp: Exp<f64>,
    lps: u32,
}

impl Draws {
    fn new(lps: u32) -> Draws {
        Draws {
            rng: rng::stream(SEED, Stream::Strategy(0)),
            exp: Exp::new(1.0 / MEAN_DELAY_NS).expect("positive rate"),
            lps,
        }
    }

    /// The successor of an event at `lp`: (target LP, delay in ns).
    #[inline(always)]
    fn successor(&mut self, lp: u32) -> (u32, u64) {
        let remote = self.rng.random::<f64>() < REMOTE;
        let target = if remote {
            self.rng.random_range(0..self.lps)
        } else {
            lp
        };
        (target, LOOKAHEAD_NS + self.exp.sample(&mut self.rng) as u64)
    }

    /// The initial events, LP by LP: (lp, time).
    fn initial(&mut self) -> Vec<(u32, u64)> {
        let mut out = Vec::with_capacity((self.lps * PER_LP) as usize);
        for lp in 0..self.lps {
            for _ in 0..PER_LP {
                out.push((lp, LOOKAHEAD_NS + self.exp.sample(&mut self.rng) as u64));
            }
        }
        out
    }
}

/// Folds one handled event into an order-sensitive checksum.
#[inline(always)]
fn mix(checksum: u64, time: u64, lp: u32) -> u64 {
    (checksum ^ time ^ ((lp as u64) << 40)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A variant that can run a batch of events and report what it did.
trait Variant {
    /// Handles `n` more events.
    fn batch(&mut self, n: u64);
    /// (events handled, simulated time, checksum).
    fn state(&self) -> (u64, u64, u64);
}

// ---- engine -----------------------------------------------------------------------------

struct PholdModel {
    draws: Draws,
    handled: u64,
    limit: u64,
    checksum: u64,
}

impl Model for PholdModel {
    type Event = u32;

    #[inline]
    fn handle(&mut self, now: SimTime, lp: u32, sched: &mut Scheduler<u32>) {
        self.handled += 1;
        self.checksum = mix(self.checksum, now.0, lp);
        let (target, delay) = self.draws.successor(lp);
        sched.schedule_in(delay, target);
    }

    #[inline]
    fn finished(&self) -> bool {
        self.handled >= self.limit
    }
}

struct EngineRun {
    model: PholdModel,
    sched: Scheduler<u32>,
}

impl EngineRun {
    fn new(lps: u32) -> EngineRun {
        let mut draws = Draws::new(lps);
        let mut sched = Scheduler::with_capacity((lps * PER_LP) as usize);
        for (lp, t) in draws.initial() {
            sched.schedule_at(SimTime(t), lp);
        }
        let model = PholdModel {
            draws,
            handled: 0,
            limit: 0,
            checksum: 0,
        };
        EngineRun { model, sched }
    }
}

impl Variant for EngineRun {
    fn batch(&mut self, n: u64) {
        self.model.limit += n;
        engine::run(&mut self.model, &mut self.sched, SimTime::MAX);
    }
    fn state(&self) -> (u64, u64, u64) {
        (self.model.handled, self.sched.now().0, self.model.checksum)
    }
}

// ---- binary: a bare BinaryHeap --------------------------------------------------------------

struct BinaryRun {
    draws: Draws,
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
    now: u64,
    handled: u64,
    checksum: u64,
}

impl BinaryRun {
    fn new(lps: u32) -> BinaryRun {
        let mut draws = Draws::new(lps);
        let mut heap = BinaryHeap::with_capacity((lps * PER_LP) as usize);
        let mut seq = 0;
        for (lp, t) in draws.initial() {
            heap.push(Reverse((t, seq, lp)));
            seq += 1;
        }
        BinaryRun {
            draws,
            heap,
            seq,
            now: 0,
            handled: 0,
            checksum: 0,
        }
    }
}

impl Variant for BinaryRun {
    fn batch(&mut self, n: u64) {
        for _ in 0..n {
            let Some(Reverse((t, _, lp))) = self.heap.pop() else {
                break;
            };
            self.now = t;
            self.handled += 1;
            self.checksum = mix(self.checksum, t, lp);
            let (target, delay) = self.draws.successor(lp);
            self.heap
                .push(Reverse((t.saturating_add(delay), self.seq, target)));
            self.seq += 1;
        }
    }
    fn state(&self) -> (u64, u64, u64) {
        (self.handled, self.now, self.checksum)
    }
}

// ---- quad: a hand-written 4-ary heap ---------------------------------------------------------

/// A 4-ary min-heap of `(time, seq, lp)`.
struct QuadHeap {
    v: Vec<(u64, u64, u32)>,
}

impl QuadHeap {
    #[inline(always)]
    fn key(e: &(u64, u64, u32)) -> u128 {
        ((e.0 as u128) << 64) | e.1 as u128
    }

    #[inline]
    fn push(&mut self, e: (u64, u64, u32)) {
        let k = Self::key(&e);
        let mut i = self.v.len();
        self.v.push(e);
        while i > 0 {
            let p = (i - 1) / 4;
            if Self::key(&self.v[p]) <= k {
                break;
            }
            self.v[i] = self.v[p];
            i = p;
        }
        self.v[i] = e;
    }

    #[inline]
    fn pop(&mut self) -> Option<(u64, u64, u32)> {
        let last = self.v.pop()?;
        if self.v.is_empty() {
            return Some(last);
        }
        let top = self.v[0];
        let n = self.v.len();
        let k = Self::key(&last);
        let mut i = 0;
        loop {
            let c = 4 * i + 1;
            if c >= n {
                break;
            }
            let mut m = c;
            let mut mk = Self::key(&self.v[c]);
            for j in c + 1..(c + 4).min(n) {
                let jk = Self::key(&self.v[j]);
                if jk < mk {
                    m = j;
                    mk = jk;
                }
            }
            if mk >= k {
                break;
            }
            self.v[i] = self.v[m];
            i = m;
        }
        self.v[i] = last;
        Some(top)
    }
}

struct QuadRun {
    draws: Draws,
    heap: QuadHeap,
    seq: u64,
    now: u64,
    handled: u64,
    checksum: u64,
}

impl QuadRun {
    fn new(lps: u32) -> QuadRun {
        let mut draws = Draws::new(lps);
        let mut heap = QuadHeap {
            v: Vec::with_capacity((lps * PER_LP) as usize),
        };
        let mut seq = 0;
        for (lp, t) in draws.initial() {
            heap.push((t, seq, lp));
            seq += 1;
        }
        QuadRun {
            draws,
            heap,
            seq,
            now: 0,
            handled: 0,
            checksum: 0,
        }
    }
}

impl Variant for QuadRun {
    fn batch(&mut self, n: u64) {
        for _ in 0..n {
            let Some((t, _, lp)) = self.heap.pop() else {
                break;
            };
            self.now = t;
            self.handled += 1;
            self.checksum = mix(self.checksum, t, lp);
            let (target, delay) = self.draws.successor(lp);
            self.heap.push((t.saturating_add(delay), self.seq, target));
            self.seq += 1;
        }
    }
    fn state(&self) -> (u64, u64, u64) {
        (self.handled, self.now, self.checksum)
    }
}

// ---- the interleaved comparison ----------------------------------------------------------------

fn median_range(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn case(name: &str, lps: u32, batch: u64, rounds: usize) {
    let pending = lps * PER_LP;
    let mut variants: Vec<(&str, Box<dyn Variant>)> = vec![
        ("engine", Box::new(EngineRun::new(lps))),
        ("binary", Box::new(BinaryRun::new(lps))),
        ("quad", Box::new(QuadRun::new(lps))),
    ];
    // Warm-up: every variant handles a batch, untimed (caches, allocations, heap shape).
    for (_, v) in variants.iter_mut() {
        v.batch(batch);
    }
    let mut secs = vec![Vec::new(); variants.len()];
    for round in 0..rounds {
        for k in 0..variants.len() {
            let i = (k + round) % variants.len();
            let start = Instant::now();
            variants[i].1.batch(black_box(batch));
            secs[i].push(start.elapsed().as_secs_f64());
        }
    }
    let reference = variants[0].1.state();
    for (name, v) in &variants {
        assert_eq!(
            v.state(),
            reference,
            "{name} diverged from the engine: the comparison would not be honest"
        );
    }
    println!("phold {name}: {pending} pending, {rounds} rounds of {batch} events per variant");
    for (i, (vname, _)) in variants.iter().enumerate() {
        let rates: Vec<f64> = secs[i].iter().map(|s| batch as f64 / s).collect();
        let (m, lo, hi) = median_range(rates);
        println!(
            "  {vname:>6}: {:.2} M events/s [{:.2}, {:.2}]",
            m / 1e6,
            lo / 1e6,
            hi / 1e6
        );
    }
    for (i, (vname, _)) in variants.iter().enumerate().skip(1) {
        let ratios: Vec<f64> = secs[i].iter().zip(&secs[0]).map(|(f, e)| f / e).collect();
        let (m, lo, hi) = median_range(ratios);
        println!("  engine vs {vname}: {m:.2}x [{lo:.2}, {hi:.2}]");
    }
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |n: &str| filters.is_empty() || filters.iter().any(|f| f == n);
    // (name, LPs, batch, rounds): batches of ~10-100 ms each.
    let cases: [(&str, u32, u64, usize); 3] = [
        ("1k", 63, 500_000, 21),
        ("64k", 4_096, 500_000, 21),
        ("1M", 62_500, 1_000_000, 11),
    ];
    for (name, lps, batch, rounds) in cases {
        if wanted(name) {
            case(name, lps, batch, rounds);
        }
    }
}
