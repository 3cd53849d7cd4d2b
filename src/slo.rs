//! Verdicts: a finished report judged against the scenario's service-level objectives.
//!
//! Owns `evaluate`, which judges one strategy's report against every objective, and `apply`,
//! which fills in every strategy's verdict. The objectives themselves are scenario input and
//! live in `objective` (re-exported here). An objective with an upper bound passes when the
//! measured value is at or below it; a floor passes at or above it. An objective whose figure
//! is `null` (no sample) is `n/a`: kept, not met, counted in the verdict. Sits above `report`:
//! `report` never calls it.
//!
//! Must not import the engine, the world, strategies or scenario (serde) types.

pub use crate::objective::{Objective, Ops, PERCENTILES};
use crate::report::{Latency, ReadWrite, Report, SloResult, SloSummary, StrategyReport};

/// The latency `op` judges: reads, writes, or all operations (the merged histograms; in a
/// report read back from a file, which does not carry them, the one kind that has operations,
/// or `None` when both have).
fn of_op(rw: &ReadWrite, op: Ops) -> Option<&Latency> {
    match op {
        Ops::Read => Some(&rw.read),
        Ops::Write => Some(&rw.write),
        Ops::All => match (&rw.all, rw.read.count, rw.write.count) {
            (Some(all), _, _) => Some(all),
            (None, _, 0) => Some(&rw.read),
            (None, 0, _) => Some(&rw.write),
            (None, _, _) => None,
        },
    }
}

fn op_name(op: Ops) -> &'static str {
    match op {
        Ops::Read => "read",
        Ops::Write => "write",
        Ops::All => "all",
    }
}

/// A number for humans: at most 4 significant decimals, no trailing zeros.
fn show(v: f64) -> String {
    let s = if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    };
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn upper(objective: String, measured: f64, bound: f64, unit: &str, what: String) -> SloResult {
    let pass = measured <= bound;
    SloResult {
        objective,
        measured: Some(measured),
        threshold: bound,
        pass,
        not_applicable: false,
        detail: format!(
            "{what} is {}{unit} {} {}{unit}",
            show(measured),
            if pass { "<=" } else { ">" },
            show(bound)
        ),
    }
}

/// The kinds of operation the clients of one region issue (from the scenario's workload).
/// A latency objective without `region` is judged in the client regions that issue its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientKinds {
    /// Region name, as in `per_region`.
    pub region: String,
    /// Its clients issue reads.
    pub reads: bool,
    /// Its clients issue writes.
    pub writes: bool,
}

/// An objective whose figure could not be measured: `n/a`, neither met nor failed.
fn not_applicable(objective: String, bound: f64, name: &str, reason: String) -> SloResult {
    SloResult {
        objective,
        measured: None,
        threshold: bound,
        pass: false,
        not_applicable: true,
        detail: format!("{name} is n/a: {reason}"),
    }
}

/// Operations of kind `op` the strategy issued.
fn issued(s: &StrategyReport, op: Ops) -> u64 {
    match op {
        Ops::Read => s.ops.reads,
        Ops::Write => s.ops.writes,
        Ops::All => s.ops.reads + s.ops.writes,
    }
}

/// Why there is no latency sample of kind `op` (`from`: ` from <region>` or empty).
fn no_sample(s: &StrategyReport, op: Ops, from: &str) -> String {
    let what = match op {
        Ops::All => "operation",
        _ => op_name(op),
    };
    if issued(s, op) == 0 {
        return format!("no {what} was issued");
    }
    let total = s.ops.reads + s.ops.writes;
    match s.ops.failed {
        0 => format!("no successful {what}{from}"),
        f => format!("no successful {what}{from} ({f} of {total} operations failed)"),
    }
}

/// Judges `s` against every objective, as if every client region issued both kinds of
/// operation (`evaluate_with` with no workload).
pub fn evaluate(objectives: &[Objective], s: &StrategyReport) -> SloSummary {
    evaluate_with(objectives, s, None)
}

