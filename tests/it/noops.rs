//! No silent no-ops (issue 11, items 6 and 7): settings that change nothing are rejected or
//! listed in the report's `warnings`; `recover = "empty"` costs multi-master its unreplicated
//! writes; `version-vector` and `crdt` count what they do with concurrent writes. Each figure
//! is compared with a closed form, a hand count or a small Monte Carlo written here.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

use crate::common::{geosim, pair, run, run_scenario, scenario, THREE_REGIONS};

/// `(field, strategy, message)` of every warning of a run.
pub(crate) fn warnings(r: &geosim::report::Report) -> Vec<(String, Option<String>, String)> {
    r.warnings
        .iter()
        .map(|w| (w.field.clone(), w.strategy.clone(), w.message.clone()))
        .collect()
}

pub(crate) fn three(head: &str, rest: &str) -> String {
    format!("{head}\n{THREE_REGIONS}\n{rest}")
}

pub(crate) const LOAD: &str = r#"
[[workload.clients]]
region = "us-east-1"
rate_rps = 20
read_fraction = 0.5
keys = 100
"#;

#[test]
fn a_fault_in_the_drain_is_a_warning_and_a_clean_run_has_none() {
    let text = three(
        "duration_s = 20\ndrain_s = 30",
        &format!(
            r#"{LOAD}
[[strategies]]
kind = "multi-master"
name = "mm"
[[faults]]
kind = "region-outage"
region = "eu-west-1"
start_s = 5
duration_s = 2
[[faults]]
kind = "region-outage"
region = "eu-west-1"
start_s = 25
duration_s = 2
"#
        ),
    );
    let r = run(&text);
    let w = warnings(&r);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "faults[1].start_s");
    assert_eq!(w[0].1, None);
    assert!(w[0].2.contains("starts at 25 s"), "{}", w[0].2);
    assert!(w[0].2.contains("duration_s = 20 s"), "{}", w[0].2);
    assert!(w[0].2.contains("the run ends at 50 s"), "{}", w[0].2);
    // Without the late fault: no warning, and the list is there, empty.
    let clean = text.replace("start_s = 25", "start_s = 15");
    let r = run(&clean);
    assert!(r.warnings.is_empty());
    assert!(r.to_json().contains("\"warnings\": []"));
}

/// Every case of a setting without effect that validation can see, in one scenario: the
/// warnings come out once each, in scenario order, and only for the strategies they concern.
#[test]
fn settings_without_effect_are_listed_in_scenario_order() {
    let text = three(
        "duration_s = 10\ndrain_s = 5",
        r#"
[clients]
reroute_after_s = 10
[[workload.clients]]
region = "us-east-1"
rate_rps = 20
read_fraction = 0.5
keys = 100
[[workload.clients]]
region = "eu-west-1"
rate_rps = 20
read_fraction = 0.5
keys = 100
key_offset = 100
[[strategies]]
kind = "multi-master"
name = "mm"
resolution = "version-vector"
residency = "enforce"
[[strategies]]
kind = "consensus"
name = "raft"
leader = "us-east-1"
members = ["us-east-1", "eu-west-1"]
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "us-east-1"
[[faults]]
kind = "clock-skew"
region = "us-east-1"
offset_ms = 100
start_s = 1
[[faults]]
kind = "partition"
a = ["ap-northeast-1"]
b = ["us-east-1"]
start_s = 2
duration_s = 1
"#,
    );
    let sc = scenario(&text);
    let got: Vec<(String, Option<usize>)> = sc
        .warnings
        .iter()
        .map(|w| (w.field.clone(), w.strategy))
        .collect();
    let want: Vec<(String, Option<usize>)> = vec![
        // The clock skew: neither consensus nor active-passive reads a wall clock.
        ("faults[0]".into(), Some(1)),
        ("faults[0]".into(), Some(2)),
        // The partition cuts off ap-northeast-1: no clients there, not a raft member.
        ("faults[1]".into(), Some(1)),
        // No region outage: nobody reroutes.
        ("clients.reroute_after_s".into(), None),
        // No data classes: nothing to enforce; the two regions write disjoint keys.
        ("strategies[0].residency".into(), Some(0)),
        ("strategies[0].resolution".into(), Some(0)),
    ];
    assert_eq!(got, want, "{:#?}", sc.warnings);
    assert!(sc.warnings[0].message.contains("never reads a wall clock"));
    assert!(sc.warnings[2].message.contains("one side"));
    // The report names the strategies; `--strategy` keeps only what concerns the ones run.
    let r = run_scenario(&sc, None);
    let w = warnings(&r);
    assert_eq!(w.len(), 6);
    assert_eq!(w[0].1.as_deref(), Some("raft"));
    assert_eq!(w[1].1.as_deref(), Some("ap"));
    let info = geosim::report::ScenarioInfo {
        name: sc.name.clone(),
        path: "test.toml".into(),
        sha256: String::new(),
    };
    let only = geosim::simulate(&sc, info, None, &["ap".to_string()]).unwrap();
    let fields: Vec<&str> = only.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(fields, ["faults[0]", "clients.reroute_after_s"]);
    // Deterministic: the same list again.
    assert_eq!(scenario(&text).warnings, sc.warnings);
}

