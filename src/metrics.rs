//! What a run measures, in streaming form: memory does not grow with the number of operations.
//!
//! Owns `LatencyStat` (an HDR histogram in ns plus an exact sum for the mean) and
//! `RunMetrics`: read and write latency overall and per client region, operation counts,
//! stale reads (against the newest version acknowledged to any client before the read began),
//! conflicts, lost updates, replication lag and WAN bytes. Definitions are in docs/metrics.md.
//!
//! Must not import the engine, the world, strategies' internals, scenario or report types.

use hdrhistogram::Histogram;

use crate::strategy::{Outcome, Version};
use crate::time::{nanos_to_ms, SimTime};
use crate::topology::RegionId;
use crate::workload::{Key, OpKind};

/// Largest value a latency histogram resolves (one simulated day, in ns); larger values are
/// recorded as this value and still counted exactly in the mean and max.
const HIST_MAX_NS: u64 = 86_400 * 1_000_000_000;

/// Ages (ms) at which the staleness curve `t_visibility` is reported.
pub const VISIBILITY_AGES_MS: [u64; 13] = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

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

/// A streaming latency distribution.
#[derive(Clone, Debug)]
pub struct LatencyStat {
    hist: Histogram<u64>,
    sum_ns: u128,
    max_ns: u64,
}

impl Default for LatencyStat {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyStat {
    /// An empty distribution (3 significant digits).
    pub fn new() -> Self {
        LatencyStat {
            hist: Histogram::new_with_bounds(1, HIST_MAX_NS, 3).expect("valid bounds"),
            sum_ns: 0,
            max_ns: 0,
        }
    }

    /// Records one value in ns.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.hist.saturating_record(ns.max(1));
        self.sum_ns += ns as u128;
        self.max_ns = self.max_ns.max(ns);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Exact mean in ms (0 when empty).
    pub fn mean_ms(&self) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        self.sum_ns as f64 / self.count() as f64 / 1e6
    }

    /// The value at quantile `q` in ms (0 when empty), within 0.1 %.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        nanos_to_ms(self.hist.value_at_quantile(q).min(self.max_ns))
    }

    /// Exact maximum in ms.
    pub fn max_ms(&self) -> f64 {
        nanos_to_ms(self.max_ns)
    }

    /// Adds another distribution into this one.
    pub fn merge(&mut self, other: &LatencyStat) {
        self.hist.add(&other.hist).expect("same bounds");
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }
}

