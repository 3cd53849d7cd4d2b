//! The run report: `report.json`'s shape, its assembly from metrics, and the terminal tables.
//!
//! Owns `Report` and its parts (serde types, documented in docs/report.md). Submodules:
//! `applies` (which strategy-reported figures apply to which strategy: the rule behind every
//! `null`), `breakdown` (the latency breakdown section and its tail explanations), `build`
//! (metrics -> report: availability, per-fault RPO/RTO, timeline), `round` (values rounded so
//! the JSON is stable and readable, never a non-zero onto 0), `topology` (the regions and
//! links drawn on the map), `resilience` (the availability, RPO/RTO, split-brain, fault-list
//! and timeline types) and `table` (the side-by-side
//! comparison, resilience, serving-region and cost tables printed by `geosim run`). Nothing here reads a
//! clock: the report holds simulated quantities only. SLO verdicts are filled in afterwards
//! by `slo`, which sits above this module.
//!
//! Must not import the engine, the world, the scenario spec or `slo`; does no I/O.

mod applies;
mod breakdown;
mod build;
mod resilience;
mod round;
mod table;
mod topology;
mod trace;

pub use applies::{applies, of_samples};
pub use breakdown::{
    breakdown, explain, explanations, BreakdownKind, BreakdownRegion, BreakdownTail, Components,
};
pub use build::{availability, build, fault_reports, timeline, warnings};
pub use resilience::{
    AvailabilityReport, FaultReport, LeadershipChange, PhaseLatency, RegionAvailability, RegionRto,
    Rpo, Rto, SplitBrain, Timeline,
};
pub use table::{
    attempts_table, cost_table, escape, migration_table, percent, region_table, render,
    resilience_table, serving_table, table, warnings_list,
};
pub use topology::topology_info;
pub use trace::trace_json;

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

/// The whole report of one `geosim run`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// The geosim version that produced it.
    pub geosim_version: String,
    /// Which scenario file.
    pub scenario: ScenarioInfo,
    /// The run seed.
    pub seed: u64,
    /// Simulated seconds of client load.
    pub duration_s: f64,
    /// Settings that had no effect on the run, in scenario order, then client timeouts that
    /// gave up attempts in a run without faults (empty when none; absent in reports of older
    /// versions).
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// One entry per strategy, in scenario order.
    pub strategies: Vec<StrategyReport>,
    /// Regions and links, for the map (absent in reports of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<TopologyInfo>,
}

/// A field that is present (possibly `null`): `Some` of what it holds.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Migrations of users' data between homes over the run (follow-the-user).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MigrationReport {
    /// Completed handoffs of a user's data to a new home.
    pub count: u64,
    /// Their bytes on the wire (header + the user's keys x value size, per handoff).
    pub bytes: u64,
    /// Those bytes at the cost model's transfer prices, USD over the run.
    pub cost_usd: f64,
    /// `cost_usd` projected to a 730-hour month.
    pub monthly_usd: f64,
    /// Reads of a user's key answered with an older version than the newest write of it the
    /// strategy had acknowledged (only an eager handoff can cause one).
    pub ryw_violations: u64,
}

/// A setting that had no effect on the run, or a client timeout that gave up attempts in a
/// run without faults (docs/report.md#warnings).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Warning {
    /// Field path in the scenario, e.g. `faults[1].start_s`.
    pub field: String,
    /// The strategy it concerns, when only one (`null`: the whole run).
    pub strategy: Option<String>,
    /// What had no effect (or what the timeout did), and why.
    pub message: String,
}

/// Provenance of the scenario.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// Path as given on the command line.
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
}

