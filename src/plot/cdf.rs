//! The latency CDF chart: per strategy, the distribution of the latency of successful reads
//! and writes on a tail scale `-log10(1 - p)`. Drawn from the full histogram when the value
//! holds each strategy's `latency_cdf` (a report just built, given by
//! `render::report_value`: hundreds of points per curve), else through the report's five
//! percentiles (a `report.json` read back, which holds only those). Owns `cdf_series`, the
//! points the chart draws, and `CdfSeries`.
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;
use serde_json::Value;

use super::{
    at, empty_panel, fmt_num, header_lines, lin_axis, list, log_axis, log_ticks, nested_widths,
    num, render, run_label, strategies, strategy_names, styles, Area, Chart, Draw, FONT,
};

/// Where the maximum sits on the tail scale: one decade past p99.9.
const MAX_Y: f64 = 4.0;

/// How far apart (in decades of latency) two curves may be everywhere and still be drawn
/// nested, as identical ones are.
const CLOSE_DECADES: f64 = 0.015;

/// The report's percentiles: key, share, tick label. Each curve has a marker at each.
const LEVELS: [(&str, f64, &str); 5] = [
    ("p50", 0.5, "50%"),
    ("p90", 0.9, "90%"),
    ("p99", 0.99, "99%"),
    ("p999", 0.999, "99.9%"),
    ("max", 1.0, "max"),
];

/// One strategy's latency CDF as the chart draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct CdfSeries {
    /// The strategy's position in the report (its colour, line style and marker).
    pub strategy: usize,
    /// (latency in ms, share of successful operations at or below it), both rising; the
    /// last point is the maximum at share 1.
    pub points: Vec<(f64, f64)>,
    /// Drawn from the full histogram (`latency_cdf`); else through the five percentiles.
    pub full: bool,
}

/// The curves of the latency CDF chart for `op` (`read` or `write`): one per strategy with a
/// successful operation of the kind, from its `latency_cdf.{op}` when the value has one, else
/// through its `latency_ms.{op}` percentiles.
pub fn cdf_series(report: &Value, op: &str) -> Vec<CdfSeries> {
    strategies(report)
        .filter_map(|(i, s)| {
            let full: Vec<(f64, f64)> = list(s, &format!("latency_cdf.{op}"))
                .iter()
                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                .collect();
            if !full.is_empty() {
                return Some(CdfSeries {
                    strategy: i,
                    points: full,
                    full: true,
                });
            }
            let summary = at(s, &format!("latency_ms.{op}"))?;
            if summary.get("count").and_then(Value::as_u64) == Some(0) {
                return None;
            }
            let points = LEVELS
                .iter()
                .map(|(key, p, _)| Some((num(summary, key)?, *p)))
                .collect::<Option<Vec<_>>>()?;
            Some(CdfSeries {
                strategy: i,
                points,
                full: false,
            })
        })
        .collect()
}

/// A share on the tail scale; share 1 (the maximum) at `MAX_Y`.
fn tail(p: f64) -> f64 {
    if p >= 1.0 {
        MAX_Y
    } else {
        -(1.0 - p.max(0.0)).log10()
    }
}

/// Whether two curves (on the chart's scales) would hide each other: the same shares, and
/// latencies within `CLOSE_DECADES` of each other (a pixel or two) at every one.
fn close(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(p, q)| (p.1 - q.1).abs() < 1e-9 && (p.0 / q.0).log10().abs() <= CLOSE_DECADES)
}

/// Latency CDF: one curve per strategy, reads and writes side by side; log x axis.
pub(super) fn cdf(report: &Value) -> Draw<Chart> {
    let names = strategy_names(report);
    let title = "Latency distribution per strategy";
    let (read, write) = (cdf_series(report, "read"), cdf_series(report, "write"));
    let full = read.iter().chain(&write).all(|s| s.full);
    let source = if full {
        "full histogram of successful operations"
    } else {
        "through p50, p90, p99, p99.9 and max of successful operations"
    };
    render("latency-cdf", title, (1200, 600), names.len(), |root| {
        let area = header_lines(
            root,
            title,
            &format!(
                "{} · {source} · markers at the percentiles · curves that coincide drawn nested",
                run_label(report)
            ),
            &names,
        )?;
        let panels = area.split_evenly((1, 2));
        cdf_panel(&panels[0], "Reads", read, "read")?;
        cdf_panel(&panels[1], "Writes", write, "write")
    })
}

fn cdf_panel(area: &Area, caption: &str, series: Vec<CdfSeries>, op: &str) -> Draw {
    if series.is_empty() {
        return empty_panel(area, caption, &format!("no successful {op}s"));
    }
    // On the chart's scales: latency (>= 1 us, for the log axis) against the tail scale.
    let curves: Vec<(usize, Vec<(f64, f64)>)> = series
        .into_iter()
        .map(|s| {
            let pts = s.points.iter().map(|&(x, p)| (x.max(1e-3), tail(p)));
            (s.strategy, pts.collect())
        })
        .collect();
    let xs = curves.iter().flat_map(|(_, c)| c.iter().map(|p| p.0));
    let (lo, hi) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (lo, hi) = (lo / 1.3, hi * 1.3);
    let mut ticks = vec![0.0];
    ticks.extend(LEVELS.iter().map(|l| tail(l.1)));
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 20))
        .margin(14)
        .x_label_area_size(52)
        .y_label_area_size(64)
        .build_cartesian_2d(
            log_axis(lo, hi, log_ticks(lo, hi)),
            lin_axis(0.0, MAX_Y + 0.25, ticks),
        )?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("share of operations at or below (tail scale)")
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y: &f64| {
            if y.abs() < 1e-9 {
                return "0%".to_string();
            }
            LEVELS
                .iter()
                .find(|l| (tail(l.1) - y).abs() < 1e-6)
                .map(|l| l.2.to_string())
                .unwrap_or_default()
        })
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()?;
    let widths = nested_widths(&curves, |a, b| close(&a.1, &b.1));
    for ((i, pts), w) in curves.into_iter().zip(widths) {
        styles::line(&mut chart, &pts, i, w)?;
        // A marker where the curve crosses each percentile.
        let marks: Vec<(f64, f64)> = LEVELS
            .iter()
            .filter_map(|l| {
                let y = tail(l.1);
                let near = pts
                    .iter()
                    .min_by(|a, b| (a.1 - y).abs().total_cmp(&(b.1 - y).abs()))?;
                ((near.1 - y).abs() < 0.02).then_some(*near)
            })
            .collect();
        styles::markers(&mut chart, &marks, i, w / 2 + 3)?;
    }
    Ok(())
}
