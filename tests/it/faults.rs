//! Faults, failover and capacity against closed forms and invariants.

use geosim::io::load_scenario;

use crate::common::{pair, run, run_scenario, scenario, shipped};

/// One region, `servers` servers with exponential service times of mean `service_ms`,
/// Poisson arrivals at `rate` per second, operations served locally (multi-master on a single
/// region sends no messages), no access latency: the latency is the sojourn time of an
/// M/M/c queue.
fn queue(servers: u32, service_ms: f64, rate: f64, seconds: f64, seed: u64) -> f64 {
    let text = format!(
        r#"
duration_s = {seconds}
drain_s = 10
seed = {seed}
[[regions]]
name = "solo"
lat = 0.0
lon = 0.0
intra_ms = 0.0
capacity = {{ servers = {servers}, service_ms = {{ dist = "exponential", mean_ms = {service_ms} }} }}
[[workload.clients]]
region = "solo"
rate_rps = {rate}
read_fraction = 0.5
keys = 100
[[strategies]]
kind = "multi-master"
name = "local"
"#
    );
    let r = run(&text);
    let s = r.strategy("local").unwrap();
    assert_eq!(s.ops.failed, 0);
    let (rd, wr) = (&s.latency_ms.read, &s.latency_ms.write);
    (rd.mean.unwrap_or(0.0) * rd.count as f64 + wr.mean.unwrap_or(0.0) * wr.count as f64)
        / (rd.count + wr.count) as f64
}

/// M/M/1 at utilisation 0.8: mean sojourn time 1 / (mu - lambda) = 5 ms.
#[test]
fn mm1_mean_latency_matches_closed_form() {
    let mu = 1000.0;
    let lambda = 0.8 * mu;
    let expect_ms = 1e3 / (mu - lambda);
    // Averaged over seeds; each run has 240,000 operations.
    let runs: Vec<f64> = (1..=3)
        .map(|seed| queue(1, 1.0, lambda, 300.0, seed))
        .collect();
    let mean = runs.iter().sum::<f64>() / runs.len() as f64;
    assert!(
        (mean - expect_ms).abs() / expect_ms < 0.03,
        "M/M/1 mean {mean} ms vs {expect_ms} ms (runs {runs:?})"
    );
}

/// Erlang's C formula: the probability that an arrival waits in an M/M/c queue with offered
/// load `a` = lambda / mu erlangs.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let top = term * a / c as f64 * c as f64 / (c as f64 - a);
    top / (sum + top)
}

/// M/M/4 at utilisation 0.8 against Erlang C: W = C(c, a) / (c mu - lambda) + 1 / mu.
#[test]
fn mmc_mean_latency_matches_erlang_c() {
    let (c, mu) = (4u32, 250.0);
    let lambda = 800.0;
    let a = lambda / mu;
    let expect_ms = 1e3 * (erlang_c(c, a) / (c as f64 * mu - lambda) + 1.0 / mu);
    let runs: Vec<f64> = (1..=3)
        .map(|seed| queue(c, 4.0, lambda, 300.0, seed))
        .collect();
    let mean = runs.iter().sum::<f64>() / runs.len() as f64;
    assert!(
        (mean - expect_ms).abs() / expect_ms < 0.03,
        "M/M/4 mean {mean} ms vs Erlang C {expect_ms} ms (runs {runs:?})"
    );
}

