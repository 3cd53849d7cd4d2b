//! Parameter sweeps: a base scenario, parameters that override its fields, several seeds per
//! point, metrics collected from every run, and statistics per point (docs/sweep.md).
//!
//! Owns the sweep plan (`load`: parse the sweep file, build and validate every grid point and
//! check every metric path before anything runs), running it (`run`: every (point, replica)
//! or one shard of them on a rayon pool of `jobs` threads; the pool, `par_map`, also serves
//! `advise`), and the outputs (`Results`:
//! `sweep.csv` and `sweep.json`; `ShardFile` and `merge` for sweeps split across machines).
//!
//! Determinism: a run's seed is `rng::derive_seed(sweep seed, [point hash, replica])`, where
//! the point hash is FNV-1a of the point's (path, value) assignments, not its index, so a
//! point's numbers do not depend on which other points are in the sweep. Results are stored by
//! run index, never by completion order, so the output bytes are the same for any `jobs` and
//! any shard split. Memory is bounded by the grid: a run keeps only its metric values.
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use geosim::sweep;
//!
//! // Parse, build every point, validate it, check every metric: nothing has run yet.
//! let plan = sweep::load("scenarios/sweeps/conflicts-vs-rate.toml".as_ref())?;
//! // Every run on 2 threads, no shard, never cancelled, no progress reporting.
//! let values = sweep::run(&plan, 2, None, &AtomicBool::new(false), &())?;
//! let results = sweep::Results::new(plan.header.clone(), values)?;
//! std::fs::write("sweep.csv", results.to_csv())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Must not do terminal I/O (progress goes through the `Progress` trait, cancellation through
//! an `AtomicBool`), must not import the engine or the world; file access goes through `io`.

mod origin;
mod output;
pub mod path;
mod plan;
pub mod spec;
pub mod stats;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::report::ScenarioInfo;
use crate::scenario::Scenario;

pub use origin::Place;
pub use output::{
    merge, FileRef, Header, Identity, ParameterInfo, PointInfo, Results, Row, RunInfo, ShardFile,
    ShardRun,
};
use path::FieldPath;
pub use plan::{from_str, from_str_with, load, load_with};

/// The metric values of one run: for each strategy of its point (in scenario order), each
/// metric (in file order); `None` where the report has `null` or lacks the field.
pub type RunValues = Vec<Option<f64>>;

/// A validated sweep, ready to run: every point is a valid scenario and every metric exists.
#[derive(Debug)]
pub struct Plan {
    /// Provenance, parameters, points and runs: what `sweep.json` and shard files record.
    pub header: Header,
    scenarios: Vec<Scenario>,
    only: Vec<String>,
    metrics: Vec<FieldPath>,
    info: ScenarioInfo,
    sources: origin::Sources,
}

impl Plan {
    /// Number of grid points.
    pub fn points(&self) -> usize {
        self.header.points.len()
    }

    /// Number of runs (points x seeds).
    pub fn runs(&self) -> usize {
        self.header.runs.len()
    }

    /// The validated scenario of point `k`.
    pub fn scenario(&self, k: usize) -> &Scenario {
        &self.scenarios[k]
    }
}

