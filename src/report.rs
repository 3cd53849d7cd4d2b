//! The run report: `report.json`'s shape, its assembly from metrics, and the terminal table.
//!
//! Owns `Report` and its parts (serde types, documented in docs/report.md), `build` (metrics
//! -> report, values rounded so the JSON is stable and readable), and `table` (the
//! side-by-side comparison printed by `geosim run`). Nothing here reads a clock: the report
//! holds simulated quantities only.
//!
//! Must not import the engine, the world or the scenario spec; does no I/O.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::faults::{Fault, FaultKind};
use crate::metrics::{LatencyStat, RunMetrics, VISIBILITY_AGES_MS};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::time::SimTime;

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
    /// One entry per strategy, in scenario order.
    pub strategies: Vec<StrategyReport>,
    /// Regions and links, for the map (absent in reports of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<TopologyInfo>,
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
    /// Replication lag percentiles.
    pub replication_lag_ms: Lag,
    /// Bytes sent between regions.
    pub wan_bytes: u64,
    /// Strategy-specific figures (e.g. `cache_hit_ratio`), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, f64>,
    /// Share of operations that succeeded.
    pub availability: AvailabilityReport,
    /// Data lost to failures.
    pub rpo: Rpo,
    /// Time to recover from failures.
    pub rto: Rto,
    /// Time with two writable primaries.
    pub split_brain: SplitBrain,
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
    /// Verdicts against the scenario's service-level objectives (absent when it has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloSummary>,
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
    /// Total per million operations issued.
    pub per_million_ops_usd: f64,
    /// Total projected to a 730-hour month.
    pub monthly_usd: f64,
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
    /// The measured value (`null` when there is none, e.g. an RTO that never ended).
    pub measured: Option<f64>,
    /// The bound.
    pub threshold: f64,
    /// Whether it is met.
    pub pass: bool,
    /// One line for humans, e.g. `p99 write in eu-west-1 is 212 ms > 100 ms`.
    pub detail: String,
}

/// All verdicts of one strategy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SloSummary {
    /// Objectives met.
    pub met: u32,
    /// Objectives judged.
    pub total: u32,
    /// One line: `meets 4 of 5: p99 write in ap-southeast-1 is 212 ms > 100 ms`.
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
}

/// Read and write latency.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReadWrite {
    /// Reads.
    pub read: Latency,
    /// Writes.
    pub write: Latency,
}

/// A latency summary in milliseconds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    /// Number of successful operations.
    pub count: u64,
    /// Exact mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Exact maximum.
    pub max: f64,
}

/// Latency of one client region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegionLatency {
    /// Region name.
    pub region: String,
    /// Its clients' latency.
    pub latency_ms: ReadWrite,
    /// Acknowledged writes accepted in this region that conflict resolution discarded.
    pub lost_updates: u64,
}

/// Consistency measurements.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Consistency {
    /// Reads that returned an older version than the newest acknowledged before they began.
    pub stale_reads: u64,
    /// `stale_reads` / successful reads.
    pub stale_read_rate: f64,
    /// Conflicting writes.
    pub conflicts: u64,
    /// `conflicts` / writes.
    pub conflict_rate: f64,
    /// Acknowledged writes discarded by conflict resolution.
    pub lost_updates: u64,
    /// Probability that a read returns the newest acknowledged version (or newer), by the
    /// read's age: time from that version's acknowledgement to the read's start.
    pub t_visibility: Vec<Visibility>,
    /// Age of the missed version over stale reads.
    pub staleness_ms: Staleness,
}

/// One point of the staleness curve.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Visibility {
    /// Age bucket: reads whose age is at least `t_ms` and below the next bucket.
    pub t_ms: u64,
    /// Share of those reads that were consistent (1 when there were none).
    pub p_consistent: f64,
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

/// Share of successful operations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AvailabilityReport {
    /// Over all operations.
    pub overall: f64,
    /// Over reads.
    pub read: f64,
    /// Over writes.
    pub write: f64,
    /// Per client region (regions with clients, in region order).
    pub per_region: Vec<RegionAvailability>,
}

/// Availability of one client region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegionAvailability {
    /// Region name.
    pub region: String,
    /// Over all its operations.
    pub overall: f64,
    /// Over its reads.
    pub read: f64,
    /// Over its writes.
    pub write: f64,
}

