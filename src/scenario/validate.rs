//! Validation: a `ScenarioSpec` becomes a `Scenario`, or a list of every problem with its
//! field path.
//!
//! Must not import the engine, the world, metrics or report.

use std::collections::BTreeMap;

use crate::error::Problem;
use crate::latency::LatencyDist;
use crate::scenario::spec::*;
use crate::scenario::Scenario;
use crate::strategy::{
    ActivePassiveConfig, MultiMasterConfig, NamedStrategy, ReadFrom, Replication, Resolution,
    StrategyConfig,
};
use crate::time::secs_to_nanos;
use crate::topology::{
    fibre_floor_ms, great_circle_km, NetworkModel, Region, RegionId, Topology, TopologyError,
    Unlinked, WanLink,
};
use crate::workload::{ClientGroup, Workload};

/// Largest number of regions a scenario may have.
pub const MAX_REGIONS: usize = 64;
/// Largest key space (per scenario) geosim accepts; per-key state is dense.
pub const MAX_KEYS: u64 = 10_000_000;

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn bad(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }

    /// A finite number within `[lo, hi]`.
    fn range(&mut self, field: &str, v: f64, lo: f64, hi: f64) -> bool {
        if !v.is_finite() {
            self.bad(field, format!("must be a finite number, got {v}"));
            false
        } else if v < lo || v > hi {
            self.bad(field, format!("must be in [{lo}, {hi}], got {v}"));
            false
        } else {
            true
        }
    }

    /// A finite number > 0.
    fn positive(&mut self, field: &str, v: f64) -> bool {
        if !v.is_finite() {
            self.bad(field, format!("must be a finite number, got {v}"));
            false
        } else if v <= 0.0 {
            self.bad(field, format!("must be greater than 0, got {v}"));
            false
        } else {
            true
        }
    }

    /// A finite number >= 0.
    fn non_negative(&mut self, field: &str, v: f64) -> bool {
        if !v.is_finite() {
            self.bad(field, format!("must be a finite number, got {v}"));
            false
        } else if v < 0.0 {
            self.bad(field, format!("must not be negative, got {v}"));
            false
        } else {
            true
        }
    }

    fn latency(&mut self, field: &str, spec: &LatencySpec) -> Option<LatencyDist> {
        match spec {
            LatencySpec::Ms(ms) => self
                .non_negative(field, *ms)
                .then(|| LatencyDist::constant(*ms)),
            LatencySpec::Dist(d) => self.dist(field, d),
        }
    }

    fn dist(&mut self, field: &str, d: &DistSpec) -> Option<LatencyDist> {
        let f = |name: &str| format!("{field}.{name}");
        match d {
            DistSpec::Constant { ms } => self
                .non_negative(&f("ms"), *ms)
                .then(|| LatencyDist::constant(*ms)),
            DistSpec::Uniform { min_ms, max_ms } => {
                let ok = self.non_negative(&f("min_ms"), *min_ms)
                    & self.non_negative(&f("max_ms"), *max_ms);
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
                let ok =
                    self.non_negative(&f("mean_ms"), *mean_ms) & self.positive(&f("sd_ms"), *sd_ms);
                ok.then(|| LatencyDist::normal(*mean_ms, *sd_ms))
            }
            DistSpec::Lognormal { p50_ms, p99_ms } => {
                let ok =
                    self.positive(&f("p50_ms"), *p50_ms) & self.positive(&f("p99_ms"), *p99_ms);
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
                let ok = self.positive(&f("mean_ms"), *mean_ms)
                    & self.non_negative(&f("offset_ms"), *offset_ms);
                ok.then(|| LatencyDist::exponential(*mean_ms, *offset_ms))
            }
            DistSpec::Pareto { scale_ms, shape } => {
                let ok =
                    self.positive(&f("scale_ms"), *scale_ms) & self.positive(&f("shape"), *shape);
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
                    ok &= self.non_negative(&format!("{pf}[{i}][1]"), *v);
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

/// Validates `spec`; `stem` names the scenario when the file does not.
pub fn validate(spec: &ScenarioSpec, stem: &str) -> Result<Scenario, Vec<Problem>> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    c.positive("duration_s", spec.duration_s);
    c.non_negative("drain_s", spec.drain_s);
    let name = spec.name.clone().unwrap_or_else(|| stem.to_string());
    if name.trim().is_empty() {
        c.bad("name", "must not be empty");
    }

    // Network model.
    let net = &spec.network;
    if c.range("network.route_inflation", net.route_inflation, 1.0, 100.0) {}
    c.non_negative("network.overhead_ms", net.overhead_ms);
    let model = NetworkModel {
        route_inflation: net.route_inflation,
        overhead_ms: net.overhead_ms,
        unlinked: match net.unlinked {
            UnlinkedSpec::Geo => Unlinked::Geo,
            UnlinkedSpec::Route => Unlinked::Route,
        },
    };

    // Regions.
    if spec.regions.is_empty() {
        c.bad("regions", "must list at least one region");
    }
    if spec.regions.len() > MAX_REGIONS {
        c.bad(
            "regions",
            format!("at most {MAX_REGIONS} regions are supported"),
        );
    }
    let mut ids: BTreeMap<&str, RegionId> = BTreeMap::new();
    let mut regions = Vec::new();
    for (i, r) in spec.regions.iter().enumerate() {
        let f = |n: &str| format!("regions[{i}].{n}");
        if r.name.trim().is_empty() {
            c.bad(f("name"), "must not be empty");
        } else if ids.insert(&r.name, i as RegionId).is_some() {
            c.bad(f("name"), format!("duplicate region name `{}`", r.name));
        }
        c.range(&f("lat"), r.lat, -90.0, 90.0);
        c.range(&f("lon"), r.lon, -180.0, 180.0);
        let intra = c.latency(&f("intra_ms"), &r.intra_ms);
        regions.push(Region {
            name: r.name.clone(),
            lat: r.lat,
            lon: r.lon,
            jurisdiction: r.jurisdiction.clone(),
            intra: intra.unwrap_or(LatencyDist::constant(0.0)),
        });
    }
    let region_ref = |c: &mut Checker, field: String, name: &str| -> Option<RegionId> {
        let id = ids.get(name).copied();
        if id.is_none() {
            c.bad(field, format!("unknown region `{name}`"));
        }
        id
    };

    // Links.
    let mut links = Vec::new();
    let mut seen_pairs: BTreeMap<(RegionId, RegionId), usize> = BTreeMap::new();
    for (i, l) in spec.links.iter().enumerate() {
        let f = |n: &str| format!("links[{i}].{n}");
        let from = region_ref(&mut c, f("from"), &l.from);
        let to = region_ref(&mut c, f("to"), &l.to);
        let latency = c.latency(&f("latency"), &l.latency);
        let (Some(a), Some(b), Some(latency)) = (from, to, latency) else {
            continue;
        };
        if a == b {
            c.bad(
                f("to"),
                "a link must join two different regions (use intra_ms)",
            );
            continue;
        }
        let dirs: &[(RegionId, RegionId)] = if l.directed {
            &[(a, b)]
        } else {
            &[(a, b), (b, a)]
        };
        for &(x, y) in dirs {
            if let Some(prev) = seen_pairs.insert((x, y), i) {
                c.bad(
                    f("to"),
                    format!(
                        "duplicate link {} -> {} (also links[{prev}])",
                        spec.regions[x as usize].name, spec.regions[y as usize].name
                    ),
                );
            }
        }
        // A link whose median beats light in fibre is a typo, not a network.
        let (ra, rb) = (&spec.regions[a as usize], &spec.regions[b as usize]);
        let floor = fibre_floor_ms(great_circle_km(ra.lat, ra.lon, rb.lat, rb.lon));
        let median = latency.median_ms();
        if median.is_finite() && median < floor {
            c.bad(
                f("latency"),
                format!(
                    "median {median:.3} ms is below the fibre floor {floor:.3} ms between `{}` and `{}`",
                    ra.name, rb.name
                ),
            );
        }
        for &(x, y) in dirs {
            links.push(WanLink {
                from: x,
                to: y,
                latency: latency.clone(),
                explicit: true,
            });
        }
    }

    // Workload.
    if spec.workload.clients.is_empty() {
        c.bad("workload.clients", "must list at least one client group");
    }
    let mut groups = Vec::new();
    for (i, g) in spec.workload.clients.iter().enumerate() {
        let f = |n: &str| format!("workload.clients[{i}].{n}");
        let region = region_ref(&mut c, f("region"), &g.region);
        c.positive(&f("rate_rps"), g.rate_rps);
        c.range(&f("read_fraction"), g.read_fraction, 0.0, 1.0);
        c.non_negative(&f("zipf"), g.zipf);
        if g.keys == 0 {
            c.bad(f("keys"), "must be at least 1");
        }
        if g.key_offset.saturating_add(g.keys) > MAX_KEYS {
            c.bad(
                f("keys"),
                format!("key_offset + keys must not exceed {MAX_KEYS}"),
            );
        }
        if let Some(region) = region {
            groups.push(ClientGroup {
                region,
                rate_rps: g.rate_rps,
                read_fraction: g.read_fraction,
                keys: g.keys,
                key_offset: g.key_offset,
                zipf: g.zipf,
                value_bytes: g.value_bytes,
            });
        }
    }

    // Strategies.
    if spec.strategies.is_empty() {
        c.bad("strategies", "must list at least one strategy");
    }
    let mut names = BTreeMap::new();
    let mut strategies = Vec::new();
    for (i, s) in spec.strategies.iter().enumerate() {
        let f = |n: &str| format!("strategies[{i}].{n}");
        let name = s.name();
        if name.trim().is_empty() {
            c.bad(f("name"), "must not be empty");
        } else if names.insert(name.to_string(), i).is_some() {
            c.bad(f("name"), format!("duplicate strategy name `{name}`"));
        }
        let config = match s {
            StrategySpec::ActivePassive(ap) => {
                region_ref(&mut c, f("primary"), &ap.primary).map(|primary| {
                    StrategyConfig::ActivePassive(ActivePassiveConfig {
                        primary,
                        replication: match ap.replication {
                            ReplicationSpec::Sync => Replication::Sync,
                            ReplicationSpec::Async => Replication::Async,
                        },
                        read_from: match ap.read_from {
                            ReadFromSpec::Local => ReadFrom::Local,
                            ReadFromSpec::Primary => ReadFrom::Primary,
                        },
                    })
                })
            }
            StrategySpec::MultiMaster(mm) => Some(StrategyConfig::MultiMaster(MultiMasterConfig {
                resolution: match mm.resolution {
                    ResolutionSpec::Lww => Resolution::Lww,
                },
            })),
        };
        if let Some(config) = config {
            strategies.push(NamedStrategy {
                name: name.to_string(),
                config,
            });
        }
    }

    // Per-key state is dense: keys x regions^2 counters for multi-master.
    let keys = Workload {
        groups: groups.clone(),
    }
    .key_space();
    let n = spec.regions.len() as u64;
    if keys.saturating_mul(n * n) > 400_000_000 {
        c.bad(
            "workload.clients",
            format!("key space {keys} x {n}^2 regions is too large (limit 4e8 per-key counters)"),
        );
    }

    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    let topology = Topology::new(regions, links, model).map_err(|e| match e {
        TopologyError::Unreachable { from, to } => vec![Problem {
            field: "links".to_string(),
            message: format!(
                "no route from `{}` to `{}` (network.unlinked = \"route\" needs a connected link graph)",
                spec.regions[from as usize].name, spec.regions[to as usize].name
            ),
        }],
    })?;
    Ok(Scenario {
        name,
        seed: spec.seed,
        duration_ns: secs_to_nanos(spec.duration_s),
        drain_ns: secs_to_nanos(spec.drain_s),
        topology,
        workload: Workload { groups },
        strategies,
    })
}
