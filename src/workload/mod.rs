//! The offered load: client groups, their arrivals and the operations they issue.
//!
//! Owns `ClientGroup`, `Workload` and `GroupGen`, the generator that turns one group's seeded
//! stream into inter-arrival gaps (Poisson arrivals at `rate_rps`) and operations (read or
//! write, a key from a Zipf popularity over the group's key range (`zipf`: an alias table, no
//! libm per draw), a value size). Each group
//! draws from its own stream, so every strategy in a run sees the same operations at the same
//! times, and adding a group does not change the others. Also owns `ProbePlan`, the opt-in
//! probe reads that measure `t_visibility_exact` (issued by the world, not by a group), and
//! (`sessions`) the closed-loop sessions of a group and the clients' session routing.
//!
//! Must not import the engine, strategies, metrics or scenario (serde) types.

mod sessions;
pub mod users;
mod zipf;

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use crate::rng::{stream, SimRng, Stream};
use crate::time::secs_to_nanos;
use crate::topology::RegionId;

pub use sessions::{SessionPlan, SessionRouting, MAX_SESSIONS, TOKEN_POLL_NS};
pub use users::{Travel, Trip, UserGen, Users};
pub use zipf::{KeyRanks, TABLE_MAX_KEYS};

/// A key in the simulated store.
pub type Key = u64;

/// Read or write.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// Reads the current value of a key.
    Read,
    /// Writes a new value of a key.
    Write,
}

/// A population of clients in one region.
#[derive(Clone, Debug)]
pub struct ClientGroup {
    /// The region the clients live in.
    pub region: RegionId,
    /// Mean operations per second (Poisson arrivals).
    pub rate_rps: f64,
    /// Share of operations that are reads, in [0, 1].
    pub read_fraction: f64,
    /// Number of distinct keys this group touches.
    pub keys: u64,
    /// First key of the group's range; keys are `key_offset .. key_offset + keys`.
    pub key_offset: u64,
    /// Zipf exponent of key popularity (0 = uniform).
    pub zipf: f64,
    /// Size of a written value in bytes.
    pub value_bytes: u32,
    /// Daily load profile, if any.
    pub diurnal: Option<Diurnal>,
    /// Closed-loop sessions (`None`: open-loop Poisson arrivals).
    pub sessions: Option<SessionPlan>,
}

/// A daily profile that scales a group's rate by the clients' local hour.
#[derive(Clone, Debug, PartialEq)]
pub struct Diurnal {
    /// Offset of local time from UTC, ns (may be negative).
    pub utc_offset_ns: i64,
    /// Multiplier of `rate_rps` for each local hour 0..24.
    pub profile: [f64; 24],
}

impl Diurnal {
    /// The multiplier at `utc_ns` nanoseconds after some UTC midnight.
    pub fn factor(&self, utc_ns: u64) -> f64 {
        self.profile[local_hour(utc_ns, self.utc_offset_ns)]
    }

    /// The largest multiplier.
    pub fn peak(&self) -> f64 {
        self.profile.iter().copied().fold(0.0, f64::max)
    }
}

/// Nanoseconds in a day.
pub const DAY_NS: u64 = 86_400 * 1_000_000_000;
const HOUR_NS: u64 = 3_600 * 1_000_000_000;

/// The local hour (0..24) at `utc_ns` after a UTC midnight, for a zone `offset_ns` from UTC.
pub fn local_hour(utc_ns: u64, offset_ns: i64) -> usize {
    let day = DAY_NS as i128;
    let local = (utc_ns as i128 + offset_ns as i128).rem_euclid(day);
    (local / HOUR_NS as i128) as usize
}

/// All client groups of a scenario.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    /// Groups in scenario order.
    pub groups: Vec<ClientGroup>,
    /// UTC time of day at simulated time zero, ns after midnight.
    pub start_utc_ns: u64,
    /// Travelling users (`[workload.users]`, `users`), if any.
    pub users: Option<Users>,
    /// How clients route the reads of sessions.
    pub session_routing: SessionRouting,
}

