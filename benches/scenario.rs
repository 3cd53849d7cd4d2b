//! Benchmark of whole runs: `scenarios/bench-1h-8-regions.toml` (one hour of 10,000
//! operations per second over eight AWS regions, one multi-master strategy) and its 49-region
//! variant (the same load spread over the first 49 catalogue regions: 49 groups of 10,000 / 49 rps).
//!
//! Each case loads the scenario (with `duration_s` overridden, default 600 s, so that a run
//! takes seconds rather than the minute the full hour takes on a loaded two-core machine) and
//! runs, [`RUNS`] times each and alternating in the same process, `geosim::simulate` and a
//! hand-written floor of the same load (`scenario/floor.rs`: the least a simulator of it must
//! do, in one tight loop on geosim's queue). It prints geosim's median wall time, events per
//! second (all events the engine handled) and ns per operation (client operations issued)
//! and per event; the floor's; and the ratio geosim / floor per pair (median [range]), which
//! survives a noisy machine where the absolute times do not. One strategy runs, so each run
//! uses one core. The bench checks that the floor issued the same number of operations
//! within 1 % (both are Poisson draws of the same mean) and prints both read medians and
//! stale-read shares side by side (the floor's definitions are simpler: a sanity check, not
//! a test).
//!
//! Run with `cargo bench --bench scenario` (both cases), or `cargo bench --bench scenario --
//! 8 49 --duration 3600` (the full hour; the 8-region hour is the target row).

#[path = "scenario/floor.rs"]
mod floor;

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Timed runs per case.
const RUNS: usize = 3;

/// The shipped 8-region benchmark scenario, with `duration_s` replaced.
fn eight_regions(duration_s: u64) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/bench-1h-8-regions.toml"
    );
    let text = std::fs::read_to_string(path).expect("shipped scenario");
    assert!(text.contains("duration_s = 3600\n"));
    text.replace(
        "duration_s = 3600\n",
        &format!("duration_s = {duration_s}\n"),
    )
}

/// The same load over all 49 catalogue regions.
fn forty_nine_regions(duration_s: u64) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_geosim"))
        .arg("regions")
        .output()
        .expect("geosim regions");
    let listing = String::from_utf8(out.stdout).expect("utf-8");
    // The first 49 catalogue regions (the catalogue has grown past 49 since the case was set).
    let regions: Vec<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.contains(':'))
        .take(49)
        .collect();
    assert_eq!(regions.len(), 49, "catalogue smaller than 49 regions");
    let list: Vec<String> = regions.iter().map(|r| format!("\"{r}\"")).collect();
    let mut text = format!(
        "name = \"bench-1h-49-regions\"\nseed = 42\nduration_s = {duration_s}\ndrain_s = 30\n\
         regions = [{}]\n",
        list.join(", ")
    );
    let rate = 10_000.0 / regions.len() as f64;
    for r in &regions {
        text += &format!(
            "\n[[workload.clients]]\nregion = \"{r}\"\nrate_rps = {rate}\nread_fraction = 0.9\n\
             keys = 20000\nzipf = 0.99\nvalue_bytes = 1024\n"
        );
    }
    text + "\n[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\nresolution = \"lww\"\n"
}

fn case(name: &str, text: &str) {
    let mut file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    file.write_all(text.as_bytes()).expect("write");
    let (sc, info) = geosim::io::load_scenario(file.path()).expect("scenario loads");
    let seed = sc.seed.unwrap_or(0);
    let (mut secs, mut floor_secs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    let mut floor = None;
    for round in 0..RUNS {
        // Engine and floor back to back, the order alternating by round.
        let mut pair = [0.0; 2];
        for which in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            if which == 0 {
                last = Some(geosim::simulate(&sc, info.clone(), None, &[]).expect("runs"));
            } else {
                floor = Some(black_box(floor::Floor::new(&sc, seed).run()));
            }
            pair[which] = start.elapsed().as_secs_f64();
        }
        secs.push(pair[0]);
        floor_secs.push(pair[1]);
        ratios.push(pair[0] / pair[1]);
    }
    let (report, floor) = (last.expect("ran"), floor.expect("ran"));
    let events: u64 = report.strategies.iter().map(|s| s.events).sum();
    let ops: u64 = report
        .strategies
        .iter()
        .map(|s| s.ops.reads + s.ops.writes)
        .sum();
    let med = median(&mut secs);
    let floor_med = median(&mut floor_secs);
    let ratio = median(&mut ratios);
    println!(
        "{name}: {:.0} s simulated, {ops} ops, {events} events; wall {med:.2} s median \
         [{:.2}, {:.2}] of {RUNS}; {:.2} M events/s, {:.0} ns/op, {:.0} ns/event",
        sc.duration_ns as f64 / 1e9,
        secs[0],
        secs[secs.len() - 1],
        events as f64 / med / 1e6,
        med * 1e9 / ops as f64,
        med * 1e9 / events as f64,
    );
    let read_p50 = report.strategies[0].latency_ms.read.p50.unwrap_or(f64::NAN);
    println!(
        "{name}, hand-written floor (floor.rs): {} ops, {} events, wall {floor_med:.2} s \
         median, {:.0} ns/op; read p50 {:.2} ms (geosim {read_p50:.2} ms), stale reads {:.2} % \
         (geosim {:.2} %)",
        floor.ops,
        floor.events,
        floor_med * 1e9 / floor.ops as f64,
        floor.read_p50_ms,
        100.0 * floor.stale as f64 / floor.ops as f64,
        100.0
            * report.strategies[0]
                .consistency
                .stale_read_rate
                .unwrap_or(f64::NAN),
    );
    println!(
        "{name}: geosim / floor {ratio:.2}x median [{:.2}, {:.2}] over {RUNS} interleaved pairs",
        ratios[0],
        ratios[ratios.len() - 1],
    );
    // The floor runs the same load: its operation count is a Poisson draw of the same mean.
    let gap = (floor.ops as f64 - ops as f64).abs() / ops as f64;
    assert!(
        gap < 0.01,
        "the floor issued {} operations, geosim {ops}",
        floor.ops
    );
}

/// Sorts `v` and returns its median.
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut duration = 600;
    let mut wanted = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--duration" => {
                duration = args[i + 1].parse().expect("--duration SECONDS");
                i += 1;
            }
            a if a.starts_with("--") => {}
            a => wanted.push(a.to_string()),
        }
        i += 1;
    }
    let want = |n: &str| wanted.is_empty() || wanted.iter().any(|w| w == n);
    assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .is_dir());
    if want("8") {
        case("8 regions", &eight_regions(duration));
    }
    if want("49") {
        case("49 regions", &forty_nine_regions(duration));
    }
}
