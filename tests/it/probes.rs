//! Probe reads and the exact staleness curve (`consistency.t_visibility_exact`), against
//! independent computations: a hand-computed step for constant latencies, and a Monte Carlo
//! of the PBS WARS model (Bailis et al., VLDB 2012) written here for exponential latencies.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

use crate::common::{run, THREE_REGIONS, TRIANGLE};

/// Five regions at one spot (fibre floor 0): writer `w` (the only client region), replicas
/// `x`, `y`, `z` of a quorum N = 3, R = 1, W = 1, and prober `p`. Every pair has an explicit
/// link: `w` and `p` reach the replicas over `to_x`, `to_y`, `to_z` (one entry per end), and
/// every other pair is 10 s away (callers keep the direct links shortest: no route detours).
fn wars(
    w_links: [&str; 3],
    p_links: [&str; 3],
    rate: f64,
    duration_s: u32,
    probes: &str,
) -> String {
    let mut text = format!(
        r#"name = "probes"
seed = 3
duration_s = {duration_s}
drain_s = 30
[network]
unlinked = "route"
# WARS (the PBS model) draws every message's delay independently: no ordered channels.
fifo = false
"#
    );
    for r in ["w", "x", "y", "z", "p"] {
        text += &format!("[[regions]]\nname = \"{r}\"\nlat = 0.0\nlon = 0.0\nintra_ms = 1.0\n");
    }
    let link = |a: &str, b: &str, lat: &str| {
        format!("[[links]]\nfrom = \"{a}\"\nto = \"{b}\"\nlatency = {lat}\n")
    };
    for (r, lat) in ["x", "y", "z"].iter().zip(w_links) {
        text += &link("w", r, lat);
    }
    for (r, lat) in ["x", "y", "z"].iter().zip(p_links) {
        text += &link("p", r, lat);
    }
    for (a, b) in [("w", "p"), ("x", "y"), ("x", "z"), ("y", "z")] {
        text += &link(a, b, "10000.0");
    }
    text += &format!(
        r#"[[workload.clients]]
region = "w"
rate_rps = {rate}
read_fraction = 0.0
keys = 1000000
[[strategies]]
kind = "quorum"
name = "q"
n = 3
r = 1
w = 1
replicas = ["x", "y", "z"]
[consistency]
{probes}
"#
    );
    text
}

#[test]
fn constant_latencies_give_the_hand_computed_step() {
    // A write reaching w's servers at s goes to x, y, z (80, 10, 30 ms away; no detour is
    // shorter, e.g. w-y-p-x is 85 ms); W = 1 commits on y's ack at s + 20. A probe from p at
    // s + 20 + t asks all three; x (5 ms from p, against 70 for y and z) answers first, with the write iff it has it when the read
    // arrives: s + 80 <= s + 20 + t + 5, i.e. t >= 55 ms. Later writes reach x later still.
    let delays = [0u64, 20, 50, 54, 56, 60, 100, 1000];
    let list: Vec<String> = delays.iter().map(|d| d.to_string()).collect();
    let probes = format!(
        "probes_ms = [{}]\nprobe_every = 1\nprobe_from = \"p\"",
        list.join(", ")
    );
    let text = wars(
        ["80.0", "10.0", "30.0"],
        ["5.0", "70.0", "70.0"],
        20.0,
        20,
        &probes,
    );
    let report = run(&text);
    let s = &report.strategies[0];
    let writes = s.ops.writes;
    assert!(writes > 300, "{writes}");
    assert_eq!(s.ops.failed, 0);
    let curve = s
        .consistency
        .t_visibility_exact
        .as_ref()
        .expect("probes configured");
    assert_eq!(curve.len(), delays.len());
    for (pt, &t) in curve.iter().zip(&delays) {
        assert_eq!(pt.t_ms, t);
        // Every write is probed once per delay, and every probe answered.
        assert_eq!((pt.probes, pt.failed), (writes, 0), "t = {t}");
        let want = if t >= 55 { 1.0 } else { 0.0 };
        assert_eq!(pt.p_consistent, Some(want), "t = {t}");
    }
    // Probes are not client operations: no read was issued, completed or judged.
    assert_eq!(s.ops.reads, 0);
    assert_eq!(s.latency_ms.read.count, 0);
    assert_eq!(s.consistency.stale_reads, 0);
    assert!(s.consistency.t_visibility.iter().all(|v| v.reads == 0));

    // Every third write, in issue order: floor(writes / 3) probes per delay.
    let probes = "probes_ms = [0, 100]\nprobe_every = 3\nprobe_from = \"p\"";
    let text = wars(
        ["80.0", "10.0", "30.0"],
        ["5.0", "70.0", "70.0"],
        20.0,
        20,
        probes,
    );
    let s = &run(&text).strategies[0];
    let curve = s.consistency.t_visibility_exact.as_ref().unwrap();
    assert_eq!(curve[0].probes, s.ops.writes / 3);
    assert_eq!(curve[1].p_consistent, Some(1.0));
}

