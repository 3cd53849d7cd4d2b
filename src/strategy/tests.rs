//! Test-only helpers shared by the strategies' unit tests (whole runs through
//! `sim::run_strategy`): a strategy's own figure by name, a region-outage fault in scenario
//! syntax, "every operation from then on succeeded", and the hand count of a standby caught up
//! by one snapshot (active-passive and follow-the-sun).
//!
//! Test-only (a `tests.rs` file, which the layering rules leave out, as they do every
//! strategy's own tests); imports metrics and nothing of a concrete strategy.

use crate::metrics::RunMetrics;

/// The strategy's extra figure `name` (`Strategy::extra`); panics if it has none.
pub(crate) fn extra(m: &RunMetrics, name: &str) -> f64 {
    m.extra
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no figure {name}"))
        .1
}

/// A `region-outage` of `region` from `start_s` for `duration_s` (the default recovery).
pub(crate) fn outage(region: &str, start_s: u32, duration_s: u32) -> String {
    format!(
        "[[faults]]\nkind = \"region-outage\"\nregion = \"{region}\"\n\
         start_s = {start_s}\nduration_s = {duration_s}\n"
    )
}

/// Every operation issued from `from_s` on succeeded (`name`: the run, in the message).
pub(crate) fn all_succeed_from(m: &RunMetrics, from_s: u64, name: &str) {
    let first = (from_s * 1_000_000_000 / m.bucket_ns) as usize;
    for (i, b) in m.timeline.iter().enumerate().skip(first) {
        assert!(
            b.failed == 0 && b.succeeded == b.attempted,
            "{name}: bucket {i}: {} of {} succeeded",
            b.succeeded,
            b.attempted
        );
    }
}

/// Regions `p` and `s`, `p` writing 1,024-byte values over 1,000 keys: every write reached
/// `s` (every probe read there was answered and fresh) and the link `p -> s` carried one entry
/// per write and one snapshot of the 1,000 keys, by hand (64-byte headers, 16 bytes a key).
pub(crate) fn caught_up_by_one_snapshot(m: &RunMetrics) {
    assert!(m.writes > 1800);
    assert_eq!(m.failed, 0);
    let probes = m.probes.as_ref().expect("probes");
    assert_eq!(
        probes.counts[0],
        [m.writes, m.writes, 0],
        "answered, fresh, failed"
    );
    assert_eq!(
        m.bytes_matrix[1],
        m.writes * (64 + 1024) + (64 + 16 * 1000),
        "p -> s"
    );
}
