//! The fault model: what goes wrong, when, and the client and detector settings that decide
//! how a system notices.
//!
//! Owns `Fault` and `FaultKind` (partitions, region outages, link degradation, clock skew),
//! `RandomFaults` and its seeded expansion into a concrete timeline, `ClientPolicy`
//! (request timeout, retries with capped exponential backoff, rerouting after a detection
//! delay), `Detection` (heartbeat interval and timeout), `Capacity` (servers and service
//! time of a region, its queue limit and bulkhead) and `BreakerPolicy` (the settings of the
//! clients' circuit breakers). The world (`sim`) applies faults; strategies only see their
//! effects.
//!
//! Must not import the engine, the world, strategies, metrics or scenario (serde) types.

use rand_distr::{Distribution, Exp};

use crate::latency::LatencyDist;
use crate::rng::{stream, Stream};
use crate::time::SimTime;
use crate::topology::RegionId;

/// What a region comes back with after an outage.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// Its durable (applied) state survives; only in-flight work is lost.
    Durable,
    /// It comes back empty and must catch up from others.
    Empty,
}

/// One kind of fault.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Messages between group `a` and group `b` are dropped (only `a` -> `b` when one-way).
    Partition {
        /// One side.
        a: Vec<RegionId>,
        /// The other side.
        b: Vec<RegionId>,
        /// Only cut `a` -> `b`.
        one_way: bool,
    },
    /// A region stops: it handles nothing, its in-flight work is lost.
    Outage {
        /// The region.
        region: RegionId,
        /// What it keeps.
        recover: Recovery,
    },
    /// A link gets slower, lossy or narrower.
    LinkDegradation {
        /// Source.
        from: RegionId,
        /// Destination.
        to: RegionId,
        /// Also degrade `to` -> `from`.
        both_ways: bool,
        /// Extra one-way latency.
        extra: Option<LatencyDist>,
        /// Probability that a transmission is lost (then retransmitted after `retransmit_ns`).
        loss: f64,
        /// Link capacity in bits per second (messages queue FIFO behind each other).
        bandwidth_bps: Option<f64>,
        /// Retransmission timeout, ns.
        retransmit_ns: u64,
    },
    /// A region's clock is off by a fixed offset and drifts.
    ClockSkew {
        /// The region.
        region: RegionId,
        /// Offset, ns (positive: ahead).
        offset_ns: i64,
        /// Drift in parts per million (positive: runs fast).
        drift_ppm: f64,
    },
}

impl FaultKind {
    /// The kind's name as written in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Partition { .. } => "partition",
            FaultKind::Outage { .. } => "region-outage",
            FaultKind::LinkDegradation { .. } => "link-degradation",
            FaultKind::ClockSkew { .. } => "clock-skew",
        }
    }
}

/// A fault with its window.
#[derive(Clone, Debug)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// When it starts.
    pub start: SimTime,
    /// When it ends (`SimTime::MAX`: never).
    pub end: SimTime,
    /// Drawn by the random fault generator rather than listed.
    pub random: bool,
}

/// Seeded random faults: exponential times between failures and to repair.
#[derive(Clone, Debug)]
pub struct RandomFaults {
    /// Mean time between outages of each region, ns (None: no random outages).
    pub region_mtbf_ns: Option<u64>,
    /// Mean outage length, ns.
    pub region_mttr_ns: u64,
    /// Mean time between partitions of each region pair, ns (None: none).
    pub link_mtbf_ns: Option<u64>,
    /// Mean partition length, ns.
    pub link_mttr_ns: u64,
    /// What an out region keeps.
    pub recover: Recovery,
}

