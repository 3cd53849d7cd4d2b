//! Runs whole simulations: answers completed inline by `World::reply`, and latency draws
//! taken ahead (`ahead`), change no report.
//!
//! Each scenario runs every strategy twice, with the shortcut allowed (when the run and the
//! strategy allow it) and forced off, and compares the two reports as JSON, byte for byte;
//! for inline answers it also counts the answers completed inline, so a test fails when the
//! shortcut it checks is never taken, or is taken where it must not be.

use std::path::Path;

use super::{run_inner, How, RunResult};
use crate::report::ScenarioInfo;
use crate::scenario::{self, Format, Scenario};

/// Three regions, a short run and no drain, so that many answers are on their way back at
/// the horizon (completed inline only when they reach the client by then).
const REGIONS: &str = r#"
duration_s = 20
drain_s = 0
seed = 7

[[regions]]
name = "us-east-1"
lat = 39.0458
lon = -77.4874
jurisdiction = "US"

[[regions]]
name = "eu-west-1"
lat = 53.3498
lon = -6.2603
jurisdiction = "EU"

[[regions]]
name = "ap-northeast-1"
lat = 35.6762
lon = 139.6503
jurisdiction = "JP"
"#;

/// Clients in every region (reads and writes on a small key space, so reads see writes).
const CLIENTS: &str = r#"
[[workload.clients]]
region = "us-east-1"
rate_rps = 300
read_fraction = 0.8
keys = 200
zipf = 0.99

[[workload.clients]]
region = "eu-west-1"
rate_rps = 200
read_fraction = 0.9
keys = 200
zipf = 0.99

[[workload.clients]]
region = "ap-northeast-1"
rate_rps = 150
read_fraction = 0.7
keys = 200
zipf = 0.99
"#;

