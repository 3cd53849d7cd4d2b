//! Tests of `quorum`: overlapping and sloppy quorums, replica outages with and without
//! hinted handoff, answers lost to a partition. Whole runs through `sim::run_strategy`.

use crate::metrics::{RunMetrics, VISIBILITY_AGES_MS};
use crate::scenario::{self, Format, Scenario};
use crate::sim::run_strategy;
use crate::strategy::tests::extra;
use crate::topology::RegionId;
use std::path::Path;

/// Three replica regions on three continents and a fourth region that only coordinates.
const REGIONS: &str = r#"
[[regions]]
name = "us-east-1"
lat = 39.0458
lon = -77.4874
[[regions]]
name = "eu-west-1"
lat = 53.3498
lon = -6.2603
[[regions]]
name = "ap-northeast-1"
lat = 35.6762
lon = 139.6503
[[regions]]
name = "sa-east-1"
lat = -23.5505
lon = -46.6333
"#;

fn scenario(text: &str) -> Scenario {
    scenario::from_str(text, Format::Toml, Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn clients(regions: &[&str], rate: f64, read_fraction: f64, keys: u64) -> String {
    regions
        .iter()
        .map(|r| {
            format!(
                "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\n\
                 read_fraction = {read_fraction}\nkeys = {keys}\n"
            )
        })
        .collect()
}

fn quorum(name: &str, n: usize, r: usize, w: usize, repair: bool, replicas: &str) -> String {
    format!(
        "[[strategies]]\nkind = \"quorum\"\nname = \"{name}\"\nn = {n}\nr = {r}\nw = {w}\n\
         read_repair = {repair}\n{replicas}\n"
    )
}

/// The `w`-th smallest median round trip from `from` to `replicas`.
fn wth_rtt(sc: &Scenario, from: RegionId, replicas: &[RegionId], w: usize) -> f64 {
    let mut rtts: Vec<f64> = replicas
        .iter()
        .map(|&r| sc.topology.median_rtt_ms(from, r))
        .collect();
    rtts.sort_by(f64::total_cmp);
    rtts[w - 1]
}

/// Contended keys, reads and writes from four regions (one not a replica).
#[test]
fn overlapping_quorums_are_never_stale() {
    let regions = ["us-east-1", "eu-west-1", "ap-northeast-1", "sa-east-1"];
    let reps = "replicas = [\"us-east-1\", \"eu-west-1\", \"ap-northeast-1\"]";
    let text = format!(
        "duration_s = 4\ndrain_s = 2\n[network]\nvariation = \"constant\"\n{REGIONS}\n{}{}{}{}{}",
        clients(&regions, 250.0, 0.6, 5),
        quorum("r2w2", 3, 2, 2, false, reps),
        quorum("r2w2-repair", 3, 2, 2, true, reps),
        quorum("r1w3", 3, 1, 3, false, reps),
        quorum("r1w1", 3, 1, 1, true, reps),
    );
    let sc = scenario(&text);
    let replicas: [RegionId; 3] = [0, 1, 2];
    for (i, (w, consistent)) in [(2, true), (2, true), (3, true), (1, false)]
        .into_iter()
        .enumerate()
    {
        let m = run_strategy(&sc, i, 5);
        let name = &sc.strategies[i].name;
        assert!(m.reads > 2000 && m.writes > 1500, "{name}");
        assert_eq!(m.failed, 0, "{name}");
        assert_eq!(m.conflicts + m.lost_updates, 0, "{name}");
        // Every replica records every write once, but the coordinator's own (a write from
        // a replica's region: the acknowledging one, docs/metrics.md).
        let own: u64 = replicas
            .iter()
            .map(|&r| m.per_region[r as usize][1].count())
            .sum();
        assert!(own > 0 && own < m.write.count(), "{name}");
        assert_eq!(m.lag.count(), 3 * m.write.count() - own, "{name}");
        if consistent {
            assert_eq!(m.stale_reads, 0, "{name}");
        } else {
            assert!(m.stale_reads > 0, "{name}");
            assert!(extra(&m, "read_repairs") > 0.0, "{name}");
        }
        for from in 0..regions.len() {
            let p50 = m.per_region[from][1].quantile_ms(0.5);
            let floor = wth_rtt(&sc, from as RegionId, &replicas, w);
            assert!(
                p50 >= floor,
                "{name} from {from}: write p50 {p50} < {floor}"
            );
            // ... and not much more on constant links (two access hops of 1.5 ms).
            assert!(
                p50 <= floor + 3.5,
                "{name} from {from}: write p50 {p50} vs {floor}"
            );
        }
    }
}

/// N = 3, R = W = 1 on exponential links: stale reads, less likely the older the write.
#[test]
fn sloppy_quorums_become_consistent_with_age() {
    // Independent message delays, as in the PBS model: unordered links.
    let mut text = String::from("duration_s = 10\ndrain_s = 2\n[network]\nfifo = false\n");
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        text.push_str(&format!(
            "[[regions]]\nname = \"{name}\"\nlat = 50.0\nlon = {}\n",
            8.0 + i as f64 * 0.5
        ));
    }
    for (a, b) in [("a", "b"), ("a", "c"), ("b", "c")] {
        text.push_str(&format!(
            "[[links]]\nfrom = \"{a}\"\nto = \"{b}\"\n\
             latency = {{ dist = \"exponential\", mean_ms = 20 }}\n"
        ));
    }
    text.push_str(&format!(
        "{}\n{}",
        clients(&["a", "b", "c"], 400.0, 0.7, 100),
        quorum("r1w1", 3, 1, 1, false, "")
    ));
    let sc = scenario(&text);
    let m = run_strategy(&sc, 0, 9);
    assert_eq!(m.failed, 0);
    assert!(m.stale_reads > 100, "{}", m.stale_reads);
    // Without read repair its figure does not apply: left out, not 0.
    assert!(m.extra.iter().all(|e| e.0 != "read_repairs"));
    let mut last = 0.0;
    let mut by_200 = None;
    for (b, &[reads, ok]) in m.visibility.iter().enumerate() {
        if reads < 200 {
            continue;
        }
        let share = ok as f64 / reads as f64;
        assert!(
            share >= last - 0.01,
            "bucket {} ms: {share} after {last} ({:?})",
            VISIBILITY_AGES_MS[b],
            m.visibility
        );
        last = share;
        if VISIBILITY_AGES_MS[b] == 200 {
            by_200 = Some(share);
        }
    }
    let by_200 = by_200.unwrap_or_else(|| panic!("200 ms bucket too small: {:?}", m.visibility));
    assert!(by_200 > 0.99, "{by_200} ({:?})", m.visibility);
}

/// Clients in three regions, replicas in us-east-1, eu-west-1 and ap-northeast-1
/// (sa-east-1 is the only possible stand-in), ap-northeast-1 down from 20 s to 60 s.
/// Clients wait longer than an operation's deadline, so a deadline's failure reaches the
/// attempt it belongs to.
fn replica_outage() -> Scenario {
    let reps = "replicas = [\"us-east-1\", \"eu-west-1\", \"ap-northeast-1\"]";
    let sloppy = quorum("w3-sloppy", 3, 1, 3, false, reps) + "sloppy = true\n";
    let text = format!(
        "duration_s = 90\ndrain_s = 20\nseed = 3\n\
         [clients]\ntimeout_ms = 5000\nretries = 3\nbackoff_ms = 100\n\
         [detection]\nheartbeat_ms = 500\ntimeout_ms = 2000\n\
         {REGIONS}\n{}\n\
         [[faults]]\nkind = \"region-outage\"\nregion = \"ap-northeast-1\"\n\
         start_s = 20\nduration_s = 40\n\
         {}{}{}",
        clients(&["us-east-1", "eu-west-1", "sa-east-1"], 50.0, 0.5, 100),
        quorum("w2", 3, 2, 2, false, reps),
        quorum("w3", 3, 1, 3, false, reps),
        sloppy,
    );
    scenario(&text)
}

#[test]
fn a_replica_outage_fails_strict_full_writes_but_not_majority_or_sloppy_ones() {
    let sc = replica_outage();
    let clients = [0usize, 1, 3];
    let write_failures = |m: &RunMetrics| -> u64 {
        clients
            .iter()
            .map(|&r| m.availability[r].attempted[1] - m.availability[r].succeeded[1])
            .sum()
    };
    // N = 3, W = 2: two replicas are enough.
    let w2 = run_strategy(&sc, 0, 4);
    assert_eq!(w2.failed, 0);
    assert_eq!(w2.stale_reads, 0);
    // A strict quorum keeps no hints: the figure does not apply (left out, not 0).
    assert!(w2.extra.iter().all(|e| e.0 != "hinted_writes"));
    // W = 3 without a sloppy quorum: writes fail while the replica is down (at first
    // by the operation deadline, after detection at once), and succeed again after.
    let w3 = run_strategy(&sc, 1, 4);
    assert!(write_failures(&w3) > 1000, "{}", write_failures(&w3));
    assert!(extra(&w3, "quorum_timeouts") > 0.0);
    assert_eq!(w3.stale_reads, 0);
    assert!(
        w3.faults[0].rto_ns().is_some(),
        "writes recover after the outage"
    );
    // W = 3 with a sloppy quorum: sa-east-1 stands in; client retries cover detection.
    let sloppy = run_strategy(&sc, 2, 4);
    assert_eq!(write_failures(&sloppy), 0);
    assert!(extra(&sloppy, "hinted_writes") > 1000.0);
    // Back at 60 s, ap-northeast-1 receives its hints: one per key written meanwhile.
    let handoffs = extra(&sloppy, "hinted_handoffs");
    assert!(handoffs > 50.0 && handoffs <= 100.0, "{handoffs}");
}

#[test]
fn answers_lost_to_a_partition_do_not_wedge_operations() {
    // A 1.5 s partition (shorter than detection) cuts sa-east-1, a coordinator, off
    // from every replica: its operations in flight expire, the rest carries on.
    let reps = "replicas = [\"us-east-1\", \"eu-west-1\", \"ap-northeast-1\"]";
    let text = format!(
        "duration_s = 20\ndrain_s = 10\nseed = 3\n\
         [clients]\ntimeout_ms = 1000\nretries = 0\n\
         [detection]\nheartbeat_ms = 500\ntimeout_ms = 2000\n\
         {REGIONS}\n{}\n\
         [[faults]]\nkind = \"partition\"\na = [\"sa-east-1\"]\n\
         b = [\"us-east-1\", \"eu-west-1\", \"ap-northeast-1\"]\n\
         start_s = 5\nduration_s = 1.5\n{}",
        clients(&["us-east-1", "sa-east-1"], 100.0, 0.5, 100),
        quorum("q", 3, 2, 2, false, reps),
    );
    let sc = scenario(&text);
    let m = run_strategy(&sc, 0, 1);
    let sa = &m.availability[3];
    assert!(sa.succeeded[0] < sa.attempted[0] && sa.succeeded[1] < sa.attempted[1]);
    assert_eq!(m.availability[0].succeeded, m.availability[0].attempted);
    assert!(extra(&m, "quorum_timeouts") > 0.0);
    // Only operations around the partition failed.
    assert!(m.failed < 400, "{}", m.failed);
    let last = m.timeline.len() - 2;
    assert_eq!(m.timeline[last].failed, 0);
}
