//! Accounting regressions (issue "numbers you can act on"): each figure against an
//! independent computation (closed form, hand count or a Monte Carlo written here).

use crate::common::run;

/// A single M/M/1 region (exponential service of mean 1 ms, `servers` servers) under
/// `rate` reads per second, no retries, client timeout `timeout_ms`.
fn queue_with_timeout(servers: u32, rate: f64, seconds: u32, timeout_ms: f64) -> String {
    format!(
        r#"
name = "stale-timeout"
seed = 1
duration_s = {seconds}
drain_s = 60
[clients]
retries = 0
timeout_ms = {timeout_ms}
[[regions]]
name = "q"
lat = 0
lon = 0
intra_ms = 0
capacity = {{ servers = {servers}, service_ms = {{ dist = "exponential", mean_ms = 1.0 }} }}
[[workload.clients]]
region = "q"
rate_rps = {rate}
read_fraction = 1.0
keys = 1
[[strategies]]
kind = "multi-master"
name = "mm"
"#
    )
}

/// A timeout armed for an operation that has long finished must never act on the operation
/// that reuses its slot. In an M/M/c queue the sojourn time has an exponential tail: for
/// M/M/1, P(T > t) = exp(-(mu - lambda) t); at rho = 0.82 and t = 5 s that is e^-900, so the
/// expected number of genuine timeouts over the run is 0 (closed form), and availability is
/// exactly 1. The rates are chosen so that 2^12 operations pass one slot within a timeout
/// (the old 12-bit generation wrapped, and 48 operations of 49,000 failed in 60 s); the
/// second case wraps 2^16 within its timeout too.
#[test]
fn a_stale_timeout_never_fails_another_operation() {
    for (servers, rate, seconds, timeout_ms) in [
        (1, 819.2, 60, 5000.0),
        (2, 1638.4, 30, 2500.0),
        (4, 3200.0, 30, 30_000.0),
    ] {
        let mu = 1000.0 * servers as f64;
        let tail = (-(mu - rate) * timeout_ms / 1e3_f64).exp();
        assert!(tail < 1e-100, "the closed form leaves room for a timeout");
        let r = run(&queue_with_timeout(servers, rate, seconds, timeout_ms));
        let s = r.strategy("mm").unwrap();
        assert!(
            (s.ops.reads + s.ops.writes) as f64 > 0.9 * rate * seconds as f64,
            "{servers} servers: {} ops",
            s.ops.reads
        );
        assert_eq!(s.ops.failed, 0, "{servers} servers at {rate}/s");
        assert_eq!(s.availability.overall, 1.0);
    }
}
