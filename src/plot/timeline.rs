//! Charts over time: success ratio and p99 latency per timeline bucket through the faults
//! (fault windows shaded and named). The staleness curves are in `staleness`.
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;
use serde_json::Value;

use super::{
    color, fmt_num, header, lin_axis, lin_ticks, list, log_axis, log_ticks, num, render, run_label,
    strategies, strategy_names, text, Area, Chart, Draw, FONT, GREY,
};

/// Most points drawn per line: longer timelines are merged into wider buckets.
const MAX_POINTS: usize = 1200;

/// One strategy's timeline, merged to at most `MAX_POINTS` buckets.
struct Series {
    pos: usize,
    /// (bucket midpoint in axis units, succeeded / attempted), buckets with attempts only.
    ratio: Vec<(f64, f64)>,
    /// (bucket midpoint, p99 ms), buckets with successes only (the worst of merged buckets).
    p99: Vec<(f64, f64)>,
}

/// A fault window in axis units.
struct Window {
    label: String,
    start: f64,
    end: f64,
}

fn u64s(v: &Value, path: &str) -> Vec<u64> {
    list(v, path).iter().filter_map(Value::as_u64).collect()
}

/// Success ratio and p99 latency per bucket, one line per strategy, fault windows shaded.
/// Skipped when no strategy has a timeline.
pub(super) fn timeline(report: &Value) -> Draw<Option<Chart>> {
    let len = strategies(report)
        .map(|(_, s)| list(s, "timeline.attempted").len())
        .max()
        .unwrap_or(0);
    if len == 0 {
        return Ok(None);
    }
    let bucket_s = strategies(report)
        .find_map(|(_, s)| num(s, "timeline.bucket_s"))
        .unwrap_or(1.0);
    let total_s = num(report, "duration_s")
        .unwrap_or(0.0)
        .max(len as f64 * bucket_s);
    // Hours on the axis for long runs.
    let (unit, per) = if total_s > 3.0 * 3600.0 {
        ("h", 3600.0)
    } else if total_s > 1800.0 {
        ("min", 60.0)
    } else {
        ("s", 1.0)
    };
    let merge = len.div_ceil(MAX_POINTS);
    let series: Vec<Series> = strategies(report)
        .map(|(pos, s)| {
            let (att, ok) = (u64s(s, "timeline.attempted"), u64s(s, "timeline.succeeded"));
            let p99: Vec<f64> = list(s, "timeline.p99_ms")
                .iter()
                .map(|v| v.as_f64().unwrap_or(0.0))
                .collect();
            let mut out = Series {
                pos,
                ratio: Vec::new(),
                p99: Vec::new(),
            };
            for g in (0..att.len()).step_by(merge) {
                let end = (g + merge).min(att.len());
                let mid = (g + end) as f64 / 2.0 * bucket_s / per;
                let a: u64 = att[g..end].iter().sum();
                let o: u64 = ok.get(g..end).map_or(0, |x| x.iter().sum());
                if a > 0 {
                    out.ratio.push((mid, o as f64 / a as f64));
                }
                let worst = p99
                    .get(g..end)
                    .map_or(0.0, |x| x.iter().fold(0.0, |m, v| v.max(m)));
                if worst > 0.0 {
                    out.p99.push((mid, worst));
                }
            }
            out
        })
        .collect();
    let mut windows: Vec<Window> = Vec::new();
    for (_, s) in strategies(report) {
        for f in list(s, "faults") {
            let start = num(f, "start_s").unwrap_or(0.0) / per;
            let end = num(f, "end_s").unwrap_or(total_s) / per;
            let label = format!("{} {}", text(f, "kind"), text(f, "target"));
            if !windows
                .iter()
                .any(|w| w.label == label && w.start == start && w.end == end)
            {
                windows.push(Window { label, start, end });
            }
        }
    }
    let names = strategy_names(report);
    let title = "Timeline through faults";
    let bucket = fmt_num(bucket_s * merge as f64);
    let subtitle = format!(
        "{} · per {bucket} s bucket · shaded: fault windows",
        run_label(report)
    );
    let chart = render("timeline", title, (1200, 820), names.len(), |root| {
        let area = header(root, title, &subtitle, &names)?;
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 * 45 / 100);
        let x_max = total_s / per;
        ratio_panel(&top, &series, &windows, x_max, unit)?;
        p99_panel(&bottom, &series, &windows, x_max, unit)
    })?;
    Ok(Some(chart))
}