impl Workload {
    /// One past the largest key any group uses.
    pub fn key_space(&self) -> u64 {
        let groups = self.groups_key_space();
        match &self.users {
            Some(u) => groups.max(u.key_offset.saturating_add(u.keys())),
            None => groups,
        }
    }

    /// One past the largest key any client group uses (the travelling users' keys follow).
    pub fn groups_key_space(&self) -> u64 {
        self.groups
            .iter()
            .map(|g| g.key_offset.saturating_add(g.keys))
            .max()
            .unwrap_or(0)
    }

    /// Total mean request rate over all groups (and the travelling users).
    pub fn total_rate_rps(&self) -> f64 {
        self.groups.iter().map(|g| g.rate_rps).sum::<f64>()
            + self.users.as_ref().map_or(0.0, |u| u.rate_rps)
    }
}

/// Most probe delays a scenario may list (`consistency.probes_ms`).
pub const MAX_PROBES: usize = 32;
/// Largest probe delay, ms.
pub const MAX_PROBE_MS: u64 = 60_000;

/// Opt-in probe reads (`[consistency]`): after every `every`-th write (in issue order) is
/// acknowledged, one read of its key at each delay of `delays_ms` (sorted, unique), served
/// like a client read of region `from` (or of each client region in turn) but measured
/// apart. See docs/metrics.md, "Exact staleness curve".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbePlan {
    /// Delays after the acknowledgement, ms (1 to `MAX_PROBES`, each <= `MAX_PROBE_MS`).
    pub delays_ms: Vec<u64>,
    /// Probe every `every`-th write (>= 1).
    pub every: u64,
    /// The client region every probe is issued from; `None`: the client regions in turn.
    pub from: Option<RegionId>,
}

/// One operation drawn by a generator.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct OpDraw {
    /// Read or write.
    pub kind: OpKind,
    /// The key.
    pub key: Key,
    /// Value size (bytes) for writes; 0 for reads.
    pub bytes: u32,
}

/// The seeded generator of one client group.
#[derive(Clone, Debug)]
pub struct GroupGen {
    rng: SimRng,
    gap: Exp<f64>,
    diurnal: Option<(Diurnal, f64)>,
    start_utc_ns: u64,
    ranks: KeyRanks,
    key_offset: u64,
    read_fraction: f64,
    value_bytes: u32,
    think: Option<crate::latency::LatencyDist>,
    /// The operation `next_arrival_and_op` drew for the arrival it returned (`next_op` hands
    /// it out), if any.
    ahead: Option<OpDraw>,
}

impl GroupGen {
    /// The generator for group `index` of a run with seed `seed`; simulated time zero is
    /// `start_utc_ns` after a UTC midnight.
    pub fn new(seed: u64, index: u32, group: &ClientGroup, start_utc_ns: u64) -> GroupGen {
        let ranks = KeyRanks::new(group.keys, group.zipf);
        GroupGen::with_ranks(seed, index, group, start_utc_ns, ranks)
    }

    /// The generators of every group of `workload`, in order. Groups with the same key count
    /// and exponent share one key sampler (the same draws as separate ones: a sampler is read
    /// only), so a run holds one alias table per distinct pair.
    pub fn all(seed: u64, workload: &Workload) -> Vec<GroupGen> {
        let mut built: Vec<(u64, u64, KeyRanks)> = Vec::new();
        let mut gens = Vec::with_capacity(workload.groups.len());
        for (i, g) in workload.groups.iter().enumerate() {
            let same = built
                .iter()
                .find(|(k, s, _)| *k == g.keys && *s == g.zipf.to_bits());
            let ranks = match same {
                Some((_, _, r)) => r.clone(),
                None => {
                    let r = KeyRanks::new(g.keys, g.zipf);
                    built.push((g.keys, g.zipf.to_bits(), r.clone()));
                    r
                }
            };
            gens.push(GroupGen::with_ranks(
                seed,
                i as u32,
                g,
                workload.start_utc_ns,
                ranks,
            ));
        }
        gens
    }

