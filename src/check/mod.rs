//! `geosim check`: compares a result with a baseline metric by metric, so a CI can fail when
//! a change makes a strategy worse, and can never pass by comparing nothing.
//!
//! Owns `Figure`, `Verdict`, `Row`, `Options`, `Comparison` (and the gate: which
//! comparisons fail) and `compare` (reports: every strategy of the baseline matched by name
//! in the report; sweeps: every row matched by parameters, strategy and metric, its mean
//! compared exactly or, in the statistical mode, by Welch's t-test). The metric paths of a
//! strategy's entry live in `flatten`, the rules and tolerances in `rules`, the tests in
//! `stats` (Welch's and the paired t-test), the comparison of two scenarios run under N seeds
//! each in `seeds` (`check --seeds`), the outputs (text table, JSON, JUnit XML) in `format`.
//! Works on the JSON values, not the typed report, so metrics added to the report later are
//! compared without a change here (as informational until a rule names them).
//!
//! Must not import the engine, the world, strategies or the scenario types; does no I/O.

mod flatten;
mod format;
mod rules;
mod seeds;
mod stats;

use std::collections::BTreeMap;

use serde_json::Value;

pub use flatten::flatten;
pub use format::{error_json, error_junit};
pub use rules::{
    allowed, default_rules, glob_match, judge, Direction, Rule, Tolerances, DEFAULT_RULES,
};
pub use seeds::compare_seeds;
pub use stats::{paired, sample, welch, Sample, Welch};

use crate::error::{Error, Result};
use crate::plot::{kind_of, text, ResultKind};

/// A leaf value of a metric: a number, or `null` (e.g. an RTO that never happened).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    /// A number (booleans count as 1 and 0).
    Num(f64),
    /// `null`: worse than any number for a lower-is-better metric.
    Null,
}

/// What happened to one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Unchanged.
    Same,
    /// Changed in the good direction.
    Better,
    /// Worse, but within tolerance (in the statistical mode: or within seed noise).
    Within,
    /// Worse beyond tolerance: a regression.
    Worse,
    /// Changed, not gated.
    Info,
    /// Only in the current result.
    New,
    /// Only in the baseline: fails the check unless removals are allowed.
    Removed,
}

impl Verdict {
    /// Every verdict, in the order of the summary line.
    pub const ALL: [Verdict; 7] = [
        Verdict::Same,
        Verdict::Better,
        Verdict::Within,
        Verdict::Worse,
        Verdict::Info,
        Verdict::New,
        Verdict::Removed,
    ];

    /// The word of the text table.
    fn word(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Better => "better",
            Verdict::Within => "within tolerance",
            Verdict::Worse => "WORSE",
            Verdict::Info => "info",
            Verdict::New => "new",
            Verdict::Removed => "removed",
        }
    }

    /// The key of the JSON and JUnit outputs.
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Better => "better",
            Verdict::Within => "within",
            Verdict::Worse => "worse",
            Verdict::Info => "info",
            Verdict::New => "new",
            Verdict::Removed => "removed",
        }
    }
}

/// One compared metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Strategy name.
    pub strategy: String,
    /// Metric path (for sweeps, with the point's parameters).
    pub metric: String,
    /// Baseline figure.
    pub baseline: Option<Figure>,
    /// Current figure.
    pub current: Option<Figure>,
    /// The verdict.
    pub verdict: Verdict,
    /// The rule applied.
    pub rule: Rule,
    /// The statistical mode's test, when the row was tested (both sides with >= 2 seeds).
    pub stat: Option<Welch>,
}

/// The statistical mode: compare two sweeps of several seeds per point by Welch's t-test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatOptions {
    /// The false-failure rate of one row's test (one-sided), in (0, 0.5).
    pub alpha: f64,
    /// Divide `alpha` by the number of rows tested (Bonferroni): the false-failure rate of the
    /// whole check is then at most `alpha`.
    pub bonferroni: bool,
}

/// How `compare` treats what is in one file only, and which mode it compares in.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Options {
    /// Strategies and metrics only in the baseline (intended removals) do not fail the check.
    pub allow_removed: bool,
    /// Strategies (sweeps: rows) only in the current result do not fail the check.
    pub allow_new: bool,
    /// The statistical mode (sweeps only); `None`: exact comparison of the means.
    pub stat: Option<StatOptions>,
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// Every metric compared, strategy by strategy.
    pub rows: Vec<Row>,
    /// Things not compared that do not fail the check (allowed removals and additions).
    pub notes: Vec<String>,
    /// What makes the comparison incomplete (nothing compared, a strategy or sweep rows in
    /// one file only): each fails the check.
    pub problems: Vec<String>,
    /// The options it was made with.
    pub options: Options,
    /// The statistical mode's significance level per row (after Bonferroni).
    pub alpha_per_test: Option<f64>,
}

