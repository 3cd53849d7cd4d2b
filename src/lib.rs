//! geosim: a deterministic discrete-event simulator of geo-distributed systems.
//!
//! Architects write their situation down as a scenario (regions with coordinates and
//! jurisdictions, WAN links, client load, strategies) and compare the strategies side by
//! side on the **same** workload: latency percentiles per operation and region, stale reads,
//! conflicts, lost updates, replication lag and WAN traffic.
//!
//! Same scenario and seed give byte-identical reports: time is an integer number of
//! nanoseconds, events are ordered by `(time, sequence)`, and every random draw comes from a
//! ChaCha stream named for its purpose.
//!
//! ```
//! use std::path::Path;
//! use geosim::scenario::{self, Format};
//!
//! let text = r#"
//!     duration_s = 5
//!     [[regions]]
//!     name = "us-east-1"
//!     lat = 39.0
//!     lon = -77.5
//!     [[regions]]
//!     name = "eu-west-1"
//!     lat = 53.3
//!     lon = -6.3
//!     [[workload.clients]]
//!     region = "eu-west-1"
//!     rate_rps = 100
//!     [[strategies]]
//!     kind = "active-passive"
//!     name = "ap"
//!     primary = "us-east-1"
//!     [[strategies]]
//!     kind = "multi-master"
//!     name = "mm"
//! "#;
//! let sc = scenario::from_str(text, Format::Toml, Path::new("example.toml")).unwrap();
//! let report = geosim::simulate(&sc, geosim::report::ScenarioInfo {
//!     name: sc.name.clone(), path: "example.toml".into(), sha256: String::new(),
//! }, None, &[]).unwrap();
//! let ap = report.strategy("ap").unwrap();
//! let mm = report.strategy("mm").unwrap();
//! // Writes from Dublin cross the Atlantic under active-passive, stay local under multi-master.
//! assert!(ap.latency_ms.write.p50.unwrap() > 50.0);
//! assert!(mm.latency_ms.write.p50.unwrap() < 10.0);
//! ```
//!
//! Module map (each module's header says what it owns and what it must not import; the
//! floors and a tour of one operation are in docs/architecture.md): `time`, `rng`, `prefetch`
//! and `engine` are the kernel; `latency`, `catalogue` and `topology` the network; `workload`,
//! `faults`, `residency` and `objective` the domain of a scenario; `strategy` the extension
//! point with one file or folder per strategy; `metrics` what a run measures; `sim` one run;
//! `scenario` the file format and validation; `report` the output and `slo` its verdicts;
//! `plot`, `html` and `render` its pictures; `sweep` and `check` many runs and regressions;
//! `io` the only file access; `simulation` the embedding API (a scenario file plus custom
//! strategies registered from outside: docs/extending.md).

#![deny(missing_docs)]

pub mod advise;
pub mod catalogue;
pub mod check;
pub mod cost;
pub mod engine;
pub mod error;
pub mod faults;
pub mod guarantees;
pub mod html;
pub mod input;
pub mod io;
pub mod latency;
pub mod metrics;
pub mod objective;
pub mod plot;
pub(crate) mod prefetch;
pub mod render;
pub mod report;
pub mod residency;
pub mod rng;
pub mod scenario;
pub mod seeds;
pub mod sim;
pub mod simulation;
pub mod slo;
pub mod strategy;
pub mod sweep;
pub mod time;
pub mod topology;
pub mod workload;

pub use error::{Error, Result};
pub use sim::custom::{Registry, Setup};
pub use simulation::Simulation;

use report::{Report, ScenarioInfo};
use scenario::{Scenario, DEFAULT_SEED};

/// Runs the strategies named in `only` (all when empty) of `sc` with `seed` (else the
/// scenario's, else `DEFAULT_SEED`) and builds the report. Strategies run in parallel; the
/// report is the same whatever the thread count.
pub fn simulate(
    sc: &Scenario,
    info: ScenarioInfo,
    seed: Option<u64>,
    only: &[String],
) -> Result<Report> {
    let seed = seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let indices = select(sc, only)?;
    let results = sim::run_all(sc, &indices, seed);
    Ok(finish(sc, info, seed, &indices, &results))
}