/// Consecutive runs of points (a gap where buckets are missing).
fn runs(points: &[(f64, f64)], step: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    for &p in points {
        match out.last_mut() {
            Some(run) if p.0 - run.last().map_or(f64::MIN, |q| q.0) <= step * 1.5 => run.push(p),
            _ => out.push(vec![p]),
        }
    }
    out
}

fn step_of(series: &[Series]) -> f64 {
    series
        .iter()
        .find_map(|s| s.ratio.windows(2).next().map(|w| w[1].0 - w[0].0))
        .unwrap_or(1.0)
}

fn ratio_panel(area: &Area, series: &[Series], windows: &[Window], x_max: f64, unit: &str) -> Draw {
    let min = series
        .iter()
        .flat_map(|s| s.ratio.iter().map(|p| p.1))
        .fold(1.0, f64::min);
    let lo = ((min * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    // Headroom above 100% for the fault labels.
    let hi = 1.0
        + (1.0 - lo)
            * if windows.is_empty() {
                0.04
            } else {
                0.09 + 0.07 * windows.len().min(4) as f64
            };
    let mut chart = ChartBuilder::on(area)
        .caption("Success ratio", (FONT, 20))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            lin_axis(0.0, x_max, lin_ticks(0.0, x_max, 10)),
            lin_axis(lo, hi, lin_ticks(lo, 1.0, 5)),
        )?;
    chart
        .configure_mesh()
        .x_desc(format!("time ({unit})"))
        .y_desc("succeeded / attempted")
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y| format!("{}%", fmt_num(y * 100.0)))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()?;
    for (k, w) in windows.iter().enumerate() {
        chart.draw_series([Rectangle::new(
            [(w.start, lo), (w.end.min(x_max), hi)],
            BLACK.mix(0.08).filled(),
        )])?;
        chart.draw_series([EmptyElement::at((w.start, hi))
            + Text::new(
                w.label.clone(),
                (4, 4 + 16 * (k as i32 % 4)),
                (FONT, 14).into_font().color(&GREY),
            )])?;
    }
    // Lines overlap at 100%: earlier strategies are drawn wider so every colour shows.
    let step = step_of(series);
    for (k, s) in series.iter().enumerate() {
        let width = 2 + (series.len() - 1 - k).min(4) as u32;
        for run in runs(&s.ratio, step) {
            chart.draw_series(LineSeries::new(run, color(s.pos).stroke_width(width)))?;
        }
    }
    Ok(())
}

fn p99_panel(area: &Area, series: &[Series], windows: &[Window], x_max: f64, unit: &str) -> Draw {
    let vals = series.iter().flat_map(|s| s.p99.iter().map(|p| p.1));
    let (min, max) = vals.fold((f64::MAX, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    if max <= 0.0 {
        return super::empty_panel(area, "p99 latency", "no successful operations");
    }
    let (lo, hi) = (min / 1.5, max * 1.5);
    let mut chart = ChartBuilder::on(area)
        .caption("p99 latency of successful operations", (FONT, 20))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            lin_axis(0.0, x_max, lin_ticks(0.0, x_max, 10)),
            log_axis(lo, hi, log_ticks(lo, hi)),
        )?;
    chart
        .configure_mesh()
        .x_desc(format!("time ({unit})"))
        .y_desc("p99 latency (ms, log scale)")
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y| fmt_num(*y))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()?;
    for w in windows {
        chart.draw_series([Rectangle::new(
            [(w.start, lo), (w.end.min(x_max), hi)],
            BLACK.mix(0.08).filled(),
        )])?;
    }
    let step = step_of(series);
    for s in series {
        for run in runs(&s.p99, step) {
            chart.draw_series(LineSeries::new(run, color(s.pos).stroke_width(2)))?;
        }
    }
    Ok(())
}