/// At most this many names in one failure message.
const NAMES_SHOWN: usize = 20;

fn names(rows: &[&Row]) -> String {
    let mut s = rows
        .iter()
        .take(NAMES_SHOWN)
        .map(|r| format!("{}: {}", r.strategy, r.metric))
        .collect::<Vec<_>>()
        .join(", ");
    if rows.len() > NAMES_SHOWN {
        s.push_str(&format!(" and {} more", rows.len() - NAMES_SHOWN));
    }
    s
}

impl Comparison {
    /// The regressions.
    pub fn regressions(&self) -> Vec<&Row> {
        self.with(Verdict::Worse)
    }

    /// The rows of one verdict.
    pub fn with(&self, verdict: Verdict) -> Vec<&Row> {
        self.rows.iter().filter(|r| r.verdict == verdict).collect()
    }

    /// How many metrics were present on both sides and compared.
    pub fn compared(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.baseline.is_some() && r.current.is_some())
            .count()
    }

    /// Every reason the check fails: incomplete comparisons, metrics missing from the
    /// current result (unless removals are allowed), regressions. Empty: the check passes.
    pub fn failures(&self) -> Vec<String> {
        let mut out = self.problems.clone();
        let removed = self.with(Verdict::Removed);
        if !removed.is_empty() && !self.options.allow_removed {
            out.push(format!(
                "{} metric(s) of the baseline missing from the result (--allow-removed if intended): {}",
                removed.len(),
                names(&removed)
            ));
        }
        let worse = self.regressions();
        if !worse.is_empty() {
            out.push(format!(
                "{} metric(s) regressed beyond tolerance: {}",
                worse.len(),
                names(&worse)
            ));
        }
        out
    }

    /// The error `geosim check` ends with when it fails (exit code 1).
    pub fn gate(&self) -> Option<Error> {
        let problems = self.failures();
        (!problems.is_empty()).then_some(Error::CheckFailed { problems })
    }

    /// How many rows have each verdict, in `Verdict::ALL` order.
    pub fn counts(&self) -> Vec<(Verdict, usize)> {
        Verdict::ALL
            .iter()
            .map(|&v| (v, self.rows.iter().filter(|r| r.verdict == v).count()))
            .collect()
    }
}

fn compare_metrics(
    out: &mut Comparison,
    tol: &Tolerances,
    strategy: &str,
    base: &[(String, Figure)],
    cur: &[(String, Figure)],
) {
    let cur_map: BTreeMap<&str, Figure> = cur.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let base_map: BTreeMap<&str, Figure> = base.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    for (metric, b) in base {
        let rule = tol.rule_for(strategy, metric);
        let c = cur_map.get(metric.as_str()).copied();
        let verdict = c.map_or(Verdict::Removed, |c| judge(&rule, *b, c));
        out.rows.push(Row {
            strategy: strategy.to_string(),
            metric: metric.clone(),
            baseline: Some(*b),
            current: c,
            verdict,
            rule,
            stat: None,
        });
    }
    for (metric, c) in cur {
        if !base_map.contains_key(metric.as_str()) {
            out.rows.push(Row {
                strategy: strategy.to_string(),
                metric: metric.clone(),
                baseline: None,
                current: Some(*c),
                verdict: Verdict::New,
                rule: tol.rule_for(strategy, metric),
                stat: None,
            });
        }
    }
}

/// Refuses to compare results of different scenarios or seeds (exit code 2).
fn same_provenance(current: &Value, baseline: &Value) -> Result<()> {
    let mut differences = Vec::new();
    for key in [
        "scenario.name",
        "scenario.sha256",
        "sweep.path",
        "sweep.sha256",
        "base.sha256",
    ] {
        let (c, b) = (text(current, key), text(baseline, key));
        if !c.is_empty() && !b.is_empty() && c != b {
            differences.push(format!("{key} is {c} here but {b} in the baseline"));
        }
    }
    let (c, b) = (current.get("seed"), baseline.get("seed"));
    if let (Some(c), Some(b)) = (c, b) {
        if c != b {
            differences.push(format!("seed is {c} here but {b} in the baseline"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "not comparable: {} (regenerate the baseline with --update if this is intended)",
            differences.join("; ")
        )))
    }
}