/// Judges `s` against every objective. An objective whose figure is `null` is `n/a`, never
/// dropped and never met. `kinds` (the scenario's clients) leaves out of a latency objective
/// without `region` the client regions whose clients issue no operation of its kind; without
/// it (or for a region it does not list) every client region is judged.
pub fn evaluate_with(
    objectives: &[Objective],
    s: &StrategyReport,
    kinds: Option<&[ClientKinds]>,
) -> SloSummary {
    let issues_here = |region: &str, op: Ops| {
        kinds
            .and_then(|k| k.iter().find(|c| c.region == region))
            .is_none_or(|c| match op {
                Ops::Read => c.reads,
                Ops::Write => c.writes,
                Ops::All => c.reads || c.writes,
            })
    };
    let mut results = Vec::new();
    for o in objectives {
        match o {
            Objective::Latency {
                op,
                percentile,
                max_ms,
                region,
            } => {
                let objective = |place: &str| {
                    let name = format!("{percentile} {}{place}", op_name(*op));
                    (format!("{name} <= {max_ms} ms"), name)
                };
                let rows: Vec<(&str, &crate::report::ReadWrite)> = match region {
                    Some(r) => s
                        .region(r)
                        .map(|rw| vec![(r.as_str(), rw)])
                        .unwrap_or_default(),
                    None => s
                        .per_region
                        .iter()
                        .filter(|p| issues_here(&p.region, *op))
                        .map(|p| (p.region.as_str(), &p.latency_ms))
                        .collect(),
                };
                let before = results.len();
                for (at, rw) in rows {
                    let (full, name) = objective(&format!(" in {at}"));
                    results.push(match of_op(rw, *op) {
                        None => not_applicable(
                            full,
                            *max_ms,
                            &name,
                            "the report holds no merged latency of reads and writes".into(),
                        ),
                        Some(l) => match l.stat(percentile) {
                            Some(v) => upper(full, v, *max_ms, " ms", name),
                            // No sample in the region (`null`): n/a, never passed.
                            None if !issues_here(at, *op) => {
                                let why = format!("the clients in {at} issue no {}", op_name(*op));
                                not_applicable(full, *max_ms, &name, why)
                            }
                            None => {
                                let from = format!(" from {at}");
                                not_applicable(full, *max_ms, &name, no_sample(s, *op, &from))
                            }
                        },
                    });
                }
                // No client region to judge it in: one n/a objective, not none.
                if results.len() == before {
                    let place = region
                        .as_ref()
                        .map_or(String::new(), |r| format!(" in {r}"));
                    let (full, name) = objective(&place);
                    let reason = match region {
                        Some(r) => format!("no client in {r}"),
                        None => no_sample(s, *op, ""),
                    };
                    results.push(not_applicable(full, *max_ms, &name, reason));
                }
            }
            Objective::Availability { op, min } => {
                let objective = format!("{} availability >= {min}", op_name(*op));
                let name = format!("{} availability", op_name(*op));
                // `null` exactly when no operation of the kind was issued: n/a.
                let Some(a) = (match op {
                    Ops::Read => s.availability.read,
                    Ops::Write => s.availability.write,
                    Ops::All => s.availability.overall,
                }) else {
                    results.push(not_applicable(
                        objective,
                        *min,
                        &name,
                        no_sample(s, *op, ""),
                    ));
                    continue;
                };
                let pass = a >= *min;
                results.push(SloResult {
                    objective,
                    measured: Some(a),
                    threshold: *min,
                    pass,
                    not_applicable: false,
                    detail: format!("{name} is {a} {} {min}", if pass { ">=" } else { "<" }),
                });
            }
            // Where RPO is not measured (`rpo` is `null`: consensus, quorum): n/a.
            Objective::RpoWrites(max) => results.push(match &s.rpo {
                Some(r) => upper(
                    format!("lost writes <= {max}"),
                    r.lost_writes as f64,
                    *max as f64,
                    "",
                    "lost writes".into(),
                ),
                None => not_applicable(
                    format!("lost writes <= {max}"),
                    *max as f64,
                    "lost writes",
                    format!("{} reports no RPO", s.kind),
                ),
            }),
            Objective::RpoSpan(max) => results.push(match &s.rpo {
                Some(r) => upper(
                    format!("RPO span <= {max} s"),
                    r.max_span_s,
                    *max,
                    " s",
                    "RPO span".into(),
                ),
                None => not_applicable(
                    format!("RPO span <= {max} s"),
                    *max,
                    "RPO span",
                    format!("{} reports no RPO", s.kind),
                ),
            }),
            Objective::Rto(max) => match s.rto.max_s {
                Some(v) => results.push(upper(
                    format!("RTO <= {max} s"),
                    v,
                    *max,
                    " s",
                    "RTO".into(),
                )),
                None => results.push(SloResult {
                    objective: format!("RTO <= {max} s"),
                    measured: None,
                    threshold: *max,
                    pass: false,
                    not_applicable: false,
                    detail: "RTO: never recovered".into(),
                }),
            },
            Objective::Budget(max) => {
                let objective = format!("monthly cost <= {max} USD");
                results.push(match &s.cost {
                    Some(c) => upper(
                        objective,
                        c.monthly_usd,
                        *max,
                        " USD",
                        "monthly cost".into(),
                    ),
                    None => not_applicable(
                        objective,
                        *max,
                        "monthly cost",
                        "the report holds no cost".into(),
                    ),
                });
            }
            // `null` when no read succeeded: n/a.
            Objective::StaleReads(max) => {
                let objective = format!("stale-read rate <= {max}");
                results.push(match s.consistency.stale_read_rate {
                    Some(rate) => upper(objective, rate, *max, "", "stale-read rate".into()),
                    None => not_applicable(
                        objective,
                        *max,
                        "stale-read rate",
                        no_sample(s, Ops::Read, ""),
                    ),
                });
            }
        }
    }
    summary(results)
}

/// The counts and the one-line verdict. "meets all N" only when every objective was
/// measured and met; otherwise the first objective not met (failed or `n/a`) is named.
fn summary(results: Vec<SloResult>) -> SloSummary {
    let met = results.iter().filter(|r| r.pass).count() as u32;
    let total = results.len() as u32;
    let na = results.iter().filter(|r| r.not_applicable).count() as u32;
    let verdict = match results.iter().find(|r| !r.pass) {
        None if total > 0 => format!("meets all {total}"),
        None => "no objective".to_string(),
        Some(first) => {
            let na_note = if na > 0 {
                format!(" ({na} n/a)")
            } else {
                String::new()
            };
            format!("meets {met} of {total}{na_note}: {}", first.detail)
        }
    };
    SloSummary {
        met,
        total,
        not_applicable: na,
        verdict,
        objectives: results,
    }
}

/// Fills in every strategy's SLO verdict (left `None` when the scenario has no objectives);
/// `kinds` as for `evaluate_with`.
pub fn apply(report: &mut Report, objectives: &[Objective], kinds: &[ClientKinds]) {
    if objectives.is_empty() {
        return;
    }
    for s in &mut report.strategies {
        s.slo = Some(evaluate_with(objectives, s, Some(kinds)));
    }
}
