//! What `geosim advise` writes: `advise.json` (`Advice`), the shard files of a split search
//! (`ShardFile`) and their `merge`, and the terminal summary (`Advice::table`).
//!
//! Owns the Pareto marking, the SLO and budget verdicts and the choice of the winner, done
//! once in `Advice::new` whether the runs come from one process or from merged shards, so the
//! two give the same bytes.
//!
//! Must not import the engine or the world; no I/O (the command line writes the strings).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::pareto;
use super::{Figures, Header};
use crate::error::{Error, Result};
use crate::scenario::{self, Format};

/// Format tag of `advise.json`.
pub const ADVICE_FORMAT: &str = "geosim-advise/1";
/// Format tag of advise shard files.
pub const SHARD_FORMAT: &str = "geosim-advise-shard/1";

/// One candidate in `advise.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CandidateResult {
    /// Position in the enumeration after pruning.
    pub id: usize,
    /// Descriptive name (the strategy's `name`).
    pub name: String,
    /// Strategy kind.
    pub kind: String,
    /// The strategy table of the scenario file.
    pub strategy: Value,
    /// Simulated seconds of its last run (short when it was eliminated after the short rung).
    pub simulated_s: f64,
    /// False when successive halving eliminated it after the short run.
    pub full_run: bool,
    /// Its figures (from its last run).
    pub figures: Figures,
    /// Every scenario SLO passed.
    pub meets_slos: bool,
    /// Monthly cost within `--budget-usd-month` (`null` without the flag).
    pub within_budget: Option<bool>,
    /// In the Pareto set of the fully run candidates.
    pub pareto: bool,
}

/// The winner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Winner {
    /// Candidate id.
    pub id: usize,
    /// Candidate name.
    pub name: String,
    /// The file it is written to (relative to the output directory).
    pub file: String,
    /// How it was chosen.
    pub rule: String,
}

/// `advise.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Advice {
    /// `geosim-advise/1`.
    pub format: String,
    /// Enumeration, pruning and search plan.
    #[serde(flatten)]
    pub header: Header,
    /// The Pareto objectives, in vector order (all: lower is better).
    pub objectives: Vec<String>,
    /// Candidates simulated at each length: `[(simulated seconds, count)]`.
    pub simulated: Vec<(f64, usize)>,
    /// Every candidate that was simulated, by id.
    pub candidates: Vec<CandidateResult>,
    /// Ids of the Pareto set (fully run candidates only).
    pub pareto: Vec<usize>,
    /// The recommended design, if any candidate meets every SLO and the budget.
    pub winner: Option<Winner>,
}

/// The objective names and how to read them from figures (`None`: n/a, counted as worst).
type Getter = fn(&Figures) -> Option<f64>;

fn objectives(header: &Header, any: impl Fn(Getter) -> bool) -> Vec<(&'static str, Getter)> {
    let all: Vec<(&'static str, Getter)> = vec![
        ("write_p99_ms", |f| f.write_p99_ms),
        ("read_p99_ms", |f| f.read_p99_ms),
        ("stale_read_rate", |f| f.stale_read_rate),
        ("rpo_s", |f| f.rpo_s),
        ("rto_s", |f| {
            if f.rto_never == Some(true) {
                Some(f64::INFINITY)
            } else {
                f.rto_s
            }
        }),
        ("cost_usd_month", |f| f.cost_usd_month),
    ];
    all.into_iter()
        .filter(|(n, _)| header.faults || !matches!(*n, "rpo_s" | "rto_s"))
        .filter(|(_, g)| any(*g))
        .collect()
}