/// Compares `current` with `baseline` (both reports or both sweeps). Errors (exit code 2)
/// when they are of different kinds, scenarios or seeds (the statistical mode accepts other
/// seeds and files: it matches rows by parameter values), or when the statistical mode is
/// asked of reports or of sweeps with fewer than 2 seeds. The returned comparison says
/// whether the check fails (`Comparison::gate`).
pub fn compare(
    current: &Value,
    baseline: &Value,
    tol: &Tolerances,
    options: &Options,
) -> Result<Comparison> {
    let (kc, kb) = (kind_of(current), kind_of(baseline));
    if kc.is_none() || kc != kb {
        return Err(Error::Usage(
            "not comparable: the report and the baseline must both be report.json or both sweep.json files".into(),
        ));
    }
    let mut out = Comparison {
        options: *options,
        ..Comparison::default()
    };
    match (kc, options.stat) {
        (Some(ResultKind::Report), Some(_)) => {
            return Err(Error::Usage(
                "the statistical mode (--stat) compares two sweep.json files of several seeds per point; these are report.json files (one seed each)".into(),
            ))
        }
        (Some(ResultKind::Report), None) => {
            same_provenance(current, baseline)?;
            compare_reports(&mut out, current, baseline, tol);
        }
        (_, None) => {
            same_provenance(current, baseline)?;
            compare_sweeps(&mut out, current, baseline, tol);
        }
        (_, Some(_)) => {
            for (side, v) in [("result", current), ("baseline", baseline)] {
                let seeds = v.get("seeds").and_then(Value::as_u64).unwrap_or(0);
                if seeds < 2 {
                    return Err(Error::Usage(format!(
                        "the statistical mode (--stat) needs at least 2 seeds per point: the {side} has seeds = {seeds}"
                    )));
                }
            }
            compare_sweeps(&mut out, current, baseline, tol);
        }
    }
    if out.compared() == 0 && out.problems.is_empty() {
        out.problems
            .push("nothing compared: no metric is in both the result and the baseline".into());
    }
    Ok(out)
}

fn compare_reports(out: &mut Comparison, current: &Value, baseline: &Value, tol: &Tolerances) {
    let list = |v: &Value| v["strategies"].as_array().cloned().unwrap_or_default();
    let (cur, base) = (list(current), list(baseline));
    if base.is_empty() {
        out.problems
            .push("nothing compared: the baseline has no strategies".into());
        return;
    }
    let mut matched = 0;
    for b in &base {
        let name = text(b, "name");
        match cur.iter().find(|c| text(c, "name") == name) {
            Some(c) => {
                matched += 1;
                compare_metrics(out, tol, name, &flatten(b), &flatten(c));
            }
            None if out.options.allow_removed => out.notes.push(format!(
                "strategy {name} is only in the baseline: not compared (removal allowed)"
            )),
            None => out.problems.push(format!(
                "strategy {name} is only in the baseline: not compared (--allow-removed if intended)"
            )),
        }
    }
    for c in &cur {
        let name = text(c, "name");
        if !base.iter().any(|b| text(b, "name") == name) {
            if out.options.allow_new {
                out.notes.push(format!(
                    "strategy {name} is only in the result: not compared (addition allowed)"
                ));
            } else {
                out.problems.push(format!(
                    "strategy {name} is only in the result: not compared (--allow-new if intended, or --update the baseline)"
                ));
            }
        }
    }
    if matched == 0 {
        out.problems.insert(
            0,
            "nothing compared: no strategy of the baseline is in the result".into(),
        );
    }
}

/// A sweep row's identity: (parameter assignments as text, strategy, metric).
fn row_key(r: &Value) -> (String, String, String) {
    let params = r
        .get("parameters")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    (
        params,
        text(r, "strategy").to_string(),
        text(r, "metric").to_string(),
    )
}

fn row_mean(r: &Value) -> Option<Figure> {
    match r.get("mean") {
        Some(Value::Number(n)) => Some(Figure::Num(n.as_f64().unwrap_or(0.0))),
        Some(Value::Null) => Some(Figure::Null),
        _ => None,
    }
}