#[test]
fn a_write_answered_from_another_region_is_probed_from_its_commit() {
    // Writes only, all from b, to strategies that run them at a (the primary, the home, the
    // one shift) and answer b over the 20 ms link: a write committed at a at s reaches b's
    // copy at s + 20 ms, on the same ordered channel as its answer. A probe read at b is
    // consistent exactly from t = 20 ms after the commit (the copy is delivered before a
    // probe due at the same instant, scheduled later); counting from the answer's arrival
    // at b instead would give 1 at every delay.
    let text = format!(
        r#"name = "forwarded"
seed = 5
duration_s = 30
drain_s = 5
{TRIANGLE}[[workload.clients]]
region = "b"
rate_rps = 50
read_fraction = 0.0
keys = 1000000
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "a"
[[strategies]]
kind = "active-active"
name = "aa"
homes = [{{ region = "a", share = 1 }}]
[[strategies]]
kind = "follow-the-sun"
name = "fts"
shifts = [{{ region = "a", start_utc_h = 0 }}]
[consistency]
probes_ms = [0, 1, 19, 20, 21, 100]
probe_every = 2
probe_from = "b"
"#
    );
    let report = run(&text);
    for s in &report.strategies {
        let curve = s.consistency.t_visibility_exact.as_ref().unwrap();
        for pt in curve {
            assert_eq!(pt.failed, 0, "{} t = {}", s.name, pt.t_ms);
            assert_eq!(pt.probes, s.ops.writes / 2, "{} t = {}", s.name, pt.t_ms);
            let want = if pt.t_ms >= 20 { 1.0 } else { 0.0 };
            assert_eq!(pt.p_consistent, Some(want), "{} t = {}", s.name, pt.t_ms);
        }
    }
}

/// P(consistent) of the WARS model for N = 3, R = W = 1, every one-way delay exponential
/// (mean `w_ms` between writer and replicas, `r_ms` between reader and replicas), a read
/// starting `t_ms` after the write commits: the first replica to answer the read must have
/// received the write by the time the read reached it.
fn wars_monte_carlo(w_ms: f64, r_ms: f64, t_ms: f64, trials: u32) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(0x9B5);
    let (w, r) = (Exp::new(1.0 / w_ms).unwrap(), Exp::new(1.0 / r_ms).unwrap());
    let mut ok = 0u32;
    for _ in 0..trials {
        let wr: [f64; 3] = std::array::from_fn(|_| w.sample(&mut rng));
        let commit = (0..3)
            .map(|i| wr[i] + w.sample(&mut rng))
            .fold(f64::INFINITY, f64::min);
        let (mut first, mut answer) = (0, f64::INFINITY);
        let mut reach = [0.0; 3];
        for (i, at) in reach.iter_mut().enumerate() {
            *at = r.sample(&mut rng);
            let back = *at + r.sample(&mut rng);
            if back < answer {
                (first, answer) = (i, back);
            }
        }
        if wr[first] <= commit + t_ms + reach[first] {
            ok += 1;
        }
    }
    ok as f64 / trials as f64
}