/// The objective vector of figures (`None` counts as infinitely bad).
fn vector(objs: &[(&'static str, Getter)], f: &Figures) -> Vec<f64> {
    objs.iter()
        .map(|(_, g)| g(f).unwrap_or(f64::INFINITY))
        .collect()
}

impl Advice {
    /// Marks the Pareto set, the SLO and budget verdicts and the winner. `figures` holds, by
    /// candidate id, the figures of its last run and whether that was a full run.
    pub fn new(header: Header, figures: BTreeMap<usize, (Figures, bool)>) -> Advice {
        let full_s = header.duration_s;
        let short_s = header.short_duration_s;
        let objs = objectives(&header, |g| {
            figures.values().any(|(f, full)| *full && g(f).is_some())
        });
        let full: Vec<usize> = figures
            .iter()
            .filter(|(_, (_, full))| *full)
            .map(|(&i, _)| i)
            .collect();
        let points: Vec<Vec<f64>> = full.iter().map(|i| vector(&objs, &figures[i].0)).collect();
        let pareto: Vec<usize> = pareto::pareto_set(&points)
            .into_iter()
            .map(|k| full[k])
            .collect();
        let budget = header.budget_usd_month;
        let candidates: Vec<CandidateResult> = figures
            .iter()
            .map(|(&id, (f, is_full))| {
                let c = &header.candidates[id];
                CandidateResult {
                    id,
                    name: c.name.clone(),
                    kind: c.kind.clone(),
                    strategy: c.strategy.clone(),
                    simulated_s: if *is_full {
                        full_s
                    } else {
                        short_s.unwrap_or(full_s)
                    },
                    full_run: *is_full,
                    figures: f.clone(),
                    meets_slos: f.slo_failed.is_empty(),
                    within_budget: budget.map(|b| f.cost_usd_month.is_some_and(|c| c <= b)),
                    pareto: pareto.contains(&id),
                }
            })
            .collect();
        let mut simulated = Vec::new();
        let shorts = candidates.iter().filter(|c| !c.full_run).count();
        if let Some(s) = short_s {
            simulated.push((s, shorts + full.len()));
        }
        simulated.push((full_s, full.len()));
        let feasible = candidates
            .iter()
            .filter(|c| c.full_run && c.meets_slos && c.within_budget != Some(false));
        let key = |c: &CandidateResult| {
            let mut v = vec![c.figures.cost_usd_month.unwrap_or(0.0)];
            v.extend(vector(&objs, &c.figures));
            v
        };
        let best = feasible.min_by(|a, b| {
            key(a)
                .iter()
                .zip(key(b).iter())
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.id.cmp(&b.id))
        });
        let winner = best.map(|c| Winner {
            id: c.id,
            name: c.name.clone(),
            file: "winner.toml".to_string(),
            rule: "the cheapest fully run candidate that meets every SLO of the scenario and the \
                   budget; ties by the Pareto objectives in order, then by id"
                .to_string(),
        });
        Advice {
            format: ADVICE_FORMAT.to_string(),
            header,
            objectives: objs.iter().map(|(n, _)| n.to_string()).collect(),
            simulated,
            candidates,
            pareto,
            winner,
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("advice serialises");
        s.push('\n');
        s
    }

    /// The candidate with `id`.
    pub fn candidate(&self, id: usize) -> Option<&CandidateResult> {
        self.candidates.iter().find(|c| c.id == id)
    }

    /// The terminal summary: the search, the pruning, the Pareto set (marked: `*` winner,
    /// `slo` failing an SLO, `$` over budget) and the winner.
    pub fn table(&self) -> String {
        let h = &self.header;
        let mut out = String::new();
        let pruned: usize = h.pruned.iter().map(|p| p.count).sum();
        out.push_str(&format!(
            "{} candidate designs enumerated, {pruned} pruned, {} evaluated\n",
            h.enumerated,
            h.candidates.len()
        ));
        for p in &h.pruned {
            out.push_str(&format!(
                "  pruned {:>4}: {} (e.g. {})\n",
                p.count,
                p.reason,
                p.examples.join(", ")
            ));
        }
        for (s, n) in &self.simulated {
            out.push_str(&format!("  simulated {n} candidates for {s} s\n"));
        }
        let na = |v: Option<f64>, digits: usize| {
            v.map_or("n/a".to_string(), |x| format!("{x:.digits$}"))
        };
        out.push_str(&format!(
            "\nPareto set over {} ({} of {} fully run):\n",
            self.objectives.join(", "),
            self.pareto.len(),
            self.candidates.iter().filter(|c| c.full_run).count()
        ));
        out.push_str(&format!(
            "  {:<3} {:<58} {:>9} {:>9} {:>7} {:>7} {:>7} {:>9}  verdict\n",
            "", "candidate", "w p99 ms", "r p99 ms", "stale%", "RPO s", "RTO s", "USD/month"
        ));
        for &id in &self.pareto {
            let c = self.candidate(id).expect("pareto ids are candidates");
            let f = &c.figures;
            let mark = if self.winner.as_ref().is_some_and(|w| w.id == id) {
                "*"
            } else {
                ""
            };
            let mut verdict = Vec::new();
            if !c.meets_slos {
                verdict.push(format!("fails {}", f.slo_failed.join("; ")));
            }
            if c.within_budget == Some(false) {
                verdict.push("over budget".to_string());
            }
            let rto = if f.rto_never == Some(true) {
                "never".to_string()
            } else {
                na(f.rto_s, 1)
            };
            out.push_str(&format!(
                "  {:<3} {:<58} {:>9} {:>9} {:>7} {:>7} {:>7} {:>9}  {}\n",
                mark,
                c.name,
                na(f.write_p99_ms, 1),
                na(f.read_p99_ms, 1),
                na(f.stale_read_rate.map(|x| x * 100.0), 2),
                na(f.rpo_s, 1),
                rto,
                na(f.cost_usd_month, 0),
                if verdict.is_empty() {
                    "ok".to_string()
                } else {
                    verdict.join(", ")
                }
            ));
        }
        match &self.winner {
            Some(w) => {
                let f = &self
                    .candidate(w.id)
                    .expect("the winner is a candidate")
                    .figures;
                let mut figs = format!(
                    "write p99 {} ms, read p99 {} ms, stale reads {} %",
                    na(f.write_p99_ms, 1),
                    na(f.read_p99_ms, 1),
                    na(f.stale_read_rate.map(|x| x * 100.0), 2)
                );
                if self.header.faults {
                    let rto = if f.rto_never == Some(true) {
                        "never".to_string()
                    } else {
                        format!("{} s", na(f.rto_s, 1))
                    };
                    figs.push_str(&format!(", RPO {} s, RTO {rto}", na(f.rpo_s, 1)));
                }
                figs.push_str(&format!(", {} USD/month", na(f.cost_usd_month, 0)));
                out.push_str(&format!(
                    "\nwinner (*): {}\n  {figs}\n  rule: {}\n",
                    w.name, w.rule
                ));
            }
            None => out.push_str("\nno candidate meets every SLO and the budget: no winner\n"),
        }
        out
    }
}

/// One shard of a split search.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShardFile {
    /// `geosim-advise-shard/1`.
    pub format: String,
    /// 1-based shard index.
    pub shard: usize,
    /// Number of shards.
    pub of: usize,
    /// The plan (identical in every shard).
    pub header: Header,
    /// The base scenario (to write the winner after the merge).
    pub base: Value,
    /// The short rung's figures of every candidate (every shard runs the whole short rung).
    pub short: Option<Vec<Figures>>,
    /// This shard's full runs: `(candidate id, figures)`.
    pub full: Vec<(usize, Figures)>,
}

impl ShardFile {
    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("shard serialises");
        s.push('\n');
        s
    }
}

