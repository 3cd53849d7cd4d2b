//! The consistency measurements (`[consistency]`): the probe reads of the exact staleness
//! curve. Delays are bounded, sorted and unique; `probe_every` and `probe_from` without
//! `probes_ms` would have no effect and are rejected.
//!
//! Must not import the engine, the world, metrics or report.

use super::{Checker, Known};
use crate::scenario::spec::ConsistencySpec;
use crate::workload::{ProbePlan, MAX_PROBES, MAX_PROBE_MS};

/// Default `probe_every`.
const DEFAULT_PROBE_EVERY: u64 = 100;

/// The probe plan, or `None` when probes are not configured (or invalid).
pub(super) fn probes(c: &mut Checker, spec: &ConsistencySpec, known: &Known) -> Option<ProbePlan> {
    let Some(delays) = &spec.probes_ms else {
        for (set, field) in [
            (spec.probe_every.is_some(), "consistency.probe_every"),
            (spec.probe_from.is_some(), "consistency.probe_from"),
        ] {
            if set {
                c.bad(
                    field,
                    "has no effect without consistency.probes_ms: list the probe delays or remove it",
                );
            }
        }
        return None;
    };
    let mut ok = true;
    let field = "consistency.probes_ms";
    if delays.is_empty() {
        c.bad(
            field,
            "must list at least one delay (or leave probes_ms out)",
        );
        ok = false;
    }
    if delays.len() > MAX_PROBES {
        c.bad(
            field,
            format!("at most {MAX_PROBES} delays, got {}", delays.len()),
        );
        ok = false;
    }
    for (i, &d) in delays.iter().enumerate() {
        if d > MAX_PROBE_MS {
            c.bad(
                format!("{field}[{i}]"),
                format!("must be in [0, {MAX_PROBE_MS}] ms, got {d}"),
            );
            ok = false;
        } else if i > 0 && d <= delays[i - 1] {
            c.bad(
                format!("{field}[{i}]"),
                format!(
                    "delays must be sorted and unique: {d} follows {}",
                    delays[i - 1]
                ),
            );
            ok = false;
        }
    }
    let every = spec.probe_every.unwrap_or(DEFAULT_PROBE_EVERY);
    if every == 0 {
        c.bad("consistency.probe_every", "must be at least 1");
        ok = false;
    }
    let from = match &spec.probe_from {
        Some(name) => {
            let id = known.region_ref(c, "consistency.probe_from".to_string(), name);
            ok &= id.is_some();
            id
        }
        None => None,
    };
    ok.then(|| ProbePlan {
        delays_ms: delays.clone(),
        every,
        from,
    })
}

/// Most keys whose histories are checked for linearizability.
pub(super) const MAX_LINEARIZABILITY_KEYS: u64 = 1000;

/// `consistency.linearizability_keys` (0 when absent).
pub(super) fn linearizability_keys(c: &mut Checker, spec: &ConsistencySpec) -> u64 {
    match spec.linearizability_keys {
        None => 0,
        Some(n) if n > MAX_LINEARIZABILITY_KEYS => {
            c.bad(
                "consistency.linearizability_keys",
                format!("must be at most {MAX_LINEARIZABILITY_KEYS}, got {n}"),
            );
            0
        }
        Some(n) => n,
    }
}
