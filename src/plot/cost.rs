//! Cost against p99 latency: one point per strategy, the Pareto front (no other strategy
//! is both cheaper and faster) joined and ringed; reads and writes side by side. Drawn only
//! when the report's strategies have a `cost` section.
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;
use serde_json::Value;

use super::{
    color, fmt_num, header, lin_axis, lin_ticks, num, render, run_label, strategies, text, Area,
    Chart, Draw, FONT,
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

/// Indices of the points on the Pareto front (lower cost and lower latency are better),
/// by increasing cost.
pub(crate) fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
    });
    let mut best = f64::INFINITY;
    let mut front = Vec::new();
    for i in order {
        if points[i].1 < best {
            best = points[i].1;
            front.push(i);
        }
    }
    front
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

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = (hi - lo).max(hi.abs() * 0.1).max(1e-3);
    ((lo - span * 0.15).max(0.0), hi + span * 0.15)
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
    if pts.is_empty() {
        return super::empty_panel(area, caption, "no successful operations");
    }
    let fold = |f: fn(&(f64, f64)) -> f64| {
        pts.iter()
            .map(|(_, p)| f(p))
            .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)))
    };
    let (x_lo, x_hi) = fold(|p| p.0);
    let (y_lo, y_hi) = fold(|p| p.1);
    let (x_lo, x_hi) = padded(x_lo, x_hi);
    let (y_lo, y_hi) = padded(y_lo, y_hi);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 20))
        .margin(14)
        .x_label_area_size(52)
        .y_label_area_size(64)
        .build_cartesian_2d(
            lin_axis(x_lo, x_hi, lin_ticks(x_lo, x_hi, 6)),
            lin_axis(y_lo, y_hi, lin_ticks(y_lo, y_hi, 6)),
        )?;
    chart
        .configure_mesh()
        .x_desc(axis)
        .y_desc("p99 latency (ms)")
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y| fmt_num(*y))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()?;
    let xy: Vec<(f64, f64)> = pts.iter().map(|(_, p)| *p).collect();
    let front = pareto_front(&xy);
    let line: Vec<(f64, f64)> = front.iter().map(|&i| xy[i]).collect();
    chart.draw_series(LineSeries::new(
        line.clone(),
        BLACK.mix(0.6).stroke_width(1),
    ))?;
    chart.draw_series(
        line.iter()
            .map(|&p| Circle::new(p, 10, BLACK.mix(0.7).stroke_width(2))),
    )?;
    // Labels beside their dot, on the first side where they overlap no dot or label.
    let mut placed: Vec<[i32; 4]> = pts
        .iter()
        .map(|(_, p)| {
            let (x, y) = chart.backend_coord(p);
            [x - 7, y - 7, x + 7, y + 7]
        })
        .collect();
    for (k, p) in &pts {
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
        let clear = |(dx, dy): (i32, i32), placed: &[[i32; 4]]| {
            let b = [x + dx, y + dy, x + dx + w, y + dy + 15];
            placed
                .iter()
                .all(|o| b[0] >= o[2] || o[0] >= b[2] || b[1] >= o[3] || o[1] >= b[3])
        };
        let (dx, dy) = sides
            .iter()
            .copied()
            .find(|s| clear(*s, &placed))
            .unwrap_or(sides[0]);
        placed.push([x + dx, y + dy, x + dx + w, y + dy + 15]);
        chart.draw_series([
            EmptyElement::at(*p) + Text::new(point.name.clone(), (dx, dy), (FONT, 15))
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::pareto_front;

    #[test]
    fn front_keeps_only_undominated_points() {
        // (cost, p99): b dominates c; a is cheapest; d is fastest.
        let pts = [(1.0, 100.0), (2.0, 50.0), (3.0, 60.0), (4.0, 10.0)];
        assert_eq!(pareto_front(&pts), vec![0, 1, 3]);
    }
}