/// `simulate`, telling `progress` how far each selected strategy's run has got (slot `k` is
/// the `k`-th selected strategy). The report is the same as `simulate`'s, byte for byte.
pub fn simulate_observed(
    sc: &Scenario,
    info: ScenarioInfo,
    seed: Option<u64>,
    only: &[String],
    progress: &dyn sim::RunProgress,
) -> Result<Report> {
    simulate_with(sc, info, seed, only, None, Some(progress)).map(|(report, _)| report)
}

/// `simulate`, also tracing operations as `trace` says: the report and, per strategy run (in
/// the report's order), its traced operations.
pub fn simulate_traced(
    sc: &Scenario,
    info: ScenarioInfo,
    seed: Option<u64>,
    only: &[String],
    trace: &sim::TraceSpec,
) -> Result<(Report, Vec<Vec<sim::TracedOp>>)> {
    simulate_with(sc, info, seed, only, Some(trace), None)
}

/// `simulate` with an optional trace of operations and an optional progress listener (neither
/// changes the report): the report and, per strategy run, its traced operations (empty
/// without `trace`).
pub fn simulate_with(
    sc: &Scenario,
    info: ScenarioInfo,
    seed: Option<u64>,
    only: &[String],
    trace: Option<&sim::TraceSpec>,
    progress: Option<&dyn sim::RunProgress>,
) -> Result<(Report, Vec<Vec<sim::TracedOp>>)> {
    let seed = seed.or(sc.seed).unwrap_or(DEFAULT_SEED);
    let indices = select(sc, only)?;
    let mut results = sim::run_all_with(sc, &indices, seed, trace, progress);
    let traces = results
        .iter_mut()
        .map(|r| std::mem::take(&mut r.trace))
        .collect();
    Ok((finish(sc, info, seed, &indices, &results), traces))
}

fn finish(
    sc: &Scenario,
    info: ScenarioInfo,
    seed: u64,
    indices: &[usize],
    results: &[sim::RunResult],
) -> Report {
    let mut report = report::build(sc, info, seed, indices, results);
    slo::apply(&mut report, &sc.slos, &client_kinds(sc));
    report
}

/// The kinds of operation each region's clients issue: a group with a rate above 0 issues
/// reads when its read share is above 0 and writes when it is below 1; travelling users
/// (`workload.users`) may issue theirs in any region.
fn client_kinds(sc: &Scenario) -> Vec<slo::ClientKinds> {
    let w = &sc.workload;
    (0..sc.topology.len())
        .map(|i| {
            let mut k = slo::ClientKinds {
                region: sc.topology.region(i as u16).name.clone(),
                reads: false,
                writes: false,
            };
            let groups = w.groups.iter().filter(|g| g.region as usize == i);
            let users = w.users.iter().map(|u| (u.rate_rps, u.read_fraction));
            for (rate, read) in groups.map(|g| (g.rate_rps, g.read_fraction)).chain(users) {
                k.reads |= rate > 0.0 && read > 0.0;
                k.writes |= rate > 0.0 && read < 1.0;
            }
            k
        })
        .collect()
}

/// The indices of the strategies named in `only`, in scenario order (all when empty); an
/// error when one of them is a custom strategy no program registered.
pub fn select(sc: &Scenario, only: &[String]) -> Result<Vec<usize>> {
    for name in only {
        if sc.strategy_index(name).is_none() {
            let known: Vec<&str> = sc.strategies.iter().map(|s| s.name.as_str()).collect();
            let hint = scenario::suggest::did_you_mean(name, known.iter().copied());
            return Err(Error::Usage(format!(
                "--strategy {name}: no such strategy in the scenario{hint} (it has: {})",
                known.join(", ")
            )));
        }
    }
    let indices: Vec<usize> = (0..sc.strategies.len())
        .filter(|&i| only.is_empty() || only.iter().any(|n| *n == sc.strategies[i].name))
        .collect();
    // A custom strategy runs only once a program registered it: refused, never skipped.
    let missing = sim::custom::unattached(sc, &indices);
    if !missing.is_empty() {
        return Err(sim::custom::unattached_error(sc, &missing));
    }
    Ok(indices)
}
