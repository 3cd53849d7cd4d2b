//! Cost against p99 latency: one point per strategy, the Pareto front (no other strategy
//! is both cheaper and faster) joined and ringed; reads and writes side by side. Drawn only
//! when the report's strategies have a `cost` section.
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;
use serde_json::Value;

use super::styles::Plot;
use super::{
    color, front, header, num, render, run_label, strategies, text, Area, Chart, Draw, FONT,
};

/// A strategy's cost and latency.
struct Point {
    pos: usize,
    name: String,
    cost: f64,
    read: Option<f64>,
    write: Option<f64>,
}

/// The cost figure drawn and its axis label: the monthly projection when present.
fn cost_of(s: &Value) -> Option<(f64, &'static str)> {
    num(s, "cost.monthly_usd")
        .map(|v| (v, "projected monthly cost (USD)"))
        .or_else(|| num(s, "cost.total_usd").map(|v| (v, "cost of the simulated window (USD)")))
}

/// The cost chart, or `None` when no strategy has a cost.
pub(super) fn cost(report: &Value) -> Draw<Option<Chart>> {
    let mut axis = "cost (USD)";
    let points: Vec<Point> = strategies(report)
        .filter_map(|(pos, s)| {
            let (cost, label) = cost_of(s)?;
            axis = label;
            let p99 = |op: &str| {
                let count = num(s, &format!("latency_ms.{op}.count")).unwrap_or(1.0);
                (count > 0.0)
                    .then(|| num(s, &format!("latency_ms.{op}.p99")))
                    .flatten()
            };
            Some(Point {
                pos,
                name: text(s, "name").to_string(),
                cost,
                read: p99("read"),
                write: p99("write"),
            })
        })
        .collect();
    if points.is_empty() {
        return Ok(None);
    }
    let names: Vec<(usize, String)> = points.iter().map(|p| (p.pos, p.name.clone())).collect();
    let title = "Cost against p99 latency";
    let subtitle = format!(
        "{} · ringed and joined: the Pareto front (nothing else is both cheaper and faster)",
        run_label(report)
    );
    let chart = render("cost", title, (1200, 600), points.len(), |root| {
        let area = header(root, title, &subtitle, &names)?;
        let panels = area.split_evenly((1, 2));
        panel(&panels[0], &points, "Reads", axis, |p| p.read)?;
        panel(&panels[1], &points, "Writes", axis, |p| p.write)
    })?;
    Ok(Some(chart))
}

fn panel(
    area: &Area,
    points: &[Point],
    caption: &str,
    axis: &str,
    y_of: impl Fn(&Point) -> Option<f64>,
) -> Draw {
    let pts: Vec<(usize, (f64, f64))> = points
        .iter()
        .enumerate()
        .filter_map(|(k, p)| Some((k, (p.cost, y_of(p)?))))
        .collect();
    let xy: Vec<(f64, f64)> = pts.iter().map(|(_, p)| *p).collect();
    front::panel(area, caption, axis, &xy, 0.15, |chart| {
        front::draw_front(chart, &xy)?;
        labelled_dots(chart, points, &pts)
    })
}

/// The strategies' dots, each labelled beside it on the first side where the label overlaps
/// no dot or label.
fn labelled_dots(chart: &mut Plot, points: &[Point], pts: &[(usize, (f64, f64))]) -> Draw {
    let mut placed: Vec<[i32; 4]> = pts
        .iter()
        .map(|(_, p)| {
            let (x, y) = chart.backend_coord(p);
            [x - 7, y - 7, x + 7, y + 7]
        })
        .collect();
    let xs = chart.plotting_area().get_pixel_range().0;
    for (k, p) in pts {
        let point = &points[*k];
        chart.draw_series([Circle::new(*p, 6, color(point.pos).filled())])?;
        let (x, y) = chart.backend_coord(p);
        let w = super::text_width(&point.name, 12.0);
        let sides = [
            (9, -20),
            (9, 4),
            (-9 - w, -20),
            (-9 - w, 4),
            (9, -36),
            (9, 20),
        ];
        let inside = |(dx, _): (i32, i32)| x + dx >= xs.start && x + dx + w <= xs.end + 10;
        let clear = |(dx, dy): (i32, i32), placed: &[[i32; 4]]| {
            let b = [x + dx, y + dy, x + dx + w, y + dy + 15];
            placed
                .iter()
                .all(|o| b[0] >= o[2] || o[0] >= b[2] || b[1] >= o[3] || o[1] >= b[3])
        };
        // The first side that overlaps nothing and stays inside the plot (a label past the
        // panel's edge is cut off), else the first inside, else the first.
        let (dx, dy) = sides
            .iter()
            .copied()
            .find(|&s| inside(s) && clear(s, &placed))
            .or_else(|| sides.iter().copied().find(|&s| inside(s)))
            .unwrap_or(sides[0]);
        placed.push([x + dx, y + dy, x + dx + w, y + dy + 15]);
        chart.draw_series([
            EmptyElement::at(*p) + Text::new(point.name.clone(), (dx, dy), (FONT, 15))
        ])?;
    }
    Ok(())
}