#[test]
fn erlang_c_known_value() {
    // c = 2, a = 1: C = (1/2 * 2/1) / (1 + 1 + 1) = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

/// Two regions 50 ms apart, the primary lost at 100 s; clients in the standby region write
/// 400 per second (all forwarded to the primary).
fn primary_outage(replication: &str, seed: u64) -> geosim::report::StrategyReport {
    primary_outage_over(replication, seed, "50.0")
}

/// `primary_outage` with the link's latency (and any more link fields) written as `link`.
fn primary_outage_over(replication: &str, seed: u64, link: &str) -> geosim::report::StrategyReport {
    let rest = format!(
        r#"
[clients]
timeout_ms = 1000
retries = 3
[detection]
heartbeat_ms = 500
timeout_ms = 2000
[[workload.clients]]
region = "s"
rate_rps = 400
read_fraction = 0.0
keys = 1000
[[faults]]
kind = "region-outage"
region = "p"
start_s = 100
duration_s = 30
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
replication = "{replication}"
promotion_delay_s = 5
"#
    );
    let text = pair(
        &format!("duration_s = 160\ndrain_s = 20\nseed = {seed}"),
        "",
        "",
        50.0,
        &rest,
    )
    .replace("latency = 50.0", &format!("latency = {link}"));
    run(&text).strategies.remove(0)
}

#[test]
fn sync_replication_loses_no_acknowledged_write() {
    for seed in 1..=3 {
        let ap = primary_outage("sync", seed);
        assert_eq!(ap.rpo.as_ref().unwrap().lost_writes, 0, "seed {seed}");
        assert_eq!(ap.faults.len(), 1);
        // Failover happened: writes succeed again.
        assert!(ap.rto.max_s.is_some(), "seed {seed}: never recovered");
    }
}

/// Little's law: the writes in flight to the standby when the primary dies are
/// lambda x W = 400/s x 50 ms = 20 on average. With a constant link, ordered delivery changes
/// nothing (every message takes the same time). Each seed's count is Poisson (sd 4.5); the
/// mean of 10 seeds has sd 1.4, so a tolerance of 5 is 3.5 sd.
///
/// The clients are in the standby's region: the primary's answers to the lost writes travel
/// the same 50 ms back and die with it, so no client saw any of them acknowledged (RPO 0):
/// all are `unacknowledged_lost`.
#[test]
fn async_replication_loses_lambda_times_lag() {
    let lost: Vec<u64> = (1..=10)
        .map(|seed| {
            let ap = primary_outage("async", seed);
            assert_eq!(ap.rpo.as_ref().unwrap().lost_writes, 0, "seed {seed}");
            ap.rpo.as_ref().unwrap().unacknowledged_lost
        })
        .collect();
    let mean = lost.iter().sum::<u64>() as f64 / lost.len() as f64;
    assert!((mean - 20.0).abs() < 5.0, "mean lost {mean} ({lost:?})");
    assert!(lost.iter().all(|&l| l > 0), "{lost:?}");
}

/// The writes an async standby lacks when the primary dies, by a Monte Carlo of the
/// protocol's messages written here (not geosim's code): Poisson writes at `rate` per ms
/// from the standby's clients are forwarded to the primary over the s -> p channel; the
/// primary acknowledges each on arrival and sends its answer, then the log entry, over the
/// p -> s channel. Every message draws its own lognormal delay (median `p50`, 99th
/// percentile `p99`, ms). Ordered (`fifo`): a message arrives at max(its own arrival, the
/// channel's previous arrival). The primary dies at `t`; the standby holds the entries that
/// arrived before: lost = acknowledged before `t` but not yet delivered. Returns the mean
/// and standard deviation over `runs` independent outages.
fn mc_async_lost(rate: f64, p50: f64, p99: f64, fifo: bool, runs: u32) -> (f64, f64) {
    use rand::{RngExt, SeedableRng};
    let sigma = (p99 / p50).ln() / 2.326_347_874_040_841;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed);
    let delay = |rng: &mut rand_chacha::ChaCha8Rng| {
        // Box-Muller for a standard normal draw.
        let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        p50 * (sigma * z).exp()
    };
    // Three seconds of writes before the outage: the channels forget their state within a
    // fraction of a second at this rate and spread.
    let t = 3000.0;
    let counts: Vec<f64> = (0..runs)
        .map(|_| {
            let (mut now, mut fwd, mut back, mut lost) = (0.0f64, 0.0f64, 0.0f64, 0u32);
            loop {
                now += -(1.0 - rng.random::<f64>()).ln() / rate;
                if now >= t {
                    break;
                }
                let own = now + delay(&mut rng);
                let at_primary = if fifo { fwd.max(own) } else { own };
                fwd = at_primary;
                let answer = at_primary + delay(&mut rng);
                let entry = at_primary + delay(&mut rng);
                let applied = if fifo {
                    back = back.max(answer).max(entry);
                    back
                } else {
                    entry
                };
                if at_primary < t && applied > t {
                    lost += 1;
                }
            }
            lost as f64
        })
        .collect();
    let mean = counts.iter().sum::<f64>() / runs as f64;
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (runs - 1) as f64;
    (mean, var.sqrt())
}

