//! The hand-written floor of `benches/scenario.rs`: the least a simulator of the benchmark
//! scenario has to do, written as one tight loop, to set geosim's whole run against.
//!
//! It follows the loaded scenario's client groups (Poisson arrivals at `rate_rps`, reads with
//! probability `read_fraction`, Zipf(`zipf`) keys over `keys`) and draws the same kinds of
//! random numbers from the same kinds of streams: per group one ChaCha8 stream for the gap
//! (exponential), the kind and the key (a Vose alias table over the Zipf weights, built once);
//! per region one for the client's access network, per region pair one for WAN delays, both
//! drawn with the scenario's own `Topology::sample_access_nanos` / `sample_nanos` (the latency
//! model is the scenario's, not the floor's to simplify). Its queue is geosim's kernel
//! (`engine::Scheduler`), which `benches/engine.rs` sets against hand-written heaps: the
//! floor measures the cost of everything above the queue.
//!
//! What it does per operation, and no more: an `Arrival` event draws the operation and its
//! access delay and schedules a `Request` at the serving region (the client's own, as in
//! multi-master) carrying the operation; a read there returns the region's copy of the key
//! (last writer wins on `(time, region)`), counts as stale if an acknowledged write to the key
//! is newer, and records its latency (both access legs) in a log-linear histogram; a write
//! stamps its version, acknowledges at once and schedules one `Deliver` per other region
//! after a WAN delay, which keeps the newer version there. No operation table, no timeouts,
//! version vectors, conflict counting, latency breakdown, per-region metrics, traces or
//! report: those are what the ratio engine / floor prices.

use geosim::engine::{self, Model, Scheduler};
use geosim::rng::{self, SimRng, Stream};
use geosim::scenario::Scenario;
use geosim::time::SimTime;
use rand::RngExt;
use rand_distr::{Distribution, Exp};

/// The floor's events: 16 bytes (24 with their time in the queue).
#[derive(Clone, Copy)]
pub enum Ev {
    Arrival {
        group: u32,
    },
    Request {
        key: u32,
        region: u8,
        write: bool,
        start: u64,
    },
    Deliver {
        key: u32,
        region: u8,
        version: u64,
    },
}

const _: () = assert!(std::mem::size_of::<Ev>() == 16);

/// Vose's alias table over weights `w`: one uniform draw picks an index with probability
/// `w[i] / sum(w)`.
struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    fn new(w: &[f64]) -> Alias {
        let n = w.len();
        let sum: f64 = w.iter().sum();
        let mut scaled: Vec<f64> = w.iter().map(|x| x * n as f64 / sum).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        let mut prob = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { prob, alias }
    }

    #[inline(always)]
    fn sample(&self, rng: &mut SimRng) -> u32 {
        let i = rng.random_range(0..self.prob.len());
        if rng.random::<f64>() < self.prob[i] {
            i as u32
        } else {
            self.alias[i]
        }
    }
}

struct Group {
    region: u8,
    read_fraction: f64,
    gap: Exp<f64>,
    keys: Alias,
    rng: SimRng,
}

/// Latency histogram: 16 log-linear bins per power of two of ns.
struct Hist {
    bins: Vec<u64>,
}

impl Hist {
    #[inline(always)]
    fn record(&mut self, ns: u64) {
        let ns = ns.max(16);
        let p = 63 - ns.leading_zeros();
        let i = (p as usize) * 16 + ((ns >> (p - 4)) & 15) as usize;
        self.bins[i] += 1;
    }

    /// The lower edge of the bin holding the `q` quantile, ms.
    fn quantile_ms(&self, q: f64) -> f64 {
        let total: u64 = self.bins.iter().sum();
        let want = (total as f64 * q).ceil() as u64;
        let mut seen = 0;
        for (i, &c) in self.bins.iter().enumerate() {
            seen += c;
            if seen >= want && c > 0 {
                let (p, m) = (i / 16, i % 16);
                return ((16 + m as u64) << (p - 4)) as f64 / 1e6;
            }
        }
        0.0
    }
}

/// One run of the floor.
pub struct Floor<'a> {
    sc: &'a Scenario,
    n: usize,
    groups: Vec<Group>,
    access: Vec<SimRng>,
    net: Vec<SimRng>,
    /// Per (key, region): the version held, `time << 8 | region`.
    cells: Vec<u64>,
    /// Per key: the newest acknowledged version.
    acked: Vec<u64>,
    end: u64,
    read: Hist,
    write: Hist,
    /// Operations issued, and stale reads.
    pub ops: u64,
    pub stale: u64,
}

