//! What goes wrong and how it is noticed: serving capacity per region, the clients' timeout
//! and retry policy, the heartbeat failure detector, listed faults (partitions, outages, link
//! degradations, clock skew) and seeded random faults.
//!
//! Must not import the engine, the world, metrics or report.

use super::{
    Checker, Known, MAX_MS, MAX_RETRIES, MAX_SECONDS, MIN_BANDWIDTH_MBPS, MIN_HEARTBEAT_MS,
    MIN_MTBF_S, MIN_MTTR_S, MIN_TIMEOUT_MS,
};
use crate::faults::{Capacity, ClientPolicy, Detection, Fault, FaultKind, RandomFaults, Recovery};
use crate::scenario::spec::{
    ClientsSpec, DetectionSpec, FaultSpec, RandomFaultsSpec, RecoverySpec, RegionSpec,
};
use crate::time::secs_to_nanos;
use crate::time::SimTime;
use crate::topology::RegionId;

/// Largest `loss` of a `link-degradation` fault: 100 transmissions per message on average.
const MAX_LOSS: f64 = 0.99;
/// Largest clock offset of a `clock-skew` fault, either way: one day, in ms.
pub(super) const MAX_OFFSET_MS: f64 = 8.64e7;
/// Largest clock drift of a `clock-skew` fault, either way, in parts per million (10 %).
pub(super) const MAX_DRIFT_PPM: f64 = 1e5;

