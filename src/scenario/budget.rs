//! The size of a run before it starts: an estimate of the events a scenario's runs will take,
//! from its rates, sessions, travelling users, probes, timeouts, durations, regions,
//! heartbeats and faults, and the settings that drive it.
//!
//! Settings within their physical bounds can still multiply into a run that takes hours and
//! gigabytes (a million operations per second for a year); the command line refuses a run
//! whose estimate exceeds `MAX_EVENTS` unless forced. The estimate is an order of magnitude,
//! not a prediction, computed from the scenario alone (no draw, no run):
//!
//! - per operation four events (its arrival, the request, the answer, and one for a service
//!   completion, a retry or a timeout) and per write a message to and from every other
//!   region. Operations are those of the open-loop client groups (`rate_rps`, times the mean
//!   of a diurnal profile), of the travelling users (`[workload.users] rate_rps`) and of the
//!   closed-loop sessions: each session issues one operation per think time (its mean) plus
//!   one access round trip (twice the median access latency of the group's region), whatever
//!   `rate_rps` says; a cycle is never taken shorter than 1 ns.
//! - per retry the events of an operation but its arrival: only the retries forced by a
//!   timeout shorter than the access round trip, from the chance that one access leg alone
//!   exceeds `clients.timeout_ms` (when it is far below every leg, every attempt times out and
//!   every operation takes `1 + retries` attempts). Retries after a failure, a fault, a
//!   breaker, a queue or a wide-area hop longer than the timeout are not counted.
//! - per probe read (`[consistency] probes_ms`, every `probe_every`-th write) one event.
//! - per heartbeat period a message each way between every pair of regions (when anything
//!   can fail); per random fault its start and end; per listed fault its start and end.
//!
//! Not counted: the messages of a strategy beyond one to and from every other region per
//! write (anti-entropy, read repair, elections, catch-up), trips and migrations of
//! travelling users, and retries other than the ones above.
//!
//! Must not import the engine, the world, metrics or report.

use crate::latency::LatencyDist;
use crate::scenario::Scenario;

/// Most events a run may be estimated to take without `--force` (at some millions of events
/// per second, minutes of wall clock).
pub const MAX_EVENTS: f64 = 1e9;

/// Shares at or above this are named in the advice besides the largest one.
const NAMED_SHARE: f64 = 0.1;

/// The estimated events of a run and the settings that contribute most of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Events over every selected strategy.
    pub events: f64,
    /// The field path of the setting behind the largest share.
    pub field: String,
    /// That setting's share of `events`, in [0, 1].
    pub share: f64,
    /// Every setting with a share of at least 10 % (the largest first, then by share, ties in
    /// scenario order), with its share.
    pub shares: Vec<(String, f64)>,
}

impl Estimate {
    /// True when the estimate exceeds `MAX_EVENTS`.
    pub fn too_large(&self) -> bool {
        self.events > MAX_EVENTS
    }
}

/// Which way to move `field` (a field path of `Estimate`) for fewer events.
pub fn advice(field: &str) -> &'static str {
    if field.ends_with(".sessions") {
        "lower it or raise think_time_ms"
    } else if field.ends_with("rate_rps") {
        "lower it"
    } else if field == "consistency.probe_every" {
        "raise it or list fewer consistency.probes_ms"
    } else if field == "clients.timeout_ms" {
        "raise it above the access round trip or lower clients.retries"
    } else if field == "detection.heartbeat_ms" {
        "raise it (a longer period sends fewer heartbeats) or use fewer regions"
    } else if field.ends_with("_mtbf_s") {
        "raise it (a longer mean time between faults draws fewer)"
    } else if field == "faults" {
        "list fewer"
    } else {
        "lower it"
    }
}

/// The mean of `d` in ms (a Pareto without one, shape <= 1: its median; a normal: its mean
/// before truncation at zero).
fn mean_ms(d: &LatencyDist) -> f64 {
    match d {
        LatencyDist::Constant(c) => *c,
        LatencyDist::Uniform { min, max } => 0.5 * (min + max),
        LatencyDist::Normal { mean, .. } => *mean,
        LatencyDist::LogNormal { mu, sigma, .. } => (mu + 0.5 * sigma * sigma).exp(),
        LatencyDist::Exponential { mean, offset, .. } => mean + offset,
        LatencyDist::Pareto { scale, shape, .. } if *shape > 1.0 => scale * shape / (shape - 1.0),
        LatencyDist::Pareto { .. } => d.median_ms(),
        LatencyDist::Mixture(parts) => {
            let mut prev = 0.0;
            let mut sum = 0.0;
            for (c, part) in parts {
                sum += (c - prev) * mean_ms(part);
                prev = *c;
            }
            sum
        }
        LatencyDist::Empirical(points) => {
            // The piecewise-linear inverse CDF, flat before the first and after the last point.
            let (first, last) = (points[0], points[points.len() - 1]);
            let inner: f64 = points
                .windows(2)
                .map(|w| (w[1].0 - w[0].0) * 0.5 * (w[0].1 + w[1].1))
                .sum();
            first.0 * first.1 + inner + (1.0 - last.0) * last.1
        }
    }
}