/// One of `count` disjoint, balanced parts of a sweep: run `r` belongs to shard
/// `(r mod count) + 1`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Parses `I/N` (1-based `I`) or `auto/N`, where `auto` reads the index from the
    /// environment through `env`:
    ///
    /// - a Slurm job array (`SLURM_ARRAY_TASK_ID` set): the array must be the whole sweep,
    ///   `N` tasks evenly spaced (`--array=0-7`, `--array=1-8`, `--array=10-24:2` with N = 8):
    ///   `SLURM_ARRAY_TASK_COUNT` = N and `MAX` = `MIN` + (N - 1) x `STEP`, and the task runs
    ///   shard `(ID - MIN) / STEP + 1`. Anything else (a resubmitted subset such as
    ///   `--array=5`, a list, a count that differs from N, variables missing) is refused with
    ///   the reason, since the shard a task should run cannot be told from its own ID: pass
    ///   the index explicitly (`--shard 5/8`).
    /// - a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, 0-based): shard `index + 1`.
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard> {
        let usage = |m: String| Error::Usage(format!("--shard {text}: {m}"));
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| usage("expected I/N (1-based I) or auto/N".to_string()))?;
        let count: usize = n
            .trim()
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| usage(format!("`{n}` is not a positive number of shards")))?;
        let num = |name: &str, v: String| -> Result<usize> {
            v.trim()
                .parse()
                .map_err(|_| usage(format!("{name}={v} is not a number")))
        };
        let index = if i.trim() == "auto" {
            if let Some(id) = env("SLURM_ARRAY_TASK_ID") {
                let id = num("SLURM_ARRAY_TASK_ID", id)?;
                let var = |name: &str| -> Result<usize> {
                    let v = env(name).ok_or_else(|| {
                        usage(format!(
                            "`auto` in a Slurm array needs {name} (set by Slurm 14.03 and later); \
                             pass the index explicitly instead, e.g. --shard {}/{count}",
                            id.max(1)
                        ))
                    })?;
                    num(name, v)
                };
                let (min, max, tasks) = (
                    var("SLURM_ARRAY_TASK_MIN")?,
                    var("SLURM_ARRAY_TASK_MAX")?,
                    var("SLURM_ARRAY_TASK_COUNT")?,
                );
                let step = match env("SLURM_ARRAY_TASK_STEP") {
                    Some(s) => num("SLURM_ARRAY_TASK_STEP", s)?.max(1),
                    None => 1,
                };
                let whole = tasks == count
                    && (count - 1)
                        .checked_mul(step)
                        .and_then(|span| min.checked_add(span))
                        == Some(max);
                if !whole {
                    return Err(usage(format!(
                        "this Slurm array (SLURM_ARRAY_TASK_MIN={min}, MAX={max}, STEP={step}, \
                         COUNT={tasks}) is not {count} evenly spaced tasks, so which shard task \
                         {id} should run cannot be told (a resubmitted subset such as \
                         --array=5 looks like this); submit --array with exactly {count} tasks, \
                         or pass the shard explicitly: --shard I/{count}"
                    )));
                }
                if id < min || (id - min) % step != 0 {
                    return Err(usage(format!(
                        "SLURM_ARRAY_TASK_ID={id} is not one of the array's tasks \
                         ({min}..={max} step {step})"
                    )));
                }
                (id - min) / step + 1
            } else if let Some(id) = env("JOB_COMPLETION_INDEX") {
                num("JOB_COMPLETION_INDEX", id)?
                    .checked_add(1)
                    .ok_or_else(|| usage("JOB_COMPLETION_INDEX is too large".into()))?
            } else {
                return Err(usage(
                    "`auto` needs SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX in the environment"
                        .to_string(),
                ));
            }
        } else {
            i.trim()
                .parse()
                .map_err(|_| usage(format!("`{i}` is not a shard index")))?
        };
        if index < 1 || index > count {
            return Err(usage(format!(
                "shard index {index} is not in 1..={count} (indices are 1-based)"
            )));
        }
        Ok(Shard { index, count })
    }

    /// True when run `r` belongs to this shard.
    pub fn contains(&self, r: usize) -> bool {
        r % self.count + 1 == self.index
    }

    /// The shard's file name, `shard-I-of-N.json`.
    pub fn file_name(&self) -> String {
        format!("shard-{}-of-{}.json", self.index, self.count)
    }
}

/// Receives progress from `run` (called from worker threads). The library does no terminal
/// I/O: the command line draws a bar or prints lines.
pub trait Progress: Sync {
    /// Before the first run: the number of runs to do.
    fn start(&self, runs: usize) {
        let _ = runs;
    }
    /// After each run: how many are done.
    fn advance(&self, done: usize) {
        let _ = done;
    }
}

/// No progress reporting.
impl Progress for () {}

/// 64-bit FNV-1a.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The identity of a point: FNV-1a of the canonical JSON of its `[path, value]` pairs sorted
/// by path (objects in values have sorted keys, integral numbers are integers).
pub fn point_hash(assignments: &[(String, Value)]) -> u64 {
    let mut pairs: Vec<&(String, Value)> = assignments.iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let canonical = serde_json::to_string(&pairs).expect("values serialise");
    fnv1a(canonical.as_bytes())
}

/// Runs the sweep's runs (all, or those of `shard`) on a pool of `jobs` threads and returns
/// each run's index and metric values, in run order. Stops scheduling new runs when `cancel`
/// becomes true and then returns `Error::Interrupted`.
pub fn run(
    plan: &Plan,
    jobs: usize,
    shard: Option<Shard>,
    cancel: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Vec<(usize, RunValues)>> {
    let indices: Vec<usize> = (0..plan.runs())
        .filter(|&r| shard.is_none_or(|s| s.contains(r)))
        .collect();
    par_map(&indices, jobs, cancel, progress, |r| run_one(plan, r))
}

/// The worker pool of sweeps (also used by `advise`): applies `f` to every index on a rayon
/// pool of `jobs` threads, one item at a time, reporting progress after each, and returns
/// `(index, result)` in the order of `indices` whatever the thread count. Stops scheduling new
/// items when `cancel` becomes true and then returns `Error::Interrupted`.
pub fn par_map<T: Send>(
    indices: &[usize],
    jobs: usize,
    cancel: &AtomicBool,
    progress: &dyn Progress,
    f: impl Fn(usize) -> T + Sync,
) -> Result<Vec<(usize, T)>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("--jobs {jobs}: cannot start threads: {e}")))?;
    progress.start(indices.len());
    let done = AtomicUsize::new(0);
    let results: Vec<Option<(usize, T)>> = pool.install(|| {
        indices
            .par_iter()
            .with_max_len(1)
            .map(|&r| {
                if cancel.load(Ordering::Relaxed) {
                    return None;
                }
                let value = f(r);
                progress.advance(done.fetch_add(1, Ordering::Relaxed) + 1);
                Some((r, value))
            })
            .collect()
    });
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    Ok(results.into_iter().flatten().collect())
}

