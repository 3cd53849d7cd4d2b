//! What a run measures, in streaming form: memory does not grow with the number of operations.
//!
//! Owns `LatencyStat` (an HDR histogram in ns plus an exact sum for the mean) and
//! `RunMetrics`: read and write latency overall and per client region, operation counts,
//! stale reads (against the newest version acknowledged to any client before the read began),
//! conflicts, lost updates, replication lag and WAN bytes. Definitions are in docs/metrics.md.
//!
//! Submodules: `attempts` (what became of the clients' attempts, and the cause of each
//! failed operation), `hist` (the streaming histograms), `breakdown` (the latency breakdown per
//! client region and kind, over all operations and the slowest 1 %), `faults` (per-fault lost data and RTO),
//! `station` (per serving region: utilisation, queue waits, shed and breaker-rejected calls).
//! `probes` (the exact staleness curve of probe reads).
//!
//! Must not import the engine, the world, strategies' internals, scenario or report types.

mod attempts;
mod breakdown;
mod coarse;
mod faults;
mod hist;
mod histories;
mod ledger;
mod probes;
mod station;

pub use attempts::{Attempts, Failure, FAILURES};
pub use breakdown::{Breakdown, TailMeans};
pub use coarse::CoarseHist;
pub use faults::FaultCost;
use faults::Recovery;
pub use hist::LatencyStat;
pub use histories::{Histories, Verdict};
use ledger::{AckLedger, Fate};
pub use probes::ProbeCurve;
pub use station::{StationStats, Stations};

use std::collections::VecDeque;

use crate::strategy::{Outcome, Reports, Version};
use crate::time::SimTime;
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// Ages (ms) at which the staleness curve `t_visibility` is reported.
pub const VISIBILITY_AGES_MS: [u64; 13] = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

/// The last age of `VISIBILITY_AGES_MS`, ms.
const LAST_AGE_MS: usize = VISIBILITY_AGES_MS[VISIBILITY_AGES_MS.len() - 1] as usize;

/// Per whole ms of age up to `LAST_AGE_MS`, the index of the last age of `VISIBILITY_AGES_MS`
/// at or below it (the table is sorted and starts at 0; older reads are in the last bucket):
/// one load per read instead of a comparison with every age.
static AGE_BUCKET: [u8; LAST_AGE_MS + 1] = age_buckets();

const fn age_buckets() -> [u8; LAST_AGE_MS + 1] {
    let mut table = [0u8; LAST_AGE_MS + 1];
    let (mut ms, mut b) = (0, 0);
    while ms <= LAST_AGE_MS {
        while b + 1 < VISIBILITY_AGES_MS.len() && VISIBILITY_AGES_MS[b + 1] as usize <= ms {
            b += 1;
        }
        table[ms] = b as u8;
        ms += 1;
    }
    table
}

/// The bucket of `VISIBILITY_AGES_MS` of a read whose expected version is `age_ms` old.
#[inline]
fn age_bucket(age_ms: u64) -> usize {
    AGE_BUCKET[age_ms.min(LAST_AGE_MS as u64) as usize] as usize
}

/// What a read expects: the newest version acknowledged before it began, and when that
/// acknowledgement reached its client (`SimTime::MAX` when the key was never written).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// Newest acknowledged version.
    pub version: Version,
    /// When its acknowledgement reached the client.
    pub acked_at: SimTime,
}

impl Expect {
    /// Nothing acknowledged yet.
    pub const NONE: Expect = Expect {
        version: Version::NONE,
        acked_at: SimTime::MAX,
    };
}

/// One bucket of the timeline (operations attributed by the time they were issued).
#[derive(Clone, Debug, Default)]
pub struct TimelineBucket {
    /// Operations issued.
    pub attempted: u64,
    /// Of those, succeeded.
    pub succeeded: u64,
    /// Of those, failed.
    pub failed: u64,
    /// Latency of the successful ones.
    pub latency: CoarseHist,
    /// Latency of the successful writes among them.
    pub write_latency: CoarseHist,
}

/// Most timeline buckets kept; longer runs get wider buckets.
pub const MAX_TIMELINE_BUCKETS: u64 = 1200;