/// What a floor run measured.
pub struct Outcome {
    pub ops: u64,
    pub events: u64,
    pub stale: u64,
    pub read_p50_ms: f64,
}

impl<'a> Floor<'a> {
    pub fn new(sc: &'a Scenario, seed: u64) -> Floor<'a> {
        let n = sc.topology.len();
        let key_space = sc.workload.key_space() as usize;
        let groups = sc
            .workload
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let w: Vec<f64> = (1..=g.keys).map(|k| (k as f64).powf(-g.zipf)).collect();
                Group {
                    region: g.region as u8,
                    read_fraction: g.read_fraction,
                    gap: Exp::new(g.rate_rps / 1e9).expect("rate"),
                    keys: Alias::new(&w),
                    rng: rng::stream(seed, Stream::Workload(i as u32)),
                }
            })
            .collect();
        Floor {
            sc,
            n,
            groups,
            access: (0..n as u32)
                .map(|r| rng::stream(seed, Stream::Access(r)))
                .collect(),
            net: (0..(n * n) as u32)
                .map(|p| rng::stream(seed, Stream::Network(p / n as u32, p % n as u32)))
                .collect(),
            cells: vec![0; key_space * n],
            acked: vec![0; key_space],
            end: sc.duration_ns,
            read: Hist {
                bins: vec![0; 64 * 16],
            },
            write: Hist {
                bins: vec![0; 64 * 16],
            },
            ops: 0,
            stale: 0,
        }
    }

    /// Runs the scenario's duration plus drain.
    pub fn run(mut self) -> Outcome {
        let mut sched = Scheduler::with_capacity(4096);
        for g in 0..self.groups.len() {
            let grp = &mut self.groups[g];
            let gap = grp.gap.sample(&mut grp.rng) as u64;
            sched.schedule_at(SimTime(gap), Ev::Arrival { group: g as u32 });
        }
        let horizon = SimTime(self.sc.duration_ns) + self.sc.drain_ns;
        let events = engine::run(&mut self, &mut sched, horizon);
        Outcome {
            ops: self.ops,
            events,
            stale: self.stale,
            read_p50_ms: self.read.quantile_ms(0.5),
        }
    }

    #[inline(always)]
    fn access_nanos(&mut self, r: u8) -> u64 {
        self.sc
            .topology
            .sample_access_nanos(r as u32 as _, &mut self.access[r as usize])
    }
}

impl Model for Floor<'_> {
    type Event = Ev;

    fn handle(&mut self, now: SimTime, ev: Ev, sched: &mut Scheduler<Ev>) {
        let t = now.as_nanos();
        match ev {
            Ev::Arrival { group } => {
                let g = &mut self.groups[group as usize];
                let write = g.rng.random::<f64>() >= g.read_fraction;
                let key = g.keys.sample(&mut g.rng);
                let next = t + g.gap.sample(&mut g.rng) as u64;
                let region = g.region;
                self.ops += 1;
                let access = self.access_nanos(region);
                let req = Ev::Request {
                    key,
                    region,
                    write,
                    start: t,
                };
                sched.schedule_at(SimTime(t + access), req);
                if next < self.end {
                    sched.schedule_at(SimTime(next), ev);
                }
            }
            Ev::Request {
                key,
                region,
                write,
                start,
            } => {
                let (k, r) = (key as usize, region as usize);
                let back = self.access_nanos(region);
                if write {
                    let version = t << 8 | r as u64;
                    self.cells[k * self.n + r] = self.cells[k * self.n + r].max(version);
                    self.acked[k] = self.acked[k].max(version);
                    for q in 0..self.n {
                        if q != r {
                            let d = self.sc.topology.sample_nanos(
                                r as _,
                                q as _,
                                &mut self.net[r * self.n + q],
                            );
                            let msg = Ev::Deliver {
                                key,
                                region: q as u8,
                                version,
                            };
                            sched.schedule_at(SimTime(t + d), msg);
                        }
                    }
                    self.write.record(t + back - start);
                } else {
                    if self.cells[k * self.n + r] < self.acked[k] {
                        self.stale += 1;
                    }
                    self.read.record(t + back - start);
                }
            }
            Ev::Deliver {
                key,
                region,
                version,
            } => {
                let c = &mut self.cells[key as usize * self.n + region as usize];
                *c = (*c).max(version);
            }
        }
    }
}
