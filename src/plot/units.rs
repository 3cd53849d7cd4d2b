//! What the numbers of a report field path are in, for axis labels and confidence bands:
//! `unit` (from the field's name, as docs/report.md spells units: `_ms`, `_s`, `_usd`,
//! `_bytes`, `_rps`, rates and availability as shares, counts) and `bounds` (the physical
//! range of the figure: every figure geosim reports is >= 0, a share at most 1).
//!
//! Must not import anything (a leaf of `plot`).

/// Fields that count things (operations, writes, keys, servers).
const COUNTS: [&str; 10] = [
    "lost_writes",
    "lost_updates",
    "conflicts",
    "stale_reads",
    "keys",
    "failed",
    "reads",
    "writes",
    "servers",
    "count",
];

/// The field names of a path (`faults[kind="x"].duration_s` -> `faults`, `duration_s`),
/// selectors dropped.
fn names(path: &str) -> impl Iterator<Item = &str> {
    path.split('.')
        .map(|seg| seg.split('[').next().unwrap_or(seg))
}

/// Whether the figure at `path` is a share in [0, 1] (a rate, a ratio, an availability).
fn is_share(path: &str) -> bool {
    let last = names(path).last().unwrap_or("");
    last.ends_with("_rate")
        || last.ends_with("_ratio")
        || last == "p_consistent"
        || names(path).next() == Some("availability")
}

/// The unit of the figure at a report or scenario field path, for an axis label; `None`
/// when its name does not say.
pub(crate) fn unit(path: &str) -> Option<&'static str> {
    let last = names(path).last().unwrap_or("");
    if is_share(path) {
        Some("share, 0 to 1")
    } else if names(path).any(|n| n.ends_with("_ms")) || last == "latency" {
        Some("ms")
    } else if last.ends_with("_usd") {
        Some("USD")
    } else if last.ends_with("_bytes") {
        Some("bytes")
    } else if last.ends_with("_rps") {
        Some("requests/s")
    } else if last.ends_with("_s") {
        Some("s")
    } else if COUNTS.contains(&last) {
        Some("count")
    } else {
        None
    }
}

/// `path` with its unit and `extra` (e.g. "log scale") in parentheses, as an axis label.
pub(crate) fn axis_label(path: &str, extra: Option<&str>) -> String {
    match (unit(path), extra) {
        (Some(u), Some(e)) => format!("{path} ({u}, {e})"),
        (Some(u), None) => format!("{path} ({u})"),
        (None, Some(e)) => format!("{path} ({e})"),
        (None, None) => path.to_string(),
    }
}

/// The physical range of the figure at `path` when its statistics (e.g. a normal confidence
/// band) are drawn: `[0, 1]` for a share, `[0, inf)` for the others, all >= 0 (a figure with
/// a negative `mean`, which geosim does not report, keeps its band uncut below).
pub(crate) fn bounds(path: &str, mean: f64) -> (f64, f64) {
    let lo = if mean >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
    let hi = if is_share(path) { 1.0 } else { f64::INFINITY };
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_field_names() {
        for (path, want) in [
            ("latency_ms.write.p99", Some("ms")),
            ("replication_lag_ms.p99", Some("ms")),
            ("links[0].latency", Some("ms")),
            ("rpo.max_span_s", Some("s")),
            ("faults[kind=\"region-outage\"].duration_s", Some("s")),
            ("cost.monthly_usd", Some("USD")),
            ("wan_bytes", Some("bytes")),
            ("workload.clients[*].rate_rps", Some("requests/s")),
            ("consistency.stale_read_rate", Some("share, 0 to 1")),
            ("availability.write", Some("share, 0 to 1")),
            ("consistency.lost_updates", Some("count")),
            ("workload.clients[*].keys", Some("count")),
            ("events", None),
        ] {
            assert_eq!(unit(path), want, "{path}");
        }
        assert_eq!(
            axis_label("workload.clients[*].rate_rps", Some("log scale")),
            "workload.clients[*].rate_rps (requests/s, log scale)"
        );
        assert_eq!(bounds("availability.overall", 0.99), (0.0, 1.0));
        assert_eq!(bounds("rpo.lost_writes", 1.0), (0.0, f64::INFINITY));
        assert_eq!(bounds("delta", -2.0).0, f64::NEG_INFINITY);
    }
}
