//! Strategies from outside geosim: the registry that maps a name (`kind = "custom"`,
//! `strategy = "chain"`) to how its parameters are checked and how it runs.
//!
//! Owns `Registry`, `Setup` (what a custom strategy's constructor is given) and attaching
//! registered runners to a scenario's custom strategies. A registered strategy runs in the
//! same `World` as the built-in ones, monomorphised for its own message and timer types: no
//! dynamic dispatch per event, only one call through the registry per run.
//!
//! Must not import report, render, sweep or io.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::{run_with, How, RunResult};
use crate::error::{Error, Problem, Result};
use crate::scenario::Scenario;
use crate::strategy::{CustomConfig, Runner, Strategy, StrategyConfig};
use crate::topology::Topology;

/// How a registered strategy runs: strategy `index` of a scenario, with a seed, traced and
/// observed as `How` says.
type RunFn = dyn Fn(&Scenario, usize, u64, How<'_>) -> RunResult + Send + Sync;
/// How a registered strategy's `params` are checked: `Err((field path, message))`.
type CheckFn = dyn Fn(&serde_json::Value, &Scenario) -> std::result::Result<(), (String, String)>
    + Send
    + Sync;

/// What a custom strategy's constructor is given besides its parameters.
#[non_exhaustive]
pub struct Setup<'a> {
    /// Regions, links and the latency model of the scenario.
    pub topology: &'a Topology,
    /// Number of distinct keys the workload uses (keys are `0..key_space`, plus offsets).
    pub key_space: u64,
}

#[derive(Clone)]
struct Entry {
    check: Arc<CheckFn>,
    run: Arc<RunFn>,
}

/// Custom strategies by registered name.
#[derive(Clone, Default)]
pub struct Registry {
    entries: BTreeMap<String, Entry>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.entries.keys()).finish()
    }
}

impl Registry {
    /// An empty registry (only the built-in strategies run).
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers strategy `name`: scenarios use it as `kind = "custom"`,
    /// `strategy = "<name>"`, with a `[strategies.params]` table that deserializes into `P`.
    /// `make` builds a fresh strategy for each run, or says why the parameters do not fit
    /// the scenario (e.g. a region it does not have); it is called once when the strategy is
    /// attached, so such errors come before any run.
    pub fn register<P, S, F>(&mut self, name: &str, make: F)
    where
        P: DeserializeOwned + 'static,
        S: Strategy + 'static,
        F: Fn(P, &Setup<'_>) -> std::result::Result<S, String> + Send + Sync + 'static,
    {
        let make = Arc::new(make);
        let make_checked = make.clone();
        let check: Arc<CheckFn> = Arc::new(move |v: &serde_json::Value, sc: &Scenario| {
            let params = serde_path_to_error::deserialize::<_, P>(v).map_err(|e| {
                let message = crate::scenario::suggest::message(&e.inner().to_string());
                (e.path().to_string(), message)
            })?;
            let setup = Setup {
                topology: &sc.topology,
                key_space: sc.workload.key_space(),
            };
            make_checked(params, &setup)
                .map(|_| ())
                .map_err(|m| (".".to_string(), m))
        });
        let run: Arc<RunFn> = Arc::new(move |sc: &Scenario, index, seed, how: How<'_>| {
            let StrategyConfig::Custom(c) = &sc.strategies[index].config else {
                unreachable!("only custom strategies reach a registered runner")
            };
            let params: P = serde_json::from_value(c.params.clone())
                .expect("params were checked when the strategy was attached");
            let setup = Setup {
                topology: &sc.topology,
                key_space: sc.workload.key_space(),
            };
            let strategy = make(params, &setup).expect("the constructor accepted these params");
            run_with(sc, index, seed, how, strategy)
        });
        self.entries.insert(name.to_string(), Entry { check, run });
    }

    /// The registered names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Attaches the registered runners to every custom strategy of `sc`, checking each
    /// one's `params` with its strategy's type. Strategies whose name is not registered are
    /// left unattached (`unattached` names them); `path` names the scenario in errors.
    pub fn attach(&self, sc: &mut Scenario, path: &Path) -> Result<()> {
        let mut problems = Vec::new();
        let mut attach = Vec::new();
        for (i, s) in sc.strategies.iter().enumerate() {
            let StrategyConfig::Custom(c) = &s.config else {
                continue;
            };
            let Some(entry) = self.entries.get(&c.strategy) else {
                continue;
            };
            match (entry.check)(&c.params, sc) {
                Ok(()) => attach.push((i, entry.run.clone())),
                Err((field, message)) => problems.push(Problem::new(
                    if field == "." {
                        format!("strategies[{i}].params")
                    } else {
                        format!("strategies[{i}].params.{field}")
                    },
                    message,
                )),
            }
        }
        for (i, run) in attach {
            if let StrategyConfig::Custom(c) = &mut sc.strategies[i].config {
                c.runner = Some(Runner(Arc::new(run)));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid {
                path: path.to_path_buf(),
                problems,
            })
        }
    }
}

/// The custom strategies among `indices` that no registry attached a runner to, as
/// `(index, "custom:<name>")`.
pub fn unattached<'a>(sc: &'a Scenario, indices: &[usize]) -> Vec<(usize, &'a str)> {
    indices
        .iter()
        .filter_map(|&i| match &sc.strategies[i].config {
            StrategyConfig::Custom(c) if c.runner.is_none() => Some((i, c.kind.as_str())),
            _ => None,
        })
        .collect()
}

/// The error for a run that includes unattached custom strategies.
pub fn unattached_error(sc: &Scenario, missing: &[(usize, &str)]) -> Error {
    let names: Vec<String> = missing
        .iter()
        .map(|(i, kind)| format!("`{}` ({kind})", sc.strategies[*i].name))
        .collect();
    Error::Usage(format!(
        "{} not built into geosim: run {} from a program that registers {} with \
         `geosim::Simulation::with_strategy` (docs/extending.md), or leave {} out with --strategy",
        names.join(", "),
        if missing.len() == 1 { "it" } else { "them" },
        if missing.len() == 1 { "it" } else { "them" },
        if missing.len() == 1 { "it" } else { "them" },
    ))
}

/// Runs an attached custom strategy.
pub(super) fn run(
    sc: &Scenario,
    index: usize,
    seed: u64,
    how: How<'_>,
    c: &CustomConfig,
) -> RunResult {
    let run = c
        .runner
        .as_ref()
        .and_then(|r| r.0.downcast_ref::<Arc<RunFn>>())
        .unwrap_or_else(|| {
            panic!(
                "{}: custom strategy run without a registered runner (callers check `unattached` first)",
                c.kind
            )
        });
    run(sc, index, seed, how)
}
