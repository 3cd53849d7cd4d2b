//! Unit tests of `consensus`: whole simulated runs (linearizability, latency, elections,
//! partitions, outages and snapshots) through `sim::run_strategy`.

use crate::metrics::RunMetrics;
use crate::scenario::{self, Format, Scenario};
use crate::sim::run_strategy;
use crate::strategy::tests::{all_succeed_from, extra};
use std::path::Path;

/// Five regions on four continents (the cities AWS regions are named for).
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
name = "us-west-2"
lat = 45.5152
lon = -122.6784
[[regions]]
name = "eu-central-1"
lat = 50.1109
lon = 8.6821
"#;

/// Contended load (few keys, half writes) in every region.
fn clients(rate: f64, keys: u64) -> String {
    [
        "us-east-1",
        "eu-west-1",
        "ap-northeast-1",
        "us-west-2",
        "eu-central-1",
    ]
    .iter()
    .map(|r| {
        format!(
            "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\n\
                 read_fraction = 0.5\nkeys = {keys}\nzipf = 0.99\nvalue_bytes = 512\n"
        )
    })
    .collect()
}

/// Explicit links with heavy-tailed latency (p99 four times the median), so messages
/// overtake each other.
fn jittery_links() -> String {
    let pairs = [
        ("us-east-1", "eu-west-1", 38.0),
        ("us-east-1", "ap-northeast-1", 80.0),
        ("us-east-1", "us-west-2", 35.0),
        ("us-east-1", "eu-central-1", 45.0),
        ("eu-west-1", "ap-northeast-1", 110.0),
        ("eu-west-1", "us-west-2", 70.0),
        ("eu-west-1", "eu-central-1", 12.0),
        ("ap-northeast-1", "us-west-2", 50.0),
        ("ap-northeast-1", "eu-central-1", 120.0),
        ("us-west-2", "eu-central-1", 78.0),
    ];
    pairs
        .iter()
        .map(|(a, b, ms)| {
            format!(
                "[[links]]\nfrom = \"{a}\"\nto = \"{b}\"\n\
                 latency = {{ dist = \"lognormal\", p50_ms = {ms}, p99_ms = {} }}\n",
                4.0 * ms
            )
        })
        .collect()
}

fn scenario(duration_s: u32, clients: &str, jitter: bool, strategies: &str) -> Scenario {
    // Jittery links are unordered (messages overtake each other); without jitter every
    // latency is constant.
    let links = if jitter {
        format!("[network]\nfifo = false\n{}", jittery_links())
    } else {
        "[network]\nvariation = \"constant\"\n".to_string()
    };
    let text = format!(
        "name = \"t\"\nseed = 7\nduration_s = {duration_s}\ndrain_s = 10\n\
         {REGIONS}\n{links}\n{clients}\n{strategies}"
    );
    scenario::from_str(&text, Format::Toml, Path::new("t.toml")).unwrap()
}

/// Lease and read-index strategies: all five regions, and three of them (the other two
/// are not members).
/// Strategy `i` of `strategies` (a consensus one) built by hand over the tests' regions, 10
/// keys, with its scenario: for tests that drive it message by message.
fn by_hand(strategies: &str, i: usize) -> (Scenario, super::Consensus) {
    let sc = scenario(1, &clients(1.0, 10), false, strategies);
    let crate::strategy::StrategyConfig::Consensus(cfg) = sc.strategies[i].config.clone() else {
        panic!("strategy {i} is not a consensus strategy");
    };
    let c = super::Consensus::new(cfg, sc.topology.len(), 10);
    (sc, c)
}

const STRATEGIES: &str = r#"
[[strategies]]
kind = "consensus"
name = "lease"
leader = "us-east-1"
reads = "lease"
[[strategies]]
kind = "consensus"
name = "read-index"
leader = "us-east-1"
reads = "read-index"
[[strategies]]
kind = "consensus"
name = "lease-3"
leader = "eu-west-1"
members = ["us-east-1", "eu-west-1", "ap-northeast-1"]
reads = "lease"
[[strategies]]
kind = "consensus"
name = "read-index-3"
leader = "eu-west-1"
members = ["ap-northeast-1", "eu-west-1", "us-east-1"]
reads = "read-index"
"#;

fn region(sc: &Scenario, name: &str) -> u16 {
    sc.topology.find(name).unwrap()
}

fn p50(m: &RunMetrics, r: u16, kind: usize) -> f64 {
    m.per_region[r as usize][kind].quantile_ms(0.5)
}

