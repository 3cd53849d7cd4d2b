//! Accounting regressions (issue "numbers you can act on"): each figure against an
//! independent computation (closed form, hand count or a Monte Carlo written here).

use crate::common::run;
use geosim::metrics::Failure;

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
        assert_eq!(s.availability.overall, Some(1.0));
    }
}

/// Two regions, clients only in `p` (multi-master: every operation is served at `p`), no
/// retries; `s` is down over [10 s, 20 s), then `p` over [100 s, 110 s). Hand count:
/// - the first outage fails nothing (no client is served at `s`): its RTO is 0;
/// - the second fails every operation in flight at 100 s or issued before 110 s; the first
///   success is an operation issued at or after 110 s, done one access round trip (2 x 1 ms)
///   later: RTO = 10 s + at most 1/rate + the round trip.
///
/// Operations in flight when the second outage starts were issued while only the first had
/// ever started; charging them by issue time made the first fault "never recovered".
fn two_outages() -> String {
    crate::common::pair(
        "duration_s = 200\ndrain_s = 10\nseed = 7\n[clients]\nretries = 0\nreroute_after_s = 60",
        "",
        "",
        20.0,
        r#"
[[workload.clients]]
region = "p"
rate_rps = 5000
read_fraction = 0.5
keys = 100
[[strategies]]
kind = "multi-master"
name = "mm"
[[faults]]
kind = "region-outage"
region = "s"
start_s = 10
duration_s = 10
[[faults]]
kind = "region-outage"
region = "p"
start_s = 100
duration_s = 10
"#,
    )
}

#[test]
fn a_failure_is_charged_to_the_fault_that_caused_it() {
    let r = run(&two_outages());
    let s = r.strategy("mm").unwrap();
    assert_eq!(s.faults.len(), 2);
    assert_eq!(s.faults[0].rto_s, Some(0.0), "{:?}", s.faults[0]);
    assert!(s.faults[0].rto_by_region.is_empty(), "{:?}", s.faults[0]);
    let rto = s.faults[1].rto_s.expect("the second outage recovers");
    assert!(
        (10.0..=10.0 + 1.0 / 5000.0 + 0.002 + 1e-6).contains(&rto),
        "{rto}"
    );
    // Failures: every operation issued in the outage (5000/s x 10 s, Poisson: within 5
    // standard deviations), plus the few in flight at its start.
    let expect = 5000.0 * 10.0;
    let failed = s.ops.failed as f64;
    assert!(
        (failed - expect).abs() < 5.0 * expect.sqrt() + 20.0,
        "{failed}"
    );
    assert_eq!(s.rto.max_s, Some(rto));
}

/// Client timeouts act in a run without faults (they were armed only with faults, capacities
/// or breakers, so an answer slower than `clients.timeout_ms` completed as if its client had
/// waited for it), and a timed-out attempt is cancelled (its late answer used to complete the
/// operation while the client backed off). Two regions 20 ms apart, constant latencies, 1 ms
/// access each way: a read from `s` served by the primary `p` takes 1 + 20 + 20 + 1 = 42 ms,
/// a write at `p` 2 ms. Hand count: with a 30 ms timeout every attempt of every read times
/// out, so every read fails, with or without a retry, and no write does; with a 50 ms timeout
/// nothing fails and every read takes exactly 42 ms; and so with a 42 ms timeout, where every
/// answer reaches its client at the deadline to the nanosecond (the answer wins such a tie,
/// whichever of the two events the queue holds first; before, some reads timed out).
#[test]
fn client_timeouts_act_in_a_run_without_faults() {
    for (timeout_ms, retries, reads_fail) in [
        (30.0, 0, true),
        (30.0, 2, true),
        (50.0, 2, false),
        (42.0, 2, false),
    ] {
        let head = format!(
            "duration_s = 20\ndrain_s = 5\nseed = 3\n[clients]\nretries = {retries}\ntimeout_ms = {timeout_ms}"
        );
        let r = run(&crate::common::pair(
            &head,
            "",
            "",
            20.0,
            crate::common::PAIR_AP,
        ));
        let s = r.strategy("ap").unwrap();
        let case = format!("{timeout_ms} ms, {retries} retries");
        // Attempts by hand: each operation's first attempt, and when reads time out, every
        // read's retries too; each such read fails for its last timeout.
        let o = &s.ops;
        let by = o.failed_by.as_ref().unwrap();
        let late = if reads_fail {
            o.reads * (retries + 1)
        } else {
            0
        };
        assert_eq!(o.timed_out, Some(late), "{case}");
        let reads_sent = if reads_fail { late } else { o.reads };
        assert_eq!(o.attempts, Some(o.writes + reads_sent), "{case}");
        assert_eq!(o.failure_answers, Some(0), "{case}");
        assert_eq!(by.timeout, o.failed, "{case}");
        assert_eq!((by.failure_answer, by.breaker), (0, None), "{case}");
        assert_eq!((by.unfinished, by.overload), (0, 0), "{case}");
        // Without faults, a timeout that gives attempts up is a warning, naming the counts.
        if reads_fail {
            assert_eq!(r.warnings.len(), 1, "{case}: {:?}", r.warnings);
            let w = &r.warnings[0];
            assert_eq!(
                (w.field.as_str(), w.strategy.as_deref()),
                ("clients.timeout_ms", Some("ap"))
            );
            let counts = format!("{late} of {} attempts", o.attempts.unwrap());
            assert!(w.message.contains(&counts), "{case}: {}", w.message);
            let failed = format!("and {} operation(s) failed", o.reads);
            assert!(w.message.contains(&failed), "{case}: {}", w.message);
        } else {
            assert!(r.warnings.is_empty(), "{case}: {:?}", r.warnings);
        }
        // About 50 reads and 50 writes per second for 20 s.
        assert!(
            (800..1200).contains(&s.ops.reads),
            "{case}: {}",
            s.ops.reads
        );
        assert_eq!(s.latency_ms.write.count, s.ops.writes, "{case}");
        assert_eq!(s.latency_ms.write.max, Some(2.0), "{case}");
        if reads_fail {
            assert_eq!(s.ops.failed, s.ops.reads, "{case}");
            assert_eq!(s.latency_ms.read.count, 0, "{case}");
            assert_eq!(s.availability.read, Some(0.0), "{case}");
        } else {
            assert_eq!(s.ops.failed, 0, "{case}");
            assert_eq!(s.latency_ms.read.count, s.ops.reads, "{case}");
            let l = &s.latency_ms.read;
            assert_eq!((l.mean, l.max), (Some(42.0), Some(42.0)), "{case}");
            assert_eq!(s.availability.read, Some(1.0), "{case}");
        }
    }
}

