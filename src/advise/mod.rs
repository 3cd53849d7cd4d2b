//! `geosim advise`: from a scenario's regions, workload, faults, SLOs, residency classes and
//! an optional budget, enumerate candidate designs, prune what cannot work, simulate the rest
//! on the same workload and faults, and recommend (docs/advise.md).
//!
//! Owns the search: `load` (enumerate with `candidates`, prune by the fibre floor and by
//! validation under enforced residency, build the `Plan`), `run` (the short rung of successive
//! halving when the space is large, then full runs of the survivors, or of one shard of them,
//! on the sweep worker pool), `Figures` (what a run yields), `winner_toml` (the winning design
//! as a runnable scenario). Submodules: `candidates` (enumeration, fibre-floor bounds),
//! `pareto` (dominance, fronts, crowding), `output` (`advise.json`, shards, merge, the table),
//! `matrix` (the measured decision matrix, docs/decision-matrix.md).
//!
//! Determinism: every candidate runs with the scenario's seed (common random numbers: the
//! same arrivals, keys and faults), results are stored by candidate id, never by completion
//! order, and survivors are chosen by a total order on figures and ids: the same bytes for any
//! `jobs` and any shard split.
//!
//! Must not do terminal I/O, must not import the engine or the world; files only through `io`.

mod candidates;
pub mod matrix;
mod output;
pub mod pareto;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::io::{read_text, sha256_hex};
use crate::report::{ScenarioInfo, StrategyReport};
use crate::scenario::{self, Format, Scenario, ScenarioSpec, DEFAULT_SEED};
use crate::sweep::{self, Progress, Shard};

pub use candidates::{Candidate, MAX_SET_REGIONS};
pub use output::{merge, Advice, CandidateResult, ShardFile, Winner, ADVICE_FORMAT, SHARD_FORMAT};

/// Successive halving starts above this many candidates.
pub const HALVING_ABOVE: usize = 48;
/// The short rung simulates 1/ETA of the duration and keeps 1/ETA of the candidates.
pub const ETA: usize = 4;

/// What the user asks besides the scenario.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Monthly budget, USD.
    pub budget_usd_month: Option<f64>,
    /// Client regions whose latency counts (empty: all clients).
    pub regions: Vec<String>,
    /// Run every candidate at full length (no successive halving).
    pub exhaustive: bool,
}

/// The figures of one candidate's run. `None` where a figure does not apply.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Figures {
    /// p99 write latency, ms (overall, or the worst of the named regions).
    pub write_p99_ms: Option<f64>,
    /// p99 read latency, ms (same).
    pub read_p99_ms: Option<f64>,
    /// Stale reads / successful reads.
    pub stale_read_rate: Option<f64>,
    /// Largest span of lost acknowledged data over the faults, s (`null` without faults).
    pub rpo_s: Option<f64>,
    /// Acknowledged writes lost (`null` without faults).
    pub lost_writes: Option<u64>,
    /// Largest RTO over the faults, s (`null` without faults or when `rto_never`).
    pub rto_s: Option<f64>,
    /// Some fault never recovered before the run ended (`null` without faults).
    pub rto_never: Option<bool>,
    /// Successful / issued operations.
    pub availability: f64,
    /// Projected monthly cost, USD (`null` without a cost model).
    pub cost_usd_month: Option<f64>,
    /// The scenario SLOs it does not meet (their names as in the report): failed, or `n/a`
    /// (could not be measured, e.g. every operation failed; the name followed by ` (n/a)`),
    /// which never counts as met.
    pub slo_failed: Vec<String>,
}

/// A candidate as `advise.json` and shard files list it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CandidateInfo {
    /// Descriptive name.
    pub name: String,
    /// Strategy kind.
    pub kind: String,
    /// The strategy table.
    pub strategy: Value,
}

/// Candidates pruned for one reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pruned {
    /// Why.
    pub reason: String,
    /// How many.
    pub count: usize,
    /// The first three, by enumeration order.
    pub examples: Vec<String>,
}

