//! `geosim check --seeds N`: the comparison of a baseline and a candidate scenario, each run
//! under N seeds, metric by metric with a confidence interval of the difference instead of an
//! exact comparison.
//!
//! Owns `compare_seeds`. Strategies are matched by name as in a report comparison; a metric's
//! N values per side are tested with the paired t-test when both sides ran under the same
//! seeds (common random numbers: `stats::paired`), with Welch's test otherwise
//! (`stats::welch`), one-sided in the metric's bad direction against its tolerance. A metric
//! without spread is compared exactly (`judge` on the means). A figure that is `null` under
//! some seeds (a statistic of an empty set: a staleness bucket no read fell in) is tested on
//! the seeds where it is a number (paired: where it is one on both sides); `null` under every
//! seed of one side only is a change `judge` reports; fewer than 2 usable values are shown,
//! not gated. Works on the reports' JSON values.
//!
//! Must not import the engine, the world, strategies or the scenario types; does no I/O.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{
    allowed, flatten, judge, paired, sample, welch, Comparison, Direction, Figure, Options, Row,
    Tolerances, Verdict,
};
use crate::error::{Error, Result};
use crate::plot::text;

/// One strategy's metrics over the seeds: metric -> one figure per seed (in seed order), and
/// the metrics in the order of the first seed's report.
struct Series {
    order: Vec<String>,
    values: BTreeMap<String, Vec<Figure>>,
}

/// Every strategy of `reports` (one report per seed), by name, in the first report's order.
fn series(reports: &[Value]) -> Vec<(String, Series)> {
    let list = |v: &Value| v["strategies"].as_array().cloned().unwrap_or_default();
    let first = reports.first().map(list).unwrap_or_default();
    first
        .iter()
        .map(|s| {
            let name = text(s, "name").to_string();
            let mut out = Series {
                order: Vec::new(),
                values: BTreeMap::new(),
            };
            for r in reports {
                let Some(s) = list(r).into_iter().find(|s| text(s, "name") == name) else {
                    continue;
                };
                for (metric, f) in flatten(&s) {
                    let v = out.values.entry(metric.clone()).or_default();
                    if v.is_empty() {
                        out.order.push(metric);
                    }
                    v.push(f);
                }
            }
            (name, out)
        })
        .collect()
}

/// A metric's numbers under every seed: (baseline, candidate).
type Pair = (Vec<f64>, Vec<f64>);

/// The number of a figure.
fn num(f: &Figure) -> Option<f64> {
    match f {
        Figure::Num(x) => Some(*x),
        Figure::Null => None,
    }
}

/// The figure shown for a side: the mean over the seeds where it is a number, or `null` when
/// it is one under none.
fn shown(v: &[Figure]) -> Figure {
    let x: Vec<f64> = v.iter().filter_map(num).collect();
    if x.is_empty() {
        Figure::Null
    } else {
        Figure::Num(sample(&x).mean)
    }
}

/// The values a metric is tested on: paired, the seeds where both sides have a number;
/// otherwise each side's numbers. `None` when a side has fewer than 2.
fn usable(b: &[Figure], c: &[Figure], same_seeds: bool) -> Option<Pair> {
    let (x, y): Pair = if same_seeds {
        b.iter()
            .zip(c)
            .filter_map(|(b, c)| Some((num(b)?, num(c)?)))
            .unzip()
    } else {
        (
            b.iter().filter_map(num).collect(),
            c.iter().filter_map(num).collect(),
        )
    };
    (x.len() >= 2 && y.len() >= 2).then_some((x, y))
}