#[test]
fn exponential_latencies_match_a_wars_monte_carlo() {
    let (w_ms, r_ms) = (20.0, 5.0);
    let delays = [0u64, 2, 5, 10, 20, 50];
    let list: Vec<String> = delays.iter().map(|d| d.to_string()).collect();
    let probes = format!(
        "probes_ms = [{}]\nprobe_every = 1\nprobe_from = \"p\"",
        list.join(", ")
    );
    let wl = format!("{{ dist = \"exponential\", mean_ms = {w_ms} }}");
    let rl = format!("{{ dist = \"exponential\", mean_ms = {r_ms} }}");
    let text = wars([&wl, &wl, &wl], [&rl, &rl, &rl], 50.0, 80, &probes);
    let s = &run(&text).strategies[0];
    let curve = s.consistency.t_visibility_exact.as_ref().unwrap();
    let trials = 200_000;
    let mut last = 0.0;
    for (pt, &t) in curve.iter().zip(&delays) {
        let n = pt.probes as f64;
        assert!(n > 3500.0, "{n}");
        let got = pt.p_consistent.unwrap();
        let want = wars_monte_carlo(w_ms, r_ms, t as f64, trials);
        // Both are binomial estimates: 5 standard errors of their difference.
        let var = want * (1.0 - want) * (1.0 / n + 1.0 / trials as f64);
        let bound = 5.0 * var.sqrt() + 1e-3;
        assert!(
            (got - want).abs() <= bound,
            "t = {t} ms: geosim {got}, WARS Monte Carlo {want} (bound {bound})"
        );
        assert!(got >= last - bound, "the curve falls at t = {t}");
        last = got;
    }
    // The curve is not trivial: about 0.67 at 0 ms, 0.97 at 50 ms.
    assert!(curve[0].p_consistent.unwrap() < 0.8);
    assert!(curve[5].p_consistent.unwrap() > 0.95);
}

#[test]
fn probes_are_off_by_default_and_leave_the_client_workload_alone() {
    let base = wars(
        ["80.0", "10.0", "30.0"],
        ["5.0", "70.0", "70.0"],
        20.0,
        10,
        "",
    );
    let off = run(&base);
    assert_eq!(off.strategies[0].consistency.t_visibility_exact, None);
    // Probes from each client region in turn (only w here), every 2nd write.
    let on = run(&base.replace(
        "[consistency]\n",
        "[consistency]\nprobes_ms = [0, 10]\nprobe_every = 2\n",
    ));
    let (a, b) = (&off.strategies[0], &on.strategies[0]);
    assert_eq!(a.ops, b.ops);
    assert_eq!(a.latency_ms, b.latency_ms);
    assert_eq!(a.availability, b.availability);
    let curve = b.consistency.t_visibility_exact.as_ref().unwrap();
    assert_eq!(curve[0].probes, b.ops.writes / 2);
    // Read at w, whose clients' coordinator is w: the answer is the first of x (80 ms), y
    // (10 ms) and z (30 ms) to answer, y, which acknowledged the write itself.
    assert_eq!(curve[0].p_consistent, Some(1.0));
}

#[test]
fn probes_do_not_change_the_client_operations_on_random_links() {
    // Derived (random: the lognormal variation, said here rather than left to the default)
    // WAN and access latencies, three client regions, every 5th write probed from each
    // client region in turn: the client operations issued are the same draws.
    let text = format!(
        "name = \"mm\"\nseed = 9\nduration_s = 20\n[network]\nvariation = \"lognormal\"\n{THREE_REGIONS}\n\
         [[workload.clients]]\nregion = \"us-east-1\"\nrate_rps = 40\nread_fraction = 0.5\nkeys = 50\n\
         [[workload.clients]]\nregion = \"eu-west-1\"\nrate_rps = 40\nread_fraction = 0.5\nkeys = 50\n\
         [[workload.clients]]\nregion = \"ap-northeast-1\"\nrate_rps = 40\nread_fraction = 0.5\nkeys = 50\n\
         [[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\n"
    );
    let off = run(&text);
    let on = run(&format!(
        "{text}[consistency]\nprobes_ms = [0, 50, 500]\nprobe_every = 5\n"
    ));
    let (a, b) = (&off.strategies[0], &on.strategies[0]);
    assert_eq!(a.ops, b.ops);
    let counts = |s: &geosim::report::StrategyReport| -> Vec<(u64, u64)> {
        s.per_region
            .iter()
            .map(|r| (r.latency_ms.read.count, r.latency_ms.write.count))
            .collect()
    };
    assert_eq!(counts(a), counts(b));
    assert_eq!(a.availability, b.availability);
    let curve = b.consistency.t_visibility_exact.as_ref().unwrap();
    for pt in curve {
        assert_eq!(pt.probes + pt.failed, b.ops.writes / 5, "t = {}", pt.t_ms);
    }
    // Multi-master replicates every write everywhere within ~half a second at most.
    assert_eq!(curve[2].p_consistent, Some(1.0));
    assert!(curve[0].p_consistent.unwrap() < 1.0);
}
