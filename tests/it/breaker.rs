//! Serving regions and the clients' circuit breaker against closed forms and hand counts:
//! station utilisation against rho = lambda / (c mu), the M/M/1 queue-wait tail, a breaker
//! that opens and rejects under a full outage of its serving region, `null` where a figure
//! does not apply, and the settings' validation.

use std::path::Path;

use geosim::report::{ServingRegion, StrategyReport};
use geosim::scenario::{self, Format};

use crate::common::run;

/// One region `q`, `servers` servers with exponential service of mean `service_ms`, Poisson
/// arrivals at `rate` per second served locally (multi-master on one region sends no
/// messages), no access latency; `extra` goes into the strategy's table.
fn station(
    servers: u32,
    service_ms: f64,
    rate: f64,
    seconds: f64,
    seed: u64,
    extra: &str,
) -> String {
    format!(
        r#"
duration_s = {seconds}
drain_s = 10
seed = {seed}
[[regions]]
name = "q"
lat = 0.0
lon = 0.0
intra_ms = 0.0
capacity = {{ servers = {servers}, service_ms = {{ dist = "exponential", mean_ms = {service_ms} }} }}
[[workload.clients]]
region = "q"
rate_rps = {rate}
read_fraction = 0.5
keys = 100
[[strategies]]
kind = "multi-master"
name = "s"
{extra}
"#
    )
}

/// `text` without its regions' capacity.
fn without_capacity(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("capacity"))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn only(text: &str) -> (StrategyReport, ServingRegion) {
    let r = run(text);
    let s = r.strategy("s").unwrap().clone();
    assert_eq!(s.serving.len(), 1);
    let q = s.serving[0].clone();
    (s, q)
}

/// M/M/4 with lambda = 700/s and mu = 250/s: utilisation rho = lambda / (c mu) = 0.7. The
/// busy time of 210,000 services of mean 4 ms has a relative error of about
/// sqrt(2 / 210,000) = 0.3 %.
#[test]
fn utilisation_matches_offered_load() {
    let (lambda, c, mu) = (700.0, 4.0, 250.0);
    let rho = lambda / (c * mu);
    let (s, q) = only(&station(4, 4.0, lambda, 300.0, 1, ""));
    assert_eq!(s.ops.failed, 0);
    let u = q.utilisation.expect("a station has a utilisation");
    assert!((u - rho).abs() / rho < 0.02, "utilisation {u} vs rho {rho}");
    // An unbounded queue without a bulkhead cannot shed; there is no breaker.
    assert_eq!(q.shed, None);
    assert_eq!(q.breaker_rejected, None);
}

/// M/M/1, lambda = 800/s, mu = 1000/s: P(Wq > t) = rho e^{-(mu - lambda) t}, so the 99th
/// percentile of the queue wait is ln(100 rho) / (mu - lambda) = ln 80 / 200 s = 21.9 ms;
/// the utilisation is rho = 0.8. Averaged over three seeds of 240,000 requests each.
#[test]
fn mm1_queue_wait_p99_matches_closed_form() {
    let (lambda, mu) = (800.0f64, 1000.0f64);
    let rho = lambda / mu;
    let expect_ms = 1e3 * (100.0 * rho).ln() / (mu - lambda);
    let runs: Vec<(f64, f64)> = (1..=3)
        .map(|seed| {
            let (_, q) = only(&station(1, 1.0, lambda, 300.0, seed, ""));
            (q.queue_wait_p99_ms.unwrap(), q.utilisation.unwrap())
        })
        .collect();
    let p99 = runs.iter().map(|r| r.0).sum::<f64>() / 3.0;
    let u = runs.iter().map(|r| r.1).sum::<f64>() / 3.0;
    assert!(
        (p99 - expect_ms).abs() / expect_ms < 0.05,
        "queue-wait p99 {p99} ms vs closed form {expect_ms} ms ({runs:?})"
    );
    assert!((u - rho).abs() / rho < 0.02, "utilisation {u} vs {rho}");
}

/// A bounded queue sheds: M/M/1/K with K - 1 = 2 waiting places at rho = 1 loses an arrival
/// with probability 1 / (K + 1) = 1/4 (all K + 1 states equally likely, PASTA).
#[test]
fn a_full_queue_sheds_as_mm1k() {
    let text = station(1, 1.0, 1000.0, 300.0, 3, "")
        .replace("mean_ms = 1 } }", "mean_ms = 1 }, queue_limit = 2 }")
        .replace("[[strategies]]", "[clients]\nretries = 0\n[[strategies]]");
    let (s, q) = only(&text);
    let shed = q
        .shed
        .expect("a station with a queue limit counts shed requests");
    let issued = (s.ops.reads + s.ops.writes) as f64;
    let share = shed as f64 / issued;
    assert!((share - 0.25).abs() < 0.01, "shed share {share} vs 1/4");
    assert_eq!(
        shed, s.ops.failed,
        "with no retries every shed request fails"
    );
    // Each shed request is an attempt answered with a failure, and the cause of its failure.
    let by = s.ops.failed_by.as_ref().unwrap();
    assert_eq!(s.ops.failure_answers, Some(shed));
    assert_eq!((by.failure_answer, by.timeout, by.breaker), (shed, 0, None));
}

/// A region without capacity and a strategy without breaker: every serving figure is null.
#[test]
fn serving_figures_are_null_where_they_do_not_apply() {
    let text = without_capacity(&station(1, 1.0, 10.0, 10.0, 1, ""));
    let (_, q) = only(&text);
    assert_eq!(q.region, "q");
    assert_eq!(
        (
            q.utilisation,
            q.queue_wait_p99_ms,
            q.shed,
            q.breaker_rejected
        ),
        (None, None, None, None)
    );
}