/// Expands random faults over `[0, horizon)` into concrete faults (deterministic in `seed`),
/// appends them to `listed`, and sorts everything by start time (ties keep list order).
pub fn timeline(
    listed: &[Fault],
    random: Option<&RandomFaults>,
    regions: usize,
    horizon: SimTime,
    seed: u64,
) -> Vec<Fault> {
    let mut out = listed.to_vec();
    if let Some(rf) = random {
        if let Some(mtbf) = rf.region_mtbf_ns {
            for r in 0..regions {
                let mut rng = stream(seed, Stream::Faults(r as u32));
                let up = Exp::new(1.0 / mtbf as f64).expect("positive mtbf");
                let down = Exp::new(1.0 / rf.region_mttr_ns.max(1) as f64).expect("positive");
                let mut t = 0f64;
                loop {
                    t += up.sample(&mut rng);
                    if t >= horizon.0 as f64 {
                        break;
                    }
                    let len = down.sample(&mut rng).max(1.0);
                    out.push(Fault {
                        kind: FaultKind::Outage {
                            region: r as RegionId,
                            recover: rf.recover,
                        },
                        start: SimTime(t as u64),
                        end: SimTime((t + len) as u64),
                        random: true,
                    });
                    t += len;
                }
            }
        }
        if let Some(mtbf) = rf.link_mtbf_ns {
            for a in 0..regions {
                for b in (a + 1)..regions {
                    let id = 0x1000 + (a * regions + b) as u32;
                    let mut rng = stream(seed, Stream::Faults(id));
                    let up = Exp::new(1.0 / mtbf as f64).expect("positive mtbf");
                    let down = Exp::new(1.0 / rf.link_mttr_ns.max(1) as f64).expect("positive");
                    let mut t = 0f64;
                    loop {
                        t += up.sample(&mut rng);
                        if t >= horizon.0 as f64 {
                            break;
                        }
                        let len = down.sample(&mut rng).max(1.0);
                        out.push(Fault {
                            kind: FaultKind::Partition {
                                a: vec![a as RegionId],
                                b: vec![b as RegionId],
                                one_way: false,
                            },
                            start: SimTime(t as u64),
                            end: SimTime((t + len) as u64),
                            random: true,
                        });
                        t += len;
                    }
                }
            }
        }
    }
    out.sort_by_key(|f| f.start);
    out
}

/// How clients behave when requests go unanswered.
#[derive(Clone, Debug)]
pub struct ClientPolicy {
    /// Time a client waits for an answer before retrying, ns.
    pub timeout_ns: u64,
    /// Retries after the first attempt.
    pub retries: u32,
    /// Delay before the first retry, ns; doubles each retry.
    pub backoff_ns: u64,
    /// Largest backoff, ns.
    pub backoff_cap_ns: u64,
    /// Time after a region goes down (or comes back) until its clients notice and go to the
    /// nearest healthy region (or back), ns.
    pub reroute_after_ns: u64,
}

impl Default for ClientPolicy {
    fn default() -> Self {
        ClientPolicy {
            timeout_ns: 5_000_000_000,
            retries: 2,
            backoff_ns: 100_000_000,
            backoff_cap_ns: 2_000_000_000,
            reroute_after_ns: 30_000_000_000,
        }
    }
}

impl ClientPolicy {
    /// The backoff before retry number `retry` (1-based): `backoff * 2^(retry-1)`, capped.
    pub fn backoff(&self, retry: u32) -> u64 {
        let shift = retry.saturating_sub(1).min(32);
        self.backoff_ns
            .saturating_mul(1u64 << shift)
            .min(self.backoff_cap_ns)
    }

    /// The longest a client operation can live, ns: every attempt's timeout plus the largest
    /// backoff before each retry (saturating).
    pub fn max_life_ns(&self) -> u64 {
        let attempts = self.retries as u64 + 1;
        let waits = self.timeout_ns.saturating_mul(attempts);
        let backoffs = self
            .backoff_cap_ns
            .max(self.backoff_ns)
            .saturating_mul(self.retries as u64);
        waits.saturating_add(backoffs)
    }
}

/// The heartbeat failure detector's settings.
#[derive(Clone, Debug)]
pub struct Detection {
    /// Heartbeat period, ns.
    pub heartbeat_ns: u64,
    /// Silence after which a peer is suspected, ns.
    pub timeout_ns: u64,
}

impl Default for Detection {
    fn default() -> Self {
        Detection {
            heartbeat_ns: 1_000_000_000,
            timeout_ns: 3_000_000_000,
        }
    }
}