/// The results of one strategy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StrategyReport {
    /// Name in the scenario.
    pub name: String,
    /// Strategy kind.
    pub kind: String,
    /// Events the engine handled.
    pub events: u64,
    /// Operation counts.
    pub ops: Ops,
    /// Latency of successful operations, all clients.
    pub latency_ms: ReadWrite,
    /// Latency per client region (regions with clients only).
    pub per_region: Vec<RegionLatency>,
    /// Consistency measurements.
    pub consistency: Consistency,
    /// Replication lag percentiles (`null`: no write was applied at another replica, e.g.
    /// edge-cache without invalidation).
    pub replication_lag_ms: Option<Lag>,
    /// Bytes sent between regions.
    pub wan_bytes: u64,
    /// Strategy-specific figures (e.g. `cache_hit_ratio`), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, f64>,
    /// Share of operations that succeeded.
    pub availability: AvailabilityReport,
    /// Data lost to failures (`null` for strategies that cannot lose, or do not track the loss
    /// of, an acknowledged write: consensus, quorum; docs/metrics.md#applicability).
    pub rpo: Option<Rpo>,
    /// Time to recover from failures.
    pub rto: Rto,
    /// Time with two writable primaries (`null` for strategies that cannot have two:
    /// every kind but active-passive and consensus).
    pub split_brain: Option<SplitBrain>,
    /// Who led (primary or leader) from when, and why (`null`: no single leader).
    #[serde(default)]
    pub leadership: Option<Vec<LeadershipChange>>,
    /// The primary or leader at the end of the run (`null`: no single leader).
    #[serde(default)]
    pub final_leader: Option<String>,
    /// The faults that happened, with what each cost.
    pub faults: Vec<FaultReport>,
    /// Per-bucket counts and p99 latency, for charts.
    pub timeline: Timeline,
    /// What the run cost (absent in reports of older versions).
    #[serde(default)]
    pub cost: Option<CostReport>,
    /// Data-residency violations.
    #[serde(default)]
    pub residency: Option<ResidencyReport>,
    /// Per region, in scenario order, as a server: its capacity station's utilisation, queue
    /// wait and shed requests, and the calls the clients' circuit breakers rejected before
    /// they reached it (absent in reports of older versions).
    #[serde(default)]
    pub serving: Vec<ServingRegion>,
    /// Per client region and kind, what the latency is made of, over all successful
    /// operations and the slowest 1 % (absent in reports of older versions).
    #[serde(default)]
    pub latency_breakdown: Vec<BreakdownRegion>,
    /// Migrations of travelling users' data between homes (docs/metrics.md#follow-the-user):
    /// `null` for a strategy whose data does not move (every kind but follow-the-user);
    /// absent when the scenario has no `[workload.users]`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub migration: Option<Option<MigrationReport>>,
    /// Verdicts against the scenario's service-level objectives (absent when it has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloSummary>,
    /// The full read and write latency distributions the CDF chart draws; not written to
    /// report.json (which keeps its percentiles), handed to the charts by
    /// `render::report_value`.
    #[serde(skip)]
    pub latency_cdf: LatencyCurves,
}

/// Read and write latency distributions as (latency in ms, share of successful operations
/// at or below it) points: `LatencyStat::cdf_ms` (docs/metrics.md#latency-cdf). Empty when
/// there was no successful operation of the kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LatencyCurves {
    /// Reads.
    pub read: Vec<(f64, f64)>,
    /// Writes.
    pub write: Vec<(f64, f64)>,
}

/// The cost of a run, USD.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CostReport {
    /// Instances x hours x price.
    pub compute_usd: f64,
    /// Stored copies x GB x price, over the simulated window.
    pub storage_usd: f64,
    /// WAN bytes x inter-region price.
    pub transfer_usd: f64,
    /// Bytes answered to clients x internet egress price.
    pub egress_usd: f64,
    /// Sum of the above over the simulated window.
    pub total_usd: f64,
    /// Total per million operations issued (`null` when no operation was issued).
    pub per_million_ops_usd: Option<f64>,
    /// Total projected to a 730-hour month.
    pub monthly_usd: f64,
}

/// One region as a server. Every figure is `null` where it does not apply: the first three
/// without a capacity station (`shed` also when the station has neither a queue limit nor a
/// bulkhead), `breaker_rejected` when the strategy has no circuit breaker.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServingRegion {
    /// Region name.
    pub region: String,
    /// Busy server time / (servers x time up), over the load's duration.
    pub utilisation: Option<f64>,
    /// 99th percentile of the time from arrival at the station to the start of service, ms
    /// (`null` also when no request started service).
    pub queue_wait_p99_ms: Option<f64>,
    /// Requests the station answered `Failed` (queue full or bulkhead full).
    pub shed: Option<u64>,
    /// Attempts to this region that its clients' circuit breakers rejected (failed fast).
    pub breaker_rejected: Option<u64>,
}

/// Data-residency violations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResidencyReport {
    /// Whether the strategy enforced residency.
    pub enforced: bool,
    /// Copies of restricted data sent to a region outside its class.
    pub violations: u64,
    /// Bytes of those copies.
    pub bytes_outside: u64,
    /// Distinct restricted keys with a copy outside their class.
    pub keys_outside: u64,
}