/// The two regions of `common::pair` joined by a link with a Pareto tail (minimum 20 ms, tail
/// index 1.2: one message in about 140 takes over a second), clients in both, strategy `kind`;
/// with `fault`, an outage of `p` over [5 s, 8 s).
fn heavy_tailed(timeout_ms: f64, retries: u32, kind: &str, fault: bool) -> String {
    let strategy = match kind {
        "ap" => "kind = \"active-passive\"\nprimary = \"p\"\nread_from = \"primary\"\nreplication = \"sync\"",
        "quorum" => "kind = \"quorum\"\nn = 2\nr = 2\nw = 2",
        _ => "kind = \"consensus\"\nleader = \"p\"\nmembers = [\"p\", \"s\"]\nreads = \"read-index\"",
    };
    let fault = if fault {
        "[[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nstart_s = 5\nduration_s = 3\n"
    } else {
        ""
    };
    let head = format!(
        "name = \"heavy\"\nduration_s = 15\ndrain_s = 10\n\
         [clients]\ntimeout_ms = {timeout_ms}\nretries = {retries}\nbackoff_ms = 10"
    );
    let rest = format!(
        r#"[[workload.clients]]
region = "p"
rate_rps = 40
read_fraction = 0.5
keys = 20
[[workload.clients]]
region = "s"
rate_rps = 40
read_fraction = 0.5
keys = 20
[[strategies]]
name = "x"
{strategy}
{fault}"#
    );
    let pareto = r#"{ dist = "pareto", scale_ms = 20.0, shape = 1.2 }"#;
    crate::common::pair_linked(&head, "", "", pareto, &rest)
}