/// Failover settings in a run without faults, and a circuit breaker without capacities.
#[test]
fn failover_settings_without_faults_are_warnings() {
    let text = three(
        "duration_s = 10\ndrain_s = 5",
        &format!(
            r#"{LOAD}
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "us-east-1"
split_brain = "fencing"
promotion_delay_s = 2
failback = "auto"
[[strategies]]
kind = "consensus"
name = "raft"
leader = "us-east-1"
election_timeout_ms = [150, 300]
failback = "auto"
[[strategies]]
kind = "quorum"
name = "q"
n = 2
r = 1
w = 2
sloppy = true
"#
        ),
    );
    let sc = scenario(&text);
    let got: Vec<&str> = sc.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(
        got,
        [
            "strategies[0].split_brain",
            "strategies[0].promotion_delay_s",
            "strategies[0].failback",
            "strategies[1].election_timeout_ms",
            "strategies[1].failback",
            "strategies[2].sloppy",
        ]
    );
    // With a fault, the failover settings matter: no warning remains.
    let faulty = format!(
        "{text}[[faults]]\nkind = \"region-outage\"\nregion = \"us-east-1\"\nstart_s = 2\nduration_s = 2\n"
    );
    let got: Vec<String> = scenario(&faulty)
        .warnings
        .into_iter()
        .map(|w| w.field)
        .collect();
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn a_fault_that_touches_nothing_anywhere_is_one_warning() {
    let text = three(
        "duration_s = 10\ndrain_s = 5",
        &format!(
            r#"{LOAD}
[[strategies]]
kind = "consensus"
name = "a"
leader = "us-east-1"
members = ["us-east-1", "eu-west-1"]
[[strategies]]
kind = "consensus"
name = "b"
leader = "eu-west-1"
members = ["us-east-1", "eu-west-1"]
[[faults]]
kind = "region-outage"
region = "ap-northeast-1"
start_s = 2
duration_s = 3
"#
        ),
    );
    let sc = scenario(&text);
    assert_eq!(sc.warnings.len(), 1, "{:?}", sc.warnings);
    let w = &sc.warnings[0];
    assert_eq!((w.field.as_str(), w.strategy), ("faults[0]", None));
    assert!(
        w.message.contains("no effect on any strategy"),
        "{}",
        w.message
    );
    assert!(w.message.contains("ap-northeast-1"), "{}", w.message);
}

#[test]
fn empty_recovery_of_a_cache_region_is_a_warning_but_of_the_origin_is_not() {
    let body = |region: &str| {
        three(
            "duration_s = 10\ndrain_s = 5",
            &format!(
                r#"{LOAD}
[[strategies]]
kind = "edge-cache"
name = "ec"
origin = "us-east-1"
[[faults]]
kind = "region-outage"
region = "{region}"
recover = "empty"
start_s = 2
duration_s = 3
"#
            ),
        )
    };
    let sc = scenario(&body("eu-west-1"));
    assert_eq!(sc.warnings.len(), 1, "{:?}", sc.warnings);
    assert_eq!(sc.warnings[0].field, "faults[0].recover");
    assert!(sc.warnings[0].message.contains("cache"));
    assert!(scenario(&body("us-east-1")).warnings.is_empty());
}

#[test]
fn random_faults_that_cannot_or_did_not_happen_are_warnings() {
    let text = |rf: &str| {
        three(
            "duration_s = 30\ndrain_s = 5",
            &format!(
                "{LOAD}\n[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n[random_faults]\n{rf}\n"
            ),
        )
    };
    // Neither generator is on: a warning at validation, nothing drawn.
    let r = run(&text("recover = \"empty\""));
    let fields: Vec<String> = warnings(&r).into_iter().map(|w| w.0).collect();
    assert_eq!(fields, ["random_faults", "random_faults.recover"]);
    // A mean time between failures of ten years in a 30 s run: the draw is empty (the first
    // outage of a region comes after an exponential wait: P(before 30 s) = 1e-7 per region).
    let r = run(&text("region_mtbf_s = 3.15e8"));
    assert!(r.strategies[0].faults.is_empty());
    let w = warnings(&r);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "random_faults");
    assert!(w[0].2.contains("fault-free"), "{}", w[0].2);
    // Frequent random faults start only while clients issue operations.
    let r = run(&text(
        "region_mtbf_s = 5\nregion_mttr_s = 1\nlink_mtbf_s = 5\nlink_mttr_s = 1",
    ));
    let f = &r.strategies[0].faults;
    assert!(f.len() > 20, "{}", f.len());
    assert!(f.iter().all(|f| f.start_s < 30.0), "{f:?}");
    assert!(r.warnings.is_empty());
}

