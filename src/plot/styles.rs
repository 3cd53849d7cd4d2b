//! Telling strategies' lines apart where they overlap: beside its palette colour, each
//! strategy position has a dash pattern and a marker shape, drawn on a chart (`line`,
//! `markers`) and as the legend's sample (`swatch`, used by `header_lines`).
//!
//! Must not import anything but the plot helpers and plotters.

use plotters::prelude::*;

use super::{color, Area, Draw, Ticks};

/// A chart on the shared axes.
pub(crate) type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticks, Ticks>>;

/// Dash and gap lengths in pixels by strategy position (`None`: solid): solid, dashed,
/// dotted, long dashes.
const DASHES: [Option<(u32, u32)>; 4] = [None, Some((10, 6)), Some((2, 5)), Some((18, 9))];

/// Width of a legend sample in pixels.
pub(crate) const SWATCH_W: i32 = 34;

fn dash(i: usize) -> Option<(u32, u32)> {
    DASHES[i % DASHES.len()]
}

/// Draws `pts` as the line of the strategy at position `i`, `width` pixels wide.
pub(crate) fn line(chart: &mut Plot, pts: &[(f64, f64)], i: usize, width: u32) -> Draw {
    let style = color(i).stroke_width(width);
    match dash(i) {
        None => chart.draw_series(LineSeries::new(pts.to_vec(), style))?,
        Some((d, g)) => chart.draw_series(DashedLineSeries::new(pts.to_vec(), d, g, style))?,
    };
    Ok(())
}

/// Draws the marker of the strategy at position `i` at each of `pts`, about `size` pixels
/// in radius: circle, triangle, square, cross by position.
pub(crate) fn markers(chart: &mut Plot, pts: &[(f64, f64)], i: usize, size: u32) -> Draw {
    let c = color(i);
    let s = size as i32;
    match i % 4 {
        0 => chart.draw_series(pts.iter().map(|&p| Circle::new(p, size, c.filled())))?,
        1 => chart.draw_series(
            pts.iter()
                .map(|&p| TriangleMarker::new(p, size + 1, c.filled())),
        )?,
        2 => {
            chart
                .draw_series(pts.iter().map(|&p| {
                    EmptyElement::at(p) + Rectangle::new([(-s, -s), (s, s)], c.filled())
                }))?
        }
        _ => chart.draw_series(
            pts.iter()
                .map(|&p| Cross::new(p, size + 1, c.stroke_width(2))),
        )?,
    };
    Ok(())
}

/// Draws the legend sample of the strategy at position `i` (its dash pattern and marker),
/// `SWATCH_W` pixels wide, its middle at height `y`, from `x`.
pub(crate) fn swatch(area: &Area, (x, y): (i32, i32), i: usize) -> Draw {
    let style = color(i).stroke_width(2);
    match dash(i) {
        None => area.draw(&PathElement::new(vec![(x, y), (x + SWATCH_W, y)], style))?,
        Some((d, g)) => {
            let (d, g) = (d as i32, g as i32);
            let mut a = x;
            while a < x + SWATCH_W {
                let b = (a + d).min(x + SWATCH_W);
                area.draw(&PathElement::new(vec![(a, y), (b, y)], style))?;
                a = b + g;
            }
        }
    }
    let (c, m) = ((x + SWATCH_W / 2, y), 4);
    let fill = color(i).filled();
    match i % 4 {
        0 => area.draw(&Circle::new(c, m, fill))?,
        1 => area.draw(&TriangleMarker::new(c, m + 1, fill))?,
        2 => area.draw(&Rectangle::new(
            [(c.0 - m, c.1 - m), (c.0 + m, c.1 + m)],
            fill,
        ))?,
        _ => area.draw(&Cross::new(c, m + 1, color(i).stroke_width(2)))?,
    };
    Ok(())
}