/// Compares the reports of the candidate (`current`, one per seed) with the baseline's. `same_seeds`:
/// both sides ran under the same seeds in the same order (the paired test applies). Errors
/// (exit code 2) without `options.stat`, with fewer than 2 seeds, or with different numbers of
/// seeds on the two sides.
pub fn compare_seeds(
    current: &[Value],
    baseline: &[Value],
    same_seeds: bool,
    tol: &Tolerances,
    options: &Options,
) -> Result<Comparison> {
    let Some(stat) = options.stat else {
        return Err(Error::Usage(
            "check --seeds compares with a confidence interval: it needs the statistical options"
                .into(),
        ));
    };
    if current.len() < 2 || current.len() != baseline.len() {
        return Err(Error::Usage(format!(
            "check --seeds needs the same number (at least 2) of runs on both sides, got {} and {}",
            baseline.len(),
            current.len()
        )));
    }
    let mut out = Comparison {
        options: *options,
        ..Comparison::default()
    };
    let (base, cur) = (series(baseline), series(current));
    if base.is_empty() {
        out.problems
            .push("nothing compared: the baseline scenario has no strategies".into());
        return Ok(out);
    }
    // Every row with the values it is tested on (`None`: compared exactly).
    let mut rows: Vec<(Row, Option<Pair>)> = Vec::new();
    let mut thin_rows = 0;
    for (name, b) in &base {
        let Some((_, c)) = cur.iter().find(|(n, _)| n == name) else {
            let why = if options.allow_removed {
                "not compared (removal allowed)"
            } else {
                "not compared (--allow-removed if intended)"
            };
            let msg = format!("strategy {name} is only in the baseline: {why}");
            if options.allow_removed {
                out.notes.push(msg);
            } else {
                out.problems.push(msg);
            }
            continue;
        };
        for metric in &b.order {
            let bv = &b.values[metric];
            let rule = tol.rule_for(name, metric);
            let Some(cv) = c.values.get(metric) else {
                rows.push((
                    Row {
                        strategy: name.clone(),
                        metric: metric.clone(),
                        baseline: Some(shown(bv)),
                        current: None,
                        verdict: Verdict::Removed,
                        rule,
                        stat: None,
                    },
                    None,
                ));
                continue;
            };
            let (fb, fc) = (shown(bv), shown(cv));
            let tested = match (fb, fc) {
                (Figure::Num(_), Figure::Num(_)) if rule.direction != Direction::Info => {
                    usable(bv, cv, same_seeds)
                }
                _ => None,
            };
            let mut verdict = judge(&rule, fb, fc);
            // Numbers on both sides but too few to test: shown, not gated.
            let numbers = matches!((fb, fc), (Figure::Num(_), Figure::Num(_)));
            if numbers && tested.is_none() && rule.direction != Direction::Info {
                let thin = |v: &[Figure]| v.iter().filter_map(num).count() < 2;
                if thin(bv) || thin(cv) || (same_seeds && usable(bv, cv, true).is_none()) {
                    if verdict != Verdict::Same {
                        verdict = Verdict::Info;
                    }
                    thin_rows += 1;
                }
            }
            rows.push((
                Row {
                    strategy: name.clone(),
                    metric: metric.clone(),
                    baseline: Some(fb),
                    current: Some(fc),
                    verdict,
                    rule,
                    stat: None,
                },
                tested,
            ));
        }
        for metric in &c.order {
            if !b.values.contains_key(metric) {
                rows.push((
                    Row {
                        strategy: name.clone(),
                        metric: metric.clone(),
                        baseline: None,
                        current: Some(shown(&c.values[metric])),
                        verdict: Verdict::New,
                        rule: tol.rule_for(name, metric),
                        stat: None,
                    },
                    None,
                ));
            }
        }
    }
    for (name, _) in &cur {
        if !base.iter().any(|(n, _)| n == name) {
            let msg = format!("strategy {name} is only in the candidate: not compared");
            if options.allow_new {
                out.notes.push(format!("{msg} (addition allowed)"));
            } else {
                out.problems
                    .push(format!("{msg} (--allow-new if intended)"));
            }
        }
    }
    let testable = rows.iter().filter(|(_, t)| t.is_some()).count();
    let alpha = if stat.bonferroni {
        stat.alpha / testable.max(1) as f64
    } else {
        stat.alpha
    };
    out.alpha_per_test = Some(alpha);
    for (mut row, tested) in rows {
        if let Some((b, c)) = tested {
            let tolerance = allowed(&row.rule, sample(&b).mean);
            let w = if same_seeds {
                paired(&b, &c, row.rule.direction, tolerance, alpha)
            } else {
                welch(sample(&b), sample(&c), row.rule.direction, tolerance, alpha)
            };
            // Without spread (`None`) the means are compared exactly (the verdict stands).
            if let Some(w) = w {
                row.verdict = w.verdict();
                row.stat = Some(w);
            }
        }
        out.rows.push(row);
    }
    if out.compared() == 0 && out.problems.is_empty() {
        out.problems
            .push("nothing compared: no strategy of the baseline is in the candidate".into());
    }
    if thin_rows > 0 {
        out.notes.push(format!(
            "{thin_rows} gated metric(s) with a number under fewer than 2 seeds on a side: shown, not gated"
        ));
    }
    if !same_seeds {
        out.notes.push(
            "the two scenarios have different seeds: runs are not paired (Welch's test)".into(),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::StatOptions;
    use serde_json::json;

    fn report(p99: f64) -> Value {
        json!({"strategies": [{"name": "s", "latency_ms": {"write": {"count": 10, "p99": p99}}}]})
    }

    fn options() -> Options {
        Options {
            stat: Some(StatOptions {
                alpha: 0.05,
                bonferroni: false,
            }),
            ..Options::default()
        }
    }

    /// A constant shift far beyond the tolerance fails paired (each difference is the shift),
    /// a shift inside the noise passes, and the count is informational.
    #[test]
    fn a_shift_common_to_every_seed_is_detected_by_the_pairing() {
        let b: Vec<Value> = [10.0, 30.0, 20.0, 50.0].map(report).to_vec();
        let worse: Vec<Value> = [50.2, 70.1, 60.3, 90.0].map(report).to_vec();
        let tol = Tolerances::default();
        let cmp = compare_seeds(&worse, &b, true, &tol, &options()).unwrap();
        let row = cmp
            .rows
            .iter()
            .find(|r| r.metric == "latency_ms.write.p99")
            .unwrap();
        assert_eq!(row.verdict, Verdict::Worse, "{row:?}");
        assert!(row.stat.unwrap().paired);
        assert!(cmp.gate().is_some());
        // Unpaired, the same numbers are within the seed noise (spread 17 ms around 27.5).
        let cmp = compare_seeds(&worse, &b, false, &tol, &options()).unwrap();
        let row = cmp
            .rows
            .iter()
            .find(|r| r.metric == "latency_ms.write.p99")
            .unwrap();
        assert!(!row.stat.unwrap().paired);
        // The same runs on both sides: exactly the same, passes.
        let cmp = compare_seeds(&b, &b, true, &tol, &options()).unwrap();
        assert!(cmp.gate().is_none(), "{:?}", cmp.failures());
        // Too few runs, or no statistical options: exit 2.
        assert!(compare_seeds(&b[..1], &b[..1], true, &tol, &options()).is_err());
        assert!(compare_seeds(&b, &b, true, &tol, &Options::default()).is_err());
    }
}
