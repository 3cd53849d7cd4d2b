//! The latency breakdown: every operation's components add up to its latency (exact, integer
//! ns) on every shipped scenario, and components match closed forms on a plain topology.

use geosim::strategy::Part;
use geosim::workload::OpKind;

use crate::common::{pair, scenario, shipped};

#[test]
fn components_add_up_to_every_latency_on_every_shipped_scenario() {
    let mut files: Vec<_> = std::fs::read_dir(shipped(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let (sc, _) = geosim::io::load_scenario(&path).unwrap();
        let seed = sc.seed.unwrap_or(geosim::scenario::DEFAULT_SEED);
        let all: Vec<usize> = (0..sc.strategies.len()).collect();
        for (i, run) in geosim::sim::run_all(&sc, &all, seed)
            .into_iter()
            .enumerate()
        {
            let m = run.metrics;
            let b = &m.breakdown;
            let name = format!("{} / {}", path.display(), sc.strategies[i].name);
            let ok = m.read.count() + m.write.count();
            // Every successful operation was checked, and none failed to add up.
            assert_eq!(b.checked, ok, "{name}");
            assert_eq!(b.mismatched, 0, "{name}");
            // Per client region and kind, the component means add up to the mean latency
            // that the latency histograms measure on their own.
            for r in 0..sc.topology.len() as u16 {
                for (k, kind) in [OpKind::Read, OpKind::Write].into_iter().enumerate() {
                    let stat = &m.per_region[r as usize][k];
                    match b.means_ns(r, kind) {
                        None => assert_eq!(stat.count(), 0, "{name}"),
                        Some(parts) => {
                            let sum: f64 = parts.iter().sum();
                            let mean = stat.mean_ms() * 1e6;
                            assert!((sum - mean).abs() <= 1e-6 * mean + 1e-3, "{name}");
                            assert_eq!(b.count(r, kind), stat.count(), "{name}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn components_match_the_topology_on_a_primary_far_away() {
    // Sync active-passive, primary `p`, clients at `s` only, reads at the primary; constant
    // 1 ms access each way and a 40 ms link each way. Closed form: a read is 2 ms access +
    // 40 ms WAN request (forwarded to the primary) + 40 ms WAN response; a write adds the
    // primary's wait for the standby's acknowledgement, one round trip (80 ms) plus the
    // standby's default flush and apply (2 + 1 ms, docs/strategies.md).
    let rest = r#"[[workload.clients]]
region = "s"
rate_rps = 50
read_fraction = 0.5
keys = 100
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "p"
replication = "sync"
read_from = "primary"
"#;
    let sc = scenario(&pair(
        "name = \"far\"\nseed = 3\nduration_s = 20",
        "",
        "",
        40.0,
        rest,
    ));
    let m = geosim::sim::run_full(&sc, 0, 3).metrics;
    let (p, s) = (
        sc.topology.find("p").unwrap(),
        sc.topology.find("s").unwrap(),
    );
    for (kind, repl) in [(OpKind::Read, 0.0), (OpKind::Write, 83e6)] {
        let got = m.breakdown.means_ns(s, kind).unwrap();
        let mut want = [0.0; geosim::strategy::PARTS];
        want[Part::Access as usize] = 2e6;
        want[Part::WanRequest as usize] = 40e6;
        want[Part::WanResponse as usize] = 40e6;
        want[Part::Replication as usize] = repl;
        for i in 0..want.len() {
            assert!((got[i] - want[i]).abs() < 1.0, "{kind:?} {i}: {got:?}");
        }
        assert_eq!(m.breakdown.peer(s, kind), Some(p));
        let tail = m.breakdown.tail(s, kind).unwrap();
        assert!((tail.parts_ns[Part::WanRequest as usize] - 40e6).abs() < 1.0);
    }
}
