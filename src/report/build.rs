//! Assembly of a report from a run's metrics: availability, per-fault RPO and RTO and the
//! timeline (values rounded by `round`; the topology as drawn on the map is `topology`'s).
//!
//! Owns `build` and the figures derived on the way. Must not import the engine, the world, the
//! scenario spec or `slo`; does no I/O.

use super::{
    AvailabilityReport, Consistency, CostReport, ExactVisibility, FailedBy, FaultReport, Lag,
    Latency, LatencyCurves, LeadershipChange, Ops, PhaseLatency, ReadWrite, RegionAvailability,
    RegionLatency, RegionRto, Report, ResidencyReport, Rpo, Rto, ScenarioInfo, ServingRegion,
    SplitBrain, Staleness, StrategyReport, Timeline, Visibility, Warning,
};
use crate::faults::{Fault, FaultKind};
use crate::metrics::{CoarseHist, Failure, LatencyStat, RunMetrics, VISIBILITY_AGES_MS};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::strategy::Reports;
use crate::time::SimTime;

use super::round::{ms, rate, six};
use super::topology::topology_info;

fn latency(s: &LatencyStat) -> Latency {
    let q = |p: f64| super::of_samples(s.count(), || ms(s.quantile_ms(p)));
    Latency {
        count: s.count(),
        mean: super::of_samples(s.count(), || ms(s.mean_ms())),
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        p999: q(0.999),
        max: super::of_samples(s.count(), || ms(s.max_ms())),
    }
}