    fn with_ranks(
        seed: u64,
        index: u32,
        group: &ClientGroup,
        start_utc_ns: u64,
        ranks: KeyRanks,
    ) -> GroupGen {
        // With a daily profile, candidates arrive at the peak rate and are thinned
        // (Lewis-Shedler), which gives a Poisson process whose rate follows the profile.
        let peak = group.diurnal.as_ref().map_or(1.0, |d| d.peak());
        GroupGen {
            rng: stream(seed, Stream::Workload(index)),
            gap: Exp::new(group.rate_rps * peak).expect("validated rate"),
            diurnal: group.diurnal.clone().map(|d| (d, peak)),
            start_utc_ns,
            ranks,
            key_offset: group.key_offset,
            read_fraction: group.read_fraction,
            value_bytes: group.value_bytes,
            think: group.sessions.as_ref().map(|s| s.think.clone()),
            ahead: None,
        }
    }

    /// A session's think time before its next operation, ns (0 for an open-loop group).
    #[inline]
    pub fn next_think_nanos(&mut self) -> u64 {
        match &self.think {
            Some(d) => d.sample_nanos(&mut self.rng),
            None => 0,
        }
    }

    /// The size of the group's written values, bytes.
    #[inline]
    pub fn value_bytes(&self) -> u32 {
        self.value_bytes
    }