/// Everything one strategy run measures.
#[derive(Clone, Debug)]
pub struct RunMetrics {
    /// Latency of successful reads.
    pub read: LatencyStat,
    /// Latency of successful writes.
    pub write: LatencyStat,
    /// `[read, write]` latency per client region.
    pub per_region: Vec<[LatencyStat; 2]>,
    /// Reads issued.
    pub reads: u64,
    /// Writes issued.
    pub writes: u64,
    /// Operations that failed or did not finish.
    pub failed: u64,
    /// Successful reads that returned a version older than the newest acknowledged before
    /// they began.
    pub stale_reads: u64,
    /// Writes that met a concurrent write where they were accepted.
    pub conflicts: u64,
    /// Acknowledged writes discarded by conflict resolution.
    pub lost_updates: u64,
    /// Replication lag: time from acknowledgement to application at each other replica.
    pub lag: LatencyStat,
    /// Bytes sent between different regions.
    pub wan_bytes: u64,
    /// Bytes sent per ordered region pair (`from * n + to`), diagonal included.
    pub bytes_matrix: Vec<u64>,
    /// Events handled by the engine.
    pub events: u64,
    /// Reads per age bucket of `VISIBILITY_AGES_MS`: `[reads, consistent reads]`.
    pub visibility: [[u64; 2]; VISIBILITY_AGES_MS.len()],
    /// Age of the missed version, over stale reads.
    pub staleness: LatencyStat,
    /// Strategy-specific figures, in the strategy's order.
    pub extra: Vec<(&'static str, f64)>,
    regions: usize,
    newest_acked: Vec<Expect>,
}

impl RunMetrics {
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
            stale_reads: 0,
            conflicts: 0,
            lost_updates: 0,
            lag: LatencyStat::new(),
            wan_bytes: 0,
            bytes_matrix: vec![0; regions * regions],
            events: 0,
            visibility: [[0; 2]; VISIBILITY_AGES_MS.len()],
            staleness: LatencyStat::new(),
            extra: Vec::new(),
            regions,
            newest_acked: vec![Expect::NONE; keys as usize],
        }
    }

    /// An operation was issued; for reads, returns what its answer is compared with (the
    /// newest version acknowledged so far).
    #[inline]
    pub fn issued(&mut self, kind: OpKind, key: Key) -> Expect {
        match kind {
            OpKind::Read => {
                self.reads += 1;
                self.newest_acked[key as usize]
            }
            OpKind::Write => {
                self.writes += 1;
                Expect::NONE
            }
        }
    }

    /// An answer reached its client at `now`.
    #[inline]
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
        match outcome {
            Outcome::Read(v) => {
                self.read.record(latency);
                self.per_region[client as usize][0].record(latency);
                let stale = v < expect.version;
                if stale {
                    self.stale_reads += 1;
                }
                if expect.acked_at != SimTime::MAX {
                    let age = start.saturating_since(expect.acked_at);
                    let age_ms = age / 1_000_000;
                    let b = VISIBILITY_AGES_MS.partition_point(|&t| t <= age_ms) - 1;
                    self.visibility[b][0] += 1;
                    if stale {
                        self.staleness.record(age);
                    } else {
                        self.visibility[b][1] += 1;
                    }
                }
            }
            Outcome::Write(v) => {
                self.write.record(latency);
                self.per_region[client as usize][1].record(latency);
                let n = &mut self.newest_acked[key as usize];
                if v > n.version {
                    *n = Expect {
                        version: v,
                        acked_at: now,
                    };
                }
            }
            Outcome::Failed => self.failed += 1,
        }
    }

    /// An operation never finished.
    pub fn unfinished(&mut self) {
        self.failed += 1;
    }

    /// A message of `bytes` left `from` for `to`.
    #[inline]
    pub fn sent(&mut self, from: RegionId, to: RegionId, bytes: u64) {
        self.bytes_matrix[from as usize * self.regions + to as usize] += bytes;
        if from != to {
            self.wan_bytes += bytes;
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
mod tests {
    use super::*;

    #[test]
    fn latency_stat_is_exact_in_mean_and_close_in_quantiles() {
        let mut s = LatencyStat::new();
        for i in 1..=10_000u64 {
            s.record(i * 1_000); // 1 us .. 10 ms
        }
        assert_eq!(s.count(), 10_000);
        assert!((s.mean_ms() - 5.0005).abs() < 1e-12);
        assert!((s.quantile_ms(0.5) - 5.0).abs() < 0.005);
        assert!((s.quantile_ms(0.99) - 9.9).abs() < 0.01);
        assert_eq!(s.max_ms(), 10.0);
    }

    #[test]
    fn stale_read_is_judged_against_the_snapshot_at_issue() {
        let mut m = RunMetrics::new(1, 4);
        let v1 = Version {
            stamp: 1,
            origin: 0,
        };
        let v2 = Version {
            stamp: 2,
            origin: 0,
        };
        m.issued(OpKind::Write, 2);
        m.completed(
            0,
            2,
            SimTime(0),
            SimTime(10),
            Expect::NONE,
            Outcome::Write(v2),
        );
        // A read issued now expects v2; returning v1 is stale, v2 is not.
        let e = m.issued(OpKind::Read, 2);
        assert_eq!(e.version, v2);
        assert_eq!(e.acked_at, SimTime(10));
        m.completed(0, 2, SimTime(10), SimTime(20), e, Outcome::Read(v1));
        m.completed(0, 2, SimTime(10), SimTime(20), e, Outcome::Read(v2));
        assert_eq!(m.stale_reads, 1);
        assert_eq!(m.reads, 1);
        // A write acknowledged with an older version does not lower the bar.
        m.completed(
            0,
            2,
            SimTime(0),
            SimTime(30),
            Expect::NONE,
            Outcome::Write(v1),
        );
        assert_eq!(m.issued(OpKind::Read, 2).version, v2);
        // Both reads began 0 ms after the acknowledgement: bucket 0, one of two consistent.
        assert_eq!(m.visibility[0], [2, 1]);
        assert_eq!(m.staleness.count(), 1);
    }
}