/// The round trip from `leader` to the nearest majority of `members`.
fn majority_rtt(sc: &Scenario, leader: u16, members: &[u16]) -> f64 {
    let mut rtts: Vec<f64> = members
        .iter()
        .filter(|&&m| m != leader)
        .map(|&m| sc.topology.median_rtt_ms(leader, m))
        .collect();
    rtts.sort_by(f64::total_cmp);
    let majority = members.len() / 2 + 1;
    rtts[majority - 2]
}

#[test]
fn contended_load_is_linearizable_in_both_read_modes() {
    let sc = scenario(20, &clients(60.0, 20), true, STRATEGIES);
    for i in 0..sc.strategies.len() {
        let m = run_strategy(&sc, i, 11);
        let name = &sc.strategies[i].name;
        assert!(m.reads > 2_000 && m.writes > 2_000, "{name}");
        assert_eq!(m.stale_reads, 0, "{name}");
        assert_eq!(m.conflicts, 0, "{name}");
        assert_eq!(m.lost_updates, 0, "{name}");
        assert_eq!(m.failed, 0, "{name}");
        assert_eq!(
            m.read.count() + m.write.count(),
            m.reads + m.writes,
            "{name}"
        );
        // Every follower applied every write.
        let followers = if name.ends_with("-3") { 2 } else { 4 };
        assert_eq!(m.lag.count(), followers * m.writes, "{name}");
        assert_eq!(extra(&m, "log_entries"), m.writes as f64, "{name}");
    }
}

#[test]
fn writes_at_the_leader_pay_the_round_trip_to_a_majority() {
    let sc = scenario(20, &clients(20.0, 1000), false, STRATEGIES);
    let all: Vec<u16> = (0..5).collect();
    let three = [0, 1, 2];
    for (i, leader, members) in [(0, "us-east-1", &all[..]), (2, "eu-west-1", &three[..])] {
        let m = run_strategy(&sc, i, 5);
        let l = region(&sc, leader);
        let rtt = majority_rtt(&sc, l, members);
        let w = p50(&m, l, 1);
        assert!(
            w >= rtt,
            "{leader}: write p50 {w} < majority round trip {rtt}"
        );
        // ... and not much more: one majority round trip, plus the access network.
        assert!(
            w < rtt * 1.5 + 5.0,
            "{leader}: write p50 {w}, round trip {rtt}"
        );
    }
}

#[test]
fn remote_reads_pay_the_round_trip_to_the_leader() {
    let sc = scenario(20, &clients(20.0, 1000), false, STRATEGIES);
    let us = region(&sc, "us-east-1");
    let eu = region(&sc, "eu-west-1");
    let ap = region(&sc, "ap-northeast-1");
    let or = region(&sc, "us-west-2");
    // Lease, all members: every remote read goes to the leader; the leader's own are local.
    let m = run_strategy(&sc, 0, 3);
    for r in [eu, ap, or] {
        let rtt = sc.topology.median_rtt_ms(r, us);
        assert!(
            p50(&m, r, 0) >= rtt,
            "lease read p50 at {r} {}",
            p50(&m, r, 0)
        );
    }
    assert!(p50(&m, us, 0) < 10.0);
    // Read index, all members: a follower asks the leader first, and the leader confirms
    // its leadership with a round to a majority, even for its own region's reads.
    let all: Vec<u16> = (0..5).collect();
    let round = majority_rtt(&sc, us, &all);
    let m = run_strategy(&sc, 1, 3);
    for r in [eu, ap, or] {
        let rtt = sc.topology.median_rtt_ms(r, us);
        let p = p50(&m, r, 0);
        assert!(
            p >= rtt + round,
            "read-index read p50 at {r} {p} < {rtt} + {round}"
        );
    }
    // Reads that arrive during a round wait for the next one: between one and two rounds.
    let p = p50(&m, us, 0);
    assert!(p >= round && p < 2.0 * round + 10.0, "{p} vs round {round}");
    // Read index with three members: a non-member forwards to the leader, a member asks.
    let round = majority_rtt(&sc, eu, &[0, 1, 2]);
    let m = run_strategy(&sc, 3, 3);
    for r in [us, ap, or] {
        let rtt = sc.topology.median_rtt_ms(r, eu);
        let p = p50(&m, r, 0);
        assert!(p >= rtt + round, "read-index read p50 at {r} {p} < {rtt}");
    }
    let p = p50(&m, eu, 0);
    assert!(p >= round && p < 2.0 * round + 10.0, "{p} vs round {round}");
}

