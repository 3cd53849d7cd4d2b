//! Verdicts: a finished report judged against the scenario's service-level objectives.
//!
//! Owns `evaluate`, which judges one strategy's report against every objective, and `apply`,
//! which fills in every strategy's verdict. The objectives themselves are scenario input and
//! live in `objective` (re-exported here). An objective with an upper bound passes when the
//! measured value is at or below it; a floor passes at or above it. Sits above `report`:
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
        detail: format!(
            "{what} is {}{unit} {} {}{unit}",
            show(measured),
            if pass { "<=" } else { ">" },
            show(bound)
        ),
    }
}

/// Judges `s` against every objective.
pub fn evaluate(objectives: &[Objective], s: &StrategyReport) -> SloSummary {
    let mut results = Vec::new();
    for o in objectives {
        match o {
            Objective::Latency {
                op,
                percentile,
                max_ms,
                region,
            } => {
                let rows: Vec<(String, &crate::report::ReadWrite)> = match region {
                    Some(r) => s
                        .region(r)
                        .map(|rw| vec![(format!(" in {r}"), rw)])
                        .unwrap_or_default(),
                    None => s
                        .per_region
                        .iter()
                        .map(|p| (format!(" in {}", p.region), &p.latency_ms))
                        .collect(),
                };
                // A region without operations of the kind has no latency (`null`): not judged.
                for (place, rw) in rows {
                    let Some(v) = of_op(rw, *op).and_then(|l| l.stat(percentile)) else {
                        continue;
                    };
                    let name = format!("{percentile} {}{place}", op_name(*op));
                    results.push(upper(
                        format!("{name} <= {max_ms} ms"),
                        v,
                        *max_ms,
                        " ms",
                        name,
                    ));
                }
            }
            Objective::Availability { op, min } => {
                // No operation of the kind (`null`): not judged.
                let Some(a) = (match op {
                    Ops::Read => s.availability.read,
                    Ops::Write => s.availability.write,
                    Ops::All => s.availability.overall,
                }) else {
                    continue;
                };
                let pass = a >= *min;
                results.push(SloResult {
                    objective: format!("{} availability >= {min}", op_name(*op)),
                    measured: Some(a),
                    threshold: *min,
                    pass,
                    detail: format!(
                        "{} availability is {a} {} {min}",
                        op_name(*op),
                        if pass { ">=" } else { "<" }
                    ),
                });
            }
            // RPO objectives are not judged where RPO does not apply (`rpo` is `null`).
            Objective::RpoWrites(max) => results.extend(s.rpo.as_ref().map(|r| {
                upper(
                    format!("lost writes <= {max}"),
                    r.lost_writes as f64,
                    *max as f64,
                    "",
                    "lost writes".into(),
                )
            })),
            Objective::RpoSpan(max) => results.extend(s.rpo.as_ref().map(|r| {
                upper(
                    format!("RPO span <= {max} s"),
                    r.max_span_s,
                    *max,
                    " s",
                    "RPO span".into(),
                )
            })),
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
                    detail: "RTO: never recovered".into(),
                }),
            },
            Objective::Budget(max) => {
                let v = s.cost.as_ref().map_or(0.0, |c| c.monthly_usd);
                results.push(upper(
                    format!("monthly cost <= {max} USD"),
                    v,
                    *max,
                    " USD",
                    "monthly cost".into(),
                ));
            }
            // No successful read (`null`): not judged.
            Objective::StaleReads(max) => {
                results.extend(s.consistency.stale_read_rate.map(|rate| {
                    upper(
                        format!("stale-read rate <= {max}"),
                        rate,
                        *max,
                        "",
                        "stale-read rate".into(),
                    )
                }))
            }
        }
    }
    let met = results.iter().filter(|r| r.pass).count() as u32;
    let total = results.len() as u32;
    let verdict = match results.iter().find(|r| !r.pass) {
        None => format!("meets all {total}"),
        Some(first) => format!("meets {met} of {total}: {}", first.detail),
    };
    SloSummary {
        met,
        total,
        verdict,
        objectives: results,
    }
}

/// Fills in every strategy's SLO verdict (left `None` when the scenario has no objectives).
pub fn apply(report: &mut Report, objectives: &[Objective]) {
    if objectives.is_empty() {
        return;
    }
    for s in &mut report.strategies {
        s.slo = Some(evaluate(objectives, s));
    }
}
