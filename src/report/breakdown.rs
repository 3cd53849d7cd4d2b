//! The `latency_breakdown` section of a strategy's report: per client region and operation
//! kind, the mean of each latency component over all successful operations and over the
//! slowest 1 % (what the p99 tail is made of), in ms; and the one-line tail explanations
//! `geosim run --explain` prints (the two biggest components of the tail).
//!
//! Owns `BreakdownRegion`, `BreakdownKind`, `BreakdownTail`, `Components`, `breakdown` (metrics
//! -> section), `explain` (one line) and `explanations` (every strategy's lines). Definitions: docs/metrics.md, latency breakdown.
//!
//! Must not import the engine, the world, the scenario spec or `slo`; does no I/O.

use serde::{Deserialize, Serialize};

use crate::metrics::Breakdown;
use crate::strategy::{Part, PARTS};
use crate::topology::{RegionId, Topology};
use crate::workload::OpKind;

use super::Report;

/// The latency breakdown of one client region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BreakdownRegion {
    /// Client region.
    pub region: String,
    /// Reads (`null`: no successful read).
    pub read: Option<BreakdownKind>,
    /// Writes (`null`: no successful write).
    pub write: Option<BreakdownKind>,
}

/// The breakdown of one operation kind of one client region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BreakdownKind {
    /// Successful operations.
    pub count: u64,
    /// Mean latency (the sum of the components' means), ms.
    pub mean_ms: f64,
    /// Mean of each component over all of them, ms.
    pub components_ms: Components,
    /// The slowest 1 %.
    pub tail: BreakdownTail,
    /// The region most of them were sent on to, or served by when remote (`null`: none).
    pub sent_to: Option<String>,
    /// The region that served most of them.
    pub served_by: String,
}

/// The slowest 1 % of one kind of one client region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BreakdownTail {
    /// Operations in it: ceil(1 % of the count).
    pub count: u64,
    /// Their mean latency, ms.
    pub mean_ms: f64,
    /// Mean of each component over them, ms.
    pub components_ms: Components,
}

/// One value per latency component, ms (docs/metrics.md defines each).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
pub struct Components {
    /// The client's access network, both ways.
    pub client_access: f64,
    /// WAN toward where the operation is decided.
    pub wan_request: f64,
    /// WAN on the way back.
    pub wan_response: f64,
    /// Waiting for a server at a capacity station.
    pub queueing: f64,
    /// Service time at a capacity station.
    pub service: f64,
    /// Replication, quorum or consensus wait.
    pub replication_wait: f64,
    /// Cache miss to the origin.
    pub cache_miss: f64,
    /// Earlier attempts, timeouts and backoff.
    pub retries: f64,
    /// Client WAN legs to a rerouted region.
    pub rerouting: f64,
}

impl Components {
    /// From ns per component (rounded to us, in ms).
    pub fn from_ns(ns: &[f64; PARTS]) -> Self {
        let v = |p: Part| (ns[p as usize] / 1e3).round() / 1e3;
        Components {
            client_access: v(Part::Access),
            wan_request: v(Part::WanRequest),
            wan_response: v(Part::WanResponse),
            queueing: v(Part::Queueing),
            service: v(Part::Service),
            replication_wait: v(Part::Replication),
            cache_miss: v(Part::CacheMiss),
            retries: v(Part::Retries),
            rerouting: v(Part::Rerouting),
        }
    }

    /// The values in `Part::ALL` order.
    pub fn values(&self) -> [f64; PARTS] {
        [
            self.client_access,
            self.wan_request,
            self.wan_response,
            self.queueing,
            self.service,
            self.replication_wait,
            self.cache_miss,
            self.retries,
            self.rerouting,
        ]
    }
}

fn kind(b: &Breakdown, topo: &Topology, r: RegionId, k: OpKind) -> Option<BreakdownKind> {
    let all = b.means_ns(r, k)?;
    let tail = b.tail(r, k)?;
    let round = |ns: f64| (ns / 1e3).round() / 1e3;
    let name = |id: RegionId| topo.region(id).name.clone();
    Some(BreakdownKind {
        count: b.count(r, k),
        mean_ms: round(all.iter().sum()),
        components_ms: Components::from_ns(&all),
        tail: BreakdownTail {
            count: tail.count,
            mean_ms: round(tail.parts_ns.iter().sum()),
            components_ms: Components::from_ns(&tail.parts_ns),
        },
        sent_to: b.peer(r, k).map(name),
        served_by: name(b.server(r, k).unwrap_or(r)),
    })
}

/// The section for `regions` (the client regions, in order).
pub fn breakdown(b: &Breakdown, topo: &Topology, regions: &[RegionId]) -> Vec<BreakdownRegion> {
    regions
        .iter()
        .map(|&r| BreakdownRegion {
            region: topo.region(r).name.clone(),
            read: kind(b, topo, r, OpKind::Read),
            write: kind(b, topo, r, OpKind::Write),
        })
        .collect()
}

/// What the tail of one kind is made of, in words: `"{region} {kind}s p99 {p99} ms: 72 % WAN
/// request to us-east-1, 21 % queueing at us-east-1"` (the two biggest components; `None`:
/// no operation).
pub fn explain(region: &str, what: &str, p99_ms: f64, k: &BreakdownKind) -> Option<String> {
    let v = k.tail.components_ms.values();
    let total: f64 = v.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut order: Vec<usize> = (0..PARTS).filter(|&i| v[i] > 0.0).collect();
    // Largest first; ties in component order.
    order.sort_by(|&a, &b| v[b].total_cmp(&v[a]).then(a.cmp(&b)));
    let words: Vec<String> = order
        .iter()
        .take(2)
        .map(|&i| {
            let part = Part::ALL[i];
            let at = match part {
                Part::WanRequest | Part::CacheMiss => {
                    k.sent_to.as_deref().map(|r| format!(" to {r}"))
                }
                Part::Queueing | Part::Service => Some(format!(" at {}", k.served_by)),
                Part::WanResponse => k.sent_to.as_deref().map(|r| format!(" from {r}")),
                _ => None,
            };
            let pct = (100.0 * v[i] / total).round();
            format!("{pct:.0} % {}{}", part.words(), at.unwrap_or_default())
        })
        .collect();
    Some(format!(
        "{region} {what} p99 {p99_ms:.1} ms (slowest 1 % mean {:.1} ms): {}",
        k.tail.mean_ms,
        words.join(", ")
    ))
}

/// `geosim run --explain`: per strategy, per client region and kind, the two biggest
/// components of the slowest 1 %, one line each.
pub fn explanations(report: &Report) -> String {
    let mut out = String::new();
    for s in &report.strategies {
        out.push_str(&format!(
            "{} ({})
",
            s.name, s.kind
        ));
        for b in &s.latency_breakdown {
            let lat = s.per_region.iter().find(|r| r.region == b.region);
            let rows = [("reads", &b.read), ("writes", &b.write)];
            for (what, k) in rows {
                let Some(k) = k else { continue };
                // A kind with a breakdown has operations, so a p99.
                let Some(p99) = lat.and_then(|l| match what {
                    "reads" => l.latency_ms.read.p99,
                    _ => l.latency_ms.write.p99,
                }) else {
                    continue;
                };
                if let Some(line) = explain(&b.region, what, p99, k) {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
    }
    out
}
