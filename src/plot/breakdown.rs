//! The latency breakdown chart: per strategy, two stacked horizontal bars (the mean over all
//! successful operations, and over the slowest 1 % of each client region) split into the
//! latency components of `latency_breakdown`; reads and writes side by side.
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;
use serde_json::Value;

use super::{
    empty_panel, fmt_num, header, lin_axis, lin_ticks, list, num, render, run_label, strategies,
    text, text_width, Area, Chart, Draw, FONT,
};

/// The components as in report.json, with their legend words and colours.
const PARTS: [(&str, &str, RGBColor); 9] = [
    ("client_access", "client access", RGBColor(0x9e, 0xca, 0xe1)),
    ("wan_request", "WAN request", RGBColor(0x31, 0x82, 0xbd)),
    ("wan_response", "WAN response", RGBColor(0x08, 0x45, 0x94)),
    ("queueing", "queueing", RGBColor(0xe6, 0x55, 0x0d)),
    ("service", "service", RGBColor(0xfd, 0xae, 0x6b)),
    (
        "replication_wait",
        "replication/quorum wait",
        RGBColor(0x31, 0xa3, 0x54),
    ),
    ("cache_miss", "cache miss", RGBColor(0x75, 0x6b, 0xb1)),
    ("retries", "timeouts + retries", RGBColor(0xde, 0x2d, 0x26)),
    ("rerouting", "rerouting", RGBColor(0x63, 0x63, 0x63)),
];

/// One bar: its label and the mean of each component, ms.
type Bar = (String, [f64; 9]);

/// Weighted mean of the components of `op` over the client regions of strategy `s`: over all
/// operations (`tail` false) or over the union of each region's slowest 1 %.
fn mean(s: &Value, op: &str, tail: bool) -> Option<[f64; 9]> {
    let mut sums = [0.0; 9];
    let mut n = 0.0;
    for r in list(s, "latency_breakdown") {
        let k = &r[op];
        let (count, comps) = if tail {
            (num(k, "tail.count"), &k["tail"]["components_ms"])
        } else {
            (num(k, "count"), &k["components_ms"])
        };
        let Some(count) = count else { continue };
        for (i, (key, _, _)) in PARTS.iter().enumerate() {
            sums[i] += count * num(comps, key).unwrap_or(0.0);
        }
        n += count;
    }
    (n > 0.0).then(|| sums.map(|v| v / n))
}

fn bars(report: &Value, op: &str) -> Vec<Bar> {
    let mut out = Vec::new();
    for (_, s) in strategies(report) {
        let name = text(s, "name");
        if let (Some(all), Some(tail)) = (mean(s, op, false), mean(s, op, true)) {
            out.push((format!("{name} · all"), all));
            out.push((format!("{name} · slowest 1 %"), tail));
        }
    }
    out
}

/// The chart, or `None` when the report has no `latency_breakdown`.
pub(super) fn breakdown(report: &Value) -> Draw<Option<Chart>> {
    let (reads, writes) = (bars(report, "read"), bars(report, "write"));
    if reads.is_empty() && writes.is_empty() {
        return Ok(None);
    }
    let rows = reads.len().max(writes.len());
    let title = "What the latency is made of";
    let height = (150 + rows as u32 * 26).max(420);
    let chart = render("latency-breakdown", title, (1400, height), 9, |root| {
        let area = header(
            root,
            title,
            &format!(
                "{} · mean of each component over all successful operations and over the slowest 1 % of each client region",
                run_label(report)
            ),
            &[],
        )?;
        // The components' legend.
        let (width, _) = area.dim_in_pixel();
        let (mut x, mut y) = (16, 0);
        for (_, words, c) in PARTS {
            let w = 14 + 6 + text_width(words, 13.0) + 22;
            if x + w > width as i32 - 16 && x > 16 {
                x = 16;
                y += 20;
            }
            area.draw(&Rectangle::new([(x, y + 1), (x + 14, y + 13)], c.filled()))?;
            area.draw(&Text::new(words.to_string(), (x + 20, y), (FONT, 16)))?;
            x += w;
        }
        let area = area.split_vertically(y + 26).1;
        let panels = area.split_evenly((1, 2));
        panel(&panels[0], "Reads", &reads)?;
        panel(&panels[1], "Writes", &writes)
    })?;
    Ok(Some(chart))
}

fn panel(area: &Area, caption: &str, bars: &[Bar]) -> Draw {
    if bars.is_empty() {
        return empty_panel(area, caption, "no successful operations");
    }
    let n = bars.len() as f64;
    let hi = bars
        .iter()
        .map(|b| b.1.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(1e-3)
        * 1.05;
    let centres: Vec<f64> = (0..bars.len()).map(|j| n - j as f64 - 0.5).collect();
    let label = |y: &f64| -> String {
        let j = n - 0.5 - y;
        let k = j.round();
        if k >= 0.0 && (j - k).abs() < 1e-6 {
            bars.get(k as usize)
                .map(|b| b.0.clone())
                .unwrap_or_default()
        } else {
            String::new()
        }
    };
    let longest = bars
        .iter()
        .map(|b| text_width(&b.0, 14.0))
        .max()
        .unwrap_or(0);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 20))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size((longest + 16).clamp(60, 300))
        .build_cartesian_2d(
            lin_axis(0.0, hi, lin_ticks(0.0, hi, 6)),
            lin_axis(0.0, n, centres),
        )?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("mean latency (ms)")
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&label)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;
    for (j, (_, parts)) in bars.iter().enumerate() {
        let y = n - j as f64 - 1.0;
        let mut x = 0.0;
        for (i, &v) in parts.iter().enumerate() {
            if v <= 0.0 {
                continue;
            }
            chart.draw_series([Rectangle::new(
                [(x, y + 0.15), (x + v, y + 0.85)],
                PARTS[i].2.filled(),
            )])?;
            x += v;
        }
    }
    Ok(())
}