/// Ordered delivery over a jittery link (lognormal, median 50 ms, p99 150 ms): the standby
/// holds a prefix of the primary's log, so an entry stuck behind a slow one is lost with it.
/// geosim's mean over 20 seeds against the Monte Carlo above; with `fifo = false` against
/// Little's law for unordered delivery, lambda x E[D] = 400/s x 50 ms x exp(sigma^2 / 2)
/// (the in-flight count of an M/G/inf system is Poisson), which ordering more than doubles.
#[test]
fn async_replication_over_an_ordered_jittery_link_loses_a_prefix() {
    let link = r#"{ dist = "lognormal", p50_ms = 50, p99_ms = 150 }"#;
    let seeds = 20u64;
    let mean_of = |fifo: bool| {
        let link = format!("{link}\nfifo = {fifo}");
        let lost: Vec<u64> = (1..=seeds)
            .map(|seed| {
                // The Monte Carlo counts writes the primary acknowledged; the clients are in
                // the standby's region, so those answers never reach them (RPO proper is 0).
                let rpo = primary_outage_over("async", seed, &link).rpo.unwrap();
                rpo.lost_writes + rpo.unacknowledged_lost
            })
            .collect();
        (lost.iter().sum::<u64>() as f64 / seeds as f64, lost)
    };
    let (mc_mean, mc_sd) = mc_async_lost(0.4, 50.0, 150.0, true, 4000);
    let (ordered, lost) = mean_of(true);
    let tol = 3.5 * mc_sd / (seeds as f64).sqrt() + 3.5 * mc_sd / 4000f64.sqrt();
    assert!(
        (ordered - mc_mean).abs() < tol,
        "ordered: mean lost {ordered} vs Monte Carlo {mc_mean} (sd {mc_sd}, tol {tol}) {lost:?}"
    );
    let sigma = (3.0f64).ln() / 2.326_347_874_040_841;
    let little = 400.0 * 0.050 * (sigma * sigma / 2.0).exp();
    let (unordered, lost) = mean_of(false);
    let tol = 3.5 * (little / seeds as f64).sqrt();
    assert!(
        (unordered - little).abs() < tol,
        "unordered: mean lost {unordered} vs Little {little} (tol {tol}) {lost:?}"
    );
    // The Monte Carlo of unordered delivery agrees with Little's law (a check of the MC).
    let (mc_unordered, _) = mc_async_lost(0.4, 50.0, 150.0, false, 4000);
    assert!(
        (mc_unordered - little).abs() < 0.5,
        "{mc_unordered} vs {little}"
    );
    assert!(mc_mean > 2.0 * little, "{mc_mean} vs {little}");
}

/// RTO of active-passive = detection timeout + promotion delay, within one heartbeat
/// interval plus a client retry (timeout + largest backoff) and a round trip.
#[test]
fn active_passive_rto_is_detection_plus_promotion() {
    for seed in 1..=3 {
        let ap = primary_outage("async", seed);
        let rto = ap.rto.max_s.expect("recovered");
        let (detect, promote, heartbeat, retry) = (2.0, 5.0, 0.5, 1.0 + 2.0);
        assert!(
            rto >= detect + promote && rto <= detect + promote + heartbeat + retry + 0.2,
            "seed {seed}: RTO {rto} s"
        );
    }
}