/// Data lost to failures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rpo {
    /// Acknowledged writes lost, over all faults.
    pub lost_writes: u64,
    /// Largest time span of lost data over faults, seconds.
    pub max_span_s: f64,
}

/// Time to recover.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rto {
    /// Largest over faults, seconds (`null` when some fault never recovered).
    pub max_s: Option<f64>,
    /// Mean over faults that recovered, seconds.
    pub mean_s: f64,
    /// Faults after which some client never recovered before the run ended.
    pub unrecovered: u64,
}

/// Split-brain exposure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SplitBrain {
    /// Seconds with two or more writable primaries.
    pub seconds: f64,
    /// Writes acknowledged during them.
    pub writes: u64,
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
    /// Acknowledged writes lost.
    pub lost_writes: u64,
    /// Time span of the lost data, seconds.
    pub lost_span_s: f64,
    /// Time until affected clients succeeded again, seconds (`null`: never).
    pub rto_s: Option<f64>,
    /// The same per affected client region (regions whose operations failed).
    #[serde(default)]
    pub rto_by_region: Vec<RegionRto>,
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
    /// p99 latency of the successful ones (ms, within 3.2 %; 0 when none).
    pub p99_ms: Vec<f64>,
}

/// Rounds to microseconds when the value is in ms (stable, readable JSON).
fn ms(v: f64) -> f64 {
    (v * 1e3).round() / 1e3
}