#[test]
fn a_burst_of_writes_grows_the_log_ring_and_stays_in_order() {
    // Hundreds of writes in flight at once (the ring starts at 16 slots under test).
    let sc = scenario(3, &clients(400.0, 5), true, STRATEGIES);
    for i in [0, 1] {
        let m = run_strategy(&sc, i, 9);
        assert_eq!(m.stale_reads, 0);
        assert_eq!(m.failed, 0);
        assert_eq!(m.lag.count(), 4 * m.writes);
        // Out-of-order arrivals: commits cover several entries, read-index reads wait.
        assert!(extra(&m, "entries_per_commit") > 1.0);
        if i == 1 {
            assert!(extra(&m, "read_index_waits") > 0.0);
        }
        let again = run_strategy(&sc, i, 9);
        assert_eq!(again.write.mean_ms(), m.write.mean_ms());
        assert_eq!(again.read.mean_ms(), m.read.mean_ms());
    }
}

/// The three regions of `region-outage`.
const THREE: &str = r#"
[[regions]]
name = "us-east-1"
lat = 39.0458
lon = -77.4874
[[regions]]
name = "us-west-2"
lat = 45.5152
lon = -122.6784
[[regions]]
name = "eu-west-1"
lat = 53.3498
lon = -6.2603
"#;

/// Raft with lease reads, raft with read-index reads, and multi-master.
const FAULT_STRATEGIES: &str = r#"
[[strategies]]
kind = "consensus"
name = "raft"
leader = "us-east-1"
reads = "lease"
[[strategies]]
kind = "consensus"
name = "raft-ri"
leader = "us-east-1"
reads = "read-index"
[[strategies]]
kind = "multi-master"
name = "mm"
"#;

/// Clients in the three regions, a fast detector, clients that retry and reroute after
/// 5 s, and `faults`.
fn faulty(duration_s: u32, faults: &str) -> Scenario {
    faulty_load(duration_s, faults, 40.0, 0.7, 200)
}

