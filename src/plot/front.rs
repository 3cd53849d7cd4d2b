//! Cost against p99 latency, the one panel both the report's cost chart (`cost`) and the
//! chart of `geosim advise` (`advise`) draw: axes padded around the points, from 0 at the
//! lowest, units on both; the Pareto front (`pareto_front`) and its drawing (`draw_front`,
//! joined and ringed).
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;

use super::styles::Plot;
use super::{empty_panel, fmt_num, lin_axis, lin_ticks, Area, Draw, FONT};

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

/// `[lo, hi]` widened by `pad` of its span (at least a tenth of `hi`) on both sides, never
/// below 0.
fn padded((lo, hi): (f64, f64), pad: f64) -> (f64, f64) {
    let span = (hi - lo).max(hi.abs() * 0.1).max(1e-3);
    ((lo - span * pad).max(0.0), hi + span * pad)
}

/// Draws a cost (x, labelled `x_desc`) against p99 latency (y, ms) panel around `xy`, axes
/// padded by `pad` of their span, then `draw` on it; a note instead when `xy` is empty.
pub(crate) fn panel(
    area: &Area,
    caption: &str,
    x_desc: &str,
    xy: &[(f64, f64)],
    pad: f64,
    draw: impl FnOnce(&mut Plot) -> Draw,
) -> Draw {
    if xy.is_empty() {
        return empty_panel(area, caption, "no successful operations");
    }
    let fold = |f: fn(&(f64, f64)) -> f64| {
        xy.iter()
            .map(f)
            .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)))
    };
    let (x_lo, x_hi) = padded(fold(|p| p.0), pad);
    let (y_lo, y_hi) = padded(fold(|p| p.1), pad);
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
        .x_desc(x_desc)
        .y_desc("p99 latency (ms)")
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y| fmt_num(*y))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()?;
    draw(&mut chart)
}

/// Joins the Pareto front of `xy` and rings its points.
pub(crate) fn draw_front(chart: &mut Plot, xy: &[(f64, f64)]) -> Draw {
    let line: Vec<(f64, f64)> = pareto_front(xy).iter().map(|&i| xy[i]).collect();
    chart.draw_series(LineSeries::new(
        line.clone(),
        BLACK.mix(0.6).stroke_width(1),
    ))?;
    chart.draw_series(
        line.iter()
            .map(|&p| Circle::new(p, 10, BLACK.mix(0.7).stroke_width(2))),
    )?;
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