/// The search plan: provenance, options, enumeration and pruning.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    /// geosim version.
    pub geosim_version: String,
    /// Scenario file as given.
    pub scenario_path: String,
    /// SHA-256 of the scenario text.
    pub scenario_sha256: String,
    /// The seed every candidate runs with.
    pub seed: u64,
    /// `--budget-usd-month`.
    pub budget_usd_month: Option<f64>,
    /// `--regions` (empty: all clients).
    pub latency_regions: Vec<String>,
    /// The scenario has faults (RPO and RTO are objectives).
    pub faults: bool,
    /// Full simulated duration, s.
    pub duration_s: f64,
    /// The short rung's duration, s (`null`: no successive halving).
    pub short_duration_s: Option<f64>,
    /// Candidates enumerated before pruning.
    pub enumerated: usize,
    /// Pruned, by reason.
    pub pruned: Vec<Pruned>,
    /// The candidates evaluated, by id.
    pub candidates: Vec<CandidateInfo>,
}

/// A loaded search, ready to run.
#[derive(Debug)]
pub struct Plan {
    /// What `advise.json` and shard files record.
    pub header: Header,
    /// The base scenario as a value (`strategies` replaced per candidate).
    pub base: Value,
}

/// The scenario value of a candidate: the base with only its strategy, the run seed and, for
/// the short rung, a shorter duration.
pub fn candidate_value(base: &Value, table: &Value, seed: u64, duration_s: Option<f64>) -> Value {
    let mut v = base.clone();
    v["strategies"] = json!([table]);
    v["seed"] = json!(seed);
    if let Some(d) = duration_s {
        v["duration_s"] = json!(d);
    }
    v
}

fn build(value: &Value, path: &Path) -> Result<Scenario> {
    let spec: ScenarioSpec = serde_json::from_value(value.clone()).map_err(|e| Error::Field {
        path: path.to_path_buf(),
        field: ".".into(),
        line: None,
        column: None,
        message: e.to_string(),
    })?;
    scenario::from_spec(&spec, path)
}

/// Reads the scenario, enumerates and prunes the candidates (nothing is simulated yet).
pub fn load(path: &Path, options: &Options) -> Result<Plan> {
    let format = Format::of(path)?;
    let text = read_text(path)?;
    let base: Value = scenario::parse_spec(&text, format, path)?;
    // The scenario's own strategies are ignored; it may have none (validation needs one).
    let base_sc = match base.get("strategies").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => scenario::from_str(&text, format, path)?,
        _ => {
            let placeholder = json!({"kind": "multi-master", "name": "placeholder"});
            build(&candidate_value(&base, &placeholder, 0, None), path)?
        }
    };
    for r in &options.regions {
        let id = base_sc.topology.find(r);
        if !base_sc.workload.groups.iter().any(|g| Some(g.region) == id) {
            return Err(Error::Usage(format!(
                "--regions {r}: not a client region of the scenario"
            )));
        }
    }
    if options
        .budget_usd_month
        .is_some_and(|b| !(b.is_finite() && b > 0.0))
    {
        return Err(Error::Usage(
            "--budget-usd-month must be a positive number".into(),
        ));
    }
    let seed = base
        .get("seed")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_SEED);
    let all = candidates::enumerate(&base_sc, &base);
    let enforce = base_sc.residency.is_active();
    let mut pruned: BTreeMap<String, Pruned> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut kept = Vec::new();
    for mut c in all.iter().cloned() {
        if enforce {
            c.table["residency"] = json!("enforce");
        }
        let reason = candidates::floor_prune(&base_sc, &c).or_else(|| {
            match build(&candidate_value(&base, &c.table, seed, None), path) {
                Ok(_) => None,
                Err(Error::Invalid { problems, .. }) => {
                    let m = &problems[0].message;
                    let m = m.split(", but").next().unwrap_or(m);
                    Some(if m.contains("residency") {
                        format!("residency: {m}")
                    } else {
                        format!("invalid: {m}")
                    })
                }
                Err(e) => Some(format!("invalid: {e}")),
            }
        });
        match reason {
            Some(r) => {
                let key = r.split(" (").next().unwrap_or(&r).to_string();
                let e = pruned.entry(key.clone()).or_insert_with(|| {
                    order.push(key.clone());
                    Pruned {
                        reason: key,
                        count: 0,
                        examples: Vec::new(),
                    }
                });
                e.count += 1;
                if e.examples.len() < 3 {
                    e.examples.push(c.name.clone());
                }
            }
            None => kept.push(c),
        }
    }
    let duration_s = base_sc.duration_ns as f64 / 1e9;
    let halving = !options.exhaustive && kept.len() > HALVING_ABOVE && !base_sc.has_faults();
    let header = Header {
        geosim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_path: path.display().to_string(),
        scenario_sha256: sha256_hex(text.as_bytes()),
        seed,
        budget_usd_month: options.budget_usd_month,
        latency_regions: options.regions.clone(),
        faults: base_sc.has_faults(),
        duration_s,
        short_duration_s: halving.then_some(duration_s / ETA as f64),
        enumerated: all.len(),
        pruned: order.iter().map(|k| pruned[k].clone()).collect(),
        candidates: kept
            .into_iter()
            .map(|c| CandidateInfo {
                name: c.name,
                kind: c.kind.to_string(),
                strategy: c.table,
            })
            .collect(),
    };
    Ok(Plan { header, base })
}