/// A sweep row's replicas as a sample (`None` when it has no numeric mean).
fn row_sample(r: &Value) -> Option<Sample> {
    Some(Sample {
        n: r.get("n")?.as_u64()? as usize,
        mean: r.get("mean")?.as_f64()?,
        std: r.get("std").and_then(Value::as_f64).unwrap_or(0.0),
    })
}

fn compare_sweeps(out: &mut Comparison, current: &Value, baseline: &Value, tol: &Tolerances) {
    let rows = |v: &Value| v["rows"].as_array().cloned().unwrap_or_default();
    let (cur, base) = (rows(current), rows(baseline));
    if base.is_empty() {
        out.problems
            .push("nothing compared: the baseline sweep has no rows".into());
        return;
    }
    let cur_by_key: BTreeMap<(String, String, String), &Value> =
        cur.iter().map(|c| (row_key(c), c)).collect();
    let base_keys: std::collections::BTreeSet<_> = base.iter().map(row_key).collect();
    // The pairs, with the samples the statistical mode tests.
    struct Pair {
        strategy: String,
        metric: String,
        base: Figure,
        cur: Option<Figure>,
        rule: Rule,
        samples: Option<(Sample, Sample)>,
    }
    let mut pairs = Vec::new();
    for b in &base {
        let k = row_key(b);
        let Some(bm) = row_mean(b) else { continue };
        let c = cur_by_key.get(&k).copied();
        let rule = tol.rule_for(&k.1, &k.2);
        let samples = match (out.options.stat, c) {
            (Some(_), Some(c)) if rule.direction != Direction::Info => {
                match (row_sample(b), row_sample(c)) {
                    (Some(sb), Some(sc)) if sb.n >= 2 && sc.n >= 2 => Some((sb, sc)),
                    _ => None,
                }
            }
            _ => None,
        };
        let metric = if k.0.is_empty() {
            k.2.clone()
        } else {
            format!("{} @ {}", k.2, k.0)
        };
        pairs.push(Pair {
            strategy: k.1,
            metric,
            base: bm,
            cur: c.and_then(row_mean),
            rule,
            samples,
        });
    }
    let tested = pairs.iter().filter(|p| p.samples.is_some()).count();
    if let Some(s) = out.options.stat {
        let alpha = if s.bonferroni {
            s.alpha / tested.max(1) as f64
        } else {
            s.alpha
        };
        out.alpha_per_test = Some(alpha);
        let fallback = pairs
            .iter()
            .filter(|p| p.samples.is_none() && p.cur.is_some())
            .filter(|p| p.rule.direction != Direction::Info)
            .count();
        if fallback > 0 {
            out.notes.push(format!(
                "{fallback} gated row(s) with fewer than 2 values on a side: means compared exactly"
            ));
        }
    }
    for p in pairs {
        let (verdict, stat) = match (p.cur, p.samples, out.alpha_per_test) {
            (None, _, _) => (Verdict::Removed, None),
            (Some(c), Some((sb, sc)), Some(alpha)) => {
                match welch(sb, sc, p.rule.direction, allowed(&p.rule, sb.mean), alpha) {
                    Some(w) if sb != sc => (w.verdict(), Some(w)),
                    _ => (judge(&p.rule, p.base, c), None),
                }
            }
            (Some(c), _, _) => (judge(&p.rule, p.base, c), None),
        };
        out.rows.push(Row {
            strategy: p.strategy,
            metric: p.metric,
            baseline: Some(p.base),
            current: p.cur,
            verdict,
            rule: p.rule,
            stat,
        });
    }
    let extra: Vec<String> = cur
        .iter()
        .map(row_key)
        .filter(|k| !base_keys.contains(k))
        .map(|k| {
            format!(
                "{}: {}{}",
                k.1,
                k.2,
                if k.0.is_empty() {
                    String::new()
                } else {
                    format!(" @ {}", k.0)
                }
            )
        })
        .collect();
    if !extra.is_empty() {
        let first = extra
            .iter()
            .take(NAMES_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if out.options.allow_new {
            out.notes.push(format!(
                "{} sweep row(s) only in the result: not compared (addition allowed)",
                extra.len()
            ));
        } else {
            out.problems.push(format!(
                "{} sweep row(s) only in the result, not compared (--allow-new if intended): {first}{}",
                extra.len(),
                if extra.len() > NAMES_SHOWN { " ..." } else { "" }
            ));
        }
    }
}