/// One objective's verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SloResult {
    /// The objective, e.g. `p99 write in eu-west-1 <= 100 ms`.
    pub objective: String,
    /// The measured value (`null` when there is none: an RTO that never ended, or a figure
    /// that could not be measured, `not_applicable`).
    pub measured: Option<f64>,
    /// The bound.
    pub threshold: f64,
    /// Whether it is met (never when `not_applicable`).
    pub pass: bool,
    /// The figure could not be measured (no sample: no successful operation of the kind, none
    /// issued, a figure the strategy does not report): `n/a`, neither met nor failed, and
    /// `pass` is false. Absent (false) otherwise.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_applicable: bool,
    /// One line for humans, e.g. `p99 write in eu-west-1 is 212 ms > 100 ms`, or with the
    /// reason when `not_applicable`, `p99 write in eu-west-1 is n/a: no successful write`.
    pub detail: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// All verdicts of one strategy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SloSummary {
    /// Objectives met.
    pub met: u32,
    /// Every objective (met, failed or `n/a`).
    pub total: u32,
    /// Objectives that could not be measured (`n/a`; counted in `total`, not in `met`).
    /// Absent when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_applicable: u32,
    /// One line: `meets 4 of 5: p99 write in ap-southeast-1 is 212 ms > 100 ms`, or
    /// `meets 2 of 4 (2 n/a): ...` when some could not be measured.
    pub verdict: String,
    /// Every objective.
    pub objectives: Vec<SloResult>,
}

/// Operation counts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ops {
    /// Reads issued.
    pub reads: u64,
    /// Writes issued.
    pub writes: u64,
    /// Operations that failed or did not finish.
    pub failed: u64,
    /// Attempts that left their clients (first attempts and retries). `None` only in reports
    /// of older versions, as the three fields below.
    #[serde(default)]
    pub attempts: Option<u64>,
    /// Attempts whose client stopped waiting at `clients.timeout_ms` with no answer.
    #[serde(default)]
    pub timed_out: Option<u64>,
    /// Attempts answered with a failure.
    #[serde(default)]
    pub failure_answers: Option<u64>,
    /// The failed operations by what ended them (they add up to `failed`).
    #[serde(default)]
    pub failed_by: Option<FailedBy>,
}

/// The failed operations of a run by cause (docs/metrics.md, "Attempts and failures").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FailedBy {
    /// The last attempt got no answer within `clients.timeout_ms`.
    pub timeout: u64,
    /// The last attempt was answered with a failure.
    pub failure_answer: u64,
    /// The last attempt was rejected by an open circuit breaker (`None`: the strategy has no
    /// `circuit_breaker`).
    pub breaker: Option<u64>,
    /// Still waiting or backing off when the run ended.
    pub unfinished: u64,
    /// Never sent: a million operations were in flight.
    pub overload: u64,
}

/// Read and write latency.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReadWrite {
    /// Reads.
    pub read: Latency,
    /// Writes.
    pub write: Latency,
    /// Reads and writes together, from the merged histograms: what an `op = "all"` objective
    /// judges (`slo`). Not written to report.json (`None` in a report read back from a file).
    #[serde(skip)]
    pub all: Option<Latency>,
}

/// A latency summary in milliseconds. Every statistic is `null` when `count` is 0 (no
/// successful operation of that kind: docs/metrics.md#applicability).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    /// Number of successful operations.
    pub count: u64,
    /// Exact mean.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// 99.9th percentile.
    pub p999: Option<f64>,
    /// Exact maximum.
    pub max: Option<f64>,
}

impl Latency {
    /// The statistic `name` (`mean`, `p50`, `p90`, `p99`, `p999`, `max`; anything else:
    /// `mean`), `None` without samples.
    pub fn stat(&self, name: &str) -> Option<f64> {
        match name {
            "p50" => self.p50,
            "p90" => self.p90,
            "p99" => self.p99,
            "p999" => self.p999,
            "max" => self.max,
            _ => self.mean,
        }
    }
}

/// Latency of one client region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegionLatency {
    /// Region name.
    pub region: String,
    /// Its clients' latency.
    pub latency_ms: ReadWrite,
    /// Acknowledged writes accepted in this region that conflict resolution discarded (`null`
    /// where conflict resolution discards nothing: as `consistency.lost_updates`).
    pub lost_updates: Option<u64>,
}

/// Consistency measurements.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Consistency {
    /// Reads that returned an older version than the newest acknowledged before they began.
    pub stale_reads: u64,
    /// `stale_reads` / successful reads (`null`: no successful read).
    pub stale_read_rate: Option<f64>,
    /// Conflicting writes (`null` for strategies with one writer per key or that order
    /// concurrent writes without detecting them).
    pub conflicts: Option<u64>,
    /// `conflicts` / writes (`null` as `conflicts`, and when no write was issued).
    pub conflict_rate: Option<f64>,
    /// Acknowledged writes discarded by conflict resolution (`null` where nothing is
    /// discarded: multi-master `version-vector` and `crdt`, and the strategies without
    /// conflicts).
    pub lost_updates: Option<u64>,
    /// Probability that a read returns the newest acknowledged version (or newer), by the
    /// read's age: time from that version's acknowledgement to the read's start.
    pub t_visibility: Vec<Visibility>,
    /// The exact PBS curve from probe reads: probability that a read reaching the servers
    /// exactly `t_ms` after a sampled write was acknowledged returns it or a newer version
    /// (`null` when the scenario configures no probes).
    pub t_visibility_exact: Option<Vec<ExactVisibility>>,
    /// Age of the missed version over stale reads (`null`: no stale read).
    pub staleness_ms: Option<Staleness>,
    /// Linearizability of the keys `[consistency] linearizability_keys` names (left out when
    /// not configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linearizability: Option<Linearizability>,
    /// Session guarantees the client sessions observed (left out, n/a, when no client group
    /// has `sessions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<SessionGuarantees>,
}