fn faulty_load(duration_s: u32, faults: &str, rate: f64, reads: f64, keys: u64) -> Scenario {
    let clients: String = ["us-east-1", "us-west-2", "eu-west-1"]
        .iter()
        .map(|r| {
            format!(
                "[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\n\
                 read_fraction = {reads}\nkeys = {keys}\n"
            )
        })
        .collect();
    let text = format!(
        "name = \"f\"\nseed = 3\nduration_s = {duration_s}\ndrain_s = 20\n\
         [clients]\ntimeout_ms = 1000\nretries = 3\nbackoff_ms = 100\n\
         backoff_cap_ms = 1000\nreroute_after_s = 5\n\
         [detection]\nheartbeat_ms = 500\ntimeout_ms = 2000\n\
         {THREE}\n{clients}\n{faults}\n{FAULT_STRATEGIES}"
    );
    scenario::from_str(&text, Format::Toml, Path::new("f.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn outage(region: &str, start_s: u32, duration_s: u32, recover: &str) -> String {
    format!(
        "[[faults]]\nkind = \"region-outage\"\nregion = \"{region}\"\n\
         recover = \"{recover}\"\nstart_s = {start_s}\nduration_s = {duration_s}\n"
    )
}

fn partition(a: &[&str], b: &[&str], start_s: u32, duration_s: u32) -> String {
    let list = |v: &[&str]| {
        v.iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[[faults]]\nkind = \"partition\"\na = [{}]\nb = [{}]\n\
         start_s = {start_s}\nduration_s = {duration_s}\n",
        list(a),
        list(b)
    )
}

#[test]
fn a_leader_outage_elects_a_new_leader_and_loses_nothing() {
    // The leader's region is down from 30 s to 90 s (durable); it rejoins as a follower.
    let sc = faulty(150, &outage("us-east-1", 30, 60, "durable"));
    for i in 0..2 {
        let m = run_strategy(&sc, i, 4);
        let name = &sc.strategies[i].name;
        assert!(extra(&m, "elections") >= 1.0, "{name}");
        assert!(extra(&m, "leader_changes") >= 1.0, "{name}");
        assert_eq!(m.stale_reads, 0, "{name}");
        assert_eq!(m.conflicts + m.lost_updates, 0, "{name}");
        assert_eq!(m.faults.len(), 1);
        assert_eq!(
            m.faults[0].lost_writes, 0,
            "{name}: acknowledged writes lost"
        );
        assert_eq!(m.split_brain_writes, 0, "{name}");
        // Detection (2 s) + election timeout (<= 3 s) + a retry: from 20 s after the
        // outage every operation succeeds, through the old leader's return at 90 s.
        all_succeed_from(&m, 50, name);
        assert!(m.failed > 0, "{name}: the outage is visible");
        assert!(m.faults[0].rto_ns().is_some(), "{name}: writes recovered");
    }
}

#[test]
fn a_new_leader_serves_reads_only_once_it_knows_the_commit_index() {
    // Hot keys written in the old leader's region just before it dies: the new leader
    // has those entries but learns that they are committed only by committing its own
    // first entry, so reads it served earlier would be stale.
    let sc = faulty_load(40, &outage("us-east-1", 20, 20, "durable"), 200.0, 0.5, 5);
    for seed in 1..=3 {
        for i in 0..2 {
            let m = run_strategy(&sc, i, seed);
            assert!(extra(&m, "elections") >= 1.0);
            assert_eq!(m.stale_reads, 0, "{}, seed {seed}", sc.strategies[i].name);
        }
    }
}

#[test]
fn an_isolated_follower_fails_its_clients_but_multi_master_does_not() {
    let sc = faulty(
        120,
        &partition(&["eu-west-1"], &["us-east-1", "us-west-2"], 30, 60),
    );
    let eu = sc.topology.find("eu-west-1").unwrap() as usize;
    for i in 0..2 {
        let m = run_strategy(&sc, i, 6);
        let name = &sc.strategies[i].name;
        let a = &m.availability[eu];
        assert!(a.succeeded[1] < a.attempted[1], "{name}: {a:?}");
        // The minority cannot elect anyone; the majority keeps its leader.
        assert_eq!(extra(&m, "elections"), 0.0, "{name}");
        assert_eq!(m.stale_reads, 0, "{name}");
        for r in 0..3 {
            if r != eu {
                let a = &m.availability[r];
                assert_eq!(a.succeeded, a.attempted, "{name}: region {r}");
            }
        }
        // After the heal (and a client retry) everything succeeds again.
        all_succeed_from(&m, 95, name);
    }
    let mm = run_strategy(&sc, 2, 6);
    let a = &mm.availability[eu];
    assert_eq!(a.succeeded[1], a.attempted[1], "multi-master: {a:?}");
    assert!(a.attempted[1] > 500);
}

#[test]
fn an_isolated_leader_steps_down_before_the_majority_elects_another() {
    let sc = faulty(
        120,
        &partition(&["us-east-1"], &["us-west-2", "eu-west-1"], 30, 40),
    );
    let us = sc.topology.find("us-east-1").unwrap() as usize;
    for i in 0..2 {
        let m = run_strategy(&sc, i, 8);
        let name = &sc.strategies[i].name;
        assert!(extra(&m, "elections") >= 1.0, "{name}");
        assert_eq!(m.stale_reads, 0, "{name}");
        // Never two writable leaders: the old one fences itself at detection, the new
        // one is elected an election timeout later.
        assert_eq!(m.split_brain_ns, 0, "{name}");
        assert_eq!(m.split_brain_writes, 0, "{name}");
        assert_eq!(m.faults[0].lost_writes, 0, "{name}");
        let a = &m.availability[us];
        assert!(a.succeeded[1] < a.attempted[1], "{name}: {a:?}");
        // The majority side recovers within the partition; after the heal, everyone.
        all_succeed_from(&m, 75, name);
    }
}

#[test]
fn a_follower_that_comes_back_empty_catches_up_from_a_snapshot() {
    let sc = faulty(120, &outage("us-west-2", 30, 30, "empty"));
    for i in 0..2 {
        let m = run_strategy(&sc, i, 2);
        let name = &sc.strategies[i].name;
        assert!(extra(&m, "snapshots") >= 1.0, "{name}");
        assert_eq!(extra(&m, "elections"), 0.0, "{name}");
        assert_eq!(m.stale_reads, 0, "{name}");
        assert_eq!(m.faults[0].lost_writes, 0, "{name}");
        all_succeed_from(&m, 70, name);
    }
}

#[test]
fn faulty_runs_are_deterministic() {
    let faults = outage("us-east-1", 20, 30, "durable")
        + &partition(&["eu-west-1"], &["us-east-1", "us-west-2"], 60, 10);
    let sc = faulty(90, &faults);
    for i in 0..2 {
        let a = run_strategy(&sc, i, 12);
        let b = run_strategy(&sc, i, 12);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert!(extra(&a, "elections") >= 1.0);
        let c = run_strategy(&sc, i, 13);
        assert_ne!(format!("{a:?}"), format!("{c:?}"));
    }
}

#[test]
fn election_timeouts_are_validated_and_wired() {
    let text = |range: &str| {
        format!(
            "duration_s = 1\n{THREE}\n[[workload.clients]]\nregion = \"us-east-1\"\n\
             rate_rps = 1\n[[strategies]]\nkind = \"consensus\"\nname = \"r\"\n\
             leader = \"us-east-1\"\nelection_timeout_ms = {range}\n"
        )
    };
    for bad in ["[0, 100]", "[300, 200]", "[-1, 5]"] {
        let e = scenario::from_str(&text(bad), Format::Toml, Path::new("t.toml"))
            .err()
            .unwrap_or_else(|| panic!("{bad} accepted"));
        assert!(e.to_string().contains("election_timeout_ms"), "{e}");
    }
    let sc = scenario::from_str(&text("[250, 250]"), Format::Toml, Path::new("t.toml")).unwrap();
    match &sc.strategies[0].config {
        crate::strategy::StrategyConfig::Consensus(c) => {
            assert_eq!(c.election_timeout_ns, [250_000_000; 2])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn read_mode_settings_are_validated_with_their_paths() {
    let text = |extra: &str| {
        format!(
            "duration_s = 1\n{THREE}\n[[workload.clients]]\nregion = \"us-east-1\"\n\
             rate_rps = 1\n[[strategies]]\nkind = \"consensus\"\nname = \"r\"\n\
             leader = \"us-east-1\"\n{extra}\n"
        )
    };
    let bad = [
        ("reads = \"follower\"", "strategies[0].max_staleness_ms"),
        (
            "reads = \"follower\"\nmax_staleness_ms = 0",
            "strategies[0].max_staleness_ms",
        ),
        ("max_staleness_ms = 100", "strategies[0].max_staleness_ms"),
        (
            "reads = \"read-index\"\nmax_staleness_ms = 100",
            "strategies[0].max_staleness_ms",
        ),
        (
            "reads = \"read-index\"\nclock_drift_ms = 10",
            "strategies[0].clock_drift_ms",
        ),
        (
            "reads = \"follower\"\nmax_staleness_ms = 9\nclock_drift_ms = 1",
            "strategies[0].clock_drift_ms",
        ),
        ("clock_drift_ms = -1", "strategies[0].clock_drift_ms"),
        ("clock_drift_ms = 1500", "strategies[0].clock_drift_ms"),
    ];
    for (extra, path) in bad {
        let e = scenario::from_str(&text(extra), Format::Toml, Path::new("t.toml"))
            .err()
            .unwrap_or_else(|| panic!("{extra} accepted"));
        assert!(e.to_string().contains(path), "{extra}: {e}");
    }
    let sc = scenario::from_str(
        &text("clock_drift_ms = 500"),
        Format::Toml,
        Path::new("t.toml"),
    )
    .unwrap();
    match &sc.strategies[0].config {
        crate::strategy::StrategyConfig::Consensus(c) => assert_eq!(c.lease_ns, 1_000_000_000),
        other => panic!("{other:?}"),
    }
    let sc = scenario::from_str(
        &text("reads = \"follower\"\nmax_staleness_ms = 250"),
        Format::Toml,
        Path::new("t.toml"),
    )
    .unwrap();
    match &sc.strategies[0].config {
        crate::strategy::StrategyConfig::Consensus(c) => assert_eq!(
            c.reads,
            super::ConsensusReads::Follower {
                max_staleness_ns: 250_000_000
            }
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn follower_reads_are_never_staler_than_the_bound() {
    // Contended load on jittery links: members serve most reads themselves, some of them
    // stale, but a read never misses a write acknowledged more than `max_staleness_ms`
    // before it began (the member had applied everything committed that long before).
    let strategies = r#"
[[strategies]]
kind = "consensus"
name = "follower"
leader = "us-east-1"
reads = "follower"
max_staleness_ms = 150
"#;
    let sc = scenario(20, &clients(60.0, 20), true, strategies);
    let m = run_strategy(&sc, 0, 11);
    assert_eq!(m.failed, 0);
    assert!(m.stale_reads > 0, "the bound is exercised");
    assert!(
        m.staleness.max_ms() < 150.0,
        "staleness {} ms",
        m.staleness.max_ms()
    );
    let local = extra(&m, "follower_reads_local");
    let forwarded = extra(&m, "follower_reads_forwarded");
    assert!(local > forwarded && forwarded > 0.0, "{local} {forwarded}");
    // The leader's writes are unaffected: no conflicts, nothing lost.
    assert_eq!(m.conflicts + m.lost_updates, 0);
}

/// A late `ReadIndexReply` for a read that has finished since (its slot now taken by another
/// read-index read at the same member) neither lowers the index the new read waits for nor
/// gets it answered early: the member serves the new read only once it has applied up to its
/// own index (hand-driven: the timing is too rare to arrange through a whole run).
#[test]
fn a_late_read_index_reply_for_a_finished_read_does_not_release_the_slots_new_read() {
    use super::reads::WaitingRead;
    use super::Consensus;
    use crate::rng::{stream, Stream};
    use crate::strategy::{Clock, Ctx, Effect, OpId};
    use crate::time::SimTime;
    let (sc, mut c) = by_hand(STRATEGIES, 1);
    let clocks = vec![Clock::default(); sc.topology.len()];
    let mut rng = stream(7, Stream::Strategy(0));
    let mut out = Vec::new();
    let member: u16 = 1;
    // Slot 0 belonged to read `old` (generation 1), now to read `new` (generation 2).
    let (old, new) = (OpId::new(0, 1), OpId::new(0, 2));
    c.nodes[member as usize].applied = 3;
    c.reads = vec![WaitingRead {
        op: new,
        key: 7,
        index: 0,
    }];
    type Out = Vec<Effect<super::CMsg, super::CTimer>>;
    let mut step =
        |c: &mut Consensus, out: &mut Out, f: &dyn Fn(&mut Consensus, &mut super::Cx<'_>)| {
            let world = (&sc.topology, &clocks[..], &sc.residency, false);
            let mut ctx = Ctx::new(SimTime::ZERO, world, &mut rng, out);
            f(c, &mut ctx);
        };
    // The new read must observe index 10; the old one's late answer says 5.
    step(&mut c, &mut out, &|c, ctx| {
        c.on_read_index_reply(ctx, member, new, 10)
    });
    step(&mut c, &mut out, &|c, ctx| {
        c.on_read_index_reply(ctx, member, old, 5)
    });
    assert_eq!(c.reads[0].index, 10, "the new read's index stands");
    // Applied up to 6: past the old read's index, not the new one's.
    step(&mut c, &mut out, &|c, ctx| c.serve_waiting(ctx, member, 6));
    let replies = |out: &Out| {
        out.iter()
            .filter_map(|e| match e {
                Effect::Reply { op, .. } => Some(*op),
                _ => None,
            })
            .collect::<Vec<OpId>>()
    };
    assert_eq!(replies(&out), Vec::<OpId>::new(), "nothing answered at 6");
    step(&mut c, &mut out, &|c, ctx| c.serve_waiting(ctx, member, 10));
    assert_eq!(replies(&out), vec![new], "the new read, once, at 10");
    assert!(c.waiting[member as usize].is_empty());
}

/// A member that comes back empty has lost the state its safe time vouched for: it serves no
/// follower read until a leader vouches again (hand-driven: an outage shorter than the bound
/// with `recover = "empty"`).
#[test]
fn a_member_back_empty_has_no_safe_time() {
    use crate::rng::{stream, Stream};
    use crate::strategy::{Clock, Ctx};
    use crate::time::SimTime;
    let strategies = "[[strategies]]\nkind = \"consensus\"\nname = \"f\"\n\
                      leader = \"us-east-1\"\nreads = \"follower\"\nmax_staleness_ms = 500\n";
    let (sc, mut c) = by_hand(strategies, 0);
    let clocks = vec![Clock::default(); sc.topology.len()];
    let mut rng = stream(7, Stream::Strategy(0));
    let mut out = Vec::new();
    let member: u16 = 1;
    let (t, now) = (SimTime(1_000_000_000), SimTime(1_200_000_000));
    c.heard_commit(member, 0, t);
    assert!(c.fresh_enough(member, now), "200 ms old, bound 500 ms");
    for empty in [false, true] {
        let world = (&sc.topology, &clocks[..], &sc.residency, false);
        let mut ctx = Ctx::new(now, world, &mut rng, &mut out);
        c.region_down(&mut ctx, member);
        c.region_up(&mut ctx, member, empty);
        // Durable state keeps what the safe time vouched for; an empty one does not.
        assert_eq!(c.fresh_enough(member, now), !empty, "empty: {empty}");
    }
}