/// Merges the shard files of one search (`(path, text)`, all of them, any order) into the
/// advice an unsharded run gives, and the base scenario.
pub fn merge(files: &[(PathBuf, String)]) -> Result<(Advice, Value)> {
    let bad = |m: String| Error::Usage(format!("merge: {m}"));
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for (path, text) in files {
        let s: ShardFile = scenario::parse_spec(text, Format::Json, path)?;
        if s.format != SHARD_FORMAT {
            return Err(bad(format!("{}: not an advise shard file", path.display())));
        }
        shards.push((path.clone(), s));
    }
    let (first_path, first) = shards.first().ok_or_else(|| bad("no shard files".into()))?;
    let count = first.of;
    let mut seen = vec![false; count + 1];
    let mut figures: BTreeMap<usize, (Figures, bool)> = BTreeMap::new();
    for (path, s) in &shards {
        if s.of != count
            || s.header != first.header
            || s.short != first.short
            || s.base != first.base
        {
            return Err(bad(format!(
                "{} and {} are shards of different searches",
                first_path.display(),
                path.display()
            )));
        }
        if s.shard == 0 || s.shard > count || std::mem::replace(&mut seen[s.shard], true) {
            return Err(bad(format!(
                "{}: shard {} given twice or out of range",
                path.display(),
                s.shard
            )));
        }
        for (id, f) in &s.full {
            figures.insert(*id, (f.clone(), true));
        }
    }
    if let Some(i) = (1..=count).find(|&i| !seen[i]) {
        return Err(bad(format!(
            "shard {i} of {count} (shard-{i}-of-{count}.json) is missing"
        )));
    }
    let expected: Vec<usize> = match &first.short {
        Some(short) => super::survivors(&first.header, short),
        None => (0..first.header.candidates.len()).collect(),
    };
    if let Some(id) = expected.iter().find(|id| !figures.contains_key(id)) {
        return Err(bad(format!(
            "no shard holds the full run of candidate {id}"
        )));
    }
    if let Some(short) = &first.short {
        for (id, f) in short.iter().enumerate() {
            figures.entry(id).or_insert_with(|| (f.clone(), false));
        }
    }
    Ok((
        Advice::new(first.header.clone(), figures),
        first.base.clone(),
    ))
}