/// Read and write latency, and both together (merged histograms, for `op = "all"`).
fn read_write(read: &LatencyStat, write: &LatencyStat) -> ReadWrite {
    let mut all = read.clone();
    all.merge(write);
    ReadWrite {
        read: latency(read),
        write: latency(write),
        all: Some(latency(&all)),
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
    if let Some(u) = &sc.workload.users {
        client_regions.extend(u.regions());
    }
    client_regions.sort_unstable();
    client_regions.dedup();
    let strategies = indices
        .iter()
        .zip(results)
        .map(|(&i, res)| {
            let m = &res.metrics;
            let s = &sc.strategies[i];
            let ap = super::applies(&s.config, m.reports);
            let (faults, rpo, rto) = fault_reports(sc, &res.faults, m, ap);
            let roles = crate::cost::footprint(&s.config, sc.topology.len());
            let copies = crate::cost::stored_copies(&s.config, &roles, sc.workload.key_space());
            let c = sc.cost.cost(
                &roles,
                sc.duration_ns as f64 / 1e9,
                &m.bytes_matrix,
                &m.egress_bytes,
                m.reads + m.writes,
                copies,
            );
            let usd = six;
            StrategyReport {
                name: s.name.clone(),
                kind: s.config.kind().to_string(),
                events: m.events,
                ops: ops(m, s.circuit_breaker.is_some()),
                latency_ms: read_write(&m.read, &m.write),
                latency_cdf: LatencyCurves {
                    read: m.read.cdf_ms(),
                    write: m.write.cdf_ms(),
                },
                per_region: client_regions
                    .iter()
                    .map(|&r| RegionLatency {
                        region: sc.topology.region(r).name.clone(),
                        latency_ms: read_write(
                            &m.per_region[r as usize][0],
                            &m.per_region[r as usize][1],
                        ),
                        lost_updates: ap.lost_updates.then(|| m.lost_by_region[r as usize]),
                    })
                    .collect(),
                consistency: Consistency {
                    stale_reads: m.stale_reads,
                    stale_read_rate: super::of_samples(m.read.count(), || {
                        rate(m.stale_read_rate())
                    }),
                    conflicts: ap.conflicts.then_some(m.conflicts),
                    conflict_rate: ap
                        .conflicts
                        .then(|| super::of_samples(m.writes, || rate(m.conflict_rate())))
                        .flatten(),
                    lost_updates: ap.lost_updates.then_some(m.lost_updates),
                    t_visibility: VISIBILITY_AGES_MS
                        .iter()
                        .zip(&m.visibility)
                        .map(|(&t_ms, &[reads, ok])| Visibility {
                            t_ms,
                            p_consistent: super::of_samples(reads, || {
                                rate(ok as f64 / reads as f64)
                            }),
                            reads,
                        })
                        .collect(),
                    t_visibility_exact: m.probes.as_ref().map(|c| {
                        (0..c.delays_ms.len())
                            .map(|i| ExactVisibility {
                                t_ms: c.delays_ms[i],
                                p_consistent: c.p_consistent(i).map(rate),
                                probes: c.counts[i][0],
                                failed: c.counts[i][2],
                            })
                            .collect()
                    }),
                    staleness_ms: (m.staleness.count() > 0).then(|| Staleness {
                        p50: ms(m.staleness.quantile_ms(0.5)),
                        p99: ms(m.staleness.quantile_ms(0.99)),
                        max: ms(m.staleness.max_ms()),
                    }),
                    linearizability: m.histories.as_ref().map(|h| {
                        let v = h.verdict();
                        super::Linearizability {
                            keys_checked: v.keys_checked,
                            ops_checked: v.ops_checked,
                            violations: v.violations,
                            truncated_keys: v.truncated_keys,
                            first_violation: v.first,
                        }
                    }),
                    sessions: m.sessions.as_ref().map(|s| {
                        let c = s.counts;
                        let of = |n: u64, d: u64| (d > 0).then(|| rate(n as f64 / d as f64));
                        super::SessionGuarantees {
                            reads: c.reads,
                            writes: c.writes,
                            read_your_writes: c.read_your_writes,
                            monotonic_reads: c.monotonic_reads,
                            monotonic_writes: c.monotonic_writes,
                            writes_follow_reads: c.writes_follow_reads,
                            read_your_writes_rate: of(c.read_your_writes, c.reads),
                            monotonic_reads_rate: of(c.monotonic_reads, c.reads),
                            monotonic_writes_rate: of(c.monotonic_writes, c.writes),
                            writes_follow_reads_rate: of(c.writes_follow_reads, c.writes),
                            untracked: c.untracked,
                        }
                    }),
                },
                replication_lag_ms: (m.lag.count() > 0).then(|| Lag {
                    p50: ms(m.lag.quantile_ms(0.5)),
                    p99: ms(m.lag.quantile_ms(0.99)),
                }),
                wan_bytes: m.wan_bytes,
                extra: m
                    .extra
                    .iter()
                    .map(|(k, v)| (k.to_string(), rate(*v)))
                    .collect(),
                availability: availability(sc, &client_regions, m),
                rpo,
                rto,
                split_brain: ap.split_brain.then(|| SplitBrain {
                    seconds: secs(m.split_brain_ns),
                    writes: ap.split_brain_writes.then_some(m.split_brain_writes),
                    lost_writes: ap.split_brain_writes.then_some(m.split_brain_lost),
                }),
                leadership: m.leadership.as_ref().map(|v| {
                    v.iter()
                        .map(|&(t, r, reason)| LeadershipChange {
                            t_s: secs(t.as_nanos()),
                            region: sc.topology.region(r).name.clone(),
                            reason: reason.to_string(),
                        })
                        .collect()
                }),
                final_leader: m
                    .leadership
                    .as_ref()
                    .and_then(|v| v.last())
                    .map(|&(_, r, _)| sc.topology.region(r).name.clone()),
                faults,
                timeline: timeline(m),
                cost: Some(CostReport {
                    compute_usd: usd(c.compute_usd),
                    storage_usd: usd(c.storage_usd),
                    transfer_usd: usd(c.transfer_usd),
                    egress_usd: usd(c.egress_usd),
                    total_usd: usd(c.total_usd),
                    per_million_ops_usd: c.per_million_ops_usd.map(usd),
                    monthly_usd: usd(c.monthly_usd),
                }),
                // Without data classes nothing is restricted: residency does not apply.
                residency: sc.residency.is_active().then(|| ResidencyReport {
                    enforced: s.residency == crate::residency::ResidencyMode::Enforce,
                    violations: m.residency_violations,
                    bytes_outside: m.bytes_outside,
                    keys_outside: m.keys_outside(),
                }),
                serving: serving(sc, s, m),
                latency_breakdown: super::breakdown(&m.breakdown, &sc.topology, &client_regions),
                migration: sc.workload.users.is_some().then(|| migration(sc, ap, m)),
                slo: None,
            }
        })
        .collect::<Vec<StrategyReport>>();
    Report {
        geosim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: info,
        seed,
        duration_s: sc.duration_ns as f64 / 1e9,
        warnings: warnings(sc, indices, results),
        strategies,
        topology: Some(topology_info(&sc.topology)),
    }
}

/// Every region as a server (capacity station and breaker figures), `null` where they do not
/// apply.
fn serving(
    sc: &Scenario,
    s: &crate::strategy::NamedStrategy,
    m: &RunMetrics,
) -> Vec<ServingRegion> {
    (0..sc.topology.len())
        .map(|r| {
            let cap = sc.capacity.get(r).and_then(|c| c.as_ref());
            let st = m.stations.regions.get(r);
            ServingRegion {
                region: sc.topology.region(r as u16).name.clone(),
                utilisation: cap.and(st.and_then(|st| st.utilisation())).map(rate),
                queue_wait_p99_ms: cap
                    .and(st.and_then(|st| st.queue_wait.as_ref()))
                    .filter(|w| w.count() > 0)
                    .map(|w| ms(w.quantile_ms(0.99))),
                shed: cap
                    .filter(|c| c.can_shed(s.bulkhead))
                    .map(|_| st.map_or(0, |st| st.shed)),
                breaker_rejected: s
                    .circuit_breaker
                    .as_ref()
                    .map(|_| st.map_or(0, |st| st.breaker_rejected)),
            }
        })
        .collect()
}

/// The operation and attempt counts of a run (`breakers`: the strategy has circuit
/// breakers).
fn ops(m: &RunMetrics, breakers: bool) -> Ops {
    let a = &m.attempts;
    Ops {
        reads: m.reads,
        writes: m.writes,
        failed: m.failed,
        attempts: Some(a.sent),
        timed_out: Some(a.timed_out),
        failure_answers: Some(a.failure_answers),
        failed_by: Some(FailedBy {
            timeout: a.failed_of(Failure::Timeout),
            failure_answer: a.failed_of(Failure::FailureAnswer),
            breaker: breakers.then(|| a.failed_of(Failure::Breaker)),
            unfinished: a.failed_of(Failure::Unfinished),
            overload: a.failed_of(Failure::Overload),
        }),
    }
}

/// The scenario's warnings about the strategies run (or the whole run), in scenario order, then
/// what only the run shows: random faults whose seeded draw gave no fault at all, retry
/// settings changed from their defaults in a run where no attempt was given up, and per
/// strategy (in the order run), probes configured but none sent (fewer writes than
/// `probe_every`), and client timeouts that gave up attempts in a run without faults.
pub fn warnings(sc: &Scenario, indices: &[usize], results: &[RunResult]) -> Vec<Warning> {
    let mut out: Vec<Warning> = sc
        .warnings
        .iter()
        .filter(|w| w.strategy.is_none_or(|j| indices.contains(&j)))
        .map(|w| Warning {
            field: w.field.clone(),
            strategy: w.strategy.map(|j| sc.strategies[j].name.clone()),
            message: w.message.clone(),
        })
        .collect();
    if let (Some(rf), Some(res)) = (&sc.random_faults, results.first()) {
        let drawn = res.faults.iter().filter(|f| f.random).count();
        if drawn == 0 && (rf.region_mtbf_ns.is_some() || rf.link_mtbf_ns.is_some()) {
            let mtbf = |v: Option<u64>| {
                v.map_or("not set".to_string(), |ns| format!("{} s", ns as f64 / 1e9))
            };
            out.push(Warning {
                field: "random_faults".into(),
                strategy: None,
                message: format!(
                    "the seeded draw gave no fault before duration_s = {} s (region_mtbf_s {}, link_mtbf_s {}): the run is fault-free",
                    sc.duration_ns as f64 / 1e9,
                    mtbf(rf.region_mtbf_ns),
                    mtbf(rf.link_mtbf_ns)
                ),
            });
        }
    }
    // Retry settings act only on an attempt given up (timed out, answered with a failure, or
    // rejected by a breaker): in a run where none was, in any strategy run, they did nothing.
    let default = crate::faults::ClientPolicy::default();
    let cl = &sc.clients;
    let changed: Vec<&str> = [
        ("retries", cl.retries != default.retries),
        ("backoff_ms", cl.backoff_ns != default.backoff_ns),
        (
            "backoff_cap_ms",
            cl.backoff_cap_ns != default.backoff_cap_ns,
        ),
    ]
    .iter()
    .filter(|(_, c)| *c)
    .map(|(f, _)| *f)
    .collect();
    let given_up = |r: &RunResult| {
        let a = &r.metrics.attempts;
        let rejected: u64 = r
            .metrics
            .stations
            .regions
            .iter()
            .map(|s| s.breaker_rejected)
            .sum();
        a.timed_out + a.failure_answers + rejected
    };
    if !results.is_empty() && results.iter().all(|r| given_up(r) == 0) {
        for field in changed {
            out.push(Warning {
                field: format!("clients.{field}"),
                strategy: None,
                message: "has no effect in this run: no attempt of any strategy run timed out, was answered with a failure or was rejected by a breaker, so no retry was ever sent".into(),
            });
        }
    }
    for (&i, r) in indices.iter().zip(results) {
        if let (Some(plan), Some(curve)) = (&sc.probes, &r.metrics.probes) {
            if curve.counts.iter().all(|c| c[0] == 0 && c[2] == 0) {
                out.push(Warning {
                    field: "consistency.probe_every".into(),
                    strategy: Some(sc.strategies[i].name.clone()),
                    message: format!(
                        "no write was probed: a probe follows every {}-th write, and this run issued {} write(s), so t_visibility_exact has no probe at any delay",
                        plan.every, r.metrics.writes
                    ),
                });
            }
        }
        let a = &r.metrics.attempts;
        if r.faults.is_empty() && a.timed_out > 0 {
            out.push(Warning {
                field: "clients.timeout_ms".into(),
                strategy: Some(sc.strategies[i].name.clone()),
                message: format!(
                    "{} of {} attempts ({}) got no answer within {} ms in a run without faults, and {} operation(s) failed for it: an answer slower than the timeout (a round trip longer than it, a queue, a slow tail) is given up even when nothing is broken",
                    a.timed_out,
                    a.sent,
                    super::table::percent(a.timed_out as f64 / a.sent.max(1) as f64, 1),
                    sc.clients.timeout_ns as f64 / 1e6,
                    a.failed_of(Failure::Timeout),
                ),
            });
        }
    }
    out
}

fn share(ok: u64, attempted: u64) -> Option<f64> {
    super::of_samples(attempted, || rate(ok as f64 / attempted as f64))
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

/// The faults of a run with their cost, and the RPO/RTO summaries (RPO figures `null` where
/// `ap` says they do not apply).
pub fn fault_reports(
    sc: &Scenario,
    faults: &[Fault],
    m: &RunMetrics,
    ap: Reports,
) -> (Vec<FaultReport>, Option<Rpo>, Rto) {
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
            lost_writes: ap.rpo.then_some(cost.lost_writes),
            lost_span_s: ap.rpo.then(|| secs(cost.span_ns())),
            unacknowledged_lost: ap.rpo.then_some(cost.unacked_lost),
            catch_up_s: cost.catch_up_ns.filter(|_| ap.catch_up).map(secs),
            rto_s: cost.rto_ns().map(secs),
            rto_by_region: cost
                .rto_by_region()
                .into_iter()
                .map(|(r, rto)| RegionRto {
                    region: name(&r),
                    rto_s: rto.map(secs),
                })
                .collect(),
            write_p50_ms: phase_latency(m, faults, f),
        })
        .collect();
    let rpo = ap.rpo.then(|| Rpo {
        lost_writes: m.rpo_writes(),
        max_span_s: secs(m.faults.iter().map(|f| f.span_ns()).max().unwrap_or(0)),
        unacknowledged_lost: m.rpo_unacked(),
    });
    let rtos: Vec<u64> = m.faults.iter().filter_map(|f| f.rto_ns()).collect();
    let unrecovered = m.faults.iter().filter(|f| f.rto_ns().is_none()).count() as u64;
    let rto = Rto {
        max_s: (unrecovered == 0).then(|| secs(rtos.iter().copied().max().unwrap_or(0))),
        mean_s: super::of_samples(rtos.len() as u64, || {
            secs(rtos.iter().sum::<u64>() / rtos.len() as u64)
        }),
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
            .map(|b| super::of_samples(b.latency.count(), || ms(b.latency.quantile_ms(0.99))))
            .collect(),
        write_p50_ms: m
            .timeline
            .iter()
            .map(|b| {
                super::of_samples(b.write_latency.count(), || {
                    ms(b.write_latency.quantile_ms(0.5))
                })
            })
            .collect(),
    }
}

