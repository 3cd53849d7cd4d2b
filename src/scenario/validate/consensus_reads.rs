//! The read mode of `consensus` (`reads`) and the settings that apply to one mode only
//! (`max_staleness_ms` for `follower`, `clock_drift_ms` for `lease`).
//!
//! Must not import the engine, the world, metrics, report, or its sibling `strategies`
//! (which calls it).

use super::{Checker, MAX_MS};
use crate::scenario::spec::{ConsensusReadsSpec, ConsensusSpec};
use crate::strategy::ConsensusReads;
use crate::time::secs_to_nanos;

/// The read mode of `consensus` and the settings that apply to it only; `min_election_ms`
/// bounds the clock drift.
pub(super) fn consensus_reads(
    c: &mut Checker,
    f: &impl Fn(&str) -> String,
    cs: &ConsensusSpec,
    min_election_ms: f64,
) -> Option<ConsensusReads> {
    let mode = match cs.reads {
        ConsensusReadsSpec::Lease => "lease",
        ConsensusReadsSpec::ReadIndex => "read-index",
        ConsensusReadsSpec::Follower => "follower",
    };
    let mut ok = true;
    match (cs.reads, cs.clock_drift_ms) {
        (ConsensusReadsSpec::Lease, Some(d)) => {
            if !(d.is_finite() && d >= 0.0) {
                c.bad(f("clock_drift_ms"), format!("must be >= 0, got {d}"));
                ok = false;
            } else if min_election_ms.is_finite() && d >= min_election_ms {
                c.bad(
                    f("clock_drift_ms"),
                    format!(
                        "must be below the minimum election timeout ({min_election_ms} ms): the lease is their difference, got {d}"
                    ),
                );
                ok = false;
            }
        }
        (_, Some(_)) => {
            c.bad(
                f("clock_drift_ms"),
                format!("has no effect with reads = \"{mode}\" (it bounds the lease of reads = \"lease\"): remove it"),
            );
            ok = false;
        }
        (_, None) => {}
    }
    let reads = match (cs.reads, cs.max_staleness_ms) {
        (ConsensusReadsSpec::Lease, None) => ConsensusReads::Lease,
        (ConsensusReadsSpec::ReadIndex, None) => ConsensusReads::ReadIndex,
        (ConsensusReadsSpec::Follower, None) => {
            c.bad(
                f("max_staleness_ms"),
                "reads = \"follower\" needs the staleness bound max_staleness_ms (> 0)",
            );
            return None;
        }
        (ConsensusReadsSpec::Follower, Some(ms)) => {
            if !c.positive_max(&f("max_staleness_ms"), ms, MAX_MS) {
                return None;
            }
            ConsensusReads::Follower {
                max_staleness_ns: secs_to_nanos(ms / 1e3),
            }
        }
        (_, Some(_)) => {
            c.bad(
                f("max_staleness_ms"),
                format!("has no effect with reads = \"{mode}\" (only reads = \"follower\" serve stale reads): remove it"),
            );
            return None;
        }
    };
    ok.then_some(reads)
}
