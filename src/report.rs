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

use crate::metrics::{LatencyStat, RunMetrics, VISIBILITY_AGES_MS};
use crate::scenario::Scenario;

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
    results: &[RunMetrics],
) -> Report {
    let mut client_regions: Vec<u16> = sc.workload.groups.iter().map(|g| g.region).collect();
    client_regions.sort_unstable();
    client_regions.dedup();
    let strategies = indices
        .iter()
        .zip(results)
        .map(|(&i, m)| {
            let s = &sc.strategies[i];
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
            }
        })
        .collect();
    Report {
        geosim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: info,
        seed,
        duration_s: sc.duration_ns as f64 / 1e9,
        strategies,
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