/// Write p50 over the timeline buckets that lie wholly in `[lo, hi)` (`whole`) or overlap
/// it, ns; `None` when no write succeeded there.
fn window_p50(m: &RunMetrics, lo: u64, hi: u64, whole: bool) -> Option<f64> {
    let w = m.bucket_ns;
    let mut h = CoarseHist::default();
    for (i, b) in m.timeline.iter().enumerate() {
        let (s, e) = (i as u64 * w, (i as u64 + 1) * w);
        let inside = if whole {
            s >= lo && e <= hi
        } else {
            s < hi && e > lo
        };
        if inside {
            h.merge(&b.write_latency);
        }
    }
    (h.count() > 0).then(|| ms(h.quantile_ms(0.5)))
}

/// Write p50 before, during and after fault `f` of `faults`.
fn phase_latency(m: &RunMetrics, faults: &[Fault], f: &Fault) -> PhaseLatency {
    let (start, end) = (f.start.as_nanos(), f.end.as_nanos());
    let horizon = m.timeline.len() as u64 * m.bucket_ns;
    let prev_end = faults
        .iter()
        .map(|g| g.end.as_nanos())
        .filter(|&e| e <= start)
        .max()
        .unwrap_or(0);
    let next_start = faults
        .iter()
        .map(|g| g.start.as_nanos())
        .filter(|&s| s >= end && f.end != SimTime::MAX)
        .min()
        .unwrap_or(horizon);
    // Another fault in effect at this one's start leaves no clean "before".
    let overlapped = faults.iter().any(|g| g.start < f.start && g.end > f.start);
    PhaseLatency {
        before: if overlapped {
            None
        } else {
            window_p50(m, prev_end, start, true)
        },
        during: window_p50(m, start, end.min(horizon), false),
        after: (f.end != SimTime::MAX)
            .then(|| window_p50(m, end, next_start, true))
            .flatten(),
    }
}

/// The `migration` section of a scenario with travelling users: `None` (null) for a strategy
/// whose data does not move; the handoffs' bytes priced through the cost model's transfer
/// prices (`CostModel::cost` with no roles, so only the transfer term is non-zero).
fn migration(
    sc: &Scenario,
    ap: Reports,
    m: &crate::metrics::RunMetrics,
) -> Option<super::MigrationReport> {
    let g = m.migrations.as_ref().filter(|_| ap.migrations)?;
    let n = sc.topology.len();
    let window_s = sc.duration_ns as f64 / 1e9;
    let roles = vec![crate::cost::Role::None; n];
    let c = sc.cost.cost(&roles, 0.0, &g.bytes, &vec![0; n], 0, 0.0);
    Some(super::MigrationReport {
        count: g.count,
        bytes: g.bytes.iter().sum(),
        cost_usd: six(c.transfer_usd),
        monthly_usd: six(if window_s > 0.0 {
            c.transfer_usd * crate::cost::HOURS_PER_MONTH * 3600.0 / window_s
        } else {
            0.0
        }),
        ryw_violations: g.ryw_violations,
    })
}