    /// A uniform draw in `[0, 1)` from the group's stream (a session's start).
    pub fn unit(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// The gap to the next arrival, in ns (exponential with mean 1 / rate), ignoring any
    /// daily profile.
    #[inline]
    pub fn next_gap_nanos(&mut self) -> u64 {
        secs_to_nanos(self.gap.sample(&mut self.rng)).max(1)
    }

    /// The time of the next arrival after `now` (ns since the run started), following the
    /// daily profile when there is one.
    #[inline(always)]
    pub fn next_arrival(&mut self, now: u64) -> u64 {
        let mut t = now.saturating_add(self.next_gap_nanos());
        if let Some((d, peak)) = &self.diurnal {
            // Thinning: a candidate is kept with probability factor / peak. A time that
            // saturated is past any run's end (it stays there whatever is drawn next: a rate
            // so low that the gaps overflow, over hours the profile weighs 0, would loop
            // forever).
            while t < u64::MAX
                && self.rng.random::<f64>() * peak >= d.factor(self.start_utc_ns.saturating_add(t))
            {
                t = t.saturating_add(secs_to_nanos(self.gap.sample(&mut self.rng)).max(1));
            }
        }
        t
    }

    /// `next_arrival`, then the operation issued at that arrival (what `next_op` would draw
    /// there: the stream makes the same draws in the same order when every call is followed
    /// by one `next_op` before the next arrival), kept for the next `next_op`. Drawing it a
    /// whole inter-arrival ahead takes the key's table lookup (a likely cache miss) off the
    /// path of the arrival that issues it.
    #[inline]
    pub fn next_arrival_and_op(&mut self, now: u64) -> u64 {
        let t = self.next_arrival(now);
        let op = self.draw_op();
        self.ahead = Some(op);
        t
    }

    /// The key of the operation `next_arrival_and_op` drew ahead, if any.
    #[inline]
    pub fn ahead_key(&self) -> Option<Key> {
        self.ahead.map(|op| op.key)
    }

    /// The next operation (the one `next_arrival_and_op` drew ahead, if any).
    #[inline]
    pub fn next_op(&mut self) -> OpDraw {
        match self.ahead.take() {
            Some(op) => op,
            None => self.draw_op(),
        }
    }

    #[inline(always)]
    fn draw_op(&mut self) -> OpDraw {
        let read = self.rng.random::<f64>() < self.read_fraction;
        let rank = self.ranks.sample(&mut self.rng);
        OpDraw {
            kind: if read { OpKind::Read } else { OpKind::Write },
            key: self.key_offset + rank,
            bytes: if read { 0 } else { self.value_bytes },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(rate: f64, zipf: f64) -> ClientGroup {
        ClientGroup {
            region: 0,
            rate_rps: rate,
            read_fraction: 0.75,
            keys: 100,
            key_offset: 1000,
            zipf,
            value_bytes: 512,
            diurnal: None,
            sessions: None,
        }
    }

    #[test]
    fn poisson_rate_and_read_fraction() {
        let mut g = GroupGen::new(5, 0, &group(200.0, 0.0), 0);
        let n = 200_000;
        let mut total = 0u64;
        let mut reads = 0;
        for _ in 0..n {
            total += g.next_gap_nanos();
            let op = g.next_op();
            assert!((1000..1100).contains(&op.key));
            reads += (op.kind == OpKind::Read) as u32;
        }
        let mean_gap_s = total as f64 / n as f64 / 1e9;
        // Mean gap 5 ms; standard error 5 ms / sqrt(n) = 0.011 ms.
        assert!((mean_gap_s - 0.005).abs() < 0.00005, "{mean_gap_s}");
        let rf = reads as f64 / n as f64;
        assert!((rf - 0.75).abs() < 0.005, "{rf}");
    }

    #[test]
    fn zipf_makes_the_first_key_hottest() {
        let mut g = GroupGen::new(5, 0, &group(1.0, 1.0), 0);
        let mut counts = [0u32; 100];
        for _ in 0..100_000 {
            counts[(g.next_op().key - 1000) as usize] += 1;
        }
        // With s = 1 and n = 100, P(rank 1) = 1 / H_100 = 0.193; P(rank 2) is half that.
        let p1 = counts[0] as f64 / 100_000.0;
        assert!((p1 - 0.1928).abs() < 0.01, "{p1}");
        let ratio = counts[0] as f64 / counts[1] as f64;
        assert!((ratio - 2.0).abs() < 0.1, "{ratio}");
    }

    #[test]
    fn a_rate_too_low_to_arrive_ends_past_the_run_instead_of_looping() {
        // One busy hour a day at 1e-12 per second: the gaps overflow the clock within a few
        // draws, and a saturated time may fall in an hour the profile weighs 0, where
        // thinning would reject it forever. Every seed returns, past any run's end.
        let mut profile = [0.0; 24];
        profile[0] = 1.0;
        for rate in [1e-9, 1e-12] {
            let mut g = group(rate, 0.0);
            g.diurnal = Some(Diurnal {
                utc_offset_ns: 0,
                profile,
            });
            for seed in 0..32 {
                let mut gen = GroupGen::new(seed, 0, &g, 0);
                assert!(gen.next_arrival(0) > 365 * DAY_NS, "{rate} {seed}");
            }
        }
    }

    #[test]
    fn diurnal_thinning_follows_the_profile() {
        // Busy 09:00-17:00 local (x1), quiet otherwise (x0.1), in UTC+9.
        let mut profile = [0.1; 24];
        profile[9..17].fill(1.0);
        let mut g = group(100.0, 0.0);
        g.diurnal = Some(Diurnal {
            utc_offset_ns: 9 * HOUR_NS as i64,
            profile,
        });
        let mut gen = GroupGen::new(3, 0, &g, 0);
        let mut per_hour = [0u64; 24];
        let mut t = 0;
        loop {
            t = gen.next_arrival(t);
            if t >= DAY_NS {
                break;
            }
            per_hour[local_hour(t, 9 * HOUR_NS as i64)] += 1;
        }
        // Expected 360000 per busy hour and 36000 per quiet hour; 5 sigma is ~3000 / ~950.
        for (h, &n) in per_hour.iter().enumerate() {
            let expect = if (9..17).contains(&h) {
                360_000.0
            } else {
                36_000.0
            };
            assert!(
                (n as f64 - expect).abs() < 5.0 * expect.sqrt(),
                "hour {h}: {n}"
            );
        }
    }

    /// Groups with the same key count and exponent share one alias table, and draw exactly
    /// what generators built one by one draw.
    #[test]
    fn groups_share_equal_tables_and_draw_the_same() {
        let mut a = group(10.0, 0.99);
        a.keys = 5000;
        let mut b = a.clone();
        b.key_offset = 0;
        let c = group(10.0, 0.5);
        let w = Workload {
            groups: vec![a.clone(), c.clone(), b.clone()],
            start_utc_ns: 0,
            users: None,
            session_routing: SessionRouting::None,
        };
        let mut all = GroupGen::all(4, &w);
        match (&all[0].ranks, &all[1].ranks, &all[2].ranks) {
            (KeyRanks::Table(x), KeyRanks::Table(y), KeyRanks::Table(z)) => {
                assert!(std::sync::Arc::ptr_eq(x, z));
                assert!(!std::sync::Arc::ptr_eq(x, y));
            }
            _ => panic!("alias tables expected"),
        }
        for (i, g) in [a, c, b].iter().enumerate() {
            let mut alone = GroupGen::new(4, i as u32, g, 0);
            for _ in 0..1000 {
                assert_eq!(all[i].next_op(), alone.next_op());
                assert_eq!(all[i].next_arrival(0), alone.next_arrival(0));
            }
        }
    }

    /// Drawing each arrival's operation ahead (`next_arrival_and_op`) gives the same arrival
    /// times and operations as drawing it when the arrival is issued, with and without a
    /// daily profile (whose thinning draws from the same stream).
    #[test]
    fn operations_drawn_ahead_are_the_ones_drawn_on_arrival() {
        let mut profile = [0.3; 24];
        profile[8..20].fill(1.0);
        let mut daily = group(500.0, 0.99);
        daily.diurnal = Some(Diurnal {
            utc_offset_ns: 0,
            profile,
        });
        for g in [group(500.0, 0.99), group(500.0, 0.0), daily] {
            let mut late = GroupGen::new(8, 2, &g, 0);
            let mut early = GroupGen::new(8, 2, &g, 0);
            let (mut t_late, mut t_early) = (late.next_arrival(0), early.next_arrival_and_op(0));
            let mut distinct = std::collections::BTreeSet::new();
            for _ in 0..5000 {
                assert_eq!(t_late, t_early);
                let op = late.next_op();
                assert_eq!(op, early.next_op());
                distinct.insert(op.key);
                t_late = late.next_arrival(t_late);
                t_early = early.next_arrival_and_op(t_early);
            }
            // The comparison saw varied draws, not a constant.
            assert!(distinct.len() > 50, "{}", distinct.len());
            // Without a draw ahead, `next_op` draws on the spot, as before.
            assert_eq!(late.next_op(), early.next_op());
            assert_eq!(late.next_op(), early.next_op());
        }
    }

    #[test]
    fn local_hours_wrap() {
        assert_eq!(local_hour(0, -5 * HOUR_NS as i64), 19);
        assert_eq!(local_hour(23 * HOUR_NS, 2 * HOUR_NS as i64), 1);
    }

    #[test]
    fn groups_draw_from_independent_streams() {
        let a: Vec<u64> = {
            let mut g = GroupGen::new(9, 0, &group(10.0, 0.0), 0);
            (0..10).map(|_| g.next_gap_nanos()).collect()
        };
        let b: Vec<u64> = {
            let mut g = GroupGen::new(9, 0, &group(10.0, 0.0), 0);
            (0..10).map(|_| g.next_gap_nanos()).collect()
        };
        let c: Vec<u64> = {
            let mut g = GroupGen::new(9, 1, &group(10.0, 0.0), 0);
            (0..10).map(|_| g.next_gap_nanos()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
