//! Validation: a `ScenarioSpec` becomes a `Scenario`, or a list of every problem with its
//! field path.
//!
//! Must not import the engine, the world, metrics or report.

use std::collections::BTreeMap;

use crate::catalogue;
use crate::cost::{CostModel, RegionPrices};
use crate::error::Problem;
use crate::faults::{Capacity, ClientPolicy, Detection, Fault, FaultKind, RandomFaults, Recovery};
use crate::latency::LatencyDist;
use crate::residency::{DataClass, Residency, ResidencyMode, NO_CLASS};
use crate::scenario::spec::*;
use crate::scenario::Scenario;
use crate::slo::{Objective, Ops};
use crate::strategy::{
    ActiveActiveConfig, ActivePassiveConfig, ConsensusConfig, ConsensusReads, EdgeCacheConfig,
    FollowTheSunConfig, HandoffPolicy, MultiMasterConfig, NamedStrategy, QuorumConfig, ReadFrom,
    Replication, Resolution, Shift, SplitBrain, StrategyConfig,
};
use crate::time::secs_to_nanos;
use crate::time::SimTime;
use crate::topology::{
    fibre_floor_ms, great_circle_km, NetworkModel, Region, RegionId, Topology, TopologyError,
    Unlinked, WanLink,
};
use crate::workload::{ClientGroup, Diurnal, Workload};

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
    if c.range("start_utc_h", spec.start_utc_h, 0.0, 24.0) && spec.start_utc_h >= 24.0 {
        c.bad("start_utc_h", "must be below 24");
    }
    let name = spec.name.clone().unwrap_or_else(|| stem.to_string());
    if name.trim().is_empty() {
        c.bad("name", "must not be empty");
    }

    // Network model.
    let net = &spec.network;
    c.range("network.route_inflation", net.route_inflation, 1.0, 100.0);
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
    let mut prices = Vec::new();
    for (i, r) in spec.regions.iter().enumerate() {
        let f = |n: &str| format!("regions[{i}].{n}");
        if r.name.trim().is_empty() {
            c.bad(f("name"), "must not be empty");
        } else if ids.insert(&r.name, i as RegionId).is_some() {
            c.bad(f("name"), format!("duplicate region name `{}`", r.name));
        }
        let cat = catalogue::find(&r.name);
        let coord = |c: &mut Checker, name: &str, v: Option<f64>, cv: Option<f64>, lim: f64| match v
            .or(cv)
        {
            Some(x) => {
                c.range(&f(name), x, -lim, lim);
                x
            }
            None => {
                c.bad(
                    f(name),
                    format!(
                        "missing (`{}` is not a catalogue region; see `geosim regions`)",
                        r.name
                    ),
                );
                0.0
            }
        };
        let lat = coord(&mut c, "lat", r.lat, cat.map(|x| x.lat), 90.0);
        let lon = coord(&mut c, "lon", r.lon, cat.map(|x| x.lon), 180.0);
        let mut p = cat.map_or(RegionPrices::default(), |x| RegionPrices {
            inter_region_usd_per_gb: x.inter_region_usd_per_gb,
            internet_usd_per_gb: x.internet_usd_per_gb,
            price_multiplier: x.price_multiplier,
        });
        if let Some(v) = r.inter_region_usd_per_gb {
            c.non_negative(&f("inter_region_usd_per_gb"), v);
            p.inter_region_usd_per_gb = v;
        }
        if let Some(v) = r.internet_usd_per_gb {
            c.non_negative(&f("internet_usd_per_gb"), v);
            p.internet_usd_per_gb = v;
        }
        if let Some(v) = r.price_multiplier {
            c.non_negative(&f("price_multiplier"), v);
            p.price_multiplier = v;
        }
        prices.push(p);
        let intra = c.latency(&f("intra_ms"), &r.intra_ms);
        regions.push(Region {
            name: r.name.clone(),
            lat,
            lon,
            jurisdiction: r
                .jurisdiction
                .clone()
                .or(cat.map(|x| x.jurisdiction.to_string()))
                .unwrap_or_else(|| "unspecified".to_string()),
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
        let (ra, rb) = (&regions[a as usize], &regions[b as usize]);
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
        let diurnal = g.diurnal.as_ref().and_then(|d| {
            let ok = c.range(&f("diurnal.utc_offset_h"), d.utc_offset_h, -12.0, 14.0);
            if d.profile.len() != 24 {
                c.bad(
                    f("diurnal.profile"),
                    format!("needs 24 hourly multipliers, got {}", d.profile.len()),
                );
                return None;
            }
            let mut all = ok;
            for (h, v) in d.profile.iter().enumerate() {
                all &= c.non_negative(&f(&format!("diurnal.profile[{h}]")), *v);
            }
            if all && d.profile.iter().all(|v| *v == 0.0) {
                c.bad(f("diurnal.profile"), "at least one hour must have load");
                return None;
            }
            let mut profile = [0.0; 24];
            profile.copy_from_slice(&d.profile);
            all.then(|| Diurnal {
                utc_offset_ns: (d.utc_offset_h * 3.6e12).round() as i64,
                profile,
            })
        });
        if let Some(region) = region {
            groups.push(ClientGroup {
                diurnal,
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

    // Capacity.
    let mut capacity = Vec::new();
    for (i, r) in spec.regions.iter().enumerate() {
        let f = |n: &str| format!("regions[{i}].capacity.{n}");
        capacity.push(r.capacity.as_ref().and_then(|cap| {
            if cap.servers == 0 {
                c.bad(f("servers"), "must be at least 1");
            }
            let service = c.latency(&f("service_ms"), &cap.service_ms);
            if let Some(s) = cap.failover_share {
                if c.range(&f("failover_share"), s, 0.0, 1.0) && s == 0.0 {
                    c.bad(f("failover_share"), "must be greater than 0");
                }
            }
            match service {
                Some(service) if cap.servers > 0 => Some(Capacity {
                    servers: cap.servers,
                    service,
                    queue_limit: cap.queue_limit,
                    failover_share: cap.failover_share,
                }),
                _ => None,
            }
        }));
    }

    // Clients and detection.
    let cl = &spec.clients;
    c.positive("clients.timeout_ms", cl.timeout_ms);
    c.non_negative("clients.backoff_ms", cl.backoff_ms);
    c.non_negative("clients.backoff_cap_ms", cl.backoff_cap_ms);
    c.non_negative("clients.reroute_after_s", cl.reroute_after_s);
    let clients = ClientPolicy {
        timeout_ns: secs_to_nanos(cl.timeout_ms / 1e3),
        retries: cl.retries,
        backoff_ns: secs_to_nanos(cl.backoff_ms / 1e3),
        backoff_cap_ns: secs_to_nanos(cl.backoff_cap_ms / 1e3),
        reroute_after_ns: secs_to_nanos(cl.reroute_after_s),
    };
    let d = &spec.detection;
    if c.positive("detection.heartbeat_ms", d.heartbeat_ms)
        & c.positive("detection.timeout_ms", d.timeout_ms)
        && d.timeout_ms <= d.heartbeat_ms
    {
        c.bad(
            "detection.timeout_ms",
            format!(
                "must exceed heartbeat_ms ({}), got {}",
                d.heartbeat_ms, d.timeout_ms
            ),
        );
    }
    let detection = Detection {
        heartbeat_ns: secs_to_nanos(d.heartbeat_ms / 1e3),
        timeout_ns: secs_to_nanos(d.timeout_ms / 1e3),
    };

    // Faults.
    let mut faults = Vec::new();
    for (i, fs) in spec.faults.iter().enumerate() {
        let f = |n: &str| format!("faults[{i}].{n}");
        let window =
            |c: &mut Checker, start: f64, dur: Option<f64>| -> Option<(SimTime, SimTime)> {
                let ok = c.non_negative(&f("start_s"), start);
                let dok = dur.is_none_or(|d| c.positive(&f("duration_s"), d));
                (ok && dok).then(|| {
                    let s = SimTime::from_secs_f64(start);
                    (s, dur.map_or(SimTime::MAX, |d| s + secs_to_nanos(d)))
                })
            };
        let fault = match fs {
            FaultSpec::Partition {
                a,
                b,
                one_way,
                start_s,
                duration_s,
            } => {
                let side = |c: &mut Checker, name: &str, list: &[String]| -> Vec<RegionId> {
                    if list.is_empty() {
                        c.bad(f(name), "must list at least one region");
                    }
                    list.iter()
                        .enumerate()
                        .filter_map(|(j, r)| region_ref(c, f(&format!("{name}[{j}]")), r))
                        .collect()
                };
                let (ra, rb) = (side(&mut c, "a", a), side(&mut c, "b", b));
                if ra.iter().any(|r| rb.contains(r)) {
                    c.bad(f("b"), "a region cannot be on both sides of a partition");
                }
                window(&mut c, *start_s, *duration_s).map(|(start, end)| Fault {
                    kind: FaultKind::Partition {
                        a: ra,
                        b: rb,
                        one_way: *one_way,
                    },
                    start,
                    end,
                    random: false,
                })
            }
            FaultSpec::RegionOutage {
                region,
                recover,
                start_s,
                duration_s,
            } => {
                let r = region_ref(&mut c, f("region"), region);
                let w = window(&mut c, *start_s, *duration_s);
                r.zip(w).map(|(region, (start, end))| Fault {
                    kind: FaultKind::Outage {
                        region,
                        recover: match recover {
                            RecoverySpec::Durable => Recovery::Durable,
                            RecoverySpec::Empty => Recovery::Empty,
                        },
                    },
                    start,
                    end,
                    random: false,
                })
            }
            FaultSpec::LinkDegradation {
                from,
                to,
                both_ways,
                extra_latency,
                loss,
                bandwidth_mbps,
                retransmit_ms,
                start_s,
                duration_s,
            } => {
                let a = region_ref(&mut c, f("from"), from);
                let b = region_ref(&mut c, f("to"), to);
                let extra = extra_latency
                    .as_ref()
                    .map(|l| c.latency(&f("extra_latency"), l));
                let mut ok = extra.as_ref().is_none_or(|e| e.is_some());
                if c.range(&f("loss"), *loss, 0.0, 1.0) && *loss >= 1.0 {
                    c.bad(f("loss"), "must be below 1 (every message would be lost)");
                    ok = false;
                }
                if let Some(bw) = bandwidth_mbps {
                    ok &= c.positive(&f("bandwidth_mbps"), *bw);
                }
                ok &= c.positive(&f("retransmit_ms"), *retransmit_ms);
                if a.is_some() && a == b {
                    c.bad(f("to"), "must differ from `from`");
                }
                let w = window(&mut c, *start_s, *duration_s);
                match (a, b, w, ok) {
                    (Some(from), Some(to), Some((start, end)), true) => Some(Fault {
                        kind: FaultKind::LinkDegradation {
                            from,
                            to,
                            both_ways: *both_ways,
                            extra: extra.flatten(),
                            loss: *loss,
                            bandwidth_bps: bandwidth_mbps.map(|m| m * 1e6),
                            retransmit_ns: secs_to_nanos(retransmit_ms / 1e3),
                        },
                        start,
                        end,
                        random: false,
                    }),
                    _ => None,
                }
            }
            FaultSpec::ClockSkew {
                region,
                offset_ms,
                drift_ppm,
                start_s,
                duration_s,
            } => {
                let r = region_ref(&mut c, f("region"), region);
                let ok = c.range(&f("offset_ms"), *offset_ms, -8.64e7, 8.64e7)
                    & c.range(&f("drift_ppm"), *drift_ppm, -1e5, 1e5);
                let w = window(&mut c, *start_s, *duration_s);
                match (r, w, ok) {
                    (Some(region), Some((start, end)), true) => Some(Fault {
                        kind: FaultKind::ClockSkew {
                            region,
                            offset_ns: (offset_ms * 1e6).round() as i64,
                            drift_ppm: *drift_ppm,
                        },
                        start,
                        end,
                        random: false,
                    }),
                    _ => None,
                }
            }
        };
        faults.extend(fault);
    }
    let random_faults = spec.random_faults.as_ref().map(|rf| {
        let pos = |c: &mut Checker, n: &str, v: Option<f64>| -> Option<u64> {
            v.filter(|x| c.positive(&format!("random_faults.{n}"), *x))
                .map(secs_to_nanos)
        };
        RandomFaults {
            region_mtbf_ns: pos(&mut c, "region_mtbf_s", rf.region_mtbf_s),
            region_mttr_ns: pos(&mut c, "region_mttr_s", Some(rf.region_mttr_s)).unwrap_or(1),
            link_mtbf_ns: pos(&mut c, "link_mtbf_s", rf.link_mtbf_s),
            link_mttr_ns: pos(&mut c, "link_mttr_s", Some(rf.link_mttr_s)).unwrap_or(1),
            recover: match rf.recover {
                RecoverySpec::Durable => Recovery::Durable,
                RecoverySpec::Empty => Recovery::Empty,
            },
        }
    });

    let key_space = Workload {
        groups: groups.clone(),
        start_utc_ns: 0,
    }
    .key_space();
    let start_utc_ns = secs_to_nanos(spec.start_utc_h * 3600.0);

    // Data residency.
    let mut residency = Residency {
        classes: Vec::new(),
        class_of_key: Vec::new(),
    };
    let mut class_ids: BTreeMap<&str, u8> = BTreeMap::new();
    for (i, dc) in spec.data_classes.iter().enumerate() {
        let f = |n: &str| format!("data_classes[{i}].{n}");
        if class_ids.insert(&dc.name, i as u8).is_some() {
            c.bad(f("name"), format!("duplicate data class `{}`", dc.name));
        }
        let mut allowed = 0u64;
        for (j, name) in dc.allowed_regions.iter().enumerate() {
            if let Some(r) = region_ref(&mut c, f(&format!("allowed_regions[{j}]")), name) {
                allowed |= 1u64 << r;
            }
        }
        for (j, jur) in dc.allowed_jurisdictions.iter().enumerate() {
            let mut any = false;
            for (r, reg) in regions.iter().enumerate() {
                if &reg.jurisdiction == jur {
                    allowed |= 1u64 << r;
                    any = true;
                }
            }
            if !any {
                c.bad(
                    f(&format!("allowed_jurisdictions[{j}]")),
                    format!("no region has jurisdiction `{jur}`"),
                );
            }
        }
        if allowed == 0 && dc.allowed_regions.is_empty() && dc.allowed_jurisdictions.is_empty() {
            c.bad(
                f("allowed_regions"),
                "a class needs allowed_regions or allowed_jurisdictions",
            );
        }
        residency.classes.push(DataClass {
            name: dc.name.clone(),
            allowed,
        });
    }
    if spec.data_classes.len() >= NO_CLASS as usize {
        c.bad("data_classes", "at most 254 data classes are supported");
    }
    if !residency.classes.is_empty() {
        residency.class_of_key = vec![NO_CLASS; key_space as usize];
        let mut assign = |c: &mut Checker, field: String, class: u8, start: u64, end: u64| {
            for k in start..end.min(key_space) {
                let slot = &mut residency.class_of_key[k as usize];
                if *slot != NO_CLASS && *slot != class {
                    c.bad(field, format!("key {k} is already in another data class"));
                    return;
                }
                *slot = class;
            }
        };
        for (i, dc) in spec.data_classes.iter().enumerate() {
            for (j, [s, e]) in dc.keys.iter().enumerate() {
                if s >= e {
                    c.bad(
                        format!("data_classes[{i}].keys[{j}]"),
                        "start must be below end",
                    );
                }
                assign(
                    &mut c,
                    format!("data_classes[{i}].keys[{j}]"),
                    i as u8,
                    *s,
                    *e,
                );
            }
        }
        for (i, g) in spec.workload.clients.iter().enumerate() {
            if let Some(name) = &g.data_class {
                let field = format!("workload.clients[{i}].data_class");
                match class_ids.get(name.as_str()) {
                    Some(&id) => {
                        let end = g.key_offset.saturating_add(g.keys);
                        assign(&mut c, field, id, g.key_offset, end);
                    }
                    None => c.bad(field, format!("unknown data class `{name}`")),
                }
            }
        }
    } else {
        for (i, g) in spec.workload.clients.iter().enumerate() {
            if let Some(name) = &g.data_class {
                c.bad(
                    format!("workload.clients[{i}].data_class"),
                    format!("unknown data class `{name}` (no data_classes defined)"),
                );
            }
        }
    }

    // Cost model.
    let cs = &spec.cost;
    c.non_negative("cost.instance_usd_per_hour", cs.instance_usd_per_hour);
    c.non_negative("cost.storage_usd_per_gb_month", cs.storage_usd_per_gb_month);
    let inst = &cs.instances;
    for (name, v) in [
        ("primary", inst.primary),
        ("replica", inst.replica),
        ("standby", inst.standby),
        ("witness", inst.witness),
        ("cache", inst.cache),
    ] {
        c.non_negative(&format!("cost.instances.{name}"), v);
    }
    let data_gb = match cs.data_gb {
        Some(v) => {
            c.non_negative("cost.data_gb", v);
            v
        }
        None => {
            // One copy: every key at the value size of the group that writes it (the
            // largest when groups share keys).
            let mut size = vec![0u32; key_space as usize];
            for g in &groups {
                let end = (g.key_offset.saturating_add(g.keys)).min(key_space);
                for s in &mut size[g.key_offset as usize..end as usize] {
                    *s = (*s).max(g.value_bytes);
                }
            }
            size.iter().map(|&b| b as f64).sum::<f64>() / 1e9
        }
    };
    let n_regions = regions.len();
    let mut pair_price = vec![None; n_regions * n_regions];
    for (i, pp) in cs.transfer.iter().enumerate() {
        let a = region_ref(&mut c, format!("cost.transfer[{i}].from"), &pp.from);
        let b = region_ref(&mut c, format!("cost.transfer[{i}].to"), &pp.to);
        c.non_negative(&format!("cost.transfer[{i}].usd_per_gb"), pp.usd_per_gb);
        if let (Some(a), Some(b)) = (a, b) {
            pair_price[a as usize * n_regions + b as usize] = Some(pp.usd_per_gb);
        }
    }
    let cost = CostModel {
        instance_usd_per_hour: cs.instance_usd_per_hour,
        instances: [
            inst.primary,
            inst.replica,
            inst.standby,
            inst.witness,
            inst.cache,
        ],
        storage_usd_per_gb_month: cs.storage_usd_per_gb_month,
        data_gb,
        regions: prices.clone(),
        pair_price,
    };

    // Service-level objectives.
    let mut slos = Vec::new();
    for (i, o) in spec.slo.iter().enumerate() {
        let f = |n: &str| format!("slo[{i}].{n}");
        let op = |o: Option<SloOp>| match o {
            Some(SloOp::Read) => Ops::Read,
            Some(SloOp::Write) => Ops::Write,
            None => Ops::All,
        };
        match o {
            SloSpec::Latency {
                op: o_op,
                percentile,
                max_ms,
                region,
            } => {
                if !crate::slo::PERCENTILES.contains(&percentile.as_str()) {
                    c.bad(
                        f("percentile"),
                        format!(
                            "must be one of {:?}, got `{percentile}`",
                            crate::slo::PERCENTILES
                        ),
                    );
                }
                c.non_negative(&f("max_ms"), *max_ms);
                if let Some(r) = region {
                    if let Some(id) = region_ref(&mut c, f("region"), r) {
                        if !groups.iter().any(|g| g.region == id) {
                            c.bad(
                                f("region"),
                                format!("region `{r}` has no clients to measure"),
                            );
                        }
                    }
                }
                slos.push(Objective::Latency {
                    op: op(Some(*o_op)),
                    percentile: percentile.clone(),
                    max_ms: *max_ms,
                    region: region.clone(),
                });
            }
            SloSpec::Availability { min, op: o_op } => {
                c.range(&f("min"), *min, 0.0, 1.0);
                slos.push(Objective::Availability {
                    op: op(*o_op),
                    min: *min,
                });
            }
            SloSpec::Rpo {
                max_lost_writes,
                max_span_s,
            } => {
                if max_lost_writes.is_none() && max_span_s.is_none() {
                    c.bad(
                        f("max_lost_writes"),
                        "give max_lost_writes and/or max_span_s",
                    );
                }
                if let Some(w) = max_lost_writes {
                    slos.push(Objective::RpoWrites(*w));
                }
                if let Some(s) = max_span_s {
                    c.non_negative(&f("max_span_s"), *s);
                    slos.push(Objective::RpoSpan(*s));
                }
            }
            SloSpec::Rto { max_s } => {
                c.non_negative(&f("max_s"), *max_s);
                slos.push(Objective::Rto(*max_s));
            }
            SloSpec::Budget { monthly_usd } => {
                c.non_negative(&f("monthly_usd"), *monthly_usd);
                slos.push(Objective::Budget(*monthly_usd));
            }
            SloSpec::StaleReads { max_rate } => {
                c.range(&f("max_rate"), *max_rate, 0.0, 1.0);
                slos.push(Objective::StaleReads(*max_rate));
            }
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
                let witness = ap
                    .witness
                    .as_ref()
                    .and_then(|w| region_ref(&mut c, f("witness"), w));
                c.non_negative(&f("promotion_delay_s"), ap.promotion_delay_s);
                if witness.is_some() && ap.witness.as_deref() == Some(ap.primary.as_str()) {
                    c.bad(f("witness"), "the witness cannot be the primary");
                }
                region_ref(&mut c, f("primary"), &ap.primary).map(|primary| {
                    StrategyConfig::ActivePassive(ActivePassiveConfig {
                        primary,
                        promotion_delay_ns: secs_to_nanos(ap.promotion_delay_s),
                        split_brain: match ap.split_brain {
                            SplitBrainSpec::None => SplitBrain::None,
                            SplitBrainSpec::Fencing => SplitBrain::Fencing,
                        },
                        witness,
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
                    ResolutionSpec::VersionVector => Resolution::VersionVector,
                    ResolutionSpec::Crdt => Resolution::Crdt,
                },
            })),
            StrategySpec::ActiveActive(aa) => homes(
                &mut c,
                &f("homes"),
                aa.homes.as_deref(),
                &ids,
                &groups,
                key_space,
            )
            .map(|homes| StrategyConfig::ActiveActive(ActiveActiveConfig { homes })),
            StrategySpec::FollowTheSun(fts) => {
                let mut shifts = Vec::new();
                if fts.shifts.is_empty() {
                    c.bad(f("shifts"), "must list at least one shift");
                }
                for (j, sh) in fts.shifts.iter().enumerate() {
                    let sf = f(&format!("shifts[{j}]"));
                    let r = region_ref(&mut c, format!("{sf}.region"), &sh.region);
                    let ok = c.range(&format!("{sf}.start_utc_h"), sh.start_utc_h, 0.0, 24.0);
                    if ok && sh.start_utc_h >= 24.0 {
                        c.bad(format!("{sf}.start_utc_h"), "must be below 24");
                    }
                    if let Some(region) = r {
                        shifts.push(Shift {
                            region,
                            start_utc_ns: secs_to_nanos(sh.start_utc_h * 3600.0),
                        });
                    }
                }
                shifts.sort_by_key(|s| s.start_utc_ns);
                if shifts
                    .windows(2)
                    .any(|w| w[0].start_utc_ns == w[1].start_utc_ns)
                {
                    c.bad(f("shifts"), "two shifts start at the same hour");
                }
                (shifts.len() == fts.shifts.len()).then_some(StrategyConfig::FollowTheSun(
                    FollowTheSunConfig {
                        shifts,
                        during_handoff: match fts.during_handoff {
                            HandoffSpec::Wait => HandoffPolicy::Wait,
                            HandoffSpec::Fail => HandoffPolicy::Fail,
                        },
                        read_from: match fts.read_from {
                            ReadFromSpec::Local => ReadFrom::Local,
                            ReadFromSpec::Primary => ReadFrom::Primary,
                        },
                        start_utc_ns,
                    },
                ))
            }
            StrategySpec::Quorum(q) => {
                let n_regions = spec.regions.len();
                let mut ok = true;
                if q.n == 0 || q.n > n_regions {
                    c.bad(
                        f("n"),
                        format!(
                            "must be in [1, {n_regions}] (the number of regions), got {}",
                            q.n
                        ),
                    );
                    ok = false;
                }
                if q.r == 0 || q.r > q.n {
                    c.bad(f("r"), format!("must be in [1, n = {}], got {}", q.n, q.r));
                    ok = false;
                }
                if q.w == 0 || q.w > q.n {
                    c.bad(f("w"), format!("must be in [1, n = {}], got {}", q.n, q.w));
                    ok = false;
                }
                let fixed = q.replicas.as_ref().map(|list| {
                    if list.len() != q.n {
                        c.bad(
                            f("replicas"),
                            format!("must list exactly n = {} regions, got {}", q.n, list.len()),
                        );
                    }
                    let mut out: Vec<RegionId> = Vec::new();
                    for (j, name) in list.iter().enumerate() {
                        if let Some(r) = region_ref(&mut c, f(&format!("replicas[{j}]")), name) {
                            if out.contains(&r) {
                                c.bad(
                                    f(&format!("replicas[{j}]")),
                                    format!("region `{name}` listed twice"),
                                );
                            }
                            out.push(r);
                        }
                    }
                    out
                });
                let homes = homes(&mut c, &f("homes"), None, &ids, &groups, key_space);
                match (ok, homes) {
                    (true, Some(homes)) => {
                        let replicas = (0..n_regions as RegionId)
                            .map(|h| match &fixed {
                                Some(list) => list.clone(),
                                None => nearest(&regions, h, q.n),
                            })
                            .collect();
                        Some(StrategyConfig::Quorum(QuorumConfig {
                            n: q.n,
                            r: q.r,
                            w: q.w,
                            homes,
                            replicas,
                            read_repair: q.read_repair,
                            sloppy: q.sloppy,
                        }))
                    }
                    _ => None,
                }
            }
            StrategySpec::Consensus(cs) => {
                let leader = region_ref(&mut c, f("leader"), &cs.leader);
                let mut members: Vec<RegionId> = match &cs.members {
                    None => (0..spec.regions.len() as RegionId).collect(),
                    Some(list) => list
                        .iter()
                        .enumerate()
                        .filter_map(|(j, name)| {
                            region_ref(&mut c, f(&format!("members[{j}]")), name)
                        })
                        .collect(),
                };
                members.sort_unstable();
                let before = members.len();
                members.dedup();
                if members.len() != before {
                    c.bad(f("members"), "a region is listed twice");
                }
                if let Some(l) = leader {
                    if !members.contains(&l) {
                        c.bad(
                            f("leader"),
                            format!("leader `{}` is not a member", cs.leader),
                        );
                    }
                }
                let [lo, hi] = cs.election_timeout_ms;
                let field = f("election_timeout_ms");
                if c.positive(&format!("{field}[0]"), lo) & c.positive(&format!("{field}[1]"), hi)
                    && hi < lo
                {
                    c.bad(
                        format!("{field}[1]"),
                        format!("must be >= the minimum ({lo}), got {hi}"),
                    );
                }
                leader.map(|leader| {
                    StrategyConfig::Consensus(ConsensusConfig {
                        leader,
                        members,
                        election_timeout_ns: [secs_to_nanos(lo / 1e3), secs_to_nanos(hi / 1e3)],
                        reads: match cs.reads {
                            ConsensusReadsSpec::Lease => ConsensusReads::Lease,
                            ConsensusReadsSpec::ReadIndex => ConsensusReads::ReadIndex,
                        },
                    })
                })
            }
            StrategySpec::EdgeCache(ec) => {
                let origin = region_ref(&mut c, f("origin"), &ec.origin);
                let ok = c.positive(&f("ttl_s"), ec.ttl_s);
                if ec.capacity == 0 {
                    c.bad(f("capacity"), "must be at least 1");
                }
                match (origin, ok && ec.capacity > 0) {
                    (Some(origin), true) => Some(StrategyConfig::EdgeCache(EdgeCacheConfig {
                        origin,
                        ttl_ns: secs_to_nanos(ec.ttl_s),
                        capacity: ec.capacity,
                        invalidate: ec.invalidate,
                    })),
                    _ => None,
                }
            }
        };
        let circuit_breaker = s.circuit_breaker();
        if let Some(cb) = circuit_breaker {
            if c.range(&f("circuit_breaker"), cb, 0.0, 1.0) && cb == 0.0 {
                c.bad(f("circuit_breaker"), "must be greater than 0");
            }
        }
        let residency_mode = match s.residency() {
            ResidencySpec::Ignore => ResidencyMode::Ignore,
            ResidencySpec::Enforce => ResidencyMode::Enforce,
        };
        if residency_mode == ResidencyMode::Enforce {
            match &config {
                Some(StrategyConfig::MultiMaster(_)) => {}
                Some(StrategyConfig::EdgeCache(ec)) => {
                    for dc in &residency.classes {
                        if dc.allowed & (1u64 << ec.origin) == 0 {
                            c.bad(
                                f("origin"),
                                format!(
                                    "residency = \"enforce\" needs the origin inside every data class, but class `{}` may not live in `{}`",
                                    dc.name, regions[ec.origin as usize].name
                                ),
                            );
                        }
                    }
                }
                Some(StrategyConfig::ActivePassive(ap)) => {
                    need_inside(&mut c, &f("primary"), &residency, &regions, &[ap.primary]);
                }
                Some(StrategyConfig::Consensus(cs)) => {
                    need_inside(&mut c, &f("members"), &residency, &regions, &cs.members);
                }
                Some(StrategyConfig::Quorum(q)) => {
                    // Every replica set that holds restricted keys must lie inside their class.
                    for (k, &home) in q.homes.iter().enumerate() {
                        let Some(cl) = residency.class(k as u64) else { continue };
                        let set = &q.replicas[home as usize];
                        if let Some(&out) = set.iter().find(|&&r| residency.classes[cl].allowed & (1u64 << r) == 0) {
                            c.bad(
                                f("replicas"),
                                format!(
                                    "residency = \"enforce\": key {k} of class `{}` would have a replica in `{}`",
                                    residency.classes[cl].name, regions[out as usize].name
                                ),
                            );
                            break;
                        }
                    }
                }
                Some(StrategyConfig::ActiveActive(_)) => {}
                Some(other) => c.bad(
                    f("residency"),
                    format!(
                        "residency = \"enforce\" is not supported by `{}` (supported: multi-master, active-active, active-passive, quorum, consensus, edge-cache)",
                        other.kind()
                    ),
                ),
                None => {}
            }
        }
        // Under enforced residency an active-active key lives at home in an allowed region.
        let config = match (config, residency_mode) {
            (Some(StrategyConfig::ActiveActive(mut aa)), ResidencyMode::Enforce) => {
                for (k, home) in aa.homes.iter_mut().enumerate() {
                    if !residency.allowed(k as u64, *home) {
                        if let Some(r) = nearest(&regions, *home, regions.len())
                            .into_iter()
                            .find(|&r| residency.allowed(k as u64, r))
                        {
                            *home = r;
                        }
                    }
                }
                Some(StrategyConfig::ActiveActive(aa))
            }
            (other, _) => other,
        };
        if let Some(config) = config {
            strategies.push(NamedStrategy {
                name: name.to_string(),
                config,
                circuit_breaker,
                residency: residency_mode,
            });
        }
    }

    // Per-key state is dense: keys x regions^2 counters for multi-master.
    let keys = key_space;
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
        workload: Workload {
            groups,
            start_utc_ns,
        },
        strategies,
        faults,
        random_faults,
        clients,
        detection,
        capacity,
        cost,
        residency,
        slos,
    })
}

/// The home region of every key: by shares (contiguous ranges in list order), or by the
/// client groups whose ranges hold the key (shared keys dealt out among them in turn).
fn homes(
    c: &mut Checker,
    field: &str,
    shares: Option<&[HomeShareSpec]>,
    ids: &BTreeMap<&str, RegionId>,
    groups: &[ClientGroup],
    key_space: u64,
) -> Option<Vec<RegionId>> {
    let mut homes = vec![0 as RegionId; key_space as usize];
    match shares {
        Some(list) => {
            if list.is_empty() {
                c.bad(field, "must list at least one region");
                return None;
            }
            let mut regions = Vec::new();
            for (j, s) in list.iter().enumerate() {
                let ok = c.positive(&format!("{field}[{j}].share"), s.share);
                match ids.get(s.region.as_str()) {
                    Some(&r) if ok => regions.push((r, s.share)),
                    Some(_) => {}
                    None => c.bad(
                        format!("{field}[{j}].region"),
                        format!("unknown region `{}`", s.region),
                    ),
                }
            }
            if regions.len() != list.len() {
                return None;
            }
            let total: f64 = regions.iter().map(|r| r.1).sum();
            let mut start = 0u64;
            let mut acc = 0.0;
            for (i, (r, share)) in regions.iter().enumerate() {
                acc += share;
                let end = if i + 1 == regions.len() {
                    key_space
                } else {
                    ((acc / total) * key_space as f64).round() as u64
                };
                for h in homes.iter_mut().take(end as usize).skip(start as usize) {
                    *h = *r;
                }
                start = end.max(start);
            }
        }
        None => {
            for (k, h) in homes.iter_mut().enumerate() {
                let k = k as u64;
                let owners: Vec<RegionId> = groups
                    .iter()
                    .filter(|g| (g.key_offset..g.key_offset + g.keys).contains(&k))
                    .map(|g| g.region)
                    .collect();
                if !owners.is_empty() {
                    *h = owners[k as usize % owners.len()];
                }
            }
        }
    }
    Some(homes)
}

/// The `n` regions nearest `home` by great-circle distance (ties by region order), `home`
/// first.
fn nearest(regions: &[Region], home: RegionId, n: usize) -> Vec<RegionId> {
    let h = &regions[home as usize];
    let mut order: Vec<(f64, RegionId)> = regions
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != home as usize)
        .map(|(i, r)| (great_circle_km(h.lat, h.lon, r.lat, r.lon), i as RegionId))
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    std::iter::once(home)
        .chain(order.into_iter().map(|x| x.1))
        .take(n)
        .collect()
}

/// Under enforced residency, `who` (primary, members) must be allowed for every data class.
fn need_inside(
    c: &mut Checker,
    field: &str,
    residency: &Residency,
    regions: &[Region],
    who: &[RegionId],
) {
    for dc in &residency.classes {
        if let Some(&r) = who.iter().find(|&&r| dc.allowed & (1u64 << r) == 0) {
            c.bad(
                field,
                format!(
                    "residency = \"enforce\" needs `{}` inside every data class, but class `{}` may not live there",
                    regions[r as usize].name, dc.name
                ),
            );
        }
    }
}
