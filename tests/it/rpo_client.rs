//! RPO counted from the client's view for every strategy that can lose acknowledged writes
//! other than active-passive (`tests/it/rpo.rs`): follow-the-sun, active-active, edge-cache
//! and multi-master name their lost writes by acknowledgement ticket, so a lost write counts
//! in `rpo.lost_writes` only when its answer reached the client and in
//! `rpo.unacknowledged_lost` otherwise, and the span runs from the oldest to the newest lost
//! acknowledged write. Each case is compared with a hand count of the same Poisson arrivals
//! on constant links (and, for multi-master, the closed-form chance that an answer outlives
//! the client's timeout).

use crate::common::run;
use geosim::report::StrategyReport;

/// Two regions `p` and `s` joined by a constant 100 ms link, `p` down from 10 s for `down_s`
/// seconds (`recover`), clients writing `p_rps` in `p` and `s_rps` in `s` (1,000 keys), the
/// access latency `intra` (a TOML latency value), and one strategy (`strategy`, a
/// `[[strategies]]` table).
fn pair(
    seed: u64,
    intra: &str,
    p_rps: f64,
    s_rps: f64,
    down: (f64, &str),
    strategy: &str,
) -> String {
    let group = |r: &str, rps: f64| {
        if rps > 0.0 {
            format!("[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rps}\nread_fraction = 0.0\nkeys = 1000\n")
        } else {
            String::new()
        }
    };
    format!(
        r#"
name = "rpo-client"
seed = {seed}
duration_s = 40
drain_s = 10
[network]
unlinked = "route"
[clients]
timeout_ms = {timeout}
retries = {retries}
[detection]
heartbeat_ms = 100
timeout_ms = 1000
[[regions]]
name = "p"
lat = 0.0
lon = 0.0
intra_ms = {intra}
[[regions]]
name = "s"
lat = 0.0
lon = 10.0
intra_ms = {intra}
[[links]]
from = "p"
to = "s"
latency = {{ dist = "constant", ms = 100 }}
[[faults]]
kind = "region-outage"
region = "p"
start_s = 10
duration_s = {d}
recover = "{rec}"
{gp}{gs}
{strategy}
"#,
        timeout = if intra.contains("uniform") { 100 } else { 1000 },
        retries = if intra.contains("uniform") { 0 } else { 3 },
        d = down.0,
        rec = down.1,
        gp = group("p", p_rps),
        gs = group("s", s_rps),
    )
}

const ZERO: &str = r#"{ dist = "constant", ms = 0.0 }"#;

/// RPO figures of one run, checked for consistency with the fault list.
fn rpo(s: &StrategyReport) -> (u64, u64, f64) {
    let rpo = s.rpo.as_ref().expect("RPO applies");
    let f = &s.faults[0];
    assert_eq!(f.lost_writes, Some(rpo.lost_writes), "{}", s.name);
    assert_eq!(
        f.unacknowledged_lost,
        Some(rpo.unacknowledged_lost),
        "{}",
        s.name
    );
    (rpo.lost_writes, rpo.unacknowledged_lost, rpo.max_span_s)
}

/// Means over runs of (lost acknowledged, unacknowledged, span).
fn means(runs: &[(u64, u64, f64)]) -> (f64, f64, f64) {
    let n = runs.len() as f64;
    (
        runs.iter().map(|r| r.0 as f64).sum::<f64>() / n,
        runs.iter().map(|r| r.1 as f64).sum::<f64>() / n,
        runs.iter().map(|r| r.2).sum::<f64>() / n,
    )
}

/// The case shared by follow-the-sun and active-active: the writer (`p`: the primary, the
/// keys' home) dies at 10 s; the writes it acknowledged in its last 100 ms never reached `s`
/// (their log entry or replication was on the link) and are lost. `p`'s own clients got
/// those answers at once (no access latency): 1,000/s x 0.1 s = 100 lost acknowledged writes,
/// all within 0.1 s of each other. `s`'s clients' answers travel the same 100 ms back and die
/// with `p`: 100 more lost, none acknowledged to a client. (Poisson: sd 10 per run, 4.5 for
/// the mean of five.)
fn writer_dies(strategy: &str, recover: &str) {
    let runs: Vec<(u64, u64, f64)> = (1..=5u64)
        .map(|seed| {
            let r = run(&pair(seed, ZERO, 1000.0, 1000.0, (45.0, recover), strategy));
            rpo(&r.strategies[0])
        })
        .collect();
    let (acked, unacked, _) = means(&runs);
    assert!((acked - 100.0).abs() < 15.0, "{runs:?}");
    assert!((unacked - 100.0).abs() < 15.0, "{runs:?}");
    assert!(runs.iter().all(|r| r.2 > 0.09 && r.2 < 0.1), "{runs:?}");
}