#[test]
fn geosim_run_prints_the_warnings_under_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("late.toml");
    let text = three(
        "name = \"late\"\nduration_s = 10\ndrain_s = 30",
        &format!(
            "{LOAD}\n[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n[[faults]]\nkind = \"partition\"\na = [\"us-east-1\"]\nb = [\"eu-west-1\"]\nstart_s = 12\n"
        ),
    );
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let o = geosim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-charts",
    ]);
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    let cost = stdout.find("cost over").expect("cost table");
    let warn = stdout
        .find("warnings: 1 setting(s) to check")
        .expect(&stdout);
    assert!(warn > cost, "{stdout}");
    assert!(
        stdout.contains("- faults[0].start_s: starts at 12 s"),
        "{stdout}"
    );
    let o = geosim(&["validate", file.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("warning: faults[0].start_s: starts at 12 s")
    );
}

// ----- multi-master: recover = "empty" -----

/// Writes at `p` only (`rate` per s, 1,000 keys), reads at `s`; 20 outages of `p`, 2 s each,
/// 9 s apart, with `recover`; constant 50 ms link.
fn outages(recover: &str, rate: f64) -> String {
    let mut faults = String::new();
    for i in 0..20 {
        faults.push_str(&format!(
            "[[faults]]\nkind = \"region-outage\"\nregion = \"p\"\nrecover = \"{recover}\"\nstart_s = {}\nduration_s = 2\n",
            10 + 9 * i
        ));
    }
    pair(
        "duration_s = 200\ndrain_s = 20",
        "",
        "",
        50.0,
        &format!(
            r#"[[workload.clients]]
region = "p"
rate_rps = {rate}
read_fraction = 0.0
keys = 1000
value_bytes = 100
[[workload.clients]]
region = "s"
rate_rps = 50
read_fraction = 1.0
keys = 1000
[[strategies]]
kind = "multi-master"
name = "mm"
{faults}"#
        ),
    )
}

/// A region that comes back empty loses exactly the writes whose replication was still on the
/// wire when it went down: with a constant one-way delay d, those acknowledged in the last d
/// before the outage. Writes are Poisson(lambda), so each outage loses Poisson(lambda d):
/// over 20 outages and 3 seeds the total is Poisson with mean 60 lambda d (here 300, sd 17).
/// A durable recovery loses nothing.
#[test]
fn multi_master_empty_recovery_loses_the_writes_still_on_the_wire() {
    let (rate, d) = (100.0, 0.050);
    let empty = scenario(&outages("empty", rate));
    let durable = scenario(&outages("durable", rate));
    let mut lost = 0;
    for seed in 1..=3 {
        let r = run_scenario(&empty, Some(seed));
        let mm = &r.strategies[0];
        assert_eq!(mm.faults.len(), 20);
        let per_fault: u64 = mm.faults.iter().map(|f| f.lost_writes.unwrap()).sum();
        assert_eq!(mm.rpo.as_ref().unwrap().lost_writes, per_fault);
        // Every lost write was acknowledged within d before its outage.
        for f in &mm.faults {
            assert!(f.lost_span_s.unwrap() <= d, "{f:?}");
        }
        assert!(mm.rpo.as_ref().unwrap().max_span_s <= d);
        lost += mm.rpo.as_ref().unwrap().lost_writes;
        let r = run_scenario(&durable, Some(seed));
        assert_eq!(r.strategies[0].rpo.as_ref().unwrap().lost_writes, 0);
    }
    let mean = 60.0 * rate * d;
    assert!(
        (lost as f64 - mean).abs() < 4.0 * mean.sqrt(),
        "lost {lost}, expected {mean}"
    );
}