/// A region's serving capacity: an M/M/c-style FIFO station in front of its servers.
#[derive(Clone, Debug)]
pub struct Capacity {
    /// Number of servers (c).
    pub servers: u32,
    /// Service time of one request.
    pub service: LatencyDist,
    /// Requests allowed to wait; beyond it they are shed (None: unbounded).
    pub queue_limit: Option<usize>,
    /// Largest share of the servers that failed-over traffic (clients of other regions) may
    /// hold at once; beyond it such requests are shed (a bulkhead).
    pub failover_share: Option<f64>,
}

impl Capacity {
    /// Whether the station can shed a request: it has a queue limit or a bulkhead
    /// (`bulkhead`: the strategy's override of `failover_share`).
    pub fn can_shed(&self, bulkhead: Option<f64>) -> bool {
        self.queue_limit.is_some() || bulkhead.or(self.failover_share).is_some()
    }

    /// Most failed-over requests (of clients of other regions) the station holds at once,
    /// waiting or in service: the share (`bulkhead`, the strategy's override, else
    /// `failover_share`) of the servers, at least one; `None`: no limit.
    pub fn failover_limit(&self, bulkhead: Option<f64>) -> Option<u32> {
        bulkhead
            .or(self.failover_share)
            .map(|share| ((share * self.servers as f64).floor() as u32).max(1))
    }

    /// Whether a failover `share` can shed a request the station would otherwise take: not
    /// when it admits all the servers and nothing may wait (`queue_limit = 0`), as the station
    /// then never holds more requests than that and sheds the next one itself.
    pub fn share_can_shed(&self, share: f64) -> bool {
        self.queue_limit != Some(0)
            || self
                .failover_limit(Some(share))
                .is_some_and(|l| l < self.servers)
    }
}

/// The settings of a client-side circuit breaker (one per client region and serving region).
///
/// Count-based: the breaker remembers the outcomes of the last `window` calls it let through
/// while closed; once it holds at least `min_calls` of them and the failed share is at least
/// `failure_rate`, it opens. Open, it rejects every call for `open_ns`; the first call after
/// that makes it half-open, which lets `half_open_calls` trial calls through and rejects the
/// rest until all trials are answered: it closes (empty window) when their failed share is
/// below `failure_rate`, else opens again.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerPolicy {
    /// Failed share of the window at or above which the breaker opens, in (0, 1].
    pub failure_rate: f64,
    /// Calls in the sliding window (>= 1).
    pub window: u32,
    /// Calls the window must hold before the breaker may open (1..=window).
    pub min_calls: u32,
    /// How long it stays open before trying again, ns (> 0).
    pub open_ns: u64,
    /// Trial calls let through when half-open (>= 1).
    pub half_open_calls: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = ClientPolicy {
            backoff_ns: 100,
            backoff_cap_ns: 700,
            ..ClientPolicy::default()
        };
        assert_eq!(p.backoff(1), 100);
        assert_eq!(p.backoff(2), 200);
        assert_eq!(p.backoff(3), 400);
        assert_eq!(p.backoff(4), 700);
        assert_eq!(p.backoff(60), 700);
    }

    #[test]
    fn random_faults_are_seeded_and_sorted() {
        let rf = RandomFaults {
            region_mtbf_ns: Some(100_000_000_000),
            region_mttr_ns: 10_000_000_000,
            link_mtbf_ns: Some(200_000_000_000),
            link_mttr_ns: 5_000_000_000,
            recover: Recovery::Durable,
        };
        let h = SimTime(3_600_000_000_000);
        let a = timeline(&[], Some(&rf), 3, h, 7);
        let b = timeline(&[], Some(&rf), 3, h, 7);
        let c = timeline(&[], Some(&rf), 3, h, 8);
        let starts = |v: &[Fault]| v.iter().map(|f| f.start).collect::<Vec<_>>();
        assert_eq!(starts(&a), starts(&b));
        assert_ne!(starts(&a), starts(&c));
        assert!(a.windows(2).all(|w| w[0].start <= w[1].start));
        // About 3 regions x 36 outages and 3 pairs x 18 partitions per hour.
        let outages = a
            .iter()
            .filter(|f| matches!(f.kind, FaultKind::Outage { .. }))
            .count();
        assert!((60..=160).contains(&outages), "{outages}");
    }
}