/// Violations of the four session guarantees of Terry et al. (1994) over the client
/// sessions' successful operations (docs/metrics.md, "Session guarantees").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionGuarantees {
    /// Session reads checked.
    pub reads: u64,
    /// Session writes checked.
    pub writes: u64,
    /// Reads older than the session's own last acknowledged write of the key.
    pub read_your_writes: u64,
    /// Reads older than what the session had read of the key before.
    pub monotonic_reads: u64,
    /// Writes not ordered after the session's earlier write of the key.
    pub monotonic_writes: u64,
    /// Writes not ordered after what the session had read of the key.
    pub writes_follow_reads: u64,
    /// `read_your_writes` / `reads` (`null`: no read).
    pub read_your_writes_rate: Option<f64>,
    /// `monotonic_reads` / `reads` (`null`: no read).
    pub monotonic_reads_rate: Option<f64>,
    /// `monotonic_writes` / `writes` (`null`: no write).
    pub monotonic_writes_rate: Option<f64>,
    /// `writes_follow_reads` / `writes` (`null`: no write).
    pub writes_follow_reads_rate: Option<f64>,
    /// Operations on (session, key) pairs past the checker's memory bound, not checked.
    pub untracked: u64,
}

/// The linearizability check of the histories of the checked keys (docs/metrics.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Linearizability {
    /// Keys with at least one successful operation.
    pub keys_checked: u64,
    /// Successful operations on them.
    pub ops_checked: u64,
    /// Keys whose history is not linearizable.
    pub violations: u64,
    /// Keys whose history reached its share of the recording bound (checked over what was
    /// recorded).
    pub truncated_keys: u64,
    /// The first non-linearizable key and why (`null`: none).
    pub first_violation: Option<String>,
}

/// One point of the exact staleness curve (probe reads).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExactVisibility {
    /// Delay of the probes after the acknowledgement, ms.
    pub t_ms: u64,
    /// Share of answered probes that returned the probed write or a newer version (`null`
    /// when no probe at this delay was answered).
    pub p_consistent: Option<f64>,
    /// Probes answered at this delay.
    pub probes: u64,
    /// Probes at this delay that failed or got no answer by the end of the run.
    pub failed: u64,
}

/// One point of the staleness curve.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Visibility {
    /// Age bucket: reads whose age is at least `t_ms` and below the next bucket.
    pub t_ms: u64,
    /// Share of those reads that were consistent (`null` when there were none).
    pub p_consistent: Option<f64>,
    /// Number of reads in the bucket.
    pub reads: u64,
}

/// Staleness of stale reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Staleness {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

/// Replication lag percentiles.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Lag {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// The scenario's regions and links, as drawn on the map.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TopologyInfo {
    /// Every region, in scenario order.
    pub regions: Vec<RegionInfo>,
    /// One entry per pair of regions joined by a link (explicit or derived), in region order.
    pub links: Vec<LinkInfo>,
}

/// A region's place.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegionInfo {
    /// Region name.
    pub name: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Jurisdiction label.
    pub jurisdiction: String,
}

/// The link(s) between two regions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LinkInfo {
    /// First region (earlier in scenario order).
    pub a: String,
    /// Second region.
    pub b: String,
    /// True when a direction was given in the scenario, false when derived from geography.
    pub explicit: bool,
    /// Median one-way latency from `a` to `b` over the link, ms (over the route when only
    /// the other direction has a link).
    pub one_way_ms: f64,
    /// Median one-way latency from `b` to `a`, ms.
    pub back_ms: f64,
    /// For a derived link, the backbone hubs its path passes through from `a` to `b`
    /// (docs/network.md, "The path model"); empty for a direct path or an explicit link.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<HubInfo>,
}

/// A backbone hub on a derived link's path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HubInfo {
    /// The hub's city.
    pub name: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
}

impl Report {
    /// The report as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serialises") + "\n"
    }

    /// The strategy called `name`.
    pub fn strategy(&self, name: &str) -> Option<&StrategyReport> {
        self.strategies.iter().find(|s| s.name == name)
    }
}

impl StrategyReport {
    /// The latency of clients in region `name`.
    pub fn region(&self, name: &str) -> Option<&ReadWrite> {
        self.per_region
            .iter()
            .find(|r| r.region == name)
            .map(|r| &r.latency_ms)
    }
}