/// A region back from a 2 s outage (shorter than the detector's 3 s: `s` never suspects it)
/// catches up the same way whether it kept its store or not: it asks `s` for a snapshot (one
/// 64-byte request; the answer, 64 + (16 + 4 x 2) bytes per key `s` holds, is the same in
/// both runs, which do not differ before it), and the writes `s` sent into the outage leave a
/// gap covered by that request. So the WAN bytes are equal: `s`'s writes (64 + 100 + 8 each),
/// the request and one snapshot. (The durable region used to ask nothing: the empty run cost
/// exactly one request and one snapshot more.) Afterwards both stores hold the replicated
/// writes: reads of keys written before the outage are not stale.
#[test]
fn multi_master_empty_region_catches_up_from_a_snapshot() {
    // Writes at `s`, reads at `p`: p's store is what an empty recovery wipes.
    let text = |recover: &str| {
        pair(
            "duration_s = 120\ndrain_s = 20\n[clients]\nreroute_after_s = 0.5",
            "",
            "",
            50.0,
            &format!(
                r#"[[workload.clients]]
region = "s"
rate_rps = 50
read_fraction = 0.0
keys = 1000
zipf = 0.0
value_bytes = 100
[[workload.clients]]
region = "p"
rate_rps = 100
read_fraction = 1.0
keys = 1000
zipf = 0.0
[[strategies]]
kind = "multi-master"
name = "mm"
[[faults]]
kind = "region-outage"
region = "p"
recover = "{recover}"
start_s = 60
duration_s = 2
"#
            ),
        )
    };
    let e = run(&text("empty"));
    let d = run(&text("durable"));
    let (e, d) = (&e.strategies[0], &d.strategies[0]);
    assert_eq!(e.wan_bytes, d.wan_bytes);
    let snapshot = e.wan_bytes - e.ops.writes * (64 + 100 + 8) - 64;
    assert_eq!((snapshot - 64) % (16 + 4 * 2), 0, "{snapshot}");
    // Most of the 1,000 keys: 3,000 writes before the outage.
    assert!(
        (64 + 900 * 24..=64 + 1000 * 24).contains(&snapshot),
        "{snapshot}"
    );
    // p never accepted a write: nothing of its own to lose.
    assert_eq!(e.rpo.as_ref().unwrap().lost_writes, 0);
    // After the snapshot p serves what s replicated: its stale reads are those of the normal
    // replication window (a read within 50 ms of a write to the same one of 1,000 keys,
    // about 0.25 %) plus, for the empty store, at most the reads of the one round trip before
    // the snapshot lands (100 ms of 100 reads/s). Without the catch-up, a read at p of a key
    // s had written before the outage and not since would be stale: most keys, for the rest
    // of the run.
    let d_stale = d.consistency.stale_reads;
    assert!(
        d_stale <= e.consistency.stale_reads && e.consistency.stale_reads <= d_stale + 10,
        "empty {} vs durable {d_stale}",
        e.consistency.stale_reads
    );
    assert!(
        e.consistency.stale_read_rate.unwrap() < 0.01,
        "{:?}",
        e.consistency
    );
}

#[test]
fn multi_master_single_region_loses_everything_when_it_comes_back_empty() {
    let text = r#"
duration_s = 20
drain_s = 5
[[regions]]
name = "only"
lat = 0
lon = 0
intra_ms = 0
[[workload.clients]]
region = "only"
rate_rps = 100
read_fraction = 0.0
keys = 10
[[strategies]]
kind = "multi-master"
name = "mm"
[[faults]]
kind = "region-outage"
region = "only"
recover = "empty"
start_s = 10
duration_s = 1
"#;
    let r = run(text);
    let mm = &r.strategies[0];
    // Every write acknowledged before the outage: the writes that succeeded with an issue
    // time in the first 10 s (timeline buckets of 1 s; the access latency is 0).
    let before: u64 = mm.timeline.succeeded[..10].iter().sum();
    assert_eq!(mm.rpo.as_ref().unwrap().lost_writes, before);
    assert!(before > 900, "{before}");
}

// ----- multi-master: what version-vector and crdt do with concurrent writes -----

/// Two regions writing one key, Poisson writes at `lw` per s each, reads at `lr` per s each,
/// constant one-way delay `d_ms`.
fn contended(resolution: &str, duration_s: u32, lw: f64, lr: f64, d_ms: f64) -> String {
    let group = |region: &str| {
        format!(
            "[[workload.clients]]\nregion = \"{region}\"\nrate_rps = {}\nread_fraction = {}\nkeys = 1\n",
            lw + lr,
            lr / (lw + lr)
        )
    };
    pair(
        &format!("duration_s = {duration_s}\ndrain_s = 5"),
        "",
        "",
        d_ms,
        &format!(
            "{}{}[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\nresolution = \"{resolution}\"\n",
            group("p"),
            group("s")
        ),
    )
}

