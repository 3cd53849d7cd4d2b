//! The chart of `geosim advise`: every fully run candidate's monthly cost against its p99
//! read and write latency (two panels), the Pareto set coloured by strategy kind, the others
//! grey, the winner ringed and named. Read from `advise.json` as a JSON value.
//!
//! Must not import anything but the plot helpers, plotters and serde_json.

use plotters::prelude::*;
use serde_json::Value;

use super::{color, front, header, num, render, Area, Chart, Draw, FONT};

/// Strategy kinds in palette order.
const KINDS: [&str; 7] = [
    "active-passive",
    "multi-master",
    "active-active",
    "follow-the-sun",
    "quorum",
    "consensus",
    "edge-cache",
];

struct Point {
    kind: usize,
    name: String,
    cost: f64,
    read: Option<f64>,
    write: Option<f64>,
    pareto: bool,
    winner: bool,
}

/// The chart of an `advise.json` value.
pub(super) fn chart(advice: &Value) -> Draw<Chart> {
    let winner = advice.pointer("/winner/id").and_then(Value::as_u64);
    let points: Vec<Point> = advice["candidates"]
        .as_array()
        .map(|l| l.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|c| c["full_run"] == true)
        .map(|c| Point {
            kind: KINDS
                .iter()
                .position(|k| c["kind"] == *k)
                .unwrap_or(KINDS.len()),
            name: c["name"].as_str().unwrap_or("").to_string(),
            cost: num(c, "figures.cost_usd_month").unwrap_or(0.0),
            read: num(c, "figures.read_p99_ms"),
            write: num(c, "figures.write_p99_ms"),
            pareto: c["pareto"] == true,
            winner: winner.is_some() && c["id"].as_u64() == winner,
        })
        .collect();
    let legend: Vec<(usize, String)> = KINDS
        .iter()
        .enumerate()
        .filter(|(i, _)| points.iter().any(|p| p.pareto && p.kind == *i))
        .map(|(i, k)| (i, k.to_string()))
        .collect();
    let title = "Candidate designs: cost against p99 latency";
    let subtitle = format!(
        "{} fully run, {} in the Pareto set (coloured by kind; grey: dominated); ringed: the winner",
        points.len(),
        points.iter().filter(|p| p.pareto).count()
    );
    render("advise", title, (1200, 600), legend.len(), |root| {
        let area = header(root, title, &subtitle, &legend)?;
        let panels = area.split_evenly((1, 2));
        panel(&panels[0], &points, "Reads", |p| p.read)?;
        panel(&panels[1], &points, "Writes", |p| p.write)
    })
}

fn panel(
    area: &Area,
    points: &[Point],
    caption: &str,
    y_of: impl Fn(&Point) -> Option<f64>,
) -> Draw {
    let pts: Vec<(&Point, (f64, f64))> = points
        .iter()
        .filter_map(|p| Some((p, (p.cost, y_of(p)?))))
        .collect();
    let xy: Vec<(f64, f64)> = pts.iter().map(|(_, xy)| *xy).collect();
    front::panel(
        area,
        caption,
        "projected monthly cost (USD)",
        &xy,
        0.1,
        |chart| {
            chart.draw_series(
                pts.iter()
                    .filter(|(p, _)| !p.pareto)
                    .map(|(_, xy)| Circle::new(*xy, 3, RGBColor(0xb0, 0xb0, 0xb0).filled())),
            )?;
            chart.draw_series(
                pts.iter()
                    .filter(|(p, _)| p.pareto)
                    .map(|(p, xy)| Circle::new(*xy, 6, color(p.kind).filled())),
            )?;
            for (p, xy) in pts.iter().filter(|(p, _)| p.winner) {
                chart.draw_series([Circle::new(*xy, 11, BLACK.stroke_width(2))])?;
                chart.draw_series([
                    EmptyElement::at(*xy) + Text::new(p.name.clone(), (12, -20), (FONT, 14))
                ])?;
            }
            Ok(())
        },
    )
}
