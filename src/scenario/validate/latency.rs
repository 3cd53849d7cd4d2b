//! Latencies: a `LatencySpec` (a number of ms or a distribution table) becomes a
//! `LatencyDist`, with a problem for every bad parameter (field paths end in the
//! distribution's own fields, e.g. `links[0].latency.p99_ms`).
//!
//! Every value in ms is at most one day (`MAX_MS`): a latency beyond it describes no network.
//! Used by every section that has a latency (regions, capacity, links, link faults). Must not
//! import the engine, the world, metrics or report.

use super::{Checker, MAX_MS};
use crate::latency::LatencyDist;
use crate::scenario::spec::{DistSpec, LatencySpec};

impl Checker {
    /// The distribution of a latency, or `None` (with problems) when a parameter is bad.
    pub(super) fn latency(&mut self, field: &str, spec: &LatencySpec) -> Option<LatencyDist> {
        match spec {
            LatencySpec::Ms(ms) => self
                .non_negative_max(field, *ms, MAX_MS)
                .then(|| LatencyDist::constant(*ms)),
            LatencySpec::Dist(d) => self.dist(field, d),
        }
    }

    fn dist(&mut self, field: &str, d: &DistSpec) -> Option<LatencyDist> {
        let f = |name: &str| format!("{field}.{name}");
        match d {
            DistSpec::Constant { ms } => self
                .non_negative_max(&f("ms"), *ms, MAX_MS)
                .then(|| LatencyDist::constant(*ms)),
            DistSpec::Uniform { min_ms, max_ms } => {
                let ok = self.non_negative_max(&f("min_ms"), *min_ms, MAX_MS)
                    & self.non_negative_max(&f("max_ms"), *max_ms, MAX_MS);
                if ok && max_ms < min_ms {
                    self.bad(
                        f("max_ms"),
                        format!("must be >= min_ms ({min_ms}), got {max_ms}"),
                    );
                    return None;
                }
                ok.then(|| LatencyDist::uniform(*min_ms, *max_ms))
            }
            DistSpec::Normal { mean_ms, sd_ms } => {
                let ok = self.non_negative_max(&f("mean_ms"), *mean_ms, MAX_MS)
                    & self.positive_max(&f("sd_ms"), *sd_ms, MAX_MS);
                ok.then(|| LatencyDist::normal(*mean_ms, *sd_ms))
            }
            DistSpec::Lognormal { p50_ms, p99_ms } => {
                let ok = self.positive_max(&f("p50_ms"), *p50_ms, MAX_MS)
                    & self.positive_max(&f("p99_ms"), *p99_ms, MAX_MS);
                if ok && p99_ms < p50_ms {
                    self.bad(
                        f("p99_ms"),
                        format!("must be >= p50_ms ({p50_ms}), got {p99_ms}"),
                    );
                    return None;
                }
                ok.then(|| LatencyDist::lognormal(*p50_ms, *p99_ms))
            }
            DistSpec::Exponential { mean_ms, offset_ms } => {
                let ok = self.positive_max(&f("mean_ms"), *mean_ms, MAX_MS)
                    & self.non_negative_max(&f("offset_ms"), *offset_ms, MAX_MS);
                ok.then(|| LatencyDist::exponential(*mean_ms, *offset_ms))
            }
            DistSpec::Pareto { scale_ms, shape } => {
                let ok = self.positive_max(&f("scale_ms"), *scale_ms, MAX_MS)
                    & self.positive(&f("shape"), *shape);
                ok.then(|| LatencyDist::pareto(*scale_ms, *shape))
            }
            DistSpec::Mixture { components } => {
                if components.is_empty() {
                    self.bad(f("components"), "must list at least one component");
                    return None;
                }
                let mut parts = Vec::new();
                for (i, c) in components.iter().enumerate() {
                    let cf = format!("{field}.components[{i}]");
                    let w = self.positive(&format!("{cf}.weight"), c.weight);
                    let d = self.latency(&format!("{cf}.latency"), &c.latency);
                    if let (true, Some(d)) = (w, d) {
                        parts.push((c.weight, d));
                    }
                }
                (parts.len() == components.len()).then(|| LatencyDist::mixture(parts))
            }
            DistSpec::Empirical { percentiles } => {
                let pf = f("percentiles");
                if percentiles.len() < 2 {
                    self.bad(&pf, "needs at least two [percentile, ms] points");
                    return None;
                }
                let mut ok = true;
                for (i, [p, v]) in percentiles.iter().enumerate() {
                    ok &= self.range(&format!("{pf}[{i}][0]"), *p, 0.0, 100.0);
                    ok &= self.non_negative_max(&format!("{pf}[{i}][1]"), *v, MAX_MS);
                    if ok && i > 0 {
                        let [p0, v0] = percentiles[i - 1];
                        if *p <= p0 {
                            self.bad(format!("{pf}[{i}][0]"), "percentiles must increase");
                            ok = false;
                        } else if *v < v0 {
                            self.bad(format!("{pf}[{i}][1]"), "latencies must not decrease");
                            ok = false;
                        }
                    }
                }
                let pts: Vec<(f64, f64)> = percentiles.iter().map(|[p, v]| (*p, *v)).collect();
                ok.then(|| LatencyDist::empirical(&pts))
            }
        }
    }
}