/// Monte Carlo of the two-region, one-key protocol written from its definition (not from
/// geosim): each region's writes are Poisson(lw), its reads Poisson(lr); a write made at t
/// reaches the other region at t + d and is concurrent there iff that region wrote in
/// [t - d, t + d) (it had not seen the other's write, and its own were unknown to it); a
/// concurrent arrival leaves siblings, which the region's next local write or next
/// non-concurrent arrival resolves. Returns (concurrent arrivals, reads that found siblings)
/// per second.
fn monte_carlo(lw: f64, lr: f64, d: f64, horizon: f64, seed: u64) -> (f64, f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut poisson = |rate: f64| {
        let exp = Exp::new(rate).unwrap();
        let mut t = 0.0;
        let mut out = Vec::new();
        loop {
            t += exp.sample(&mut rng);
            if t >= horizon {
                return out;
            }
            out.push(t);
        }
    };
    let writes = [poisson(lw), poisson(lw)];
    let reads = [poisson(lr), poisson(lr)];
    let (mut concurrent, mut sibling_reads) = (0u64, 0u64);
    for x in 0..2 {
        let own = &writes[x];
        let other = &writes[1 - x];
        // Events at x: 0 = own write, 1 = arrival of the other's write (sent at `t0`), 2 = read.
        let mut ev: Vec<(f64, u8, f64)> = own.iter().map(|&t| (t, 0, t)).collect();
        ev.extend(other.iter().map(|&t| (t + d, 1, t)));
        ev.extend(reads[x].iter().map(|&t| (t, 2, t)));
        ev.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut open = false;
        for (_, kind, t0) in ev {
            match kind {
                0 => open = false,
                1 => {
                    let lo = own.partition_point(|&w| w < t0 - d);
                    let hi = own.partition_point(|&w| w < t0 + d);
                    open = hi > lo;
                    concurrent += (hi > lo) as u64;
                }
                _ => sibling_reads += open as u64,
            }
        }
    }
    (concurrent as f64 / horizon, sibling_reads as f64 / horizon)
}

/// `version-vector` and `crdt` count what they do with concurrent writes, against the closed
/// form for Poisson writes: a write of one region is concurrent at the other with probability
/// 1 - exp(-2 lw d) (the other wrote within d either side), so the expected concurrent
/// arrivals are 2 lw T (1 - exp(-2 lw d)); siblings (version-vector) and merges (crdt) both
/// count them, and reads that found siblings are compared with the Monte Carlo above. `lww`
/// has neither figure (null, not 0).
#[test]
fn version_vector_siblings_and_crdt_merges_match_the_closed_form() {
    let (lw, lr, d, t) = (20.0, 20.0, 0.020, 300u32);
    let expected = 2.0 * lw * t as f64 * (1.0 - (-2.0 * lw * d).exp());
    let figure = |res: &str, name: &str| -> f64 {
        let r = run(&contended(res, t, lw, lr, d * 1e3));
        r.strategies[0].extra.get(name).copied().unwrap_or(f64::NAN)
    };
    let siblings = figure("version-vector", "siblings");
    let merges = figure("crdt", "merges");
    let sibling_reads = figure("version-vector", "sibling_reads");
    assert_eq!(
        siblings, merges,
        "the same concurrent arrivals, kept or merged"
    );
    assert!(
        (siblings / expected - 1.0).abs() < 0.06,
        "siblings {siblings}, closed form {expected}"
    );
    let (mc_conc, mc_reads) = monte_carlo(lw, lr, d, 20_000.0, 7);
    assert!(
        (mc_conc * t as f64 / expected - 1.0).abs() < 0.02,
        "the Monte Carlo agrees with the closed form"
    );
    let mc_reads = mc_reads * t as f64;
    assert!(
        (sibling_reads / mc_reads - 1.0).abs() < 0.10,
        "sibling reads {sibling_reads}, Monte Carlo {mc_reads}"
    );
    assert!(sibling_reads > 100.0);
    // LWW: neither figure applies.
    let r = run(&contended("lww", 20, lw, lr, d * 1e3));
    assert!(
        r.strategies[0].extra.is_empty(),
        "{:?}",
        r.strategies[0].extra
    );
    // One writing region: nothing is concurrent, and validation says resolution is moot.
    let one = contended("crdt", 20, lw, lr, d * 1e3).replacen(
        &format!("read_fraction = {}", lr / (lw + lr)),
        "read_fraction = 1",
        1,
    );
    let sc = scenario(&one);
    assert_eq!(sc.warnings.len(), 1);
    assert_eq!(sc.warnings[0].field, "strategies[0].resolution");
    let r = run_scenario(&sc, None);
    assert_eq!(r.strategies[0].extra.get("merges"), Some(&0.0));
}