/// The cases the heavy-tailed property tests draw: a seed, a client timeout (ms), retries, a
/// strategy kind (`heavy_tailed`) and whether the primary has an outage.
fn heavy_cases() -> impl proptest::strategy::Strategy<Value = (u64, f64, u32, &'static str, bool)> {
    (
        0u64..1_000,
        30.0f64..300.0,
        0u32..3,
        proptest::sample::select(vec!["ap", "quorum", "consensus"]),
        proptest::bool::ANY,
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 64,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// A client waits `timeout_ms` for an attempt and no longer (the limit every answer is
    /// held to): over heavy-tailed links, with and without an outage, the 40 slowest
    /// operations of each run (`--trace`'s sample) made at most `retries + 1` attempts, and
    /// in each one that succeeded the attempt that succeeded (its latency minus the time
    /// before that attempt, the depth-0 `retries` span) lasted at most `timeout_ms`. Before
    /// timeouts were armed in every run, runs without the outage broke it (answers of over a
    /// second completed).
    #[test]
    fn no_successful_attempt_outlasts_the_clients_timeout(
        (seed, timeout_ms, retries, kind, fault) in heavy_cases(),
    ) {
        let sc = crate::common::scenario(&heavy_tailed(timeout_ms, retries, kind, fault));
        let spec = geosim::sim::TraceSpec {
            count: 40,
            failed: false,
            kind: None,
            region: None,
            during_fault: false,
            slowest: true,
        };
        let r = geosim::sim::run_traced(&sc, 0, seed, Some(&spec));
        proptest::prop_assert!(r.trace.len() == 40, "{} traced", r.trace.len());
        let limit = (timeout_ms * 1e6).round() as u64;
        let mut longest = 0;
        for op in &r.trace {
            proptest::prop_assert!(op.attempts <= retries + 1, "{} attempts", op.attempts);
            longest = longest.max(op.end.0 - op.start.0);
            if op.failed {
                continue;
            }
            let before: u64 = op
                .segs
                .iter()
                .filter(|s| s.depth == 0 && s.part == geosim::strategy::Part::Retries)
                .map(|s| s.ns)
                .sum();
            let last = op.end.0 - op.start.0 - before;
            proptest::prop_assert!(last <= limit, "{kind}: an attempt of {last} ns against {limit}");
        }
        // Not vacuous: the slowest operations lasted at least one timeout, so the clients'
        // timeouts had to cut them (retry or fail).
        proptest::prop_assert!(longest >= limit, "{kind}: the slowest took {longest} ns");
    }

    /// Every attempt sent ends one way: the one success of an operation that succeeded, a
    /// timeout, a failure answer, or still open when the run ends (only an unfinished
    /// operation's attempt can be); every failed operation has one cause. So attempts sent =
    /// successes + timed out + failure answers + open, with 0 <= open <= unfinished; and the
    /// causes add up to the failed operations, each at most the attempts that ended so. Over
    /// heavy-tailed links with and without an outage (no drain, so some operations are
    /// unfinished), for three strategies.
    #[test]
    fn every_attempt_ends_one_way_and_every_failure_has_one_cause(
        (seed, timeout_ms, retries, kind, fault) in heavy_cases(),
    ) {
        let text = heavy_tailed(timeout_ms, retries, kind, fault).replace("drain_s = 10", "drain_s = 0");
        let sc = crate::common::scenario(&text);
        let m = geosim::sim::run_strategy(&sc, 0, seed);
        let a = &m.attempts;
        let by: u64 = a.failed_by.iter().sum();
        proptest::prop_assert_eq!(by, m.failed);
        let succeeded = m.reads + m.writes - m.failed;
        let ended = succeeded + a.timed_out + a.failure_answers;
        let open = a.sent.checked_sub(ended);
        let unfinished = a.failed_of(Failure::Unfinished);
        proptest::prop_assert!(open.is_some_and(|o| o <= unfinished), "{kind}: {a:?}, {succeeded} succeeded");
        proptest::prop_assert!(a.failed_of(Failure::Timeout) <= a.timed_out);
        proptest::prop_assert!(a.failed_of(Failure::FailureAnswer) <= a.failure_answers);
        proptest::prop_assert_eq!(a.failed_of(Failure::Breaker) + a.failed_of(Failure::Overload), 0);
        // Not vacuous: some attempts timed out (`unfinished_operations_are_failed_at_the_end`
        // has operations cut off).
        proptest::prop_assert!(a.timed_out > 0, "{kind}: {a:?}");
    }
}

/// Operations still waiting when the run ends fail as unfinished: a 3 s timeout over the
/// heavy-tailed link (no fault) with no drain leaves operations open at the end, each one
/// failed once,
/// and attempts sent = successes + timed out + failure answers + the attempts still open.
#[test]
fn unfinished_operations_are_failed_at_the_end() {
    for kind in ["ap", "quorum", "consensus"] {
        let text = heavy_tailed(3000.0, 1, kind, false).replace("drain_s = 10", "drain_s = 0");
        let m = geosim::sim::run_strategy(&crate::common::scenario(&text), 0, 5);
        let a = &m.attempts;
        let unfinished = a.failed_of(Failure::Unfinished);
        let succeeded = m.reads + m.writes - m.failed;
        let open = a.sent - succeeded - a.timed_out - a.failure_answers;
        assert!(open > 0 && open <= unfinished, "{kind}: {a:?}, open {open}");
        assert_eq!(a.failed_by.iter().sum::<u64>(), m.failed, "{kind}");
    }
}

/// A run with more than a million operations in flight: a region that serves one request in
/// 10 s takes a million reads a second for 1.2 s. The operation table holds 2^20 operations;
/// each later arrival fails at once as an overload, never sent. By hand: 2^20 attempts, all
/// still open at the end (unfinished), and every other read an overload.
#[test]
fn operations_beyond_a_million_in_flight_fail_as_overload() {
    let text = r#"
name = "overload"
duration_s = 1.2
drain_s = 0
seed = 1
[clients]
timeout_ms = 60000
retries = 0
[[regions]]
name = "q"
lat = 0.0
lon = 0.0
intra_ms = 1.0
capacity = { servers = 1, service_ms = 10000.0 }
[[workload.clients]]
region = "q"
rate_rps = 1000000
read_fraction = 1.0
keys = 10
[[strategies]]
kind = "multi-master"
name = "mm"
"#;
    let r = run(text);
    let o = &r.strategy("mm").unwrap().ops;
    let by = o.failed_by.as_ref().unwrap();
    let slots = 1u64 << 20;
    assert!(o.reads > slots + 100_000, "{}", o.reads);
    assert_eq!(o.attempts, Some(slots));
    assert_eq!((by.unfinished, by.overload), (slots, o.reads - slots));
    assert_eq!((o.failed, o.timed_out), (o.reads, Some(0)));
}
