//! The size of a run before it starts: an estimate of the events a scenario's runs will take,
//! from its rates, durations, regions, heartbeats and faults, and the setting that drives it.
//!
//! Settings within their physical bounds can still multiply into a run that takes hours and
//! gigabytes (a million operations per second for a year); the command line refuses a run
//! whose estimate exceeds `MAX_EVENTS` unless forced. The estimate is an order of magnitude,
//! not a prediction: per operation four (its arrival, the request, the answer, and one for a
//! service completion, a retry or a timeout) and per write a message to and from every other region; per heartbeat period a message each way between
//! every pair of regions (when anything can fail); per random fault its start and end.
//!
//! Must not import the engine, the world, metrics or report.

use crate::scenario::Scenario;

/// Most events a run may be estimated to take without `--force` (at some millions of events
/// per second, minutes of wall clock).
pub const MAX_EVENTS: f64 = 1e9;

/// The estimated events of a run and the setting that contributes most of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Events over every selected strategy.
    pub events: f64,
    /// The field path of the setting behind the largest share.
    pub field: String,
    /// That setting's share of `events`, in [0, 1].
    pub share: f64,
}

impl Estimate {
    /// True when the estimate exceeds `MAX_EVENTS`.
    pub fn too_large(&self) -> bool {
        self.events > MAX_EVENTS
    }
}

/// Estimates the events of running `strategies` strategies of `sc`.
pub fn estimate(sc: &Scenario, strategies: usize) -> Estimate {
    let n = sc.topology.len() as f64;
    let duration_s = sc.duration_ns as f64 / 1e9;
    let horizon_s = (sc.duration_ns + sc.drain_ns) as f64 / 1e9;
    let others = (n - 1.0).max(0.0);
    // (events, field) per source, for one strategy.
    let mut terms: Vec<(f64, String)> = Vec::new();
    for (i, g) in sc.workload.groups.iter().enumerate() {
        let mean = g
            .diurnal
            .as_ref()
            .map_or(1.0, |d| d.profile.iter().sum::<f64>() / 24.0);
        let per_op = 4.0 + 2.0 * others * (1.0 - g.read_fraction);
        terms.push((
            g.rate_rps * mean * duration_s * per_op,
            format!("workload.clients[{i}].rate_rps"),
        ));
    }
    if sc.has_faults() && sc.detection.heartbeat_ns > 0 {
        let beats = horizon_s * 1e9 / sc.detection.heartbeat_ns as f64;
        terms.push((
            2.0 * n * (n - 1.0) * beats,
            "detection.heartbeat_ms".to_string(),
        ));
    }
    if let Some(rf) = &sc.random_faults {
        if let Some(mtbf) = rf.region_mtbf_ns.filter(|&m| m > 0) {
            terms.push((
                2.0 * n * horizon_s * 1e9 / mtbf as f64,
                "random_faults.region_mtbf_s".to_string(),
            ));
        }
        if let Some(mtbf) = rf.link_mtbf_ns.filter(|&m| m > 0) {
            terms.push((
                n * (n - 1.0) * horizon_s * 1e9 / mtbf as f64,
                "random_faults.link_mtbf_s".to_string(),
            ));
        }
    }
    terms.push((2.0 * sc.faults.len() as f64, "faults".to_string()));
    let one: f64 = terms.iter().map(|t| t.0).sum();
    let (top, field) = terms
        .iter()
        .fold((0.0, "duration_s".to_string()), |best, (e, f)| {
            if *e > best.0 {
                (*e, f.clone())
            } else {
                best
            }
        });
    Estimate {
        events: one * strategies as f64,
        field,
        share: if one > 0.0 { top / one } else { 0.0 },
    }
}
