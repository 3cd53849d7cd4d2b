//! The resilience part of a strategy's report: availability, RPO, RTO, split brain, the
//! fault list with its per-fault figures and leadership changes, and the timeline through
//! faults (serde types, documented in docs/report.md; assembled by `build`).
//!
//! Must not import the engine, the world, the scenario spec or `slo`; does no I/O.

use serde::{Deserialize, Serialize};

/// Share of successful operations (`null` over no operations of that kind).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AvailabilityReport {
    /// Over all operations.
    pub overall: Option<f64>,
    /// Over reads.
    pub read: Option<f64>,
    /// Over writes.
    pub write: Option<f64>,
    /// Per client region (regions with clients, in region order).
    pub per_region: Vec<RegionAvailability>,
}

/// Availability of one client region (`null` over no operations of that kind).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegionAvailability {
    /// Region name.
    pub region: String,
    /// Over all its operations.
    pub overall: Option<f64>,
    /// Over its reads.
    pub read: Option<f64>,
    /// Over its writes.
    pub write: Option<f64>,
}

/// Data lost to failures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rpo {
    /// Acknowledged writes lost (their acknowledgement reached the client), over all faults.
    pub lost_writes: u64,
    /// Largest time span of lost data over faults, seconds.
    pub max_span_s: f64,
    /// Writes a primary acknowledged and lost whose acknowledgement never reached the client.
    #[serde(default)]
    pub unacknowledged_lost: u64,
}

/// Time to recover.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rto {
    /// Largest over faults, seconds (`null` when some fault never recovered).
    pub max_s: Option<f64>,
    /// Mean over faults that recovered, seconds (`null`: no fault recovered, or none happened).
    pub mean_s: Option<f64>,
    /// Faults after which some client never recovered before the run ended.
    pub unrecovered: u64,
}

/// One change of primary or leader.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LeadershipChange {
    /// When it took over, seconds.
    pub t_s: f64,
    /// The region.
    pub region: String,
    /// `start`, `failover` or `failback`.
    pub reason: String,
}

/// Median latency of successful writes issued before, during and after a fault, ms
/// (`null`: no write succeeded in that window).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PhaseLatency {
    /// Issued from the end of the previous fault (or the start) to this fault's start.
    pub before: Option<f64>,
    /// Issued while the fault was in effect.
    pub during: Option<f64>,
    /// Issued from the fault's end to the next fault's start (or the end of the run).
    pub after: Option<f64>,
}

/// Split-brain exposure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SplitBrain {
    /// Seconds with two or more writable primaries.
    pub seconds: f64,
    /// Writes acknowledged by a primary of a stale epoch (`null` for consensus: a leader of a
    /// stale term cannot commit).
    pub writes: Option<u64>,
    /// Of those, the ones later lost (`null` as `writes`).
    #[serde(default)]
    pub lost_writes: Option<u64>,
}

/// One fault as it happened, with what it cost this strategy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FaultReport {
    /// Kind (`partition`, `region-outage`, `link-degradation`, `clock-skew`).
    pub kind: String,
    /// What it hit, e.g. `us-east-1` or `us-east-1 | eu-west-1, ap-northeast-1`.
    pub target: String,
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds (`null`: never).
    pub end_s: Option<f64>,
    /// Drawn by the random fault generator.
    pub random: bool,
    /// Acknowledged writes lost (`null` where RPO does not apply, as `rpo`).
    pub lost_writes: Option<u64>,
    /// Time span of the lost data, seconds (`null` as `lost_writes`).
    pub lost_span_s: Option<f64>,
    /// Writes lost whose acknowledgement never reached the client (`null` as `lost_writes`).
    #[serde(default)]
    pub unacknowledged_lost: Option<u64>,
    /// For a region outage: seconds from its end until the region had caught up (`null`: not
    /// an outage, a strategy without catch-up, or never; docs/metrics.md#applicability).
    #[serde(default)]
    pub catch_up_s: Option<f64>,
    /// Time until affected clients succeeded again, seconds (`null`: never).
    pub rto_s: Option<f64>,
    /// The same per affected client region (regions whose operations failed).
    #[serde(default)]
    pub rto_by_region: Vec<RegionRto>,
    /// Write p50 before, during and after the fault (whole timeline buckets).
    #[serde(default)]
    pub write_p50_ms: PhaseLatency,
}

/// Recovery time of one client region after a fault.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegionRto {
    /// Client region.
    pub region: String,
    /// Seconds from the fault's start until its clients' operations succeeded again
    /// (`null`: never).
    pub rto_s: Option<f64>,
}

/// Per-bucket counts for charts, stored as parallel arrays.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Timeline {
    /// Bucket width, seconds.
    pub bucket_s: f64,
    /// Operations issued per bucket.
    pub attempted: Vec<u64>,
    /// Of those, succeeded.
    pub succeeded: Vec<u64>,
    /// Of those, failed.
    pub failed: Vec<u64>,
    /// p99 latency of the successful ones (ms, within 3.2 %; `null` when none).
    pub p99_ms: Vec<Option<f64>>,
    /// p50 latency of the successful writes (ms, within 3.2 %; `null` when none).
    #[serde(default)]
    pub write_p50_ms: Vec<Option<f64>>,
}