/// The clients of `q` call `q` through a breaker (window 100 calls, opens at 50 % failed once
/// 100 are in, open 100 ms, 50 trial calls); `q` is lost at T0 = 5 s for good, arrivals
/// (lambda = 1000/s) go on until D = 65 s, every attempt to the dead region times out after
/// tau = 50 ms, no retries, no rerouting.
///
/// Hand count. Before T0 the window is full of successes. The 50th call after T0 fails at
/// t1 = T0 + S_50 + tau (S_k: Gamma(k, lambda), mean k / lambda): 50 of 100 failed, the
/// breaker opens; the calls still in flight then are ignored. Each cycle from then on: open
/// for O = 100 ms (every call rejected), then the first call after it and the next 49 go
/// through as trials (S_50 on average 50 ms), then the calls until the last trial times out
/// (tau) are rejected, and the 50 failures open it again. Rejections per cycle are
/// Poisson(lambda (O + tau)) in a cycle of mean O + 50 / lambda + tau, so by renewal-reward
/// E[rejected] = lambda (O + tau) / (O + 50 / lambda + tau) x (D - T0 - 50 / lambda - tau)
/// = 1000 x 0.15 / 0.2 x 59.9 = 44,925 (within one cycle, 150, at the end; Poisson noise
/// about 250).
#[test]
fn breaker_opens_and_rejects_as_counted_by_hand() {
    let (lambda, o, tau, h, k) = (1000.0, 0.1, 0.05, 50.0, 50.0);
    let (t0, d) = (5.0, 65.0);
    let text = format!(
        r#"
duration_s = {d}
drain_s = 1
seed = 11
[clients]
timeout_ms = {tau_ms}
retries = 0
reroute_after_s = 1000
[[regions]]
name = "q"
lat = 0.0
lon = 0.0
intra_ms = 0.0
[[workload.clients]]
region = "q"
rate_rps = {lambda}
read_fraction = 0.5
keys = 100
[[faults]]
kind = "region-outage"
region = "q"
start_s = {t0}
[[strategies]]
kind = "multi-master"
name = "s"
circuit_breaker = {{ failure_rate = 0.5, window_calls = 100, min_calls = 100, open_ms = {o_ms}, half_open_calls = {h} }}
[[strategies]]
kind = "multi-master"
name = "none"
"#,
        tau_ms = tau * 1e3,
        o_ms = o * 1e3,
    );
    let r = run(&text);
    let s = r.strategy("s").unwrap();
    let rejected = s.serving[0].breaker_rejected.expect("breaker on") as f64;
    let expect = lambda * (o + tau) / (o + h / lambda + tau) * (d - t0 - k / lambda - tau);
    assert!(
        (rejected - expect).abs() / expect < 0.02,
        "rejected {rejected} vs hand count {expect}"
    );
    // Rejected calls fail (no retries), and so does every other call after T0.
    assert!(s.ops.failed as f64 >= rejected);
    let by = s.ops.failed_by.as_ref().unwrap();
    assert_eq!(
        by.breaker,
        Some(rejected as u64),
        "each rejection is a failure's cause"
    );
    assert_eq!(
        by.breaker.unwrap() + by.timeout + by.failure_answer,
        s.ops.failed
    );
    let none = r
        .strategy("none")
        .unwrap()
        .ops
        .failed_by
        .as_ref()
        .unwrap()
        .breaker;
    assert_eq!(none, None, "no breaker: n/a");
    let after = lambda * (d - t0);
    assert!(((s.ops.failed as f64) - after).abs() / after < 0.02);
    // No capacity: no utilisation, queue wait or shedding; no breaker: no rejections.
    let q = &s.serving[0];
    assert_eq!(
        (q.utilisation, q.queue_wait_p99_ms, q.shed),
        (None, None, None)
    );
    assert_eq!(
        r.strategy("none").unwrap().serving[0].breaker_rejected,
        None
    );
}

fn problems(text: &str) -> String {
    match scenario::from_str(text, Format::Toml, Path::new("b.toml")) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn breaker_settings_are_checked_with_their_path() {
    let base = station(1, 1.0, 10.0, 10.0, 1, "");
    let e = problems(&format!(
        "{base}circuit_breaker = {{ window_calls = 10, min_calls = 11, failure_rate = 0, half_open_calls = 0, open_ms = -1 }}\n"
    ));
    for field in ["min_calls", "failure_rate", "half_open_calls", "open_ms"] {
        assert!(
            e.contains(&format!("strategies[0].circuit_breaker.{field}")),
            "{field}: {e}"
        );
    }
    // The old spelling of the bulkhead is refused with a pointer to the new one.
    let e = problems(&format!("{base}circuit_breaker = 0.3\n"));
    assert!(
        e.contains("circuit_breaker") && e.contains("bulkhead = 0.3"),
        "{e}"
    );
    // Settings that would change nothing are refused.
    let bare = without_capacity(&base);
    let e = problems(&format!("{bare}bulkhead = 0.3\n"));
    assert!(
        e.contains("strategies[0].bulkhead") && e.contains("no effect"),
        "{e}"
    );
    let e = problems(&format!("{bare}circuit_breaker = {{ open_ms = 10 }}\n"));
    assert!(
        e.contains("strategies[0].circuit_breaker") && e.contains("no effect"),
        "{e}"
    );
}