#[test]
fn fencing_prevents_split_brain_writes() {
    let (sc, _) = load_scenario(&shipped("partition-split-brain.toml")).unwrap();
    let r = run_scenario(&sc, None);
    let none = r.strategy("no-fencing").unwrap();
    let fencing = r.strategy("fencing").unwrap();
    assert!(
        none.split_brain.as_ref().unwrap().seconds > 60.0,
        "{:?}",
        none.split_brain
    );
    assert!(none.split_brain.as_ref().unwrap().writes.unwrap() > 1000);
    assert!(none.consistency.lost_updates.unwrap() > 1000);
    assert_eq!(fencing.split_brain.as_ref().unwrap().writes.unwrap(), 0);
    assert_eq!(fencing.split_brain.as_ref().unwrap().seconds, 0.0);
    assert_eq!(fencing.consistency.lost_updates, Some(0));
    // Fencing pays in availability for the isolated region's clients instead.
    let iso = |s: &geosim::report::StrategyReport| {
        s.availability
            .per_region
            .iter()
            .find(|r| r.region == "us-east-1")
            .unwrap()
            .write
            .unwrap()
    };
    assert!(iso(fencing) < iso(none));
}

#[test]
fn clock_skew_makes_lww_favour_the_fast_region() {
    let (skewed, _) = load_scenario(&shipped("clock-skew-lww.toml")).unwrap();
    let text = std::fs::read_to_string(shipped("clock-skew-lww.toml")).unwrap();
    let fair = scenario(&text.replace("offset_ms = 250", "offset_ms = 0"));
    let a = run_scenario(&skewed, None);
    let b = run_scenario(&fair, None);
    let lost = |r: &geosim::report::Report, strat: &str, region: &str| {
        r.strategy(strat)
            .unwrap()
            .per_region
            .iter()
            .find(|p| p.region == region)
            .unwrap()
            .lost_updates
            .unwrap()
    };
    // The skewed region (ap-northeast-1) wins conflicts it should lose...
    assert!(lost(&a, "lww", "ap-northeast-1") * 4 < lost(&b, "lww", "ap-northeast-1"));
    // ...so the other regions lose more of their acknowledged writes.
    for region in ["us-east-1", "eu-west-1"] {
        assert!(
            lost(&a, "lww", region) > lost(&b, "lww", region),
            "{region}"
        );
    }
    // A CRDT merge loses nothing either way: lost updates do not apply (n/a, not 0).
    assert_eq!(a.strategy("crdt").unwrap().consistency.lost_updates, None);
}

#[test]
fn availability_without_faults_is_exactly_one() {
    let (sc, _) = load_scenario(&shipped("three-regions.toml")).unwrap();
    let r = run_scenario(&sc, Some(5));
    for s in &r.strategies {
        assert_eq!(s.availability.overall, Some(1.0), "{}", s.name);
        assert!(s
            .availability
            .per_region
            .iter()
            .all(|p| p.overall == Some(1.0)));
        assert_eq!(s.rpo.as_ref().unwrap().lost_writes, 0);
        assert!(s.faults.is_empty());
    }
}

#[test]
fn isolated_region_loses_availability_under_consensus_not_multi_master() {
    let text = std::fs::read_to_string(shipped("region-outage.toml")).unwrap();
    let start = text.find("[[faults]]").unwrap();
    let end = text.find("[[strategies]]").unwrap();
    let partition = r#"[[faults]]
kind = "partition"
a = ["eu-west-1"]
b = ["us-east-1", "us-west-2"]
start_s = 300
duration_s = 120

"#;
    let text = format!("{}{}{}", &text[..start], partition, &text[end..])
        .replace("duration_s = 900", "duration_s = 600");
    let r = run_scenario(&scenario(&text), None);
    let eu = |name: &str| {
        r.strategy(name)
            .unwrap()
            .availability
            .per_region
            .iter()
            .find(|p| p.region == "eu-west-1")
            .unwrap()
            .write
            .unwrap()
    };
    assert!(
        eu("raft") < 0.95,
        "consensus minority write availability {}",
        eu("raft")
    );
    assert_eq!(eu("mm"), 1.0);
}

