//! The embedding API: a scenario loaded from a file, strategies of your own registered beside
//! the built-in ones, one call to run them all on the same workload, and the same outputs as
//! `geosim run` (report.json, charts, report.html).
//!
//! Owns `Simulation`. It composes the layers below (io, scenario, sim's registry, report,
//! render, sweep) and adds no model of its own; nothing in the library imports it.
//!
//! ```no_run
//! # use geosim::Simulation;
//! # fn main() -> geosim::Result<()> {
//! let sim = Simulation::from_file("scenarios/three-regions.toml")?;
//! let report = sim.run()?;
//! sim.write(&report, "results/three-regions")?;
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::Result;
use crate::report::{Report, ScenarioInfo};
use crate::scenario::Scenario;
use crate::sim::custom::{Registry, Setup};
use crate::strategy::Strategy;

/// A scenario with the custom strategies a program registered; runs like `geosim run`.
#[derive(Debug)]
pub struct Simulation {
    path: PathBuf,
    scenario: Scenario,
    info: ScenarioInfo,
    registry: Registry,
}

impl Simulation {
    /// Loads and validates a scenario file (`.toml` or `.json`), with the same checks and
    /// errors as `geosim validate`. Custom strategies in it (`kind = "custom"`) run once
    /// registered with `with_strategy`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Simulation> {
        let path = path.as_ref();
        let (scenario, info) = crate::io::load_scenario(path)?;
        Ok(Simulation {
            path: path.to_path_buf(),
            scenario,
            info,
            registry: Registry::new(),
        })
    }

    /// Registers strategy `name` and attaches it to the scenario's strategies that use it
    /// (`kind = "custom"`, `strategy = "<name>"`). Their `[strategies.params]` table is
    /// deserialized into `P`; a mismatch is an error naming `strategies[i].params.<field>`.
    /// `make` builds a fresh strategy for each run from its parameters and the `Setup`, or
    /// says why they do not fit the scenario (reported as `strategies[i].params: ...`).
    pub fn with_strategy<P, S, F>(mut self, name: &str, make: F) -> Result<Simulation>
    where
        P: DeserializeOwned + 'static,
        S: Strategy + 'static,
        F: Fn(P, &Setup<'_>) -> std::result::Result<S, String> + Send + Sync + 'static,
    {
        self.registry.register(name, make);
        self.registry.attach(&mut self.scenario, &self.path)?;
        Ok(self)
    }

    /// The validated scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The custom strategies registered so far.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs every strategy with the scenario's seed and builds the report (with SLO
    /// verdicts), exactly as `geosim run` does. A custom strategy that was never registered
    /// is an error (`Error::Usage`).
    pub fn run(&self) -> Result<Report> {
        self.run_with(None, &[])
    }

    /// `run` with another seed and/or only the strategies named in `only`.
    pub fn run_with(&self, seed: Option<u64>, only: &[String]) -> Result<Report> {
        crate::simulate(&self.scenario, self.info.clone(), seed, only)
    }

    /// Writes `report.json`, the charts and `report.html` into `dir`, as `geosim run` does
    /// (each file atomically); `geosim check` and `geosim plot` read them as usual.
    pub fn write(&self, report: &Report, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        crate::io::write_atomic(&dir.join("report.json"), report.to_json().as_bytes())?;
        crate::render::write_report(dir, report)?;
        Ok(())
    }

    /// Loads a sweep file whose points may use the registered strategies; run it with
    /// `geosim::sweep::run` (docs/sweep.md).
    pub fn sweep(&self, path: impl AsRef<Path>) -> Result<crate::sweep::Plan> {
        crate::sweep::load_with(path.as_ref(), &self.registry)
    }
}
