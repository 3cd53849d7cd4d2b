//! The offered load: client groups (region, rate, read share, keys, daily profile); the limits
//! on the key space are checked first, in `limits`.
//!
//! Must not import the engine, the world, metrics or report.

use super::{Checker, Known, MAX_RATE_RPS};
use crate::latency::LatencyDist;
use crate::scenario::spec::ScenarioSpec;
use crate::scenario::spec::{ClientSpec, SessionRoutingSpec};
use crate::workload::{ClientGroup, Diurnal, SessionPlan, SessionRouting, MAX_SESSIONS};

/// The client groups (`[[workload.clients]]`); a group in an unknown region is left out.
pub(super) fn groups(c: &mut Checker, spec: &ScenarioSpec, known: &Known) -> Vec<ClientGroup> {
    if spec.workload.clients.is_empty() {
        c.bad("workload.clients", "must list at least one client group");
    }
    let mut groups = Vec::new();
    for (i, g) in spec.workload.clients.iter().enumerate() {
        let f = |n: &str| format!("workload.clients[{i}].{n}");
        let region = known.region_ref(c, f("region"), &g.region);
        c.positive_max(&f("rate_rps"), g.rate_rps, MAX_RATE_RPS);
        c.range(&f("read_fraction"), g.read_fraction, 0.0, 1.0);
        c.non_negative(&f("zipf"), g.zipf);
        if g.keys == 0 {
            c.bad(f("keys"), "must be at least 1");
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
        let sessions = sessions(c, i, g);
        if let Some(region) = region {
            groups.push(ClientGroup {
                sessions,
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
    groups
}

/// A group's sessions (`workload.clients[i].sessions`, `think_time_ms`).
fn sessions(c: &mut Checker, i: usize, g: &ClientSpec) -> Option<SessionPlan> {
    let f = |n: &str| format!("workload.clients[{i}].{n}");
    let Some(n) = g.sessions else {
        if g.think_time_ms.is_some() {
            c.bad(
                f("think_time_ms"),
                "has no effect without `sessions` (open-loop groups have no think time)",
            );
        }
        return None;
    };
    if n == 0 || n > MAX_SESSIONS {
        c.bad(
            f("sessions"),
            format!("must be 1 to {MAX_SESSIONS}, got {n}"),
        );
        return None;
    }
    if g.diurnal.is_some() {
        c.bad(
            f("diurnal"),
            "cannot be combined with `sessions` (a session issues its next operation one think time after the previous one, not at a daily rate)",
        );
    }
    let think = match &g.think_time_ms {
        Some(t) => c.latency(&f("think_time_ms"), t)?,
        None if g.rate_rps > 0.0 && g.rate_rps.is_finite() => {
            LatencyDist::exponential(n as f64 / g.rate_rps * 1e3, 0.0)
        }
        None => return None,
    };
    Some(SessionPlan { sessions: n, think })
}

/// `[clients] session_routing`: needs a group with sessions.
pub(super) fn session_routing(
    c: &mut Checker,
    spec: &ScenarioSpec,
    groups: &[ClientGroup],
) -> SessionRouting {
    let routing = match spec.clients.session_routing {
        SessionRoutingSpec::None => SessionRouting::None,
        SessionRoutingSpec::Sticky => SessionRouting::Sticky,
        SessionRoutingSpec::Token => SessionRouting::Token,
    };
    if routing != SessionRouting::None && groups.iter().all(|g| g.sessions.is_none()) {
        c.bad(
            "clients.session_routing",
            "has no effect: no client group has `sessions`",
        );
    }
    routing
}