/// Attempted and succeeded operations of one client region, reads and writes.
#[derive(Clone, Debug, Default)]
pub struct Availability {
    /// `[reads, writes]` issued.
    pub attempted: [u64; 2],
    /// `[reads, writes]` that succeeded.
    pub succeeded: [u64; 2],
}

/// Everything one strategy run measures.
#[derive(Clone, Debug)]
pub struct RunMetrics {
    /// Latency of successful reads (all client regions: `per_region`'s reads, folded in by
    /// `close`).
    pub read: LatencyStat,
    /// Latency of successful writes (folded in from `per_region` by `close`).
    pub write: LatencyStat,
    /// `[read, write]` latency per client region (the only histograms `completed` records
    /// into; `close` adds them up into `read` and `write`).
    pub per_region: Vec<[LatencyStat; 2]>,
    /// Reads issued.
    pub reads: u64,
    /// Writes issued.
    pub writes: u64,
    /// Operations that failed or did not finish.
    pub failed: u64,
    /// The clients' attempts, and the failed operations by cause.
    pub attempts: Attempts,
    /// The figures the strategy says it produces (`Strategy::reports`), read at the end of
    /// the run; the report consults it for strategies from outside geosim only.
    pub reports: Reports,
    /// Successful reads that returned a version older than the newest acknowledged before
    /// they began.
    pub stale_reads: u64,
    /// Writes that met a concurrent write where they were accepted.
    pub conflicts: u64,
    /// Acknowledged writes discarded by conflict resolution.
    pub lost_updates: u64,
    /// Lost updates by the region that accepted the write.
    pub lost_by_region: Vec<u64>,
    /// Replication lag: time from acknowledgement to application at each other replica.
    pub lag: LatencyStat,
    /// Bytes sent between different regions.
    pub wan_bytes: u64,
    /// Bytes sent per ordered region pair (`from * n + to`), diagonal included.
    pub bytes_matrix: Vec<u64>,
    /// Bytes answered to clients, per serving region (internet egress).
    pub egress_bytes: Vec<u64>,
    /// Copies of restricted data sent to regions outside their class.
    pub residency_violations: u64,
    /// Bytes of those copies.
    pub bytes_outside: u64,
    /// Keys with at least one copy outside their class (bit set).
    keys_outside: Vec<u64>,
    /// Events handled by the engine.
    pub events: u64,
    /// Reads per age bucket of `VISIBILITY_AGES_MS`: `[reads, consistent reads]`.
    pub visibility: [[u64; 2]; VISIBILITY_AGES_MS.len()],
    /// Age of the missed version, over stale reads.
    pub staleness: LatencyStat,
    /// Probe reads at exact delays after sampled writes (`None`: probes not configured).
    pub probes: Option<ProbeCurve>,
    /// Histories of the keys checked for linearizability (`None`: not configured).
    pub histories: Option<Histories>,
    /// The session guarantees the sessions observed (`None`: no group has sessions); fed by
    /// the world, which knows each operation's session.
    pub sessions: Option<crate::guarantees::session::Sessions>,
    /// Strategy-specific figures, in the strategy's order.
    pub extra: Vec<(&'static str, f64)>,
    /// The strategy's migrations between homes (`None`: it has none, only follow-the-user).
    pub migrations: Option<crate::strategy::Migrations>,
    /// The strategy's leadership timeline `(since, region, reason)` (`None`: no single
    /// leader).
    pub leadership: Option<Vec<(SimTime, RegionId, &'static str)>>,
    /// Availability per client region.
    pub availability: Vec<Availability>,
    /// Per fault (in timeline order): lost data and recovery.
    pub faults: Vec<FaultCost>,
    /// Time with two or more writable primaries, ns.
    pub split_brain_ns: u64,
    /// Writes acknowledged by a primary of a stale epoch (split brain).
    pub split_brain_writes: u64,
    /// Of those, the ones later lost.
    pub split_brain_lost: u64,
    /// The acknowledgements filed by the strategy, and whether they reached their clients.
    ledger: AckLedger,
    /// Width of a timeline bucket, ns.
    pub bucket_ns: u64,
    /// Per-bucket operation counts and latency.
    pub timeline: Vec<TimelineBucket>,
    /// The timeline bucket looked up last: its index and start (ns), so that the next lookup
    /// in the same bucket needs no division (`(0, 0)` is right for any `bucket_ns`, which is
    /// set before the first lookup).
    last_bucket: (usize, u64),
    /// Whether `close` has folded `per_region` into `read` and `write`.
    folded: bool,
    /// Per serving region: capacity station and circuit-breaker figures (empty unless the
    /// world sets it up).
    pub stations: Stations,
    /// The latency breakdown of successful operations, per client region and kind.
    pub breakdown: Breakdown,
    writable: Vec<bool>,
    split_since: Option<SimTime>,
    regions: usize,
    /// Per key, the newest version acknowledged to a client (what a read is compared with);
    /// freed by `close`, as nothing reads it once the run is over.
    newest_acked: Vec<Expect>,
    /// Per (client region, kind): how many faults are waiting for its recovery.
    recovering: Vec<[u32; 2]>,
    /// Per (client region * 2 + kind), in runs with faults: recent successes as `(issued,
    /// done)`, issue times increasing, none issued more than `max_life_ns` ago. A failure is
    /// known only when its last attempt gives up, after successes issued later may already
    /// have completed: this is where its recovery is looked up.
    recent: Vec<VecDeque<(SimTime, SimTime)>>,
    /// The longest an operation can live (all attempts, timeouts and backoffs), capped.
    max_life_ns: u64,
}

/// Longest operation life the RTO bookkeeping remembers successes for (one simulated hour):
/// bounds its memory by rate x one hour even with absurd retry settings.
const MAX_LIFE_WINDOW_NS: u64 = 3_600 * 1_000_000_000;

impl RunMetrics {
    /// Empty metrics for `regions` regions, `keys` keys, a run of `duration_ns` of load and
    /// faults in effect over `fault_spans` (`(start, end)`, sorted by start).
    pub fn with_run(
        regions: usize,
        keys: u64,
        duration_ns: u64,
        fault_spans: &[(SimTime, SimTime)],
        max_life_ns: u64,
    ) -> Self {
        let mut m = Self::new(regions, keys);
        let secs = duration_ns.div_ceil(1_000_000_000).max(1);
        let width = secs.div_ceil(MAX_TIMELINE_BUCKETS).max(1);
        m.bucket_ns = width * 1_000_000_000;
        m.timeline = vec![TimelineBucket::default(); secs.div_ceil(width) as usize];
        m.faults = fault_spans
            .iter()
            .map(|&(start, end)| FaultCost {
                start,
                end,
                lost_writes: 0,
                lost_span_max_ns: 0,
                unacked_lost: 0,
                lost_acked: None,
                recovery: vec![[Recovery::default(); 2]; regions],
                catch_up_ns: None,
            })
            .collect();
        m.recovering = vec![[0; 2]; regions];
        if !fault_spans.is_empty() {
            m.ledger = AckLedger::on();
            m.recent = vec![VecDeque::new(); regions * 2];
            m.max_life_ns = max_life_ns.min(MAX_LIFE_WINDOW_NS);
        }
        m
    }

    /// Empty metrics for `regions` regions and `keys` keys.
    pub fn new(regions: usize, keys: u64) -> Self {
        RunMetrics {
            read: LatencyStat::new(),
            write: LatencyStat::new(),
            per_region: (0..regions)
                .map(|_| [LatencyStat::new(), LatencyStat::new()])
                .collect(),
            reads: 0,
            writes: 0,
            failed: 0,
            attempts: Attempts::default(),
            reports: Reports::ALL,
            stale_reads: 0,
            conflicts: 0,
            lost_updates: 0,
            lost_by_region: vec![0; regions],
            lag: LatencyStat::new(),
            wan_bytes: 0,
            bytes_matrix: vec![0; regions * regions],
            egress_bytes: vec![0; regions],
            residency_violations: 0,
            bytes_outside: 0,
            keys_outside: Vec::new(),
            events: 0,
            visibility: [[0; 2]; VISIBILITY_AGES_MS.len()],
            staleness: LatencyStat::new(),
            probes: None,
            sessions: None,
            histories: None,
            extra: Vec::new(),
            migrations: None,
            leadership: None,
            availability: vec![Availability::default(); regions],
            faults: Vec::new(),
            split_brain_ns: 0,
            split_brain_writes: 0,
            split_brain_lost: 0,
            ledger: AckLedger::off(),
            bucket_ns: 1_000_000_000,
            timeline: Vec::new(),
            last_bucket: (0, 0),
            folded: false,
            stations: Stations::default(),
            breakdown: Breakdown::new(regions),
            writable: vec![false; regions],
            split_since: None,
            regions,
            newest_acked: vec![Expect::NONE; keys as usize],
            recovering: Vec::new(),
            recent: Vec::new(),
            max_life_ns: 0,
        }
    }

    /// A hint: an operation on `key` will be issued soon (`issued_at` reads its entry).
    #[inline(always)]
    pub fn prefetch_issue(&self, key: Key) {
        if let Some(e) = self.newest_acked.get(key as usize) {
            crate::prefetch::prefetch(e);
        }
    }

    /// An operation was issued; for reads, returns what its answer is compared with (the
    /// newest version acknowledged so far).
    #[inline]
    pub fn issued(&mut self, kind: OpKind, key: Key) -> Expect {
        self.issued_at(SimTime::ZERO, 0, kind, key)
    }

    /// An operation of a client in `client` was issued at `now`; for reads, returns what its
    /// answer is compared with.
    #[inline]
    pub fn issued_at(&mut self, now: SimTime, client: RegionId, kind: OpKind, key: Key) -> Expect {
        if let Some(a) = self.availability.get_mut(client as usize) {
            a.attempted[kind as usize] += 1;
        }
        if let Some(b) = self.bucket(now) {
            b.attempted += 1;
        }
        match kind {
            OpKind::Read => {
                self.reads += 1;
                let n = self.newest_acked.get(key as usize);
                n.copied().unwrap_or(Expect::NONE)
            }
            OpKind::Write => {
                self.writes += 1;
                Expect::NONE
            }
        }
    }

    /// An answer reached its client at `now`.
    #[inline(always)]
    pub fn completed(
        &mut self,
        client: RegionId,
        key: Key,
        start: SimTime,
        now: SimTime,
        expect: Expect,
        outcome: Outcome,
    ) {
        let latency = now.saturating_since(start);
        let kind = match outcome {
            Outcome::Read(_) => OpKind::Read,
            Outcome::Write(_) => OpKind::Write,
            Outcome::Failed => {
                // The caller knows the kind; failures go through `failed_op`.
                self.failed += 1;
                self.attempts.failed(Failure::FailureAnswer);
                return;
            }
        };
        self.availability[client as usize].succeeded[kind as usize] += 1;
        if let Some(b) = self.bucket(start) {
            b.succeeded += 1;
            let bin = CoarseHist::bin(latency);
            b.latency.add(bin, 1);
            if kind == OpKind::Write {
                b.write_latency.add(bin, 1);
            }
        }
        let (c, k) = (client as usize, kind as usize);
        if let Some(q) = self.recent.get_mut(c * 2 + k) {
            // Dominated successes (issued no later than one already kept, done later) never
            // answer "the first success issued after a failure": skip them.
            if q.back().is_none_or(|&(issued, _)| start > issued) {
                q.push_back((start, now));
            }
            let horizon = now.as_nanos().saturating_sub(self.max_life_ns);
            while q
                .front()
                .is_some_and(|&(issued, _)| issued.as_nanos() < horizon)
            {
                q.pop_front();
            }
        }
        if self.recovering.get(c).is_some_and(|r| r[k] > 0) {
            for f in &mut self.faults {
                if f.success(c, k, start, now) {
                    self.recovering[c][k] -= 1;
                }
            }
        }
        if let Some(h) = &mut self.histories {
            if let Outcome::Read(v) | Outcome::Write(v) = outcome {
                h.record(key, kind == OpKind::Write, v, start, now);
            }
        }
        match outcome {
            Outcome::Read(v) => {
                self.per_region[client as usize][0].record(latency);
                let stale = v < expect.version;
                if stale {
                    self.stale_reads += 1;
                }
                if expect.acked_at != SimTime::MAX {
                    let age = start.saturating_since(expect.acked_at);
                    let age_ms = age / 1_000_000;
                    let b = age_bucket(age_ms);
                    self.visibility[b][0] += 1;
                    if stale {
                        self.staleness.record(age);
                    } else {
                        self.visibility[b][1] += 1;
                    }
                }
            }
            Outcome::Write(v) => {
                self.per_region[client as usize][1].record(latency);
                if let Some(n) = self.newest_acked.get_mut(key as usize) {
                    if v > n.version {
                        *n = Expect {
                            version: v,
                            acked_at: now,
                        };
                    }
                }
            }
            // Returned above.
            Outcome::Failed => {}
        }
    }

    /// An operation of a client in `client`, issued at `start`, failed at `now` for `cause`
    /// (after its retries, or at the end of the run).
    ///
    /// The failure is charged to every fault in effect at some time during the operation's
    /// life (`[start, now]`); when none was, to every fault whose recovery of this (client
    /// region, kind) is still pending (its effect outlasts it, e.g. a failover not finished);
    /// otherwise to none (an overload, not a fault). See docs/metrics.md, "RTO".
    pub fn failed_op(
        &mut self,
        client: RegionId,
        kind: OpKind,
        (start, now): (SimTime, SimTime),
        cause: Failure,
    ) {
        self.failed += 1;
        self.attempts.failed(cause);
        if let Some(b) = self.bucket(start) {
            b.failed += 1;
        }
        let (c, k) = (client as usize, kind as usize);
        let started = self.faults.partition_point(|f| f.start <= now);
        let mut charged = false;
        for f in 0..started {
            if self.faults[f].overlaps(start, now) {
                charged = true;
                self.charge(f, c, k, start);
            }
        }
        if !charged {
            for f in 0..started {
                if self.faults[f].recovering(c, k) {
                    self.charge(f, c, k, start);
                }
            }
        }
    }

    fn charge(&mut self, f: usize, c: usize, k: usize, issued: SimTime) {
        let was = self.faults[f].recovering(c, k);
        self.faults[f].charge(c, k, issued);
        // A success issued after this failure may have completed already (the failure is
        // known only when its last attempt gives up): the first such one ends the recovery.
        let last = self.faults[f].last_fail(c, k);
        if let Some(q) = self.recent.get(c * 2 + k) {
            let i = q.partition_point(|&(at, _)| at <= last);
            if let Some(&(at, done)) = q.get(i) {
                self.faults[f].success(c, k, at, done);
            }
        }
        match (was, self.faults[f].recovering(c, k)) {
            (false, true) => self.recovering[c][k] += 1,
            (true, false) => self.recovering[c][k] -= 1,
            _ => {}
        }
    }

    /// The timeline bucket of time `t` (`None`: past the timeline).
    #[inline]
    fn bucket(&mut self, t: SimTime) -> Option<&mut TimelineBucket> {
        let t = t.as_nanos();
        let (mut i, start) = self.last_bucket;
        // Outside `[start, start + bucket_ns)` (wrapping: before `start` too): divide.
        if t.wrapping_sub(start) >= self.bucket_ns {
            let q = t / self.bucket_ns;
            i = q as usize;
            self.last_bucket = (i, q * self.bucket_ns);
        }
        self.timeline.get_mut(i)
    }

    /// The latest fault that started at or before `t`.
    fn fault_of(&self, t: SimTime) -> Option<usize> {
        self.faults.partition_point(|f| f.start <= t).checked_sub(1)
    }

    /// A failure lost, at `now`, `writes` acknowledged writes too old for the ledger to tell
    /// whether their acknowledgement reached the client (counted as acknowledged), the oldest
    /// acknowledged at `oldest` when known: part of the loss whose tickets are named at `now`.
    pub fn data_lost(&mut self, now: SimTime, writes: u64, oldest: Option<SimTime>) {
        if let Some(f) = self.fault_of(now) {
            let fc = &mut self.faults[f];
            match oldest {
                Some(at) if writes > 0 => {
                    fc.lost_at(now, at);
                    fc.lost_writes += writes - 1;
                }
                _ => fc.lost_writes += writes,
            }
        }
    }

    /// A region starts or stops accepting writes as a primary.
    pub fn set_writable(&mut self, now: SimTime, region: RegionId, writable: bool) {
        self.writable[region as usize] = writable;
        let split = self.writable.iter().filter(|w| **w).count() >= 2;
        match (split, self.split_since) {
            (true, None) => self.split_since = Some(now),
            (false, Some(s)) => {
                self.split_brain_ns += now.saturating_since(s);
                self.split_since = None;
            }
            _ => {}
        }
    }

    /// A primary acknowledged a write at `now`, filed under `ticket`; `stale`: the primary's
    /// epoch was already superseded (a split-brain write).
    #[inline]
    pub fn acked(&mut self, now: SimTime, ticket: u64, stale: bool) {
        if stale {
            self.split_brain_writes += 1;
        }
        self.ledger.file(ticket, now, stale);
    }

    /// The acknowledgement filed under `ticket` reached its client.
    #[inline]
    pub fn ack_reached(&mut self, ticket: u64) {
        if let Some((f, when, at)) = self.ledger.reached(ticket) {
            let fc = &mut self.faults[f as usize];
            fc.unacked_lost -= 1;
            fc.lost_at(when, at);
        }
    }

    /// The write filed under `ticket` was lost at `now`: an acknowledged loss (RPO) when its
    /// acknowledgement reached the client (or is too old for the ledger to tell), else
    /// unacknowledged, until its acknowledgement arrives.
    pub fn write_lost(&mut self, now: SimTime, ticket: u64) {
        let f = self.fault_of(now);
        let fate = self.ledger.lost(ticket, f.map(|f| (f as u32, now)));
        if matches!(fate, Fate::Reached(_, true) | Fate::Unreached(true)) {
            self.split_brain_lost += 1;
        }
        let Some(f) = f else { return };
        let fc = &mut self.faults[f];
        match fate {
            Fate::Reached(at, _) => fc.lost_at(now, at),
            Fate::Unreached(_) => fc.unacked_lost += 1,
            Fate::Unknown => fc.lost_writes += 1,
        }
    }

    /// Closes open intervals at the end of the run, and adds the latencies per client region
    /// up into `read` and `write` (once, however often it is called). Frees the newest
    /// acknowledged version per key: reads issued after `close` are compared with nothing.
    pub fn close(&mut self, now: SimTime) {
        self.newest_acked = Vec::new();
        self.stations.close(now);
        if !self.folded {
            self.folded = true;
            for [r, w] in &self.per_region {
                self.read.merge(r);
                self.write.merge(w);
            }
        }
        if let Some(s) = self.split_since.take() {
            self.split_brain_ns += now.saturating_since(s);
        }
    }

    /// Acknowledged writes lost to failures, over all faults.
    pub fn rpo_writes(&self) -> u64 {
        self.faults.iter().map(|f| f.lost_writes).sum()
    }

    /// Writes lost whose acknowledgement never reached the client, over all faults.
    pub fn rpo_unacked(&self) -> u64 {
        self.faults.iter().map(|f| f.unacked_lost).sum()
    }

    /// A message of `bytes` left `from` for `to`.
    #[inline]
    pub fn sent(&mut self, from: RegionId, to: RegionId, bytes: u64) {
        self.bytes_matrix[from as usize * self.regions + to as usize] += bytes;
        if from != to {
            self.wan_bytes += bytes;
        }
    }

    /// A copy of `key`'s data of `bytes` went to a region outside its class.
    pub fn violation(&mut self, key: Key, bytes: u64) {
        self.residency_violations += 1;
        self.bytes_outside += bytes;
        let (w, b) = (key as usize / 64, key % 64);
        if self.keys_outside.len() <= w {
            self.keys_outside.resize(w + 1, 0);
        }
        self.keys_outside[w] |= 1 << b;
    }

    /// Distinct keys with a copy outside their class.
    pub fn keys_outside(&self) -> u64 {
        self.keys_outside
            .iter()
            .map(|w| w.count_ones() as u64)
            .sum()
    }

    /// The region of outage `fault` caught up `ns` after the outage ended (the first report
    /// counts).
    pub fn caught_up(&mut self, fault: usize, ns: u64) {
        if let Some(f) = self.faults.get_mut(fault) {
            f.catch_up_ns.get_or_insert(ns);
        }
    }

    /// A replica applied a write acknowledged at `acked_at` (`SimTime::MAX`: before the ack).
    #[inline]
    pub fn applied(&mut self, now: SimTime, acked_at: SimTime) {
        self.lag.record(now.saturating_since(acked_at));
    }

    /// Stale reads per successful read (0 when there were none).
    pub fn stale_read_rate(&self) -> f64 {
        ratio(self.stale_reads, self.read.count())
    }

    /// Conflicting writes per issued write.
    pub fn conflict_rate(&self) -> f64 {
        ratio(self.conflicts, self.writes)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

#[cfg(test)]
mod tests;