/// Rounds a rate to 6 decimals.
fn rate(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn latency(s: &LatencyStat) -> Latency {
    Latency {
        count: s.count(),
        mean: ms(s.mean_ms()),
        p50: ms(s.quantile_ms(0.5)),
        p90: ms(s.quantile_ms(0.9)),
        p99: ms(s.quantile_ms(0.99)),
        p999: ms(s.quantile_ms(0.999)),
        max: ms(s.max_ms()),
    }
}

/// Builds the report of a run. `indices` are the strategies run, `results` their metrics.
pub fn build(
    sc: &Scenario,
    info: ScenarioInfo,
    seed: u64,
    indices: &[usize],
    results: &[RunResult],
) -> Report {
    let mut client_regions: Vec<u16> = sc.workload.groups.iter().map(|g| g.region).collect();
    client_regions.sort_unstable();
    client_regions.dedup();
    let strategies = indices
        .iter()
        .zip(results)
        .map(|(&i, res)| {
            let m = &res.metrics;
            let s = &sc.strategies[i];
            let (faults, rpo, rto) = fault_reports(sc, &res.faults, m);
            let roles = crate::cost::footprint(&s.config, sc.topology.len());
            let cache_share = match &s.config {
                crate::strategy::StrategyConfig::EdgeCache(e) => {
                    (e.capacity as f64 / sc.workload.key_space().max(1) as f64).min(1.0)
                }
                _ => 0.0,
            };
            let c = sc.cost.cost(
                &roles,
                sc.duration_ns as f64 / 1e9,
                &m.bytes_matrix,
                &m.egress_bytes,
                m.reads + m.writes,
                cache_share,
            );
            let usd = |v: f64| (v * 1e6).round() / 1e6;
            StrategyReport {
                name: s.name.clone(),
                kind: s.config.kind().to_string(),
                events: m.events,
                ops: Ops {
                    reads: m.reads,
                    writes: m.writes,
                    failed: m.failed,
                },
                latency_ms: ReadWrite {
                    read: latency(&m.read),
                    write: latency(&m.write),
                },
                per_region: client_regions
                    .iter()
                    .map(|&r| RegionLatency {
                        region: sc.topology.region(r).name.clone(),
                        latency_ms: ReadWrite {
                            read: latency(&m.per_region[r as usize][0]),
                            write: latency(&m.per_region[r as usize][1]),
                        },
                        lost_updates: m.lost_by_region[r as usize],
                    })
                    .collect(),
                consistency: Consistency {
                    stale_reads: m.stale_reads,
                    stale_read_rate: rate(m.stale_read_rate()),
                    conflicts: m.conflicts,
                    conflict_rate: rate(m.conflict_rate()),
                    lost_updates: m.lost_updates,
                    t_visibility: VISIBILITY_AGES_MS
                        .iter()
                        .zip(&m.visibility)
                        .map(|(&t_ms, &[reads, ok])| Visibility {
                            t_ms,
                            p_consistent: if reads == 0 {
                                1.0
                            } else {
                                rate(ok as f64 / reads as f64)
                            },
                            reads,
                        })
                        .collect(),
                    staleness_ms: Staleness {
                        p50: ms(m.staleness.quantile_ms(0.5)),
                        p99: ms(m.staleness.quantile_ms(0.99)),
                        max: ms(m.staleness.max_ms()),
                    },
                },
                replication_lag_ms: Lag {
                    p50: ms(m.lag.quantile_ms(0.5)),
                    p99: ms(m.lag.quantile_ms(0.99)),
                },
                wan_bytes: m.wan_bytes,
                extra: m
                    .extra
                    .iter()
                    .map(|(k, v)| (k.to_string(), rate(*v)))
                    .collect(),
                availability: availability(sc, &client_regions, m),
                rpo,
                rto,
                split_brain: SplitBrain {
                    seconds: secs(m.split_brain_ns),
                    writes: m.split_brain_writes,
                },
                faults,
                timeline: timeline(m),
                cost: Some(CostReport {
                    compute_usd: usd(c.compute_usd),
                    storage_usd: usd(c.storage_usd),
                    transfer_usd: usd(c.transfer_usd),
                    egress_usd: usd(c.egress_usd),
                    total_usd: usd(c.total_usd),
                    per_million_ops_usd: usd(c.per_million_ops_usd),
                    monthly_usd: usd(c.monthly_usd),
                }),
                residency: Some(ResidencyReport {
                    enforced: s.residency == crate::residency::ResidencyMode::Enforce,
                    violations: m.residency_violations,
                    bytes_outside: m.bytes_outside,
                    keys_outside: m.keys_outside(),
                }),
                slo: None,
            }
        })
        .collect::<Vec<StrategyReport>>();
    let strategies = strategies
        .into_iter()
        .map(|mut s| {
            if !sc.slos.is_empty() {
                s.slo = Some(crate::slo::evaluate(&sc.slos, &s));
            }
            s
        })
        .collect();
    Report {
        geosim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: info,
        seed,
        duration_s: sc.duration_ns as f64 / 1e9,
        strategies,
        topology: Some(topology_info(&sc.topology)),
    }
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

/// The side-by-side comparison table printed by `geosim run`.
pub fn table(report: &Report) -> String {
    let header = [
        "strategy",
        "kind",
        "read p50",
        "read p99",
        "write p50",
        "write p99",
        "stale reads",
        "conflicts",
        "lost upd",
        "failed",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for s in &report.strategies {
        rows.push(vec![
            s.name.clone(),
            s.kind.clone(),
            format!("{:.1} ms", s.latency_ms.read.p50),
            format!("{:.1} ms", s.latency_ms.read.p99),
            format!("{:.1} ms", s.latency_ms.write.p50),
            format!("{:.1} ms", s.latency_ms.write.p99),
            format!("{:.3}%", s.consistency.stale_read_rate * 100.0),
            format!("{:.3}%", s.consistency.conflict_rate * 100.0),
            s.consistency.lost_updates.to_string(),
            s.ops.failed.to_string(),
        ]);
    }
    render(&rows)
}

/// The cost table printed by `geosim run`: USD over the simulated window and per month,
/// with SLO verdicts when the scenario has objectives.
pub fn cost_table(report: &Report) -> String {
    let with_slo = report.strategies.iter().any(|s| s.slo.is_some());
    let mut header = vec![
        "strategy",
        "compute",
        "storage",
        "transfer",
        "egress",
        "total",
        "$/M ops",
        "monthly",
        "residency",
    ];
    if with_slo {
        header.push("SLO");
    }
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for s in &report.strategies {
        let Some(c) = &s.cost else { continue };
        let mut row = vec![
            s.name.clone(),
            money(c.compute_usd),
            money(c.storage_usd),
            money(c.transfer_usd),
            money(c.egress_usd),
            money(c.total_usd),
            money(c.per_million_ops_usd),
            format!("${:.0}", c.monthly_usd),
            match &s.residency {
                Some(r) if r.violations > 0 => format!("{} violations", r.violations),
                Some(r) if r.enforced => "enforced".to_string(),
                _ => "ok".to_string(),
            },
        ];
        if with_slo {
            row.push(match &s.slo {
                Some(v) if v.met == v.total => format!("PASS {}/{}", v.met, v.total),
                Some(v) => format!("FAIL {}/{}", v.met, v.total),
                None => "-".to_string(),
            });
        }
        rows.push(row);
    }
    let mut out = render(&rows);
    if with_slo {
        out.push('\n');
        for s in &report.strategies {
            if let Some(v) = &s.slo {
                out.push_str(&format!("{}: {}\n", s.name, v.verdict));
            }
        }
    }
    out
}

/// Dollars with cents, or four decimals below one dollar.
fn money(v: f64) -> String {
    if v >= 1.0 || v == 0.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.4}")
    }
}

/// The resilience table (printed when the scenario has faults): availability, RPO, RTO and
/// split-brain exposure per strategy.
pub fn resilience_table(report: &Report) -> String {
    let header = [
        "strategy",
        "availability",
        "write avail",
        "RPO writes",
        "RPO span",
        "RTO max",
        "RTO mean",
        "split brain",
        "sb writes",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for s in &report.strategies {
        rows.push(vec![
            s.name.clone(),
            format!("{:.4}%", s.availability.overall * 100.0),
            format!("{:.4}%", s.availability.write * 100.0),
            s.rpo.lost_writes.to_string(),
            format!("{:.3} s", s.rpo.max_span_s),
            match s.rto.max_s {
                Some(v) => format!("{v:.1} s"),
                None => "never".to_string(),
            },
            format!("{:.1} s", s.rto.mean_s),
            format!("{:.1} s", s.split_brain.seconds),
            s.split_brain.writes.to_string(),
        ]);
    }
    let mut out = render(&rows);
    // Recovery per client region of the first few faults: who was down, and for how long.
    let faults = report.strategies.first().map_or(0, |s| s.faults.len());
    for f in 0..faults.min(3) {
        let first = &report.strategies[0].faults[f];
        out.push_str(&format!(
            "\nRTO by client region, fault {} ({} {} at {} s):\n",
            f + 1,
            first.kind,
            first.target,
            first.start_s
        ));
        for s in &report.strategies {
            let parts: Vec<String> = s.faults[f]
                .rto_by_region
                .iter()
                .map(|r| match r.rto_s {
                    Some(v) => format!("{} {v:.1} s", r.region),
                    None => format!("{} never", r.region),
                })
                .collect();
            let parts = if parts.is_empty() {
                "no client affected".to_string()
            } else {
                parts.join(", ")
            };
            out.push_str(&format!("  {}: {parts}\n", s.name));
        }
    }
    out
}

/// Renders rows as an aligned text table: first column left-aligned, others right-aligned,
/// a rule under the header.
pub fn render(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, s)| {
                if c == 0 {
                    format!("{s:<w$}", w = widths[c])
                } else {
                    format!("{s:>w$}", w = widths[c])
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let total = widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

fn share(ok: u64, attempted: u64) -> f64 {
    if attempted == 0 {
        1.0
    } else {
        rate(ok as f64 / attempted as f64)
    }
}

/// Availability of a run.
pub fn availability(sc: &Scenario, client_regions: &[u16], m: &RunMetrics) -> AvailabilityReport {
    let sum = |f: &dyn Fn(&crate::metrics::Availability) -> u64| -> u64 {
        m.availability.iter().map(f).sum()
    };
    let (ar, aw) = (sum(&|a| a.attempted[0]), sum(&|a| a.attempted[1]));
    let (sr, sw) = (sum(&|a| a.succeeded[0]), sum(&|a| a.succeeded[1]));
    AvailabilityReport {
        overall: share(sr + sw, ar + aw),
        read: share(sr, ar),
        write: share(sw, aw),
        per_region: client_regions
            .iter()
            .map(|&r| {
                let a = &m.availability[r as usize];
                RegionAvailability {
                    region: sc.topology.region(r).name.clone(),
                    overall: share(
                        a.succeeded[0] + a.succeeded[1],
                        a.attempted[0] + a.attempted[1],
                    ),
                    read: share(a.succeeded[0], a.attempted[0]),
                    write: share(a.succeeded[1], a.attempted[1]),
                }
            })
            .collect(),
    }
}

fn secs(ns: u64) -> f64 {
    (ns as f64 / 1e9 * 1e6).round() / 1e6
}

/// The faults of a run with their cost, and the RPO/RTO summaries.
pub fn fault_reports(
    sc: &Scenario,
    faults: &[Fault],
    m: &RunMetrics,
) -> (Vec<FaultReport>, Rpo, Rto) {
    let name = |r: &u16| sc.topology.region(*r).name.clone();
    let list = |v: &[u16]| v.iter().map(name).collect::<Vec<_>>().join(", ");
    let reports: Vec<FaultReport> = faults
        .iter()
        .zip(&m.faults)
        .map(|(f, cost)| FaultReport {
            kind: f.kind.name().to_string(),
            target: match &f.kind {
                FaultKind::Partition { a, b, one_way } => {
                    format!(
                        "{} {} {}",
                        list(a),
                        if *one_way { "->" } else { "|" },
                        list(b)
                    )
                }
                FaultKind::Outage { region, .. } | FaultKind::ClockSkew { region, .. } => {
                    name(region)
                }
                FaultKind::LinkDegradation {
                    from,
                    to,
                    both_ways,
                    ..
                } => format!(
                    "{} {} {}",
                    name(from),
                    if *both_ways { "<->" } else { "->" },
                    name(to)
                ),
            },
            start_s: secs(f.start.as_nanos()),
            end_s: (f.end != SimTime::MAX).then(|| secs(f.end.as_nanos())),
            random: f.random,
            lost_writes: cost.lost_writes,
            lost_span_s: secs(cost.lost_span_ns),
            rto_s: cost.rto_ns().map(secs),
            rto_by_region: cost
                .rto_by_region()
                .into_iter()
                .map(|(r, rto)| RegionRto {
                    region: name(&r),
                    rto_s: rto.map(secs),
                })
                .collect(),
        })
        .collect();
    let rpo = Rpo {
        lost_writes: m.rpo_writes(),
        max_span_s: secs(m.faults.iter().map(|f| f.lost_span_ns).max().unwrap_or(0)),
    };
    let rtos: Vec<u64> = m.faults.iter().filter_map(|f| f.rto_ns()).collect();
    let unrecovered = m.faults.iter().filter(|f| f.rto_ns().is_none()).count() as u64;
    let rto = Rto {
        max_s: (unrecovered == 0).then(|| secs(rtos.iter().copied().max().unwrap_or(0))),
        mean_s: if rtos.is_empty() {
            0.0
        } else {
            secs(rtos.iter().sum::<u64>() / rtos.len() as u64)
        },
        unrecovered,
    };
    (reports, rpo, rto)
}

/// The per-bucket timeline of a run.
pub fn timeline(m: &RunMetrics) -> Timeline {
    Timeline {
        bucket_s: m.bucket_ns as f64 / 1e9,
        attempted: m.timeline.iter().map(|b| b.attempted).collect(),
        succeeded: m.timeline.iter().map(|b| b.succeeded).collect(),
        failed: m.timeline.iter().map(|b| b.failed).collect(),
        p99_ms: m
            .timeline
            .iter()
            .map(|b| ms(b.latency.quantile_ms(0.99)))
            .collect(),
    }
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
}

/// The regions and links of a topology.
pub fn topology_info(t: &crate::topology::Topology) -> TopologyInfo {
    let direct = |a: usize, b: usize| {
        t.links()
            .iter()
            .find(|l| l.from as usize == a && l.to as usize == b)
    };
    let n = t.len();
    let mut links = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            let (ab, ba) = (direct(a, b), direct(b, a));
            if ab.is_none() && ba.is_none() {
                continue;
            }
            let median = |l: Option<&crate::topology::WanLink>, from: usize, to: usize| {
                ms(l.map_or_else(
                    || t.median_one_way_ms(from as u16, to as u16),
                    |l| l.latency.median_ms(),
                ))
            };
            links.push(LinkInfo {
                a: t.regions()[a].name.clone(),
                b: t.regions()[b].name.clone(),
                explicit: ab.is_some_and(|l| l.explicit) || ba.is_some_and(|l| l.explicit),
                one_way_ms: median(ab, a, b),
                back_ms: median(ba, b, a),
            });
        }
    }
    TopologyInfo {
        regions: t
            .regions()
            .iter()
            .map(|r| RegionInfo {
                name: r.name.clone(),
                lat: r.lat,
                lon: r.lon,
                jurisdiction: r.jurisdiction.clone(),
            })
            .collect(),
        links,
    }
}