#[test]
fn follow_the_sun_counts_only_answers_that_reached_the_client() {
    // `p`'s shift covers the run; `s` is the next shift, so it takes over at the failover.
    writer_dies(
        r#"[[strategies]]
kind = "follow-the-sun"
name = "fts"
shifts = [{ region = "p", start_utc_h = 0 }, { region = "s", start_utc_h = 12 }]"#,
        "durable",
    );
}

#[test]
fn active_active_counts_only_answers_that_reached_the_client() {
    // Every key homed at `p`; `p` comes back empty at 15 s (restored from `s`).
    let homes = r#"homes = [{ region = "p", share = 1.0 }]"#;
    let runs: Vec<(u64, u64, f64)> = (1..=5u64)
        .map(|seed| {
            let st = format!("[[strategies]]\nkind = \"active-active\"\nname = \"aa\"\n{homes}");
            let r = run(&pair(seed, ZERO, 1000.0, 1000.0, (5.0, "empty"), &st));
            rpo(&r.strategies[0])
        })
        .collect();
    let (acked, unacked, _) = means(&runs);
    assert!((acked - 100.0).abs() < 15.0, "{runs:?}");
    assert!((unacked - 100.0).abs() < 15.0, "{runs:?}");
    assert!(runs.iter().all(|r| r.2 > 0.09 && r.2 < 0.1), "{runs:?}");
}

/// The edge-cache origin `p` comes back empty at 90 s: it loses every write it acknowledged,
/// more than the 65,536 acknowledgements geosim keeps tickets for (the older ones count as
/// acknowledged, and still set the span). `p`'s clients' answers arrive at once: 1,000/s x
/// 90 s; `s`'s clients' writes reach `p` 100 ms after issue and their answers 100 ms later,
/// so those issued in [0, 89.8 s) were acknowledged to their client (1,000/s x 89.8 s) and
/// those answered in the last 100 ms die with `p` (1,000/s x 0.1 s). The span runs from the
/// first acknowledgement (a few ms into the run) to the last (just before 90 s).
#[test]
fn edge_cache_origin_loses_everything_and_counts_answers_that_reached_the_client() {
    let st = r#"[[strategies]]
kind = "edge-cache"
name = "edge"
origin = "p"
ttl_s = 1"#;
    let runs: Vec<(u64, u64, f64)> = (1..=3u64)
        .map(|seed| {
            let text = pair(seed, ZERO, 1000.0, 1000.0, (5.0, "empty"), st)
                .replace("duration_s = 40", "duration_s = 100")
                .replace("start_s = 10", "start_s = 90");
            rpo(&run(&text).strategies[0])
        })
        .collect();
    let (acked, unacked, _) = means(&runs);
    // Poisson: sd ~420 per run for the acknowledged, 10 for the unacknowledged.
    let want = 1000.0 * 90.0 + 1000.0 * 89.8;
    assert!(
        (acked - want).abs() < 1_000.0,
        "{acked} vs {want}: {runs:?}"
    );
    assert!((unacked - 100.0).abs() < 20.0, "{runs:?}");
    assert!(runs.iter().all(|r| r.2 > 89.9 && r.2 < 90.0), "{runs:?}");
}

/// Multi-master: `p` dies at 10 s and comes back empty; its writes of the last 100 ms had not
/// reached `s` and are lost (1,000/s x 0.1 s = 100). The clients' access latency is a fresh
/// uniform 0-100 ms draw each way and they give up after 100 ms (no retry): an answer reaches
/// its client only when the two draws sum to at most 100 ms, probability 1/2 (the triangle
/// under x + y <= 1 in the unit square). So about 50 of the lost writes count as acknowledged
/// and 50 as unacknowledged (binomial and Poisson: sd ~7 each per run, ~3.2 for the mean of
/// five). The lost acknowledged writes span at most the 100 ms.
#[test]
fn multi_master_counts_answers_that_outlived_the_clients_timeout_as_unacknowledged() {
    let uniform = r#"{ dist = "uniform", min_ms = 0, max_ms = 100 }"#;
    let st = "[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"";
    let runs: Vec<(u64, u64, f64)> = (1..=5u64)
        .map(|seed| rpo(&run(&pair(seed, uniform, 1000.0, 0.0, (5.0, "empty"), st)).strategies[0]))
        .collect();
    let (acked, unacked, _) = means(&runs);
    assert!((acked - 50.0).abs() < 12.0, "{runs:?}");
    assert!((unacked - 50.0).abs() < 12.0, "{runs:?}");
    assert!(runs.iter().all(|r| r.2 > 0.08 && r.2 <= 0.1), "{runs:?}");
}
