//! Latency per client region: p50 / p99 bars per strategy (the distribution, the CDF, is
//! `cdf`).
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;
use serde_json::Value;

use super::{
    color, empty_panel, fmt_num, header, lin_axis, lin_ticks, list, log_axis, log_ticks, num,
    render, run_label, strategies, strategy_names, text, Area, Chart, Draw, FONT,
};

/// p50 (solid) and p99 (light, stacked on top) latency per client region and strategy,
/// reads above writes. Skipped when no strategy has `per_region`.
pub(super) fn regions(report: &Value) -> Draw<Option<Chart>> {
    let mut regions: Vec<String> = Vec::new();
    for (_, s) in strategies(report) {
        for r in list(s, "per_region") {
            let name = text(r, "region");
            if !regions.iter().any(|x| x == name) {
                regions.push(name.to_string());
            }
        }
    }
    if regions.is_empty() {
        return Ok(None);
    }
    let names = strategy_names(report);
    let title = "Latency per client region";
    let chart = render("latency-regions", title, (1200, 860), names.len(), |root| {
        let area = header(
            root,
            title,
            &format!(
                "{} · solid bar: p50 · light bar above it: up to p99",
                run_label(report)
            ),
            &names,
        )?;
        let panels = area.split_evenly((2, 1));
        bars_panel(&panels[0], report, &regions, "read")?;
        bars_panel(&panels[1], report, &regions, "write")
    })?;
    Ok(Some(chart))
}

/// (strategy position, region index, p50, p99) of every bar of one operation.
fn bars(report: &Value, regions: &[String], op: &str) -> Vec<(usize, usize, f64, f64)> {
    let mut out = Vec::new();
    for (i, s) in strategies(report) {
        for r in list(s, "per_region") {
            let Some(k) = regions.iter().position(|x| x == text(r, "region")) else {
                continue;
            };
            let l = &r["latency_ms"][op];
            if l.get("count").and_then(Value::as_u64) == Some(0) {
                continue;
            }
            if let (Some(p50), Some(p99)) = (num(l, "p50"), num(l, "p99")) {
                out.push((i, k, p50, p99.max(p50)));
            }
        }
    }
    out
}

fn builder<'a, 'b>(area: &'a Area<'b>, caption: &str) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut b = ChartBuilder::on(area);
    b.caption(caption, (FONT, 20))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(64);
    b
}

fn bars_panel(area: &Area, report: &Value, regions: &[String], op: &str) -> Draw {
    let caption = if op == "read" { "Reads" } else { "Writes" };
    let data = bars(report, regions, op);
    if data.is_empty() {
        return empty_panel(area, caption, &format!("no successful {op}s"));
    }
    let n = strategies(report).count().max(1);
    let hi = data.iter().map(|b| b.3).fold(0.0, f64::max);
    let lo_pos = data
        .iter()
        .map(|b| b.2)
        .filter(|v| *v > 0.0)
        .fold(f64::MAX, f64::min);
    // A log axis when the tallest bar would flatten the shortest into nothing.
    let log = hi / lo_pos.max(1e-3) > 40.0;
    let r = regions.len() as f64;
    let centres: Vec<f64> = (0..regions.len()).map(|k| k as f64 + 0.5).collect();
    let label = |x: &f64| -> String {
        let k = (x - 0.5).round();
        if k >= 0.0 && (x - 0.5 - k).abs() < 1e-6 {
            regions.get(k as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let slot = 0.8 / n as f64;
    let x0 = |i: usize, k: usize| k as f64 + 0.1 + i as f64 * slot;
    if log {
        let (lo, top) = (lo_pos / 1.5, hi * 1.5);
        let mut chart = builder(area, caption).build_cartesian_2d(
            lin_axis(0.0, r, centres),
            log_axis(lo, top, log_ticks(lo, top)),
        )?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&label)
            .y_label_formatter(&|y| fmt_num(*y))
            .y_desc("latency (ms, log scale)")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()?;
        for &(i, k, p50, p99) in &data {
            let x = x0(i, k);
            let c = color(i);
            chart.draw_series([
                Rectangle::new([(x, lo), (x + slot * 0.9, p50.max(lo))], c.filled()),
                Rectangle::new(
                    [(x, p50.max(lo)), (x + slot * 0.9, p99)],
                    c.mix(0.35).filled(),
                ),
            ])?;
        }
    } else {
        let top = hi * 1.08;
        let mut chart = builder(area, caption).build_cartesian_2d(
            lin_axis(0.0, r, centres),
            lin_axis(0.0, top, lin_ticks(0.0, top, 6)),
        )?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&label)
            .y_label_formatter(&|y| fmt_num(*y))
            .y_desc("latency (ms)")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()?;
        for &(i, k, p50, p99) in &data {
            let x = x0(i, k);
            let c = color(i);
            chart.draw_series([
                Rectangle::new([(x, 0.0), (x + slot * 0.9, p50)], c.filled()),
                Rectangle::new([(x, p50), (x + slot * 0.9, p99)], c.mix(0.35).filled()),
            ])?;
        }
    }
    Ok(())
}