#[test]
fn random_faults_are_deterministic() {
    let text = std::fs::read_to_string(shipped("region-outage.toml"))
        .unwrap()
        .replace("duration_s = 900", "duration_s = 300")
        .replace(
            "[[faults]]",
            "[random_faults]\nregion_mtbf_s = 200\nregion_mttr_s = 20\nlink_mtbf_s = 300\nlink_mttr_s = 10\n\n[[faults]]",
        );
    let sc = scenario(&text);
    let a = run_scenario(&sc, Some(3));
    let b = run_scenario(&sc, Some(3));
    assert_eq!(a.to_json(), b.to_json());
    let s = &a.strategies[0];
    assert!(
        s.faults.iter().filter(|f| f.random).count() >= 2,
        "{:?}",
        s.faults
    );
    let c = run_scenario(&sc, Some(4));
    assert_ne!(a.to_json(), c.to_json());
}

/// A degraded link: extra latency adds to every message, lost transmissions come back as a
/// retransmission timeout, and a bandwidth cap serialises messages.
#[test]
fn link_degradation_shows_up_as_latency() {
    let base = pair(
        "duration_s = 60\ndrain_s = 10",
        "",
        "",
        40.0,
        r#"
[[workload.clients]]
region = "s"
rate_rps = 100
read_fraction = 0.0
keys = 100
value_bytes = 10000
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
"#,
    );
    let p50 = |fault: &str| {
        run(&format!("{base}{fault}")).strategies[0]
            .latency_ms
            .write
            .p50
            .unwrap()
    };
    let clean = p50("");
    assert_eq!(clean, 82.0);
    let slow = p50("[[faults]]\nkind = \"link-degradation\"\nfrom = \"p\"\nto = \"s\"\nextra_latency = 25.0\nstart_s = 0\n");
    assert_eq!(slow, clean + 50.0, "25 ms each way");
    // Half of all transmissions lost: the median write sees at least one 200 ms retransmit.
    let lossy = r#"[[faults]]
kind = "link-degradation"
from = "p"
to = "s"
loss = 0.5
start_s = 0
"#;
    let r = run(&format!("{base}{lossy}"));
    let w = &r.strategies[0].latency_ms.write;
    assert!(
        w.p50.unwrap() >= clean + 200.0 && w.p99.unwrap() >= clean + 600.0,
        "{w:?}"
    );
    // 1 Mbit/s carries a 10,064-byte write in 80.5 ms; at 100 writes/s the link saturates.
    let narrow = "[[faults]]\nkind = \"link-degradation\"\nfrom = \"s\"\nto = \"p\"\nboth_ways = false\nbandwidth_mbps = 1\nstart_s = 0\n";
    let n = p50(narrow);
    assert!(n > clean + 80.0, "{n}");
}

/// Recovery per client region in the shipped region-outage: the lost region's own clients
/// wait for the reroute (30 s), the survivors wait for failover only; multi-master's
/// survivors never fail at all.
#[test]
fn rto_by_region_separates_rerouting_from_failover() {
    let (sc, _) = load_scenario(&shipped("region-outage.toml")).unwrap();
    let r = run_scenario(&sc, None);
    let rto = |strategy: &str, region: &str| {
        r.strategy(strategy).unwrap().faults[0]
            .rto_by_region
            .iter()
            .find(|x| x.region == region)
            .and_then(|x| x.rto_s)
    };
    for s in ["ap-sync", "ap-async", "raft", "mm"] {
        let lost = rto(s, "us-east-1").expect("the lost region's clients recover");
        assert!((30.0..32.0).contains(&lost), "{s}: {lost}");
    }
    // Active-passive: detection (2 s) + promotion (5 s), within a heartbeat and a retry.
    let ap = rto("ap-async", "us-west-2").unwrap();
    assert!((7.0..9.5).contains(&ap), "{ap}");
    // A Raft election is faster than detection plus a 5 s promotion delay.
    assert!(rto("raft", "us-west-2").unwrap() < ap);
    assert_eq!(rto("mm", "us-west-2"), None);
    assert_eq!(r.strategy("mm").unwrap().faults[0].rto_by_region.len(), 1);
}