/// Runs run `r` of the plan and extracts its metric values.
pub fn run_one(plan: &Plan, r: usize) -> RunValues {
    let run = &plan.header.runs[r];
    let sc = &plan.scenarios[run.point];
    let report = crate::simulate(sc, plan.info.clone(), Some(run.seed), &plan.only)
        .expect("strategies were checked when the plan was built");
    let mut out = Vec::with_capacity(report.strategies.len() * plan.metrics.len());
    for s in &report.strategies {
        let entry = serde_json::to_value(s).expect("report serialises");
        for m in &plan.metrics {
            out.push(path::get_number(&entry, m).ok().flatten());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_hash_ignores_parameter_order_and_number_spelling() {
        let a = vec![
            ("x".to_string(), Value::from(1)),
            ("y".to_string(), Value::from("a")),
        ];
        let b = vec![
            ("y".to_string(), Value::from("a")),
            ("x".to_string(), spec::normalize(&Value::from(1.0))),
        ];
        assert_eq!(point_hash(&a), point_hash(&b));
        assert_ne!(point_hash(&a), point_hash(&a[..1]));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn shards_parse_from_arguments_and_environment() {
        let none = |_: &str| None;
        assert_eq!(
            Shard::parse("2/3", none).unwrap(),
            Shard { index: 2, count: 3 }
        );
        assert!(Shard::parse("0/3", none).is_err());
        assert!(Shard::parse("4/3", none).is_err());
        assert!(Shard::parse("auto/3", none).is_err());
        // A Slurm array as the environment of one task: (ID, MIN, MAX, COUNT, STEP).
        fn slurm(v: [Option<usize>; 5]) -> impl Fn(&str) -> Option<String> {
            move |k: &str| {
                let i = match k {
                    "SLURM_ARRAY_TASK_ID" => 0,
                    "SLURM_ARRAY_TASK_MIN" => 1,
                    "SLURM_ARRAY_TASK_MAX" => 2,
                    "SLURM_ARRAY_TASK_COUNT" => 3,
                    "SLURM_ARRAY_TASK_STEP" => 4,
                    _ => return None,
                };
                v[i].map(|x| x.to_string())
            }
        }
        let auto = |v| Shard::parse("auto/8", slurm(v)).map(|s| s.index);
        // --array=1-8, --array=0-7, --array=10-24:2: every task finds its shard, all 8 distinct.
        for (min, step) in [(1, 1), (0, 1), (10, 2)] {
            let max = min + 7 * step;
            let got: Vec<usize> = (0..8)
                .map(|k| {
                    auto([
                        Some(min + k * step),
                        Some(min),
                        Some(max),
                        Some(8),
                        Some(step),
                    ])
                })
                .map(Result::unwrap)
                .collect();
            assert_eq!(got, (1..=8).collect::<Vec<_>>(), "array {min}-{max}:{step}");
        }
        // Step absent means 1.
        assert_eq!(auto([Some(3), Some(0), Some(7), Some(8), None]).unwrap(), 4);
        // The trap: shard 5 resubmitted alone (--array=5: ID = MIN = MAX = 5, COUNT = 1) must
        // not silently run shard 1.
        let e = auto([Some(5), Some(5), Some(5), Some(1), None])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--shard I/8") && e.contains("COUNT=1"), "{e}");
        // An array of another size, a gap, missing variables: refused.
        assert!(auto([Some(0), Some(0), Some(3), Some(4), None]).is_err());
        assert!(auto([Some(1), Some(0), Some(14), Some(8), Some(2)]).is_err());
        assert!(auto([Some(3), None, None, None, None]).is_err());
        let k8s = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "2".to_string());
        assert_eq!(Shard::parse("auto/3", k8s).unwrap().index, 3);
        let s = Shard { index: 2, count: 3 };
        let mine: Vec<usize> = (0..7).filter(|&r| s.contains(r)).collect();
        assert_eq!(mine, [1, 4]);
    }
}