/// Retries per operation forced by a timeout shorter than the access round trip at a region
/// with access latency `intra`: one access leg exceeds the timeout with probability `p`, so
/// retry `k` happens with probability at least `p^k`.
fn forced_retries(sc: &Scenario, intra: &LatencyDist) -> f64 {
    let timeout_ms = sc.clients.timeout_ns as f64 / 1e6;
    let p = (1.0 - intra.cdf(timeout_ms)).clamp(0.0, 1.0);
    (1..=sc.clients.retries).map(|k| p.powi(k as i32)).sum()
}

/// Estimates the events of running `strategies` strategies of `sc`.
pub fn estimate(sc: &Scenario, strategies: usize) -> Estimate {
    let n = sc.topology.len() as f64;
    let duration_s = sc.duration_ns as f64 / 1e9;
    let horizon_s = (sc.duration_ns + sc.drain_ns) as f64 / 1e9;
    let others = (n - 1.0).max(0.0);
    // (events, field) per source, for one strategy.
    let mut terms: Vec<(f64, String)> = Vec::new();
    // Writes (for probes) and forced retries' events, summed over the sources of operations.
    let (mut writes, mut retried) = (0.0, 0.0);
    let mut ops = |rate: f64, read_fraction: f64, retries: f64, field: String| {
        let per_op = 4.0 + 2.0 * others * (1.0 - read_fraction);
        let count = rate * duration_s;
        writes += count * (1.0 - read_fraction);
        retried += count * retries * (per_op - 1.0);
        terms.push((count * per_op, field));
    };
    for (i, g) in sc.workload.groups.iter().enumerate() {
        let intra = &sc.topology.region(g.region).intra;
        let retries = forced_retries(sc, intra);
        match &g.sessions {
            Some(s) => {
                let cycle_s = (mean_ms(&s.think) + 2.0 * intra.median_ms()) / 1e3;
                let rate = s.sessions as f64 / cycle_s.max(1e-9);
                ops(
                    rate,
                    g.read_fraction,
                    retries,
                    format!("workload.clients[{i}].sessions"),
                );
            }
            None => {
                let mean = g
                    .diurnal
                    .as_ref()
                    .map_or(1.0, |d| d.profile.iter().sum::<f64>() / 24.0);
                ops(
                    g.rate_rps * mean,
                    g.read_fraction,
                    retries,
                    format!("workload.clients[{i}].rate_rps"),
                );
            }
        }
    }
    if let Some(u) = &sc.workload.users {
        // Users travel: the region whose access latency forces the most retries.
        let retries = sc
            .topology
            .regions()
            .iter()
            .map(|r| forced_retries(sc, &r.intra))
            .fold(0.0, f64::max);
        ops(
            u.rate_rps,
            u.read_fraction,
            retries,
            "workload.users.rate_rps".to_string(),
        );
    }
    if retried > 0.0 {
        terms.push((retried, "clients.timeout_ms".to_string()));
    }
    if let Some(p) = &sc.probes {
        let probes = (writes / p.every.max(1) as f64).ceil() * p.delays_ms.len() as f64;
        terms.push((probes, "consistency.probe_every".to_string()));
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
    let share = |e: f64| if one > 0.0 { e / one } else { 0.0 };
    // The largest first, then the others by share (a stable sort keeps scenario order).
    let mut shares: Vec<(String, f64)> = terms
        .iter()
        .filter(|(e, f)| *f != field && share(*e) >= NAMED_SHARE)
        .map(|(e, f)| (f.clone(), share(*e)))
        .collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    if one > 0.0 {
        shares.insert(0, (field.clone(), share(top)));
    }
    Estimate {
        events: one * strategies as f64,
        field,
        share: share(top),
        shares,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_of_each_distribution() {
        assert_eq!(mean_ms(&LatencyDist::constant(3.0)), 3.0);
        assert_eq!(mean_ms(&LatencyDist::uniform(1.0, 5.0)), 3.0);
        assert_eq!(mean_ms(&LatencyDist::exponential(4.0, 1.0)), 5.0);
        assert_eq!(mean_ms(&LatencyDist::pareto(2.0, 2.0)), 4.0);
        let ln = mean_ms(&LatencyDist::lognormal(10.0, 40.0));
        assert!(ln > 10.0 && ln < 40.0, "{ln}");
        let mix = LatencyDist::mixture(vec![
            (3.0, LatencyDist::constant(1.0)),
            (1.0, LatencyDist::constant(5.0)),
        ]);
        assert!((mean_ms(&mix) - 2.0).abs() < 1e-12);
        let emp = LatencyDist::empirical(&[(0.0, 0.0), (50.0, 2.0), (100.0, 2.0)]);
        assert!((mean_ms(&emp) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn the_advice_says_which_way_to_move_each_setting() {
        assert_eq!(advice("workload.clients[2].rate_rps"), "lower it");
        assert_eq!(advice("workload.users.rate_rps"), "lower it");
        assert!(advice("workload.clients[0].sessions").contains("raise think_time_ms"));
        assert!(advice("detection.heartbeat_ms").starts_with("raise it"));
        assert!(advice("random_faults.region_mtbf_s").starts_with("raise it"));
        assert!(advice("random_faults.link_mtbf_s").starts_with("raise it"));
        assert!(advice("consistency.probe_every").starts_with("raise it"));
        assert!(advice("clients.timeout_ms").starts_with("raise it"));
    }
}