fn parse(text: &str) -> Scenario {
    scenario::from_str(text, Format::Toml, Path::new("inline.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The report of every strategy of `sc` as JSON, and per strategy the answers completed
/// inline; `inline`: whether inline answers are allowed at all; `ahead`: whether latency
/// draws may be taken ahead.
fn report(sc: &Scenario, inline: bool, ahead: bool) -> (String, Vec<u64>) {
    let seed = sc.seed.unwrap_or(1);
    let indices: Vec<usize> = (0..sc.strategies.len()).collect();
    let (results, inlined): (Vec<RunResult>, Vec<u64>) = indices
        .iter()
        .map(|&i| {
            let how = How {
                slots_free: inline,
                ahead,
                ..How::new(None, None)
            };
            run_inner(sc, i, seed, how)
        })
        .unzip();
    let info = ScenarioInfo {
        name: "inline".into(),
        path: "inline.toml".into(),
        sha256: String::new(),
    };
    let report = crate::report::build(sc, info, seed, &indices, &results);
    (
        serde_json::to_string(&report).expect("a report serializes"),
        inlined,
    )
}

/// Runs `text` with and without inline answers: the reports must be the same; returns the
/// answers completed inline per strategy (none with them off).
fn same_reports(text: &str) -> Vec<u64> {
    let sc = parse(text);
    let (on, inlined) = report(&sc, true, true);
    let (off, none) = report(&sc, false, true);
    assert!(none.iter().all(|&n| n == 0), "forced off: {none:?}");
    assert_eq!(on, off, "inline answers changed the report");
    inlined
}

/// Runs `text` with latency draws taken ahead and each drawn on its own: the reports must be
/// the same.
fn same_reports_ahead(text: &str) {
    let sc = parse(text);
    let (ahead, _) = report(&sc, true, true);
    let (single, _) = report(&sc, true, false);
    assert_eq!(ahead, single, "drawing ahead changed the report");
}

/// One strategy of every kind, on the three regions.
const EVERY_KIND: &str = r#"
[[strategies]]
kind = "multi-master"
name = "mm-lww"
resolution = "lww"

[[strategies]]
kind = "multi-master"
name = "mm-vv"
resolution = "version-vector"

[[strategies]]
kind = "active-passive"
name = "ap-async-local"
primary = "us-east-1"
replication = "async"
read_from = "local"

[[strategies]]
kind = "active-passive"
name = "ap-sync-primary"
primary = "us-east-1"
replication = "sync"
read_from = "primary"

[[strategies]]
kind = "active-active"
name = "aa"

[[strategies]]
kind = "quorum"
name = "quorum"
n = 3
r = 2
w = 2
read_repair = true

[[strategies]]
kind = "consensus"
name = "raft-read-index"
leader = "us-east-1"
members = ["us-east-1", "eu-west-1", "ap-northeast-1"]
reads = "read-index"

[[strategies]]
kind = "edge-cache"
name = "edge"
origin = "us-east-1"
ttl_s = 1
capacity = 50
invalidate = true
"#;

#[test]
fn inline_reads_change_no_report_of_a_plain_run() {
    let inlined = same_reports(&format!("name = \"plain\"{REGIONS}{CLIENTS}{EVERY_KIND}"));
    // Every strategy answers reads successfully: the shortcut is taken in each run.
    assert!(inlined.iter().all(|&n| n > 1000), "{inlined:?}");
}

#[test]
fn inline_reads_are_off_where_an_answer_can_be_overtaken_or_slots_matter() {
    let mm = "\n[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\nresolution = \"lww\"\n";
    // Writes from a remote region wait longer for a standby than the timeout, so the primary
    // falls back (acknowledging its waiting writes in slot order) several times: with inline
    // answers (`slots_free` overridden to say yes), this report changes.
    let semi = r#"
[[workload.clients]]
region = "ap-northeast-1"
rate_rps = 60
read_fraction = 0.2
keys = 200

[[workload.clients]]
region = "us-east-1"
rate_rps = 400
read_fraction = 0.9
keys = 200

[[strategies]]
kind = "active-passive"
name = "semi"
primary = "us-east-1"
replication = "semi-sync"
semi_sync_timeout_ms = 40
read_from = "local"
"#;
    // A capacity (client timeouts armed), a fault, and a strategy whose results depend on
    // operation slots (semi-sync falls back in slot order): never inline.
    let capacity = REGIONS.replace(
        "jurisdiction = \"EU\"",
        "jurisdiction = \"EU\"\ncapacity = { servers = 4, service_ms = { dist = \"exponential\", mean_ms = 1.0 } }",
    );
    let fault = r#"
[[faults]]
kind = "region-outage"
region = "eu-west-1"
start_s = 5
duration_s = 5
"#;
    for text in [
        format!("name = \"capacity\"{capacity}{CLIENTS}{mm}"),
        format!("name = \"fault\"{REGIONS}{CLIENTS}{fault}{mm}"),
        format!("name = \"semi\"{REGIONS}{semi}"),
    ] {
        assert_eq!(same_reports(&text), [0], "{text}");
    }
}

#[test]
fn latency_draws_taken_ahead_change_no_report() {
    // A plain run, and one with every kind of fault: an outage, a partition, a skewed clock
    // (the network streams drawn ahead) and a degraded link with extra latency and loss (each
    // drawn on its own), with client retries.
    let faults = r#"
[clients]
timeout_ms = 400
retries = 2

[[faults]]
kind = "region-outage"
region = "eu-west-1"
start_s = 4
duration_s = 3

[[faults]]
kind = "partition"
a = ["us-east-1"]
b = ["ap-northeast-1"]
start_s = 9
duration_s = 3

[[faults]]
kind = "clock-skew"
region = "ap-northeast-1"
offset_ms = 80
start_s = 0
duration_s = 20
"#;
    let degraded = r#"
[[faults]]
kind = "link-degradation"
from = "us-east-1"
to = "eu-west-1"
extra_latency = { dist = "exponential", mean_ms = 20.0 }
loss = 0.2
start_s = 13
duration_s = 4
"#;
    same_reports_ahead(&format!("name = \"plain\"{REGIONS}{CLIENTS}{EVERY_KIND}"));
    same_reports_ahead(&format!(
        "name = \"faults\"{REGIONS}{CLIENTS}{faults}{EVERY_KIND}"
    ));
    same_reports_ahead(&format!(
        "name = \"degraded\"{REGIONS}{CLIENTS}{faults}{degraded}{EVERY_KIND}"
    ));
}
