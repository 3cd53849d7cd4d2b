//! Benchmark of whole runs: `scenarios/bench-1h-8-regions.toml` (one hour of 10,000
//! operations per second over eight AWS regions, one multi-master strategy) and its 49-region
//! variant (the same load spread over the first 49 catalogue regions: 49 groups of 10,000 / 49 rps).
//!
//! Each case loads the scenario (with `duration_s` overridden, default 600 s, so that a run
//! takes seconds rather than the minute the full hour takes on a loaded two-core machine),
//! runs `geosim::simulate` [`RUNS`] times and prints the median wall time, events per second
//! (all events the engine handled) and ns per operation (client operations issued) and per
//! event. One strategy runs, so the run uses one core.
//!
//! Run with `cargo bench --bench scenario` (both cases), or `cargo bench --bench scenario --
//! 8 49 --duration 3600` (the full hour; the 8-region hour is the target row).

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
    let mut secs = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let report = geosim::simulate(&sc, info.clone(), None, &[]).expect("runs");
        secs.push(start.elapsed().as_secs_f64());
        last = Some(report);
    }
    let report = last.expect("ran");
    let events: u64 = report.strategies.iter().map(|s| s.events).sum();
    let ops: u64 = report
        .strategies
        .iter()
        .map(|s| s.ops.reads + s.ops.writes)
        .sum();
    secs.sort_by(f64::total_cmp);
    let med = secs[secs.len() / 2];
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