/// The serving capacity of every region (`regions[i].capacity`; `None`: unlimited, or bad).
pub(super) fn capacity(c: &mut Checker, regions: &[RegionSpec]) -> Vec<Option<Capacity>> {
    let mut capacity = Vec::new();
    for (i, r) in regions.iter().enumerate() {
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
    capacity
}

/// The clients' timeout, retries, backoff and rerouting (`[clients]`).
pub(super) fn clients(c: &mut Checker, cl: &ClientsSpec) -> ClientPolicy {
    c.range("clients.timeout_ms", cl.timeout_ms, MIN_TIMEOUT_MS, MAX_MS);
    if cl.retries > MAX_RETRIES {
        c.bad(
            "clients.retries",
            format!("must be at most {MAX_RETRIES}, got {}", cl.retries),
        );
    }
    c.non_negative_max("clients.backoff_ms", cl.backoff_ms, MAX_MS);
    c.non_negative_max("clients.backoff_cap_ms", cl.backoff_cap_ms, MAX_MS);
    c.non_negative_max("clients.reroute_after_s", cl.reroute_after_s, MAX_SECONDS);
    ClientPolicy {
        timeout_ns: secs_to_nanos(cl.timeout_ms / 1e3),
        retries: cl.retries,
        backoff_ns: secs_to_nanos(cl.backoff_ms / 1e3),
        backoff_cap_ns: secs_to_nanos(cl.backoff_cap_ms / 1e3),
        reroute_after_ns: secs_to_nanos(cl.reroute_after_s),
    }
}

/// The heartbeat failure detector (`[detection]`).
pub(super) fn detection(c: &mut Checker, d: &DetectionSpec) -> Detection {
    if c.range(
        "detection.heartbeat_ms",
        d.heartbeat_ms,
        MIN_HEARTBEAT_MS,
        MAX_MS,
    ) & c.positive_max("detection.timeout_ms", d.timeout_ms, MAX_MS)
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
    Detection {
        heartbeat_ns: secs_to_nanos(d.heartbeat_ms / 1e3),
        timeout_ns: secs_to_nanos(d.timeout_ms / 1e3),
    }
}

/// The listed faults (`[[faults]]`), in file order; a fault with a problem is left out.
pub(super) fn faults(c: &mut Checker, specs: &[FaultSpec], known: &Known) -> Vec<Fault> {
    let mut faults = Vec::new();
    for (i, fs) in specs.iter().enumerate() {
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
                        .filter_map(|(j, r)| known.region_ref(c, f(&format!("{name}[{j}]")), r))
                        .collect()
                };
                let (ra, rb) = (side(c, "a", a), side(c, "b", b));
                if ra.iter().any(|r| rb.contains(r)) {
                    c.bad(f("b"), "a region cannot be on both sides of a partition");
                }
                window(c, *start_s, *duration_s).map(|(start, end)| Fault {
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
                let r = known.region_ref(c, f("region"), region);
                let w = window(c, *start_s, *duration_s);
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
                let a = known.region_ref(c, f("from"), from);
                let b = known.region_ref(c, f("to"), to);
                let extra = extra_latency
                    .as_ref()
                    .map(|l| c.latency(&f("extra_latency"), l));
                let mut ok = extra.as_ref().is_none_or(|e| e.is_some());
                if c.range(&f("loss"), *loss, 0.0, 1.0) && *loss >= 1.0 {
                    c.bad(f("loss"), "must be below 1 (every message would be lost)");
                    ok = false;
                } else if *loss > MAX_LOSS {
                    // Each lost transmission is drawn and retransmitted in turn: 1 / (1 - loss)
                    // per message, without bound as the loss nears 1.
                    c.bad(
                        f("loss"),
                        format!(
                            "must be at most {MAX_LOSS} (a message would take {:.0} transmissions on average): a link that loses more is cut, a `partition`",
                            1.0 / (1.0 - loss)
                        ),
                    );
                    ok = false;
                }
                if let Some(bw) = bandwidth_mbps {
                    ok &= c.at_least(&f("bandwidth_mbps"), *bw, MIN_BANDWIDTH_MBPS);
                }
                ok &= c.range(&f("retransmit_ms"), *retransmit_ms, MIN_TIMEOUT_MS, MAX_MS);
                if a.is_some() && a == b {
                    c.bad(f("to"), "must differ from `from`");
                }
                let w = window(c, *start_s, *duration_s);
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
                let r = known.region_ref(c, f("region"), region);
                let ok = c.range(&f("offset_ms"), *offset_ms, -MAX_OFFSET_MS, MAX_OFFSET_MS)
                    & c.range(&f("drift_ppm"), *drift_ppm, -MAX_DRIFT_PPM, MAX_DRIFT_PPM);
                let w = window(c, *start_s, *duration_s);
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
    faults
}

/// The start of a listed fault as written (every kind has one).
pub(super) fn start_s(fs: &FaultSpec) -> f64 {
    match fs {
        FaultSpec::Partition { start_s, .. }
        | FaultSpec::RegionOutage { start_s, .. }
        | FaultSpec::LinkDegradation { start_s, .. }
        | FaultSpec::ClockSkew { start_s, .. } => *start_s,
    }
}

/// Rejects a listed fault that starts at or after the end of the run (`duration_s + drain_s`):
/// it would never happen, and the run would look clean (a start written in minutes or hours
/// instead of seconds). Checked only when `duration_s` and `drain_s` are valid.
pub(super) fn within_run(c: &mut Checker, specs: &[FaultSpec], duration_s: f64, drain_s: f64) {
    if !(duration_s.is_finite() && duration_s > 0.0 && drain_s.is_finite() && drain_s >= 0.0) {
        return;
    }
    // Saturating: a duration or drain beyond its bound is reported elsewhere, not an overflow.
    let end = secs_to_nanos(duration_s).saturating_add(secs_to_nanos(drain_s));
    for (i, fs) in specs.iter().enumerate() {
        let start = start_s(fs);
        if start.is_finite() && start >= 0.0 && SimTime::from_secs_f64(start).0 >= end {
            c.bad(
                format!("faults[{i}].start_s"),
                format!(
                    "starts at {start} s, but the run ends at {} s (duration_s {duration_s} + drain_s {drain_s}): the fault would never happen (seconds of simulated time are expected)",
                    duration_s + drain_s
                ),
            );
        }
    }
}

/// The seeded random fault generator (`[random_faults]`), if any.
pub(super) fn random_faults(
    c: &mut Checker,
    random_faults: Option<&RandomFaultsSpec>,
) -> Option<RandomFaults> {
    random_faults.map(|rf| {
        let pos = |c: &mut Checker, n: &str, v: Option<f64>, lo: f64| -> Option<u64> {
            v.filter(|x| c.at_least(&format!("random_faults.{n}"), *x, lo))
                .map(secs_to_nanos)
        };
        let (mtbf, mttr) = (MIN_MTBF_S, MIN_MTTR_S);
        RandomFaults {
            region_mtbf_ns: pos(c, "region_mtbf_s", rf.region_mtbf_s, mtbf),
            region_mttr_ns: pos(c, "region_mttr_s", Some(rf.region_mttr_s), mttr).unwrap_or(1),
            link_mtbf_ns: pos(c, "link_mtbf_s", rf.link_mtbf_s, mtbf),
            link_mttr_ns: pos(c, "link_mttr_s", Some(rf.link_mttr_s), mttr).unwrap_or(1),
            recover: match rf.recover {
                RecoverySpec::Durable => Recovery::Durable,
                RecoverySpec::Empty => Recovery::Empty,
            },
        }
    })
}
