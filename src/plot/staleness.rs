//! The staleness chart: per strategy, the bucketed curve of client reads by age
//! (`consistency.t_visibility`, solid with dots) and, when the scenario has probe reads, the
//! exact PBS curve at fixed delays after the commit (`consistency.t_visibility_exact`, dashed
//! with squares), on one log-scale time axis, with a key that says which is which.
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;
use serde_json::Value;

use super::{
    color, fmt_num, header, lin_axis, lin_ticks, list, log_axis, log_ticks, num, render, run_label,
    stacked_widths, strategies, strategy_names, Area, Chart, Draw, FONT, GREY,
};

/// Where the age-0 bucket (and the probes at 0 ms) are drawn on the log axis.
const ZERO_AT: f64 = 0.5;

/// One strategy's curves: (position, bucketed points, exact points).
type Curves = (usize, Vec<(f64, f64)>, Vec<(f64, f64)>);

/// The bucketed curve's points: buckets with reads.
fn bucketed(s: &Value) -> Vec<(f64, f64)> {
    list(s, "consistency.t_visibility")
        .iter()
        .filter(|b| b.get("reads").and_then(Value::as_u64).unwrap_or(0) > 0)
        .filter_map(|b| Some((num(b, "t_ms")?.max(ZERO_AT), num(b, "p_consistent")?)))
        .collect()
}

/// The exact curve's points: delays with answered probes (`p_consistent` not `null`).
fn exact(s: &Value) -> Vec<(f64, f64)> {
    list(s, "consistency.t_visibility_exact")
        .iter()
        .filter_map(|b| Some((num(b, "t_ms")?.max(ZERO_AT), num(b, "p_consistent")?)))
        .collect()
}

/// The staleness chart. Skipped when no strategy has a bucket with reads or an answered
/// probe.
pub(super) fn staleness(report: &Value) -> Draw<Option<Chart>> {
    let curves: Vec<Curves> = strategies(report)
        .map(|(i, s)| (i, bucketed(s), exact(s)))
        .filter(|(_, b, e)| !b.is_empty() || !e.is_empty())
        .collect();
    if curves.is_empty() {
        return Ok(None);
    }
    let with_exact = curves.iter().any(|c| !c.2.is_empty());
    let names = strategy_names(report);
    let title = "Staleness: probability of reading the newest write";
    let subtitle = if with_exact {
        format!(
            "{} · solid: client reads by the age of the newest acknowledged version · dashed: probe reads exactly t ms after a write committed",
            run_label(report)
        )
    } else {
        format!(
            "{} · reads grouped by the age of the newest acknowledged version when they began",
            run_label(report)
        )
    };
    let points = || curves.iter().flat_map(|c| c.1.iter().chain(&c.2));
    let t_max = points().map(|p| p.0).fold(1.0, f64::max);
    let p_min = points().map(|p| p.1).fold(1.0, f64::min);
    let lo = ((p_min * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let hi = 1.0 + (1.0 - lo) * 0.04;
    let series = curves.iter().filter(|c| !c.1.is_empty()).count()
        + curves.iter().filter(|c| !c.2.is_empty()).count();
    let chart = render("staleness", title, (1200, 620), series, |root| {
        let area = header(root, title, &subtitle, &names)?;
        let (x_lo, x_hi) = (ZERO_AT * 0.8, t_max * 1.5);
        let mut ticks = vec![ZERO_AT];
        ticks.extend(log_ticks(1.0, x_hi));
        let mut chart = ChartBuilder::on(&area)
            .margin(14)
            .x_label_area_size(52)
            .y_label_area_size(64)
            .build_cartesian_2d(
                log_axis(x_lo, x_hi, ticks),
                lin_axis(lo, hi, lin_ticks(lo, 1.0, 5)),
            )?;
        let x_desc = if with_exact {
            "ms (log scale from 1; age 0 at the left): solid, since the newest write's acknowledgement reached its client; dashed, since the write committed"
        } else {
            "time since the newest write was acknowledged (ms, log scale from 1; age 0 at the left)"
        };
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("P(read is consistent)")
            .x_label_formatter(&|x| {
                if *x < 0.9 {
                    "0".into()
                } else {
                    fmt_num(*x)
                }
            })
            .y_label_formatter(&|y| format!("{}%", fmt_num(y * 100.0)))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .draw()?;
        let widths = stacked_widths(&curves.iter().map(|c| c.1.clone()).collect::<Vec<_>>());
        for ((i, pts, _), w) in curves.iter().zip(widths) {
            let c = color(*i);
            chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(w)))?;
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, w / 2 + 2, c.filled())))?;
        }
        for (i, _, pts) in &curves {
            let c = color(*i);
            chart.draw_series(DashedLineSeries::new(pts.clone(), 9, 6, c.stroke_width(2)))?;
            chart
                .draw_series(pts.iter().map(|&p| {
                    EmptyElement::at(p) + Rectangle::new([(-4, -4), (4, 4)], c.filled())
                }))?;
        }
        if with_exact {
            key(&area)?;
        }
        Ok(())
    })?;
    Ok(Some(chart))
}

/// The key of the two curve styles, in the plot area's lower right corner.
fn key(area: &Area) -> Draw {
    let (w, h) = area.dim_in_pixel();
    let (x, y) = (w as i32 - 430, h as i32 - 130);
    area.draw(&Rectangle::new(
        [(x, y), (x + 410, y + 60)],
        ShapeStyle::from(&WHITE).filled(),
    ))?;
    area.draw(&Rectangle::new(
        [(x, y), (x + 410, y + 60)],
        GREY.stroke_width(1),
    ))?;
    let line = BLACK.stroke_width(2);
    area.draw(&PathElement::new(
        [(x + 10, y + 18), (x + 50, y + 18)],
        line,
    ))?;
    area.draw(&Circle::new((x + 30, y + 18), 4, BLACK.filled()))?;
    area.draw(&Text::new(
        "t_visibility: client reads, bucketed by age",
        (x + 60, y + 10),
        (FONT, 14),
    ))?;
    for k in 0..4 {
        let x0 = x + 10 + k * 11;
        area.draw(&PathElement::new([(x0, y + 42), (x0 + 7, y + 42)], line))?;
    }
    area.draw(&Rectangle::new(
        [(x + 26, y + 38), (x + 34, y + 46)],
        BLACK.filled(),
    ))?;
    area.draw(&Text::new(
        "t_visibility_exact: probes exactly t ms after the commit",
        (x + 60, y + 34),
        (FONT, 14),
    ))?;
    Ok(())
}