/// The figures of a one-strategy report.
pub fn figures(s: &StrategyReport, regions: &[String], faults: bool) -> Figures {
    let p99 = |write: bool| -> Option<f64> {
        let pick = |rw: &crate::report::ReadWrite| {
            let l = if write { &rw.write } else { &rw.read };
            l.p99
        };
        if regions.is_empty() {
            pick(&s.latency_ms)
        } else {
            s.per_region
                .iter()
                .filter(|r| regions.contains(&r.region))
                .filter_map(|r| pick(&r.latency_ms))
                .reduce(f64::max)
        }
    };
    Figures {
        write_p99_ms: p99(true),
        read_p99_ms: p99(false),
        stale_read_rate: s.consistency.stale_read_rate,
        // RPO is n/a for consensus (a write is acknowledged only once a majority holds it,
        // so no failure of a minority loses it: 0 by construction) and for quorum (not
        // tracked: counted as worst).
        rpo_s: match (&s.rpo, s.kind.as_str()) {
            _ if !faults => None,
            (Some(r), _) => Some(r.max_span_s),
            (None, "consensus") => Some(0.0),
            (None, _) => None,
        },
        lost_writes: match (&s.rpo, s.kind.as_str()) {
            _ if !faults => None,
            (Some(r), _) => Some(r.lost_writes),
            (None, "consensus") => Some(0),
            (None, _) => None,
        },
        rto_s: if faults { s.rto.max_s } else { None },
        rto_never: faults.then_some(s.rto.max_s.is_none()),
        // No operation at all (null): counted as worst.
        availability: s.availability.overall.unwrap_or(0.0),
        cost_usd_month: s.cost.as_ref().map(|c| c.monthly_usd),
        slo_failed: s
            .slo
            .as_ref()
            .map(|x| {
                x.objectives
                    .iter()
                    .filter(|o| !o.pass)
                    .map(|o| match o.not_applicable {
                        true => format!("{} (n/a)", o.objective),
                        false => o.objective.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Simulates candidate `id` (full length, or `short_s` seconds) and returns its figures.
pub fn run_candidate(plan: &Plan, id: usize, short_s: Option<f64>) -> Figures {
    let h = &plan.header;
    let value = candidate_value(&plan.base, &h.candidates[id].strategy, h.seed, short_s);
    let path = Path::new(&h.scenario_path);
    let sc = build(&value, path).expect("candidates were validated when the plan was built");
    let info = ScenarioInfo {
        name: sc.name.clone(),
        path: h.scenario_path.clone(),
        sha256: String::new(),
    };
    let report = crate::simulate(&sc, info, None, &[]).expect("one strategy");
    figures(&report.strategies[0], &h.latency_regions, h.faults)
}

/// The ids kept for full runs after the short rung: feasible candidates (every SLO met, within
/// budget) before the others, then by non-dominated front, then by crowding distance (larger
/// first), then by id; the first ceil(n / ETA).
pub fn survivors(header: &Header, short: &[Figures]) -> Vec<usize> {
    let n = short.len();
    let keep = n.div_ceil(ETA).max(1);
    let feasible = |f: &Figures| {
        f.slo_failed.is_empty()
            && header
                .budget_usd_month
                .is_none_or(|b| f.cost_usd_month.is_some_and(|c| c <= b))
    };
    let vec_of = |f: &Figures| -> Vec<f64> {
        let mut v = vec![
            f.write_p99_ms.unwrap_or(f64::INFINITY),
            f.read_p99_ms.unwrap_or(f64::INFINITY),
            f.stale_read_rate.unwrap_or(f64::INFINITY),
        ];
        if let Some(c) = f.cost_usd_month {
            v.push(c);
        }
        v
    };
    let mut ranked: Vec<(bool, usize, f64, usize)> = Vec::with_capacity(n);
    for group in [true, false] {
        let ids: Vec<usize> = (0..n).filter(|&i| feasible(&short[i]) == group).collect();
        let points: Vec<Vec<f64>> = ids.iter().map(|&i| vec_of(&short[i])).collect();
        let fronts = pareto::fronts(&points);
        let max_front = fronts.iter().copied().max().unwrap_or(0);
        for front in 0..=max_front {
            let members: Vec<usize> = (0..ids.len()).filter(|&k| fronts[k] == front).collect();
            let crowd = pareto::crowding(&points, &members);
            for (m, c) in members.iter().zip(crowd) {
                ranked.push((!group, front, -c, ids[*m]));
            }
        }
    }
    ranked.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    let mut out: Vec<usize> = ranked.into_iter().take(keep).map(|r| r.3).collect();
    out.sort_unstable();
    out
}

/// What `run` produced: the short rung (every candidate, when halving) and the full runs of
/// this process's share.
#[derive(Debug)]
pub struct Runs {
    /// Short-rung figures by candidate id.
    pub short: Option<Vec<Figures>>,
    /// `(candidate id, figures)` of the full runs, by id.
    pub full: Vec<(usize, Figures)>,
}

impl Runs {
    /// Every candidate's last figures, with whether they come from a full run.
    pub fn figures(&self) -> BTreeMap<usize, (Figures, bool)> {
        let mut out: BTreeMap<usize, (Figures, bool)> = self
            .full
            .iter()
            .map(|(i, f)| (*i, (f.clone(), true)))
            .collect();
        if let Some(short) = &self.short {
            for (i, f) in short.iter().enumerate() {
                out.entry(i).or_insert_with(|| (f.clone(), false));
            }
        }
        out
    }
}

/// Runs the search on `jobs` threads: the short rung when halving (on every shard), then
/// the full runs of the survivors (those of `shard` only, when given: survivor `k` belongs to
/// shard `(k mod N) + 1`). `progress` hears each rung's start and every finished run.
pub fn run(
    plan: &Plan,
    jobs: usize,
    shard: Option<Shard>,
    cancel: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Runs> {
    let n = plan.header.candidates.len();
    let all: Vec<usize> = (0..n).collect();
    let (short, chosen) = match plan.header.short_duration_s {
        Some(s) => {
            let short: Vec<Figures> = sweep::par_map(&all, jobs, cancel, progress, |i| {
                run_candidate(plan, i, Some(s))
            })?
            .into_iter()
            .map(|(_, f)| f)
            .collect();
            let chosen = survivors(&plan.header, &short);
            (Some(short), chosen)
        }
        None => (None, all),
    };
    let mine: Vec<usize> = chosen
        .iter()
        .enumerate()
        .filter(|(k, _)| shard.is_none_or(|s| s.contains(*k)))
        .map(|(_, &i)| i)
        .collect();
    let full = sweep::par_map(&mine, jobs, cancel, progress, |i| {
        run_candidate(plan, i, None)
    })?;
    Ok(Runs { short, full })
}

/// The shard file of `runs`.
pub fn shard_file(plan: &Plan, shard: Shard, runs: &Runs) -> ShardFile {
    ShardFile {
        format: SHARD_FORMAT.to_string(),
        shard: shard.index,
        of: shard.count,
        header: plan.header.clone(),
        base: plan.base.clone(),
        short: runs.short.clone(),
        full: runs.full.clone(),
    }
}

/// The winning design as a scenario file (TOML): the base scenario with only the winner's
/// strategy and the seed written out, so `geosim run` on it reproduces the advertised figures.
pub fn winner_toml(advice: &Advice, base: &Value) -> Option<String> {
    let w = advice.winner.as_ref()?;
    let c = advice.candidate(w.id)?;
    let value = candidate_value(base, &c.strategy, advice.header.seed, None);
    let toml_value = toml::Value::try_from(strip_nulls(value)).ok()?;
    let body = toml::to_string(&toml_value).ok()?;
    Some(format!(
        "# Written by `geosim advise {}`: candidate {} of {}, `{}`.\n# `geosim run` on this file reproduces the figures advise.json gives for it.\n{body}",
        advice.header.scenario_path,
        w.id,
        advice.header.candidates.len(),
        w.name
    ))
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}
